//! sFlow v2, v4 and v5 decoding (sflow.org "sFlow Version 5" and RFC 3176 for v2/v4).
//!
//! `SflowDecoder::decode` walks one datagram and calls the sink once per accounted flow
//! sample with a reused `FlowRecord` whose `sflow` field points at the full `SflowSample`
//! (sampling facts, sampled header decode, extended records). Counter samples go to a second
//! sink as `CounterSample` views whose counter records are read lazily. Nothing allocates,
//! nothing panics: every length and count is checked against the bytes really present, so a
//! sample count in the millions costs at most one pass over the datagram.
//!
//! Semantics follow sfacctd 1.7.7 (bytes = sampled frame length, packets = 1, interfaces as
//! sent, ports only for TCP/UDP, vlan/cos from the switch record or the first 802.1Q tag,
//! samples whose header is neither IP nor unknown are not accounted). Where 1.7.7 loses or
//! garbles data we do the right thing; see `docs/COMPATIBILITY.md`.

use crate::packet::{self, PacketInfo, ETHERTYPE_IPV4, ETHERTYPE_IPV6};
use crate::record::{ExportHeader, FlowRecord};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Sample types (enterprise 0).
pub const SAMPLE_FLOW: u32 = 1;
pub const SAMPLE_COUNTERS: u32 = 2;
pub const SAMPLE_FLOW_EXPANDED: u32 = 3;
pub const SAMPLE_COUNTERS_EXPANDED: u32 = 4;

/// Flow record formats (enterprise 0 unless noted).
pub mod flow_format {
    pub const HEADER: u32 = 1;
    pub const ETHERNET: u32 = 2;
    pub const IPV4: u32 = 3;
    pub const IPV6: u32 = 4;
    pub const EX_SWITCH: u32 = 1001;
    pub const EX_ROUTER: u32 = 1002;
    pub const EX_GATEWAY: u32 = 1003;
    pub const EX_USER: u32 = 1004;
    pub const EX_URL: u32 = 1005;
    pub const EX_MPLS: u32 = 1006;
    pub const EX_NAT: u32 = 1007;
    pub const EX_MPLS_TUNNEL: u32 = 1008;
    pub const EX_MPLS_VC: u32 = 1009;
    pub const EX_MPLS_FTN: u32 = 1010;
    pub const EX_MPLS_LDP_FEC: u32 = 1011;
    pub const EX_VLAN_TUNNEL: u32 = 1012;
    /// sflow_tunnels.txt: outer headers of encapsulated traffic.
    pub const EX_IPV4_TUNNEL_EGRESS: u32 = 1023;
    pub const EX_IPV4_TUNNEL_INGRESS: u32 = 1024;
    pub const EX_IPV6_TUNNEL_EGRESS: u32 = 1025;
    pub const EX_IPV6_TUNNEL_INGRESS: u32 = 1026;
    pub const EX_DECAP_EGRESS: u32 = 1027;
    pub const EX_DECAP_INGRESS: u32 = 1028;
    pub const EX_VNI_EGRESS: u32 = 1029;
    pub const EX_VNI_INGRESS: u32 = 1030;
    /// pmacct's own records (enterprise 43874): class and tag/tag2.
    pub const PMACCT_CLASS: u32 = (43874 << 12) + 1;
    pub const PMACCT_TAG: u32 = (43874 << 12) + 2;
    pub const PMACCT_CLASS2: u32 = (43874 << 12) + 3;
}

/// Counter record formats (enterprise 0).
pub mod counter_format {
    pub const GENERIC: u32 = 1;
    pub const ETHERNET: u32 = 2;
    pub const TOKENRING: u32 = 3;
    pub const VG: u32 = 4;
    pub const VLAN: u32 = 5;
    pub const PROCESSOR: u32 = 1001;
}

/// Errors that reject a whole datagram (nothing was emitted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SflowError {
    /// Shorter than its header.
    Truncated,
    UnsupportedVersion(u32),
    /// Agent address type other than 1 (IPv4) or 2 (IPv6): the rest cannot be located.
    AgentAddressType(u32),
}

impl SflowError {
    pub fn as_str(self) -> &'static str {
        match self {
            SflowError::Truncated => "truncated",
            SflowError::UnsupportedVersion(_) => "unsupported_version",
            SflowError::AgentAddressType(_) => "bad_agent_address_type",
        }
    }
}

impl std::fmt::Display for SflowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SflowError::UnsupportedVersion(v) => write!(f, "unsupported sFlow version {v}"),
            SflowError::AgentAddressType(t) => write!(f, "unknown sFlow agent address type {t}"),
            e => f.write_str(e.as_str()),
        }
    }
}

impl std::error::Error for SflowError {}

/// Why part of a datagram was not turned into records. Stable names for metric labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DropReason {
    /// The datagram ended before the announced samples (the rest is missing).
    SampleTruncated,
    /// v5 sample length past the end of the datagram or smaller than its fixed part.
    SampleLength,
    /// Sample type we do not know (v5: skipped by its length; v2/v4: rest of datagram lost,
    /// these samples carry no length).
    UnknownSampleType,
    /// Record length past the end of its sample, or record count larger than the sample.
    RecordLength,
    /// A known record whose content does not fit its length (sample dropped).
    RecordMalformed,
    /// v2/v4 packet data type or extended type unknown: the rest of the sample is unreadable.
    UnknownV2v4Type,
    /// Flow sample of a known non-IP protocol (ARP, ...): not accounted, as sfacctd.
    NonIp,
}

impl DropReason {
    pub const ALL: [DropReason; 7] = [
        DropReason::SampleTruncated,
        DropReason::SampleLength,
        DropReason::UnknownSampleType,
        DropReason::RecordLength,
        DropReason::RecordMalformed,
        DropReason::UnknownV2v4Type,
        DropReason::NonIp,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DropReason::SampleTruncated => "sample_truncated",
            DropReason::SampleLength => "bad_sample_length",
            DropReason::UnknownSampleType => "unknown_sample_type",
            DropReason::RecordLength => "bad_record_length",
            DropReason::RecordMalformed => "record_malformed",
            DropReason::UnknownV2v4Type => "unknown_v2v4_type",
            DropReason::NonIp => "non_ip_sample",
        }
    }
}

/// What one datagram gave.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SflowStats {
    pub version: u32,
    /// Samples announced by the header.
    pub samples: u32,
    pub flow_samples: u32,
    pub counter_samples: u32,
    /// Flow records handed to the sink.
    pub records: u32,
    /// Flow/counter records of formats we do not decode, skipped by their length.
    pub unknown_records: u32,
    drops: [u32; DropReason::ALL.len()],
}

