//! Time rendering as pmacct does it: `compose_timestamp()`, the `timestamps_*` options, and
//! strftime for file names. Local time follows the process TZ (as pmacct's localtime()).

use std::io::Write;

use pmacct_wire::Timestamp;

/// The `timestamps_*` keys (all default false).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TimestampOptions {
    /// `timestamps_secs`: zero the microseconds (still printed as `.000000`).
    pub secs: bool,
    /// `timestamps_since_epoch`: `"1677577561.088000"` instead of a date.
    pub since_epoch: bool,
    /// `timestamps_utc`: gmtime instead of localtime.
    pub utc: bool,
    /// `timestamps_rfc3339`: `T` separator and `Z` / `+hh:mm` suffix.
    pub rfc3339: bool,
}

/// Broken-down time (the fields pmacct uses).
#[derive(Debug, Clone, Copy)]
pub struct Tm {
    pub year: i32,
    pub mon: u32,
    pub mday: u32,
    pub hour: u32,
    pub min: u32,
    pub sec: u32,
    /// Seconds east of UTC.
    pub gmtoff: i64,
    raw: libc::tm,
}

/// Re-read the TZ environment variable (tests set `TZ=UTC` in-process; a daemon may call it
/// after changing TZ).
pub fn reload_timezone() {
    extern "C" {
        // POSIX <time.h>; the libc crate does not bind it.
        fn tzset();
    }
    // SAFETY: tzset only refreshes libc's timezone globals from the environment; no pointers
    // are passed.
    unsafe { tzset() };
}

/// Break `secs` down in local time (process TZ) or UTC.
pub fn broken_down(secs: i64, utc: bool) -> Tm {
    let t = secs as libc::time_t;
    // SAFETY: libc::tm is plain old data (all-zero is a valid value); localtime_r/gmtime_r
    // only write into the tm we pass and are thread-safe, unlike localtime/gmtime.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: see above; both pointers are to live locals.
    unsafe {
        if utc {
            libc::gmtime_r(&t, &mut tm);
        } else {
            libc::localtime_r(&t, &mut tm);
        }
    }
    Tm {
        year: tm.tm_year + 1900,
        mon: (tm.tm_mon + 1) as u32,
        mday: tm.tm_mday as u32,
        hour: tm.tm_hour as u32,
        min: tm.tm_min as u32,
        sec: tm.tm_sec as u32,
        gmtoff: if utc { 0 } else { tm.tm_gmtoff },
        raw: tm,
    }
}

/// mktime() of a (possibly denormalized) broken-down local/UTC time.
fn make_time(mut tm: libc::tm, utc: bool) -> i64 {
    tm.tm_isdst = -1;
    // SAFETY: tm is a valid, initialized libc::tm owned by this frame; mktime/timegm only
    // read and normalize it.
    unsafe {
        if utc {
            libc::timegm(&mut tm) as i64
        } else {
            libc::mktime(&mut tm) as i64
        }
    }
}

/// pmacct's `roundoff_time()`: zero seconds, then minutes (`m`), hours (`h`), day of month
/// (`d`), back to Monday (`w`), month (`M`), in calendar (local or UTC) time.
pub fn roundoff_time(t: i64, roundoff: &str, utc: bool) -> i64 {
    let mut tm = broken_down(t, utc).raw;
    tm.tm_sec = 0;
    for c in roundoff.chars() {
        match c {
            'm' => tm.tm_min = 0,
            'h' => {
                tm.tm_min = 0;
                tm.tm_hour = 0;
            }
            'd' => {
                tm.tm_min = 0;
                tm.tm_hour = 0;
                tm.tm_mday = 1;
            }
            'w' => {
                tm.tm_min = 0;
                tm.tm_hour = 0;
                while tm.tm_wday > 1 {
                    tm.tm_mday -= 1;
                    tm.tm_wday -= 1;
                }
            }
            'M' => {
                tm.tm_min = 0;
                tm.tm_hour = 0;
                tm.tm_mday = 1;
                tm.tm_mon = 0;
            }
            _ => {}
        }
    }
    make_time(tm, utc)
}

/// Length in seconds of `n` months starting at (the first of the month of) `t`, going forward
/// (`forward`) or backward: pmacct's `calc_monthly_timeslot()`.
pub fn monthly_timeslot(t: i64, n: u32, forward: bool, utc: bool) -> i64 {
    let mut tm = broken_down(t, utc).raw;
    for _ in 0..n {
        tm.tm_mday = 1;
        if forward {
            tm.tm_mon += 1;
        } else {
            tm.tm_mon -= 1;
        }
    }
    make_time(tm, utc) - t
}

fn write_zone(out: &mut Vec<u8>, gmtoff: i64) {
    if gmtoff == 0 {
        out.push(b'Z');
    } else {
        let sign = if gmtoff < 0 { '-' } else { '+' };
        let a = gmtoff.abs();
        let _ = write!(out, "{sign}{:02}:{:02}", a / 3600, (a % 3600) / 60);
    }
}

