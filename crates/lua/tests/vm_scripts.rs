//! Runs the Lua scripts in `tests/vm/` and compares their output with the `.out` files produced by
//! PUC-Lua 5.4 (`lua5.4 x.lua > x.out 2>&1`). Scripts only print deterministic values (no addresses).
//!
//! Until the front end can compile source, a script that does not compile is precompiled with
//! `luac5.4` when that tool is installed (our bytecode is Lua 5.4's), otherwise skipped.

use moonlift_lua::vm::Vm;
use std::cell::RefCell;
use std::io::Write;
use std::path::Path;
use std::rc::Rc;

#[derive(Clone, Default)]
struct Capture(Rc<RefCell<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Run one script; returns its captured output, or None when it cannot be loaded here.
fn run_script(path: &Path) -> Option<Vec<u8>> {
    let src = std::fs::read(path).unwrap();
    let name = format!("@{}", path.file_name().unwrap().to_string_lossy());
    let mut vm = Vm::new();
    moonlift_lua::stdlib::open_libs(&mut vm);
    let cap = Capture::default();
    vm.set_stdout(Box::new(cap.clone()));
    let f = match vm.load(&src, name.as_bytes(), "bt", None) {
        Ok(f) => f,
        Err(_) => {
            // Fall back to luac5.4 output while the front end is incomplete.
            let out = std::env::temp_dir().join(format!(
                "ml-{}-{}.luac",
                std::process::id(),
                path.file_stem()?.to_string_lossy()
            ));
            let st = std::process::Command::new("luac5.4")
                .current_dir(path.parent()?)
                .arg("-o")
                .arg(&out)
                .arg(path.file_name()?)
                .status()
                .ok()?;
            if !st.success() {
                return None;
            }
            let bin = std::fs::read(&out).ok()?;
            let _ = std::fs::remove_file(&out);
            vm.load(&bin, name.as_bytes(), "b", None).ok()?
        }
    };
    if let Err(e) = vm.pcall_traceback(f, &[]) {
        let _ = writeln!(
            cap.clone(),
            "lua5.4: {}\n{}",
            e,
            e.traceback.clone().unwrap_or_default()
        );
    }
    let _ = vm.stdout().flush();
    drop(vm);
    let out = cap.0.borrow().clone();
    Some(out)
}

/// Lines that depend on libraries this build may not have yet are not compared.
fn comparable(line: &str) -> bool {
    !line.contains("<env>")
}

#[test]
fn vm_scripts_match_lua54() {
    // Like the `moonlift` CLI's main thread: an 8 MB native stack.
    std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(compare_all)
        .unwrap()
        .join()
        .unwrap();
}

fn compare_all() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vm");
    let mut failures = Vec::new();
    let mut ran = 0;
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.extension().and_then(|e| e.to_str()) != Some("lua") {
            continue;
        }
        let expected = std::fs::read_to_string(p.with_extension("out")).unwrap();
        let Some(got) = run_script(&p) else { continue };
        ran += 1;
        let got = String::from_utf8_lossy(&got).into_owned();
        let (g, e): (Vec<_>, Vec<_>) = (
            got.lines().filter(|l| comparable(l)).collect(),
            expected.lines().filter(|l| comparable(l)).collect(),
        );
        if g != e {
            let first = g
                .iter()
                .zip(e.iter())
                .position(|(a, b)| a != b)
                .unwrap_or(g.len().min(e.len()));
            failures.push(format!(
                "{}: first difference at line {}:\n  got:      {:?}\n  expected: {:?}",
                p.display(),
                first + 1,
                g.get(first),
                e.get(first)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    eprintln!("{} scripts compared", ran);
}
