//! Fuzz target `pack`: `string.pack` / `string.unpack` / `string.packsize` format parsing
//! (issue 3) on arbitrary formats and data. Input layout: `format 0xFF data`. Every call either
//! returns or raises a Lua error ("invalid format option", "data string too short", ...).
#![no_main]

use libfuzzer_sys::fuzz_target;
use moonlift_lua::vm::{Value, Vm};

fuzz_target!(|data: &[u8]| {
    let (fmt, payload) = match data.iter().position(|&b| b == 0xFF) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let mut vm = Vm::new();
    moonlift_lua::stdlib::open_libs(&mut vm);
    let string = vm.get_global("string");
    let f = vm.new_str(fmt);
    let d = vm.new_str(payload);
    let word = vm.new_str(b"word");
    let packed_args = [
        f,
        Value::int(1),
        Value::int(-2),
        Value::float(3.5),
        word,
        Value::int(i64::MAX),
        Value::int(0),
        word,
    ];
    for (name, args) in [
        ("packsize", vec![f]),
        ("unpack", vec![f, d]),
        ("unpack", vec![f, d, Value::int(2)]),
        ("pack", packed_args.to_vec()),
    ] {
        let key = vm.new_str(name.as_bytes());
        if let Ok(func) = vm.get(string, key) {
            let _ = vm.pcall(func, &args);
        }
    }
});
