//! `stackmap`.
