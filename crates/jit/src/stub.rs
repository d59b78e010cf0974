//! `stub`.
