//! The garbage collector: precise, non-moving, stop-the-world mark & sweep.
//!
//! # Objects
//! Every GC object is a `#[repr(C)]` struct whose first field is a [`GcHeader`]; objects are boxed,
//! linked into one intrusive list (`Heap::all`) and freed by the sweep according to their
//! [`ObjKind`]. Objects never move. Tables are the exception to "boxed": they come from the
//! table block cache (`LuaTable::alloc`/`LuaTable::free`, see `table.rs`), as do their parts.
//!
//! # When it runs (the rule natives rely on)
//! A collection runs only at *safepoints*: in the interpreter after allocating instructions
//! (`NEWTABLE`, `CONCAT`, `CLOSURE`, `VARARG` with many values), before calling a native function, and
//! in `collectgarbage`. It never runs inside a native function except through calls that run Lua code
//! (`Vm::call`, metamethod-honouring `Vm::get`/`Vm::set`, `Vm::tostring`), so a native's Rust locals
//! stay valid until it returns or makes such a call; across such calls, keep values on the VM stack
//! (arguments always are) or in a rooted table.
//!
//! # Roots
//! The running thread's stack `[0, top)` (and every other thread reachable), the registry (holding
//! the globals table), the string and per-type metatables, the metamethod-name strings, the last error
//! value, the pinned values, and open upvalues.
//!
//! # Pacing
//! Allocation is accounted in bytes (`Heap::allocated`); a collection is due when it exceeds
//! `threshold`, set after each collection to `live * pause / 100` (pause 200%, as Lua's default).
//!
//! # Stress mode (`--gc-stress`, `MOONLIFT_GC_STRESS=N`)
//! For testing the GC-reference invariant of compiled code and natives (DESIGN.md §4), stress mode
//! runs a **full collection at every Nth allocation check** (N = 1: at every one; like PUC-Lua's
//! `HARDMEMTESTS`). It keeps `threshold` at 0, so [`Heap::due`] is true at every safepoint and the
//! check stays the same single compare as in normal mode (stress costs nothing when off); the
//! countdown to the next collection lives in the cold path ([`Vm::gc_slow`]). A stopped collector
//! (`collectgarbage("stop")`) is respected, as in PUC-Lua.
//!
//! # Weak tables and finalizers
//! `__mode` `"k"` tables are ephemerons (a value is marked only once its key is), `"v"` values are
//! cleared when unmarked, `"kv"` both; strings are never removed from weak tables (they are values, as
//! in Lua). Objects whose metatable had `__gc` when `setmetatable` ran are recorded in `finobj`; when
//! found unreachable they are resurrected (marked with all they reach), moved to `tobefnz` and their
//! finalizers run after the sweep, in reverse order of registration; an error in one becomes a warning.

use super::Vm;
use super::function::{LuaClosure, NativeClosure, Proto, UpVal};
use super::string::{LuaString, StringTable};
use super::table::LuaTable;
use super::thread::LuaThread;
use super::userdata::UserData;
use super::value::*;

/// Kind of a GC object (selects the concrete type behind a header pointer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum ObjKind {
    /// [`LuaString`].
    String,
    /// [`LuaTable`].
    Table,
    /// [`LuaClosure`].
    LuaClosure,
    /// [`NativeClosure`].
    NativeClosure,
    /// [`UserData`].
    UserData,
    /// [`LuaThread`].
    Thread,
    /// [`Proto`].
    Proto,
    /// [`UpVal`].
    UpVal,
}

/// Header flag: registered for finalization (in `Heap::finobj`).
pub(crate) const FL_FINOBJ: u8 = 1;

/// Common header of all GC objects.
#[repr(C)]
pub struct GcHeader {
    pub(crate) next: *mut GcHeader,
    pub(crate) kind: ObjKind,
    pub(crate) marked: u8,
    pub(crate) flags: u8,
}

impl GcHeader {
    pub(crate) fn new(kind: ObjKind) -> GcHeader {
        GcHeader {
            next: std::ptr::null_mut(),
            kind,
            marked: 0,
            flags: 0,
        }
    }
}

/// Incremental or generational mode name (`collectgarbage("incremental"/"generational")`); the
/// collector itself is always a full mark & sweep, the mode is remembered for the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GcMode {
    /// "incremental" (the default).
    Incremental,
    /// "generational".
    Generational,
}

