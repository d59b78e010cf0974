//! Memory per idle coroutine (issue 3: "thousands of live coroutines must not exhaust memory;
//! report bytes per idle coroutine").
//!
//! 10,000 coroutines are created and each is resumed once so that it is suspended inside a
//! `coroutine.yield` called from a Lua function (its VM stack, native stack and frames are in
//! use). The growth of the resident set size (`/proc/self/statm`, field 2, in pages) over that
//! step, divided by the count, is printed and must stay below 64 KiB per coroutine (optimized
//! builds; see [`MAX_BYTES_PER_COROUTINE`]). Each coroutine
//! reserves a 16 MB VM stack and a 1 MB native stack as address space; only the touched pages are
//! resident, which is what this measures. This file holds a single test so that no other test runs
//! in the same process while it measures.

use moonlift_lua::vm::Vm;

/// Coroutines created.
const N: usize = 10_000;
/// Upper bound on resident bytes per idle coroutine in an optimized build. Unoptimized builds
/// (debug assertions on) touch far more native stack per suspended coroutine, because the
/// interpreter's unoptimized frames are several times larger: they get twice the bound.
const MAX_BYTES_PER_COROUTINE: usize = if cfg!(debug_assertions) {
    128 * 1024
} else {
    64 * 1024
};

/// Resident set size of this process in bytes (Linux `/proc/self/statm`), `None` elsewhere.
fn rss_bytes() -> Option<usize> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let resident: usize = statm.split_whitespace().nth(1)?.parse().ok()?;
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    Some(resident * usize::try_from(page).ok()?)
}

fn run(vm: &mut Vm, src: &str) -> String {
    let f = vm
        .load(src.as_bytes(), b"=coroutine_memory", "t", None)
        .expect("compiles");
    match vm.call(f, &[]) {
        Ok(r) => r
            .iter()
            .map(|&v| String::from_utf8_lossy(&vm.tostring_bytes(v).unwrap()).into_owned())
            .collect::<Vec<_>>()
            .join(" "),
        Err(e) => format!("error: {e}"),
    }
}

#[test]
fn idle_coroutines_stay_small() {
    let Some(_) = rss_bytes() else {
        eprintln!("no /proc/self/statm: nothing to measure");
        return;
    };
    let mut vm = Vm::new();
    moonlift_lua::stdlib::open_libs(&mut vm);
    // Warm up: the first coroutine maps code pages and allocator arenas that later ones reuse.
    let warm = run(
        &mut vm,
        "local co = coroutine.create(function(x) coroutine.yield(x) end)
         local ok = coroutine.resume(co, 1)
         collectgarbage()
         return ok",
    );
    assert_eq!(warm, "true");
    let before = rss_bytes().unwrap();
    let src = format!(
        "local function body(i)
           local function inner(j) return coroutine.yield(j) end
           return inner(i) + 1
         end
         live = {{}}
         for i = 1, {N} do
           local co = coroutine.create(body)
           assert(coroutine.resume(co, i))
           live[i] = co
         end
         collectgarbage()
         local suspended = 0
         for i = 1, {N} do
           if coroutine.status(live[i]) == 'suspended' then suspended = suspended + 1 end
         end
         return suspended"
    );
    assert_eq!(run(&mut vm, &src), N.to_string());
    let after = rss_bytes().unwrap();
    let per = after.saturating_sub(before) / N;
    println!(
        "idle coroutines: {N}, RSS growth {} KiB, {per} bytes per coroutine",
        (after.saturating_sub(before)) / 1024
    );
    assert!(
        per < MAX_BYTES_PER_COROUTINE,
        "{per} bytes per idle coroutine (limit {MAX_BYTES_PER_COROUTINE})"
    );
    // They still work: finish every one of them.
    let finish = format!(
        "local sum = 0
         for i = 1, {N} do
           local ok, v = coroutine.resume(live[i], 1)
           assert(ok)
           sum = sum + v
         end
         live = nil
         return sum"
    );
    assert_eq!(run(&mut vm, &finish), (2 * N).to_string());
}
