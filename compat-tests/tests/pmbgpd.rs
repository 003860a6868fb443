//! Differential test of pmbgpd (issue 17 item 3): Debian's pmbgpd 1.7.7 and ours, each on
//! its own port, each fed by its own ExaBGP process (a real BGP speaker from Debian) running
//! the same script: a generated table (nested IPv4 and IPv6 prefixes, AS_SET, 4-byte ASNs,
//! standard/extended/large communities, LOCAL_PREF, MED, every ORIGIN), then withdrawals
//! (one of a prefix never announced, which 1.7.7 does not log) and re-announcements with new
//! attributes. Compared, as multisets of JSON records:
//! - the message logs (`bgp_daemon_msglog_file`): log_init, every update/withdraw, log_close;
//! - the first table dump taken after the last UPDATE (`bgp_table_dump_file` with strftime
//!   and `$peer_src_ip`, refresh 60 s, the minimum 1.7.7 accepts), reached through
//!   `bgp_table_dump_latest_file`.
//!
//! A second case runs without dumps: 1.7.7's pmbgpd then keeps no RIB, so it logs every
//! withdrawal (known or not) without attributes and no `delete` records at the session's end.
//!
//! Set aside per record: `timestamp` (wall clock), `peer_tcp_port` (each ExaBGP's own
//! ephemeral port: checked to be a number) and `seq` (1.7.7 shares the counter between log
//! events and dumps, so its values depend on when the dump fell: checked to increase in the
//! log and to be one value per dump).
//!
//! nfacctd with `bgp_daemon: true` (Debian's nfacctd 1.7.7 as the oracle) is compared the
//! same way on its files (issue 17 item 3).
//!
//! Broker cases (issue 17 item 3 / issue 18 item 2): the same run with the message log and
//! the dumps on brokers instead of files (1.7.7 refuses both: "mutually exclusive"), each
//! side its own Kafka topic on librdkafka's in-process mock cluster (Debian's 1.7.7, built on
//! librdkafka 2.0.2, cannot talk to the tansu test broker) or its own exchange on the
//! RabbitMQ test node (.ci/rabbitmq.sh): pmbgpd with the message log on Kafka and the dumps
//! on AMQP, nfacctd with the message log on AMQP and the dumps on Kafka. The consumed
//! messages must be equal as multisets (the same fields set aside, and the pid in
//! `writer_id`, `<core_proc_name>/<pid>`, which every message must carry).
//!
//! Run: `cargo test -p pmacct-bin --test compat_pmbgpd` (needs `exabgp`, see .ci/deps.sh,
//! and the test Kafka broker and RabbitMQ node for the broker cases; about 70 s each: they
//! wait for a dump).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use compat_tests::oracle;
use compat_tests::run::{self, Scratch};
use serde_json::{Map, Value};

#[path = "../../crates/plugins/tests/kafka_support/mod.rs"]
mod kafka_support;

const V4: usize = 240;
const V6: usize = 80;

struct Route {
    prefix: String,
    next_hop: String,
    attrs: String,
}

fn attrs(k: usize) -> String {
    let mut a = String::new();
    // AS paths: 2- and 4-byte ASNs, prepends, an AS_SET every 5th route.
    let mut path = vec![format!("{}", 64512 + (k % 7) as u32)];
    if k.is_multiple_of(3) {
        path.push(format!("{}", 4_200_000_000u32 + k as u32));
    }
    if k.is_multiple_of(4) {
        path.push(path[0].clone());
    }
    if k.is_multiple_of(5) {
        path.push(format!("( {} {} )", 65100 + k % 9, 65000 + k % 13));
    }
    write!(a, " as-path [ {} ]", path.join(" ")).unwrap();
    let origin = ["igp", "egp", "incomplete"][k % 3];
    write!(a, " origin {origin}").unwrap();
    if k.is_multiple_of(2) {
        write!(a, " community [ 65000:{} 65001:{}", k % 50, k % 3).unwrap();
        if k.is_multiple_of(6) {
            a.push_str(" no-export");
        }
        if k.is_multiple_of(10) {
            a.push_str(" no-advertise");
        }
        a.push_str(" ]");
    }
    if k % 3 == 1 {
        write!(a, " extended-community [ target:65000:{}", k % 40).unwrap();
        if k % 9 == 1 {
            write!(a, " target:4200000001:{}", k % 7).unwrap();
        }
        if k % 4 == 1 {
            a.push_str(" origin:192.0.2.1:7");
        }
        a.push_str(" ]");
    }
    if k % 4 == 2 {
        write!(
            a,
            " large-community [ 4200000001:{}:{} 65000:1:{} ]",
            k % 11,
            k,
            k % 5
        )
        .unwrap();
    }
    if k % 3 != 2 {
        write!(a, " local-preference {}", 50 + k % 200).unwrap();
    }
    if k % 2 == 1 {
        write!(a, " med {}", k * 10).unwrap();
    }
    a
}

