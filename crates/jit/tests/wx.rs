//! W^X: the code region is mapped exactly twice — once read+write (shared), once read+execute
//! (shared) — and no mapping of the process is writable and executable at once.

mod support;

use cranelift_codegen::ir::InstBuilder;
use cranelift_codegen::ir::types::I64;

#[test]
fn region_is_dual_mapped_and_never_wx() {
    let rt = support::runtime();
    let mut ctx = support::build(&rt, &[I64], &[I64], |fb, a| {
        let c = fb.ins().iconst(I64, 1);
        vec![fb.ins().iadd(a[0], c)]
    });
    let blob = rt
        .compile_and_install("inc", None, &mut ctx, &|_| None)
        .unwrap();
    let rx = rt.code_memory().rx_base();
    let rw = rt.code_memory().rw_base();
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    let mut seen_rx = false;
    let mut seen_rw = false;
    for line in maps.lines() {
        let mut it = line.split_whitespace();
        let range = it.next().unwrap();
        let perms = it.next().unwrap();
        assert!(
            !(perms.contains('w') && perms.contains('x')),
            "W+X mapping: {line}"
        );
        let start = usize::from_str_radix(range.split('-').next().unwrap(), 16).unwrap();
        if start == rx {
            assert_eq!(perms, "r-xs", "{line}");
            seen_rx = true;
        }
        if start == rw {
            assert_eq!(perms, "rw-s", "{line}");
            seen_rw = true;
        }
    }
    assert!(seen_rx && seen_rw, "both views must be mapped:\n{maps}");
    assert!(blob.start() >= rx && blob.start() < rx + rt.code_memory().size());
    // SAFETY: `extern "C" fn(i64) -> i64`.
    let f: extern "C" fn(i64) -> i64 = unsafe { std::mem::transmute(blob.entry()) };
    assert_eq!(f(1), 2);
}
