//! NetFlow v5, v9 and IPFIX datagrams from expired flows, laid out as pmacct 1.7.7's nfprobe
//! sends them: v5 up to 30 records per datagram; v9/IPFIX in datagrams of at most 512 bytes,
//! the four data templates (IPv4/IPv6, ingress/egress: 1024, 1025, 2048, 2049) in the first
//! datagram and then every 18th, options (sampling 4096, exporter address 4098) with them.

use std::net::IpAddr;

use super::cache::{FlowRec, DIR_IN, DIR_OUT};

/// The primitives of the plugin's `aggregate` that shape the v9/IPFIX templates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fields {
    pub src_host: bool,
    pub dst_host: bool,
    pub src_mask: bool,
    pub dst_mask: bool,
    pub src_port: bool,
    pub dst_port: bool,
    pub tos: bool,
    pub proto: bool,
    pub src_as: bool,
    pub dst_as: bool,
    pub src_mac: bool,
    pub dst_mac: bool,
    pub vlan: bool,
    /// `flows`: IE 3 (4 bytes), the flows the core counted into the record.
    pub flows: bool,
}

impl Fields {
    /// 1.7.7's choice when the plugin has no `aggregate`.
    pub const DEFAULT: Fields = Fields {
        src_host: true,
        dst_host: true,
        src_mask: false,
        dst_mask: false,
        src_port: true,
        dst_port: true,
        tos: true,
        proto: true,
        src_as: false,
        dst_as: false,
        src_mac: false,
        dst_mac: false,
        vlan: false,
        flows: false,
    };
}

/// Timestamps of v9/IPFIX records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stamps {
    /// flowEnd/StartMilliseconds (153/152), 8 bytes.
    Msec,
    /// LAST/FIRST_SWITCHED (21/22), sysUpTime milliseconds (v9 with `timestamps_secs`).
    Uptime,
    /// 155/154 as 1.7.7 writes them with `nfprobe_tstamp_usec`: 16 bytes, seconds then
    /// microseconds, each 64 bits.
    Usec,
}

#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// 5, 9 or 10.
    pub version: u8,
    pub engine_type: u8,
    pub engine_id: u32,
    pub fields: Fields,
    pub stamps: Stamps,
    /// `sampling_rate` or `pmacctd_ext_sampling_rate` (0: none).
    pub sampling_rate: u32,
    /// `nfprobe_source_ip`: the options' scope and the exporter address option.
    pub source_ip: Option<IpAddr>,
}

const NF5_MAXFLOWS: usize = 30;
const MAX_PACKET: usize = 512;
const TEMPLATE_INTERVAL: i32 = 18;
const V4_TID: u16 = 1024;
const V6_TID: u16 = 2048;
const SAMPLING_TID: u16 = 4096;
const EXPORTER_TID: u16 = 4098;

/// What a template field carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum F {
    Last,
    First,
    Bytes,
    Packets,
    IpVersion,
    Input,
    Output,
    Direction,
    Flows,
    SrcAddr,
    DstAddr,
    SrcMask,
    DstMask,
    SrcPort,
    DstPort,
    Tos,
    TcpFlags,
    Proto,
    SrcAs,
    DstAs,
    SrcMac,
    DstMac,
    Vlan,
    SamplerId,
}

/// A data template: (IE, length, what).
type Template = Vec<(u16, u16, F)>;

