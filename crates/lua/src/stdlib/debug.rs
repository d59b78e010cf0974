//! The debug library (Lua 5.4 manual §6.10, `ldblib.c`): `traceback`, `getinfo`, `getlocal`,
//! `setlocal`, `getupvalue`, `setupvalue`, `upvalueid`, `upvaluejoin`, `getmetatable`,
//! `setmetatable`, `getregistry`, `getuservalue`, `setuservalue`, `sethook`, `gethook`.
//!
//! Levels count frames of the running thread (or of a coroutine given as first argument) from the
//! function that called the debug function (level 1), as `lua_getstack` does.

#![allow(
    clippy::needless_borrow,
    reason = "explicit `&(*ptr).field` borrows are required by rustc's dangerous_implicit_autorefs lint"
)]

use crate::vm::function::{LuaClosure, UpVal};
use crate::vm::thread::{CIST_TAIL, FrameKind, LuaThread};
use crate::vm::value::{TAG_LCL, TAG_NATIVE, TAG_THREAD};
use crate::vm::{LuaResult, Value, Vm};

/// Install the `debug` table.
pub fn open(vm: &mut Vm) {
    vm.register_lib(
        "debug",
        &[
            ("traceback", traceback),
            ("getinfo", getinfo),
            ("getlocal", getlocal),
            ("setlocal", setlocal),
            ("getupvalue", getupvalue),
            ("setupvalue", setupvalue),
            ("upvalueid", upvalueid),
            ("upvaluejoin", upvaluejoin),
            ("getmetatable", getmetatable),
            ("setmetatable", setmetatable),
            ("getregistry", getregistry),
            ("getuservalue", getuservalue),
            ("setuservalue", setuservalue),
            ("sethook", sethook),
            ("gethook", gethook),
        ],
    );
}

/// `getthread`: an optional leading thread argument; returns (thread ptr, index of next arg).
fn get_thread(vm: &Vm) -> (*mut LuaThread, usize) {
    let a = vm.arg(1);
    if a.tag() == TAG_THREAD {
        (a.payload() as *mut LuaThread, 2)
    } else {
        (vm.th, 1)
    }
}

/// Frame index of `level` in thread `th` (level 0 = the running function of that thread).
fn frame_at(vm: &Vm, th: *mut LuaThread, level: i64) -> Option<usize> {
    // SAFETY: th is a live thread.
    let n = unsafe { (&mut *th).ci.len() };
    // Frame 0 is the base sentinel: on the main thread it stands for the host's C frame (lua.c's
    // `pmain`), so it is a level; a coroutine's sentinel is not.
    let levels = if th == vm.main_thread { n } else { n - 1 };
    if level < 0 || level as usize >= levels {
        return None;
    }
    Some(n - 1 - level as usize)
}

fn with_thread<R>(vm: &mut Vm, th: *mut LuaThread, f: impl FnOnce(&mut Vm) -> R) -> R {
    let prev = vm.th;
    vm.th = th;
    let r = f(vm);
    vm.th = prev;
    r
}

fn traceback(vm: &mut Vm) -> LuaResult<usize> {
    let (th, a) = get_thread(vm);
    let msg = vm.arg(a);
    if !msg.is_nil() && !msg.is_string() && !msg.is_number() {
        vm.push(msg);
        return Ok(1);
    }
    let same = th == vm.th;
    let level = vm.opt_integer(a + 1, if same { 1 } else { 0 })?;
    let mut out = Vec::new();
    if !msg.is_nil() {
        let s = vm.tostring_bytes(msg)?;
        out.extend_from_slice(&s);
        out.push(b'\n');
    }
    let tb = with_thread(vm, th, |vm| match frame_at(vm, th, level) {
        Some(idx) => vm.traceback_from_level(idx),
        None => "stack traceback:".to_string(),
    });
    out.extend_from_slice(tb.as_bytes());
    let s = vm.new_str(&out);
    vm.push(s);
    Ok(1)
}

