//! The deopt-exit convention and the decoder that turns an exit into interpreter frames.
//!
//! # Convention ("exit by return")
//! A function that can deoptimize returns a **status word** (an integer result chosen by the
//! client, usually the first or only return value): `0` means a normal return, any other value
//! `n` means "deoptimized at point `n`" (point ids are non-zero, see [`crate::frame_state`]). It
//! receives a pointer to an **exit buffer** ([`ExitBuffer`], an array of 8-byte words) from its
//! caller, by a client-chosen parameter. At a deopt point the code stores exit value `i` into word
//! `i` (low bytes first: integers of 8..64 bits and f32/f64 stored at their natural width, the
//! rest of the word is ignored) and returns the status; [`emit_deopt_exit`] builds that sequence.
//! The caller (the client's call boundary into compiled code) checks the status and, if non-zero,
//! calls [`DeoptTable::materialize`] with the buffer's words to get the virtual frames, outermost
//! first, and resumes them in its interpreter.
//!
//! We chose a return over a call to a deopt stub because it needs no stack switching, no return
//! address patching and no unwinding through compiled frames: the compiled frame is already gone
//! when the runtime decodes, so only constants, exit values and "unchanged" slots can be used.
//! [`Recovery::StackSlot`] needs the frame alive: the *call exit* form ([`materialize_point`]
//! with a [`LiveFrame`]) serves it, for runtime calls made through
//! [`crate::stackmap::anchored_call_trampoline`] (e.g. lazy deopt after an assumption failed).
//!
//! Invariant: decoding never reads beyond the exit words it is given and never panics on a bad
//! status or buffer; errors are [`DeoptError`] values.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, RwLock};

use cranelift_codegen::ir::{InstBuilder, MemFlagsData, Value, types};
use cranelift_frontend::FunctionBuilder;

use crate::blob::CodeId;
use crate::frame_state::{DeoptPoint, DeoptTable, Recovery};
use crate::stackmap::{LiveFrame, TypedValue, ValueType};

/// A materialized slot value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SlotValue {
    /// The recovered value.
    Value(TypedValue),
    /// The interpreter keeps its current value of this slot ([`Recovery::Unchanged`]).
    Unchanged,
}

/// An interpreter frame rebuilt from a virtual frame.
#[derive(Clone, Debug, PartialEq)]
pub struct MaterializedFrame {
    /// The client's function id.
    pub function: u64,
    /// Where the interpreter resumes.
    pub bytecode_offset: u32,
    /// One value per slot.
    pub slots: Vec<SlotValue>,
}

/// Why an exit could not be decoded.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DeoptError {
    /// The status names no point of this table.
    #[error("status {0} names no deopt point")]
    UnknownPoint(u64),
    /// The exit buffer is shorter than the point's exit values.
    #[error("deopt point {id} needs {needed} exit words, got {got}")]
    ShortExit {
        /// Point id.
        id: u32,
        /// Words needed.
        needed: usize,
        /// Words given.
        got: usize,
    },
    /// A stack-slot recovery without a live frame (exit by return).
    #[error("deopt point {0} recovers a stack slot but the frame is gone")]
    NoFrame(u32),
    /// A value of a type that does not fit an exit word, or of unknown type.
    #[error("deopt point {0}: value type cannot be recovered")]
    BadType(u32),
    /// Reading the frame failed.
    #[error("deopt point {id}: {source}")]
    Frame {
        /// Point id.
        id: u32,
        /// The frame error.
        source: crate::stackmap::StackMapError,
    },
}

/// Decode a status word: `None` for a normal return (0), else the point id it names (a status
/// that fits no `u32` id is reported as [`DeoptError::UnknownPoint`] by
/// [`DeoptTable::materialize`]).
pub fn decode_status(status: u64) -> Option<u64> {
    (status != 0).then_some(status)
}

/// An exit buffer: `capacity` 8-byte words the compiled code writes exit values into.
#[derive(Debug, Clone)]
pub struct ExitBuffer {
    words: Box<[u64]>,
}

impl ExitBuffer {
    /// A zeroed buffer of `capacity` words (the largest `exit_types().len()` of the code it
    /// serves).
    pub fn new(capacity: usize) -> Self {
        Self {
            words: vec![0; capacity].into_boxed_slice(),
        }
    }

    /// The pointer to pass to compiled code (valid while `self` lives and is not moved out of).
    pub fn as_mut_ptr(&mut self) -> *mut u64 {
        self.words.as_mut_ptr()
    }

    /// The words.
    pub fn words(&self) -> &[u64] {
        &self.words
    }
}

/// Emit the exit sequence at a deopt point: store `values` into the exit buffer at `exit_buffer`
/// (word `i` at byte offset `8 * i`) and return the status value (`iconst.i64 point_id`), which
/// the caller of this helper returns (with whatever other results its signature has).
///
/// The types of `values` must match the point's `exit_types` (the decoder trusts the table).
pub fn emit_deopt_exit(
    b: &mut FunctionBuilder<'_>,
    exit_buffer: Value,
    point_id: u32,
    values: &[Value],
) -> Value {
    for (i, &v) in values.iter().enumerate() {
        let off = i32::try_from(i * 8).expect("fewer than 2^28 exit values");
        b.ins().store(MemFlagsData::trusted(), v, exit_buffer, off);
    }
    b.ins().iconst(types::I64, i64::from(point_id))
}

fn exit_value(id: u32, ty: ValueType, word: u64) -> Result<TypedValue, DeoptError> {
    if ty.size() == 0 || ty.size() > 8 {
        return Err(DeoptError::BadType(id));
    }
    TypedValue::from_bits(ty, u128::from(word)).ok_or(DeoptError::BadType(id))
}

