//! Stackmaps: where the recorded live values of a compiled frame are at each call site.
//!
//! A *stackmap record* describes one safepoint (a call site, keyed by its return address):
//! its id, the code offset of the return address, the frame size (bytes from SP to FP while the
//! call is in progress) and the location of each recorded live value. This is the model of LLVM's
//! `llvm.experimental.stackmap` / `patchpoint` records (LLVM "Stack maps and patch points",
//! StackMaps v3), built here from what Cranelift 0.135 emits:
//!
//! * **User stack maps** (`FunctionBuilder::declare_value_needs_stack_map`): cranelift-frontend
//!   spills each declared value that is live across a call into a stack slot before the call and
//!   *reloads it after* the call, and `MachBufferFinalized::user_stack_maps()` lists
//!   `(return-address offset, span, UserStackMap)` whose entries are `(type, SP offset)`.
//!   Cranelift yields them grouped by type, then by ascending SP offset — not in declaration
//!   order — so they are unambiguous only when a client records one value per type or does not
//!   need names (a GC root scan).
//! * **Tagged call sites** ([`tag_call_site`]): a call carrying the Moonlift debug-tag protocol
//!   `[User(TAG_MAGIC), User(id_lo), User(id_hi), (User(type), StackSlot(ss))*]`. The id is the
//!   client's 64-bit id and the values are the listed stack slots *in declaration order*, each
//!   located through `MachBufferFrameLayout::stackslots[ss].offset` (bytes from SP at the call).
//!   Patchpoints ([`crate::patchpoint`]) use this form.
//!
//! Invariants kept by [`FunctionStackMaps`]: records are sorted by strictly increasing return
//! offset (one record per call site; Cranelift pushes user stack maps in that order too), so
//! lookup by return address is a binary search; every stack location is `Indirect [RSP + off]`
//! with `off >= 0` relative to the SP *at the call* (after argument setup, before the `call`
//! pushes the return address).
//!
//! # Finding the SP of a frame stopped at a call (x86-64)
//! Code compiled with `preserve_frame_pointers=true` keeps the System V frame record:
//! `[fp] = caller's fp`, `[fp + 8] = return address`. If a callee (or the
//! [`anchored_call_trampoline`]) built a frame record at `fp`, then the `call` pushed the return
//! address at `caller_sp - 8` and the callee pushed the caller's fp at `caller_sp - 16 = fp`, so
//! **`caller_sp = callee_fp + 16`**. Cranelift also records the span (`frame_size`) with
//! `caller_fp - caller_sp = frame_size`, so **`caller_sp = [callee_fp] - frame_size`** too; the
//! test `tests/stackmap.rs` checks that both derivations agree on real frames.
//!
//! # Binary format (version 3 layout, Moonlift extension 1)
//! All integers little-endian; the layout is LLVM StackMaps v3 (`llvm/docs/StackMaps.rst`), with
//! Moonlift data only in fields LLVM marks reserved, so an LLVM v3 reader can parse it:
//! ```text
//! Header   { u8 version = 3; u8 ext_version = 1 (LLVM: reserved); u16 reserved = 0 }
//! u32 NumFunctions; u32 NumConstants; u32 NumRecords
//! StkSizeRecord[NumFunctions] { u64 function address; u64 stack size; u64 record count }
//! u64 Constants[NumConstants]
//! StkMapRecord[NumRecords] {
//!   u64 id; u32 instruction offset (of the return address, from function start);
//!   u16 flags (LLVM: reserved; bit 0 = patchable call, bits 8..16 = patchable length in bytes);
//!   u16 NumLocations;
//!   Location[NumLocations] {
//!     u8 kind (1 Register, 2 Direct, 3 Indirect, 4 Constant, 5 ConstantIndex);
//!     u8 value type (LLVM: reserved; see [`ValueType`] codes); u16 size in bytes;
//!     u16 DWARF register number; u16 reserved = 0; i32 offset or small constant }
//!   u32 padding to 8 bytes, if needed; u16 padding = 0; u16 NumLiveOuts;
//!   LiveOuts[NumLiveOuts] { u16 DWARF register; u8 reserved = 0; u8 size in bytes }
//!   u32 padding to 8 bytes, if needed }
//! ```
//! The records of function `i` follow those of function `i - 1`. A function whose records have
//! different frame sizes is written as consecutive function entries with the same address (one
//! per run of equal frame sizes), so a parse gives back exactly what was written.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock, Weak};

use cranelift_codegen::ir::{self, DebugTag, Function, Inst, StackSlot};
use cranelift_codegen::{Final, MachBufferFinalized, MachDebugTagPos};

/// DWARF register number of `rsp` on x86-64 (System V psABI, figure 3.36).
pub const DWARF_RSP: u16 = 7;
/// DWARF register number of `rbp` on x86-64 (System V psABI, figure 3.36).
pub const DWARF_RBP: u16 = 6;

/// Version byte written in the header: the LLVM StackMaps layout version we follow.
pub const FORMAT_VERSION: u8 = 3;
/// Moonlift extension version, written in the header byte LLVM reserves.
pub const EXTENSION_VERSION: u8 = 1;

/// First user tag of the Moonlift debug-tag protocol on a call (ASCII "MLSM").
pub const TAG_MAGIC: u32 = 0x4D4C_534D;

/// Record flag: the call site is a Cranelift patchable call (see [`crate::patchpoint`]).
pub const FLAG_PATCHABLE: u16 = 1;

