//! The basic library (Lua 5.4 manual §6.1, `lbaselib.c`): `print`, `type`, `pairs`, `pcall`, `load`...
//!
//! Every function is a [`NativeFn`](crate::vm::NativeFn) over the VM stack and produces PUC-Lua's
//! messages (checked against `lua5.4` by the integration tests).

use crate::vm::gc::GcMode;
use crate::vm::state::StdoutFlush;
use crate::vm::{LuaResult, Value, Vm};

/// Install the base library into the globals table (`luaopen_base`).
pub fn open(vm: &mut Vm) {
    vm.register_lib(
        "_G",
        &[
            ("assert", assert),
            ("collectgarbage", collectgarbage),
            ("dofile", dofile),
            ("error", error),
            ("getmetatable", getmetatable),
            ("ipairs", ipairs),
            ("load", load),
            ("loadfile", loadfile),
            ("next", next),
            ("pairs", pairs),
            ("pcall", pcall),
            ("print", print),
            ("rawequal", rawequal),
            ("rawget", rawget),
            ("rawlen", rawlen),
            ("rawset", rawset),
            ("select", select),
            ("setmetatable", setmetatable),
            ("tonumber", tonumber),
            ("tostring", tostring),
            ("type", type_),
            ("warn", warn),
            ("xpcall", xpcall),
        ],
    );
    let g = vm.globals();
    vm.set_global("_G", g);
    let v = vm.new_str(b"Lua 5.4");
    vm.set_global("_VERSION", v);
}

/// `print(...)`: each argument through `tostring`, written as soon as converted (as luaB_print
/// does), tab-separated, then a newline and a flush (lua_writeline is `fwrite` + `fflush`). When
/// `io.stdout:setvbuf("no")` made stdout unbuffered each piece is flushed as it is written.
fn print(vm: &mut Vm) -> LuaResult<usize> {
    let n = vm.arg_count();
    let flush = vm.stdout_flush;
    for i in 1..=n {
        let s = vm.tostring(vm.arg(i))?;
        let bytes = s.as_str_bytes().unwrap_or(b"");
        let out = vm.stdout();
        if i > 1 {
            let _ = out.write_all(b"\t");
        }
        let _ = out.write_all(bytes);
        if flush == StdoutFlush::EachWrite {
            let _ = out.flush();
        }
    }
    let out = vm.stdout();
    let _ = out.write_all(b"\n");
    let _ = out.flush();
    Ok(0)
}

fn type_(vm: &mut Vm) -> LuaResult<usize> {
    let v = vm.check_any(1)?;
    let s = vm.new_str(v.type_name().as_bytes());
    vm.push(s);
    Ok(1)
}

fn tostring(vm: &mut Vm) -> LuaResult<usize> {
    let v = vm.check_any(1)?;
    let s = vm.tostring(v)?;
    vm.push(s);
    Ok(1)
}

fn rawequal(vm: &mut Vm) -> LuaResult<usize> {
    let a = vm.check_any(1)?;
    let b = vm.check_any(2)?;
    vm.push(Value::bool(a.raw_eq(b)));
    Ok(1)
}

fn rawlen(vm: &mut Vm) -> LuaResult<usize> {
    let v = vm.arg(1);
    if !v.is_table() && !v.is_string() {
        return Err(vm.type_error(1, "table or string"));
    }
    vm.push(Value::int(vm.raw_len(v)));
    Ok(1)
}

fn rawget(vm: &mut Vm) -> LuaResult<usize> {
    let t = vm.check_table(1)?;
    let k = vm.check_any(2)?;
    vm.push(vm.raw_get(t, k));
    Ok(1)
}

fn rawset(vm: &mut Vm) -> LuaResult<usize> {
    let t = vm.check_table(1)?;
    let k = vm.check_any(2)?;
    let v = vm.check_any(3)?;
    vm.raw_set(t, k, v)?;
    vm.push(t);
    Ok(1)
}

fn getmetatable(vm: &mut Vm) -> LuaResult<usize> {
    let v = vm.check_any(1)?;
    let mt = vm.get_metatable(v);
    if mt.is_nil() {
        vm.push(Value::NIL);
        return Ok(1);
    }
    let protected = vm.get_metafield(v, "__metatable");
    vm.push(if protected.is_nil() { mt } else { protected });
    Ok(1)
}

fn setmetatable(vm: &mut Vm) -> LuaResult<usize> {
    let t = vm.check_table(1)?;
    let mt = vm.arg(2);
    if vm.arg_count() < 2 || (!mt.is_nil() && !mt.is_table()) {
        return Err(vm.type_error(2, "nil or table"));
    }
    if !vm.get_metafield(t, "__metatable").is_nil() {
        return Err(vm.error("cannot change a protected metatable"));
    }
    vm.set_metatable(t, if mt.is_nil() { None } else { Some(mt) })?;
    vm.push(t);
    Ok(1)
}

