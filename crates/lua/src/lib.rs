//! moonlift-lua: a Lua 5.4 virtual machine.
//!
//! Source text is compiled by [`syntax`] into [`proto::FuncProto`] trees of Lua 5.4 bytecode
//! ([`opcode`]), which the [`vm`] loads and interprets; [`stdlib`] provides the standard library
//! (Lua 5.4 reference manual §6). See `docs/ARCHITECTURE.md` for the map and invariants.
#![deny(missing_docs)]

pub mod debuginfo;
pub mod jit;
pub mod number;
pub mod opcode;
pub mod proto;
pub mod stdlib;
pub mod syntax;
pub mod vm;