/// The machine type of a recorded value. The `u8` codes are the ones written in the binary
/// format and in the debug-tag protocol; they are stable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ValueType {
    /// Unknown or not expressible (only the size is meaningful).
    Unknown = 0,
    /// 8-bit integer.
    I8 = 1,
    /// 16-bit integer.
    I16 = 2,
    /// 32-bit integer.
    I32 = 3,
    /// 64-bit integer (also pointers on 64-bit targets).
    I64 = 4,
    /// IEEE 754 binary32.
    F32 = 5,
    /// IEEE 754 binary64.
    F64 = 6,
    /// 128-bit integer (read and written as two 64-bit halves).
    I128 = 7,
}

impl ValueType {
    /// The type for a Cranelift scalar type; `None` for vectors and other types.
    pub fn from_clif(ty: ir::Type) -> Option<Self> {
        Some(match ty {
            ir::types::I8 => Self::I8,
            ir::types::I16 => Self::I16,
            ir::types::I32 => Self::I32,
            ir::types::I64 => Self::I64,
            ir::types::F32 => Self::F32,
            ir::types::F64 => Self::F64,
            ir::types::I128 => Self::I128,
            _ => return None,
        })
    }

    /// The Cranelift type, `None` for [`ValueType::Unknown`].
    pub fn to_clif(self) -> Option<ir::Type> {
        Some(match self {
            Self::Unknown => return None,
            Self::I8 => ir::types::I8,
            Self::I16 => ir::types::I16,
            Self::I32 => ir::types::I32,
            Self::I64 => ir::types::I64,
            Self::F32 => ir::types::F32,
            Self::F64 => ir::types::F64,
            Self::I128 => ir::types::I128,
        })
    }

    /// The type for a format code; `None` if the code is not defined.
    pub fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            0 => Self::Unknown,
            1 => Self::I8,
            2 => Self::I16,
            3 => Self::I32,
            4 => Self::I64,
            5 => Self::F32,
            6 => Self::F64,
            7 => Self::I128,
            _ => return None,
        })
    }

    /// Size in bytes (0 for [`ValueType::Unknown`]).
    pub fn size(self) -> u16 {
        match self {
            Self::Unknown => 0,
            Self::I8 => 1,
            Self::I16 => 2,
            Self::I32 | Self::F32 => 4,
            Self::I64 | Self::F64 => 8,
            Self::I128 => 16,
        }
    }
}

/// A typed machine value read from (or written to) a frame.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum TypedValue {
    /// 8-bit integer.
    I8(i8),
    /// 16-bit integer.
    I16(i16),
    /// 32-bit integer.
    I32(i32),
    /// 64-bit integer.
    I64(i64),
    /// binary32 float.
    F32(f32),
    /// binary64 float.
    F64(f64),
    /// 128-bit integer.
    I128(i128),
}

impl TypedValue {
    /// The value's type.
    pub fn ty(&self) -> ValueType {
        match self {
            Self::I8(_) => ValueType::I8,
            Self::I16(_) => ValueType::I16,
            Self::I32(_) => ValueType::I32,
            Self::I64(_) => ValueType::I64,
            Self::F32(_) => ValueType::F32,
            Self::F64(_) => ValueType::F64,
            Self::I128(_) => ValueType::I128,
        }
    }

    /// Build a value of type `ty` from raw bits (the low `ty.size()` bytes of `bits`; floats are
    /// their IEEE bit patterns). `None` for [`ValueType::Unknown`].
    pub fn from_bits(ty: ValueType, bits: u128) -> Option<Self> {
        Some(match ty {
            ValueType::Unknown => return None,
            ValueType::I8 => Self::I8(bits as u8 as i8),
            ValueType::I16 => Self::I16(bits as u16 as i16),
            ValueType::I32 => Self::I32(bits as u32 as i32),
            ValueType::I64 => Self::I64(bits as u64 as i64),
            ValueType::F32 => Self::F32(f32::from_bits(bits as u32)),
            ValueType::F64 => Self::F64(f64::from_bits(bits as u64)),
            ValueType::I128 => Self::I128(bits as i128),
        })
    }

    /// The raw bits, zero-extended (floats as IEEE bit patterns).
    pub fn to_bits(&self) -> u128 {
        match *self {
            Self::I8(v) => u128::from(v as u8),
            Self::I16(v) => u128::from(v as u16),
            Self::I32(v) => u128::from(v as u32),
            Self::I64(v) => u128::from(v as u64),
            Self::F32(v) => u128::from(v.to_bits()),
            Self::F64(v) => u128::from(v.to_bits()),
            Self::I128(v) => v as u128,
        }
    }
}

/// Where a recorded value lives (LLVM StackMaps v3 location kinds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Location {
    /// The value is in a register (DWARF number). Cranelift never produces this (recorded values
    /// are spilled around calls); reading it from a frame is [`StackMapError::RegisterLocation`].
    Register {
        /// DWARF register number.
        reg: u16,
    },
    /// The value is the address `reg + offset` (e.g. the address of a stack object).
    Direct {
        /// DWARF register number (here always [`DWARF_RSP`]).
        reg: u16,
        /// Byte offset.
        offset: i32,
    },
    /// The value is in memory at `[reg + offset]`; every Cranelift-produced location.
    Indirect {
        /// DWARF register number (here always [`DWARF_RSP`]: SP at the call).
        reg: u16,
        /// Byte offset.
        offset: i32,
    },
    /// A constant that fits in 32 bits (sign-extended).
    Constant(i32),
    /// A 64-bit constant, written through the constant pool (`ConstantIndex`).
    LargeConstant(u64),
}

impl Location {
    fn kind_code(&self) -> u8 {
        match self {
            Self::Register { .. } => 1,
            Self::Direct { .. } => 2,
            Self::Indirect { .. } => 3,
            Self::Constant(_) => 4,
            Self::LargeConstant(_) => 5,
        }
    }
}