pub(crate) fn next(vm: &mut Vm) -> LuaResult<usize> {
    let t = vm.check_table(1)?;
    let k = vm.arg(2);
    match vm.next(t, k)? {
        Some((k, v)) => {
            vm.push(k);
            vm.push(v);
            Ok(2)
        }
        None => {
            vm.push(Value::NIL);
            Ok(1)
        }
    }
}

fn pairs(vm: &mut Vm) -> LuaResult<usize> {
    let t = vm.check_any(1)?;
    let mm = vm.get_metafield(t, "__pairs");
    if mm.is_nil() {
        let nextf = vm.get_global("next");
        let nextf = if nextf.is_function() {
            nextf
        } else {
            vm.new_native("next", next)
        };
        vm.push(nextf);
        vm.push(t);
        vm.push(Value::NIL);
        return Ok(3);
    }
    let r = vm.call(mm, &[t])?;
    for j in 0..3 {
        vm.push(r.get(j).copied().unwrap_or(Value::NIL));
    }
    Ok(3)
}

pub(crate) fn ipairs_aux(vm: &mut Vm) -> LuaResult<usize> {
    let t = vm.arg(1);
    let i = vm.check_integer(2)?.wrapping_add(1);
    let v = if t.is_table() && vm.get_metatable(t).is_nil() {
        vm.raw_get_int(t, i)
    } else {
        vm.get(t, Value::int(i))?
    };
    if v.is_nil() {
        vm.push(Value::NIL);
        return Ok(1);
    }
    vm.push(Value::int(i));
    vm.push(v);
    Ok(2)
}

fn ipairs(vm: &mut Vm) -> LuaResult<usize> {
    let t = vm.check_any(1)?;
    let f = vm.new_native("ipairs_aux", ipairs_aux);
    vm.push(f);
    vm.push(t);
    vm.push(Value::int(0));
    Ok(3)
}

fn select(vm: &mut Vm) -> LuaResult<usize> {
    let n = vm.arg_count() as i64;
    if vm.arg(1).as_str_bytes() == Some(b"#") {
        vm.push(Value::int(n - 1));
        return Ok(1);
    }
    let mut i = vm.check_integer(1)?;
    if i < 0 {
        i += n;
    } else if i > n {
        i = n;
    }
    if i < 1 {
        return Err(vm.arg_error(1, "index out of range"));
    }
    Ok((n - i) as usize)
}

fn error(vm: &mut Vm) -> LuaResult<usize> {
    let level = vm.opt_integer(2, 1)?;
    let v = vm.arg(1);
    if v.is_string() && level > 0 {
        let mut msg = vm.where_level(level as usize);
        msg.extend_from_slice(v.as_str_bytes().unwrap_or(b""));
        let s = vm.new_str(&msg);
        return Err(vm.error_value(s));
    }
    Err(vm.error_value(v))
}

fn assert(vm: &mut Vm) -> LuaResult<usize> {
    if vm.arg(1).is_truthy() {
        return Ok(vm.arg_count());
    }
    vm.check_any(1)?;
    let msg = vm.arg(2);
    if vm.arg_count() < 2 {
        let mut m = vm.where_level(1);
        m.extend_from_slice(b"assertion failed!");
        let s = vm.new_str(&m);
        return Err(vm.error_value(s));
    }
    if msg.is_string() {
        let mut m = vm.where_level(1);
        m.extend_from_slice(msg.as_str_bytes().unwrap_or(b""));
        let s = vm.new_str(&m);
        return Err(vm.error_value(s));
    }
    Err(vm.error_value(msg))
}

fn pcall(vm: &mut Vm) -> LuaResult<usize> {
    vm.check_any(1)?;
    vm.pcall_native(1, Value::NIL)
}

fn xpcall(vm: &mut Vm) -> LuaResult<usize> {
    let h = vm.check_function(2)?;
    let f = vm.arg(1);
    // Layout [f, h, args...] -> [f, h, f, args...]; call f from argument slot 3. The handler
    // keeps its slot: the GC only sees it there while `f` runs (overwriting the slot let a
    // collection free the handler before an error called it; found by `--gc-stress`).
    let n = vm.arg_count();
    vm.ensure_stack(1)?;
    vm.push(Value::NIL);
    for i in (3..=n + 1).rev() {
        let v = vm.arg(i - 1);
        vm.set_arg(i, v);
    }
    vm.set_arg(3, f);
    vm.pcall_native(3, h)
}

