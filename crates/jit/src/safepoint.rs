//! `safepoint`.
