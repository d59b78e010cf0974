//! Metamethod-aware slow paths of the operators (`ltm.c`, `lvm.c` `luaV_finishget`/`luaV_finishset`,
//! `luaV_equalobj`, `luaV_lessthan`, `luaV_concat`, `luaV_objlen`, `luaL_tolstring`) and the error
//! messages of `ldebug.c` (`luaG_typeerror`, `luaG_opinterror`, `luaG_ordererror`...).
//!
//! The interpreter calls these only when its inline fast path does not apply. A [`Culprit`] tells
//! which register or upvalue an operand came from, so messages can say `(local 'x')`.

use super::Vm;
use super::arith;
use super::error::LuaResult;
use super::table::LuaTable;
use super::value::*;
use crate::opcode::TagMethod;

/// Where an operand came from, for `varinfo` in messages: a register of the running Lua frame
/// (`reg`), an upvalue (`UPVAL | idx`), or unknown ([`Culprit::NONE`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Culprit(pub(crate) u32);

impl Culprit {
    pub(crate) const NONE: Culprit = Culprit(u32::MAX);
    const UPVAL: u32 = 0x1_0000;
    pub(crate) fn reg(r: u32) -> Culprit {
        Culprit(r)
    }
    pub(crate) fn upval(u: u32) -> Culprit {
        Culprit(Self::UPVAL | u)
    }
}

/// Maximum `__index`/`__newindex` chain length (`MAXTAGLOOP`).
pub(crate) const MAX_TAG_LOOP: usize = 2000;

impl Vm {
    fn varinfo(&self, c: Culprit) -> Vec<u8> {
        if c == Culprit::NONE {
            Vec::new()
        } else if c.0 & Culprit::UPVAL != 0 {
            self.varinfo_upval((c.0 & 0xFFFF) as usize)
        } else {
            self.varinfo_reg(c.0)
        }
    }

    /// `luaG_typeerror`: "attempt to OP a TYPE value (kind 'name')".
    pub(crate) fn type_error_op(&mut self, v: Value, op: &str, c: Culprit) -> super::LuaError {
        let mut msg = format!("attempt to {} a {} value", op, self.obj_typename(v)).into_bytes();
        msg.extend_from_slice(&self.varinfo(c));
        self.runtime_error_bytes(&msg)
    }

    /// `luaT_objtypename`: `__name` from the metatable when it is a string, else the type name.
    pub(crate) fn obj_typename(&self, v: Value) -> String {
        if v.is_table() || v.is_userdata() {
            let n = self.metafield_by_name(v, self.names.name);
            if let Some(b) = n.as_str_bytes() {
                return String::from_utf8_lossy(b).into_owned();
            }
        }
        v.type_name().to_string()
    }

    // ----- indexing ----------------------------------------------------------------------------

    /// `t[k]` with `__index` (`luaV_finishget` loop). `c` describes `t` for messages.
    pub(crate) fn index_slow(
        &mut self,
        mut t: Value,
        k: Value,
        mut c: Culprit,
    ) -> LuaResult<Value> {
        for _ in 0..MAX_TAG_LOOP {
            let tm;
            if let Some(tp) = t.as_table_ptr() {
                // SAFETY: live table.
                let v = unsafe { (*tp).get(k) };
                if !v.is_nil() {
                    return Ok(v);
                }
                tm = self.metamethod(t, TagMethod::Index);
                if tm.is_nil() {
                    return Ok(Value::NIL);
                }
            } else {
                tm = self.metamethod(t, TagMethod::Index);
                if tm.is_nil() {
                    return Err(self.type_error_op(t, "index", c));
                }
            }
            if tm.is_function() {
                return self.call_tm1(tm, t, k);
            }
            t = tm;
            c = Culprit::NONE;
        }
        Err(self.runtime_error("'__index' chain too long; possible loop"))
    }

    /// API form of indexing.
    pub(crate) fn index_value(&mut self, t: Value, k: Value) -> LuaResult<Value> {
        self.index_slow(t, k, Culprit::NONE)
    }

