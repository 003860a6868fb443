//! BMP-learned routes for flow enrichment (`bmp_daemon: true` in nfacctd/sfacctd), stored in
//! pmacct-bgp's RIB so that one lookup (`pmacct_bgp::Peers::lookup_flow`) serves BGP and BMP.
//!
//! 1.7.7 (`bgp_lookup_find_bmp_peer`, `bgp_lookup_node_match_cmp_bmp`) finds a flow's routes
//! two ways, and so are they kept here:
//! - the exporter is the BMP router (its session address, or the BGP id of the router's side
//!   of the last Peer Up): every route of every peer it monitors matches, pre- and
//!   post-policy, Adj-RIB-In and Loc-RIB alike, the oldest route of a prefix first
//!   ([`FlowRib::routers`], one lookup peer per router);
//! - the exporter is a peer the router monitors (a route reflector exporting BMP): that
//!   peer's routes only ([`FlowRib::monitored`], one lookup peer per monitored peer).
//!
//! Routers are searched first, then monitored peers (1.7.7 tries both per router slot in
//! turn; the two orders differ only for an address that is both a router and a peer another
//! router monitors). A prefix can hold routes of several peers and BMP characteristics in one
//! lookup peer: each (monitored peer, characteristics, path id) gets a path slot of its own,
//! the RIB's path id.
//!
//! RDs (`flow_to_rd_map`): 1.7.7 tags a flow's RD with the BMP origin for these lookups
//! (`bgp_rd_origin_set(.., RD_ORIGIN_BMP)`) and compares it whole with a route's RD, which
//! is tagged with the BGP origin when it came in a VPN NLRI and with the BMP origin when it
//! is the per-peer header's peer distinguisher (peer types 1 and 3,
//! `bmp_peer_hdr_get_rd`). So a flow with an RD matches the VPN routes (any NLRI RD) and
//! then the unicast routes of the monitored peers whose peer distinguisher is that RD,
//! never a VPN route by its own RD; a flow without one, the unicast routes of every peer.
//! Then labelled unicast, where 1.7.7 compares the RD too: those of such peers only (the
//! BGP daemon's retry there takes any). Here VPN routes are kept under their peer's
//! distinguisher (none: not kept, they never match) and unicast and labelled unicast routes
//! of such peers a second time under it (`PeerRib::pd4`, `pd_lu4`).

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, RwLock};

use pmacct_bgp::attr::PathAttrs;
use pmacct_bgp::msg::Rd;
use pmacct_bgp::rib::{Path, Peer, PeerRib, Peers};

use crate::rib::{Chars, RouteKey};

/// The lookup side of the BMP daemon: shared with the flow decoders.
#[derive(Debug, Clone)]
pub struct FlowRib {
    pub routers: Arc<Peers>,
    pub monitored: Arc<Peers>,
}

impl Default for FlowRib {
    fn default() -> Self {
        FlowRib {
            // A router matches by session address or its Peer Up's local BGP id.
            routers: Arc::new(Peers::new(false)),
            // A monitored peer by its address only (1.7.7 sets its id to its address).
            monitored: Arc::new(Peers::new(true)),
        }
    }
}

fn new_peer(addr: IpAddr, tcp_port: u16, id: Ipv4Addr, asn: u32, ap: [bool; 2]) -> Arc<Peer> {
    Arc::new(Peer {
        addr,
        tcp_port,
        id,
        asn,
        add_path_v4: ap[0],
        add_path_v6: ap[1],
        rib: RwLock::new(PeerRib {
            bmp: true,
            ..PeerRib::default()
        }),
    })
}

/// One router's lookup state (owned by the collector thread).
#[derive(Debug, Default)]
pub struct RouterRib {
    router: Option<Arc<Peer>>,
    monitored: HashMap<IpAddr, Arc<Peer>>,
    /// Path slots of (monitored peer, characteristics, NLRI RD, path id); freed with their
    /// peer.
    slots: HashMap<(IpAddr, Chars, [u8; 8], u32), u32>,
    next_slot: u32,
}

/// The route's peer distinguisher as 1.7.7 keeps it: L3VPN instance and Loc-RIB peers,
/// non-zero.
fn pd_of(k: &RouteKey) -> Option<Rd> {
    (matches!(k.chars.peer_type, 1 | 3) && k.chars.rd != [0; 8]).then_some(Rd(k.chars.rd))
}

