//! sFlow v2/v4/v5 producer: a decoded flow sample -> the flow model, as sfacctd 1.7.7's
//! `SF_*` handlers fill `pkt_data`.

use std::net::{IpAddr, Ipv4Addr};

use pmacct_wire::{FlowRecord, Timestamp};

use super::netflow;
use crate::flow::Flow;

/// Build the flow model from a decoded sFlow flow sample (`rec.sflow` set), as sfacctd
/// 1.7.7's `SF_*` handlers fill `pkt_data`. Differences from NetFlow: `peer_src_ip` is the
/// agent address of the datagram header (not the UDP source), `export_proto_sysid` the
/// sub-agent id, no flow times (sfacctd prints zero timestamps and bins by arrival),
/// `sampling_direction` always `u`, tunnel primitives from the inner headers of a
/// VXLAN/IP-in-IP sampled packet, BGP primitives from the extended gateway record.
/// `use_ip_next_hop` as pmacct's key: an IPv4 next hop of the extended router record is
/// `peer_dst_ip` only with it; an IPv6 one always is (sfacctd 1.7.7 does the same).
pub fn flow(rec: &FlowRecord<'_>, arrival: Timestamp, use_ip_next_hop: bool) -> Flow {
    let Some(s) = rec.sflow else {
        return netflow::flow(rec, IpAddr::V4(Ipv4Addr::UNSPECIFIED), arrival);
    };
    let mut f = netflow::flow(rec, s.datagram.agent, arrival);
    let p = &mut f.prims;
    p.export_proto_sysid = s.datagram.sub_agent_id;
    p.export_proto_seqno = s.datagram.sequence;
    p.export_proto_version = s.datagram.version as u16;
    p.timestamp_start = Timestamp::ZERO;
    p.timestamp_end = Timestamp::ZERO;
    p.timestamp_export = Timestamp::ZERO;
    p.sampling_direction = b'u';
    p.sampling_rate = s.sampling_rate;
    if let Some((tag, tag2)) = s.tag {
        p.tag = tag;
        p.tag2 = tag2;
    }
    p.peer_dst_ip = rec
        .bgp_next_hop
        .or(match s.router.and_then(|r| r.next_hop) {
            Some(IpAddr::V4(a)) if use_ip_next_hop => Some(IpAddr::V4(a)),
            Some(IpAddr::V6(a)) => Some(IpAddr::V6(a)),
            _ => None,
        });
    if let Some(g) = &s.gateway {
        p.local_pref = g.local_pref;
        p.peer_src_as = g.src_peer_as;
        p.peer_dst_as = g.dst_peer_as();
    }
    p.mpls_pw_id = s.mpls_vc.map_or(0, |vc| vc.id);
    p.sflow_in_vlan = s.in_vlan as u16;
    p.sflow_out_vlan = s.out_vlan as u16;
    let pk = &s.packet;
    p.vxlan = pk.vni;
    if pk.tunnel_kind != pmacct_wire::packet::TunnelKind::None {
        let t = &pk.tunnel;
        p.tunnel_src_mac = t.src_mac;
        p.tunnel_dst_mac = t.dst_mac;
        p.tunnel_tos = t.ip.tos;
        if t.has_ip {
            p.tunnel_src_ip = t.ip.src_addr;
            p.tunnel_dst_ip = t.ip.dst_addr;
            p.tunnel_proto = t.ip.proto;
            if t.ip.proto == 6 || t.ip.proto == 17 {
                p.tunnel_src_port = t.ip.src_port;
                p.tunnel_dst_port = t.ip.dst_port;
            }
        }
    }
    f.bin_time = 0;
    f
}
