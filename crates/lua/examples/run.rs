//! Tiny test driver: `cargo run -p moonlift-lua --example run -- file.lua[c]` runs a chunk (source or
//! `luac5.4` binary) with the standard libraries and prints errors with a traceback like lua.c.
use moonlift_lua::vm::Vm;

fn main() {
    let path = std::env::args().nth(1).expect("usage: run FILE");
    let data = std::fs::read(&path).expect("read");
    let mut vm = Vm::new();
    moonlift_lua::stdlib::open_libs(&mut vm);
    let name = format!("@{}", path);
    let code = match vm.load(&data, name.as_bytes(), "bt", None) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("run: {}", e);
            std::process::exit(1);
        }
    };
    let r = vm.pcall_traceback(code, &[]);
    let _ = vm.stdout().flush();
    if let Err(e) = r {
        eprintln!("run: {}\n{}", e, e.traceback.clone().unwrap_or_default());
        std::process::exit(1);
    }
}
