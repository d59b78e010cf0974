//! `string.dump`: serialises a function prototype tree in PUC-Lua 5.4's binary chunk format
//! (`ldump.c`), the format [`crate::vm::undump`] reads back, so `load(string.dump(f))` round-trips.
//!
//! Layout: header (`"\x1bLua"`, version `0x54`, format 0, `LUAC_DATA`, sizes 4/8/8, `LUAC_INT`
//! 0x5678, `LUAC_NUM` 370.5), the main closure's upvalue count, then each function: source (omitted
//! when equal to the parent's or when stripping), line defined, last line, parameter count, vararg
//! flag, stack size, code, constants, upvalue descriptors, nested functions, and debug information
//! (relative line deltas with absolute entries, local variables, upvalue names; empty when
//! stripping). Sizes are MSB-first base-128 varints whose last byte has bit 7 set (`dumpSize`).
//!
//! Invariant: output depends only on the prototype, so dumping is deterministic.

use crate::proto::{Constant, FuncProto, VarKind};

/// `LUAC_DATA`: bytes that catch text-mode conversions of the chunk.
const LUAC_DATA: &[u8] = b"\x19\x93\r\n\x1a\n";
/// Strings longer than this are "long strings" (`LUAI_MAXSHORTLEN`), tagged differently.
const MAX_SHORT_LEN: usize = 40;
/// Marker of a line delta that does not fit in a signed byte (`ABSLINEINFO`).
const ABS_LINE_INFO: u8 = 0x80;
/// Most instructions between two absolute line entries (`MAXIWTHABS`).
const MAX_WITHOUT_ABS: usize = 128;

/// The binary chunk of `f`, whose main closure has `nupvalues` upvalues; `strip` omits debug
/// information (`lua_dump` with `strip`).
pub fn dump(f: &FuncProto, nupvalues: u8, strip: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + f.code.len() * 4);
    out.extend_from_slice(b"\x1bLua");
    out.push(0x54);
    out.push(0);
    out.extend_from_slice(LUAC_DATA);
    out.extend_from_slice(&[4, 8, 8]);
    out.extend_from_slice(&0x5678i64.to_le_bytes());
    out.extend_from_slice(&370.5f64.to_le_bytes());
    out.push(nupvalues);
    dump_function(&mut out, f, None, strip);
    out
}

/// `dumpSize`: MSB-first groups of 7 bits, the last one flagged with 0x80.
fn dump_size(out: &mut Vec<u8>, mut x: usize) {
    let mut buf = [0u8; 10];
    let mut n = 0;
    loop {
        buf[buf.len() - 1 - n] = (x & 0x7f) as u8;
        n += 1;
        x >>= 7;
        if x == 0 {
            break;
        }
    }
    let last = buf.len() - 1;
    buf[last] |= 0x80;
    out.extend_from_slice(&buf[buf.len() - n..]);
}

/// `dumpString`: size + 1 then the bytes; `None` is size 0.
fn dump_string(out: &mut Vec<u8>, s: Option<&[u8]>) {
    match s {
        None => dump_size(out, 0),
        Some(s) => {
            dump_size(out, s.len() + 1);
            out.extend_from_slice(s);
        }
    }
}

fn dump_function(out: &mut Vec<u8>, f: &FuncProto, parent_source: Option<&[u8]>, strip: bool) {
    let source = if strip || parent_source == Some(&f.source[..]) {
        None
    } else {
        Some(&f.source[..])
    };
    dump_string(out, source);
    dump_size(out, f.line_defined as usize);
    dump_size(out, f.last_line_defined as usize);
    out.push(f.num_params);
    out.push(f.is_vararg as u8);
    out.push(f.max_stack);
    dump_size(out, f.code.len());
    for ins in &f.code {
        out.extend_from_slice(&ins.0.to_le_bytes());
    }
    dump_size(out, f.constants.len());
    for k in &f.constants {
        match k {
            Constant::Nil => out.push(0),
            Constant::Bool(false) => out.push(1),
            Constant::Bool(true) => out.push(17),
            Constant::Float(x) => {
                out.push(19);
                out.extend_from_slice(&x.to_le_bytes());
            }
            Constant::Int(i) => {
                out.push(3);
                out.extend_from_slice(&i.to_le_bytes());
            }
            Constant::Str(s) => {
                out.push(if s.len() <= MAX_SHORT_LEN { 4 } else { 20 });
                dump_string(out, Some(s));
            }
        }
    }
    dump_size(out, f.upvalues.len());
    for u in &f.upvalues {
        out.push(u.in_stack as u8);
        out.push(u.index);
        out.push(match u.kind {
            VarKind::Regular => 0,
            VarKind::Const => 1,
            VarKind::ToClose => 2,
            VarKind::CompileTimeConst => 3,
        });
    }
    dump_size(out, f.protos.len());
    for p in &f.protos {
        dump_function(out, p, Some(&f.source), strip);
    }
    dump_debug(out, f, strip);
}

