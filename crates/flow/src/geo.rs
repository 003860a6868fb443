//! GeoIP primitives (`src_host_country`, `dst_host_country`, `src_host_pocode`,
//! `dst_host_pocode`, `src_host_coords`, `dst_host_coords`): the values a `geoipv2_file`
//! lookup gives a flow. They travel beside the flow into a plugin's cache (like custom
//! primitive values), not inside it: a flow stays the size it is, and only plugins that
//! aggregate on them look them up (pmacct 1.7.7 does it per plugin too, in the core's
//! handlers of that plugin's channel).

/// A NUL-terminated string of pmacct's fixed size (`N` - 1 bytes at most): country codes
/// (`PM_COUNTRY_T_STRLEN` 4) and postal codes (`PM_POCODE_T_STRLEN` 12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GeoStr<const N: usize>(pub [u8; N]);

impl<const N: usize> Default for GeoStr<N> {
    fn default() -> Self {
        GeoStr([0; N])
    }
}

impl<const N: usize> GeoStr<N> {
    /// `s` cut to `N - 1` bytes as pmacct copies it (a byte cut, not a character one).
    pub fn new(s: &str) -> Self {
        let mut b = [0u8; N];
        let n = s.len().min(N - 1);
        b[..n].copy_from_slice(&s.as_bytes()[..n]);
        GeoStr(b)
    }

    /// The same text in another buffer size (cut to `N - 1` bytes).
    pub fn new_from<const M: usize>(s: &GeoStr<M>) -> Self {
        let src = s.as_bytes();
        let mut b = [0u8; N];
        let n = src.len().min(N - 1);
        b[..n].copy_from_slice(&src[..n]);
        GeoStr(b)
    }

    /// The bytes up to the first NUL.
    pub fn as_bytes(&self) -> &[u8] {
        let n = self.0.iter().position(|&c| c == 0).unwrap_or(N);
        &self.0[..n]
    }
}

/// Country code (`country.iso_code`).
pub type Country = GeoStr<4>;
/// Postal code (`postal.code`).
pub type Pocode = GeoStr<12>;

/// What one address resolves to: pmacct's per-address GeoIP fields.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct GeoInfo {
    pub country: Country,
    pub pocode: Pocode,
    /// `location.latitude` / `location.longitude` as f64 bits (0.0 when absent).
    pub lat_bits: u64,
    pub lon_bits: u64,
}

impl GeoInfo {
    pub fn lat(&self) -> f64 {
        f64::from_bits(self.lat_bits)
    }
    pub fn lon(&self) -> f64 {
        f64::from_bits(self.lon_bits)
    }
}

/// The GeoIP values of one flow (source and destination address).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct GeoValues {
    pub src: GeoInfo,
    pub dst: GeoInfo,
}

impl GeoValues {
    pub const EMPTY: GeoValues = GeoValues {
        src: GeoInfo {
            country: GeoStr([0; 4]),
            pocode: GeoStr([0; 12]),
            lat_bits: 0,
            lon_bits: 0,
        },
        dst: GeoInfo {
            country: GeoStr([0; 4]),
            pocode: GeoStr([0; 12]),
            lat_bits: 0,
            lon_bits: 0,
        },
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_cut_as_pmacct_copies_them() {
        assert_eq!(Country::new("CHE").as_bytes(), b"CHE");
        assert_eq!(Country::new("CHEX").as_bytes(), b"CHE");
        assert_eq!(Pocode::new("123456789012345").as_bytes(), b"12345678901");
        assert_eq!(Country::default().as_bytes(), b"");
    }
}
