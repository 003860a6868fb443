//! The Kafka writer against a real Kafka-protocol broker (tansu, started by
//! `.ci/kafka-broker.sh` on 127.0.0.1:9092, or `KAFKA_BOOTSTRAP`). These tests FAIL when no
//! broker answers: CI must start it. The outage test runs its own broker process (same
//! binary, another port) so that it can kill and restart it.

mod kafka_support;

use std::net::IpAddr;
use std::time::{Duration, Instant};

use kafka_support::{
    bootstrap, config_file, consume, create_topics, tansu_path, unique, OwnBroker,
};
use pmacct_flow::cache::Entry;
use pmacct_flow::format::{Encoder, EncoderOptions, OutputFormat};
use pmacct_flow::{Aggregate, Primitives};
use pmacct_plugins::kafka::{KafkaConfig, KafkaWriter, MemoryLog, RecordVars};

fn cfg(name: &str, bs: &str, topic: &str) -> KafkaConfig {
    KafkaConfig {
        plugin_name: name.into(),
        broker_host: bs.into(),
        topic: topic.into(),
        flush_timeout: Duration::from_secs(15),
        ..Default::default()
    }
}

/// Entries as the aggregation cache would hold them for the tutorial's aggregate.
fn entries(n: usize) -> Vec<Entry> {
    (0..n)
        .map(|i| Entry {
            prims: Primitives {
                src_ip: Some(IpAddr::from([10, 0, (i / 250) as u8, (i % 250) as u8])),
                dst_ip: Some("2001:db8::1".parse().unwrap()),
                peer_src_ip: Some("192.0.2.1".parse().unwrap()),
                src_port: (1000 + i % 60000) as u16,
                dst_port: 443,
                proto: 6,
                in_iface: 3,
                family: 4,
                ..Default::default()
            },
            custom: Default::default(),
            packets: i as u64 + 1,
            bytes: 100 * (i as u64 + 1),
            flows: 1,
            tcp_flags: 18,
            flow_type: Default::default(),
            family: 4,
            basetime: 0,
            timestamp_min: Default::default(),
            timestamp_max: Default::default(),
            geo: Default::default(),
        })
        .collect()
}

fn encoder(writer_id: &str) -> Encoder {
    let agg = Aggregate::parse(&[
        "peer_src_ip",
        "src_host",
        "dst_host",
        "src_port",
        "dst_port",
        "proto",
        "in_iface",
        "tcpflags",
    ])
    .expect("aggregate");
    let opts = EncoderOptions {
        writer_id: Some(writer_id.into()),
        ..Default::default()
    };
    Encoder::new(OutputFormat::Json, &agg, opts).expect("encoder")
}

fn vars(e: &Entry) -> RecordVars {
    e.prims
}

#[test]
fn encoder_output_arrives_byte_identical_with_markers() {
    let bs = bootstrap();
    let topic = unique("acct");
    create_topics(&bs, &[&topic], 3);
    let mut w = KafkaWriter::new(&cfg("k", &bs, &topic), MemoryLog::default().sink()).unwrap();
    let id = w.writer_id().to_string();
    assert_eq!(id, format!("k/{}", std::process::id()));
    let enc = encoder(&id);
    let es = entries(300);
    let mut buf = Vec::new();
    enc.write_start_marker(&mut buf, "k", std::process::id());
    let init = buf.clone();
    w.write_marker(&buf, &RecordVars::default(), Duration::ZERO);
    let mut want = Vec::new();
    for e in &es {
        buf.clear();
        enc.write_record(&mut buf, e, 0);
        assert!(buf.ends_with(format!(", \"writer_id\": \"{id}\"}}\n").as_bytes()));
        want.push(buf[..buf.len() - 1].to_vec());
        w.write_record(&buf, &vars(e)).unwrap();
    }
    buf.clear();
    enc.write_end_marker(&mut buf, "k", std::process::id(), 300, 300, 0);
    let close = buf.clone();
    w.write_marker(&buf, &RecordVars::default(), Duration::from_millis(200));
    let rep = w.close();
    assert_eq!(
        (rep.stats.produced, rep.stats.delivered, rep.stats.dropped),
        (300, 300, 0),
        "{rep:?}"
    );
    let got = consume(&bs, &topic, 302, Duration::from_secs(20));
    assert_eq!(got.len(), 302);
    let mut data: Vec<Vec<u8>> = got.iter().map(|m| m.payload.clone()).collect();
    assert!(data.contains(&init[..init.len() - 1].to_vec()));
    assert!(data.contains(&close[..close.len() - 1].to_vec()));
    data.retain(|d| d.starts_with(b"{\"event_type\": \"purge\""));
    data.sort();
    want.sort();
    assert_eq!(
        data, want,
        "consumed messages equal the encoder's objects byte for byte"
    );
    // Every object parses as JSON and carries the writer_id.
    for d in &data {
        let v: serde_json::Value = serde_json::from_slice(d).unwrap();
        assert_eq!(v["writer_id"], id.as_str());
    }
}

