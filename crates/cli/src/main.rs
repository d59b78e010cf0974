//! `moonlift`: a command-line front end to the Moonlift Lua 5.4 VM, compatible with `lua.c` 5.4.
//!
//! What it does, in `lua.c`'s order (`pmain`): parse options ([`args`]), print the version for `-v`,
//! open the standard libraries, build the `arg` table (script at index 0, options at negative indices),
//! run `LUA_INIT_5_4`/`LUA_INIT` unless `-E`, run `-e`/`-l`/`-W` in command-line order, run the script
//! with its arguments, then the REPL for `-i` (or when nothing else was given and stdin is a terminal).
//!
//! Errors print `moonlift: <message>` and, for errors raised while running Lua, `stack traceback:` to
//! stderr; the exit status is 1. Standard output is flushed before anything is written to stderr, so
//! nothing is lost or reordered when a script dies. Ctrl-C while Lua runs raises the Lua error
//! `interrupted!` (the VM polls an interrupt flag at calls and loop back-edges).
#![deny(missing_docs)]

mod args;
mod repl;

use args::{ArgsOutcome, JitMode, Options, PreAction, Script};
use moonlift_lua::vm::{LuaError, Value, Vm};
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};

/// Program name used in messages (`lua.c`'s `progname`).
pub const PROGNAME: &str = "moonlift";

/// Version banner printed by `-v` and the REPL (`lua.c`'s `print_version`).
pub const VERSION_BANNER: &str =
    "Moonlift 0.1 (Lua 5.4 compatible)  Copyright (C) 2026 the Moonlift authors";

fn main() {
    let argv: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let code = run(&argv);
    std::process::exit(code);
}

/// Run the command line; returns the process exit status.
fn run(argv: &[String]) -> i32 {
    let opts = match args::parse(argv) {
        Ok(o) => o,
        Err(ArgsOutcome::Help(text)) => {
            print!("{text}");
            return 0;
        }
        Err(ArgsOutcome::Error(msg)) => {
            eprintln!("{PROGNAME}: {msg}");
            eprint!("{}", args::usage(PROGNAME));
            return 1;
        }
    };
    let jit = resolve_jit_mode(&opts);
    if opts.version {
        println!("{VERSION_BANNER}");
    }
    let mut vm = Vm::new();
    moonlift_lua::stdlib::open_libs(&mut vm);
    // lua.c 5.4 switches the collector to generational mode at start-up (`lua_gc(L, LUA_GCGEN)`),
    // which `collectgarbage("incremental")` reports as the previous mode.
    vm.set_gc_mode(moonlift_lua::vm::gc::GcMode::Generational);
    vm.set_memory_limit(opts.memory_limit);
    install_interrupt_handler(&vm);
    // Baseline JIT (moonlift_lua::jit): mode and per-compile log.
    vm.set_jit_mode(match jit {
        JitMode::Off => moonlift_lua::jit::JitMode::Off,
        JitMode::On => moonlift_lua::jit::JitMode::On,
        JitMode::Eager => moonlift_lua::jit::JitMode::Eager,
    });
    let mut jit_config = vm.jit_config();
    jit_config.log = opts.jit_log;
    vm.set_jit_config(jit_config);
    vm.set_jit_dump(opts.jit_dump.clone());
    if opts.perf_map
        && let Err(e) = vm.enable_perf_map()
    {
        eprintln!("{PROGNAME}: warning: --perf-map: cannot create the perf map: {e}");
    }
    // `--gc-stress` overrides MOONLIFT_GC_STRESS (which the VM reads when it is created).
    if let Some(every) = opts.gc_stress {
        vm.set_gc_stress(every);
    }
    create_arg_table(&mut vm, argv, &opts);

    let status = run_all(&mut vm, &opts);
    if opts.jit_stats {
        flush_stdout(&mut vm);
        eprintln!("{PROGNAME}: {}", vm.jit_stats_report());
    }
    flush_stdout(&mut vm);
    status
}

