//! The virtual machine: values, heap and GC, interpreter, calls and errors.
//!
//! Map (by Lua concept):
//! - [`value`]: the 16-byte tagged [`Value`] (layout relied on by compiled code).
//! - [`string`], [`table`], [`function`], [`userdata`], [`thread`]: the object types.
//! - [`gc`]: allocation accounting and the mark & sweep collector (roots, weak tables, finalizers).
//! - [`state`]: the global state [`Vm`]; [`api`]: the embedding and native-function API.
//! - [`interp`]: the bytecode interpreter; [`call`]: calls, returns, protected boundaries;
//!   [`meta`]: metamethod slow paths and operator errors; [`arith`]: number semantics.
//! - [`debug`]: line numbers, variable names for messages, tracebacks; [`load`]/[`undump`]: chunk loading.
//!
//! Sources of `unsafe`: raw GC object pointers in [`Value`] payloads (valid while reachable; the GC
//! rule is in [`gc`]), the never-moving mmap'd stack ([`thread`]), raw table storage ([`table`]) and
//! unchecked register access in the interpreter ([`interp`]). Each block states its invariant.

pub mod api;
pub mod arith;
pub mod call;
pub mod coroutine;
pub mod debug;
pub mod error;
pub mod function;
pub mod gc;
pub mod interp;
pub mod load;
pub mod meta;
pub mod state;
pub mod string;
pub mod table;
pub mod thread;
pub mod undump;
pub mod userdata;
pub mod value;

pub use api::{LuaStr, NativeFn};
pub use error::{LuaError, LuaResult};
pub use state::Vm;
pub use value::Value;
