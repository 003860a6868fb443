//! uacctd's packet accounting: one NFLOG packet -> one flow, as uacctd 1.7.7 hands NFLOG
//! packets to pmacctd's accounting (`nflog_incoming()` then `pm_pcap_cb()`).
//!
//! uacctd rebuilds an Ethernet frame around the network-layer packet the kernel copied and
//! accounts it as pmacctd accounts a captured frame (link type EN10MB):
//! - the device's hardware header is the frame header when the device is Ethernet (NFLOG
//!   hwtype 1) and the kernel gave one (packets logged on input); otherwise a zeroed
//!   14-byte header with the ethertype of the packet's family (IPv4 or IPv6): MACs 0;
//! - families other than IPv4 and IPv6 (bridge, ARP tables) are not accounted;
//! - the packet is cut to `snaplen` (the kernel already copies at most that much);
//! - `in_iface`/`out_iface` are the NFLOG input/output interfaces, the bridge port first;
//! - the time is the kernel's timestamp when it gave one (received packets), else the clock.
//!
//! The frame is built in a buffer reused from packet to packet (no allocation per packet).

use pmacct_wire::nflog::NflogPacket;
use pmacct_wire::Timestamp;

use super::packet::{dlt, PacketAccountant, PacketOptions, Skip};
use crate::flow::Flow;

const AF_INET: u8 = 2;
const AF_INET6: u8 = 10;
const ETHER_HDRLEN: usize = 14;

/// pmacctd's accountant behind uacctd's frame rebuilding.
#[derive(Debug)]
pub struct NflogAccountant {
    acct: PacketAccountant,
    snaplen: usize,
    frame: Vec<u8>,
    /// The last frame's length before the `snaplen` cut: its header and all the kernel
    /// copied (uacctd 1.7.7's pcap `len`, what sfprobe reports as the frame length).
    wirelen: u32,
}

impl NflogAccountant {
    /// `snaplen`: uacctd's copy range (`snaplen`, default 128).
    pub fn new(opts: PacketOptions, snaplen: usize) -> NflogAccountant {
        NflogAccountant {
            acct: PacketAccountant::new(opts),
            snaplen,
            frame: Vec::with_capacity(snaplen.saturating_add(64).min(1 << 16)),
            wirelen: 0,
        }
    }

    /// The Ethernet frame uacctd hands to pmacctd's accounting for `p` (in a reused buffer).
    pub fn frame(&mut self, p: &NflogPacket<'_>) -> Result<&[u8], Skip> {
        let etype: u16 = match p.family {
            AF_INET => 0x0800,
            AF_INET6 => 0x86dd,
            _ => return Err(Skip::NotIp),
        };
        let body = &p.payload[..p.payload.len().min(self.snaplen)];
        self.frame.clear();
        match p.ethernet_header() {
            // As 1.7.7: the device header as given, its own ethertype included.
            Some(h) => self.frame.extend_from_slice(h),
            None => {
                self.frame.extend_from_slice(&[0; ETHER_HDRLEN - 2]);
                self.frame.extend_from_slice(&etype.to_be_bytes());
            }
        }
        let header = self.frame.len();
        self.frame.extend_from_slice(body);
        self.wirelen = u32::try_from(header.saturating_add(p.payload.len())).unwrap_or(u32::MAX);
        Ok(&self.frame)
    }

    /// The frame last built by [`NflogAccountant::frame`] (or `account`) and its length
    /// before the `snaplen` cut.
    pub fn last_frame(&self) -> (&[u8], u32) {
        (&self.frame, self.wirelen)
    }

    /// Account one NFLOG packet; `clock`: the time now (used when the kernel gave none).
    pub fn account(&mut self, p: &NflogPacket<'_>, clock: Timestamp) -> Result<Flow, Skip> {
        let mut flow = Flow::default();
        self.account_into(p, clock, &mut flow, false)?;
        Ok(flow)
    }

