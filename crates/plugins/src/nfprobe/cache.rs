//! The nfprobe flow cache, as pmacct 1.7.7's softflowd-derived one: bidirectional flows
//! keyed by address family, the address pair in canonical order, protocol, ports and the
//! interface pair; an expiry queue ordered by (expiry time, flow sequence).

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use pmacct_flow::Flow;

/// `nfprobe_direction` (pmacct's DIRECTION_*).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    In,
    Out,
    Tag,
    Tag2,
}

/// pmacct's DIRECTION_IN / DIRECTION_OUT values as kept per flow side (0: unknown).
pub const DIR_IN: u8 = 1;
pub const DIR_OUT: u8 = 2;

/// `nfprobe_ifindex`: a number, or taken from `tag` / `tag2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IfIndex {
    Static(u32),
    Tag,
    Tag2,
}

/// `nfprobe_timeouts` (seconds; 0 disables a kind but `general`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub tcp: u32,
    pub tcp_rst: u32,
    pub tcp_fin: u32,
    pub udp: u32,
    pub icmp: u32,
    pub general: u32,
    pub maxlife: u32,
    pub expint: u32,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            tcp: 3600,
            tcp_rst: 120,
            tcp_fin: 300,
            udp: 300,
            icmp: 300,
            general: 3600,
            maxlife: 3600 * 24 * 7,
            expint: 60,
        }
    }
}

/// Why a flow expires (pmacct's R_*; kept for the expiry statistics).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Reason {
    #[default]
    General,
    Tcp,
    TcpRst,
    TcpFin,
    Udp,
    Icmp,
    MaxLife,
    OverBytes,
    OverFlows,
    Flush,
}

/// What the cache needs from the plugin configuration.
#[derive(Debug, Clone, Copy)]
pub struct CacheOptions {
    pub timeouts: Timeouts,
    pub direction: Option<Direction>,
    pub ifindex: Option<IfIndex>,
    pub ifindex_override: bool,
    pub dont_cache: bool,
    /// NetFlow v5 counters are 32 bits: flows over 2^31 bytes expire at once (2^63 for v9/IPFIX).
    pub v5: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Key {
    /// 4 or 6.
    pub af: u8,
    pub addr: [[u8; 16]; 2],
    pub proto: u8,
    pub port: [u16; 2],
    pub ifindex: [u32; 2],
}

/// One bidirectional flow: side `i` is traffic from `addr[i]` to `addr[i ^ 1]`.
#[derive(Debug, Clone, Default)]
pub struct FlowRec {
    pub key: Key,
    pub direction: [u8; 2],
    pub mask: [u8; 2],
    pub tcp_flags: [u8; 2],
    pub tos: [u8; 2],
    pub asn: [u32; 2],
    pub mac: [[u8; 6]; 2],
    pub vlan: u16,
    pub tag: [u64; 2],
    pub tag2: [u64; 2],
    pub seq: u64,
    /// (seconds, microseconds) of the first and last packet.
    pub start: (u64, u32),
    pub last: (u64, u32),
    pub octets: [u64; 2],
    pub packets: [u64; 2],
    pub flows: [u64; 2],
    expires_at: u64,
    reason: Reason,
}

impl FlowRec {
    pub fn addr(&self, i: usize) -> IpAddr {
        let a = self.key.addr[i];
        if self.key.af == 4 {
            IpAddr::from([a[0], a[1], a[2], a[3]])
        } else {
            IpAddr::from(a)
        }
    }
}

/// Counters since start-up.
#[derive(Debug, Default, Clone, Copy)]
pub struct CacheStats {
    pub packets: u64,
    pub bad_packets: u64,
    pub flows_expired: u64,
    pub forced: u64,
}

/// Expiry scan modes (pmacct's CE_EXPIRE_*).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scan {
    /// Timed-out flows and those due now.
    Normal,
    /// Only flows due now (maxflows overflow, max lifetime, byte overflow): a savefile's
    /// packet times are not the clock, so 1.7.7 never times flows out reading one.
    Forced,
    /// Everything (shutdown).
    All,
}

