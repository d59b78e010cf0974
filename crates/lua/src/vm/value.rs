//! The tagged Lua value: 16 bytes, `#[repr(C)]` `{ payload: u64, tag: u64 }`.
//!
//! This layout is an ABI: the interpreter, the stack, table slots and compiled code all read and
//! write values as two machine words. Invariants:
//! - `tag` is one of the `TAG_*` constants; only the low byte is ever non-zero.
//! - `payload` is: 0 for nil; 0/1 for booleans; the two's-complement bits of an `i64` for integers;
//!   the IEEE-754 bits of an `f64` for floats; a pointer to the GC object (whose first field is a
//!   [`GcHeader`](super::gc::GcHeader)) for strings, tables, functions, userdata and threads; a raw
//!   address for light userdata.
//! - An all-zero value is `nil`, so zeroed memory (fresh `mmap` stack pages) reads as nils.
//!
//! Falsy values are exactly `nil` and `false` (Lua 5.4 manual §3.3.4).

use super::function::{LuaClosure, NativeClosure};
use super::string::LuaString;
use super::table::LuaTable;
use super::thread::LuaThread;
use super::userdata::UserData;

/// Tag of `nil` (all-zero value).
pub const TAG_NIL: u64 = 0;
/// Tag of booleans (payload 0 = false, 1 = true).
pub const TAG_BOOL: u64 = 1;
/// Tag of integers (payload = i64 bits).
pub const TAG_INT: u64 = 2;
/// Tag of floats (payload = f64 bits).
pub const TAG_FLOAT: u64 = 3;
/// Tag of strings (payload = `*mut LuaString`).
pub const TAG_STR: u64 = 4;
/// Tag of tables (payload = `*mut LuaTable`).
pub const TAG_TABLE: u64 = 5;
/// Tag of Lua closures (payload = `*mut LuaClosure`).
pub const TAG_LCL: u64 = 6;
/// Tag of native (Rust) functions (payload = `*mut NativeClosure`).
pub const TAG_NATIVE: u64 = 7;
/// Tag of full userdata (payload = `*mut UserData`).
pub const TAG_USERDATA: u64 = 8;
/// Tag of threads / coroutines (payload = `*mut LuaThread`).
pub const TAG_THREAD: u64 = 9;
/// Tag of light userdata (payload = an address, not a GC object).
pub const TAG_LIGHTUD: u64 = 10;
/// Tag of a dead key in a table node (payload kept only for identity in `next`; never dereferenced).
pub const TAG_DEADKEY: u64 = 15;

/// A Lua value. See the module doc for the layout invariants.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Value {
    pub(crate) payload: u64,
    pub(crate) tag: u64,
}

const _: () = assert!(std::mem::size_of::<Value>() == 16);

impl Default for Value {
    fn default() -> Self {
        Value::NIL
    }
}

impl Value {
    /// `nil`.
    pub const NIL: Value = Value {
        payload: 0,
        tag: TAG_NIL,
    };
    /// `false`.
    pub const FALSE: Value = Value {
        payload: 0,
        tag: TAG_BOOL,
    };
    /// `true`.
    pub const TRUE: Value = Value {
        payload: 1,
        tag: TAG_BOOL,
    };

    /// An integer.
    #[inline(always)]
    pub const fn int(i: i64) -> Value {
        Value {
            payload: i as u64,
            tag: TAG_INT,
        }
    }
    /// A float.
    #[inline(always)]
    pub fn float(f: f64) -> Value {
        Value {
            payload: f.to_bits(),
            tag: TAG_FLOAT,
        }
    }
    /// A boolean.
    #[inline(always)]
    pub const fn bool(b: bool) -> Value {
        Value {
            payload: b as u64,
            tag: TAG_BOOL,
        }
    }
    /// A light userdata (an opaque address; compared by address, never collected).
    pub fn light_userdata(p: *mut std::ffi::c_void) -> Value {
        Value {
            payload: p as u64,
            tag: TAG_LIGHTUD,
        }
    }
    #[inline(always)]
    pub(crate) fn from_ptr<T>(tag: u64, p: *mut T) -> Value {
        Value {
            payload: p as u64,
            tag,
        }
    }
    #[inline(always)]
    pub(crate) fn string(p: *mut LuaString) -> Value {
        Value::from_ptr(TAG_STR, p)
    }
    #[inline(always)]
    pub(crate) fn table(p: *mut LuaTable) -> Value {
        Value::from_ptr(TAG_TABLE, p)
    }

