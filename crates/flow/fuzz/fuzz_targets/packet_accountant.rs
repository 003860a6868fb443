//! pmacctd's and uacctd's packet accounting (`PacketAccountant`, its own frame walk, not
//! `pmacct_wire::packet`): byte 0 picks the link type and the options (fragment handling,
//! `pmacctd_ext_sampling_rate`, `pmacctd_time_new`), the rest is the frame, accounted twice
//! (the second time meets the fragment table the first filled). Never panics, and a lead slot
//! that held other values (`Flow::poisoned`, or another frame's flow) ends with the counters
//! and lead the whole flow has.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pmacct_flow::producer::packet::{dlt, PacketAccountant, PacketOptions};
use pmacct_flow::Flow;
use pmacct_wire::Timestamp;

/// Link types pmacctd reads, and one it does not.
const DLTS: [u32; 7] = [
    dlt::EN10MB,
    dlt::RAW,
    dlt::LINUX_SLL,
    dlt::NULL,
    dlt::LOOP,
    dlt::PPP,
    276,
];

fuzz_target!(|data: &[u8]| {
    let Some((&sel, frame)) = data.split_first() else {
        return;
    };
    let linktype = DLTS[usize::from(sel & 7) % DLTS.len()];
    let opts = PacketOptions {
        handle_fragments: sel & 0x10 != 0,
        ext_sampling_rate: if sel & 0x20 != 0 { 10 } else { 0 },
        time_new: sel & 0x40 != 0,
        frag_entries: 4,
        ..Default::default()
    };
    let (mut whole_acct, mut lead_acct, mut other_acct) = (
        PacketAccountant::new(opts),
        PacketAccountant::new(opts),
        PacketAccountant::new(opts),
    );
    // What the lead slot held before: the flow of another frame (every byte inverted).
    let other: Vec<u8> = frame.iter().map(|b| !b).collect();
    for round in 0..2u64 {
        let ts = Timestamp::new(1_700_000_000 + round, 250_000);
        let now = || 100 + round * 10;
        let mut slot = Flow::poisoned();
        let _ = other_acct.account_into(linktype, &other, ts, now, &mut slot, false);
        let mut whole = Flow::default();
        let w = whole_acct.account_into(linktype, frame, ts, now, &mut whole, false);
        let l = lead_acct.account_into(linktype, frame, ts, now, &mut slot, true);
        assert_eq!(w, l);
        if w.is_ok() {
            assert!(slot.lead_eq(&whole), "lead {slot:?}\nwhole {whole:?}");
        }
    }
});
