//! The owned flow model: one fixed-size, `Copy` value per record with every primitive pmacct
//! can aggregate on, plus counters. No heap: the core builds these in batches and every plugin
//! masks them with its own aggregate.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub use pmacct_wire::record::FlowType;
use pmacct_wire::{FlowRecord, Timestamp};

use crate::custom::CustomValues;
pub use crate::rd::RouteDistinguisher;

/// Every primitive value of one flow. `Copy + Hash + Eq`: the aggregation key is this struct
/// with the unaggregated fields reset to their defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Primitives {
    pub tag: u64,
    pub tag2: u64,
    pub src_mac: [u8; 6],
    pub dst_mac: [u8; 6],
    pub vlan: u16,
    pub cos: u8,
    pub etype: u16,
    pub src_as: u32,
    pub dst_as: u32,
    pub local_pref: u32,
    pub src_local_pref: u32,
    pub med: u32,
    pub src_med: u32,
    /// RPKI status as pmacct's letter (`u` unknown when 0).
    pub src_roa: u8,
    pub dst_roa: u8,
    pub peer_src_as: u32,
    pub peer_dst_as: u32,
    pub peer_src_ip: Option<IpAddr>,
    pub peer_dst_ip: Option<IpAddr>,
    pub in_iface: u32,
    pub out_iface: u32,
    pub mpls_vpn_rd: RouteDistinguisher,
    pub mpls_pw_id: u32,
    pub src_ip: Option<IpAddr>,
    pub src_net: Option<IpAddr>,
    pub dst_ip: Option<IpAddr>,
    pub dst_net: Option<IpAddr>,
    pub src_mask: u8,
    pub dst_mask: u8,
    pub src_port: u16,
    pub dst_port: u16,
    pub proto: u8,
    pub tos: u8,
    pub sampling_rate: u32,
    /// `b'i'`, `b'e'`, `b'u'`, or 0 (empty).
    pub sampling_direction: u8,
    pub post_nat_src_ip: Option<IpAddr>,
    pub post_nat_dst_ip: Option<IpAddr>,
    pub post_nat_src_port: u16,
    pub post_nat_dst_port: u16,
    pub nat_event: u8,
    pub mpls_label_top: u32,
    pub mpls_label_bottom: u32,
    pub mpls_stack_depth: u8,
    pub tunnel_src_mac: [u8; 6],
    pub tunnel_dst_mac: [u8; 6],
    pub tunnel_src_ip: Option<IpAddr>,
    pub tunnel_dst_ip: Option<IpAddr>,
    pub tunnel_proto: u8,
    pub tunnel_tos: u8,
    pub tunnel_src_port: u16,
    pub tunnel_dst_port: u16,
    pub vxlan: u32,
    pub timestamp_start: Timestamp,
    pub timestamp_end: Timestamp,
    pub timestamp_arrival: Timestamp,
    pub timestamp_export: Timestamp,
    pub export_proto_seqno: u32,
    pub export_proto_version: u16,
    pub export_proto_sysid: u32,
    /// Address family of the flow (4, 6, or 0 if unknown); pmacct prints `peer_ip_dst`
    /// in this family (`addr_to_str2()`), e.g. `::ffff:0.0.0.0` for IPv6 flows.
    pub family: u8,
    /// Values of the custom primitives any plugin aggregates (inline, see `custom`).
    pub custom: CustomValues,
    /// `label` primitive (pre_tag_map `set_label`), interned.
    pub label: crate::label::LabelId,
    /// What pre_tag_map matches on but no primitive prints (never aggregated: `mask()` drops
    /// them). NetFlow v5 header engine type; 0 elsewhere.
    pub engine_type: u8,
    /// IP next hop (IE 15/62, v5 nexthop): pre_tag_map `nexthop`.
    pub next_hop: Option<IpAddr>,
    /// Flow direction as exported (IE 61), 0xFF when absent: pre_tag_map `direction`.
    pub direction_raw: u8,
    /// forwardingStatus (IE 89): pre_tag_map `fwdstatus`.
    pub fwd_status: u8,
    /// sFlow input and output VLAN as sfacctd keeps them (switch record or first 802.1Q
    /// tag): sfacctd's pre_tag_map `vlan` matches either.
    pub sflow_in_vlan: u16,
    pub sflow_out_vlan: u16,
}

/// One flow: primitives, counters and the time used for history binning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Flow {
    pub prims: Primitives,
    pub packets: u64,
    pub bytes: u64,
    pub flows: u64,
    pub tcp_flags: u8,
    pub flow_type: FlowType,
    /// Seconds used to pick the `*_history` bin (pmacct's `time_start`): the flow start, else
    /// the export time; 0 means "now" (the plugin's current bin), as with `nfacctd_time_new`.
    pub bin_time: u64,
}

