//! NFLOG netlink receive buffers (what a uacctd socket reads): every message is walked and
//! every packet message parsed; views stay inside the buffer and a prefix never yields more
//! messages than the whole.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pmacct_wire::nflog::{self, Messages};

fuzz_target!(|data: &[u8]| {
    let range = data.as_ptr_range();
    let inside = |s: &[u8]| {
        let r = s.as_ptr_range();
        r.start >= range.start && r.end <= range.end
    };
    let mut n = 0usize;
    for m in Messages::new(data) {
        let Ok(m) = m else { break };
        n += 1;
        assert!(inside(m.payload));
        // Any message is tried as a packet, not only MSG_PACKET ones.
        if let Ok(p) = nflog::parse_packet(m.payload) {
            assert!(inside(p.payload));
            if let Some(h) = p.ethernet_header() {
                assert!(inside(h) && h.len() <= usize::from(p.hwlen));
            }
            if let Some(pr) = p.prefix {
                assert!(inside(pr) && !pr.contains(&0));
            }
            let _ = (p.ifindex_in(), p.ifindex_out());
        }
        if m.kind == nflog::NLMSG_ERROR {
            let _ = nflog::ack_error(m.payload);
        }
    }
    assert!(n <= data.len() / nflog::NLMSG_HDRLEN);
    if !data.is_empty() {
        let fewer = Messages::new(&data[..data.len() - 1]).filter(|m| m.is_ok()).count();
        assert!(fewer <= n);
    }
    // The raw payload of one packet message, as the uacctd decoder sees it.
    let _ = nflog::parse_packet(data);
});