impl SflowStats {
    pub fn dropped(&self, reason: DropReason) -> u32 {
        self.drops[reason as usize]
    }
    pub fn total_dropped(&self) -> u32 {
        self.drops.iter().sum()
    }
    pub fn drops(&self) -> impl Iterator<Item = (DropReason, u32)> + '_ {
        DropReason::ALL
            .iter()
            .map(|r| (*r, self.dropped(*r)))
            .filter(|(_, n)| *n > 0)
    }
    fn drop(&mut self, r: DropReason) {
        self.drops[r as usize] = self.drops[r as usize].saturating_add(1);
    }
}

/// Datagram header facts shared by its samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DatagramInfo {
    pub version: u32,
    /// Agent address from the header (sfacctd's `peer_ip_src`).
    pub agent: IpAddr,
    /// Where the datagram came from (UDP source), as given to the decoder.
    pub source: IpAddr,
    /// v5 sub-agent id (`export_proto_sysid`), 0 for v2/v4.
    pub sub_agent_id: u32,
    pub sequence: u32,
    pub uptime_ms: u32,
    pub samples: u32,
}

impl Default for DatagramInfo {
    fn default() -> Self {
        DatagramInfo {
            version: 0,
            agent: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            source: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            sub_agent_id: 0,
            sequence: 0,
            uptime_ms: 0,
            samples: 0,
        }
    }
}

/// Extended switch (1001 / v2-v4 type 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExtSwitch {
    pub src_vlan: u32,
    pub src_priority: u32,
    pub dst_vlan: u32,
    pub dst_priority: u32,
}

/// Extended router (1002 / type 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExtRouter {
    pub next_hop: Option<IpAddr>,
    pub src_mask: u32,
    pub dst_mask: u32,
}

/// Destination AS path: segments of (type, ASNs) in the raw XDR encoding, validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AsPath<'a> {
    /// v5/v4: `segments` segments of (type u32, count u32, count * u32). v2: one flat list.
    raw: &'a [u8],
    segments: u32,
    flat: bool,
}

impl<'a> AsPath<'a> {
    pub fn is_empty(&self) -> bool {
        self.asns().next().is_none()
    }
    /// Every ASN in order, segments concatenated (what sfacctd prints as `as_path`).
    pub fn asns(&self) -> impl Iterator<Item = u32> + 'a {
        let raw = self.raw;
        let flat = self.flat;
        let mut p = 0usize;
        let mut left_in_seg = 0u32;
        std::iter::from_fn(move || loop {
            if flat || left_in_seg > 0 {
                let v = be32(raw, p)?;
                p += 4;
                left_in_seg = left_in_seg.saturating_sub(1);
                return Some(v);
            }
            // Segment header: type, count.
            left_in_seg = be32(raw, p + 4)?;
            p += 8;
        })
    }
    /// (segment type, ASNs) pairs; v2 gives one AS_SEQUENCE (2).
    pub fn segments(&self) -> impl Iterator<Item = (u32, &'a [u8])> + 'a {
        let raw = self.raw;
        let flat = self.flat;
        let mut p = 0usize;
        let mut done = false;
        std::iter::from_fn(move || {
            if done {
                return None;
            }
            if flat {
                done = true;
                return Some((2, raw));
            }
            let t = be32(raw, p)?;
            let n = be32(raw, p + 4)? as usize;
            let s = raw.get(p + 8..p + 8 + n * 4)?;
            p += 8 + n * 4;
            Some((t, s))
        })
    }
    pub fn segment_count(&self) -> u32 {
        self.segments
    }
    /// First ASN (sfacctd `peer_dst_as`) and last ASN (`dst_as`).
    pub fn first_last(&self) -> Option<(u32, u32)> {
        let mut it = self.asns();
        let first = it.next()?;
        Some((first, it.last().unwrap_or(first)))
    }
}

/// Extended gateway (1003 / type 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExtGateway<'a> {
    /// BGP next hop (v5 only).
    pub next_hop: Option<IpAddr>,
    pub as_number: u32,
    pub src_as: u32,
    pub src_peer_as: u32,
    pub dst_as_path: AsPath<'a>,
    /// Standard communities, 4 bytes each (v4/v5).
    pub communities_raw: &'a [u8],
    pub local_pref: u32,
}

impl<'a> ExtGateway<'a> {
    pub fn communities(&self) -> impl Iterator<Item = u32> + 'a {
        self.communities_raw
            .chunks_exact(4)
            .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
    }
    /// Last ASN of the path (sfacctd `dst_as`), 0 without path.
    pub fn dst_as(&self) -> u32 {
        self.dst_as_path.first_last().map_or(0, |(_, l)| l)
    }
    /// First ASN of the path (sfacctd `peer_dst_as`), 0 without path.
    pub fn dst_peer_as(&self) -> u32 {
        self.dst_as_path.first_last().map_or(0, |(f, _)| f)
    }
}

/// Extended user (1004 / type 4): charsets are v5 only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExtUser<'a> {
    pub src_charset: u32,
    pub src_user: &'a [u8],
    pub dst_charset: u32,
    pub dst_user: &'a [u8],
}

/// Extended URL (1005 / type 5): host is v5 only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExtUrl<'a> {
    pub direction: u32,
    pub url: &'a [u8],
    pub host: &'a [u8],
}

/// A label stack as sent (4 bytes per entry, raw label stack entries).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LabelStack<'a> {
    pub raw: &'a [u8],
}

impl<'a> LabelStack<'a> {
    pub fn entries(&self) -> impl Iterator<Item = u32> + 'a {
        self.raw
            .chunks_exact(4)
            .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
    }
    pub fn depth(&self) -> usize {
        self.raw.len() / 4
    }
}

/// Extended MPLS (1006).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExtMpls<'a> {
    pub next_hop: Option<IpAddr>,
    pub in_stack: LabelStack<'a>,
    pub out_stack: LabelStack<'a>,
}

/// Extended MPLS tunnel (1008) / VC (1009) / FTN (1010): name, id, cos-or-mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExtMplsNamed<'a> {
    pub name: &'a [u8],
    pub id: u32,
    pub cos: u32,
}

/// A sampled IPv4/IPv6 record (3/4, and the tunnel records 1023-1026 that reuse them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SampledIp {
    pub length: u32,
    pub protocol: u32,
    pub src: Option<IpAddr>,
    pub dst: Option<IpAddr>,
    pub src_port: u32,
    pub dst_port: u32,
    pub tcp_flags: u32,
    /// ToS (IPv4) or priority (IPv6) as sent.
    pub tos: u32,
}

