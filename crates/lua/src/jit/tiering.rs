//! Tier-up: compiling a hot proto and publishing it in its `moonlift-jit` entry cell.
//!
//! Policy (see [`super::JitConfig`]): adaptive mode compiles a proto when its call counter
//! (bumped by `push_lua_frame`) reaches `call_threshold` or its back-edge counter (bumped by
//! the interpreter's `backedge!`) reaches `backedge_threshold`; eager mode compiles at the first
//! frame entry. The mutator translates the proto to Cranelift IR (it reads the proto and its
//! feedback); in adaptive mode Cranelift then runs on the background thread of
//! [`super::background`] and the mutator publishes the finished code at its next safepoint
//! (`Vm::jit_install_finished`), while eager mode, recompilations, `--jit-dump` and
//! `MOONLIFT_JIT_BACKGROUND=0` compile synchronously. Each proto gets one logical function
//! (`declare_function`: entry cell + stub); the interpreter calls the stub, so a later
//! recompilation is one `set_entry`.
//!
//! Invariant: a failed compilation marks the proto [`super::STATE_FAILED`] and is never retried.
//!
//! # Code lifetime
//!
//! A proto's code lives as long as the proto. When the GC's sweep frees a proto that has a
//! `moonlift-jit` function ([`super::ProtoJit::func`]), it queues the function id; after the
//! sweep, [`Vm::jit_after_gc`] points the function's entry cell back at its lazy thunk, retires
//! the blob the cell published and runs `moonlift-jit` reclamation, which frees every retired blob
//! that no cell, direct call or frame reaches (a dead proto has no frame: its closure would be in
//! the frame's slot). The function id itself (its 32-byte entry block in code memory, which
//! `moonlift-jit` never frees) goes to a free list and is reused by the next compilation, so code
//! memory in use is bounded by the protos alive at once, not by the protos ever compiled.
//!
//! # Recompilation
//!
//! Compiled code counts its failed speculation guards and failed entry checks in
//! [`super::ProtoJit::deopts`]. When a frame of the proto starts or reaches a back-edge with the
//! count at [`super::DEOPT_RECOMPILE`], the proto is compiled again (once, [`Scope::Again`]: OSR
//! region code as the same region), with the feedback the
//! interpreter gathered while it ran the deoptimized frames (an instruction that saw two type
//! combinations is no longer speculated on), and the new blob is published in the same entry
//! cell: the stub, the address every caller holds, stays the same. The replaced blob is kept in
//! [`super::ProtoJit::superseded`] (frames below may still be running it) and retired when the
//! proto dies. A failed recompilation keeps the current code and resets the count.
//!
//! # OSR regions
//!
//! A proto made hot by the back-edges of its first call (a main chunk, a driver function that
//! runs one long loop) is compiled for the **OSR region** of the hot loop only
//! ([`Scope::Osr`], `baseline::osr_region`, `types::loop_region`): the instructions on a cycle
//! through the loop header, i.e. the loop with the loops nested in it and enclosing it. What
//! runs once per arrival at the loop (a main chunk's definitions before it, its output code
//! after it) is not compiled; compiled code exits to the interpreter where a jump leaves the
//! region. The region code is published in the proto's entry cell but recorded as
//! [`super::ProtoJit::osr_entry`], not `entry`: the interpreter enters it at the region's loop
//! headers and resumption points, while calls still start the proto in the interpreter
//! (compiled callers see no code and use `jit_call`, which counts the call). Back-edges to a
//! loop outside the region are counted; at the back-edge threshold that loop gets its own
//! region ([`CompileKind::Region`]: the earlier loop cannot run again in this frame, or it
//! would be on a cycle with the new one and in its region), compiled with the feedback the
//! interpreter gathered there. When calls make the proto hot, or a proto called more than
//! once gets a hot loop, the whole proto is compiled ([`Scope::Whole`],
//! [`CompileKind::Upgrade`]) into the same cell. Replaced code is kept with the superseded
//! code. This is the OSR variant of DESIGN §5 built as a reduced copy of the function rather
//! than a second entry into the whole of it, so that compile time follows the code that runs
//! hot: most of a main chunk is neither compiled nor compiled without feedback.
//!
//! # Observability
//!
//! `--perf-map` ([`Vm::enable_perf_map`]) appends `START SIZE lua:chunk:line` to
//! `/tmp/perf-<pid>.map` per installed blob; `--jit-dump=NAME` ([`Vm::set_jit_dump`]) prints the
//! bytecode listing, Cranelift IR and disassembly of every compiled proto whose name matches;
//! `--jit-stats` ([`Vm::jit_stats_report`]) reports compile time (the CPU time of the threads that
//! did the work) as a share of the wall-clock time since the VM started, and the code freed.

