//! Loading: turning the front end's [`FuncProto`] tree into runtime [`Proto`] objects (string
//! constants interned, feedback slots allocated) and wrapping the main proto in a closure.
//!
//! Invariant: a runtime proto's `k[i]` is the value of `src.constants[i]`; `protos[i]` is the runtime
//! form of the front end's `protos[i]`.

use super::Vm;
use super::function::{Proto, UpVal};
use super::value::Value;
use crate::proto::{Constant, FuncProto};
use std::cell::Cell;

/// Compile source text with the front end; `Err` holds the full Lua message.
pub(crate) fn compile_chunk(chunk: &[u8], chunkname: &[u8]) -> Result<FuncProto, Vec<u8>> {
    crate::syntax::compile(chunk, chunkname).map_err(|e| e.message)
}

/// Check the structural invariants the interpreter relies on without re-checking at run time: valid
/// opcodes, register operands below `max_stack`, constant/proto/upvalue indices in range, jumps
/// inside the code, and a final return.
pub(crate) fn validate(p: &FuncProto) -> Result<(), Vec<u8>> {
    use crate::opcode::{OpCode, OpMode};
    let bad = |what: &str| -> Result<(), Vec<u8>> {
        Err(format!("invalid bytecode: {}", what).into_bytes())
    };
    let n = p.code.len();
    if n == 0 || p.line_info.len() != n {
        return bad("empty code or line info mismatch");
    }
    let ms = p.max_stack as u32;
    let nk = p.constants.len() as u32;
    for (pc, ins) in p.code.iter().enumerate() {
        let Some(op) = ins.opcode() else {
            return bad("opcode");
        };
        let a = ins.a();
        let reg_a = !matches!(
            op,
            OpCode::SETTABUP
                | OpCode::JMP
                | OpCode::EXTRAARG
                | OpCode::RETURN0
                | OpCode::VARARGPREP
        );
        // `RETURN A 1` (no values) may name the first free register, one past the frame.
        let limit = if op == OpCode::RETURN {
            ms + 1
        } else {
            ms.max(1)
        };
        if reg_a && op.mode() != OpMode::IsJ && op.mode() != OpMode::IAx && a >= limit {
            // Registers A..A+3 of loops and A+1 of SELF are checked below via max_stack + slack.
            return bad(&format!("register A of {} at pc {}", op.name(), pc));
        }
        let ok = match op {
            OpCode::LOADK => ins.bx() < nk,
            OpCode::LOADKX | OpCode::NEWTABLE => {
                pc + 1 < n && p.code[pc + 1].opcode() == Some(OpCode::EXTRAARG)
            }
            OpCode::GETTABUP => (ins.b() as usize) < p.upvalues.len() && ins.c() < nk,
            OpCode::SETTABUP => {
                (a as usize) < p.upvalues.len() && ins.b() < nk && (!ins.k() || ins.c() < nk)
            }
            OpCode::GETUPVAL | OpCode::SETUPVAL => (ins.b() as usize) < p.upvalues.len(),
            OpCode::GETFIELD
            | OpCode::ADDK
            | OpCode::SUBK
            | OpCode::MULK
            | OpCode::MODK
            | OpCode::POWK
            | OpCode::DIVK
            | OpCode::IDIVK
            | OpCode::BANDK
            | OpCode::BORK
            | OpCode::BXORK => ins.c() < nk,
            OpCode::SETFIELD => ins.b() < nk && (!ins.k() || ins.c() < nk),
            OpCode::SETTABLE | OpCode::SETI | OpCode::SELF => !ins.k() || ins.c() < nk,
            OpCode::EQK | OpCode::MMBINK => ins.b() < nk,
            OpCode::CLOSURE => (ins.bx() as usize) < p.protos.len(),
            OpCode::JMP => {
                let d = pc as i64 + 1 + ins.sj_field() as i64;
                d >= 0 && (d as usize) < n
            }
            OpCode::FORLOOP | OpCode::TFORLOOP => pc + 1 >= ins.bx() as usize && a + 3 < ms + 4,
            OpCode::FORPREP | OpCode::TFORPREP => pc + 1 + ins.bx() as usize <= n,
            _ => true,
        };
        if !ok {
            return bad(op.name());
        }
    }
    if !matches!(
        p.code[n - 1].op(),
        OpCode::RETURN | OpCode::RETURN0 | OpCode::RETURN1 | OpCode::TAILCALL | OpCode::JMP
    ) {
        return bad("missing final return");
    }
    for c in &p.protos {
        validate(c)?;
    }
    Ok(())
}

impl Vm {
    /// Build the runtime proto tree.
    pub(crate) fn proto_from(&mut self, mut fp: FuncProto) -> *mut Proto {
        let children = std::mem::take(&mut fp.protos);
        let protos: Vec<*mut Proto> = children.into_iter().map(|c| self.proto_from(c)).collect();
        let k: Vec<Value> = fp
            .constants
            .iter()
            .map(|c| match c {
                Constant::Nil => Value::NIL,
                Constant::Bool(b) => Value::bool(*b),
                Constant::Int(i) => Value::int(*i),
                Constant::Float(f) => Value::float(*f),
                Constant::Str(s) => self.new_str(s),
            })
            .collect();
        let n = fp.code.len();
        // The constants and children are unrooted until linked below; no collection can run here
        // (collections only run at safepoints).
        self.alloc_proto(Proto {
            hdr: super::gc::GcHeader::new(super::gc::ObjKind::Proto),
            k: k.into_boxed_slice(),
            protos: protos.into_boxed_slice(),
            src: fp,
            call_count: Cell::new(0),
            backedge_count: Cell::new(0),
            feedback: (0..n).map(|_| Cell::new(0)).collect(),
            jit: Default::default(),
        })
    }

    /// A closed upvalue holding `v`.
    pub(crate) fn alloc_closed_upval(&mut self, v: Value) -> *mut UpVal {
        let u = Box::new(UpVal {
            hdr: super::function::new_upval_header(),
            v: std::ptr::null_mut(),
            closed: v,
            level: 0,
        });
        let p = self.heap.link(u, std::mem::size_of::<UpVal>());
        // SAFETY: p is live; a closed upvalue points at its own storage.
        unsafe { (*p).v = &mut (*p).closed };
        p
    }
}
