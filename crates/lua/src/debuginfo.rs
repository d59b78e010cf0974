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
    let out: Vec<u8> = match source.first() {
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
    };
    String::from_utf8_lossy(&out).into_owned()
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

fn upvalue_name(p: &FuncProto, i: usize) -> String {
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
        GETUPVAL | SETUPVAL => format!("{a} {b}\t; {}", upvalue_name(p, b as usize)),
        GETTABUP => format!("{a} {b} {c}\t; {} {}", upvalue_name(p, b as usize), kc(c)),
        GETTABLE | GETI => format!("{a} {b} {c}"),
        GETFIELD => format!("{a} {b} {c}\t; {}", kc(c)),
        SETTABUP => {
            let mut s = format!(
                "{a} {b} {c}{isk}\t; {} {}",
                upvalue_name(p, a as usize),
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
            upvalue_name(p, i),
            u.in_stack as u8,
            u.index
        );
    }
    for (i, child) in p.protos.iter().enumerate() {
        listing_into(out, child, &format!("{id}.{i}"));
    }
}
