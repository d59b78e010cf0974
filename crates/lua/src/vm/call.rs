//! Calls, returns and protected boundaries (`ldo.c`): frame push/pop, result moving, `__call`
//! resolution, the C-stack guard, upvalue closing and to-be-closed variables.
//!
//! Invariants:
//! - Lua→Lua calls never recurse on the Rust stack: [`Vm::precall`] only pushes a frame and the
//!   interpreter continues in the callee. Rust-level recursion happens only through
//!   [`Vm::call_value`] (natives calling Lua, metamethods), counted in `n_ccalls` and limited to
//!   [`LUAI_MAXCCALLS`] ("C stack overflow"; beyond that, "error in error handling").
//! - Errors propagate as `Err` with frames left in place; only a protected boundary
//!   ([`Vm::protected_call`]) restores the frame list, closes upvalues and to-be-closed variables
//!   (calling `__close` with the error) and resets `top`.

use super::Vm;
use super::api::TracebackRequest;
use super::error::{LuaError, LuaResult};
use super::function::UpVal;
use super::meta::Culprit;
use super::thread::{CIST_FRESH, CallInfo, FrameKind, LUAI_MAXSTACK};
use super::value::*;
use crate::opcode::TagMethod;
use std::sync::atomic::Ordering;

/// Maximum nesting of Rust-level calls (`LUAI_MAXCCALLS`).
pub const LUAI_MAXCCALLS: u32 = 200;
/// Free slots guaranteed to a native function (`LUA_MINSTACK`).
pub const LUA_MINSTACK: usize = 20;

impl Vm {
    /// Call the function in slot `func` with the arguments up to `top`, from Rust. Results are left
    /// at `func..` (`top` = one past the last when `nresults == -1`, else `func + nresults`).
    pub(crate) fn call_value(&mut self, func: usize, nresults: i32) -> LuaResult<()> {
        self.n_ccalls += 1;
        if self.n_ccalls >= LUAI_MAXCCALLS || super::state::approx_sp() < self.native_stack_guard()
        {
            let r = self.cstack_error();
            if let Err(e) = r {
                self.n_ccalls -= 1;
                return Err(e);
            }
        }
        let r = match self.precall(func, nresults) {
            Ok(true) => {
                let th = self.th_mut();
                let last = th.ci.len() - 1;
                th.ci[last].status |= CIST_FRESH;
                self.execute()
            }
            Ok(false) => Ok(()),
            Err(e) => Err(e),
        };
        self.n_ccalls -= 1;
        r
    }

    /// The native stack guard for the running OS thread (computed on first use, recomputed when
    /// the VM is driven from a different thread whose stack lies elsewhere).
    #[inline]
    pub(crate) fn native_stack_guard(&mut self) -> usize {
        let sp = super::state::approx_sp();
        let lim = self.native_stack_limit;
        // A limit far from sp (more than 1 GiB) belongs to another thread's stack: recompute.
        if lim == 0 || sp < lim.saturating_sub(1 << 30) || sp > lim + (1 << 30) {
            self.native_stack_limit = super::state::current_native_stack_limit();
        }
        self.native_stack_limit
    }

    #[cold]
    fn cstack_error(&mut self) -> LuaResult<()> {
        if super::state::approx_sp() < self.native_stack_limit && self.n_ccalls < LUAI_MAXCCALLS {
            // Out of native stack before reaching the call-count limit (small thread stacks).
            return Err(self.runtime_error("C stack overflow"));
        }
        if self.n_ccalls == LUAI_MAXCCALLS {
            Err(self.runtime_error("C stack overflow"))
        } else if self.n_ccalls >= LUAI_MAXCCALLS / 10 * 11 {
            let v = self.new_str(b"error in error handling");
            Err(self.throw_value(v))
        } else {
            Ok(())
        }
    }

    /// Prepare a call of the value in slot `func` (arguments up to `top`): push a Lua frame and
    /// return `true`, or run a native function to completion (results moved) and return `false`.
    /// Non-functions go through `__call` (the handler is inserted as the function).
    #[inline]
    pub(crate) fn precall(&mut self, func: usize, nresults: i32) -> LuaResult<bool> {
        loop {
            let f = self.th().get(func);
            match f.tag {
                TAG_LCL => {
                    self.push_lua_frame(func, f, nresults)?;
                    return Ok(true);
                }
                TAG_NATIVE => {
                    self.call_native(func, f, nresults)?;
                    return Ok(false);
                }
                _ => self.insert_call_tm(func, f)?,
            }
        }
    }

