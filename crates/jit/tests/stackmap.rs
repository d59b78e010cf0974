//! Stackmaps from real Cranelift code: a Rust handler called from JIT code walks to its caller's
//! frame, finds the record by return address, reads i64/i32/f64 values and writes one back.

mod common;

use std::sync::{Mutex, OnceLock};

use common::*;

fn isa_frontend() -> cranelift_codegen::isa::TargetFrontendConfig {
    host_isa().frontend_config()
}
use cranelift_codegen::ir::{
    self, ExtFuncData, ExternalName, InstBuilder, StackSlotData, StackSlotKind, types,
};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use moonlift_jit::stackmap::*;

fn registry() -> &'static StackMapRegistry {
    static R: OnceLock<StackMapRegistry> = OnceLock::new();
    R.get_or_init(StackMapRegistry::new)
}

/// What the handler saw, for the test to check after the JIT code returns.
#[derive(Debug, Default, Clone)]
struct Seen {
    id: u64,
    i64v: Option<i64>,
    i32v: Option<i32>,
    f64v: Option<f64>,
    ordered: Vec<TypedValue>,
    sp_from_callee: usize,
    sp_from_caller_fp: usize,
    jit_frame_fp: usize,
    next_frame_has_record: bool,
}

static SEEN: Mutex<Vec<Seen>> = Mutex::new(Vec::new());

/// Handler: `a0` = what to write into the recorded i64 (0 = write nothing).
unsafe extern "C" fn handler(fp: *const u8, a0: u64, _a1: u64, _a2: u64, _a3: u64) -> u64 {
    // SAFETY: `fp` is the trampoline's frame record; the JIT caller keeps frame pointers.
    let mut walk = unsafe { FrameWalker::new(fp, 8) };
    let tramp = walk.next().expect("trampoline frame");
    let found = registry()
        .lookup(tramp.return_address as u64)
        .expect("a stackmap record at the return address");
    let rec = found.record();
    // SAFETY: the JIT frame is live (it is waiting for this call) and stopped at `rec`'s call.
    let frame = unsafe { LiveFrame::from_callee(rec, &tramp) };
    let mut seen = Seen {
        id: rec.id,
        sp_from_callee: frame.sp(),
        sp_from_caller_fp: tramp.caller_fp - rec.frame_size as usize,
        ..Seen::default()
    };
    for i in 0..rec.values.len() {
        let v = frame.read(i).expect("readable");
        seen.ordered.push(v);
        match v {
            TypedValue::I64(x) => {
                seen.i64v = Some(x);
                if a0 != 0 {
                    frame
                        .write(i, TypedValue::I64(a0 as i64))
                        .expect("writable");
                }
            }
            TypedValue::I32(x) => seen.i32v = Some(x),
            TypedValue::F64(x) => seen.f64v = Some(x),
            _ => {}
        }
    }
    let jit = walk.next().expect("the JIT frame");
    seen.jit_frame_fp = jit.fp;
    seen.next_frame_has_record = registry().lookup(jit.return_address as u64).is_some();
    SEEN.lock().unwrap().push(seen);
    7
}

/// Declare the trampoline as a non-colocated import named user 0.
fn import_trampoline(b: &mut FunctionBuilder<'_>) -> ir::FuncRef {
    let sigref = b.import_signature(sig(&[types::I64; 5], &[types::I64]));
    let nref = b
        .func
        .declare_imported_user_function(ir::UserExternalName::new(0, 0));
    b.import_function(ExtFuncData {
        name: ExternalName::user(nref),
        signature: sigref,
        colocated: false,
        patchable: false,
    })
}

fn trampoline_resolver(i: u32) -> usize {
    assert_eq!(i, 0);
    anchored_call_trampoline_address()
}

/// `f(a: i64, b: i32, c: f64, w: i64) -> i64`: declares a, b, c as needing stack maps, calls the
/// handler through the trampoline (passing `w`), and returns `a + b + trunc(c) + call result`.
fn build_user_stack_map_fn() -> ir::Function {
    let mut func = ir::Function::with_name_signature(
        name(1),
        sig(
            &[types::I64, types::I32, types::F64, types::I64],
            &[types::I64],
        ),
    );
    let mut fctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut fctx);
    let tramp = import_trampoline(&mut b);
    let blk = b.create_block();
    b.append_block_params_for_function_params(blk);
    b.switch_to_block(blk);
    b.seal_block(blk);
    let p = b.block_params(blk).to_vec();
    let (a, bb, c, w) = (p[0], p[1], p[2], p[3]);
    b.declare_value_needs_stack_map(a);
    b.declare_value_needs_stack_map(bb);
    b.declare_value_needs_stack_map(c);
    let h = b.ins().iconst(types::I64, handler as *const () as i64);
    let z = b.ins().iconst(types::I64, 0);
    let call = b.ins().call(tramp, &[w, z, z, z, h]);
    let r = b.inst_results(call)[0];
    let bx = b.ins().sextend(types::I64, bb);
    let cx = b.ins().fcvt_to_sint(types::I64, c);
    let s = b.ins().iadd(a, bx);
    let s = b.ins().iadd(s, cx);
    let s = b.ins().iadd(s, r);
    b.ins().return_(&[s]);
    b.finalize(isa_frontend());
    func
}

