//! Unwind-info registration: `.eh_frame` data for JIT code, registered with `__register_frame`.
//!
//! For each blob with System V unwind info (Cranelift's `CompiledCode::create_unwind_info`),
//! [`UnwindRegistration::new`] writes a small `.eh_frame` section — the ISA's CIE, one FDE
//! covering the blob, and a zero terminator — with gimli (re-exported by cranelift-codegen) and
//! registers it with the system unwinder (`__register_frame` from libgcc_s, or libunwind).
//! Rust panics (`extern "C-unwind"`) and backtraces can then cross JIT frames.
//!
//! Invariants: the `.eh_frame` bytes live on the heap as long as the registration; the
//! registration is removed (`__deregister_frame`) on drop, which the reclaimer does **before**
//! the code's memory is freed, so the unwinder never describes a reused address range.
//!
//! libgcc's `__register_frame` takes the start of a whole `.eh_frame` section and walks it to the
//! zero terminator; LLVM libunwind takes one FDE at a time. We link against libgcc_s on
//! Linux/GNU, the only configuration built here (other targets return `Ok(None)`).

use cranelift_codegen::gimli;
use cranelift_codegen::gimli::write::{Address, EhFrame, EndianVec, FrameTable};
use cranelift_codegen::isa::TargetIsa;
use cranelift_codegen::isa::unwind::UnwindInfo;

#[cfg(all(target_os = "linux", target_env = "gnu"))]
unsafe extern "C" {
    fn __register_frame(begin: *const u8);
    fn __deregister_frame(begin: *const u8);
}

/// Errors while building unwind info.
#[derive(Debug, thiserror::Error)]
pub enum UnwindError {
    /// gimli could not write the `.eh_frame` section.
    #[error("writing .eh_frame failed: {0}")]
    Write(String),
}

/// A registered `.eh_frame` for one blob; deregisters on drop.
pub struct UnwindRegistration {
    eh_frame: Box<[u8]>,
    registered: bool,
}

impl std::fmt::Debug for UnwindRegistration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UnwindRegistration")
            .field("bytes", &self.eh_frame.len())
            .field("registered", &self.registered)
            .finish()
    }
}

impl UnwindRegistration {
    /// Builds `.eh_frame` for code at `code_addr` (RX address) described by `info` and
    /// registers it. Returns `Ok(None)` when there is nothing to register (Windows unwind info,
    /// no System V CIE for this ISA, or an unsupported platform).
    ///
    /// # Safety
    /// `info` must describe the code at `code_addr`, which must stay mapped until the returned
    /// registration is dropped.
    pub unsafe fn new(
        isa: &dyn TargetIsa,
        info: &UnwindInfo,
        code_addr: usize,
    ) -> Result<Option<UnwindRegistration>, UnwindError> {
        let UnwindInfo::SystemV(info) = info else {
            return Ok(None);
        };
        let Some(cie) = isa.create_systemv_cie() else {
            return Ok(None);
        };
        let mut table = FrameTable::default();
        let cie_id = table.add_cie(cie);
        table.add_fde(cie_id, info.to_fde(Address::Constant(code_addr as u64)));
        let mut eh = EhFrame(EndianVec::new(gimli::RunTimeEndian::Little));
        table
            .write_eh_frame(&mut eh)
            .map_err(|e| UnwindError::Write(e.to_string()))?;
        let mut bytes = eh.0.into_vec();
        // Zero-length terminator: libgcc stops its walk of the section here.
        bytes.extend_from_slice(&[0, 0, 0, 0]);
        let mut reg = UnwindRegistration {
            eh_frame: bytes.into_boxed_slice(),
            registered: false,
        };
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        {
            // SAFETY: the section is well formed (written by gimli, zero terminated), lives on
            // the heap until `drop` deregisters it, and describes mapped code (caller's duty).
            unsafe { __register_frame(reg.eh_frame.as_ptr()) };
            reg.registered = true;
        }
        Ok(Some(reg))
    }

    /// Size of the `.eh_frame` data in bytes.
    pub fn len(&self) -> usize {
        self.eh_frame.len()
    }

    /// Whether the data is empty (never, once built).
    pub fn is_empty(&self) -> bool {
        self.eh_frame.is_empty()
    }
}

impl Drop for UnwindRegistration {
    fn drop(&mut self) {
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        if self.registered {
            // SAFETY: the same pointer was registered by `new` and is deregistered once.
            unsafe { __deregister_frame(self.eh_frame.as_ptr()) };
        }
    }
}
