//! Baseline JIT (tier 1): Lua bytecode → Cranelift, installed through `moonlift-jit`.
//!
//! # Execution model ("compiled runs over the interpreter's frame")
//!
//! A compiled proto is one Cranelift function with the signature of [`CompiledFn`]:
//!
//! ```text
//! extern "C-unwind" fn(base: *mut Value, pc: u64, upvals: *const *mut UpVal,
//!                      interrupt: *const AtomicBool, vm: *mut Vm) -> u64
//! ```
//!
//! It runs the frame whose register 0 is at `base`, starting at the bytecode instruction `pc`
//! (any instruction boundary: a jump table maps `pc` to the instruction's block; pc 0 goes
//! straight to the first block), and returns the pc of the first instruction it leaves to the
//! interpreter. The interpreter then continues at that pc in the very same frame. Registers
//! always live in their VM stack slots (the stack never moves, DESIGN §4), so entering or
//! leaving compiled code needs no state transfer at all: entry at a loop header is OSR entry
//! for every loop kind (numeric and generic `for`, `while`, `repeat`), and leaving at any
//! instruction is an exact "deopt" to the interpreter. Three more results exist:
//! [`call::CALL_ERROR`] (a Lua error is pending, see below), [`call::FRAME_RETURNED`] (the
//! frame already returned: a `RETURN0`/`RETURN1` completed in compiled code, or a native
//! called in tail position) and [`call::TAIL_CALLED`] (the frame was replaced by a Lua tail
//! callee's frame, which whoever ran the code starts).
//!
//! Three kinds of instructions:
//! * **inline**: moves, constants, integer/float arithmetic and comparisons with Lua's exact
//!   semantics, jumps, numeric `for`, upvalue access, array-part reads/writes and hash-part
//!   probes of constant string keys, and the common case of `CALL` (the inline call sequence:
//!   the caller pushes a compiled callee's frame and calls its entry stub) and of
//!   `RETURN0`/`RETURN1`; with the pure helpers of [`runtime_calls`] (no allocation, no Lua
//!   code, no error) for the less common cases;
//! * **performed by a VM helper** ([`call::jit_call`] for the other `CALL`s,
//!   [`call::jit_call_finish`] for callees that did not return by themselves, [`ops::jit_op`]
//!   for `NEWTABLE`, `CONCAT`, `CLOSURE`, `MMBIN*`, `LEN` with `__len`, `BNOT` of
//!   non-integers, `TBC`, `CLOSE` (upvalues and to-be-closed variables), `TFORCALL`,
//!   `SETLIST`, `TAILCALL`, `VARARG`, table slow paths): these run Lua code, allocate, collect
//!   or raise. They use the
//!   interpreter's own functions after saving the pc and exposing the frame, so messages,
//!   tracebacks and metamethods are the interpreter's. A Lua callee with compiled code runs
//!   nested on the native stack (until 128 KiB above the native stack guard; deeper calls are
//!   left to the interpreter, which costs no native stack);
//! * **exits**: everything else returns its pc to the interpreter: `VARARGPREP` (it moves
//!   the frame: the CALL helper performs it and re-enters at pc 1), a general `RETURN` (more
//!   than one result, or closing; `jit_call_finish` completes it for compiled callers), `UNM`
//!   of a non-number (`__unm`), tail calls through `__call`.
//!
//! Invariants across helper calls: compiled code holds no Lua value in a machine register
//! across a call (so a collection inside it is precise: every live reference is in a VM
//! slot, DESIGN §4); errors travel as values: a helper stores the error in
//! `JitState::pending_error` and returns [`call::CALL_ERROR`], which every compiled frame
//! passes to its exit unchanged and `Vm::jit_run` turns back into `Err`; nothing unwinds
//! through compiled frames except the forced unwind of a collected suspended coroutine, which
//! the `C-unwind` ABI and moonlift-jit's registered unwind info allow.
//!
//! # Tier-up ([`tiering`])
//!
//! The interpreter calls `Vm::jit_frame_entry` when a frame starts or resumes (after a call
//! returns into it) and `Vm::jit_backedge` at every taken loop back-edge. A proto is compiled
//! when its call counter reaches [`JitConfig::call_threshold`] or its back-edge counter reaches
//! [`JitConfig::backedge_threshold`] (`--jit=eager`: at first call / first back-edge). In
//! adaptive mode the proto is translated on the spot and compiled by Cranelift on a background
//! thread ([`background`]); it stays interpreted until the mutator installs the code at a later
//! frame entry or back-edge. The code is published in the proto's `moonlift-jit` entry cell;
//! the interpreter calls through the cell's stub, so replacing the code later is one atomic
//! store.
//!
//! Invariant: a proto whose compilation failed is never retried (`ProtoJit::state`), and its
//! reason is logged (`--jit-log`, or `tracing` target `moonlift_lua::jit`).

