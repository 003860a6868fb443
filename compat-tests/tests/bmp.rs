//! pmbmpd against Debian's pmbmpd 1.7.7: the same crafted BMP streams (compat-tests/gen/
//! bmp_stream.py, plain struct) go to both collectors over TCP, one router connection per
//! stream, and their `bmp_daemon_msglog_file` and `bmp_dump_file` outputs are compared as
//! multisets of JSON records with key order kept.
//!
//! Streams (routers):
//! - `all`: every message type — Initiation (3 TLVs), Peer Up of 8 peers (global IPv4 4-byte
//!   AS, global IPv6 2-byte AS post-policy, RD instance, local instance, Loc-RIB filtered),
//!   Route Monitoring (IPv4 with every logged attribute, IPv6 MP_REACH with AS4_PATH,
//!   VPNv4 with label and RD, withdrawals, MP_UNREACH, End-of-RIB), Statistics Reports of
//!   counter types 0-17, Route Mirroring, Peer Down with reasons 0-5, Termination;
//! - `disconnect`: two peers with routes, then the router goes away while the dump runs
//!   (its routes are logged as deletions when it disconnects);
//! - `malformed`: lying lengths (short per-peer header, overrunning TLV, a statistics count
//!   above its counters, an UPDATE length beyond the message), then good messages.
//!
//! Cases: the three streams with msglog and dump (RIB kept); `all` and `malformed` with
//! msglog only (1.7.7 keeps no RIB then); and a real BMP exporter, Debian's gobgpd (see
//! `pmbmpd_msglog_from_gobgpd_equals_pmacct`).
//!
//! Left aside (named): `timestamp`, `timestamp_arrival`, `timestamp_event` (clock),
//! `bmp_router_port` (ephemeral source port) and `seq` — the sequence numbers are checked
//! separately (from 0, increasing in file order on both sides) because the order of the
//! `delete` records at a router's close differs: 1.7.7 walks its peers in glibc tsearch tree order, ours in
//! address order; the records are the same.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const OURS: &str = env!("CARGO_BIN_EXE_pmbmpd");
/// Ports of this test only (grep: no other test uses them).
const PORT_PMACCT: u16 = 17921;
const PORT_OURS: u16 = 17922;
const PORT_NORIB_PMACCT: u16 = 17925;
const PORT_NORIB_OURS: u16 = 17926;

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pmacct-rs-bmp-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn stream(which: &str) -> Vec<u8> {
    let out = Command::new("python3")
        .arg(compat_tests::root().join("gen/bmp_stream.py"))
        .arg(which)
        .stderr(Stdio::inherit())
        .output()
        .expect("python3");
    assert!(out.status.success(), "bmp_stream.py {which} failed");
    assert!(
        out.stdout.len() > 500,
        "bmp_stream.py {which}: short output"
    );
    out.stdout
}

struct Daemon {
    child: Child,
    dir: PathBuf,
    port: u16,
    what: &'static str,
}

