//! `JitRuntime`: the facade tying code memory, the linker, stable entries, safepoints and
//! reclamation together.
//!
//! Typical use (see the crate docs for a complete example):
//!
//! 1. [`JitRuntime::new`] builds the host ISA (`preserve_frame_pointers` and `unwind_info` on),
//!    reserves code memory and writes the lazy-compile trampoline.
//! 2. [`JitRuntime::declare_function`] / [`JitRuntime::declare_lazy_function`] create a logical
//!    function: entry cell + stub ([`crate::stub`]).
//! 3. Build CLIF, then [`JitRuntime::compile_and_install`] (or `Context::compile` +
//!    [`JitRuntime::install`]) copies, relocates and registers the code as a [`CodeBlob`].
//! 4. [`JitRuntime::set_entry`] publishes a blob in a function's cell (one atomic store);
//!    [`JitRuntime::replace`] also relinks direct callers (at a safepoint) and retires the old blob.
//! 5. [`JitRuntime::reclaim`] frees retired blobs nothing can reach any more.
//!
//! Concurrency: all methods take `&self` and may be called from any thread. Locks: the *linker*
//! mutex guards relocation and reference bookkeeping; the *blob table* is an `RwLock` (lookups
//! take the read side only). **No lock is held while waiting for a stop-the-world**: operations
//! that need one (relink, patch, reclaim) first stop the world, then take the linker lock inside,
//! so a mutator busy in `install` is never waited for while it waits for us.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, Weak};
use std::time::Instant;

use cranelift_codegen::binemit::Reloc;
use cranelift_codegen::ir::{self, ExternalName, UserExternalName};
use cranelift_codegen::isa::{OwnedTargetIsa, TargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::{CompiledCode, Context, FinalizedRelocTarget};

use crate::blob::{BlobState, BlobTable, CallSiteInfo, CodeBlob, CodeId, PatchableCallSite};
use crate::code_memory::{
    CodeBlock, CodeMemory, CodeMemoryConfig, CodeMemoryError, CodeMemoryUsage,
};
use crate::reclaim::{FrameHook, FrameSource, ReclaimReport};
use crate::reloc::{DirectCallIndex, DirectSite, LinkTarget, RelocError};
use crate::safepoint::{Safepoint, ThreadHandle, ThreadState};
use crate::stub::{self, FuncId};
use crate::unwind::{UnwindError, UnwindRegistration};

/// Cranelift optimization level for code compiled through the runtime's ISA.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum OptLevel {
    /// `opt_level=none` (baseline tier).
    #[default]
    None,
    /// `opt_level=speed`.
    Speed,
    /// `opt_level=speed_and_size`.
    SpeedAndSize,
}

/// Register allocator choice (`regalloc_algorithm`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Regalloc {
    /// `backtracking` (Cranelift's default; better code).
    #[default]
    Backtracking,
    /// `single_pass` (fast compile; baseline tier).
    SinglePass,
}

/// Runtime configuration.
#[derive(Clone, Debug, Default)]
pub struct JitConfig {
    /// Code region size and poisoning.
    pub code: CodeMemoryConfig,
    /// Cranelift `opt_level`.
    pub opt_level: OptLevel,
    /// Cranelift `regalloc_algorithm`.
    pub regalloc: Regalloc,
    /// Run Cranelift's IR verifier (`enable_verifier`). Default: off.
    pub verifier: bool,
    /// Compile position-independent code (`is_pic`): calls to non-colocated functions then
    /// load their address from a GOT cell (`X86GOTPCRel4`). Default: off (`Abs8`).
    pub is_pic: bool,
    /// Extra Cranelift shared settings `(name, value)`, applied last.
    pub extra_flags: Vec<(String, String)>,
    /// Where the reclaimer looks for live frames.
    pub frame_source: FrameSource,
}

