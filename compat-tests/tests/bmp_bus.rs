//! BMP message logs and dumps on message buses (issue 18 item 2): Debian's pmbmpd / nfacctd
//! 1.7.7 (`bmp_daemon: true`) and ours, each with its own Kafka topic or RabbitMQ exchange,
//! are sent the same crafted BMP routers as `compat_bmp` (compat-tests/gen/bmp_stream.py):
//! `all` (every message type, ends with Termination), `malformed` (lying lengths, then good
//! messages), and `disconnect` (two peers with routes, held connected through a dump, then
//! gone: its routes logged as deletions). The messages consumed from both sides must be the
//! same multisets, record by record, for the message log and for the dump of the held router.
//!
//! The topics and routing keys use 1.7.7's variables: `$peer_src_ip` in the Kafka topics,
//! `$bmp_router` in the routing keys and the partition keys (all expand to the router's
//! address with `_` for `.`); each Kafka message's key is compared with its record.
//!
//! Cases: pmbmpd with the message log on Kafka and the dumps on AMQP; nfacctd with
//! `bmp_daemon` the other way round. Kafka is librdkafka's in-process mock cluster: Debian's
//! 1.7.7 (librdkafka 2.0.2) cannot talk to the tansu test broker (docs/COMPATIBILITY.md
//! "## Kafka"); RabbitMQ is the test node (.ci/rabbitmq.sh).
//!
//! Set aside per record (named): `timestamp`, `timestamp_arrival`, `timestamp_event`
//! (clock), `bmp_router_port` (ephemeral port), `seq` (checked to increase in the message
//! log and to be one value per dump) and the pid in `writer_id` (`<core_proc_name>/<pid>`,
//! which every message must carry).
//!
//! Run: `cargo test -p pmacct-bin --test compat_bmp_bus` (RabbitMQ started by the test
//! through .ci/rabbitmq.sh; about 70 s per case: each waits for a dump).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use compat_tests::oracle;
use compat_tests::run::{self, Scratch};
use serde_json::Value;

#[path = "../../crates/plugins/tests/kafka_support/mod.rs"]
mod kafka_support;

type Mock = rdkafka::mocking::MockCluster<'static, rdkafka::producer::DefaultProducerContext>;

/// What the router's address expands to in topics, routing keys and partition keys.
const ROUTER: &str = "127_0_0_1";

fn stream(which: &str) -> Vec<u8> {
    let out = Command::new("python3")
        .arg(compat_tests::root().join("gen/bmp_stream.py"))
        .arg(which)
        .stderr(Stdio::inherit())
        .output()
        .expect("python3");
    assert!(out.status.success(), "bmp_stream.py {which} failed");
    assert!(out.stdout.len() > 500, "bmp_stream.py {which}: short");
    out.stdout
}

fn free_tcp_port() -> u16 {
    run::free_tcp_port().unwrap()
}

#[derive(Clone, Copy, Debug)]
enum Broker {
    Kafka,
    Amqp,
}

/// One side's output on a bus: its own Kafka topic or AMQP exchange (with a queue bound to
/// the expanded routing key), and the messages read so far.
struct BusSide {
    broker: Broker,
    /// Topic prefix / exchange name.
    name: String,
    bs: String,
    seen: RefCell<Vec<String>>,
}

impl BusSide {
    fn new(broker: Broker, what: &str, side: &str, mock: &Mock) -> BusSide {
        let name = kafka_support::unique(&format!("bmpbus.{what}.{side}"));
        match broker {
            Broker::Kafka => mock
                .create_topic(&format!("{name}.{ROUTER}"), 1, 1)
                .unwrap(),
            Broker::Amqp => amqp::bind(&name, &format!("bmp.{ROUTER}")),
        }
        BusSide {
            broker,
            name,
            bs: mock.bootstrap_servers(),
            seen: RefCell::default(),
        }
    }

    /// Config lines of output `prefix` (`bmp_daemon_msglog`, `bmp_dump`).
    fn keys(&self, prefix: &str) -> String {
        match self.broker {
            Broker::Kafka => {
                let (host, port) = self.bs.rsplit_once(':').unwrap();
                format!(
                    "{prefix}_kafka_broker_host: {host}\n{prefix}_kafka_broker_port: {port}\n\
                     {prefix}_kafka_topic: {}.$peer_src_ip\n\
                     {prefix}_kafka_partition_key: $bmp_router\n",
                    self.name
                )
            }
            Broker::Amqp => format!(
                "{prefix}_amqp_host: 127.0.0.1\n{prefix}_amqp_exchange: {}\n\
                 {prefix}_amqp_routing_key: bmp.$bmp_router\n",
                self.name
            ),
        }
    }

