//! The recursive-descent parser (Lua 5.4 manual §3 and §9; structure of PUC-Lua 5.4's `lparser.c`).
//! It drives [`super::codegen`] directly: there is no AST, code is emitted in one pass.
//!
//! Invariants kept:
//! - `fs` is the stack of functions being compiled (innermost last); `actvar` holds the active local
//!   variables of all of them (each function's start at `FuncState::first_local`).
//! - Pending gotos (`gt`) and visible labels (`labels`) are lists shared by all functions, trimmed
//!   when blocks close.
//! - Recursion goes through `statement` and `subexpr` (and `assignment` targets), all counted by
//!   `level`; past `MAX_C_CALLS` the parse fails with "C stack overflow", as Lua 5.4's
//!   `luaE_checkcstack`. Each level also checks the native stack used against a budget, so no
//!   input can overflow the Rust stack (see `super::compile` for the retry on a larger stack).
//!
//! Where Lua 5.4 releases differ, this follows 5.4.4 (the reference installed here), e.g. the
//! order of `leaveblock` and the message `break outside loop at line N`.

use std::collections::HashMap;

use super::SyntaxError;
use super::codegen::{BinOpr, ExpDesc, ExpKind, KKey, NO_JUMP, R, UNARY_PRIORITY, UnOpr};
use super::lexer::{Lexer, Tok};
use crate::opcode::{FIELDS_PER_FLUSH, MAX_ARG_BX, OpCode};
use crate::proto::{Constant, FuncProto, LocalVar, UpvalDesc, VarKind};

/// The address of a local of the calling frame: a measure of native stack depth (the stack
/// grows down on every target we support; if it grew up, the budget check would never trip and
/// only the level limit would apply).
#[inline(never)]
fn stack_address() -> usize {
    let probe = 0u8;
    std::hint::black_box(&probe) as *const u8 as usize
}

/// Maximum nesting of syntactic levels (`LUAI_MAXCCALLS`).
const MAX_C_CALLS: u32 = 200;
/// C levels already in use when PUC-Lua's stand-alone interpreter parses a chunk; counted so the
/// nesting limit is the same as `lua5.4 file.lua`'s.
const BASE_C_CALLS: u32 = 2;
/// Maximum number of local variables per function (`MAXVARS`).
const MAX_VARS: usize = 200;
/// Maximum number of upvalues per function (`MAXUPVAL`).
const MAX_UPVAL: usize = 255;

/// Description of an active local variable (`Vardesc`).
pub(super) struct VarDesc {
    pub kind: VarKind,
    /// Register holding the variable.
    pub ridx: u32,
    /// Index of the variable in the proto's `locals` (debug info).
    pub pidx: usize,
    pub name: Vec<u8>,
    /// Value of a compile-time constant.
    pub k: Option<Constant>,
}

/// A pending goto or a label (`Labeldesc`).
struct LabelDesc {
    name: Vec<u8>,
    /// Position in code (for a goto: its jump list, possibly `NO_JUMP`).
    pc: i32,
    line: u32,
    /// Number of active variables in that position.
    nactvar: usize,
    /// Goto that escapes upvalues (needs a `CLOSE`).
    close: bool,
}

/// A block (`BlockCnt`).
struct BlockCnt {
    first_label: usize,
    first_goto: usize,
    nactvar: usize,
    upval: bool,
    is_loop: bool,
    inside_tbc: bool,
}

/// A function being compiled (`FuncState`).
pub(super) struct FuncState {
    pub f: FuncProto,
    blocks: Vec<BlockCnt>,
    /// pc of the last jump target.
    pub last_target: usize,
    first_local: usize,
    first_label: usize,
    pub nactvar: usize,
    pub freereg: u32,
    pub needclose: bool,
}

/// Parser state (`LexState` + `Dyndata`).
pub(super) struct Parser<'a> {
    pub lx: Lexer<'a>,
    fs: Vec<FuncState>,
    /// Variable descriptors; only the first `nactvar_all` are live. Entries past it are kept
    /// (as PUC-Lua's array keeps them) because goto bookkeeping may still read their names/levels.
    pub actvar: Vec<VarDesc>,
    nactvar_all: usize,
    gt: Vec<LabelDesc>,
    labels: Vec<LabelDesc>,
    level: u32,
    source: std::sync::Arc<[u8]>,
    /// Constant cache shared by all functions (`ls->h`): key → index in the function that
    /// last added it.
    pub kcache: HashMap<KKey, u32>,
    /// Stack address when parsing started, and how many bytes below it the parser may use.
    stack_base: usize,
    stack_budget: usize,
    /// Set when parsing stopped because the native stack budget ran out (not a Lua error).
    pub stack_exhausted: bool,
}

fn unopr(t: &Tok) -> Option<UnOpr> {
    match t {
        Tok::Not => Some(UnOpr::Not),
        Tok::Char(b'-') => Some(UnOpr::Minus),
        Tok::Char(b'~') => Some(UnOpr::BNot),
        Tok::Char(b'#') => Some(UnOpr::Len),
        _ => None,
    }
}

fn binopr(t: &Tok) -> Option<BinOpr> {
    use BinOpr::*;
    Some(match t {
        Tok::Char(b'+') => Add,
        Tok::Char(b'-') => Sub,
        Tok::Char(b'*') => Mul,
        Tok::Char(b'%') => Mod,
        Tok::Char(b'^') => Pow,
        Tok::Char(b'/') => Div,
        Tok::IDiv => IDiv,
        Tok::Char(b'&') => BAnd,
        Tok::Char(b'|') => BOr,
        Tok::Char(b'~') => BXor,
        Tok::Shl => Shl,
        Tok::Shr => Shr,
        Tok::Concat => Concat,
        Tok::Ne => Ne,
        Tok::Eq => Eq,
        Tok::Char(b'<') => Lt,
        Tok::Le => Le,
        Tok::Char(b'>') => Gt,
        Tok::Ge => Ge,
        Tok::And => And,
        Tok::Or => Or,
        _ => return None,
    })
}

impl<'a> Parser<'a> {
    /// Parse and compile a whole chunk (`luaY_parser` + `mainfunc`), using at most about
    /// `stack_budget` bytes of native stack. The flag is true when the result is an error because
    /// that budget ran out before Lua's own nesting limit did.
    pub fn parse_chunk(
        source: &'a [u8],
        chunkname: &[u8],
        stack_budget: usize,
    ) -> (Result<FuncProto, SyntaxError>, bool) {
        let lx = Lexer::new(source, crate::debuginfo::chunk_id_bytes(chunkname));
        let mut p = Parser {
            lx,
            fs: Vec::new(),
            actvar: Vec::new(),
            nactvar_all: 0,
            gt: Vec::new(),
            labels: Vec::new(),
            level: 0,
            source: chunkname.into(),
            kcache: HashMap::new(),
            stack_base: stack_address(),
            stack_budget,
            stack_exhausted: false,
        };
        let r = p.main_func();
        (r, p.stack_exhausted)
    }

