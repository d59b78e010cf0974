//! The `io` library (Lua 5.4 manual §6.8, `liolib.c`).
//!
//! [`file`] implements the buffered streams; here they become `FILE*` userdata: a metatable
//! registered as `registry["FILE*"]` with `__name = "FILE*"`, `__index` = the methods (`close`,
//! `flush`, `lines`, `read`, `seek`, `setvbuf`, `write`), `__gc` and `__close` (close unless closed)
//! and `__tostring` (`file (0x...)` / `file (closed)`). The default input and output files live in
//! the registry under `_IO_input` / `_IO_output`, as in PUC-Lua.
//!
//! Invariants:
//! * `io.stdout` writes into the VM's buffered stdout, the same buffer `print` uses, so output order
//!   is preserved; it is flushed before reading standard input (as C does for terminals) and at exit;
//! * every open stream is also registered (weakly) in a per-thread list, so [`flush_all`] can do what
//!   C's `exit` does for `FILE`s (`os.exit` calls it); a stream dropped by the collector flushes its
//!   buffer when it is closed by `__gc`;
//! * operating-system failures are returned as `nil, message, errno`; misuse raises errors with
//!   PUC-Lua's messages ("attempt to use a closed file", "invalid mode", "invalid format"...).

pub mod file;

use crate::number::format::{write_int, write_printf_float};
use crate::vm::state::StdoutFlush;
use crate::vm::{LuaResult, NativeFn, Value, Vm};
use file::{BufMode, CloseStatus, LuaFile};
use std::cell::RefCell;
use std::io::SeekFrom;
use std::rc::{Rc, Weak};

/// Registry key of the `FILE*` metatable (`LUA_FILEHANDLE`).
const FILEHANDLE: &[u8] = b"FILE*";
/// Registry key of the default input file.
const IO_INPUT: &[u8] = b"_IO_input";
/// Registry key of the default output file.
const IO_OUTPUT: &[u8] = b"_IO_output";
/// Most formats `lines` accepts (`MAXARGLINE`).
const MAX_ARG_LINE: usize = 250;

/// The payload of a `FILE*` userdata.
struct FileUd {
    file: Rc<RefCell<LuaFile>>,
}

thread_local! {
    /// Every stream opened on this thread (weak), for [`flush_all`].
    static OPEN_FILES: RefCell<Vec<Weak<RefCell<LuaFile>>>> = const { RefCell::new(Vec::new()) };
}

/// Flushes every open stream's buffer (what C's `exit` does for all `FILE`s), then the VM's stdout.
pub fn flush_all(vm: &mut Vm) {
    let files: Vec<_> = OPEN_FILES.with(|l| l.borrow().iter().filter_map(Weak::upgrade).collect());
    for f in files {
        if let Ok(mut f) = f.try_borrow_mut()
            && !f.is_closed()
        {
            let _ = f.flush(vm.stdout());
        }
    }
    let _ = vm.stdout().flush();
}

