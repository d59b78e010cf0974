//! Patchpoints: call sites the runtime may disable (NOP out), re-enable or retarget after
//! installation, with live values recorded like a stackmap (LLVM `llvm.experimental.patchpoint`;
//! "Stack maps and patch points in LLVM").
//!
//! # Building
//! [`import_patchable`] declares the target as a Cranelift *patchable* function
//! (`ExtFuncData { colocated: true, patchable: true }`); Cranelift 0.135's verifier requires a
//! patchable callee to be colocated, to have **no return values** (a NOPed call would leave them
//! undefined) and not to be used by `return_call`. [`emit_patchpoint`] spills each live value to
//! its own stack slot, emits the call, tags it with the stackmap protocol
//! ([`crate::stackmap::tag_call_site`]: id + slots in declaration order) and reloads the values
//! after the call, so a runtime write through [`crate::stackmap::LiveFrame`] is seen by the code.
//! The `PreserveAll` calling convention fits targets written for it (a call that clobbers no
//! register costs the caller no spills); Rust targets must use System V.
//!
//! # Patching
//! On x86-64 a site is the 5-byte `call rel32` (`E8 rel32`) ending at the record's return
//! address; disabled, it holds Cranelift's `nop_units` encoding (`0F 1F 44 00 00`). A 5-byte
//! write at an unaligned address is not atomic for a thread executing it, so every rewrite goes
//! through [`World::patch_bytes`] (the code memory's RW view) inside a stop-the-world: no
//! registered thread is between fetching and finishing those bytes.
//!
//! Invariants: [`Patchpoints`] knows the bytes each site should hold (enabled with its current
//! target, or disabled) and checks them before every rewrite, refusing with
//! [`PatchpointError::UnexpectedBytes`] rather than corrupting code that something else changed.
//! Resolve patchpoint targets to [`crate::reloc::LinkTarget::Stub`] or
//! [`crate::reloc::LinkTarget::Address`], never to `Function`/`Code`: the latter are linked
//! directly and recorded for relinking, and a relink rewrites the `rel32` field even while the
//! site is disabled. A retarget is not recorded by the reclaimer either, so targets must be
//! stubs, veneers or code the client keeps alive.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use cranelift_codegen::ir::{
    ExtFuncData, ExternalName, FuncRef, Inst, InstBuilder, Signature, StackSlotData, StackSlotKind,
    UserExternalName, Value,
};
use cranelift_frontend::FunctionBuilder;

use crate::blob::CodeBlob;
use crate::runtime::{JitError, JitRuntime, World};
use crate::stackmap::{FunctionStackMaps, StackMapRecord, ValueType, tag_call_site};

/// Length of an x86-64 `call rel32`.
pub const CALL_LEN: usize = 5;

