//! Per-peer RIBs and longest-prefix lookups.
//!
//! One [`PeerRib`] per BGP session: IPv4 and IPv6 unicast, labelled unicast, and VPN tables
//! per route distinguisher. Each table is a hash map per prefix length plus a bitmap of the
//! lengths present: a lookup probes only lengths that exist, longest first (a full IPv4
//! table has ~25 of them; a match is usually found within a few probes). Every prefix keeps
//! its ADD-PATH paths (path id, interned attributes).
//!
//! Concurrency: the speaker thread is the only writer. [`Peers`] holds each peer's RIB behind
//! its own `RwLock`; the speaker takes the write lock for one UPDATE at a time, a decoding
//! worker takes the read lock for one flow's lookups (two probes walks, no allocation) and
//! copies out what the flow needs ([`Side`]), so no lock is held across a record batch and
//! writers wait at most one lookup.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, RwLock};

use pmacct_flow::label::LabelId;

use crate::attr::PathAttrs;
use crate::msg::{mask128, mask32, Prefix, Rd, AFI_IP6, SAFI_MPLS_LABEL, SAFI_MPLS_VPN};

/// Folded-multiply hash for fixed-width integer keys (SipHash would dominate the lookup
/// cost). The fold (high half of the 128-bit product XORed into the low half) matters: the
/// map indexes buckets by the low bits, and a plain multiply leaves them depending only on
/// the key's low bits, which a masked prefix has all zero (a /24's low 8, a /48's low 80):
/// every such key then shares a handful of buckets (measured: 1.7 us per IPv4 and 84 us per
/// IPv6 lookup on a full table before, see compat-tests/bench/bgp-fulltable.py).
#[derive(Default, Clone, Copy)]
pub struct IntHasher(u64);

const K1: u64 = 0x9E37_79B9_7F4A_7C15;
const K2: u64 = 0x51_7c_c1_b7_27_22_0a_95;

fn fold_mul(a: u64, b: u64) -> u64 {
    let m = u128::from(a) * u128::from(b);
    (m as u64) ^ ((m >> 64) as u64)
}

impl Hasher for IntHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = fold_mul(self.0.rotate_left(5) ^ u64::from(*b), K2);
        }
    }
    fn write_u32(&mut self, v: u32) {
        self.0 = fold_mul(self.0 ^ u64::from(v), K1);
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = fold_mul(self.0 ^ v, K1);
    }
    fn write_u128(&mut self, v: u128) {
        let lo = fold_mul(self.0 ^ (v as u64), K1);
        self.0 = fold_mul(lo ^ ((v >> 64) as u64), K2);
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<IntHasher>>;

/// One path of a prefix.
#[derive(Debug, Clone)]
pub struct Path {
    pub path_id: u32,
    pub attrs: Arc<PathAttrs>,
}

/// The paths of one prefix. Almost every prefix has one path: it is kept inside the table's
/// bucket, so a lookup reads the bucket and then the interned attributes, not a third
/// allocation in between (a full table's lookups are bound by these cache misses).
#[derive(Debug, Clone)]
enum Paths {
    One(Path),
    /// ADD-PATH: several, in arrival order (never empty).
    Many(Vec<Path>),
}

impl Paths {
    fn as_slice(&self) -> &[Path] {
        match self {
            Paths::One(p) => std::slice::from_ref(p),
            Paths::Many(v) => v,
        }
    }

    /// Replace the path with the same id, or add it.
    fn put(&mut self, path: Path) {
        match self {
            Paths::One(p) if p.path_id == path.path_id => *p = path,
            Paths::One(p) => *self = Paths::Many(vec![p.clone(), path]),
            Paths::Many(v) => match v.iter_mut().find(|p| p.path_id == path.path_id) {
                Some(p) => *p = path,
                None => v.push(path),
            },
        }
    }

    /// Take the path with `path_id` out; `Ok(None)` when it was the last one (the prefix
    /// goes), `Err(())` when there is no such path.
    fn take(&mut self, path_id: u32) -> Result<Option<Path>, ()> {
        match self {
            Paths::One(p) if p.path_id == path_id => Ok(None),
            Paths::One(_) => Err(()),
            Paths::Many(v) => {
                let i = v.iter().position(|p| p.path_id == path_id).ok_or(())?;
                let removed = v.remove(i);
                if v.len() == 1 {
                    let last = v.pop().expect("one path left");
                    *self = Paths::One(last);
                }
                Ok(Some(removed))
            }
        }
    }
}

/// Keys of one address family.
pub trait Bits: Copy + Eq + std::hash::Hash {
    const WIDTH: u8;
    fn masked(self, len: u8) -> Self;
    fn ip(self) -> IpAddr;
}
impl Bits for u32 {
    const WIDTH: u8 = 32;
    fn masked(self, len: u8) -> u32 {
        self & mask32(len)
    }
    fn ip(self) -> IpAddr {
        IpAddr::V4(Ipv4Addr::from(self))
    }
}
impl Bits for u128 {
    const WIDTH: u8 = 128;
    fn masked(self, len: u8) -> u128 {
        self & mask128(len)
    }
    fn ip(self) -> IpAddr {
        IpAddr::V6(self.into())
    }
}

/// A longest-prefix-match table of one family.
#[derive(Debug)]
pub struct Lpm<K: Bits> {
    by_len: Vec<FastMap<K, Paths>>,
    /// Bit `l` set when some prefix of length `l` exists.
    present: [u64; 3],
    prefixes: usize,
}

impl<K: Bits> Default for Lpm<K> {
    fn default() -> Self {
        Lpm {
            by_len: (0..=K::WIDTH).map(|_| FastMap::default()).collect(),
            present: [0; 3],
            prefixes: 0,
        }
    }
}

impl<K: Bits> Lpm<K> {
    pub fn insert(&mut self, key: K, len: u8, path: Path) {
        let len = len.min(K::WIDTH);
        let m = &mut self.by_len[len as usize];
        match m.entry(key.masked(len)) {
            std::collections::hash_map::Entry::Occupied(mut e) => e.get_mut().put(path),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(Paths::One(path));
                self.prefixes += 1;
            }
        }
        self.present[len as usize / 64] |= 1 << (len % 64);
    }

    pub fn remove(&mut self, key: K, len: u8, path_id: u32) -> bool {
        self.take(key, len, path_id).is_some()
    }

    /// Remove a path and return it (message logs print the withdrawn route's attributes).
    pub fn take(&mut self, key: K, len: u8, path_id: u32) -> Option<Path> {
        let len = len.min(K::WIDTH);
        let m = &mut self.by_len[len as usize];
        let k = key.masked(len);
        match m.get_mut(&k)?.take(path_id) {
            Err(()) => None,
            Ok(Some(removed)) => Some(removed),
            Ok(None) => {
                let Paths::One(last) = m.remove(&k)? else {
                    return None;
                };
                self.prefixes -= 1;
                if m.is_empty() {
                    self.present[len as usize / 64] &= !(1 << (len % 64));
                }
                Some(last)
            }
        }
    }

    /// The most specific prefix covering `addr` with a path `pick` accepts.
    pub fn lookup(&self, addr: K, pick: impl Fn(&[Path]) -> Option<usize>) -> Option<(u8, &Path)> {
        for w in (0..3).rev() {
            let mut bits = self.present[w];
            while bits != 0 {
                let hi = 63 - bits.leading_zeros() as u8;
                bits &= !(1u64 << hi);
                let len = w as u8 * 64 + hi;
                if let Some(paths) = self.by_len[len as usize].get(&addr.masked(len)) {
                    let paths = paths.as_slice();
                    if let Some(p) = pick(paths).and_then(|i| paths.get(i)) {
                        return Some((len, p));
                    }
                }
            }
        }
        None
    }

    /// The paths of exactly `key`/`len` (bgp_follow_nexthop's later hops: the same RIB node).
    pub fn exact(&self, key: K, len: u8) -> Option<&[Path]> {
        self.by_len
            .get(len as usize)?
            .get(&key.masked(len))
            .map(|p| p.as_slice())
    }

    pub fn len(&self) -> usize {
        self.prefixes
    }
    pub fn is_empty(&self) -> bool {
        self.prefixes == 0
    }

    /// Every prefix with its paths, shortest prefixes first (table dumps).
    pub fn iter(&self) -> impl Iterator<Item = (Prefix, &[Path])> + '_ {
        self.by_len.iter().enumerate().flat_map(|(len, m)| {
            m.iter().map(move |(k, paths)| {
                (
                    Prefix {
                        addr: k.ip(),
                        len: len as u8,
                    },
                    paths.as_slice(),
                )
            })
        })
    }
}

