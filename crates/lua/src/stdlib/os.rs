//! The `os` library (Lua 5.4 manual §6.9).
//!
//! [`time`] wraps the C library's calendar functions for `os.time`, `os.date` and `os.clock`.

pub mod time;

/// The C library's message for `errno` value `err` (`strerror`), e.g. "No such file or directory".
pub fn strerror(err: i32) -> String {
    let mut buf = [0u8; 256];
    // SAFETY: `buf` is writable for its full length; the XSI `strerror_r` (which the libc crate binds
    // on glibc) writes a NUL-terminated message of at most that many bytes.
    let r = unsafe { libc::strerror_r(err, buf.as_mut_ptr() as *mut std::ffi::c_char, buf.len()) };
    if r != 0 {
        return format!("Unknown error {err}");
    }
    let end = buf.iter().position(|&c| c == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}
