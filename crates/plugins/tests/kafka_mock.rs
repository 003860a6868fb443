//! Fast checks of the Kafka writer against librdkafka's in-process mock cluster.

mod kafka_support;

use std::time::{Duration, Instant};

use kafka_support::{config_file, consume, record};
use pmacct_plugins::kafka::{KafkaConfig, KafkaWriter, MemoryLog, RecordVars};
use rdkafka::mocking::MockCluster;

fn cfg(name: &str, bootstrap: &str, topic: &str) -> KafkaConfig {
    KafkaConfig {
        plugin_name: name.into(),
        broker_host: bootstrap.into(),
        topic: topic.into(),
        flush_timeout: Duration::from_secs(10),
        ..Default::default()
    }
}

fn wait_delivered(w: &KafkaWriter, records: u64, timeout: Duration) {
    let t = Instant::now();
    while w.stats().delivered < records && t.elapsed() < timeout {
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn one_object_per_message_byte_identical() {
    let mock = MockCluster::new(1).unwrap();
    mock.create_topic("acct", 2, 1).unwrap();
    let bs = mock.bootstrap_servers();
    let log = MemoryLog::default();
    let mut w = KafkaWriter::new(&cfg("k", &bs, "acct"), log.sink()).unwrap();
    assert_eq!(w.writer_id(), format!("k/{}", std::process::id()));
    let recs: Vec<Vec<u8>> = (0..50).map(|i| record(i, w.writer_id())).collect();
    for r in &recs {
        w.write_record(r, &RecordVars::default()).unwrap();
    }
    let rep = w.close();
    assert_eq!(rep.undelivered_records, 0);
    assert_eq!(
        (rep.stats.produced, rep.stats.delivered, rep.stats.dropped),
        (50, 50, 0)
    );
    let mut got = consume(&bs, "acct", 50, Duration::from_secs(10));
    assert_eq!(got.len(), 50);
    got.sort_by_key(|m| m.payload.clone());
    let mut want: Vec<Vec<u8>> = recs.iter().map(|r| r[..r.len() - 1].to_vec()).collect();
    want.sort();
    for (m, w) in got.iter().zip(&want) {
        assert_eq!(
            &m.payload, w,
            "a message is the object without trailing newline"
        );
        assert_eq!(m.key, None, "no kafka_partition_key: null key");
    }
}

#[test]
fn multi_values_framing_follows_pmacct_budget() {
    let mock = MockCluster::new(1).unwrap();
    mock.create_topic("mv", 1, 1).unwrap();
    let bs = mock.bootstrap_servers();
    let r0 = record(0, "k/1");
    let len = r0.len() - 1; // object length without newline; every record() here has the same
                            // Room for exactly two objects: 2*(len+1) < N, and a third would need 3*(len+1) < N.
    let n = 2 * (len + 1) + 1;
    let c = KafkaConfig {
        multi_values: n,
        ..cfg("k", &bs, "mv")
    };
    let mut w = KafkaWriter::new(&c, MemoryLog::default().sink()).unwrap();
    for i in 0..5 {
        w.write_record(&record(i, "k/1"), &RecordVars::default())
            .unwrap();
    }
    w.flush_batch();
    // An object that can never fit: error, counted as dropped, not silent.
    let big = vec![b'x'; n];
    assert!(w.write_record(&big, &RecordVars::default()).is_err());
    let rep = w.close();
    assert_eq!(
        (rep.stats.produced, rep.stats.delivered, rep.stats.dropped),
        (6, 5, 1)
    );
    assert_eq!(rep.stats.messages_delivered, 3);
    let got = consume(&bs, "mv", 3, Duration::from_secs(10));
    let texts: Vec<String> = got.iter().map(|m| m.text().to_string()).collect();
    let obj = |i| String::from_utf8(record(i, "k/1")).unwrap();
    assert_eq!(texts, vec![obj(0) + &obj(1), obj(2) + &obj(3), obj(4)]);
    // pmacct's bound is strict: with N = 2*(len+1) only one object fits per message.
    let c = KafkaConfig {
        multi_values: 2 * (len + 1),
        ..cfg("k", &bs, "mv2")
    };
    mock.create_topic("mv2", 1, 1).unwrap();
    let mut w = KafkaWriter::new(&c, MemoryLog::default().sink()).unwrap();
    for i in 0..2 {
        w.write_record(&record(i, "k/1"), &RecordVars::default())
            .unwrap();
    }
    assert_eq!(w.close().stats.messages_delivered, 2);
}

#[test]
fn topic_rr_key_and_fixed_partition() {
    let mock = MockCluster::new(1).unwrap();
    for t in ["rr_0", "rr_1", "rr_2", "fixed", "dynkey"] {
        mock.create_topic(t, 4, 1).unwrap();
    }
    let bs = mock.bootstrap_servers();
    // kafka_topic_rr: 3 -> rr_0, rr_1, rr_2, rr_0, ...
    let mut w = KafkaWriter::new(
        &KafkaConfig {
            topic_rr: 3,
            ..cfg("k", &bs, "rr")
        },
        MemoryLog::default().sink(),
    )
    .unwrap();
    for i in 0..7 {
        w.write_record(&record(i, "k/1"), &RecordVars::default())
            .unwrap();
    }
    w.close();
    let per: Vec<usize> = ["rr_0", "rr_1", "rr_2"]
        .iter()
        .map(|t| consume(&bs, t, 3, Duration::from_secs(5)).len())
        .collect();
    assert_eq!(per, vec![3, 2, 2]);

    // A fixed kafka_partition is honoured (1.7.7 would ignore it), with a static key.
    let c = KafkaConfig {
        partition: Some(2),
        partition_key: Some("abc".into()),
        ..cfg("k", &bs, "fixed")
    };
    let mut w = KafkaWriter::new(&c, MemoryLog::default().sink()).unwrap();
    for i in 0..20 {
        w.write_record(&record(i, "k/1"), &RecordVars::default())
            .unwrap();
    }
    w.close();
    let got = consume(&bs, "fixed", 20, Duration::from_secs(5));
    assert_eq!(got.len(), 20);
    assert!(got
        .iter()
        .all(|m| m.partition == 2 && m.key.as_deref() == Some(&b"abc"[..])));

    // Dynamic key: evaluated per record; the partitioner keeps one key on one partition.
    let c = KafkaConfig {
        partition_dynamic: true,
        partition_key: Some("$peer_src_ip-$src_port".into()),
        ..cfg("k", &bs, "dynkey")
    };
    let mut w = KafkaWriter::new(&c, MemoryLog::default().sink()).unwrap();
    for i in 0..40u16 {
        let v = RecordVars {
            peer_src_ip: Some("192.0.2.1".parse().unwrap()),
            src_port: i % 4,
            ..Default::default()
        };
        w.write_record(&record(i as usize, "k/1"), &v).unwrap();
    }
    w.close();
    let got = consume(&bs, "dynkey", 40, Duration::from_secs(5));
    assert_eq!(got.len(), 40);
    for port in 0..4 {
        let key = format!("192_0_2_1-{port}").into_bytes();
        let parts: std::collections::BTreeSet<i32> = got
            .iter()
            .filter(|m| m.key.as_deref() == Some(&key[..]))
            .map(|m| m.partition)
            .collect();
        assert_eq!(parts.len(), 1, "key {port} on one partition");
    }
}

#[test]
fn dynamic_topic_per_record() {
    let mock = MockCluster::new(1).unwrap();
    mock.create_topic("flows.192_0_2_1.5", 1, 1).unwrap();
    mock.create_topic("flows.192_0_2_9.0", 1, 1).unwrap();
    let bs = mock.bootstrap_servers();
    let mut w = KafkaWriter::new(
        &cfg("k", &bs, "flows.$peer_src_ip.$tag"),
        MemoryLog::default().sink(),
    )
    .unwrap();
    let a = RecordVars {
        peer_src_ip: Some("192.0.2.1".parse().unwrap()),
        tag: 5,
        ..Default::default()
    };
    let b = RecordVars {
        peer_src_ip: Some("192.0.2.9".parse().unwrap()),
        ..Default::default()
    };
    for i in 0..6 {
        w.write_record(&record(i, "k/1"), if i % 3 == 0 { &b } else { &a })
            .unwrap();
    }
    w.close();
    assert_eq!(
        consume(&bs, "flows.192_0_2_1.5", 4, Duration::from_secs(5)).len(),
        4
    );
    assert_eq!(
        consume(&bs, "flows.192_0_2_9.0", 2, Duration::from_secs(5)).len(),
        2
    );
}

#[test]
fn broker_outage_nothing_lost_and_retries_counted() {
    let mock = MockCluster::new(1).unwrap();
    mock.create_topic("outage", 2, 1).unwrap();
    let bs = mock.bootstrap_servers();
    // Short librdkafka timeout so failed deliveries come back to our retry buffer quickly.
    let file = config_file("outage", &["global, message.timeout.ms, 500"]);
    let c = KafkaConfig {
        config_file: Some(file),
        ..cfg("k", &bs, "outage")
    };
    let log = MemoryLog::default();
    let mut w = KafkaWriter::new(&c, log.sink()).unwrap();
    w.write_record(&record(0, "k/1"), &RecordVars::default())
        .unwrap();
    wait_delivered(&w, 1, Duration::from_secs(5));
    mock.broker_down(1).unwrap();
    for i in 1..200 {
        w.write_record(&record(i, "k/1"), &RecordVars::default())
            .unwrap();
    }
    let t = Instant::now();
    while w.stats().failed == 0 && t.elapsed() < Duration::from_secs(15) {
        std::thread::sleep(Duration::from_millis(50));
    }
    eprintln!("first failed delivery after {:?}", t.elapsed());
    let mid = w.stats();
    assert!(mid.failed > 0, "deliveries failed while down: {mid:?}");
    assert!(mid.delivered < 200);
    mock.broker_up(1).unwrap();
    wait_delivered(&w, 200, Duration::from_secs(20));
    let rep = w.close();
    assert_eq!(rep.stats.dropped, 0, "{:?}\n{:#?}", rep.stats, log.lines());
    assert!(rep.stats.retried > 0, "{:?}", rep.stats);
    assert!(rep.stats.delivered >= 200);
    let got = consume(&bs, "outage", 200, Duration::from_secs(10));
    let distinct: std::collections::BTreeSet<Vec<u8>> =
        got.iter().map(|m| m.payload.clone()).collect();
    assert_eq!(
        distinct.len(),
        200,
        "every record arrived (at least once); {} messages",
        got.len()
    );
}

#[test]
fn full_buffer_drops_are_counted_and_logged() {
    let mock = MockCluster::new(1).unwrap();
    mock.create_topic("tiny", 1, 1).unwrap();
    let bs = mock.bootstrap_servers();
    // librdkafka takes only one message; our buffer holds about 3 more.
    let file = config_file("tiny", &["global, queue.buffering.max.messages, 1"]);
    let rec_size = record(0, "k/1").len() + "tiny".len() + 64;
    let c = KafkaConfig {
        config_file: Some(file),
        retry_buffer_size: 3 * rec_size + 10,
        flush_timeout: Duration::from_secs(1),
        ..cfg("k", &bs, "tiny")
    };
    mock.broker_down(1).unwrap();
    let log = MemoryLog::default();
    let mut w = KafkaWriter::new(&c, log.sink()).unwrap();
    for i in 0..10 {
        w.write_record(&record(i, "k/1"), &RecordVars::default())
            .unwrap();
    }
    let s = w.stats();
    assert_eq!(
        s.dropped, 6,
        "1 in librdkafka, 3 buffered, 6 dropped: {s:?}"
    );
    assert_eq!(s.buffered_records, 3);
    // Shutdown with the broker still down: the rest is undelivered, counted and reported.
    let rep = w.close();
    assert_eq!(rep.stats.dropped, 10, "{:?}", rep);
    assert_eq!(rep.undelivered_records, 4);
    let lines = log.lines();
    assert!(
        lines.iter().any(
            |l| l.starts_with("ERROR ( k/kafka ): dropped ") && l.contains("retry buffer full")
        ),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("4 records (4 messages) undelivered at shutdown")),
        "{lines:#?}"
    );
}

#[test]
fn markers_bracket_the_batch() {
    let mock = MockCluster::new(1).unwrap();
    mock.create_topic("mk", 1, 1).unwrap();
    let bs = mock.bootstrap_servers();
    let mut w = KafkaWriter::new(&cfg("k", &bs, "mk"), MemoryLog::default().sink()).unwrap();
    let id = w.writer_id().to_string();
    let init = format!("{{\"event_type\": \"purge_init\", \"writer_id\": \"{id}\"}}\n");
    let close = format!(
        "{{\"event_type\": \"purge_close\", \"writer_id\": \"{id}\", \"purged_entries\": 3, \"total_entries\": 3, \"duration\": 0}}\n"
    );
    w.write_marker(init.as_bytes(), &RecordVars::default(), Duration::ZERO);
    for i in 0..3 {
        w.write_record(&record(i, &id), &RecordVars::default())
            .unwrap();
    }
    let t0 = Instant::now();
    w.write_marker(
        close.as_bytes(),
        &RecordVars::default(),
        Duration::from_millis(300),
    );
    assert!(
        t0.elapsed() < Duration::from_millis(100),
        "the marker delay does not block"
    );
    let rep = w.close();
    assert_eq!((rep.stats.produced, rep.stats.messages_delivered), (3, 5));
    let got = consume(&bs, "mk", 5, Duration::from_secs(5));
    let texts: Vec<&str> = got.iter().map(|m| m.text()).collect();
    assert_eq!(texts.first().copied(), Some(init.trim_end()));
    assert_eq!(texts.last().copied(), Some(close.trim_end()));
}