/// The heap: object list, accounting, and collector state.
pub(crate) struct Heap {
    pub(crate) all: *mut GcHeader,
    pub(crate) allocated: usize,
    pub(crate) threshold: usize,
    pub(crate) pause: u32,
    pub(crate) stepmul: u32,
    pub(crate) running: bool,
    pub(crate) in_gc: bool,
    pub(crate) mode: GcMode,
    pub(crate) strings: StringTable,
    pub(crate) finobj: Vec<*mut GcHeader>,
    pub(crate) tobefnz: Vec<*mut GcHeader>,
    gray: Vec<*mut GcHeader>,
    weak_values: Vec<*mut LuaTable>,
    ephemerons: Vec<*mut LuaTable>,
    all_weak: Vec<*mut LuaTable>,
    pub(crate) memory_limit: Option<usize>,
    /// Stress mode: collect at every `stress`-th allocation check; 0 = off (module doc).
    stress: u32,
    /// Allocation checks left before the next stress collection (1..=stress).
    stress_countdown: u32,
    /// Compiled-code handles of protos freed by the last sweep, handed to the JIT after it
    /// (`Vm::jit_after_gc`, so their code is retired and reclaimed).
    pub(crate) dead_jit_funcs: Vec<moonlift_jit::stub::FuncId>,
    /// Code that recompilations replaced, of protos freed by the last sweep (retired with
    /// them by `Vm::jit_after_gc`).
    pub(crate) dead_jit_codes: Vec<moonlift_jit::blob::CodeId>,
    /// `collectgarbage("step")`'s model of an incremental cycle ([`Vm::gc_step`]).
    pub(crate) step_model: StepModel,
}

/// Floor of the collection threshold (bytes of accounted allocation). PUC-Lua has no floor beyond
/// `pause * live`, so a program with a small live heap that allocates fast (bench/churn.lua) peaks at
/// a few hundred KB there; a 1 MiB floor made our peak heap 5x lua5.4's for no speed gain worth it
/// (a full collection of a small live heap costs microseconds). 256 KiB keeps churn's peak heap near
/// lua5.4's while bounding the number of collections per allocated byte.
const MIN_THRESHOLD: usize = 256 << 10;

impl Heap {
    pub(crate) fn new() -> Heap {
        Heap {
            all: std::ptr::null_mut(),
            allocated: 0,
            threshold: MIN_THRESHOLD,
            pause: 200,
            stepmul: 100,
            running: true,
            in_gc: false,
            mode: GcMode::Incremental,
            strings: StringTable::new(),
            finobj: Vec::new(),
            tobefnz: Vec::new(),
            gray: Vec::new(),
            weak_values: Vec::new(),
            ephemerons: Vec::new(),
            all_weak: Vec::new(),
            memory_limit: None,
            step_model: StepModel::default(),
            stress: 0,
            stress_countdown: 0,
            dead_jit_funcs: Vec::new(),
            dead_jit_codes: Vec::new(),
        }
        .with_stress(stress_from_env())
    }

    /// `self` with stress mode set to collect every `every` allocation checks (0 = off).
    fn with_stress(mut self, every: u32) -> Heap {
        self.set_stress(every);
        self
    }

    fn set_stress(&mut self, every: u32) {
        self.stress = every;
        self.stress_countdown = every;
        if every != 0 {
            self.threshold = 0;
        } else {
            self.threshold = self.threshold.max(MIN_THRESHOLD);
        }
    }

    /// Link a boxed object into the heap and account `size` bytes.
    #[inline]
    pub(crate) fn link<T>(&mut self, b: Box<T>, size: usize) -> *mut T {
        let p = Box::into_raw(b);
        let h = p as *mut GcHeader;
        // SAFETY: every GC object type is repr(C) with a GcHeader first, so the cast is valid.
        unsafe { (*h).next = self.all };
        self.all = h;
        self.allocated += size;
        p
    }

    /// Link an object allocated elsewhere (tables: [`LuaTable::alloc`]) into the heap and
    /// account `size` bytes.
    ///
    /// # Safety
    /// `p` is a live object of a `#[repr(C)]` type starting with a [`GcHeader`], not yet linked,
    /// which the sweep may free as its header's kind says (`free_object`).
    #[inline]
    pub(crate) unsafe fn link_raw<T>(&mut self, p: *mut T, size: usize) -> *mut T {
        let h = p as *mut GcHeader;
        // SAFETY: per the contract, the header is the first field.
        unsafe { (*h).next = self.all };
        self.all = h;
        self.allocated += size;
        p
    }

