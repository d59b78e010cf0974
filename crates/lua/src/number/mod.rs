//! Lua number conversions: string → number ([`parse`], Lua 5.4 manual §3.1 and §3.4.3) and
//! number → string ([`format`], `LUAI_NUMFFORMAT` `"%.14g"` and `string.format` conversions).

pub mod format;
pub mod parse;