#[test]
fn handler_reads_and_writes_recorded_values_of_its_jit_caller() {
    let isa = host_isa();
    let (code, names) = compile_with_names(&*isa, build_user_stack_map_fn());
    let maps = FunctionStackMaps::from_compiled(&code.buffer).unwrap();
    assert_eq!(maps.records.len(), 1, "one call site: {maps:?}");
    let rec = &maps.records[0];
    let mut tys: Vec<ValueType> = rec.values.iter().map(|v| v.ty).collect();
    tys.sort_by_key(|t| *t as u8);
    assert_eq!(tys, vec![ValueType::I32, ValueType::I64, ValueType::F64]);
    assert!(rec.frame_size > 0);

    let mut loader = TestLoader::new();
    let start = loader.load(&code, &names, &trampoline_resolver);
    registry().register(start as u64, code.code_buffer().len() as u64, maps.clone());
    // SAFETY: the code was compiled for this signature (System V) and is executable.
    let f: extern "C" fn(i64, i32, f64, i64) -> i64 = unsafe { std::mem::transmute(start) };

    // Read only.
    SEEN.lock().unwrap().clear();
    let r = f(40, -3, 2.75, 0);
    assert_eq!(r, 40 - 3 + 2 + 7);
    let seen = SEEN.lock().unwrap().pop().expect("handler ran");
    assert_eq!(seen.i64v, Some(40));
    assert_eq!(seen.i32v, Some(-3));
    assert_eq!(seen.f64v, Some(2.75));
    assert_eq!(seen.id, 0, "untagged record: id = index");
    // Both SP derivations of the module docs agree on a real frame.
    assert_eq!(seen.sp_from_callee, seen.sp_from_caller_fp);
    // The next frame of the walk is the JIT function, called from Rust: no record there.
    assert!(!seen.next_frame_has_record);

    // Write the i64: the JIT code reloads it after the call and returns the written value.
    let r = f(40, 5, -1.5, 1000);
    let seen = SEEN.lock().unwrap().pop().expect("handler ran");
    assert_eq!(seen.i64v, Some(40));
    assert_eq!(r, 1000 + 5 - 1 + 7, "JIT code observed the written i64");
}

/// Tagged call: explicit stack slots recorded in declaration order with a 64-bit client id.
#[test]
fn tagged_call_site_records_slots_in_order_with_client_id() {
    let isa = host_isa();
    let mut func =
        ir::Function::with_name_signature(name(2), sig(&[types::I64, types::I64], &[types::I64]));
    let mut fctx = FunctionBuilderContext::new();
    let mut b = FunctionBuilder::new(&mut func, &mut fctx);
    let tramp = import_trampoline(&mut b);
    let blk = b.create_block();
    b.append_block_params_for_function_params(blk);
    b.switch_to_block(blk);
    b.seal_block(blk);
    let p = b.block_params(blk).to_vec();
    let s0 = b.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, 8, 3));
    let s1 = b.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, 4, 2));
    let s2 = b.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, 8, 3));
    // Declared order: p1 (i64), 99 (i32), p0 (i64) — deliberately not the slot order.
    b.ins().stack_store(types::I64, p[1], s0, 0);
    let k = b.ins().iconst(types::I32, 99);
    b.ins().stack_store(types::I64, k, s1, 0);
    b.ins().stack_store(types::I64, p[0], s2, 0);
    let h = b.ins().iconst(types::I64, handler as *const () as i64);
    let z = b.ins().iconst(types::I64, 0);
    let call = b.ins().call(tramp, &[z, z, z, z, h]);
    let r = b.inst_results(call)[0];
    let id = 0x1234_5678_9ABC_DEF0u64;
    tag_call_site(
        b.func,
        call,
        id,
        &[
            (s0, ValueType::I64),
            (s1, ValueType::I32),
            (s2, ValueType::I64),
        ],
    );
    let x = b.ins().stack_load(types::I64, types::I64, s2, 0);
    let s = b.ins().iadd(x, r);
    b.ins().return_(&[s]);
    b.finalize(isa_frontend());

    let (code, names) = compile_with_names(&*isa, func);
    let maps = FunctionStackMaps::from_compiled(&code.buffer).unwrap();
    let rec = maps.by_id(id).expect("record with the client id");
    assert_eq!(rec.values.len(), 3);
    let mut loader = TestLoader::new();
    let start = loader.load(&code, &names, &trampoline_resolver);
    registry().register(start as u64, code.code_buffer().len() as u64, maps);
    // SAFETY: compiled for this System V signature.
    let f: extern "C" fn(i64, i64) -> i64 = unsafe { std::mem::transmute(start) };
    SEEN.lock().unwrap().clear();
    assert_eq!(f(11, 22), 11 + 7);
    let seen = SEEN.lock().unwrap().pop().expect("handler ran");
    assert_eq!(seen.id, id);
    assert_eq!(
        seen.ordered,
        vec![
            TypedValue::I64(22),
            TypedValue::I32(99),
            TypedValue::I64(11)
        ]
    );
}