/// IPv4 /16s with nested /24s and /28s, IPv6 /32s with nested /48s.
fn table() -> Vec<Route> {
    let mut v = Vec::new();
    for k in 0..V4 {
        let (b, c) = (k / 24, k % 24);
        let prefix = match c {
            0 => format!("10.{b}.0.0/16"),
            1..=15 => format!("10.{b}.{c}.0/24"),
            _ => format!("10.{b}.1.{}/28", (c - 15) * 16),
        };
        v.push(Route {
            prefix,
            next_hop: format!("192.0.2.{}", 1 + k % 200),
            attrs: attrs(k),
        });
    }
    for k in 0..V6 {
        let (b, c) = (k / 8, k % 8);
        let prefix = if c == 0 {
            format!("2001:db8:{b:x}::/48")
        } else {
            format!("2001:db8:{b:x}:{c:x}::/64")
        };
        v.push(Route {
            prefix,
            next_hop: format!("2001:db8:ffff::{:x}", 1 + k % 50),
            attrs: attrs(V4 + k),
        });
    }
    v
}

fn free_tcp_port() -> u16 {
    run::free_tcp_port().unwrap()
}

struct Side {
    name: &'static str,
    dir: Scratch,
    port: u16,
    daemon: Option<Child>,
    exabgp: Option<Child>,
    /// Where the message log goes when not to a file.
    bus: Option<BusSide>,
    /// ExaBGP offers the Route Refresh capability.
    route_refresh: bool,
}

/// SIGTERM (ExaBGP sends a CEASE, the daemons flush), SIGKILL after 5 s.
fn stop(c: &mut Option<Child>) {
    if let Some(mut c) = c.take() {
        compat_tests::exabgp::stop_child(&mut c);
    }
}

impl Drop for Side {
    fn drop(&mut self) {
        stop(&mut self.exabgp);
        stop(&mut self.daemon);
    }
}

impl Side {
    /// `extra`: more config lines (nfacctd's keys); `bus`: the message log goes there
    /// instead of a file (its keys in `extra`).
    fn with(
        name: &'static str,
        bin: &Path,
        dumps: bool,
        extra: &str,
        bus: Option<BusSide>,
    ) -> Side {
        let dir = Scratch::new(&format!("pmbgpd-{name}")).unwrap();
        let port = free_tcp_port();
        let d = dir.0.display();
        let mut conf = format!(
            "bgp_daemon_ip: 127.0.0.1\n\
             bgp_daemon_port: {port}\n\
             bgp_daemon_max_peers: 4\n\
             logfile: {d}/daemon.log\n{extra}\n"
        );
        if bus.is_none() {
            conf.push_str(&format!(
                "bgp_daemon_msglog_file: {d}/msglog/$peer_src_ip.json\n"
            ));
        }
        if dumps {
            conf.push_str(&format!(
                "bgp_table_dump_file: {d}/dump/$peer_src_ip-%Y%m%d-%H%M-%s.json\n\
                 bgp_table_dump_refresh_time: 60\n\
                 bgp_table_dump_latest_file: {d}/dump/$peer_src_ip.latest\n"
            ));
        }
        let cf = dir.0.join("pmbgpd.conf");
        std::fs::write(&cf, conf).unwrap();
        let err = std::fs::File::create(dir.0.join("stderr")).unwrap();
        let daemon = Command::new(bin)
            .arg("-f")
            .arg(&cf)
            .stdin(Stdio::null())
            .stdout(err.try_clone().unwrap())
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("{}: {e}", bin.display()));
        Side {
            name,
            dir,
            port,
            daemon: Some(daemon),
            exabgp: None,
            bus,
            route_refresh: extra.contains("tmp_bgp_daemon_route_refresh: true"),
        }
    }

    fn path(&self, f: &str) -> PathBuf {
        self.dir.0.join(f)
    }

    fn start_exabgp(&mut self, routes: &[Route]) {
        let mut ann = String::new();
        for r in routes {
            writeln!(
                ann,
                "announce route {} next-hop {}{}",
                r.prefix, r.next_hop, r.attrs
            )
            .unwrap();
        }
        let mut wd = String::new();
        for (k, r) in routes.iter().enumerate() {
            if k % 7 == 3 {
                writeln!(wd, "withdraw route {} next-hop {}", r.prefix, r.next_hop).unwrap();
            } else if k % 11 == 5 {
                writeln!(
                    wd,
                    "announce route {} next-hop {} as-path [ 65333 4200000333 ] med 7 community [ 65333:1 ]",
                    r.prefix, r.next_hop
                )
                .unwrap();
            }
        }
        // Never announced: 1.7.7 logs no withdrawal for it.
        writeln!(wd, "withdraw route 172.16.0.0/12 next-hop 192.0.2.1").unwrap();
        std::fs::write(self.path("announce.txt"), ann).unwrap();
        std::fs::write(self.path("withdraw.txt"), wd).unwrap();
        let d = self.dir.0.display();
        let script = format!(
            "#!/bin/sh\ncat {d}/announce.txt\nwhile [ ! -f {d}/go ]; do sleep 0.1; done\n\
             cat {d}/withdraw.txt\nwhile [ -d {d} ]; do sleep 1; done\n"
        );
        let sp = self.path("routes.sh");
        std::fs::write(&sp, script).unwrap();
        Command::new("chmod").arg("+x").arg(&sp).status().unwrap();
        let conf = format!(
            "process routes {{\n  run {sp};\n  encoder text;\n}}\n\
             neighbor 127.0.0.1 {{\n  router-id 10.255.0.9;\n  local-address 127.0.0.1;\n  \
             local-as 4200000001;\n  peer-as 4200000001;\n  connect {port};\n  \
             family {{\n    ipv4 unicast;\n    ipv6 unicast;\n  }}\n  {rr}\
             api {{\n    processes [ routes ];\n  }}\n}}\n",
            sp = sp.display(),
            port = self.port,
            rr = if self.route_refresh {
                "capability {\n    route-refresh enable;\n  }\n  "
            } else {
                ""
            },
        );
        let cf = self.path("exabgp.conf");
        std::fs::write(&cf, conf).unwrap();
        self.exabgp = Some(compat_tests::exabgp::spawn(&cf, &self.path("exabgp.log")));
    }

    fn msglog(&self) -> Vec<Map<String, Value>> {
        match &self.bus {
            Some(b) => b.poll().iter().map(|m| object(m, &b.name)).collect(),
            None => records(&self.path("msglog/127_0_0_1.json")),
        }
    }

    fn diag(&self) -> String {
        format!(
            "--- {} {}\n{}\n{}\n--- exabgp\n{}",
            self.name,
            self.dir.0.display(),
            std::fs::read_to_string(self.path("daemon.log")).unwrap_or_default(),
            std::fs::read_to_string(self.path("stderr")).unwrap_or_default(),
            std::fs::read_to_string(self.path("exabgp.log")).unwrap_or_default()
        )
    }
}

