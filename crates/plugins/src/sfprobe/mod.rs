//! The sfprobe plugin (pmacctd): turns the packets the core accounts into sFlow v5 flow
//! samples carrying each sampled packet's header, plus counter samples of the interfaces
//! seen, as pmacct 1.7.7's sfprobe plugin does.
//!
//! The plugin takes the captured frames themselves ([`Plugin::takes_datagrams`]): the core
//! hands over each frame its accounting took, with its link type and length on the wire.
//! [`agent`] packs the samples into datagrams.

pub mod agent;

use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use pmacct_config::{key, Scope};
use pmacct_flow::custom::CustomValues;
use pmacct_flow::producer::packet::frame_l2;
use pmacct_flow::Flow;

use crate::datagram::DatagramBatch;
use crate::log::{default_sink, plugin_log, LogSink, PluginLog};
use crate::nfprobe::cache::{Direction, IfIndex};
use crate::nfprobe::{export_socket, parse_hostport, parse_ifindex};
use crate::{Plugin, PluginCounters};
use agent::{Agent, AgentOptions, FlowSample, Gateway, IFINDEX_UNKNOWN};

/// 1.7.7's `DEFAULT_PLOAD_SIZE`: the core copies at most this much of a frame to sfprobe.
const PAYLOAD_MAX: usize = 256;
/// 1.7.7's fixed sampled-header size.
const HEADER_MAX: usize = 128;
/// The FCS libpcap does not capture, counted in the frame length and as stripped.
const FCS: u32 = 4;

#[derive(Debug, Clone)]
pub struct SfprobeConfig {
    pub name: String,
    pub receiver: SocketAddr,
    pub source_ip: Option<IpAddr>,
    pub ipprec: u8,
    pub sndbuf: Option<usize>,
    pub agent: AgentOptions,
    pub direction: Option<Direction>,
    pub ifindex: Option<IfIndex>,
    pub ifindex_override: bool,
    /// Which optional elements the samples carry, as 1.7.7 decides them from the config:
    /// tag (a pre_tag_map), gateway (a networks_file, or `pmacctd_as: bgp`), router (a
    /// networks_file, `networks_mask` or any `pmacctd_net`).
    pub tag_element: bool,
    pub gateway_element: bool,
    pub router_element: bool,
}

impl SfprobeConfig {
    pub fn from_scope(name: &str, scope: &Scope) -> Result<SfprobeConfig, String> {
        let receiver = parse_hostport(scope.get(key::SFPROBE_RECEIVER).unwrap_or("127.0.0.1:6343"))
            .map_err(|e| format!("sfprobe_receiver: {e}"))?;
        let ip = |k, what: &str| -> Result<Option<IpAddr>, String> {
            match scope.str(k) {
                None => Ok(None),
                Some(s) => s
                    .trim()
                    .parse::<IpAddr>()
                    .map(Some)
                    .map_err(|_| format!("{what}: '{s}' is not a numeric IPv4/IPv6 address")),
            }
        };
        // 1.7.7's default agent address is localhost's.
        let agent_ip = if scope.is_set(key::SFPROBE_AGENTIP) {
            ip(key::SFPROBE_AGENTIP, "sfprobe_agentip")?.unwrap_or(IpAddr::from([127, 0, 0, 1]))
        } else {
            IpAddr::from([127, 0, 0, 1])
        };
        let source_ip = ip(key::SFPROBE_SOURCE_IP, "sfprobe_source_ip")?;
        let ifindex = match scope.str(key::SFPROBE_IFINDEX) {
            None => None,
            Some(s) => Some(parse_ifindex(s).ok_or_else(|| {
                format!("Invalid nfprobe_ifindex or sfprobe_ifindex value '{s}'")
            })?),
        };
        let direction = scope.str(key::SFPROBE_DIRECTION).map(|d| match d {
            "in" => Direction::In,
            "out" => Direction::Out,
            "tag" => Direction::Tag,
            _ => Direction::Tag2,
        });
        // pmacctd cancels the probe's external sampling when it renormalizes.
        let ext = if scope.bool(key::PMACCTD_RENORMALIZE) {
            0
        } else {
            scope.u64(key::PMACCTD_EXT_SAMPLING_RATE).unwrap_or(0)
        };
        let sampling_rate = scope
            .u64(key::SAMPLING_RATE)
            .filter(|&r| r > 0)
            .unwrap_or(if ext > 0 { ext } else { 1 })
            .min(u64::from(u32::MAX)) as u32;
        let if_speed = if scope.is_set(key::SFPROBE_IFSPEED) {
            // 1.7.7: strtoll(v, NULL, 0) into a u_int64_t (hex and octal too, the rest of the
            // text ignored, a negative number wrapping).
            let s = scope.get(key::SFPROBE_IFSPEED).unwrap_or_default();
            pmacct_config::c_strtol0(s).0 as u64
        } else {
            100_000_000
        };
        let first_ifindex = match ifindex {
            Some(IfIndex::Static(n)) => n,
            _ => 1,
        };
        // 1.7.7 reads the sub-agent id as a number (its documented 1402 is not the default).
        let sub_id = if scope.is_set(key::SFPROBE_AGENTSUBID) {
            scope.u64(key::SFPROBE_AGENTSUBID).unwrap_or(0) as u32
        } else {
            0
        };
        let networks = scope.is_set(key::NETWORKS_FILE);
        Ok(SfprobeConfig {
            name: name.to_string(),
            receiver,
            source_ip,
            ipprec: scope.u64(key::SFPROBE_IPPREC).unwrap_or(0).min(7) as u8,
            sndbuf: scope
                .u64(key::PLUGIN_PIPE_SIZE)
                .filter(|&n| n > 0)
                .map(|n| n.min(i32::MAX as u64) as usize),
            agent: AgentOptions {
                agent_ip,
                sub_id,
                sampling_rate,
                ext_sampled: ext > 0,
                first_ifindex,
                if_speed,
            },
            direction,
            ifindex,
            ifindex_override: scope.bool(key::SFPROBE_IFINDEX_OVERRIDE),
            tag_element: scope.is_set(key::PRE_TAG_MAP),
            gateway_element: networks
                || scope.str(key::NFACCTD_AS).is_some_and(|v| {
                    matches!(v.trim().to_ascii_lowercase().as_str(), "bgp" | "bmp")
                }),
            router_element: networks
                || scope.u64(key::NETWORKS_MASK).is_some_and(|m| m > 0)
                || scope.is_set(key::NFACCTD_NET),
        })
    }
}

