//! Zero-copy views of BGP-4 messages (RFC 4271) and the extensions pmacct 1.7.7 reads:
//! capabilities (RFC 5492: MP-BGP 4760, 4-octet ASN 6793, ADD-PATH 7911, extended next hop
//! 8950, route refresh 2918), path attributes (communities 1997, extended 4360, large 8092,
//! AS4_PATH), MP_REACH/MP_UNREACH for IPv4/IPv6 unicast, labelled unicast (3107) and
//! VPNv4/VPNv6 (4364).
//!
//! Every accessor bounds its reads by the message: a lying length is an error, never a panic
//! or an out-of-bounds read, and nothing here allocates (the owned forms are in `attr`).
//!
//! Error handling follows pmacct 1.7.7, not RFC 7606: 1.7.7 resets the session (NOTIFICATION,
//! peer closed, its RIB withdrawn) on every malformed UPDATE field it checks, discards a
//! malformed AS_PATH or community attribute alone (the route is kept without it), and stops
//! at the first malformed NLRI of a block while keeping the prefixes before it. Each
//! [`UpdateError`] says which of these it is ([`UpdateError::action`]).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub const MARKER_LEN: usize = 16;
pub const HEADER_LEN: usize = 19;
/// pmacct's BGP_MAX_MSGLEN (RFC 4271; extended messages, RFC 8654, are not negotiated).
pub const MAX_MSG_LEN: usize = 4096;
pub const OPEN_MIN_LEN: usize = 29;

pub const MSG_OPEN: u8 = 1;
pub const MSG_UPDATE: u8 = 2;
pub const MSG_NOTIFICATION: u8 = 3;
pub const MSG_KEEPALIVE: u8 = 4;
pub const MSG_ROUTE_REFRESH: u8 = 5;

pub const AFI_IP: u16 = 1;
pub const AFI_IP6: u16 = 2;
pub const SAFI_UNICAST: u8 = 1;
pub const SAFI_MPLS_LABEL: u8 = 4;
pub const SAFI_MPLS_VPN: u8 = 128;

pub const AS_TRANS: u16 = 23456;

pub const ATTR_ORIGIN: u8 = 1;
pub const ATTR_AS_PATH: u8 = 2;
pub const ATTR_NEXT_HOP: u8 = 3;
pub const ATTR_MED: u8 = 4;
pub const ATTR_LOCAL_PREF: u8 = 5;
pub const ATTR_COMMUNITIES: u8 = 8;
pub const ATTR_MP_REACH: u8 = 14;
pub const ATTR_MP_UNREACH: u8 = 15;
pub const ATTR_EXT_COMMUNITIES: u8 = 16;
pub const ATTR_AS4_PATH: u8 = 17;
pub const ATTR_AIGP: u8 = 26;
pub const ATTR_LARGE_COMMUNITIES: u8 = 32;
pub const ATTR_PREFIX_SID: u8 = 40;
const FLAG_EXTLEN: u8 = 0x10;

/// NOTIFICATION error codes pmacct sends when it resets a session.
pub const NOTIFY_HEADER_ERR: u8 = 1;
pub const NOTIFY_OPEN_ERR: u8 = 2;
pub const NOTIFY_UPDATE_ERR: u8 = 3;
pub const NOTIFY_HOLD_TIMER_EXPIRED: u8 = 4;
pub const NOTIFY_FSM_ERR: u8 = 5;
pub const NOTIFY_CEASE: u8 = 6;

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}
fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at + 4)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

/// Why the 19-byte header (or the framing of the stream) is bad: the session is reset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderError {
    /// Length field below 19 or above 4096.
    BadLength(u16),
    /// Marker not all ones.
    BadMarker,
    /// Message type pmacct does not know.
    BadType(u8),
    /// Fewer bytes than the length field says (a view given a truncated message).
    Truncated,
}

/// The length of the first message of a TCP stream buffer, once it is complete: `Ok(None)`
/// while fewer than its bytes have arrived. Checks length and marker as 1.7.7 does.
pub fn frame_len(buf: &[u8]) -> Result<Option<usize>, HeaderError> {
    if buf.len() < HEADER_LEN {
        return Ok(None);
    }
    let len = be16(buf, 16).unwrap_or(0);
    if (len as usize) < HEADER_LEN || len as usize > MAX_MSG_LEN {
        return Err(HeaderError::BadLength(len));
    }
    if buf[..MARKER_LEN].iter().any(|&b| b != 0xff) {
        return Err(HeaderError::BadMarker);
    }
    Ok((buf.len() >= len as usize).then_some(len as usize))
}

