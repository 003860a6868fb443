//! The nfprobe plugin (pmacctd): turns the packets the core accounts into NetFlow v5, v9 or
//! IPFIX flows, as pmacct 1.7.7's softflowd-derived nfprobe plugin does.
//!
//! - [`cache`]: the bidirectional flow cache and its expiry queue (`nfprobe_timeouts`,
//!   `nfprobe_maxflows`, `nfprobe_dont_cache`).
//! - [`export`]: the datagrams (v5; v9/IPFIX templates, options, 512-byte datagrams).
//!
//! Reading a savefile, flows are never timed out (packet times are not the clock): they go
//! when the cache is over `nfprobe_maxflows`, when they outlive `maxlife`, and all at the
//! end, as in 1.7.7.

pub mod cache;
pub mod export;

use std::net::{IpAddr, SocketAddr, ToSocketAddrs, UdpSocket};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use pmacct_config::{key, Scope};
use pmacct_flow::custom::CustomValues;
use pmacct_flow::Flow;

use crate::log::{default_sink, plugin_log, LogSink, PluginLog};
use crate::{Plugin, PluginCounters};
use cache::{CacheOptions, Direction, FlowCache, FlowRec, IfIndex, Scan};
use export::{ExportOptions, Exporter, Fields, Stamps};

#[derive(Debug, Clone)]
pub struct NfprobeConfig {
    pub name: String,
    pub receiver: SocketAddr,
    pub source_ip: Option<IpAddr>,
    pub hoplimit: Option<u32>,
    pub ipprec: u8,
    pub sndbuf: Option<usize>,
    pub max_flows: u64,
    pub savefile: bool,
    pub cache: CacheOptions,
    pub export: ExportOptions,
    /// `nfprobe_timeouts` parts 1.7.7 would log and skip.
    pub warnings: Vec<String>,
}

/// Primitives 1.7.7's nfprobe exports through parts pmacct-rs has not built: refused
/// rather than silently left out of the templates.
const NOT_BUILT: &[&str] = &[
    "tag",
    "tag2",
    "label",
    "class",
    "mpls_label_top",
    "peer_dst_ip",
];

pub(crate) fn parse_hostport(s: &str) -> Result<SocketAddr, String> {
    let s = s.trim();
    if let Ok(a) = s.parse::<SocketAddr>() {
        return Ok(a);
    }
    s.to_socket_addrs()
        .ok()
        .and_then(|mut i| i.next())
        .ok_or_else(|| format!("'{s}' is not a host:port (or [ipv6]:port)"))
}