    /// `t[k] = v` with `__newindex` (`luaV_finishset` loop).
    pub(crate) fn newindex_slow(
        &mut self,
        mut t: Value,
        k: Value,
        v: Value,
        mut c: Culprit,
    ) -> LuaResult<()> {
        for _ in 0..MAX_TAG_LOOP {
            let tm;
            if let Some(tp) = t.as_table_ptr() {
                let k = super::table::normalize_key(k);
                // SAFETY: live table.
                let slot = unsafe { (*tp).slot(k) };
                if let Some(s) = slot {
                    // SAFETY: slot points into the live table.
                    if unsafe { !(*s).is_nil() } {
                        // SAFETY: as above.
                        unsafe { *s = v };
                        return Ok(());
                    }
                }
                tm = self.metamethod(t, TagMethod::NewIndex);
                if tm.is_nil() {
                    return self.raw_set_table(tp, k, v);
                }
            } else {
                tm = self.metamethod(t, TagMethod::NewIndex);
                if tm.is_nil() {
                    return Err(self.type_error_op(t, "index", c));
                }
            }
            if tm.is_function() {
                self.call_tm0(tm, t, k, v)?;
                return Ok(());
            }
            t = tm;
            c = Culprit::NONE;
        }
        Err(self.runtime_error("'__newindex' chain too long; possible loop"))
    }

    /// Raw store into a table with key checks and accounting.
    #[inline]
    pub(crate) fn raw_set_table(&mut self, t: *mut LuaTable, k: Value, v: Value) -> LuaResult<()> {
        // SAFETY: live table.
        match unsafe { (*t).set(k, v) } {
            Ok(d) => {
                if d != 0 {
                    self.heap.adjust(d);
                }
                Ok(())
            }
            Err(e) => Err(self.runtime_error(e.message())),
        }
    }

    /// API form of assignment.
    pub(crate) fn newindex_value(&mut self, t: Value, k: Value, v: Value) -> LuaResult<()> {
        self.newindex_slow(t, k, v, Culprit::NONE)
    }

    // ----- calling metamethods -----------------------------------------------------------------

    /// Call a metamethod with two arguments, one result.
    pub(crate) fn call_tm1(&mut self, tm: Value, a: Value, b: Value) -> LuaResult<Value> {
        self.call1(tm, &[a, b])
    }
    /// Call a metamethod with three arguments, no result.
    pub(crate) fn call_tm0(&mut self, tm: Value, a: Value, b: Value, c: Value) -> LuaResult<()> {
        let func = {
            self.ensure_stack(4)?;
            let th = self.th_mut();
            let f = th.top;
            th.set(f, tm);
            th.set(f + 1, a);
            th.set(f + 2, b);
            th.set(f + 3, c);
            th.top = f + 4;
            f
        };
        self.call_value(func, 0)?;
        self.th_mut().top = func;
        Ok(())
    }

    // ----- arithmetic --------------------------------------------------------------------------

    /// Arithmetic/bitwise slow path (`luaT_trybinTM` plus string coercion, manual §3.4.3).
    /// `ca`/`cb` describe the operands for messages.
    pub(crate) fn arith_slow(
        &mut self,
        op: TagMethod,
        a: Value,
        b: Value,
        ca: Culprit,
        cb: Culprit,
    ) -> LuaResult<Value> {
        let mut tm = self.metamethod(a, op);
        if tm.is_nil() {
            tm = self.metamethod(b, op);
        }
        if !tm.is_nil() {
            return self.call_tm1(tm, a, b);
        }
        // String coercion (lstrlib's arithmetic metamethods do this in PUC-Lua).
        let is_bit = matches!(
            op,
            TagMethod::BAnd
                | TagMethod::BOr
                | TagMethod::BXor
                | TagMethod::Shl
                | TagMethod::Shr
                | TagMethod::BNot
        );
        if !is_bit {
            if let (Some(x), Some(y)) = (arith::to_number(a), arith::to_number(b)) {
                // PUC-Lua does this in lstrlib's metamethods, i.e. inside a C function: errors
                // (division by zero) carry no position.
                match self.arith_raw(op, x, y) {
                    Ok(Some(r)) => return Ok(r),
                    Ok(None) => {}
                    Err(e) if !(a.is_string() || b.is_string()) => return Err(e),
                    Err(e) => {
                        let msg = e.value.as_str_bytes().unwrap_or(b"").to_vec();
                        let cut = msg
                            .windows(2)
                            .position(|w| w == b": ")
                            .map(|p| p + 2)
                            .unwrap_or(0);
                        let v = self.new_str(&msg[cut..]);
                        return Err(self.throw_value(v));
                    }
                }
            }
            if (a.is_string() || b.is_string()) && !self.string_mt.is_null() {
                // lstrlib's arithmetic metamethods (`trymt`) when a string does not convert.
                let msg = format!(
                    "attempt to {} a '{}' with a '{}'",
                    &op.event_name()[2..],
                    a.type_name(),
                    b.type_name()
                );
                return Err(self.runtime_error(&msg));
            }
            // Blame the operand that is not a number (luaG_opinterror).
            let (v, c) = if arith::to_number(a).is_some() {
                (b, cb)
            } else {
                (a, ca)
            };
            return Err(self.type_error_op(v, "perform arithmetic on", c));
        }
        // Bitwise.
        if a.is_number() && b.is_number() {
            let c = if arith::to_integer_strict(a).is_none() {
                ca
            } else {
                cb
            };
            // luaG_tointerror: "number%s has no integer representation" (varinfo inside).
            let mut msg = b"number".to_vec();
            msg.extend_from_slice(&self.varinfo(c));
            msg.extend_from_slice(b" has no integer representation");
            return Err(self.runtime_error_bytes(&msg));
        }
        let (v, c) = if a.is_number() { (b, cb) } else { (a, ca) };
        Err(self.type_error_op(v, "perform bitwise operation on", c))
    }