/// All routes of one peer.
#[derive(Debug, Default)]
pub struct PeerRib {
    pub v4: Lpm<u32>,
    pub v6: Lpm<u128>,
    pub lu4: Lpm<u32>,
    pub lu6: Lpm<u128>,
    pub vpn4: HashMap<Rd, Lpm<u32>>,
    pub vpn6: HashMap<Rd, Lpm<u128>>,
    /// BMP only: unicast routes of monitored peers whose per-peer header carries a peer
    /// distinguisher, by it (copies of `v4`/`v6` entries). 1.7.7 searches them for a flow
    /// RD after the VPN table (`bgp_srcdst_lookup`'s retry in SAFI_UNICAST for BMP);
    /// empty for BGP sessions. Not walked by dumps.
    pub pd4: HashMap<Rd, Lpm<u32>>,
    pub pd6: HashMap<Rd, Lpm<u128>>,
    /// The same for labelled unicast routes ([`PeerRib::bmp`]).
    pub pd_lu4: HashMap<Rd, Lpm<u32>>,
    pub pd_lu6: HashMap<Rd, Lpm<u128>>,
    /// A BMP lookup RIB: for a flow RD, 1.7.7's retry in labelled unicast wants the peer
    /// distinguisher too (`bgp_lookup_node_match_cmp_bmp` compares RDs whenever the flow
    /// has one; the BGP one only in the VPN table).
    pub bmp: bool,
}

fn key4(a: IpAddr) -> Option<u32> {
    match a {
        IpAddr::V4(v) => Some(u32::from(v)),
        IpAddr::V6(_) => None,
    }
}
fn key6(a: IpAddr) -> Option<u128> {
    match a {
        IpAddr::V6(v) => Some(u128::from(v)),
        IpAddr::V4(_) => None,
    }
}

impl PeerRib {
    pub fn announce(&mut self, safi: u8, rd: Option<Rd>, p: Prefix, path: Path) {
        let v6 = p.addr.is_ipv6();
        match (safi, v6) {
            (SAFI_MPLS_VPN, false) => self.vpn4.entry(rd.unwrap_or_default()).or_default().insert(
                key4(p.addr).unwrap_or(0),
                p.len,
                path,
            ),
            (SAFI_MPLS_VPN, true) => self.vpn6.entry(rd.unwrap_or_default()).or_default().insert(
                key6(p.addr).unwrap_or(0),
                p.len,
                path,
            ),
            (SAFI_MPLS_LABEL, false) => self.lu4.insert(key4(p.addr).unwrap_or(0), p.len, path),
            (SAFI_MPLS_LABEL, true) => self.lu6.insert(key6(p.addr).unwrap_or(0), p.len, path),
            (_, false) => self.v4.insert(key4(p.addr).unwrap_or(0), p.len, path),
            (_, true) => self.v6.insert(key6(p.addr).unwrap_or(0), p.len, path),
        }
    }