impl Daemon {
    fn start(bin: &str, what: &'static str, port: u16, dir: &Path, dump: bool) -> Daemon {
        let conf = dir.join("pmbmpd.conf");
        let mut text = format!(
            "bmp_daemon_ip: 127.0.0.1\nbmp_daemon_port: {port}\nbmp_daemon_max_peers: 8\n\
             bmp_daemon_msglog_file: {d}/msglog.json\n",
            d = dir.display()
        );
        if dump {
            text.push_str(&format!(
                "bmp_dump_file: {d}/dump-$bmp_router.json\nbmp_dump_refresh_time: 60\n\
                 bmp_dump_latest_file: {d}/latest-$bmp_router\n",
                d = dir.display()
            ));
        }
        std::fs::write(&conf, text).unwrap();
        let child = Command::new(bin)
            .arg("-f")
            .arg(&conf)
            .env("TZ", "UTC")
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(dir.join("stdout")).unwrap())
            .stderr(std::fs::File::create(dir.join("stderr")).unwrap())
            .spawn()
            .unwrap_or_else(|e| panic!("{bin}: {e}"));
        let d = Daemon {
            child,
            dir: dir.to_path_buf(),
            port,
            what,
        };
        let t0 = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                t0.elapsed() < Duration::from_secs(10),
                "{what} pmbmpd not listening on {port}: {}",
                d.logs()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        // The probe connection above counts as a router: let it close (log_init/log_close).
        d.wait_lines("log_close", 1);
        d
    }

    fn logs(&self) -> String {
        let r = |n: &str| std::fs::read_to_string(self.dir.join(n)).unwrap_or_default();
        format!("stdout:\n{}\nstderr:\n{}", r("stdout"), r("stderr"))
    }

    fn msglog(&self) -> String {
        std::fs::read_to_string(self.dir.join("msglog.json")).unwrap_or_default()
    }

    fn dump(&self) -> String {
        std::fs::read_to_string(self.dir.join("dump-127_0_0_1.json")).unwrap_or_default()
    }

    /// Wait until the msglog has `n` records with `event_type: event`.
    fn wait_lines(&self, event: &str, n: usize) {
        self.wait_pat(&format!("\"event_type\": \"{event}\""), n);
    }

    /// Wait until the msglog holds `pat` `n` times.
    fn wait_pat(&self, pat: &str, n: usize) {
        let event = pat;
        let t0 = Instant::now();
        while self.msglog().matches(pat).count() < n {
            assert!(
                t0.elapsed() < Duration::from_secs(15),
                "{}: fewer than {n} {event} records:\n{}\n{}",
                self.what,
                self.msglog(),
                self.logs()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn connect(&self) -> TcpStream {
        TcpStream::connect(("127.0.0.1", self.port)).unwrap()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        // SAFETY: kill(2) on the pid of a child this test spawned and has not reaped yet.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let t0 = Instant::now();
        while t0.elapsed() < Duration::from_secs(5) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Send a whole stream as one router and hang up once the collector has read it (it closes
/// on Termination; without one we close).
fn send_and_close(d: &Daemon, bytes: &[u8], closes: usize) {
    let mut s = d.connect();
    s.write_all(bytes).unwrap();
    let _ = s.flush();
    d.wait_lines("log_close", closes);
    drop(s);
}

/// Records as multisets: each record's (key, value) list in written order, fields aside.
fn multiset(text: &str, aside: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let o: serde_json::Map<String, Value> =
                serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON {l}: {e}"));
            let mut out = String::new();
            for (k, val) in &o {
                if !aside.contains(&k.as_str()) {
                    out.push_str(&format!("{k}={val}; "));
                }
            }
            out
        })
        .collect();
    v.sort();
    v
}

/// JSON key order as written (serde_json's map is sorted unless preserve_order; the raw
/// text is the reference for order).
fn key_orders(text: &str) -> Vec<String> {
    let mut v: Vec<String> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut keys = Vec::new();
            let mut rest = l;
            while let Some(i) = rest.find("\": ") {
                let head = &rest[..i];
                if let Some(j) = head.rfind(['{', ' ']) {
                    let k = head[j + 1..].trim_start_matches('"');
                    keys.push(k.to_string());
                }
                rest = &rest[i + 3..];
            }
            keys.join(",")
        })
        .collect();
    v.sort();
    v
}

fn diff(a: &[String], b: &[String]) -> String {
    let mut out = String::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) if x == y => {
                i += 1;
                j += 1;
            }
            (Some(x), Some(y)) if x < y => {
                out.push_str(&format!("only pmacct: {x}\n"));
                i += 1;
            }
            (Some(_), Some(y)) => {
                out.push_str(&format!("only ours:   {y}\n"));
                j += 1;
            }
            (Some(x), None) => {
                out.push_str(&format!("only pmacct: {x}\n"));
                i += 1;
            }
            (None, Some(y)) => {
                out.push_str(&format!("only ours:   {y}\n"));
                j += 1;
            }
            (None, None) => break,
        }
    }
    out
}

