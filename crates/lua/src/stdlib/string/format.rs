//! The `string.format` engine (Lua 5.4 manual §6.4, `lstrlib.c` `str_format`), independent of the VM.
//!
//! [`format`] walks the format string and asks a [`FormatArgs`] implementation for each argument in
//! the order and with the checks PUC-Lua 5.4 uses, so errors come out identical:
//! * `"bad argument #N to 'format' (no value)"` when arguments run out (checked before the spec is read);
//! * `"invalid format (too long)"` when flags, width and precision span 21 bytes or more (`MAX_FORMAT`);
//! * `"invalid conversion specification: '%10.123d'"` for flags or widths the conversion does not accept,
//!   or more than two digits of width or precision (`checkformat`);
//! * `"invalid conversion '%y' to 'format'"` for unknown conversions (including length modifiers);
//! * `"specifier '%q' cannot have modifiers"`, `"value has no literal form"`, `"string contains zeros"`.
//!
//! For `%d`-style conversions the argument is checked before the spec; for `%a`, `%c`, `%p` the spec
//! first, as in `lstrlib.c` (the order is visible when both are wrong).
//!
//! Invariant: output is appended to the caller's buffer; plain `%d`, `%s` and literal runs never go
//! through `snprintf` or allocate. Numeric conversions with modifiers use the C library's `snprintf`,
//! which is what PUC-Lua calls, so rounding and padding match it exactly.

use crate::number::format::{write_float, write_int, write_printf_float, write_printf_int};

/// Flags accepted by `a A e E f g G` (`L_FMTFLAGSF`).
const FLAGS_F: &[u8] = b"-+#0 ";
/// Flags accepted by `o x X` (`L_FMTFLAGSX`).
const FLAGS_X: &[u8] = b"-#0";
/// Flags accepted by `d i` (`L_FMTFLAGSI`).
const FLAGS_I: &[u8] = b"-+0 ";
/// Flags accepted by `u` (`L_FMTFLAGSU`).
const FLAGS_U: &[u8] = b"-0";
/// Flags accepted by `c p s` (`L_FMTFLAGSC`).
const FLAGS_C: &[u8] = b"-";
/// `MAX_FORMAT` in `lstrlib.c`: a spec (flags, width, precision and conversion) must be shorter than
/// `MAX_FORMAT - 10` bytes.
const MAX_FORMAT: usize = 32;

/// The value of an argument as `%q` sees it (`addliteral`).
#[derive(Clone, Copy, Debug)]
pub enum Literal<'a> {
    /// A string's bytes.
    Str(&'a [u8]),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// `nil`.
    Nil,
    /// Any other type: "value has no literal form".
    Other,
}

/// Access to the arguments of one `string.format` call. Argument numbers are Lua's: the format string
/// is argument 1, the first value to format is argument 2.
pub trait FormatArgs {
    /// The error type (the VM's `LuaError`).
    type Error;
    /// Number of arguments, including the format string (`lua_gettop`).
    fn top(&self) -> usize;
    /// `luaL_checkinteger`: an integer, a float with an exact integer value or a string convertible to
    /// one; otherwise the standard "number expected, got X" / "number has no integer representation".
    fn check_integer(&mut self, arg: usize) -> Result<i64, Self::Error>;
    /// `luaL_checknumber`: a number or a string convertible to one, as a float.
    fn check_number(&mut self, arg: usize) -> Result<f64, Self::Error>;
    /// The argument as `%q` sees it (no conversions).
    fn literal(&mut self, arg: usize) -> Literal<'_>;
    /// `luaL_tolstring` (honours `__tostring` and `__name`), appended to `out`.
    fn append_tostring(&mut self, arg: usize, out: &mut Vec<u8>) -> Result<(), Self::Error>;
    /// `lua_topointer`: the address of a collectable object or light userdata, `0` for other values.
    fn pointer(&mut self, arg: usize) -> usize;
    /// `luaL_argerror(arg, msg)`.
    fn arg_error(&mut self, arg: usize, msg: &str) -> Self::Error;
    /// `luaL_error(msg)` (the VM adds position information).
    fn error(&mut self, msg: &str) -> Self::Error;
}