fn tonumber(vm: &mut Vm) -> LuaResult<usize> {
    if vm.arg(2).is_nil() {
        let v = vm.check_any(1)?;
        vm.push(vm.to_number(v).unwrap_or(Value::NIL));
        return Ok(1);
    }
    let base = vm.check_integer(2)?;
    let v = vm.arg(1);
    if !v.is_string() {
        return Err(vm.type_error(1, "string"));
    }
    if !(2..=36).contains(&base) {
        return Err(vm.arg_error(2, "base out of range"));
    }
    let s = v.as_str_bytes().unwrap_or(b"");
    vm.push(
        str_to_int_base(s, base as u32)
            .map(Value::int)
            .unwrap_or(Value::NIL),
    );
    Ok(1)
}

/// `luaB_tonumber`'s `l_str2int`: digits in `base`, optional sign and surrounding whitespace.
fn str_to_int_base(s: &[u8], base: u32) -> Option<i64> {
    let is_space = |c: u8| matches!(c, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r');
    let mut i = 0;
    while i < s.len() && is_space(s[i]) {
        i += 1;
    }
    let neg = if i < s.len() && s[i] == b'-' {
        i += 1;
        true
    } else {
        if i < s.len() && s[i] == b'+' {
            i += 1;
        }
        false
    };
    let start = i;
    let mut n: u64 = 0;
    while i < s.len() && s[i].is_ascii_alphanumeric() {
        let d = (s[i] as char).to_digit(36)?;
        if d >= base {
            return None;
        }
        n = n.wrapping_mul(base as u64).wrapping_add(d as u64);
        i += 1;
    }
    if i == start {
        return None;
    }
    while i < s.len() && is_space(s[i]) {
        i += 1;
    }
    if i != s.len() {
        return None;
    }
    Some(if neg {
        (n as i64).wrapping_neg()
    } else {
        n as i64
    })
}

fn collectgarbage(vm: &mut Vm) -> LuaResult<usize> {
    const OPTS: &[&str] = &[
        "stop",
        "restart",
        "collect",
        "count",
        "step",
        "setpause",
        "setstepmul",
        "isrunning",
        "generational",
        "incremental",
    ];
    let o = vm.check_option(1, Some("collect"), OPTS)?;
    match OPTS[o] {
        "stop" => {
            vm.gc_set_running(false);
            vm.push(Value::int(0));
        }
        "restart" => {
            vm.gc_set_running(true);
            vm.push(Value::int(0));
        }
        "collect" => {
            vm.full_gc();
            vm.push(Value::int(0));
        }
        "count" => {
            vm.push(Value::float(vm.memory_in_use() as f64 / 1024.0));
        }
        "step" => {
            // lbaselib passes the size as a C `int`: keep only its low 32 bits, as the cast does.
            let kb = vm.opt_integer(2, 0)? as i32 as i64;
            let done = vm.gc_step(kb);
            vm.push(Value::bool(done));
        }
        "setpause" => {
            let p = vm.opt_integer(2, 0)?;
            let prev = vm.gc_set_param(true, p);
            vm.push(Value::int(prev));
        }
        "setstepmul" => {
            let p = vm.opt_integer(2, 0)?;
            let prev = vm.gc_set_param(false, p);
            vm.push(Value::int(prev));
        }
        "isrunning" => {
            vm.push(Value::bool(vm.gc_is_running()));
        }
        "generational" | "incremental" => {
            let mode = if OPTS[o] == "generational" {
                GcMode::Generational
            } else {
                GcMode::Incremental
            };
            let prev = vm.set_gc_mode(mode);
            let s = vm.new_str(match prev {
                GcMode::Generational => b"generational",
                GcMode::Incremental => b"incremental",
            });
            vm.push(s);
        }
        _ => vm.push(Value::int(0)),
    }
    Ok(1)
}

/// Read a whole chunk from a reader function (`generic_reader`).
fn read_chunk_from_fn(vm: &mut Vm, f: Value) -> LuaResult<Vec<u8>> {
    let mut buf = Vec::new();
    loop {
        let piece = vm.call1(f, &[])?;
        if piece.is_nil() {
            break;
        }
        match piece.as_str_bytes() {
            Some([]) => break,
            Some(b) => buf.extend_from_slice(b),
            None => return Err(vm.error("reader function must return a string")),
        }
    }
    Ok(buf)
}

fn load(vm: &mut Vm) -> LuaResult<usize> {
    let chunk = vm.arg(1);
    let mode_v = vm.opt_string(3)?;
    let mode = mode_v
        .map(|m| String::from_utf8_lossy(m.as_bytes()).into_owned())
        .unwrap_or_else(|| "bt".into());
    let env = if vm.arg_count() >= 4 {
        Some(vm.arg(4))
    } else {
        None
    };
    let (code, name): (Vec<u8>, Vec<u8>) = if chunk.is_string() || chunk.is_number() {
        let s = vm.check_string(1)?;
        let code = s.as_bytes().to_vec();
        let name = match vm.opt_string(2)? {
            Some(n) => n.as_bytes().to_vec(),
            None => code.clone(),
        };
        (code, name)
    } else {
        let f = vm.check_function(1)?;
        let name = match vm.opt_string(2)? {
            Some(n) => n.as_bytes().to_vec(),
            None => b"=(load)".to_vec(),
        };
        match read_chunk_from_fn(vm, f) {
            Ok(c) => (c, name),
            Err(e) => {
                vm.push(Value::NIL);
                vm.push(e.value);
                return Ok(2);
            }
        }
    };
    match vm.load(&code, &name, &mode, env) {
        Ok(f) => {
            vm.push(f);
            Ok(1)
        }
        Err(e) => {
            vm.push(Value::NIL);
            vm.push(e.value);
            Ok(2)
        }
    }
}

/// Read a source file for `loadfile`/`dofile` (`luaL_loadfilex`): `None` = stdin. Skips a first
/// line starting with `#` (keeping its newline so line numbers stay right) and a UTF-8 BOM.
pub fn read_source_file(filename: Option<&[u8]>) -> Result<(Vec<u8>, Vec<u8>), String> {
    use std::io::Read;
    let (mut data, chunkname) = match filename {
        None => {
            let mut d = Vec::new();
            std::io::stdin()
                .read_to_end(&mut d)
                .map_err(|e| format!("cannot read stdin: {}", e))?;
            (d, b"=stdin".to_vec())
        }
        Some(f) => {
            use std::os::unix::ffi::OsStrExt;
            let path = std::ffi::OsStr::from_bytes(f);
            match std::fs::read(path) {
                Ok(d) => {
                    let mut n = b"@".to_vec();
                    n.extend_from_slice(f);
                    (d, n)
                }
                Err(e) => {
                    let msg = strerror(&e);
                    return Err(format!(
                        "cannot open {}: {}",
                        String::from_utf8_lossy(f),
                        msg
                    ));
                }
            }
        }
    };
    if data.starts_with(b"\xEF\xBB\xBF") {
        data.drain(..3);
    }
    if data.first() == Some(&b'#') {
        let end = data.iter().position(|&c| c == b'\n').unwrap_or(data.len());
        data.drain(..end);
    }
    Ok((data, chunkname))
}

/// The C library's text for an I/O error (`strerror`), without Rust's " (os error N)" suffix.
pub fn strerror(e: &std::io::Error) -> String {
    match e.raw_os_error() {
        Some(code) => {
            // SAFETY: strerror returns a pointer to a NUL-terminated static or thread-local string.
            let p = unsafe { libc::strerror(code) };
            if p.is_null() {
                e.to_string()
            } else {
                // SAFETY: p is a valid C string (see above).
                unsafe { std::ffi::CStr::from_ptr(p) }
                    .to_string_lossy()
                    .into_owned()
            }
        }
        None => e.to_string(),
    }
}

fn loadfile(vm: &mut Vm) -> LuaResult<usize> {
    let fname = vm.opt_string(1)?.map(|s| s.as_bytes().to_vec());
    let mode = vm
        .opt_string(2)?
        .map(|m| String::from_utf8_lossy(m.as_bytes()).into_owned())
        .unwrap_or_else(|| "bt".into());
    let env = if vm.arg_count() >= 3 {
        Some(vm.arg(3))
    } else {
        None
    };
    let (code, name) = match read_source_file(fname.as_deref()) {
        Ok(x) => x,
        Err(msg) => {
            vm.push(Value::NIL);
            let s = vm.new_str(msg.as_bytes());
            vm.push(s);
            return Ok(2);
        }
    };
    match vm.load(&code, &name, &mode, env) {
        Ok(f) => {
            vm.push(f);
            Ok(1)
        }
        Err(e) => {
            vm.push(Value::NIL);
            vm.push(e.value);
            Ok(2)
        }
    }
}

fn dofile(vm: &mut Vm) -> LuaResult<usize> {
    let fname = vm.opt_string(1)?.map(|s| s.as_bytes().to_vec());
    let (code, name) = match read_source_file(fname.as_deref()) {
        Ok(x) => x,
        Err(msg) => return Err(vm.error(&msg)),
    };
    let f = vm.load(&code, &name, "bt", None)?;
    let base = vm.arg_count();
    let r = vm.call(f, &[])?;
    for v in &r {
        vm.push(*v);
    }
    let _ = base;
    Ok(r.len())
}

fn warn(vm: &mut Vm) -> LuaResult<usize> {
    let n = vm.arg_count();
    vm.check_string(1)?;
    for i in 2..=n {
        vm.check_string(i)?;
    }
    for i in 1..=n {
        let s = vm.arg(i).as_str_bytes().unwrap_or(b"").to_vec();
        vm.warn(&s, i < n);
    }
    Ok(0)
}
