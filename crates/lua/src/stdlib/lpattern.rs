//! Lua pattern matching engine (Lua 5.4 manual §6.4.1), over raw bytes.
//!
//! This is the engine behind `string.find`, `string.match`, `string.gmatch` and `string.gsub`.
//! It is a backtracking matcher that follows the semantics PUC-Lua 5.4 exhibits (`lstrlib.c`),
//! including its observable quirks, because Lua programs and the conformance suite depend on them:
//!
//! * Pattern errors are detected **lazily**, when the matcher reaches the offending item, exactly
//!   as Lua does: `string.find("b", "a%")` returns no match instead of raising an error, while
//!   `string.find("a", "a%")` raises `malformed pattern (ends with '%')`.
//! * Recursion is bounded by [`MAXCCALLS`] (200) nested matcher calls; beyond that the match fails
//!   with [`PatternError::TooComplex`] (`pattern too complex`) instead of overflowing the Rust stack.
//! * At most [`MAXCAPTURES`] (32) captures (`too many captures`).
//! * Character classes are those of the C locale (ASCII only); `%s` includes `\v`, and the
//!   deprecated `%z` (the NUL byte) is still accepted as 5.4 does.
//! * `gmatch` and `gsub` skip an empty match that ends where the previous match ended (5.4 rule).
//! * In `gmatch` a leading `^` is **not** an anchor (5.4 treats it as a literal `^`); in `find`,
//!   `match` and `gsub` it anchors the match at the start position.
//!
//! Beyond `lstrlib.c`, scans (`find`, `match`, `gmatch`, `gsub`) skip start positions where a
//! leading single-character class cannot match ([`MatchState::next_candidate`]; a byte search
//! for a literal), without changing any result or error: at such positions Lua's matcher fails
//! at once, before reaching anything that could raise. Rare items (`%b`, `%f`, back-references,
//! captures, set scanning) live outside the matcher's hot frame, which keeps recursion cheap
//! (about 1 KiB of native stack per level unoptimised, far less optimised).
//!
//! Invariants: the matcher never allocates per step; captures live in a fixed array of
//! [`MAXCAPTURES`] entries inside [`MatchState`]. All positions exchanged with callers are
//! **0-based byte offsets** into the subject; Lua's 1-based positions are `offset + 1`.

use std::borrow::Cow;
use std::fmt;

/// Maximum number of captures in one pattern (`LUA_MAXCAPTURES` in `luaconf.h`).
pub const MAXCAPTURES: usize = 32;

/// Maximum nesting of matcher calls before `pattern too complex` (`MAXCCALLS` in `lstrlib.c`).
pub const MAXCCALLS: usize = 200;

/// The escape character of Lua patterns.
const L_ESC: u8 = b'%';

/// Characters whose presence makes `string.find` use the pattern matcher instead of a plain
/// substring search (`SPECIALS` in `lstrlib.c`).
const SPECIALS: &[u8] = b"^$*+?.([%-";

/// Capture length marker: capture opened but not yet closed.
const CAP_UNFINISHED: isize = -1;
/// Capture length marker: position capture `()`.
const CAP_POSITION: isize = -2;

/// An error raised while matching or expanding a pattern. `Display` gives Lua 5.4's exact message
/// (as raised by `lstrlib.c`, without position information, which Lua does not add for errors
/// raised inside C functions).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PatternError {
    /// A pattern ends with a lone `%`.
    EndsWithPercent,
    /// A set `[...]` is not closed.
    MissingBracket,
    /// `%b` is not followed by two characters.
    MissingBalanceArgs,
    /// `%f` is not followed by a set `[...]`.
    MissingFrontierSet,
    /// A back-reference `%n` (or `%n` in a replacement string) names a capture that does not
    /// exist or is still open. Holds the 1-based index as Lua prints it (may be 0 or negative).
    InvalidCaptureIndex(i32),
    /// A `)` closes no open capture.
    InvalidPatternCapture,
    /// A capture was never closed but its value was requested.
    UnfinishedCapture,
    /// More than [`MAXCAPTURES`] captures.
    TooManyCaptures,
    /// More than [`MAXCCALLS`] nested matcher calls.
    TooComplex,
    /// A `%` in a `gsub` replacement string not followed by a digit or `%`.
    InvalidReplacementPercent,
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PatternError::EndsWithPercent => f.write_str("malformed pattern (ends with '%')"),
            PatternError::MissingBracket => f.write_str("malformed pattern (missing ']')"),
            PatternError::MissingBalanceArgs => {
                f.write_str("malformed pattern (missing arguments to '%b')")
            }
            PatternError::MissingFrontierSet => f.write_str("missing '[' after '%f' in pattern"),
            PatternError::InvalidCaptureIndex(n) => write!(f, "invalid capture index %{n}"),
            PatternError::InvalidPatternCapture => f.write_str("invalid pattern capture"),
            PatternError::UnfinishedCapture => f.write_str("unfinished capture"),
            PatternError::TooManyCaptures => f.write_str("too many captures"),
            PatternError::TooComplex => f.write_str("pattern too complex"),
            PatternError::InvalidReplacementPercent => {
                f.write_str("invalid use of '%' in replacement string")
            }
        }
    }
}