/// One recorded value: its type, size in bytes and location.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LiveValue {
    /// Machine type.
    pub ty: ValueType,
    /// Size in bytes (equal to `ty.size()` unless the type is unknown).
    pub size: u16,
    /// Where the value is while the call is in progress.
    pub location: Location,
}

/// A register live across the call (LLVM "live-out"); Cranelift produces none, kept for the
/// format's sake.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LiveOut {
    /// DWARF register number.
    pub reg: u16,
    /// Size in bytes.
    pub size: u8,
}

/// A stackmap record: one safepoint (call site) of a function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StackMapRecord {
    /// Client id (from the tag protocol), or the record's index in its function when untagged.
    pub id: u64,
    /// Offset of the call's return address from the function start, in bytes.
    pub return_offset: u32,
    /// Bytes from SP at the call to the frame pointer (Cranelift's "span", `sp_to_fp`).
    pub frame_size: u32,
    /// Flags: [`FLAG_PATCHABLE`] | `patch_len << 8`.
    pub flags: u16,
    /// Recorded values, in order (see the module docs for the order of each source).
    pub values: Vec<LiveValue>,
    /// Live-out registers.
    pub live_outs: Vec<LiveOut>,
}

impl StackMapRecord {
    /// True if the call site is a patchable call.
    pub fn is_patchable(&self) -> bool {
        self.flags & FLAG_PATCHABLE != 0
    }

    /// Length of the patchable region in bytes (0 if not patchable).
    pub fn patch_len(&self) -> u8 {
        (self.flags >> 8) as u8
    }
}

/// The stackmap records of one compiled function.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FunctionStackMaps {
    /// Address of the function's first byte once installed (0 before installation).
    pub address: u64,
    /// Records sorted by strictly increasing `return_offset`.
    pub records: Vec<StackMapRecord>,
}

/// Errors of stackmap construction, frame access and parsing.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StackMapError {
    /// The value is in a register, which a frame walk cannot recover.
    #[error("value {index} is in register {reg}, which a frame walk cannot read")]
    RegisterLocation {
        /// Index of the value in its record.
        index: usize,
        /// DWARF register number.
        reg: u16,
    },
    /// The value index is beyond the record's values.
    #[error("value index {index} out of range ({len} values)")]
    NoSuchValue {
        /// Requested index.
        index: usize,
        /// Number of values.
        len: usize,
    },
    /// The location cannot be written (constant or computed address).
    #[error("value {index} is not in memory and cannot be written")]
    NotWritable {
        /// Index of the value.
        index: usize,
    },
    /// The value's type is unknown, or the written value's type differs from the record's.
    #[error("type mismatch for value {index}: recorded {recorded:?}, got {given:?}")]
    TypeMismatch {
        /// Index of the value.
        index: usize,
        /// Type in the record.
        recorded: ValueType,
        /// Type given.
        given: ValueType,
    },
    /// A stack location uses a base register other than RSP/RBP.
    #[error("unsupported base register {reg} for value {index}")]
    UnsupportedBase {
        /// Index of the value.
        index: usize,
        /// DWARF register number.
        reg: u16,
    },
    /// A tagged call site has a malformed tag list or a type Cranelift cannot give.
    #[error("malformed stackmap tags at offset {offset:#x}: {reason}")]
    BadTags {
        /// Return-address offset of the call.
        offset: u32,
        /// What is wrong.
        reason: &'static str,
    },
    /// Two records at one return address with different ids.
    #[error("conflicting records at return offset {offset:#x}")]
    Conflict {
        /// Return-address offset.
        offset: u32,
    },
    /// The serialized data ends early.
    #[error("stackmap section truncated at byte {at}")]
    Truncated {
        /// Byte offset where more data was expected.
        at: usize,
    },
    /// Unsupported header version.
    #[error("unsupported stackmap version {version} (extension {ext})")]
    BadVersion {
        /// Version byte.
        version: u8,
        /// Extension byte.
        ext: u8,
    },
    /// A field holds a value the format does not define.
    #[error("invalid field at byte {at}: {reason}")]
    Invalid {
        /// Byte offset of the field.
        at: usize,
        /// What is wrong.
        reason: &'static str,
    },
}

/// Attach the Moonlift stackmap tag protocol to call `inst`: the record at this call's return
/// address gets id `id` and records `slots` (explicit sized stack slots with their value types) in
/// this order. The client must store the values into the slots before the call (and may reload
/// them after it to observe runtime writes). Overwrites the call's existing debug tags.
///
/// Errors: none here; Cranelift's verifier rejects tags on non-call instructions.
pub fn tag_call_site(func: &mut Function, inst: Inst, id: u64, slots: &[(StackSlot, ValueType)]) {
    let mut tags = Vec::with_capacity(3 + 2 * slots.len());
    tags.push(DebugTag::User(TAG_MAGIC));
    tags.push(DebugTag::User(id as u32));
    tags.push(DebugTag::User((id >> 32) as u32));
    for &(ss, ty) in slots {
        tags.push(DebugTag::User(u32::from(ty as u8)));
        tags.push(DebugTag::StackSlot(ss));
    }
    func.debug_tags.set(inst, tags);
}

struct Tagged {
    id: u64,
    values: Vec<LiveValue>,
}

