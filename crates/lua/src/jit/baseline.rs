//! Tier-1 translator: one Lua proto → one Cranelift function (see [`super`] for the execution
//! model and [`super::CompiledFn`] for the signature).
//!
//! Shape of the generated function:
//!
//! * an entry block that dispatches on the `pc` argument with a `br_table` to the block of
//!   that instruction, for the instructions the interpreter can enter at ([`dispatch_points`]:
//!   frame start, resume after a call, loop header for OSR); any other pc is answered with
//!   itself (the interpreter continues there);
//! * one block per reachable bytecode instruction, translated in order, ending with a jump to
//!   the next instruction's block, a branch, or a jump to the **exit block** with the pc at
//!   which the interpreter must continue;
//! * the exit block returns its parameter.
//!
//! Registers live in their VM stack slots (`base + 16*r`; [`Value`] is
//! `{ payload: u64, tag: u64 }`): every write stores to the slot, so the frame is exact at
//! every exit. Reads of a register whose value the translator already holds in an SSA value
//! (written or read earlier in the same block, or in the single block that jumps to this
//! one) use that value instead of a load ([`RegCache`]); chains of arithmetic thus run in
//! machine registers instead of waiting on store-to-load forwarding. Constants are embedded
//! as immediates (the proto's constant table is immutable and keeps its strings alive as
//! long as the proto, which outlives its code).
//!
//! Type knowledge ([`super::types`]): where a register is known to hold an integer or a float
//! at an instruction, its tag check (and, when the slot already has the result's tag, the tag
//! store) is left out; arithmetic operands the interpreter's feedback speculates on are guarded
//! (a failed guard counts in `ProtoJit::deopts` and leaves to the interpreter at the
//! instruction). Entries by the dispatch at an instruction with knowledge check it first.
//!
//! Feedback also trims code: a `CALL`/`TAILCALL` that only ever called natives gets no inline
//! call sequence and one that never called `string.byte`, `math.floor` or `math.sqrt` no
//! fast-native paths; a `GETFIELD`/`GETTABUP` that never missed no inline miss; a `SELF` gets its
//! `__index` walk and its string-receiver path only where the interpreter met them; mixed
//! int/float arithmetic is inline only where it was seen. What was never seen takes the
//! generic helper (correct for every value, just slower), and an instruction the interpreter
//! never ran (no feedback at all: `--jit=eager`, or code after the loop an OSR compile starts
//! at) gets every inline path but the mixed arithmetic one. Compile time follows the code emitted (about 3 µs per CLIF
//! instruction with the backtracking allocator), so this is most of what keeps it small.
//!
//! Semantics follow `vm/interp.rs` instruction by instruction; the inline fast paths are
//! integer (wrapping) and float `+ - *`, numeric comparisons, `EQI`/`LTI`-style immediates,
//! `TEST`/`TESTSET`/`NOT`, jumps, numeric `for` (`FORLOOP` inline, `FORPREP` through a pure
//! helper) and generic-`for` `TFORLOOP`. Other pure operations call the helpers of
//! [`super::runtime_calls`]. An instruction that can raise, allocate or call out is an exit.

use super::runtime_calls::{DONE, EXIT, TO_MMBIN};
use super::types::{self, Ty};
use crate::opcode::{Instruction, OpCode, TagMethod};
use crate::vm::Vm;
use crate::vm::function::{Proto, UpVal};
use crate::vm::string::LuaString;
use crate::vm::table::{LuaTable, Node};
use crate::vm::value::Value as LuaValue;
use crate::vm::value::{TAG_BOOL, TAG_FLOAT, TAG_INT, TAG_NIL, TAG_STR, TAG_TABLE, TAG_USERDATA};
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::types::{F64, I8, I32, I64};
use cranelift_codegen::ir::{
    AbiParam, Block, BlockArg, ExtFuncData, ExternalName, FuncRef, Function, InstBuilder,
    JumpTableData, MemFlagsData, SigRef, Signature, StackSlot, StackSlotData, StackSlotKind,
    UserExternalName, UserFuncName, Value,
};
use cranelift_codegen::isa::TargetIsa;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};

/// Helper indices (see [`super::runtime_calls::helper_address`]).
const H_GET_STR: u32 = 0;
const H_GET: u32 = 1;
const H_SET: u32 = 2;
const H_ARITH: u32 = 3;
const H_EQ: u32 = 4;
const H_EQK: u32 = 5;
const H_LT: u32 = 6;
const H_FORPREP: u32 = 7;
const H_LEN: u32 = 8;
const H_CALL: u32 = 9;
const H_OP: u32 = 10;
const H_SET_ABSENT: u32 = 11;
const H_CALL_FINISH: u32 = 12;
const N_HELPERS: usize = 13;

/// Bytes per hash node (`Node`: value, key, next offset, padding).
const NODE_SIZE: i64 = std::mem::size_of::<Node>() as i64;
/// Offset of a node's value.
const NODE_VAL: i32 = std::mem::offset_of!(Node, val) as i32;
/// `__index` tables followed inline by [`Tx::get_field`] beyond the indexed table itself;
/// longer chains go through the `jit_get_str` helper (which applies lvm.c's `MAXTAGLOOP`).
const INLINE_INDEX_DEPTH: i64 = 16;

/// Namespace of helper names in `UserExternalName`.
pub(crate) const HELPER_NAMESPACE: u32 = 1;

/// Parameter types of each helper (all return `i32`).
fn helper_params(h: u32) -> &'static [cranelift_codegen::ir::Type] {
    match h {
        H_GET_STR | H_GET | H_SET | H_SET_ABSENT => &[I64, I64, I64, I64, I64],
        H_ARITH => &[I32, I64, I64, I64],
        H_EQ => &[I64, I64, I64, I64],
        H_EQK => &[I64, I64],
        H_LT => &[I32, I64, I64],
        H_FORPREP => &[I64, I64, I64],
        H_CALL | H_OP => &[I64, I64, I64, I32],
        H_CALL_FINISH => &[I64, I64, I64, I32, I64],
        _ => &[I64, I64],
    }
}

/// Return type of each helper.
fn helper_return(h: u32) -> cranelift_codegen::ir::Type {
    if matches!(h, H_CALL | H_OP | H_CALL_FINISH) {
        I64
    } else {
        I32
    }
}

/// Result of a translation.
pub struct Translation {
    /// The Cranelift function.
    pub func: Function,
    /// Bytecode instructions translated.
    pub bytecodes: usize,
    /// Instructions that exit to the interpreter (for `--jit-log`).
    pub exits: usize,
}

fn flags() -> MemFlagsData {
    MemFlagsData::trusted()
}

/// A short-string key of an inline hash-part lookup ([`Tx::find_str`]): the interned
/// string's address and its hash, known at compile time (a constant of the proto) or held in
/// SSA values (a key computed at run time; `hash` zero-extended to `I64`).
#[derive(Clone, Copy)]
enum StrKey {
    Const { ptr: i64, hash: u32 },
    Dyn { ptr: Value, hash: Value },
}

/// Operand of an arithmetic instruction: a register or a constant.
#[derive(Clone, Copy)]
enum Opnd {
    Reg(u32),
    K(LuaValue, usize),
}

struct Tx<'a> {
    fb: FunctionBuilder<'a>,
    base: Value,
    upvals: Value,
    intr: Value,
    vm: Value,
    blocks: Vec<Block>,
    exit: Block,
    /// Counts a failed guard in `ProtoJit::deopts`, then exits at its parameter (the pc).
    deopt_exit: Block,
    /// Some guard jumps to `deopt_exit` (else it is left out).
    deopt_used: bool,
    scratch: StackSlot,
    helpers: [Option<FuncRef>; N_HELPERS],
    /// Signature of compiled code ([`super::CompiledFn`]), for the inline call sequence.
    callee_sig: Option<SigRef>,
    /// The proto's type-feedback bytes (indexed by pc; `FEEDBACK_*`).
    feedback: &'a [std::cell::Cell<u8>],
    k: &'a [LuaValue],
    code: &'a [Instruction],
    exits: usize,
    /// Static type knowledge ([`types`]): the analysis inputs, and the state at the start of
    /// the instruction being translated.
    tcx: types::Ctx<'a>,
    cur: Vec<Ty>,
    /// Register values held in SSA form (see [`RegCache`]).
    cache: RegCache,
    /// The instruction being translated.
    cur_pc: usize,
    /// Per instruction: its block may be entered other than by a forward jump from an
    /// earlier instruction (the entry dispatch, a backward jump); see [`merge_points`].
    merge: Vec<bool>,
    /// Per instruction: forward jumps to its block emitted so far ([`Tx::goto`]), and the
    /// register cache at the first of them (valid at the block's start when it stays the
    /// only one).
    edges: Vec<u32>,
    snaps: Vec<Option<RegCache>>,
    /// A backward jump to a block that is not a merge point was emitted (a translator bug;
    /// the proto then stays interpreted).
    bad_edge: bool,
    /// Carry cached values into single-predecessor blocks (off in the fallback translation).
    carry: bool,
    /// Per instruction: the registers a loop header receives as block parameters (see
    /// [`loop_params`]; empty elsewhere).
    hparams: Vec<Vec<(u32, Ty)>>,
    /// Blocks made by [`Tx::branch`] (one predecessor, the branching block) and the cache at
    /// the branch, taken up when the block is first reached ([`Tx::cache_check`]).
    pred_snap: std::collections::HashMap<Block, RegCache>,
    /// `(block, its assumed only predecessor)` for every carried cache, checked on the
    /// finished function ([`single_predecessors`]).
    assumed: Vec<(Block, Block)>,
    /// An OSR region ([`translate_region`]): the instructions translated; a jump to any other
    /// exits to the interpreter there. `None`: the whole proto.
    region: Option<&'a [bool]>,
}

/// What the translator knows of a register's tag ([`CacheEnt::tag`]).
#[derive(Clone, Copy)]
enum CachedTag {
    Const(u64),
    Val(Value),
}

/// One register's cached SSA values: its payload as `I64` and/or `F64` (the same bits) and
/// its tag.
#[derive(Clone, Copy, Default)]
struct CacheEnt {
    pay: Option<Value>,
    fpay: Option<Value>,
    tag: Option<CachedTag>,
}

/// Register values known in SSA form at the current point of the block `block`, so that a
/// read of a register just written (or read) is the SSA value instead of a load from its
/// stack slot (which would wait for the store to forward).
///
/// Invariant: every entry equals what the register's stack slot holds: writes of registers
/// still store to the slot (the frame stays exact at every exit), and every way a slot can
/// change otherwise clears the cache: a call (helpers and Lua code may write any register),
/// a write through a computed address. The cache belongs to one block: reaching any other
/// block starts empty ([`Tx::cache_check`]), except a block whose only predecessor is the
/// block the cache was taken in (single forward edge into a non-merge instruction, or
/// [`Tx::enter_single`]), where those values dominate.
#[derive(Clone, Default)]
struct RegCache {
    block: Option<Block>,
    regs: Vec<CacheEnt>,
}

/// The multiplier and shift for signed 64-bit division by the constant `d` (`|d| >= 2`):
/// `q = (mulhi(x, m) [+ x if d > 0 and m < 0] [- x if d < 0 and m > 0]) >> s`, plus one when
/// negative, is `x / d` truncated (Hacker's Delight, 2nd ed., §10-4, "magic").
fn magic_signed(d: i64) -> (i64, u32) {
    const TWO63: u64 = 1 << 63;
    let ad = d.unsigned_abs();
    let t = TWO63.wrapping_add((d as u64) >> 63);
    let anc = t - 1 - t % ad;
    let mut p = 63u32;
    let (mut q1, mut r1) = (TWO63 / anc, TWO63 - (TWO63 / anc) * anc);
    let (mut q2, mut r2) = (TWO63 / ad, TWO63 - (TWO63 / ad) * ad);
    loop {
        p += 1;
        q1 = q1.wrapping_mul(2);
        r1 = r1.wrapping_mul(2);
        if r1 >= anc {
            q1 = q1.wrapping_add(1);
            r1 = r1.wrapping_sub(anc);
        }
        q2 = q2.wrapping_mul(2);
        r2 = r2.wrapping_mul(2);
        if r2 >= ad {
            q2 = q2.wrapping_add(1);
            r2 = r2.wrapping_sub(ad);
        }
        let delta = ad - r2;
        if !(q1 < delta || (q1 == delta && r1 == 0)) {
            break;
        }
    }
    let m = q2.wrapping_add(1) as i64;
    (if d < 0 { m.wrapping_neg() } else { m }, p - 64)
}

/// Most registers a loop header receives as block parameters.
const MAX_LOOP_PARAMS: usize = 12;

/// Per instruction: for a loop header (the target of a backward jump), the registers it
/// receives as block parameters: those the loop's instructions name (fields A, B, C; for
/// `FORLOOP` its four registers) that are known to hold an integer or a float at the header
/// ([`types::infer`]: on every path into it, the dispatch entry checking it). A loop-carried
/// number thus stays in a machine register around the loop instead of making each
/// iteration wait on the store of the previous one.
fn loop_params(
    code: &[Instruction],
    known: &[Option<Vec<Ty>>],
    nregs: usize,
) -> Vec<Vec<(u32, Ty)>> {
    let mut end = vec![None::<usize>; code.len()];
    for (pc, i) in code.iter().enumerate() {
        let target = match i.op() {
            OpCode::JMP => pc as isize + 1 + i.sj_field() as isize,
            OpCode::FORLOOP | OpCode::TFORLOOP => pc as isize + 1 - i.bx() as isize,
            _ => continue,
        };
        if target <= pc as isize && target >= 0 {
            let e = &mut end[target as usize];
            *e = Some(e.map_or(pc, |x: usize| x.max(pc)));
        }
    }
    let mut out = vec![Vec::new(); code.len()];
    for (h, e) in end.iter().enumerate() {
        let (Some(e), Some(st)) = (e, &known[h]) else {
            continue;
        };
        let mut named = vec![false; nregs];
        for i in &code[h..=*e] {
            let mut mark = |r: u32| {
                if let Some(m) = named.get_mut(r as usize) {
                    *m = true;
                }
            };
            mark(i.a());
            mark(i.b());
            mark(i.c());
            if i.op() == OpCode::FORLOOP {
                (1..4).for_each(|d| mark(i.a() + d));
            }
        }
        out[h] = (0..nregs)
            .filter(|&r| named[r] && st.get(r).is_some_and(|t| t.exact()))
            .take(MAX_LOOP_PARAMS)
            .map(|r| (r as u32, st[r]))
            .collect();
    }
    out
}

/// Instructions whose block may be entered other than by forward jumps from earlier
/// instructions: the dispatch entries ([`dispatch_points`]) and the targets of backward
/// jumps (`JMP`, `FORLOOP`, `TFORLOOP`).
fn merge_points(code: &[Instruction]) -> Vec<bool> {
    let mut m = dispatch_points(code);
    for (pc, i) in code.iter().enumerate() {
        let target = match i.op() {
            OpCode::JMP => pc as isize + 1 + i.sj_field() as isize,
            OpCode::FORLOOP | OpCode::TFORLOOP => pc as isize + 1 - i.bx() as isize,
            _ => continue,
        };
        if target <= pc as isize && target >= 0 {
            m[target as usize] = true;
        }
    }
    m
}

/// The instructions at which compiled code can be entered (the `pc` argument of
/// [`super::CompiledFn`]; any other pc is answered at once with itself, so the interpreter
/// continues there): the frame start (0, and 1 after a `VARARGPREP`, `jit_start_frame`),
/// the instruction after a `CALL` or `TFORCALL` (the interpreter resumes a frame there when
/// the callee it ran returns), and loop headers (OSR entry at the target of a backward
/// jump, `backedge!` in interp.rs).
fn dispatch_points(code: &[Instruction]) -> Vec<bool> {
    let mut d = vec![false; code.len()];
    d[0] = true;
    if code[0].op() == OpCode::VARARGPREP && code.len() > 1 {
        d[1] = true;
    }
    for (pc, i) in code.iter().enumerate() {
        match i.op() {
            OpCode::CALL | OpCode::TFORCALL if pc + 1 < code.len() => d[pc + 1] = true,
            OpCode::JMP => {
                let t = pc as isize + 1 + i.sj_field() as isize;
                if t <= pc as isize && t >= 0 {
                    d[t as usize] = true;
                }
            }
            OpCode::FORLOOP | OpCode::TFORLOOP => {
                let t = pc as isize + 1 - i.bx() as isize;
                if t >= 0 {
                    d[t as usize] = true;
                }
            }
            _ => {}
        }
    }
    d
}

/// Translate `proto` to CLIF. Errors are reasons to stay in the interpreter.
pub fn translate(proto: &Proto, isa: &dyn TargetIsa) -> Result<Translation, String> {
    translate_region(proto, isa, None)
}

/// The OSR region of `proto` for the loop header `header` (`types::loop_region`): the loop
/// with the loops nested in it and enclosing it. Code before and after the loop is left out
/// (a main chunk's definitions, its output code, earlier and later sibling loops).
pub fn osr_region(proto: &Proto, header: usize) -> Vec<bool> {
    let cx = types::Ctx::of(proto);
    types::loop_region(&cx, header)
}

/// Translate `proto` to CLIF, only the instructions of `region` when given (an OSR region,
/// [`osr_region`]): instructions outside it are neither translated nor entered (the dispatch
/// answers their pc with itself, so the interpreter continues there), and `bytecodes` counts
/// the translated ones. Errors are reasons to stay in the interpreter.
pub fn translate_region(
    proto: &Proto,
    isa: &dyn TargetIsa,
    region: Option<&[bool]>,
) -> Result<Translation, String> {
    match translate_with(proto, isa, true, region)? {
        Some(t) => Ok(t),
        None => {
            // A block the register cache assumed to have one predecessor has more (a
            // translator bug, caught in tests); the translation without carried values is
            // correct regardless.
            debug_assert!(
                false,
                "register cache: a single-predecessor assumption failed"
            );
            translate_with(proto, isa, false, region)?.ok_or_else(|| "translator: CFG".into())
        }
    }
}