/// Appends `string.format(fmt, ...)` to `out`, reading the arguments through `args`.
///
/// # Errors
/// The messages listed in the module documentation, built through `args`.
pub fn format<A: FormatArgs>(fmt: &[u8], args: &mut A, out: &mut Vec<u8>) -> Result<(), A::Error> {
    let top = args.top();
    let mut arg = 1;
    let mut i = 0;
    out.reserve(fmt.len());
    while i < fmt.len() {
        // Copy the literal run up to the next '%' in one go.
        let run_end = fmt[i..]
            .iter()
            .position(|&c| c == b'%')
            .map_or(fmt.len(), |p| i + p);
        out.extend_from_slice(&fmt[i..run_end]);
        i = run_end;
        if i >= fmt.len() {
            break;
        }
        i += 1; // skip '%'
        if fmt.get(i) == Some(&b'%') {
            out.push(b'%');
            i += 1;
            continue;
        }
        arg += 1;
        if arg > top {
            return Err(args.arg_error(arg, "no value"));
        }
        // getformat: flags, digits and '.' (with '0' as a flag), then the conversion character.
        let span = fmt[i..]
            .iter()
            .take_while(|c| b"-+#0 123456789.".contains(c))
            .count();
        if span + 1 >= MAX_FORMAT - 10 {
            return Err(args.error("invalid format (too long)"));
        }
        let conv = fmt.get(i + span).copied();
        // form = '%' + span + conversion; at most 22 bytes.
        let mut form_buf = [0u8; MAX_FORMAT];
        form_buf[0] = b'%';
        form_buf[1..=span].copy_from_slice(&fmt[i..i + span]);
        let form_len = match conv {
            // A NUL (or the end of the string) ends the C string: it is not part of the form.
            Some(c) if c != 0 => {
                form_buf[span + 1] = c;
                span + 2
            }
            _ => span + 1,
        };
        let form = &form_buf[..form_len];
        i += span + 1;
        match conv.unwrap_or(0) {
            b'c' => {
                check_spec(args, form, FLAGS_C, false)?;
                // printf's %c takes an int and prints it as an unsigned char.
                let c = args.check_integer(arg)? as i32 as u8;
                pad_bytes(out, form, &[c]);
            }
            c @ (b'd' | b'i' | b'u' | b'o' | b'x' | b'X') => {
                let n = args.check_integer(arg)?;
                let flags = match c {
                    b'd' | b'i' => FLAGS_I,
                    b'u' => FLAGS_U,
                    _ => FLAGS_X,
                };
                check_spec(args, form, flags, true)?;
                if form.len() == 2 && matches!(c, b'd' | b'i') {
                    write_int(out, n);
                } else if !write_printf_int(out, form, n) {
                    return Err(args.error("invalid conversion"));
                }
            }
            b'a' | b'A' => {
                check_spec(args, form, FLAGS_F, true)?;
                let f = args.check_number(arg)?;
                if !write_printf_float(out, form, f) {
                    return Err(args.error("invalid conversion"));
                }
            }
            b'f' | b'e' | b'E' | b'g' | b'G' => {
                let f = args.check_number(arg)?;
                check_spec(args, form, FLAGS_F, true)?;
                if !write_printf_float(out, form, f) {
                    return Err(args.error("invalid conversion"));
                }
            }
            b'p' => {
                let p = args.pointer(arg);
                check_spec(args, form, FLAGS_C, false)?;
                if p == 0 {
                    pad_bytes(out, form, b"(null)");
                } else {
                    let mut text = Vec::with_capacity(18);
                    text.extend_from_slice(b"0x");
                    write_hex(&mut text, p as u64);
                    pad_bytes(out, form, &text);
                }
            }
            b'q' => {
                if form.len() != 2 {
                    return Err(args.error("specifier '%q' cannot have modifiers"));
                }
                add_literal(args, arg, out)?;
            }
            b's' => {
                let start = out.len();
                args.append_tostring(arg, out)?;
                if form.len() != 2 {
                    if out[start..].contains(&0) {
                        return Err(args.arg_error(arg, "string contains zeros"));
                    }
                    check_spec(args, form, FLAGS_C, true)?;
                    // Without a precision, strings of 100 bytes or more are kept whole.
                    if form.contains(&b'.') || out.len() - start < 100 {
                        let s = out.split_off(start);
                        pad_bytes(out, form, &s);
                    }
                }
            }
            _ => {
                let msg = format!(
                    "invalid conversion '{}' to 'format'",
                    String::from_utf8_lossy(form)
                );
                return Err(args.error(&msg));
            }
        }
    }
    Ok(())
}