#[test]
fn multi_values_rr_key_and_fixed_partition() {
    let bs = bootstrap();
    let base = unique("rr");
    let rr: Vec<String> = (0..2).map(|i| format!("{base}_{i}")).collect();
    let fixed = unique("fixed");
    create_topics(&bs, &[&rr[0], &rr[1], &fixed], 4);
    let id = format!("k/{}", std::process::id());
    let enc = encoder(&id);
    let es = entries(40);
    let objs: Vec<Vec<u8>> = es
        .iter()
        .map(|e| {
            let mut b = Vec::new();
            enc.write_record(&mut b, e, 0);
            b
        })
        .collect();

    // multi_values 2000 bytes + topic_rr 2: newline-separated batches alternate topics.
    let c = KafkaConfig {
        multi_values: 2000,
        topic_rr: 2,
        ..cfg("k", &bs, &base)
    };
    let mut w = KafkaWriter::new(&c, MemoryLog::default().sink()).unwrap();
    for (o, e) in objs.iter().zip(&es) {
        w.write_record(o, &vars(e)).unwrap();
    }
    w.flush_batch();
    let rep = w.close();
    assert_eq!((rep.stats.delivered, rep.stats.dropped), (40, 0));
    let msgs = rep.stats.messages_delivered as usize;
    let a = consume(&bs, &rr[0], msgs.div_ceil(2), Duration::from_secs(15));
    let b = consume(&bs, &rr[1], msgs / 2, Duration::from_secs(15));
    assert_eq!(a.len() + b.len(), msgs);
    assert_eq!(a.len(), msgs.div_ceil(2));
    let mut all = Vec::new();
    for m in a.iter().chain(&b) {
        assert!(m.payload.len() < 2000 && m.payload.ends_with(b"\n"));
        all.extend(
            m.payload
                .split_inclusive(|c| *c == b'\n')
                .map(<[u8]>::to_vec),
        );
    }
    let mut want = objs.clone();
    all.sort();
    want.sort();
    assert_eq!(all, want, "batches hold exactly the encoder's lines");

    // Fixed partition and a dynamic key: key on every message, partition 3 honoured.
    let c = KafkaConfig {
        partition: Some(3),
        partition_key: Some("$src_host:$src_port".into()),
        ..cfg("k", &bs, &fixed)
    };
    let mut w = KafkaWriter::new(&c, MemoryLog::default().sink()).unwrap();
    for (o, e) in objs.iter().zip(&es) {
        w.write_record(o, &vars(e)).unwrap();
    }
    assert_eq!(w.close().stats.delivered, 40);
    let got = consume(&bs, &fixed, 40, Duration::from_secs(15));
    assert_eq!(got.len(), 40);
    for m in &got {
        assert_eq!(m.partition, 3);
        let v: serde_json::Value = serde_json::from_slice(&m.payload).unwrap();
        let want_key = format!(
            "{}:{}",
            v["ip_src"].as_str().unwrap().replace('.', "_"),
            v["port_src"]
        );
        assert_eq!(m.key.as_deref(), Some(want_key.as_bytes()));
    }
}

