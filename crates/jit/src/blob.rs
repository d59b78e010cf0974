//! Code blobs: installed machine code of one compiled function version, with its metadata.
//!
//! A [`CodeBlob`] is created by [`crate::runtime::JitRuntime::install`]: the bytes of a Cranelift
//! `CompiledCode` copied into code memory, relocated, and kept together with the metadata
//! Cranelift produced for them (relocations, call sites, user stack maps, patchable call sites,
//! trap sites, frame layout, unwind info). All offsets in the metadata are **relative to the
//! blob's start** ([`CodeBlob::start`]), exactly as Cranelift reports them, so an absolute
//! address is `blob.start() + offset`.
//!
//! Lifecycle ([`BlobState`]): `Live → Retired → Freed`. A blob is Live when installed; the client
//! retires it when it is replaced or invalidated; the reclaimer (`reclaim`) frees it at a
//! safepoint once nothing can reach it any more. A freed blob's `Arc<CodeBlob>` may outlive the
//! code (metadata stays readable), but its address range no longer belongs to it.
//!
//! [`BlobTable`] indexes live and retired blobs by start address (a `BTreeMap`), so
//! [`BlobTable::lookup`] maps any code address — typically a return address found while walking
//! a stack — to `(blob, offset)` in O(log n).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

use cranelift_codegen::ir::UserStackMap;
use cranelift_codegen::isa::unwind::UnwindInfo;
use cranelift_codegen::{FinalizedMachReloc, MachBufferFrameLayout, MachTrap};

use crate::code_memory::CodeBlock;
use crate::stub::FuncId;

/// Identifier of an installed code blob. Never reused within one runtime.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CodeId(pub u64);

impl std::fmt::Display for CodeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "code#{}", self.0)
    }
}

/// State of a blob: `Live → Retired → Freed` (never backwards).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum BlobState {
    /// Installed; may be the target of cells and direct calls.
    Live = 0,
    /// Replaced or invalidated; will be freed once unreachable (see `reclaim`).
    Retired = 1,
    /// Its memory was returned to the allocator (and poisoned with `int3` if enabled).
    Freed = 2,
}

/// A call site recorded by Cranelift (`MachBufferFinalized::call_sites`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallSiteInfo {
    /// Offset of the call's return address from the blob start.
    pub ret_addr: u32,
    /// Distance from FP down to SP at the call, when Cranelift knows it.
    pub frame_offset: Option<u32>,
}

/// A patchable call site (`MachBufferFinalized::patchable_call_sites`): the `len` bytes ending
/// at `ret_addr` hold a call that may be NOPed out, re-enabled or retargeted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PatchableCallSite {
    /// Offset from the blob start of the return address, i.e. just past the patchable region.
    pub ret_addr: u32,
    /// Length of the patchable region in bytes (5 on x86-64: `call rel32`).
    pub len: u32,
}

/// A code blob: one installed, relocated version of a compiled function. See the module docs.
pub struct CodeBlob {
    pub(crate) id: CodeId,
    pub(crate) name: String,
    pub(crate) func: Option<FuncId>,
    pub(crate) block: CodeBlock,
    pub(crate) start: usize,
    pub(crate) len: usize,
    pub(crate) state: AtomicU8,
    pub(crate) invalid: AtomicBool,
    /// Relocations as Cranelift reported them (offsets relative to the blob start).
    pub relocs: Vec<FinalizedMachReloc>,
    /// Call sites, sorted by `ret_addr`.
    pub call_sites: Vec<CallSiteInfo>,
    /// User stack maps `(return-address offset, frame size in bytes, map)` as Cranelift emits
    /// them (`MachBufferFinalized::user_stack_maps`): one per non-tail call that has values
    /// declared with `declare_value_needs_stack_map`, sorted by offset.
    pub user_stack_maps: Vec<(u32, u32, UserStackMap)>,
    /// Patchable call sites (`ret_addr` = offset just past the patchable region, `len` its size
    /// in bytes; on x86-64 a 5-byte `call rel32`), sorted by `ret_addr`.
    pub patchable_call_sites: Vec<PatchableCallSite>,
    /// The target's NOP encodings (`MachBufferFinalized::nop_units`), to NOP out a patchable
    /// site: fill its `len` bytes with repetitions of one unit whose length divides `len`.
    pub nop_units: Vec<Vec<u8>>,
    /// Trap sites (offset of the trapping instruction, trap code).
    pub traps: Vec<MachTrap>,
    /// Frame layout (FP offset and stack-slot offsets) when Cranelift provides it.
    pub frame_layout: Option<MachBufferFrameLayout>,
    /// Unwind info (System V CFI on Linux) from `CompiledCode::create_unwind_info`.
    pub unwind_info: Option<UnwindInfo>,
}

impl std::fmt::Debug for CodeBlob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodeBlob")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("func", &self.func)
            .field("start", &format_args!("{:#x}", self.start))
            .field("len", &self.len)
            .field("state", &self.state())
            .finish_non_exhaustive()
    }
}

