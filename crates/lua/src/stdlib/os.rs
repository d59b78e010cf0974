//! The `os` library (Lua 5.4 manual §6.9, `loslib.c`).
//!
//! [`time`] wraps the C library's calendar functions for `os.time`, `os.date` and `os.clock`; the
//! functions here bind them and the process/file-system functions (`exit`, `getenv`, `remove`,
//! `rename`, `tmpname`, `execute`, `setlocale`) to the VM.
//!
//! Failures of the operating system come back as `nil, "name: message", errno` (`luaL_fileresult`);
//! only misuse (bad arguments, invalid date fields) raises errors.

pub mod time;

use crate::vm::{LuaResult, NativeFn, Value, Vm};
use std::ffi::CString;
use std::io::Write;
use time::{DateFields, FieldValue, TimeFields};

/// Installs the `os` library (`luaopen_os`).
pub fn open(vm: &mut Vm) {
    let funcs: &[(&'static str, NativeFn)] = &[
        ("clock", os_clock),
        ("date", os_date),
        ("difftime", os_difftime),
        ("execute", os_execute),
        ("exit", os_exit),
        ("getenv", os_getenv),
        ("remove", os_remove),
        ("rename", os_rename),
        ("setlocale", os_setlocale),
        ("time", os_time),
        ("tmpname", os_tmpname),
    ];
    vm.register_lib("os", funcs);
}

/// The C library's message for `errno` value `err` (`strerror`), e.g. "No such file or directory".
pub fn strerror(err: i32) -> String {
    let mut buf = [0u8; 256];
    // SAFETY: `buf` is writable for its full length; the XSI `strerror_r` (which the libc crate binds
    // on glibc) writes a NUL-terminated message of at most that many bytes.
    let r = unsafe { libc::strerror_r(err, buf.as_mut_ptr() as *mut std::ffi::c_char, buf.len()) };
    if r != 0 {
        return format!("Unknown error {err}");
    }
    let end = buf.iter().position(|&c| c == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}

/// `luaL_fileresult` for a failure: pushes `nil`, `"fname: message"` (or just the message) and the
/// error number; returns 3.
pub fn push_file_error(vm: &mut Vm, err: &std::io::Error, fname: Option<&[u8]>) -> usize {
    let code = err.raw_os_error().unwrap_or(0);
    let mut msg = Vec::new();
    if let Some(f) = fname {
        msg.extend_from_slice(f);
        msg.extend_from_slice(b": ");
    }
    if err.raw_os_error().is_some() {
        msg.extend_from_slice(strerror(code).as_bytes());
    } else {
        msg.extend_from_slice(err.to_string().as_bytes());
    }
    vm.push(Value::NIL);
    let s = vm.new_str(&msg);
    vm.push(s);
    vm.push(Value::int(code as i64));
    3
}

/// A C string for a path argument: C stops at the first NUL byte, so do we.
fn c_path(bytes: &[u8]) -> CString {
    let end = bytes.iter().position(|&c| c == 0).unwrap_or(bytes.len());
    CString::new(&bytes[..end]).unwrap_or_default()
}

/// `os.clock()`: processor time in seconds.
fn os_clock(vm: &mut Vm) -> LuaResult<usize> {
    vm.push(Value::float(time::cpu_clock()));
    Ok(1)
}

/// `l_checktime`: argument `i` as a `time_t`.
fn check_time(vm: &mut Vm, i: usize) -> LuaResult<i64> {
    vm.check_integer(i)
}

/// `os.date([format [, time]])`.
fn os_date(vm: &mut Vm) -> LuaResult<usize> {
    let fmt: &[u8] = match vm.opt_string(1)? {
        Some(s) => s.as_bytes(),
        None => b"%c",
    };
    let t = if vm.arg(2).is_nil() {
        time::now()
    } else {
        check_time(vm, 2)?
    };
    let (utc, fmt) = match fmt.strip_prefix(b"!") {
        Some(rest) => (true, rest),
        None => (false, fmt),
    };
    let Some(tm) = time::broken_down(t, utc) else {
        return Err(vm.error("date result cannot be represented in this installation"));
    };
    // strcmp(s, "*t"): the format as a C string.
    let c_fmt = &fmt[..fmt.iter().position(|&c| c == 0).unwrap_or(fmt.len())];
    if c_fmt == b"*t" {
        let t = vm.new_table_with(0, 9);
        set_all_fields(vm, t, &DateFields::from_tm(&tm))?;
        vm.push(t);
        return Ok(1);
    }
    let mut out = Vec::with_capacity(fmt.len() * 2);
    if let Err(rest) = time::strftime(fmt, &tm, &mut out) {
        let msg = format!(
            "invalid conversion specifier '%{}'",
            String::from_utf8_lossy(&rest)
        );
        return Err(vm.arg_error(1, &msg));
    }
    let s = vm.new_str(&out);
    vm.push(s);
    Ok(1)
}

/// `setallfields`: stores the date fields into table `t` (honouring `__newindex`, as `lua_setfield`).
fn set_all_fields(vm: &mut Vm, t: Value, f: &DateFields) -> LuaResult<()> {
    for (name, v) in f.entries() {
        let k = vm.new_str(name.as_bytes());
        vm.set(t, k, Value::int(v))?;
    }
    let k = vm.new_str(b"isdst");
    vm.set(t, k, Value::bool(f.isdst))
}

/// `getfield`: reads `t[key]` (honouring `__index`) as a date field.
fn get_field(vm: &mut Vm, t: Value, key: &str, default: i32, delta: i32) -> LuaResult<i32> {
    let k = vm.new_str(key.as_bytes());
    let v = vm.get(t, k)?;
    let fv = if v.is_nil() {
        FieldValue::Absent
    } else {
        match vm.to_integer(v) {
            Some(i) => FieldValue::Int(i),
            None => FieldValue::NotInt,
        }
    };
    time::check_field(key, fv, default, delta).map_err(|m| vm.error(&m))
}

/// `os.time([table])`: the current time, or the time of a date table (normalising its fields).
fn os_time(vm: &mut Vm) -> LuaResult<usize> {
    if vm.arg(1).is_nil() {
        vm.push(Value::int(time::now()));
        return Ok(1);
    }
    let t = vm.check_table(1)?;
    let year = get_field(vm, t, "year", -1, 1900)?;
    let month = get_field(vm, t, "month", -1, 1)?;
    let day = get_field(vm, t, "day", -1, 0)?;
    let hour = get_field(vm, t, "hour", 12, 0)?;
    let min = get_field(vm, t, "min", 0, 0)?;
    let sec = get_field(vm, t, "sec", 0, 0)?;
    let k = vm.new_str(b"isdst");
    let d = vm.get(t, k)?;
    let isdst = if d.is_nil() {
        None
    } else {
        Some(d.is_truthy())
    };
    let fields = TimeFields {
        year,
        month,
        day,
        hour,
        min,
        sec,
        isdst,
    };
    match time::make_time(fields) {
        Ok((secs, norm)) => {
            set_all_fields(vm, t, &norm)?;
            vm.push(Value::int(secs));
            Ok(1)
        }
        Err(msg) => Err(vm.error(msg)),
    }
}

/// `os.difftime(t2, t1)`: `t2 - t1` in seconds, as a float.
fn os_difftime(vm: &mut Vm) -> LuaResult<usize> {
    let t2 = check_time(vm, 1)?;
    let t1 = check_time(vm, 2)?;
    vm.push(Value::float(t2 as f64 - t1 as f64));
    Ok(1)
}

/// `os.getenv(name)`: the variable's value or fail.
fn os_getenv(vm: &mut Vm) -> LuaResult<usize> {
    use std::os::unix::ffi::{OsStrExt, OsStringExt};
    let name = vm.check_string(1)?.as_bytes();
    let name = &name[..name.iter().position(|&c| c == 0).unwrap_or(name.len())];
    let v = if name.is_empty() || name.contains(&b'=') {
        None
    } else {
        std::env::var_os(std::ffi::OsStr::from_bytes(name))
    };
    let r = match v {
        Some(v) => vm.new_str(&v.into_vec()),
        None => Value::NIL,
    };
    vm.push(r);
    Ok(1)
}

/// `os.remove(name)`: deletes a file or empty directory (C `remove`).
fn os_remove(vm: &mut Vm) -> LuaResult<usize> {
    let name = vm.check_string(1)?.as_bytes();
    let c = c_path(name);
    // SAFETY: `c` is a valid NUL-terminated path.
    if unsafe { libc::remove(c.as_ptr()) } == 0 {
        vm.push(Value::TRUE);
        return Ok(1);
    }
    let e = std::io::Error::last_os_error();
    Ok(push_file_error(vm, &e, Some(name)))
}

/// `os.rename(old, new)`.
fn os_rename(vm: &mut Vm) -> LuaResult<usize> {
    let from = c_path(vm.check_string(1)?.as_bytes());
    let to = c_path(vm.check_string(2)?.as_bytes());
    // SAFETY: both are valid NUL-terminated paths.
    if unsafe { libc::rename(from.as_ptr(), to.as_ptr()) } == 0 {
        vm.push(Value::TRUE);
        return Ok(1);
    }
    let e = std::io::Error::last_os_error();
    Ok(push_file_error(vm, &e, None))
}

/// `os.tmpname()`: creates an empty file `/tmp/lua_XXXXXX` and returns its name (as `mkstemp` in
/// `loslib.c`).
fn os_tmpname(vm: &mut Vm) -> LuaResult<usize> {
    let mut template = *b"/tmp/lua_XXXXXX\0";
    // SAFETY: `template` is a writable NUL-terminated buffer ending in six 'X's, as mkstemp requires.
    let fd = unsafe { libc::mkstemp(template.as_mut_ptr() as *mut std::ffi::c_char) };
    if fd == -1 {
        return Err(vm.error("unable to generate a unique filename"));
    }
    // SAFETY: `fd` was just returned by mkstemp and is owned by us.
    unsafe { libc::close(fd) };
    let s = vm.new_str(&template[..template.len() - 1]);
    vm.push(s);
    Ok(1)
}

/// `os.execute([command])`: runs a shell command; `true|nil, "exit"|"signal", code`. Without a
/// command, whether a shell is available.
fn os_execute(vm: &mut Vm) -> LuaResult<usize> {
    let cmd = vm.opt_string(1)?.map(|s| c_path(s.as_bytes()));
    // SAFETY: `system` accepts NULL (shell query) or a valid NUL-terminated command.
    let stat = unsafe { libc::system(cmd.as_ref().map_or(std::ptr::null(), |c| c.as_ptr())) };
    if cmd.is_none() {
        vm.push(Value::bool(stat != 0));
        return Ok(1);
    }
    if stat == -1 {
        let e = std::io::Error::last_os_error();
        return Ok(push_file_error(vm, &e, None));
    }
    push_exec_result(vm, ExecStatus::from_wait(stat));
    Ok(3)
}

/// How a child process ended (`l_inspectstat`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExecStatus {
    /// Exited with this code.
    Exit(i32),
    /// Killed by this signal.
    Signal(i32),
}

impl ExecStatus {
    /// Decodes a `wait` status word.
    pub fn from_wait(stat: i32) -> ExecStatus {
        if libc::WIFSIGNALED(stat) {
            ExecStatus::Signal(libc::WTERMSIG(stat))
        } else if libc::WIFEXITED(stat) {
            ExecStatus::Exit(libc::WEXITSTATUS(stat))
        } else {
            ExecStatus::Exit(stat)
        }
    }
}

/// `luaL_execresult`: pushes `true` (exit 0) or `nil`, then `"exit"`/`"signal"` and the code.
pub fn push_exec_result(vm: &mut Vm, st: ExecStatus) {
    let (what, code): (&[u8], i32) = match st {
        ExecStatus::Exit(c) => (b"exit", c),
        ExecStatus::Signal(s) => (b"signal", s),
    };
    vm.push(if st == ExecStatus::Exit(0) {
        Value::TRUE
    } else {
        Value::NIL
    });
    let w = vm.new_str(what);
    vm.push(w);
    vm.push(Value::int(code as i64));
}

/// `os.exit([code [, close]])`: flushes all output (as C `exit` flushes every `FILE`) and ends the
/// process; `true`/`false` mean success/failure. With a true `close` the state is closed first, as
/// loslib's `lua_close` does: pending `__close` handlers of the main thread, then finalizers.
fn os_exit(vm: &mut Vm) -> LuaResult<usize> {
    let a = vm.arg(1);
    let status = match a.as_bool() {
        Some(b) => {
            if b {
                0
            } else {
                1
            }
        }
        None => vm.opt_integer(1, 0)? as i32,
    };
    if !vm.arg(2).is_falsy() {
        // `lua_close` before exiting: to-be-closed variables of the main thread and finalizers
        // run (they may still write to files, flushed below).
        vm.close_state();
    }
    super::io::flush_all(vm);
    let _ = vm.stdout().flush();
    let _ = std::io::stderr().flush();
    std::process::exit(status)
}

/// `os.setlocale([locale [, category]])`: only the "C" locale exists here (the library formats
/// numbers and dates as in "C"); queries and requests for "C", "POSIX" or "" succeed, others fail.
fn os_setlocale(vm: &mut Vm) -> LuaResult<usize> {
    let loc = vm.opt_string(1)?.map(|s| s.as_bytes().to_vec());
    vm.check_option(
        2,
        Some("all"),
        &["all", "collate", "ctype", "monetary", "numeric", "time"],
    )?;
    let r = match loc.as_deref() {
        None | Some(b"C") | Some(b"POSIX") | Some(b"") => vm.new_str(b"C"),
        Some(_) => Value::NIL,
    };
    vm.push(r);
    Ok(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strerror_texts() {
        assert_eq!(strerror(libc::ENOENT), "No such file or directory");
        assert_eq!(strerror(libc::EACCES), "Permission denied");
    }

    #[test]
    fn exec_status_decoding() {
        assert_eq!(ExecStatus::from_wait(0), ExecStatus::Exit(0));
        assert_eq!(ExecStatus::from_wait(3 << 8), ExecStatus::Exit(3));
        assert_eq!(ExecStatus::from_wait(9), ExecStatus::Signal(9));
    }
}
