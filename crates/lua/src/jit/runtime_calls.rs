//! `extern "C"` helpers called by baseline code for operations too bulky to inline.
//!
//! Invariant (the reason compiled code needs no safepoints): every helper here (all but the
//! `CALL` helper of [`super::call`], index 9, and the `jit_op` helper of [`super::ops`],
//! index 10, which have their own protocol) is **pure with
//! respect to the VM**: it never allocates, never runs a metamethod or any Lua code, never
//! raises, never touches the call stack (beyond the running frame's saved pc, as the
//! interpreter saves it), and never panics. When an operation needs any of that,
//! the helper reports [`EXIT`] and the compiled code returns to the interpreter at the
//! instruction, which then performs it exactly as it always does (lvm.c semantics). Each helper
//! mirrors the interpreter's fast path for its opcode in `vm/interp.rs` line for line, so
//! results are identical.
//!
//! Pointer arguments point at 16-byte [`Value`]s in VM stack slots, proto constants or the
//! compiled function's scratch stack slot; table payloads are live tables (reachable from a
//! register or upvalue of the running frame).

use crate::opcode::{OpCode, TagMethod};
use crate::vm::Vm;
use crate::vm::arith;
use crate::vm::string::LuaString;
use crate::vm::table::LuaTable;
use crate::vm::value::*;

/// Helper result: the operation was done; continue with the next instruction.
pub const DONE: i32 = 1;
/// Helper result (arithmetic only): the fast path does not apply; continue at the following
/// `MMBIN*` instruction in the interpreter (exactly what the interpreter's fast path does).
pub const TO_MMBIN: i32 = 0;
/// Helper result: leave to the interpreter at this instruction.
pub const EXIT: i32 = 2;

/// Raw lookup with a string-constant key (the interpreter's `get_str_key`).
///
/// # Safety
/// `t` is a live table, `key` a live value.
unsafe fn get_str_key(t: *mut LuaTable, key: Value) -> Value {
    // SAFETY: caller contract.
    unsafe {
        if key.tag == TAG_STR && (*(key.payload as *mut LuaString)).short {
            (*t).get_short_str(key.payload as *mut LuaString)
        } else {
            (*t).get(key)
        }
    }
}

/// Set the running (compiled) frame's saved pc to `pc + 1`, as the interpreter's `savepc!`
/// does at instruction `pc`, so that errors raised later without saving the pc (lvm.c's
/// unprotected `op_arith`: integer `//` and `%` by zero) report the same line.
///
/// # Safety
/// `vm` is the running VM; its running thread's top frame is the compiled Lua frame.
#[allow(
    clippy::needless_borrow,
    reason = "an explicit borrow is required by rustc's dangerous_implicit_autorefs lint"
)]
unsafe fn save_pc(vm: *const Vm, pc: u64) {
    // SAFETY: caller contract; `th` is the running thread, a live object distinct from `Vm`.
    unsafe {
        let th = (*vm).th;
        if let Some(ci) = (&mut (*th).ci).last_mut() {
            ci.savedpc = pc as usize + 1;
        }
    }
}

/// `GETFIELD`/`GETTABUP`/`SELF` path for a constant key: `*dst = t[key]`, following
/// `__index` metamethods **that are tables** ([`finish_get`]). Strings index through the
/// string metatable.
///
/// # Safety
/// See the module doc; `vm` is the running VM (only read: metatables and metamethod names;
/// the absent-metamethod cache of a metatable may be updated, which allocates nothing).
pub unsafe extern "C" fn jit_get_str(
    vm: *const Vm,
    t: *const Value,
    key: *const Value,
    dst: *mut Value,
    pc: u64,
) -> i32 {
    // SAFETY: module doc.
    unsafe {
        let t = *t;
        let key = *key;
        if t.tag == TAG_TABLE {
            let v = get_str_key(t.payload as *mut LuaTable, key);
            if !v.is_nil() {
                *dst = v;
                return DONE;
            }
        }
        finish_get(vm, t, key, dst, pc)
    }
}

