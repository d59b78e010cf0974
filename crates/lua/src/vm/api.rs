//! The embedding and native-function API of the VM.
//!
//! # Embedding
//! ```ignore
//! use moonlift_lua::vm::{Vm, Value};
//! let mut vm = Vm::new();
//! moonlift_lua::stdlib::open_libs(&mut vm);
//! let f = vm.load(b"return 1 + ...", b"=demo", "bt", None)?;
//! let r = vm.call(f, &[Value::int(41)])?;      // [42]
//! ```
//!
//! # Native functions (C-API style)
//! A native is a plain `fn(&mut Vm) -> LuaResult<usize>` ([`NativeFn`]). While it runs, its arguments
//! are on the VM stack (so they are GC roots): read them with [`Vm::arg`] (1-based; nil past the end)
//! and [`Vm::arg_count`]; push results with [`Vm::push`] and return how many were pushed (the last `n`
//! pushed values are the results). No heap allocation happens per call.
//! ```ignore
//! fn add(vm: &mut Vm) -> LuaResult<usize> {
//!     let a = vm.check_integer(1)?;          // "bad argument #1 to 'add' (number expected, got nil)"
//!     let b = vm.opt_integer(2, 1)?;
//!     vm.push(Value::int(a.wrapping_add(b)));
//!     Ok(1)
//! }
//! vm.set_global("add", vm.new_native("add", add));
//! ```
//! Argument-error messages name the function as Lua does (`luaL_argerror`): the call-site name
//! (`'insert'` for `table.insert(...)`, `method` calls shift the argument number), else the name given to
//! [`Vm::new_native`].
//!
//! # The GC rule for natives
//! The collector runs only at safepoints (see [`crate::vm::gc`]); inside a native it can run only
//! during calls that execute Lua code: [`Vm::call`], [`Vm::pcall`], [`Vm::get`], [`Vm::set`],
//! [`Vm::tostring`], [`Vm::compare_lt`]... Values held in Rust locals stay valid until the native returns or
//! makes such a call. Keep anything you still need after such a call on the stack ([`Vm::push`]) or
//! in a table reachable from a root (arguments always are rooted). Byte slices from [`Vm::check_string`]
//! / [`Value::as_str_bytes`] follow the same rule.
//!
//! # Errors
//! Natives return `Err` to raise: [`Vm::error`] (`luaL_error`, with position), [`Vm::arg_error`],
//! [`Vm::type_error`], or `Err(vm.throw_value(v))`-style values via [`Vm::error_value`]. A native that
//! wants to catch errors of the code it calls must use [`Vm::pcall`] (a protected boundary that
//! restores the VM's frame state); [`Vm::call`] propagates errors with the frames still in place, which
//! is what lets `xpcall` handlers and tracebacks see the erroring frames.

#![allow(
    clippy::needless_borrow,
    reason = "explicit `&(*ptr).field` borrows are required by rustc's dangerous_implicit_autorefs lint"
)]

use super::Vm;
use super::error::{LuaError, LuaResult};
use super::table::LuaTable;
use super::thread::FrameKind;
use super::value::*;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// A native function: reads its arguments from the VM stack, pushes results, returns their count.
pub type NativeFn = fn(&mut Vm) -> LuaResult<usize>;

/// A borrowed Lua string (see the GC rule in the module doc for how long it stays valid).
#[derive(Clone, Copy)]
pub struct LuaStr {
    v: Value,
}

impl LuaStr {
    /// The bytes (no copy).
    pub fn as_bytes<'a>(&self) -> &'a [u8] {
        self.v.as_str_bytes().unwrap_or(b"")
    }
    /// The string as a value.
    pub fn value(&self) -> Value {
        self.v
    }
}

impl std::fmt::Debug for LuaStr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self.as_bytes()))
    }
}

/// Load mode check (`luaD_protectedparser` / `checkmode`).
fn check_mode(mode: &str, binary: bool) -> Result<(), &'static str> {
    let (c, name) = if binary {
        ('b', "binary")
    } else {
        ('t', "text")
    };
    if mode.contains(c) {
        Ok(())
    } else if binary {
        let _ = name;
        Err("binary")
    } else {
        Err("text")
    }
}

impl Vm {
    // ----- loading and calling -----------------------------------------------------------------