/// Installs the `io` library (`luaopen_io`).
pub fn open(vm: &mut Vm) {
    let funcs: &[(&'static str, NativeFn)] = &[
        ("close", io_close),
        ("flush", io_flush),
        ("input", io_input),
        ("lines", io_lines),
        ("open", io_open),
        ("output", io_output),
        ("popen", io_popen),
        ("read", io_read),
        ("tmpfile", io_tmpfile),
        ("type", io_type),
        ("write", io_write),
    ];
    let lib = vm.register_lib("io", funcs);

    // The FILE* metatable and its methods.
    let methods: &[(&'static str, &'static str, NativeFn)] = &[
        ("close", "close", f_close),
        ("flush", "flush", f_flush),
        ("lines", "lines", f_lines),
        ("read", "read", f_read),
        ("seek", "seek", f_seek),
        ("setvbuf", "setvbuf", f_setvbuf),
        ("write", "write", f_write),
    ];
    let mt = vm.new_table();
    let meth = vm.new_table();
    for &(name, full, f) in methods {
        let fv = vm.new_native(full, f);
        let k = vm.new_str(name.as_bytes());
        let _ = vm.raw_set(meth, k, fv);
    }
    let entries: [(&[u8], Value); 3] = [
        (b"__index", meth),
        (b"__gc", vm.new_native("__gc", f_gc)),
        (b"__close", vm.new_native("__close", f_gc)),
    ];
    for (k, v) in entries {
        let k = vm.new_str(k);
        let _ = vm.raw_set(mt, k, v);
    }
    let tostring = vm.new_native("__tostring", f_tostring);
    let k = vm.new_str(b"__tostring");
    let _ = vm.raw_set(mt, k, tostring);
    let name = vm.new_str(FILEHANDLE);
    let k = vm.new_str(b"__name");
    let _ = vm.raw_set(mt, k, name);
    let reg = vm.registry();
    let k = vm.new_str(FILEHANDLE);
    let _ = vm.raw_set(reg, k, mt);

    // Standard files.
    let stdin = new_file(vm, LuaFile::stdin());
    let stdout = new_file(vm, LuaFile::stdout());
    let stderr = new_file(vm, LuaFile::stderr());
    for (name, v) in [
        (&b"stdin"[..], stdin),
        (b"stdout", stdout),
        (b"stderr", stderr),
    ] {
        let k = vm.new_str(name);
        let _ = vm.raw_set(lib, k, v);
    }
    set_registry(vm, IO_INPUT, stdin);
    set_registry(vm, IO_OUTPUT, stdout);
}

fn set_registry(vm: &mut Vm, key: &[u8], v: Value) {
    let reg = vm.registry();
    let k = vm.new_str(key);
    let _ = vm.raw_set(reg, k, v);
}

fn get_registry(vm: &mut Vm, key: &[u8]) -> Value {
    let reg = vm.registry();
    let k = vm.new_str(key);
    vm.raw_get(reg, k)
}

/// Wraps a stream in a new `FILE*` userdata.
fn new_file(vm: &mut Vm, f: LuaFile) -> Value {
    let file = Rc::new(RefCell::new(f));
    OPEN_FILES.with(|l| {
        let mut l = l.borrow_mut();
        l.retain(|w| w.strong_count() > 0);
        l.push(Rc::downgrade(&file));
    });
    let mt = get_registry(vm, FILEHANDLE);
    vm.new_userdata(Box::new(FileUd { file }), Some(mt))
}

/// The stream of a `FILE*` value, or `None` if `v` is not one.
fn stream_of(vm: &Vm, v: Value) -> Option<Rc<RefCell<LuaFile>>> {
    vm.userdata_mut::<FileUd>(v).map(|u| u.file.clone())
}

/// `luaL_checkudata(i, "FILE*")`.
fn check_file(vm: &mut Vm, i: usize) -> LuaResult<Rc<RefCell<LuaFile>>> {
    match stream_of(vm, vm.arg(i)) {
        Some(f) => Ok(f),
        None => Err(vm.type_error(i, "FILE*")),
    }
}

/// `tofile`: argument 1 as an open stream ("attempt to use a closed file").
fn to_file(vm: &mut Vm) -> LuaResult<Rc<RefCell<LuaFile>>> {
    let f = check_file(vm, 1)?;
    if f.borrow().is_closed() {
        return Err(vm.error("attempt to use a closed file"));
    }
    Ok(f)
}

/// `getiofile`: the default input or output ("default input file is closed").
fn get_io_file(vm: &mut Vm, key: &[u8]) -> LuaResult<(Value, Rc<RefCell<LuaFile>>)> {
    let v = get_registry(vm, key);
    match stream_of(vm, v) {
        Some(f) if !f.borrow().is_closed() => Ok((v, f)),
        _ => {
            let which = if key == IO_INPUT { "input" } else { "output" };
            Err(vm.error(&format!("default {which} file is closed")))
        }
    }
}

/// `luaL_fileresult` success/failure for a unit result.
fn file_result(vm: &mut Vm, r: std::io::Result<()>, fname: Option<&[u8]>) -> usize {
    match r {
        Ok(()) => {
            vm.push(Value::TRUE);
            1
        }
        Err(e) => super::os::push_file_error(vm, &e, fname),
    }
}

/// `aux_close`: closes a stream; standard files refuse ("cannot close standard file").
fn aux_close(vm: &mut Vm, f: &Rc<RefCell<LuaFile>>) -> usize {
    let mut file = f.borrow_mut();
    if file.is_std() {
        drop(file);
        vm.push(Value::NIL);
        let s = vm.new_str(b"cannot close standard file");
        vm.push(s);
        return 2;
    }
    let r = file.close(vm.stdout());
    drop(file);
    match r {
        Ok(CloseStatus::Ok) => {
            vm.push(Value::TRUE);
            1
        }
        Ok(CloseStatus::Exit(c)) => {
            super::os::push_exec_result(vm, super::os::ExecStatus::Exit(c));
            3
        }
        Ok(CloseStatus::Signal(s)) => {
            super::os::push_exec_result(vm, super::os::ExecStatus::Signal(s));
            3
        }
        Err(e) => super::os::push_file_error(vm, &e, None),
    }
}

/// Checks a C `fopen` mode as `l_checkmode`: `[rwa]%+?b*`.
fn valid_mode(mode: &[u8]) -> bool {
    let Some((&first, rest)) = mode.split_first() else {
        return false;
    };
    let rest = rest.strip_prefix(b"+").unwrap_or(rest);
    b"rwa".contains(&first) && rest.iter().all(|&c| c == b'b')
}

fn path_of(bytes: &[u8]) -> &std::path::Path {
    use std::os::unix::ffi::OsStrExt;
    let end = bytes.iter().position(|&c| c == 0).unwrap_or(bytes.len());
    std::path::Path::new(std::ffi::OsStr::from_bytes(&bytes[..end]))
}

/// `opencheckfile`: opens or raises "cannot open file 'name' (message)".
fn open_check_file(vm: &mut Vm, name: &[u8], mode: &str) -> LuaResult<Value> {
    match LuaFile::open(path_of(name), mode) {
        Some(Ok(f)) => Ok(new_file(vm, f)),
        Some(Err(e)) => {
            let msg = format!(
                "cannot open file '{}' ({})",
                String::from_utf8_lossy(name),
                super::os::strerror(e.raw_os_error().unwrap_or(0))
            );
            Err(vm.error(&msg))
        }
        None => Err(vm.error("invalid mode")),
    }
}

/// `io.open(filename [, mode])`.
fn io_open(vm: &mut Vm) -> LuaResult<usize> {
    let name = vm.check_string(1)?.as_bytes();
    let mode = match vm.opt_string(2)? {
        Some(m) => m.as_bytes(),
        None => b"r",
    };
    let mode_ok = valid_mode(mode);
    let mode = std::str::from_utf8(mode).ok().filter(|_| mode_ok);
    let Some(mode) = mode else {
        return Err(vm.arg_error(2, "invalid mode"));
    };
    match LuaFile::open(path_of(name), mode) {
        Some(Ok(f)) => {
            let v = new_file(vm, f);
            vm.push(v);
            Ok(1)
        }
        Some(Err(e)) => Ok(super::os::push_file_error(vm, &e, Some(name))),
        None => Err(vm.arg_error(2, "invalid mode")),
    }
}

/// `io.popen(prog [, mode])`: runs `prog` with `/bin/sh -c`.
fn io_popen(vm: &mut Vm) -> LuaResult<usize> {
    let prog = vm.check_string(1)?.as_bytes();
    let mode = match vm.opt_string(2)? {
        Some(m) => m.as_bytes(),
        None => b"r",
    };
    if mode != b"r" && mode != b"w" {
        return Err(vm.arg_error(2, "invalid mode"));
    }
    let mode = if mode == b"r" { "r" } else { "w" };
    let _ = vm.stdout().flush();
    let prog_s = String::from_utf8_lossy(prog).into_owned();
    match LuaFile::popen(&prog_s, mode) {
        Some(Ok(f)) => {
            let v = new_file(vm, f);
            vm.push(v);
            Ok(1)
        }
        Some(Err(e)) => Ok(super::os::push_file_error(vm, &e, Some(prog))),
        None => Err(vm.arg_error(2, "invalid mode")),
    }
}

/// `io.tmpfile()`: a new temporary file opened `"w+"`, removed when closed.
fn io_tmpfile(vm: &mut Vm) -> LuaResult<usize> {
    let mut template = *b"/tmp/lua_XXXXXX\0";
    // SAFETY: writable NUL-terminated template ending in six 'X's.
    let fd = unsafe { libc::mkstemp(template.as_mut_ptr() as *mut std::ffi::c_char) };
    if fd == -1 {
        let e = std::io::Error::last_os_error();
        return Ok(super::os::push_file_error(vm, &e, None));
    }
    // SAFETY: the path is NUL-terminated; unlinking keeps the open descriptor valid (tmpfile(3)).
    unsafe { libc::unlink(template.as_ptr() as *const std::ffi::c_char) };
    use std::os::fd::FromRawFd;
    // SAFETY: `fd` is a fresh descriptor from mkstemp, owned by nothing else.
    let f = unsafe { std::fs::File::from_raw_fd(fd) };
    let v = new_file(vm, LuaFile::new(file::Stream::File(f)));
    vm.push(v);
    Ok(1)
}

/// `io.close([file])`: closes `file` or the default output.
fn io_close(vm: &mut Vm) -> LuaResult<usize> {
    if vm.arg(1).is_nil() {
        let out = get_registry(vm, IO_OUTPUT);
        if vm.arg_count() == 0 {
            vm.push(out);
        } else {
            vm.set_arg(1, out);
        }
    }
    f_close(vm)
}

/// `io.type(obj)`: `"file"`, `"closed file"` or fail.
fn io_type(vm: &mut Vm) -> LuaResult<usize> {
    let v = vm.check_any(1)?;
    let r = match stream_of(vm, v) {
        Some(f) if f.borrow().is_closed() => vm.new_str(b"closed file"),
        Some(_) => vm.new_str(b"file"),
        None => Value::NIL,
    };
    vm.push(r);
    Ok(1)
}

/// `g_iofile`: `io.input`/`io.output` with a file name, a file, or nothing (query).
fn io_file(vm: &mut Vm, key: &[u8], mode: &str) -> LuaResult<usize> {
    let a = vm.arg(1);
    if !a.is_nil() {
        let v = if let Some(name) = a.as_str_bytes() {
            open_check_file(vm, name, mode)?
        } else {
            to_file(vm)?;
            a
        };
        set_registry(vm, key, v);
    }
    let v = get_registry(vm, key);
    vm.push(v);
    Ok(1)
}

/// `io.input([file])`.
fn io_input(vm: &mut Vm) -> LuaResult<usize> {
    io_file(vm, IO_INPUT, "r")
}

/// `io.output([file])`.
fn io_output(vm: &mut Vm) -> LuaResult<usize> {
    io_file(vm, IO_OUTPUT, "w")
}

/// `io.read(...)`: reads from the default input.
fn io_read(vm: &mut Vm) -> LuaResult<usize> {
    let (_, f) = get_io_file(vm, IO_INPUT)?;
    g_read(vm, &f, 0, None)
}

/// `io.write(...)`: writes to the default output; returns it.
fn io_write(vm: &mut Vm) -> LuaResult<usize> {
    let (v, f) = get_io_file(vm, IO_OUTPUT)?;
    g_write(vm, &f, v, 1)
}

/// `io.flush()`.
fn io_flush(vm: &mut Vm) -> LuaResult<usize> {
    let (_, f) = get_io_file(vm, IO_OUTPUT)?;
    let r = f.borrow_mut().flush(vm.stdout());
    Ok(file_result(vm, r, None))
}

/// `io.lines([filename, ...])`: iterates over the default input or over a file opened here (closed
/// at the end of the loop; also returned as the 4th value, the to-be-closed variable).
fn io_lines(vm: &mut Vm) -> LuaResult<usize> {
    if vm.arg_count() == 0 {
        vm.push(Value::NIL);
    }
    let (file, toclose) = if vm.arg(1).is_nil() {
        let v = get_registry(vm, IO_INPUT);
        vm.set_arg(1, v);
        to_file(vm)?;
        (v, false)
    } else {
        let name = vm.check_string(1)?.as_bytes();
        let v = open_check_file(vm, name, "r")?;
        vm.set_arg(1, v);
        (v, true)
    };
    let it = aux_lines(vm, file, toclose)?;
    vm.push(it);
    if toclose {
        vm.push(Value::NIL);
        vm.push(Value::NIL);
        vm.push(file);
        Ok(4)
    } else {
        Ok(1)
    }
}

/// `aux_lines`: the iterator closure over `file` with the formats in arguments 2.. as upvalues.
fn aux_lines(vm: &mut Vm, file: Value, toclose: bool) -> LuaResult<Value> {
    let n = vm.arg_count().saturating_sub(1);
    if n > MAX_ARG_LINE {
        return Err(vm.arg_error(MAX_ARG_LINE + 2, "too many arguments"));
    }
    let mut ups = Vec::with_capacity(3 + n);
    ups.push(file);
    ups.push(Value::int(n as i64));
    ups.push(Value::bool(toclose));
    for i in 2..2 + n {
        ups.push(vm.arg(i));
    }
    Ok(vm.new_native_closure("lines", io_readline, &ups))
}

/// The `lines` iterator (`io_readline`).
fn io_readline(vm: &mut Vm) -> LuaResult<usize> {
    let file = vm.native_upvalue(0);
    let Some(f) = stream_of(vm, file) else {
        return Err(vm.error("file is already closed"));
    };
    if f.borrow().is_closed() {
        return Err(vm.error("file is already closed"));
    }
    let n = vm.native_upvalue(1).as_int().unwrap_or(0) as usize;
    let formats: Vec<Value> = (0..n).map(|i| vm.native_upvalue(3 + i)).collect();
    let base = vm.get_top();
    let nres = g_read(vm, &f, 1, Some(&formats))?;
    let first = vm.arg(base + 1);
    if first.is_truthy() {
        return Ok(nres);
    }
    if nres > 1 {
        // An error: the second result is its message.
        let msg = vm.arg(base + 2);
        let m = msg.as_str_bytes().unwrap_or(b"").to_vec();
        return Err(vm.error_bytes(&m));
    }
    if vm.native_upvalue(2).is_truthy() {
        aux_close(vm, &f);
    }
    Ok(0)
}

/// A read format (`g_read`'s argument kinds).
enum ReadFmt {
    Count(usize),
    Number,
    Line { chop: bool },
    All,
}

/// `g_read`: reads with the formats in arguments `first+1..` (`first` is 1 for methods, whose
/// argument 1 is the file; or `formats` when given, for the `lines` iterator), pushing one result per
/// format; stops at the first failure, which yields nil.
fn g_read(
    vm: &mut Vm,
    f: &Rc<RefCell<LuaFile>>,
    first: usize,
    formats: Option<&[Value]>,
) -> LuaResult<usize> {
    let nargs = match formats {
        Some(fm) => fm.len(),
        None => vm.arg_count().saturating_sub(first),
    };
    // Reading standard input: show pending output first (C flushes line-buffered stdout).
    if f.borrow().is_std() {
        let _ = vm.stdout().flush();
    }
    let mut fmts = Vec::with_capacity(nargs.max(1));
    if nargs == 0 {
        fmts.push(ReadFmt::Line { chop: true });
    }
    for k in 0..nargs {
        let argn = first + 1 + k;
        let v = match formats {
            Some(fm) => fm[k],
            None => vm.arg(argn),
        };
        let fmt = if v.is_number() {
            let n = match v.as_int() {
                Some(n) => n,
                None => match vm.to_integer(v) {
                    Some(n) => n,
                    None => {
                        return Err(vm.arg_error(argn, "number has no integer representation"));
                    }
                },
            };
            // (size_t) of a negative count is huge: read everything.
            ReadFmt::Count(if n < 0 { usize::MAX } else { n as usize })
        } else {
            let p: Vec<u8> = match v.as_str_bytes() {
                Some(s) => s.to_vec(),
                None => {
                    if formats.is_some() {
                        return Err(vm.arg_error(argn, "invalid format"));
                    }
                    vm.check_string(argn)?.as_bytes().to_vec()
                }
            };
            let p = p.strip_prefix(b"*").unwrap_or(&p);
            match p.first() {
                Some(b'n') => ReadFmt::Number,
                Some(b'l') => ReadFmt::Line { chop: true },
                Some(b'L') => ReadFmt::Line { chop: false },
                Some(b'a') => ReadFmt::All,
                _ => return Err(vm.arg_error(argn, "invalid format")),
            }
        };
        fmts.push(fmt);
    }
    vm.ensure_stack(fmts.len() + 3)?;
    let mut pushed = 0;
    let mut buf = Vec::new();
    for fmt in &fmts {
        buf.clear();
        let r = {
            let mut file = f.borrow_mut();
            match fmt {
                ReadFmt::Count(0) => file.test_eof().map(|ok| (ok, None)),
                ReadFmt::Count(n) => file.read_chars(*n, &mut buf).map(|ok| (ok, None)),
                ReadFmt::Number => file.read_number().map(|n| (n.is_some(), n)),
                ReadFmt::Line { chop } => file.read_line(&mut buf, *chop).map(|ok| (ok, None)),
                ReadFmt::All => file.read_all(&mut buf).map(|()| (true, None)),
            }
        };
        match r {
            Err(e) => return Ok(super::os::push_file_error(vm, &e, None)),
            Ok((false, _)) => {
                vm.push(Value::NIL);
                return Ok(pushed + 1);
            }
            Ok((true, Some(n))) => {
                vm.push(match n {
                    crate::number::Number::Int(i) => Value::int(i),
                    crate::number::Number::Float(x) => Value::float(x),
                });
            }
            Ok((true, None)) => {
                let s = vm.new_str(&buf);
                vm.push(s);
            }
        }
        pushed += 1;
    }
    Ok(pushed)
}

/// `g_write`: writes arguments `arg..` (strings, or numbers as `"%lld"` / `"%.14g"`), returning the
/// file `fv` or `nil, message, errno`.
fn g_write(vm: &mut Vm, f: &Rc<RefCell<LuaFile>>, fv: Value, first: usize) -> LuaResult<usize> {
    let n = vm.arg_count();
    let mut status = Ok(());
    let mut num = Vec::with_capacity(32);
    for i in first..=n {
        let v = vm.arg(i);
        let bytes: &[u8] = if let Some(x) = v.as_int() {
            num.clear();
            write_int(&mut num, x);
            &num
        } else if let Some(x) = v.as_float() {
            num.clear();
            write_printf_float(&mut num, b"%.14g", x);
            &num
        } else {
            vm.check_string(i)?.as_bytes()
        };
        if status.is_ok() {
            status = f.borrow_mut().write(bytes, vm.stdout());
        }
    }
    match status {
        Ok(()) => {
            vm.push(fv);
            Ok(1)
        }
        Err(e) => Ok(super::os::push_file_error(vm, &e, None)),
    }
}

/// `file:close()`.
fn f_close(vm: &mut Vm) -> LuaResult<usize> {
    let f = to_file(vm)?;
    Ok(aux_close(vm, &f))
}

/// `__gc` / `__close`: closes the stream unless already closed (errors ignored).
fn f_gc(vm: &mut Vm) -> LuaResult<usize> {
    if let Some(f) = stream_of(vm, vm.arg(1))
        && !f.borrow().is_closed()
        && !f.borrow().is_std()
    {
        let n = aux_close(vm, &f);
        vm.pop(n);
    }
    Ok(0)
}

/// `__tostring`: `file (closed)` or `file (0x...)`.
fn f_tostring(vm: &mut Vm) -> LuaResult<usize> {
    let f = check_file(vm, 1)?;
    let text = if f.borrow().is_closed() {
        "file (closed)".to_string()
    } else {
        format!("file ({:p})", Rc::as_ptr(&f))
    };
    let s = vm.new_str(text.as_bytes());
    vm.push(s);
    Ok(1)
}

/// `file:flush()`.
fn f_flush(vm: &mut Vm) -> LuaResult<usize> {
    let f = to_file(vm)?;
    let r = f.borrow_mut().flush(vm.stdout());
    Ok(file_result(vm, r, None))
}

/// `file:lines(...)`: iterates without closing the file at the end.
fn f_lines(vm: &mut Vm) -> LuaResult<usize> {
    to_file(vm)?;
    let it = aux_lines(vm, vm.arg(1), false)?;
    vm.push(it);
    Ok(1)
}

/// `file:read(...)`.
fn f_read(vm: &mut Vm) -> LuaResult<usize> {
    let f = to_file(vm)?;
    g_read(vm, &f, 1, None)
}

/// `file:write(...)`: returns the file.
fn f_write(vm: &mut Vm) -> LuaResult<usize> {
    let f = to_file(vm)?;
    let fv = vm.arg(1);
    g_write(vm, &f, fv, 2)
}

/// `file:seek([whence [, offset]])`: the new position from the start.
fn f_seek(vm: &mut Vm) -> LuaResult<usize> {
    let f = to_file(vm)?;
    let op = vm.check_option(2, Some("cur"), &["set", "cur", "end"])?;
    let off = vm.opt_integer(3, 0)?;
    let pos = match op {
        0 => {
            if off < 0 {
                let e = std::io::Error::from_raw_os_error(libc::EINVAL);
                return Ok(super::os::push_file_error(vm, &e, None));
            }
            SeekFrom::Start(off as u64)
        }
        1 => SeekFrom::Current(off),
        _ => SeekFrom::End(off),
    };
    let r = f.borrow_mut().seek(pos, vm.stdout());
    match r {
        Ok(p) => {
            vm.push(Value::int(p as i64));
            Ok(1)
        }
        Err(e) => Ok(super::os::push_file_error(vm, &e, None)),
    }
}

/// `file:setvbuf(mode [, size])`.
fn f_setvbuf(vm: &mut Vm) -> LuaResult<usize> {
    let f = to_file(vm)?;
    let op = vm.check_option(2, None, &["no", "full", "line"])?;
    let size = vm.opt_integer(3, file::BUFSIZ as i64)?;
    let mode = [BufMode::No, BufMode::Full, BufMode::Line][op];
    let size = usize::try_from(size).ok().filter(|&s| s > 0);
    let r = f.borrow_mut().set_buffering(mode, size, vm.stdout());
    if r.is_ok() && f.borrow().is_shared_stdout() {
        // `print` writes to the same stdout and must follow the same mode.
        vm.set_stdout_flush(match mode {
            BufMode::No => StdoutFlush::EachWrite,
            BufMode::Line => StdoutFlush::EachLine,
            BufMode::Full => StdoutFlush::Buffered,
        });
    }
    Ok(file_result(vm, r, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `l_checkmode`, as `lua5.4 -e 'print(pcall(io.open, "f", "rb+"))'` (invalid) and `"r+b"` (valid).
    #[test]
    fn modes() {
        for m in ["r", "w", "a", "r+", "w+", "a+", "rb", "r+b", "wbb"] {
            assert!(valid_mode(m.as_bytes()), "{m}");
        }
        for m in ["", "x", "rb+", "+", "r++", "rw"] {
            assert!(!valid_mode(m.as_bytes()), "{m}");
        }
    }
}
