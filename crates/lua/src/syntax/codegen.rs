//! Bytecode generation: expression descriptors, registers, constants, jump lists, operators and
//! constant folding. The algorithms are those of PUC-Lua 5.4's `lcode.c` (single pass, code emitted
//! while parsing), so the instruction choice matches `luac` 5.4 closely.
//!
//! Invariants kept:
//! - `freereg` is the first free register; registers `< nvarstack()` belong to active locals and are
//!   never freed by expression code; temporaries are freed in stack (LIFO) order.
//! - A pending jump list is threaded through the `sJ` fields of its `JMP` instructions, ending with
//!   `NO_JUMP` (-1); `t`/`f` of an [`ExpDesc`] are the lists to patch when it is true/false.
//! - Every arithmetic/bitwise instruction is followed by its `MMBIN*` (see `crate::opcode`).

use super::SyntaxError;
use super::parser::Parser;
use crate::number::Number;
use crate::opcode::{
    Instruction, MAX_ARG_AX, MAX_ARG_BX, MAX_ARG_C, MAX_REGS, OFFSET_SBX, OFFSET_SC, OFFSET_SJ,
    OpCode, TagMethod,
};
use crate::proto::Constant;

pub(super) type R<T> = Result<T, SyntaxError>;

/// End of a jump list.
pub(super) const NO_JUMP: i32 = -1;
/// "No register" marker for `TESTSET` patching (`NO_REG` = `MAXARG_A`).
const NO_REG: u32 = 0xFF;
/// Largest constant index usable as an RK operand (`MAXINDEXRK`).
const MAX_INDEX_RK: u32 = MAX_ARG_C;
/// Longest string that Lua 5.4 interns as a short string (`LUAI_MAXSHORTLEN`).
pub(super) const MAX_SHORT_LEN: usize = 40;

/// Kinds of expression descriptors (Lua 5.4 `expkind`).
#[derive(Clone, Debug, PartialEq)]
pub(super) enum ExpKind {
    /// Empty expression list / no value.
    Void,
    /// `nil`.
    Nil,
    /// `true`.
    True,
    /// `false`.
    False,
    /// Constant in `K` (index).
    K(u32),
    /// Float literal.
    KFlt(f64),
    /// Integer literal.
    KInt(i64),
    /// String literal.
    KStr(Vec<u8>),
    /// Value in a fixed register.
    NonReloc(u32),
    /// Local variable: register and index among the function's active variables.
    Local { ridx: u32, vidx: usize },
    /// Upvalue (index).
    Upval(u32),
    /// Compile-time constant local (absolute index in the parser's variable list).
    Const(usize),
    /// `R[t][R[idx]]`.
    Indexed { t: u32, idx: u32 },
    /// `UpValue[t][K[idx]]` (short string key).
    IndexUp { t: u32, idx: u32 },
    /// `R[t][idx]` (integer key fitting in C).
    IndexI { t: u32, idx: u32 },
    /// `R[t][K[idx]]` (short string key).
    IndexStr { t: u32, idx: u32 },
    /// A test/comparison; the pc of its `JMP`.
    Jmp(usize),
    /// Result goes in the `A` of the instruction at pc (not yet fixed).
    Reloc(usize),
    /// A call at pc.
    Call(usize),
    /// A `VARARG` at pc.
    Vararg(usize),
}

/// Expression descriptor (Lua 5.4 `expdesc`).
#[derive(Clone, Debug)]
pub(super) struct ExpDesc {
    pub k: ExpKind,
    /// Patch list of "exit when true".
    pub t: i32,
    /// Patch list of "exit when false".
    pub f: i32,
}

impl ExpDesc {
    pub fn new(k: ExpKind) -> ExpDesc {
        ExpDesc {
            k,
            t: NO_JUMP,
            f: NO_JUMP,
        }
    }
    pub fn has_jumps(&self) -> bool {
        self.t != self.f
    }
    /// `tonumeral`: the numeric literal value, if this is one without jumps.
    pub fn numeral(&self) -> Option<Number> {
        if self.has_jumps() {
            return None;
        }
        match self.k {
            ExpKind::KInt(i) => Some(Number::Int(i)),
            ExpKind::KFlt(f) => Some(Number::Float(f)),
            _ => None,
        }
    }
    pub fn is_multret(&self) -> bool {
        matches!(self.k, ExpKind::Call(_) | ExpKind::Vararg(_))
    }
    pub fn is_var(&self) -> bool {
        matches!(
            self.k,
            ExpKind::Local { .. }
                | ExpKind::Upval(_)
                | ExpKind::Const(_)
                | ExpKind::Indexed { .. }
                | ExpKind::IndexUp { .. }
                | ExpKind::IndexI { .. }
                | ExpKind::IndexStr { .. }
        )
    }
    pub fn is_indexed(&self) -> bool {
        matches!(
            self.k,
            ExpKind::Indexed { .. }
                | ExpKind::IndexUp { .. }
                | ExpKind::IndexI { .. }
                | ExpKind::IndexStr { .. }
        )
    }
    fn is_kint(&self) -> bool {
        matches!(self.k, ExpKind::KInt(_)) && !self.has_jumps()
    }
}

/// Binary operators in Lua 5.4's `BinOpr` order (arithmetic ones first, in `TMS`/opcode order).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum BinOpr {
    Add,
    Sub,
    Mul,
    Mod,
    Pow,
    Div,
    IDiv,
    BAnd,
    BOr,
    BXor,
    Shl,
    Shr,
    Concat,
    Eq,
    Lt,
    Le,
    Ne,
    Gt,
    Ge,
    And,
    Or,
}

impl BinOpr {
    /// Left and right priorities (`priority` of `lparser.c`, Lua 5.4 manual §3.4.8).
    pub fn priority(self) -> (u8, u8) {
        use BinOpr::*;
        match self {
            Add | Sub => (10, 10),
            Mul | Mod => (11, 11),
            Pow => (14, 13),
            Div | IDiv => (11, 11),
            BAnd => (6, 6),
            BOr => (4, 4),
            BXor => (5, 5),
            Shl | Shr => (7, 7),
            Concat => (9, 8),
            Eq | Lt | Le | Ne | Gt | Ge => (3, 3),
            And => (2, 2),
            Or => (1, 1),
        }
    }
    fn is_foldable(self) -> bool {
        (self as u8) <= BinOpr::Shr as u8
    }
    /// Offset from `ADD`/`ADDK`/`TagMethod::Add` of an arithmetic operator.
    fn arith_index(self) -> u8 {
        self as u8
    }
    fn tm(self) -> TagMethod {
        TagMethod::ALL[TagMethod::Add as usize + self.arith_index() as usize]
    }
}

/// Unary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum UnOpr {
    Minus,
    BNot,
    Not,
    Len,
}

/// Priority of unary operators (`UNARY_PRIORITY`).
pub(super) const UNARY_PRIORITY: u8 = 12;

fn op_at(base: OpCode, offset: u8) -> OpCode {
    OpCode::ALL[base as usize + offset as usize]
}

/// Is `op` a test instruction (`testTMode`), i.e. followed by a jump?
fn is_test_mode(op: OpCode) -> bool {
    use OpCode::*;
    matches!(
        op,
        EQ | LT | LE | EQK | EQI | LTI | LEI | GTI | GEI | TEST | TESTSET
    )
}