    pub fn withdraw(&mut self, safi: u8, rd: Option<Rd>, p: Prefix, path_id: u32) -> bool {
        self.withdraw_path(safi, rd, p, path_id).is_some()
    }

    /// [`PeerRib::withdraw`] returning the path it removed.
    pub fn withdraw_path(
        &mut self,
        safi: u8,
        rd: Option<Rd>,
        p: Prefix,
        path_id: u32,
    ) -> Option<Path> {
        let v6 = p.addr.is_ipv6();
        let k4 = key4(p.addr).unwrap_or(0);
        let k6 = key6(p.addr).unwrap_or(0);
        let rd = rd.unwrap_or_default();
        match (safi, v6) {
            (SAFI_MPLS_VPN, false) => self
                .vpn4
                .get_mut(&rd)
                .and_then(|t| t.take(k4, p.len, path_id)),
            (SAFI_MPLS_VPN, true) => self
                .vpn6
                .get_mut(&rd)
                .and_then(|t| t.take(k6, p.len, path_id)),
            (SAFI_MPLS_LABEL, false) => self.lu4.take(k4, p.len, path_id),
            (SAFI_MPLS_LABEL, true) => self.lu6.take(k6, p.len, path_id),
            (_, false) => self.v4.take(k4, p.len, path_id),
            (_, true) => self.v6.take(k6, p.len, path_id),
        }
    }

    /// A unicast (`labelled`: labelled unicast) route of a BMP peer with peer distinguisher
    /// `pd` (see [`PeerRib::pd4`]).
    pub fn announce_pd(&mut self, labelled: bool, pd: Rd, p: Prefix, path: Path) {
        let (t4, t6) = if labelled {
            (&mut self.pd_lu4, &mut self.pd_lu6)
        } else {
            (&mut self.pd4, &mut self.pd6)
        };
        match p.addr {
            IpAddr::V4(v) => t4.entry(pd).or_default().insert(u32::from(v), p.len, path),
            IpAddr::V6(v) => t6.entry(pd).or_default().insert(u128::from(v), p.len, path),
        }
    }

    /// [`PeerRib::announce_pd`]'s route withdrawn; an emptied table goes.
    pub fn withdraw_pd(&mut self, labelled: bool, pd: Rd, p: Prefix, path_id: u32) {
        fn take<K: Bits>(m: &mut HashMap<Rd, Lpm<K>>, pd: Rd, k: K, len: u8, id: u32) {
            if let Some(t) = m.get_mut(&pd) {
                t.take(k, len, id);
                if t.is_empty() {
                    m.remove(&pd);
                }
            }
        }
        let (t4, t6) = if labelled {
            (&mut self.pd_lu4, &mut self.pd_lu6)
        } else {
            (&mut self.pd4, &mut self.pd6)
        };
        match p.addr {
            IpAddr::V4(v) => take(t4, pd, u32::from(v), p.len, path_id),
            IpAddr::V6(v) => take(t6, pd, u128::from(v), p.len, path_id),
        }
    }

    /// Every path of every table, AFI then SAFI as 1.7.7 walks them.
    pub fn for_each(&self, mut f: impl FnMut(u16, u8, Prefix, &Path)) {
        use crate::msg::{AFI_IP, SAFI_UNICAST};
        fn walk<K: Bits>(
            t: &Lpm<K>,
            afi: u16,
            safi: u8,
            f: &mut impl FnMut(u16, u8, Prefix, &Path),
        ) {
            for (p, paths) in t.iter() {
                for path in paths {
                    f(afi, safi, p, path);
                }
            }
        }
        walk(&self.v4, AFI_IP, SAFI_UNICAST, &mut f);
        walk(&self.lu4, AFI_IP, SAFI_MPLS_LABEL, &mut f);
        for t in self.vpn4.values() {
            walk(t, AFI_IP, SAFI_MPLS_VPN, &mut f);
        }
        walk(&self.v6, AFI_IP6, SAFI_UNICAST, &mut f);
        walk(&self.lu6, AFI_IP6, SAFI_MPLS_LABEL, &mut f);
        for t in self.vpn6.values() {
            walk(t, AFI_IP6, SAFI_MPLS_VPN, &mut f);
        }
    }

    /// Prefixes held, all tables.
    pub fn prefixes(&self) -> usize {
        self.v4.len()
            + self.v6.len()
            + self.lu4.len()
            + self.lu6.len()
            + self.vpn4.values().map(Lpm::len).sum::<usize>()
            + self.vpn6.values().map(Lpm::len).sum::<usize>()
    }

