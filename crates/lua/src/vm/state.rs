//! The global state ([`Vm`]): heap, registry, metatables, interned metamethod names, the current
//! thread, and host-facing state (interrupt flag, warnings, buffered stdout).
//!
//! Invariants:
//! - `registry` is a table whose integer key 2 (`LUA_RIDX_GLOBALS`) holds `globals`; key 1
//!   (`LUA_RIDX_MAINTHREAD`) is not used (the main thread is not a GC object here).
//! - `th` is the running thread; `main_thread` is owned by the `Vm` (freed on drop), coroutine
//!   threads are GC objects kept alive while on `resume_chain`.
//! - `names` holds interned strings that are GC roots for the whole VM lifetime.

use super::function::{LuaClosure, NativeClosure, Proto, UpVal};
use super::gc::{GcHeader, Heap, ObjKind};
use super::string::{LuaString, MAX_SHORT_LEN, alloc_string, hash_bytes};
use super::table::LuaTable;
use super::thread::LuaThread;
use super::userdata::UserData;
use super::value::*;
use crate::opcode::TagMethod;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// Interned names the VM looks up often (GC roots).
pub(crate) struct Names {
    /// Metamethod event names, indexed by `TagMethod as usize`.
    pub(crate) tm: [*mut LuaString; 25],
    pub(crate) index: *mut LuaString,
    pub(crate) newindex: *mut LuaString,
    pub(crate) mode: *mut LuaString,
    pub(crate) gc: *mut LuaString,
    pub(crate) close: *mut LuaString,
    pub(crate) name: *mut LuaString,
    pub(crate) tostring: *mut LuaString,
    pub(crate) metatable: *mut LuaString,
    pub(crate) pairs: *mut LuaString,
    pub(crate) memerr: *mut LuaString,
    all: Vec<*mut LuaString>,
}

impl Names {
    pub(crate) fn all(&self) -> &[*mut LuaString] {
        &self.all
    }
}

/// A warning sink: receives each complete warning message (without the "Lua warning: " prefix).
pub type WarnHandler = Box<dyn FnMut(&[u8])>;

/// One Lua state: global state plus the main thread. See the module doc and [`crate::vm::api`].
pub struct Vm {
    pub(crate) th: *mut LuaThread,
    pub(crate) main_thread: *mut LuaThread,
    pub(crate) heap: Heap,
    pub(crate) registry: *mut LuaTable,
    pub(crate) globals: *mut LuaTable,
    pub(crate) string_mt: *mut LuaTable,
    /// Per-type metatables indexed by tag (strings use `string_mt`).
    pub(crate) type_mts: [*mut LuaTable; 16],
    pub(crate) names: Names,
    pub(crate) last_error: Value,
    pub(crate) pinned: Vec<Value>,
    pub(crate) resume_chain: Vec<*mut LuaThread>,
    /// Values in transit between coroutines (GC root).
    pub(crate) transfer: Vec<Value>,
    /// Rust-level nesting of calls (natives calling Lua, metamethods): `LUAI_MAXCCALLS` guard.
    pub(crate) n_ccalls: u32,
    pub(crate) interrupt: Arc<AtomicBool>,
    pub(crate) warn_on: bool,
    pub(crate) warn_buf: Vec<u8>,
    pub(crate) warn_handler: Option<WarnHandler>,
    pub(crate) stdout: Box<dyn Write>,
    /// When `print` flushes `stdout` (`io.stdout:setvbuf`, C stdio's buffering of `stdout`).
    pub(crate) stdout_flush: StdoutFlush,
    /// Scratch buffer for number formatting / concatenation.
    pub(crate) scratch: Vec<u8>,
    /// Debug hook function (nil = none), its event mask (`HOOK_*`), count period and countdown.
    pub(crate) hook: Value,
    pub(crate) hook_mask: u8,
    pub(crate) hook_count: u32,
    pub(crate) hook_left: u32,
    pub(crate) in_hook: bool,
    /// pc of the last line-hook check (`L->oldpc`).
    pub(crate) hook_oldpc: usize,
    /// While a hook runs: the hooked frame as `(thread, frame index)` (`CIST_HOOKED` in ldo.c) and
    /// the values a call or return event transfers as `(ftransfer, ntransfer)` (`CIST_TRAN` and
    /// `ci->u2.transferinfo`; `(0, 0)` for line and count events).
    pub(crate) hook_frame: Option<(*mut LuaThread, usize, usize, usize)>,
    /// The thread whose hook `hook` is (null when none): as with ldblib's per-thread hook table, a
    /// hook fires only while its own thread runs (`debug.sethook([thread,] ...)`).
    pub(crate) hook_thread: *mut LuaThread,
    /// Lowest native stack address Rust-level recursion may reach before raising "C stack overflow"
    /// (the running OS thread's stack bottom plus a safety margin); 0 = not yet known.
    pub(crate) native_stack_limit: usize,
    /// Baseline JIT: mode, thresholds, runtime, counters (`crate::jit`).
    pub(crate) jit: crate::jit::JitState,
}

