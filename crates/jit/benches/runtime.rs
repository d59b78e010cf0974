//! Runtime benchmarks (criterion): call paths, relink, install, patchpoints, stackmap lookup,
//! reclamation, and Cranelift compile time per CLIF instruction. Figures: crates/jit/README.md.
//!
//! Run: `cargo bench -p moonlift-jit --bench runtime -- --warm-up-time 1 --measurement-time 2`.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cranelift_codegen::Context;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::I64;
use cranelift_codegen::ir::{
    AbiParam, ExtFuncData, ExternalName, Function, InstBuilder, MemFlagsData, Signature,
    UserExternalName, UserFuncName, Value,
};
use cranelift_codegen::isa::CallConv;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use moonlift_jit::blob::CodeBlob;
use moonlift_jit::code_memory::CodeMemoryConfig;
use moonlift_jit::patchpoint::{Patchpoints, emit_patchpoint, import_patchable};
use moonlift_jit::reloc::LinkTarget;
use moonlift_jit::runtime::{JitConfig, JitRuntime, OptLevel, Regalloc};
use moonlift_jit::stackmap::{FunctionStackMaps, StackMapRecord, StackMapRegistry};

fn runtime(opt: OptLevel, regalloc: Regalloc) -> JitRuntime {
    JitRuntime::new(JitConfig {
        code: CodeMemoryConfig {
            reserve: 256 << 20,
            poison: false,
        },
        opt_level: opt,
        regalloc,
        ..Default::default()
    })
    .unwrap()
}

fn sig(params: usize, rets: usize) -> Signature {
    let mut s = Signature::new(CallConv::SystemV);
    s.params.extend((0..params).map(|_| AbiParam::new(I64)));
    s.returns.extend((0..rets).map(|_| AbiParam::new(I64)));
    s
}

/// One-block function `(i64) -> i64` built by `body`.
fn func1(rt: &JitRuntime, body: impl FnOnce(&mut FunctionBuilder<'_>, Value) -> Value) -> Function {
    let mut func = Function::with_name_signature(UserFuncName::user(0, 0), sig(1, 1));
    let mut fctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut fctx);
    let blk = b.create_block();
    b.append_block_params_for_function_params(blk);
    b.switch_to_block(blk);
    b.seal_block(blk);
    let x = b.block_params(blk)[0];
    let r = body(&mut b, x);
    b.ins().return_(&[r]);
    b.finalize(rt.isa().frontend_config());
    func
}

fn install(
    rt: &JitRuntime,
    name: &str,
    func: Function,
    syms: &[(u32, LinkTarget)],
) -> Arc<CodeBlob> {
    let syms = syms.to_vec();
    rt.compile_and_install(name, None, &mut Context::for_function(func), &|n| {
        syms.iter().find(|(i, _)| *i == n.index).map(|(_, t)| *t)
    })
    .unwrap()
}

#[derive(Clone, Copy)]
enum Path {
    Direct,
    Cell,
    Stub,
}

/// `loop(n) = sum_{i<n} g(i)`, calling g directly (colocated rel32), through its cell
/// (`call [cell]`) or through its stub (`call stub` → `jmp [cell]`).
fn call_loop(rt: &JitRuntime, g: moonlift_jit::stub::FuncId, path: Path) -> Arc<CodeBlob> {
    let mut func = Function::with_name_signature(UserFuncName::user(0, 1), sig(1, 1));
    let mut fctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut fctx);
    let s = b.import_signature(sig(1, 1));
    let nref = b
        .func
        .declare_imported_user_function(UserExternalName::new(0, 1));
    let callee = b.import_function(ExtFuncData {
        name: ExternalName::user(nref),
        signature: s,
        colocated: true,
        patchable: false,
    });
    let entry = b.create_block();
    let header = b.create_block();
    let body = b.create_block();
    let exit = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.append_block_param(header, I64);
    b.append_block_param(header, I64);
    b.append_block_param(exit, I64);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let n = b.block_params(entry)[0];
    let z = b.ins().iconst(I64, 0);
    b.ins().jump(header, &[z.into(), z.into()]);
    b.switch_to_block(header);
    let i = b.block_params(header)[0];
    let acc = b.block_params(header)[1];
    let done = b.ins().icmp(IntCC::SignedGreaterThanOrEqual, i, n);
    b.ins().brif(done, exit, &[acc.into()], body, &[]);
    b.switch_to_block(body);
    b.seal_block(body);
    let r = match path {
        Path::Direct => {
            let c = b.ins().call(callee, &[i]);
            b.inst_results(c)[0]
        }
        Path::Cell | Path::Stub => {
            let addr = match path {
                Path::Cell => {
                    let cell = b
                        .ins()
                        .iconst(I64, rt.entry_cell_address(g).unwrap() as i64);
                    b.ins().load(I64, MemFlagsData::trusted(), cell, 0)
                }
                _ => b.ins().iconst(I64, rt.stub_address(g).unwrap() as i64),
            };
            let c = b.ins().call_indirect(s, addr, &[i]);
            b.inst_results(c)[0]
        }
    };
    let acc2 = b.ins().iadd(acc, r);
    let i2 = b.ins().iadd_imm_s(i, 1);
    b.ins().jump(header, &[i2.into(), acc2.into()]);
    b.seal_block(header);
    b.switch_to_block(exit);
    b.seal_block(exit);
    let res = b.block_params(exit)[0];
    b.ins().return_(&[res]);
    b.finalize(rt.isa().frontend_config());
    install(rt, "loop", func, &[(1, LinkTarget::Function(g))])
}