    fn main_func(&mut self) -> Result<FuncProto, SyntaxError> {
        let p = self;
        p.open_func(0);
        p.set_vararg(0);
        p.fs_mut().f.upvalues.push(UpvalDesc {
            name: b"_ENV".to_vec(),
            in_stack: true,
            index: 0,
            kind: VarKind::Regular,
        });
        p.lx.advance()?;
        p.statlist()?;
        p.check(&Tok::Eos)?;
        p.close_func()
    }

    pub(super) fn fs(&self) -> &FuncState {
        let n = self.fs.len() - 1;
        &self.fs[n]
    }
    pub(super) fn fs_mut(&mut self) -> &mut FuncState {
        let n = self.fs.len() - 1;
        &mut self.fs[n]
    }

    // ---------------------------------------------------------------- token helpers

    fn error_expected(&self, t: &Tok) -> SyntaxError {
        self.lx.syntax_error(&format!("{} expected", t.describe()))
    }
    fn test_next(&mut self, t: &Tok) -> R<bool> {
        if &self.lx.tok == t {
            self.lx.advance()?;
            Ok(true)
        } else {
            Ok(false)
        }
    }
    fn check(&self, t: &Tok) -> R<()> {
        if &self.lx.tok != t {
            Err(self.error_expected(t))
        } else {
            Ok(())
        }
    }
    fn check_next(&mut self, t: &Tok) -> R<()> {
        self.check(t)?;
        self.lx.advance()
    }
    fn check_match(&mut self, what: &Tok, who: &Tok, where_: u32) -> R<()> {
        if !self.test_next(what)? {
            if where_ == self.lx.line {
                return Err(self.error_expected(what));
            }
            return Err(self.lx.syntax_error(&format!(
                "{} expected (to close {} at line {})",
                what.describe(),
                who.describe(),
                where_
            )));
        }
        Ok(())
    }
    fn str_checkname(&mut self) -> R<Vec<u8>> {
        match &self.lx.tok {
            Tok::Name(n) => {
                let n = n.clone();
                self.lx.advance()?;
                Ok(n)
            }
            _ => Err(self.error_expected(&Tok::Name(Vec::new()))),
        }
    }
    /// `luaK_semerror`: an error without the "near" part.
    fn sem_error(&self, msg: &str) -> SyntaxError {
        self.lx.error(msg, None)
    }

    fn enter_level(&mut self) -> R<()> {
        if self.stack_base.saturating_sub(stack_address()) > self.stack_budget {
            self.stack_exhausted = true;
            return Err(SyntaxError::new("C stack overflow".to_string()));
        }
        self.level += 1;
        if self.level + BASE_C_CALLS > MAX_C_CALLS {
            return Err(SyntaxError::new("C stack overflow".to_string()));
        }
        Ok(())
    }
    fn leave_level(&mut self) {
        self.level -= 1;
    }

    fn error_limit(&self, limit: usize, what: &str) -> SyntaxError {
        let line = self.fs().f.line_defined;
        let where_ = if line == 0 {
            "main function".to_string()
        } else {
            format!("function at line {line}")
        };
        self.lx
            .syntax_error(&format!("too many {what} (limit is {limit}) in {where_}"))
    }

    // ---------------------------------------------------------------- variables

    fn new_localvar(&mut self, name: Vec<u8>) -> R<usize> {
        if self.nactvar_all + 1 - self.fs().first_local > MAX_VARS {
            return Err(self.error_limit(MAX_VARS, "local variables"));
        }
        let vd = VarDesc {
            kind: VarKind::Regular,
            ridx: 0,
            pidx: 0,
            name,
            k: None,
        };
        if self.nactvar_all < self.actvar.len() {
            self.actvar[self.nactvar_all] = vd;
        } else {
            self.actvar.push(vd);
        }
        self.nactvar_all += 1;
        Ok(self.nactvar_all - 1 - self.fs().first_local)
    }

    fn local_var_desc(&mut self, vidx: usize) -> &mut VarDesc {
        let i = self.fs().first_local + vidx;
        &mut self.actvar[i]
    }

    /// `reglevel`: number of registers used by the first `nvar` active variables.
    fn reg_level(&self, mut nvar: usize) -> u32 {
        let first = self.fs().first_local;
        while nvar > 0 {
            nvar -= 1;
            match self.actvar.get(first + nvar) {
                Some(vd) if vd.kind != VarKind::CompileTimeConst => return vd.ridx + 1,
                _ => {}
            }
        }
        0
    }

    /// `luaY_nvarstack`: number of registers used by active variables.
    pub(super) fn nvarstack(&self) -> usize {
        self.reg_level(self.fs().nactvar) as usize
    }

    fn local_debug_info(&mut self, vidx: usize) -> Option<&mut LocalVar> {
        let vd = self.local_var_desc(vidx);
        if vd.kind == VarKind::CompileTimeConst {
            return None;
        }
        let p = vd.pidx;
        self.fs_mut().f.locals.get_mut(p)
    }

    fn adjust_local_vars(&mut self, nvars: usize) {
        let first_reg = self.nvarstack() as u32;
        for reglevel in first_reg..first_reg + nvars as u32 {
            let vidx = self.fs().nactvar;
            self.fs_mut().nactvar += 1;
            let pc = self.pc() as u32;
            let name = self.local_var_desc(vidx).name.clone();
            let fs = self.fs_mut();
            fs.f.locals.push(LocalVar {
                name,
                start_pc: pc,
                end_pc: 0,
            });
            let pidx = fs.f.locals.len() - 1;
            let vd = self.local_var_desc(vidx);
            vd.ridx = reglevel;
            vd.pidx = pidx;
        }
    }

    fn remove_vars(&mut self, tolevel: usize) {
        let n = self.fs().nactvar - tolevel;
        let pc = self.pc() as u32;
        while self.fs().nactvar > tolevel {
            self.fs_mut().nactvar -= 1;
            let v = self.fs().nactvar;
            if let Some(lv) = self.local_debug_info(v) {
                lv.end_pc = pc;
            }
        }
        self.nactvar_all -= n;
    }

    fn check_readonly(&self, e: &ExpDesc) -> R<()> {
        let name = match e.k {
            ExpKind::Const(i) => Some(&self.actvar[i].name),
            ExpKind::Local { vidx, .. } => {
                let vd = &self.actvar[self.fs().first_local + vidx];
                (vd.kind != VarKind::Regular).then_some(&vd.name)
            }
            ExpKind::Upval(u) => {
                let up = &self.fs().f.upvalues[u as usize];
                (up.kind != VarKind::Regular).then_some(&up.name)
            }
            _ => None,
        };
        match name {
            Some(n) => Err(self.sem_error(&format!(
                "attempt to assign to const variable '{}'",
                String::from_utf8_lossy(n)
            ))),
            None => Ok(()),
        }
    }