    /// Adjust accounting by a signed delta (table resizes).
    #[inline]
    pub(crate) fn adjust(&mut self, delta: isize) {
        self.allocated = (self.allocated as isize + delta).max(0) as usize;
    }

    /// Is a collection due?
    #[inline(always)]
    pub(crate) fn due(&self) -> bool {
        self.allocated >= self.threshold
    }

    #[inline(always)]
    fn mark_value(&mut self, v: Value) {
        if v.is_collectable() {
            self.mark_obj(v.gc_ptr());
        }
    }

    #[inline(always)]
    fn mark_obj(&mut self, p: *mut GcHeader) {
        // SAFETY: p is a live GC object (reachable from a root).
        unsafe {
            if (*p).marked == 0 {
                (*p).marked = 1;
                if (*p).kind != ObjKind::String {
                    self.gray.push(p);
                }
            }
        }
    }

    /// Is this value kept by a weak reference (not collectable, a string, or marked)?
    fn is_kept(&mut self, v: Value) -> bool {
        if !v.is_collectable() {
            return true;
        }
        if v.tag == TAG_STR {
            self.mark_obj(v.gc_ptr());
            return true;
        }
        // SAFETY: v references a live object.
        unsafe { (*v.gc_ptr()).marked != 0 }
    }

    fn propagate(&mut self, mode_name: *mut LuaString) {
        while let Some(p) = self.gray.pop() {
            // SAFETY: gray objects are live and of the kind their header says.
            unsafe { self.traverse(p, mode_name) };
        }
    }

    /// # Safety
    /// `p` is a live object whose header kind matches its type.
    unsafe fn traverse(&mut self, p: *mut GcHeader, mode_name: *mut LuaString) {
        // SAFETY: per the function contract.
        unsafe {
            match (*p).kind {
                ObjKind::String => {}
                ObjKind::Table => self.traverse_table(p as *mut LuaTable, mode_name),
                ObjKind::LuaClosure => {
                    let c = &*(p as *mut LuaClosure);
                    self.mark_obj(c.proto as *mut GcHeader);
                    for &u in c.upvals.iter() {
                        if !u.is_null() {
                            self.mark_obj(u as *mut GcHeader);
                        }
                    }
                }
                ObjKind::NativeClosure => {
                    let c = &*(p as *mut NativeClosure);
                    for &v in c.upvals.iter() {
                        self.mark_value(v);
                    }
                }
                ObjKind::UserData => {
                    let u = &*(p as *mut UserData);
                    if !u.metatable.is_null() {
                        self.mark_obj(u.metatable as *mut GcHeader);
                    }
                    self.mark_value(u.user_value);
                }
                ObjKind::Thread => self.traverse_thread(&mut *(p as *mut LuaThread)),
                ObjKind::Proto => {
                    let pr = &*(p as *mut Proto);
                    for &k in pr.k.iter() {
                        self.mark_value(k);
                    }
                    for &c in pr.protos.iter() {
                        self.mark_obj(c as *mut GcHeader);
                    }
                }
                ObjKind::UpVal => {
                    let u = &*(p as *mut UpVal);
                    if !u.is_open() {
                        self.mark_value(u.closed);
                    }
                }
            }
        }
    }

    pub(crate) fn traverse_thread(&mut self, th: &mut LuaThread) {
        for &v in th.live_slice() {
            if v.is_collectable() {
                self.mark_obj(v.gc_ptr());
            }
        }
        let top = th.top;
        th.clear_above(top);
        if let Some(e) = th.error {
            self.mark_value(e);
        }
        for &u in &th.open_upvals {
            self.mark_obj(u as *mut GcHeader);
        }
    }

