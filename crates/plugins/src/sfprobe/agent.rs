//! The sFlow v5 agent of the sfprobe plugin: one data source (0:1), its packet sampler, its
//! counter poller and its receiver, which packs samples into datagrams of at most 1400 bytes,
//! as pmacct 1.7.7's InMon-derived agent does.
//!
//! Time is the agent's own: it moves in whole seconds when [`Agent::tick`] is called (1.7.7
//! ticks when its pipe runs dry). A tick flushes the pending datagram, then counts the poller
//! down; the datagram header's uptime is the last tick's time since start-up.
//!
//! Nothing here allocates per packet: the datagram is built in a fixed buffer, the
//! interface counters are a bounded table (4096 entries, as 1.7.7).

use std::net::IpAddr;

/// 1.7.7's `SFL_DEFAULT_DATAGRAM_SIZE`.
pub const MAX_DATAGRAM: usize = 1400;
/// 1.7.7's `SFL_MAX_INTERFACES`.
const MAX_INTERFACES: usize = 4096;
/// Counter polling interval, seconds (1.7.7's fixed `counterSamplingInterval`).
const COUNTER_INTERVAL: u32 = 20;
/// The default ifIndex when none applies.
pub const IFINDEX_UNKNOWN: u32 = 0x3FFF_FFFF;

const SFLOW_V5: u32 = 5;
const FLOW_SAMPLE: u32 = 1;
const COUNTERS_SAMPLE: u32 = 2;
const FLOW_HEADER: u32 = 1;
const FLOW_EX_SWITCH: u32 = 1001;
const FLOW_EX_ROUTER: u32 = 1002;
const FLOW_EX_GATEWAY: u32 = 1003;
/// pmacct's own tag element: enterprise 43874, format 2.
const FLOW_EX_TAG: u32 = (43874 << 12) + 2;
/// AS path segment type AS_SET.
const AS_SET: u32 = 1;
const COUNTERS_GENERIC: u32 = 1;
/// Data source 0:1 (`SFL_DS_SET(dsi, 0, 1, 0)`).
const SOURCE_ID: u32 = 1;

/// glibc's `random()` (TYPE_3: x[i] = x[i-3] + x[i-31], the first 310 outputs discarded):
/// 1.7.7 samples with it, seeded with the data source index, so the same packets are taken.
#[derive(Clone)]
pub struct GlibcRandom {
    r: [u32; 31],
    f: usize,
    b: usize,
}

impl GlibcRandom {
    pub fn new(seed: u32) -> GlibcRandom {
        let mut r = [0u32; 31];
        r[0] = if seed == 0 { 1 } else { seed };
        for i in 1..31 {
            // 16807 * r[i-1] % (2^31 - 1), by Schrage's method as glibc computes it.
            let prev = r[i - 1] as i32;
            let hi = prev / 127_773;
            let lo = prev % 127_773;
            let mut w = 16_807i32
                .wrapping_mul(lo)
                .wrapping_sub(2_836i32.wrapping_mul(hi));
            if w < 0 {
                w = w.wrapping_add(2_147_483_647);
            }
            r[i] = w as u32;
        }
        let mut g = GlibcRandom { r, f: 3, b: 0 };
        for _ in 0..310 {
            g.next();
        }
        g
    }

    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u32 {
        self.r[self.f] = self.r[self.f].wrapping_add(self.r[self.b]);
        let out = self.r[self.f] >> 1;
        self.f = (self.f + 1) % 31;
        self.b = (self.b + 1) % 31;
        out
    }
}

/// `nextRandomSkip()`: 1..2*mean-1, uniformly.
fn next_skip(rng: &mut GlibcRandom, mean: u32) -> u32 {
    if mean <= 1 {
        return 1;
    }
    rng.next() % (2 * mean - 1) + 1
}

/// Software counters of one interface, by direction (0 in, 1 out).
#[derive(Debug, Default, Clone, Copy)]
struct IfCounters {
    if_index: u32,
    frames: [u32; 2],
    bytes: [u64; 2],
    multicasts: [u32; 2],
    broadcasts: [u32; 2],
}

/// What the agent is configured with.
#[derive(Debug, Clone)]
pub struct AgentOptions {
    pub agent_ip: IpAddr,
    pub sub_id: u32,
    pub sampling_rate: u32,
    /// `pmacctd_ext_sampling_rate`: every packet is a sample (already sampled upstream).
    pub ext_sampled: bool,
    /// ifIndex of the first counters entry (`sfprobe_ifindex`, else 1).
    pub first_ifindex: u32,
    pub if_speed: u64,
}