/// The msglog's sequence numbers: from 0, strictly increasing in file order (a dump takes
/// a number too, also when no router is connected and no file is written, so gaps occur).
fn seqs_increasing(text: &str, what: &str) {
    let s: Vec<u64> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["seq"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(s.first(), Some(&0), "{what}: first seq");
    assert!(
        s.windows(2).all(|w| w[0] < w[1]),
        "{what}: seq not increasing: {s:?}"
    );
}

/// The records of both sides equal as multisets (fields `aside` left out), with the same key
/// orders; msglog sequence numbers increasing from 0 on both sides (`seqs`).
fn assert_same(pmacct: &str, ours: &str, aside: &[&str], what: &str, seqs: bool) -> usize {
    let (mp, mo) = (multiset(pmacct, aside), multiset(ours, aside));
    let d = diff(&mp, &mo);
    assert!(
        d.is_empty(),
        "{what} differs ({} pmacct, {} ours records):\n{d}",
        mp.len(),
        mo.len()
    );
    let d = diff(&key_orders(pmacct), &key_orders(ours));
    assert!(d.is_empty(), "{what} key order differs:\n{d}");
    if seqs {
        seqs_increasing(pmacct, &format!("pmacct {what}"));
        seqs_increasing(ours, &format!("ours {what}"));
    }
    mp.len()
}

fn count(text: &str, pat: &str) -> usize {
    text.matches(pat).count()
}

#[test]
fn pmbmpd_msglog_and_dump_equal_pmacct() {
    let pm_bin = compat_tests::oracle::path("pmbmpd");
    let all = stream("all");
    let disconnect = stream("disconnect");
    let malformed = stream("malformed");
    let dp = tmpdir("pmacct");
    let dr = tmpdir("ours");
    let pm = Daemon::start(&pm_bin, "pmacct", PORT_PMACCT, &dp, true);
    let ours = Daemon::start(OURS, "ours", PORT_OURS, &dr, true);
    let daemons = [&pm, &ours];

    // Router 1 (every message type, ends with Termination), router 3 (malformed).
    for d in daemons {
        send_and_close(d, &all, 2);
        send_and_close(d, &malformed, 3);
    }
    // Router 2 stays connected through a dump; not within 5 s of a minute boundary, so both
    // collectors dump it at the same deadline.
    let sec = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        % 60;
    if sec >= 55 {
        std::thread::sleep(Duration::from_secs(61 - sec));
    }
    let mut held = Vec::new();
    for d in daemons {
        let mut s = d.connect();
        s.write_all(&disconnect).unwrap();
        held.push(s);
    }
    for d in daemons {
        d.wait_lines("log_init", 4);
    }
    let t0 = Instant::now();
    for d in daemons {
        while !d.dump().contains("dump_close") {
            assert!(
                t0.elapsed() < Duration::from_secs(130),
                "{}: no dump written:\n{}",
                d.what,
                d.logs()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    // The router goes away without Peer Down or Termination: its routes are deleted.
    for s in held.iter_mut() {
        let _ = s.shutdown(std::net::Shutdown::Both);
        let mut b = [0u8; 16];
        let _ = s.read(&mut b);
    }
    drop(held);
    for d in daemons {
        d.wait_lines("log_close", 4);
    }
    std::thread::sleep(Duration::from_millis(300));

    let (lp, lo) = (pm.msglog(), ours.msglog());
    let aside = [
        "timestamp",
        "timestamp_arrival",
        "timestamp_event",
        "bmp_router_port",
        "seq",
    ];
    let mp = multiset(&lp, &aside);
    // Minimum record counts (of 1.7.7's output: a case never passes empty).
    for (pat, min) in [
        ("\"bmp_msg_type\": \"init\"", 3),
        ("\"bmp_msg_type\": \"term\"", 2),
        ("\"bmp_msg_type\": \"peer_up\"", 11),
        ("\"bmp_msg_type\": \"peer_down\"", 7),
        ("\"bmp_msg_type\": \"stats\"", 37),
        ("\"log_type\": \"update\"", 24),
        ("\"log_type\": \"withdraw\"", 2),
        ("\"log_type\": \"delete\"", 20),
        ("\"event_type\": \"log_init\"", 4),
    ] {
        assert!(
            count(&lp, pat) >= min,
            "pmacct msglog: fewer than {min} records with {pat}:\n{lp}"
        );
    }
    assert!(mp.len() >= 110, "pmacct msglog: {} records", mp.len());
    assert_same(&lp, &lo, &aside, "msglog", true);

    let (dpm, dou) = (pm.dump(), ours.dump());
    let mp = multiset(&dpm, &aside);
    for (pat, min) in [
        ("\"event_type\": \"dump_init\"", 1),
        ("\"event_type\": \"dump_close\"", 1),
        ("\"bmp_msg_type\": \"route_monitor\"", 6),
        ("\"bmp_msg_type\": \"peer_up\"", 2),
        ("\"bmp_msg_type\": \"init\"", 1),
    ] {
        assert!(
            count(&dpm, pat) >= min,
            "pmacct dump: fewer than {min} records with {pat}:\n{dpm}"
        );
    }
    assert_same(&dpm, &dou, &aside, "dump", false);
    // bmp_dump_latest_file: a symbolic link to the dump file, on both sides.
    for d in daemons {
        let l = std::fs::read_link(d.dir.join("latest-127_0_0_1"))
            .unwrap_or_else(|e| panic!("{}: latest-127_0_0_1: {e}", d.what));
        assert_eq!(
            l.file_name().and_then(|f| f.to_str()),
            Some("dump-127_0_0_1.json"),
            "{}: latest points at {l:?}",
            d.what
        );
    }
    // One dump: every record carries the dump's sequence number.
    for (t, what) in [(&dpm, "pmacct"), (&dou, "ours")] {
        let seqs: std::collections::BTreeSet<u64> = t
            .lines()
            .map(|l| {
                serde_json::from_str::<Value>(l).unwrap()["seq"]
                    .as_u64()
                    .unwrap()
            })
            .collect();
        assert_eq!(seqs.len(), 1, "{what} dump: one seq expected: {seqs:?}");
    }
    eprintln!(
        "compat_bmp: msglog {} records, dump {} records, equal (timestamps, ports, seq aside)",
        multiset(&lp, &aside).len(),
        mp.len()
    );
}

/// pmbmpd without a dump keeps no RIB (1.7.7's `skip_rib`): withdrawals are logged for any
/// prefix, without attributes, and Peer Down / router close delete nothing.
#[test]
fn pmbmpd_msglog_without_rib_equals_pmacct() {
    let pm_bin = compat_tests::oracle::path("pmbmpd");
    let dp = tmpdir("norib-pmacct");
    let dr = tmpdir("norib-ours");
    let pm = Daemon::start(&pm_bin, "pmacct", PORT_NORIB_PMACCT, &dp, false);
    let ours = Daemon::start(OURS, "ours", PORT_NORIB_OURS, &dr, false);
    let (all, malformed) = (stream("all"), stream("malformed"));
    for d in [&pm, &ours] {
        send_and_close(d, &all, 2);
        send_and_close(d, &malformed, 3);
    }
    let (lp, lo) = (pm.msglog(), ours.msglog());
    let aside = ["timestamp", "timestamp_arrival", "bmp_router_port", "seq"];
    let mp = multiset(&lp, &aside);
    assert!(
        mp.len() >= 80,
        "pmacct msglog (no RIB): {} records",
        mp.len()
    );
    assert!(count(&lp, "\"log_type\": \"withdraw\"") >= 2);
    assert_eq!(count(&lp, "\"log_type\": \"delete\""), 0);
    assert_same(&lp, &lo, &aside, "msglog (no RIB)", true);
    eprintln!("compat_bmp no RIB: msglog {} records equal", mp.len());
}

// ---------------------------------------------------------------- gobgpd

/// GoBGP (Debian's gobgpd 3.10) as a real BMP exporter: of Debian's BGP implementations it
/// is the one that both speaks BMP to several collectors from a plain config file and is
/// driven from a CLI (routes added and withdrawn with `gobgp global rib`), with no routing
/// daemon stack to set up (FRR needs bgpd built with the bmp module loaded and zebra).
/// Speaker A (AS 65001, 127.0.0.1) announces routes to router B (AS 65002, 127.0.0.2),
/// which monitors its Adj-RIB-In pre- and post-policy and streams BMP to both collectors.
const GOBGP_PM: u16 = 17923;
const GOBGP_OURS: u16 = 17924;
const GOBGP_A_PORT: u16 = 17933;
const GOBGP_B_PORT: u16 = 17934;
const GOBGP_A_API: &str = "127.0.0.1:50071";
const GOBGP_B_API: &str = "127.0.0.1:50072";

struct Proc(Child);
impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn gobgpd(dir: &Path, name: &str, conf: String, api: &str) -> Proc {
    let p = dir.join(format!("{name}.toml"));
    std::fs::write(&p, conf).unwrap();
    Proc(
        Command::new("gobgpd")
            .arg("-f")
            .arg(&p)
            .args(["--api-hosts", api, "--pprof-disable", "-p"])
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(dir.join(format!("{name}.log"))).unwrap())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("gobgpd (Debian package gobgpd, .ci/deps.sh)"),
    )
}

fn gobgp(api: &str, args: &[&str]) {
    let port = api.rsplit(':').next().unwrap();
    let out = Command::new("gobgp")
        .args(["-p", port])
        .args(args)
        .output()
        .expect("gobgp");
    assert!(
        out.status.success(),
        "gobgp {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn speaker_conf(
    asn: u32,
    id: &str,
    addr: &str,
    port: u16,
    peer: &str,
    peer_as: u32,
    peer_port: u16,
) -> String {
    format!(
        "[global.config]\n  as = {asn}\n  router-id = \"{id}\"\n  port = {port}\n  local-address-list = [\"{addr}\"]\n\
         [[neighbors]]\n  [neighbors.config]\n    neighbor-address = \"{peer}\"\n    peer-as = {peer_as}\n\
         [neighbors.transport.config]\n    remote-port = {peer_port}\n    local-address = \"{addr}\"\n\
         [[neighbors.afi-safis]]\n  [neighbors.afi-safis.config]\n    afi-safi-name = \"ipv4-unicast\"\n\
         [[neighbors.afi-safis]]\n  [neighbors.afi-safis.config]\n    afi-safi-name = \"ipv6-unicast\"\n"
    )
}

#[test]
fn pmbmpd_msglog_from_gobgpd_equals_pmacct() {
    let pm_bin = compat_tests::oracle::path("pmbmpd");
    let dp = tmpdir("gobgp-pmacct");
    let dr = tmpdir("gobgp-ours");
    let dg = tmpdir("gobgp");
    // With a dump configured, so that both keep a RIB (withdrawals carry the attributes
    // held, the peer down deletes the routes); the dump files are not compared here.
    let pm = Daemon::start(&pm_bin, "pmacct", GOBGP_PM, &dp, true);
    let ours = Daemon::start(OURS, "ours", GOBGP_OURS, &dr, true);
    let daemons = [&pm, &ours];

    let mut b_conf = speaker_conf(
        65002,
        "10.0.0.2",
        "127.0.0.2",
        GOBGP_B_PORT,
        "127.0.0.1",
        65001,
        GOBGP_A_PORT,
    );
    for port in [GOBGP_PM, GOBGP_OURS] {
        b_conf.push_str(&format!(
            "[[bmp-servers]]\n  [bmp-servers.config]\n    address = \"127.0.0.1\"\n    port = {port}\n\
             route-monitoring-policy = \"all\"\n    statistics-timeout = 0\n"
        ));
    }
    let b = gobgpd(&dg, "b", b_conf, GOBGP_B_API);
    for d in daemons {
        d.wait_pat("\"bmp_msg_type\": \"init\"", 1);
    }
    let a = gobgpd(
        &dg,
        "a",
        speaker_conf(
            65001,
            "10.0.0.1",
            "127.0.0.1",
            GOBGP_A_PORT,
            "127.0.0.2",
            65002,
            GOBGP_B_PORT,
        ),
        GOBGP_A_API,
    );
    for d in daemons {
        d.wait_pat("\"bmp_msg_type\": \"peer_up\"", 1);
    }
    // Routes: communities, large communities, MED, AS path, IPv6.
    for args in [
        &[
            "global",
            "rib",
            "add",
            "203.0.113.0/24",
            "-a",
            "ipv4",
            "nexthop",
            "127.0.0.1",
            "community",
            "65001:1,65001:2",
            "med",
            "10",
        ][..],
        &[
            "global",
            "rib",
            "add",
            "198.51.100.0/24",
            "-a",
            "ipv4",
            "nexthop",
            "127.0.0.1",
            "aspath",
            "64512,64513",
            "large-community",
            "65001:1:1",
        ],
        &[
            "global",
            "rib",
            "add",
            "192.0.2.0/25",
            "-a",
            "ipv4",
            "nexthop",
            "127.0.0.1",
            "origin",
            "igp",
        ],
        &["global", "rib", "add", "2001:db8:1::/48", "-a", "ipv6"],
    ] {
        gobgp(GOBGP_A_API, args);
    }
    // pre-policy copies of the 4 routes, post-policy of the IPv6 one (GoBGP 3.10 does not
    // select the IPv4 ones, whose next hop is the speaker's loopback session address)
    for d in daemons {
        d.wait_pat("\"log_type\": \"update\"", 5);
    }
    gobgp(
        GOBGP_A_API,
        &["global", "rib", "del", "198.51.100.0/24", "-a", "ipv4"],
    );
    for d in daemons {
        d.wait_pat("\"log_type\": \"withdraw\"", 1);
    }
    // Speaker A goes away: router B reports the peer down, its routes are deleted.
    drop(a);
    for d in daemons {
        d.wait_pat("\"bmp_msg_type\": \"peer_down\"", 1);
    }
    std::thread::sleep(Duration::from_millis(500));
    // Router B goes away: the collectors close it.
    drop(b);
    for d in daemons {
        d.wait_lines("log_close", 2);
    }
    std::thread::sleep(Duration::from_millis(300));
    let (lp, lo) = (pm.msglog(), ours.msglog());
    let aside = [
        "timestamp",
        "timestamp_arrival",
        "bmp_router_port",
        "seq",
        "remote_port",
    ];
    let mp = multiset(&lp, &aside);
    for (pat, min) in [
        ("\"bmp_msg_type\": \"init\"", 1),
        ("\"bmp_msg_type\": \"peer_up\"", 1),
        ("\"bmp_msg_type\": \"peer_down\"", 1),
        ("\"log_type\": \"update\"", 5),
        ("\"log_type\": \"withdraw\"", 1),
        ("\"log_type\": \"delete\"", 3),
    ] {
        assert!(
            count(&lp, pat) >= min,
            "pmacct msglog (gobgpd): fewer than {min} records with {pat}:\n{lp}"
        );
    }
    assert_same(&lp, &lo, &aside, "msglog (gobgpd)", true);
    eprintln!("compat_bmp gobgpd: msglog {} records equal", mp.len());
}