    /// `searchvar` in function `lvl`: a local (register or compile-time constant) by name.
    fn search_var(&self, lvl: usize, name: &[u8]) -> Option<ExpKind> {
        let fs = &self.fs[lvl];
        for i in (0..fs.nactvar).rev() {
            let vd = &self.actvar[fs.first_local + i];
            if vd.name == name {
                return Some(if vd.kind == VarKind::CompileTimeConst {
                    ExpKind::Const(fs.first_local + i)
                } else {
                    ExpKind::Local {
                        ridx: vd.ridx,
                        vidx: i,
                    }
                });
            }
        }
        None
    }

    /// `markupval`: the block declaring variable `level` has a captured variable.
    fn mark_upval(&mut self, lvl: usize, level: usize) {
        let fs = &mut self.fs[lvl];
        if let Some(bl) = fs.blocks.iter_mut().rev().find(|bl| bl.nactvar <= level) {
            bl.upval = true;
        }
        fs.needclose = true;
    }

    fn mark_to_be_closed(&mut self) {
        let fs = self.fs_mut();
        if let Some(bl) = fs.blocks.last_mut() {
            bl.upval = true;
            bl.inside_tbc = true;
        }
        fs.needclose = true;
    }

    /// `singlevaraux`: resolve `name` in function `lvl` (local, upvalue, or `Void` for global).
    fn single_var_aux(&mut self, lvl: usize, name: &[u8], base: bool) -> R<ExpKind> {
        if let Some(k) = self.search_var(lvl, name) {
            if let ExpKind::Local { vidx, .. } = k
                && !base
            {
                self.mark_upval(lvl, vidx);
            }
            return Ok(k);
        }
        if let Some(idx) = self.fs[lvl].f.upvalues.iter().position(|u| u.name == name) {
            return Ok(ExpKind::Upval(idx as u32));
        }
        if lvl == 0 {
            return Ok(ExpKind::Void); // global
        }
        let k = self.single_var_aux(lvl - 1, name, false)?;
        let (in_stack, index, kind) = match k {
            ExpKind::Local { ridx, vidx } => {
                let prev = &self.fs[lvl - 1];
                (true, ridx, self.actvar[prev.first_local + vidx].kind)
            }
            ExpKind::Upval(u) => (false, u, self.fs[lvl - 1].f.upvalues[u as usize].kind),
            other => return Ok(other), // global or compile-time constant
        };
        if self.fs[lvl].f.upvalues.len() + 1 > MAX_UPVAL {
            return Err(self.error_limit(MAX_UPVAL, "upvalues"));
        }
        let ups = &mut self.fs[lvl].f.upvalues;
        ups.push(UpvalDesc {
            name: name.to_vec(),
            in_stack,
            index: index as u8,
            kind,
        });
        Ok(ExpKind::Upval(ups.len() as u32 - 1))
    }

    /// `singlevar`: a name in an expression.
    fn single_var(&mut self) -> R<ExpDesc> {
        let name = self.str_checkname()?;
        let lvl = self.fs.len() - 1;
        let k = self.single_var_aux(lvl, &name, true)?;
        if k != ExpKind::Void {
            return Ok(ExpDesc::new(k));
        }
        let env = self.single_var_aux(lvl, b"_ENV", true)?;
        let mut var = ExpDesc::new(env);
        self.exp2anyregup(&mut var)?;
        let mut key = ExpDesc::new(ExpKind::KStr(name));
        self.indexed(&mut var, &mut key)?;
        Ok(var)
    }

    fn adjust_assign(&mut self, nvars: i32, nexps: i32, e: &mut ExpDesc) -> R<()> {
        let needed = nvars - nexps;
        if e.is_multret() {
            let extra = (needed + 1).max(0);
            self.set_returns(e, extra)?;
        } else {
            if e.k != ExpKind::Void {
                self.exp2nextreg(e)?;
            }
            if needed > 0 {
                let fr = self.fs().freereg;
                self.code_nil(fr, needed as u32);
            }
        }
        if needed > 0 {
            self.reserve_regs(needed as u32)?;
        } else {
            let fs = self.fs_mut();
            fs.freereg = (fs.freereg as i32 + needed) as u32;
        }
        Ok(())
    }

    // ---------------------------------------------------------------- gotos and labels

    fn jump_scope_error(&self, gt: &LabelDesc) -> SyntaxError {
        let varname = self
            .actvar
            .get(self.fs().first_local + gt.nactvar)
            .map_or(&b"?"[..], |v| &v.name);
        self.sem_error(&format!(
            "<goto {}> at line {} jumps into the scope of local '{}'",
            String::from_utf8_lossy(&gt.name),
            gt.line,
            String::from_utf8_lossy(varname)
        ))
    }

    /// `solvegoto`: resolve pending goto `g` to label `lb` and remove it.
    fn solve_goto(&mut self, g: usize, lb_pc: i32, lb_nactvar: usize) -> R<()> {
        if self.gt[g].nactvar < lb_nactvar {
            return Err(self.jump_scope_error(&self.gt[g]));
        }
        let pc = self.gt[g].pc;
        self.patch_list(pc, lb_pc as usize)?;
        self.gt.remove(g);
        Ok(())
    }

    fn find_label(&self, name: &[u8]) -> Option<&LabelDesc> {
        self.labels[self.fs().first_label..]
            .iter()
            .find(|l| l.name == name)
    }

    fn new_label_entry(list: &mut Vec<LabelDesc>, name: Vec<u8>, line: u32, pc: i32, nact: usize) {
        list.push(LabelDesc {
            name,
            pc,
            line,
            nactvar: nact,
            close: false,
        });
    }

    /// `solvegotos`: resolve pending gotos of the current block to the new label.
    fn solve_gotos(&mut self, lb: usize) -> R<bool> {
        let mut i = self.fs().blocks.last().map_or(0, |b| b.first_goto);
        let mut needsclose = false;
        while i < self.gt.len() {
            if self.gt[i].name == self.labels[lb].name {
                needsclose |= self.gt[i].close;
                let (pc, nact) = (self.labels[lb].pc, self.labels[lb].nactvar);
                self.solve_goto(i, pc, nact)?;
            } else {
                i += 1;
            }
        }
        Ok(needsclose)
    }

