//! Coroutines (Lua 5.4 manual §2.6): each coroutine is a [`LuaThread`] (its own VM stack and frames)
//! that runs on its own native stack (a `corosensei` coroutine), so `coroutine.yield` can suspend
//! from any depth of Rust frames (`table.sort` comparators, `gsub` callbacks, metamethods, `pcall`).
//!
//! Protocol: `resume` moves its arguments into `Vm::transfer`, switches `Vm::th` to the coroutine and
//! resumes its native stack; `yield` moves its arguments into `Vm::transfer` and suspends; values are
//! moved onto the destination VM stack right after each switch. `transfer` is a GC root.
//!
//! Invariants:
//! - A thread is on `Vm::resume_chain` (a GC root) exactly while it is running or normal.
//! - The native stack of a coroutine is allocated on first resume and released when it finishes
//!   (returns or dies by error); a suspended coroutine collected by the GC is force-unwound.
//! - `Vm::n_ccalls` and the native-stack guard are saved/restored around every switch.

use super::Vm;
use super::error::{LuaError, LuaResult};
use super::gc::{GcHeader, ObjKind};
use super::thread::{LuaThread, ThreadStatus};
use super::value::*;
use corosensei::stack::{DefaultStack, Stack};
use corosensei::{Coroutine, CoroutineResult, Yielder};

/// Native stack size of a coroutine (bytes of address space; committed lazily).
const COROUTINE_STACK: usize = 1 << 20;
/// Guard margin kept free at the bottom of a coroutine's native stack.
const COROUTINE_STACK_MARGIN: usize = 160 * 1024;
/// Bytes accounted to the GC per coroutine (its reserved stacks), so many dead coroutines trigger
/// collections that release their mappings.
const COROUTINE_GC_COST: usize = 16 * 1024;

/// What a coroutine's native body returns.
pub(crate) type CoReturn = Result<(), LuaError>;
/// The native coroutine type.
pub(crate) type NativeCoroutine = Coroutine<(), (), CoReturn, DefaultStack>;

/// Native-stack state of a Lua coroutine.
pub(crate) struct CoState {
    pub(crate) coro: Option<NativeCoroutine>,
    pub(crate) yielder: *const Yielder<(), ()>,
    pub(crate) stack_limit: usize,
}

impl Drop for CoState {
    fn drop(&mut self) {
        if let Some(c) = self.coro.as_mut()
            && c.started()
            && !c.done()
        {
            c.force_unwind();
        }
    }
}

impl Vm {
    /// Create a coroutine running `f` (`lua_newthread` + `lua_xmove`): status suspended.
    pub fn new_thread(&mut self, f: Value) -> LuaResult<Value> {
        let Some(mut th) = LuaThread::new() else {
            return Err(self.memory_error());
        };
        th.hdr = GcHeader::new(ObjKind::Thread);
        th.set(1, f);
        th.top = 2;
        let size = th.gc_size() + COROUTINE_GC_COST;
        let p = self.heap.link(Box::new(th), size);
        Ok(Value::from_ptr(TAG_THREAD, p))
    }

    /// The running thread as a value and whether it is the main thread (`coroutine.running`).
    pub fn running_thread(&self) -> (Value, bool) {
        (
            Value::from_ptr(TAG_THREAD, self.th),
            self.th == self.main_thread,
        )
    }

