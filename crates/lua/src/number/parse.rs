//! String → number conversion with exactly Lua 5.4's rules (`luaO_str2num`, `l_str2int` and
//! `l_str2d` in `lobject.c`; Lua 5.4 manual §3.1 and §3.4.3).
//!
//! Used by the lexer (numerals), `tonumber` and the string→number coercion of arithmetic.
//!
//! Rules kept here:
//! - leading and trailing ASCII whitespace (`" \t\n\v\f\r"`) is allowed, nothing else may trail;
//! - an optional `-` or `+` sign;
//! - decimal integers that do not fit in an `i64` are read as floats, hexadecimal integers wrap
//!   around modulo 2^64;
//! - decimal floats (`1.`, `.5`, `1e10`) and hexadecimal floats (`0x1.8p3`, the exponent is binary);
//! - `inf`, `nan` and anything else `strtod` would accept with an `n` in it are rejected, as is any
//!   embedded NUL byte.

use super::Number;

/// `lisspace` of `lctype.c`: the C locale whitespace set.
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r')
}

fn hex_value(c: u8) -> Option<u32> {
    (c as char).to_digit(16)
}

/// Convert a Lua string to a number, or `None` when it is not a numeral (Lua 5.4 `luaO_str2num`).
///
/// Integers are tried first (`l_str2int`); if that fails (not an integer, or a decimal integer
/// that overflows) the text is read as a float (`l_str2d`).
pub fn str_to_number(s: &[u8]) -> Option<Number> {
    if let Some(i) = str_to_int(s) {
        return Some(Number::Int(i));
    }
    str_to_float(s).map(Number::Float)
}

/// `l_str2int`: a decimal or hexadecimal integer numeral with optional sign and surrounding
/// whitespace. Decimal overflow gives `None` (the caller then reads it as a float); hexadecimal
/// numerals wrap around.
fn str_to_int(s: &[u8]) -> Option<i64> {
    let mut i = 0;
    while i < s.len() && is_space(s[i]) {
        i += 1;
    }
    let mut neg = false;
    if i < s.len() && s[i] == b'-' {
        neg = true;
        i += 1;
    } else if i < s.len() && s[i] == b'+' {
        i += 1;
    }
    let mut a: u64 = 0;
    let mut empty = true;
    if i + 1 < s.len() && s[i] == b'0' && (s[i + 1] == b'x' || s[i + 1] == b'X') {
        i += 2;
        while i < s.len() {
            let Some(d) = hex_value(s[i]) else { break };
            a = a.wrapping_mul(16).wrapping_add(d as u64);
            empty = false;
            i += 1;
        }
    } else {
        const MAXBY10: u64 = (i64::MAX / 10) as u64;
        const MAXLASTD: u64 = (i64::MAX % 10) as u64;
        while i < s.len() && s[i].is_ascii_digit() {
            let d = (s[i] - b'0') as u64;
            if a >= MAXBY10 && (a > MAXBY10 || d > MAXLASTD + neg as u64) {
                return None; // overflow: not accepted as an integer
            }
            a = a * 10 + d;
            empty = false;
            i += 1;
        }
    }
    while i < s.len() && is_space(s[i]) {
        i += 1;
    }
    if empty || i != s.len() {
        return None;
    }
    Some(if neg {
        0u64.wrapping_sub(a) as i64
    } else {
        a as i64
    })
}

/// `l_str2d`: a float numeral as C `strtod` reads it, minus `inf`/`nan`.
fn str_to_float(s: &[u8]) -> Option<f64> {
    if s.iter().any(|&c| c == b'n' || c == b'N') {
        return None; // reject 'inf' and 'nan' (and anything else with an 'n')
    }
    let mut i = 0;
    while i < s.len() && is_space(s[i]) {
        i += 1;
    }
    let mut neg = false;
    if i < s.len() && (s[i] == b'-' || s[i] == b'+') {
        neg = s[i] == b'-';
        i += 1;
    }
    let (v, end) = if i + 1 < s.len() && s[i] == b'0' && (s[i + 1] == b'x' || s[i + 1] == b'X') {
        hex_float(s, i + 2)?
    } else {
        dec_float(s, i)?
    };
    let mut j = end;
    while j < s.len() && is_space(s[j]) {
        j += 1;
    }
    if j != s.len() {
        return None;
    }
    Some(if neg { -v } else { v })
}

