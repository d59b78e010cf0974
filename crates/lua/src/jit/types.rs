//! Static type knowledge for the tier-1 translator: which registers are known to hold an
//! integer, a float or some number at each instruction boundary, so that [`super::baseline`]
//! can leave out tag checks and tag stores.
//!
//! # The lattice and the analysis
//! Per register a [`Ty`]: `Any` ⊐ `Num` ⊐ {`Int`, `Float`}. [`infer`] is a forward "must"
//! data-flow analysis over the bytecode's control-flow graph (a worklist to the fixpoint,
//! meeting the states of all incoming edges); its result, per instruction, is a state that
//! holds in the VM slots whenever compiled code reaches that instruction's block by a jump
//! inside the function. Knowledge comes from constants (`LOADI`, `LOADK`, ...), from
//! arithmetic on known operands, from numeric `for` loops, and from the checks the generated
//! code performs (after an inline arithmetic operation its register operands are numbers).
//!
//! # Speculation
//! Where the interpreter's type feedback for an arithmetic instruction saw a single operand
//! combination (`FEEDBACK_INT`, `FEEDBACK_FLOAT`, or `FEEDBACK_MIXED` with one operand of
//! known type) and never a metamethod, the translator **guards** the register operands' tags
//! and leaves to the interpreter at the instruction when a guard fails (an eager deopt: the
//! frame is exact in its slots, so the interpreter simply re-executes the instruction). After
//! the guard the operand's type is exact. Without feedback (`--jit=eager`) nothing is
//! speculated.
//!
//! # What kills knowledge
//! Lua code can change the registers of a frame that is suspended in a call: through an open
//! upvalue (a closure capturing the local) or `debug.setlocal`. So every instruction whose
//! compiled form may run Lua code and then continue in compiled code (calls, table accesses
//! with their metamethod paths, `CONCAT`, `CLOSURE`, ...) ends with nothing known. The
//! instructions that keep knowledge run only inline code and the pure helpers of
//! [`super::runtime_calls`] (no allocation, no Lua code); their other paths leave to the
//! interpreter.
//!
//! # Entries
//! Compiled code is also entered at any instruction by the entry dispatch (OSR, resumption).
//! The interpreter does not perform the speculative guards, so a state derived from them need
//! not hold there: the translator guards every known register at such an entry and returns to
//! the interpreter when one does not match (see `baseline::translate`).

use crate::opcode::{Instruction, OpCode};
use crate::vm::function::{FEEDBACK_FLOAT, FEEDBACK_INT, FEEDBACK_MIXED, FEEDBACK_OTHER};
use crate::vm::value::Value as LuaValue;
use crate::vm::value::{TAG_FLOAT, TAG_INT};
use std::cell::Cell;

/// What is known about a register's value.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Ty {
    /// Nothing.
    Any,
    /// An integer or a float.
    Num,
    /// An integer (`TAG_INT`).
    Int,
    /// A float (`TAG_FLOAT`).
    Float,
}

impl Ty {
    /// The greatest lower bound: what holds on both of two incoming edges.
    pub(crate) fn meet(self, o: Ty) -> Ty {
        if self == o {
            self
        } else if self != Ty::Any && o != Ty::Any {
            Ty::Num
        } else {
            Ty::Any
        }
    }
    /// The exact tag, for `Int` and `Float`.
    pub(crate) fn tag(self) -> Option<u64> {
        match self {
            Ty::Int => Some(TAG_INT),
            Ty::Float => Some(TAG_FLOAT),
            _ => None,
        }
    }
    /// Is the tag known exactly?
    pub(crate) fn exact(self) -> bool {
        matches!(self, Ty::Int | Ty::Float)
    }
    /// The type of a constant.
    pub(crate) fn of(v: LuaValue) -> Ty {
        match v.tag() {
            TAG_INT => Ty::Int,
            TAG_FLOAT => Ty::Float,
            _ => Ty::Any,
        }
    }
}

/// An operand of an arithmetic instruction, for planning: a register or a known type.
#[derive(Clone, Copy)]
pub(crate) enum Src {
    Reg(u32),
    Const(Ty),
}