/// Sampled Ethernet record (2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SampledEthernet {
    pub length: u32,
    pub src_mac: [u8; 6],
    pub dst_mac: [u8; 6],
    pub eth_type: u32,
}

/// One flow sample (compact or expanded form) with everything its records said.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SflowSample<'a> {
    pub datagram: DatagramInfo,
    /// 1 (flow) or 3 (expanded flow).
    pub sample_type: u32,
    pub sequence: u32,
    pub source_id_type: u32,
    pub source_id_index: u32,
    pub sampling_rate: u32,
    pub sample_pool: u32,
    pub drops: u32,
    /// Interface format (top 2 bits of the compact form, or the expanded format word) and
    /// value (compact form: the whole 32-bit word as sfacctd keeps it).
    pub input_format: u32,
    pub input: u32,
    pub output_format: u32,
    pub output: u32,

    /// Raw packet header record (1).
    pub header_protocol: u32,
    pub frame_length: u32,
    pub stripped: u32,
    pub header: &'a [u8],
    pub has_header: bool,
    /// Decode of `header` (all zero without a header record).
    pub packet: PacketInfo,

    pub ethernet: Option<SampledEthernet>,
    pub ipv4: Option<SampledIp>,
    pub ipv6: Option<SampledIp>,
    pub switch: Option<ExtSwitch>,
    pub router: Option<ExtRouter>,
    pub gateway: Option<ExtGateway<'a>>,
    pub user: Option<ExtUser<'a>>,
    pub url: Option<ExtUrl<'a>>,
    pub mpls: Option<ExtMpls<'a>>,
    /// Extended NAT (1007): translated source and destination.
    pub nat: Option<(Option<IpAddr>, Option<IpAddr>)>,
    pub mpls_tunnel: Option<ExtMplsNamed<'a>>,
    pub mpls_vc: Option<ExtMplsNamed<'a>>,
    pub mpls_ftn: Option<ExtMplsNamed<'a>>,
    pub mpls_ldp_fec_prefix_len: Option<u32>,
    pub vlan_tunnel: Option<LabelStack<'a>>,
    pub tunnel_ipv4_egress: Option<SampledIp>,
    pub tunnel_ipv4_ingress: Option<SampledIp>,
    pub tunnel_ipv6_egress: Option<SampledIp>,
    pub tunnel_ipv6_ingress: Option<SampledIp>,
    pub decap_egress_offset: Option<u32>,
    pub decap_ingress_offset: Option<u32>,
    pub vni_egress: Option<u32>,
    pub vni_ingress: Option<u32>,
    /// pmacct's tag record (43874:2): tag, tag2.
    pub tag: Option<(u64, u64)>,

    /// sfacctd's per-sample state after all records, in record order: packet size, VLAN and
    /// priority (switch record or first 802.1Q tag), ethertype.
    pub sampled_packet_size: u32,
    pub in_vlan: u32,
    pub out_vlan: u32,
    pub in_priority: u32,
    pub out_priority: u32,
    pub eth_type: u32,
    /// sfacctd's gotIPV4/gotIPV6: an IPv4/IPv6 packet by the header's ethertype or header
    /// protocol, or an IPv4/IPv6/Ethernet record saying so.
    pub got_ipv4: bool,
    pub got_ipv6: bool,
    /// Records read, and of those skipped as unknown.
    pub records: u32,
    pub unknown_records: u32,
}

/// One counter sample. Records are read lazily with `records()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CounterSample<'a> {
    pub datagram: DatagramInfo,
    /// 2 (counters) or 4 (expanded counters); v2/v4: 2.
    pub sample_type: u32,
    pub sequence: u32,
    pub source_id_type: u32,
    pub source_id_index: u32,
    /// v2/v4 only: counters sampling interval and counters version (1 generic ... 7 vlan).
    pub sampling_interval: u32,
    pub v2v4_version: u32,
    /// v5: number of records (validated against `body`).
    pub num_records: u32,
    body: &'a [u8],
}

/// Generic interface counters (format 1, 88 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IfCounters {
    pub if_index: u32,
    pub if_type: u32,
    pub if_speed: u64,
    pub if_direction: u32,
    pub if_status: u32,
    pub if_in_octets: u64,
    pub if_in_ucast_pkts: u32,
    pub if_in_multicast_pkts: u32,
    pub if_in_broadcast_pkts: u32,
    pub if_in_discards: u32,
    pub if_in_errors: u32,
    pub if_in_unknown_protos: u32,
    pub if_out_octets: u64,
    pub if_out_ucast_pkts: u32,
    pub if_out_multicast_pkts: u32,
    pub if_out_broadcast_pkts: u32,
    pub if_out_discards: u32,
    pub if_out_errors: u32,
    pub if_promiscuous_mode: u32,
}

/// Ethernet interface counters (format 2, 52 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EthCounters {
    pub alignment_errors: u32,
    pub fcs_errors: u32,
    pub single_collision_frames: u32,
    pub multiple_collision_frames: u32,
    pub sqe_test_errors: u32,
    pub deferred_transmissions: u32,
    pub late_collisions: u32,
    pub excessive_collisions: u32,
    pub internal_mac_transmit_errors: u32,
    pub carrier_sense_errors: u32,
    pub frame_too_longs: u32,
    pub internal_mac_receive_errors: u32,
    pub symbol_errors: u32,
}

/// VLAN counters (format 5, 28 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VlanCounters {
    pub vlan_id: u32,
    pub octets: u64,
    pub ucast_pkts: u32,
    pub multicast_pkts: u32,
    pub broadcast_pkts: u32,
    pub discards: u32,
}

/// Processor counters (format 1001, 28 bytes). CPU in 1/100 percent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProcessorCounters {
    pub cpu_5s: u32,
    pub cpu_1m: u32,
    pub cpu_5m: u32,
    pub total_memory: u64,
    pub free_memory: u64,
}

/// One counter record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CounterRecord<'a> {
    Generic(IfCounters),
    Ethernet(EthCounters),
    Vlan(VlanCounters),
    Processor(ProcessorCounters),
    /// Any other format (or a known one of the wrong size), as sent. `format` is the full
    /// data format word (enterprise << 12 | format).
    Other {
        format: u32,
        data: &'a [u8],
    },
}

impl<'a> CounterSample<'a> {
    /// The counter records. v2/v4 blocks are presented as the v5 formats they match.
    pub fn records(&self) -> CounterRecords<'a> {
        CounterRecords {
            body: self.body,
            p: 0,
            left: if self.v2v4_version != 0 {
                v2v4_blocks(self.v2v4_version).len() as u32
            } else {
                self.num_records
            },
            v2v4: v2v4_blocks(self.v2v4_version),
        }
    }
}

