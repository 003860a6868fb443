//! The template sets of a NetFlow v9/IPFIX datagram, as nfacctd 1.7.7 finds and copies
//! them for `nfacctd_templates_receiver`: [`has_template_sets`] is whether its decoder met a
//! template or options template set (`process_v9_packet()`'s `has_templates`), and
//! [`select_template_sets`] builds the datagram it sends (`Tee_select_templates()`): the
//! header, then every template set of the datagram, in order.
//!
//! Both walk the sets exactly as 1.7.7 does, quirks included, so the receiver gets the same
//! bytes:
//! - the last set of a datagram is never copied (a set is taken only when its length plus
//!   four more bytes fit in what is left), so a datagram of templates only sends nothing
//!   unless it ends in padding;
//! - v9 stops after `count + 1` sets (the header's count, which most exporters make a
//!   record count); IPFIX walks to the end of the datagram received, whatever its header's
//!   length says;
//! - a set length under four is stepped over as it is (a length of one advances one byte).
//!
//! The copy's header is the original one with the v9 count set to the number of template
//! sets copied, or the IPFIX length to the copy's length; sequence number, time and source
//! id are unchanged. No allocation beyond `out`, which never grows past the datagram.

/// What 1.7.7 reads of a datagram (`NETFLOW_MSG_SIZE`): the rest of a longer one is cut off
/// by its `recvfrom()`.
pub const MAX_DATAGRAM: usize = 10_000;

const V9_HEADER: usize = 20;
const IPFIX_HEADER: usize = 16;
const SET_HEADER: usize = 4;

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

/// Whether 1.7.7's decoder reaches a template or options template set (set id 0 to 3, in
/// either version) before it gives the datagram up: a set header past the end, a set
/// length of 0 or under 4, a data or other set overrunning the datagram, or (v9) the
/// header's count of sets reached.
pub fn has_template_sets(d: &[u8]) -> bool {
    let d = &d[..d.len().min(MAX_DATAGRAM)];
    let (header, count) = match be16(d, 0) {
        Some(9) => (V9_HEADER, be16(d, 2).unwrap_or(0)),
        Some(10) => (IPFIX_HEADER, 0),
        _ => return false,
    };
    if d.len() < header {
        return false;
    }
    let len = d.len();
    let mut off = header;
    let mut seen: u32 = 0;
    loop {
        if off + SET_HEADER >= len {
            return false;
        }
        let (Some(id), Some(set_len)) = (be16(d, off), be16(d, off + 2)) else {
            return false;
        };
        let set_len = usize::from(set_len);
        if set_len < SET_HEADER {
            return false;
        }
        if id <= 3 {
            return true;
        }
        if off + set_len > len {
            return false;
        }
        off += set_len;
        // v9 walks as many sets as its header counts (the first one always), IPFIX to the
        // end of the datagram.
        if off >= len || (header == V9_HEADER && seen + 1 >= u32::from(count)) {
            return false;
        }
        seen += 1;
    }
}