/// One message, borrowed from the receive buffer.
#[derive(Debug, Clone, Copy)]
pub enum Message<'a> {
    Open(Open<'a>),
    Update(Update<'a>),
    Notification(Notification<'a>),
    Keepalive,
    RouteRefresh { afi: u16, safi: u8 },
}

/// Any reason a message is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MsgError {
    Header(HeaderError),
    Open(OpenError),
    Update(UpdateError),
    /// NOTIFICATION or ROUTE-REFRESH shorter than its fixed part.
    Short(u8),
}

impl fmt::Display for MsgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MsgError::Header(h) => write!(f, "malformed BGP header: {h:?}"),
            MsgError::Open(o) => write!(f, "malformed BGP OPEN: {o:?}"),
            MsgError::Update(u) => write!(f, "malformed BGP UPDATE: {u:?}"),
            MsgError::Short(t) => write!(f, "short BGP message of type {t}"),
        }
    }
}

impl MsgError {
    /// The NOTIFICATION (code, subcode) pmacct answers with when it resets the session.
    pub fn notification(&self) -> (u8, u8) {
        match self {
            MsgError::Header(HeaderError::BadLength(_)) => (NOTIFY_HEADER_ERR, 2),
            MsgError::Header(HeaderError::BadMarker) => (NOTIFY_HEADER_ERR, 1),
            MsgError::Header(HeaderError::BadType(_)) => (NOTIFY_HEADER_ERR, 3),
            MsgError::Header(HeaderError::Truncated) | MsgError::Short(_) => (NOTIFY_HEADER_ERR, 2),
            MsgError::Open(_) => (NOTIFY_OPEN_ERR, 0),
            MsgError::Update(_) => (NOTIFY_UPDATE_ERR, 0),
        }
    }
}

