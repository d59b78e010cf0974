//! Instructions that allocate, run metamethods or call, performed for compiled code without
//! leaving it: `NEWTABLE`, `CONCAT`, `CLOSURE`, `BNOT` of non-integers, `TBC`, `CLOSE` (upvalues and to-be-closed
//! variables, whose `__close` handlers run here), `MMBIN`/`MMBINI`/`MMBINK`, `LEN` on values with `__len` (or
//! non-tables), `TFORCALL`, `SETLIST`, `VARARG`, the slow paths of table
//! reads and stores (`GETTABLE`/`GETI`/`GETFIELD` with `__index`, `SETTABLE`/`SETI`/
//! `SETFIELD`/`SETTABUP` with `__newindex` or a new key that needs a rehash), and `TAILCALL`
//! (of a native: the frame ends, [`FRAME_RETURNED`]; of a Lua closure: the frame is replaced,
//! [`TAIL_CALLED`]).
//!
//! Without this helper each of them is an exit: the interpreter runs the instruction and the
//! rest of the loop iteration, and compiled code is re-entered only at the next back-edge, so
//! a single `NEWTABLE` or `..` in a loop body keeps most of the body interpreted.
//!
//! `jit_op(vm, base, pc, insn) -> u64` follows the protocol of [`super::call::jit_call`]
//! (`CALL_DONE`, a pc to leave at, or `CALL_ERROR`), and performs the instruction with the
//! very functions the interpreter uses (`alloc_table`, `concat_stack`, `arith_slow`, ...), so
//! results, error messages and metamethod behaviour are the interpreter's. Like the
//! interpreter, it saves the pc (`savedpc = pc + 1`) and exposes the whole frame
//! (`top = ci.top`) before anything that can raise or collect, and runs the GC step the
//! interpreter runs after an allocating instruction.

#![allow(
    clippy::needless_borrow,
    reason = "explicit `&(*ptr).field` borrows are required by rustc's dangerous_implicit_autorefs lint"
)]

use super::call::{CALL_DONE, CALL_ERROR, FRAME_RETURNED, TAIL_CALLED};
use crate::opcode::{Instruction, OpCode, TagMethod};
use crate::vm::Vm;
use crate::vm::error::LuaResult;
use crate::vm::function::{FEEDBACK_OTHER, LuaClosure};
use crate::vm::meta::Culprit;
use crate::vm::thread::LuaThread;
use crate::vm::value::{TAG_INT, TAG_LCL, TAG_TABLE, Value};

/// Perform the instruction `insn` at `pc` of the running compiled frame (see the module doc).
///
/// # Safety
/// As [`super::call::jit_call`]: `vm` is the running VM, `base` the register 0 of its top
/// frame (a Lua frame running compiled code for the proto whose instruction `pc` is `insn`).
pub unsafe extern "C-unwind" fn jit_op(vm: *mut Vm, base: *mut Value, pc: u64, insn: u32) -> u64 {
    // SAFETY: caller contract (see `jit_call`).
    let vm = unsafe { &mut *vm };
    let i = Instruction(insn);
    let r = if i.op() == OpCode::NEWTABLE && !i.k() {
        // The common allocation, without the frame bookkeeping of `jit_op_impl`: that is
        // needed only when a collection runs.
        let t = vm.alloc_table(i.c() as usize, newtable_hash_size(i.b()));
        // SAFETY: caller contract: register A is a slot of the running frame.
        unsafe { *base.add(i.a() as usize) = Value::table(t) };
        if !vm.heap.due() {
            return CALL_DONE;
        }
        // SAFETY: caller contract.
        unsafe { vm.jit_gc_step(pc as usize) }.map(|()| CALL_DONE)
    } else {
        // SAFETY: caller contract.
        unsafe { vm.jit_op_impl(base, pc as usize, i) }
    };
    match r {
        Ok(r) => r,
        Err(e) => {
            vm.jit.pending_error = Some(e);
            CALL_ERROR
        }
    }
}

