//! Safepoints: thread registration, the one-load poll, and the stop-the-world handshake.
//!
//! Mutator threads that run JIT code **register** ([`Safepoint::register`] →
//! [`ThreadHandle`]). A coordinator calls [`Safepoint::stop_the_world`]: it raises the poll word,
//! waits until every other registered thread is either **parked** at a poll or inside a **safe
//! region** (blocked or running native code that touches no JIT code), runs its closure, then
//! lowers the word and releases them. Inside the closure no registered thread executes JIT code,
//! so instruction bytes may be rewritten (relinking, patchpoints) and unreachable code freed.
//!
//! * **The poll is one load**: [`Safepoint::poll_word_addr`] is a `u32` that is non-zero while a
//!   stop is requested. JIT code inlines `v = load.i32 [addr]; brif v, slow, cont`, and the slow
//!   block calls [`safepoint_slow_path`] (a non-colocated call, `extern "C"`, one argument: the
//!   thread pointer from [`ThreadHandle::as_ptr`]). Rust code calls [`ThreadHandle::poll`].
//! * **Frame records**: [`safepoint_slow_path`] builds a frame record (`push rbp; mov rbp, rsp`)
//!   so the parked thread's state holds `fp` with `[fp]` = the JIT caller's frame pointer and
//!   `[fp + 8]` = the return address into JIT code. [`walk_frames`] follows that chain while
//!   return addresses lie in code memory (JIT code must be compiled with
//!   `preserve_frame_pointers=true`, which the runtime's ISA does). Frames below a native frame
//!   are not visible to the walk; clients that nest JIT → native → JIT report them through the
//!   frame-record hook of `reclaim`.
//! * **Cross-modifying code**: after a stop the released threads execute a serializing
//!   instruction (`cpuid`) before running JIT code again, as Intel SDM vol. 3 §8.1.3 requires
//!   for code written by another processor (HotSpot does the same: `OrderAccess::cross_modify_fence`).
//!
//! Invariants: a registered thread changes state only under the state mutex; it can leave a
//! safe region or resume from a park only when no stop is active; one coordinator at a time
//! (a coordinator that is itself registered counts as being in a safe region while it waits).

