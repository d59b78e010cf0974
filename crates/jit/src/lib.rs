//! moonlift-jit: a language-agnostic JIT runtime on Cranelift.
//!
//! Clients build functions in Cranelift IR and hand the compiled code to a
//! [`runtime::JitRuntime`], which installs, links, patches, tracks and frees it:
//!
//! * [`code_memory`]: one reserved region mapped twice (RW view to write, RX view to execute);
//!   no page is ever writable and executable at one address.
//! * [`blob`]: installed code versions ([`blob::CodeBlob`], [`blob::CodeId`]) with Cranelift's
//!   metadata (relocations, call sites, user stack maps, patchable sites, traps, unwind info),
//!   indexed by address (return address → blob + offset in O(log n)).
//! * [`reloc`]: the runtime linker (applies relocations; reverse index of direct calls for
//!   relinking).
//! * [`stub`]: stable entries — per function an 8-byte entry cell and a stub whose address is
//!   the function pointer; the lazy-compile trampoline.
//! * [`safepoint`]: mutator registration, the one-load poll, stop-the-world.
//! * [`reclaim`]: freeing retired code once no cell, direct call or frame reaches it.
//! * [`unwind`]: `.eh_frame` registration so panics and backtraces cross JIT frames.
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
