//! Packet-header decoding: what pmacct reads from a captured frame or an sFlow sampled header.
//!
//! One pass over the bytes fills a small `PacketInfo` (no allocation, no panics): link layer
//! (Ethernet, 802.1Q/QinQ, PPPoE session, Linux SLL/SLL2, BSD null/loop), MPLS label stack,
//! IPv4 (options, fragments), IPv6 (hop-by-hop, routing, destination options, fragment, AH,
//! mobility headers), TCP/UDP ports and TCP flags, ICMP/ICMPv6 type and code, and the inner
//! headers of VXLAN (UDP 4789) and IP-in-IP tunnels. Headers are usually truncated (sFlow
//! samples 128 bytes, pmacctd's default snaplen is 128): whatever was decoded before the bytes
//! ran out is kept and `truncated` is set.
//!
//! pmacct conventions kept here: ports are only filled for TCP and UDP (pmacctd and sfacctd
//! both print 0 for other protocols; ICMP type/code are in `icmp_type`/`icmp_code`), non-first
//! IPv4/IPv6 fragments carry no L4 fields, `tos` is the whole ToS / traffic-class byte.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub const ETHERTYPE_IPV4: u16 = 0x0800;
pub const ETHERTYPE_IPV6: u16 = 0x86dd;
pub const ETHERTYPE_8021Q: u16 = 0x8100;
pub const ETHERTYPE_8021AD: u16 = 0x88a8;
pub const ETHERTYPE_QINQ_OLD: u16 = 0x9100;
pub const ETHERTYPE_MPLS: u16 = 0x8847;
pub const ETHERTYPE_MPLS_MULTI: u16 = 0x8848;
pub const ETHERTYPE_PPPOE_SESSION: u16 = 0x8864;
pub const UDP_PORT_VXLAN: u16 = 4789;

/// Labels kept from an MPLS stack; deeper stacks are walked (bounded) but only counted.
pub const MAX_MPLS_LABELS: usize = 10;
/// VLAN tags walked before giving up (a frame of nothing but tags is hostile).
const MAX_VLAN_TAGS: usize = 8;
/// IPv6 extension headers walked before giving up.
const MAX_IPV6_EXT: usize = 16;

/// libpcap link types the decoder understands (`pcap_datalink()` values).
pub mod dlt {
    pub const NULL: u32 = 0;
    pub const EN10MB: u32 = 1;
    pub const RAW: u32 = 12;
    pub const LOOP: u32 = 108;
    /// LINKTYPE_RAW as written in savefiles.
    pub const LINKTYPE_RAW: u32 = 101;
    pub const LINUX_SLL: u32 = 113;
    pub const IPV4: u32 = 228;
    pub const IPV6: u32 = 229;
    pub const LINUX_SLL2: u32 = 276;
}

/// IPv4/IPv6 fragment facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Fragment {
    /// The packet is a fragment (IPv4 MF or offset set; IPv6 fragment header present).
    pub is_fragment: bool,
    /// Offset in 8-byte units.
    pub offset: u16,
    pub more: bool,
    /// IPv4 identification (16 bits) or IPv6 fragment identification.
    pub id: u32,
}

/// Layer-3 and layer-4 facts of a (possibly inner) IP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpInfo {
    pub src_addr: Option<IpAddr>,
    pub dst_addr: Option<IpAddr>,
    /// IP protocol after IPv6 extension headers.
    pub proto: u8,
    /// IPv4 ToS byte or IPv6 traffic class, whole byte.
    pub tos: u8,
    pub ttl: u8,
    /// IPv6 flow label (20 bits).
    pub flow_label: u32,
    /// IPv4 total length; IPv6 payload length + 40.
    pub ip_len: u32,
    pub frag: Fragment,
    /// Ports of TCP and UDP only (0 otherwise, as pmacct prints them).
    pub src_port: u16,
    pub dst_port: u16,
    /// TCP flags byte (FIN..CWR); 0 for other protocols.
    pub tcp_flags: u8,
    pub icmp_type: u8,
    pub icmp_code: u8,
    /// The L4 header was present (ports/flags/type read).
    pub has_l4: bool,
}