/// The extended gateway element as 1.7.7's sfprobe fills it: next hop, source AS and a
/// destination path of one AS_SET holding the destination AS (its own AS, the source peer
/// AS, communities and local preference zero).
#[derive(Debug, Clone, Copy, Default)]
pub struct Gateway {
    pub nexthop: Option<IpAddr>,
    pub src_as: u32,
    pub dst_as: u32,
}

/// One flow sample's variable parts.
pub struct FlowSample<'a> {
    pub input: u32,
    pub output: u32,
    pub header_protocol: u32,
    pub frame_length: u32,
    pub stripped: u32,
    pub header: &'a [u8],
    /// Extended switch: (src_vlan, src_priority, dst_vlan, dst_priority).
    pub switch: [u32; 4],
    /// pmacct's tag element (enterprise 43874, format 2): tag, tag2.
    pub tag: Option<[u64; 2]>,
    pub gateway: Option<Gateway>,
    /// Extended router: source and destination mask (next hop unspecified, as 1.7.7).
    pub router: Option<[u32; 2]>,
}

pub struct Agent {
    opts: AgentOptions,
    buf: [u8; MAX_DATAGRAM + 100],
    /// Bytes of `buf` in use; the header's fixed part is always there.
    len: usize,
    num_samples: u32,
    header_len: usize,
    datagram_seq: u32,
    flow_seq: u32,
    counters_seq: u32,
    sample_pool: u32,
    skip: u32,
    rng: Option<GlibcRandom>,
    countdown: u32,
    counters: Vec<IfCounters>,
    boot: u64,
    now: u64,
}

impl Agent {
    pub fn new(opts: AgentOptions, boot: u64) -> Agent {
        let mut counters = Vec::with_capacity(16);
        counters.push(IfCounters {
            if_index: opts.first_ifindex,
            ..IfCounters::default()
        });
        // 1.7.7 desynchronises its poller with the C library's first random() draw: the
        // unseeded generator is seeded with 1.
        let countdown = 1 + GlibcRandom::new(1).next() % COUNTER_INTERVAL;
        let mut a = Agent {
            opts,
            buf: [0; MAX_DATAGRAM + 100],
            len: 0,
            num_samples: 0,
            header_len: 0,
            datagram_seq: 0,
            flow_seq: 0,
            counters_seq: 0,
            sample_pool: 0,
            skip: 0,
            rng: None,
            countdown,
            counters,
            boot,
            now: boot,
        };
        a.put32(SFLOW_V5);
        match a.opts.agent_ip {
            IpAddr::V4(v4) => {
                a.put32(1);
                a.put(&v4.octets());
            }
            IpAddr::V6(v6) => {
                a.put32(2);
                a.put(&v6.octets());
            }
        }
        a.put32(a.opts.sub_id);
        // Sequence number, uptime, sample count: written when sent.
        a.header_len = a.len + 12;
        a.len = a.header_len;
        a
    }

    fn put(&mut self, b: &[u8]) {
        self.buf[self.len..self.len + b.len()].copy_from_slice(b);
        self.len += b.len();
    }

    fn put32(&mut self, v: u32) {
        self.put(&v.to_be_bytes());
    }

    fn put64(&mut self, v: u64) {
        self.put(&v.to_be_bytes());
    }

    /// An sFlow address; unspecified is sent as IPv4 0.0.0.0, as 1.7.7 does.
    fn put_address(&mut self, a: Option<IpAddr>) {
        match a {
            None => {
                self.put32(1);
                self.put32(0);
            }
            Some(IpAddr::V4(v4)) => {
                self.put32(1);
                self.put(&v4.octets());
            }
            Some(IpAddr::V6(v6)) => {
                self.put32(2);
                self.put(&v6.octets());
            }
        }
    }

    /// `sfl_sampler_takeSample()`: counts the packet into the pool; true if it is a sample.
    pub fn take_sample(&mut self) -> bool {
        if self.opts.ext_sampled {
            return true;
        }
        let rate = self.opts.sampling_rate;
        if self.skip == 0 {
            let rng = self.rng.insert(GlibcRandom::new(SOURCE_ID));
            self.skip = next_skip(rng, rate);
        }
        self.sample_pool = self.sample_pool.wrapping_add(1);
        self.skip -= 1;
        if self.skip == 0 {
            // rng is set above on the first call.
            let rng = self.rng.get_or_insert_with(|| GlibcRandom::new(SOURCE_ID));
            self.skip = next_skip(rng, rate);
            return true;
        }
        false
    }

