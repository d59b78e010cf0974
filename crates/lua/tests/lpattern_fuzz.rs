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
