//! Zero-copy, bounded views of BMP v3 messages (RFC 7854) and what pmacct 1.7.7 reads of them:
//! the common header, the per-peer header (peer types 0-3 with the Loc-RIB type of
//! draft-ietf-grow-bmp-local-rib, flags V/L/A/O/F, RD, address, AS, BGP id, timestamp),
//! Initiation / Termination / Peer Up information TLVs, Peer Up (local address and ports, the
//! sent and received OPENs), Peer Down (reasons 0-5 and their data), Route Monitoring (one BGP
//! UPDATE, decoded by `pmacct_bgp::msg`), Statistics Reports (counter types 0-17) and Route
//! Mirroring TLVs.
//!
//! Every view borrows from the receive buffer; every read is bounded by the message, so a
//! lying length is an error ([`Error`]) and never a panic, an out-of-bounds read or an
//! allocation. Errors name the element pmacct 1.7.7 names in its "packet discarded" log lines.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub const COMMON_HDR_LEN: usize = 6;
pub const PEER_HDR_LEN: usize = 42;
/// pmacct's receive buffer (BGP_BUFFER_SIZE): a longer message is skipped ("sinking").
pub const MAX_MSG_LEN: usize = 100_000;

pub const MSG_ROUTE_MONITOR: u8 = 0;
pub const MSG_STATS: u8 = 1;
pub const MSG_PEER_DOWN: u8 = 2;
pub const MSG_PEER_UP: u8 = 3;
pub const MSG_INIT: u8 = 4;
pub const MSG_TERM: u8 = 5;
pub const MSG_ROUTE_MIRROR: u8 = 6;

pub const PEER_TYPE_GLOBAL: u8 = 0;
pub const PEER_TYPE_RD: u8 = 1;
pub const PEER_TYPE_LOCAL: u8 = 2;
pub const PEER_TYPE_LOC_RIB: u8 = 3;

pub const FLAG_V: u8 = 0x80;
pub const FLAG_L: u8 = 0x40;
pub const FLAG_A: u8 = 0x20;
/// Adj-RIB-Out (RFC 8671).
pub const FLAG_O: u8 = 0x10;
/// Loc-RIB filtered (draft-ietf-grow-bmp-local-rib), same bit as V.
pub const FLAG_F: u8 = 0x80;

/// pmacct 1.7.7's names of the peer types.
pub fn peer_type_str(t: u8) -> Option<&'static str> {
    Some(match t {
        0 => "Global Instance Peer",
        1 => "RD Instance Peer",
        2 => "Local Instance Peer",
        3 => "Loc-RIB Instance Peer",
        _ => return None,
    })
}

/// pmacct 1.7.7's names of the Peer Down reasons.
pub fn peer_down_reason_str(r: u8) -> Option<&'static str> {
    Some(match r {
        0 => "Reserved",
        1 => "The local system closed the session",
        2 => "The local system closed the session without a notification message",
        3 => "The remote system closed the session",
        4 => "The remote system closed the session without a notification message",
        5 => "Info for this peer will no longer be sent for configuration reasons",
        _ => return None,
    })
}

/// pmacct 1.7.7's names of the Termination reasons.
pub fn term_reason_str(r: u16) -> Option<&'static str> {
    Some(match r {
        0 => "Session administratively closed",
        1 => "Unspecified reason",
        2 => "Out of resources",
        3 => "Redundant connection",
        4 => "Session permanently administratively closed",
        _ => return None,
    })
}

/// pmacct 1.7.7's names of the statistics counters (types 0-17).
pub fn stats_type_str(t: u16) -> Option<&'static str> {
    Some(match t {
        0 => "Number of prefixes rejected by inbound policy",
        1 => "Number of (known) duplicate prefix advertisements",
        2 => "Number of (known) duplicate withdraws",
        3 => "Number of updates invalidated due to CLUSTER_LIST loop",
        4 => "Number of updates invalidated due to AS_PATH loop",
        5 => "Number of updates invalidated due to ORIGINATOR_ID",
        6 => "Number of updates invalidated due to AS_CONFED loop",
        7 => "Number of routes in Adj-RIBs-In",
        8 => "Number of routes in Loc-RIB",
        9 => "Number of routes in per-AFI/SAFI Abj-RIB-In",
        10 => "Number of routes in per-AFI/SAFI Loc-RIB",
        11 => "Number of updates subjected to treat-as-withdraw",
        12 => "Number of prefixes subjected to treat-as-withdraw",
        13 => "Number of duplicate update messages received",
        14 => "Number of routes in Adj-RIBs-Out Pre-Policy",
        15 => "Number of routes in Adj-RIBs-Out Post-Policy",
        16 => "Number of routes in per-AFI/SAFI Abj-RIB-Out Pre-Policy",
        17 => "Number of routes in per-AFI/SAFI Abj-RIB-Out Post-Policy",
        _ => return None,
    })
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}
fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}
fn be64(b: &[u8], at: usize) -> Option<u64> {
    let s = b.get(at..at.checked_add(8)?)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(s);
    Some(u64::from_be_bytes(a))
}