    /// `luaD_tryfuncTM`: shift the arguments up and put `__call` in `func`.
    #[cold]
    pub(crate) fn insert_call_tm(&mut self, func: usize, f: Value) -> LuaResult<()> {
        let tm = self.metamethod(f, TagMethod::Call);
        if tm.is_nil() {
            // luaG_callerror: name the callee from the calling instruction, else describe it
            // as a register of the running Lua frame.
            let th = self.th();
            let ci_idx = th.ci.len() - 1;
            let ci = th.ci[ci_idx];
            let named = if ci.kind == FrameKind::Lua {
                self.frame_proto(ci_idx).and_then(|p| {
                    ci.savedpc
                        .checked_sub(1)
                        .and_then(|pc| super::debug::func_name_from_code(p, pc))
                })
            } else {
                None
            };
            if let Some((kind, name)) = named {
                let mut msg =
                    format!("attempt to call a {} value", self.obj_typename(f)).into_bytes();
                msg.extend_from_slice(format!(" ({} '", kind).as_bytes());
                msg.extend_from_slice(&name);
                msg.extend_from_slice(b"')");
                return Err(self.runtime_error_bytes(&msg));
            }
            let c = if ci.kind == FrameKind::Lua && func >= ci.base {
                Culprit::reg((func - ci.base) as u32)
            } else {
                Culprit::NONE
            };
            return Err(self.type_error_op(f, "call", c));
        }
        self.ensure_stack(1)?;
        let th = self.th_mut();
        let top = th.top;
        let mut i = top;
        while i > func {
            let v = th.get(i - 1);
            th.set(i, v);
            i -= 1;
        }
        th.top = top + 1;
        th.set(func, tm);
        Ok(())
    }

    #[inline(always)]
    pub(crate) fn push_lua_frame(&mut self, func: usize, f: Value, nresults: i32) -> LuaResult<()> {
        // SAFETY: f is a live Lua closure with a live proto.
        let p = unsafe { &*(*(f.payload as *mut super::function::LuaClosure)).proto };
        let th = self.th_mut();
        let nargs = th.top - func - 1;
        let fsize = p.src.max_stack as usize;
        let need = func + 1 + fsize + if p.src.is_vararg { nargs + 1 } else { 0 };
        if need > LUAI_MAXSTACK {
            return Err(self.stack_overflow());
        }
        let th = self.th_mut();
        let np = p.src.num_params as usize;
        for i in nargs..np {
            th.set(func + 1 + i, Value::NIL);
        }
        let base = func + 1;
        th.ci.push(CallInfo {
            func,
            base,
            top: base + fsize,
            savedpc: 0,
            nresults,
            nextraargs: 0,
            kind: FrameKind::Lua,
            tier: 0,
            status: 0,
        });
        if need > th.hwm {
            th.hwm = need;
        }
        if !p.src.is_vararg {
            th.top = base + fsize;
        }
        let c = p.call_count.get();
        p.call_count.set(c.saturating_add(1));
        if self.interrupt.load(Ordering::Relaxed) {
            return Err(self.interrupted());
        }
        Ok(())
    }

    #[cold]
    pub(crate) fn stack_overflow(&mut self) -> LuaError {
        self.runtime_error("stack overflow")
    }

    #[cold]
    pub(crate) fn interrupted(&mut self) -> LuaError {
        self.interrupt.store(false, Ordering::Relaxed);
        // lua.c raises it from a hook with `luaL_error`, whose level-1 frame is the host's, so the
        // message carries no `chunk:line:` position.
        let v = self.new_str(b"interrupted!");
        self.throw_value(v)
    }

    /// Run a native function in a new frame and move its results to `func`.
    #[inline(never)]
    pub(crate) fn call_native(&mut self, func: usize, f: Value, nresults: i32) -> LuaResult<()> {
        let th = self.th_mut();
        let top = th.top;
        if top + LUA_MINSTACK > LUAI_MAXSTACK {
            return Err(self.stack_overflow());
        }
        let th = self.th_mut();
        th.ci.push(CallInfo {
            func,
            base: func + 1,
            top: top + LUA_MINSTACK,
            savedpc: 0,
            nresults,
            nextraargs: 0,
            kind: FrameKind::Native,
            tier: 0,
            status: 0,
        });
        if top + LUA_MINSTACK > th.hwm {
            th.hwm = top + LUA_MINSTACK;
        }
        if self.heap.due() {
            self.gc_slow()?;
        }
        if self.hook_mask != 0 {
            let ci_idx = self.th().ci.len() - 1;
            self.hook_native_call(ci_idx, top - func - 1)?;
        }
        // SAFETY: f is a live native closure.
        let nf = unsafe { (*(f.payload as *mut super::function::NativeClosure)).f };
        let n = nf(self)?;
        let th = self.th_mut();
        let n = n.min(th.top - func - 1);
        let first = th.top - n;
        if self.hook_mask != 0 {
            let ci_idx = self.th().ci.len() - 1;
            self.hook_return(ci_idx, first, n)?;
        }
        let th = self.th_mut();
        th.ci.pop();
        self.move_results(func, first, n, nresults);
        Ok(())
    }

