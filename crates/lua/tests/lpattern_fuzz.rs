//! Property tests for the pattern engine: no panic and bounded time on arbitrary input.
//!
//! Patterns are drawn from an alphabet rich in pattern syntax so that most inputs exercise
//! sets, quantifiers, captures, `%b`, `%f` and back-references (and their error paths).
//! Subjects are short: Lua patterns have inherent exponential cases (as in PUC-Lua), so time is
//! bounded by input size, not by the engine.

use moonlift_lua::stdlib::lpattern::{self, Capture, GmatchState, StrReplacer};
use proptest::prelude::*;

fn pattern() -> impl Strategy<Value = Vec<u8>> {
    let atom = prop_oneof![
        Just(b"%".to_vec()),
        Just(b"(".to_vec()),
        Just(b")".to_vec()),
        Just(b"()".to_vec()),
        Just(b"[".to_vec()),
        Just(b"]".to_vec()),
        Just(b"^".to_vec()),
        Just(b"$".to_vec()),
        Just(b"*".to_vec()),
        Just(b"+".to_vec()),
        Just(b"-".to_vec()),
        Just(b"?".to_vec()),
        Just(b".".to_vec()),
        Just(b"%b()".to_vec()),
        Just(b"%f[%w]".to_vec()),
        Just(b"%1".to_vec()),
        Just(b"%a".to_vec()),
        Just(b"%S".to_vec()),
        any::<u8>().prop_map(|c| vec![c]),
        prop::sample::select(b"ab(x)0".to_vec()).prop_map(|c| vec![c]),
    ];
    prop::collection::vec(atom, 0..10).prop_map(|v| v.concat())
}

fn subject() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(prop::sample::select(b"ab()x0 %\0\xff".to_vec()), 0..20)
}

/// Checks the invariants every successful result must satisfy.
fn check_caps(s: &[u8], caps: &[Capture]) {
    for c in caps {
        match *c {
            Capture::Slice(a, b) => assert!(a <= b && b <= s.len()),
            Capture::Position(p) => assert!(p <= s.len()),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn engine_never_panics(s in subject(), p in pattern(), init in -25i64..25, repl in pattern()) {
        if let Ok(Some((a, b, caps))) = lpattern::find(&s, &p, init, false) {
            assert!(a <= b && b <= s.len());
            check_caps(&s, &caps);
        }
        if let Ok(Some(caps)) = lpattern::match_str(&s, &p, init) {
            check_caps(&s, &caps);
        }
        let mut g = GmatchState::new(s.len(), init);
        for _ in 0..(s.len() + 2) {
            match g.next(&s, &p) {
                Ok(Some(caps)) => check_caps(&s, &caps),
                _ => break,
            }
        }
        let _ = lpattern::gsub(&s, &p, &mut StrReplacer(&repl), None);
        let _ = lpattern::find(&s, &p, init, true);
    }
}

/// The deepest match Lua allows ([`lpattern::MAXCCALLS`] nested calls) runs on a small native
/// stack instead of overflowing it. An unoptimised build needs about 1 KiB per level (so 256 KiB
/// here); an optimised one far less (see the module report in `lpattern.rs`).
#[test]
fn deepest_match_fits_in_small_stack() {
    const STACK: usize = if cfg!(debug_assertions) {
        256 << 10
    } else {
        64 << 10
    };
    std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(|| {
            let s = vec![b'a'; 199];
            let p = b".?".repeat(199);
            let r = lpattern::match_str(&s, &p, 1).unwrap();
            assert_eq!(r, Some(vec![Capture::Slice(0, 199)]));
            let s = vec![b'a'; 200];
            let p = b".?".repeat(200);
            assert_eq!(
                lpattern::match_str(&s, &p, 1),
                Err(lpattern::PatternError::TooComplex)
            );
            let p = [b"(".repeat(32), b")".repeat(32)].concat();
            assert!(lpattern::find(&s, &p, 1, false).unwrap().is_some());
        })
        .unwrap()
        .join()
        .unwrap();
}

/// Reference scan without the start filter: try every position in turn, as `lstrlib.c` does.
fn reference_find(s: &[u8], p: &[u8]) -> Result<Option<(usize, usize)>, lpattern::PatternError> {
    let (anchor, p) = match p.first() {
        Some(b'^') => (true, &p[1..]),
        _ => (false, p),
    };
    let mut ms = lpattern::MatchState::new(s, p);
    for s1 in 0..=s.len() {
        if let Some(e) = ms.match_at(s1)? {
            ms.captures(s1, e, false)?; // `find` reports capture errors too
            return Ok(Some((s1, e)));
        }
        if anchor {
            break;
        }
    }
    Ok(None)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    /// Skipping start positions that cannot match never changes a result or an error.
    #[test]
    fn start_filter_is_transparent(s in subject(), p in pattern()) {
        // Force the matcher path (a leading '(' would disable the filter; '.' keeps it).
        let p = [b".".as_slice(), &p].concat();
        for q in [&p[1..], &p[..]] {
            let got = lpattern::find(&s, q, 1, false).map(|r| r.map(|(a, b, _)| (a, b)));
            let has_specials = q.iter().any(|c| b"^$*+?.([%-".contains(c));
            if has_specials {
                prop_assert_eq!(got, reference_find(&s, q));
            }
        }
    }
}
