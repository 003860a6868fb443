//! The one table from IPFIX / NetFlow v9 information elements to `FlowRecord` fields.
//!
//! Every element pmacct 1.7.7 turns into a primitive is listed here, with the Cisco, Juniper,
//! Huawei and VMware elements seen in the corpus. Elements that map to no field are still
//! reachable through `FlowRecord::raw`. Where several elements feed one field (IE 1 and IE 85
//! for bytes, IE 56 and IE 81 for the source MAC...), the `rank` decides which one a template
//! uses: lower wins, the others are left to `raw`, so the result does not depend on field order.
//! An element repeated in one template (a tunnel's outer then inner header) is read from its
//! last occurrence, as pmacct 1.7.7 does.

use crate::record::{FlowRecord, Timestamp};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Where an element's value goes. `Unmapped` elements are skipped by the decoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Element {
    Unmapped,
    Bytes,
    Packets,
    Flows,
    Proto,
    Tos,
    TcpFlags,
    SrcPort,
    DstPort,
    /// IPv4 source address (IE 8; a 16-byte value is taken as IPv6).
    SrcAddr,
    DstAddr,
    /// IPv4 prefix lengths (IE 9/13).
    SrcMask,
    DstMask,
    /// IPv6 addresses and prefix lengths (IE 27/28/29/30). Kept apart from the IPv4 ones:
    /// a template may carry both families, and which one a record uses is decided per record
    /// once it is read (see [`finish`]), as pmacct 1.7.7 does.
    SrcAddr6,
    DstAddr6,
    SrcMask6,
    DstMask6,
    /// ipVersion (IE 60): when 4 or 6, it alone decides the record's address family.
    IpVersion,
    InIface,
    OutIface,
    SrcAs,
    DstAs,
    NextHop,
    BgpNextHop,
    SrcMac,
    DstMac,
    /// vlanId (IE 58), postVlanId (IE 59), dot1qVlanId (IE 243), postDot1qVlanId (IE 254):
    /// which one a record uses depends on its flowDirection (see [`finish`]).
    Vlan,
    PostVlan,
    Dot1qVlan,
    PostDot1qVlan,
    Cos,
    Etype,
    /// MPLS label stack entry N (0-based, IE 70 + N).
    MplsLabel(u8),
    MplsVpnRd,
    VrfId,
    EgressVrfId,
    VrfName,
    /// sysUptime-relative milliseconds (v9 IE 22/21); 8-byte variants are absolute ms.
    FirstUptime,
    LastUptime,
    FirstSecs,
    LastSecs,
    FirstMillis,
    LastMillis,
    /// NTP-format absolute times (IE 154/155 µs, 156/157 ns).
    FirstNtp,
    LastNtp,
    /// Microseconds before the export time (IE 158/159).
    FirstDeltaMicros,
    LastDeltaMicros,
    Direction,
    SamplingInterval,
    /// samplingPacketSpace (IE 306): with IE 305, rate = (interval + space) / interval.
    SamplingSpace,
    /// samplingSize (IE 309) and samplingPopulation (IE 310): random n-out-of-N sampling
    /// (RFC 5477), rate = population / size; Cisco sends these with selectorAlgorithm 3.
    SamplingSize,
    SamplingPopulation,
    SamplingAlgorithm,
    SamplerId,
    PostNatSrcAddr,
    PostNatDstAddr,
    PostNatSrcPort,
    PostNatDstPort,
    NatEvent,
    FwEvent,
    ForwardingStatus,
    ApplicationId,
    /// systemInitTimeMilliseconds (IE 160): lets IPFIX records use IE 21/22.
    SystemInitMillis,
    /// exporterIPv4Address / exporterIPv6Address (IE 130/131), 4 or 16 bytes.
    ExporterAddr,
}

/// One table row: enterprise number (0 = IANA), element id, name, target, rank.
pub struct IeEntry {
    pub pen: u32,
    pub id: u16,
    pub name: &'static str,
    pub element: Element,
    pub rank: u8,
}

const fn e(pen: u32, id: u16, name: &'static str, element: Element, rank: u8) -> IeEntry {
    IeEntry {
        pen,
        id,
        name,
        element,
        rank,
    }
}

pub const PEN_CISCO: u32 = 9;
pub const PEN_JUNIPER: u32 = 2636;
pub const PEN_HUAWEI: u32 = 2011;
pub const PEN_VMWARE: u32 = 6876;

use Element as E;