pub(crate) mod background;
pub mod baseline;
pub mod call;
pub mod ops;
pub mod runtime_calls;
pub mod tiering;
pub(crate) mod types;

use crate::vm::Vm;
use crate::vm::error::LuaResult;
use crate::vm::function::{Proto, UpVal};
use crate::vm::value::Value;
use std::cell::Cell;
use std::sync::atomic::AtomicBool;

/// Signature of compiled code; see the module doc. Returns the pc at which the interpreter
/// resumes the frame, or [`call::CALL_ERROR`] when a Lua error raised inside a call made by
/// the compiled code is pending in `JitState::pending_error`. `vm` is the running VM (for
/// [`call::jit_call`]). `C-unwind`: see [`call`] (forced unwinds of collected coroutines).
pub type CompiledFn = unsafe extern "C-unwind" fn(
    base: *mut Value,
    pc: u64,
    upvals: *const *mut UpVal,
    interrupt: *const AtomicBool,
    vm: *mut Vm,
) -> u64;

/// JIT mode (`--jit=off|on|eager`, `MOONLIFT_JIT`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum JitMode {
    /// Interpreter only.
    Off,
    /// Adaptive: compile hot protos (call / back-edge counters).
    #[default]
    On,
    /// Compile every proto at its first call and enter compiled code at every loop back-edge.
    Eager,
}

/// Tier-up configuration.
#[derive(Clone, Copy, Debug)]
pub struct JitConfig {
    /// Mode.
    pub mode: JitMode,
    /// Calls of a proto before it is compiled (adaptive mode). Default 1000, between HotSpot's
    /// tier-3 threshold (200) and LuaJIT's function hotness.
    pub call_threshold: u32,
    /// Loop back-edges taken in a proto (all its loops together) before it is compiled and the
    /// running frame enters compiled code at the loop header (adaptive mode). Default 1000.
    pub backedge_threshold: u32,
    /// Print one line per compile / failure / OSR entry to stderr (`--jit-log`).
    pub log: bool,
}

impl Default for JitConfig {
    fn default() -> Self {
        JitConfig {
            mode: JitMode::On,
            call_threshold: 1000,
            backedge_threshold: 1000,
            log: false,
        }
    }
}

/// Per-proto JIT state (stored in [`Proto::jit`]).
#[derive(Debug, Default)]
pub struct ProtoJit {
    /// Address to call (the proto's `moonlift-jit` stub, a [`CompiledFn`]); 0 = not compiled.
    pub entry: Cell<usize>,
    /// [`STATE_NONE`], [`STATE_COMPILED`] or [`STATE_FAILED`].
    pub state: Cell<u8>,
    /// The `moonlift-jit` logical function (entry cell + stub) holding this proto's code; the
    /// GC hands it back when the proto dies so its code is retired and freed
    /// ([`tiering`] "Code lifetime").
    pub func: Cell<Option<moonlift_jit::stub::FuncId>>,
    /// Failed speculation guards of this proto's code (incremented by compiled code: a guard
    /// that left to the interpreter, or an entry whose frame did not match the code's
    /// assumptions). At [`DEOPT_RECOMPILE`] the proto is recompiled once, with the feedback
    /// the interpreter gathered meanwhile ([`tiering`] "Recompilation").
    pub deopts: Cell<u32>,
    /// The code recompilations replaced (an OSR region's code replaced by the whole proto's,
    /// code replaced after deopts): kept (frames may still run it) until the proto dies, then
    /// retired with the current code.
    pub superseded: std::cell::RefCell<Vec<moonlift_jit::blob::CodeId>>,
    /// The proto was recompiled after [`DEOPT_RECOMPILE`] failed guards (that happens once).
    pub recompiled: Cell<bool>,
    /// Stub of code compiled for an **OSR region** only ([`tiering`] "OSR regions"): what the
    /// loop whose back-edges made the proto hot can reach. Entered by the interpreter at the
    /// loop headers (and resumption points) of [`ProtoJit::region`]; calls still start the
    /// proto in the interpreter until its whole code is compiled (`entry`). 0: none.
    pub osr_entry: Cell<usize>,
    /// The instructions of the OSR region code at `osr_entry` (indexed by pc).
    pub region: std::cell::RefCell<Option<Box<[bool]>>>,
    /// The loop header whose OSR region `region` is.
    pub region_header: Cell<usize>,
    /// Back-edges to loop headers outside the OSR region, counted towards compiling the whole
    /// proto (at `JitConfig::backedge_threshold`).
    pub region_misses: Cell<u32>,
}

