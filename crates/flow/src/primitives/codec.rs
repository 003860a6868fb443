//! The cache key codec of one aggregate: each aggregated primitive's field packed by its
//! row's codec (only the aggregated ones, plus the history bin and the custom slots), and
//! unpacked again when a purge renders the entry.

use super::{pack_field, raw_span, unpack_field, Aggregate, Primitive};
use crate::custom::CustomValues;
use crate::flow::Primitives;
use crate::geo::{GeoInfo, GeoValues};
use crate::index::{KeyBuf, KeyField, KeyReader};

/// Packs (and unpacks) the aggregated primitives of a plugin's aggregate.
///
/// A key is the bin, then the aggregated fields whose key bytes are their memory bytes
/// (integers, MAC addresses: [`KeyField::RAW`](crate::index::KeyField::RAW)) in the order
/// they lie in [`Primitives`], copied as runs of neighbouring fields (the common ones sit
/// together there), then the other aggregated fields one by one, then custom and GeoIP
/// values. Packing is per record; a run costs one copy where each field cost a dispatch.
#[derive(Debug, Clone)]
pub struct KeyCodec {
    /// `(offset, length)` in [`Primitives`] of each run of raw fields.
    runs: Vec<(usize, usize)>,
    /// The raw fields, in memory order (how a key is read back).
    raw: Vec<Primitive>,
    /// Which of [`DIRECT`] the aggregate has.
    direct: [bool; DIRECT.len()],
    /// The other aggregated fields, in the aggregate's order.
    cols: Vec<Primitive>,
    /// Custom primitive slots `(offset, size)` of the aggregate.
    custom: Vec<(u16, u16)>,
    /// GeoIP primitives of the aggregate (their values travel beside the flow).
    geo: Vec<Primitive>,
}

/// Primitives that are no raw field but in most aggregates (the addresses and times of
/// the lead): packed by their fields straight, not by `pack_field`'s dispatch (a call and
/// a jump per field per record). Their order in the key is this one.
const DIRECT: [Primitive; 4] = [
    Primitive::SrcHost,
    Primitive::DstHost,
    Primitive::TimestampStart,
    Primitive::TimestampEnd,
];

/// The GeoIP primitives (`geoipv2_file`).
pub const GEO_PRIMITIVES: [Primitive; 6] = [
    Primitive::SrcHostCountry,
    Primitive::DstHostCountry,
    Primitive::SrcHostPocode,
    Primitive::DstHostPocode,
    Primitive::SrcHostCoords,
    Primitive::DstHostCoords,
];

/// The source or destination half of `g` a GeoIP primitive reads.
fn geo_side(p: Primitive, g: &mut GeoValues) -> &mut GeoInfo {
    match p {
        Primitive::SrcHostCountry | Primitive::SrcHostPocode | Primitive::SrcHostCoords => {
            &mut g.src
        }
        _ => &mut g.dst,
    }
}

impl KeyCodec {
    pub fn new(agg: &Aggregate) -> KeyCodec {
        // sum_* aggregates hold their one column; Flows is not a key field.
        let fields: Vec<Primitive> = agg.columns().filter(|p| p.info().in_flow()).collect();
        let mut raw: Vec<(usize, usize, Primitive)> = fields
            .iter()
            .filter_map(|p| raw_span(*p).map(|(off, len)| (off, len, *p)))
            .collect();
        raw.sort_unstable();
        // Two primitives of one field (none today) would read it once.
        raw.dedup_by_key(|r| r.0);
        let mut runs: Vec<(usize, usize)> = Vec::new();
        for &(off, len, _) in &raw {
            match runs.last_mut() {
                Some((o, l)) if *o + *l == off => *l += len,
                _ => runs.push((off, len)),
            }
        }
        KeyCodec {
            runs,
            raw: raw.iter().map(|r| r.2).collect(),
            direct: DIRECT.map(|d| fields.contains(&d)),
            cols: fields
                .into_iter()
                .filter(|p| raw_span(*p).is_none() && !DIRECT.contains(p))
                .collect(),
            custom: agg.custom().iter().map(|c| (c.off, c.size)).collect(),
            geo: agg
                .columns()
                .filter(|p| GEO_PRIMITIVES.contains(p))
                .collect(),
        }
    }