/// The table. Sorted by (pen, id) so lookups can binary-search it.
pub static IE_TABLE: &[IeEntry] = &[
    e(0, 1, "octetDeltaCount", E::Bytes, 0),
    e(0, 2, "packetDeltaCount", E::Packets, 0),
    e(0, 3, "deltaFlowCount", E::Flows, 0),
    e(0, 4, "protocolIdentifier", E::Proto, 0),
    e(0, 5, "ipClassOfService", E::Tos, 0),
    e(0, 6, "tcpControlBits", E::TcpFlags, 0),
    e(0, 7, "sourceTransportPort", E::SrcPort, 0),
    e(0, 8, "sourceIPv4Address", E::SrcAddr, 0),
    e(0, 9, "sourceIPv4PrefixLength", E::SrcMask, 0),
    e(0, 10, "ingressInterface", E::InIface, 0),
    e(0, 11, "destinationTransportPort", E::DstPort, 0),
    e(0, 12, "destinationIPv4Address", E::DstAddr, 0),
    e(0, 13, "destinationIPv4PrefixLength", E::DstMask, 0),
    e(0, 14, "egressInterface", E::OutIface, 0),
    e(0, 15, "ipNextHopIPv4Address", E::NextHop, 0),
    e(0, 16, "bgpSourceAsNumber", E::SrcAs, 0),
    e(0, 17, "bgpDestinationAsNumber", E::DstAs, 0),
    e(0, 18, "bgpNextHopIPv4Address", E::BgpNextHop, 0),
    e(0, 21, "flowEndSysUpTime", E::LastUptime, 0),
    e(0, 22, "flowStartSysUpTime", E::FirstUptime, 0),
    e(0, 23, "postOctetDeltaCount", E::Bytes, 3),
    e(0, 24, "postPacketDeltaCount", E::Packets, 3),
    e(0, 27, "sourceIPv6Address", E::SrcAddr6, 0),
    e(0, 28, "destinationIPv6Address", E::DstAddr6, 0),
    e(0, 29, "sourceIPv6PrefixLength", E::SrcMask6, 0),
    e(0, 30, "destinationIPv6PrefixLength", E::DstMask6, 0),
    e(0, 34, "samplingInterval", E::SamplingInterval, 0),
    e(0, 35, "samplingAlgorithm", E::SamplingAlgorithm, 0),
    // pmacct takes peer_dst_ip from the MPLS top label address when no BGP next hop is sent.
    e(0, 47, "mplsTopLabelIPv4Address", E::BgpNextHop, 1),
    e(0, 48, "samplerId", E::SamplerId, 0),
    e(0, 49, "samplerMode", E::SamplingAlgorithm, 1),
    e(0, 50, "samplerRandomInterval", E::SamplingInterval, 1),
    e(0, 56, "sourceMacAddress", E::SrcMac, 0),
    e(0, 57, "postDestinationMacAddress", E::DstMac, 1),
    e(0, 58, "vlanId", E::Vlan, 0),
    e(0, 59, "postVlanId", E::PostVlan, 0),
    e(0, 60, "ipVersion", E::IpVersion, 0),
    e(0, 61, "flowDirection", E::Direction, 0),
    e(0, 62, "ipNextHopIPv6Address", E::NextHop, 1),
    e(0, 63, "bgpNextHopIPv6Address", E::BgpNextHop, 2),
    e(0, 70, "mplsTopLabelStackSection", E::MplsLabel(0), 0),
    e(0, 71, "mplsLabelStackSection2", E::MplsLabel(1), 0),
    e(0, 72, "mplsLabelStackSection3", E::MplsLabel(2), 0),
    e(0, 73, "mplsLabelStackSection4", E::MplsLabel(3), 0),
    e(0, 74, "mplsLabelStackSection5", E::MplsLabel(4), 0),
    e(0, 75, "mplsLabelStackSection6", E::MplsLabel(5), 0),
    e(0, 76, "mplsLabelStackSection7", E::MplsLabel(6), 0),
    e(0, 77, "mplsLabelStackSection8", E::MplsLabel(7), 0),
    e(0, 78, "mplsLabelStackSection9", E::MplsLabel(8), 0),
    e(0, 79, "mplsLabelStackSection10", E::MplsLabel(9), 0),
    e(0, 80, "destinationMacAddress", E::DstMac, 0),
    e(0, 81, "postSourceMacAddress", E::SrcMac, 1),
    e(0, 85, "octetTotalCount", E::Bytes, 1),
    e(0, 86, "packetTotalCount", E::Packets, 1),
    e(0, 89, "forwardingStatus", E::ForwardingStatus, 0),
    e(0, 90, "mplsVpnRouteDistinguisher", E::MplsVpnRd, 0),
    e(0, 95, "applicationId", E::ApplicationId, 0),
    e(0, 130, "exporterIPv4Address", E::ExporterAddr, 0),
    e(0, 131, "exporterIPv6Address", E::ExporterAddr, 1),
    e(0, 140, "mplsTopLabelIPv6Address", E::BgpNextHop, 3),
    e(0, 150, "flowStartSeconds", E::FirstSecs, 2),
    e(0, 151, "flowEndSeconds", E::LastSecs, 2),
    e(0, 152, "flowStartMilliseconds", E::FirstMillis, 1),
    e(0, 153, "flowEndMilliseconds", E::LastMillis, 1),
    e(0, 154, "flowStartMicroseconds", E::FirstNtp, 3),
    e(0, 155, "flowEndMicroseconds", E::LastNtp, 3),
    e(0, 156, "flowStartNanoseconds", E::FirstNtp, 4),
    e(0, 157, "flowEndNanoseconds", E::LastNtp, 4),
    e(0, 158, "flowStartDeltaMicroseconds", E::FirstDeltaMicros, 5),
    e(0, 159, "flowEndDeltaMicroseconds", E::LastDeltaMicros, 5),
    e(0, 160, "systemInitTimeMilliseconds", E::SystemInitMillis, 0),
    e(0, 225, "postNATSourceIPv4Address", E::PostNatSrcAddr, 0),
    e(
        0,
        226,
        "postNATDestinationIPv4Address",
        E::PostNatDstAddr,
        0,
    ),
    e(0, 227, "postNAPTSourceTransportPort", E::PostNatSrcPort, 0),
    e(
        0,
        228,
        "postNAPTDestinationTransportPort",
        E::PostNatDstPort,
        0,
    ),
    e(0, 230, "natEvent", E::NatEvent, 0),
    e(0, 231, "initiatorOctets", E::Bytes, 2),
    e(0, 233, "firewallEvent", E::FwEvent, 0),
    e(0, 234, "ingressVRFID", E::VrfId, 0),
    e(0, 235, "egressVRFID", E::EgressVrfId, 0),
    e(0, 236, "VRFname", E::VrfName, 0),
    e(0, 243, "dot1qVlanId", E::Dot1qVlan, 0),
    e(0, 244, "dot1qPriority", E::Cos, 0),
    e(0, 252, "ingressPhysicalInterface", E::InIface, 1),
    e(0, 253, "egressPhysicalInterface", E::OutIface, 1),
    e(0, 254, "postDot1qVlanId", E::PostDot1qVlan, 0),
    e(0, 256, "ethernetType", E::Etype, 0),
    e(0, 281, "postNATSourceIPv6Address", E::PostNatSrcAddr, 1),
    e(
        0,
        282,
        "postNATDestinationIPv6Address",
        E::PostNatDstAddr,
        1,
    ),
    e(0, 298, "initiatorPackets", E::Packets, 2),
    e(0, 299, "responderPackets", E::Unmapped, 0),
    e(0, 302, "selectorId", E::SamplerId, 1),
    e(0, 304, "selectorAlgorithm", E::SamplingAlgorithm, 2),
    e(0, 305, "samplingPacketInterval", E::SamplingInterval, 2),
    e(0, 306, "samplingPacketSpace", E::SamplingSpace, 0),
    e(0, 309, "samplingSize", E::SamplingSize, 0),
    e(0, 310, "samplingPopulation", E::SamplingPopulation, 0),
    e(0, 351, "layer2SegmentId", E::Unmapped, 0),
    e(0, 352, "layer2OctetDeltaCount", E::Bytes, 4),
    // Cisco ASA NSEL (v9 ids above 32767 are vendor space without the enterprise bit).
    e(0, 33002, "NF_F_FW_EXT_EVENT", E::Unmapped, 0),
    e(0, 40005, "NF_F_FW_EVENT", E::FwEvent, 1),
    e(PEN_CISCO, 12235, "ciscoApplicationHttp", E::Unmapped, 0),
    e(PEN_HUAWEI, 1, "huaweiVrfName", E::Unmapped, 0),
    e(
        PEN_JUNIPER,
        137,
        "juniperCommonPropertiesId",
        E::Unmapped,
        0,
    ),
    e(PEN_VMWARE, 880, "tenantProtocol", E::Unmapped, 0),
    e(PEN_VMWARE, 881, "tenantSourceIPv4", E::Unmapped, 0),
    e(PEN_VMWARE, 882, "tenantDestIPv4", E::Unmapped, 0),
    e(PEN_VMWARE, 883, "tenantSourceIPv6", E::Unmapped, 0),
    e(PEN_VMWARE, 884, "tenantDestIPv6", E::Unmapped, 0),
    e(PEN_VMWARE, 886, "tenantSourcePort", E::Unmapped, 0),
    e(PEN_VMWARE, 887, "tenantDestPort", E::Unmapped, 0),
    e(PEN_VMWARE, 888, "egressInterfaceAttr", E::Unmapped, 0),
    e(PEN_VMWARE, 889, "vxlanExportRole", E::Unmapped, 0),
    e(PEN_VMWARE, 890, "ingressInterfaceAttr", E::Unmapped, 0),
];

