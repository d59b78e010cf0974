//! The `string` library (Lua 5.4 manual §6.4, `lstrlib.c`).
//!
//! Engines that do not need the VM live in submodules with their own tests: [`format`] is
//! `string.format`, [`dump`] is `string.dump`, [`super::lpattern`] the pattern matcher. The functions here bind them
//! (`format`, `find`, `match`, `gmatch`, `gsub`) and the simple byte-string functions (`len`, `sub`,
//! `upper`, `lower`, `rep`, `reverse`, `byte`, `char`) to the VM, and [`open`] installs the library
//! and the string metatable (`__index` = the `string` table, so `("x"):rep(3)` works).
//!
//! Invariants: strings are byte strings (no encoding assumed; `upper`/`lower` map ASCII letters only,
//! as C's `toupper` in the "C" locale); positions follow `posrelatI`/`getendpos` of `lstrlib.c`; results
//! that cannot be allocated raise "not enough memory" (or "resulting string too large") instead of
//! aborting the process.

pub mod dump;
pub mod format;

use super::lpattern::{self, Capture, PatternError};
use crate::vm::{LuaError, LuaResult, Value, Vm};
use format::{FormatArgs, Literal};
use std::cell::Cell;

/// Largest string `rep` builds (`MAXSIZE` in `lstrlib.c`: `INT_MAX`); beyond it "resulting string
/// too large".
const MAX_STRING: usize = i32::MAX as usize;

