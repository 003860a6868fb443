//! A flow sample as the protocol-neutral [`FlowRecord`], derived as sfacctd 1.7.7 derives
//! its primitives.

use super::SflowSample;
use crate::record::{ExportHeader, FlowFields, FlowRecord, LeadFields};
use std::net::IpAddr;

/// The record of a flow sample, derived the way sfacctd 1.7.7 derives its primitives. None
/// when sfacctd would not account the sample (a known, non-IP ethertype).
pub fn to_record<'s>(s: &'s SflowSample<'s>) -> Option<FlowRecord<'s>> {
    let mut rec = FlowRecord::default();
    to_record_into(s, &mut rec).then_some(rec)
}

/// [`to_record`] written into `rec` (every field of it), false where that gives None (`rec`
/// untouched then): the decoder's per-sample path, which reuses one record instead of
/// copying a returned 536-byte value out. An sFlow record borrows nothing from the sample.
pub fn to_record_into(s: &SflowSample<'_>, rec: &mut FlowRecord<'_>) -> bool {
    let p = &s.packet;
    // Which L3 source wins follows sfacctd: the IPv4/IPv6 records are read after (and
    // override) the header decode when both are present.
    if !accounted(s) {
        return false;
    }
    *rec = FlowRecord {
        fields: FlowFields {
            header: ExportHeader {
                version: s.datagram.version as u16,
                sequence: s.datagram.sequence,
                source_id: s.datagram.sub_agent_id,
                sys_uptime_ms: s.datagram.uptime_ms,
                ..Default::default()
            },
            flows: 1,
            packets: 1,
            bytes: s.sampled_packet_size as u64,
            sampling_interval: s.sampling_rate,
            in_iface: s.input,
            out_iface: s.output,
            etype: s.eth_type as u16,
            ..Default::default()
        },
        ..Default::default()
    };
    if p.has_mac {
        rec.src_mac = p.src_mac;
        rec.dst_mac = p.dst_mac;
    }
    if let Some(e) = &s.ethernet {
        rec.src_mac = e.src_mac;
        rec.dst_mac = e.dst_mac;
    }
    rec.vlan = if s.in_vlan != 0 {
        s.in_vlan
    } else {
        s.out_vlan
    } as u16;
    rec.cos = if s.in_priority != 0 {
        s.in_priority
    } else {
        s.out_priority
    } as u8;

    let l = layer34(s);
    (rec.src_addr, rec.dst_addr) = (l.src_addr, l.dst_addr);
    (rec.proto, rec.tos, rec.tcp_flags) = (l.proto, l.tos, l.tcp_flags);
    (rec.src_port, rec.dst_port) = (l.src_port, l.dst_port);

    let labels = s.mpls.map(|m| m.in_stack);
    match labels {
        Some(st) if st.depth() > 0 => {
            let mut it = st.entries();
            let top = it.next().unwrap_or(0);
            let mut bottom = top;
            let mut depth = 1u32;
            if top & 0x100 == 0 {
                for e in it {
                    bottom = e;
                    depth += 1;
                    if e & 0x100 != 0 {
                        break;
                    }
                }
            }
            rec.mpls_label_top = top >> 12;
            rec.mpls_label_bottom = bottom >> 12;
            rec.mpls_stack_depth = depth.min(255) as u8;
        }
        _ if p.mpls_depth > 0 => {
            rec.mpls_label_top = p.mpls_label_top();
            rec.mpls_label_bottom = p.mpls_label_bottom();
            rec.mpls_stack_depth = p.mpls_depth;
        }
        _ => {}
    }

    if let Some(r) = &s.router {
        rec.next_hop = r.next_hop;
    }
    (rec.src_mask, rec.dst_mask) = masks(s);
    if let Some(g) = &s.gateway {
        rec.bgp_next_hop = g.next_hop;
    }
    (rec.src_as, rec.dst_as) = as_pair(s);
    if let Some((src, dst)) = s.nat {
        rec.post_nat_src_addr = src;
        rec.post_nat_dst_addr = dst;
    }
    true
}

/// The lead of [`to_record`]'s record (`FlowRecord::lead`), with no record in between: for
/// a consumer that reads nothing past the lead (a few hundred bytes of record not written
/// and read back per sample).
#[inline]
pub fn to_lead(s: &SflowSample<'_>) -> Option<LeadFields> {
    if !accounted(s) {
        return None;
    }
    let l = layer34(s);
    let (src_mask, dst_mask) = masks(s);
    let (src_as, dst_as) = as_pair(s);
    Some(LeadFields {
        src_addr: l.src_addr,
        dst_addr: l.dst_addr,
        in_iface: s.input,
        out_iface: s.output,
        src_as,
        dst_as,
        packets: 1,
        bytes: s.sampled_packet_size as u64,
        flows: 1,
        src_port: l.src_port,
        dst_port: l.dst_port,
        tcp_flags: l.tcp_flags,
        proto: l.proto,
        tos: l.tos,
        src_mask,
        dst_mask,
        // No flow times in sFlow (and no export time: the start stays zero), no tunnel.
        ..LeadFields::default()
    })
}