/// The table row for (pen, id), if known.
pub fn lookup(pen: u32, id: u16) -> Option<&'static IeEntry> {
    IE_TABLE
        .binary_search_by(|r| (r.pen, r.id).cmp(&(pen, id)))
        .ok()
        .map(|i| &IE_TABLE[i])
}

/// Seconds between the NTP epoch (1900) and the Unix epoch.
const NTP_UNIX_OFFSET: u64 = 2_208_988_800;

/// Unsigned big-endian integer of 1 to 8 bytes (reduced-size encoding, RFC 7011 6.2); longer
/// values keep their low 8 bytes.
#[inline]
pub fn be_uint(b: &[u8]) -> u64 {
    // Fast paths for the usual widths; the fold handles 3, 5-7 and >8 bytes.
    match *b {
        [a] => a as u64,
        [a, b] => u16::from_be_bytes([a, b]) as u64,
        [a, b, c, d] => u32::from_be_bytes([a, b, c, d]) as u64,
        [a, b, c, d, e, f, g, h] => u64::from_be_bytes([a, b, c, d, e, f, g, h]),
        _ => {
            let b = if b.len() > 8 { &b[b.len() - 8..] } else { b };
            b.iter().fold(0u64, |acc, &x| (acc << 8) | x as u64)
        }
    }
}

