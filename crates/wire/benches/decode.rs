//! Records/s per core for v5, v9 and IPFIX datagrams (corpus and softflowd exports).
//! Templates are learnt in a warm-up pass; each iteration decodes every datagram once.

#[path = "../tests/support/mod.rs"]
mod support;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use pmacct_wire::record::ExportHeader;
use pmacct_wire::{FlowRecord, LeadFields, Limits, NetflowDecoder, RecordSink};
use std::net::IpAddr;
use std::path::PathBuf;

fn load(paths: &[PathBuf]) -> Vec<(IpAddr, Vec<u8>)> {
    paths
        .iter()
        .flat_map(|p| support::read_pcap(p))
        .map(|p| (p.src, p.payload))
        .collect()
}

fn bench_set(c: &mut Criterion, name: &str, paths: &[PathBuf]) {
    let dgrams = load(paths);
    let mut dec = NetflowDecoder::new(Limits::default());
    let mut records = 0u64;
    for _ in 0..2 {
        records = 0;
        for (src, d) in &dgrams {
            if let Ok(s) = dec.decode(*src, d, |_| {}) {
                records += s.records as u64;
            }
        }
    }
    assert!(records > 0, "{name}: no records");
    let mut g = c.benchmark_group("decode");
    g.throughput(Throughput::Elements(records));
    g.bench_function(name, |b| {
        b.iter(|| {
            let mut sum = 0u64;
            for (src, d) in &dgrams {
                let _ = dec.decode(*src, black_box(d), |r| {
                    // Opaque use of the whole record, so no field store can be optimized away.
                    black_box(r);
                    sum += 1;
                });
            }
            black_box(sum)
        })
    });
    // The same datagrams to a sink of leads (what nfacctd decodes when its plugins read
    // nothing past a flow's lead): plain templates' records straight to their lead, the
    // others as records and then their lead.
    g.bench_function(format!("{name}_leads"), |b| {
        b.iter(|| {
            let mut sink = Leads(0);
            for (src, d) in &dgrams {
                let _ = dec.decode_into(*src, black_box(d), &mut sink);
            }
            black_box(sink.0)
        })
    });
    g.finish();
}

/// Counts the leads it gets, each used opaquely.
struct Leads(u64);

impl RecordSink for Leads {
    fn record(&mut self, rec: &FlowRecord<'_>) {
        black_box(rec.lead());
        self.0 += 1;
    }
    fn leads(&self) -> bool {
        true
    }
    fn lead(&mut self, header: &ExportHeader, lead: &LeadFields) {
        black_box((header, lead));
        self.0 += 1;
    }
}

fn benches(c: &mut Criterion) {
    let data = support::data_dir();
    let corpus = support::corpus().join("traffic-reproducer");
    bench_set(c, "v5_softflowd", &[data.join("softflowd-v5.pcap")]);
    bench_set(c, "v9_softflowd", &[data.join("softflowd-v9.pcap")]);
    bench_set(c, "v9_cisco_corpus", &[corpus.join("nfv9-traffic.pcap")]);
    bench_set(c, "ipfix_softflowd", &[data.join("softflowd-ipfix.pcap")]);
    bench_set(
        c,
        "ipfix_multi_sources_corpus",
        &[corpus.join("ipfix-multi-sources.pcap")],
    );
}

criterion_group!(decode, benches);
criterion_main!(decode);
