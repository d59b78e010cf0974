//! `string` library behaviour compared with PUC-Lua 5.4.4: each case is a chunk (named `=test`)
//! whose results (`tostring`, tab-separated) or error (`ERR: message`) were produced by `lua5.4`.

mod stdlib_support;

#[test]
fn string_library_matches_lua54() {
    stdlib_support::check_all(CASES);
}

/// (chunk, expected output) pairs.
const CASES: &[(&str, &str)] = &[
    (
        "return string.format(\"%5.2f|%-5d|%x|%X|%o|%e|%g|%q\", 3.14159, 42, 255, 255, 8, 12345.678, 1e20, \"a\\nb\\0c\\\"\")",
        " 3.14|42   |ff|FF|10|1.234568e+04|1e+20|\"a\\\nb\\0c\\\"\"",
    ),
    (
        "return string.format(\"%d %s %s %s\", 3.0, nil, true, 12.5)",
        "3 nil true 12.5",
    ),
    (
        "return string.format(\"%10.3s|%-10s|\", \"abcdef\", \"xy\")",
        "       abc|xy        |",
    ),
    (
        "return string.format(\"%q\", 1/0), string.format(\"%q\", -1/0), string.format(\"%q\", 0/0), string.format(\"%q\", math.mininteger), string.format(\"%q\", 0.1)",
        "1e9999\t-1e9999\t(0/0)\t0x8000000000000000\t0x1.999999999999ap-4",
    ),
    (
        "return pcall(string.format, \"%d\", 1.5)",
        "false\tbad argument #2 to 'string.format' (number has no integer representation)",
    ),
    (
        "return string.format(\"%d\", 1.5)",
        "ERR: test:1: bad argument #2 to 'format' (number has no integer representation)",
    ),
    (
        "return string.format(\"%10.123d\", 1)",
        "ERR: test:1: invalid conversion specification: '%10.123d'",
    ),
    (
        "return string.format(\"%y\", 1)",
        "ERR: test:1: invalid conversion '%y' to 'format'",
    ),
    (
        "return string.format(\"%d\")",
        "ERR: test:1: bad argument #2 to 'format' (no value)",
    ),
    (
        "return string.format(\"%5q\", \"x\")",
        "ERR: test:1: specifier '%q' cannot have modifiers",
    ),
    (
        "return string.format(\"%q\", {})",
        "ERR: test:1: bad argument #2 to 'format' (value has no literal form)",
    ),
    ("return string.format(\"%c%c%c\", 76, 117, 97)", "Lua"),
    (
        "return string.format(\"%s\", setmetatable({}, {__tostring = function() return \"OBJ\" end}))",
        "OBJ",
    ),
    (
        "return string.format(\"%-5.2s|\", setmetatable({}, {__tostring = function() return \"xyz\" end}))",
        "xy   |",
    ),
    (
        "return string.format(\"%5s\", \"a\\0b\")",
        "ERR: test:1: bad argument #2 to 'format' (string contains zeros)",
    ),
    ("return string.format(\"%a %A\", 1.0, 0.5)", "0x1p+0 0X1P-1"),
    (
        "return (\"x\"):rep(3), (\"ab\"):rep(3, \",\"), (\"x\"):rep(0), (\"x\"):rep(-1), (\"\"):rep(5)",
        "xxx\tab,ab,ab\t\t\t",
    ),
    (
        "return string.rep(\"x\", 1 << 62, \"yy\")",
        "ERR: test:1: resulting string too large",
    ),
    (
        "return (\"hello\"):sub(2), (\"hello\"):sub(-3), (\"hello\"):sub(2, -2), (\"hello\"):sub(0), (\"hello\"):sub(10), (\"hello\"):sub(-100, 2)",
        "ello\tllo\tell\thello\t\the",
    ),
    (
        "return (\"hello\"):byte(), (\"hello\"):byte(-1), (\"hello\"):byte(2, 4)",
        "104\t111\t101\t108\t108",
    ),
    (
        "return select('#', (\"hello\"):byte(10)), select('#', (\"hello\"):byte(3, 2))",
        "0\t0",
    ),
    ("return string.char(72, 105), string.char()", "Hi\t"),
    (
        "return string.char(256)",
        "ERR: test:1: bad argument #1 to 'char' (value out of range)",
    ),
    (
        "return string.char(-1)",
        "ERR: test:1: bad argument #1 to 'char' (value out of range)",
    ),
    (
        "return (\"MiXeD 123\"):upper(), (\"MiXeD 123\"):lower(), (\"abc\"):reverse(), (\"abc\"):len(), #\"\\0\\0\"",
        "MIXED 123\tmixed 123\tcba\t3\t2",
    ),
    ("return string.len(123), string.upper(12.5)", "3\t12.5"),
    (
        "return string.len()",
        "ERR: test:1: bad argument #1 to 'len' (string expected, got no value)",
    ),
    (
        "return string.sub(\"abc\", \"x\")",
        "ERR: test:1: bad argument #2 to 'sub' (number expected, got string)",
    ),
    (
        "return type((\"abc\").len), getmetatable(\"\").__index == string",
        "function\ttrue",
    ),
    ("local s = \"x\" return s:upper():lower():rep(2)", "xx"),
    (
        "return string.format(\"%.3f %5.1f %-8.2e|\", 1/3, 2.25, 12345)",
        "0.333   2.2 1.23e+04|",
    ),
    ("return string.format(\"%i %u\", -5, 5)", "-5 5"),
    ("return string.format(\"%%\")", "%"),
    ("return string.format(\"%.20s\", \"hello\")", "hello"),
    (
        "local t = \"\" for k, v in string.gmatch(\"a=1, b=2\", \"(%w+)=(%w+)\") do t = t .. k .. v .. \";\" end return t",
        "a1;b2;",
    ),
    (
        "local n = 0 for w in (\"one two three\"):gmatch(\"%a+\") do n = n + 1 end return n",
        "3",
    ),
    (
        "local t = \"\" for a, b in (\"hello\"):gmatch(\"()(l)\") do t = t .. a .. b end for w in (\"abc\"):gmatch(\"\", 2) do t = t .. \"|\" end return t",
        "3l4l|||",
    ),
    (
        "return (\"abc\"):gsub(\"%w\", function(c) return c:upper() .. \".\" end)",
        "A.B.C.\t3",
    ),
    (
        "return (\"hello world\"):find(\"o\", 6), (\"hello\"):match(\"(h)(.)\"), (\"x\"):gsub(\".\", {x = 1.5})",
        "8\th\t1.5\t1",
    ),
    (
        "return (\"abc\"):gsub(\"%w\", function() error(\"boom\") end)",
        "ERR: test:1: boom",
    ),
    (
        "return (\"abc\"):find(\"[a\")",
        "ERR: test:1: malformed pattern (missing ']')",
    ),
    (
        "local function add(a, b) return a + b end local bin = string.dump(add) return bin:sub(1, 4) == \"\\27Lua\", bin:byte(5), load(bin, \"d\", \"b\")(2, 3), load(string.dump(add, true))(4, 5)",
        "true\t84\t5\t9",
    ),
    (
        "return string.dump(print)",
        "ERR: test:1: unable to dump given function",
    ),
    (
        "return tostring(1e15), tostring(1e100), tostring(-0.0), tostring(2^63), tostring(0.1), 1/0, -1/0, 100 // 1.0",
        "1e+15\t1e+100\t-0.0\t9.2233720368548e+18\t0.1\tinf\t-inf\t100.0",
    ),
];