    /// Longest match of `addr` as 1.7.7's `bgp_srcdst_lookup()` searches: the VPN table of
    /// `rd` when the flow has one (then, over BMP, the unicast routes of peers whose peer
    /// distinguisher is `rd`: [`PeerRib::pd4`]), else unicast; then, without a match, labelled unicast
    /// (1.7.7 retries there whatever the first table was). With ADD-PATH and a
    /// `next_hop` (the flow's BGP next hop, destination side), only paths with that next hop
    /// match; otherwise the first path.
    pub fn lookup(
        &self,
        addr: IpAddr,
        rd: Option<Rd>,
        add_path: bool,
        next_hop: Option<IpAddr>,
    ) -> Option<(u8, &Path)> {
        let pick = |paths: &[Path]| -> Option<usize> {
            match (add_path, next_hop) {
                (true, Some(nh)) => paths.iter().position(|p| p.attrs.next_hop == Some(nh)),
                _ => (!paths.is_empty()).then_some(0),
            }
        };
        match addr {
            IpAddr::V4(v) => {
                let k = u32::from(v);
                let first = match rd {
                    Some(rd) => self
                        .vpn4
                        .get(&rd)
                        .and_then(|t| t.lookup(k, pick))
                        .or_else(|| self.pd4.get(&rd).and_then(|t| t.lookup(k, pick))),
                    None => self.v4.lookup(k, pick),
                };
                first.or_else(|| match (rd, self.bmp) {
                    (Some(rd), true) => self.pd_lu4.get(&rd).and_then(|t| t.lookup(k, pick)),
                    _ => self.lu4.lookup(k, pick),
                })
            }
            IpAddr::V6(v) => {
                let k = u128::from(v);
                let first = match rd {
                    Some(rd) => self
                        .vpn6
                        .get(&rd)
                        .and_then(|t| t.lookup(k, pick))
                        .or_else(|| self.pd6.get(&rd).and_then(|t| t.lookup(k, pick))),
                    None => self.v6.lookup(k, pick),
                };
                first.or_else(|| match (rd, self.bmp) {
                    (Some(rd), true) => self.pd_lu6.get(&rd).and_then(|t| t.lookup(k, pick)),
                    _ => self.lu6.lookup(k, pick),
                })
            }
        }
    }
}

/// A peer as lookups see it.
#[derive(Debug)]
pub struct Peer {
    /// Session address (the router's TCP source).
    pub addr: IpAddr,
    /// The router's TCP source port (`peer_tcp_port` of logs and dumps).
    pub tcp_port: u16,
    /// BGP identifier from its OPEN.
    pub id: Ipv4Addr,
    pub asn: u32,
    /// ADD-PATH receive negotiated for IPv4 / IPv6 unicast.
    pub add_path_v4: bool,
    pub add_path_v6: bool,
    pub rib: RwLock<PeerRib>,
}

/// What a flow takes from one lookup (copied out under the read lock).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Side {
    pub found: bool,
    pub prefix_len: u8,
    /// The matched prefix's network address.
    pub net: Option<IpAddr>,
    pub as_path: LabelId,
    pub std_comm: LabelId,
    pub ext_comm: LabelId,
    pub lrg_comm: LabelId,
    pub local_pref: u32,
    pub med: u32,
    /// `evaluate_last_asn` (origin AS) and `evaluate_first_asn` (neighbour AS); when 0 and
    /// the route has an AS path, the `bgp_*comm_pattern_to_asn` ASN of its standard, then
    /// large communities, as 1.7.7's handlers fall back to it.
    pub last_as: u32,
    pub first_as: u32,
    /// The `bgp_*comm_pattern_to_asn` neighbour AS alone (0 without one), what 1.7.7's
    /// `bgp_peer_src_as_frommap_handler` falls back on whether or not there is a path.
    pub comm_peer_as: u32,
    /// The route has an AS_PATH attribute (1.7.7 fills `peer_*_as` only then).
    pub has_as_path: bool,
    pub next_hop: Option<IpAddr>,
}

impl Side {
    fn from(len: u8, addr: IpAddr, p: &Path) -> Side {
        let a = &p.attrs;
        let net = match addr {
            IpAddr::V4(v) => IpAddr::V4(Ipv4Addr::from(u32::from(v) & mask32(len))),
            IpAddr::V6(v) => IpAddr::V6((u128::from(v) & mask128(len)).into()),
        };
        let f = &a.flow;
        Side {
            found: true,
            prefix_len: len,
            net: Some(net),
            as_path: f.as_path,
            std_comm: f.std_comm,
            ext_comm: f.ext_comm,
            lrg_comm: f.lrg_comm,
            local_pref: a.local_pref,
            med: a.med,
            last_as: f.last_as,
            first_as: f.first_as,
            comm_peer_as: f.comm_peer_as,
            has_as_path: f.has_as_path,
            next_hop: a.next_hop,
        }
    }
}

/// The result of a flow's source and destination lookups.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FlowLookup {
    pub peer_found: bool,
    pub src: Side,
    pub dst: Side,
    /// `bgp_follow_nexthop`'s result (1.7.7's `bgp_nexthop_info`): the next hop
    /// `peer_dst_ip` takes instead of the destination route's.
    pub follow_nh: Option<IpAddr>,
}

/// `bgp_follow_default`, `bgp_follow_nexthop`, `bgp_follow_nexthop_external` (global keys).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Follow {
    /// Default routes followed at most this many times (0: never).
    pub default: u32,
    /// Next hops inside these networks (address, length) are followed; at most
    /// [`FOLLOW_NH_ENTRIES`] (empty: off).
    pub nexthop: Vec<(IpAddr, u8)>,
    /// Return the first next hop outside the networks instead of the last one inside.
    pub nexthop_external: bool,
}

/// 1.7.7's `FOLLOW_BGP_NH_ENTRIES`: networks `bgp_follow_nexthop` keeps.
pub const FOLLOW_NH_ENTRIES: usize = 32;
/// 1.7.7's `MAX_HOPS_FOLLOW_NH`: routing-loop guard of `bgp_follow_nexthop`.
const MAX_HOPS_FOLLOW_NH: u32 = 20;
/// 1.7.7's `MAX_NH_SELF_REFERENCES`: a peer naming itself as next hop is followed once.
const MAX_NH_SELF_REFERENCES: u32 = 1;

impl Follow {
    /// Neither follow is configured.
    pub const NONE: Follow = Follow {
        default: 0,
        nexthop: Vec::new(),
        nexthop_external: false,
    };

    fn nexthop_matches(&self, nh: IpAddr) -> bool {
        self.nexthop.iter().any(|&(net, len)| match (net, nh) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                u32::from(a) & mask32(len) == u32::from(n) & mask32(len)
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                u128::from(a) & mask128(len) == u128::from(n) & mask128(len)
            }
            _ => false,
        })
    }
}

