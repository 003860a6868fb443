//! Text renderings shared by every encoder and by custom primitives: addresses as glibc's
//! `inet_ntop` prints them, MACs, JSON string escaping as jansson does. A leaf module: it
//! knows nothing of primitives, caches or formats.

use std::io::Write;
use std::net::IpAddr;

pub use crate::time::push_uint;

/// inet_ntop: dotted quad without `fmt` for IPv4 (the common case), std's RFC 5952 form
/// for IPv6 (identical to glibc's inet_ntop, including `::ffff:a.b.c.d`).
pub fn write_ip(out: &mut Vec<u8>, a: IpAddr) {
    match a {
        IpAddr::V4(v4) => {
            for (i, o) in v4.octets().iter().enumerate() {
                if i > 0 {
                    out.push(b'.');
                }
                push_uint(out, u64::from(*o));
            }
        }
        IpAddr::V6(v6) => {
            let w = v6.segments();
            // glibc prints the deprecated IPv4-compatible form ::a.b.c.d (first six words
            // zero, seventh not); std prints hex words there.
            if w[..6].iter().all(|x| *x == 0) && w[6] != 0 {
                out.extend_from_slice(b"::");
                let o = v6.octets();
                write_ip(out, IpAddr::from([o[12], o[13], o[14], o[15]]));
            } else {
                let _ = write!(out, "{v6}");
            }
        }
    }
}

/// `addr_to_str2()`: an address rendered in the flow's family; v4 in a v6 flow becomes
/// `::ffff:a.b.c.d`, a mapped v6 in a v4 flow becomes v4, anything else is empty.
pub fn write_ip_in_family(out: &mut Vec<u8>, a: Option<IpAddr>, family: u8) {
    match (a, family) {
        (Some(IpAddr::V4(v4)), 4) => write_ip(out, IpAddr::V4(v4)),
        // std's form, as measured against pmacct for peer_ip_dst (kept as it was).
        (Some(IpAddr::V6(v6)), 6) => {
            let _ = write!(out, "{v6}");
        }
        (Some(IpAddr::V6(v6)), 4) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                write_ip(out, IpAddr::V4(v4));
            }
        }
        (Some(IpAddr::V4(v4)), 6) => {
            let _ = write!(out, "{}", v4.to_ipv6_mapped());
        }
        _ => {}
    }
}

/// `aa:bb:cc:dd:ee:ff`, lower-case hex.
pub fn write_mac(out: &mut Vec<u8>, m: [u8; 6]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for (i, b) in m.iter().enumerate() {
        if i > 0 {
            out.push(b':');
        }
        out.push(HEX[usize::from(b >> 4)]);
        out.push(HEX[usize::from(b & 0xF)]);
    }
}

/// True if `s` holds a byte JSON strings must escape.
pub fn needs_json_escape(s: &[u8]) -> bool {
    s.iter().any(|&b| b == b'"' || b == b'\\' || b < 0x20)
}

/// JSON string body escaping as jansson does (`"` `\` and control characters; UTF-8 raw,
/// `/` not escaped).
pub fn write_json_escaped(out: &mut Vec<u8>, s: &[u8]) {
    for &b in s {
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            c if c < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c);
            }
            c => out.push(c),
        }
    }
}

/// Escape in place what was written from `start` on, only if it needs it (labels, custom
/// strings): the common case costs one scan.
pub fn escape_json_tail(out: &mut Vec<u8>, start: usize) {
    if needs_json_escape(&out[start..]) {
        let raw = out.split_off(start);
        write_json_escaped(out, &raw);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> String {
        let mut v = Vec::new();
        write_ip(&mut v, s.parse().unwrap());
        String::from_utf8(v).unwrap()
    }

    // Expected strings are what glibc's inet_ntop (pmacct's addr_to_str) prints.
    #[test]
    fn addresses_like_inet_ntop() {
        assert_eq!(ip("10.231.65.56"), "10.231.65.56");
        assert_eq!(ip("0.0.0.0"), "0.0.0.0");
        assert_eq!(ip("2001:918:ffff:f9fc::3"), "2001:918:ffff:f9fc::3");
        assert_eq!(ip("::ffff:0.0.0.0"), "::ffff:0.0.0.0");
        assert_eq!(ip("::"), "::");
        assert_eq!(ip("::1"), "::1");
        assert_eq!(ip("::10.0.0.1"), "::10.0.0.1");
        assert_eq!(ip("fe80::aebc:d9ff:fe11:22e0"), "fe80::aebc:d9ff:fe11:22e0");
    }

    #[test]
    fn macs_and_escapes() {
        let mut v = Vec::new();
        write_mac(&mut v, [0, 0x1b, 0xa, 0xff, 0x10, 1]);
        assert_eq!(v, b"00:1b:0a:ff:10:01");
        v.clear();
        write_json_escaped(&mut v, b"a\"b\\c\n\x01");
        assert_eq!(v, b"a\\\"b\\\\c\\n\\u0001");
    }
}
