//! The sFlow module's own helpers; decoding is tested in `crates/wire/tests/sflow_*.rs`.

use super::*;

#[test]
fn header_facts() {
    let mut v5 = vec![0, 0, 0, 5, 0, 0, 0, 1, 192, 0, 2, 9];
    v5.extend_from_slice(&[0, 0, 0, 7, 0, 0, 1, 0]);
    assert_eq!(
        datagram_header(&v5),
        Some(("192.0.2.9".parse().unwrap(), 7, 256))
    );
    let mut v4 = vec![0, 0, 0, 4, 0, 0, 0, 2];
    v4.extend_from_slice(&[0x20, 1, 0xd, 0xb8]);
    v4.extend_from_slice(&[0; 11]);
    v4.extend_from_slice(&[1, 0, 0, 0, 9]);
    assert_eq!(
        datagram_header(&v4),
        Some(("2001:db8::1".parse().unwrap(), 0, 9))
    );
    for n in 0..v5.len() {
        assert_eq!(datagram_header(&v5[..n]), None);
    }
    assert_eq!(
        datagram_header(&[0, 0, 0, 9, 0, 0, 0, 1, 1, 2, 3, 4, 0, 0, 0, 0]),
        None
    );
}
