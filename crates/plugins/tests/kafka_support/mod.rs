//! Shared helpers for the Kafka tests: consume what was produced (assign(), no consumer
//! group: a group join costs ~23 s on tansu) and write librdkafka config files.
#![allow(dead_code)]

use std::net::TcpStream;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    pub topic: String,
    pub partition: i32,
    pub key: Option<Vec<u8>>,
    pub payload: Vec<u8>,
}

impl Msg {
    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.payload).expect("payload is UTF-8")
    }
}

/// Read `topic` from the beginning of every partition until `expect` messages arrived or
/// `timeout` passed; then keep reading briefly to catch unexpected extra messages.
pub fn consume(bootstrap: &str, topic: &str, expect: usize, timeout: Duration) -> Vec<Msg> {
    consume_from(bootstrap, topic, &[], expect, timeout)
}

/// The next offset of every partition of `topic` (its high watermark), in partition order:
/// where a test starts reading a topic that earlier runs may already hold (`netflow`).
pub fn end_offsets(bootstrap: &str, topic: &str) -> Vec<i64> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .expect("consumer");
    let md = consumer
        .fetch_metadata(Some(topic), Duration::from_secs(10))
        .expect("metadata");
    let t = md
        .topics()
        .iter()
        .find(|t| t.name() == topic)
        .expect("topic in metadata");
    (0..t.partitions().len() as i32)
        .map(|p| {
            consumer
                .fetch_watermarks(topic, p, Duration::from_secs(10))
                .expect("watermarks")
                .1
        })
        .collect()
}

/// As [`consume`], starting each partition at `start[p]` (the beginning where absent).
pub fn consume_from(
    bootstrap: &str,
    topic: &str,
    start: &[i64],
    expect: usize,
    timeout: Duration,
) -> Vec<Msg> {
    consume_until(bootstrap, topic, start, timeout, |m| m.len() >= expect)
}

/// As [`consume_from`], reading until `done(messages so far)` (then briefly on, to catch
/// extra messages) or `timeout`.
pub fn consume_until(
    bootstrap: &str,
    topic: &str,
    start: &[i64],
    timeout: Duration,
    done: impl Fn(&[Msg]) -> bool,
) -> Vec<Msg> {
    let mut out = Vec::new();
    for_each_message(bootstrap, topic, start, timeout, |m| {
        out.push(Msg {
            topic: m.topic().to_string(),
            partition: m.partition(),
            key: m.key().map(<[u8]>::to_vec),
            payload: m.payload().map(<[u8]>::to_vec).unwrap_or_default(),
        });
        done(&out)
    });
    out
}

