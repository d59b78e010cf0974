//! Front end: lexer, parser and bytecode compiler (Lua 5.4 manual §3, §9).
//!
//! [`compile`] turns a chunk's source bytes into a [`FuncProto`] tree of Lua 5.4 bytecode
//! ([`crate::opcode`]) in one pass, as PUC-Lua's `lparser.c`/`lcode.c` do: [`lexer`] produces
//! tokens, `parser` recognises the grammar and drives `codegen`, which emits instructions,
//! allocates registers and folds constants.
//!
//! Invariants: `compile` never panics on any input; recursion depth is bounded (200 syntactic
//! levels, as `LUAI_MAXCCALLS`); errors carry exactly PUC-Lua 5.4's message text.

mod codegen;
pub mod lexer;
mod parser;

#[cfg(test)]
mod tests;

use crate::proto::FuncProto;

/// A compile-time error, with exactly the message Lua 5.4 produces, e.g.
/// `t.lua:3: '=' expected near 'x'` (chunk id, line, message and, for syntax errors, the token).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", String::from_utf8_lossy(&self.message))]
pub struct SyntaxError {
    /// The message as Lua bytes (the "near" part quotes source bytes, which may not be UTF-8).
    pub message: Vec<u8>,
}

impl SyntaxError {
    pub(crate) fn new(msg: String) -> SyntaxError {
        SyntaxError {
            message: msg.into_bytes(),
        }
    }
}

/// Compile a chunk (`luaY_parser`). `chunkname` is as given to `load` (`@file`, `=name`, or the
/// source itself) and is used for messages and stored in every proto's `source`.
///
/// The result is the main function: vararg, no parameters, one upvalue `_ENV` (in stack, index 0).
///
/// # Errors
/// A [`SyntaxError`] with Lua 5.4's message for lexical, syntactic and semantic errors (undefined
/// labels, assignment to `<const>` variables, limits on locals, upvalues and registers).
pub fn compile(source: &[u8], chunkname: &[u8]) -> Result<FuncProto, SyntaxError> {
    parser::Parser::parse_chunk(source, chunkname)
}
