//! `disasm`.
