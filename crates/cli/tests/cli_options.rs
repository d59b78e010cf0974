//! The `moonlift` command line against `lua.c` 5.4's behaviour.
//!
//! Every expected text here was produced by running the same command with `lua5.4` (Lua 5.4.4) in
//! `tests/fixtures`, with the program name `lua5.4` replaced by `moonlift`.

use std::io::Write;
use std::process::{Command, Stdio};

struct Run {
    stdout: String,
    stderr: String,
    status: i32,
}

fn moonlift(args: &[&str], env: &[(&str, &str)], stdin: &str) -> Run {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_moonlift"));
    cmd.args(args)
        .current_dir(dir)
        .env_remove("LUA_INIT")
        .env_remove("LUA_INIT_5_4")
        .env_remove("MOONLIFT_JIT")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn moonlift");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    Run {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        status: out.status.code().unwrap_or(-1),
    }
}

#[test]
fn e_and_l_run_in_command_line_order() {
    let r = moonlift(
        &[
            "-e",
            "print(mymod)",
            "-l",
            "mymod",
            "-e",
            "print(mymod.hello())",
        ],
        &[],
        "",
    );
    assert_eq!(r.stdout, "nil\nhello from mod\n");
    assert_eq!(r.status, 0);
    let r = moonlift(&["-l", "g=mymod", "-e", "print(g.hello())"], &[], "");
    assert_eq!(r.stdout, "hello from mod\n");
}

#[test]
fn arg_table_has_script_at_zero_and_options_below() {
    let r = moonlift(&["-e", "x=1", "s.lua", "a", "b"], &[], "");
    assert_eq!(r.stdout, "script\ta\tb\ns.lua\ta\tx=1\t-e\n");
}

#[test]
fn script_from_stdin_with_dash() {
    let r = moonlift(&["-", "x", "y"], &[], "print(\"from stdin\", ...)\n");
    assert_eq!(r.stdout, "from stdin\tx\ty\n");
    // Without a script and with stdin not a terminal, stdin is the script.
    let r = moonlift(&[], &[], "print(40 + 2)\n");
    assert_eq!(r.stdout, "42\n");
}

#[test]
fn lua_init_variables() {
    let r = moonlift(
        &["-e", "print(2)"],
        &[
            ("LUA_INIT_5_4", "print(\"init54\")"),
            ("LUA_INIT", "print(\"init\")"),
        ],
        "",
    );
    assert_eq!(r.stdout, "init54\n2\n");
    let r = moonlift(
        &["-E", "-e", "print(2)"],
        &[("LUA_INIT", "print(\"init\")")],
        "",
    );
    assert_eq!(r.stdout, "2\n");
    let r = moonlift(&["-e", "print(2)"], &[("LUA_INIT", "@s.lua")], "");
    // Without a script, arg[0] is the program as invoked and the options follow (lua.c).
    let bin = env!("CARGO_BIN_EXE_moonlift");
    assert_eq!(r.stdout, format!("script\n{bin}\t-e\tnil\tnil\n2\n"));
    let r = moonlift(
        &["-e", "print(2)"],
        &[("LUA_INIT", "error(\"bad init\")")],
        "",
    );
    assert_eq!(r.status, 1);
    assert_eq!(r.stdout, "");
    assert!(
        r.stderr
            .starts_with("moonlift: LUA_INIT:1: bad init\nstack traceback:\n"),
        "{}",
        r.stderr
    );
}

#[test]
fn warnings_only_with_w() {
    let r = moonlift(&["-W", "-e", "warn(\"hello\")"], &[], "");
    assert_eq!(r.stderr, "Lua warning: hello\n");
    let r = moonlift(&["-e", "warn(\"hello\")"], &[], "");
    assert_eq!(r.stderr, "");
}

#[test]
fn errors_and_exit_status() {
    let r = moonlift(&["nonexist.lua"], &[], "");
    assert_eq!(
        (r.status, r.stderr.as_str()),
        (
            1,
            "moonlift: cannot open nonexist.lua: No such file or directory\n"
        )
    );
    let r = moonlift(&["-e", "os.exit(3)"], &[], "");
    assert_eq!(r.status, 3);
    let r = moonlift(&["-e", "os.exit(false)"], &[], "");
    assert_eq!(r.status, 1);
    // Output written before an error is flushed, before the message.
    let r = moonlift(&["-e", "io.write(\"partial\"); error(\"e\")"], &[], "");
    assert_eq!((r.status, r.stdout.as_str()), (1, "partial"));
    assert!(
        r.stderr.starts_with("moonlift: (command line):1: e\n"),
        "{}",
        r.stderr
    );
    let r = moonlift(&["-e", "error({})"], &[], "");
    assert!(
        r.stderr
            .starts_with("moonlift: (error object is a table value)\nstack traceback:\n")
    );
    let r = moonlift(
        &[
            "-e",
            "error(setmetatable({}, {__tostring = function() return 'TS' end}))",
        ],
        &[],
        "",
    );
    assert_eq!(r.stderr, "moonlift: TS\n");
    let r = moonlift(&["-e", "x="], &[], "");
    assert_eq!(
        r.stderr,
        "moonlift: (command line):1: unexpected symbol near <eof>\n"
    );
}

#[test]
fn bad_options_print_usage() {
    let r = moonlift(&["-x"], &[], "");
    assert_eq!(r.status, 1);
    assert!(r.stderr.starts_with(
        "moonlift: unrecognized option '-x'\nusage: moonlift [options] [script [args]]\n"
    ));
    let r = moonlift(&["-e"], &[], "");
    assert_eq!(r.status, 1);
    assert!(
        r.stderr.starts_with("moonlift: '-e' needs argument\n"),
        "{}",
        r.stderr
    );
    let r = moonlift(&["--jit=sometimes", "-e", "print(1)"], &[], "");
    assert_eq!(r.status, 1);
}

#[test]
fn jit_modes_are_accepted_from_flag_and_environment() {
    for mode in ["off", "on", "eager"] {
        let flag = format!("--jit={mode}");
        let r = moonlift(
            &[
                &flag,
                "-e",
                "local s = 0 for i = 1, 1000 do s = s + i end print(s)",
            ],
            &[],
            "",
        );
        assert_eq!(
            (r.status, r.stdout.as_str()),
            (0, "500500\n"),
            "{mode}: {}",
            r.stderr
        );
        let r = moonlift(&["-e", "print(1)"], &[("MOONLIFT_JIT", mode)], "");
        assert_eq!(r.stdout, "1\n");
    }
}

#[test]
fn memory_limit_raises_not_enough_memory() {
    let r = moonlift(
        &[
            "--memory-limit=8M",
            "-e",
            "local t = {} print(pcall(function() for i = 1, 1e8 do t[i] = {} end end))",
        ],
        &[],
        "",
    );
    assert_eq!(
        (r.status, r.stdout.as_str()),
        (0, "false\tnot enough memory\n"),
        "{}",
        r.stderr
    );
}

#[test]
fn ctrl_c_interrupts_a_running_script() {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_moonlift"))
        .args([
            "-e",
            "io.write('ready\\n') io.stdout:flush() while true do end",
        ])
        .env_remove("LUA_INIT")
        .env_remove("LUA_INIT_5_4")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn moonlift");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line, "ready\n");
    // SAFETY: sending SIGINT to our own child process.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    // As lua.c: no position, then the traceback.
    assert!(
        stderr.starts_with("moonlift: interrupted!\nstack traceback:\n"),
        "{stderr}"
    );
}