fn fits_c(i: i64) -> bool {
    (i as u64).wrapping_add(OFFSET_SC as u64) <= MAX_ARG_C as u64
}
fn fits_bx(i: i64) -> bool {
    -(OFFSET_SBX as i64) <= i && i <= MAX_ARG_BX as i64 - OFFSET_SBX as i64
}
fn int2sc(i: i64) -> u32 {
    (i + OFFSET_SC as i64) as u32
}

/// `luaV_flttointns(f, F2Ieq)`: the integer equal to `f`, if any.
pub(super) fn float_to_int(f: f64) -> Option<i64> {
    if f.floor() == f && (-9223372036854775808.0..9223372036854775808.0).contains(&f) {
        Some(f as i64)
    } else {
        None
    }
}

fn num_to_int(n: Number) -> Option<i64> {
    match n {
        Number::Int(i) => Some(i),
        Number::Float(f) => float_to_int(f),
    }
}
fn num_to_f(n: Number) -> f64 {
    match n {
        Number::Int(i) => i as f64,
        Number::Float(f) => f,
    }
}

/// `luaV_shiftl`.
pub(super) fn shift_left(x: i64, y: i64) -> i64 {
    if y < 0 {
        if y <= -64 {
            0
        } else {
            ((x as u64) >> (-y) as u32) as i64
        }
    } else if y >= 64 {
        0
    } else {
        ((x as u64) << y as u32) as i64
    }
}

/// `luai_nummod`.
fn float_mod(a: f64, b: f64) -> f64 {
    let m = a % b;
    if if m > 0.0 { b < 0.0 } else { m < 0.0 && b != m } {
        m + b
    } else {
        m
    }
}

/// Constant folding of an arithmetic/bitwise operator (`validop` + `luaO_rawarith` +
/// the NaN/zero refusal of `constfolding`). `op` is a `BinOpr` arithmetic operator, or `None`
/// with `unary` for `-`/`~`.
fn fold(op: FoldOp, a: Number, b: Number) -> Option<Number> {
    use FoldOp::*;
    let res = match op {
        BAnd | BOr | BXor | Shl | Shr | BNot => {
            let (x, y) = (num_to_int(a)?, num_to_int(b)?);
            Number::Int(match op {
                BAnd => x & y,
                BOr => x | y,
                BXor => x ^ y,
                Shl => shift_left(x, y),
                Shr => shift_left(x, y.wrapping_neg()),
                _ => !x,
            })
        }
        _ => {
            if matches!(op, Div | IDiv | Mod) && num_to_f(b) == 0.0 {
                return None; // division by zero is left to run time
            }
            match (op, a, b) {
                (Div | Pow, _, _) => {
                    let (x, y) = (num_to_f(a), num_to_f(b));
                    Number::Float(if op == Div {
                        x / y
                    } else if y == 2.0 {
                        x * x
                    } else {
                        x.powf(y)
                    })
                }
                (_, Number::Int(x), Number::Int(y)) => Number::Int(match op {
                    Add => x.wrapping_add(y),
                    Sub => x.wrapping_sub(y),
                    Mul => x.wrapping_mul(y),
                    Mod => {
                        if y == -1 {
                            0
                        } else {
                            let r = x % y;
                            if r != 0 && (r ^ y) < 0 { r + y } else { r }
                        }
                    }
                    IDiv => {
                        if y == -1 {
                            x.wrapping_neg()
                        } else {
                            let q = x / y;
                            if (x ^ y) < 0 && x % y != 0 { q - 1 } else { q }
                        }
                    }
                    _ => x.wrapping_neg(), // Unm
                }),
                _ => {
                    let (x, y) = (num_to_f(a), num_to_f(b));
                    Number::Float(match op {
                        Add => x + y,
                        Sub => x - y,
                        Mul => x * y,
                        Mod => float_mod(x, y),
                        IDiv => (x / y).floor(),
                        _ => -x, // Unm
                    })
                }
            }
        }
    };
    match res {
        Number::Float(f) if f.is_nan() || f == 0.0 => None,
        r => Some(r),
    }
}

/// Operators that constant folding knows (`LUA_OPADD`..`LUA_OPBNOT`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FoldOp {
    Add,
    Sub,
    Mul,
    Mod,
    Pow,
    Div,
    IDiv,
    BAnd,
    BOr,
    BXor,
    Shl,
    Shr,
    Unm,
    BNot,
}

impl FoldOp {
    fn from_bin(op: BinOpr) -> FoldOp {
        use FoldOp::*;
        [
            Add, Sub, Mul, Mod, Pow, Div, IDiv, BAnd, BOr, BXor, Shl, Shr,
        ][op as usize]
    }
}

/// Key of the constant cache (a Lua table key: integral floats are keyed by a perturbed value).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) enum KKey {
    Nil,
    Bool(bool),
    Int(i64),
    Flt(u64),
    Str(Vec<u8>),
}