fn template(o: &ExportOptions, v6: bool, out: bool) -> Template {
    let f = &o.fields;
    let mut t: Template = Vec::with_capacity(24);
    match o.stamps {
        Stamps::Uptime => {
            t.push((21, 4, F::Last));
            t.push((22, 4, F::First));
        }
        Stamps::Msec => {
            t.push((153, 8, F::Last));
            t.push((152, 8, F::First));
        }
        Stamps::Usec => {
            t.push((155, 16, F::Last));
            t.push((154, 16, F::First));
        }
    }
    t.push((1, 8, F::Bytes));
    t.push((2, 8, F::Packets));
    t.push((60, 1, F::IpVersion));
    t.push((10, 4, F::Input));
    t.push((14, 4, F::Output));
    t.push((61, 1, F::Direction));
    // 1.7.7's place for it: right after the direction, before the addresses.
    if f.flows {
        t.push((3, 4, F::Flows));
    }
    let alen = if v6 { 16 } else { 4 };
    if f.src_host {
        t.push((if v6 { 27 } else { 8 }, alen, F::SrcAddr));
    }
    if f.dst_host {
        t.push((if v6 { 28 } else { 12 }, alen, F::DstAddr));
    }
    if f.src_mask {
        t.push((if v6 { 29 } else { 9 }, 1, F::SrcMask));
    }
    if f.dst_mask {
        t.push((if v6 { 30 } else { 13 }, 1, F::DstMask));
    }
    // 1.7.7 puts the ToS before the ports in IPv6 templates, after them in IPv4 ones.
    if v6 && f.tos {
        t.push((5, 1, F::Tos));
    }
    if f.src_port {
        t.push((7, 2, F::SrcPort));
    }
    if f.dst_port {
        t.push((11, 2, F::DstPort));
    }
    if !v6 && f.tos {
        t.push((5, 1, F::Tos));
    }
    if f.src_port || f.dst_port {
        t.push((6, 1, F::TcpFlags));
    }
    if f.proto {
        t.push((4, 1, F::Proto));
    }
    if f.src_as {
        t.push((16, 4, F::SrcAs));
    }
    if f.dst_as {
        t.push((17, 4, F::DstAs));
    }
    if f.src_mac {
        t.push((if out { 81 } else { 56 }, 6, F::SrcMac));
    }
    if f.dst_mac {
        t.push((if out { 57 } else { 80 }, 6, F::DstMac));
    }
    if f.vlan {
        t.push((if out { 59 } else { 58 }, 2, F::Vlan));
    }
    if o.sampling_rate > 0 {
        t.push((48, 1, F::SamplerId));
    }
    t
}

/// (sec, usec) `a - b` in milliseconds, wrapping as 1.7.7's 32-bit timeval_sub_ms.
pub fn sub_ms(a: (u64, u32), b: (u64, u32)) -> u32 {
    let mut s = a.0 as i64 - b.0 as i64;
    let mut us = i64::from(a.1) - i64::from(b.1);
    if us < 0 {
        us += 1_000_000;
        s -= 1;
    }
    (s as u32).wrapping_mul(1000).wrapping_add(us as u32 / 1000)
}

/// The exporter's state across expiry scans: sequence numbers, template refresh count.
pub struct Exporter {
    o: ExportOptions,
    /// Plugin start: the sysUpTime origin.
    boot: (u64, u32),
    /// v5 and IPFIX: records exported; v9: datagrams sent.
    exported: u64,
    tpl: [Template; 4],
    until_template: i32,
}

impl Exporter {
    pub fn new(o: ExportOptions, boot: (u64, u32)) -> Exporter {
        let tpl = [
            template(&o, false, false),
            template(&o, false, true),
            template(&o, true, false),
            template(&o, true, true),
        ];
        Exporter {
            o,
            boot,
            exported: 0,
            tpl,
            until_template: 0,
        }
    }

    /// Datagrams for `flows`, handed to `send` one by one; `now` is the wall clock.
    pub fn export(&mut self, flows: &[FlowRec], now: (u64, u32), send: &mut dyn FnMut(&[u8])) {
        if self.o.version == 5 {
            self.v5(flows, now, send);
        } else {
            self.v9(flows, now, send);
        }
    }