    /// # Safety
    /// `t` is a live table.
    unsafe fn traverse_table(&mut self, t: *mut LuaTable, mode_name: *mut LuaString) {
        // SAFETY: t is live; its metatable (if any) is live.
        let t = unsafe { &mut *t };
        let (mut wk, mut wv) = (false, false);
        if !t.metatable.is_null() {
            self.mark_obj(t.metatable as *mut GcHeader);
            // SAFETY: live metatable.
            let mode = unsafe { (*t.metatable).get_short_str(mode_name) };
            if let Some(b) = mode.as_str_bytes() {
                wk = b.contains(&b'k');
                wv = b.contains(&b'v');
            }
        }
        // Dead keys: nodes with nil values never keep their keys alive.
        for n in t.node_slice_mut() {
            if n.val.is_nil() && n.key.is_collectable() {
                n.key.tag = TAG_DEADKEY;
            }
        }
        match (wk, wv) {
            (false, false) => {
                for &v in t.array_values() {
                    self.mark_value(v);
                }
                for i in 0..t.node_len() {
                    let n = t.node_slice()[i];
                    if !n.val.is_nil() {
                        self.mark_value(n.key);
                        self.mark_value(n.val);
                    }
                }
            }
            (false, true) => {
                for i in 0..t.node_len() {
                    let n = t.node_slice()[i];
                    if !n.val.is_nil() {
                        self.mark_value(n.key);
                    }
                }
                self.weak_values.push(t);
            }
            (true, false) => {
                for &v in t.array_values() {
                    self.mark_value(v);
                }
                for i in 0..t.node_len() {
                    let n = t.node_slice()[i];
                    if !n.val.is_nil() && self.is_kept(n.key) {
                        self.mark_value(n.val);
                    }
                }
                self.ephemerons.push(t);
            }
            (true, true) => self.all_weak.push(t),
        }
    }

    /// Ephemeron fixpoint: mark values whose keys became marked.
    fn converge_ephemerons(&mut self, mode_name: *mut LuaString) {
        loop {
            let mut changed = false;
            let list = std::mem::take(&mut self.ephemerons);
            for &t in &list {
                // SAFETY: tables in the list are live (marked).
                let tr = unsafe { &*t };
                for i in 0..tr.node_len() {
                    let n = tr.node_slice()[i];
                    if !n.val.is_nil() && n.val.is_collectable() && self.is_kept(n.key) {
                        // SAFETY: live value.
                        if unsafe { (*n.val.gc_ptr()).marked } == 0 {
                            self.mark_value(n.val);
                            changed = true;
                        }
                    }
                }
            }
            // Tables traversed while propagating are appended again; keep the original list too.
            let mut again = std::mem::take(&mut self.ephemerons);
            self.ephemerons = list;
            self.propagate(mode_name);
            self.ephemerons.append(&mut again);
            self.ephemerons.sort_unstable();
            self.ephemerons.dedup();
            if !changed {
                break;
            }
        }
    }

    fn clear_weak_values(&mut self) {
        let lists = [
            std::mem::take(&mut self.weak_values),
            std::mem::take(&mut self.all_weak),
        ];
        for list in &lists {
            for &t in list {
                // SAFETY: weak tables in the lists are live.
                let tr = unsafe { &mut *t };
                for i in 0..tr.asize as usize {
                    let v = tr.array_values()[i];
                    if !self.is_kept(v) {
                        tr.array_values_mut()[i] = Value::NIL;
                    }
                }
                for i in 0..tr.node_len() {
                    let n = tr.node_slice()[i];
                    if !n.val.is_nil() && !self.is_kept(n.val) {
                        let nm = &mut tr.node_slice_mut()[i];
                        nm.val = Value::NIL;
                        if nm.key.is_collectable() {
                            nm.key.tag = TAG_DEADKEY;
                        }
                    }
                }
            }
        }
        self.weak_values = lists[0].clone();
        self.all_weak = lists[1].clone();
    }

    fn clear_weak_keys(&mut self) {
        let lists = [
            std::mem::take(&mut self.ephemerons),
            std::mem::take(&mut self.all_weak),
        ];
        for list in &lists {
            for &t in list {
                // SAFETY: weak tables in the lists are live.
                let tr = unsafe { &mut *t };
                for i in 0..tr.node_len() {
                    let n = tr.node_slice()[i];
                    if !n.val.is_nil() && !self.is_kept(n.key) {
                        let nm = &mut tr.node_slice_mut()[i];
                        nm.val = Value::NIL;
                        nm.key.tag = TAG_DEADKEY;
                    }
                }
            }
        }
    }

