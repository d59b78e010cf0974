//! Buffered file streams for the `io` library (Lua 5.4 manual §6.8, `liolib.c`), replacing C's
//! `FILE*` with the same observable behaviour: `read` formats `"n"`, `"l"`, `"L"`, `"a"` and counts,
//! `seek`, `setvbuf` modes, `close` (including the exit status of a pipe, as `luaL_execresult`).
//!
//! Invariants:
//! * at most one of the read buffer (unread bytes `rbuf[rpos..]`) and the write buffer (`wbuf`) is
//!   non-empty: switching direction flushes the write buffer or gives back unread bytes (by seeking
//!   back), which C requires the program to do with `fseek` and we do automatically;
//! * the position of the underlying OS file is always the logical position plus the unread bytes minus
//!   the unwritten bytes, so [`LuaFile::seek`] can report the logical position;
//! * the process's standard output is not owned here: the VM owns one buffered writer shared with
//!   `print`, and [`Stream::SharedStdout`] forwards writes to the writer passed by the caller.

use crate::number::Number;
use crate::number::parse::str_to_number;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::mem::ManuallyDrop;
use std::os::fd::FromRawFd;

/// Buffer size for full and line buffering (`BUFSIZ` on glibc).
pub const BUFSIZ: usize = 8192;
/// Longest numeral `read("n")` accepts (`L_MAXLENNUM` in `liolib.c`).
const MAX_NUMERAL: usize = 200;

/// Buffering mode (`setvbuf`'s `"no"`, `"full"`, `"line"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BufMode {
    /// Every write goes to the OS at once.
    No,
    /// Writes are collected until the buffer is full.
    Full,
    /// As `Full`, and flushed whenever a newline is written.
    Line,
}

/// What a [`LuaFile`] reads from and writes to.
#[derive(Debug)]
pub enum Stream {
    /// A regular file (or anything `open` returns).
    File(File),
    /// File descriptor 0 or 2 of the process; never closed by us.
    StdFd(ManuallyDrop<File>),
    /// The process's standard output, buffered by the VM (shared with `print`).
    SharedStdout,
    /// A child process started by `io.popen`: reading from its stdout or writing to its stdin.
    Pipe(std::process::Child),
}

/// How a file stream was closed: `true`/`nil`, `"exit"`/`"signal"`, code (`luaL_execresult`); for
/// plain files just success.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseStatus {
    /// A file closed normally.
    Ok,
    /// A pipe whose process exited with this code.
    Exit(i32),
    /// A pipe whose process was killed by this signal.
    Signal(i32),
}

/// A Lua file handle's stream (the payload of a `FILE*` userdata).
#[derive(Debug)]
pub struct LuaFile {
    stream: Option<Stream>,
    rbuf: Vec<u8>,
    rpos: usize,
    wbuf: Vec<u8>,
    mode: BufMode,
    bufsize: usize,
    /// Whether the last read hit end of file (C's `feof`; cleared by seeks).
    eof: bool,
}

/// `isspace` in the C locale.
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

impl LuaFile {
    /// Wraps an open stream with full buffering (the C default for files).
    pub fn new(stream: Stream) -> LuaFile {
        LuaFile {
            stream: Some(stream),
            rbuf: Vec::new(),
            rpos: 0,
            wbuf: Vec::new(),
            mode: BufMode::Full,
            bufsize: BUFSIZ,
            eof: false,
        }
    }

    /// The process's standard input (fd 0).
    pub fn stdin() -> LuaFile {
        // SAFETY: fd 0 stays open for the life of the process and is never closed through this
        // handle (ManuallyDrop), so no other owner is invalidated.
        LuaFile::new(Stream::StdFd(ManuallyDrop::new(unsafe {
            File::from_raw_fd(0)
        })))
    }

    /// The process's standard error (fd 2), unbuffered as in C.
    pub fn stderr() -> LuaFile {
        // SAFETY: as for `stdin`, fd 2 is open for the life of the process and never closed here.
        let mut f = LuaFile::new(Stream::StdFd(ManuallyDrop::new(unsafe {
            File::from_raw_fd(2)
        })));
        f.mode = BufMode::No;
        f
    }

    /// The process's standard output, written through the VM's shared buffer.
    pub fn stdout() -> LuaFile {
        LuaFile::new(Stream::SharedStdout)
    }