fn parse_tags(
    offset: u32,
    tags: &[DebugTag],
    buffer: &MachBufferFinalized<Final>,
) -> Result<Option<Tagged>, StackMapError> {
    let bad = |reason| StackMapError::BadTags { offset, reason };
    match tags {
        [
            DebugTag::User(TAG_MAGIC),
            DebugTag::User(lo),
            DebugTag::User(hi),
            rest @ ..,
        ] => {
            let id = u64::from(*lo) | (u64::from(*hi) << 32);
            if rest.len() % 2 != 0 {
                return Err(bad("slot tags must come in (type, slot) pairs"));
            }
            let layout = buffer
                .frame_layout()
                .ok_or(bad("compiled code has no frame layout"))?;
            let mut values = Vec::with_capacity(rest.len() / 2);
            for pair in rest.chunks(2) {
                let (DebugTag::User(code), DebugTag::StackSlot(ss)) = (&pair[0], &pair[1]) else {
                    return Err(bad("expected (User(type), StackSlot) pair"));
                };
                let ty = u8::try_from(*code)
                    .ok()
                    .and_then(ValueType::from_code)
                    .ok_or(bad("unknown value type code"))?;
                let off = i32::try_from(layout.stackslots[*ss].offset)
                    .map_err(|_| bad("stack slot offset exceeds i32"))?;
                values.push(LiveValue {
                    ty,
                    size: ty.size(),
                    location: Location::Indirect {
                        reg: DWARF_RSP,
                        offset: off,
                    },
                });
            }
            Ok(Some(Tagged { id, values }))
        }
        _ => Ok(None),
    }
}

impl FunctionStackMaps {
    /// Build the records of a compiled function (`ctx.compiled_code().unwrap().buffer`): one per
    /// user stack map, per tagged call ([`tag_call_site`]) and per patchable call site, merged by
    /// return offset (tagged values first, then user-stack-map values). `address` is 0.
    ///
    /// Errors: [`StackMapError::BadTags`] for a malformed tag list, and
    /// [`StackMapError::BadTags`] if a user stack map holds a type [`ValueType`] cannot express.
    pub fn from_compiled(buffer: &MachBufferFinalized<Final>) -> Result<Self, StackMapError> {
        let span = buffer
            .frame_layout()
            .map(|l| l.frame_to_fp_offset)
            .unwrap_or(0);
        let mut by_offset: BTreeMap<u32, StackMapRecord> = BTreeMap::new();
        let mut tagged_offsets = std::collections::BTreeSet::new();
        let empty = |return_offset: u32, frame_size: u32| StackMapRecord {
            id: 0,
            return_offset,
            frame_size,
            flags: 0,
            values: Vec::new(),
            live_outs: Vec::new(),
        };
        for tags in buffer.debug_tags() {
            if tags.pos != MachDebugTagPos::Post {
                continue;
            }
            if let Some(tagged) = parse_tags(tags.offset, tags.tags, buffer)? {
                let rec = by_offset
                    .entry(tags.offset)
                    .or_insert_with(|| empty(tags.offset, span));
                rec.id = tagged.id;
                rec.values.extend(tagged.values);
                tagged_offsets.insert(tags.offset);
            }
        }
        for (ret, map_span, map) in buffer.user_stack_maps() {
            let rec = by_offset
                .entry(*ret)
                .or_insert_with(|| empty(*ret, *map_span));
            rec.frame_size = *map_span;
            for (ty, off) in map.entries() {
                let vt = ValueType::from_clif(ty).ok_or(StackMapError::BadTags {
                    offset: *ret,
                    reason: "user stack map entry of a non-scalar type",
                })?;
                let offset = i32::try_from(off).map_err(|_| StackMapError::BadTags {
                    offset: *ret,
                    reason: "SP offset exceeds i32",
                })?;
                rec.values.push(LiveValue {
                    ty: vt,
                    size: vt.size(),
                    location: Location::Indirect {
                        reg: DWARF_RSP,
                        offset,
                    },
                });
            }
        }
        for site in buffer.patchable_call_sites() {
            let rec = by_offset
                .entry(site.ret_addr)
                .or_insert_with(|| empty(site.ret_addr, span));
            let len = u16::try_from(site.len.min(255)).unwrap_or(255);
            rec.flags |= FLAG_PATCHABLE | (len << 8);
        }
        let mut records: Vec<StackMapRecord> = by_offset.into_values().collect();
        for (i, rec) in records.iter_mut().enumerate() {
            if !tagged_offsets.contains(&rec.return_offset) {
                rec.id = i as u64;
            }
        }
        Ok(Self {
            address: 0,
            records,
        })
    }

    /// The record whose return address is `return_offset` bytes from the function start.
    /// O(log n) (binary search).
    pub fn lookup_offset(&self, return_offset: u32) -> Option<&StackMapRecord> {
        self.records
            .binary_search_by_key(&return_offset, |r| r.return_offset)
            .ok()
            .map(|i| &self.records[i])
    }

    /// The first record with client id `id` (linear; ids are not indexed).
    pub fn by_id(&self, id: u64) -> Option<&StackMapRecord> {
        self.records.iter().find(|r| r.id == id)
    }
}

/// A set of functions' stackmaps: the unit of serialization.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StackMapSection {
    /// Functions in order.
    pub functions: Vec<FunctionStackMaps>,
}