fn as_fn(addr: usize) -> extern "C" fn(i64) -> i64 {
    // SAFETY: every benchmarked function is `extern "C" fn(i64) -> i64` and stays installed.
    unsafe { std::mem::transmute(addr) }
}

fn calls(c: &mut Criterion) {
    let rt = runtime(OptLevel::Speed, Regalloc::Backtracking);
    let g = rt.declare_function("g").unwrap();
    let gb = install(&rt, "g", func1(&rt, |b, x| b.ins().iadd_imm_s(x, 1)), &[]);
    rt.set_entry(g, gb.id()).unwrap();
    const N: i64 = 10_000;
    let mut grp = c.benchmark_group("call");
    grp.throughput(Throughput::Elements(N as u64));
    for (name, path) in [
        ("direct", Path::Direct),
        ("cell", Path::Cell),
        ("stub", Path::Stub),
    ] {
        let f = as_fn(call_loop(&rt, g, path).entry());
        assert_eq!(f(10), (1..=10).sum::<i64>());
        grp.bench_function(name, |bch| bch.iter(|| f(black_box(N))));
    }
    grp.finish();
}

fn relink(c: &mut Criterion) {
    let rt = runtime(OptLevel::None, Regalloc::SinglePass);
    let g = rt.declare_function("g").unwrap();
    let v1 = install(&rt, "g1", func1(&rt, |b, x| b.ins().iadd_imm_s(x, 1)), &[]);
    let v2 = install(&rt, "g2", func1(&rt, |b, x| b.ins().iadd_imm_s(x, 2)), &[]);
    rt.set_entry(g, v1.id()).unwrap();
    let _caller = call_loop(&rt, g, Path::Direct);
    let mut cur = (v1.id(), v2.id());
    c.bench_function("relink/1-site", |b| {
        b.iter(|| {
            rt.relink(cur.0, cur.1).unwrap();
            cur = (cur.1, cur.0);
        })
    });
    c.bench_function("relink/cell-store", |b| {
        b.iter(|| {
            rt.set_entry(g, cur.0).unwrap();
            cur = (cur.1, cur.0);
        })
    });
}

/// A straight-line function of about `n` CLIF instructions (a dependent arithmetic chain with
/// loads, stores and compares mixed in, so it is not trivially folded).
fn big_func(rt: &JitRuntime, n: usize) -> Function {
    func1(rt, |b, x| {
        let mut v = x;
        let mut w = x;
        for i in 0..n / 4 {
            let k = b.ins().iconst(I64, (i as i64) * 7 + 3);
            v = b.ins().iadd(v, k);
            w = b.ins().bxor(w, v);
            v = match i % 3 {
                0 => b.ins().imul(v, w),
                1 => b.ins().isub(v, w),
                _ => b.ins().rotl(v, k),
            };
        }
        b.ins().iadd(v, w)
    })
}

fn install_latency(c: &mut Criterion) {
    let rt = runtime(OptLevel::None, Regalloc::SinglePass);
    let mut grp = c.benchmark_group("install");
    for n in [64usize, 1024] {
        let func = big_func(&rt, n);
        let mut ctx = Context::for_function(func.clone());
        let code = rt.compile(&mut ctx).unwrap().clone();
        let bytes = code.code_buffer().len();
        grp.throughput(Throughput::Bytes(bytes as u64));
        grp.bench_function(format!("{bytes}B"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let t = Instant::now();
                    let blob = rt
                        .install(&moonlift_jit::runtime::InstallRequest {
                            name: "big",
                            func: None,
                            code: &code,
                            function: &func,
                            resolve: &|_| None,
                        })
                        .unwrap();
                    total += t.elapsed();
                    rt.retire(blob.id()).unwrap();
                    rt.reclaim();
                }
                total
            })
        });
    }
    grp.finish();
}