    /// `createlabel`.
    fn create_label(&mut self, name: Vec<u8>, line: u32, last: bool) -> R<bool> {
        let pc = self.get_label() as i32;
        let mut nact = self.fs().nactvar;
        if last {
            nact = self.fs().blocks.last().map_or(0, |b| b.nactvar);
        }
        Self::new_label_entry(&mut self.labels, name, line, pc, nact);
        let l = self.labels.len() - 1;
        if self.solve_gotos(l)? {
            let lvl = self.nvarstack() as u32;
            self.code_abc(OpCode::CLOSE, lvl, 0, 0);
            return Ok(true);
        }
        Ok(false)
    }

    /// `movegotosout`: pending gotos of a closing block move to the enclosing one.
    fn move_gotos_out(&mut self, bl: &BlockCnt) {
        let bl_level = self.reg_level(bl.nactvar);
        for i in bl.first_goto..self.gt.len() {
            if self.reg_level(self.gt[i].nactvar) > bl_level {
                self.gt[i].close |= bl.upval;
            }
            self.gt[i].nactvar = bl.nactvar;
        }
    }

    fn undef_goto(&self, gt: &LabelDesc) -> SyntaxError {
        if gt.name == b"break" {
            self.sem_error(&format!("break outside loop at line {}", gt.line))
        } else {
            self.sem_error(&format!(
                "no visible label '{}' for <goto> at line {}",
                String::from_utf8_lossy(&gt.name),
                gt.line
            ))
        }
    }

    // ---------------------------------------------------------------- blocks and functions

    fn enter_block(&mut self, is_loop: bool) {
        let (nlabels, ngt) = (self.labels.len(), self.gt.len());
        let fs = self.fs_mut();
        let inside_tbc = fs.blocks.last().is_some_and(|b| b.inside_tbc);
        fs.blocks.push(BlockCnt {
            first_label: nlabels,
            first_goto: ngt,
            nactvar: fs.nactvar,
            upval: false,
            is_loop,
            inside_tbc,
        });
    }

    /// `leaveblock` (in Lua 5.4.4's order: pending breaks are resolved and the block's `CLOSE`
    /// emitted before its variables go out of scope, so their debug ranges include it).
    fn leave_block(&mut self) -> R<()> {
        let Some((bl_nactvar, is_loop)) = self.fs().blocks.last().map(|b| (b.nactvar, b.is_loop))
        else {
            return Ok(());
        };
        let stklevel = self.reg_level(bl_nactvar);
        let hasclose = if is_loop {
            self.create_label(b"break".to_vec(), 0, false)?
        } else {
            false
        };
        let Some(bl) = self.fs_mut().blocks.pop() else {
            return Ok(());
        };
        let has_previous = !self.fs().blocks.is_empty();
        if !hasclose && has_previous && bl.upval {
            self.code_abc(OpCode::CLOSE, stklevel, 0, 0);
        }
        self.fs_mut().freereg = stklevel;
        self.remove_vars(bl.nactvar);
        self.labels.truncate(bl.first_label);
        if has_previous {
            self.move_gotos_out(&bl);
        } else if bl.first_goto < self.gt.len() {
            return Err(self.undef_goto(&self.gt[bl.first_goto]));
        }
        Ok(())
    }

    fn block(&mut self) -> R<()> {
        self.enter_block(false);
        self.statlist()?;
        self.leave_block()
    }

    fn open_func(&mut self, line: u32) {
        let f = FuncProto {
            source: self.source.clone(),
            line_defined: line,
            max_stack: 2,
            ..FuncProto::default()
        };
        self.fs.push(FuncState {
            f,
            blocks: Vec::new(),
            last_target: 0,
            first_local: self.nactvar_all,
            first_label: self.labels.len(),
            nactvar: 0,
            freereg: 0,
            needclose: false,
        });
        self.enter_block(false);
    }

    fn close_func(&mut self) -> R<FuncProto> {
        let first = self.nvarstack() as u32;
        self.code_ret(first, 0);
        self.leave_block()?;
        self.finish()?;
        let fs = self
            .fs
            .pop()
            .ok_or_else(|| SyntaxError::new("internal error".into()))?;
        Ok(fs.f)
    }

    fn set_vararg(&mut self, nparams: u32) {
        self.fs_mut().f.is_vararg = true;
        self.code_abc(OpCode::VARARGPREP, nparams, 0, 0);
    }

    fn block_follow(&self, with_until: bool) -> bool {
        match self.lx.tok {
            Tok::Else | Tok::Elseif | Tok::End | Tok::Eos => true,
            Tok::Until => with_until,
            _ => false,
        }
    }

    fn statlist(&mut self) -> R<()> {
        while !self.block_follow(true) {
            if self.lx.tok == Tok::Return {
                return self.statement();
            }
            self.statement()?;
        }
        Ok(())
    }

    // ---------------------------------------------------------------- expressions

    fn fieldsel(&mut self, v: &mut ExpDesc) -> R<()> {
        self.exp2anyregup(v)?;
        self.lx.advance()?; // skip the dot or colon
        let name = self.str_checkname()?;
        let mut key = ExpDesc::new(ExpKind::KStr(name));
        self.indexed(v, &mut key)
    }

    fn yindex(&mut self) -> R<ExpDesc> {
        self.lx.advance()?; // skip '['
        let mut v = self.expr()?;
        self.exp2val(&mut v)?;
        self.check_next(&Tok::Char(b']'))?;
        Ok(v)
    }

    fn constructor(&mut self) -> R<ExpDesc> {
        let line = self.lx.line;
        let pc = self.code_abc(OpCode::NEWTABLE, 0, 0, 0);
        self.code(crate::opcode::Instruction(0)); // space for EXTRAARG
        let treg = self.fs().freereg;
        let t = ExpDesc::new(ExpKind::NonReloc(treg));
        self.reserve_regs(1)?;
        let mut v = ExpDesc::new(ExpKind::Void); // last list item read
        let (mut nh, mut na, mut tostore) = (0u32, 0u32, 0u32);
        self.check_next(&Tok::Char(b'{'))?;
        loop {
            if self.lx.tok == Tok::Char(b'}') {
                break;
            }
            // closelistfield
            if v.k != ExpKind::Void {
                self.exp2nextreg(&mut v)?;
                v.k = ExpKind::Void;
                if tostore == FIELDS_PER_FLUSH {
                    self.set_list(treg, na, tostore as i32);
                    na += tostore;
                    tostore = 0;
                }
            }
            // field
            let is_rec = match &self.lx.tok {
                Tok::Name(_) => self.lx.peek()? == &Tok::Char(b'='),
                Tok::Char(b'[') => true,
                _ => false,
            };
            if is_rec {
                let reg = self.fs().freereg;
                let mut key = if let Tok::Name(_) = self.lx.tok {
                    ExpDesc::new(ExpKind::KStr(self.str_checkname()?))
                } else {
                    self.yindex()?
                };
                nh += 1;
                self.check_next(&Tok::Char(b'='))?;
                let mut tab = t.clone();
                self.indexed(&mut tab, &mut key)?;
                let mut val = self.expr()?;
                self.store_var(&tab, &mut val)?;
                self.fs_mut().freereg = reg;
            } else {
                v = self.expr()?;
                tostore += 1;
            }
            if !(self.test_next(&Tok::Char(b','))? || self.test_next(&Tok::Char(b';'))?) {
                break;
            }
        }
        self.check_match(&Tok::Char(b'}'), &Tok::Char(b'{'), line)?;
        // lastlistfield
        if tostore > 0 {
            if v.is_multret() {
                self.set_multret(&v)?;
                self.set_list(treg, na, -1);
                na = na.wrapping_sub(1);
            } else {
                if v.k != ExpKind::Void {
                    self.exp2nextreg(&mut v)?;
                }
                self.set_list(treg, na, tostore as i32);
            }
            na = na.wrapping_add(tostore);
        }
        self.set_table_size(pc, treg, na, nh);
        Ok(t)
    }