/// Inner headers of a tunnel (pmacct `tunnel_*` primitives).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TunnelInner {
    /// VXLAN only: inner Ethernet addresses and ethertype.
    pub src_mac: [u8; 6],
    pub dst_mac: [u8; 6],
    pub etype: u16,
    pub ip: IpInfo,
    /// The inner packet had an IPv4/IPv6 header.
    pub has_ip: bool,
}

/// Which tunnel the inner headers came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TunnelKind {
    #[default]
    None,
    /// VXLAN over UDP 4789 (I flag set).
    Vxlan,
    /// IPv4 (protocol 4) or IPv6 (protocol 41) encapsulated in IP.
    IpInIp,
}

/// Everything the decoder found in one header. `Default` = nothing found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PacketInfo {
    pub src_mac: [u8; 6],
    pub dst_mac: [u8; 6],
    /// The link layer had MAC addresses (Ethernet, or SLL with a 6-byte address).
    pub has_mac: bool,
    /// Outer VLAN id and its priority (PCP); 0 when untagged.
    pub vlan: u16,
    pub cos: u8,
    /// Second VLAN tag (QinQ), 0 if none.
    pub inner_vlan: u16,
    pub vlan_tags: u8,
    /// Ethertype after the VLAN tags (0x8847 for MPLS, 0x0800/0x86dd for IP); for raw IP
    /// and null/loop link types, the ethertype implied by the IP version.
    pub etype: u16,
    /// MPLS label values (20 bits), top first, up to `MAX_MPLS_LABELS`.
    pub mpls_labels: [u32; MAX_MPLS_LABELS],
    /// Labels in the stack (may exceed `MAX_MPLS_LABELS`, then only the first ones are kept).
    pub mpls_depth: u8,
    /// An IPv4 or IPv6 header was decoded (`ip` is meaningful).
    pub has_ip: bool,
    /// 4 or 6 when `has_ip`.
    pub ip_version: u8,
    pub ip: IpInfo,
    /// Byte offsets in the input of the IP header and the L4 header (0 = not present).
    pub l3_offset: u16,
    pub l4_offset: u16,
    pub tunnel_kind: TunnelKind,
    /// VXLAN network identifier when `tunnel_kind` is `Vxlan`.
    pub vni: u32,
    pub tunnel: TunnelInner,
    /// The bytes ran out before a header the packet announced was complete.
    pub truncated: bool,
    /// A header was inconsistent (bad IP version, IHL < 5, too many tags or extensions...).
    pub malformed: bool,
}

// The empty values as constants, `Default` copying them: a derived `Default` of these
// nested structs was built piecewise on the stack and read back across stores not yet
// landed (a store-forwarding stall per decoded header in sfacctd's profile); a constant is
// copied from read-only data.
impl IpInfo {
    pub const EMPTY: IpInfo = IpInfo {
        src_addr: None,
        dst_addr: None,
        proto: 0,
        tos: 0,
        ttl: 0,
        flow_label: 0,
        ip_len: 0,
        frag: Fragment {
            is_fragment: false,
            offset: 0,
            more: false,
            id: 0,
        },
        src_port: 0,
        dst_port: 0,
        tcp_flags: 0,
        icmp_type: 0,
        icmp_code: 0,
        has_l4: false,
    };
}

impl Default for IpInfo {
    fn default() -> Self {
        Self::EMPTY
    }
}

impl TunnelInner {
    pub const EMPTY: TunnelInner = TunnelInner {
        src_mac: [0; 6],
        dst_mac: [0; 6],
        etype: 0,
        ip: IpInfo::EMPTY,
        has_ip: false,
    };
}

impl Default for TunnelInner {
    fn default() -> Self {
        Self::EMPTY
    }
}

impl Default for PacketInfo {
    fn default() -> Self {
        Self::EMPTY
    }
}

impl PacketInfo {
    pub const EMPTY: PacketInfo = PacketInfo {
        src_mac: [0; 6],
        dst_mac: [0; 6],
        has_mac: false,
        vlan: 0,
        cos: 0,
        inner_vlan: 0,
        vlan_tags: 0,
        etype: 0,
        mpls_labels: [0; MAX_MPLS_LABELS],
        mpls_depth: 0,
        has_ip: false,
        ip_version: 0,
        ip: IpInfo::EMPTY,
        l3_offset: 0,
        l4_offset: 0,
        tunnel_kind: TunnelKind::None,
        vni: 0,
        tunnel: TunnelInner::EMPTY,
        truncated: false,
        malformed: false,
    };