/// The next hop of a path as 1.7.7 reads it (`mp_nexthop`, else `nexthop`: 0.0.0.0 when
/// the route has none).
fn nh_of(p: &Path) -> IpAddr {
    p.attrs
        .next_hop
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

/// The peers a flow can be looked up in: the daemon's, then (BMP) the peers routers monitor.
#[derive(Clone, Copy)]
pub struct PeerSets<'a> {
    pub first: &'a Peers,
    pub then: Option<&'a Peers>,
}

/// The peers of the daemon, shared by the speaker (writer) and the decoding workers.
#[derive(Debug, Default)]
pub struct Peers {
    list: RwLock<Vec<Arc<Peer>>>,
    /// `bgp_disable_router_id_check`: match flows to peers by session address only.
    pub no_router_id_check: bool,
}

impl Peers {
    pub fn new(no_router_id_check: bool) -> Peers {
        Peers {
            list: RwLock::new(Vec::new()),
            no_router_id_check,
        }
    }

    pub fn add(&self, p: Arc<Peer>) {
        if let Ok(mut l) = self.list.write() {
            l.push(p);
        }
    }

    /// Remove a peer (its routes go with it once no lookup holds it).
    pub fn remove(&self, p: &Arc<Peer>) {
        if let Ok(mut l) = self.list.write() {
            l.retain(|x| !Arc::ptr_eq(x, p));
        }
    }

    pub fn count(&self) -> usize {
        self.list.read().map_or(0, |l| l.len())
    }

    pub fn snapshot(&self) -> Vec<Arc<Peer>> {
        self.list.read().map(|l| l.clone()).unwrap_or_default()
    }

    /// The peer a flow exported by `agent` is looked up in (`bgp_lookup_find_bgp_peer`): its
    /// session address, or its BGP identifier unless the router-id check is disabled.
    pub fn find(&self, agent: IpAddr) -> Option<Arc<Peer>> {
        let l = self.list.read().ok()?;
        l.iter()
            .find(|p| p.addr == agent || (!self.no_router_id_check && IpAddr::V4(p.id) == agent))
            .cloned()
    }

    /// Whether `a` names peer `p`: its session address, or its BGP identifier unless the
    /// router-id check is disabled (1.7.7's `bgp_lookup_find_bgp_peer`).
    fn names(&self, p: &Peer, a: IpAddr) -> bool {
        p.addr == a || (!self.no_router_id_check && IpAddr::V4(p.id) == a)
    }

    /// Source and destination lookups of one flow in the RIB of the peer of `agent`.
    /// `bgp_next_hop`: the flow's exported BGP next hop (selects among ADD-PATH paths).
    pub fn lookup_flow(
        &self,
        agent: IpAddr,
        src: Option<IpAddr>,
        dst: Option<IpAddr>,
        rd: Option<Rd>,
        bgp_next_hop: Option<IpAddr>,
    ) -> FlowLookup {
        let sets = PeerSets {
            first: self,
            then: None,
        };
        lookup_flow_follow(
            sets,
            agent,
            src,
            dst,
            rd,
            bgp_next_hop,
            &Follow::NONE,
            |a| a,
        )
    }
}

/// One flow's lookups as 1.7.7's `bgp_srcdst_lookup()` does them: source and destination in
/// the RIB of the peer of `agent` (found in `sets.first`, else `sets.then`); then, with
/// `bgp_follow_default`, a side that matched a default route (/0) is looked up again in the
/// RIB of the peer that route's next hop names (sides already resolved stay; at most
/// `follow.default` times; a next hop that is no peer leaves those sides unresolved, as
/// 1.7.7 does); then, with `bgp_follow_nexthop`, [`follow_nexthop`]. `agent_map`: the
/// `bgp_agent_map` of an address (itself without an entry), applied at each next-hop hop.
/// No allocation: the peer lists stay read-locked for the flow, one RIB read lock at a time.
#[allow(clippy::too_many_arguments)]
pub fn lookup_flow_follow(
    sets: PeerSets<'_>,
    agent: IpAddr,
    src: Option<IpAddr>,
    dst: Option<IpAddr>,
    rd: Option<Rd>,
    bgp_next_hop: Option<IpAddr>,
    follow: &Follow,
    agent_map: impl Fn(IpAddr) -> IpAddr,
) -> FlowLookup {
    let mut out = FlowLookup::default();
    let Ok(first) = sets.first.list.read() else {
        return out;
    };
    let then = match sets.then.map(|s| s.list.read().map(|g| (s, g))) {
        Some(Ok(x)) => Some(x),
        Some(Err(_)) => return out,
        None => None,
    };
    let find = |a: IpAddr| -> Option<&Arc<Peer>> {
        first.iter().find(|p| sets.first.names(p, a)).or_else(|| {
            then.as_ref()
                .and_then(|(s, g)| g.iter().find(|p| s.names(p, a)))
        })
    };
    let mut sa = agent;
    let mut left = follow.default;
    loop {
        let Some(peer) = find(sa) else {
            out.peer_found = false;
            return out;
        };
        out.peer_found = true;
        let Ok(rib) = peer.rib.read() else {
            return out;
        };
        let add_path = |a: IpAddr| {
            if a.is_ipv6() {
                peer.add_path_v6
            } else {
                peer.add_path_v4
            }
        };
        // 1.7.7's `info`: the path of the last lookup made (None: it matched nothing).
        let mut last: Option<IpAddr> = None;
        if let (false, Some(s)) = (out.src.found, src) {
            let r = rib.lookup(s, rd, add_path(s), None);
            last = r.map(|(_, p)| nh_of(p));
            if let Some((len, p)) = r {
                out.src = Side::from(len, s, p);
            }
        }
        if let (false, Some(d)) = (out.dst.found, dst) {
            let r = rib.lookup(d, rd, add_path(d), bgp_next_hop);
            last = r.map(|(_, p)| nh_of(p));
            if let Some((len, p)) = r {
                out.dst = Side::from(len, d, p);
            }
        }
        if left > 0 && rd.is_none() {
            let mut default = false;
            for side in [&mut out.src, &mut out.dst] {
                if side.found && side.prefix_len == 0 {
                    *side = Side::default();
                    default = true;
                }
            }
            if !out.src.found || !out.dst.found {
                left -= 1;
                // 1.7.7 follows the next hop of the last lookup's path (the destination's
                // when both sides were looked up), not necessarily the default route's.
                if let (true, Some(nh)) = (default, last) {
                    sa = nh;
                    continue;
                }
            }
        }
        break;
    }
    if let (false, true, None, Some(d)) = (follow.nexthop.is_empty(), out.dst.found, rd, dst) {
        out.follow_nh = follow_nexthop(&find, d, follow, agent, &agent_map);
    }
    out
}

