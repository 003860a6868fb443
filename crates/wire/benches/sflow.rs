//! sFlow decode throughput, in flow samples per second per core: the sfprobe captures
//! (raw-header samples with an extended switch record, 5-7 per datagram) decoded into
//! `FlowRecord`s, into leads (what sfacctd takes when its plugins read only the lead:
//! plain samples read straight from the datagram, and every sample decoded whole as with
//! `sfacctd_renormalize`), and the sampled-header decoder on its own.

#[path = "../tests/support/mod.rs"]
mod support;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use pmacct_wire::sflow::{self, Sample};
use pmacct_wire::{packet, SflowDecoder};
use std::net::IpAddr;

fn datagrams() -> Vec<(IpAddr, Vec<u8>)> {
    let mut v = Vec::new();
    for n in ["1", "2", "3"] {
        let path = support::data_dir().join(format!("sflow/sflow-{n}.pcap"));
        for p in support::read_pcap(&path) {
            v.push((p.src, p.payload));
        }
    }
    v
}

fn bench(c: &mut Criterion) {
    let dgs = datagrams();
    let mut dec = SflowDecoder::new();
    let samples: u64 = dgs
        .iter()
        .map(|(s, d)| dec.decode(*s, d, |_, _| {}).unwrap().flow_samples as u64)
        .sum();
    let mut g = c.benchmark_group("sflow");
    g.throughput(Throughput::Elements(samples));
    g.bench_function("decode_records", |b| {
        b.iter(|| {
            let mut bytes = 0u64;
            for (s, d) in &dgs {
                let _ = dec.decode(*s, black_box(d), |r, _| bytes += r.bytes);
            }
            bytes
        })
    });
    for (name, whole) in [
        ("decode_leads", false),
        ("decode_leads_whole_samples", true),
    ] {
        let mut dec = SflowDecoder::new().with_whole_samples(whole);
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut bytes = 0u64;
                for (s, d) in &dgs {
                    let _ = dec.decode_leads_with_counters(
                        *s,
                        black_box(d),
                        |l, _| bytes += l.bytes,
                        |_| {},
                    );
                }
                bytes
            })
        });
    }
    let mut headers = Vec::new();
    for (s, d) in &dgs {
        sflow::walk(*s, d, |x| {
            if let Sample::Flow(f) = x {
                headers.push(f.header.to_vec());
            }
        })
        .unwrap();
    }
    g.throughput(Throughput::Elements(headers.len() as u64));
    g.bench_function("packet_headers", |b| {
        b.iter(|| {
            let mut n = 0u32;
            for h in &headers {
                n += packet::decode_ethernet(black_box(h)).ip.dst_port as u32;
            }
            n
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