    fn parlist(&mut self) -> R<()> {
        let mut nparams = 0;
        let mut isvararg = false;
        if self.lx.tok != Tok::Char(b')') {
            loop {
                match self.lx.tok {
                    Tok::Name(_) => {
                        let n = self.str_checkname()?;
                        self.new_localvar(n)?;
                        nparams += 1;
                    }
                    Tok::Dots => {
                        self.lx.advance()?;
                        isvararg = true;
                    }
                    _ => return Err(self.lx.syntax_error("<name> or '...' expected")),
                }
                if isvararg || !self.test_next(&Tok::Char(b','))? {
                    break;
                }
            }
        }
        self.adjust_local_vars(nparams);
        let np = self.fs().nactvar as u32;
        self.fs_mut().f.num_params = np as u8;
        if isvararg {
            self.set_vararg(np);
        }
        self.reserve_regs(np)
    }

    /// `body`: parameters and block of a function; leaves the closure in the next register.
    fn body(&mut self, is_method: bool, line: u32) -> R<ExpDesc> {
        if self.fs().f.protos.len() >= MAX_ARG_BX as usize {
            return Err(self.error_limit(MAX_ARG_BX as usize, "functions"));
        }
        self.open_func(line);
        if is_method {
            self.new_localvar(b"self".to_vec())?;
            self.adjust_local_vars(1);
        }
        self.check_next(&Tok::Char(b'('))?;
        self.parlist()?;
        self.check_next(&Tok::Char(b')'))?;
        self.statlist()?;
        self.fs_mut().f.last_line_defined = self.lx.line;
        self.check_match(&Tok::End, &Tok::Function, line)?;
        let proto = self.close_func()?;
        let fs = self.fs_mut();
        fs.f.protos.push(proto);
        let idx = fs.f.protos.len() as u32 - 1;
        let mut v = ExpDesc::new(ExpKind::Reloc(self.code_abx(OpCode::CLOSURE, 0, idx)));
        self.exp2nextreg(&mut v)?;
        Ok(v)
    }

    /// `explist`: returns the number of expressions; `v` is the last one (not yet placed).
    fn explist(&mut self) -> R<(i32, ExpDesc)> {
        let mut n = 1;
        let mut v = self.expr()?;
        while self.test_next(&Tok::Char(b','))? {
            self.exp2nextreg(&mut v)?;
            v = self.expr()?;
            n += 1;
        }
        Ok((n, v))
    }

    fn funcargs(&mut self, f: &mut ExpDesc, line: u32) -> R<()> {
        let mut args = match &self.lx.tok {
            Tok::Char(b'(') => {
                self.lx.advance()?;
                if self.lx.tok == Tok::Char(b')') {
                    self.check_match(&Tok::Char(b')'), &Tok::Char(b'('), line)?;
                    ExpDesc::new(ExpKind::Void)
                } else {
                    let (_, a) = self.explist()?;
                    if a.is_multret() {
                        self.set_multret(&a)?;
                    }
                    self.check_match(&Tok::Char(b')'), &Tok::Char(b'('), line)?;
                    a
                }
            }
            Tok::Char(b'{') => self.constructor()?,
            Tok::Str(s) => {
                let s = s.clone();
                self.lx.advance()?;
                ExpDesc::new(ExpKind::KStr(s))
            }
            _ => return Err(self.lx.syntax_error("function arguments expected")),
        };
        let base = match f.k {
            ExpKind::NonReloc(r) => r,
            _ => 0,
        };
        let nparams = if args.is_multret() {
            -1
        } else {
            if args.k != ExpKind::Void {
                self.exp2nextreg(&mut args)?;
            }
            self.fs().freereg as i32 - (base as i32 + 1)
        };
        f.k = ExpKind::Call(self.code_abc(OpCode::CALL, base, (nparams + 1) as u32, 2));
        f.t = NO_JUMP;
        f.f = NO_JUMP;
        self.fix_line(line);
        self.fs_mut().freereg = base + 1;
        Ok(())
    }

    fn primaryexp(&mut self) -> R<ExpDesc> {
        match self.lx.tok {
            Tok::Char(b'(') => {
                let line = self.lx.line;
                self.lx.advance()?;
                let mut v = self.expr()?;
                self.check_match(&Tok::Char(b')'), &Tok::Char(b'('), line)?;
                self.discharge_vars(&mut v);
                Ok(v)
            }
            Tok::Name(_) => self.single_var(),
            _ => Err(self.lx.syntax_error("unexpected symbol")),
        }
    }

    fn suffixedexp(&mut self) -> R<ExpDesc> {
        let line = self.lx.line;
        let mut v = self.primaryexp()?;
        loop {
            match self.lx.tok {
                Tok::Char(b'.') => self.fieldsel(&mut v)?,
                Tok::Char(b'[') => {
                    self.exp2anyregup(&mut v)?;
                    let mut key = self.yindex()?;
                    self.indexed(&mut v, &mut key)?;
                }
                Tok::Char(b':') => {
                    self.lx.advance()?;
                    let name = self.str_checkname()?;
                    let mut key = ExpDesc::new(ExpKind::KStr(name));
                    self.code_self(&mut v, &mut key)?;
                    self.funcargs(&mut v, line)?;
                }
                Tok::Char(b'(') | Tok::Str(_) | Tok::Char(b'{') => {
                    self.exp2nextreg(&mut v)?;
                    self.funcargs(&mut v, line)?;
                }
                _ => return Ok(v),
            }
        }
    }