#[test]
fn lookup_misses_outside_records_and_after_unregister() {
    let reg = StackMapRegistry::new();
    let maps = FunctionStackMaps {
        address: 0,
        records: vec![
            StackMapRecord {
                id: 1,
                return_offset: 0x10,
                frame_size: 32,
                flags: 0,
                values: vec![],
                live_outs: vec![],
            },
            StackMapRecord {
                id: 2,
                return_offset: 0x40,
                frame_size: 32,
                flags: 0,
                values: vec![],
                live_outs: vec![],
            },
        ],
    };
    reg.register(0x1000, 0x80, maps.clone());
    reg.register(0x2000, 0x80, maps);
    assert_eq!(reg.lookup(0x1010).unwrap().record().id, 1);
    assert_eq!(reg.lookup(0x2040).unwrap().record().id, 2);
    assert!(reg.lookup(0x1011).is_none());
    assert!(reg.lookup(0x0fff).is_none());
    assert!(reg.lookup(0x1100).is_none(), "past the end of the code");
    assert!(reg.unregister(0x1000));
    assert!(reg.lookup(0x1010).is_none());
    assert_eq!(reg.to_section().functions.len(), 1);
}

#[test]
fn compiled_records_round_trip_through_the_binary_format() {
    let isa = host_isa();
    let (code, _) = compile_with_names(&*isa, build_user_stack_map_fn());
    let mut maps = FunctionStackMaps::from_compiled(&code.buffer).unwrap();
    maps.address = 0x7f00_0000_1000;
    let section = StackMapSection {
        functions: vec![maps],
    };
    let bytes = section.serialize();
    assert_eq!(bytes[0], FORMAT_VERSION);
    assert_eq!(bytes.len() % 8, 0);
    assert_eq!(StackMapSection::parse(&bytes).unwrap(), section);
}

mod format {
    use super::*;
    use proptest::prelude::*;

    fn value_type() -> impl Strategy<Value = ValueType> {
        (0u8..8).prop_map(|c| ValueType::from_code(c).unwrap())
    }

    fn location() -> impl Strategy<Value = Location> {
        prop_oneof![
            any::<u16>().prop_map(|reg| Location::Register { reg }),
            (any::<u16>(), any::<i32>()).prop_map(|(reg, offset)| Location::Direct { reg, offset }),
            (any::<u16>(), any::<i32>())
                .prop_map(|(reg, offset)| Location::Indirect { reg, offset }),
            any::<i32>().prop_map(Location::Constant),
            any::<u64>().prop_map(Location::LargeConstant),
        ]
    }

    fn record() -> impl Strategy<Value = StackMapRecord> {
        (
            any::<u64>(),
            any::<u32>(),
            prop_oneof![Just(16u32), Just(48u32), any::<u32>()],
            any::<u16>(),
            prop::collection::vec(
                (value_type(), any::<u16>(), location())
                    .prop_map(|(ty, size, location)| LiveValue { ty, size, location }),
                0..6,
            ),
            prop::collection::vec(
                (any::<u16>(), any::<u8>()).prop_map(|(reg, size)| LiveOut { reg, size }),
                0..3,
            ),
        )
            .prop_map(
                |(id, return_offset, frame_size, flags, values, live_outs)| StackMapRecord {
                    id,
                    return_offset,
                    frame_size,
                    flags,
                    values,
                    live_outs,
                },
            )
    }

    fn section() -> impl Strategy<Value = StackMapSection> {
        prop::collection::vec(
            (any::<u64>(), prop::collection::vec(record(), 0..5))
                .prop_map(|(address, records)| FunctionStackMaps { address, records }),
            0..4,
        )
        .prop_map(|mut functions| {
            // Adjacent functions with one address would merge on parse (documented); keep
            // addresses distinct from their neighbour.
            for i in 1..functions.len() {
                if functions[i].address == functions[i - 1].address {
                    functions[i].address = functions[i].address.wrapping_add(1);
                }
            }
            StackMapSection { functions }
        })
    }

    proptest! {
        #[test]
        fn serialize_then_parse_is_identity(s in section()) {
            let bytes = s.serialize();
            prop_assert_eq!(bytes.len() % 8, 0);
            let parsed = StackMapSection::parse(&bytes).unwrap();
            prop_assert_eq!(&parsed, &s);
            prop_assert_eq!(parsed.serialize(), bytes);
        }

        #[test]
        fn parse_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
            let _ = StackMapSection::parse(&bytes);
        }

        #[test]
        fn truncation_is_an_error(s in section(), cut in any::<prop::sample::Index>()) {
            let bytes = s.serialize();
            let cut = cut.index(bytes.len());
            prop_assert!(StackMapSection::parse(&bytes[..cut]).is_err());
        }
    }

    #[test]
    fn wrong_version_is_rejected() {
        let mut bytes = StackMapSection::default().serialize();
        bytes[0] = 2;
        assert!(matches!(
            StackMapSection::parse(&bytes),
            Err(StackMapError::BadVersion { version: 2, .. })
        ));
    }
}