#[inline]
pub(crate) fn ip(b: &[u8]) -> Option<IpAddr> {
    match b.len() {
        4 => Some(IpAddr::V4(Ipv4Addr::new(b[0], b[1], b[2], b[3]))),
        16 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(b);
            Some(IpAddr::V6(Ipv6Addr::from(a)))
        }
        _ => None,
    }
}

#[inline]
fn mac(b: &[u8]) -> Option<[u8; 6]> {
    b.try_into().ok()
}

/// Facts outside the record needed to turn times into absolute ones.
#[derive(Debug, Clone, Copy, Default)]
pub struct TimeBase {
    pub version: u16,
    pub export_secs: u32,
    pub sys_uptime_ms: u32,
    /// IPFIX systemInitTimeMilliseconds learnt from options data for this exporter/domain.
    pub sys_init_ms: Option<u64>,
}

/// Per-record values that only make sense once the whole record is read.
#[derive(Debug, Clone, Copy, Default)]
pub struct Scratch {
    pub labels: [u32; 10],
    pub label_mask: u16,
    pub sampling_space: u32,
    pub sampling_size: u32,
    pub sampling_population: u32,
    pub first_rel: Option<u32>,
    pub last_rel: Option<u32>,
    pub sys_init_ms: Option<u64>,
    /// The address elements of each family the record carries (IE 8/12, IE 27/28).
    pub has_v4: bool,
    pub has_v6: bool,
    /// First octet of the IPv4 source address (of the destination when the template has no
    /// IPv4 source): what decides the family when both are present.
    pub v4_first_octet: Option<u8>,
    pub src6: Option<IpAddr>,
    pub dst6: Option<IpAddr>,
    pub src_mask6: u8,
    pub dst_mask6: u8,
    /// ipVersion (IE 60), 0 when absent.
    pub ip_version: u8,
    /// VLAN elements present in the template: IE 58, 59, 243, 254.
    pub vlans: [Option<u16>; 4],
    /// egressVRFID (IE 235).
    pub egress_vrf: Option<u32>,
}

