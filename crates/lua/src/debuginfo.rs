//! Debug information derived from bytecode: chunk ids, variable and function names for messages.
//!
//! Pure functions over [`FuncProto`] following PUC-Lua 5.4's `ldebug.c`/`lfunc.c`/`lobject.c`,
//! so runtime error messages (`attempt to index a nil value (global 'x')`) and tracebacks read
//! exactly like the reference implementation's.

use crate::proto::FuncProto;

/// Size of a chunk id buffer including the terminating NUL (`LUA_IDSIZE`).
const ID_SIZE: usize = 60;

/// `luaO_chunkid`: the display form of a chunk name for messages.
///
/// `=name` → `name` (cut to 59 bytes); `@file` → `file` (or `...` + its last 56 bytes when
/// longer than 59); any other source → `[string "first line"]`, cut with `...` at the first
/// newline or after 45 bytes.
pub fn chunk_id(source: &[u8]) -> String {
    String::from_utf8_lossy(&chunk_id_bytes(source)).into_owned()
}

/// [`chunk_id`] as raw bytes (file names and sources need not be UTF-8).
pub fn chunk_id_bytes(source: &[u8]) -> Vec<u8> {
    match source.first() {
        Some(b'=') => {
            let rest = &source[1..];
            rest[..rest.len().min(ID_SIZE - 1)].to_vec()
        }
        Some(b'@') => {
            let rest = &source[1..];
            if rest.len() < ID_SIZE {
                rest.to_vec()
            } else {
                let keep = ID_SIZE - 1 - 3;
                let mut v = b"...".to_vec();
                v.extend_from_slice(&rest[rest.len() - keep..]);
                v
            }
        }
        _ => {
            // C string semantics: the source ends at its first NUL for `strchr`.
            let cstr = &source[..source.iter().position(|&c| c == 0).unwrap_or(source.len())];
            let nl = cstr.iter().position(|&c| c == b'\n');
            let avail = ID_SIZE - (b"[string \"".len() + 3 + b"\"]".len()) - 1;
            let mut v = b"[string \"".to_vec();
            if source.len() < avail && nl.is_none() {
                v.extend_from_slice(source);
            } else {
                let mut len = nl.unwrap_or(source.len());
                len = len.min(avail);
                v.extend_from_slice(&source[..len]);
                v.extend_from_slice(b"...");
            }
            v.extend_from_slice(b"\"]");
            v
        }
    }
}

/// `luaF_getlocalname`: the name of the `local_number`-th (1-based) local variable active at
/// `pc`, or `None` when there is no such variable.
pub fn local_name(p: &FuncProto, local_number: usize, pc: usize) -> Option<&[u8]> {
    let mut n = local_number;
    for lv in p.locals.iter().take_while(|l| l.start_pc as usize <= pc) {
        if pc < lv.end_pc as usize {
            n -= 1;
            if n == 0 {
                return Some(&lv.name);
            }
        }
    }
    None
}

/// The name of upvalue `idx` of `p` (`upvalname`: `"?"` when unknown).
pub fn upvalue_name(p: &FuncProto, idx: usize) -> Vec<u8> {
    p.upvalues
        .get(idx)
        .map_or_else(|| b"?".to_vec(), |u| u.name.clone())
}

/// `testAMode` of `lopcodes.c`: does the instruction set register A?
fn sets_a(op: crate::opcode::OpCode) -> bool {
    use crate::opcode::OpCode::*;
    !matches!(
        op,
        SETUPVAL
            | SETTABUP
            | SETTABLE
            | SETI
            | SETFIELD
            | MMBIN
            | MMBINI
            | MMBINK
            | CLOSE
            | TBC
            | JMP
            | EQ
            | LT
            | LE
            | EQK
            | EQI
            | LTI
            | LEI
            | GTI
            | GEI
            | TEST
            | RETURN
            | RETURN0
            | RETURN1
            | TFORPREP
            | TFORCALL
            | SETLIST
            | EXTRAARG
    )
}