thread_local! {
    /// A reusable output buffer for `string.format`/`rep`/`char`, so steady-state calls do not
    /// allocate. Taken out while in use (a nested call through `__tostring` gets a fresh one).
    static SCRATCH: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// Runs `f` with an empty scratch buffer and returns it afterwards.
fn with_scratch<R>(f: impl FnOnce(&mut Vec<u8>) -> R) -> R {
    let mut buf = SCRATCH.with(|c| c.take());
    buf.clear();
    let r = f(&mut buf);
    if buf.capacity() <= 1 << 16 {
        SCRATCH.with(|c| c.set(buf));
    }
    r
}

/// Installs the `string` library and the metatable shared by all strings (`luaopen_string`).
pub fn open(vm: &mut Vm) {
    let mut funcs: Vec<(&'static str, crate::vm::NativeFn)> = vec![
        ("byte", str_byte),
        ("char", str_char),
        ("dump", str_dump),
        ("format", str_format),
        ("len", str_len),
        ("lower", str_lower),
        ("rep", str_rep),
        ("reverse", str_reverse),
        ("sub", str_sub),
        ("upper", str_upper),
    ];
    funcs.extend_from_slice(&extra_functions());
    let lib = vm.register_lib("string", &funcs);
    let mt = vm.new_table();
    let k = vm.new_str(b"__index");
    let _ = vm.raw_set(mt, k, lib);
    let any_string = vm.new_str(b"");
    let _ = vm.set_metatable(any_string, Some(mt));
}

/// Functions whose engines live in sibling modules: patterns ([`super::lpattern`]).
fn extra_functions() -> Vec<(&'static str, crate::vm::NativeFn)> {
    vec![
        ("find", str_find),
        ("gmatch", str_gmatch),
        ("gsub", str_gsub),
        ("match", str_match),
        ("pack", super::pack::str_pack),
        ("packsize", super::pack::str_packsize),
        ("unpack", super::pack::str_unpack),
    ]
}

/// Raises a pattern error as `luaL_error` does (with the caller's position).
fn pattern_error(vm: &mut Vm, e: PatternError) -> LuaError {
    vm.error(&e.to_string())
}

/// Pushes one capture: a substring of `src`, or a 1-based position.
fn push_capture(vm: &mut Vm, src: &[u8], c: Capture) {
    let v = match c {
        Capture::Slice(a, b) => vm.new_str(&src[a..b]),
        Capture::Position(p) => Value::int(p as i64 + 1),
    };
    vm.push(v);
}

/// `string.find(s, pattern [, init [, plain]])`: start and end (1-based, inclusive) and the captures,
/// or fail.
fn str_find(vm: &mut Vm) -> LuaResult<usize> {
    let s = vm.check_string(1)?.as_bytes();
    let p = vm.check_string(2)?.as_bytes();
    let init = vm.opt_integer(3, 1)?;
    let plain = vm.arg_truthy(4);
    match lpattern::find(s, p, init, plain) {
        Ok(Some((a, b, caps))) => {
            vm.ensure_stack(caps.len() + 2)?;
            vm.push(Value::int(a as i64 + 1));
            vm.push(Value::int(b as i64));
            for &c in &caps {
                push_capture(vm, s, c);
            }
            Ok(2 + caps.len())
        }
        Ok(None) => {
            vm.push(Value::NIL);
            Ok(1)
        }
        Err(e) => Err(pattern_error(vm, e)),
    }
}

/// `string.match(s, pattern [, init])`: the captures (or the whole match), or fail.
fn str_match(vm: &mut Vm) -> LuaResult<usize> {
    let s = vm.check_string(1)?.as_bytes();
    let p = vm.check_string(2)?.as_bytes();
    let init = vm.opt_integer(3, 1)?;
    match lpattern::match_str(s, p, init) {
        Ok(Some(caps)) => {
            vm.ensure_stack(caps.len())?;
            for &c in &caps {
                push_capture(vm, s, c);
            }
            Ok(caps.len())
        }
        Ok(None) => {
            vm.push(Value::NIL);
            Ok(1)
        }
        Err(e) => Err(pattern_error(vm, e)),
    }
}

/// `string.gmatch(s, pattern [, init])`: an iterator over the matches. The subject, the pattern and
/// the iteration state (a userdata) are the iterator's upvalues.
fn str_gmatch(vm: &mut Vm) -> LuaResult<usize> {
    let s = vm.check_string(1)?;
    let p = vm.check_string(2)?;
    let init = vm.opt_integer(3, 1)?;
    let state = lpattern::GmatchState::new(s.as_bytes().len(), init);
    let ud = vm.new_userdata(Box::new(state), None);
    let it = vm.new_native_closure("gmatch_aux", gmatch_aux, &[s.value(), p.value(), ud]);
    vm.push(it);
    Ok(1)
}

/// The `gmatch` iterator: the next match's captures, or nothing when exhausted.
fn gmatch_aux(vm: &mut Vm) -> LuaResult<usize> {
    let s = vm.native_upvalue(0).as_str_bytes().unwrap_or(b"");
    let p = vm.native_upvalue(1).as_str_bytes().unwrap_or(b"");
    let Some(state) = vm.userdata_mut::<lpattern::GmatchState>(vm.native_upvalue(2)) else {
        return Ok(0);
    };
    match state.next(s, p) {
        Ok(Some(caps)) => {
            vm.ensure_stack(caps.len())?;
            for &c in &caps {
                push_capture(vm, s, c);
            }
            Ok(caps.len())
        }
        Ok(None) => Ok(0),
        Err(e) => Err(pattern_error(vm, e)),
    }
}

/// Errors of a `gsub` replacement: pattern errors, or Lua errors from a function/table replacement.
enum GsubError {
    Pattern(PatternError),
    Lua(LuaError),
}

impl From<PatternError> for GsubError {
    fn from(e: PatternError) -> Self {
        GsubError::Pattern(e)
    }
}

/// `gsub` with a table (index by the first capture) or function (called with all captures)
/// replacement (`add_value` in `lstrlib.c`).
struct ValueReplacer<'a> {
    vm: &'a mut Vm,
    repl: Value,
    is_table: bool,
}

impl lpattern::Replacer for ValueReplacer<'_> {
    type Error = GsubError;

    fn replace(
        &mut self,
        ms: &lpattern::MatchState<'_>,
        start: usize,
        end: usize,
        out: &mut Vec<u8>,
    ) -> Result<bool, GsubError> {
        let src = ms.subject();
        let vm = &mut *self.vm;
        let to_value = |vm: &mut Vm, c: Capture| match c {
            Capture::Slice(a, b) => vm.new_str(&src[a..b]),
            Capture::Position(p) => Value::int(p as i64 + 1),
        };
        let r = if self.is_table {
            let k = to_value(vm, ms.get_capture(0, start, end)?);
            vm.get(self.repl, k).map_err(GsubError::Lua)?
        } else {
            let caps = ms.captures(start, end, true)?;
            let mut args = Vec::with_capacity(caps.len());
            for c in caps {
                args.push(to_value(vm, c));
            }
            vm.call1(self.repl, &args).map_err(GsubError::Lua)?
        };
        if r.is_falsy() {
            out.extend_from_slice(&src[start..end]);
            return Ok(false);
        }
        if let Some(b) = r.as_str_bytes() {
            out.extend_from_slice(b);
        } else if let Some(i) = r.as_int() {
            crate::number::format::write_int(out, i);
        } else if let Some(f) = r.as_float() {
            crate::number::format::write_float(out, f);
        } else {
            let msg = format!("invalid replacement value (a {})", vm.type_name_of(r));
            return Err(GsubError::Lua(vm.error(&msg)));
        }
        Ok(true)
    }
}

