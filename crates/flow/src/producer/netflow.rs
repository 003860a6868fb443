//! NetFlow v1/v5/v7/v8/v9 and IPFIX producer: a decoded record -> the flow model, as
//! nfacctd 1.7.7's handlers fill `pkt_data`.

use std::net::IpAddr;

use pmacct_wire::{FlowRecord, LeadFields, Timestamp};

use crate::custom::{self, CustomValues};
use crate::flow::{mask_addr, CustomRef, Flow, Primitives, RouteDistinguisher};

/// Build the flow model from a decoded NetFlow/IPFIX record, as nfacctd's handlers fill
/// `pkt_data`: `peer` is the exporter (peer_ip_src), `arrival` the collector's clock.
pub fn flow(rec: &FlowRecord<'_>, peer: IpAddr, arrival: Timestamp) -> Flow {
    let mut f = Flow::default();
    flow_into(rec, peer, arrival, &mut f);
    f
}

/// [`flow`] into `out`, which holds a default flow (a fresh batch slot): only what a record
/// sets is written, in place, so a flow (several hundred bytes) is neither built on the
/// stack nor copied into its batch.
#[inline]
pub fn flow_into(rec: &FlowRecord<'_>, peer: IpAddr, arrival: Timestamp, out: &mut Flow) {
    flow_into_lead(rec, out);
    flow_into_rest(rec, peer, arrival, out);
}

/// What [`flow_into`] writes past the lead (the sFlow producer shares it).
#[inline]
pub(crate) fn flow_into_rest(
    rec: &FlowRecord<'_>,
    peer: IpAddr,
    arrival: Timestamp,
    out: &mut Flow,
) {
    let h = &rec.header;
    let p: &mut Primitives = &mut out.prims;
    p.src_mac = rec.src_mac;
    p.dst_mac = rec.dst_mac;
    p.vlan = rec.vlan;
    p.cos = rec.cos;
    p.etype = rec.etype;
    // pmacct 1.7.7: the address the exporter gives in options data (IE 130/131) wins
    // over the datagram's source.
    p.peer_src_ip = Some(rec.exporter_addr.unwrap_or(peer));
    // BGP next hop only: pmacct uses the IP next hop only with use_ip_next_hop.
    p.peer_dst_ip = rec.bgp_next_hop;
    p.mpls_vpn_rd = match (rec.vrf_id, rec.mpls_vpn_rd) {
        (Some(v), _) if v != 0 => RouteDistinguisher::VrfId(v),
        (_, Some(raw)) => RouteDistinguisher::from_bytes(&raw),
        _ => RouteDistinguisher::None,
    };
    p.src_net = rec.src_addr.map(|a| mask_addr(a, rec.src_mask));
    p.dst_net = rec.dst_addr.map(|a| mask_addr(a, rec.dst_mask));
    p.sampling_rate = if rec.sampling_interval != 0 {
        rec.sampling_interval
    } else if h.version == 5 {
        h.sampling_interval & 0x3FFF
    } else {
        0
    };
    p.sampling_direction = match rec.direction {
        Some(0) => b'i',
        Some(1) => b'e',
        _ => b'u',
    };
    p.post_nat_src_ip = rec.post_nat_src_addr;
    p.post_nat_dst_ip = rec.post_nat_dst_addr;
    p.post_nat_src_port = rec.post_nat_src_port;
    p.post_nat_dst_port = rec.post_nat_dst_port;
    p.nat_event = if rec.nat_event != 0 {
        rec.nat_event
    } else {
        rec.fw_event
    };
    p.mpls_label_top = rec.mpls_label_top;
    p.mpls_label_bottom = rec.mpls_label_bottom;
    p.mpls_stack_depth = rec.mpls_stack_depth;
    if rec.mpls_label_stack_len != 0 {
        p.mpls_label_stack = crate::mpls::MplsLabelStack::new(
            &rec.mpls_label_stack[..usize::from(rec.mpls_label_stack_len).min(10)],
        );
    }
    p.timestamp_arrival = arrival;
    p.timestamp_export = h.export_time;
    p.export_proto_seqno = h.sequence;
    p.export_proto_version = h.version;
    p.export_proto_sysid = if h.version == 5 {
        u32::from(h.engine_id)
    } else {
        h.source_id
    };
    p.engine_type = if h.version == 5 { h.engine_type } else { 0 };
    p.next_hop = rec.next_hop;
    p.direction_raw = rec.direction.unwrap_or(0xFF);
    p.fwd_status = rec.forwarding_status;
    p.vrf_name = vrf_name_id(rec.vrf_name.as_bytes());
    // nfacctd's tunnel primitives (pmacct 1.7.9+): the outer header of SRv6 records.
    p.tunnel_src_ip = rec.tunnel.src_addr;
    p.tunnel_dst_ip = rec.tunnel.dst_addr;
    p.tunnel_proto = rec.tunnel.proto;
    p.tunnel_tos = rec.tunnel.tos;
    p.tunnel_src_port = rec.tunnel.src_port;
    p.tunnel_dst_port = rec.tunnel.dst_port;
    p.tunnel_flow_label = rec.tunnel.flow_label;
    p.nvgre = rec.tunnel.nvgre;
    // layer2SegmentId of type VXLAN, octets 5-7 as pmacct 1.8 reads them.
    p.vxlan = rec.tunnel.vxlan;
    p.flow_label = rec.tunnel.ip_flow_label;
    p.srv6_seg_list = if rec.srv6_seg_list.is_some() {
        crate::srv6::intern(rec.srv6_seg_list)
    } else {
        crate::label::LabelId::NONE
    };
}