/// Errors of building or patching patchpoints.
#[derive(Debug, thiserror::Error)]
pub enum PatchpointError {
    /// The callee signature has return values (Cranelift forbids them on patchable calls).
    #[error("a patchable callee cannot have return values")]
    HasReturns,
    /// `target` was not declared with [`import_patchable`].
    #[error("the target is not a colocated patchable function")]
    NotPatchable,
    /// A live value of a type the stackmap cannot describe.
    #[error("live value {index} has unsupported type {ty}")]
    UnsupportedType {
        /// Index in `live`.
        index: usize,
        /// Its Cranelift type.
        ty: cranelift_codegen::ir::Type,
    },
    /// No patchpoint with this id in the blob.
    #[error("no patchpoint with id {0}")]
    UnknownId(u64),
    /// Two patchpoints with the same id in one blob.
    #[error("duplicate patchpoint id {0}")]
    DuplicateId(u64),
    /// The patchable region is not a 5-byte call (unsupported target or length).
    #[error("patchpoint {id}: unsupported patch region of {len} bytes")]
    UnsupportedSite {
        /// Patchpoint id.
        id: u64,
        /// Region length.
        len: u32,
    },
    /// The site's bytes are not what this table last wrote.
    #[error("patchpoint {id}: code at {addr:#x} was changed behind the patchpoint table")]
    UnexpectedBytes {
        /// Patchpoint id.
        id: u64,
        /// Site address.
        addr: usize,
    },
    /// The new target is beyond `rel32` reach of the site.
    #[error("patchpoint {id}: target {target:#x} is out of rel32 range")]
    OutOfRange {
        /// Patchpoint id.
        id: u64,
        /// Requested target.
        target: usize,
    },
    /// The runtime refused the write (blob freed, range outside a blob).
    #[error(transparent)]
    Runtime(#[from] JitError),
}

/// Declare `name` with signature `sig` as a colocated patchable callee.
///
/// Errors: [`PatchpointError::HasReturns`] if `sig` returns values.
pub fn import_patchable(
    b: &mut FunctionBuilder<'_>,
    name: UserExternalName,
    sig: Signature,
) -> Result<FuncRef, PatchpointError> {
    if !sig.returns.is_empty() {
        return Err(PatchpointError::HasReturns);
    }
    let sigref = b.import_signature(sig);
    let nref = b.func.declare_imported_user_function(name);
    Ok(b.import_function(ExtFuncData {
        name: ExternalName::user(nref),
        signature: sigref,
        colocated: true,
        patchable: true,
    }))
}

/// What [`emit_patchpoint`] built.
#[derive(Clone, Debug)]
pub struct PatchpointIr {
    /// The call instruction.
    pub call: Inst,
    /// The live values reloaded after the call, in `live` order: use these after the
    /// patchpoint to observe runtime writes.
    pub reloaded: Vec<Value>,
}

/// Emit patchpoint `id`: a patchable call of `target` with `args`, recording `live` (in order)
/// in the stackmap record of the call. See the module docs.
///
/// Errors: [`PatchpointError::NotPatchable`], [`PatchpointError::UnsupportedType`].
pub fn emit_patchpoint(
    b: &mut FunctionBuilder<'_>,
    id: u64,
    target: FuncRef,
    args: &[Value],
    live: &[Value],
) -> Result<PatchpointIr, PatchpointError> {
    let ext = &b.func.dfg.ext_funcs[target];
    if !(ext.patchable && ext.colocated) {
        return Err(PatchpointError::NotPatchable);
    }
    if !b.func.dfg.signatures[ext.signature].returns.is_empty() {
        return Err(PatchpointError::HasReturns);
    }
    let pointer_type = cranelift_codegen::ir::types::I64;
    let mut slots = Vec::with_capacity(live.len());
    for (index, &v) in live.iter().enumerate() {
        let ty = b.func.dfg.value_type(v);
        let vt = ValueType::from_clif(ty)
            .filter(|t| *t != ValueType::I128)
            .ok_or(PatchpointError::UnsupportedType { index, ty })?;
        let size = u32::from(vt.size());
        let ss = b.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            size,
            size.trailing_zeros() as u8,
        ));
        b.ins().stack_store(pointer_type, v, ss, 0);
        slots.push((ss, vt, ty));
    }
    let call = b.ins().call(target, args);
    let tagged: Vec<_> = slots.iter().map(|&(ss, vt, _)| (ss, vt)).collect();
    tag_call_site(b.func, call, id, &tagged);
    let reloaded = slots
        .iter()
        .map(|&(ss, _, ty)| b.ins().stack_load(ty, pointer_type, ss, 0))
        .collect();
    Ok(PatchpointIr { call, reloaded })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct SiteState {
    enabled: bool,
    target: usize,
}

/// One patchpoint of an installed blob.
#[derive(Clone, Debug)]
pub struct PatchpointSite {
    /// Client id.
    pub id: u64,
    /// RX address of the first byte of the call.
    pub address: usize,
    /// Length of the region (5 on x86-64).
    pub len: u32,
    /// The stackmap record (live values at the call).
    pub record: StackMapRecord,
}

/// The patchpoints of one installed blob and their current state. Operations take the
/// runtime (they stop the world) or a [`World`] (to batch several patches in one safepoint).
pub struct Patchpoints {
    blob: Arc<CodeBlob>,
    nop: Vec<u8>,
    sites: Vec<PatchpointSite>,
    state: Mutex<Vec<SiteState>>,
}