use std::cell::Cell;
use std::sync::atomic::{AtomicU8, AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

const RUNNING: u8 = 0;
const PARKED: u8 = 1;
const SAFE: u8 = 2;

/// Per-thread safepoint state, shared between the thread and the coordinator.
///
/// `#[repr(C)]` because JIT code writes the **exit anchor** fields directly (see
/// [`emit_exit_anchor`]): before calling native code that may poll, compiled code stores its
/// stack pointer at [`ThreadState::ANCHOR_SP_OFFSET`] and its frame pointer at
/// [`ThreadState::ANCHOR_FP_OFFSET`]; after the call returns it stores 0 to the SP field. While
/// the anchor is set, a thread parked from native code (frame record 0) is walked from it:
/// the return address into the anchoring JIT function is at `[sp - 8]` (Cranelift keeps SP
/// fixed in the body of a function, so SP at the anchor store equals SP at the call), and its
/// callers follow from `fp`. This is HotSpot's "last Java frame" anchor in miniature. Nested
/// JIT → native → JIT → native sequences overwrite the anchor; clients that nest report outer
/// frames through the reclaimer's frame hook.
#[derive(Debug)]
#[repr(C)]
pub struct ThreadState {
    anchor_sp: AtomicUsize,
    anchor_fp: AtomicUsize,
    status: AtomicU8,
    /// Frame record (`[fp]` = next fp, `[fp+8]` = return address) recorded when parking or
    /// entering a safe region from JIT code; 0 if none.
    frame: AtomicUsize,
    safepoint: *const SafepointShared,
    id: u64,
}

// SAFETY: `safepoint` points into an `Arc<SafepointShared>` that the owning `ThreadHandle`
// keeps alive; all other fields are atomics.
unsafe impl Send for ThreadState {}
// SAFETY: see `Send`.
unsafe impl Sync for ThreadState {}

impl ThreadState {
    /// Byte offset of the exit anchor's stack-pointer field (an `usize`).
    pub const ANCHOR_SP_OFFSET: i32 = std::mem::offset_of!(ThreadState, anchor_sp) as i32;
    /// Byte offset of the exit anchor's frame-pointer field (an `usize`).
    pub const ANCHOR_FP_OFFSET: i32 = std::mem::offset_of!(ThreadState, anchor_fp) as i32;

    /// The exit anchor `(sp, fp)` JIT code left before calling native code; `sp == 0` = none.
    pub fn exit_anchor(&self) -> (usize, usize) {
        (
            self.anchor_sp.load(Ordering::Acquire),
            self.anchor_fp.load(Ordering::Acquire),
        )
    }

    /// Polls from native code holding only the thread-state pointer (e.g. a runtime function
    /// called from JIT code with [`ThreadHandle::as_ptr`] as an argument): one load, parks if a
    /// stop is requested. Frames are found from the exit anchor, if the caller set one.
    ///
    /// Must be called on the thread this state belongs to.
    #[inline]
    pub fn poll(&self) {
        // SAFETY: the domain outlives the registration (the handle holds it).
        let sh = unsafe { &*self.safepoint };
        if sh.poll.load(Ordering::Acquire) != 0 {
            Safepoint::park(sh, self, 0);
        }
    }

    /// The frame record recorded by the thread at its last park or safe-region entry (0 = none).
    pub fn frame_record(&self) -> usize {
        self.frame.load(Ordering::Acquire)
    }

    /// A small number identifying the registered thread (unique per safepoint domain).
    pub fn id(&self) -> u64 {
        self.id
    }
}

struct StwState {
    active: bool,
    threads: Vec<Arc<ThreadState>>,
    next_id: u64,
}

pub(crate) struct SafepointShared {
    poll: AtomicU32,
    state: Mutex<StwState>,
    changed: Condvar,
    coordinator: Mutex<()>,
    stops: std::sync::atomic::AtomicU64,
}

/// A safepoint domain: the registered threads of one runtime and its poll word.
#[derive(Clone)]
pub struct Safepoint {
    shared: Arc<SafepointShared>,
}

impl std::fmt::Debug for Safepoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Safepoint")
            .field("poll_word", &self.shared.poll.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

thread_local! {
    /// The `ThreadState` of the current thread's registration, if any (one domain per thread).
    static CURRENT: Cell<*const ThreadState> = const { Cell::new(std::ptr::null()) };
}

fn lock(s: &SafepointShared) -> MutexGuard<'_, StwState> {
    s.state.lock().unwrap_or_else(|e| e.into_inner())
}

/// Executes a serializing instruction so this core does not run stale instruction bytes that
/// another core rewrote (Intel SDM vol. 3A §8.1.3, "cross-modifying code").
pub fn cross_modify_fence() {
    #[cfg(target_arch = "x86_64")]
    {
        // `__cpuid` is safe to call on x86-64 (CPUID always exists in long mode).
        let _ = std::arch::x86_64::__cpuid(0);
    }
    #[cfg(target_arch = "aarch64")]
    // SAFETY: `isb` only synchronizes the instruction stream.
    unsafe {
        std::arch::asm!("isb", options(nostack, preserves_flags));
    }
}

impl Default for Safepoint {
    fn default() -> Self {
        Self::new()
    }
}

impl Safepoint {
    /// A new domain with no registered thread.
    pub fn new() -> Safepoint {
        Safepoint {
            shared: Arc::new(SafepointShared {
                poll: AtomicU32::new(0),
                state: Mutex::new(StwState {
                    active: false,
                    threads: Vec::new(),
                    next_id: 1,
                }),
                changed: Condvar::new(),
                coordinator: Mutex::new(()),
                stops: Default::default(),
            }),
        }
    }

    /// Address of the poll word: a naturally aligned `u32`, non-zero while a stop is requested.
    /// Valid as long as this domain (the runtime) lives. JIT code inlines the poll as one load.
    pub fn poll_word_addr(&self) -> usize {
        &self.shared.poll as *const AtomicU32 as usize
    }

    /// Whether a stop is currently requested (the poll word is non-zero).
    pub fn stop_requested(&self) -> bool {
        self.shared.poll.load(Ordering::Acquire) != 0
    }

    /// Number of completed stop-the-world operations.
    pub fn stops(&self) -> u64 {
        self.shared.stops.load(Ordering::Relaxed)
    }

    /// Number of registered threads.
    pub fn registered_threads(&self) -> usize {
        lock(&self.shared).threads.len()
    }

    /// Registers the current thread as a mutator. It must poll regularly (or be in a safe
    /// region) from now on, or a stop-the-world waits for it forever. The handle deregisters on
    /// drop. Registering waits while a stop is in progress.
    ///
    /// A thread may be registered with one domain at a time. Registering again with the same
    /// domain returns a secondary handle to the same registration (its drop does not
    /// deregister); registering with another domain replaces the current one until the new
    /// handle drops.
    pub fn register(&self) -> ThreadHandle {
        let sh = &*self.shared;
        let mut s = lock(sh);
        let me = CURRENT.with(|c| c.get());
        if let Some(existing) = s.threads.iter().find(|t| std::ptr::eq(Arc::as_ptr(t), me)) {
            return ThreadHandle {
                state: existing.clone(),
                domain: self.clone(),
                previous: me,
                owner: false,
                _not_send: std::marker::PhantomData,
            };
        }
        while s.active {
            s = sh.changed.wait(s).unwrap_or_else(|e| e.into_inner());
        }
        let id = s.next_id;
        s.next_id += 1;
        let ts = Arc::new(ThreadState {
            anchor_sp: AtomicUsize::new(0),
            anchor_fp: AtomicUsize::new(0),
            status: AtomicU8::new(RUNNING),
            frame: AtomicUsize::new(0),
            safepoint: Arc::as_ptr(&self.shared),
            id,
        });
        s.threads.push(ts.clone());
        drop(s);
        let previous = CURRENT.with(|c| c.replace(Arc::as_ptr(&ts)));
        ThreadHandle {
            state: ts,
            domain: self.clone(),
            previous,
            owner: true,
            _not_send: std::marker::PhantomData,
        }
    }

    /// Stops every other registered thread at a poll or safe region, runs `f`, resumes them.
    ///
    /// Inside `f`, no registered thread other than the caller executes JIT code. If the caller
    /// is registered, it counts as being in a safe region while it waits for another
    /// coordinator. Not reentrant: calling it from inside `f` deadlocks.
    pub fn stop_the_world<R>(&self, f: impl FnOnce(&[Arc<ThreadState>]) -> R) -> R {
        let sh = &*self.shared;
        let me = CURRENT.with(|c| c.get());
        // A registered coordinator must not block other coordinators: mark it safe while it
        // waits for the coordinator lock.
        let my_prev = if !me.is_null() && self.owns(me) {
            // SAFETY: `me` is the current thread's live registration (checked by `owns`).
            let ts = unsafe { &*me };
            let _s = lock(sh);
            let prev = ts.status.swap(SAFE, Ordering::AcqRel);
            sh.changed.notify_all();
            Some((ts, prev))
        } else {
            None
        };
        let coord = sh.coordinator.lock().unwrap_or_else(|e| e.into_inner());
        let start = std::time::Instant::now();
        let mut s = lock(sh);
        s.active = true;
        sh.poll.store(1, Ordering::SeqCst);
        loop {
            let all_stopped = s.threads.iter().all(|t| {
                std::ptr::eq(Arc::as_ptr(t), me) || t.status.load(Ordering::Acquire) != RUNNING
            });
            if all_stopped {
                break;
            }
            s = sh.changed.wait(s).unwrap_or_else(|e| e.into_inner());
        }
        let threads = s.threads.clone();
        drop(s);
        let waited = start.elapsed();
        let r = f(&threads);
        let mut s = lock(sh);
        s.active = false;
        sh.poll.store(0, Ordering::SeqCst);
        if let Some((ts, prev)) = my_prev {
            ts.status.store(prev, Ordering::Release);
        }
        sh.changed.notify_all();
        drop(s);
        drop(coord);
        sh.stops.fetch_add(1, Ordering::Relaxed);
        tracing::trace!(
            target: "moonlift_jit::safepoint",
            threads = threads.len(),
            wait_us = waited.as_micros() as u64,
            total_us = start.elapsed().as_micros() as u64,
            "stop the world"
        );
        r
    }

    fn owns(&self, ts: *const ThreadState) -> bool {
        // SAFETY: `ts` is the current thread's registration, alive while its handle lives.
        std::ptr::eq(unsafe { (*ts).safepoint }, Arc::as_ptr(&self.shared))
    }

    fn park(sh: &SafepointShared, ts: &ThreadState, frame: usize) {
        let mut s = lock(sh);
        if !s.active {
            return;
        }
        ts.frame.store(frame, Ordering::Release);
        ts.status.store(PARKED, Ordering::Release);
        sh.changed.notify_all();
        while s.active {
            s = sh.changed.wait(s).unwrap_or_else(|e| e.into_inner());
        }
        ts.status.store(RUNNING, Ordering::Release);
        ts.frame.store(0, Ordering::Release);
        drop(s);
        cross_modify_fence();
    }
}

/// A registered mutator thread. Not `Send`: it belongs to the thread that registered.
/// Dropping it deregisters the thread.
pub struct ThreadHandle {
    state: Arc<ThreadState>,
    domain: Safepoint,
    previous: *const ThreadState,
    /// False for a secondary handle to an existing registration.
    owner: bool,
    _not_send: std::marker::PhantomData<*const ()>,
}

impl std::fmt::Debug for ThreadHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ThreadHandle")
            .field("id", &self.state.id)
            .finish_non_exhaustive()
    }
}

