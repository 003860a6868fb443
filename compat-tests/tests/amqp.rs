//! Differential tests of the amqp plugin (issue 19): Debian's nfacctd 1.7.7 and ours publish
//! the same capture (`pcap_savefile`) through the same config to their own exchange on a
//! private RabbitMQ node (.ci/rabbitmq.sh, started here if it is not up); the messages each
//! queue receives must be equal as multisets (routing key, content type, delivery mode and
//! body; the writer's pid and the purge duration aside), with json, multi_values, history,
//! markers, persistent messages and routing-key round robin. And the outage test: our
//! nfacctd under live traffic while its node is stopped and restarted; every record is
//! delivered or counted as dropped.
//!
//! Run: `cargo test -p pmacct-bin --test compat_amqp` (needs rabbitmq-server, .ci/deps.sh).
//! `AMQP_OUTAGE_SECS` (default 6) sets how long the outage test keeps its node down (the
//! issue's 30 s: `AMQP_OUTAGE_SECS=30`).

use std::collections::BTreeMap;
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use futures_lite::future::block_on;
use lapin::options::{
    BasicGetOptions, ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions,
    QueueDeleteOptions,
};
use lapin::types::FieldTable;
use lapin::{Channel, Connection, ConnectionProperties, ExchangeKind};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pmacct-rs-amqp-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A private node on `port` (ports of its own for distribution and epmd), started by
/// .ci/rabbitmq.sh unless already up.
struct Node {
    port: u16,
}

impl Node {
    fn env(&self, cmd: &mut Command) {
        let p = self.port;
        cmd.env("AMQP_PORT", p.to_string())
            .env("AMQP_DIST_PORT", (p + 20000).to_string())
            .env("AMQP_EPMD_PORT", (4370 + p - 5672).to_string());
    }

    fn script(&self, action: &str) {
        let mut cmd = Command::new("bash");
        cmd.arg(repo().join(".ci/rabbitmq.sh")).arg(action);
        self.env(&mut cmd);
        let st = cmd
            .stdout(Stdio::null())
            .status()
            .expect("bash .ci/rabbitmq.sh");
        assert!(
            st.success(),
            ".ci/rabbitmq.sh {action} (port {}) failed: is rabbitmq-server installed (.ci/deps.sh)?",
            self.port
        );
    }

    /// A node this test owns: stopped when the guard goes, even if the test panics.
    fn own(port: u16) -> OwnNode {
        OwnNode(Node::up(port))
    }

    fn up(port: u16) -> Node {
        let n = Node { port };
        n.script("start");
        n
    }

    fn connect(&self) -> (Connection, Channel) {
        let uri = format!("amqp://guest:guest@127.0.0.1:{}/%2f", self.port);
        block_on(async {
            let c = Connection::connect(&uri, ConnectionProperties::default())
                .await
                .expect("connect to the test node");
            let ch = c.create_channel().await.unwrap();
            (c, ch)
        })
    }
}

struct OwnNode(Node);

impl Drop for OwnNode {
    fn drop(&mut self) {
        self.0.script("stop");
    }
}

