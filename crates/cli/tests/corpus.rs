//! The Lua corpus: every `tests/lua/*.lua` script run by `moonlift` under each execution mode
//! and compared with the output PUC-Lua 5.4 gave (committed next to the script, see
//! `tests/tools/regen.sh` and DESIGN.md §7).
//!
//! For each script and each mode of `MOONLIFT_TEST_MODES` (comma-separated, default
//! `off,on,eager` plus, in optimized builds (what CI runs), `eager:MOONLIFT_GC_STRESS=1`,
//! `on:MOONLIFT_JIT_THRESHOLD=2`, `on:MOONLIFT_JIT_THRESHOLD=3:MOONLIFT_GC_STRESS=1` and
//! `on:MOONLIFT_JIT_THRESHOLD=50:MOONLIFT_JIT_BACKGROUND=0` (synchronous compiles the moment a
//! counter trips: OSR regions of main chunks and their later whole compiles, and code trimmed
//! by fifty runs' feedback meeting other kinds of values, happen at fixed points of every run);
//! passed as `--jit=<mode>`; a mode may add environment variables for stress variants: a full
//! collection at every allocation check, and adaptive thresholds so low that nearly every
//! proto is compiled in the background while it runs, installed mid-run, speculates on
//! one or two runs' feedback and deoptimizes) the harness runs
//! `moonlift --jit=<mode> X.lua` with cwd `tests/lua`, a fixed environment and a time limit
//! (`MOONLIFT_CORPUS_TIMEOUT` seconds, default 10, or 30 when the tests are built without
//! optimizations; the child is killed on timeout), two runs at a
//! time (`MOONLIFT_CORPUS_JOBS`), and requires:
//! - stdout identical to `X.out` (bytes);
//! - exit status equal to `X.status`;
//! - stderr: the part before the first `stack traceback:` line (the error message, or warnings)
//!   identical to that part of `X.err`; if `X.err` has a traceback, ours must have a
//!   `stack traceback:` line too (the frames that follow may differ from lua.c's).
//!
//! GC stress: in a mode that sets `MOONLIFT_GC_STRESS`, `tests/lua/GC_STRESS` may say per script
//! `skip` (its expected output depends on when the collector runs; it still runs in the other
//! modes) or `every=N` (collect at every Nth check instead: the script keeps so much alive that
//! stress is quadratic). Each entry gives its reason; skipped runs are counted in the summary.
//!
//! Known failures: `tests/lua/KNOWN_FAILURES` lists scripts expected to fail, one per line,
//! `name` (fails in at least one mode) or `name@mode` (fails in that mode), `#` starts a
//! comment (the reason). The test fails if a script not listed fails, and also if a listed
//! script passes (xfail-strict, so the list stays honest). `MOONLIFT_CORPUS_FILTER=substr` runs
//! only scripts whose name contains `substr`; `MOONLIFT_CORPUS_BLESS=1` rewrites the list to the
//! current failures (keeping existing reasons) instead of failing. `MOONLIFT_CORPUS_BIN=path`
//! tests another binary with the same command line (`tests/tools/lua-as-moonlift` checks the
//! harness and the expectations against lua5.4 itself).

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use support::{Expected, Outcome};

/// One (script, mode) run that did not match its expectations.
#[derive(Debug, Clone)]
struct Failure {
    script: String,
    mode: String,
    /// Short description of every mismatch, for the report.
    details: Vec<String>,
    /// One-line summary, used as the reason when blessing.
    summary: String,
}

/// A parsed `KNOWN_FAILURES` entry.
#[derive(Debug, Clone)]
struct KnownEntry {
    stem: String,
    /// `None`: expected to fail in at least one of the modes run.
    mode: Option<String>,
    reason: Option<String>,
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| default.to_string())
}

fn stem(script: &str) -> &str {
    script.strip_suffix(".lua").unwrap_or(script)
}