/// `findsetreg`: the pc of the last instruction before `lastpc` that changed `reg`, unless that
/// instruction is conditional (inside a forward jump that does not skip `lastpc`).
fn find_set_reg(p: &FuncProto, mut lastpc: usize, reg: u32) -> Option<usize> {
    use crate::opcode::OpCode::*;
    let is_mm = |pc: usize| {
        p.code
            .get(pc)
            .and_then(|i| i.opcode())
            .is_some_and(|op| matches!(op, MMBIN | MMBINI | MMBINK))
    };
    if is_mm(lastpc) {
        lastpc = lastpc.saturating_sub(1); // the arithmetic instruction was not actually executed
    }
    let mut setreg = None;
    let mut jmptarget = 0usize;
    for pc in 0..lastpc.min(p.code.len()) {
        let i = p.code[pc];
        let Some(op) = i.opcode() else { continue };
        let a = i.a();
        let change = match op {
            LOADNIL => a <= reg && reg <= a + i.b(),
            TFORCALL => reg >= a + 2,
            CALL | TAILCALL => reg >= a,
            JMP => {
                let dest = pc as i64 + 1 + i.sj_field() as i64;
                if dest <= lastpc as i64 && dest > jmptarget as i64 {
                    jmptarget = dest as usize;
                }
                false
            }
            _ => sets_a(op) && reg == a,
        };
        if change {
            setreg = if pc < jmptarget { None } else { Some(pc) };
        }
    }
    setreg
}

fn string_constant(p: &FuncProto, k: usize) -> Option<Vec<u8>> {
    match p.constants.get(k) {
        Some(crate::proto::Constant::Str(s)) => Some(s.clone()),
        _ => None,
    }
}

/// `kname`: a string constant's text, else `"?"`.
fn kname(p: &FuncProto, k: usize) -> Vec<u8> {
    string_constant(p, k).unwrap_or_else(|| b"?".to_vec())
}

/// `rname`: the constant string a register was loaded from, else `"?"`.
fn rname(p: &FuncProto, pc: usize, reg: u32, depth: u32) -> Vec<u8> {
    match obj_name(p, pc, reg, depth + 1) {
        Some(("constant", name)) => name,
        _ => b"?".to_vec(),
    }
}

/// `gxf`: "global" when the indexed table is `_ENV`, else "field".
fn gxf(p: &FuncProto, pc: usize, t: u32, is_up: bool, depth: u32) -> &'static str {
    let name = if is_up {
        Some(upvalue_name(p, t as usize))
    } else {
        obj_name(p, pc, t, depth + 1).map(|(_, n)| n)
    };
    if name.as_deref() == Some(b"_ENV") {
        "global"
    } else {
        "field"
    }
}

/// Recursion bound for the symbolic execution (chains of `MOVE`s and field accesses).
const MAX_NAME_DEPTH: u32 = 100;

/// `getobjname` of `ldebug.c`.
fn obj_name(
    p: &FuncProto,
    mut lastpc: usize,
    mut reg: u32,
    depth: u32,
) -> Option<(&'static str, Vec<u8>)> {
    use crate::opcode::OpCode::*;
    if depth > MAX_NAME_DEPTH {
        return None;
    }
    loop {
        if let Some(name) = local_name(p, reg as usize + 1, lastpc) {
            return Some(("local", name.to_vec()));
        }
        let pc = find_set_reg(p, lastpc, reg)?;
        let i = p.code[pc];
        match i.opcode()? {
            MOVE => {
                let b = i.b();
                if b < i.a() {
                    lastpc = pc;
                    reg = b;
                    continue;
                }
                return None;
            }
            GETTABUP => {
                let name = kname(p, i.c() as usize);
                return Some((gxf(p, pc, i.b(), true, depth), name));
            }
            GETTABLE => {
                let name = rname(p, pc, i.c(), depth);
                return Some((gxf(p, pc, i.b(), false, depth), name));
            }
            GETI => return Some(("field", b"integer index".to_vec())),
            GETFIELD => {
                let name = kname(p, i.c() as usize);
                return Some((gxf(p, pc, i.b(), false, depth), name));
            }
            GETUPVAL => return Some(("upvalue", upvalue_name(p, i.b() as usize))),
            LOADK | LOADKX => {
                let k = if i.op() == LOADK {
                    i.bx() as usize
                } else {
                    p.code.get(pc + 1)?.ax_field() as usize
                };
                return string_constant(p, k).map(|s| ("constant", s));
            }
            SELF => {
                let name = if i.k() {
                    kname(p, i.c() as usize)
                } else {
                    rname(p, pc, i.c(), depth)
                };
                return Some(("method", name));
            }
            _ => return None,
        }
    }
}