/// Hash-part size of `NEWTABLE` with field B (`B > 0`: `2^(B-1)` slots, lvm.c `OP_NEWTABLE`).
#[inline(always)]
fn newtable_hash_size(b: u32) -> usize {
    if b > 0 { 1usize << (b - 1) } else { 0 }
}

impl Vm {
    /// The collection the interpreter's `gc_check!` runs after an allocating instruction at
    /// `pc` of the running compiled frame: saves the pc and exposes the whole frame first.
    ///
    /// # Safety
    /// As [`jit_op`]: the running thread's top frame is the compiled Lua frame.
    #[cold]
    unsafe fn jit_gc_step(&mut self, pc: usize) -> LuaResult<()> {
        let th: *mut LuaThread = self.th;
        // SAFETY: caller contract: the running thread has this compiled frame on top.
        unsafe {
            if let Some(ci) = (&mut (*th).ci).last_mut() {
                ci.savedpc = pc + 1;
                (*th).top = ci.top;
            }
        }
        self.gc_slow()
    }

    /// Body of [`jit_op`].
    ///
    /// # Safety
    /// As [`jit_op`].
    unsafe fn jit_op_impl(
        &mut self,
        base: *mut Value,
        pc: usize,
        i: Instruction,
    ) -> LuaResult<u64> {
        let th: *mut LuaThread = self.th;
        // SAFETY: (whole block) `th` is the running thread and its top frame the compiled Lua
        // frame with register 0 at `base`; register indices are below max_stack (front-end
        // invariant); the frame's closure (in its function slot) and proto are live.
        unsafe {
            let ci_idx = (&(*th).ci).len() - 1;
            let ci = *(&(*th).ci).get_unchecked(ci_idx);
            let base_idx = base.offset_from((*th).stack) as usize;
            let cl = (*th).get(ci.func).payload as *mut LuaClosure;
            let proto = (*cl).proto;
            let reg = |r: u32| base.add(r as usize);
            // As the interpreter's `protect!`: exact position and whole frame visible. Like
            // the interpreter (and lvm.c's `checkGC`), NEWTABLE, CLOSURE and SETLIST save the pc
            // only when a collection runs: unprotected errors later report that pc's line.
            let save =
                |th: *mut LuaThread| (&mut (*th).ci).get_unchecked_mut(ci_idx).savedpc = pc + 1;
            if !matches!(i.op(), OpCode::NEWTABLE | OpCode::CLOSURE | OpCode::SETLIST) {
                save(th);
            }
            let protect = |th: *mut LuaThread| (*th).top = ci.top;
            // NEWTABLE/SETLIST with `k`: the high part of C is in the next instruction, an
            // EXTRAARG (lopcodes.h), scaled by `MAX_ARG_C + 1`.
            let extra_arg = || {
                if i.k() {
                    let code = (*proto).code();
                    code.get(pc + 1).map_or(0, |x| x.ax_field() as usize)
                        * (crate::opcode::MAX_ARG_C as usize + 1)
                } else {
                    0
                }
            };
            match i.op() {
                OpCode::NEWTABLE => {
                    let nh = newtable_hash_size(i.b());
                    let t = self.alloc_table(i.c() as usize + extra_arg(), nh);
                    *reg(i.a()) = Value::table(t);
                }
                OpCode::CONCAT => {
                    protect(th);
                    self.concat_stack(base_idx + i.a() as usize, i.b() as usize, i.a())?;
                }
                OpCode::CLOSURE => {
                    let p = *(&(*proto).protos).get_unchecked(i.bx() as usize);
                    let ncl = self.new_lclosure(p, base_idx, (&(*cl).upvals).as_ptr());
                    *reg(i.a()) = Value::from_ptr(TAG_LCL, ncl);
                }
                OpCode::MMBIN | OpCode::MMBINI | OpCode::MMBINK => {
                    protect(th);
                    let code = (*proto).code();
                    let Some(pi) = pc.checked_sub(1).and_then(|p| code.get(p)) else {
                        return Ok(pc as u64);
                    };
                    let tm = TagMethod::from_u32(i.c()).unwrap_or(TagMethod::Add);
                    let ra = *reg(i.a());
                    let r = match i.op() {
                        OpCode::MMBIN => {
                            let f = (&(*proto).feedback).get_unchecked(pc);
                            f.set(f.get() | FEEDBACK_OTHER);
                            self.arith_slow(
                                tm,
                                ra,
                                *reg(i.b()),
                                Culprit::reg(i.a()),
                                Culprit::reg(i.b()),
                            )?
                        }
                        op => {
                            let other = if op == OpCode::MMBINI {
                                Value::int(i.sb() as i64)
                            } else {
                                *(&(*proto).k).as_ptr().add(i.b() as usize)
                            };
                            if i.k() {
                                self.arith_slow(tm, other, ra, Culprit::NONE, Culprit::reg(i.a()))?
                            } else {
                                self.arith_slow(tm, ra, other, Culprit::reg(i.a()), Culprit::NONE)?
                            }
                        }
                    };
                    *reg(pi.a()) = r;
                    return Ok(self.jit_op_continue(pc));
                }
                OpCode::GETTABLE | OpCode::GETI | OpCode::GETFIELD => {
                    // The fast path (raw hit, or a miss without `__index`) failed in compiled
                    // code: `luaV_finishget` as the interpreter does it.
                    protect(th);
                    let key = match i.op() {
                        OpCode::GETTABLE => *reg(i.c()),
                        OpCode::GETI => Value::int(i.c() as i64),
                        _ => *(&(*proto).k).as_ptr().add(i.c() as usize),
                    };
                    let v = self.index_slow(*reg(i.b()), key, Culprit::reg(i.b()))?;
                    *reg(i.a()) = v;
                    return Ok(self.jit_op_continue(pc));
                }
                OpCode::SETTABLE | OpCode::SETI | OpCode::SETFIELD | OpCode::SETTABUP => {
                    // The fast path (an existing slot, or a new key that fits) failed:
                    // `luaV_finishset` (`__newindex`, a rehash, key errors).
                    protect(th);
                    let k = |n: u32| *(&(*proto).k).as_ptr().add(n as usize);
                    let key = match i.op() {
                        OpCode::SETTABLE => *reg(i.b()),
                        OpCode::SETI => Value::int(i.b() as i64),
                        _ => k(i.b()),
                    };
                    let v = if i.k() { k(i.c()) } else { *reg(i.c()) };
                    let (t, culprit) = if i.op() == OpCode::SETTABUP {
                        let u = *(&(*cl).upvals).get_unchecked(i.a() as usize);
                        (*(*u).v, Culprit::upval(i.a()))
                    } else {
                        (*reg(i.a()), Culprit::reg(i.a()))
                    };
                    self.newindex_slow(t, key, v, culprit)?;
                    return Ok(self.jit_op_continue(pc));
                }
                OpCode::LEN => {
                    protect(th);
                    let r = self.len_slow(*reg(i.b()), Culprit::reg(i.b()))?;
                    *reg(i.a()) = r;
                    return Ok(self.jit_op_continue(pc));
                }
                OpCode::TFORCALL => {
                    let a = i.a();
                    if let Some((k, v)) = self.tfor_fast(*reg(a), *reg(a + 1), *reg(a + 2)) {
                        // `next` / ipairs' iterator on a plain table: no call frame needed.
                        for j in 0..i.c() {
                            *reg(a + 4 + j) = match j {
                                0 => k,
                                1 => v,
                                _ => Value::NIL,
                            };
                        }
                        return Ok(CALL_DONE);
                    }
                    *reg(a + 4) = *reg(a);
                    *reg(a + 5) = *reg(a + 1);
                    *reg(a + 6) = *reg(a + 2);
                    let func = base_idx + a as usize + 4;
                    return self.jit_call_value(func, Some(func + 3), i.c() as i32, pc);
                }
                OpCode::VARARG => {
                    self.vararg_copy(ci_idx, i.a() as usize, i.c())?;
                    return Ok(CALL_DONE);
                }
                OpCode::CLOSE => {
                    // Upvalues, then to-be-closed variables: their `__close` handlers run
                    // here as in the interpreter (they may raise, which travels as the error
                    // of this helper, or yield, which suspends this native stack).
                    let level = base_idx + i.a() as usize;
                    self.close_upvals(level);
                    if (&(*th).tbc).last().is_some_and(|&t| t >= level) {
                        protect(th);
                        self.close_tbc(level, None)?;
                        return Ok(self.jit_op_continue(pc));
                    }
                    return Ok(CALL_DONE);
                }
                OpCode::BNOT => {
                    // Not an integer (compiled code does those): a float with an exact
                    // integer value, or `__bnot`, as the interpreter does it.
                    protect(th);
                    let v = *reg(i.b());
                    let r = if let (true, Some(x)) =
                        (v.is_float(), crate::vm::arith::to_integer_strict(v))
                    {
                        Value::int(!x)
                    } else {
                        self.unary_slow(TagMethod::BNot, v, Culprit::reg(i.b()))?
                    };
                    *reg(i.a()) = r;
                    return Ok(self.jit_op_continue(pc));
                }
                OpCode::TBC => {
                    // Mark R[A] to-be-closed (an error when it has no `__close`), with the
                    // variable's name for that message.
                    protect(th);
                    let name = crate::vm::debug::local_name(&*proto, i.a() as usize + 1, pc)
                        .unwrap_or(b"?")
                        .to_vec();
                    self.new_tbc(base_idx + i.a() as usize, &name)?;
                    return Ok(CALL_DONE);
                }
                OpCode::SETLIST => {
                    let a = i.a() as usize;
                    let n = if i.b() != 0 {
                        i.b() as usize
                    } else {
                        (*th).top - (base_idx + a) - 1
                    };
                    let last = i.c() as usize + extra_arg();
                    let t = (*reg(a as u32)).payload as *mut crate::vm::table::LuaTable;
                    self.set_list(t, last, reg(a as u32 + 1), n);
                    (*th).top = ci.top;
                    return Ok(CALL_DONE);
                }
                OpCode::TAILCALL => {
                    // A native callee runs here with this frame still on the call stack, then
                    // the frame returns its results: exactly the interpreter's TAILCALL of a
                    // native. A Lua callee replaces the frame ([`TAIL_CALLED`]). Values
                    // called through `__call` are left to the interpreter.
                    let a = i.a() as usize;
                    let func = base_idx + a;
                    let ftag = (*th).get(func).tag;
                    if ftag == TAG_LCL {
                        return self.jit_tailcall_lua(ci_idx, base_idx, func, i);
                    }
                    if ftag != crate::vm::value::TAG_NATIVE {
                        return Ok(pc as u64);
                    }
                    if i.b() != 0 {
                        (*th).top = func + i.b() as usize;
                    }
                    if i.k() {
                        self.close_upvals(base_idx);
                    }
                    let delta = if i.c() != 0 {
                        ci.nextraargs as usize + i.c() as usize
                    } else {
                        0
                    };
                    self.precall(func, -1)?;
                    let n = (*th).top - func;
                    if delta != 0 {
                        (&mut (*th).ci).get_unchecked_mut(ci_idx).func -= delta;
                    }
                    self.jit.returned_fresh = self.finish_return(ci_idx, func, n);
                    return Ok(FRAME_RETURNED);
                }
                _ => return Ok(pc as u64),
            }
            // Allocating instructions: the interpreter's `gc_check!`.
            if self.heap.due() {
                self.jit_gc_step(pc)?;
            }
            Ok(CALL_DONE)
        }
    }

