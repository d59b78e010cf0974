//! The lexer: Lua 5.4 source bytes → tokens (Lua 5.4 manual §3.1; behaviour of PUC-Lua's `llex.c`).
//!
//! Invariants kept:
//! - The lexer reads raw bytes; names are ASCII letters, digits and `_` (the C locale), everything
//!   else is an error or a one-byte token.
//! - `buf` holds the raw text of the token being (or last) read, exactly as `llex.c` keeps it, because
//!   error messages quote it (`near '"abc'`, `malformed number near '3x'`).
//! - Every loop consumes input, so lexing terminates; no recursion.

use super::SyntaxError;
use crate::number::Number;
use crate::number::parse::str_to_number;

/// End of input marker for `current`.
const EOZ: i32 = -1;

/// A token. Single-character tokens are [`Tok::Char`].
#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    /// A single-byte token such as `+` or `(` (also any unexpected byte).
    Char(u8),
    /// `and`
    And,
    /// `break`
    Break,
    /// `do`
    Do,
    /// `else`
    Else,
    /// `elseif`
    Elseif,
    /// `end`
    End,
    /// `false`
    False,
    /// `for`
    For,
    /// `function`
    Function,
    /// `goto`
    Goto,
    /// `if`
    If,
    /// `in`
    In,
    /// `local`
    Local,
    /// `nil`
    Nil,
    /// `not`
    Not,
    /// `or`
    Or,
    /// `repeat`
    Repeat,
    /// `return`
    Return,
    /// `then`
    Then,
    /// `true`
    True,
    /// `until`
    Until,
    /// `while`
    While,
    /// `//`
    IDiv,
    /// `..`
    Concat,
    /// `...`
    Dots,
    /// `==`
    Eq,
    /// `>=`
    Ge,
    /// `<=`
    Le,
    /// `~=`
    Ne,
    /// `<<`
    Shl,
    /// `>>`
    Shr,
    /// `::`
    DbColon,
    /// End of the chunk.
    Eos,
    /// A float numeral.
    Flt(f64),
    /// An integer numeral.
    Int(i64),
    /// A name.
    Name(Vec<u8>),
    /// A string literal (escapes processed).
    Str(Vec<u8>),
}

const RESERVED: [(&str, Tok); 22] = [
    ("and", Tok::And),
    ("break", Tok::Break),
    ("do", Tok::Do),
    ("else", Tok::Else),
    ("elseif", Tok::Elseif),
    ("end", Tok::End),
    ("false", Tok::False),
    ("for", Tok::For),
    ("function", Tok::Function),
    ("goto", Tok::Goto),
    ("if", Tok::If),
    ("in", Tok::In),
    ("local", Tok::Local),
    ("nil", Tok::Nil),
    ("not", Tok::Not),
    ("or", Tok::Or),
    ("repeat", Tok::Repeat),
    ("return", Tok::Return),
    ("then", Tok::Then),
    ("true", Tok::True),
    ("until", Tok::Until),
    ("while", Tok::While),
];

impl Tok {
    /// The token as `luaX_token2str` names it (without the raw text of names/strings/numbers).
    pub fn describe(&self) -> String {
        let sym = match self {
            Tok::Char(c) => {
                return if c.is_ascii_graphic() || *c == b' ' {
                    format!("'{}'", *c as char)
                } else {
                    format!("'<\\{c}>'")
                };
            }
            Tok::IDiv => "//",
            Tok::Concat => "..",
            Tok::Dots => "...",
            Tok::Eq => "==",
            Tok::Ge => ">=",
            Tok::Le => "<=",
            Tok::Ne => "~=",
            Tok::Shl => "<<",
            Tok::Shr => ">>",
            Tok::DbColon => "::",
            Tok::Eos => return "<eof>".into(),
            Tok::Flt(_) => return "<number>".into(),
            Tok::Int(_) => return "<integer>".into(),
            Tok::Name(_) => return "<name>".into(),
            Tok::Str(_) => return "<string>".into(),
            other => RESERVED
                .iter()
                .find(|(_, t)| t == other)
                .map(|(s, _)| *s)
                .unwrap_or("?"),
        };
        format!("'{sym}'")
    }
}

