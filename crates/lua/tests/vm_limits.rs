//! Resource limits of the VM: memory limit, deep Lua recursion, Rust-level recursion (C stack), long
//! tail-call chains and garbage churn staying bounded. Each runs Lua code through the public API.

use moonlift_lua::vm::Vm;

fn vm() -> Vm {
    let mut vm = Vm::new();
    moonlift_lua::stdlib::open_libs(&mut vm);
    vm
}

/// Run `src` and return its first result rendered with `tostring` (or the error message).
fn run(vm: &mut Vm, src: &str) -> String {
    let f = vm
        .load(src.as_bytes(), b"=test", "t", None)
        .expect("compiles");
    match vm.call(f, &[]) {
        Ok(r) => match r.first() {
            Some(&v) => String::from_utf8_lossy(&vm.tostring_bytes(v).unwrap()).into_owned(),
            None => String::new(),
        },
        Err(e) => format!("error: {}", e),
    }
}

/// Run on a thread with the default 8 MB main-thread stack size, as the CLI does.
fn on_8mb_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn memory_limit_raises_catchable_error() {
    let mut vm = vm();
    vm.set_memory_limit(Some(32 << 20));
    let r = run(
        &mut vm,
        "local ok, e = pcall(function() local t = {} for i = 1, 1e8 do t[i] = {i} end end)
         return tostring(ok) .. ' ' .. tostring(e)",
    );
    assert_eq!(r, "false not enough memory");
    // The VM is still usable after the error, and the garbage is reclaimed.
    vm.full_gc();
    assert!(vm.memory_in_use() < 8 << 20, "{}", vm.memory_in_use());
    assert_eq!(run(&mut vm, "return 1 + 1"), "2");
}

#[test]
fn garbage_churn_stays_bounded() {
    let mut vm = vm();
    let r = run(
        &mut vm,
        "local peak = 0
         for i = 1, 300000 do
           local t = {i, {i}, x = tostring(i)}
           if i % 10000 == 0 then peak = math.max(peak, collectgarbage('count')) end
         end
         return peak",
    );
    let peak_kb: f64 = r.parse().unwrap();
    assert!(peak_kb < 16.0 * 1024.0, "peak {} KB", peak_kb);
}

#[test]
fn deep_lua_recursion_is_a_stack_overflow_error() {
    on_8mb_stack(|| {
        let mut vm = vm();
        let r = run(
            &mut vm,
            "local function f(n) return 1 + f(n + 1) end return select(2, pcall(f, 1))",
        );
        assert!(r.ends_with("stack overflow"), "{}", r);
        // Non-tail recursion 100k deep works (no Rust recursion for Lua calls).
        let r = run(
            &mut vm,
            "local function d(n) if n == 0 then return 0 end return 1 + d(n - 1) end return d(100000)",
        );
        assert_eq!(r, "100000");
    });
}

#[test]
fn tail_calls_run_in_constant_stack() {
    on_8mb_stack(|| {
        let mut vm = vm();
        let r = run(
            &mut vm,
            "local function f(n) if n == 0 then return 'done' end return f(n - 1) end return f(1000000)",
        );
        assert_eq!(r, "done");
    });
}

#[test]
fn rust_level_recursion_is_c_stack_overflow() {
    on_8mb_stack(|| {
        let mut vm = vm();
        // Each level goes through a native (pcall) and a metamethod: Rust recursion.
        let r = run(
            &mut vm,
            "local t = setmetatable({}, {__index = function(t, k) return t[k + 1] end})
             return select(2, pcall(function() return t[1] end))",
        );
        assert!(r.contains("stack overflow"), "{}", r);
        let r = run(
            &mut vm,
            "local function f() return pcall(f) end return tostring(f())",
        );
        assert_eq!(r, "true");
        let r = run(
            &mut vm,
            "local co co = function() return coroutine.wrap(co)() end return select(2, pcall(co))",
        );
        assert!(r.contains("stack overflow"), "{}", r);
    });
}

#[test]
fn finalizers_run_in_reverse_registration_order() {
    let mut vm = vm();
    let r = run(
        &mut vm,
        "local order = {}
         for i = 1, 5 do setmetatable({}, {__gc = function() order[#order + 1] = i end}) end
         collectgarbage()
         return table.concat(order, ',')",
    );
    assert_eq!(r, "5,4,3,2,1");
}

#[test]
fn interrupt_flag_stops_a_loop() {
    let mut vm = vm();
    let flag = vm.interrupt_flag();
    flag.store(true, std::sync::atomic::Ordering::Relaxed);
    let r = run(&mut vm, "local n = 0 while true do n = n + 1 end");
    assert!(r.ends_with("interrupted!"), "{}", r);
    assert_eq!(run(&mut vm, "return 3"), "3");
}