    /// The counters entry of `if_index` (the last one when the table is full).
    pub fn count(&mut self, if_index: u32, dir: usize, pkt_len: u32, dst_mac: &[u8]) -> u32 {
        let idx = match self.counters.iter().position(|c| c.if_index == if_index) {
            Some(i) => i,
            None if self.counters.len() < MAX_INTERFACES - 1 => {
                self.counters.push(IfCounters {
                    if_index,
                    ..IfCounters::default()
                });
                self.counters.len() - 1
            }
            None => {
                if self.counters.len() < MAX_INTERFACES {
                    self.counters.push(IfCounters::default());
                }
                MAX_INTERFACES - 1
            }
        };
        let c = &mut self.counters[idx];
        c.bytes[dir] = c.bytes[dir].wrapping_add(u64::from(pkt_len));
        let first = dst_mac.first().copied().unwrap_or(0);
        if first & 1 != 0 {
            if dst_mac.len() >= 6 && dst_mac[..6] == [0xff; 6] {
                c.broadcasts[dir] = c.broadcasts[dir].wrapping_add(1);
            } else {
                c.multicasts[dir] = c.multicasts[dir].wrapping_add(1);
            }
        } else {
            c.frames[dir] = c.frames[dir].wrapping_add(1);
        }
        c.if_index
    }

    /// Add a flow sample, sending the datagram first if it would not fit.
    pub fn write_flow_sample(&mut self, fs: &FlowSample<'_>, send: &mut dyn FnMut(&[u8])) {
        let hlen = fs.header.len().min(256);
        let padded = hlen.div_ceil(4) * 4;
        let gateway_len = fs.gateway.map(|g| {
            let addr = if matches!(g.nexthop, Some(IpAddr::V6(_))) {
                20
            } else {
                8
            };
            // as, src_as, src_peer_as, segments; one segment of one AS; communities, localpref
            addr + 16 + 12 + 4 + 4
        });
        // Sample header 40, switch element 8 + 16, header element 8 + 16 + header, then the
        // optional ones.
        let mut size = 40 + 24 + 24 + padded;
        let mut elements = 2u32;
        for len in [fs.tag.map(|_| 16), gateway_len, fs.router.map(|_| 16)]
            .into_iter()
            .flatten()
        {
            size += 8 + len;
            elements += 1;
        }
        if self.len + size >= MAX_DATAGRAM {
            self.send(send);
        }
        self.flow_seq = self.flow_seq.wrapping_add(1);
        self.num_samples += 1;
        self.put32(FLOW_SAMPLE);
        self.put32((size - 8) as u32);
        self.put32(self.flow_seq);
        self.put32(SOURCE_ID);
        self.put32(self.opts.sampling_rate);
        self.put32(self.sample_pool);
        self.put32(0); // drops
        self.put32(fs.input);
        self.put32(fs.output);
        self.put32(elements);
        // 1.7.7 lists elements last-added first: switch, router, gateway, tag, header.
        self.put32(FLOW_EX_SWITCH);
        self.put32(16);
        for v in fs.switch {
            self.put32(v);
        }
        if let Some([src, dst]) = fs.router {
            self.put32(FLOW_EX_ROUTER);
            self.put32(16);
            self.put_address(None);
            self.put32(src);
            self.put32(dst);
        }
        if let (Some(g), Some(len)) = (fs.gateway, gateway_len) {
            self.put32(FLOW_EX_GATEWAY);
            self.put32(len as u32);
            self.put_address(g.nexthop);
            self.put32(0); // the gateway's own AS
            self.put32(g.src_as);
            self.put32(0); // source peer AS
            self.put32(1);
            self.put32(AS_SET);
            self.put32(1);
            self.put32(g.dst_as);
            self.put32(0); // communities
            self.put32(0); // local preference
        }
        if let Some([tag, tag2]) = fs.tag {
            self.put32(FLOW_EX_TAG);
            self.put32(16);
            self.put64(tag);
            self.put64(tag2);
        }
        self.put32(FLOW_HEADER);
        self.put32((16 + padded) as u32);
        self.put32(fs.header_protocol);
        self.put32(fs.frame_length);
        self.put32(fs.stripped);
        self.put32(hlen as u32);
        self.put(&fs.header[..hlen]);
        // Padding zeroed (1.7.7 leaves what the buffer held).
        let pad = padded - hlen;
        self.put(&[0u8; 3][..pad]);
    }

