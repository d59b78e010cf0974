//! `deopt`.
