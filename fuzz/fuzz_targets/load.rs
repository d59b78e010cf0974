//! Fuzz target `load`: any bytes given to `Vm::load` (text or binary chunk, every mode) give a
//! function or a Lua error, never a panic, abort or hang (issue 2, item 9). Loaded functions are
//! not run: arbitrary code may loop forever, and running is the interpreter's fuzzing, not this.
#![no_main]

use libfuzzer_sys::fuzz_target;
use moonlift_lua::vm::Vm;

fuzz_target!(|data: &[u8]| {
    let mut vm = Vm::new();
    let _ = vm.load(data, b"=fuzz", "bt", None);
    let _ = vm.load(data, b"@fuzz.lua", "t", None);
    let _ = vm.load(data, b"fuzz", "b", None);
});
