//! Which aggregation shard a flow belongs to, when one plugin's cache is split across threads
//! (issue 21: the aggregation of one plugin scales with the cores).
//!
//! A flow's shard must depend only on its cache key, so that every flow of one aggregate
//! lands in the same shard's cache and no aggregate is split in two. The key is the packed
//! aggregated fields (plus the history bin), so any function of some aggregated fields will
//! do: [`ShardKey`] hashes the few aggregated fields that spread traffic best, read straight
//! from the flow (a handful of loads and multiplies, much cheaper than packing the key).

use crate::flow::{Flow, Primitives};
use crate::primitives::{Aggregate, Primitive};
use std::net::IpAddr;

/// Aggregated fields a shard is chosen by, most spreading first.
const FIELDS: [Primitive; 10] = [
    Primitive::SrcHost,
    Primitive::DstHost,
    Primitive::SrcPort,
    Primitive::DstPort,
    Primitive::SrcAs,
    Primitive::DstAs,
    Primitive::InIface,
    Primitive::OutIface,
    Primitive::Proto,
    Primitive::Tag,
];

/// At most this many fields are hashed: enough to spread real traffic.
const MAX_FIELDS: usize = 4;

/// The shard function of one aggregate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardKey {
    fields: [Option<Primitive>; MAX_FIELDS],
}

impl ShardKey {
    /// The shard function of `agg`, or None when flows of that aggregate cannot be spread:
    /// none of [`FIELDS`] is aggregated, or a `sum_*` aggregate (one flow makes two
    /// entries, with different keys).
    pub fn new(agg: &Aggregate) -> Option<ShardKey> {
        if agg.sum_mode().is_some() {
            return None;
        }
        let mut fields = [None; MAX_FIELDS];
        let chosen = FIELDS.iter().filter(|p| agg.contains(**p)).take(MAX_FIELDS);
        for (slot, p) in fields.iter_mut().zip(chosen) {
            *slot = Some(*p);
        }
        fields[0].is_some().then_some(ShardKey { fields })
    }

    /// The shard (`< n`) of `f`'s entry. `n` > 0.
    #[inline]
    pub fn shard(&self, f: &Flow, n: usize) -> usize {
        let mut h: u64 = 0x9e37_79b9_7f4a_7c15;
        for p in self.fields.iter().map_while(|p| *p) {
            h = mix(h, field(p, &f.prims));
        }
        // Multiply-shift onto [0, n): uses the well-mixed high bits.
        ((u128::from(h) * n as u128) >> 64) as usize
    }
}

#[inline]
fn mix(h: u64, v: u64) -> u64 {
    (h ^ v).wrapping_mul(0xff51_afd7_ed55_8ccd).rotate_left(29)
}

#[inline]
fn ip(a: Option<IpAddr>) -> u64 {
    match a {
        None => 0,
        Some(IpAddr::V4(a)) => 1 << 32 | u64::from(u32::from(a)),
        Some(IpAddr::V6(a)) => {
            let v = u128::from(a);
            (v as u64) ^ ((v >> 64) as u64).rotate_left(17) ^ 2
        }
    }
}

#[inline]
fn field(p: Primitive, k: &Primitives) -> u64 {
    match p {
        Primitive::SrcHost => ip(k.src_ip),
        Primitive::DstHost => ip(k.dst_ip),
        Primitive::SrcPort => u64::from(k.src_port),
        Primitive::DstPort => u64::from(k.dst_port),
        Primitive::SrcAs => u64::from(k.src_as),
        Primitive::DstAs => u64::from(k.dst_as),
        Primitive::InIface => u64::from(k.in_iface),
        Primitive::OutIface => u64::from(k.out_iface),
        Primitive::Proto => u64::from(k.proto),
        Primitive::Tag => k.tag,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agg(s: &str) -> Aggregate {
        Aggregate::parse(&[s]).unwrap()
    }

    #[test]
    fn only_aggregated_fields_choose_the_shard() {
        let k = ShardKey::new(&agg("src_host, dst_port, timestamp_start")).unwrap();
        let mut a = Flow::default();
        a.prims.src_ip = Some("10.0.0.1".parse().unwrap());
        a.prims.dst_port = 80;
        let mut b = a;
        // Not aggregated: must not move the flow to another shard.
        b.prims.src_port = 1234;
        b.prims.dst_ip = Some("192.0.2.9".parse().unwrap());
        for n in 1..9 {
            assert_eq!(k.shard(&a, n), k.shard(&b, n));
            assert!(k.shard(&a, n) < n);
        }
    }

    #[test]
    fn flows_spread_over_shards() {
        let k = ShardKey::new(&agg("src_host, dst_host")).unwrap();
        let mut counts = [0usize; 4];
        for i in 0..4000u32 {
            let mut f = Flow::default();
            f.prims.src_ip = Some(IpAddr::V4((0x0a00_0000 + i).into()));
            counts[k.shard(&f, 4)] += 1;
        }
        assert!(counts.iter().all(|c| *c > 800), "{counts:?}");
    }

    #[test]
    fn aggregates_that_cannot_be_spread() {
        assert!(ShardKey::new(&agg("sum_host")).is_none());
        assert!(ShardKey::new(&agg("peer_src_ip")).is_none());
    }
}