    /// Arithmetic on two numbers (no metamethods). `Ok(None)` when not applicable.
    pub(crate) fn arith_raw(
        &mut self,
        op: TagMethod,
        a: Value,
        b: Value,
    ) -> LuaResult<Option<Value>> {
        use TagMethod::*;
        let both_int = a.is_int() && b.is_int();
        Ok(Some(match op {
            Add if both_int => Value::int(a.ival().wrapping_add(b.ival())),
            Sub if both_int => Value::int(a.ival().wrapping_sub(b.ival())),
            Mul if both_int => Value::int(a.ival().wrapping_mul(b.ival())),
            Mod if both_int => {
                if b.ival() == 0 {
                    return Err(self.runtime_error("attempt to perform 'n%0'"));
                }
                Value::int(arith::int_mod(a.ival(), b.ival()))
            }
            IDiv if both_int => {
                if b.ival() == 0 {
                    return Err(self.runtime_error("attempt to divide by zero"));
                }
                Value::int(arith::int_floor_div(a.ival(), b.ival()))
            }
            Unm if a.is_int() => Value::int(a.ival().wrapping_neg()),
            Add | Sub | Mul | Mod | IDiv | Div | Pow | Unm => {
                let (x, y) = match (a.as_f64(), b.as_f64()) {
                    (Some(x), Some(y)) => (x, y),
                    _ => return Ok(None),
                };
                Value::float(match op {
                    Add => x + y,
                    Sub => x - y,
                    Mul => x * y,
                    Div => x / y,
                    Mod => arith::float_mod(x, y),
                    IDiv => arith::float_floor_div(x, y),
                    Pow => {
                        if y == 2.0 {
                            x * x
                        } else {
                            x.powf(y)
                        }
                    }
                    _ => -x,
                })
            }
            BAnd | BOr | BXor | Shl | Shr | BNot => {
                let (Some(x), Some(y)) = (arith::to_integer_strict(a), arith::to_integer_strict(b))
                else {
                    return Ok(None);
                };
                Value::int(match op {
                    BAnd => x & y,
                    BOr => x | y,
                    BXor => x ^ y,
                    Shl => arith::shift_left(x, y),
                    Shr => arith::shift_left(x, y.wrapping_neg()),
                    _ => !x,
                })
            }
            _ => return Ok(None),
        }))
    }

    /// API arithmetic: fast numeric path, then metamethods/coercion.
    pub(crate) fn arith_values(&mut self, op: TagMethod, a: Value, b: Value) -> LuaResult<Value> {
        let is_bit = matches!(
            op,
            TagMethod::BAnd
                | TagMethod::BOr
                | TagMethod::BXor
                | TagMethod::Shl
                | TagMethod::Shr
                | TagMethod::BNot
        );
        if a.is_number()
            && b.is_number()
            && (!is_bit || (a.is_int() && b.is_int()))
            && let Some(r) = self.arith_raw(op, a, b)?
        {
            return Ok(r);
        }
        self.arith_slow(op, a, b, Culprit::NONE, Culprit::NONE)
    }