/// Where a route goes in a lookup RIB (see the module doc): announced (`Some(path)`) or
/// withdrawn (`None`, `slot`).
fn apply(rib: &RwLock<PeerRib>, k: &RouteKey, path: Option<&Path>, slot: u32) {
    use pmacct_bgp::msg::{SAFI_MPLS_LABEL, SAFI_MPLS_VPN, SAFI_UNICAST};
    let Ok(mut g) = rib.write() else {
        return;
    };
    let pd = pd_of(k);
    if k.safi == SAFI_MPLS_VPN {
        if let Some(pd) = pd {
            match path {
                Some(p) => g.announce(k.safi, Some(pd), k.prefix, p.clone()),
                None => {
                    g.withdraw(k.safi, Some(pd), k.prefix, slot);
                }
            }
        }
        return;
    }
    match path {
        Some(p) => g.announce(k.safi, None, k.prefix, p.clone()),
        None => {
            g.withdraw(k.safi, None, k.prefix, slot);
        }
    }
    let labelled = k.safi == SAFI_MPLS_LABEL;
    if let (true, Some(pd)) = (k.safi == SAFI_UNICAST || labelled, pd) {
        match path {
            Some(p) => g.announce_pd(labelled, pd, k.prefix, p.clone()),
            None => g.withdraw_pd(labelled, pd, k.prefix, slot),
        }
    }
}

impl RouterRib {
    /// A Peer Up from router `addr`:`port` for `peer`: the router's lookup peer takes the
    /// local BGP id of this Peer Up (1.7.7 overwrites it on each); the monitored peer is
    /// made unless it exists. `add_path`: IPv4 / IPv6 unicast of the received OPEN.
    #[allow(clippy::too_many_arguments)]
    pub fn peer_up(
        &mut self,
        rib: &FlowRib,
        addr: IpAddr,
        port: u16,
        local_id: Ipv4Addr,
        peer: IpAddr,
        peer_asn: u32,
        add_path: [bool; 2],
    ) {
        match &self.router {
            Some(r) if r.id == local_id => {}
            old => {
                // Same routes under a new id: the RIB moves to the new lookup peer.
                let moved = old
                    .as_ref()
                    .and_then(|o| o.rib.write().ok().map(|mut g| std::mem::take(&mut *g)))
                    .unwrap_or_default();
                let new = new_peer(addr, port, local_id, 0, [false; 2]);
                if let Ok(mut g) = new.rib.write() {
                    *g = moved;
                    g.bmp = true;
                }
                if let Some(o) = old {
                    rib.routers.remove(o);
                }
                rib.routers.add(new.clone());
                self.router = Some(new);
            }
        }
        if let std::collections::hash_map::Entry::Vacant(e) = self.monitored.entry(peer) {
            let id = match peer {
                IpAddr::V4(v) => v,
                IpAddr::V6(_) => Ipv4Addr::UNSPECIFIED,
            };
            let p = new_peer(peer, 0, id, peer_asn, add_path);
            rib.monitored.add(p.clone());
            e.insert(p);
        }
    }

    fn slot(&mut self, peer: IpAddr, k: &RouteKey) -> u32 {
        let next = &mut self.next_slot;
        *self
            .slots
            .entry((peer, k.chars, k.rd, k.path_id))
            .or_insert_with(|| {
                *next = next.wrapping_add(1);
                *next
            })
    }

    /// A route of monitored peer `peer` announced.
    pub fn announce(&mut self, peer: IpAddr, k: &RouteKey, attrs: &Arc<PathAttrs>) {
        let slot = self.slot(peer, k);
        let path = Path {
            path_id: slot,
            attrs: attrs.clone(),
        };
        if let Some(m) = self.monitored.get(&peer) {
            apply(&m.rib, k, Some(&path), slot);
        }
        if let Some(r) = &self.router {
            apply(&r.rib, k, Some(&path), slot);
        }
    }

    /// A route of monitored peer `peer` withdrawn (or deleted with its peer).
    pub fn withdraw(&mut self, peer: IpAddr, k: &RouteKey) {
        let Some(&slot) = self.slots.get(&(peer, k.chars, k.rd, k.path_id)) else {
            return;
        };
        if let Some(m) = self.monitored.get(&peer) {
            apply(&m.rib, k, None, slot);
        }
        if let Some(r) = &self.router {
            apply(&r.rib, k, None, slot);
        }
    }

    /// Peer Down: the monitored peer's routes are gone (withdrawn one by one before, by
    /// [`RouterRib::withdraw`]); the peer leaves the lookup list.
    pub fn peer_down(&mut self, rib: &FlowRib, peer: IpAddr) {
        if let Some(m) = self.monitored.remove(&peer) {
            rib.monitored.remove(&m);
        }
        self.slots.retain(|(p, _, _, _), _| *p != peer);
    }