/// Errors of the runtime.
#[derive(Debug, thiserror::Error)]
pub enum JitError {
    /// Code memory failure (including a full region).
    #[error(transparent)]
    CodeMemory(#[from] CodeMemoryError),
    /// Relocation failure.
    #[error(transparent)]
    Reloc(#[from] RelocError),
    /// Unwind-info failure.
    #[error(transparent)]
    Unwind(#[from] UnwindError),
    /// Cranelift failed to compile (message from `CompileError`).
    #[error("compilation failed: {0}")]
    Compile(String),
    /// Building the ISA or its settings failed.
    #[error("ISA setup failed: {0}")]
    Isa(String),
    /// The host is not supported (only x86-64 Linux for now).
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// No blob with this id is installed (never installed, or already freed).
    #[error("unknown or freed code blob {0}")]
    UnknownCode(CodeId),
    /// No function with this id was declared.
    #[error("unknown function {0}")]
    UnknownFunction(FuncId),
    /// The blob is in the wrong state for the operation.
    #[error("code blob {id} is {state:?}, expected {expected}")]
    BadState {
        /// The blob.
        id: CodeId,
        /// Its state.
        state: BlobState,
        /// What the operation needs.
        expected: &'static str,
    },
    /// A patch range is not inside one installed blob.
    #[error("patch range {addr:#x}+{len} is not inside one installed code blob")]
    PatchOutOfRange {
        /// Start (RX address).
        addr: usize,
        /// Length.
        len: usize,
    },
    /// A function was called before any code was installed and it has no lazy compiler.
    #[error("function {0} has no code and no lazy compiler")]
    NoCode(FuncId),
}

/// Resolves a Cranelift user external name to a link target (`None` = unresolved, an error).
pub type Resolver<'a> = &'a dyn Fn(&UserExternalName) -> Option<LinkTarget>;

/// A lazy compiler: called on the first call of a function whose cell points at its lazy thunk.
/// It compiles and installs a blob and returns its id; the runtime then stores it in the cell
/// and completes the pending call there.
pub type LazyCompiler = Arc<dyn Fn(&JitRuntime, FuncId) -> Result<CodeId, JitError> + Send + Sync>;

/// Everything [`JitRuntime::install`] needs.
pub struct InstallRequest<'a> {
    /// Name for tracing, perf maps and disassembly.
    pub name: &'a str,
    /// The logical function this is a version of (bookkeeping only; it does not publish).
    pub func: Option<FuncId>,
    /// Cranelift's output (`Context::compile`).
    pub code: &'a CompiledCode,
    /// The compiled function (its `params.user_named_funcs()` map `UserExternalNameRef`s).
    pub function: &'a ir::Function,
    /// Resolves user external names.
    pub resolve: Resolver<'a>,
}

/// Counters of runtime activity (monotonic since creation).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RuntimeCounters {
    /// Blobs installed.
    pub installs: u64,
    /// Bytes of code installed.
    pub installed_bytes: u64,
    /// Cell stores (`set_entry`, `set_entry_address`, resets).
    pub cell_stores: u64,
    /// Relink operations.
    pub relinks: u64,
    /// Direct-call sites rewritten by relinks.
    pub relinked_sites: u64,
    /// Byte patches (`patch_bytes`).
    pub patches: u64,
    /// Blobs retired.
    pub retired: u64,
    /// Blobs freed.
    pub freed: u64,
    /// Bytes of code freed.
    pub freed_bytes: u64,
    /// Lazy compilations through the trampoline.
    pub lazy_compiles: u64,
    /// Stop-the-world operations.
    pub stops: u64,
}

#[derive(Default)]
struct Counters {
    installs: AtomicU64,
    installed_bytes: AtomicU64,
    cell_stores: AtomicU64,
    relinks: AtomicU64,
    relinked_sites: AtomicU64,
    patches: AtomicU64,
    retired: AtomicU64,
    freed: AtomicU64,
    freed_bytes: AtomicU64,
    lazy_compiles: AtomicU64,
}

pub(crate) struct Entry {
    id: FuncId,
    name: String,
    stub: usize,
    cell_rx: usize,
    cell_rw: usize,
    thunk: usize,
    compiler: Mutex<Option<LazyCompiler>>,
    fallback: AtomicUsize,
    lazy_lock: Mutex<()>,
    runtime: Weak<Inner>,
}

impl Entry {
    fn cell(&self) -> &AtomicU64 {
        // SAFETY: `cell_rw` is the 8-byte aligned RW-view address of this entry's cell, mapped
        // for the runtime's lifetime, which the entry does not outlive in use.
        unsafe { &*(self.cell_rw as *const AtomicU64) }
    }
}

#[derive(Default)]
struct Linker {
    direct: DirectCallIndex,
    /// Address veneers / GOT cells by target address: (block, rx address of the block).
    veneers: HashMap<usize, (CodeBlock, usize)>,
    unwind: HashMap<CodeId, UnwindRegistration>,
    retired: Vec<CodeId>,
    /// Current blob per function, as last published with `set_entry`.
    current: HashMap<FuncId, CodeId>,
}

pub(crate) struct Inner {
    isa: OwnedTargetIsa,
    mem: CodeMemory,
    safepoint: Safepoint,
    trampoline: usize,
    next_code: AtomicU64,
    linker: Mutex<Linker>,
    blobs: RwLock<BlobTable>,
    entries: RwLock<Vec<Arc<Entry>>>,
    frame_hook: RwLock<Option<Box<FrameHook>>>,
    frame_source: FrameSource,
    counters: Counters,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Deregister unwind info while the code is still mapped (`mem` is dropped after this).
        lock(&self.linker).unwind.clear();
    }
}

/// The JIT runtime. Cheap to clone (an `Arc`); see the module docs.
///
/// Dropping the last clone unmaps all code: no thread may run JIT code (or hold a function
/// pointer it will call) after that.
#[derive(Clone)]
pub struct JitRuntime {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for JitRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JitRuntime")
            .field(
                "code_base",
                &format_args!("{:#x}", self.inner.mem.rx_base()),
            )
            .field("usage", &self.inner.mem.usage())
            .finish_non_exhaustive()
    }
}

/// Proof that the world is stopped: passed to the closure of [`JitRuntime::stop_the_world`].
/// Its methods rewrite instruction bytes, which is only sound while no other registered thread
/// runs JIT code.
pub struct World<'a> {
    rt: &'a JitRuntime,
    threads: &'a [Arc<ThreadState>],
}

