//! A plugin aggregating on several threads writes exactly what it writes on one: same
//! records, same counters, same order (pmacct's order: first seen first), across scheduled
//! purges that keep open history bins, stitching and `*_time_new`, whether the batches are
//! the daemon's shared ones or copies a stage made.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use pmacct_flow::cache::History;
use pmacct_flow::format::OutputFormat;
use pmacct_flow::{Aggregate, Flow, FlowBatch};
use pmacct_plugins::{Plugin, PrintConfig, PrintPlugin};
use pmacct_wire::Timestamp;

const TUTORIAL: &str = "src_host, dst_host, in_iface, out_iface, timestamp_start, timestamp_end, src_port, dst_port, proto, tos, tcpflags, flows";

fn scratch(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("pmacct-rs-shards-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A deterministic stream of flows with many repeated keys: `n` flows over `hosts` sources,
/// starting `age` seconds ago and spread over 10 minutes (several history bins).
fn flows(n: usize, hosts: u32, age: u64) -> Vec<Flow> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    (0..n)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let mut f = Flow::default();
            f.prims.family = 4;
            f.prims.src_ip = Some(IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + (x as u32 % hosts))));
            f.prims.dst_ip = Some(IpAddr::V4(Ipv4Addr::from(
                0xc000_0200 + (x >> 20) as u32 % 3,
            )));
            f.prims.src_port = (x >> 32) as u16 % 2;
            f.prims.dst_port = 443;
            f.prims.proto = 6;
            f.prims.in_iface = (x >> 40) as u32 % 3;
            f.tcp_flags = (x >> 48) as u8 & 0x1f;
            f.packets = 1 + i as u64 % 9;
            f.bytes = 40 * f.packets;
            f.flows = 1;
            // Four starts per 150 s (with the flow's position: bins fill in time order), three
            // ends per start: repeated keys.
            let start = now - age + (i as u64 * 4 / n as u64) * 150 + (x >> 8) % 4 * 7;
            f.prims.timestamp_start = Timestamp::new(start, 0);
            f.prims.timestamp_end = Timestamp::new(start + (x >> 16) % 3, 0);
            f.bin_time = start;
            f
        })
        .collect()
}

fn plugin(
    name: &str,
    out: &std::path::Path,
    agg: &str,
    shards: usize,
    tweak: impl Fn(&mut PrintConfig),
) -> PrintPlugin {
    let mut cfg = PrintConfig {
        name: name.into(),
        aggregate: Aggregate::parse(&[agg]).unwrap(),
        output: OutputFormat::Json,
        output_file: Some(format!("{}/{name}.json", out.display())),
        append: true,
        refresh_time: 60,
        history: History::parse("1m"),
        ..Default::default()
    };
    tweak(&mut cfg);
    let mut p = PrintPlugin::new(cfg, SystemTime::now()).unwrap();
    assert_eq!(p.set_shards(shards), shards, "{name}: shards in use");
    p
}

/// Feed `fl` to both plugins batch by batch (interleaved, so that both see the same clock),
/// with a scheduled purge after `purge_after` batches and the final one at the end.
fn feed(a: &mut PrintPlugin, b: &mut PrintPlugin, fl: &[Flow], purge_after: usize, copies: bool) {
    for (i, chunk) in fl.chunks(512).enumerate() {
        let mut batch = FlowBatch::with_capacity(chunk.len());
        for f in chunk {
            batch.push(f, None);
        }
        let batch = Arc::new(batch);
        for p in [&mut *a, &mut *b] {
            if copies {
                p.process_batch(batch.flows(), &batch.custom);
            } else {
                p.process_shared(&batch);
            }
        }
        if i + 1 == purge_after {
            let now = SystemTime::now();
            a.purge(now).unwrap();
            b.purge(now).unwrap();
        }
    }
    let now = SystemTime::now() + Duration::from_secs(1);
    a.shutdown(now).unwrap();
    b.shutdown(now).unwrap();
}

/// The records of a JSON file, `stamp_updated` (the wall clock when the print writer writes
/// the purge: the two plugins write one after the other, maybe a second apart) set aside.
fn records(path: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| {
            let key = "\"stamp_updated\": \"";
            match l.find(key).map(|i| (i, i + key.len())) {
                // The value, its closing quote and the ", " after it.
                Some((i, v)) => match l[v..].find('"') {
                    Some(end) => format!("{}{}", &l[..i], &l[v + end + 3..]),
                    None => l.to_string(),
                },
                None => l.to_string(),
            }
        })
        .collect()
}

fn same_output(case: &str, agg: &str, copies: bool, tweak: impl Fn(&mut PrintConfig) + Copy) {
    let out = scratch(case);
    let fl = flows(40_000, 50, 900);
    let mut one = plugin("one", &out, agg, 1, tweak);
    let mut three = plugin("three", &out, agg, 3, tweak);
    feed(&mut one, &mut three, &fl, 40, copies);
    let (a, b) = (
        records(&out.join("one.json")),
        records(&out.join("three.json")),
    );
    // Enough to mean something: thousands of entries, many hit several times.
    assert!(
        a.len() >= 500 && a.len() < fl.len() * 7 / 10,
        "{case}: {} records",
        a.len()
    );
    assert_eq!(a.len(), b.len(), "{case}: record count");
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        assert_eq!(x, y, "{case}: record {i} differs");
    }
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn sharded_print_writes_what_one_thread_writes() {
    same_output("tutorial", TUTORIAL, false, |_| {});
}

#[test]
fn sharded_print_of_stage_copies() {
    same_output("copies", TUTORIAL, true, |_| {});
}

#[test]
fn sharded_stitching_and_time_new() {
    same_output(
        "stitch",
        "src_host, dst_host, src_port, proto",
        false,
        |c| {
            c.stitching = true;
        },
    );
    same_output(
        "time_new",
        "src_host, dst_host, src_port, proto",
        false,
        |c| {
            c.time_new = true;
        },
    );
}

#[test]
fn aggregates_that_stay_on_one_thread() {
    let out = scratch("one");
    for agg in ["sum_host", "peer_src_ip, tag2"] {
        let mut p = PrintPlugin::new(
            PrintConfig {
                name: "x".into(),
                aggregate: Aggregate::parse(&[agg]).unwrap(),
                output_file: Some(format!("{}/x.json", out.display())),
                ..Default::default()
            },
            SystemTime::now(),
        )
        .unwrap();
        assert_eq!(p.set_shards(4), 1, "{agg}");
    }
    let _ = std::fs::remove_dir_all(&out);
}

/// A full cache with shards: the urgent purge comes between batches, and every record is
/// still written exactly once (counters add up to the input's).
#[test]
fn sharded_urgent_purge_loses_nothing() {
    let out = scratch("urgent");
    let fl = flows(20_000, 5_000, 900);
    let small = |c: &mut PrintConfig| c.cache_entries = 97;
    let mut one = plugin("one", &out, TUTORIAL, 1, small);
    let mut three = plugin("three", &out, TUTORIAL, 3, small);
    feed(&mut one, &mut three, &fl, usize::MAX, false);
    let want: u64 = fl.iter().map(|f| f.packets).sum();
    for name in ["one", "three"] {
        let recs = records(&out.join(format!("{name}.json")));
        let got: u64 = recs
            .iter()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["packets"]
                    .as_u64()
                    .unwrap()
            })
            .sum();
        assert!(recs.len() > 1_000, "{name}: {} records", recs.len());
        assert_eq!(got, want, "{name}: packets written");
        assert_eq!(three.cache_dropped(), 0);
    }
    let _ = std::fs::remove_dir_all(&out);
}