    fn simpleexp(&mut self) -> R<ExpDesc> {
        let v = match &self.lx.tok {
            Tok::Flt(f) => ExpDesc::new(ExpKind::KFlt(*f)),
            Tok::Int(i) => ExpDesc::new(ExpKind::KInt(*i)),
            Tok::Str(s) => ExpDesc::new(ExpKind::KStr(s.clone())),
            Tok::Nil => ExpDesc::new(ExpKind::Nil),
            Tok::True => ExpDesc::new(ExpKind::True),
            Tok::False => ExpDesc::new(ExpKind::False),
            Tok::Dots => {
                if !self.fs().f.is_vararg {
                    return Err(self
                        .lx
                        .syntax_error("cannot use '...' outside a vararg function"));
                }
                ExpDesc::new(ExpKind::Vararg(self.code_abc(OpCode::VARARG, 0, 0, 1)))
            }
            Tok::Char(b'{') => return self.constructor(),
            Tok::Function => {
                self.lx.advance()?;
                let line = self.lx.line;
                return self.body(false, line);
            }
            _ => return self.suffixedexp(),
        };
        self.lx.advance()?;
        Ok(v)
    }

    /// `subexpr`: an expression whose binary operators bind tighter than `limit`.
    /// Returns the expression and the first operator not handled.
    fn subexpr(&mut self, limit: u8) -> R<(ExpDesc, Option<BinOpr>)> {
        self.enter_level()?;
        let mut v = if let Some(uop) = unopr(&self.lx.tok) {
            let line = self.lx.line;
            self.lx.advance()?;
            let (mut v, _) = self.subexpr(UNARY_PRIORITY)?;
            self.prefix(uop, &mut v, line)?;
            v
        } else {
            self.simpleexp()?
        };
        let mut op = binopr(&self.lx.tok);
        while let Some(o) = op {
            if o.priority().0 <= limit {
                break;
            }
            let line = self.lx.line;
            self.lx.advance()?;
            self.infix(o, &mut v)?;
            let (mut v2, nextop) = self.subexpr(o.priority().1)?;
            self.posfix(o, &mut v, &mut v2, line)?;
            op = nextop;
        }
        self.leave_level();
        Ok((v, op))
    }

    pub(super) fn expr(&mut self) -> R<ExpDesc> {
        Ok(self.subexpr(0)?.0)
    }

    // ---------------------------------------------------------------- statements

    /// `restassign` for all targets: `lhs[0]` was read; reads `{',' suffixedexp} '=' explist`.
    fn assignment(&mut self, first: ExpDesc) -> R<()> {
        let mut lhs = vec![first];
        let mut levels = 0;
        loop {
            let last = &lhs[lhs.len() - 1];
            if !last.is_var() {
                return Err(self.lx.syntax_error("syntax error"));
            }
            self.check_readonly(last)?;
            if !self.test_next(&Tok::Char(b','))? {
                break;
            }
            let nv = self.suffixedexp()?;
            if !nv.is_indexed() {
                self.check_conflict(&mut lhs, &nv)?;
            }
            self.enter_level()?;
            levels += 1;
            lhs.push(nv);
        }
        self.check_next(&Tok::Char(b'='))?;
        let nvars = lhs.len() as i32;
        let (nexps, mut e) = self.explist()?;
        let mut rest = lhs.len();
        if nexps != nvars {
            self.adjust_assign(nvars, nexps, &mut e)?;
        } else {
            self.set_one_ret(&mut e);
            let last = lhs.pop().unwrap_or_else(|| ExpDesc::new(ExpKind::Void));
            self.store_var(&last, &mut e)?;
            rest -= 1;
        }
        for var in lhs[..rest].iter().rev() {
            let mut e = ExpDesc::new(ExpKind::NonReloc(self.fs().freereg - 1));
            self.store_var(var, &mut e)?;
        }
        for _ in 0..levels {
            self.leave_level();
        }
        Ok(())
    }

    /// `check_conflict`: if `v` (a local or upvalue about to be assigned) is used as table or
    /// key by a previous target, copy it to a fresh register first.
    fn check_conflict(&mut self, lhs: &mut [ExpDesc], v: &ExpDesc) -> R<()> {
        let extra = self.fs().freereg;
        let mut conflict = false;
        for lh in lhs.iter_mut() {
            match (&mut lh.k, &v.k) {
                (ExpKind::IndexUp { t, idx }, ExpKind::Upval(u)) if *t == *u => {
                    conflict = true;
                    lh.k = ExpKind::IndexStr {
                        t: extra,
                        idx: *idx,
                    };
                }
                (
                    ExpKind::Indexed { t, .. }
                    | ExpKind::IndexI { t, .. }
                    | ExpKind::IndexStr { t, .. },
                    ExpKind::Local { ridx, .. },
                ) => {
                    if *t == *ridx {
                        conflict = true;
                        *t = extra;
                    }
                    if let ExpKind::Indexed { idx, .. } = &mut lh.k
                        && *idx == *ridx
                    {
                        conflict = true;
                        *idx = extra;
                    }
                }
                _ => {}
            }
        }
        if conflict {
            match v.k {
                ExpKind::Local { ridx, .. } => self.code_abc(OpCode::MOVE, extra, ridx, 0),
                ExpKind::Upval(u) => self.code_abc(OpCode::GETUPVAL, extra, u, 0),
                _ => 0,
            };
            self.reserve_regs(1)?;
        }
        Ok(())
    }

    /// `cond`: a condition; returns its false-exit list.
    fn cond(&mut self) -> R<i32> {
        let mut v = self.expr()?;
        if v.k == ExpKind::Nil {
            v.k = ExpKind::False;
        }
        self.go_if_true(&mut v)?;
        Ok(v.f)
    }

    fn gotostat(&mut self) -> R<()> {
        let line = self.lx.line;
        let name = self.str_checkname()?;
        match self.find_label(&name).map(|l| (l.nactvar, l.pc)) {
            None => {
                let pc = self.jump();
                let nact = self.fs().nactvar;
                Self::new_label_entry(&mut self.gt, name, line, pc, nact);
            }
            Some((lnact, lpc)) => {
                let lblevel = self.reg_level(lnact);
                if self.nvarstack() as u32 > lblevel {
                    self.code_abc(OpCode::CLOSE, lblevel, 0, 0);
                }
                let j = self.jump();
                self.patch_list(j, lpc as usize)?;
            }
        }
        Ok(())
    }

    fn breakstat(&mut self) -> R<()> {
        let line = self.lx.line;
        self.lx.advance()?;
        let pc = self.jump();
        let nact = self.fs().nactvar;
        Self::new_label_entry(&mut self.gt, b"break".to_vec(), line, pc, nact);
        Ok(())
    }

    fn labelstat(&mut self, name: Vec<u8>, line: u32) -> R<()> {
        self.check_next(&Tok::DbColon)?;
        while matches!(self.lx.tok, Tok::Char(b';') | Tok::DbColon) {
            self.statement()?;
        }
        if let Some(lb) = self.find_label(&name) {
            return Err(self.sem_error(&format!(
                "label '{}' already defined on line {}",
                String::from_utf8_lossy(&name),
                lb.line
            )));
        }
        let last = self.block_follow(false);
        self.create_label(name, line, last)?;
        Ok(())
    }

