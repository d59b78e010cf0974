//! Full userdata: a GC object owning arbitrary Rust data, with a metatable and one user value.
//!
//! Invariant: `data` is never moved out while the object is alive; natives borrow it through
//! [`Vm::userdata_mut`](super::Vm::userdata_mut) for the duration of a call.

use super::gc::GcHeader;
use super::table::LuaTable;
use super::value::Value;
use std::any::Any;

/// A full userdata object.
#[repr(C)]
pub struct UserData {
    pub(crate) hdr: GcHeader,
    /// The metatable, or null.
    pub metatable: *mut LuaTable,
    /// The user value (`debug.getuservalue`; nil by default).
    pub user_value: Value,
    /// The Rust payload.
    pub data: Box<dyn Any>,
}

impl UserData {
    pub(crate) fn gc_size(&self) -> usize {
        std::mem::size_of::<UserData>() + std::mem::size_of_val(&*self.data)
    }
}