/// `string.gsub(s, pattern, repl [, n])`: the new string and the number of matches replaced.
fn str_gsub(vm: &mut Vm) -> LuaResult<usize> {
    let s_val = vm.check_string(1)?;
    let s = s_val.as_bytes();
    let p = vm.check_string(2)?.as_bytes();
    let repl = vm.arg(3);
    let max_n = vm.opt_integer(4, s.len() as i64 + 1)?;
    let result = if repl.is_string() || repl.is_number() {
        let r = vm.check_string(3)?.as_bytes();
        lpattern::gsub(s, p, &mut lpattern::StrReplacer(r), Some(max_n)).map_err(GsubError::Pattern)
    } else if repl.is_table() || repl.is_function() {
        let mut r = ValueReplacer {
            vm,
            repl,
            is_table: repl.is_table(),
        };
        lpattern::gsub(s, p, &mut r, Some(max_n))
    } else {
        return Err(vm.type_error(3, "string/function/table"));
    };
    match result {
        Ok((out, n)) => {
            let v = match out {
                std::borrow::Cow::Borrowed(_) => s_val.value(),
                std::borrow::Cow::Owned(o) => vm.new_str(&o),
            };
            vm.push(v);
            vm.push(Value::int(n));
            Ok(2)
        }
        Err(GsubError::Pattern(e)) => Err(pattern_error(vm, e)),
        Err(GsubError::Lua(e)) => Err(e),
    }
}

/// `posrelatI`: a start position, negative counting from the end, clipped to at least 1.
fn start_pos(pos: i64, len: usize) -> usize {
    if pos > 0 {
        pos as usize
    } else if pos == 0 || pos < -(len as i64) {
        1
    } else {
        (len as i64 + pos + 1) as usize
    }
}

/// `getendpos`: an end position, negative counting from the end, clipped to `[0, len]`.
fn end_pos(pos: i64, len: usize) -> usize {
    if pos > len as i64 {
        len
    } else if pos >= 0 {
        pos as usize
    } else if pos < -(len as i64) {
        0
    } else {
        (len as i64 + pos + 1) as usize
    }
}

/// Pushes a new string made from `bytes` as the single result.
fn push_str(vm: &mut Vm, bytes: &[u8]) -> LuaResult<usize> {
    let s = vm.new_str(bytes);
    vm.push(s);
    Ok(1)
}

/// Reserves `extra` more bytes in `buf`, or raises "not enough memory".
fn reserve(vm: &mut Vm, buf: &mut Vec<u8>, extra: usize) -> LuaResult<()> {
    if buf.try_reserve(extra).is_err() {
        return Err(vm.error("not enough memory"));
    }
    Ok(())
}

/// `string.len(s)`.
fn str_len(vm: &mut Vm) -> LuaResult<usize> {
    let n = vm.check_string(1)?.as_bytes().len();
    vm.push(Value::int(n as i64));
    Ok(1)
}

/// `string.sub(s, i [, j])`.
fn str_sub(vm: &mut Vm) -> LuaResult<usize> {
    let s = vm.check_string(1)?;
    let len = s.as_bytes().len();
    let start = start_pos(vm.check_integer(2)?, len);
    let end = end_pos(vm.opt_integer(3, -1)?, len);
    if start == 1 && end == len {
        vm.push(s.value());
        return Ok(1);
    }
    let bytes = s.as_bytes();
    if start <= end {
        push_str(vm, &bytes[start - 1..end])
    } else {
        push_str(vm, b"")
    }
}

/// `string.upper(s)`: ASCII letters to upper case.
fn str_upper(vm: &mut Vm) -> LuaResult<usize> {
    let s = vm.check_string(1)?.as_bytes();
    with_scratch(|buf| {
        buf.extend(s.iter().map(u8::to_ascii_uppercase));
        push_str(vm, buf)
    })
}

