//! moonlift-jit: a language-agnostic JIT runtime on Cranelift.
#![deny(missing_docs)]

pub mod assumption;
pub mod blob;
pub mod code_memory;
pub mod deopt;
pub mod disasm;
pub mod frame_state;
pub mod patchpoint;
pub mod perf_map;
pub mod reclaim;
pub mod reloc;
pub mod runtime;
pub mod safepoint;
pub mod stackmap;
pub mod stats;
pub mod stub;
pub mod unwind;
