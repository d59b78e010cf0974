//! Function objects: runtime protos, Lua closures, native closures and upvalues.
//!
//! Invariants:
//! - A [`Proto`] is immutable after loading except for its profiling counters and feedback bytes.
//!   `Proto::src` is the front end's [`FuncProto`] with `protos` moved out (into [`Proto::protos`]), so
//!   debug helpers over `FuncProto` (line info, local names) work on it directly.
//! - An [`UpVal`] is *open* while `v` points into a thread's VM stack (the stack never moves, so the
//!   pointer stays valid) and *closed* once `v` points at its own `closed` field. Open upvalues are
//!   listed (sorted by stack level) in their thread; `CLOSE`/return closes them in order.

use super::api::NativeFn;
use super::gc::{GcHeader, ObjKind};
use super::value::Value;
use crate::opcode::Instruction;
use crate::proto::FuncProto;
use std::cell::Cell;

/// A runtime function prototype.
#[repr(C)]
pub struct Proto {
    pub(crate) hdr: GcHeader,
    /// Constant table with strings interned.
    pub k: Box<[Value]>,
    /// Nested protos (`KPROTO`).
    pub protos: Box<[*mut Proto]>,
    /// The front end's proto (code, line info, locals, upvalue descriptors; `protos` emptied).
    pub src: FuncProto,
    /// Calls since load (tier-up counter for the JIT; saturating).
    pub call_count: Cell<u32>,
    /// Loop back-edges taken since load (OSR counter; saturating).
    pub backedge_count: Cell<u32>,
    /// One type-feedback byte per instruction (indexed by pc); bits are `FEEDBACK_*`.
    pub feedback: Box<[Cell<u8>]>,
    /// Baseline JIT state: compiled entry (if any) and compile status (`crate::jit`).
    pub jit: crate::jit::ProtoJit,
}

/// Feedback bit: the operands were integers (arithmetic: both; `ADDI`: the register).
pub const FEEDBACK_INT: u8 = 1;
/// Feedback bit: the operands were floats (arithmetic: both; `ADDI`: the register).
pub const FEEDBACK_FLOAT: u8 = 2;
/// Feedback bit: some other type (or a metamethod) was seen.
pub const FEEDBACK_OTHER: u8 = 4;
/// Feedback bit: an arithmetic instruction had one integer and one float operand.
pub const FEEDBACK_MIXED: u8 = 8;

/// Feedback bit of `CALL`/`TAILCALL`: the called value was a Lua closure.
pub const FEEDBACK_CALL_LUA: u8 = 1;
/// Feedback bit of `CALL`/`TAILCALL`: the called value was a native function.
pub const FEEDBACK_CALL_NATIVE: u8 = 2;
/// Feedback bit of `CALL`/`TAILCALL`: something else (`__call`).
pub const FEEDBACK_CALL_OTHER: u8 = 4;
/// Feedback bit of `CALL`/`TAILCALL`: the native was one the baseline computes inline
/// (`jit::baseline::is_fast_native`: `string.byte`, `math.floor`, `math.sqrt`).
pub const FEEDBACK_CALL_FAST: u8 = 8;
/// Feedback bit of `GETFIELD`/`GETTABUP`: the key was found in the table itself.
pub const FEEDBACK_FIELD_HIT: u8 = 1;
/// Feedback bit of `GETFIELD`/`GETTABUP`: a miss (not a table, no such key, `__index`).
pub const FEEDBACK_FIELD_MISS: u8 = 2;
/// Feedback bit of `SELF`: the key was found in the receiver table itself.
pub const FEEDBACK_SELF_RAW: u8 = 1;
/// Feedback bit of `SELF`: a table receiver whose key was not in the table itself (`__index`).
pub const FEEDBACK_SELF_INDEX: u8 = 2;
/// Feedback bit of `SELF`: a string receiver (the string metatable's `__index`).
pub const FEEDBACK_SELF_STRING: u8 = 4;
/// Feedback bit of `SELF`: any other receiver.
pub const FEEDBACK_SELF_OTHER: u8 = 8;

