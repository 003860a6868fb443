//! NetFlow v9: the input is a sequence of datagrams (split on 0xFFFF 0xFFFF markers) fed to
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
        let mut d = vec![0, 9];
        d.extend_from_slice(chunk);
        let src = [192, 0, 2, (i % 3) as u8].into();
        let mut n = 0u32;
        if let Ok(s) = dec.decode(src, &d, |r| {
            n += 1;
            if let Some(raw) = r.raw {
                let _ = raw.element(0, 8);
            }
            // SRv6 (pmacct 1.7.9+): whole addresses, 15 at most.
            if let Some(l) = r.srv6_seg_list {
                assert!(!l.is_empty() && l.len() % 16 == 0 && l.len() <= 240);
            }
        }) {
            assert_eq!(s.records, n);
        }
    }
    assert!(dec.templates().exporter_count() <= 4);
});
