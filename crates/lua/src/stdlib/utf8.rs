//! UTF-8 engine of the `utf8` library (Lua 5.4 manual §6.5), over raw bytes.
//!
//! Follows `lutf8lib.c` of Lua 5.4.6: sequences of up to six bytes encode values up to
//! `0x7FFFFFFF` ([`MAXUTF`]); *strict* decoding additionally rejects values above `0x10FFFF`
//! and surrogates, while *lax* decoding (the `lax` argument) accepts them. Overlong encodings
//! are always invalid. `codes` raises `invalid UTF-8 code` on a stray continuation byte (the
//! 5.4.6 rule; 5.4.0–5.4.4 skipped such bytes silently).
//!
//! Positions exchanged with callers are Lua's 1-based (possibly negative) positions, converted
//! with `u_posrelat`. Errors carry the argument they blame so the binding can produce
//! `bad argument #n to 'utf8.len' (msg)`.

use crate::vm::{LuaError, LuaResult, Value, Vm};
use std::fmt;

/// Largest value `utf8.char` encodes and lax decoding accepts.
pub const MAXUTF: u32 = 0x7FFF_FFFF;
/// Largest Unicode code point (strict decoding).
pub const MAXUNICODE: u32 = 0x10_FFFF;
/// `utf8.charpattern`: matches exactly one UTF-8 byte sequence (assuming valid input).
pub const CHARPATTERN: &[u8] = b"[\0-\x7F\xC2-\xFD][\x80-\xBF]*";
/// Message of invalid input errors (`MSGInvalid`).
pub const MSG_INVALID: &str = "invalid UTF-8 code";

/// An error of the UTF-8 functions: the message and, for argument errors, the 1-based Lua
/// argument it blames.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Utf8Error {
    /// Argument blamed (`bad argument #arg to ...`), or `None` for a plain error.
    pub arg: Option<usize>,
    /// Lua's message text.
    pub msg: &'static str,
}

impl fmt::Display for Utf8Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.arg {
            Some(a) => write!(f, "bad argument #{a} ({})", self.msg),
            None => f.write_str(self.msg),
        }
    }
}

impl std::error::Error for Utf8Error {}

fn arg_err(arg: usize, msg: &'static str) -> Utf8Error {
    Utf8Error {
        arg: Some(arg),
        msg,
    }
}

#[inline]
fn is_cont(c: u8) -> bool {
    c & 0xC0 == 0x80
}

/// Whether `s[i]` is a continuation byte (past the end reads as NUL, like C's terminator).
#[inline]
fn cont_at(s: &[u8], i: usize) -> bool {
    s.get(i).is_some_and(|&c| is_cont(c))
}

/// `u_posrelat`: negative positions count from the end; too negative clamps to 0.
fn posrelat(pos: i64, len: usize) -> i64 {
    if pos >= 0 {
        pos
    } else if pos.unsigned_abs() > len as u64 {
        0
    } else {
        len as i64 + pos + 1
    }
}

/// Appends the UTF-8 encoding of `code` (`luaO_utf8esc`; up to 6 bytes). Returns `false`
/// without writing if `code > MAXUTF`.
pub fn encode(code: u32, out: &mut Vec<u8>) -> bool {
    if code > MAXUTF {
        return false;
    }
    if code < 0x80 {
        out.push(code as u8);
        return true;
    }
    let mut buf = [0u8; 6];
    let mut n = 0;
    let mut x = code;
    let mut mfb = 0x3fu32; // largest value that fits in the first byte
    loop {
        buf[5 - n] = 0x80 | (x & 0x3f) as u8;
        n += 1;
        x >>= 6;
        mfb >>= 1;
        if x <= mfb {
            break;
        }
    }
    buf[5 - n] = ((!mfb << 1) | x) as u8;
    out.extend_from_slice(&buf[5 - n..]);
    true
}

/// Decodes one sequence at the start of `s` (`utf8_decode`): the value and its byte length,
/// or `None` if invalid (truncated, overlong, too large, or in strict mode a surrogate or
/// a value above [`MAXUNICODE`]). An empty `s` decodes as NUL of length 1, as in C.
pub fn decode(s: &[u8], strict: bool) -> Option<(u32, usize)> {
    const LIMITS: [u32; 6] = [u32::MAX, 0x80, 0x800, 0x1_0000, 0x20_0000, 0x400_0000];
    let mut c = s.first().copied().unwrap_or(0) as u32;
    let mut res: u32;
    let mut count = 0usize;
    if c < 0x80 {
        res = c;
    } else {
        res = 0;
        while c & 0x40 != 0 {
            count += 1;
            let cc = s.get(count).copied().unwrap_or(0);
            if !is_cont(cc) {
                return None;
            }
            // Wrapping: more than 5 continuation bytes is rejected below anyway.
            res = res.wrapping_shl(6) | (cc & 0x3f) as u32;
            c <<= 1;
        }
        if count > 5 {
            return None;
        }
        res |= (c & 0x7f) << (count * 5);
        if res > MAXUTF || res < LIMITS[count] {
            return None;
        }
    }
    if strict && (res > MAXUNICODE || (0xD800..=0xDFFF).contains(&res)) {
        return None;
    }
    Some((res, count + 1))
}