/// When writes to the shared stdout are flushed: C stdio's `_IOFBF`, `_IOLBF`, `_IONBF`, as set by
/// `io.stdout:setvbuf("full" | "line" | "no")`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StdoutFlush {
    /// When the buffer fills, on `flush` and at exit.
    Buffered,
    /// Also after each newline.
    EachLine,
    /// After every write.
    EachWrite,
}

/// Native stack kept free below the guard for error handling and natives (bytes).
const NATIVE_STACK_MARGIN: usize = 256 * 1024;

/// The lowest usable address of the current OS thread's stack plus the margin (0 if unknown).
pub(crate) fn current_native_stack_limit() -> usize {
    // SAFETY: pthread_getattr_np fills `attr` for the calling thread; we destroy it after reading.
    unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) != 0 {
            return 0;
        }
        let mut addr: *mut libc::c_void = std::ptr::null_mut();
        let mut size: libc::size_t = 0;
        let r = libc::pthread_attr_getstack(&attr, &mut addr, &mut size);
        libc::pthread_attr_destroy(&mut attr);
        if r != 0 || size <= NATIVE_STACK_MARGIN * 2 {
            return 0;
        }
        addr as usize + NATIVE_STACK_MARGIN
    }
}

/// Approximate current native stack pointer.
#[inline(always)]
pub(crate) fn approx_sp() -> usize {
    let x = 0u8;
    std::hint::black_box(&x) as *const u8 as usize
}

impl Drop for Vm {
    fn drop(&mut self) {
        self.close_state();
        // SAFETY: main_thread was created by Box::into_raw in `new` and is not referenced after this.
        unsafe { drop(Box::from_raw(self.main_thread)) };
    }
}

impl Vm {
    /// The Lua side of `lua_close` (lstate.c `close_state`): unwind the main thread, close its
    /// open upvalues and pending to-be-closed variables (`__close` with a nil error), call every
    /// pending finalizer in reverse order of registration (errors become warnings), then flush
    /// the VM's stdout. Suspended coroutines are not closed (lua_close only closes the main
    /// thread). Used by `Drop` and by `os.exit(code, true)`; afterwards the state must not run
    /// Lua code again.
    pub(crate) fn close_state(&mut self) {
        self.th = self.main_thread;
        self.resume_chain.clear();
        // SAFETY: main_thread is live until `Drop` frees it.
        unsafe {
            let th = &mut *self.main_thread;
            // `__close` handlers run above every unwound frame: the variables they close still
            // live in those frames' registers (`L->top` is kept by lua_close).
            let hi = th.ci.iter().map(|c| c.top).max().unwrap_or(1);
            th.top = th.top.max(hi).max(1);
            th.ci.truncate(1);
        }
        self.close_upvals(0);
        let _ = self.close_tbc(1, None);
        // SAFETY: as above.
        unsafe { (*self.main_thread).top = 1 };
        self.heap.running = false;
        let pending = std::mem::take(&mut self.heap.finobj);
        for &p in &pending {
            // SAFETY: registered objects are live (they are never freed while registered).
            unsafe { (*p).flags &= !super::gc::FL_FINOBJ };
        }
        self.heap.tobefnz.extend(pending);
        self.run_pending_finalizers();
        let _ = self.stdout.flush();
    }
}