    /// Top MPLS label, 0 without MPLS.
    pub fn mpls_label_top(&self) -> u32 {
        if self.mpls_depth == 0 {
            0
        } else {
            self.mpls_labels[0]
        }
    }

    /// Bottom MPLS label (the last one kept when the stack is deeper than the kept labels).
    pub fn mpls_label_bottom(&self) -> u32 {
        let n = (self.mpls_depth as usize).min(MAX_MPLS_LABELS);
        if n == 0 {
            0
        } else {
            self.mpls_labels[n - 1]
        }
    }

    pub fn mpls_stack(&self) -> &[u32] {
        &self.mpls_labels[..(self.mpls_depth as usize).min(MAX_MPLS_LABELS)]
    }
}

#[inline]
pub(crate) fn be16(b: &[u8], off: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(off)?, *b.get(off + 1)?]))
}

#[inline]
fn be32(b: &[u8], off: usize) -> Option<u32> {
    let s = b.get(off..off.checked_add(4)?)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

#[inline]
fn mac(b: &[u8], off: usize) -> [u8; 6] {
    let mut m = [0u8; 6];
    if let Some(s) = b.get(off..off + 6) {
        m.copy_from_slice(s);
    }
    m
}

/// Decode a frame of link type `linktype` (libpcap DLT or LINKTYPE value). Unknown link
/// types give an empty, `malformed` info.
pub fn decode_dlt(linktype: u32, frame: &[u8]) -> PacketInfo {
    match linktype {
        dlt::EN10MB => decode_ethernet(frame),
        dlt::RAW | dlt::LINKTYPE_RAW | 14 => decode_raw_ip(frame),
        dlt::IPV4 => decode_ipv4(frame),
        dlt::IPV6 => decode_ipv6(frame),
        dlt::LINUX_SLL => decode_sll(frame),
        dlt::LINUX_SLL2 => decode_sll2(frame),
        dlt::NULL => decode_null(frame),
        dlt::LOOP => decode_loop(frame),
        _ => PacketInfo {
            malformed: true,
            ..Default::default()
        },
    }
}

/// Ethernet II / 802.3 frame (preamble and FCS excluded).
pub fn decode_ethernet(frame: &[u8]) -> PacketInfo {
    decoded(FirstHeader::Ethernet, frame)
}

fn decoded(first: FirstHeader, frame: &[u8]) -> PacketInfo {
    let mut info = PacketInfo::default();
    decode_into(first, frame, &mut info);
    info
}

/// Decode a frame whose first header is `first` into `info` (reset first): what
/// [`decode_ethernet`], [`decode_ipv4`], [`decode_ipv6`] and [`decode_mpls`] return, for a
/// decoder that keeps the result inside a larger value (an sFlow sample), which then saves
/// the copy of a returned one.
pub fn decode_into(first: FirstHeader, frame: &[u8], info: &mut PacketInfo) {
    *info = PacketInfo::EMPTY;
    decode_fresh(first, frame, info);
}

/// [`decode_into`] for an `info` already empty (`PacketInfo::EMPTY`): for a caller that has
/// just emptied the record holding it, a copy of its 200-odd bytes fewer per header.
pub fn decode_fresh(first: FirstHeader, frame: &[u8], info: &mut PacketInfo) {
    debug_assert!(
        *info == PacketInfo::EMPTY,
        "decode_fresh into a used PacketInfo"
    );
    match first {
        FirstHeader::Ethernet => ethernet_into(frame, 0, info),
        FirstHeader::Ipv4 => ethertype_into(frame, 0, ETHERTYPE_IPV4, info),
        FirstHeader::Ipv6 => ethertype_into(frame, 0, ETHERTYPE_IPV6, info),
        FirstHeader::Mpls => ethertype_into(frame, 0, ETHERTYPE_MPLS, info),
    }
}

/// The first header of a frame given to [`decode_into`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstHeader {
    Ethernet,
    Ipv4,
    Ipv6,
    Mpls,
}