pub struct FlowCache {
    opts: CacheOptions,
    slots: Vec<FlowRec>,
    free: Vec<usize>,
    by_key: HashMap<Key, usize>,
    /// (expires_at, flow seq) -> slot.
    expiry: BTreeMap<(u64, u64), usize>,
    next_seq: u64,
    /// pmacct's num_flows (counts `flows` of a record when it carries some).
    pub num_flows: u64,
    pub stats: CacheStats,
}

fn addr16(a: IpAddr) -> [u8; 16] {
    match a {
        IpAddr::V4(v) => {
            let mut o = [0u8; 16];
            o[..4].copy_from_slice(&v.octets());
            o
        }
        IpAddr::V6(v) => v.octets(),
    }
}

impl FlowCache {
    pub fn new(opts: CacheOptions) -> FlowCache {
        FlowCache {
            opts,
            slots: Vec::new(),
            free: Vec::new(),
            by_key: HashMap::new(),
            expiry: BTreeMap::new(),
            next_seq: 1,
            num_flows: 0,
            stats: CacheStats::default(),
        }
    }

    pub fn len(&self) -> usize {
        self.expiry.len()
    }

    pub fn is_empty(&self) -> bool {
        self.expiry.is_empty()
    }

    /// The flow identity and first-packet record of `f` (pmacct's ipv4/ipv6_to_flowrec).
    fn to_rec(&self, f: &Flow) -> Option<(FlowRec, usize)> {
        let p = &f.prims;
        let (src, dst, af) = match (p.src_ip?, p.dst_ip?) {
            (s @ IpAddr::V4(_), d @ IpAddr::V4(_)) => (s, d, 4u8),
            (s @ IpAddr::V6(_), d @ IpAddr::V6(_)) => (s, d, 6u8),
            _ => return None,
        };
        let (s16, d16) = (addr16(src), addr16(dst));
        let ndx = usize::from(s16 > d16);
        let mut r = FlowRec::default();
        r.key.af = af;
        r.key.addr[ndx] = s16;
        r.key.addr[ndx ^ 1] = d16;
        r.key.proto = p.proto;
        r.mask[ndx] = p.src_mask;
        r.mask[ndx ^ 1] = p.dst_mask;
        // 1.7.7 copies the ToS of IPv4 packets only.
        if af == 4 {
            r.tos[ndx] = p.tos;
        }
        r.octets[ndx] = f.bytes;
        r.packets[ndx] = f.packets;
        r.flows[ndx] = f.flows;
        r.tag[ndx] = p.tag;
        r.tag2[ndx] = p.tag2;
        // l2_to_flowrec
        let dir = self.packet_direction(p.tag, p.tag2, true);
        if dir != 0 {
            r.direction[ndx] = dir;
            r.direction[ndx ^ 1] = 0;
        }
        r.mac[ndx] = p.src_mac;
        r.mac[ndx ^ 1] = p.dst_mac;
        r.vlan = p.vlan;
        r.key.ifindex[ndx] = self.ifindex(p.in_iface, dir == DIR_IN, p.tag, p.tag2);
        r.key.ifindex[ndx ^ 1] = self.ifindex(p.out_iface, dir == DIR_OUT, p.tag, p.tag2);
        r.asn[ndx] = p.src_as;
        r.asn[ndx ^ 1] = p.dst_as;
        // transport_to_flowrec
        match p.proto {
            6 => {
                r.key.port[ndx] = p.src_port;
                r.key.port[ndx ^ 1] = p.dst_port;
                r.tcp_flags[ndx] |= f.tcp_flags;
            }
            17 => {
                r.key.port[ndx] = p.src_port;
                r.key.port[ndx ^ 1] = p.dst_port;
            }
            1 | 58 => r.key.port[ndx ^ 1] = p.icmp_type_code,
            _ => {}
        }
        Some((r, ndx))
    }

    /// The direction a packet gets: `in`/`out` always (`fixed`), `tag`/`tag2` from 1 or 2.
    fn packet_direction(&self, tag: u64, tag2: u64, fixed: bool) -> u8 {
        let from = |t: u64| match t {
            1 => DIR_IN,
            2 => DIR_OUT,
            _ => 0,
        };
        match self.opts.direction {
            Some(Direction::In) if fixed => DIR_IN,
            Some(Direction::Out) if fixed => DIR_OUT,
            Some(Direction::Tag) => from(tag),
            Some(Direction::Tag2) => from(tag2),
            _ => 0,
        }
    }