impl std::error::Error for PatternError {}

/// One capture value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Capture {
    /// A substring capture: the 0-based half-open byte range `start..end` of the subject.
    Slice(usize, usize),
    /// A position capture `()`: the 0-based byte offset; Lua returns `offset + 1`.
    Position(usize),
}

impl Capture {
    /// The bytes of a [`Capture::Slice`] in `src`, or `None` for a position capture.
    pub fn bytes<'s>(&self, src: &'s [u8]) -> Option<&'s [u8]> {
        match *self {
            Capture::Slice(a, b) => src.get(a..b),
            Capture::Position(_) => None,
        }
    }
}

/// One capture slot: start offset and length, or a `CAP_*` marker in `len`.
#[derive(Clone, Copy, Debug, Default)]
struct RawCapture {
    init: usize,
    len: isize,
}

/// Result of one matcher step: `Ok(Some(end))` on success, `Ok(None)` on failure.
type Step = Result<Option<usize>, PatternError>;

/// The state of one match attempt of `pat` against `src` (`MatchState` in `lstrlib.c`).
///
/// Reusable across attempts at different start positions; [`MatchState::match_at`] resets the
/// captures and the recursion budget.
pub struct MatchState<'a> {
    src: &'a [u8],
    pat: &'a [u8],
    level: usize,
    depth_left: usize,
    capture: [RawCapture; MAXCAPTURES],
    /// Start filter: when the pattern begins with a single-character class that must match at
    /// least once (no `*`, `?`, `-` suffix), the end of that class in `pat`; `first_lit` is its
    /// byte when it is a plain literal. Positions where it fails can be skipped without calling
    /// the matcher: there `do_match` would fail at once, before any error check.
    first_end: Option<usize>,
    first_lit: Option<u8>,
}

impl fmt::Debug for MatchState<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MatchState")
            .field("src_len", &self.src.len())
            .field("pat", &String::from_utf8_lossy(self.pat))
            .field("level", &self.level)
            .finish()
    }
}

/// Whether byte `c` belongs to class letter `cl` (`%a`, `%d`, ...; upper case complements),
/// in the C locale. Any other letter matches itself.
#[inline(always)]
fn match_class(c: u8, cl: u8) -> bool {
    let res = match cl.to_ascii_lowercase() {
        b'a' => c.is_ascii_alphabetic(),
        b'c' => c.is_ascii_control(),
        b'd' => c.is_ascii_digit(),
        b'g' => c.is_ascii_graphic(),
        b'l' => c.is_ascii_lowercase(),
        b'p' => c.is_ascii_punctuation(),
        // C isspace: ' ', \t, \n, \v, \f, \r (Rust's is_ascii_whitespace lacks \v).
        b's' => c == b' ' || (b'\t'..=b'\r').contains(&c),
        b'u' => c.is_ascii_uppercase(),
        b'w' => c.is_ascii_alphanumeric(),
        b'x' => c.is_ascii_hexdigit(),
        b'z' => c == 0, // deprecated in 5.2 but still accepted by 5.4
        _ => return cl == c,
    };
    if cl.is_ascii_uppercase() { !res } else { res }
}

impl<'a> MatchState<'a> {
    /// A fresh state for matching `pat` (without any leading `^` already handled by the caller)
    /// against `src`.
    pub fn new(src: &'a [u8], pat: &'a [u8]) -> Self {
        let mut ms = MatchState {
            src,
            pat,
            level: 0,
            depth_left: MAXCCALLS,
            capture: [RawCapture::default(); MAXCAPTURES],
            first_end: None,
            first_lit: None,
        };
        ms.first_end = ms.simple_first_item();
        if ms.first_end == Some(1) && !matches!(pat[0], b'.' | L_ESC | b'[') {
            ms.first_lit = Some(pat[0]);
        }
        ms
    }