/// Raw IP (DLT_RAW): version from the first nibble.
pub fn decode_raw_ip(pkt: &[u8]) -> PacketInfo {
    let mut info = PacketInfo::default();
    match pkt.first().map(|b| b >> 4) {
        Some(4) => ethertype_into(pkt, 0, ETHERTYPE_IPV4, &mut info),
        Some(6) => ethertype_into(pkt, 0, ETHERTYPE_IPV6, &mut info),
        Some(_) => info.malformed = true,
        None => info.truncated = true,
    }
    info
}

pub fn decode_ipv4(pkt: &[u8]) -> PacketInfo {
    decoded(FirstHeader::Ipv4, pkt)
}

pub fn decode_ipv6(pkt: &[u8]) -> PacketInfo {
    decoded(FirstHeader::Ipv6, pkt)
}

/// An MPLS label stack followed by its payload (sFlow header protocol MPLS).
pub fn decode_mpls(pkt: &[u8]) -> PacketInfo {
    decoded(FirstHeader::Mpls, pkt)
}

/// Linux cooked capture v1 (16-byte header: type, ARPHRD, address length, 8 address bytes,
/// protocol).
pub fn decode_sll(frame: &[u8]) -> PacketInfo {
    let mut info = PacketInfo::default();
    let (Some(alen), Some(proto)) = (be16(frame, 4), be16(frame, 14)) else {
        info.truncated = true;
        return info;
    };
    if alen == 6 {
        // The link-layer address is the sender's.
        info.src_mac = mac(frame, 6);
        info.has_mac = true;
    }
    ethertype_into(frame, 16, proto, &mut info);
    info
}

/// Linux cooked capture v2 (20-byte header: protocol, reserved, ifindex, ARPHRD, packet
/// type, address length, 8 address bytes).
pub fn decode_sll2(frame: &[u8]) -> PacketInfo {
    let mut info = PacketInfo::default();
    let (Some(proto), Some(alen)) = (be16(frame, 0), frame.get(11)) else {
        info.truncated = true;
        return info;
    };
    if frame.len() < 20 {
        info.truncated = true;
        return info;
    }
    if *alen == 6 {
        info.src_mac = mac(frame, 12);
        info.has_mac = true;
    }
    ethertype_into(frame, 20, proto, &mut info);
    info
}

/// BSD loopback (DLT_NULL): 4-byte address family in the capturing host's byte order.
pub fn decode_null(frame: &[u8]) -> PacketInfo {
    let Some(s) = frame.get(..4) else {
        return PacketInfo {
            truncated: true,
            ..Default::default()
        };
    };
    let le = u32::from_le_bytes([s[0], s[1], s[2], s[3]]);
    let be = u32::from_be_bytes([s[0], s[1], s[2], s[3]]);
    // Accept either order: the family values are small, the swapped value is huge.
    let af = if le < 0x10000 { le } else { be };
    null_family_into(frame, af)
}

/// OpenBSD loopback (DLT_LOOP): address family in network byte order.
pub fn decode_loop(frame: &[u8]) -> PacketInfo {
    match be32(frame, 0) {
        Some(af) => null_family_into(frame, af),
        None => PacketInfo {
            truncated: true,
            ..Default::default()
        },
    }
}

fn null_family_into(frame: &[u8], af: u32) -> PacketInfo {
    let mut info = PacketInfo::default();
    match af {
        2 => ethertype_into(frame, 4, ETHERTYPE_IPV4, &mut info),
        // AF_INET6 differs by OS: BSD 24, FreeBSD 28, Darwin 30 (Linux 10).
        10 | 24 | 28 | 30 => ethertype_into(frame, 4, ETHERTYPE_IPV6, &mut info),
        _ => info.malformed = true,
    }
    info
}

