//! The `io` library (Lua 5.4 manual §6.8).
//!
//! [`file`] implements the buffered streams behind file handles.

pub mod file;
