//! MPLS VPN route distinguisher (`mpls_vpn_rd`) as pmacct decodes and prints it.

use std::io::Write;
use std::net::Ipv4Addr;

/// An MPLS VPN route distinguisher as pmacct prints it (`bgp_rd2str()`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum RouteDistinguisher {
    /// No RD: printed `0:0:0` (type 0, all zero) - pmacct's zeroed rd_t.
    #[default]
    None,
    /// Type 0: 2-byte ASN, 4-byte value.
    As2 { asn: u16, val: u32 },
    /// Type 1: IPv4 address, 2-byte value.
    Ip { ip: Ipv4Addr, val: u16 },
    /// Type 2: 4-byte ASN, 2-byte value.
    As4 { asn: u32, val: u16 },
    /// ingressVRFID (IE 234): `vrfid:<n>`.
    VrfId(u32),
    /// Any other type: `unknown`.
    Unknown,
}

impl RouteDistinguisher {
    /// Decode IE 90 (mplsVpnRouteDistinguisher), 8 bytes network order.
    pub fn from_bytes(b: &[u8; 8]) -> RouteDistinguisher {
        let ty = u16::from_be_bytes([b[0], b[1]]);
        match ty {
            0 => RouteDistinguisher::As2 {
                asn: u16::from_be_bytes([b[2], b[3]]),
                val: u32::from_be_bytes([b[4], b[5], b[6], b[7]]),
            },
            1 => RouteDistinguisher::Ip {
                ip: Ipv4Addr::new(b[2], b[3], b[4], b[5]),
                val: u16::from_be_bytes([b[6], b[7]]),
            },
            2 => RouteDistinguisher::As4 {
                asn: u32::from_be_bytes([b[2], b[3], b[4], b[5]]),
                val: u16::from_be_bytes([b[6], b[7]]),
            },
            _ => RouteDistinguisher::Unknown,
        }
    }

    /// pmacct's text form: `0:<asn>:<val>`, `1:<ip>:<val>`, `2:<asn>:<val>`, `vrfid:<n>`.
    pub fn write(&self, out: &mut Vec<u8>) {
        let _ = match *self {
            RouteDistinguisher::None => write!(out, "0:0:0"),
            RouteDistinguisher::As2 { asn, val } => write!(out, "0:{asn}:{val}"),
            RouteDistinguisher::Ip { ip, val } => write!(out, "1:{ip}:{val}"),
            RouteDistinguisher::As4 { asn, val } => write!(out, "2:{asn}:{val}"),
            RouteDistinguisher::VrfId(v) => write!(out, "vrfid:{v}"),
            RouteDistinguisher::Unknown => write!(out, "unknown"),
        };
    }

    /// Fixed 9-byte form for cache keys (tag, two words).
    pub(crate) fn to_key(self) -> [u8; 9] {
        let (tag, a, b): (u8, u32, u32) = match self {
            RouteDistinguisher::None => (0, 0, 0),
            RouteDistinguisher::As2 { asn, val } => (1, asn.into(), val),
            RouteDistinguisher::Ip { ip, val } => (2, u32::from(ip), val.into()),
            RouteDistinguisher::As4 { asn, val } => (3, asn, val.into()),
            RouteDistinguisher::VrfId(v) => (4, v, 0),
            RouteDistinguisher::Unknown => (5, 0, 0),
        };
        let mut k = [0u8; 9];
        k[0] = tag;
        k[1..5].copy_from_slice(&a.to_le_bytes());
        k[5..9].copy_from_slice(&b.to_le_bytes());
        k
    }

    /// Inverse of [`RouteDistinguisher::to_key`]; None for a tag it never writes.
    pub(crate) fn from_key(k: [u8; 9]) -> Option<RouteDistinguisher> {
        let a = u32::from_le_bytes([k[1], k[2], k[3], k[4]]);
        let b = u32::from_le_bytes([k[5], k[6], k[7], k[8]]);
        Some(match k[0] {
            0 => RouteDistinguisher::None,
            1 => RouteDistinguisher::As2 {
                asn: a as u16,
                val: b,
            },
            2 => RouteDistinguisher::Ip {
                ip: Ipv4Addr::from(a),
                val: b as u16,
            },
            3 => RouteDistinguisher::As4 {
                asn: a,
                val: b as u16,
            },
            4 => RouteDistinguisher::VrfId(a),
            5 => RouteDistinguisher::Unknown,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_and_round_trips_through_keys() {
        let rd = RouteDistinguisher::from_bytes(&[0, 1, 10, 0, 0, 1, 0, 7]);
        let mut v = Vec::new();
        rd.write(&mut v);
        assert_eq!(v, b"1:10.0.0.1:7");
        for rd in [
            RouteDistinguisher::None,
            RouteDistinguisher::As2 { asn: 65000, val: 1 },
            RouteDistinguisher::As4 {
                asn: 4_200_000_000,
                val: 2,
            },
            RouteDistinguisher::VrfId(1610612736),
            RouteDistinguisher::Unknown,
            rd,
        ] {
            assert_eq!(RouteDistinguisher::from_key(rd.to_key()), Some(rd));
        }
    }
}
