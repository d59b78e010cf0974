//! The JIT's introspection and testing options: `--perf-map`, `--jit-dump=NAME`, `--jit-stats`
//! and `--gc-stress[=N]` / `MOONLIFT_GC_STRESS`.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

/// `prog.lua` in a fresh temporary directory; removed on drop.
struct Script {
    dir: PathBuf,
}

impl Script {
    fn new(tag: &str, src: &str) -> Script {
        let dir =
            std::env::temp_dir().join(format!("moonlift-jit-tools-{}-{tag}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("prog.lua"), src).unwrap();
        Script { dir }
    }
}

impl Drop for Script {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn command(args: &[&str], script: &Script) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_moonlift"));
    cmd.args(args)
        .arg("prog.lua")
        .current_dir(&script.dir)
        .env_remove("LUA_INIT")
        .env_remove("LUA_INIT_5_4")
        .env_remove("MOONLIFT_JIT")
        .env_remove("MOONLIFT_GC_STRESS")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const PROGRAM: &str = "\
local function square(x)
  return x * x
end
function cube(x)
  local r = 1
  for _ = 1, 3 do r = r * x end
  return r
end
print(square(7), cube(3))
";

#[test]
fn perf_map_lists_every_compiled_proto() {
    let s = Script::new("perf", PROGRAM);
    let child = command(&["--jit=eager", "--perf-map"], &s).spawn().unwrap();
    let map = PathBuf::from(format!("/tmp/perf-{}.map", child.id()));
    let out: Output = child.wait_with_output().unwrap();
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "49\t27\n");
    let content = std::fs::read_to_string(&map).expect("perf map written");
    let _ = std::fs::remove_file(&map);
    let mut names = Vec::new();
    for line in content.lines() {
        // `START SIZE NAME`: hex start and size (no 0x), the rest of the line is the symbol.
        let mut parts = line.splitn(3, ' ');
        let start = u64::from_str_radix(parts.next().unwrap(), 16).expect("hex start");
        let size = u64::from_str_radix(parts.next().expect("size"), 16).expect("hex size");
        assert!(start > 0 && size > 0, "bad line {line:?}");
        names.push(parts.next().expect("name").to_string());
    }
    names.sort();
    // The main chunk (line 0) and both functions (lines 1 and 4), nothing else.
    assert_eq!(
        names,
        ["lua:prog.lua:0", "lua:prog.lua:1", "lua:prog.lua:4"],
        "{content}"
    );
}

#[test]
fn jit_dump_prints_bytecode_ir_and_disassembly_of_the_named_function() {
    let s = Script::new("dump", PROGRAM);
    for name in ["cube", "prog.lua:4"] {
        let out = command(&["--jit=eager", &format!("--jit-dump={name}")], &s)
            .output()
            .unwrap();
        assert!(out.status.success());
        assert_eq!(text(&out.stdout), "49\t27\n");
        let err = text(&out.stderr);
        // Exactly one function dumped: cube, defined at line 4.
        assert_eq!(err.matches("---- jit-dump ").count(), 3, "{err}");
        assert!(
            err.contains("---- jit-dump lua:prog.lua:4: bytecode"),
            "{err}"
        );
        assert!(err.contains("function <prog.lua:4,8>"), "{err}");
        assert!(err.contains("FORLOOP"), "bytecode listing: {err}");
        assert!(
            err.contains("---- jit-dump lua:prog.lua:4: Cranelift IR"),
            "{err}"
        );
        assert!(
            err.contains("function u0:0(i64, "),
            "CLIF function header: {err}"
        );
        assert!(
            err.contains("---- jit-dump lua:prog.lua:4: disassembly"),
            "{err}"
        );
        assert!(err.contains("ret"), "disassembly: {err}");
        assert!(
            !err.contains("lua:prog.lua:1:"),
            "square must not be dumped: {err}"
        );
    }
    // A name nothing has: no dump at all.
    let out = command(&["--jit=eager", "--jit-dump=nosuch"], &s)
        .output()
        .unwrap();
    assert!(!text(&out.stderr).contains("jit-dump"));
}

#[test]
fn jit_stats_report_compile_share_and_code_freed() {
    let src = "for i = 1, 50 do local f = load('return function(x) return x + ' .. i .. ' end')() \
               assert(f(1) == i + 1) end\ncollectgarbage()\ncollectgarbage()\n";
    let s = Script::new("stats", src);
    let out = command(&["--jit=eager", "--jit-stats"], &s)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("functions compiled: 101 "), "{err}");
    let share = err
        .lines()
        .find_map(|l| l.trim().strip_prefix("compile share: "))
        .unwrap_or_else(|| panic!("no compile share line: {err}"));
    let pct: f64 = share.split('%').next().unwrap().parse().unwrap();
    assert!(pct > 0.0 && pct <= 100.0, "{share}");
    let freed = err
        .lines()
        .find_map(|l| l.trim().strip_prefix("code freed: "))
        .unwrap_or_else(|| panic!("no code freed line: {err}"));
    // The 50 loaded chunks and their 50 functions are garbage after the loop.
    let blobs: u64 = freed.split(' ').next().unwrap().parse().unwrap();
    assert!(blobs >= 100, "{freed}");
}

/// A weak-valued table entry disappears at the next collection; with stress on, the very next
/// allocation check (the `{}` constructor) is one.
const WEAK: &str = "\
local w = setmetatable({}, {__mode = 'v'})
w[1] = {}
local x = {}
print(w[1] == nil)
";

#[test]
fn gc_stress_collects_at_every_allocation_check() {
    let s = Script::new("stress", WEAK);
    for jit in ["--jit=off", "--jit=eager"] {
        let plain = command(&[jit], &s).output().unwrap();
        assert_eq!(text(&plain.stdout), "false\n", "{}", text(&plain.stderr));
        let stress = command(&[jit, "--gc-stress"], &s).output().unwrap();
        assert_eq!(text(&stress.stdout), "true\n", "{}", text(&stress.stderr));
        let env = command(&[jit], &s)
            .env("MOONLIFT_GC_STRESS", "1")
            .output()
            .unwrap();
        assert_eq!(text(&env.stdout), "true\n");
        // Every 1000th check: the constructor right after is not a collection.
        let sparse = command(&[jit, "--gc-stress=1000"], &s).output().unwrap();
        assert_eq!(text(&sparse.stdout), "false\n");
        // The flag overrides the environment.
        let off = command(&[jit, "--gc-stress=0"], &s)
            .env("MOONLIFT_GC_STRESS", "1")
            .output()
            .unwrap();
        assert_eq!(text(&off.stdout), "false\n");
    }
}