/// `getobjname`: a description of the value in register `reg` just before the instruction at
/// `pc` runs, for error messages: `("local", name)`, `("global", name)`, `("field", name)`,
/// `("upvalue", name)`, `("constant", text)` or `("method", name)`; `None` when the register's
/// origin cannot be found by the symbolic execution of `ldebug.c` (Lua 5.4.4).
pub fn register_name(p: &FuncProto, pc: usize, reg: u32) -> Option<(&'static str, Vec<u8>)> {
    if pc >= p.code.len() {
        return None;
    }
    obj_name(p, pc, reg, 0)
}

/// `funcnamefromcode`: how the instruction at `pc` names the function it calls: the called
/// value's description for `CALL`/`TAILCALL` (see [`register_name`]), `("for iterator", "for
/// iterator")` for `TFORCALL`, and `("metamethod", event)` (e.g. `"index"`, `"add"`, `"close"`)
/// for instructions that call metamethods; `None` otherwise.
pub fn call_site_name(p: &FuncProto, pc: usize) -> Option<(&'static str, Vec<u8>)> {
    use crate::opcode::OpCode::*;
    use crate::opcode::TagMethod as TM;
    let i = *p.code.get(pc)?;
    let tm = match i.opcode()? {
        CALL | TAILCALL => return register_name(p, pc, i.a()),
        TFORCALL => return Some(("for iterator", b"for iterator".to_vec())),
        SELF | GETTABUP | GETTABLE | GETI | GETFIELD => TM::Index,
        SETTABUP | SETTABLE | SETI | SETFIELD => TM::NewIndex,
        MMBIN | MMBINI | MMBINK => TM::from_u32(i.c())?,
        UNM => TM::Unm,
        BNOT => TM::BNot,
        LEN => TM::Len,
        CONCAT => TM::Concat,
        EQ => TM::Eq,
        LT | LTI | GTI => TM::Lt,
        LE | LEI | GEI => TM::Le,
        CLOSE | RETURN => TM::Close,
        _ => return None,
    };
    Some(("metamethod", tm.event_name().as_bytes()[2..].to_vec()))
}

