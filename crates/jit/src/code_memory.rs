//! `code_memory`.