fn is_alpha(c: i32) -> bool {
    c >= 0 && (c as u8 == b'_' || (c as u8).is_ascii_alphabetic())
}
fn is_alnum(c: i32) -> bool {
    is_alpha(c) || is_digit(c)
}
fn is_digit(c: i32) -> bool {
    c >= 0 && (c as u8).is_ascii_digit()
}
fn is_xdigit(c: i32) -> bool {
    c >= 0 && (c as u8).is_ascii_hexdigit()
}
fn is_space(c: i32) -> bool {
    matches!(c, 0x20 | 0x09 | 0x0A | 0x0B | 0x0C | 0x0D)
}
fn hex_value(c: i32) -> u32 {
    (c as u8 as char).to_digit(16).unwrap_or(0)
}

/// Lexer state (`LexState` of `llex.c`, minus the parser parts).
pub struct Lexer<'a> {
    src: &'a [u8],
    pos: usize,
    current: i32,
    /// Current line number (line of `current`).
    pub line: u32,
    /// Line of the last token consumed (for line info of generated code).
    pub last_line: u32,
    /// Current token.
    pub tok: Tok,
    /// Look-ahead token (`Tok::Eos` when none), as `luaX_lookahead`.
    lookahead: Option<Tok>,
    /// Raw text of the token being read (see module doc).
    pub buf: Vec<u8>,
    /// Chunk id used as the message prefix.
    chunk_id: Vec<u8>,
}