    /// `agentCB_getCounters()`: a generic counters block per interface that has seen
    /// unicast frames, last-seen interface first.
    fn write_counters_sample(&mut self, send: &mut dyn FnMut(&[u8])) {
        let blocks = self
            .counters
            .iter()
            .filter(|c| c.frames[0] != 0 || c.frames[1] != 0)
            .count();
        let size = 20 + blocks * (8 + 88);
        if size > MAX_DATAGRAM / 2 {
            // 1.7.7: "counters sample too big for datagram", nothing written.
            return;
        }
        if self.len + size >= MAX_DATAGRAM {
            self.send(send);
        }
        self.counters_seq = self.counters_seq.wrapping_add(1);
        self.num_samples += 1;
        self.put32(COUNTERS_SAMPLE);
        self.put32((size - 8) as u32);
        self.put32(self.counters_seq);
        self.put32(SOURCE_ID);
        self.put32(blocks as u32);
        let speed = self.opts.if_speed;
        for i in (0..self.counters.len()).rev() {
            let c = self.counters[i];
            if c.frames[0] == 0 && c.frames[1] == 0 {
                continue;
            }
            self.put32(COUNTERS_GENERIC);
            self.put32(88);
            self.put32(c.if_index);
            self.put32(6); // ethernetCsmacd
            self.put64(speed);
            self.put32(1); // full duplex
            self.put32(3); // admin and oper up
            self.put64(c.bytes[0]);
            self.put32(c.frames[0]);
            self.put32(c.multicasts[0]);
            self.put32(c.broadcasts[0]);
            self.put(&[0; 12]); // discards, errors, unknown protos
            self.put64(c.bytes[1]);
            self.put32(c.frames[1]);
            self.put32(c.multicasts[1]);
            self.put32(c.broadcasts[1]);
            self.put(&[0; 8]); // discards, errors
            self.put32(0); // not promiscuous
        }
    }

    /// Send the pending datagram, if it holds samples.
    pub fn send(&mut self, send: &mut dyn FnMut(&[u8])) {
        if self.num_samples == 0 {
            return;
        }
        self.datagram_seq = self.datagram_seq.wrapping_add(1);
        let uptime = (self.now.saturating_sub(self.boot) as u32).wrapping_mul(1000);
        let h = self.header_len - 12;
        self.buf[h..h + 4].copy_from_slice(&self.datagram_seq.to_be_bytes());
        self.buf[h + 4..h + 8].copy_from_slice(&uptime.to_be_bytes());
        self.buf[h + 8..h + 12].copy_from_slice(&self.num_samples.to_be_bytes());
        send(&self.buf[..self.len]);
        self.len = self.header_len;
        self.num_samples = 0;
    }

    /// `sfl_agent_tick()` for each second from the agent's clock to `now`.
    pub fn tick_to(&mut self, now: u64, send: &mut dyn FnMut(&[u8])) {
        while self.now < now {
            self.now += 1;
            self.send(send);
            self.countdown -= 1;
            if self.countdown == 0 {
                self.write_counters_sample(send);
                self.countdown = COUNTER_INTERVAL;
            }
        }
    }