/// [`translate`], carrying cached register values into blocks with one predecessor when
/// `carry`. `None` when, in the finished function, such a block has more than one
/// predecessor (the values cached there would not dominate it).
fn translate_with(
    proto: &Proto,
    isa: &dyn TargetIsa,
    carry: bool,
    region: Option<&[bool]>,
) -> Result<Option<Translation>, String> {
    let code = proto.code();
    let in_region = |pc: usize| region.is_none_or(|r| r.get(pc).copied().unwrap_or(false));
    if code.is_empty() {
        return Err("empty proto".into());
    }
    let mut sig = Signature::new(isa.default_call_conv());
    for _ in 0..5 {
        sig.params.push(AbiParam::new(I64));
    }
    sig.returns.push(AbiParam::new(I64));
    let mut func = Function::with_name_signature(UserFuncName::user(0, 0), sig);
    let mut fctx = FunctionBuilderContext::new();
    let mut fb = FunctionBuilder::new(&mut func, &mut fctx);
    let entry = fb.create_block();
    fb.append_block_params_for_function_params(entry);
    let exit = fb.create_block();
    fb.append_block_param(exit, I64);
    // Failed speculation (a guard, an entry check): count it, then exit at the pc (param).
    let deopt_exit = fb.create_block();
    fb.append_block_param(deopt_exit, I64);
    let blocks: Vec<Block> = (0..code.len()).map(|_| fb.create_block()).collect();
    let scratch =
        fb.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, 16, 3));
    fb.switch_to_block(entry);
    let params = fb.block_params(entry).to_vec();
    let (base, pc, upvals, intr, vm) = (params[0], params[1], params[2], params[3], params[4]);
    // Dispatch on the entry pc.
    let idx = fb.ins().ireduce(I32, pc);
    let def = fb.func.dfg.block_call(exit, &[BlockArg::Value(pc)]);
    // Static type knowledge; an entry by the dispatch at an instruction with knowledge first
    // checks that the frame matches it (the interpreter did not perform the speculative
    // guards), and otherwise returns that pc to the interpreter.
    let tcx = types::Ctx::of(proto);
    let known = types::infer(&tcx);
    // Loop headers pass their numeric registers as block parameters; an entry by the
    // dispatch there first loads them from their slots (a landing block).
    let hparams = if carry {
        loop_params(code, &known, tcx.nregs)
    } else {
        vec![Vec::new(); code.len()]
    };
    let mut lands = Vec::new();
    let entry_blocks: Vec<Block> = (0..code.len())
        .map(|pc| {
            if hparams[pc].is_empty() {
                return blocks[pc];
            }
            for &(_, t) in &hparams[pc] {
                fb.append_block_param(blocks[pc], if t == Ty::Float { F64 } else { I64 });
            }
            let land = fb.create_block();
            lands.push((pc, land));
            land
        })
        .collect();
    // Only the instructions the interpreter can enter at get a table entry; any other pc
    // is returned at once (the interpreter continues there).
    let mut dispatch = dispatch_points(code);
    for (pc, d) in dispatch.iter_mut().enumerate() {
        *d &= in_region(pc);
    }
    let table: Vec<_> = entry_blocks
        .iter()
        .zip(&dispatch)
        .map(|(&b, &d)| {
            if d {
                fb.func.dfg.block_call(b, &[])
            } else {
                def
            }
        })
        .collect();
    // `ProtoJit::deopts`, counted by failed guards (the proto outlives its code).
    let deopts = &proto.jit.deopts as *const std::cell::Cell<u32> as i64;
    let mut table = table;
    let mut guards = Vec::new();
    for (pc, st) in known.iter().enumerate() {
        let Some(st) = st else { continue };
        if pc == 0 || !dispatch[pc] || st.iter().all(|&t| t == Ty::Any) {
            continue;
        }
        let g = fb.create_block();
        table[pc] = fb.func.dfg.block_call(g, &[]);
        guards.push((pc, g));
    }
    let jt = fb.create_jump_table(JumpTableData::new(def, &table));
    // Entry pcs beyond u32 cannot occur (code length < 2^32); guard anyway via the default.
    let big = fb
        .ins()
        .icmp_imm_u(IntCC::UnsignedGreaterThan, pc, u32::MAX as i64);
    let dispatch = fb.create_block();
    fb.ins()
        .brif(big, exit, &[BlockArg::Value(pc)], dispatch, &[]);
    fb.switch_to_block(dispatch);
    // Frame start (pc 0, every call) goes straight to the first instruction (an OSR region
    // without it answers 0).
    let table = fb.create_block();
    if in_region(0) {
        fb.ins().brif(pc, table, &[], entry_blocks[0], &[]);
    } else {
        fb.ins().brif(pc, table, &[], exit, &[BlockArg::Value(pc)]);
    }
    fb.switch_to_block(table);
    fb.ins().br_table(idx, jt);
    let entry_guards = !guards.is_empty();
    for (pc, g) in guards {
        fb.switch_to_block(g);
        let pcv = fb.ins().iconst(I64, pc as i64);
        let st = known[pc].as_deref().unwrap_or(&[]);
        for (r, &t) in st.iter().enumerate() {
            if t == Ty::Any {
                continue;
            }
            let tag = fb.ins().load(I64, flags(), base, (r as i32) * 16 + 8);
            let bad = match t.tag() {
                Some(want) => fb.ins().icmp_imm_s(IntCC::NotEqual, tag, want as i64),
                None => {
                    // Num: TAG_INT or TAG_FLOAT (consecutive).
                    let d = fb.ins().iadd_imm_s(tag, -(TAG_INT as i64));
                    fb.ins().icmp_imm_u(IntCC::UnsignedGreaterThan, d, 1)
                }
            };
            let ok = fb.create_block();
            fb.ins()
                .brif(bad, deopt_exit, &[BlockArg::Value(pcv)], ok, &[]);
            fb.switch_to_block(ok);
        }
        fb.ins().jump(entry_blocks[pc], &[]);
    }
    for (pc, land) in lands {
        if !in_region(pc) {
            // Not entered (outside an OSR region): the landing block stays empty.
            continue;
        }
        fb.switch_to_block(land);
        let args: Vec<BlockArg> = hparams[pc]
            .iter()
            .map(|&(r, t)| {
                let ty = if t == Ty::Float { F64 } else { I64 };
                BlockArg::Value(fb.ins().load(ty, flags(), base, (r as i32) * 16))
            })
            .collect();
        fb.ins().jump(blocks[pc], &args);
    }

    let mut tx = Tx {
        fb,
        base,
        upvals,
        intr,
        vm,
        blocks,
        exit,
        deopt_exit,
        deopt_used: false,
        scratch,
        helpers: [None; N_HELPERS],
        callee_sig: None,
        feedback: &proto.feedback,
        k: &proto.k,
        code,
        exits: 0,
        tcx,
        cur: Vec::new(),
        cache: RegCache::default(),
        cur_pc: 0,
        merge: merge_points(code),
        edges: vec![0; code.len()],
        snaps: vec![None; code.len()],
        bad_edge: false,
        carry,
        hparams,
        pred_snap: std::collections::HashMap::new(),
        assumed: Vec::new(),
        region,
    };
    let mut translated = 0;
    let nregs = tx.tcx.nregs;
    for (pc, &i) in code.iter().enumerate() {
        tx.cur_pc = pc;
        let single = !tx.merge[pc] && tx.edges[pc] == 1;
        if !tx.merge[pc] && tx.edges[pc] == 0 {
            // Unreachable in compiled code (the `MMBIN` after an inline arithmetic
            // instruction, code after a return): not translated.
            continue;
        }
        if !in_region(pc) {
            continue;
        }
        translated += 1;
        tx.cur = known[pc].clone().unwrap_or_else(|| vec![Ty::Any; nregs]);
        tx.fb.switch_to_block(tx.blocks[pc]);
        // One forward jump in: the values cached where it was taken hold here.
        tx.cache = match tx.snaps[pc].take() {
            Some(mut c) if single && carry => {
                if let Some(from) = c.block {
                    tx.assumed.push((tx.blocks[pc], from));
                }
                c.block = Some(tx.blocks[pc]);
                c
            }
            _ => RegCache::default(),
        };
        tx.header_cache(pc);
        tx.instruction(pc, i);
    }
    if tx.bad_edge {
        debug_assert!(false, "backward jump to a non-merge instruction");
        return Err("translator: backward jump to a non-merge instruction".into());
    }
    if tx.deopt_used || entry_guards {
        tx.fb.switch_to_block(deopt_exit);
        let at = tx.fb.block_params(deopt_exit)[0];
        count_deopt(&mut tx.fb, deopts);
        tx.fb.ins().jump(exit, &[BlockArg::Value(at)]);
    }
    tx.fb.switch_to_block(exit);
    let r = tx.fb.block_params(exit)[0];
    tx.fb.ins().return_(&[r]);
    tx.fb.seal_all_blocks();
    let exits = tx.exits;
    let assumed = std::mem::take(&mut tx.assumed);
    tx.fb.finalize(isa.frontend_config());
    if !single_predecessors(&func, &assumed) {
        return Ok(None);
    }
    Ok(Some(Translation {
        func,
        bytecodes: if region.is_some() {
            translated
        } else {
            code.len()
        },
        exits,
    }))
}

/// Whether each block `b` of `assumed` `(b, from)` has exactly one incoming edge in `func`,
/// from block `from`.
fn single_predecessors(func: &Function, assumed: &[(Block, Block)]) -> bool {
    if assumed.is_empty() {
        return true;
    }
    let mut preds: std::collections::HashMap<Block, (u32, Block)> =
        assumed.iter().map(|&(b, _)| (b, (0, b))).collect();
    for blk in func.layout.blocks() {
        let Some(term) = func.layout.last_inst(blk) else {
            continue;
        };
        let dfg = &func.dfg;
        for bc in dfg.insts[term].branch_destination(&dfg.jump_tables, &dfg.exception_tables) {
            if let Some(e) = preds.get_mut(&bc.block(&dfg.value_lists)) {
                e.0 += 1;
                e.1 = blk;
            }
        }
    }
    assumed.iter().all(|&(b, from)| preds[&b] == (1, from))
}

/// What [`Tx::compiled_callee`] loads about a Lua callee: its entry stub, its parameter count
/// and frame size (`I64`), and whether compiled code may call it itself (`I8`).
struct CompiledCallee {
    entry: Value,
    np: Value,
    fsize: Value,
    ok: Value,
}

/// What [`Tx::return_check`] loaded for [`Tx::return_perform`]: the running thread, its frame
/// count, the end of its frame array and the returning frame's `nresults`.
#[derive(Clone, Copy)]
struct ReturnState {
    th: Value,
    len: Value,
    end: Value,
    nres: Value,
}

/// The continuation of a fast native's inline body ([`Tx::fast_native_body`]).
#[derive(Clone, Copy)]
enum Then {
    /// A `CALL`: the next instruction.
    Next,
    /// A `TAILCALL`: return the result (the return's conditions already hold).
    Return(ReturnState),
}

/// Library functions whose common cases [`Tx::call_fast_native`] computes inline at a `CALL`
/// (LuaJIT's "fast functions"): the call site checks that `R[A]` is exactly that native (its
/// Rust function pointer), so a replaced library entry simply takes the generic call.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum FastNative {
    /// `string.byte(s)`.
    Byte1,
    /// `string.byte(s, i)`.
    Byte2,
    /// `math.floor(x)`.
    Floor,
    /// `math.sqrt(x)`.
    Sqrt,
}

impl FastNative {
    /// The native function's address (`NativeClosure::f`).
    fn address(self) -> usize {
        let f: crate::vm::api::NativeFn = match self {
            FastNative::Byte1 | FastNative::Byte2 => crate::stdlib::string::str_byte,
            FastNative::Floor => crate::stdlib::math::math_floor,
            FastNative::Sqrt => crate::stdlib::math::math_sqrt,
        };
        f as usize
    }
}

/// Whether `f` (a `NativeClosure::f`) is one of the [`FastNative`]s (interpreter feedback,
/// `FEEDBACK_CALL_FAST`).
pub fn is_fast_native(f: usize) -> bool {
    [FastNative::Byte1, FastNative::Floor, FastNative::Sqrt]
        .iter()
        .any(|n| n.address() == f)
}

/// The [`FastNative`]s a `CALL` could be inlined as, by its argument and result counts (one
/// result wanted; one or two fixed arguments).
fn fast_natives_for(i: Instruction) -> &'static [FastNative] {
    if i.c() != 2 {
        return &[];
    }
    fast_natives_by_args(i.b())
}

/// The [`FastNative`]s taking `b - 1` fixed arguments (field B of a call).
fn fast_natives_by_args(b: u32) -> &'static [FastNative] {
    match b {
        2 => &[FastNative::Byte1, FastNative::Floor, FastNative::Sqrt],
        3 => &[FastNative::Byte2],
        _ => &[],
    }
}

/// Increment the `u32` failed-guard counter at `addr` ([`crate::jit::ProtoJit::deopts`]).
fn count_deopt(fb: &mut FunctionBuilder<'_>, addr: i64) {
    let p = fb.ins().iconst(I64, addr);
    let n = fb.ins().load(I32, flags(), p, 0);
    let n = fb.ins().iadd_imm_s(n, 1);
    fb.ins().store(flags(), n, p, 0);
}