/// Absolute time of an uptime-relative value, as pmacct computes it: whole seconds, 32-bit
/// wrapping arithmetic (a `first` after the header uptime wraps, as in pmacct).
#[inline]
pub fn uptime_to_abs(export_secs: u32, sys_uptime_ms: u32, rel_ms: u32) -> Timestamp {
    let secs = export_secs.wrapping_sub(sys_uptime_ms.wrapping_sub(rel_ms) / 1000);
    Timestamp::new(secs as u64, 0)
}

#[inline]
fn ntp_to_ts(v: u64) -> Timestamp {
    let secs = (v >> 32).saturating_sub(NTP_UNIX_OFFSET);
    let usecs = (((v & 0xFFFF_FFFF) * 1_000_000) >> 32) as u32;
    Timestamp::new(secs, usecs)
}

#[inline]
pub(crate) fn millis_to_ts(ms: u64) -> Timestamp {
    Timestamp::new(ms / 1000, ((ms % 1000) * 1000) as u32)
}

#[inline]
fn delta_to_ts(export_secs: u32, delta_us: u64) -> Timestamp {
    let t = (export_secs as u64 * 1_000_000).saturating_sub(delta_us);
    Timestamp::new(t / 1_000_000, (t % 1_000_000) as u32)
}

/// [`be_uint`] of `v`, the start of `w` (the record from `v` on, up to the end of the set):
/// when `w` has 8 bytes, one 8-byte load and a shift, with no branch on the width (which
/// changes from field to field and was mispredicted). The bytes after `v` are shifted out.
#[inline(always)]
pub(crate) fn be_w(v: &[u8], w: &[u8]) -> u64 {
    let n = v.len();
    match w.first_chunk::<8>() {
        Some(b) if (1..=8).contains(&n) => u64::from_be_bytes(*b) >> (64 - 8 * n as u32),
        _ => be_uint(v),
    }
}