    /// The raw tag (one of the `TAG_*` constants). For compiled code and debugging.
    #[inline(always)]
    pub fn tag(self) -> u64 {
        self.tag
    }
    /// The raw payload bits. For compiled code and debugging.
    #[inline(always)]
    pub fn payload(self) -> u64 {
        self.payload
    }

    /// Is it `nil`?
    #[inline(always)]
    pub fn is_nil(self) -> bool {
        self.tag == TAG_NIL
    }
    /// Is it `nil` or `false` (Lua 5.4 manual §3.3.4)?
    #[inline(always)]
    pub fn is_falsy(self) -> bool {
        self.tag == TAG_NIL || (self.tag == TAG_BOOL && self.payload == 0)
    }
    /// Is it neither `nil` nor `false`?
    #[inline(always)]
    pub fn is_truthy(self) -> bool {
        !self.is_falsy()
    }
    /// Is it an integer?
    #[inline(always)]
    pub fn is_int(self) -> bool {
        self.tag == TAG_INT
    }
    /// Is it a float?
    #[inline(always)]
    pub fn is_float(self) -> bool {
        self.tag == TAG_FLOAT
    }
    /// Is it a number (integer or float)?
    #[inline(always)]
    pub fn is_number(self) -> bool {
        self.tag == TAG_INT || self.tag == TAG_FLOAT
    }
    /// Is it a string?
    #[inline(always)]
    pub fn is_string(self) -> bool {
        self.tag == TAG_STR
    }
    /// Is it a table?
    #[inline(always)]
    pub fn is_table(self) -> bool {
        self.tag == TAG_TABLE
    }
    /// Is it a function (Lua closure or native)?
    #[inline(always)]
    pub fn is_function(self) -> bool {
        self.tag == TAG_LCL || self.tag == TAG_NATIVE
    }
    /// Is it a full userdata?
    pub fn is_userdata(self) -> bool {
        self.tag == TAG_USERDATA
    }
    /// Is it a GC object (string, table, function, userdata, thread)?
    #[inline(always)]
    pub fn is_collectable(self) -> bool {
        (TAG_STR..=TAG_THREAD).contains(&self.tag)
    }

    /// The integer, if it is one (no conversion).
    #[inline(always)]
    pub fn as_int(self) -> Option<i64> {
        if self.tag == TAG_INT {
            Some(self.payload as i64)
        } else {
            None
        }
    }
    /// The float, if it is one (no conversion).
    #[inline(always)]
    pub fn as_float(self) -> Option<f64> {
        if self.tag == TAG_FLOAT {
            Some(f64::from_bits(self.payload))
        } else {
            None
        }
    }
    /// The number as a float, if it is a number (integers convert exactly or round to nearest).
    #[inline(always)]
    pub fn as_f64(self) -> Option<f64> {
        match self.tag {
            TAG_INT => Some(self.payload as i64 as f64),
            TAG_FLOAT => Some(f64::from_bits(self.payload)),
            _ => None,
        }
    }
    /// The boolean, if it is one.
    pub fn as_bool(self) -> Option<bool> {
        if self.tag == TAG_BOOL {
            Some(self.payload != 0)
        } else {
            None
        }
    }
    /// Integer payload without checking the tag.
    #[inline(always)]
    pub(crate) fn ival(self) -> i64 {
        self.payload as i64
    }
    /// Float payload without checking the tag.
    #[inline(always)]
    pub(crate) fn fval(self) -> f64 {
        f64::from_bits(self.payload)
    }
    /// The string object, if it is a string.
    #[inline(always)]
    pub(crate) fn as_str_ptr(self) -> Option<*mut LuaString> {
        if self.tag == TAG_STR {
            Some(self.payload as *mut LuaString)
        } else {
            None
        }
    }
    /// The table object, if it is a table.
    #[inline(always)]
    pub(crate) fn as_table_ptr(self) -> Option<*mut LuaTable> {
        if self.tag == TAG_TABLE {
            Some(self.payload as *mut LuaTable)
        } else {
            None
        }
    }
    #[inline(always)]
    pub(crate) fn as_lcl_ptr(self) -> Option<*mut LuaClosure> {
        if self.tag == TAG_LCL {
            Some(self.payload as *mut LuaClosure)
        } else {
            None
        }
    }
    #[inline(always)]
    pub(crate) fn as_native_ptr(self) -> Option<*mut NativeClosure> {
        if self.tag == TAG_NATIVE {
            Some(self.payload as *mut NativeClosure)
        } else {
            None
        }
    }
    #[inline(always)]
    pub(crate) fn as_userdata_ptr(self) -> Option<*mut UserData> {
        if self.tag == TAG_USERDATA {
            Some(self.payload as *mut UserData)
        } else {
            None
        }
    }
    #[inline(always)]
    pub(crate) fn as_thread_ptr(self) -> Option<*mut LuaThread> {
        if self.tag == TAG_THREAD {
            Some(self.payload as *mut LuaThread)
        } else {
            None
        }
    }
    /// Pointer payload of a collectable value.
    #[inline(always)]
    pub(crate) fn gc_ptr(self) -> *mut super::gc::GcHeader {
        self.payload as *mut super::gc::GcHeader
    }