impl<'a> Lexer<'a> {
    /// A lexer over `src`; `chunk_id` is the display form of the chunk name (`luaO_chunkid`).
    pub fn new(src: &'a [u8], chunk_id: Vec<u8>) -> Lexer<'a> {
        let mut lx = Lexer {
            src,
            pos: 0,
            current: EOZ,
            line: 1,
            last_line: 1,
            tok: Tok::Eos,
            lookahead: None,
            buf: Vec::new(),
            chunk_id,
        };
        lx.next_char();
        lx
    }

    fn next_char(&mut self) {
        self.current = match self.src.get(self.pos) {
            Some(&c) => {
                self.pos += 1;
                c as i32
            }
            None => EOZ,
        };
    }

    fn save(&mut self, c: i32) {
        self.buf.push(c as u8);
    }

    fn save_and_next(&mut self) {
        let c = self.current;
        self.save(c);
        self.next_char();
    }

    fn is_newline(&self) -> bool {
        self.current == b'\n' as i32 || self.current == b'\r' as i32
    }

    /// `luaG_addinfo`-style message prefix with the current line.
    pub fn error_at_line(&self, msg: &[u8], line: u32) -> SyntaxError {
        let mut m = self.chunk_id.clone();
        m.extend_from_slice(format!(":{line}: ").as_bytes());
        m.extend_from_slice(msg);
        SyntaxError { message: m }
    }

    /// `lexerror`: message at the current line, with `near <token>` when `tok` is given.
    pub fn error(&self, msg: &str, tok: Option<&Tok>) -> SyntaxError {
        let mut m = msg.as_bytes().to_vec();
        // A NUL byte is token 0 in `llex.c`, which `lexerror` treats as "no token".
        if let Some(t) = tok.filter(|t| **t != Tok::Char(0)) {
            m.extend_from_slice(b" near ");
            m.extend_from_slice(&self.token_text(t));
        }
        self.error_at_line(&m, self.line)
    }

    /// `txtToken`: the raw text (bytes as in the source) for names, strings and numerals; the
    /// token name otherwise.
    fn token_text(&self, t: &Tok) -> Vec<u8> {
        match t {
            Tok::Name(_) | Tok::Str(_) | Tok::Flt(_) | Tok::Int(_) => {
                let mut v = b"'".to_vec();
                v.extend_from_slice(&self.buf);
                v.push(b'\'');
                v
            }
            _ => t.describe().into_bytes(),
        }
    }

    /// `luaX_syntaxerror`: an error near the current token.
    pub fn syntax_error(&self, msg: &str) -> SyntaxError {
        let t = self.tok.clone();
        self.error(msg, Some(&t))
    }

    fn inc_line(&mut self) -> Result<(), SyntaxError> {
        let old = self.current;
        self.next_char(); // skip '\n' or '\r'
        if self.is_newline() && self.current != old {
            self.next_char(); // skip '\n\r' or '\r\n'
        }
        self.line += 1;
        if self.line >= i32::MAX as u32 {
            return Err(self.error("chunk has too many lines", None));
        }
        Ok(())
    }

    /// Advance to the next token (`luaX_next`).
    pub fn advance(&mut self) -> Result<(), SyntaxError> {
        self.last_line = self.line;
        self.tok = match self.lookahead.take() {
            Some(t) => t,
            None => self.lex()?,
        };
        Ok(())
    }

    /// Peek at the token after the current one (`luaX_lookahead`).
    pub fn peek(&mut self) -> Result<&Tok, SyntaxError> {
        if self.lookahead.is_none() {
            let t = self.lex()?;
            self.lookahead = Some(t);
        }
        Ok(self.lookahead.as_ref().unwrap_or(&Tok::Eos))
    }

    fn check_next1(&mut self, c: u8) -> bool {
        if self.current == c as i32 {
            self.next_char();
            true
        } else {
            false
        }
    }

    fn check_next2(&mut self, set: &[u8; 2]) -> bool {
        if self.current == set[0] as i32 || self.current == set[1] as i32 {
            self.save_and_next();
            true
        } else {
            false
        }
    }

    /// `llex`: read one token.
    fn lex(&mut self) -> Result<Tok, SyntaxError> {
        self.buf.clear();
        loop {
            let c = self.current;
            if c == EOZ {
                return Ok(Tok::Eos);
            }
            match c as u8 {
                b'\n' | b'\r' => self.inc_line()?,
                b' ' | 0x0C | b'\t' | 0x0B => self.next_char(),
                b'-' => {
                    self.next_char();
                    if self.current != b'-' as i32 {
                        return Ok(Tok::Char(b'-'));
                    }
                    self.next_char();
                    if self.current == b'[' as i32 {
                        let sep = self.skip_sep();
                        self.buf.clear();
                        if sep >= 2 {
                            self.read_long_string(false, sep)?;
                            self.buf.clear();
                            continue;
                        }
                    }
                    while !self.is_newline() && self.current != EOZ {
                        self.next_char();
                    }
                }
                b'[' => {
                    let sep = self.skip_sep();
                    if sep >= 2 {
                        return self.read_long_string(true, sep).map(Tok::Str);
                    } else if sep == 0 {
                        return Err(self
                            .error("invalid long string delimiter", Some(&Tok::Str(Vec::new()))));
                    }
                    return Ok(Tok::Char(b'['));
                }
                b'=' => {
                    self.next_char();
                    return Ok(if self.check_next1(b'=') {
                        Tok::Eq
                    } else {
                        Tok::Char(b'=')
                    });
                }
                b'<' => {
                    self.next_char();
                    return Ok(if self.check_next1(b'=') {
                        Tok::Le
                    } else if self.check_next1(b'<') {
                        Tok::Shl
                    } else {
                        Tok::Char(b'<')
                    });
                }
                b'>' => {
                    self.next_char();
                    return Ok(if self.check_next1(b'=') {
                        Tok::Ge
                    } else if self.check_next1(b'>') {
                        Tok::Shr
                    } else {
                        Tok::Char(b'>')
                    });
                }
                b'/' => {
                    self.next_char();
                    return Ok(if self.check_next1(b'/') {
                        Tok::IDiv
                    } else {
                        Tok::Char(b'/')
                    });
                }
                b'~' => {
                    self.next_char();
                    return Ok(if self.check_next1(b'=') {
                        Tok::Ne
                    } else {
                        Tok::Char(b'~')
                    });
                }
                b':' => {
                    self.next_char();
                    return Ok(if self.check_next1(b':') {
                        Tok::DbColon
                    } else {
                        Tok::Char(b':')
                    });
                }
                b'"' | b'\'' => return self.read_string(c).map(Tok::Str),
                b'.' => {
                    self.save_and_next();
                    if self.check_next1(b'.') {
                        return Ok(if self.check_next1(b'.') {
                            Tok::Dots
                        } else {
                            Tok::Concat
                        });
                    } else if !is_digit(self.current) {
                        return Ok(Tok::Char(b'.'));
                    }
                    return self.read_numeral();
                }
                b'0'..=b'9' => return self.read_numeral(),
                _ => {
                    if is_alpha(c) {
                        while is_alnum(self.current) {
                            self.save_and_next();
                        }
                        if let Some((_, t)) = RESERVED
                            .iter()
                            .find(|(s, _)| s.as_bytes() == self.buf.as_slice())
                        {
                            return Ok(t.clone());
                        }
                        return Ok(Tok::Name(self.buf.clone()));
                    }
                    self.next_char();
                    return Ok(Tok::Char(c as u8));
                }
            }
        }
    }

    fn read_numeral(&mut self) -> Result<Tok, SyntaxError> {
        let first = self.current;
        let mut expo = b"Ee";
        self.save_and_next();
        if first == b'0' as i32 && self.check_next2(b"xX") {
            expo = b"Pp";
        }
        loop {
            if self.check_next2(expo) {
                self.check_next2(b"-+");
            } else if is_xdigit(self.current) || self.current == b'.' as i32 {
                self.save_and_next();
            } else {
                break;
            }
        }
        if is_alpha(self.current) {
            self.save_and_next(); // force an error
        }
        match str_to_number(&self.buf) {
            Some(Number::Int(i)) => Ok(Tok::Int(i)),
            Some(Number::Float(f)) => Ok(Tok::Flt(f)),
            None => Err(self.error("malformed number", Some(&Tok::Flt(0.0)))),
        }
    }

    /// `skip_sep`: read `[=*[` or `]=*]`; returns level+2 when well formed, 1 for a lone
    /// bracket, 0 for a bracket followed by `=`s and something else.
    fn skip_sep(&mut self) -> usize {
        let mut count = 0;
        let s = self.current;
        self.save_and_next();
        while self.current == b'=' as i32 {
            self.save_and_next();
            count += 1;
        }
        if self.current == s {
            count + 2
        } else if count == 0 {
            1
        } else {
            0
        }
    }

    fn read_long_string(&mut self, is_string: bool, sep: usize) -> Result<Vec<u8>, SyntaxError> {
        let line = self.line;
        self.save_and_next(); // skip 2nd '['
        if self.is_newline() {
            self.inc_line()?;
        }
        loop {
            match self.current {
                EOZ => {
                    let what = if is_string { "string" } else { "comment" };
                    let msg = format!("unfinished long {what} (starting at line {line})");
                    return Err(self.error(&msg, Some(&Tok::Eos)));
                }
                0x5D /* ']' */ => {
                    if self.skip_sep() == sep {
                        self.save_and_next(); // skip 2nd ']'
                        break;
                    }
                }
                0x0A | 0x0D => {
                    self.save(b'\n' as i32);
                    self.inc_line()?;
                    if !is_string {
                        self.buf.clear();
                    }
                }
                _ => {
                    if is_string {
                        self.save_and_next();
                    } else {
                        self.next_char();
                    }
                }
            }
        }
        if is_string {
            Ok(self.buf[sep..self.buf.len() - sep].to_vec())
        } else {
            Ok(Vec::new())
        }
    }

    fn esc_check(&mut self, ok: bool, msg: &str) -> Result<(), SyntaxError> {
        if !ok {
            if self.current != EOZ {
                self.save_and_next(); // add current to buffer for error message
            }
            return Err(self.error(msg, Some(&Tok::Str(Vec::new()))));
        }
        Ok(())
    }

    fn get_hexa(&mut self) -> Result<u32, SyntaxError> {
        self.save_and_next();
        self.esc_check(is_xdigit(self.current), "hexadecimal digit expected")?;
        Ok(hex_value(self.current))
    }

    fn read_hexa_esc(&mut self) -> Result<i32, SyntaxError> {
        let mut r = self.get_hexa()?;
        r = (r << 4) + self.get_hexa()?;
        self.buf.truncate(self.buf.len() - 2);
        Ok(r as i32)
    }

    fn read_utf8_esc(&mut self) -> Result<u32, SyntaxError> {
        let mut i = 4; // chars to be removed: '\', 'u', '{', and first digit
        self.save_and_next(); // skip 'u'
        self.esc_check(self.current == b'{' as i32, "missing '{'")?;
        let mut r = self.get_hexa()?; // must have at least one digit
        loop {
            self.save_and_next();
            if !is_xdigit(self.current) {
                break;
            }
            i += 1;
            self.esc_check(r <= (0x7FFF_FFFFu32 >> 4), "UTF-8 value too large")?;
            r = (r << 4) + hex_value(self.current);
        }
        self.esc_check(self.current == b'}' as i32, "missing '}'")?;
        self.next_char(); // skip '}'
        self.buf.truncate(self.buf.len() - i);
        Ok(r)
    }

    fn read_dec_esc(&mut self) -> Result<i32, SyntaxError> {
        let mut r = 0;
        let mut i = 0;
        while i < 3 && is_digit(self.current) {
            r = 10 * r + self.current - b'0' as i32;
            self.save_and_next();
            i += 1;
        }
        self.esc_check(r <= 255, "decimal escape too large")?;
        self.buf.truncate(self.buf.len() - i);
        Ok(r)
    }

    fn read_string(&mut self, del: i32) -> Result<Vec<u8>, SyntaxError> {
        self.save_and_next(); // keep delimiter (for error messages)
        while self.current != del {
            match self.current {
                EOZ => return Err(self.error("unfinished string", Some(&Tok::Eos))),
                0x0A | 0x0D => {
                    return Err(self.error("unfinished string", Some(&Tok::Str(Vec::new()))));
                }
                0x5C /* '\\' */ => {
                    self.save_and_next(); // keep '\\' for error messages
                    let c: i32 = match self.current {
                        EOZ => continue, // will raise an error next loop
                        cur => match cur as u8 {
                            b'a' => 7,
                            b'b' => 8,
                            b'f' => 12,
                            b'n' => 10,
                            b'r' => 13,
                            b't' => 9,
                            b'v' => 11,
                            b'x' => self.read_hexa_esc()?,
                            b'u' => {
                                let r = self.read_utf8_esc()?;
                                utf8_encode(r, &mut self.buf);
                                continue;
                            }
                            b'\n' | b'\r' => {
                                self.inc_line()?;
                                self.buf.pop();
                                self.save(b'\n' as i32);
                                continue;
                            }
                            b'\\' | b'"' | b'\'' => cur,
                            b'z' => {
                                self.buf.pop(); // remove '\\'
                                self.next_char();
                                while is_space(self.current) {
                                    if self.is_newline() {
                                        self.inc_line()?;
                                    } else {
                                        self.next_char();
                                    }
                                }
                                continue;
                            }
                            _ => {
                                self.esc_check(is_digit(cur), "invalid escape sequence")?;
                                let c = self.read_dec_esc()?;
                                self.buf.pop();
                                self.save(c);
                                continue;
                            }
                        },
                    };
                    self.next_char();
                    self.buf.pop(); // remove '\\'
                    self.save(c);
                }
                _ => self.save_and_next(),
            }
        }
        self.save_and_next(); // skip delimiter
        Ok(self.buf[1..self.buf.len() - 1].to_vec())
    }
}

/// `luaO_utf8esc`: encode `x` (up to 2^31-1) in the extended UTF-8 of Lua 5.4 (up to 6 bytes).
fn utf8_encode(mut x: u32, out: &mut Vec<u8>) {
    if x < 0x80 {
        out.push(x as u8);
        return;
    }
    let mut tmp = [0u8; 8];
    let mut n = 0;
    let mut mfb: u32 = 0x3f; // maximum that fits in first byte
    loop {
        tmp[n] = 0x80 | (x & 0x3f) as u8;
        n += 1;
        x >>= 6;
        mfb >>= 1;
        if x <= mfb {
            break;
        }
    }
    tmp[n] = ((!mfb << 1) | x) as u8;
    n += 1;
    out.extend(tmp[..n].iter().rev());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok> {
        let mut lx = Lexer::new(s.as_bytes(), b"t".to_vec());
        let mut v = Vec::new();
        loop {
            lx.advance().unwrap();
            if lx.tok == Tok::Eos {
                return v;
            }
            v.push(lx.tok.clone());
        }
    }

    fn err(s: &[u8]) -> String {
        let mut lx = Lexer::new(s, b"t".to_vec());
        loop {
            match lx.advance() {
                Err(e) => return e.to_string(),
                Ok(()) if lx.tok == Tok::Eos => panic!("no error for {s:?}"),
                Ok(()) => {}
            }
        }
    }

    fn s(x: &str) -> Tok {
        Tok::Str(x.as_bytes().to_vec())
    }

    #[test]
    fn symbols_and_keywords() {
        use Tok::*;
        assert_eq!(
            toks("and break do else elseif end false for function goto if in local nil not or"),
            vec![
                And, Break, Do, Else, Elseif, End, False, For, Function, Goto, If, In, Local, Nil,
                Not, Or
            ]
        );
        assert_eq!(
            toks("repeat return then true until while"),
            vec![Repeat, Return, Then, True, Until, While]
        );
        assert_eq!(
            toks("// .. ... == >= <= ~= << >> :: + - * / % ^ # & ~ | < > = ( ) { } [ ] ; : , ."),
            vec![
                IDiv,
                Concat,
                Dots,
                Eq,
                Ge,
                Le,
                Ne,
                Shl,
                Shr,
                DbColon,
                Char(b'+'),
                Char(b'-'),
                Char(b'*'),
                Char(b'/'),
                Char(b'%'),
                Char(b'^'),
                Char(b'#'),
                Char(b'&'),
                Char(b'~'),
                Char(b'|'),
                Char(b'<'),
                Char(b'>'),
                Char(b'='),
                Char(b'('),
                Char(b')'),
                Char(b'{'),
                Char(b'}'),
                Char(b'['),
                Char(b']'),
                Char(b';'),
                Char(b':'),
                Char(b','),
                Char(b'.')
            ]
        );
        assert_eq!(
            toks("_a1 andy"),
            vec![Name(b"_a1".to_vec()), Name(b"andy".to_vec())]
        );
    }

    #[test]
    fn numbers() {
        use Tok::*;
        assert_eq!(
            toks("3 3.0 3.125 312.5e-2 0.3125E1 34e1 0x0.1E 0xA23p-4 0X1.921FB54442D18P+1 .5 0xff"),
            vec![
                Int(3),
                Flt(3.0),
                Flt(3.125),
                Flt(3.125),
                Flt(3.125),
                Flt(340.0),
                Flt(0.1171875),
                Flt(162.1875),
                Flt(std::f64::consts::PI),
                Flt(0.5),
                Int(255)
            ]
        );
        assert_eq!(
            toks("9223372036854775808"),
            vec![Flt(9223372036854775808.0)]
        );
        assert_eq!(toks("0xffffffffffffffff"), vec![Int(-1)]);
    }

    #[test]
    fn strings_and_escapes() {
        assert_eq!(toks(r#""a\tb" 'c\'d'"#), vec![s("a\tb"), s("c'd")]);
        assert_eq!(
            toks(r#""\a\b\f\n\r\t\v\\\"\'""#),
            vec![s("\x07\x08\x0c\n\r\t\x0b\\\"'")]
        );
        assert_eq!(
            toks(r#""\x41\65\066\0z""#),
            vec![Tok::Str(b"AAB\0z".to_vec())]
        );
        assert_eq!(toks("\"a\\z  \n  b\""), vec![s("ab")]);
        assert_eq!(toks("\"a\\\nb\""), vec![s("a\nb")]);
        assert_eq!(toks(r#""\u{48}\u{e9}\u{20AC}""#), vec![s("Hé€")]);
        assert_eq!(
            toks(r#""\u{7FFFFFFF}""#),
            vec![Tok::Str(vec![0xFD, 0xBF, 0xBF, 0xBF, 0xBF, 0xBF])]
        );
    }

    #[test]
    fn long_brackets_and_comments() {
        assert_eq!(toks("[[\nabc]]"), vec![s("abc")]);
        assert_eq!(toks("[==[a]]b]=]c]==]"), vec![s("a]]b]=]c")]);
        assert_eq!(
            toks("--[[ x \n y ]] 1 -- z\n 2 --[==[ ]] ]==] 3"),
            vec![Tok::Int(1), Tok::Int(2), Tok::Int(3)]
        );
        assert_eq!(toks("[[a\r\nb]]"), vec![s("a\nb")]);
    }

    #[test]
    fn line_counting() {
        let mut lx = Lexer::new(b"a\nb\r\nc\n\rd\r\re", b"t".to_vec());
        let mut lines = Vec::new();
        for _ in 0..5 {
            lx.advance().unwrap();
            lines.push(lx.line);
        }
        assert_eq!(lines, vec![1, 2, 3, 4, 6]);
    }

    #[test]
    fn lexical_errors() {
        // Expected texts produced by lua5.4 (5.4.4).
        assert_eq!(err(b"x = 3x"), "t:1: malformed number near '3x'");
        assert_eq!(err(b"x = 0x"), "t:1: malformed number near '0x'");
        assert_eq!(err(b"x = 1e"), "t:1: malformed number near '1e'");
        assert_eq!(err(b"1..2"), "t:1: malformed number near '1..2'");
        assert_eq!(err(b"x = \"abc"), "t:1: unfinished string near <eof>");
        assert_eq!(err(b"x = \"abc\n"), "t:1: unfinished string near '\"abc'");
        assert_eq!(err(b"\"\\q\""), "t:1: invalid escape sequence near '\"\\q'");
        assert_eq!(
            err(b"\"\\300\""),
            "t:1: decimal escape too large near '\"\\300\"'"
        );
        assert_eq!(
            err(b"\"\\xZZ\""),
            "t:1: hexadecimal digit expected near '\"\\xZ'"
        );
        assert_eq!(
            err(b"\"\\u{80000000}\""),
            "t:1: UTF-8 value too large near '\"\\u{80000000'"
        );
        assert_eq!(
            err(b"\"\\u{}\""),
            "t:1: hexadecimal digit expected near '\"\\u{}'"
        );
        assert_eq!(err(b"\"\\u123\""), "t:1: missing '{' near '\"\\u1'");
        assert_eq!(err(b"[=x"), "t:1: invalid long string delimiter near '[='");
        assert_eq!(
            err(b"x = [==[ abc\n"),
            "t:2: unfinished long string (starting at line 1) near <eof>"
        );
        assert_eq!(
            err(b"--[[ abc"),
            "t:1: unfinished long comment (starting at line 1) near <eof>"
        );
        assert_eq!(err(b"\"a\\zb"), "t:1: unfinished string near <eof>");
    }
}
