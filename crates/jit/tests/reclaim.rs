//! Reclamation: retired blobs are freed only when no cell, direct call or frame reaches them;
//! frames found by walking parked threads' frame-pointer chains; freed code is poisoned.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use cranelift_codegen::ir::types::I64;
use cranelift_codegen::ir::{BlockArg, InstBuilder, MemFlagsData, UserExternalName};
use moonlift_jit::blob::BlobState;
use moonlift_jit::reloc::LinkTarget;
use moonlift_jit::runtime::JitRuntime;
use moonlift_jit::safepoint::{emit_poll, safepoint_slow_path};
use support::{Symbols, build, import, runtime};

fn no_symbols(_: &UserExternalName) -> Option<LinkTarget> {
    None
}

const SLOW: u32 = 90;

/// `spin(thread, stop_addr) -> iterations`: loops, polling the safepoint each iteration, until
/// the i64 at `stop_addr` is non-zero.
fn install_spinner(rt: &JitRuntime) -> Arc<moonlift_jit::blob::CodeBlob> {
    let mut syms = Symbols::default();
    syms.0.insert(
        SLOW,
        LinkTarget::Address(safepoint_slow_path as *const () as usize),
    );
    let poll = rt.safepoint().poll_word_addr();
    let rt2 = rt.clone();
    let mut ctx = build(rt, &[I64, I64], &[I64], move |fb, a| {
        let (tp, stop) = (a[0], a[1]);
        let slow = import(fb, &rt2, SLOW, &[I64], &[], false);
        let header = fb.create_block();
        let n = fb.append_block_param(header, I64);
        let exit = fb.create_block();
        let r = fb.append_block_param(exit, I64);
        let zero = fb.ins().iconst(I64, 0);
        fb.ins().jump(header, &[BlockArg::Value(zero)]);
        fb.switch_to_block(header);
        emit_poll(fb, poll, slow, tp);
        let one = fb.ins().iconst(I64, 1);
        let n1 = fb.ins().iadd(n, one);
        let s = fb.ins().load(I64, MemFlagsData::trusted(), stop, 0);
        fb.ins().brif(
            s,
            exit,
            &[BlockArg::Value(n1)],
            header,
            &[BlockArg::Value(n1)],
        );
        fb.seal_block(header);
        fb.switch_to_block(exit);
        fb.seal_block(exit);
        vec![r]
    });
    rt.compile_and_install("spin", None, &mut ctx, &|n| syms.resolve(n))
        .unwrap()
}

/// `outer(thread, stop) -> spin(thread, stop) + 1`, calling the spinner directly.
fn install_outer(
    rt: &JitRuntime,
    spinner: moonlift_jit::blob::CodeId,
) -> Arc<moonlift_jit::blob::CodeBlob> {
    let mut syms = Symbols::default();
    syms.0.insert(1, LinkTarget::Code(spinner));
    let rt2 = rt.clone();
    let mut ctx = build(rt, &[I64, I64], &[I64], move |fb, a| {
        let f = import(fb, &rt2, 1, &[I64, I64], &[I64], true);
        let call = fb.ins().call(f, &[a[0], a[1]]);
        let r = fb.inst_results(call)[0];
        let one = fb.ins().iconst(I64, 1);
        vec![fb.ins().iadd(r, one)]
    });
    rt.compile_and_install("outer", None, &mut ctx, &|n| syms.resolve(n))
        .unwrap()
}

