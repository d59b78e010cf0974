//! The `package` library and `require` (Lua 5.4 manual §6.3, `loadlib.c`).
//!
//! [`open`] installs `package` (`path`, `cpath`, `config`, `loaded`, `preload`, `searchers`,
//! `searchpath`, `loadlib`) and the global `require`, with PUC-Lua's searchers: preload table, Lua
//! files along `package.path`, C libraries along `package.cpath` (reported, never loaded) and the
//! all-in-one C root. Every searcher and `require` read `package` through their first upvalue, so
//! replacing `package.path` or `package.searchers` from Lua takes effect, as in `loadlib.c`.
//!
//! VM-independent parts: the default search paths, the `LUA_PATH_5_4` / `LUA_PATH` environment rules
//! ([`path_from_env`]) and `package.searchpath` ([`search_path`]), whose "no file '...'" list is also
//! the body of `require`'s "module 'x' not found" message.
//!
//! Invariant: C modules are not supported (there is no C API); the C searchers still walk
//! `package.cpath` so "not found" messages list the same files as PUC-Lua's, and a found C library
//! raises a clear error instead of being loaded.

use crate::vm::{LuaResult, NativeFn, Value, Vm};

/// Message of the C searchers when they find a C library (there is no C API to load it with).
const NO_C_MODULES: &str = "C modules are not supported by Moonlift";