/// Why a message (or one of its elements) is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// Version other than 3 (or 4, which 1.7.7 also accepts): the stream is not BMP.
    Version(u8),
    /// Common header length below 6: the stream cannot be framed any more.
    Length(u32),
    /// The per-peer header does not fit.
    PeerHdr,
    /// Peer Up fixed part (local address, ports) does not fit.
    PeerUpHdr,
    /// An OPEN of a Peer Up is missing or overruns.
    PeerUpOpen,
    /// Peer Down reason byte missing.
    PeerDownHdr,
    /// A TLV header or value overruns the message.
    Tlv,
    /// Statistics count or a counter overruns the message (index of the counter).
    StatsCounter(u32),
    /// The BGP message of a Route Monitoring overruns or its header is bad.
    BgpMsg,
    /// Message type pmacct does not know.
    Type(u8),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Version(v) => write!(f, "unknown BMP version: {v}"),
            Error::Length(l) => write!(f, "bad BMP message length: {l}"),
            Error::PeerHdr => f.write_str("failed bmp_get_and_check_length() BMP peer hdr"),
            Error::PeerUpHdr => f.write_str("failed bmp_get_and_check_length() BMP peer up hdr"),
            Error::PeerUpOpen => f.write_str("bgp_parse_open_msg() failed"),
            Error::PeerDownHdr => {
                f.write_str("failed bmp_get_and_check_length() BMP peer down hdr")
            }
            Error::Tlv => f.write_str("failed bmp_get_and_check_length() BMP TLV"),
            Error::StatsCounter(i) => {
                write!(
                    f,
                    "failed bmp_get_and_check_length() BMP stats cnt hdr #{i}"
                )
            }
            Error::BgpMsg => f.write_str("bgp_get_packet_len() failed"),
            Error::Type(t) => write!(f, "unknown message type ({t})"),
        }
    }
}

/// Framing of a TCP stream: the length of the first message once its common header is in
/// (`Ok(None)` before). The caller skips messages above [`MAX_MSG_LEN`] as 1.7.7 does.
pub fn frame_len(buf: &[u8]) -> Result<Option<usize>, Error> {
    if buf.len() < COMMON_HDR_LEN {
        return Ok(None);
    }
    if buf[0] != 3 && buf[0] != 4 {
        return Err(Error::Version(buf[0]));
    }
    let len = be32(buf, 1).unwrap_or(0);
    if (len as usize) < COMMON_HDR_LEN {
        return Err(Error::Length(len));
    }
    Ok(Some(len as usize))
}

/// One complete message: type and body (after the common header).
#[derive(Debug, Clone, Copy)]
pub struct Message<'a> {
    pub version: u8,
    pub kind: u8,
    pub body: &'a [u8],
}

impl<'a> Message<'a> {
    /// `msg` as cut by [`frame_len`] (exactly its length).
    pub fn parse(msg: &'a [u8]) -> Result<Message<'a>, Error> {
        let len = frame_len(msg)?.ok_or(Error::Length(msg.len() as u32))?;
        let body = msg
            .get(COMMON_HDR_LEN..len)
            .ok_or(Error::Length(len as u32))?;
        Ok(Message {
            version: msg[0],
            kind: msg[5],
            body,
        })
    }
}

/// The per-peer header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerHeader {
    pub peer_type: u8,
    pub flags: u8,
    pub rd: [u8; 8],
    pub addr: IpAddr,
    pub asn: u32,
    pub bgp_id: Ipv4Addr,
    pub ts_sec: u32,
    pub ts_usec: u32,
}