    /// `TAILCALL` of the Lua closure in slot `func` from the compiled frame `ci_idx` (register
    /// 0 at `base_idx`), as the interpreter does it: close upvalues (`k`), move the function
    /// and its arguments down to the frame's function slot, pop the frame and push the
    /// callee's, which inherits `CIST_FRESH` and is marked `CIST_TAIL`. Answers
    /// [`TAIL_CALLED`]: whoever ran the compiled code starts the new top frame.
    ///
    /// # Safety
    /// As [`jit_op`]; `func` holds a Lua closure.
    unsafe fn jit_tailcall_lua(
        &mut self,
        ci_idx: usize,
        base_idx: usize,
        func: usize,
        i: Instruction,
    ) -> LuaResult<u64> {
        use crate::vm::thread::{CIST_FRESH, CIST_TAIL};
        let th: *mut LuaThread = self.th;
        // SAFETY: (whole block) caller contract; every index is inside the frame or the
        // caller's part of the stack.
        unsafe {
            if i.b() != 0 {
                (*th).top = func + i.b() as usize;
            }
            if i.k() {
                self.close_upvals(base_idx);
            }
            let cur = *(&(*th).ci).get_unchecked(ci_idx);
            let delta = if i.c() != 0 {
                cur.nextraargs as usize + i.c() as usize
            } else {
                0
            };
            let dst = cur.func - delta;
            let nargs = (*th).top - func - 1;
            for j in 0..=nargs {
                let v = (*th).get(func + j);
                (*th).set(dst + j, v);
            }
            (*th).top = dst + 1 + nargs;
            let status = cur.status & CIST_FRESH;
            (&mut (*th).ci).pop();
            self.precall(dst, cur.nresults)?;
            let last = (&(*th).ci).len() - 1;
            (&mut (*th).ci).get_unchecked_mut(last).status |= status | CIST_TAIL;
            Ok(TAIL_CALLED)
        }
    }

