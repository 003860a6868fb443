//! Process-level chores: daemonize, pidfiles.

use std::fs;
use std::io;

/// Fork into the background the way pmacct does (fork, setsid, fork-free), keeping the
/// current directory so relative paths in the config keep working; stdio goes to /dev/null.
pub fn daemonize() -> io::Result<()> {
    // SAFETY: called before any thread is spawned (the runtime starts threads afterwards), so
    // the child is a faithful copy of a single-threaded process.
    match unsafe { libc::fork() } {
        -1 => return Err(io::Error::last_os_error()),
        0 => {}
        _ => std::process::exit(0),
    }
    // SAFETY: setsid has no memory-safety preconditions.
    if unsafe { libc::setsid() } == -1 {
        return Err(io::Error::last_os_error());
    }
    let devnull = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")?;
    use std::os::unix::io::AsRawFd;
    for fd in 0..3 {
        // SAFETY: dup2 onto the standard descriptors with a valid open descriptor.
        unsafe { libc::dup2(devnull.as_raw_fd(), fd) };
    }
    Ok(())
}

/// Write `pid\n` to `path` (pmacct's pidfile format).
pub fn write_pidfile(path: &str) -> io::Result<()> {
    fs::write(path, format!("{}\n", std::process::id()))?;
    // files_uid/files_gid, as pmacct's write_pid_file() (a failure is not fatal there).
    let _ = pmacct_plugins::files::chown(std::path::Path::new(path));
    Ok(())
}

/// `files_uid`: a user name, else a numeric uid that exists (pmacct: getpwnam, then
/// getpwuid(atoi(v)) when v is a number).
pub fn lookup_user(v: &str) -> Option<u32> {
    let c = std::ffi::CString::new(v).ok()?;
    // SAFETY: getpwnam/getpwuid return a pointer to static storage or null; read at once.
    unsafe {
        let pw = libc::getpwnam(c.as_ptr());
        if !pw.is_null() {
            return Some((*pw).pw_uid);
        }
        let n: u32 = v.parse().ok()?;
        let pw = libc::getpwuid(n);
        (!pw.is_null()).then(|| (*pw).pw_uid)
    }
}

/// `files_gid`: a group name, else a numeric gid that exists.
pub fn lookup_group(v: &str) -> Option<u32> {
    let c = std::ffi::CString::new(v).ok()?;
    // SAFETY: getgrnam/getgrgid return a pointer to static storage or null; read at once.
    unsafe {
        let gr = libc::getgrnam(c.as_ptr());
        if !gr.is_null() {
            return Some((*gr).gr_gid);
        }
        let n: u32 = v.parse().ok()?;
        let gr = libc::getgrgid(n);
        (!gr.is_null()).then(|| (*gr).gr_gid)
    }
}

/// pmacct names each plugin's pidfile `<pidfile>-<type>-<name>`.
pub fn plugin_pidfile(pidfile: &str, kind: &str, name: &str) -> String {
    format!("{pidfile}-{kind}-{name}")
}

pub fn remove_pidfile(path: &str) {
    let _ = fs::remove_file(path);
}

/// `proc_priority` (pmacct 1.7.7's core and plugin processes each set theirs): the nice
/// value of the calling thread, which Linux keeps per thread and threads started later
/// inherit; logged as 1.7.7 logs it (0 is not set, as there).
pub fn set_priority(value: i32, name: &str, kind: &str) {
    if value == 0 {
        return;
    }
    // SAFETY: setpriority(2)/getpriority(2) on the calling thread (who = 0), no pointers.
    let rc = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, value) };
    if rc != 0 {
        let errno = io::Error::last_os_error().raw_os_error().unwrap_or(0);
        crate::plog!(Warn, name, kind, "proc_priority failed (errno: {})", errno);
    } else {
        // SAFETY: as above.
        let now = unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) };
        crate::plog!(Info, name, kind, "proc_priority set to {}", now);
    }
}
