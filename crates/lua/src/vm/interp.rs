//! The interpreter: Lua 5.4's `luaV_execute` over our bytecode (semantics of `lvm.c`).
//!
//! One invocation of [`Vm::execute`] runs the frame on top of the call stack (pushed by
//! [`Vm::precall`] and marked `CIST_FRESH`) until it returns. Lua→Lua calls and returns switch frames
//! inside the same loop (`'newframe`), so Lua recursion costs no Rust stack.
//!
//! Hot state is kept in locals: `base` (raw pointer to register 0 of the running frame; valid because
//! the VM stack never moves), `code`/`k` (raw pointers into the running proto, kept alive by the
//! closure in the frame's function slot), `pc` (index of the next instruction). `savedpc` in the
//! `CallInfo` is written back before anything that can raise an error or call out (`protect!`), so
//! error positions and tracebacks are exact.
//!
//! Safety invariant of register access: every register index in an instruction is below the proto's
//! `max_stack` (front-end invariant, `proto.rs`), and `base + max_stack <= ci.top` lies inside the
//! reserved stack (checked by `precall`), so `base.add(r)` is in bounds for all `r` used.

#![allow(
    clippy::needless_borrow,
    reason = "explicit `&(*ptr).field` borrows are required by rustc's dangerous_implicit_autorefs lint"
)]

use super::Vm;
use super::arith;
use super::error::LuaResult;
use super::function::{
    FEEDBACK_FLOAT, FEEDBACK_INT, FEEDBACK_OTHER, LuaClosure, Proto, number_feedback,
};
use super::meta::Culprit;
use super::table::LuaTable;
use super::thread::{CIST_FRESH, CIST_TAIL, LuaThread};
use super::value::*;
use crate::opcode::{Instruction, OpCode, TagMethod};
use std::sync::atomic::Ordering;

#[inline(always)]
fn opcode_of(i: Instruction) -> OpCode {
    let b = (i.0 & 0x7F) as u8;
    debug_assert!((b as usize) < OpCode::ALL.len());
    // SAFETY: protos are validated at load time (`Vm::proto_from` checks every opcode), and OpCode is
    // a repr(u8) enum with contiguous discriminants 0..OpCode::ALL.len().
    unsafe { std::mem::transmute::<u8, OpCode>(b) }
}

impl Vm {
    /// Run Lua code from the current top frame until the `CIST_FRESH` frame returns.
    ///
    /// The dispatch loop is compiled twice (`HOOKED` = debug hooks active or not) so the common
    /// case pays nothing for hooks; a change of hook state switches loops at the next frame change.
    pub(crate) fn execute(&mut self) -> LuaResult<()> {
        loop {
            let done = if self.hook_mask != 0 {
                self.run::<true>()?
            } else {
                self.run::<false>()?
            };
            if done {
                return Ok(());
            }
        }
    }