impl ThreadHandle {
    /// The pointer JIT code passes to [`safepoint_slow_path`]. Valid while the handle lives.
    pub fn as_ptr(&self) -> *const ThreadState {
        Arc::as_ptr(&self.state)
    }

    /// The shared per-thread state.
    pub fn state(&self) -> &Arc<ThreadState> {
        &self.state
    }

    /// Polls from Rust: one load; parks if a stop is requested. Parking from Rust records no
    /// frame record, so the thread must have no JIT frames on its stack at this point (or report
    /// them through the reclaimer's frame hook).
    #[inline]
    pub fn poll(&self) {
        if self.domain.shared.poll.load(Ordering::Acquire) != 0 {
            self.poll_slow(0);
        }
    }

    #[cold]
    fn poll_slow(&self, frame: usize) {
        Safepoint::park(&self.domain.shared, &self.state, frame);
    }

    /// Enters a safe region: the thread promises not to run JIT code (or touch code memory)
    /// until [`ThreadHandle::leave_safe_region`], so a stop need not wait for it. Use around
    /// blocking calls. `frame_record` is a frame record for the JIT frames below (0 if none).
    pub fn enter_safe_region(&self, frame_record: usize) {
        let sh = &*self.domain.shared;
        let _s = lock(sh);
        self.state.frame.store(frame_record, Ordering::Release);
        self.state.status.store(SAFE, Ordering::Release);
        sh.changed.notify_all();
    }