fn family_of(a: Option<IpAddr>) -> u8 {
    match a {
        Some(IpAddr::V4(_)) => 4,
        Some(IpAddr::V6(_)) => 6,
        None => 0,
    }
}

/// `addr` with all but the first `bits` bits cleared (pmacct's net from address + mask).
pub fn mask_addr(addr: IpAddr, bits: u8) -> IpAddr {
    match addr {
        IpAddr::V4(a) => {
            let b = u32::from(bits.min(32));
            let m = if b == 0 { 0 } else { u32::MAX << (32 - b) };
            IpAddr::V4(Ipv4Addr::from(u32::from(a) & m))
        }
        IpAddr::V6(a) => {
            let b = u32::from(bits.min(128));
            let m = if b == 0 { 0 } else { u128::MAX << (128 - b) };
            IpAddr::V6(Ipv6Addr::from(u128::from(a) & m))
        }
    }
}

impl Flow {
    /// Build the flow model from a decoded NetFlow/IPFIX record, as nfacctd's handlers fill
    /// `pkt_data`: `peer` is the exporter (peer_ip_src), `arrival` the collector's clock.
    pub fn from_netflow(rec: &FlowRecord<'_>, peer: IpAddr, arrival: Timestamp) -> Flow {
        let h = &rec.header;
        let family = family_of(rec.src_addr.or(rec.dst_addr));
        let mpls_vpn_rd = match (rec.vrf_id, rec.mpls_vpn_rd) {
            (Some(v), _) if v != 0 => RouteDistinguisher::VrfId(v),
            (_, Some(raw)) => RouteDistinguisher::from_bytes(&raw),
            _ => RouteDistinguisher::None,
        };
        let sampling_rate = if rec.sampling_interval != 0 {
            rec.sampling_interval
        } else if h.version == 5 {
            h.sampling_interval & 0x3FFF
        } else {
            0
        };
        let sampling_direction = match rec.direction {
            Some(0) => b'i',
            Some(1) => b'e',
            _ => b'u',
        };
        // pmacct's time_start and timestamp_start: the flow start, falling back to the
        // export header time (v9/IPFIX) when the record carried none.
        let start = if rec.first.secs == 0 && (h.version == 9 || h.version == 10) {
            Timestamp::new(h.export_time.secs, 0)
        } else {
            rec.first
        };
        let bin_time = start.secs;
        let prims = Primitives {
            src_mac: rec.src_mac,
            dst_mac: rec.dst_mac,
            vlan: rec.vlan,
            cos: rec.cos,
            etype: rec.etype,
            src_as: rec.src_as,
            dst_as: rec.dst_as,
            peer_src_ip: Some(peer),
            // BGP next hop only: pmacct uses the IP next hop only with use_ip_next_hop.
            peer_dst_ip: rec.bgp_next_hop,
            in_iface: rec.in_iface,
            out_iface: rec.out_iface,
            mpls_vpn_rd,
            src_ip: rec.src_addr,
            src_net: rec.src_addr.map(|a| mask_addr(a, rec.src_mask)),
            dst_ip: rec.dst_addr,
            dst_net: rec.dst_addr.map(|a| mask_addr(a, rec.dst_mask)),
            src_mask: rec.src_mask,
            dst_mask: rec.dst_mask,
            src_port: rec.src_port,
            dst_port: rec.dst_port,
            proto: rec.proto,
            tos: rec.tos,
            sampling_rate,
            sampling_direction,
            post_nat_src_ip: rec.post_nat_src_addr,
            post_nat_dst_ip: rec.post_nat_dst_addr,
            post_nat_src_port: rec.post_nat_src_port,
            post_nat_dst_port: rec.post_nat_dst_port,
            nat_event: if rec.nat_event != 0 {
                rec.nat_event
            } else {
                rec.fw_event
            },
            mpls_label_top: rec.mpls_label_top,
            mpls_label_bottom: rec.mpls_label_bottom,
            mpls_stack_depth: rec.mpls_stack_depth,
            timestamp_start: start,
            timestamp_end: rec.last,
            timestamp_arrival: arrival,
            timestamp_export: h.export_time,
            export_proto_seqno: h.sequence,
            export_proto_version: h.version,
            export_proto_sysid: if h.version == 5 {
                u32::from(h.engine_id)
            } else {
                h.source_id
            },
            family,
            engine_type: if h.version == 5 { h.engine_type } else { 0 },
            next_hop: rec.next_hop,
            direction_raw: rec.direction.unwrap_or(0xFF),
            fwd_status: rec.forwarding_status,
            ..Primitives::default()
        };
        let mut prims = prims;
        if let Some(raw) = &rec.raw {
            crate::custom::extract(raw, &mut prims.custom);
        }
        Flow {
            prims,
            packets: rec.packets,
            bytes: rec.bytes,
            flows: if rec.flows == 0 { 1 } else { rec.flows },
            tcp_flags: (rec.tcp_flags & 0xFF) as u8,
            flow_type: rec.flow_type,
            bin_time,
        }
    }

