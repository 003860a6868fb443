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
    fs::write(path, format!("{}\n", std::process::id()))
}

/// pmacct names each plugin's pidfile `<pidfile>-<type>-<name>`.
pub fn plugin_pidfile(pidfile: &str, kind: &str, name: &str) -> String {
    format!("{pidfile}-{kind}-{name}")
}

pub fn remove_pidfile(path: &str) {
    let _ = fs::remove_file(path);
}