impl<'a> Message<'a> {
    /// View one complete message (`msg` exactly as long as its length field, as
    /// [`frame_len`] cut it).
    pub fn parse(msg: &'a [u8]) -> Result<Message<'a>, MsgError> {
        let len = match frame_len(msg).map_err(MsgError::Header)? {
            Some(l) => l,
            None => return Err(MsgError::Header(HeaderError::Truncated)),
        };
        let body = &msg[HEADER_LEN..len];
        match msg[18] {
            MSG_OPEN => Open::parse(body).map(Message::Open).map_err(MsgError::Open),
            MSG_UPDATE => Update::parse(body)
                .map(Message::Update)
                .map_err(MsgError::Update),
            MSG_NOTIFICATION => {
                if body.len() < 2 {
                    return Err(MsgError::Short(MSG_NOTIFICATION));
                }
                Ok(Message::Notification(Notification {
                    code: body[0],
                    subcode: body[1],
                    data: &body[2..],
                }))
            }
            MSG_KEEPALIVE => Ok(Message::Keepalive),
            MSG_ROUTE_REFRESH => match (be16(body, 0), body.get(3)) {
                (Some(afi), Some(&safi)) => Ok(Message::RouteRefresh { afi, safi }),
                _ => Err(MsgError::Short(MSG_ROUTE_REFRESH)),
            },
            t => Err(MsgError::Header(HeaderError::BadType(t))),
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Notification<'a> {
    pub code: u8,
    pub subcode: u8,
    pub data: &'a [u8],
}

impl Notification<'_> {
    /// RFC 8203 shutdown communication (Cease / admin shutdown or reset), as pmacct logs it.
    pub fn shutdown_message(&self) -> &str {
        if self.code != NOTIFY_CEASE || !(self.subcode == 2 || self.subcode == 4) {
            return "";
        }
        let Some((&n, rest)) = self.data.split_first() else {
            return "";
        };
        rest.get(..n as usize)
            .and_then(|s| std::str::from_utf8(s).ok())
            .unwrap_or("")
    }
}

// ---------------------------------------------------------------- OPEN

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenError {
    /// Shorter than the fixed 10 bytes, or the optional parameters overrun the message.
    Short,
    UnsupportedVersion(u8),
    /// An optional parameter or capability overruns its container.
    OptionOverrun,
    /// 4-octet ASN capability not 4 bytes long.
    BadAs4Cap,
    /// `my AS` is AS_TRANS and the capability is missing, 0 or AS_TRANS.
    InvalidAs4,
    /// `my AS` is not AS_TRANS and differs from the capability.
    MismatchingAs4,
}

#[derive(Debug, Clone, Copy)]
pub struct Open<'a> {
    pub version: u8,
    pub my_as: u16,
    pub hold_time: u16,
    pub bgp_id: Ipv4Addr,
    /// Optional parameters, bounded by the message.
    pub params: &'a [u8],
}

/// One capability of an OPEN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability<'a> {
    Multiprotocol {
        afi: u16,
        safi: u8,
    },
    RouteRefresh,
    /// RFC 8950 entries: (NLRI AFI, NLRI SAFI, next hop AFI), 6 bytes each.
    ExtendedNextHop(&'a [u8]),
    FourOctetAs(u32),
    /// RFC 7911 entries: (AFI, SAFI, send/receive), 4 bytes each.
    AddPath(&'a [u8]),
    Other {
        code: u8,
        value: &'a [u8],
    },
}

/// One optional parameter of an OPEN: a capabilities parameter (type 2) or another one.
#[derive(Debug, Clone, Copy)]
pub struct OptParam<'a> {
    pub kind: u8,
    pub value: &'a [u8],
}

impl<'a> Open<'a> {
    pub fn parse(body: &'a [u8]) -> Result<Open<'a>, OpenError> {
        if body.len() < 10 {
            return Err(OpenError::Short);
        }
        let optlen = body[9] as usize;
        let params = body.get(10..10 + optlen).ok_or(OpenError::Short)?;
        Ok(Open {
            version: body[0],
            my_as: be16(body, 1).unwrap_or(0),
            hold_time: be16(body, 3).unwrap_or(0),
            bgp_id: Ipv4Addr::new(body[5], body[6], body[7], body[8]),
            params,
        })
    }

    /// The optional parameters, in order.
    pub fn params(&self) -> impl Iterator<Item = Result<OptParam<'a>, OpenError>> + 'a {
        let mut rest = self.params;
        std::iter::from_fn(move || {
            if rest.is_empty() {
                return None;
            }
            if rest.len() < 2 || rest[1] as usize + 2 > rest.len() {
                rest = &[];
                return Some(Err(OpenError::OptionOverrun));
            }
            let (p, tail) = rest.split_at(2 + rest[1] as usize);
            rest = tail;
            Some(Ok(OptParam {
                kind: p[0],
                value: &p[2..],
            }))
        })
    }
}

impl<'a> OptParam<'a> {
    /// The capabilities of a capabilities parameter (none for other kinds).
    pub fn capabilities(&self) -> impl Iterator<Item = Result<Capability<'a>, OpenError>> + 'a {
        let mut rest = if self.kind == 2 { self.value } else { &[] };
        std::iter::from_fn(move || {
            if rest.is_empty() {
                return None;
            }
            if rest.len() < 2 || rest[1] as usize + 2 > rest.len() {
                rest = &[];
                return Some(Err(OpenError::OptionOverrun));
            }
            let (c, tail) = rest.split_at(2 + rest[1] as usize);
            rest = tail;
            let v = &c[2..];
            Some(Ok(match c[0] {
                1 if v.len() >= 4 => Capability::Multiprotocol {
                    afi: be16(v, 0).unwrap_or(0),
                    safi: v[3],
                },
                2 => Capability::RouteRefresh,
                5 => Capability::ExtendedNextHop(&v[..v.len() / 6 * 6]),
                65 => match be32(v, 0) {
                    Some(a) if v.len() == 4 => Capability::FourOctetAs(a),
                    _ => return Some(Err(OpenError::BadAs4Cap)),
                },
                69 => Capability::AddPath(&v[..v.len() / 4 * 4]),
                code => Capability::Other { code, value: v },
            }))
        })
    }