    /// Free every unmarked object and clear marks. Returns bytes freed.
    fn sweep(&mut self) {
        self.strings.remove_dead(|s| {
            // SAFETY: interned strings are live until freed below.
            unsafe { (*s).hdr.marked == 0 }
        });
        let mut prev: *mut GcHeader = std::ptr::null_mut();
        let mut p = self.all;
        while !p.is_null() {
            // SAFETY: p is a linked live object; freed objects are unlinked before being freed.
            unsafe {
                let next = (*p).next;
                if (*p).marked == 0 {
                    if prev.is_null() {
                        self.all = next;
                    } else {
                        (*prev).next = next;
                    }
                    if (*p).kind == ObjKind::Proto {
                        let jit = &(*(p as *mut Proto)).jit;
                        if let Some(f) = jit.func.get() {
                            self.dead_jit_funcs.push(f);
                        }
                        self.dead_jit_codes.extend(jit.superseded.take());
                    }
                    let size = free_object(p);
                    self.allocated = self.allocated.saturating_sub(size);
                } else {
                    (*p).marked = 0;
                    prev = p;
                }
                p = next;
            }
        }
    }
}

/// Free one object; returns its accounted size.
///
/// # Safety
/// `p` is an unlinked, unreachable object whose header kind matches its type.
unsafe fn free_object(p: *mut GcHeader) -> usize {
    // SAFETY: per the contract, p came from Box::into_raw of the type its kind names (tables:
    // from `LuaTable::alloc`, linked by `Heap::link_raw`).
    unsafe {
        match (*p).kind {
            ObjKind::String => super::string::free_string(p as *mut LuaString),
            ObjKind::Table => {
                let t = p as *mut LuaTable;
                let size = (*t).gc_size();
                LuaTable::free(t);
                size
            }
            ObjKind::LuaClosure => {
                let b = Box::from_raw(p as *mut LuaClosure);
                b.gc_size()
            }
            ObjKind::NativeClosure => {
                let b = Box::from_raw(p as *mut NativeClosure);
                b.gc_size()
            }
            ObjKind::UserData => {
                let b = Box::from_raw(p as *mut UserData);
                b.gc_size()
            }
            ObjKind::Thread => {
                let b = Box::from_raw(p as *mut LuaThread);
                b.gc_size()
            }
            ObjKind::Proto => {
                let b = Box::from_raw(p as *mut Proto);
                b.gc_size()
            }
            ObjKind::UpVal => {
                drop(Box::from_raw(p as *mut UpVal));
                std::mem::size_of::<UpVal>()
            }
        }
    }
}

/// `MOONLIFT_GC_STRESS`: unset, empty or `0` = off; `1` (or any non-number, e.g. `yes`) = a full
/// collection at every allocation check; `N` = at every Nth.
fn stress_from_env() -> u32 {
    match std::env::var("MOONLIFT_GC_STRESS") {
        Ok(v) => {
            let v = v.trim();
            if v.is_empty() {
                0
            } else {
                v.parse::<u32>().unwrap_or(1)
            }
        }
        Err(_) => 0,
    }
}

impl Drop for Heap {
    fn drop(&mut self) {
        let mut p = self.all;
        while !p.is_null() {
            // SAFETY: at VM teardown nothing references the objects any more; each is freed once.
            unsafe {
                let next = (*p).next;
                free_object(p);
                p = next;
            }
        }
        self.all = std::ptr::null_mut();
    }
}

impl Vm {
    /// Run a full collection now (mark, finalizer separation, weak clearing, sweep), then run pending
    /// finalizers. `collectgarbage("collect")`.
    pub fn full_gc(&mut self) {
        if self.heap.in_gc {
            return;
        }
        self.heap.in_gc = true;
        let mode_name = self.names.mode;
        // Roots.
        self.mark_roots();
        self.heap.propagate(mode_name);
        self.heap.converge_ephemerons(mode_name);
        // Weak values are cleared before resurrection (like clearbyvalues in `atomic`).
        self.heap.clear_weak_values();
        // Separate unreachable finalizable objects, resurrect them.
        let mut i = 0;
        let mut newly = Vec::new();
        while i < self.heap.finobj.len() {
            let p = self.heap.finobj[i];
            // SAFETY: finobj entries are live objects (they are never freed while registered).
            if unsafe { (*p).marked } == 0 {
                self.heap.finobj.remove(i);
                // SAFETY: as above.
                unsafe { (*p).flags &= !FL_FINOBJ };
                newly.push(p);
            } else {
                i += 1;
            }
        }
        for &p in &newly {
            self.heap.mark_obj(p);
        }
        self.heap.propagate(mode_name);
        self.heap.converge_ephemerons(mode_name);
        self.heap.clear_weak_keys();
        self.heap.clear_weak_values();
        self.heap.weak_values.clear();
        self.heap.all_weak.clear();
        self.heap.ephemerons.clear();
        // Finalizers run in reverse order of registration.
        for p in newly.into_iter() {
            self.heap.tobefnz.push(p);
        }
        self.heap.sweep();
        // The main thread is not in the object list: clear its mark by hand.
        // SAFETY: main_thread is live for the VM's lifetime.
        unsafe { (*self.main_thread).hdr.marked = 0 };
        let live = self.heap.allocated.max(1);
        self.heap.threshold = if self.heap.stress != 0 {
            0
        } else {
            (live / 100)
                .saturating_mul(self.heap.pause as usize)
                .max(MIN_THRESHOLD)
        };
        self.heap.step_model.cycle_finished(live, self.heap.pause);
        self.heap.in_gc = false;
        self.jit_after_gc();
        self.run_finalizers();
    }

