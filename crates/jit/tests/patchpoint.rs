//! Patchpoints on installed code: disable (NOP), enable, retarget — single-threaded, with other
//! registered threads calling the function and parking at safepoints, and live values read and
//! written by a Rust handler reached through the patchpoint.

mod support;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use cranelift_codegen::Context;
use cranelift_codegen::ir::types::I64;
use cranelift_codegen::ir::{
    Function, InstBuilder, MemFlagsData, Signature, UserExternalName, UserFuncName,
};
use cranelift_codegen::isa::CallConv;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use moonlift_jit::blob::CodeBlob;
use moonlift_jit::patchpoint::*;
use moonlift_jit::reloc::LinkTarget;
use moonlift_jit::runtime::JitRuntime;
use moonlift_jit::stackmap::*;
use moonlift_jit::stub::FuncId;
use support::{Symbols, runtime, sig};

const PP: u64 = 0x00C0_FFEE_0000_0001;

/// `hit(counter: *mut i64)`: `*counter += k`, PreserveAll convention, no results.
fn install_hit(rt: &JitRuntime, name: &str, k: i64) -> (FuncId, Arc<CodeBlob>) {
    let mut s = Signature::new(CallConv::PreserveAll);
    s.params.push(cranelift_codegen::ir::AbiParam::new(I64));
    let mut func = Function::with_name_signature(UserFuncName::user(2, k as u32), s);
    let mut fctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut fctx);
    let blk = b.create_block();
    b.append_block_params_for_function_params(blk);
    b.switch_to_block(blk);
    b.seal_block(blk);
    let p = b.block_params(blk)[0];
    let v = b.ins().load(I64, MemFlagsData::trusted(), p, 0);
    let v = b.ins().iadd_imm_s(v, k);
    b.ins().store(MemFlagsData::trusted(), v, p, 0);
    b.ins().return_(&[]);
    b.finalize(rt.isa().frontend_config());
    let f = rt.declare_function(name).unwrap();
    let blob = rt
        .compile_and_install(name, Some(f), &mut Context::for_function(func), &|_| None)
        .unwrap();
    rt.set_entry(f, blob.id()).unwrap();
    (f, blob)
}

/// `f(counter: *mut i64, x: i64) -> i64`: patchpoint PP calling user name 1 (`conv`) with
/// `counter`, recording `x`; returns `2 * reloaded x`.
fn install_caller(
    rt: &JitRuntime,
    conv: CallConv,
    syms: &Symbols,
    extra_args: usize,
) -> (Arc<CodeBlob>, Patchpoints, FunctionStackMaps) {
    let mut func =
        Function::with_name_signature(UserFuncName::user(1, 0), sig(rt, &[I64, I64], &[I64]));
    let mut fctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut fctx);
    let mut ts = Signature::new(conv);
    for _ in 0..1 + extra_args {
        ts.params.push(cranelift_codegen::ir::AbiParam::new(I64));
    }
    let target = import_patchable(&mut b, UserExternalName::new(0, 1), ts).unwrap();
    let blk = b.create_block();
    b.append_block_params_for_function_params(blk);
    b.switch_to_block(blk);
    b.seal_block(blk);
    let p = b.block_params(blk).to_vec();
    let mut args = vec![p[0]];
    if extra_args > 0 {
        // Trampoline form: (a0, a1, a2, a3, handler): a0 = counter, the handler last.
        let z = b.ins().iconst(I64, 0);
        args.extend([z, z, z]);
        let h = b.ins().iconst(I64, handler as *const () as i64);
        args.push(h);
    }
    let pp = emit_patchpoint(&mut b, PP, target, &args, &[p[1]]).unwrap();
    let two = b.ins().iconst(I64, 2);
    let r = b.ins().imul(pp.reloaded[0], two);
    b.ins().return_(&[r]);
    b.finalize(rt.isa().frontend_config());
    let mut ctx = Context::for_function(func);
    let blob = rt
        .compile_and_install("pp_caller", None, &mut ctx, &|n| syms.resolve(n))
        .unwrap();
    let maps = FunctionStackMaps::from_compiled(&ctx.compiled_code().unwrap().buffer).unwrap();
    let pps = Patchpoints::new(Arc::clone(&blob), &maps).unwrap();
    (blob, pps, maps)
}

type Caller = extern "C" fn(*mut i64, i64) -> i64;

fn as_fn(blob: &CodeBlob) -> Caller {
    // SAFETY: the blob implements `f(counter, x) -> i64` (System V) and stays installed.
    unsafe { std::mem::transmute(blob.entry()) }
}

