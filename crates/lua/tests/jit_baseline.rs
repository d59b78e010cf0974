//! Baseline JIT equivalence: each snippet runs with `--jit=off`, `--jit=eager` and adaptive
//! mode with thresholds of 1 (so compiled code is entered mid-loop through OSR), and the outputs
//! (including error messages with line numbers and tracebacks) must be identical. When `lua5.4`
//! is installed the interpreter's output is also checked against PUC-Lua on the snippets that
//! print no tracebacks.

use moonlift_lua::jit::{JitConfig, JitCounters, JitMode};
use moonlift_lua::vm::Vm;
use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;

#[derive(Clone, Default)]
struct Capture(Rc<RefCell<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs `src` under `mode` (adaptive thresholds `threshold`); returns output + error + counters.
fn run(src: &str, mode: JitMode, threshold: u32) -> (String, JitCounters) {
    let mut vm = Vm::new();
    moonlift_lua::stdlib::open_libs(&mut vm);
    vm.set_jit_config(JitConfig {
        mode,
        call_threshold: threshold,
        backedge_threshold: threshold,
        log: false,
    });
    // Threshold-driven runs compile synchronously, so OSR entry happens exactly when the
    // counters trip (the background compiler has its own test below).
    vm.set_jit_background(false);
    let cap = Capture::default();
    vm.set_stdout(Box::new(cap.clone()));
    match vm.load(src.as_bytes(), b"=(command line)", "t", None) {
        Ok(f) => {
            if let Err(e) = vm.pcall(f, &[]) {
                let _ = writeln!(cap.clone(), "error: {e}");
            }
        }
        Err(e) => {
            let _ = writeln!(cap.clone(), "load error: {e}");
        }
    }
    let _ = vm.stdout().flush();
    let counters = vm.jit_stats();
    drop(vm);
    let out = String::from_utf8_lossy(&cap.0.borrow()).into_owned();
    (out, counters)
}

fn lua54(src: &str) -> Option<String> {
    let out = std::process::Command::new("lua5.4")
        .arg("-e")
        .arg(src)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Asserts that all modes agree, that eager mode compiled something, and (when `puc`) that the
/// output matches lua5.4.
fn check(src: &str, puc: bool) {
    let (off, n_off) = run(src, JitMode::Off, 1000);
    let (eager, n_eager) = run(src, JitMode::Eager, 1000);
    let (osr, _) = run(src, JitMode::On, 1);
    assert_eq!(n_off.compiled, 0, "off mode must not compile");
    assert!(
        n_eager.compiled > 0,
        "eager mode compiled nothing for:\n{src}"
    );
    assert_eq!(off, eager, "off vs eager differ for:\n{src}");
    assert_eq!(off, osr, "off vs adaptive(threshold 1) differ for:\n{src}");
    if puc && let Some(expected) = lua54(src) {
        assert_eq!(off, expected, "moonlift vs lua5.4 differ for:\n{src}");
    }
}

#[test]
fn integer_arithmetic_wraps() {
    check(
        r#"
local m = math.maxinteger
local x = m
for i = 1, 3 do x = x + 1 end
print(x, m * 2, math.mininteger - 1, -math.mininteger)
local a, b = 7, -3
print(a + b, a - b, a * b, a // b, a % b, -a // b, -a % b, a / b)
print(5 // 0.0, -5 // 0.0, 5 % math.huge, -5 % math.huge)
print(3 & 5, 3 | 5, 3 ~ 5, 1 << 63, 1 << 64, -1 >> 1, 2.0 & 3)
"#,
        true,
    );
}

#[test]
fn floats_zero_nan_and_mixed_compares() {
    check(
        r#"
local z, nz = 0.0, -0.0
print(z, nz, 1/nz, z == nz)
local nan = 0/0
print(nan == nan, nan < 1, nan <= 1, 1 < nan, nan ~= nan)
local big = 2^53
print(big + 1 == big, math.maxinteger < 2^63, math.maxinteger + 0.0 == 2^63)
print(1 == 1.0, 1 < 1.5, 2 <= 2.0, -1 < -0.5, 3 > 2.5)
local n = 0
for i = 1, 20 do
  local f = i / 4
  if f < 2 then n = n + 1 elseif f == 3 then n = n + 100 end
  if i == 7.0 then n = n + 1000 end
end
print(n)
"#,
        true,
    );
}

#[test]
fn numeric_for_loops() {
    check(
        r#"
local s = 0
for i = 1, 10 do s = s + i end
for i = 10, 1, -3 do s = s + i end
for i = 1.0, 2.0, 0.5 do s = s + i end
for i = 2, 1 do s = s + 1000 end
print(s)
local c = 0
for i = math.maxinteger - 2, math.maxinteger do c = c + 1 end
for i = math.mininteger, math.mininteger + 2 do c = c + 1 end
for i = 1, math.maxinteger, math.maxinteger // 2 do c = c + 1 end
for i = math.maxinteger, math.mininteger, math.mininteger do c = c + 1 end
print(c)
for i = 1, 3, 0.5 do io.write(i, " ") end print()
for i = 3, 1.5, -1 do io.write(i, " ") end print()
"#,
        true,
    );
}

#[test]
fn while_repeat_and_generic_for() {
    check(
        r#"
local i, s = 0, 0
while i < 100 do i = i + 1; if i % 3 == 0 then s = s + i end end
repeat i = i - 7 until i < 0
local t = {}
for k = 1, 50 do t[k] = k * 2 end
local sum = 0
for _, v in ipairs(t) do sum = sum + v end
local keys = 0
for k, v in pairs({a = 1, b = 2, c = 3}) do keys = keys + v end
print(i, s, sum, keys, #t)
"#,
        true,
    );
}

#[test]
fn tables_upvalues_and_calls() {
    check(
        r#"
local count = 0
local function inc(n) count = count + n; return count end
local t = {x = 1, y = {z = 2}}
for i = 1, 100 do
  t.x = t.x + i
  t.y.z = t.y.z * 1
  t[i] = inc(i)
end
local obj = {v = 5}
function obj:get() return self.v end
local acc = 0
for i = 1, 10 do acc = acc + obj:get() end
print(count, t.x, t.y.z, t[100], #t, acc, not t, not nil)
local s = ""
for i = 1, 5 do s = s .. i end
print(s, #s)
"#,
        true,
    );
}

#[test]
fn errors_keep_messages_and_lines() {
    check(
        r#"
local function f(t, n)
  local s = 0
  for i = 1, n do
    s = s + t[i]
  end
  return s
end
print(pcall(f, {1, 2, 3}, 3))
print(pcall(f, {1, 2, 3}, 4))
print(pcall(function() local x = 1 // 0 end))
print(pcall(function() local a = {} ; return a < 1 end))
print(pcall(function() for i = 1, 10, 0 do end end))
print(pcall(function() local n = 0; for i = 1, 10 do n = n + i % 0 end end))
print(select(2, pcall(function() local x; return x.y end)))
"#,
        true,
    );
}

#[test]
fn metamethods_fall_back_to_the_interpreter() {
    check(
        r#"
local V = {}
V.__index = V
V.__add = function(a, b) return setmetatable({x = a.x + b.x}, V) end
V.__eq = function(a, b) return a.x == b.x end
V.__lt = function(a, b) return a.x < b.x end
local function new(x) return setmetatable({x = x}, V) end
local acc = new(0)
for i = 1, 20 do acc = acc + new(i) end
print(acc.x, new(1) == new(1), new(1) < new(2), "10" + 1, "3" * "4", 10 .. "")
"#,
        true,
    );
}

#[test]
fn array_part_reads_and_writes() {
    check(
        r#"
local t = {1, 2, 3, nil, 5}
local log = {}
local mt = setmetatable({}, {__newindex = function(t, k, v) log[#log + 1] = k; rawset(t, k, v) end,
                             __index = function(t, k) return -k end})
for i = 1, 8 do
  t[i] = (t[i] or 0) + i
  mt[i] = i
  mt[i] = i * 2
end
local s = 0
for i = 1, 10 do s = s + (mt[i] or 0) end
local a = {}
for i = 1, 100 do a[i] = i end
for i = 1, 100 do a[i] = a[i] * 2 end
a[50] = nil
local c = 0
for i = 1, 100 do if a[i] then c = c + a[i] % 7 end end
print(#log, s, t[4], t[8], c, a[1.0], a[2^53])
"#,
        true,
    );
}

/// Speculation that keeps failing (an accumulator that turns float after warm-up, in a
/// function and in an OSR-entered loop) makes the proto recompile once with the interpreter's
/// newer feedback, and the results stay those of the interpreter.
#[test]
fn failed_speculation_recompiles_once() {
    let src = r#"
local function acc(n, late)
  local s = 0
  for i = 1, n do
    if i == late then s = s + 0.5 end
    s = s + i * 2
  end
  return s
end
local t = 0
for r = 1, 300 do t = t + acc(50, r > 200 and 10 or -1) end
print(t, math.type(t))
local u = 0
for i = 1, 5000 do
  if i == 4000 then u = u + 0.25 end
  u = u + i
end
print(u, math.type(u))
"#;
    let (off, _) = run(src, JitMode::Off, 1000);
    let (on, c) = run(src, JitMode::On, 100);
    assert_eq!(off, on);
    assert!(off.contains("float"), "{off}");
    // `acc` (its guards fail in every call after r = 200) and the main chunk (its loop entry
    // no longer matches once u is a float) are each recompiled exactly once.
    assert_eq!(c.recompiled, 2, "{c:?}");
    if let Some(expected) = lua54(src) {
        assert_eq!(off, expected);
    }
}

/// OSR regions (tiering.rs "OSR regions"): the main chunk and a driver function, each made hot
/// by a loop of its first call, are compiled for that loop only; the main chunk's later hot
/// loop gets a region of its own, and the driver, called again and again, is compiled whole
/// into the same entry cell.
#[test]
fn osr_regions_then_whole_code() {
    let src = r#"
local defs = {}
for k = 1, 3 do defs[k] = k * 10 end
local function driver(n)
  local a = 0
  for i = 1, n do a = a + i % 7 end
  return a
end
local s = 0
for i = 1, 500 do s = s + i end
print(s, driver(1000), defs[3])
local t = 0
for r = 1, 300 do t = t + driver(r % 5) end
print(t)
"#;
    let (off, _) = run(src, JitMode::Off, 1000);
    let (on, c) = run(src, JitMode::On, 100);
    assert_eq!(off, on);
    // The main chunk's second and third loops and the driver's loop as regions, then the
    // driver whole once its calls are hot.
    assert_eq!(c.osr_regions, 3, "{c:?}");
    assert_eq!(c.compiled, 1, "{c:?}");
    assert_eq!(c.recompiled, 0, "{c:?}");
    if let Some(expected) = lua54(src) {
        assert_eq!(off, expected);
    }
}

/// Adaptive mode compiles on the background thread: a hot function is queued, keeps running
/// in the interpreter, and runs compiled code once the mutator installed it at a safepoint;
/// results are the interpreter's throughout.
#[test]
fn background_compilation_installs_at_a_safepoint() {
    let mut vm = Vm::new();
    moonlift_lua::stdlib::open_libs(&mut vm);
    vm.set_jit_config(JitConfig {
        mode: JitMode::On,
        call_threshold: 10,
        backedge_threshold: 1_000_000,
        log: false,
    });
    vm.set_jit_background(true);
    let cap = Capture::default();
    vm.set_stdout(Box::new(cap.clone()));
    let src = r#"
        sq = function(x) return x * x + 0.5 end
        local s = 0
        for i = 1, 50 do s = s + sq(i) end
        print(s)
    "#;
    let f = vm.load(src.as_bytes(), b"=bg", "t", None).unwrap();
    vm.pcall(f, &[]).unwrap();
    // `sq` got hot and was queued; wait for the worker, then install at the next safepoint.
    assert!(vm.jit_wait_background(std::time::Duration::from_secs(30)));
    let c = vm.jit_stats();
    assert_eq!(c.background, 1, "{c:?}");
    assert_eq!(c.compiled, 1, "{c:?}");
    let f = vm
        .load(
            b"local s = 0 for i = 1, 50 do s = s + sq(i) end print(s)",
            b"=again",
            "t",
            None,
        )
        .unwrap();
    vm.pcall(f, &[]).unwrap();
    let _ = vm.stdout().flush();
    let out = String::from_utf8_lossy(&cap.0.borrow()).into_owned();
    assert_eq!(out, "42950.0\n42950.0\n");
}
