//! Deopt: a hand-built Cranelift function with a guard exits through the deopt convention and
//! the runtime hands back a two-level virtual frame chain (an inlined callee inside its caller).

mod common;

use common::*;
use cranelift_codegen::ir::{self, InstBuilder, condcodes::IntCC, types};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use moonlift_jit::deopt::*;
use moonlift_jit::frame_state::*;
use moonlift_jit::stackmap::{TypedValue, ValueType};

const POINT: u32 = 7;
const CALLER_FN: u64 = 100;
const CALLEE_FN: u64 = 200;

/// `f(x: i64, y: f64, exit: *mut u64) -> (status: i64, result: i64)`.
/// The "inlined callee" computes `t = x * 3`; its guard `x >= 0` deopts at point 7 with exit
/// values `[t: i64, y: f64, (x as i32) - 1: i32]`; otherwise returns `(0, t + 1)`.
fn build() -> ir::Function {
    let mut func = ir::Function::with_name_signature(
        name(1),
        sig(
            &[types::I64, types::F64, types::I64],
            &[types::I64, types::I64],
        ),
    );
    let mut fctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut fctx);
    let entry = b.create_block();
    let ok = b.create_block();
    let exit = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let p = b.block_params(entry).to_vec();
    let (x, y, buf) = (p[0], p[1], p[2]);
    let t = b.ins().imul_imm_s(x, 3);
    let neg = b.ins().icmp_imm_s(IntCC::SignedLessThan, x, 0);
    b.ins().brif(neg, exit, &[], ok, &[]);
    b.seal_block(ok);
    b.seal_block(exit);

    b.switch_to_block(ok);
    let zero = b.ins().iconst(types::I64, 0);
    let r = b.ins().iadd_imm_s(t, 1);
    b.ins().return_(&[zero, r]);

    b.switch_to_block(exit);
    let x32 = b.ins().ireduce(types::I32, x);
    let x32 = b.ins().iadd_imm_s(x32, -1);
    let status = emit_deopt_exit(&mut b, buf, POINT, &[t, y, x32]);
    let zero = b.ins().iconst(types::I64, 0);
    b.ins().return_(&[status, zero]);
    b.finalize(host_isa().frontend_config());
    func
}

fn table() -> DeoptTable {
    let outer = VirtualFrame {
        function: CALLER_FN,
        bytecode_offset: 12,
        slots: vec![
            Recovery::Unchanged,
            Recovery::ExitArg(1),
            Recovery::Constant {
                bits: 42,
                ty: ValueType::I64,
            },
        ],
    };
    let inner = VirtualFrame {
        function: CALLEE_FN,
        bytecode_offset: 3,
        slots: vec![
            Recovery::ExitArg(0),
            Recovery::Constant {
                bits: 1.5f64.to_bits(),
                ty: ValueType::F64,
            },
            Recovery::ExitArg(2),
            Recovery::Unchanged,
        ],
    };
    let point = DeoptPoint::new(
        POINT,
        vec![outer, inner],
        vec![ValueType::I64, ValueType::F64, ValueType::I32],
        "guard x >= 0 in inlined callee",
    )
    .unwrap();
    DeoptTable::new(vec![point]).unwrap()
}

#[repr(C)]
struct Ret {
    status: u64,
    result: i64,
}

#[test]
fn guard_failure_materializes_two_level_frame_chain() {
    let isa = host_isa();
    let (code, names) = compile_with_names(&*isa, build());
    let mut loader = TestLoader::new();
    let start = loader.load(&code, &names, &|_| unreachable!("no imports"));
    // SAFETY: compiled for this System V signature; two i64 returns come back in rax:rdx, which
    // is how a 16-byte #[repr(C)] struct of two integers is returned.
    let f: extern "C" fn(i64, f64, *mut u64) -> Ret = unsafe { std::mem::transmute(start) };
    let table = table();
    let mut exit = ExitBuffer::new(4);

    // Guard holds: normal return, nothing to materialize.
    let r = f(5, 0.25, exit.as_mut_ptr());
    assert_eq!((r.status, r.result), (0, 16));
    assert_eq!(table.materialize(r.status, exit.words()).unwrap(), None);

    // Guard fails: status = point id, exit words carry t, y, x-1.
    let r = f(-4, 0.25, exit.as_mut_ptr());
    assert_eq!(r.status, u64::from(POINT));
    let frames = table
        .materialize(r.status, exit.words())
        .unwrap()
        .expect("a deopt");
    assert_eq!(
        frames,
        vec![
            MaterializedFrame {
                function: CALLER_FN,
                bytecode_offset: 12,
                slots: vec![
                    SlotValue::Unchanged,
                    SlotValue::Value(TypedValue::F64(0.25)),
                    SlotValue::Value(TypedValue::I64(42)),
                ],
            },
            MaterializedFrame {
                function: CALLEE_FN,
                bytecode_offset: 3,
                slots: vec![
                    SlotValue::Value(TypedValue::I64(-12)),
                    SlotValue::Value(TypedValue::F64(1.5)),
                    SlotValue::Value(TypedValue::I32(-5)),
                    SlotValue::Unchanged,
                ],
            },
        ]
    );
}

#[test]
fn bad_exits_are_errors_not_panics() {
    let table = table();
    assert_eq!(
        table.materialize(8, &[0; 4]),
        Err(DeoptError::UnknownPoint(8))
    );
    assert_eq!(
        table.materialize(u64::MAX, &[0; 4]),
        Err(DeoptError::UnknownPoint(u64::MAX))
    );
    assert_eq!(
        table.materialize(u64::from(POINT), &[0; 2]),
        Err(DeoptError::ShortExit {
            id: POINT,
            needed: 3,
            got: 2
        })
    );
    let p = DeoptPoint::new(
        1,
        vec![VirtualFrame {
            function: 1,
            bytecode_offset: 0,
            slots: vec![Recovery::StackSlot {
                offset: 8,
                ty: ValueType::I64,
            }],
        }],
        vec![],
        "stack slot",
    )
    .unwrap();
    let t = DeoptTable::new(vec![p]).unwrap();
    assert_eq!(t.materialize(1, &[]), Err(DeoptError::NoFrame(1)));
}

#[test]
fn invalid_points_are_rejected() {
    let f = |slots| VirtualFrame {
        function: 1,
        bytecode_offset: 0,
        slots,
    };
    assert_eq!(
        DeoptPoint::new(0, vec![f(vec![])], vec![], ""),
        Err(FrameStateError::ZeroId)
    );
    assert_eq!(
        DeoptPoint::new(3, vec![], vec![], ""),
        Err(FrameStateError::NoFrames(3))
    );
    assert!(matches!(
        DeoptPoint::new(
            3,
            vec![f(vec![Recovery::ExitArg(1)])],
            vec![ValueType::I64],
            ""
        ),
        Err(FrameStateError::ExitArgOutOfRange { index: 1, .. })
    ));
    let p = DeoptPoint::new(3, vec![f(vec![])], vec![], "").unwrap();
    assert_eq!(
        DeoptTable::new(vec![p.clone(), p]),
        Err(FrameStateError::DuplicateId(3))
    );
}