    fn mark_roots(&mut self) {
        let h = &mut self.heap;
        h.mark_obj(self.registry as *mut GcHeader);
        if !self.string_mt.is_null() {
            h.mark_obj(self.string_mt as *mut GcHeader);
        }
        for &mt in self.type_mts.iter() {
            if !mt.is_null() {
                h.mark_obj(mt as *mut GcHeader);
            }
        }
        for &s in self.names.all() {
            h.mark_obj(s as *mut GcHeader);
        }
        h.mark_value(self.last_error);
        h.mark_value(self.hook);
        for &v in &self.transfer {
            h.mark_value(v);
        }
        for &v in &self.pinned {
            h.mark_value(v);
        }
        // Pending finalizers keep their objects alive until run.
        for i in 0..h.tobefnz.len() {
            let p = h.tobefnz[i];
            h.mark_obj(p);
        }
        // Threads: main thread (not in the object list) and the current thread.
        // SAFETY: main_thread and th are live for the VM's lifetime / while running.
        unsafe {
            h.traverse_thread(&mut *self.main_thread);
            if self.th != self.main_thread {
                h.mark_obj(self.th as *mut GcHeader);
            }
        }
        for &t in &self.resume_chain {
            h.mark_obj(t as *mut GcHeader);
        }
        // Protos queued for the background compiler: their code embeds their addresses.
        if let Some(bg) = &self.jit.bg {
            for j in &bg.queued {
                h.mark_obj(j.proto as *mut GcHeader);
            }
        }
    }

    /// Run the finalizers queued in `tobefnz` (used by `lua_close`-style teardown too).
    pub(crate) fn run_pending_finalizers(&mut self) {
        self.run_finalizers();
    }

    fn run_finalizers(&mut self) {
        while let Some(p) = self.heap.tobefnz.pop() {
            // SAFETY: p is a live table or userdata kept by tobefnz until now.
            let v = unsafe {
                match (*p).kind {
                    ObjKind::Table => Value::table(p as *mut LuaTable),
                    ObjKind::UserData => Value::from_ptr(TAG_USERDATA, p),
                    _ => continue,
                }
            };
            let gc = self.metafield_by_name(v, self.names.gc);
            if gc.is_function() {
                self.pinned.push(v);
                let saved_top = self.th().top;
                // A protected call, as lgc.c's GCTM (`luaD_pcall`): an error unwinds the
                // finalizer's frames, so the interrupted code continues with its own call stack.
                let r = self.pcall(gc, &[v]);
                self.th_mut().top = saved_top;
                self.pinned.pop();
                if let Err(e) = r {
                    let msg = self.error_text(&e);
                    let mut w = b"error in __gc (".to_vec();
                    w.extend_from_slice(&msg);
                    w.push(b')');
                    self.emit_warning(&w, false);
                }
            }
        }
    }

    /// Register `obj` for finalization if `mt` has a `__gc` field (`luaC_checkfinalizer`).
    pub(crate) fn check_finalizer(&mut self, obj: *mut GcHeader, mt: *mut LuaTable) {
        if mt.is_null() {
            return;
        }
        // SAFETY: live metatable and object.
        unsafe {
            if (*mt).get_short_str(self.names.gc).is_nil() || (*obj).flags & FL_FINOBJ != 0 {
                return;
            }
            (*obj).flags |= FL_FINOBJ;
        }
        self.heap.finobj.push(obj);
    }