/// A mode `name[:VAR=VAL]...` runs `--jit=name` with the extra environment variables, so stress
/// variants (e.g. `on:MOONLIFT_GC_STRESS=1`) can be listed in `MOONLIFT_TEST_MODES`.
fn mode_command(mode: &str) -> (Vec<String>, Vec<(String, String)>) {
    let mut parts = mode.split(':');
    let jit = parts.next().unwrap_or(mode);
    let env = parts
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    (vec![format!("--jit={jit}")], env)
}

/// What `tests/lua/GC_STRESS` says about one script under a GC stress mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StressRule {
    /// Not run under stress (GC-timing-dependent output).
    Skip,
    /// Run with `MOONLIFT_GC_STRESS=N`.
    Every(u32),
}

/// Parses `GC_STRESS`: `script skip|every=N # reason` per line, `#` comments. Panics on a
/// malformed line (the file is part of the test suite).
fn parse_stress_rules(text: &str) -> BTreeMap<String, StressRule> {
    let mut rules = BTreeMap::new();
    for line in text.lines() {
        let entry = line.split('#').next().unwrap_or("").trim();
        if entry.is_empty() {
            continue;
        }
        let mut words = entry.split_whitespace();
        let (Some(name), Some(rule), None) = (words.next(), words.next(), words.next()) else {
            panic!("GC_STRESS: malformed line {line:?}");
        };
        let rule = match rule {
            "skip" => StressRule::Skip,
            r => StressRule::Every(
                r.strip_prefix("every=")
                    .and_then(|n| n.parse().ok())
                    .unwrap_or_else(|| panic!("GC_STRESS: bad rule {r:?} in {line:?}")),
            ),
        };
        rules.insert(stem(name).to_string(), rule);
    }
    rules
}

/// Applies `rule` to a mode's environment: `None` = skip the run.
fn apply_stress_rule(
    mut env: Vec<(String, String)>,
    rule: Option<StressRule>,
) -> Option<Vec<(String, String)>> {
    let stressed = env
        .iter()
        .any(|(k, v)| k == "MOONLIFT_GC_STRESS" && v != "0");
    match rule {
        Some(StressRule::Skip) if stressed => None,
        Some(StressRule::Every(n)) if stressed => {
            for (k, v) in env.iter_mut() {
                if k == "MOONLIFT_GC_STRESS" {
                    *v = n.to_string();
                }
            }
            Some(env)
        }
        _ => Some(env),
    }
}

fn parse_known(text: &str) -> (Vec<String>, Vec<KnownEntry>) {
    let mut header = Vec::new();
    let mut entries = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            if entries.is_empty() {
                header.push(line.to_string());
            }
            continue;
        }
        let (entry, reason) = match trimmed.split_once('#') {
            Some((e, r)) => (
                e.trim(),
                Some(r.trim().to_string()).filter(|r| !r.is_empty()),
            ),
            None => (trimmed, None),
        };
        let (name, mode) = match entry.split_once('@') {
            Some((n, m)) => (n.trim(), Some(m.trim().to_string())),
            None => (entry, None),
        };
        entries.push(KnownEntry {
            stem: stem(name).to_string(),
            mode,
            reason,
        });
    }
    (header, entries)
}

/// Compares one run with the expectations; returns the mismatches (empty when it passed).
fn compare(exp: &Expected, got: &Outcome, timeout: Duration) -> (Vec<String>, String) {
    let mut details = Vec::new();
    let mut summary = Vec::new();
    if got.timed_out {
        details.push(format!(
            "timed out after {} s (killed)",
            timeout.as_secs_f64()
        ));
        summary.push("timeout".to_string());
    }
    if got.stdout != exp.stdout {
        details.push(format!(
            "stdout differs at {}",
            support::first_difference(&exp.stdout, &got.stdout)
        ));
        summary.push("stdout differs".to_string());
    }
    if got.status != Some(exp.status) {
        let st = got
            .status
            .map_or_else(|| "killed by a signal".to_string(), |s| s.to_string());
        details.push(format!("exit status: expected {}, actual {st}", exp.status));
        summary.push(format!("status {st} (want {})", exp.status));
    }
    let (exp_msg, exp_tb) = support::split_traceback(&exp.stderr);
    let (got_msg, got_tb) = support::split_traceback(&got.stderr);
    if exp_msg != got_msg {
        details.push(format!(
            "stderr message differs at {}",
            support::first_difference(exp_msg, got_msg)
        ));
        summary.push("stderr differs".to_string());
    }
    if exp_tb && !got_tb {
        details.push("stderr has no `stack traceback:` line".to_string());
        summary.push("no traceback".to_string());
    }
    (details, summary.join(", "))
}

