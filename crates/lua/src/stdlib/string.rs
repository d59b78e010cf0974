//! The `string` library (Lua 5.4 manual §6.4).
//!
//! Engines that do not need the VM live in submodules with their own tests: [`format`] is
//! `string.format`.

pub mod format;