/// Is the metamethod `tm` (one of the first [`CACHED_TMS`](crate::vm::table::CACHED_TMS)
/// events) known to be absent for a table with metatable `mt` (null = no metatable)? Reads
/// the absent-metamethod cache of `mt` only (the interpreter's `metamethod` fills it), so a
/// `false` may just mean "not known yet".
///
/// # Safety
/// `mt` is null or a live table.
#[inline(always)]
unsafe fn tm_known_absent(mt: *mut LuaTable, tm: TagMethod) -> bool {
    // SAFETY: caller contract.
    mt.is_null() || unsafe { (*mt).flags.get() } & (1 << tm as u32) != 0
}

/// `GETTABLE`/`GETI` path: `*dst = t[key]` (`get_int` for integer keys, `get` otherwise),
/// then, when the raw value is nil, the `__index` walk of [`finish_get`]; a value that is
/// not a table is [`EXIT`] (the interpreter indexes it or raises).
///
/// # Safety
/// As [`jit_get_str`].
pub unsafe extern "C" fn jit_get(
    vm: *const Vm,
    t: *const Value,
    key: *const Value,
    dst: *mut Value,
    pc: u64,
) -> i32 {
    // SAFETY: module doc.
    unsafe {
        let t = *t;
        if t.tag != TAG_TABLE {
            return EXIT;
        }
        let tp = t.payload as *mut LuaTable;
        let key = *key;
        let v = if key.tag == TAG_INT {
            (*tp).get_int(key.ival())
        } else {
            (*tp).get(key)
        };
        if !v.is_nil() {
            *dst = v;
            return DONE;
        }
        finish_get(vm, t, key, dst, pc)
    }
}

/// `luaV_finishget` without function calls, for a `t[key]` whose fast path failed (`t` not a
/// table, or a table whose raw value for `key` is nil): saves the pc (the interpreter's
/// `index_slow` is protected), then walks the `__index` chain: a raw hit, or a miss on a
/// table whose metatable has no `__index`, is [`DONE`]; a function `__index`, a value that
/// cannot be indexed (the interpreter raises) or a chain longer than `MAX_TAG_LOOP` is
/// [`EXIT`] (the interpreter then redoes the whole access).
///
/// # Safety
/// As [`jit_get_str`].
unsafe fn finish_get(vm: *const Vm, mut t: Value, key: Value, dst: *mut Value, pc: u64) -> i32 {
    // SAFETY: caller contract (module doc).
    unsafe {
        save_pc(vm, pc);
        let vm = &*vm;
        for _ in 0..crate::vm::meta::MAX_TAG_LOOP {
            let tm = vm.metamethod(t, TagMethod::Index);
            if tm.is_nil() {
                if t.tag != TAG_TABLE {
                    return EXIT;
                }
                *dst = Value::NIL;
                return DONE;
            }
            if tm.tag != TAG_TABLE {
                // A function (the interpreter calls it) or another value to index through.
                return EXIT;
            }
            t = tm;
            let v = get_str_key(t.payload as *mut LuaTable, key);
            if !v.is_nil() {
                *dst = v;
                return DONE;
            }
        }
        EXIT
    }
}

/// `SETTABLE`/`SETI`/`SETFIELD`/`SETTABUP` for integer and short-string keys, as the
/// interpreter does it: overwrite an existing non-nil slot (array part or hash part: its
/// `fast_set`); otherwise, on a table whose metatable is known to have no `__newindex` (or
/// that has none: `set_slow`'s raw store), save the pc (`set_slow` is protected) and fill a
/// nil slot or insert a new key when that needs no resize ([`LuaTable::set_no_resize`]: no
/// allocation). Anything else (other keys, `__newindex`, a rehash) is [`EXIT`].
///
/// # Safety
/// See the module doc; `vm` is the running VM.
pub unsafe extern "C" fn jit_set(
    vm: *const Vm,
    t: *const Value,
    key: *const Value,
    v: *const Value,
    pc: u64,
) -> i32 {
    // SAFETY: module doc.
    unsafe {
        let t = *t;
        if t.tag != TAG_TABLE {
            return EXIT;
        }
        let tp = t.payload as *mut LuaTable;
        let key = *key;
        let v = *v;
        if key.tag == TAG_INT {
            let idx = key.payload.wrapping_sub(1);
            if idx < (*tp).asize as u64 && !(*(*tp).array.add(idx as usize)).is_nil() {
                *(*tp).array.add(idx as usize) = v;
                return DONE;
            }
        } else if key.tag != TAG_STR || !(*(key.payload as *mut LuaString)).short {
            return EXIT;
        }
        if let Some(s) = (*tp).slot(key)
            && !(*s).is_nil()
        {
            *s = v;
            return DONE;
        }
        store_absent(vm, tp, key, v, pc)
    }
}

