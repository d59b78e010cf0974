//! Run a file with a memory limit (bytes from argv[2]); used to check "not enough memory".
use moonlift_lua::vm::Vm;
fn main() {
    let path = std::env::args().nth(1).expect("file");
    let lim: usize = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(32 << 20);
    let mut vm = Vm::new();
    moonlift_lua::stdlib::open_libs(&mut vm);
    vm.set_memory_limit(Some(lim));
    let src = std::fs::read(&path).unwrap();
    let f = vm.load(&src, b"=mem", "t", None).unwrap();
    if let Err(e) = vm.call(f, &[]) {
        let _ = vm.stdout().flush();
        eprintln!("error: {}", e);
    }
}