/// Line information (as `luaK_fixline`/`savelineinfo` encode it), locals and upvalue names.
fn dump_debug(out: &mut Vec<u8>, f: &FuncProto, strip: bool) {
    if strip || f.line_info.len() != f.code.len() {
        dump_size(out, 0);
        dump_size(out, 0);
    } else {
        let mut rel = Vec::with_capacity(f.code.len());
        let mut abs = Vec::new();
        let mut prev = f.line_defined as i64;
        let mut since_abs = 0;
        for (pc, &line) in f.line_info.iter().enumerate() {
            let delta = line as i64 - prev;
            if delta.abs() >= 0x80 || since_abs >= MAX_WITHOUT_ABS {
                rel.push(ABS_LINE_INFO);
                abs.push((pc, line));
                since_abs = 0;
            } else {
                rel.push(delta as i8 as u8);
                since_abs += 1;
            }
            prev = line as i64;
        }
        dump_size(out, rel.len());
        out.extend_from_slice(&rel);
        dump_size(out, abs.len());
        for (pc, line) in abs {
            dump_size(out, pc);
            dump_size(out, line as usize);
        }
    }
    if strip {
        dump_size(out, 0);
        dump_size(out, 0);
        return;
    }
    dump_size(out, f.locals.len());
    for l in &f.locals {
        dump_string(out, Some(&l.name));
        dump_size(out, l.start_pc as usize);
        dump_size(out, l.end_pc as usize);
    }
    dump_size(out, f.upvalues.len());
    for u in &f.upvalues {
        dump_string(out, Some(&u.name));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::opcode::Instruction;
    use crate::proto::{LocalVar, UpvalDesc};

    fn sample() -> FuncProto {
        let ret0 = Instruction(crate::opcode::OpCode::RETURN0 as u32);
        let child = FuncProto {
            source: b"@x.lua"[..].into(),
            line_defined: 3,
            last_line_defined: 300,
            num_params: 2,
            is_vararg: false,
            max_stack: 4,
            code: vec![ret0; 200],
            line_info: (0..200)
                .map(|i| if i == 100 { 290 } else { 4 + i / 50 })
                .collect(),
            constants: vec![Constant::Str(vec![b'y'; 50])],
            upvalues: vec![UpvalDesc {
                name: b"up".to_vec(),
                in_stack: true,
                index: 1,
                kind: VarKind::Const,
            }],
            protos: vec![],
            locals: vec![LocalVar {
                name: b"a".to_vec(),
                start_pc: 0,
                end_pc: 2,
            }],
        };
        FuncProto {
            source: b"@x.lua"[..].into(),
            line_defined: 0,
            last_line_defined: 0,
            num_params: 0,
            is_vararg: true,
            max_stack: 2,
            code: vec![ret0],
            line_info: vec![1],
            constants: vec![
                Constant::Nil,
                Constant::Bool(true),
                Constant::Bool(false),
                Constant::Int(i64::MIN),
                Constant::Float(2.5),
                Constant::Str(b"str".to_vec()),
            ],
            upvalues: vec![UpvalDesc {
                name: b"_ENV".to_vec(),
                in_stack: true,
                index: 0,
                kind: VarKind::Regular,
            }],
            protos: vec![child],
            locals: vec![],
        }
    }

    #[test]
    fn round_trips_through_undump() {
        let f = sample();
        let bin = dump(&f, 1, false);
        assert_eq!(&bin[..5], b"\x1bLua\x54");
        let back = crate::vm::undump::undump(&bin, b"=x").unwrap();
        assert_eq!(back, f);
    }

    #[test]
    fn stripped_chunks_drop_debug_info() {
        let f = sample();
        let bin = dump(&f, 1, true);
        assert!(bin.len() < dump(&f, 1, false).len());
        let back = crate::vm::undump::undump(&bin, b"=stripped").unwrap();
        assert_eq!(back.code, f.code);
        assert_eq!(back.constants, f.constants);
        assert_eq!(&back.source[..], b"=stripped");
        assert!(back.locals.is_empty());
        assert_eq!(back.protos[0].upvalues[0].name, b"");
    }

    #[test]
    fn sizes_are_msb_first_varints() {
        let mut out = Vec::new();
        dump_size(&mut out, 0);
        dump_size(&mut out, 127);
        dump_size(&mut out, 128);
        dump_size(&mut out, 300);
        assert_eq!(out, [0x80, 0xff, 0x01, 0x80, 0x02, 0xac]);
    }
}