    fn whilestat(&mut self, line: u32) -> R<()> {
        self.lx.advance()?;
        let whileinit = self.get_label();
        let condexit = self.cond()?;
        self.enter_block(true);
        self.check_next(&Tok::Do)?;
        self.block()?;
        let j = self.jump();
        self.patch_list(j, whileinit)?;
        self.check_match(&Tok::End, &Tok::While, line)?;
        self.leave_block()?;
        self.patch_to_here(condexit)
    }

    fn repeatstat(&mut self, line: u32) -> R<()> {
        let repeat_init = self.get_label();
        self.enter_block(true); // loop block
        self.enter_block(false); // scope block
        self.lx.advance()?;
        self.statlist()?;
        self.check_match(&Tok::Until, &Tok::Repeat, line)?;
        let mut condexit = self.cond()?;
        let (bl2_upval, bl2_nactvar) = self
            .fs()
            .blocks
            .last()
            .map_or((false, 0), |b| (b.upval, b.nactvar));
        self.leave_block()?;
        if bl2_upval {
            let exit = self.jump();
            self.patch_to_here(condexit)?;
            let lvl = self.reg_level(bl2_nactvar);
            self.code_abc(OpCode::CLOSE, lvl, 0, 0);
            condexit = self.jump();
            self.patch_to_here(exit)?;
        }
        self.patch_list(condexit, repeat_init)?;
        self.leave_block()
    }

    fn exp1(&mut self) -> R<()> {
        let mut e = self.expr()?;
        self.exp2nextreg(&mut e)
    }

    /// `fixforjump`: set the Bx distance of a for-loop jump.
    fn fix_for_jump(&mut self, pc: usize, dest: usize, back: bool) -> R<()> {
        let mut off = dest as i64 - (pc as i64 + 1);
        if back {
            off = -off;
        }
        if off > MAX_ARG_BX as i64 || off < 0 {
            return Err(self.lx.syntax_error("control structure too long"));
        }
        self.fs_mut().f.code[pc].set_bx(off as u32);
        Ok(())
    }

    fn forbody(&mut self, base: u32, line: u32, nvars: usize, isgen: bool) -> R<()> {
        self.check_next(&Tok::Do)?;
        let prep = self.code_abx(
            if isgen {
                OpCode::TFORPREP
            } else {
                OpCode::FORPREP
            },
            base,
            0,
        );
        self.enter_block(false);
        self.adjust_local_vars(nvars);
        self.reserve_regs(nvars as u32)?;
        self.block()?;
        self.leave_block()?;
        let here = self.get_label();
        self.fix_for_jump(prep, here, false)?;
        if isgen {
            self.code_abc(OpCode::TFORCALL, base, 0, nvars as u32);
            self.fix_line(line);
        }
        let endfor = self.code_abx(
            if isgen {
                OpCode::TFORLOOP
            } else {
                OpCode::FORLOOP
            },
            base,
            0,
        );
        self.fix_for_jump(endfor, prep + 1, true)?;
        self.fix_line(line);
        Ok(())
    }

    fn fornum(&mut self, varname: Vec<u8>, line: u32) -> R<()> {
        let base = self.fs().freereg;
        for _ in 0..3 {
            self.new_localvar(b"(for state)".to_vec())?;
        }
        self.new_localvar(varname)?;
        self.check_next(&Tok::Char(b'='))?;
        self.exp1()?;
        self.check_next(&Tok::Char(b','))?;
        self.exp1()?;
        if self.test_next(&Tok::Char(b','))? {
            self.exp1()?;
        } else {
            let r = self.fs().freereg;
            self.code_int(r, 1);
            self.reserve_regs(1)?;
        }
        self.adjust_local_vars(3);
        self.forbody(base, line, 1, false)
    }

    fn forlist(&mut self, indexname: Vec<u8>) -> R<()> {
        let mut nvars = 5;
        let base = self.fs().freereg;
        for _ in 0..4 {
            self.new_localvar(b"(for state)".to_vec())?;
        }
        self.new_localvar(indexname)?;
        while self.test_next(&Tok::Char(b','))? {
            let n = self.str_checkname()?;
            self.new_localvar(n)?;
            nvars += 1;
        }
        self.check_next(&Tok::In)?;
        let line = self.lx.line;
        let (n, mut e) = self.explist()?;
        self.adjust_assign(4, n, &mut e)?;
        self.adjust_local_vars(4);
        self.mark_to_be_closed();
        self.check_stack(3)?;
        self.forbody(base, line, nvars - 4, true)
    }

    fn forstat(&mut self, line: u32) -> R<()> {
        self.enter_block(true);
        self.lx.advance()?;
        let varname = self.str_checkname()?;
        match self.lx.tok {
            Tok::Char(b'=') => self.fornum(varname, line)?,
            Tok::Char(b',') | Tok::In => self.forlist(varname)?,
            _ => return Err(self.lx.syntax_error("'=' or 'in' expected")),
        }
        self.check_match(&Tok::End, &Tok::For, line)?;
        self.leave_block()
    }

    fn test_then_block(&mut self, escapelist: &mut i32) -> R<()> {
        self.lx.advance()?; // skip IF or ELSEIF
        let mut v = self.expr()?;
        self.check_next(&Tok::Then)?;
        let jf = if self.lx.tok == Tok::Break {
            let line = self.lx.line;
            self.go_if_false(&mut v)?;
            self.lx.advance()?;
            self.enter_block(false);
            let nact = self.fs().nactvar;
            Self::new_label_entry(&mut self.gt, b"break".to_vec(), line, v.t, nact);
            while self.test_next(&Tok::Char(b';'))? {}
            if self.block_follow(false) {
                return self.leave_block();
            }
            self.jump()
        } else {
            self.go_if_true(&mut v)?;
            self.enter_block(false);
            v.f
        };
        self.statlist()?;
        self.leave_block()?;
        if matches!(self.lx.tok, Tok::Else | Tok::Elseif) {
            let j = self.jump();
            self.concat_jumps(escapelist, j)?;
        }
        self.patch_to_here(jf)
    }

    fn ifstat(&mut self, line: u32) -> R<()> {
        let mut escapelist = NO_JUMP;
        self.test_then_block(&mut escapelist)?;
        while self.lx.tok == Tok::Elseif {
            self.test_then_block(&mut escapelist)?;
        }
        if self.test_next(&Tok::Else)? {
            self.block()?;
        }
        self.check_match(&Tok::End, &Tok::If, line)?;
        self.patch_to_here(escapelist)
    }

