//! Installing Cranelift code: relocations, lookup by address, unwind info (panics and
//! backtraces crossing JIT frames), region exhaustion.

mod support;

use std::sync::Mutex;

use cranelift_codegen::binemit::Reloc;
use cranelift_codegen::ir::types::I64;
use cranelift_codegen::ir::{InstBuilder, UserExternalName};
use moonlift_jit::code_memory::{CodeMemoryConfig, CodeMemoryError};
use moonlift_jit::reloc::LinkTarget;
use moonlift_jit::runtime::{JitConfig, JitError, JitRuntime};
use support::{Symbols, build, import, runtime};

extern "C" fn rust_triple(x: i64) -> i64 {
    3 * x
}

fn no_symbols(_: &UserExternalName) -> Option<LinkTarget> {
    None
}

#[test]
fn install_and_call() {
    let rt = runtime();
    let mut ctx = build(&rt, &[I64], &[I64], |fb, a| {
        let c = fb.ins().iconst(I64, 41);
        vec![fb.ins().iadd(a[0], c)]
    });
    let blob = rt
        .compile_and_install("add41", None, &mut ctx, &no_symbols)
        .unwrap();
    // SAFETY: the blob implements `extern "C" fn(i64) -> i64` (System V) and stays installed.
    let f: extern "C" fn(i64) -> i64 = unsafe { std::mem::transmute(blob.entry()) };
    assert_eq!(f(1), 42);
    assert_eq!(f(-41), 0);
    assert!(rt.code_memory().contains_rx(blob.entry()));
    assert!(blob.unwind_info.is_some());
}

#[test]
fn abs8_call_into_rust() {
    let rt = runtime();
    let mut syms = Symbols::default();
    syms.0
        .insert(7, LinkTarget::Address(rust_triple as *const () as usize));
    let rt2 = rt.clone();
    let mut ctx = build(&rt, &[I64], &[I64], move |fb, a| {
        let callee = import(fb, &rt2, 7, &[I64], &[I64], false);
        let call = fb.ins().call(callee, &[a[0]]);
        let r = fb.inst_results(call)[0];
        let one = fb.ins().iconst(I64, 1);
        vec![fb.ins().iadd(r, one)]
    });
    let blob = rt
        .compile_and_install("triple_plus_one", None, &mut ctx, &|n| syms.resolve(n))
        .unwrap();
    assert!(blob.relocs.iter().any(|r| r.kind == Reloc::Abs8));
    assert_eq!(blob.call_sites.len(), 1);
    // SAFETY: see `install_and_call`.
    let f: extern "C" fn(i64) -> i64 = unsafe { std::mem::transmute(blob.entry()) };
    assert_eq!(f(5), 16);
}

#[test]
fn colocated_call_links_directly_and_is_recorded() {
    let rt = runtime();
    let callee_fn = rt.declare_function("callee").unwrap();
    let mut ctx = build(&rt, &[I64], &[I64], |fb, a| {
        let c = fb.ins().iconst(I64, 100);
        vec![fb.ins().imul(a[0], c)]
    });
    let callee = rt
        .compile_and_install("callee", Some(callee_fn), &mut ctx, &no_symbols)
        .unwrap();
    rt.set_entry(callee_fn, callee.id()).unwrap();

    let mut syms = Symbols::default();
    syms.0.insert(1, LinkTarget::Function(callee_fn));
    let rt2 = rt.clone();
    let mut ctx = build(&rt, &[I64], &[I64], move |fb, a| {
        let f = import(fb, &rt2, 1, &[I64], &[I64], true);
        let call = fb.ins().call(f, &[a[0]]);
        vec![fb.inst_results(call)[0]]
    });
    let caller = rt
        .compile_and_install("caller", None, &mut ctx, &|n| syms.resolve(n))
        .unwrap();
    let reloc = caller
        .relocs
        .iter()
        .find(|r| r.kind == Reloc::X86CallPCRel4)
        .expect("colocated call reloc");
    // The rel32 field targets the callee's code, not its stub.
    let site = caller.start() + reloc.offset as usize;
    // SAFETY: reading 4 bytes of installed code.
    let rel = unsafe { (site as *const i32).read_unaligned() } as i64;
    assert_eq!(
        (site as i64 + 4 + rel) as usize,
        callee.entry(),
        "direct call must reach the callee blob"
    );
    assert_eq!(
        rt.direct_callers(callee.id()),
        vec![(caller.id(), reloc.offset)]
    );
    // SAFETY: see `install_and_call`.
    let f: extern "C" fn(i64) -> i64 = unsafe { std::mem::transmute(caller.entry()) };
    assert_eq!(f(3), 300);
    // Through the stub too.
    // SAFETY: the stub jumps to the callee blob, same signature.
    let s: extern "C" fn(i64) -> i64 =
        unsafe { std::mem::transmute(rt.stub_address(callee_fn).unwrap()) };
    assert_eq!(s(4), 400);
}