    /// Unary minus / bitwise not slow path.
    pub(crate) fn unary_slow(&mut self, op: TagMethod, a: Value, c: Culprit) -> LuaResult<Value> {
        let tm = self.metamethod(a, op);
        if !tm.is_nil() {
            return self.call_tm1(tm, a, a);
        }
        if op == TagMethod::Unm {
            if let Some(x) = arith::to_number(a)
                && let Some(r) = self.arith_raw(op, x, x)?
            {
                return Ok(r);
            }
            if a.is_string() && !self.string_mt.is_null() {
                return Err(self.runtime_error("attempt to unm a 'string' with a 'string'"));
            }
            return Err(self.type_error_op(a, "perform arithmetic on", c));
        }
        if a.is_number() {
            // luaG_tointerror: "number%s has no integer representation" (varinfo inside).
            let mut msg = b"number".to_vec();
            msg.extend_from_slice(&self.varinfo(c));
            msg.extend_from_slice(b" has no integer representation");
            return Err(self.runtime_error_bytes(&msg));
        }
        Err(self.type_error_op(a, "perform bitwise operation on", c))
    }

    // ----- length ------------------------------------------------------------------------------

    /// `#v` (`luaV_objlen`).
    pub(crate) fn len_slow(&mut self, v: Value, c: Culprit) -> LuaResult<Value> {
        if let Some(s) = v.as_str_bytes() {
            return Ok(Value::int(s.len() as i64));
        }
        let tm = self.metamethod(v, TagMethod::Len);
        if !tm.is_nil() {
            return self.call_tm1(tm, v, v);
        }
        if let Some(t) = v.as_table_ptr() {
            // SAFETY: live table.
            return Ok(Value::int(unsafe { (*t).length() }));
        }
        Err(self.type_error_op(v, "get length of", c))
    }

    pub(crate) fn len_value(&mut self, v: Value) -> LuaResult<Value> {
        self.len_slow(v, Culprit::NONE)
    }

    // ----- comparison --------------------------------------------------------------------------

    /// `luaV_equalobj` with `__eq`.
    pub(crate) fn eq_values(&mut self, a: Value, b: Value) -> LuaResult<bool> {
        if a.tag != b.tag {
            return Ok(a.raw_eq(b));
        }
        match a.tag {
            TAG_TABLE | TAG_USERDATA => {
                if a.payload == b.payload {
                    return Ok(true);
                }
                let mut tm = self.metamethod(a, TagMethod::Eq);
                if tm.is_nil() {
                    tm = self.metamethod(b, TagMethod::Eq);
                }
                if tm.is_nil() {
                    return Ok(false);
                }
                Ok(self.call_tm1(tm, a, b)?.is_truthy())
            }
            _ => Ok(a.raw_eq(b)),
        }
    }

    /// `luaG_ordererror`.
    fn order_error(&mut self, a: Value, b: Value) -> super::LuaError {
        let (t1, t2) = (self.obj_typename(a), self.obj_typename(b));
        if t1 == t2 {
            self.runtime_error(&format!("attempt to compare two {} values", t1))
        } else {
            self.runtime_error(&format!("attempt to compare {} with {}", t1, t2))
        }
    }

    fn order_tm(&mut self, a: Value, b: Value, ev: TagMethod) -> LuaResult<bool> {
        let mut tm = self.metamethod(a, ev);
        if tm.is_nil() {
            tm = self.metamethod(b, ev);
        }
        if tm.is_nil() {
            return Err(self.order_error(a, b));
        }
        Ok(self.call_tm1(tm, a, b)?.is_truthy())
    }

    /// `a < b` (`luaV_lessthan`).
    pub(crate) fn less_than(&mut self, a: Value, b: Value) -> LuaResult<bool> {
        if a.is_number() && b.is_number() {
            return Ok(arith::num_lt(a, b));
        }
        if let (Some(x), Some(y)) = (a.as_str_bytes(), b.as_str_bytes()) {
            return Ok(x < y);
        }
        self.order_tm(a, b, TagMethod::Lt)
    }

    /// `a <= b` (`luaV_lessequal`). Like PUC-Lua 5.4 built with `LUA_COMPAT_LT_LE` (the default
    /// `LUA_COMPAT_5_3` build that `lua5.4` ships), a missing `__le` falls back to `not (b < a)`.
    pub(crate) fn less_equal(&mut self, a: Value, b: Value) -> LuaResult<bool> {
        if a.is_number() && b.is_number() {
            return Ok(arith::num_le(a, b));
        }
        if let (Some(x), Some(y)) = (a.as_str_bytes(), b.as_str_bytes()) {
            return Ok(x <= y);
        }
        let mut tm = self.metamethod(a, TagMethod::Le);
        if tm.is_nil() {
            tm = self.metamethod(b, TagMethod::Le);
        }
        if !tm.is_nil() {
            return Ok(self.call_tm1(tm, a, b)?.is_truthy());
        }
        let mut lt = self.metamethod(b, TagMethod::Lt);
        if lt.is_nil() {
            lt = self.metamethod(a, TagMethod::Lt);
        }
        if !lt.is_nil() {
            return Ok(!self.call_tm1(lt, b, a)?.is_truthy());
        }
        Err(self.order_error(a, b))
    }

