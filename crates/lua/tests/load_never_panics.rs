//! Bad input never crashes the loader (issue 2, item 9): whatever bytes reach [`Vm::load`] —
//! random bytes, mutated Lua source, mutated binary chunks — the result is a function or a Lua
//! error value, never a panic (a panic fails the proptest case; an abort or a hang fails the test
//! run). The case count is bounded (`PROPTEST_CASES`, default 256 per property) so CI stays fast;
//! the cargo-fuzz target `fuzz/fuzz_targets/load.rs` runs the same check unbounded.

use moonlift_lua::vm::Vm;
use proptest::prelude::*;

/// Lua snippets covering the grammar: statements, expressions, literals, long brackets, escapes,
/// attributes, goto. Mutations of them reach the front end's error paths at every position.
const SNIPPETS: &[&str] = &[
    "local x <const> = 1 + 2 * 3 ^ 4 // 5 % 6 return x",
    "local t = {1, 2, [3] = 'x', y = \"\\x41\\u{48}\\65\\z\n  \", [[long]], [==[ ]] ]==]} return #t",
    "for i = 1, 10, 2 do if i % 3 == 0 then goto continue end print(i) ::continue:: end",
    "local function f(a, b, ...) return select('#', ...), a and b or nil end return f(1, 2, 3)",
    "while true do break end repeat local y = 1 until y == 1",
    "local a <close> = nil do local b = function() return a end end",
    "return 0x1p-4, 0xA.8p0, 1e10, .5, 3., 0xffffffffffffffff, 9223372036854775808",
    "local s = 'a' .. \"b\" .. [[c]] --[[ comment ]] -- line\nreturn s:upper()",
    "t = setmetatable({}, {__index = function(t, k) return k end}) return t.x, t[1], t:m()",
    "local x = ~5 & 3 | 2 ~ 1 << 4 >> 1 return not x == -x, #'abc' < 2 <= 3 > 1 >= 0 ~= 5",
    "function a.b.c:d(...) local e, f = ..., {...} return e end",
    "for k, v in pairs({}) do local _ENV = {} x = k end",
    "if a then elseif b then else end return",
    "return function() return function() return ... end end",
    "local a, b, c = (f())(), g{}, h'' return a.b.c[d]:e(f)",
];

