//! Lua number conversions: string → number ([`parse`], Lua 5.4 manual §3.1 and §3.4.3) and
//! number → string ([`format`], `LUAI_NUMFFORMAT` `"%.14g"` and `string.format` conversions).

pub mod format;
pub mod parse;

/// A Lua number: the two subtypes of type `number` (Lua 5.4 manual §2.1).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Number {
    /// A 64-bit two's-complement integer (wraps around on overflow).
    Int(i64),
    /// An IEEE-754 double.
    Float(f64),
}
