//! The runtime linker: applying Cranelift relocations and tracking direct calls for relinking.
//!
//! Cranelift leaves every reference to another function or symbol as a relocation
//! (`FinalizedMachReloc { offset, kind, target, addend }`). The runtime resolves each target
//! name with a client resolver to a [`LinkTarget`] and writes the value itself:
//!
//! | kind | written value (at `site = blob start + offset`) | notes |
//! |------|-----------------------------------------------|-------|
//! | `X86CallPCRel4`, `X86CallPLTRel4` | `i32(target + addend − site)` | colocated `call rel32`; a target out of reach goes through an address veneer |
//! | `X86PCRel4` | `i32(target + addend − site)` | RIP-relative data/code address |
//! | `Abs8` | `u64(target + addend)` | non-colocated calls into Rust, `func_addr` |
//! | `X86GOTPCRel4` | `i32(cell + addend − site)` | `cell` = the function's entry cell, or a veneer cell holding the address |
//!
//! Any other kind is [`RelocError::Unsupported`].
//!
//! Direct references to a **specific code blob** (a colocated call resolved to a function's
//! current code, or [`LinkTarget::Code`]) are recorded in the [`DirectCallIndex`]: for each callee
//! blob, the sites that reference it. Relinking rewrites those sites to a new callee (only inside
//! a stop-the-world, since a `rel32` rewrite is not atomic for other threads), and the reclaimer
//! refuses to free a blob that still has recorded callers.

use std::collections::HashMap;

use cranelift_codegen::binemit::Reloc;

use crate::blob::CodeId;
use crate::stub::FuncId;

/// What a relocation's symbol resolves to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LinkTarget {
    /// A logical function of this runtime. Colocated calls (`X86CallPCRel4`) link **directly**
    /// to its current code blob (recorded for relinking) or, if it has none, to its stub;
    /// `Abs8`/`X86PCRel4` give its stub address (the stable function pointer); `X86GOTPCRel4`
    /// uses its entry cell as the GOT entry, so loads always see the current target.
    Function(FuncId),
    /// A logical function, always reached through its stub (never linked directly).
    Stub(FuncId),
    /// The entry of one specific blob (recorded for relinking).
    Code(CodeId),
    /// An absolute address (a Rust `extern "C"` function, a data word). Colocated calls out of
    /// `rel32` reach go through an address veneer.
    Address(usize),
}

/// Errors of relocation processing.
#[derive(Debug, thiserror::Error)]
pub enum RelocError {
    /// The relocation kind is not handled on this target.
    #[error("unsupported relocation kind {kind:?} at offset {offset:#x}")]
    Unsupported {
        /// Cranelift's relocation kind.
        kind: Reloc,
        /// Offset in the function.
        offset: u32,
    },
    /// The resolver returned `None` for a symbol.
    #[error("unresolved symbol {name} (relocation at offset {offset:#x})")]
    Unresolved {
        /// Display form of the external name.
        name: String,
        /// Offset in the function.
        offset: u32,
    },
    /// A PC-relative value does not fit in 32 bits.
    #[error("relocation at offset {offset:#x} out of rel32 range (target {target:#x})")]
    OutOfRange {
        /// Offset in the function.
        offset: u32,
        /// Absolute target address.
        target: usize,
    },
    /// The relocation names a function or blob the runtime does not know.
    #[error("relocation at offset {offset:#x} names unknown {what}")]
    UnknownTarget {
        /// Offset in the function.
        offset: u32,
        /// Which id.
        what: String,
    },
}

/// Computes the bytes a relocation of `kind` writes at `site` for absolute target `value`
/// (target + addend already added for absolute kinds; for PC-relative kinds `value` is the
/// target plus addend and `site` the address of the 4-byte field).
///
/// Returns `(bytes, width)`. Errors: [`RelocError::OutOfRange`], [`RelocError::Unsupported`].
pub fn encode(
    kind: Reloc,
    offset: u32,
    site: usize,
    value: i64,
) -> Result<([u8; 8], usize), RelocError> {
    let mut out = [0u8; 8];
    match kind {
        Reloc::Abs8 => {
            out.copy_from_slice(&(value as u64).to_le_bytes());
            Ok((out, 8))
        }
        Reloc::X86CallPCRel4 | Reloc::X86CallPLTRel4 | Reloc::X86PCRel4 | Reloc::X86GOTPCRel4 => {
            let rel = value - site as i64;
            let rel32 = i32::try_from(rel).map_err(|_| RelocError::OutOfRange {
                offset,
                target: value as usize,
            })?;
            out[..4].copy_from_slice(&rel32.to_le_bytes());
            Ok((out, 4))
        }
        _ => Err(RelocError::Unsupported { kind, offset }),
    }
}

/// One recorded direct reference from a caller blob to a callee blob.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DirectSite {
    /// The blob containing the reference.
    pub caller: CodeId,
    /// Offset of the relocated field in the caller.
    pub offset: u32,
    /// Relocation kind (decides how the field is rewritten).
    pub kind: Reloc,
    /// Addend from Cranelift.
    pub addend: i64,
}

/// Reverse index of direct references: callee blob → sites, and caller blob → callees.
#[derive(Default, Debug)]
pub struct DirectCallIndex {
    callers: HashMap<CodeId, Vec<DirectSite>>,
    callees: HashMap<CodeId, Vec<CodeId>>,
}

