//! `string.pack` / `string.unpack` / `string.packsize` format engine (Lua 5.4 manual §6.4.2).
//!
//! A format string is a sequence of options (`< > = ! [n] b B h H l L j J T i[n] I[n] f d n s[n]
//! z x X op c n` and spaces), read left to right with a running endianness and maximum alignment,
//! exactly as `lstrlib.c` reads them: errors surface when the reader reaches the bad option (so
//! options before it have already consumed their arguments), a NUL byte ends the format as it
//! does for C strings, and sizes/alignments are those of the x86-64 C ABI PUC-Lua is built with
//! (`int` 4, `long` 8, `size_t` 8, `lua_Integer` 8, maximum alignment 8).
//!
//! Argument values are obtained through [`PackSource`], so the VM binding applies Lua's own
//! coercions (`luaL_checkinteger` etc.); `[PackValue]` implements it for plain Rust use.
//! Errors carry the Lua argument they blame ([`PackError::arg`]) so the binding can format
//! `bad argument #n to 'string.pack' (msg)`; errors without an argument are raised as is.

use crate::vm::{LuaError, LuaResult, Value, Vm};
use std::borrow::Cow;
use std::fmt;

/// Largest size of an integral option, in bytes (`MAXINTSIZE`).
pub const MAXINTSIZE: usize = 16;
/// Size of `lua_Integer` in bytes (`SZINT`).
const SZINT: usize = 8;
/// Default maximum alignment for `!` (`offsetof(struct cD, u)` on x86-64).
const NATIVE_MAXALIGN: usize = 8;
/// Largest packed result (`MAXSIZE` in `lstrlib.c`: `INT_MAX` where `size_t` is wider).
const MAXSIZE: usize = i32::MAX as usize;
/// Padding byte (`LUAL_PACKPADBYTE`).
const PADBYTE: u8 = 0;

/// What went wrong while packing or unpacking. `Display` gives Lua 5.4's message text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PackErrorKind {
    /// `integral size (%d) out of limits [1,16]`.
    SizeOutOfLimits(i64),
    /// `invalid format option '%c'`.
    InvalidOption(u8),
    /// `missing size for format option 'c'`.
    MissingCSize,
    /// `invalid next option for option 'X'`.
    InvalidNextX,
    /// `format asks for alignment not power of 2`.
    AlignNotPowerOf2,
    /// `integer overflow` (signed value too large for its size).
    IntegerOverflow,
    /// `unsigned overflow` (unsigned value too large for its size).
    UnsignedOverflow,
    /// `string longer than given size` (`c` option).
    StringLongerThanSize,
    /// `string length does not fit in given size` (`s[n]` option).
    LengthDoesNotFit,
    /// `string contains zeros` (`z` option).
    StringContainsZeros,
    /// `variable-length format` (`packsize` of `s` or `z`).
    VariableLength,
    /// `format result too large` (`packsize`).
    ResultTooLarge,
    /// `data string too short` (`unpack`).
    DataTooShort,
    /// `unfinished string for format 'z'` (`unpack`).
    UnfinishedZ,
    /// `initial position out of string` (`unpack`).
    InitOutOfString,
    /// `%d-byte integer does not fit into Lua Integer` (`unpack`).
    IntDoesNotFit(usize),
}

