//! Lua errors as Rust values.
//!
//! Every Lua error is a Lua value (Lua 5.4 manual §2.3): runtime errors raised by the VM carry a
//! message string prefixed with `chunkid:line:` of the running Lua function (`luaG_runerror`);
//! `error(v)` carries `v` unchanged. Errors propagate as `Err(LuaError)` through Rust frames;
//! `pcall`/`xpcall` are the boundaries that turn them back into values.
//!
//! Rooting: the most recently raised error value is kept alive by the VM (`Vm::last_error`) until
//! the next error, so a `LuaError` returned by [`Vm::call`](super::Vm::call) can be displayed safely.

use super::Vm;
use super::value::*;

/// A Lua error: the error value plus, when requested (see [`Vm::pcall_traceback`]), a traceback.
#[derive(Clone, Debug)]
pub struct LuaError {
    /// The error object (usually a message string).
    pub value: Value,
    /// `stack traceback:` text captured at the error point, when requested.
    pub traceback: Option<String>,
}

/// Result of fallible VM operations.
pub type LuaResult<T> = Result<T, LuaError>;

impl LuaError {
    /// Wrap an error value.
    pub fn new(value: Value) -> LuaError {
        LuaError {
            value,
            traceback: None,
        }
    }
}

impl std::fmt::Display for LuaError {
    /// The message as lua.c prints it: strings and numbers as text, otherwise
    /// `(error object is a X value)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.value.tag {
            TAG_STR => write!(
                f,
                "{}",
                String::from_utf8_lossy(self.value.as_str_bytes().unwrap_or(b""))
            ),
            TAG_INT | TAG_FLOAT => {
                let mut b = Vec::new();
                super::arith::write_number(&mut b, self.value);
                write!(f, "{}", String::from_utf8_lossy(&b))
            }
            _ => write!(f, "(error object is a {} value)", self.value.type_name()),
        }
    }
}

impl std::error::Error for LuaError {}

impl Vm {
    /// Make an error from a value, rooting it as the last error.
    pub(crate) fn throw_value(&mut self, v: Value) -> LuaError {
        self.last_error = v;
        LuaError::new(v)
    }

    /// A runtime error with a message and the `chunk:line:` prefix of the running Lua function
    /// (`luaG_runerror`). Natives use [`Vm::error`] / `luaL_error`-like helpers instead.
    pub fn runtime_error(&mut self, msg: &str) -> LuaError {
        self.runtime_error_bytes(msg.as_bytes())
    }

    /// As [`Vm::runtime_error`] with a byte-string message.
    pub fn runtime_error_bytes(&mut self, msg: &[u8]) -> LuaError {
        let mut full = self.where_prefix(self.th().ci.len() - 1);
        full.extend_from_slice(msg);
        let s = self.new_str(&full);
        self.throw_value(s)
    }

    /// `luaL_error`: message prefixed with the position of the *calling Lua code* of the running
    /// native (level 1, `luaL_where(L, 1)`), e.g. `t.lua:3: bad thing`.
    pub fn error(&mut self, msg: &str) -> LuaError {
        self.error_bytes(msg.as_bytes())
    }

    /// As [`Vm::error`] with bytes.
    pub fn error_bytes(&mut self, msg: &[u8]) -> LuaError {
        let mut full = self.where_level(1);
        full.extend_from_slice(msg);
        let s = self.new_str(&full);
        self.throw_value(s)
    }

    /// `luaL_where(L, level)` seen from a running native: level 1 is the function that called it.
    pub fn where_level(&self, level: usize) -> Vec<u8> {
        let n = self.th().ci.len();
        if level == 0 || level >= n {
            return Vec::new();
        }
        let idx = n - 1 - level;
        if self.th().ci[idx].kind == super::thread::FrameKind::Lua {
            self.lua_frame_where(idx)
        } else {
            Vec::new()
        }
    }

    /// The preallocated "not enough memory" error.
    pub(crate) fn memory_error(&mut self) -> LuaError {
        let v = Value::string(self.names.memerr);
        self.throw_value(v)
    }

    /// `luaL_where(L, level)` for a frame index: `"chunk:line: "` if that frame is a Lua function,
    /// else empty.
    pub(crate) fn where_prefix(&self, ci_idx: usize) -> Vec<u8> {
        let th = self.th();
        let ci = &th.ci[ci_idx];
        if ci.kind != super::thread::FrameKind::Lua {
            // luaG_runerror adds a position only when the running function is a Lua function.
            return Vec::new();
        }
        self.lua_frame_where(ci_idx)
    }

    /// `"chunk:line: "` of a Lua frame.
    pub(crate) fn lua_frame_where(&self, ci_idx: usize) -> Vec<u8> {
        let th = self.th();
        let ci = &th.ci[ci_idx];
        let f = th.get(ci.func);
        let Some(cl) = f.as_lcl_ptr() else {
            return Vec::new();
        };
        // SAFETY: live closure and proto.
        let p = unsafe { &*(*cl).proto };
        let line = super::debug::current_line(p, ci.savedpc);
        let mut out = super::debug::chunk_id(&p.src.source);
        out.extend_from_slice(format!(":{}: ", line).as_bytes());
        out
    }

    /// Text of an error value as lua.c's `msghandler`/`lua_writestringerror` would show it.
    pub fn error_text(&self, e: &LuaError) -> Vec<u8> {
        e.to_string().into_bytes()
    }
}