/// Store one element value into the record. `v` has the template's length for this field;
/// `w` starts where `v` does and may go on past it (see [`be_w`]).
#[inline(always)]
pub fn apply<'a>(
    el: Element,
    v: &'a [u8],
    w: &[u8],
    rec: &mut FlowRecord<'a>,
    s: &mut Scratch,
    tb: &TimeBase,
) {
    match el {
        E::Unmapped => {}
        E::Bytes => rec.bytes = be_w(v, w),
        E::Packets => rec.packets = be_w(v, w),
        E::Flows => rec.flows = be_w(v, w),
        E::Proto => rec.proto = be_w(v, w) as u8,
        E::Tos => rec.tos = be_w(v, w) as u8,
        E::TcpFlags => rec.tcp_flags = be_w(v, w) as u16,
        E::SrcPort => rec.src_port = be_w(v, w) as u16,
        E::DstPort => rec.dst_port = be_w(v, w) as u16,
        E::SrcAddr => {
            if let Some(a) = ip(v) {
                rec.src_addr = Some(a);
                s.has_v4 = true;
                s.v4_first_octet = Some(v[0]);
            }
        }
        E::DstAddr => {
            if let Some(a) = ip(v) {
                rec.dst_addr = Some(a);
                s.has_v4 = true;
                s.v4_first_octet = s.v4_first_octet.or(Some(v[0]));
            }
        }
        E::SrcMask => rec.src_mask = be_w(v, w) as u8,
        E::DstMask => rec.dst_mask = be_w(v, w) as u8,
        E::SrcAddr6 => {
            if let Some(a) = ip(v) {
                s.src6 = Some(a);
                s.has_v6 = true;
            }
        }
        E::DstAddr6 => {
            if let Some(a) = ip(v) {
                s.dst6 = Some(a);
                s.has_v6 = true;
            }
        }
        E::SrcMask6 => s.src_mask6 = be_w(v, w) as u8,
        E::DstMask6 => s.dst_mask6 = be_w(v, w) as u8,
        E::IpVersion => s.ip_version = be_w(v, w) as u8,
        E::InIface => rec.in_iface = be_w(v, w) as u32,
        E::OutIface => rec.out_iface = be_w(v, w) as u32,
        E::SrcAs => rec.src_as = be_w(v, w) as u32,
        E::DstAs => rec.dst_as = be_w(v, w) as u32,
        E::NextHop => rec.next_hop = ip(v).or(rec.next_hop),
        E::BgpNextHop => rec.bgp_next_hop = ip(v).or(rec.bgp_next_hop),
        E::SrcMac => rec.src_mac = mac(v).unwrap_or(rec.src_mac),
        E::DstMac => rec.dst_mac = mac(v).unwrap_or(rec.dst_mac),
        E::Vlan => s.vlans[0] = Some(be_w(v, w) as u16),
        E::PostVlan => s.vlans[1] = Some(be_w(v, w) as u16),
        E::Dot1qVlan => s.vlans[2] = Some(be_w(v, w) as u16),
        E::PostDot1qVlan => s.vlans[3] = Some(be_w(v, w) as u16),
        E::Cos => rec.cos = be_w(v, w) as u8,
        E::Etype => rec.etype = be_w(v, w) as u16,
        E::MplsLabel(i) => {
            if v.len() >= 3 && (i as usize) < 10 {
                s.labels[i as usize] = be_uint(&v[..3]) as u32;
                s.label_mask |= 1 << i;
            }
        }
        E::MplsVpnRd => {
            if let Ok(rd) = <[u8; 8]>::try_from(v) {
                rec.mpls_vpn_rd = Some(rd)
            }
        }
        E::VrfId => {
            rec.vrf_id = Some(be_w(v, w) as u32);
            // pmacct 1.8 maps VRF names from a 4-byte ingressVRFID only.
            rec.ingress_vrf_id4 = (v.len() == 4).then(|| be_w(v, w) as u32);
        }
        E::EgressVrfId => {
            s.egress_vrf = Some(be_w(v, w) as u32);
            rec.egress_vrf_id = Some(be_w(v, w) as u32);
        }
        E::VrfName => rec.vrf_name_raw = Some(v),
        E::FirstUptime | E::LastUptime => {
            let first = el == E::FirstUptime;
            if v.len() == 8 {
                // Some exporters send 8-byte IE 21/22 as absolute ms; pmacct reads them so.
                let t = millis_to_ts(be_w(v, w));
                if first {
                    rec.first = t
                } else {
                    rec.last = t
                }
            } else {
                let r = be_w(v, w) as u32;
                if first {
                    s.first_rel = Some(r)
                } else {
                    s.last_rel = Some(r)
                }
            }
        }
        E::FirstSecs => rec.first = Timestamp::new(be_w(v, w), 0),
        E::LastSecs => rec.last = Timestamp::new(be_w(v, w), 0),
        E::FirstMillis => rec.first = millis_to_ts(be_w(v, w)),
        E::LastMillis => rec.last = millis_to_ts(be_w(v, w)),
        E::FirstNtp => rec.first = ntp_to_ts(be_w(v, w)),
        E::LastNtp => rec.last = ntp_to_ts(be_w(v, w)),
        E::FirstDeltaMicros => rec.first = delta_to_ts(tb.export_secs, be_w(v, w)),
        E::LastDeltaMicros => rec.last = delta_to_ts(tb.export_secs, be_w(v, w)),
        E::Direction => rec.direction = Some(be_w(v, w) as u8),
        E::SamplingInterval => rec.sampling_interval = be_w(v, w) as u32,
        E::SamplingSpace => s.sampling_space = be_w(v, w) as u32,
        E::SamplingSize => s.sampling_size = be_w(v, w) as u32,
        E::SamplingPopulation => s.sampling_population = be_w(v, w) as u32,
        E::SamplingAlgorithm => rec.sampling_algorithm = be_w(v, w) as u8,
        E::SamplerId => rec.sampler_id = Some(be_w(v, w) as u32),
        E::PostNatSrcAddr => rec.post_nat_src_addr = ip(v).or(rec.post_nat_src_addr),
        E::PostNatDstAddr => rec.post_nat_dst_addr = ip(v).or(rec.post_nat_dst_addr),
        E::PostNatSrcPort => rec.post_nat_src_port = be_w(v, w) as u16,
        E::PostNatDstPort => rec.post_nat_dst_port = be_w(v, w) as u16,
        E::NatEvent => rec.nat_event = be_w(v, w) as u8,
        E::FwEvent => rec.fw_event = be_w(v, w) as u8,
        E::ForwardingStatus => rec.forwarding_status = be_w(v, w) as u8,
        E::ApplicationId => rec.application_id = Some(v),
        E::SystemInitMillis => s.sys_init_ms = Some(be_w(v, w)),
        E::ExporterAddr => rec.exporter_addr = ip(v).or(rec.exporter_addr),
    }
}