/// Fixed counter blocks of a v2/v4 counters version: (format, length).
fn v2v4_blocks(version: u32) -> &'static [(u32, usize)] {
    match version {
        1 | 4 | 6 => &[(counter_format::GENERIC, 88)],
        2 => &[
            (counter_format::GENERIC, 88),
            (counter_format::ETHERNET, 52),
        ],
        3 => &[
            (counter_format::GENERIC, 88),
            (counter_format::TOKENRING, 72),
        ],
        5 => &[(counter_format::GENERIC, 88), (counter_format::VG, 80)],
        7 => &[(counter_format::VLAN, 28)],
        _ => &[],
    }
}

pub struct CounterRecords<'a> {
    body: &'a [u8],
    p: usize,
    left: u32,
    v2v4: &'static [(u32, usize)],
}

impl<'a> Iterator for CounterRecords<'a> {
    type Item = CounterRecord<'a>;
    fn next(&mut self) -> Option<CounterRecord<'a>> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let (format, data) = if !self.v2v4.is_empty() {
            let (f, len) = self.v2v4[0];
            self.v2v4 = &self.v2v4[1..];
            let d = self.body.get(self.p..self.p + len)?;
            self.p += len;
            (f, d)
        } else {
            let f = be32(self.body, self.p)?;
            let len = be32(self.body, self.p + 4)? as usize;
            let start = self.p + 8;
            let d = self.body.get(start..start.checked_add(len)?)?;
            self.p = start + pad4(len);
            (f, d)
        };
        Some(counter_record(format, data))
    }
}

fn counter_record(format: u32, d: &[u8]) -> CounterRecord<'_> {
    let r = |o: usize| be32(d, o).unwrap_or(0);
    let r64 = |o: usize| (r(o) as u64) << 32 | r(o + 4) as u64;
    match (format, d.len()) {
        (counter_format::GENERIC, 88) => CounterRecord::Generic(IfCounters {
            if_index: r(0),
            if_type: r(4),
            if_speed: r64(8),
            if_direction: r(16),
            if_status: r(20),
            if_in_octets: r64(24),
            if_in_ucast_pkts: r(32),
            if_in_multicast_pkts: r(36),
            if_in_broadcast_pkts: r(40),
            if_in_discards: r(44),
            if_in_errors: r(48),
            if_in_unknown_protos: r(52),
            if_out_octets: r64(56),
            if_out_ucast_pkts: r(64),
            if_out_multicast_pkts: r(68),
            if_out_broadcast_pkts: r(72),
            if_out_discards: r(76),
            if_out_errors: r(80),
            if_promiscuous_mode: r(84),
        }),
        (counter_format::ETHERNET, 52) => CounterRecord::Ethernet(EthCounters {
            alignment_errors: r(0),
            fcs_errors: r(4),
            single_collision_frames: r(8),
            multiple_collision_frames: r(12),
            sqe_test_errors: r(16),
            deferred_transmissions: r(20),
            late_collisions: r(24),
            excessive_collisions: r(28),
            internal_mac_transmit_errors: r(32),
            carrier_sense_errors: r(36),
            frame_too_longs: r(40),
            internal_mac_receive_errors: r(44),
            symbol_errors: r(48),
        }),
        (counter_format::VLAN, 28) => CounterRecord::Vlan(VlanCounters {
            vlan_id: r(0),
            octets: r64(4),
            ucast_pkts: r(12),
            multicast_pkts: r(16),
            broadcast_pkts: r(20),
            discards: r(24),
        }),
        (counter_format::PROCESSOR, 28) => CounterRecord::Processor(ProcessorCounters {
            cpu_5s: r(0),
            cpu_1m: r(4),
            cpu_5m: r(8),
            total_memory: r64(12),
            free_memory: r64(20),
        }),
        _ => CounterRecord::Other { format, data: d },
    }
}

#[inline]
fn be32(b: &[u8], off: usize) -> Option<u32> {
    let s = b.get(off..off.checked_add(4)?)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

#[inline]
fn pad4(n: usize) -> usize {
    n.saturating_add(3) & !3
}

/// XDR reader over a bounded slice. Every read checks the bytes left; `None` = ran out.
#[derive(Clone, Copy)]
struct Rd<'a> {
    b: &'a [u8],
    p: usize,
}

impl<'a> Rd<'a> {
    fn new(b: &'a [u8]) -> Self {
        Rd { b, p: 0 }
    }
    fn left(&self) -> usize {
        self.b.len().saturating_sub(self.p)
    }
    fn u32(&mut self) -> Option<u32> {
        let v = be32(self.b, self.p)?;
        self.p += 4;
        Some(v)
    }
    fn u64(&mut self) -> Option<u64> {
        Some((self.u32()? as u64) << 32 | self.u32()? as u64)
    }
    /// `n` bytes, then skip the XDR padding to 4.
    fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.b.get(self.p..self.p.checked_add(n)?)?;
        let np = self.p.checked_add(pad4(n))?;
        if np > self.b.len() {
            return None;
        }
        self.p = np;
        Some(s)
    }
    /// XDR opaque/string: u32 length then bytes.
    fn opaque(&mut self) -> Option<&'a [u8]> {
        let n = self.u32()? as usize;
        self.bytes(n)
    }
    fn ipv4(&mut self) -> Option<IpAddr> {
        let s = self.bytes(4)?;
        Some(IpAddr::V4(Ipv4Addr::new(s[0], s[1], s[2], s[3])))
    }
    fn ipv6(&mut self) -> Option<IpAddr> {
        let s = self.bytes(16)?;
        let mut a = [0u8; 16];
        a.copy_from_slice(s);
        Some(IpAddr::V6(Ipv6Addr::from(a)))
    }
    /// sFlow address: type 0 (unknown, no bytes), 1 IPv4, 2 IPv6. Other types: malformed.
    fn address(&mut self) -> Option<Option<IpAddr>> {
        match self.u32()? {
            0 => Some(None),
            1 => Some(Some(self.ipv4()?)),
            2 => Some(Some(self.ipv6()?)),
            _ => None,
        }
    }
    /// `count` 4-byte items, checked against what is left before anything is walked.
    fn array32(&mut self, count: u32) -> Option<&'a [u8]> {
        let n = (count as usize).checked_mul(4)?;
        if n > self.left() {
            return None;
        }
        self.bytes(n)
    }
    fn mac8(&mut self) -> Option<[u8; 6]> {
        let s = self.bytes(6)?; // padded to 8
        let mut m = [0u8; 6];
        m.copy_from_slice(s);
        Some(m)
    }
}

