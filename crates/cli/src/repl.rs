//! The interactive loop (`lua.c`'s `doREPL`), with line editing and history from rustyline.
//!
//! Each input is first tried as `return <line>` so expressions print their values; otherwise it is
//! compiled as a statement, and while the only error is an unfinished chunk (a syntax error whose
//! message ends in `<eof>`), more lines are read with the continuation prompt. Prompts come from the
//! globals `_PROMPT` and `_PROMPT2` when set, else `> ` and `>> `, as in `lua.c`.

use crate::{call_protected, do_call, flush_stdout, report};
use moonlift_lua::vm::{LuaError, Value, Vm};
use rustyline::DefaultEditor;
use rustyline::error::ReadlineError;

/// Chunk name of REPL input (`lua.c` uses `=stdin`).
const CHUNKNAME: &[u8] = b"=stdin";

/// Is `e` a syntax error caused only by the input ending early (`lua.c`'s `incomplete`)?
fn is_incomplete(vm: &Vm, e: &LuaError) -> bool {
    e.value.is_string() && vm.error_text(e).ends_with(b"<eof>")
}

fn prompt(vm: &mut Vm, first: bool) -> String {
    let v = vm.get_global(if first { "_PROMPT" } else { "_PROMPT2" });
    if !v.is_nil()
        && let Ok(b) = vm.tostring_bytes(v)
    {
        return String::from_utf8_lossy(&b).into_owned();
    }
    if first { "> ".into() } else { ">> ".into() }
}

/// Read one complete chunk; `None` at end of input.
fn read_chunk(vm: &mut Vm, ed: &mut DefaultEditor) -> Option<Result<Value, LuaError>> {
    let p = prompt(vm, true);
    let line = loop {
        match ed.readline(&p) {
            Ok(l) => break l,
            Err(ReadlineError::Interrupted) => continue,
            Err(_) => return None,
        }
    };
    // First as an expression whose values are printed.
    let as_return = format!("return {line}");
    if let Ok(f) = vm.load(as_return.as_bytes(), CHUNKNAME, "t", None) {
        let _ = ed.add_history_entry(line.as_str());
        return Some(Ok(f));
    }
    let mut buf = line;
    loop {
        match vm.load(buf.as_bytes(), CHUNKNAME, "t", None) {
            Ok(f) => {
                let _ = ed.add_history_entry(buf.as_str());
                return Some(Ok(f));
            }
            Err(e) if is_incomplete(vm, &e) => {
                let p2 = prompt(vm, false);
                match ed.readline(&p2) {
                    Ok(more) => {
                        buf.push('\n');
                        buf.push_str(&more);
                    }
                    Err(_) => {
                        let _ = ed.add_history_entry(buf.as_str());
                        return Some(Err(e));
                    }
                }
            }
            Err(e) => {
                let _ = ed.add_history_entry(buf.as_str());
                return Some(Err(e));
            }
        }
    }
}

/// Run the REPL until end of input.
pub fn run(vm: &mut Vm) {
    let mut ed = match DefaultEditor::new() {
        Ok(ed) => ed,
        Err(e) => {
            eprintln!("{}: cannot start line editor: {e}", crate::PROGNAME);
            return;
        }
    };
    while let Some(chunk) = read_chunk(vm, &mut ed) {
        match chunk {
            Err(e) => {
                report(vm, &e);
            }
            Ok(f) => {
                // Run and print any results through the global `print`, as lua.c's `l_print`.
                let results = match call_protected(vm, f, &[]) {
                    Ok(v) => v,
                    Err(e) => {
                        report(vm, &e);
                        continue;
                    }
                };
                if !results.is_empty() {
                    let print = vm.get_global("print");
                    if !do_call(vm, print, &results) {
                        continue;
                    }
                }
            }
        }
        flush_stdout(vm);
    }
    println!();
}
