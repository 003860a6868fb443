//! Just enough of the classic pcap format to pull UDP datagrams out of an export capture
//! (for the live replay and the bench). Captures are ours or the corpus: still parsed
//! defensively, every length checked, no allocation beyond the file itself.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// One UDP datagram of a capture: where it came from and its payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Datagram {
    pub src: SocketAddr,
    pub dst: SocketAddr,
    pub payload: Vec<u8>,
}

const LINKTYPE_NULL: u32 = 0;
const LINKTYPE_ETHERNET: u32 = 1;
const LINKTYPE_RAW: u32 = 101;
const LINKTYPE_LINUX_SLL: u32 = 113;

/// Every UDP datagram (IPv4 or IPv6, Ethernet/802.1Q, SLL, raw or BSD null link) of a classic
/// pcap file, in capture order. Non-UDP frames and fragments are skipped.
pub fn udp_datagrams(file: &[u8]) -> Result<Vec<Datagram>, String> {
    Ok(udp_datagrams_timed(file)?
        .into_iter()
        .map(|(_, d)| d)
        .collect())
}

/// As [`udp_datagrams`], each with its capture time in microseconds since the epoch: what a
/// replay at the original pace needs (pmacct-test-automation's traffic reproducer).
pub fn udp_datagrams_timed(file: &[u8]) -> Result<Vec<(u64, Datagram)>, String> {
    if file.len() < 24 {
        return Err("pcap: file shorter than its header".into());
    }
    let magic = u32::from_le_bytes([file[0], file[1], file[2], file[3]]);
    let nanos = magic == 0xa1b2_3c4d || magic == 0x4d3c_b2a1;
    let le = match magic {
        0xa1b2_c3d4 | 0xa1b2_3c4d => true,
        0xd4c3_b2a1 | 0x4d3c_b2a1 => false,
        _ => {
            return Err(format!(
                "pcap: unknown magic {magic:#x} (pcapng is not supported)"
            ))
        }
    };
    let u32_at = |b: &[u8], o: usize| {
        let a = [b[o], b[o + 1], b[o + 2], b[o + 3]];
        if le {
            u32::from_le_bytes(a)
        } else {
            u32::from_be_bytes(a)
        }
    };
    let linktype = u32_at(file, 20) & 0x0fff_ffff;
    let mut out = Vec::new();
    let mut off = 24;
    while off + 16 <= file.len() {
        let caplen = u32_at(file, off + 8) as usize;
        let start = off + 16;
        let Some(end) = start.checked_add(caplen).filter(|&e| e <= file.len()) else {
            return Err(format!("pcap: truncated record at offset {off}"));
        };
        if let Some(d) = frame_udp(linktype, &file[start..end]) {
            // seconds, then microseconds (nanoseconds in the 0xa1b23c4d variant)
            let frac = u64::from(u32_at(file, off + 4));
            let frac = if nanos { frac / 1000 } else { frac };
            out.push((u64::from(u32_at(file, off)) * 1_000_000 + frac, d));
        }
        off = end;
    }
    Ok(out)
}

fn frame_udp(linktype: u32, f: &[u8]) -> Option<Datagram> {
    let (mut ethertype, mut l3) = match linktype {
        LINKTYPE_ETHERNET => (be16(f, 12)?, 14),
        LINKTYPE_LINUX_SLL => (be16(f, 14)?, 16),
        LINKTYPE_RAW => (if f.first()? >> 4 == 6 { 0x86dd } else { 0x0800 }, 0),
        LINKTYPE_NULL => (if f.get(4)? >> 4 == 6 { 0x86dd } else { 0x0800 }, 4),
        _ => return None,
    };
    // 802.1Q / QinQ tags
    while ethertype == 0x8100 || ethertype == 0x88a8 {
        ethertype = be16(f, l3 + 2)?;
        l3 += 4;
    }
    let ip = f.get(l3..)?;
    let (src, dst, udp) = match ethertype {
        0x0800 => {
            let ihl = usize::from(ip.first()? & 0x0f) * 4;
            let frag = be16(ip, 6)? & 0x3fff;
            if *ip.get(9)? != 17 || frag != 0 || ihl < 20 {
                return None;
            }
            let total = usize::from(be16(ip, 2)?).min(ip.len());
            let s = Ipv4Addr::new(ip[12], ip[13], ip[14], ip[15]);
            let d = Ipv4Addr::new(ip[16], ip[17], ip[18], ip[19]);
            (IpAddr::V4(s), IpAddr::V4(d), ip.get(ihl..total)?)
        }
        0x86dd => {
            // export datagrams carry no extension headers in practice
            if *ip.get(6)? != 17 {
                return None;
            }
            let plen = usize::from(be16(ip, 4)?);
            let s: [u8; 16] = ip.get(8..24)?.try_into().ok()?;
            let d: [u8; 16] = ip.get(24..40)?.try_into().ok()?;
            let end = (40 + plen).min(ip.len());
            (
                IpAddr::V6(Ipv6Addr::from(s)),
                IpAddr::V6(Ipv6Addr::from(d)),
                ip.get(40..end)?,
            )
        }
        _ => return None,
    };
    let sport = be16(udp, 0)?;
    let dport = be16(udp, 2)?;
    let ulen = usize::from(be16(udp, 4)?).clamp(8, udp.len());
    Some(Datagram {
        src: SocketAddr::new(src, sport),
        dst: SocketAddr::new(dst, dport),
        payload: udp.get(8..ulen)?.to_vec(),
    })
}

fn be16(b: &[u8], o: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(o)?, *b.get(o + 1)?]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corpus_capture_matches_tcpdump_view() {
        // 100-IPFIXv10-CISCO: 6 datagrams from 138.187.0.13 to port 9991 (tcpdump -nr)
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/corpus/pmacct-test-automation/100-IPFIXv10-CISCO/traffic-00.pcap"
        );
        let d = udp_datagrams(&std::fs::read(path).unwrap()).unwrap();
        assert_eq!(d.len(), 6);
        assert_eq!(d[0].src, "138.187.0.13:50109".parse().unwrap());
        assert_eq!(d[0].dst, "138.187.58.1:9991".parse().unwrap());
        assert_eq!(d[0].payload.len(), 156);
        assert_eq!(&d[0].payload[..2], &[0, 10]); // IPFIX version
        assert_eq!(d[2].payload.len(), 432);
    }

    #[test]
    fn truncated_file_is_an_error_not_a_panic() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/inputs/softflowd-v9-s1.pcap");
        let f = std::fs::read(path).unwrap();
        for cut in [0, 10, 24, 30, f.len() - 1] {
            let _ = udp_datagrams(&f[..cut]);
        }
        assert!(udp_datagrams(&f[..f.len() - 1]).is_err());
    }
}
