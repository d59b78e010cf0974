//! Thread-safety stress test (issue 4, item 10).
//!
//! Four mutator threads call `f → g → h` in a loop and check every result, while a recompiler
//! thread installs new versions of `h` and `g`, relinks, invalidates and frees:
//!
//! * `f(x, thread)` calls `g` through g's **entry cell** (`load` + `call_indirect`);
//! * `g_k(x, thread)` polls the safepoint inline at entry (so threads park *inside* JIT code and
//!   the reclaimer must find their frames by walking), then calls `h` with a **direct**
//!   `call rel32` and returns `h(x) + (k << 20)`;
//! * `h_j(x) = x + j`.
//!
//! Generation `i` installs `h_i`, publishes it with `replace` (cell store + relink of every
//! direct caller at a stop-the-world + retire), then installs `g_i` and publishes it. Every 50th
//! generation g is **invalidated**: marked invalid, its cell reset to the lazy thunk, so the next
//! call compiles `g` lazily on a worker thread (inside the trampoline). After each generation the
//! recompiler reclaims. Workers decode `(k, j)` from each result and check them against the
//! generation counters read around the call. A watcher thread reads `/proc/self/maps` throughout
//! and fails on any writable+executable mapping.
//!
//! It ends by itself: at most `GENERATIONS` generations and at most `BUDGET` of wall time (debug
//! builds of Cranelift compile slowly on a loaded 2-core machine); it prints what it ran.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use cranelift_codegen::ir::InstBuilder;
use cranelift_codegen::ir::types::I64;
use moonlift_jit::blob::CodeId;
use moonlift_jit::code_memory::CodeMemoryConfig;
use moonlift_jit::reloc::LinkTarget;
use moonlift_jit::runtime::{JitConfig, JitError, JitRuntime};
use moonlift_jit::safepoint::{emit_poll, safepoint_slow_path};
use moonlift_jit::stub::{FuncId, emit_call_through_cell};
use support::{Symbols, build, import, sig};

const GENERATIONS: i64 = 10_000;
const BUDGET: Duration = Duration::from_secs(12);
const MIN_GENERATIONS: i64 = 100;
const WORKERS: usize = 4;
const MASK: i64 = (1 << 20) - 1;

struct Fns {
    h: FuncId,
}

fn install_h(rt: &JitRuntime, fns: &Fns, j: i64) -> Result<CodeId, JitError> {
    let mut ctx = build(rt, &[I64], &[I64], |fb, a| {
        let c = fb.ins().iconst(I64, j);
        vec![fb.ins().iadd(a[0], c)]
    });
    Ok(rt
        .compile_and_install("h", Some(fns.h), &mut ctx, &|_| None)?
        .id())
}

fn install_g(rt: &JitRuntime, g: FuncId, h: FuncId, k: i64) -> Result<CodeId, JitError> {
    let mut syms = Symbols::default();
    syms.0.insert(1, LinkTarget::Function(h));
    syms.0.insert(
        2,
        LinkTarget::Address(safepoint_slow_path as *const () as usize),
    );
    let poll = rt.safepoint().poll_word_addr();
    let rt2 = rt.clone();
    let mut ctx = build(rt, &[I64, I64], &[I64], move |fb, a| {
        let hf = import(fb, &rt2, 1, &[I64], &[I64], true);
        let slow = import(fb, &rt2, 2, &[I64], &[], false);
        emit_poll(fb, poll, slow, a[1]);
        let c = fb.ins().call(hf, &[a[0]]);
        let r = fb.inst_results(c)[0];
        let kk = fb.ins().iconst(I64, k << 20);
        vec![fb.ins().iadd(r, kk)]
    });
    Ok(rt
        .compile_and_install("g", Some(g), &mut ctx, &|n| syms.resolve(n))?
        .id())
}