/// Read `topic` (each partition from `start[p]`, the beginning where absent), handing each
/// message to `f` until it returns true (then briefly on, to catch extra messages) or
/// `timeout` passed. Keeps nothing: for topics too large to hold.
pub fn for_each_message(
    bootstrap: &str,
    topic: &str,
    start: &[i64],
    timeout: Duration,
    mut f: impl FnMut(&rdkafka::message::BorrowedMessage<'_>) -> bool,
) {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", "pmacct-rs-test")
        .set("enable.auto.commit", "false")
        .set("enable.partition.eof", "false")
        .create()
        .expect("consumer");
    let deadline = Instant::now() + timeout;
    let partitions = loop {
        let md = consumer.fetch_metadata(Some(topic), Duration::from_secs(5));
        if let Ok(md) = md {
            if let Some(t) = md.topics().iter().find(|t| t.name() == topic) {
                if !t.partitions().is_empty() {
                    break t.partitions().len() as i32;
                }
            }
        }
        assert!(
            Instant::now() < deadline,
            "topic {topic} has no partitions on {bootstrap}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut tpl = TopicPartitionList::new();
    for p in 0..partitions {
        let offset = start
            .get(p as usize)
            .map_or(Offset::Beginning, |&o| Offset::Offset(o));
        tpl.add_partition_offset(topic, p, offset).expect("tpl");
    }
    consumer.assign(&tpl).expect("assign");
    let mut extra_until: Option<Instant> = None;
    loop {
        let now = Instant::now();
        if now >= deadline || extra_until.is_some_and(|t| now >= t) {
            break;
        }
        if let Some(Ok(m)) = consumer.poll(Duration::from_millis(100)) {
            if f(&m) && extra_until.is_none() {
                extra_until = Some(Instant::now() + Duration::from_millis(300));
            }
        }
    }
}

/// A broker process a test owns (same tansu binary as `.ci/kafka-broker.sh`, another
/// port), so that it can be killed and restarted; killed by its PID on drop.
pub struct OwnBroker {
    child: std::process::Child,
}

/// The tansu binary `.ci/kafka-broker.sh` installs.
pub fn tansu_path() -> PathBuf {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.ci/kafka-broker.sh");
    let out = std::process::Command::new("bash")
        .arg(&script)
        .arg("path")
        .stderr(std::process::Stdio::inherit())
        .output()
        .expect("run kafka-broker.sh path");
    assert!(out.status.success(), ".ci/kafka-broker.sh path failed");
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
}

impl OwnBroker {
    pub fn start(bin: &PathBuf, port: u16) -> OwnBroker {
        use std::process::{Command, Stdio};
        let url = format!("tcp://127.0.0.1:{port}");
        let dir = std::env::temp_dir().join(format!("pmacct-rs-tansu-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let child = Command::new(bin)
            .current_dir(&dir)
            .args([
                "broker",
                "--listener-url",
                &url,
                "--advertised-listener-url",
                &url,
            ])
            .args(["--storage-engine", "memory://tansu/"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start tansu");
        let t = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                t.elapsed() < Duration::from_secs(15),
                "own broker did not open port {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        OwnBroker { child }
    }

    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for OwnBroker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `kafka_config_file` with these lines, in a fresh temp file.
pub fn config_file(tag: &str, lines: &[&str]) -> PathBuf {
    let path =
        std::env::temp_dir().join(format!("pmacct-rs-kafka-{}-{tag}.conf", std::process::id()));
    std::fs::write(&path, lines.join("\n") + "\n").expect("write config file");
    path
}

/// A fake flow record line as the JSON encoder writes it (newline-terminated).
pub fn record(i: usize, writer_id: &str) -> Vec<u8> {
    format!(
        "{{\"event_type\": \"purge\", \"ip_src\": \"10.0.{}.{}\", \"packets\": {}, \"bytes\": {}, \"writer_id\": \"{writer_id}\"}}\n",
        i / 256,
        i % 256,
        i + 1,
        (i + 1) * 100
    )
    .into_bytes()
}

pub fn bootstrap() -> String {
    let bs = std::env::var("KAFKA_BOOTSTRAP").unwrap_or_else(|_| "127.0.0.1:9092".into());
    let addr = bs.split(',').next().unwrap_or_default().to_string();
    let ok = addr
        .parse()
        .ok()
        .and_then(|a| TcpStream::connect_timeout(&a, Duration::from_secs(2)).ok())
        .is_some();
    assert!(
        ok,
        "no Kafka broker answers at {bs} (KAFKA_BOOTSTRAP): start one with `.ci/kafka-broker.sh start`"
    );
    bs
}

/// A topic name unique to this run: the broker keeps topics for as long as it runs.
pub fn unique(name: &str) -> String {
    let n = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{name}.{}.{}", std::process::id(), n % 1_000_000_000)
}

/// tansu from crates.io does not auto-create topics: create them explicitly.
pub fn create_topics(bs: &str, topics: &[&str], partitions: i32) {
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", bs)
        .create()
        .expect("admin client");
    let new: Vec<NewTopic> = topics
        .iter()
        .map(|t| NewTopic::new(t, partitions, TopicReplication::Fixed(1)))
        .collect();
    let rt = futures_lite_block_on(admin.create_topics(&new, &AdminOptions::new()));
    for r in rt.expect("create_topics") {
        if let Err((t, e)) = r {
            assert!(
                e.to_string().contains("already exists"),
                "create topic {t}: {e}"
            );
        }
    }
}

/// Minimal executor for the admin future (no async runtime in this crate).
fn futures_lite_block_on<F: std::future::Future>(f: F) -> F::Output {
    use std::sync::Arc;
    use std::task::{Context, Poll, Wake, Waker};
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut f = std::pin::pin!(f);
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::park_timeout(Duration::from_millis(50));
    }
}
