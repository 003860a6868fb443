//! Packet-header decoder: the first byte picks the link type, the rest is the frame. Checks
//! the offsets it reports stay inside the frame and that a prefix never decodes more.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pmacct_wire::packet::{self, dlt};

const DLTS: [u32; 9] = [
    dlt::EN10MB,
    dlt::RAW,
    dlt::LINKTYPE_RAW,
    dlt::IPV4,
    dlt::IPV6,
    dlt::LINUX_SLL,
    dlt::LINUX_SLL2,
    dlt::NULL,
    dlt::LOOP,
];

fuzz_target!(|data: &[u8]| {
    let Some((&sel, frame)) = data.split_first() else {
        return;
    };
    let linktype = DLTS[sel as usize % DLTS.len()];
    let p = packet::decode_dlt(linktype, frame);
    assert!((p.l3_offset as usize) <= frame.len());
    assert!((p.l4_offset as usize) <= frame.len() || p.truncated);
    assert!(p.mpls_stack().len() <= packet::MAX_MPLS_LABELS);
    let _ = (p.mpls_label_top(), p.mpls_label_bottom());
    if frame.len() > 1 {
        let q = packet::decode_dlt(linktype, &frame[..frame.len() - 1]);
        assert!(q.mpls_depth <= p.mpls_depth);
        if q.ip.has_l4 {
            assert_eq!(
                (q.ip.src_port, q.ip.dst_port),
                (p.ip.src_port, p.ip.dst_port)
            );
        }
    }
    let _ = packet::decode_mpls(frame);
});
