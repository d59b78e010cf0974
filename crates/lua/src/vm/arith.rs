//! Number semantics of Lua 5.4 (manual §3.4.1–§3.4.4, `lvm.c`, `lobject.c`): conversions between
//! integers, floats and strings; floor division and modulo; shifts; exact integer/float comparison.
//!
//! Invariants: integer arithmetic wraps (two's complement); no function here panics (division by
//! zero is checked by callers that must raise "attempt to perform 'n//0'").

use super::value::*;
use crate::number::Number;

/// `2^63` as a float (first float above the integer range).
const TWO63: f64 = 9223372036854775808.0;

/// A float with an exact integer value in `i64` range, as that integer (`luaV_flttointns` F2Ieq).
#[inline(always)]
pub fn float_to_int_exact(f: f64) -> Option<i64> {
    if (-TWO63..TWO63).contains(&f) {
        let i = f as i64;
        if i as f64 == f {
            return Some(i);
        }
    }
    None
}

/// Floor of a float as an integer if in range (`F2Ifloor`).
#[inline]
pub fn float_floor_to_int(f: f64) -> Option<i64> {
    let g = f.floor();
    if (-TWO63..TWO63).contains(&g) {
        Some(g as i64)
    } else {
        None
    }
}

/// Ceiling of a float as an integer if in range (`F2Iceil`).
#[inline]
pub fn float_ceil_to_int(f: f64) -> Option<i64> {
    let g = f.ceil();
    if (-TWO63..TWO63).contains(&g) {
        Some(g as i64)
    } else {
        None
    }
}

/// Mathematical equality of an integer and a float.
#[inline]
pub fn int_eq_float(i: i64, f: f64) -> bool {
    float_to_int_exact(f) == Some(i)
}

/// Does the integer convert to a float exactly (`l_intfitsf`: |i| <= 2^53)?
#[inline(always)]
fn int_fits_float(i: i64) -> bool {
    const MAXINTFITSF: u64 = 1 << 53;
    (i as u64).wrapping_add(MAXINTFITSF) <= 2 * MAXINTFITSF
}

/// `i < f` exactly (`LTintfloat`).
pub fn lt_int_float(i: i64, f: f64) -> bool {
    if int_fits_float(i) {
        (i as f64) < f
    } else {
        match float_ceil_to_int(f) {
            Some(fi) => i < fi,
            None => f > 0.0,
        }
    }
}
/// `i <= f` exactly (`LEintfloat`).
pub fn le_int_float(i: i64, f: f64) -> bool {
    if int_fits_float(i) {
        (i as f64) <= f
    } else {
        match float_floor_to_int(f) {
            Some(fi) => i <= fi,
            None => f > 0.0,
        }
    }
}
/// `f < i` exactly (`LTfloatint`).
pub fn lt_float_int(f: f64, i: i64) -> bool {
    if int_fits_float(i) {
        f < (i as f64)
    } else {
        match float_floor_to_int(f) {
            Some(fi) => fi < i,
            None => f < 0.0,
        }
    }
}
/// `f <= i` exactly (`LEfloatint`).
pub fn le_float_int(f: f64, i: i64) -> bool {
    if int_fits_float(i) {
        f <= (i as f64)
    } else {
        match float_ceil_to_int(f) {
            Some(fi) => fi <= i,
            None => f < 0.0,
        }
    }
}

/// Numeric `a < b` for two numbers (`LTnum`).
#[inline]
pub fn num_lt(a: Value, b: Value) -> bool {
    match (a.tag == TAG_INT, b.tag == TAG_INT) {
        (true, true) => a.ival() < b.ival(),
        (true, false) => lt_int_float(a.ival(), b.fval()),
        (false, true) => lt_float_int(a.fval(), b.ival()),
        (false, false) => a.fval() < b.fval(),
    }
}
/// Numeric `a <= b` for two numbers (`LEnum`).
#[inline]
pub fn num_le(a: Value, b: Value) -> bool {
    match (a.tag == TAG_INT, b.tag == TAG_INT) {
        (true, true) => a.ival() <= b.ival(),
        (true, false) => le_int_float(a.ival(), b.fval()),
        (false, true) => le_float_int(a.fval(), b.ival()),
        (false, false) => a.fval() <= b.fval(),
    }
}

/// Integer floor division (`luaV_idiv`); `b != 0`.
#[inline]
pub fn int_floor_div(a: i64, b: i64) -> i64 {
    if b == -1 {
        return a.wrapping_neg();
    }
    let q = a / b;
    if (a % b != 0) && ((a ^ b) < 0) {
        q - 1
    } else {
        q
    }
}

