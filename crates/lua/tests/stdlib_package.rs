//! `package` library behaviour compared with PUC-Lua 5.4.4: each case is a chunk (named `=test`)
//! whose results (`tostring`, tab-separated) or error (`ERR: message`) were produced by `lua5.4`.

mod stdlib_support;

#[test]
fn package_library_matches_lua54() {
    stdlib_support::check_all(CASES);
}

/// (chunk, expected output) pairs.
const CASES: &[(&str, &str)] = &[
    (
        "return package.config, type(package.loaded), type(package.preload), #package.searchers, package.loaded.string == string",
        "/\n;\n?\n!\n-\n\ttable\ttable\t4\ttrue",
    ),
    (
        "return package.searchpath(\"a.b\", \"./?.lua;/x/?/init.lua\")",
        "nil\tno file './a/b.lua'\n\tno file '/x/a/b/init.lua'",
    ),
    (
        "return package.searchpath(\"a.b\", \"./?.lua\", \"\", \"\")",
        "nil\tno file './a.b.lua'",
    ),
    (
        "package.path = \"/nonexistent/?.lua\" package.cpath = \"/nonexistent/?.so\" return require(\"foo.bar\")",
        "ERR: test:1: module 'foo.bar' not found:\n\tno field package.preload['foo.bar']\n\tno file '/nonexistent/foo/bar.lua'\n\tno file '/nonexistent/foo/bar.so'\n\tno file '/nonexistent/foo.so'",
    ),
    (
        "package.path = \"/nonexistent/?.lua;/other/?/init.lua\" package.cpath = \"\" return require(\"m\")",
        "ERR: test:1: module 'm' not found:\n\tno field package.preload['m']\n\tno file '/nonexistent/m.lua'\n\tno file '/other/m/init.lua'\n\tno file ''",
    ),
    (
        "package.preload.mymod = function(...) return {args = {...}} end local m, d = require(\"mymod\") return m.args[1], m.args[2], d, require(\"mymod\") == m, package.loaded.mymod == m",
        "mymod\t:preload:\t:preload:\ttrue\ttrue",
    ),
    (
        "package.preload.noret = function() end return require(\"noret\"), package.loaded.noret",
        "true\ttrue",
    ),
    (
        "local n = os.tmpname() local f = io.open(n .. \".lua\", \"w\") f:write(\"return {name = ..., file = select(2, ...)}\") f:close() package.path = \"/tmp/?.lua\" local m, d = require(n:sub(6)) os.remove(n .. \".lua\") os.remove(n) return m.name == n:sub(6), m.file == n .. \".lua\", d == n .. \".lua\"",
        "true\ttrue\ttrue",
    ),
    (
        "package.path = 42 return require(\"zz\")",
        "ERR: test:1: module 'zz' not found:\n\tno field package.preload['zz']\n\tno file '42'\n\tno file '/usr/local/lib/lua/5.4/zz.so'\n\tno file '/usr/lib/x86_64-linux-gnu/lua/5.4/zz.so'\n\tno file '/usr/lib/lua/5.4/zz.so'\n\tno file '/usr/local/lib/lua/5.4/loadall.so'\n\tno file './zz.so'",
    ),
    (
        "package.searchers = nil return require(\"zz\")",
        "ERR: test:1: 'package.searchers' must be a table",
    ),
    (
        "return type(require), require(\"string\") == string, require(\"math\") == math",
        "function\ttrue\ttrue",
    ),
];