/// `--jit` wins over `MOONLIFT_JIT` (unless `-E`), which wins over the default (`on`).
fn resolve_jit_mode(opts: &Options) -> JitMode {
    if let Some(m) = opts.jit {
        return m;
    }
    if !opts.ignore_env
        && let Ok(v) = std::env::var("MOONLIFT_JIT")
    {
        match JitMode::from_env_value(&v) {
            Some(m) => return m,
            None => {
                eprintln!("{PROGNAME}: ignoring MOONLIFT_JIT={v:?} (expected off, on or eager)")
            }
        }
    }
    JitMode::default()
}

fn run_all(vm: &mut Vm, opts: &Options) -> i32 {
    if !opts.ignore_env && !handle_luainit(vm) {
        return 1;
    }
    for action in &opts.pre {
        let ok = match action {
            PreAction::Exec(src) => do_string(vm, src.as_bytes(), b"=(command line)"),
            PreAction::Require(global, module) => do_require(vm, global, module),
            PreAction::WarnOn => {
                vm.set_warnings(true);
                true
            }
        };
        if !ok {
            return 1;
        }
    }
    if let Some(script) = &opts.script
        && !handle_script(vm, script, &opts.script_args)
    {
        return 1;
    }
    if opts.interactive {
        repl::run(vm);
    } else if opts.script.is_none()
        && opts.pre.iter().all(|a| *a == PreAction::WarnOn)
        && !opts.version
    {
        if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
            println!("{VERSION_BANNER}");
            repl::run(vm);
        } else if !handle_script(vm, &Script::Stdin, &[]) {
            return 1;
        }
    }
    0
}

/// Build the global `arg` table as `lua.c`'s `createargtable` does.
fn create_arg_table(vm: &mut Vm, argv: &[String], opts: &Options) {
    let script = if opts.script.is_some() {
        opts.script_index
    } else {
        0
    };
    let t = vm.new_table_with(opts.script_args.len(), script + 1);
    for (i, a) in argv.iter().enumerate() {
        let s = vm.new_str(a.as_bytes());
        vm.raw_set_int(t, i as i64 - script as i64, s);
    }
    vm.set_global("arg", t);
}

/// `LUA_INIT_5_4`, else `LUA_INIT`: `@file` runs a file, anything else runs as a chunk named
/// `=LUA_INIT_5_4` / `=LUA_INIT`.
fn handle_luainit(vm: &mut Vm) -> bool {
    let (name, value) = match std::env::var_os("LUA_INIT_5_4") {
        Some(v) => ("=LUA_INIT_5_4", v),
        None => match std::env::var_os("LUA_INIT") {
            Some(v) => ("=LUA_INIT", v),
            None => return true,
        },
    };
    let value = value.to_string_lossy().into_owned();
    match value.strip_prefix('@') {
        Some(file) => do_file(vm, Some(file.as_bytes()), &[]),
        None => do_string(vm, value.as_bytes(), name.as_bytes()),
    }
}

/// `-l g=mod`: `g = require("mod")`.
fn do_require(vm: &mut Vm, global: &str, module: &str) -> bool {
    let require = vm.get_global("require");
    let name = vm.new_str(module.as_bytes());
    match vm.pcall_traceback(require, &[name]) {
        Ok(results) => {
            vm.set_global(global, results.first().copied().unwrap_or(Value::NIL));
            true
        }
        Err(e) => report(vm, &e),
    }
}

fn do_string(vm: &mut Vm, src: &[u8], chunkname: &[u8]) -> bool {
    match vm.load(src, chunkname, "bt", None) {
        Ok(f) => do_call(vm, f, &[]),
        Err(e) => report(vm, &e),
    }
}

fn do_file(vm: &mut Vm, file: Option<&[u8]>, script_args: &[String]) -> bool {
    let (code, chunkname) = match moonlift_lua::stdlib::base::read_source_file(file) {
        Ok(x) => x,
        Err(msg) => {
            flush_stdout(vm);
            eprintln!("{PROGNAME}: {msg}");
            return false;
        }
    };
    let f = match vm.load(&code, &chunkname, "bt", None) {
        Ok(f) => f,
        Err(e) => return report(vm, &e),
    };
    let args: Vec<Value> = script_args
        .iter()
        .map(|a| vm.new_str(a.as_bytes()))
        .collect();
    do_call(vm, f, &args)
}

