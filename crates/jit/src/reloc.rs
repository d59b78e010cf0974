//! `reloc`.