    fn v5(&mut self, flows: &[FlowRec], now: (u64, u32), send: &mut dyn FnMut(&[u8])) {
        let uptime = sub_ms(now, self.boot);
        let mut pkt: Vec<u8> = Vec::with_capacity(24 + 48 * NF5_MAXFLOWS);
        let mut n = 0usize;
        let flush = |pkt: &mut Vec<u8>, n: usize, send: &mut dyn FnMut(&[u8])| {
            pkt[2..4].copy_from_slice(&(n as u16).to_be_bytes());
            send(pkt);
        };
        for fl in flows {
            if n >= NF5_MAXFLOWS - 1 {
                flush(&mut pkt, n, send);
                self.exported += n as u64;
                n = 0;
                pkt.clear();
            }
            if pkt.is_empty() {
                pkt.extend_from_slice(&5u16.to_be_bytes());
                pkt.extend_from_slice(&0u16.to_be_bytes());
                pkt.extend_from_slice(&uptime.to_be_bytes());
                pkt.extend_from_slice(&(now.0 as u32).to_be_bytes());
                pkt.extend_from_slice(&now.1.wrapping_mul(1000).to_be_bytes());
                pkt.extend_from_slice(&(self.exported as u32).to_be_bytes());
                pkt.push(self.o.engine_type);
                pkt.push(self.o.engine_id as u8);
                let s = if self.o.sampling_rate > 0 {
                    0x4000 | (self.o.sampling_rate & 0x3fff) as u16
                } else {
                    0
                };
                pkt.extend_from_slice(&s.to_be_bytes());
            }
            // NetFlow v5 has no IPv6.
            if fl.key.af != 4 {
                continue;
            }
            for i in 0..2 {
                if fl.octets[i] == 0 {
                    continue;
                }
                let j = i ^ 1;
                pkt.extend_from_slice(&fl.key.addr[i][..4]);
                pkt.extend_from_slice(&fl.key.addr[j][..4]);
                pkt.extend_from_slice(&[0; 4]);
                pkt.extend_from_slice(&(fl.key.ifindex[i] as u16).to_be_bytes());
                pkt.extend_from_slice(&(fl.key.ifindex[j] as u16).to_be_bytes());
                pkt.extend_from_slice(&(fl.packets[i] as u32).to_be_bytes());
                pkt.extend_from_slice(&(fl.octets[i] as u32).to_be_bytes());
                pkt.extend_from_slice(&sub_ms(fl.start, self.boot).to_be_bytes());
                pkt.extend_from_slice(&sub_ms(fl.last, self.boot).to_be_bytes());
                pkt.extend_from_slice(&fl.key.port[i].to_be_bytes());
                pkt.extend_from_slice(&fl.key.port[j].to_be_bytes());
                pkt.push(0);
                pkt.push(fl.tcp_flags[i]);
                pkt.push(fl.key.proto);
                pkt.push(fl.tos[i]);
                let as16 = |a: u32| if a > 65535 { 23456u16 } else { a as u16 };
                pkt.extend_from_slice(&as16(fl.asn[i]).to_be_bytes());
                pkt.extend_from_slice(&as16(fl.asn[j]).to_be_bytes());
                pkt.push(fl.mask[i]);
                pkt.push(fl.mask[j]);
                pkt.extend_from_slice(&[0; 2]);
                n += 1;
            }
        }
        if n != 0 {
            flush(&mut pkt, n, send);
        }
        self.exported += n as u64;
    }

