//! `string.pack`/`string.unpack` format engine (Lua 5.4 manual §6.4.2).
