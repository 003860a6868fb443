//! The owned flow model: one fixed-size, `Copy` value per record with every primitive pmacct
//! can aggregate on, plus counters. No heap: the core builds these in batches and every plugin
//! masks them with its own aggregate.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub use pmacct_wire::record::FlowType;
use pmacct_wire::Timestamp;

use crate::custom::CustomValues;
use crate::primitives::{Aggregate, Primitive, SumMode};

/// An MPLS VPN route distinguisher as pmacct prints it (`bgp_rd2str()`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum RouteDistinguisher {
    /// No RD: printed `0:0:0` (type 0, all zero) - pmacct's zeroed rd_t.
    #[default]
    None,
    /// Type 0: 2-byte ASN, 4-byte value.
    As2 { asn: u16, val: u32 },
    /// Type 1: IPv4 address, 2-byte value.
    Ip { ip: Ipv4Addr, val: u16 },
    /// Type 2: 4-byte ASN, 2-byte value.
    As4 { asn: u32, val: u16 },
    /// ingressVRFID (IE 234): `vrfid:<n>`.
    VrfId(u32),
    /// Any other type: `unknown`.
    Unknown,
}

impl RouteDistinguisher {
    /// Decode IE 90 (mplsVpnRouteDistinguisher), 8 bytes network order.
    pub fn from_bytes(b: &[u8; 8]) -> RouteDistinguisher {
        let ty = u16::from_be_bytes([b[0], b[1]]);
        match ty {
            0 => RouteDistinguisher::As2 {
                asn: u16::from_be_bytes([b[2], b[3]]),
                val: u32::from_be_bytes([b[4], b[5], b[6], b[7]]),
            },
            1 => RouteDistinguisher::Ip {
                ip: Ipv4Addr::new(b[2], b[3], b[4], b[5]),
                val: u16::from_be_bytes([b[6], b[7]]),
            },
            2 => RouteDistinguisher::As4 {
                asn: u32::from_be_bytes([b[2], b[3], b[4], b[5]]),
                val: u16::from_be_bytes([b[6], b[7]]),
            },
            _ => RouteDistinguisher::Unknown,
        }
    }
}

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

/// The aggregation key of `p` under `agg`: unaggregated fields reset to their defaults.
pub fn mask(p: &Primitives, agg: &Aggregate) -> Primitives {
    use Primitive::*;
    // family is not part of the key (pmacct keeps the flow type outside the compared
    // primitives and overwrites it on every hit).
    let mut k = Primitives::default();
    macro_rules! keep {
        ($prim:ident, $($field:ident),+) => {
            if agg.contains($prim) { $( k.$field = p.$field; )+ }
        };
    }
    keep!(Tag, tag);
    keep!(Tag2, tag2);
    keep!(Label, label);
    keep!(SrcMac, src_mac);
    keep!(DstMac, dst_mac);
    keep!(Vlan, vlan);
    keep!(Cos, cos);
    keep!(Etype, etype);
    keep!(SrcAs, src_as);
    keep!(DstAs, dst_as);
    keep!(LocalPref, local_pref);
    keep!(SrcLocalPref, src_local_pref);
    keep!(Med, med);
    keep!(SrcMed, src_med);
    keep!(SrcRoa, src_roa);
    keep!(DstRoa, dst_roa);
    keep!(PeerSrcAs, peer_src_as);
    keep!(PeerDstAs, peer_dst_as);
    keep!(PeerSrcIp, peer_src_ip);
    keep!(PeerDstIp, peer_dst_ip);
    keep!(InIface, in_iface);
    keep!(OutIface, out_iface);
    keep!(MplsVpnRd, mpls_vpn_rd);
    keep!(MplsPwId, mpls_pw_id);
    keep!(SrcHost, src_ip);
    keep!(SrcNet, src_net);
    keep!(DstHost, dst_ip);
    keep!(DstNet, dst_net);
    keep!(SrcMask, src_mask);
    keep!(DstMask, dst_mask);
    keep!(SrcPort, src_port);
    keep!(DstPort, dst_port);
    keep!(Proto, proto);
    keep!(Tos, tos);
    keep!(SamplingRate, sampling_rate);
    keep!(SamplingDirection, sampling_direction);
    keep!(PostNatSrcHost, post_nat_src_ip);
    keep!(PostNatDstHost, post_nat_dst_ip);
    keep!(PostNatSrcPort, post_nat_src_port);
    keep!(PostNatDstPort, post_nat_dst_port);
    keep!(NatEvent, nat_event);
    keep!(MplsLabelTop, mpls_label_top);
    keep!(MplsLabelBottom, mpls_label_bottom);
    keep!(MplsStackDepth, mpls_stack_depth);
    keep!(TunnelSrcMac, tunnel_src_mac);
    keep!(TunnelDstMac, tunnel_dst_mac);
    keep!(TunnelSrcHost, tunnel_src_ip);
    keep!(TunnelDstHost, tunnel_dst_ip);
    keep!(TunnelProto, tunnel_proto);
    keep!(TunnelTos, tunnel_tos);
    keep!(TunnelSrcPort, tunnel_src_port);
    keep!(TunnelDstPort, tunnel_dst_port);
    keep!(Vxlan, vxlan);
    keep!(TimestampStart, timestamp_start);
    keep!(TimestampEnd, timestamp_end);
    keep!(TimestampArrival, timestamp_arrival);
    keep!(TimestampExport, timestamp_export);
    keep!(ExportProtoSeqno, export_proto_seqno);
    keep!(ExportProtoVersion, export_proto_version);
    keep!(ExportProtoSysid, export_proto_sysid);
    for c in agg.custom() {
        k.custom.copy_slot(&p.custom, c.off, c.size);
    }
    k
}

/// The keys a `sum_*` aggregate accounts one flow under: the source side and the
/// destination side, each reported in the source column (pmacct's `P_sum_*_insert`).
pub fn sum_keys(p: &Primitives, mode: SumMode) -> [Primitives; 2] {
    let mut a = Primitives::default();
    let mut b = a;
    match mode {
        SumMode::Host => {
            a.src_ip = p.src_ip;
            b.src_ip = p.dst_ip;
        }
        SumMode::Net => {
            a.src_net = p.src_net;
            b.src_net = p.dst_net;
        }
        SumMode::As => {
            a.src_as = p.src_as;
            b.src_as = p.dst_as;
        }
        SumMode::Port => {
            a.src_port = p.src_port;
            b.src_port = p.dst_port;
        }
        SumMode::Mac => {
            a.src_mac = p.src_mac;
            b.src_mac = p.dst_mac;
        }
    }
    [a, b]
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