/// The counters and the lead of the flow of `rec` ([`crate::flow::LEAD_END`]), every
/// field of them, into `out`: a batch slot whose other fields no plugin reads
/// (`FlowBatch::push_lead`). [`flow_into`] writes these and then the rest.
#[inline]
pub fn flow_into_lead(rec: &FlowRecord<'_>, out: &mut Flow) {
    lead_into(&rec.lead(), out);
}

/// [`flow_into_lead`] from the lead alone: what the decoder gives for the records of plain
/// templates (`pmacct_wire::RecordSink::lead`).
#[inline]
pub fn lead_into(l: &LeadFields, out: &mut Flow) {
    let p: &mut Primitives = &mut out.prims;
    p.timestamp_start = l.start;
    p.timestamp_end = l.end;
    p.tag = 0;
    p.tag2 = 0;
    p.in_iface = l.in_iface;
    p.out_iface = l.out_iface;
    p.src_as = l.src_as;
    p.dst_as = l.dst_as;
    p.src_port = l.src_port;
    p.dst_port = l.dst_port;
    p.proto = l.proto;
    p.tos = l.tos;
    p.src_mask = l.src_mask;
    p.dst_mask = l.dst_mask;
    p.src_ip = l.src_addr;
    p.dst_ip = l.dst_addr;
    p.tunnel_tcp_flags = l.tunnel_tcp_flags;
    p.family = family_of(l.src_addr.or(l.dst_addr));
    out.custom = CustomRef::NONE;
    out.packets = l.packets;
    out.bytes = l.bytes;
    out.flows = if l.flows == 0 { 1 } else { l.flows };
    out.tcp_flags = (l.tcp_flags & 0xFF) as u8;
    out.flow_type = l.flow_type;
    out.bin_time = l.start.secs;
    out.time_start_usecs = l.start.usecs;
    out.label_reset = false;
}

/// The interned id of a VRF name: its valid UTF-8 prefix (JSON and Avro carry text), empty
/// when the string table is full.
fn vrf_name_id(b: &[u8]) -> crate::label::LabelId {
    if b.is_empty() {
        return crate::label::LabelId::NONE;
    }
    let s = match std::str::from_utf8(b) {
        Ok(s) => s,
        Err(e) => std::str::from_utf8(&b[..e.valid_up_to()]).unwrap_or(""),
    };
    crate::label::intern(s).unwrap_or(crate::label::LabelId::NONE)
}

fn family_of(a: Option<IpAddr>) -> u8 {
    match a {
        Some(IpAddr::V4(_)) => 4,
        Some(IpAddr::V6(_)) => 6,
        None => 0,
    }
}

/// peer_dst_ip with `use_ip_next_hop` (pmacct's NF_peer_dst_ip_handler): the IPv4 BGP
/// (or MPLS top label) next hop, else the IPv4 IP next hop, else the IPv6 ones in the
/// same order. An IPv4 IP next hop wins over an IPv6 BGP one, as pmacct's `else if` chain.
pub fn ip_next_hop_peer(rec: &FlowRecord<'_>) -> Option<IpAddr> {
    match (rec.bgp_next_hop, rec.next_hop) {
        (Some(b @ IpAddr::V4(_)), _) => Some(b),
        (_, Some(n @ IpAddr::V4(_))) => Some(n),
        (Some(b), _) => Some(b),
        (None, n) => n,
    }
}