/// `utf8.char` for one value: errors with `value out of range` (blaming `arg`) above
/// [`MAXUTF`] or for negative values.
pub fn char_into(code: i64, arg: usize, out: &mut Vec<u8>) -> Result<(), Utf8Error> {
    if code < 0 || code > MAXUTF as i64 || !encode(code as u32, out) {
        return Err(arg_err(arg, "value out of range"));
    }
    Ok(())
}

/// `utf8.len(s, i, j, lax)`: `Ok(Ok(n))` characters between positions `i` and `j`
/// (defaults 1 and -1), or `Ok(Err(p))` with the 1-based position of the first invalid byte.
pub fn len(s: &[u8], i: i64, j: i64, lax: bool) -> Result<Result<i64, i64>, Utf8Error> {
    let l = s.len() as i64;
    let mut posi = posrelat(i, s.len());
    let posj = posrelat(j, s.len());
    if !(1 <= posi && posi - 1 <= l) {
        return Err(arg_err(2, "initial position out of bounds"));
    }
    posi -= 1;
    let posj = posj - 1;
    if posj >= l {
        return Err(arg_err(3, "final position out of bounds"));
    }
    let mut n = 0i64;
    while posi <= posj {
        match decode(&s[posi as usize..], !lax) {
            None => return Ok(Err(posi + 1)),
            Some((_, k)) => posi += k as i64,
        }
        n += 1;
    }
    Ok(Ok(n))
}

/// `utf8.codepoint(s, i, j, lax)`: the code points of all sequences starting between byte
/// positions `i` and `j` (`j` defaults to `i`, which defaults to 1).
pub fn codepoints(s: &[u8], i: i64, j: Option<i64>, lax: bool) -> Result<Vec<u32>, Utf8Error> {
    let posi = posrelat(i, s.len());
    let pose = posrelat(j.unwrap_or(posi), s.len());
    if posi < 1 {
        return Err(arg_err(2, "out of bounds"));
    }
    if pose > s.len() as i64 {
        return Err(arg_err(3, "out of bounds"));
    }
    let mut out = Vec::new();
    if posi > pose {
        return Ok(out);
    }
    if pose - posi >= i32::MAX as i64 {
        return Err(Utf8Error {
            arg: None,
            msg: "string slice too long",
        });
    }
    let mut p = (posi - 1) as usize;
    let se = pose as usize;
    while p < se {
        match decode(&s[p..], !lax) {
            None => {
                return Err(Utf8Error {
                    arg: None,
                    msg: MSG_INVALID,
                });
            }
            Some((c, k)) => {
                out.push(c);
                p += k;
            }
        }
    }
    Ok(out)
}

/// `utf8.offset(s, n, i)`: the 1-based byte position where the `n`-th character (counting
/// from position `i`) starts, or `None` if there is no such character.
pub fn offset(s: &[u8], n: i64, i: Option<i64>) -> Result<Option<i64>, Utf8Error> {
    let len = s.len() as i64;
    let default = if n >= 0 { 1 } else { len + 1 };
    let mut posi = posrelat(i.unwrap_or(default), s.len());
    if !(1 <= posi && posi - 1 <= len) {
        return Err(arg_err(3, "position out of bounds"));
    }
    posi -= 1;
    let mut n = n;
    let cont = |p: i64| cont_at(s, p as usize);
    if n == 0 {
        while posi > 0 && cont(posi) {
            posi -= 1;
        }
    } else {
        if cont(posi) {
            return Err(Utf8Error {
                arg: None,
                msg: "initial position is a continuation byte",
            });
        }
        if n < 0 {
            while n < 0 && posi > 0 {
                loop {
                    posi -= 1;
                    if !(posi > 0 && cont(posi)) {
                        break;
                    }
                }
                n += 1;
            }
        } else {
            n -= 1;
            while n > 0 && posi < len {
                loop {
                    posi += 1;
                    if !cont(posi) {
                        break;
                    }
                }
                n -= 1;
            }
        }
    }
    Ok(if n == 0 { Some(posi + 1) } else { None })
}

