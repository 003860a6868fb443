//! Kafka outage under load (issue 24, item 1): records keep coming at 50,000/s while a real
//! broker (tansu, our own process on another port: the shared one on 9092 is never touched)
//! is down, then back. Nothing that fits the retry buffer is lost, delivery after recovery
//! runs at the broker's speed (the buffer drains while new records keep flowing), and the
//! figures (sent, delivered, duplicates, dropped) are printed for the note.
//!
//! `KAFKA_OUTAGE_RATE` (50000 records/s), `KAFKA_OUTAGE_DOWN_SECS` (10; 60 for the note),
//! `KAFKA_OUTAGE_AFTER_SECS` (30: records keep flowing that long after the restart).

mod kafka_support;

use std::time::{Duration, Instant};

use kafka_support::{
    bootstrap, config_file, create_topics, for_each_message, tansu_path, OwnBroker,
};
use pmacct_plugins::kafka::{KafkaConfig, KafkaWriter, MemoryLog, RecordVars};
use rdkafka::Message;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// A record the size of a typical JSON flow record (~250 bytes), numbered.
fn record(seq: u64, buf: &mut Vec<u8>) {
    use std::io::Write;
    buf.clear();
    let _ = write!(
        buf,
        "{{\"seq\": {seq}, \"event_type\": \"purge\", \"peer_ip_src\": \"192.0.2.1\", \"ip_src\": \"10.0.{}.{}\", \"ip_dst\": \"2001:db8::1\", \"port_src\": {}, \"port_dst\": 443, \"ip_proto\": \"tcp\", \"tcp_flags\": \"18\", \"packets\": 1, \"bytes\": {}, \"writer_id\": \"k/1\"}}",
        (seq / 250) % 250,
        seq % 250,
        1024 + seq % 60000,
        64 + seq % 1400
    );
}

/// Produce at `rate` records/s for `secs` (10 ms ticks), from `*seq` on.
fn produce(w: &mut KafkaWriter, rate: u64, secs: f64, seq: &mut u64, buf: &mut Vec<u8>) {
    let start = Instant::now();
    let ticks = (secs * 100.0) as u64;
    for tick in 1..=ticks {
        let due = rate * tick / 100;
        let target = start + Duration::from_millis(10 * tick);
        let base = *seq - (rate * (tick - 1) / 100);
        while *seq < base + due {
            record(*seq, buf);
            w.write_record(buf, &RecordVars::default()).unwrap();
            *seq += 1;
        }
        if let Some(d) = target.checked_duration_since(Instant::now()) {
            std::thread::sleep(d);
        }
    }
}

