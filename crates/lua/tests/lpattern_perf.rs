//! Timing of the pattern and pack engines on string-heavy workloads (run with
//! `cargo test --release -p moonlift-lua --test lpattern_perf -- --ignored --nocapture`).
//! The same workloads in Lua are in `data/perf.lua` for comparison with `lua5.4`.

use moonlift_lua::stdlib::lpattern::{self, GmatchState, StrReplacer};
use moonlift_lua::stdlib::pack::{self, PackValue};
use std::time::Instant;

fn subject() -> Vec<u8> {
    let mut s = Vec::new();
    for i in 0..20000 {
        s.extend_from_slice(format!("key{i} = value{i}; ").as_bytes());
    }
    s
}

#[test]
#[ignore]
fn pattern_workloads() {
    let s = subject();
    let t = Instant::now();
    let mut n = 0;
    for _ in 0..10 {
        let mut g = GmatchState::new(s.len(), 1);
        while let Some(c) = g.next(&s, b"(%w+)%s*=%s*(%w+)").unwrap() {
            n += c.len();
        }
    }
    println!("gmatch (%w+)%s*=%s*(%w+) x10: {:?} ({n})", t.elapsed());

    let t = Instant::now();
    let mut total = 0;
    for _ in 0..10 {
        let (out, k) = lpattern::gsub(&s, b"%d+", &mut StrReplacer(b"<%0>"), None).unwrap();
        total += out.len() + k as usize;
    }
    println!("gsub %d+ -> <%0> x10: {:?} ({total})", t.elapsed());

    let t = Instant::now();
    let mut hits = 0;
    for i in 0..200 {
        let pat = format!("value{}", i * 10);
        if lpattern::find(&s, pat.as_bytes(), 1, false)
            .unwrap()
            .is_some()
        {
            hits += 1;
        }
        if lpattern::find(&s, b"key1999%d;", 1, false)
            .unwrap()
            .is_none()
        {
            hits += 1;
        }
    }
    println!("find (plain + pattern) x200: {:?} ({hits})", t.elapsed());

    let t = Instant::now();
    let mut m = 0;
    for _ in 0..10 {
        if let Some(c) = lpattern::match_str(&s, b"^(.-)%s*$", 1).unwrap() {
            m += c.len();
        }
    }
    println!("match ^(.-)%s*$ x10: {:?} ({m})", t.elapsed());

    let t = Instant::now();
    let vals = [
        PackValue::Int(7),
        PackValue::Float(2.5),
        PackValue::Str(b"hello".to_vec()),
    ];
    let mut sz = 0;
    for _ in 0..200000 {
        let b = pack::pack(b"<i4 d s1", &mut &vals[..]).unwrap();
        let (v, _) = pack::unpack(b"<i4 d s1", &b, 1).unwrap();
        sz += b.len() + v.len();
    }
    println!("pack+unpack x200000: {:?} ({sz})", t.elapsed());
}