impl DirectCallIndex {
    /// Records that `site` references `callee`.
    pub fn add(&mut self, callee: CodeId, site: DirectSite) {
        self.callers.entry(callee).or_default().push(site);
        let c = self.callees.entry(site.caller).or_default();
        if !c.contains(&callee) {
            c.push(callee);
        }
    }

    /// Sites that reference `callee` directly.
    pub fn callers_of(&self, callee: CodeId) -> &[DirectSite] {
        self.callers.get(&callee).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Removes and returns the sites referencing `callee`.
    pub fn take_callers(&mut self, callee: CodeId) -> Vec<DirectSite> {
        let sites = self.callers.remove(&callee).unwrap_or_default();
        for s in &sites {
            if let Some(c) = self.callees.get_mut(&s.caller) {
                c.retain(|x| *x != callee);
            }
        }
        sites
    }

    /// Forgets everything `caller` references (when it is freed).
    pub fn remove_caller(&mut self, caller: CodeId) {
        if let Some(callees) = self.callees.remove(&caller) {
            for callee in callees {
                if let Some(v) = self.callers.get_mut(&callee) {
                    v.retain(|s| s.caller != caller);
                    if v.is_empty() {
                        self.callers.remove(&callee);
                    }
                }
            }
        }
    }

    /// Total number of recorded sites.
    pub fn len(&self) -> usize {
        self.callers.values().map(Vec::len).sum()
    }

    /// Whether no site is recorded.
    pub fn is_empty(&self) -> bool {
        self.callers.is_empty()
    }
}

extern "C" fn lc_floor_f32(x: f32) -> f32 {
    x.floor()
}
extern "C" fn lc_floor_f64(x: f64) -> f64 {
    x.floor()
}
extern "C" fn lc_ceil_f32(x: f32) -> f32 {
    x.ceil()
}
extern "C" fn lc_ceil_f64(x: f64) -> f64 {
    x.ceil()
}
extern "C" fn lc_trunc_f32(x: f32) -> f32 {
    x.trunc()
}
extern "C" fn lc_trunc_f64(x: f64) -> f64 {
    x.trunc()
}
extern "C" fn lc_nearest_f32(x: f32) -> f32 {
    x.round_ties_even()
}
extern "C" fn lc_nearest_f64(x: f64) -> f64 {
    x.round_ties_even()
}
extern "C" fn lc_fma_f32(a: f32, b: f32, c: f32) -> f32 {
    a.mul_add(b, c)
}
extern "C" fn lc_fma_f64(a: f64, b: f64, c: f64) -> f64 {
    a.mul_add(b, c)
}

/// Address of the implementation of a Cranelift libcall, for the ones Cranelift may emit for
/// ordinary CLIF on x86-64 (float rounding without SSE4.1, `fma` without FMA, memory
/// operations). `None` for the others.
pub fn libcall_address(lc: cranelift_codegen::ir::LibCall) -> Option<usize> {
    use cranelift_codegen::ir::LibCall as L;
    Some(match lc {
        L::FloorF32 => lc_floor_f32 as *const () as usize,
        L::FloorF64 => lc_floor_f64 as *const () as usize,
        L::CeilF32 => lc_ceil_f32 as *const () as usize,
        L::CeilF64 => lc_ceil_f64 as *const () as usize,
        L::TruncF32 => lc_trunc_f32 as *const () as usize,
        L::TruncF64 => lc_trunc_f64 as *const () as usize,
        L::NearestF32 => lc_nearest_f32 as *const () as usize,
        L::NearestF64 => lc_nearest_f64 as *const () as usize,
        L::FmaF32 => lc_fma_f32 as *const () as usize,
        L::FmaF64 => lc_fma_f64 as *const () as usize,
        L::Memcpy => libc::memcpy as *const () as usize,
        L::Memset => libc::memset as *const () as usize,
        L::Memmove => libc::memmove as *const () as usize,
        L::Memcmp => libc::memcmp as *const () as usize,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_pc_relative_and_absolute() {
        let (b, w) = encode(Reloc::X86CallPCRel4, 0, 0x1000, 0x2000 - 4).unwrap();
        assert_eq!(w, 4);
        assert_eq!(i32::from_le_bytes(b[..4].try_into().unwrap()), 0x1000 - 4);
        let (b, w) = encode(Reloc::Abs8, 0, 0x1000, 0x1234_5678_9abc).unwrap();
        assert_eq!(w, 8);
        assert_eq!(u64::from_le_bytes(b), 0x1234_5678_9abc);
        assert!(matches!(
            encode(Reloc::X86PCRel4, 0, 0, 1 << 40),
            Err(RelocError::OutOfRange { .. })
        ));
        assert!(matches!(
            encode(Reloc::Arm64Call, 7, 0, 0),
            Err(RelocError::Unsupported { offset: 7, .. })
        ));
    }

    #[test]
    fn direct_index_bookkeeping() {
        let mut ix = DirectCallIndex::default();
        let s = |c, o| DirectSite {
            caller: CodeId(c),
            offset: o,
            kind: Reloc::X86CallPCRel4,
            addend: -4,
        };
        ix.add(CodeId(10), s(1, 4));
        ix.add(CodeId(10), s(2, 8));
        ix.add(CodeId(11), s(1, 12));
        assert_eq!(ix.callers_of(CodeId(10)).len(), 2);
        ix.remove_caller(CodeId(1));
        assert_eq!(ix.callers_of(CodeId(10)), &[s(2, 8)]);
        assert!(ix.callers_of(CodeId(11)).is_empty());
        let taken = ix.take_callers(CodeId(10));
        assert_eq!(taken.len(), 1);
        assert!(ix.is_empty());
    }
}