/// Decimal float body starting at `i` (after the sign): `digits [. digits] [(e|E) [sign] digits]`
/// with at least one mantissa digit. Returns the value and the end position.
fn dec_float(s: &[u8], mut i: usize) -> Option<(f64, usize)> {
    let start = i;
    let mut ndigits = 0;
    while i < s.len() && s[i].is_ascii_digit() {
        i += 1;
        ndigits += 1;
    }
    if i < s.len() && s[i] == b'.' {
        i += 1;
        while i < s.len() && s[i].is_ascii_digit() {
            i += 1;
            ndigits += 1;
        }
    }
    if ndigits == 0 {
        return None;
    }
    let mut end = i;
    if i < s.len() && (s[i] == b'e' || s[i] == b'E') {
        let mut j = i + 1;
        if j < s.len() && (s[j] == b'+' || s[j] == b'-') {
            j += 1;
        }
        let ds = j;
        while j < s.len() && s[j].is_ascii_digit() {
            j += 1;
        }
        if j > ds {
            end = j; // a valid exponent; otherwise strtod stops before the 'e'
        }
    }
    // The text is pure ASCII of the shape Rust's float grammar accepts (it allows `5.` and `.5`).
    let text = std::str::from_utf8(&s[start..end]).ok()?;
    let v: f64 = text.parse().ok()?;
    Some((v, end))
}

/// Hexadecimal float body starting at `i` (just after `0x`): `hexdigits [. hexdigits]
/// [(p|P) [sign] decdigits]`, at least one hex digit. Correctly rounded to nearest except for
/// results in the subnormal range (which may be rounded twice).
fn hex_float(s: &[u8], mut i: usize) -> Option<(f64, usize)> {
    let mut mant: u64 = 0;
    let mut exp: i64 = 0; // binary exponent to apply to `mant`
    let mut sticky = false;
    let mut any = false;
    let mut seen_dot = false;
    while i < s.len() {
        let c = s[i];
        if c == b'.' && !seen_dot {
            seen_dot = true;
        } else if let Some(d) = hex_value(c) {
            any = true;
            if mant >> 56 == 0 {
                mant = mant * 16 + d as u64;
                if seen_dot {
                    exp -= 4;
                }
            } else {
                sticky |= d != 0;
                if !seen_dot {
                    exp += 4;
                }
            }
        } else {
            break;
        }
        i += 1;
    }
    if !any {
        return None;
    }
    if i < s.len() && (s[i] == b'p' || s[i] == b'P') {
        let mut j = i + 1;
        let mut eneg = false;
        if j < s.len() && (s[j] == b'+' || s[j] == b'-') {
            eneg = s[j] == b'-';
            j += 1;
        }
        let ds = j;
        let mut e: i64 = 0;
        while j < s.len() && s[j].is_ascii_digit() {
            e = (e * 10 + (s[j] - b'0') as i64).min(1 << 20);
            j += 1;
        }
        if j > ds {
            exp += if eneg { -e } else { e };
            i = j;
        }
    }
    if mant == 0 {
        return Some((0.0, i));
    }
    // Keep a sticky bit below the 53 significant bits so the u64→f64 rounding is correct.
    let m = mant | sticky as u64;
    Some((ldexp(m as f64, exp), i))
}