    fn localfunc(&mut self) -> R<()> {
        let fvar = self.fs().nactvar;
        let name = self.str_checkname()?;
        self.new_localvar(name)?;
        self.adjust_local_vars(1);
        let line = self.lx.line;
        self.body(false, line)?;
        let pc = self.pc() as u32;
        if let Some(lv) = self.local_debug_info(fvar) {
            lv.start_pc = pc;
        }
        Ok(())
    }

    fn local_attribute(&mut self) -> R<VarKind> {
        if self.test_next(&Tok::Char(b'<'))? {
            let attr = self.str_checkname()?;
            self.check_next(&Tok::Char(b'>'))?;
            return match attr.as_slice() {
                b"const" => Ok(VarKind::Const),
                b"close" => Ok(VarKind::ToClose),
                _ => Err(self.sem_error(&format!(
                    "unknown attribute '{}'",
                    String::from_utf8_lossy(&attr)
                ))),
            };
        }
        Ok(VarKind::Regular)
    }

    /// `luaK_exp2const`: the compile-time value of `e`, if it has one.
    fn exp2const(&self, e: &ExpDesc) -> Option<Constant> {
        if e.has_jumps() {
            return None;
        }
        Some(match &e.k {
            ExpKind::False => Constant::Bool(false),
            ExpKind::True => Constant::Bool(true),
            ExpKind::Nil => Constant::Nil,
            ExpKind::KStr(s) => Constant::Str(s.clone()),
            ExpKind::Const(i) => self.actvar[*i].k.clone()?,
            ExpKind::KInt(i) => Constant::Int(*i),
            ExpKind::KFlt(f) => Constant::Float(*f),
            _ => return None,
        })
    }

    fn localstat(&mut self) -> R<()> {
        let mut toclose: Option<usize> = None;
        let mut nvars = 0;
        let mut vidx;
        loop {
            let name = self.str_checkname()?;
            vidx = self.new_localvar(name)?;
            let kind = self.local_attribute()?;
            self.local_var_desc(vidx).kind = kind;
            if kind == VarKind::ToClose {
                if toclose.is_some() {
                    return Err(self.sem_error("multiple to-be-closed variables in local list"));
                }
                toclose = Some(self.fs().nactvar + nvars);
            }
            nvars += 1;
            if !self.test_next(&Tok::Char(b','))? {
                break;
            }
        }
        let (nexps, mut e) = if self.test_next(&Tok::Char(b'='))? {
            self.explist()?
        } else {
            (0, ExpDesc::new(ExpKind::Void))
        };
        let is_const = self.local_var_desc(vidx).kind == VarKind::Const;
        let k = if nvars as i32 == nexps && is_const {
            self.exp2const(&e)
        } else {
            None
        };
        if let Some(k) = k {
            let vd = self.local_var_desc(vidx);
            vd.kind = VarKind::CompileTimeConst;
            vd.k = Some(k);
            self.adjust_local_vars(nvars - 1);
            self.fs_mut().nactvar += 1;
        } else {
            self.adjust_assign(nvars as i32, nexps, &mut e)?;
            self.adjust_local_vars(nvars);
        }
        if let Some(level) = toclose {
            self.mark_to_be_closed();
            let r = self.reg_level(level);
            self.code_abc(OpCode::TBC, r, 0, 0);
        }
        Ok(())
    }

    fn funcstat(&mut self, line: u32) -> R<()> {
        self.lx.advance()?;
        let mut v = self.single_var()?;
        let mut is_method = false;
        while self.lx.tok == Tok::Char(b'.') {
            self.fieldsel(&mut v)?;
        }
        if self.lx.tok == Tok::Char(b':') {
            is_method = true;
            self.fieldsel(&mut v)?;
        }
        let mut b = self.body(is_method, line)?;
        self.check_readonly(&v)?;
        self.store_var(&v, &mut b)?;
        self.fix_line(line);
        Ok(())
    }

    fn exprstat(&mut self) -> R<()> {
        let v = self.suffixedexp()?;
        if matches!(self.lx.tok, Tok::Char(b'=') | Tok::Char(b',')) {
            self.assignment(v)
        } else {
            let ExpKind::Call(pc) = v.k else {
                return Err(self.lx.syntax_error("syntax error"));
            };
            self.fs_mut().f.code[pc].set_c(1);
            Ok(())
        }
    }

    fn retstat(&mut self) -> R<()> {
        let mut first = self.nvarstack() as u32;
        let nret;
        if self.block_follow(true) || self.lx.tok == Tok::Char(b';') {
            nret = 0;
        } else {
            let (n, mut e) = self.explist()?;
            if e.is_multret() {
                self.set_multret(&e)?;
                if let ExpKind::Call(pc) = e.k
                    && n == 1
                    && !self.fs().blocks.last().is_some_and(|b| b.inside_tbc)
                {
                    let i = self.fs().f.code[pc];
                    self.fs_mut().f.code[pc] = crate::opcode::Instruction::abc(
                        OpCode::TAILCALL,
                        i.a(),
                        i.b(),
                        i.c(),
                        i.k(),
                    );
                }
                nret = -1;
            } else if n == 1 {
                first = self.exp2anyreg(&mut e)?;
                nret = 1;
            } else {
                self.exp2nextreg(&mut e)?;
                first = self.nvarstack() as u32;
                nret = n;
            }
        }
        self.code_ret(first, nret);
        self.test_next(&Tok::Char(b';'))?;
        Ok(())
    }

    fn statement(&mut self) -> R<()> {
        let line = self.lx.line;
        self.enter_level()?;
        match self.lx.tok {
            Tok::Char(b';') => self.lx.advance()?,
            Tok::If => self.ifstat(line)?,
            Tok::While => self.whilestat(line)?,
            Tok::Do => {
                self.lx.advance()?;
                self.block()?;
                self.check_match(&Tok::End, &Tok::Do, line)?;
            }
            Tok::For => self.forstat(line)?,
            Tok::Repeat => self.repeatstat(line)?,
            Tok::Function => self.funcstat(line)?,
            Tok::Local => {
                self.lx.advance()?;
                if self.test_next(&Tok::Function)? {
                    self.localfunc()?;
                } else {
                    self.localstat()?;
                }
            }
            Tok::DbColon => {
                self.lx.advance()?;
                let name = self.str_checkname()?;
                self.labelstat(name, line)?;
            }
            Tok::Return => {
                self.lx.advance()?;
                self.retstat()?;
            }
            Tok::Break => self.breakstat()?,
            Tok::Goto => {
                self.lx.advance()?;
                self.gotostat()?;
            }
            _ => self.exprstat()?,
        }
        let n = self.nvarstack() as u32;
        self.fs_mut().freereg = n;
        self.leave_level();
        Ok(())
    }
}
