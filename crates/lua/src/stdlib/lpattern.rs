//! Lua pattern matching engine (Lua 5.4 manual §6.4.1).
