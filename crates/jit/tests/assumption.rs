//! Assumptions with real JIT code: after invalidation the next call (through the stub and through
//! a relinked direct call) goes to the fallback; code already running sees its validity flag
//! after its call returns; the blob is marked invalid and retired.

mod support;

use std::cell::RefCell;
use std::sync::Arc;

use cranelift_codegen::ir::InstBuilder;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::I64;
use moonlift_jit::assumption::*;
use moonlift_jit::blob::{BlobState, CodeBlob};
use moonlift_jit::reloc::LinkTarget;
use moonlift_jit::runtime::JitRuntime;
use moonlift_jit::stub::FuncId;
use support::{Symbols, build, import, runtime};

fn install_unary(
    rt: &JitRuntime,
    name: &str,
    f: Option<FuncId>,
    op: impl FnOnce(
        &mut cranelift_frontend::FunctionBuilder<'_>,
        cranelift_codegen::ir::Value,
    ) -> cranelift_codegen::ir::Value,
) -> Arc<CodeBlob> {
    let mut ctx = build(rt, &[I64], &[I64], |fb, a| vec![op(fb, a[0])]);
    rt.compile_and_install(name, f, &mut ctx, &|_| None)
        .unwrap()
}

fn call(addr: usize, x: i64) -> i64 {
    // SAFETY: every function in this file is `extern "C" fn(i64) -> i64` and stays installed
    // (retired blobs are not reclaimed here).
    let f: extern "C" fn(i64) -> i64 = unsafe { std::mem::transmute(addr) };
    f(x)
}

#[test]
fn invalidation_sends_the_next_call_to_the_fallback_and_retires_the_blob() {
    let rt = runtime();
    let reg = AssumptionRegistry::new();
    let g = rt.declare_function("g").unwrap();
    let opt = install_unary(&rt, "g.opt", Some(g), |fb, x| fb.ins().imul_imm_s(x, 2));
    let base = install_unary(&rt, "g.base", Some(g), |fb, x| fb.ins().iadd_imm_s(x, 1000));
    rt.set_entry(g, opt.id()).unwrap();

    // A caller with a direct call to g (linked to g.opt and recorded for relinking).
    let mut syms = Symbols::default();
    syms.0.insert(1, LinkTarget::Function(g));
    let rt2 = rt.clone();
    let mut ctx = build(&rt, &[I64], &[I64], move |fb, a| {
        let callee = import(fb, &rt2, 1, &[I64], &[I64], true);
        let c = fb.ins().call(callee, &[a[0]]);
        vec![fb.inst_results(c)[0]]
    });
    let caller = rt
        .compile_and_install("caller", None, &mut ctx, &|n| syms.resolve(n))
        .unwrap();

    let a = reg.register("g is never redefined");
    assert_eq!(reg.description(a).as_deref(), Some("g is never redefined"));
    reg.add_dependency(a, &opt, None, &[(g, Fallback::Code(base.id()))])
        .unwrap();
    assert_eq!(reg.dependents(a), 1);
    let stub = rt.stub_address(g).unwrap();
    assert_eq!(call(stub, 3), 6);
    assert_eq!(call(caller.entry(), 3), 6);

    let report = reg.invalidate(&rt, a).unwrap();
    assert_eq!(report.blobs, vec![opt.id()]);
    assert_eq!(report.cells_reset, 1);
    assert_eq!(report.sites_relinked, 1);
    assert_eq!(call(stub, 3), 1003, "the stub now reaches the fallback");
    assert_eq!(
        call(caller.entry(), 3),
        1003,
        "the direct call was relinked"
    );
    assert!(opt.is_invalid());
    assert_eq!(opt.state(), BlobState::Retired);
    assert_eq!(rt.current_code(g), Some(base.id()));
    assert!(!reg.is_valid(a).unwrap());
    assert!(matches!(
        reg.add_dependency(a, &base, None, &[]),
        Err(AssumptionError::AlreadyInvalid(_))
    ));
    // Idempotent.
    assert_eq!(
        reg.invalidate(&rt, a).unwrap(),
        InvalidationReport::default()
    );
    assert!(matches!(
        reg.is_valid(AssumptionId(99)),
        Err(AssumptionError::Unknown(_))
    ));
}

