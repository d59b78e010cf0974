//! moonlift-jit: a language-agnostic JIT runtime on Cranelift.
#![deny(missing_docs)]
