//! Network namespaces for the live tests that need their own network (root only): made with
//! iproute2, `lo` up, deleted on drop.

#![allow(dead_code)]

use std::process::Command;

/// Run a command; its stdout, or an error naming it with its status and stderr.
pub fn run(args: &[&str]) -> Result<String, String> {
    let out = Command::new(args[0])
        .args(&args[1..])
        .output()
        .map_err(|e| format!("{}: {e}", args.join(" ")))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "{}: {}\n{}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// Poll `ok` every 50 ms; panics naming `what` after 20 s (a daemon in a namespace says it
/// is up only in its log).
pub fn wait_for(what: &str, mut ok: impl FnMut() -> bool) {
    let t0 = std::time::Instant::now();
    while !ok() {
        assert!(
            t0.elapsed() < std::time::Duration::from_secs(20),
            "timed out: {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

pub struct Netns {
    pub name: String,
}

impl Netns {
    /// Namespace `name` (an earlier one of that name removed first), `lo` up. `test` names
    /// the test binary in the panic when not root.
    pub fn add(name: String, test: &str) -> Netns {
        // SAFETY: getuid(2) has no preconditions.
        let uid = unsafe { libc::getuid() };
        assert!(
            uid == 0,
            "{test} needs root to make network namespaces (CI runs as root)"
        );
        let _ = run(&["ip", "netns", "del", &name]);
        run(&["ip", "netns", "add", &name])
            .unwrap_or_else(|e| panic!("cannot make a network namespace (iproute2): {e}"));
        let ns = Netns { name };
        run(&["ip", "-n", &ns.name, "link", "set", "lo", "up"]).unwrap();
        ns
    }

    /// `ip -n <ns> args...`.
    pub fn ip(&self, args: &[&str]) -> Result<String, String> {
        let mut a = vec!["ip", "-n", self.name.as_str()];
        a.extend_from_slice(args);
        run(&a)
    }

    /// Run `f` in a thread that joined this namespace.
    pub fn within<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> T {
        within(format!("/var/run/netns/{}", self.name), f)
    }
}

/// Run `f` in a thread that joined the namespace of the file `path` (sockets it opens stay
/// in it).
pub fn within<T: Send + 'static>(path: String, f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::spawn(move || {
        let file = std::fs::File::open(&path).unwrap();
        // SAFETY: setns(2) on an open namespace file; it moves only this thread.
        let rc = unsafe { libc::setns(std::os::fd::AsRawFd::as_raw_fd(&file), libc::CLONE_NEWNET) };
        assert_eq!(rc, 0, "setns: {}", std::io::Error::last_os_error());
        f()
    })
    .join()
    .unwrap()
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = run(&["ip", "netns", "del", &self.name]);
    }
}