impl Tx<'_> {
    // ------------------------------------------------------------------ primitives

    fn helper(&mut self, h: u32) -> FuncRef {
        if let Some(f) = self.helpers[h as usize] {
            return f;
        }
        let mut sig = Signature::new(self.fb.func.signature.call_conv);
        for &t in helper_params(h) {
            sig.params.push(AbiParam::new(t));
        }
        sig.returns.push(AbiParam::new(helper_return(h)));
        let sigref = self.fb.import_signature(sig);
        let name = self
            .fb
            .func
            .declare_imported_user_function(UserExternalName::new(HELPER_NAMESPACE, h));
        let f = self.fb.import_function(ExtFuncData {
            name: ExternalName::user(name),
            signature: sigref,
            colocated: false,
            patchable: false,
        });
        self.helpers[h as usize] = Some(f);
        f
    }

    /// Call helper `h`. The register cache is cleared: helpers may write any register (and
    /// run Lua code that does).
    fn call(&mut self, h: u32, args: &[Value]) -> Value {
        let f = self.helper(h);
        let inst = self.fb.ins().call(f, args);
        self.cache_clear();
        self.fb.inst_results(inst)[0]
    }

    // ------------------------------------------------------------------ register cache

    /// Make the cache belong to the current block: the cache taken at the branch into it
    /// when it is a [`Tx::branch`] successor, else empty.
    fn cache_check(&mut self) {
        let cb = self.fb.current_block();
        if self.cache.block == cb {
            return;
        }
        match cb.and_then(|b| self.pred_snap.remove(&b)) {
            Some(mut snap) => {
                if let Some(from) = snap.block {
                    self.assumed.push((cb.unwrap_or(from), from));
                }
                snap.block = cb;
                self.cache = snap;
            }
            None => {
                self.cache.block = cb;
                self.cache.regs.clear();
            }
        }
    }
    /// Forget every cached register (after anything that may write registers).
    fn cache_clear(&mut self) {
        self.cache_check();
        self.cache.regs.clear();
    }
    /// The cache entry of register `r` (created empty).
    fn ent(&mut self, r: u32) -> &mut CacheEnt {
        self.cache_check();
        let r = r as usize;
        if self.cache.regs.len() <= r {
            self.cache.regs.resize(r + 1, CacheEnt::default());
        }
        &mut self.cache.regs[r]
    }

    fn off(r: u32) -> i32 {
        (r as i32) * 16
    }
    fn tag(&mut self, r: u32) -> Value {
        match self.ent(r).tag {
            Some(CachedTag::Val(v)) => v,
            Some(CachedTag::Const(t)) => self.fb.ins().iconst(I64, t as i64),
            None => {
                let v = self
                    .fb
                    .ins()
                    .load(I64, flags(), self.base, Self::off(r) + 8);
                self.ent(r).tag = Some(CachedTag::Val(v));
                v
            }
        }
    }
    fn payload(&mut self, r: u32) -> Value {
        let e = *self.ent(r);
        if let Some(v) = e.pay {
            return v;
        }
        let v = match e.fpay {
            Some(f) => self.fb.ins().bitcast(I64, MemFlagsData::new(), f),
            None => self.fb.ins().load(I64, flags(), self.base, Self::off(r)),
        };
        self.ent(r).pay = Some(v);
        v
    }
    fn fpayload(&mut self, r: u32) -> Value {
        let e = *self.ent(r);
        if let Some(v) = e.fpay {
            return v;
        }
        let v = match e.pay {
            Some(p) => self.fb.ins().bitcast(F64, MemFlagsData::new(), p),
            None => self.fb.ins().load(F64, flags(), self.base, Self::off(r)),
        };
        self.ent(r).fpay = Some(v);
        v
    }
    /// Record that register `r` now holds `payload` (`I64` or `F64`) with `tag`.
    fn cache_set(&mut self, r: u32, payload: Value, tag: CachedTag) {
        let float = self.fb.func.dfg.value_type(payload) == F64;
        *self.ent(r) = CacheEnt {
            pay: (!float).then_some(payload),
            fpay: float.then_some(payload),
            tag: Some(tag),
        };
    }
    fn store(&mut self, r: u32, payload: Value, tag: u64) {
        let t = self.fb.ins().iconst(I64, tag as i64);
        self.fb
            .ins()
            .store(flags(), payload, self.base, Self::off(r));
        self.fb.ins().store(flags(), t, self.base, Self::off(r) + 8);
        self.cache_set(r, payload, CachedTag::Const(tag));
    }
    fn store_const(&mut self, r: u32, v: LuaValue) {
        let p = self.fb.ins().iconst(I64, v.payload() as i64);
        self.store(r, p, v.tag());
    }
    /// Store `payload` (`I64`) and `tag` (an `I64` value) into register `r`.
    fn store_val(&mut self, r: u32, payload: Value, tag: Value) {
        self.fb
            .ins()
            .store(flags(), payload, self.base, Self::off(r));
        self.fb
            .ins()
            .store(flags(), tag, self.base, Self::off(r) + 8);
        self.cache_set(r, payload, CachedTag::Val(tag));
    }
    /// Copy the value at `ptr + off` (not a register of this frame) into register `r`.
    fn copy_in(&mut self, r: u32, ptr: Value, off: i32) {
        let p = self.fb.ins().load(I64, flags(), ptr, off);
        let t = self.fb.ins().load(I64, flags(), ptr, off + 8);
        self.store_val(r, p, t);
    }
    /// `R[dst] := R[src]`.
    fn move_reg(&mut self, dst: u32, src: u32) {
        let e = *self.ent(src);
        let (p, t) = (self.payload(src), self.tag(src));
        self.store_val(dst, p, t);
        // Keep what is known of the source (a float view, a constant tag).
        let d = self.ent(dst);
        d.fpay = e.fpay;
        if let Some(tag) = e.tag {
            d.tag = Some(tag);
        }
    }
    fn reg_ptr(&mut self, r: u32) -> Value {
        if r == 0 {
            return self.base;
        }
        self.fb.ins().iadd_imm_s(self.base, Self::off(r) as i64)
    }
    fn k_ptr(&mut self, i: usize) -> Value {
        let addr = self.k.as_ptr() as usize + i * 16;
        self.fb.ins().iconst(I64, addr as i64)
    }
    fn opnd_ptr(&mut self, o: Opnd) -> Value {
        match o {
            Opnd::Reg(r) => self.reg_ptr(r),
            Opnd::K(_, i) => self.k_ptr(i),
        }
    }
    fn opnd_tag(&mut self, o: Opnd) -> Value {
        match o {
            Opnd::Reg(r) => self.tag(r),
            Opnd::K(v, _) => self.fb.ins().iconst(I64, v.tag() as i64),
        }
    }
    fn opnd_payload(&mut self, o: Opnd) -> Value {
        match o {
            Opnd::Reg(r) => self.payload(r),
            Opnd::K(v, _) => self.fb.ins().iconst(I64, v.payload() as i64),
        }
    }
    /// Address of the scratch slot holding the integer `i`.
    fn scratch_int(&mut self, i: i64) -> Value {
        let p = self.fb.ins().iconst(I64, i);
        let t = self.fb.ins().iconst(I64, TAG_INT as i64);
        self.fb.ins().stack_store(I64, p, self.scratch, 0);
        self.fb.ins().stack_store(I64, t, self.scratch, 8);
        self.fb.ins().stack_addr(I64, self.scratch, 0)
    }
    /// Pointer to the value slot of upvalue `n` (`(*upvals[n]).v`).
    fn upval_ptr(&mut self, n: u32) -> Value {
        let u = self
            .fb
            .ins()
            .load(I64, flags(), self.upvals, (n as i32) * 8);
        let off = std::mem::offset_of!(UpVal, v) as i32;
        self.fb.ins().load(I64, flags(), u, off)
    }

    /// At the start of a loop header: its block parameters are the values of its numeric
    /// registers ([`loop_params`]), with their known tags.
    fn header_cache(&mut self, pc: usize) {
        let b = self.blocks[pc];
        let params = self.fb.block_params(b).to_vec();
        for (k, &(r, t)) in self.hparams[pc].clone().iter().enumerate() {
            let tag = t.tag().unwrap_or(TAG_INT);
            self.cache_set(r, params[k], CachedTag::Const(tag));
        }
    }

    fn goto(&mut self, pc: usize) {
        if self
            .region
            .is_some_and(|r| !r.get(pc).copied().unwrap_or(false))
        {
            // Leaving the OSR region (the loop's exit, a jump out of it): the interpreter
            // continues at the target.
            self.exit_at(pc);
            return;
        }
        if pc < self.blocks.len() && !self.hparams[pc].is_empty() {
            // A loop header: its numeric registers' current values as arguments.
            let args: Vec<BlockArg> = self.hparams[pc]
                .clone()
                .iter()
                .map(|&(r, t)| {
                    BlockArg::Value(if t == Ty::Float {
                        self.fpayload(r)
                    } else {
                        self.payload(r)
                    })
                })
                .collect();
            let b = self.blocks[pc];
            self.fb.ins().jump(b, &args);
            return;
        }
        if pc < self.blocks.len() {
            if !self.merge[pc] {
                if pc <= self.cur_pc {
                    self.bad_edge = true;
                }
                self.edges[pc] += 1;
                self.snaps[pc] = if self.edges[pc] == 1 {
                    self.cache_check();
                    Some(self.cache.clone())
                } else {
                    None
                };
            }
            let b = self.blocks[pc];
            self.fb.ins().jump(b, &[]);
        } else {
            self.exit_at(pc);
        }
    }
    fn exit_at(&mut self, pc: usize) {
        let v = self.fb.ins().iconst(I64, pc as i64);
        self.fb.ins().jump(self.exit, &[BlockArg::Value(v)]);
    }
    /// Jump to `target` from the instruction at `at`; a backward jump first polls the
    /// interrupt flag and, when set, exits at `at` so the interpreter raises "interrupted!".
    fn jump_to(&mut self, at: usize, target: usize) {
        if target <= at {
            let flag = self.fb.ins().uload8(I32, flags(), self.intr, 0);
            let go = self.fb.create_block();
            let stop = self.fb.create_block();
            self.fb.ins().brif(flag, stop, &[], go, &[]);
            self.fb.switch_to_block(stop);
            self.exit_at(at);
            self.fb.switch_to_block(go);
        }
        self.goto(target);
    }
    /// Branch on `c` (an integer, nonzero = true) to two continuations.
    fn branch(&mut self, c: Value) -> (Block, Block) {
        let t = self.fb.create_block();
        let f = self.fb.create_block();
        if self.carry {
            self.cache_check();
            if !self.cache.regs.is_empty() {
                self.pred_snap.insert(t, self.cache.clone());
                self.pred_snap.insert(f, self.cache.clone());
            }
        }
        self.fb.ins().brif(c, t, &[], f, &[]);
        (t, f)
    }
    /// `condjump` of interp.rs for the test at `pc`: if `cond != k` skip the next JMP, else
    /// perform it.
    fn condjump(&mut self, pc: usize, cond: Value, k: bool) {
        let (t, f) = self.branch(cond);
        let (jump_blk, skip_blk) = if k { (t, f) } else { (f, t) };
        self.fb.switch_to_block(skip_blk);
        self.goto(pc + 2);
        self.fb.switch_to_block(jump_blk);
        let target = self.jmp_target(pc + 1);
        self.jump_to(pc + 1, target);
    }
    fn jmp_target(&self, jmp_pc: usize) -> usize {
        let sj = self.code.get(jmp_pc).map(|i| i.sj_field()).unwrap_or(0);
        (jmp_pc as isize + 1 + sj as isize) as usize
    }
    /// Dispatch on a helper's 0/1/EXIT result used as a condition for `condjump`.
    fn condjump_helper(&mut self, pc: usize, r: Value, k: bool) {
        let is_exit = self.fb.ins().icmp_imm_s(IntCC::Equal, r, EXIT as i64);
        let (e, ok) = self.branch(is_exit);
        self.fb.switch_to_block(e);
        self.exit_at(pc);
        self.fb.switch_to_block(ok);
        self.condjump(pc, r, k);
    }
    /// After a table helper: DONE → next instruction, otherwise exit at `pc`.
    fn done_or_exit(&mut self, pc: usize, r: Value) {
        let ok = self.fb.ins().icmp_imm_s(IntCC::Equal, r, DONE as i64);
        let (t, f) = self.branch(ok);
        self.fb.switch_to_block(t);
        self.goto(pc + 1);
        self.fb.switch_to_block(f);
        self.exit_at(pc);
    }
    /// After a table helper: DONE → next instruction, otherwise the instruction's slow path
    /// (metamethods, a rehash, errors) through the `jit_op` helper, which may exit at `pc`.
    fn done_or_op(&mut self, pc: usize, r: Value, i: Instruction) {
        let ok = self.fb.ins().icmp_imm_s(IntCC::Equal, r, DONE as i64);
        let (t, f) = self.branch(ok);
        self.fb.switch_to_block(t);
        self.goto(pc + 1);
        self.fb.switch_to_block(f);
        self.vm_helper(H_OP, pc, i);
    }
    fn is_falsy(&mut self, tag: Value, payload: Value) -> Value {
        let nil = self.fb.ins().icmp_imm_s(IntCC::Equal, tag, TAG_NIL as i64);
        let b = self.fb.ins().icmp_imm_s(IntCC::Equal, tag, TAG_BOOL as i64);
        let z = self.fb.ins().icmp_imm_s(IntCC::Equal, payload, 0);
        let f = self.fb.ins().band(b, z);
        self.fb.ins().bor(nil, f)
    }

    // ------------------------------------------------------------------ instructions

    fn instruction(&mut self, pc: usize, i: Instruction) {
        let a = i.a();
        match i.op() {
            OpCode::MOVE => {
                self.move_reg(a, i.b());
                self.goto(pc + 1);
            }
            OpCode::LOADI => {
                self.store_const(a, LuaValue::int(i.sbx() as i64));
                self.goto(pc + 1);
            }
            OpCode::LOADF => {
                self.store_const(a, LuaValue::float(i.sbx() as f64));
                self.goto(pc + 1);
            }
            OpCode::LOADK => {
                let v = self.k[i.bx() as usize];
                self.store_const(a, v);
                self.goto(pc + 1);
            }
            OpCode::LOADKX => match self.code.get(pc + 1) {
                Some(n) => {
                    let v = self.k[n.ax_field() as usize];
                    self.store_const(a, v);
                    self.goto(pc + 2);
                }
                None => self.exit_here(pc),
            },
            OpCode::LOADFALSE => {
                self.store_const(a, LuaValue::FALSE);
                self.goto(pc + 1);
            }
            OpCode::LFALSESKIP => {
                self.store_const(a, LuaValue::FALSE);
                self.goto(pc + 2);
            }
            OpCode::LOADTRUE => {
                self.store_const(a, LuaValue::TRUE);
                self.goto(pc + 1);
            }
            OpCode::LOADNIL => {
                for j in 0..=i.b() {
                    self.store_const(a + j, LuaValue::NIL);
                }
                self.goto(pc + 1);
            }
            OpCode::GETUPVAL => {
                let p = self.upval_ptr(i.b());
                self.copy_in(a, p, 0);
                self.goto(pc + 1);
            }
            OpCode::SETUPVAL => {
                let p = self.upval_ptr(i.b());
                let pl = self.payload(a);
                let tg = self.tag(a);
                self.fb.ins().store(flags(), pl, p, 0);
                self.fb.ins().store(flags(), tg, p, 8);
                self.goto(pc + 1);
            }
            OpCode::GETTABUP => {
                let t = self.upval_ptr(i.b());
                self.get_field(pc, i, t, i.c() as usize, a);
            }
            OpCode::GETFIELD => {
                let t = self.reg_ptr(i.b());
                self.get_field(pc, i, t, i.c() as usize, a);
            }
            OpCode::GETTABLE => {
                let key = self.payload(i.c());
                let kt = self.tag(i.c());
                let kint = self.fb.ins().icmp_imm_s(IntCC::Equal, kt, TAG_INT as i64);
                let (hit, miss) = self.array_slot(pc, i.b(), key, Some(kint));
                self.fb.switch_to_block(hit.0);
                self.copy_in(a, hit.1, 0);
                self.goto(pc + 1);
                self.fb.switch_to_block(miss);
                // A short-string key: raw hit in the hash part inline.
                let slow = self.fb.create_block();
                let key = self.reg_str_key(i.c(), slow);
                let t = self.reg_ptr(i.b());
                let nokey = self.fb.create_block();
                let (tp, n) = self.probe_str(t, key, slow, nokey);
                self.copy_in(a, n, NODE_VAL);
                self.goto(pc + 1);
                self.fb.switch_to_block(nokey);
                self.raw_miss(pc, tp, a, slow);
                self.fb.switch_to_block(slow);
                let key = self.reg_ptr(i.c());
                self.get_helper(pc, i, key);
            }
            OpCode::GETI => {
                let key = self.fb.ins().iconst(I64, i.c() as i64);
                let (hit, miss) = self.array_slot(pc, i.b(), key, None);
                self.fb.switch_to_block(hit.0);
                self.copy_in(a, hit.1, 0);
                self.goto(pc + 1);
                self.fb.switch_to_block(miss);
                let key = self.scratch_int(i.c() as i64);
                self.get_helper(pc, i, key);
            }
            OpCode::SETTABLE | OpCode::SETI => {
                // Inline array-part store (a non-nil slot, or any slot of a table without metatable).
                let (key, kint) = if i.op() == OpCode::SETI {
                    (self.fb.ins().iconst(I64, i.b() as i64), None)
                } else {
                    let kt = self.tag(i.b());
                    let kint = self.fb.ins().icmp_imm_s(IntCC::Equal, kt, TAG_INT as i64);
                    (self.payload(i.b()), Some(kint))
                };
                let (hit, miss) = self.array_slot(pc, a, key, kint);
                self.fb.switch_to_block(hit.0);
                let (vp, vt) = self.rk_value(i);
                self.fb.ins().store(flags(), vp, hit.1, 0);
                self.fb.ins().store(flags(), vt, hit.1, 8);
                self.goto(pc + 1);
                self.fb.switch_to_block(miss);
                self.table_set(pc, i);
            }
            OpCode::SETTABUP | OpCode::SETFIELD => self.table_set(pc, i),
            OpCode::SELF if i.k() => {
                // R[A+1] := R[B]; R[A] := R[B][K[C]] (the key is a constant, so writing A+1
                // first cannot clobber it; a redo in the interpreter writes the same A+1).
                self.move_reg(a + 1, i.b());
                let t = self.reg_ptr(a + 1);
                self.get_field(pc, i, t, i.c() as usize, a);
            }
            OpCode::ADD
            | OpCode::SUB
            | OpCode::MUL
            | OpCode::DIV
            | OpCode::MOD
            | OpCode::IDIV
            | OpCode::BAND
            | OpCode::BOR
            | OpCode::BXOR => self.arith_inline(pc, i, Opnd::Reg(i.b()), Opnd::Reg(i.c())),
            OpCode::ADDK
            | OpCode::SUBK
            | OpCode::MULK
            | OpCode::DIVK
            | OpCode::MODK
            | OpCode::IDIVK
            | OpCode::BANDK
            | OpCode::BORK
            | OpCode::BXORK => {
                let c = i.c() as usize;
                self.arith_inline(pc, i, Opnd::Reg(i.b()), Opnd::K(self.k[c], c))
            }
            OpCode::POW | OpCode::SHL | OpCode::SHR => {
                let p1 = self.reg_ptr(i.b());
                let p2 = self.reg_ptr(i.c());
                self.arith_helper(pc, i, p1, p2);
            }
            OpCode::POWK => {
                let p1 = self.reg_ptr(i.b());
                let p2 = self.k_ptr(i.c() as usize);
                self.arith_helper(pc, i, p1, p2);
            }
            OpCode::SHRI | OpCode::SHLI => {
                let p1 = self.reg_ptr(i.b());
                let p2 = self.scratch_int(i.sc() as i64);
                self.arith_helper(pc, i, p1, p2);
            }
            OpCode::ADDI => self.addi(pc, i),
            OpCode::UNM => {
                let (ib, nb) = self.branch_on_tag(i.b(), TAG_INT);
                self.fb.switch_to_block(ib);
                let x = self.payload(i.b());
                let r = self.fb.ins().ineg(x);
                self.store_typed(a, r, TAG_INT);
                self.goto(pc + 1);
                self.fb.switch_to_block(nb);
                let (fb_, eb) = self.branch_on_tag(i.b(), TAG_FLOAT);
                self.fb.switch_to_block(fb_);
                let x = self.fpayload(i.b());
                let r = self.fb.ins().fneg(x);
                self.store_typed(a, r, TAG_FLOAT);
                self.goto(pc + 1);
                self.fb.switch_to_block(eb);
                self.exit_here(pc);
            }
            OpCode::BNOT => {
                // Integers inline; floats with integral values and `__bnot` in `jit_op`.
                let (ib, nb) = self.branch_on_tag(i.b(), TAG_INT);
                self.fb.switch_to_block(ib);
                let x = self.payload(i.b());
                let r = self.fb.ins().bnot(x);
                self.store_typed(a, r, TAG_INT);
                self.goto(pc + 1);
                self.fb.switch_to_block(nb);
                self.vm_helper(H_OP, pc, i);
            }
            OpCode::NOT => {
                let t = self.tag(i.b());
                let p = self.payload(i.b());
                let f = self.is_falsy(t, p);
                let r = self.fb.ins().uextend(I64, f);
                self.store(a, r, TAG_BOOL);
                self.goto(pc + 1);
            }
            OpCode::LEN => {
                // A string's length inline (strings have no `__len`).
                let t = self.tag(i.b());
                let is_s = self.fb.ins().icmp_imm_s(IntCC::Equal, t, TAG_STR as i64);
                let (sb, other) = self.branch(is_s);
                self.fb.switch_to_block(sb);
                let sp = self.payload(i.b());
                let n = self.fb.ins().load(
                    I64,
                    flags(),
                    sp,
                    crate::vm::string::LuaString::LEN_OFFSET as i32,
                );
                self.store_typed(a, n, TAG_INT);
                self.goto(pc + 1);
                self.fb.switch_to_block(other);
                let v = self.reg_ptr(i.b());
                let dst = self.reg_ptr(a);
                let r = self.call(H_LEN, &[v, dst]);
                // `__len` or a value without length: `jit_op` (runs it or raises).
                let ok = self.fb.ins().icmp_imm_s(IntCC::Equal, r, DONE as i64);
                let (t, f) = self.branch(ok);
                self.fb.switch_to_block(t);
                self.goto(pc + 1);
                self.fb.switch_to_block(f);
                self.vm_helper(H_OP, pc, i);
            }
            OpCode::JMP => {
                let target = self.jmp_target(pc);
                self.jump_to(pc, target);
            }
            OpCode::EQ | OpCode::LT | OpCode::LE if self.known_cmp(i).is_some() => {
                self.cmp_known(pc, i)
            }
            OpCode::EQ => {
                let (ta, tb) = (self.tag(a), self.tag(i.b()));
                let same = self.fb.ins().icmp(IntCC::Equal, ta, tb);
                let mut simple = same;
                for t in [TAG_TABLE, TAG_USERDATA, TAG_FLOAT, TAG_STR] {
                    let ne = self.fb.ins().icmp_imm_s(IntCC::NotEqual, ta, t as i64);
                    simple = self.fb.ins().band(simple, ne);
                }
                let (fast, slow) = self.branch(simple);
                self.fb.switch_to_block(fast);
                let (pa, pb) = (self.payload(a), self.payload(i.b()));
                let c = self.fb.ins().icmp(IntCC::Equal, pa, pb);
                self.condjump(pc, c, i.k());
                self.fb.switch_to_block(slow);
                let (p1, p2) = (self.reg_ptr(a), self.reg_ptr(i.b()));
                let pcv = self.fb.ins().iconst(I64, pc as i64);
                let vm = self.vm;
                let r = self.call(H_EQ, &[vm, p1, p2, pcv]);
                self.condjump_helper(pc, r, i.k());
            }
            OpCode::LT | OpCode::LE => {
                let (ta, tb) = (self.tag(a), self.tag(i.b()));
                let ia = self.fb.ins().icmp_imm_s(IntCC::Equal, ta, TAG_INT as i64);
                let ib = self.fb.ins().icmp_imm_s(IntCC::Equal, tb, TAG_INT as i64);
                let both = self.fb.ins().band(ia, ib);
                let (fast, slow) = self.branch(both);
                self.fb.switch_to_block(fast);
                let (x, y) = (self.payload(a), self.payload(i.b()));
                let cc = if i.op() == OpCode::LT {
                    IntCC::SignedLessThan
                } else {
                    IntCC::SignedLessThanOrEqual
                };
                let c = self.fb.ins().icmp(cc, x, y);
                self.condjump(pc, c, i.k());
                self.fb.switch_to_block(slow);
                let le = self.fb.ins().iconst(I32, (i.op() == OpCode::LE) as i64);
                let (p1, p2) = (self.reg_ptr(a), self.reg_ptr(i.b()));
                let r = self.call(H_LT, &[le, p1, p2]);
                self.condjump_helper(pc, r, i.k());
            }
            OpCode::EQK => {
                let p1 = self.reg_ptr(a);
                let p2 = self.k_ptr(i.b() as usize);
                let r = self.call(H_EQK, &[p1, p2]);
                self.condjump(pc, r, i.k());
            }
            OpCode::EQI | OpCode::LTI | OpCode::LEI | OpCode::GTI | OpCode::GEI => {
                self.cmp_imm(pc, i)
            }
            OpCode::TEST => {
                let (t, p) = (self.tag(a), self.payload(a));
                let f = self.is_falsy(t, p);
                let truthy = self.fb.ins().bxor_imm_s(f, 1);
                self.condjump(pc, truthy, i.k());
            }
            OpCode::TESTSET => {
                let (t, p) = (self.tag(i.b()), self.payload(i.b()));
                let f = self.is_falsy(t, p);
                // if falsy(rb) == k then pc+2 else { R[A] := R[B]; jump }
                let eq = self.fb.ins().icmp_imm_s(IntCC::Equal, f, i.k() as i64);
                let (skip, take) = self.branch(eq);
                self.fb.switch_to_block(skip);
                self.goto(pc + 2);
                self.fb.switch_to_block(take);
                self.store_val(a, p, t);
                let target = self.jmp_target(pc + 1);
                self.jump_to(pc + 1, target);
            }
            OpCode::FORLOOP => self.forloop(pc, i),
            OpCode::FORPREP => {
                let ra = self.reg_ptr(a);
                let pcv = self.fb.ins().iconst(I64, pc as i64);
                let vm = self.vm;
                let r = self.call(H_FORPREP, &[vm, ra, pcv]);
                let is_exit = self.fb.ins().icmp_imm_s(IntCC::Equal, r, EXIT as i64);
                let (e, ok) = self.branch(is_exit);
                self.fb.switch_to_block(e);
                self.exit_at(pc);
                self.fb.switch_to_block(ok);
                let (skip, run) = self.branch(r);
                self.fb.switch_to_block(skip);
                self.goto(pc + i.bx() as usize + 2);
                self.fb.switch_to_block(run);
                self.goto(pc + 1);
            }
            OpCode::TFORPREP => {
                // To-be-closed state values need the interpreter (new_tbc).
                let (t, p) = (self.tag(a + 3), self.payload(a + 3));
                let f = self.is_falsy(t, p);
                let (nothing, tbc) = self.branch(f);
                self.fb.switch_to_block(tbc);
                self.exit_at(pc);
                self.fb.switch_to_block(nothing);
                self.goto(pc + 1 + i.bx() as usize);
            }
            OpCode::TFORLOOP => {
                let t = self.tag(a + 4);
                let nn = self.fb.ins().icmp_imm_s(IntCC::NotEqual, t, TAG_NIL as i64);
                let (cont, done) = self.branch(nn);
                self.fb.switch_to_block(done);
                self.goto(pc + 1);
                self.fb.switch_to_block(cont);
                let target = pc + 1 - i.bx() as usize;
                // Poll first: the interpreter would redo this instruction on exit.
                let flag = self.fb.ins().uload8(I32, flags(), self.intr, 0);
                let (stop, go) = self.branch(flag);
                self.fb.switch_to_block(stop);
                self.exit_at(pc);
                self.fb.switch_to_block(go);
                self.move_reg(a + 2, a + 4);
                self.goto(target);
            }
            OpCode::CALL => self.call_inline(pc, i),
            OpCode::RETURN0 | OpCode::RETURN1 => self.return_inline(pc, i),
            // NEWTABLE is always followed by an EXTRAARG (its array size's high bits when `k`
            // is set), as is SETLIST with `k`: the helper reads it, compiled code steps over it.
            OpCode::NEWTABLE => self.vm_helper(H_OP, pc, i),
            OpCode::EXTRAARG => self.goto(pc + 1),
            OpCode::CONCAT
            | OpCode::CLOSURE
            | OpCode::CLOSE
            | OpCode::TBC
            | OpCode::MMBIN
            | OpCode::MMBINI
            | OpCode::MMBINK
            | OpCode::TFORCALL
            | OpCode::VARARG => self.vm_helper(H_OP, pc, i),
            OpCode::TAILCALL => self.tailcall_inline(pc, i),
            OpCode::SETLIST => self.vm_helper(H_OP, pc, i),
            _ => self.exit_here(pc),
        }
    }

    /// Array-part probe of the table in register `t` at integer key `key` (`kint`: a condition
    /// that the key is an integer, when not statically known). Returns `((hit, slot_ptr), miss)`:
    /// `hit` is entered when `R[t]` is a table, `1 <= key <= asize`, and the slot is not nil or
    /// the table has no metatable (then having saved instruction `pc`'s pc, as the
    /// interpreter's slow path does).
    fn array_slot(
        &mut self,
        pc: usize,
        t: u32,
        key: Value,
        kint: Option<Value>,
    ) -> ((Block, Value), Block) {
        let miss = self.fb.create_block();
        let tt = self.tag(t);
        let mut ok = self.fb.ins().icmp_imm_s(IntCC::Equal, tt, TAG_TABLE as i64);
        if let Some(k) = kint {
            ok = self.fb.ins().band(ok, k);
        }
        let c1 = self.fb.create_block();
        self.fb.ins().brif(ok, c1, &[], miss, &[]);
        self.fb.switch_to_block(c1);
        let tp = self.payload(t);
        let asize =
            self.fb
                .ins()
                .uload32(flags(), tp, std::mem::offset_of!(LuaTable, asize) as i32);
        let idx = self.fb.ins().iadd_imm_s(key, -1);
        let inb = self.fb.ins().icmp(IntCC::UnsignedLessThan, idx, asize);
        let c2 = self.fb.create_block();
        self.fb.ins().brif(inb, c2, &[], miss, &[]);
        self.fb.switch_to_block(c2);
        let arr = self.fb.ins().load(
            I64,
            flags(),
            tp,
            std::mem::offset_of!(LuaTable, array) as i32,
        );
        let off = self.fb.ins().ishl_imm_s(idx, 4);
        let slot = self.fb.ins().iadd(arr, off);
        let st = self.fb.ins().load(I64, flags(), slot, 8);
        let nn = self
            .fb
            .ins()
            .icmp_imm_s(IntCC::NotEqual, st, TAG_NIL as i64);
        let hit = self.fb.create_block();
        let nil_slot = self.fb.create_block();
        self.fb.ins().brif(nn, hit, &[], nil_slot, &[]);
        // A nil slot is a raw hit too when the table has no metatable (no `__index` or
        // `__newindex` can apply): reads give nil, stores fill it. The interpreter takes
        // its protected slow path there (`index_slow`, `set_slow`), which saves the pc: so
        // does this (the line of a later unprotected error depends on it).
        self.fb.switch_to_block(nil_slot);
        let mt = self.fb.ins().load(
            I64,
            flags(),
            tp,
            std::mem::offset_of!(LuaTable, metatable) as i32,
        );
        let plain = self.fb.create_block();
        self.fb.ins().brif(mt, miss, &[], plain, &[]);
        self.fb.switch_to_block(plain);
        self.save_pc(pc);
        self.fb.ins().jump(hit, &[]);
        ((hit, slot), miss)
    }

    /// The constant `K[kidx]` as a [`StrKey`] when it is a short string (the only keys the
    /// inline hash probes handle: interned, so equal keys are the same object).
    fn const_str_key(&self, kidx: usize) -> Option<StrKey> {
        let kv = self.k[kidx];
        if kv.tag() != TAG_STR {
            return None;
        }
        let sp = kv.payload() as *const LuaString;
        // SAFETY: the constants of a live proto are live strings, and the proto outlives
        // its compiled code; a short string's hash is computed when it is interned.
        let (short, hash) = unsafe { ((*sp).short, (*sp).hash.get()) };
        short.then_some(StrKey::Const {
            ptr: sp as i64,
            hash,
        })
    }

    /// Inline `get_short_str`: look the short-string `key` up in the hash part of the table
    /// at `tp`, starting at its main position (`hash & (2^lsizenode - 1)`) and following the
    /// collision chain (`Node::next`, a relative offset in nodes; 0 ends the chain) to its
    /// end, as `LuaTable::get_short_str` does. A node matches when its key has tag
    /// `TAG_STR` and the key's address (dead keys and integer keys with an equal payload
    /// never match). Returns the matching node's address, the builder left in the block
    /// where it was found (its value may be nil: a removed key keeps its node); no hash part
    /// or the end of the chain jumps to `absent`.
    fn find_str(&mut self, tp: Value, key: StrKey, absent: Block) -> Value {
        let node = self.fb.ins().load(
            I64,
            flags(),
            tp,
            std::mem::offset_of!(LuaTable, node) as i32,
        );
        let has = self.fb.create_block();
        self.fb.ins().brif(node, has, &[], absent, &[]);
        self.fb.switch_to_block(has);
        let lsz = self.fb.ins().uload8(
            I64,
            flags(),
            tp,
            std::mem::offset_of!(LuaTable, lsizenode) as i32,
        );
        let one = self.fb.ins().iconst(I64, 1);
        let size = self.fb.ins().ishl(one, lsz);
        let mask = self.fb.ins().iadd_imm_s(size, -1);
        let (kptr, idx) = match key {
            StrKey::Const { ptr, hash } => (
                self.fb.ins().iconst(I64, ptr),
                self.fb.ins().band_imm_s(mask, hash as i64),
            ),
            StrKey::Dyn { ptr, hash } => (ptr, self.fb.ins().band(mask, hash)),
        };
        let off = self.fb.ins().imul_imm_s(idx, NODE_SIZE);
        let n0 = self.fb.ins().iadd(node, off);
        let walk = self.fb.create_block();
        let n = self.fb.append_block_param(walk, I64);
        self.fb.ins().jump(walk, &[BlockArg::Value(n0)]);
        self.fb.switch_to_block(walk);
        let ko = std::mem::offset_of!(Node, key) as i32;
        let kt = self.fb.ins().load(I64, flags(), n, ko + 8);
        let kp = self.fb.ins().load(I64, flags(), n, ko);
        let c1 = self.fb.ins().icmp_imm_s(IntCC::Equal, kt, TAG_STR as i64);
        let c2 = self.fb.ins().icmp(IntCC::Equal, kp, kptr);
        let c = self.fb.ins().band(c1, c2);
        let (found, other) = self.branch(c);
        self.fb.switch_to_block(other);
        let nx = self
            .fb
            .ins()
            .sload32(flags(), n, std::mem::offset_of!(Node, next) as i32);
        let step = self.fb.create_block();
        self.fb.ins().brif(nx, step, &[], absent, &[]);
        self.fb.switch_to_block(step);
        let off = self.fb.ins().imul_imm_s(nx, NODE_SIZE);
        let n1 = self.fb.ins().iadd(n, off);
        self.fb.ins().jump(walk, &[BlockArg::Value(n1)]);
        self.fb.switch_to_block(found);
        n
    }

    /// Inline raw read `t[key]` of the value `*tval` for a short-string `key`: on a hit (a
    /// table whose node for `key` holds a non-nil value) the builder is left in a new block
    /// and `(table address, node address)` is returned. `not_table` is taken when `*tval` is
    /// not a table, `miss` when the key is absent or its value nil (the table address
    /// dominates `miss`: it is only reached after the tag test).
    fn probe_str(
        &mut self,
        tval: Value,
        key: StrKey,
        not_table: Block,
        miss: Block,
    ) -> (Value, Value) {
        let tt = self.fb.ins().load(I64, flags(), tval, 8);
        let is_t = self.fb.ins().icmp_imm_s(IntCC::Equal, tt, TAG_TABLE as i64);
        let b1 = self.fb.create_block();
        self.fb.ins().brif(is_t, b1, &[], not_table, &[]);
        self.fb.switch_to_block(b1);
        let tp = self.fb.ins().load(I64, flags(), tval, 0);
        let n = self.probe_table(tp, key, miss);
        (tp, n)
    }

    /// [`Self::find_str`] in the table at `tp`, then a non-nil test of the node's value:
    /// returns the node in the hit block; a nil value or an absent key goes to `miss`.
    fn probe_table(&mut self, tp: Value, key: StrKey, miss: Block) -> Value {
        let n = self.find_str(tp, key, miss);
        let vt = self.fb.ins().load(I64, flags(), n, NODE_VAL + 8);
        let nn = self
            .fb
            .ins()
            .icmp_imm_s(IntCC::NotEqual, vt, TAG_NIL as i64);
        let hit = self.fb.create_block();
        self.fb.ins().brif(nn, hit, &[], miss, &[]);
        self.fb.switch_to_block(hit);
        n
    }

    /// `R[dst] := T[K[kidx]]` (`GETFIELD`, `GETTABUP`, `SELF`) where `tval` points at the
    /// value `T`: `luaV_fastget` + `luaV_finishget` (lvm.c) inline for a short-string
    /// constant key:
    ///
    /// 1. raw lookup in `T` ([`Self::probe_table`], whole collision chain): a non-nil value is
    ///    the result;
    /// 2. for `SELF` only (method calls: the key is usually found in a class reached through
    ///    `__index` tables; the other forms mostly hit, and the walk doubles their code size
    ///    and so their compile time), when `T` is a table: the frame's saved pc is set (the
    ///    interpreter's `index_slow` is protected, and lvm.c's unprotected errors report the
    ///    last saved pc), then, in a loop starting with `t = T`: no metatable, or the
    ///    metatable's `flags` cache saying `__index` is absent, gives nil; an `__index` field
    ///    that is a table `u` is searched raw for the key (hit: the result), and on a miss the
    ///    loop continues with `t = u`.
    ///
    /// Everything else goes to the `jit_get_str` helper, which redoes the lookup from `T`
    /// following `__index` tables; when it cannot finish, `GETFIELD` continues in `jit_op`
    /// (`index_slow`) and `GETTABUP`/`SELF` exit at `pc`: `T` not a table (strings,
    /// userdata), an `__index` that is not a table (a function is called by the
    /// interpreter), an `__index` not yet known absent (the helper records it in the
    /// metatable's cache), a chain of more than [`INLINE_INDEX_DEPTH`] `__index` tables, a
    /// key that is not a short-string constant.
    fn get_field(&mut self, pc: usize, i: Instruction, tval: Value, kidx: usize, dst: u32) {
        let slow = self.fb.create_block();
        let key = self.const_str_key(kidx);
        if let Some(key) = key
            && i.op() != OpCode::SELF
        {
            // A site that only ever hit leaves misses to the helper.
            let fb = self.feedback.get(pc).map_or(0, |c| c.get());
            let misses = fb == 0 || fb & crate::vm::function::FEEDBACK_FIELD_MISS != 0;
            let nokey = if misses { self.fb.create_block() } else { slow };
            let (tp, n) = self.probe_str(tval, key, slow, nokey);
            self.copy_in(dst, n, NODE_VAL);
            self.goto(pc + 1);
            if misses {
                self.fb.switch_to_block(nokey);
                self.raw_miss(pc, tp, dst, slow);
            }
        } else if let Some(key) = key {
            let (tab_seen, index_seen, str_seen) = self.self_seen(pc);
            let nokey = self.fb.create_block();
            let notab = self.fb.create_block();
            let lp = self.fb.create_block();
            let mt = self.fb.append_block_param(lp, I64);
            let depth = self.fb.append_block_param(lp, I64);
            if tab_seen {
                let (tp, n) = self.probe_str(tval, key, notab, nokey);
                self.copy_in(dst, n, NODE_VAL);
                self.goto(pc + 1);
                self.fb.switch_to_block(nokey);
                if index_seen {
                    // Raw miss: the `__index` loop over (metatable, depth), from T's.
                    self.save_pc(pc);
                    let zero = self.fb.ins().iconst(I64, 0);
                    let tmt = self.fb.ins().load(
                        I64,
                        flags(),
                        tp,
                        std::mem::offset_of!(LuaTable, metatable) as i32,
                    );
                    self.fb
                        .ins()
                        .jump(lp, &[BlockArg::Value(tmt), BlockArg::Value(zero)]);
                } else {
                    self.fb.ins().jump(slow, &[]);
                }
            } else {
                self.fb.ins().jump(notab, &[]);
            }
            self.fb.switch_to_block(notab);
            if str_seen {
                // A string receiver (`s:byte(i)`): the same loop from the string metatable
                // (an absent metatable or `__index` raises: the helper).
                let tt = self.fb.ins().load(I64, flags(), tval, 8);
                let is_s = self.fb.ins().icmp_imm_s(IntCC::Equal, tt, TAG_STR as i64);
                let sb = self.fb.create_block();
                self.fb.ins().brif(is_s, sb, &[], slow, &[]);
                self.fb.switch_to_block(sb);
                self.save_pc(pc);
                let smt = self.fb.ins().load(
                    I64,
                    flags(),
                    self.vm,
                    std::mem::offset_of!(Vm, string_mt) as i32,
                );
                let sb2 = self.fb.create_block();
                self.fb.ins().brif(smt, sb2, &[], slow, &[]);
                self.fb.switch_to_block(sb2);
                let fl = self.fb.ins().uload8(
                    I64,
                    flags(),
                    smt,
                    std::mem::offset_of!(LuaTable, flags) as i32,
                );
                let absent = self.fb.ins().band_imm_s(fl, 1 << (TagMethod::Index as u32));
                let zero = self.fb.ins().iconst(I64, 0);
                let sb3 = self.fb.create_block();
                self.fb.ins().brif(absent, slow, &[], sb3, &[]);
                self.fb.switch_to_block(sb3);
                self.fb
                    .ins()
                    .jump(lp, &[BlockArg::Value(smt), BlockArg::Value(zero)]);
            } else {
                self.fb.ins().jump(slow, &[]);
            }
            if index_seen || str_seen {
                self.fb.switch_to_block(lp);
                let nil = self.fb.create_block();
                let u = self.index_of_mt(mt, nil, slow);
                let d1 = self.fb.ins().iadd_imm_s(depth, 1);
                let deep =
                    self.fb
                        .ins()
                        .icmp_imm_s(IntCC::SignedGreaterThan, d1, INLINE_INDEX_DEPTH);
                let go = self.fb.create_block();
                self.fb.ins().brif(deep, slow, &[], go, &[]);
                self.fb.switch_to_block(go);
                let again = self.fb.create_block();
                let n = self.probe_table(u, key, again);
                self.copy_in(dst, n, NODE_VAL);
                self.goto(pc + 1);
                self.fb.switch_to_block(again);
                let umt = self.fb.ins().load(
                    I64,
                    flags(),
                    u,
                    std::mem::offset_of!(LuaTable, metatable) as i32,
                );
                self.fb
                    .ins()
                    .jump(lp, &[BlockArg::Value(umt), BlockArg::Value(d1)]);
                self.fb.switch_to_block(nil);
                self.store_const(dst, LuaValue::NIL);
                self.goto(pc + 1);
            }
        } else {
            self.fb.ins().jump(slow, &[]);
        }
        self.fb.switch_to_block(slow);
        let key = self.k_ptr(kidx);
        let d = self.reg_ptr(dst);
        let vm = self.vm;
        let pcv = self.fb.ins().iconst(I64, pc as i64);
        let r = self.call(H_GET_STR, &[vm, tval, key, d, pcv]);
        if i.op() == OpCode::GETFIELD {
            // `jit_op` performs GETFIELD's `index_slow` (an `__index` function runs there).
            self.done_or_op(pc, r, i);
        } else {
            self.done_or_exit(pc, r);
        }
    }

    /// `CALL A B C` with fixed arguments (`B != 0`): the inline call sequence. When `R[A]` is a
    /// Lua closure whose proto has compiled code, is not vararg and gets at least its declared
    /// parameters, and no debug hook, interrupt, frame-array growth, Lua stack overflow
    /// (`LUAI_MAXSTACK`) or native-stack shortage ([`super::call::NEST_RESERVE`]) is in the way,
    /// the caller pushes the callee's `CallInfo` itself (exactly what `push_lua_frame` writes),
    /// saves its own pc and calls the callee's entry stub directly. A callee that completes its
    /// own `RETURN0`/`RETURN1` ([`Self::return_inline`]) answers
    /// [`super::call::FRAME_RETURNED`] and the caller goes on; any other answer is completed by
    /// [`super::call::jit_call_finish`]. Everything else goes through `jit_call`.
    fn call_inline(&mut self, pc: usize, i: Instruction) {
        use crate::vm::function::LuaClosure;
        use crate::vm::state::Vm;
        use crate::vm::thread::{CallInfo, CiStack, FrameKind, LUAI_MAXSTACK, LuaThread};
        use std::mem::offset_of;
        let a = i.a();
        let nresults = i.c() as i64 - 1;
        let slow = self.fb.create_block();
        let t = self.tag(a);
        let (lua_seen, native_seen) = self.call_seen(pc);
        let fast_natives = if native_seen {
            fast_natives_for(i)
        } else {
            &[]
        };
        if !lua_seen {
            // Only natives (or `__call`) were called here: no inline call sequence.
            if fast_natives.is_empty() {
                self.fb.ins().jump(slow, &[]);
            } else {
                self.call_fast_native(pc, i, t, fast_natives, slow, Then::Next);
            }
            self.fb.switch_to_block(slow);
            self.vm_helper(H_CALL, pc, i);
            return;
        }
        let is_lcl = self
            .fb
            .ins()
            .icmp_imm_s(IntCC::Equal, t, crate::vm::value::TAG_LCL as i64);
        let c1 = self.fb.create_block();
        let not_lcl = if fast_natives.is_empty() {
            slow
        } else {
            self.fb.create_block()
        };
        self.fb.ins().brif(is_lcl, c1, &[], not_lcl, &[]);
        if !fast_natives.is_empty() {
            self.fb.switch_to_block(not_lcl);
            self.call_fast_native(pc, i, t, fast_natives, slow, Then::Next);
        }
        self.fb.switch_to_block(c1);
        let cl = self.payload(a);
        let CompiledCallee {
            entry,
            np,
            fsize,
            mut ok,
        } = self.compiled_callee(cl);
        let th = self.running_thread();
        let len = self.frame_count(th);
        let cap_off = Self::ci_field(CiStack::CAP_OFFSET);
        let cap = self.fb.ins().load(I64, flags(), th, cap_off);
        let c = self.fb.ins().icmp(IntCC::UnsignedLessThan, len, cap);
        ok = self.fb.ins().band(ok, c);
        // Native stack: sp must stay NEST_RESERVE above the guard (0 = not computed yet: let
        // the helper compute it).
        let lim = self.fb.ins().load(
            I64,
            flags(),
            self.vm,
            offset_of!(Vm, native_stack_limit) as i32,
        );
        let c = self.fb.ins().icmp_imm_s(IntCC::NotEqual, lim, 0);
        ok = self.fb.ins().band(ok, c);
        let sp = self.fb.ins().get_stack_pointer(I64);
        let lim = self
            .fb
            .ins()
            .iadd_imm_s(lim, super::call::NEST_RESERVE as i64);
        let c = self.fb.ins().icmp(IntCC::UnsignedGreaterThan, sp, lim);
        ok = self.fb.ins().band(ok, c);
        // Frame indices: func = (base - stack) / 16 + A; the callee's top = func + 1 + max_stack.
        let stack = self
            .fb
            .ins()
            .load(I64, flags(), th, offset_of!(LuaThread, stack) as i32);
        let rel = self.fb.ins().isub(self.base, stack);
        let bidx = self.fb.ins().ushr_imm_u(rel, 4);
        let func = self.fb.ins().iadd_imm_s(bidx, a as i64);
        let nbase = self.fb.ins().iadd_imm_s(func, 1);
        // Arguments: `B - 1`, or up to `top` (set by the previous multiple-results
        // instruction) when `B == 0`; missing parameters go through the helper (nil-fill).
        let c = if i.b() != 0 {
            self.fb
                .ins()
                .icmp_imm_u(IntCC::UnsignedLessThanOrEqual, np, i.b() as i64 - 1)
        } else {
            let top = self
                .fb
                .ins()
                .load(I64, flags(), th, offset_of!(LuaThread, top) as i32);
            let nargs = self.fb.ins().isub(top, nbase);
            self.fb
                .ins()
                .icmp(IntCC::UnsignedLessThanOrEqual, np, nargs)
        };
        ok = self.fb.ins().band(ok, c);
        let ntop = self.fb.ins().iadd(nbase, fsize);
        let c =
            self.fb
                .ins()
                .icmp_imm_u(IntCC::UnsignedLessThanOrEqual, ntop, LUAI_MAXSTACK as i64);
        ok = self.fb.ins().band(ok, c);
        let push = self.fb.create_block();
        self.fb.ins().brif(ok, push, &[], slow, &[]);

        // Commit: the caller's savedpc, the callee's CallInfo, `top` and `hwm`.
        self.fb.switch_to_block(push);
        let size = std::mem::size_of::<CallInfo>() as i64;
        let cur = self.frames_end(th, len);
        let next_pc = self.fb.ins().iconst(I64, pc as i64 + 1);
        let so = offset_of!(CallInfo, savedpc) as i32;
        self.fb.ins().store(flags(), next_pc, cur, so - size as i32);
        let zero = self.fb.ins().iconst(I64, 0);
        let st = |tx: &mut Self, v: Value, off: usize| {
            tx.fb.ins().store(flags(), v, cur, off as i32);
        };
        st(self, func, offset_of!(CallInfo, func));
        st(self, nbase, offset_of!(CallInfo, base));
        st(self, ntop, offset_of!(CallInfo, top));
        st(self, zero, offset_of!(CallInfo, savedpc));
        let nres = self.fb.ins().iconst(I32, nresults);
        let zero32 = self.fb.ins().iconst(I32, 0);
        st(self, nres, offset_of!(CallInfo, nresults));
        st(self, zero32, offset_of!(CallInfo, nextraargs));
        let kind = self.fb.ins().iconst(I8, FrameKind::Lua as i64);
        let zero8 = self.fb.ins().iconst(I8, 0);
        st(self, kind, offset_of!(CallInfo, kind));
        st(self, zero8, offset_of!(CallInfo, tier));
        st(self, zero8, offset_of!(CallInfo, status));
        let len1 = self.fb.ins().iadd_imm_s(len, 1);
        self.set_frame_count(th, len1);
        let hwm_off = offset_of!(LuaThread, hwm) as i32;
        let hwm = self.fb.ins().load(I64, flags(), th, hwm_off);
        let hwm = self.fb.ins().umax(hwm, ntop);
        self.fb.ins().store(flags(), hwm, th, hwm_off);
        self.fb
            .ins()
            .store(flags(), ntop, th, offset_of!(LuaThread, top) as i32);
        // Call the callee's entry stub at pc 0 with its frame.
        let upv = self
            .fb
            .ins()
            .load(I64, flags(), cl, offset_of!(LuaClosure, upvals_ptr) as i32);
        let nbase_ptr = self.reg_ptr(a + 1);
        let sig = self.callee_sig();
        let (intr, vm) = (self.intr, self.vm);
        let call = self
            .fb
            .ins()
            .call_indirect(sig, entry, &[nbase_ptr, zero, upv, intr, vm]);
        self.cache_clear();
        let r = self.fb.inst_results(call)[0];
        // The callee's answer: any other than FRAME_RETURNED (a tail call it made, whose
        // frame `jit_call_finish` starts; an exit; an error) goes to the helper.
        let returned =
            self.fb
                .ins()
                .icmp_imm_s(IntCC::Equal, r, super::call::FRAME_RETURNED as i64);
        let (done, finish) = self.branch(returned);
        self.fb.switch_to_block(finish);
        let pcv = self.fb.ins().iconst(I64, pc as i64);
        let insn = self.fb.ins().iconst(I32, i.0 as i64);
        let base = self.base;
        let r = self.call(H_CALL_FINISH, &[vm, base, pcv, insn, r]);
        self.next_or_leave(pc, r);
        // The callee returned by itself; a native it tail-called may still have set a hook.
        self.fb.switch_to_block(done);
        let hook = self
            .fb
            .ins()
            .uload8(I32, flags(), vm, offset_of!(Vm, hook_mask) as i32);
        let (hooked, go) = self.branch(hook);
        self.fb.switch_to_block(hooked);
        self.exit_at(pc + 1);
        self.fb.switch_to_block(go);
        self.goto(pc + 1);
        self.fb.switch_to_block(slow);
        self.vm_helper(H_CALL, pc, i);
    }

    /// `CALL` of one of the [`FastNative`]s (`tag` is `R[A]`'s tag, not a Lua closure): the
    /// library function's result computed inline for the common argument types, as its Rust
    /// implementation computes it; anything else (other functions, other argument types, an
    /// index out of range, a debug hook) jumps to `slow`, the generic call.
    fn call_fast_native(
        &mut self,
        pc: usize,
        i: Instruction,
        tag: Value,
        cands: &[FastNative],
        slow: Block,
        then: Then,
    ) {
        use crate::vm::function::NativeClosure;
        use crate::vm::state::Vm;
        use crate::vm::value::TAG_NATIVE;
        use std::mem::offset_of;
        let a = i.a();
        let is_nat = self
            .fb
            .ins()
            .icmp_imm_s(IntCC::Equal, tag, TAG_NATIVE as i64);
        let n1 = self.fb.create_block();
        self.fb.ins().brif(is_nat, n1, &[], slow, &[]);
        self.fb.switch_to_block(n1);
        let cl = self.payload(a);
        let f = self
            .fb
            .ins()
            .load(I64, flags(), cl, offset_of!(NativeClosure, f) as i32);
        // Call and return hooks see native calls.
        let hook = self
            .fb
            .ins()
            .uload8(I32, flags(), self.vm, offset_of!(Vm, hook_mask) as i32);
        let n2 = self.fb.create_block();
        self.fb.ins().brif(hook, slow, &[], n2, &[]);
        self.fb.switch_to_block(n2);
        for &fnat in cands {
            let hit = self.fb.create_block();
            let next = self.fb.create_block();
            let is = self
                .fb
                .ins()
                .icmp_imm_s(IntCC::Equal, f, fnat.address() as i64);
            self.fb.ins().brif(is, hit, &[], next, &[]);
            self.fb.switch_to_block(hit);
            self.fast_native_body(pc, a, fnat, slow, then);
            self.fb.switch_to_block(next);
        }
        self.fb.ins().jump(slow, &[]);
    }

    /// The inline body of `f` called with its arguments at `R[A+1]...` and one result wanted
    /// in `R[A]`.
    fn fast_native_body(&mut self, pc: usize, a: u32, f: FastNative, slow: Block, then: Then) {
        use crate::vm::string::LuaString;
        let arg = a + 1;
        let check = |tx: &mut Self, r: u32, want: u64| {
            if tx.known(r).tag() == Some(want) {
                return;
            }
            let t = tx.tag(r);
            let ok = tx.fb.ins().icmp_imm_s(IntCC::Equal, t, want as i64);
            let go = tx.fb.create_block();
            tx.fb.ins().brif(ok, go, &[], slow, &[]);
            tx.fb.switch_to_block(go);
        };
        match f {
            FastNative::Byte1 | FastNative::Byte2 => {
                // string.byte(s [, i]) for 1 <= i <= #s: the byte at i.
                check(self, arg, TAG_STR);
                let idx = if f == FastNative::Byte2 {
                    check(self, arg + 1, TAG_INT);
                    let i = self.payload(arg + 1);
                    self.fb.ins().iadd_imm_s(i, -1)
                } else {
                    self.fb.ins().iconst(I64, 0)
                };
                let s = self.payload(arg);
                let len = self
                    .fb
                    .ins()
                    .load(I64, flags(), s, LuaString::LEN_OFFSET as i32);
                let inb = self.fb.ins().icmp(IntCC::UnsignedLessThan, idx, len);
                let go = self.fb.create_block();
                self.fb.ins().brif(inb, go, &[], slow, &[]);
                self.fb.switch_to_block(go);
                let data = self
                    .fb
                    .ins()
                    .load(I64, flags(), s, LuaString::DATA_OFFSET as i32);
                let p = self.fb.ins().iadd(data, idx);
                let b = self.fb.ins().uload8(I64, flags(), p, 0);
                self.store(a, b, TAG_INT);
            }
            FastNative::Floor => {
                // math.floor(x): integers unchanged; floats floored, as an integer when
                // the result fits (`num_int`), else (huge, NaN) the generic call.
                let (ib, nb) = self.branch_on_tag(arg, TAG_INT);
                self.fb.switch_to_block(ib);
                let x = self.payload(arg);
                self.store(a, x, TAG_INT);
                self.then(pc, a, then);
                self.fb.switch_to_block(nb);
                check(self, arg, TAG_FLOAT);
                let x = self.fpayload(arg);
                let fl = self.fb.ins().floor(x);
                let lo = self.fb.ins().f64const(-9223372036854775808.0);
                let hi = self.fb.ins().f64const(9223372036854775808.0);
                let ge = self.fb.ins().fcmp(FloatCC::GreaterThanOrEqual, fl, lo);
                let lt = self.fb.ins().fcmp(FloatCC::LessThan, fl, hi);
                let fits = self.fb.ins().band(ge, lt);
                let go = self.fb.create_block();
                self.fb.ins().brif(fits, go, &[], slow, &[]);
                self.fb.switch_to_block(go);
                let n = self.fb.ins().fcvt_to_sint(I64, fl);
                self.store(a, n, TAG_INT);
            }
            FastNative::Sqrt => {
                // math.sqrt(x) of a number: a float.
                let t = self.tag(arg);
                let is_int = self.fb.ins().icmp_imm_s(IntCC::Equal, t, TAG_INT as i64);
                let is_f = self.fb.ins().icmp_imm_s(IntCC::Equal, t, TAG_FLOAT as i64);
                let num = self.fb.ins().bor(is_int, is_f);
                let go = self.fb.create_block();
                self.fb.ins().brif(num, go, &[], slow, &[]);
                self.fb.switch_to_block(go);
                let p = self.payload(arg);
                let fi = self.fb.ins().fcvt_from_sint(F64, p);
                let ff = self.fpayload(arg);
                let x = self.fb.ins().select(is_int, fi, ff);
                let r = self.fb.ins().sqrt(x);
                self.store(a, r, TAG_FLOAT);
            }
        }
        self.then(pc, a, then);
    }

    /// Where a fast native's result in `R[a]` goes: the next instruction, or (a `TAILCALL`)
    /// the return of that one value, whose conditions were checked before.
    fn then(&mut self, pc: usize, a: u32, then: Then) {
        match then {
            Then::Next => self.goto(pc + 1),
            Then::Return(st) => self.return_perform(st, Some(a), true),
        }
    }

    /// `TAILCALL A B C k` inline for the common case: fixed arguments, or arguments up to
    /// `top` (`B == 0`), no upvalues or to-be-closed variables to close (`k` clear), a non-vararg current
    /// function (`C == 0`), and a compiled, non-vararg Lua callee with no missing parameter,
    /// no hook and no interrupt pending. As `jit_tailcall_lua` then `push_lua_frame`: the
    /// function and arguments move down to the current frame's function slot, the current
    /// `CallInfo` becomes the callee's (same `func`/`base`, `nresults` kept, status
    /// `CIST_TAIL` plus the current `CIST_FRESH`), and the code answers `TAIL_CALLED` so that
    /// whoever runs it starts the callee. Anything else: `jit_op`.
    fn tailcall_inline(&mut self, pc: usize, i: Instruction) {
        use crate::vm::thread::{CIST_FRESH, CIST_TAIL, CallInfo, LUAI_MAXSTACK, LuaThread};
        use std::mem::offset_of;
        if i.k() || i.c() != 0 {
            self.vm_helper(H_OP, pc, i);
            return;
        }
        let a = i.a();
        let slow = self.fb.create_block();
        let t = self.tag(a);
        // `return f(x)` of a fast native: its result, returned inline (the return's
        // conditions are checked before anything is written).
        let (lua_seen, native_seen) = self.call_seen(pc);
        let cands = if native_seen {
            fast_natives_by_args(i.b())
        } else {
            &[]
        };
        if !lua_seen {
            // Only natives (or `__call`) were tail-called here: no inline tail call.
            if cands.is_empty() {
                self.fb.ins().jump(slow, &[]);
            } else {
                let st = self.return_check(slow);
                self.call_fast_native(pc, i, t, cands, slow, Then::Return(st));
            }
            self.fb.switch_to_block(slow);
            self.vm_helper(H_OP, pc, i);
            return;
        }
        let is_lcl = self
            .fb
            .ins()
            .icmp_imm_s(IntCC::Equal, t, crate::vm::value::TAG_LCL as i64);
        let c1 = self.fb.create_block();
        let not_lcl = if cands.is_empty() {
            slow
        } else {
            self.fb.create_block()
        };
        self.fb.ins().brif(is_lcl, c1, &[], not_lcl, &[]);
        if !cands.is_empty() {
            self.fb.switch_to_block(not_lcl);
            let st = self.return_check(slow);
            self.call_fast_native(pc, i, t, cands, slow, Then::Return(st));
        }
        self.fb.switch_to_block(c1);
        let cl = self.payload(a);
        // (Whoever runs this code calls the callee's entry: only its existence matters.)
        let CompiledCallee {
            np, fsize, mut ok, ..
        } = self.compiled_callee(cl);
        let th = self.running_thread();
        // Arguments: `B - 1`, or up to `top` (set by the call before: `f(g(x))`).
        let nargs = if i.b() != 0 {
            self.fb.ins().iconst(I64, i.b() as i64 - 1)
        } else {
            let top = self
                .fb
                .ins()
                .load(I64, flags(), th, offset_of!(LuaThread, top) as i32);
            let stack = self
                .fb
                .ins()
                .load(I64, flags(), th, offset_of!(LuaThread, stack) as i32);
            let rel = self.fb.ins().isub(self.base, stack);
            let bidx = self.fb.ins().ushr_imm_u(rel, 4);
            let first = self.fb.ins().iadd_imm_s(bidx, a as i64 + 1);
            self.fb.ins().isub(top, first)
        };
        let c = self
            .fb
            .ins()
            .icmp(IntCC::UnsignedLessThanOrEqual, np, nargs);
        ok = self.fb.ins().band(ok, c);
        // (A `top` below the arguments cannot happen; never copy a wrapped-around count.)
        let c = self
            .fb
            .ins()
            .icmp_imm_u(IntCC::UnsignedLessThan, nargs, LUAI_MAXSTACK as i64);
        ok = self.fb.ins().band(ok, c);
        let len = self.frame_count(th);
        let end = self.frames_end(th, len);
        let size = std::mem::size_of::<CallInfo>() as i32;
        let cur_off = |f: usize| f as i32 - size;
        let func = self
            .fb
            .ins()
            .load(I64, flags(), end, cur_off(offset_of!(CallInfo, func)));
        let nbase = self.fb.ins().iadd_imm_s(func, 1);
        let ntop = self.fb.ins().iadd(nbase, fsize);
        let c =
            self.fb
                .ins()
                .icmp_imm_u(IntCC::UnsignedLessThanOrEqual, ntop, LUAI_MAXSTACK as i64);
        ok = self.fb.ins().band(ok, c);
        let go = self.fb.create_block();
        self.fb.ins().brif(ok, go, &[], slow, &[]);

        self.fb.switch_to_block(go);
        // Move the function and the arguments to the function slot, `base - 1` (the current
        // function is not vararg: `base == func + 1`); upward in slots, so never clobbering a
        // value still to be moved.
        if i.b() != 0 {
            for j in 0..i.b() {
                let src = Self::off(a + j);
                let dst = Self::off(j) - 16;
                let pl = self.fb.ins().load(I64, flags(), self.base, src);
                let tg = self.fb.ins().load(I64, flags(), self.base, src + 8);
                self.fb.ins().store(flags(), pl, self.base, dst);
                self.fb.ins().store(flags(), tg, self.base, dst + 8);
            }
            self.cache_clear();
        } else {
            // The function, then `nargs` arguments in a loop.
            let src0 = self.reg_ptr(a);
            let dst0 = self.fb.ins().iadd_imm_s(self.base, -16);
            let count = self.fb.ins().iadd_imm_s(nargs, 1);
            let head = self.fb.create_block();
            let body = self.fb.create_block();
            let moved = self.fb.create_block();
            self.fb.append_block_param(head, I64);
            let z = self.fb.ins().iconst(I64, 0);
            self.fb.ins().jump(head, &[BlockArg::Value(z)]);
            self.fb.switch_to_block(head);
            let j = self.fb.block_params(head)[0];
            let more = self.fb.ins().icmp(IntCC::UnsignedLessThan, j, count);
            self.fb.ins().brif(more, body, &[], moved, &[]);
            self.fb.switch_to_block(body);
            let off = self.fb.ins().ishl_imm_s(j, 4);
            let sp = self.fb.ins().iadd(src0, off);
            let dp = self.fb.ins().iadd(dst0, off);
            let pl = self.fb.ins().load(I64, flags(), sp, 0);
            let tg = self.fb.ins().load(I64, flags(), sp, 8);
            self.fb.ins().store(flags(), pl, dp, 0);
            self.fb.ins().store(flags(), tg, dp, 8);
            let j1 = self.fb.ins().iadd_imm_s(j, 1);
            self.fb.ins().jump(head, &[BlockArg::Value(j1)]);
            self.fb.switch_to_block(moved);
        }
        // The current CallInfo becomes the callee's.
        let zero = self.fb.ins().iconst(I64, 0);
        self.fb
            .ins()
            .store(flags(), ntop, end, cur_off(offset_of!(CallInfo, top)));
        self.fb
            .ins()
            .store(flags(), zero, end, cur_off(offset_of!(CallInfo, savedpc)));
        let zero32 = self.fb.ins().iconst(I32, 0);
        self.fb.ins().store(
            flags(),
            zero32,
            end,
            cur_off(offset_of!(CallInfo, nextraargs)),
        );
        let st_off = cur_off(offset_of!(CallInfo, status));
        let status = self.fb.ins().uload8(I32, flags(), end, st_off);
        let status = self.fb.ins().band_imm_u(status, CIST_FRESH as i64);
        let status = self.fb.ins().bor_imm_u(status, CIST_TAIL as i64);
        self.fb.ins().istore8(flags(), status, end, st_off);
        let zero8 = self.fb.ins().iconst(I8, 0);
        self.fb
            .ins()
            .store(flags(), zero8, end, cur_off(offset_of!(CallInfo, tier)));
        let hwm_off = offset_of!(LuaThread, hwm) as i32;
        let hwm = self.fb.ins().load(I64, flags(), th, hwm_off);
        let hwm = self.fb.ins().umax(hwm, ntop);
        self.fb.ins().store(flags(), hwm, th, hwm_off);
        self.fb
            .ins()
            .store(flags(), ntop, th, offset_of!(LuaThread, top) as i32);
        let tc = self.fb.ins().iconst(I64, super::call::TAIL_CALLED as i64);
        self.fb.ins().jump(self.exit, &[BlockArg::Value(tc)]);
        self.fb.switch_to_block(slow);
        self.vm_helper(H_OP, pc, i);
    }

    /// What the interpreter's feedback says the `SELF` at `pc` met: `(a table receiver, one
    /// whose key came through `__index`, a string receiver)`; all three when it never ran
    /// there (see [`Self::call_seen`]). A kind never seen takes the `jit_get_str` helper.
    fn self_seen(&self, pc: usize) -> (bool, bool, bool) {
        use crate::vm::function::{FEEDBACK_SELF_INDEX, FEEDBACK_SELF_RAW, FEEDBACK_SELF_STRING};
        let fb = self.feedback.get(pc).map_or(0, |c| c.get());
        let seen = |bits: u8| fb == 0 || fb & bits != 0;
        (
            seen(FEEDBACK_SELF_RAW | FEEDBACK_SELF_INDEX),
            seen(FEEDBACK_SELF_INDEX),
            seen(FEEDBACK_SELF_STRING),
        )
    }

    /// What the interpreter's feedback says the `CALL`/`TAILCALL` at `pc` called:
    /// `(Lua closures, fast natives)`. Both when it never ran there (no feedback: `--jit=eager`, or
    /// code the interpreter has not reached yet), so the inline paths exist for whatever it
    /// calls later; a kind never seen is left to the generic call (correct for every value,
    /// only slower).
    fn call_seen(&self, pc: usize) -> (bool, bool) {
        use crate::vm::function::{FEEDBACK_CALL_FAST, FEEDBACK_CALL_LUA};
        let fb = self.feedback.get(pc).map_or(0, |c| c.get());
        (
            fb == 0 || fb & FEEDBACK_CALL_LUA != 0,
            fb == 0 || fb & FEEDBACK_CALL_FAST != 0,
        )
    }

    /// Load what a call of the Lua closure at `cl` needs to know about its proto, and whether
    /// compiled code may start it itself: it has compiled code, is not vararg, and no hook or
    /// interrupt is pending (`ok`, an `I8` condition). Shared by the inline call sequence and the
    /// inline `TAILCALL`.
    fn compiled_callee(&mut self, cl: Value) -> CompiledCallee {
        use crate::vm::function::LuaClosure;
        use crate::vm::state::Vm;
        use std::mem::offset_of;
        let p = self
            .fb
            .ins()
            .load(I64, flags(), cl, offset_of!(LuaClosure, proto) as i32);
        let entry = self
            .fb
            .ins()
            .load(I64, flags(), p, offset_of!(Proto, jit.entry) as i32);
        let has_code = self.fb.ins().icmp_imm_s(IntCC::NotEqual, entry, 0);
        let vararg = self
            .fb
            .ins()
            .uload8(I64, flags(), p, offset_of!(Proto, src.is_vararg) as i32);
        let np = self
            .fb
            .ins()
            .uload8(I64, flags(), p, offset_of!(Proto, src.num_params) as i32);
        let fsize = self
            .fb
            .ins()
            .uload8(I64, flags(), p, offset_of!(Proto, src.max_stack) as i32);
        let hook = self
            .fb
            .ins()
            .uload8(I64, flags(), self.vm, offset_of!(Vm, hook_mask) as i32);
        let intr = self.fb.ins().uload8(I64, flags(), self.intr, 0);
        // vararg, hook and interrupt are 0/1 bytes: one test for all three.
        let bad = self.fb.ins().bor(vararg, hook);
        let bad = self.fb.ins().bor(bad, intr);
        let c = self.fb.ins().icmp_imm_s(IntCC::Equal, bad, 0);
        let ok = self.fb.ins().band(has_code, c);
        CompiledCallee {
            entry,
            np,
            fsize,
            ok,
        }
    }

    /// The signature of compiled code, imported once per function.
    fn callee_sig(&mut self) -> SigRef {
        if let Some(s) = self.callee_sig {
            return s;
        }
        let s = self.fb.func.signature.clone();
        let r = self.fb.import_signature(s);
        self.callee_sig = Some(r);
        r
    }

    /// `RETURN0` / `RETURN1 A`: the return completed by compiled code itself when the frame is
    /// a plain Lua frame (no status bit but `CIST_TAIL`: not `CIST_FRESH`), no debug
    /// hook is active and the caller wants 0, 1 or all results: the result goes to the function
    /// slot (`base - 1`, these opcodes only occur in non-vararg protos), the frame is popped,
    /// `top` becomes the caller's frame limit (interp.rs `after_return`) or the end of the
    /// results when all are wanted, and the code answers
    /// [`super::call::FRAME_RETURNED`] (`returned_fresh` false). Otherwise it exits at `pc`
    /// and the interpreter (or `jit_call_finish`) performs the return.
    fn return_inline(&mut self, pc: usize, i: Instruction) {
        let out = self.fb.create_block();
        let st = self.return_check(out);
        let one = i.op() == OpCode::RETURN1;
        self.return_perform(st, one.then_some(i.a()), one);
        self.fb.switch_to_block(out);
        self.exit_at(pc);
    }

    /// The conditions of [`Self::return_inline`] (a plain frame, no hook, 0, 1 or all results
    /// wanted): continues in a new block when they hold, else jumps to `out`. Reads only.
    fn return_check(&mut self, out: Block) -> ReturnState {
        use crate::vm::state::Vm;
        use crate::vm::thread::CallInfo;
        use std::mem::offset_of;
        let hook = self
            .fb
            .ins()
            .uload8(I64, flags(), self.vm, offset_of!(Vm, hook_mask) as i32);
        let th = self.running_thread();
        let len = self.frame_count(th);
        let size = std::mem::size_of::<CallInfo>() as i32;
        let end = self.frames_end(th, len);
        let status = self.fb.ins().uload8(
            I64,
            flags(),
            end,
            offset_of!(CallInfo, status) as i32 - size,
        );
        let nres =
            self.fb
                .ins()
                .sload32(flags(), end, offset_of!(CallInfo, nresults) as i32 - size);
        // A frame reached by a tail call returns like any other.
        let status = self
            .fb
            .ins()
            .band_imm_u(status, !crate::vm::thread::CIST_TAIL as i64 & 0xff);
        let bad = self.fb.ins().bor(hook, status);
        let plain = self.fb.ins().icmp_imm_s(IntCC::Equal, bad, 0);
        // nres in {-1, 0, 1}
        let nres1 = self.fb.ins().iadd_imm_s(nres, 1);
        let small = self
            .fb
            .ins()
            .icmp_imm_u(IntCC::UnsignedLessThanOrEqual, nres1, 2);
        let ok = self.fb.ins().band(plain, small);
        let fast = self.fb.create_block();
        self.fb.ins().brif(ok, fast, &[], out, &[]);
        self.fb.switch_to_block(fast);
        ReturnState { th, len, end, nres }
    }

    /// Return from the frame checked by [`Self::return_check`] with `R[src]` as its one result
    /// (`None`: no result, `RETURN0`; a nil when one is wanted), answering
    /// [`super::call::FRAME_RETURNED`]: the result goes to the function slot (`base - 1`,
    /// these returns only occur in non-vararg protos), the frame is popped, `top` becomes the
    /// caller's frame limit (interp.rs `after_return`) or the end of the results when all are
    /// wanted (`one`: one result there).
    fn return_perform(&mut self, st: ReturnState, src: Option<u32>, one: bool) {
        use crate::vm::state::Vm;
        use crate::vm::thread::{CallInfo, LuaThread};
        use std::mem::offset_of;
        let ReturnState { th, len, end, nres } = st;
        let size = std::mem::size_of::<CallInfo>() as i32;
        // Result into the function slot when one is wanted (RETURN1: 1 or all; RETURN0: a
        // nil when exactly 1).
        let want = if src.is_some() {
            nres
        } else {
            self.fb.ins().icmp_imm_s(IntCC::SignedGreaterThan, nres, 0)
        };
        let (res, pop) = self.branch(want);
        self.fb.switch_to_block(res);
        if let Some(r) = src {
            let p = self.payload(r);
            let t = self.tag(r);
            self.fb.ins().store(flags(), p, self.base, -16);
            self.fb.ins().store(flags(), t, self.base, -8);
        } else {
            let nil = self.fb.ins().iconst(I64, 0);
            let nt = self.fb.ins().iconst(I64, TAG_NIL as i64);
            self.fb.ins().store(flags(), nil, self.base, -16);
            self.fb.ins().store(flags(), nt, self.base, -8);
        }
        self.fb.ins().jump(pop, &[]);
        self.fb.switch_to_block(pop);
        let len1 = self.fb.ins().iadd_imm_s(len, -1);
        self.set_frame_count(th, len1);
        // `top`: the caller's frame limit, or just above the results when it wants all.
        let ctop = self.fb.ins().load(
            I64,
            flags(),
            end,
            offset_of!(CallInfo, top) as i32 - 2 * size,
        );
        let func = self
            .fb
            .ins()
            .load(I64, flags(), end, offset_of!(CallInfo, func) as i32 - size);
        let rtop = self.fb.ins().iadd_imm_s(func, one as i64);
        let all = self.fb.ins().icmp_imm_s(IntCC::SignedLessThan, nres, 0);
        let ctop = self.fb.ins().select(all, rtop, ctop);
        self.fb
            .ins()
            .store(flags(), ctop, th, offset_of!(LuaThread, top) as i32);
        let f = self.fb.ins().iconst(I8, 0);
        self.fb.ins().store(
            flags(),
            f,
            self.vm,
            offset_of!(Vm, jit.returned_fresh) as i32,
        );
        let r = self
            .fb
            .ins()
            .iconst(I64, super::call::FRAME_RETURNED as i64);
        self.fb.ins().jump(self.exit, &[BlockArg::Value(r)]);
    }

    /// The `__index` step of `luaV_finishget` for the table at `t`, whose raw lookup missed:
    /// no metatable, or `__index` known absent from the metatable's `flags` cache (the bit
    /// of `TagMethod::Index`, as `Vm::metamethod` reads it) → `nil`; the metatable's
    /// `__index` field (found inline with the VM's interned name) holding a table → returns
    /// that table's address in the current block; anything else (absent but not yet cached,
    /// a function, another value) → `slow`.
    /// A raw miss (absent key or nil value) of a read from the table at `tp` into register
    /// `dst`: with no metatable the result is nil, saving the pc as the interpreter's
    /// `luaV_finishget` path does; otherwise `slow` (`__index`).
    fn raw_miss(&mut self, pc: usize, tp: Value, dst: u32, slow: Block) {
        let mt = self.fb.ins().load(
            I64,
            flags(),
            tp,
            std::mem::offset_of!(LuaTable, metatable) as i32,
        );
        let nil = self.fb.create_block();
        self.fb.ins().brif(mt, slow, &[], nil, &[]);
        self.fb.switch_to_block(nil);
        self.save_pc(pc);
        self.store_const(dst, LuaValue::NIL);
        self.goto(pc + 1);
    }

    /// The `__index` table of the metatable at `mt` (0 = no metatable): no metatable, or
    /// its `flags` cache saying `__index` is absent, goes to `nil`; an `__index` that is not
    /// a table, or not yet known absent, goes to `slow`. Returns the table's address.
    fn index_of_mt(&mut self, mt: Value, nil: Block, slow: Block) -> Value {
        let has_mt = self.fb.create_block();
        self.fb.ins().brif(mt, has_mt, &[], nil, &[]);
        self.fb.switch_to_block(has_mt);
        let fl = self.fb.ins().uload8(
            I64,
            flags(),
            mt,
            std::mem::offset_of!(LuaTable, flags) as i32,
        );
        let absent = self.fb.ins().band_imm_s(fl, 1 << (TagMethod::Index as u32));
        let look = self.fb.create_block();
        self.fb.ins().brif(absent, nil, &[], look, &[]);
        self.fb.switch_to_block(look);
        // `vm.names.index`: the interned "__index" (alive as long as the VM).
        let name = self.fb.ins().load(
            I64,
            flags(),
            self.vm,
            std::mem::offset_of!(Vm, names.index) as i32,
        );
        let hash =
            self.fb
                .ins()
                .uload32(flags(), name, std::mem::offset_of!(LuaString, hash) as i32);
        let n = self.find_str(mt, StrKey::Dyn { ptr: name, hash }, slow);
        let it = self.fb.ins().load(I64, flags(), n, NODE_VAL + 8);
        let is_t = self.fb.ins().icmp_imm_s(IntCC::Equal, it, TAG_TABLE as i64);
        let tab = self.fb.create_block();
        self.fb.ins().brif(is_t, tab, &[], slow, &[]);
        self.fb.switch_to_block(tab);
        self.fb.ins().load(I64, flags(), n, NODE_VAL)
    }

    /// Set the running frame's saved pc to `pc + 1` (the interpreter's `savepc!` at
    /// instruction `pc`), inline: the top `CallInfo` of the running thread's `CiStack`.
    fn save_pc(&mut self, pc: usize) {
        use crate::vm::thread::CallInfo;
        use std::mem::offset_of;
        let th = self.running_thread();
        let len = self.frame_count(th);
        let end = self.frames_end(th, len);
        let size = std::mem::size_of::<CallInfo>() as i32;
        let next_pc = self.fb.ins().iconst(I64, pc as i64 + 1);
        self.fb.ins().store(
            flags(),
            next_pc,
            end,
            offset_of!(CallInfo, savedpc) as i32 - size,
        );
    }

    /// The running thread (`vm.th`, a `*mut LuaThread`).
    fn running_thread(&mut self) -> Value {
        let off = std::mem::offset_of!(Vm, th) as i32;
        self.fb.ins().load(I64, flags(), self.vm, off)
    }

    /// Offset in `LuaThread` of a field of its `CiStack` header.
    fn ci_field(off: usize) -> i32 {
        (std::mem::offset_of!(crate::vm::thread::LuaThread, ci) + off) as i32
    }

    /// Number of frames of thread `th` (its `CiStack` length; the top frame is `len - 1`).
    fn frame_count(&mut self, th: Value) -> Value {
        let off = Self::ci_field(crate::vm::thread::CiStack::LEN_OFFSET);
        self.fb.ins().load(I64, flags(), th, off)
    }

    /// Set the number of frames of thread `th` (push or pop of the top `CallInfo`).
    fn set_frame_count(&mut self, th: Value, len: Value) {
        let off = Self::ci_field(crate::vm::thread::CiStack::LEN_OFFSET);
        self.fb.ins().store(flags(), len, th, off);
    }

    /// Address just past frame `len - 1` of thread `th`: the top `CallInfo` is at
    /// `end - size_of::<CallInfo>()`, a frame pushed next at `end`.
    fn frames_end(&mut self, th: Value, len: Value) -> Value {
        let off = Self::ci_field(crate::vm::thread::CiStack::PTR_OFFSET);
        let cis = self.fb.ins().load(I64, flags(), th, off);
        let size = std::mem::size_of::<crate::vm::thread::CallInfo>() as i64;
        let byte_off = self.fb.ins().imul_imm_s(len, size);
        self.fb.ins().iadd(cis, byte_off)
    }

    /// An instruction performed by a helper that may run Lua code, allocate or raise
    /// (`jit_call`, `jit_op`; protocol in jit/call.rs): `CALL_DONE` continues at `pc + 1`,
    /// any other result is the pc to leave at (`CALL_ERROR` passes through the exit block
    /// unchanged).
    fn vm_helper(&mut self, h: u32, pc: usize, i: Instruction) {
        let pcv = self.fb.ins().iconst(I64, pc as i64);
        let insn = self.fb.ins().iconst(I32, i.0 as i64);
        let (vm, base) = (self.vm, self.base);
        let r = self.call(h, &[vm, base, pcv, insn]);
        self.next_or_leave(pc, r);
    }

    /// The result protocol of the VM helpers: `CALL_DONE` continues at `pc + 1`, anything
    /// else (a pc, `CALL_ERROR`, `FRAME_RETURNED`, `TAIL_CALLED`) leaves through the exit
    /// block unchanged.
    fn next_or_leave(&mut self, pc: usize, r: Value) {
        let done = self
            .fb
            .ins()
            .icmp_imm_s(IntCC::Equal, r, super::call::CALL_DONE as i64);
        let next = self.fb.create_block();
        self.fb
            .ins()
            .brif(done, next, &[], self.exit, &[BlockArg::Value(r)]);
        self.fb.switch_to_block(next);
        self.goto(pc + 1);
    }

    /// The stored value of a `SET*` instruction, `RK(C)`, as (payload, tag): the constant
    /// `K[C]` as immediates when `k` is set, else register `C`.
    fn rk_value(&mut self, i: Instruction) -> (Value, Value) {
        if i.k() {
            let v = self.k[i.c() as usize];
            (
                self.fb.ins().iconst(I64, v.payload() as i64),
                self.fb.ins().iconst(I64, v.tag() as i64),
            )
        } else {
            (self.payload(i.c()), self.tag(i.c()))
        }
    }

    /// `SET*` through the `jit_set` helper.
    fn table_set(&mut self, pc: usize, i: Instruction) {
        let a = i.a();
        let t = if i.op() == OpCode::SETTABUP {
            self.upval_ptr(a)
        } else {
            self.reg_ptr(a)
        };
        let key_ptr = match i.op() {
            OpCode::SETTABLE => self.reg_ptr(i.b()),
            OpCode::SETI => self.scratch_int(i.b() as i64),
            _ => self.k_ptr(i.b() as usize),
        };
        if i.op() != OpCode::SETI {
            // Overwrite an existing non-nil field inline (no `__newindex` can be involved);
            // a table without it goes to `jit_set_absent`, which skips the raw lookup.
            let slow = self.fb.create_block();
            let skey = if i.op() == OpCode::SETTABLE {
                Some(self.reg_str_key(i.b(), slow))
            } else {
                self.const_str_key(i.b() as usize)
            };
            if let Some(key) = skey {
                let absent = self.fb.create_block();
                let (_, n) = self.probe_str(t, key, slow, absent);
                let (vp, vt) = self.rk_value(i);
                self.fb.ins().store(flags(), vp, n, NODE_VAL);
                self.fb.ins().store(flags(), vt, n, NODE_VAL + 8);
                self.goto(pc + 1);
                // Both helpers' answers are handled once.
                let after = self.fb.create_block();
                let r = self.fb.append_block_param(after, I32);
                self.fb.switch_to_block(absent);
                let ra = self.set_helper(H_SET_ABSENT, pc, i, t, key_ptr);
                self.fb.ins().jump(after, &[BlockArg::Value(ra)]);
                self.fb.switch_to_block(slow);
                let rs = self.set_helper(H_SET, pc, i, t, key_ptr);
                self.fb.ins().jump(after, &[BlockArg::Value(rs)]);
                self.fb.switch_to_block(after);
                self.done_or_op(pc, r, i);
                return;
            }
            self.fb.ins().jump(slow, &[]);
            self.fb.switch_to_block(slow);
        }
        let r = self.set_helper(H_SET, pc, i, t, key_ptr);
        self.done_or_op(pc, r, i);
    }

    /// Call the store helper `h` (`jit_set` or `jit_set_absent`) for the `SET*` instruction
    /// `i` with the table at `t` and the key at `key`; returns its answer (DONE → next
    /// instruction, anything else through `jit_op`, `luaV_finishset`: [`Self::done_or_op`]).
    fn set_helper(&mut self, h: u32, pc: usize, i: Instruction, t: Value, key: Value) -> Value {
        let v = if i.k() {
            self.k_ptr(i.c() as usize)
        } else {
            self.reg_ptr(i.c())
        };
        let vm = self.vm;
        let pcv = self.fb.ins().iconst(I64, pc as i64);
        self.call(h, &[vm, t, key, v, pcv])
    }

    /// `GETTABLE`/`GETI` through the `jit_get` helper (`key` points at the key value): raw
    /// lookup, then the `__index` walk through tables; DONE → next instruction, anything else
    /// through `jit_op` (`index_slow`: `__index` functions, errors).
    fn get_helper(&mut self, pc: usize, i: Instruction, key: Value) {
        let t = self.reg_ptr(i.b());
        let dst = self.reg_ptr(i.a());
        let vm = self.vm;
        let pcv = self.fb.ins().iconst(I64, pc as i64);
        let r = self.call(H_GET, &[vm, t, key, dst, pcv]);
        self.done_or_op(pc, r, i);
    }

    /// The key in register `r` as a run-time [`StrKey`] when it is a short string (its
    /// address and cached hash, read inline); any other key jumps to `other`.
    fn reg_str_key(&mut self, r: u32, other: Block) -> StrKey {
        let kt = self.tag(r);
        let is_s = self.fb.ins().icmp_imm_s(IntCC::Equal, kt, TAG_STR as i64);
        let b1 = self.fb.create_block();
        self.fb.ins().brif(is_s, b1, &[], other, &[]);
        self.fb.switch_to_block(b1);
        let ptr = self.payload(r);
        let short = self.fb.ins().uload8(
            I32,
            flags(),
            ptr,
            std::mem::offset_of!(LuaString, short) as i32,
        );
        let b2 = self.fb.create_block();
        self.fb.ins().brif(short, b2, &[], other, &[]);
        self.fb.switch_to_block(b2);
        let hash =
            self.fb
                .ins()
                .uload32(flags(), ptr, std::mem::offset_of!(LuaString, hash) as i32);
        StrKey::Dyn { ptr, hash }
    }

    fn exit_here(&mut self, pc: usize) {
        self.exits += 1;
        self.exit_at(pc);
    }

    /// Binary arithmetic and bitwise instructions and their `K` forms (lvm.c `op_arith`,
    /// `op_bitwise`; success skips the following `MMBIN`):
    /// * integer/integer inline for `+ - * // % & | ~` (wrapping; `//` and `%` floor towards
    ///   minus infinity; a divisor of 0 (an error) or -1 (`idiv` would trap on `minint // -1`)
    ///   goes through the helper);
    /// * number/number inline as floats for `+ - * / //` (an integer operand is converted
    ///   exactly as `cast_num` does);
    /// * everything else (float `%`, bitwise on floats, strings, metamethods) through
    ///   `jit_arith`.
    fn arith_inline(&mut self, pc: usize, i: Instruction, x: Opnd, y: Opnd) {
        let a = i.a();
        let op = match i.op() {
            OpCode::ADDK => OpCode::ADD,
            OpCode::SUBK => OpCode::SUB,
            OpCode::MULK => OpCode::MUL,
            OpCode::DIVK => OpCode::DIV,
            OpCode::MODK => OpCode::MOD,
            OpCode::IDIVK => OpCode::IDIV,
            OpCode::BANDK => OpCode::BAND,
            OpCode::BORK => OpCode::BOR,
            OpCode::BXORK => OpCode::BXOR,
            o => o,
        };
        let int_path = op != OpCode::DIV;
        let float_path = !matches!(op, OpCode::MOD | OpCode::BAND | OpCode::BOR | OpCode::BXOR);
        // Known or speculated operand types ([`types`]): guards, then only the one path.
        let plan = self.tcx.arith_plan(pc, i, &self.cur);
        for (j, o) in [x, y].into_iter().enumerate() {
            if let (Some(t), Opnd::Reg(r)) = (plan.guard[j], o) {
                self.guard_tag(pc, r, t);
            }
        }
        if plan.ty[0].exact() && plan.ty[1].exact() {
            let ints = plan.ty[0] == Ty::Int && plan.ty[1] == Ty::Int;
            if ints && int_path {
                let slow = self.fb.create_block();
                let (px, py) = (self.opnd_payload(x), self.opnd_payload(y));
                let r = match op {
                    OpCode::ADD => Some(self.fb.ins().iadd(px, py)),
                    OpCode::SUB => Some(self.fb.ins().isub(px, py)),
                    OpCode::MUL => Some(self.fb.ins().imul(px, py)),
                    OpCode::BAND => Some(self.fb.ins().band(px, py)),
                    OpCode::BOR => Some(self.fb.ins().bor(px, py)),
                    OpCode::BXOR => Some(self.fb.ins().bxor(px, py)),
                    _ => self.int_divmod(op == OpCode::MOD, px, py, y, slow),
                };
                if let Some(r) = r {
                    self.store_typed(a, r, TAG_INT);
                    self.goto(pc + 2);
                }
                // `slow` is reached only from `int_divmod` (a divisor of 0 or -1): otherwise
                // leave it out, so that the next instruction keeps a single predecessor.
                let divisor_checked = match (op, y) {
                    (OpCode::MOD | OpCode::IDIV, Opnd::Reg(_)) => true,
                    (OpCode::MOD | OpCode::IDIV, Opnd::K(v, _)) => {
                        matches!(v.as_int(), Some(0 | -1))
                    }
                    _ => false,
                };
                if !divisor_checked {
                    return;
                }
                self.fb.switch_to_block(slow);
            } else if float_path {
                let fx = self.opnd_as_f64(x, plan.ty[0]);
                let fy = self.opnd_as_f64(y, plan.ty[1]);
                let r = match op {
                    OpCode::ADD => self.fb.ins().fadd(fx, fy),
                    OpCode::SUB => self.fb.ins().fsub(fx, fy),
                    OpCode::MUL => self.fb.ins().fmul(fx, fy),
                    OpCode::DIV => self.fb.ins().fdiv(fx, fy),
                    _ => {
                        let q = self.fb.ins().fdiv(fx, fy);
                        self.fb.ins().floor(q)
                    }
                };
                self.store_typed(a, r, TAG_FLOAT);
                self.goto(pc + 2);
                return;
            }
            // Integer division by 0 or -1, float `%` and bitwise operations on floats: the
            // (pure) helper.
            let (p1, p2) = (self.opnd_ptr(x), self.opnd_ptr(y));
            self.arith_helper(pc, i, p1, p2);
            return;
        }
        // Test floats first where the interpreter only ever saw floats here.
        let fb = self.feedback.get(pc).map_or(0, |c| c.get());
        let floats_first = float_path && fb == crate::vm::function::FEEDBACK_FLOAT;
        let slow = self.fb.create_block();
        let (tx, ty) = (self.opnd_tag(x), self.opnd_tag(y));
        let xi = self.fb.ins().icmp_imm_s(IntCC::Equal, tx, TAG_INT as i64);
        let yi = self.fb.ins().icmp_imm_s(IntCC::Equal, ty, TAG_INT as i64);
        let xf = self.fb.ins().icmp_imm_s(IntCC::Equal, tx, TAG_FLOAT as i64);
        let yf = self.fb.ins().icmp_imm_s(IntCC::Equal, ty, TAG_FLOAT as i64);
        let both_int = self.fb.ins().band(xi, yi);
        let both_f = self.fb.ins().band(xf, yf);
        let mut tests: Vec<(Value, u8)> = Vec::new();
        if floats_first {
            tests.push((both_f, 1));
        }
        if int_path {
            tests.push((both_int, 0));
        }
        if float_path {
            if !floats_first {
                tests.push((both_f, 1));
            }
            // One integer and one float operand: inline only where the interpreter saw that
            // combination (it is rare; the helper converts as `cast_num` does).
            if fb & crate::vm::function::FEEDBACK_MIXED != 0 {
                let xn = self.fb.ins().bor(xi, xf);
                let yn = self.fb.ins().bor(yi, yf);
                let both_n = self.fb.ins().band(xn, yn);
                tests.push((both_n, 2));
            }
        }
        for (cond, kind) in tests {
            let (hit, miss) = self.branch(cond);
            self.fb.switch_to_block(hit);
            if kind == 0 {
                let (px, py) = (self.opnd_payload(x), self.opnd_payload(y));
                let r = match op {
                    OpCode::ADD => Some(self.fb.ins().iadd(px, py)),
                    OpCode::SUB => Some(self.fb.ins().isub(px, py)),
                    OpCode::MUL => Some(self.fb.ins().imul(px, py)),
                    OpCode::BAND => Some(self.fb.ins().band(px, py)),
                    OpCode::BOR => Some(self.fb.ins().bor(px, py)),
                    OpCode::BXOR => Some(self.fb.ins().bxor(px, py)),
                    _ => self.int_divmod(op == OpCode::MOD, px, py, y, slow),
                };
                if let Some(r) = r {
                    self.store_typed(a, r, TAG_INT);
                    self.goto(pc + 2);
                }
            } else {
                let (fx, fy) = if kind == 1 {
                    (self.opnd_f64(x), self.opnd_f64(y))
                } else {
                    (self.num_f64(x, xi), self.num_f64(y, yi))
                };
                let r = match op {
                    OpCode::ADD => self.fb.ins().fadd(fx, fy),
                    OpCode::SUB => self.fb.ins().fsub(fx, fy),
                    OpCode::MUL => self.fb.ins().fmul(fx, fy),
                    OpCode::DIV => self.fb.ins().fdiv(fx, fy),
                    _ => {
                        let q = self.fb.ins().fdiv(fx, fy);
                        self.fb.ins().floor(q)
                    }
                };
                self.store_typed(a, r, TAG_FLOAT);
                self.goto(pc + 2);
            }
            self.fb.switch_to_block(miss);
        }
        self.fb.ins().jump(slow, &[]);
        self.fb.switch_to_block(slow);
        let (p1, p2) = (self.opnd_ptr(x), self.opnd_ptr(y));
        self.arith_helper(pc, i, p1, p2);
    }

    /// Operand `o`, known to be of type `t` (`Int` or `Float`), as an `f64` (`cast_num`).
    fn opnd_as_f64(&mut self, o: Opnd, t: Ty) -> Value {
        if t == Ty::Float {
            return self.opnd_f64(o);
        }
        match o {
            Opnd::K(v, _) => self.fb.ins().f64const(v.as_int().unwrap_or(0) as f64),
            Opnd::Reg(_) => {
                let p = self.opnd_payload(o);
                self.fb.ins().fcvt_from_sint(F64, p)
            }
        }
    }

    /// Branch on whether register `r` holds `tag`: `(yes, no)`, both unswitched-to. When the
    /// type knowledge decides it, a plain jump (the other block stays unreachable).
    fn branch_on_tag(&mut self, r: u32, tag: u64) -> (Block, Block) {
        match self.known(r).tag() {
            Some(t) => {
                let (yes, no) = (self.fb.create_block(), self.fb.create_block());
                self.fb.ins().jump(if t == tag { yes } else { no }, &[]);
                (yes, no)
            }
            None => {
                let t = self.tag(r);
                let is = self.fb.ins().icmp_imm_s(IntCC::Equal, t, tag as i64);
                self.branch(is)
            }
        }
    }

    /// Leave to the interpreter at `pc` unless register `r` has type `t` (`Int` or `Float`).
    fn guard_tag(&mut self, pc: usize, r: u32, t: Ty) {
        let Some(want) = t.tag() else { return };
        let tag = self.tag(r);
        let ok = self.fb.ins().icmp_imm_s(IntCC::Equal, tag, want as i64);
        let (go, fail) = self.branch(ok);
        self.fb.switch_to_block(fail);
        let pcv = self.fb.ins().iconst(I64, pc as i64);
        self.fb.ins().jump(self.deopt_exit, &[BlockArg::Value(pcv)]);
        self.deopt_used = true;
        self.fb.switch_to_block(go);
        self.ent(r).tag = Some(CachedTag::Const(want));
    }

    /// What is known about register `r` at the start of the current instruction.
    fn known(&self, r: u32) -> Ty {
        types::ty_at(&self.cur, r)
    }

    /// Store `payload` with `tag` into register `r`, leaving out the tag store when the slot
    /// is known to hold that tag already (only for an instruction that writes `r` once).
    fn store_typed(&mut self, r: u32, payload: Value, tag: u64) {
        self.fb
            .ins()
            .store(flags(), payload, self.base, Self::off(r));
        if self.known(r).tag() != Some(tag) {
            let t = self.fb.ins().iconst(I64, tag as i64);
            self.fb.ins().store(flags(), t, self.base, Self::off(r) + 8);
        }
        self.cache_set(r, payload, CachedTag::Const(tag));
    }

    /// A float operand (`o` is known to hold a float) as an `f64`.
    fn opnd_f64(&mut self, o: Opnd) -> Value {
        match o {
            Opnd::Reg(r) => self.fpayload(r),
            Opnd::K(v, _) => self.fb.ins().f64const(f64::from_bits(v.payload())),
        }
    }

    /// Integer `%` (`mod`) or `//` of `px` by `py` (`luaV_mod`, `luaV_idiv`). A divisor of 0
    /// or -1 branches to `slow` (a constant one always does: `None`, nothing emitted after
    /// the jump).
    fn int_divmod(
        &mut self,
        mod_: bool,
        px: Value,
        py: Value,
        y: Opnd,
        slow: Block,
    ) -> Option<Value> {
        match y {
            Opnd::K(v, _) if matches!(v.as_int(), Some(0 | -1)) => {
                self.fb.ins().jump(slow, &[]);
                return None;
            }
            Opnd::K(v, _) if v.as_int().is_some() => {
                let d = v.as_int().unwrap_or(1);
                return Some(self.divmod_const(mod_, px, d));
            }
            Opnd::K(..) => {}
            Opnd::Reg(_) => {
                // py + 1 > 1 (unsigned) <=> py is neither -1 nor 0.
                let p1 = self.fb.ins().iadd_imm_s(py, 1);
                let ok = self.fb.ins().icmp_imm_u(IntCC::UnsignedGreaterThan, p1, 1);
                let go = self.fb.create_block();
                self.fb.ins().brif(ok, go, &[], slow, &[]);
                self.fb.switch_to_block(go);
            }
        }
        let rem = self.fb.ins().srem(px, py);
        let nz = self.fb.ins().icmp_imm_s(IntCC::NotEqual, rem, 0);
        Some(if mod_ {
            // r = a % b, moved to the sign of b.
            let sx = self.fb.ins().bxor(rem, py);
            let neg = self.fb.ins().icmp_imm_s(IntCC::SignedLessThan, sx, 0);
            let adj = self.fb.ins().band(nz, neg);
            let radj = self.fb.ins().iadd(rem, py);
            self.fb.ins().select(adj, radj, rem)
        } else {
            // q = a / b truncated, minus one when inexact with operands of opposite signs.
            let q = self.fb.ins().sdiv(px, py);
            let sx = self.fb.ins().bxor(px, py);
            let neg = self.fb.ins().icmp_imm_s(IntCC::SignedLessThan, sx, 0);
            let adj = self.fb.ins().band(nz, neg);
            let adj = self.fb.ins().uextend(I64, adj);
            self.fb.ins().isub(q, adj)
        })
    }

    /// Integer `%` (`mod_`) or `//` of `px` by the constant `d` (not 0 or -1) without a
    /// division instruction: a power of two is a mask or an arithmetic shift (both floor);
    /// otherwise the truncated quotient is a multiply-high by [`magic_signed`]'s multiplier
    /// (Hacker's Delight §10-4), then corrected to floor semantics as in [`Self::int_divmod`].
    fn divmod_const(&mut self, mod_: bool, px: Value, d: i64) -> Value {
        if d > 0 && (d as u64).is_power_of_two() {
            let k = d.trailing_zeros() as i64;
            return if mod_ {
                self.fb.ins().band_imm_s(px, d - 1)
            } else {
                self.fb.ins().sshr_imm_s(px, k)
            };
        }
        let (m, shift) = magic_signed(d);
        let mv = self.fb.ins().iconst(I64, m);
        let mut q = self.fb.ins().smulhi(px, mv);
        if d > 0 && m < 0 {
            q = self.fb.ins().iadd(q, px);
        } else if d < 0 && m > 0 {
            q = self.fb.ins().isub(q, px);
        }
        if shift > 0 {
            q = self.fb.ins().sshr_imm_s(q, shift as i64);
        }
        let sign = self.fb.ins().ushr_imm_u(q, 63);
        let q = self.fb.ins().iadd(q, sign);
        // Truncated remainder, then floor semantics.
        let qd = self.fb.ins().imul_imm_s(q, d);
        let rem = self.fb.ins().isub(px, qd);
        let nz = self.fb.ins().icmp_imm_s(IntCC::NotEqual, rem, 0);
        if mod_ {
            let sx = self.fb.ins().bxor_imm_s(rem, d);
            let neg = self.fb.ins().icmp_imm_s(IntCC::SignedLessThan, sx, 0);
            let adj = self.fb.ins().band(nz, neg);
            let radj = self.fb.ins().iadd_imm_s(rem, d);
            self.fb.ins().select(adj, radj, rem)
        } else {
            let sx = self.fb.ins().bxor_imm_s(px, d);
            let neg = self.fb.ins().icmp_imm_s(IntCC::SignedLessThan, sx, 0);
            let adj = self.fb.ins().band(nz, neg);
            let adj = self.fb.ins().uextend(I64, adj);
            self.fb.ins().isub(q, adj)
        }
    }

    /// Operand `o` (a number; `is_int` tells whether it is an integer) as an `f64`.
    fn num_f64(&mut self, o: Opnd, is_int: Value) -> Value {
        match o {
            Opnd::K(v, _) => {
                let f = match v.as_int() {
                    Some(n) => n as f64,
                    None => f64::from_bits(v.payload()),
                };
                self.fb.ins().f64const(f)
            }
            Opnd::Reg(r) => {
                let p = self.payload(r);
                let fi = self.fb.ins().fcvt_from_sint(F64, p);
                let ff = self.fpayload(r);
                self.fb.ins().select(is_int, fi, ff)
            }
        }
    }

    /// Call `jit_arith`: DONE → skip the `MMBIN` (pc+2); TO_MMBIN → exit at pc+1; EXIT → pc.
    fn arith_helper(&mut self, pc: usize, i: Instruction, p1: Value, p2: Value) {
        let op = self.fb.ins().iconst(I32, i.op() as i64);
        let dst = self.reg_ptr(i.a());
        let r = self.call(H_ARITH, &[op, p1, p2, dst]);
        let done = self.fb.ins().icmp_imm_s(IntCC::Equal, r, DONE as i64);
        let (d, nd) = self.branch(done);
        self.fb.switch_to_block(d);
        self.goto(pc + 2);
        self.fb.switch_to_block(nd);
        let mm = self.fb.ins().icmp_imm_s(IntCC::Equal, r, TO_MMBIN as i64);
        let (m, e) = self.branch(mm);
        self.fb.switch_to_block(m);
        self.exit_at(pc + 1);
        self.fb.switch_to_block(e);
        self.exit_at(pc);
    }

    /// Both operands of `EQ`/`LT`/`LE` known integers, or both known floats: that type.
    fn known_cmp(&self, i: Instruction) -> Option<Ty> {
        self.tcx.eq_inline(i, &self.cur)
    }

    /// `EQ`, `LT`, `LE` on two registers known to be integers or floats: one compare (no
    /// helper; `EQ` on numbers has no metamethod).
    fn cmp_known(&mut self, pc: usize, i: Instruction) {
        let (a, b) = (i.a(), i.b());
        let c = if self.known_cmp(i) == Some(Ty::Int) {
            let (x, y) = (self.payload(a), self.payload(b));
            let cc = match i.op() {
                OpCode::EQ => IntCC::Equal,
                OpCode::LT => IntCC::SignedLessThan,
                _ => IntCC::SignedLessThanOrEqual,
            };
            self.fb.ins().icmp(cc, x, y)
        } else {
            let (x, y) = (self.fpayload(a), self.fpayload(b));
            let cc = match i.op() {
                OpCode::EQ => FloatCC::Equal,
                OpCode::LT => FloatCC::LessThan,
                _ => FloatCC::LessThanOrEqual,
            };
            self.fb.ins().fcmp(cc, x, y)
        };
        self.condjump(pc, c, i.k());
    }

    fn addi(&mut self, pc: usize, i: Instruction) {
        let (a, b) = (i.a(), i.b());
        let imm = i.sc() as i64;
        let plan = self.tcx.arith_plan(pc, i, &self.cur);
        if let Some(t) = plan.guard[0] {
            self.guard_tag(pc, b, t);
        }
        match plan.ty[0] {
            Ty::Int => {
                let x = self.payload(b);
                let r = self.fb.ins().iadd_imm_s(x, imm);
                self.store_typed(a, r, TAG_INT);
                self.goto(pc + 2);
                return;
            }
            Ty::Float => {
                let x = self.fpayload(b);
                let y = self.fb.ins().f64const(imm as f64);
                let r = self.fb.ins().fadd(x, y);
                self.store_typed(a, r, TAG_FLOAT);
                self.goto(pc + 2);
                return;
            }
            _ => {}
        }
        let t = self.tag(b);
        let is_int = self.fb.ins().icmp_imm_s(IntCC::Equal, t, TAG_INT as i64);
        let (ib, nb) = self.branch(is_int);
        self.fb.switch_to_block(ib);
        let x = self.payload(b);
        let r = self.fb.ins().iadd_imm_s(x, imm);
        self.store_typed(a, r, TAG_INT);
        self.goto(pc + 2);
        self.fb.switch_to_block(nb);
        let is_f = self.fb.ins().icmp_imm_s(IntCC::Equal, t, TAG_FLOAT as i64);
        let (fb_, mb) = self.branch(is_f);
        self.fb.switch_to_block(fb_);
        let x = self.fpayload(b);
        let y = self.fb.ins().f64const(imm as f64);
        let r = self.fb.ins().fadd(x, y);
        self.store_typed(a, r, TAG_FLOAT);
        self.goto(pc + 2);
        self.fb.switch_to_block(mb);
        self.exit_at(pc + 1);
    }

    /// `EQI`, `LTI`, `LEI`, `GTI`, `GEI` with the immediate `sB`.
    fn cmp_imm(&mut self, pc: usize, i: Instruction) {
        let a = i.a();
        let im = i.sb() as i64;
        let op = i.op();
        let (ib, nb) = self.branch_on_tag(a, TAG_INT);
        self.fb.switch_to_block(ib);
        let x = self.payload(a);
        let cc = match op {
            OpCode::EQI => IntCC::Equal,
            OpCode::LTI => IntCC::SignedLessThan,
            OpCode::LEI => IntCC::SignedLessThanOrEqual,
            OpCode::GTI => IntCC::SignedGreaterThan,
            _ => IntCC::SignedGreaterThanOrEqual,
        };
        let c = self.fb.ins().icmp_imm_s(cc, x, im);
        self.condjump(pc, c, i.k());
        self.fb.switch_to_block(nb);
        let (fb_, other) = self.branch_on_tag(a, TAG_FLOAT);
        self.fb.switch_to_block(fb_);
        let x = self.fpayload(a);
        let y = self.fb.ins().f64const(im as f64);
        let fc = match op {
            OpCode::EQI => FloatCC::Equal,
            OpCode::LTI => FloatCC::LessThan,
            OpCode::LEI => FloatCC::LessThanOrEqual,
            OpCode::GTI => FloatCC::GreaterThan,
            _ => FloatCC::GreaterThanOrEqual,
        };
        let c = self.fb.ins().fcmp(fc, x, y);
        self.condjump(pc, c, i.k());
        self.fb.switch_to_block(other);
        if op == OpCode::EQI {
            // Not a number: never equal.
            let c = self.fb.ins().iconst(I8, 0);
            self.condjump(pc, c, i.k());
        } else {
            self.exit_at(pc);
        }
    }

    /// `FORLOOP` exactly as interp.rs: integer loops count down the iteration count in
    /// `R[A+1]`; float loops compare against the limit.
    fn forloop(&mut self, pc: usize, i: Instruction) {
        let a = i.a();
        let target = pc + 1 - i.bx() as usize;
        let (ib, fb_) = self.branch_on_tag(a + 2, TAG_INT);
        // Integer loop.
        self.fb.switch_to_block(ib);
        let count = self.payload(a + 1);
        let more = self.fb.ins().icmp_imm_s(IntCC::NotEqual, count, 0);
        let (cont, done) = self.branch(more);
        self.fb.switch_to_block(done);
        self.goto(pc + 1);
        self.fb.switch_to_block(cont);
        let go = self.poll(pc);
        self.fb.switch_to_block(go);
        let count = self.payload(a + 1);
        let c1 = self.fb.ins().iadd_imm_s(count, -1);
        self.fb
            .ins()
            .store(flags(), c1, self.base, Self::off(a + 1));
        self.ent(a + 1).pay = Some(c1);
        let idx = self.payload(a);
        let step = self.payload(a + 2);
        let n = self.fb.ins().iadd(idx, step);
        self.store_typed(a, n, TAG_INT);
        self.store_typed(a + 3, n, TAG_INT);
        self.goto(target);
        // Float loop.
        self.fb.switch_to_block(fb_);
        let step = self.fpayload(a + 2);
        let limit = self.fpayload(a + 1);
        let idx = self.fpayload(a);
        let n = self.fb.ins().fadd(idx, step);
        let zero = self.fb.ins().f64const(0.0);
        let pos = self.fb.ins().fcmp(FloatCC::GreaterThan, step, zero);
        let c_pos = self.fb.ins().fcmp(FloatCC::LessThanOrEqual, n, limit);
        let c_neg = self.fb.ins().fcmp(FloatCC::LessThanOrEqual, limit, n);
        let c = self.fb.ins().select(pos, c_pos, c_neg);
        let (cont, done) = self.branch(c);
        self.fb.switch_to_block(done);
        self.goto(pc + 1);
        self.fb.switch_to_block(cont);
        let go = self.poll(pc);
        self.fb.switch_to_block(go);
        self.store_typed(a, n, TAG_FLOAT);
        self.store_typed(a + 3, n, TAG_FLOAT);
        self.goto(target);
    }

    /// Poll the interrupt flag before a back-edge instruction takes effect: when set, exit at
    /// `pc` (the interpreter re-executes the instruction and raises). Returns the block to
    /// continue in.
    fn poll(&mut self, pc: usize) -> Block {
        let flag = self.fb.ins().uload8(I32, flags(), self.intr, 0);
        let (stop, go) = self.branch(flag);
        self.fb.switch_to_block(stop);
        self.exit_at(pc);
        go
    }
}

