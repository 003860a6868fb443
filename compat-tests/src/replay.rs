//! What the `replay` bench tool needs besides sockets: how many flow records each export
//! datagram carries (NetFlow v1/v5/v7, v9 and IPFIX with their templates learnt on the way,
//! sFlow v5 flow samples), so it can pace in records per second and say exactly how many
//! records it sent. Input is ours or the corpus but still parsed defensively: every length
//! is checked, nothing panics, nothing loops on a lying length.

use std::collections::HashMap;
use std::net::IpAddr;

/// Template of a NetFlow v9 / IPFIX data set: the field lengths (`u16::MAX`: IPFIX variable
/// length), or options data (no flow records: nfacctd keeps them as exporter state).
#[derive(Debug, Clone)]
enum Template {
    Data(Vec<u16>),
    Options,
}

/// Records per datagram, templates learnt in capture order (keyed by exporter address,
/// version, source id / observation domain and template id, as a collector keys them).
#[derive(Default)]
pub struct RecordCounter {
    templates: HashMap<(IpAddr, u16, u32, u16), Template>,
}

fn be16(b: &[u8], o: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(o..o + 2)?.try_into().ok()?))
}

fn be32(b: &[u8], o: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(o..o + 4)?.try_into().ok()?))
}

impl RecordCounter {
    /// Flow records in one export datagram from `exporter`; 0 for what carries none
    /// (templates only, options data, counter samples, unknown versions).
    pub fn count(&mut self, exporter: IpAddr, d: &[u8]) -> u64 {
        match be16(d, 0) {
            Some(1) => fixed(d, 16, 48),
            Some(5) => fixed(d, 24, 48),
            Some(7) => fixed(d, 24, 52),
            Some(9) => self.template_based(exporter, d, 9),
            Some(10) => self.template_based(exporter, d, 10),
            // sFlow: a 32-bit version
            Some(0) if be32(d, 0) == Some(5) => sflow5(d).unwrap_or(0),
            _ => 0,
        }
    }

    fn template_based(&mut self, exporter: IpAddr, d: &[u8], version: u16) -> u64 {
        let (mut off, domain) = if version == 9 {
            (20, be32(d, 16))
        } else {
            (16, be32(d, 12))
        };
        let Some(domain) = domain else { return 0 };
        let (tset, oset) = if version == 9 { (0, 1) } else { (2, 3) };
        let mut n = 0u64;
        while let (Some(id), Some(len)) = (be16(d, off), be16(d, off + 2)) {
            let len = usize::from(len);
            if len < 4 || off + len > d.len() {
                break;
            }
            let body = &d[off + 4..off + len];
            if id == tset {
                self.learn_templates(exporter, version, domain, body);
            } else if id == oset {
                self.learn_options(exporter, version, domain, body);
            } else if id >= 256 {
                n += match self.templates.get(&(exporter, version, domain, id)) {
                    Some(Template::Data(fields)) => data_records(fields, body),
                    _ => 0,
                };
            }
            off += len;
        }
        n
    }

    fn learn_templates(&mut self, exporter: IpAddr, version: u16, domain: u32, body: &[u8]) {
        let mut p = 0;
        while let (Some(tid), Some(count)) = (be16(body, p), be16(body, p + 2)) {
            p += 4;
            if tid < 256 {
                break;
            }
            let mut fields = Vec::with_capacity(usize::from(count).min(512));
            for _ in 0..count {
                let (Some(ie), Some(flen)) = (be16(body, p), be16(body, p + 2)) else {
                    return;
                };
                p += if version == 10 && ie & 0x8000 != 0 {
                    8
                } else {
                    4
                };
                fields.push(flen);
            }
            if p > body.len() {
                return;
            }
            self.templates
                .insert((exporter, version, domain, tid), Template::Data(fields));
        }
    }

    fn learn_options(&mut self, exporter: IpAddr, version: u16, domain: u32, body: &[u8]) {
        // Only the template id matters: options data carries no flow records.
        let mut p = 0;
        while let Some(tid) = be16(body, p) {
            if tid < 256 {
                break;
            }
            let fields = if version == 9 {
                // scope length and options length, in bytes of (type, length) pairs
                let (Some(s), Some(o)) = (be16(body, p + 2), be16(body, p + 4)) else {
                    return;
                };
                p += 6 + usize::from(s) + usize::from(o);
                0
            } else {
                let Some(count) = be16(body, p + 2) else {
                    return;
                };
                p += 6;
                count
            };
            for _ in 0..fields {
                let Some(ie) = be16(body, p) else { return };
                p += if ie & 0x8000 != 0 { 8 } else { 4 };
            }
            if p > body.len() {
                return;
            }
            self.templates
                .insert((exporter, version, domain, tid), Template::Options);
            if version == 9 {
                // v9 pads an options template flowset to 4 bytes: one template per set
                // in practice.
                return;
            }
        }
    }
}

