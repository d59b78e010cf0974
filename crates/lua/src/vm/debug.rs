//! Debug information for messages and tracebacks, computed from bytecode like Lua 5.4's `ldebug.c`:
//! chunk ids (`luaO_chunkid`), current lines, variable descriptions for errors (`varinfo`,
//! `getobjname`), function names from call sites (`funcnamefromcode`) and `luaL_traceback`.
//!
//! The bytecode analyses themselves (chunk ids, `getobjname`, `funcnamefromcode`, local names) live
//! in [`crate::debuginfo`], shared with the front end; this module applies them to running frames.
//!
//! Everything here only reads frames and protos; nothing allocates GC objects except the traceback
//! helpers that search `package.loaded` (read-only).

use super::Vm;
use super::function::Proto;
use super::thread::{CIST_FIN, CIST_HOOKED, CIST_TAIL, FrameKind, LuaThread};
use super::value::*;

/// Hook mask bit: call events.
pub const HOOK_CALL: u8 = 1;
/// Hook mask bit: return events.
pub const HOOK_RET: u8 = 2;
/// Hook mask bit: line events.
pub const HOOK_LINE: u8 = 4;
/// Hook mask bit: count events.
pub const HOOK_COUNT: u8 = 8;

/// `luaO_chunkid`: the printable source name of a chunk (`=name`, `@file`, or `[string "..."]`).
pub fn chunk_id(source: &[u8]) -> Vec<u8> {
    crate::debuginfo::chunk_id_bytes(source)
}

/// Line of the instruction being executed in a frame whose saved pc is `savedpc` (the next
/// instruction), i.e. of instruction `savedpc - 1`.
///
/// A frame that has not saved its pc since entry (`savedpc == 0`) reports the line where the
/// function is defined, as PUC-Lua 5.4.4 does for pc -1 (`luaG_getfuncline`).
pub fn current_line(p: &Proto, savedpc: usize) -> u32 {
    if savedpc == 0 {
        return p.src.line_defined;
    }
    p.src.line_info.get(savedpc - 1).copied().unwrap_or(0)
}

/// Name of the `n`-th (1-based) local active at `pc` (`luaF_getlocalname`).
pub fn local_name(p: &Proto, n: usize, pc: usize) -> Option<&[u8]> {
    crate::debuginfo::local_name(&p.src, n, pc)
}

/// `getobjname`: describe register `reg` at `lastpc` as `(kind, name)`, kind one of "local",
/// "global", "field", "upvalue", "constant", "method".
pub fn obj_name(p: &Proto, lastpc: usize, reg: u32) -> Option<(&'static str, Vec<u8>)> {
    crate::debuginfo::register_name(&p.src, lastpc, reg)
}

/// `funcnamefromcode`: name of the function called by instruction `pc` of `p`.
pub fn func_name_from_code(p: &Proto, pc: usize) -> Option<(&'static str, Vec<u8>)> {
    crate::debuginfo::call_site_name(&p.src, pc)
}

impl Vm {
    /// The proto of a Lua frame.
    pub(crate) fn frame_proto(&self, ci_idx: usize) -> Option<&Proto> {
        let th = self.th();
        let ci = th.ci.get(ci_idx)?;
        if ci.kind != FrameKind::Lua {
            return None;
        }
        let cl = th.get(ci.func).as_lcl_ptr()?;
        // SAFETY: live closure and proto.
        Some(unsafe { &*(*cl).proto })
    }

    /// How the function running in frame `ci_idx` was named by its caller (`getfuncname`):
    /// `(namewhat, name)`.
    pub(crate) fn frame_call_name(&self, ci_idx: usize) -> Option<(&'static str, Vec<u8>)> {
        let th = self.th();
        let ci = th.ci.get(ci_idx)?;
        if ci.status & CIST_FIN != 0 {
            return Some(("metamethod", b"__gc".to_vec()));
        }
        if ci.status & CIST_TAIL != 0 || ci_idx == 0 {
            return None;
        }
        if th.ci[ci_idx - 1].status & CIST_HOOKED != 0 {
            // The hook function itself, called by the frame it traces (`CIST_HOOKED`).
            return Some(("hook", b"?".to_vec()));
        }
        let caller = self.frame_proto(ci_idx - 1)?;
        let pc = th.ci[ci_idx - 1].savedpc.checked_sub(1)?;
        func_name_from_code(caller, pc)
    }