impl std::fmt::Debug for Patchpoints {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Patchpoints")
            .field("blob", &self.blob.id())
            .field("sites", &self.sites.len())
            .finish_non_exhaustive()
    }
}

fn call_bytes(site: usize, target: usize) -> Option<[u8; CALL_LEN]> {
    let rel = (target as i64).wrapping_sub(site as i64 + CALL_LEN as i64);
    let rel = i32::try_from(rel).ok()?;
    let mut b = [0xE8, 0, 0, 0, 0];
    b[1..].copy_from_slice(&rel.to_le_bytes());
    Some(b)
}

impl Patchpoints {
    /// Index the patchable records of `maps` (built from the blob's compiled code with
    /// [`FunctionStackMaps::from_compiled`]) for installed `blob`. Reads each site's current
    /// call target from the code.
    ///
    /// Errors: [`PatchpointError::DuplicateId`], [`PatchpointError::UnsupportedSite`] (not a
    /// 5-byte `call rel32`, or no NOP unit of a length dividing the region).
    pub fn new(blob: Arc<CodeBlob>, maps: &FunctionStackMaps) -> Result<Self, PatchpointError> {
        let mut sites = Vec::new();
        let mut state = Vec::new();
        // SAFETY: the blob is installed and we hold an Arc; the runtime keeps its code mapped
        // until it is freed, which happens only after it is retired and unreachable.
        let code = unsafe { blob.code_bytes() };
        let mut nop = Vec::new();
        for rec in maps.records.iter().filter(|r| r.is_patchable()) {
            let len = u32::from(rec.patch_len());
            let start = rec.return_offset as usize - (len as usize).min(rec.return_offset as usize);
            let bytes = code.get(start..rec.return_offset as usize);
            let (Some(bytes), true) = (bytes, len as usize == CALL_LEN) else {
                return Err(PatchpointError::UnsupportedSite { id: rec.id, len });
            };
            if bytes[0] != 0xE8 {
                return Err(PatchpointError::UnsupportedSite { id: rec.id, len });
            }
            let rel = i32::from_le_bytes(bytes[1..5].try_into().expect("4 bytes"));
            let address = blob.start() + start;
            let target = (address as i64 + CALL_LEN as i64 + i64::from(rel)) as usize;
            if nop.is_empty() {
                let unit = blob
                    .nop_units
                    .iter()
                    .filter(|u| !u.is_empty() && (len as usize).is_multiple_of(u.len()))
                    .max_by_key(|u| u.len())
                    .ok_or(PatchpointError::UnsupportedSite { id: rec.id, len })?;
                nop = unit.repeat(len as usize / unit.len());
            }
            sites.push(PatchpointSite {
                id: rec.id,
                address,
                len,
                record: rec.clone(),
            });
            state.push(SiteState {
                enabled: true,
                target,
            });
        }
        let mut order: Vec<usize> = (0..sites.len()).collect();
        order.sort_by_key(|&i| sites[i].id);
        let sites: Vec<_> = order.iter().map(|&i| sites[i].clone()).collect();
        let state: Vec<_> = order.iter().map(|&i| state[i]).collect();
        if let Some(w) = sites.windows(2).find(|w| w[0].id == w[1].id) {
            return Err(PatchpointError::DuplicateId(w[0].id));
        }
        Ok(Self {
            blob,
            nop,
            sites,
            state: Mutex::new(state),
        })
    }

    /// The blob.
    pub fn blob(&self) -> &Arc<CodeBlob> {
        &self.blob
    }

    /// All sites, by increasing id.
    pub fn sites(&self) -> &[PatchpointSite] {
        &self.sites
    }

    fn index(&self, id: u64) -> Result<usize, PatchpointError> {
        self.sites
            .binary_search_by_key(&id, |s| s.id)
            .map_err(|_| PatchpointError::UnknownId(id))
    }