impl fmt::Display for PackErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use PackErrorKind::*;
        match self {
            SizeOutOfLimits(n) => write!(f, "integral size ({n}) out of limits [1,{MAXINTSIZE}]"),
            InvalidOption(c) => write!(f, "invalid format option '{}'", *c as char),
            MissingCSize => f.write_str("missing size for format option 'c'"),
            InvalidNextX => f.write_str("invalid next option for option 'X'"),
            AlignNotPowerOf2 => f.write_str("format asks for alignment not power of 2"),
            IntegerOverflow => f.write_str("integer overflow"),
            UnsignedOverflow => f.write_str("unsigned overflow"),
            StringLongerThanSize => f.write_str("string longer than given size"),
            LengthDoesNotFit => f.write_str("string length does not fit in given size"),
            StringContainsZeros => f.write_str("string contains zeros"),
            VariableLength => f.write_str("variable-length format"),
            ResultTooLarge => f.write_str("format result too large"),
            DataTooShort => f.write_str("data string too short"),
            UnfinishedZ => f.write_str("unfinished string for format 'z'"),
            InitOutOfString => f.write_str("initial position out of string"),
            IntDoesNotFit(n) => write!(f, "{n}-byte integer does not fit into Lua Integer"),
        }
    }
}

/// An error of the pack engine: the kind plus, for argument errors (`luaL_argerror`), the
/// 1-based Lua argument index it blames (1 is the format string).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackError {
    /// Argument blamed (`bad argument #arg to ...`), or `None` for a plain `luaL_error`.
    pub arg: Option<usize>,
    /// What went wrong.
    pub kind: PackErrorKind,
}

impl PackError {
    fn plain(kind: PackErrorKind) -> Self {
        PackError { arg: None, kind }
    }
    fn at_arg(arg: usize, kind: PackErrorKind) -> Self {
        PackError {
            arg: Some(arg),
            kind,
        }
    }
}

impl fmt::Display for PackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.arg {
            Some(a) => write!(f, "bad argument #{a} ({})", self.kind),
            None => write!(f, "{}", self.kind),
        }
    }
}

impl std::error::Error for PackError {}

/// A value for `pack` / from `unpack` in plain Rust use.
#[derive(Clone, Debug, PartialEq)]
pub enum PackValue {
    /// A Lua integer.
    Int(i64),
    /// A Lua float.
    Float(f64),
    /// A Lua string.
    Str(Vec<u8>),
}

/// One value produced by [`unpack`]; strings borrow the data.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Unpacked<'d> {
    /// An integer (`b B h H l L j J T i I`, and never for floats).
    Int(i64),
    /// A float (`f d n`).
    Float(f64),
    /// A string (`c s z`), borrowed from the data string.
    Str(&'d [u8]),
}

/// Where `pack` gets its arguments from. `arg` is the Lua argument index (2 for the first value
/// after the format). Implementations apply Lua's coercions and report their own errors
/// (e.g. `number expected, got nil`).
pub trait PackSource {
    /// Error type of the source (e.g. the VM's error).
    type Error;
    /// Converts an engine error into [`PackSource::Error`].
    fn raise(&mut self, e: PackError) -> Self::Error;
    /// `luaL_checkinteger(arg)`.
    fn integer(&mut self, arg: usize) -> Result<i64, Self::Error>;
    /// `luaL_checknumber(arg)`.
    fn number(&mut self, arg: usize) -> Result<f64, Self::Error>;
    /// `luaL_checklstring(arg)`.
    fn string(&mut self, arg: usize) -> Result<Cow<'_, [u8]>, Self::Error>;
}

/// Errors of the plain-Rust [`PackSource`] over `[PackValue]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SliceSourceError {
    /// An engine error.
    Pack(PackError),
    /// A value of the wrong type (or missing) at the given Lua argument index; the text is the
    /// `luaL_typeerror`-style reason (`number expected, got no value`, `number has no integer
    /// representation`).
    BadArg(usize, &'static str),
}

impl PackSource for &[PackValue] {
    type Error = SliceSourceError;

    fn raise(&mut self, e: PackError) -> SliceSourceError {
        SliceSourceError::Pack(e)
    }