impl Parser<'_> {
    // ---------------------------------------------------------------- emission

    pub(super) fn pc(&self) -> usize {
        self.fs().f.code.len()
    }

    /// `luaK_code`: append an instruction with the line of the last token read.
    pub(super) fn code(&mut self, i: Instruction) -> usize {
        let line = self.lx.last_line;
        let f = &mut self.fs_mut().f;
        f.code.push(i);
        f.line_info.push(line);
        f.code.len() - 1
    }

    pub(super) fn code_abck(&mut self, op: OpCode, a: u32, b: u32, c: u32, k: bool) -> usize {
        self.code(Instruction::abc(op, a, b, c, k))
    }
    pub(super) fn code_abc(&mut self, op: OpCode, a: u32, b: u32, c: u32) -> usize {
        self.code_abck(op, a, b, c, false)
    }
    pub(super) fn code_abx(&mut self, op: OpCode, a: u32, bx: u32) -> usize {
        self.code(Instruction::abx(op, a, bx))
    }
    fn code_asbx(&mut self, op: OpCode, a: u32, sbx: i32) -> usize {
        self.code(Instruction::asbx(op, a, sbx))
    }
    fn code_extra_arg(&mut self, a: u32) -> usize {
        self.code(Instruction::ax(OpCode::EXTRAARG, a & MAX_ARG_AX))
    }

    /// `luaK_fixline`: change the line of the last instruction.
    pub(super) fn fix_line(&mut self, line: u32) {
        if let Some(l) = self.fs_mut().f.line_info.last_mut() {
            *l = line;
        }
    }

    fn remove_last_instruction(&mut self) {
        let f = &mut self.fs_mut().f;
        f.code.pop();
        f.line_info.pop();
    }

    fn instr(&mut self, pc: usize) -> &mut Instruction {
        &mut self.fs_mut().f.code[pc]
    }

    /// `previousinstruction`: the last instruction, unless it may be a jump target.
    fn previous_instruction(&mut self) -> Option<&mut Instruction> {
        let fs = self.fs_mut();
        if fs.f.code.len() > fs.last_target {
            fs.f.code.last_mut()
        } else {
            None
        }
    }

    /// `luaK_getlabel`: mark the current pc as a jump target.
    pub(super) fn get_label(&mut self) -> usize {
        let pc = self.pc();
        self.fs_mut().last_target = pc;
        pc
    }

    // ---------------------------------------------------------------- registers

    /// `luaK_checkstack`.
    pub(super) fn check_stack(&mut self, n: u32) -> R<()> {
        let newstack = self.fs().freereg + n;
        if newstack > self.fs().f.max_stack as u32 {
            if newstack >= MAX_REGS as u32 {
                return Err(self
                    .lx
                    .syntax_error("function or expression needs too many registers"));
            }
            self.fs_mut().f.max_stack = newstack as u8;
        }
        Ok(())
    }

    /// `luaK_reserveregs`.
    pub(super) fn reserve_regs(&mut self, n: u32) -> R<()> {
        self.check_stack(n)?;
        self.fs_mut().freereg += n;
        Ok(())
    }

    fn free_reg(&mut self, reg: u32) {
        if reg as usize >= self.nvarstack() {
            // Temporaries are freed in LIFO order, so `reg == freereg - 1` here (`lcode.c`
            // asserts it); saturating keeps a broken invariant from turning into a panic.
            let fs = self.fs_mut();
            fs.freereg = fs.freereg.saturating_sub(1);
        }
    }

    fn free_regs(&mut self, r1: Option<u32>, r2: Option<u32>) {
        match (r1, r2) {
            (Some(a), Some(b)) if a > b => {
                self.free_reg(a);
                self.free_reg(b);
            }
            _ => {
                if let Some(b) = r2 {
                    self.free_reg(b);
                }
                if let Some(a) = r1 {
                    self.free_reg(a);
                }
            }
        }
    }

    pub(super) fn free_exp(&mut self, e: &ExpDesc) {
        if let ExpKind::NonReloc(r) = e.k {
            self.free_reg(r);
        }
    }

    fn free_exps(&mut self, e1: &ExpDesc, e2: &ExpDesc) {
        let r = |e: &ExpDesc| {
            if let ExpKind::NonReloc(r) = e.k {
                Some(r)
            } else {
                None
            }
        };
        self.free_regs(r(e1), r(e2));
    }

    // ---------------------------------------------------------------- constants

    /// `addk`: the index of constant `v` in the current function, found through `key` in the
    /// cache shared by all functions of the chunk (PUC-Lua's scanner table `ls->h`); an entry
    /// is reused only if it is in range and holds an equal value of the same type, so constant
    /// numbering is exactly `luac`'s.
    fn add_k(&mut self, key: KKey, v: Constant) -> u32 {
        if let Some(&i) = self.kcache.get(&key) {
            let same = match (self.fs().f.constants.get(i as usize), &v) {
                (Some(Constant::Nil), Constant::Nil) => true,
                (Some(Constant::Bool(a)), Constant::Bool(b)) => a == b,
                (Some(Constant::Int(a)), Constant::Int(b)) => a == b,
                (Some(Constant::Float(a)), Constant::Float(b)) => a == b,
                (Some(Constant::Str(a)), Constant::Str(b)) => a == b,
                _ => false,
            };
            if same {
                return i;
            }
        }
        let f = &mut self.fs_mut().f;
        let i = f.constants.len() as u32;
        f.constants.push(v);
        self.kcache.insert(key, i);
        i
    }
    pub(super) fn string_k(&mut self, s: &[u8]) -> u32 {
        self.add_k(KKey::Str(s.to_vec()), Constant::Str(s.to_vec()))
    }
    fn int_k(&mut self, i: i64) -> u32 {
        self.add_k(KKey::Int(i), Constant::Int(i))
    }
    /// `luaK_numberK`: floats with an integral value get a perturbed key so they do not collide
    /// with integer keys (as Lua tables normalise integral float keys).
    fn number_k(&mut self, f: f64) -> u32 {
        let key = match float_to_int(f) {
            None => KKey::Flt(f.to_bits()),
            Some(ik) => {
                let q = 2f64.powi(-52); // ldexp(1, -MANT_DIG + 1)
                let k = if ik == 0 { q } else { f + f * q };
                match float_to_int(k) {
                    Some(i) => KKey::Int(i),
                    None => KKey::Flt(k.to_bits()),
                }
            }
        };
        self.add_k(key, Constant::Float(f))
    }
    fn bool_k(&mut self, b: bool) -> u32 {
        self.add_k(KKey::Bool(b), Constant::Bool(b))
    }
    fn nil_k(&mut self) -> u32 {
        self.add_k(KKey::Nil, Constant::Nil)
    }

    /// `luaK_codek`: load constant `k` into `reg` (`LOADKX` beyond the `Bx` range).
    fn code_k(&mut self, reg: u32, k: u32) -> usize {
        if k <= MAX_ARG_BX {
            self.code_abx(OpCode::LOADK, reg, k)
        } else {
            let p = self.code_abx(OpCode::LOADKX, reg, 0);
            self.code_extra_arg(k);
            p
        }
    }

    fn code_float(&mut self, reg: u32, f: f64) {
        match float_to_int(f) {
            Some(i) if fits_bx(i) => {
                self.code_asbx(OpCode::LOADF, reg, i as i32);
            }
            _ => {
                let k = self.number_k(f);
                self.code_k(reg, k);
            }
        }
    }

    /// `luaK_int`.
    pub(super) fn code_int(&mut self, reg: u32, i: i64) {
        if fits_bx(i) {
            self.code_asbx(OpCode::LOADI, reg, i as i32);
        } else {
            let k = self.int_k(i);
            self.code_k(reg, k);
        }
    }

    /// `luaK_nil`: load nil into `n` registers from `from`, merging with a previous `LOADNIL`.
    pub(super) fn code_nil(&mut self, mut from: u32, n: u32) {
        let mut l = from + n - 1;
        if let Some(prev) = self.previous_instruction()
            && prev.opcode() == Some(OpCode::LOADNIL)
        {
            let pfrom = prev.a();
            let pl = pfrom + prev.b();
            if (pfrom <= from && from <= pl + 1) || (from <= pfrom && pfrom <= l + 1) {
                from = from.min(pfrom);
                l = l.max(pl);
                prev.set_a(from);
                prev.set_b(l - from);
                return;
            }
        }
        self.code_abc(OpCode::LOADNIL, from, n - 1, 0);
    }

    // ---------------------------------------------------------------- jumps

    fn get_jump(&self, pc: usize) -> i32 {
        let off = self.fs().f.code[pc].sj_field();
        if off == NO_JUMP {
            NO_JUMP
        } else {
            pc as i32 + 1 + off
        }
    }

    fn fix_jump(&mut self, pc: usize, dest: usize) -> R<()> {
        let off = dest as i64 - (pc as i64 + 1);
        if !(-(OFFSET_SJ as i64) <= off && off <= MAX_ARG_AX as i64 - OFFSET_SJ as i64) {
            return Err(self.lx.syntax_error("control structure too long"));
        }
        self.instr(pc).set_sj(off as i32);
        Ok(())
    }

    /// `luaK_concat`: append list `l2` to list `l1`.
    pub(super) fn concat_jumps(&mut self, l1: &mut i32, l2: i32) -> R<()> {
        if l2 == NO_JUMP {
            return Ok(());
        }
        if *l1 == NO_JUMP {
            *l1 = l2;
            return Ok(());
        }
        let mut list = *l1 as usize;
        loop {
            let next = self.get_jump(list);
            if next == NO_JUMP {
                break;
            }
            list = next as usize;
        }
        self.fix_jump(list, l2 as usize)
    }

    /// `luaK_jump`.
    pub(super) fn jump(&mut self) -> i32 {
        self.code(Instruction::sj(OpCode::JMP, NO_JUMP)) as i32
    }

    /// `luaK_ret`.
    pub(super) fn code_ret(&mut self, first: u32, nret: i32) {
        let op = match nret {
            0 => OpCode::RETURN0,
            1 => OpCode::RETURN1,
            _ => OpCode::RETURN,
        };
        self.code_abc(op, first, (nret + 1) as u32, 0);
    }

    fn cond_jump(&mut self, op: OpCode, a: u32, b: u32, c: u32, k: bool) -> i32 {
        self.code_abck(op, a, b, c, k);
        self.jump()
    }

    fn jump_control_pc(&self, pc: usize) -> usize {
        let code = &self.fs().f.code;
        if pc >= 1 && code[pc - 1].opcode().is_some_and(is_test_mode) {
            pc - 1
        } else {
            pc
        }
    }

    fn patch_test_reg(&mut self, node: usize, reg: u32) -> bool {
        let cpc = self.jump_control_pc(node);
        let i = self.fs().f.code[cpc];
        if i.opcode() != Some(OpCode::TESTSET) {
            return false;
        }
        let new = if reg != NO_REG && reg != i.b() {
            let mut n = i;
            n.set_a(reg);
            n
        } else {
            Instruction::abc(OpCode::TEST, i.b(), 0, 0, i.k())
        };
        *self.instr(cpc) = new;
        true
    }

    fn remove_values(&mut self, mut list: i32) {
        while list != NO_JUMP {
            self.patch_test_reg(list as usize, NO_REG);
            list = self.get_jump(list as usize);
        }
    }

    fn patch_list_aux(&mut self, mut list: i32, vtarget: usize, reg: u32, dtarget: usize) -> R<()> {
        while list != NO_JUMP {
            let next = self.get_jump(list as usize);
            if self.patch_test_reg(list as usize, reg) {
                self.fix_jump(list as usize, vtarget)?;
            } else {
                self.fix_jump(list as usize, dtarget)?;
            }
            list = next;
        }
        Ok(())
    }

    /// `luaK_patchlist`.
    pub(super) fn patch_list(&mut self, list: i32, target: usize) -> R<()> {
        self.patch_list_aux(list, target, NO_REG, target)
    }

    /// `luaK_patchtohere`.
    pub(super) fn patch_to_here(&mut self, list: i32) -> R<()> {
        let here = self.get_label();
        self.patch_list(list, here)
    }

    // ---------------------------------------------------------------- expressions

    /// `luaK_setreturns`: make a multi-result expression return `nresults` (-1: all).
    pub(super) fn set_returns(&mut self, e: &ExpDesc, nresults: i32) -> R<()> {
        match e.k {
            ExpKind::Call(pc) => self.instr(pc).set_c((nresults + 1) as u32),
            ExpKind::Vararg(pc) => {
                let fr = self.fs().freereg;
                let i = self.instr(pc);
                i.set_c((nresults + 1) as u32);
                i.set_a(fr);
                self.reserve_regs(1)?;
            }
            _ => {}
        }
        Ok(())
    }

    pub(super) fn set_multret(&mut self, e: &ExpDesc) -> R<()> {
        self.set_returns(e, -1)
    }

    /// `luaK_setoneret`.
    pub(super) fn set_one_ret(&mut self, e: &mut ExpDesc) {
        match e.k {
            ExpKind::Call(pc) => e.k = ExpKind::NonReloc(self.fs().f.code[pc].a()),
            ExpKind::Vararg(pc) => {
                self.instr(pc).set_c(2);
                e.k = ExpKind::Reloc(pc);
            }
            _ => {}
        }
    }

    fn const_to_exp(c: &Constant) -> ExpKind {
        match c {
            Constant::Nil => ExpKind::Nil,
            Constant::Bool(true) => ExpKind::True,
            Constant::Bool(false) => ExpKind::False,
            Constant::Int(i) => ExpKind::KInt(*i),
            Constant::Float(f) => ExpKind::KFlt(*f),
            Constant::Str(s) => ExpKind::KStr(s.clone()),
        }
    }

    /// `luaK_dischargevars`: turn a variable into a value.
    pub(super) fn discharge_vars(&mut self, e: &mut ExpDesc) {
        match e.k {
            ExpKind::Const(i) => {
                e.k = match &self.actvar[i].k {
                    Some(c) => Self::const_to_exp(c),
                    None => ExpKind::Nil,
                }
            }
            ExpKind::Local { ridx, .. } => e.k = ExpKind::NonReloc(ridx),
            ExpKind::Upval(u) => e.k = ExpKind::Reloc(self.code_abc(OpCode::GETUPVAL, 0, u, 0)),
            ExpKind::IndexUp { t, idx } => {
                e.k = ExpKind::Reloc(self.code_abc(OpCode::GETTABUP, 0, t, idx))
            }
            ExpKind::IndexI { t, idx } => {
                self.free_reg(t);
                e.k = ExpKind::Reloc(self.code_abc(OpCode::GETI, 0, t, idx));
            }
            ExpKind::IndexStr { t, idx } => {
                self.free_reg(t);
                e.k = ExpKind::Reloc(self.code_abc(OpCode::GETFIELD, 0, t, idx));
            }
            ExpKind::Indexed { t, idx } => {
                self.free_regs(Some(t), Some(idx));
                e.k = ExpKind::Reloc(self.code_abc(OpCode::GETTABLE, 0, t, idx));
            }
            ExpKind::Call(_) | ExpKind::Vararg(_) => self.set_one_ret(e),
            _ => {}
        }
    }

    fn discharge2reg(&mut self, e: &mut ExpDesc, reg: u32) {
        self.discharge_vars(e);
        match std::mem::replace(&mut e.k, ExpKind::Void) {
            ExpKind::Nil => self.code_nil(reg, 1),
            ExpKind::False => {
                self.code_abc(OpCode::LOADFALSE, reg, 0, 0);
            }
            ExpKind::True => {
                self.code_abc(OpCode::LOADTRUE, reg, 0, 0);
            }
            ExpKind::KStr(s) => {
                let k = self.string_k(&s);
                self.code_k(reg, k);
            }
            ExpKind::K(k) => {
                self.code_k(reg, k);
            }
            ExpKind::KFlt(f) => self.code_float(reg, f),
            ExpKind::KInt(i) => self.code_int(reg, i),
            ExpKind::Reloc(pc) => self.instr(pc).set_a(reg),
            ExpKind::NonReloc(r) => {
                if r != reg {
                    self.code_abc(OpCode::MOVE, reg, r, 0);
                }
            }
            other => {
                e.k = other; // VJMP: nothing to do
                return;
            }
        }
        e.k = ExpKind::NonReloc(reg);
    }

    fn discharge2anyreg(&mut self, e: &mut ExpDesc) -> R<()> {
        if !matches!(e.k, ExpKind::NonReloc(_)) {
            self.reserve_regs(1)?;
            let r = self.fs().freereg - 1;
            self.discharge2reg(e, r);
        }
        Ok(())
    }

    fn code_loadbool(&mut self, a: u32, op: OpCode) -> usize {
        self.get_label();
        self.code_abc(op, a, 0, 0)
    }

    fn need_value(&self, mut list: i32) -> bool {
        while list != NO_JUMP {
            let i = self.fs().f.code[self.jump_control_pc(list as usize)];
            if i.opcode() != Some(OpCode::TESTSET) {
                return true;
            }
            list = self.get_jump(list as usize);
        }
        false
    }

    fn exp2reg(&mut self, e: &mut ExpDesc, reg: u32) -> R<()> {
        self.discharge2reg(e, reg);
        if let ExpKind::Jmp(pc) = e.k {
            let mut t = e.t;
            self.concat_jumps(&mut t, pc as i32)?;
            e.t = t;
        }
        if e.has_jumps() {
            let mut p_f = NO_JUMP as usize;
            let mut p_t = NO_JUMP as usize;
            if self.need_value(e.t) || self.need_value(e.f) {
                let fj = if matches!(e.k, ExpKind::Jmp(_)) {
                    NO_JUMP
                } else {
                    self.jump()
                };
                p_f = self.code_loadbool(reg, OpCode::LFALSESKIP);
                p_t = self.code_loadbool(reg, OpCode::LOADTRUE);
                self.patch_to_here(fj)?;
            }
            let final_ = self.get_label();
            self.patch_list_aux(e.f, final_, reg, p_f)?;
            self.patch_list_aux(e.t, final_, reg, p_t)?;
        }
        e.t = NO_JUMP;
        e.f = NO_JUMP;
        e.k = ExpKind::NonReloc(reg);
        Ok(())
    }

    /// `luaK_exp2nextreg`: put the value in the next free register.
    pub(super) fn exp2nextreg(&mut self, e: &mut ExpDesc) -> R<()> {
        self.discharge_vars(e);
        self.free_exp(e);
        self.reserve_regs(1)?;
        let r = self.fs().freereg - 1;
        self.exp2reg(e, r)
    }

    /// `luaK_exp2anyreg`: put the value in some register and return it.
    pub(super) fn exp2anyreg(&mut self, e: &mut ExpDesc) -> R<u32> {
        self.discharge_vars(e);
        if let ExpKind::NonReloc(r) = e.k {
            if !e.has_jumps() {
                return Ok(r);
            }
            if r as usize >= self.nvarstack() {
                self.exp2reg(e, r)?;
                return Ok(r);
            }
        }
        self.exp2nextreg(e)?;
        match e.k {
            ExpKind::NonReloc(r) => Ok(r),
            _ => Ok(0),
        }
    }

    /// `luaK_exp2anyregup`.
    pub(super) fn exp2anyregup(&mut self, e: &mut ExpDesc) -> R<()> {
        if !matches!(e.k, ExpKind::Upval(_)) || e.has_jumps() {
            self.exp2anyreg(e)?;
        }
        Ok(())
    }

    /// `luaK_exp2val`.
    pub(super) fn exp2val(&mut self, e: &mut ExpDesc) -> R<()> {
        if e.has_jumps() {
            self.exp2anyreg(e)?;
        } else {
            self.discharge_vars(e);
        }
        Ok(())
    }

    /// `luaK_exp2K`: try to make `e` a constant usable as an RK operand.
    fn exp2k(&mut self, e: &mut ExpDesc) -> bool {
        if e.has_jumps() {
            return false;
        }
        let info = match &e.k {
            ExpKind::True => self.bool_k(true),
            ExpKind::False => self.bool_k(false),
            ExpKind::Nil => self.nil_k(),
            ExpKind::KInt(i) => self.int_k(*i),
            ExpKind::KFlt(f) => self.number_k(*f),
            ExpKind::KStr(s) => {
                let s = s.clone();
                self.string_k(&s)
            }
            ExpKind::K(k) => *k,
            _ => return false,
        };
        if info <= MAX_INDEX_RK {
            e.k = ExpKind::K(info);
            true
        } else {
            false
        }
    }

    /// `luaK_exp2RK`: constant index (true) or register (false) in `e`.
    fn exp2rk(&mut self, e: &mut ExpDesc) -> R<bool> {
        if self.exp2k(e) {
            Ok(true)
        } else {
            self.exp2anyreg(e)?;
            Ok(false)
        }
    }

    fn rk_operand(e: &ExpDesc) -> u32 {
        match e.k {
            ExpKind::K(i) | ExpKind::NonReloc(i) => i,
            _ => 0,
        }
    }

    fn code_abrk(&mut self, op: OpCode, a: u32, b: u32, ec: &mut ExpDesc) -> R<()> {
        let k = self.exp2rk(ec)?;
        let c = Self::rk_operand(ec);
        self.code_abck(op, a, b, c, k);
        Ok(())
    }

    /// `luaK_storevar`: assign `ex` to variable `var`.
    pub(super) fn store_var(&mut self, var: &ExpDesc, ex: &mut ExpDesc) -> R<()> {
        match var.k {
            ExpKind::Local { ridx, .. } => {
                self.free_exp(ex);
                return self.exp2reg(ex, ridx);
            }
            ExpKind::Upval(u) => {
                let e = self.exp2anyreg(ex)?;
                self.code_abc(OpCode::SETUPVAL, e, u, 0);
            }
            ExpKind::IndexUp { t, idx } => self.code_abrk(OpCode::SETTABUP, t, idx, ex)?,
            ExpKind::IndexI { t, idx } => self.code_abrk(OpCode::SETI, t, idx, ex)?,
            ExpKind::IndexStr { t, idx } => self.code_abrk(OpCode::SETFIELD, t, idx, ex)?,
            ExpKind::Indexed { t, idx } => self.code_abrk(OpCode::SETTABLE, t, idx, ex)?,
            _ => {}
        }
        self.free_exp(ex);
        Ok(())
    }

    /// `luaK_self`: `e:key(...)` → `SELF`.
    pub(super) fn code_self(&mut self, e: &mut ExpDesc, key: &mut ExpDesc) -> R<()> {
        self.exp2anyreg(e)?;
        let ereg = Self::rk_operand(e);
        self.free_exp(e);
        let base = self.fs().freereg;
        e.k = ExpKind::NonReloc(base);
        self.reserve_regs(2)?;
        self.code_abrk(OpCode::SELF, base, ereg, key)?;
        self.free_exp(key);
        Ok(())
    }

    fn negate_condition(&mut self, pc: usize) {
        let cpc = self.jump_control_pc(pc);
        let i = self.instr(cpc);
        let k = i.k();
        i.set_k(!k);
    }

    fn jump_on_cond(&mut self, e: &mut ExpDesc, cond: bool) -> R<i32> {
        if let ExpKind::Reloc(pc) = e.k {
            let ie = self.fs().f.code[pc];
            if ie.opcode() == Some(OpCode::NOT) {
                self.remove_last_instruction();
                return Ok(self.cond_jump(OpCode::TEST, ie.b(), 0, 0, !cond));
            }
        }
        self.discharge2anyreg(e)?;
        self.free_exp(e);
        let r = Self::rk_operand(e);
        Ok(self.cond_jump(OpCode::TESTSET, NO_REG, r, 0, cond))
    }

    /// `luaK_goiftrue`: fall through when true, jump (via `e.f`) when false.
    pub(super) fn go_if_true(&mut self, e: &mut ExpDesc) -> R<()> {
        self.discharge_vars(e);
        let pc = match e.k {
            ExpKind::Jmp(pc) => {
                self.negate_condition(pc);
                pc as i32
            }
            ExpKind::K(_)
            | ExpKind::KFlt(_)
            | ExpKind::KInt(_)
            | ExpKind::KStr(_)
            | ExpKind::True => NO_JUMP,
            _ => self.jump_on_cond(e, false)?,
        };
        let mut f = e.f;
        self.concat_jumps(&mut f, pc)?;
        e.f = f;
        self.patch_to_here(e.t)?;
        e.t = NO_JUMP;
        Ok(())
    }

    /// `luaK_goiffalse`: fall through when false, jump (via `e.t`) when true.
    pub(super) fn go_if_false(&mut self, e: &mut ExpDesc) -> R<()> {
        self.discharge_vars(e);
        let pc = match e.k {
            ExpKind::Jmp(pc) => pc as i32,
            ExpKind::Nil | ExpKind::False => NO_JUMP,
            _ => self.jump_on_cond(e, true)?,
        };
        let mut t = e.t;
        self.concat_jumps(&mut t, pc)?;
        e.t = t;
        self.patch_to_here(e.f)?;
        e.f = NO_JUMP;
        Ok(())
    }

    fn code_not(&mut self, e: &mut ExpDesc) -> R<()> {
        match e.k {
            ExpKind::Nil | ExpKind::False => e.k = ExpKind::True,
            ExpKind::K(_)
            | ExpKind::KFlt(_)
            | ExpKind::KInt(_)
            | ExpKind::KStr(_)
            | ExpKind::True => e.k = ExpKind::False,
            ExpKind::Jmp(pc) => self.negate_condition(pc),
            ExpKind::Reloc(_) | ExpKind::NonReloc(_) => {
                self.discharge2anyreg(e)?;
                self.free_exp(e);
                let r = Self::rk_operand(e);
                e.k = ExpKind::Reloc(self.code_abc(OpCode::NOT, 0, r, 0));
            }
            _ => {}
        }
        std::mem::swap(&mut e.t, &mut e.f);
        self.remove_values(e.f);
        self.remove_values(e.t);
        Ok(())
    }

    /// `isKstr`: a short-string constant usable as a B/C operand.
    fn is_kstr(&self, e: &ExpDesc) -> bool {
        match e.k {
            ExpKind::K(i) if !e.has_jumps() && i <= MAX_ARG_C => matches!(
                &self.fs().f.constants[i as usize],
                Constant::Str(s) if s.len() <= MAX_SHORT_LEN
            ),
            _ => false,
        }
    }

    /// `luaK_indexed`: `t[k]`; `t` must be a local, register or upvalue.
    pub(super) fn indexed(&mut self, t: &mut ExpDesc, k: &mut ExpDesc) -> R<()> {
        if let ExpKind::KStr(s) = &k.k {
            let s = s.clone();
            k.k = ExpKind::K(self.string_k(&s));
        }
        if matches!(t.k, ExpKind::Upval(_)) && !self.is_kstr(k) {
            self.exp2anyreg(t)?;
        }
        if let ExpKind::Upval(u) = t.k {
            t.k = ExpKind::IndexUp {
                t: u,
                idx: Self::rk_operand(k),
            };
        } else {
            let treg = match t.k {
                ExpKind::Local { ridx, .. } => ridx,
                ExpKind::NonReloc(r) => r,
                _ => 0,
            };
            if self.is_kstr(k) {
                t.k = ExpKind::IndexStr {
                    t: treg,
                    idx: Self::rk_operand(k),
                };
            } else if let ExpKind::KInt(i) = k.k
                && !k.has_jumps()
                && (i as u64) <= MAX_ARG_C as u64
            {
                t.k = ExpKind::IndexI {
                    t: treg,
                    idx: i as u32,
                };
            } else {
                let idx = self.exp2anyreg(k)?;
                t.k = ExpKind::Indexed { t: treg, idx };
            }
        }
        Ok(())
    }

    /// `constfolding`: fold `e1 op e2` into `e1` when both are numerals and 5.4 would.
    fn const_folding(&mut self, op: FoldOp, e1: &mut ExpDesc, e2: &ExpDesc) -> bool {
        let (Some(a), Some(b)) = (e1.numeral(), e2.numeral()) else {
            return false;
        };
        match fold(op, a, b) {
            Some(Number::Int(i)) => e1.k = ExpKind::KInt(i),
            Some(Number::Float(f)) => e1.k = ExpKind::KFlt(f),
            None => return false,
        }
        true
    }

    fn code_unexp_val(&mut self, op: OpCode, e: &mut ExpDesc, line: u32) -> R<()> {
        let r = self.exp2anyreg(e)?;
        self.free_exp(e);
        e.k = ExpKind::Reloc(self.code_abc(op, 0, r, 0));
        self.fix_line(line);
        Ok(())
    }

    /// `luaK_prefix`: apply a unary operator.
    pub(super) fn prefix(&mut self, op: UnOpr, e: &mut ExpDesc, line: u32) -> R<()> {
        self.discharge_vars(e);
        let zero = ExpDesc::new(ExpKind::KInt(0));
        match op {
            UnOpr::Minus | UnOpr::BNot => {
                let (fop, code) = if op == UnOpr::Minus {
                    (FoldOp::Unm, OpCode::UNM)
                } else {
                    (FoldOp::BNot, OpCode::BNOT)
                };
                if !self.const_folding(fop, e, &zero) {
                    self.code_unexp_val(code, e, line)?;
                }
            }
            UnOpr::Len => self.code_unexp_val(OpCode::LEN, e, line)?,
            UnOpr::Not => self.code_not(e)?,
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments, reason = "mirrors lcode.c finishbinexpval")]
    fn finish_binexp_val(
        &mut self,
        e1: &mut ExpDesc,
        e2: &ExpDesc,
        op: OpCode,
        v2: u32,
        flip: bool,
        line: u32,
        mmop: OpCode,
        event: TagMethod,
    ) -> R<()> {
        let v1 = self.exp2anyreg(e1)?;
        let pc = self.code_abc(op, 0, v1, v2);
        self.free_exps(e1, e2);
        e1.k = ExpKind::Reloc(pc);
        self.fix_line(line);
        self.code_abck(mmop, v1, v2, event as u32, flip);
        self.fix_line(line);
        Ok(())
    }

    fn code_binexp_val(
        &mut self,
        opr: BinOpr,
        e1: &mut ExpDesc,
        e2: &mut ExpDesc,
        line: u32,
    ) -> R<()> {
        let op = op_at(OpCode::ADD, opr.arith_index());
        let v2 = self.exp2anyreg(e2)?;
        self.finish_binexp_val(e1, e2, op, v2, false, line, OpCode::MMBIN, opr.tm())
    }

    #[allow(clippy::too_many_arguments, reason = "mirrors lcode.c codebini")]
    fn code_bini(
        &mut self,
        op: OpCode,
        e1: &mut ExpDesc,
        e2: &ExpDesc,
        flip: bool,
        line: u32,
        event: TagMethod,
    ) -> R<()> {
        let ExpKind::KInt(i) = e2.k else {
            return Ok(());
        };
        let v2 = int2sc(i);
        self.finish_binexp_val(e1, e2, op, v2, flip, line, OpCode::MMBINI, event)
    }

    fn code_bin_k(
        &mut self,
        opr: BinOpr,
        e1: &mut ExpDesc,
        e2: &ExpDesc,
        flip: bool,
        line: u32,
    ) -> R<()> {
        let v2 = Self::rk_operand(e2);
        let op = op_at(OpCode::ADDK, opr.arith_index());
        self.finish_binexp_val(e1, e2, op, v2, flip, line, OpCode::MMBINK, opr.tm())
    }

    fn finish_binexp_neg(
        &mut self,
        e1: &mut ExpDesc,
        e2: &ExpDesc,
        op: OpCode,
        line: u32,
        event: TagMethod,
    ) -> R<bool> {
        if !e2.is_kint() {
            return Ok(false);
        }
        let ExpKind::KInt(i2) = e2.k else {
            return Ok(false);
        };
        if !(fits_c(i2) && fits_c(i2.wrapping_neg())) {
            return Ok(false);
        }
        self.finish_binexp_val(e1, e2, op, int2sc(-i2), false, line, OpCode::MMBINI, event)?;
        let last = self.pc() - 1;
        self.instr(last).set_b(int2sc(i2));
        Ok(true)
    }

    fn code_bin_nok(
        &mut self,
        opr: BinOpr,
        e1: &mut ExpDesc,
        e2: &mut ExpDesc,
        flip: bool,
        line: u32,
    ) -> R<()> {
        if flip {
            std::mem::swap(e1, e2);
        }
        self.code_binexp_val(opr, e1, e2, line)
    }

    fn code_arith(
        &mut self,
        opr: BinOpr,
        e1: &mut ExpDesc,
        e2: &mut ExpDesc,
        flip: bool,
        line: u32,
    ) -> R<()> {
        if e2.numeral().is_some() && self.exp2k(e2) {
            self.code_bin_k(opr, e1, e2, flip, line)
        } else {
            self.code_bin_nok(opr, e1, e2, flip, line)
        }
    }

    fn code_commutative(
        &mut self,
        opr: BinOpr,
        e1: &mut ExpDesc,
        e2: &mut ExpDesc,
        line: u32,
    ) -> R<()> {
        let mut flip = false;
        if e1.numeral().is_some() {
            std::mem::swap(e1, e2);
            flip = true;
        }
        if opr == BinOpr::Add && e2.is_kint() && matches!(e2.k, ExpKind::KInt(i) if fits_c(i)) {
            self.code_bini(OpCode::ADDI, e1, e2, flip, line, TagMethod::Add)
        } else {
            self.code_arith(opr, e1, e2, flip, line)
        }
    }

    fn code_bitwise(
        &mut self,
        opr: BinOpr,
        e1: &mut ExpDesc,
        e2: &mut ExpDesc,
        line: u32,
    ) -> R<()> {
        let mut flip = false;
        if matches!(e1.k, ExpKind::KInt(_)) {
            std::mem::swap(e1, e2);
            flip = true;
        }
        if matches!(e2.k, ExpKind::KInt(_)) && self.exp2k(e2) {
            self.code_bin_k(opr, e1, e2, flip, line)
        } else {
            self.code_bin_nok(opr, e1, e2, flip, line)
        }
    }

    /// `isSCnumber`: an integer (or integral float) literal fitting in sC; returns (sC, isfloat).
    fn is_sc_number(e: &ExpDesc) -> Option<(u32, bool)> {
        let (i, isfloat) = match e.k {
            ExpKind::KInt(i) => (i, false),
            ExpKind::KFlt(f) => (float_to_int(f)?, true),
            _ => return None,
        };
        if !e.has_jumps() && fits_c(i) {
            Some((int2sc(i), isfloat))
        } else {
            None
        }
    }

    fn code_order(&mut self, opr: BinOpr, e1: &mut ExpDesc, e2: &mut ExpDesc) -> R<()> {
        let lt = opr == BinOpr::Lt;
        let (op, r1, r2, isfloat) = if let Some((im, fl)) = Self::is_sc_number(e2) {
            let r1 = self.exp2anyreg(e1)?;
            (if lt { OpCode::LTI } else { OpCode::LEI }, r1, im, fl)
        } else if let Some((im, fl)) = Self::is_sc_number(e1) {
            let r1 = self.exp2anyreg(e2)?;
            (if lt { OpCode::GTI } else { OpCode::GEI }, r1, im, fl)
        } else {
            let r1 = self.exp2anyreg(e1)?;
            let r2 = self.exp2anyreg(e2)?;
            (if lt { OpCode::LT } else { OpCode::LE }, r1, r2, false)
        };
        self.free_exps(e1, e2);
        e1.k = ExpKind::Jmp(self.cond_jump(op, r1, r2, isfloat as u32, true) as usize);
        Ok(())
    }

    fn code_eq(&mut self, opr: BinOpr, e1: &mut ExpDesc, e2: &mut ExpDesc) -> R<()> {
        if !matches!(e1.k, ExpKind::NonReloc(_)) {
            std::mem::swap(e1, e2);
        }
        let r1 = self.exp2anyreg(e1)?;
        let (op, r2, isfloat) = if let Some((im, fl)) = Self::is_sc_number(e2) {
            (OpCode::EQI, im, fl)
        } else if self.exp2rk(e2)? {
            (OpCode::EQK, Self::rk_operand(e2), false)
        } else {
            let r2 = self.exp2anyreg(e2)?;
            (OpCode::EQ, r2, false)
        };
        self.free_exps(e1, e2);
        let pc = self.cond_jump(op, r1, r2, isfloat as u32, opr == BinOpr::Eq);
        e1.k = ExpKind::Jmp(pc as usize);
        Ok(())
    }

    /// `luaK_infix`: prepare the first operand before reading the second.
    pub(super) fn infix(&mut self, op: BinOpr, v: &mut ExpDesc) -> R<()> {
        use BinOpr::*;
        self.discharge_vars(v);
        match op {
            And => self.go_if_true(v)?,
            Or => self.go_if_false(v)?,
            Concat => self.exp2nextreg(v)?,
            Add | Sub | Mul | Div | IDiv | Mod | Pow | BAnd | BOr | BXor | Shl | Shr => {
                if v.numeral().is_none() {
                    self.exp2anyreg(v)?;
                }
            }
            Eq | Ne => {
                if v.numeral().is_none() {
                    self.exp2rk(v)?;
                }
            }
            Lt | Le | Gt | Ge => {
                if Self::is_sc_number(v).is_none() {
                    self.exp2anyreg(v)?;
                }
            }
        }
        Ok(())
    }

    fn code_concat(&mut self, e1: &ExpDesc, e2: &ExpDesc, line: u32) {
        let e1reg = Self::rk_operand(e1);
        if let Some(ie2) = self.previous_instruction()
            && ie2.opcode() == Some(OpCode::CONCAT)
        {
            let n = ie2.b();
            ie2.set_a(e1reg);
            ie2.set_b(n + 1);
            self.free_exp(e2);
        } else {
            self.code_abc(OpCode::CONCAT, e1reg, 2, 0);
            self.free_exp(e2);
            self.fix_line(line);
        }
    }

    /// `luaK_posfix`: finish a binary operation `e1 op e2` into `e1`.
    pub(super) fn posfix(
        &mut self,
        mut opr: BinOpr,
        e1: &mut ExpDesc,
        e2: &mut ExpDesc,
        line: u32,
    ) -> R<()> {
        use BinOpr::*;
        self.discharge_vars(e2);
        if opr.is_foldable() && self.const_folding(FoldOp::from_bin(opr), e1, e2) {
            return Ok(());
        }
        match opr {
            And => {
                let mut f = e2.f;
                self.concat_jumps(&mut f, e1.f)?;
                e2.f = f;
                *e1 = e2.clone();
            }
            Or => {
                let mut t = e2.t;
                self.concat_jumps(&mut t, e1.t)?;
                e2.t = t;
                *e1 = e2.clone();
            }
            Concat => {
                self.exp2nextreg(e2)?;
                self.code_concat(e1, e2, line);
            }
            Add | Mul => self.code_commutative(opr, e1, e2, line)?,
            Sub => {
                if !self.finish_binexp_neg(e1, e2, OpCode::ADDI, line, TagMethod::Sub)? {
                    self.code_arith(opr, e1, e2, false, line)?;
                }
            }
            Div | IDiv | Mod | Pow => self.code_arith(opr, e1, e2, false, line)?,
            BAnd | BOr | BXor => self.code_bitwise(opr, e1, e2, line)?,
            Shl => {
                if e1.is_kint() && matches!(e1.k, ExpKind::KInt(i) if fits_c(i)) {
                    std::mem::swap(e1, e2);
                    self.code_bini(OpCode::SHLI, e1, e2, true, line, TagMethod::Shl)?;
                } else if self.finish_binexp_neg(e1, e2, OpCode::SHRI, line, TagMethod::Shl)? {
                    // coded as r1 >> -I
                } else {
                    self.code_binexp_val(opr, e1, e2, line)?;
                }
            }
            Shr => {
                if e2.is_kint() && matches!(e2.k, ExpKind::KInt(i) if fits_c(i)) {
                    self.code_bini(OpCode::SHRI, e1, e2, false, line, TagMethod::Shr)?;
                } else {
                    self.code_binexp_val(opr, e1, e2, line)?;
                }
            }
            Eq | Ne => self.code_eq(opr, e1, e2)?,
            Gt | Ge | Lt | Le => {
                if matches!(opr, Gt | Ge) {
                    std::mem::swap(e1, e2);
                    opr = if opr == Gt { Lt } else { Le };
                }
                self.code_order(opr, e1, e2)?;
            }
        }
        Ok(())
    }

    /// `luaK_settablesize`: fill in the `NEWTABLE` at `pc` (and its `EXTRAARG`).
    pub(super) fn set_table_size(&mut self, pc: usize, ra: u32, asize: u32, hsize: u32) {
        let rb = if hsize != 0 { ceil_log2(hsize) + 1 } else { 0 };
        let extra = asize / (MAX_ARG_C + 1);
        let rc = asize % (MAX_ARG_C + 1);
        *self.instr(pc) = Instruction::abc(OpCode::NEWTABLE, ra, rb, rc, extra > 0);
        *self.instr(pc + 1) = Instruction::ax(OpCode::EXTRAARG, extra & MAX_ARG_AX);
    }

    /// `luaK_setlist`: store `tostore` (-1: up to top) list items after `nelems` stored ones.
    pub(super) fn set_list(&mut self, base: u32, nelems: u32, tostore: i32) {
        let tostore = if tostore == -1 { 0 } else { tostore as u32 };
        if nelems <= MAX_ARG_C {
            self.code_abc(OpCode::SETLIST, base, tostore, nelems);
        } else {
            let extra = nelems / (MAX_ARG_C + 1);
            self.code_abck(
                OpCode::SETLIST,
                base,
                tostore,
                nelems % (MAX_ARG_C + 1),
                true,
            );
            self.code_extra_arg(extra);
        }
        self.fs_mut().freereg = base + 1;
    }

    /// `luaK_finish`: final pass over a function's code (return flags, jump threading).
    pub(super) fn finish(&mut self) -> R<()> {
        let needclose = self.fs().needclose;
        let (is_vararg, np) = (self.fs().f.is_vararg, self.fs().f.num_params as u32);
        for i in 0..self.pc() {
            let mut ins = self.fs().f.code[i];
            match ins.op() {
                OpCode::RETURN0 | OpCode::RETURN1 | OpCode::RETURN | OpCode::TAILCALL => {
                    if matches!(ins.op(), OpCode::RETURN0 | OpCode::RETURN1) {
                        if !(needclose || is_vararg) {
                            continue;
                        }
                        ins = Instruction::abc(OpCode::RETURN, ins.a(), ins.b(), ins.c(), ins.k());
                    }
                    if needclose {
                        ins.set_k(true);
                    }
                    if is_vararg {
                        ins.set_c(np + 1);
                    }
                    *self.instr(i) = ins;
                }
                OpCode::JMP => {
                    let target = self.final_target(i);
                    self.fix_jump(i, target)?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn final_target(&self, mut i: usize) -> usize {
        let code = &self.fs().f.code;
        for _ in 0..100 {
            let ins = code[i];
            if ins.opcode() != Some(OpCode::JMP) {
                break;
            }
            i = (i as i64 + ins.sj_field() as i64 + 1) as usize;
        }
        i
    }
}

/// `luaO_ceillog2`: ceil(log2(x)) for x >= 1.
fn ceil_log2(x: u32) -> u32 {
    32 - (x - 1).leading_zeros()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_rules() {
        use FoldOp::*;
        use Number::{Float as F, Int as I};
        assert_eq!(fold(Add, I(i64::MAX), I(1)), Some(I(i64::MIN)));
        assert_eq!(fold(Div, I(1), I(2)), Some(F(0.5)));
        assert_eq!(fold(Div, I(1), I(0)), None);
        assert_eq!(fold(IDiv, I(7), I(-2)), Some(I(-4)));
        assert_eq!(fold(Mod, I(-7), I(3)), Some(I(2)));
        assert_eq!(fold(Mod, F(-7.0), F(3.0)), Some(F(2.0)));
        assert_eq!(fold(Mod, I(5), I(0)), None);
        assert_eq!(fold(Sub, F(1.0), F(1.0)), None); // result 0.0 is not folded
        assert_eq!(fold(Unm, I(0), I(0)), Some(I(0)));
        assert_eq!(fold(Unm, F(0.0), I(0)), None); // -0.0
        assert_eq!(fold(Pow, I(2), I(10)), Some(F(1024.0)));
        assert_eq!(fold(Shl, I(1), I(64)), Some(I(0)));
        assert_eq!(fold(Shr, I(-1), I(60)), Some(I(15)));
        assert_eq!(fold(BAnd, F(1.5), I(1)), None);
        assert_eq!(fold(BOr, F(2.0), I(1)), Some(I(3)));
        assert_eq!(fold(BNot, I(0), I(0)), Some(I(-1)));
        assert_eq!(ceil_log2(1), 0);
        assert_eq!(ceil_log2(5), 3);
        assert_eq!(ceil_log2(8), 3);
    }
}