    /// The site with id `id`.
    pub fn site(&self, id: u64) -> Option<&PatchpointSite> {
        self.index(id).ok().map(|i| &self.sites[i])
    }

    /// Whether site `id` currently holds its call, and the call's target.
    pub fn state(&self, id: u64) -> Result<(bool, usize), PatchpointError> {
        let i = self.index(id)?;
        let s = self.state.lock().unwrap_or_else(|e| e.into_inner())[i];
        Ok((s.enabled, s.target))
    }

    fn expected(&self, i: usize, s: SiteState) -> Vec<u8> {
        if s.enabled {
            call_bytes(self.sites[i].address, s.target)
                .expect("a recorded target is in range")
                .to_vec()
        } else {
            self.nop.clone()
        }
    }

    fn transition(
        &self,
        w: &World<'_>,
        id: u64,
        next: impl FnOnce(SiteState) -> SiteState,
        op: &'static str,
    ) -> Result<(), PatchpointError> {
        let i = self.index(id)?;
        let site = &self.sites[i];
        let mut states = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let cur = states[i];
        let new = next(cur);
        let bytes = if new.enabled {
            call_bytes(site.address, new.target)
                .ok_or(PatchpointError::OutOfRange {
                    id,
                    target: new.target,
                })?
                .to_vec()
        } else {
            self.nop.clone()
        };
        // SAFETY: the blob is installed (we hold it; patch_bytes re-checks it is not freed), and
        // the site lies inside it.
        let now = unsafe {
            &self.blob.code_bytes()[site.address - self.blob.start()..][..site.len as usize]
        };
        if now != self.expected(i, cur).as_slice() {
            return Err(PatchpointError::UnexpectedBytes {
                id,
                addr: site.address,
            });
        }
        if now != bytes.as_slice() {
            w.patch_bytes(site.address, &bytes)?;
            crate::stats::global()
                .patches
                .fetch_add(1, Ordering::Relaxed);
        }
        states[i] = new;
        tracing::debug!(
            target: "moonlift_jit::patchpoint",
            code = %self.blob.id(),
            id,
            op,
            addr = format_args!("{:#x}", site.address),
            target = format_args!("{:#x}", new.target),
            enabled = new.enabled,
            "patchpoint"
        );
        Ok(())
    }

    /// NOP out site `id` inside an existing stop-the-world. Idempotent.
    pub fn disable_in(&self, w: &World<'_>, id: u64) -> Result<(), PatchpointError> {
        self.transition(
            w,
            id,
            |s| SiteState {
                enabled: false,
                ..s
            },
            "disable",
        )
    }

    /// Restore the call of site `id` (to its current target) inside a stop-the-world.
    pub fn enable_in(&self, w: &World<'_>, id: u64) -> Result<(), PatchpointError> {
        self.transition(w, id, |s| SiteState { enabled: true, ..s }, "enable")
    }

    /// Make site `id` call `target` (and enable it) inside a stop-the-world.
    ///
    /// Errors: [`PatchpointError::OutOfRange`] if `target` is beyond `rel32` reach.
    pub fn retarget_in(
        &self,
        w: &World<'_>,
        id: u64,
        target: usize,
    ) -> Result<(), PatchpointError> {
        self.transition(
            w,
            id,
            |_| SiteState {
                enabled: true,
                target,
            },
            "retarget",
        )
    }

    /// [`Patchpoints::disable_in`] in its own stop-the-world.
    pub fn disable(&self, rt: &JitRuntime, id: u64) -> Result<(), PatchpointError> {
        rt.stop_the_world(|w| self.disable_in(w, id))
    }

    /// [`Patchpoints::enable_in`] in its own stop-the-world.
    pub fn enable(&self, rt: &JitRuntime, id: u64) -> Result<(), PatchpointError> {
        rt.stop_the_world(|w| self.enable_in(w, id))
    }

    /// [`Patchpoints::retarget_in`] in its own stop-the-world.
    pub fn retarget(&self, rt: &JitRuntime, id: u64, target: usize) -> Result<(), PatchpointError> {
        rt.stop_the_world(|w| self.retarget_in(w, id, target))
    }
}