#[test]
fn got_relocations_with_pic() {
    let rt = JitRuntime::new(JitConfig {
        is_pic: true,
        ..Default::default()
    })
    .unwrap();
    let target = rt.declare_function("target").unwrap();
    let mut ctx = build(&rt, &[I64], &[I64], |fb, a| {
        let c = fb.ins().iconst(I64, 7);
        vec![fb.ins().isub(a[0], c)]
    });
    let tblob = rt
        .compile_and_install("target", Some(target), &mut ctx, &no_symbols)
        .unwrap();
    rt.set_entry(target, tblob.id()).unwrap();
    let mut syms = Symbols::default();
    syms.0
        .insert(1, LinkTarget::Address(rust_triple as *const () as usize));
    syms.0.insert(2, LinkTarget::Function(target));
    let rt2 = rt.clone();
    let mut ctx = build(&rt, &[I64], &[I64], move |fb, a| {
        let r = import(fb, &rt2, 1, &[I64], &[I64], false);
        let t = import(fb, &rt2, 2, &[I64], &[I64], false);
        let c1 = fb.ins().call(r, &[a[0]]);
        let v = fb.inst_results(c1)[0];
        let c2 = fb.ins().call(t, &[v]);
        vec![fb.inst_results(c2)[0]]
    });
    let blob = rt
        .compile_and_install("pic", None, &mut ctx, &|n| syms.resolve(n))
        .unwrap();
    let gots = blob
        .relocs
        .iter()
        .filter(|r| r.kind == Reloc::X86GOTPCRel4)
        .count();
    assert_eq!(gots, 2, "relocs: {:?}", blob.relocs);
    // SAFETY: see `install_and_call`.
    let f: extern "C" fn(i64) -> i64 = unsafe { std::mem::transmute(blob.entry()) };
    assert_eq!(f(5), 8);
    // The GOT entry of a runtime function is its cell: republishing changes what PIC code calls.
    let mut ctx = build(&rt, &[I64], &[I64], |fb, a| {
        let c = fb.ins().iconst(I64, 1000);
        vec![fb.ins().iadd(a[0], c)]
    });
    let t2 = rt
        .compile_and_install("target2", Some(target), &mut ctx, &no_symbols)
        .unwrap();
    rt.replace(target, t2.id()).unwrap();
    assert_eq!(f(5), 1015);
}

#[test]
fn lookup_by_address_is_exact() {
    let rt = runtime();
    let mut blobs = Vec::new();
    for k in 0..50i64 {
        let mut ctx = build(&rt, &[I64], &[I64], |fb, a| {
            let c = fb.ins().iconst(I64, k);
            vec![fb.ins().iadd(a[0], c)]
        });
        blobs.push(
            rt.compile_and_install(&format!("f{k}"), None, &mut ctx, &no_symbols)
                .unwrap(),
        );
    }
    for b in &blobs {
        for off in [0, b.len() / 2, b.len() - 1] {
            let (found, o) = rt.blob_for_address(b.start() + off).unwrap();
            assert_eq!(found.id(), b.id());
            assert_eq!(o as usize, off);
        }
        if let Some((other, _)) = rt.blob_for_address(b.start() + b.len()) {
            assert_ne!(other.id(), b.id());
        }
    }
    assert!(rt.blob_for_address(0x1000).is_none());
    assert!(rt.blob_for_address(rt.lazy_trampoline()).is_none());
}

static BACKTRACE: Mutex<String> = Mutex::new(String::new());

extern "C-unwind" fn rust_panics(x: i64) -> i64 {
    if x > 0 {
        panic!("boom from rust at {x}");
    }
    x
}

extern "C-unwind" fn rust_captures_backtrace(x: i64) -> i64 {
    *BACKTRACE.lock().unwrap() = std::backtrace::Backtrace::force_capture().to_string();
    x + 1
}

fn install_caller_of(rt: &JitRuntime, target: usize) -> usize {
    let mut syms = Symbols::default();
    syms.0.insert(1, LinkTarget::Address(target));
    let rt2 = rt.clone();
    let mut ctx = build(rt, &[I64], &[I64], move |fb, a| {
        let f = import(fb, &rt2, 1, &[I64], &[I64], false);
        let call = fb.ins().call(f, &[a[0]]);
        let r = fb.inst_results(call)[0];
        // Work after the call so the JIT frame is a real frame, not a tail position.
        let two = fb.ins().iconst(I64, 2);
        vec![fb.ins().imul(r, two)]
    });
    rt.compile_and_install("jit_frame", None, &mut ctx, &|n| syms.resolve(n))
        .unwrap()
        .entry()
}