/// The export socket: from `sfprobe_source_ip`, connected to the receiver (multicast: TTL
/// 1, the system's default 1.7.7 keeps).
fn connect(cfg: &SfprobeConfig) -> anyhow::Result<UdpSocket> {
    export_socket(cfg.receiver, cfg.source_ip, cfg.ipprec, cfg.sndbuf, None)
}

fn secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs()
}

pub struct SfprobePlugin {
    cfg: SfprobeConfig,
    log: PluginLog,
    agent: Agent,
    sock: UdpSocket,
    /// A frame's bytes as the core copies them (a dummy Ethernet header before frames
    /// without one).
    scratch: [u8; PAYLOAD_MAX],
    datagrams: u64,
    send_errors: u64,
    samples: u64,
}

impl SfprobePlugin {
    pub fn new(cfg: SfprobeConfig, now: SystemTime) -> anyhow::Result<SfprobePlugin> {
        SfprobePlugin::with_log(cfg, now, default_sink())
    }

    pub fn with_log(
        cfg: SfprobeConfig,
        now: SystemTime,
        sink: LogSink,
    ) -> anyhow::Result<SfprobePlugin> {
        let log = PluginLog::new(&cfg.name, "sfprobe", sink);
        let sock = connect(&cfg)?;
        plugin_log!(
            log,
            Info,
            "Exporting flows to [{}]:{}",
            cfg.receiver.ip(),
            cfg.receiver.port()
        );
        plugin_log!(log, Info, "Sampling at: 1/{}", cfg.agent.sampling_rate);
        Ok(SfprobePlugin {
            agent: Agent::new(cfg.agent.clone(), secs(now)),
            cfg,
            log,
            sock,
            scratch: [0; PAYLOAD_MAX],
            datagrams: 0,
            send_errors: 0,
            samples: 0,
        })
    }

