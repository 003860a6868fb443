//! Throughput of the per-record hot path: cache insert (hit and miss) and JSON/CSV encode.
//! `cargo bench -p pmacct-flow` prints thread CPU ns per record (CPU time, not wall time, so
//! that a busy machine distorts less).

use std::hint::black_box;
use std::net::IpAddr;

use pmacct_flow::cache::{Cache, CacheConfig, DEFAULT_CACHE_ENTRIES};
use pmacct_flow::format::{Encoder, EncoderOptions, OutputFormat};
use pmacct_flow::{Aggregate, Flow};
use pmacct_wire::Timestamp;

/// Thread CPU time.
struct Instant(libc::timespec);

impl Instant {
    fn now() -> Instant {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: ts is a valid, writable timespec for the duration of the call.
        unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
        Instant(ts)
    }
    fn elapsed(&self) -> std::time::Duration {
        let n = Instant::now().0;
        let ns = (n.tv_sec - self.0.tv_sec) as i128 * 1_000_000_000
            + (n.tv_nsec - self.0.tv_nsec) as i128;
        std::time::Duration::from_nanos(ns.max(0) as u64)
    }
}

fn flow(i: u32) -> Flow {
    let mut f = Flow::default();
    f.prims.src_ip = Some(IpAddr::from([10, (i >> 16) as u8, (i >> 8) as u8, i as u8]));
    f.prims.dst_ip = Some(IpAddr::from([192, 0, 2, (i % 7) as u8]));
    f.prims.src_port = (i % 50_000) as u16;
    f.prims.dst_port = 443;
    f.prims.proto = 6;
    f.prims.in_iface = 3;
    f.prims.out_iface = 5;
    f.prims.timestamp_start = Timestamp::new(1677577561, 88000);
    f.prims.timestamp_end = Timestamp::new(1677577571, 88000);
    f.packets = 3;
    f.bytes = 1500;
    f.flows = 1;
    f
}

fn main() {
    // 200k distinct flows: a realistic cache size for one purge interval.
    const N: u32 = 200_000;
    let tut = "src_host, dst_host, in_iface, out_iface, timestamp_start, timestamp_end, src_port, dst_port, proto, tos, tcpflags";
    let agg = Aggregate::parse(&[tut]).unwrap();
    let flows: Vec<Flow> = (0..N).map(flow).collect();
    let cfg = || CacheConfig {
        aggregate: agg,
        history: None,
        cache_entries: 1 << 20,
        startup_delay: 0,
        utc: true,
    };

    let mut cache = Cache::new(cfg(), 0);
    let t = Instant::now();
    for f in &flows {
        black_box(cache.insert(f));
    }
    let miss = t.elapsed();
    let t = Instant::now();
    for f in &flows {
        black_box(cache.insert(f));
    }
    let hit = t.elapsed();
    let cache_bytes = cache.memory_bytes();
    let mut entries = Vec::new();
    let t = Instant::now();
    cache.drain_committed(true, &mut entries);
    let purge = t.elapsed();

    let mut small = Cache::new(
        CacheConfig {
            aggregate: Aggregate::parse(&["src_host"]).unwrap(),
            cache_entries: DEFAULT_CACHE_ENTRIES,
            ..cfg()
        },
        0,
    );
    let t = Instant::now();
    for f in &flows {
        black_box(small.insert(f));
    }
    let src_host = t.elapsed();

    // Touch the output buffer first so page faults are not charged to the encoders.
    let mut out = vec![0u8; 128 << 20];
    let mut enc_times = Vec::new();
    for fmt in [
        OutputFormat::Json,
        OutputFormat::Csv,
        OutputFormat::Formatted,
    ] {
        let enc = Encoder::new(
            fmt,
            &agg,
            EncoderOptions {
                separator: ",".into(),
                ..Default::default()
            },
        )
        .unwrap();
        out.clear();
        let t = Instant::now();
        for e in &entries {
            enc.write_record(&mut out, e, 0);
        }
        enc_times.push((fmt, t.elapsed(), out.len()));
    }
    let per = |d: std::time::Duration| d.as_nanos() as f64 / f64::from(N);
    println!(
        "cache insert, tutorial aggregate, new entries: {:.0} ns/record",
        per(miss)
    );
    println!(
        "cache insert, tutorial aggregate, existing entries: {:.0} ns/record",
        per(hit)
    );
    println!(
        "cache insert, src_host aggregate: {:.0} ns/record",
        per(src_host)
    );
    println!(
        "purge (entries out of the cache), tutorial aggregate: {:.0} ns/record",
        per(purge)
    );
    println!(
        "size_of::<Flow>() {} bytes; cache, tutorial aggregate: {:.0} bytes/entry (entry {} + key + index)",
        std::mem::size_of::<Flow>(),
        cache_bytes as f64 / f64::from(N),
        pmacct_flow::cache::ROW_BYTES
    );
    for (fmt, d, bytes) in enc_times {
        println!("encode {fmt:?}: {:.0} ns/record ({} bytes)", per(d), bytes);
    }
}