/// Declare `exchange` as the daemons do and a queue of the same name bound to it with
/// each of `keys`.
fn bind(ch: &Channel, exchange: &str, kind: ExchangeKind, durable: bool, keys: &[String]) {
    block_on(async {
        let _ = ch
            .queue_delete(exchange, QueueDeleteOptions::default())
            .await;
        ch.exchange_declare(
            exchange,
            kind,
            ExchangeDeclareOptions {
                durable,
                ..Default::default()
            },
            FieldTable::default(),
        )
        .await
        .unwrap();
        ch.queue_declare(
            exchange,
            QueueDeclareOptions {
                durable: true,
                ..Default::default()
            },
            FieldTable::default(),
        )
        .await
        .unwrap();
        for k in keys {
            ch.queue_bind(
                exchange,
                exchange,
                k,
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .unwrap();
        }
    })
}

/// One consumed message: routing key, content type, delivery mode, body.
type Msg = (String, String, u8, Vec<u8>);

/// Get every message of `queue` until none came for `idle`.
fn drain(ch: &Channel, queue: &str, idle: Duration) -> Vec<Msg> {
    let mut out = Vec::new();
    let mut last = Instant::now();
    while last.elapsed() < idle {
        let got = block_on(ch.basic_get(queue, BasicGetOptions { no_ack: true })).unwrap();
        match got {
            Some(m) => {
                let d = m.delivery;
                let p = &d.properties;
                out.push((
                    d.routing_key.to_string(),
                    p.content_type()
                        .as_ref()
                        .map(|s| s.to_string())
                        .unwrap_or_default(),
                    p.delivery_mode().unwrap_or(0),
                    d.data,
                ));
                last = Instant::now();
            }
            None => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    out
}

/// A message body with what legitimately differs taken out: the pid of `writer_id`
/// (`name/pid`), a marker's `duration`, a record's `stamp_updated`. Multi-values bodies are
/// split into their records (which objects share a message depends on cache order).
fn normalized(body: &[u8]) -> Vec<String> {
    let text = std::str::from_utf8(body).expect("UTF-8 body");
    text.lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let mut v: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"));
            if let Some(serde_json::Value::String(w)) = v.get_mut("writer_id") {
                if let Some((name, _pid)) = w.rsplit_once('/') {
                    *w = name.to_string();
                }
            }
            v.remove("duration");
            v.remove("stamp_updated");
            serde_json::to_string(&v).unwrap()
        })
        .collect()
}

/// (routing key, content type, delivery mode, record) -> count; and the message count.
type Seen = BTreeMap<(String, String, u8, String), usize>;

fn seen(msgs: &[Msg]) -> Seen {
    let mut s = Seen::new();
    for (k, ct, dm, body) in msgs {
        for r in normalized(body) {
            *s.entry((k.clone(), ct.clone(), *dm, r)).or_default() += 1;
        }
    }
    s
}

/// An empty purge cycle (a `purge_init` and a `purge_close` with `purged_entries` 0) is when
/// a refresh timer fired, not what was published: under load 1.7.7 (and ours) may run one more
/// than the other. Each such `purge_close` takes one `purge_init` of the same key with it;
/// every other marker and every record is still compared.
fn without_empty_purges(s: &Seen) -> Seen {
    let mut out = s.clone();
    for ((k, ct, dm, r), n) in s {
        if r.contains("\"event_type\":\"purge_close\"") && r.contains("\"purged_entries\":0,") {
            out.remove(&(k.clone(), ct.clone(), *dm, r.clone()));
            let init = out
                .keys()
                .find(|(k2, ct2, dm2, r2)| {
                    k2 == k
                        && ct2 == ct
                        && dm2 == dm
                        && r2.contains("\"event_type\":\"purge_init\"")
                })
                .cloned();
            if let Some(init) = init {
                let left = out[&init].saturating_sub(*n);
                if left == 0 {
                    out.remove(&init);
                } else {
                    out.insert(init, left);
                }
            }
        }
    }
    out
}

fn records(s: &Seen) -> usize {
    s.iter()
        .filter(|((_, _, _, r), _)| !r.contains("\"purge_"))
        .map(|(_, n)| n)
        .sum()
}

struct Case<'a> {
    name: &'a str,
    pcap: &'a str,
    /// Config lines beside the plugin, exchange and savefile.
    extra: &'a str,
    exchange_type: ExchangeKind,
    durable: bool,
    /// Routing keys to bind (the configured key, or its round-robin names).
    keys: &'a [&'a str],
    /// Least records (markers aside) each daemon must publish.
    min_records: usize,
    /// amqp_multi_values: every message body stays under this many bytes.
    multi_values: Option<usize>,
    /// Set `amqp_trigger_exec` to a script of each daemon's own and check that it ran.
    trigger: bool,
}