    /// `readPacket()`: one frame the core accounted, with the input and output ifIndex the
    /// capture named (uacctd's NFLOG interfaces; 0 when unknown, always so in pmacctd), and
    /// the flow the core accounted for it after the plugin's stages (tags, networks).
    fn packet(&mut self, data: &[u8], linktype: u32, wirelen: u32, ifindex: [u32; 2], flow: &Flow) {
        let Some(l2) = frame_l2(linktype, data) else {
            return;
        };
        // The core's copy: at most 256 bytes, behind a zeroed Ethernet header carrying the
        // network protocol when the frame has no MAC header (which the plugin strips again,
        // taking the protocol from it).
        let (buf, cap_len, stripped_etype): (&[u8], usize, Option<u16>) = if l2.has_mac {
            let n = data.len().min(PAYLOAD_MAX);
            (&data[..n], n, None)
        } else {
            let n = data.len().min(PAYLOAD_MAX - 14);
            self.scratch[..n].copy_from_slice(&data[..n]);
            (&self.scratch[..n], n, Some(l2.etype))
        };
        // A real Ethernet header whose MACs are all zero is stripped as well (1.7.7 tells
        // its dummy header by the zeroed addresses).
        let (buf, cap_len, pkt_len, stripped_etype) = match stripped_etype {
            Some(et) => (buf, cap_len, wirelen, Some(et)),
            None if buf.len() >= 14 && buf[..12] == [0; 12] => (
                &buf[14..],
                cap_len - 14,
                wirelen.saturating_sub(14),
                Some(u16::from_be_bytes([buf[12], buf[13]])),
            ),
            None => (buf, cap_len, wirelen, None),
        };
        let (tag, tag2) = (flow.prims.tag, flow.prims.tag2);
        // A tag (tag2) of 1 is ingress, 2 egress, anything else ingress.
        let by_tag = |t: u64| usize::from(t == 2);
        let dir = match self.cfg.direction {
            Some(Direction::Out) => 1usize,
            Some(Direction::Tag) => by_tag(tag),
            Some(Direction::Tag2) => by_tag(tag2),
            _ => 0,
        };
        // The ifIndex a tag gives (1.7.7 truncates the 64-bit tag).
        let tag_ifindex = match self.cfg.ifindex {
            Some(IfIndex::Tag) => Some(tag as u32),
            Some(IfIndex::Tag2) => Some(tag2 as u32),
            _ => None,
        };
        // The counted interface: the capture's in the sample's direction, else (or with
        // the override) `sfprobe_ifindex` or the tag it names, else unknown.
        let mut if_index = ifindex[dir];
        if if_index == 0 || self.cfg.ifindex_override {
            let n = match self.cfg.ifindex {
                Some(IfIndex::Static(n)) => n,
                _ => tag_ifindex.unwrap_or(0),
            };
            if n != 0 {
                if_index = n;
            }
        }
        if if_index == 0 {
            if_index = IFINDEX_UNKNOWN;
        }
        let counted = self.agent.count(if_index, dir, pkt_len, buf);
        if !self.agent.take_sample() {
            return;
        }
        // The sample's ports: the capture's interfaces where it named them (whatever the
        // override), else the counted interface on the sample's side (a tag-typed ifindex
        // gives the tag, 0 included), else unknown.
        let side = tag_ifindex.unwrap_or(counted);
        let port = |i: usize| match ifindex[i] {
            0 if dir == i => side,
            0 => IFINDEX_UNKNOWN,
            n => n,
        };
        let (input, output) = (port(0), port(1));
        let header_protocol = match stripped_etype {
            Some(0x0800) => 11,
            Some(0x86dd) => 12,
            _ => 1,
        };
        let header_len = cap_len.min(pkt_len as usize).min(HEADER_MAX);
        let (vlan, prio) = l2
            .vlan_tci
            .map_or((0, 0), |t| (u32::from(t & 0x0fff), u32::from(t >> 13)));
        let switch = if dir == 0 {
            [vlan, prio, 0, 0]
        } else {
            [0, 0, vlan, prio]
        };
        let fs = FlowSample {
            input,
            output,
            header_protocol,
            frame_length: pkt_len.wrapping_add(FCS),
            stripped: FCS,
            header: &buf[..header_len],
            switch,
            tag: self.cfg.tag_element.then_some([tag, tag2]),
            gateway: self.cfg.gateway_element.then_some(Gateway {
                nexthop: flow.prims.peer_dst_ip,
                src_as: flow.prims.src_as,
                dst_as: flow.prims.dst_as,
            }),
            router: self.cfg.router_element.then_some([
                u32::from(flow.prims.src_mask),
                u32::from(flow.prims.dst_mask),
            ]),
        };
        let (sock, log) = (&self.sock, &self.log);
        let mut sent = 0u64;
        let mut errs = 0u64;
        self.agent
            .write_flow_sample(&fs, &mut |d| match sock.send(d) {
                Ok(_) => sent += 1,
                Err(e) => {
                    if errs == 0 {
                        plugin_log!(log, Warn, "send() failed: {e}");
                    }
                    errs += 1;
                }
            });
        self.samples += 1;
        self.datagrams += sent;
        self.send_errors += errs;
    }