impl PeerHeader {
    /// The header and the rest of the body.
    pub fn parse(b: &[u8]) -> Result<(PeerHeader, &[u8]), Error> {
        let h = b.get(..PEER_HDR_LEN).ok_or(Error::PeerHdr)?;
        let peer_type = h[0];
        let flags = h[1];
        let mut rd = [0u8; 8];
        rd.copy_from_slice(&h[2..10]);
        // The V flag means IPv6 except for Loc-RIB peers, where the bit is F.
        let v6 = peer_type != PEER_TYPE_LOC_RIB && flags & FLAG_V != 0;
        let addr = if v6 {
            let mut a = [0u8; 16];
            a.copy_from_slice(&h[10..26]);
            IpAddr::V6(Ipv6Addr::from(a))
        } else {
            IpAddr::V4(Ipv4Addr::new(h[22], h[23], h[24], h[25]))
        };
        Ok((
            PeerHeader {
                peer_type,
                flags,
                rd,
                addr,
                asn: be32(h, 26).unwrap_or(0),
                bgp_id: Ipv4Addr::new(h[30], h[31], h[32], h[33]),
                ts_sec: be32(h, 34).unwrap_or(0),
                ts_usec: be32(h, 38).unwrap_or(0),
            },
            &b[PEER_HDR_LEN..],
        ))
    }

    pub fn is_loc_rib(&self) -> bool {
        self.peer_type == PEER_TYPE_LOC_RIB
    }
    pub fn is_ipv6(&self) -> bool {
        self.addr.is_ipv6()
    }
    /// L flag: post-policy Adj-RIB-In (0 for Loc-RIB peers).
    pub fn is_post(&self) -> bool {
        !self.is_loc_rib() && self.flags & FLAG_L != 0
    }
    /// A flag: the peer uses 2-byte AS paths (the embedded UPDATEs are decoded so).
    pub fn is_2b_asn(&self) -> bool {
        !self.is_loc_rib() && self.flags & FLAG_A != 0
    }
    /// O flag: Adj-RIB-Out (RFC 8671).
    pub fn is_out(&self) -> bool {
        !self.is_loc_rib() && self.flags & FLAG_O != 0
    }
    /// F flag of a Loc-RIB peer.
    pub fn is_filtered(&self) -> bool {
        self.is_loc_rib() && self.flags & FLAG_F != 0
    }
    /// The RD is carried for RD instance peers (1.7.7 also logs it for any non-zero RD).
    pub fn has_rd(&self) -> bool {
        self.rd != [0u8; 8]
    }
}

/// One TLV (Initiation, Termination, Peer Up information, Route Mirroring, stats counters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    pub kind: u16,
    /// Private Enterprise Number when the E bit (0x8000) of the type is set (RFC 9069 style,
    /// as 1.7.7 reads it); the type then has the bit cleared.
    pub pen: Option<u32>,
    pub value: &'a [u8],
}

/// The TLVs of `b`, in order; an overrun ends the walk with one `Err`.
pub fn tlvs(b: &[u8]) -> impl Iterator<Item = Result<Tlv<'_>, Error>> + '_ {
    let mut rest = b;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let r = (|| {
            let kind = be16(rest, 0).ok_or(Error::Tlv)?;
            let mut len = be16(rest, 2).ok_or(Error::Tlv)? as usize;
            let mut at = 4;
            let mut pen = None;
            let mut k = kind;
            if kind & 0x8000 != 0 {
                k &= 0x7fff;
                pen = Some(be32(rest, 4).ok_or(Error::Tlv)?);
                at = 8;
                len = len.checked_sub(4).ok_or(Error::Tlv)?;
            }
            let value = rest.get(at..at + len).ok_or(Error::Tlv)?;
            rest = &rest[at + len..];
            Ok(Tlv {
                kind: k,
                pen,
                value,
            })
        })();
        if r.is_err() {
            rest = &[];
        }
        Some(r)
    })
}

/// Peer Up Notification.
#[derive(Debug, Clone, Copy)]
pub struct PeerUp<'a> {
    pub peer: PeerHeader,
    pub local_addr: IpAddr,
    pub local_port: u16,
    pub remote_port: u16,
    /// Complete BGP OPEN messages (header included).
    pub sent_open: &'a [u8],
    pub recv_open: &'a [u8],
    /// Information TLVs after the OPENs.
    pub info: &'a [u8],
}

/// Cut one BGP message (header's length field, bounded by `b`) off `b`.
fn bgp_pdu(b: &[u8]) -> Option<(&[u8], &[u8])> {
    if b.len() < pmacct_bgp::msg::HEADER_LEN {
        return None;
    }
    let len = be16(b, 16)? as usize;
    if len < pmacct_bgp::msg::HEADER_LEN {
        return None;
    }
    let m = b.get(..len)?;
    Some((m, &b[len..]))
}