    // ----- concatenation -----------------------------------------------------------------------

    /// Concatenate `n` values in registers starting at stack slot `first` (`luaV_concat`); the
    /// result is left in slot `first`. `reg0` is the register number of `first` (for messages).
    pub(crate) fn concat_stack(&mut self, first: usize, n: usize, reg0: u32) -> LuaResult<()> {
        let mut n = n;
        while n > 1 {
            let th = self.th();
            let top = first + n; // one past the last operand
            let a = th.get(top - 2);
            let b = th.get(top - 1);
            let strish = |v: Value| v.is_string() || v.is_number();
            if !strish(a) || !strish(b) {
                let mut tm = self.metamethod(a, TagMethod::Concat);
                if tm.is_nil() {
                    tm = self.metamethod(b, TagMethod::Concat);
                }
                if tm.is_nil() {
                    let (v, r) = if strish(a) { (b, n - 1) } else { (a, n - 2) };
                    return Err(self.type_error_op(
                        v,
                        "concatenate",
                        Culprit::reg(reg0 + r as u32),
                    ));
                }
                let r = self.call_tm1(tm, a, b)?;
                self.th_mut().set(top - 2, r);
                n -= 1;
                continue;
            }
            // Collect as many string-like operands as possible from the top.
            let mut cnt = 2;
            while cnt < n && strish(th.get(top - cnt - 1)) {
                cnt += 1;
            }
            let mut buf = std::mem::take(&mut self.scratch);
            buf.clear();
            for i in (top - cnt)..top {
                let v = self.th().get(i);
                if let Some(s) = v.as_str_bytes() {
                    buf.extend_from_slice(s);
                } else {
                    arith::write_number(&mut buf, v);
                }
            }
            if let Some(limit) = self.heap.memory_limit
                && self.heap.allocated + buf.len() > limit
            {
                // Try a collection before giving up (operands are on the stack, rooted).
                if !self.heap.in_gc {
                    self.full_gc();
                }
                if self.heap.allocated + buf.len() > limit {
                    self.scratch = buf;
                    return Err(self.memory_error());
                }
            }
            let s = self.new_str(&buf);
            self.scratch = buf;
            self.th_mut().set(top - cnt, s);
            n -= cnt - 1;
        }
        Ok(())
    }

    /// API concatenation.
    pub(crate) fn concat_values(&mut self, vals: &[Value]) -> LuaResult<Value> {
        if vals.is_empty() {
            return Ok(self.new_str(b""));
        }
        self.ensure_stack(vals.len())?;
        let first = self.th().top;
        for (i, &v) in vals.iter().enumerate() {
            self.th_mut().set(first + i, v);
        }
        self.th_mut().top = first + vals.len();
        let r = self.concat_stack(first, vals.len(), 0);
        let v = self.th().get(first);
        self.th_mut().top = first;
        r.map(|()| v)
    }

    // ----- tostring ----------------------------------------------------------------------------

    /// `luaL_tolstring`.
    pub(crate) fn tostring_value(&mut self, v: Value) -> LuaResult<Value> {
        let tm = self.metafield_by_name(v, self.names.tostring);
        if !tm.is_nil() {
            let r = self.call1(tm, &[v])?;
            if r.is_number() {
                let mut b = Vec::new();
                arith::write_number(&mut b, r);
                return Ok(self.new_str(&b));
            }
            if !r.is_string() {
                return Err(self.error("'__tostring' must return a string"));
            }
            return Ok(r);
        }
        let mut buf = Vec::new();
        match v.tag {
            TAG_STR => return Ok(v),
            TAG_INT | TAG_FLOAT => arith::write_number(&mut buf, v),
            TAG_NIL => buf.extend_from_slice(b"nil"),
            TAG_BOOL => buf.extend_from_slice(if v.payload != 0 { b"true" } else { b"false" }),
            _ => {
                let n = self.metafield_by_name(v, self.names.name);
                match n.as_str_bytes() {
                    Some(name) => buf.extend_from_slice(name),
                    None => buf.extend_from_slice(v.type_name().as_bytes()),
                }
                // `%p` on glibc: 0x followed by lowercase hex, no padding.
                buf.extend_from_slice(format!(": 0x{:x}", v.payload).as_bytes());
            }
        }
        Ok(self.new_str(&buf))
    }
}