    /// Every message so far (Kafka: `key=<key> ` before the record).
    fn poll(&self) -> Vec<String> {
        let mut seen = self.seen.borrow_mut();
        let new: Vec<String> = match self.broker {
            Broker::Kafka => kafka_support::consume_from(
                &self.bs,
                &format!("{}.{ROUTER}", self.name),
                &[seen.len() as i64],
                usize::MAX,
                Duration::from_millis(1000),
            )
            .iter()
            .map(|m| {
                let k = m.key.as_deref().map(String::from_utf8_lossy);
                format!("key={} {}", k.as_deref().unwrap_or("-"), m.text())
            })
            .collect(),
            Broker::Amqp => amqp::drain(&self.name, &format!("bmp.{ROUTER}")),
        };
        seen.extend(new);
        seen.clone()
    }

    fn count(&self, event: &str) -> usize {
        let pat = format!("\"event_type\": \"{event}\"");
        self.poll().iter().filter(|m| m.contains(&pat)).count()
    }
}

#[path = "support/amqp_queue.rs"]
mod amqp;

struct Daemon {
    what: &'static str,
    child: Child,
    dir: Scratch,
    port: u16,
    msglog: BusSide,
    dump: BusSide,
}

impl Daemon {
    fn start(
        bin: &Path,
        what: &'static str,
        extra: &str,
        msglog: BusSide,
        dump: BusSide,
    ) -> Daemon {
        let dir = Scratch::new(&format!("bmpbus-{what}")).unwrap();
        let port = free_tcp_port();
        let conf = format!(
            "bmp_daemon_ip: 127.0.0.1\nbmp_daemon_port: {port}\nbmp_daemon_max_peers: 8\n\
             logfile: {d}/daemon.log\n{extra}{}{}bmp_dump_refresh_time: 60\n",
            msglog.keys("bmp_daemon_msglog"),
            dump.keys("bmp_dump"),
            d = dir.0.display(),
        );
        let cf = dir.0.join("daemon.conf");
        std::fs::write(&cf, conf).unwrap();
        let err = std::fs::File::create(dir.0.join("stderr")).unwrap();
        let child = Command::new(bin)
            .arg("-f")
            .arg(&cf)
            .env("TZ", "UTC")
            .stdin(Stdio::null())
            .stdout(err.try_clone().unwrap())
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("{}: {e}", bin.display()));
        let d = Daemon {
            what,
            child,
            dir,
            port,
            msglog,
            dump,
        };
        let t0 = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                t0.elapsed() < Duration::from_secs(15),
                "{what} not listening on {port}: {}",
                d.logs()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        // The probe connection counts as a router: its log_init / log_close.
        d.wait_msglog("log_close", 1);
        d
    }

    fn logs(&self) -> String {
        let r = |n: &str| std::fs::read_to_string(self.dir.0.join(n)).unwrap_or_default();
        format!(
            "--- {} {}\n{}\n{}",
            self.what,
            self.dir.0.display(),
            r("daemon.log"),
            r("stderr")
        )
    }

    fn wait_msglog(&self, event: &str, n: usize) {
        let t0 = Instant::now();
        while self.msglog.count(event) < n {
            assert!(
                t0.elapsed() < Duration::from_secs(30),
                "{}: fewer than {n} {event} messages:\n{:#?}\n{}",
                self.what,
                self.msglog.poll(),
                self.logs()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Send a whole stream as one router and hang up once its log_close is there (the
    /// collector closes on Termination; without one we close).
    fn send_and_close(&self, bytes: &[u8], closes: usize) {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        s.write_all(bytes).unwrap();
        let _ = s.flush();
        self.wait_msglog("log_close", closes);
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        // SAFETY: kill(2) on the pid of a child this test spawned and has not reaped yet.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) };
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

const ASIDE: &[&str] = &[
    "timestamp",
    "timestamp_arrival",
    "timestamp_event",
    "bmp_router_port",
    "seq",
];

/// A message as compared: the set-aside fields cut out of the text as sent (field order and
/// number formats are compared too), the pid of `writer_id` replaced by `PID`.
fn key_of(msg: &str) -> String {
    let mut l = msg.trim_end().to_string();
    for k in ASIDE {
        let pat = format!("\"{k}\": ");
        while let Some(i) = l.find(&pat) {
            let v = i + pat.len();
            let end = if l[v..].starts_with('"') {
                v + 1 + l[v + 1..].find('"').unwrap() + 1
            } else {
                v + l[v..].find([',', '}']).unwrap()
            };
            // The field and the separator after it (or before it, if last).
            if l[end..].starts_with(", ") {
                l.replace_range(i..end + 2, "");
            } else if l[..i].ends_with(", ") {
                l.replace_range(i - 2..end, "");
            } else {
                l.replace_range(i..end, "");
            }
        }
    }
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
    l
}

fn multiset(msgs: &[String]) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for l in msgs {
        *m.entry(key_of(l)).or_default() += 1;
    }
    m
}

fn assert_same(what: &str, pm: &[String], us: &[String]) {
    let (a, b) = (multiset(pm), multiset(us));
    if a != b {
        let only_a: Vec<_> = a
            .iter()
            .filter(|(k, n)| b.get(*k) != Some(n))
            .take(12)
            .collect();
        let only_b: Vec<_> = b
            .iter()
            .filter(|(k, n)| a.get(*k) != Some(n))
            .take(12)
            .collect();
        panic!(
            "{what}: messages differ ({} 1.7.7, {} ours)\n1.7.7 only: {only_a:#?}\nours only: {only_b:#?}",
            pm.len(),
            us.len()
        );
    }
}

/// The JSON object of a message (after the Kafka key, if any).
fn object(m: &str) -> serde_json::Map<String, Value> {
    let j = &m[m.find('{').unwrap()..];
    match serde_json::from_str::<Value>(j) {
        Ok(Value::Object(o)) => o,
        _ => panic!("not a JSON object: {m}"),
    }
}

fn count(msgs: &[String], pat: &str) -> usize {
    msgs.iter().filter(|m| m.contains(pat)).count()
}

/// Every message carries `writer_id` `<name>/<pid>`; Kafka messages the partition key.
fn check_envelope(what: &str, msgs: &[String], broker: Broker) {
    for m in msgs {
        let w = object(m)["writer_id"]
            .as_str()
            .unwrap_or_else(|| panic!("{what}: no writer_id: {m}"))
            .to_string();
        let (name, pid) = w.rsplit_once('/').unwrap_or_else(|| panic!("{what}: {w}"));
        assert!(
            !name.is_empty() && pid.parse::<u32>().is_ok(),
            "{what}: {w}"
        );
        if let Broker::Kafka = broker {
            assert!(
                m.starts_with(&format!("key={ROUTER} ")),
                "{what}: partition key: {m}"
            );
        }
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
    let seq = object(close)["seq"].clone();
    let recs: Vec<String> = msgs
        .iter()
        .filter(|m| object(m)["seq"] == seq)
        .cloned()
        .collect();
    let ts = object(close)["timestamp"].as_str().unwrap().to_string();
    Some((recs, ts))
}

/// `daemon` (pmbmpd or nfacctd) of 1.7.7 and ours: the message log on `msglog`, the dumps
/// on `dump`.
fn case(daemon: &str, ours: &Path, extra: &str, msglog: Broker, dump: Broker, tag: &str) {
    let all = stream("all");
    let malformed = stream("malformed");
    let disconnect = stream("disconnect");
    let mock = Mock::new(1).unwrap();
    let oracle = std::path::PathBuf::from(oracle::path(daemon));
    let side = |bin: &Path, s: &'static str| {
        Daemon::start(
            bin,
            s,
            extra,
            BusSide::new(msglog, &format!("{tag}.msglog"), s, &mock),
            BusSide::new(dump, &format!("{tag}.dump"), s, &mock),
        )
    };
    let pm = side(&oracle, "pmacct");
    let us = side(ours, "ours");
    let daemons = [&pm, &us];
    for d in daemons {
        d.send_and_close(&all, 2);
        d.send_and_close(&malformed, 3);
    }
    // The held router: not within 5 s of a minute boundary, so both dump it at the same
    // deadline. Not just after one either: the dumps of that boundary may still be on their
    // way through the bus when the dump_close messages are counted below, and one daemon's
    // would then be taken for the held router's (1.7.7 at :00 of one minute, ours at the next).
    let sec = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        % 60;
    if !(5..55).contains(&sec) {
        std::thread::sleep(Duration::from_secs((65 - sec) % 60));
    }
    let closes: Vec<usize> = daemons.iter().map(|d| d.dump.count("dump_close")).collect();
    let mut held = Vec::new();
    for d in daemons {
        let mut s = TcpStream::connect(("127.0.0.1", d.port)).unwrap();
        s.write_all(&disconnect).unwrap();
        held.push(s);
    }
    for d in daemons {
        d.wait_msglog("log_init", 4);
    }
    let t0 = Instant::now();
    let (dpm, dus) = loop {
        if let (Some(a), Some(b)) = (
            dump_after(&pm.dump, closes[0]),
            dump_after(&us.dump, closes[1]),
        ) {
            break (a, b);
        }
        assert!(
            t0.elapsed() < Duration::from_secs(130),
            "timed out waiting for a dump on both buses\n{}\n{}",
            pm.logs(),
            us.logs()
        );
        std::thread::sleep(Duration::from_millis(500));
    };
    assert_eq!(dpm.1, dus.1, "both dump on the same deadline");
    // The router goes away without Peer Down or Termination: its routes are deleted.
    for s in held.iter_mut() {
        let _ = s.shutdown(std::net::Shutdown::Both);
        let mut b = [0u8; 16];
        let _ = s.read(&mut b);
    }
    drop(held);
    for d in daemons {
        d.wait_msglog("log_close", 4);
    }
    std::thread::sleep(Duration::from_millis(500));
    let (mpm, mus) = (pm.msglog.poll(), us.msglog.poll());
    check_envelope("1.7.7 msglog", &mpm, msglog);
    check_envelope("ours msglog", &mus, msglog);
    check_envelope("1.7.7 dump", &dpm.0, dump);
    check_envelope("ours dump", &dus.0, dump);
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
            count(&mpm, pat) >= min,
            "1.7.7 msglog: fewer than {min} messages with {pat}:\n{mpm:#?}"
        );
    }
    assert!(mpm.len() >= 110, "1.7.7 msglog: {} messages", mpm.len());
    assert_same("msglog", &mpm, &mus);
    for (what, m) in [("1.7.7", &mpm), ("ours", &mus)] {
        let s: Vec<u64> = m
            .iter()
            .map(|x| object(x)["seq"].as_u64().unwrap())
            .collect();
        assert!(
            s.windows(2).all(|w| w[0] < w[1]),
            "{what} msglog: seq not increasing: {s:?}"
        );
    }
    for (pat, min) in [
        ("\"event_type\": \"dump_init\"", 1),
        ("\"event_type\": \"dump_close\"", 1),
        ("\"bmp_msg_type\": \"route_monitor\"", 6),
        ("\"bmp_msg_type\": \"peer_up\"", 2),
        ("\"bmp_msg_type\": \"init\"", 1),
    ] {
        assert!(
            count(&dpm.0, pat) >= min,
            "1.7.7 dump: fewer than {min} messages with {pat}:\n{:#?}",
            dpm.0
        );
    }
    assert_same("dump", &dpm.0, &dus.0);
    if extra.contains("nfacctd_proc_name: bmpwriter") {
        assert!(
            mpm.iter()
                .all(|m| m.contains("\"writer_id\": \"bmpwriter/")),
            "1.7.7's writer_id is not nfacctd_proc_name's: {:?}",
            mpm.first()
        );
    }
    eprintln!(
        "{tag}: msglog ({msglog:?}) {} messages each, dump ({dump:?}) {} messages each, equal",
        mus.len(),
        dus.0.len()
    );
}

#[test]
fn pmbmpd_msglog_kafka_dump_amqp_match_1_7_7() {
    case(
        "pmbmpd",
        Path::new(env!("CARGO_BIN_EXE_pmbmpd")),
        "",
        Broker::Kafka,
        Broker::Amqp,
        "pmbmpd",
    );
}

#[test]
fn nfacctd_bmp_daemon_msglog_amqp_dump_kafka_match_1_7_7() {
    let udp = run::free_port().unwrap();
    // nfacctd_proc_name names the writer (writer_id), not the core in log lines.
    let extra = format!(
        "bmp_daemon: true\nnfacctd_ip: 127.0.0.1\nnfacctd_port: {udp}\nplugins: print\n\
         print_refresh_time: 3600\nnfacctd_proc_name: bmpwriter\n"
    );
    case(
        "nfacctd",
        Path::new(env!("CARGO_BIN_EXE_nfacctd")),
        &extra,
        Broker::Amqp,
        Broker::Kafka,
        "nfacctd",
    );
}