    /// The string's bytes if it is a string. The slice is valid while the string is alive (see the GC
    /// rule in [`crate::vm::api`]: arguments of a running native function always are).
    pub fn as_str_bytes<'a>(self) -> Option<&'a [u8]> {
        // SAFETY: a TAG_STR value always points at a live LuaString while it is reachable (GC rule).
        self.as_str_ptr().map(|p| unsafe { (*p).as_bytes() })
    }

    /// Lua type name (`type()` result, Lua 5.4 manual §6.1): "nil", "boolean", "number", "string",
    /// "table", "function", "userdata", "thread".
    pub fn type_name(self) -> &'static str {
        match self.tag {
            TAG_NIL => "nil",
            TAG_BOOL => "boolean",
            TAG_INT | TAG_FLOAT => "number",
            TAG_STR => "string",
            TAG_TABLE => "table",
            TAG_LCL | TAG_NATIVE => "function",
            TAG_USERDATA | TAG_LIGHTUD => "userdata",
            TAG_THREAD => "thread",
            _ => "no value",
        }
    }

    /// Primitive equality (`rawequal`, Lua 5.4 `luaV_rawequalobj`): numbers compare by mathematical
    /// value across subtypes, strings by contents, everything else by identity.
    pub fn raw_eq(self, other: Value) -> bool {
        if self.tag == other.tag {
            match self.tag {
                TAG_FLOAT => self.fval() == other.fval(),
                TAG_STR => {
                    if self.payload == other.payload {
                        return true;
                    }
                    // SAFETY: both are live strings (they are being compared by a running program).
                    unsafe {
                        let (a, b) = (
                            &*(self.payload as *mut LuaString),
                            &*(other.payload as *mut LuaString),
                        );
                        !a.is_short() && !b.is_short() && a.as_bytes() == b.as_bytes()
                    }
                }
                TAG_NIL => true,
                _ => self.payload == other.payload,
            }
        } else if self.tag == TAG_INT && other.tag == TAG_FLOAT {
            super::arith::int_eq_float(self.ival(), other.fval())
        } else if self.tag == TAG_FLOAT && other.tag == TAG_INT {
            super::arith::int_eq_float(other.ival(), self.fval())
        } else {
            false
        }
    }
}

impl std::fmt::Debug for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.tag {
            TAG_NIL => write!(f, "nil"),
            TAG_BOOL => write!(f, "{}", self.payload != 0),
            TAG_INT => write!(f, "{}", self.ival()),
            TAG_FLOAT => write!(f, "{:?}", self.fval()),
            TAG_STR => write!(
                f,
                "{:?}",
                String::from_utf8_lossy(self.as_str_bytes().unwrap_or(b""))
            ),
            _ => write!(f, "{}: {:#x}", self.type_name(), self.payload),
        }
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::int(i)
    }
}
impl From<f64> for Value {
    fn from(f: f64) -> Value {
        Value::float(f)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::bool(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_layout_is_two_words() {
        assert_eq!(std::mem::size_of::<Value>(), 16);
        assert_eq!(std::mem::align_of::<Value>(), 8);
        let v = Value::int(-5);
        // SAFETY: Value is repr(C) of two u64s.
        let words: [u64; 2] = unsafe { std::mem::transmute(v) };
        assert_eq!(words, [(-5i64) as u64, TAG_INT]);
    }

    #[test]
    fn truthiness_and_equality() {
        assert!(Value::NIL.is_falsy() && Value::FALSE.is_falsy());
        assert!(Value::int(0).is_truthy() && Value::TRUE.is_truthy());
        assert!(Value::int(1).raw_eq(Value::float(1.0)));
        assert!(!Value::float(f64::NAN).raw_eq(Value::float(f64::NAN)));
        assert!(!Value::int(i64::MAX).raw_eq(Value::float(9223372036854775807.0)));
        assert_eq!(Value::int(3).type_name(), "number");
    }
}
