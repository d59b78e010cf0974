//! Lua calls made by compiled code: the `CALL` helper, the one helper that runs Lua code.
//!
//! Without it every `CALL` leaves compiled code, the interpreter pushes the callee's frame,
//! re-enters compiled code for the callee (if any) through its entry cell, and after the
//! callee returns re-enters the caller's compiled code at the instruction after the call (a
//! `br_table` dispatch): four transitions per call. With it, compiled code calls
//! [`jit_call`], which pushes the callee's frame, calls the callee's **entry cell stub**
//! directly (so a recompiled callee is picked up at the next call, DESIGN §5) and returns
//! to the caller's compiled code, which continues at the next instruction.
//!
//! # Protocol
//!
//! `jit_call(vm, base, pc, insn) -> u64` returns
//! * [`CALL_DONE`]: the call is complete (results in place, `top` adjusted as the interpreter
//!   does after a call); compiled code continues at `pc + 1`;
//! * any other value: a pc for the *caller's* frame at which compiled code must return to the
//!   interpreter: `pc` itself (the helper declined; the interpreter performs the call), or
//!   `pc + 1` (the call is done but the interpreter must continue, e.g. a debug hook was set
//!   by the callee), or [`CALL_ERROR`]: a Lua error is pending in `JitState::pending_error` and
//!   every compiled frame returns it unchanged to whoever ran it (`Vm::jit_run` turns
//!   it back into `Err`).
//!
//! The helper declines (returns `pc`) when debug hooks are active, when the callee is a Lua
//! closure without compiled code that is not hot yet (the interpreter counts and tiers it up),
//! for values called through `__call`, and when less than [`NEST_RESERVE`] bytes of native stack
//! are left: each nested compiled call costs native stack, so deep recursion continues with
//! interpreter-managed calls (which cost none) instead of hitting "C stack overflow" where
//! PUC-Lua would not.
//!
//! # How the callee runs
//!
//! The callee's compiled code runs from pc 0 and returns the pc at which it leaves. A
//! `RETURN0`/`RETURN1` there is completed right here (pop the frame, move the result, restore
//! `top`), the common case. Any other exit (a nested call declined, varargs, a metamethod, an
//! error to raise, a `RETURN` that closes upvalues, a tail call...) finishes the callee in a
//! nested run of the interpreter (`execute`, with the frame marked `CIST_FRESH`), exactly like
//! a Lua function called from Rust: interpreter semantics, error messages and tracebacks
//! stay exact.
//!
//! # Invariants
//! * GC: compiled code keeps no value in machine registers across the helper (registers live
//!   in their VM slots, module doc of [`super`]), so a collection inside the call is precise.
//! * Errors travel as values ([`CALL_ERROR`]), never by unwinding. The functions are
//!   `extern "C-unwind"` only so that a *forced* unwind of a suspended coroutine's native stack
//!   (corosensei, when the GC collects it) may cross compiled frames, whose unwind info is
//!   registered by moonlift-jit.
//! * `savedpc` of the caller is `pc + 1` during the call, as in the interpreter, so error
//!   positions, `debug.getinfo` and tracebacks see the calling line.

#![allow(
    clippy::needless_borrow,
    reason = "explicit `&(*ptr).field` borrows are required by rustc's dangerous_implicit_autorefs lint"
)]

use super::{CompiledFn, JitMode, STATE_NONE};
use crate::opcode::{Instruction, OpCode};
use crate::vm::Vm;
use crate::vm::error::LuaResult;
use crate::vm::function::LuaClosure;
use crate::vm::thread::{CIST_FRESH, LuaThread};
use crate::vm::value::{TAG_LCL, TAG_NATIVE, Value};

/// [`jit_call`] result: the call is complete; continue at the next instruction.
pub const CALL_DONE: u64 = u64::MAX - 1;
/// Result of compiled code or [`jit_call`]: a Lua error is pending (`JitState::pending_error`).
pub const CALL_ERROR: u64 = u64::MAX;
/// Result of compiled code or a helper: the frame has returned (its results are in place and
/// the frame is popped, by `finish_return`, whose "was `CIST_FRESH`" answer is in
/// `JitState::returned_fresh`); whoever ran the compiled code continues with the caller.
pub const FRAME_RETURNED: u64 = u64::MAX - 2;
/// Result of compiled code or a helper: the frame made a tail call to a Lua closure (the
/// frame was replaced: the top frame is now the callee's, pushed by `precall` and not
/// started yet, in the same function slot); whoever ran the compiled code starts it.
pub const TAIL_CALLED: u64 = u64::MAX - 3;
/// Native stack (bytes) that must remain above the VM's native-stack guard for the helper to
/// nest another compiled call; below that it declines and the interpreter makes the call.
pub const NEST_RESERVE: usize = 128 * 1024;

