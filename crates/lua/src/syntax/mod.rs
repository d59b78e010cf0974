//! Front end: lexer, parser and bytecode compiler (Lua 5.4 manual §3, §9).