/// Address family of a record, pmacct 1.7.7's rule (`NF_evaluate_flow_type`): ipVersion
/// (IE 60) when it says 4 or 6; otherwise, when the record carries both IPv4 and IPv6
/// address elements, IPv4 if the first octet of the IPv4 source address is non-zero and
/// IPv6 if not (exporters fill the family they do not use with zeros); otherwise the one
/// family present. None: no address element and no usable ipVersion.
///
/// pmacct reads the first octet at the IPv4 source's offset even when the template has only
/// an IPv4 destination (then it reads the record's first byte); we read the destination's.
#[inline]
pub fn record_family(s: &Scratch) -> Option<Family> {
    family(s.ip_version, s.has_v4, s.has_v6, s.v4_first_octet)
}

/// [`record_family`] from its parts: ipVersion (0 when absent), whether the record has IPv4
/// and IPv6 address elements, and the first octet of its IPv4 source (else destination).
#[inline]
pub(crate) fn family(
    ip_version: u8,
    has_v4: bool,
    has_v6: bool,
    v4_first_octet: Option<u8>,
) -> Option<Family> {
    match ip_version {
        4 => return Some(Family::V4),
        6 => return Some(Family::V6),
        _ => {}
    }
    match (has_v4, has_v6) {
        (true, true) if v4_first_octet.unwrap_or(0) != 0 => Some(Family::V4),
        (true, true) | (false, true) => Some(Family::V6),
        (true, false) => Some(Family::V4),
        (false, false) => None,
    }
}

/// The absolute time of an uptime-relative IE 21/22 value `rel` (ms): v9 from the header's
/// uptime; IPFIX, which has none, only from systemInitTimeMilliseconds (`sys_init`, the
/// record's or its domain's), else zero.
#[inline]
pub(crate) fn rel_time(tb: &TimeBase, sys_init: Option<u64>, rel: u32) -> Timestamp {
    if tb.version == 10 {
        match sys_init {
            Some(init) => millis_to_ts(init.wrapping_add(rel as u64)),
            None => Timestamp::ZERO,
        }
    } else {
        uptime_to_abs(tb.export_secs, tb.sys_uptime_ms, rel)
    }
}

/// An address family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    V4,
    V6,
}

/// Finish a record once all its fields are applied: address family, uptime-relative times,
/// MPLS stack, packet-space sampling, implied ethertype.
#[inline]
pub fn finish(rec: &mut FlowRecord<'_>, s: &Scratch, tb: &TimeBase) {
    let family = record_family(s);
    if family == Some(Family::V6) {
        // The IPv6 elements, and only they: the IPv4 ones (zeros, or absent) are dropped.
        rec.src_addr = s.src6;
        rec.dst_addr = s.dst6;
        rec.src_mask = s.src_mask6;
        rec.dst_mask = s.dst_mask6;
    }
    // VLAN and VRF id by direction, as pmacct 1.7.7's NF_vlan_handler and
    // NF_mpls_vpn_id_handler: ingress flows (direction 0) use vlanId / dot1qVlanId and the
    // ingress VRF, egress flows (1) postVlanId / postDot1qVlanId and the egress VRF (each VRF
    // falling back to the other when that one is 0); without flowDirection the first VLAN
    // element present in the order 58, 59, 243, 254. Elements count when the template has
    // them, zero or not.
    if s.vlans.iter().any(Option::is_some) {
        let [inv, outv, dot1q, post_dot1q] = s.vlans;
        rec.vlan = match rec.direction {
            Some(0) => inv.or(dot1q),
            Some(1) => outv.or(post_dot1q),
            Some(_) => None,
            None => inv.or(outv).or(dot1q).or(post_dot1q),
        }
        .unwrap_or(0);
    }
    if let Some(egress) = s.egress_vrf {
        let ingress = rec.vrf_id.unwrap_or(0);
        let egress_dir = rec.direction.unwrap_or(0) != 0;
        let mut vrf = 0;
        if ingress != 0 && (!egress_dir || egress == 0) {
            vrf = ingress;
        }
        if egress != 0 && (egress_dir || ingress == 0) {
            vrf = egress;
        }
        rec.vrf_id = Some(vrf);
    }
    if s.first_rel.is_some() || s.last_rel.is_some() {
        let conv = |rel: u32| rel_time(tb, s.sys_init_ms.or(tb.sys_init_ms), rel);
        if let Some(r) = s.first_rel {
            rec.first = conv(r);
        }
        if let Some(r) = s.last_rel {
            rec.last = conv(r);
        }
    }
    if s.label_mask != 0 {
        // The stack, as pmacct reads it: labels from the top while present and non-zero,
        // stopping after the bottom-of-stack bit. Values drop the EXP and BoS bits (>> 4).
        let mut depth = 0u8;
        for i in 0..10 {
            if s.label_mask & (1 << i) == 0 || s.labels[i] == 0 {
                break;
            }
            let label = s.labels[i] >> 4;
            if depth == 0 {
                rec.mpls_label_top = label;
            }
            rec.mpls_label_bottom = label;
            depth += 1;
            if s.labels[i] & 1 == 1 {
                break;
            }
        }
        rec.mpls_stack_depth = depth;
        label_stack(s, rec);
    }
    if s.sampling_size != 0 && s.sampling_population != 0 {
        // n-out-of-N: samplingPacketInterval, if also sent, is not the rate.
        rec.sampling_interval = (s.sampling_population / s.sampling_size).max(1);
    } else if s.sampling_space != 0 && rec.sampling_interval != 0 {
        rec.sampling_interval = ((rec.sampling_interval as u64 + s.sampling_space as u64)
            / rec.sampling_interval as u64) as u32;
    }
    if rec.etype == 0 {
        rec.etype = match (family, rec.src_addr.or(rec.dst_addr)) {
            (Some(Family::V6), _) => 0x86dd,
            (Some(Family::V4), _) => 0x0800,
            (None, Some(IpAddr::V4(_))) => 0x0800,
            (None, Some(IpAddr::V6(_))) => 0x86dd,
            (None, None) => 0,
        };
    }
}

