//! Code lifetime (issue 5, item 6): the compiled code of a proto is freed through `moonlift-jit`
//! reclamation when the GC collects the proto, so loading, compiling and dropping many chunks
//! leaves code memory where it started.

use moonlift_lua::jit::JitMode;
use moonlift_lua::vm::{Value, Vm};

/// Loads chunk `i` (a main chunk returning a closure), calls both so eager mode compiles both
/// protos, checks the result and drops everything.
fn cycle(vm: &mut Vm, i: i64) {
    let src = format!(
        "local k = {i}\nreturn function(x) local s = x for j = 1, 3 do s = s + k end return s end"
    );
    let main = vm.load(src.as_bytes(), b"=chunk", "t", None).expect("load");
    let f = vm.call(main, &[]).expect("main chunk")[0];
    let r = vm.call(f, &[Value::int(1)]).expect("call");
    assert_eq!(
        r[0].as_int(),
        Some(1 + 3 * i),
        "chunk {i} computed a wrong result"
    );
}

#[test]
fn dropping_compiled_chunks_returns_code_memory() {
    // Release builds compile a proto in tens of microseconds; debug builds of Cranelift take
    // milliseconds, so they run a shorter version of the same test.
    let (n, batch): (i64, i64) = if cfg!(debug_assertions) {
        (300, 100)
    } else {
        (10_000, 500)
    };
    let mut vm = Vm::new();
    moonlift_lua::stdlib::open_libs(&mut vm);
    vm.set_jit_mode(JitMode::Eager);
    // Warm up with one batch: creates the JIT runtime (trampoline) and the function ids (32-byte
    // entry blocks, which moonlift-jit never frees and the VM reuses) that one batch needs.
    for i in 0..batch {
        cycle(&mut vm, -i);
    }
    vm.full_gc();
    let start = vm.jit_code_in_use();
    assert!(start > 0, "eager mode compiled nothing");
    let compiled_before = vm.jit_stats().compiled;
    assert_eq!(compiled_before, 2 * batch as u64);
    let mut peak = start;
    for i in 1..=n {
        cycle(&mut vm, i);
        peak = peak.max(vm.jit_code_in_use());
        if i % batch == 0 {
            vm.full_gc();
        }
    }
    vm.full_gc();
    let end = vm.jit_code_in_use();
    let compiled = vm.jit_stats().compiled - compiled_before;
    assert_eq!(
        compiled,
        2 * n as u64,
        "every main chunk and closure compiles"
    );
    let (blobs, bytes) = vm.jit_code_freed();
    assert!(
        blobs >= 2 * (n + batch) as u64,
        "only {blobs} blobs freed for {compiled} compiled"
    );
    assert!(bytes > 0);
    // Everything compiled in the loop is dead: code in use is back at its start (allow one
    // page for allocator rounding), and never grew with the number of chunks.
    assert!(
        end <= start + 4096,
        "code memory in use {end} bytes after dropping {n} chunks, {start} at the start"
    );
    assert!(
        peak < start + 2 * batch as usize * 4096,
        "code memory peaked at {peak} bytes: dead code was not reused between collections"
    );
}

#[test]
fn live_protos_keep_their_code() {
    let mut vm = Vm::new();
    moonlift_lua::stdlib::open_libs(&mut vm);
    vm.set_jit_mode(JitMode::Eager);
    let src = b"keep = function(x) return x * 2 end\nreturn keep(21)";
    let main = vm.load(src, b"=keep", "t", None).expect("load");
    assert_eq!(vm.call(main, &[]).expect("run")[0].as_int(), Some(42));
    for _ in 0..3 {
        vm.full_gc();
    }
    // The main chunk's proto is garbage now, `keep`'s is not: its compiled code still runs.
    let keep = vm.get_global("keep");
    assert_eq!(
        vm.call(keep, &[Value::int(5)]).expect("call")[0].as_int(),
        Some(10)
    );
    let (blobs, _) = vm.jit_code_freed();
    assert_eq!(blobs, 1, "exactly the main chunk's code is freed");
}