    /// `nfacctd_renormalize`: scale packets and bytes by the sampling rate; the rate is then
    /// reported as 1 (0 = unknown stays 0).
    pub fn renormalize(&mut self) {
        let r = u64::from(self.prims.sampling_rate);
        if r > 0 {
            self.packets = self.packets.saturating_mul(r);
            self.bytes = self.bytes.saturating_mul(r);
            self.prims.sampling_rate = 1;
        }
    }

    /// `nfacctd_time_new`: bin by the plugin's clock instead of the flow's times.
    pub fn use_arrival_time(&mut self) {
        self.bin_time = 0;
    }
}

impl Flow {
    /// Build the flow model from a decoded sFlow flow sample (`rec.sflow` set), as sfacctd
    /// 1.7.7's `SF_*` handlers fill `pkt_data`. Differences from NetFlow: `peer_src_ip` is the
    /// agent address of the datagram header (not the UDP source), `export_proto_sysid` the
    /// sub-agent id, no flow times (sfacctd prints zero timestamps and bins by arrival),
    /// `sampling_direction` always `u`, tunnel primitives from the inner headers of a
    /// VXLAN/IP-in-IP sampled packet, BGP primitives from the extended gateway record.
    /// `use_ip_next_hop` as pmacct's key: an IPv4 next hop of the extended router record is
    /// `peer_dst_ip` only with it; an IPv6 one always is (sfacctd 1.7.7 does the same).
    pub fn from_sflow(rec: &FlowRecord<'_>, arrival: Timestamp, use_ip_next_hop: bool) -> Flow {
        let Some(s) = rec.sflow else {
            return Flow::from_netflow(rec, IpAddr::V4(Ipv4Addr::UNSPECIFIED), arrival);
        };
        let mut f = Flow::from_netflow(rec, s.datagram.agent, arrival);
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use pmacct_wire::record::ExportHeader;

    #[test]
    fn nets_and_rd() {
        let a: IpAddr = "2001:1700:f101:2000::1".parse().unwrap();
        assert_eq!(mask_addr(a, 41).to_string(), "2001:1700:f100::");
        assert_eq!(
            mask_addr("10.1.2.3".parse().unwrap(), 0).to_string(),
            "0.0.0.0"
        );
        assert_eq!(
            mask_addr("10.1.2.3".parse().unwrap(), 24).to_string(),
            "10.1.2.0"
        );
        let rd = RouteDistinguisher::from_bytes(&[0, 1, 10, 0, 0, 1, 0, 7]);
        assert_eq!(
            rd,
            RouteDistinguisher::Ip {
                ip: Ipv4Addr::new(10, 0, 0, 1),
                val: 7
            }
        );
    }

    #[test]
    fn from_netflow_and_renormalize() {
        let rec = FlowRecord {
            header: ExportHeader {
                version: 9,
                sequence: 147674,
                export_time: Timestamp::new(1677577615, 0),
                ..Default::default()
            },
            src_addr: Some("138.187.58.13".parse().unwrap()),
            dst_addr: Some("138.187.57.33".parse().unwrap()),
            bgp_next_hop: Some("138.187.57.65".parse().unwrap()),
            next_hop: Some("192.0.2.1".parse().unwrap()),
            vrf_id: Some(1610612736),
            direction: Some(0),
            packets: 3,
            bytes: 180,
            sampling_interval: 100,
            ..Default::default()
        };
        let peer: IpAddr = "138.187.57.55".parse().unwrap();
        let mut f = Flow::from_netflow(&rec, peer, Timestamp::new(1, 2));
        assert_eq!(f.prims.peer_dst_ip, rec.bgp_next_hop);
        assert_eq!(f.prims.mpls_vpn_rd, RouteDistinguisher::VrfId(1610612736));
        assert_eq!(f.prims.sampling_direction, b'i');
        assert_eq!(f.bin_time, 1677577615, "falls back to the export time");
        assert_eq!(f.flows, 1);
        f.renormalize();
        assert_eq!((f.packets, f.bytes, f.prims.sampling_rate), (300, 18000, 1));
    }
}
