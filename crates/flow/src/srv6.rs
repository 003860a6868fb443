//! `srv6_seg_ipv6_list` (pmacct 1.7.9+): an SRv6 segment list in the fixed-size flow model.
//!
//! A list is kept as its text, `0-<addr>,1-<addr>...` (each item as pmacct's JSON array
//! prints it), interned like labels: segment lists are few (SR policies), and the flow stays
//! `Copy`. The text is built in a stack buffer, so a known list costs one hash lookup.

use std::io::Write;
use std::net::Ipv6Addr;

use crate::label::{self, LabelId};

/// The text of a list of 13-15 addresses: pmacct stores its byte length (20 per address)
/// in one octet, which wraps, and then finds no whole address in it: its JSON lacks the
/// key, its Avro array is empty.
pub const WRAPPED: &str = "!";

/// Most addresses a list keeps (pmacct: a one-octet length, multiple of 16).
pub const MAX_SEGMENTS: usize = 15;
/// Most addresses pmacct then prints (20 octets each in a one-octet length).
const MAX_PRINTED: usize = 12;

/// The interned id of segment list `bytes` (a multiple of 16, at most 240: the decoder's
/// `srv6_seg_list`); `NONE` when absent or the string table is full.
pub fn intern(bytes: Option<&[u8]>) -> LabelId {
    let Some(b) = bytes else {
        return LabelId::NONE;
    };
    let n = b.len() / 16;
    if n == 0 || n > MAX_SEGMENTS {
        return LabelId::NONE;
    }
    if n > MAX_PRINTED {
        return label::intern(WRAPPED).unwrap_or(LabelId::NONE);
    }
    // 12 x ("11-" + 39-char address + ",") fits.
    let mut buf = [0u8; 12 * 44];
    let mut w = &mut buf[..];
    for (i, a) in b.chunks_exact(16).take(n).enumerate() {
        let mut o = [0u8; 16];
        o.copy_from_slice(a);
        let sep = if i > 0 { "," } else { "" };
        let a = Ipv6Addr::from(o);
        let s = a.segments();
        // glibc's inet_ntop (pmacct's addr_to_str) keeps the IPv4-compatible ::a.b.c.d form
        let r = if s[..6].iter().all(|x| *x == 0) && s[6] != 0 {
            let [a, b, c, d] = [o[12], o[13], o[14], o[15]];
            write!(w, "{sep}{i}-::{a}.{b}.{c}.{d}")
        } else {
            write!(w, "{sep}{i}-{a}")
        };
        if r.is_err() {
            return LabelId::NONE;
        }
    }
    let used = 12 * 44 - w.len();
    match std::str::from_utf8(&buf[..used]) {
        Ok(s) => label::intern(s).unwrap_or(LabelId::NONE),
        Err(_) => LabelId::NONE,
    }
}

/// The items of a list's text (JSON / Avro array elements); none for an empty or
/// [`WRAPPED`] list.
pub fn items(text: &str) -> impl Iterator<Item = &str> + Clone {
    let t = if text == WRAPPED { "" } else { text };
    t.split(',').filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(n: usize) -> Vec<u8> {
        (0..n)
            .flat_map(|i| {
                let mut a = [0u8; 16];
                a[0] = 0x20;
                a[1] = 0x01;
                a[15] = i as u8 + 1;
                a
            })
            .collect()
    }

    #[test]
    fn text_is_pmacct_items() {
        let id = intern(Some(&list(2)));
        assert_eq!(label::resolve(id), "0-2001::1,1-2001::2");
        assert_eq!(
            items(label::resolve(id)).collect::<Vec<_>>(),
            ["0-2001::1", "1-2001::2"]
        );
        assert_eq!(intern(None), LabelId::NONE);
        assert_eq!(intern(Some(&[])), LabelId::NONE);
        let twelve = label::resolve(intern(Some(&list(12))));
        assert_eq!(items(twelve).count(), 12);
        assert!(twelve.ends_with(",11-2001::c"));
        for n in 13..=15 {
            assert_eq!(label::resolve(intern(Some(&list(n)))), WRAPPED);
        }
        assert_eq!(items(WRAPPED).count(), 0);
        let mut compat = [0u8; 16];
        compat[12..].copy_from_slice(&[10, 0, 0, 1]);
        assert_eq!(label::resolve(intern(Some(&compat))), "0-::10.0.0.1");
        // the longest addresses fit the buffer
        let full = vec![0xFFu8; 16 * 12];
        assert_eq!(items(label::resolve(intern(Some(&full)))).count(), 12);
    }
}