/// Check done by `utf8.codes(s)` before iterating: `s` must not start with a continuation
/// byte (`bad argument #1 to 'codes' (invalid UTF-8 code)`).
pub fn codes_check(s: &[u8]) -> Result<(), Utf8Error> {
    if cont_at(s, 0) {
        return Err(arg_err(1, MSG_INVALID));
    }
    Ok(())
}

/// One step of the `utf8.codes` iterator (`iter_aux`): given the control value `prev` (the
/// 1-based position of the previous character, 0 initially), returns the next position and
/// code point, `None` at the end, or `invalid UTF-8 code` for invalid or stray bytes.
pub fn codes_next(s: &[u8], prev: i64, lax: bool) -> Result<Option<(i64, u32)>, Utf8Error> {
    let len = s.len() as u64;
    let mut n = prev as u64; // negative wraps to huge: "no more code points", as in C
    if n < len {
        while cont_at(s, n as usize) {
            n += 1;
        }
    }
    if n >= len {
        return Ok(None);
    }
    let n = n as usize;
    match decode(&s[n..], !lax) {
        Some((code, k)) if !cont_at(s, n + k) => Ok(Some((n as i64 + 1, code))),
        _ => Err(Utf8Error {
            arg: None,
            msg: MSG_INVALID,
        }),
    }
}

// ----- Lua bindings: the `utf8` library -----------------------------------------------------

/// Raises an engine error: `luaL_argerror` when it blames an argument, else `luaL_error`.
fn raise(vm: &mut Vm, e: Utf8Error) -> LuaError {
    match e.arg {
        Some(a) => vm.arg_error(a, e.msg),
        None => vm.error(e.msg),
    }
}

/// Installs the `utf8` library (`luaopen_utf8`): `char`, `charpattern`, `codes`, `codepoint`,
/// `len`, `offset`.
pub fn open(vm: &mut Vm) {
    let lib = vm.register_lib(
        "utf8",
        &[
            ("offset", utf8_offset),
            ("codepoint", utf8_codepoint),
            ("char", utf8_char),
            ("len", utf8_len),
            ("codes", utf8_codes),
        ],
    );
    let k = vm.new_str(b"charpattern");
    let v = vm.new_str(CHARPATTERN);
    let _ = vm.raw_set(lib, k, v);
}

/// `utf8.char(...)`.
fn utf8_char(vm: &mut Vm) -> LuaResult<usize> {
    let n = vm.arg_count();
    let mut out = Vec::with_capacity(n);
    for i in 1..=n {
        let c = vm.check_integer(i)?;
        char_into(c, i, &mut out).map_err(|e| raise(vm, e))?;
    }
    let v = vm.new_str(&out);
    vm.push(v);
    Ok(1)
}

/// `utf8.len(s [, i [, j [, lax]]])`: the count, or `fail` plus the invalid position.
fn utf8_len(vm: &mut Vm) -> LuaResult<usize> {
    let s = vm.check_string(1)?.as_bytes();
    let i = vm.opt_integer(2, 1)?;
    let j = vm.opt_integer(3, -1)?;
    let lax = vm.arg_truthy(4);
    match len(s, i, j, lax).map_err(|e| raise(vm, e))? {
        Ok(n) => {
            vm.push(Value::int(n));
            Ok(1)
        }
        Err(p) => {
            vm.push(Value::NIL);
            vm.push(Value::int(p));
            Ok(2)
        }
    }
}

/// `utf8.codepoint(s [, i [, j [, lax]]])`.
fn utf8_codepoint(vm: &mut Vm) -> LuaResult<usize> {
    let s = vm.check_string(1)?.as_bytes();
    let i = vm.opt_integer(2, 1)?;
    let j = if vm.arg(3).is_nil() {
        None
    } else {
        Some(vm.check_integer(3)?)
    };
    let lax = vm.arg_truthy(4);
    let cps = codepoints(s, i, j, lax).map_err(|e| raise(vm, e))?;
    if vm.ensure_stack(cps.len()).is_err() {
        return Err(vm.error("stack overflow (string slice too long)"));
    }
    for &c in &cps {
        vm.push(Value::int(c as i64));
    }
    Ok(cps.len())
}

/// `utf8.offset(s, n [, i])`.
fn utf8_offset(vm: &mut Vm) -> LuaResult<usize> {
    let s = vm.check_string(1)?.as_bytes();
    let n = vm.check_integer(2)?;
    let i = if vm.arg(3).is_nil() {
        None
    } else {
        Some(vm.check_integer(3)?)
    };
    let r = offset(s, n, i).map_err(|e| raise(vm, e))?;
    vm.push(r.map_or(Value::NIL, Value::int));
    Ok(1)
}