impl ProtoJit {
    /// Whether the OSR region code may be entered at `pc`.
    pub(crate) fn in_region(&self, pc: usize) -> bool {
        self.region
            .borrow()
            .as_ref()
            .is_some_and(|r| r.get(pc).copied().unwrap_or(false))
    }
}

/// [`ProtoJit::deopts`] at which a proto is recompiled (once).
pub const DEOPT_RECOMPILE: u32 = 64;

/// [`ProtoJit::state`]: not compiled yet.
pub const STATE_NONE: u8 = 0;
/// [`ProtoJit::state`]: compiled and installed.
pub const STATE_COMPILED: u8 = 1;
/// [`ProtoJit::state`]: compilation failed or was refused; stays interpreted.
pub const STATE_FAILED: u8 = 2;
/// [`ProtoJit::state`]: translated and queued for the background compiler; interpreted until
/// the mutator installs the result ([`background`]).
pub const STATE_QUEUED: u8 = 3;

/// Counters of the Lua side of the JIT (the code-memory figures come from
/// `moonlift_jit::stats`).
#[derive(Clone, Copy, Debug, Default)]
pub struct JitCounters {
    /// Protos compiled and installed.
    pub compiled: u64,
    /// Protos whose compilation failed.
    pub failed: u64,
    /// Bytecode instructions compiled.
    pub bytecodes: u64,
    /// Cranelift IR instructions generated.
    pub clif_insts: u64,
    /// Machine-code bytes installed.
    pub code_bytes: u64,
    /// Total compile time (translation + Cranelift + install): CPU time of the thread that did
    /// each part (`moonlift_jit::stats::thread_cpu_time`), nanoseconds.
    pub compile_nanos: u64,
    /// Frames that entered compiled code at a loop back-edge (OSR entries).
    pub osr_entries: u64,
    /// Protos recompiled after [`DEOPT_RECOMPILE`] failed speculation guards.
    pub recompiled: u64,
    /// Of `compile_nanos`, the time spent on the background thread (ns).
    pub background_nanos: u64,
    /// Protos compiled on the background thread.
    pub background: u64,
    /// Protos compiled for an OSR region only (what the hot loop reaches; tiering.rs "OSR
    /// regions"); those later compiled whole count in `compiled` too.
    pub osr_regions: u64,
}

/// The VM's JIT state: configuration, the lazily created runtime, counters.
pub struct JitState {
    pub(crate) config: JitConfig,
    pub(crate) rt: Option<moonlift_jit::runtime::JitRuntime>,
    /// The runtime could not be created (unsupported host): never try again.
    pub(crate) unavailable: bool,
    pub(crate) counters: JitCounters,
    /// Code lifetime, perf map, dumps and run-time clock ([`tiering::JitInfra`]).
    pub(crate) infra: tiering::JitInfra,
    /// The error of a call made by compiled code, on its way out through compiled frames
    /// ([`call::CALL_ERROR`]).
    pub(crate) pending_error: Option<crate::vm::error::LuaError>,
    /// Set with [`call::FRAME_RETURNED`]: whether the returned frame was `CIST_FRESH` (the
    /// interpreter then leaves `execute`).
    pub(crate) returned_fresh: bool,
    /// Where the interpreter resumes the top frame at the start of the next `execute` when
    /// that is not its `savedpc`: a compiled callee that left compiled code at `pc` and is
    /// finished by a nested interpreter run (`call::jit_finish_callee`). Kept apart from
    /// `savedpc` because the line of an unprotected error is that of the last *saved* pc, as
    /// in lvm.c.
    pub(crate) resume_pc: Option<usize>,
    /// Compile hot protos in the background in adaptive mode ([`background`]); false:
    /// synchronously (`MOONLIFT_JIT_BACKGROUND=0`, [`Vm::set_jit_background`]).
    pub(crate) background: bool,
    /// The background compiler, started at the first queued compilation.
    pub(crate) bg: Option<background::Background>,
    /// Starting the worker thread failed: compile synchronously.
    pub(crate) bg_failed: bool,
}

