//! The bytecode instruction set: Lua 5.4's register machine (`lopcodes.h` of PUC-Lua 5.4.6), re-expressed
//! in Rust.
//!
//! This module is the contract between the front end (`crate::syntax`, which emits it), the interpreter
//! (`crate::vm`, which executes it) and, later, the JIT tiers (which translate it). Every opcode has exactly
//! the semantics of the same-named opcode of PUC-Lua 5.4 (`lvm.c`), so the reference implementation's
//! documentation and behaviour settle any question about them.
//!
//! # Encoding (32-bit, as Lua 5.4)
//! ```text
//!        3 3 2 2 2 2 2 2 2 2 2 2 1 1 1 1 1 1 1 1 1 1 0 0 0 0 0 0 0 0 0 0
//!        1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2 1 0 9 8 7 6 5 4 3 2 1 0
//! iABC         C(8)     |      B(8)     |k|     A(8)      |   Op(7)     |
//! iABx               Bx(17)               |     A(8)      |   Op(7)     |
//! iAsBx             sBx (signed)(17)      |     A(8)      |   Op(7)     |
//! iAx                           Ax(25)                    |   Op(7)     |
//! isJ                           sJ (signed)(25)           |   Op(7)     |
//! ```
//! Signed fields use excess-K encoding: `sBx = Bx - 0xFFFF`, `sJ = raw - 0xFF_FFFF`, `sC = C - 127`,
//! `sB = B - 127`.
//!
//! # Notation in the opcode docs
//! `R[x]` register x of the current frame; `K[x]` constant x; `RK(x)` is `K[x]` when the `k` bit is set,
//! else `R[x]`; `UpValue[x]` upvalue x of the running closure; `KPROTO[x]` nested proto x.
//!
//! Invariant: the front end never emits a register index above [`MAX_REGS`]` - 1`, and an instruction
//! that needs an extra argument (`LOADKX`, `NEWTABLE` with `k`, `SETLIST` with `k`) is immediately
//! followed by `EXTRAARG`. Arithmetic and bitwise opcodes (`ADD`..`SHR`, `ADDI`, `ADDK`..`BXORK`,
//! `SHRI`, `SHLI`) are always followed by an `MMBIN`/`MMBINI`/`MMBINK` that the fast path skips
//! (`pc += 1`) and that runs the metamethod (or raises the error) when the fast path does not apply.

/// Number of registers a function may use (register indices are `0..MAX_REGS`), as `MAXREGS` in 5.4.
pub const MAX_REGS: usize = 255;
/// Largest value of the unsigned 8-bit `B`/`C` fields.
pub const MAX_ARG_C: u32 = 0xFF;
/// Largest value of the 17-bit `Bx` field.
pub const MAX_ARG_BX: u32 = (1 << 17) - 1;
/// Excess-K offset of `sBx`.
pub const OFFSET_SBX: i32 = (MAX_ARG_BX >> 1) as i32;
/// Largest value of the 25-bit `Ax` field.
pub const MAX_ARG_AX: u32 = (1 << 25) - 1;
/// Excess-K offset of `sJ`.
pub const OFFSET_SJ: i32 = (MAX_ARG_AX >> 1) as i32;
/// Excess-K offset of `sC` and `sB`.
pub const OFFSET_SC: i32 = (MAX_ARG_C >> 1) as i32;
/// Number of list items accumulated before a `SETLIST` is emitted (`LFIELDS_PER_FLUSH`).
pub const FIELDS_PER_FLUSH: u32 = 50;