#[test]
fn a_newer_version_in_the_cell_is_left_alone() {
    let rt = runtime();
    let reg = AssumptionRegistry::new();
    let g = rt.declare_function("g").unwrap();
    let v1 = install_unary(&rt, "g.v1", Some(g), |fb, x| fb.ins().imul_imm_s(x, 2));
    let v2 = install_unary(&rt, "g.v2", Some(g), |fb, x| fb.ins().imul_imm_s(x, 3));
    rt.set_entry(g, v1.id()).unwrap();
    let a = reg.register("a");
    reg.add_dependency(a, &v1, None, &[(g, Fallback::Lazy)])
        .unwrap();
    rt.set_entry(g, v2.id()).unwrap();
    let report = reg.invalidate(&rt, a).unwrap();
    assert_eq!(report.cells_reset, 0);
    assert_eq!(call(rt.stub_address(g).unwrap(), 5), 15);
    assert!(v1.is_invalid());
    assert!(!v2.is_invalid());
}

struct Ctx {
    rt: JitRuntime,
    reg: Arc<AssumptionRegistry>,
    id: AssumptionId,
}

thread_local! {
    static CTX: RefCell<Option<Ctx>> = const { RefCell::new(None) };
}

/// Called from JIT code: invalidates the assumption when `x == 42`, returns `x`.
extern "C" fn maybe_invalidate(x: i64) -> i64 {
    if x == 42 {
        CTX.with(|c| {
            let c = c.borrow();
            let c = c.as_ref().unwrap();
            c.reg.invalidate(&c.rt, c.id).unwrap();
        });
    }
    x
}

extern "C" fn interpreter_fallback(_x: i64) -> i64 {
    -2
}

#[test]
fn running_code_sees_the_flag_after_its_call_returns() {
    let rt = runtime();
    let reg = Arc::new(AssumptionRegistry::new());
    let id = reg.register("x never equals 42");
    let flag = reg.new_flag();
    let h = rt.declare_function("h").unwrap();
    let mut syms = Symbols::default();
    syms.0.insert(
        1,
        LinkTarget::Address(maybe_invalidate as *const () as usize),
    );
    let rt2 = rt.clone();
    let flag2 = Arc::clone(&flag);
    // h(x) = { r = maybe_invalidate(x); if *flag != 0 { -1 } else { r } }
    let mut ctx = build(&rt, &[I64], &[I64], move |fb, a| {
        let cb = import(fb, &rt2, 1, &[I64], &[I64], false);
        let c = fb.ins().call(cb, &[a[0]]);
        let r = fb.inst_results(c)[0];
        let word = emit_validity_check(fb, &flag2);
        let bad = fb.ins().icmp_imm_s(IntCC::NotEqual, word, 0);
        let minus1 = fb.ins().iconst(I64, -1);
        vec![fb.ins().select(bad, minus1, r)]
    });
    let blob = rt
        .compile_and_install("h.opt", Some(h), &mut ctx, &|n| syms.resolve(n))
        .unwrap();
    rt.set_entry(h, blob.id()).unwrap();
    reg.add_dependency(
        id,
        &blob,
        Some(Arc::clone(&flag)),
        &[(
            h,
            Fallback::Address(interpreter_fallback as *const () as usize),
        )],
    )
    .unwrap();
    CTX.with(|c| {
        *c.borrow_mut() = Some(Ctx {
            rt: rt.clone(),
            reg: Arc::clone(&reg),
            id,
        })
    });
    let stub = rt.stub_address(h).unwrap();
    assert_eq!(call(stub, 7), 7);
    assert!(!flag.is_invalid());
    // This call invalidates while h is running: h sees its flag after the call returns.
    assert_eq!(call(stub, 42), -1);
    assert!(flag.is_invalid());
    assert!(blob.is_invalid());
    assert_eq!(blob.state(), BlobState::Retired);
    // The next call goes to the fallback.
    assert_eq!(call(stub, 7), -2);
    CTX.with(|c| *c.borrow_mut() = None);
}