    /// One dispatch loop; `Ok(false)` asks [`Vm::execute`] to continue in the other variant.
    fn run<const HOOKED: bool>(&mut self) -> LuaResult<bool> {
        let th: *mut LuaThread = self.th;
        // SAFETY: (whole function) `th` is the running thread, live for the whole execution; frames,
        // closures and protos referenced from the stack are live (the stack is a GC root); register
        // indices are in bounds (module doc).
        unsafe {
            'newframe: loop {
                let ci_idx = (&(*th).ci).len() - 1;
                let ci = *(&(*th).ci).get_unchecked(ci_idx);
                let cl = (*th).get(ci.func).payload as *mut LuaClosure;
                let proto: *const Proto = (*cl).proto;
                let code: *const Instruction = (&(*proto).src.code).as_ptr();
                let kst: *const Value = (&(*proto).k).as_ptr();
                let upvals: *const *mut super::function::UpVal = (&(*cl).upvals).as_ptr();
                let mut base: *mut Value = (*th).stack.add(ci.base);
                let mut base_idx = ci.base;
                let mut ci_top = ci.top;
                let mut pc = ci.savedpc;
                let hooked = HOOKED;
                if (self.hook_mask != 0) != HOOKED {
                    // Frame state is saved (savedpc); resume in the other loop variant.
                    return Ok(false);
                }
                if let Some(p) = self.jit.resume_pc.take() {
                    // A compiled callee left compiled code at `p` (`jit_finish_callee`).
                    pc = p;
                }
                // Hooked frame entry (lvm.c `startfunc`/`returning`): the call hook on a fresh frame
                // (vararg functions: after VARARGPREP), else the caller's pc becomes `oldpc` so a
                // return does not count as a new line (`rethook`). As in ldo.c this bookkeeping
                // also runs in the hook function's own frames (the hook calls are suppressed).
                if hooked {
                    if pc == 0 {
                        self.hook_oldpc = 0;
                        if !(*proto).src.is_vararg {
                            (*th).top = ci_top;
                            self.hook_lua_call(ci_idx)?;
                        }
                    } else {
                        self.hook_oldpc = pc - 1;
                    }
                }
                // Baseline JIT hook (crate::jit): frame start or resume after a call returned;
                // compiled code (if any) runs from `pc` and tells where to continue. Not while
                // debug hooks are active (compiled code does not call them).
                // What compiled code answered (`pc`): where to continue this frame, or that the
                // frame is finished.
                macro_rules! after_compiled {
                    () => {{
                        if pc == crate::jit::call::FRAME_RETURNED as usize {
                            // Compiled code finished the frame (a return, or a native in tail
                            // position).
                            if self.jit.returned_fresh {
                                return Ok(true);
                            }
                            continue 'newframe;
                        }
                        if pc == crate::jit::call::TAIL_CALLED as usize {
                            // The frame was replaced by its tail callee's: start that one.
                            continue 'newframe;
                        }
                        if self.hook_mask != 0 {
                            // A function called by compiled code set a debug hook: restart the
                            // frame in the hooked loop.
                            (&mut (*th).ci).get_unchecked_mut(ci_idx).savedpc = pc;
                            continue 'newframe;
                        }
                    }};
                }
                if !hooked {
                    pc = self.jit_frame_entry(proto, upvals, base, pc)?;
                    after_compiled!();
                }

                macro_rules! reg {
                    ($r:expr) => {
                        *base.add($r as usize)
                    };
                }
                macro_rules! k {
                    ($r:expr) => {
                        *kst.add($r as usize)
                    };
                }
                macro_rules! savepc {
                    () => {
                        (&mut (*th).ci).get_unchecked_mut(ci_idx).savedpc = pc;
                    };
                }
                // Save pc and make the whole frame visible before code that may call out or raise.
                macro_rules! protect {
                    ($e:expr) => {{
                        savepc!();
                        (*th).top = ci_top;
                        $e
                    }};
                }
                macro_rules! tryp {
                    ($e:expr) => {
                        match protect!($e) {
                            Ok(v) => v,
                            Err(e) => return Err(e),
                        }
                    };
                }
                macro_rules! gc_check {
                    () => {
                        if self.heap.due() {
                            tryp!(self.gc_slow());
                        }
                    };
                }
                macro_rules! feedback {
                    ($bits:expr) => {{
                        let f = (&(*proto).feedback).get_unchecked(pc - 1);
                        f.set(f.get() | $bits);
                    }};
                }
                // Feedback on a fast path: a load and a branch once the bit is set.
                macro_rules! feedback_once {
                    ($bit:expr) => {{
                        let f = (&(*proto).feedback).get_unchecked(pc - 1);
                        if f.get() & $bit == 0 {
                            f.set(f.get() | $bit);
                        }
                    }};
                }
                macro_rules! backedge {
                    () => {{
                        let c = &(*proto).backedge_count;
                        c.set(c.get().wrapping_add(1));
                        if self.interrupt.load(Ordering::Relaxed) {
                            savepc!();
                            return Err(self.interrupted());
                        }
                        // Baseline JIT hook (crate::jit): OSR entry at the loop header `pc`;
                        // compiled code runs the frame until an instruction it leaves to us.
                        if !hooked {
                            pc = self.jit_backedge(proto, upvals, base, pc)?;
                            after_compiled!();
                        }
                    }};
                }
                macro_rules! dojump {
                    ($off:expr) => {{
                        let off = $off as isize;
                        pc = (pc as isize + off) as usize;
                        if off < 0 {
                            backedge!();
                        }
                    }};
                }
                // Conditional jump: if cond != k skip the next JMP, else perform it.
                macro_rules! condjump {
                    ($cond:expr, $i:expr) => {{
                        if $cond != $i.k() {
                            pc += 1;
                        } else {
                            let ni = *code.add(pc);
                            pc += 1;
                            dojump!(ni.sj_field());
                        }
                    }};
                }
                // Integer/float arithmetic fast path; on success skip the following MMBIN.
                macro_rules! arith_op {
                    ($i:expr, $v1:expr, $v2:expr, $iop:expr, $fop:expr) => {{
                        let v1: Value = $v1;
                        let v2: Value = $v2;
                        if v1.tag == TAG_INT && v2.tag == TAG_INT {
                            feedback!(FEEDBACK_INT);
                            reg!($i.a()) = Value::int($iop(v1.ival(), v2.ival()));
                            pc += 1;
                        } else if let (Some(x), Some(y)) = (v1.as_f64(), v2.as_f64()) {
                            feedback!(number_feedback(v1.tag, v2.tag));
                            reg!($i.a()) = Value::float($fop(x, y));
                            pc += 1;
                        }
                    }};
                }
                macro_rules! float_op {
                    ($i:expr, $v1:expr, $v2:expr, $fop:expr) => {{
                        let v1: Value = $v1;
                        let v2: Value = $v2;
                        if let (Some(x), Some(y)) = (v1.as_f64(), v2.as_f64()) {
                            feedback!(number_feedback(v1.tag, v2.tag));
                            reg!($i.a()) = Value::float($fop(x, y));
                            pc += 1;
                        }
                    }};
                }
                macro_rules! bit_op {
                    ($i:expr, $v1:expr, $v2:expr, $op:expr) => {{
                        let v1: Value = $v1;
                        let v2: Value = $v2;
                        if v1.tag == TAG_INT && v2.tag == TAG_INT {
                            reg!($i.a()) = Value::int($op(v1.ival(), v2.ival()));
                            pc += 1;
                        } else if v1.is_number() && v2.is_number() {
                            if let (Some(x), Some(y)) =
                                (arith::to_integer_strict(v1), arith::to_integer_strict(v2))
                            {
                                reg!($i.a()) = Value::int($op(x, y));
                                pc += 1;
                            }
                        }
                    }};
                }

                loop {
                    // Count and line events (`luaG_traceexec`), not for a vararg function's
                    // VARARGPREP (lvm.c clears `trap` until it ran). During the hook the frame's
                    // saved pc is past the instruction about to run, as lvm.c's `vmfetch` leaves it,
                    // so `currentline` names that instruction's line.
                    if hooked && !(pc == 0 && (*proto).src.is_vararg) {
                        // `top` is left alone: the instruction may take operands up to it (a
                        // call with B = 0); the hook call protects and restores it.
                        (&mut (*th).ci).get_unchecked_mut(ci_idx).savedpc = pc + 1;
                        self.hook_instr(ci_idx, pc)?;
                        savepc!();
                        if (self.hook_mask != 0) != hooked {
                            continue 'newframe;
                        }
                    }
                    let i = *code.add(pc);
                    pc += 1;
                    match opcode_of(i) {
                        OpCode::MOVE => {
                            reg!(i.a()) = reg!(i.b());
                        }
                        OpCode::LOADI => {
                            reg!(i.a()) = Value::int(i.sbx() as i64);
                        }
                        OpCode::LOADF => {
                            reg!(i.a()) = Value::float(i.sbx() as f64);
                        }
                        OpCode::LOADK => {
                            reg!(i.a()) = k!(i.bx());
                        }
                        OpCode::LOADKX => {
                            let ax = (*code.add(pc)).ax_field();
                            pc += 1;
                            reg!(i.a()) = k!(ax);
                        }
                        OpCode::LOADFALSE => {
                            reg!(i.a()) = Value::FALSE;
                        }
                        OpCode::LFALSESKIP => {
                            reg!(i.a()) = Value::FALSE;
                            pc += 1;
                        }
                        OpCode::LOADTRUE => {
                            reg!(i.a()) = Value::TRUE;
                        }
                        OpCode::LOADNIL => {
                            let a = i.a();
                            for j in 0..=i.b() {
                                reg!(a + j) = Value::NIL;
                            }
                        }
                        OpCode::GETUPVAL => {
                            let u = *upvals.add(i.b() as usize);
                            reg!(i.a()) = *(*u).v;
                        }
                        OpCode::SETUPVAL => {
                            let u = *upvals.add(i.b() as usize);
                            *(*u).v = reg!(i.a());
                        }
                        OpCode::GETTABUP => {
                            let u = *upvals.add(i.b() as usize);
                            let t = *(*u).v;
                            let key = k!(i.c());
                            if t.tag == TAG_TABLE {
                                let v = get_str_key(t.payload as *mut LuaTable, key);
                                if !v.is_nil() {
                                    feedback_once!(crate::vm::function::FEEDBACK_FIELD_HIT);
                                    reg!(i.a()) = v;
                                    continue;
                                }
                            }
                            feedback!(crate::vm::function::FEEDBACK_FIELD_MISS);
                            let v = tryp!(self.index_slow(t, key, Culprit::upval(i.b())));
                            reg!(i.a()) = v;
                        }
                        OpCode::GETTABLE => {
                            let t = reg!(i.b());
                            let key = reg!(i.c());
                            if t.tag == TAG_TABLE {
                                let tp = t.payload as *mut LuaTable;
                                let v = if key.tag == TAG_INT {
                                    (*tp).get_int(key.ival())
                                } else {
                                    (*tp).get(key)
                                };
                                if !v.is_nil() {
                                    reg!(i.a()) = v;
                                    continue;
                                }
                            }
                            let v = tryp!(self.index_slow(t, key, Culprit::reg(i.b())));
                            reg!(i.a()) = v;
                        }
                        OpCode::GETI => {
                            let t = reg!(i.b());
                            if t.tag == TAG_TABLE {
                                let v = (*(t.payload as *mut LuaTable)).get_int(i.c() as i64);
                                if !v.is_nil() {
                                    reg!(i.a()) = v;
                                    continue;
                                }
                            }
                            let v = tryp!(self.index_slow(
                                t,
                                Value::int(i.c() as i64),
                                Culprit::reg(i.b())
                            ));
                            reg!(i.a()) = v;
                        }
                        OpCode::GETFIELD => {
                            let t = reg!(i.b());
                            let key = k!(i.c());
                            if t.tag == TAG_TABLE {
                                let v = get_str_key(t.payload as *mut LuaTable, key);
                                if !v.is_nil() {
                                    feedback_once!(crate::vm::function::FEEDBACK_FIELD_HIT);
                                    reg!(i.a()) = v;
                                    continue;
                                }
                            }
                            feedback!(crate::vm::function::FEEDBACK_FIELD_MISS);
                            let v = tryp!(self.index_slow(t, key, Culprit::reg(i.b())));
                            reg!(i.a()) = v;
                        }
                        OpCode::SETTABUP => {
                            let u = *upvals.add(i.a() as usize);
                            let t = *(*u).v;
                            let key = k!(i.b());
                            let v = if i.k() { k!(i.c()) } else { reg!(i.c()) };
                            if t.tag == TAG_TABLE && fast_set(t.payload as *mut LuaTable, key, v) {
                                continue;
                            }
                            tryp!(self.set_slow(t, key, v, Culprit::upval(i.a())));
                        }
                        OpCode::SETTABLE => {
                            let t = reg!(i.a());
                            let key = reg!(i.b());
                            let v = if i.k() { k!(i.c()) } else { reg!(i.c()) };
                            if t.tag == TAG_TABLE {
                                let tp = t.payload as *mut LuaTable;
                                if key.tag == TAG_INT {
                                    let idx = (key.payload).wrapping_sub(1);
                                    if idx < (*tp).asize as u64
                                        && !(*(*tp).array.add(idx as usize)).is_nil()
                                    {
                                        *(*tp).array.add(idx as usize) = v;
                                        continue;
                                    }
                                }
                                if fast_set(tp, key, v) {
                                    continue;
                                }
                            }
                            tryp!(self.set_slow(t, key, v, Culprit::reg(i.a())));
                        }
                        OpCode::SETI => {
                            let t = reg!(i.a());
                            let key = Value::int(i.b() as i64);
                            let v = if i.k() { k!(i.c()) } else { reg!(i.c()) };
                            if t.tag == TAG_TABLE && fast_set(t.payload as *mut LuaTable, key, v) {
                                continue;
                            }
                            tryp!(self.set_slow(t, key, v, Culprit::reg(i.a())));
                        }
                        OpCode::SETFIELD => {
                            let t = reg!(i.a());
                            let key = k!(i.b());
                            let v = if i.k() { k!(i.c()) } else { reg!(i.c()) };
                            if t.tag == TAG_TABLE && fast_set(t.payload as *mut LuaTable, key, v) {
                                continue;
                            }
                            tryp!(self.set_slow(t, key, v, Culprit::reg(i.a())));
                        }
                        OpCode::NEWTABLE => {
                            let b = i.b();
                            let mut c = i.c() as usize;
                            if i.k() {
                                c += (*code.add(pc)).ax_field() as usize
                                    * (crate::opcode::MAX_ARG_C as usize + 1);
                            }
                            pc += 1;
                            let nh = if b > 0 { 1usize << (b - 1) } else { 0 };
                            let t = self.alloc_table(c, nh);
                            reg!(i.a()) = Value::table(t);
                            gc_check!();
                        }
                        OpCode::SELF => {
                            let rb = reg!(i.b());
                            let key = if i.k() { k!(i.c()) } else { reg!(i.c()) };
                            reg!(i.a() + 1) = rb;
                            if rb.tag == TAG_TABLE {
                                let v = get_str_key(rb.payload as *mut LuaTable, key);
                                if !v.is_nil() {
                                    feedback!(crate::vm::function::FEEDBACK_SELF_RAW);
                                    reg!(i.a()) = v;
                                    continue;
                                }
                            }
                            feedback!(match rb.tag {
                                TAG_TABLE => crate::vm::function::FEEDBACK_SELF_INDEX,
                                TAG_STR => crate::vm::function::FEEDBACK_SELF_STRING,
                                _ => crate::vm::function::FEEDBACK_SELF_OTHER,
                            });
                            let v = tryp!(self.index_slow(rb, key, Culprit::reg(i.b())));
                            reg!(i.a()) = v;
                        }
                        OpCode::ADDI => {
                            let v1 = reg!(i.b());
                            let imm = i.sc() as i64;
                            if v1.tag == TAG_INT {
                                feedback!(FEEDBACK_INT);
                                reg!(i.a()) = Value::int(v1.ival().wrapping_add(imm));
                                pc += 1;
                            } else if v1.tag == TAG_FLOAT {
                                feedback!(FEEDBACK_FLOAT);
                                reg!(i.a()) = Value::float(v1.fval() + imm as f64);
                                pc += 1;
                            }
                        }
                        OpCode::ADDK => arith_op!(
                            i,
                            reg!(i.b()),
                            k!(i.c()),
                            i64::wrapping_add,
                            |x: f64, y: f64| x + y
                        ),
                        OpCode::SUBK => arith_op!(
                            i,
                            reg!(i.b()),
                            k!(i.c()),
                            i64::wrapping_sub,
                            |x: f64, y: f64| x - y
                        ),
                        OpCode::MULK => arith_op!(
                            i,
                            reg!(i.b()),
                            k!(i.c()),
                            i64::wrapping_mul,
                            |x: f64, y: f64| x * y
                        ),
                        OpCode::MODK => {
                            let (v1, v2) = (reg!(i.b()), k!(i.c()));
                            if v1.tag == TAG_INT && v2.tag == TAG_INT {
                                if v2.ival() == 0 {
                                    // Like PUC-Lua 5.4.4, the position is the last saved pc.
                                    return Err(self.runtime_error("attempt to perform 'n%0'"));
                                }
                                reg!(i.a()) = Value::int(arith::int_mod(v1.ival(), v2.ival()));
                                pc += 1;
                            } else {
                                float_op!(i, v1, v2, arith::float_mod);
                            }
                        }
                        OpCode::POWK => float_op!(i, reg!(i.b()), k!(i.c()), pow),
                        OpCode::DIVK => {
                            float_op!(i, reg!(i.b()), k!(i.c()), |x: f64, y: f64| x / y)
                        }
                        OpCode::IDIVK => {
                            let (v1, v2) = (reg!(i.b()), k!(i.c()));
                            if v1.tag == TAG_INT && v2.tag == TAG_INT && v2.ival() != 0 {
                                reg!(i.a()) =
                                    Value::int(arith::int_floor_div(v1.ival(), v2.ival()));
                                pc += 1;
                            } else if !(v1.tag == TAG_INT && v2.tag == TAG_INT) {
                                float_op!(i, v1, v2, arith::float_floor_div);
                            }
                        }
                        OpCode::BANDK => bit_op!(i, reg!(i.b()), k!(i.c()), |x: i64, y: i64| x & y),
                        OpCode::BORK => bit_op!(i, reg!(i.b()), k!(i.c()), |x: i64, y: i64| x | y),
                        OpCode::BXORK => bit_op!(i, reg!(i.b()), k!(i.c()), |x: i64, y: i64| x ^ y),
                        OpCode::SHRI => {
                            let v1 = reg!(i.b());
                            let ic = i.sc() as i64;
                            if let Some(x) = if v1.tag == TAG_INT {
                                Some(v1.ival())
                            } else if v1.is_float() {
                                arith::to_integer_strict(v1)
                            } else {
                                None
                            } {
                                reg!(i.a()) = Value::int(arith::shift_left(x, ic.wrapping_neg()));
                                pc += 1;
                            }
                        }
                        OpCode::SHLI => {
                            let v1 = reg!(i.b());
                            let ic = i.sc() as i64;
                            if let Some(x) = if v1.tag == TAG_INT {
                                Some(v1.ival())
                            } else if v1.is_float() {
                                arith::to_integer_strict(v1)
                            } else {
                                None
                            } {
                                reg!(i.a()) = Value::int(arith::shift_left(ic, x));
                                pc += 1;
                            }
                        }
                        OpCode::ADD => arith_op!(
                            i,
                            reg!(i.b()),
                            reg!(i.c()),
                            i64::wrapping_add,
                            |x: f64, y: f64| x + y
                        ),
                        OpCode::SUB => arith_op!(
                            i,
                            reg!(i.b()),
                            reg!(i.c()),
                            i64::wrapping_sub,
                            |x: f64, y: f64| x - y
                        ),
                        OpCode::MUL => arith_op!(
                            i,
                            reg!(i.b()),
                            reg!(i.c()),
                            i64::wrapping_mul,
                            |x: f64, y: f64| x * y
                        ),
                        OpCode::MOD => {
                            let (v1, v2) = (reg!(i.b()), reg!(i.c()));
                            if v1.tag == TAG_INT && v2.tag == TAG_INT {
                                if v2.ival() != 0 {
                                    reg!(i.a()) = Value::int(arith::int_mod(v1.ival(), v2.ival()));
                                    pc += 1;
                                } else {
                                    // Unprotected in lvm.c too: the last saved pc's line.
                                    return Err(self.runtime_error("attempt to perform 'n%0'"));
                                }
                            } else {
                                float_op!(i, v1, v2, arith::float_mod);
                            }
                        }
                        OpCode::POW => float_op!(i, reg!(i.b()), reg!(i.c()), pow),
                        OpCode::DIV => {
                            float_op!(i, reg!(i.b()), reg!(i.c()), |x: f64, y: f64| x / y)
                        }
                        OpCode::IDIV => {
                            let (v1, v2) = (reg!(i.b()), reg!(i.c()));
                            if v1.tag == TAG_INT && v2.tag == TAG_INT {
                                if v2.ival() != 0 {
                                    reg!(i.a()) =
                                        Value::int(arith::int_floor_div(v1.ival(), v2.ival()));
                                    pc += 1;
                                } else {
                                    return Err(self.runtime_error("attempt to divide by zero"));
                                }
                            } else {
                                float_op!(i, v1, v2, arith::float_floor_div);
                            }
                        }
                        OpCode::BAND => {
                            bit_op!(i, reg!(i.b()), reg!(i.c()), |x: i64, y: i64| x & y)
                        }
                        OpCode::BOR => bit_op!(i, reg!(i.b()), reg!(i.c()), |x: i64, y: i64| x | y),
                        OpCode::BXOR => {
                            bit_op!(i, reg!(i.b()), reg!(i.c()), |x: i64, y: i64| x ^ y)
                        }
                        OpCode::SHL => bit_op!(i, reg!(i.b()), reg!(i.c()), arith::shift_left),
                        OpCode::SHR => bit_op!(i, reg!(i.b()), reg!(i.c()), |x: i64, y: i64| {
                            arith::shift_left(x, y.wrapping_neg())
                        }),
                        OpCode::MMBIN => {
                            let pi = *code.add(pc - 2);
                            let tm = TagMethod::from_u32(i.c()).unwrap_or(TagMethod::Add);
                            feedback!(FEEDBACK_OTHER);
                            let r = tryp!(self.arith_slow(
                                tm,
                                reg!(i.a()),
                                reg!(i.b()),
                                Culprit::reg(i.a()),
                                Culprit::reg(i.b())
                            ));
                            reg!(pi.a()) = r;
                        }
                        OpCode::MMBINI => {
                            let pi = *code.add(pc - 2);
                            let tm = TagMethod::from_u32(i.c()).unwrap_or(TagMethod::Add);
                            let imm = Value::int(i.sb() as i64);
                            let ra = reg!(i.a());
                            let r = if i.k() {
                                tryp!(self.arith_slow(
                                    tm,
                                    imm,
                                    ra,
                                    Culprit::NONE,
                                    Culprit::reg(i.a())
                                ))
                            } else {
                                tryp!(self.arith_slow(
                                    tm,
                                    ra,
                                    imm,
                                    Culprit::reg(i.a()),
                                    Culprit::NONE
                                ))
                            };
                            reg!(pi.a()) = r;
                        }
                        OpCode::MMBINK => {
                            let pi = *code.add(pc - 2);
                            let tm = TagMethod::from_u32(i.c()).unwrap_or(TagMethod::Add);
                            let kv = k!(i.b());
                            let ra = reg!(i.a());
                            let r = if i.k() {
                                tryp!(self.arith_slow(
                                    tm,
                                    kv,
                                    ra,
                                    Culprit::NONE,
                                    Culprit::reg(i.a())
                                ))
                            } else {
                                tryp!(self.arith_slow(
                                    tm,
                                    ra,
                                    kv,
                                    Culprit::reg(i.a()),
                                    Culprit::NONE
                                ))
                            };
                            reg!(pi.a()) = r;
                        }
                        OpCode::UNM => {
                            let v = reg!(i.b());
                            if v.tag == TAG_INT {
                                reg!(i.a()) = Value::int(v.ival().wrapping_neg());
                            } else if v.tag == TAG_FLOAT {
                                reg!(i.a()) = Value::float(-v.fval());
                            } else {
                                let r =
                                    tryp!(self.unary_slow(TagMethod::Unm, v, Culprit::reg(i.b())));
                                reg!(i.a()) = r;
                            }
                        }
                        OpCode::BNOT => {
                            let v = reg!(i.b());
                            if v.tag == TAG_INT {
                                reg!(i.a()) = Value::int(!v.ival());
                            } else if let (true, Some(x)) =
                                (v.is_float(), arith::to_integer_strict(v))
                            {
                                reg!(i.a()) = Value::int(!x);
                            } else {
                                let r =
                                    tryp!(self.unary_slow(TagMethod::BNot, v, Culprit::reg(i.b())));
                                reg!(i.a()) = r;
                            }
                        }
                        OpCode::NOT => {
                            reg!(i.a()) = Value::bool(reg!(i.b()).is_falsy());
                        }
                        OpCode::LEN => {
                            let v = reg!(i.b());
                            if v.tag == TAG_TABLE
                                && (*(v.payload as *mut LuaTable)).metatable.is_null()
                            {
                                reg!(i.a()) = Value::int((*(v.payload as *mut LuaTable)).length());
                            } else if v.tag == TAG_STR {
                                reg!(i.a()) = Value::int(
                                    (*(v.payload as *mut super::string::LuaString)).len() as i64,
                                );
                            } else {
                                let r = tryp!(self.len_slow(v, Culprit::reg(i.b())));
                                reg!(i.a()) = r;
                            }
                        }
                        OpCode::CONCAT => {
                            let a = i.a();
                            let n = i.b() as usize;
                            tryp!(self.concat_stack(base_idx + a as usize, n, a));
                            gc_check!();
                        }
                        OpCode::CLOSE => {
                            let level = base_idx + i.a() as usize;
                            self.close_upvals(level);
                            if (&(*th).tbc).last().is_some_and(|&t| t >= level) {
                                tryp!(self.close_tbc(level, None));
                            }
                        }
                        OpCode::TBC => {
                            let p = &*proto;
                            let name = super::debug::local_name(p, i.a() as usize + 1, pc - 1)
                                .unwrap_or(b"?")
                                .to_vec();
                            tryp!(self.new_tbc(base_idx + i.a() as usize, &name));
                        }
                        OpCode::JMP => {
                            dojump!(i.sj_field());
                        }
                        OpCode::EQ => {
                            let (a, b) = (reg!(i.a()), reg!(i.b()));
                            let cond = if a.tag == b.tag
                                && a.tag != TAG_TABLE
                                && a.tag != TAG_USERDATA
                                && a.tag != TAG_FLOAT
                                && a.tag != TAG_STR
                            {
                                a.payload == b.payload
                            } else if a.tag != b.tag && !(a.is_number() && b.is_number()) {
                                false
                            } else {
                                tryp!(self.eq_values(a, b))
                            };
                            condjump!(cond, i);
                        }
                        OpCode::LT => {
                            let (a, b) = (reg!(i.a()), reg!(i.b()));
                            let cond = if a.tag == TAG_INT && b.tag == TAG_INT {
                                a.ival() < b.ival()
                            } else if a.is_number() && b.is_number() {
                                arith::num_lt(a, b)
                            } else {
                                tryp!(self.less_than(a, b))
                            };
                            condjump!(cond, i);
                        }
                        OpCode::LE => {
                            let (a, b) = (reg!(i.a()), reg!(i.b()));
                            let cond = if a.tag == TAG_INT && b.tag == TAG_INT {
                                a.ival() <= b.ival()
                            } else if a.is_number() && b.is_number() {
                                arith::num_le(a, b)
                            } else {
                                tryp!(self.less_equal(a, b))
                            };
                            condjump!(cond, i);
                        }
                        OpCode::EQK => {
                            let cond = reg!(i.a()).raw_eq(k!(i.b()));
                            condjump!(cond, i);
                        }
                        OpCode::EQI => {
                            let a = reg!(i.a());
                            let im = i.sb() as i64;
                            let cond = match a.tag {
                                TAG_INT => a.ival() == im,
                                TAG_FLOAT => a.fval() == im as f64,
                                _ => false,
                            };
                            condjump!(cond, i);
                        }
                        OpCode::LTI | OpCode::LEI | OpCode::GTI | OpCode::GEI => {
                            let a = reg!(i.a());
                            let im = i.sb() as i64;
                            let op = opcode_of(i);
                            let cond = if a.tag == TAG_INT {
                                let x = a.ival();
                                match op {
                                    OpCode::LTI => x < im,
                                    OpCode::LEI => x <= im,
                                    OpCode::GTI => x > im,
                                    _ => x >= im,
                                }
                            } else if a.tag == TAG_FLOAT {
                                let (x, y) = (a.fval(), im as f64);
                                match op {
                                    OpCode::LTI => x < y,
                                    OpCode::LEI => x <= y,
                                    OpCode::GTI => x > y,
                                    _ => x >= y,
                                }
                            } else {
                                let imv = if i.c() != 0 {
                                    Value::float(im as f64)
                                } else {
                                    Value::int(im)
                                };
                                match op {
                                    OpCode::LTI => tryp!(self.less_than(a, imv)),
                                    OpCode::LEI => tryp!(self.less_equal(a, imv)),
                                    OpCode::GTI => tryp!(self.less_than(imv, a)),
                                    _ => tryp!(self.less_equal(imv, a)),
                                }
                            };
                            condjump!(cond, i);
                        }
                        OpCode::TEST => {
                            let cond = reg!(i.a()).is_truthy();
                            condjump!(cond, i);
                        }
                        OpCode::TESTSET => {
                            let rb = reg!(i.b());
                            if rb.is_falsy() == i.k() {
                                pc += 1;
                            } else {
                                reg!(i.a()) = rb;
                                let ni = *code.add(pc);
                                pc += 1;
                                dojump!(ni.sj_field());
                            }
                        }
                        OpCode::CALL => {
                            let a = i.a() as usize;
                            let b = i.b() as usize;
                            let nresults = i.c() as i32 - 1;
                            let func = base_idx + a;
                            if b != 0 {
                                (*th).top = func + b;
                            }
                            savepc!();
                            let fv = (*th).get(func);
                            feedback!(crate::vm::function::call_feedback(fv));
                            if fv.tag == TAG_LCL {
                                // Lua→Lua call: push the frame and continue in the callee.
                                self.push_lua_frame(func, fv, nresults)?;
                                continue 'newframe;
                            }
                            match self.precall(func, nresults) {
                                Ok(true) => continue 'newframe,
                                Ok(false) => {
                                    if nresults >= 0 {
                                        (*th).top = ci_top;
                                    }
                                    if (self.hook_mask != 0) != hooked {
                                        // A native (debug.sethook) changed the hook: reload.
                                        continue 'newframe;
                                    }
                                }
                                Err(e) => return Err(e),
                            }
                        }
                        OpCode::TAILCALL => {
                            let a = i.a() as usize;
                            let b = i.b() as usize;
                            let mut func = base_idx + a;
                            if b != 0 {
                                (*th).top = func + b;
                            }
                            savepc!();
                            feedback!(crate::vm::function::call_feedback((*th).get(func)));
                            if i.k() {
                                self.close_upvals(base_idx);
                            }
                            // Resolve __call before moving.
                            loop {
                                let f = (*th).get(func);
                                if f.tag == TAG_LCL || f.tag == TAG_NATIVE {
                                    break;
                                }
                                self.insert_call_tm(func, f)?;
                            }
                            let cur = *(&(*th).ci).get_unchecked(ci_idx);
                            let delta = if i.c() != 0 {
                                cur.nextraargs as usize + i.c() as usize
                            } else {
                                0
                            };
                            let f = (*th).get(func);
                            if f.tag == TAG_NATIVE {
                                // Run it, then return its results from this frame.
                                self.precall(func, -1)?;
                                let n = (*th).top - func;
                                if delta != 0 {
                                    (&mut (*th).ci).get_unchecked_mut(ci_idx).func -= delta;
                                }
                                if hooked {
                                    self.hook_return(ci_idx, func, n)?;
                                }
                                if self.finish_return(ci_idx, func, n) {
                                    return Ok(true);
                                }
                                continue 'newframe;
                            }
                            // Lua function: move it and its arguments down to the frame's base.
                            let dst = cur.func - delta;
                            let nargs = (*th).top - func - 1;
                            for j in 0..=nargs {
                                let v = (*th).get(func + j);
                                (*th).set(dst + j, v);
                            }
                            func = dst;
                            (*th).top = dst + 1 + nargs;
                            let status = cur.status & CIST_FRESH;
                            (&mut (*th).ci).pop();
                            match self.precall(func, cur.nresults) {
                                Ok(_) => {
                                    let last = (&(*th).ci).len() - 1;
                                    (&mut (*th).ci)[last].status |= status | CIST_TAIL;
                                    continue 'newframe;
                                }
                                Err(e) => {
                                    return Err(e);
                                }
                            }
                        }
                        OpCode::RETURN => {
                            let a = i.a() as usize;
                            let mut n = i.b() as isize - 1;
                            let ra = base_idx + a;
                            if n < 0 {
                                n = ((*th).top - ra) as isize;
                            }
                            let n = n as usize;
                            if i.k() {
                                savepc!();
                                (*th).top = (ra + n).max(ci_top);
                                self.close_upvals(base_idx);
                                if (&(*th).tbc).last().is_some_and(|&t| t >= base_idx) {
                                    tryp!(self.close_tbc(base_idx, None));
                                }
                            }
                            if i.c() != 0 {
                                let cur = (&mut (*th).ci).get_unchecked_mut(ci_idx);
                                cur.func -= cur.nextraargs as usize + i.c() as usize;
                            }
                            if hooked {
                                savepc!();
                                (*th).top = (ra + n).max(ci_top);
                                self.hook_return(ci_idx, ra, n)?;
                            }
                            if self.finish_return(ci_idx, ra, n) {
                                return Ok(true);
                            }
                            continue 'newframe;
                        }
                        OpCode::RETURN0 => {
                            if hooked {
                                tryp!(self.hook_return(ci_idx, base_idx + i.a() as usize, 0));
                            }
                            let cur = *(&(*th).ci).get_unchecked(ci_idx);
                            let res = cur.func;
                            let wanted = cur.nresults;
                            (&mut (*th).ci).pop();
                            if wanted > 0 {
                                for j in 0..wanted as usize {
                                    (*th).set(res + j, Value::NIL);
                                }
                                (*th).top = res + wanted as usize;
                            } else {
                                (*th).top = res;
                            }
                            if cur.status & CIST_FRESH != 0 {
                                return Ok(true);
                            }
                            self.after_return(wanted);
                            continue 'newframe;
                        }
                        OpCode::RETURN1 => {
                            if hooked {
                                tryp!(self.hook_return(ci_idx, base_idx + i.a() as usize, 1));
                            }
                            let cur = *(&(*th).ci).get_unchecked(ci_idx);
                            let res = cur.func;
                            let wanted = cur.nresults;
                            let v = reg!(i.a());
                            (&mut (*th).ci).pop();
                            if wanted == 0 {
                                (*th).top = res;
                            } else {
                                (*th).set(res, v);
                                let mut t = res + 1;
                                if wanted > 1 {
                                    for j in 1..wanted as usize {
                                        (*th).set(res + j, Value::NIL);
                                    }
                                    t = res + wanted as usize;
                                }
                                (*th).top = t;
                            }
                            if cur.status & CIST_FRESH != 0 {
                                return Ok(true);
                            }
                            self.after_return(wanted);
                            continue 'newframe;
                        }
                        OpCode::FORLOOP => {
                            let a = i.a();
                            let step = reg!(a + 2);
                            if step.tag == TAG_INT {
                                let count = reg!(a + 1).payload;
                                if count > 0 {
                                    reg!(a + 1).payload = count - 1;
                                    let idx = reg!(a).ival().wrapping_add(step.ival());
                                    reg!(a) = Value::int(idx);
                                    reg!(a + 3) = Value::int(idx);
                                    pc -= i.bx() as usize;
                                    backedge!();
                                }
                            } else {
                                let step = step.fval();
                                let limit = reg!(a + 1).fval();
                                let idx = reg!(a).fval() + step;
                                if if step > 0.0 {
                                    idx <= limit
                                } else {
                                    limit <= idx
                                } {
                                    reg!(a) = Value::float(idx);
                                    reg!(a + 3) = Value::float(idx);
                                    pc -= i.bx() as usize;
                                    backedge!();
                                }
                            }
                        }
                        OpCode::FORPREP => {
                            let skip = tryp!(self.for_prep(base, i.a()));
                            if skip {
                                pc += i.bx() as usize + 1;
                            }
                        }
                        OpCode::TFORPREP => {
                            let a = i.a() as usize;
                            if reg!(a + 3).is_truthy() {
                                tryp!(self.new_tbc(base_idx + a + 3, b"(for state)"));
                            }
                            pc += i.bx() as usize;
                        }
                        OpCode::TFORCALL => {
                            let a = i.a() as usize;
                            reg!(a + 4) = reg!(a);
                            reg!(a + 5) = reg!(a + 1);
                            reg!(a + 6) = reg!(a + 2);
                            let func = base_idx + a + 4;
                            (*th).top = func + 3;
                            savepc!();
                            match self.precall(func, i.c() as i32) {
                                Ok(true) => continue 'newframe,
                                Ok(false) => (*th).top = ci_top,
                                Err(e) => return Err(e),
                            }
                        }
                        OpCode::TFORLOOP => {
                            let a = i.a() as usize;
                            let v = reg!(a + 4);
                            if !v.is_nil() {
                                reg!(a + 2) = v;
                                pc -= i.bx() as usize;
                                backedge!();
                            }
                        }
                        OpCode::SETLIST => {
                            let a = i.a() as usize;
                            let mut n = i.b() as usize;
                            let mut last = i.c() as usize;
                            if n == 0 {
                                n = (*th).top - (base_idx + a) - 1;
                            }
                            if i.k() {
                                last += (*code.add(pc)).ax_field() as usize
                                    * (crate::opcode::MAX_ARG_C as usize + 1);
                                pc += 1;
                            }
                            let t = reg!(a).payload as *mut LuaTable;
                            self.set_list(t, last, base.add(a + 1), n);
                            (*th).top = ci_top;
                        }
                        OpCode::CLOSURE => {
                            let p = *(&(*proto).protos).get_unchecked(i.bx() as usize);
                            let ncl = self.new_lclosure(p, base_idx, upvals);
                            reg!(i.a()) = Value::from_ptr(TAG_LCL, ncl);
                            gc_check!();
                        }
                        OpCode::VARARG => {
                            savepc!();
                            tryp!(self.vararg_copy(ci_idx, i.a() as usize, i.c()));
                        }
                        OpCode::VARARGPREP => {
                            self.vararg_prep(ci_idx, i.a() as usize);
                            let c = *(&(*th).ci).get_unchecked(ci_idx);
                            base_idx = c.base;
                            ci_top = c.top;
                            base = (*th).stack.add(base_idx);
                            if hooked {
                                // The call hook of a vararg function runs now (lvm.c OP_VARARGPREP);
                                // the next instruction then counts as a new line.
                                savepc!();
                                self.hook_lua_call(ci_idx)?;
                                self.hook_oldpc = 1;
                            }
                        }
                        OpCode::EXTRAARG => {}
                    }
                }
            }
        }
    }

    /// Finish a return from frame `ci_idx` with `n` results at `first`: move them, pop the frame.
    /// Returns `true` when the frame was the fresh entry frame (the dispatch loop must exit).
    #[inline(always)]
    pub(crate) fn finish_return(&mut self, ci_idx: usize, first: usize, n: usize) -> bool {
        let th = self.th_mut();
        let cur = th.ci[ci_idx];
        th.ci.pop();
        self.move_results(cur.func, first, n, cur.nresults);
        if cur.status & CIST_FRESH != 0 {
            return true;
        }
        self.after_return(cur.nresults);
        false
    }

    /// `SETLIST`'s stores (lvm.c `OP_SETLIST`): `t[last + j] = src[j - 1]` for `j` in `1..=n`,
    /// growing the array part first when it is too small (a table constructor's list items).
    /// Shared with compiled code.
    ///
    /// # Safety
    /// `t` is a live table; `src` points to `n` readable values (registers of the running
    /// frame).
    pub(crate) unsafe fn set_list(
        &mut self,
        t: *mut LuaTable,
        last: usize,
        src: *const Value,
        n: usize,
    ) {
        // SAFETY: caller contract; after the resize the array part has at least `last + n`
        // slots.
        unsafe {
            let end = last + n;
            if end > (*t).asize as usize {
                let nh = (*t).node_len();
                let d = (*t).resize(end, nh);
                self.heap.adjust(d);
            }
            for j in 0..n {
                *(*t).array.add(last + j) = *src.add(j);
            }
        }
    }

    /// `CLOSURE`: a new closure of `p` whose upvalues are the enclosing frame's registers
    /// (open upvalues found or created at stack level `base_idx + index`) or the enclosing
    /// closure's upvalues `upvals[index]`, as `p`'s upvalue descriptions say (lvm.c
    /// `pushclosure`). Allocates; the caller runs the GC check. Shared with compiled code.
    ///
    /// # Safety
    /// `p` is a live child proto of the running frame's proto; `upvals` is that frame's
    /// closure's upvalue array (at least as long as every `index` of a non-stack upvalue).
    pub(crate) unsafe fn new_lclosure(
        &mut self,
        p: *mut Proto,
        base_idx: usize,
        upvals: *const *mut super::function::UpVal,
    ) -> *mut LuaClosure {
        // SAFETY: caller contract.
        unsafe {
            let nup = (&(*p).src.upvalues).len();
            let ncl = self.alloc_lclosure(p, nup);
            for (j, d) in (&(*p).src.upvalues).iter().enumerate() {
                let u = if d.in_stack {
                    self.find_upval(base_idx + d.index as usize)
                } else {
                    *upvals.add(d.index as usize)
                };
                *(&mut (*ncl).upvals).as_mut_ptr().add(j) = u;
            }
            ncl
        }
    }

    /// `VARARG A C` for the frame `ci_idx` (lvm.c `luaT_getvarargs`): copy `C - 1` extra
    /// arguments (all of them, setting `top`, when `C == 0`) to the registers from `A`.
    /// Errors: "stack overflow" when all of them do not fit. Shared with compiled code.
    pub(crate) fn vararg_copy(&mut self, ci_idx: usize, a: usize, c: u32) -> LuaResult<()> {
        let th = self.th_mut();
        let cur = th.ci[ci_idx];
        let base_idx = cur.base;
        let nextra = cur.nextraargs as usize;
        let wanted = c as isize - 1;
        let n = if wanted < 0 { nextra } else { wanted as usize };
        if wanted < 0 {
            if base_idx + a + n > super::thread::LUAI_MAXSTACK {
                return Err(self.stack_overflow());
            }
            th.top = base_idx + a + n;
            if th.top > th.hwm {
                th.hwm = th.top;
            }
        }
        for j in 0..n {
            let v = if j < nextra {
                th.get(cur.func - nextra + j)
            } else {
                Value::NIL
            };
            th.set(base_idx + a + j, v);
        }
        Ok(())
    }

    /// `VARARGPREP` (lvm.c `luaT_adjustvarargs`) for the frame `ci_idx` with `nfix` fixed
    /// parameters: copy the function and the fixed parameters above the actual arguments, so
    /// the extra arguments stay below the new `func`; moves the frame's `func`/`base`/`top`
    /// up and sets `nextraargs` and the thread's `top`. Shared with compiled code
    /// (`jit/call.rs`), which re-enters at pc 1 with the new base.
    pub(crate) fn vararg_prep(&mut self, ci_idx: usize, nfix: usize) {
        let th = self.th_mut();
        let cur = th.ci[ci_idx];
        let actual = th.top - cur.func - 1;
        let nextra = actual.saturating_sub(nfix);
        let newfunc = th.top;
        // Copy the function and the fixed parameters above the varargs.
        let fv = th.get(cur.func);
        th.set(newfunc, fv);
        for j in 1..=nfix {
            let v = th.get(cur.func + j);
            th.set(newfunc + j, v);
            th.set(cur.func + j, Value::NIL);
        }
        let shift = actual + 1;
        let c = &mut th.ci[ci_idx];
        c.nextraargs = nextra as u32;
        c.func += shift;
        c.base += shift;
        c.top += shift;
        let top = c.top;
        th.top = top;
        if top > th.hwm {
            th.hwm = top;
        }
    }

    /// After returning into a Lua caller: restore its `top` when it wanted a fixed count.
    #[inline(always)]
    fn after_return(&mut self, wanted: i32) {
        if wanted >= 0 {
            let th = self.th_mut();
            let t = th.ci.last().map(|c| c.top).unwrap_or(th.top);
            th.top = t;
        }
    }

    /// Store slow path (metamethods, new keys on tables with metatables, errors).
    #[inline(never)]
    fn set_slow(&mut self, t: Value, key: Value, v: Value, c: Culprit) -> LuaResult<()> {
        if let Some(tp) = t.as_table_ptr() {
            // SAFETY: live table.
            let mt = unsafe { (*tp).metatable };
            if mt.is_null() || self.metamethod(t, TagMethod::NewIndex).is_nil() {
                return self.raw_set_table(tp, key, v);
            }
        }
        self.newindex_slow(t, key, v, c)
    }

    /// `forprep`: prepare a numeric for loop at registers `a..a+3`; `Ok(true)` to skip the loop.
    fn for_prep(&mut self, base: *mut Value, a: u32) -> LuaResult<bool> {
        // SAFETY: a..a+3 are registers of the running frame.
        unsafe {
            let ra = base.add(a as usize);
            let init = *ra;
            let limit = *ra.add(1);
            let step = *ra.add(2);
            if init.tag == TAG_INT && step.tag == TAG_INT {
                let (iv, st) = (init.ival(), step.ival());
                if st == 0 {
                    return Err(self.runtime_error("'for' step is zero"));
                }
                *ra.add(3) = init;
                let lim = match self.for_limit(limit, st)? {
                    Some(l) => l,
                    None => return Ok(true),
                };
                if if st > 0 { iv > lim } else { iv < lim } {
                    return Ok(true);
                }
                let count: u64 = if st > 0 {
                    let c = (lim as u64).wrapping_sub(iv as u64);
                    if st != 1 { c / st as u64 } else { c }
                } else {
                    let c = (iv as u64).wrapping_sub(lim as u64);
                    c / ((-(st + 1)) as u64 + 1)
                };
                *ra.add(1) = Value::int(count as i64);
                Ok(false)
            } else {
                let Some(fl) = arith::to_float(limit) else {
                    return Err(self.for_error(limit, "limit"));
                };
                let Some(fs) = arith::to_float(step) else {
                    return Err(self.for_error(step, "step"));
                };
                let Some(fi) = arith::to_float(init) else {
                    return Err(self.for_error(init, "initial value"));
                };
                if fs == 0.0 {
                    return Err(self.runtime_error("'for' step is zero"));
                }
                if if fs > 0.0 { fl < fi } else { fi < fl } {
                    return Ok(true);
                }
                *ra = Value::float(fi);
                *ra.add(1) = Value::float(fl);
                *ra.add(2) = Value::float(fs);
                *ra.add(3) = Value::float(fi);
                Ok(false)
            }
        }
    }

    /// `forlimit`: the integer limit of an integer loop, or None when the loop must not run.
    fn for_limit(&mut self, limit: Value, step: i64) -> LuaResult<Option<i64>> {
        if limit.tag == TAG_INT {
            return Ok(Some(limit.ival()));
        }
        let Some(fl) = arith::to_float(limit) else {
            return Err(self.for_error(limit, "limit"));
        };
        if let Some(n) = arith::to_number(limit).and_then(|v| v.as_int()) {
            return Ok(Some(n));
        }
        if fl.is_nan() {
            return Ok(None);
        }
        let l = if step < 0 {
            arith::float_ceil_to_int(fl)
        } else {
            arith::float_floor_to_int(fl)
        };
        Ok(match l {
            Some(l) => Some(l),
            // Out of the integer range: clip, or skip the loop when it cannot run at all.
            None if fl > 0.0 => (step >= 0).then_some(i64::MAX),
            None => (step <= 0).then_some(i64::MIN),
        })
    }

    fn for_error(&mut self, v: Value, what: &str) -> super::LuaError {
        let m = format!(
            "bad 'for' {} (number expected, got {})",
            what,
            self.obj_typename(v)
        );
        self.runtime_error(&m)
    }
}