/// How the translator compiles one arithmetic instruction (shared by the analysis and the
/// code generator, so that both agree).
#[derive(Clone, Copy, Debug)]
pub(crate) struct ArithPlan {
    /// Tag guards on the first / second operand register (exit at the instruction on failure).
    pub(crate) guard: [Option<Ty>; 2],
    /// Operand types after the guards.
    pub(crate) ty: [Ty; 2],
    /// The result's type on every path that continues at the next instruction.
    pub(crate) result: Ty,
}

/// The operation of an arithmetic instruction with its `K`/immediate form folded away.
pub(crate) fn base_op(op: OpCode) -> OpCode {
    match op {
        OpCode::ADDK | OpCode::ADDI => OpCode::ADD,
        OpCode::SUBK => OpCode::SUB,
        OpCode::MULK => OpCode::MUL,
        OpCode::DIVK => OpCode::DIV,
        OpCode::MODK => OpCode::MOD,
        OpCode::POWK => OpCode::POW,
        OpCode::IDIVK => OpCode::IDIV,
        OpCode::BANDK => OpCode::BAND,
        OpCode::BORK => OpCode::BOR,
        OpCode::BXORK => OpCode::BXOR,
        OpCode::SHRI => OpCode::SHR,
        OpCode::SHLI => OpCode::SHL,
        o => o,
    }
}

/// Inputs of the analysis: the proto's code, constants and type feedback.
pub(crate) struct Ctx<'a> {
    pub(crate) code: &'a [Instruction],
    pub(crate) k: &'a [LuaValue],
    pub(crate) feedback: &'a [Cell<u8>],
    /// Registers of the frame (`max_stack`).
    pub(crate) nregs: usize,
}