    fn integer(&mut self, arg: usize) -> Result<i64, SliceSourceError> {
        match self.get(arg - 2) {
            Some(PackValue::Int(i)) => Ok(*i),
            Some(PackValue::Float(f)) => {
                if f.fract() == 0.0 && *f >= -(2f64.powi(63)) && *f < 2f64.powi(63) {
                    Ok(*f as i64)
                } else {
                    Err(SliceSourceError::BadArg(
                        arg,
                        "number has no integer representation",
                    ))
                }
            }
            Some(PackValue::Str(_)) => Err(SliceSourceError::BadArg(arg, "number expected")),
            None => Err(SliceSourceError::BadArg(
                arg,
                "number expected, got no value",
            )),
        }
    }

    fn number(&mut self, arg: usize) -> Result<f64, SliceSourceError> {
        match self.get(arg - 2) {
            Some(PackValue::Int(i)) => Ok(*i as f64),
            Some(PackValue::Float(f)) => Ok(*f),
            Some(PackValue::Str(_)) => Err(SliceSourceError::BadArg(arg, "number expected")),
            None => Err(SliceSourceError::BadArg(
                arg,
                "number expected, got no value",
            )),
        }
    }

    fn string(&mut self, arg: usize) -> Result<Cow<'_, [u8]>, SliceSourceError> {
        match self.get(arg - 2) {
            Some(PackValue::Str(s)) => Ok(Cow::Borrowed(s)),
            Some(PackValue::Int(i)) => Ok(Cow::Owned(i.to_string().into_bytes())),
            Some(PackValue::Float(_)) | None => {
                Err(SliceSourceError::BadArg(arg, "string expected"))
            }
        }
    }
}

/// The kind of one format option (`KOption`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KOption {
    Int,
    Uint,
    Float,
    Number,
    Double,
    Char,
    String,
    Zstr,
    Padding,
    PaddAlign,
    Nop,
}

/// The running state of a format reader (`Header` plus the format cursor).
struct FormatReader<'f> {
    fmt: &'f [u8],
    pos: usize,
    little: bool,
    maxalign: usize,
}

impl<'f> FormatReader<'f> {
    fn new(fmt: &'f [u8]) -> Self {
        // A NUL ends the format, as for the C string `lstrlib.c` reads.
        let end = fmt.iter().position(|&c| c == 0).unwrap_or(fmt.len());
        FormatReader {
            fmt: &fmt[..end],
            pos: 0,
            little: cfg!(target_endian = "little"),
            maxalign: 1,
        }
    }

    fn at_end(&self) -> bool {
        self.pos >= self.fmt.len()
    }

    fn peek(&self) -> u8 {
        self.fmt.get(self.pos).copied().unwrap_or(0)
    }

    /// `getnum`: an optional decimal size, read while it stays below the `int` limit.
    fn getnum(&mut self, default: i64) -> i64 {
        if !self.peek().is_ascii_digit() {
            return default;
        }
        let mut a: i64 = 0;
        loop {
            a = a * 10 + (self.peek() - b'0') as i64;
            self.pos += 1;
            if !(self.peek().is_ascii_digit() && a <= (MAXSIZE as i64 - 9) / 10) {
                return a;
            }
        }
    }

    /// `getnumlimit`: a size in `[1, MAXINTSIZE]`.
    fn getnumlimit(&mut self, default: usize) -> Result<usize, PackError> {
        let sz = self.getnum(default as i64);
        if sz > MAXINTSIZE as i64 || sz <= 0 {
            return Err(PackError::plain(PackErrorKind::SizeOutOfLimits(sz)));
        }
        Ok(sz as usize)
    }

