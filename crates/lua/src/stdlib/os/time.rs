//! Dates and times for `os.time`, `os.date`, `os.clock` and `os.difftime` (Lua 5.4 manual §6.9,
//! `loslib.c`), over the C library (`time`, `localtime_r`, `gmtime_r`, `mktime`, `strftime`) as
//! PUC-Lua uses it, so results (normalisation, time zone, `%c` text in the C locale) are the same.
//!
//! Invariant: every libc call gets valid pointers to locals; failures come back as `None`/`Err`, never
//! as a panic.

use std::ffi::c_char;

/// Largest output of one `strftime` conversion (`SIZETIMEFMT` in `loslib.c`).
const SIZETIMEFMT: usize = 250;

/// Valid conversions after `%`: one-character ones, then two-character ones (`LUA_STRFTIMEOPTIONS`
/// for C99 in `loslib.c`).
const OPTIONS_1: &[u8] = b"aAbBcCdDeFgGhHIjmMnprRStTuUVwWxXyYzZ%";
const OPTIONS_2: &[&[u8; 2]] = &[
    b"Ec", b"EC", b"Ex", b"EX", b"Ey", b"EY", b"Od", b"Oe", b"OH", b"OI", b"Om", b"OM", b"OS",
    b"Ou", b"OU", b"OV", b"Ow", b"OW", b"Oy",
];

/// The current calendar time in seconds since the epoch (`time(NULL)`).
pub fn now() -> i64 {
    // SAFETY: `time` accepts a null pointer and then only returns the value.
    unsafe { libc::time(std::ptr::null_mut()) }
}

/// Processor time used by the program in seconds (`clock() / CLOCKS_PER_SEC`, which glibc computes
/// from `CLOCK_PROCESS_CPUTIME_ID` with microsecond resolution).
pub fn cpu_clock() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec.
    let r = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    if r != 0 {
        return -1.0;
    }
    let micros = ts.tv_sec * 1_000_000 + ts.tv_nsec / 1000;
    micros as f64 / 1_000_000.0
}

/// The broken-down time of `t`, in UTC or in the local time zone; `None` when the C library cannot
/// represent it (`os.date` then raises "date result cannot be represented in this installation").
pub fn broken_down(t: i64, utc: bool) -> Option<libc::tm> {
    // SAFETY: `tm` is plain old data; all-zero is a valid value (tm_zone null is fine for output).
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    let tt: libc::time_t = t;
    // SAFETY: both pointers are valid for the duration of the call; the *_r variants write only to
    // `tm` (and the library's own time-zone state, which they initialise as needed).
    let r = unsafe {
        if utc {
            libc::gmtime_r(&tt, &mut tm)
        } else {
            libc::localtime_r(&tt, &mut tm)
        }
    };
    if r.is_null() { None } else { Some(tm) }
}

/// The fields of an `os.date("*t")` table, already converted to Lua's conventions (`setallfields`):
/// `year` in full, `month` 1–12, `yday` 1–366, `wday` 1–7 with Sunday = 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateFields {
    /// Full year (e.g. 2024).
    pub year: i64,
    /// 1–12.
    pub month: i64,
    /// 1–31.
    pub day: i64,
    /// 0–23.
    pub hour: i64,
    /// 0–59.
    pub min: i64,
    /// 0–60 (leap second).
    pub sec: i64,
    /// Day of the year, 1–366.
    pub yday: i64,
    /// Day of the week, 1–7, Sunday is 1.
    pub wday: i64,
    /// Daylight saving time in effect.
    pub isdst: bool,
}

impl DateFields {
    /// Converts a C broken-down time.
    pub fn from_tm(tm: &libc::tm) -> DateFields {
        DateFields {
            year: tm.tm_year as i64 + 1900,
            month: tm.tm_mon as i64 + 1,
            day: tm.tm_mday as i64,
            hour: tm.tm_hour as i64,
            min: tm.tm_min as i64,
            sec: tm.tm_sec as i64,
            yday: tm.tm_yday as i64 + 1,
            wday: tm.tm_wday as i64 + 1,
            isdst: tm.tm_isdst > 0,
        }
    }