    fn tick(&mut self, now: u64, flush: bool) {
        let (sock, log) = (&self.sock, &self.log);
        let mut sent = 0u64;
        let mut errs = 0u64;
        let mut send = |d: &[u8]| match sock.send(d) {
            Ok(_) => sent += 1,
            Err(e) => {
                if errs == 0 {
                    plugin_log!(log, Warn, "send() failed: {e}");
                }
                errs += 1;
            }
        };
        self.agent.tick_to(now, &mut send);
        if flush {
            self.agent.send(&mut send);
        }
        self.datagrams += sent;
        self.send_errors += errs;
    }
}

impl Plugin for SfprobePlugin {
    fn name(&self) -> &str {
        &self.cfg.name
    }

    fn kind(&self) -> &'static str {
        "sfprobe"
    }

    fn takes_datagrams(&self) -> bool {
        true
    }

    fn process_batch(&mut self, _flows: &[Flow], _custom: &[CustomValues]) {}

    fn process_datagrams(&mut self, batch: &DatagramBatch, _tags: &[Option<u64>]) {
        let none = Flow::default();
        for f in batch.frames() {
            self.packet(
                f.data,
                f.linktype,
                f.wirelen,
                [f.ifindex_in, f.ifindex_out],
                &none,
            );
        }
        // 1.7.7 ticks its agent when its pipe runs dry.
        self.tick(secs(SystemTime::now()), false);
    }

    fn takes_frame_flows(&self) -> bool {
        true
    }

    /// Frames a stage filtered out (aggregate_filter, pre_tag_filter, pre_tag2_filter)
    /// never reach 1.7.7's plugin: not counted, not in the sample pool.
    fn process_frames(&mut self, batch: &DatagramBatch, flows: &[Option<Flow>]) {
        for (f, flow) in batch.frames().zip(flows) {
            if let Some(flow) = flow {
                self.packet(
                    f.data,
                    f.linktype,
                    f.wirelen,
                    [f.ifindex_in, f.ifindex_out],
                    flow,
                );
            }
        }
        self.tick(secs(SystemTime::now()), false);
    }

    fn next_purge(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.agent.now() + 1)
    }

    /// Every second (1.7.7 ticks on its next read, or after a minute idle): the pending
    /// datagram goes, counters are polled.
    fn purge(&mut self, now: SystemTime) -> anyhow::Result<()> {
        self.tick(secs(now), false);
        Ok(())
    }

    /// The pending samples go out (1.7.7 exits without sending them).
    fn shutdown(&mut self, now: SystemTime) -> anyhow::Result<()> {
        plugin_log!(self.log, Warn, "Shutting down on user request.");
        self.tick(secs(now), true);
        Ok(())
    }

    fn counters(&self) -> PluginCounters {
        PluginCounters {
            purged_records: self.samples,
            ..PluginCounters::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(text: &str) -> Result<SfprobeConfig, String> {
        let l = pmacct_config::parse_str(
            pmacct_config::Daemon::Pmacctd,
            Some("c.conf"),
            &format!("plugins: sfprobe[s]\n{text}"),
            &[],
        )
        .map_err(|e| format!("{e:?}"))?;
        SfprobeConfig::from_scope("s", &l.config.plugins[0].scope)
    }

    #[test]
    fn defaults_as_1_7_7() {
        let c = cfg("").unwrap();
        assert_eq!(c.receiver, "127.0.0.1:6343".parse().unwrap());
        assert_eq!(c.agent.agent_ip, IpAddr::from([127, 0, 0, 1]));
        assert_eq!(c.agent.sub_id, 0);
        assert_eq!(c.agent.sampling_rate, 1);
        assert_eq!(c.agent.first_ifindex, 1);
        let c = cfg("sfprobe_agentsubid: 9\nsampling_rate: 10\nsfprobe_ifindex: 5\nsfprobe_agentip: 192.0.2.1\n").unwrap();
        assert_eq!(
            (c.agent.sub_id, c.agent.sampling_rate, c.agent.first_ifindex),
            (9, 10, 5)
        );
        assert!(!(c.tag_element || c.gateway_element || c.router_element));
        let c = cfg("pre_tag_map: /x\nnetworks_file: /y\n").unwrap();
        assert!(c.tag_element && c.gateway_element && c.router_element);
        let c = cfg("pmacctd_as: bgp\n").unwrap();
        assert!(c.gateway_element && !c.router_element);
        let c = cfg("pmacctd_as: longest\npmacctd_net: longest\n").unwrap();
        assert!(!c.gateway_element && c.router_element);
        assert!(cfg("sfprobe_agentip: host.example\n").is_err());
    }

    /// uacctd's names of the sampling keys (fields shared with pmacctd's).
    #[test]
    fn uacctd_sampling_keys() {
        let c = |text: &str| {
            let l = pmacct_config::parse_str(
                pmacct_config::Daemon::Uacctd,
                Some("u.conf"),
                &format!("plugins: sfprobe[s]\n{text}"),
                &[],
            )
            .unwrap();
            SfprobeConfig::from_scope("s", &l.config.plugins[0].scope).unwrap()
        };
        let a = c("uacctd_ext_sampling_rate: 4\n").agent;
        assert_eq!((a.sampling_rate, a.ext_sampled), (4, true));
        let a = c("uacctd_ext_sampling_rate: 4\nuacctd_renormalize: true\n").agent;
        assert_eq!((a.sampling_rate, a.ext_sampled), (1, false));
    }

    /// NFLOG's interfaces go into the samples as 1.7.7 puts them (the capture's side wins,
    /// a side without one is the counted interface in the sample's direction).
    #[test]
    fn capture_interfaces_in_samples() {
        let sink = UdpSocket::bind("127.0.0.1:0").unwrap();
        sink.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        let port = sink.local_addr().unwrap().port();
        let c = cfg(&format!(
            "sfprobe_receiver: 127.0.0.1:{port}\nsfprobe_direction[s]: out\nsfprobe_ifindex[s]: 7\n"
        ))
        .unwrap();
        let mut p = SfprobePlugin::new(c, SystemTime::now()).unwrap();
        let mut frame = vec![0u8; 12];
        frame.extend_from_slice(&[0x08, 0x00, 0x45, 0, 0, 20]);
        frame.resize(34, 0);
        // out direction: NFLOG input 3, no output -> output is the counted interface 7
        p.packet(&frame, 1, 34, [3, 0], &Flow::default());
        // NFLOG output 5 is counted and reported
        p.packet(&frame, 1, 34, [0, 5], &Flow::default());
        p.shutdown(SystemTime::now()).unwrap();
        let mut buf = [0u8; 1500];
        let n = sink.recv(&mut buf).unwrap();
        let be = |o: usize| u32::from_be_bytes(buf[o..o + 4].try_into().unwrap());
        // header 28, then two flow samples of 40 + 24 + 24 + 20 bytes (IPv4 header, stripped)
        assert_eq!((n, be(24)), (28 + 2 * 108, 2));
        assert_eq!((be(28 + 28), be(28 + 32)), (3, 7));
        assert_eq!((be(136 + 28), be(136 + 32)), (IFINDEX_UNKNOWN, 5));
    }

    /// Hostile frames (any bytes, any link type, lying lengths): no panic, datagrams bounded.
    #[test]
    fn arbitrary_frames_never_panic() {
        // Every optional element, direction and ifIndex from the tags.
        let c = cfg("sfprobe_receiver: 127.0.0.1:9\npre_tag_map: /x\nnetworks_file: /y\nsfprobe_direction[s]: tag\nsfprobe_ifindex[s]: tag2\n").unwrap();
        let mut p = SfprobePlugin::new(c, SystemTime::now()).unwrap();
        let mut fl = Flow::default();
        let mut x = 0x1234_5678u32;
        let mut rnd = || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x
        };
        let mut f = [0u8; 300];
        for i in 0..20_000u32 {
            let len = (rnd() % 300) as usize;
            for b in &mut f[..len] {
                *b = rnd() as u8;
            }
            if i % 3 == 0 && len >= 14 {
                f[12] = 0x08;
                f[13] = 0x00;
                f[14.min(len - 1)] = 0x45;
            }
            let lt = [0u32, 1, 12, 101, 108, 113, 7][(rnd() % 7) as usize];
            fl.prims.tag = u64::from(rnd() % 3);
            fl.prims.tag2 = u64::from(rnd()) << 16;
            fl.prims.src_as = rnd();
            fl.prims.dst_mask = rnd() as u8;
            fl.prims.peer_dst_ip = match rnd() % 3 {
                0 => None,
                1 => Some(IpAddr::from([192, 0, 2, 1])),
                _ => Some("2001:db8::1".parse().unwrap()),
            };
            p.packet(&f[..len], lt, rnd() % 3000, [rnd() % 4, rnd() % 4], &fl);
        }
        p.shutdown(SystemTime::now()).unwrap();
    }
}