fn publish(c: &Case, ch: &Channel, bin: &str, dir: &Path, who: &str) -> Vec<Msg> {
    let exchange = format!("pmacct-rs-test-{}-{who}-{}", c.name, std::process::id());
    let keys: Vec<String> = c.keys.iter().map(|k| k.to_string()).collect();
    bind(ch, &exchange, c.exchange_type.clone(), c.durable, &keys);
    let conf = dir.join(format!("{who}.conf"));
    let fired = dir.join(format!("{who}.fired"));
    let _ = std::fs::remove_file(&fired);
    let mut trigger = String::new();
    if c.trigger {
        let script = dir.join(format!("{who}-trigger.sh"));
        std::fs::write(
            &script,
            format!("#!/bin/sh\necho fired >> {}\n", fired.display()),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        trigger = format!("amqp_trigger_exec[a]: {}\n", script.display());
    }
    std::fs::write(
        &conf,
        format!(
            "plugins: amqp[a]\namqp_exchange[a]: {exchange}\npcap_savefile: {}\n{}{trigger}",
            repo().join("compat-tests").join(c.pcap).display(),
            c.extra
        ),
    )
    .unwrap();
    let st = Command::new(bin)
        .arg("-f")
        .arg(&conf)
        .env("TZ", "UTC")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap_or_else(|e| panic!("{bin}: {e}"));
    assert!(st.success(), "{bin} -f {} failed", conf.display());
    let msgs = drain(ch, &exchange, Duration::from_millis(1500));
    block_on(ch.queue_delete(&exchange, QueueDeleteOptions::default())).unwrap();
    if c.trigger {
        // Started at the end of the purge, not waited for.
        let t0 = std::time::Instant::now();
        while !fired.exists() && t0.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(
            fired.exists(),
            "{}: {who}'s amqp_trigger_exec did not run",
            c.name
        );
    }
    msgs
}

fn check(c: Case) {
    let node = Node::up(5672);
    let (_conn, ch) = node.connect();
    let dir = tmpdir(c.name);
    let ours = env!("CARGO_BIN_EXE_nfacctd");
    let oracle = compat_tests::oracle::path("nfacctd");
    let got_msgs = publish(&c, &ch, ours, &dir, "ours");
    let got = seen(&got_msgs);
    assert!(
        records(&got) >= c.min_records,
        "{}: ours published {} records, want at least {}",
        c.name,
        records(&got),
        c.min_records
    );
    if let Some(mv) = c.multi_values {
        assert!(
            got_msgs.iter().all(|m| m.3.len() < mv),
            "{}: body over amqp_multi_values",
            c.name
        );
    }
    // 1.7.7 may lose the end of a savefile under load: a short run is repeated.
    let want = compat_tests::oracle::run_until(
        3,
        || seen(&publish(&c, &ch, &oracle, &dir, "oracle")),
        |w| records(w) >= records(&got),
    );
    let (want, got) = (without_empty_purges(&want), without_empty_purges(&got));
    if want != got {
        let only = |a: &Seen, b: &Seen| -> Vec<String> {
            a.iter()
                .filter(|(k, n)| b.get(*k) != Some(n))
                .take(5)
                .map(|(k, n)| format!("{n} x {k:?}"))
                .collect()
        };
        panic!(
            "{}: pmacct 1.7.7 published {} records, ours {}\nonly 1.7.7: {:#?}\nonly ours: {:#?}",
            c.name,
            records(&want),
            records(&got),
            only(&want, &got),
            only(&got, &want)
        );
    }
}

const AGG: &str = "aggregate[a]: src_host, dst_host, src_port, dst_port, proto, tos\n";

/// JSON records, one per message, default exchange type and routing key, markers.
#[test]
fn json_markers() {
    check(Case {
        name: "json",
        pcap: "inputs/nfprobe-v10-s1.pcap",
        extra: &format!("{AGG}amqp_markers[a]: true\n"),
        exchange_type: ExchangeKind::Direct,
        durable: false,
        keys: &["acct"],
        min_records: 50,
        multi_values: None,
        trigger: false,
    });
}

/// amqp_multi_values batches, amqp_history with roundoff, a topic exchange, persistent
/// messages (durable exchange, delivery mode 2), a routing key of our own.
#[test]
fn multi_values_history_persistent() {
    check(Case {
        name: "mv",
        pcap: "inputs/nfprobe-v9-s1.pcap",
        extra: &format!(
            "{AGG}amqp_multi_values[a]: 4096\namqp_history[a]: 5m\namqp_history_roundoff[a]: m\n\
             amqp_exchange_type[a]: topic\namqp_routing_key[a]: flows.v9\namqp_persistent_msg[a]: true\n\
             amqp_markers[a]: true\nnfacctd_time_new[a]: false\n"
        ),
        exchange_type: ExchangeKind::Topic,
        durable: true,
        keys: &["flows.#"],
        min_records: 50,
        multi_values: Some(4096),
        trigger: false,
    });
}

/// amqp_routing_key_rr over three keys, amqp_num_protos.
#[test]
fn routing_key_round_robin() {
    check(Case {
        name: "rr",
        pcap: "inputs/softflowd-v5-s1.pcap",
        extra: &format!(
            "{AGG}amqp_routing_key[a]: rk\namqp_routing_key_rr[a]: 3\namqp_num_protos[a]: true\n"
        ),
        exchange_type: ExchangeKind::Direct,
        durable: false,
        keys: &["rk_0", "rk_1", "rk_2"],
        min_records: 50,
        multi_values: None,
        trigger: false,
    });
}

/// amqp_preprocess (print's checks in 1.7.7: here aggregates under 2 packets or 200 bytes are
/// left out) and amqp_trigger_exec (started at the end of the purges, no variables).
#[test]
fn preprocess_and_trigger_exec() {
    check(Case {
        name: "prep",
        pcap: "inputs/nfprobe-v10-s1.pcap",
        extra: &format!(
            "{AGG}amqp_preprocess[a]: minp=2, minb=200\namqp_preprocess_type[a]: all\namqp_markers[a]: true\n"
        ),
        exchange_type: ExchangeKind::Direct,
        durable: false,
        keys: &["acct"],
        min_records: 5,
        multi_values: None,
        trigger: true,
    });
}

/// NetFlow v5 datagrams of 30 records each, one src_host per record: `seq` makes them
/// unique; every record counts `packets` packets.
fn v5_datagram(seq: u32, packets: u32) -> Vec<u8> {
    let mut d = Vec::with_capacity(24 + 30 * 48);
    let n: u16 = 30;
    d.extend_from_slice(&5u16.to_be_bytes());
    d.extend_from_slice(&n.to_be_bytes());
    d.extend_from_slice(&1000u32.to_be_bytes()); // sysuptime
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as u32;
    d.extend_from_slice(&now.to_be_bytes());
    d.extend_from_slice(&0u32.to_be_bytes());
    d.extend_from_slice(&(seq * 30).to_be_bytes());
    d.extend_from_slice(&[0, 0, 0, 0]);
    for i in 0..u32::from(n) {
        let src = 0x0a00_0000 | ((seq * 30 + i) & 0x00ff_ffff);
        d.extend_from_slice(&src.to_be_bytes());
        d.extend_from_slice(&0xc000_0201u32.to_be_bytes());
        d.extend_from_slice(&[0; 4]); // nexthop
        d.extend_from_slice(&[0, 1, 0, 2]); // input, output
        d.extend_from_slice(&packets.to_be_bytes());
        d.extend_from_slice(&(packets * 100).to_be_bytes());
        d.extend_from_slice(&900u32.to_be_bytes()); // first
        d.extend_from_slice(&1000u32.to_be_bytes()); // last
        d.extend_from_slice(&[0, 80, 0, 80, 0, 0, 17, 0, 0, 0, 0, 0, 24, 24, 0, 0]);
    }
    d
}

fn log_line<'a>(log: &'a str, needle: &str) -> Option<&'a str> {
    log.lines().rev().find(|l| l.contains(needle))
}