/// The datagram of `d`'s template sets (v9 set ids 0 and 1, IPFIX 2 and 3) into `out`, as
/// 1.7.7 sends it to `nfacctd_templates_receiver`; false (and `out` empty) when it copies
/// none (then nothing is sent). `d` is the datagram as received, version 9 or 10.
pub fn select_template_sets(d: &[u8], out: &mut Vec<u8>) -> bool {
    out.clear();
    let d = &d[..d.len().min(MAX_DATAGRAM)];
    let (v9, header) = match be16(d, 0) {
        Some(9) => (true, V9_HEADER),
        Some(10) => (false, IPFIX_HEADER),
        _ => return false,
    };
    if d.len() < header {
        return false;
    }
    out.extend_from_slice(&d[..header]);
    // v9: count + 1 sets at most ("a trick to use the > operator" in 1.7.7).
    let max_sets = u32::from(be16(d, 2).unwrap_or(0)) + 1;
    let mut sets: u32 = 0;
    let mut copied: u16 = 0;
    let mut pos = header;
    while if v9 { sets < max_sets } else { pos < d.len() } {
        let left = d.len() - pos;
        // Fewer than 4 bytes left: 1.7.7 reads a header past the datagram, whose length
        // can never pass its check (0, or length + 4 > what is left).
        let (Some(id), Some(set_len)) = (be16(d, pos), be16(d, pos + 2)) else {
            break;
        };
        let set_len = usize::from(set_len);
        if set_len == 0 || SET_HEADER + set_len > left {
            break;
        }
        let template = if v9 { id <= 1 } else { id == 2 || id == 3 };
        if template {
            out.extend_from_slice(&d[pos..pos + set_len]);
            copied = copied.wrapping_add(1);
        }
        pos += set_len;
        sets += 1;
    }
    if copied == 0 {
        out.clear();
        return false;
    }
    let field = if v9 {
        copied
    } else {
        // At most MAX_DATAGRAM bytes: fits.
        out.len() as u16
    };
    out[2..4].copy_from_slice(&field.to_be_bytes());
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(id: u16, body: usize) -> Vec<u8> {
        let mut s = id.to_be_bytes().to_vec();
        s.extend_from_slice(&((body + 4) as u16).to_be_bytes());
        s.extend((0..body).map(|i| i as u8));
        s
    }

    fn v9(count: u16, sets: &[&[u8]]) -> Vec<u8> {
        let mut d = vec![0, 9];
        d.extend_from_slice(&count.to_be_bytes());
        d.extend_from_slice(&[0, 0, 3, 232, 101, 86, 148, 248, 0, 0, 0, 42, 0, 0, 0, 7]);
        for s in sets {
            d.extend_from_slice(s);
        }
        d
    }

    fn ipfix(sets: &[&[u8]]) -> Vec<u8> {
        let body: usize = sets.iter().map(|s| s.len()).sum();
        let mut d = vec![0, 10];
        d.extend_from_slice(&((16 + body) as u16).to_be_bytes());
        d.extend_from_slice(&[101, 86, 148, 248, 0, 0, 0, 42, 0, 0, 0, 7]);
        for s in sets {
            d.extend_from_slice(s);
        }
        d
    }

    fn selected(d: &[u8]) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        select_template_sets(d, &mut out).then_some(out)
    }

    /// Templates then data: the templates, the v9 count made the number of sets copied.
    #[test]
    fn v9_templates_before_data() {
        let (t1, o1, data) = (set(0, 68), set(1, 22), set(1024, 44));
        let d = v9(20, &[&t1, &o1, &data]);
        assert!(has_template_sets(&d));
        let mut want = v9(2, &[&t1, &o1]);
        want[..2].copy_from_slice(&[0, 9]);
        assert_eq!(selected(&d), Some(want));
    }

    /// The quirks measured on 1.7.7 (compat test `templates_receiver_quirks`).
    #[test]
    fn v9_walk_as_1_7_7() {
        let (t1, t2, data) = (set(0, 68), set(0, 60), set(1024, 44));
        // The last set is never copied: templates only, nothing sent.
        assert!(has_template_sets(&v9(1, &[&t1])));
        assert_eq!(selected(&v9(1, &[&t1])), None);
        assert_eq!(selected(&v9(2, &[&t1, &t2])), Some(v9(1, &[&t1])));
        // ... unless padding follows (4 bytes: taken; 3: not).
        let mut padded = v9(1, &[&t1]);
        padded.extend_from_slice(&[0; 4]);
        assert_eq!(selected(&padded), Some(v9(1, &[&t1])));
        padded.pop();
        assert_eq!(selected(&padded), None);
        // count + 1 sets walked for the copy, count for the decoder.
        let d = v9(1, &[&t1, &t2, &set(0, 8), &data]);
        assert_eq!(selected(&d), Some(v9(2, &[&t1, &t2])));
        let late = v9(1, &[&data, &t1, &data]);
        assert!(!has_template_sets(&late));
        assert!(has_template_sets(&v9(2, &[&data, &t1, &data])));
        // count 0: the first set still counts.
        assert!(has_template_sets(&v9(0, &[&t1, &data])));
        // An IPFIX set id in v9 is a template to the decoder, not to the copy.
        let d = v9(2, &[&set(2, 68), &data]);
        assert!(has_template_sets(&d));
        assert_eq!(selected(&d), None);
        // A first set of length 2: the decoder gives up before any template.
        let mut d = v9(2, &[&t1, &data]);
        d.splice(20..20, [0, 0, 0, 2]);
        assert!(!has_template_sets(&d));
    }

    #[test]
    fn ipfix_walk_as_1_7_7() {
        let (t1, t2, o1, data) = (set(2, 68), set(2, 60), set(3, 30), set(256, 40));
        let d = ipfix(&[&t1, &o1, &data]);
        assert!(has_template_sets(&d));
        assert_eq!(selected(&d), Some(ipfix(&[&t1, &o1])));
        assert_eq!(selected(&ipfix(&[&t1])), None);
        assert_eq!(selected(&ipfix(&[&t1, &t2])), Some(ipfix(&[&t1])));
        // The header's length is not what bounds the walk.
        let mut d = ipfix(&[&data, &t1, &data]);
        d[2..4].copy_from_slice(&40u16.to_be_bytes());
        assert!(has_template_sets(&d));
        assert_eq!(selected(&d), Some(ipfix(&[&t1])));
        // A v9 set id in IPFIX: a template to the decoder only.
        assert_eq!(selected(&ipfix(&[&set(0, 68), &data])), None);
    }

    /// A set length of one is stepped over byte-wise, as 1.7.7 does.
    #[test]
    fn short_set_lengths_step_as_1_7_7() {
        let t1 = set(0, 68);
        let mut d = v9(3, &[&t1]);
        d.extend_from_slice(&[0, 0, 0, 1]);
        d.extend_from_slice(&set(1024, 44));
        let out = selected(&d).unwrap();
        assert_eq!(&out[..2], &[0, 9]);
        assert!(out.len() > 20 + t1.len());
        assert!(out.len() <= d.len());
    }

    /// Anything at all: no panic, the copy never longer than what was read.
    #[test]
    fn arbitrary_bytes() {
        let mut seed = 0x1234_5678u32;
        let mut out = Vec::new();
        for n in 0..4000usize {
            let len = n % 300;
            let mut d: Vec<u8> = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 17;
                    seed ^= seed << 5;
                    (seed % 7) as u8
                })
                .collect();
            if len >= 2 {
                d[0] = 0;
                d[1] = if n % 2 == 0 { 9 } else { 10 };
            }
            let _ = has_template_sets(&d);
            if select_template_sets(&d, &mut out) {
                assert!(out.len() <= d.len());
            } else {
                assert!(out.is_empty());
            }
        }
        let big = vec![0u8; 70_000];
        assert!(!select_template_sets(&big, &mut out));
    }
}