    /// Compile a chunk and wrap it in a closure whose first upvalue (`_ENV`) is `env` or the globals
    /// table (`lua_load`). `mode` is `"b"`, `"t"` or `"bt"`. Syntax errors come back as `Err` whose value
    /// is the full Lua message (`chunk:line: msg near 'tok'`); a chunk refused by `mode` gives
    /// "attempt to load a text chunk (mode is 'b')".
    pub fn load(
        &mut self,
        chunk: &[u8],
        chunkname: &[u8],
        mode: &str,
        env: Option<Value>,
    ) -> LuaResult<Value> {
        let binary = chunk.first() == Some(&0x1b);
        if let Err(kind) = check_mode(mode, binary) {
            let msg = format!("attempt to load a {} chunk (mode is '{}')", kind, mode);
            let v = self.new_str(msg.as_bytes());
            return Err(self.throw_value(v));
        }
        let fp = if binary {
            super::undump::undump(chunk, chunkname).map_err(|m| m.into_bytes())
        } else {
            super::load::compile_chunk(chunk, chunkname)
        };
        let fp = match fp.and_then(|fp| super::load::validate(&fp).map(|()| fp)) {
            Ok(fp) => fp,
            Err(msg) => {
                let v = self.new_str(&msg);
                return Err(self.throw_value(v));
            }
        };
        let proto = self.proto_from(fp);
        let cl = self.alloc_lclosure(proto, 1);
        let env = env.unwrap_or(Value::table(self.globals));
        let uv = self.alloc_closed_upval(env);
        // SAFETY: the closure was just created with one upvalue slot.
        unsafe { (*cl).upvals[0] = uv };
        Ok(Value::from_ptr(TAG_LCL, cl))
    }

    /// Call `f` with `args`, returning all results (`lua_call` with `LUA_MULTRET`). Works from natives
    /// too (counted against the C-stack limit of 200 nested Rust-level calls). See the module doc for
    /// error propagation; called with no Lua frame active (from the embedder), it is a protected
    /// boundary that restores the VM state on error.
    pub fn call(&mut self, f: Value, args: &[Value]) -> LuaResult<Vec<Value>> {
        let func = self.push_call_args(f, args)?;
        let at_base = self.th().ci.len() == 1;
        if at_base {
            let r = self.protected_call(func, -1, None);
            return r.map(|()| self.take_results(func));
        }
        self.call_value(func, -1)?;
        Ok(self.take_results(func))
    }

    /// Call `f` and return only its first result (nil if none). Allocation-free.
    pub fn call1(&mut self, f: Value, args: &[Value]) -> LuaResult<Value> {
        let func = self.push_call_args(f, args)?;
        if self.th().ci.len() == 1 {
            self.protected_call(func, 1, None)?;
        } else {
            self.call_value(func, 1)?;
        }
        let v = self.th().get(func);
        self.th_mut().top = func;
        Ok(v)
    }

    /// Protected call (`lua_pcall`): on error the VM state (frames, open upvalues, to-be-closed
    /// variables, top) is restored and the error returned; `__close` handlers run with the error.
    pub fn pcall(&mut self, f: Value, args: &[Value]) -> LuaResult<Vec<Value>> {
        let func = self.push_call_args(f, args)?;
        match self.protected_call(func, -1, None) {
            Ok(()) => Ok(self.take_results(func)),
            Err(e) => Err(e),
        }
    }

    /// As [`Vm::pcall`], but on error the returned [`LuaError::traceback`] holds a `stack traceback:`
    /// text captured at the error point, formatted like lua.c's `msghandler` (`luaL_traceback`).
    pub fn pcall_traceback(&mut self, f: Value, args: &[Value]) -> LuaResult<Vec<Value>> {
        let func = self.push_call_args(f, args)?;
        match self.protected_call(func, -1, Some(TracebackRequest)) {
            Ok(()) => Ok(self.take_results(func)),
            Err(e) => Err(e),
        }
    }

    fn push_call_args(&mut self, f: Value, args: &[Value]) -> LuaResult<usize> {
        self.ensure_stack(args.len() + 1)?;
        let th = self.th_mut();
        let func = th.top;
        th.set(func, f);
        for (i, &a) in args.iter().enumerate() {
            th.set(func + 1 + i, a);
        }
        th.top = func + 1 + args.len();
        Ok(func)
    }

    fn take_results(&mut self, func: usize) -> Vec<Value> {
        let th = self.th_mut();
        let r = th.live_slice()[func..th.top].to_vec();
        th.top = func;
        r
    }

