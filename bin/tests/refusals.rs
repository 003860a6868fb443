//! Unsafe or impossible settings are refused as pmacct 1.7.7 refuses them (issue 24, item 3):
//! the same exit code and the same core ERROR line, for every daemon.
//!
//! - a listen address that does not parse (`*_ip: 999.1.1.1`, `-L 999.1.1.1`) never falls
//!   back to a wildcard bind;
//! - a missing savefile (`-I missing.pcap`), a missing interface (`pmacctd -i nosuchif0`) and a
//!   missing capability (pmacctd without CAP_NET_RAW, or not root) exit 1.

mod support;

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Run to exit (killed after 20 s: a daemon that does not refuse would listen forever).
/// Returns the exit code and every line written to stdout and stderr.
fn run(cmd: &mut Command) -> (i32, String) {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("daemon starts");
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    (status.code().unwrap_or(-1), out)
}

/// The core's ERROR lines (the part both implementations print alike).
fn core_errors(out: &str) -> Vec<&str> {
    out.lines()
        .filter(|l| l.starts_with("ERROR ( default/core ): ") || l.starts_with("Exiting"))
        .collect()
}

fn ours(daemon: &str) -> String {
    match daemon {
        "nfacctd" => env!("CARGO_BIN_EXE_nfacctd"),
        "sfacctd" => env!("CARGO_BIN_EXE_sfacctd"),
        "pmacctd" => env!("CARGO_BIN_EXE_pmacctd"),
        other => panic!("no daemon {other}"),
    }
    .to_string()
}

/// Run `prefix... <daemon> args...` with ours and with pmacct 1.7.7: both exit 1 with the
/// same core ERROR line(s), and that line contains `expect`.
fn refused_alike(
    prefix: &[&str],
    daemon: &str,
    args: &[&str],
    expect: &str,
    dir: &std::path::Path,
) {
    let mk = |bin: String| {
        let mut c = if prefix.is_empty() {
            Command::new(&bin)
        } else {
            let mut c = Command::new(prefix[0]);
            c.args(&prefix[1..]).arg(&bin);
            c
        };
        c.args(args).current_dir(dir);
        c
    };
    let (rc_theirs, theirs) = run(&mut mk(format!("/usr/sbin/{daemon}")));
    let (rc_ours, out) = run(&mut mk(ours(daemon)));
    let what = format!("{prefix:?} {daemon} {args:?}");
    assert_eq!(rc_theirs, 1, "pmacct 1.7.7 {what}:\n{theirs}");
    assert_eq!(rc_ours, 1, "ours {what}:\n{out}");
    let (t, o) = (core_errors(&theirs), core_errors(&out));
    assert!(
        !t.is_empty(),
        "pmacct 1.7.7 {what} printed no core error:\n{theirs}"
    );
    assert_eq!(o, t, "{what}\nours:\n{out}\npmacct 1.7.7:\n{theirs}");
    assert!(o.iter().any(|l| l.contains(expect)), "{what}: {o:?}");
    // No socket was bound, nothing was listened on.
    assert!(!out.contains("waiting for"), "{what}:\n{out}");
}

#[test]
fn invalid_listen_address_exits_instead_of_binding_everywhere() {
    let dir = support::tmpdir("refuse-ip");
    for daemon in ["nfacctd", "sfacctd"] {
        let conf = dir.join(format!("{daemon}.conf"));
        std::fs::write(&conf, format!("plugins: print\n{daemon}_ip: 999.1.1.1\n")).unwrap();
        let expect = format!("'{daemon}_ip' value is not valid. Exiting.");
        refused_alike(&[], daemon, &["-f", conf.to_str().unwrap()], &expect, &dir);
        // -L writes the same key.
        let expect = "'nfacctd_ip' value is not valid. Exiting.";
        let expect = if daemon == "sfacctd" {
            "'sfacctd_ip' value is not valid. Exiting."
        } else {
            expect
        };
        let (rc, out) = run(Command::new(ours(daemon))
            .args(["-L", "999.1.1.1", "-P", "print"])
            .current_dir(&dir));
        assert_eq!(rc, 1, "{out}");
        assert!(out.contains(expect), "{out}");
    }
}

#[test]
fn missing_savefile_exits_1_for_every_daemon() {
    let dir = support::tmpdir("refuse-savefile");
    for daemon in ["nfacctd", "sfacctd", "pmacctd"] {
        refused_alike(
            &[],
            daemon,
            &["-I", "missing.pcap", "-P", "print"],
            "pcap_open_offline(): missing.pcap: No such file or directory",
            &dir,
        );
    }
}

#[test]
fn missing_interface_exits_1() {
    let dir = support::tmpdir("refuse-if");
    refused_alike(
        &[],
        "pmacctd",
        &["-i", "nosuchif0", "-P", "print"],
        "pm_pcap_open(): nosuchif0: No such device exists",
        &dir,
    );
}

/// True when this process is root (the capability cases need to take capabilities away).
fn root() -> bool {
    // SAFETY: getuid(2) has no preconditions.
    unsafe { libc::getuid() == 0 }
}

#[test]
fn capture_without_cap_net_raw_exits_1() {
    let dir = support::tmpdir("refuse-cap");
    if !root() {
        // Not root: the daemon refuses before trying (the superuser check).
        refused_alike(
            &[],
            "pmacctd",
            &["-i", "lo", "-P", "print"],
            "superuser",
            &dir,
        );
        return;
    }
    // Root without CAP_NET_RAW: libpcap's socket() fails.
    refused_alike(
        &["setpriv", "--inh-caps=-all", "--bounding-set=-net_raw"],
        "pmacctd",
        &["-i", "lo", "-P", "print"],
        "pm_pcap_open(): lo: You don't have permission to perform this capture on that device",
        &dir,
    );
    // Not root at all: the superuser check, before libpcap.
    let (rc_t, theirs) = run(Command::new("setpriv")
        .args(["--reuid=nobody", "--regid=nogroup", "--clear-groups"])
        .arg("/usr/sbin/pmacctd")
        .args(["-i", "lo", "-P", "print"])
        .current_dir(&dir));
    let (rc_o, out) = run(Command::new("setpriv")
        .args(["--reuid=nobody", "--regid=nogroup", "--clear-groups"])
        .arg(ours("pmacctd"))
        .args(["-i", "lo", "-P", "print"])
        .current_dir(&dir));
    assert_eq!(
        (rc_t, rc_o),
        (1, 1),
        "ours:\n{out}\npmacct 1.7.7:\n{theirs}"
    );
    for l in [
        "You need superuser privileges to run this command.",
        "Exiting ...",
    ] {
        assert!(
            theirs.contains(l) && out.contains(l),
            "{l}\nours:\n{out}\n1.7.7:\n{theirs}"
        );
    }
}
