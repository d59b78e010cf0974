//! `io` library behaviour compared with PUC-Lua 5.4.4: each case is a chunk (named `=test`)
//! whose results (`tostring`, tab-separated) or error (`ERR: message`) were produced by `lua5.4`.

mod stdlib_support;

#[test]
fn io_library_matches_lua54() {
    stdlib_support::check_all(CASES);
}

/// (chunk, expected output) pairs.
const CASES: &[(&str, &str)] = &[
    (
        "local n = os.tmpname() local f = io.open(n, \"w\") f:write(\"hello\\n\", 42, \" \", 1.5, \" \", 1.0, \"\\n\", \"x\") f:close() f = io.open(n) local a, b, c = f:read(\"l\", \"n\", \"n\") local d = f:read(\"a\") f:close() os.remove(n) return a, b, c, d",
        "hello\t42\t1.5\t 1\nx",
    ),
    (
        "local n = os.tmpname() local f = io.open(n, \"w\") f:write(\"  0x1p4 -.5e2 1e 12345678901234567890 0x  nan 5\") f:close() f = io.open(n) local r = {f:read(\"n\", \"n\")} local a = f:read(\"n\") local b = f:read(\"n\") local c = f:read(\"n\") local d = f:read(\"a\") f:close() os.remove(n) return r[1], r[2], a, b, c, d",
        "16.0\t-50.0\tnil\t1.2345678901235e+19\tnil\t  nan 5",
    ),
    (
        "local n = os.tmpname() local f = io.open(n, \"w\") f:write(\"a\\nb\\n\\nc\") f:close() local t = \"\" for l in io.lines(n) do t = t .. \"[\" .. l .. \"]\" end for l in io.lines(n, \"L\") do t = t .. \"[\" .. l .. \"]\" end for a, b in io.lines(n, 1, 2) do t = t .. a .. \"|\" .. b end os.remove(n) return t",
        "[a][b][][c][a\n][b\n][\n][c]a|\nb\n|\nc",
    ),
    (
        "local n = os.tmpname() local f = io.open(n, \"w\") f:write(\"abcdefgh\") f:close() f = io.open(n) local r = {f:read(0), f:read(3), f:seek(\"cur\"), f:seek(\"set\", 1), f:read(2), f:seek(\"end\"), f:seek(\"cur\", -2), f:read(\"a\"), f:read(0), f:read(\"a\"), f:read(\"l\")} f:close() os.remove(n) return r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11]",
        "\tabc\t3\t1\tbc\t8\t6\tgh\tnil\t\tnil",
    ),
    (
        "local f = io.open(\"/nonexistent/moonlift\") return f",
        "nil",
    ),
    (
        "return io.open(\"/nonexistent/moonlift\")",
        "nil\t/nonexistent/moonlift: No such file or directory\t2",
    ),
    (
        "return io.open(\"/tmp\", \"rb+\")",
        "ERR: test:1: bad argument #2 to 'open' (invalid mode)",
    ),
    (
        "return io.open(\"/tmp\", \"x\")",
        "ERR: test:1: bad argument #2 to 'open' (invalid mode)",
    ),
    (
        "return io.lines(\"/nonexistent/moonlift\")",
        "ERR: test:1: cannot open file '/nonexistent/moonlift' (No such file or directory)",
    ),
    (
        "local n = os.tmpname() local f = io.open(n, \"w\") f:close() local ok, e = pcall(f.read, f) os.remove(n) return ok, e, io.type(f), io.type(io.stdout), io.type(42), tostring(f)",
        "false\tattempt to use a closed file\tclosed file\tfile\tnil\tfile (closed)",
    ),
    (
        "return io.stdout:close()",
        "nil\tcannot close standard file",
    ),
    (
        "return io.type(io.stdout:write(\"\")), getmetatable(io.stdout).__name",
        "file\tFILE*",
    ),
    (
        "return io.read(\"x\")",
        "ERR: test:1: bad argument #1 to 'read' (invalid format)",
    ),
    (
        "return io.stdout:seek(\"foo\")",
        "ERR: test:1: bad argument #1 to 'seek' (invalid option 'foo')",
    ),
    (
        "local n = os.tmpname() local f = io.open(n, \"w\") local it = f:lines() f:close() local ok, e = pcall(it) os.remove(n) return ok, e",
        "false\tfile is already closed",
    ),
    (
        "local n = os.tmpname() local f = io.open(n, \"w\") f:write(\"a\\nb\") f:close() local it = io.lines(n) local a, b, c = it(), it(), it() local ok, e = pcall(it) os.remove(n) return a, b, c, ok, e",
        "a\tb\tnil\tfalse\tfile is already closed",
    ),
    (
        "local p = io.popen(\"echo hi; exit 2\") local s = p:read(\"a\") return s, p:close()",
        "hi\n\tnil\texit\t2",
    ),
    (
        "return io.popen(\"ls\", \"rw\")",
        "ERR: test:1: bad argument #2 to 'popen' (invalid mode)",
    ),
    (
        "local n = os.tmpname() local f = io.open(n, \"w+\") f:setvbuf(\"no\") f:write(\"abc\") f:seek(\"set\", 0) local s = f:read(\"a\") f:close() os.remove(n) return s",
        "abc",
    ),
    (
        "local n = os.tmpname() io.output(n) io.write(\"via default output\") io.close() io.output(io.stdout) io.input(n) local s = io.read(\"a\") io.close(io.input()) io.input(io.stdin) os.remove(n) return s",
        "via default output",
    ),
    (
        "return io.write({})",
        "ERR: test:1: bad argument #1 to 'write' (string expected, got table)",
    ),
    (
        "return io.input(\"/nonexistent/moonlift\")",
        "ERR: test:1: cannot open file '/nonexistent/moonlift' (No such file or directory)",
    ),
];
