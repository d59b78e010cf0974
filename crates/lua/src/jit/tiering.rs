//! Tier-up: compiling a hot proto and publishing it in its `moonlift-jit` entry cell.
//!
//! Policy (see [`super::JitConfig`]): adaptive mode compiles a proto when its call counter
//! (bumped by `push_lua_frame`) reaches `call_threshold` or its back-edge counter (bumped by
//! the interpreter's `backedge!`) reaches `backedge_threshold`; eager mode compiles at the first
//! frame entry. Compilation is synchronous on the mutator thread (baseline code compiles in
//! tens of microseconds). Each proto gets one logical function (`declare_function`: entry cell
//! + stub); the interpreter calls the stub, so a later recompilation is one `set_entry`.
//!
//! Invariant: a failed compilation marks the proto [`super::STATE_FAILED`] and is never retried.

use super::{JitMode, STATE_COMPILED, STATE_FAILED, baseline, runtime_calls};
use crate::vm::Vm;
use crate::vm::function::Proto;
use cranelift_codegen::Context;
use moonlift_jit::reloc::LinkTarget;
use moonlift_jit::runtime::{JitConfig as RtConfig, JitRuntime, OptLevel, Regalloc};
use std::time::Instant;

/// Largest proto (in bytecode instructions) the baseline compiles; bigger ones stay
/// interpreted (compile time grows linearly, and such code is rarely hot).
pub const MAX_BYTECODES: usize = 20_000;

fn proto_name(p: &Proto) -> String {
    format!(
        "lua:{}:{}",
        String::from_utf8_lossy(&p.src.source),
        p.src.line_defined
    )
}

impl Vm {
    fn jit_runtime(&mut self) -> Option<JitRuntime> {
        if let Some(rt) = &self.jit.rt {
            return Some(rt.clone());
        }
        if self.jit.unavailable {
            return None;
        }
        let cfg = RtConfig {
            opt_level: OptLevel::None,
            regalloc: Regalloc::SinglePass,
            verifier: cfg!(debug_assertions),
            ..RtConfig::default()
        };
        match JitRuntime::new(cfg) {
            Ok(rt) => {
                self.jit.rt = Some(rt.clone());
                Some(rt)
            }
            Err(e) => {
                tracing_log(self.jit.config.log, &format!("JIT unavailable: {e}"));
                self.jit.unavailable = true;
                None
            }
        }
    }

    /// Compile `p`, install it and publish it in its entry cell. Returns the address to call
    /// (the stub), or 0 when the proto stays interpreted (the reason is logged).
    pub(crate) fn jit_compile(&mut self, p: &Proto) -> usize {
        if self.jit.config.mode == JitMode::Off {
            return 0;
        }
        let log = self.jit.config.log;
        let name = proto_name(p);
        let fail = |vm: &mut Vm, why: String| {
            p.jit.state.set(STATE_FAILED);
            vm.jit.counters.failed += 1;
            tracing_log(log, &format!("compile {name} failed: {why}"));
            0
        };
        if p.code().len() > MAX_BYTECODES {
            return fail(
                self,
                format!("{} bytecodes > {MAX_BYTECODES}", p.code().len()),
            );
        }
        let Some(rt) = self.jit_runtime() else {
            p.jit.state.set(STATE_FAILED);
            return 0;
        };
        let t = Instant::now();
        let tr = match baseline::translate(p, rt.isa()) {
            Ok(t) => t,
            Err(e) => return fail(self, e),
        };
        let clif = tr.func.dfg.num_insts();
        let t_translate = t.elapsed();
        let f = match rt.declare_function(&name) {
            Ok(f) => f,
            Err(e) => return fail(self, e.to_string()),
        };
        let mut ctx = Context::for_function(tr.func);
        let resolve = |n: &cranelift_codegen::ir::UserExternalName| {
            if n.namespace == baseline::HELPER_NAMESPACE {
                runtime_calls::helper_address(n.index).map(LinkTarget::Address)
            } else {
                None
            }
        };
        let blob = match rt.compile_and_install(&name, Some(f), &mut ctx, &resolve) {
            Ok(b) => b,
            Err(e) => return fail(self, e.to_string()),
        };
        if let Err(e) = rt.set_entry(f, blob.id()) {
            return fail(self, e.to_string());
        }
        let stub = match rt.stub_address(f) {
            Ok(s) => s,
            Err(e) => return fail(self, e.to_string()),
        };
        let dt = t.elapsed();
        // (moonlift_jit::stats already counts the compile and the install.)
        let c = &mut self.jit.counters;
        c.compiled += 1;
        c.bytecodes += tr.bytecodes as u64;
        c.clif_insts += clif as u64;
        c.code_bytes += blob.len() as u64;
        c.compile_nanos += dt.as_nanos() as u64;
        p.jit.entry.set(stub);
        p.jit.state.set(STATE_COMPILED);
        tracing_log(
            log,
            &format!(
                "compile {name}: {} bytecodes ({} exits), {clif} CLIF insts, {} bytes, {} us \
                 (translate {} us)",
                tr.bytecodes,
                tr.exits,
                blob.len(),
                dt.as_micros(),
                t_translate.as_micros()
            ),
        );
        stub
    }
}

fn tracing_log(log: bool, msg: &str) {
    if log {
        eprintln!("[jit] {msg}");
    }
}
