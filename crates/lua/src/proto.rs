//! Function prototypes as the front end produces them: plain Rust data, no GC references.
//!
//! A chunk compiles to one [`FuncProto`] (the main function, vararg, one upvalue `_ENV`) whose nested
//! functions are in [`FuncProto::protos`]. The VM turns a `FuncProto` tree into its runtime protos
//! (interning string constants, adding per-instruction feedback slots) when a chunk is loaded, so the
//! front end knows nothing of the heap. The fields mirror Lua 5.4's `Proto` (`lobject.h`), which is what
//! `string.dump`, `debug.getinfo` and error messages need.
//!
//! Invariant: `code.len() == line_info.len()`; every `K`/`KPROTO`/upvalue/register index in `code` is in
//! range for this proto; `max_stack >= num_params` and every register used is `< max_stack`.

use crate::opcode::Instruction;

/// A constant of the constant table `K`.
#[derive(Clone, Debug, PartialEq)]
pub enum Constant {
    /// `nil`.
    Nil,
    /// `true` / `false`.
    Bool(bool),
    /// A 64-bit integer.
    Int(i64),
    /// A float (constants are deduplicated by bit pattern, so `0.0` and `-0.0` differ).
    Float(f64),
    /// A string (arbitrary bytes).
    Str(Vec<u8>),
}

/// Where an upvalue of a closure comes from when `CLOSURE` creates it (Lua 5.4 `Upvaldesc`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpvalDesc {
    /// Upvalue name (for debug information and error messages), e.g. `b"_ENV"`.
    pub name: Vec<u8>,
    /// `true`: the upvalue is register `index` of the enclosing function (it is captured as an open
    /// upvalue); `false`: it is upvalue `index` of the enclosing closure.
    pub in_stack: bool,
    /// Register or upvalue index, per `in_stack`.
    pub index: u8,
    /// Kind of the captured variable.
    pub kind: VarKind,
}

/// Kinds of local variables (Lua 5.4 `VDKREG`, `RDKCONST`, `RDKTOCLOSE`, `RDKCTC`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum VarKind {
    /// An ordinary variable.
    #[default]
    Regular,
    /// A `<const>` variable.
    Const,
    /// A `<close>` variable.
    ToClose,
    /// A compile-time constant (never occupies a register).
    CompileTimeConst,
}

/// A local variable's name and the pc range where it is active (Lua 5.4 `LocVar`): it is live at
/// `pc` when `start_pc <= pc < end_pc`. Locals are listed in order of declaration, so the n-th active
/// local at a pc lives in register n-1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalVar {
    /// Variable name.
    pub name: Vec<u8>,
    /// First pc where it is active.
    pub start_pc: u32,
    /// First pc where it is dead.
    pub end_pc: u32,
}

/// A compiled function prototype.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct FuncProto {
    /// Chunk name as given to `load` (e.g. `"@t.lua"`, `"=stdin"`, or the source text itself).
    /// Shared by every proto of a chunk: when the chunk name is the source text (the default of
    /// `load(s)`), a per-proto copy would make compiling quadratic in the chunk size.
    pub source: std::sync::Arc<[u8]>,
    /// Line where the function's definition starts (0 for the main chunk).
    pub line_defined: u32,
    /// Line where it ends (0 for the main chunk).
    pub last_line_defined: u32,
    /// Number of fixed parameters.
    pub num_params: u8,
    /// Whether the function is vararg (`...`). The main chunk always is.
    pub is_vararg: bool,
    /// Number of registers the function needs.
    pub max_stack: u8,
    /// The bytecode.
    pub code: Vec<Instruction>,
    /// Source line of each instruction (absolute, same length as `code`).
    pub line_info: Vec<u32>,
    /// Constant table `K`.
    pub constants: Vec<Constant>,
    /// Upvalue descriptors, in upvalue-index order.
    pub upvalues: Vec<UpvalDesc>,
    /// Nested prototypes `KPROTO`, in `CLOSURE` index order.
    pub protos: Vec<FuncProto>,
    /// Local variables for debug information.
    pub locals: Vec<LocalVar>,
}