/// `x * 2^e` without intermediate overflow/underflow of the scale factor.
fn ldexp(mut x: f64, mut e: i64) -> f64 {
    while e > 1000 {
        x *= 2f64.powi(1000);
        e -= 1000;
        if x.is_infinite() {
            return x;
        }
    }
    while e < -1000 {
        x *= 2f64.powi(-1000);
        e += 1000;
        if x == 0.0 {
            return x;
        }
    }
    x * 2f64.powi(e as i32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Number::{Float, Int};

    fn n(s: &str) -> Option<Number> {
        str_to_number(s.as_bytes())
    }

    #[test]
    fn integers() {
        assert_eq!(n("10"), Some(Int(10)));
        assert_eq!(n("  -7  "), Some(Int(-7)));
        assert_eq!(n("+7"), Some(Int(7)));
        assert_eq!(n("\t\n0\x0b\x0c\r"), Some(Int(0)));
        assert_eq!(n("9223372036854775807"), Some(Int(i64::MAX)));
        assert_eq!(n("-9223372036854775808"), Some(Int(i64::MIN)));
        // decimal overflow becomes a float
        assert_eq!(n("9223372036854775808"), Some(Float(9223372036854775808.0)));
        assert_eq!(
            n("-9223372036854775809"),
            Some(Float(-9223372036854775809.0))
        );
        assert_eq!(n("100000000000000000000"), Some(Float(1e20)));
    }

    #[test]
    fn hex_integers_wrap() {
        assert_eq!(n("0xff"), Some(Int(255)));
        assert_eq!(n("0XA"), Some(Int(10)));
        assert_eq!(n("-0x10"), Some(Int(-16)));
        assert_eq!(n("0xffffffffffffffff"), Some(Int(-1)));
        assert_eq!(n("0x7fffffffffffffff"), Some(Int(i64::MAX)));
        assert_eq!(n("0x10000000000000000"), Some(Int(0)));
        assert_eq!(n("0x"), None);
        assert_eq!(n("0xg"), None);
    }

    #[test]
    fn floats() {
        assert_eq!(n("1.5"), Some(Float(1.5)));
        assert_eq!(n("1."), Some(Float(1.0)));
        assert_eq!(n(".5"), Some(Float(0.5)));
        assert_eq!(n("1e2"), Some(Float(100.0)));
        assert_eq!(n("1E+2"), Some(Float(100.0)));
        assert_eq!(n("-2.5e-1"), Some(Float(-0.25)));
        assert_eq!(n(" 3.0 "), Some(Float(3.0)));
        assert_eq!(n("1e"), None);
        assert_eq!(n("1e+"), None);
        assert_eq!(n("."), None);
        assert_eq!(n("e5"), None);
        assert_eq!(n("1.2.3"), None);
        assert_eq!(n("1e400"), Some(Float(f64::INFINITY)));
        assert_eq!(n("0.1"), Some(Float(0.1)));
    }

    #[test]
    fn hex_floats() {
        assert_eq!(n("0x1p4"), Some(Float(16.0)));
        assert_eq!(n("0x.8"), Some(Float(0.5)));
        assert_eq!(n("0x1.8"), Some(Float(1.5)));
        assert_eq!(n("0xA.8p1"), Some(Float(21.0)));
        assert_eq!(n("0x1P-2"), Some(Float(0.25)));
        assert_eq!(n("-0x1p+1"), Some(Float(-2.0)));
        assert_eq!(n("0x.p1"), None);
        assert_eq!(n("0x1p"), None);
        assert_eq!(
            n("0x1.fffffffffffff8p0"), // rounds to even → 2.0
            Some(Float(2.0))
        );
        assert_eq!(n("0x1.00000000000008p0"), Some(Float(1.0)));
        assert_eq!(n("0x1.000000000000081p0"), Some(Float(1.0000000000000002)));
        assert_eq!(n("0x1p-1074"), Some(Float(f64::from_bits(1))));
        assert_eq!(n("0x1p1024"), Some(Float(f64::INFINITY)));
        // more hex digits than fit in the mantissa
        assert_eq!(
            n("0x10000000000000000.0"),
            Some(Float(18446744073709551616.0))
        );
    }

    #[test]
    fn rejected() {
        for s in [
            "", " ", "-", "+", "inf", "-inf", "nan", "NaN", "infinity", "1 2", "1x", "0x1g", "--1",
            "1\0", "abc", "1e5x", "+-1", "0x1.8n",
        ] {
            assert_eq!(n(s), None, "{s:?}");
        }
    }
}