/// The complete lines of a message log: a daemon still writing it (pmbgpd 1.7.7's stdio or
/// our buffered writer) may have flushed part of its last line.
fn records(p: &Path) -> Vec<Map<String, Value>> {
    let text = std::fs::read_to_string(p).unwrap_or_default();
    let complete = text.rfind('\n').map_or("", |i| &text[..i]);
    complete
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| object(l, &p.display().to_string()))
        .collect()
}

fn object(l: &str, from: &str) -> Map<String, Value> {
    match serde_json::from_str::<Value>(l) {
        Ok(Value::Object(m)) => m,
        _ => panic!("{from}: not a JSON object: {l}"),
    }
}

fn count(recs: &[Map<String, Value>], event: &str, log_type: Option<&str>) -> usize {
    recs.iter()
        .filter(|r| r["event_type"] == event)
        .filter(|r| log_type.is_none_or(|t| r.get("log_type").and_then(Value::as_str) == Some(t)))
        .count()
}

fn wait_for(what: &str, secs: u64, sides: &[&Side], mut ok: impl FnMut(&Side) -> bool) {
    let t0 = Instant::now();
    while !sides.iter().all(|s| ok(s)) {
        if t0.elapsed() > Duration::from_secs(secs) {
            let d: Vec<String> = sides.iter().map(|s| s.diag()).collect();
            panic!("timed out waiting for {what}\n{}", d.join("\n"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A line as compared: the set-aside fields cut out of the text as written (so field order
/// and number formats are compared too).
fn key_of(line: &str) -> String {
    let mut l = line.trim_end().to_string();
    for k in ["\"timestamp\": ", "\"seq\": ", "\"peer_tcp_port\": "] {
        if let Some(i) = l.find(k) {
            let rest = &l[i..];
            let end = rest.find(", \"").map_or(rest.len() - 1, |e| e + 2);
            l.replace_range(i..i + end, "");
        }
    }
    // Broker messages: `writer_id` is `<core_proc_name>/<pid>`; the pid differs.
    if let Some(i) = l.find("\"writer_id\": \"") {
        let v = i + "\"writer_id\": \"".len();
        if let Some(e) = l[v..].find('"') {
            let name = l[v..v + e]
                .rsplit_once('/')
                .map_or("", |(n, _)| n)
                .to_string();
            l.replace_range(v..v + e, &format!("{name}/PID"));
        }
    }
    l.replace(", }", "}")
}

fn multiset_of<'a>(lines: impl Iterator<Item = &'a str>) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for l in lines {
        if !l.trim().is_empty() {
            *m.entry(key_of(l)).or_default() += 1;
        }
    }
    m
}

/// Both multisets equal, else a panic naming the first differences.
fn assert_same_sets(what: &str, a: &BTreeMap<String, usize>, b: &BTreeMap<String, usize>) {
    if a != b {
        let only_a: Vec<_> = a
            .iter()
            .filter(|(k, n)| b.get(*k) != Some(n))
            .take(10)
            .collect();
        let only_b: Vec<_> = b
            .iter()
            .filter(|(k, n)| a.get(*k) != Some(n))
            .take(10)
            .collect();
        panic!("{what}: records differ\n1.7.7 only: {only_a:#?}\nours only: {only_b:#?}");
    }
}

fn multiset(p: &Path) -> BTreeMap<String, usize> {
    multiset_of(std::fs::read_to_string(p).unwrap_or_default().lines())
}

fn assert_same(what: &str, pm: &Path, ours: &Path) {
    let (a, b) = (multiset(pm), multiset(ours));
    if a != b {
        // Kept for inspection (the scratch directories go with the test).
        let keep = std::env::temp_dir().join(format!(
            "pmacct-rs-compat-pmbgpd-{}",
            what.replace(' ', "_")
        ));
        let _ = std::fs::create_dir_all(&keep);
        let _ = std::fs::copy(pm, keep.join("pmacct.json"));
        let _ = std::fs::copy(ours, keep.join("ours.json"));
        let only_pm: Vec<_> = a
            .iter()
            .filter(|(k, n)| b.get(*k) != Some(n))
            .take(10)
            .collect();
        let only_ours: Vec<_> = b
            .iter()
            .filter(|(k, n)| a.get(*k) != Some(n))
            .take(10)
            .collect();
        panic!("{what}: records differ\n1.7.7 only: {only_pm:#?}\nours only: {only_ours:#?}");
    }
    for r in records(pm).iter().chain(&records(ours)) {
        assert!(r["peer_tcp_port"].is_u64(), "{what}: {r:?}");
        assert!(r["timestamp"].is_string(), "{what}: {r:?}");
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The dump file of deadline `d` (`%s` is the last part of the name) in `dir`.
fn dump_at(dir: &Path, after: u64) -> Option<(u64, PathBuf)> {
    let mut best: Option<(u64, PathBuf)> = None;
    for e in std::fs::read_dir(dir).ok()?.flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        let Some(s) = n
            .strip_suffix(".json")
            .and_then(|x| x.rsplit('-').next())
            .and_then(|x| x.parse::<u64>().ok())
        else {
            continue;
        };
        if s > after && best.as_ref().is_none_or(|(b, _)| s < *b) {
            best = Some((s, e.path()));
        }
    }
    best
}

/// Both daemons and their ExaBGP started; the table announced, then the withdrawals and
/// re-announcements, each phase waited for in both message logs. `withdraw_lines`: the
/// withdrawal records expected (1.7.7 without a RIB logs the unknown prefix's too).
/// Returns (both sides, routes, re-announcements).
fn run_table(
    dumps: bool,
    tag: &str,
    withdraw_lines: impl Fn(usize) -> usize,
) -> (Side, Side, usize, usize) {
    let oracle = PathBuf::from(oracle::path("pmbgpd"));
    let ours = PathBuf::from(env!("CARGO_BIN_EXE_pmbgpd"));
    run_table_of(
        &oracle,
        &ours,
        dumps,
        tag,
        ["", ""],
        [None, None],
        withdraw_lines,
    )
}

/// [`run_table`] with other binaries and `extra` config lines for (1.7.7, ours).
fn run_table_of(
    oracle: &Path,
    ours: &Path,
    dumps: bool,
    tag: &str,
    extra: [&str; 2],
    mut buses: [Option<BusSide>; 2],
    withdraw_lines: impl Fn(usize) -> usize,
) -> (Side, Side, usize, usize) {
    let routes = table();
    let pm_tag: &'static str = Box::leak(format!("pmacct{tag}").into_boxed_str());
    let us_tag: &'static str = Box::leak(format!("ours{tag}").into_boxed_str());
    let mut pm = Side::with(pm_tag, oracle, dumps, extra[0], buses[0].take());
    let mut us = Side::with(us_tag, ours, dumps, extra[1], buses[1].take());
    std::thread::sleep(Duration::from_millis(500));
    pm.start_exabgp(&routes);
    us.start_exabgp(&routes);
    let n = routes.len();
    wait_for("the announcements in both msglogs", 60, &[&pm, &us], |s| {
        count(&s.msglog(), "log", Some("update")) >= n
    });
    let withdrawn = withdraw_lines(n);
    let reannounced = (0..n).filter(|k| k % 7 != 3 && k % 11 == 5).count();
    for s in [&pm, &us] {
        std::fs::write(s.path("go"), "").unwrap();
    }
    wait_for("the withdrawals in both msglogs", 60, &[&pm, &us], |s| {
        let m = s.msglog();
        count(&m, "log", Some("withdraw")) >= withdrawn
            && count(&m, "log", Some("update")) >= n + reannounced
    });
    (pm, us, n, reannounced)
}

/// Stop both ExaBGPs (CEASE: deletes and log_close), then both daemons.
fn end_sessions(pm: &mut Side, us: &mut Side) {
    stop(&mut pm.exabgp);
    stop(&mut us.exabgp);
    wait_for("log_close", 20, &[pm, us], |s| {
        count(&s.msglog(), "log_close", None) == 1
    });
    stop(&mut pm.daemon);
    stop(&mut us.daemon);
}

fn withdrawn_routes(n: usize) -> usize {
    (0..n).filter(|k| k % 7 == 3).count()
}

#[test]
fn msglog_and_table_dump_match_pmbgpd_1_7_7() {
    let (mut pm, mut us, n, reannounced) = run_table(true, "", withdrawn_routes);
    files_match(&mut pm, &mut us, n, reannounced);
}

/// The msglog and first dump after the last UPDATE compared (both sessions then ended).
/// Returns the compared dump files (1.7.7's, ours).
fn files_match(pm: &mut Side, us: &mut Side, n: usize, reannounced: usize) -> (PathBuf, PathBuf) {
    let withdrawn = withdrawn_routes(n);
    // Let any straggler land, then take the first dump after this moment.
    std::thread::sleep(Duration::from_secs(1));
    let t = now();
    wait_for("a table dump after the last UPDATE", 130, &[pm, us], |s| {
        dump_at(&s.path("dump"), t)
            .is_some_and(|(_, p)| records(&p).iter().any(|r| r["event_type"] == "dump_close"))
    });
    let (dpm, fpm) = dump_at(&pm.path("dump"), t).unwrap();
    let (dus, fus) = dump_at(&us.path("dump"), t).unwrap();
    assert_eq!(dpm, dus, "both dump on the same deadline");
    let dump_pm = records(&fpm);
    let dump_us = records(&fus);
    // Session end: log_close in both.
    end_sessions(pm, us);

    let (mpm, mus) = (pm.msglog(), us.msglog());
    let mf = "msglog/127_0_0_1.json";
    assert_same("msglog", &pm.path(mf), &us.path(mf));
    assert_eq!(count(&mus, "log_init", None), 1);
    assert_eq!(count(&mus, "log", Some("update")), n + reannounced);
    assert_eq!(count(&mus, "log", Some("withdraw")), withdrawn);
    assert!(
        n + reannounced + withdrawn > 350,
        "{n} {reannounced} {withdrawn}"
    );
    for (what, m) in [("1.7.7", &mpm), ("ours", &mus)] {
        let seqs: Vec<u64> = m.iter().map(|r| r["seq"].as_u64().unwrap()).collect();
        assert!(
            seqs.windows(2).all(|w| w[0] < w[1]),
            "{what} msglog seq: {seqs:?}"
        );
    }

    assert_same("table dump", &fpm, &fus);
    let entries = n - withdrawn;
    assert_eq!(count(&dump_us, "dump", None), entries);
    assert_eq!(count(&dump_us, "dump_init", None), 1);
    let close = dump_us
        .iter()
        .find(|r| r["event_type"] == "dump_close")
        .unwrap();
    assert_eq!(close["entries"], entries as u64);
    for (what, d) in [("1.7.7", &dump_pm), ("ours", &dump_us)] {
        let seqs: std::collections::BTreeSet<u64> =
            d.iter().map(|r| r["seq"].as_u64().unwrap()).collect();
        assert_eq!(seqs.len(), 1, "{what}: one seq per dump");
        let ts: std::collections::BTreeSet<&str> =
            d.iter().map(|r| r["timestamp"].as_str().unwrap()).collect();
        assert_eq!(ts.len(), 1, "{what}: one timestamp per dump");
    }
    // bgp_table_dump_latest_file points at the newest dump of each side.
    for s in [&*pm, &*us] {
        let link = std::fs::read_link(s.path("dump/127_0_0_1.latest")).unwrap();
        let newest = dump_at(&s.path("dump"), 0)
            .map(|_| {
                let mut all: Vec<PathBuf> = std::fs::read_dir(s.path("dump"))
                    .unwrap()
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "json"))
                    .collect();
                all.sort();
                all.pop().unwrap()
            })
            .unwrap();
        assert_eq!(link, newest, "{}", s.name);
    }
    eprintln!(
        "msglog: {} records each; dump: {} records each ({} routes)",
        mus.len(),
        dump_us.len(),
        entries
    );
    (fpm, fus)
}

/// Where a side's broker output goes.
#[derive(Clone, Copy)]
enum Broker {
    Kafka,
    Amqp,
}

/// One side's bus: a Kafka topic or an AMQP exchange (with its queue) of its own, and the
/// messages read from it so far.
struct BusSide {
    broker: Broker,
    name: String,
    /// The Kafka bootstrap servers (the test's mock cluster).
    bs: String,
    seen: std::cell::RefCell<Vec<String>>,
}

const AMQP_KEY: &str = "bgp.routelog";

/// librdkafka's in-process mock cluster: Debian's 1.7.7 (librdkafka 2.0.2) cannot talk to
/// the tansu test broker (docs/COMPATIBILITY.md "## Kafka"), both can talk to this.
type Mock = rdkafka::mocking::MockCluster<'static, rdkafka::producer::DefaultProducerContext>;

impl BusSide {
    fn new(broker: Broker, what: &str, side: &str, mock: &Mock) -> BusSide {
        let name = kafka_support::unique(&format!("routelog.{what}.{side}"));
        match broker {
            Broker::Kafka => mock.create_topic(&name, 1, 1).unwrap(),
            Broker::Amqp => amqp::bind(&name, AMQP_KEY),
        }
        BusSide {
            broker,
            name,
            bs: mock.bootstrap_servers(),
            seen: Default::default(),
        }
    }

    /// Config lines of output `prefix` (`bgp_daemon_msglog`, `bgp_table_dump`).
    fn keys(&self, prefix: &str) -> String {
        match self.broker {
            Broker::Kafka => {
                let (host, port) = self.bs.rsplit_once(':').unwrap();
                format!(
                    "{prefix}_kafka_broker_host: {host}\n{prefix}_kafka_broker_port: {port}\n{prefix}_kafka_topic: {}\n",
                    self.name
                )
            }
            Broker::Amqp => format!(
                "{prefix}_amqp_host: 127.0.0.1\n{prefix}_amqp_exchange: {}\n{prefix}_amqp_routing_key: {AMQP_KEY}\n",
                self.name
            ),
        }
    }

    /// Every message so far (read what is new, briefly).
    fn poll(&self) -> Vec<String> {
        let mut seen = self.seen.borrow_mut();
        let new: Vec<String> = match self.broker {
            Broker::Kafka => kafka_support::consume_from(
                &self.bs,
                &self.name,
                &[seen.len() as i64],
                usize::MAX,
                Duration::from_millis(1500),
            )
            .iter()
            .map(|m| m.text().to_string())
            .collect(),
            Broker::Amqp => amqp::drain(&self.name, AMQP_KEY),
        };
        seen.extend(new);
        seen.clone()
    }
}

#[path = "support/amqp_queue.rs"]
mod amqp;

/// `writer_id` is `<core_proc_name>/<pid>` on every broker message (both sides).
fn assert_writer_ids(what: &str, msgs: &[String]) {
    for m in msgs {
        let v: Value = serde_json::from_str(m).unwrap();
        let w = v["writer_id"]
            .as_str()
            .unwrap_or_else(|| panic!("{what}: no writer_id: {m}"));
        assert!(w.starts_with("default/"), "{what}: writer_id {w}");
    }
}

/// The messages of the first dump completed on `bus` after `closes_before` dump_close
/// messages: (its records, its timestamp).
fn dump_after(bus: &BusSide, closes_before: usize) -> Option<(Vec<String>, String)> {
    let msgs = bus.poll();
    let close = msgs
        .iter()
        .filter(|m| m.contains("\"event_type\": \"dump_close\""))
        .nth(closes_before)?;
    dump_of(bus, &msgs, close)
}

/// The messages of the dump of deadline `ts` on `bus`, once it is complete.
fn bus_dump_at(bus: &BusSide, ts: &str) -> Option<(Vec<String>, String)> {
    let msgs = bus.poll();
    let close = msgs.iter().find(|m| {
        m.contains("\"event_type\": \"dump_close\"")
            && object(m, &bus.name)["timestamp"].as_str() == Some(ts)
    })?;
    dump_of(bus, &msgs, close)
}

/// The dump `close` ends among `msgs`: (its records, its timestamp).
fn dump_of(bus: &BusSide, msgs: &[String], close: &str) -> Option<(Vec<String>, String)> {
    let seq = object(close, &bus.name)["seq"].clone();
    let recs: Vec<String> = msgs
        .iter()
        .filter(|m| object(m, &bus.name)["seq"] == seq)
        .cloned()
        .collect();
    let ts = object(close, &bus.name)["timestamp"]
        .as_str()
        .unwrap()
        .to_string();
    Some((recs, ts))
}

/// Broker case: `daemon` (pmbgpd or nfacctd) of 1.7.7 and ours, the message log on `msglog`
/// and the dumps on `dump`, each side its own topic / exchange (1.7.7 refuses a file and a
/// broker for the same output: "mutually exclusive").
fn broker_case(daemon: &str, ours: &Path, extra: &str, msglog: Broker, dump: Broker, tag: &str) {
    let oracle = PathBuf::from(oracle::path(daemon));
    let mock = Mock::new(1).unwrap();
    let mbus = [
        BusSide::new(msglog, &format!("{tag}.msglog"), "pm", &mock),
        BusSide::new(msglog, &format!("{tag}.msglog"), "us", &mock),
    ];
    let dbus = [
        BusSide::new(dump, &format!("{tag}.dump"), "pm", &mock),
        BusSide::new(dump, &format!("{tag}.dump"), "us", &mock),
    ];
    let conf: Vec<String> = (0..2)
        .map(|i| {
            format!(
                "{extra}{}{}bgp_table_dump_refresh_time: 60\n",
                mbus[i].keys("bgp_daemon_msglog"),
                dbus[i].keys("bgp_table_dump")
            )
        })
        .collect();
    let [m0, m1] = mbus;
    let (mut pm, mut us, n, reannounced) = run_table_of(
        &oracle,
        ours,
        false,
        tag,
        [&conf[0], &conf[1]],
        [Some(m0), Some(m1)],
        withdrawn_routes,
    );
    let withdrawn = withdrawn_routes(n);
    std::thread::sleep(Duration::from_secs(1));
    let closes: Vec<usize> = dbus
        .iter()
        .map(|b| {
            b.poll()
                .iter()
                .filter(|m| m.contains("\"event_type\": \"dump_close\""))
                .count()
        })
        .collect();
    let t0 = Instant::now();
    let (dpm, dus) = loop {
        if let (Some(a), Some(b)) = (
            dump_after(&dbus[0], closes[0]),
            dump_after(&dbus[1], closes[1]),
        ) {
            // One side's dump of a deadline may reach its bus before the count above and the
            // other's after it: compare the two dumps of the later deadline (both after the
            // table was complete).
            let t = a.1.max(b.1);
            if let (Some(a), Some(b)) = (bus_dump_at(&dbus[0], &t), bus_dump_at(&dbus[1], &t)) {
                break (a, b);
            }
        }
        assert!(
            t0.elapsed() < Duration::from_secs(130),
            "timed out waiting for a dump on both buses\n{}\n{}",
            pm.diag(),
            us.diag()
        );
        std::thread::sleep(Duration::from_millis(500));
    };
    assert_eq!(dpm.1, dus.1, "both dump on the same deadline");
    end_sessions(&mut pm, &mut us);
    let (mpm, mus) = (
        pm.bus.as_ref().unwrap().poll(),
        us.bus.as_ref().unwrap().poll(),
    );
    for (what, m) in [
        ("1.7.7 msglog", &mpm),
        ("ours msglog", &mus),
        ("1.7.7 dump", &dpm.0),
        ("ours dump", &dus.0),
    ] {
        assert_writer_ids(what, m);
    }
    let ms = |v: &Vec<String>| multiset_of(v.iter().map(String::as_str));
    assert_same_sets("msglog messages", &ms(&mpm), &ms(&mus));
    assert_same_sets("dump messages", &ms(&dpm.0), &ms(&dus.0));
    let recs: Vec<Map<String, Value>> = mus.iter().map(|m| object(m, "ours")).collect();
    assert_eq!(count(&recs, "log_init", None), 1);
    assert_eq!(count(&recs, "log", Some("update")), n + reannounced);
    assert_eq!(count(&recs, "log", Some("withdraw")), withdrawn);
    assert_eq!(count(&recs, "log_close", None), 1);
    let drecs: Vec<Map<String, Value>> = dus.0.iter().map(|m| object(m, "ours")).collect();
    assert_eq!(count(&drecs, "dump", None), n - withdrawn);
    assert_eq!(count(&drecs, "dump_init", None), 1);
    assert!(
        mus.len() > 350 && dus.0.len() > 250,
        "{} {}",
        mus.len(),
        dus.0.len()
    );
    eprintln!(
        "{tag}: msglog {} messages each, dump {} messages each",
        mus.len(),
        dus.0.len()
    );
}

#[test]
fn pmbgpd_msglog_kafka_dump_amqp_match_1_7_7() {
    broker_case(
        "pmbgpd",
        Path::new(env!("CARGO_BIN_EXE_pmbgpd")),
        "",
        Broker::Kafka,
        Broker::Amqp,
        "-bus",
    );
}

/// nfacctd's `bgp_daemon_msglog_file` and `bgp_table_dump_file` (issue 17 item 3): its BGP
/// thread keeps RIBs, as pmbgpd with dumps.
#[test]
fn nfacctd_msglog_and_table_dump_files_match_1_7_7() {
    let udp = run::free_port().unwrap();
    let extra = nfacctd_keys(udp);
    let (mut pm, mut us, n, reannounced) = run_table_of(
        Path::new(&oracle::path("nfacctd")),
        Path::new(env!("CARGO_BIN_EXE_nfacctd")),
        true,
        "-nfacctd-files",
        [&extra, &extra],
        [None, None],
        withdrawn_routes,
    );
    files_match(&mut pm, &mut us, n, reannounced);
}

/// nfacctd with `bgp_daemon` on 127.0.0.1:`udp` for NetFlow (no flow is sent).
fn nfacctd_keys(udp: u16) -> String {
    format!(
        "bgp_daemon: true\nnfacctd_ip: 127.0.0.1\nnfacctd_port: {udp}\nplugins: print\nprint_refresh_time: 3600\n"
    )
}

/// nfacctd's BGP thread (`bgp_daemon: true`): message log on AMQP, dumps on Kafka.
#[test]
fn nfacctd_msglog_amqp_dump_kafka_match_1_7_7() {
    let extra = nfacctd_keys(run::free_port().unwrap());
    broker_case(
        "nfacctd",
        Path::new(env!("CARGO_BIN_EXE_nfacctd")),
        &extra,
        Broker::Amqp,
        Broker::Kafka,
        "-nfacctd",
    );
}

/// pmbgpd without table dumps: 1.7.7 keeps no RIB (`skip_rib`), which its message log shows.
#[test]
fn msglog_without_dumps_matches_pmbgpd_1_7_7() {
    // Every withdrawal line, the one of a prefix never announced included.
    let (mut pm, mut us, n, _) = run_table(false, "-norib", |n| withdrawn_routes(n) + 1);
    let withdrawn = withdrawn_routes(n) + 1;
    end_sessions(&mut pm, &mut us);
    let mf = "msglog/127_0_0_1.json";
    assert_same("msglog without dumps", &pm.path(mf), &us.path(mf));
    let m = us.msglog();
    assert_eq!(count(&m, "log", Some("withdraw")), withdrawn);
    assert_eq!(count(&m, "log", Some("delete")), 0);
    assert!(m
        .iter()
        .filter(|r| r.get("log_type").and_then(Value::as_str) == Some("withdraw"))
        .all(|r| !r.contains_key("bgp_nexthop")));
    eprintln!("msglog without dumps: {} records each", m.len());
}

/// `tmp_bgp_daemon_origin_type_int` (ORIGIN printed as a number in the message log) and
/// `tmp_bgp_daemon_route_refresh` (the Route Refresh capability ExaBGP offers is echoed and
/// logged), pmbgpd without dumps: same message log as 1.7.7's, both log the capability.
#[test]
fn tmp_origin_int_and_route_refresh_match_pmbgpd_1_7_7() {
    let oracle = PathBuf::from(oracle::path("pmbgpd"));
    let ours = PathBuf::from(env!("CARGO_BIN_EXE_pmbgpd"));
    let extra = "tmp_bgp_daemon_origin_type_int: true\ntmp_bgp_daemon_route_refresh: true\n";
    let (mut pm, mut us, n, _) = run_table_of(
        &oracle,
        &ours,
        false,
        "-tmp",
        [extra, extra],
        [None, None],
        |n| withdrawn_routes(n) + 1,
    );
    end_sessions(&mut pm, &mut us);
    let mf = "msglog/127_0_0_1.json";
    assert_same("msglog with integer origins", &pm.path(mf), &us.path(mf));
    let m = us.msglog();
    let updates: Vec<_> = m
        .iter()
        .filter(|r| r.get("log_type").and_then(Value::as_str) == Some("update"))
        .collect();
    assert!(updates.len() >= n, "{} updates < {n}", updates.len());
    assert!(
        updates.iter().all(|r| r["origin"].is_u64()),
        "origin not a number"
    );
    // The table has every ORIGIN (IGP, EGP, INCOMPLETE).
    let origins: std::collections::BTreeSet<u64> = updates
        .iter()
        .filter_map(|r| r["origin"].as_u64())
        .collect();
    assert_eq!(origins.into_iter().collect::<Vec<_>>(), [0, 1, 2]);
    for s in [&pm, &us] {
        let log = std::fs::read_to_string(s.path("daemon.log")).unwrap_or_default();
        assert!(
            log.contains("Capability: Route Refresh [2]"),
            "{}: no Route Refresh capability logged\n{}",
            s.name,
            s.diag()
        );
    }
    eprintln!(
        "integer origins: {} records each, {} updates",
        m.len(),
        updates.len()
    );
}