    fn template_sets(&self, pkt: &mut Vec<u8>) -> u16 {
        let v10 = self.o.version == 10;
        let ids = [V4_TID, V4_TID + 1, V6_TID, V6_TID + 1];
        let mut n = 0;
        for (t, id) in self.tpl.iter().zip(ids) {
            put16(pkt, if v10 { 2 } else { 0 });
            put16(pkt, (8 + 4 * t.len()) as u16);
            put16(pkt, id);
            put16(pkt, t.len() as u16);
            for &(ie, len, _) in t {
                put16(pkt, ie);
                put16(pkt, len);
            }
            n += 1;
        }
        let slen: u16 = match self.o.source_ip {
            Some(IpAddr::V6(_)) => 16,
            _ => 4,
        };
        // Scope: v9 System (1; the header gives scope and option definitions in bytes),
        // IPFIX exportingProcessId (144; the header gives field and scope field counts).
        let (set_id, scope) = if v10 { (3, 144) } else { (1, 1) };
        if self.o.sampling_rate > 0 {
            put16(pkt, set_id);
            put16(pkt, 10 + 16);
            put16(pkt, SAMPLING_TID);
            if v10 {
                put16(pkt, 4);
                put16(pkt, 1);
            } else {
                put16(pkt, 4);
                put16(pkt, 12);
            }
            for (ie, len) in [(scope, slen), (48, 1), (49, 1), (50, 4)] {
                put16(pkt, ie);
                put16(pkt, len);
            }
            n += 1;
        }
        if self.o.source_ip.is_some() {
            put16(pkt, set_id);
            put16(pkt, 10 + 12);
            put16(pkt, EXPORTER_TID);
            if v10 {
                put16(pkt, 3);
                put16(pkt, 1);
            } else {
                put16(pkt, 4);
                put16(pkt, 8);
            }
            for (ie, len) in [(scope, slen), (130, 4), (131, 16)] {
                put16(pkt, ie);
                put16(pkt, len);
            }
            n += 1;
        }
        n
    }

    fn scope_bytes(&self, pkt: &mut Vec<u8>) {
        match self.o.source_ip {
            Some(IpAddr::V4(a)) => pkt.extend_from_slice(&a.octets()),
            Some(IpAddr::V6(a)) => pkt.extend_from_slice(&a.octets()),
            None => pkt.extend_from_slice(&[0; 4]),
        }
    }

    /// The records of `fl` for `direction` into `pkt` if they fit in `room`: Some(count).
    fn records(&self, fl: &FlowRec, direction: u8, pkt: &mut Vec<u8>, room: usize) -> Option<u16> {
        let start = pkt.len();
        let mut n = 0;
        for i in 0..2 {
            let fdir = if fl.direction[i] == 0 {
                DIR_IN
            } else {
                fl.direction[i]
            };
            if fl.octets[i] == 0 || fdir != direction {
                continue;
            }
            let t = &self.tpl[usize::from(fl.key.af == 6) * 2 + usize::from(fdir == DIR_OUT)];
            self.record(fl, i, t, pkt);
            n += 1;
        }
        if pkt.len() - start > room {
            pkt.truncate(start);
            return None;
        }
        Some(n)
    }

    fn record(&self, fl: &FlowRec, i: usize, t: &Template, pkt: &mut Vec<u8>) {
        let j = i ^ 1;
        let alen = if fl.key.af == 6 { 16 } else { 4 };
        let ms = |t: (u64, u32)| t.0 * 1000 + u64::from(t.1 / 1000);
        for &(_, _, what) in t {
            match what {
                F::Last | F::First => {
                    let ts = if what == F::Last { fl.last } else { fl.start };
                    match self.o.stamps {
                        Stamps::Msec => pkt.extend_from_slice(&ms(ts).to_be_bytes()),
                        Stamps::Uptime => {
                            pkt.extend_from_slice(&sub_ms(ts, self.boot).to_be_bytes())
                        }
                        Stamps::Usec => {
                            pkt.extend_from_slice(&ts.0.to_be_bytes());
                            pkt.extend_from_slice(&u64::from(ts.1).to_be_bytes());
                        }
                    }
                }
                F::Bytes => pkt.extend_from_slice(&fl.octets[i].to_be_bytes()),
                F::Packets => pkt.extend_from_slice(&fl.packets[i].to_be_bytes()),
                F::IpVersion => pkt.push(fl.key.af),
                F::Input => pkt.extend_from_slice(&fl.key.ifindex[i].to_be_bytes()),
                F::Output => pkt.extend_from_slice(&fl.key.ifindex[j].to_be_bytes()),
                F::Direction => pkt.push(fl.direction[i].saturating_sub(1)),
                // 32 bits on the wire: 1.7.7 truncates its 64-bit count.
                F::Flows => put32(pkt, fl.flows[i] as u32),
                F::SrcAddr => pkt.extend_from_slice(&fl.key.addr[i][..alen]),
                F::DstAddr => pkt.extend_from_slice(&fl.key.addr[j][..alen]),
                F::SrcMask => pkt.push(fl.mask[i]),
                F::DstMask => pkt.push(fl.mask[j]),
                F::SrcPort => put16(pkt, fl.key.port[i]),
                F::DstPort => put16(pkt, fl.key.port[j]),
                F::Tos => pkt.push(fl.tos[i]),
                F::TcpFlags => pkt.push(fl.tcp_flags[i]),
                F::Proto => pkt.push(fl.key.proto),
                F::SrcAs => pkt.extend_from_slice(&fl.asn[i].to_be_bytes()),
                F::DstAs => pkt.extend_from_slice(&fl.asn[j].to_be_bytes()),
                F::SrcMac => pkt.extend_from_slice(&fl.mac[i]),
                F::DstMac => pkt.extend_from_slice(&fl.mac[j]),
                F::Vlan => put16(pkt, fl.vlan),
                F::SamplerId => pkt.push(1),
            }
        }
    }

