//! The table library (Lua 5.4 manual §6.6, `ltablib.c`): `concat`, `insert`, `move`, `pack`, `remove`,
//! `sort`, `unpack`.
//!
//! Element access honours `__index`/`__newindex`/`__len` like `lua_geti`/`lua_seti`/`luaL_len`, with a
//! raw fast path for tables without a metatable. `sort` is `ltablib.c`'s quicksort (median of three,
//! same comparison order and "invalid order function for sorting" checks), so comparators observe
//! the same calls as under PUC-Lua. Values in flight during comparator calls live in VM stack slots
//! (GC roots), never only in Rust locals.

use crate::vm::{LuaResult, Value, Vm};

/// Install the `table` library.
pub fn open(vm: &mut Vm) {
    vm.register_lib(
        "table",
        &[
            ("concat", concat),
            ("insert", insert),
            ("move", move_),
            ("pack", pack),
            ("remove", remove),
            ("sort", sort),
            ("unpack", unpack),
        ],
    );
}

const TAB_R: u8 = 1;
const TAB_W: u8 = 2;
const TAB_L: u8 = 4;

/// `checktab`: a table, or a value whose metatable provides the needed fields.
fn check_tab(vm: &mut Vm, i: usize, what: u8) -> LuaResult<Value> {
    let v = vm.arg(i);
    if v.is_table() {
        return Ok(v);
    }
    let mt = vm.get_metatable(v);
    if mt.is_table() {
        let ok = (what & TAB_R == 0 || !vm.get_metafield(v, "__index").is_nil())
            && (what & TAB_W == 0 || !vm.get_metafield(v, "__newindex").is_nil())
            && (what & TAB_L == 0 || !vm.get_metafield(v, "__len").is_nil());
        if ok {
            return Ok(v);
        }
    }
    Err(vm.type_error(i, "table"))
}

/// `luaL_len`: `#t` honouring `__len`; the result must be an integer.
fn len_of(vm: &mut Vm, t: Value) -> LuaResult<i64> {
    if t.is_table() && vm.get_metatable(t).is_nil() {
        return Ok(vm.raw_len(t));
    }
    let n = vm.len(t)?;
    match n
        .as_int()
        .or_else(|| vm.to_integer(n).filter(|_| n.is_float()))
    {
        Some(i) => Ok(i),
        None => Err(vm.error("object length is not an integer")),
    }
}

#[inline]
fn geti(vm: &mut Vm, t: Value, i: i64) -> LuaResult<Value> {
    if t.is_table() && vm.get_metatable(t).is_nil() {
        return Ok(vm.raw_get_int(t, i));
    }
    vm.get(t, Value::int(i))
}

#[inline]
fn seti(vm: &mut Vm, t: Value, i: i64, v: Value) -> LuaResult<()> {
    if t.is_table() && vm.get_metatable(t).is_nil() {
        vm.raw_set_int(t, i, v);
        return Ok(());
    }
    vm.set(t, Value::int(i), v)
}

fn insert(vm: &mut Vm) -> LuaResult<usize> {
    let t = check_tab(vm, 1, TAB_R | TAB_W | TAB_L)?;
    let e = len_of(vm, t)?.wrapping_add(1);
    match vm.arg_count() {
        2 => {
            let v = vm.arg(2);
            seti(vm, t, e, v)?;
        }
        3 => {
            let pos = vm.check_integer(2)?;
            if (pos as u64).wrapping_sub(1) >= e as u64 {
                return Err(vm.arg_error(2, "position out of bounds"));
            }
            let mut i = e;
            while i > pos {
                let v = geti(vm, t, i - 1)?;
                seti(vm, t, i, v)?;
                i -= 1;
            }
            let v = vm.arg(3);
            seti(vm, t, pos, v)?;
        }
        _ => return Err(vm.error("wrong number of arguments to 'insert'")),
    }
    Ok(0)
}

fn remove(vm: &mut Vm) -> LuaResult<usize> {
    let t = check_tab(vm, 1, TAB_R | TAB_W | TAB_L)?;
    let size = len_of(vm, t)?;
    let mut pos = vm.opt_integer(2, size)?;
    if pos != size && (pos as u64).wrapping_sub(1) > size as u64 {
        return Err(vm.arg_error(1, "position out of bounds"));
    }
    let removed = geti(vm, t, pos)?;
    vm.push(removed);
    while pos < size {
        let v = geti(vm, t, pos + 1)?;
        seti(vm, t, pos, v)?;
        pos += 1;
    }
    seti(vm, t, pos, Value::NIL)?;
    Ok(1)
}