    #[cold]
    pub(crate) fn gc_slow(&mut self) -> super::LuaResult<()> {
        if self.heap.stress != 0 && self.heap.running && !self.heap.in_gc {
            // Stress mode: `due()` is always true; collect at every `stress`-th check.
            self.heap.stress_countdown = self.heap.stress_countdown.saturating_sub(1);
            if self.heap.stress_countdown == 0 {
                self.heap.stress_countdown = self.heap.stress;
                self.full_gc();
            }
        } else if self.heap.running && !self.heap.in_gc {
            self.full_gc();
        } else if !self.heap.running {
            // Stopped collector: push the threshold up so the check stays cheap.
            self.heap.threshold = self.heap.allocated.saturating_mul(2).max(MIN_THRESHOLD);
        }
        if let Some(limit) = self.heap.memory_limit {
            // Collect again as soon as the limit is approached (also after an error below).
            self.heap.threshold = self.heap.threshold.min(limit);
            if self.heap.allocated > limit {
                return Err(self.memory_error());
            }
        }
        Ok(())
    }

    /// Stop or restart automatic collection (`collectgarbage("stop"/"restart")`).
    pub fn gc_set_running(&mut self, on: bool) {
        self.heap.running = on;
        if on {
            self.heap.threshold = if self.heap.stress != 0 {
                0
            } else {
                self.heap.threshold.max(self.heap.allocated)
            };
        }
    }

    /// GC stress mode (`--gc-stress`, `MOONLIFT_GC_STRESS`): run a full collection at every
    /// `every`-th allocation check (1 = at every one); 0 turns it off. See the module doc.
    pub fn set_gc_stress(&mut self, every: u32) {
        self.heap.set_stress(every);
    }

    /// The stress-mode period set by [`Vm::set_gc_stress`] or `MOONLIFT_GC_STRESS` (0 = off).
    pub fn gc_stress(&self) -> u32 {
        self.heap.stress
    }
    /// Is automatic collection running?
    pub fn gc_is_running(&self) -> bool {
        self.heap.running
    }
    /// Set the pause (`pause == true`) or step multiplier percentage; returns the previous value.
    pub fn gc_set_param(&mut self, pause: bool, v: i64) -> i64 {
        let v = v.clamp(0, 1_000_000) as u32;
        let slot = if pause {
            &mut self.heap.pause
        } else {
            &mut self.heap.stepmul
        };
        let prev = *slot;
        *slot = v;
        prev as i64
    }
    /// Switch the collector mode name; returns the previous one (the collector is the same).
    pub fn set_gc_mode(&mut self, mode: GcMode) -> GcMode {
        std::mem::replace(&mut self.heap.mode, mode)
    }

    /// Bytes currently accounted to the heap.
    pub fn memory_in_use(&self) -> usize {
        self.heap.allocated
    }
}

/// Size of a basic incremental step in bytes (`LUAI_GCSTEPSIZE`, 2^13, lgc.h).
const GC_STEP_SIZE: i64 = 1 << 13;
/// Bytes per unit of collector work (`WORK2MEM`, lgc.c: `sizeof(TValue)`).
const WORK2MEM: i64 = 16;
/// Heap bytes per unit of work a whole cycle costs, measured on lua5.4 (5.4.4): a 9.1 MB heap of
/// small tables needs 7 basic steps of `(GC_STEP_SIZE / WORK2MEM) * 100` units each.
const BYTES_PER_CYCLE_UNIT: u64 = 28;

/// Model of lgc.c's incremental cycle for `collectgarbage("step", n)`.
///
/// The collector here is atomic (a whole mark & sweep at once), but `step` must answer as
/// lua5.4's does: `true` iff the step finished a cycle. So steps are accounted as lgc.c does —
/// a debt (`GCdebt`: bytes allocated beyond the threshold set when the last cycle finished, plus
/// what `step` adds) paid in work units (`WORK2MEM`, `stepmul`) — and the cycle, estimated at
/// [`BYTES_PER_CYCLE_UNIT`] heap bytes per unit, runs as one full collection when the credited work
/// reaches it. Invariant: reset by every finished cycle, automatic or explicit.
#[derive(Debug, Default)]
pub(crate) struct StepModel {
    /// Bytes in use at which the virtual debt is zero (`totalbytes - GCdebt` at the last
    /// `luaE_setdebt`).
    threshold: usize,
    /// Work units credited to the current cycle by earlier steps that did not finish it.
    work: u64,
}