fn bless(
    known_path: &Path,
    header: &[String],
    old: &[KnownEntry],
    selected: &BTreeSet<String>,
    modes: &[String],
    failures: &[Failure],
) {
    let old_reason: BTreeMap<(String, Option<String>), String> = old
        .iter()
        .filter_map(|e| {
            e.reason
                .clone()
                .map(|r| ((e.stem.clone(), e.mode.clone()), r))
        })
        .collect();
    let any_reason: BTreeMap<&str, &str> = old
        .iter()
        .filter_map(|e| e.reason.as_deref().map(|r| (e.stem.as_str(), r)))
        .collect();
    let mut by_script: BTreeMap<String, Vec<&Failure>> = BTreeMap::new();
    for f in failures {
        by_script
            .entry(stem(&f.script).to_string())
            .or_default()
            .push(f);
    }
    let mut lines: BTreeMap<(String, Option<String>), String> = BTreeMap::new();
    // Entries for scripts outside the filter are kept as they were.
    for e in old.iter().filter(|e| !selected.contains(&e.stem)) {
        lines.insert(
            (e.stem.clone(), e.mode.clone()),
            e.reason.clone().unwrap_or_default(),
        );
    }
    for (name, fs) in by_script {
        let reason_for = |mode: Option<String>, generated: &str| {
            old_reason
                .get(&(name.clone(), mode))
                .map(String::as_str)
                .or_else(|| any_reason.get(name.as_str()).copied())
                .unwrap_or(generated)
                .to_string()
        };
        if fs.len() == modes.len() {
            let generated = fs[0].summary.clone();
            lines.insert((name.clone(), None), reason_for(None, &generated));
        } else {
            for f in fs {
                let m = Some(f.mode.clone());
                lines.insert((name.clone(), m.clone()), reason_for(m, &f.summary));
            }
        }
    }
    let mut text = String::new();
    if header.iter().all(|h| h.trim().is_empty()) {
        text.push_str(
            "# Corpus scripts expected to fail (crates/cli/tests/corpus.rs; xfail-strict: a listed\n\
             # script that passes fails the test). Entry: `script` (fails in some mode) or\n\
             # `script@mode`, then `# reason`. Rewrite with MOONLIFT_CORPUS_BLESS=1.\n",
        );
    } else {
        for h in header {
            text.push_str(h);
            text.push('\n');
        }
    }
    for ((name, mode), reason) in lines {
        let entry = match mode {
            Some(m) => format!("{name}@{m}"),
            None => name,
        };
        if reason.is_empty() {
            text.push_str(&format!("{entry}\n"));
        } else {
            text.push_str(&format!("{entry:<32} # {reason}\n"));
        }
    }
    std::fs::write(known_path, text).expect("KNOWN_FAILURES is writable");
    eprintln!("corpus: blessed {}", known_path.display());
}

