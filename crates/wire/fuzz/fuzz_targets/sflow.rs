//! sFlow: any bytes as a datagram (version forced to 2, 4 or 5 half of the time so the sample
//! walkers get exercised). Records handed out must be consistent with the stats, and every
//! counter record and lazily-read view (AS path, communities, label stacks) is walked. The
//! leads path (what sfacctd takes when its plugins read only the lead) must give each
//! record's lead, rate and tags, in order, with the same stats: plain samples' leads read
//! straight from the datagram, and (`with_whole_samples`) every one from its sample.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pmacct_wire::sflow::{self, Sample};
use pmacct_wire::SflowDecoder;

fuzz_target!(|data: &[u8]| {
    let mut d = data.to_vec();
    if let Some(&b) = d.first() {
        if b & 1 == 1 && d.len() >= 4 {
            let v = [2u8, 4, 5][(b as usize >> 1) % 3];
            d[..4].copy_from_slice(&[0, 0, 0, v]);
        }
    }
    let src = [192, 0, 2, 1].into();
    let mut n = 0u32;
    let mut counters = 0u32;
    let mut leads = Vec::new();
    let by_records = SflowDecoder::new().decode_with_counters(
        src,
        &d,
        |r, s| {
            n += 1;
            leads.push((r.lead(), s.sampling_rate, s.tag.unwrap_or((0, 0))));
            assert_eq!(r.packets, 1);
            if let Some(g) = s.gateway {
                let _ = g.dst_as_path.asns().count();
                let _ = g.dst_as_path.segments().count();
                let _ = g.communities().count();
                let _ = (g.dst_as(), g.dst_peer_as());
            }
            if let Some(m) = s.mpls {
                let _ = m.in_stack.entries().count();
            }
        },
        |c| counters += c.records().count() as u32 + 1,
    );
    for whole in [false, true] {
        let mut got = Vec::new();
        let by_leads = SflowDecoder::new()
            .with_whole_samples(whole)
            .decode_leads_with_counters(
                src,
                &d,
                |l, s| got.push((*l, s.sampling_rate, s.tag)),
                |_| {},
            );
        assert_eq!(got, leads);
        assert_eq!(format!("{by_records:?}"), format!("{by_leads:?}"));
    }
    if let Ok(s) = by_records {
        assert_eq!(s.records, n);
        assert!(s.records <= s.flow_samples);
        assert!(counters >= s.counter_samples.min(counters));
    }
    let _ = sflow::walk(src, &d, |s| {
        if let Sample::Flow(f) = s {
            let _ = sflow::to_record(f);
        }
    });
});
