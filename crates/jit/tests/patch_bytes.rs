//! Writing into live code through the RW view at a safepoint (`patch_bytes`), with mutators
//! running: every call sees either the old or the new bytes, never a torn mix.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use cranelift_codegen::ir::InstBuilder;
use cranelift_codegen::ir::types::I64;
use moonlift_jit::runtime::JitError;

const A: i64 = 0x1122_3344;
const B: i64 = 0x5566_7788;

#[test]
fn patch_an_immediate_while_mutators_run() {
    let rt = support::runtime();
    let mut ctx = support::build(&rt, &[], &[I64], |fb, _| vec![fb.ins().iconst(I64, A)]);
    let blob = rt
        .compile_and_install("konst", None, &mut ctx, &|_| None)
        .unwrap();
    // SAFETY: the blob is installed and not freed while we read it.
    let code = unsafe { blob.code_bytes() }.to_vec();
    let at = code
        .windows(4)
        .position(|w| w == (A as u32).to_le_bytes())
        .expect("the immediate is in the code");
    let addr = blob.start() + at;
    let entry = blob.entry();
    let done = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let (rt, done) = (rt.clone(), done.clone());
            std::thread::spawn(move || {
                let h = rt.register_thread();
                // SAFETY: `extern "C" fn() -> i64`; we poll between calls, so the bytes change
                // only while we are parked outside the code.
                let f: extern "C" fn() -> i64 = unsafe { std::mem::transmute(entry) };
                let mut seen = [0u64; 2];
                while !done.load(Ordering::Acquire) {
                    match f() {
                        A => seen[0] += 1,
                        B => seen[1] += 1,
                        other => panic!("torn or wrong value {other:#x}"),
                    }
                    h.poll();
                }
                seen
            })
        })
        .collect();
    for i in 0..200 {
        let v = if i % 2 == 0 { B } else { A };
        rt.patch_bytes(addr, &(v as u32).to_le_bytes()).unwrap();
    }
    done.store(true, Ordering::Release);
    for w in workers {
        w.join().unwrap();
    }
    // SAFETY: `extern "C" fn() -> i64`.
    let f: extern "C" fn() -> i64 = unsafe { std::mem::transmute(entry) };
    assert_eq!(f(), A, "200 patches end on A");
    assert_eq!(rt.counters().patches, 200);
}

#[test]
fn patches_outside_installed_code_are_rejected() {
    let rt = support::runtime();
    let mut ctx = support::build(&rt, &[], &[I64], |fb, _| vec![fb.ins().iconst(I64, 1)]);
    let blob = rt
        .compile_and_install("one", None, &mut ctx, &|_| None)
        .unwrap();
    // Past the end of the blob.
    assert!(matches!(
        rt.patch_bytes(blob.start() + blob.len() - 1, &[0x90, 0x90]),
        Err(JitError::PatchOutOfRange { .. })
    ));
    // The lazy trampoline is not a blob.
    assert!(matches!(
        rt.patch_bytes(rt.lazy_trampoline(), &[0x90]),
        Err(JitError::PatchOutOfRange { .. })
    ));
    // Not code memory at all.
    assert!(rt.patch_bytes(0x1000, &[0]).is_err());
    // A freed blob cannot be patched.
    rt.retire(blob.id()).unwrap();
    assert_eq!(rt.reclaim().freed, vec![blob.id()]);
    assert!(rt.patch_bytes(blob.start(), &[0x90]).is_err());
}
