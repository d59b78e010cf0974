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
//!
//! # Invariants
//!
//! * **W^X**: code is written only through the RW view and executed only from the RX view;
//!   no mapping is ever writable and executable, and nothing is ever `mprotect`ed.
//! * **Stable entries**: a function's stub address never changes; republishing is one atomic
//!   8-byte store into its cell.
//! * **Instruction bytes change only at a safepoint** (relinking, patching), when no registered
//!   thread runs JIT code; everything that must change while code runs goes through a cell.
//! * **Code is freed only when unreachable**: retired, not targeted by any cell or recorded
//!   direct reference, and without frames (frame-pointer walk of parked threads and/or the
//!   client's frame hook). Unwind info is deregistered first; freed bytes become `int3`.
//!
//! # Sources of `unsafe`
//!
//! * [`code_memory`]: `memfd_create`/`mmap`, raw writes into the RW view, poisoning.
//! * [`stub`]: hand-written x86-64 machine code (stubs, thunks, the lazy trampoline), checked by
//!   decoding it in tests.
//! * [`safepoint`]: a naked-asm poll slow path that builds a frame record, and frame-pointer
//!   walks that read other (parked) threads' stacks.
//! * [`unwind`]: `__register_frame` / `__deregister_frame` (libgcc FFI).
//! * [`runtime`]: atomics over cells in code memory, rel32 rewrites at safepoints, freeing code.
//!
//! Clients call installed code by transmuting an address to an `extern "C"` function pointer of
//! the signature they compiled; that is their `unsafe`.
//!
//! Only x86-64 Linux is supported for now: [`runtime::JitRuntime::new`] returns
//! [`runtime::JitError::Unsupported`] elsewhere.
//!
//! # Example
//!
//! Compile a function, install it, call it, recompile it, relink, free the old version
//! (the same program is `examples/relink.rs`):
//!
//! ```
#![doc = include_str!("../examples/relink.rs")]
//! ```
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