fn install_f(rt: &JitRuntime, g: FuncId) -> usize {
    let cell = rt.entry_cell_address(g).unwrap();
    let rt2 = rt.clone();
    let mut ctx = build(rt, &[I64, I64], &[I64], move |fb, a| {
        let s = fb.import_signature(sig(&rt2, &[I64, I64], &[I64]));
        let c = emit_call_through_cell(fb, cell, s, &[a[0], a[1]]);
        vec![fb.inst_results(c)[0]]
    });
    rt.compile_and_install("f", None, &mut ctx, &|_| None)
        .unwrap()
        .entry()
}

/// Fails on any mapping that is writable and executable at once.
fn check_wx() -> usize {
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    let mut ours = 0;
    for line in maps.lines() {
        let perms = line.split_whitespace().nth(1).unwrap_or("");
        assert!(
            !(perms.contains('w') && perms.contains('x')),
            "writable+executable mapping: {line}"
        );
        if line.contains("moonlift-code") {
            ours += 1;
        }
    }
    ours
}

#[test]
fn stress_f_g_h_recompile_relink_invalidate_free() {
    let rt = JitRuntime::new(JitConfig {
        code: CodeMemoryConfig {
            reserve: 64 << 20,
            poison: true,
        },
        ..Default::default()
    })
    .unwrap();
    let g = rt.declare_function("g").unwrap();
    let h = rt.declare_function("h").unwrap();
    let fns = Arc::new(Fns { h });
    // Generation counters: `announced_*` rises before a version is published, `published_*`
    // after. A call made after reading published_x = lo and before reading announced_x = hi
    // must run a version in lo..=hi.
    let announced_g = Arc::new(AtomicI64::new(0));
    let published_g = Arc::new(AtomicI64::new(0));
    let announced_h = Arc::new(AtomicI64::new(0));
    let published_h = Arc::new(AtomicI64::new(0));

    let h0 = install_h(&rt, &fns, 0).unwrap();
    rt.replace(h, h0).unwrap();
    let g0 = install_g(&rt, g, h, 0).unwrap();
    rt.replace(g, g0).unwrap();
    // Lazy recompilation of g after an invalidation: compile for the current generation.
    {
        let pg = published_g.clone();
        rt.set_lazy_compiler(
            g,
            Some(Arc::new(move |rt: &JitRuntime, f: FuncId| {
                install_g(rt, f, FuncId(f.0 + 1), pg.load(Ordering::Acquire))
            })),
        )
        .unwrap();
    }
    assert_eq!(h.0, g.0 + 1);
    let f_entry = install_f(&rt, g);

    let done = Arc::new(AtomicBool::new(false));
    let checked = Arc::new(AtomicU64::new(0));
    let workers: Vec<_> = (0..WORKERS)
        .map(|t| {
            let rt = rt.clone();
            let (ag, pg, ah, ph) = (
                announced_g.clone(),
                published_g.clone(),
                announced_h.clone(),
                published_h.clone(),
            );
            let (done, checked) = (done.clone(), checked.clone());
            std::thread::spawn(move || {
                let handle = rt.register_thread();
                let tp = handle.as_ptr() as i64;
                // SAFETY: `f` is `extern "C" fn(i64, i64) -> i64`; this thread is registered and
                // polls (inline in g, and here between calls), so code it may run is rewritten
                // or freed only while it is parked.
                let f: extern "C" fn(i64, i64) -> i64 = unsafe { std::mem::transmute(f_entry) };
                let mut n = 0u64;
                while !done.load(Ordering::Acquire) {
                    let x = (t as i64) * 1000 + (n % 997) as i64;
                    let (lg, lh) = (pg.load(Ordering::Acquire), ph.load(Ordering::Acquire));
                    let r = f(x, tp);
                    let (hg, hh) = (ag.load(Ordering::Acquire), ah.load(Ordering::Acquire));
                    let d = r - x;
                    let (k, j) = (d >> 20, d & MASK);
                    assert!(
                        (lg..=hg).contains(&k) && (lh..=hh).contains(&j),
                        "f({x}) = {r}: g_{k} (expected {lg}..={hg}), h_{j} (expected {lh}..={hh})"
                    );
                    n += 1;
                    handle.poll();
                    if n.is_multiple_of(1024) {
                        // Leave the recompiler some CPU on a small machine; the mutators still
                        // spend almost all their time calling f.
                        std::thread::sleep(Duration::from_micros(20));
                    }
                }
                checked.fetch_add(n, Ordering::Relaxed);
            })
        })
        .collect();

    let watcher = {
        let done = done.clone();
        std::thread::spawn(move || {
            let mut scans = 0u64;
            while !done.load(Ordering::Acquire) {
                assert_eq!(
                    check_wx(),
                    2,
                    "the region is mapped exactly twice (RW + RX)"
                );
                scans += 1;
                std::thread::sleep(Duration::from_millis(2));
            }
            scans
        })
    };

    let start = Instant::now();
    let mut generations = 0;
    let mut invalidations = 0;
    let mut peak_retired = 0;
    for i in 1..=GENERATIONS {
        if start.elapsed() > BUDGET {
            break;
        }
        announced_h.store(i, Ordering::Release);
        let hi = install_h(&rt, &fns, i).unwrap();
        rt.replace(h, hi).unwrap();
        published_h.store(i, Ordering::Release);

        announced_g.store(i, Ordering::Release);
        let gi = install_g(&rt, g, h, i).unwrap();
        if let Some(prev) = rt.set_entry(g, gi).unwrap() {
            rt.retire(prev).unwrap();
        }
        published_g.store(i, Ordering::Release);

        if i % 50 == 0 {
            // Invalidate g: the next call recompiles it lazily on a worker thread.
            if let Some(prev) = rt.reset_to_lazy(g).unwrap() {
                rt.blob(prev).unwrap().mark_invalid();
                rt.retire(prev).unwrap();
            }
            invalidations += 1;
        }
        peak_retired = peak_retired.max(rt.retired_count());
        rt.reclaim();
        generations = i;
    }
    let elapsed = start.elapsed();
    done.store(true, Ordering::Release);
    for w in workers {
        w.join().expect("a worker saw a wrong result or crashed");
    }
    let scans = watcher.join().expect("W^X violation");
    // Once the mutators are gone, every retired blob must go.
    rt.reclaim();
    let c = rt.counters();
    let usage = rt.code_usage();
    println!(
        "stress: {generations} generations of g and h in {:.1}s ({} build), {invalidations} \
         invalidations with lazy recompiles ({}), {} calls checked by {WORKERS} threads, \
         {} relinks ({} sites), {} stops, {} blobs retired, {} freed ({} KiB), peak retired \
         waiting {peak_retired}, code memory peak {} bytes in use (installed {} KiB in total), \
         high water {} bytes, {scans} W^X scans",
        elapsed.as_secs_f64(),
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        c.lazy_compiles,
        checked.load(Ordering::Relaxed),
        c.relinks,
        c.relinked_sites,
        c.stops,
        c.retired,
        c.freed,
        c.freed_bytes / 1024,
        usage.peak_in_use,
        c.installed_bytes / 1024,
        usage.high_water,
    );
    assert!(
        generations >= MIN_GENERATIONS,
        "only {generations} generations ran"
    );
    assert!(checked.load(Ordering::Relaxed) > 0);
    assert!(scans > 0);
    assert_eq!(
        rt.retired_count(),
        0,
        "every retired blob is eventually freed"
    );
    assert_eq!(c.freed, c.retired);
    assert!(c.retired as i64 >= 2 * generations - 2);
    // Bounded: live code is f, one g, one h, plus what was waiting at the peak.
    assert!(
        usage.peak_in_use < 1 << 20,
        "code memory not bounded: peak {} bytes",
        usage.peak_in_use
    );
}