macro_rules! opcodes {
    ($( $(#[$doc:meta])* $name:ident = $mode:ident ),* $(,)?) => {
        /// A Lua 5.4 opcode. The discriminant is the 7-bit opcode field.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u8)]
        pub enum OpCode {
            $( $(#[$doc])* $name, )*
        }

        impl OpCode {
            /// Every opcode, indexed by its discriminant.
            pub const ALL: &'static [OpCode] = &[ $( OpCode::$name, )* ];

            /// Upper-case name as printed by `luac -l` (e.g. `"GETTABUP"`).
            pub fn name(self) -> &'static str {
                match self { $( OpCode::$name => stringify!($name), )* }
            }

            /// Instruction format of this opcode.
            pub fn mode(self) -> OpMode {
                match self { $( OpCode::$name => OpMode::$mode, )* }
            }
        }
    };
}

/// Instruction formats (see the module doc for bit layouts).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpMode {
    /// A, B, C and the k bit.
    IABC,
    /// A and unsigned 17-bit Bx.
    IABx,
    /// A and signed 17-bit sBx.
    IAsBx,
    /// Unsigned 25-bit Ax.
    IAx,
    /// Signed 25-bit sJ.
    IsJ,
}

opcodes! {
    /// `A B`: `R[A] := R[B]`.
    MOVE = IABC,
    /// `A sBx`: `R[A] := sBx` (integer).
    LOADI = IAsBx,
    /// `A sBx`: `R[A] := (float)sBx`.
    LOADF = IAsBx,
    /// `A Bx`: `R[A] := K[Bx]`.
    LOADK = IABx,
    /// `A`: `R[A] := K[extra arg]` (the next instruction is `EXTRAARG`).
    LOADKX = IABx,
    /// `A`: `R[A] := false`.
    LOADFALSE = IABC,
    /// `A`: `R[A] := false; pc++`.
    LFALSESKIP = IABC,
    /// `A`: `R[A] := true`.
    LOADTRUE = IABC,
    /// `A B`: `R[A], R[A+1], ..., R[A+B] := nil`.
    LOADNIL = IABC,
    /// `A B`: `R[A] := UpValue[B]`.
    GETUPVAL = IABC,
    /// `A B`: `UpValue[B] := R[A]`.
    SETUPVAL = IABC,
    /// `A B C`: `R[A] := UpValue[B][K[C]:shortstring]`.
    GETTABUP = IABC,
    /// `A B C`: `R[A] := R[B][R[C]]`.
    GETTABLE = IABC,
    /// `A B C`: `R[A] := R[B][C]` (C an unsigned integer key).
    GETI = IABC,
    /// `A B C`: `R[A] := R[B][K[C]:shortstring]`.
    GETFIELD = IABC,
    /// `A B C k`: `UpValue[A][K[B]:shortstring] := RK(C)`.
    SETTABUP = IABC,
    /// `A B C k`: `R[A][R[B]] := RK(C)`.
    SETTABLE = IABC,
    /// `A B C k`: `R[A][B] := RK(C)` (B an unsigned integer key).
    SETI = IABC,
    /// `A B C k`: `R[A][K[B]:shortstring] := RK(C)`.
    SETFIELD = IABC,
    /// `A B C k`: `R[A] := {}`; B is log2(hash size)+1 (0 = empty); C the array size, plus
    /// `EXTRAARG * (MAX_ARG_C + 1)` when k is set. Always followed by `EXTRAARG`.
    NEWTABLE = IABC,
    /// `A B C k`: `R[A+1] := R[B]; R[A] := R[B][RK(C):string]`.
    SELF = IABC,
    /// `A B sC`: `R[A] := R[B] + sC`.
    ADDI = IABC,
    /// `A B C`: `R[A] := R[B] + K[C]:number`.
    ADDK = IABC,
    /// `A B C`: `R[A] := R[B] - K[C]:number`.
    SUBK = IABC,
    /// `A B C`: `R[A] := R[B] * K[C]:number`.
    MULK = IABC,
    /// `A B C`: `R[A] := R[B] % K[C]:number`.
    MODK = IABC,
    /// `A B C`: `R[A] := R[B] ^ K[C]:number`.
    POWK = IABC,
    /// `A B C`: `R[A] := R[B] / K[C]:number`.
    DIVK = IABC,
    /// `A B C`: `R[A] := R[B] // K[C]:number`.
    IDIVK = IABC,
    /// `A B C`: `R[A] := R[B] & K[C]:integer`.
    BANDK = IABC,
    /// `A B C`: `R[A] := R[B] | K[C]:integer`.
    BORK = IABC,
    /// `A B C`: `R[A] := R[B] ~ K[C]:integer`.
    BXORK = IABC,
    /// `A B sC`: `R[A] := R[B] >> sC`.
    SHRI = IABC,
    /// `A B sC`: `R[A] := sC << R[B]`.
    SHLI = IABC,
    /// `A B C`: `R[A] := R[B] + R[C]`.
    ADD = IABC,
    /// `A B C`: `R[A] := R[B] - R[C]`.
    SUB = IABC,
    /// `A B C`: `R[A] := R[B] * R[C]`.
    MUL = IABC,
    /// `A B C`: `R[A] := R[B] % R[C]`.
    MOD = IABC,
    /// `A B C`: `R[A] := R[B] ^ R[C]`.
    POW = IABC,
    /// `A B C`: `R[A] := R[B] / R[C]`.
    DIV = IABC,
    /// `A B C`: `R[A] := R[B] // R[C]`.
    IDIV = IABC,
    /// `A B C`: `R[A] := R[B] & R[C]`.
    BAND = IABC,
    /// `A B C`: `R[A] := R[B] | R[C]`.
    BOR = IABC,
    /// `A B C`: `R[A] := R[B] ~ R[C]`.
    BXOR = IABC,
    /// `A B C`: `R[A] := R[B] << R[C]`.
    SHL = IABC,
    /// `A B C`: `R[A] := R[B] >> R[C]`.
    SHR = IABC,
    /// `A B C`: call metamethod `C` (a [`TagMethod`] index) over `R[A]` and `R[B]`; the result goes to
    /// the `A` register of the previous instruction.
    MMBIN = IABC,
    /// `A sB C k`: call metamethod `C` over `R[A]` and `sB` (operands swapped when k is set).
    MMBINI = IABC,
    /// `A B C k`: call metamethod `C` over `R[A]` and `K[B]` (operands swapped when k is set).
    MMBINK = IABC,
    /// `A B`: `R[A] := -R[B]`.
    UNM = IABC,
    /// `A B`: `R[A] := ~R[B]`.
    BNOT = IABC,
    /// `A B`: `R[A] := not R[B]`.
    NOT = IABC,
    /// `A B`: `R[A] := #R[B]` (length operator).
    LEN = IABC,
    /// `A B`: `R[A] := R[A].. ... ..R[A + B - 1]`.
    CONCAT = IABC,
    /// `A`: close all upvalues and to-be-closed variables `>= R[A]`.
    CLOSE = IABC,
    /// `A`: mark variable `A` "to be closed".
    TBC = IABC,
    /// `sJ`: `pc += sJ`.
    JMP = IsJ,
    /// `A B k`: `if ((R[A] == R[B]) ~= k) then pc++`.
    EQ = IABC,
    /// `A B k`: `if ((R[A] < R[B]) ~= k) then pc++`.
    LT = IABC,
    /// `A B k`: `if ((R[A] <= R[B]) ~= k) then pc++`.
    LE = IABC,
    /// `A B k`: `if ((R[A] == K[B]) ~= k) then pc++`.
    EQK = IABC,
    /// `A sB k`: `if ((R[A] == sB) ~= k) then pc++` (C: 1 if the literal was a float, for messages).
    EQI = IABC,
    /// `A sB k`: `if ((R[A] < sB) ~= k) then pc++` (C: isfloat).
    LTI = IABC,
    /// `A sB k`: `if ((R[A] <= sB) ~= k) then pc++` (C: isfloat).
    LEI = IABC,
    /// `A sB k`: `if ((R[A] > sB) ~= k) then pc++` (C: isfloat).
    GTI = IABC,
    /// `A sB k`: `if ((R[A] >= sB) ~= k) then pc++` (C: isfloat).
    GEI = IABC,
    /// `A k`: `if (not R[A] == k) then pc++`.
    TEST = IABC,
    /// `A B k`: `if (not R[B] == k) then pc++ else R[A] := R[B]`.
    TESTSET = IABC,
    /// `A B C`: `R[A], ..., R[A+C-2] := R[A](R[A+1], ..., R[A+B-1])`. `B == 0`: arguments up to the
    /// top set by the previous multi-result instruction; `C == 0`: keep all results and set top.
    CALL = IABC,
    /// `A B C k`: `return R[A](R[A+1], ..., R[A+B-1])`; k: close upvalues first; C: `nparams + 1`
    /// when the function is vararg (else 0).
    TAILCALL = IABC,
    /// `A B C k`: `return R[A], ..., R[A+B-2]`; `B == 0`: up to top; k: close upvalues /
    /// to-be-closed variables first; C: `nparams + 1` when the function is vararg (else 0).
    RETURN = IABC,
    /// `return` (no values).
    RETURN0 = IABC,
    /// `A`: `return R[A]`.
    RETURN1 = IABC,
    /// `A Bx`: update counters; if the loop continues then `pc -= Bx`. Registers: `R[A]` internal index
    /// (integer loop) or current value (float loop), `R[A+1]` remaining iteration count (integer loop)
    /// or limit (float loop), `R[A+2]` step, `R[A+3]` the visible control variable.
    FORLOOP = IABx,
    /// `A Bx`: check and prepare the numeric-for registers (5.4 `forprep`); if the loop must not run,
    /// `pc += Bx + 1`.
    FORPREP = IABx,
    /// `A Bx`: create a to-be-closed variable for `R[A+3]` (when not nil/false); `pc += Bx`.
    TFORPREP = IABx,
    /// `A C`: `R[A+4], ..., R[A+3+C] := R[A](R[A+1], R[A+2])`.
    TFORCALL = IABC,
    /// `A Bx`: `if R[A+4] ~= nil then { R[A+2] = R[A+4]; pc -= Bx }`.
    TFORLOOP = IABx,
    /// `A B C k`: `R[A][C+i] := R[A+i], 1 <= i <= B`; `B == 0`: up to top; k: C is extended by the
    /// following `EXTRAARG` (`C += EXTRAARG * (MAX_ARG_C + 1)`).
    SETLIST = IABC,
    /// `A Bx`: `R[A] := closure(KPROTO[Bx])`.
    CLOSURE = IABx,
    /// `A C`: `R[A], R[A+1], ..., R[A+C-2] = vararg`; `C == 0`: all, and set top.
    VARARG = IABC,
    /// `A`: adjust vararg parameters (A is the number of fixed parameters).
    VARARGPREP = IABC,
    /// `Ax`: extra (larger) argument for the previous opcode.
    EXTRAARG = IAx,
}

/// Metamethod events in the order of Lua 5.4's `TMS` enum (`ltm.h`); the `C` operand of
/// `MMBIN`/`MMBINI`/`MMBINK` is one of the arithmetic/bitwise ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
#[allow(
    missing_docs,
    reason = "the names are the metamethod names without the leading '__'"
)]
pub enum TagMethod {
    Index,
    NewIndex,
    Gc,
    Mode,
    Len,
    Eq,
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
    Lt,
    Le,
    Concat,
    Call,
    Close,
}