    /// Whether the aggregate has GeoIP primitives (a plugin then looks them up).
    pub fn has_geo(&self) -> bool {
        !self.geo.is_empty()
    }

    /// Append the aggregated GeoIP values of `g` to a key [`Self::pack_into`] wrote.
    #[inline]
    pub fn pack_geo(&self, g: &GeoValues, k: &mut KeyBuf) {
        // Most aggregates have none: no copy of the values per record then.
        if !self.geo.is_empty() {
            self.pack_geo_values(g, k);
        }
    }

    fn pack_geo_values(&self, g: &GeoValues, k: &mut KeyBuf) {
        let mut g = *g;
        for p in &self.geo {
            let side = geo_side(*p, &mut g);
            match p {
                Primitive::SrcHostCountry | Primitive::DstHostCountry => k.put(&side.country.0),
                Primitive::SrcHostPocode | Primitive::DstHostPocode => k.put(&side.pocode.0),
                _ => {
                    k.put(&side.lat_bits.to_le_bytes());
                    k.put(&side.lon_bits.to_le_bytes());
                }
            }
        }
    }

    /// The key of `p` (already masked or not: only aggregated fields are read) in bin `bin`,
    /// without custom primitive values.
    pub fn pack(&self, p: &Primitives, bin: u64) -> KeyBuf {
        let mut k = KeyBuf::default();
        self.pack_into(p, &CustomValues::EMPTY, bin, &mut k);
        k
    }

    /// The key of `p` with custom values `custom` in bin `bin`, into a reused buffer.
    pub fn pack_into(&self, p: &Primitives, custom: &CustomValues, bin: u64, k: &mut KeyBuf) {
        k.clear();
        k.put(&bin.to_le_bytes());
        let base = (p as *const Primitives).cast::<u8>();
        for &(off, len) in &self.runs {
            debug_assert!(off + len <= std::mem::size_of::<Primitives>());
            // SAFETY: `base` points to a live `Primitives` borrowed for this call, and
            // [off, off + len) lies within it: each run is the offset_of + size_of of
            // neighbouring fields (KeyCodec::new merges a span only into the one it touches),
            // every one an integer or byte array (KeyField::RAW), so the bytes read are
            // initialized field bytes, never padding.
            let bytes = unsafe { std::slice::from_raw_parts(base.add(off), len) };
            k.put(bytes);
        }
        // DIRECT's order.
        let [src, dst, start, end] = self.direct;
        if src {
            p.src_ip.pack(k);
        }
        if dst {
            p.dst_ip.pack(k);
        }
        if start {
            p.timestamp_start.pack(k);
        }
        if end {
            p.timestamp_end.pack(k);
        }
        for c in &self.cols {
            pack_field(*c, p, k);
        }
        for (off, size) in &self.custom {
            k.put(custom.slot(*off, *size));
        }
    }

    /// The masked primitives and the bin a key was packed from; None if `key` was not
    /// written by this codec. `out` must hold defaults (a fresh `Primitives::default()`):
    /// only the aggregated fields are written, so a purge zeroes each entry once, not twice.
    pub fn unpack(
        &self,
        key: &[u8],
        out: &mut Primitives,
        custom: &mut CustomValues,
    ) -> Option<u64> {
        self.unpack_with_geo(key, out, custom, &mut GeoValues::EMPTY.clone())
    }