/// Installs the `package` library and `require` (`luaopen_package`). The paths come from
/// `LUA_PATH_5_4`/`LUA_PATH` and `LUA_CPATH_5_4`/`LUA_CPATH` unless `registry.LUA_NOENV` is true
/// (`lua -E`).
pub fn open(vm: &mut Vm) {
    let funcs: &[(&'static str, NativeFn)] =
        &[("searchpath", ll_searchpath), ("loadlib", ll_loadlib)];
    let lib = vm.register_lib("package", funcs);
    let reg = vm.registry();
    let k = vm.new_str(b"LUA_NOENV");
    let noenv = vm.raw_get(reg, k).is_truthy();
    let getenv = |name: &str| std::env::var(name).ok();
    let path = path_from_env("LUA_PATH", LUA_PATH_DEFAULT, noenv, getenv);
    let cpath = path_from_env("LUA_CPATH", LUA_CPATH_DEFAULT, noenv, getenv);
    let searchers = vm.new_table_with(4, 0);
    let list: [(&'static str, NativeFn); 4] = [
        ("searcher_preload", searcher_preload),
        ("searcher_Lua", searcher_lua),
        ("searcher_C", searcher_c),
        ("searcher_Croot", searcher_croot),
    ];
    for (i, (name, f)) in list.into_iter().enumerate() {
        let c = vm.new_native_closure(name, f, &[lib]);
        vm.raw_set_int(searchers, i as i64 + 1, c);
    }
    let loaded = vm.loaded_table();
    let preload = preload_table(vm);
    let fields: [(&[u8], Value); 6] = [
        (b"path", vm.new_str(path.as_bytes())),
        (b"cpath", vm.new_str(cpath.as_bytes())),
        (b"config", vm.new_str(PACKAGE_CONFIG.as_bytes())),
        (b"searchers", searchers),
        (b"loaded", loaded),
        (b"preload", preload),
    ];
    for (k, v) in fields {
        let k = vm.new_str(k);
        let _ = vm.raw_set(lib, k, v);
    }
    let require = vm.new_native_closure("require", ll_require, &[lib]);
    vm.set_global("require", require);
}

/// `registry._PRELOAD` (`LUA_PRELOAD_TABLE`), created on first use.
fn preload_table(vm: &mut Vm) -> Value {
    let reg = vm.registry();
    let k = vm.new_str(b"_PRELOAD");
    let t = vm.raw_get(reg, k);
    if t.is_table() {
        return t;
    }
    let t = vm.new_table();
    let _ = vm.raw_set(reg, k, t);
    t
}

/// `package[field]` through the running closure's upvalue (honouring metamethods).
fn package_field(vm: &mut Vm, field: &str) -> LuaResult<Value> {
    let pkg = vm.native_upvalue(0);
    let k = vm.new_str(field.as_bytes());
    vm.get(pkg, k)
}

/// `require(name)`: `package.loaded[name]` if set, else the first loader a searcher finds is called
/// with `(name, loaderdata)`; its result (or `true`) is stored in `package.loaded[name]`. Returns the
/// module and the loader data.
fn ll_require(vm: &mut Vm) -> LuaResult<usize> {
    let name_s = vm.check_string(1)?;
    let name = name_s.value();
    vm.set_top(1);
    let loaded = vm.loaded_table();
    let v = vm.get(loaded, name)?;
    if v.is_truthy() {
        vm.push(v);
        return Ok(1);
    }
    let (loader, data) = find_loader(vm, name_s.as_bytes())?;
    // Keep both rooted on the stack while the loader runs.
    vm.push(loader);
    vm.push(data);
    let r = vm.call1(loader, &[name, data])?;
    if !r.is_nil() {
        vm.set(loaded, name, r)?;
    }
    let mut m = vm.get(loaded, name)?;
    if m.is_nil() {
        m = Value::TRUE;
        vm.set(loaded, name, m)?;
    }
    vm.push(m);
    vm.push(data);
    Ok(2)
}

/// `findloader`: asks each searcher in turn; "module 'x' not found:" plus every searcher's message.
fn find_loader(vm: &mut Vm, name: &[u8]) -> LuaResult<(Value, Value)> {
    let searchers = package_field(vm, "searchers")?;
    if !searchers.is_table() {
        return Err(vm.error("'package.searchers' must be a table"));
    }
    let name_v = vm.new_str(name);
    let mut msg = Vec::new();
    for i in 1.. {
        let s = vm.raw_get_int(searchers, i);
        if s.is_nil() {
            let mut m = b"module '".to_vec();
            m.extend_from_slice(name);
            m.extend_from_slice(b"' not found:");
            m.extend_from_slice(&msg);
            return Err(vm.error_bytes(&m));
        }
        let r = vm.call(s, &[name_v])?;
        let first = r.first().copied().unwrap_or(Value::NIL);
        if first.is_function() {
            return Ok((first, r.get(1).copied().unwrap_or(Value::NIL)));
        }
        if first.is_string() || first.is_number() {
            msg.extend_from_slice(b"\n\t");
            msg.extend_from_slice(&vm.tostring_bytes(first)?);
        }
    }
    unreachable!("the searcher loop only ends by returning")
}

/// Searcher 1: `package.preload[name]`, with loader data `":preload:"`.
fn searcher_preload(vm: &mut Vm) -> LuaResult<usize> {
    let name = vm.check_string(1)?;
    let preload = preload_table(vm);
    let f = vm.get(preload, name.value())?;
    if f.is_nil() {
        let mut m = b"no field package.preload['".to_vec();
        m.extend_from_slice(name.as_bytes());
        m.extend_from_slice(b"']");
        let s = vm.new_str(&m);
        vm.push(s);
        return Ok(1);
    }
    vm.push(f);
    let d = vm.new_str(b":preload:");
    vm.push(d);
    Ok(2)
}

/// `findfile`: searches `package[pname]` for `name`; `Ok(Err(msg))` when not found.
fn find_file(vm: &mut Vm, name: &[u8], pname: &str) -> LuaResult<Result<Vec<u8>, Vec<u8>>> {
    let path = package_field(vm, pname)?;
    let path = match path.as_str_bytes() {
        Some(p) => p.to_vec(),
        None if path.is_number() => vm.tostring_bytes(path)?,
        None => return Err(vm.error(&format!("'package.{pname}' must be a string"))),
    };
    Ok(search_path(name, &path, b".", b"/"))
}

/// `checkload` failure: "error loading module 'x' from file 'f':\n\tmsg".
fn load_error(vm: &mut Vm, name: &[u8], file: &[u8], msg: &[u8]) -> crate::vm::LuaError {
    let mut m = b"error loading module '".to_vec();
    m.extend_from_slice(name);
    m.extend_from_slice(b"' from file '");
    m.extend_from_slice(file);
    m.extend_from_slice(b"':\n\t");
    m.extend_from_slice(msg);
    vm.error_bytes(&m)
}

/// Searcher 2: a Lua file along `package.path`; the loader data is the file name.
fn searcher_lua(vm: &mut Vm) -> LuaResult<usize> {
    let name = vm.check_string(1)?.as_bytes();
    let file = match find_file(vm, name, "path")? {
        Ok(f) => f,
        Err(msg) => {
            let s = vm.new_str(&msg);
            vm.push(s);
            return Ok(1);
        }
    };
    let loaded = match super::base::read_source_file(Some(&file)) {
        Ok((code, chunkname)) => vm.load(&code, &chunkname, "bt", None),
        Err(msg) => return Err(load_error(vm, name, &file, msg.as_bytes())),
    };
    match loaded {
        Ok(f) => {
            vm.push(f);
            let s = vm.new_str(&file);
            vm.push(s);
            Ok(2)
        }
        Err(e) => {
            let msg = vm.error_text(&e);
            Err(load_error(vm, name, &file, &msg))
        }
    }
}

/// Searcher 3: a C library along `package.cpath` (reported as unsupported when found).
fn searcher_c(vm: &mut Vm) -> LuaResult<usize> {
    let name = vm.check_string(1)?.as_bytes();
    match find_file(vm, name, "cpath")? {
        Ok(file) => Err(load_error(vm, name, &file, NO_C_MODULES.as_bytes())),
        Err(msg) => {
            let s = vm.new_str(&msg);
            vm.push(s);
            Ok(1)
        }
    }
}

/// Searcher 4: the C library of the root of a dotted name (`a` for `a.b.c`).
fn searcher_croot(vm: &mut Vm) -> LuaResult<usize> {
    let name = vm.check_string(1)?.as_bytes();
    let Some(dot) = name.iter().position(|&c| c == b'.') else {
        return Ok(0);
    };
    match find_file(vm, &name[..dot], "cpath")? {
        Ok(file) => Err(load_error(vm, name, &file, NO_C_MODULES.as_bytes())),
        Err(msg) => {
            let s = vm.new_str(&msg);
            vm.push(s);
            Ok(1)
        }
    }
}

/// `package.searchpath(name, path [, sep [, rep]])`: the file name, or fail plus the list tried.
fn ll_searchpath(vm: &mut Vm) -> LuaResult<usize> {
    let name = vm.check_string(1)?.as_bytes();
    let path = vm.check_string(2)?.as_bytes();
    let sep: &[u8] = match vm.opt_string(3)? {
        Some(s) => s.as_bytes(),
        None => b".",
    };
    let rep: &[u8] = match vm.opt_string(4)? {
        Some(s) => s.as_bytes(),
        None => b"/",
    };
    match search_path(name, path, sep, rep) {
        Ok(f) => {
            let s = vm.new_str(&f);
            vm.push(s);
            Ok(1)
        }
        Err(msg) => {
            vm.push(Value::NIL);
            let s = vm.new_str(&msg);
            vm.push(s);
            Ok(2)
        }
    }
}

/// `package.loadlib(path, funcname)`: always fails with `"absent"` (no dynamic libraries), as
/// PUC-Lua built without `dlopen`.
fn ll_loadlib(vm: &mut Vm) -> LuaResult<usize> {
    vm.check_string(1)?;
    vm.check_string(2)?;
    vm.push(Value::NIL);
    let s = vm.new_str(NO_C_MODULES.as_bytes());
    vm.push(s);
    let a = vm.new_str(b"absent");
    vm.push(a);
    Ok(3)
}

/// Default `package.path`: `LUA_PATH_DEFAULT` as built into the reference `lua5.4` (Debian's build of
/// PUC-Lua 5.4, which adds `/usr/share/lua/5.4/` to upstream's `/usr/local/` directories), so that
/// module lookups and "module not found" messages match the installed interpreter.
pub const LUA_PATH_DEFAULT: &str = "/usr/local/share/lua/5.4/?.lua;/usr/local/share/lua/5.4/?/init.lua;\
/usr/local/lib/lua/5.4/?.lua;/usr/local/lib/lua/5.4/?/init.lua;\
/usr/share/lua/5.4/?.lua;/usr/share/lua/5.4/?/init.lua;./?.lua;./?/init.lua";

/// Default `package.cpath` (`LUA_CPATH_DEFAULT` of the reference `lua5.4`, see [`LUA_PATH_DEFAULT`]).
pub const LUA_CPATH_DEFAULT: &str = "/usr/local/lib/lua/5.4/?.so;/usr/lib/x86_64-linux-gnu/lua/5.4/?.so;\
/usr/lib/lua/5.4/?.so;/usr/local/lib/lua/5.4/loadall.so;./?.so";

/// `package.config`: directory separator, path separator, substitution mark, executable-directory
/// mark, ignore mark, one per line.
pub const PACKAGE_CONFIG: &str = "/\n;\n?\n!\n-\n";

/// The value of `package.path` (`envname` = `"LUA_PATH"`) or `package.cpath` (`"LUA_CPATH"`) as
/// `loadlib.c` `setpath` computes it: the versioned variable (`LUA_PATH_5_4`) if set, else the plain
/// one, else `default`; the first `";;"` in the variable is replaced by `";" + default + ";"` (without
/// the separators at either end). `getenv` reads the environment; `noenv` is `lua -E`.
pub fn path_from_env(
    envname: &str,
    default: &str,
    noenv: bool,
    getenv: impl Fn(&str) -> Option<String>,
) -> String {
    let path = getenv(&format!("{envname}_5_4")).or_else(|| getenv(envname));
    let path = match path {
        Some(p) if !noenv => p,
        _ => return default.to_string(),
    };
    let Some(mark) = path.find(";;") else {
        return path;
    };
    let mut out = String::with_capacity(path.len() + default.len() + 2);
    if mark > 0 {
        out.push_str(&path[..mark]);
        out.push(';');
    }
    out.push_str(default);
    if mark + 2 < path.len() {
        out.push(';');
        out.push_str(&path[mark + 2..]);
    }
    out
}

/// `package.searchpath(name, path, sep, rep)`: replaces each `sep` in `name` by `rep` (when `sep` is
/// non-empty), substitutes the result for every `?` in `path`, and returns the first template
/// (`;`-separated, empty ones included) naming a readable file.
///
/// # Errors
/// The list of names tried, `"no file 'a'\n\tno file 'b'"` (`pusherrornotfound`).
pub fn search_path(name: &[u8], path: &[u8], sep: &[u8], rep: &[u8]) -> Result<Vec<u8>, Vec<u8>> {
    let name = match sep.first() {
        Some(&s) if name.contains(&s) => replace_all(name, sep, rep),
        _ => name.to_vec(),
    };
    let expanded = replace_all(path, b"?", &name);
    for file in expanded.split(|&c| c == b';') {
        if readable(file) {
            return Ok(file.to_vec());
        }
    }
    let mut msg = b"no file '".to_vec();
    msg.extend_from_slice(&replace_all(&expanded, b";", b"'\n\tno file '"));
    msg.push(b'\'');
    Err(msg)
}

/// `luaL_gsub`: every occurrence of `pat` (non-empty) in `s` replaced by `rep`.
fn replace_all(s: &[u8], pat: &[u8], rep: &[u8]) -> Vec<u8> {
    if pat.is_empty() {
        return s.to_vec();
    }
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i..].starts_with(pat) {
            out.extend_from_slice(rep);
            i += pat.len();
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    out
}

/// Whether `fopen(file, "r")` would succeed.
fn readable(file: &[u8]) -> bool {
    use std::os::unix::ffi::OsStrExt;
    !file.is_empty() && std::fs::File::open(std::ffi::OsStr::from_bytes(file)).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    /// Mirrors `LUA_PATH="/a/?.lua;;" lua5.4 -e 'print(package.path)'` and friends.
    #[test]
    fn env_paths() {
        let d = LUA_PATH_DEFAULT;
        assert_eq!(path_from_env("LUA_PATH", d, false, env(&[])), d);
        assert_eq!(
            path_from_env("LUA_PATH", d, false, env(&[("LUA_PATH", "/a/?.lua;;")])),
            format!("/a/?.lua;{d}")
        );
        assert_eq!(
            path_from_env(
                "LUA_PATH",
                d,
                false,
                env(&[("LUA_PATH_5_4", "x;;y"), ("LUA_PATH", "z")])
            ),
            format!("x;{d};y")
        );
        assert_eq!(
            path_from_env("LUA_PATH", d, false, env(&[("LUA_PATH", ";;")])),
            d
        );
        assert_eq!(
            path_from_env("LUA_PATH", d, false, env(&[("LUA_PATH", "q")])),
            "q"
        );
        assert_eq!(
            path_from_env("LUA_PATH", d, true, env(&[("LUA_PATH", "q")])),
            d
        );
        // Only the first ";;" is replaced.
        assert_eq!(
            path_from_env("LUA_CPATH", "D", false, env(&[("LUA_CPATH", "a;;b;;c")])),
            "a;D;b;;c"
        );
    }

    /// `lua5.4 -e 'print(package.searchpath("a.b", "./?.lua;/x/?/init.lua"))'`.
    #[test]
    fn search_path_messages() {
        assert_eq!(
            search_path(b"a.b", b"./?.lua;/x/?/init.lua", b".", b"/").unwrap_err(),
            b"no file './a/b.lua'\n\tno file '/x/a/b/init.lua'"
        );
        assert_eq!(
            search_path(b"a.b", b"./?.lua", b"", b"").unwrap_err(),
            b"no file './a.b.lua'"
        );
        assert_eq!(
            search_path(b"m", b";x", b".", b"/").unwrap_err(),
            b"no file ''\n\tno file 'x'"
        );
    }

    #[test]
    fn search_path_finds_first_readable() {
        let dir = std::env::temp_dir().join(format!("moonlift-pkg-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("a")).unwrap();
        std::fs::write(dir.join("a/b.lua"), b"return 1").unwrap();
        let d = dir.to_str().unwrap();
        let path = format!("{d}/?.x;{d}/?.lua");
        let found = search_path(b"a.b", path.as_bytes(), b".", b"/").unwrap();
        assert_eq!(found, format!("{d}/a/b.lua").into_bytes());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