    /// An interface of the flow: the packet's, else (or with `nfprobe_ifindex_override`)
    /// `nfprobe_ifindex` when the packet goes that way.
    fn ifindex(&self, from_packet: u32, this_way: bool, tag: u64, tag2: u64) -> u32 {
        let mut v = from_packet;
        if (v == 0 || self.opts.ifindex_override) && this_way {
            match self.opts.ifindex {
                Some(IfIndex::Static(n)) if n != 0 => v = n,
                Some(IfIndex::Tag) if tag != 0 => v = tag as u32,
                Some(IfIndex::Tag2) if tag2 != 0 => v = tag2 as u32,
                _ => {}
            }
        }
        v
    }

    /// Account one packet (pmacct's process_packet); `ts` is its capture time.
    pub fn add(&mut self, f: &Flow, ts: (u64, u32)) {
        self.stats.packets += f.packets;
        let Some((tmp, ndx)) = self.to_rec(f) else {
            self.stats.bad_packets += f.packets;
            return;
        };
        let existing = if self.opts.dont_cache {
            None
        } else {
            self.by_key.get(&tmp.key).copied()
        };
        let slot = match existing {
            None => {
                let mut rec = tmp;
                rec.start = ts;
                rec.seq = self.next_seq;
                self.next_seq += 1;
                // 0: expire at the next scan (nfprobe_dont_cache); else set just below.
                rec.expires_at = u64::from(!self.opts.dont_cache);
                rec.reason = Reason::General;
                let slot = match self.free.pop() {
                    Some(s) => {
                        self.slots[s] = rec;
                        s
                    }
                    None => {
                        self.slots.push(rec);
                        self.slots.len() - 1
                    }
                };
                let r = &self.slots[slot];
                if !self.opts.dont_cache {
                    self.by_key.insert(r.key, slot);
                }
                self.expiry.insert((r.expires_at, r.seq), slot);
                self.num_flows += if f.flows > 0 { f.flows } else { 1 };
                slot
            }
            Some(slot) => {
                let dir = self.packet_direction(f.prims.tag, f.prims.tag2, false);
                let r = &mut self.slots[slot];
                for i in 0..2 {
                    r.packets[i] += tmp.packets[i];
                    r.octets[i] += tmp.octets[i];
                    r.flows[i] += tmp.flows[i];
                    r.tcp_flags[i] |= tmp.tcp_flags[i];
                    // 1.7.7 overwrites both sides' ToS with the packet's (the other side: 0).
                    r.tos[i] = tmp.tos[i];
                    if r.tag[i] == 0 {
                        r.tag[i] = tmp.tag[i];
                    }
                    if r.tag2[i] == 0 {
                        r.tag2[i] = tmp.tag2[i];
                    }
                }
                if dir != 0 && r.direction[ndx] == 0 {
                    r.direction[ndx] = dir;
                }
                slot
            }
        };
        self.slots[slot].last = ts;
        if self.slots[slot].expires_at != 0 {
            self.update_expiry(slot);
        }
    }

    /// pmacct's flow_update_expiry.
    fn update_expiry(&mut self, slot: usize) {
        let t = self.opts.timeouts;
        let r = &mut self.slots[slot];
        self.expiry.remove(&(r.expires_at, r.seq));
        let over = if self.opts.v5 { 1u64 << 31 } else { 1u64 << 63 };
        let last = r.last.0;
        let (at, why) = if r.octets[0] > over || r.octets[1] > over {
            (0, Reason::OverBytes)
        } else if t.maxlife != 0 && last.saturating_sub(r.start.0) > u64::from(t.maxlife) {
            (0, Reason::MaxLife)
        } else if r.key.proto == 6
            && t.tcp_rst != 0
            && (r.tcp_flags[0] | r.tcp_flags[1]) & 0x04 != 0
        {
            (last + u64::from(t.tcp_rst), Reason::TcpRst)
        } else if r.key.proto == 6
            && t.tcp_fin != 0
            && r.tcp_flags[0] & 0x01 != 0
            && r.tcp_flags[1] & 0x01 != 0
        {
            (last + u64::from(t.tcp_fin), Reason::TcpFin)
        } else if r.key.proto == 6 && t.tcp != 0 {
            (last + u64::from(t.tcp), Reason::Tcp)
        } else if t.udp != 0 && r.key.proto == 17 {
            (last + u64::from(t.udp), Reason::Udp)
        } else if t.icmp != 0
            && ((r.key.af == 4 && r.key.proto == 1) || (r.key.af == 6 && r.key.proto == 58))
        {
            (last + u64::from(t.icmp), Reason::Icmp)
        } else {
            (last + u64::from(t.general), Reason::General)
        };
        r.expires_at = at;
        r.reason = why;
        self.expiry.insert((at, r.seq), slot);
    }