/// The interpreter's `set_slow` for a key that holds no value in the table `tp`, as far as
/// compiled code may do it: with `__newindex` known absent, save the pc (`set_slow` is
/// protected) and fill the nil slot or insert the key when that needs no resize ([`DONE`]);
/// anything else is [`EXIT`].
///
/// # Safety
/// `vm` is the running VM, `tp` a live table, `key` an integer or short string.
unsafe fn store_absent(vm: *const Vm, tp: *mut LuaTable, key: Value, v: Value, pc: u64) -> i32 {
    // SAFETY: caller contract.
    unsafe {
        if !tm_known_absent((*tp).metatable, TagMethod::NewIndex) {
            return EXIT;
        }
        save_pc(vm, pc);
        if (*tp).set_no_resize(key, v) {
            DONE
        } else {
            EXIT
        }
    }
}

/// [`jit_set`] after compiled code found that the table `*t` holds no non-nil value for the
/// short-string `key` (the inline probe missed: interp.rs's `fast_set` fails), so the
/// interpreter would go to `set_slow`: on a table whose metatable is known to have no
/// `__newindex`, save the pc and fill the nil slot or insert the key when that needs no
/// resize; anything else is [`EXIT`]. Skips `jit_set`'s lookup of an existing slot.
///
/// # Safety
/// As [`jit_set`]; `key` is a short string absent from `*t` or mapped to nil there.
pub unsafe extern "C" fn jit_set_absent(
    vm: *const Vm,
    t: *const Value,
    key: *const Value,
    v: *const Value,
    pc: u64,
) -> i32 {
    // SAFETY: module doc and caller contract.
    unsafe {
        let t = *t;
        if t.tag != TAG_TABLE {
            return EXIT;
        }
        store_absent(vm, t.payload as *mut LuaTable, *key, *v, pc)
    }
}

