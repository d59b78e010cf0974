//! Standard-library functions called directly from Rust (no compiler needed), compared with
//! `pcall(f, args...)` under PUC-Lua 5.4.4: each case is a list of calls made in one state (so
//! `math.randomseed` followed by `math.random` checks the generator sequence).

mod stdlib_support;

#[test]
fn library_calls_match_lua54() {
    stdlib_support::check_calls(CASES);
}

/// (calls, expected outputs joined by newlines).
type Case = (&'static [(&'static str, &'static str)], &'static str);

const CASES: &[Case] = &[
    (
        &[(
            "string.format",
            "\"%5.2f|%-5d|%x|%X|%o|%e|%g\", 3.14159, 42, 255, 255, 8, 12345.678, 1e20",
        )],
        "true\t 3.14|42   |ff|FF|10|1.234568e+04|1e+20",
    ),
    (
        &[("string.format", "\"%q\", \"a\\nb\\0c\\\"\\\\\\r\"")],
        "true\t\"a\\\nb\\0c\\\"\\\\\\13\"",
    ),
    (
        &[(
            "string.format",
            "\"%q %q %q %q %q\", 1/0, -1/0, 0/0, 0.1, -9223372036854775807",
        )],
        "true\t1e9999 -1e9999 (0/0) 0x1.999999999999ap-4 -9223372036854775807",
    ),
    (
        &[(
            "string.format",
            "\"%d %s %s %s %s\", 3.0, nil, true, 12.5, \"x\"",
        )],
        "true\t3 nil true 12.5 x",
    ),
    (
        &[("string.format", "\"%d\", 1.5")],
        "false\tbad argument #2 to 'string.format' (number has no integer representation)",
    ),
    (
        &[("string.format", "\"%10.123d\", 1")],
        "false\tinvalid conversion specification: '%10.123d'",
    ),
    (
        &[("string.format", "\"%y\", 1")],
        "false\tinvalid conversion '%y' to 'format'",
    ),
    (
        &[("string.format", "\"%d\"")],
        "false\tbad argument #2 to 'string.format' (no value)",
    ),
    (
        &[("string.format", "\"%5q\", \"x\"")],
        "false\tspecifier '%q' cannot have modifiers",
    ),
    (
        &[("string.format", "\"%q\", {}")],
        "false\tbad argument #2 to 'string.format' (value has no literal form)",
    ),
    (
        &[("string.format", "\"%d\", {}")],
        "false\tbad argument #2 to 'string.format' (number expected, got table)",
    ),
    (
        &[("string.format", "\"%5s\", \"a\\0b\"")],
        "false\tbad argument #2 to 'string.format' (string contains zeros)",
    ),
    (
        &[(
            "string.format",
            "\"%10.3s|%-10s|%.20s\", \"abcdef\", \"xy\", \"hello\"",
        )],
        "true\t       abc|xy        |hello",
    ),
    (
        &[("string.format", "\"%c%c%c %i %u %%\", 76, 117, 97, -5, 5")],
        "true\tLua -5 5 %",
    ),
    (&[("string.format", "\"%d\", \"10\"")], "true\t10"),
    (
        &[("string.format", "")],
        "false\tbad argument #1 to 'string.format' (string expected, got no value)",
    ),
    (
        &[
            ("string.rep", "\"x\", 3"),
            ("string.rep", "\"ab\", 3, \",\""),
            ("string.rep", "\"x\", 0"),
            ("string.rep", "\"x\", -1"),
            ("string.rep", "\"\", 5"),
        ],
        "true\txxx\ntrue\tab,ab,ab\ntrue\t\ntrue\t\ntrue\t",
    ),
    (
        &[("string.rep", "\"x\", 4611686018427387904, \"yy\"")],
        "false\tresulting string too large",
    ),
    (
        &[("string.rep", "\"x\"")],
        "false\tbad argument #2 to 'string.rep' (number expected, got no value)",
    ),
    (
        &[
            ("string.sub", "\"hello\", 2"),
            ("string.sub", "\"hello\", -3"),
            ("string.sub", "\"hello\", 2, -2"),
            ("string.sub", "\"hello\", 0"),
            ("string.sub", "\"hello\", 10"),
            ("string.sub", "\"hello\", -100, 2"),
        ],
        "true\tello\ntrue\tllo\ntrue\tell\ntrue\thello\ntrue\t\ntrue\the",
    ),
    (
        &[("string.sub", "\"hello\"")],
        "false\tbad argument #2 to 'string.sub' (number expected, got no value)",
    ),
    (
        &[("string.sub", "\"abc\", \"x\"")],
        "false\tbad argument #2 to 'string.sub' (number expected, got string)",
    ),
    (&[("string.sub", "12345, 2, 3")], "true\t23"),
    (
        &[
            ("string.byte", "\"hello\""),
            ("string.byte", "\"hello\", -1"),
            ("string.byte", "\"hello\", 2, 4"),
            ("string.byte", "\"hello\", 10"),
            ("string.byte", "\"hello\", 3, 2"),
        ],
        "true\t104\ntrue\t111\ntrue\t101\t108\t108\ntrue\ntrue",
    ),
    (
        &[("string.char", "72, 105"), ("string.char", "")],
        "true\tHi\ntrue\t",
    ),
    (
        &[("string.char", "256")],
        "false\tbad argument #1 to 'string.char' (value out of range)",
    ),
    (
        &[("string.char", "65, -1")],
        "false\tbad argument #2 to 'string.char' (value out of range)",
    ),
    (
        &[("string.char", "65, \"x\"")],
        "false\tbad argument #2 to 'string.char' (number expected, got string)",
    ),
    (
        &[
            ("string.upper", "\"MiXeD 123\\0z\""),
            ("string.lower", "\"MiXeD 123\""),
            ("string.reverse", "\"abc\""),
            ("string.len", "\"abc\\0\""),
            ("string.len", "123"),
            ("string.upper", "12.5"),
        ],
        "true\tMIXED 123\0Z\ntrue\tmixed 123\ntrue\tcba\ntrue\t4\ntrue\t3\ntrue\t12.5",
    ),
    (
        &[("string.len", "")],
        "false\tbad argument #1 to 'string.len' (string expected, got no value)",
    ),
    (
        &[("string.upper", "{}")],
        "false\tbad argument #1 to 'string.upper' (string expected, got table)",
    ),
    (
        &[
            ("string.find", "\"hello world\", \"o w\""),
            ("string.find", "\"hello world\", \"l+\""),
            ("string.find", "\"hello world\", \"(h)(e)\""),
            ("string.find", "\"hello\", \"l\", -2"),
            ("string.find", "\"hello\", \"xyz\""),
            ("string.find", "\"a.b\", \".\", 1, true"),
            ("string.find", "\"hello\", \"\", 10"),
            ("string.find", "\"hello\", \"\", 6"),
        ],
        "true\t5\t7\ntrue\t3\t4\ntrue\t1\t2\th\te\ntrue\t4\t4\ntrue\tnil\ntrue\t2\t2\ntrue\tnil\ntrue\t6\t5",
    ),
    (
        &[("string.find", "\"a\", \"a%\"")],
        "false\tmalformed pattern (ends with '%')",
    ),
    (
        &[("string.find", "\"abc\", \"[a\"")],
        "false\tmalformed pattern (missing ']')",
    ),
    (
        &[("string.find", "nil, \"x\"")],
        "false\tbad argument #1 to 'string.find' (string expected, got nil)",
    ),
    (
        &[
            ("string.match", "\"key = value\", \"(%w+)%s*=%s*(%w+)\""),
            ("string.match", "\"hello\", \"()ll()\""),
            ("string.match", "\"hello\", \"xyz\""),
            ("string.match", "\"  trim  \", \"^%s*(.-)%s*$\""),
            ("string.match", "\"2024-01-02\", \"(%d+)-(%d+)-(%d+)\""),
            ("string.match", "\"hello\", \".\", -1"),
        ],
        "true\tkey\tvalue\ntrue\t3\t5\ntrue\tnil\ntrue\ttrim\ntrue\t2024\t01\t02\ntrue\to",
    ),
    (
        &[("string.match", "\"x\", \"(()\"")],
        "false\tunfinished capture",
    ),
    (
        &[
            ("string.gsub", "\"hello world\", \"o\", \"0\""),
            ("string.gsub", "\"hello world\", \"(%w+)\", \"<%1>\""),
            ("string.gsub", "\"hello\", \"\", \"-\""),
            ("string.gsub", "\"abc\", \"%w\", \"%0%0\", 2"),
            ("string.gsub", "\"hello world\", \"%w+\", string.upper"),
            (
                "string.gsub",
                "\"$name is $age\", \"%$(%w+)\", {name = \"Bob\", age = 42}",
            ),
            ("string.gsub", "\"abc\", \"b\", 5"),
            ("string.gsub", "\"abc\", \"x\", \"y\""),
        ],
        "true\thell0 w0rld\t2\ntrue\t<hello> <world>\t2\ntrue\t-h-e-l-l-o-\t6\ntrue\taabbc\t2\ntrue\tHELLO WORLD\t2\ntrue\tBob is 42\t2\ntrue\ta5c\t1\ntrue\tabc\t0",
    ),
    (
        &[("string.gsub", "\"abc\", \"b\", \"%2\"")],
        "false\tinvalid capture index %2",
    ),
    (
        &[("string.gsub", "\"abc\", \"b\", \"%x\"")],
        "false\tinvalid use of '%' in replacement string",
    ),
    (
        &[("string.gsub", "\"abc\", \"b\"")],
        "false\tbad argument #3 to 'string.gsub' (string/function/table expected, got no value)",
    ),
    (
        &[("string.gsub", "\"abc\", \"(b)\", {b = {}}")],
        "false\tinvalid replacement value (a table)",
    ),
    (
        &[("string.gsub", "\"abc\", \"(b)\", {b = false}")],
        "true\tabc\t1",
    ),
    (
        &[("string.dump", "print")],
        "false\tunable to dump given function",
    ),
    (
        &[("string.dump", "1")],
        "false\tbad argument #1 to 'string.dump' (function expected, got number)",
    ),
    (
        &[
            ("math.floor", "3.7"),
            ("math.floor", "-3.5"),
            ("math.ceil", "3.2"),
            ("math.floor", "5"),
            ("math.floor", "2^70"),
            ("math.floor", "-0.0"),
            ("math.floor", "\"3.7\""),
        ],
        "true\t3\ntrue\t-4\ntrue\t4\ntrue\t5\ntrue\t1.1805916207174e+21\ntrue\t0\ntrue\t3",
    ),
    (
        &[("math.floor", "\"x\"")],
        "false\tbad argument #1 to 'math.floor' (number expected, got string)",
    ),
    (
        &[
            ("math.fmod", "7, 3"),
            ("math.fmod", "-7, 3"),
            ("math.fmod", "7, -3"),
            ("math.fmod", "7.5, 2"),
            ("math.fmod", "-9223372036854775807 - 1, -1"),
            ("math.fmod", "1, 0.0"),
            ("math.fmod", "-6.0, 3"),
        ],
        "true\t1\ntrue\t-1\ntrue\t1\ntrue\t1.5\ntrue\t0\ntrue\t-nan\ntrue\t-0.0",
    ),
    (
        &[("math.fmod", "1, 0")],
        "false\tbad argument #2 to 'math.fmod' (zero)",
    ),
    (
        &[("math.fmod", "1")],
        "false\tbad argument #2 to 'math.fmod' (number expected, got no value)",
    ),
    (
        &[
            ("math.modf", "3.7"),
            ("math.modf", "-3.7"),
            ("math.modf", "5"),
            ("math.modf", "1/0"),
            ("math.modf", "2^70"),
        ],
        "true\t3\t0.7\ntrue\t-3\t-0.7\ntrue\t5\t0.0\ntrue\tinf\t0.0\ntrue\t1.1805916207174e+21\t0.0",
    ),
    (
        &[
            ("math.log", "8, 2"),
            ("math.log", "100, 10"),
            ("math.log", "27, 3"),
            ("math.log", "1"),
            ("math.exp", "0"),
        ],
        "true\t3.0\ntrue\t2.0\ntrue\t3.0\ntrue\t0.0\ntrue\t1.0",
    ),
    (
        &[
            ("math.abs", "-9223372036854775807 - 1"),
            ("math.abs", "-2.5"),
            ("math.abs", "-0.0"),
            ("math.abs", "-3"),
            ("math.abs", "\"-3\""),
        ],
        "true\t-9223372036854775808\ntrue\t2.5\ntrue\t0.0\ntrue\t3\ntrue\t3.0",
    ),
    (
        &[
            ("math.ult", "1, -1"),
            ("math.type", "1"),
            ("math.type", "1.0"),
            ("math.type", "\"1\""),
        ],
        "true\ttrue\ntrue\tinteger\ntrue\tfloat\ntrue\tnil",
    ),
    (
        &[("math.type", "")],
        "false\tbad argument #1 to 'math.type' (value expected)",
    ),
    (
        &[
            ("math.atan", "1, 2"),
            ("math.atan", "1"),
            ("math.sqrt", "2"),
            ("math.sin", "1"),
            ("math.cos", "1"),
            ("math.tan", "1"),
            ("math.asin", "0.5"),
            ("math.acos", "0.5"),
            ("math.deg", "1"),
            ("math.rad", "180"),
        ],
        "true\t0.46364760900081\ntrue\t0.78539816339745\ntrue\t1.4142135623731\ntrue\t0.8414709848079\ntrue\t0.54030230586814\ntrue\t1.5574077246549\ntrue\t0.5235987755983\ntrue\t1.0471975511966\ntrue\t57.295779513082\ntrue\t3.1415926535898",
    ),
    (
        &[
            ("math.max", "1, 2.0, 2"),
            ("math.min", "1.0, 1"),
            ("math.max", "3"),
            ("math.max", "\"a\", \"b\""),
            ("math.min", "3, 1, 2"),
        ],
        "true\t2.0\ntrue\t1.0\ntrue\t3\ntrue\tb\ntrue\t1",
    ),
    (
        &[("math.max", "")],
        "false\tbad argument #1 to 'math.max' (value expected)",
    ),
    (
        &[("math.max", "1, \"x\"")],
        "false\tattempt to compare number with string",
    ),
    (
        &[
            ("math.tointeger", "3.0"),
            ("math.tointeger", "3.5"),
            ("math.tointeger", "\"8\""),
            ("math.tointeger", "{}"),
        ],
        "true\t3\ntrue\tnil\ntrue\t8\ntrue\tnil",
    ),
    (
        &[("math.tointeger", "")],
        "false\tbad argument #1 to 'math.tointeger' (value expected)",
    ),
    (
        &[
            ("math.randomseed", "42"),
            ("math.random", "1, 100"),
            ("math.random", ""),
        ],
        "true\t42\t0\ntrue\t50\ntrue\t0.54688311243421",
    ),
    (
        &[
            ("math.randomseed", "42"),
            ("math.random", "0"),
            ("math.random", "0"),
            ("math.random", "0"),
        ],
        "true\t42\t0\ntrue\t-1276290044721465627\ntrue\t8333941968102511665\ntrue\t-8358531260401861301",
    ),
    (
        &[
            ("math.randomseed", "42"),
            ("math.random", ""),
            ("math.random", "1, 6"),
            ("math.random", "100"),
            (
                "math.random",
                "-9223372036854775807 - 1, 9223372036854775807",
            ),
            ("math.random", "0, 2^40"),
        ],
        "true\t42\t0\ntrue\t0.93081217803957\ntrue\t2\ntrue\t76\ntrue\t5415767650884279637\ntrue\t870823234111",
    ),
    (
        &[
            ("math.randomseed", "-1, 12345"),
            ("math.random", "0"),
            ("math.random", ""),
            ("math.random", "1, 1000000007"),
        ],
        "true\t-1\t12345\ntrue\t-5569003315092206787\ntrue\t0.092078284884548\ntrue\t7760855",
    ),
    (&[("math.randomseed", "7, 8")], "true\t7\t8"),
    (
        &[
            ("math.randomseed", "42"),
            ("math.random", "2, 1"),
            ("math.random", "1, 100"),
        ],
        "true\t42\t0\nfalse\tbad argument #1 to 'math.random' (interval is empty)\ntrue\t50",
    ),
    (
        &[("math.random", "1, 2, 3")],
        "false\twrong number of arguments",
    ),
    (
        &[("math.random", "1.5")],
        "false\tbad argument #1 to 'math.random' (number has no integer representation)",
    ),
    (
        &[("math.randomseed", "1.5")],
        "false\tbad argument #1 to 'math.randomseed' (number has no integer representation)",
    ),
    (
        &[
            ("os.date", "\"!%Y-%m-%d %H:%M:%S\", 0"),
            ("os.date", "\"!%c\", 1e9"),
            ("os.date", "\"!%x %X %p %j %a %A %b %B\", 1e9"),
        ],
        "true\t1970-01-01 00:00:00\ntrue\tSun Sep  9 01:46:40 2001\ntrue\t09/09/01 01:46:40 AM 252 Sun Sunday Sep September",
    ),
    (
        &[("os.date", "\"%Ez\"")],
        "false\tbad argument #1 to 'os.date' (invalid conversion specifier '%Ez')",
    ),
    (
        &[("os.date", "\"abc%\"")],
        "false\tbad argument #1 to 'os.date' (invalid conversion specifier '%')",
    ),
    (
        &[("os.date", "\"%Y\", 1.5")],
        "false\tbad argument #2 to 'os.date' (number has no integer representation)",
    ),
    (
        &[("os.date", "\"*t\", \"x\"")],
        "false\tbad argument #2 to 'os.date' (number expected, got string)",
    ),
    (
        &[("os.time", "{year = 2020, month = 1}")],
        "false\tfield 'day' missing in date table",
    ),
    (
        &[("os.time", "{year = 2020, month = 1, day = \"x\"}")],
        "false\tfield 'day' is not an integer",
    ),
    (
        &[("os.time", "{year = 2020, month = 1, day = 1.5}")],
        "false\tfield 'day' is not an integer",
    ),
    (
        &[("os.time", "{year = 2020, month = 1, day = 2^40}")],
        "false\tfield 'day' is out-of-bound",
    ),
    (
        &[("os.time", "1")],
        "false\tbad argument #1 to 'os.time' (table expected, got number)",
    ),
    (&[("os.difftime", "10, 5")], "true\t5.0"),
    (
        &[("os.difftime", "10")],
        "false\tbad argument #2 to 'os.difftime' (number expected, got no value)",
    ),
    (
        &[("os.remove", "\"/nonexistent/moonlift-x\"")],
        "true\tnil\t/nonexistent/moonlift-x: No such file or directory\t2",
    ),
    (
        &[(
            "os.rename",
            "\"/nonexistent/moonlift-x\", \"/nonexistent/moonlift-y\"",
        )],
        "true\tnil\tNo such file or directory\t2",
    ),
    (
        &[("os.getenv", "\"MOONLIFT_SURELY_UNSET_VAR\"")],
        "true\tnil",
    ),
    (
        &[
            ("os.execute", "\"exit 3\""),
            ("os.execute", "\"true\""),
            ("os.execute", "\"kill -9 $$\""),
        ],
        "true\tnil\texit\t3\ntrue\ttrue\texit\t0\ntrue\tnil\tsignal\t9",
    ),
    (
        &[
            ("os.setlocale", ""),
            ("os.setlocale", "\"C\""),
            ("os.setlocale", "\"xx_YY\""),
        ],
        "true\tC\ntrue\tC\ntrue\tnil",
    ),
    (
        &[("os.setlocale", "\"C\", \"bogus\"")],
        "false\tbad argument #2 to 'os.setlocale' (invalid option 'bogus')",
    ),
    (
        &[("io.open", "\"/nonexistent/moonlift\"")],
        "true\tnil\t/nonexistent/moonlift: No such file or directory\t2",
    ),
    (
        &[("io.open", "\"/tmp\", \"rb+\"")],
        "false\tbad argument #2 to 'io.open' (invalid mode)",
    ),
    (
        &[("io.open", "\"/tmp\", \"x\"")],
        "false\tbad argument #2 to 'io.open' (invalid mode)",
    ),
    (
        &[("io.lines", "\"/nonexistent/moonlift\"")],
        "false\tcannot open file '/nonexistent/moonlift' (No such file or directory)",
    ),
    (&[("io.type", "42")], "true\tnil"),
    (
        &[("io.type", "")],
        "false\tbad argument #1 to 'io.type' (value expected)",
    ),
    (
        &[("io.read", "\"x\"")],
        "false\tbad argument #1 to 'io.read' (invalid format)",
    ),
    (
        &[("io.write", "{}")],
        "false\tbad argument #1 to 'io.write' (string expected, got table)",
    ),
    (
        &[("io.popen", "\"ls\", \"rw\"")],
        "false\tbad argument #2 to 'io.popen' (invalid mode)",
    ),
    (
        &[("io.input", "\"/nonexistent/moonlift\"")],
        "false\tcannot open file '/nonexistent/moonlift' (No such file or directory)",
    ),
    (
        &[
            ("package.searchpath", "\"a.b\", \"./?.lua;/x/?/init.lua\""),
            ("package.searchpath", "\"a.b\", \"./?.lua\", \"\", \"\""),
        ],
        "true\tnil\tno file './a/b.lua'\n\tno file '/x/a/b/init.lua'\ntrue\tnil\tno file './a.b.lua'",
    ),
    (
        &[("require", "\"moonlift_surely_missing_module.sub\"")],
        "false\tmodule 'moonlift_surely_missing_module.sub' not found:\n\tno field package.preload['moonlift_surely_missing_module.sub']\n\tno file '/usr/local/share/lua/5.4/moonlift_surely_missing_module/sub.lua'\n\tno file '/usr/local/share/lua/5.4/moonlift_surely_missing_module/sub/init.lua'\n\tno file '/usr/local/lib/lua/5.4/moonlift_surely_missing_module/sub.lua'\n\tno file '/usr/local/lib/lua/5.4/moonlift_surely_missing_module/sub/init.lua'\n\tno file '/usr/share/lua/5.4/moonlift_surely_missing_module/sub.lua'\n\tno file '/usr/share/lua/5.4/moonlift_surely_missing_module/sub/init.lua'\n\tno file './moonlift_surely_missing_module/sub.lua'\n\tno file './moonlift_surely_missing_module/sub/init.lua'\n\tno file '/usr/local/lib/lua/5.4/moonlift_surely_missing_module/sub.so'\n\tno file '/usr/lib/x86_64-linux-gnu/lua/5.4/moonlift_surely_missing_module/sub.so'\n\tno file '/usr/lib/lua/5.4/moonlift_surely_missing_module/sub.so'\n\tno file '/usr/local/lib/lua/5.4/loadall.so'\n\tno file './moonlift_surely_missing_module/sub.so'\n\tno file '/usr/local/lib/lua/5.4/moonlift_surely_missing_module.so'\n\tno file '/usr/lib/x86_64-linux-gnu/lua/5.4/moonlift_surely_missing_module.so'\n\tno file '/usr/lib/lua/5.4/moonlift_surely_missing_module.so'\n\tno file '/usr/local/lib/lua/5.4/loadall.so'\n\tno file './moonlift_surely_missing_module.so'",
    ),
];