impl Vm {
    /// A fresh state with no libraries loaded (call [`crate::stdlib::open_libs`] for them).
    ///
    /// Panics only if the initial stack reservation (16 MB of address space) fails.
    pub fn new() -> Vm {
        let main = Box::into_raw(Box::new(
            LuaThread::new().expect("cannot reserve the Lua stack"),
        ));
        let null: *mut LuaString = std::ptr::null_mut();
        let mut vm = Vm {
            th: main,
            main_thread: main,
            heap: Heap::new(),
            registry: std::ptr::null_mut(),
            globals: std::ptr::null_mut(),
            string_mt: std::ptr::null_mut(),
            type_mts: [std::ptr::null_mut(); 16],
            names: Names {
                tm: [null; 25],
                index: null,
                newindex: null,
                mode: null,
                gc: null,
                close: null,
                name: null,
                tostring: null,
                metatable: null,
                pairs: null,
                memerr: null,
                all: Vec::new(),
            },
            last_error: Value::NIL,
            pinned: Vec::new(),
            resume_chain: Vec::new(),
            transfer: Vec::new(),
            n_ccalls: 0,
            interrupt: Arc::new(AtomicBool::new(false)),
            warn_on: false,
            warn_buf: Vec::new(),
            warn_handler: None,
            stdout: Box::new(std::io::BufWriter::with_capacity(
                1 << 15,
                std::io::stdout(),
            )),
            stdout_flush: StdoutFlush::Buffered,
            scratch: Vec::new(),
            native_stack_limit: 0,
            jit: Default::default(),
            hook: Value::NIL,
            hook_mask: 0,
            hook_count: 0,
            hook_left: 0,
            in_hook: false,
            hook_oldpc: 0,
            hook_frame: None,
            hook_thread: std::ptr::null_mut(),
        };
        // The collector cannot run before the roots exist.
        vm.heap.running = false;
        let mut all = Vec::new();
        let mut intern = |vm: &mut Vm, s: &str| {
            let p = vm.intern(s.as_bytes());
            all.push(p);
            p
        };
        for (i, tm) in TagMethod::ALL.iter().enumerate() {
            vm.names.tm[i] = intern(&mut vm, tm.event_name());
        }
        vm.names.index = vm.names.tm[TagMethod::Index as usize];
        vm.names.newindex = vm.names.tm[TagMethod::NewIndex as usize];
        vm.names.mode = vm.names.tm[TagMethod::Mode as usize];
        vm.names.gc = vm.names.tm[TagMethod::Gc as usize];
        vm.names.close = vm.names.tm[TagMethod::Close as usize];
        vm.names.name = intern(&mut vm, "__name");
        vm.names.tostring = intern(&mut vm, "__tostring");
        vm.names.metatable = intern(&mut vm, "__metatable");
        vm.names.pairs = intern(&mut vm, "__pairs");
        vm.names.memerr = intern(&mut vm, "not enough memory");
        vm.names.all = all;
        vm.registry = vm.alloc_table(0, 2);
        vm.globals = vm.alloc_table(0, 64);
        // SAFETY: registry was just created.
        unsafe {
            let d = (*vm.registry).set_int(2, Value::table(vm.globals));
            vm.heap.adjust(d);
        }
        vm.heap.running = true;
        vm
    }

    // ----- thread access -------------------------------------------------------------------

    /// The running thread.
    #[inline(always)]
    pub(crate) fn th(&self) -> &LuaThread {
        // SAFETY: th always points at a live thread (main thread or a running coroutine).
        unsafe { &*self.th }
    }
    /// The running thread, mutably.
    #[inline(always)]
    pub(crate) fn th_mut(&mut self) -> &mut LuaThread {
        // SAFETY: as `th`; the Vm is borrowed mutably so there is no other live reference.
        unsafe { &mut *self.th }
    }

    // ----- object allocation -----------------------------------------------------------------

    /// Intern (or create) a string object.
    pub(crate) fn intern(&mut self, s: &[u8]) -> *mut LuaString {
        if s.len() <= MAX_SHORT_LEN {
            let h = hash_bytes(s);
            if let Some(p) = self.heap.strings.find(s, h) {
                // A string found dead-but-unswept cannot happen: the sweep unlinks before freeing,
                // and collection is atomic.
                return p;
            }
            let b = alloc_string(s, true, h);
            let size = b.gc_size();
            let p = self.heap.link(b, size);
            self.heap.strings.insert(p);
            p
        } else {
            let b = alloc_string(s, false, 0);
            let size = b.gc_size();
            self.heap.link(b, size)
        }
    }

    /// Allocate a table object.
    pub(crate) fn alloc_table(&mut self, narray: usize, nhash: usize) -> *mut LuaTable {
        let t = LuaTable::alloc(narray, nhash);
        // SAFETY: t is a fresh table; tables are freed by the sweep with `LuaTable::free`.
        unsafe {
            let size = (*t).gc_size();
            self.heap.link_raw(t, size)
        }
    }

    pub(crate) fn alloc_proto(&mut self, p: Proto) -> *mut Proto {
        let b = Box::new(p);
        let size = b.gc_size();
        self.heap.link(b, size)
    }