#[test]
fn outage_under_load_nothing_dropped_delivery_at_broker_speed() {
    bootstrap(); // the script's broker must be there too: same installation
    let rate = env("KAFKA_OUTAGE_RATE", 50_000);
    let down = env("KAFKA_OUTAGE_DOWN_SECS", 10);
    let after = env("KAFKA_OUTAGE_AFTER_SECS", 30);
    let bin = tansu_path();
    let port = 20000 + ((std::process::id() + 7919) % 20000) as u16;
    let bs = format!("127.0.0.1:{port}");
    let topic = "outage50k";
    let broker = OwnBroker::start(&bin, port);
    create_topics(&bs, &[topic], 4);
    // The sizing rule: rate x outage x (record + 64 bytes of bookkeeping + topic), with
    // headroom; librdkafka's own queue (100k messages) comes on top.
    let buffer = (rate * down * (250 + 64 + topic.len() as u64)) * 3 / 2 + (64 << 20);
    let log = MemoryLog::default();
    let c = KafkaConfig {
        plugin_name: "k".into(),
        broker_host: bs.clone(),
        topic: topic.into(),
        flush_timeout: Duration::from_secs(30),
        retry_buffer_size: buffer as usize,
        // No auto-creation: the restarted broker (memory storage, empty) must get the topic
        // from the test's CreateTopics only, not from our writer's metadata request racing it.
        // Suspected window for the one bare-Debian failure (8,016 acknowledged records, one
        // consecutive run, never read back); not reproduced with a Python producer (restart,
        // create 0.05-2 s later: 0 lost). Records wait in librdkafka until the topic exists.
        config_file: Some(config_file(
            "outage50k",
            &[
                "global, reconnect.backoff.max.ms, 500",
                "global, allow.auto.create.topics, false",
            ],
        )),
        ..Default::default()
    };
    let mut w = KafkaWriter::new(&c, log.sink()).unwrap();
    let (mut seq, mut buf) = (0u64, Vec::with_capacity(512));

    // 3 s with the broker up, then down for `down` s, records flowing all along.
    produce(&mut w, rate, 3.0, &mut seq, &mut buf);
    let seq_kill = seq;
    broker.kill();
    let t_down = Instant::now();
    produce(&mut w, rate, down as f64, &mut seq, &mut buf);
    let at_restart = w.stats();
    let broker = OwnBroker::start(&bin, port);
    create_topics(&bs, &[topic], 4);
    let t_up = Instant::now();
    let outage = t_down.elapsed();
    // Back: records keep flowing; the backlog must drain meanwhile (at the broker's speed).
    let mut drained_at: Option<(Duration, u64)> = None;
    let step = 0.5;
    let mut elapsed = 0.0;
    while elapsed < after as f64 {
        produce(&mut w, rate, step, &mut seq, &mut buf);
        elapsed += step;
        let s = w.stats();
        if drained_at.is_none() && s.buffered_records == 0 && s.delivered + 150_000 >= s.produced {
            drained_at = Some((t_up.elapsed(), s.delivered));
        }
    }
    let sent = seq;
    let t = Instant::now();
    while w.stats().delivered + w.stats().dropped < sent && t.elapsed() < Duration::from_secs(120) {
        std::thread::sleep(Duration::from_millis(100));
    }
    let rep = w.close();
    drop(log);

    // Read everything back: distinct records, duplicates.
    let mut seen = vec![false; sent as usize];
    let (mut messages, mut distinct, mut other, mut after_kill) = (0u64, 0u64, 0u64, 0u64);
    for_each_message(&bs, topic, &[], Duration::from_secs(300), |m| {
        messages += 1;
        let s = m
            .payload()
            .and_then(|p| p.get(8..20))
            .and_then(|p| std::str::from_utf8(p).ok())
            .and_then(|p| p.split(',').next())
            .and_then(|p| p.trim().parse::<usize>().ok());
        match s {
            Some(i) if i < seen.len() => {
                if !seen[i] {
                    seen[i] = true;
                    distinct += 1;
                    after_kill += u64::from(i as u64 >= seq_kill);
                }
            }
            _ => other += 1,
        }
        after_kill >= sent - seq_kill
    });
    // What the broker acknowledged before the kill was in its memory, which the kill lost
    // (memory storage): every record produced from the kill on must be read back.
    let missing: Vec<u64> = (seq_kill..sent).filter(|&i| !seen[i as usize]).collect();
    let duplicates = messages - distinct - other;
    let (drain_time, drain_delivered) = drained_at.unwrap_or((Duration::MAX, 0));
    println!(
        "kafka outage: rate {rate}/s, broker down {:.1} s; sent {sent}, delivered {} \
         (acknowledged), dropped {}, retried {}; of the {} produced from the kill on, read back \
         {after_kill}, missing {} (the first {seq_kill} went down with the broker's memory); \
         duplicates {duplicates}; backlog at restart {} records, drained {:.1} s \
         after the restart ({:.0} records/s delivered meanwhile, input {rate}/s)",
        outage.as_secs_f64(),
        rep.stats.delivered,
        rep.stats.dropped,
        rep.stats.retried,
        sent - seq_kill,
        missing.len(),
        at_restart.produced - at_restart.delivered,
        drain_time.as_secs_f64(),
        drain_delivered.saturating_sub(at_restart.delivered) as f64 / drain_time.as_secs_f64()
    );
    assert_eq!(rep.stats.dropped, 0, "{:?}", rep.stats);
    assert_eq!(rep.stats.delivered, sent, "{:?}", rep.stats);
    assert!(
        missing.is_empty(),
        "{} records missing, first {:?}",
        missing.len(),
        &missing[..missing.len().min(10)]
    );
    // Delivery after recovery outran the input: the backlog drained while records flowed.
    assert!(
        drained_at.is_some(),
        "backlog not drained within {after} s of the restart at {rate}/s"
    );
    drop(broker);
}