#[test]
fn corpus() {
    // MOONLIFT_CORPUS_BIN runs another binary with the same interface (to check the harness
    // itself, e.g. against a lua5.4 wrapper).
    let bin = std::env::var_os("MOONLIFT_CORPUS_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_moonlift")));
    let dir = support::corpus_dir();
    let filter = std::env::var("MOONLIFT_CORPUS_FILTER").unwrap_or_default();
    // GC stress (about 30 s for the corpus in release) is in the default set of optimized
    // builds only: that is what CI runs (`cargo test --workspace --release`), while debug runs
    // during development stay quick.
    let default_modes = if cfg!(debug_assertions) {
        "off,on,eager"
    } else {
        "off,on,eager,eager:MOONLIFT_GC_STRESS=1,on:MOONLIFT_JIT_THRESHOLD=2,\
         on:MOONLIFT_JIT_THRESHOLD=3:MOONLIFT_GC_STRESS=1,\
         on:MOONLIFT_JIT_THRESHOLD=50:MOONLIFT_JIT_BACKGROUND=0"
    };
    let modes: Vec<String> = env_or("MOONLIFT_TEST_MODES", default_modes)
        .split(',')
        .map(|m| m.trim().to_string())
        .filter(|m| !m.is_empty())
        .collect();
    // 10 s per run; a debug build of the interpreter is several times slower (the 1,000,000-deep
    // tail call script alone takes seconds), so unoptimized test builds get 30 s.
    let default_timeout = if cfg!(debug_assertions) { "30" } else { "10" };
    let timeout = Duration::from_secs_f64(
        env_or("MOONLIFT_CORPUS_TIMEOUT", default_timeout)
            .parse::<f64>()
            .expect("MOONLIFT_CORPUS_TIMEOUT is a number of seconds"),
    );
    let jobs: usize = env_or("MOONLIFT_CORPUS_JOBS", "2")
        .parse::<usize>()
        .expect("MOONLIFT_CORPUS_JOBS is a count")
        .max(1);
    let blessing = std::env::var("MOONLIFT_CORPUS_BLESS").is_ok_and(|v| v == "1");

    let scripts: Vec<String> = support::scripts(&dir)
        .into_iter()
        .filter(|s| s.contains(filter.as_str()))
        .collect();
    assert!(
        !scripts.is_empty(),
        "no corpus script matches MOONLIFT_CORPUS_FILTER={filter:?} in {}",
        dir.display()
    );
    let selected: BTreeSet<String> = scripts.iter().map(|s| stem(s).to_string()).collect();

    let known_path = dir.join("KNOWN_FAILURES");
    let known_text = std::fs::read_to_string(&known_path).unwrap_or_default();
    let (header, known) = parse_known(&known_text);
    let stress_rules =
        parse_stress_rules(&std::fs::read_to_string(dir.join("GC_STRESS")).unwrap_or_default());

    let runs: Vec<(String, String)> = scripts
        .iter()
        .flat_map(|s| modes.iter().map(move |m| (s.clone(), m.clone())))
        .collect();
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::<Failure>::new());
    let passed = AtomicUsize::new(0);
    let skipped = AtomicUsize::new(0);
    let slowest = Mutex::new((Duration::ZERO, String::new()));
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(runs.len()) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((script, mode)) = runs.get(i) else {
                        break;
                    };
                    let fail = |details: Vec<String>, summary: String| Failure {
                        script: script.clone(),
                        mode: mode.clone(),
                        details,
                        summary,
                    };
                    let result = match support::expected(&dir, script) {
                        Err(e) => Some(fail(vec![e], "no expectations".to_string())),
                        Ok(exp) => {
                            let (args, env) = mode_command(mode);
                            let rule = stress_rules.get(stem(script)).copied();
                            let Some(env) = apply_stress_rule(env, rule) else {
                                skipped.fetch_add(1, Ordering::Relaxed);
                                continue;
                            };
                            match support::run_script(&bin, &args, &env, &dir, script, timeout) {
                                Err(e) => Some(fail(
                                    vec![format!("cannot run {}: {e}", bin.display())],
                                    "cannot run".to_string(),
                                )),
                                Ok(got) => {
                                    {
                                        let mut s = slowest.lock().unwrap();
                                        if got.elapsed > s.0 {
                                            *s = (got.elapsed, format!("{script} --jit={mode}"));
                                        }
                                    }
                                    let (details, summary) = compare(&exp, &got, timeout);
                                    (!details.is_empty()).then(|| fail(details, summary))
                                }
                            }
                        }
                    };
                    match result {
                        Some(f) => failures.lock().unwrap().push(f),
                        None => {
                            passed.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            });
        }
    });
    let mut failures = failures.into_inner().unwrap();
    failures.sort_by(|a, b| (&a.script, &a.mode).cmp(&(&b.script, &b.mode)));
    let passed = passed.into_inner();

    let known = if blessing {
        bless(&known_path, &header, &known, &selected, &modes, &failures);
        let text = std::fs::read_to_string(&known_path).unwrap_or_default();
        parse_known(&text).1
    } else {
        known
    };

    // Classify against KNOWN_FAILURES.
    let failed_modes: BTreeMap<&str, BTreeSet<&str>> =
        failures.iter().fold(BTreeMap::new(), |mut m, f| {
            m.entry(stem(&f.script))
                .or_default()
                .insert(f.mode.as_str());
            m
        });
    let is_known = |f: &Failure| {
        known.iter().any(|e| {
            e.stem == stem(&f.script) && e.mode.as_deref().is_none_or(|m| m == f.mode.as_str())
        })
    };
    let unexpected: Vec<&Failure> = failures.iter().filter(|f| !is_known(f)).collect();
    let mut unexpected_passes = Vec::new();
    for e in known.iter().filter(|e| selected.contains(&e.stem)) {
        let fails = failed_modes.get(e.stem.as_str());
        let still_failing = match &e.mode {
            None => fails.is_some_and(|m| !m.is_empty()),
            Some(mode) if modes.contains(mode) => fails.is_some_and(|m| m.contains(mode.as_str())),
            Some(_) => true, // that mode was not run
        };
        if !still_failing {
            let what = match &e.mode {
                Some(m) => format!("{}@{m}", e.stem),
                None => e.stem.clone(),
            };
            unexpected_passes.push(what);
        }
    }

    let total = runs.len();
    println!(
        "corpus: {passed} passed, {} skipped (GC_STRESS), {} failed ({} expected, {} unexpected; \
         {} listed script(s) now pass) — {} scripts x {} modes [{}]",
        skipped.into_inner(),
        failures.len(),
        failures.len() - unexpected.len(),
        unexpected.len(),
        unexpected_passes.len(),
        scripts.len(),
        modes.len(),
        modes.join(",")
    );
    let (slow_time, slow_name) = slowest.into_inner().unwrap();
    println!(
        "corpus: {total} runs, slowest {slow_name} ({:.2} s)",
        slow_time.as_secs_f64()
    );
    if !unexpected.is_empty() {
        println!("\nunexpected failures:");
        for f in &unexpected {
            println!("  {} --jit={}: {}", f.script, f.mode, f.summary);
            for d in &f.details {
                println!("    {d}");
            }
        }
    }
    let expected_count = failures.len() - unexpected.len();
    if expected_count > 0 {
        let names: BTreeSet<&str> = failures
            .iter()
            .filter(|f| is_known(f))
            .map(|f| stem(&f.script))
            .collect();
        println!(
            "\nexpected failures (KNOWN_FAILURES): {} run(s) of {} script(s)",
            expected_count,
            names.len()
        );
    }
    if !unexpected_passes.is_empty() {
        println!("\nlisted in KNOWN_FAILURES but passing now (remove them, or bless):");
        for p in &unexpected_passes {
            println!("  {p}");
        }
    }
    if !blessing {
        assert!(
            unexpected.is_empty() && unexpected_passes.is_empty(),
            "corpus: {} unexpected failure(s), {} unexpected pass(es); see the list above \
             (MOONLIFT_CORPUS_FILTER=name to rerun one, MOONLIFT_CORPUS_BLESS=1 to accept)",
            unexpected.len(),
            unexpected_passes.len()
        );
    }
}
