//! Helpers shared by the runtime's integration tests: building small Cranelift functions.
#![allow(dead_code, reason = "each test file uses a different subset")]

use std::collections::HashMap;

use cranelift_codegen::Context;
use cranelift_codegen::ir::{
    AbiParam, ExtFuncData, ExternalName, FuncRef, Function, InstBuilder, Signature, Type,
    UserExternalName, UserFuncName, Value,
};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use moonlift_jit::code_memory::CodeMemoryConfig;
use moonlift_jit::reloc::LinkTarget;
use moonlift_jit::runtime::{JitConfig, JitRuntime};

/// A runtime with a small region and poisoning on.
pub fn runtime() -> JitRuntime {
    JitRuntime::new(JitConfig {
        code: CodeMemoryConfig {
            reserve: 64 << 20,
            poison: true,
        },
        verifier: true,
        ..Default::default()
    })
    .expect("runtime")
}

/// A signature with the runtime's default calling convention.
pub fn sig(rt: &JitRuntime, params: &[Type], rets: &[Type]) -> Signature {
    let mut s = Signature::new(rt.isa().default_call_conv());
    s.params.extend(params.iter().map(|t| AbiParam::new(*t)));
    s.returns.extend(rets.iter().map(|t| AbiParam::new(*t)));
    s
}

/// Symbol table for a test: user name index → link target.
#[derive(Default, Clone)]
pub struct Symbols(pub HashMap<u32, LinkTarget>);

impl Symbols {
    pub fn resolve(&self, n: &UserExternalName) -> Option<LinkTarget> {
        self.0.get(&n.index).copied()
    }
}

/// Imports user function `index` (namespace 0) with the given signature.
pub fn import(
    fb: &mut FunctionBuilder<'_>,
    rt: &JitRuntime,
    index: u32,
    params: &[Type],
    rets: &[Type],
    colocated: bool,
) -> FuncRef {
    let s = fb.import_signature(sig(rt, params, rets));
    let name = fb
        .func
        .declare_imported_user_function(UserExternalName::new(0, index));
    fb.import_function(ExtFuncData {
        name: ExternalName::user(name),
        signature: s,
        colocated,
        patchable: false,
    })
}

/// Builds a function with one block: `body` gets the builder and the parameters and returns
/// the values to return.
pub fn build(
    rt: &JitRuntime,
    params: &[Type],
    rets: &[Type],
    body: impl FnOnce(&mut FunctionBuilder<'_>, &[Value]) -> Vec<Value>,
) -> Context {
    let mut func = Function::with_name_signature(UserFuncName::user(1, 0), sig(rt, params, rets));
    let mut fctx = FunctionBuilderContext::new();
    {
        let mut fb = FunctionBuilder::new(&mut func, &mut fctx);
        let b = fb.create_block();
        fb.append_block_params_for_function_params(b);
        fb.switch_to_block(b);
        fb.seal_block(b);
        let args = fb.block_params(b).to_vec();
        let rv = body(&mut fb, &args);
        fb.ins().return_(&rv);
        fb.finalize(rt.isa().frontend_config());
    }
    Context::for_function(func)
}