/// sFlow decoder. Stateless between datagrams (sFlow has no templates); kept as a type so
/// the daemon can hold one per worker like `NetflowDecoder`, and for future options.
#[derive(Debug, Default, Clone)]
pub struct SflowDecoder {
    _private: (),
}

/// What the sample walker reports.
pub enum Sample<'s, 'a> {
    Flow(&'s SflowSample<'a>),
    Counters(&'s CounterSample<'a>),
}

impl SflowDecoder {
    pub fn new() -> Self {
        SflowDecoder::default()
    }

    /// Decode one datagram: `sink` gets one `FlowRecord` per accounted flow sample.
    /// `agent_src` (the UDP source) is kept in `DatagramInfo::source`; records carry the
    /// header's agent address as sfacctd does.
    pub fn decode<F: FnMut(&FlowRecord)>(
        &mut self,
        agent_src: IpAddr,
        datagram: &[u8],
        sink: F,
    ) -> Result<SflowStats, SflowError> {
        self.decode_with_counters(agent_src, datagram, sink, |_| {})
    }

    /// `decode`, also handing every counter sample to `counters`.
    pub fn decode_with_counters<F: FnMut(&FlowRecord), C: FnMut(&CounterSample)>(
        &mut self,
        agent_src: IpAddr,
        datagram: &[u8],
        mut sink: F,
        mut counters: C,
    ) -> Result<SflowStats, SflowError> {
        let mut emitted = 0u32;
        let mut non_ip = 0u32;
        let mut stats = walk(agent_src, datagram, |s| match s {
            Sample::Flow(fs) => {
                if let Some(rec) = to_record(fs) {
                    sink(&rec);
                    emitted += 1;
                } else {
                    non_ip += 1;
                }
            }
            Sample::Counters(cs) => counters(cs),
        })?;
        stats.records = emitted;
        for _ in 0..non_ip {
            stats.drop(DropReason::NonIp);
        }
        Ok(stats)
    }
}

/// Walk every sample of a datagram, decoded but not yet turned into records.
pub fn walk<F: FnMut(Sample<'_, '_>)>(
    agent_src: IpAddr,
    datagram: &[u8],
    mut f: F,
) -> Result<SflowStats, SflowError> {
    let mut rd = Rd::new(datagram);
    let version = rd.u32().ok_or(SflowError::Truncated)?;
    if !matches!(version, 2 | 4 | 5) {
        return Err(SflowError::UnsupportedVersion(version));
    }
    let agent = match rd.u32().ok_or(SflowError::Truncated)? {
        1 => rd.ipv4().ok_or(SflowError::Truncated)?,
        2 => rd.ipv6().ok_or(SflowError::Truncated)?,
        t => return Err(SflowError::AgentAddressType(t)),
    };
    let sub_agent_id = if version == 5 {
        rd.u32().ok_or(SflowError::Truncated)?
    } else {
        0
    };
    let sequence = rd.u32().ok_or(SflowError::Truncated)?;
    let uptime_ms = rd.u32().ok_or(SflowError::Truncated)?;
    let samples = rd.u32().ok_or(SflowError::Truncated)?;
    let dg = DatagramInfo {
        version,
        agent,
        source: agent_src,
        sub_agent_id,
        sequence,
        uptime_ms,
        samples,
    };
    let mut stats = SflowStats {
        version,
        samples,
        ..Default::default()
    };
    // One sample slot reused for every flow sample: it is large, so it is neither moved nor
    // returned by value.
    let mut slot = SflowSample::default();
    for _ in 0..samples {
        if rd.left() == 0 {
            stats.drop(DropReason::SampleTruncated);
            break;
        }
        let go_on = if version == 5 {
            v5_sample(&mut rd, &dg, &mut slot, &mut stats, &mut f)
        } else {
            v2v4_sample(&mut rd, &dg, &mut slot, &mut stats, &mut f)
        };
        if !go_on {
            break;
        }
    }
    Ok(stats)
}

/// One v5 sample; false when the rest of the datagram cannot be located.
fn v5_sample<'a, F: FnMut(Sample<'_, '_>)>(
    rd: &mut Rd<'a>,
    dg: &DatagramInfo,
    slot: &mut SflowSample<'a>,
    stats: &mut SflowStats,
    f: &mut F,
) -> bool {
    let (Some(tag), Some(len)) = (rd.u32(), rd.u32()) else {
        stats.drop(DropReason::SampleTruncated);
        return false;
    };
    let Some(body) = rd.bytes(len as usize) else {
        stats.drop(DropReason::SampleLength);
        return false;
    };
    match tag {
        SAMPLE_FLOW | SAMPLE_FLOW_EXPANDED => {
            stats.flow_samples += 1;
            match v5_flow_sample(slot, body, tag, dg, stats) {
                Ok(()) => f(Sample::Flow(slot)),
                Err(r) => stats.drop(r),
            }
        }
        SAMPLE_COUNTERS | SAMPLE_COUNTERS_EXPANDED => {
            stats.counter_samples += 1;
            match v5_counter_sample(body, tag, dg, stats) {
                Some(s) => f(Sample::Counters(&s)),
                None => stats.drop(DropReason::RecordLength),
            }
        }
        _ => stats.drop(DropReason::UnknownSampleType),
    }
    true
}

fn v5_flow_sample<'a>(
    s: &mut SflowSample<'a>,
    body: &'a [u8],
    tag: u32,
    dg: &DatagramInfo,
    stats: &mut SflowStats,
) -> Result<(), DropReason> {
    let mut rd = Rd::new(body);
    *s = SflowSample {
        datagram: *dg,
        sample_type: tag,
        ..Default::default()
    };
    let expanded = tag == SAMPLE_FLOW_EXPANDED;
    let fixed = (|| {
        s.sequence = rd.u32()?;
        if expanded {
            s.source_id_type = rd.u32()?;
            s.source_id_index = rd.u32()?;
        } else {
            let id = rd.u32()?;
            s.source_id_type = id >> 24;
            s.source_id_index = id & 0x00ff_ffff;
        }
        s.sampling_rate = rd.u32()?;
        s.sample_pool = rd.u32()?;
        s.drops = rd.u32()?;
        if expanded {
            s.input_format = rd.u32()?;
            s.input = rd.u32()?;
            s.output_format = rd.u32()?;
            s.output = rd.u32()?;
        } else {
            let (i, o) = (rd.u32()?, rd.u32()?);
            (s.input_format, s.input) = (i >> 30, i);
            (s.output_format, s.output) = (o >> 30, o);
        }
        rd.u32()
    })();
    let Some(nrec) = fixed else {
        return Err(DropReason::SampleLength);
    };
    // Each record takes at least 8 bytes: a larger count is a lie.
    if (nrec as usize).saturating_mul(8) > rd.left() {
        return Err(DropReason::RecordLength);
    }
    for _ in 0..nrec {
        let (Some(fmt), Some(len)) = (rd.u32(), rd.u32()) else {
            return Err(DropReason::RecordLength);
        };
        let Some(data) = rd.bytes(len as usize) else {
            return Err(DropReason::RecordLength);
        };
        s.records += 1;
        match flow_record(s, fmt, data) {
            Some(true) => {}
            Some(false) => {
                s.unknown_records += 1;
                stats.unknown_records += 1;
            }
            None => return Err(DropReason::RecordMalformed),
        }
    }
    Ok(())
}