impl std::fmt::Debug for World<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("World")
            .field("threads", &self.threads.len())
            .finish()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl JitRuntime {
    /// Creates a runtime for the host: builds the native ISA with `preserve_frame_pointers=true`
    /// and `unwind_info=true` plus `config`'s settings, reserves code memory and writes the lazy
    /// trampoline.
    ///
    /// Errors: [`JitError::Unsupported`] off x86-64 Linux; [`JitError::Isa`] for bad settings;
    /// [`JitError::CodeMemory`] if the region cannot be mapped.
    pub fn new(config: JitConfig) -> Result<JitRuntime, JitError> {
        if !cfg!(all(target_arch = "x86_64", target_os = "linux")) {
            return Err(JitError::Unsupported(
                "moonlift-jit supports x86-64 Linux only for now (aarch64 relocations, stubs and \
                 trampoline are not written yet)"
                    .into(),
            ));
        }
        let mut flags = settings::builder();
        let isa_err = |e: settings::SetError| JitError::Isa(e.to_string());
        flags
            .set(
                "opt_level",
                match config.opt_level {
                    OptLevel::None => "none",
                    OptLevel::Speed => "speed",
                    OptLevel::SpeedAndSize => "speed_and_size",
                },
            )
            .map_err(isa_err)?;
        flags
            .set(
                "regalloc_algorithm",
                match config.regalloc {
                    Regalloc::Backtracking => "backtracking",
                    Regalloc::SinglePass => "single_pass",
                },
            )
            .map_err(isa_err)?;
        flags
            .set("preserve_frame_pointers", "true")
            .map_err(isa_err)?;
        flags.set("unwind_info", "true").map_err(isa_err)?;
        flags
            .set(
                "enable_verifier",
                if config.verifier { "true" } else { "false" },
            )
            .map_err(isa_err)?;
        flags
            .set("is_pic", if config.is_pic { "true" } else { "false" })
            .map_err(isa_err)?;
        for (k, v) in &config.extra_flags {
            flags.set(k, v).map_err(isa_err)?;
        }
        let isa_builder = cranelift_native::builder().map_err(|e| JitError::Isa(e.to_string()))?;
        let isa = isa_builder
            .finish(settings::Flags::new(flags))
            .map_err(|e| JitError::Isa(e.to_string()))?;
        let mem = CodeMemory::new(&config.code)?;
        let code = stub::trampoline_code(lazy_resolve as *const () as usize);
        let block = mem.alloc(code.len(), 16)?;
        // SAFETY: the block is fresh and ours; nobody executes it yet.
        unsafe { mem.write(block.offset, &code) };
        let trampoline = mem.rx_addr(block.offset);
        mem.flush_icache(trampoline, code.len());
        Ok(JitRuntime {
            inner: Arc::new(Inner {
                isa,
                mem,
                safepoint: Safepoint::new(),
                trampoline,
                next_code: AtomicU64::new(1),
                linker: Mutex::new(Linker::default()),
                blobs: RwLock::new(BlobTable::default()),
                entries: RwLock::new(Vec::new()),
                frame_hook: RwLock::new(None),
                frame_source: config.frame_source,
                counters: Counters::default(),
            }),
        })
    }

    /// The target ISA code must be compiled for.
    pub fn isa(&self) -> &dyn TargetIsa {
        &*self.inner.isa
    }

    /// The code region.
    pub fn code_memory(&self) -> &CodeMemory {
        &self.inner.mem
    }

    /// Code memory usage figures.
    pub fn code_usage(&self) -> CodeMemoryUsage {
        self.inner.mem.usage()
    }

    /// The safepoint domain (thread registration, poll word, stop-the-world).
    pub fn safepoint(&self) -> &Safepoint {
        &self.inner.safepoint
    }

    /// Registers the current thread as a mutator (see [`Safepoint::register`]).
    pub fn register_thread(&self) -> ThreadHandle {
        self.inner.safepoint.register()
    }

    /// Address of the RX-view lazy-compile trampoline.
    pub fn lazy_trampoline(&self) -> usize {
        self.inner.trampoline
    }

    /// Counters of activity so far.
    pub fn counters(&self) -> RuntimeCounters {
        let c = &self.inner.counters;
        let l = |a: &AtomicU64| a.load(Ordering::Relaxed);
        RuntimeCounters {
            installs: l(&c.installs),
            installed_bytes: l(&c.installed_bytes),
            cell_stores: l(&c.cell_stores),
            relinks: l(&c.relinks),
            relinked_sites: l(&c.relinked_sites),
            patches: l(&c.patches),
            retired: l(&c.retired),
            freed: l(&c.freed),
            freed_bytes: l(&c.freed_bytes),
            lazy_compiles: l(&c.lazy_compiles),
            stops: self.inner.safepoint.stops(),
        }
    }

    // ---------------------------------------------------------------- functions and entries

    fn new_entry(&self, name: &str, compiler: Option<LazyCompiler>) -> Result<FuncId, JitError> {
        let mem = &self.inner.mem;
        let block = mem.alloc(stub::ENTRY_BLOCK_SIZE, 32)?;
        let rx = mem.rx_addr(block.offset);
        let mut entries = self
            .inner
            .entries
            .write()
            .unwrap_or_else(|e| e.into_inner());
        let id = FuncId(entries.len() as u32);
        let entry = Arc::new(Entry {
            id,
            name: name.to_string(),
            stub: rx,
            cell_rx: rx + stub::CELL_OFFSET,
            cell_rw: mem.rw_addr(block.offset) + stub::CELL_OFFSET,
            thunk: rx + stub::LAZY_THUNK_OFFSET,
            compiler: Mutex::new(compiler),
            fallback: AtomicUsize::new(0),
            lazy_lock: Mutex::new(()),
            runtime: Arc::downgrade(&self.inner),
        });
        let code = stub::entry_block_code(rx, Arc::as_ptr(&entry) as u64, self.inner.trampoline);
        // SAFETY: the block is fresh and ours; nobody executes it yet.
        unsafe { mem.write(block.offset, &code) };
        entry.cell().store(entry.thunk as u64, Ordering::Release);
        mem.flush_icache(rx, stub::ENTRY_BLOCK_SIZE);
        entries.push(entry);
        Ok(id)
    }

    /// Declares a logical function: allocates its entry block (stub + cell + lazy thunk). Until
    /// code is published, calling it goes to the lazy trampoline, which finds no compiler and
    /// jumps to the fallback address if one is set ([`JitRuntime::set_fallback`]) or aborts the
    /// process with a message naming the function.
    pub fn declare_function(&self, name: &str) -> Result<FuncId, JitError> {
        self.new_entry(name, None)
    }

    /// Declares a function compiled lazily by `compiler` on its first call (see
    /// [`crate::stub`] for the trampoline). The pending call then completes in the new code
    /// with its original arguments. If the compiler fails, the call goes to the fallback
    /// address, or the process aborts with the error if there is none.
    pub fn declare_lazy_function(
        &self,
        name: &str,
        compiler: LazyCompiler,
    ) -> Result<FuncId, JitError> {
        self.new_entry(name, Some(compiler))
    }

    fn entry(&self, f: FuncId) -> Result<Arc<Entry>, JitError> {
        self.inner
            .entries
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(f.0 as usize)
            .cloned()
            .ok_or(JitError::UnknownFunction(f))
    }

    /// The function's stub address: its stable function pointer (RX view).
    pub fn stub_address(&self, f: FuncId) -> Result<usize, JitError> {
        Ok(self.entry(f)?.stub)
    }

    /// The RX-view address of the function's entry cell (8 bytes, aligned). JIT callers may
    /// `load.i64 notrap aligned readonly` it and `call_indirect` the value.
    pub fn entry_cell_address(&self, f: FuncId) -> Result<usize, JitError> {
        Ok(self.entry(f)?.cell_rx)
    }

    /// The address of the function's lazy thunk (what the cell holds while no code is
    /// published).
    pub fn lazy_thunk_address(&self, f: FuncId) -> Result<usize, JitError> {
        Ok(self.entry(f)?.thunk)
    }

    /// The function's name.
    pub fn function_name(&self, f: FuncId) -> Result<String, JitError> {
        Ok(self.entry(f)?.name.clone())
    }

    /// The current content of the function's cell.
    pub fn current_target(&self, f: FuncId) -> Result<usize, JitError> {
        Ok(self.entry(f)?.cell().load(Ordering::Acquire) as usize)
    }

    /// The blob last published for `f` with [`JitRuntime::set_entry`], if still current.
    pub fn current_code(&self, f: FuncId) -> Option<CodeId> {
        lock(&self.inner.linker).current.get(&f).copied()
    }

    /// The functions whose cell currently publishes blob `code` (via [`JitRuntime::set_entry`]).
    /// An invalidation resets these cells (e.g. with [`JitRuntime::set_entry_address`] or
    /// [`JitRuntime::reset_to_lazy`]) before retiring the blob.
    pub fn functions_using(&self, code: CodeId) -> Vec<FuncId> {
        let mut v: Vec<FuncId> = lock(&self.inner.linker)
            .current
            .iter()
            .filter(|(_, c)| **c == code)
            .map(|(f, _)| *f)
            .collect();
        v.sort();
        v
    }

    /// Sets the address the lazy trampoline uses when a function has no code or its compiler
    /// fails (e.g. an interpreter entry with the same signature). 0 = none.
    pub fn set_fallback(&self, f: FuncId, addr: usize) -> Result<(), JitError> {
        self.entry(f)?.fallback.store(addr, Ordering::Release);
        Ok(())
    }

    /// Sets or clears the function's lazy compiler.
    pub fn set_lazy_compiler(
        &self,
        f: FuncId,
        compiler: Option<LazyCompiler>,
    ) -> Result<(), JitError> {
        *lock(&self.entry(f)?.compiler) = compiler;
        Ok(())
    }

    /// Publishes blob `code` as the current target of `f`: one atomic release store into the
    /// cell. Calls already past the cell load finish in the previous code; later calls run
    /// `code`. Returns the blob previously published for `f`, if any (not retired; see
    /// [`JitRuntime::replace`]).
    ///
    /// Errors: unknown function or blob, or a blob that is not Live.
    pub fn set_entry(&self, f: FuncId, code: CodeId) -> Result<Option<CodeId>, JitError> {
        let entry = self.entry(f)?;
        let mut l = lock(&self.inner.linker);
        let blob = self.blob(code).ok_or(JitError::UnknownCode(code))?;
        if blob.state() != BlobState::Live {
            return Err(JitError::BadState {
                id: code,
                state: blob.state(),
                expected: "Live",
            });
        }
        entry.cell().store(blob.entry() as u64, Ordering::Release);
        self.inner
            .counters
            .cell_stores
            .fetch_add(1, Ordering::Relaxed);
        tracing::debug!(target: "moonlift_jit::stub", func = %f, code = %code, "set entry");
        Ok(l.current.insert(f, code))
    }

    /// Publishes `code` in `f`'s cell only if the cell still holds `expected` (compare and
    /// swap under the linker lock). Returns whether it did. Lazy compilation uses it so that a
    /// slow compile never overwrites a newer version published meanwhile.
    pub fn set_entry_if(&self, f: FuncId, code: CodeId, expected: usize) -> Result<bool, JitError> {
        let entry = self.entry(f)?;
        let mut l = lock(&self.inner.linker);
        let blob = self.blob(code).ok_or(JitError::UnknownCode(code))?;
        if blob.state() != BlobState::Live {
            return Err(JitError::BadState {
                id: code,
                state: blob.state(),
                expected: "Live",
            });
        }
        if entry.cell().load(Ordering::Acquire) as usize != expected {
            return Ok(false);
        }
        entry.cell().store(blob.entry() as u64, Ordering::Release);
        self.inner
            .counters
            .cell_stores
            .fetch_add(1, Ordering::Relaxed);
        l.current.insert(f, code);
        Ok(true)
    }

    /// Stores an arbitrary address into the function's cell (an interpreter entry, a fallback
    /// tier). The previously published blob stays recorded as not current. The address must be
    /// callable with the function's signature.
    pub fn set_entry_address(&self, f: FuncId, addr: usize) -> Result<Option<CodeId>, JitError> {
        let entry = self.entry(f)?;
        let mut l = lock(&self.inner.linker);
        entry.cell().store(addr as u64, Ordering::Release);
        self.inner
            .counters
            .cell_stores
            .fetch_add(1, Ordering::Relaxed);
        Ok(l.current.remove(&f))
    }

    /// Points the function's cell back at its lazy thunk: the next call compiles again (or goes
    /// to the fallback). Returns the blob that was current, if any.
    pub fn reset_to_lazy(&self, f: FuncId) -> Result<Option<CodeId>, JitError> {
        let thunk = self.entry(f)?.thunk;
        self.set_entry_address(f, thunk)
    }

    // ---------------------------------------------------------------- compile and install

    /// Compiles `ctx.func` with the runtime's ISA. Errors: [`JitError::Compile`] with
    /// Cranelift's message.
    pub fn compile<'c>(&self, ctx: &'c mut Context) -> Result<&'c CompiledCode, JitError> {
        let mut ctrl = cranelift_codegen::control::ControlPlane::default();
        ctx.compile(&*self.inner.isa, &mut ctrl)
            .map_err(|e| JitError::Compile(format!("{:?}", e.inner)))
    }

    /// Compiles `ctx.func` and installs it (see [`JitRuntime::install`]). Emits a `compile`
    /// tracing event with the duration and the CLIF instruction count.
    pub fn compile_and_install(
        &self,
        name: &str,
        func: Option<FuncId>,
        ctx: &mut Context,
        resolve: Resolver<'_>,
    ) -> Result<Arc<CodeBlob>, JitError> {
        let t = Instant::now();
        let cpu = crate::stats::thread_cpu_time();
        let insts = ctx.func.dfg.num_insts();
        self.compile(ctx)?;
        // (Re-borrowed: the function is read for its external names while installing.)
        let (function, code) = (&ctx.func, ctx.compiled_code().expect("compiled above"));
        crate::stats::global().record_compile(crate::stats::thread_cpu_time().saturating_sub(cpu));
        tracing::debug!(
            target: "moonlift_jit::compile",
            name,
            clif_insts = insts,
            bytes = code.code_buffer().len(),
            micros = t.elapsed().as_micros() as u64,
            "compile"
        );
        self.install(&InstallRequest {
            name,
            func,
            code,
            function,
            resolve,
        })
    }

    /// Installs compiled code: allocates a block, copies the bytes, applies every relocation
    /// (see [`crate::reloc`]), records direct references for relinking, registers unwind info
    /// and indexes the blob by address. The blob is Live but not published: call
    /// [`JitRuntime::set_entry`] or [`JitRuntime::replace`] to make a function use it.
    ///
    /// Errors: [`JitError::CodeMemory`] (region full), [`JitError::Reloc`] (unsupported kind,
    /// unresolved name, out of range), [`JitError::Unwind`].
    pub fn install(&self, req: &InstallRequest<'_>) -> Result<Arc<CodeBlob>, JitError> {
        let t = Instant::now();
        let inner = &*self.inner;
        let buffer = &req.code.buffer;
        let bytes = req.code.code_buffer();
        let align = (inner.isa.function_alignment().preferred as usize).clamp(16, 64);
        let block = inner.mem.alloc(bytes.len().max(1), align)?;
        let start = inner.mem.rx_addr(block.offset);
        let mut code = bytes.to_vec();
        let id = CodeId(inner.next_code.fetch_add(1, Ordering::Relaxed));
        let mut l = lock(&inner.linker);
        let mut direct: Vec<(CodeId, DirectSite)> = Vec::new();
        let result = (|| -> Result<(), JitError> {
            for r in buffer.relocs() {
                let site = start + r.offset as usize;
                let (target, record) =
                    self.resolve_reloc(&mut l, req, r.kind, &r.target, r.offset, site)?;
                let (enc, width) =
                    crate::reloc::encode(r.kind, r.offset, site, target as i64 + r.addend)?;
                let o = r.offset as usize;
                code[o..o + width].copy_from_slice(&enc[..width]);
                if let Some(callee) = record {
                    direct.push((
                        callee,
                        DirectSite {
                            caller: id,
                            offset: r.offset,
                            kind: r.kind,
                            addend: r.addend,
                        },
                    ));
                }
            }
            Ok(())
        })();
        if let Err(e) = result {
            drop(l);
            // SAFETY: the block was never published or executed.
            unsafe { inner.mem.free(block) };
            return Err(e);
        }
        // SAFETY: the block is fresh and ours; nobody executes it until it is published.
        unsafe { inner.mem.write(block.offset, &code) };
        inner.mem.flush_icache(start, code.len());
        let unwind_info = match req.code.create_unwind_info(&*inner.isa) {
            Ok(u) => u,
            Err(e) => {
                drop(l);
                // SAFETY: never published.
                unsafe { inner.mem.free(block) };
                return Err(JitError::Compile(format!("unwind info: {e:?}")));
            }
        };
        if let Some(info) = &unwind_info {
            // SAFETY: `info` describes the code just written at `start`, which stays mapped
            // until the reclaimer drops the registration before freeing the block.
            match unsafe { UnwindRegistration::new(&*inner.isa, info, start) } {
                Ok(Some(reg)) => {
                    l.unwind.insert(id, reg);
                }
                Ok(None) => {}
                Err(e) => {
                    drop(l);
                    // SAFETY: never published.
                    unsafe { inner.mem.free(block) };
                    return Err(e.into());
                }
            }
        }
        let mut call_sites: Vec<CallSiteInfo> = buffer
            .call_sites()
            .map(|c| CallSiteInfo {
                ret_addr: c.ret_addr,
                frame_offset: c.frame_offset,
            })
            .collect();
        call_sites.sort_by_key(|c| c.ret_addr);
        let mut user_stack_maps = buffer.user_stack_maps().to_vec();
        user_stack_maps.sort_by_key(|(o, _, _)| *o);
        let mut patchable_call_sites: Vec<PatchableCallSite> = buffer
            .patchable_call_sites()
            .map(|p| PatchableCallSite {
                ret_addr: p.ret_addr,
                len: p.len,
            })
            .collect();
        patchable_call_sites.sort_by_key(|p| p.ret_addr);
        let blob = Arc::new(CodeBlob {
            id,
            name: req.name.to_string(),
            func: req.func,
            block,
            start,
            len: code.len(),
            state: std::sync::atomic::AtomicU8::new(BlobState::Live as u8),
            invalid: Default::default(),
            relocs: buffer.relocs().to_vec(),
            call_sites,
            user_stack_maps,
            patchable_call_sites,
            nop_units: buffer.nop_units.clone(),
            traps: buffer.traps().to_vec(),
            frame_layout: buffer.frame_layout().cloned(),
            unwind_info,
        });
        for (callee, site) in direct {
            l.direct.add(callee, site);
        }
        inner
            .blobs
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(blob.clone());
        drop(l);
        inner.counters.installs.fetch_add(1, Ordering::Relaxed);
        crate::stats::global().record_install(code.len() as u64);
        inner
            .counters
            .installed_bytes
            .fetch_add(code.len() as u64, Ordering::Relaxed);
        tracing::debug!(
            target: "moonlift_jit::install",
            name = req.name,
            code = %id,
            addr = format_args!("{start:#x}"),
            bytes = code.len(),
            relocs = buffer.relocs().len(),
            micros = t.elapsed().as_micros() as u64,
            "install"
        );
        Ok(blob)
    }

    /// Resolves one relocation target to `(absolute target address, blob to record the site
    /// under)`.
    fn resolve_reloc(
        &self,
        l: &mut Linker,
        req: &InstallRequest<'_>,
        kind: Reloc,
        target: &FinalizedRelocTarget,
        offset: u32,
        site: usize,
    ) -> Result<(usize, Option<CodeId>), JitError> {
        let inner = &*self.inner;
        let is_call = matches!(kind, Reloc::X86CallPCRel4 | Reloc::X86CallPLTRel4);
        let is_got = kind == Reloc::X86GOTPCRel4;
        if !matches!(
            kind,
            Reloc::X86CallPCRel4
                | Reloc::X86CallPLTRel4
                | Reloc::X86PCRel4
                | Reloc::Abs8
                | Reloc::X86GOTPCRel4
        ) {
            return Err(RelocError::Unsupported { kind, offset }.into());
        }
        let name = match target {
            FinalizedRelocTarget::Func(off) => {
                // A reference into this same function (e.g. its own address).
                let start = site - offset as usize;
                let addr = start + *off as usize;
                return if is_got {
                    Ok((self.veneer(l, addr)? + stub::CELL_OFFSET, None))
                } else {
                    Ok((addr, None))
                };
            }
            FinalizedRelocTarget::ExternalName(n) => n,
        };
        let lt = match name {
            ExternalName::User(r) => {
                let un = &req.function.params.user_named_funcs()[*r];
                (req.resolve)(un).ok_or_else(|| RelocError::Unresolved {
                    name: format!("u{}:{}", un.namespace, un.index),
                    offset,
                })?
            }
            ExternalName::LibCall(lc) => {
                LinkTarget::Address(crate::reloc::libcall_address(*lc).ok_or_else(|| {
                    RelocError::Unresolved {
                        name: format!("%{lc}"),
                        offset,
                    }
                })?)
            }
            other => {
                return Err(RelocError::Unresolved {
                    name: format!("{other:?}"),
                    offset,
                }
                .into());
            }
        };
        let reach = |a: usize| (a as i64 - site as i64).unsigned_abs() < (1u64 << 31) - 4096;
        match lt {
            LinkTarget::Function(f) | LinkTarget::Stub(f) => {
                let entry = self.entry(f)?;
                if is_got {
                    return Ok((entry.cell_rx, None));
                }
                if is_call
                    && matches!(lt, LinkTarget::Function(_))
                    && let Some(&code) = l.current.get(&f)
                {
                    let blobs = inner.blobs.read().unwrap_or_else(|e| e.into_inner());
                    if let Some(b) = blobs.get(code)
                        && b.state() == BlobState::Live
                        && b.entry() as u64 == entry.cell().load(Ordering::Acquire)
                    {
                        return Ok((b.entry(), Some(code)));
                    }
                }
                Ok((entry.stub, None))
            }
            LinkTarget::Code(c) => {
                let blobs = inner.blobs.read().unwrap_or_else(|e| e.into_inner());
                let b = blobs.get(c).ok_or(RelocError::UnknownTarget {
                    offset,
                    what: c.to_string(),
                })?;
                if is_got {
                    return Err(RelocError::Unsupported { kind, offset }.into());
                }
                Ok((b.entry(), Some(c)))
            }
            LinkTarget::Address(a) => {
                if is_got {
                    return Ok((self.veneer(l, a)? + stub::CELL_OFFSET, None));
                }
                if kind == Reloc::Abs8 || reach(a) {
                    return Ok((a, None));
                }
                if is_call {
                    return Ok((self.veneer(l, a)?, None));
                }
                Err(RelocError::OutOfRange { offset, target: a }.into())
            }
        }
    }

    /// The address veneer (`jmp [cell]` + cell) for absolute address `target`, created on
    /// first use. Veneers live as long as the runtime.
    fn veneer(&self, l: &mut Linker, target: usize) -> Result<usize, JitError> {
        if let Some(&(_, rx)) = l.veneers.get(&target) {
            return Ok(rx);
        }
        let mem = &self.inner.mem;
        let block = mem.alloc(stub::VENEER_SIZE, 16)?;
        // SAFETY: fresh block, not yet reachable.
        unsafe { mem.write(block.offset, &stub::veneer_code(target as u64)) };
        let rx = mem.rx_addr(block.offset);
        mem.flush_icache(rx, stub::VENEER_SIZE);
        l.veneers.insert(target, (block, rx));
        Ok(rx)
    }

    // ---------------------------------------------------------------- lookup

    /// The blob with id `id`, unless freed.
    pub fn blob(&self, id: CodeId) -> Option<Arc<CodeBlob>> {
        self.inner
            .blobs
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .cloned()
    }

    /// The installed (live or retired) blob containing `addr`, and the offset of `addr` in it.
    /// O(log n) in the number of installed blobs. Return addresses map to the call site whose
    /// `ret_addr` equals the offset.
    pub fn blob_for_address(&self, addr: usize) -> Option<(Arc<CodeBlob>, u32)> {
        let t = self.inner.blobs.read().unwrap_or_else(|e| e.into_inner());
        t.lookup(addr).map(|(b, o)| (b.clone(), o))
    }

    /// Number of installed (not freed) blobs.
    pub fn blob_count(&self) -> usize {
        self.inner
            .blobs
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .len()
    }

    /// Number of retired blobs waiting to be freed.
    pub fn retired_count(&self) -> usize {
        lock(&self.inner.linker).retired.len()
    }

    /// Blobs that reference `callee` directly (the reverse call index), as `(caller, offset of
    /// the relocated field)`.
    pub fn direct_callers(&self, callee: CodeId) -> Vec<(CodeId, u32)> {
        lock(&self.inner.linker)
            .direct
            .callers_of(callee)
            .iter()
            .map(|s| (s.caller, s.offset))
            .collect()
    }

    // ---------------------------------------------------------------- safepoints and patching

    /// Stops every other registered thread at a poll or safe region, runs `f` with a [`World`]
    /// token, resumes them. See [`Safepoint::stop_the_world`]. Not reentrant.
    pub fn stop_the_world<R>(&self, f: impl FnOnce(&World<'_>) -> R) -> R {
        self.inner
            .safepoint
            .stop_the_world(|threads| f(&World { rt: self, threads }))
    }

    /// Writes `bytes` at RX address `addr` through the RW view inside a stop-the-world. The range
    /// must lie inside one installed blob. Emits a `patch` tracing event.
    pub fn patch_bytes(&self, addr: usize, bytes: &[u8]) -> Result<(), JitError> {
        self.stop_the_world(|w| w.patch_bytes(addr, bytes))
    }

    /// Rewrites every recorded direct reference to blob `old` so it targets blob `new`, inside a
    /// stop-the-world. Returns the number of sites rewritten. After it, no direct call reaches
    /// `old` (cells are not touched: see [`JitRuntime::set_entry`]).
    pub fn relink(&self, old: CodeId, new: CodeId) -> Result<usize, JitError> {
        self.stop_the_world(|w| w.relink(old, new))
    }

    /// Replaces `f`'s code with blob `new`: publishes it in the cell, relinks direct callers of
    /// the previous blob (at a safepoint, only if it has any), and retires the previous blob.
    /// Returns the previous blob.
    pub fn replace(&self, f: FuncId, new: CodeId) -> Result<Option<CodeId>, JitError> {
        let old = self.set_entry(f, new)?;
        if let Some(old) = old
            && old != new
        {
            let has_callers = !lock(&self.inner.linker).direct.callers_of(old).is_empty();
            if has_callers {
                self.relink(old, new)?;
            }
            self.retire(old)?;
        }
        Ok(old)
    }

    /// Retires a blob (`Live → Retired`): it will be freed by a later [`JitRuntime::reclaim`]
    /// once no cell, direct call or frame references it. Retiring a retired blob is a no-op.
    pub fn retire(&self, id: CodeId) -> Result<(), JitError> {
        let mut l = lock(&self.inner.linker);
        let b = self.blob(id).ok_or(JitError::UnknownCode(id))?;
        if b.state() == BlobState::Live {
            b.set_state(BlobState::Retired);
            l.retired.push(id);
            self.inner.counters.retired.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(target: "moonlift_jit::reclaim", code = %id, name = b.name(), "retire");
        }
        Ok(())
    }

    /// Installs a frame-record hook: called inside each reclamation's stop-the-world, it must
    /// report (through the sink) the return address of every JIT frame of every mutator thread
    /// that the frame-pointer walk cannot see. `None` removes it.
    pub fn set_frame_hook(&self, hook: Option<Box<FrameHook>>) {
        *self
            .inner
            .frame_hook
            .write()
            .unwrap_or_else(|e| e.into_inner()) = hook;
    }

    /// Frees every retired blob that nothing can reach (see [`crate::reclaim`]), inside a
    /// stop-the-world.
    pub fn reclaim(&self) -> ReclaimReport {
        if lock(&self.inner.linker).retired.is_empty() {
            return ReclaimReport::default();
        }
        self.stop_the_world(|w| w.reclaim())
    }
}

