//! Assumptions (watchpoints): facts optimized code relies on, and what happens when one breaks.
//!
//! An optimizing compiler registers the facts it speculates on ("global `print` is not
//! reassigned", "this metatable has no `__index`", "class X has no subclass") with
//! [`AssumptionRegistry::register`], compiles code that relies on them, and after installing
//! declares the blob's dependencies ([`AssumptionRegistry::add_dependency`]). When the client's
//! runtime sees the fact change it calls [`AssumptionRegistry::invalidate`], which for every
//! dependent blob, in this order:
//! 1. points each of the blob's entry cells at its fallback (one atomic store per cell through
//!    [`JitRuntime::set_entry`]/[`JitRuntime::set_entry_address`]; a blob fallback also gets the
//!    invalid blob's direct callers relinked to it, at a safepoint) — **the next call goes to the
//!    fallback**;
//! 2. sets the blob's invalid flag ([`CodeBlob::mark_invalid`]) and its [`ValidityFlag`] word —
//!    **frames already running the blob see it when a call returns** (the post-call check of
//!    the seed thread 003: `if (!this_method->is_still_valid) deoptimize();`);
//! 3. retires the blob ([`JitRuntime::retire`]); the reclaimer frees it once no frame, cell or
//!    direct call reaches it.
//!
//! Why a separate [`ValidityFlag`]: compiled code must embed the flag's address, but the blob's
//! own flag exists only after installation. So the compiler allocates a flag first
//! ([`AssumptionRegistry::new_flag`]), embeds its address (`iconst` + `load.i64`, non-zero =
//! invalid; [`emit_validity_check`]), and hands it to `add_dependency` with the installed blob.
//! The registry keeps the flag alive as long as the blob is not freed.
//!
//! Invariants: an invalidated assumption stays invalid (ids are never reused); a dependency on
//! an invalid assumption is refused ([`AssumptionError::AlreadyInvalid`]), so no published code
//! relies on a broken fact; a cell is only redirected if it still targets the invalidated blob
//! (a newer version installed meanwhile is left alone).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use cranelift_codegen::ir::{InstBuilder, MemFlagsData, Value, types};
use cranelift_frontend::FunctionBuilder;

use crate::blob::{BlobState, CodeBlob, CodeId};
use crate::runtime::{JitError, JitRuntime};
use crate::stub::FuncId;

/// An assumption's id (index in its registry).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AssumptionId(pub u32);

impl std::fmt::Display for AssumptionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "assumption{}", self.0)
    }
}

/// An 8-byte word compiled code loads after calls: 0 = the code is valid, 1 = invalidated.
/// Heap-allocated and shared, so its address is stable for the flag's lifetime.
#[derive(Debug, Default)]
pub struct ValidityFlag {
    word: AtomicU64,
}

impl ValidityFlag {
    /// Address of the 8-byte, 8-aligned word (embed it in compiled code).
    pub fn addr(&self) -> usize {
        &self.word as *const AtomicU64 as usize
    }

    /// True once invalidated.
    pub fn is_invalid(&self) -> bool {
        self.word.load(Ordering::Acquire) != 0
    }

    fn set(&self) {
        self.word.store(1, Ordering::Release);
    }
}

/// Emit the post-call validity check: `load.i64 [flag]` (a plain load; x86-64 loads have acquire
/// semantics) and return the loaded word (non-zero = invalidated). The caller branches to its
/// deopt exit on non-zero.
pub fn emit_validity_check(b: &mut FunctionBuilder<'_>, flag: &ValidityFlag) -> Value {
    let addr = b.ins().iconst(types::I64, flag.addr() as i64);
    b.ins().load(types::I64, MemFlagsData::trusted(), addr, 0)
}