/// Arithmetic and bitwise fast paths for `op` (an [`OpCode`] number: `ADD`..`SHR`, the `*K`
/// forms, `SHRI`/`SHLI` with the immediate already boxed in `b`), exactly as `interp.rs`.
/// Returns [`DONE`], [`TO_MMBIN`] (fast path not applicable) or [`EXIT`] (the interpreter must
/// run the instruction itself: integer division or modulo by zero raises there).
///
/// # Safety
/// See the module doc.
pub unsafe extern "C" fn jit_arith(
    op: u32,
    a: *const Value,
    b: *const Value,
    dst: *mut Value,
) -> i32 {
    // SAFETY: module doc.
    let (v1, v2) = unsafe { (*a, *b) };
    let Some(op) = OpCode::ALL.get(op as usize).copied() else {
        return EXIT;
    };
    let both_int = v1.tag == TAG_INT && v2.tag == TAG_INT;
    let floats = || match (v1.as_f64(), v2.as_f64()) {
        (Some(x), Some(y)) => Some((x, y)),
        _ => None,
    };
    let r: Option<Value> = match op {
        OpCode::ADD | OpCode::ADDK | OpCode::SUB | OpCode::SUBK | OpCode::MUL | OpCode::MULK => {
            if both_int {
                let (x, y) = (v1.ival(), v2.ival());
                Some(Value::int(match op {
                    OpCode::ADD | OpCode::ADDK => x.wrapping_add(y),
                    OpCode::SUB | OpCode::SUBK => x.wrapping_sub(y),
                    _ => x.wrapping_mul(y),
                }))
            } else {
                floats().map(|(x, y)| {
                    Value::float(match op {
                        OpCode::ADD | OpCode::ADDK => x + y,
                        OpCode::SUB | OpCode::SUBK => x - y,
                        _ => x * y,
                    })
                })
            }
        }
        OpCode::MOD | OpCode::MODK => {
            if both_int {
                if v2.ival() == 0 {
                    return EXIT;
                }
                Some(Value::int(arith::int_mod(v1.ival(), v2.ival())))
            } else {
                floats().map(|(x, y)| Value::float(arith::float_mod(x, y)))
            }
        }
        OpCode::POW | OpCode::POWK => {
            floats().map(|(x, y)| Value::float(if y == 2.0 { x * x } else { x.powf(y) }))
        }
        OpCode::DIV | OpCode::DIVK => floats().map(|(x, y)| Value::float(x / y)),
        OpCode::IDIV => {
            if both_int {
                if v2.ival() == 0 {
                    return EXIT;
                }
                Some(Value::int(arith::int_floor_div(v1.ival(), v2.ival())))
            } else {
                floats().map(|(x, y)| Value::float(arith::float_floor_div(x, y)))
            }
        }
        OpCode::IDIVK => {
            if both_int {
                if v2.ival() == 0 {
                    // The interpreter's IDIVK falls through to MMBINK here.
                    return TO_MMBIN;
                }
                Some(Value::int(arith::int_floor_div(v1.ival(), v2.ival())))
            } else {
                floats().map(|(x, y)| Value::float(arith::float_floor_div(x, y)))
            }
        }
        OpCode::BAND
        | OpCode::BANDK
        | OpCode::BOR
        | OpCode::BORK
        | OpCode::BXOR
        | OpCode::BXORK
        | OpCode::SHL
        | OpCode::SHR => {
            let ints = if both_int {
                Some((v1.ival(), v2.ival()))
            } else if v1.is_number() && v2.is_number() {
                match (arith::to_integer_strict(v1), arith::to_integer_strict(v2)) {
                    (Some(x), Some(y)) => Some((x, y)),
                    _ => None,
                }
            } else {
                None
            };
            ints.map(|(x, y)| {
                Value::int(match op {
                    OpCode::BAND | OpCode::BANDK => x & y,
                    OpCode::BOR | OpCode::BORK => x | y,
                    OpCode::BXOR | OpCode::BXORK => x ^ y,
                    OpCode::SHL => arith::shift_left(x, y),
                    _ => arith::shift_left(x, y.wrapping_neg()),
                })
            })
        }
        OpCode::SHRI | OpCode::SHLI => {
            // v2 is the immediate (an integer).
            let x = if v1.tag == TAG_INT {
                Some(v1.ival())
            } else if v1.is_float() {
                arith::to_integer_strict(v1)
            } else {
                None
            };
            let ic = v2.ival();
            x.map(|x| {
                Value::int(if op == OpCode::SHRI {
                    arith::shift_left(x, ic.wrapping_neg())
                } else {
                    arith::shift_left(ic, x)
                })
            })
        }
        _ => return EXIT,
    };
    match r {
        Some(v) => {
            // SAFETY: module doc.
            unsafe { *dst = v };
            DONE
        }
        None => TO_MMBIN,
    }
}

/// `EQ` on two registers when the inline test cannot decide: numbers (int/float mixes,
/// floats) and strings compare raw; tables and userdata with different identities may have
/// `__eq`, so [`EXIT`]. Returns 0/1 for false/true.
///
/// # Safety
/// See the module doc.
pub unsafe extern "C" fn jit_eq(vm: *const Vm, a: *const Value, b: *const Value, pc: u64) -> i32 {
    // SAFETY: module doc.
    let (a, b) = unsafe { (*a, *b) };
    if a.tag == b.tag || (a.is_number() && b.is_number()) {
        // The interpreter's `eq_values` path is protected: same saved pc.
        // SAFETY: module doc (`vm` is the running VM).
        unsafe { save_pc(vm, pc) };
    }
    if a.tag == b.tag && (a.tag == TAG_TABLE || a.tag == TAG_USERDATA) && a.payload != b.payload {
        return EXIT;
    }
    a.raw_eq(b) as i32
}

/// `EQK`: raw equality with a constant (never a metamethod). Returns 0/1.
///
/// # Safety
/// See the module doc.
pub unsafe extern "C" fn jit_eqk(a: *const Value, k: *const Value) -> i32 {
    // SAFETY: module doc.
    unsafe { (*a).raw_eq(*k) as i32 }
}