impl World<'_> {
    /// The registered threads (all parked or in safe regions, except possibly the caller).
    pub fn threads(&self) -> &[Arc<ThreadState>] {
        self.threads
    }

    /// The runtime.
    pub fn runtime(&self) -> &JitRuntime {
        self.rt
    }

    /// Writes `bytes` at RX address `addr` through the RW view. The range must lie inside one
    /// installed blob (not freed). Errors: [`JitError::PatchOutOfRange`].
    pub fn patch_bytes(&self, addr: usize, bytes: &[u8]) -> Result<(), JitError> {
        let inner = &*self.rt.inner;
        let ok = {
            let t = inner.blobs.read().unwrap_or_else(|e| e.into_inner());
            t.lookup(addr)
                .is_some_and(|(b, o)| o as usize + bytes.len() <= b.len())
        };
        if !ok {
            return Err(JitError::PatchOutOfRange {
                addr,
                len: bytes.len(),
            });
        }
        let off = addr - inner.mem.rx_base();
        // SAFETY: the range lies inside an installed blob, and the world is stopped (this token
        // exists only inside `stop_the_world`), so no registered thread executes these bytes.
        unsafe { inner.mem.write(off, bytes) };
        inner.mem.flush_icache(addr, bytes.len());
        inner.counters.patches.fetch_add(1, Ordering::Relaxed);
        crate::stats::global()
            .patches
            .fetch_add(1, Ordering::Relaxed);
        tracing::debug!(
            target: "moonlift_jit::patch",
            addr = format_args!("{addr:#x}"),
            bytes = bytes.len(),
            "patch"
        );
        Ok(())
    }

    /// See [`JitRuntime::relink`].
    pub fn relink(&self, old: CodeId, new: CodeId) -> Result<usize, JitError> {
        let t = Instant::now();
        let inner = &*self.rt.inner;
        let mut l = lock(&inner.linker);
        let new_blob = self.rt.blob(new).ok_or(JitError::UnknownCode(new))?;
        if new_blob.state() == BlobState::Freed {
            return Err(JitError::UnknownCode(new));
        }
        let sites = l.direct.take_callers(old);
        let blobs = inner.blobs.read().unwrap_or_else(|e| e.into_inner());
        let mut n = 0;
        for s in &sites {
            let Some(caller) = blobs.get(s.caller) else {
                continue;
            };
            let site = caller.start() + s.offset as usize;
            let (enc, width) =
                crate::reloc::encode(s.kind, s.offset, site, new_blob.entry() as i64 + s.addend)?;
            // SAFETY: the field lies inside the caller blob (a relocation Cranelift reported) and
            // the world is stopped.
            unsafe { inner.mem.write(site - inner.mem.rx_base(), &enc[..width]) };
            inner.mem.flush_icache(site, width);
            n += 1;
        }
        drop(blobs);
        for s in sites {
            l.direct.add(new, s);
        }
        inner.counters.relinks.fetch_add(1, Ordering::Relaxed);
        crate::stats::global()
            .relinks
            .fetch_add(1, Ordering::Relaxed);
        inner
            .counters
            .relinked_sites
            .fetch_add(n as u64, Ordering::Relaxed);
        tracing::debug!(
            target: "moonlift_jit::relink",
            old = %old,
            new = %new,
            sites = n,
            micros = t.elapsed().as_micros() as u64,
            "relink"
        );
        Ok(n)
    }

    /// See [`JitRuntime::reclaim`].
    pub fn reclaim(&self) -> ReclaimReport {
        let t = Instant::now();
        let inner = &*self.rt.inner;
        // Frames: walk parked threads' chains, then ask the client.
        let mut pcs = Vec::new();
        let (lo, hi) = (inner.mem.rx_base(), inner.mem.rx_base() + inner.mem.size());
        if inner.frame_source != FrameSource::HookOnly {
            for th in self.threads {
                // SAFETY: every other registered thread is parked or in a safe region for the
                // duration of the stop, so its JIT frames above the recorded frame or exit anchor
                // do not change; the caller's own record or anchor (if any) describes frames
                // below its current one, which stay live while it runs this closure.
                unsafe { crate::safepoint::walk_thread(th, lo, hi, |pc| pcs.push(pc)) };
            }
        }
        if inner.frame_source != FrameSource::WalkOnly
            && let Some(hook) = &*inner.frame_hook.read().unwrap_or_else(|e| e.into_inner())
        {
            hook(&mut |pc| pcs.push(pc));
        }
        let mut l = lock(&inner.linker);
        let mut targets: Vec<usize> = Vec::new();
        for e in inner
            .entries
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            targets.push(e.cell().load(Ordering::Acquire) as usize);
        }
        for &(block, _) in l.veneers.values() {
            // SAFETY: the veneer's cell is 8-byte aligned inside its block in the RW view.
            let v = unsafe {
                &*((inner.mem.rw_addr(block.offset) + stub::CELL_OFFSET) as *const AtomicU64)
            };
            targets.push(v.load(Ordering::Acquire) as usize);
        }
        let retired: Vec<(CodeId, usize, usize)> = {
            let blobs = inner.blobs.read().unwrap_or_else(|e| e.into_inner());
            l.retired
                .iter()
                .filter_map(|id| {
                    blobs
                        .get(*id)
                        .map(|b| (*id, b.start(), b.start() + b.len()))
                })
                .collect()
        };
        let direct = &l.direct;
        let (free, kept_referenced, kept_running) =
            crate::reclaim::plan(&retired, &targets, &pcs, |id, freed| {
                direct
                    .callers_of(id)
                    .iter()
                    .any(|s| !freed.contains(&s.caller))
            });
        let mut report = ReclaimReport {
            kept_referenced,
            kept_running,
            frames_seen: pcs.len(),
            ..Default::default()
        };
        for id in &free {
            // Unwind info goes first, so the unwinder never describes reused memory.
            l.unwind.remove(id);
            l.direct.remove_caller(*id);
            l.direct.take_callers(*id);
            let Some(b) = inner
                .blobs
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .remove(*id)
            else {
                continue;
            };
            b.set_state(BlobState::Freed);
            // SAFETY: the plan proved no cell, direct reference or frame reaches the blob, and
            // the world is stopped; the block came from `alloc` and is freed once (the blob left
            // the table above).
            unsafe { inner.mem.free(b.block) };
            report.freed_bytes += b.block.len;
            crate::stats::global().record_free(b.len() as u64);
            report.freed.push(*id);
            tracing::debug!(target: "moonlift_jit::reclaim", code = %id, name = b.name(), bytes = b.len(), "free");
        }
        l.retired.retain(|id| !free.contains(id));
        inner
            .counters
            .freed
            .fetch_add(report.freed.len() as u64, Ordering::Relaxed);
        inner
            .counters
            .freed_bytes
            .fetch_add(report.freed_bytes as u64, Ordering::Relaxed);
        tracing::debug!(
            target: "moonlift_jit::reclaim",
            freed = report.freed.len(),
            bytes = report.freed_bytes,
            kept_referenced,
            kept_running,
            frames = report.frames_seen,
            micros = t.elapsed().as_micros() as u64,
            "reclaim"
        );
        report
    }
}

