//! `bmp_daemon_parse_proxy_header`: the PROXY protocol header (HAProxy's v1 text line or v2
//! binary block) a load balancer puts before a router's BMP stream, read as 1.7.7's
//! `parse_proxy_header()` reads it: the router's address and port become the header's
//! source (v1 TCP4/TCP6; v2 PROXY command over TCP/IPv4 only, as 1.7.7), anything else
//! keeps the connection's. The header is consumed; a stream without one is left as it is.

use std::net::IpAddr;

const V2_SIG: &[u8; 12] = b"\r\n\r\n\0\r\nQUIT\n";
/// 1.7.7 looks for the v1 line's end within its 108-byte buffer.
const V1_MAX: usize = 108;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Header {
    /// Not enough bytes yet to tell (or to hold the whole header).
    Incomplete,
    /// A v1 line with no end within 108 bytes: it can never complete (1.7.7 stalls that
    /// router for good; the collector closes it).
    Invalid,
    /// `len` bytes to consume; the source it names, if one replaces the connection's.
    Found {
        len: usize,
        version: u8,
        src: Option<(IpAddr, u16)>,
    },
}

/// The header at the start of `b` (16 bytes are needed to tell, as in 1.7.7).
pub fn parse(b: &[u8]) -> Header {
    if b.len() < 16 {
        return Header::Incomplete;
    }
    if b.starts_with(b"PROXY") {
        let window = &b[..b.len().min(V1_MAX)];
        let stuck = if b.len() >= V1_MAX {
            Header::Invalid
        } else {
            Header::Incomplete
        };
        let Some(cr) = window.iter().position(|&c| c == b'\r') else {
            return stuck;
        };
        match b.get(cr + 1) {
            Some(b'\n') => {}
            Some(_) => return Header::Invalid,
            None => return Header::Incomplete,
        }
        // "PROXY TCP4 <src ip> <dst ip> <src port> <dst port>"
        let line = std::str::from_utf8(&b[..cr]).unwrap_or("");
        let f: Vec<&str> = line.split(' ').collect();
        let src = match (
            f.get(2).and_then(|s| s.parse::<IpAddr>().ok()),
            f.get(4).and_then(|s| s.parse::<u16>().ok()),
        ) {
            (Some(a), Some(p)) => Some((a, p)),
            _ => None,
        };
        return Header::Found {
            len: cr + 2,
            version: 1,
            src,
        };
    }
    if b.starts_with(V2_SIG) {
        let len = 16 + usize::from(u16::from_be_bytes([b[14], b[15]]));
        if b.len() < len {
            return Header::Incomplete;
        }
        let (ver_cmd, fam) = (b[12], b[13]);
        let src = (ver_cmd == 0x21 && fam == 0x11 && len >= 28).then(|| {
            let a = IpAddr::from([b[16], b[17], b[18], b[19]]);
            (a, u16::from_be_bytes([b[24], b[25]]))
        });
        return Header::Found {
            len,
            version: 2,
            src,
        };
    }
    Header::Found {
        len: 0,
        version: 0,
        src: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_v2_and_none() {
        let v1 = b"PROXY TCP4 192.0.2.7 198.51.100.1 40001 1790\r\n\x03rest";
        assert_eq!(
            parse(v1),
            Header::Found {
                len: 46,
                version: 1,
                src: Some(("192.0.2.7".parse().unwrap(), 40001))
            }
        );
        assert_eq!(parse(&v1[..30]), Header::Incomplete);
        let mut v2 = V2_SIG.to_vec();
        v2.extend_from_slice(&[
            0x21, 0x11, 0, 12, 192, 0, 2, 8, 10, 0, 0, 1, 0x9c, 0x42, 7, 0,
        ]);
        v2.push(3);
        assert_eq!(
            parse(&v2),
            Header::Found {
                len: 28,
                version: 2,
                src: Some(("192.0.2.8".parse().unwrap(), 0x9c42))
            }
        );
        assert_eq!(parse(&v2[..20]), Header::Incomplete);
        // LOCAL command: consumed, the connection's address kept.
        v2[12] = 0x20;
        assert!(matches!(
            parse(&v2),
            Header::Found {
                len: 28,
                src: None,
                ..
            }
        ));
        let bmp = [
            3u8, 0, 0, 0, 20, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        ];
        assert_eq!(
            parse(&bmp),
            Header::Found {
                len: 0,
                version: 0,
                src: None
            }
        );
        // A lying v2 length waits for bytes (bounded by u16), never reads past them.
        let mut lie = V2_SIG.to_vec();
        lie.extend_from_slice(&[0x21, 0x11, 0xff, 0xff]);
        assert_eq!(parse(&lie), Header::Incomplete);
        // A v1 line without its end within 108 bytes never completes.
        let long = [b"PROXY ".as_slice(), &[b'x'; 200]].concat();
        assert_eq!(parse(&long[..60]), Header::Incomplete);
        assert_eq!(parse(&long), Header::Invalid);
    }
}