    /// The router's session is gone: it and its peers leave the lookup lists.
    pub fn close(&mut self, rib: &FlowRib) {
        if let Some(r) = self.router.take() {
            rib.routers.remove(&r);
        }
        for (_, m) in self.monitored.drain() {
            rib.monitored.remove(&m);
        }
        self.slots.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pmacct_bgp::attr::FlowAttrs;
    use pmacct_bgp::msg::{Prefix, SAFI_MPLS_LABEL, SAFI_MPLS_VPN, SAFI_UNICAST};

    fn attrs(lp: u32) -> Arc<PathAttrs> {
        Arc::new(PathAttrs {
            origin: 0,
            as_path: None,
            communities: None,
            ext_communities: None,
            large_communities: None,
            local_pref: lp,
            med: 0,
            has_local_pref: true,
            has_med: false,
            next_hop: None,
            flow: FlowAttrs::default(),
        })
    }

    fn key(safi: u8, p: &str, rd: [u8; 8], peer_type: u8, pd: [u8; 8]) -> RouteKey {
        let (a, l) = p.split_once('/').unwrap();
        RouteKey {
            afi: 1,
            safi,
            prefix: Prefix {
                addr: a.parse().unwrap(),
                len: l.parse().unwrap(),
            },
            rd,
            path_id: 0,
            chars: Chars {
                peer_type,
                rd: pd,
                ..Chars::default()
            },
        }
    }

    /// 1.7.7's RD lookups over BMP (module doc): by peer distinguisher, VPN routes first.
    #[test]
    fn flow_rd_matches_peer_distinguisher() {
        let rd100 = [0, 0, 0xfd, 0xe8, 0, 0, 0, 100];
        let rd200 = [0, 0, 0xfd, 0xe8, 0, 0, 0, 200];
        let rib = FlowRib::default();
        let mut rr = RouterRib::default();
        let (ga, la) = ("10.0.0.2".parse().unwrap(), "10.0.1.2".parse().unwrap());
        let r: IpAddr = "127.0.0.1".parse().unwrap();
        let id = Ipv4Addr::new(192, 0, 2, 1);
        rr.peer_up(&rib, r, 1, id, ga, 65001, [false; 2]);
        rr.peer_up(&rib, r, 1, id, la, 65002, [false; 2]);
        // Global peer: a VPN route of RD 100 (never matches a flow RD) and a unicast one.
        rr.announce(
            ga,
            &key(SAFI_MPLS_VPN, "172.16.5.0/24", rd100, 0, [0; 8]),
            &attrs(1),
        );
        rr.announce(
            ga,
            &key(SAFI_UNICAST, "10.1.0.0/16", [0; 8], 0, [0; 8]),
            &attrs(2),
        );
        // L3VPN peer of distinguisher 100: unicast /24 inside a VPN /16 of RD 200.
        rr.announce(
            la,
            &key(SAFI_UNICAST, "10.8.8.0/24", [0; 8], 1, rd100),
            &attrs(3),
        );
        rr.announce(
            la,
            &key(SAFI_MPLS_VPN, "10.8.0.0/16", rd200, 1, rd100),
            &attrs(4),
        );
        rr.announce(
            la,
            &key(SAFI_UNICAST, "10.6.0.0/16", [0; 8], 1, rd100),
            &attrs(5),
        );
        // Labelled unicast: the global peer's never matches a flow RD, the L3VPN peer's does.
        let lu = |p, pt, pd| key(SAFI_MPLS_LABEL, p, [0; 8], pt, pd);
        rr.announce(ga, &lu("10.9.0.0/16", 0, [0; 8]), &attrs(6));
        rr.announce(la, &lu("10.10.0.0/16", 1, rd100), &attrs(7));
        let g = rr.router.as_ref().unwrap().rib.read().unwrap();
        let lp = |a: &str, rd: Option<[u8; 8]>| {
            g.lookup(a.parse().unwrap(), rd.map(Rd), false, None)
                .map(|(_, p)| p.attrs.local_pref)
        };
        assert_eq!(lp("172.16.5.1", Some(rd100)), None);
        assert_eq!(lp("10.1.1.1", Some(rd100)), None);
        assert_eq!(lp("10.8.8.1", Some(rd100)), Some(4));
        assert_eq!(lp("10.6.1.1", Some(rd100)), Some(5));
        assert_eq!(lp("10.6.1.1", Some(rd200)), None);
        assert_eq!(lp("10.9.1.1", Some(rd100)), None);
        assert_eq!(lp("10.10.1.1", Some(rd100)), Some(7));
        assert_eq!(lp("10.9.1.1", None), Some(6));
        assert_eq!(lp("10.10.1.1", None), Some(7));
        // Without an RD: every peer's unicast routes, no VPN route.
        assert_eq!(lp("10.8.8.1", None), Some(3));
        assert_eq!(lp("10.1.1.1", None), Some(2));
        assert_eq!(lp("172.16.5.1", None), None);
        drop(g);
        // Withdrawn: gone from the distinguisher's table too.
        rr.withdraw(la, &key(SAFI_UNICAST, "10.6.0.0/16", [0; 8], 1, rd100));
        rr.withdraw(la, &key(SAFI_MPLS_VPN, "10.8.0.0/16", rd200, 1, rd100));
        let g = rr.router.as_ref().unwrap().rib.read().unwrap();
        let lp = |a: &str| {
            g.lookup(a.parse().unwrap(), Some(Rd(rd100)), false, None)
                .map(|(_, p)| p.attrs.local_pref)
        };
        assert_eq!(lp("10.6.1.1"), None);
        assert_eq!(lp("10.8.8.1"), Some(3));
    }
}
