//! networks_file text of any bytes: parsing never panics, every diagnostic names the file,
//! and lookups/evaluation of addresses taken from the input are consistent (a match
//! contains the address).
#![no_main]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use libfuzzer_sys::fuzz_target;
use pmacct_flow::flow::{mask_addr, Primitives};
use pmacct_flow::Aggregate;
use pmacct_maps::networks::{
    evaluate, parse_as_method, parse_net_method, NetOptions, NetworksTable,
};

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let (t, diags) = NetworksTable::parse("n.lst", &text, sel & 1 != 0);
    for d in &diags {
        assert!(d.err.to_string().starts_with("[n.lst"));
    }
    // Addresses from the tail of the input.
    let tail: Vec<u8> = rest.iter().rev().take(16).copied().collect();
    let mut b16 = [0u8; 16];
    b16[..tail.len()].copy_from_slice(&tail);
    let addrs = [
        IpAddr::V4(Ipv4Addr::new(b16[0], b16[1], b16[2], b16[3])),
        IpAddr::V6(Ipv6Addr::from(b16)),
    ];
    for a in addrs {
        if let Some(e) = t.lookup(a) {
            assert_eq!(mask_addr(a, e.masknum), e.net, "{a} not in {e:?}");
        }
    }
    let net = ["file", "longest", "mask", "netflow"][usize::from(sel >> 1 & 3)];
    let asm = ["file", "longest", "netflow", "true"][usize::from(sel >> 3 & 3)];
    let o = NetOptions {
        net: parse_net_method(net, true).unwrap(),
        asm: parse_as_method(asm, true).unwrap(),
        filter: sel & 1 != 0,
        no_lpm: sel & 0x20 != 0,
        networks_mask: b16[4] % 129,
        no_mask_if_zero: sel & 0x40 != 0,
        bgp_daemon: false,
        isis_daemon: false,
        packet_daemon: sel & 0x80 != 0,
    };
    let agg = Aggregate::parse(&["src_host,dst_host,src_net,dst_net,src_mask,dst_mask,src_as,dst_as,peer_src_as,peer_dst_as,peer_dst_ip"]).unwrap();
    let mut p = Primitives {
        src_ip: Some(addrs[0]),
        dst_ip: Some(addrs[1]),
        src_mask: b16[5],
        dst_mask: b16[6],
        ..Default::default()
    };
    evaluate(Some(&t), &o, &agg, &mut p);
});