    fn v9(&mut self, flows: &[FlowRec], now: (u64, u32), send: &mut dyn FnMut(&[u8])) {
        let v10 = self.o.version == 10;
        let hdr_len = if v10 { 16 } else { 20 };
        let mut pkt: Vec<u8> = Vec::with_capacity(MAX_PACKET + 256);
        for direction in [DIR_IN, DIR_OUT] {
            let mut flow_j = 0usize;
            let mut new_direction = true;
            while flow_j < flows.len() {
                pkt.clear();
                if v10 {
                    put16(&mut pkt, 10);
                    put16(&mut pkt, 0);
                    put32(&mut pkt, now.0 as u32);
                    put32(&mut pkt, self.exported as u32);
                    put32(&mut pkt, self.o.engine_id);
                } else {
                    self.exported += 1;
                    put16(&mut pkt, 9);
                    put16(&mut pkt, 0);
                    put32(&mut pkt, sub_ms(now, self.boot));
                    put32(&mut pkt, now.0 as u32);
                    put32(&mut pkt, self.exported as u32);
                    put32(&mut pkt, self.o.engine_id);
                }
                let mut count: u16 = 0;
                let (mut send_sampling, mut send_exporter) = (false, false);
                let mut templates_sent = false;
                if self.until_template <= 0 {
                    count = self.template_sets(&mut pkt);
                    send_sampling = self.o.sampling_rate > 0;
                    send_exporter = self.o.source_ip.is_some();
                    self.until_template = TEMPLATE_INTERVAL;
                    templates_sent = true;
                }
                // Open data set: (offset of its header, written by records yet).
                let mut dh: Option<usize> = None;
                let mut last_af = 0u8;
                let mut flow_i = 0usize;
                while flow_i + flow_j < flows.len() {
                    let fl = &flows[flow_i + flow_j];
                    let options = send_sampling || send_exporter;
                    if dh.is_none() || options || fl.key.af != last_af || new_direction {
                        if let Some(h) = dh {
                            close_set(&mut pkt, h);
                        }
                        if pkt.len() + 4 > MAX_PACKET {
                            dh = None;
                            break;
                        }
                        let id = if send_sampling {
                            SAMPLING_TID
                        } else if send_exporter {
                            EXPORTER_TID
                        } else {
                            let base = if fl.key.af == 6 { V6_TID } else { V4_TID };
                            base + u16::from(direction == DIR_OUT)
                        };
                        dh = Some(pkt.len());
                        put16(&mut pkt, id);
                        put16(&mut pkt, 0);
                        new_direction = false;
                    }
                    let set_start = dh.unwrap_or(0);
                    let room = MAX_PACKET.saturating_sub(pkt.len());
                    let r = if send_sampling {
                        send_sampling = false;
                        self.scope_bytes(&mut pkt);
                        pkt.extend_from_slice(&[1, 2]);
                        put32(&mut pkt, self.o.sampling_rate);
                        Some(1)
                    } else if send_exporter {
                        send_exporter = false;
                        self.scope_bytes(&mut pkt);
                        match self.o.source_ip {
                            Some(IpAddr::V6(a)) => {
                                pkt.extend_from_slice(&[0; 4]);
                                pkt.extend_from_slice(&a.octets());
                            }
                            Some(IpAddr::V4(a)) => {
                                pkt.extend_from_slice(&a.octets());
                                pkt.extend_from_slice(&[0; 16]);
                            }
                            None => pkt.extend_from_slice(&[0; 20]),
                        }
                        Some(1)
                    } else {
                        self.records(fl, direction, &mut pkt, room)
                    };
                    match r {
                        Some(0) | None => {
                            // Nothing written under a fresh header: take it back.
                            if pkt.len() == set_start + 4 {
                                pkt.truncate(set_start);
                                dh = None;
                            }
                            if r.is_none() {
                                break;
                            }
                        }
                        Some(n) => {
                            // IPFIX sequence: every data record, option records too (1.7.7).
                            if v10 {
                                self.exported += u64::from(n);
                            } else {
                                count += n;
                            }
                            if options {
                                // The option record did not consume a flow.
                                flow_i = flow_i.wrapping_sub(1);
                            } else {
                                last_af = fl.key.af;
                            }
                        }
                    }
                    flow_i = flow_i.wrapping_add(1);
                }
                if let Some(h) = dh {
                    close_set(&mut pkt, h);
                }
                let worth = if v10 { pkt.len() > 20 } else { count > 0 };
                if worth {
                    if v10 {
                        let l = pkt.len() as u16;
                        pkt[2..4].copy_from_slice(&l.to_be_bytes());
                    } else {
                        pkt[2..4].copy_from_slice(&count.to_be_bytes());
                    }
                    send(&pkt);
                    self.until_template -= 1;
                } else if !v10 {
                    self.exported -= 1;
                }
                // A flow too large for an empty datagram would loop forever: drop it.
                if flow_i == 0 && !templates_sent && pkt.len() <= hdr_len + 4 {
                    flow_i = 1;
                }
                flow_j += flow_i;
            }
        }
    }
}