    /// Milliseconds until the next expiry event (pmacct's next_expire): None when the cache
    /// is empty, 0 when due now.
    pub fn next_expire(&self, now: u64) -> Option<u64> {
        let (&(at, _), &slot) = self.expiry.iter().next()?;
        let why = self.slots[slot].reason;
        if at == 0 && matches!(why, Reason::OverBytes | Reason::OverFlows | Reason::Flush) {
            return Some(0);
        }
        let mut at = at;
        let iv = u64::from(self.opts.timeouts.expint);
        if iv > 1 && at % iv > 0 {
            at += iv - at % iv;
        }
        if at < now {
            return Some(0);
        }
        Some(999 + (at - now) * 1000)
    }

    /// Remove the expired flows (pmacct's check_expired), in expiry order, into `out`.
    pub fn expire(&mut self, mode: Scan, now: u64, out: &mut Vec<FlowRec>) {
        let due: Vec<(u64, u64)> = self
            .expiry
            .keys()
            .take_while(|&&(at, _)| {
                mode == Scan::All || at == 0 || (mode == Scan::Normal && at < now)
            })
            .copied()
            .collect();
        for k in due {
            let Some(slot) = self.expiry.remove(&k) else {
                continue;
            };
            let mut rec = std::mem::take(&mut self.slots[slot]);
            if mode == Scan::All {
                rec.reason = Reason::Flush;
            }
            if self.by_key.get(&rec.key) == Some(&slot) {
                self.by_key.remove(&rec.key);
            }
            self.free.push(slot);
            self.num_flows = self.num_flows.saturating_sub(1);
            self.stats.flows_expired += 1;
            out.push(rec);
        }
    }

    /// Mark the `n` flows first in expiry order to go now (pmacct's force_expire).
    pub fn force_expire(&mut self, n: u64) {
        let picked: Vec<((u64, u64), usize)> = self
            .expiry
            .iter()
            .take(usize::try_from(n).unwrap_or(usize::MAX))
            .map(|(k, v)| (*k, *v))
            .collect();
        for (k, slot) in picked {
            self.expiry.remove(&k);
            let r = &mut self.slots[slot];
            r.expires_at = 0;
            r.reason = Reason::OverFlows;
            self.expiry.insert((0, r.seq), slot);
            self.stats.forced += 1;
        }
    }
}

/// Parse `nfprobe_timeouts` (`tcp=30:udp=10:maxlife=60`) onto the defaults; errors name
/// the bad part (1.7.7 logs them and keeps the default).
pub fn parse_timeouts(spec: &str) -> (Timeouts, Vec<String>) {
    let mut t = Timeouts::default();
    let mut errs = Vec::new();
    for part in spec.trim().split(':') {
        let part = part.trim();
        let Some((name, value)) = part.split_once('=').filter(|(_, v)| !v.is_empty()) else {
            errs.push(format!("Invalid 'nfprobe_timeouts' value: '{part}'"));
            continue;
        };
        let Some(secs) = convtime(value) else {
            errs.push(format!("Invalid 'nfprobe_timeouts' value: '{value}'"));
            continue;
        };
        let slot = match name {
            "tcp" => &mut t.tcp,
            "tcp.rst" => &mut t.tcp_rst,
            "tcp.fin" => &mut t.tcp_fin,
            "udp" => &mut t.udp,
            "icmp" => &mut t.icmp,
            "general" => &mut t.general,
            "maxlife" => &mut t.maxlife,
            "expint" => &mut t.expint,
            _ => {
                errs.push(format!("Invalid nfprobe_timeouts type: '{name}'"));
                continue;
            }
        };
        *slot = secs;
        if t.general == 0 {
            errs.push("'general' flow timeout must be greater than zero.".into());
            t.general = Timeouts::default().general;
        }
    }
    (t, errs)
}