#[inline(always)]
fn pow(x: f64, y: f64) -> f64 {
    if y == 2.0 { x * x } else { x.powf(y) }
}

/// Lookup with a string-constant key (short strings by pointer; long ones generically).
#[inline(always)]
unsafe fn get_str_key(t: *mut LuaTable, key: Value) -> Value {
    // SAFETY: caller passes a live table; key is a constant string (live via the proto).
    unsafe {
        if key.tag == TAG_STR && (*(key.payload as *mut super::string::LuaString)).short {
            (*t).get_short_str(key.payload as *mut super::string::LuaString)
        } else {
            (*t).get(key)
        }
    }
}

/// Fast store: succeeds only when the key (a short string or an integer) already has a non-nil
/// value, so no `__newindex` can be involved; new keys go through `set_slow`.
#[inline(always)]
unsafe fn fast_set(t: *mut LuaTable, key: Value, v: Value) -> bool {
    // SAFETY: caller passes a live table.
    unsafe {
        let short_str =
            key.tag == TAG_STR && (*(key.payload as *mut super::string::LuaString)).short;
        if !short_str && key.tag != TAG_INT {
            return false;
        }
        let slot = (*t).slot(key);
        match slot {
            Some(s) if !(*s).is_nil() => {
                *s = v;
                true
            }
            _ => false,
        }
    }
}
