//! `unwind`.
