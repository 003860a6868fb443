//! The cache's key index: each key is packed into a few dozen bytes (only the aggregated
//! primitives plus the bin), hashed once, and stored in an arena; an open-addressing table
//! maps it to the entry. Compared with hashing and storing the whole `Primitives` struct this
//! keeps a hit to one short hash and one short memcmp, and the memory to the key's real size.

use std::net::IpAddr;

use crate::flow::{Primitives, RouteDistinguisher};
use crate::primitives::{Aggregate, Primitive};
use pmacct_wire::Timestamp;

/// Upper bound of a packed key: every primitive aggregated plus the bin (about 380 bytes).
const MAX_KEY: usize = 512 + crate::custom::CUSTOM_BUF;

/// A packed key under construction, on the stack.
pub struct KeyBuf {
    buf: [u8; MAX_KEY],
    len: usize,
}

impl Default for KeyBuf {
    fn default() -> Self {
        KeyBuf {
            buf: [0; MAX_KEY],
            len: 0,
        }
    }
}

impl KeyBuf {
    #[inline]
    fn put(&mut self, b: &[u8]) {
        // Cannot overflow by construction (MAX_KEY covers every primitive); stay safe anyway.
        let end = (self.len + b.len()).min(MAX_KEY);
        let n = end - self.len;
        self.buf[self.len..end].copy_from_slice(&b[..n]);
        self.len = end;
    }
    fn ip(&mut self, a: Option<IpAddr>) {
        match a {
            None => self.put(&[0]),
            Some(IpAddr::V4(v)) => {
                self.put(&[4]);
                self.put(&v.octets());
            }
            Some(IpAddr::V6(v)) => {
                self.put(&[6]);
                self.put(&v.octets());
            }
        }
    }
    fn ts(&mut self, t: Timestamp) {
        self.put(&t.secs.to_le_bytes());
        self.put(&t.usecs.to_le_bytes());
    }
    fn rd(&mut self, rd: RouteDistinguisher) {
        let (tag, a, b): (u8, u32, u32) = match rd {
            RouteDistinguisher::None => (0, 0, 0),
            RouteDistinguisher::As2 { asn, val } => (1, asn.into(), val),
            RouteDistinguisher::Ip { ip, val } => (2, u32::from(ip), val.into()),
            RouteDistinguisher::As4 { asn, val } => (3, asn, val.into()),
            RouteDistinguisher::VrfId(v) => (4, v, 0),
            RouteDistinguisher::Unknown => (5, 0, 0),
        };
        self.put(&[tag]);
        self.put(&a.to_le_bytes());
        self.put(&b.to_le_bytes());
    }
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// Packs the aggregated primitives of a plugin's aggregate.
#[derive(Debug, Clone)]
pub struct KeyCodec {
    cols: Vec<Primitive>,
    /// Custom primitive slots `(offset, size)` of the aggregate.
    custom: Vec<(u16, u16)>,
}

impl KeyCodec {
    pub fn new(agg: &Aggregate) -> KeyCodec {
        // sum_* aggregates hold their one column; Flows is not a key field.
        KeyCodec {
            cols: agg.columns().collect(),
            custom: agg.custom().iter().map(|c| (c.off, c.size)).collect(),
        }
    }

    /// The key of `p` (already masked or not: only aggregated fields are read) in bin `bin`.
    pub fn pack(&self, p: &Primitives, bin: u64) -> KeyBuf {
        let mut k = KeyBuf::default();
        self.pack_into(p, bin, &mut k);
        k
    }

