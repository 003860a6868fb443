//! A `geoipv2_file` of any bytes: opening refuses or accepts it without panicking, and
//! every lookup (IPv4, IPv4 in IPv6, IPv6) of an accepted one gives values or nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pmacct_maps::geoip::{GeoDb, Wanted};

fuzz_target!(|data: &[u8]| {
    let Ok(db) = GeoDb::from_bytes(data.to_vec()) else {
        return;
    };
    let all = Wanted {
        country: true,
        pocode: true,
        coords: true,
    };
    for a in ["138.187.57.4", "10.0.0.1", "0.0.0.0", "2001:db8::1", "::ffff:1.2.3.4", "ffff::1"] {
        let g = db.lookup(a.parse().unwrap(), all);
        assert!(g.country.as_bytes().len() <= 3 && g.pocode.as_bytes().len() <= 11);
    }
});
