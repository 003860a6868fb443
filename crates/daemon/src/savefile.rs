//! `pcap_savefile`: read captured export datagrams offline (nfacctd/sfacctd), as pmacct does.
//!
//! Only the link, network and UDP headers are read here: enough to recover the exporter
//! address and the UDP payload. Every UDP datagram in the file is handed on, whatever its port,
//! because that is what pmacct 1.7.7 does with a savefile.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// pmacct 1.7.7's line for a savefile libpcap cannot open:
/// `pcap_open_offline(): missing.pcap: No such file or directory`.
pub fn open_error(path: &str, e: &pcap::Error) -> String {
    match e {
        pcap::Error::PcapError(m) => format!("pcap_open_offline(): {m}"),
        e => format!("pcap_open_offline(): {path}: {e}"),
    }
}

/// Refuse a savefile that cannot be opened before anything starts (pmacct exits 1).
pub fn check_readable(path: &str) -> Result<(), String> {
    pcap::Capture::from_file(path)
        .map(|_| ())
        .map_err(|e| open_error(path, &e))
}

/// A UDP datagram found in a captured frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UdpDatagram<'a> {
    pub src: IpAddr,
    pub src_port: u16,
    pub dst_port: u16,
    pub payload: &'a [u8],
}

/// Why a captured frame yielded no datagram (counted, never fatal).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    Truncated,
    NotIp,
    NotUdp,
    Fragment,
    UnsupportedLinktype,
}

// libpcap DLT values pmacct handles for savefiles.
const DLT_NULL: i32 = 0;
const DLT_EN10MB: i32 = 1;
const DLT_RAW: i32 = 12;
const DLT_LOOP: i32 = 108;
const DLT_RAW_101: i32 = 101;
const DLT_LINUX_SLL: i32 = 113;
const DLT_IPV4: i32 = 228;
const DLT_IPV6: i32 = 229;
const DLT_LINUX_SLL2: i32 = 276;

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

/// Extract the UDP datagram carried by one captured frame of link type `linktype`.
pub fn udp_from_frame(linktype: i32, frame: &[u8]) -> Result<UdpDatagram<'_>, Skip> {
    let (ethertype, l3) = match linktype {
        DLT_EN10MB => {
            let mut et = be16(frame, 12).ok_or(Skip::Truncated)?;
            let mut off = 14;
            // 802.1Q / QinQ tags.
            while et == 0x8100 || et == 0x88a8 || et == 0x9100 {
                et = be16(frame, off + 2).ok_or(Skip::Truncated)?;
                off += 4;
            }
            (et, frame.get(off..).ok_or(Skip::Truncated)?)
        }
        DLT_LINUX_SLL => (
            be16(frame, 14).ok_or(Skip::Truncated)?,
            frame.get(16..).ok_or(Skip::Truncated)?,
        ),
        DLT_LINUX_SLL2 => (
            be16(frame, 0).ok_or(Skip::Truncated)?,
            frame.get(20..).ok_or(Skip::Truncated)?,
        ),
        DLT_NULL | DLT_LOOP => {
            let fam = frame.get(..4).ok_or(Skip::Truncated)?;
            // The family is in host order for DLT_NULL, network order for DLT_LOOP: accept both.
            let f = u32::from_le_bytes([fam[0], fam[1], fam[2], fam[3]]);
            let g = u32::from_be_bytes([fam[0], fam[1], fam[2], fam[3]]);
            let et = if f == 2 || g == 2 { 0x0800 } else { 0x86dd };
            (et, &frame[4..])
        }
        DLT_RAW | DLT_RAW_101 | DLT_IPV4 | DLT_IPV6 => {
            let v = frame.first().ok_or(Skip::Truncated)? >> 4;
            (if v == 6 { 0x86dd } else { 0x0800 }, frame)
        }
        _ => return Err(Skip::UnsupportedLinktype),
    };
    match ethertype {
        0x0800 => udp_from_ipv4(l3),
        0x86dd => udp_from_ipv6(l3),
        _ => Err(Skip::NotIp),
    }
}