impl<'a> Ctx<'a> {
    /// The analysis inputs of `p`: its code, constants, feedback and frame size.
    pub(crate) fn of(p: &'a crate::vm::function::Proto) -> Ctx<'a> {
        Ctx {
            code: p.code(),
            k: &p.k,
            feedback: &p.feedback,
            nregs: p.src.max_stack as usize,
        }
    }

    fn fb(&self, pc: usize) -> u8 {
        self.feedback.get(pc).map_or(0, |c| c.get())
    }

    /// The two operands of the arithmetic instruction `i`, or None when `i` is not one.
    pub(crate) fn arith_srcs(&self, i: Instruction) -> Option<[Src; 2]> {
        let kty = |c: u32| Src::Const(self.k.get(c as usize).map_or(Ty::Any, |&v| Ty::of(v)));
        Some(match i.op() {
            OpCode::ADD
            | OpCode::SUB
            | OpCode::MUL
            | OpCode::DIV
            | OpCode::MOD
            | OpCode::POW
            | OpCode::IDIV
            | OpCode::BAND
            | OpCode::BOR
            | OpCode::BXOR
            | OpCode::SHL
            | OpCode::SHR => [Src::Reg(i.b()), Src::Reg(i.c())],
            OpCode::ADDK
            | OpCode::SUBK
            | OpCode::MULK
            | OpCode::DIVK
            | OpCode::MODK
            | OpCode::POWK
            | OpCode::IDIVK
            | OpCode::BANDK
            | OpCode::BORK
            | OpCode::BXORK => [Src::Reg(i.b()), kty(i.c())],
            OpCode::ADDI | OpCode::SHRI | OpCode::SHLI => [Src::Reg(i.b()), Src::Const(Ty::Int)],
            _ => return None,
        })
    }

    /// The plan for the arithmetic instruction `i` at `pc` in state `st` (see the module doc).
    pub(crate) fn arith_plan(&self, pc: usize, i: Instruction, st: &[Ty]) -> ArithPlan {
        let op = base_op(i.op());
        let srcs = self.arith_srcs(i).unwrap_or([Src::Const(Ty::Any); 2]);
        let known = |s: Src| match s {
            Src::Reg(r) => st.get(r as usize).copied().unwrap_or(Ty::Any),
            Src::Const(t) => t,
        };
        let mut ty = [known(srcs[0]), known(srcs[1])];
        let mut guard = [None, None];
        // Speculate only where the inline paths exist and the feedback is one combination.
        let inline_op = matches!(
            op,
            OpCode::ADD | OpCode::SUB | OpCode::MUL | OpCode::DIV | OpCode::MOD | OpCode::IDIV
        );
        let fb = self.fb(pc);
        let mm = self.fb(pc + 1) & FEEDBACK_OTHER != 0 || fb & FEEDBACK_OTHER != 0;
        if inline_op && !mm && !(ty[0].exact() && ty[1].exact()) {
            let want = match fb {
                FEEDBACK_INT => Some([Ty::Int, Ty::Int]),
                FEEDBACK_FLOAT => Some([Ty::Float, Ty::Float]),
                FEEDBACK_MIXED => {
                    let other = |t: Ty| if t == Ty::Int { Ty::Float } else { Ty::Int };
                    if ty[0].exact() {
                        Some([ty[0], other(ty[0])])
                    } else if ty[1].exact() {
                        Some([other(ty[1]), ty[1]])
                    } else {
                        None
                    }
                }
                _ => None,
            };
            if let Some(w) = want {
                for j in 0..2 {
                    if let Src::Reg(_) = srcs[j]
                        && !ty[j].exact()
                    {
                        guard[j] = Some(w[j]);
                        ty[j] = w[j];
                    }
                }
            }
        }
        let bitwise = matches!(
            op,
            OpCode::BAND | OpCode::BOR | OpCode::BXOR | OpCode::SHL | OpCode::SHR
        );
        let result = if bitwise {
            Ty::Int
        } else if matches!(op, OpCode::DIV | OpCode::POW) {
            Ty::Float
        } else if ty[0] == Ty::Int && ty[1] == Ty::Int {
            Ty::Int
        } else if ty[0].exact() && ty[1].exact() {
            Ty::Float
        } else {
            Ty::Num
        };
        ArithPlan { guard, ty, result }
    }

    /// The state after an arithmetic instruction that continues at the next instruction:
    /// register operands are numbers (exact after a guard), then `R[A]` is the result.
    fn arith_after(&self, pc: usize, i: Instruction, st: &[Ty]) -> Vec<Ty> {
        let plan = self.arith_plan(pc, i, st);
        let srcs = self.arith_srcs(i).unwrap_or([Src::Const(Ty::Any); 2]);
        let mut out = st.to_vec();
        for (src, t) in srcs.into_iter().zip(plan.ty) {
            if let Src::Reg(r) = src {
                set(&mut out, r, if t == Ty::Any { Ty::Num } else { t });
            }
        }
        set(&mut out, i.a(), plan.result);
        out
    }

    /// Target of the `JMP` at `jmp_pc`.
    fn jmp_target(&self, jmp_pc: usize) -> usize {
        let sj = self.code.get(jmp_pc).map_or(0, |i| i.sj_field());
        (jmp_pc as isize + 1 + sj as isize) as usize
    }

    /// Successor edges of the instruction at `pc` entered in state `st`, with the state on
    /// each edge. Must list every jump the translator emits from the instruction's code to
    /// another instruction's block (exits to the interpreter are not edges).
    fn step(&self, pc: usize, st: &[Ty], out: &mut Vec<(usize, Vec<Ty>)>) {
        let i = self.code[pc];
        let a = i.a();
        let mut next = |n: usize, s: Vec<Ty>| out.push((n, s));
        let with = |r: u32, t: Ty| {
            let mut s = st.to_vec();
            set(&mut s, r, t);
            s
        };
        match i.op() {
            OpCode::MOVE => {
                let t = st.get(i.b() as usize).copied().unwrap_or(Ty::Any);
                next(pc + 1, with(a, t));
            }
            OpCode::LOADI => next(pc + 1, with(a, Ty::Int)),
            OpCode::LOADF => next(pc + 1, with(a, Ty::Float)),
            OpCode::LOADK => {
                let t = self.k.get(i.bx() as usize).map_or(Ty::Any, |&v| Ty::of(v));
                next(pc + 1, with(a, t));
            }
            OpCode::LOADKX => {
                let t = self
                    .code
                    .get(pc + 1)
                    .and_then(|n| self.k.get(n.ax_field() as usize))
                    .map_or(Ty::Any, |&v| Ty::of(v));
                next(pc + 2, with(a, t));
            }
            OpCode::LOADFALSE | OpCode::LOADTRUE | OpCode::GETUPVAL | OpCode::NOT => {
                next(pc + 1, with(a, Ty::Any))
            }
            OpCode::LFALSESKIP => next(pc + 2, with(a, Ty::Any)),
            OpCode::LOADNIL => {
                let mut s = st.to_vec();
                for j in 0..=i.b() {
                    set(&mut s, a + j, Ty::Any);
                }
                next(pc + 1, s);
            }
            OpCode::SETUPVAL | OpCode::EXTRAARG => next(pc + 1, st.to_vec()),
            OpCode::JMP => next(self.jmp_target(pc), st.to_vec()),
            _ if self.arith_srcs(i).is_some() => {
                // The fast paths and the helper's DONE skip the MMBIN.
                next(pc + 2, self.arith_after(pc, i, st));
            }
            OpCode::UNM => {
                let t = st.get(i.b() as usize).copied().unwrap_or(Ty::Any);
                let t = if t.exact() { t } else { Ty::Num };
                let mut s = with(i.b(), t);
                set(&mut s, a, t);
                next(pc + 1, s);
            }
            OpCode::LT
            | OpCode::LE
            | OpCode::EQK
            | OpCode::EQI
            | OpCode::LTI
            | OpCode::LEI
            | OpCode::GTI
            | OpCode::GEI
            | OpCode::TEST => {
                next(pc + 2, st.to_vec());
                next(self.jmp_target(pc + 1), st.to_vec());
            }
            OpCode::EQ if self.eq_inline(i, st).is_some() => {
                next(pc + 2, st.to_vec());
                next(self.jmp_target(pc + 1), st.to_vec());
            }
            OpCode::TESTSET => {
                next(pc + 2, st.to_vec());
                let t = st.get(i.b() as usize).copied().unwrap_or(Ty::Any);
                next(self.jmp_target(pc + 1), with(a, t));
            }
            OpCode::FORPREP => {
                let (init, step) = (ty_at(st, a), ty_at(st, a + 2));
                // jit_forprep runs an integer loop when init and step are integers, a float
                // loop (all four floats) when they are numbers and not both integers, and
                // leaves to the interpreter otherwise.
                let run = if init == Ty::Int && step == Ty::Int {
                    Ty::Int
                } else if init == Ty::Float || step == Ty::Float {
                    Ty::Float
                } else {
                    Ty::Num
                };
                let mut s = st.to_vec();
                for j in 0..4 {
                    set(&mut s, a + j, run);
                }
                next(pc + 1, s);
                let mut s = st.to_vec();
                for j in 0..4 {
                    set(&mut s, a + j, Ty::Any);
                }
                next(pc + i.bx() as usize + 2, s);
            }
            OpCode::FORLOOP => {
                let target = pc + 1 - i.bx() as usize;
                next(pc + 1, st.to_vec());
                let step = ty_at(st, a + 2);
                if step != Ty::Float {
                    let mut s = st.to_vec();
                    for j in 0..4 {
                        set(&mut s, a + j, Ty::Int);
                    }
                    next(target, s);
                }
                if step != Ty::Int {
                    let mut s = st.to_vec();
                    set(&mut s, a, Ty::Float);
                    set(&mut s, a + 3, Ty::Float);
                    next(target, s);
                }
            }
            OpCode::TFORPREP => next(pc + 1 + i.bx() as usize, st.to_vec()),
            OpCode::TFORLOOP => {
                next(pc + 1, st.to_vec());
                next(pc + 1 - i.bx() as usize, with(a + 2, Ty::Any));
            }
            OpCode::EQ => {
                // With its `__eq` helper: may run Lua code, then a conditional jump.
                let none = vec![Ty::Any; st.len()];
                next(pc + 2, none.clone());
                next(self.jmp_target(pc + 1), none);
            }
            _ => {
                // May run Lua code and continue: nothing is known after it. Its code continues
                // (if at all) at the next instruction: the helpers' `CALL_DONE`, the inline
                // call's return; a `NEWTABLE`/`SETLIST` continues at its EXTRAARG, whose block
                // steps over it.
                next(pc + 1, vec![Ty::Any; st.len()]);
            }
        }
    }

    /// `EQ` compiled without its helper (which may run `__eq`): both registers are known
    /// integers, or both known floats. Returns that type.
    pub(crate) fn eq_inline(&self, i: Instruction, st: &[Ty]) -> Option<Ty> {
        let (x, y) = (ty_at(st, i.a()), ty_at(st, i.b()));
        (x == y && x.exact()).then_some(x)
    }
}

/// The known type of register `r` in `st`.
pub(crate) fn ty_at(st: &[Ty], r: u32) -> Ty {
    st.get(r as usize).copied().unwrap_or(Ty::Any)
}

fn set(st: &mut [Ty], r: u32, t: Ty) {
    if let Some(x) = st.get_mut(r as usize) {
        *x = t;
    }
}

/// The OSR region of the loop header `h` (`baseline::translate_region`): the instructions on
/// some cycle through `h` in the control-flow graph of [`Ctx::step`] (which lists every jump
/// the translator emits): the loop itself, every loop nested in it and every loop enclosing
/// it, i.e. `h`'s strongly connected component. Code before the loop and after it runs once
/// per arrival at the loop and is left to the interpreter (compiled code exits where a jump
/// leaves the region); a later loop that gets hot has its own region.
pub(crate) fn loop_region(cx: &Ctx<'_>, h: usize) -> Vec<bool> {
    let n = cx.code.len();
    let mut region = vec![false; n];
    if h >= n {
        return region;
    }
    // The successors do not depend on the knowledge (only the state on each edge does), so
    // the graph is built with nothing known.
    let any = vec![Ty::Any; cx.nregs];
    let mut succs: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut preds: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut out = Vec::new();
    for (pc, next) in succs.iter_mut().enumerate() {
        out.clear();
        cx.step(pc, &any, &mut out);
        for &(s, _) in &out {
            if s < n && !next.contains(&s) {
                next.push(s);
                preds[s].push(pc);
            }
        }
    }
    let walk = |edges: &[Vec<usize>]| {
        let mut seen = vec![false; n];
        let mut work = vec![h];
        seen[h] = true;
        while let Some(pc) = work.pop() {
            for &s in &edges[pc] {
                if !seen[s] {
                    seen[s] = true;
                    work.push(s);
                }
            }
        }
        seen
    };
    let (fwd, back) = (walk(&succs), walk(&preds));
    for ((r, f), b) in region.iter_mut().zip(fwd).zip(back) {
        *r = f && b;
    }
    region
}

/// The state at each instruction boundary reached by a jump inside the function (`None`:
/// only entered from the dispatch, if at all). The frame start (pc 0) knows nothing.
pub(crate) fn infer(cx: &Ctx<'_>) -> Vec<Option<Vec<Ty>>> {
    let n = cx.code.len();
    let mut at: Vec<Option<Vec<Ty>>> = vec![None; n];
    at[0] = Some(vec![Ty::Any; cx.nregs]);
    let mut work = vec![0usize];
    let mut queued = vec![false; n];
    queued[0] = true;
    let mut out = Vec::new();
    while let Some(pc) = work.pop() {
        queued[pc] = false;
        let Some(st) = at[pc].clone() else { continue };
        out.clear();
        cx.step(pc, &st, &mut out);
        for (succ, s) in out.drain(..) {
            if succ >= n {
                continue;
            }
            let changed = match &mut at[succ] {
                None => {
                    at[succ] = Some(s);
                    true
                }
                Some(old) => {
                    let mut ch = false;
                    for (o, x) in old.iter_mut().zip(&s) {
                        let m = o.meet(*x);
                        if m != *o {
                            *o = m;
                            ch = true;
                        }
                    }
                    ch
                }
            };
            if changed && !queued[succ] {
                queued[succ] = true;
                work.push(succ);
            }
        }
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vm::Vm;
    use crate::vm::function::{LuaClosure, Proto};

    /// The main proto of `src`, kept alive by `vm` until the end of the test.
    fn main_proto<'v>(vm: &'v mut Vm, src: &str) -> &'v Proto {
        let f = vm.load(src.as_bytes(), b"=t", "t", None).unwrap();
        // SAFETY: `f` is the chunk's live Lua closure; `vm` keeps it (and its proto) alive
        // until the end of the test (no collection runs).
        unsafe { &*(*(f.payload() as *mut LuaClosure)).proto }
    }

