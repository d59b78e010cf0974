//! Stable entries: stub identity across recompilation, in-flight calls finishing in old code,
//! lazy compilation through the trampoline (register and stack arguments), fallbacks.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};

use cranelift_codegen::ir::types::{F64, I64};
use cranelift_codegen::ir::{InstBuilder, MemFlagsData, UserExternalName};
use moonlift_jit::reloc::LinkTarget;
use moonlift_jit::runtime::{JitError, JitRuntime};
use moonlift_jit::stub::FuncId;
use support::{Symbols, build, import, runtime, sig};

fn no_symbols(_: &UserExternalName) -> Option<LinkTarget> {
    None
}

fn install_const_adder(rt: &JitRuntime, f: FuncId, k: i64) -> moonlift_jit::blob::CodeId {
    let mut ctx = build(rt, &[I64], &[I64], |fb, a| {
        let c = fb.ins().iconst(I64, k);
        vec![fb.ins().iadd(a[0], c)]
    });
    rt.compile_and_install(&format!("add{k}"), Some(f), &mut ctx, &no_symbols)
        .unwrap()
        .id()
}

#[test]
fn stub_address_is_stable_across_recompilation() {
    let rt = runtime();
    let f = rt.declare_function("f").unwrap();
    let stub = rt.stub_address(f).unwrap();
    let v1 = install_const_adder(&rt, f, 1);
    rt.replace(f, v1).unwrap();
    // SAFETY: the stub forwards to code of signature `extern "C" fn(i64) -> i64`.
    let call: extern "C" fn(i64) -> i64 = unsafe { std::mem::transmute(stub) };
    assert_eq!(call(10), 11);
    let v2 = install_const_adder(&rt, f, 2);
    assert_eq!(rt.replace(f, v2).unwrap(), Some(v1));
    assert_eq!(
        rt.stub_address(f).unwrap(),
        stub,
        "the function pointer must not change"
    );
    assert_eq!(call(10), 12);
    assert_eq!(rt.current_target(f).unwrap(), rt.blob(v2).unwrap().entry());
    assert_eq!(rt.functions_using(v2), vec![f]);
    assert!(rt.functions_using(v1).is_empty());
    // The global --jit-stats counters saw the installs (process-wide, so at least ours).
    let stats = moonlift_jit::stats::global().snapshot();
    assert!(stats.blobs_installed >= 2 && stats.compiles >= 2);
}

static GATE: Mutex<Option<(Arc<Barrier>, Arc<Barrier>)>> = Mutex::new(None);

extern "C" fn block_in_old_code(x: i64) -> i64 {
    let (inside, go_on) = GATE.lock().unwrap().clone().unwrap();
    inside.wait();
    go_on.wait();
    x
}

#[test]
fn calls_in_progress_finish_in_old_code() {
    let rt = runtime();
    let f = rt.declare_function("f").unwrap();
    let inside = Arc::new(Barrier::new(2));
    let go_on = Arc::new(Barrier::new(2));
    *GATE.lock().unwrap() = Some((inside.clone(), go_on.clone()));
    // Old version: block_in_old_code(x) + 1000.
    let mut syms = Symbols::default();
    syms.0.insert(
        1,
        LinkTarget::Address(block_in_old_code as *const () as usize),
    );
    let rt2 = rt.clone();
    let mut ctx = build(&rt, &[I64], &[I64], move |fb, a| {
        let cb = import(fb, &rt2, 1, &[I64], &[I64], false);
        let call = fb.ins().call(cb, &[a[0]]);
        let r = fb.inst_results(call)[0];
        let k = fb.ins().iconst(I64, 1000);
        vec![fb.ins().iadd(r, k)]
    });
    let old = rt
        .compile_and_install("old", Some(f), &mut ctx, &|n| syms.resolve(n))
        .unwrap();
    rt.replace(f, old.id()).unwrap();
    let stub = rt.stub_address(f).unwrap();
    let t = std::thread::spawn(move || {
        // SAFETY: the stub forwards to `extern "C" fn(i64) -> i64` code.
        let call: extern "C" fn(i64) -> i64 = unsafe { std::mem::transmute(stub) };
        call(5)
    });
    inside.wait(); // the other thread is now inside the old code
    let new = install_const_adder(&rt, f, 2000);
    rt.replace(f, new).unwrap();
    // SAFETY: as above.
    let call: extern "C" fn(i64) -> i64 = unsafe { std::mem::transmute(stub) };
    assert_eq!(call(5), 2005, "new calls run the new code");
    // The old blob is retired but has a running frame; the walk cannot see this unregistered
    // thread, so report it through the frame hook — and it must not be freed.
    let in_flight = old.clone();
    rt.set_frame_hook(Some(Box::new(move |sink| {
        for cs in &in_flight.call_sites {
            sink(in_flight.start() + cs.ret_addr as usize);
        }
    })));
    let rep = rt.reclaim();
    assert!(rep.freed.is_empty());
    assert_eq!(rep.kept_running, 1);
    go_on.wait();
    assert_eq!(
        t.join().unwrap(),
        1005,
        "the call in progress finishes in the old code"
    );
    rt.set_frame_hook(None);
    assert_eq!(rt.reclaim().freed, vec![old.id()]);
}

