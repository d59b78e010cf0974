//! Runs the string-library scripts in `tests/data/strlib/` (patterns, `string.pack`, `utf8`)
//! through the VM and compares their output byte for byte with the `.out` files recorded from
//! PUC-Lua 5.4 (`lua5.4 x.lua > x.out`).
//!
//! While the front end cannot compile a script, it is precompiled with `luac5.4` (our bytecode
//! is Lua 5.4's) when that tool is installed; otherwise the script is skipped.

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

/// Runs one script; its output, or `None` if it cannot be loaded in this build.
fn run_script(dir: &Path, file: &str) -> Option<Vec<u8>> {
    let src = std::fs::read(dir.join(file)).unwrap();
    let name = format!("@{file}");
    let mut vm = Vm::new();
    moonlift_lua::stdlib::open_libs(&mut vm);
    let cap = Capture::default();
    vm.set_stdout(Box::new(cap.clone()));
    let f = match vm.load(&src, name.as_bytes(), "bt", None) {
        Ok(f) => f,
        Err(_) => {
            let out =
                std::env::temp_dir().join(format!("ml-strlib-{}-{file}c", std::process::id()));
            let st = std::process::Command::new("luac5.4")
                .current_dir(dir)
                .arg("-o")
                .arg(&out)
                .arg(file)
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
        let _ = writeln!(cap.clone(), "error: {e}");
    }
    let _ = vm.stdout().flush();
    drop(vm);
    let out = cap.0.borrow().clone();
    Some(out)
}

fn check(file: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/strlib");
    let expected = std::fs::read(dir.join(file.replace(".lua", ".out"))).unwrap();
    let Some(got) = run_script(&dir, file) else {
        eprintln!("skipped {file}: no front end and no luac5.4");
        return;
    };
    let (g, e) = (
        String::from_utf8_lossy(&got),
        String::from_utf8_lossy(&expected),
    );
    for (i, (a, b)) in g.lines().zip(e.lines()).enumerate() {
        assert_eq!(a, b, "{file}: line {} differs from lua5.4", i + 1);
    }
    assert_eq!(
        g.lines().count(),
        e.lines().count(),
        "{file}: line count differs"
    );
}

fn on_big_stack(f: fn()) {
    std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn patterns_script_matches_lua54() {
    on_big_stack(|| check("patterns.lua"));
}

#[test]
fn pack_and_utf8_script_matches_lua54() {
    on_big_stack(|| check("pack.lua"));
}

/// Runs a chunk from source and returns its printed output.
fn run_source(src: &str) -> String {
    let mut vm = Vm::new();
    moonlift_lua::stdlib::open_libs(&mut vm);
    let cap = Capture::default();
    vm.set_stdout(Box::new(cap.clone()));
    let f = vm
        .load(src.as_bytes(), b"=yield", "t", None)
        .expect("compiles");
    if let Err(e) = vm.pcall_traceback(f, &[]) {
        let _ = writeln!(cap.clone(), "error: {e}");
    }
    let _ = vm.stdout().flush();
    drop(vm);
    let out = cap.0.borrow().clone();
    String::from_utf8_lossy(&out).into_owned()
}

/// Beyond PUC-Lua (which raises "attempt to yield across a C-call boundary"): a `gsub`
/// replacement function and a `gmatch` loop body may yield, because each coroutine runs on its
/// own native stack.
#[test]
fn gsub_callback_may_yield() {
    on_big_stack(|| {
        let out = run_source(
            r#"
            local co = coroutine.wrap(function()
              local r = string.gsub("abc", "%w", function(c) coroutine.yield(c) return c:upper() end)
              return r
            end)
            print(co(), co(), co(), co())
            local g = coroutine.wrap(function()
              for k, v in string.gmatch("a=1, b=2", "(%w+)=(%w+)") do coroutine.yield(k .. v) end
              return "done"
            end)
            print(g(), g(), g())
            "#,
        );
        assert_eq!(out, "a\tb\tc\tABC\na1\tb2\tdone\n");
    });
}