    /// `getoption`: reads one option, returning its kind and size.
    fn getoption(&mut self) -> Result<(KOption, usize), PackError> {
        let opt = self.peek();
        self.pos += 1;
        Ok(match opt {
            b'b' => (KOption::Int, 1),
            b'B' => (KOption::Uint, 1),
            b'h' => (KOption::Int, 2),
            b'H' => (KOption::Uint, 2),
            b'l' | b'j' => (KOption::Int, 8),
            b'L' | b'J' | b'T' => (KOption::Uint, 8),
            b'f' => (KOption::Float, 4),
            b'n' => (KOption::Number, 8),
            b'd' => (KOption::Double, 8),
            b'i' => (KOption::Int, self.getnumlimit(4)?),
            b'I' => (KOption::Uint, self.getnumlimit(4)?),
            b's' => (KOption::String, self.getnumlimit(8)?),
            b'c' => {
                let n = self.getnum(-1);
                if n == -1 {
                    return Err(PackError::plain(PackErrorKind::MissingCSize));
                }
                (KOption::Char, n as usize)
            }
            b'z' => (KOption::Zstr, 0),
            b'x' => (KOption::Padding, 1),
            b'X' => (KOption::PaddAlign, 0),
            b' ' => (KOption::Nop, 0),
            b'<' => {
                self.little = true;
                (KOption::Nop, 0)
            }
            b'>' => {
                self.little = false;
                (KOption::Nop, 0)
            }
            b'=' => {
                self.little = cfg!(target_endian = "little");
                (KOption::Nop, 0)
            }
            b'!' => {
                self.maxalign = self.getnumlimit(NATIVE_MAXALIGN)?;
                (KOption::Nop, 0)
            }
            c => return Err(PackError::plain(PackErrorKind::InvalidOption(c))),
        })
    }

    /// `getdetails`: reads one option and computes the padding needed before it when the
    /// output so far is `total` bytes. Returns (kind, size, padding).
    fn getdetails(&mut self, total: usize) -> Result<(KOption, usize, usize), PackError> {
        let (opt, size) = self.getoption()?;
        let mut align = size;
        if opt == KOption::PaddAlign {
            if self.at_end() {
                return Err(PackError::at_arg(1, PackErrorKind::InvalidNextX));
            }
            let (next, nsize) = self.getoption()?;
            align = nsize;
            if next == KOption::Char || align == 0 {
                return Err(PackError::at_arg(1, PackErrorKind::InvalidNextX));
            }
        }
        let ntoalign = if align <= 1 || opt == KOption::Char {
            0
        } else {
            let align = align.min(self.maxalign);
            if !align.is_power_of_two() {
                return Err(PackError::at_arg(1, PackErrorKind::AlignNotPowerOf2));
            }
            (align - (total & (align - 1))) & (align - 1)
        };
        Ok((opt, size, ntoalign))
    }
}

/// `packint`: the low `size` bytes of `n` in the given byte order, sign-extended past 8 bytes.
fn packint(out: &mut Vec<u8>, n: u64, little: bool, size: usize, neg: bool) {
    let start = out.len();
    out.resize(start + size, 0);
    let buf = &mut out[start..];
    for i in 0..size {
        let byte = if i < SZINT {
            (n >> (8 * i)) as u8
        } else if neg {
            0xff
        } else {
            0
        };
        buf[if little { i } else { size - 1 - i }] = byte;
    }
}

/// `unpackint`: reads a `size`-byte integer; errors if it does not fit in 64 bits.
fn unpackint(data: &[u8], little: bool, size: usize, signed: bool) -> Result<i64, PackError> {
    let byte = |i: usize| data[if little { i } else { size - 1 - i }];
    let limit = size.min(SZINT);
    let mut res: u64 = 0;
    for i in (0..limit).rev() {
        res = (res << 8) | byte(i) as u64;
    }
    if size < SZINT {
        if signed {
            let mask = 1u64 << (size * 8 - 1);
            res = (res ^ mask).wrapping_sub(mask);
        }
    } else if size > SZINT {
        let mask = if !signed || (res as i64) >= 0 {
            0
        } else {
            0xff
        };
        if (limit..size).any(|i| byte(i) != mask) {
            return Err(PackError::plain(PackErrorKind::IntDoesNotFit(size)));
        }
    }
    Ok(res as i64)
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8], little: bool) {
    // `bytes` are in native (little-endian on our targets) order.
    if little == cfg!(target_endian = "little") {
        out.extend_from_slice(bytes);
    } else {
        out.extend(bytes.iter().rev());
    }
}