/// `checkformat`: after `%`, any of `flags`, then (unless the next byte is `'0'`) up to two digits
/// of width and, if `precision`, a `.` and up to two digits; then the conversion letter must follow.
fn check_spec<A: FormatArgs>(
    args: &mut A,
    form: &[u8],
    flags: &[u8],
    precision: bool,
) -> Result<(), A::Error> {
    let mut i = 1;
    while i < form.len() && flags.contains(&form[i]) {
        i += 1;
    }
    if form.get(i) != Some(&b'0') {
        i = skip_two_digits(form, i);
        if precision && form.get(i) == Some(&b'.') {
            i = skip_two_digits(form, i + 1);
        }
    }
    if form.get(i).is_some_and(|c| c.is_ascii_alphabetic()) {
        Ok(())
    } else {
        let msg = format!(
            "invalid conversion specification: '{}'",
            String::from_utf8_lossy(form)
        );
        Err(args.error(&msg))
    }
}

fn skip_two_digits(form: &[u8], mut i: usize) -> usize {
    for _ in 0..2 {
        if form.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
    }
    i
}

/// Parsed `-`, width and precision of a spec already validated by [`check_spec`] with flags `"-"`.
fn width_precision(form: &[u8]) -> (bool, usize, Option<usize>) {
    let body = &form[1..form.len() - 1];
    let left = body.first() == Some(&b'-');
    let body = if left { &body[1..] } else { body };
    let (w, p) = match body.iter().position(|&c| c == b'.') {
        Some(dot) => (&body[..dot], Some(&body[dot + 1..])),
        None => (body, None),
    };
    let num = |d: &[u8]| d.iter().fold(0usize, |a, &c| a * 10 + (c - b'0') as usize);
    (left, num(w), p.map(num))
}

/// `printf("%-W.Ps", s)` for a validated spec: truncate to the precision, pad with spaces to the
/// width (on the right with `-`).
fn pad_bytes(out: &mut Vec<u8>, form: &[u8], s: &[u8]) {
    let (left, width, precision) = width_precision(form);
    let s = match precision {
        Some(p) if p < s.len() => &s[..p],
        _ => s,
    };
    let pad = width.saturating_sub(s.len());
    if !left {
        out.resize(out.len() + pad, b' ');
    }
    out.extend_from_slice(s);
    if left {
        out.resize(out.len() + pad, b' ');
    }
}

fn write_hex(out: &mut Vec<u8>, mut v: u64) {
    let mut tmp = [0u8; 16];
    let mut pos = tmp.len();
    loop {
        pos -= 1;
        tmp[pos] = b"0123456789abcdef"[(v & 15) as usize];
        v >>= 4;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&tmp[pos..]);
}

/// `%q`: `addliteral` in `lstrlib.c`.
fn add_literal<A: FormatArgs>(args: &mut A, arg: usize, out: &mut Vec<u8>) -> Result<(), A::Error> {
    match args.literal(arg) {
        Literal::Str(s) => add_quoted(out, s),
        Literal::Int(n) => {
            if n == i64::MIN {
                // "-9223372036854775808" would read back as a float: use hex.
                out.extend_from_slice(b"0x8000000000000000");
            } else {
                write_int(out, n);
            }
        }
        Literal::Float(f) => quote_float(out, f),
        Literal::Bool(b) => out.extend_from_slice(if b { b"true" } else { b"false" }),
        Literal::Nil => out.extend_from_slice(b"nil"),
        Literal::Other => return Err(args.arg_error(arg, "value has no literal form")),
    }
    Ok(())
}

/// `addquoted`: a double-quoted Lua string literal that reads back to `s`.
pub fn add_quoted(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'"');
    for (k, &c) in s.iter().enumerate() {
        match c {
            b'"' | b'\\' | b'\n' => {
                out.push(b'\\');
                out.push(c);
            }
            // iscntrl in the C locale: 0..=31 and 127.
            0..=31 | 127 => {
                out.push(b'\\');
                if s.get(k + 1).is_some_and(u8::is_ascii_digit) {
                    out.extend_from_slice(&[b'0' + c / 100, b'0' + (c / 10) % 10, b'0' + c % 10]);
                } else {
                    write_int(out, c as i64);
                }
            }
            _ => out.push(c),
        }
    }
    out.push(b'"');
}