    pub fn now(&self) -> u64 {
        self.now
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pmacct_wire::sflow::{walk, Sample};

    #[test]
    fn glibc_random_seeded_with_1() {
        // glibc: srandom(1); random() x3.
        let mut g = GlibcRandom::new(1);
        assert_eq!(
            [g.next(), g.next(), g.next()],
            [1_804_289_383, 846_930_886, 1_681_692_777]
        );
    }

    fn agent(rate: u32) -> Agent {
        Agent::new(
            AgentOptions {
                agent_ip: "192.0.2.9".parse().unwrap(),
                sub_id: 7,
                sampling_rate: rate,
                ext_sampled: false,
                first_ifindex: 1,
                if_speed: 100_000_000,
            },
            1000,
        )
    }

    #[test]
    fn datagrams_stay_under_1400_bytes_and_count_their_samples() {
        let mut a = agent(1);
        let hdr = [0x11u8; 128];
        let mut out: Vec<Vec<u8>> = Vec::new();
        for _ in 0..20 {
            assert!(a.take_sample());
            a.write_flow_sample(
                &FlowSample {
                    input: 1,
                    output: IFINDEX_UNKNOWN,
                    header_protocol: 1,
                    frame_length: 200,
                    stripped: 4,
                    header: &hdr[..125],
                    switch: [0; 4],
                    tag: None,
                    gateway: None,
                    router: None,
                },
                &mut |d| out.push(d.to_vec()),
            );
        }
        a.tick_to(1001, &mut |d| out.push(d.to_vec()));
        let mut samples = 0;
        for (i, d) in out.iter().enumerate() {
            assert!(d.len() < MAX_DATAGRAM);
            assert_eq!(
                u32::from_be_bytes(d[16..20].try_into().unwrap()),
                i as u32 + 1
            );
            samples += u32::from_be_bytes(d[24..28].try_into().unwrap());
        }
        assert_eq!(samples, 20);
        // The last one went at the tick: uptime 1 s.
        let last = out.last().unwrap();
        assert_eq!(u32::from_be_bytes(last[20..24].try_into().unwrap()), 1000);
    }

    /// The tag, gateway and router elements as 1.7.7 lays them out (last added first),
    /// read back by our sFlow decoder.
    #[test]
    fn optional_elements_round_trip() {
        let mut a = agent(1);
        let hdr = [0u8; 14];
        let mut out: Vec<Vec<u8>> = Vec::new();
        for nexthop in [
            None,
            Some(IpAddr::from([192, 0, 2, 1])),
            Some("2001:db8::9".parse().unwrap()),
        ] {
            assert!(a.take_sample());
            a.write_flow_sample(
                &FlowSample {
                    input: 1,
                    output: 2,
                    header_protocol: 1,
                    frame_length: 18,
                    stripped: 4,
                    header: &hdr,
                    switch: [0; 4],
                    tag: Some([7, 1 << 40]),
                    gateway: Some(Gateway {
                        nexthop,
                        src_as: 65001,
                        dst_as: 65002,
                    }),
                    router: Some([24, 16]),
                },
                &mut |d| out.push(d.to_vec()),
            );
        }
        a.send(&mut |d| out.push(d.to_vec()));
        assert_eq!(out.len(), 1);
        let d = &out[0];
        let be = |o: usize| u32::from_be_bytes(d[o..o + 4].try_into().unwrap());
        // First sample: 5 elements, switch then router, gateway, tag, header.
        assert_eq!(be(28 + 36), 5);
        let tags: Vec<u32> = [40, 64, 88, 140, 164].iter().map(|o| be(28 + o)).collect();
        assert_eq!(
            tags,
            [
                FLOW_EX_SWITCH,
                FLOW_EX_ROUTER,
                FLOW_EX_GATEWAY,
                FLOW_EX_TAG,
                1
            ]
        );
        let mut seen = Vec::new();
        walk(IpAddr::from([127, 0, 0, 1]), d, |s| {
            if let Sample::Flow(fs) = s {
                let g = fs.gateway.as_ref().unwrap();
                let r = fs.router.unwrap();
                seen.push((
                    fs.tag,
                    g.next_hop,
                    g.src_as,
                    g.dst_as(),
                    (r.next_hop, r.src_mask, r.dst_mask),
                ));
            }
        })
        .unwrap();
        assert_eq!(seen.len(), 3);
        for (i, s) in seen.iter().enumerate() {
            assert_eq!(s.0, Some((7, 1 << 40)));
            assert_eq!((s.2, s.3), (65001, 65002));
            assert_eq!(s.4, (Some(IpAddr::from([0, 0, 0, 0])), 24, 16));
            let want = [
                None,
                Some(IpAddr::from([192, 0, 2, 1])),
                Some("2001:db8::9".parse().unwrap()),
            ];
            // Unspecified goes out as IPv4 0.0.0.0.
            assert_eq!(s.1.filter(|a| !a.is_unspecified()), want[i]);
        }
    }

    #[test]
    fn sampling_is_one_in_rate_on_average() {
        let mut a = agent(10);
        let n = (0..100_000).filter(|_| a.take_sample()).count();
        assert!((9_000..11_000).contains(&n), "{n}");
    }

    #[test]
    fn counters_sample_after_the_poller_countdown() {
        let mut a = agent(1);
        a.count(1, 0, 100, &[0x02, 0, 0, 0, 0, 1]);
        let mut out: Vec<Vec<u8>> = Vec::new();
        a.tick_to(1000 + 25, &mut |d| out.push(d.to_vec()));
        // Countdown 4 (glibc's first draw), then every 20 ticks.
        assert_eq!(out.len(), 2);
        assert_eq!(u32::from_be_bytes(out[0][20..24].try_into().unwrap()), 5000);
        assert_eq!(
            u32::from_be_bytes(out[1][20..24].try_into().unwrap()),
            25000
        );
    }
}