    /// [`NflogAccountant::account`] in place, into a batch slot: only the counters and the
    /// lead with `lead`, as [`PacketAccountant::account_into`]. On `Err` drop the flow.
    pub fn account_into(
        &mut self,
        p: &NflogPacket<'_>,
        clock: Timestamp,
        flow: &mut Flow,
        lead: bool,
    ) -> Result<(), Skip> {
        let ts = p.timestamp.map_or(clock, |(s, us)| {
            Timestamp::new(s, u32::try_from(us).unwrap_or(0))
        });
        self.frame(p)?;
        self.acct
            .account_into(dlt::EN10MB, &self.frame, ts, || clock.secs, flow, lead)?;
        flow.prims.in_iface = p.ifindex_in();
        flow.prims.out_iface = p.ifindex_out();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::IpAddr;

    fn udp4(len: u16) -> Vec<u8> {
        let mut f = vec![
            0x45, 0, 0, 0, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
        ];
        f[2..4].copy_from_slice(&len.to_be_bytes());
        f.extend_from_slice(&1000u16.to_be_bytes());
        f.extend_from_slice(&53u16.to_be_bytes());
        f.extend_from_slice(&(len - 20).to_be_bytes());
        f.extend_from_slice(&[0, 0]);
        f.resize(usize::from(len), 0xee);
        f
    }

    fn acct() -> NflogAccountant {
        NflogAccountant::new(
            PacketOptions {
                handle_fragments: true,
                ..PacketOptions::default()
            },
            128,
        )
    }

    #[test]
    fn ipv4_without_hardware_header() {
        let payload = udp4(300);
        let p = NflogPacket {
            family: AF_INET,
            indev: 0,
            outdev: 5,
            payload: &payload[..128],
            ..NflogPacket::default()
        };
        let mut a = acct();
        let f = a.account(&p, Timestamp::new(1_700_000_000, 7)).unwrap();
        assert_eq!(f.prims.src_ip, Some(IpAddr::from([10, 0, 0, 1])));
        assert_eq!(
            (f.prims.src_port, f.prims.dst_port, f.prims.proto),
            (1000, 53, 17)
        );
        // bytes: the IP total length, not what was copied
        assert_eq!((f.bytes, f.packets), (300, 1));
        assert_eq!((f.prims.in_iface, f.prims.out_iface), (0, 5));
        assert_eq!(f.prims.src_mac, [0; 6]);
        assert_eq!(f.prims.etype, 0x0800);
        assert_eq!(f.prims.timestamp_start, Timestamp::new(1_700_000_000, 7));
        assert_eq!(a.frame(&p).unwrap().len(), 14 + 128);
        // The kernel copied 128 bytes: uacctd 1.7.7's pcap length is that plus the header.
        assert_eq!(a.last_frame().1, 14 + 128);
        let mut short = NflogAccountant::new(PacketOptions::default(), 64);
        short.frame(&p).unwrap();
        assert_eq!(
            (short.last_frame().0.len(), short.last_frame().1),
            (14 + 64, 14 + 128)
        );
    }

    #[test]
    fn ethernet_header_timestamp_and_bridge_ports() {
        let payload = udp4(60);
        let mut hdr = vec![1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
        hdr.extend_from_slice(&0x0800u16.to_be_bytes());
        let p = NflogPacket {
            family: AF_INET,
            indev: 3,
            physindev: 8,
            hwtype: 1,
            hwlen: 14,
            hwheader: Some(&hdr),
            timestamp: Some((1_600_000_000, 250)),
            payload: &payload,
            ..NflogPacket::default()
        };
        let f = acct().account(&p, Timestamp::new(1, 0)).unwrap();
        assert_eq!(f.prims.dst_mac, [1, 2, 3, 4, 5, 6]);
        assert_eq!(f.prims.src_mac, [7, 8, 9, 10, 11, 12]);
        assert_eq!(f.prims.in_iface, 8);
        assert_eq!(f.prims.timestamp_start, Timestamp::new(1_600_000_000, 250));
        assert_eq!(f.bin_time, 1_600_000_000);
    }

    #[test]
    fn other_families_and_garbage_are_skipped() {
        let payload = udp4(60);
        let mut a = acct();
        let p = NflogPacket {
            family: 7, // NFPROTO_BRIDGE
            payload: &payload,
            ..NflogPacket::default()
        };
        assert_eq!(a.account(&p, Timestamp::new(1, 0)).err(), Some(Skip::NotIp));
        for n in 0..payload.len() {
            let p = NflogPacket {
                family: AF_INET6,
                payload: &payload[..n],
                ..NflogPacket::default()
            };
            let _ = a.account(&p, Timestamp::new(1, 0));
            let p = NflogPacket {
                family: AF_INET,
                hwtype: 1,
                hwlen: 200,
                hwheader: Some(&payload[..n]),
                payload: &payload[..n],
                ..NflogPacket::default()
            };
            let _ = a.account(&p, Timestamp::new(1, 0));
        }
    }
}
