//! Buffering of standard output as seen through a pipe with stderr merged into it (`2>&1`), which
//! the corpus harness cannot observe (it captures stdout and stderr separately).
//!
//! lua5.4's behaviour, which `moonlift` must reproduce byte for byte: `print` flushes stdout after
//! each line (lua_writeline is `fwrite` + `fflush`); `io.write` is buffered (stdout on a pipe is
//! fully buffered) unless `io.stdout:setvbuf("no")` or `"line"` says otherwise; stderr is
//! unbuffered. Each expected text below was produced by `sh -c 'lua5.4 script.lua 2>&1'` (Lua
//! 5.4.4), with the program name `lua5.4:` rewritten to `moonlift:`. When `lua5.4` is installed
//! the test also re-checks those expectations against it.

use std::path::{Path, PathBuf};
use std::process::Command;

/// (name, script, merged output of lua5.4).
const CASES: &[(&str, &str, &str)] = &[
    (
        "setvbuf_no",
        r#"io.stdout:setvbuf("no")
print("p1", "p2")
io.stderr:write("e1\n")
io.write("w1 ")
io.stderr:write("e2\n")
io.stdout:write("s1", 2, "\n")
io.stderr:write("e3\n")
io.write("end\n")
"#,
        "p1\tp2\ne1\nw1 e2\ns12\ne3\nend\n",
    ),
    (
        "setvbuf_line",
        r#"io.stdout:setvbuf("line")
io.write("a ")
io.stderr:write("e1\n")
io.write("b\n")
io.stderr:write("e2\n")
print("p")
io.stderr:write("e3\n")
io.write("tail")
io.stderr:write("e4\n")
"#,
        "e1\na b\ne2\np\ne3\ne4\ntail",
    ),
    (
        "default_full",
        r#"print("p1")
io.stderr:write("e1\n")
io.write("w1\n")
io.stderr:write("e2\n")
io.stdout:flush()
io.stderr:write("e3\n")
print("p2")
"#,
        "p1\ne1\ne2\nw1\ne3\np2\n",
    ),
    (
        // print writes each argument as soon as it is converted: visible only when unbuffered.
        "print_pieces_then_error",
        r#"local noisy = setmetatable({}, {__tostring = function() io.stderr:write("<E>") return "o" end})
print("a", noisy)
io.stdout:setvbuf("no")
print("b", noisy)
io.write("x")
error("boom")
"#,
        "<E>a\to\nb<E>\to\nxmoonlift: SCRIPT:6: boom\nstack traceback:\n\t[C]: in function 'error'\n\tSCRIPT:6: in main chunk\n\t[C]: in ?\n",
    ),
];

/// Runs `bin script` through `sh -c '... 2>&1'` with stdout on a pipe; returns the merged output.
fn run_merged(bin: &Path, dir: &Path, script: &str) -> Vec<u8> {
    let out = Command::new("/bin/sh")
        .arg("-c")
        .arg("\"$0\" \"$1\" 2>&1")
        .arg(bin)
        .arg(script)
        .current_dir(dir)
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("LC_ALL", "C")
        .output()
        .expect("run /bin/sh");
    out.stdout
}

/// A fresh directory under the target's temporary area holding the case scripts.
fn scratch_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("stdout_buffering");
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

#[test]
fn merged_output_matches_lua54() {
    let dir = scratch_dir();
    let moonlift = PathBuf::from(env!("CARGO_BIN_EXE_moonlift"));
    let lua = ["/usr/bin/lua5.4", "/usr/local/bin/lua5.4"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file());
    let mut failures = Vec::new();
    for &(name, src, expected) in CASES {
        let script = format!("{name}.lua");
        std::fs::write(dir.join(&script), src).expect("write script");
        let expected = expected.replace("SCRIPT", &script);
        let got = run_merged(&moonlift, &dir, &script);
        if got != expected.as_bytes() {
            failures.push(format!(
                "{name}: moonlift printed {:?}, lua5.4 {:?}",
                String::from_utf8_lossy(&got),
                expected
            ));
        }
        if let Some(lua) = &lua {
            let live = run_merged(lua, &dir, &script);
            // lua.c names itself by argv[0], here the full path.
            let live = String::from_utf8_lossy(&live)
                .replace(&format!("{}: ", lua.display()), "moonlift: ");
            assert_eq!(live, expected, "{name}: the committed expectation is stale");
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