use super::{
    JitMode, STATE_COMPILED, STATE_FAILED, STATE_QUEUED, background, baseline, runtime_calls,
};
use crate::vm::Vm;
use crate::vm::function::Proto;
use cranelift_codegen::Context;
use moonlift_jit::perf_map::PerfMap;
use moonlift_jit::reloc::LinkTarget;
use moonlift_jit::runtime::{JitConfig as RtConfig, JitRuntime, OptLevel, Regalloc};
use moonlift_jit::stats::thread_cpu_time;
use moonlift_jit::stub::FuncId;
use std::time::Instant;

/// What [`Vm::jit_compile`] compiles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scope {
    /// The whole proto (the first compilation, or the one that replaces OSR region code).
    Whole,
    /// The OSR region of the loop header at this pc (see "OSR regions").
    Osr(usize),
    /// The current code again, with newer feedback (see "Recompilation").
    Again,
}

/// How a compilation relates to the proto's code before it (stats, log, failure handling).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CompileKind {
    /// The proto had no code.
    First,
    /// Whole-proto code replaces OSR region code.
    Upgrade,
    /// The OSR region of a later hot loop replaces the region of an earlier one.
    Region,
    /// A recompilation after failed guards ([`Scope::Again`]).
    Again,
}

/// Largest proto (in bytecode instructions) the baseline compiles; bigger ones stay
/// interpreted (compile time grows linearly, and such code is rarely hot).
pub const MAX_BYTECODES: usize = 20_000;

/// The name of a proto's code in logs, perf maps and dumps: `lua:<chunk id>:<line defined>`
/// (chunk id as in error messages, `luaO_chunkid`; line 0 is a main chunk).
pub fn proto_name(p: &Proto) -> String {
    format!(
        "lua:{}:{}",
        crate::debuginfo::chunk_id(&p.src.source),
        p.src.line_defined
    )
}

/// Per-VM state of the JIT's infrastructure around the compiler: code lifetime, perf map,
/// dumps, and the clock `--jit-stats` measures run time with. See the module doc.
#[derive(Debug)]
pub struct JitInfra {
    /// Function ids whose proto died; reused by the next compilations (their cells point at
    /// their lazy thunks, their blobs are retired).
    free_funcs: Vec<FuncId>,
    /// Retired blobs the last reclamation kept (referenced or running): retry after next GC.
    retry_reclaim: bool,
    /// `--perf-map`: the open map file.
    perf_map: Option<PerfMap>,
    /// `--jit-dump=NAME`: the name filter.
    dump: Option<String>,
    /// When the VM was created (run time for the compile-time share).
    started: Instant,
    /// Protos whose code was released because the GC collected them.
    pub released_protos: u64,
    /// Blobs freed by reclamation passes this VM ran.
    pub freed_blobs: u64,
    /// Code bytes (allocator blocks) freed by those passes.
    pub freed_bytes: u64,
}

impl Default for JitInfra {
    fn default() -> Self {
        JitInfra {
            free_funcs: Vec::new(),
            retry_reclaim: false,
            perf_map: None,
            dump: None,
            started: Instant::now(),
            released_protos: 0,
            freed_blobs: 0,
            freed_bytes: 0,
        }
    }
}

/// Does `--jit-dump=filter` select a proto named `names` (its `chunk:line`, the name its caller
/// gave it)? `*` selects every proto; otherwise the filter must equal one of the names, or the
/// full `lua:chunk:line`.
fn dump_matches(filter: &str, names: &[String]) -> bool {
    filter == "*" || names.iter().any(|n| n == filter)
}