/// Binary chunks made by lua5.4's `string.dump` (with and without debug info) of two small
/// functions of ours; mutations of them drive the undump path deep into function bodies.
const DUMPED: &[&[u8]] = &[
    b"\
      \x1b\x4c\x75\x61\x54\x00\x19\x93\x0d\x0a\x1a\x0a\x04\x08\x08\x78\x56\x00\x00\x00\x00\x00\x00\x00\
      \x00\x00\x00\x00\x28\x77\x40\x01\x89\x3d\x66\x69\x78\x74\x75\x72\x65\x80\x80\x00\x01\x07\x98\x51\
      \x00\x00\x00\x13\x00\x01\x03\x52\x00\x00\x00\x81\x00\x00\x80\x03\x01\x00\x00\x83\x81\x00\x00\x12\
      \x80\x02\x03\x4e\x00\x03\x00\x81\x00\x00\x80\x34\x01\x00\x00\x81\x01\x00\x80\xca\x00\x02\x00\x8b\
      \x02\x00\x04\x0c\x03\x00\x04\xc4\x02\x02\x02\x10\x00\x04\x05\xc9\x80\x02\x00\x8b\x00\x00\x05\x8e\
      \x00\x01\x06\x00\x01\x00\x00\x83\x81\x03\x00\xc5\x00\x03\x01\xc6\x00\x00\x01\xc6\x00\x01\x01\x88\
      \x13\x00\x00\x00\x00\x00\x00\x04\x40\x04\x84\x73\x74\x72\x04\x82\x78\x11\x04\x89\x74\x6f\x73\x74\
      \x72\x69\x6e\x67\x04\x86\x74\x61\x62\x6c\x65\x04\x87\x63\x6f\x6e\x63\x61\x74\x04\x82\x2c\x81\x01\
      \x00\x00\x80\x98\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\
      \x00\x00\x00\x00\x80\x85\x82\x74\x88\x98\x8c\x28\x66\x6f\x72\x20\x73\x74\x61\x74\x65\x29\x8b\x91\
      \x8c\x28\x66\x6f\x72\x20\x73\x74\x61\x74\x65\x29\x8b\x91\x8c\x28\x66\x6f\x72\x20\x73\x74\x61\x74\
      \x65\x29\x8b\x91\x82\x69\x8c\x90\x81\x85\x5f\x45\x4e\x56\
    ",
    b"\
      \x1b\x4c\x75\x61\x54\x00\x19\x93\x0d\x0a\x1a\x0a\x04\x08\x08\x78\x56\x00\x00\x00\x00\x00\x00\x00\
      \x00\x00\x00\x00\x28\x77\x40\x01\x80\x80\x80\x00\x01\x07\x98\x51\x00\x00\x00\x13\x00\x01\x03\x52\
      \x00\x00\x00\x81\x00\x00\x80\x03\x01\x00\x00\x83\x81\x00\x00\x12\x80\x02\x03\x4e\x00\x03\x00\x81\
      \x00\x00\x80\x34\x01\x00\x00\x81\x01\x00\x80\xca\x00\x02\x00\x8b\x02\x00\x04\x0c\x03\x00\x04\xc4\
      \x02\x02\x02\x10\x00\x04\x05\xc9\x80\x02\x00\x8b\x00\x00\x05\x8e\x00\x01\x06\x00\x01\x00\x00\x83\
      \x81\x03\x00\xc5\x00\x03\x01\xc6\x00\x00\x01\xc6\x00\x01\x01\x88\x13\x00\x00\x00\x00\x00\x00\x04\
      \x40\x04\x84\x73\x74\x72\x04\x82\x78\x11\x04\x89\x74\x6f\x73\x74\x72\x69\x6e\x67\x04\x86\x74\x61\
      \x62\x6c\x65\x04\x87\x63\x6f\x6e\x63\x61\x74\x04\x82\x2c\x81\x01\x00\x00\x80\x80\x80\x80\x80\
    ",
    b"\
      \x1b\x4c\x75\x61\x54\x00\x19\x93\x0d\x0a\x1a\x0a\x04\x08\x08\x78\x56\x00\x00\x00\x00\x00\x00\x00\
      \x00\x00\x00\x00\x28\x77\x40\x01\x89\x3d\x66\x69\x78\x74\x75\x72\x65\x80\x80\x00\x01\x05\x8b\x51\
      \x00\x00\x00\x4f\x00\x00\x00\x80\x00\x00\x00\x01\x01\x00\x80\x81\x81\x00\x80\x01\x02\x01\x80\xc4\
      \x00\x04\x02\x01\x81\x01\x80\xc5\x00\x02\x01\xc6\x00\x00\x01\xc6\x00\x01\x01\x80\x81\x01\x00\x00\
      \x81\x80\x81\x81\x01\x01\x06\x89\xd1\x00\x00\x00\x80\x00\x00\x00\x4f\x01\x00\x00\x8b\x01\x00\x00\
      \x03\x82\x00\x00\xd0\x02\x00\x00\xc4\x01\x00\x00\x46\x81\x00\x02\x46\x81\x01\x02\x82\x04\x87\x73\
      \x65\x6c\x65\x63\x74\x04\x82\x23\x81\x00\x00\x00\x81\x80\x81\x81\x01\x00\x02\x87\x89\x00\x00\x00\
      \xa2\x00\x01\x00\xae\x00\x00\x06\x8a\x00\x00\x00\x89\x00\x00\x00\xc8\x00\x02\x00\xc7\x00\x01\x00\
      \x80\x81\x01\x01\x00\x80\x87\x00\x00\x00\x00\x00\x00\x00\x80\x81\x82\x62\x80\x87\x81\x82\x75\x89\
      \x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x82\x82\x61\x80\x89\x82\x75\x82\x89\x81\x85\x5f\x45\x4e\
      \x56\x8b\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x81\x82\x66\x82\x8b\x81\x85\x5f\x45\x4e\
      \x56\
    ",
    b"\
      \x1b\x4c\x75\x61\x54\x00\x19\x93\x0d\x0a\x1a\x0a\x04\x08\x08\x78\x56\x00\x00\x00\x00\x00\x00\x00\
      \x00\x00\x00\x00\x28\x77\x40\x01\x80\x80\x80\x00\x01\x05\x8b\x51\x00\x00\x00\x4f\x00\x00\x00\x80\
      \x00\x00\x00\x01\x01\x00\x80\x81\x81\x00\x80\x01\x02\x01\x80\xc4\x00\x04\x02\x01\x81\x01\x80\xc5\
      \x00\x02\x01\xc6\x00\x00\x01\xc6\x00\x01\x01\x80\x81\x01\x00\x00\x81\x80\x81\x81\x01\x01\x06\x89\
      \xd1\x00\x00\x00\x80\x00\x00\x00\x4f\x01\x00\x00\x8b\x01\x00\x00\x03\x82\x00\x00\xd0\x02\x00\x00\
      \xc4\x01\x00\x00\x46\x81\x00\x02\x46\x81\x01\x02\x82\x04\x87\x73\x65\x6c\x65\x63\x74\x04\x82\x23\
      \x81\x00\x00\x00\x81\x80\x81\x81\x01\x00\x02\x87\x89\x00\x00\x00\xa2\x00\x01\x00\xae\x00\x00\x06\
      \x8a\x00\x00\x00\x89\x00\x00\x00\xc8\x00\x02\x00\xc7\x00\x01\x00\x80\x81\x01\x01\x00\x80\x80\x80\
      \x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\
    ",
];

fn check(chunk: &[u8]) {
    let mut vm = Vm::new();
    // Both text and binary paths ("bt"), then the mode checks ("t", "b").
    let _ = vm.load(chunk, b"=fuzz", "bt", None);
    let _ = vm.load(chunk, b"@fuzz.lua", "t", None);
    let _ = vm.load(chunk, b"fuzz", "b", None);
}

