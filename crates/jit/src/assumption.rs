//! `assumption`.