/// `PrintString` of `luac.c`: a quoted string with C escapes.
fn quote_string(out: &mut String, s: &[u8]) {
    out.push('"');
    for &c in s {
        match c {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            7 => out.push_str("\\a"),
            8 => out.push_str("\\b"),
            12 => out.push_str("\\f"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            11 => out.push_str("\\v"),
            c if c.is_ascii_graphic() || c == b' ' => out.push(c as char),
            c => out.push_str(&format!("\\{c:03}")),
        }
    }
    out.push('"');
}

fn constant_text(p: &FuncProto, i: usize) -> String {
    use crate::proto::Constant;
    let mut out = String::new();
    match p.constants.get(i) {
        Some(Constant::Nil) => out.push_str("nil"),
        Some(Constant::Bool(b)) => out.push_str(if *b { "true" } else { "false" }),
        Some(Constant::Int(n)) => out.push_str(&n.to_string()),
        Some(Constant::Float(f)) => out.push_str(&crate::number::format::fmt_float(*f)),
        Some(Constant::Str(s)) => quote_string(&mut out, s),
        None => out.push('?'),
    }
    out
}

fn upvalue_text(p: &FuncProto, i: usize) -> String {
    p.upvalues.get(i).map_or_else(
        || "-".to_string(),
        |u| String::from_utf8_lossy(&u.name).into_owned(),
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// One instruction as `luac -l` prints it after the line column: name, operands and a comment.
fn instruction_text(p: &FuncProto, pc: usize) -> String {
    use crate::opcode::{MAX_ARG_C, OpCode::*};
    let i = p.code[pc];
    let Some(op) = i.opcode() else {
        return format!("INVALID  \t{:#010x}", i.0);
    };
    let (a, b, c, k) = (i.a(), i.b(), i.c(), i.k());
    let (bx, sbx, sb, sc) = (i.bx(), i.sbx(), i.sb(), i.sc());
    let isk = if k { "k" } else { "" };
    let kc = |idx: u32| constant_text(p, idx as usize);
    let extra =
        || p.code.get(pc + 1).map_or(0, |n| n.ax_field() as usize) * (MAX_ARG_C as usize + 1);
    let ev = |c: u32| crate::opcode::TagMethod::from_u32(c).map_or("?", |t| t.event_name());
    let ops = match op {
        MOVE => format!("{a} {b}"),
        LOADI | LOADF => format!("{a} {sbx}"),
        LOADK => format!("{a} {bx}\t; {}", kc(bx)),
        LOADKX => format!(
            "{a}\t; {}",
            constant_text(p, extra() / (MAX_ARG_C as usize + 1))
        ),
        LOADFALSE | LFALSESKIP | LOADTRUE => format!("{a}"),
        LOADNIL => format!("{a} {b}\t; {} out", b + 1),
        GETUPVAL | SETUPVAL => format!("{a} {b}\t; {}", upvalue_text(p, b as usize)),
        GETTABUP => format!("{a} {b} {c}\t; {} {}", upvalue_text(p, b as usize), kc(c)),
        GETTABLE | GETI => format!("{a} {b} {c}"),
        GETFIELD => format!("{a} {b} {c}\t; {}", kc(c)),
        SETTABUP => {
            let mut s = format!(
                "{a} {b} {c}{isk}\t; {} {}",
                upvalue_text(p, a as usize),
                kc(b)
            );
            if k {
                s += &format!(" {}", kc(c));
            }
            s
        }
        SETTABLE | SETI | SELF => {
            let mut s = format!("{a} {b} {c}{isk}");
            if k {
                s += &format!("\t; {}", kc(c));
            }
            s
        }
        SETFIELD => {
            let mut s = format!("{a} {b} {c}{isk}\t; {}", kc(b));
            if k {
                s += &format!(" {}", kc(c));
            }
            s
        }
        NEWTABLE => format!("{a} {b} {c}\t; {}", c as usize + extra()),
        ADDI | SHRI | SHLI => format!("{a} {b} {sc}"),
        ADDK | SUBK | MULK | MODK | POWK | DIVK | IDIVK | BANDK | BORK | BXORK => {
            format!("{a} {b} {c}\t; {}", kc(c))
        }
        ADD | SUB | MUL | MOD | POW | DIV | IDIV | BAND | BOR | BXOR | SHL | SHR => {
            format!("{a} {b} {c}")
        }
        MMBIN => format!("{a} {b} {c}\t; {}", ev(c)),
        MMBINI => format!(
            "{a} {sb} {c} {}\t; {}{}",
            k as u8,
            ev(c),
            if k { " flip" } else { "" }
        ),
        MMBINK => format!(
            "{a} {b} {c} {}\t; {} {}{}",
            k as u8,
            ev(c),
            kc(b),
            if k { " flip" } else { "" }
        ),
        UNM | BNOT | NOT | LEN | CONCAT => format!("{a} {b}"),
        CLOSE | TBC | RETURN1 | VARARGPREP => format!("{a}"),
        JMP => {
            let sj = i.sj_field();
            format!("{sj}\t; to {}", sj as i64 + pc as i64 + 2)
        }
        EQ | LT | LE => format!("{a} {b} {}", k as u8),
        EQK => format!("{a} {b} {}\t; {}", k as u8, kc(b)),
        EQI | LTI | LEI | GTI | GEI => format!("{a} {sb} {}", k as u8),
        TEST => format!("{a} {}", k as u8),
        TESTSET => format!("{a} {b} {}", k as u8),
        CALL => format!(
            "{a} {b} {c}\t; {} in {}",
            if b == 0 {
                "all".to_string()
            } else {
                (b - 1).to_string()
            },
            if c == 0 {
                "all out".to_string()
            } else {
                format!("{} out", c - 1)
            }
        ),
        TAILCALL => format!("{a} {b} {c}{isk}\t; {} in", b as i64 - 1),
        RETURN => format!(
            "{a} {b} {c}{isk}\t; {}",
            if b == 0 {
                "all out".to_string()
            } else {
                format!("{} out", b - 1)
            }
        ),
        RETURN0 => String::new(),
        FORLOOP | TFORLOOP => format!("{a} {bx}\t; to {}", pc as i64 - bx as i64 + 2),
        FORPREP => format!("{a} {bx}\t; exit to {}", pc + bx as usize + 3),
        TFORPREP => format!("{a} {bx}\t; to {}", pc + bx as usize + 2),
        TFORCALL => format!("{a} {c}"),
        SETLIST => {
            let mut s = format!("{a} {b} {c}");
            if k {
                s += &format!("\t; {}", c as usize + extra());
            }
            s
        }
        CLOSURE => format!("{a} {bx}"),
        VARARG => format!(
            "{a} {c}\t; {}",
            if c == 0 {
                "all out".to_string()
            } else {
                format!("{} out", c - 1)
            }
        ),
        EXTRAARG => format!("{}", i.ax_field()),
    };
    format!("{:<9}\t{}", op.name(), ops)
}

/// A `luac -l -l` style listing of `p` and, recursively, its nested functions: header, one line
/// per instruction (`pc [line] OPNAME operands ; comment`, pcs 1-based), then constants, locals
/// (pcs 1-based) and upvalues. Pointers print as the proto's position in the tree.
pub fn listing(p: &FuncProto) -> String {
    let mut out = String::new();
    listing_into(&mut out, p, "0");
    out
}

fn listing_into(out: &mut String, p: &FuncProto, id: &str) {
    use std::fmt::Write as _;
    let src = match p.source.first() {
        Some(b'@') | Some(b'=') => String::from_utf8_lossy(&p.source[1..]).into_owned(),
        Some(0x1b) => "(bstring)".to_string(),
        _ => "(string)".to_string(),
    };
    let n = p.code.len();
    let _ = writeln!(
        out,
        "\n{} <{}:{},{}> ({} instruction{} at {})",
        if p.line_defined == 0 {
            "main"
        } else {
            "function"
        },
        src,
        p.line_defined,
        p.last_line_defined,
        n,
        plural(n),
        id
    );
    let np = p.num_params as usize;
    let _ = writeln!(
        out,
        "{}{} param{}, {} slot{}, {} upvalue{}, {} local{}, {} constant{}, {} function{}",
        np,
        if p.is_vararg { "+" } else { "" },
        plural(np),
        p.max_stack,
        plural(p.max_stack as usize),
        p.upvalues.len(),
        plural(p.upvalues.len()),
        p.locals.len(),
        plural(p.locals.len()),
        p.constants.len(),
        plural(p.constants.len()),
        p.protos.len(),
        plural(p.protos.len())
    );
    for pc in 0..n {
        let line = p.line_info.get(pc).copied().unwrap_or(0);
        let mut ins = instruction_text(p, pc);
        if p.code[pc].opcode() == Some(crate::opcode::OpCode::CLOSURE) {
            let _ = write!(ins, "\t; {}.{}", id, p.code[pc].bx());
        }
        let _ = writeln!(out, "\t{}\t[{}]\t{}", pc + 1, line, ins);
    }
    let _ = writeln!(out, "constants ({}) for {}:", p.constants.len(), id);
    for (i, k) in p.constants.iter().enumerate() {
        use crate::proto::Constant;
        let t = match k {
            Constant::Nil => 'N',
            Constant::Bool(_) => 'B',
            Constant::Float(_) => 'F',
            Constant::Int(_) => 'I',
            Constant::Str(_) => 'S',
        };
        let _ = writeln!(out, "\t{}\t{}\t{}", i, t, constant_text(p, i));
    }
    let _ = writeln!(out, "locals ({}) for {}:", p.locals.len(), id);
    for (i, l) in p.locals.iter().enumerate() {
        let _ = writeln!(
            out,
            "\t{}\t{}\t{}\t{}",
            i,
            String::from_utf8_lossy(&l.name),
            l.start_pc + 1,
            l.end_pc + 1
        );
    }
    let _ = writeln!(out, "upvalues ({}) for {}:", p.upvalues.len(), id);
    for (i, u) in p.upvalues.iter().enumerate() {
        let _ = writeln!(
            out,
            "\t{}\t{}\t{}\t{}",
            i,
            upvalue_text(p, i),
            u.in_stack as u8,
            u.index
        );
    }
    for (i, child) in p.protos.iter().enumerate() {
        listing_into(out, child, &format!("{id}.{i}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::compile;

    fn pc_of(p: &FuncProto, op: crate::opcode::OpCode, nth: usize) -> usize {
        p.code
            .iter()
            .enumerate()
            .filter(|(_, i)| i.op() == op)
            .nth(nth)
            .map(|(pc, _)| pc)
            .unwrap_or(0)
    }

    fn s(x: &str) -> Vec<u8> {
        x.as_bytes().to_vec()
    }

    #[test]
    fn chunk_ids() {
        assert_eq!(chunk_id(b"=stdin"), "stdin");
        assert_eq!(chunk_id(b"@t.lua"), "t.lua");
        assert_eq!(chunk_id(b"return 1"), "[string \"return 1\"]");
        assert_eq!(chunk_id(b"x = 1\ny = 2"), "[string \"x = 1...\"]");
        let long = "x".repeat(100);
        assert_eq!(chunk_id(format!("={long}").as_bytes()), "x".repeat(59));
        assert_eq!(
            chunk_id(format!("@{long}").as_bytes()),
            format!("...{}", "x".repeat(56))
        );
        assert_eq!(
            chunk_id(long.as_bytes()),
            format!("[string \"{}...\"]", "x".repeat(45))
        );
        assert_eq!(
            chunk_id("x".repeat(44).as_bytes()),
            format!("[string \"{}\"]", "x".repeat(44))
        );
        assert_eq!(
            chunk_id("x".repeat(45).as_bytes()),
            format!("[string \"{}...\"]", "x".repeat(45))
        );
        assert_eq!(chunk_id(b""), "[string \"\"]");
    }

    #[test]
    fn local_names() {
        let p = compile(b"local a = 1 do local b = 2 x = b end local c = 3", b"=t").unwrap();
        // pcs: 0 VARARGPREP, 1 LOADI a, 2 LOADI b, 3 SETTABUP x, 4 LOADI c, 5 RETURN
        assert_eq!(local_name(&p, 1, 2), Some(&b"a"[..]));
        assert_eq!(local_name(&p, 2, 3), Some(&b"b"[..]));
        assert_eq!(local_name(&p, 2, 4), None);
        assert_eq!(local_name(&p, 2, 5), Some(&b"c"[..]));
        assert_eq!(local_name(&p, 3, 5), None);
        assert_eq!(local_name(&p, 1, 1), None);
    }

    #[test]
    fn register_names() {
        use crate::opcode::OpCode::*;
        let p = compile(
            b"local t = {} x.y = 1 t.a.b = 2 local u = t[1] u = t[t]",
            b"=t",
        )
        .unwrap();
        // `x.y = 1`: SETFIELD on the register holding global x.
        let pc = pc_of(&p, SETFIELD, 0);
        let reg = p.code[pc].a();
        assert_eq!(register_name(&p, pc, reg), Some(("global", s("x"))));
        // `t.a.b = 2`: the table is field 'a'.
        let pc = pc_of(&p, SETFIELD, 1);
        assert_eq!(
            register_name(&p, pc, p.code[pc].a()),
            Some(("field", s("a")))
        );
        // t is a local.
        assert_eq!(register_name(&p, pc, 0), Some(("local", s("t"))));
        let p = compile(
            b"local s = 'k' .. 'v' local r = string.format('%d', ...)",
            b"=t",
        )
        .unwrap();
        let call = pc_of(&p, CALL, 0);
        let base = p.code[call].a();
        assert_eq!(register_name(&p, call, base), Some(("field", s("format"))));
        assert_eq!(
            register_name(&p, call, base + 1),
            Some(("constant", s("%d")))
        );
        let p = compile(
            b"local up = 1 return function() return up[1], obj:method() end",
            b"=t",
        )
        .unwrap();
        let f = &p.protos[0];
        let gf = pc_of(f, GETI, 0);
        assert_eq!(
            register_name(f, gf, f.code[gf].b()),
            Some(("upvalue", s("up")))
        );
        assert_eq!(
            register_name(f, gf + 1, f.code[gf].a()),
            Some(("field", s("integer index")))
        );
        let call = pc_of(f, CALL, 0);
        assert_eq!(
            register_name(f, call, f.code[call].a()),
            Some(("method", s("method")))
        );
        assert_eq!(call_site_name(f, call), Some(("method", s("method"))));
        assert_eq!(call_site_name(f, gf), Some(("metamethod", s("index"))));
    }

    #[test]
    fn conditional_assignments_have_no_name() {
        use crate::opcode::OpCode::*;
        // The register of `a` is set inside a branch: no name (as ldebug.c's filterpc).
        let p = compile(
            b"local c = ... local a if c then a = x end return a.b",
            b"=t",
        )
        .unwrap();
        let gf = pc_of(&p, GETFIELD, 0);
        assert_eq!(
            register_name(&p, gf, p.code[gf].b()),
            Some(("local", s("a")))
        );
        let p = compile(b"local c = ... return (c and x or y).z", b"=t").unwrap();
        let gf = pc_of(&p, GETFIELD, 0);
        assert_eq!(register_name(&p, gf, p.code[gf].b()), None);
    }

    #[test]
    fn call_site_names() {
        use crate::opcode::OpCode::*;
        let p = compile(b"local a, b = ... for k in pairs(a) do end return a + b, -a, #a, a .. b, a < b, a <= b, a == b", b"=t").unwrap();
        assert_eq!(
            call_site_name(&p, pc_of(&p, CALL, 0)),
            Some(("global", s("pairs")))
        );
        assert_eq!(
            call_site_name(&p, pc_of(&p, TFORCALL, 0)),
            Some(("for iterator", s("for iterator")))
        );
        assert_eq!(
            call_site_name(&p, pc_of(&p, MMBIN, 0)),
            Some(("metamethod", s("add")))
        );
        assert_eq!(
            call_site_name(&p, pc_of(&p, UNM, 0)),
            Some(("metamethod", s("unm")))
        );
        assert_eq!(
            call_site_name(&p, pc_of(&p, LEN, 0)),
            Some(("metamethod", s("len")))
        );
        assert_eq!(
            call_site_name(&p, pc_of(&p, CONCAT, 0)),
            Some(("metamethod", s("concat")))
        );
        assert_eq!(
            call_site_name(&p, pc_of(&p, LT, 0)),
            Some(("metamethod", s("lt")))
        );
        assert_eq!(
            call_site_name(&p, pc_of(&p, LE, 0)),
            Some(("metamethod", s("le")))
        );
        assert_eq!(
            call_site_name(&p, pc_of(&p, EQ, 0)),
            Some(("metamethod", s("eq")))
        );
        assert_eq!(call_site_name(&p, 0), None);
        assert_eq!(call_site_name(&p, 10_000), None);
    }

    #[test]
    fn listing_format() {
        let p = compile(b"local a = 1\nprint(a + 2, 'x\\n')", b"@t.lua").unwrap();
        let l = listing(&p);
        assert!(
            l.starts_with("\nmain <t.lua:0,0> (8 instructions at 0)\n"),
            "{l}"
        );
        assert!(l.contains("0+ params, 4 slots, 1 upvalue, 1 local, 2 constants, 0 functions\n"));
        assert!(l.contains("\t2\t[1]\tLOADI    \t0 1\n"));
        assert!(l.contains("\t3\t[2]\tGETTABUP \t1 0 0\t; _ENV \"print\"\n"));
        assert!(l.contains("\t4\t[2]\tADDI     \t2 0 2\n"));
        assert!(l.contains("\t5\t[2]\tMMBINI   \t0 2 6 0\t; __add\n"));
        assert!(l.contains("\t1\tS\t\"x\\n\"\n"));
        assert!(l.contains("\t0\ta\t3\t9\n"));
        assert!(l.contains("\t8\t[2]\tRETURN   \t1 1 1\t; 0 out\n"));
    }
}