    /// Status name of a thread as `coroutine.status` reports it.
    pub fn thread_status(&self, co: Value) -> &'static str {
        let Some(p) = co.as_thread_ptr() else {
            return "dead";
        };
        if p == self.th {
            return "running";
        }
        // SAFETY: live thread.
        match unsafe { (*p).status } {
            ThreadStatus::Suspended => "suspended",
            ThreadStatus::Running => "running",
            ThreadStatus::Normal => "normal",
            ThreadStatus::Dead => "dead",
        }
    }

    /// Can the running code yield (`coroutine.isyieldable`)?
    pub fn is_yieldable(&self) -> bool {
        self.th != self.main_thread
    }

    /// Resume a coroutine with `args` (`lua_resume`). `Ok(values)` are the values it yielded or
    /// returned; `Err` is the error that killed it. Errors about the resume itself
    /// ("cannot resume dead coroutine", "cannot resume non-suspended coroutine") come back as `Err`
    /// carrying the message without position.
    pub fn resume(&mut self, co: Value, args: &[Value]) -> LuaResult<Vec<Value>> {
        let Some(cop) = co.as_thread_ptr() else {
            let v = self.new_str(b"cannot resume non-suspended coroutine");
            return Err(self.throw_value(v));
        };
        // SAFETY: live thread object.
        let status = unsafe { (*cop).status };
        if cop == self.th || status != ThreadStatus::Suspended {
            let msg: &[u8] = if status == ThreadStatus::Dead {
                b"cannot resume dead coroutine"
            } else {
                b"cannot resume non-suspended coroutine"
            };
            let v = self.new_str(msg);
            return Err(self.throw_value(v));
        }
        if self.n_ccalls >= super::call::LUAI_MAXCCALLS {
            let v = self.new_str(b"C stack overflow");
            return Err(self.throw_value(v));
        }
        // SAFETY: live thread object.
        let fresh = unsafe { (*cop).co.is_none() };
        if fresh {
            let Ok(stack) = DefaultStack::new(COROUTINE_STACK) else {
                return Err(self.memory_error());
            };
            let limit = stack.limit().get() + COROUTINE_STACK_MARGIN;
            let vmp: *mut Vm = self;
            let coro = NativeCoroutine::with_stack(stack, move |y: &Yielder<(), ()>, ()| {
                // SAFETY: the Vm outlives every coroutine it runs (threads are freed by its heap), and
                // while this body runs the resumer is suspended inside `resume`, so this is the only
                // active user of the Vm.
                let vm = unsafe { &mut *vmp };
                // SAFETY: `th` is this coroutine's thread; store the yielder for `yield`.
                unsafe {
                    if let Some(cs) = (*vm.th).co.as_mut() {
                        cs.yielder = y;
                    }
                }
                vm.coroutine_body()
            });
            // SAFETY: live thread object.
            unsafe {
                (*cop).co = Some(Box::new(CoState {
                    coro: Some(coro),
                    yielder: std::ptr::null(),
                    stack_limit: limit,
                }));
            }
        }
        // Move arguments.
        self.transfer.clear();
        self.transfer.extend_from_slice(args);
        let prev = self.th;
        let saved_ccalls = self.n_ccalls;
        let saved_limit = self.native_stack_limit;
        // SAFETY: prev and cop are live threads.
        unsafe {
            (*prev).status = ThreadStatus::Normal;
            (*cop).status = ThreadStatus::Running;
            self.native_stack_limit = (*cop).co.as_ref().map(|c| c.stack_limit).unwrap_or(0);
        }
        self.resume_chain.push(cop);
        self.th = cop;
        self.n_ccalls += 1;
        // Deliver the arguments onto the coroutine's stack (for a fresh one they become the
        // function's arguments; for a suspended one, the results of its `yield`).
        self.deliver_transfer();
        // SAFETY: the CoState exists (created above or on an earlier resume).
        let coro: *mut NativeCoroutine = unsafe {
            (*cop)
                .co
                .as_mut()
                .and_then(|c| c.coro.as_mut())
                .map(|c| c as *mut _)
                .expect("coroutine")
        };
        // SAFETY: coro is owned by the thread object, which stays alive (on resume_chain) while running.
        let r = unsafe { (*coro).resume(()) };
        self.th = prev;
        self.resume_chain.pop();
        self.n_ccalls = saved_ccalls;
        self.native_stack_limit = saved_limit;
        // SAFETY: live threads.
        unsafe { (*prev).status = ThreadStatus::Running };
        match r {
            CoroutineResult::Yield(()) => {
                // SAFETY: live thread.
                unsafe { (*cop).status = ThreadStatus::Suspended };
                Ok(std::mem::take(&mut self.transfer))
            }
            CoroutineResult::Return(res) => {
                // SAFETY: live thread; release the native stack now that it has finished.
                unsafe {
                    (*cop).status = ThreadStatus::Dead;
                    if let Some(cs) = (*cop).co.as_mut() {
                        cs.coro = None;
                    }
                }
                match res {
                    Ok(()) => Ok(std::mem::take(&mut self.transfer)),
                    Err(e) => {
                        self.last_error = e.value;
                        Err(e)
                    }
                }
            }
        }
    }

    /// Push the transferred values onto the running thread's stack: a fresh coroutine receives them as
    /// arguments (after its function in slot 1); a suspended one receives them as `yield` results.
    fn deliver_transfer(&mut self) {
        let vals = std::mem::take(&mut self.transfer);
        for v in &vals {
            self.push(*v);
        }
        self.transfer = vals;
        self.transfer.clear();
    }

    /// Body of a coroutine's native stack: call the function in slot 1 with the arguments above it.
    fn coroutine_body(&mut self) -> CoReturn {
        let r = self.call_value(1, -1);
        match r {
            Ok(()) => {
                let th = self.th();
                self.transfer = th.live_slice()[1..th.top].to_vec();
                self.th_mut().top = 1;
                Ok(())
            }
            Err(e) => {
                // SAFETY: the running thread is this coroutine.
                unsafe { (*self.th).error = Some(e.value) };
                Err(e)
            }
        }
    }

    /// Yield from the running coroutine with `vals` (`lua_yield`); returns the values passed to the
    /// next `resume`. Errors with "attempt to yield from outside a coroutine" on the main thread.
    pub fn yield_values(&mut self, vals: &[Value]) -> LuaResult<Vec<Value>> {
        if self.th == self.main_thread {
            return Err(self.error("attempt to yield from outside a coroutine"));
        }
        // SAFETY: the running coroutine has a CoState with the yielder of its native stack.
        let y = unsafe {
            (*self.th)
                .co
                .as_ref()
                .map(|c| c.yielder)
                .unwrap_or(std::ptr::null())
        };
        if y.is_null() {
            return Err(self.error("attempt to yield across a C-call boundary"));
        }
        self.transfer.clear();
        self.transfer.extend_from_slice(vals);
        let top = self.th().top;
        // SAFETY: y is the yielder of the native coroutine we are running on.
        unsafe { (*y).suspend(()) };
        // Resumed: the resumer pushed the new values on our stack above `top`.
        let th = self.th_mut();
        let r = th.live_slice()[top..th.top].to_vec();
        th.top = top;
        Ok(r)
    }

    /// Close a suspended or dead coroutine (`coroutine.close` / `lua_closethread`): run pending `__close`
    /// handlers; `Ok(None)` on success, `Ok(Some(err))` when it died by an error or a handler failed.
    pub fn close_thread(&mut self, co: Value) -> LuaResult<Option<Value>> {
        let Some(cop) = co.as_thread_ptr() else {
            return Ok(None);
        };
        // SAFETY: live thread; dropping its native coroutine force-unwinds a suspended stack.
        let st = unsafe { (*cop).status };
        if st != ThreadStatus::Suspended && st != ThreadStatus::Dead {
            let msg = format!("cannot close a {} coroutine", self.thread_status(co));
            return Err(self.error(&msg));
        }
        let died_with = if st == ThreadStatus::Dead {
            self.thread_error(cop)
        } else {
            None
        };
        // SAFETY: live thread.
        unsafe {
            (*cop).co = None;
            (*cop).status = ThreadStatus::Dead;
        }
        // Run its to-be-closed variables on its own VM stack.
        let prev = self.th;
        self.th = cop;
        self.resume_chain.push(cop);
        self.close_upvals(0);
        let r = self.close_tbc(0, died_with);
        self.resume_chain.pop();
        self.th = prev;
        // SAFETY: live thread.
        unsafe {
            (*cop).ci.truncate(1);
            (*cop).open_upvals.clear();
            (*cop).top = 1;
        }
        match r {
            Ok(e) => Ok(e.or(died_with)),
            Err(e) => Ok(Some(e.value)),
        }
    }

    fn thread_error(&self, cop: *mut LuaThread) -> Option<Value> {
        // SAFETY: live thread.
        unsafe { (*cop).error }
    }
}