/// Apply one v5 flow record to the sample. Some(false) = unknown format (skipped),
/// None = malformed.
fn flow_record<'a>(s: &mut SflowSample<'a>, fmt: u32, data: &'a [u8]) -> Option<bool> {
    use flow_format::*;
    let mut rd = Rd::new(data);
    match fmt {
        HEADER => header_record(s, &mut rd, true)?,
        ETHERNET => {
            let e = SampledEthernet {
                length: rd.u32()?,
                src_mac: rd.mac8()?,
                dst_mac: rd.mac8()?,
                eth_type: rd.u32()?,
            };
            s.eth_type = e.eth_type;
            s.got_ipv4 |= e.eth_type == ETHERTYPE_IPV4 as u32;
            s.got_ipv6 |= e.eth_type == ETHERTYPE_IPV6 as u32;
            if s.sampled_packet_size == 0 {
                s.sampled_packet_size = e.length;
            }
            s.ethernet = Some(e);
        }
        IPV4 => {
            let ip = sampled_ip(&mut rd, false)?;
            s.sampled_packet_size = ip.length;
            s.got_ipv4 = true;
            s.ipv4 = Some(ip);
        }
        IPV6 => {
            let ip = sampled_ip(&mut rd, true)?;
            s.sampled_packet_size = ip.length;
            s.got_ipv6 = true;
            s.ipv6 = Some(ip);
        }
        EX_SWITCH => switch_record(s, &mut rd)?,
        EX_ROUTER => router_record(s, &mut rd)?,
        EX_GATEWAY => gateway_record(s, &mut rd)?,
        EX_USER => user_record(s, &mut rd)?,
        EX_URL => url_record(s, &mut rd)?,
        EX_MPLS => {
            let next_hop = rd.address()?;
            let n = rd.u32()?;
            let in_stack = LabelStack {
                raw: rd.array32(n)?,
            };
            let n = rd.u32()?;
            let out_stack = LabelStack {
                raw: rd.array32(n)?,
            };
            s.mpls = Some(ExtMpls {
                next_hop,
                in_stack,
                out_stack,
            });
        }
        EX_NAT => s.nat = Some((rd.address()?, rd.address()?)),
        EX_MPLS_TUNNEL | EX_MPLS_VC | EX_MPLS_FTN => {
            let name = rd.opaque()?;
            let id = rd.u32()?;
            let cos = if fmt == EX_MPLS_FTN { 0 } else { rd.u32()? };
            let v = Some(ExtMplsNamed { name, id, cos });
            match fmt {
                EX_MPLS_TUNNEL => s.mpls_tunnel = v,
                EX_MPLS_VC => s.mpls_vc = v,
                _ => s.mpls_ftn = v,
            }
        }
        EX_MPLS_LDP_FEC => s.mpls_ldp_fec_prefix_len = Some(rd.u32()?),
        EX_VLAN_TUNNEL => {
            let n = rd.u32()?;
            s.vlan_tunnel = Some(LabelStack {
                raw: rd.array32(n)?,
            });
        }
        EX_IPV4_TUNNEL_EGRESS => s.tunnel_ipv4_egress = Some(sampled_ip(&mut rd, false)?),
        EX_IPV4_TUNNEL_INGRESS => s.tunnel_ipv4_ingress = Some(sampled_ip(&mut rd, false)?),
        EX_IPV6_TUNNEL_EGRESS => s.tunnel_ipv6_egress = Some(sampled_ip(&mut rd, true)?),
        EX_IPV6_TUNNEL_INGRESS => s.tunnel_ipv6_ingress = Some(sampled_ip(&mut rd, true)?),
        EX_DECAP_EGRESS => s.decap_egress_offset = Some(rd.u32()?),
        EX_DECAP_INGRESS => s.decap_ingress_offset = Some(rd.u32()?),
        EX_VNI_EGRESS => s.vni_egress = Some(rd.u32()?),
        EX_VNI_INGRESS => s.vni_ingress = Some(rd.u32()?),
        PMACCT_TAG => s.tag = Some((rd.u64()?, rd.u64()?)),
        _ => return Some(false),
    }
    Some(true)
}

/// Raw packet header (v5 record 1, v2/v4 packet type 1).
fn header_record<'a>(s: &mut SflowSample<'a>, rd: &mut Rd<'a>, v5: bool) -> Option<()> {
    s.header_protocol = rd.u32()?;
    s.frame_length = rd.u32()?;
    if v5 {
        s.stripped = rd.u32()?;
    }
    let hlen = rd.u32()? as usize;
    s.header = rd.bytes(hlen)?;
    s.has_header = true;
    s.sampled_packet_size = s.frame_length;
    s.packet = match s.header_protocol {
        1 => packet::decode_ethernet(s.header),
        7 => decode_ppp(s.header),
        11 => packet::decode_ipv4(s.header),
        12 => packet::decode_ipv6(s.header),
        13 => packet::decode_mpls(s.header),
        _ => PacketInfo::default(),
    };
    let p = &s.packet;
    // sfacctd's eth_type: the ethertype after one 802.1Q tag, or after MPLS the IP type it
    // guessed (0 if none); raw IP headers leave it unset.
    s.eth_type = match s.header_protocol {
        1 | 7 | 13 => {
            if p.mpls_depth > 0 || s.header_protocol != 1 {
                if p.has_ip {
                    ip_etype(p.ip_version) as u32
                } else {
                    0
                }
            } else {
                p.etype as u32
            }
        }
        _ => s.eth_type,
    };
    (s.got_ipv4, s.got_ipv6) = match s.header_protocol {
        11 => (true, false),
        12 => (false, true),
        1 | 7 | 13 => (
            s.eth_type == ETHERTYPE_IPV4 as u32,
            s.eth_type == ETHERTYPE_IPV6 as u32,
        ),
        _ => (s.got_ipv4, s.got_ipv6),
    };
    if s.header_protocol == 1 && p.vlan_tags > 0 {
        if s.in_vlan == 0 && s.out_vlan == 0 {
            s.in_vlan = p.vlan as u32;
        }
        if s.in_priority == 0 && s.out_priority == 0 {
            s.in_priority = p.cos as u32;
        }
    }
    Some(())
}