impl CodeBlob {
    /// The blob's identifier.
    pub fn id(&self) -> CodeId {
        self.id
    }

    /// The name given at install time (for tracing, perf maps and disassembly).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The logical function this blob is a version of, if the client said so at install.
    pub fn func(&self) -> Option<FuncId> {
        self.func
    }

    /// Start address of the code (RX view). The function's entry point: Cranelift functions
    /// start at offset 0.
    pub fn start(&self) -> usize {
        self.start
    }

    /// Entry address (equal to [`CodeBlob::start`]).
    pub fn entry(&self) -> usize {
        self.start
    }

    /// Length of the code in bytes (the allocation may be slightly larger).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the code is empty (never true for installed Cranelift code).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Address range `[start, start + len)` of the code in the RX view.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.start..self.start + self.len
    }

    /// Whether `addr` lies inside this blob's code.
    pub fn contains(&self, addr: usize) -> bool {
        self.range().contains(&addr)
    }

    /// The code-memory block holding the bytes (its offset addresses the RW view too).
    pub fn block(&self) -> CodeBlock {
        self.block
    }

    /// Current lifecycle state.
    pub fn state(&self) -> BlobState {
        match self.state.load(Ordering::Acquire) {
            0 => BlobState::Live,
            1 => BlobState::Retired,
            _ => BlobState::Freed,
        }
    }

    pub(crate) fn set_state(&self, s: BlobState) {
        self.state.store(s as u8, Ordering::Release);
    }

    /// Whether the blob was marked invalid (e.g. an assumption it relies on broke).
    pub fn is_invalid(&self) -> bool {
        self.invalid.load(Ordering::Acquire)
    }

    /// Marks the blob invalid. Compiled code that tests [`CodeBlob::invalid_flag_addr`] after a
    /// call returns sees a non-zero byte from then on. Does not retire the blob by itself.
    pub fn mark_invalid(&self) {
        self.invalid.store(true, Ordering::Release);
    }

    /// Address of the blob's invalid flag (one byte, 0 = valid, 1 = invalid), stable for as
    /// long as the `Arc<CodeBlob>` lives (the runtime keeps it until the blob is freed).
    pub fn invalid_flag_addr(&self) -> usize {
        &self.invalid as *const AtomicBool as usize
    }

    /// The call site whose return address is at `ret_offset`, by binary search.
    pub fn call_site_at(&self, ret_offset: u32) -> Option<&CallSiteInfo> {
        self.call_sites
            .binary_search_by_key(&ret_offset, |c| c.ret_addr)
            .ok()
            .map(|i| &self.call_sites[i])
    }

    /// The user stack map recorded at return-address offset `ret_offset`, by binary search:
    /// `(frame size in bytes, map)`.
    pub fn stack_map_at(&self, ret_offset: u32) -> Option<(u32, &UserStackMap)> {
        self.user_stack_maps
            .binary_search_by_key(&ret_offset, |(o, _, _)| *o)
            .ok()
            .map(|i| (self.user_stack_maps[i].1, &self.user_stack_maps[i].2))
    }

    /// The bytes of the code as currently in memory (read through the RX view).
    ///
    /// # Safety
    /// The blob must not be freed while the slice is used.
    pub unsafe fn code_bytes(&self) -> &[u8] {
        // SAFETY: [start, start+len) is mapped readable while the blob is not freed, which the
        // caller guarantees.
        unsafe { std::slice::from_raw_parts(self.start as *const u8, self.len) }
    }
}

/// Index of installed (live or retired, not freed) blobs by id and by start address.
#[derive(Default)]
pub struct BlobTable {
    by_id: HashMap<CodeId, Arc<CodeBlob>>,
    by_addr: BTreeMap<usize, Arc<CodeBlob>>,
}

impl BlobTable {
    /// Adds a blob.
    pub(crate) fn insert(&mut self, blob: Arc<CodeBlob>) {
        self.by_addr.insert(blob.start, blob.clone());
        self.by_id.insert(blob.id, blob);
    }

    /// Removes a blob (when freed).
    pub(crate) fn remove(&mut self, id: CodeId) -> Option<Arc<CodeBlob>> {
        let b = self.by_id.remove(&id)?;
        self.by_addr.remove(&b.start);
        Some(b)
    }

    /// The blob with id `id`, if installed and not freed.
    pub fn get(&self, id: CodeId) -> Option<&Arc<CodeBlob>> {
        self.by_id.get(&id)
    }

    /// The blob containing `addr` and the offset of `addr` in it. O(log n).
    pub fn lookup(&self, addr: usize) -> Option<(&Arc<CodeBlob>, u32)> {
        let (_, b) = self.by_addr.range(..=addr).next_back()?;
        if b.contains(addr) {
            Some((b, (addr - b.start) as u32))
        } else {
            None
        }
    }

    /// All blobs in address order.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<CodeBlob>> {
        self.by_addr.values()
    }

    /// Number of blobs.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }
}
