//! Observability on installed code: blob disassembly with markers, perf map lines, the
//! `--jit-stats` snapshot, and stackmap registrations that lapse when their blob is freed.

mod support;

use cranelift_codegen::Context;
use cranelift_codegen::ir::types::I64;
use cranelift_codegen::ir::{
    AbiParam, Function, InstBuilder, Signature, UserExternalName, UserFuncName,
};
use cranelift_codegen::isa::CallConv;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use moonlift_jit::deopt::DeoptTables;
use moonlift_jit::disasm::disassemble_blob;
use moonlift_jit::frame_state::{DeoptPoint, DeoptTable, Recovery, VirtualFrame};
use moonlift_jit::patchpoint::{emit_patchpoint, import_patchable};
use moonlift_jit::perf_map::PerfMap;
use moonlift_jit::reloc::LinkTarget;
use moonlift_jit::stackmap::{FunctionStackMaps, StackMapRegistry, ValueType};
use moonlift_jit::stats;
use support::{Symbols, runtime};

extern "C" fn nothing(_: i64) {}

#[test]
fn blob_dump_perf_map_stats_and_registry_lifetime() {
    let rt = runtime();
    let mut syms = Symbols::default();
    syms.0
        .insert(1, LinkTarget::Address(nothing as *const () as usize));
    let mut func =
        Function::with_name_signature(UserFuncName::user(1, 0), support::sig(&rt, &[I64], &[I64]));
    let mut fctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut fctx);
    let mut ts = Signature::new(CallConv::SystemV);
    ts.params.push(AbiParam::new(I64));
    let target = import_patchable(&mut b, UserExternalName::new(0, 1), ts).unwrap();
    let blk = b.create_block();
    b.append_block_params_for_function_params(blk);
    b.switch_to_block(blk);
    b.seal_block(blk);
    let x = b.block_params(blk)[0];
    let pp = emit_patchpoint(&mut b, 9, target, &[x], &[x]).unwrap();
    let r = b.ins().iadd_imm_s(pp.reloaded[0], 1);
    b.ins().return_(&[r]);
    b.finalize(rt.isa().frontend_config());
    let mut ctx = Context::for_function(func);
    let blob = rt
        .compile_and_install("observed", None, &mut ctx, &|n| syms.resolve(n))
        .unwrap();
    let maps = FunctionStackMaps::from_compiled(&ctx.compiled_code().unwrap().buffer).unwrap();
    assert_eq!(maps.records.len(), 1);
    assert_eq!(maps.records[0].values[0].ty, ValueType::I64);

    // Disassembly.
    // SAFETY: the blob is live for the whole test.
    let text = unsafe { disassemble_blob(&blob, Some(&maps)) };
    assert!(text.starts_with("; observed code#"), "{text}");
    assert!(text.contains("; entry of observed"), "{text}");
    let call_line = text
        .lines()
        .find(|l| l.contains("patchable (5 bytes)"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(call_line.contains("call"), "{call_line}");
    assert!(
        call_line.contains("patchpoint id=9 len=5 values=1"),
        "{call_line}"
    );
    assert!(call_line.contains("call site"), "{call_line}");

    // Perf map.
    let path = std::env::temp_dir().join(format!("moonlift-perf-{}.map", std::process::id()));
    let _ = std::fs::remove_file(&path);
    PerfMap::open(&path).unwrap().record_blob(&blob).unwrap();
    let line = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        line,
        format!("{:x} {:x} observed\n", blob.start(), blob.len())
    );
    std::fs::remove_file(&path).unwrap();

    // Stats.
    let snap = stats::snapshot(&rt);
    assert_eq!(snap.blobs_installed, 1);
    assert!(snap.code_bytes_live >= blob.len() as u64);
    assert!(snap.to_string().contains("blobs installed              1"));

    // Registration lapses when the blob is freed.
    let reg = StackMapRegistry::new();
    reg.register_blob(&blob, maps.clone());
    let ret = blob.start() as u64 + u64::from(maps.records[0].return_offset);
    assert_eq!(reg.lookup(ret).unwrap().record().id, 9);
    rt.retire(blob.id()).unwrap();
    assert!(reg.lookup(ret).is_some(), "retired code may still run");
    let report = rt.reclaim();
    assert_eq!(report.freed, vec![blob.id()]);
    assert!(reg.lookup(ret).is_none(), "freed code has no stackmaps");
    let after = stats::snapshot(&rt);
    assert_eq!(after.blobs_freed, 1);

    // Deopt tables by blob.
    let tables = DeoptTables::new();
    let p = DeoptPoint::new(
        1,
        vec![VirtualFrame {
            function: 5,
            bytecode_offset: 2,
            slots: vec![Recovery::ExitArg(0)],
        }],
        vec![ValueType::I64],
        "t",
    )
    .unwrap();
    tables.attach(blob.id(), DeoptTable::new(vec![p]).unwrap());
    let frames = tables.materialize(blob.id(), 1, &[77]).unwrap().unwrap();
    assert_eq!(frames[0].function, 5);
    assert!(tables.detach(blob.id()).is_some());
    assert!(tables.materialize(blob.id(), 1, &[77]).is_err());
}