fn set_field(vm: &mut Vm, t: Value, k: &str, v: Value) {
    let key = vm.new_str(k.as_bytes());
    let _ = vm.raw_set(t, key, v);
}

fn set_str(vm: &mut Vm, t: Value, k: &str, s: &[u8]) {
    let v = vm.new_str(s);
    set_field(vm, t, k, v);
}

fn getinfo(vm: &mut Vm) -> LuaResult<usize> {
    let (th, a) = get_thread(vm);
    let what_v = vm.opt_string(a + 1)?.map(|s| s.as_bytes().to_vec());
    let what = what_v.unwrap_or_else(|| b"flnSrtu".to_vec());
    let target = vm.arg(a);
    let (func, ci_idx) = if target.is_function() {
        if what.contains(&b'>') {
            return Err(vm.arg_error(a + 1, "invalid option '>'"));
        }
        (target, None)
    } else {
        if !target.is_number() {
            return Err(vm.arg_error(a, "function or level expected"));
        }
        let level = vm.check_integer(a)?;
        match frame_at(vm, th, level) {
            Some(idx) => {
                // SAFETY: live thread; idx in range.
                let f = unsafe { (&*th).get((&*th).ci[idx].func) };
                (f, Some(idx))
            }
            None => {
                vm.push(Value::NIL);
                return Ok(1);
            }
        }
    };
    if let Some(&c) = what.iter().find(|c| !b"SlnrutfL".contains(c)) {
        let msg = format!("invalid option '{}'", c as char);
        return Err(vm.arg_error(a + 1, &msg));
    }
    let t = vm.new_table();
    vm.push(t);
    let lcl = func.tag() == TAG_LCL;
    let proto = if lcl {
        // SAFETY: live closure/proto when lcl.
        Some(unsafe { &*(*(func.payload() as *mut LuaClosure)).proto })
    } else {
        None
    };
    for &c in &what {
        match c {
            b'S' => match proto {
                Some(p) => {
                    let src = p.src.source.clone();
                    set_str(vm, t, "source", &src);
                    let sid = crate::vm::debug::chunk_id(&src);
                    set_str(vm, t, "short_src", &sid);
                    set_field(vm, t, "linedefined", Value::int(p.src.line_defined as i64));
                    set_field(
                        vm,
                        t,
                        "lastlinedefined",
                        Value::int(p.src.last_line_defined as i64),
                    );
                    set_str(
                        vm,
                        t,
                        "what",
                        if p.src.line_defined == 0 {
                            b"main"
                        } else {
                            b"Lua"
                        },
                    );
                }
                None => {
                    set_str(vm, t, "source", b"=[C]");
                    set_str(vm, t, "short_src", b"[C]");
                    set_field(vm, t, "linedefined", Value::int(-1));
                    set_field(vm, t, "lastlinedefined", Value::int(-1));
                    set_str(vm, t, "what", b"C");
                }
            },
            b'l' => {
                let line = match (proto, ci_idx) {
                    (Some(p), Some(idx)) => {
                        // SAFETY: live thread.
                        let saved = unsafe { (&*th).ci[idx].savedpc };
                        crate::vm::debug::current_line(p, saved) as i64
                    }
                    _ => -1,
                };
                set_field(vm, t, "currentline", Value::int(line));
            }
            b'u' => {
                let nups = match proto {
                    Some(p) => p.src.upvalues.len(),
                    // SAFETY: live native closure.
                    None if func.tag() == TAG_NATIVE => unsafe {
                        (&(*(func.payload() as *mut crate::vm::function::NativeClosure)).upvals)
                            .len()
                    },
                    None => 0,
                };
                set_field(vm, t, "nups", Value::int(nups as i64));
                set_field(
                    vm,
                    t,
                    "nparams",
                    Value::int(proto.map(|p| p.src.num_params as i64).unwrap_or(0)),
                );
                set_field(
                    vm,
                    t,
                    "isvararg",
                    Value::bool(proto.map(|p| p.src.is_vararg).unwrap_or(true)),
                );
            }
            b'n' => {
                let nm = ci_idx.and_then(|idx| with_thread(vm, th, |vm| vm.frame_call_name(idx)));
                match nm {
                    Some((kind, name)) => {
                        set_str(vm, t, "name", &name);
                        set_str(vm, t, "namewhat", kind.as_bytes());
                    }
                    None => set_str(vm, t, "namewhat", b""),
                }
            }
            b't' => {
                // SAFETY: live thread.
                let tail = ci_idx
                    .map(|idx| unsafe { (&mut *th).ci[idx].status } & CIST_TAIL != 0)
                    .unwrap_or(false);
                set_field(vm, t, "istailcall", Value::bool(tail));
            }
            b'r' => {
                let (ft, nt) = ci_idx
                    .map(|idx| vm.frame_transfer(th, idx))
                    .unwrap_or((0, 0));
                set_field(vm, t, "ftransfer", Value::int(ft as i64));
                set_field(vm, t, "ntransfer", Value::int(nt as i64));
            }
            b'f' => set_field(vm, t, "func", func),
            b'L' => {
                if let Some(p) = proto {
                    let lines = vm.new_table();
                    let li: Vec<u32> = p.src.line_info.clone();
                    let start = if p.src.is_vararg { 1 } else { 0 };
                    for &l in li.iter().skip(start) {
                        vm.raw_set_int(lines, l as i64, Value::TRUE);
                    }
                    set_field(vm, t, "activelines", lines);
                }
            }
            _ => {}
        }
    }
    Ok(1)
}

