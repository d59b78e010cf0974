//! `os` library behaviour compared with PUC-Lua 5.4.4: each case is a chunk (named `=test`)
//! whose results (`tostring`, tab-separated) or error (`ERR: message`) were produced by `lua5.4`.

mod stdlib_support;

#[test]
fn os_library_matches_lua54() {
    stdlib_support::check_all(CASES);
}

/// (chunk, expected output) pairs.
const CASES: &[(&str, &str)] = &[
    (
        "return os.time({year = 2020, month = 1, day = 1, hour = 0}) - os.time({year = 2019, month = 12, day = 31, hour = 0})",
        "86400",
    ),
    (
        "return os.time({year = 2020, month = 1})",
        "ERR: test:1: field 'day' missing in date table",
    ),
    (
        "return os.time({year = 2020, month = 1, day = \"x\"})",
        "ERR: test:1: field 'day' is not an integer",
    ),
    (
        "return os.time({year = 2020, month = 1, day = 1.5})",
        "ERR: test:1: field 'day' is not an integer",
    ),
    (
        "return os.time({year = 2020, month = 1, day = 2^40})",
        "ERR: test:1: field 'day' is out-of-bound",
    ),
    (
        "local t = {year = 2020, month = 14, day = 35, hour = 25} os.time(t) return t.year, t.month, t.day, t.hour, t.min, t.sec, t.yday, t.wday, t.isdst",
        "2021\t3\t8\t1\t0\t0\t67\t2\tfalse",
    ),
    (
        "return os.date(\"!%Y-%m-%d %H:%M:%S\", 0), os.date(\"!%c\", 1e9), os.date(\"!%x %X %p %j %a %A %b %B\", 1e9)",
        "1970-01-01 00:00:00\tSun Sep  9 01:46:40 2001\t09/09/01 01:46:40 AM 252 Sun Sunday Sep September",
    ),
    (
        "local t = os.date(\"!*t\", 86400 * 365) return t.year, t.month, t.day, t.hour, t.min, t.sec, t.yday, t.wday, t.isdst",
        "1971\t1\t1\t0\t0\t0\t1\t6\tfalse",
    ),
    (
        "return os.date(\"%Ez\")",
        "ERR: test:1: bad argument #1 to 'date' (invalid conversion specifier '%Ez')",
    ),
    (
        "return os.date(\"abc%\")",
        "ERR: test:1: bad argument #1 to 'date' (invalid conversion specifier '%')",
    ),
    (
        "return os.date(\"%Y\", 1.5)",
        "ERR: test:1: bad argument #2 to 'date' (number has no integer representation)",
    ),
    (
        "return os.date(\"*t\", \"x\")",
        "ERR: test:1: bad argument #2 to 'date' (number expected, got string)",
    ),
    (
        "return os.difftime(10, 5), type(os.clock()), type(os.time())",
        "5.0\tnumber\tnumber",
    ),
    (
        "return os.difftime(10)",
        "ERR: test:1: bad argument #2 to 'difftime' (number expected, got no value)",
    ),
    (
        "return os.remove(\"/nonexistent/moonlift-x\")",
        "nil\t/nonexistent/moonlift-x: No such file or directory\t2",
    ),
    (
        "return os.rename(\"/nonexistent/moonlift-x\", \"/nonexistent/moonlift-y\")",
        "nil\tNo such file or directory\t2",
    ),
    (
        "return os.getenv(\"MOONLIFT_SURELY_UNSET_VAR\"), type(os.getenv(\"HOME\"))",
        "nil\tstring",
    ),
    (
        "local n = os.tmpname() local ok = os.remove(n) return type(n), ok",
        "string\ttrue",
    ),
    ("return os.execute(\"exit 3\")", "nil\texit\t3"),
    ("return os.execute(\"true\")", "true\texit\t0"),
    ("return os.execute(\"kill -9 $$\")", "nil\tsignal\t9"),
    ("return (os.execute())", "true"),
    (
        "return os.setlocale(), os.setlocale(\"C\"), os.setlocale(\"xx_YY\")",
        "C\tC\tnil",
    ),
];