/// Calendar fields of `secs` seconds since the epoch in UTC (proleptic Gregorian).
fn civil(secs: i64) -> (i64, u32, u32, u32, u32, u32) {
    let days = secs.div_euclid(86400);
    let sod = secs.rem_euclid(86400);
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (
        y,
        m,
        d,
        (sod / 3600) as u32,
        ((sod % 3600) / 60) as u32,
        (sod % 60) as u32,
    )
}

thread_local! {
    /// Local-time offset of the last quarter hour converted: (start, gmtoff). Zone offsets
    /// change on quarter-hour UTC boundaries (half-hour zones included), so one localtime_r
    /// per quarter hour of timestamps is enough.
    static ZONE: std::cell::Cell<(i64, i64)> = const { std::cell::Cell::new((i64::MIN, 0)) };
}

/// Seconds east of UTC at `secs` in the process TZ.
fn local_offset(secs: i64) -> i64 {
    let hour = secs.div_euclid(900) * 900;
    let (h, off) = ZONE.with(|z| z.get());
    if h == hour {
        return off;
    }
    let off = broken_down(secs, false).gmtoff;
    ZONE.with(|z| z.set((hour, off)));
    off
}

/// Append `n` in decimal without going through `fmt`.
#[inline]
pub fn push_uint(out: &mut Vec<u8>, n: u64) {
    // Most numbers in a record are short (address octets, ports, protocols, small counters):
    // constant-length copies the compiler inlines instead of a memmove call per number
    // (perf: ~4% of a Kafka purge was memmove under write_ip/push_uint).
    let d = |x: u64| b'0' + (x % 10) as u8;
    if n < 10 {
        out.push(d(n));
    } else if n < 100 {
        out.extend_from_slice(&[d(n / 10), d(n)]);
    } else if n < 1000 {
        out.extend_from_slice(&[d(n / 100), d(n / 10), d(n)]);
    } else {
        push_uint_long(out, n);
    }
}