    /// End of the leading single-character class if the pattern starts with one that must
    /// match at least once, else `None` (captures, `%b`, `%f`, back-references, a lone `$`,
    /// optional suffixes, or a malformed class, whose error the first attempt must raise).
    fn simple_first_item(&self) -> Option<usize> {
        let c = *self.pat.first()?;
        match c {
            b'(' | b')' => return None,
            b'$' if self.pat.len() == 1 => return None,
            L_ESC if matches!(self.p(1), b'b' | b'f' | b'0'..=b'9') => return None,
            _ => {}
        }
        let ep = self.class_end(0).ok()?;
        if matches!(self.p(ep), b'*' | b'?' | b'-') {
            return None;
        }
        Some(ep)
    }

    /// The first position `>= s` where a match may start, or `len + 1` if none can (see
    /// `first_end`). Every position skipped would make [`MatchState::match_at`] return
    /// `Ok(None)`, so callers may use this to scan without changing results or errors.
    #[inline]
    pub fn next_candidate(&self, s: usize) -> usize {
        let Some(ep) = self.first_end else {
            return s;
        };
        let n = self.src.len();
        if s >= n {
            return n + 1;
        }
        let found = match self.first_lit {
            Some(c) => self.src[s..].iter().position(|&b| b == c),
            None => (s..n).position(|i| self.single_match(i, 0, ep)),
        };
        found.map_or(n + 1, |k| s + k)
    }

    /// Tries to match the whole pattern starting exactly at byte offset `start` of the subject.
    /// Returns the end offset of the match. Captures are available afterwards via
    /// [`MatchState::captures`] / [`MatchState::get_capture`].
    pub fn match_at(&mut self, start: usize) -> Step {
        self.level = 0;
        self.depth_left = MAXCCALLS;
        self.do_match(start, 0)
    }

    /// Pattern byte at `i`, or 0 past the end (C strings are NUL-terminated; Lua relies on it).
    #[inline(always)]
    fn p(&self, i: usize) -> u8 {
        self.pat.get(i).copied().unwrap_or(0)
    }

    /// Subject byte at `i`, or 0 past the end.
    #[inline(always)]
    fn s(&self, i: usize) -> u8 {
        self.src.get(i).copied().unwrap_or(0)
    }

    /// End of the single-character class starting at `p` (`classEnd`).
    #[inline(always)]
    fn class_end(&self, mut p: usize) -> Result<usize, PatternError> {
        let c = self.p(p);
        p += 1;
        match c {
            L_ESC => {
                if p >= self.pat.len() {
                    return Err(PatternError::EndsWithPercent);
                }
                Ok(p + 1)
            }
            b'[' => self.set_end(p),
            _ => Ok(p),
        }
    }

    /// End of a set whose body starts at `p` (just after `[`): the offset after its `]`.
    #[inline(never)]
    fn set_end(&self, mut p: usize) -> Result<usize, PatternError> {
        if self.p(p) == b'^' {
            p += 1;
        }
        // Look for the closing ']'; the first character is always part of the set.
        loop {
            if p >= self.pat.len() {
                return Err(PatternError::MissingBracket);
            }
            let c = self.pat[p];
            p += 1;
            if c == L_ESC && p < self.pat.len() {
                p += 1; // skip escapes such as '%]'
            }
            if self.p(p) == b']' {
                break;
            }
        }
        Ok(p + 1)
    }

    /// Whether `c` belongs to the set `[...]` spanning `p..=ec` (`p` at '[', `ec` at ']').
    #[inline(never)]
    fn match_bracket_class(&self, c: u8, mut p: usize, ec: usize) -> bool {
        let pat = self.pat;
        let mut sig = true;
        if self.p(p + 1) == b'^' {
            sig = false;
            p += 1;
        }
        loop {
            p += 1;
            if p >= ec {
                break;
            }
            let pc = pat[p];
            if pc == L_ESC {
                p += 1;
                if match_class(c, self.p(p)) {
                    return sig;
                }
            } else if self.p(p + 1) == b'-' && p + 2 < ec {
                p += 2;
                if pc <= c && c <= pat[p] {
                    return sig;
                }
            } else if pc == c {
                return sig;
            }
        }
        !sig
    }