#[test]
fn frames_found_by_walking_keep_code_alive() {
    let rt = runtime();
    let spinner = install_spinner(&rt);
    let outer = install_outer(&rt, spinner.id());
    assert_eq!(rt.direct_callers(spinner.id()).len(), 1);
    static STOP: AtomicI64 = AtomicI64::new(0);
    let entry = outer.entry();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let rt2 = rt.clone();
    let t = std::thread::spawn(move || {
        let h = rt2.register_thread();
        ready_tx.send(()).unwrap();
        // SAFETY: `outer` has signature `extern "C" fn(i64, i64) -> i64`.
        let f: extern "C" fn(i64, i64) -> i64 = unsafe { std::mem::transmute(entry) };
        let n = f(h.as_ptr() as i64, STOP.as_ptr() as i64);
        h.poll();
        n
    });
    ready_rx.recv().unwrap();
    // Retire both: `outer` has no callers, `spinner` is called only by `outer`, so only frames
    // keep them alive. The thread parks inside `spin` (called from `outer`): the walk must
    // find both frames. Retry until it has actually parked in JIT code (it may still be on its
    // way in).
    rt.retire(outer.id()).unwrap();
    rt.retire(spinner.id()).unwrap();
    let mut seen_running = false;
    for _ in 0..1000 {
        let rep = rt.reclaim();
        assert!(
            rep.freed.is_empty(),
            "freed code a parked thread runs: {rep:?}"
        );
        if rep.kept_running == 2 {
            assert!(rep.frames_seen >= 2);
            seen_running = true;
            break;
        }
        std::thread::yield_now();
    }
    assert!(seen_running, "the frame walk never saw the spinning thread");
    STOP.store(1, Ordering::SeqCst);
    let n = t.join().unwrap();
    assert!(n >= 2);
    let rep = rt.reclaim();
    let mut freed = rep.freed.clone();
    freed.sort();
    let mut want = vec![spinner.id(), outer.id()];
    want.sort();
    assert_eq!(freed, want);
    assert_eq!(spinner.state(), BlobState::Freed);
    // Poisoned: the old code is all int3 now.
    // SAFETY: the region stays mapped; we only read.
    let bytes = unsafe { std::slice::from_raw_parts(spinner.start() as *const u8, spinner.len()) };
    assert!(bytes.iter().all(|&b| b == 0xCC));
    assert!(rt.blob_for_address(spinner.start()).is_none());
}

#[test]
fn cells_and_direct_calls_keep_code_alive() {
    let rt = runtime();
    let f = rt.declare_function("f").unwrap();
    let mut ctx = build(&rt, &[I64], &[I64], |_fb, a| vec![a[0]]);
    let callee = rt
        .compile_and_install("id", Some(f), &mut ctx, &no_symbols)
        .unwrap();
    rt.set_entry(f, callee.id()).unwrap();
    let mut syms = Symbols::default();
    syms.0.insert(1, LinkTarget::Function(f));
    let rt2 = rt.clone();
    let mut ctx = build(&rt, &[I64], &[I64], move |fb, a| {
        let g = import(fb, &rt2, 1, &[I64], &[I64], true);
        let c = fb.ins().call(g, &[a[0]]);
        vec![fb.inst_results(c)[0]]
    });
    let caller = rt
        .compile_and_install("caller", None, &mut ctx, &|n| syms.resolve(n))
        .unwrap();
    rt.retire(callee.id()).unwrap();
    // Still in f's cell and called directly by `caller`.
    let rep = rt.reclaim();
    assert!(rep.freed.is_empty());
    assert_eq!(rep.kept_referenced, 1);
    // Move the cell away: still the direct call.
    let mut ctx = build(&rt, &[I64], &[I64], |_fb, a| vec![a[0]]);
    let other = rt
        .compile_and_install("id2", Some(f), &mut ctx, &no_symbols)
        .unwrap();
    rt.set_entry(f, other.id()).unwrap();
    assert!(rt.reclaim().freed.is_empty());
    // Retire the caller too: both go together.
    rt.retire(caller.id()).unwrap();
    let mut freed = rt.reclaim().freed;
    freed.sort();
    assert_eq!(freed, vec![callee.id(), caller.id()]);
    assert_eq!(rt.counters().freed, 2);
    assert_eq!(rt.retired_count(), 0);
}