fn push_uint_long(out: &mut Vec<u8>, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

#[inline]
fn push2(out: &mut Vec<u8>, n: u32) {
    out.push(b'0' + (n / 10 % 10) as u8);
    out.push(b'0' + (n % 10) as u8);
}

/// `compose_timestamp()`: render `ts` into `out` (no allocation). `usec` selects the
/// `.uuuuuu` part (flow timestamps) or not (`stamp_*`).
pub fn write_timestamp(out: &mut Vec<u8>, ts: Timestamp, usec: bool, opts: &TimestampOptions) {
    let us = if opts.secs { 0 } else { ts.usecs };
    if opts.since_epoch {
        push_uint(out, ts.secs);
        if usec {
            out.push(b'.');
            let _ = write!(out, "{us:06}");
        }
        return;
    }
    // Out-of-range times (hostile input) are clamped, never a panic.
    let secs = ts.secs.min(i64::MAX as u64 / 2) as i64;
    let gmtoff = if opts.utc { 0 } else { local_offset(secs) };
    let sep = if opts.rfc3339 { b'T' } else { b' ' };
    if ts.secs != 0 {
        let (y, mo, d, h, mi, s) = civil(secs + gmtoff);
        if (0..10000).contains(&y) {
            push2(out, (y / 100) as u32);
            push2(out, (y % 100) as u32);
        } else {
            let _ = write!(out, "{y}");
        }
        out.push(b'-');
        push2(out, mo);
        out.push(b'-');
        push2(out, d);
        out.push(sep);
        push2(out, h);
        out.push(b':');
        push2(out, mi);
        out.push(b':');
        push2(out, s);
    } else {
        out.extend_from_slice(b"0000-00-00");
        out.push(sep);
        out.extend_from_slice(b"00:00:00");
    }
    if usec {
        out.push(b'.');
        let mut buf = [b'0'; 6];
        let mut u = us.min(999_999);
        for b in buf.iter_mut().rev() {
            *b = b'0' + (u % 10) as u8;
            u /= 10;
        }
        out.extend_from_slice(&buf);
    }
    if opts.rfc3339 {
        // pmacct takes the zone of the time 0 conversion too (UTC for the epoch).
        write_zone(
            out,
            if ts.secs != 0 {
                gmtoff
            } else {
                local_offset(0)
            },
        );
    }
}

/// Convenience: [`write_timestamp`] into a new String (tests, file names).
pub fn timestamp_string(ts: Timestamp, usec: bool, opts: &TimestampOptions) -> String {
    let mut v = Vec::with_capacity(32);
    write_timestamp(&mut v, ts, usec, opts);
    String::from_utf8_lossy(&v).into_owned()
}

/// strftime(3) of `format` at `t` (local or UTC), then `$tzone` replaced by `+hh:mm`/`Z`
/// (pmacct's `pm_strftime_same()` + `insert_rfc3339_timezone()`).
pub fn strftime(format: &str, t: i64, utc: bool) -> String {
    let tm = broken_down(t, utc);
    let Ok(cfmt) = std::ffi::CString::new(format) else {
        return format.to_string();
    };
    let mut buf = vec![0u8; format.len() * 4 + 256];
    // SAFETY: buf is writable for buf.len() bytes, cfmt is NUL-terminated and tm.raw is a
    // valid struct tm produced by localtime_r/gmtime_r. strftime writes at most buf.len()
    // bytes including the NUL and returns the length written (0 if it did not fit).
    let n = unsafe {
        libc::strftime(
            buf.as_mut_ptr() as *mut libc::c_char,
            buf.len(),
            cfmt.as_ptr(),
            &tm.raw,
        )
    };
    buf.truncate(n);
    let s = String::from_utf8_lossy(&buf).into_owned();
    if s.contains("$tzone") {
        // Only the first occurrence is replaced, as pmacct does.
        let mut z = Vec::new();
        write_zone(&mut z, tm.gmtoff);
        return s.replacen("$tzone", &String::from_utf8_lossy(&z), 1);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc() -> TimestampOptions {
        TimestampOptions {
            utc: true,
            ..Default::default()
        }
    }

    // Values from the reference (section 3.3), observed with nfacctd 1.7.7 under TZ=UTC.
    #[test]
    fn push_uint_every_length() {
        let mut out = Vec::new();
        let mut n = 0u64;
        let mut vals = vec![
            u64::MAX,
            u64::MAX / 10,
            255,
            256,
            65535,
            999,
            1000,
            99,
            100,
            9,
            10,
        ];
        while n < u64::MAX / 7 {
            vals.push(n);
            n = n * 7 + 1;
        }
        vals.extend(0..1200);
        for v in vals {
            out.clear();
            push_uint(&mut out, v);
            assert_eq!(out, v.to_string().as_bytes(), "{v}");
        }
    }

    #[test]
    fn formats() {
        let ts = Timestamp::new(1677577561, 88000);
        assert_eq!(
            timestamp_string(ts, true, &utc()),
            "2023-02-28 09:46:01.088000"
        );
        let o = TimestampOptions {
            secs: true,
            ..utc()
        };
        assert_eq!(timestamp_string(ts, true, &o), "2023-02-28 09:46:01.000000");
        let o = TimestampOptions {
            rfc3339: true,
            ..utc()
        };
        assert_eq!(
            timestamp_string(ts, true, &o),
            "2023-02-28T09:46:01.088000Z"
        );
        assert_eq!(
            timestamp_string(Timestamp::new(1677577500, 0), false, &o),
            "2023-02-28T09:45:00Z"
        );
        let o = TimestampOptions {
            since_epoch: true,
            ..utc()
        };
        assert_eq!(timestamp_string(ts, true, &o), "1677577561.088000");
        assert_eq!(
            timestamp_string(Timestamp::new(1677577500, 0), false, &o),
            "1677577500"
        );
        let o = TimestampOptions {
            since_epoch: true,
            secs: true,
            ..utc()
        };
        assert_eq!(timestamp_string(ts, true, &o), "1677577561.000000");
        assert_eq!(
            timestamp_string(Timestamp::ZERO, true, &utc()),
            "0000-00-00 00:00:00.000000"
        );
        assert_eq!(
            timestamp_string(Timestamp::new(1677577500, 0), false, &utc()),
            "2023-02-28 09:45:00"
        );
    }

    #[test]
    fn roundoff_and_strftime() {
        let t = 1677577561; // 2023-02-28 09:46:01 UTC, a Tuesday
        assert_eq!(roundoff_time(t, "", true), 1677577560);
        assert_eq!(roundoff_time(t, "m", true), 1677574800);
        assert_eq!(roundoff_time(t, "h", true), 1677542400);
        assert_eq!(roundoff_time(t, "d", true), 1675209600);
        assert_eq!(roundoff_time(t, "w", true), 1677456000); // Monday 2023-02-27
        assert_eq!(roundoff_time(t, "M", true), 1672531200);
        assert_eq!(
            strftime("/x/%Y%m%d-%H%M%S-%s-%w-%W-%z", t, true),
            "/x/20230228-094601-1677577561-2-09-+0000"
        );
        assert_eq!(monthly_timeslot(1675209600, 1, true, true), 28 * 86400);
        // civil() agrees with gmtime_r over a wide range.
        for t in (-2_000_000_000i64..4_000_000_000).step_by(7_777_777) {
            let tm = broken_down(t, true);
            assert_eq!(
                civil(t),
                (i64::from(tm.year), tm.mon, tm.mday, tm.hour, tm.min, tm.sec),
                "{t}"
            );
        }
        let mut v = Vec::new();
        push_uint(&mut v, 0);
        push_uint(&mut v, 18446744073709551615);
        assert_eq!(v, b"018446744073709551615");
    }
}