impl Default for JitState {
    fn default() -> Self {
        let mut config = JitConfig::default();
        // The embedding default follows MOONLIFT_JIT so tests and hosts can pick a mode; the
        // CLI overrides it with `Vm::set_jit_mode`.
        if let Ok(v) = std::env::var("MOONLIFT_JIT") {
            match v.as_str() {
                "off" => config.mode = JitMode::Off,
                "eager" => config.mode = JitMode::Eager,
                "on" => config.mode = JitMode::On,
                _ => {}
            }
        }
        // Both adaptive thresholds at once (stress testing: `MOONLIFT_JIT_THRESHOLD=2` makes
        // nearly every proto compile in the background while it runs).
        if let Some(n) = std::env::var("MOONLIFT_JIT_THRESHOLD")
            .ok()
            .and_then(|v| v.parse::<u32>().ok())
        {
            config.call_threshold = n;
            config.backedge_threshold = n;
        }
        JitState {
            config,
            rt: None,
            unavailable: false,
            counters: JitCounters::default(),
            infra: tiering::JitInfra::default(),
            pending_error: None,
            returned_fresh: false,
            resume_pc: None,
            background: std::env::var("MOONLIFT_JIT_BACKGROUND").map_or(true, |v| v != "0"),
            bg: None,
            bg_failed: false,
        }
    }
}

impl std::fmt::Debug for JitState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JitState")
            .field("config", &self.config)
            .field("counters", &self.counters)
            .finish()
    }
}

