//! `blob`.