// ---------------------------------------------------------------- lazy compilation

fn resolve_lazy(entry: &Entry, frame: usize) -> Result<usize, JitError> {
    let inner = entry
        .runtime
        .upgrade()
        .ok_or_else(|| JitError::Unsupported("runtime dropped while code runs".into()))?;
    let rt = JitRuntime { inner };
    // Compiling may take long: let stop-the-worlds proceed meanwhile; the trampoline's frame
    // record makes our JIT callers visible to the reclaimer's walk.
    let safe = crate::safepoint::enter_safe_region_current(frame);
    let result = (|| {
        let _g = lock(&entry.lazy_lock);
        if entry.cell().load(Ordering::Acquire) as usize != entry.thunk {
            return Ok(());
        }
        let compiler = lock(&entry.compiler).clone();
        let Some(compiler) = compiler else {
            return Err(JitError::NoCode(entry.id));
        };
        let t = Instant::now();
        let code = compiler(&rt, entry.id)?;
        if !rt.set_entry_if(entry.id, code, entry.thunk)? {
            // A newer version was published while we compiled: ours is not needed.
            rt.retire(code)?;
        }
        rt.inner
            .counters
            .lazy_compiles
            .fetch_add(1, Ordering::Relaxed);
        tracing::debug!(
            target: "moonlift_jit::compile",
            func = %entry.id,
            name = entry.name.as_str(),
            code = %code,
            micros = t.elapsed().as_micros() as u64,
            "lazy compile"
        );
        Ok(())
    })();
    if safe {
        crate::safepoint::leave_safe_region_current();
    }
    result?;
    let target = entry.cell().load(Ordering::Acquire) as usize;
    Ok(target)
}

/// Called by the lazy trampoline with the entry pointer (from `r11`) and the trampoline's frame
/// record; returns the address to jump to. Never unwinds.
extern "C" fn lazy_resolve(entry: *const Entry, frame: usize) -> usize {
    // SAFETY: the thunk passes the address of an `Entry` kept alive in the runtime's entry list
    // for the runtime's lifetime (and code cannot run after the runtime is dropped).
    let entry = unsafe { &*entry };
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| resolve_lazy(entry, frame)));
    let err = match r {
        Ok(Ok(t)) => return t,
        Ok(Err(e)) => e.to_string(),
        Err(_) => "the lazy compiler panicked".to_string(),
    };
    let fallback = entry.fallback.load(Ordering::Acquire);
    tracing::error!(target: "moonlift_jit::compile", func = %entry.id, name = entry.name.as_str(), error = err.as_str(), "lazy compile failed");
    if fallback != 0 {
        return fallback;
    }
    eprintln!(
        "moonlift-jit: fatal: lazy compilation of `{}` ({}) failed and it has no fallback: {err}",
        entry.name, entry.id
    );
    std::process::abort();
}