impl Vm {
    fn jit_runtime(&mut self) -> Option<JitRuntime> {
        if let Some(rt) = &self.jit.rt {
            return Some(rt.clone());
        }
        if self.jit.unavailable {
            return None;
        }
        // opt_level=none as DESIGN §5 says, but Cranelift's backtracking register allocator
        // rather than single_pass: measured on bench/ (`--jit=on`, user time), single_pass code
        // is about 2x slower on float/table loops (nbody 1.65 s vs 0.82 s, mandelbrot 0.56 vs
        // 0.32, array 1.26 vs 0.79) because every Lua register round-trips through spill
        // slots, while compile time stays under 2% of run time on every benchmark.
        let cfg = RtConfig {
            opt_level: OptLevel::None,
            regalloc: Regalloc::Backtracking,
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

    /// Compile `scope` of `p`, install it and publish it in its entry cell. Returns the
    /// address to call (the stub), or 0 when the proto stays interpreted (the reason is
    /// logged) or is queued for the background compiler.
    pub(crate) fn jit_compile(&mut self, p: &Proto, scope: Scope) -> usize {
        if self.jit.config.mode == JitMode::Off {
            return 0;
        }
        let log = self.jit.config.log;
        let name = proto_name(p);
        // A proto with code already is being recompiled (see "Recompilation" and "OSR
        // regions"): a failure keeps its current code.
        let recompile = p.jit.func.get();
        let kind = match (recompile, scope) {
            (None, _) => CompileKind::First,
            (Some(_), Scope::Again) => CompileKind::Again,
            (Some(_), Scope::Osr(_)) => CompileKind::Region,
            (Some(_), Scope::Whole) => CompileKind::Upgrade,
        };
        // The instructions to translate: a new OSR region, or the current one again.
        let region: Option<(usize, Box<[bool]>)> = match scope {
            Scope::Osr(h) => Some((h, baseline::osr_region(p, h).into_boxed_slice())),
            Scope::Again if p.jit.entry.get() == 0 => p
                .jit
                .region
                .borrow()
                .clone()
                .map(|r| (p.jit.region_header.get(), r)),
            _ => None,
        };
        let fail = |vm: &mut Vm, why: String| vm.jit_compile_failed(p, &name, None, kind, &why);
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
        let dump = self.jit.infra.dump.is_some() && self.jit_dump_selects(p, &name);
        let t = thread_cpu_time();
        let tr = match baseline::translate_region(p, rt.isa(), region.as_ref().map(|r| &*r.1)) {
            Ok(t) => t,
            Err(e) => return fail(self, e),
        };
        let clif = tr.func.dfg.num_insts();
        let t_translate = thread_cpu_time().saturating_sub(t);
        let ir_text = dump.then(|| tr.func.display().to_string());
        // A function id of a collected proto is reused (its cell points at its lazy thunk).
        let f = match recompile.or_else(|| self.jit.infra.free_funcs.pop()) {
            Some(f) => f,
            None => match rt.declare_function(&name) {
                Ok(f) => f,
                Err(e) => return fail(self, e.to_string()),
            },
        };
        // From here on, a failure gives the (unpublished) function id back.
        let fail = |vm: &mut Vm, why: String| vm.jit_compile_failed(p, &name, Some(f), kind, &why);
        let job = || background::Job {
            kind,
            region: region.clone(),
            proto: p as *const Proto,
            func: f,
            name: name.clone(),
            bytecodes: tr.bytecodes,
            exits: tr.exits,
            clif,
            translate_nanos: t_translate.as_nanos() as u64,
        };
        let mut ir = Box::new(tr.func);
        // Adaptive mode: Cranelift runs on the background thread; the proto stays
        // interpreted until the mutator installs the code (`jit_install_finished`).
        if kind != CompileKind::Again
            && ir_text.is_none()
            && self.jit.config.mode == JitMode::On
            && self.jit.background
        {
            if self.jit.bg.is_none() && !self.jit.bg_failed {
                match background::Background::start(rt.clone(), resolve_helper) {
                    Ok(bg) => self.jit.bg = Some(bg),
                    Err(e) => {
                        self.jit.bg_failed = true;
                        tracing_log(log, &format!("background compiler unavailable: {e}"));
                    }
                }
            }
            if let Some(bg) = &mut self.jit.bg {
                match bg.submit(job(), ir) {
                    Ok(()) => {
                        p.jit.state.set(STATE_QUEUED);
                        return 0;
                    }
                    Err(back) => {
                        ir = back;
                        self.jit.bg_failed = true;
                    }
                }
            }
        }
        let mut ctx = Context::for_function(*ir);
        let tc = thread_cpu_time();
        let blob = match rt.compile_and_install(&name, Some(f), &mut ctx, &resolve_helper) {
            Ok(b) => b,
            Err(e) => return fail(self, e.to_string()),
        };
        let compile_nanos = thread_cpu_time().saturating_sub(tc).as_nanos() as u64;
        self.jit_publish(p, job(), blob, compile_nanos, false, ir_text)
    }

    /// Publish `blob`, the code compiled for `p` (described by `job`) in `compile_nanos`
    /// (after translation; on the background thread when `background`): its function's entry
    /// cell, the proto's entry, the stats, perf map, dump and log. Returns the stub (0 and the
    /// proto marked failed when the runtime refuses).
    fn jit_publish(
        &mut self,
        p: &Proto,
        job: background::Job,
        blob: std::sync::Arc<moonlift_jit::blob::CodeBlob>,
        compile_nanos: u64,
        background: bool,
        ir_text: Option<String>,
    ) -> usize {
        let log = self.jit.config.log;
        let (f, name, clif, kind) = (job.func, &job.name, job.clif, job.kind);
        let Some(rt) = self.jit.rt.clone() else {
            return 0;
        };
        let fail = |vm: &mut Vm, why: String| vm.jit_compile_failed(p, name, Some(f), kind, &why);
        let replaced = match rt.set_entry(f, blob.id()) {
            Ok(old) => old,
            Err(e) => return fail(self, e.to_string()),
        };
        let stub = match rt.stub_address(f) {
            Ok(s) => s,
            Err(e) => return fail(self, e.to_string()),
        };
        let dt = job.translate_nanos + compile_nanos;
        // (moonlift_jit::stats already counts the compile and the install.)
        let c = &mut self.jit.counters;
        if kind != CompileKind::First {
            // The replaced blob stays until the proto dies (frames below may return into
            // it).
            p.jit.superseded.borrow_mut().extend(replaced);
        }
        match kind {
            CompileKind::Again => {
                c.recompiled += 1;
                p.jit.recompiled.set(true);
                tracing_log(
                    log,
                    &format!("recompile {name} after {} deopts", p.jit.deopts.get()),
                );
            }
            _ if job.region.is_some() => c.osr_regions += 1,
            _ => c.compiled += 1,
        }
        p.jit.deopts.set(0);
        if background {
            c.background += 1;
            c.background_nanos += compile_nanos;
        }
        c.bytecodes += job.bytecodes as u64;
        c.clif_insts += clif as u64;
        c.code_bytes += blob.len() as u64;
        c.compile_nanos += dt;
        p.jit.func.set(Some(f));
        let region = job
            .region
            .as_ref()
            .map(|r| r.1.iter().filter(|&&b| b).count());
        match &job.region {
            Some((h, r)) => {
                // OSR region code: entered at its instructions; calls still start the proto
                // in the interpreter (`entry` stays 0) until the whole proto is compiled.
                p.jit.osr_entry.set(stub);
                p.jit.region_header.set(*h);
                *p.jit.region.borrow_mut() = Some(r.clone());
                p.jit.state.set(super::STATE_NONE);
            }
            None => {
                p.jit.entry.set(stub);
                p.jit.osr_entry.set(0);
                *p.jit.region.borrow_mut() = None;
                p.jit.state.set(STATE_COMPILED);
            }
        }
        if let Some(pm) = &self.jit.infra.perf_map
            && let Err(e) = pm.record_blob(&blob)
        {
            tracing_log(log, &format!("perf map {}: {e}", pm.path().display()));
        }
        if let Some(ir) = ir_text {
            // SAFETY: `blob` is Live (just published in `f`'s cell) and only this thread's GC
            // could retire it, which does not run during this call.
            let asm = unsafe { moonlift_jit::disasm::disassemble_blob(&blob, None) };
            eprintln!(
                "---- jit-dump {name}: bytecode{}\n---- jit-dump {name}: Cranelift IR ({clif} \
                 insts)\n{ir}\n---- jit-dump {name}: disassembly\n{asm}",
                crate::debuginfo::listing(&p.src)
            );
        }
        tracing_log(
            log,
            &format!(
                "compile {name}{}: {} bytecodes ({} exits), {clif} CLIF insts, {} bytes, {} us \
                 (translate {} us{})",
                match (&job.region, region) {
                    (Some((h, _)), Some(n)) => format!(
                        " (OSR region from pc {h}: {n} of {} instructions)",
                        p.code().len()
                    ),
                    _ if kind == CompileKind::Upgrade => {
                        " (whole, replacing its OSR region)".into()
                    }
                    _ if kind == CompileKind::Region => " (replacing its OSR region)".into(),
                    _ => String::new(),
                },
                job.bytecodes,
                job.exits,
                blob.len(),
                dt / 1000,
                job.translate_nanos / 1000,
                if background {
                    ", compiled in the background"
                } else {
                    ""
                }
            ),
        );
        stub
    }

    /// A compilation of `p` (of `kind`) failed for `why` (logged). A recompilation keeps the
    /// current code (its count of failed guards starts again) and returns its stub (0 for OSR
    /// region code, which calls do not enter); a failed whole compilation after OSR region
    /// code leaves the proto with that code (never retried). Otherwise the proto is marked
    /// failed, `unpublished` (its function id, if one was taken) goes back to the free list,
    /// and the result is 0.
    fn jit_compile_failed(
        &mut self,
        p: &Proto,
        name: &str,
        unpublished: Option<FuncId>,
        kind: CompileKind,
        why: &str,
    ) -> usize {
        let log = self.jit.config.log;
        if kind != CompileKind::First {
            p.jit.deopts.set(0);
            if matches!(kind, CompileKind::Upgrade | CompileKind::Region) {
                p.jit.state.set(STATE_FAILED);
                self.jit.counters.failed += 1;
            }
            tracing_log(log, &format!("recompile {name} failed: {why}"));
            return p.jit.entry.get();
        }
        if let Some(f) = unpublished {
            self.jit.infra.free_funcs.push(f);
        }
        p.jit.state.set(STATE_FAILED);
        self.jit.counters.failed += 1;
        tracing_log(log, &format!("compile {name} failed: {why}"));
        0
    }

    /// The background compiler's safepoint: publish every finished job (or mark its proto
    /// failed). Its protos are live: queued protos are GC roots.
    pub(crate) fn jit_install_finished(&mut self) {
        let Some(bg) = &mut self.jit.bg else { return };
        for (fin, job) in bg.take_finished() {
            // SAFETY: a queued proto is a GC root until now (module doc of `background`).
            let p = unsafe { &*job.proto };
            match fin.result {
                Ok(blob) => {
                    self.jit_publish(p, job, blob, fin.compile_nanos, true, None);
                }
                Err(why) => {
                    self.jit_compile_failed(p, &job.name, Some(job.func), job.kind, &why);
                }
            }
        }
    }
}

/// Link targets of the helper names in compiled code ([`baseline::HELPER_NAMESPACE`]).
fn resolve_helper(n: &cranelift_codegen::ir::UserExternalName) -> Option<LinkTarget> {
    if n.namespace == baseline::HELPER_NAMESPACE {
        runtime_calls::helper_address(n.index).map(LinkTarget::Address)
    } else {
        None
    }
}

impl Vm {
    /// The names `--jit-dump` matches a proto against: `chunk:line` (e.g. `fib.lua:3`), the
    /// perf-map name `lua:chunk:line`, when `p` runs in the top frame the name its caller called
    /// it by (`fib`, `m`), as in tracebacks (`getfuncname`, ldebug.c), and the name its
    /// definition stores it under when the defining function has a frame ([`definition_name`]).
    /// A main chunk is also called `main`.
    fn jit_dump_selects(&self, p: &Proto, perf_name: &str) -> bool {
        let Some(filter) = self.jit.infra.dump.as_deref() else {
            return false;
        };
        let mut names = vec![
            perf_name.to_string(),
            perf_name.trim_start_matches("lua:").to_string(),
        ];
        if p.src.line_defined == 0 {
            names.push("main".to_string());
        }
        let top = self.th().ci.len().saturating_sub(1);
        if self.frame_proto(top).is_some_and(|fp| std::ptr::eq(fp, p))
            && let Some((_, n)) = self.frame_call_name(top)
        {
            names.push(String::from_utf8_lossy(&n).into_owned());
        }
        // The name its definition gives it, when the defining function runs in some frame
        // (compiled code compiles a callee before its frame exists).
        for ci in 0..self.th().ci.len() {
            if let Some(parent) = self.frame_proto(ci)
                && let Some(n) = definition_name(parent, p)
            {
                names.push(n);
                break;
            }
        }
        dump_matches(filter, &names)
    }

    /// `--jit-dump=NAME`: print (to stderr) the bytecode listing, Cranelift IR and disassembly
    /// of every proto compiled from now on whose name matches `name` (see the module doc; `*`
    /// selects all). `None` stops dumping.
    pub fn set_jit_dump(&mut self, name: Option<String>) {
        self.jit.infra.dump = name;
    }

    /// `--perf-map`: append one line `START SIZE lua:chunk:line` (hex, perf's JIT interface) per
    /// compiled proto from now on to `/tmp/perf-<pid>.map`. Returns the path.
    ///
    /// Errors: the I/O error of creating the file.
    pub fn enable_perf_map(&mut self) -> std::io::Result<std::path::PathBuf> {
        let pm = PerfMap::for_process()?;
        let path = pm.path().to_path_buf();
        self.jit.infra.perf_map = Some(pm);
        Ok(path)
    }

    /// Bytes of `moonlift-jit` code memory in use by this VM's JIT runtime (blobs, entry blocks,
    /// veneers, the trampoline), or 0 before anything was compiled.
    pub fn jit_code_in_use(&self) -> usize {
        self.jit.rt.as_ref().map_or(0, |rt| rt.code_usage().in_use)
    }

    /// Code freed so far because the GC collected protos: `(blobs, bytes)` returned to
    /// `moonlift-jit`'s code memory by this VM's reclamation passes.
    pub fn jit_code_freed(&self) -> (u64, u64) {
        (self.jit.infra.freed_blobs, self.jit.infra.freed_bytes)
    }

    /// After a collection (`gc.rs`, `full_gc`): release the code of protos the sweep freed
    /// (cell back to the lazy thunk, blob retired, function id to the free list) and reclaim
    /// retired blobs. Cheap when nothing died.
    pub(crate) fn jit_after_gc(&mut self) {
        let dead = std::mem::take(&mut self.heap.dead_jit_funcs);
        let superseded = std::mem::take(&mut self.heap.dead_jit_codes);
        if dead.is_empty() && superseded.is_empty() && !self.jit.infra.retry_reclaim {
            return;
        }
        let Some(rt) = self.jit.rt.clone() else {
            return;
        };
        let log = self.jit.config.log;
        for code in superseded {
            let _ = rt.retire(code);
        }
        for &f in &dead {
            // A dead proto's cell is reset first so the blob is unreachable from it.
            if let Ok(Some(code)) = rt.reset_to_lazy(f) {
                if log && let Some(b) = rt.blob(code) {
                    tracing_log(log, &format!("retire {} ({} bytes)", b.name(), b.len()));
                }
                let _ = rt.retire(code);
            }
            self.jit.infra.released_protos += 1;
        }
        self.jit.infra.free_funcs.extend(dead);
        let report = rt.reclaim();
        self.jit.infra.freed_blobs += report.freed.len() as u64;
        self.jit.infra.freed_bytes += report.freed_bytes as u64;
        self.jit.infra.retry_reclaim = report.kept_referenced + report.kept_running > 0;
        if !report.freed.is_empty() {
            tracing_log(
                log,
                &format!(
                    "free {} blobs, {} bytes (kept {} referenced, {} running)",
                    report.freed.len(),
                    report.freed_bytes,
                    report.kept_referenced,
                    report.kept_running
                ),
            );
        }
    }

    /// A human-readable `--jit-stats` report (one line per figure): protos compiled, OSR
    /// regions, OSR entries, compile time (CPU time of the translating and compiling threads:
    /// total, mean, per bytecode, and as a share of the wall-clock time since the VM started),
    /// code installed and freed, then `moonlift-jit`'s own counters.
    pub fn jit_stats_report(&self) -> String {
        let c = &self.jit.counters;
        let i = &self.jit.infra;
        let compiles = c.compiled + c.recompiled + c.osr_regions;
        let mean_us = if compiles > 0 {
            c.compile_nanos as f64 / 1e3 / compiles as f64
        } else {
            0.0
        };
        let per_bc = if c.bytecodes > 0 {
            c.compile_nanos as f64 / 1e3 / c.bytecodes as f64
        } else {
            0.0
        };
        let run_nanos = i.started.elapsed().as_nanos().max(1) as f64;
        let share = 100.0 * c.compile_nanos as f64 / run_nanos;
        let mutator = c.compile_nanos.saturating_sub(c.background_nanos);
        let mutator_share = 100.0 * mutator as f64 / run_nanos;
        let g = moonlift_jit::stats::global().snapshot();
        format!(
            "jit-stats: mode {:?}\n  functions compiled: {} (failed {}, recompiled after deopts {})\n  \
             OSR regions compiled: {}\n  OSR entries: {}\n  \
             compile time: {:.3} ms total, {:.1} us mean, {:.2} us per bytecode ({} bytecodes, {} CLIF insts)\n  \
             compile share: {:.2}% of {:.3} ms run time; on the running thread {:.2}% \
             ({} functions compiled in the background, {:.3} ms there)\n  \
             code bytes: {} installed, {} in use\n  \
             code freed: {} blobs, {} bytes ({} collected protos)\n  runtime: {}",
            self.jit.config.mode,
            c.compiled,
            c.failed,
            c.recompiled,
            c.osr_regions,
            c.osr_entries,
            c.compile_nanos as f64 / 1e6,
            mean_us,
            per_bc,
            c.bytecodes,
            c.clif_insts,
            share,
            run_nanos / 1e6,
            mutator_share,
            c.background,
            c.background_nanos as f64 / 1e6,
            c.code_bytes,
            self.jit_code_in_use(),
            i.freed_blobs,
            i.freed_bytes,
            i.released_protos,
            g
        )
    }
}

/// The name `parent`'s code gives the closure of its nested proto `child` right after creating
/// it: the global or field key of `function g()` / `function t.f()` / `function t:m()`
/// (`CLOSURE` then `SETTABUP`/`SETFIELD` storing that register), or the local of
/// `local function f()`. `None` when `child` is not nested in `parent` or goes elsewhere.
fn definition_name(parent: &Proto, child: &Proto) -> Option<String> {
    use crate::opcode::OpCode;
    let idx = parent
        .protos
        .iter()
        .position(|&c| std::ptr::eq(c as *const Proto, child))?;
    let code = parent.code();
    for (pc, i) in code.iter().enumerate() {
        if i.opcode() != Some(OpCode::CLOSURE) || i.bx() as usize != idx {
            continue;
        }
        if let Some(n) = code.get(pc + 1)
            && matches!(n.opcode(), Some(OpCode::SETTABUP | OpCode::SETFIELD))
            && !n.k()
            && n.c() == i.a()
            && let Some(key) = parent.k.get(n.b() as usize).and_then(|k| k.as_str_bytes())
        {
            return Some(String::from_utf8_lossy(key).into_owned());
        }
        if let Some(("local", name)) = crate::debuginfo::register_name(&parent.src, pc + 1, i.a()) {
            return Some(String::from_utf8_lossy(&name).into_owned());
        }
    }
    None
}

fn tracing_log(log: bool, msg: &str) {
    if log {
        eprintln!("[jit] {msg}");
    }
}