/// Ethernet header at `off`, then whatever it carries.
fn ethernet_into(b: &[u8], off: usize, info: &mut PacketInfo) {
    let Some(etype) = be16(b, off + 12) else {
        info.truncated = true;
        return;
    };
    info.dst_mac = mac(b, off);
    info.src_mac = mac(b, off + 6);
    info.has_mac = true;
    let mut p = off + 14;
    let mut etype = etype;
    // 802.3 length field + LLC/SNAP carrying an ethertype (RFC 1042).
    if etype <= 1500 {
        match b.get(p..p + 8) {
            Some([0xaa, 0xaa, 0x03, 0, 0, 0, hi, lo]) => {
                etype = u16::from_be_bytes([*hi, *lo]);
                p += 8;
            }
            Some(_) => {
                info.etype = etype;
                return;
            }
            None => {
                info.etype = etype;
                info.truncated = true;
                return;
            }
        }
    }
    ethertype_into(b, p, etype, info);
}

/// Dispatch on an ethertype for the payload at `p`: VLAN tags, PPPoE, MPLS, IPv4, IPv6.
fn ethertype_into(b: &[u8], mut p: usize, mut etype: u16, info: &mut PacketInfo) {
    let mut tags = 0;
    while matches!(
        etype,
        ETHERTYPE_8021Q | ETHERTYPE_8021AD | ETHERTYPE_QINQ_OLD
    ) {
        if tags == MAX_VLAN_TAGS {
            info.malformed = true;
            info.etype = etype;
            return;
        }
        let (Some(tci), Some(next)) = (be16(b, p), be16(b, p + 2)) else {
            info.etype = etype;
            info.truncated = true;
            return;
        };
        match tags {
            0 => {
                info.vlan = tci & 0x0fff;
                info.cos = (tci >> 13) as u8;
            }
            1 => info.inner_vlan = tci & 0x0fff,
            _ => {}
        }
        tags += 1;
        info.vlan_tags = tags as u8;
        etype = next;
        p += 4;
    }
    if etype == ETHERTYPE_PPPOE_SESSION {
        // 6-byte PPPoE header, then the 2-byte PPP protocol.
        info.etype = etype;
        match be16(b, p + 6) {
            Some(0x0021) => return ip_into(b, p + 8, 4, info),
            Some(0x0057) => return ip_into(b, p + 8, 6, info),
            Some(0x0281) => {
                // PPP MPLS unicast: carry on as an MPLS payload.
                return mpls_into(b, p + 8, info);
            }
            Some(_) => return,
            None => {
                info.truncated = true;
                return;
            }
        }
    }
    info.etype = etype;
    match etype {
        ETHERTYPE_IPV4 => ip_into(b, p, 4, info),
        ETHERTYPE_IPV6 => ip_into(b, p, 6, info),
        ETHERTYPE_MPLS | ETHERTYPE_MPLS_MULTI => mpls_into(b, p, info),
        _ => {}
    }
}

/// MPLS label stack at `p`; the payload after the bottom of stack is IPv4 or IPv6 by its
/// first nibble (null encapsulation, as pmacct guesses it).
fn mpls_into(b: &[u8], mut p: usize, info: &mut PacketInfo) {
    let mut depth = 0usize;
    loop {
        let Some(v) = be32(b, p) else {
            info.truncated = true;
            return;
        };
        if depth < MAX_MPLS_LABELS {
            info.mpls_labels[depth] = v >> 12;
        }
        depth += 1;
        info.mpls_depth = depth.min(u8::MAX as usize) as u8;
        p += 4;
        if v & 0x100 != 0 {
            break;
        }
        // Bounded by the input length: each label consumes 4 bytes.
    }
    match b.get(p).map(|v| v >> 4) {
        Some(4) => ip_into(b, p, 4, info),
        Some(6) => ip_into(b, p, 6, info),
        Some(_) => {}
        None => info.truncated = true,
    }
}

