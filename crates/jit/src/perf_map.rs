//! `perf_map`.