/// pmacct 1.8's `mpls_label_stack`: labels from the top while present; a zero label ends the
/// stack except at the top (explicit null), where it is kept if it is the bottom of the stack
/// or a non-zero label follows. Stops after the bottom-of-stack bit.
fn label_stack(s: &Scratch, rec: &mut crate::record::FlowFields) {
    let present = |i: usize| i < 10 && s.label_mask & (1 << i) != 0;
    let mut n = 0usize;
    for i in 0..10 {
        if !present(i) {
            break;
        }
        let raw = s.labels[i];
        let label = raw >> 4;
        let bos = raw & 1 == 1;
        if label == 0 {
            let keep = i == 0 && (bos || (present(1) && s.labels[1] >> 4 != 0));
            if !keep {
                break;
            }
        }
        rec.mpls_label_stack[n] = label;
        n += 1;
        if bos {
            break;
        }
    }
    rec.mpls_label_stack_len = n as u8;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique() {
        for w in IE_TABLE.windows(2) {
            assert!(
                (w[0].pen, w[0].id) < (w[1].pen, w[1].id),
                "{} / {}",
                w[0].name,
                w[1].name
            );
        }
        assert_eq!(lookup(0, 8).unwrap().element, Element::SrcAddr);
        assert_eq!(
            lookup(PEN_VMWARE, 890).unwrap().name,
            "ingressInterfaceAttr"
        );
        assert!(lookup(0, 65000).is_none());
    }

    #[test]
    fn no_two_elements_share_a_target_and_rank() {
        // Equal ranks would make the choice depend on field order (the last would win).
        let mut seen = std::collections::HashSet::new();
        for r in IE_TABLE.iter().filter(|r| r.element != Element::Unmapped) {
            assert!(seen.insert((r.element, r.rank)), "{}", r.name);
        }
    }

    #[test]
    fn wide_reads_match_be_uint() {
        let buf: Vec<u8> = (1..=20u8).collect();
        for start in 0..buf.len() {
            for len in 1..=(buf.len() - start).min(10) {
                let v = &buf[start..start + len];
                assert_eq!(be_w(v, &buf[start..]), be_uint(v), "{start} {len}");
                assert_eq!(be_w(v, v), be_uint(v), "{start} {len} alone");
            }
        }
    }

    #[test]
    fn ntp_and_uptime_conversions() {
        // 2023-02-28 09:46:01.5 UTC in NTP format.
        let secs = 1_677_577_561u64 + NTP_UNIX_OFFSET;
        let t = ntp_to_ts((secs << 32) | 0x8000_0000);
        assert_eq!(t, Timestamp::new(1_677_577_561, 500_000));
        // pmacct: export - (uptime - first) / 1000, whole seconds.
        assert_eq!(uptime_to_abs(1000, 5_500, 1_000), Timestamp::new(996, 0));
        // first after uptime wraps like pmacct's unsigned arithmetic.
        assert_eq!(
            uptime_to_abs(1000, 1_000, 2_000).secs,
            1000u32.wrapping_sub(4_294_966) as u64
        );
    }
}
