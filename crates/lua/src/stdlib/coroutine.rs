//! The coroutine library (Lua 5.4 manual §6.2, `lcorolib.c`) over [`Vm::resume`] / [`Vm::yield_values`].

use crate::vm::{LuaResult, Value, Vm};

/// Install the `coroutine` table.
pub fn open(vm: &mut Vm) {
    vm.register_lib(
        "coroutine",
        &[
            ("create", create),
            ("resume", resume),
            ("yield", yield_),
            ("status", status),
            ("wrap", wrap),
            ("isyieldable", isyieldable),
            ("running", running),
            ("close", close),
        ],
    );
}

fn check_co(vm: &mut Vm, i: usize) -> LuaResult<Value> {
    let v = vm.arg(i);
    if v.tag() == crate::vm::value::TAG_THREAD {
        Ok(v)
    } else {
        Err(vm.type_error(i, "thread"))
    }
}

fn create(vm: &mut Vm) -> LuaResult<usize> {
    let f = vm.check_function(1)?;
    let co = vm.new_thread(f)?;
    vm.push(co);
    Ok(1)
}

fn resume(vm: &mut Vm) -> LuaResult<usize> {
    let co = check_co(vm, 1)?;
    let args: Vec<Value> = vm.args()[1..].to_vec();
    match vm.resume(co, &args) {
        Ok(vals) => {
            vm.ensure_stack(vals.len() + 1)?;
            vm.push(Value::TRUE);
            for v in &vals {
                vm.push(*v);
            }
            Ok(vals.len() + 1)
        }
        Err(e) => {
            vm.push(Value::FALSE);
            vm.push(e.value);
            Ok(2)
        }
    }
}

fn yield_(vm: &mut Vm) -> LuaResult<usize> {
    let args: Vec<Value> = vm.args().to_vec();
    let r = vm.yield_values(&args)?;
    vm.ensure_stack(r.len())?;
    for v in &r {
        vm.push(*v);
    }
    Ok(r.len())
}

fn status(vm: &mut Vm) -> LuaResult<usize> {
    let co = check_co(vm, 1)?;
    let s = vm.thread_status(co);
    let v = vm.new_str(s.as_bytes());
    vm.push(v);
    Ok(1)
}

fn isyieldable(vm: &mut Vm) -> LuaResult<usize> {
    let y = if vm.arg_count() >= 1 {
        let co = check_co(vm, 1)?;
        vm.thread_status(co) == "running" && vm.is_yieldable()
    } else {
        vm.is_yieldable()
    };
    vm.push(Value::bool(y));
    Ok(1)
}

fn running(vm: &mut Vm) -> LuaResult<usize> {
    let (t, main) = vm.running_thread();
    vm.push(t);
    vm.push(Value::bool(main));
    Ok(2)
}

fn close(vm: &mut Vm) -> LuaResult<usize> {
    let co = check_co(vm, 1)?;
    match vm.close_thread(co)? {
        None => {
            vm.push(Value::TRUE);
            Ok(1)
        }
        Some(e) => {
            vm.push(Value::FALSE);
            vm.push(e);
            Ok(2)
        }
    }
}

fn auxwrap(vm: &mut Vm) -> LuaResult<usize> {
    let co = vm.native_upvalue(0);
    let args: Vec<Value> = vm.args().to_vec();
    match vm.resume(co, &args) {
        Ok(vals) => {
            vm.ensure_stack(vals.len())?;
            for v in &vals {
                vm.push(*v);
            }
            Ok(vals.len())
        }
        Err(e) => {
            let mut ev = e.value;
            if vm.thread_status(co) == "dead"
                && let Ok(Some(ce)) = vm.close_thread(co)
            {
                ev = ce;
            }
            if let Some(s) = ev.as_str_bytes() {
                let mut m = vm.where_level(1);
                m.extend_from_slice(s);
                ev = vm.new_str(&m);
            }
            Err(vm.error_value(ev))
        }
    }
}

fn wrap(vm: &mut Vm) -> LuaResult<usize> {
    let f = vm.check_function(1)?;
    let co = vm.new_thread(f)?;
    let w = vm.new_native_closure("wrap", auxwrap, &[co]);
    vm.push(w);
    Ok(1)
}