    /// [`KeyCodec::pack`] into a reused buffer.
    pub fn pack_into(&self, p: &Primitives, bin: u64, k: &mut KeyBuf) {
        use Primitive::*;
        k.len = 0;
        k.put(&bin.to_le_bytes());
        for c in &self.cols {
            match c {
                Tag => k.put(&p.tag.to_le_bytes()),
                Tag2 => k.put(&p.tag2.to_le_bytes()),
                Label => k.put(&p.label.0.to_le_bytes()),
                SrcMac => k.put(&p.src_mac),
                DstMac => k.put(&p.dst_mac),
                Vlan => k.put(&p.vlan.to_le_bytes()),
                Cos => k.put(&[p.cos]),
                Etype => k.put(&p.etype.to_le_bytes()),
                SrcAs => k.put(&p.src_as.to_le_bytes()),
                DstAs => k.put(&p.dst_as.to_le_bytes()),
                LocalPref => k.put(&p.local_pref.to_le_bytes()),
                SrcLocalPref => k.put(&p.src_local_pref.to_le_bytes()),
                Med => k.put(&p.med.to_le_bytes()),
                SrcMed => k.put(&p.src_med.to_le_bytes()),
                SrcRoa => k.put(&[p.src_roa]),
                DstRoa => k.put(&[p.dst_roa]),
                PeerSrcAs => k.put(&p.peer_src_as.to_le_bytes()),
                PeerDstAs => k.put(&p.peer_dst_as.to_le_bytes()),
                PeerSrcIp => k.ip(p.peer_src_ip),
                PeerDstIp => k.ip(p.peer_dst_ip),
                InIface => k.put(&p.in_iface.to_le_bytes()),
                OutIface => k.put(&p.out_iface.to_le_bytes()),
                MplsVpnRd => k.rd(p.mpls_vpn_rd),
                MplsPwId => k.put(&p.mpls_pw_id.to_le_bytes()),
                SrcHost => k.ip(p.src_ip),
                SrcNet => k.ip(p.src_net),
                DstHost => k.ip(p.dst_ip),
                DstNet => k.ip(p.dst_net),
                SrcMask => k.put(&[p.src_mask]),
                DstMask => k.put(&[p.dst_mask]),
                SrcPort => k.put(&p.src_port.to_le_bytes()),
                DstPort => k.put(&p.dst_port.to_le_bytes()),
                Proto => k.put(&[p.proto]),
                Tos => k.put(&[p.tos]),
                SamplingRate => k.put(&p.sampling_rate.to_le_bytes()),
                SamplingDirection => k.put(&[p.sampling_direction]),
                PostNatSrcHost => k.ip(p.post_nat_src_ip),
                PostNatDstHost => k.ip(p.post_nat_dst_ip),
                PostNatSrcPort => k.put(&p.post_nat_src_port.to_le_bytes()),
                PostNatDstPort => k.put(&p.post_nat_dst_port.to_le_bytes()),
                NatEvent => k.put(&[p.nat_event]),
                MplsLabelTop => k.put(&p.mpls_label_top.to_le_bytes()),
                MplsLabelBottom => k.put(&p.mpls_label_bottom.to_le_bytes()),
                MplsStackDepth => k.put(&[p.mpls_stack_depth]),
                TunnelSrcMac => k.put(&p.tunnel_src_mac),
                TunnelDstMac => k.put(&p.tunnel_dst_mac),
                TunnelSrcHost => k.ip(p.tunnel_src_ip),
                TunnelDstHost => k.ip(p.tunnel_dst_ip),
                TunnelProto => k.put(&[p.tunnel_proto]),
                TunnelTos => k.put(&[p.tunnel_tos]),
                TunnelSrcPort => k.put(&p.tunnel_src_port.to_le_bytes()),
                TunnelDstPort => k.put(&p.tunnel_dst_port.to_le_bytes()),
                Vxlan => k.put(&p.vxlan.to_le_bytes()),
                TimestampStart => k.ts(p.timestamp_start),
                TimestampEnd => k.ts(p.timestamp_end),
                TimestampArrival => k.ts(p.timestamp_arrival),
                TimestampExport => k.ts(p.timestamp_export),
                ExportProtoSeqno => k.put(&p.export_proto_seqno.to_le_bytes()),
                ExportProtoVersion => k.put(&p.export_proto_version.to_le_bytes()),
                ExportProtoSysid => k.put(&p.export_proto_sysid.to_le_bytes()),
                // Not in the flow model (always empty / constant): nothing to distinguish.
                Class | StdComm | ExtComm | LrgComm | SrcStdComm | SrcExtComm | SrcLrgComm
                | AsPath | SrcAsPath | TcpFlags | SrcHostCountry | DstHostCountry
                | SrcHostPocode | DstHostPocode | SrcHostCoords | DstHostCoords | Flows => {}
            }
        }
        for (off, size) in &self.custom {
            k.put(p.custom.slot(*off, *size));
        }
    }
}

/// FxHash-style word hash of a packed key.
pub fn hash_key(b: &[u8]) -> u64 {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;
    let mut h: u64 = b.len() as u64;
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(SEED);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(SEED);
    }
    // Final mix so that the low bits (the slot) depend on every word.
    h ^ (h >> 29)
}

/// One table slot: entry number + 1 (0 = empty), low 32 bits of the key hash, and where the
/// key sits in the arena, so that a probe touches the slot and the key bytes only.
#[derive(Debug, Clone, Copy, Default)]
struct SlotData {
    entry: u32,
    hash: u32,
    off: u32,
    len: u32,
}

/// Packed keys -> entry numbers (insertion order), open addressing with linear probing.
#[derive(Debug, Default)]
pub struct KeyIndex {
    /// Power-of-two length, at most half full.
    slots: Vec<SlotData>,
    count: usize,
    arena: Vec<u8>,
}