fn handle_script(vm: &mut Vm, script: &Script, script_args: &[String]) -> bool {
    match script {
        Script::Stdin => do_file(vm, None, script_args),
        Script::File(path) => do_file(vm, Some(path.as_bytes()), script_args),
    }
}

/// Call `f` in protected mode with a traceback handler (`lua.c`'s `docall` + `msghandler`).
pub(crate) fn do_call(vm: &mut Vm, f: Value, args: &[Value]) -> bool {
    match call_protected(vm, f, args) {
        Ok(_) => true,
        Err(e) => report(vm, &e),
    }
}

/// Protected call with a traceback on error, during which Ctrl-C interrupts the VM.
pub(crate) fn call_protected(
    vm: &mut Vm,
    f: Value,
    args: &[Value],
) -> Result<Vec<Value>, LuaError> {
    arm_interrupt();
    let r = vm.pcall_traceback(f, args);
    disarm_interrupt();
    r
}

/// Print an error as `lua.c`'s `l_message` does (after `msghandler`): a non-string error object with a
/// `__tostring` metamethod prints that text without a traceback; any other non-string object prints
/// `(error object is a X value)`. Returns `false` so callers can `return report(..)`.
pub(crate) fn report(vm: &mut Vm, e: &LuaError) -> bool {
    let is_text = e.value.is_string() || e.value.is_number();
    let (msg, traceback) = if is_text {
        (vm.error_text(e), e.traceback.clone())
    } else if !vm.get_metafield(e.value, "__tostring").is_nil() {
        match vm.tostring_bytes(e.value) {
            Ok(b) => (b, None),
            Err(_) => (vm.error_text(e), e.traceback.clone()),
        }
    } else {
        (vm.error_text(e), e.traceback.clone())
    };
    flush_stdout(vm);
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(PROGNAME.as_bytes());
    let _ = err.write_all(b": ");
    let _ = err.write_all(&msg);
    let _ = err.write_all(b"\n");
    if let Some(tb) = traceback {
        let _ = err.write_all(tb.as_bytes());
        if !tb.ends_with('\n') {
            let _ = err.write_all(b"\n");
        }
    }
    let _ = err.flush();
    false
}

pub(crate) fn flush_stdout(vm: &mut Vm) {
    let _ = vm.stdout().flush();
}

/// The VM's interrupt flag, reachable from the signal handler (set once at start-up).
static INTERRUPT_FLAG: AtomicPtr<AtomicBool> = AtomicPtr::new(std::ptr::null_mut());

fn install_interrupt_handler(vm: &Vm) {
    let flag = vm.interrupt_flag();
    // The flag lives as long as the process: leak one reference for the signal handler.
    let raw = std::sync::Arc::into_raw(flag) as *mut AtomicBool;
    INTERRUPT_FLAG.store(raw, Ordering::SeqCst);
}

extern "C" fn on_sigint(_sig: libc::c_int) {
    let p = INTERRUPT_FLAG.load(Ordering::SeqCst);
    if !p.is_null() {
        // SAFETY: `p` came from `Arc::into_raw` and is never freed; an atomic store is
        // async-signal-safe.
        unsafe { (*p).store(true, Ordering::SeqCst) };
    }
    // As lua.c's `laction`: a second Ctrl-C before the VM notices terminates the process.
    // SAFETY: `signal` is async-signal-safe; SIG_DFL is a valid disposition.
    unsafe { libc::signal(libc::SIGINT, libc::SIG_DFL) };
}

/// While Lua runs, Ctrl-C sets the VM's interrupt flag (the VM raises `interrupted!`).
fn arm_interrupt() {
    // SAFETY: installing a handler that only performs async-signal-safe operations.
    unsafe { libc::signal(libc::SIGINT, on_sigint as *const () as libc::sighandler_t) };
}

/// Outside Lua execution, Ctrl-C has its default effect.
fn disarm_interrupt() {
    // SAFETY: restoring the default disposition.
    unsafe { libc::signal(libc::SIGINT, libc::SIG_DFL) };
    let p = INTERRUPT_FLAG.load(Ordering::SeqCst);
    if !p.is_null() {
        // SAFETY: see `on_sigint`.
        unsafe { (*p).store(false, Ordering::SeqCst) };
    }
}
