//! Shared by the daemon tests: scratch directories and free ports, the datagrams of a
//! capture, pmacct 1.7.7's offline output, starting a daemon and waiting until its log says
//! it listens, signalling it, waiting for it to exit.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// An empty scratch directory `pmacct-rs-<name>-<pid>` under the temp dir.
pub fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pmacct-rs-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A UDP port free right now, below the kernel's ephemeral range.
pub fn free_port() -> u16 {
    compat_tests::run::free_port().unwrap()
}

/// A TCP port free right now, below the kernel's ephemeral range.
pub fn free_tcp_port() -> u16 {
    compat_tests::run::free_tcp_port().unwrap()
}

/// UDP payloads of a capture of export datagrams, in order.
pub fn payloads(pcap_path: &Path) -> Vec<Vec<u8>> {
    let mut cap = pcap::Capture::from_file(pcap_path).expect("open pcap");
    let lt = cap.get_datalink().0;
    let mut out = Vec::new();
    while let Ok(p) = cap.next_packet() {
        if let Ok(d) = pmacct_daemon::savefile::udp_from_frame(lt, p.data) {
            out.push(d.payload.to_vec());
        }
    }
    out
}

/// Run `bin -f conf` (TZ=UTC, stderr dropped) to its exit; it must succeed.
pub fn run_to_exit(bin: &str, conf: &Path) {
    let st = Command::new(bin)
        .arg("-f")
        .arg(conf)
        .env("TZ", "UTC")
        .stderr(Stdio::null())
        .status()
        .unwrap_or_else(|e| panic!("{bin}: {e}"));
    assert!(st.success());
}

/// Run Debian's pmacct 1.7.7 `bin` (e.g. /usr/sbin/sfacctd) on `conf_text`, written to
/// DIR/oracle.conf; it must succeed.
pub fn run_pmacct(bin: &str, conf_text: &str, dir: &Path) {
    let name = Path::new(bin).file_name().unwrap().to_string_lossy();
    assert!(
        Path::new(bin).exists(),
        "Debian's {name} 1.7.7 must be installed (apt-get install pmacct)"
    );
    let conf = dir.join("oracle.conf");
    std::fs::write(&conf, conf_text).unwrap();
    run_to_exit(bin, &conf);
}

/// Records pmacct 1.7.7 `bin` prints for `pcap` offline with `aggregate` as JSON, sorted
/// lines (DIR/oracle.json).
pub fn oracle(bin: &str, aggregate: &str, pcap: &Path, dir: &Path) -> Vec<String> {
    let out = dir.join("oracle.json");
    run_pmacct(
        bin,
        &format!(
            "plugins: print[o]\naggregate[o]: {aggregate}\nprint_output[o]: json\nprint_output_file[o]: {}\npcap_savefile: {}\n",
            out.display(),
            pcap.display()
        ),
        dir,
    );
    sorted_lines(&out)
}

/// The non-empty lines of file `p` (none if it is missing), sorted.
pub fn sorted_lines(p: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_to_string(p)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    v.sort();
    v
}

/// Start collector `bin` (`daemon`: nfacctd or sfacctd, its key prefix) on 127.0.0.1:port
/// with `plugins` (config lines), logging to DIR/live.log, and wait for `ready` there.
pub fn start_listening(
    bin: &str,
    daemon: &str,
    dir: &Path,
    port: u16,
    plugins: &str,
    ready: &str,
) -> Child {
    let conf = write_live_conf(daemon, dir, port, plugins);
    start_logged(bin, &conf, &dir.join("live.log"), ready)
}

/// DIR/live.conf for collector `daemon` on 127.0.0.1:port with `plugins` (config lines),
/// logging to DIR/live.log; its path.
pub fn write_live_conf(daemon: &str, dir: &Path, port: u16, plugins: &str) -> PathBuf {
    let conf = dir.join("live.conf");
    std::fs::write(
        &conf,
        format!(
            "{plugins}{daemon}_ip: 127.0.0.1\n{daemon}_port: {port}\nlogfile: {}\n",
            dir.join("live.log").display(),
        ),
    )
    .unwrap();
    conf
}

/// After a replay with malformed datagrams to `port`: SIGUSR1 must leave `daemon` running
/// with nothing purged to `output` yet (refresh 3600 s), then SIGINT must flush the cache and
/// exit 0. Waits for the socket to be read and for the stats in DIR/live.log, not for a
/// fixed time.
pub fn survives_then_sigint_purges(child: &mut Child, daemon: &str, output: &Path, port: u16) {
    use compat_tests::run::{lines_with, udp_queued, wait_until};
    let wait = |what: &str, ready: &dyn Fn() -> bool| {
        wait_until(what, Duration::from_secs(20), ready).unwrap_or_else(|e| panic!("{e}"))
    };
    wait("replay read by the daemon", &|| udp_queued(port) == Some(0));
    let log = output.with_file_name("live.log");
    let before = lines_with(&log, "stats [");
    signal(child, libc::SIGUSR1);
    wait("SIGUSR1 stats logged", &|| {
        lines_with(&log, "stats [") > before
    });
    assert!(
        child.try_wait().unwrap().is_none(),
        "{daemon} died on malformed input"
    );
    assert!(sorted_lines(output).is_empty());
    signal(child, libc::SIGINT);
    assert_eq!(wait_exit(child), 0);
}

/// The log `path`, which must hold the SIGUSR1 stats.
pub fn log_with_stats(path: &Path) -> String {
    let log = std::fs::read_to_string(path).unwrap();
    assert!(
        log.contains("stats [127.0.0.1:"),
        "no SIGUSR1 stats in log:\n{log}"
    );
    log
}

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