    /// The raw bytes of one capability TLV (for echoing it back verbatim).
    pub fn raw_capabilities(&self) -> impl Iterator<Item = &'a [u8]> + 'a {
        let mut rest = if self.kind == 2 { self.value } else { &[] };
        std::iter::from_fn(move || {
            if rest.len() < 2 || rest[1] as usize + 2 > rest.len() {
                return None;
            }
            let (c, tail) = rest.split_at(2 + rest[1] as usize);
            rest = tail;
            Some(c)
        })
    }
}

// ---------------------------------------------------------------- UPDATE

/// What pmacct 1.7.7 does about a malformed UPDATE field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorAction {
    /// NOTIFICATION (UPDATE message error), session closed, the peer's RIB withdrawn.
    /// (RFC 7606 would treat most of these as withdraw; 1.7.7 does not.)
    SessionReset,
    /// The attribute alone is ignored; the routes are kept without it.
    AttributeDiscard,
    /// The NLRI block stops at the bad entry; the prefixes before it stay applied.
    NlriStop,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateError {
    /// Withdrawn routes length overruns the message.
    WithdrawnLen,
    /// Path attributes length overruns the message.
    AttrsLen,
    /// Fewer than 3 bytes left for an attribute header, or its length overruns.
    AttrOverrun,
    OriginLen,
    NextHopLen,
    MedLen,
    LocalPrefLen,
    /// MP_REACH_NLRI: shorter than 5, next hop length not 4/12/16/24/32 or overrunning, or
    /// no NLRI.
    MpReach,
    /// MP_UNREACH_NLRI shorter than 3.
    MpUnreach,
    Aigp,
    PrefixSid,
    /// AS_PATH / AS4_PATH: segment overrun, empty segment, odd length.
    AsPath,
    /// COMMUNITIES / EXTENDED / LARGE length not a multiple of 4 / 8 / 12.
    CommunityLen,
    /// Prefix length above the family's maximum, or prefix bytes overrunning the block.
    NlriLen,
    /// Labelled or VPN NLRI without a complete label, or RD truncated.
    NlriLabel,
    /// VPN NLRI whose RD type is not 0, 1 or 2.
    NlriRdType,
}

impl UpdateError {
    pub fn action(self) -> ErrorAction {
        match self {
            UpdateError::AsPath | UpdateError::CommunityLen => ErrorAction::AttributeDiscard,
            UpdateError::NlriLen | UpdateError::NlriLabel | UpdateError::NlriRdType => {
                ErrorAction::NlriStop
            }
            _ => ErrorAction::SessionReset,
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Update<'a> {
    pub withdrawn: &'a [u8],
    pub attrs: &'a [u8],
    pub nlri: &'a [u8],
}

/// One path attribute, undecoded.
#[derive(Debug, Clone, Copy)]
pub struct RawAttr<'a> {
    pub flags: u8,
    pub code: u8,
    pub value: &'a [u8],
}

/// MP_REACH_NLRI, decoded as far as 1.7.7 does.
#[derive(Debug, Clone, Copy)]
pub struct MpReach<'a> {
    pub afi: u16,
    pub safi: u8,
    /// Global next hop (the RD of a VPN next hop dropped, a link-local second address too).
    pub next_hop: IpAddr,
    pub nlri: &'a [u8],
}

#[derive(Debug, Clone, Copy)]
pub struct MpUnreach<'a> {
    pub afi: u16,
    pub safi: u8,
    pub nlri: &'a [u8],
}

/// The attributes of an UPDATE that pmacct uses, still borrowed.
#[derive(Debug, Clone, Copy, Default)]
pub struct Attrs<'a> {
    pub origin: Option<u8>,
    pub as_path: Option<&'a [u8]>,
    pub as4_path: Option<&'a [u8]>,
    pub next_hop: Option<Ipv4Addr>,
    pub med: Option<u32>,
    pub local_pref: Option<u32>,
    pub communities: Option<&'a [u8]>,
    pub ext_communities: Option<&'a [u8]>,
    pub large_communities: Option<&'a [u8]>,
    pub mp_reach: Option<MpReach<'a>>,
    pub mp_unreach: Option<MpUnreach<'a>>,
}