fn field(line: &str, name: &str) -> u64 {
    let i = line
        .find(&format!("{name} "))
        .unwrap_or_else(|| panic!("no '{name}' in {line}"));
    line[i + name.len() + 1..]
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// Our nfacctd publishes persistent messages to a durable queue while its node is stopped
/// for AMQP_OUTAGE_SECS and restarted, traffic going on all the while; then SIGINT. Every
/// record is delivered (its packets are in the queue) or counted as dropped, and with the
/// default buffer nothing is dropped.
#[test]
fn broker_outage_loses_nothing() {
    let outage = std::env::var("AMQP_OUTAGE_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(6u64);
    // A node of its own: stopping it must not disturb the differential tests.
    let own = Node::own(5674);
    let node = &own.0;
    let dir = tmpdir("outage");
    let exchange = format!("pmacct-rs-test-outage-{}", std::process::id());
    {
        let (_c, ch) = node.connect();
        bind(&ch, &exchange, ExchangeKind::Direct, true, &["acct".into()]);
    }
    let port = compat_tests::run::free_port().unwrap();
    let log = dir.join("nfacctd.log");
    let conf = dir.join("outage.conf");
    // Every datagram sent is counted as produced: a 4 MiB socket buffer so that a daemon
    // descheduled on a loaded machine loses none in the kernel (one was, at load 13).
    std::fs::write(
        &conf,
        format!(
            "plugins: amqp[a]\naggregate[a]: src_host\namqp_exchange[a]: {exchange}\n\
             amqp_host[a]: 127.0.0.1:{}\namqp_persistent_msg[a]: true\namqp_refresh_time[a]: 1\n\
             nfacctd_ip: 127.0.0.1\nnfacctd_port: {port}\nnfacctd_pipe_size: 4194304\nlogfile: {}\n",
            node.port,
            log.display()
        ),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_nfacctd"))
        .arg("-f")
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    while std::fs::read_to_string(&log).map_or(true, |l| !l.contains("cache entries=")) {
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "nfacctd did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
    let (mut seq, packets) = (0u32, 3u32);
    let send_for = |d: Duration, seq: &mut u32| {
        let end = Instant::now() + d;
        while Instant::now() < end {
            tx.send_to(&v5_datagram(*seq, packets), ("127.0.0.1", port))
                .unwrap();
            *seq += 1;
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    send_for(Duration::from_secs(2), &mut seq);
    node.script("stop");
    send_for(Duration::from_secs(outage), &mut seq);
    node.script("start");
    send_for(Duration::from_secs(3), &mut seq);
    // Let the last purge and the republishing finish, then stop the daemon.
    std::thread::sleep(Duration::from_secs(2));
    // SAFETY: kill(2) on our own child's pid.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let st = child.wait().unwrap();
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(st.success(), "nfacctd exited with {st}:\n{text}");
    let closed = log_line(&text, "AMQP writer closed").expect("close line in the log");
    let (produced, delivered, dropped) = (
        field(closed, "produced"),
        field(closed, "delivered"),
        field(closed, "dropped"),
    );
    let sent_records = u64::from(seq) * 30;
    assert!(
        text.contains("Connection failed to RabbitMQ")
            || text.contains("Publishing to RabbitMQ failed"),
        "the outage was not noticed:\n{text}"
    );
    assert_eq!(produced, sent_records, "{closed}");
    assert_eq!(delivered + dropped, produced, "{closed}");
    assert_eq!(dropped, 0, "{closed}");
    let (_c, ch) = node.connect();
    let msgs = drain(&ch, &exchange, Duration::from_millis(1500));
    let mut pk = BTreeMap::<String, u64>::new();
    for (_, _, dm, body) in &msgs {
        assert_eq!(*dm, 2, "persistent delivery mode");
        let v: serde_json::Value = serde_json::from_slice(body).unwrap();
        *pk.entry(v["ip_src"].as_str().unwrap().to_string())
            .or_default() += v["packets"].as_u64().unwrap();
    }
    // Republishing after a lost connection may duplicate a message (at least once), never
    // lose one: every source's packets are all there.
    assert_eq!(
        pk.len() as u64,
        sent_records,
        "distinct records in the queue"
    );
    assert!(
        pk.values().all(|p| *p >= u64::from(packets)),
        "a record lost packets"
    );
    assert!(sent_records >= 300, "too little traffic: {sent_records}");
    println!(
        "outage {outage} s: {sent_records} records sent, {} in the queue ({} messages); {closed}",
        pk.len(),
        msgs.len()
    );
}

/// Messages in `queue` now.
fn queued(ch: &Channel, queue: &str) -> u32 {
    block_on(ch.queue_declare(
        queue,
        QueueDeclareOptions {
            passive: true,
            ..Default::default()
        },
        FieldTable::default(),
    ))
    .map(|q| q.message_count())
    .unwrap_or(0)
}

/// Benchmark for the note (compat-tests/bench/amqp-bench.sh): each daemon in turn caches
/// `AMQP_BENCH_RECORDS` distinct records (live NetFlow v5) and publishes them in its final
/// purge at SIGINT; messages/s = records / time from SIGINT until all are in the queue.
#[test]
#[ignore]
fn bench_publish_rate() {
    let n: u32 = std::env::var("AMQP_BENCH_RECORDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(150_000);
    let dgrams = n.div_ceil(30);
    let node = Node::up(5672);
    let (_c, ch) = node.connect();
    let oracle = compat_tests::oracle::path("nfacctd");
    for (who, bin) in [
        ("ours", env!("CARGO_BIN_EXE_nfacctd")),
        ("pmacct-1.7.7", &oracle),
    ] {
        let dir = tmpdir(&format!("bench-{who}"));
        let exchange = format!("pmacct-rs-bench-{who}-{}", std::process::id());
        bind(
            &ch,
            &exchange,
            ExchangeKind::Direct,
            false,
            &["acct".into()],
        );
        let port = compat_tests::run::free_port().unwrap();
        let conf = dir.join("bench.conf");
        std::fs::write(
            &conf,
            format!(
                "plugins: amqp[a]\naggregate[a]: src_host\namqp_exchange[a]: {exchange}\n\
                 amqp_refresh_time[a]: 3600\namqp_cache_entries[a]: {}\n\
                 plugin_pipe_size[a]: 268435456\nplugin_buffer_size[a]: 65536\n\
                 nfacctd_ip: 127.0.0.1\nnfacctd_port: {port}\n",
                n * 2 + 1
            ),
        )
        .unwrap();
        let mut child = Command::new(bin)
            .arg("-f")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_secs(2));
        let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
        for seq in 0..dgrams {
            tx.send_to(&v5_datagram(seq, 1), ("127.0.0.1", port))
                .unwrap();
            if seq % 50 == 49 {
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        std::thread::sleep(Duration::from_secs(3));
        let t0 = Instant::now();
        // SAFETY: kill(2) on our own child's pid.
        unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
        let (mut last, mut since) = (0, Instant::now());
        loop {
            let q = queued(&ch, &exchange);
            if q != last {
                (last, since) = (q, Instant::now());
            }
            if q >= n || since.elapsed() > Duration::from_secs(5) {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let secs = (since - t0).as_secs_f64();
        let _ = child.wait();
        println!(
            "BENCH amqp {who}: {last} of {n} records published in {secs:.2} s after SIGINT: {:.0} messages/s",
            f64::from(last) / secs
        );
        block_on(ch.queue_delete(&exchange, QueueDeleteOptions::default())).unwrap();
    }
}
