//! Loading PUC-Lua 5.4 binary chunks (`lundump.c` format, as produced by `luac5.4` and
//! `string.dump`) into [`FuncProto`] trees. Our bytecode is Lua 5.4's, so precompiled chunks run
//! unchanged.
//!
//! Format (little-endian host, 8-byte integers and floats): header `"\x1bLua"`, version `0x54`, format
//! 0, `LUAC_DATA`, sizes 4/8/8, `LUAC_INT` 0x5678, `LUAC_NUM` 370.5, the main closure's upvalue count,
//! then the main function. Sizes are MSB-first base-128 varints whose last byte has bit 7 set.
//! Every malformed input is an `Err` ("truncated precompiled chunk", "bad binary format"), never a panic.

use crate::opcode::{Instruction, OpCode};
use crate::proto::{Constant, FuncProto, LocalVar, UpvalDesc, VarKind};

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

type R<T> = Result<T, String>;

impl<'a> Reader<'a> {
    fn byte(&mut self) -> R<u8> {
        let v = *self.b.get(self.pos).ok_or("truncated chunk")?;
        self.pos += 1;
        Ok(v)
    }
    fn bytes(&mut self, n: usize) -> R<&'a [u8]> {
        if self.pos + n > self.b.len() {
            return Err("truncated chunk".into());
        }
        let s = &self.b[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
    fn size(&mut self) -> R<usize> {
        let mut x: usize = 0;
        loop {
            let b = self.byte()?;
            if x >= (usize::MAX >> 7) {
                return Err("integer overflow".into());
            }
            x = (x << 7) | (b & 0x7f) as usize;
            if b & 0x80 != 0 {
                return Ok(x);
            }
        }
    }
    fn int(&mut self) -> R<u32> {
        let v = self.size()?;
        u32::try_from(v).map_err(|_| "integer overflow".to_string())
    }
    fn i64(&mut self) -> R<i64> {
        Ok(i64::from_le_bytes(
            self.bytes(8)?.try_into().map_err(|_| "truncated chunk")?,
        ))
    }
    fn f64(&mut self) -> R<f64> {
        Ok(f64::from_le_bytes(
            self.bytes(8)?.try_into().map_err(|_| "truncated chunk")?,
        ))
    }
    fn string(&mut self) -> R<Option<Vec<u8>>> {
        let n = self.size()?;
        if n == 0 {
            return Ok(None);
        }
        Ok(Some(self.bytes(n - 1)?.to_vec()))
    }
}

/// Parse a binary chunk. `chunkname` is used when the chunk carries no source name (stripped).
pub fn undump(chunk: &[u8], chunkname: &[u8]) -> Result<FuncProto, String> {
    let mut r = Reader { b: chunk, pos: 0 };
    let err = |m: &str| -> String {
        format!(
            "{}: bad binary format ({})",
            String::from_utf8_lossy(&super::debug::chunk_id(chunkname)),
            m
        )
    };
    if r.bytes(4).map_err(|_| err("truncated chunk"))? != b"\x1bLua" {
        return Err(err("not a binary chunk"));
    }
    if r.byte().map_err(|_| err("truncated chunk"))? != 0x54 {
        return Err(err("version mismatch"));
    }
    if r.byte().map_err(|_| err("truncated chunk"))? != 0 {
        return Err(err("format mismatch"));
    }
    if r.bytes(6).map_err(|_| err("truncated chunk"))? != b"\x19\x93\r\n\x1a\n" {
        return Err(err("corrupted chunk"));
    }
    if r.bytes(3).map_err(|_| err("truncated chunk"))? != [4, 8, 8] {
        return Err(err("size mismatch"));
    }
    if r.i64().map_err(|_| err("truncated chunk"))? != 0x5678 {
        return Err(err("integer format mismatch"));
    }
    if r.f64().map_err(|_| err("truncated chunk"))? != 370.5 {
        return Err(err("float format mismatch"));
    }
    let _nup = r.byte().map_err(|_| err("truncated chunk"))?;
    let f = load_function(&mut r, &std::sync::Arc::from(chunkname)).map_err(|m| err(&m))?;
    Ok(f)
}

fn load_function(r: &mut Reader<'_>, psource: &std::sync::Arc<[u8]>) -> R<FuncProto> {
    // A nested proto without its own source shares its parent's (one allocation per chunk).
    let source: std::sync::Arc<[u8]> = match r.string()? {
        Some(s) => s.into(),
        None => psource.clone(),
    };
    let line_defined = r.int()?;
    let last_line_defined = r.int()?;
    let num_params = r.byte()?;
    let is_vararg = r.byte()? != 0;
    let max_stack = r.byte()?;
    let ncode = r.int()? as usize;
    let mut code = Vec::with_capacity(ncode.min(1 << 20));
    for _ in 0..ncode {
        let w = u32::from_le_bytes(r.bytes(4)?.try_into().map_err(|_| "truncated chunk")?);
        let ins = Instruction(w);
        if ins.opcode().is_none() {
            return Err("bad opcode".into());
        }
        code.push(ins);
    }
    let nk = r.int()? as usize;
    let mut constants = Vec::with_capacity(nk.min(1 << 20));
    for _ in 0..nk {
        let t = r.byte()?;
        constants.push(match t {
            0 => Constant::Nil,
            1 => Constant::Bool(false),
            17 => Constant::Bool(true),
            19 => Constant::Float(r.f64()?),
            3 => Constant::Int(r.i64()?),
            4 | 20 => Constant::Str(r.string()?.unwrap_or_default()),
            _ => return Err("bad constant".into()),
        });
    }
    let nup = r.int()? as usize;
    let mut upvalues = Vec::with_capacity(nup.min(256));
    for _ in 0..nup {
        let in_stack = r.byte()? != 0;
        let index = r.byte()?;
        let kind = match r.byte()? {
            1 => VarKind::Const,
            2 => VarKind::ToClose,
            3 => VarKind::CompileTimeConst,
            _ => VarKind::Regular,
        };
        upvalues.push(UpvalDesc {
            name: Vec::new(),
            in_stack,
            index,
            kind,
        });
    }
    let np = r.int()? as usize;
    let mut protos = Vec::with_capacity(np.min(1 << 16));
    for _ in 0..np {
        protos.push(load_function(r, &source)?);
    }
    // Debug info.
    let nli = r.int()? as usize;
    let rel = r.bytes(nli)?.to_vec();
    let nabs = r.int()? as usize;
    let mut abs = Vec::with_capacity(nabs.min(1 << 20));
    for _ in 0..nabs {
        let pc = r.int()?;
        let line = r.int()?;
        abs.push((pc, line));
    }
    let mut line_info = vec![0u32; code.len()];
    if rel.len() == code.len() {
        let mut cur = line_defined as i64;
        let mut ai = 0;
        for (pc, &d) in rel.iter().enumerate() {
            if d as i8 == -0x80 {
                while ai < abs.len() && (abs[ai].0 as usize) < pc {
                    ai += 1;
                }
                if ai < abs.len() {
                    cur = abs[ai].1 as i64;
                }
            } else {
                cur += d as i8 as i64;
            }
            line_info[pc] = cur.max(0) as u32;
        }
    }
    let nloc = r.int()? as usize;
    let mut locals = Vec::with_capacity(nloc.min(1 << 16));
    for _ in 0..nloc {
        let name = r.string()?.unwrap_or_default();
        let start_pc = r.int()?;
        let end_pc = r.int()?;
        locals.push(LocalVar {
            name,
            start_pc,
            end_pc,
        });
    }
    let nupn = r.int()? as usize;
    for i in 0..nupn {
        let n = r.string()?.unwrap_or_default();
        if let Some(u) = upvalues.get_mut(i) {
            u.name = n;
        }
    }
    // Structural checks the interpreter relies on (indices in range).
    for (pc, ins) in code.iter().enumerate() {
        let op = ins.op();
        let bad = match op {
            OpCode::LOADK => ins.bx() as usize >= constants.len(),
            OpCode::CLOSURE => ins.bx() as usize >= protos.len(),
            OpCode::GETUPVAL | OpCode::SETUPVAL => ins.b() as usize >= upvalues.len(),
            OpCode::GETTABUP => {
                ins.b() as usize >= upvalues.len() || ins.c() as usize >= constants.len()
            }
            OpCode::SETTABUP => {
                ins.a() as usize >= upvalues.len() || ins.b() as usize >= constants.len()
            }
            _ => false,
        };
        if bad {
            let _ = pc;
            return Err("bad instruction operand".into());
        }
    }
    Ok(FuncProto {
        source,
        line_defined,
        last_line_defined,
        num_params,
        is_vararg,
        max_stack,
        code,
        line_info,
        constants,
        upvalues,
        protos,
        locals,
    })
}