/// `string.pack(fmt, ...)`: packs the values of `src` (Lua arguments 2, 3, ...) per `fmt`.
pub fn pack<S: PackSource>(fmt: &[u8], src: &mut S) -> Result<Vec<u8>, S::Error> {
    let mut out = Vec::new();
    pack_into(fmt, src, &mut out)?;
    Ok(out)
}

/// As [`pack`], appending the result to `out` (a reused buffer saves an allocation per call).
pub fn pack_into<S: PackSource>(
    fmt: &[u8],
    src: &mut S,
    out: &mut Vec<u8>,
) -> Result<(), S::Error> {
    let mut r = FormatReader::new(fmt);
    let mut arg = 1usize;
    let mut total = 0usize;
    while !r.at_end() {
        let (opt, size, ntoalign) = r.getdetails(total).map_err(|e| src.raise(e))?;
        total = total.saturating_add(ntoalign).saturating_add(size);
        out.resize(out.len() + ntoalign, PADBYTE);
        arg += 1;
        match opt {
            KOption::Int => {
                let n = src.integer(arg)?;
                if size < SZINT {
                    let lim = 1i64 << (size * 8 - 1);
                    if !(-lim <= n && n < lim) {
                        return Err(
                            src.raise(PackError::at_arg(arg, PackErrorKind::IntegerOverflow))
                        );
                    }
                }
                packint(out, n as u64, r.little, size, n < 0);
            }
            KOption::Uint => {
                let n = src.integer(arg)?;
                if size < SZINT && (n as u64) >= (1u64 << (size * 8)) {
                    return Err(src.raise(PackError::at_arg(arg, PackErrorKind::UnsignedOverflow)));
                }
                packint(out, n as u64, r.little, size, false);
            }
            KOption::Float => {
                let f = src.number(arg)? as f32;
                put_bytes(out, &f.to_le_bytes(), r.little);
            }
            KOption::Number | KOption::Double => {
                let f = src.number(arg)?;
                put_bytes(out, &f.to_le_bytes(), r.little);
            }
            KOption::Char => {
                let s = src.string(arg)?;
                if s.len() > size {
                    return Err(
                        src.raise(PackError::at_arg(arg, PackErrorKind::StringLongerThanSize))
                    );
                }
                out.extend_from_slice(&s);
                out.resize(out.len() + (size - s.len()), PADBYTE);
            }
            KOption::String => {
                let s = src.string(arg)?;
                if size < 8 && (s.len() as u64) >= (1u64 << (size * 8)) {
                    return Err(src.raise(PackError::at_arg(arg, PackErrorKind::LengthDoesNotFit)));
                }
                packint(out, s.len() as u64, r.little, size, false);
                out.extend_from_slice(&s);
                total = total.saturating_add(s.len());
            }
            KOption::Zstr => {
                let s = src.string(arg)?;
                if s.contains(&0) {
                    return Err(
                        src.raise(PackError::at_arg(arg, PackErrorKind::StringContainsZeros))
                    );
                }
                out.extend_from_slice(&s);
                out.push(0);
                total = total.saturating_add(s.len() + 1);
            }
            KOption::Padding => {
                out.push(PADBYTE);
                arg -= 1;
            }
            KOption::PaddAlign | KOption::Nop => arg -= 1,
        }
    }
    Ok(())
}

/// `string.packsize(fmt)`: the size of a pack result; errors on `s`/`z` (variable length) and
/// on results above `INT_MAX` bytes.
pub fn packsize(fmt: &[u8]) -> Result<usize, PackError> {
    let mut r = FormatReader::new(fmt);
    let mut total = 0usize;
    while !r.at_end() {
        let (opt, size, ntoalign) = r.getdetails(total)?;
        if matches!(opt, KOption::String | KOption::Zstr) {
            return Err(PackError::at_arg(1, PackErrorKind::VariableLength));
        }
        let size = size + ntoalign;
        if size > MAXSIZE || total > MAXSIZE - size {
            return Err(PackError::at_arg(1, PackErrorKind::ResultTooLarge));
        }
        total += size;
    }
    Ok(total)
}