    /// Whether the subject byte at `s` matches the single-character class `p..ep`.
    #[inline(always)]
    fn single_match(&self, s: usize, p: usize, ep: usize) -> bool {
        let Some(&c) = self.src.get(s) else {
            return false;
        };
        match self.pat[p] {
            b'.' => true,
            L_ESC => match_class(c, self.p(p + 1)),
            b'[' => self.match_bracket_class(c, p, ep - 1),
            pc => pc == c,
        }
    }

    /// The matcher proper (`match` in `lstrlib.c`): matches `pat[p..]` at `src[s..]`.
    fn do_match(&mut self, s: usize, p: usize) -> Step {
        if self.depth_left == 0 {
            return Err(PatternError::TooComplex);
        }
        self.depth_left -= 1;
        let r = self.do_match_body(s, p);
        self.depth_left += 1;
        r
    }

    fn do_match_body(&mut self, mut s: usize, mut p: usize) -> Step {
        let plen = self.pat.len();
        loop {
            if p >= plen {
                return Ok(Some(s));
            }
            match self.pat[p] {
                b'(' => {
                    return if self.p(p + 1) == b')' {
                        self.start_capture(s, p + 2, CAP_POSITION)
                    } else {
                        self.start_capture(s, p + 1, CAP_UNFINISHED)
                    };
                }
                b')' => return self.end_capture(s, p + 1),
                b'$' if p + 1 == plen => {
                    return Ok(if s == self.src.len() { Some(s) } else { None });
                }
                L_ESC if self.p(p + 1) == b'b' => match self.match_balance(s, p + 2)? {
                    Some(e) => {
                        s = e;
                        p += 4;
                        continue;
                    }
                    None => return Ok(None),
                },
                L_ESC if self.p(p + 1) == b'f' => match self.frontier(s, p + 2)? {
                    Some(ep) => {
                        p = ep;
                        continue;
                    }
                    None => return Ok(None),
                },
                L_ESC if self.p(p + 1).is_ascii_digit() => {
                    match self.match_capture(s, self.p(p + 1))? {
                        Some(e) => {
                            s = e;
                            p += 2;
                            continue;
                        }
                        None => return Ok(None),
                    }
                }
                _ => {
                    // A single-character class plus an optional quantifier.
                    let ep = self.class_end(p)?;
                    let suffix = self.p(ep);
                    if !self.single_match(s, p, ep) {
                        if matches!(suffix, b'*' | b'?' | b'-') {
                            p = ep + 1; // accept the empty repetition
                            continue;
                        }
                        return Ok(None);
                    }
                    match suffix {
                        b'?' => {
                            if let Some(e) = self.do_match(s + 1, ep + 1)? {
                                return Ok(Some(e));
                            }
                            p = ep + 1;
                            continue;
                        }
                        b'+' => return self.max_expand(s + 1, p, ep),
                        b'*' => return self.max_expand(s, p, ep),
                        b'-' => return self.min_expand(s, p, ep),
                        _ => {
                            s += 1;
                            p = ep;
                            continue;
                        }
                    }
                }
            }
        }
    }

    /// `%f[set]` at `p` (just after `%f`): the end of the set in the pattern if the frontier
    /// holds at `s` (previous byte not in the set, current byte in it; NUL beyond either end).
    #[inline(never)]
    fn frontier(&self, s: usize, p: usize) -> Result<Option<usize>, PatternError> {
        if self.p(p) != b'[' {
            return Err(PatternError::MissingFrontierSet);
        }
        let ep = self.class_end(p)?;
        let prev = if s == 0 { 0 } else { self.s(s - 1) };
        let cur = self.s(s);
        if !self.match_bracket_class(prev, p, ep - 1) && self.match_bracket_class(cur, p, ep - 1) {
            Ok(Some(ep))
        } else {
            Ok(None)
        }
    }

    /// The byte the rest of the pattern at `q` must match first, when matching it at a position
    /// holding another byte is certain to fail at once, with no error and no lasting effect: `q`
    /// starts with a plain literal (not special, not followed by `*`, `?` or `-`), possibly after
    /// one `)` that closes a capture. Lets the repetition loops skip such positions without a
    /// recursive call (which would return `Ok(None)` there). `None` when unsure.
    #[inline]
    fn rest_literal(&self, mut q: usize) -> Option<u8> {
        // The recursion budget must not run out inside the skipped calls (that would be an error).
        if self.depth_left < 3 {
            return None;
        }
        if self.p(q) == b')' {
            // Closing fails only when no capture is open: then the error must be raised.
            self.capture_to_close().ok()?;
            q += 1;
        }
        let c = *self.pat.get(q)?;
        if matches!(
            c,
            b'^' | b'$' | b'*' | b'+' | b'?' | b'.' | b'(' | b')' | b'[' | b'%' | b'-'
        ) {
            return None;
        }
        if matches!(self.p(q + 1), b'*' | b'?' | b'-') {
            return None;
        }
        Some(c)
    }