    /// The fields in the order `loslib.c` `setallfields` stores them.
    pub fn entries(&self) -> [(&'static str, i64); 8] {
        [
            ("year", self.year),
            ("month", self.month),
            ("day", self.day),
            ("hour", self.hour),
            ("min", self.min),
            ("sec", self.sec),
            ("yday", self.yday),
            ("wday", self.wday),
        ]
    }
}

/// Appends `os.date(fmt)` text for `tm` to `out` (`fmt` already without a leading `!`).
///
/// # Errors
/// On an invalid conversion, returns the rest of the format from the byte after `%`; the caller raises
/// `"bad argument #1 to 'date' (invalid conversion specifier '%<rest>')"`.
pub fn strftime(fmt: &[u8], tm: &libc::tm, out: &mut Vec<u8>) -> Result<(), Vec<u8>> {
    let mut i = 0;
    while i < fmt.len() {
        if fmt[i] != b'%' {
            out.push(fmt[i]);
            i += 1;
            continue;
        }
        i += 1;
        let rest = &fmt[i..];
        let len = if rest.first().is_some_and(|c| OPTIONS_1.contains(c)) {
            1
        } else if rest.len() >= 2 && OPTIONS_2.iter().any(|o| &rest[..2] == *o) {
            2
        } else {
            // The message shows the rest as a C string: up to a NUL.
            let end = rest.iter().position(|&c| c == 0).unwrap_or(rest.len());
            return Err(rest[..end].to_vec());
        };
        let mut conv = [b'%', 0, 0, 0];
        conv[1..=len].copy_from_slice(&rest[..len]);
        let mut buf = [0u8; SIZETIMEFMT];
        // SAFETY: `conv` is a NUL-terminated single conversion checked against the C99 list above;
        // `buf` is writable for SIZETIMEFMT bytes and `tm` is a valid broken-down time.
        let n = unsafe {
            libc::strftime(
                buf.as_mut_ptr() as *mut c_char,
                buf.len(),
                conv.as_ptr() as *const c_char,
                tm,
            )
        };
        out.extend_from_slice(&buf[..n.min(buf.len())]);
        i += len;
    }
    Ok(())
}

/// What a date-table field holds, as `os.time` reads it (`getfield` in `loslib.c`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldValue {
    /// The field is nil.
    Absent,
    /// The field converts to an integer (`lua_tointegerx`).
    Int(i64),
    /// Any other value.
    NotInt,
}

/// Validates one date-table field: returns the value minus `delta` as a C `int`, or `default` (if
/// non-negative) when absent.
///
/// # Errors
/// `"field 'day' missing in date table"`, `"field 'day' is not an integer"`,
/// `"field 'day' is out-of-bound"` (the `luaL_error` messages of `getfield`).
pub fn check_field(key: &str, v: FieldValue, default: i32, delta: i32) -> Result<i32, String> {
    match v {
        FieldValue::Int(res) => {
            let delta = delta as i64;
            let ok = if res >= 0 {
                res - delta <= i32::MAX as i64
            } else {
                i32::MIN as i64 + delta <= res
            };
            if ok {
                Ok((res - delta) as i32)
            } else {
                Err(format!("field '{key}' is out-of-bound"))
            }
        }
        FieldValue::NotInt => Err(format!("field '{key}' is not an integer")),
        FieldValue::Absent if default < 0 => Err(format!("field '{key}' missing in date table")),
        FieldValue::Absent => Ok(default),
    }
}

/// The validated inputs of `os.time(t)`: C `struct tm` conventions (years since 1900, months 0–11).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeFields {
    /// Years since 1900.
    pub year: i32,
    /// Month 0–11 (any value; `mktime` normalises).
    pub month: i32,
    /// Day of the month.
    pub day: i32,
    /// Hour.
    pub hour: i32,
    /// Minute.
    pub min: i32,
    /// Second.
    pub sec: i32,
    /// `isdst`: `None` lets the C library decide (`-1`).
    pub isdst: Option<bool>,
}

