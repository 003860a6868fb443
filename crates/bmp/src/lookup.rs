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
        rib: RwLock::new(PeerRib::default()),
    })
}

/// One router's lookup state (owned by the collector thread).
#[derive(Debug, Default)]
pub struct RouterRib {
    router: Option<Arc<Peer>>,
    monitored: HashMap<IpAddr, Arc<Peer>>,
    /// Path slots of (monitored peer, characteristics, path id); freed with their peer.
    slots: HashMap<(IpAddr, Chars, u32), u32>,
    next_slot: u32,
}

fn rd_of(k: &RouteKey) -> Option<Rd> {
    (k.safi == pmacct_bgp::msg::SAFI_MPLS_VPN).then_some(Rd(k.rd))
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
            .entry((peer, k.chars, k.path_id))
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
            if let Ok(mut g) = m.rib.write() {
                g.announce(k.safi, rd_of(k), k.prefix, path.clone());
            }
        }
        if let Some(r) = &self.router {
            if let Ok(mut g) = r.rib.write() {
                g.announce(k.safi, rd_of(k), k.prefix, path);
            }
        }
    }

    /// A route of monitored peer `peer` withdrawn (or deleted with its peer).
    pub fn withdraw(&mut self, peer: IpAddr, k: &RouteKey) {
        let Some(&slot) = self.slots.get(&(peer, k.chars, k.path_id)) else {
            return;
        };
        if let Some(m) = self.monitored.get(&peer) {
            if let Ok(mut g) = m.rib.write() {
                g.withdraw(k.safi, rd_of(k), k.prefix, slot);
            }
        }
        if let Some(r) = &self.router {
            if let Ok(mut g) = r.rib.write() {
                g.withdraw(k.safi, rd_of(k), k.prefix, slot);
            }
        }
    }

    /// Peer Down: the monitored peer's routes are gone (withdrawn one by one before, by
    /// [`RouterRib::withdraw`]); the peer leaves the lookup list.
    pub fn peer_down(&mut self, rib: &FlowRib, peer: IpAddr) {
        if let Some(m) = self.monitored.remove(&peer) {
            rib.monitored.remove(&m);
        }
        self.slots.retain(|(p, _, _), _| *p != peer);
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
