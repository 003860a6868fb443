//! `nfacctd_mcast_groups` / `sfacctd_mcast_groups` and `nfacctd_ipv6_only` against Debian's
//! 1.7.7, live, in a network namespace the test makes (only `lo`, with multicast on and the
//! IPv4 multicast range routed to it, so a group joined on "any interface" is joined on lo).
//!
//! - Multicast: 1.7.7 and ours each listen on their own port of the wildcard address with a
//!   group list holding two groups and a unicast address (skipped, as 1.7.7 does); a capture
//!   is sent to the second group on both ports. Both print the same records, and there are
//!   some: without the membership nothing reaches either socket.
//! - IPv6 only: both listen on `[::]` with `nfacctd_ipv6_only: true`; a capture sent to
//!   127.0.0.1 is refused by both, the same capture to ::1 is accounted, the same by both.
//!
//! Needs root and iproute2 (.ci/deps.sh); CI runs as root. Never skipped.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const NFACCTD: &str = env!("CARGO_BIN_EXE_nfacctd");
const SFACCTD: &str = env!("CARGO_BIN_EXE_sfacctd");
/// Inside the test's own namespace: no other test can hold them.
const PORT_PMACCT: u16 = 47301;
const PORT_OURS: u16 = 47302;

mod netns;
use netns::{wait_for, Netns};

/// This test's namespace: `lo` multicast on, the IPv4 multicast range routed to it.
fn add_ns(tag: &str) -> Netns {
    let ns = Netns::add(
        format!("pmrs-mc-{tag}-{}", std::process::id()),
        "mcast_live",
    );
    ns.ip(&["link", "set", "lo", "multicast", "on"]).unwrap();
    ns.ip(&["route", "add", "224.0.0.0/4", "dev", "lo"])
        .unwrap();
    ns
}

/// Start a daemon in `ns`: `ip netns exec` execs it, so the child is the daemon.
fn spawn(ns: &Netns, bin: &str, conf: &str, dir: &Path) -> Child {
    let cf = dir.join("daemon.conf");
    std::fs::write(&cf, conf).unwrap();
    let log = |n: &str| std::fs::File::create(dir.join(n)).unwrap();
    Command::new("ip")
        .args(["netns", "exec", &ns.name, bin, "-f"])
        .arg(&cf)
        .env("TZ", "UTC")
        .stdin(Stdio::null())
        .stdout(log("stdout"))
        .stderr(log("stderr"))
        .spawn()
        .unwrap()
}

fn scratch(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(tag);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn capture(rel: &str) -> Vec<Vec<u8>> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../compat-tests/inputs")
        .join(rel);
    let data = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    compat_tests::pcap::udp_datagrams(&data)
        .unwrap()
        .into_iter()
        .map(|d| d.payload)
        .collect()
}

fn stderr_has(dir: &Path, needle: &str) -> bool {
    std::fs::read_to_string(dir.join("stderr")).is_ok_and(|s| s.contains(needle))
}