const N: usize = 10;

/// Reference for the 20-argument function: a sequential f64 sum, same order as the CLIF.
fn mix_ref(a: &[i64; N], b: &[f64; N]) -> f64 {
    let mut acc = 0.0f64;
    for i in 0..N {
        acc += a[i] as f64 * (i as f64 + 1.0);
        acc += b[i] * (i as f64 + 11.0);
    }
    acc
}

type Mix = extern "C" fn(
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    f64,
    f64,
    f64,
    f64,
    f64,
    f64,
    f64,
    f64,
    f64,
    f64,
) -> f64;

fn call_mix(f: Mix, a: &[i64; N], b: &[f64; N]) -> f64 {
    f(
        a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], b[0], b[1], b[2], b[3], b[4],
        b[5], b[6], b[7], b[8], b[9],
    )
}

fn mix_params() -> Vec<cranelift_codegen::ir::Type> {
    let mut p = vec![I64; N];
    p.extend(std::iter::repeat_n(F64, N));
    p
}

/// Compiles the 20-argument function (a lazy compiler).
fn compile_mix(rt: &JitRuntime, f: FuncId) -> Result<moonlift_jit::blob::CodeId, JitError> {
    let mut ctx = build(rt, &mix_params(), &[F64], |fb, args| {
        let mut acc = fb.ins().f64const(0.0);
        for i in 0..N {
            let ai = fb.ins().fcvt_from_sint(F64, args[i]);
            let wa = fb.ins().f64const(i as f64 + 1.0);
            let t = fb.ins().fmul(ai, wa);
            acc = fb.ins().fadd(acc, t);
            let wb = fb.ins().f64const(i as f64 + 11.0);
            let t = fb.ins().fmul(args[N + i], wb);
            acc = fb.ins().fadd(acc, t);
        }
        vec![acc]
    });
    Ok(rt
        .compile_and_install("mix", Some(f), &mut ctx, &no_symbols)?
        .id())
}

fn inputs(seed: i64) -> ([i64; N], [f64; N]) {
    let a = std::array::from_fn(|i| (1i64 << 40) * (i as i64 + 1) + seed * 7 - i as i64);
    let b = std::array::from_fn(|i| 0.25 * (i as f64) - 3.5 + seed as f64 * 0.125);
    (a, b)
}

