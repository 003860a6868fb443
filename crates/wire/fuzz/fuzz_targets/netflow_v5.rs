//! v1/v5/v7/v8: the first two bytes pick the version among the fixed formats.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pmacct_wire::{Limits, NetflowDecoder};

fuzz_target!(|data: &[u8]| {
    if data.is_empty() {
        return;
    }
    let version = [1u16, 5, 7, 8][(data[0] & 3) as usize];
    let mut d = version.to_be_bytes().to_vec();
    d.extend_from_slice(&data[1..]);
    let mut dec = NetflowDecoder::new(Limits::default());
    let mut n = 0u32;
    if let Ok(s) = dec.decode([192, 0, 2, 1].into(), &d, |_| n += 1) {
        assert_eq!(s.records, n);
    }
});