    /// Opens `path` with a C `fopen` mode (`"r"`, `"w"`, `"a"`, optional `"+"`, then any `"b"`s).
    /// Returns `None` for an invalid mode (`io.open` raises "invalid mode").
    pub fn open(path: &std::path::Path, mode: &str) -> Option<io::Result<LuaFile>> {
        let (kind, rest) = mode.split_at_checked(1)?;
        let (plus, rest) = match rest.strip_prefix('+') {
            Some(r) => (true, r),
            None => (false, rest),
        };
        if !rest.bytes().all(|c| c == b'b') {
            return None;
        }
        let mut o = std::fs::OpenOptions::new();
        match kind {
            "r" => o.read(true).write(plus),
            "w" => o.write(true).create(true).truncate(true).read(plus),
            "a" => o.append(true).create(true).read(plus),
            _ => return None,
        };
        Some(o.open(path).map(|f| LuaFile::new(Stream::File(f))))
    }

    /// Starts `sh -c cmd` (`io.popen`); `mode` `"r"` reads its output, `"w"` writes its input.
    /// Returns `None` for any other mode.
    pub fn popen(cmd: &str, mode: &str) -> Option<io::Result<LuaFile>> {
        use std::process::{Command, Stdio};
        let mut c = Command::new("/bin/sh");
        c.arg("-c").arg(cmd);
        match mode {
            "r" => c.stdout(Stdio::piped()),
            "w" => c.stdin(Stdio::piped()),
            _ => return None,
        };
        Some(c.spawn().map(|child| LuaFile::new(Stream::Pipe(child))))
    }

    /// Whether the handle has been closed.
    pub fn is_closed(&self) -> bool {
        self.stream.is_none()
    }

    /// Whether this is one of the standard streams (which `close` refuses: "cannot close standard file").
    pub fn is_std(&self) -> bool {
        matches!(self.stream, Some(Stream::StdFd(_) | Stream::SharedStdout))
    }

    /// Whether writes go to the VM's shared stdout writer.
    pub fn is_shared_stdout(&self) -> bool {
        matches!(self.stream, Some(Stream::SharedStdout))
    }

    fn closed_error() -> io::Error {
        io::Error::from_raw_os_error(libc::EBADF)
    }

