//! Decoding allocates nothing per record or datagram once an exporter's templates are
//! known: v9 and IPFIX captures decoded again, to a sink of records and to a sink of leads
//! (the plain-template path nfacctd takes when its plugins read only the lead). Counted with
//! a global allocator wrapper, per thread.

mod support;

use std::hint::black_box;
use std::net::IpAddr;

use pmacct_wire::record::ExportHeader;
use pmacct_wire::{FlowRecord, LeadFields, Limits, NetflowDecoder, RecordSink};

#[path = "support/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::allocs;

/// Counts what it gets: records, and leads when it takes them.
struct Count {
    leads: bool,
    records: u64,
    from_leads: u64,
}

impl RecordSink for Count {
    fn record(&mut self, rec: &FlowRecord<'_>) {
        black_box(rec.lead());
        self.records += 1;
    }
    fn leads(&self) -> bool {
        self.leads
    }
    fn lead(&mut self, header: &ExportHeader, lead: &LeadFields) {
        black_box((header, lead));
        self.from_leads += 1;
    }
}

#[test]
fn decoding_known_templates_does_not_allocate() {
    // The counter sees allocations at all.
    let before = allocs();
    black_box(Vec::<u8>::with_capacity(16));
    assert_eq!(allocs() - before, 1);
    let data = support::data_dir();
    for capture in ["softflowd-v9.pcap", "softflowd-ipfix.pcap"] {
        let dgrams: Vec<(IpAddr, Vec<u8>)> = support::read_pcap(&data.join(capture))
            .into_iter()
            .map(|p| (p.src, p.payload))
            .collect();
        let mut dec = NetflowDecoder::new(Limits::default());
        // Templates learnt (the template cache allocates as it grows).
        for (src, d) in &dgrams {
            let _ = dec.decode_into(
                *src,
                d,
                &mut Count {
                    leads: false,
                    records: 0,
                    from_leads: 0,
                },
            );
        }
        for leads in [false, true] {
            let mut sink = Count {
                leads,
                records: 0,
                from_leads: 0,
            };
            let before = allocs();
            for (src, d) in &dgrams {
                let _ = dec.decode_into(*src, black_box(d), &mut sink);
            }
            let n = allocs() - before;
            let got = sink.records + sink.from_leads;
            assert!(got > 100, "{capture}: {got} records");
            if leads {
                assert!(sink.from_leads > 100, "{capture}: no lead path");
            }
            assert_eq!(
                n, 0,
                "{capture}, leads {leads}: {n} allocations for {got} records"
            );
        }
    }
}