fn ip_into(b: &[u8], p: usize, version: u8, info: &mut PacketInfo) {
    // Parsed where it is kept: parsed on the stack and copied in, the copy's wide loads
    // waited on the parse's narrow stores (a third of this function's time in sfacctd).
    info.ip = IpInfo::EMPTY;
    let mut next = Next::None;
    let mut faults = Faults::default();
    let ok = match version {
        4 => ipv4(b, p, &mut info.ip, &mut next, &mut faults),
        _ => ipv6(b, p, &mut info.ip, &mut next, &mut faults),
    };
    faults.into(info);
    if !ok {
        info.ip = IpInfo::EMPTY;
        return;
    }
    info.has_ip = true;
    info.ip_version = version;
    info.l3_offset = p.min(u16::MAX as usize) as u16;
    if let Next::L4(l4) = next {
        info.l4_offset = l4.min(u16::MAX as usize) as u16;
    }
    let vxlan = info.ip.proto == 17 && info.ip.dst_port == UDP_PORT_VXLAN && info.ip.has_l4;
    // Tunnels: the inner packet goes to `tunnel`, decoded once (no nesting).
    match next {
        Next::IpInIp(q, v) => {
            info.tunnel_kind = TunnelKind::IpInIp;
            let mut inner = IpInfo::default();
            let mut faults = Faults::default();
            let mut n2 = Next::None;
            let ok = if v == 4 {
                ipv4(b, q, &mut inner, &mut n2, &mut faults)
            } else {
                ipv6(b, q, &mut inner, &mut n2, &mut faults)
            };
            faults.into(info);
            if ok {
                info.tunnel.has_ip = true;
                info.tunnel.etype = if v == 4 {
                    ETHERTYPE_IPV4
                } else {
                    ETHERTYPE_IPV6
                };
                info.tunnel.ip = inner;
            }
        }
        Next::L4(l4) if vxlan => {
            vxlan_into(b, l4 + 8, info);
        }
        _ => {}
    }
}

/// What a header parse found wrong, apart from the facts it fills (`PacketInfo`'s flags).
#[derive(Default)]
struct Faults {
    truncated: bool,
    malformed: bool,
}

impl Faults {
    fn into(self, info: &mut PacketInfo) {
        info.truncated |= self.truncated;
        info.malformed |= self.malformed;
    }
}

enum Next {
    None,
    L4(usize),
    IpInIp(usize, u8),
}

/// IPv4 header at `p`. False if there is no usable IPv4 header.
fn ipv4(b: &[u8], p: usize, ip: &mut IpInfo, next: &mut Next, info: &mut Faults) -> bool {
    let Some(h) = b.get(p..p + 20) else {
        info.truncated = true;
        return false;
    };
    let ihl = (h[0] & 0x0f) as usize * 4;
    if h[0] >> 4 != 4 || ihl < 20 {
        info.malformed = true;
        return false;
    }
    ip.tos = h[1];
    ip.ip_len = u16::from_be_bytes([h[2], h[3]]) as u32;
    let frag = u16::from_be_bytes([h[6], h[7]]);
    ip.frag = Fragment {
        is_fragment: frag & 0x3fff != 0,
        offset: frag & 0x1fff,
        more: frag & 0x2000 != 0,
        id: u16::from_be_bytes([h[4], h[5]]) as u32,
    };
    ip.ttl = h[8];
    ip.proto = h[9];
    ip.src_addr = Some(IpAddr::V4(Ipv4Addr::new(h[12], h[13], h[14], h[15])));
    ip.dst_addr = Some(IpAddr::V4(Ipv4Addr::new(h[16], h[17], h[18], h[19])));
    if ip.frag.offset != 0 {
        // Non-first fragment: no L4 header here.
        return true;
    }
    let l4 = p + ihl;
    if l4 > b.len() {
        // Options cut by the snap length.
        info.truncated = true;
        return true;
    }
    match ip.proto {
        4 => *next = Next::IpInIp(l4, 4),
        41 => *next = Next::IpInIp(l4, 6),
        _ => {
            *next = Next::L4(l4);
            l4_into(b, l4, ip, info);
        }
    }
    true
}

