//! Kafka bench sink (compat-tests/bench/kafka-bench.sh): a broker for the daemons under test
//! and a consumer that counts what they delivered.
//!
//!   kafka-sink (--mock | --brokers HOST:PORT) --topic T [--partitions P] [--expect N]
//!              [--idle-secs S] [--max-secs M]
//!
//! `--mock` starts librdkafka's mock cluster in this process (Debian's librdkafka 2.0.2, which
//! pmacct 1.7.7 links, cannot talk to tansu: the ApiVersion handshake fails); `--brokers`
//! uses a running broker (tansu from .ci/kafka-broker.sh) and creates the topic there. Prints
//! `bootstrap <servers>` once the topic exists, waits for a line on stdin (the producer is
//! done), then reads the topic from the beginning and, once N records arrived (or nothing
//! arrived for S seconds, or M seconds passed), prints one line:
//! `records R messages M stored S bytes B first F last L` (S: messages the broker holds, its
//! high watermarks; it stops reading once it has read S messages). A message holds one JSON object or, with
//! `kafka_multi_values`, several each followed by a newline: records are counted per object.
//! `first` and `last` are the wall clock (seconds since the epoch) when the first and the last
//! message arrived here.
//!
//! `--watch` (compat-tests/bench/bmp-kafka-bench.sh): before waiting for stdin, poll the
//! topic's high watermarks every 20 ms and print `watch S W` each time the count S of stored
//! messages changes (W: wall clock), then `watched S W` once S >= N (`--expect`) and S stayed
//! the same for S seconds (`--idle-secs`), or M seconds passed: when the producer's last
//! message reached the broker, timed without reading the messages back.

use std::io::Write;
use std::time::{Duration, Instant};

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::mocking::MockCluster;
use rdkafka::producer::DefaultProducerContext;
use rdkafka::{Offset, TopicPartitionList};

struct Args {
    mock: bool,
    brokers: String,
    topic: String,
    partitions: i32,
    expect: u64,
    idle: Duration,
    max: Duration,
    watch: bool,
}

fn args() -> Args {
    let mut a = Args {
        mock: false,
        brokers: String::new(),
        topic: String::new(),
        partitions: 1,
        expect: u64::MAX,
        idle: Duration::from_secs(10),
        max: Duration::from_secs(600),
        watch: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut v = || {
            it.next()
                .unwrap_or_else(|| usage(&format!("{k} needs a value")))
        };
        match k.as_str() {
            "--mock" => a.mock = true,
            "--watch" => a.watch = true,
            "--brokers" => a.brokers = v(),
            "--topic" => a.topic = v(),
            "--partitions" => a.partitions = v().parse().unwrap_or_else(|_| usage("partitions")),
            "--expect" => a.expect = v().parse().unwrap_or_else(|_| usage("expect")),
            "--idle-secs" => {
                a.idle = Duration::from_secs_f64(v().parse().unwrap_or_else(|_| usage("idle")))
            }
            "--max-secs" => {
                a.max = Duration::from_secs_f64(v().parse().unwrap_or_else(|_| usage("max")))
            }
            _ => usage(&format!("unknown argument {k}")),
        }
    }
    if a.topic.is_empty() || (a.mock != a.brokers.is_empty()) {
        usage("--topic and one of --mock / --brokers are required");
    }
    a
}

fn usage(msg: &str) -> ! {
    eprintln!("kafka-sink: {msg}\nusage: kafka-sink (--mock | --brokers HOST:PORT) --topic T [--partitions P] [--expect N] [--idle-secs S] [--max-secs M] [--watch]");
    std::process::exit(2)
}

fn create_topic(brokers: &str, topic: &str, partitions: i32) {
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .create()
        .unwrap_or_else(|e| usage(&format!("admin client: {e}")));
    let t = NewTopic::new(topic, partitions, TopicReplication::Fixed(1));
    let opts = AdminOptions::new().operation_timeout(Some(Duration::from_secs(10)));
    let r = futures_executor_block_on(admin.create_topics([&t], &opts));
    if let Err(e) = r {
        usage(&format!("create topic {topic}: {e}"));
    }
}

/// AdminClient returns futures; a minimal executor (no async runtime needed for one call).
fn futures_executor_block_on<F: std::future::Future>(f: F) -> F::Output {
    use std::sync::Arc;
    use std::task::{Context, Poll, Wake, Waker};
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark()
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut f = std::pin::pin!(f);
    loop {
        match f.as_mut().poll(&mut cx) {
            Poll::Ready(v) => return v,
            Poll::Pending => std::thread::park_timeout(Duration::from_millis(50)),
        }
    }
}