    pub(crate) fn alloc_lclosure(&mut self, proto: *mut Proto, nup: usize) -> *mut LuaClosure {
        let c = Box::new(LuaClosure {
            hdr: GcHeader::new(ObjKind::LuaClosure),
            proto,
            upvals: vec![std::ptr::null_mut(); nup].into_boxed_slice(),
        });
        let size = c.gc_size();
        self.heap.link(c, size)
    }

    pub(crate) fn alloc_native(
        &mut self,
        name: &'static str,
        f: super::api::NativeFn,
        upvals: Vec<Value>,
    ) -> *mut NativeClosure {
        let c = Box::new(NativeClosure {
            hdr: GcHeader::new(ObjKind::NativeClosure),
            f,
            name,
            upvals: upvals.into_boxed_slice(),
        });
        let size = c.gc_size();
        self.heap.link(c, size)
    }

    pub(crate) fn alloc_upval(&mut self, level: usize) -> *mut UpVal {
        let u = Box::new(UpVal {
            hdr: super::function::new_upval_header(),
            v: std::ptr::null_mut(),
            closed: Value::NIL,
            level,
        });
        let p = self.heap.link(u, std::mem::size_of::<UpVal>());
        // SAFETY: p is live; an open upvalue points at its stack slot.
        unsafe { (*p).v = self.th().slot(level) };
        p
    }

    pub(crate) fn alloc_userdata(&mut self, data: Box<dyn std::any::Any>) -> *mut UserData {
        let u = Box::new(UserData {
            hdr: GcHeader::new(ObjKind::UserData),
            metatable: std::ptr::null_mut(),
            user_value: Value::NIL,
            data,
        });
        let size = u.gc_size();
        self.heap.link(u, size)
    }

    /// The metatable of any value (null when none).
    #[inline]
    pub(crate) fn metatable_of(&self, v: Value) -> *mut LuaTable {
        match v.tag {
            // SAFETY: a TAG_TABLE value points at a live table.
            TAG_TABLE => unsafe { (*(v.payload as *mut LuaTable)).metatable },
            // SAFETY: a TAG_USERDATA value points at a live userdata.
            TAG_USERDATA => unsafe { (*(v.payload as *mut UserData)).metatable },
            TAG_STR => self.string_mt,
            t => self.type_mts[t as usize & 15],
        }
    }

    /// `mt[name]` of a value's metatable (nil when none).
    #[inline]
    pub(crate) fn metafield_by_name(&self, v: Value, name: *mut LuaString) -> Value {
        let mt = self.metatable_of(v);
        if mt.is_null() {
            Value::NIL
        } else {
            // SAFETY: live metatable.
            unsafe { (*mt).get_short_str(name) }
        }
    }

    /// The metamethod `tm` of a value (nil when absent), using the table flag cache.
    #[inline]
    pub(crate) fn metamethod(&self, v: Value, tm: TagMethod) -> Value {
        let mt = self.metatable_of(v);
        if mt.is_null() {
            return Value::NIL;
        }
        // SAFETY: live metatable.
        let mtr = unsafe { &*mt };
        let bit = tm as u32;
        if bit < super::table::CACHED_TMS && mtr.flags.get() & (1 << bit) != 0 {
            return Value::NIL;
        }
        let r = mtr.get_short_str(self.names.tm[tm as usize]);
        if r.is_nil() && bit < super::table::CACHED_TMS {
            mtr.flags.set(mtr.flags.get() | (1 << bit));
        }
        r
    }

    /// Buffered standard output shared by `print` and the io library (`io.write`, `io.stdout`), so
    /// their output interleaves correctly. Flushed when the `Vm` is dropped and before warnings go to
    /// stderr; the CLI flushes it before printing errors and after each REPL line.
    pub fn stdout(&mut self) -> &mut dyn Write {
        &mut *self.stdout
    }

    /// Set when the shared stdout is flushed (`io.stdout:setvbuf`); `print` honours it (it also
    /// flushes after each line, as lua5.4's does), the io library's `io.stdout` applies the same mode
    /// to its own writes.
    pub fn set_stdout_flush(&mut self, mode: StdoutFlush) {
        self.stdout_flush = mode;
    }

    /// Replace the standard-output sink (tests capture output this way). The old sink is flushed.
    pub fn set_stdout(&mut self, w: Box<dyn Write>) {
        let _ = self.stdout.flush();
        self.stdout = w;
    }
}

impl Default for Vm {
    fn default() -> Self {
        Vm::new()
    }
}