impl<'a> Update<'a> {
    pub fn parse(body: &'a [u8]) -> Result<Update<'a>, UpdateError> {
        let wlen = be16(body, 0).ok_or(UpdateError::WithdrawnLen)? as usize;
        let withdrawn = body.get(2..2 + wlen).ok_or(UpdateError::WithdrawnLen)?;
        let at = 2 + wlen;
        let alen = be16(body, at).ok_or(UpdateError::AttrsLen)? as usize;
        let attrs = body
            .get(at + 2..at + 2 + alen)
            .ok_or(UpdateError::AttrsLen)?;
        let nlri = &body[at + 2 + alen..];
        Ok(Update {
            withdrawn,
            attrs,
            nlri,
        })
    }

    /// End-of-RIB marker (RFC 4724) for IPv4 unicast: an empty UPDATE.
    pub fn is_end_of_rib(&self) -> bool {
        self.withdrawn.is_empty() && self.attrs.is_empty() && self.nlri.is_empty()
    }

    /// The path attributes, undecoded, in order.
    pub fn raw_attributes(&self) -> impl Iterator<Item = Result<RawAttr<'a>, UpdateError>> + 'a {
        let mut rest = self.attrs;
        std::iter::from_fn(move || {
            if rest.is_empty() {
                return None;
            }
            let r = (|| {
                if rest.len() < 3 {
                    return Err(UpdateError::AttrOverrun);
                }
                let flags = rest[0];
                let code = rest[1];
                let (len, hdr) = if flags & FLAG_EXTLEN != 0 {
                    (be16(rest, 2).ok_or(UpdateError::AttrOverrun)? as usize, 4)
                } else {
                    (rest[2] as usize, 3)
                };
                let value = rest.get(hdr..hdr + len).ok_or(UpdateError::AttrOverrun)?;
                rest = &rest[hdr + len..];
                Ok(RawAttr { flags, code, value })
            })();
            if r.is_err() {
                rest = &[];
            }
            Some(r)
        })
    }

    /// Decode the attributes pmacct uses, with its checks. An `Err` resets the session.
    pub fn attributes(&self) -> Result<Attrs<'a>, UpdateError> {
        let mut a = Attrs::default();
        for r in self.raw_attributes() {
            let r = r?;
            let v = r.value;
            match r.code {
                ATTR_ORIGIN => {
                    if v.len() != 1 {
                        return Err(UpdateError::OriginLen);
                    }
                    a.origin = Some(v[0]);
                }
                ATTR_AS_PATH => a.as_path = Some(v),
                ATTR_AS4_PATH => a.as4_path = Some(v),
                ATTR_NEXT_HOP => {
                    if v.len() != 4 {
                        return Err(UpdateError::NextHopLen);
                    }
                    a.next_hop = Some(Ipv4Addr::new(v[0], v[1], v[2], v[3]));
                }
                ATTR_MED => a.med = Some(be32_exact(v).ok_or(UpdateError::MedLen)?),
                ATTR_LOCAL_PREF => {
                    a.local_pref = Some(be32_exact(v).ok_or(UpdateError::LocalPrefLen)?)
                }
                ATTR_COMMUNITIES => a.communities = Some(v),
                ATTR_EXT_COMMUNITIES => a.ext_communities = Some(v),
                ATTR_LARGE_COMMUNITIES => a.large_communities = Some(v),
                ATTR_MP_REACH => a.mp_reach = Some(mp_reach(v)?),
                ATTR_MP_UNREACH => {
                    if v.len() < 3 {
                        return Err(UpdateError::MpUnreach);
                    }
                    a.mp_unreach = Some(MpUnreach {
                        afi: be16(v, 0).unwrap_or(0),
                        safi: v[2],
                        nlri: &v[3..],
                    });
                }
                // 1.7.7 checks these two although it uses neither for flows.
                ATTR_AIGP if !(v.len() == 3 || v.len() == 11) => {
                    return Err(UpdateError::Aigp);
                }
                ATTR_PREFIX_SID if v.len() < 3 || (v[0] == 1 && be16(v, 1) != Some(7)) => {
                    return Err(UpdateError::PrefixSid);
                }
                _ => {}
            }
        }
        Ok(a)
    }
}

fn be32_exact(v: &[u8]) -> Option<u32> {
    if v.len() == 4 {
        be32(v, 0)
    } else {
        None
    }
}