fn ip_etype(v: u8) -> u16 {
    if v == 6 {
        ETHERTYPE_IPV6
    } else {
        ETHERTYPE_IPV4
    }
}

/// PPP (HDLC-like framing optional): protocol 0x0021 IPv4, 0x0057 IPv6, 0x0281 MPLS.
fn decode_ppp(h: &[u8]) -> PacketInfo {
    let h = match h {
        [0xff, 0x03, rest @ ..] => rest,
        _ => h,
    };
    let (proto, rest) = match h {
        [a, rest @ ..] if a & 1 == 1 => (*a as u16, rest),
        [a, b, rest @ ..] => (u16::from_be_bytes([*a, *b]), rest),
        _ => {
            return PacketInfo {
                truncated: true,
                ..Default::default()
            }
        }
    };
    match proto {
        0x21 => packet::decode_ipv4(rest),
        0x57 => packet::decode_ipv6(rest),
        0x281 | 0x283 => packet::decode_mpls(rest),
        _ => PacketInfo::default(),
    }
}

fn sampled_ip(rd: &mut Rd<'_>, v6: bool) -> Option<SampledIp> {
    let length = rd.u32()?;
    let protocol = rd.u32()?;
    let (src, dst) = if v6 {
        (rd.ipv6()?, rd.ipv6()?)
    } else {
        (rd.ipv4()?, rd.ipv4()?)
    };
    Some(SampledIp {
        length,
        protocol,
        src: Some(src),
        dst: Some(dst),
        src_port: rd.u32()?,
        dst_port: rd.u32()?,
        tcp_flags: rd.u32()?,
        tos: rd.u32()?,
    })
}

fn switch_record(s: &mut SflowSample<'_>, rd: &mut Rd<'_>) -> Option<()> {
    let sw = ExtSwitch {
        src_vlan: rd.u32()?,
        src_priority: rd.u32()?,
        dst_vlan: rd.u32()?,
        dst_priority: rd.u32()?,
    };
    s.in_vlan = sw.src_vlan;
    s.in_priority = sw.src_priority;
    s.out_vlan = sw.dst_vlan;
    s.out_priority = sw.dst_priority;
    s.switch = Some(sw);
    Some(())
}

fn router_record(s: &mut SflowSample<'_>, rd: &mut Rd<'_>) -> Option<()> {
    s.router = Some(ExtRouter {
        next_hop: rd.address()?,
        src_mask: rd.u32()?,
        dst_mask: rd.u32()?,
    });
    Some(())
}

fn gateway_record<'a>(s: &mut SflowSample<'a>, rd: &mut Rd<'a>) -> Option<()> {
    let v = s.datagram.version;
    let next_hop = if v >= 5 { rd.address()? } else { None };
    let as_number = rd.u32()?;
    let src_as = rd.u32()?;
    let src_peer_as = rd.u32()?;
    let nseg = rd.u32()?;
    let dst_as_path = if v == 2 {
        // v2: a flat list of ASNs.
        AsPath {
            raw: rd.array32(nseg)?,
            segments: nseg.min(1),
            flat: true,
        }
    } else {
        // Walk the segments once to validate them against the bytes (each takes >= 8).
        if (nseg as usize).saturating_mul(8) > rd.left() {
            return None;
        }
        let start = rd.p;
        for _ in 0..nseg {
            let _type = rd.u32()?;
            let n = rd.u32()?;
            rd.array32(n)?;
        }
        AsPath {
            raw: &rd.b[start..rd.p],
            segments: nseg,
            flat: false,
        }
    };
    let (communities_raw, local_pref) = if v >= 4 {
        let n = rd.u32()?;
        (rd.array32(n)?, rd.u32()?)
    } else {
        (&[][..], 0)
    };
    s.gateway = Some(ExtGateway {
        next_hop,
        as_number,
        src_as,
        src_peer_as,
        dst_as_path,
        communities_raw,
        local_pref,
    });
    Some(())
}

fn user_record<'a>(s: &mut SflowSample<'a>, rd: &mut Rd<'a>) -> Option<()> {
    let v5 = s.datagram.version >= 5;
    let mut u = ExtUser::default();
    if v5 {
        u.src_charset = rd.u32()?;
    }
    u.src_user = rd.opaque()?;
    if v5 {
        u.dst_charset = rd.u32()?;
    }
    u.dst_user = rd.opaque()?;
    s.user = Some(u);
    Some(())
}

fn url_record<'a>(s: &mut SflowSample<'a>, rd: &mut Rd<'a>) -> Option<()> {
    let direction = rd.u32()?;
    let url = rd.opaque()?;
    let host = if s.datagram.version >= 5 {
        rd.opaque()?
    } else {
        &[][..]
    };
    s.url = Some(ExtUrl {
        direction,
        url,
        host,
    });
    Some(())
}

fn v5_counter_sample<'a>(
    body: &'a [u8],
    tag: u32,
    dg: &DatagramInfo,
    stats: &mut SflowStats,
) -> Option<CounterSample<'a>> {
    let mut rd = Rd::new(body);
    let sequence = rd.u32()?;
    let (source_id_type, source_id_index) = if tag == SAMPLE_COUNTERS_EXPANDED {
        (rd.u32()?, rd.u32()?)
    } else {
        let id = rd.u32()?;
        (id >> 24, id & 0x00ff_ffff)
    };
    let num_records = rd.u32()?;
    let start = rd.p;
    if (num_records as usize).saturating_mul(8) > rd.left() {
        return None;
    }
    // Validate every record length now so that `records()` yields them all.
    for _ in 0..num_records {
        let fmt = rd.u32()?;
        let len = rd.u32()? as usize;
        rd.bytes(len)?;
        if !matches!(
            fmt,
            counter_format::GENERIC
                | counter_format::ETHERNET
                | counter_format::VLAN
                | counter_format::PROCESSOR
        ) {
            stats.unknown_records += 1;
        }
    }
    Some(CounterSample {
        datagram: *dg,
        sample_type: tag,
        sequence,
        source_id_type,
        source_id_index,
        sampling_interval: 0,
        v2v4_version: 0,
        num_records,
        body: &body[start..rd.p],
    })
}