/// IPv6 header at `p` and its extension header chain.
fn ipv6(b: &[u8], p: usize, ip: &mut IpInfo, next: &mut Next, info: &mut Faults) -> bool {
    let Some(h) = b.get(p..p + 40) else {
        info.truncated = true;
        return false;
    };
    if h[0] >> 4 != 6 {
        info.malformed = true;
        return false;
    }
    let vtf = u32::from_be_bytes([h[0], h[1], h[2], h[3]]);
    ip.tos = (vtf >> 20) as u8;
    ip.flow_label = vtf & 0x000f_ffff;
    ip.ip_len = u16::from_be_bytes([h[4], h[5]]) as u32 + 40;
    ip.ttl = h[7];
    let mut a = [0u8; 16];
    a.copy_from_slice(&h[8..24]);
    ip.src_addr = Some(IpAddr::V6(Ipv6Addr::from(a)));
    a.copy_from_slice(&h[24..40]);
    ip.dst_addr = Some(IpAddr::V6(Ipv6Addr::from(a)));
    let mut nh = h[6];
    let mut q = p + 40;
    for _ in 0..=MAX_IPV6_EXT {
        let len = match nh {
            // Hop-by-hop, routing, destination options, mobility: (len + 1) * 8.
            0 | 43 | 60 | 135 => match b.get(q + 1) {
                Some(l) => (*l as usize + 1) * 8,
                None => {
                    ip.proto = nh;
                    info.truncated = true;
                    return true;
                }
            },
            // Authentication header: (len + 2) * 4.
            51 => match b.get(q + 1) {
                Some(l) => (*l as usize + 2) * 4,
                None => {
                    ip.proto = nh;
                    info.truncated = true;
                    return true;
                }
            },
            44 => {
                let Some(f) = b.get(q..q + 8) else {
                    ip.proto = nh;
                    info.truncated = true;
                    return true;
                };
                let off = u16::from_be_bytes([f[2], f[3]]);
                ip.frag = Fragment {
                    is_fragment: true,
                    offset: off >> 3,
                    more: off & 1 != 0,
                    id: u32::from_be_bytes([f[4], f[5], f[6], f[7]]),
                };
                8
            }
            _ => {
                ip.proto = nh;
                if ip.frag.offset != 0 {
                    return true;
                }
                if q > b.len() {
                    // The last extension header ran past the captured bytes.
                    info.truncated = true;
                    return true;
                }
                match nh {
                    4 => *next = Next::IpInIp(q, 4),
                    41 => *next = Next::IpInIp(q, 6),
                    _ => {
                        *next = Next::L4(q);
                        l4_into(b, q, ip, info);
                    }
                }
                return true;
            }
        };
        nh = b[q]; // in bounds: b[q + 1] or b[q..q + 8] was read above
        q += len;
    }
    // Too many extension headers: report what the chain reached.
    ip.proto = nh;
    info.malformed = true;
    true
}

/// TCP/UDP ports and flags, ICMP type and code, at `q`.
fn l4_into(b: &[u8], q: usize, ip: &mut IpInfo, info: &mut Faults) {
    match ip.proto {
        6 => {
            // Ports and flags need the first 14 bytes.
            let (Some(sp), Some(dp), Some(fl)) = (be16(b, q), be16(b, q + 2), b.get(q + 13)) else {
                info.truncated = true;
                return;
            };
            ip.src_port = sp;
            ip.dst_port = dp;
            ip.tcp_flags = *fl;
            ip.has_l4 = true;
        }
        17 => {
            let (Some(sp), Some(dp)) = (be16(b, q), be16(b, q + 2)) else {
                info.truncated = true;
                return;
            };
            ip.src_port = sp;
            ip.dst_port = dp;
            ip.has_l4 = true;
        }
        1 | 58 => {
            let (Some(t), Some(c)) = (b.get(q), b.get(q + 1)) else {
                info.truncated = true;
                return;
            };
            ip.icmp_type = *t;
            ip.icmp_code = *c;
            ip.has_l4 = true;
        }
        _ => {}
    }
}