/// 1.7.7's `bgp_follow_nexthop_lookup()`: from the peer of `agent`, the destination's route
/// (longest match in unicast; later hops: the same prefix in the next peer's RIB) is
/// followed while its next hop is inside `follow.nexthop`, to the peer that next hop (or its
/// `bgp_agent_map` entry) names. Returns the last next hop inside the networks, or with
/// `nexthop_external` the first outside them; None when the first is outside (and not
/// external) or nothing matched. At most 20 hops, a peer naming itself followed once.
fn follow_nexthop<'a>(
    find: &impl Fn(IpAddr) -> Option<&'a Arc<Peer>>,
    dst: IpAddr,
    follow: &Follow,
    agent: IpAddr,
    agent_map: &impl Fn(IpAddr) -> IpAddr,
) -> Option<IpAddr> {
    let first = |ps: &[Path]| (!ps.is_empty()).then_some(0);
    let mut sa = agent;
    let mut node: Option<u8> = None;
    let mut saved = None;
    let (mut ttl, mut selfref) = (MAX_HOPS_FOLLOW_NH, MAX_NH_SELF_REFERENCES);
    while let Some(peer) = find(sa) {
        let Ok(rib) = peer.rib.read() else { break };
        let path = match (dst, node) {
            (IpAddr::V4(v), None) => rib.v4.lookup(u32::from(v), first).map(|(l, p)| {
                node = Some(l);
                p
            }),
            (IpAddr::V6(v), None) => rib.v6.lookup(u128::from(v), first).map(|(l, p)| {
                node = Some(l);
                p
            }),
            (IpAddr::V4(v), Some(l)) => rib.v4.exact(u32::from(v), l).and_then(<[Path]>::first),
            (IpAddr::V6(v), Some(l)) => rib.v6.exact(u128::from(v), l).and_then(<[Path]>::first),
        };
        let Some(p) = path else { break };
        let nh = nh_of(p);
        if follow.nexthop_matches(nh) && selfref > 0 && ttl > 0 {
            if nh == peer.addr {
                selfref -= 1;
            }
            saved = Some(nh);
            ttl -= 1;
            sa = agent_map(nh);
            continue;
        }
        if follow.nexthop_external {
            saved = Some(nh);
        }
        break;
    }
    saved
}