/// Where an entry cell goes when the blob it targets is invalidated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fallback {
    /// A blob (e.g. the baseline-tier version): the cell is set to it and direct callers of the
    /// invalid blob are relinked to it.
    Code(CodeId),
    /// An address callable with the function's signature (an interpreter entry). Direct callers
    /// of the invalid blob are not rewritten: call invalidatable code through cells.
    Address(usize),
    /// The function's lazy thunk: the next call recompiles (or runs the runtime's fallback).
    Lazy,
}

/// Errors of the registry.
#[derive(Debug, thiserror::Error)]
pub enum AssumptionError {
    /// Unknown id.
    #[error("unknown {0}")]
    Unknown(AssumptionId),
    /// The assumption is already invalid: code relying on it must not be published.
    #[error("{0} is already invalid")]
    AlreadyInvalid(AssumptionId),
    /// A runtime operation failed.
    #[error(transparent)]
    Runtime(#[from] JitError),
}

struct Dependent {
    blob: Arc<CodeBlob>,
    flag: Option<Arc<ValidityFlag>>,
    entries: Vec<(FuncId, Fallback)>,
}

struct Assumption {
    description: String,
    valid: bool,
    dependents: Vec<Dependent>,
}

/// What [`AssumptionRegistry::invalidate`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InvalidationReport {
    /// Blobs marked invalid and retired.
    pub blobs: Vec<CodeId>,
    /// Entry cells redirected to their fallback.
    pub cells_reset: usize,
    /// Direct call sites relinked to a fallback blob.
    pub sites_relinked: usize,
}

/// The registry of assumptions and their dependent blobs. Thread-safe.
#[derive(Default)]
pub struct AssumptionRegistry {
    inner: Mutex<Vec<Assumption>>,
    /// Dependents of invalidated assumptions, kept until their blob is freed so their
    /// validity flags outlive every frame that may still load them.
    invalidated: Mutex<Vec<Dependent>>,
}

impl std::fmt::Debug for AssumptionRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let a = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        f.debug_struct("AssumptionRegistry")
            .field("assumptions", &a.len())
            .finish()
    }
}