    /// Greedy repetition: consume as many as possible, then back off one at a time.
    fn max_expand(&mut self, s: usize, p: usize, ep: usize) -> Step {
        let mut i = 0usize;
        while self.single_match(s + i, p, ep) {
            i += 1;
        }
        let lit = self.rest_literal(ep + 1);
        loop {
            if lit.is_none_or(|c| self.src.get(s + i) == Some(&c))
                && let Some(e) = self.do_match(s + i, ep + 1)?
            {
                return Ok(Some(e));
            }
            if i == 0 {
                return Ok(None);
            }
            i -= 1;
        }
    }

    /// Lazy repetition: try the rest first, then consume one more.
    fn min_expand(&mut self, mut s: usize, p: usize, ep: usize) -> Step {
        let lit = self.rest_literal(ep + 1);
        loop {
            if let Some(c) = lit {
                // Positions where the rest cannot start are consumed by the repetition directly.
                if self.pat[p] == b'.' {
                    // `.` takes any byte: jump to the next occurrence of `c` (or fail at the end).
                    match self
                        .src
                        .get(s..)
                        .and_then(|t| t.iter().position(|&b| b == c))
                    {
                        Some(k) => s += k,
                        None => return Ok(None),
                    }
                } else {
                    while self.src.get(s) != Some(&c) {
                        if !self.single_match(s, p, ep) {
                            return Ok(None);
                        }
                        s += 1;
                    }
                }
            }
            if let Some(e) = self.do_match(s, ep + 1)? {
                return Ok(Some(e));
            }
            if self.single_match(s, p, ep) {
                s += 1;
            } else {
                return Ok(None);
            }
        }
    }

    #[inline(never)]
    fn start_capture(&mut self, s: usize, p: usize, what: isize) -> Step {
        let level = self.level;
        if level >= MAXCAPTURES {
            return Err(PatternError::TooManyCaptures);
        }
        self.capture[level] = RawCapture { init: s, len: what };
        self.level = level + 1;
        let r = self.do_match(s, p)?;
        if r.is_none() {
            self.level -= 1; // undo the capture
        }
        Ok(r)
    }

    #[inline(never)]
    fn end_capture(&mut self, s: usize, p: usize) -> Step {
        let l = self.capture_to_close()?;
        self.capture[l].len = (s - self.capture[l].init) as isize;
        let r = self.do_match(s, p)?;
        if r.is_none() {
            self.capture[l].len = CAP_UNFINISHED; // undo the close
        }
        Ok(r)
    }

    fn capture_to_close(&self) -> Result<usize, PatternError> {
        (0..self.level)
            .rev()
            .find(|&l| self.capture[l].len == CAP_UNFINISHED)
            .ok_or(PatternError::InvalidPatternCapture)
    }

    /// `%bxy`: a balanced run starting with `x` and ending with the matching `y`.
    #[inline(never)]
    fn match_balance(&self, s: usize, p: usize) -> Step {
        if p + 1 >= self.pat.len() {
            return Err(PatternError::MissingBalanceArgs);
        }
        let (b, e) = (self.pat[p], self.pat[p + 1]);
        if s >= self.src.len() || self.src[s] != b {
            return Ok(None);
        }
        let mut cont = 1usize;
        for (i, &c) in self.src[s + 1..].iter().enumerate() {
            if c == e {
                cont -= 1;
                if cont == 0 {
                    return Ok(Some(s + 1 + i + 1));
                }
            } else if c == b {
                cont += 1;
            }
        }
        Ok(None)
    }

    /// Back-reference `%1`..`%9` (`l` is the digit character).
    #[inline(never)]
    fn match_capture(&self, s: usize, l: u8) -> Step {
        let idx = l as i32 - b'1' as i32;
        if idx < 0 || idx as usize >= self.level || self.capture[idx as usize].len == CAP_UNFINISHED
        {
            return Err(PatternError::InvalidCaptureIndex(idx + 1));
        }
        let cap = self.capture[idx as usize];
        if cap.len < 0 {
            return Ok(None); // a position capture never matches as text (as in lstrlib.c)
        }
        let len = cap.len as usize;
        let want = &self.src[cap.init..cap.init + len];
        if self.src.len() - s >= len && &self.src[s..s + len] == want {
            Ok(Some(s + len))
        } else {
            Ok(None)
        }
    }

