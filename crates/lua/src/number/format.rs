//! Number → string conversion.
//!
//! * [`write_float`] / [`fmt_float`]: `tostring` of a float, i.e. `lua_Number2str` with `LUAI_NUMFFORMAT`
//!   `"%.14g"` followed by `lobject.c`'s `tostringbuff` rule: if the text looks like an integer (only
//!   `-` and digits), `".0"` is appended. So `1.0`, `-0.0`, `1e+15`, `inf`, `-nan` (the x86 default NaN
//!   `0/0` has its sign bit set; glibc prints it) exactly as PUC-Lua 5.4 prints them on Linux.
//! * [`write_int`] / [`fmt_int`]: `LUA_INTEGER_FMT` `"%lld"`.
//! * [`write_printf_float`]: one C `printf` float conversion (`%e %f %g %a` with flags, width and
//!   precision) for `string.format`; [`write_printf_int`] likewise for `%d %i %u %o %x %X`.
//!
//! Invariant: every function only appends to the output buffer (never truncates it) and never panics;
//! the `write_*` forms allocate nothing beyond growing the caller's buffer, so hot paths (`tostring`,
//! concatenation, `string.format`) can reuse one buffer.
//!
//! Floats whose value is an integer of at most 14 digits take a pure-Rust fast path (their `%.14g`
//! text is just the digits); every other float goes through the C library's `snprintf`, which is the
//! definition PUC-Lua uses, so rounding and the spelling of `inf`/`nan` match it bit for bit.

use std::ffi::c_char;

/// Largest magnitude for which an integral float prints as plain digits under `"%.14g"`
/// (14 significant digits).
const PLAIN_DIGITS_LIMIT: f64 = 1e14;

