//! Direct-call relinking: after a relink no call reaches the old blob (it is freed and
//! poisoned, and calls still return the new result), also while mutators run.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use cranelift_codegen::ir::types::I64;
use cranelift_codegen::ir::{InstBuilder, UserExternalName};
use moonlift_jit::blob::{BlobState, CodeId};
use moonlift_jit::reloc::LinkTarget;
use moonlift_jit::runtime::JitRuntime;
use moonlift_jit::stub::FuncId;
use support::{Symbols, build, import, runtime};

fn no_symbols(_: &UserExternalName) -> Option<LinkTarget> {
    None
}

fn install_h(rt: &JitRuntime, h: FuncId, k: i64) -> CodeId {
    let mut ctx = build(rt, &[I64], &[I64], |fb, a| {
        let c = fb.ins().iconst(I64, k);
        vec![fb.ins().iadd(a[0], c)]
    });
    rt.compile_and_install(&format!("h{k}"), Some(h), &mut ctx, &no_symbols)
        .unwrap()
        .id()
}

/// g(x) = h(x) * 10, with a direct (colocated) call to h's current code.
fn install_g(rt: &JitRuntime, h: FuncId) -> Arc<moonlift_jit::blob::CodeBlob> {
    let mut syms = Symbols::default();
    syms.0.insert(1, LinkTarget::Function(h));
    let rt2 = rt.clone();
    let mut ctx = build(rt, &[I64], &[I64], move |fb, a| {
        let f = import(fb, &rt2, 1, &[I64], &[I64], true);
        let c = fb.ins().call(f, &[a[0]]);
        let r = fb.inst_results(c)[0];
        let ten = fb.ins().iconst(I64, 10);
        vec![fb.ins().imul(r, ten)]
    });
    rt.compile_and_install("g", None, &mut ctx, &|n| syms.resolve(n))
        .unwrap()
}

#[test]
fn after_relink_no_call_reaches_the_old_blob() {
    let rt = runtime();
    let h = rt.declare_function("h").unwrap();
    let h1 = install_h(&rt, h, 1);
    rt.replace(h, h1).unwrap();
    let g = install_g(&rt, h);
    // SAFETY: `extern "C" fn(i64) -> i64`.
    let gf: extern "C" fn(i64) -> i64 = unsafe { std::mem::transmute(g.entry()) };
    assert_eq!(gf(1), 20);
    assert_eq!(rt.direct_callers(h1), vec![(g.id(), g.relocs[0].offset)]);

    let h2 = install_h(&rt, h, 2);
    rt.replace(h, h2).unwrap(); // publishes, relinks g's call (stop-the-world), retires h1
    assert!(rt.direct_callers(h1).is_empty());
    assert_eq!(rt.direct_callers(h2).len(), 1);
    let old = rt.blob(h1).unwrap();
    assert_eq!(rt.reclaim().freed, vec![h1]);
    assert_eq!(old.state(), BlobState::Freed);
    // SAFETY: the region stays mapped; reading the poisoned bytes.
    let first = unsafe { *(old.start() as *const u8) };
    assert_eq!(
        first, 0xCC,
        "freed code is poisoned, so reaching it would trap"
    );
    assert_eq!(gf(1), 30, "g now calls h2 directly");
    assert_eq!(rt.counters().relinked_sites, 1);
}

#[test]
fn relink_while_mutators_run() {
    let rt = runtime();
    let h = rt.declare_function("h").unwrap();
    let first = install_h(&rt, h, 0);
    rt.replace(h, first).unwrap();
    let g = install_g(&rt, h);
    let entry = g.entry();
    // `announced` rises before a new h is published, `published` after: a call made between
    // reading `published` and `announced` must see a generation in that range.
    let announced = Arc::new(AtomicI64::new(0));
    let published = Arc::new(AtomicI64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    // Workers that made their first call: relinking starts only when all have, so the test
    // exercises concurrent calls even when spawning threads is slow (a loaded 2-core CI
    // machine once finished all rounds before any worker ran).
    let started = Arc::new(AtomicI64::new(0));
    let workers: Vec<_> = (0..2)
        .map(|t| {
            let (rt, announced, published, done, started) = (
                rt.clone(),
                announced.clone(),
                published.clone(),
                done.clone(),
                started.clone(),
            );
            std::thread::spawn(move || {
                let handle = rt.register_thread();
                // SAFETY: `extern "C" fn(i64) -> i64`; the thread is registered and polls between
                // calls, so code is rewritten or freed only while it is parked outside JIT code.
                let gf: extern "C" fn(i64) -> i64 = unsafe { std::mem::transmute(entry) };
                let mut calls = 0u64;
                while !done.load(Ordering::Acquire) {
                    let lo = published.load(Ordering::Acquire);
                    let x = t * 1000 + (calls as i64 % 100);
                    let r = gf(x);
                    let hi = announced.load(Ordering::Acquire);
                    let k = r / 10 - x;
                    assert!(
                        r % 10 == 0 && (lo..=hi).contains(&k),
                        "g({x}) = {r}, gens {lo}..={hi}"
                    );
                    calls += 1;
                    if calls == 1 {
                        started.fetch_add(1, Ordering::AcqRel);
                    }
                    handle.poll();
                }
                calls
            })
        })
        .collect();
    while started.load(Ordering::Acquire) < 2 {
        std::thread::yield_now();
    }
    let rounds = 200;
    for k in 1..=rounds {
        let new = install_h(&rt, h, k);
        announced.store(k, Ordering::Release);
        rt.replace(h, new).unwrap();
        published.store(k, Ordering::Release);
        rt.reclaim();
    }
    done.store(true, Ordering::Release);
    let calls: u64 = workers.into_iter().map(|w| w.join().unwrap()).sum();
    assert!(calls > 0);
    // Everything but the current h is freed.
    rt.reclaim();
    assert_eq!(rt.retired_count(), 0);
    assert_eq!(rt.counters().freed, rounds as u64);
    println!("relink_while_mutators_run: {rounds} relinks, {calls} checked calls");
}