/// Result of a lookup-or-insert.
pub enum Slot {
    Found(usize),
    Inserted(usize),
}

impl KeyIndex {
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    fn find(&self, key: &[u8], h: u32) -> Result<usize, usize> {
        let mask = self.slots.len() - 1;
        let mut s = (h as usize) & mask;
        loop {
            let d = &self.slots[s];
            if d.entry == 0 {
                return Err(s);
            }
            if d.hash == h && d.len as usize == key.len() {
                let start = d.off as usize;
                if self.arena.get(start..start + key.len()) == Some(key) {
                    return Ok(d.entry as usize - 1);
                }
            }
            s = (s + 1) & mask;
        }
    }

    /// Is `key` present?
    pub fn contains(&self, key: &[u8]) -> bool {
        !self.slots.is_empty() && self.find(key, hash_key(key) as u32).is_ok()
    }

    /// The entry number of `key`, inserting it as the next entry when absent and
    /// `may_insert` allows (else `None`; also `None` past 4 GiB of keys).
    pub fn get_or_insert(&mut self, key: &[u8], may_insert: bool) -> Option<Slot> {
        if self.slots.is_empty() {
            self.grow();
        }
        let h = hash_key(key) as u32;
        let mut slot = match self.find(key, h) {
            Ok(i) => return Some(Slot::Found(i)),
            Err(_) if !may_insert => return None,
            Err(s) => s,
        };
        let off = u32::try_from(self.arena.len())
            .ok()
            .filter(|o| o.checked_add(key.len() as u32).is_some())?;
        // Keep the table at most half full; only inserts grow it.
        if self.slots.len() < 2 * (self.count + 1) {
            self.grow();
            slot = self.find(key, h).err()?;
        }
        let i = self.count;
        self.slots[slot] = SlotData {
            entry: (i + 1) as u32,
            hash: h,
            off,
            len: key.len() as u32,
        };
        self.count += 1;
        self.arena.extend_from_slice(key);
        Some(Slot::Inserted(i))
    }

    fn grow(&mut self) {
        let cap = (self.slots.len() * 2).max(64);
        let old = std::mem::replace(&mut self.slots, vec![SlotData::default(); cap]);
        let mask = cap - 1;
        for d in old.into_iter().filter(|d| d.entry != 0) {
            let mut s = (d.hash as usize) & mask;
            while self.slots[s].entry != 0 {
                s = (s + 1) & mask;
            }
            self.slots[s] = d;
        }
    }

    /// Forget every key, keeping the allocations for the next interval.
    pub fn clear(&mut self) {
        self.slots.iter_mut().for_each(|s| *s = SlotData::default());
        self.count = 0;
        self.arena.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packs_only_aggregated_fields() {
        let c = KeyCodec::new(&Aggregate::parse(&["src_host, dst_port"]).unwrap());
        let mut a = Primitives {
            src_ip: Some("10.0.0.1".parse().unwrap()),
            dst_port: 80,
            ..Default::default()
        };
        let k1 = c.pack(&a, 0).as_bytes().to_vec();
        a.src_port = 1234; // not aggregated
        assert_eq!(c.pack(&a, 0).as_bytes(), &k1[..]);
        a.dst_port = 81;
        assert_ne!(c.pack(&a, 0).as_bytes(), &k1[..]);
        assert_ne!(c.pack(&a, 60).as_bytes(), c.pack(&a, 0).as_bytes());
        // None, 0.0.0.0 and :: are three different keys.
        let z = |ip: Option<IpAddr>| {
            c.pack(
                &Primitives {
                    src_ip: ip,
                    ..Default::default()
                },
                0,
            )
            .as_bytes()
            .to_vec()
        };
        assert_ne!(z(None), z(Some("0.0.0.0".parse().unwrap())));
        assert_ne!(
            z(Some("::".parse().unwrap())),
            z(Some("0.0.0.0".parse().unwrap()))
        );
    }

    #[test]
    fn index_finds_and_grows() {
        let mut ix = KeyIndex::default();
        for i in 0..10_000u32 {
            assert!(
                matches!(ix.get_or_insert(&i.to_le_bytes(), true), Some(Slot::Inserted(n)) if n == i as usize)
            );
        }
        for i in 0..10_000u32 {
            assert!(
                matches!(ix.get_or_insert(&i.to_le_bytes(), true), Some(Slot::Found(n)) if n == i as usize)
            );
        }
        assert!(ix.get_or_insert(&[1, 2, 3], false).is_none());
        ix.clear();
        assert!(!ix.contains(&0u32.to_le_bytes()));
    }
}
