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
use super::thread::{CIST_FIN, CIST_TAIL, FrameKind};
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

    /// Install a debug hook (`lua_sethook`): `mask` letters `c` (call), `r` (return), `l` (line);
    /// `count > 0` adds a count hook every `count` instructions. A nil `f` removes the hook.
    pub fn set_hook(&mut self, f: Value, mask: &str, count: u32) {
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
            self.hook = Value::NIL;
            self.hook_mask = 0;
            return;
        }
        self.hook = f;
        self.hook_mask = m;
        self.hook_count = count;
        self.hook_left = count;
    }

    /// The current hook, its mask letters and count (`lua_gethook`).
    pub fn get_hook(&self) -> (Value, String, u32) {
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

    /// Call the hook function with an event name and optional line (hooks are off inside it).
    pub(crate) fn call_hook(
        &mut self,
        event: &'static str,
        line: Option<u32>,
    ) -> super::LuaResult<()> {
        if self.in_hook || self.hook.is_nil() {
            return Ok(());
        }
        self.in_hook = true;
        let ev = self.new_str(event.as_bytes());
        let h = self.hook;
        let r = match line {
            Some(l) => self.call(h, &[ev, Value::int(l as i64)]),
            None => self.call(h, &[ev]),
        };
        self.in_hook = false;
        r.map(|_| ())
    }

    /// Per-instruction hook work (`luaG_traceexec`): count and line events for the instruction at
    /// `pc` of frame `ci_idx`.
    pub(crate) fn hook_instr(&mut self, ci_idx: usize, pc: usize) -> super::LuaResult<()> {
        if self.in_hook {
            return Ok(());
        }
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
            self.hook_oldpc = pc;
            if fire {
                self.call_hook("line", Some(line))?;
            }
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