    /// Number of captures of the last successful match (may include unfinished ones).
    pub fn level(&self) -> usize {
        self.level
    }

    /// Capture `i` (0-based) of the last successful match `start..end` (`get_onecapture`):
    /// if the pattern has no captures, index 0 is the whole match.
    ///
    /// Errors: [`PatternError::InvalidCaptureIndex`] for a missing capture `i > 0`,
    /// [`PatternError::UnfinishedCapture`] for a capture never closed.
    pub fn get_capture(&self, i: usize, start: usize, end: usize) -> Result<Capture, PatternError> {
        if i >= self.level {
            if i != 0 {
                return Err(PatternError::InvalidCaptureIndex(i as i32 + 1));
            }
            return Ok(Capture::Slice(start, end));
        }
        let c = self.capture[i];
        match c.len {
            CAP_UNFINISHED => Err(PatternError::UnfinishedCapture),
            CAP_POSITION => Ok(Capture::Position(c.init)),
            len => Ok(Capture::Slice(c.init, c.init + len as usize)),
        }
    }

    /// Number of values `push_captures` yields: the captures, or (when `whole_if_none` and the
    /// pattern has none) 1 for the whole match.
    pub fn capture_count(&self, whole_if_none: bool) -> usize {
        if self.level == 0 && whole_if_none {
            1
        } else {
            self.level
        }
    }

    /// All capture values of the last match `start..end` (`push_captures`); with
    /// `whole_if_none`, a pattern without captures yields the whole match.
    pub fn captures(
        &self,
        start: usize,
        end: usize,
        whole_if_none: bool,
    ) -> Result<Vec<Capture>, PatternError> {
        (0..self.capture_count(whole_if_none))
            .map(|i| self.get_capture(i, start, end))
            .collect()
    }

    /// The subject being matched.
    pub fn subject(&self) -> &'a [u8] {
        self.src
    }
}

/// Converts a Lua string position (1-based, negative counts from the end) into a 0-based
/// offset, clamping below at 0 (`posrelatI` in `lstrlib.c`, minus one). May exceed `len`.
pub fn start_offset(pos: i64, len: usize) -> usize {
    if pos > 0 {
        (pos as u64 - 1).min(usize::MAX as u64) as usize
    } else if pos == 0 || pos.unsigned_abs() > len as u64 {
        0
    } else {
        len - pos.unsigned_abs() as usize
    }
}

/// Whether `p` contains no pattern special characters (so `find` may search it literally).
fn no_specials(p: &[u8]) -> bool {
    !p.iter().any(|c| SPECIALS.contains(c))
}

/// Plain substring search (`lmemfind`): first offset of `needle` in `hay`.
pub fn find_plain(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    if needle.len() > hay.len() {
        return None;
    }
    let first = needle[0];
    let last_start = hay.len() - needle.len();
    let mut i = 0;
    while i <= last_start {
        match hay[i..=last_start].iter().position(|&c| c == first) {
            None => return None,
            Some(k) => {
                i += k;
                if hay[i + 1..i + needle.len()] == needle[1..] {
                    return Some(i);
                }
                i += 1;
            }
        }
    }
    None
}

/// Splits off a leading `^` anchor.
fn split_anchor(p: &[u8]) -> (bool, &[u8]) {
    match p.first() {
        Some(b'^') => (true, &p[1..]),
        _ => (false, p),
    }
}