fn wall() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// Messages the broker holds on the topic: the sum of its partitions' high watermarks.
fn stored_messages(c: &BaseConsumer, a: &Args) -> i64 {
    (0..a.partitions)
        .map(|p| {
            c.fetch_watermarks(&a.topic, p, Duration::from_secs(10))
                .map_or(0, |w| w.1)
        })
        .sum()
}

/// Messages stored on the topic as the producer writes them.
fn watch(a: &Args, bootstrap: &str, start: Instant) {
    let probe: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", "pmacct-rs-kafka-bench-watch")
        .create()
        .unwrap_or_else(|e| usage(&format!("watch client: {e}")));
    let (mut stored, mut at, mut since) = (0i64, wall(), Instant::now());
    loop {
        let now = stored_messages(&probe, a);
        if now != stored {
            (stored, at, since) = (now, wall(), Instant::now());
            println!("watch {stored} {at:.3}");
            let _ = std::io::stdout().flush();
        }
        if (stored as u64 >= a.expect && since.elapsed() >= a.idle) || start.elapsed() >= a.max {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    println!("watched {stored} {at:.3}");
    let _ = std::io::stdout().flush();
}

fn main() {
    let a = args();
    let start = Instant::now();
    let mock;
    let bootstrap = if a.mock {
        mock = MockCluster::<DefaultProducerContext>::new(1)
            .unwrap_or_else(|e| usage(&format!("mock cluster: {e}")));
        mock.create_topic(&a.topic, a.partitions, 1)
            .unwrap_or_else(|e| usage(&format!("mock topic: {e}")));
        mock.bootstrap_servers()
    } else {
        create_topic(&a.brokers, &a.topic, a.partitions);
        a.brokers.clone()
    };
    println!("bootstrap {bootstrap}");
    let _ = std::io::stdout().flush();
    if a.watch {
        watch(&a, &bootstrap, start);
    }
    // Read once the producer is done (a line on stdin): a consumer assigned to the empty topic
    // beforehand was seen to receive nothing of what librdkafka 2.12 then produced into the
    // mock cluster.
    let mut go = String::new();
    let _ = std::io::stdin().read_line(&mut go);
    let mut cc = ClientConfig::new();
    if let Ok(d) = std::env::var("KAFKA_SINK_DEBUG") {
        cc.set("debug", d);
    }
    let consumer: BaseConsumer = cc
        .set("bootstrap.servers", &bootstrap)
        .set("group.id", "pmacct-rs-kafka-bench")
        .set("enable.auto.commit", "false")
        .set("enable.partition.eof", "false")
        .create()
        .unwrap_or_else(|e| usage(&format!("consumer: {e}")));
    // Messages the broker holds (the high watermarks): what was delivered, counted even when
    // reading them all back would take long (librdkafka's mock cluster serves fetches slowly).
    let stored = stored_messages(&consumer, &a);
    let mut tpl = TopicPartitionList::new();
    for p in 0..a.partitions {
        tpl.add_partition_offset(&a.topic, p, Offset::Beginning)
            .unwrap_or_else(|e| usage(&format!("partition list: {e}")));
    }
    consumer
        .assign(&tpl)
        .unwrap_or_else(|e| usage(&format!("assign: {e}")));
    let (mut records, mut messages, mut bytes) = (0u64, 0u64, 0u64);
    let (mut first, mut last): (Option<Instant>, Option<Instant>) = (None, Some(Instant::now()));
    let (mut first_wall, mut last_wall) = (0.0f64, 0.0f64);
    loop {
        let now = Instant::now();
        if records >= a.expect
            // tansu 0.6's high watermark can stop short of its last batch: there, read on
            // until nothing arrives.
            || (a.mock && messages >= stored as u64)
            || now - start >= a.max
            || last.is_some_and(|l| now - l >= a.idle)
        {
            break;
        }
        match consumer.poll(Duration::from_millis(100)) {
            Some(Ok(m)) => {
                let p = m.payload().unwrap_or_default();
                let n = p.iter().filter(|&&b| b == b'\n').count() as u64
                    + u64::from(p.last().is_some_and(|&b| b != b'\n'));
                records += n;
                messages += 1;
                bytes += p.len() as u64;
                let t = Instant::now();
                if first.is_none() {
                    first = Some(t);
                    first_wall = wall();
                }
                last = Some(t);
                last_wall = wall();
            }
            Some(Err(e)) => eprintln!("kafka-sink: {e}"),
            None => {}
        }
    }
    println!("records {records} messages {messages} stored {stored} bytes {bytes} first {first_wall:.3} last {last_wall:.3}");
}
