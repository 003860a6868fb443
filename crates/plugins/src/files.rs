//! Ownership of the files the daemons write (`files_uid`, `files_gid`): print output
//! files, their directories and latest-file links, the logfile and the pidfiles. pmacct's
//! `open_output_file()`, `mkdir_multilevel()`, `link_latest_output_file()` and
//! `write_pid_file()` chown what they create; set once at start-up from the core's values.

use std::path::Path;
use std::sync::OnceLock;

static OWNER: OnceLock<(Option<u32>, Option<u32>)> = OnceLock::new();

/// The owner and group every created file gets (None: left as created).
pub fn set_owner(uid: Option<u32>, gid: Option<u32>) {
    let _ = OWNER.set((uid, gid));
}

fn owner() -> Option<(Option<u32>, Option<u32>)> {
    OWNER
        .get()
        .copied()
        .filter(|(u, g)| u.is_some() || g.is_some())
}

/// chown `path` as configured; the error is for the caller to log (pmacct warns).
pub fn chown(path: &Path) -> std::io::Result<()> {
    match owner() {
        Some((u, g)) => std::os::unix::fs::chown(path, u, g),
        None => Ok(()),
    }
}

/// chown a symlink itself.
pub fn lchown(path: &Path) -> std::io::Result<()> {
    match owner() {
        Some((u, g)) => std::os::unix::fs::lchown(path, u, g),
        None => Ok(()),
    }
}

/// `create_dir_all`, chowning each directory it creates (pmacct's `mkdir_multilevel`).
pub fn create_dirs(dir: &Path) -> std::io::Result<()> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent() {
        create_dirs(parent)?;
    }
    match std::fs::create_dir(dir) {
        Ok(()) => {
            let _ = chown(dir);
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}
