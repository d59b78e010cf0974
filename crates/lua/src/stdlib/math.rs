//! The `math` library (Lua 5.4 manual §6.7).
//!
//! [`random`] holds the xoshiro256** generator behind `math.random`.

pub mod random;