#[test]
fn broker_killed_and_restarted_nothing_lost() {
    bootstrap(); // the script's broker must be there too: same installation
    let bin = tansu_path();
    let port = 20000 + (std::process::id() % 20000) as u16;
    let bs = format!("127.0.0.1:{port}");
    let topic = "outage";
    let broker = OwnBroker::start(&bin, port);
    create_topics(&bs, &[topic], 2);
    // Short librdkafka timeouts so failures come back to the retry buffer within the test.
    let file = config_file(
        "broker-outage",
        &[
            "global, message.timeout.ms, 2000",
            "global, reconnect.backoff.max.ms, 500",
        ],
    );
    let log = MemoryLog::default();
    let c = KafkaConfig {
        config_file: Some(file),
        ..cfg("k", &bs, topic)
    };
    let mut w = KafkaWriter::new(&c, log.sink()).unwrap();
    w.write_record(b"{\"warmup\": 1}", &RecordVars::default())
        .unwrap();
    let t = Instant::now();
    while w.stats().delivered < 1 {
        assert!(
            t.elapsed() < Duration::from_secs(15),
            "warm-up record not delivered"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let t_kill = Instant::now();
    broker.kill();
    // Records keep coming at a steady rate while the broker is gone (memory storage: it
    // restarts empty, so only what is produced from now on can be checked).
    let secs: u64 = std::env::var("KAFKA_OUTAGE_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let n: u64 = 400 * secs;
    for i in 0..n {
        w.write_record(
            format!("{{\"seq\": {i}}}").as_bytes(),
            &RecordVars::default(),
        )
        .unwrap();
        if i % 40 == 39 {
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    let t = Instant::now();
    while w.stats().failed == 0 && t.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let down = w.stats();
    assert!(
        down.failed > 0,
        "deliveries failed while the broker was down: {down:?}"
    );
    let outage = t_kill.elapsed();
    let broker = OwnBroker::start(&bin, port);
    create_topics(&bs, &[topic], 2);
    let t = Instant::now();
    while w.stats().delivered < n + 1 && t.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(100));
    }
    let recovery = t.elapsed();
    let rep = w.close();
    for l in log.lines() {
        eprintln!("log: {l}");
    }
    eprintln!(
        "outage {outage:?} ({n} records at 400/s), recovery {recovery:?}, stats {:?}",
        rep.stats
    );
    assert_eq!(rep.stats.dropped, 0, "{:?}\n{:#?}", rep.stats, log.lines());
    assert!(rep.stats.retried > 0, "{:?}", rep.stats);
    let got = consume(&bs, topic, n as usize, Duration::from_secs(30));
    let mut seen = std::collections::BTreeSet::new();
    for m in &got {
        if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&m.payload) {
            if let Some(s) = v["seq"].as_u64() {
                seen.insert(s);
            }
        }
    }
    let missing: Vec<u64> = (0..n).filter(|i| !seen.contains(i)).collect();
    eprintln!(
        "consumed {} messages, {} distinct records, {} duplicates",
        got.len(),
        seen.len(),
        got.len() - seen.len()
    );
    assert!(
        missing.is_empty(),
        "{} records missing, first {:?}",
        missing.len(),
        &missing[..missing.len().min(10)]
    );
    drop(broker);
}

/// Throughput of the writer into the broker with real encoder output, all delivered and
/// consumed back. `KAFKA_BENCH_RECORDS` (default 20000) and `KAFKA_BENCH_CONFIG` (extra
/// `global, key, value` lines separated by `;`) tune it for measurements.
#[test]
fn throughput_all_delivered() {
    let bs = bootstrap();
    let topic = unique("bench");
    create_topics(&bs, &[&topic], 4);
    let n: usize = std::env::var("KAFKA_BENCH_RECORDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20000);
    let extra = std::env::var("KAFKA_BENCH_CONFIG").unwrap_or_default();
    let lines: Vec<&str> = extra.split(';').filter(|l| !l.trim().is_empty()).collect();
    let c = KafkaConfig {
        config_file: Some(config_file("bench", &lines)),
        ..cfg("k", &bs, &topic)
    };
    let mut w = KafkaWriter::new(&c, MemoryLog::default().sink()).unwrap();
    let enc = encoder(w.writer_id());
    let es = entries(n);
    let mut buf = Vec::with_capacity(1024);
    let t = Instant::now();
    for e in &es {
        buf.clear();
        enc.write_record(&mut buf, e, 0);
        w.write_record(&buf, &vars(e)).unwrap();
    }
    let queued = t.elapsed();
    let rep = w.close();
    let total = t.elapsed();
    eprintln!(
        "{n} records ({} bytes each): queued in {queued:?}, delivered in {total:?} = {:.0} records/s; {:?}",
        buf.len(),
        n as f64 / total.as_secs_f64(),
        rep.stats
    );
    assert_eq!((rep.stats.delivered, rep.stats.dropped), (n as u64, 0));
    assert_eq!(consume(&bs, &topic, n, Duration::from_secs(60)).len(), n);
}