fn udp_from_ipv4(p: &[u8]) -> Result<UdpDatagram<'_>, Skip> {
    let vihl = *p.first().ok_or(Skip::Truncated)?;
    if vihl >> 4 != 4 {
        return Err(Skip::NotIp);
    }
    let ihl = ((vihl & 0x0f) as usize) * 4;
    if ihl < 20 || p.len() < ihl {
        return Err(Skip::Truncated);
    }
    let total = (be16(p, 2).ok_or(Skip::Truncated)? as usize).clamp(ihl, p.len());
    let frag = be16(p, 6).ok_or(Skip::Truncated)?;
    if frag & 0x3fff != 0 {
        return Err(Skip::Fragment);
    }
    if p[9] != 17 {
        return Err(Skip::NotUdp);
    }
    let src = IpAddr::V4(Ipv4Addr::new(p[12], p[13], p[14], p[15]));
    udp(src, &p[ihl..total])
}

fn udp_from_ipv6(p: &[u8]) -> Result<UdpDatagram<'_>, Skip> {
    if p.len() < 40 {
        return Err(Skip::Truncated);
    }
    if p[0] >> 4 != 6 {
        return Err(Skip::NotIp);
    }
    let plen = be16(p, 4).ok_or(Skip::Truncated)? as usize;
    let mut src = [0u8; 16];
    src.copy_from_slice(&p[8..24]);
    let end = (40 + plen).min(p.len());
    let mut next = p[6];
    let mut off = 40;
    // Walk extension headers (bounded: each step advances at least 8 bytes).
    loop {
        match next {
            17 => break,
            0 | 43 | 60 => {
                next = *p.get(off).ok_or(Skip::Truncated)?;
                let len = (*p.get(off + 1).ok_or(Skip::Truncated)? as usize + 1) * 8;
                off += len;
            }
            44 => return Err(Skip::Fragment),
            _ => return Err(Skip::NotUdp),
        }
        if off >= end {
            return Err(Skip::Truncated);
        }
    }
    udp(
        IpAddr::V6(Ipv6Addr::from(src)),
        p.get(off..end).ok_or(Skip::Truncated)?,
    )
}

fn udp(src: IpAddr, seg: &[u8]) -> Result<UdpDatagram<'_>, Skip> {
    if seg.len() < 8 {
        return Err(Skip::Truncated);
    }
    let ulen = (be16(seg, 4).ok_or(Skip::Truncated)? as usize).clamp(8, seg.len());
    Ok(UdpDatagram {
        src,
        src_port: be16(seg, 0).ok_or(Skip::Truncated)?,
        dst_port: be16(seg, 2).ok_or(Skip::Truncated)?,
        payload: &seg[8..ulen],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eth_ipv4_udp(payload: &[u8]) -> Vec<u8> {
        let mut f = vec![0u8; 14];
        f[12] = 0x08;
        let total = 20 + 8 + payload.len();
        let mut ip = vec![
            0x45,
            0,
            (total >> 8) as u8,
            total as u8,
            0,
            0,
            0x40,
            0,
            64,
            17,
            0,
            0,
        ];
        ip.extend_from_slice(&[192, 0, 2, 1, 192, 0, 2, 2]);
        f.extend_from_slice(&ip);
        let ulen = 8 + payload.len();
        f.extend_from_slice(&[0x30, 0x39, 0x08, 0x34, (ulen >> 8) as u8, ulen as u8, 0, 0]);
        f.extend_from_slice(payload);
        f
    }

    #[test]
    fn ethernet_ipv4_udp() {
        let f = eth_ipv4_udp(b"hello");
        let d = udp_from_frame(DLT_EN10MB, &f).unwrap();
        assert_eq!(d.src, "192.0.2.1".parse::<IpAddr>().unwrap());
        assert_eq!(d.src_port, 12345);
        assert_eq!(d.dst_port, 2100);
        assert_eq!(d.payload, b"hello");
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        let f = eth_ipv4_udp(b"hello");
        for n in 0..f.len() {
            let _ = udp_from_frame(DLT_EN10MB, &f[..n]);
            let _ = udp_from_frame(DLT_LINUX_SLL, &f[..n]);
            let _ = udp_from_frame(DLT_LINUX_SLL2, &f[..n]);
            let _ = udp_from_frame(DLT_RAW, &f[14..14 + n.min(f.len() - 14)]);
        }
        assert_eq!(udp_from_frame(DLT_EN10MB, &f[..20]), Err(Skip::Truncated));
    }
}