    /// The main proto of `src` (kept alive by `vm`) and its inferred states.
    fn analyse(vm: &mut Vm, src: &str) -> (*const Proto, Vec<Option<Vec<Ty>>>) {
        let p = main_proto(vm, src);
        (p as *const Proto, infer(&Ctx::of(p)))
    }

    /// The state at the first instruction with opcode `op`.
    fn at(p: *const Proto, st: &[Option<Vec<Ty>>], op: OpCode) -> Vec<Ty> {
        // SAFETY: see `analyse`.
        let code = unsafe { (*p).code() };
        let pc = code.iter().position(|i| i.op() == op).unwrap();
        st[pc].clone().unwrap()
    }

    #[test]
    fn numeric_loops_and_constants_are_known() {
        let mut vm = Vm::new();
        // R0 = a, R1..R3 = for state, R4 = i.
        let (p, st) = analyse(
            &mut vm,
            "local a = 0 for i = 1, 10 do a = a + i * 2 end return a",
        );
        let s = at(p, &st, OpCode::MULK);
        assert_eq!((s[0], s[4]), (Ty::Int, Ty::Int), "{s:?}");
        let s = at(p, &st, OpCode::FORLOOP);
        assert_eq!(&s[..4], &[Ty::Int; 4], "{s:?}");
        // A float accumulator and a float loop.
        let (p, st) = analyse(
            &mut vm,
            "local f = 0.5 for x = 1.0, 2, 0.5 do f = f * x end",
        );
        let s = at(p, &st, OpCode::MUL);
        assert_eq!((s[0], s[4]), (Ty::Float, Ty::Float), "{s:?}");
        // A loop whose accumulator may be either: `Num` at the join.
        let (p, st) = analyse(
            &mut vm,
            "local a = 0 for i = 1, 10 do if i > 5 then a = 0.5 end a = a + 1 end",
        );
        assert_eq!(at(p, &st, OpCode::ADDI)[0], Ty::Num);
    }

