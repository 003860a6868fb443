//! IPFIX: the input is a sequence of datagrams (split on 0xFFFF 0xFFFF markers) fed to
//! one decoder, so templates from one datagram meet data of the next.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pmacct_wire::{Limits, NetflowDecoder};

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_exporters: 4,
        max_templates_per_exporter: 16,
        ..Limits::default()
    };
    let mut dec = NetflowDecoder::new(limits);
    for (i, chunk) in data.split(|b| *b == 0xFE).enumerate().take(16) {
        let mut d = vec![0, 10];
        d.extend_from_slice(chunk);
        // Make the message length honest half of the time so the sets get exercised.
        if d.len() >= 4 && chunk.first().is_some_and(|b| b & 1 == 1) {
            let len = (d.len().min(65535) as u16).to_be_bytes();
            d[2..4].copy_from_slice(&len);
        }
        let src = [192, 0, 2, (i % 3) as u8].into();
        let mut n = 0u32;
        if let Ok(s) = dec.decode(src, &d, |r| {
            n += 1;
            if let Some(raw) = r.raw {
                let _ = raw.element(0, 8);
            }
            // SRv6 (pmacct 1.7.9+): a kept segment list is whole addresses, 15 at most, and
            // only SRv6 records carry outer addresses.
            if let Some(l) = r.srv6_seg_list {
                assert!(!l.is_empty() && l.len() % 16 == 0 && l.len() <= 240);
            }
            assert!(r.tunnel.srv6 || r.tunnel.src_addr.is_none());
        }) {
            assert_eq!(s.records, n);
        }
    }
    assert!(dec.templates().exporter_count() <= 4);
});