/// The `CALL` helper (see the module doc for the protocol).
///
/// # Safety
/// `vm` is the running VM (the one that entered compiled code), `base` the register 0 of its
/// top frame, a Lua frame running compiled code for the proto whose instruction `pc` is `insn`
/// (a `CALL`).
pub unsafe extern "C-unwind" fn jit_call(vm: *mut Vm, base: *mut Value, pc: u64, insn: u32) -> u64 {
    // SAFETY: caller contract: `vm` is live and no other reference to it is used while compiled
    // code runs (the interpreter's `&mut Vm` is suspended in `jit_run`).
    let vm = unsafe { &mut *vm };
    // SAFETY: caller contract.
    match unsafe { vm.jit_call_impl(base, pc as usize, Instruction(insn)) } {
        Ok(r) => r,
        Err(e) => {
            vm.jit.pending_error = Some(e);
            CALL_ERROR
        }
    }
}

/// Completion helper of the inline call sequence (jit/baseline.rs `call_inline`): the caller's
/// compiled code pushed the callee's frame and called its entry stub itself, and the callee
/// returned `r`, which is not [`FRAME_RETURNED`] (the callee did not complete its own return).
/// Finishes the callee as [`jit_call`] does and returns the same protocol ([`CALL_DONE`],
/// `pc + 1` when a debug hook was set, or [`CALL_ERROR`]).
///
/// # Safety
/// As [`jit_call`]; in addition the top frame is the callee's, pushed by the inline sequence
/// for the `CALL` at `pc` (`insn`), whose compiled code returned `r`.
pub unsafe extern "C-unwind" fn jit_call_finish(
    vm: *mut Vm,
    base: *mut Value,
    pc: u64,
    insn: u32,
    r: u64,
) -> u64 {
    // SAFETY: caller contract (as `jit_call`).
    let vm = unsafe { &mut *vm };
    let i = Instruction(insn);
    let th: *mut LuaThread = vm.th;
    // SAFETY: caller contract: `base` is register 0 of the caller's frame in `th`'s stack,
    // and the callee's function slot `func` still holds its closure (results are written
    // there only by a completed return, which this helper performs).
    let res = unsafe {
        let func = (base.offset_from((*th).stack)) as usize + i.a() as usize;
        let nresults = i.c() as i32 - 1;
        let cl = (*th).get(func).payload as *mut LuaClosure;
        vm.jit_finish_callee(r, &*(*cl).proto, func, nresults)
            .map(|()| {
                if nresults >= 0 {
                    let ci = &(*th).ci;
                    (*th).top = ci.get_unchecked(ci.len() - 1).top;
                }
                if vm.hook_mask != 0 { pc + 1 } else { CALL_DONE }
            })
    };
    match res {
        Ok(r) => r,
        Err(e) => {
            vm.jit.pending_error = Some(e);
            CALL_ERROR
        }
    }
}

impl Vm {
    /// Body of [`jit_call`].
    ///
    /// # Safety
    /// As [`jit_call`].
    unsafe fn jit_call_impl(
        &mut self,
        base: *mut Value,
        pc: usize,
        i: Instruction,
    ) -> LuaResult<u64> {
        if self.hook_mask != 0 {
            return Ok(pc as u64);
        }
        let th: *mut LuaThread = self.th;
        // SAFETY: `th` is the running thread whose top frame is the caller, with register 0 at
        // `base` (caller contract).
        let func = unsafe { (base.offset_from((*th).stack)) as usize } + i.a() as usize;
        let b = i.b() as usize;
        // SAFETY: caller contract; `func + b` is inside the frame (front-end invariant).
        unsafe { self.jit_call_value(func, (b != 0).then_some(func + b), i.c() as i32 - 1, pc) }
    }