/// `string.lower(s)`: ASCII letters to lower case.
fn str_lower(vm: &mut Vm) -> LuaResult<usize> {
    let s = vm.check_string(1)?.as_bytes();
    with_scratch(|buf| {
        buf.extend(s.iter().map(u8::to_ascii_lowercase));
        push_str(vm, buf)
    })
}

/// `string.reverse(s)`.
fn str_reverse(vm: &mut Vm) -> LuaResult<usize> {
    let s = vm.check_string(1)?.as_bytes();
    with_scratch(|buf| {
        buf.extend(s.iter().rev());
        push_str(vm, buf)
    })
}

/// `string.rep(s, n [, sep])`: "resulting string too large" when the size overflows.
fn str_rep(vm: &mut Vm) -> LuaResult<usize> {
    let s = vm.check_string(1)?;
    let n = vm.check_integer(2)?;
    let sep = vm.opt_string(3)?;
    let s = s.as_bytes();
    let sep: &[u8] = sep.map_or(&[], |x| x.as_bytes());
    if n <= 0 || (s.is_empty() && sep.is_empty()) {
        return push_str(vm, b"");
    }
    let n = n as u64;
    let unit = (s.len() + sep.len()) as u64;
    // The test of lstrlib.c: l + lsep > MAXSIZE / n.
    if unit > MAX_STRING as u64 / n {
        return Err(vm.error("resulting string too large"));
    }
    let n = n as usize;
    let total = unit as usize * n - sep.len();
    if n == 1 {
        vm.push(vm.arg(1));
        return Ok(1);
    }
    let mut buf = Vec::new();
    reserve(vm, &mut buf, total)?;
    if sep.is_empty() && s.len() == 1 {
        buf.resize(total, s[0]);
    } else {
        buf.extend_from_slice(s);
        for _ in 1..n {
            buf.extend_from_slice(sep);
            buf.extend_from_slice(s);
        }
    }
    push_str(vm, &buf)
}

/// `string.byte(s [, i [, j]])`: the byte values of `s[i..j]` (default `i` = 1, `j` = `i`).
pub(crate) fn str_byte(vm: &mut Vm) -> LuaResult<usize> {
    let s = vm.check_string(1)?;
    let len = s.as_bytes().len();
    let pi = vm.opt_integer(2, 1)?;
    let pose = end_pos(vm.opt_integer(3, pi)?, len);
    let posi = start_pos(pi, len);
    if posi > pose {
        return Ok(0);
    }
    let n = pose - posi + 1;
    if n >= i32::MAX as usize {
        return Err(vm.error("string slice too long"));
    }
    vm.ensure_stack(n)?;
    let bytes = s.as_bytes();
    for &b in &bytes[posi - 1..pose] {
        vm.push(Value::int(b as i64));
    }
    Ok(n)
}

/// `string.char(...)`: "value out of range" for codes outside 0..=255.
fn str_char(vm: &mut Vm) -> LuaResult<usize> {
    let n = vm.arg_count();
    let mut buf = SCRATCH.with(|c| c.take());
    buf.clear();
    for i in 1..=n {
        let c = vm.check_integer(i)? as u64;
        if c > u8::MAX as u64 {
            return Err(vm.arg_error(i, "value out of range"));
        }
        buf.push(c as u8);
    }
    let r = push_str(vm, &buf);
    SCRATCH.with(|c| c.set(buf));
    r
}

/// `string.dump(f [, strip])`: the binary chunk of a Lua function ("unable to dump given function"
/// for native ones).
fn str_dump(vm: &mut Vm) -> LuaResult<usize> {
    let strip = vm.arg_truthy(2);
    let f = vm.check_function(1)?;
    let Some(cl) = f.as_lcl_ptr() else {
        return Err(vm.error("unable to dump given function"));
    };
    // SAFETY: `f` is argument 1, so the closure and (through it) its proto tree are alive for the
    // whole call; nothing here runs Lua code or the collector.
    let (proto, nup) = unsafe {
        let cl = &*cl;
        (&*cl.proto, cl.upvals.len())
    };
    let tree = proto_tree(proto);
    let bin = dump::dump(&tree, nup.min(u8::MAX as usize) as u8, strip);
    push_str(vm, &bin)
}