/// One v2/v4 sample. These carry no lengths: an unknown type ends the datagram.
fn v2v4_sample<'a, F: FnMut(Sample<'_, '_>)>(
    rd: &mut Rd<'a>,
    dg: &DatagramInfo,
    slot: &mut SflowSample<'a>,
    stats: &mut SflowStats,
    f: &mut F,
) -> bool {
    let Some(tag) = rd.u32() else {
        stats.drop(DropReason::SampleTruncated);
        return false;
    };
    match tag {
        SAMPLE_FLOW => {
            stats.flow_samples += 1;
            match v2v4_flow_sample(slot, rd, dg) {
                Ok(()) => {
                    f(Sample::Flow(slot));
                    true
                }
                Err(r) => {
                    stats.drop(r);
                    false
                }
            }
        }
        SAMPLE_COUNTERS => {
            stats.counter_samples += 1;
            let r = (|| {
                let sequence = rd.u32()?;
                let id = rd.u32()?;
                let sampling_interval = rd.u32()?;
                let version = rd.u32()?;
                let blocks = v2v4_blocks(version);
                if blocks.is_empty() {
                    return Some(Err(DropReason::UnknownV2v4Type));
                }
                let len: usize = blocks.iter().map(|b| b.1).sum();
                let body = rd.bytes(len)?;
                Some(Ok(CounterSample {
                    datagram: *dg,
                    sample_type: SAMPLE_COUNTERS,
                    sequence,
                    source_id_type: id >> 24,
                    source_id_index: id & 0x00ff_ffff,
                    sampling_interval,
                    v2v4_version: version,
                    num_records: blocks.len() as u32,
                    body,
                }))
            })();
            match r {
                Some(Ok(c)) => {
                    f(Sample::Counters(&c));
                    true
                }
                Some(Err(reason)) => {
                    stats.drop(reason);
                    false
                }
                None => {
                    stats.drop(DropReason::SampleTruncated);
                    false
                }
            }
        }
        _ => {
            stats.drop(DropReason::UnknownSampleType);
            false
        }
    }
}

fn v2v4_flow_sample<'a>(
    s: &mut SflowSample<'a>,
    rd: &mut Rd<'a>,
    dg: &DatagramInfo,
) -> Result<(), DropReason> {
    *s = SflowSample {
        datagram: *dg,
        sample_type: SAMPLE_FLOW,
        ..Default::default()
    };
    let t = DropReason::SampleTruncated;
    s.sequence = rd.u32().ok_or(t)?;
    let id = rd.u32().ok_or(t)?;
    s.source_id_type = id >> 24;
    s.source_id_index = id & 0x00ff_ffff;
    s.sampling_rate = rd.u32().ok_or(t)?;
    s.sample_pool = rd.u32().ok_or(t)?;
    s.drops = rd.u32().ok_or(t)?;
    s.input = rd.u32().ok_or(t)?;
    s.output = rd.u32().ok_or(t)?;
    s.input_format = s.input >> 30;
    s.output_format = s.output >> 30;
    let ptype = rd.u32().ok_or(t)?;
    s.records += 1;
    match ptype {
        1 => header_record(s, rd, false).ok_or(t)?,
        2 => {
            let ip = sampled_ip(rd, false).ok_or(t)?;
            s.sampled_packet_size = ip.length;
            s.got_ipv4 = true;
            s.ipv4 = Some(ip);
        }
        3 => {
            let ip = sampled_ip(rd, true).ok_or(t)?;
            s.sampled_packet_size = ip.length;
            s.got_ipv6 = true;
            s.ipv6 = Some(ip);
        }
        _ => return Err(DropReason::UnknownV2v4Type),
    }
    let n = rd.u32().ok_or(t)?;
    // Each extended record takes at least 4 bytes.
    if (n as usize).saturating_mul(4) > rd.left() {
        return Err(t);
    }
    for _ in 0..n {
        let ext = rd.u32().ok_or(t)?;
        s.records += 1;
        match ext {
            1 => switch_record(s, rd).ok_or(t)?,
            2 => router_record(s, rd).ok_or(t)?,
            3 => gateway_record(s, rd).ok_or(t)?,
            4 => user_record(s, rd).ok_or(t)?,
            5 => url_record(s, rd).ok_or(t)?,
            _ => return Err(DropReason::UnknownV2v4Type),
        }
    }
    Ok(())
}

/// The record of a flow sample, derived the way sfacctd 1.7.7 derives its primitives. None
/// when sfacctd would not account the sample (a known, non-IP ethertype).
pub fn to_record<'s>(s: &'s SflowSample<'s>) -> Option<FlowRecord<'s>> {
    let p = &s.packet;
    // Which L3 source wins follows sfacctd: the IPv4/IPv6 records are read after (and
    // override) the header decode when both are present.
    if !(s.got_ipv4 || s.got_ipv6 || s.eth_type == 0) {
        return None;
    }
    let mut rec = FlowRecord {
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
        sflow: Some(s),
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

    // L3/L4 from the sampled header, then from IPv4/IPv6 records (sfacctd reads whichever
    // came last; exporters send one or the other).
    if p.has_ip {
        rec.src_addr = p.ip.src_addr;
        rec.dst_addr = p.ip.dst_addr;
        rec.proto = p.ip.proto;
        rec.tos = p.ip.tos;
        rec.src_port = p.ip.src_port;
        rec.dst_port = p.ip.dst_port;
        rec.tcp_flags = p.ip.tcp_flags as u16;
    }
    if let Some(ip) = s.ipv4.as_ref().or(s.ipv6.as_ref()) {
        rec.src_addr = ip.src;
        rec.dst_addr = ip.dst;
        rec.proto = ip.protocol as u8;
        rec.tos = ip.tos as u8;
        rec.src_port = ip.src_port as u16;
        rec.dst_port = ip.dst_port as u16;
        rec.tcp_flags = ip.tcp_flags as u16;
    }
    if rec.proto != 6 && rec.proto != 17 {
        rec.src_port = 0;
        rec.dst_port = 0;
    }
    if rec.proto != 6 {
        rec.tcp_flags = 0;
    }

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
        rec.src_mask = r.src_mask.min(128) as u8;
        rec.dst_mask = r.dst_mask.min(128) as u8;
    }
    if let Some(g) = &s.gateway {
        rec.bgp_next_hop = g.next_hop;
        rec.src_as = g.src_as;
        rec.dst_as = g.dst_as();
    }
    if let Some((src, dst)) = s.nat {
        rec.post_nat_src_addr = src;
        rec.post_nat_dst_addr = dst;
    }
    Some(rec)
}