    /// Raw read from the OS into `buf`.
    fn os_read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match &mut self.stream {
            Some(Stream::File(f)) => f.read(buf),
            Some(Stream::StdFd(f)) => f.read(buf),
            Some(Stream::Pipe(child)) => match child.stdout.as_mut() {
                Some(out) => out.read(buf),
                None => Err(Self::closed_error()),
            },
            Some(Stream::SharedStdout) => Err(Self::closed_error()),
            None => Err(Self::closed_error()),
        }
    }

    /// Raw write to the OS (or to the shared stdout writer).
    fn os_write(&mut self, data: &[u8], stdout: &mut dyn Write) -> io::Result<()> {
        match &mut self.stream {
            Some(Stream::File(f)) => f.write_all(data),
            Some(Stream::StdFd(f)) => f.write_all(data),
            Some(Stream::SharedStdout) => stdout.write_all(data),
            Some(Stream::Pipe(child)) => match child.stdin.as_mut() {
                Some(inp) => inp.write_all(data),
                None => Err(Self::closed_error()),
            },
            None => Err(Self::closed_error()),
        }
    }

    /// Gives back unread buffered bytes before a write or seek (seeking the OS file back over them).
    fn drop_read_buffer(&mut self) -> io::Result<()> {
        let unread = self.rbuf.len() - self.rpos;
        self.rbuf.clear();
        self.rpos = 0;
        if unread > 0
            && let Some(Stream::File(f)) = &mut self.stream
        {
            f.seek(SeekFrom::Current(-(unread as i64)))?;
        }
        Ok(())
    }

    /// Writes out the write buffer (`fflush`). `stdout` is the VM's shared writer (also flushed when
    /// this handle is standard output).
    pub fn flush(&mut self, stdout: &mut dyn Write) -> io::Result<()> {
        if self.stream.is_none() {
            return Err(Self::closed_error());
        }
        if !self.wbuf.is_empty() {
            let data = std::mem::take(&mut self.wbuf);
            let r = self.os_write(&data, stdout);
            self.wbuf = data;
            self.wbuf.clear();
            r?;
        }
        match &mut self.stream {
            Some(Stream::SharedStdout) => stdout.flush(),
            Some(Stream::File(f)) => f.flush(),
            _ => Ok(()),
        }
    }

    /// Appends `data` to the stream under its buffering mode (`fwrite`).
    pub fn write(&mut self, data: &[u8], stdout: &mut dyn Write) -> io::Result<()> {
        if self.stream.is_none() {
            return Err(Self::closed_error());
        }
        if !self.rbuf.is_empty() {
            self.drop_read_buffer()?;
        }
        if self.is_shared_stdout() {
            // The VM's writer does the buffering; honour "no"/"line" by flushing it.
            stdout.write_all(data)?;
            return match self.mode {
                BufMode::No => stdout.flush(),
                BufMode::Line if data.contains(&b'\n') => stdout.flush(),
                _ => Ok(()),
            };
        }
        match self.mode {
            BufMode::No => {
                self.flush(stdout)?;
                self.os_write(data, stdout)
            }
            BufMode::Full | BufMode::Line => {
                if self.wbuf.len() + data.len() > self.bufsize {
                    self.flush(stdout)?;
                    if data.len() >= self.bufsize {
                        return self.os_write(data, stdout);
                    }
                }
                self.wbuf.extend_from_slice(data);
                if self.mode == BufMode::Line && data.contains(&b'\n') {
                    self.flush(stdout)?;
                }
                Ok(())
            }
        }
    }

    /// Prepares for reading: writes out pending output first.
    fn start_read(&mut self) -> io::Result<()> {
        if self.stream.is_none() {
            return Err(Self::closed_error());
        }
        if !self.wbuf.is_empty() {
            self.flush(&mut io::sink())?;
        }
        Ok(())
    }

    /// Refills the read buffer; `Ok(false)` at end of file.
    fn fill(&mut self) -> io::Result<bool> {
        if self.rpos < self.rbuf.len() {
            return Ok(true);
        }
        let mut buf = std::mem::take(&mut self.rbuf);
        buf.resize(self.bufsize.max(1), 0);
        let r = loop {
            match self.os_read(&mut buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                r => break r,
            }
        };
        let n = *r.as_ref().unwrap_or(&0);
        buf.truncate(n);
        self.rbuf = buf;
        self.rpos = 0;
        if n == 0 {
            self.eof = true;
        }
        r.map(|n| n > 0)
    }

    /// Next byte (`getc`), `None` at end of file.
    fn getc(&mut self) -> io::Result<Option<u8>> {
        if self.rpos >= self.rbuf.len() && !self.fill()? {
            return Ok(None);
        }
        let c = self.rbuf[self.rpos];
        self.rpos += 1;
        Ok(Some(c))
    }

    /// Pushes back the byte just returned by [`LuaFile::getc`] (`ungetc`). Always possible: the
    /// buffer still holds it.
    fn ungetc(&mut self, c: Option<u8>) {
        if c.is_some() && self.rpos > 0 {
            self.rpos -= 1;
        }
    }

    /// `read("l")` (`chop`) or `read("L")`: appends one line to `out`. Returns whether a line was read
    /// (false only at end of file with nothing read).
    pub fn read_line(&mut self, out: &mut Vec<u8>, chop: bool) -> io::Result<bool> {
        self.start_read()?;
        let start = out.len();
        loop {
            if self.rpos >= self.rbuf.len() && !self.fill()? {
                return Ok(out.len() > start);
            }
            let avail = &self.rbuf[self.rpos..];
            match avail.iter().position(|&c| c == b'\n') {
                Some(p) => {
                    out.extend_from_slice(&avail[..if chop { p } else { p + 1 }]);
                    self.rpos += p + 1;
                    return Ok(true);
                }
                None => {
                    out.extend_from_slice(avail);
                    self.rpos = self.rbuf.len();
                }
            }
        }
    }

    /// `read(n)` for `n > 0`: appends up to `n` bytes; returns whether any was read.
    pub fn read_chars(&mut self, n: usize, out: &mut Vec<u8>) -> io::Result<bool> {
        self.start_read()?;
        let mut left = n;
        while left > 0 {
            if self.rpos >= self.rbuf.len() && !self.fill()? {
                break;
            }
            let avail = &self.rbuf[self.rpos..];
            let k = avail.len().min(left);
            out.extend_from_slice(&avail[..k]);
            self.rpos += k;
            left -= k;
        }
        Ok(left < n)
    }

    /// `read("a")`: appends the rest of the file.
    pub fn read_all(&mut self, out: &mut Vec<u8>) -> io::Result<()> {
        self.start_read()?;
        out.extend_from_slice(&self.rbuf[self.rpos..]);
        self.rpos = self.rbuf.len();
        while self.fill()? {
            out.extend_from_slice(&self.rbuf);
            self.rpos = self.rbuf.len();
        }
        Ok(())
    }

    /// `read(0)`: whether the file is not at its end (reads nothing).
    pub fn test_eof(&mut self) -> io::Result<bool> {
        self.start_read()?;
        let c = self.getc()?;
        self.ungetc(c);
        Ok(c.is_some())
    }

    /// `read("n")`: reads the longest prefix that looks like a numeral (at most 200 bytes, as
    /// `liolib.c` `read_number`) and converts it; `None` when that text is not a valid number.
    pub fn read_number(&mut self) -> io::Result<Option<Number>> {
        self.start_read()?;
        let mut rn = NumeralReader {
            file: self,
            buf: [0; MAX_NUMERAL],
            n: 0,
            c: None,
            overflow: false,
        };
        rn.c = rn.file.getc()?;
        while rn.c.is_some_and(is_space) {
            rn.c = rn.file.getc()?;
        }
        rn.test2(b"-+")?;
        let mut count = 0;
        let mut hex = false;
        if rn.test2(b"00")? {
            if rn.test2(b"xX")? {
                hex = true;
            } else {
                count = 1;
            }
        }
        count += rn.digits(hex)?;
        if rn.test2(b"..")? {
            count += rn.digits(hex)?;
        }
        if count > 0 && rn.test2(if hex { b"pP" } else { b"eE" })? {
            rn.test2(b"-+")?;
            rn.digits(false)?;
        }
        let c = rn.c;
        let (n, overflow) = (rn.n, rn.overflow);
        let buf = rn.buf;
        self.ungetc(c);
        if overflow {
            return Ok(None);
        }
        Ok(str_to_number(&buf[..n]))
    }

    /// `seek(whence, offset)`: the new position from the start of the file.
    pub fn seek(&mut self, pos: SeekFrom, stdout: &mut dyn Write) -> io::Result<u64> {
        if self.stream.is_none() {
            return Err(Self::closed_error());
        }
        self.flush(stdout)?;
        let unread = (self.rbuf.len() - self.rpos) as i64;
        self.rbuf.clear();
        self.rpos = 0;
        self.eof = false;
        let pos = match pos {
            SeekFrom::Current(off) => SeekFrom::Current(off - unread),
            p => p,
        };
        match &mut self.stream {
            Some(Stream::File(f)) => f.seek(pos),
            Some(Stream::StdFd(f)) => f.seek(pos),
            // Pipes and the shared stdout (usually a terminal or pipe) cannot seek.
            _ => Err(io::Error::from_raw_os_error(libc::ESPIPE)),
        }
    }

    /// `setvbuf(mode, size)`: sets the buffering mode; `size` (bytes) defaults to [`BUFSIZ`].
    pub fn set_buffering(
        &mut self,
        mode: BufMode,
        size: Option<usize>,
        stdout: &mut dyn Write,
    ) -> io::Result<()> {
        self.flush(stdout)?;
        self.mode = mode;
        self.bufsize = size.unwrap_or(BUFSIZ).max(1);
        Ok(())
    }

    /// Flushes and closes the stream (`fclose` / `pclose`). Afterwards [`LuaFile::is_closed`] holds.
    pub fn close(&mut self, stdout: &mut dyn Write) -> io::Result<CloseStatus> {
        let flushed = self.flush(stdout);
        self.rbuf = Vec::new();
        self.rpos = 0;
        self.wbuf = Vec::new();
        match self.stream.take() {
            None => Err(Self::closed_error()),
            Some(Stream::Pipe(mut child)) => {
                drop(child.stdin.take());
                drop(child.stdout.take());
                let status = child.wait()?;
                flushed?;
                use std::os::unix::process::ExitStatusExt;
                Ok(match (status.code(), status.signal()) {
                    (Some(code), _) => CloseStatus::Exit(code),
                    (None, Some(sig)) => CloseStatus::Signal(sig),
                    (None, None) => CloseStatus::Exit(-1),
                })
            }
            Some(_) => flushed.map(|()| CloseStatus::Ok),
        }
    }
}