/// Name and stack slot of local `n` of frame `idx` (`luaG_findlocal`).
fn find_local(vm: &Vm, th: *mut LuaThread, idx: usize, n: i64) -> Option<(Vec<u8>, usize)> {
    // SAFETY: live thread; idx in range.
    let (ci, next_func) = unsafe {
        let ci = (&mut *th).ci[idx];
        let limit = if idx + 1 < (&mut *th).ci.len() {
            (&mut *th).ci[idx + 1].func
        } else {
            (&mut *th).top
        };
        (ci, limit)
    };
    if ci.kind == FrameKind::Lua {
        // SAFETY: live closure in the frame's function slot.
        let p = unsafe { &*(*((&*th).get(ci.func).payload() as *mut LuaClosure)).proto };
        if n < 0 {
            let nextra = ci.nextraargs as i64;
            if p.src.is_vararg && -n <= nextra {
                let pos = ci.func as i64 - nextra + (-n) - 1;
                return Some((b"(vararg)".to_vec(), pos as usize));
            }
            return None;
        }
        let pc = ci.savedpc.saturating_sub(1);
        if let Some(name) = crate::vm::debug::local_name(p, n as usize, pc) {
            return Some((name.to_vec(), ci.base + n as usize - 1));
        }
        let _ = vm;
        if n >= 1 && ci.base + (n as usize) - 1 < next_func.min(ci.top) {
            return Some((b"(temporary)".to_vec(), ci.base + n as usize - 1));
        }
        None
    } else {
        if n >= 1 && ci.base + (n as usize) - 1 < next_func {
            return Some((b"(C temporary)".to_vec(), ci.base + n as usize - 1));
        }
        None
    }
}

fn getlocal(vm: &mut Vm) -> LuaResult<usize> {
    let (th, a) = get_thread(vm);
    let n = vm.check_integer(a + 1)?;
    let target = vm.arg(a);
    if target.is_function() {
        if target.tag() == TAG_LCL && n >= 1 {
            // SAFETY: live closure.
            let p = unsafe { &*(*(target.payload() as *mut LuaClosure)).proto };
            if let Some(name) = crate::vm::debug::local_name(p, n as usize, 0) {
                let name = name.to_vec();
                let s = vm.new_str(&name);
                vm.push(s);
                return Ok(1);
            }
        }
        vm.push(Value::NIL);
        return Ok(1);
    }
    let level = vm.check_integer(a)?;
    let Some(idx) = frame_at(vm, th, level) else {
        return Err(vm.arg_error(a, "level out of range"));
    };
    match find_local(vm, th, idx, n) {
        Some((name, slot)) => {
            let s = vm.new_str(&name);
            // SAFETY: live thread; slot below its top.
            let v = unsafe { (&*th).get(slot) };
            vm.push(s);
            vm.push(v);
            Ok(2)
        }
        None => {
            vm.push(Value::NIL);
            Ok(1)
        }
    }
}