/// The AFI of an address.
pub fn afi_of(a: IpAddr) -> u16 {
    if a.is_ipv6() {
        AFI_IP6
    } else {
        crate::msg::AFI_IP
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msg::{SAFI_MPLS_LABEL, SAFI_MPLS_VPN, SAFI_UNICAST};

    pub(crate) fn path(nh: &str) -> Path {
        Path {
            path_id: 0,
            attrs: Arc::new(PathAttrs {
                origin: 0,
                as_path: None,
                communities: None,
                ext_communities: None,
                large_communities: None,
                local_pref: 0,
                med: 0,
                has_local_pref: false,
                has_med: false,
                next_hop: Some(nh.parse().unwrap()),
                flow: Default::default(),
            }),
        }
    }

    pub(crate) fn pfx(s: &str) -> Prefix {
        let (a, l) = s.split_once('/').unwrap();
        Prefix {
            addr: a.parse().unwrap(),
            len: l.parse().unwrap(),
        }
    }

    #[test]
    fn rd_lookups_search_the_vpn_then_labelled_unicast() {
        let rd1 = Rd([0, 0, 0xfd, 0xe8, 0, 0, 0, 1]);
        let rd2 = Rd([0, 0, 0xfd, 0xe8, 0, 0, 0, 2]);
        let mut r = PeerRib::default();
        r.announce(SAFI_UNICAST, None, pfx("10.0.0.0/8"), path("192.0.2.1"));
        r.announce(
            SAFI_MPLS_VPN,
            Some(rd1),
            pfx("10.1.0.0/16"),
            path("192.0.2.2"),
        );
        r.announce(
            SAFI_MPLS_VPN,
            Some(rd2),
            pfx("10.1.1.0/24"),
            path("192.0.2.3"),
        );
        r.announce(
            SAFI_MPLS_LABEL,
            None,
            pfx("172.16.0.0/12"),
            path("192.0.2.4"),
        );
        let nh = |a: &str, rd| {
            r.lookup(a.parse().unwrap(), rd, false, None)
                .and_then(|(_, p)| p.attrs.next_hop)
                .map(|n| n.to_string())
        };
        assert_eq!(nh("10.1.1.1", Some(rd1)).as_deref(), Some("192.0.2.2"));
        assert_eq!(nh("10.1.1.1", Some(rd2)).as_deref(), Some("192.0.2.3"));
        assert_eq!(nh("10.1.1.1", None).as_deref(), Some("192.0.2.1"));
        // Not in the VPN: never unicast, but labelled unicast (1.7.7's retry).
        assert_eq!(nh("10.2.0.1", Some(rd1)), None);
        assert_eq!(nh("172.16.0.1", Some(rd1)).as_deref(), Some("192.0.2.4"));
        assert_eq!(
            nh("172.16.0.1", Some(Rd([0, 0, 0, 0, 0, 0, 0, 9]))).as_deref(),
            Some("192.0.2.4")
        );
    }

    /// ADD-PATH paths of one prefix: replaced by id, picked by next hop, withdrawn one at a
    /// time (the prefix and its length bit go with the last one).
    #[test]
    fn add_path_paths_replace_pick_and_withdraw() {
        let with_id = |id, nh| Path {
            path_id: id,
            ..path(nh)
        };
        let mut r = PeerRib::default();
        let p = pfx("10.1.0.0/16");
        r.announce(SAFI_UNICAST, None, p, with_id(1, "192.0.2.1"));
        r.announce(SAFI_UNICAST, None, p, with_id(2, "192.0.2.2"));
        r.announce(SAFI_UNICAST, None, p, with_id(1, "192.0.2.9"));
        assert_eq!(r.prefixes(), 1);
        let nh = |r: &PeerRib, want: Option<&str>| {
            r.lookup(
                "10.1.2.3".parse().unwrap(),
                None,
                true,
                want.map(|w| w.parse().unwrap()),
            )
            .map(|(_, p)| (p.path_id, p.attrs.next_hop.unwrap().to_string()))
        };
        assert_eq!(nh(&r, Some("192.0.2.2")), Some((2, "192.0.2.2".into())));
        assert_eq!(nh(&r, Some("192.0.2.9")), Some((1, "192.0.2.9".into())));
        assert_eq!(nh(&r, Some("192.0.2.1")), None);
        assert!(!r.withdraw(SAFI_UNICAST, None, p, 7));
        let gone = r.withdraw_path(SAFI_UNICAST, None, p, 1).unwrap();
        assert_eq!(gone.attrs.next_hop.unwrap().to_string(), "192.0.2.9");
        assert_eq!(nh(&r, None), Some((2, "192.0.2.2".into())));
        assert_eq!(r.prefixes(), 1);
        assert!(r.withdraw(SAFI_UNICAST, None, p, 2));
        assert_eq!(r.prefixes(), 0);
        assert_eq!(r.v4.present, [0; 3]);
        assert_eq!(nh(&r, None), None);
        assert!(!r.withdraw(SAFI_UNICAST, None, p, 2));
    }
}

#[cfg(test)]
mod follow_tests {
    use super::tests::{path, pfx};
    use super::*;
    use crate::msg::SAFI_UNICAST;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    /// Peers A (10.0.0.1), B (10.0.0.2), C (10.0.0.3) with `routes[i]` as (prefix, next hop).
    fn peers(routes: [&[(&str, &str)]; 3]) -> Peers {
        let ps = Peers::new(false);
        for (i, rs) in routes.iter().enumerate() {
            let mut rib = PeerRib::default();
            for (p, nh) in rs.iter() {
                rib.announce(SAFI_UNICAST, None, pfx(p), path(nh));
            }
            ps.add(Arc::new(Peer {
                addr: ip(&format!("10.0.0.{}", i + 1)),
                tcp_port: 179,
                id: Ipv4Addr::new(10, 255, 0, i as u8 + 1),
                asn: 65000,
                add_path_v4: false,
                add_path_v6: false,
                rib: RwLock::new(PeerRib::default()),
            }));
            *ps.snapshot()[i].rib.write().unwrap() = rib;
        }
        ps
    }

    fn table() -> Peers {
        peers([
            &[
                ("0.0.0.0/0", "10.0.0.2"),
                ("192.0.2.0/24", "198.51.100.1"),
                ("203.0.113.0/24", "10.0.0.2"),
                ("172.16.0.0/16", "10.0.0.2"),
            ],
            &[
                ("0.0.0.0/0", "10.0.0.3"),
                ("198.18.0.0/16", "10.0.0.9"),
                ("203.0.113.0/24", "10.0.0.3"),
                ("172.16.0.0/15", "10.0.0.3"),
            ],
            &[
                ("198.19.0.0/16", "10.0.0.9"),
                ("203.0.113.0/24", "198.51.100.3"),
            ],
        ])
    }

    fn run(ps: &Peers, src: &str, dst: &str, f: &Follow) -> FlowLookup {
        let sets = PeerSets {
            first: ps,
            then: None,
        };
        lookup_flow_follow(
            sets,
            ip("10.0.0.1"),
            Some(ip(src)),
            Some(ip(dst)),
            None,
            None,
            f,
            |a| a,
        )
    }

    fn fd(n: u32) -> Follow {
        Follow {
            default: n,
            ..Follow::default()
        }
    }

    #[test]
    fn default_followed_at_most_n_times() {
        let ps = table();
        // No follow: both sides on A's default.
        let r = run(&ps, "198.18.0.1", "198.19.0.1", &Follow::NONE);
        assert_eq!((r.src.prefix_len, r.dst.prefix_len), (0, 0));
        // One: B resolves the source, its own default is kept for the destination.
        let r = run(&ps, "198.18.0.1", "198.19.0.1", &fd(1));
        assert_eq!((r.src.found, r.src.prefix_len), (true, 16));
        assert_eq!((r.dst.found, r.dst.prefix_len), (true, 0));
        assert_eq!(r.dst.next_hop, Some(ip("10.0.0.3")));
        // Two: on to C for the destination.
        let r = run(&ps, "198.18.0.1", "198.19.0.1", &fd(2));
        assert_eq!((r.src.prefix_len, r.dst.prefix_len), (16, 16));
        assert_eq!(r.dst.next_hop, Some(ip("10.0.0.9")));
        // A side nobody resolves beyond a default ends unresolved.
        let r = run(&ps, "198.18.0.1", "100.64.0.1", &fd(5));
        assert!(r.src.found && !r.dst.found);
    }

    #[test]
    fn default_follows_the_last_lookups_next_hop() {
        let ps = table();
        // Source on A's default, destination on A's 192.0.2.0/24 (next hop no peer): 1.7.7
        // follows the destination's next hop, finds no peer, the source stays unresolved.
        let r = run(&ps, "198.18.0.1", "192.0.2.1", &fd(1));
        assert!(!r.peer_found && !r.src.found);
        assert_eq!(r.dst.prefix_len, 24);
        // Destination on 203.0.113.0/24 (next hop B): the source is found at B.
        let r = run(&ps, "198.18.0.1", "203.0.113.1", &fd(1));
        assert!(r.peer_found && r.src.found && r.src.prefix_len == 16);
    }

    fn fnh(nets: &[(&str, u8)], external: bool) -> Follow {
        Follow {
            default: 0,
            nexthop: nets.iter().map(|(a, l)| (ip(a), *l)).collect(),
            nexthop_external: external,
        }
    }

    #[test]
    fn nexthop_followed_inside_the_networks() {
        let ps = table();
        let all = fnh(&[("10.0.0.0", 24)], false);
        // A -> B -> C; C's next hop is outside: the last inside (C) is returned.
        let r = run(&ps, "1.1.1.1", "203.0.113.5", &all);
        assert_eq!(r.follow_nh, Some(ip("10.0.0.3")));
        let r = run(
            &ps,
            "1.1.1.1",
            "203.0.113.5",
            &fnh(&[("10.0.0.0", 24)], true),
        );
        assert_eq!(r.follow_nh, Some(ip("198.51.100.3")));
        // A network covering B only (and one covering nothing).
        let part = fnh(&[("198.18.0.0", 15), ("10.0.0.2", 32)], false);
        let r = run(&ps, "1.1.1.1", "203.0.113.5", &part);
        assert_eq!(r.follow_nh, Some(ip("10.0.0.2")));
        let r = run(
            &ps,
            "1.1.1.1",
            "203.0.113.5",
            &fnh(&[("10.0.0.2", 32)], true),
        );
        assert_eq!(r.follow_nh, Some(ip("10.0.0.3")));
        // B has 172.16.0.0/15, not A's /16: the walk ends at B (the same prefix only).
        let r = run(&ps, "1.1.1.1", "172.16.0.1", &all);
        assert_eq!(r.follow_nh, Some(ip("10.0.0.2")));
        // First next hop outside: nothing (peer_dst_ip stays the route's), or it with external.
        let r = run(&ps, "1.1.1.1", "192.0.2.1", &all);
        assert_eq!(r.follow_nh, None);
        let r = run(&ps, "1.1.1.1", "192.0.2.1", &fnh(&[("10.0.0.0", 24)], true));
        assert_eq!(r.follow_nh, Some(ip("198.51.100.1")));
        // Networks covering nothing change nothing.
        let r = run(
            &ps,
            "1.1.1.1",
            "203.0.113.5",
            &fnh(&[("198.18.0.0", 15)], false),
        );
        assert_eq!(r.follow_nh, None);
    }

    #[test]
    fn nexthop_loops_are_bounded() {
        // A names itself, B and A name each other: the walk ends.
        let ps = peers([
            &[
                ("192.0.2.0/24", "10.0.0.1"),
                ("198.51.100.0/24", "10.0.0.2"),
            ],
            &[("198.51.100.0/24", "10.0.0.1")],
            &[],
        ]);
        let all = fnh(&[("10.0.0.0", 24)], false);
        assert_eq!(
            run(&ps, "1.1.1.1", "192.0.2.1", &all).follow_nh,
            Some(ip("10.0.0.1"))
        );
        assert_eq!(
            run(&ps, "1.1.1.1", "198.51.100.1", &all).follow_nh,
            Some(ip("10.0.0.1"))
        );
        // Defaults naming each other: bounded by the count.
        let ps = peers([
            &[("0.0.0.0/0", "10.0.0.2")],
            &[("0.0.0.0/0", "10.0.0.1")],
            &[],
        ]);
        // 255 follows from A end at B (odd), whose default is kept.
        let r = run(&ps, "1.1.1.1", "2.2.2.2", &fd(255));
        assert_eq!(
            (r.dst.prefix_len, r.dst.next_hop),
            (0, Some(ip("10.0.0.1")))
        );
    }
}

#[cfg(test)]
mod hash_tests {
    use std::collections::HashSet;
    use std::hash::{BuildHasher, BuildHasherDefault};

    use super::IntHasher;

    /// Masked prefixes (low bits all zero) still spread over the map's low-bit bucket index.
    #[test]
    fn masked_prefixes_spread_over_low_bits() {
        let b = BuildHasherDefault::<IntHasher>::default();
        let low = |h: u64| h & 0xffff;
        let v4: HashSet<u64> = (0..65536u32)
            .map(|i| low(b.hash_one(0x0100_0000u32 + (i << 8))))
            .collect();
        let v6: HashSet<u64> = (0..65536u128)
            .map(|i| low(b.hash_one((0x2001u128 << 112) | (i << 80))))
            .collect();
        // A uniform hash fills about 63% of 65536 slots with 65536 keys.
        assert!(v4.len() > 35_000, "{}", v4.len());
        assert!(v6.len() > 35_000, "{}", v6.len());
    }
}
