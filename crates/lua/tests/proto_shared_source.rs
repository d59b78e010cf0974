//! Every proto of a chunk shares one chunk-name allocation. When the chunk name is the source text
//! itself (the default of `load(s)`), a copy per nested function made compiling quadratic in the
//! chunk size; this asserts the sharing structurally (no timing).

use moonlift_lua::proto::FuncProto;
use std::sync::Arc;

fn all_share(p: &FuncProto, root: &Arc<[u8]>, count: &mut usize) {
    assert!(
        Arc::ptr_eq(&p.source, root),
        "a nested proto has its own copy of the chunk name"
    );
    *count += 1;
    for q in &p.protos {
        all_share(q, root, count);
    }
}

#[test]
fn nested_protos_share_the_chunk_name() {
    let src: String = (0..2000)
        .map(|i| format!("function f{i}(x) return function() return x + {i} end end\n"))
        .collect();
    let main = moonlift_lua::syntax::compile(src.as_bytes(), src.as_bytes()).expect("compiles");
    assert_eq!(&main.source[..], src.as_bytes());
    let mut count = 0;
    all_share(&main, &main.source, &mut count);
    assert_eq!(count, 1 + 2000 * 2);
}
