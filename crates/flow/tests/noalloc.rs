//! The hot paths do not allocate per record: accounting a flow into an existing cache entry,
//! and encoding an entry into a reused buffer (JSON, CSV, formatted). Counted with a global
//! allocator wrapper, per thread.

use std::hint::black_box;
use std::net::IpAddr;

use pmacct_flow::cache::{Cache, CacheConfig, DEFAULT_CACHE_ENTRIES};
use pmacct_flow::format::{Encoder, EncoderOptions, OutputFormat};
use pmacct_flow::{Aggregate, Flow, History, Insert};
use pmacct_wire::Timestamp;

#[path = "../../wire/tests/support/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::allocs;

fn flow(i: u32) -> Flow {
    let mut f = Flow::default();
    f.prims.src_ip = Some(IpAddr::from([10, 0, (i >> 8) as u8, i as u8]));
    f.prims.dst_ip = Some("2001:db8::1".parse().unwrap());
    f.prims.src_port = (i % 1000) as u16;
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
fn cache_insert_and_encode_do_not_allocate_per_record() {
    // The counter sees allocations at all.
    let before = allocs();
    black_box(Vec::<u8>::with_capacity(16));
    assert_eq!(allocs() - before, 1);
    let agg = Aggregate::parse(&["src_host, dst_host, src_port, proto, timestamp_start, tcpflags"])
        .unwrap();
    let mut h = History::parse("5m").unwrap();
    h.roundoff = "m".into();
    let cfg = CacheConfig {
        aggregate: agg,
        history: Some(h),
        cache_entries: DEFAULT_CACHE_ENTRIES,
        startup_delay: 0,
        utc: true,
    };
    let mut cache = Cache::new(cfg, 1_795_850_000);
    let flows: Vec<Flow> = (0..256).map(flow).collect();
    for f in &flows {
        assert_eq!(cache.insert(f), Insert::Done);
    }
    let before = allocs();
    for _ in 0..100 {
        for f in &flows {
            cache.insert(f);
        }
    }
    assert_eq!(allocs() - before, 0, "accounting into existing entries");

    let mut entries = Vec::with_capacity(1024);
    cache.drain_committed(true, &mut entries);
    assert_eq!(entries.len(), 256);
    for fmt in [
        OutputFormat::Json,
        OutputFormat::Csv,
        OutputFormat::Formatted,
    ] {
        let o = EncoderOptions {
            separator: ",".into(),
            history: true,
            ..Default::default()
        };
        let enc = Encoder::new(fmt, &agg, o).unwrap();
        let mut buf = Vec::with_capacity(1 << 20);
        let before = allocs();
        for e in &entries {
            enc.write_record(&mut buf, e, 1_795_850_000);
        }
        assert_eq!(allocs() - before, 0, "{fmt:?} encoding");
        assert!(buf.len() > 256 * 40);
    }
}
