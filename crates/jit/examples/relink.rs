// Compile a function, install it, call it, recompile it, relink its callers, free the old
// version. Run with `cargo run -p moonlift-jit --example relink`.
use cranelift_codegen::Context;
use cranelift_codegen::ir::types::I64;
use cranelift_codegen::ir::{
    AbiParam, ExtFuncData, ExternalName, Function, InstBuilder, Signature, UserExternalName,
    UserFuncName,
};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use moonlift_jit::reloc::LinkTarget;
use moonlift_jit::runtime::{JitConfig, JitRuntime};

/// `fn(i64) -> i64` with the runtime's calling convention.
fn signature(rt: &JitRuntime) -> Signature {
    let mut s = Signature::new(rt.isa().default_call_conv());
    s.params.push(AbiParam::new(I64));
    s.returns.push(AbiParam::new(I64));
    s
}

/// `square_plus(x) = x * x + k`.
fn square_plus(rt: &JitRuntime, k: i64) -> Context {
    let mut func = Function::with_name_signature(UserFuncName::user(0, 0), signature(rt));
    let mut fctx = FunctionBuilderContext::new();
    let mut fb = FunctionBuilder::new(&mut func, &mut fctx);
    let block = fb.create_block();
    fb.append_block_params_for_function_params(block);
    fb.switch_to_block(block);
    fb.seal_block(block);
    let x = fb.block_params(block)[0];
    let sq = fb.ins().imul(x, x);
    let r = fb.ins().iadd_imm_s(sq, k);
    fb.ins().return_(&[r]);
    fb.finalize(rt.isa().frontend_config());
    Context::for_function(func)
}

/// `twice(x) = callee(x) * 2`, calling user function 0 with a direct (colocated) call.
fn twice(rt: &JitRuntime) -> Context {
    let mut func = Function::with_name_signature(UserFuncName::user(0, 1), signature(rt));
    let mut fctx = FunctionBuilderContext::new();
    let mut fb = FunctionBuilder::new(&mut func, &mut fctx);
    let sig = fb.import_signature(signature(rt));
    let name = fb
        .func
        .declare_imported_user_function(UserExternalName::new(0, 0));
    let callee = fb.import_function(ExtFuncData {
        name: ExternalName::user(name),
        signature: sig,
        colocated: true,
        patchable: false,
    });
    let block = fb.create_block();
    fb.append_block_params_for_function_params(block);
    fb.switch_to_block(block);
    fb.seal_block(block);
    let x = fb.block_params(block)[0];
    let call = fb.ins().call(callee, &[x]);
    let r = fb.inst_results(call)[0];
    let r2 = fb.ins().iadd(r, r);
    fb.ins().return_(&[r2]);
    fb.finalize(rt.isa().frontend_config());
    Context::for_function(func)
}

fn main() -> Result<(), moonlift_jit::runtime::JitError> {
    let rt = JitRuntime::new(JitConfig::default())?;

    // A logical function: a stable stub address and an entry cell.
    let sq = rt.declare_function("square_plus")?;
    let v1 = rt.compile_and_install(
        "square_plus.v1",
        Some(sq),
        &mut square_plus(&rt, 1),
        &|_| None,
    )?;
    rt.replace(sq, v1.id())?;

    // A caller linked directly (`call rel32`) to square_plus's current code.
    let resolve = |n: &UserExternalName| (n.index == 0).then_some(LinkTarget::Function(sq));
    let caller = rt.compile_and_install("twice", None, &mut twice(&rt), &resolve)?;

    // SAFETY: both addresses hold code of signature `extern "C" fn(i64) -> i64` (System V),
    // and the runtime outlives every call below.
    let via_stub: extern "C" fn(i64) -> i64 = unsafe { std::mem::transmute(rt.stub_address(sq)?) };
    // SAFETY: as above.
    let via_caller: extern "C" fn(i64) -> i64 = unsafe { std::mem::transmute(caller.entry()) };
    assert_eq!(via_stub(5), 26);
    assert_eq!(via_caller(5), 52);

    // Recompile: publish v2 in the cell (one atomic store), relink the direct call in `twice`
    // at a safepoint, retire v1.
    let v2 = rt.compile_and_install(
        "square_plus.v2",
        Some(sq),
        &mut square_plus(&rt, 100),
        &|_| None,
    )?;
    let previous = rt.replace(sq, v2.id())?;
    assert_eq!(previous, Some(v1.id()));
    assert_eq!(via_stub(5), 125, "same function pointer, new code");
    assert_eq!(via_caller(5), 250, "the direct call was relinked");

    // Nothing reaches v1 any more: free it (poisoned with int3 in debug builds).
    let report = rt.reclaim();
    assert_eq!(report.freed, vec![v1.id()]);
    println!(
        "square_plus v1 at {:#x} freed ({} bytes); v2 at {:#x}; stub {:#x}",
        v1.start(),
        report.freed_bytes,
        v2.start(),
        rt.stub_address(sq)?
    );
    Ok(())
}