/// `string.unpack(fmt, data, init)`: the unpacked values and the 0-based offset after the last
/// byte read (Lua returns it plus one). `init` is Lua's 1-based (possibly negative) position.
pub fn unpack<'d>(
    fmt: &[u8],
    data: &'d [u8],
    init: i64,
) -> Result<(Vec<Unpacked<'d>>, usize), PackError> {
    let mut out = Vec::new();
    let next = unpack_each(fmt, data, init, |v| {
        out.push(v);
        true
    })?;
    Ok((out, next.expect("the sink never stops")))
}

/// As [`unpack`], handing each value to `emit` as soon as it is read (no intermediate vector).
/// `emit` returns `false` to stop (e.g. no room for more results): then `Ok(None)`. Errors in
/// the format or data found before that are returned as by [`unpack`].
pub fn unpack_each<'d>(
    fmt: &[u8],
    data: &'d [u8],
    init: i64,
    mut emit: impl FnMut(Unpacked<'d>) -> bool,
) -> Result<Option<usize>, PackError> {
    let ld = data.len();
    let mut pos = super::lpattern::start_offset(init, ld);
    if pos > ld {
        return Err(PackError::at_arg(3, PackErrorKind::InitOutOfString));
    }
    let mut r = FormatReader::new(fmt);
    let too_short = || PackError::at_arg(2, PackErrorKind::DataTooShort);
    while !r.at_end() {
        let (opt, size, ntoalign) = r.getdetails(pos)?;
        if ntoalign.saturating_add(size) > ld - pos {
            return Err(too_short());
        }
        pos += ntoalign;
        let here = &data[pos..pos + size];
        match opt {
            KOption::Int | KOption::Uint => {
                let v = unpackint(here, r.little, size, opt == KOption::Int)?;
                if !emit(Unpacked::Int(v)) {
                    return Ok(None);
                }
            }
            KOption::Float => {
                let mut b: [u8; 4] = here.try_into().expect("size 4");
                if r.little != cfg!(target_endian = "little") {
                    b.reverse();
                }
                if !emit(Unpacked::Float(f32::from_le_bytes(b) as f64)) {
                    return Ok(None);
                }
            }
            KOption::Number | KOption::Double => {
                let mut b: [u8; 8] = here.try_into().expect("size 8");
                if r.little != cfg!(target_endian = "little") {
                    b.reverse();
                }
                if !emit(Unpacked::Float(f64::from_le_bytes(b))) {
                    return Ok(None);
                }
            }
            KOption::Char => {
                if !emit(Unpacked::Str(here)) {
                    return Ok(None);
                }
            }
            KOption::String => {
                let len = unpackint(here, r.little, size, false)? as u64;
                if len > (ld - pos - size) as u64 {
                    return Err(too_short());
                }
                let len = len as usize;
                if !emit(Unpacked::Str(&data[pos + size..pos + size + len])) {
                    return Ok(None);
                }
                pos += len;
            }
            KOption::Zstr => {
                let len = data[pos..].iter().position(|&c| c == 0).unwrap_or(ld - pos);
                if pos + len >= ld {
                    return Err(PackError::at_arg(2, PackErrorKind::UnfinishedZ));
                }
                if !emit(Unpacked::Str(&data[pos..pos + len])) {
                    return Ok(None);
                }
                pos += len + 1;
            }
            KOption::PaddAlign | KOption::Padding | KOption::Nop => {}
        }
        pos += size;
    }
    Ok(Some(pos))
}

// ----- Lua bindings (`string.pack`, `unpack`, `packsize`) ---------------------------------------