/// `quotefloat`: `1e9999`, `-1e9999`, `(0/0)`, else hexadecimal (`%a`) so the value reads back exactly.
fn quote_float(out: &mut Vec<u8>, f: f64) {
    if f == f64::INFINITY {
        out.extend_from_slice(b"1e9999");
    } else if f == f64::NEG_INFINITY {
        out.extend_from_slice(b"-1e9999");
    } else if f.is_nan() {
        out.extend_from_slice(b"(0/0)");
    } else if !write_printf_float(out, b"%a", f) {
        // Unreachable in practice ("%a" is a valid spec); keep a readable decimal fallback.
        write_float(out, f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A test argument list: values of a few Lua types, errors as their message text.
    #[derive(Clone, Debug)]
    enum V {
        I(i64),
        F(f64),
        S(&'static [u8]),
        B(bool),
        Nil,
        Table(usize),
    }

    struct Args(Vec<V>);

    impl V {
        fn type_name(&self) -> &'static str {
            match self {
                V::I(_) | V::F(_) => "number",
                V::S(_) => "string",
                V::B(_) => "boolean",
                V::Nil => "nil",
                V::Table(_) => "table",
            }
        }
    }

    impl Args {
        fn get(&self, arg: usize) -> V {
            self.0.get(arg - 2).cloned().unwrap_or(V::Nil)
        }
    }

    impl FormatArgs for Args {
        type Error = String;
        fn top(&self) -> usize {
            self.0.len() + 1
        }
        fn check_integer(&mut self, arg: usize) -> Result<i64, String> {
            match self.get(arg) {
                V::I(i) => Ok(i),
                V::F(f) if f == f.trunc() && f.abs() < 9.2e18 => Ok(f as i64),
                V::F(_) => Err(self.arg_error(arg, "number has no integer representation")),
                v => {
                    let m = format!("number expected, got {}", v.type_name());
                    Err(self.arg_error(arg, &m))
                }
            }
        }
        fn check_number(&mut self, arg: usize) -> Result<f64, String> {
            match self.get(arg) {
                V::I(i) => Ok(i as f64),
                V::F(f) => Ok(f),
                v => {
                    let m = format!("number expected, got {}", v.type_name());
                    Err(self.arg_error(arg, &m))
                }
            }
        }
        fn literal(&mut self, arg: usize) -> Literal<'_> {
            match self.get(arg) {
                V::I(i) => Literal::Int(i),
                V::F(f) => Literal::Float(f),
                V::S(s) => Literal::Str(s),
                V::B(b) => Literal::Bool(b),
                V::Nil => Literal::Nil,
                V::Table(_) => Literal::Other,
            }
        }
        fn append_tostring(&mut self, arg: usize, out: &mut Vec<u8>) -> Result<(), String> {
            match self.get(arg) {
                V::I(i) => write_int(out, i),
                V::F(f) => write_float(out, f),
                V::S(s) => out.extend_from_slice(s),
                V::B(b) => out.extend_from_slice(if b { b"true" } else { b"false" }),
                V::Nil => out.extend_from_slice(b"nil"),
                V::Table(p) => out.extend_from_slice(format!("table: 0x{p:x}").as_bytes()),
            }
            Ok(())
        }
        fn pointer(&mut self, arg: usize) -> usize {
            match self.get(arg) {
                V::Table(p) => p,
                _ => 0,
            }
        }
        fn arg_error(&mut self, arg: usize, msg: &str) -> String {
            format!("bad argument #{arg} to 'format' ({msg})")
        }
        fn error(&mut self, msg: &str) -> String {
            msg.to_string()
        }
    }

    fn fmt(f: &[u8], args: Vec<V>) -> Result<Vec<u8>, String> {
        let mut out = Vec::new();
        format(f, &mut Args(args), &mut out)?;
        Ok(out)
    }

    fn ok(f: &str, args: Vec<V>) -> String {
        String::from_utf8(fmt(f.as_bytes(), args).unwrap()).unwrap()
    }

    fn err(f: &str, args: Vec<V>) -> String {
        fmt(f.as_bytes(), args).unwrap_err()
    }

    use V::*;

    /// Expected texts from `lua5.4 -e 'print(pcall(string.format, ...))'` (Lua 5.4.4).
    #[test]
    fn conversions_match_lua54() {
        assert_eq!(ok("%0-5d|", vec![I(1)]), "1    |");
        assert_eq!(ok("%-5c|", vec![I(65)]), "A    |");
        assert_eq!(ok("%5c|", vec![I(65)]), "    A|");
        assert_eq!(ok("%c", vec![I(256 + 65)]), "A");
        assert_eq!(fmt(b"%c%c", vec![I(0), I(255)]).unwrap(), b"\0\xff");
        assert_eq!(ok("%d", vec![F(3.0)]), "3");
        assert_eq!(ok("%i", vec![I(-12)]), "-12");
        assert_eq!(ok("%x", vec![F(2f64.powi(53))]), "20000000000000");
        assert_eq!(
            ok(
                "%5.3d|%-5d|%+d|% d|%05d",
                vec![I(7), I(7), I(7), I(7), I(-7)]
            ),
            "  007|7    |+7| 7|-0007"
        );
        assert_eq!(
            ok("%#o %#x %#X", vec![I(8), I(255), I(255)]),
            "010 0xff 0XFF"
        );
        assert_eq!(ok("%u", vec![I(-1)]), "18446744073709551615");
        assert_eq!(ok("%-099.99d", vec![I(1)]), format!("{}1", "0".repeat(98)));
        assert_eq!(ok("%5.1s|", vec![S(b"abc")]), "    a|");
        assert_eq!(ok("%-5.2s|", vec![S(b"xyz")]), "xy   |");
        assert_eq!(ok("%.0s|", vec![S(b"abc")]), "|");
        assert_eq!(ok("%5.2s|", vec![F(1.5)]), "   1.|");
        assert_eq!(ok("%s %s", vec![I(1), F(2.5)]), "1 2.5");
        assert_eq!(ok("%s|%s", vec![Nil, B(true)]), "nil|true");
        assert_eq!(fmt(b"%s", vec![S(b"a\0b")]).unwrap(), b"a\0b");
        let long = "a".repeat(120);
        let long_static: &'static [u8] = Box::leak(long.clone().into_bytes().into_boxed_slice());
        assert_eq!(ok("%10s|", vec![S(long_static)]), format!("{long}|"));
        assert_eq!(ok("%e", vec![F(1e3)]), "1.000000e+03");
        assert_eq!(ok("%.14g", vec![F(0.1)]), "0.1");
        assert_eq!(ok("%0.3f", vec![I(1)]), "1.000");
        assert_eq!(ok("%.f", vec![F(1.5)]), "2");
        assert_eq!(
            ok("%a|%10a|%.3a", vec![I(1), I(1), F(1.0 / 3.0)]),
            "0x1p+0|    0x1p+0|0x1.555p-2"
        );
        assert_eq!(ok("%5a", vec![I(1)]), "0x1p+0");
        assert_eq!(ok("%%|%c", vec![I(65)]), "%|A");
        assert_eq!(fmt(b"a\0b%d", vec![I(1)]).unwrap(), b"a\0b1");
        assert_eq!(ok("%p|%10p|", vec![Nil, I(3)]), "(null)|    (null)|");
        assert_eq!(ok("%p", vec![Table(0x55cc5ec46dd0)]), "0x55cc5ec46dd0");
        assert_eq!(ok("%i|%5.0d|", vec![I(0), I(0)]), "0|     |");
        assert_eq!(ok("%.3x", vec![I(255)]), "0ff");
        assert_eq!(ok("no conversions", vec![]), "no conversions");
    }

    #[test]
    fn quoted_literals_match_lua54() {
        assert_eq!(
            fmt(b"%q", vec![S(b"a\0b\n\r\"\\\x7f2")]).unwrap(),
            b"\"a\\0b\\\n\\13\\\"\\\\\\1272\""
        );
        assert_eq!(
            fmt(b"%q", vec![S(b"\r\n\t\x011\x80\xff")]).unwrap(),
            b"\"\\13\\\n\\9\\0011\x80\xff\""
        );
        assert_eq!(ok("%q", vec![F(f64::INFINITY)]), "1e9999");
        assert_eq!(ok("%q", vec![F(f64::NEG_INFINITY)]), "-1e9999");
        assert_eq!(ok("%q", vec![F(f64::NAN)]), "(0/0)");
        assert_eq!(ok("%q", vec![F(1.5)]), "0x1.8p+0");
        assert_eq!(ok("%q", vec![F(1.0)]), "0x1p+0");
        assert_eq!(ok("%q", vec![F(-0.0)]), "-0x0p+0");
        assert_eq!(ok("%q", vec![F(0.1)]), "0x1.999999999999ap-4");
        assert_eq!(ok("%q", vec![F(1e100)]), "0x1.249ad2594c37dp+332");
        assert_eq!(ok("%q", vec![F(2f64.powi(63))]), "0x1p+63");
        assert_eq!(ok("%q", vec![I(i64::MIN)]), "0x8000000000000000");
        assert_eq!(ok("%q", vec![I(255)]), "255");
        assert_eq!(ok("%q %q", vec![B(true), Nil]), "true nil");
    }

    #[test]
    fn errors_match_lua54() {
        assert_eq!(
            err("%10.123d", vec![I(1)]),
            "invalid conversion specification: '%10.123d'"
        );
        assert_eq!(
            err("%123d", vec![I(1)]),
            "invalid conversion specification: '%123d'"
        );
        assert_eq!(
            err("%05s", vec![S(b"a")]),
            "invalid conversion specification: '%05s'"
        );
        assert_eq!(
            err("%.3c", vec![I(65)]),
            "invalid conversion specification: '%.3c'"
        );
        assert_eq!(
            err("%#5u", vec![I(1)]),
            "invalid conversion specification: '%#5u'"
        );
        assert_eq!(
            err("%+x", vec![I(1)]),
            "invalid conversion specification: '%+x'"
        );
        assert_eq!(
            err("%-200s", vec![S(b"a")]),
            "invalid conversion specification: '%-200s'"
        );
        assert_eq!(
            err("%-0999d", vec![I(1)]),
            "invalid conversion specification: '%-0999d'"
        );
        assert_eq!(
            err("%5q", vec![I(1)]),
            "specifier '%q' cannot have modifiers"
        );
        assert_eq!(
            err("%10.3q", vec![I(1)]),
            "specifier '%q' cannot have modifiers"
        );
        assert_eq!(
            err("%ld", vec![I(1)]),
            "invalid conversion '%l' to 'format'"
        );
        assert_eq!(err("%y", vec![I(1)]), "invalid conversion '%y' to 'format'");
        assert_eq!(err("%F", vec![I(1)]), "invalid conversion '%F' to 'format'");
        assert_eq!(err("%", vec![I(1)]), "invalid conversion '%' to 'format'");
        assert_eq!(err("%5", vec![I(1)]), "invalid conversion '%5' to 'format'");
        assert_eq!(
            err("%d", vec![F(1.5)]),
            "bad argument #2 to 'format' (number has no integer representation)"
        );
        assert_eq!(err("%d", vec![]), "bad argument #2 to 'format' (no value)");
        assert_eq!(
            err("abc%", vec![]),
            "bad argument #2 to 'format' (no value)"
        );
        assert_eq!(
            err("%5.3", vec![]),
            "bad argument #2 to 'format' (no value)"
        );
        assert_eq!(
            err("%d", vec![S(b"x")]),
            "bad argument #2 to 'format' (number expected, got string)"
        );
        assert_eq!(
            err("%d %d", vec![I(1), Table(1)]),
            "bad argument #3 to 'format' (number expected, got table)"
        );
        assert_eq!(
            err("%5s", vec![S(b"a\0b")]),
            "bad argument #2 to 'format' (string contains zeros)"
        );
        assert_eq!(
            err("%q", vec![Table(1)]),
            "bad argument #2 to 'format' (value has no literal form)"
        );
        assert_eq!(
            err("%0000000000000000000000000d", vec![I(1)]),
            "invalid format (too long)"
        );
        assert_eq!(
            err("%000000000000000000000d", vec![I(1)]),
            "invalid format (too long)"
        );
        assert_eq!(ok("%00000000000000000000d", vec![I(1)]), "1");
        // %d checks the argument before the spec; %c the spec first.
        assert_eq!(
            err("%123d", vec![S(b"x")]),
            "bad argument #2 to 'format' (number expected, got string)"
        );
        assert_eq!(
            err("%.3c", vec![S(b"x")]),
            "invalid conversion specification: '%.3c'"
        );
    }
}