/// Start 1.7.7 and ours (`bin`) in `ns` with `conf` (`@PORT@`, `@OUT@` filled in), let
/// `send` send (inside the namespace), SIGINT both; (pmacct's output, ours', dirs).
fn pair(
    ns: &Netns,
    daemon: &str,
    bin: &str,
    conf: &str,
    send: impl FnOnce() + Send + 'static,
) -> (String, String, PathBuf, PathBuf) {
    let tag = ns.name.clone();
    let (dp, dou) = (
        scratch(&format!("{tag}-pm")),
        scratch(&format!("{tag}-ours")),
    );
    let text = |port: u16, d: &Path| {
        conf.replace("@PORT@", &port.to_string())
            .replace("@OUT@", &d.join("out").to_string_lossy())
    };
    let pm_bin = format!("/usr/sbin/{daemon}");
    let mut cp = spawn(ns, &pm_bin, &text(PORT_PMACCT, &dp), &dp);
    let mut co = spawn(ns, bin, &text(PORT_OURS, &dou), &dou);
    wait_for("both daemons listening and their plugin up", || {
        [&dp, &dou]
            .iter()
            .all(|d| stderr_has(d, "): waiting for ") && stderr_has(d, "cache entries="))
    });
    ns.within(send);
    // Both read what was sent (a few thousand datagrams at most, over loopback).
    std::thread::sleep(Duration::from_millis(1500));
    for c in [&cp, &co] {
        // SAFETY: kill(2) on the pid of a child we spawned (`ip netns exec` execs the daemon).
        unsafe {
            libc::kill(c.id() as libc::pid_t, libc::SIGINT);
        }
    }
    for (c, d) in [(&mut cp, &dp), (&mut co, &dou)] {
        let t0 = std::time::Instant::now();
        while c.try_wait().unwrap().is_none() {
            assert!(
                t0.elapsed() < Duration::from_secs(30),
                "{} still running",
                d.display()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    let out = |d: &Path| std::fs::read_to_string(d.join("out")).unwrap_or_default();
    (out(&dp), out(&dou), dp, dou)
}

/// Panics naming the first difference (and both line counts) when `a` and `b` differ.
fn assert_same(a: &[String], b: &[String], what: &str) {
    if a != b {
        let i = a
            .iter()
            .zip(b)
            .position(|(x, y)| x != y)
            .unwrap_or(a.len().min(b.len()));
        panic!(
            "{what}: 1.7.7 {} lines, ours {}; first difference at line {i}: {:?} vs {:?}",
            a.len(),
            b.len(),
            a.get(i),
            b.get(i)
        );
    }
}

/// CSV records, header first, the rest sorted (plugins write in hash order).
fn records(csv: &str) -> Vec<String> {
    let mut lines: Vec<String> = csv.lines().map(str::to_owned).collect();
    if lines.len() > 1 {
        lines[1..].sort();
    }
    lines
}

fn send_all(dgrams: &[Vec<u8>], from: SocketAddr, to: &[SocketAddr], mcast: bool) {
    let s = UdpSocket::bind(from).unwrap();
    if mcast {
        s.set_multicast_loop_v4(true).unwrap();
        socket2::SockRef::from(&s)
            .set_multicast_if_v4(&Ipv4Addr::LOCALHOST)
            .unwrap();
    }
    for (i, d) in dgrams.iter().enumerate() {
        for t in to {
            s.send_to(d, t).unwrap();
        }
        if i % 20 == 19 {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

fn multicast_case(daemon: &str, bin: &str, key: &str, pcap: &str, agg: &str) {
    let ns = add_ns(daemon);
    let conf = format!(
        "daemonize: false\n{daemon}_port: @PORT@\n\
         {key}: 239.255.77.1, 192.0.2.1 ,239.255.77.2\n\
         plugins: print\nprint_output: csv\nprint_output_file: @OUT@\nprint_refresh_time: 3600\n\
         aggregate: {agg}\n"
    );
    let dgrams = capture(pcap);
    let (pm, ours, dp, dou) = pair(&ns, daemon, bin, &conf, move || {
        let to = [
            SocketAddr::from((Ipv4Addr::new(239, 255, 77, 2), PORT_PMACCT)),
            SocketAddr::from((Ipv4Addr::new(239, 255, 77, 2), PORT_OURS)),
        ];
        send_all(&dgrams, "127.0.0.1:0".parse().unwrap(), &to, true);
    });
    let (rp, ro) = (records(&pm), records(&ours));
    assert!(
        rp.len() > 10,
        "{daemon}: 1.7.7 printed {} lines (stderr in {})",
        rp.len(),
        dp.display()
    );
    assert_same(
        &rp,
        &ro,
        &format!("{daemon} ({} and {})", dp.display(), dou.display()),
    );
}

#[test]
fn nfacctd_joins_its_mcast_groups_as_1_7_7() {
    multicast_case(
        "nfacctd",
        NFACCTD,
        "nfacctd_mcast_groups",
        // IPFIX: 1.7.7 leaves records of softflowd's v9 datagrams unread (the header count
        // quirk, docs/COMPATIBILITY.md), which is not what this test is about.
        "softflowd-v10-s2.pcap",
        "src_host, dst_host, src_port, dst_port, proto",
    );
}

#[test]
fn sfacctd_joins_its_mcast_groups_as_1_7_7() {
    multicast_case(
        "sfacctd",
        SFACCTD,
        "sfacctd_mcast_groups",
        "sflow/sfprobe-s2.pcap",
        "src_host, dst_host, src_port, dst_port, proto",
    );
}

#[test]
fn ipv6_only_refuses_ipv4_exporters_as_1_7_7() {
    let ns = add_ns("v6only");
    let conf = "daemonize: false\nnfacctd_port: @PORT@\nnfacctd_ipv6_only: true\n\
                plugins: print\nprint_output: csv\nprint_output_file: @OUT@\n\
                print_refresh_time: 3600\naggregate: peer_src_ip, src_host, dst_host, proto\n";
    let v9 = capture("softflowd-v9-s2.pcap");
    let ipfix = capture("softflowd-v10-s2.pcap");
    let (pm, ours, dp, dou) = pair(&ns, "nfacctd", NFACCTD, conf, move || {
        // An IPv4 exporter: refused by an IPV6_V6ONLY socket ...
        let v4 = [
            SocketAddr::from((Ipv4Addr::LOCALHOST, PORT_PMACCT)),
            SocketAddr::from((Ipv4Addr::LOCALHOST, PORT_OURS)),
        ];
        send_all(&v9, "127.0.0.1:0".parse().unwrap(), &v4, false);
        // ... an IPv6 one accounted.
        let v6 = [
            SocketAddr::from((Ipv6Addr::LOCALHOST, PORT_PMACCT)),
            SocketAddr::from((Ipv6Addr::LOCALHOST, PORT_OURS)),
        ];
        send_all(&ipfix, "[::1]:0".parse().unwrap(), &v6, false);
    });
    let (rp, ro) = (records(&pm), records(&ours));
    assert!(
        rp.len() > 10,
        "1.7.7 printed {} lines (stderr in {})",
        rp.len(),
        dp.display()
    );
    // Every record is the IPv6 exporter's (peer_ip_src is the first column).
    assert!(
        rp[1..].iter().all(|l| l.starts_with("::1,")),
        "1.7.7 took IPv4 datagrams: {:?}",
        rp.iter().find(|l| !l.starts_with("::1,"))
    );
    assert_same(
        &rp,
        &ro,
        &format!("nfacctd ({} and {})", dp.display(), dou.display()),
    );
}
