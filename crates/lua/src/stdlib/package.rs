//! The `package` library and `require` (Lua 5.4 manual §6.3, `loadlib.c`).
//!
//! VM-independent parts: the default search paths, the `LUA_PATH_5_4` / `LUA_PATH` environment rules
//! ([`path_from_env`]) and `package.searchpath` ([`search_path`]), whose "no file '...'" list is also
//! the body of `require`'s "module 'x' not found" message.
//!
//! Invariant: C modules are not supported (there is no C API); the C searchers still walk
//! `package.cpath` so "not found" messages list the same files as PUC-Lua's, and a found C library
//! raises a clear error instead of being loaded.

/// `LUA_PATH_DEFAULT` of PUC-Lua 5.4 for Unix (`luaconf.h`, `LUA_ROOT` = `/usr/local/`).
pub const LUA_PATH_DEFAULT: &str = "/usr/local/share/lua/5.4/?.lua;/usr/local/share/lua/5.4/?/init.lua;\
/usr/local/lib/lua/5.4/?.lua;/usr/local/lib/lua/5.4/?/init.lua;./?.lua;./?/init.lua";

/// `LUA_CPATH_DEFAULT` of PUC-Lua 5.4 for Unix.
pub const LUA_CPATH_DEFAULT: &str =
    "/usr/local/lib/lua/5.4/?.so;/usr/local/lib/lua/5.4/loadall.so;./?.so";

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