#[test]
fn lazy_compile_with_register_and_stack_arguments() {
    let rt = runtime();
    let compiles = Arc::new(AtomicUsize::new(0));
    let c2 = compiles.clone();
    let f = rt
        .declare_lazy_function(
            "mix",
            Arc::new(move |rt, f| {
                c2.fetch_add(1, Ordering::SeqCst);
                compile_mix(rt, f)
            }),
        )
        .unwrap();
    assert_eq!(
        rt.current_target(f).unwrap(),
        rt.lazy_thunk_address(f).unwrap()
    );
    // SAFETY: the stub forwards (via the lazy trampoline, then the compiled code) to a function
    // of exactly this System V signature.
    let mix: Mix = unsafe { std::mem::transmute(rt.stub_address(f).unwrap()) };
    let (a, b) = inputs(1);
    // First call: compiles, then completes with the original arguments (6 int + 8 float in
    // registers, 4 int + 2 float on the stack).
    assert_eq!(call_mix(mix, &a, &b), mix_ref(&a, &b));
    assert_eq!(compiles.load(Ordering::SeqCst), 1);
    let (a, b) = inputs(2);
    assert_eq!(call_mix(mix, &a, &b), mix_ref(&a, &b));
    assert_eq!(compiles.load(Ordering::SeqCst), 1, "compiled once");
    assert_ne!(
        rt.current_target(f).unwrap(),
        rt.lazy_thunk_address(f).unwrap()
    );

    // Reset to lazy and call from JIT code through the cell (load + call_indirect).
    rt.reset_to_lazy(f).unwrap();
    let cell = rt.entry_cell_address(f).unwrap();
    let rt2 = rt.clone();
    let mut ctx = build(&rt, &mix_params(), &[F64], move |fb, args| {
        let s = fb.import_signature(sig(&rt2, &mix_params(), &[F64]));
        let addr = fb.ins().iconst(I64, cell as i64);
        let target = fb.ins().load(I64, MemFlagsData::trusted(), addr, 0);
        let call = fb.ins().call_indirect(s, target, args);
        let r = fb.inst_results(call)[0];
        let one = fb.ins().f64const(1.0);
        vec![fb.ins().fadd(r, one)]
    });
    let caller = rt
        .compile_and_install("mix_caller", None, &mut ctx, &no_symbols)
        .unwrap();
    // SAFETY: same signature.
    let via_jit: Mix = unsafe { std::mem::transmute(caller.entry()) };
    let (a, b) = inputs(3);
    assert_eq!(call_mix(via_jit, &a, &b), mix_ref(&a, &b) + 1.0);
    assert_eq!(compiles.load(Ordering::SeqCst), 2);
    assert_eq!(rt.counters().lazy_compiles, 2);
}

#[test]
fn concurrent_first_calls_compile_once() {
    let rt = runtime();
    let compiles = Arc::new(AtomicUsize::new(0));
    let c2 = compiles.clone();
    let f = rt
        .declare_lazy_function(
            "mix",
            Arc::new(move |rt, f| {
                c2.fetch_add(1, Ordering::SeqCst);
                compile_mix(rt, f)
            }),
        )
        .unwrap();
    let stub = rt.stub_address(f).unwrap();
    let start = Arc::new(Barrier::new(4));
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let start = start.clone();
            let rt = rt.clone();
            std::thread::spawn(move || {
                let _h = rt.register_thread();
                start.wait();
                // SAFETY: as in `lazy_compile_with_register_and_stack_arguments`.
                let mix: Mix = unsafe { std::mem::transmute(stub) };
                for s in 0..50 {
                    let (a, b) = inputs(t * 100 + s);
                    assert_eq!(call_mix(mix, &a, &b), mix_ref(&a, &b));
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(compiles.load(Ordering::SeqCst), 1);
}

extern "C" fn fallback_minus_one(_x: i64) -> i64 {
    -1
}

#[test]
fn failed_lazy_compile_goes_to_fallback() {
    let rt = runtime();
    let f = rt
        .declare_lazy_function(
            "broken",
            Arc::new(|_, _| Err(JitError::Compile("deliberate failure".into()))),
        )
        .unwrap();
    rt.set_fallback(f, fallback_minus_one as *const () as usize)
        .unwrap();
    // SAFETY: both the (never produced) code and the fallback are `extern "C" fn(i64) -> i64`.
    let call: extern "C" fn(i64) -> i64 =
        unsafe { std::mem::transmute(rt.stub_address(f).unwrap()) };
    assert_eq!(call(5), -1);
    // A function with no compiler at all also falls back.
    let g = rt.declare_function("undefined").unwrap();
    rt.set_fallback(g, fallback_minus_one as *const () as usize)
        .unwrap();
    // SAFETY: as above.
    let call: extern "C" fn(i64) -> i64 =
        unsafe { std::mem::transmute(rt.stub_address(g).unwrap()) };
    assert_eq!(call(5), -1);
}