/// `utf8.codes(s [, lax])`: returns the iterator, `s` and 0.
fn utf8_codes(vm: &mut Vm) -> LuaResult<usize> {
    let lax = vm.arg_truthy(2);
    let s = vm.check_string(1)?;
    codes_check(s.as_bytes()).map_err(|e| raise(vm, e))?;
    let f = if lax {
        vm.new_native("for iterator", codes_iter_lax)
    } else {
        vm.new_native("for iterator", codes_iter_strict)
    };
    vm.push(f);
    vm.push(s.value());
    vm.push(Value::int(0));
    Ok(3)
}

fn codes_iter(vm: &mut Vm, lax: bool) -> LuaResult<usize> {
    let s = vm.check_string(1)?.as_bytes();
    let prev = vm.to_integer(vm.arg(2)).unwrap_or(0);
    match codes_next(s, prev, lax).map_err(|e| raise(vm, e))? {
        None => Ok(0),
        Some((pos, code)) => {
            vm.push(Value::int(pos));
            vm.push(Value::int(code as i64));
            Ok(2)
        }
    }
}

fn codes_iter_strict(vm: &mut Vm) -> LuaResult<usize> {
    codes_iter(vm, false)
}

fn codes_iter_lax(vm: &mut Vm) -> LuaResult<usize> {
    codes_iter(vm, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_decode_roundtrip_all_lengths() {
        for &c in &[
            0u32, 0x7f, 0x80, 0x7ff, 0x800, 0xffff, 0x10000, 0x10ffff, 0x1fffff, 0x200000,
            0x3ffffff, 0x4000000, MAXUTF,
        ] {
            let mut v = Vec::new();
            assert!(encode(c, &mut v));
            assert_eq!(decode(&v, false), Some((c, v.len())), "{c:#x}");
            if let Some(ch) = char::from_u32(c) {
                assert_eq!(v, ch.to_string().as_bytes());
            }
        }
        assert!(!encode(MAXUTF + 1, &mut Vec::new()));
    }

    #[test]
    fn rejects_overlong_and_strict_ranges() {
        assert_eq!(decode(b"\xc0\x80", false), None);
        assert_eq!(decode(b"\xed\xa0\x80", true), None);
        assert_eq!(decode(b"\xed\xa0\x80", false), Some((0xd800, 3)));
        assert_eq!(decode(b"\xf4\x90\x80\x80", true), None);
        assert_eq!(decode(b"\x80", false), None);
        assert_eq!(decode(b"\xff\xbf\xbf\xbf\xbf\xbf\xbf", false), None);
        assert_eq!(decode(b"\xe2\x82", false), None);
    }

    /// `utf8.codes` follows Lua 5.4.6: a stray continuation byte is an error, also at the start.
    #[test]
    fn codes_rejects_stray_continuation_bytes() {
        assert_eq!(
            codes_check(b"\x80a"),
            Err(Utf8Error {
                arg: Some(1),
                msg: MSG_INVALID
            })
        );
        assert_eq!(
            codes_next(b"a\x80", 0, false),
            Err(Utf8Error {
                arg: None,
                msg: MSG_INVALID
            })
        );
        let s = "h\u{e9}\u{20ac}".as_bytes();
        let mut prev = 0;
        let mut seen = Vec::new();
        while let Some((p, c)) = codes_next(s, prev, false).unwrap() {
            seen.push((p, c));
            prev = p;
        }
        assert_eq!(seen, [(1, 0x68), (2, 0xe9), (4, 0x20ac)]);
        assert_eq!(codes_next(s, -5, false), Ok(None));
    }

    #[test]
    fn len_offset_codepoints() {
        let s = "h\u{e4}ll\u{20ac}".as_bytes();
        assert_eq!(len(s, 1, -1, false), Ok(Ok(5)));
        assert_eq!(len(s, 3, -1, false), Ok(Err(3)));
        assert_eq!(len(b"abc", 5, -1, false).unwrap_err().arg, Some(2));
        assert_eq!(offset(s, 3, None), Ok(Some(4)));
        assert_eq!(offset(s, -1, None), Ok(Some(6)));
        assert_eq!(offset(s, 0, Some(3)), Ok(Some(2)));
        assert_eq!(offset(b"abc", 5, None), Ok(None));
        assert_eq!(
            codepoints(s, 1, Some(-1), false),
            Ok(vec![0x68, 0xe4, 0x6c, 0x6c, 0x20ac])
        );
        assert_eq!(
            codepoints(b"\xff", 1, None, false).unwrap_err().msg,
            MSG_INVALID
        );
    }
}
