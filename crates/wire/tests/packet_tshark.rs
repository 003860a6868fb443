//! The packet-header decoder against tshark on whole frames of every link type pmacctd
//! reads (Ethernet with VLAN/QinQ/MPLS/IPv6 extension headers/fragments/VXLAN, raw IP, BSD
//! loopback, Linux SLL and SLL2 captured on a real interface), then the same frames cut at
//! every length: never a panic, and what is decoded from a prefix agrees with the full frame.

mod support;

use pmacct_wire::packet::{self, TunnelKind};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn data(name: &str) -> PathBuf {
    support::data_dir().join("sflow").join(name)
}

/// (linktype, frames) of a classic little- or big-endian pcap.
fn frames(path: &Path) -> (u32, Vec<Vec<u8>>) {
    let b = std::fs::read(path).unwrap();
    let le = b[0] == 0xd4;
    let rd = |o: usize| {
        let s: [u8; 4] = b[o..o + 4].try_into().unwrap();
        if le {
            u32::from_le_bytes(s)
        } else {
            u32::from_be_bytes(s)
        }
    };
    let linktype = rd(20);
    let mut off = 24;
    let mut out = Vec::new();
    while off + 16 <= b.len() {
        let incl = rd(off + 8) as usize;
        out.push(b[off + 16..off + 16 + incl].to_vec());
        off += 16 + incl;
    }
    (linktype, out)
}

/// tshark's header fields of each frame (1-based), by sflow_tshark_expect.py.
fn tshark(pcap: &Path) -> BTreeMap<usize, Value> {
    support::expected_by_frame(
        "sflow_tshark_expect.py",
        &["--frames".as_ref(), pcap.as_os_str()],
    )
    .into_iter()
    .map(|(frame, v)| (frame, v["fields"].clone()))
    .collect()
}

const CAPTURES: [&str; 5] = [
    "packet-eth.pcap",
    "packet-raw.pcap",
    "packet-null.pcap",
    "packet-sll.pcap",
    "packet-sll2.pcap",
];

#[test]
fn frames_match_tshark() {
    if !support::tshark_tools() {
        return;
    }
    for name in CAPTURES {
        let pcap = data(name);
        let (linktype, frames) = frames(&pcap);
        let expected = tshark(&pcap);
        assert_eq!(expected.len(), frames.len(), "{name}");
        let (mut with_ip, mut compared) = (0, 0);
        for (i, f) in frames.iter().enumerate() {
            let p = packet::decode_dlt(linktype, f);
            assert!(!p.malformed, "{name} frame {}", i + 1);
            with_ip += p.has_ip as usize;
            let ours = support::header_fields(&p);
            let at = format!("{name} frame {}: ", i + 1);
            compared += support::assert_fields(&ours, &expected[&(i + 1)], |_| false, &at);
        }
        eprintln!(
            "{name}: {} frames, {with_ip} with IP, {compared} fields equal to tshark",
            frames.len()
        );
        assert!(with_ip * 10 >= frames.len() * 8, "{name}: {with_ip}");
    }
}

#[test]
fn every_prefix_is_consistent() {
    for name in CAPTURES {
        let (linktype, frames) = frames(&data(name));
        for f in &frames {
            let full = packet::decode_dlt(linktype, f);
            for n in 0..f.len() {
                let p = packet::decode_dlt(linktype, &f[..n]);
                // What a prefix decodes is what the full frame says.
                if p.has_ip {
                    assert_eq!(p.ip.src_addr, full.ip.src_addr);
                }
                if p.has_ip && !p.truncated {
                    assert_eq!(p.ip.proto, full.ip.proto);
                }
                if p.ip.has_l4 {
                    assert_eq!(
                        (p.ip.src_port, p.ip.dst_port, p.ip.tcp_flags),
                        (full.ip.src_port, full.ip.dst_port, full.ip.tcp_flags)
                    );
                }
                assert!(p.mpls_depth <= full.mpls_depth);
                assert!(!full.truncated || p.truncated || n == f.len());
            }
        }
    }
}