fn reclaim(c: &mut Criterion) {
    let rt = runtime(OptLevel::None, Regalloc::SinglePass);
    let func = func1(&rt, |b, x| b.ins().iadd_imm_s(x, 1));
    let mut ctx = Context::for_function(func.clone());
    let code = rt.compile(&mut ctx).unwrap().clone();
    const BLOBS: u64 = 64;
    let mut grp = c.benchmark_group("reclaim");
    grp.throughput(Throughput::Elements(BLOBS));
    grp.bench_function("64-blobs", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                for _ in 0..BLOBS {
                    let blob = rt
                        .install(&moonlift_jit::runtime::InstallRequest {
                            name: "tiny",
                            func: None,
                            code: &code,
                            function: &func,
                            resolve: &|_| None,
                        })
                        .unwrap();
                    rt.retire(blob.id()).unwrap();
                }
                let t = Instant::now();
                let r = rt.reclaim();
                total += t.elapsed();
                assert_eq!(r.freed.len() as u64, BLOBS);
            }
            total
        })
    });
    grp.finish();
}

fn patchpoints(c: &mut Criterion) {
    let rt = runtime(OptLevel::None, Regalloc::SinglePass);
    let t = rt.declare_function("t").unwrap();
    let mut ps = Signature::new(CallConv::PreserveAll);
    ps.params.push(AbiParam::new(I64));
    let mut tf = Function::with_name_signature(UserFuncName::user(0, 2), ps.clone());
    {
        let mut fctx = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut tf, &mut fctx);
        let blk = b.create_block();
        b.append_block_params_for_function_params(blk);
        b.switch_to_block(blk);
        b.seal_block(blk);
        b.ins().return_(&[]);
        b.finalize(rt.isa().frontend_config());
    }
    let tb = install(&rt, "t", tf, &[]);
    rt.set_entry(t, tb.id()).unwrap();
    let mut func = Function::with_name_signature(UserFuncName::user(0, 3), sig(1, 1));
    {
        let mut fctx = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut fctx);
        let target = import_patchable(&mut b, UserExternalName::new(0, 1), ps).unwrap();
        let blk = b.create_block();
        b.append_block_params_for_function_params(blk);
        b.switch_to_block(blk);
        b.seal_block(blk);
        let x = b.block_params(blk)[0];
        let pp = emit_patchpoint(&mut b, 1, target, &[x], &[x]).unwrap();
        b.ins().return_(&[pp.reloaded[0]]);
        b.finalize(rt.isa().frontend_config());
    }
    let mut ctx = Context::for_function(func);
    let blob = rt
        .compile_and_install("pp", None, &mut ctx, &|_| Some(LinkTarget::Stub(t)))
        .unwrap();
    let maps = FunctionStackMaps::from_compiled(&ctx.compiled_code().unwrap().buffer).unwrap();
    let pps = Patchpoints::new(blob, &maps).unwrap();
    c.bench_function("patchpoint/disable+enable", |b| {
        b.iter(|| {
            pps.disable(&rt, 1).unwrap();
            pps.enable(&rt, 1).unwrap();
        })
    });
}

fn stackmap_lookup(c: &mut Criterion) {
    let reg = StackMapRegistry::new();
    const FUNCS: u64 = 1000;
    const RECS: u32 = 16;
    for f in 0..FUNCS {
        let records = (0..RECS)
            .map(|r| StackMapRecord {
                id: u64::from(r),
                return_offset: 16 + r * 32,
                frame_size: 48,
                flags: 0,
                values: vec![],
                live_outs: vec![],
            })
            .collect();
        reg.register(
            0x10_0000 + f * 4096,
            4096,
            FunctionStackMaps {
                address: 0,
                records,
            },
        );
    }
    let mut k = 0u64;
    c.bench_function("stackmap/lookup-16k-records", |b| {
        b.iter(|| {
            k = k
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let f = (k >> 33) % FUNCS;
            let r = ((k >> 20) % u64::from(RECS)) as u32;
            let addr = 0x10_0000 + f * 4096 + u64::from(16 + r * 32);
            black_box(reg.lookup(black_box(addr)).is_some())
        })
    });
}

fn compile_time(c: &mut Criterion) {
    let mut grp = c.benchmark_group("compile");
    for (name, opt, ra) in [
        ("none+single_pass", OptLevel::None, Regalloc::SinglePass),
        (
            "speed+backtracking",
            OptLevel::Speed,
            Regalloc::Backtracking,
        ),
    ] {
        let rt = runtime(opt, ra);
        let func = big_func(&rt, 1000);
        let insts = func.dfg.num_insts() as u64;
        grp.throughput(Throughput::Elements(insts));
        grp.bench_function(format!("{name}/{insts}-insts"), |b| {
            b.iter(|| {
                let mut ctx = Context::for_function(func.clone());
                black_box(rt.compile(&mut ctx).unwrap().code_buffer().len())
            })
        });
    }
    grp.finish();
}

criterion_group!(
    benches,
    calls,
    relink,
    install_latency,
    reclaim,
    patchpoints,
    stackmap_lookup,
    compile_time
);
criterion_main!(benches);
