//! Front end: lexer, parser and bytecode compiler (Lua 5.4 manual §3, §9).
//!
//! [`compile`] turns a chunk's source bytes into a [`FuncProto`] tree of Lua 5.4 bytecode
//! ([`crate::opcode`]) in one pass, as PUC-Lua's `lparser.c`/`lcode.c` do: [`lexer`] produces
//! tokens, `parser` recognises the grammar and drives `codegen`, which emits instructions,
//! allocates registers and folds constants.
//!
//! Invariants: `compile` never panics on any input; recursion depth is bounded (200 syntactic
//! levels, as `LUAI_MAXCCALLS`) and so is native stack use: parsing starts on the caller's
//! stack with a small budget and, only for inputs nested deeper than that budget allows, is
//! redone on a helper thread with a large stack, so the nesting limit is exactly Lua's whatever
//! stack the caller runs on (a coroutine's included); errors carry exactly PUC-Lua 5.4's message
//! text.

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
    let (r, stack_exhausted) = parser::Parser::parse_chunk(source, chunkname, CALLER_STACK_BUDGET);
    if !stack_exhausted {
        return r;
    }
    // Deeply nested source: parse again on a thread whose stack surely holds Lua's 200 levels.
    let overflow = || SyntaxError::new("C stack overflow".to_string());
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new()
            .stack_size(WORKER_STACK)
            .spawn_scoped(scope, || {
                parser::Parser::parse_chunk(source, chunkname, WORKER_STACK - WORKER_STACK / 4).0
            });
        match worker {
            Ok(handle) => handle.join().unwrap_or_else(|_| Err(overflow())),
            Err(_) => Err(overflow()),
        }
    })
}

/// Native stack the parser may use on the caller's thread. The VM keeps at least 160 KiB free
/// below Lua code on coroutine stacks, so this fits there; ordinary code nests far less deeply
/// than this allows (about 20 levels in debug builds, several times more optimised).
const CALLER_STACK_BUDGET: usize = 96 * 1024;

/// Stack of the helper thread used for inputs nesting deeper than the caller's budget allows:
/// 200 levels need about 1.2 MiB in debug builds (measured), far less optimised.
const WORKER_STACK: usize = 16 << 20;