/// One byte-level edit of a snippet: replace, insert, delete, truncate, or splice a token.
#[derive(Debug, Clone)]
enum Edit {
    Replace(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    Truncate(usize),
    Splice(usize, &'static str),
}

fn edit() -> impl Strategy<Value = Edit> {
    let tokens = prop::sample::select(vec![
        "end",
        "(",
        ")",
        "[[",
        "]]",
        "[=[",
        "\"",
        "'",
        "\\",
        "..",
        "...",
        "::",
        "goto",
        "local",
        "function",
        "<close>",
        "<const>",
        "0x",
        "1e",
        "--[[",
        "\n",
        "\0",
        "\u{1b}Lua",
        "{",
        "}",
        "=",
        "==",
        "~=",
        "return",
        "break",
        "\\u{",
        "\\x",
        "\\z",
        "%",
    ]);
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Replace(i, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Insert(i, b)),
        any::<usize>().prop_map(Edit::Delete),
        any::<usize>().prop_map(Edit::Truncate),
        (any::<usize>(), tokens).prop_map(|(i, t)| Edit::Splice(i, t)),
    ]
}

fn apply(src: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut s = src.to_vec();
    for e in edits {
        let n = s.len();
        match *e {
            Edit::Replace(i, b) if n > 0 => s[i % n] = b,
            Edit::Insert(i, b) => s.insert(i % (n + 1), b),
            Edit::Delete(i) if n > 0 => {
                s.remove(i % n);
            }
            Edit::Truncate(i) => s.truncate(i % (n + 1)),
            Edit::Splice(i, t) => {
                let at = i % (n + 1);
                s.splice(at..at, t.bytes());
            }
            _ => {}
        }
    }
    s
}

/// A plausible binary-chunk header (`\x1bLua`, version 0x54, format 0, LUAC_DATA, sizes,
/// LUAC_INT, LUAC_NUM) followed by arbitrary bytes: exercises the undump path past the header.
fn binary_header() -> Vec<u8> {
    let mut h = b"\x1bLua\x54\x00\x19\x93\r\n\x1a\n\x04\x08\x08".to_vec();
    h.extend_from_slice(&0x5678i64.to_le_bytes());
    h.extend_from_slice(&370.5f64.to_le_bytes());
    h
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256),
        failure_persistence: None,
        .. ProptestConfig::default()
    })]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        check(&bytes);
    }

    #[test]
    fn mutated_snippets_never_panic(
        idx in 0..SNIPPETS.len(),
        edits in prop::collection::vec(edit(), 1..6),
    ) {
        check(&apply(SNIPPETS[idx].as_bytes(), &edits));
    }

    #[test]
    fn random_binary_chunks_never_panic(
        tail in prop::collection::vec(any::<u8>(), 0..200),
        edits in prop::collection::vec(edit(), 0..3),
    ) {
        let mut chunk = binary_header();
        chunk.extend_from_slice(&tail);
        // Keep the escape byte so the binary path is taken, but let edits damage the header.
        let mut chunk = apply(&chunk, &edits);
        if chunk.first() != Some(&0x1b) {
            chunk.insert(0, 0x1b);
        }
        check(&chunk);
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256),
        failure_persistence: None,
        .. ProptestConfig::default()
    })]

    #[test]
    fn mutated_dumped_chunks_never_panic(
        idx in 0..DUMPED.len(),
        edits in prop::collection::vec(edit(), 1..4),
    ) {
        check(&apply(DUMPED[idx], &edits));
    }
}

#[test]
fn dumped_chunks_and_every_truncation_never_panic() {
    for chunk in DUMPED {
        check(chunk);
        for n in 0..chunk.len() {
            check(&chunk[..n]);
        }
    }
}

#[test]
fn known_nasty_inputs_never_panic() {
    let deep_parens = format!("return {}1{}", "(".repeat(10_000), ")".repeat(10_000));
    let deep_tables = format!("return {}{}", "{".repeat(10_000), "}".repeat(10_000));
    let long_concat = format!("return 'a'{}", " .. 'a'".repeat(10_000));
    let many_locals = "local a ".repeat(1_000);
    let deep_blocks = format!("{}{}", "do ".repeat(10_000), "end ".repeat(10_000));
    let deep_unary = format!("return {}1", "- ".repeat(100_000));
    let cases: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"\x1b".to_vec(),
        b"\x1bLua".to_vec(),
        binary_header(),
        b"\xff\xfe\xfd".to_vec(),
        b"return '\\u{7FFFFFFF}\\u{80000000}'".to_vec(),
        b"return 0x".to_vec(),
        b"--[==[ unterminated".to_vec(),
        b"goto x; ::x:: ::x::".to_vec(),
        deep_parens.into_bytes(),
        deep_tables.into_bytes(),
        long_concat.into_bytes(),
        many_locals.into_bytes(),
        deep_blocks.into_bytes(),
        deep_unary.into_bytes(),
    ];
    for c in &cases {
        check(c);
    }
}