/// VXLAN header at `q` (8 bytes, I flag required), then the inner Ethernet frame.
fn vxlan_into(b: &[u8], q: usize, info: &mut PacketInfo) {
    let Some(h) = b.get(q..q + 8) else {
        return;
    };
    if h[0] & 0x08 == 0 {
        return;
    }
    info.tunnel_kind = TunnelKind::Vxlan;
    info.vni = u32::from_be_bytes([0, h[4], h[5], h[6]]);
    let inner_start = q + 8;
    let Some(inner) = b.get(inner_start..) else {
        return;
    };
    // Decode the inner frame on its own; a VXLAN inside the inner frame is not followed.
    let mut faults = Faults::default();
    let Some(etype) = be16(inner, 12) else {
        info.truncated = true;
        return;
    };
    let mut ip = IpInfo::default();
    let mut n2 = Next::None;
    let has_ip = match etype {
        ETHERTYPE_IPV4 => ipv4(inner, 14, &mut ip, &mut n2, &mut faults),
        ETHERTYPE_IPV6 => ipv6(inner, 14, &mut ip, &mut n2, &mut faults),
        _ => false,
    };
    // The inner frame's truncation is the packet's; its malformations are not.
    info.truncated |= faults.truncated;
    info.tunnel = TunnelInner {
        src_mac: mac(inner, 6),
        dst_mac: mac(inner, 0),
        etype,
        ip: if has_ip { ip } else { IpInfo::default() },
        has_ip,
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eth(etype: u16) -> Vec<u8> {
        let mut v = vec![0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
        v.extend_from_slice(&etype.to_be_bytes());
        v
    }

    fn ipv4_udp() -> Vec<u8> {
        let mut v = vec![
            0x45, 0xb8, 0, 28, 0x12, 0x34, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
        ];
        v.extend_from_slice(&[0x30, 0x39, 0, 53, 0, 8, 0, 0]);
        v
    }

    #[test]
    fn ethernet_ipv4_udp() {
        let mut f = eth(0x0800);
        f.extend(ipv4_udp());
        let i = decode_ethernet(&f);
        assert!(i.has_ip && !i.truncated && !i.malformed);
        assert_eq!(i.dst_mac, [0, 1, 2, 3, 4, 5]);
        assert_eq!(i.src_mac, [6, 7, 8, 9, 10, 11]);
        assert_eq!(i.ip.src_addr, Some("10.0.0.1".parse().unwrap()));
        assert_eq!(
            (i.ip.proto, i.ip.src_port, i.ip.dst_port, i.ip.tos),
            (17, 12345, 53, 0xb8)
        );
        assert_eq!((i.l3_offset, i.l4_offset), (14, 34));
    }

    #[test]
    fn decode_into_resets_what_an_earlier_frame_set() {
        let mut f = eth(0x0800);
        f.extend(ipv4_udp());
        let mpls: Vec<u8> = [0u8, 0x01, 0x01, 0x40]
            .into_iter()
            .chain(ipv4_udp())
            .collect();
        // A value an earlier frame left: MACs, a VLAN-free IPv6 ethertype, truncated.
        let stale = decode_ethernet(&eth(0x86dd));
        assert!(stale.truncated && stale.src_mac != [0; 6]);
        for (first, frame) in [
            (FirstHeader::Ethernet, &f[..]),
            (FirstHeader::Ipv4, &f[14..]),
            (FirstHeader::Ipv6, &f[14..]),
            (FirstHeader::Mpls, &mpls[..]),
            (FirstHeader::Ethernet, &f[..5]),
        ] {
            let (mut got, mut fresh) = (stale, PacketInfo::default());
            decode_into(first, frame, &mut got);
            decode_into(first, frame, &mut fresh);
            assert_eq!(got, fresh, "{first:?}");
        }
        let mut got = stale;
        decode_into(FirstHeader::Ipv4, &f[14..], &mut got);
        assert_eq!(
            (got.src_mac, got.truncated, got.has_ip),
            ([0; 6], false, true)
        );
        decode_into(FirstHeader::Mpls, &mpls, &mut got);
        assert!(
            got.has_ip && got.mpls_depth == 1,
            "MPLS, then its IPv4 payload"
        );
    }

    #[test]
    fn every_truncation_is_safe() {
        let mut f = eth(0x8100);
        f.extend_from_slice(&[0x60, 0x0a, 0x81, 0x00, 0x00, 0x14, 0x08, 0x00]);
        f.extend(ipv4_udp());
        for n in 0..f.len() {
            let i = decode_ethernet(&f[..n]);
            // UDP ports are complete with 4 of the 8 header bytes.
            assert_eq!(i.truncated, n < 14 + 8 + 20 + 4, "{n}");
            assert_eq!(i.ip.has_l4, n >= 14 + 8 + 20 + 4, "{n}");
            let _ = decode_raw_ip(&f[..n]);
            let _ = decode_sll(&f[..n]);
            let _ = decode_sll2(&f[..n]);
            let _ = decode_null(&f[..n]);
        }
        let i = decode_ethernet(&f);
        assert_eq!((i.vlan, i.cos, i.inner_vlan, i.vlan_tags), (10, 3, 20, 2));
    }
}