/// Whether sfacctd accounts the sample: not when it has a known, non-IP ethertype.
#[inline(always)]
fn accounted(s: &SflowSample<'_>) -> bool {
    s.got_ipv4 || s.got_ipv6 || s.eth_type == 0
}

/// A sample's L3/L4 values as sfacctd derives them.
#[derive(Default)]
struct Layer34 {
    src_addr: Option<IpAddr>,
    dst_addr: Option<IpAddr>,
    proto: u8,
    tos: u8,
    src_port: u16,
    dst_port: u16,
    tcp_flags: u16,
}

/// From the sampled header, then from IPv4/IPv6 records (sfacctd reads whichever came last;
/// exporters send one or the other); ports only for TCP and UDP, flags only for TCP.
#[inline(always)]
fn layer34(s: &SflowSample<'_>) -> Layer34 {
    let p = &s.packet;
    let mut l = Layer34::default();
    if p.has_ip {
        l = Layer34 {
            src_addr: p.ip.src_addr,
            dst_addr: p.ip.dst_addr,
            proto: p.ip.proto,
            tos: p.ip.tos,
            src_port: p.ip.src_port,
            dst_port: p.ip.dst_port,
            tcp_flags: p.ip.tcp_flags as u16,
        };
    }
    if let Some(ip) = s.ipv4.as_ref().or(s.ipv6.as_ref()) {
        l = Layer34 {
            src_addr: ip.src,
            dst_addr: ip.dst,
            proto: ip.protocol as u8,
            tos: ip.tos as u8,
            src_port: ip.src_port as u16,
            dst_port: ip.dst_port as u16,
            tcp_flags: ip.tcp_flags as u16,
        };
    }
    if l.proto != 6 && l.proto != 17 {
        (l.src_port, l.dst_port) = (0, 0);
    }
    if l.proto != 6 {
        l.tcp_flags = 0;
    }
    l
}

/// The extended router data's masks (at most 128), else 0.
#[inline(always)]
fn masks(s: &SflowSample<'_>) -> (u8, u8) {
    s.router.as_ref().map_or((0, 0), |r| {
        (r.src_mask.min(128) as u8, r.dst_mask.min(128) as u8)
    })
}

/// The extended gateway data's source and destination AS, else 0.
#[inline(always)]
fn as_pair(s: &SflowSample<'_>) -> (u32, u32) {
    s.gateway
        .as_ref()
        .map_or((0, 0), |g| (g.src_as, g.dst_as()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sflow::sample::{ExtRouter, SampledIp};
    use std::net::{IpAddr, Ipv4Addr};

    fn v4(a: u8) -> Option<IpAddr> {
        Some(IpAddr::V4(Ipv4Addr::new(10, 0, 0, a)))
    }

    /// The decoder reuses one record for a datagram's samples: what an earlier sample set
    /// (router next hop and masks, NAT, ports) is gone from the next one's record.
    #[test]
    fn into_a_reused_record_gives_what_a_fresh_one_does() {
        let rich = SflowSample {
            got_ipv4: true,
            ipv4: Some(SampledIp {
                protocol: 6,
                src: v4(1),
                dst: v4(2),
                src_port: 443,
                dst_port: 50000,
                tcp_flags: 0x12,
                tos: 8,
                ..Default::default()
            }),
            router: Some(ExtRouter {
                next_hop: v4(254),
                src_mask: 24,
                dst_mask: 16,
            }),
            nat: Some((v4(100), v4(101))),
            sampling_rate: 512,
            input: 3,
            ..Default::default()
        };
        let plain = SflowSample {
            got_ipv4: true,
            ipv4: Some(SampledIp {
                protocol: 17,
                src: v4(7),
                dst: v4(8),
                src_port: 53,
                dst_port: 53,
                ..Default::default()
            }),
            ..Default::default()
        };
        let mut rec = FlowRecord::default();
        assert!(to_record_into(&rich, &mut rec));
        assert_eq!(rec.next_hop, v4(254));
        assert!(to_record_into(&plain, &mut rec));
        assert_eq!(Some(rec.clone()), to_record(&plain));
        assert_eq!(
            (rec.next_hop, rec.src_mask, rec.post_nat_src_addr),
            (None, 0, None)
        );
        // A sample sfacctd does not account (a known non-IP ethertype) leaves it alone.
        let arp = SflowSample {
            eth_type: 0x0806,
            ..Default::default()
        };
        assert!(!to_record_into(&arp, &mut rec));
        assert_eq!(to_record(&arp), None);
        assert_eq!(Some(rec), to_record(&plain));
    }
}