/// The front-end view of a runtime proto tree (`Proto::src` keeps everything but the nested protos).
fn proto_tree(p: &crate::vm::function::Proto) -> crate::proto::FuncProto {
    let mut f = p.src.clone();
    // SAFETY: nested protos are owned by (and live as long as) their parent proto.
    f.protos = p
        .protos
        .iter()
        .map(|&c| proto_tree(unsafe { &*c }))
        .collect();
    f
}

/// `string.format(fmt, ...)`.
fn str_format(vm: &mut Vm) -> LuaResult<usize> {
    let fmt = vm.check_string(1)?.as_bytes();
    let mut buf = SCRATCH.with(|c| c.take());
    buf.clear();
    let r = format::format(fmt, &mut VmFormatArgs { vm }, &mut buf);
    let r = r.and_then(|()| push_str(vm, &buf));
    if buf.capacity() <= 1 << 16 {
        SCRATCH.with(|c| c.set(buf));
    }
    r
}

/// [`FormatArgs`] over the arguments of the running native.
struct VmFormatArgs<'a> {
    vm: &'a mut Vm,
}

impl FormatArgs for VmFormatArgs<'_> {
    type Error = LuaError;

    fn top(&self) -> usize {
        self.vm.arg_count()
    }
    fn check_integer(&mut self, arg: usize) -> LuaResult<i64> {
        self.vm.check_integer(arg)
    }
    fn check_number(&mut self, arg: usize) -> LuaResult<f64> {
        self.vm.check_number(arg)
    }
    fn literal(&mut self, arg: usize) -> Literal<'_> {
        let v = self.vm.arg(arg);
        if let Some(s) = v.as_str_bytes() {
            Literal::Str(s)
        } else if let Some(i) = v.as_int() {
            Literal::Int(i)
        } else if let Some(f) = v.as_float() {
            Literal::Float(f)
        } else if let Some(b) = v.as_bool() {
            Literal::Bool(b)
        } else if v.is_nil() {
            Literal::Nil
        } else {
            Literal::Other
        }
    }
    fn append_tostring(&mut self, arg: usize, out: &mut Vec<u8>) -> LuaResult<()> {
        let v = self.vm.arg(arg);
        if let Some(s) = v.as_str_bytes() {
            // Strings without a metatable override are the common case: no call, no copy.
            if self.vm.get_metafield(v, "__tostring").is_nil() {
                out.extend_from_slice(s);
                return Ok(());
            }
        } else if let Some(i) = v.as_int() {
            crate::number::format::write_int(out, i);
            return Ok(());
        } else if let Some(f) = v.as_float() {
            crate::number::format::write_float(out, f);
            return Ok(());
        }
        let s = self.vm.tostring(v)?;
        out.extend_from_slice(s.as_str_bytes().unwrap_or(b""));
        Ok(())
    }
    fn pointer(&mut self, arg: usize) -> usize {
        let v = self.vm.arg(arg);
        if v.is_collectable() || v.tag() == crate::vm::value::TAG_LIGHTUD {
            v.payload() as usize
        } else {
            0
        }
    }
    fn arg_error(&mut self, arg: usize, msg: &str) -> LuaError {
        self.vm.arg_error(arg, msg)
    }
    fn error(&mut self, msg: &str) -> LuaError {
        self.vm.error(msg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Positions as `lua5.4 -e 'print(("hello"):sub(-3), ("hello"):sub(2, -2), ("hello"):sub(0),
    /// ("hello"):sub(-100, 2), ("hello"):sub(4, 100), ("hello"):sub(3, 2))'` → `llo ell hello he lo`.
    #[test]
    fn positions() {
        let sub = |i: i64, j: i64| {
            let (a, b) = (start_pos(i, 5), end_pos(j, 5));
            if a <= b { &"hello"[a - 1..b] } else { "" }
        };
        assert_eq!(sub(-3, -1), "llo");
        assert_eq!(sub(2, -2), "ell");
        assert_eq!(sub(0, -1), "hello");
        assert_eq!(sub(-100, 2), "he");
        assert_eq!(sub(4, 100), "lo");
        assert_eq!(sub(3, 2), "");
        assert_eq!(sub(6, -1), "");
        assert_eq!(end_pos(-100, 5), 0);
        assert_eq!(start_pos(i64::MIN, 5), 1);
    }
}