    /// `varinfo` for a value that came from register `reg` of the running Lua frame:
    /// `" (local 'x')"`, `" (global 'x')"`... or empty.
    pub(crate) fn varinfo_reg(&self, reg: u32) -> Vec<u8> {
        let ci_idx = self.th().ci.len() - 1;
        let Some(p) = self.frame_proto(ci_idx) else {
            return Vec::new();
        };
        let pc = self.th().ci[ci_idx].savedpc.saturating_sub(1);
        match obj_name(p, pc, reg) {
            Some((kind, name)) => format_varinfo(kind, &name),
            None => Vec::new(),
        }
    }

    /// `varinfo` for upvalue `idx` of the running Lua closure.
    pub(crate) fn varinfo_upval(&self, idx: usize) -> Vec<u8> {
        let ci_idx = self.th().ci.len() - 1;
        let Some(p) = self.frame_proto(ci_idx) else {
            return Vec::new();
        };
        format_varinfo("upvalue", &crate::debuginfo::upvalue_name(&p.src, idx))
    }

    /// Search `package.loaded` for a function value (`pushglobalfuncname`): `"string.rep"`, `"print"`.
    fn global_func_name(&self, f: Value) -> Option<Vec<u8>> {
        // SAFETY: registry is live.
        let reg = unsafe { &*self.registry };
        let mut loaded_key = None;
        let mut k = Value::NIL;
        // Find the _LOADED entry without allocating.
        while let Ok(Some((nk, v))) = reg.next(k) {
            if nk.as_str_bytes() == Some(b"_LOADED") {
                loaded_key = Some(v);
                break;
            }
            k = nk;
        }
        let loaded = loaded_key?.as_table_ptr()?;
        // SAFETY: live table.
        let loaded = unsafe { &*loaded };
        let mut mk = Value::NIL;
        while let Ok(Some((modname, m))) = loaded.next(mk) {
            if let (Some(mn), Some(mt)) = (modname.as_str_bytes(), m.as_table_ptr()) {
                // SAFETY: live module table.
                let mt = unsafe { &*mt };
                let mut fk = Value::NIL;
                while let Ok(Some((fname, fv))) = mt.next(fk) {
                    if fv.raw_eq(f)
                        && let Some(fnm) = fname.as_str_bytes()
                    {
                        if mn == b"_G" {
                            return Some(fnm.to_vec());
                        }
                        let mut out = mn.to_vec();
                        out.push(b'.');
                        out.extend_from_slice(fnm);
                        return Some(out);
                    }
                    fk = fname;
                }
            }
            mk = modname;
        }
        None
    }