impl NfprobeConfig {
    pub fn from_scope(name: &str, scope: &Scope) -> Result<NfprobeConfig, String> {
        // 1.7.7 falls back to IPFIX on an unknown version.
        let version = match scope.int(key::NFPROBE_VERSION).unwrap_or(10) {
            5 => 5u8,
            9 => 9,
            _ => 10,
        };
        let receiver = parse_hostport(scope.get(key::NFPROBE_RECEIVER).unwrap_or("127.0.0.1:2100"))
            .map_err(|e| format!("nfprobe_receiver: {e}"))?;
        let source_ip = match scope.str(key::NFPROBE_SOURCE_IP) {
            None => None,
            Some(s) => Some(s.trim().parse::<IpAddr>().map_err(|_| {
                format!("nfprobe_source_ip: '{s}' is not a numeric IPv4/IPv6 address")
            })?),
        };
        let (engine_type, engine_id) = match scope.str(key::NFPROBE_ENGINE) {
            None => (0, 0),
            Some(e) => {
                let e = e.trim();
                if let Some((t, i)) = e.split_once(':') {
                    if version != 5 {
                        return Err("parse_engine(): engine_type:engine_id is only supported on NetFlow v5 export.".into());
                    }
                    (atoi(t) as u8, atoi(i) as u32)
                } else {
                    if version == 5 {
                        return Err("parse_engine(): source_id is only supported on NetFlow v9/IPFIX exports.".into());
                    }
                    (0, atoi(e) as u32)
                }
            }
        };
        let (timeouts, warnings) = match scope.str(key::NFPROBE_TIMEOUTS) {
            Some(s) => cache::parse_timeouts(s),
            None => (cache::Timeouts::default(), Vec::new()),
        };
        let direction = scope.str(key::NFPROBE_DIRECTION).map(|d| match d {
            "in" => Direction::In,
            "out" => Direction::Out,
            "tag" => Direction::Tag,
            _ => Direction::Tag2,
        });
        let ifindex = match scope.str(key::NFPROBE_IFINDEX) {
            None => None,
            Some(s) => Some(parse_ifindex(s).ok_or_else(|| {
                format!("Invalid nfprobe_ifindex or sfprobe_ifindex value '{s}'")
            })?),
        };
        let fields = if scope.is_set(key::AGGREGATE) {
            let agg = scope.list(key::AGGREGATE).unwrap_or_default();
            if let Some(p) = agg.iter().find(|p| NOT_BUILT.contains(&p.as_str())) {
                return Err(format!(
                    "aggregate: '{p}' is exported by pmacct 1.7.7's nfprobe but not yet by pmacct-rs's"
                ));
            }
            let has = |n: &str| agg.iter().any(|p| p == n);
            let f = Fields {
                src_host: has("src_host"),
                dst_host: has("dst_host"),
                src_mask: has("src_mask"),
                dst_mask: has("dst_mask"),
                src_port: has("src_port"),
                dst_port: has("dst_port"),
                tos: has("tos"),
                proto: has("proto"),
                src_as: has("src_as"),
                dst_as: has("dst_as"),
                src_mac: has("src_mac"),
                dst_mac: has("dst_mac"),
                vlan: has("vlan"),
                flows: has("flows"),
            };
            // 1.7.7 falls back to its defaults only on an empty aggregate: one of
            // primitives it does not export (`in_iface`...) gives a template without them.
            if agg.is_empty() {
                Fields::DEFAULT
            } else {
                f
            }
        } else {
            Fields::DEFAULT
        };
        let stamps = if scope.bool(key::NFPROBE_TSTAMP_USEC) {
            Stamps::Usec
        } else if version == 9 && scope.bool(key::TIMESTAMPS_SECS) {
            Stamps::Uptime
        } else {
            Stamps::Msec
        };
        // pmacctd cancels the probe's sampling information when it renormalizes.
        let ext = if scope.bool(key::PMACCTD_RENORMALIZE) {
            0
        } else {
            scope.u64(key::PMACCTD_EXT_SAMPLING_RATE).unwrap_or(0)
        };
        let sampling_rate = scope
            .u64(key::SAMPLING_RATE)
            .filter(|&r| r > 0)
            .unwrap_or(ext)
            .min(u64::from(u32::MAX)) as u32;
        Ok(NfprobeConfig {
            name: name.to_string(),
            receiver,
            source_ip,
            hoplimit: scope.u64(key::NFPROBE_HOPLIMIT).map(|h| h as u32),
            ipprec: scope.u64(key::NFPROBE_IPPREC).unwrap_or(0).min(7) as u8,
            sndbuf: scope
                .u64(key::PLUGIN_PIPE_SIZE)
                .filter(|&n| n > 0)
                .map(|n| n.min(i32::MAX as u64) as usize),
            max_flows: scope
                .u64(key::NFPROBE_MAXFLOWS)
                .filter(|&n| n > 0)
                .unwrap_or(8192),
            savefile: scope.str(key::PCAP_SAVEFILE).is_some(),
            cache: CacheOptions {
                timeouts,
                direction,
                ifindex,
                ifindex_override: scope.bool(key::NFPROBE_IFINDEX_OVERRIDE),
                dont_cache: scope.bool(key::NFPROBE_DONT_CACHE),
                v5: version == 5,
            },
            export: ExportOptions {
                version,
                engine_type,
                engine_id,
                fields,
                stamps,
                sampling_rate,
                source_ip,
            },
            warnings,
        })
    }
}

/// C's atoi: leading digits, 0 when none.
fn atoi(s: &str) -> u64 {
    let s = s.trim();
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    s[..end].parse().unwrap_or(0)
}

