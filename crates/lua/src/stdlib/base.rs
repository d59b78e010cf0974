//! The `base` library (Lua 5.4 manual §6).
