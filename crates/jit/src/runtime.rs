//! `runtime`.