impl<'a> PeerUp<'a> {
    pub fn parse(body: &'a [u8]) -> Result<PeerUp<'a>, Error> {
        let (peer, rest) = PeerHeader::parse(body)?;
        let fixed = rest.get(..20).ok_or(Error::PeerUpHdr)?;
        let local_addr = if peer.is_ipv6() {
            let mut a = [0u8; 16];
            a.copy_from_slice(&fixed[..16]);
            IpAddr::V6(Ipv6Addr::from(a))
        } else {
            IpAddr::V4(Ipv4Addr::new(fixed[12], fixed[13], fixed[14], fixed[15]))
        };
        let (sent_open, r) = bgp_pdu(&rest[20..]).ok_or(Error::PeerUpOpen)?;
        let (recv_open, info) = bgp_pdu(r).ok_or(Error::PeerUpOpen)?;
        Ok(PeerUp {
            peer,
            local_addr,
            local_port: be16(fixed, 16).unwrap_or(0),
            remote_port: be16(fixed, 18).unwrap_or(0),
            sent_open,
            recv_open,
            info,
        })
    }

    /// Whether the received (and sent) OPENs carry the 4-octet AS capability: the monitored
    /// session's UPDATEs use 4-byte AS paths only when both do.
    pub fn four_octet_as(&self) -> bool {
        has_as4(self.sent_open) && has_as4(self.recv_open)
    }

    /// ADD-PATH for (AFI, SAFI): the received OPEN offers to send paths (1.7.7 trusts the
    /// remote peer's OPEN alone, the collector's side being fabricated by the router).
    pub fn add_path(&self, afi: u16, safi: u8) -> bool {
        add_path_dir(self.recv_open, afi, safi, 2)
    }
}

fn open_caps(open: &[u8]) -> impl Iterator<Item = pmacct_bgp::msg::Capability<'_>> + '_ {
    use pmacct_bgp::msg::{Message as B, MSG_OPEN};
    let o = match (open.get(18), B::parse(open)) {
        (Some(&MSG_OPEN), Ok(B::Open(o))) => Some(o),
        _ => None,
    };
    o.into_iter()
        .flat_map(|o| o.params().flatten())
        .flat_map(|p| p.capabilities().flatten())
}

fn has_as4(open: &[u8]) -> bool {
    open_caps(open).any(|c| matches!(c, pmacct_bgp::msg::Capability::FourOctetAs(_)))
}

/// ADD-PATH entry for (afi, safi) with the direction bit `dir` (1 receive, 2 send) set.
fn add_path_dir(open: &[u8], afi: u16, safi: u8, dir: u8) -> bool {
    open_caps(open).any(|c| match c {
        pmacct_bgp::msg::Capability::AddPath(e) => e
            .chunks_exact(4)
            .any(|x| u16::from_be_bytes([x[0], x[1]]) == afi && x[2] == safi && x[3] & dir != 0),
        _ => false,
    })
}

/// Peer Down Notification.
#[derive(Debug, Clone, Copy)]
pub struct PeerDown<'a> {
    pub peer: PeerHeader,
    pub reason: u8,
    /// Reason 1 and 3: the NOTIFICATION; 2: the FSM event code (2 bytes); else whatever follows.
    pub data: &'a [u8],
}

impl<'a> PeerDown<'a> {
    pub fn parse(body: &'a [u8]) -> Result<PeerDown<'a>, Error> {
        let (peer, rest) = PeerHeader::parse(body)?;
        let (&reason, data) = rest.split_first().ok_or(Error::PeerDownHdr)?;
        Ok(PeerDown { peer, reason, data })
    }

    /// Reason 2's FSM event code.
    pub fn fsm_code(&self) -> Option<u16> {
        (self.reason == 2).then(|| be16(self.data, 0)).flatten()
    }
}

/// Route Monitoring: the per-peer header and one BGP UPDATE.
#[derive(Debug, Clone, Copy)]
pub struct RouteMonitor<'a> {
    pub peer: PeerHeader,
    /// The BGP message, header included, exactly its length.
    pub bgp: &'a [u8],
    /// Route Monitoring TLVs after the message (draft path marking): kept, not logged.
    pub tlvs: &'a [u8],
}