/// Hand-built frames for what the captures cannot hold.
#[test]
fn crafted_headers() {
    let eth = |et: u16| {
        let mut v = vec![2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2];
        v.extend(et.to_be_bytes());
        v
    };
    let ipv4_tcp = |proto: u8, frag: u16| {
        let mut v = vec![0x46, 0x10, 0, 44, 0, 7];
        v.extend(frag.to_be_bytes());
        v.extend([64, proto, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 1, 1, 0, 0]); // 4 option bytes
        v.extend([
            0x04, 0xd2, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x12, 0, 0,
        ]);
        v.extend([0, 0, 0, 0]);
        v
    };
    // IPv4 with options: L4 found after IHL.
    let mut f = eth(0x0800);
    f.extend(ipv4_tcp(6, 0x2000));
    let p = packet::decode_ethernet(&f);
    assert_eq!(
        (p.ip.src_port, p.ip.dst_port, p.ip.tcp_flags),
        (1234, 80, 0x12)
    );
    assert!(p.ip.frag.is_fragment && p.ip.frag.more && p.ip.frag.offset == 0);
    // Non-first fragment: no ports.
    let mut f = eth(0x0800);
    f.extend(ipv4_tcp(6, 0x0010));
    let p = packet::decode_ethernet(&f);
    assert_eq!(
        (p.ip.frag.offset, p.ip.has_l4, p.ip.src_port),
        (16, false, 0)
    );
    // 802.1ad outer tag, MPLS stack of three ending in IPv4, PPPoE.
    let mut f = eth(0x88a8);
    f.extend([0xa0, 0x64, 0x81, 0x00, 0x00, 0xc8, 0x88, 0x47]);
    f.extend([
        0, 0x01, 0x00, 0x40, 0, 0x02, 0x00, 0x40, 0, 0x03, 0x01, 0x40,
    ]);
    f.extend(ipv4_tcp(6, 0));
    let p = packet::decode_ethernet(&f);
    assert_eq!(
        (p.vlan, p.cos, p.inner_vlan, p.vlan_tags, p.etype),
        (100, 5, 200, 2, 0x8847)
    );
    assert_eq!(p.mpls_stack(), &[16, 32, 48]);
    assert_eq!(
        (p.mpls_label_top(), p.mpls_label_bottom(), p.ip.dst_port),
        (16, 48, 80)
    );
    let mut f = eth(0x8864);
    f.extend([0x11, 0, 0, 1, 0, 48, 0x00, 0x21]);
    f.extend(ipv4_tcp(17, 0));
    let p = packet::decode_ethernet(&f);
    assert_eq!((p.has_ip, p.ip.proto, p.ip.src_port), (true, 17, 1234));
    // IPv6: hop-by-hop, routing, AH, destination options, then ICMPv6.
    let mut f = eth(0x86dd);
    f.extend([0x6b, 0x80, 0, 0, 0, 48, 0, 64]);
    f.extend([0x20, 1, 0xd, 0xb8].iter().chain([0; 12].iter()));
    f.extend(
        [0x20, 1, 0xd, 0xb8]
            .iter()
            .chain([0; 11].iter())
            .chain([2].iter()),
    );
    f.extend([43, 0, 1, 4, 0, 0, 0, 0]); // HBH -> routing
    f.extend([51, 0, 0, 0, 0, 0, 0, 0]); // routing -> AH
    f.extend([60, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]); // AH (len 1: 12 bytes) -> dest opts
    f.extend([58, 0, 1, 4, 0, 0, 0, 0]); // dest opts -> ICMPv6
    f.extend([128, 0, 0, 0, 0, 0, 0, 0]);
    let p = packet::decode_ethernet(&f);
    assert_eq!(
        (p.ip.tos, p.ip.proto, p.ip.icmp_type, p.ip.src_port),
        (0xb8, 58, 128, 0)
    );
    // Every entry point.
    let raw = &f[14..];
    assert_eq!(packet::decode_raw_ip(raw).ip.proto, 58);
    assert_eq!(packet::decode_ipv6(raw).ip.proto, 58);
    let mut null_le = vec![24, 0, 0, 0];
    null_le.extend(raw);
    assert_eq!(packet::decode_null(&null_le).ip.proto, 58);
    let mut lp = vec![0, 0, 0, 2];
    let mut v4 = eth(0x0800);
    v4.extend(ipv4_tcp(6, 0));
    lp.extend(&v4[14..]);
    assert_eq!(packet::decode_loop(&lp).ip.dst_port, 80);
    assert_eq!(packet::decode_ipv4(&v4[14..]).ip.dst_port, 80);
    assert!(packet::decode_dlt(9999, &v4).malformed);
    // IPv4-in-IPv4: the inner header is the tunnel's.
    let mut f = eth(0x0800);
    f.extend(ipv4_tcp(4, 0).iter().take(24));
    f.extend(ipv4_tcp(6, 0));
    let p = packet::decode_ethernet(&f);
    assert_eq!(p.tunnel_kind, TunnelKind::IpInIp);
    assert_eq!((p.tunnel.ip.proto, p.tunnel.ip.dst_port), (6, 80));
}