/// `nfprobe_ifindex`: `tag`, `tag2` or a non-zero number (decimal, 0x hex or 0 octal).
pub fn parse_ifindex(s: &str) -> Option<IfIndex> {
    let s = s.trim().to_ascii_lowercase();
    match s.as_str() {
        "tag" => Some(IfIndex::Tag),
        "tag2" => Some(IfIndex::Tag2),
        _ => {
            let n = if let Some(h) = s.strip_prefix("0x") {
                u32::from_str_radix(h, 16).ok()?
            } else if s.len() > 1 && s.starts_with('0') {
                u32::from_str_radix(&s[1..], 8).ok()?
            } else {
                s.parse().ok()?
            };
            (n != 0).then_some(IfIndex::Static(n))
        }
    }
}

/// The export socket: from `nfprobe_source_ip`, connected to the receiver.
fn connect(cfg: &NfprobeConfig) -> anyhow::Result<UdpSocket> {
    export_socket(
        cfg.receiver,
        cfg.source_ip,
        cfg.ipprec,
        cfg.sndbuf,
        cfg.hoplimit,
    )
}

/// A probe's export socket (nfprobe, sfprobe): bound to `source_ip` when set, connected to
/// the receiver, IP precedence `ipprec`, send buffer `sndbuf`.
pub(crate) fn export_socket(
    receiver: SocketAddr,
    source_ip: Option<IpAddr>,
    ipprec: u8,
    sndbuf: Option<usize>,
    hoplimit: Option<u32>,
) -> anyhow::Result<UdpSocket> {
    use socket2::{Domain, Protocol, Socket, Type};
    let dom = if receiver.is_ipv4() {
        Domain::IPV4
    } else {
        Domain::IPV6
    };
    let s = Socket::new(dom, Type::DGRAM, Some(Protocol::UDP))?;
    if ipprec > 0 && receiver.is_ipv4() {
        s.set_tos(u32::from(ipprec) << 5)?;
    }
    if let Some(n) = sndbuf {
        s.set_send_buffer_size(n)?;
    }
    if let Some(ip) = source_ip {
        s.bind(&SocketAddr::new(ip, 0).into())
            .map_err(|e| anyhow::anyhow!("bind() failed: {e}"))?;
    }
    s.connect(&receiver.into())
        .map_err(|e| anyhow::anyhow!("connect() failed: {e}"))?;
    // Multicast receivers default to link-local scope, as 1.7.7.
    let hop = hoplimit.or_else(|| receiver.ip().is_multicast().then_some(1));
    if let Some(h) = hop {
        if receiver.is_ipv4() {
            s.set_multicast_ttl_v4(h)?;
        } else {
            s.set_multicast_hops_v6(h)?;
        }
    }
    Ok(s.into())
}

fn tv(t: SystemTime) -> (u64, u32) {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    (d.as_secs(), d.subsec_micros())
}

pub struct NfprobePlugin {
    cfg: NfprobeConfig,
    log: PluginLog,
    cache: FlowCache,
    exporter: Exporter,
    sock: UdpSocket,
    expired: Vec<FlowRec>,
    next_check: SystemTime,
    datagrams: u64,
    send_errors: u64,
    exported_flows: u64,
}

impl NfprobePlugin {
    pub fn new(cfg: NfprobeConfig, now: SystemTime) -> anyhow::Result<NfprobePlugin> {
        NfprobePlugin::with_log(cfg, now, default_sink())
    }

    pub fn with_log(
        cfg: NfprobeConfig,
        now: SystemTime,
        sink: LogSink,
    ) -> anyhow::Result<NfprobePlugin> {
        let log = PluginLog::new(&cfg.name, "nfprobe", sink);
        plugin_log!(log, Info, "NetFlow probe plugin is originally based on softflowd 0.9.7 software, Copyright 2002 Damien Miller <djm@mindrot.org> All rights reserved.");
        for w in &cfg.warnings {
            plugin_log!(log, Error, "{w}");
        }
        let t = cfg.cache.timeouts;
        for (what, v) in [
            ("          TCP timeout", t.tcp),
            (" TCP post-RST timeout", t.tcp_rst),
            (" TCP post-FIN timeout", t.tcp_fin),
            ("          UDP timeout", t.udp),
            ("         ICMP timeout", t.icmp),
            ("      General timeout", t.general),
            ("     Maximum lifetime", t.maxlife),
            ("      Expiry interval", t.expint),
        ] {
            plugin_log!(log, Info, "{what}: {v}s");
        }
        let sock = connect(&cfg)?;
        plugin_log!(
            log,
            Info,
            "Exporting flows to [{}]:{}",
            cfg.receiver.ip(),
            cfg.receiver.port()
        );
        let exporter = Exporter::new(cfg.export.clone(), tv(now));
        Ok(NfprobePlugin {
            cache: FlowCache::new(cfg.cache),
            next_check: now + Duration::from_secs(u64::from(t.expint.max(1))),
            cfg,
            log,
            exporter,
            sock,
            expired: Vec::new(),
            datagrams: 0,
            send_errors: 0,
            exported_flows: 0,
        })
    }

