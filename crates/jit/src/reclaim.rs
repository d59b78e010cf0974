//! `reclaim`.