fn setlocal(vm: &mut Vm) -> LuaResult<usize> {
    let (th, a) = get_thread(vm);
    let level = vm.check_integer(a)?;
    let n = vm.check_integer(a + 1)?;
    let v = vm.check_any(a + 2)?;
    let Some(idx) = frame_at(vm, th, level) else {
        return Err(vm.arg_error(a, "level out of range"));
    };
    match find_local(vm, th, idx, n) {
        Some((name, slot)) => {
            // SAFETY: live thread; slot below its top.
            unsafe { (&mut *th).set(slot, v) };
            let s = vm.new_str(&name);
            vm.push(s);
        }
        None => vm.push(Value::NIL),
    }
    Ok(1)
}

/// The upvalue cell `n` (1-based) of a Lua closure, with its name.
fn lua_upval(f: Value, n: i64) -> Option<(*mut UpVal, Vec<u8>)> {
    if f.tag() != TAG_LCL || n < 1 {
        return None;
    }
    // SAFETY: live closure and proto.
    unsafe {
        let cl = &*(f.payload() as *mut LuaClosure);
        let u = *cl.upvals.get(n as usize - 1)?;
        let p = &*cl.proto;
        let name = p
            .src
            .upvalues
            .get(n as usize - 1)
            .map(|d| d.name.clone())
            .unwrap_or_default();
        let name = if name.is_empty() {
            b"(no name)".to_vec()
        } else {
            name
        };
        Some((u, name))
    }
}

fn getupvalue(vm: &mut Vm) -> LuaResult<usize> {
    let f = vm.arg(1);
    let n = vm.check_integer(2)?;
    if f.tag() == TAG_NATIVE {
        // SAFETY: live native closure.
        let ups = unsafe { &(*(f.payload() as *mut crate::vm::function::NativeClosure)).upvals };
        if n >= 1 && (n as usize) <= ups.len() {
            let v = ups[n as usize - 1];
            let s = vm.new_str(b"");
            vm.push(s);
            vm.push(v);
            return Ok(2);
        }
        return Ok(0);
    }
    vm.check_function(1)?;
    match lua_upval(f, n) {
        Some((u, name)) => {
            let s = vm.new_str(&name);
            // SAFETY: live upvalue.
            let v = unsafe { (*u).get() };
            vm.push(s);
            vm.push(v);
            Ok(2)
        }
        None => Ok(0),
    }
}

fn setupvalue(vm: &mut Vm) -> LuaResult<usize> {
    let f = vm.check_function(1)?;
    let n = vm.check_integer(2)?;
    let v = vm.check_any(3)?;
    match lua_upval(f, n) {
        Some((u, name)) => {
            // SAFETY: live upvalue; writing through its value pointer.
            unsafe { *(*u).v = v };
            let s = vm.new_str(&name);
            vm.push(s);
            Ok(1)
        }
        None => Ok(0),
    }
}

fn upvalueid(vm: &mut Vm) -> LuaResult<usize> {
    let f = vm.check_function(1)?;
    let n = vm.check_integer(2)?;
    match lua_upval(f, n) {
        Some((u, _)) => {
            vm.push(Value::light_userdata(u as *mut std::ffi::c_void));
            Ok(1)
        }
        None => {
            if f.tag() == TAG_NATIVE {
                // SAFETY: live native closure.
                let ups =
                    unsafe { &(*(f.payload() as *mut crate::vm::function::NativeClosure)).upvals };
                if n >= 1 && (n as usize) <= ups.len() {
                    let p = &ups[n as usize - 1] as *const Value as *mut std::ffi::c_void;
                    vm.push(Value::light_userdata(p));
                    return Ok(1);
                }
            }
            Err(vm.arg_error(2, "invalid upvalue index"))
        }
    }
}