/// Runs the anchored-or-scanning search shared by `find` and `match` (`str_find_aux`), calling
/// `on_match(state, start, end)` on the first match.
fn search<R>(
    s: &[u8],
    p: &[u8],
    init: i64,
    on_match: impl FnOnce(&MatchState<'_>, usize, usize) -> Result<R, PatternError>,
) -> Result<Option<R>, PatternError> {
    let init = start_offset(init, s.len());
    if init > s.len() {
        return Ok(None);
    }
    let (anchor, p) = split_anchor(p);
    let mut ms = MatchState::new(s, p);
    let mut s1 = init;
    loop {
        if !anchor {
            s1 = ms.next_candidate(s1);
            if s1 > s.len() {
                return Ok(None);
            }
        }
        if let Some(e) = ms.match_at(s1)? {
            return on_match(&ms, s1, e).map(Some);
        }
        s1 += 1;
        if anchor || s1 > s.len() {
            return Ok(None);
        }
    }
}

/// `string.find(s, p, init, plain)`.
///
/// `init` is Lua's 1-based (possibly negative) start position. Returns the match as a 0-based
/// half-open range `start..end` (Lua returns `start + 1, end`) and the captures (empty when the
/// pattern has none). A plain search is done when `plain` is true or `p` has no special
/// characters.
pub fn find(
    s: &[u8],
    p: &[u8],
    init: i64,
    plain: bool,
) -> Result<Option<(usize, usize, Vec<Capture>)>, PatternError> {
    if plain || no_specials(p) {
        let init = start_offset(init, s.len());
        if init > s.len() {
            return Ok(None);
        }
        return Ok(find_plain(&s[init..], p).map(|i| (init + i, init + i + p.len(), Vec::new())));
    }
    search(s, p, init, |ms, a, b| Ok((a, b, ms.captures(a, b, false)?)))
}

/// `string.match(s, p, init)`: the captures of the first match, or the whole match as a single
/// [`Capture::Slice`] if the pattern has no captures.
pub fn match_str(s: &[u8], p: &[u8], init: i64) -> Result<Option<Vec<Capture>>, PatternError> {
    search(s, p, init, |ms, a, b| ms.captures(a, b, true))
}

/// Iteration state of `string.gmatch(s, p, init)` (`GMatchState` in `lstrlib.c`).
///
/// The subject and pattern are passed to each [`GmatchState::next`] call so that the caller
/// can keep them alive however it likes (e.g. as Lua strings in upvalues); they must be the
/// same on every call.
#[derive(Clone, Debug)]
pub struct GmatchState {
    /// Offset where the next match attempt starts (may be `len + 1`: exhausted).
    src: usize,
    /// End of the last match, to skip an empty match right after it (5.4 rule).
    lastmatch: Option<usize>,
}

impl GmatchState {
    /// A state for a subject of `len` bytes, starting at Lua position `init` (default 1).
    pub fn new(len: usize, init: i64) -> Self {
        let mut src = start_offset(init, len);
        if src > len {
            src = len + 1;
        }
        GmatchState {
            src,
            lastmatch: None,
        }
    }

    /// Finds the next match and hands `(state, start, end)` to `f`, returning its result;
    /// `Ok(None)` when exhausted.
    pub fn next_with<R>(
        &mut self,
        s: &[u8],
        p: &[u8],
        f: impl FnOnce(&MatchState<'_>, usize, usize) -> R,
    ) -> Result<Option<R>, PatternError> {
        let mut ms = MatchState::new(s, p);
        let mut src = self.src;
        loop {
            src = ms.next_candidate(src);
            if src > s.len() {
                break;
            }
            if let Some(e) = ms.match_at(src)?
                && Some(e) != self.lastmatch
            {
                self.src = e;
                self.lastmatch = Some(e);
                return Ok(Some(f(&ms, src, e)));
            }
            src += 1;
        }
        self.src = src;
        Ok(None)
    }

    /// Next match's captures (the whole match if the pattern has none), or `Ok(None)`.
    pub fn next(&mut self, s: &[u8], p: &[u8]) -> Result<Option<Vec<Capture>>, PatternError> {
        self.next_with(s, p, |ms, a, b| ms.captures(a, b, true))?
            .transpose()
    }
}

/// How `gsub` turns one match into replacement text (string, table or function replacement).
pub trait Replacer {
    /// Error type of the replacer (e.g. the VM's error when a callback fails); pattern errors
    /// convert into it.
    type Error: From<PatternError>;

    /// Appends the replacement of the match `start..end` (captures in `ms`) to `out`. Returns
    /// `false` if it appended the original text unchanged (Lua: the table/function gave `nil` or
    /// `false`), `true` otherwise.
    fn replace(
        &mut self,
        ms: &MatchState<'_>,
        start: usize,
        end: usize,
        out: &mut Vec<u8>,
    ) -> Result<bool, Self::Error>;
}

/// A replacement string with `%0`–`%9` and `%%` (`add_s` in `lstrlib.c`).
#[derive(Clone, Copy, Debug)]
pub struct StrReplacer<'r>(pub &'r [u8]);

impl Replacer for StrReplacer<'_> {
    type Error = PatternError;

    fn replace(
        &mut self,
        ms: &MatchState<'_>,
        start: usize,
        end: usize,
        out: &mut Vec<u8>,
    ) -> Result<bool, PatternError> {
        expand_replacement(self.0, ms, start, end, out)?;
        Ok(true)
    }
}

