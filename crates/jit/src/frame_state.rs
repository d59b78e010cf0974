//! Frame states: the virtual (interpreter-level) frames a deopt point stands for.
//!
//! Optimized code may inline callees, keep values unboxed in registers and drop dead stores; at a
//! *deopt point* the client's interpreter must be able to resume as if it had run all along. A
//! [`DeoptPoint`] therefore carries the chain of [`VirtualFrame`]s live at that point, **outermost
//! first** (the physical function's own frame, then each inlined callee), and for every slot of
//! every virtual frame (a bytecode register, an operand-stack entry: the client decides) one
//! [`Recovery`] saying where its value comes from. This is the design of HotSpot's `ScopeDesc`
//! chains, V8's `FrameState`/`TranslatedState` and LuaJIT's snapshots (`lj_snap.c`), reduced to
//! what a language-agnostic runtime needs.
//!
//! Invariants: point ids are non-zero (0 is the "no deopt" status of [`crate::deopt`]); a
//! [`Recovery::ExitArg`] index is below the point's `exit_types.len()`; every `Constant` and
//! `StackSlot` type is known (not [`ValueType::Unknown`]). [`DeoptPoint::new`] checks them.

use crate::stackmap::ValueType;

/// Where one virtual-frame slot's value comes from when deoptimizing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recovery {
    /// A constant known at compile time: raw bits (floats as IEEE bits, narrower integers in
    /// the low bits) and type.
    Constant {
        /// Raw bits.
        bits: u64,
        /// Type.
        ty: ValueType,
    },
    /// The `index`-th value the compiled code passed to the deopt exit (its type is
    /// `exit_types[index]` of the point).
    ExitArg(u32),
    /// A value in the physical frame at `[SP + offset]` (SP at the exit call); only available
    /// when the exit is a call made while the frame is live ([`crate::deopt`], "call exit").
    StackSlot {
        /// Byte offset from SP at the call.
        offset: i32,
        /// Type.
        ty: ValueType,
    },
    /// The interpreter's copy of this slot is still right (the optimized code did not change it):
    /// the client keeps its current value.
    Unchanged,
}

/// One interpreter-level frame of a deopt point.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VirtualFrame {
    /// The client's function id (e.g. an index of its function prototypes).
    pub function: u64,
    /// Where the interpreter resumes in this function (the client's bytecode offset or pc).
    pub bytecode_offset: u32,
    /// One recovery per slot, slot 0 first.
    pub slots: Vec<Recovery>,
}

/// A deopt point: an id unique within its code blob, the virtual-frame chain (outermost first),
/// and the types of the values the compiled code passes to the exit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeoptPoint {
    id: u32,
    frames: Vec<VirtualFrame>,
    exit_types: Vec<ValueType>,
    reason: String,
}

/// An invalid deopt point description.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FrameStateError {
    /// Point id 0 is reserved for "no deopt".
    #[error("deopt point id 0 is reserved")]
    ZeroId,
    /// A point needs at least one frame.
    #[error("deopt point {0} has no virtual frame")]
    NoFrames(u32),
    /// An exit-argument index is out of range.
    #[error("deopt point {id}: frame {frame} slot {slot} uses exit arg {index} of {count}")]
    ExitArgOutOfRange {
        /// Point id.
        id: u32,
        /// Frame index (0 = outermost).
        frame: usize,
        /// Slot index.
        slot: usize,
        /// Exit-argument index used.
        index: u32,
        /// Number of exit arguments.
        count: usize,
    },
    /// A constant or stack slot of unknown type.
    #[error("deopt point {id}: frame {frame} slot {slot} has no type")]
    UnknownType {
        /// Point id.
        id: u32,
        /// Frame index.
        frame: usize,
        /// Slot index.
        slot: usize,
    },
    /// Two points with one id in a table.
    #[error("duplicate deopt point id {0}")]
    DuplicateId(u32),
}

impl DeoptPoint {
    /// A point with `frames` outermost first and `exit_types` the types of the exit values.
    /// `reason` is a free-form description used in `tracing` events (e.g. "int guard on r3").
    ///
    /// Errors: see [`FrameStateError`].
    pub fn new(
        id: u32,
        frames: Vec<VirtualFrame>,
        exit_types: Vec<ValueType>,
        reason: impl Into<String>,
    ) -> Result<Self, FrameStateError> {
        if id == 0 {
            return Err(FrameStateError::ZeroId);
        }
        if frames.is_empty() {
            return Err(FrameStateError::NoFrames(id));
        }
        for (fi, f) in frames.iter().enumerate() {
            for (si, r) in f.slots.iter().enumerate() {
                match *r {
                    Recovery::ExitArg(index) if index as usize >= exit_types.len() => {
                        return Err(FrameStateError::ExitArgOutOfRange {
                            id,
                            frame: fi,
                            slot: si,
                            index,
                            count: exit_types.len(),
                        });
                    }
                    Recovery::Constant { ty, .. } | Recovery::StackSlot { ty, .. }
                        if ty == ValueType::Unknown =>
                    {
                        return Err(FrameStateError::UnknownType {
                            id,
                            frame: fi,
                            slot: si,
                        });
                    }
                    _ => {}
                }
            }
        }
        Ok(Self {
            id,
            frames,
            exit_types,
            reason: reason.into(),
        })
    }

    /// The point id (non-zero).
    pub fn id(&self) -> u32 {
        self.id
    }

    /// Virtual frames, outermost first.
    pub fn frames(&self) -> &[VirtualFrame] {
        &self.frames
    }

    /// Types of the exit values, in exit-argument order.
    pub fn exit_types(&self) -> &[ValueType] {
        &self.exit_types
    }

    /// Why this point exists (for events and dumps).
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

/// The deopt points of one code blob, sorted by id (lookup O(log n)).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeoptTable {
    points: Vec<DeoptPoint>,
}

impl DeoptTable {
    /// A table from points in any order.
    ///
    /// Errors: [`FrameStateError::DuplicateId`].
    pub fn new(mut points: Vec<DeoptPoint>) -> Result<Self, FrameStateError> {
        points.sort_by_key(|p| p.id);
        if let Some(w) = points.windows(2).find(|w| w[0].id == w[1].id) {
            return Err(FrameStateError::DuplicateId(w[0].id));
        }
        Ok(Self { points })
    }

    /// The point with id `id`.
    pub fn get(&self, id: u32) -> Option<&DeoptPoint> {
        self.points
            .binary_search_by_key(&id, |p| p.id)
            .ok()
            .map(|i| &self.points[i])
    }

    /// All points by increasing id.
    pub fn points(&self) -> &[DeoptPoint] {
        &self.points
    }
}