/// The custom primitive values (`aggregate_primitives`) of `rec` into `out`, when an
/// aggregate uses some and the record carries its raw fields (v9/IPFIX). False: the flow has
/// none (they travel beside the flow, see `FlowBatch`).
#[inline]
pub fn custom_values(rec: &FlowRecord<'_>, out: &mut CustomValues) -> bool {
    if !custom::active() {
        return false;
    }
    let Some(raw) = &rec.raw else {
        return false;
    };
    *out = CustomValues::EMPTY;
    custom::extract(raw, out);
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use pmacct_wire::record::ExportHeader;

    #[test]
    fn from_netflow_and_renormalize() {
        let rec = FlowRecord {
            fields: pmacct_wire::FlowFields {
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
            },
            ..Default::default()
        };
        let peer: IpAddr = "138.187.57.55".parse().unwrap();
        let mut f = flow(&rec, peer, Timestamp::new(1, 2));
        assert_eq!(f.prims.peer_dst_ip, rec.bgp_next_hop);
        assert_eq!(f.prims.mpls_vpn_rd, RouteDistinguisher::VrfId(1610612736));
        assert_eq!(f.prims.sampling_direction, b'i');
        assert_eq!(f.bin_time, 1677577615, "falls back to the export time");
        assert_eq!(f.flows, 1);
        f.renormalize();
        assert_eq!((f.packets, f.bytes, f.prims.sampling_rate), (300, 18000, 1));
        assert_eq!(f.prims.peer_src_ip, Some(peer));
    }

    /// The lead writer sets every field of the counters and the lead as the whole-flow
    /// writer does, over a slot that held other values (the poisoned one).
    #[test]
    fn lead_writer_matches_the_whole_flow() {
        let rich = pmacct_wire::FlowFields {
            header: ExportHeader {
                version: 9,
                export_time: Timestamp::new(1677577615, 0),
                ..Default::default()
            },
            src_addr: Some("2001:db8::1".parse().unwrap()),
            dst_addr: Some("2001:db8::2".parse().unwrap()),
            src_mask: 64,
            dst_mask: 48,
            in_iface: 3,
            out_iface: 4,
            src_as: 65001,
            dst_as: 65002,
            src_port: 443,
            dst_port: 51000,
            proto: 6,
            tos: 0x28,
            tcp_flags: 0x1_1B,
            packets: 9,
            bytes: 900,
            first: Timestamp::new(1677577600, 120_000),
            last: Timestamp::new(1677577610, 5_000),
            ..Default::default()
        };
        let mut v5 = rich;
        v5.header.version = 5;
        v5.first = Timestamp::ZERO;
        v5.flows = 3;
        let mut no_start = rich;
        no_start.first = Timestamp::ZERO;
        no_start.src_addr = None;
        no_start.dst_addr = Some("192.0.2.7".parse().unwrap());
        no_start.tunnel.tcp_flags = 0x12;
        no_start.flow_type = pmacct_wire::FlowType::Event;
        for fields in [rich, v5, no_start, pmacct_wire::FlowFields::default()] {
            let rec = FlowRecord {
                fields,
                ..Default::default()
            };
            let mut lead = *crate::flow::POISONED;
            flow_into_lead(&rec, &mut lead);
            let mut whole = Flow::default();
            flow_into(
                &rec,
                "192.0.2.1".parse().unwrap(),
                Timestamp::new(5, 6),
                &mut whole,
            );
            assert_eq!(crate::flow::lead_of(&lead), crate::flow::lead_of(&whole));
        }
    }

    #[test]
    fn exporter_address_of_options_data_is_peer_src_ip() {
        let exp: IpAddr = "203.0.113.19".parse().unwrap();
        let rec = FlowRecord {
            fields: pmacct_wire::FlowFields {
                exporter_addr: Some(exp),
                ..Default::default()
            },
            ..Default::default()
        };
        let f = flow(&rec, "127.0.0.4".parse().unwrap(), Timestamp::new(1, 2));
        assert_eq!(f.prims.peer_src_ip, Some(exp));
    }

    /// vrf_name: the decoder's name, interned; invalid UTF-8 keeps its valid prefix.
    #[test]
    fn vrf_name_is_interned() {
        let with = |name: &[u8]| {
            let rec = FlowRecord {
                fields: pmacct_wire::FlowFields {
                    vrf_name: pmacct_wire::VrfName::from_ie(name),
                    ..Default::default()
                },
                ..Default::default()
            };
            let f = flow(&rec, "127.0.0.4".parse().unwrap(), Timestamp::new(1, 2));
            crate::label::resolve(f.prims.vrf_name)
        };
        assert_eq!(with(b"blue\0junk"), "blue");
        assert_eq!(with(b"gr\xffeen"), "gr");
        assert_eq!(with(b""), "");
    }
}