/// `LT` (`le == 0`) or `LE` (`le != 0`) on two numbers (`LTnum`/`LEnum` with exact
/// int/float comparison); anything else (strings, `__lt`, errors) is [`EXIT`]. Returns 0/1.
///
/// # Safety
/// See the module doc.
pub unsafe extern "C" fn jit_lt(le: u32, a: *const Value, b: *const Value) -> i32 {
    // SAFETY: module doc.
    let (a, b) = unsafe { (*a, *b) };
    if !(a.is_number() && b.is_number()) {
        return EXIT;
    }
    (if le != 0 {
        arith::num_le(a, b)
    } else {
        arith::num_lt(a, b)
    }) as i32
}

/// `FORPREP` when the loop needs no error and no limit conversion: integer init, limit and
/// step (step ≠ 0), or three numbers of which one is a float (the float loop). Writes the loop
/// state like `Vm::for_prep` (`forprep` in lvm.c). Returns 0 (run the loop), 1 (skip it) or
/// [`EXIT`].
///
/// # Safety
/// `ra` points at the four registers `a..a+3` of the running frame; `vm` is the running VM
/// and `pc` the index of the FORPREP.
pub unsafe extern "C" fn jit_forprep(vm: *const Vm, ra: *mut Value, pc: u64) -> i32 {
    // SAFETY: caller contract.
    unsafe {
        // The interpreter's FORPREP is protected (saves the pc): keep the same saved pc, which
        // unprotected errors (integer `//` and `%` by zero) report, as lua5.4 does.
        save_pc(vm, pc);
        let init = *ra;
        let limit = *ra.add(1);
        let step = *ra.add(2);
        if init.tag == TAG_INT && step.tag == TAG_INT {
            if limit.tag != TAG_INT {
                return EXIT;
            }
            let (iv, st, lim) = (init.ival(), step.ival(), limit.ival());
            if st == 0 {
                return EXIT;
            }
            *ra.add(3) = init;
            if if st > 0 { iv > lim } else { iv < lim } {
                return 1;
            }
            let count: u64 = if st > 0 {
                let c = (lim as u64).wrapping_sub(iv as u64);
                if st != 1 { c / st as u64 } else { c }
            } else {
                let c = (iv as u64).wrapping_sub(lim as u64);
                c / ((-(st + 1)) as u64 + 1)
            };
            *ra.add(1) = Value::int(count as i64);
            0
        } else {
            let (Some(fi), Some(fl), Some(fs)) = (init.as_f64(), limit.as_f64(), step.as_f64())
            else {
                return EXIT;
            };
            if fs == 0.0 {
                return EXIT;
            }
            if if fs > 0.0 { fl < fi } else { fi < fl } {
                return 1;
            }
            *ra = Value::float(fi);
            *ra.add(1) = Value::float(fl);
            *ra.add(2) = Value::float(fs);
            *ra.add(3) = Value::float(fi);
            0
        }
    }
}

/// `LEN` without metamethods: strings, and tables without a metatable (`luaH_getn`).
///
/// # Safety
/// See the module doc.
pub unsafe extern "C" fn jit_len(v: *const Value, dst: *mut Value) -> i32 {
    // SAFETY: module doc.
    unsafe {
        let v = *v;
        if v.tag == TAG_TABLE && (*(v.payload as *mut LuaTable)).metatable.is_null() {
            *dst = Value::int((*(v.payload as *mut LuaTable)).length());
            DONE
        } else if v.tag == TAG_STR {
            *dst = Value::int((*(v.payload as *mut LuaString)).len() as i64);
            DONE
        } else {
            EXIT
        }
    }
}

/// Helpers by index, as named in compiled code (`UserExternalName { namespace: 1, index }`).
pub(crate) fn helper_address(index: u32) -> Option<usize> {
    Some(match index {
        0 => jit_get_str as *const () as usize,
        1 => jit_get as *const () as usize,
        2 => jit_set as *const () as usize,
        3 => jit_arith as *const () as usize,
        4 => jit_eq as *const () as usize,
        5 => jit_eqk as *const () as usize,
        6 => jit_lt as *const () as usize,
        7 => jit_forprep as *const () as usize,
        8 => jit_len as *const () as usize,
        9 => super::call::jit_call as *const () as usize,
        10 => super::ops::jit_op as *const () as usize,
        11 => jit_set_absent as *const () as usize,
        12 => super::call::jit_call_finish as *const () as usize,
        _ => return None,
    })
}
