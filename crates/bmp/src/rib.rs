//! Routes of the peers a router monitors, as pmacct 1.7.7 keys them for BMP: a route is
//! (AFI, SAFI, RD, prefix, path id) plus the BMP characteristics of the message that carried
//! it (peer type, pre/post policy, Adj-RIB-In/Out, Loc-RIB, filtered, the peer header's RD):
//! pre- and post-policy copies of one prefix are two routes. Ordered maps keep every walk
//! (withdrawals on Peer Down, dumps) in (AFI, SAFI, prefix) order, as 1.7.7's radix walks.
//!
//! Attributes are interned by `pmacct_bgp::attr::Interner` (one copy per distinct set).

use std::collections::BTreeMap;
use std::sync::Arc;

use pmacct_bgp::attr::PathAttrs;
use pmacct_bgp::msg::Prefix;

use crate::msg::PeerHeader;

/// The BMP characteristics 1.7.7 keys routes with (`struct bmp_chars`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Chars {
    pub peer_type: u8,
    pub is_post: bool,
    pub is_2b_asn: bool,
    pub is_filtered: bool,
    pub is_out: bool,
    pub is_loc: bool,
    pub rd: [u8; 8],
}

impl Chars {
    pub fn of(h: &PeerHeader) -> Chars {
        Chars {
            peer_type: h.peer_type,
            is_post: h.is_post(),
            is_2b_asn: h.is_2b_asn(),
            is_filtered: h.is_filtered(),
            is_out: h.is_out(),
            is_loc: h.is_loc_rib(),
            rd: h.rd,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct RouteKey {
    pub afi: u16,
    pub safi: u8,
    pub prefix: Prefix,
    /// The NLRI's RD (VPN routes), zero otherwise.
    pub rd: [u8; 8],
    pub path_id: u32,
    pub chars: Chars,
}

/// Attribute presence bits 1.7.7 prints by (`attr->bitmap`).
pub const HAS_LOCAL_PREF: u8 = 1;
pub const HAS_MED: u8 = 2;

#[derive(Debug, Clone)]
pub struct Route {
    pub attrs: Arc<PathAttrs>,
    /// Bottom label of labelled / VPN routes.
    pub label: Option<u32>,
    pub present: u8,
}

/// One monitored peer (a Peer Up received for it, no Peer Down since).
#[derive(Debug, Default)]
pub struct MonitoredPeer {
    /// Both OPENs of the Peer Up carry the 4-octet AS capability.
    pub four: bool,
    /// ADD-PATH per (AFI 1/2, SAFI unicast/label/vpn) from the received OPEN.
    pub add_path: [[bool; 3]; 3],
    pub routes: BTreeMap<RouteKey, Route>,
}

pub fn safi_idx(safi: u8) -> usize {
    match safi {
        pmacct_bgp::msg::SAFI_MPLS_LABEL => 1,
        pmacct_bgp::msg::SAFI_MPLS_VPN => 2,
        _ => 0,
    }
}

impl MonitoredPeer {
    pub fn add_path(&self, afi: u16, safi: u8) -> bool {
        let a = match afi {
            1 => 1,
            2 => 2,
            _ => return false,
        };
        self.add_path[a][safi_idx(safi)]
    }
}