    /// Call the value in slot `func` (arguments up to `top`, or up to the current `th.top`
    /// when `None`) from the compiled caller at `pc`, wanting `nresults` (`-1` = all); the
    /// result protocol of [`jit_call`]. Shared by `CALL` and `TFORCALL`.
    ///
    /// # Safety
    /// The top frame is a Lua frame running compiled code; `func` and its arguments are slots
    /// of that frame.
    #[inline(always)]
    pub(crate) unsafe fn jit_call_value(
        &mut self,
        func: usize,
        top: Option<usize>,
        nresults: i32,
        pc: usize,
    ) -> LuaResult<u64> {
        let th: *mut LuaThread = self.th;
        // SAFETY: (whole block) `th` is the running thread; its top frame is the caller;
        // register indices are below max_stack (front-end invariant) so `func` and its
        // arguments are inside the frame; closures and protos reachable from the stack are live.
        unsafe {
            let ci_idx = (&(*th).ci).len() - 1;
            let caller_top = (&(*th).ci).get_unchecked(ci_idx).top;
            let fv = (*th).get(func);
            if fv.tag == TAG_NATIVE {
                if let Some(t) = top {
                    (*th).top = t;
                }
                (&mut (*th).ci).get_unchecked_mut(ci_idx).savedpc = pc + 1;
                self.call_native(func, fv, nresults)?;
                if nresults >= 0 {
                    (*th).top = caller_top;
                }
                // A native may have set a debug hook: let the interpreter take over.
                return Ok(if self.hook_mask != 0 {
                    pc as u64 + 1
                } else {
                    CALL_DONE
                });
            }
            if fv.tag != TAG_LCL || crate::vm::state::approx_sp() < self.jit_nest_limit() {
                return Ok(pc as u64);
            }
            let cl = fv.payload as *mut LuaClosure;
            let p = &*(*cl).proto;
            let mut entry = p.jit.entry.get();
            if entry == 0 {
                // Tier up here when the callee is hot (its counter counts this call too).
                let cfg = self.jit.config;
                let hot = cfg.mode == JitMode::Eager
                    || p.call_count.get().saturating_add(1) >= cfg.call_threshold;
                if p.jit.state.get() != STATE_NONE || cfg.mode == JitMode::Off || !hot {
                    return Ok(pc as u64);
                }
                entry = self.jit_compile(p, super::tiering::Scope::Whole);
                if entry == 0 {
                    return Ok(pc as u64);
                }
            }
            if let Some(t) = top {
                (*th).top = t;
            }
            (&mut (*th).ci).get_unchecked_mut(ci_idx).savedpc = pc + 1;
            self.push_lua_frame(func, fv, nresults)?;
            self.jit_run_callee(entry, cl, func, nresults)?;
            if nresults >= 0 {
                (*th).top = caller_top;
            }
            // The callee may have set a debug hook: let the interpreter take over.
            Ok(if self.hook_mask != 0 {
                pc as u64 + 1
            } else {
                CALL_DONE
            })
        }
    }

    /// Lowest native stack address at which [`jit_call`] may still nest a compiled call.
    #[inline]
    fn jit_nest_limit(&mut self) -> usize {
        self.native_stack_guard() + NEST_RESERVE
    }

    /// Run the just-pushed frame of closure `cl` (function slot `func`) to completion, starting
    /// with its compiled code at `entry` (see the module doc).
    ///
    /// # Safety
    /// The top frame is a fresh Lua frame of `cl` pushed by `push_lua_frame`; `entry` is the
    /// stub of `cl`'s proto's compiled code.
    unsafe fn jit_run_callee(
        &mut self,
        entry: usize,
        cl: *mut LuaClosure,
        func: usize,
        nresults: i32,
    ) -> LuaResult<()> {
        let th: *mut LuaThread = self.th;
        // SAFETY: (whole block) caller contract: the callee's fresh frame is the top frame
        // (index `ci_idx`) and `entry` is its proto's stub, which is what `jit_start_frame`
        // needs; after it the top frame is still the callee's (or its tail callee's), as
        // `jit_finish_callee` needs.
        unsafe {
            let ci_idx = (&(*th).ci).len() - 1;
            let r = self.jit_start_frame(entry, cl, ci_idx);
            self.jit_finish_callee(r, &*(*cl).proto, func, nresults)
        }
    }

    /// Run the compiled code `entry` of closure `cl` for the not yet started frame `ci_idx`
    /// (the top frame) from pc 0, performing a vararg proto's `VARARGPREP` (an exit at pc 0,
    /// before any register is touched, which moves the frame's base) and re-entering at pc 1.
    /// Returns what the compiled code returned.
    ///
    /// # Safety
    /// Frame `ci_idx` is the top frame, a fresh Lua frame of `cl`; `entry` is the stub of
    /// `cl`'s proto's compiled code.
    unsafe fn jit_start_frame(&mut self, entry: usize, cl: *mut LuaClosure, ci_idx: usize) -> u64 {
        let th: *mut LuaThread = self.th;
        // SAFETY: caller contract; the frame's base is inside the thread's stack.
        unsafe {
            let mut base = (*th).stack.add((&(*th).ci).get_unchecked(ci_idx).base);
            let upvals = (*cl).upvals_ptr;
            let f: CompiledFn = std::mem::transmute::<usize, CompiledFn>(entry);
            let flag: *const std::sync::atomic::AtomicBool = &*self.interrupt;
            let p = &*(*cl).proto;
            let mut r = f(base, 0, upvals, flag, self as *mut Vm);
            if r == 0
                && p.src.is_vararg
                && let Some(&ins) = p.code().first().filter(|i| i.op() == OpCode::VARARGPREP)
            {
                self.vararg_prep(ci_idx, ins.a() as usize);
                base = (*th).stack.add((&(*th).ci).get_unchecked(ci_idx).base);
                r = f(base, 1, upvals, flag, self as *mut Vm);
            }
            r
        }
    }