impl TagMethod {
    /// Every event, indexed by discriminant.
    pub const ALL: [TagMethod; 25] = [
        TagMethod::Index,
        TagMethod::NewIndex,
        TagMethod::Gc,
        TagMethod::Mode,
        TagMethod::Len,
        TagMethod::Eq,
        TagMethod::Add,
        TagMethod::Sub,
        TagMethod::Mul,
        TagMethod::Mod,
        TagMethod::Pow,
        TagMethod::Div,
        TagMethod::IDiv,
        TagMethod::BAnd,
        TagMethod::BOr,
        TagMethod::BXor,
        TagMethod::Shl,
        TagMethod::Shr,
        TagMethod::Unm,
        TagMethod::BNot,
        TagMethod::Lt,
        TagMethod::Le,
        TagMethod::Concat,
        TagMethod::Call,
        TagMethod::Close,
    ];

    /// The metamethod's field name, e.g. `"__add"`.
    pub fn event_name(self) -> &'static str {
        [
            "__index",
            "__newindex",
            "__gc",
            "__mode",
            "__len",
            "__eq",
            "__add",
            "__sub",
            "__mul",
            "__mod",
            "__pow",
            "__div",
            "__idiv",
            "__band",
            "__bor",
            "__bxor",
            "__shl",
            "__shr",
            "__unm",
            "__bnot",
            "__lt",
            "__le",
            "__concat",
            "__call",
            "__close",
        ][self as usize]
    }

    /// Decode an `MMBIN*` `C` operand.
    pub fn from_u32(c: u32) -> Option<TagMethod> {
        TagMethod::ALL.get(c as usize).copied()
    }
}