    fn scan(&mut self, mode: Scan, now: SystemTime) {
        let now = tv(now);
        self.cache.expire(mode, now.0, &mut self.expired);
        if self.expired.is_empty() {
            return;
        }
        let (sock, log) = (&self.sock, &self.log);
        let (mut sent, mut errs) = (0u64, 0u64);
        self.exporter
            .export(&self.expired, now, &mut |p| match sock.send(p) {
                Ok(_) => sent += 1,
                Err(e) => {
                    if errs == 0 {
                        plugin_log!(log, Warn, "send() failed: {e}");
                    }
                    errs += 1;
                }
            });
        self.datagrams += sent;
        self.send_errors += errs;
        self.exported_flows += self.expired.len() as u64;
        self.expired.clear();
    }

    /// What 1.7.7 does between reads of its pipe: expire what is due, and force the oldest
    /// flows out while the cache holds more than `nfprobe_maxflows`.
    fn check(&mut self, now: SystemTime) {
        let secs = tv(now).0;
        if self.cache.num_flows <= self.cfg.max_flows && self.cache.next_expire(secs) != Some(0) {
            return;
        }
        let mode = if self.cfg.savefile {
            Scan::Forced
        } else {
            Scan::Normal
        };
        self.scan(mode, now);
        if self.cache.num_flows > self.cfg.max_flows {
            self.cache
                .force_expire(self.cache.num_flows - self.cfg.max_flows);
            self.scan(mode, now);
        }
    }
}

/// Flows added between two checks of the cache (expiry, `nfprobe_maxflows`).
const CHECK_EVERY: usize = 512;

impl Plugin for NfprobePlugin {
    fn name(&self) -> &str {
        &self.cfg.name
    }

    fn kind(&self) -> &'static str {
        "nfprobe"
    }

    fn process_batch(&mut self, flows: &[Flow], _custom: &[CustomValues]) {
        // 1.7.7 checks between reads of its pipe, a buffer of records at a time: ours
        // every CHECK_EVERY flows, so that the cache overshoots nfprobe_maxflows by that
        // much at most whatever the size of the core's batches.
        for chunk in flows.chunks(CHECK_EVERY) {
            for f in chunk {
                let t = f.prims.timestamp_start;
                self.cache.add(f, (t.secs, t.usecs));
            }
            self.check(SystemTime::now());
        }
    }

    fn next_purge(&self) -> SystemTime {
        self.next_check
    }

    fn purge(&mut self, now: SystemTime) -> anyhow::Result<()> {
        self.check(now);
        let wait_ms = self
            .cache
            .next_expire(tv(now).0)
            .unwrap_or(u64::MAX)
            .clamp(100, u64::from(self.cfg.cache.timeouts.expint.max(1)) * 1000);
        self.next_check = now + Duration::from_millis(wait_ms);
        Ok(())
    }

    fn shutdown(&mut self, now: SystemTime) -> anyhow::Result<()> {
        plugin_log!(self.log, Info, "Shutting down on user request.");
        self.scan(Scan::All, now);
        Ok(())
    }

    fn counters(&self) -> PluginCounters {
        PluginCounters {
            purged_records: self.exported_flows,
            cache_entries: self.cache.len() as u64,
            cache_dropped: self.cache.stats.bad_packets,
            ..PluginCounters::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ifindex_values() {
        assert_eq!(parse_ifindex("TAG2"), Some(IfIndex::Tag2));
        assert_eq!(parse_ifindex("0x10"), Some(IfIndex::Static(16)));
        assert_eq!(parse_ifindex("010"), Some(IfIndex::Static(8)));
        assert_eq!(parse_ifindex("0"), None);
        assert_eq!(parse_ifindex("eth0"), None);
        assert_eq!(atoi("12abc"), 12);
    }
}