    /// [`Self::unpack`], with the GeoIP values [`Self::pack_geo`] appended into `geo`.
    pub fn unpack_with_geo(
        &self,
        key: &[u8],
        out: &mut Primitives,
        custom: &mut CustomValues,
        geo: &mut GeoValues,
    ) -> Option<u64> {
        let mut r = KeyReader::new(key);
        let bin = u64::from_le_bytes(r.take::<8>()?);
        // Raw runs read back field by field: a field's little-endian key bytes are its
        // memory bytes.
        let direct = DIRECT.iter().zip(self.direct).filter(|d| d.1).map(|d| d.0);
        for c in self.raw.iter().chain(direct).chain(&self.cols) {
            unpack_field(*c, &mut r, out)?;
        }
        for (off, size) in &self.custom {
            custom.set_slot(*off, r.bytes(usize::from(*size))?);
        }
        for p in &self.geo {
            let side = geo_side(*p, geo);
            match p {
                Primitive::SrcHostCountry | Primitive::DstHostCountry => {
                    side.country.0 = r.take()?
                }
                Primitive::SrcHostPocode | Primitive::DstHostPocode => side.pocode.0 = r.take()?,
                _ => {
                    side.lat_bits = u64::from_le_bytes(r.take()?);
                    side.lon_bits = u64::from_le_bytes(r.take()?);
                }
            }
        }
        r.is_empty().then_some(bin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::primitives::{mask, table::poke_field, PRIMITIVES};

    /// What the copy of a run relies on, for every primitive with a raw span: the span lies
    /// within `Primitives`, no two fields' spans overlap (runs merge only touching spans),
    /// and the key holds exactly the span's bytes, which read back to the field.
    #[test]
    fn raw_spans_are_whole_fields_within_the_struct() {
        let mut spans: Vec<(usize, usize, Primitive)> = PRIMITIVES
            .iter()
            .filter_map(|i| raw_span(i.prim).map(|(o, l)| (o, l, i.prim)))
            .collect();
        assert!(spans.len() > 20, "{} raw fields", spans.len());
        spans.sort_unstable();
        spans.dedup_by_key(|s| s.0);
        for w in spans.windows(2) {
            assert!(w[0].0 + w[0].1 <= w[1].0, "{:?} overlaps {:?}", w[0], w[1]);
        }
        for &(off, len, prim) in &spans {
            assert!(off + len <= std::mem::size_of::<Primitives>(), "{prim:?}");
            let codec = KeyCodec::new(&Aggregate::from_primitives(&[prim]));
            let mut p = Primitives::default();
            poke_field(prim, &mut p);
            let key = codec.pack(&p, 0);
            assert_eq!(key.as_bytes().len(), 8 + len, "{prim:?}");
            let mut back = Primitives::default();
            let mut cv = CustomValues::default();
            assert_eq!(codec.unpack(key.as_bytes(), &mut back, &mut cv), Some(0));
            assert_eq!(back, p, "{prim:?}");
        }
    }

    /// The tutorial aggregate's integers are copied as two runs (interfaces; ports, protocol
    /// and ToS), and its key still reads back to exactly the masked primitives, whatever the
    /// values of the fields between and around those runs.
    #[test]
    fn neighbouring_integer_fields_pack_as_runs() {
        let agg = Aggregate::parse(&[
            "src_host, dst_host, in_iface, out_iface, timestamp_start, timestamp_end, \
             src_port, dst_port, proto, tos, tcpflags, flows",
        ])
        .unwrap();
        let codec = KeyCodec::new(&agg);
        assert_eq!(codec.runs.len(), 2, "{:?}", codec.runs);
        assert_eq!(
            codec.runs.iter().map(|r| r.1).sum::<usize>(),
            4 + 4 + 2 + 2 + 1 + 1
        );
        let mut p = Primitives::default();
        for info in PRIMITIVES {
            poke_field(info.prim, &mut p);
        }
        p.src_port = 0x1234;
        p.in_iface = 0x0102_0304;
        let key = codec.pack(&p, 60);
        let mut back = Primitives::default();
        let mut cv = CustomValues::default();
        assert_eq!(codec.unpack(key.as_bytes(), &mut back, &mut cv), Some(60));
        assert_eq!(back, mask(&p, &agg));
        // A field outside the aggregate, even inside a run's neighbourhood, is not keyed.
        let mut q = p;
        q.src_as = 7;
        q.tag2 = 9;
        assert_eq!(codec.pack(&q, 60).as_bytes(), key.as_bytes());
        q.tos = 3;
        assert_ne!(codec.pack(&q, 60).as_bytes(), key.as_bytes());
    }
}
