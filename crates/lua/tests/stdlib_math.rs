//! `math` library behaviour compared with PUC-Lua 5.4.4: each case is a chunk (named `=test`)
//! whose results (`tostring`, tab-separated) or error (`ERR: message`) were produced by `lua5.4`.

mod stdlib_support;

#[test]
fn math_library_matches_lua54() {
    stdlib_support::check_all(CASES);
}

/// (chunk, expected output) pairs.
const CASES: &[(&str, &str)] = &[
    (
        "return math.floor(3.7), math.floor(-3.5), math.ceil(3.2), math.floor(5), math.floor(2^70), math.floor(-0.0)",
        "3\t-4\t4\t5\t1.1805916207174e+21\t0",
    ),
    (
        "return math.type(math.floor(3.7)), math.type(math.floor(2^70)), math.type(math.ceil(-0.5))",
        "integer\tfloat\tinteger",
    ),
    (
        "return math.fmod(7, 3), math.fmod(-7, 3), math.fmod(7, -3), math.fmod(7.5, 2), math.fmod(math.mininteger, -1)",
        "1\t-1\t1\t1.5\t0",
    ),
    (
        "return math.fmod(1, 0)",
        "ERR: test:1: bad argument #2 to 'fmod' (zero)",
    ),
    ("return math.fmod(1, 0.0), math.fmod(-6.0, 3)", "-nan\t-0.0"),
    ("return math.modf(3.7)", "3\t0.7"),
    ("return math.modf(-3.7)", "-3\t-0.7"),
    ("return math.modf(5)", "5\t0.0"),
    ("return math.modf(1/0)", "inf\t0.0"),
    ("return math.modf(2^70)", "1.1805916207174e+21\t0.0"),
    (
        "return math.log(8, 2), math.log(100, 10), math.log(27, 3), math.log(1), math.exp(0)",
        "3.0\t2.0\t3.0\t0.0\t1.0",
    ),
    (
        "return math.abs(math.mininteger), math.abs(-2.5), math.abs(-0.0), math.abs(-3)",
        "-9223372036854775808\t2.5\t0.0\t3",
    ),
    (
        "return math.ult(1, -1), math.type(1), math.type(1.0), math.type(\"1\")",
        "true\tinteger\tfloat\tnil",
    ),
    (
        "return math.type()",
        "ERR: test:1: bad argument #1 to 'type' (value expected)",
    ),
    (
        "return math.huge, -math.huge, math.pi, math.maxinteger, math.mininteger",
        "inf\t-inf\t3.1415926535898\t9223372036854775807\t-9223372036854775808",
    ),
    (
        "return math.atan(1, 2), math.atan(1), math.sqrt(2), math.sin(1), math.cos(1), math.tan(1)",
        "0.46364760900081\t0.78539816339745\t1.4142135623731\t0.8414709848079\t0.54030230586814\t1.5574077246549",
    ),
    (
        "return math.asin(0.5), math.acos(0.5), math.deg(1), math.rad(180)",
        "0.5235987755983\t1.0471975511966\t57.295779513082\t3.1415926535898",
    ),
    (
        "return math.max(1, 2.0, 2), math.min(1.0, 1), math.max(3), math.max(\"a\", \"b\"), math.min(3, 1, 2)",
        "2.0\t1.0\t3\tb\t1",
    ),
    (
        "return math.max()",
        "ERR: test:1: bad argument #1 to 'max' (value expected)",
    ),
    (
        "return math.tointeger(3.0), math.tointeger(3.5), math.tointeger(\"8\"), math.tointeger({})",
        "3\tnil\t8\tnil",
    ),
    (
        "return math.tointeger()",
        "ERR: test:1: bad argument #1 to 'tointeger' (value expected)",
    ),
    (
        "return math.floor(\"x\")",
        "ERR: test:1: bad argument #1 to 'floor' (number expected, got string)",
    ),
    (
        "return math.floor(\"3.7\"), math.abs(\"-3\"), math.sqrt(\"4\")",
        "3\t3.0\t2.0",
    ),
    (
        "math.randomseed(42) return math.random(1, 100), math.random()",
        "50\t0.54688311243421",
    ),
    (
        "math.randomseed(42) local t = {} for i = 1, 5 do t[i] = math.random(0) end return t[1], t[2], t[3], t[4], t[5]",
        "-1276290044721465627\t8333941968102511665\t-8358531260401861301\t-3807604385970496171\t-7059243630996204619",
    ),
    (
        "math.randomseed(42) return math.random(), math.random(1, 6), math.random(100), math.random(math.mininteger, math.maxinteger), math.random(0, 2^40)",
        "0.93081217803957\t2\t76\t5415767650884279637\t870823234111",
    ),
    (
        "math.randomseed(-1, 12345) return math.random(0), math.random(), math.random(1, 1000000007)",
        "-5569003315092206787\t0.092078284884548\t7760855",
    ),
    ("return math.randomseed(7, 8)", "7\t8"),
    (
        "math.randomseed(3) for i = 1, 1000 do local r = math.random(-3, 3) if r < -3 or r > 3 then return \"bad\" end end local f = math.random() return f >= 0 and f < 1",
        "true",
    ),
    (
        "return math.random(2, 1)",
        "ERR: test:1: bad argument #1 to 'random' (interval is empty)",
    ),
    (
        "return math.random(1, 2, 3)",
        "ERR: test:1: wrong number of arguments",
    ),
    (
        "return math.random(1.5)",
        "ERR: test:1: bad argument #1 to 'random' (number has no integer representation)",
    ),
    (
        "return math.randomseed(1.5)",
        "ERR: test:1: bad argument #1 to 'randomseed' (number has no integer representation)",
    ),
];