    /// `luaL_traceback` of the running thread from frame `ci_top` (inclusive) down to the base:
    /// `stack traceback:\n\t...` (no trailing newline).
    pub fn traceback_from(&self, ci_top: usize) -> String {
        let th = self.th();
        let mut lines: Vec<Vec<u8>> = Vec::new();
        let mut idx = ci_top as isize;
        while idx >= 0 {
            let i = idx as usize;
            let ci = &th.ci[i];
            let mut line = b"\n\t".to_vec();
            let f = th.get(ci.func);
            match ci.kind {
                FrameKind::Lua => {
                    let p = self.frame_proto(i).expect("lua frame");
                    line.extend_from_slice(&chunk_id(&p.src.source));
                    line.push(b':');
                    let cl = current_line(p, ci.savedpc);
                    if cl > 0 {
                        line.extend_from_slice(format!("{}:", cl).as_bytes());
                    }
                }
                _ => line.extend_from_slice(b"[C]:"),
            }
            line.extend_from_slice(b" in ");
            let gname = if ci.kind == FrameKind::Base {
                None
            } else {
                self.global_func_name(f)
            };
            if let Some(g) = gname {
                line.extend_from_slice(b"function '");
                line.extend_from_slice(&g);
                line.push(b'\'');
            } else if let Some((what, name)) = if ci.kind == FrameKind::Base {
                None
            } else {
                self.frame_call_name(i)
            } {
                line.extend_from_slice(what.as_bytes());
                line.extend_from_slice(b" '");
                line.extend_from_slice(&name);
                line.push(b'\'');
            } else if ci.kind == FrameKind::Lua {
                let p = self.frame_proto(i).expect("lua frame");
                if p.src.line_defined == 0 {
                    line.extend_from_slice(b"main chunk");
                } else {
                    line.extend_from_slice(b"function <");
                    line.extend_from_slice(&chunk_id(&p.src.source));
                    line.extend_from_slice(format!(":{}>", p.src.line_defined).as_bytes());
                }
            } else {
                line.push(b'?');
            }
            if ci.status & CIST_TAIL != 0 {
                line.extend_from_slice(b"\n\t(...tail calls...)");
            }
            lines.push(line);
            idx -= 1;
        }
        let mut out = b"stack traceback:".to_vec();
        const LEVELS1: usize = 10;
        const LEVELS2: usize = 11;
        if lines.len() > LEVELS1 + LEVELS2 {
            let skip = lines.len() - LEVELS1 - LEVELS2;
            for l in &lines[..LEVELS1] {
                out.extend_from_slice(l);
            }
            out.extend_from_slice(format!("\n\t...\t(skipping {} levels)", skip).as_bytes());
            for l in &lines[lines.len() - LEVELS2..] {
                out.extend_from_slice(l);
            }
        } else {
            for l in &lines {
                out.extend_from_slice(l);
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    /// Traceback from frame `ci_top` down; for coroutines the base sentinel frame is omitted.
    pub fn traceback_from_level(&self, ci_top: usize) -> String {
        let s = self.traceback_from(ci_top);
        if self.th == self.main_thread {
            s
        } else {
            s.strip_suffix("\n\t[C]: in ?")
                .map(|x| x.to_string())
                .unwrap_or(s)
        }
    }

    /// Install a debug hook on thread `th` (`lua_sethook`): `mask` letters `c` (call), `r` (return),
    /// `l` (line); `count > 0` adds a count hook every `count` instructions. A nil `f` (or an empty
    /// mask) removes `th`'s hook.
    ///
    /// One thread holds the hook at a time: a hook fires only while that thread runs, as ldblib's
    /// hooks, kept per thread, do (a coroutine does not inherit its creator's hook). Installing a
    /// hook on another thread replaces the previous one (PUC-Lua keeps one per thread). A hooked
    /// coroutine is kept alive by a registry reference while its hook is installed.
    pub(crate) fn set_hook(&mut self, th: *mut LuaThread, f: Value, mask: &str, count: u32) {
        let mut m = 0;
        if mask.contains('c') {
            m |= HOOK_CALL;
        }
        if mask.contains('r') {
            m |= HOOK_RET;
        }
        if mask.contains('l') {
            m |= HOOK_LINE;
        }
        if count > 0 {
            m |= HOOK_COUNT;
        }
        if f.is_nil() || m == 0 {
            if th == self.hook_thread {
                self.hook = Value::NIL;
                self.hook_mask = 0;
                self.hook_thread = std::ptr::null_mut();
                self.set_hook_anchor(Value::NIL);
            }
            return;
        }
        self.hook = f;
        self.hook_mask = m;
        self.hook_count = count;
        self.hook_left = count;
        self.hook_thread = th;
        let anchor = if th == self.main_thread {
            Value::NIL
        } else {
            Value::from_ptr(TAG_THREAD, th)
        };
        self.set_hook_anchor(anchor);
    }

    /// Keep the hooked coroutine alive (`registry._HOOKTHREAD`), or drop the reference (nil).
    fn set_hook_anchor(&mut self, th: Value) {
        let key = self.new_str(b"_HOOKTHREAD");
        let reg = self.registry();
        // Cannot fail: the registry is a table and the key a string.
        let _ = self.raw_set(reg, key, th);
    }

    /// Thread `th`'s hook, its mask letters and count (`lua_gethook`); nil when it has none.
    pub(crate) fn get_hook(&self, th: *mut LuaThread) -> (Value, String, u32) {
        if th != self.hook_thread {
            return (Value::NIL, String::new(), 0);
        }
        let mut s = String::new();
        if self.hook_mask & HOOK_CALL != 0 {
            s.push('c');
        }
        if self.hook_mask & HOOK_RET != 0 {
            s.push('r');
        }
        if self.hook_mask & HOOK_LINE != 0 {
            s.push('l');
        }
        (
            self.hook,
            s,
            if self.hook_mask & HOOK_COUNT != 0 {
                self.hook_count
            } else {
                0
            },
        )
    }

    /// Call the hook function with an event name and optional line for a line or count event of
    /// the running frame (hooks are off inside it).
    pub(crate) fn call_hook(
        &mut self,
        event: &'static str,
        line: Option<u32>,
    ) -> super::LuaResult<()> {
        let ci_idx = self.th().ci.len() - 1;
        self.run_hook(event, line, ci_idx, 0, 0)
    }

    /// `luaD_hook` (ldo.c): call the hook with `event` (and `line`) for frame `ci_idx`, which
    /// transfers `ntransfer` values from slot `ftransfer` (relative to its function slot).
    ///
    /// Hooks are off while it runs. The running Lua frame is protected by raising `top` to its frame
    /// top for the duration of the call; `top` is restored afterwards, so an instruction that takes
    /// its operands up to `top` (a call with `B = 0`) still finds them.
    fn run_hook(
        &mut self,
        event: &'static str,
        line: Option<u32>,
        ci_idx: usize,
        ftransfer: usize,
        ntransfer: usize,
    ) -> super::LuaResult<()> {
        if self.in_hook || self.hook.is_nil() || self.th != self.hook_thread {
            return Ok(());
        }
        self.in_hook = true;
        let (ftransfer, ntransfer) = if ntransfer == 0 {
            (0, 0)
        } else {
            (ftransfer, ntransfer)
        };
        self.hook_frame = Some((self.th, ci_idx, ftransfer, ntransfer));
        let th = self.th_mut();
        th.ci[ci_idx].status |= CIST_HOOKED;
        let saved_top = th.top;
        if let Some(ci) = th.ci.last()
            && ci.kind == FrameKind::Lua
            && th.top < ci.top
        {
            th.top = ci.top;
        }
        let ev = self.new_str(event.as_bytes());
        let h = self.hook;
        let r = match line {
            Some(l) => self.call1(h, &[ev, Value::int(l as i64)]),
            None => self.call1(h, &[ev]),
        };
        self.in_hook = false;
        self.hook_frame = None;
        if r.is_ok() {
            // On error the hooked frame is unwound (a protected boundary lies below it), and keeps
            // its mark for the traceback taken meanwhile.
            let th = self.th_mut();
            th.ci[ci_idx].status &= !CIST_HOOKED;
            th.top = saved_top;
        }
        r.map(|_| ())
    }

    /// Call hook on entry to the Lua frame `ci_idx` (`luaD_hookcall`): event `"call"`, or
    /// `"tail call"` for a frame that replaced its caller. During the hook the frame's current line
    /// is that of its first instruction (`ci->u.l.savedpc++` in ldo.c); the caller saves `pc`.
    /// Transfers the fixed parameters (`ftransfer = 1`, `ntransfer = numparams`).
    #[cold]
    pub(crate) fn hook_lua_call(&mut self, ci_idx: usize) -> super::LuaResult<()> {
        if self.hook_mask & HOOK_CALL == 0 || self.in_hook {
            return Ok(());
        }
        let Some(p) = self.frame_proto(ci_idx) else {
            return Ok(());
        };
        let nparams = p.src.num_params as usize;
        let th = self.th_mut();
        let ci = &mut th.ci[ci_idx];
        let tail = ci.status & CIST_TAIL != 0;
        ci.savedpc += 1;
        let event = if tail { "tail call" } else { "call" };
        let r = self.run_hook(event, None, ci_idx, 1, nparams);
        if let Some(ci) = self.th_mut().ci.get_mut(ci_idx) {
            ci.savedpc -= 1;
        }
        r
    }

    /// Call hook on entry to the native frame `ci_idx` (`precallC` in ldo.c): event `"call"`,
    /// transferring its `nargs` arguments.
    #[cold]
    pub(crate) fn hook_native_call(&mut self, ci_idx: usize, nargs: usize) -> super::LuaResult<()> {
        if self.hook_mask & HOOK_CALL == 0 {
            return Ok(());
        }
        self.run_hook("call", None, ci_idx, 1, nargs)
    }

    /// Return hook of frame `ci_idx` (`rethook` in ldo.c), still on the frame list, returning the
    /// `n` values at stack slot `first`: `ftransfer` is `first` relative to the function slot. The
    /// caller keeps `top` at or above `first + n` so the hook does not overwrite the results.
    #[cold]
    pub(crate) fn hook_return(
        &mut self,
        ci_idx: usize,
        first: usize,
        n: usize,
    ) -> super::LuaResult<()> {
        if self.hook_mask & HOOK_RET == 0 {
            return Ok(());
        }
        let ci = self.th().ci[ci_idx];
        if ci.kind != FrameKind::Lua {
            return self.run_hook("return", None, ci_idx, first - ci.func, n);
        }
        // A vararg function's frame has its function slot back below the extra arguments by now;
        // the hook sees the frame as it ran (`rethook`: "back to virtual 'func'").
        let vfunc = ci.base - 1;
        self.th_mut().ci[ci_idx].func = vfunc;
        let r = self.run_hook("return", None, ci_idx, first - vfunc, n);
        if let Some(c) = self.th_mut().ci.get_mut(ci_idx) {
            c.func = ci.func;
        }
        r
    }

    /// `(ftransfer, ntransfer)` of frame `ci_idx` of thread `th` while a call or return hook runs
    /// for it, else `(0, 0)` (`debug.getinfo` option `r`).
    pub(crate) fn frame_transfer(&self, th: *mut LuaThread, ci_idx: usize) -> (usize, usize) {
        match self.hook_frame {
            Some((t, i, f, n)) if t == th && i == ci_idx => (f, n),
            _ => (0, 0),
        }
    }

    /// Per-instruction hook work (`luaG_traceexec`): count and line events for the instruction at
    /// `pc` of frame `ci_idx`.
    pub(crate) fn hook_instr(&mut self, ci_idx: usize, pc: usize) -> super::LuaResult<()> {
        if self.th != self.hook_thread {
            return Ok(());
        }
        // As luaG_traceexec, this bookkeeping also runs for the hook function's own instructions
        // (only the calls are suppressed while a hook runs): they count toward the next count
        // event, and they move `oldpc`, which a line hook repairs after its call but a count hook
        // does not, so lua5.4 may report a line again after a count event; so do we.
        if self.hook_mask & HOOK_COUNT != 0 {
            self.hook_left = self.hook_left.saturating_sub(1);
            if self.hook_left == 0 {
                self.hook_left = self.hook_count;
                self.call_hook("count", None)?;
            }
        }
        if self.hook_mask & HOOK_LINE != 0 {
            let Some(p) = self.frame_proto(ci_idx) else {
                return Ok(());
            };
            let li = &p.src.line_info;
            let oldpc = if self.hook_oldpc < li.len() {
                self.hook_oldpc
            } else {
                0
            };
            let fire = pc <= oldpc || li.get(oldpc) != li.get(pc);
            let line = li.get(pc).copied().unwrap_or(0);
            if fire {
                self.call_hook("line", Some(line))?;
            }
            self.hook_oldpc = pc;
        }
        Ok(())
    }

    /// `luaL_traceback(L, L, NULL, level)`: level 0 is the running function.
    pub fn traceback(&self, level: usize) -> String {
        let n = self.th().ci.len();
        if level >= n {
            return "stack traceback:".to_string();
        }
        self.traceback_from(n - 1 - level)
    }
}

fn format_varinfo(kind: &str, name: &[u8]) -> Vec<u8> {
    let mut v = format!(" ({} '", kind).into_bytes();
    v.extend_from_slice(name);
    v.extend_from_slice(b"')");
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunk_ids() {
        assert_eq!(chunk_id(b"=stdin"), b"stdin");
        assert_eq!(chunk_id(b"@t.lua"), b"t.lua");
        assert_eq!(chunk_id(b"return 1"), b"[string \"return 1\"]");
        assert_eq!(chunk_id(b"x = 1\ny = 2"), b"[string \"x = 1...\"]");
    }
}