impl AssumptionRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Register a (valid) assumption described by `description` (for events and dumps).
    pub fn register(&self, description: impl Into<String>) -> AssumptionId {
        let mut a = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        a.push(Assumption {
            description: description.into(),
            valid: true,
            dependents: Vec::new(),
        });
        AssumptionId((a.len() - 1) as u32)
    }

    /// A fresh validity flag for code about to be compiled.
    pub fn new_flag(&self) -> Arc<ValidityFlag> {
        Arc::new(ValidityFlag::default())
    }

    /// Whether `id` still holds. Errors: [`AssumptionError::Unknown`].
    pub fn is_valid(&self, id: AssumptionId) -> Result<bool, AssumptionError> {
        let a = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        a.get(id.0 as usize)
            .map(|x| x.valid)
            .ok_or(AssumptionError::Unknown(id))
    }

    /// The description given at registration.
    pub fn description(&self, id: AssumptionId) -> Option<String> {
        let a = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        a.get(id.0 as usize).map(|x| x.description.clone())
    }

    /// Record that `blob` relies on `id`; `flag` is the validity flag its code tests (if any);
    /// `entries` are the functions whose cells may target the blob, with their fallbacks. Call
    /// it before publishing the blob in a cell. Also drops records of freed blobs.
    ///
    /// Errors: [`AssumptionError::Unknown`], [`AssumptionError::AlreadyInvalid`].
    pub fn add_dependency(
        &self,
        id: AssumptionId,
        blob: &Arc<CodeBlob>,
        flag: Option<Arc<ValidityFlag>>,
        entries: &[(FuncId, Fallback)],
    ) -> Result<(), AssumptionError> {
        let mut a = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        for x in a.iter_mut() {
            x.dependents.retain(|d| d.blob.state() != BlobState::Freed);
        }
        let x = a
            .get_mut(id.0 as usize)
            .ok_or(AssumptionError::Unknown(id))?;
        if !x.valid {
            return Err(AssumptionError::AlreadyInvalid(id));
        }
        x.dependents.push(Dependent {
            blob: Arc::clone(blob),
            flag,
            entries: entries.to_vec(),
        });
        Ok(())
    }

    /// Number of blobs (not yet freed) depending on `id`.
    pub fn dependents(&self, id: AssumptionId) -> usize {
        let a = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        a.get(id.0 as usize).map_or(0, |x| {
            x.dependents
                .iter()
                .filter(|d| d.blob.state() != BlobState::Freed)
                .count()
        })
    }

    /// Invalidate `id`: see the module docs for the three steps. Invalidating an invalid
    /// assumption does nothing. Must not be called inside a stop-the-world (it may start one
    /// to relink direct callers to a [`Fallback::Code`]).
    ///
    /// Errors: [`AssumptionError::Unknown`]; runtime errors of the cell stores or relinks (the
    /// steps already done stay done; the flag and retirement still happen for every blob).
    pub fn invalidate(
        &self,
        rt: &JitRuntime,
        id: AssumptionId,
    ) -> Result<InvalidationReport, AssumptionError> {
        let t = std::time::Instant::now();
        let (dependents, description) = {
            let mut a = self.inner.lock().unwrap_or_else(|e| e.into_inner());
            let x = a
                .get_mut(id.0 as usize)
                .ok_or(AssumptionError::Unknown(id))?;
            if !x.valid {
                return Ok(InvalidationReport::default());
            }
            x.valid = false;
            (std::mem::take(&mut x.dependents), x.description.clone())
        };
        let mut report = InvalidationReport::default();
        let mut first_err = None;
        // 1. Cells to fallbacks, all of them first.
        for d in &dependents {
            if d.blob.state() != BlobState::Live {
                continue;
            }
            for &(f, fb) in &d.entries {
                if rt.current_code(f) != Some(d.blob.id()) {
                    continue;
                }
                let r = match fb {
                    Fallback::Code(c) => rt.set_entry(f, c).map(|_| ()),
                    Fallback::Address(addr) => rt.set_entry_address(f, addr).map(|_| ()),
                    Fallback::Lazy => rt.reset_to_lazy(f).map(|_| ()),
                };
                match r {
                    Ok(()) => report.cells_reset += 1,
                    Err(e) => {
                        first_err.get_or_insert(e);
                    }
                }
            }
        }
        // 2. Flags, then relinks and 3. retirement.
        for d in &dependents {
            d.blob.mark_invalid();
            if let Some(flag) = &d.flag {
                flag.set();
            }
        }
        for d in &dependents {
            if d.blob.state() != BlobState::Live {
                continue;
            }
            let target = d.entries.iter().find_map(|&(_, fb)| match fb {
                Fallback::Code(c) => Some(c),
                _ => None,
            });
            if let Some(new) = target
                && !rt.direct_callers(d.blob.id()).is_empty()
            {
                match rt.relink(d.blob.id(), new) {
                    Ok(n) => report.sites_relinked += n,
                    Err(e) => {
                        first_err.get_or_insert(e);
                    }
                }
            }
            match rt.retire(d.blob.id()) {
                Ok(()) => report.blobs.push(d.blob.id()),
                Err(e) => {
                    first_err.get_or_insert(e);
                }
            }
        }
        {
            let mut g = self.invalidated.lock().unwrap_or_else(|e| e.into_inner());
            g.retain(|d| d.blob.state() != BlobState::Freed);
            g.extend(dependents);
        }
        crate::stats::global()
            .invalidations
            .fetch_add(1, Ordering::Relaxed);
        tracing::info!(
            target: "moonlift_jit::assumption",
            assumption = id.0,
            description = %description,
            blobs = report.blobs.len(),
            cells = report.cells_reset,
            relinked = report.sites_relinked,
            micros = t.elapsed().as_micros() as u64,
            "invalidate"
        );
        match first_err {
            Some(e) => Err(e.into()),
            None => Ok(report),
        }
    }
}