impl StackMapSection {
    /// Serialize in the format described in the module docs.
    pub fn serialize(&self) -> Vec<u8> {
        // Constant pool: every LargeConstant, deduplicated, in first-seen order.
        let mut constants: Vec<u64> = Vec::new();
        let mut const_index: BTreeMap<u64, u32> = BTreeMap::new();
        // Function entries: runs of equal frame size.
        let mut fn_entries: Vec<(u64, u64, u64)> = Vec::new();
        let mut nrecords = 0u32;
        for f in &self.functions {
            let mut run: Option<(u32, u64)> = None;
            for r in &f.records {
                nrecords += 1;
                for v in &r.values {
                    if let Location::LargeConstant(c) = v.location {
                        const_index.entry(c).or_insert_with(|| {
                            constants.push(c);
                            (constants.len() - 1) as u32
                        });
                    }
                }
                match &mut run {
                    Some((size, count)) if *size == r.frame_size => *count += 1,
                    _ => {
                        if let Some((size, count)) = run {
                            fn_entries.push((f.address, u64::from(size), count));
                        }
                        run = Some((r.frame_size, 1));
                    }
                }
            }
            match run {
                Some((size, count)) => fn_entries.push((f.address, u64::from(size), count)),
                // A function without records still gets an entry (LLVM writes one too).
                None => fn_entries.push((f.address, 0, 0)),
            }
        }
        let mut out = Vec::new();
        out.push(FORMAT_VERSION);
        out.push(EXTENSION_VERSION);
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(&(fn_entries.len() as u32).to_le_bytes());
        out.extend_from_slice(&(constants.len() as u32).to_le_bytes());
        out.extend_from_slice(&nrecords.to_le_bytes());
        for (addr, size, count) in &fn_entries {
            out.extend_from_slice(&addr.to_le_bytes());
            out.extend_from_slice(&size.to_le_bytes());
            out.extend_from_slice(&count.to_le_bytes());
        }
        for c in &constants {
            out.extend_from_slice(&c.to_le_bytes());
        }
        for f in &self.functions {
            for r in &f.records {
                out.extend_from_slice(&r.id.to_le_bytes());
                out.extend_from_slice(&r.return_offset.to_le_bytes());
                out.extend_from_slice(&r.flags.to_le_bytes());
                out.extend_from_slice(&(r.values.len() as u16).to_le_bytes());
                for v in &r.values {
                    let (reg, off) = match v.location {
                        Location::Register { reg } => (reg, 0),
                        Location::Direct { reg, offset } | Location::Indirect { reg, offset } => {
                            (reg, offset)
                        }
                        Location::Constant(c) => (0, c),
                        Location::LargeConstant(c) => (0, const_index[&c] as i32),
                    };
                    out.push(v.location.kind_code());
                    out.push(v.ty as u8);
                    out.extend_from_slice(&v.size.to_le_bytes());
                    out.extend_from_slice(&reg.to_le_bytes());
                    out.extend_from_slice(&0u16.to_le_bytes());
                    out.extend_from_slice(&off.to_le_bytes());
                }
                pad8(&mut out);
                out.extend_from_slice(&0u16.to_le_bytes());
                out.extend_from_slice(&(r.live_outs.len() as u16).to_le_bytes());
                for l in &r.live_outs {
                    out.extend_from_slice(&l.reg.to_le_bytes());
                    out.push(0);
                    out.push(l.size);
                }
                pad8(&mut out);
            }
        }
        out
    }

    /// Parse a section written by [`StackMapSection::serialize`] (or any LLVM v3 section whose
    /// reserved bytes are zero, as extension 0). Consecutive function entries with the same
    /// address are merged into one function.
    ///
    /// Errors: [`StackMapError::Truncated`], [`StackMapError::BadVersion`],
    /// [`StackMapError::Invalid`] (unknown location kind or type, constant index out of range,
    /// record counts that do not add up). Never panics on any input.
    pub fn parse(bytes: &[u8]) -> Result<Self, StackMapError> {
        let mut r = Reader { bytes, at: 0 };
        let version = r.u8()?;
        let ext = r.u8()?;
        if version != FORMAT_VERSION || ext > EXTENSION_VERSION {
            return Err(StackMapError::BadVersion { version, ext });
        }
        r.u16()?;
        let nfuncs = r.u32()? as usize;
        let nconsts = r.u32()? as usize;
        let nrecords = r.u32()? as usize;
        // Each entry needs at least 8 bytes: reject absurd counts before allocating.
        if nfuncs.saturating_add(nconsts).saturating_add(nrecords) > bytes.len() / 8 + 1 {
            return Err(StackMapError::Truncated { at: bytes.len() });
        }
        let mut fn_entries = Vec::with_capacity(nfuncs);
        for _ in 0..nfuncs {
            fn_entries.push((r.u64()?, r.u64()?, r.u64()?));
        }
        let mut constants = Vec::with_capacity(nconsts);
        for _ in 0..nconsts {
            constants.push(r.u64()?);
        }
        let total: u64 = fn_entries
            .iter()
            .map(|e| e.2)
            .fold(0u64, u64::saturating_add);
        if total != nrecords as u64 {
            return Err(StackMapError::Invalid {
                at: 12,
                reason: "function record counts do not sum to NumRecords",
            });
        }
        let mut functions: Vec<FunctionStackMaps> = Vec::new();
        let mut prev_addr: Option<u64> = None;
        for (addr, size, count) in fn_entries {
            let frame_size = u32::try_from(size).map_err(|_| StackMapError::Invalid {
                at: r.at,
                reason: "stack size exceeds u32",
            })?;
            if prev_addr != Some(addr) || functions.is_empty() || count == 0 {
                functions.push(FunctionStackMaps {
                    address: addr,
                    records: Vec::new(),
                });
            }
            prev_addr = Some(addr);
            let f = functions.last_mut().expect("pushed above");
            for _ in 0..count {
                f.records.push(r.record(frame_size, &constants)?);
            }
        }
        if r.at != bytes.len() {
            return Err(StackMapError::Invalid {
                at: r.at,
                reason: "trailing bytes",
            });
        }
        Ok(Self { functions })
    }
}