fn upvaluejoin(vm: &mut Vm) -> LuaResult<usize> {
    let f1 = vm.check_function(1)?;
    let n1 = vm.check_integer(2)?;
    let f2 = vm.check_function(3)?;
    let n2 = vm.check_integer(4)?;
    if f1.tag() != TAG_LCL {
        return Err(vm.arg_error(1, "Lua function expected"));
    }
    if f2.tag() != TAG_LCL {
        return Err(vm.arg_error(3, "Lua function expected"));
    }
    if lua_upval(f1, n1).is_none() {
        return Err(vm.arg_error(2, "invalid upvalue index"));
    }
    let Some((u2, _)) = lua_upval(f2, n2) else {
        return Err(vm.arg_error(4, "invalid upvalue index"));
    };
    // SAFETY: live closure; index checked above.
    unsafe { (&mut (*(f1.payload() as *mut LuaClosure)).upvals)[n1 as usize - 1] = u2 };
    Ok(0)
}

fn getmetatable(vm: &mut Vm) -> LuaResult<usize> {
    let v = vm.check_any(1)?;
    vm.push(vm.get_metatable(v));
    Ok(1)
}

fn setmetatable(vm: &mut Vm) -> LuaResult<usize> {
    let v = vm.arg(1);
    let mt = vm.arg(2);
    if !mt.is_nil() && !mt.is_table() {
        return Err(vm.type_error(2, "nil or table"));
    }
    vm.set_metatable(v, if mt.is_nil() { None } else { Some(mt) })?;
    vm.push(v);
    Ok(1)
}

fn getregistry(vm: &mut Vm) -> LuaResult<usize> {
    vm.push(vm.registry());
    Ok(1)
}

fn getuservalue(vm: &mut Vm) -> LuaResult<usize> {
    let u = vm.arg(1);
    let n = vm.opt_integer(2, 1)?;
    if !u.is_userdata() {
        vm.push(Value::NIL);
        return Ok(1);
    }
    if n != 1 {
        vm.push(Value::NIL);
        vm.push(Value::FALSE);
        return Ok(2);
    }
    vm.push(vm.user_value(u));
    vm.push(Value::TRUE);
    Ok(2)
}

fn setuservalue(vm: &mut Vm) -> LuaResult<usize> {
    let u = vm.arg(1);
    if !u.is_userdata() {
        return Err(vm.type_error(1, "userdata"));
    }
    let v = vm.check_any(2)?;
    let n = vm.opt_integer(3, 1)?;
    if n != 1 {
        vm.push(Value::NIL);
        return Ok(1);
    }
    vm.set_user_value(u, v);
    vm.push(u);
    Ok(1)
}

fn sethook(vm: &mut Vm) -> LuaResult<usize> {
    let (th, a) = get_thread(vm);
    let f = vm.arg(a);
    if f.is_nil() || vm.arg_count() < a {
        vm.set_hook(th, Value::NIL, "", 0);
        return Ok(0);
    }
    let f = vm.check_function(a)?;
    let mask = vm
        .opt_string(a + 1)?
        .map(|s| String::from_utf8_lossy(s.as_bytes()).into_owned())
        .unwrap_or_default();
    let count = vm.opt_integer(a + 2, 0)?;
    vm.set_hook(th, f, &mask, count.max(0) as u32);
    Ok(0)
}

fn gethook(vm: &mut Vm) -> LuaResult<usize> {
    let (th, _) = get_thread(vm);
    let (f, mask, count) = vm.get_hook(th);
    if f.is_nil() {
        vm.push(Value::NIL);
        return Ok(1);
    }
    vm.push(f);
    let m = vm.new_str(mask.as_bytes());
    vm.push(m);
    vm.push(Value::int(count as i64));
    Ok(3)
}