impl<'a> RouteMonitor<'a> {
    pub fn parse(body: &'a [u8]) -> Result<RouteMonitor<'a>, Error> {
        let (peer, rest) = PeerHeader::parse(body)?;
        let (bgp, tlvs) = bgp_pdu(rest).ok_or(Error::BgpMsg)?;
        if bgp.len() > pmacct_bgp::msg::MAX_MSG_LEN
            || bgp[..pmacct_bgp::msg::MARKER_LEN]
                .iter()
                .any(|&b| b != 0xff)
        {
            return Err(Error::BgpMsg);
        }
        Ok(RouteMonitor { peer, bgp, tlvs })
    }
}

/// One statistics counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counter<'a> {
    pub kind: u16,
    /// (AFI, SAFI) of the per-AFI/SAFI gauges (types 9, 10, 16, 17).
    pub afi_safi: (u16, u8),
    pub value: CounterValue<'a>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CounterValue<'a> {
    Num(u64),
    /// A type pmacct 1.7.7 does not know (above 17): its raw value.
    Raw(&'a [u8]),
}

/// The value length 1.7.7 expects of a known counter type.
fn counter_len(kind: u16) -> Option<usize> {
    match kind {
        0..=6 | 11..=13 => Some(4),
        7 | 8 | 14 | 15 => Some(8),
        9 | 10 | 16 | 17 => Some(11),
        _ => None,
    }
}

/// Statistics Report.
#[derive(Debug, Clone, Copy)]
pub struct Stats<'a> {
    pub peer: PeerHeader,
    pub count: u32,
    pub counters: &'a [u8],
}

impl<'a> Stats<'a> {
    pub fn parse(body: &'a [u8]) -> Result<Stats<'a>, Error> {
        let (peer, rest) = PeerHeader::parse(body)?;
        let count = be32(rest, 0).ok_or(Error::StatsCounter(0))?;
        Ok(Stats {
            peer,
            count,
            counters: &rest[4..],
        })
    }

    /// The counters, at most `count`, read as 1.7.7 reads them; an overrun ends the walk
    /// with one `Err` (the counters before it are kept, as 1.7.7 logs them one by one).
    /// A known type whose length is not the expected one has value 0 and, as in 1.7.7, its
    /// value bytes are not skipped (the next counter header is read from them).
    pub fn counters(&self) -> impl Iterator<Item = Result<Counter<'a>, Error>> + 'a {
        let mut rest = self.counters;
        let mut i = 0u32;
        let count = self.count;
        std::iter::from_fn(move || {
            if i >= count {
                return None;
            }
            let idx = i;
            i += 1;
            let r = (|| {
                let kind = be16(rest, 0).ok_or(Error::StatsCounter(idx))?;
                let len = be16(rest, 2).ok_or(Error::StatsCounter(idx))? as usize;
                rest = &rest[4..];
                let (afi_safi, value) = match counter_len(kind) {
                    Some(want) if want == len => {
                        let v = rest.get(..len).ok_or(Error::StatsCounter(idx))?;
                        rest = &rest[len..];
                        match len {
                            4 => ((0, 0), u64::from(be32(v, 0).unwrap_or(0))),
                            8 => ((0, 0), be64(v, 0).unwrap_or(0)),
                            _ => ((be16(v, 0).unwrap_or(0), v[2]), be64(v, 3).unwrap_or(0)),
                        }
                    }
                    Some(_) => ((0, 0), 0),
                    None => {
                        let v = rest.get(..len).ok_or(Error::Tlv)?;
                        rest = &rest[len..];
                        return Ok(Counter {
                            kind,
                            afi_safi: (0, 0),
                            value: CounterValue::Raw(v),
                        });
                    }
                };
                Ok(Counter {
                    kind,
                    afi_safi,
                    value: CounterValue::Num(value),
                })
            })();
            if r.is_err() {
                i = count;
            }
            Some(r)
        })
    }
}

/// Route Mirroring: per-peer header and TLVs (type 0 a BGP message, type 1 an information
/// code). pmacct 1.7.7 logs nothing for it ("Message type currently not supported").
#[derive(Debug, Clone, Copy)]
pub struct RouteMirror<'a> {
    pub peer: PeerHeader,
    pub tlvs: &'a [u8],
}

impl<'a> RouteMirror<'a> {
    pub fn parse(body: &'a [u8]) -> Result<RouteMirror<'a>, Error> {
        let (peer, tlvs) = PeerHeader::parse(body)?;
        Ok(RouteMirror { peer, tlvs })
    }
}

/// A route distinguisher rendered as 1.7.7's `bgp_rd2str()`: `type:admin:assigned`, or
/// `unknown` for types other than 0, 1, 2.
pub fn rd_str(rd: &[u8; 8]) -> String {
    let t = u16::from_be_bytes([rd[0], rd[1]]);
    match t {
        0 => format!(
            "0:{}:{}",
            u16::from_be_bytes([rd[2], rd[3]]),
            u32::from_be_bytes([rd[4], rd[5], rd[6], rd[7]])
        ),
        1 => format!(
            "1:{}:{}",
            Ipv4Addr::new(rd[2], rd[3], rd[4], rd[5]),
            u16::from_be_bytes([rd[6], rd[7]])
        ),
        2 => format!(
            "2:{}:{}",
            u32::from_be_bytes([rd[2], rd[3], rd[4], rd[5]]),
            u16::from_be_bytes([rd[6], rd[7]])
        ),
        _ => "unknown".to_string(),
    }
}