impl StepModel {
    /// A cycle finished with `live` bytes in use: start a new one, paused until the heap grows by
    /// `pause` percent (`setpause`).
    fn cycle_finished(&mut self, live: usize, pause: u32) {
        self.work = 0;
        self.threshold = (live / 100).saturating_mul(pause as usize);
    }
}

impl Vm {
    /// `collectgarbage("step", kb)` (`lua_gc(L, LUA_GCSTEP, kb)`, lapi.c): perform a basic step
    /// (`kb == 0`) or add `kb` KiB to the collector's debt and pay it; returns `true` iff a cycle
    /// finished (the collector is back in its pause state). Runs even when the collector is stopped,
    /// as lapi.c clears `gcstp` around the step.
    ///
    /// In generational mode (lua.c's default) a step that does work runs a collection but, as
    /// lgc.c's `genstep` never ends in the pause state, answers `false`. The incremental answer
    /// follows [`StepModel`].
    pub fn gc_step(&mut self, kb: i64) -> bool {
        if self.heap.in_gc {
            return false;
        }
        let allocated = self.heap.allocated as i64;
        let debt_now = allocated - self.heap.step_model.threshold as i64;
        let debt = if kb == 0 {
            0
        } else {
            kb.saturating_mul(1024).saturating_add(debt_now)
        };
        if kb != 0 && debt <= 0 {
            // Only the debt grows (`luaE_setdebt`); no work is done.
            self.heap.step_model.threshold = (allocated - debt).max(0) as usize;
            return false;
        }
        if self.heap.mode == GcMode::Generational {
            self.full_gc();
            return false;
        }
        // incstep: work until the debt is paid with a step's worth of credit, or the cycle ends.
        let stepmul = i64::from(self.heap.stepmul | 1);
        let stepsize = GC_STEP_SIZE / WORK2MEM * stepmul;
        let budget = (debt / WORK2MEM)
            .saturating_mul(stepmul)
            .saturating_add(stepsize);
        let model = &mut self.heap.step_model;
        let need = (allocated as u64 / BYTES_PER_CYCLE_UNIT).saturating_sub(model.work);
        if budget as u64 >= need {
            self.full_gc();
            return true;
        }
        model.work += budget as u64;
        // The leftover credit is one step's size (`debt = -stepsize` converted back to bytes).
        model.threshold = (allocated + GC_STEP_SIZE) as usize;
        false
    }
}

#[cfg(test)]
mod tests {
    use crate::vm::Vm;

    #[test]
    fn cycles_are_collected() {
        let mut vm = Vm::new();
        vm.full_gc();
        let base = vm.memory_in_use();
        for _ in 0..1000 {
            let a = vm.new_table();
            let b = vm.new_table();
            let k = vm.new_str(b"other");
            vm.raw_set(a, k, b).unwrap();
            vm.raw_set(b, k, a).unwrap();
        }
        assert!(vm.memory_in_use() > base + 1000 * 64);
        vm.full_gc();
        assert!(
            vm.memory_in_use() <= base + 1024,
            "{} vs {}",
            vm.memory_in_use(),
            base
        );
    }

    #[test]
    fn rooted_values_survive() {
        let mut vm = Vm::new();
        let t = vm.new_table();
        vm.set_global("keep", t);
        let s = vm.new_str(b"a fairly long string that is not short at all, >40 bytes");
        vm.raw_set(t, Value::int(1), s).unwrap();
        vm.full_gc();
        vm.full_gc();
        let keep = vm.get_global("keep");
        let got = vm.raw_get(keep, Value::int(1));
        assert_eq!(
            got.as_str_bytes().unwrap().len(),
            s.as_str_bytes().unwrap().len()
        );
    }

    use crate::vm::Value;

    #[test]
    fn weak_values_are_cleared() {
        let mut vm = Vm::new();
        let t = vm.new_table();
        vm.set_global("w", t);
        let mt = vm.new_table();
        let mode = vm.new_str(b"__mode");
        let v = vm.new_str(b"v");
        vm.raw_set(mt, mode, v).unwrap();
        vm.set_metatable(t, Some(mt)).unwrap();
        let inner = vm.new_table();
        vm.raw_set(t, Value::int(1), inner).unwrap();
        vm.raw_set(t, Value::int(2), Value::int(5)).unwrap();
        vm.full_gc();
        let t = vm.get_global("w");
        assert!(vm.raw_get(t, Value::int(1)).is_nil());
        assert_eq!(vm.raw_get(t, Value::int(2)).as_int(), Some(5));
    }
}