#[test]
fn memory_is_reused_after_free() {
    let rt = runtime();
    let base = rt.code_usage().in_use;
    for k in 0..400i64 {
        let mut ctx = build(&rt, &[I64], &[I64], |fb, a| {
            let c = fb.ins().iconst(I64, k);
            vec![fb.ins().iadd(a[0], c)]
        });
        let b = rt
            .compile_and_install("tmp", None, &mut ctx, &no_symbols)
            .unwrap();
        // SAFETY: `extern "C" fn(i64) -> i64`.
        let f: extern "C" fn(i64) -> i64 = unsafe { std::mem::transmute(b.entry()) };
        assert_eq!(f(1), 1 + k);
        rt.retire(b.id()).unwrap();
        assert_eq!(rt.reclaim().freed, vec![b.id()]);
    }
    let u = rt.code_usage();
    assert_eq!(u.in_use, base);
    assert!(u.high_water < 64 * 1024, "blocks are reused: {u:?}");
}

/// Polls from native code given the thread-state pointer.
extern "C" fn native_poll(thread: *const moonlift_jit::safepoint::ThreadState) {
    // SAFETY: JIT code passes the live handle pointer of the calling thread.
    unsafe { &*thread }.poll();
}

#[test]
fn exit_anchor_makes_frames_below_native_code_visible() {
    use moonlift_jit::safepoint::{emit_clear_exit_anchor, emit_exit_anchor};
    let rt = runtime();
    // spin2(thread, stop): loop { anchor; native_poll(thread); clear; if *stop break }.
    let mut syms = Symbols::default();
    syms.0
        .insert(3, LinkTarget::Address(native_poll as *const () as usize));
    let rt2 = rt.clone();
    let mut ctx = build(&rt, &[I64, I64], &[I64], move |fb, a| {
        let (tp, stop) = (a[0], a[1]);
        let np = import(fb, &rt2, 3, &[I64], &[], false);
        let header = fb.create_block();
        let exit = fb.create_block();
        fb.ins().jump(header, &[]);
        fb.switch_to_block(header);
        emit_exit_anchor(fb, tp);
        fb.ins().call(np, &[tp]);
        emit_clear_exit_anchor(fb, tp);
        let s = fb.ins().load(I64, MemFlagsData::trusted(), stop, 0);
        fb.ins().brif(s, exit, &[], header, &[]);
        fb.seal_block(header);
        fb.switch_to_block(exit);
        fb.seal_block(exit);
        vec![s]
    });
    let spinner = rt
        .compile_and_install("spin2", None, &mut ctx, &|n| syms.resolve(n))
        .unwrap();
    let outer = install_outer(&rt, spinner.id());
    static STOP2: AtomicI64 = AtomicI64::new(0);
    let entry = outer.entry();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let rt3 = rt.clone();
    let t = std::thread::spawn(move || {
        let h = rt3.register_thread();
        ready_tx.send(()).unwrap();
        // SAFETY: `outer` has signature `extern "C" fn(i64, i64) -> i64`.
        let f: extern "C" fn(i64, i64) -> i64 = unsafe { std::mem::transmute(entry) };
        let r = f(h.as_ptr() as i64, STOP2.as_ptr() as i64);
        assert_eq!(
            h.state().exit_anchor().0,
            0,
            "anchor cleared after the call"
        );
        r
    });
    ready_rx.recv().unwrap();
    rt.retire(outer.id()).unwrap();
    rt.retire(spinner.id()).unwrap();
    let mut seen = false;
    for _ in 0..1000 {
        let rep = rt.reclaim();
        assert!(
            rep.freed.is_empty(),
            "freed code under a native frame: {rep:?}"
        );
        if rep.kept_running == 2 {
            seen = true;
            break;
        }
        std::thread::yield_now();
    }
    assert!(seen, "the anchor walk never saw both JIT frames");
    STOP2.store(1, Ordering::SeqCst);
    assert_eq!(t.join().unwrap(), 2);
    assert_eq!(rt.reclaim().freed.len(), 2);
}