    /// Move `n` results from `first` to `res` adjusting to `wanted` (`moveresults`); sets `top`.
    #[inline(always)]
    pub(crate) fn move_results(&mut self, res: usize, first: usize, n: usize, wanted: i32) {
        let th = self.th_mut();
        match wanted {
            0 => th.top = res,
            1 => {
                let v = if n == 0 { Value::NIL } else { th.get(first) };
                th.set(res, v);
                th.top = res + 1;
            }
            -1 => {
                for i in 0..n {
                    let v = th.get(first + i);
                    th.set(res + i, v);
                }
                th.top = res + n;
            }
            w => {
                let w = w as usize;
                for i in 0..w {
                    let v = if i < n { th.get(first + i) } else { Value::NIL };
                    th.set(res + i, v);
                }
                th.top = res + w;
            }
        }
    }

    // ----- upvalues and to-be-closed variables ------------------------------------------------

    /// Find or create the open upvalue for stack slot `level` (`luaF_findupval`).
    pub(crate) fn find_upval(&mut self, level: usize) -> *mut UpVal {
        let th = self.th();
        // Open upvalues are sorted by level; search from the top (most recent).
        let mut pos = th.open_upvals.len();
        while pos > 0 {
            let u = th.open_upvals[pos - 1];
            // SAFETY: open upvalues are live.
            let l = unsafe { (*u).level };
            if l == level {
                return u;
            }
            if l < level {
                break;
            }
            pos -= 1;
        }
        let u = self.alloc_upval(level);
        self.th_mut().open_upvals.insert(pos, u);
        u
    }

    /// Close open upvalues at or above `level` (`luaF_closeupval`).
    #[inline]
    pub(crate) fn close_upvals(&mut self, level: usize) {
        let th = self.th_mut();
        while let Some(&u) = th.open_upvals.last() {
            // SAFETY: open upvalues are live; closing copies the slot into the upvalue.
            unsafe {
                if (*u).level < level {
                    break;
                }
                (*u).closed = *(*u).v;
                (*u).v = &mut (*u).closed;
            }
            th.open_upvals.pop();
        }
    }

    /// Register slot `idx` as a to-be-closed variable (`luaF_newtbcupval`); `name` for messages.
    pub(crate) fn new_tbc(&mut self, idx: usize, name: &[u8]) -> LuaResult<()> {
        let v = self.th().get(idx);
        if v.is_falsy() {
            return Ok(());
        }
        if self.metamethod(v, TagMethod::Close).is_nil() {
            let mut msg = b"variable '".to_vec();
            msg.extend_from_slice(name);
            msg.extend_from_slice(b"' got a non-closable value");
            return Err(self.runtime_error_bytes(&msg));
        }
        self.th_mut().tbc.push(idx);
        Ok(())
    }

    /// Call `__close` of pending to-be-closed variables at or above `level`, last first, with the
    /// error value `err` (nil on normal exit). On normal exit an error from a handler propagates;
    /// while unwinding, it replaces the error and closing continues. Returns the final error value.
    pub(crate) fn close_tbc(
        &mut self,
        level: usize,
        mut err: Option<Value>,
    ) -> LuaResult<Option<Value>> {
        while let Some(&idx) = self.th().tbc.last() {
            if idx < level {
                break;
            }
            self.th_mut().tbc.pop();
            let obj = self.th().get(idx);
            let tm = self.metamethod(obj, TagMethod::Close);
            let errv = err.unwrap_or(Value::NIL);
            let r = if tm.is_nil() {
                Err(self.runtime_error("metamethod 'close' is not callable"))
            } else {
                let func = self.th().top;
                self.ensure_stack(3)?;
                let th = self.th_mut();
                th.set(func, tm);
                th.set(func + 1, obj);
                th.set(func + 2, errv);
                th.top = func + 3;
                let r = self.call_value(func, 0);
                if r.is_ok() {
                    self.th_mut().top = func;
                }
                r
            };
            match (r, err.is_some()) {
                (Ok(()), _) => {}
                (Err(e), false) => return Err(e),
                (Err(e), true) => {
                    // The frames of the failed handler are discarded by our caller's unwinding.
                    err = Some(e.value);
                }
            }
        }
        Ok(err)
    }

