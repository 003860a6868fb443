//! The cache key codec of one aggregate: each aggregated primitive's field packed by its
//! row's codec (only the aggregated ones, plus the history bin and the custom slots), and
//! unpacked again when a purge renders the entry.

use super::{pack_field, unpack_field, Aggregate, Primitive};
use crate::custom::CustomValues;
use crate::flow::Primitives;
use crate::geo::{GeoInfo, GeoValues};
use crate::index::{KeyBuf, KeyReader};

/// Packs (and unpacks) the aggregated primitives of a plugin's aggregate.
#[derive(Debug, Clone)]
pub struct KeyCodec {
    cols: Vec<Primitive>,
    /// Custom primitive slots `(offset, size)` of the aggregate.
    custom: Vec<(u16, u16)>,
    /// GeoIP primitives of the aggregate (their values travel beside the flow).
    geo: Vec<Primitive>,
}

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
        KeyCodec {
            cols: agg.columns().filter(|p| p.info().in_flow()).collect(),
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
    pub fn pack_geo(&self, g: &GeoValues, k: &mut KeyBuf) {
        // Most aggregates have none: no copy of the values per record then.
        if self.geo.is_empty() {
            return;
        }
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
        for c in &self.cols {
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
