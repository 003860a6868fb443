//! The kafka writer's purge path does not allocate per record (issue 21): encoding each entry
//! and handing it to librdkafka, one object per message and with `kafka_multi_values`, costs a
//! fixed number of allocations per purge (its log lines), not one per record. Counted with a
//! global allocator wrapper, per thread (librdkafka's own C allocations, its copy of each
//! message, are not Rust allocations and are not counted). Produces into librdkafka's mock
//! cluster.

use std::net::IpAddr;
use std::time::{Duration, SystemTime};

use pmacct_flow::{Aggregate, Flow};
use pmacct_plugins::kafka::{KafkaConfig, KafkaPlugin, KafkaPluginConfig, MemoryLog};
use pmacct_plugins::Plugin;
use pmacct_wire::Timestamp;
use rdkafka::mocking::MockCluster;
use rdkafka::producer::DefaultProducerContext;

#[path = "../../wire/tests/support/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::allocs;

const RECORDS: u32 = 5000;

fn flow(i: u32) -> Flow {
    let mut f = Flow::default();
    f.prims.src_ip = Some(IpAddr::from([10, 0, (i >> 8) as u8, i as u8]));
    f.prims.dst_ip = Some(IpAddr::from([192, 168, 1, (i % 7) as u8]));
    f.prims.src_port = (1024 + i % 50000) as u16;
    f.prims.dst_port = 443;
    f.prims.proto = 6;
    f.prims.timestamp_start = Timestamp::new(1677577561, 88000);
    f.prims.family = 4;
    f.packets = 1;
    f.bytes = 100;
    f.flows = 1;
    f.bin_time = 1677577561;
    f
}

#[test]
fn kafka_purge_does_not_allocate_per_record() {
    // The counter sees allocations at all.
    let before = allocs();
    std::hint::black_box(Vec::<u8>::with_capacity(16));
    assert_eq!(allocs() - before, 1);

    let mock = MockCluster::<DefaultProducerContext>::new(1).unwrap();
    let flows: Vec<Flow> = (0..RECORDS).map(flow).collect();
    for (topic, multi_values) in [("noalloc_single", 0), ("noalloc_multi", 100_000)] {
        mock.create_topic(topic, 1, 1).unwrap();
        let cfg = KafkaPluginConfig {
            kafka: KafkaConfig {
                plugin_name: "k".into(),
                broker_host: mock.bootstrap_servers(),
                topic: topic.into(),
                multi_values,
                ..Default::default()
            },
            aggregate: Aggregate::parse(&["src_host, dst_host, src_port, dst_port, proto"])
                .unwrap(),
            cache_entries: 100_003,
            ..Default::default()
        };
        let log = MemoryLog::default();
        let mut p = KafkaPlugin::with_log(cfg, SystemTime::now(), log.sink()).unwrap();
        // Warm-up purge: buffers, the purge list and the topic handle reach their size.
        p.process(&flows);
        p.purge(SystemTime::now()).unwrap();
        p.process(&flows);
        let before = allocs();
        p.purge(SystemTime::now()).unwrap();
        let n = allocs() - before;
        assert!(
            n < 64,
            "{topic}: {n} allocations purging {RECORDS} records (fixed cost expected)"
        );
        p.shutdown(SystemTime::now()).unwrap();
        let s = p.stats();
        assert_eq!(
            (s.produced, s.delivered, s.dropped),
            (2 * RECORDS as u64, 2 * RECORDS as u64, 0),
            "{topic}: every record delivered"
        );
        // Shutdown waited for delivery: nothing left for the mock cluster to flush.
        std::thread::sleep(Duration::from_millis(10));
    }
}
