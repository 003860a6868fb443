//! Decoding allocates nothing per record or datagram once an exporter's templates are
//! known: v9 and IPFIX captures decoded again, to a sink of records and to a sink of leads
//! (the plain-template path nfacctd takes when its plugins read only the lead). Counted with
//! a global allocator wrapper, per thread.

mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;
use std::net::IpAddr;

use pmacct_wire::record::ExportHeader;
use pmacct_wire::{FlowRecord, LeadFields, Limits, NetflowDecoder, RecordSink};

struct Counting;

thread_local! {
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards every call to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: the caller's contract for alloc is passed on unchanged.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: the caller's contract for dealloc is passed on unchanged.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: the caller's contract for realloc is passed on unchanged.
        unsafe { System.realloc(p, l, n) }
    }
}

#[global_allocator]
static A: Counting = Counting;

fn allocs() -> usize {
    ALLOCS.with(|c| c.get())
}

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