/// Appends `repl` to `out` with `%0` (whole match), `%1`–`%9` (captures; position captures as
/// decimal integers) and `%%` expanded.
///
/// Errors: `invalid use of '%' in replacement string`, `invalid capture index %n`,
/// `unfinished capture`.
pub fn expand_replacement(
    repl: &[u8],
    ms: &MatchState<'_>,
    start: usize,
    end: usize,
    out: &mut Vec<u8>,
) -> Result<(), PatternError> {
    let src = ms.subject();
    let mut rest = repl;
    while let Some(i) = rest.iter().position(|&c| c == L_ESC) {
        out.extend_from_slice(&rest[..i]);
        let c = rest.get(i + 1).copied().unwrap_or(0);
        match c {
            L_ESC => out.push(L_ESC),
            b'0' => out.extend_from_slice(&src[start..end]),
            b'1'..=b'9' => match ms.get_capture((c - b'1') as usize, start, end)? {
                Capture::Slice(a, b) => out.extend_from_slice(&src[a..b]),
                Capture::Position(q) => out.extend_from_slice((q + 1).to_string().as_bytes()),
            },
            _ => return Err(PatternError::InvalidReplacementPercent),
        }
        rest = &rest[(i + 2).min(rest.len())..];
    }
    out.extend_from_slice(rest);
    Ok(())
}

/// `string.gsub(s, p, repl, n)`: replaces up to `max_n` matches (`None`: all; Lua's default
/// is `#s + 1`) and returns the result and the number of matches replaced. The result borrows
/// `s` when nothing changed.
pub fn gsub<'s, R: Replacer>(
    s: &'s [u8],
    p: &[u8],
    repl: &mut R,
    max_n: Option<i64>,
) -> Result<(Cow<'s, [u8]>, i64), R::Error> {
    let (anchor, p) = split_anchor(p);
    let max_n = max_n.unwrap_or(s.len() as i64 + 1);
    let mut ms = MatchState::new(s, p);
    let mut out = Vec::new();
    let mut src = 0usize;
    let mut lastmatch = None;
    let mut n = 0i64;
    let mut changed = false;
    // Start of the pending run of unmatched bytes not yet copied to `out`.
    let mut copied = 0usize;
    while n < max_n {
        if !anchor {
            // Unmatched bytes are copied lazily (from `copied`), so skipping is free.
            src = ms.next_candidate(src).min(s.len());
        }
        match ms.match_at(src)? {
            Some(e) if Some(e) != lastmatch => {
                n += 1;
                out.extend_from_slice(&s[copied..src]);
                changed |= repl.replace(&ms, src, e, &mut out)?;
                src = e;
                copied = e;
                lastmatch = Some(e);
            }
            _ if src < s.len() => src += 1,
            _ => break,
        }
        if anchor {
            break;
        }
    }
    if !changed {
        return Ok((Cow::Borrowed(s), n));
    }
    out.extend_from_slice(&s[copied..]);
    Ok((Cow::Owned(out), n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(s: &str, p: &str) -> Option<(usize, usize)> {
        find(s.as_bytes(), p.as_bytes(), 1, false)
            .unwrap()
            .map(|(a, b, _)| (a + 1, b))
    }

    #[test]
    fn classes_follow_c_locale() {
        assert!(match_class(0x0b, b's'));
        assert!(!match_class(0x0b, b'S'));
        assert!(match_class(b'_', b'p'));
        assert!(!match_class(0xe9, b'a'));
        assert!(match_class(0, b'z'));
    }

    #[test]
    fn basic_find() {
        assert_eq!(f("hello world", "o w"), Some((5, 7)));
        assert_eq!(f("hello", "l+"), Some((3, 4)));
        assert_eq!(f("hello", "^h.-l"), Some((1, 3)));
        assert_eq!(f("hello", "^e"), None);
        assert_eq!(f("hello", "o$"), Some((5, 5)));
    }

    #[test]
    fn start_offset_matches_posrelat() {
        assert_eq!(start_offset(1, 3), 0);
        assert_eq!(start_offset(0, 3), 0);
        assert_eq!(start_offset(-1, 3), 2);
        assert_eq!(start_offset(-10, 3), 0);
        assert_eq!(start_offset(10, 3), 9);
        assert_eq!(start_offset(i64::MIN, 3), 0);
    }
}
