//! The `math` library (Lua 5.4 manual §6.7, `lmathlib.c`).
//!
//! [`random`] holds the xoshiro256** generator behind `math.random`; its state lives in a userdata
//! shared as the first upvalue of `random` and `randomseed` (as in PUC-Lua), seeded at open time
//! from the clock and an address.
//!
//! Invariants: functions that PUC-Lua returns as integers "when representable" (`floor`, `ceil`,
//! `modf`'s integral part) use [`float_to_int`] (`lua_numbertointeger`: `-2^63 <= f < 2^63`);
//! `max`/`min` return one of their arguments unchanged (so the int/float subtype is kept) and compare
//! with the VM's `<`, so mixed types raise "attempt to compare ...".

pub mod random;

use crate::vm::{LuaResult, NativeFn, Value, Vm};
use random::Xoshiro256;

/// Installs the `math` library (`luaopen_math`).
pub fn open(vm: &mut Vm) {
    let funcs: &[(&'static str, NativeFn)] = &[
        ("abs", math_abs),
        ("acos", math_acos),
        ("asin", math_asin),
        ("atan", math_atan),
        ("ceil", math_ceil),
        ("cos", math_cos),
        ("deg", math_deg),
        ("exp", math_exp),
        ("floor", math_floor),
        ("fmod", math_fmod),
        ("log", math_log),
        ("max", math_max),
        ("min", math_min),
        ("modf", math_modf),
        ("rad", math_rad),
        ("sin", math_sin),
        ("sqrt", math_sqrt),
        ("tan", math_tan),
        ("tointeger", math_tointeger),
        ("type", math_type),
        ("ult", math_ult),
    ];
    let lib = vm.register_lib("math", funcs);
    let consts = [
        ("pi", Value::float(std::f64::consts::PI)),
        ("huge", Value::float(f64::INFINITY)),
        ("maxinteger", Value::int(i64::MAX)),
        ("mininteger", Value::int(i64::MIN)),
    ];
    for (name, v) in consts {
        let k = vm.new_str(name.as_bytes());
        let _ = vm.raw_set(lib, k, v);
    }
    // The generator state, seeded like `randseed`: the time and an address (ASLR gives variety).
    let seed2 = &consts as *const _ as u64;
    let state = vm.new_userdata(
        Box::new(Xoshiro256::new(super::os::time::now() as u64, seed2)),
        None,
    );
    let rand: [(&'static str, &'static str, NativeFn); 2] = [
        ("random", "math.random", math_random),
        ("randomseed", "math.randomseed", math_randomseed),
    ];
    for (name, full, f) in rand {
        let fv = vm.new_native_closure(full, f, &[state]);
        let k = vm.new_str(name.as_bytes());
        let _ = vm.raw_set(lib, k, fv);
    }
}

/// `lua_numbertointeger`: the integer with the value of `f` if `-2^63 <= f < 2^63` (and `f` is
/// integral; callers pass floors/ceilings), else `None`.
pub fn float_to_int(f: f64) -> Option<i64> {
    // -(i64::MIN as f64) is exactly 2^63.
    if f >= i64::MIN as f64 && f < -(i64::MIN as f64) {
        Some(f as i64)
    } else {
        None
    }
}

/// `pushnumint`: an integer value when `f` fits, else the float.
fn num_int(f: f64) -> Value {
    match float_to_int(f) {
        Some(i) => Value::int(i),
        None => Value::float(f),
    }
}

/// Defines a one-argument float function (`luaL_checknumber(1)` → float).
macro_rules! float_fn {
    ($name:ident, $doc:literal, $f:expr) => {
        #[doc = $doc]
        pub(crate) fn $name(vm: &mut Vm) -> LuaResult<usize> {
            let x = vm.check_number(1)?;
            let f: fn(f64) -> f64 = $f;
            vm.push(Value::float(f(x)));
            Ok(1)
        }
    };
}

float_fn!(math_sin, "`math.sin(x)`.", f64::sin);
float_fn!(math_cos, "`math.cos(x)`.", f64::cos);
float_fn!(math_tan, "`math.tan(x)`.", f64::tan);
float_fn!(math_asin, "`math.asin(x)`.", f64::asin);
float_fn!(math_acos, "`math.acos(x)`.", f64::acos);
float_fn!(math_sqrt, "`math.sqrt(x)`.", f64::sqrt);
float_fn!(math_exp, "`math.exp(x)`.", f64::exp);
float_fn!(math_deg, "`math.deg(x)`: `x * (180 / pi)`.", |x| x
    * (180.0 / std::f64::consts::PI));
float_fn!(math_rad, "`math.rad(x)`: `x * (pi / 180)`.", |x| x
    * (std::f64::consts::PI / 180.0));

/// `math.abs(x)`: integers wrap (`abs(mininteger) == mininteger`).
fn math_abs(vm: &mut Vm) -> LuaResult<usize> {
    let v = vm.arg(1);
    if let Some(i) = v.as_int() {
        vm.push(Value::int(i.wrapping_abs()));
    } else {
        let x = vm.check_number(1)?;
        vm.push(Value::float(x.abs()));
    }
    Ok(1)
}

/// `math.atan(y [, x])` = `atan2(y, x)` with `x` defaulting to 1.
fn math_atan(vm: &mut Vm) -> LuaResult<usize> {
    let y = vm.check_number(1)?;
    let x = vm.opt_number(2, 1.0)?;
    vm.push(Value::float(y.atan2(x)));
    Ok(1)
}

/// `math.floor(x)`: integers unchanged; floats floored, as an integer when representable.
pub(crate) fn math_floor(vm: &mut Vm) -> LuaResult<usize> {
    let v = vm.arg(1);
    if v.is_int() {
        vm.push(v);
    } else {
        let x = vm.check_number(1)?;
        vm.push(num_int(x.floor()));
    }
    Ok(1)
}

/// `math.ceil(x)`: as `floor`, rounding up.
fn math_ceil(vm: &mut Vm) -> LuaResult<usize> {
    let v = vm.arg(1);
    if v.is_int() {
        vm.push(v);
    } else {
        let x = vm.check_number(1)?;
        vm.push(num_int(x.ceil()));
    }
    Ok(1)
}

/// `math.fmod(a, b)`: integer remainder truncated toward zero when both are integers ("bad argument
/// #2 to 'fmod' (zero)" for `b == 0`), else C `fmod`.
fn math_fmod(vm: &mut Vm) -> LuaResult<usize> {
    let (a, b) = (vm.arg(1), vm.arg(2));
    if let (Some(a), Some(b)) = (a.as_int(), b.as_int()) {
        if b == 0 {
            return Err(vm.arg_error(2, "zero"));
        }
        // wrapping_rem: mininteger % -1 is 0, not an overflow.
        vm.push(Value::int(a.wrapping_rem(b)));
    } else {
        let a = vm.check_number(1)?;
        let b = vm.check_number(2)?;
        // Rust's `%` on f64 is C's fmod (result has the sign of the dividend).
        vm.push(Value::float(a % b));
    }
    Ok(1)
}

/// `math.modf(x)`: integral part (toward zero; an integer when representable) and fractional part
/// (a float; `0.0` for infinities).
fn math_modf(vm: &mut Vm) -> LuaResult<usize> {
    let v = vm.arg(1);
    if v.is_int() {
        vm.push(v);
        vm.push(Value::float(0.0));
    } else {
        let n = vm.check_number(1)?;
        let ip = if n < 0.0 { n.ceil() } else { n.floor() };
        vm.push(num_int(ip));
        vm.push(Value::float(if n == ip { 0.0 } else { n - ip }));
    }
    Ok(2)
}

/// `math.log(x [, base])`: base 2 and 10 use `log2`/`log10` for exact results.
fn math_log(vm: &mut Vm) -> LuaResult<usize> {
    let x = vm.check_number(1)?;
    let r = if vm.arg(2).is_nil() {
        x.ln()
    } else {
        let base = vm.check_number(2)?;
        if base == 2.0 {
            x.log2()
        } else if base == 10.0 {
            x.log10()
        } else {
            x.ln() / base.ln()
        }
    };
    vm.push(Value::float(r));
    Ok(1)
}

/// `math.tointeger(x)`: the integer with the value of `x` (numbers and numeric strings), else fail.
fn math_tointeger(vm: &mut Vm) -> LuaResult<usize> {
    let v = vm.arg(1);
    match vm.to_integer(v) {
        Some(i) => vm.push(Value::int(i)),
        None => {
            vm.check_any(1)?;
            vm.push(Value::NIL);
        }
    }
    Ok(1)
}

/// `math.type(x)`: `"integer"`, `"float"` or fail.
fn math_type(vm: &mut Vm) -> LuaResult<usize> {
    let v = vm.check_any(1)?;
    let r = if v.is_int() {
        vm.new_str(b"integer")
    } else if v.is_float() {
        vm.new_str(b"float")
    } else {
        Value::NIL
    };
    vm.push(r);
    Ok(1)
}

/// `math.ult(a, b)`: unsigned `a < b`.
fn math_ult(vm: &mut Vm) -> LuaResult<usize> {
    let a = vm.check_integer(1)?;
    let b = vm.check_integer(2)?;
    vm.push(Value::bool((a as u64) < (b as u64)));
    Ok(1)
}

/// `math.min(...)`: the first argument not greater than any other (by `<`).
fn math_min(vm: &mut Vm) -> LuaResult<usize> {
    extreme(vm, false)
}

/// `math.max(...)`: the first argument not smaller than any other (by `<`).
fn math_max(vm: &mut Vm) -> LuaResult<usize> {
    extreme(vm, true)
}

fn extreme(vm: &mut Vm, max: bool) -> LuaResult<usize> {
    let n = vm.arg_count();
    if n < 1 {
        return Err(vm.arg_error(1, "value expected"));
    }
    let mut best = vm.arg(1);
    for i in 2..=n {
        let v = vm.arg(i);
        // Fast path for two numbers of the same subtype; the VM's `<` handles the rest.
        let better = match (best.as_int(), v.as_int()) {
            (Some(b), Some(x)) => {
                if max {
                    b < x
                } else {
                    x < b
                }
            }
            _ => {
                if max {
                    vm.compare_lt(best, v)?
                } else {
                    vm.compare_lt(v, best)?
                }
            }
        };
        if better {
            best = v;
        }
    }
    vm.push(best);
    Ok(1)
}

/// The generator of the running `random`/`randomseed` closure (its first upvalue).
fn generator<'a>(vm: &Vm) -> Option<&'a mut Xoshiro256> {
    vm.userdata_mut::<Xoshiro256>(vm.native_upvalue(0))
}

/// `math.random([m [, n]])`: a float in `[0, 1)`, or an integer in `[1, m]` / `[m, n]`;
/// `random(0)` gives all 64 bits. "interval is empty", "wrong number of arguments".
fn math_random(vm: &mut Vm) -> LuaResult<usize> {
    let Some(g) = generator(vm) else {
        return Err(vm.error("random state missing"));
    };
    // Drawn before the arguments are checked, as in lmathlib.c.
    let rv = g.next_u64();
    let (low, up) = match vm.arg_count() {
        0 => {
            vm.push(Value::float(Xoshiro256::to_float(rv)));
            return Ok(1);
        }
        1 => {
            let up = vm.check_integer(1)?;
            if up == 0 {
                vm.push(Value::int(rv as i64));
                return Ok(1);
            }
            (1, up)
        }
        2 => (vm.check_integer(1)?, vm.check_integer(2)?),
        _ => return Err(vm.error("wrong number of arguments")),
    };
    if low > up {
        return Err(vm.arg_error(1, "interval is empty"));
    }
    let Some(g) = generator(vm) else {
        return Err(vm.error("random state missing"));
    };
    let r = g.in_range(rv, low, up);
    vm.push(Value::int(r));
    Ok(1)
}

/// `math.randomseed([x [, y]])`: re-seeds (from the clock without arguments) and returns the two
/// seed components.
fn math_randomseed(vm: &mut Vm) -> LuaResult<usize> {
    let (n1, n2) = if vm.arg_count() == 0 {
        let addr = vm as *const Vm as u64;
        (super::os::time::now(), addr as i64)
    } else {
        (vm.check_integer(1)?, vm.opt_integer(2, 0)?)
    };
    let Some(g) = generator(vm) else {
        return Err(vm.error("random state missing"));
    };
    g.seed(n1 as u64, n2 as u64);
    vm.push(Value::int(n1));
    vm.push(Value::int(n2));
    Ok(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_to_int_bounds() {
        assert_eq!(float_to_int(-(2f64.powi(63))), Some(i64::MIN));
        assert_eq!(float_to_int(2f64.powi(63)), None);
        assert_eq!(float_to_int(f64::NAN), None);
        assert_eq!(float_to_int(-0.0), Some(0));
        assert_eq!(float_to_int(f64::INFINITY), None);
        assert_eq!(float_to_int(9007199254740993.0), Some(9007199254740992));
    }
}