/// `mktime` in the local time zone: the time value and the normalised fields (which `os.time` writes
/// back into its table).
///
/// # Errors
/// `"time result cannot be represented in this installation"` when `mktime` fails (returns -1).
pub fn make_time(f: TimeFields) -> Result<(i64, DateFields), &'static str> {
    // SAFETY: `tm` is plain old data; all-zero is valid.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    tm.tm_year = f.year;
    tm.tm_mon = f.month;
    tm.tm_mday = f.day;
    tm.tm_hour = f.hour;
    tm.tm_min = f.min;
    tm.tm_sec = f.sec;
    tm.tm_isdst = match f.isdst {
        None => -1,
        Some(b) => b as i32,
    };
    // SAFETY: `tm` is a valid, writable struct tm.
    let t = unsafe { libc::mktime(&mut tm) };
    if t == -1 {
        return Err("time result cannot be represented in this installation");
    }
    Ok((t, DateFields::from_tm(&tm)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected text from `lua5.4 -e 'print(os.date("!%Y-%m-%d %H:%M:%S %Ec|%Oy|%%", 0))'` and
    /// `os.date("!%x %X %D %r %p %j %U %W %V %G %g %u %w %a %A %b %B %h %C %e %I %y %Z %z", 1e9)`.
    #[test]
    fn strftime_matches_lua54() {
        let tm = broken_down(0, true).unwrap();
        let mut out = Vec::new();
        strftime(b"%Y-%m-%d %H:%M:%S %Ec|%Oy|%%", &tm, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "1970-01-01 00:00:00 Thu Jan  1 00:00:00 1970|70|%"
        );
        let tm = broken_down(1_000_000_000, true).unwrap();
        let mut out = Vec::new();
        strftime(
            b"%x %X %D %r %p %j %U %W %V %G %g %u %w %a %A %b %B %h %C %e %I %y %z",
            &tm,
            &mut out,
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "09/09/01 01:46:40 09/09/01 01:46:40 AM AM 252 36 36 36 2001 01 7 0 Sun Sunday Sep \
             September Sep 20  9 01 01 +0000"
        );
        let mut out = Vec::new();
        strftime(b"%c", &tm, &mut out).unwrap();
        assert_eq!(out, b"Sun Sep  9 01:46:40 2001");
    }

    #[test]
    fn strftime_rejects_like_lua54() {
        let tm = broken_down(0, true).unwrap();
        let mut out = Vec::new();
        assert_eq!(strftime(b"%Ez abc", &tm, &mut out).unwrap_err(), b"Ez abc");
        assert_eq!(strftime(b"abc%", &tm, &mut out).unwrap_err(), b"");
        assert_eq!(strftime(b"%E", &tm, &mut out).unwrap_err(), b"E");
        assert_eq!(strftime(b"%q\0zz", &tm, &mut out).unwrap_err(), b"q");
    }

    #[test]
    fn date_fields_of_epoch() {
        let f = DateFields::from_tm(&broken_down(0, true).unwrap());
        assert_eq!(
            f,
            DateFields {
                year: 1970,
                month: 1,
                day: 1,
                hour: 0,
                min: 0,
                sec: 0,
                yday: 1,
                wday: 5,
                isdst: false
            }
        );
        assert!(broken_down(1 << 60, false).is_none());
    }

    /// `lua5.4 -e 'print(pcall(os.time, {year=2020, month=1}))'` etc.
    #[test]
    fn field_checks_match_lua54() {
        assert_eq!(
            check_field("day", FieldValue::Absent, -1, 0).unwrap_err(),
            "field 'day' missing in date table"
        );
        assert_eq!(
            check_field("day", FieldValue::NotInt, -1, 0).unwrap_err(),
            "field 'day' is not an integer"
        );
        assert_eq!(
            check_field("day", FieldValue::Int(1 << 40), -1, 0).unwrap_err(),
            "field 'day' is out-of-bound"
        );
        assert_eq!(check_field("hour", FieldValue::Absent, 12, 0), Ok(12));
        assert_eq!(
            check_field("year", FieldValue::Int(2020), -1, 1900),
            Ok(120)
        );
        assert_eq!(
            check_field("year", FieldValue::Int(i32::MIN as i64 + 1899), -1, 1900).unwrap_err(),
            "field 'year' is out-of-bound"
        );
        assert_eq!(
            check_field("year", FieldValue::Int(i32::MIN as i64 + 1900), -1, 1900),
            Ok(i32::MIN)
        );
    }

    /// Normalisation as `mktime` does it; compared with the epoch arithmetic of `lua5.4` in UTC
    /// (`os.time{year=2020, month=14, day=35, hour=25}` = 1615165200 when TZ is UTC), here computed
    /// relative to the local zone so the test holds in any zone.
    #[test]
    fn make_time_normalises() {
        let base = make_time(TimeFields {
            year: 120,
            month: 0,
            day: 1,
            hour: 0,
            min: 0,
            sec: 0,
            isdst: None,
        })
        .unwrap();
        let (t, f) = make_time(TimeFields {
            year: 120,
            month: 13,
            day: 35,
            hour: 25,
            min: 0,
            sec: 0,
            isdst: None,
        })
        .unwrap();
        assert_eq!((f.year, f.month, f.day, f.hour), (2021, 3, 8, 1));
        assert_eq!((f.yday, f.wday), (67, 2));
        // 2020-01-01 to 2021-03-08 01:00 is 432 days and 1 hour (modulo a DST shift).
        let diff = t - base.0;
        assert!((diff - (432 * 86400 + 3600)).abs() <= 3600, "{diff}");
    }

    #[test]
    fn clocks_move_forward() {
        let a = cpu_clock();
        let mut x = 0u64;
        for i in 0..200_000u64 {
            x = x.wrapping_add(std::hint::black_box(i));
        }
        std::hint::black_box(x);
        assert!(cpu_clock() >= a);
        assert!(now() > 1_600_000_000);
    }
}