    /// Complete the callee frame (the top frame, of proto `p`, function slot `func`, wanting
    /// `nresults`) after its compiled code returned `r`: nothing to do for
    /// [`FRAME_RETURNED`], the pending error for [`CALL_ERROR`], and otherwise `r` is the pc at
    /// which the callee left compiled code: a `RETURN0`/`RETURN1`/`RETURN` there is completed
    /// here, anything else is finished by a nested interpreter run (see the module doc).
    ///
    /// # Safety
    /// The top frame is a Lua frame of `p` (not `CIST_FRESH`) pushed for a call from compiled
    /// code, whose compiled code just returned `r`.
    unsafe fn jit_finish_callee(
        &mut self,
        r: u64,
        p: &crate::vm::function::Proto,
        func: usize,
        nresults: i32,
    ) -> LuaResult<()> {
        let th: *mut LuaThread = self.th;
        let (mut r, mut p) = (r, p);
        // SAFETY: (whole block) caller contract; the callee's registers start at its frame's
        // `base`, inside the thread's stack; after a tail call the new top frame is a Lua
        // frame in the same function slot whose closure is live (it is in that slot).
        unsafe {
            let ci_idx = (&(*th).ci).len() - 1;
            while r == TAIL_CALLED {
                // The callee tail-called a Lua closure: run the new frame's code too.
                let fv = (*th).get((&(*th).ci).get_unchecked(ci_idx).func);
                let cl = fv.payload as *mut LuaClosure;
                p = &*(*cl).proto;
                let entry = p.jit.entry.get();
                if entry == 0 || self.hook_mask != 0 {
                    (&mut (*th).ci).get_unchecked_mut(ci_idx).status |= CIST_FRESH;
                    return self.execute();
                }
                r = self.jit_start_frame(entry, cl, ci_idx);
            }
            if r == CALL_ERROR {
                return Err(self.jit_take_error());
            }
            if r == FRAME_RETURNED {
                // (Not CIST_FRESH: this frame was pushed by `jit_call_value`.) The frame is
                // popped: `ci_idx` no longer indexes a frame.
                return Ok(());
            }
            let base = (*th).stack.add((&(*th).ci).get_unchecked(ci_idx).base);
            let pc = r as usize;
            if let Some(&ins) = p.code().get(pc) {
                match ins.op() {
                    OpCode::RETURN0 => {
                        (&mut (*th).ci).pop();
                        for j in 0..nresults.max(0) as usize {
                            (*th).set(func + j, Value::NIL);
                        }
                        (*th).top = func + nresults.max(0) as usize;
                        return Ok(());
                    }
                    OpCode::RETURN1 => {
                        let v = *base.add(ins.a() as usize);
                        (&mut (*th).ci).pop();
                        if nresults != 0 {
                            (*th).set(func, v);
                            for j in 1..nresults.max(1) as usize {
                                (*th).set(func + j, Value::NIL);
                            }
                        }
                        (*th).top = func + if nresults < 0 { 1 } else { nresults as usize };
                        return Ok(());
                    }
                    OpCode::RETURN if !ins.k() => {
                        // No upvalues to close: `finish_return` as the interpreter does (the
                        // frame is not CIST_FRESH, so it never reports the end of an
                        // `execute`); a vararg frame first moves `func` back down.
                        let cur = (&mut (*th).ci).get_unchecked_mut(ci_idx);
                        let ra = cur.base + ins.a() as usize;
                        let n = if ins.b() != 0 {
                            ins.b() as usize - 1
                        } else {
                            (*th).top - ra
                        };
                        if ins.c() != 0 {
                            cur.func -= cur.nextraargs as usize + ins.c() as usize;
                        }
                        self.finish_return(ci_idx, ra, n);
                        return Ok(());
                    }
                    _ => {}
                }
            }
            // Anything else: the interpreter finishes the frame from `pc`. `savedpc` stays
            // what the compiled code saved (the line of an unprotected error depends on it);
            // the interpreter takes the resume point from `resume_pc`.
            (&mut (*th).ci).get_unchecked_mut(ci_idx).status |= CIST_FRESH;
            self.jit.resume_pc = Some(pc);
            self.execute()
        }
    }

    /// Take the error stored by a helper that returned [`CALL_ERROR`].
    #[cold]
    pub(crate) fn jit_take_error(&mut self) -> crate::vm::error::LuaError {
        match self.jit.pending_error.take() {
            Some(e) => e,
            // Unreachable by the protocol; report it as a Lua error rather than panicking.
            None => self.runtime_error("internal JIT error: missing pending error"),
        }
    }
}