    // ----- globals, registry, tables -----------------------------------------------------------

    /// The globals table (`_G`).
    pub fn globals(&self) -> Value {
        Value::table(self.globals)
    }
    /// The registry table (`LUA_REGISTRYINDEX`).
    pub fn registry(&self) -> Value {
        Value::table(self.registry)
    }
    /// `_G[name] = v` (raw).
    pub fn set_global(&mut self, name: &str, v: Value) {
        let k = self.new_str(name.as_bytes());
        let _ = self.raw_set(Value::table(self.globals), k, v);
    }
    /// `_G[name]` (raw).
    pub fn get_global(&mut self, name: &str) -> Value {
        let k = self.new_str(name.as_bytes());
        self.raw_get(Value::table(self.globals), k)
    }
    /// A new empty table.
    pub fn new_table(&mut self) -> Value {
        Value::table(self.alloc_table(0, 0))
    }
    /// A new table with preallocated array/hash sizes (`lua_createtable`).
    pub fn new_table_with(&mut self, narray: usize, nhash: usize) -> Value {
        Value::table(self.alloc_table(narray, nhash))
    }
    /// A string value (short strings are interned).
    pub fn new_str(&mut self, s: &[u8]) -> Value {
        Value::string(self.intern(s))
    }
    /// `rawget(t, k)`; nil when `t` is not a table.
    pub fn raw_get(&self, t: Value, k: Value) -> Value {
        match t.as_table_ptr() {
            // SAFETY: live table.
            Some(p) => unsafe { (*p).get(k) },
            None => Value::NIL,
        }
    }
    /// `rawget(t, i)` for an integer key.
    pub fn raw_get_int(&self, t: Value, i: i64) -> Value {
        match t.as_table_ptr() {
            // SAFETY: live table.
            Some(p) => unsafe { (*p).get_int(i) },
            None => Value::NIL,
        }
    }
    /// `rawset(t, k, v)`: errors "table index is nil"/"table index is NaN"; no-op on non-tables.
    pub fn raw_set(&mut self, t: Value, k: Value, v: Value) -> LuaResult<()> {
        let Some(p) = t.as_table_ptr() else {
            return Ok(());
        };
        // SAFETY: live table.
        match unsafe { (*p).set(k, v) } {
            Ok(d) => {
                self.heap.adjust(d);
                Ok(())
            }
            Err(e) => Err(self.error(e.message())),
        }
    }
    /// `rawset(t, i, v)` for an integer key.
    pub fn raw_set_int(&mut self, t: Value, i: i64, v: Value) {
        if let Some(p) = t.as_table_ptr() {
            // SAFETY: live table.
            let d = unsafe { (*p).set_int(i, v) };
            self.heap.adjust(d);
        }
    }
    /// `rawlen`: border of a table, byte length of a string, 0 otherwise.
    pub fn raw_len(&self, v: Value) -> i64 {
        if let Some(p) = v.as_table_ptr() {
            // SAFETY: live table.
            unsafe { (*p).length() }
        } else if let Some(s) = v.as_str_bytes() {
            s.len() as i64
        } else {
            0
        }
    }
    /// `next(t, k)`: the next key/value pair, `None` at the end; errors "invalid key to 'next'".
    pub fn next(&mut self, t: Value, k: Value) -> LuaResult<Option<(Value, Value)>> {
        let Some(p) = t.as_table_ptr() else {
            return Ok(None);
        };
        // SAFETY: live table.
        match unsafe { (*p).next(k) } {
            Ok(r) => Ok(r),
            Err(_) => Err(self.runtime_error("invalid key to 'next'")),
        }
    }
    /// `t[k]` honouring `__index` (may run Lua code).
    pub fn get(&mut self, t: Value, k: Value) -> LuaResult<Value> {
        self.index_value(t, k)
    }
    /// `t[k] = v` honouring `__newindex` (may run Lua code).
    pub fn set(&mut self, t: Value, k: Value, v: Value) -> LuaResult<()> {
        self.newindex_value(t, k, v)
    }
    /// `#v` honouring `__len` (may run Lua code).
    pub fn len(&mut self, v: Value) -> LuaResult<Value> {
        self.len_value(v)
    }
    /// `a == b` honouring `__eq`.
    pub fn equals(&mut self, a: Value, b: Value) -> LuaResult<bool> {
        self.eq_values(a, b)
    }
    /// `a < b` honouring `__lt` ("attempt to compare ..." errors).
    pub fn compare_lt(&mut self, a: Value, b: Value) -> LuaResult<bool> {
        self.less_than(a, b)
    }
    /// `a <= b` honouring `__le`.
    pub fn compare_le(&mut self, a: Value, b: Value) -> LuaResult<bool> {
        self.less_equal(a, b)
    }
    /// Concatenate values as the `..` operator would (numbers converted, `__concat` honoured).
    pub fn concat(&mut self, vals: &[Value]) -> LuaResult<Value> {
        self.concat_values(vals)
    }
    /// Arithmetic `a op b` as the VM does it (`__add` etc.); `op` is the metamethod event.
    pub fn arith(&mut self, op: crate::opcode::TagMethod, a: Value, b: Value) -> LuaResult<Value> {
        self.arith_values(op, a, b)
    }