#[cfg(test)]
mod tests {
    use super::magic_signed;

    /// What [`super::Tx::divmod_const`] computes, in Rust: (floor quotient, floor modulo).
    fn by_magic(x: i64, d: i64) -> (i64, i64) {
        let (m, s) = magic_signed(d);
        let mut q = ((x as i128 * m as i128) >> 64) as i64;
        if d > 0 && m < 0 {
            q = q.wrapping_add(x);
        } else if d < 0 && m > 0 {
            q = q.wrapping_sub(x);
        }
        q >>= s;
        q = q.wrapping_add(((q as u64) >> 63) as i64);
        let rem = x.wrapping_sub(q.wrapping_mul(d));
        let m = if rem != 0 && (rem ^ d) < 0 {
            rem + d
        } else {
            rem
        };
        let fq = q - (rem != 0 && (x ^ d) < 0) as i64;
        (fq, m)
    }

    #[test]
    fn constant_division_matches_floor_division() {
        let divisors = [
            2,
            3,
            5,
            6,
            7,
            8,
            10,
            11,
            360,
            1000,
            10007,
            65536,
            1000003,
            1000000007,
            i64::MAX,
            i64::MAX - 1,
            -2,
            -3,
            -7,
            -10,
            -1000000007,
            i64::MIN,
            i64::MIN + 1,
        ];
        let mut xs = vec![
            0,
            1,
            -1,
            2,
            -2,
            7,
            -7,
            i64::MAX,
            i64::MIN,
            i64::MIN + 1,
            i64::MAX - 1,
        ];
        let mut v: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..2000 {
            v ^= v << 13;
            v ^= v >> 7;
            v ^= v << 17;
            xs.push(v as i64);
            xs.push((v >> 40) as i64 - (1 << 23));
        }
        for &d in &divisors {
            if d > 0 && (d as u64).is_power_of_two() {
                continue; // a mask or a shift, not the multiplier
            }
            for &x in &xs {
                // Floor semantics (lvm.c luaV_idiv, luaV_mod), computed in 128 bits.
                let (x1, d1) = (x as i128, d as i128);
                let (mut q, mut r) = (x1 / d1, x1 % d1);
                if r != 0 && (r ^ d1) < 0 {
                    q -= 1;
                    r += d1;
                }
                let want = (q as i64, r as i64);
                assert_eq!(by_magic(x, d), want, "{x} by {d}");
            }
        }
    }
}