/// Raises an engine error: `luaL_argerror` when it blames an argument, else `luaL_error`.
fn raise(vm: &mut Vm, e: PackError) -> LuaError {
    let msg = e.kind.to_string();
    match e.arg {
        Some(a) => vm.arg_error(a, &msg),
        None => vm.error(&msg),
    }
}

/// [`PackSource`] over the arguments of the running native (Lua's coercions and messages).
struct VmArgs<'v>(&'v mut Vm);

impl PackSource for VmArgs<'_> {
    type Error = LuaError;
    fn raise(&mut self, e: PackError) -> LuaError {
        raise(self.0, e)
    }
    fn integer(&mut self, arg: usize) -> LuaResult<i64> {
        self.0.check_integer(arg)
    }
    fn number(&mut self, arg: usize) -> LuaResult<f64> {
        self.0.check_number(arg)
    }
    fn string(&mut self, arg: usize) -> LuaResult<Cow<'_, [u8]>> {
        Ok(Cow::Borrowed(self.0.check_string(arg)?.as_bytes()))
    }
}

/// `string.pack(fmt, v1, v2, ...)`.
pub fn str_pack(vm: &mut Vm) -> LuaResult<usize> {
    let fmt = vm.check_string(1)?.as_bytes();
    // Like `str_pack`'s `lua_pushnil` mark: the first missing value reads as nil, not "no value".
    vm.push(Value::NIL);
    // The VM's scratch buffer is borrowed for the result (nothing below needs it meanwhile;
    // a number-to-string coercion finds an empty one and allocates its own).
    let mut out = std::mem::take(&mut vm.scratch);
    out.clear();
    let r = pack_into(fmt, &mut VmArgs(vm), &mut out);
    if r.is_ok() {
        let v = vm.new_str(&out);
        vm.push(v);
    }
    vm.scratch = out;
    r.map(|()| 1)
}

/// `string.packsize(fmt)`.
pub fn str_packsize(vm: &mut Vm) -> LuaResult<usize> {
    let fmt = vm.check_string(1)?.as_bytes();
    let n = packsize(fmt).map_err(|e| raise(vm, e))?;
    vm.push(Value::int(n as i64));
    Ok(1)
}

/// `string.unpack(fmt, s [, pos])`: the values, then the position after the last byte read.
pub fn str_unpack(vm: &mut Vm) -> LuaResult<usize> {
    let fmt = vm.check_string(1)?.as_bytes();
    let data = vm.check_string(2)?.as_bytes();
    let init = vm.opt_integer(3, 1)?;
    let mut n = 0usize;
    // Each value is pushed as soon as it is read (`luaL_checkstack` per value, as lstrlib.c).
    let r = unpack_each(fmt, data, init, |v| {
        if vm.ensure_stack(2).is_err() {
            return false;
        }
        let v = match v {
            Unpacked::Int(i) => Value::int(i),
            Unpacked::Float(f) => Value::float(f),
            Unpacked::Str(s) => vm.new_str(s),
        };
        vm.push(v);
        n += 1;
        true
    });
    match r {
        Ok(Some(next)) => {
            vm.push(Value::int(next as i64 + 1));
            Ok(n + 1)
        }
        Ok(None) => Err(vm.error("stack overflow (too many results)")),
        Err(e) => Err(raise(vm, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packint_sign_extends_wide_sizes() {
        let mut v = Vec::new();
        packint(&mut v, (-2i64) as u64, true, 12, true);
        assert_eq!(
            v,
            [
                0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff
            ]
        );
        assert_eq!(unpackint(&v, true, 12, true), Ok(-2));
        assert!(unpackint(&v, true, 12, false).is_err());
    }

    #[test]
    fn nul_ends_format() {
        let vals = [PackValue::Int(1), PackValue::Int(2)];
        assert_eq!(pack(b"<i4\0i4", &mut &vals[..]), Ok(vec![1, 0, 0, 0]));
    }
}