/// One 32-bit instruction (see the module doc for the layout).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(transparent)]
pub struct Instruction(pub u32);

impl std::fmt::Debug for Instruction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.opcode() {
            Some(op) => write!(f, "{}({:#010x})", op.name(), self.0),
            None => write!(f, "INVALID({:#010x})", self.0),
        }
    }
}

const POS_A: u32 = 7;
const POS_K: u32 = 15;
const POS_B: u32 = 16;
const POS_C: u32 = 24;

impl Instruction {
    /// Encode an iABC instruction. Panics in debug builds if a field is out of range.
    pub fn abc(op: OpCode, a: u32, b: u32, c: u32, k: bool) -> Instruction {
        debug_assert!(a <= 0xFF && b <= 0xFF && c <= 0xFF);
        Instruction(op as u32 | (a << POS_A) | ((k as u32) << POS_K) | (b << POS_B) | (c << POS_C))
    }
    /// Encode an iABx instruction.
    pub fn abx(op: OpCode, a: u32, bx: u32) -> Instruction {
        debug_assert!(a <= 0xFF && bx <= MAX_ARG_BX);
        Instruction(op as u32 | (a << POS_A) | (bx << POS_K))
    }
    /// Encode an iAsBx instruction (`sbx` in `-OFFSET_SBX ..= MAX_ARG_BX - OFFSET_SBX`).
    pub fn asbx(op: OpCode, a: u32, sbx: i32) -> Instruction {
        Instruction::abx(op, a, (sbx + OFFSET_SBX) as u32)
    }
    /// Encode an iAx instruction.
    pub fn ax(op: OpCode, ax: u32) -> Instruction {
        debug_assert!(ax <= MAX_ARG_AX);
        Instruction(op as u32 | (ax << POS_A))
    }
    /// Encode an isJ instruction.
    pub fn sj(op: OpCode, sj: i32) -> Instruction {
        Instruction(op as u32 | (((sj + OFFSET_SJ) as u32) << POS_A))
    }