    #[test]
    fn calls_and_unknown_values_forget() {
        let mut vm = Vm::new();
        // After a call nothing is known; a parameter-like global is never known.
        let (p, st) = analyse(&mut vm, "local a = 1 local b = 2 print(a) return a + b");
        assert_eq!(at(p, &st, OpCode::ADD)[..2], [Ty::Any, Ty::Any]);
        let (p, st) = analyse(&mut vm, "local a = 1 local b = 2 return a + b");
        assert_eq!(at(p, &st, OpCode::ADD)[..2], [Ty::Int, Ty::Int]);
        let (p, st) = analyse(&mut vm, "local t = {} local a = t.x return a + 1");
        assert_eq!(at(p, &st, OpCode::ADDI)[1], Ty::Any);
    }

    #[test]
    fn loop_regions_are_the_loops_through_the_header() {
        let mut vm = Vm::new();
        // A prologue loop, a nested pair of loops, an epilogue.
        let src = "local t = {} for k = 1, 3 do t[k] = k end \
                   local s = 0 for i = 1, 10 do for j = 1, i do s = s + j end s = s * 2 end \
                   print(s) return t";
        let p = main_proto(&mut vm, src);
        let cx = Ctx::of(p);
        let code = p.code();
        let loops: Vec<usize> = (0..code.len())
            .filter(|&pc| code[pc].op() == OpCode::FORLOOP)
            .collect();
        assert_eq!(loops.len(), 3);
        let header = |pc: usize| pc + 1 - code[pc].bx() as usize;
        let (first, inner, outer) = (loops[0], loops[1], loops[2]);
        // The inner loop's region is the whole outer loop (it encloses it), nothing else.
        let r = loop_region(&cx, header(inner));
        for (pc, (&inside, i)) in r.iter().zip(code).enumerate() {
            // (An MMBIN after inline arithmetic is never a jump target.)
            let mm = matches!(i.op(), OpCode::MMBIN | OpCode::MMBINI | OpCode::MMBINK);
            let in_outer = pc >= header(outer) && pc <= outer && !mm;
            assert_eq!(inside, in_outer, "pc {pc}: {:?}", i.op());
        }
        assert_eq!(loop_region(&cx, header(outer)), r);
        // The first loop's region is that loop alone.
        let r = loop_region(&cx, header(first));
        for (pc, &inside) in r.iter().enumerate() {
            assert_eq!(inside, pc >= header(first) && pc <= first, "pc {pc}");
        }
    }

    #[test]
    fn meet_is_a_lattice() {
        use Ty::*;
        assert_eq!(Int.meet(Int), Int);
        assert_eq!(Int.meet(Float), Num);
        assert_eq!(Num.meet(Float), Num);
        assert_eq!(Any.meet(Int), Any);
        assert_eq!(Float.meet(Any), Any);
    }
}
