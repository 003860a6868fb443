//! BMP and BGP message builders shared by the tests and the `bench_rm` example.

#![allow(dead_code)]

pub fn bmp(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut v = vec![3];
    v.extend_from_slice(&((6 + body.len()) as u32).to_be_bytes());
    v.push(kind);
    v.extend_from_slice(body);
    v
}

pub fn peer_hdr(flags: u8, addr: [u8; 4]) -> Vec<u8> {
    let mut v = vec![0, flags];
    v.extend_from_slice(&[0; 20]);
    v.extend_from_slice(&addr);
    v.extend_from_slice(&65001u32.to_be_bytes());
    v.extend_from_slice(&addr);
    v.extend_from_slice(&[0; 8]);
    v
}

pub fn bgp(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut v = vec![0xff; 16];
    v.extend_from_slice(&((19 + body.len()) as u16).to_be_bytes());
    v.push(kind);
    v.extend_from_slice(body);
    v
}

pub fn open(asn: u32, id: [u8; 4]) -> Vec<u8> {
    // My AS agrees with the 4-octet AS capability (1.7.7 refuses the Peer Up otherwise).
    let my_as = u16::try_from(asn).unwrap_or(23456).to_be_bytes();
    let mut b = vec![4, my_as[0], my_as[1], 0, 90];
    b.extend_from_slice(&id);
    b.extend_from_slice(&[8, 2, 6, 65, 4]);
    b.extend_from_slice(&asn.to_be_bytes());
    bgp(1, &b)
}
