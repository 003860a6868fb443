//! Local-time formatting for log prefixes.

/// `YYYY-MM-DDTHH:MM:SSZ` (UTC) or `YYYY-MM-DDTHH:MM:SS±hh:mm` (local), as pmacct prefixes
/// log-file lines.
pub fn log_stamp(utc: bool) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as libc::time_t)
        .unwrap_or(0);
    // SAFETY: tm is plain old data; localtime_r/gmtime_r write only into it and are
    // thread-safe (unlike localtime/gmtime).
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: see above; both pointers are to live locals.
    unsafe {
        if utc {
            libc::gmtime_r(&now, &mut tm);
        } else {
            libc::localtime_r(&now, &mut tm);
        }
    }
    let base = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        tm.tm_year + 1900,
        tm.tm_mon + 1,
        tm.tm_mday,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec
    );
    let off = if utc { 0 } else { tm.tm_gmtoff };
    if off == 0 {
        format!("{base}Z")
    } else {
        let sign = if off < 0 { '-' } else { '+' };
        let a = off.abs();
        format!("{base}{sign}{:02}:{:02}", a / 3600, (a % 3600) / 60)
    }
}