fn move_(vm: &mut Vm) -> LuaResult<usize> {
    let a1 = vm.arg(1);
    let f = vm.check_integer(2)?;
    let e = vm.check_integer(3)?;
    let t = vm.check_integer(4)?;
    let tt = if vm.arg(5).is_nil() { 1 } else { 5 };
    check_tab(vm, 1, TAB_R)?;
    let dst = vm.arg(tt);
    check_tab(vm, tt, TAB_W)?;
    if e >= f {
        if !(f > 0 || e < i64::MAX.wrapping_add(f)) {
            return Err(vm.arg_error(3, "too many elements to move"));
        }
        let n = e - f + 1;
        if t > i64::MAX - n + 1 {
            return Err(vm.arg_error(4, "destination wrap around"));
        }
        let same = tt == 1 || vm.equals(a1, dst)?;
        if t > e || t <= f || !same {
            for i in 0..n {
                let v = geti(vm, a1, f + i)?;
                seti(vm, dst, t + i, v)?;
            }
        } else {
            let mut i = n - 1;
            while i >= 0 {
                let v = geti(vm, a1, f + i)?;
                seti(vm, dst, t + i, v)?;
                i -= 1;
            }
        }
    }
    vm.push(dst);
    Ok(1)
}

fn pack(vm: &mut Vm) -> LuaResult<usize> {
    let n = vm.arg_count();
    let t = vm.new_table_with(n, 1);
    for i in 1..=n {
        let v = vm.arg(i);
        vm.raw_set_int(t, i as i64, v);
    }
    let k = vm.new_str(b"n");
    vm.raw_set(t, k, Value::int(n as i64))?;
    vm.push(t);
    Ok(1)
}

fn unpack(vm: &mut Vm) -> LuaResult<usize> {
    let t = vm.arg(1);
    let i = vm.opt_integer(2, 1)?;
    let e = if vm.arg(3).is_nil() {
        len_of(vm, t)?
    } else {
        vm.check_integer(3)?
    };
    if i > e {
        return Ok(0);
    }
    let n = (e as u64).wrapping_sub(i as u64);
    if n >= 1_000_000 || vm.ensure_stack(n as usize + 1).is_err() {
        return Err(vm.error("too many results to unpack"));
    }
    let n = n as i64 + 1;
    for k in 0..n {
        let v = geti(vm, t, i + k)?;
        vm.push(v);
    }
    Ok(n as usize)
}

fn concat(vm: &mut Vm) -> LuaResult<usize> {
    let t = check_tab(vm, 1, TAB_R | TAB_L)?;
    let sep = vm
        .opt_string(2)?
        .map(|s| s.as_bytes().to_vec())
        .unwrap_or_default();
    let i = vm.opt_integer(3, 1)?;
    let last = if vm.arg(4).is_nil() {
        len_of(vm, t)?
    } else {
        vm.check_integer(4)?
    };
    let mut buf = Vec::new();
    let mut k = i;
    while k <= last {
        let v = geti(vm, t, k)?;
        if let Some(s) = v.as_str_bytes() {
            buf.extend_from_slice(s);
        } else if v.is_number() {
            let s = vm.tostring_bytes(v)?;
            buf.extend_from_slice(&s);
        } else {
            let msg = format!(
                "invalid value ({}) at index {} in table for 'concat'",
                v.type_name(),
                k
            );
            return Err(vm.error(&msg));
        }
        if k != last {
            buf.extend_from_slice(&sep);
        }
        if k == i64::MAX {
            break;
        }
        k += 1;
    }
    let s = vm.new_str(&buf);
    vm.push(s);
    Ok(1)
}

/// Sort state: the table, the comparator, and the stack slots holding in-flight values.
struct Sorter {
    t: Value,
    comp: Value,
    /// Stack slot (relative to the native's base, 1-based like arguments) for the pivot.
    pivot_slot: usize,
    rnd: u32,
}