    /// The generic `for` step `f(s, c)` computed without calling `f` when `f` is the `next`
    /// native (or ipairs' iterator) and `s` a table it reads raw, with no debug hook (which
    /// would see the call): the two results (nil, nil at the end), exactly what the library
    /// function returns. `None`: make the call (other functions, `__index` for ipairs, a key
    /// `next` rejects, whose error the call raises with the library's message).
    fn tfor_fast(&self, f: Value, s: Value, c: Value) -> Option<(Value, Value)> {
        use crate::vm::function::NativeClosure;
        use crate::vm::table::LuaTable;
        if f.tag != crate::vm::value::TAG_NATIVE || s.tag != TAG_TABLE || self.hook_mask != 0 {
            return None;
        }
        // SAFETY: a native-function value points to a live native closure, a table value
        // to a live table.
        let (fp, t) = unsafe {
            (
                (*(f.payload as *mut NativeClosure)).f as usize,
                &*(s.payload as *mut LuaTable),
            )
        };
        if fp == crate::stdlib::base::next as crate::vm::api::NativeFn as usize {
            return match t.next(c) {
                Ok(Some(kv)) => Some(kv),
                Ok(None) => Some((Value::NIL, Value::NIL)),
                Err(_) => None,
            };
        }
        if fp == crate::stdlib::base::ipairs_aux as crate::vm::api::NativeFn as usize
            && t.metatable.is_null()
            && c.tag == TAG_INT
        {
            let i = c.ival().wrapping_add(1);
            let v = t.get_int(i);
            return Some(if v.is_nil() {
                (Value::NIL, Value::NIL)
            } else {
                (Value::int(i), v)
            });
        }
        None
    }

    /// After a metamethod ran: continue in compiled code unless it set a debug hook.
    #[inline]
    fn jit_op_continue(&self, pc: usize) -> u64 {
        if self.hook_mask != 0 {
            pc as u64 + 1
        } else {
            CALL_DONE
        }
    }
}