/// The feedback bits of a `CALL` of the value `f`.
#[inline(always)]
pub fn call_feedback(f: crate::vm::value::Value) -> u8 {
    use crate::vm::value::{TAG_LCL, TAG_NATIVE};
    match f.tag {
        TAG_LCL => FEEDBACK_CALL_LUA,
        TAG_NATIVE => {
            // SAFETY: a native-tagged value's payload is a live `NativeClosure`.
            let nf = unsafe { (*(f.payload as *const NativeClosure)).f };
            if crate::jit::baseline::is_fast_native(nf as usize) {
                FEEDBACK_CALL_NATIVE | FEEDBACK_CALL_FAST
            } else {
                FEEDBACK_CALL_NATIVE
            }
        }
        _ => FEEDBACK_CALL_OTHER,
    }
}

/// The feedback bit of an arithmetic instruction whose operands `t1`, `t2` (tags) are both
/// numbers: [`FEEDBACK_INT`], [`FEEDBACK_FLOAT`] or [`FEEDBACK_MIXED`].
#[inline(always)]
pub fn number_feedback(t1: u64, t2: u64) -> u8 {
    use crate::vm::value::TAG_INT;
    match (t1 == TAG_INT, t2 == TAG_INT) {
        (true, true) => FEEDBACK_INT,
        (false, false) => FEEDBACK_FLOAT,
        _ => FEEDBACK_MIXED,
    }
}

impl Proto {
    /// The bytecode.
    #[inline(always)]
    pub fn code(&self) -> &[Instruction] {
        &self.src.code
    }
    pub(crate) fn gc_size(&self) -> usize {
        std::mem::size_of::<Proto>()
            + self.src.code.len() * 9
            + self.k.len() * 16
            + self.protos.len() * 8
            + self.src.locals.len() * 48
    }
}

/// A Lua function value: a proto plus its upvalues.
#[repr(C)]
pub struct LuaClosure {
    pub(crate) hdr: GcHeader,
    /// The prototype.
    pub proto: *mut Proto,
    /// Upvalues, in the proto's upvalue order.
    pub upvals: Box<[*mut UpVal]>,
    /// `upvals.as_ptr()`, kept as a thin pointer at a known offset for compiled code, which
    /// passes it to its callees ([`crate::jit::CompiledFn`]; the layout of a boxed slice is
    /// unspecified). Invariant: equal to `upvals.as_ptr()` (the slice is never replaced).
    pub(crate) upvals_ptr: *const *mut UpVal,
}

impl LuaClosure {
    pub(crate) fn gc_size(&self) -> usize {
        std::mem::size_of::<LuaClosure>() + self.upvals.len() * 8
    }
}

/// A native (Rust) function value, with optional upvalues (like a C closure).
#[repr(C)]
pub struct NativeClosure {
    pub(crate) hdr: GcHeader,
    /// The function.
    pub f: NativeFn,
    /// Name used in messages when no call-site name is known (e.g. `"string.rep"`).
    pub name: &'static str,
    /// Upvalues (read with [`Vm::native_upvalue`](super::Vm::native_upvalue)).
    pub upvals: Box<[Value]>,
}

impl NativeClosure {
    pub(crate) fn gc_size(&self) -> usize {
        std::mem::size_of::<NativeClosure>() + self.upvals.len() * 16
    }
}

/// An upvalue cell. See the module doc for the open/closed invariant.
#[repr(C)]
pub struct UpVal {
    pub(crate) hdr: GcHeader,
    /// Where the value lives (a stack slot while open, `&closed` once closed).
    pub v: *mut Value,
    /// Storage once closed.
    pub closed: Value,
    /// Stack index of the variable while open.
    pub(crate) level: usize,
}

impl UpVal {
    /// Is it still open (pointing into a stack)?
    #[inline(always)]
    pub fn is_open(&self) -> bool {
        !std::ptr::eq(self.v, &self.closed)
    }
    /// Read the current value.
    #[inline(always)]
    pub fn get(&self) -> Value {
        // SAFETY: v points at a live stack slot (open) or at self.closed.
        unsafe { *self.v }
    }
}

pub(crate) fn new_upval_header() -> GcHeader {
    GcHeader::new(ObjKind::UpVal)
}