    /// The metatable of any value, or nil (raw: ignores `__metatable`).
    pub fn get_metatable(&self, v: Value) -> Value {
        let mt = self.metatable_of(v);
        if mt.is_null() {
            Value::NIL
        } else {
            Value::table(mt)
        }
    }
    /// Set the metatable of a table or userdata (or the per-type metatable of other types, as
    /// `debug.setmetatable`). `mt` must be a table value when `Some`. Registers `__gc` finalizers.
    pub fn set_metatable(&mut self, v: Value, mt: Option<Value>) -> LuaResult<()> {
        let m: *mut LuaTable = match mt {
            Some(m) => m.as_table_ptr().unwrap_or(std::ptr::null_mut()),
            None => std::ptr::null_mut(),
        };
        match v.tag {
            TAG_TABLE => {
                let t = v.payload as *mut LuaTable;
                // SAFETY: live table.
                unsafe { (*t).metatable = m };
                self.check_finalizer(v.gc_ptr(), m);
            }
            TAG_USERDATA => {
                let u = v.payload as *mut super::userdata::UserData;
                // SAFETY: live userdata.
                unsafe { (*u).metatable = m };
                self.check_finalizer(v.gc_ptr(), m);
            }
            TAG_STR => self.string_mt = m,
            t => self.type_mts[t as usize & 15] = m,
        }
        Ok(())
    }
    /// A metatable field (`luaL_getmetafield`), nil when absent.
    pub fn get_metafield(&mut self, v: Value, field: &str) -> Value {
        let mt = self.metatable_of(v);
        if mt.is_null() {
            return Value::NIL;
        }
        let k = self.new_str(field.as_bytes());
        // SAFETY: live metatable.
        unsafe { (*mt).get(k) }
    }

    // ----- userdata ----------------------------------------------------------------------------

