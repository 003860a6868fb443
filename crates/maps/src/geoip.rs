//! `geoipv2_file`: a MaxMind DB (GeoIP2/GeoLite2 country or city, or any database with the
//! same paths) resolving addresses for the GeoIP primitives, as pmacct 1.7.7's
//! `*_geoipv2_handler()`s read it: `country.iso_code` (a string, at most 3 bytes kept),
//! `postal.code` (at most 11 bytes) and `location.latitude`/`longitude` (doubles). A value
//! of another type, a missing path and an address the database has no record for give
//! pmacct's empty values ("" and 0). (1.7.7 means to print `O1` for an address it cannot
//! find, but its `strncpy()` copies nothing: the empty string is what it prints.)

use std::net::IpAddr;

use maxminddb::{path, Reader};
use pmacct_flow::geo::{Country, GeoInfo, Pocode};

/// Which of an address's values a plugin needs (only those are decoded).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Wanted {
    pub country: bool,
    pub pocode: bool,
    pub coords: bool,
}

impl Wanted {
    pub fn any(self) -> bool {
        self.country || self.pocode || self.coords
    }
}

/// An opened `geoipv2_file`.
pub struct GeoDb {
    reader: Reader<Vec<u8>>,
    path: String,
}

impl std::fmt::Debug for GeoDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeoDb").field("path", &self.path).finish()
    }
}

impl GeoDb {
    /// Open (read into memory and check the metadata of) a MaxMind DB file. The error is
    /// the reader's reason, for pmacct's `geoipv2_file database can't be loaded (...)`.
    pub fn open(path: &str) -> Result<GeoDb, String> {
        let reader = Reader::open_readfile(path).map_err(|e| e.to_string())?;
        Ok(GeoDb {
            reader,
            path: path.to_string(),
        })
    }

    /// A database from bytes (tests, fuzzing).
    pub fn from_bytes(bytes: Vec<u8>) -> Result<GeoDb, String> {
        let reader = Reader::from_source(bytes).map_err(|e| e.to_string())?;
        Ok(GeoDb {
            reader,
            path: String::new(),
        })
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    /// The values of `addr` that `want` names; the others stay empty. An error inside the
    /// database (corrupt data) reads as no value, as a type mismatch does in pmacct.
    pub fn lookup(&self, addr: IpAddr, want: Wanted) -> GeoInfo {
        let mut g = GeoInfo::default();
        if !want.any() {
            return g;
        }
        let Ok(res) = self.reader.lookup(addr) else {
            return g;
        };
        if !res.has_data() {
            return g;
        }
        if want.country {
            if let Ok(Some(s)) = res.decode_path::<&str>(&path!["country", "iso_code"]) {
                g.country = Country::new(s);
            }
        }
        if want.pocode {
            if let Ok(Some(s)) = res.decode_path::<&str>(&path!["postal", "code"]) {
                g.pocode = Pocode::new(s);
            }
        }
        if want.coords {
            if let Ok(Some(v)) = res.decode_path::<f64>(&path!["location", "latitude"]) {
                g.lat_bits = v.to_bits();
            }
            if let Ok(Some(v)) = res.decode_path::<f64>(&path!["location", "longitude"]) {
                g.lon_bits = v.to_bits();
            }
        }
        g
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_refused_not_a_panic() {
        assert!(GeoDb::from_bytes(b"not a database".to_vec()).is_err());
        assert!(GeoDb::from_bytes(Vec::new()).is_err());
        let mut b = vec![0u8; 64];
        b.extend_from_slice(b"\xab\xcd\xefMaxMind.com");
        b.extend_from_slice(&[0xe0; 16]);
        assert!(GeoDb::from_bytes(b).is_err());
    }
}