#[test]
fn disable_enable_retarget() {
    let rt = runtime();
    let (fa, _) = install_hit(&rt, "hit_a", 1);
    let (fb, _) = install_hit(&rt, "hit_b", 100);
    let mut syms = Symbols::default();
    syms.0.insert(1, LinkTarget::Stub(fa));
    let (blob, pps, _) = install_caller(&rt, CallConv::PreserveAll, &syms, 0);
    let f = as_fn(&blob);
    let site = pps.site(PP).expect("the patchpoint").clone();
    assert_eq!(site.len, 5);
    assert_eq!(site.record.values.len(), 1);
    assert_eq!(site.record.values[0].ty, ValueType::I64);
    let stub_a = rt.stub_address(fa).unwrap();
    let stub_b = rt.stub_address(fb).unwrap();
    assert_eq!(pps.state(PP).unwrap(), (true, stub_a));

    let mut counter = 0i64;
    assert_eq!(f(&mut counter, 21), 42);
    assert_eq!(counter, 1);

    pps.disable(&rt, PP).unwrap();
    // SAFETY: reading installed code.
    let bytes = unsafe { &blob.code_bytes()[site.address - blob.start()..][..5] };
    assert_eq!(bytes, &[0x0f, 0x1f, 0x44, 0x00, 0x00]);
    assert_eq!(f(&mut counter, 5), 10, "live value still flows");
    assert_eq!(counter, 1, "disabled: target not called");
    pps.disable(&rt, PP).unwrap(); // idempotent

    pps.enable(&rt, PP).unwrap();
    assert_eq!(f(&mut counter, 5), 10);
    assert_eq!(counter, 2);

    pps.retarget(&rt, PP, stub_b).unwrap();
    assert_eq!(pps.state(PP).unwrap(), (true, stub_b));
    assert_eq!(f(&mut counter, 1), 2);
    assert_eq!(counter, 102);

    // Disable then enable keeps the retargeted target.
    pps.disable(&rt, PP).unwrap();
    pps.enable(&rt, PP).unwrap();
    f(&mut counter, 1);
    assert_eq!(counter, 202);

    // Errors, not panics.
    assert!(matches!(
        pps.disable(&rt, 12345),
        Err(PatchpointError::UnknownId(12345))
    ));
    assert!(matches!(
        pps.retarget(&rt, PP, 0x10),
        Err(PatchpointError::OutOfRange { .. })
    ));
    assert_eq!(
        pps.state(PP).unwrap(),
        (true, stub_b),
        "failed ops change nothing"
    );
}

#[test]
fn patches_while_other_threads_call_and_park() {
    let rt = runtime();
    let (fa, _) = install_hit(&rt, "hit_a", 1);
    let (fb, _) = install_hit(&rt, "hit_b", 100);
    let mut syms = Symbols::default();
    syms.0.insert(1, LinkTarget::Stub(fa));
    let (blob, pps, _) = install_caller(&rt, CallConv::PreserveAll, &syms, 0);
    let f = as_fn(&blob);
    let stub_a = rt.stub_address(fa).unwrap();
    let stub_b = rt.stub_address(fb).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let calls = Arc::new(AtomicU64::new(0));
    let ready = Arc::new(std::sync::Barrier::new(3));
    let workers: Vec<_> = (0..2)
        .map(|t| {
            let rt = rt.clone();
            let stop = Arc::clone(&stop);
            let calls = Arc::clone(&calls);
            let ready = Arc::clone(&ready);
            std::thread::spawn(move || {
                let me = rt.register_thread();
                ready.wait();
                let mut counter = 0i64;
                let mut i = 0i64;
                while !stop.load(Ordering::Relaxed) {
                    let before = counter;
                    let x = i * 7 + t;
                    assert_eq!(f(&mut counter, x), 2 * x, "wrong result");
                    let d = counter - before;
                    assert!(d == 0 || d == 1 || d == 100, "torn or wrong call: +{d}");
                    calls.fetch_add(1, Ordering::Relaxed);
                    i += 1;
                    me.poll();
                }
            })
        })
        .collect();
    ready.wait();
    for round in 0..300u32 {
        rt.stop_the_world(|w| {
            assert_eq!(w.threads().len(), 2, "both workers are parked");
            match round % 3 {
                0 => pps.disable_in(w, PP),
                1 => pps.retarget_in(w, PP, if round % 2 == 0 { stub_a } else { stub_b }),
                _ => pps.enable_in(w, PP),
            }
            .unwrap();
        });
        // Let the workers run a little between stops; no timing is asserted.
        std::thread::yield_now();
    }
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join().expect("worker saw only right results");
    }
    assert!(calls.load(Ordering::Relaxed) > 0);
    // And the code still works single-threaded afterwards.
    pps.retarget(&rt, PP, stub_a).unwrap();
    let mut c = 0;
    assert_eq!(f(&mut c, 4), 8);
    assert_eq!(c, 1);
}

fn registry() -> &'static StackMapRegistry {
    static R: OnceLock<StackMapRegistry> = OnceLock::new();
    R.get_or_init(StackMapRegistry::new)
}

/// Reached through the patchpoint (System V) via the anchored trampoline: reads the recorded
/// live value and replaces it with `x + 1000`; counts the call in `*a0`.
unsafe extern "C" fn handler(fp: *const u8, a0: u64, _: u64, _: u64, _: u64) -> u64 {
    // SAFETY: the trampoline built the frame record; the JIT caller keeps frame pointers.
    let tramp = unsafe { FrameWalker::new(fp, 2) }.next().unwrap();
    let found = registry().lookup(tramp.return_address as u64).unwrap();
    // SAFETY: the caller's frame is live and stopped at this record's call.
    let frame = unsafe { LiveFrame::from_callee(found.record(), &tramp) };
    assert_eq!(found.record().id, PP);
    assert!(found.record().is_patchable());
    let TypedValue::I64(x) = frame.read(0).unwrap() else {
        panic!("i64 expected")
    };
    frame.write(0, TypedValue::I64(x + 1000)).unwrap();
    // SAFETY: a0 is the test's counter.
    unsafe { *(a0 as *mut i64) += 1 };
    0
}

#[test]
fn live_values_at_a_patchpoint_are_readable_and_writable() {
    let rt = runtime();
    let mut syms = Symbols::default();
    syms.0
        .insert(1, LinkTarget::Address(anchored_call_trampoline_address()));
    let (blob, pps, maps) = install_caller(&rt, CallConv::SystemV, &syms, 4);
    registry().register(blob.start() as u64, blob.len() as u64, maps);
    let f = as_fn(&blob);
    let mut counter = 0i64;
    assert_eq!(f(&mut counter, 5), 2 * 1005);
    assert_eq!(counter, 1);
    pps.disable(&rt, PP).unwrap();
    assert_eq!(f(&mut counter, 5), 10, "disabled: handler not called");
    assert_eq!(counter, 1);
}