fn pad8(out: &mut Vec<u8>) {
    while !out.len().is_multiple_of(8) {
        out.push(0);
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], StackMapError> {
        let end = self
            .at
            .checked_add(N)
            .filter(|&e| e <= self.bytes.len())
            .ok_or(StackMapError::Truncated { at: self.at })?;
        let mut a = [0u8; N];
        a.copy_from_slice(&self.bytes[self.at..end]);
        self.at = end;
        Ok(a)
    }
    fn u8(&mut self) -> Result<u8, StackMapError> {
        Ok(self.take::<1>()?[0])
    }
    fn u16(&mut self) -> Result<u16, StackMapError> {
        Ok(u16::from_le_bytes(self.take()?))
    }
    fn u32(&mut self) -> Result<u32, StackMapError> {
        Ok(u32::from_le_bytes(self.take()?))
    }
    fn i32(&mut self) -> Result<i32, StackMapError> {
        Ok(i32::from_le_bytes(self.take()?))
    }
    fn u64(&mut self) -> Result<u64, StackMapError> {
        Ok(u64::from_le_bytes(self.take()?))
    }
    fn align8(&mut self) -> Result<(), StackMapError> {
        while !self.at.is_multiple_of(8) {
            self.u8()?;
        }
        Ok(())
    }
    fn record(
        &mut self,
        frame_size: u32,
        constants: &[u64],
    ) -> Result<StackMapRecord, StackMapError> {
        let id = self.u64()?;
        let return_offset = self.u32()?;
        let flags = self.u16()?;
        let nloc = self.u16()?;
        let mut values = Vec::with_capacity(usize::from(nloc));
        for _ in 0..nloc {
            let at = self.at;
            let kind = self.u8()?;
            let ty = ValueType::from_code(self.u8()?).ok_or(StackMapError::Invalid {
                at: at + 1,
                reason: "unknown value type code",
            })?;
            let size = self.u16()?;
            let reg = self.u16()?;
            self.u16()?;
            let off = self.i32()?;
            let location = match kind {
                1 => Location::Register { reg },
                2 => Location::Direct { reg, offset: off },
                3 => Location::Indirect { reg, offset: off },
                4 => Location::Constant(off),
                5 => Location::LargeConstant(
                    *usize::try_from(off)
                        .ok()
                        .and_then(|i| constants.get(i))
                        .ok_or(StackMapError::Invalid {
                            at: at + 8,
                            reason: "constant index out of range",
                        })?,
                ),
                _ => {
                    return Err(StackMapError::Invalid {
                        at,
                        reason: "unknown location kind",
                    });
                }
            };
            values.push(LiveValue { ty, size, location });
        }
        self.align8()?;
        self.u16()?;
        let nlive = self.u16()?;
        let mut live_outs = Vec::with_capacity(usize::from(nlive));
        for _ in 0..nlive {
            let reg = self.u16()?;
            self.u8()?;
            let size = self.u8()?;
            live_outs.push(LiveOut { reg, size });
        }
        self.align8()?;
        Ok(StackMapRecord {
            id,
            return_offset,
            frame_size,
            flags,
            values,
            live_outs,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Installed stackmaps, indexed by address.

/// The stackmaps of installed code, indexed by absolute address. Lookup by return address is
/// O(log f + log r) (f functions, r records in the function). Thread-safe: readers share a lock.
///
/// Invariant: registered code ranges do not overlap (the code allocator never hands out one byte
/// twice while it is live). Ranges registered with [`StackMapRegistry::register_blob`] stop
/// matching as soon as their blob is freed (and are pruned at the next registration); ranges
/// registered by address must be [`StackMapRegistry::unregister`]ed before the code is freed.
#[derive(Default)]
pub struct StackMapRegistry {
    by_start: RwLock<BTreeMap<u64, Registered>>,
}

struct Registered {
    len: u64,
    maps: Arc<FunctionStackMaps>,
    blob: Option<Weak<crate::blob::CodeBlob>>,
}

impl Registered {
    fn alive(&self) -> bool {
        self.blob.as_ref().is_none_or(|w| {
            w.upgrade()
                .is_some_and(|b| b.state() != crate::blob::BlobState::Freed)
        })
    }
}

/// A record found by [`StackMapRegistry::lookup`].
#[derive(Clone, Debug)]
pub struct FoundRecord {
    /// The function's stackmaps (address set to its installed start).
    pub function: Arc<FunctionStackMaps>,
    /// Index of the record in `function.records`.
    pub index: usize,
}

impl FoundRecord {
    /// The record.
    pub fn record(&self) -> &StackMapRecord {
        &self.function.records[self.index]
    }
}

impl StackMapRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Register the stackmaps of code installed at `[start, start + len)`; `maps.address` is set
    /// to `start`. Replaces a previous registration at the same start.
    pub fn register(
        &self,
        start: u64,
        len: u64,
        maps: FunctionStackMaps,
    ) -> Arc<FunctionStackMaps> {
        self.insert(start, len, maps, None)
    }

    /// Register the stackmaps of installed `blob` (built from its compiled code with
    /// [`FunctionStackMaps::from_compiled`]). The registration lapses when the blob is freed.
    pub fn register_blob(
        &self,
        blob: &Arc<crate::blob::CodeBlob>,
        maps: FunctionStackMaps,
    ) -> Arc<FunctionStackMaps> {
        self.insert(
            blob.start() as u64,
            blob.len() as u64,
            maps,
            Some(Arc::downgrade(blob)),
        )
    }

    fn insert(
        &self,
        start: u64,
        len: u64,
        mut maps: FunctionStackMaps,
        blob: Option<Weak<crate::blob::CodeBlob>>,
    ) -> Arc<FunctionStackMaps> {
        maps.address = start;
        let maps = Arc::new(maps);
        let mut map = self.by_start.write().unwrap_or_else(|e| e.into_inner());
        map.retain(|_, r| r.alive());
        map.insert(
            start,
            Registered {
                len,
                maps: Arc::clone(&maps),
                blob,
            },
        );
        maps
    }

    /// Forget the code at `start` (before it is freed). Returns whether it was registered.
    pub fn unregister(&self, start: u64) -> bool {
        self.by_start
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&start)
            .is_some()
    }

    /// The record whose call returns to `return_address`, if that address is inside registered
    /// code and a record exists there.
    pub fn lookup(&self, return_address: u64) -> Option<FoundRecord> {
        let map = self.by_start.read().unwrap_or_else(|e| e.into_inner());
        let (start, reg) = map.range(..=return_address).next_back()?;
        // A return address may equal the end of the code only for a call that is the last
        // instruction, which Cranelift never emits; still accept `<=`.
        let off = return_address - start;
        if off > reg.len || !reg.alive() {
            return None;
        }
        let f = &reg.maps;
        let off = u32::try_from(off).ok()?;
        let index = f
            .records
            .binary_search_by_key(&off, |r| r.return_offset)
            .ok()?;
        Some(FoundRecord {
            function: Arc::clone(f),
            index,
        })
    }

    /// Number of registered functions.
    pub fn len(&self) -> usize {
        self.by_start
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .len()
    }

    /// True if nothing is registered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A section holding every registered function, ordered by address.
    pub fn to_section(&self) -> StackMapSection {
        let map = self.by_start.read().unwrap_or_else(|e| e.into_inner());
        StackMapSection {
            functions: map
                .values()
                .filter(|r| r.alive())
                .map(|r| (*r.maps).clone())
                .collect(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Frames.

/// One physical frame of a frame-pointer chain (x86-64 System V frame record).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PhysicalFrame {
    /// This frame's frame pointer: `[fp]` is the caller's fp, `[fp + 8]` the return address.
    pub fp: usize,
    /// The return address into the caller (`[fp + 8]`).
    pub return_address: usize,
    /// The caller's frame pointer (`[fp]`).
    pub caller_fp: usize,
}

impl PhysicalFrame {
    /// The caller's SP at the call instruction: `fp + 16` (see the module docs).
    pub fn caller_sp(&self) -> usize {
        self.fp + 16
    }
}

/// Iterator over a frame-pointer chain, innermost first. Stops at a null, misaligned or
/// non-increasing frame pointer (stacks grow down, so callers' frames are at higher addresses),
/// or after `limit` frames.
pub struct FrameWalker {
    fp: usize,
    limit: usize,
}

impl FrameWalker {
    /// Walk from frame pointer `fp`.
    ///
    /// # Safety
    /// `fp` must be the frame pointer of a live frame of the current thread whose callers up to
    /// the end of the walk all keep frame records (`preserve_frame_pointers=true` for Cranelift
    /// code, frame-pointer-keeping Rust code, or the [`anchored_call_trampoline`]); the walk
    /// reads `[fp]` and `[fp + 8]` of each frame. The walk must be consumed while those frames
    /// are live.
    pub unsafe fn new(fp: *const u8, limit: usize) -> Self {
        Self {
            fp: fp as usize,
            limit,
        }
    }
}

impl Iterator for FrameWalker {
    type Item = PhysicalFrame;
    fn next(&mut self) -> Option<PhysicalFrame> {
        if self.limit == 0 || self.fp == 0 || !self.fp.is_multiple_of(8) {
            return None;
        }
        self.limit -= 1;
        let fp = self.fp;
        // SAFETY: the contract of `FrameWalker::new` says `fp` is a live frame record of this
        // thread: two readable, aligned words.
        let (caller_fp, return_address) = unsafe {
            let p = fp as *const usize;
            (p.read(), p.add(1).read())
        };
        self.fp = if caller_fp > fp { caller_fp } else { 0 };
        Some(PhysicalFrame {
            fp,
            return_address,
            caller_fp,
        })
    }
}

/// A compiled frame stopped at a call, with its stackmap record: read and write its values.
pub struct LiveFrame<'r> {
    record: &'r StackMapRecord,
    sp: usize,
    fp: usize,
}

impl<'r> LiveFrame<'r> {
    /// View the frame whose SP at the call is `sp` and frame pointer is `fp`.
    ///
    /// # Safety
    /// `record` must describe the call at which this frame is stopped, the frame must be live
    /// and must stay live (and not be concurrently accessed by another thread) while the
    /// `LiveFrame` is used.
    pub unsafe fn new(record: &'r StackMapRecord, sp: usize, fp: usize) -> Self {
        Self { record, sp, fp }
    }

    /// View the frame of the caller of `callee`, a physical frame whose return address is the
    /// record's call site. `sp = callee.fp + 16`, `fp = callee.caller_fp`.
    ///
    /// # Safety
    /// As [`LiveFrame::new`]; `record` must be the record for `callee.return_address`.
    pub unsafe fn from_callee(record: &'r StackMapRecord, callee: &PhysicalFrame) -> Self {
        Self {
            record,
            sp: callee.caller_sp(),
            fp: callee.caller_fp,
        }
    }

    /// The record.
    pub fn record(&self) -> &'r StackMapRecord {
        self.record
    }

    /// The SP at the call.
    pub fn sp(&self) -> usize {
        self.sp
    }

    /// The frame pointer.
    pub fn fp(&self) -> usize {
        self.fp
    }

    fn address(&self, index: usize) -> Result<(&LiveValue, Option<usize>), StackMapError> {
        let v = self
            .record
            .values
            .get(index)
            .ok_or(StackMapError::NoSuchValue {
                index,
                len: self.record.values.len(),
            })?;
        let base = |reg| match reg {
            DWARF_RSP => Ok(self.sp),
            DWARF_RBP => Ok(self.fp),
            reg => Err(StackMapError::UnsupportedBase { index, reg }),
        };
        Ok(match v.location {
            Location::Indirect { reg, offset } => {
                (v, Some(base(reg)?.wrapping_add_signed(offset as isize)))
            }
            _ => (v, None),
        })
    }

    /// Read value `index` of the record. `Direct` gives the address, constants their value.
    ///
    /// Errors: [`StackMapError::NoSuchValue`], [`StackMapError::RegisterLocation`],
    /// [`StackMapError::UnsupportedBase`], [`StackMapError::TypeMismatch`] for an unknown type.
    pub fn read(&self, index: usize) -> Result<TypedValue, StackMapError> {
        let (v, addr) = self.address(index)?;
        let unknown = || StackMapError::TypeMismatch {
            index,
            recorded: v.ty,
            given: ValueType::Unknown,
        };
        let bits: u128 = match (v.location, addr) {
            (Location::Indirect { .. }, Some(a)) => {
                // SAFETY: `LiveFrame::new`'s contract: the frame is live and the record describes
                // it, so `[sp + offset]` holds a value of `v.size` bytes inside the frame.
                // Unaligned reads are used because the format does not promise alignment.
                unsafe {
                    match v.ty.size() {
                        1 => u128::from((a as *const u8).read_unaligned()),
                        2 => u128::from((a as *const u16).read_unaligned()),
                        4 => u128::from((a as *const u32).read_unaligned()),
                        8 => u128::from((a as *const u64).read_unaligned()),
                        16 => (a as *const u128).read_unaligned(),
                        _ => return Err(unknown()),
                    }
                }
            }
            (Location::Direct { reg, offset }, _) => {
                let b = match reg {
                    DWARF_RSP => self.sp,
                    DWARF_RBP => self.fp,
                    reg => return Err(StackMapError::UnsupportedBase { index, reg }),
                };
                b.wrapping_add_signed(offset as isize) as u128
            }
            (Location::Constant(c), _) => c as i64 as u64 as u128,
            (Location::LargeConstant(c), _) => u128::from(c),
            (Location::Register { reg }, _) => {
                return Err(StackMapError::RegisterLocation { index, reg });
            }
            (Location::Indirect { .. }, None) => unreachable!("address() computes Indirect"),
        };
        TypedValue::from_bits(v.ty, bits).ok_or_else(unknown)
    }

    /// Write value `index` (must be an `Indirect` location of the same type). The compiled code
    /// sees the new value after the call returns if it reloads the slot (cranelift-frontend
    /// reloads user-stack-map values; patchpoints reload their live values).
    ///
    /// Errors: [`StackMapError::NoSuchValue`], [`StackMapError::NotWritable`],
    /// [`StackMapError::TypeMismatch`], [`StackMapError::UnsupportedBase`].
    pub fn write(&self, index: usize, value: TypedValue) -> Result<(), StackMapError> {
        let (v, addr) = self.address(index)?;
        if v.ty != value.ty() {
            return Err(StackMapError::TypeMismatch {
                index,
                recorded: v.ty,
                given: value.ty(),
            });
        }
        let Some(a) = addr else {
            return Err(StackMapError::NotWritable { index });
        };
        let bits = value.to_bits();
        // SAFETY: as in `read`; the frame is stopped at the call and owned by this thread, so no
        // one else reads or writes the slot meanwhile.
        unsafe {
            match v.ty.size() {
                1 => (a as *mut u8).write_unaligned(bits as u8),
                2 => (a as *mut u16).write_unaligned(bits as u16),
                4 => (a as *mut u32).write_unaligned(bits as u32),
                8 => (a as *mut u64).write_unaligned(bits as u64),
                _ => (a as *mut u128).write_unaligned(bits),
            }
        }
        Ok(())
    }
}

/// Signature of a handler called through [`anchored_call_trampoline`]: `fp` is the trampoline's
/// frame pointer (a frame record whose return address is the call site in the compiled caller),
/// followed by the four arguments the compiled code passed.
pub type AnchoredHandler = unsafe extern "C" fn(fp: *const u8, u64, u64, u64, u64) -> u64;

/// A runtime-call trampoline that gives a Rust handler a frame record for its caller, whatever
/// the Rust code's own frame-pointer settings.
///
/// Compiled code calls it (non-colocated, System V) as `f(a0, a1, a2, a3, handler) -> u64`; it
/// pushes `rbp`, sets `rbp = rsp` (a standard frame record: `[fp]` = compiled caller's fp,
/// `[fp + 8]` = return address into the compiled code) and calls
/// `handler(fp, a0, a1, a2, a3)`, returning its result. So the handler's `fp` gives the stackmap
/// key (`[fp + 8]`) and the compiled frame's SP at the call (`fp + 16`). Stack alignment: the
/// trampoline's push realigns SP to 16 before its call, as the psABI requires.
///
/// The handler must not unwind (an `extern "C"` handler aborts on panic, which is fine).
#[cfg(target_arch = "x86_64")]
#[unsafe(naked)]
pub extern "C" fn anchored_call_trampoline() {
    core::arch::naked_asm!(
        "push rbp",
        "mov rbp, rsp",
        "mov rax, r8",
        "mov r8, rcx",
        "mov rcx, rdx",
        "mov rdx, rsi",
        "mov rsi, rdi",
        "mov rdi, rbp",
        "call rax",
        "pop rbp",
        "ret",
    )
}

/// Address of [`anchored_call_trampoline`], for an `Abs8` relocation or an `iconst`.
#[cfg(target_arch = "x86_64")]
pub fn anchored_call_trampoline_address() -> usize {
    anchored_call_trampoline as *const () as usize
}