    /// Leaves a safe region, waiting while a stop is in progress.
    pub fn leave_safe_region(&self) {
        let sh = &*self.domain.shared;
        let mut s = lock(sh);
        while s.active {
            s = sh.changed.wait(s).unwrap_or_else(|e| e.into_inner());
        }
        self.state.status.store(RUNNING, Ordering::Release);
        self.state.frame.store(0, Ordering::Release);
        drop(s);
        cross_modify_fence();
    }

    /// Runs `f` inside a safe region (see [`ThreadHandle::enter_safe_region`]).
    pub fn blocking<R>(&self, f: impl FnOnce() -> R) -> R {
        self.enter_safe_region(0);
        let r = f();
        self.leave_safe_region();
        r
    }
}

impl Drop for ThreadHandle {
    fn drop(&mut self) {
        if !self.owner {
            return;
        }
        let sh = &*self.domain.shared;
        let mut s = lock(sh);
        let me = Arc::as_ptr(&self.state);
        s.threads.retain(|t| !std::ptr::eq(Arc::as_ptr(t), me));
        sh.changed.notify_all();
        drop(s);
        CURRENT.with(|c| {
            if std::ptr::eq(c.get(), me) {
                c.set(self.previous);
            }
        });
    }
}

/// The current thread's registration, if it is registered.
pub(crate) fn current_thread() -> Option<&'static ThreadState> {
    let p = CURRENT.with(|c| c.get());
    // SAFETY: CURRENT holds a registration of this thread, alive until its handle drops, and
    // the handle is not Send, so it drops on this thread after any use we make here returns.
    (!p.is_null()).then(|| unsafe { &*p })
}