impl Sorter {
    fn get(&self, vm: &mut Vm, i: i64) -> LuaResult<Value> {
        geti(vm, self.t, i)
    }
    fn set(&self, vm: &mut Vm, i: i64, v: Value) -> LuaResult<()> {
        seti(vm, self.t, i, v)
    }
    /// `sort_comp(a, b)`: is `a < b`?
    fn lt(&self, vm: &mut Vm, a: Value, b: Value) -> LuaResult<bool> {
        if self.comp.is_nil() {
            if let (Some(x), Some(y)) = (a.as_int(), b.as_int()) {
                return Ok(x < y);
            }
            vm.compare_lt(a, b)
        } else {
            Ok(vm.call1(self.comp, &[a, b])?.is_truthy())
        }
    }

    fn swap(&self, vm: &mut Vm, i: i64, j: i64, vi: Value, vj: Value) -> LuaResult<()> {
        self.set(vm, i, vj)?;
        self.set(vm, j, vi)
    }

    fn auxsort(&mut self, vm: &mut Vm, mut lo: i64, mut up: i64) -> LuaResult<()> {
        while lo < up {
            let alo = self.get(vm, lo)?;
            let aup = self.get(vm, up)?;
            if self.lt(vm, aup, alo)? {
                self.swap(vm, lo, up, alo, aup)?;
            }
            if up - lo == 1 {
                break;
            }
            let mut p = if up - lo < 100 || self.rnd == 0 {
                lo + (up - lo) / 2
            } else {
                let r4 = (up - lo) / 4;
                (self.rnd as i64) % (r4 * 2) + (lo + r4)
            };
            let ap = self.get(vm, p)?;
            let alo = self.get(vm, lo)?;
            if self.lt(vm, ap, alo)? {
                self.swap(vm, p, lo, ap, alo)?;
            } else {
                let aup = self.get(vm, up)?;
                if self.lt(vm, aup, ap)? {
                    self.swap(vm, p, up, ap, aup)?;
                }
            }
            if up - lo == 2 {
                break;
            }
            let pv = self.get(vm, p)?;
            vm.set_arg(self.pivot_slot, pv);
            let aup1 = self.get(vm, up - 1)?;
            self.set(vm, p, aup1)?;
            self.set(vm, up - 1, pv)?;
            p = self.partition(vm, lo, up)?;
            let n;
            if p - lo < up - p {
                self.auxsort(vm, lo, p - 1)?;
                n = p - lo;
                lo = p + 1;
            } else {
                self.auxsort(vm, p + 1, up)?;
                n = up - p;
                up = p - 1;
            }
            if (up - lo) / 128 > n {
                self.rnd = self.rnd.wrapping_mul(1_103_515_245).wrapping_add(12345) | 1;
            }
        }
        Ok(())
    }

    fn partition(&mut self, vm: &mut Vm, lo: i64, up: i64) -> LuaResult<i64> {
        let mut i = lo;
        let mut j = up - 1;
        loop {
            let pv = vm.arg(self.pivot_slot);
            loop {
                i += 1;
                let ai = self.get(vm, i)?;
                if !self.lt(vm, ai, pv)? {
                    break;
                }
                if i == up - 1 {
                    return Err(vm.error("invalid order function for sorting"));
                }
            }
            loop {
                j -= 1;
                let aj = self.get(vm, j)?;
                if !self.lt(vm, pv, aj)? {
                    break;
                }
                if j < i {
                    return Err(vm.error("invalid order function for sorting"));
                }
            }
            if j < i {
                let a_up1 = self.get(vm, up - 1)?;
                let ai = self.get(vm, i)?;
                self.swap(vm, up - 1, i, a_up1, ai)?;
                return Ok(i);
            }
            let ai = self.get(vm, i)?;
            let aj = self.get(vm, j)?;
            self.swap(vm, i, j, ai, aj)?;
        }
    }
}

fn sort(vm: &mut Vm) -> LuaResult<usize> {
    let t = check_tab(vm, 1, TAB_R | TAB_W | TAB_L)?;
    let n = len_of(vm, t)?;
    if n > 1 {
        if n >= i32::MAX as i64 {
            return Err(vm.arg_error(1, "array too big"));
        }
        let comp = vm.arg(2);
        if !comp.is_nil() && !comp.is_function() {
            return Err(vm.type_error(2, "function"));
        }
        // Argument slots 1..2 hold t and comp; slot 3 (pushed here) roots the pivot.
        vm.set_top(2);
        vm.push(Value::NIL);
        let mut s = Sorter {
            t,
            comp,
            pivot_slot: 3,
            rnd: 0,
        };
        s.auxsort(vm, 1, n)?;
    }
    Ok(0)
}
