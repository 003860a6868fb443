//! pre_tag_map text of any bytes: reading never panics, every diagnostic names the file,
//! evaluation on flows made from the input terminates and yields labels made of the map's
//! `set_label` values; the tag/label filters and the allow-file reader take the same text.
#![no_main]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use libfuzzer_sys::fuzz_target;
use pmacct_flow::flow::{Flow, Primitives};
use pmacct_maps::allow::AllowList;
use pmacct_maps::pretag::{self, Daemon, LabelFilter, Options, TagFilter, Tags};

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let daemon = match sel % 3 {
        0 => Daemon::Nfacctd,
        1 => Daemon::Sfacctd,
        _ => Daemon::Pmacctd,
    };
    let mut o = Options::new(daemon);
    // Small limits too, so the "cut"/"too long" paths run.
    o.max_entries = if sel & 0x10 != 0 { 3 } else { 384 };
    o.row_len = if sel & 0x20 != 0 { 16 } else { 256 };
    o.networks_file = sel & 0x40 != 0;
    let mut diags = Vec::new();
    let map = pretag::parse("p.map", &text, &o, &mut diags);
    for d in &diags {
        assert!(d.err.to_string().starts_with("[p.map"));
    }
    assert!(map.len() <= o.max_entries);

    // Flows from the tail of the input.
    let tail: Vec<u8> = rest.iter().rev().take(32).copied().collect();
    let mut b = [0u8; 32];
    b[..tail.len()].copy_from_slice(&tail);
    let v4 = |i: usize| IpAddr::V4(Ipv4Addr::new(b[i], b[i + 1], b[i + 2], b[i + 3]));
    let mut b16 = [0u8; 16];
    b16.copy_from_slice(&b[16..32]);
    for (exporter, version) in [(v4(0), 9u16), (IpAddr::V6(Ipv6Addr::from(b16)), 10), (v4(4), 5)] {
        let f = Flow {
            prims: Primitives {
                peer_src_ip: Some(exporter),
                src_ip: Some(v4(8)),
                dst_ip: Some(v4(12)),
                in_iface: u32::from(b[1]),
                out_iface: u32::from(b[2]),
                proto: b[3],
                src_port: u16::from_be_bytes([b[4], b[5]]),
                dst_port: u16::from_be_bytes([b[6], b[7]]),
                vlan: u16::from_be_bytes([b[8], b[9]]),
                mpls_stack_depth: b[10] % 12,
                export_proto_version: version,
                family: 4,
                ..Primitives::default()
            },
            ..Flow::default()
        };
        let mut t = Tags::default();
        map.evaluate(&f, daemon, &mut t);
        // A label is the map's set_label values joined with ',': never longer than the map.
        assert!(t.label.len() <= text.len() * 2 + 1);
    }

    if let Ok(tf) = TagFilter::parse(&text) {
        let _ = tf.allows(u64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]));
    }
    let lf = LabelFilter::parse(&text);
    let _ = lf.allows(&text);
    let mut d = Vec::new();
    let allow = AllowList::parse("a.lst", &text, &mut d);
    assert!(allow.len() <= pmacct_maps::allow::MAX_ENTRIES);
    let _ = allow.allows(v4(0));
    let _ = allow.allows(IpAddr::V6(Ipv6Addr::from(b16)));
});