impl Vm {
    /// Select the JIT mode (`--jit=off|on|eager`).
    pub fn set_jit_mode(&mut self, mode: JitMode) {
        self.jit.config.mode = mode;
    }
    /// The current JIT configuration.
    pub fn jit_config(&self) -> JitConfig {
        self.jit.config
    }
    /// Replace the JIT configuration (thresholds, log).
    pub fn set_jit_config(&mut self, config: JitConfig) {
        self.jit.config = config;
    }
    /// Counters for `--jit-stats`.
    pub fn jit_stats(&self) -> JitCounters {
        self.jit.counters
    }
    /// Compile hot protos on a background thread in adaptive mode (the default; the
    /// environment variable `MOONLIFT_JIT_BACKGROUND=0` turns it off) or synchronously, on the
    /// running thread, at the moment they get hot (what deterministic tests want). Eager mode
    /// always compiles synchronously.
    pub fn set_jit_background(&mut self, on: bool) {
        self.jit.background = on;
    }
    /// Wait until the background compiler has finished every queued proto (or `timeout`
    /// passed) and install the results, as the next safepoint would. Returns whether nothing
    /// is queued any more. For embedders that want compiled code before a measured phase,
    /// and for tests.
    pub fn jit_wait_background(&mut self, timeout: std::time::Duration) -> bool {
        let start = std::time::Instant::now();
        loop {
            let Some(bg) = &self.jit.bg else { return true };
            if bg.queued.is_empty() {
                return true;
            }
            if bg.finished() != 0 {
                self.jit_install_finished();
            } else if start.elapsed() >= timeout {
                return false;
            } else {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
        }
    }
    /// Interpreter hook at frame start or resume (`'newframe` in `interp.rs`): runs compiled
    /// code for the frame from `pc` if the proto has some (compiling it first when it is hot)
    /// and returns the pc at which the interpreter continues.
    ///
    /// # Safety
    /// `proto`/`upvals` belong to the closure running the top frame, whose register 0 is `base`.
    #[inline(always)]
    pub(crate) unsafe fn jit_frame_entry(
        &mut self,
        proto: *const Proto,
        upvals: *const *mut UpVal,
        base: *mut Value,
        pc: usize,
    ) -> LuaResult<usize> {
        // SAFETY: proto is live (caller contract).
        let p = unsafe { &*proto };
        let e = self.jit_entry_or_compile(p, pc, false);
        if e == 0 {
            return Ok(pc);
        }
        // SAFETY: `e` is the stub of code compiled for this proto with signature `CompiledFn`;
        // base/upvals are this frame's (caller contract); the flag outlives the call.
        unsafe { self.jit_run(e, upvals, base, pc) }
    }

    /// The stub of compiled code to run `p`'s frame at `pc` (a frame start or resumption, or
    /// the loop header of a taken back-edge when `backedge`), compiling first when the
    /// proto's call counter (frame entries) or back-edge counter (back-edges) has reached its
    /// threshold (always in eager mode); 0 while the frame stays interpreted. A hot back-edge
    /// of a proto still in its first call compiles only the loop's OSR region
    /// ([`tiering`] "OSR regions"); its code is entered at the region's instructions until the
    /// whole proto is compiled. Shared by the frame-entry and back-edge hooks.
    #[inline(always)]
    fn jit_entry_or_compile(&mut self, p: &Proto, pc: usize, backedge: bool) -> usize {
        use tiering::Scope;
        let e = p.jit.entry.get();
        if e != 0 {
            if p.jit.deopts.get() >= DEOPT_RECOMPILE && !p.jit.recompiled.get() {
                // Same stub: the entry cell is back-patched, compiled callers follow it.
                self.jit_compile(p, Scope::Again);
            }
            return e;
        }
        // Safepoint of the background compiler: install what it finished.
        if let Some(bg) = &self.jit.bg
            && bg.finished() != 0
        {
            self.jit_install_finished();
            let e = p.jit.entry.get();
            if e != 0 {
                return e;
            }
        }
        let osr = p.jit.osr_entry.get();
        if osr != 0 && p.jit.in_region(pc) {
            if p.jit.deopts.get() >= DEOPT_RECOMPILE && !p.jit.recompiled.get() {
                self.jit_compile(p, Scope::Again);
            }
            return osr;
        }
        if p.jit.state.get() != STATE_NONE || self.jit.config.mode == JitMode::Off {
            return 0;
        }
        let cfg = self.jit.config;
        let calls_hot = p.call_count.get() >= cfg.call_threshold;
        if osr != 0 {
            // OSR region code exists: the whole proto is compiled when calls get hot; a
            // loop outside the region that gets hot gets its own region instead while the
            // proto is still in its first call (the earlier loop cannot run again then: it
            // would share the new loop's region), else the whole proto.
            if backedge {
                let m = p.jit.region_misses.get().saturating_add(1);
                p.jit.region_misses.set(m);
                if m < cfg.backedge_threshold {
                    return 0;
                }
                p.jit.region_misses.set(0);
                let scope = if calls_hot || p.call_count.get() > 1 {
                    Scope::Whole
                } else {
                    Scope::Osr(pc)
                };
                return self.jit_compile(p, scope);
            }
            if !calls_hot {
                return 0;
            }
            return self.jit_compile(p, Scope::Whole);
        }
        let scope = match cfg.mode {
            JitMode::Eager => Scope::Whole,
            _ if backedge => {
                if p.backedge_count.get() < cfg.backedge_threshold {
                    return 0;
                }
                // Only a proto still in its first call (a main chunk, a one-shot driver) gets
                // an OSR region: one called again will be entered at its start too.
                if calls_hot || p.call_count.get() > 1 {
                    Scope::Whole
                } else {
                    Scope::Osr(pc)
                }
            }
            _ if calls_hot => Scope::Whole,
            _ => return 0,
        };
        self.jit_compile(p, scope)
    }

    /// Interpreter hook at a taken loop back-edge (`backedge!` in `interp.rs`), after the jump:
    /// `pc` is the loop header. Enters compiled code there (OSR entry), compiling the proto
    /// first when its back-edge counter is hot. Returns the pc at which the interpreter continues.
    ///
    /// # Safety
    /// As `Vm::jit_frame_entry`.
    #[inline(always)]
    pub(crate) unsafe fn jit_backedge(
        &mut self,
        proto: *const Proto,
        upvals: *const *mut UpVal,
        base: *mut Value,
        pc: usize,
    ) -> LuaResult<usize> {
        // SAFETY: proto is live (caller contract).
        let p = unsafe { &*proto };
        let e = self.jit_entry_or_compile(p, pc, true);
        if e == 0 {
            return Ok(pc);
        }
        self.jit.counters.osr_entries += 1;
        if self.jit.config.log {
            eprintln!(
                "[jit] OSR entry {}:{} at pc {}",
                String::from_utf8_lossy(&p.src.source),
                p.src.line_defined,
                pc
            );
        }
        // SAFETY: as in `jit_frame_entry`.
        unsafe { self.jit_run(e, upvals, base, pc) }
    }

    #[inline(always)]
    unsafe fn jit_run(
        &mut self,
        entry: usize,
        upvals: *const *mut UpVal,
        base: *mut Value,
        pc: usize,
    ) -> LuaResult<usize> {
        // SAFETY: caller guarantees `entry` has the `CompiledFn` signature (System V).
        let f: CompiledFn = unsafe { std::mem::transmute::<usize, CompiledFn>(entry) };
        let flag: *const AtomicBool = &*self.interrupt;
        // SAFETY: compiled code only touches registers below max_stack (in bounds, interp.rs
        // module doc), the closure's upvalues and live tables; the only helper that runs Lua
        // code is `call::jit_call`, which receives `self` and is the only user of it until
        // the compiled code returns.
        let r = unsafe { f(base, pc as u64, upvals, flag, self as *mut Vm) };
        if r == call::CALL_ERROR {
            return Err(self.jit_take_error());
        }
        Ok(r as usize)
    }
}