fn mp_reach(v: &[u8]) -> Result<MpReach<'_>, UpdateError> {
    if v.len() < 5 {
        return Err(UpdateError::MpReach);
    }
    let afi = be16(v, 0).unwrap_or(0);
    let safi = v[2];
    let nhlen = v[3] as usize;
    let rest = &v[4..];
    // 1.7.7 wants more bytes than the next hop (the SNPA count byte follows).
    if !matches!(nhlen, 4 | 12 | 16 | 24 | 32) || rest.len() <= nhlen {
        return Err(UpdateError::MpReach);
    }
    let nh = &rest[..nhlen];
    let next_hop = match nhlen {
        4 => IpAddr::V4(Ipv4Addr::new(nh[0], nh[1], nh[2], nh[3])),
        12 => IpAddr::V4(Ipv4Addr::new(nh[8], nh[9], nh[10], nh[11])),
        16 | 32 => IpAddr::V6(v6(&nh[..16])),
        _ => IpAddr::V6(v6(&nh[8..24])),
    };
    // One byte of SNPA count skipped (its contents are not walked, as in 1.7.7).
    let nlri = &rest[nhlen + 1..];
    if nlri.is_empty() {
        return Err(UpdateError::MpReach);
    }
    Ok(MpReach {
        afi,
        safi,
        next_hop,
        nlri,
    })
}

fn v6(b: &[u8]) -> Ipv6Addr {
    let mut a = [0u8; 16];
    a.copy_from_slice(&b[..16]);
    Ipv6Addr::from(a)
}

// ---------------------------------------------------------------- NLRI

/// A prefix with its host bits cleared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Prefix {
    pub addr: IpAddr,
    pub len: u8,
}

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.len)
    }
}

/// A route distinguisher as carried in VPN NLRI: type and 6 value bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Rd(pub [u8; 8]);

/// One NLRI entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Nlri {
    /// ADD-PATH path identifier (0 without ADD-PATH).
    pub path_id: u32,
    pub prefix: Prefix,
    /// VPN routes only.
    pub rd: Option<Rd>,
    /// Bottom label (20 bits) of labelled and VPN routes.
    pub label: u32,
}

/// Iterator over an NLRI block of one (AFI, SAFI). Stops after the first error.
#[derive(Debug, Clone)]
pub struct NlriIter<'a> {
    rest: &'a [u8],
    afi: u16,
    safi: u8,
    add_path: bool,
    withdraw: bool,
}

impl<'a> NlriIter<'a> {
    /// `withdraw`: 1.7.7 does not walk the label stack of withdrawn labelled routes (RFC 8277
    /// puts one compatibility label there).
    pub fn new(block: &'a [u8], afi: u16, safi: u8, add_path: bool, withdraw: bool) -> Self {
        NlriIter {
            rest: block,
            afi,
            safi,
            add_path,
            withdraw,
        }
    }

    /// True for the (AFI, SAFI) pairs 1.7.7 keeps routes of.
    pub fn supported(afi: u16, safi: u8) -> bool {
        matches!(afi, AFI_IP | AFI_IP6)
            && matches!(safi, SAFI_UNICAST | SAFI_MPLS_LABEL | SAFI_MPLS_VPN)
    }

