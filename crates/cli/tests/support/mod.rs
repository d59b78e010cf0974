//! Shared pieces of the corpus harnesses (`corpus.rs`, `live_lua.rs`).
//!
//! The Lua corpus lives in `tests/lua/` at the repository root: every `X.lua` there has
//! expectations `X.out` (stdout, bytes), `X.err` (stderr, with the program name `lua5.4:`
//! replaced by `moonlift:`) and `X.status` (exit code), produced by `tests/tools/regen.sh`
//! with PUC-Lua 5.4. Scripts run with cwd = `tests/lua`, stdin from `/dev/null` and the fixed
//! environment of [`ENVIRONMENT`], exactly as `regen.sh` runs them, so outputs are comparable.
//!
//! Invariant: a child process is always reaped (waited for) before [`run_script`] returns,
//! also when it timed out and was killed.
#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The environment every corpus script runs in (the same as `tests/tools/regen.sh`'s `env -i`).
pub const ENVIRONMENT: &[(&str, &str)] = &[
    ("PATH", "/usr/local/bin:/usr/bin:/bin"),
    ("HOME", "/tmp"),
    ("LC_ALL", "C"),
    ("TZ", "UTC"),
    ("TMPDIR", "/tmp"),
];

/// `tests/lua` at the repository root.
pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/lua")
        .canonicalize()
        .expect("tests/lua exists at the repository root")
}

/// File names (`X.lua`) of the corpus scripts, sorted; helper modules in subdirectories are
/// not scripts.
pub fn scripts(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("tests/lua is readable")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().map(|t| t.is_file()).unwrap_or(false))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.ends_with(".lua"))
        .collect();
    names.sort();
    names
}

/// The committed expectations of one script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    /// Exact stdout bytes.
    pub stdout: Vec<u8>,
    /// Stderr bytes, program name already `moonlift:`.
    pub stderr: Vec<u8>,
    /// Exit status.
    pub status: i32,
}

/// Reads `X.out`, `X.err`, `X.status` for `X.lua`; `Err` names the missing file.
pub fn expected(dir: &Path, script: &str) -> Result<Expected, String> {
    let stem = script.trim_end_matches(".lua");
    let read = |ext: &str| {
        let p = dir.join(format!("{stem}.{ext}"));
        std::fs::read(&p).map_err(|e| {
            format!(
                "missing expectation {} ({e}); run tests/tools/regen.sh {stem}",
                p.display()
            )
        })
    };
    let stdout = read("out")?;
    let stderr = read("err")?;
    let status_text = read("status")?;
    let status = String::from_utf8_lossy(&status_text)
        .trim()
        .parse::<i32>()
        .map_err(|e| format!("bad {stem}.status: {e}"))?;
    Ok(Expected {
        stdout,
        stderr,
        status,
    })
}

/// What one run of a script produced.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Captured stdout.
    pub stdout: Vec<u8>,
    /// Captured stderr.
    pub stderr: Vec<u8>,
    /// Exit code; `None` if killed by a signal (or by our timeout).
    pub status: Option<i32>,
    /// True if the run exceeded its time limit and was killed.
    pub timed_out: bool,
    /// Wall time of the run.
    pub elapsed: Duration,
}

/// Runs `program args... script` in `dir` with [`ENVIRONMENT`] plus `extra_env`, stdin from
/// `/dev/null`, and kills it after `timeout`. Output pipes are drained by threads so a chatty
/// child never blocks.
pub fn run_script(
    program: &Path,
    args: &[String],
    extra_env: &[(String, String)],
    dir: &Path,
    script: &str,
    timeout: Duration,
) -> std::io::Result<Outcome> {
    let start = Instant::now();
    let mut child = Command::new(program)
        .args(args)
        .arg(script)
        .current_dir(dir)
        .env_clear()
        .envs(ENVIRONMENT.iter().copied())
        .envs(extra_env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let mut out_pipe = child.stdout.take().expect("stdout is piped");
    let mut err_pipe = child.stderr.take().expect("stderr is piped");
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = out_pipe.read_to_end(&mut buf);
        buf
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = err_pipe.read_to_end(&mut buf);
        buf
    });
    let mut timed_out = false;
    let status = loop {
        if let Some(st) = child.try_wait()? {
            break st;
        }
        if start.elapsed() >= timeout {
            timed_out = true;
            let _ = child.kill();
            break child.wait()?;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let elapsed = start.elapsed();
    // A killed child may leave grandchildren holding the pipes; they are not expected here
    // (io.popen scripts wait for their commands), so joining is bounded in practice.
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    Ok(Outcome {
        stdout,
        stderr,
        status: status.code(),
        timed_out,
        elapsed,
    })
}

/// Splits stderr into the part before the first line starting with `stack traceback:` (the
/// error message, plus any warnings printed earlier) and whether such a line exists.
pub fn split_traceback(stderr: &[u8]) -> (&[u8], bool) {
    let mut pos = 0;
    while pos < stderr.len() {
        let end = stderr[pos..]
            .iter()
            .position(|&b| b == b'\n')
            .map(|i| pos + i + 1)
            .unwrap_or(stderr.len());
        if stderr[pos..end].starts_with(b"stack traceback:") {
            return (&stderr[..pos], true);
        }
        pos = end;
    }
    (stderr, false)
}

/// A short, human-readable description of the first difference between two byte strings
/// compared line by line: the line number and both versions of the line (truncated).
pub fn first_difference(expected: &[u8], actual: &[u8]) -> String {
    let e = String::from_utf8_lossy(expected);
    let a = String::from_utf8_lossy(actual);
    let el: Vec<&str> = e.split('\n').collect();
    let al: Vec<&str> = a.split('\n').collect();
    let n = el.len().max(al.len());
    for i in 0..n {
        let x = el.get(i).copied();
        let y = al.get(i).copied();
        if x != y {
            return format!(
                "line {}:\n      expected: {}\n      actual:   {}",
                i + 1,
                show_line(x),
                show_line(y)
            );
        }
    }
    "identical".to_string()
}

fn show_line(line: Option<&str>) -> String {
    match line {
        None => "<no line>".to_string(),
        Some(l) => {
            let mut s: String = l.chars().take(160).collect();
            if l.chars().count() > 160 {
                s.push_str("...");
            }
            format!("{s:?}")
        }
    }
}
