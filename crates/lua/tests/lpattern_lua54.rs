//! Compares the pattern engine (`stdlib::lpattern`) with PUC-Lua 5.4 on ~9,400 recorded cases.
//!
//! `data/lpattern_cases.txt` was produced by `lua5.4 data/gen_lpattern.lua` (format described
//! there): `string.find`, `match`, `gmatch` and `gsub` over many subjects and patterns, every
//! pattern error, `init` values, plain find, replacement strings, `n` limits and adversarial
//! patterns (deep recursion, many captures, long `%b` runs).

use moonlift_lua::stdlib::lpattern::{self, Capture, GmatchState, StrReplacer};

/// Undoes the generator's `\xNN` escaping.
fn unesc(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 3 < b.len() + 1 && b.get(i + 1) == Some(&b'x') {
            let h = std::str::from_utf8(&b[i + 2..i + 4]).unwrap();
            out.push(u8::from_str_radix(h, 16).unwrap());
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

/// Escapes like the generator's `esc` so results compare as text.
fn esc(s: &[u8]) -> String {
    let mut out = String::new();
    for &c in s {
        if c < 32 || c == 127 || c >= 128 || c == b'\\' {
            out.push_str(&format!("\\x{c:02x}"));
        } else {
            out.push(c as char);
        }
    }
    out
}

fn cap(src: &[u8], c: Capture) -> String {
    match c {
        Capture::Slice(a, b) => format!("s:{}", esc(&src[a..b])),
        Capture::Position(p) => format!("n:{}", p + 1),
    }
}

fn arg_int(a: &str) -> Option<i64> {
    if a == "-" {
        None
    } else {
        Some(a.parse().unwrap())
    }
}

fn run(kind: &str, s: &[u8], p: &[u8], a1: &[u8], a2: &str) -> Vec<String> {
    let a1s = std::str::from_utf8(a1).unwrap_or("-");
    let r: Result<Vec<String>, lpattern::PatternError> = match kind {
        "find" => {
            let init = arg_int(a1s).unwrap_or(1);
            lpattern::find(s, p, init, a2 == "1").map(|r| match r {
                None => vec!["nil".into()],
                Some((a, b, caps)) => {
                    let mut v = vec![format!("n:{}", a + 1), format!("n:{b}")];
                    v.extend(caps.into_iter().map(|c| cap(s, c)));
                    v
                }
            })
        }
        "match" => lpattern::match_str(s, p, arg_int(a1s).unwrap_or(1)).map(|r| match r {
            None => vec!["nil".into()],
            Some(caps) => caps.into_iter().map(|c| cap(s, c)).collect(),
        }),
        "gmatch" => {
            let mut st = GmatchState::new(s.len(), arg_int(a1s).unwrap_or(1));
            let mut v = Vec::new();
            (|| {
                for _ in 0..40 {
                    match st.next(s, p)? {
                        None => break,
                        Some(caps) => {
                            // The generator records at most three values per iteration.
                            v.extend(caps.into_iter().take(3).map(|c| cap(s, c)));
                            v.push("/".into());
                        }
                    }
                }
                Ok(v)
            })()
        }
        "gsub" => {
            let mut r = StrReplacer(a1);
            lpattern::gsub(s, p, &mut r, arg_int(a2))
                .map(|(out, n)| vec![format!("s:{}", esc(&out)), format!("n:{n}")])
        }
        _ => panic!("unknown kind {kind}"),
    };
    r.unwrap_or_else(|e| vec![format!("e:{}", esc(e.to_string().as_bytes()))])
}

#[test]
fn matches_lua54_recorded_cases() {
    let data = include_str!("data/lpattern_cases.txt");
    let mut failures = Vec::new();
    let mut n = 0;
    for line in data.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let (kind, s, p, a1, a2) = (f[0], unesc(f[1]), unesc(f[2]), unesc(f[3]), f[4]);
        let expected: Vec<String> = f[5..]
            .iter()
            .filter(|x| !x.is_empty())
            .map(|x| x.to_string())
            .collect();
        let got = run(kind, &s, &p, &a1, a2);
        n += 1;
        if got != expected {
            failures.push(format!(
                "{kind} s={:?} p={:?} a1={:?} a2={a2}\n  expected {expected:?}\n  got      {got:?}",
                esc(&s).chars().take(60).collect::<String>(),
                esc(&p),
                esc(&a1)
            ));
        }
    }
    assert!(n > 9000, "case file truncated ({n} cases)");
    assert!(
        failures.is_empty(),
        "{} of {n} cases differ from lua5.4:\n{}",
        failures.len(),
        failures
            .iter()
            .take(25)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