/// Appends the decimal text of `i` (`"%lld"`) to `buf`.
pub fn write_int(buf: &mut Vec<u8>, i: i64) {
    let mut tmp = [0u8; 20];
    let mut pos = tmp.len();
    // Work on the magnitude as u64 so that i64::MIN does not overflow.
    let mut n = i.unsigned_abs();
    loop {
        pos -= 1;
        tmp[pos] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if i < 0 {
        buf.push(b'-');
    }
    buf.extend_from_slice(&tmp[pos..]);
}

/// The decimal text of `i`, as Lua's `tostring` of an integer (`"%lld"`).
pub fn fmt_int(i: i64) -> String {
    let mut buf = Vec::with_capacity(20);
    write_int(&mut buf, i);
    bytes_to_string(buf)
}

/// Appends Lua's `tostring` text of the float `f` to `buf` (`"%.14g"`, plus `".0"` when the result
/// would read back as an integer). Source: `lobject.c` `tostringbuff`, `luaconf.h` `LUAI_NUMFFORMAT`.
pub fn write_float(buf: &mut Vec<u8>, f: f64) {
    if f == f.trunc() && f.abs() < PLAIN_DIGITS_LIMIT {
        // Integral and at most 14 digits: `%.14g` prints exactly the integer's digits.
        if f == 0.0 && f.is_sign_negative() {
            buf.extend_from_slice(b"-0");
        } else {
            // In range of i64 (|f| < 1e14), and exact since f is integral.
            write_int(buf, f as i64);
        }
        buf.extend_from_slice(b".0");
        return;
    }
    let start = buf.len();
    write_printf_float(buf, b"%.14g", f);
    if buf[start..]
        .iter()
        .all(|&c| c == b'-' || c.is_ascii_digit())
    {
        buf.extend_from_slice(b".0");
    }
}

/// Lua's `tostring` text of the float `f`: `1.0`, `-0.0`, `0.1`, `1e+15`, `inf`, `-inf`, `nan`, `-nan`.
pub fn fmt_float(f: f64) -> String {
    let mut buf = Vec::with_capacity(24);
    write_float(&mut buf, f);
    bytes_to_string(buf)
}

/// Appends the output of C `snprintf(spec, f)` to `buf`.
///
/// `spec` is one complete conversion specification without a trailing NUL, such as `b"%.14g"` or
/// `b"%-+#20.5e"`: a `%`, flags from `-+ #0`, optional decimal width and precision, and one conversion
/// among `a A e E f F g G`. Anything else (in particular `*`, `n`, a length modifier or a second `%`)
/// is rejected by returning `false` without writing; callers validate the format first
/// (`string.format` does, as `lstrlib.c` `checkformat`). Returns `true` when the text was appended.
pub fn write_printf_float(buf: &mut Vec<u8>, spec: &[u8], f: f64) -> bool {
    if !is_float_spec(spec) {
        return false;
    }
    // A spec is at most a few dozen bytes; `string.format` limits it to 32 (MAX_FORMAT).
    let mut cspec = [0u8; 64];
    if spec.len() >= cspec.len() {
        return false;
    }
    cspec[..spec.len()].copy_from_slice(spec);
    // Width and precision are at most two digits each when callers follow `checkformat`, but be robust:
    // ask snprintf for the length first if the stack buffer is too small.
    let mut stack = [0u8; 128];
    // SAFETY: `cspec` is NUL-terminated (zero-filled beyond `spec`) and validated by `is_float_spec` to
    // hold exactly one float conversion, which consumes exactly one `double` vararg; `stack` is
    // writable for `stack.len()` bytes and snprintf writes at most that many, including the NUL.
    let n = unsafe {
        libc::snprintf(
            stack.as_mut_ptr() as *mut c_char,
            stack.len(),
            cspec.as_ptr() as *const c_char,
            f,
        )
    };
    if n < 0 {
        return false;
    }
    let n = n as usize;
    if n < stack.len() {
        buf.extend_from_slice(&stack[..n]);
        return true;
    }
    // Rare: a large width or precision (e.g. `%99.99f` of 1e308). Format straight into `buf`.
    let start = buf.len();
    buf.resize(start + n + 1, 0);
    // SAFETY: same format and argument as above; `buf[start..]` is writable for `n + 1` bytes, which
    // is exactly what the first call reported as needed (text plus NUL).
    let m = unsafe {
        libc::snprintf(
            buf.as_mut_ptr().add(start) as *mut c_char,
            n + 1,
            cspec.as_ptr() as *const c_char,
            f,
        )
    };
    buf.truncate(start + (m.max(0) as usize).min(n));
    m >= 0
}

/// Appends the output of C `snprintf(spec, i)` to `buf`, with `i` passed as a `long long`.
///
/// `spec` is one conversion specification without length modifier and without trailing NUL, such as
/// `b"%5.3d"` or `b"%#x"`: a `%`, flags from `-+ #0`, optional width and precision, and one of
/// `d i u o x X`; the `ll` length modifier is inserted here (`lstrlib.c` `addlenmod` with
/// `LUA_INTEGER_FRMLEN`). Other specs are rejected by returning `false` without writing.
pub fn write_printf_int(buf: &mut Vec<u8>, spec: &[u8], i: i64) -> bool {
    if !is_spec(spec, b"diuoxX") {
        return false;
    }
    let mut cspec = [0u8; 64];
    if spec.len() + 2 >= cspec.len() {
        return false;
    }
    let (body, conv) = spec.split_at(spec.len() - 1);
    cspec[..body.len()].copy_from_slice(body);
    cspec[body.len()..body.len() + 3].copy_from_slice(&[b'l', b'l', conv[0]]);
    // Integers need at most 20 digits plus sign/prefix, so only a large width or precision can
    // exceed the stack buffer.
    let mut stack = [0u8; 128];
    // SAFETY: `cspec` is NUL-terminated and validated by `is_spec` to hold exactly one integer
    // conversion with the `ll` modifier, which consumes exactly one `long long` vararg (`i64` here);
    // snprintf writes at most `stack.len()` bytes into `stack`.
    let n = unsafe {
        libc::snprintf(
            stack.as_mut_ptr() as *mut c_char,
            stack.len(),
            cspec.as_ptr() as *const c_char,
            i as libc::c_longlong,
        )
    };
    if n < 0 {
        return false;
    }
    let n = n as usize;
    if n < stack.len() {
        buf.extend_from_slice(&stack[..n]);
        return true;
    }
    let start = buf.len();
    buf.resize(start + n + 1, 0);
    // SAFETY: as above; `buf[start..]` is writable for the `n + 1` bytes the first call asked for.
    let m = unsafe {
        libc::snprintf(
            buf.as_mut_ptr().add(start) as *mut c_char,
            n + 1,
            cspec.as_ptr() as *const c_char,
            i as libc::c_longlong,
        )
    };
    buf.truncate(start + (m.max(0) as usize).min(n));
    m >= 0
}

/// Whether `spec` is `%[-+ #0]*[0-9]*(\.[0-9]*)?[aAeEfFgG]`.
fn is_float_spec(spec: &[u8]) -> bool {
    is_spec(spec, b"aAeEfFgG")
}

/// Whether `spec` is `%[-+ #0]*[0-9]*(\.[0-9]*)?C` with `C` one of `convs`.
fn is_spec(spec: &[u8], convs: &[u8]) -> bool {
    let Some((&conv, body)) = spec.split_last() else {
        return false;
    };
    if !convs.contains(&conv) {
        return false;
    }
    let Some(rest) = body.strip_prefix(b"%") else {
        return false;
    };
    let mut i = 0;
    while i < rest.len() && matches!(rest[i], b'-' | b'+' | b' ' | b'#' | b'0') {
        i += 1;
    }
    while i < rest.len() && rest[i].is_ascii_digit() {
        i += 1;
    }
    if i < rest.len() && rest[i] == b'.' {
        i += 1;
        while i < rest.len() && rest[i].is_ascii_digit() {
            i += 1;
        }
    }
    i == rest.len()
}

/// Number text is ASCII by construction.
fn bytes_to_string(buf: Vec<u8>) -> String {
    String::from_utf8(buf).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected texts were produced by
    /// `lua5.4 -e 'print(0/0, -(0/0), 1/0, -1/0, -0.0, 1e15, 1e100, 2^63, 0.1, ...)'` (Lua 5.4.4, Linux x86-64).
    #[test]
    fn float_tostring_matches_lua54() {
        let nan = f64::NAN;
        let cases: &[(f64, &str)] = &[
            (-nan.copysign(1.0), "-nan"),
            (nan.copysign(1.0), "nan"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (1.0, "1.0"),
            (-1.0, "-1.0"),
            (1e15, "1e+15"),
            (1e100, "1e+100"),
            (2f64.powi(63), "9.2233720368548e+18"),
            (-(2f64.powi(63)), "-9.2233720368548e+18"),
            (0.1, "0.1"),
            (1e16, "1e+16"),
            (123456789012345.0, "1.2345678901234e+14"),
            (12345678901234.0, "12345678901234.0"),
            (99999999999999.0, "99999999999999.0"),
            (2f64.powi(53), "9.007199254741e+15"),
            (1e-5, "1e-05"),
            (1.234_567_890_123_456_7, "1.2345678901235"),
            (100.5, "100.5"),
            (1.0 / 3.0, "0.33333333333333"),
            (5e-324, "4.9406564584125e-324"),
            (f64::MAX, "1.7976931348623e+308"),
        ];
        for &(f, want) in cases {
            assert_eq!(fmt_float(f), want, "tostring({f:?})");
        }
    }

    #[test]
    fn nan_sign_follows_bit() {
        // 0/0 on x86-64 yields the "default NaN" with the sign bit set; Lua prints "-nan".
        let zero = std::hint::black_box(0.0f64);
        let x = zero / zero;
        let want = if x.is_sign_negative() { "-nan" } else { "nan" };
        assert_eq!(fmt_float(x), want);
    }

    #[test]
    fn int_tostring() {
        let cases: &[(i64, &str)] = &[
            (0, "0"),
            (7, "7"),
            (-7, "-7"),
            (1234567890, "1234567890"),
            (i64::MAX, "9223372036854775807"),
            (i64::MIN, "-9223372036854775808"),
        ];
        for &(i, want) in cases {
            assert_eq!(fmt_int(i), want);
        }
    }

    #[test]
    fn write_appends() {
        let mut buf = b"x=".to_vec();
        write_int(&mut buf, 42);
        buf.push(b' ');
        write_float(&mut buf, 2.5);
        assert_eq!(buf, b"x=42 2.5");
    }

    /// Expected texts from `lua5.4 -e 'print(string.format("%5.2f|%-10.3e|%a|%+g|%#x", ...))'`-style
    /// runs of the C conversions.
    #[test]
    fn printf_float_conversions() {
        let cases: &[(&[u8], f64, &str)] = &[
            (b"%5.2f", 1.23456, " 1.23"),
            (b"%-10.3e", 1234.5, "1.234e+03 "),
            (b"%a", 1.0, "0x1p+0"),
            (b"%A", 0.5, "0X1P-1"),
            (b"%+g", 2.0, "+2"),
            (b"%#g", 2.0, "2.00000"),
            (b"%010.3f", -1.5, "-00001.500"),
            (b"%.3f", f64::INFINITY, "inf"),
            (b"%.99f", 1.0, &format!("1.{}", "0".repeat(99))),
        ];
        for &(spec, f, want) in cases {
            let mut buf = Vec::new();
            assert!(write_printf_float(&mut buf, spec, f));
            assert_eq!(String::from_utf8(buf).unwrap(), want);
        }
        let big = {
            let mut buf = Vec::new();
            assert!(write_printf_float(&mut buf, b"%99.99f", 1e308));
            buf
        };
        assert_eq!(big.len(), 309 + 1 + 99);
    }

    /// Expected texts from `lua5.4 -e 'print(string.format("%5.3d|%-5d|%+d|% d|%05d|%#o|%#x|%u", ...))'`.
    #[test]
    fn printf_int_conversions() {
        let cases: &[(&[u8], i64, &str)] = &[
            (b"%5.3d", 7, "  007"),
            (b"%-5d", 7, "7    "),
            (b"%+d", 7, "+7"),
            (b"% d", 7, " 7"),
            (b"%05d", -7, "-0007"),
            (b"%#o", 8, "010"),
            (b"%#x", 255, "0xff"),
            (b"%X", 255, "FF"),
            (b"%.3x", 255, "0ff"),
            (b"%x", -1, "ffffffffffffffff"),
            (b"%u", -1, "18446744073709551615"),
            (b"%i", i64::MIN, "-9223372036854775808"),
            (b"%5.0d", 0, "     "),
        ];
        for &(spec, i, want) in cases {
            let mut buf = Vec::new();
            assert!(write_printf_int(&mut buf, spec, i));
            assert_eq!(String::from_utf8(buf).unwrap(), want);
        }
        let mut buf = Vec::new();
        assert!(write_printf_int(&mut buf, b"%-99.99d", 1));
        assert_eq!(buf.len(), 99);
        assert!(!write_printf_int(&mut buf, b"%f", 1));
        assert!(!write_printf_int(&mut buf, b"%lld", 1));
    }

    #[test]
    fn printf_rejects_bad_specs() {
        for spec in [&b"%d"[..], b"%n", b"%*g", b"%lf", b"g", b"%g%g", b"%", b""] {
            let mut buf = Vec::new();
            assert!(!write_printf_float(&mut buf, spec, 1.0), "{spec:?}");
            assert!(buf.is_empty());
        }
    }
}