    /// The opcode, or `None` for an invalid 7-bit value.
    #[inline]
    pub fn opcode(self) -> Option<OpCode> {
        OpCode::ALL.get((self.0 & 0x7F) as usize).copied()
    }
    /// The opcode of an instruction known to be valid (produced by the front end).
    #[inline]
    pub fn op(self) -> OpCode {
        // Instructions come from our own compiler or from a checked binary chunk.
        OpCode::ALL[(self.0 & 0x7F) as usize]
    }
    /// Field A (8 bits).
    #[inline]
    pub fn a(self) -> u32 {
        (self.0 >> POS_A) & 0xFF
    }
    /// Field B (8 bits).
    #[inline]
    pub fn b(self) -> u32 {
        (self.0 >> POS_B) & 0xFF
    }
    /// Field C (8 bits).
    #[inline]
    pub fn c(self) -> u32 {
        (self.0 >> POS_C) & 0xFF
    }
    /// Field sB: B as a signed excess-127 value.
    #[inline]
    pub fn sb(self) -> i32 {
        self.b() as i32 - OFFSET_SC
    }
    /// Field sC: C as a signed excess-127 value.
    #[inline]
    pub fn sc(self) -> i32 {
        self.c() as i32 - OFFSET_SC
    }
    /// The k bit.
    #[inline]
    pub fn k(self) -> bool {
        (self.0 >> POS_K) & 1 != 0
    }
    /// Field Bx (17 bits).
    #[inline]
    pub fn bx(self) -> u32 {
        self.0 >> POS_K
    }
    /// Field sBx.
    #[inline]
    pub fn sbx(self) -> i32 {
        self.bx() as i32 - OFFSET_SBX
    }
    /// Field Ax (25 bits).
    #[inline]
    pub fn ax_field(self) -> u32 {
        self.0 >> POS_A
    }
    /// Field sJ.
    #[inline]
    pub fn sj_field(self) -> i32 {
        (self.0 >> POS_A) as i32 - OFFSET_SJ
    }
    /// Replace field A.
    pub fn set_a(&mut self, a: u32) {
        self.0 = (self.0 & !(0xFF << POS_A)) | ((a & 0xFF) << POS_A);
    }
    /// Replace field B.
    pub fn set_b(&mut self, b: u32) {
        self.0 = (self.0 & !(0xFF << POS_B)) | ((b & 0xFF) << POS_B);
    }
    /// Replace field C.
    pub fn set_c(&mut self, c: u32) {
        self.0 = (self.0 & !(0xFF << POS_C)) | ((c & 0xFF) << POS_C);
    }
    /// Replace the k bit.
    pub fn set_k(&mut self, k: bool) {
        self.0 = (self.0 & !(1 << POS_K)) | ((k as u32) << POS_K);
    }
    /// Replace field Bx.
    pub fn set_bx(&mut self, bx: u32) {
        self.0 = (self.0 & ((1 << POS_K) - 1)) | (bx << POS_K);
    }
    /// Replace field sBx.
    pub fn set_sbx(&mut self, sbx: i32) {
        self.set_bx((sbx + OFFSET_SBX) as u32);
    }
    /// Replace field sJ.
    pub fn set_sj(&mut self, sj: i32) {
        self.0 = (self.0 & 0x7F) | (((sj + OFFSET_SJ) as u32) << POS_A);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_round_trip() {
        let i = Instruction::abc(OpCode::SETFIELD, 12, 200, 255, true);
        assert_eq!(
            (i.op(), i.a(), i.b(), i.c(), i.k()),
            (OpCode::SETFIELD, 12, 200, 255, true)
        );
        let j = Instruction::asbx(OpCode::LOADI, 3, -65535);
        assert_eq!((j.op(), j.a(), j.sbx()), (OpCode::LOADI, 3, -65535));
        let mut s = Instruction::sj(OpCode::JMP, -5);
        assert_eq!(s.sj_field(), -5);
        s.set_sj(1 << 20);
        assert_eq!(s.sj_field(), 1 << 20);
        assert_eq!(Instruction::abc(OpCode::ADDI, 0, 0, 0, false).sc(), -127);
        assert_eq!(OpCode::ALL.len(), 83);
        assert_eq!(OpCode::EXTRAARG as usize, 82);
    }
}