    /// A new full userdata owning `data`, with an optional metatable.
    pub fn new_userdata(&mut self, data: Box<dyn std::any::Any>, mt: Option<Value>) -> Value {
        let u = self.alloc_userdata(data);
        let v = Value::from_ptr(TAG_USERDATA, u);
        let _ = self.set_metatable(v, mt);
        v
    }
    /// Borrow the payload of a userdata if it has type `T`. Valid under the GC rule.
    pub fn userdata_mut<'a, T: 'static>(&self, v: Value) -> Option<&'a mut T> {
        let u = v.as_userdata_ptr()?;
        // SAFETY: live userdata; the VM is single-threaded and natives do not alias payloads across
        // nested calls by convention (documented).
        unsafe { (*u).data.downcast_mut::<T>() }
    }
    /// The user value of a userdata (nil otherwise).
    pub fn user_value(&self, v: Value) -> Value {
        // SAFETY: live userdata.
        v.as_userdata_ptr()
            .map(|u| unsafe { (*u).user_value })
            .unwrap_or(Value::NIL)
    }
    /// Set the user value of a userdata.
    pub fn set_user_value(&mut self, v: Value, uv: Value) {
        if let Some(u) = v.as_userdata_ptr() {
            // SAFETY: live userdata.
            unsafe { (*u).user_value = uv };
        }
    }

    // ----- native functions --------------------------------------------------------------------

    /// A native function value. `name` is used in messages when the call site gives none
    /// (e.g. `"string.rep"` or `"print"`).
    pub fn new_native(&mut self, name: &'static str, f: NativeFn) -> Value {
        Value::from_ptr(TAG_NATIVE, self.alloc_native(name, f, Vec::new()))
    }
    /// A native closure with upvalues (read them with [`Vm::native_upvalue`]).
    pub fn new_native_closure(
        &mut self,
        name: &'static str,
        f: NativeFn,
        upvals: &[Value],
    ) -> Value {
        Value::from_ptr(TAG_NATIVE, self.alloc_native(name, f, upvals.to_vec()))
    }
    /// Upvalue `i` (0-based) of the running native closure (nil when out of range).
    pub fn native_upvalue(&self, i: usize) -> Value {
        let th = self.th();
        let ci = th.ci.last().expect("frame");
        match th.get(ci.func).as_native_ptr() {
            // SAFETY: live native closure.
            Some(c) => unsafe { (&(*c).upvals).get(i).copied().unwrap_or(Value::NIL) },
            None => Value::NIL,
        }
    }
    /// Set upvalue `i` of the running native closure.
    pub fn set_native_upvalue(&mut self, i: usize, v: Value) {
        let th = self.th();
        let ci = th.ci.last().expect("frame");
        if let Some(c) = th.get(ci.func).as_native_ptr() {
            // SAFETY: live native closure.
            unsafe {
                if let Some(s) = (&mut (*c).upvals).get_mut(i) {
                    *s = v;
                }
            }
        }
    }
    /// Create a library table with these functions, store it as global `name` (and in
    /// `package.loaded` once the package library is open) and return it. Functions are named
    /// `"name.f"` in messages (`"f"` for the base library, `name == "_G"`).
    pub fn register_lib(
        &mut self,
        name: &'static str,
        funcs: &[(&'static str, NativeFn)],
    ) -> Value {
        let t = if name == "_G" {
            self.globals()
        } else {
            self.new_table_with(0, funcs.len())
        };
        for &(fname, f) in funcs {
            let full: &'static str = if name == "_G" {
                fname
            } else {
                Box::leak(format!("{}.{}", name, fname).into_boxed_str())
            };
            let fv = self.new_native(full, f);
            let k = self.new_str(fname.as_bytes());
            let _ = self.raw_set(t, k, fv);
        }
        if name != "_G" {
            self.set_global(name, t);
        }
        // package.loaded[name] = t, via the registry's _LOADED table (created on demand).
        let loaded = self.loaded_table();
        let k = self.new_str(name.as_bytes());
        let _ = self.raw_set(loaded, k, t);
        t
    }
    /// `registry._LOADED` (the `package.loaded` table), created on first use.
    pub fn loaded_table(&mut self) -> Value {
        let k = self.new_str(b"_LOADED");
        let r = self.registry();
        let t = self.raw_get(r, k);
        if t.is_table() {
            return t;
        }
        let t = self.new_table();
        let _ = self.raw_set(r, k, t);
        t
    }

    /// Number of arguments of the running native.
    #[inline]
    pub fn arg_count(&self) -> usize {
        let th = self.th();
        th.top - th.ci.last().map(|c| c.base).unwrap_or(th.top)
    }
    /// Argument `i` (1-based) of the running native; nil when absent.
    #[inline]
    pub fn arg(&self, i: usize) -> Value {
        let th = self.th();
        let base = th.ci.last().map(|c| c.base).unwrap_or(0);
        let idx = base + i - 1;
        if i >= 1 && idx < th.top {
            th.get(idx)
        } else {
            Value::NIL
        }
    }
    /// Replace argument `i` (1-based, must exist).
    pub fn set_arg(&mut self, i: usize, v: Value) {
        let base = self.th().ci.last().map(|c| c.base).unwrap_or(0);
        let idx = base + i - 1;
        if i >= 1 && idx < self.th().top {
            self.th_mut().set(idx, v);
        }
    }
    /// All arguments as a slice (valid until the next push/call).
    pub fn args(&self) -> &[Value] {
        let th = self.th();
        let base = th.ci.last().map(|c| c.base).unwrap_or(0);
        &th.live_slice()[base..th.top]
    }
    /// Push a value on the stack (a result of the running native, or a temporary root).
    #[inline]
    pub fn push(&mut self, v: Value) {
        let th = self.th_mut();
        if th.top + 1 >= th.stack_slots {
            // Natives push a bounded number of values; the EXTRA_STACK headroom covers it.
            return;
        }
        let t = th.top;
        th.set(t, v);
        th.top = t + 1;
        if th.top > th.hwm {
            th.hwm = th.top;
        }
    }
    /// Pop `n` values.
    pub fn pop(&mut self, n: usize) {
        let th = self.th_mut();
        let base = th.ci.last().map(|c| c.base).unwrap_or(0);
        th.top = th.top.saturating_sub(n).max(base);
    }
    /// Current stack height relative to the native's base (`lua_gettop`).
    pub fn get_top(&self) -> usize {
        self.arg_count()
    }
    /// Set the stack height relative to the native's base (`lua_settop`), nil-filling growth.
    pub fn set_top(&mut self, n: usize) {
        let th = self.th_mut();
        let base = th.ci.last().map(|c| c.base).unwrap_or(0);
        let new = base + n;
        for i in th.top..new {
            th.set(i, Value::NIL);
        }
        th.top = new;
        if new > th.hwm {
            th.hwm = new;
        }
    }
    /// Make sure `n` more slots fit above top ("stack overflow" otherwise).
    pub fn ensure_stack(&mut self, n: usize) -> LuaResult<()> {
        let th = self.th();
        if th.top + n > super::thread::LUAI_MAXSTACK {
            return Err(self.runtime_error("stack overflow"));
        }
        let th = self.th_mut();
        if th.top + n > th.hwm {
            th.hwm = th.top + n;
        }
        Ok(())
    }

    // ----- argument checking (luaL_check*) -----------------------------------------------------

    /// Name of the running native for messages and whether it was called as a method
    /// (`luaL_argerror`'s `ar.name` / `namewhat`).
    fn current_fn_name(&self) -> (Vec<u8>, bool) {
        let n = self.th().ci.len();
        if let Some((kind, name)) = self.frame_call_name(n - 1) {
            return (name, kind == "method");
        }
        let th = self.th();
        let f = th.get(th.ci[n - 1].func);
        if let Some(c) = f.as_native_ptr() {
            // SAFETY: live native closure.
            return (unsafe { (*c).name }.as_bytes().to_vec(), false);
        }
        (b"?".to_vec(), false)
    }

    /// `luaL_argerror`: "bad argument #i to 'f' (msg)" (or "calling 'f' on bad self").
    pub fn arg_error(&mut self, i: usize, msg: &str) -> LuaError {
        let (name, method) = self.current_fn_name();
        let mut i = i as i64;
        let mut out = Vec::new();
        if method {
            i -= 1;
            if i == 0 {
                out.extend_from_slice(b"calling '");
                out.extend_from_slice(&name);
                out.extend_from_slice(b"' on bad self (");
                out.extend_from_slice(msg.as_bytes());
                out.push(b')');
                return self.error_bytes(&out);
            }
        }
        out.extend_from_slice(format!("bad argument #{} to '", i).as_bytes());
        out.extend_from_slice(&name);
        out.extend_from_slice(b"' (");
        out.extend_from_slice(msg.as_bytes());
        out.push(b')');
        self.error_bytes(&out)
    }

    /// `luaL_typeerror`: "bad argument #i to 'f' (X expected, got Y)"; Y uses `__name` when present.
    pub fn type_error(&mut self, i: usize, expected: &str) -> LuaError {
        let got: Vec<u8> = if i > self.arg_count() {
            b"no value".to_vec()
        } else {
            let v = self.arg(i);
            let n = self.metafield_by_name(v, self.names.name);
            if let Some(b) = n.as_str_bytes() {
                b.to_vec()
            } else if v.tag == TAG_LIGHTUD {
                b"light userdata".to_vec()
            } else {
                v.type_name().as_bytes().to_vec()
            }
        };
        let msg = format!(
            "{} expected, got {}",
            expected,
            String::from_utf8_lossy(&got)
        );
        self.arg_error(i, &msg)
    }

    /// `luaL_checkany`: "value expected" when argument `i` is absent.
    pub fn check_any(&mut self, i: usize) -> LuaResult<Value> {
        if i > self.arg_count() {
            return Err(self.arg_error(i, "value expected"));
        }
        Ok(self.arg(i))
    }
    /// `luaL_checkinteger`: integers, floats with an integral value, and numeric strings.
    pub fn check_integer(&mut self, i: usize) -> LuaResult<i64> {
        let v = self.arg(i);
        if let Some(n) = v.as_int() {
            return Ok(n);
        }
        match super::arith::to_integer_strict(v) {
            Some(n) => Ok(n),
            None => {
                if super::arith::to_number(v).is_some() {
                    Err(self.arg_error(i, "number has no integer representation"))
                } else {
                    Err(self.type_error(i, "number"))
                }
            }
        }
    }
    /// `luaL_optinteger`: `default` when the argument is absent or nil.
    pub fn opt_integer(&mut self, i: usize, default: i64) -> LuaResult<i64> {
        if self.arg(i).is_nil() {
            Ok(default)
        } else {
            self.check_integer(i)
        }
    }
    /// `luaL_checknumber`: numbers and numeric strings, as a float.
    pub fn check_number(&mut self, i: usize) -> LuaResult<f64> {
        match super::arith::to_number(self.arg(i)) {
            Some(n) => Ok(n.as_f64().unwrap_or(0.0)),
            None => Err(self.type_error(i, "number")),
        }
    }
    /// `luaL_checknumber` keeping the subtype (integer or float value).
    pub fn check_numeric(&mut self, i: usize) -> LuaResult<Value> {
        match super::arith::to_number(self.arg(i)) {
            Some(n) => Ok(n),
            None => Err(self.type_error(i, "number")),
        }
    }
    /// `luaL_optnumber`.
    pub fn opt_number(&mut self, i: usize, default: f64) -> LuaResult<f64> {
        if self.arg(i).is_nil() {
            Ok(default)
        } else {
            self.check_number(i)
        }
    }
    /// `luaL_checklstring`: strings, and numbers converted to strings (the argument slot is replaced
    /// by the string, as `lua_tolstring` does).
    pub fn check_string(&mut self, i: usize) -> LuaResult<LuaStr> {
        let v = self.arg(i);
        if v.is_string() {
            return Ok(LuaStr { v });
        }
        if v.is_number() {
            let mut b = Vec::new();
            super::arith::write_number(&mut b, v);
            let s = self.new_str(&b);
            self.set_arg(i, s);
            return Ok(LuaStr { v: s });
        }
        Err(self.type_error(i, "string"))
    }
    /// `luaL_optlstring`: `None` when absent or nil.
    pub fn opt_string(&mut self, i: usize) -> LuaResult<Option<LuaStr>> {
        if self.arg(i).is_nil() {
            Ok(None)
        } else {
            self.check_string(i).map(Some)
        }
    }
    /// `luaL_checktype(i, LUA_TTABLE)`.
    pub fn check_table(&mut self, i: usize) -> LuaResult<Value> {
        let v = self.arg(i);
        if v.is_table() {
            Ok(v)
        } else {
            Err(self.type_error(i, "table"))
        }
    }
    /// `luaL_checktype(i, LUA_TFUNCTION)`.
    pub fn check_function(&mut self, i: usize) -> LuaResult<Value> {
        let v = self.arg(i);
        if v.is_function() {
            Ok(v)
        } else {
            Err(self.type_error(i, "function"))
        }
    }
    /// `lua_toboolean` of argument `i`.
    pub fn arg_truthy(&self, i: usize) -> bool {
        self.arg(i).is_truthy()
    }
    /// `luaL_checkoption`: index of the argument in `options` (or of `default` when absent);
    /// "invalid option 'x'".
    pub fn check_option(
        &mut self,
        i: usize,
        default: Option<&str>,
        options: &[&str],
    ) -> LuaResult<usize> {
        let name: Vec<u8> = match (self.arg(i).is_nil(), default) {
            (true, Some(d)) => d.as_bytes().to_vec(),
            _ => self.check_string(i)?.as_bytes().to_vec(),
        };
        match options.iter().position(|o| o.as_bytes() == name.as_slice()) {
            Some(p) => Ok(p),
            None => {
                let msg = format!("invalid option '{}'", String::from_utf8_lossy(&name));
                Err(self.arg_error(i, &msg))
            }
        }
    }
    /// An error carrying an arbitrary value (`lua_error`).
    pub fn error_value(&mut self, v: Value) -> LuaError {
        self.throw_value(v)
    }

    // ----- conversions -------------------------------------------------------------------------

    /// `luaL_tolstring`: `__tostring` (must return a string: "'__tostring' must return a string"),
    /// `__name` (`NAME: 0x...`), numbers, booleans, nil, `table: 0x...` etc. May run Lua code.
    pub fn tostring(&mut self, v: Value) -> LuaResult<Value> {
        self.tostring_value(v)
    }
    /// As [`Vm::tostring`], returning the bytes.
    pub fn tostring_bytes(&mut self, v: Value) -> LuaResult<Vec<u8>> {
        let s = self.tostring_value(v)?;
        Ok(s.as_str_bytes().unwrap_or(b"").to_vec())
    }
    /// Type name of a value (`luaL_typename`).
    pub fn type_name_of(&self, v: Value) -> &'static str {
        v.type_name()
    }
    /// `lua_tonumber`-like conversion (numbers and numeric strings).
    pub fn to_number(&self, v: Value) -> Option<Value> {
        super::arith::to_number(v)
    }
    /// `lua_tointegerx`-like conversion (exact integers only).
    pub fn to_integer(&self, v: Value) -> Option<i64> {
        super::arith::to_integer_strict(v)
    }

    // ----- host controls -----------------------------------------------------------------------

    /// Limit the bytes the heap may hold; exceeding it raises "not enough memory" (catchable).
    pub fn set_memory_limit(&mut self, limit: Option<usize>) {
        self.heap.memory_limit = limit;
    }
    /// The interrupt flag: setting it makes the interpreter raise "interrupted!" at its next call or
    /// loop back-edge (the flag is cleared when raised). Give a clone to a signal handler.
    pub fn interrupt_flag(&self) -> Arc<AtomicBool> {
        self.interrupt.clone()
    }
    /// Install a warning handler (default: "Lua warning: msg" on stderr when warnings are on).
    pub fn set_warn_handler(&mut self, h: Option<super::state::WarnHandler>) {
        self.warn_handler = h;
    }
    /// Turn warnings on or off (`warn("@on")`/`warn("@off")`; lua.c starts with them off).
    pub fn set_warnings(&mut self, on: bool) {
        self.warn_on = on;
    }
    /// `lua_warning(msg, tocont)`: emit (part of) a warning. Control messages `@on`/`@off` switch
    /// warnings when sent as a single piece.
    pub fn warn(&mut self, msg: &[u8], tocont: bool) {
        if self.warn_buf.is_empty() && !tocont && msg.first() == Some(&b'@') {
            match msg {
                b"@on" => self.warn_on = true,
                b"@off" => self.warn_on = false,
                _ => {}
            }
            return;
        }
        self.warn_buf.extend_from_slice(msg);
        if !tocont {
            let m = std::mem::take(&mut self.warn_buf);
            self.emit_warning(&m, true);
        }
    }
    pub(crate) fn emit_warning(&mut self, msg: &[u8], _from_lua: bool) {
        if let Some(h) = self.warn_handler.as_mut() {
            h(msg);
            return;
        }
        if !self.warn_on {
            return;
        }
        use std::io::Write;
        let _ = self.stdout.flush();
        let mut e = std::io::stderr().lock();
        let _ = e.write_all(b"Lua warning: ");
        let _ = e.write_all(msg);
        let _ = e.write_all(b"\n");
    }

    /// Is a frame of the running thread a Lua function? (for debug-style queries by level:
    /// level 0 is the running function).
    pub fn frame_is_lua(&self, level: usize) -> bool {
        let th = self.th();
        let n = th.ci.len();
        level < n - 1 && th.ci[n - 1 - level].kind == FrameKind::Lua
    }
}

/// Marker asking [`Vm::protected_call`] to capture a traceback at the error point.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TracebackRequest;

#[cfg(test)]
mod tests {
    use super::*;

    fn add(vm: &mut Vm) -> LuaResult<usize> {
        let a = vm.check_integer(1)?;
        let b = vm.opt_integer(2, 1)?;
        vm.push(Value::int(a.wrapping_add(b)));
        Ok(1)
    }

    #[test]
    fn native_call_and_arg_errors() {
        let mut vm = Vm::new();
        let f = vm.new_native("add", add);
        let r = vm.call(f, &[Value::int(40), Value::int(2)]).unwrap();
        assert_eq!(r[0].as_int(), Some(42));
        let e = vm.call(f, &[]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "bad argument #1 to 'add' (number expected, got no value)"
        );
        let e = vm.call(f, &[Value::float(1.5)]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "bad argument #1 to 'add' (number has no integer representation)"
        );
        // The VM state is restored after a top-level error.
        assert_eq!(vm.th().ci.len(), 1);
    }
}