/// Records of a fixed-size-record version: the header's count, bounded by what is there.
fn fixed(d: &[u8], header: usize, record: usize) -> u64 {
    let count = be16(d, 2).map_or(0, usize::from);
    count.min(d.len().saturating_sub(header) / record) as u64
}

/// Records of a data set: fixed-length records (the rest is padding), or walked one by one
/// when a field has a variable length.
fn data_records(fields: &[u16], body: &[u8]) -> u64 {
    if !fields.contains(&u16::MAX) {
        let rec: usize = fields.iter().map(|&l| usize::from(l)).sum();
        return body.len().checked_div(rec).unwrap_or(0) as u64;
    }
    let (mut p, mut n) = (0usize, 0u64);
    'records: loop {
        let start = p;
        for &l in fields {
            let len = if l == u16::MAX {
                match body.get(p) {
                    Some(255) => {
                        let Some(l) = be16(body, p + 1) else {
                            break 'records;
                        };
                        p += 3;
                        usize::from(l)
                    }
                    Some(&l) => {
                        p += 1;
                        usize::from(l)
                    }
                    None => break 'records,
                }
            } else {
                usize::from(l)
            };
            p += len;
        }
        if p > body.len() || p == start {
            break;
        }
        n += 1;
    }
    n
}

/// sFlow v5: flow samples (format 1, expanded format 3; enterprise 0), each one record.
fn sflow5(d: &[u8]) -> Option<u64> {
    let mut p = match be32(d, 4)? {
        1 => 8 + 4,
        2 => 8 + 16,
        _ => return None,
    };
    p += 12; // sub agent id, sequence number, uptime
    let samples = be32(d, p)?;
    p += 4;
    let mut n = 0;
    for _ in 0..samples {
        let (fmt, len) = (be32(d, p)?, be32(d, p + 4)?);
        if fmt == 1 || fmt == 3 {
            n += 1;
        }
        p = p.checked_add(8)?.checked_add(usize::try_from(len).ok()?)?;
        if p > d.len() {
            return Some(n);
        }
    }
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pcap::udp_datagrams;

    fn total(path: &str) -> (u64, usize) {
        let f = std::fs::read(crate::root().join(path)).unwrap();
        let mut c = RecordCounter::default();
        let d = udp_datagrams(&f).unwrap();
        let n = d.iter().map(|d| c.count(d.src.ip(), &d.payload)).sum();
        (n, d.len())
    }

    /// Counts as the offline differential runs see them (`flows` summed over pmacct 1.7.7's
    /// output of each capture): every record of each data set, none from templates.
    #[test]
    fn counts_records_of_each_version() {
        let (v5, d5) = total("inputs/softflowd-v5-s2.pcap");
        assert!(v5 > 0 && v5 <= d5 as u64 * 30, "{v5} in {d5}");
        for p in [
            "inputs/softflowd-v9-s2.pcap",
            "inputs/softflowd-v10-s2.pcap",
            "inputs/nfprobe-v9-s2.pcap",
            "inputs/nfprobe-v10-s2.pcap",
            "inputs/sflow/sfprobe-s2.pcap",
        ] {
            let (n, d) = total(p);
            assert!(n >= d as u64 / 2, "{p}: {n} records in {d} datagrams");
        }
    }

    #[test]
    fn lying_lengths_do_not_panic_or_loop() {
        let mut c = RecordCounter::default();
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let f = std::fs::read(crate::root().join("inputs/nfprobe-v10-s2.pcap")).unwrap();
        for d in udp_datagrams(&f).unwrap().iter().take(20) {
            for cut in 0..d.payload.len() {
                c.count(ip, &d.payload[..cut]);
            }
            let mut m = d.payload.clone();
            for i in 0..m.len() {
                m[i] ^= 0xff;
                c.count(ip, &m);
                m[i] ^= 0xff;
            }
        }
        // Template with a zero-length record and a data set: no division by zero.
        let mut t = vec![0, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
        t.extend([0, 2, 0, 12, 1, 0, 0, 1, 0, 8, 0, 0]);
        t.extend([1, 0, 0, 8, 1, 2, 3, 4]);
        let len = t.len() as u16;
        t[2..4].copy_from_slice(&len.to_be_bytes());
        assert_eq!(c.count(ip, &t), 0);
    }
}