/// softflowd's convtime: `30`, `30s`, `5m`, `2h`, `1d`, `1w`, and sums such as `1h30m`.
fn convtime(s: &str) -> Option<u32> {
    let mut total: u64 = 0;
    let mut num: Option<u64> = None;
    for c in s.chars() {
        if let Some(d) = c.to_digit(10) {
            num = Some(
                num.unwrap_or(0)
                    .checked_mul(10)?
                    .checked_add(u64::from(d))?,
            );
            continue;
        }
        let mult = match c.to_ascii_lowercase() {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86400,
            'w' => 604800,
            _ => return None,
        };
        total = total.checked_add(num.take()?.checked_mul(mult)?)?;
    }
    if let Some(n) = num {
        total = total.checked_add(n)?;
    }
    u32::try_from(total).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use pmacct_flow::Flow;

    fn pkt(src: &str, dst: &str, sp: u16, dp: u16, proto: u8, bytes: u64, flags: u8) -> Flow {
        let mut f = Flow::default();
        f.prims.src_ip = Some(src.parse().unwrap());
        f.prims.dst_ip = Some(dst.parse().unwrap());
        f.prims.src_port = sp;
        f.prims.dst_port = dp;
        f.prims.proto = proto;
        f.packets = 1;
        f.bytes = bytes;
        f.tcp_flags = flags;
        f
    }

    fn opts() -> CacheOptions {
        CacheOptions {
            timeouts: Timeouts::default(),
            direction: None,
            ifindex: None,
            ifindex_override: false,
            dont_cache: false,
            v5: false,
        }
    }

    #[test]
    fn both_directions_in_one_flow() {
        let mut c = FlowCache::new(opts());
        c.add(&pkt("10.0.0.2", "10.0.0.1", 1000, 80, 6, 60, 0x02), (10, 0));
        c.add(&pkt("10.0.0.1", "10.0.0.2", 80, 1000, 6, 40, 0x12), (11, 0));
        assert_eq!(c.len(), 1);
        let mut out = Vec::new();
        c.expire(Scan::All, 0, &mut out);
        let r = &out[0];
        // canonical: the lower address is side 0
        assert_eq!(r.addr(0).to_string(), "10.0.0.1");
        assert_eq!(
            (r.octets, r.packets, r.tcp_flags),
            ([40, 60], [1, 1], [0x12, 0x02])
        );
        assert_eq!(r.key.port, [80, 1000]);
        assert_eq!((r.start, r.last), ((10, 0), (11, 0)));
    }

    #[test]
    fn maxflows_forces_the_oldest_out_and_rst_shortens() {
        let mut c = FlowCache::new(opts());
        c.add(&pkt("10.0.0.1", "10.0.0.2", 1, 2, 17, 10, 0), (100, 0));
        c.add(&pkt("10.0.0.1", "10.0.0.3", 1, 2, 6, 10, 0x04), (101, 0));
        // UDP expires at 400, TCP after RST at 221: the TCP flow goes first.
        c.force_expire(1);
        let mut out = Vec::new();
        c.expire(Scan::Forced, 0, &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].key.proto, 6);
        assert_eq!(c.len(), 1);
    }

    #[test]
    fn timeouts_parse() {
        let (t, e) = parse_timeouts("tcp=30:udp=1m:maxlife=1h30m:expint=5:tcp.rst=1:bogus=3");
        assert_eq!(
            (t.tcp, t.udp, t.maxlife, t.expint, t.tcp_rst),
            (30, 60, 5400, 5, 1)
        );
        assert_eq!(e.len(), 1);
        assert_eq!(convtime("x"), None);
    }

    #[test]
    fn dont_cache_keeps_each_packet() {
        let mut o = opts();
        o.dont_cache = true;
        let mut c = FlowCache::new(o);
        c.add(&pkt("10.0.0.1", "10.0.0.2", 1, 2, 17, 10, 0), (100, 0));
        c.add(&pkt("10.0.0.1", "10.0.0.2", 1, 2, 17, 10, 0), (100, 0));
        assert_eq!(c.next_expire(1000), Some(0));
        let mut out = Vec::new();
        c.expire(Scan::Forced, 0, &mut out);
        assert_eq!(out.len(), 2);
    }
}
