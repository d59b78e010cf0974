//! Re-checks the committed corpus expectations against a live PUC-Lua 5.4 (DESIGN.md §7: CI
//! installs `lua5.4` and re-runs a sample). Every 10th script of `tests/lua` (in sorted order,
//! starting with the first) runs through `lua5.4` exactly as `tests/tools/regen.sh` runs it; its
//! stdout, exit status and whole stderr (program name `lua5.4:` rewritten to `moonlift:`) must
//! equal `X.out`, `X.status`, `X.err`. If `lua5.4` is not installed the test prints a message and
//! passes (nothing to check against). `MOONLIFT_LIVE_LUA_ALL=1` checks every script.

mod support;

use std::path::PathBuf;
use std::time::Duration;

/// `lua5.4` found on the fixed PATH of [`support::ENVIRONMENT`].
fn find_lua() -> Option<PathBuf> {
    let path = support::ENVIRONMENT
        .iter()
        .find(|(k, _)| *k == "PATH")
        .map(|(_, v)| *v)?;
    path.split(':')
        .map(|d| PathBuf::from(d).join("lua5.4"))
        .find(|p| p.is_file())
}

/// Rewrites a leading `lua5.4: ` of every line to `moonlift: ` (what `regen.sh` does with sed).
fn rename_program(stderr: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(stderr.len());
    for line in stderr.split_inclusive(|&b| b == b'\n') {
        match line.strip_prefix(b"lua5.4: ") {
            Some(rest) => {
                out.extend_from_slice(b"moonlift: ");
                out.extend_from_slice(rest);
            }
            None => out.extend_from_slice(line),
        }
    }
    out
}

#[test]
fn committed_expectations_match_live_lua() {
    let Some(lua) = find_lua() else {
        println!("live_lua: lua5.4 is not installed; skipping the live re-check");
        return;
    };
    let dir = support::corpus_dir();
    let all = std::env::var("MOONLIFT_LIVE_LUA_ALL").is_ok_and(|v| v == "1");
    let scripts: Vec<String> = support::scripts(&dir)
        .into_iter()
        .enumerate()
        .filter(|(i, _)| all || i % 10 == 0)
        .map(|(_, s)| s)
        .collect();
    let mut mismatches = Vec::new();
    for script in &scripts {
        let exp = match support::expected(&dir, script) {
            Ok(e) => e,
            Err(e) => {
                mismatches.push(format!("{script}: {e}"));
                continue;
            }
        };
        // Invoke by the name `lua5.4` (via the fixed PATH) so messages say `lua5.4:`.
        let got = support::run_script(
            std::path::Path::new("lua5.4"),
            &[],
            &[],
            &dir,
            script,
            Duration::from_secs(60),
        )
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", lua.display()));
        let stderr = rename_program(&got.stderr);
        if got.stdout != exp.stdout {
            mismatches.push(format!(
                "{script}: stdout differs at {}",
                support::first_difference(&exp.stdout, &got.stdout)
            ));
        }
        if stderr != exp.stderr {
            mismatches.push(format!(
                "{script}: stderr differs at {}",
                support::first_difference(&exp.stderr, &stderr)
            ));
        }
        if got.status != Some(exp.status) {
            mismatches.push(format!(
                "{script}: status {:?}, expected {}",
                got.status, exp.status
            ));
        }
    }
    println!(
        "live_lua: {} script(s) re-run on {}, {} mismatch(es)",
        scripts.len(),
        lua.display(),
        mismatches.len()
    );
    assert!(
        mismatches.is_empty(),
        "committed expectations disagree with live lua5.4 (regenerate with \
         tests/tools/regen.sh):\n{}",
        mismatches.join("\n")
    );
}