#[test]
fn panic_unwinds_through_jit_frame() {
    let rt = runtime();
    let entry = install_caller_of(&rt, rust_panics as *const () as usize);
    // SAFETY: the JIT function has the `extern "C-unwind" fn(i64) -> i64` ABI (System V) and
    // registered unwind info, so a panic may cross it.
    let f: extern "C-unwind" fn(i64) -> i64 = unsafe { std::mem::transmute(entry) };
    assert_eq!(f(-5), -10);
    let r = std::panic::catch_unwind(|| f(9));
    let err = r.expect_err("the panic must reach catch_unwind");
    let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert_eq!(msg, "boom from rust at 9");
    // Still usable afterwards.
    assert_eq!(f(-1), -2);
}

#[test]
fn backtrace_crosses_jit_frames() {
    let rt = runtime();
    let entry = install_caller_of(&rt, rust_captures_backtrace as *const () as usize);
    // SAFETY: as in `panic_unwinds_through_jit_frame`.
    let f: extern "C-unwind" fn(i64) -> i64 = unsafe { std::mem::transmute(entry) };
    assert_eq!(f(1), 4);
    let bt = BACKTRACE.lock().unwrap().clone();
    assert!(
        bt.contains("rust_captures_backtrace"),
        "callee frame missing:\n{bt}"
    );
    assert!(
        bt.contains("backtrace_crosses_jit_frames"),
        "the test function's frame (beyond the JIT frame) is missing:\n{bt}"
    );
}

#[test]
fn full_region_is_an_error() {
    let rt = JitRuntime::new(JitConfig {
        code: CodeMemoryConfig {
            reserve: 16 * 1024,
            poison: true,
        },
        ..Default::default()
    })
    .unwrap();
    let mut saw_full = false;
    for k in 0..10_000i64 {
        let mut ctx = build(&rt, &[I64], &[I64], |fb, a| {
            let c = fb.ins().iconst(I64, k);
            vec![fb.ins().iadd(a[0], c)]
        });
        match rt.compile_and_install("filler", None, &mut ctx, &no_symbols) {
            Ok(_) => {}
            Err(JitError::CodeMemory(CodeMemoryError::Full { .. })) => {
                saw_full = true;
                break;
            }
            Err(e) => panic!("unexpected error {e}"),
        }
    }
    assert!(saw_full);
    assert!(rt.code_usage().in_use <= 16 * 1024);
}

#[test]
fn colocated_call_out_of_reach_goes_through_a_veneer() {
    let rt = runtime();
    let target = rust_triple as *const () as usize;
    let mut syms = Symbols::default();
    syms.0.insert(1, LinkTarget::Address(target));
    let rt2 = rt.clone();
    // `colocated: true` for a Rust function: a `call rel32` that may not reach.
    let mut ctx = build(&rt, &[I64], &[I64], move |fb, a| {
        let f = import(fb, &rt2, 1, &[I64], &[I64], true);
        let call = fb.ins().call(f, &[a[0]]);
        vec![fb.inst_results(call)[0]]
    });
    let blob = rt
        .compile_and_install("far", None, &mut ctx, &|n| syms.resolve(n))
        .unwrap();
    let r = blob
        .relocs
        .iter()
        .find(|r| r.kind == Reloc::X86CallPCRel4)
        .unwrap();
    let site = blob.start() + r.offset as usize;
    // SAFETY: reading 4 bytes of installed code.
    let rel = unsafe { (site as *const i32).read_unaligned() } as i64;
    let dest = (site as i64 + 4 + rel) as usize;
    let reach = (target as i64 - site as i64).unsigned_abs() < 1 << 31;
    if reach {
        assert_eq!(dest, target);
    } else {
        assert!(
            rt.code_memory().contains_rx(dest),
            "out of reach: through a veneer"
        );
    }
    // SAFETY: see `install_and_call`.
    let f: extern "C" fn(i64) -> i64 = unsafe { std::mem::transmute(blob.entry()) };
    assert_eq!(f(7), 21);
}

#[test]
fn function_address_is_the_stub() {
    let rt = runtime();
    let callee = rt.declare_function("callee").unwrap();
    let mut syms = Symbols::default();
    syms.0.insert(1, LinkTarget::Function(callee));
    let rt2 = rt.clone();
    let mut ctx = build(&rt, &[], &[I64], move |fb, _| {
        let f = import(fb, &rt2, 1, &[I64], &[I64], true);
        vec![fb.ins().func_addr(I64, f)]
    });
    let blob = rt
        .compile_and_install("addr_of", None, &mut ctx, &|n| syms.resolve(n))
        .unwrap();
    // SAFETY: `extern "C" fn() -> i64`.
    let f: extern "C" fn() -> i64 = unsafe { std::mem::transmute(blob.entry()) };
    assert_eq!(f() as usize, rt.stub_address(callee).unwrap());
}
