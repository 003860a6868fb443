//! Shared by the live daemon tests: start a daemon and wait until its log says it listens,
//! signal it, wait for it to exit.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// Run `bin -f conf` (TZ=UTC) and wait up to 10 s for `ready` in the log file `log`.
pub fn start_logged(bin: &str, conf: &Path, log: &Path, ready: &str) -> Child {
    let mut child = Command::new(bin)
        .arg("-f")
        .arg(conf)
        .env("TZ", "UTC")
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_secs(10) {
        if std::fs::read_to_string(log)
            .unwrap_or_default()
            .contains(ready)
        {
            return child;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("{bin} did not log '{ready}' within 10 s");
}

pub fn signal(child: &Child, sig: i32) {
    // SAFETY: kill(2) on a child we spawned and have not reaped yet.
    assert_eq!(unsafe { libc::kill(child.id() as i32, sig) }, 0);
}

/// Exit code of `child`, which must exit within 20 s.
pub fn wait_exit(child: &mut Child) -> i32 {
    let t0 = Instant::now();
    loop {
        if let Some(st) = child.try_wait().unwrap() {
            return st.code().unwrap_or(-1);
        }
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "daemon did not exit after the signal"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