    /// Run `func` (already in its slot with arguments up to `top`) as a protected call (`luaD_pcall`):
    /// on error, optionally capture a traceback, call the message handler `handler` at the error point
    /// (xpcall), then restore frames, close upvalues and to-be-closed variables at or above `func`
    /// and reset `top` to `func`.
    pub(crate) fn protected_call(
        &mut self,
        func: usize,
        nresults: i32,
        tb: Option<TracebackRequest>,
    ) -> LuaResult<()> {
        self.protected_call_h(func, nresults, tb, Value::NIL)
    }

    /// As [`Vm::protected_call`] with a message handler (nil for none).
    pub(crate) fn protected_call_h(
        &mut self,
        func: usize,
        nresults: i32,
        tb: Option<TracebackRequest>,
        handler: Value,
    ) -> LuaResult<()> {
        let saved_ci = self.th().ci.len();
        let saved_ccalls = self.n_ccalls;
        let saved_tbc = self.th().tbc.len();
        let r = self.call_value(func, nresults);
        let Err(mut e) = r else { return Ok(()) };
        // Make room above every frame for handlers.
        let hi = self
            .th()
            .ci
            .iter()
            .skip(saved_ci)
            .map(|c| c.top)
            .max()
            .unwrap_or(0);
        {
            let th = self.th_mut();
            if hi > th.top {
                th.top = hi;
            }
        }
        if tb.is_some() {
            let n = self.th().ci.len();
            e.traceback = Some(self.traceback_from(n - 1));
        }
        if !handler.is_nil() {
            e = self.call_handler(handler, e);
        }
        // Unwind.
        self.n_ccalls = saved_ccalls;
        self.th_mut().ci.truncate(saved_ci);
        self.close_upvals(func);
        let _ = saved_tbc;
        let mut errv = e.value;
        self.pinned.push(errv);
        loop {
            match self.close_tbc(func, Some(errv)) {
                Ok(v) => {
                    errv = v.unwrap_or(errv);
                    break;
                }
                Err(e2) => {
                    errv = e2.value;
                    let th = self.th_mut();
                    th.ci.truncate(saved_ci);
                }
            }
        }
        self.pinned.pop();
        self.th_mut().ci.truncate(saved_ci);
        self.n_ccalls = saved_ccalls;
        // The unwound frames' registers are dead: clear them so stale references in slots that the
        // caller's frame still covers do not keep garbage alive (e.g. after "not enough memory").
        {
            let th = self.th_mut();
            let end = hi.max(th.top).min(th.stack_slots);
            for i in func..end {
                th.set(i, Value::NIL);
            }
            th.top = func;
        }
        e.value = errv;
        self.last_error = errv;
        Err(e)
    }

    /// Call an xpcall message handler on error `e` at the error point; errors inside the handler
    /// are handled recursively by the same handler until the C-stack limit gives
    /// "error in error handling" (as `luaD_throw` with an error function does).
    fn call_handler(&mut self, handler: Value, e: LuaError) -> LuaError {
        let mut err = e;
        let mut depth = 0;
        loop {
            let func = self.th().top;
            if self.ensure_stack(2).is_err() {
                break;
            }
            let th = self.th_mut();
            th.set(func, handler);
            th.set(func + 1, err.value);
            th.top = func + 2;
            match self.call_value(func, 1) {
                Ok(()) => {
                    let v = self.th().get(func);
                    self.th_mut().top = func;
                    err.value = v;
                    self.last_error = v;
                    return err;
                }
                Err(e2) => {
                    depth += 1;
                    err.value = e2.value;
                    if depth > 10 || self.n_ccalls >= LUAI_MAXCCALLS {
                        let v = self.new_str(b"error in error handling");
                        err.value = v;
                        self.last_error = v;
                        return err;
                    }
                }
            }
        }
        err
    }

    /// `pcall`/`xpcall` core for the base library: call the function at argument slot 1 of the running
    /// native with the following arguments; return the number of values pushed (true + results, or
    /// false + error).
    pub(crate) fn pcall_native(&mut self, first_arg: usize, handler: Value) -> LuaResult<usize> {
        let th = self.th();
        let base = th.ci.last().expect("frame").base;
        let func = base + first_arg - 1;
        let r = self.protected_call_h(func, -1, None, handler);
        match r {
            Ok(()) => {
                // Results are at func..top; put `true` before them: shift into func-1? The slot
                // below func belongs to us (it is an argument or the handler), so insert in place.
                let th = self.th_mut();
                let top = th.top;
                let mut i = top;
                while i > func {
                    let v = th.get(i - 1);
                    th.set(i, v);
                    i -= 1;
                }
                th.set(func, Value::TRUE);
                th.top = top + 1;
                Ok(top + 1 - func)
            }
            Err(e) => {
                let th = self.th_mut();
                th.set(func, Value::FALSE);
                th.set(func + 1, e.value);
                th.top = func + 2;
                Ok(2)
            }
        }
    }
}