impl Drop for LuaFile {
    /// A stream dropped while open (its userdata freed without `__gc` running, or the VM torn down)
    /// still writes out its buffer and reaps its child process, as C's `exit` does for open `FILE`s.
    fn drop(&mut self) {
        if self.stream.is_some() && !self.is_shared_stdout() {
            let _ = self.close(&mut io::sink());
        }
    }
}

/// State of `read_number` (`RN` in `liolib.c`): the numeral read so far and one byte of look-ahead.
struct NumeralReader<'a> {
    file: &'a mut LuaFile,
    buf: [u8; MAX_NUMERAL],
    n: usize,
    c: Option<u8>,
    overflow: bool,
}

impl NumeralReader<'_> {
    /// Keeps the look-ahead byte and reads the next (`nextc`); false when the numeral is too long.
    fn next(&mut self) -> io::Result<bool> {
        if self.n >= MAX_NUMERAL {
            self.overflow = true;
            return Ok(false);
        }
        self.buf[self.n] = self.c.unwrap_or(0);
        self.n += 1;
        self.c = self.file.getc()?;
        Ok(true)
    }

    /// Accepts the look-ahead byte if it is one of the two in `set` (`test2`).
    fn test2(&mut self, set: &[u8; 2]) -> io::Result<bool> {
        match self.c {
            Some(c) if c == set[0] || c == set[1] => self.next(),
            _ => Ok(false),
        }
    }

    /// Accepts a run of (hex) digits; returns how many (`readdigits`).
    fn digits(&mut self, hex: bool) -> io::Result<usize> {
        let mut count = 0;
        while self.c.is_some_and(|c| {
            if hex {
                c.is_ascii_hexdigit()
            } else {
                c.is_ascii_digit()
            }
        }) && self.next()?
        {
            count += 1;
        }
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn temp_file(name: &str, content: &[u8]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("moonlift-io-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, content).unwrap();
        p
    }

    fn open(p: &std::path::Path, mode: &str) -> LuaFile {
        LuaFile::open(p, mode).unwrap().unwrap()
    }

    fn num(f: &mut LuaFile) -> Option<String> {
        f.read_number().unwrap().map(|n| match n {
            Number::Int(i) => i.to_string(),
            Number::Float(x) => crate::number::format::fmt_float(x),
        })
    }

    /// `printf '  0x1p4 -.5e2 1e 12345678901234567890 0x  nan 5' > n.txt; lua5.4 -e 'f=io.open("n.txt");
    /// print(f:read("n","n")); print(f:read("n")); print(f:read("n")); print(f:read("n"));
    /// print(f:read("a"))'` gives `16.0 -50.0`, `nil`, `1.2345678901235e+19`, `nil`, `  nan 5`.
    #[test]
    fn read_number_matches_lua54() {
        let p = temp_file("n.txt", b"  0x1p4 -.5e2 1e 12345678901234567890 0x  nan 5");
        let mut f = open(&p, "r");
        assert_eq!(num(&mut f).as_deref(), Some("16.0"));
        assert_eq!(num(&mut f).as_deref(), Some("-50.0"));
        assert_eq!(num(&mut f), None);
        assert_eq!(num(&mut f).as_deref(), Some("1.2345678901235e+19"));
        assert_eq!(num(&mut f), None);
        let mut rest = Vec::new();
        f.read_all(&mut rest).unwrap();
        assert_eq!(rest, b"  nan 5");
    }

    /// A numeral longer than 200 bytes fails, leaving the bytes after the 200th unread
    /// (lua5.4 leaves 7 of 207).
    #[test]
    fn read_number_limit() {
        let mut s = b"0x".to_vec();
        s.extend(std::iter::repeat_n(b'1', 205));
        let p = temp_file("long.txt", &s);
        let mut f = open(&p, "r");
        assert_eq!(num(&mut f), None);
        let mut rest = Vec::new();
        f.read_all(&mut rest).unwrap();
        assert_eq!(rest.len(), 7);
    }

    /// Same file as lua5.4's `f:read(0), f:read(3), f:read("L"), f:read(0), f:read("l"), f:read("a"),
    /// f:read("a"), f:read(0)` → `"" "  0" "x1p4 ...5" nil nil "" "" nil`; then
    /// `f:seek("set", 2), f:read(3), f:seek(), f:seek("end"), f:seek("cur", -3), f:read("a")` →
    /// `2 "0x1" 5 47 44 "n 5"`.
    #[test]
    fn read_formats_and_seek() {
        let content = b"  0x1p4 -.5e2 1e 12345678901234567890 0x  nan 5";
        let p = temp_file("r.txt", content);
        let mut f = open(&p, "r");
        let mut sink = io::sink();
        assert!(f.test_eof().unwrap());
        let mut b = Vec::new();
        assert!(f.read_chars(3, &mut b).unwrap());
        assert_eq!(b, b"  0");
        b.clear();
        assert!(f.read_line(&mut b, false).unwrap());
        assert_eq!(b, &content[3..]);
        assert!(!f.test_eof().unwrap());
        b.clear();
        assert!(!f.read_line(&mut b, true).unwrap());
        f.read_all(&mut b).unwrap();
        assert!(b.is_empty());
        assert!(!f.read_chars(1, &mut b).unwrap());
        assert_eq!(f.seek(SeekFrom::Start(2), &mut sink).unwrap(), 2);
        assert!(f.read_chars(3, &mut b).unwrap());
        assert_eq!(b, b"0x1");
        assert_eq!(f.seek(SeekFrom::Current(0), &mut sink).unwrap(), 5);
        assert_eq!(f.seek(SeekFrom::End(0), &mut sink).unwrap(), 47);
        assert_eq!(f.seek(SeekFrom::Current(-3), &mut sink).unwrap(), 44);
        b.clear();
        f.read_all(&mut b).unwrap();
        assert_eq!(b, b"n 5");
    }

    /// `printf 'a\nb\n\nc'`: lines "a", "b", "", "c" (and with "L", the newlines kept).
    #[test]
    fn lines() {
        let p = temp_file("l.txt", b"a\nb\n\nc");
        let mut f = open(&p, "r");
        let mut got = Vec::new();
        loop {
            let mut b = Vec::new();
            if !f.read_line(&mut b, true).unwrap() {
                break;
            }
            got.push(b);
        }
        assert_eq!(
            got,
            vec![b"a".to_vec(), b"b".to_vec(), b"".to_vec(), b"c".to_vec()]
        );
        f.seek(SeekFrom::Start(0), &mut io::sink()).unwrap();
        let mut b = Vec::new();
        assert!(f.read_line(&mut b, false).unwrap());
        assert_eq!(b, b"a\n");
    }

    #[test]
    fn write_read_mixed_and_modes() {
        let p = temp_file("w.txt", b"");
        let mut sink = io::sink();
        let mut f = open(&p, "w+");
        f.write(b"hello\nworld\n", &mut sink).unwrap();
        assert_eq!(f.seek(SeekFrom::Current(0), &mut sink).unwrap(), 12);
        f.seek(SeekFrom::Start(0), &mut sink).unwrap();
        let mut b = Vec::new();
        f.read_line(&mut b, true).unwrap();
        assert_eq!(b, b"hello");
        // Writing after reading continues at the logical position.
        f.write(b"W", &mut sink).unwrap();
        f.close(&mut sink).unwrap();
        assert!(f.is_closed());
        assert_eq!(std::fs::read(&p).unwrap(), b"hello\nWorld\n");
        assert!(f.write(b"x", &mut sink).is_err());

        let mut f = open(&p, "a");
        f.set_buffering(BufMode::No, None, &mut sink).unwrap();
        f.write(b"tail", &mut sink).unwrap();
        // Unbuffered: already on disk before close.
        assert_eq!(std::fs::read(&p).unwrap(), b"hello\nWorld\ntail");
        f.close(&mut sink).unwrap();

        assert!(LuaFile::open(&p, "rb+").is_none());
        assert!(LuaFile::open(&p, "x").is_none());
        assert!(LuaFile::open(&p, "").is_none());
        assert!(LuaFile::open(&p, "r+b").is_some());
        let e = LuaFile::open(std::path::Path::new("/nonexistent/x"), "r")
            .unwrap()
            .unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::ENOENT));
    }

    #[test]
    fn dropping_an_open_file_flushes_it() {
        let p = temp_file("drop.txt", b"");
        let mut f = open(&p, "w");
        f.write(b"kept", &mut io::sink()).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"");
        drop(f);
        assert_eq!(std::fs::read(&p).unwrap(), b"kept");
    }

    #[test]
    fn shared_stdout_goes_to_callers_writer() {
        let mut f = LuaFile::stdout();
        let mut out: Vec<u8> = Vec::new();
        f.write(b"abc", &mut out).unwrap();
        f.write(b"def", &mut out).unwrap();
        assert_eq!(out, b"abcdef");
        assert!(f.is_std());
    }

    #[test]
    fn popen_status() {
        let mut f = LuaFile::popen("echo hi; exit 3", "r").unwrap().unwrap();
        let mut b = Vec::new();
        f.read_all(&mut b).unwrap();
        assert_eq!(b, b"hi\n");
        assert_eq!(f.close(&mut io::sink()).unwrap(), CloseStatus::Exit(3));
        assert!(LuaFile::popen("true", "rw").is_none());
    }
}