/// Enters a safe region for the current thread if registered; returns whether it did.
pub(crate) fn enter_safe_region_current(frame: usize) -> bool {
    let Some(ts) = current_thread() else {
        return false;
    };
    // SAFETY: `safepoint` points at the domain kept alive by the thread's handle.
    let sh = unsafe { &*ts.safepoint };
    let _s = lock(sh);
    if ts.status.load(Ordering::Acquire) != RUNNING {
        return false;
    }
    ts.frame.store(frame, Ordering::Release);
    ts.status.store(SAFE, Ordering::Release);
    sh.changed.notify_all();
    true
}

/// Leaves the safe region entered by [`enter_safe_region_current`].
pub(crate) fn leave_safe_region_current() {
    let Some(ts) = current_thread() else { return };
    // SAFETY: as in `enter_safe_region_current`.
    let sh = unsafe { &*ts.safepoint };
    let mut s = lock(sh);
    while s.active {
        s = sh.changed.wait(s).unwrap_or_else(|e| e.into_inner());
    }
    ts.status.store(RUNNING, Ordering::Release);
    ts.frame.store(0, Ordering::Release);
    drop(s);
    cross_modify_fence();
}

extern "C" fn park_from_jit(thread: *const ThreadState, frame: usize) {
    if thread.is_null() {
        return;
    }
    // SAFETY: JIT code passes the pointer of a live `ThreadHandle` of the calling thread.
    let ts = unsafe { &*thread };
    // SAFETY: the domain outlives the registration.
    let sh = unsafe { &*ts.safepoint };
    Safepoint::park(sh, ts, frame);
}

/// Slow path of the inlined poll, called from JIT code as `extern "C" fn(*const ThreadState)`
/// (use its address as a non-colocated `Abs8` call target).
///
/// It pushes a frame record (`push rbp; mov rbp, rsp`) so the parked thread's
/// [`ThreadState::frame_record`] starts the JIT frame chain: `[rec + 8]` is the return address
/// into the polling JIT function and `[rec]` that function's frame pointer.
///
/// # Safety
/// `thread` must be [`ThreadHandle::as_ptr`] of the calling thread's live handle.
#[cfg(target_arch = "x86_64")]
#[unsafe(naked)]
pub unsafe extern "C" fn safepoint_slow_path(thread: *const ThreadState) {
    std::arch::naked_asm!(
        "push rbp",
        "mov rbp, rsp",
        "mov rsi, rbp",
        "call {park}",
        "pop rbp",
        "ret",
        park = sym park_from_jit,
    )
}

/// Reports the return addresses of a stopped thread's innermost run of JIT frames: from its
/// frame record if it parked in JIT code (or entered a safe region with one), else from its
/// exit anchor if set. Addresses outside `[lo, hi)` end the walk.
///
/// # Safety
/// The thread must stay parked or in a safe region during the walk, and its record or anchor
/// must describe frames built with frame pointers.
pub unsafe fn walk_thread(ts: &ThreadState, lo: usize, hi: usize, mut f: impl FnMut(usize)) {
    let record = ts.frame_record();
    if record != 0 {
        // SAFETY: forwarded from the caller.
        unsafe { walk_frames(record, lo, hi, f) };
        return;
    }
    let (sp, fp) = ts.exit_anchor();
    if sp == 0 || !sp.is_multiple_of(8) {
        return;
    }
    // SAFETY: the anchor was stored by JIT code of this (stopped) thread before a call that is
    // still in progress, so `[sp - 8]` holds that call's return address.
    let pc = unsafe { *((sp - 8) as *const usize) };
    if pc < lo || pc >= hi {
        return;
    }
    f(pc);
    // SAFETY: `fp` is the anchoring JIT function's frame pointer: a frame record of its caller.
    unsafe { walk_frames(fp, lo, hi, f) };
}