/// Integer modulo with the sign of the divisor (`luaV_mod`); `b != 0`.
#[inline]
pub fn int_mod(a: i64, b: i64) -> i64 {
    if b == -1 {
        return 0;
    }
    let r = a % b;
    if r != 0 && (r ^ b) < 0 { r + b } else { r }
}

/// Float modulo (`luai_nummod`): `fmod` adjusted to the sign of the divisor.
#[inline]
pub fn float_mod(a: f64, b: f64) -> f64 {
    let m = a % b;
    if m != 0.0 && ((m > 0.0) != (b > 0.0)) {
        m + b
    } else {
        m
    }
}

/// Float floor division (`luai_numidiv`).
#[inline]
pub fn float_floor_div(a: f64, b: f64) -> f64 {
    (a / b).floor()
}

/// `luaV_shiftl`: shift left by `y` (right when negative); counts of 64 or more give 0.
#[inline]
pub fn shift_left(x: i64, y: i64) -> i64 {
    if y < 0 {
        if y <= -64 {
            0
        } else {
            ((x as u64) >> (-y) as u32) as i64
        }
    } else if y >= 64 {
        0
    } else {
        ((x as u64) << y as u32) as i64
    }
}

/// String → number coercion (`luaO_str2num`, manual §3.4.3), as a value.
pub fn str_to_number_value(s: &[u8]) -> Option<Value> {
    match crate::number::parse::str_to_number(s)? {
        Number::Int(i) => Some(Value::int(i)),
        Number::Float(f) => Some(Value::float(f)),
    }
}

/// `tonumber`-style conversion: numbers unchanged, numeric strings converted.
#[inline]
pub fn to_number(v: Value) -> Option<Value> {
    match v.tag {
        TAG_INT | TAG_FLOAT => Some(v),
        TAG_STR => str_to_number_value(v.as_str_bytes()?),
        _ => None,
    }
}

/// `luaV_tointegerns` with `F2Ieq`: integers, integral floats, and strings converting to either.
#[inline]
pub fn to_integer_strict(v: Value) -> Option<i64> {
    match v.tag {
        TAG_INT => Some(v.ival()),
        TAG_FLOAT => float_to_int_exact(v.fval()),
        TAG_STR => to_integer_strict(to_number(v)?),
        _ => None,
    }
}

/// Float value of a number or numeric string.
#[inline]
pub fn to_float(v: Value) -> Option<f64> {
    match v.tag {
        TAG_INT => Some(v.ival() as f64),
        TAG_FLOAT => Some(v.fval()),
        TAG_STR => to_number(v)?.as_f64(),
        _ => None,
    }
}

/// Append the `tostring` text of a number value (`%d` / `%.14g` with `.0` rule).
pub fn write_number(buf: &mut Vec<u8>, v: Value) {
    match v.tag {
        TAG_INT => {
            use std::io::Write;
            let _ = write!(buf, "{}", v.ival());
        }
        TAG_FLOAT => write_float(buf, v.fval()),
        _ => {}
    }
}

/// `lua_Number2str` (`"%.14g"`) plus `tostringbuff`'s `.0` rule for integral-looking results.
pub fn write_float(buf: &mut Vec<u8>, f: f64) {
    let mut tmp = [0u8; 64];
    // SAFETY: the buffer is 64 bytes, the format is a NUL-terminated literal taking one double.
    let n = unsafe {
        libc::snprintf(
            tmp.as_mut_ptr() as *mut libc::c_char,
            tmp.len(),
            c"%.14g".as_ptr(),
            f,
        )
    };
    let n = (n.max(0) as usize).min(tmp.len() - 1);
    let s = &tmp[..n];
    buf.extend_from_slice(s);
    if s.iter().all(|&c| c == b'-' || c.is_ascii_digit()) {
        buf.extend_from_slice(b".0");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floor_div_and_mod() {
        assert_eq!(int_floor_div(7, -2), -4);
        assert_eq!(int_mod(7, -2), -1);
        assert_eq!(int_mod(-7, 2), 1);
        assert_eq!(int_floor_div(i64::MIN, -1), i64::MIN);
        assert_eq!(float_mod(5.5, -2.0), -0.5);
        assert_eq!(shift_left(1, 64), 0);
        assert_eq!(shift_left(-1, -63), 1);
    }

    #[test]
    fn exact_mixed_comparisons() {
        // math.maxinteger < 2^63
        assert!(lt_int_float(i64::MAX, TWO63));
        // 2^53 == 2^53 + 1 is false in integer/float comparison
        assert!(!int_eq_float((1 << 53) + 1, 9007199254740992.0));
        assert!(le_float_int(-TWO63, i64::MIN));
        assert!(!lt_int_float(1, f64::NAN));
    }
}