    fn next_entry(&mut self) -> Result<Nlri, UpdateError> {
        let mut r = self.rest;
        let mut path_id = 0;
        if self.add_path {
            path_id = be32(r, 0).ok_or(UpdateError::NlriLen)?;
            r = &r[4..];
        }
        let (&plen, tail) = r.split_first().ok_or(UpdateError::NlriLen)?;
        let max_bits: u16 = if self.afi == AFI_IP6 { 128 } else { 32 };
        let extra_bits: u16 = match self.safi {
            SAFI_MPLS_LABEL => 24,
            SAFI_MPLS_VPN => 88,
            _ => 0,
        };
        if u16::from(plen) > max_bits + extra_bits {
            return Err(UpdateError::NlriLen);
        }
        let psize = (plen as usize).div_ceil(8);
        let p = tail.get(..psize).ok_or(UpdateError::NlriLen)?;
        self.rest = &tail[psize..];
        let mut label = 0;
        let mut rd = None;
        let mut skip = 0usize;
        if self.safi != SAFI_UNICAST {
            if psize < 3 {
                return Err(UpdateError::NlriLabel);
            }
            // Labels up to the bottom-of-stack bit (updates only), then the bottom one.
            if !self.withdraw {
                while skip + 3 <= psize && p[skip + 2] & 1 == 0 {
                    skip += 3;
                }
            }
            if skip + 3 > psize {
                return Err(UpdateError::NlriLabel);
            }
            label = (u32::from(p[skip]) << 12)
                | (u32::from(p[skip + 1]) << 4)
                | (u32::from(p[skip + 2]) >> 4);
            skip += 3;
            if self.safi == SAFI_MPLS_VPN {
                let b = p.get(skip..skip + 8).ok_or(UpdateError::NlriLabel)?;
                if b[0] != 0 || b[1] > 2 {
                    return Err(UpdateError::NlriRdType);
                }
                let mut x = [0u8; 8];
                x.copy_from_slice(b);
                rd = Some(Rd(x));
                skip += 8;
            }
        }
        let bits = u16::from(plen).saturating_sub(8 * skip as u16);
        if bits > max_bits {
            return Err(UpdateError::NlriLen);
        }
        let addr_bytes = &p[skip..];
        let prefix = make_prefix(self.afi, addr_bytes, bits as u8);
        Ok(Nlri {
            path_id,
            prefix,
            rd,
            label,
        })
    }
}

/// The prefix of `bits` bits from `bytes` (host bits cleared).
pub fn make_prefix(afi: u16, bytes: &[u8], bits: u8) -> Prefix {
    if afi == AFI_IP6 {
        let mut a = [0u8; 16];
        let n = bytes.len().min(16);
        a[..n].copy_from_slice(&bytes[..n]);
        let v = u128::from_be_bytes(a) & mask128(bits);
        Prefix {
            addr: IpAddr::V6(Ipv6Addr::from(v)),
            len: bits.min(128),
        }
    } else {
        let mut a = [0u8; 4];
        let n = bytes.len().min(4);
        a[..n].copy_from_slice(&bytes[..n]);
        let v = u32::from_be_bytes(a) & mask32(bits);
        Prefix {
            addr: IpAddr::V4(Ipv4Addr::from(v)),
            len: bits.min(32),
        }
    }
}

pub fn mask32(bits: u8) -> u32 {
    if bits == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(bits.min(32)))
    }
}

pub fn mask128(bits: u8) -> u128 {
    if bits == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(bits.min(128)))
    }
}

impl Iterator for NlriIter<'_> {
    type Item = Result<Nlri, UpdateError>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let r = self.next_entry();
        if r.is_err() {
            self.rest = &[];
        }
        Some(r)
    }
}

// ---------------------------------------------------------------- writing

/// A KEEPALIVE.
pub fn keepalive() -> [u8; HEADER_LEN] {
    let mut m = [0xffu8; HEADER_LEN];
    m[16] = 0;
    m[17] = HEADER_LEN as u8;
    m[18] = MSG_KEEPALIVE;
    m
}

/// A NOTIFICATION without data.
pub fn notification(code: u8, subcode: u8) -> [u8; HEADER_LEN + 2] {
    let mut m = [0xffu8; HEADER_LEN + 2];
    m[16] = 0;
    m[17] = (HEADER_LEN + 2) as u8;
    m[18] = MSG_NOTIFICATION;
    m[19] = code;
    m[20] = subcode;
    m
}

/// Append an OPEN to `out`: `params` are complete optional parameters (type, length, value).
pub fn write_open(out: &mut Vec<u8>, my_as: u16, hold_time: u16, id: Ipv4Addr, params: &[u8]) {
    let len = OPEN_MIN_LEN + params.len();
    out.extend_from_slice(&[0xff; MARKER_LEN]);
    out.extend_from_slice(&(len as u16).to_be_bytes());
    out.push(MSG_OPEN);
    out.push(4);
    out.extend_from_slice(&my_as.to_be_bytes());
    out.extend_from_slice(&hold_time.to_be_bytes());
    out.extend_from_slice(&id.octets());
    out.push(params.len() as u8);
    out.extend_from_slice(params);
}
