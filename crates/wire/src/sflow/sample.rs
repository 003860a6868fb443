//! What a flow sample holds once decoded: datagram header facts, the sample's fields and
//! its flow records (sampled header and its decode, extended records).

use std::net::{IpAddr, Ipv4Addr};

use super::xdr::be32;
use crate::packet::PacketInfo;

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

impl DatagramInfo {
    pub const EMPTY: DatagramInfo = DatagramInfo {
        version: 0,
        agent: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        source: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        sub_agent_id: 0,
        sequence: 0,
        uptime_ms: 0,
        samples: 0,
    };
}

impl Default for DatagramInfo {
    fn default() -> Self {
        Self::EMPTY
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
    pub(super) raw: &'a [u8],
    pub(super) segments: u32,
    pub(super) flat: bool,
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

impl SflowSample<'static> {
    /// The empty sample (what `Default` gives), a constant: see [`SflowSample::reset`].
    pub const EMPTY: SflowSample<'static> = SflowSample {
        datagram: DatagramInfo::EMPTY,
        sample_type: 0,
        sequence: 0,
        source_id_type: 0,
        source_id_index: 0,
        sampling_rate: 0,
        sample_pool: 0,
        drops: 0,
        input_format: 0,
        input: 0,
        output_format: 0,
        output: 0,
        header_protocol: 0,
        frame_length: 0,
        stripped: 0,
        header: &[],
        has_header: false,
        packet: PacketInfo::EMPTY,
        ethernet: None,
        ipv4: None,
        ipv6: None,
        switch: None,
        router: None,
        gateway: None,
        user: None,
        url: None,
        mpls: None,
        nat: None,
        mpls_tunnel: None,
        mpls_vc: None,
        mpls_ftn: None,
        mpls_ldp_fec_prefix_len: None,
        vlan_tunnel: None,
        tunnel_ipv4_egress: None,
        tunnel_ipv4_ingress: None,
        tunnel_ipv6_egress: None,
        tunnel_ipv6_ingress: None,
        decap_egress_offset: None,
        decap_ingress_offset: None,
        vni_egress: None,
        vni_ingress: None,
        tag: None,
        sampled_packet_size: 0,
        in_vlan: 0,
        out_vlan: 0,
        in_priority: 0,
        out_priority: 0,
        eth_type: 0,
        got_ipv4: false,
        got_ipv6: false,
        records: 0,
        unknown_records: 0,
    };
}

impl<'a> SflowSample<'a> {
    /// Empty the sample for the next one of `datagram` (what `Default` gives, with these
    /// two set). Copied from a constant: assigning a `Default` value built part of its
    /// 1.2 KB on the stack and read it back across stores not yet landed, a stall that
    /// took a tenth of sfacctd's time.
    #[inline]
    pub fn reset(&mut self, datagram: &DatagramInfo, sample_type: u32) {
        *self = SflowSample::EMPTY;
        (self.datagram, self.sample_type) = (*datagram, sample_type);
    }
}