/// Materialize `point` from its exit words and, for the call-exit form, the live frame.
///
/// Errors: [`DeoptError::ShortExit`], [`DeoptError::NoFrame`] (stack slot, no frame),
/// [`DeoptError::BadType`], [`DeoptError::Frame`].
pub fn materialize_point(
    point: &DeoptPoint,
    exit_words: &[u64],
    frame: Option<&LiveFrame<'_>>,
) -> Result<Vec<MaterializedFrame>, DeoptError> {
    let id = point.id();
    let n = point.exit_types().len();
    if exit_words.len() < n {
        return Err(DeoptError::ShortExit {
            id,
            needed: n,
            got: exit_words.len(),
        });
    }
    let mut out = Vec::with_capacity(point.frames().len());
    for vf in point.frames() {
        let mut slots = Vec::with_capacity(vf.slots.len());
        for r in &vf.slots {
            slots.push(match *r {
                Recovery::Unchanged => SlotValue::Unchanged,
                Recovery::Constant { bits, ty } => SlotValue::Value(exit_value(id, ty, bits)?),
                Recovery::ExitArg(i) => {
                    let i = i as usize;
                    SlotValue::Value(exit_value(id, point.exit_types()[i], exit_words[i])?)
                }
                Recovery::StackSlot { offset, ty } => {
                    let f = frame.ok_or(DeoptError::NoFrame(id))?;
                    SlotValue::Value(
                        read_frame_slot(f, offset, ty)
                            .map_err(|source| DeoptError::Frame { id, source })?,
                    )
                }
            });
        }
        out.push(MaterializedFrame {
            function: vf.function,
            bytecode_offset: vf.bytecode_offset,
            slots,
        });
    }
    crate::stats::global()
        .deopts
        .fetch_add(1, Ordering::Relaxed);
    tracing::debug!(
        target: "moonlift_jit::deopt",
        point = id,
        reason = point.reason(),
        frames = out.len(),
        "deopt"
    );
    Ok(out)
}

fn read_frame_slot(
    frame: &LiveFrame<'_>,
    offset: i32,
    ty: ValueType,
) -> Result<TypedValue, crate::stackmap::StackMapError> {
    use crate::stackmap::{DWARF_RSP, LiveValue, Location, StackMapRecord};
    let rec = StackMapRecord {
        id: 0,
        return_offset: 0,
        frame_size: frame.record().frame_size,
        flags: 0,
        values: vec![LiveValue {
            ty,
            size: ty.size(),
            location: Location::Indirect {
                reg: DWARF_RSP,
                offset,
            },
        }],
        live_outs: Vec::new(),
    };
    // SAFETY: `frame` is a live frame by its own contract; the slot is inside it because the
    // compiler that produced the deopt point said so (the same trust as a stackmap record).
    let f = unsafe { LiveFrame::new(&rec, frame.sp(), frame.fp()) };
    f.read(0)
}

impl DeoptTable {
    /// Decode an exit by return: `status` from the compiled code and the exit buffer's words.
    /// `Ok(None)` for a normal return.
    ///
    /// Errors: [`DeoptError::UnknownPoint`] and those of [`materialize_point`] (a point with
    /// stack-slot recoveries gives [`DeoptError::NoFrame`] here).
    pub fn materialize(
        &self,
        status: u64,
        exit_words: &[u64],
    ) -> Result<Option<Vec<MaterializedFrame>>, DeoptError> {
        let Some(id) = decode_status(status) else {
            return Ok(None);
        };
        let point = u32::try_from(id)
            .ok()
            .and_then(|id| self.get(id))
            .ok_or(DeoptError::UnknownPoint(id))?;
        materialize_point(point, exit_words, None).map(Some)
    }
}

/// Deopt tables attached to code blobs: the runtime-side index from a blob to its deopt points.
/// Thread-safe; attach when installing, detach when the blob is freed.
#[derive(Default)]
pub struct DeoptTables {
    by_blob: RwLock<HashMap<CodeId, Arc<DeoptTable>>>,
}

impl std::fmt::Debug for DeoptTables {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.by_blob.read().unwrap_or_else(|e| e.into_inner()).len();
        f.debug_struct("DeoptTables").field("blobs", &n).finish()
    }
}

impl DeoptTables {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Attach `table` to blob `code` (replacing any previous one).
    pub fn attach(&self, code: CodeId, table: DeoptTable) -> Arc<DeoptTable> {
        let t = Arc::new(table);
        self.by_blob
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(code, Arc::clone(&t));
        t
    }

    /// Detach blob `code`'s table (when the blob is freed).
    pub fn detach(&self, code: CodeId) -> Option<Arc<DeoptTable>> {
        self.by_blob
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&code)
    }

    /// Blob `code`'s table.
    pub fn get(&self, code: CodeId) -> Option<Arc<DeoptTable>> {
        self.by_blob
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&code)
            .cloned()
    }

    /// Decode an exit by return from blob `code` (see [`DeoptTable::materialize`]).
    ///
    /// Errors: [`DeoptError::UnknownPoint`] if the blob has no table or no such point.
    pub fn materialize(
        &self,
        code: CodeId,
        status: u64,
        exit_words: &[u64],
    ) -> Result<Option<Vec<MaterializedFrame>>, DeoptError> {
        if status == 0 {
            return Ok(None);
        }
        self.get(code)
            .ok_or(DeoptError::UnknownPoint(status))?
            .materialize(status, exit_words)
    }
}