fn put16(p: &mut Vec<u8>, v: u16) {
    p.extend_from_slice(&v.to_be_bytes());
}

fn put32(p: &mut Vec<u8>, v: u32) {
    p.extend_from_slice(&v.to_be_bytes());
}

/// Pad the set opened at `h` to a multiple of 4 of the datagram and write its length.
fn close_set(pkt: &mut Vec<u8>, h: usize) {
    while !pkt.len().is_multiple_of(4) {
        pkt.push(0);
    }
    let len = (pkt.len() - h) as u16;
    pkt[h + 2..h + 4].copy_from_slice(&len.to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nfprobe::cache::{CacheOptions, FlowCache, Scan, Timeouts};
    use pmacct_flow::Flow;

    fn flows(n: usize, v6: bool) -> Vec<FlowRec> {
        let mut c = FlowCache::new(CacheOptions {
            timeouts: Timeouts::default(),
            direction: None,
            ifindex: None,
            ifindex_override: false,
            dont_cache: false,
            v5: false,
        });
        for i in 0..n {
            let mut f = Flow::default();
            let (s, d) = if v6 {
                (format!("2001:db8::{}", i + 1), "2001:db8::ffff".to_string())
            } else {
                (
                    format!("10.0.{}.{}", i / 250, i % 250 + 1),
                    "192.0.2.1".to_string(),
                )
            };
            f.prims.src_ip = Some(s.parse().unwrap());
            f.prims.dst_ip = Some(d.parse().unwrap());
            f.prims.proto = 17;
            f.prims.src_port = 53;
            f.prims.dst_port = 1000 + i as u16;
            f.packets = 1;
            f.bytes = 100;
            c.add(&f, (1_700_000_000, 5000));
            f.prims.src_ip = Some(d.parse().unwrap());
            f.prims.dst_ip = Some(s.parse().unwrap());
            f.prims.src_port = 1000 + i as u16;
            f.prims.dst_port = 53;
            c.add(&f, (1_700_000_001, 0));
        }
        let mut out = Vec::new();
        c.expire(Scan::All, 0, &mut out);
        out
    }

    fn opts(version: u8) -> ExportOptions {
        ExportOptions {
            version,
            engine_type: 0,
            engine_id: 0,
            fields: Fields::DEFAULT,
            stamps: Stamps::Msec,
            sampling_rate: 0,
            source_ip: None,
        }
    }

    #[test]
    fn v5_thirty_records_at_most() {
        let mut e = Exporter::new(opts(5), (1_700_000_100, 0));
        let mut sizes = Vec::new();
        e.export(&flows(40, false), (1_700_000_200, 0), &mut |p| {
            sizes.push(p.len())
        });
        // 80 records: 30 + 30 + 20 (a flow's two records are never split).
        assert_eq!(sizes, vec![24 + 30 * 48, 24 + 30 * 48, 24 + 20 * 48]);
    }

    #[test]
    fn v9_and_ipfix_fit_512_bytes_and_carry_every_record() {
        for v in [9u8, 10] {
            let mut o = opts(v);
            o.sampling_rate = 10;
            o.source_ip = Some("192.0.2.9".parse().unwrap());
            let mut e = Exporter::new(o, (1_700_000_100, 0));
            let mut pkts: Vec<Vec<u8>> = Vec::new();
            let fl = [flows(50, false), flows(20, true)].concat();
            e.export(&fl, (1_700_000_200, 0), &mut |p| pkts.push(p.to_vec()));
            let mut recs = 0;
            for p in &pkts {
                assert!(p.len() <= MAX_PACKET, "{}", p.len());
                let mut off = if v == 10 { 16 } else { 20 };
                if v == 10 {
                    assert_eq!(usize::from(u16::from_be_bytes([p[2], p[3]])), p.len());
                }
                while off + 4 <= p.len() {
                    let id = u16::from_be_bytes([p[off], p[off + 1]]);
                    let len = usize::from(u16::from_be_bytes([p[off + 2], p[off + 3]]));
                    assert!(len >= 4 && off + len <= p.len());
                    let rlen = match id {
                        1024 => 57,
                        2048 => 81,
                        _ => 0,
                    };
                    recs += (len - 4).checked_div(rlen).unwrap_or(0);
                    off += len;
                }
                assert_eq!(off, p.len());
            }
            assert_eq!(recs, 140, "v{v}");
        }
    }

    #[test]
    fn uptime_wraps_like_pmacct() {
        assert_eq!(
            sub_ms((10, 0), (11, 500_000)),
            (-2i32 as u32).wrapping_mul(1000) + 500
        );
        assert_eq!(sub_ms((12, 1000), (11, 0)), 1001);
    }

    #[test]
    fn flows_follow_the_direction_in_every_template() {
        let mut o = opts(10);
        o.fields.flows = true;
        for (v6, out) in [(false, false), (false, true), (true, false), (true, true)] {
            let t = template(&o, v6, out);
            let d = t.iter().position(|e| e.0 == 61).unwrap();
            assert_eq!(t[d + 1], (3, 4, F::Flows), "v6 {v6} out {out}");
        }
        o.fields.flows = false;
        assert!(template(&o, false, false).iter().all(|e| e.0 != 3));
    }
}