/// Emits the exit-anchor store before a call from JIT code into native code that may poll:
/// `store sp → [thread + ANCHOR_SP_OFFSET]`, `store fp → [thread + ANCHOR_FP_OFFSET]`.
/// Pair it with [`emit_clear_exit_anchor`] after the call. Requires
/// `preserve_frame_pointers=true` (the runtime's ISA sets it).
pub fn emit_exit_anchor(
    fb: &mut cranelift_frontend::FunctionBuilder<'_>,
    thread: cranelift_codegen::ir::Value,
) {
    use cranelift_codegen::ir::{InstBuilder, MemFlagsData, types};
    let fp = fb.ins().get_frame_pointer(types::I64);
    let sp = fb.ins().get_stack_pointer(types::I64);
    fb.ins().store(
        MemFlagsData::trusted(),
        fp,
        thread,
        ThreadState::ANCHOR_FP_OFFSET,
    );
    fb.ins().store(
        MemFlagsData::trusted(),
        sp,
        thread,
        ThreadState::ANCHOR_SP_OFFSET,
    );
}

/// Emits `store 0 → [thread + ANCHOR_SP_OFFSET]` (after the native call returned).
pub fn emit_clear_exit_anchor(
    fb: &mut cranelift_frontend::FunctionBuilder<'_>,
    thread: cranelift_codegen::ir::Value,
) {
    use cranelift_codegen::ir::{InstBuilder, MemFlagsData, types};
    let zero = fb.ins().iconst(types::I64, 0);
    fb.ins().store(
        MemFlagsData::trusted(),
        zero,
        thread,
        ThreadState::ANCHOR_SP_OFFSET,
    );
}

/// Walks a frame-pointer chain starting at frame record `record` and calls `f` with each return
/// address that lies inside `[lo, hi)` (the code region). Stops at the first return address
/// outside the region, a null or misaligned frame pointer, or a frame pointer that does not grow
/// (stacks grow down, so callers' records are at higher addresses). At most 100 000 frames.
///
/// # Safety
/// `record` must be 0 or a frame record of a thread that is parked (or otherwise not running)
/// for the whole walk, whose chain consists of frames built with frame pointers.
pub unsafe fn walk_frames(record: usize, lo: usize, hi: usize, mut f: impl FnMut(usize)) {
    let mut fp = record;
    for _ in 0..100_000 {
        if fp == 0 || !fp.is_multiple_of(8) {
            return;
        }
        // SAFETY: `fp` is a frame record on the parked thread's stack (caller's guarantee):
        // two readable words.
        let (next, ret) = unsafe { (*(fp as *const usize), *((fp + 8) as *const usize)) };
        if ret < lo || ret >= hi {
            return;
        }
        f(ret);
        if next <= fp {
            return;
        }
        fp = next;
    }
}

/// Emits an inline safepoint poll into the current block of `fb`:
///
/// ```text
///     v = load.i32 notrap aligned [poll_word]
///     brif v, slow, cont
/// slow:
///     call slow_path(thread)        ; safepoint_slow_path, imported non-colocated
///     jump cont
/// cont:                              ; the builder continues here
/// ```
///
/// `poll_word` is [`Safepoint::poll_word_addr`], `slow_path` a `FuncRef` whose signature is
/// `(i64) -> ()` and whose name resolves to [`safepoint_slow_path`], `thread` the value of
/// [`ThreadHandle::as_ptr`] (usually a function argument). Both new blocks are sealed.
pub fn emit_poll(
    fb: &mut cranelift_frontend::FunctionBuilder<'_>,
    poll_word: usize,
    slow_path: cranelift_codegen::ir::FuncRef,
    thread: cranelift_codegen::ir::Value,
) {
    use cranelift_codegen::ir::{InstBuilder, MemFlagsData, types};
    let slow = fb.create_block();
    let cont = fb.create_block();
    fb.set_cold_block(slow);
    let addr = fb.ins().iconst(types::I64, poll_word as i64);
    let w = fb.ins().load(types::I32, MemFlagsData::trusted(), addr, 0);
    fb.ins().brif(w, slow, &[], cont, &[]);
    fb.switch_to_block(slow);
    fb.seal_block(slow);
    fb.ins().call(slow_path, &[thread]);
    fb.ins().jump(cont, &[]);
    fb.switch_to_block(cont);
    fb.seal_block(cont);
}
