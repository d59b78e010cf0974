//! Fuzz target `pattern`: the Lua pattern matcher (issue 3) on arbitrary patterns and subjects,
//! through `string.find`, `string.match`, `string.gsub` and `string.gmatch`. Input layout:
//! `pattern 0xFF subject` (no 0xFF: the whole input is both). Errors such as
//! "malformed pattern" or "pattern too complex" are fine; panics, crashes and hangs are not
//! (run with libFuzzer's `-timeout`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use moonlift_lua::vm::{Value, Vm};

fuzz_target!(|data: &[u8]| {
    let (pat, subject) = match data.iter().position(|&b| b == 0xFF) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, data),
    };
    let mut vm = Vm::new();
    moonlift_lua::stdlib::open_libs(&mut vm);
    let string = vm.get_global("string");
    let p = vm.new_str(pat);
    let s = vm.new_str(subject);
    let repl = vm.new_str(b"<%0>");
    for name in ["find", "match", "gsub", "gmatch"] {
        let key = vm.new_str(name.as_bytes());
        let Ok(f) = vm.get(string, key) else { continue };
        let args: Vec<Value> = match name {
            "gsub" => vec![s, p, repl],
            "find" => vec![s, p, Value::int(1), Value::FALSE],
            _ => vec![s, p],
        };
        let Ok(results) = vm.pcall(f, &args) else {
            continue;
        };
        if name == "gmatch" {
            // Drive the iterator a bounded number of steps (empty matches advance by one byte).
            if let Some(&iter) = results.first() {
                for _ in 0..=subject.len() + 1 {
                    match vm.pcall(iter, &[]) {
                        Ok(r) if r.first().is_some_and(|v| !v.is_nil()) => {}
                        _ => break,
                    }
                }
            }
        }
    }
});
