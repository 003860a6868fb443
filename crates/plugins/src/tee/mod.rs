//! The tee plugin (nfacctd, sfacctd): replicates the export datagrams as received to the
//! receivers of a `tee_receivers` map, as pmacct 1.7.7's `tee_plugin.c`. It takes raw
//! datagrams, not flows ([`crate::Plugin::takes_datagrams`]); the daemon hands it each
//! datagram's pre_tag_map tag (evaluated on the exporter address, as 1.7.7 does for a map
//! without flow keys).
//!
//! - [`receivers`]: the map (pools, tag filters, balancing).
//! - [`send`]: the sockets (plain UDP from `tee_source_ip`, or transparent raw IP).

pub mod receivers;
pub mod send;

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use pmacct_config::{key, Scope};
use pmacct_flow::custom::CustomValues;
use pmacct_flow::Flow;

use crate::datagram::DatagramBatch;
use crate::log::{default_sink, plugin_log, LogSink, PluginLog};
use crate::{Plugin, PluginCounters, PluginMetric, MAX_PLUGIN_METRICS};
use receivers::{Limits, Pool};
use send::{Receiver, SendError, SockOptions};

/// pre_tag_map keys that make 1.7.7 dissect datagrams into one datagram per flow before
/// replicating (`PT_map_*_handler`s setting `load_ptm_res` for tee).
pub const DISSECTING_KEYS: &[&str] = &[
    "in",
    "out",
    "bgp_nexthop",
    "src_mac",
    "dst_mac",
    "vlan",
    "src_net",
    "dst_net",
    "fwdstatus",
];

/// The tee plugin's own metric series.
pub const METRICS: &[PluginMetric] = &[
    PluginMetric::Family {
        name: "pmacct_tee_datagrams_sent_total",
        kind: "counter",
        help: "Datagrams replicated to a receiver (one per receiver sent to).",
    },
    PluginMetric::Family {
        name: "pmacct_tee_send_failures_total",
        kind: "counter",
        help: "Datagrams a receiver's socket did not take (buffer full, refused, address family mismatch in transparent mode).",
    },
    PluginMetric::Family {
        name: "pmacct_tee_datagrams_total",
        kind: "counter",
        help: "Datagrams handed to the tee plugin.",
    },
    PluginMetric::Family {
        name: "pmacct_tee_receivers",
        kind: "gauge",
        help: "Receivers in the loaded tee_receivers map.",
    },
];

/// Everything the tee plugin reads from its scope.
#[derive(Debug, Clone)]
pub struct TeeConfig {
    pub name: String,
    pub receivers_path: String,
    pub limits: Limits,
    pub sock: SockOptions,
}

impl TeeConfig {
    pub fn from_scope(name: &str, scope: &Scope) -> Result<TeeConfig, String> {
        let Some(path) = scope.str(key::TEE_RECEIVERS) else {
            return Err("No receivers specified: tee_receivers is required.".into());
        };
        if scope.str(key::TEE_KAFKA_CONFIG_FILE).is_some() {
            return Err("tee_kafka_config_file: replicating to Kafka is not supported by pmacct-rs (UDP receivers only).".into());
        }
        if let Some(ptm) = scope.str(key::PRE_TAG_MAP) {
            check_pretag_map(ptm)?;
        }
        let source_ip =
            match scope.str(key::TEE_SOURCE_IP) {
                None => None,
                Some(s) => Some(s.trim().parse::<IpAddr>().map_err(|_| {
                    format!("tee_source_ip: '{s}' is not a numeric IPv4/IPv6 address")
                })?),
            };
        let pipe_size = scope
            .int(key::TEE_PIPE_SIZE)
            .filter(|&n| n > 0)
            .map(|n| n.min(i32::MAX as i64) as usize);
        let cfg = TeeConfig {
            name: name.to_string(),
            receivers_path: path.to_string(),
            limits: Limits {
                max_pools: scope.u64(key::TEE_MAX_RECEIVER_POOLS).unwrap_or(128).max(1) as usize,
                max_receivers: scope.u64(key::TEE_MAX_RECEIVERS).unwrap_or(32).max(1) as usize,
                max_entries: scope.u64(key::MAPS_ENTRIES).unwrap_or(384).max(1) as usize,
            },
            sock: SockOptions {
                source_ip,
                transparent: scope.bool(key::TEE_TRANSPARENT),
                pipe_size,
                ipprec: scope.u64(key::TEE_IPPREC).unwrap_or(0).min(7) as u8,
            },
        };
        // Read now so that --check-config and start-up refuse an unreadable map.
        std::fs::read_to_string(path).map_err(|e| format!("[{path}] cannot read map: {e}"))?;
        Ok(cfg)
    }
}

/// Refuse a pre_tag_map whose rules would make 1.7.7 dissect datagrams (not supported).
fn check_pretag_map(path: &str) -> Result<(), String> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Ok(()); // the pre_tag_map stage reports an unreadable map
    };
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.starts_with('!') || line.starts_with('#') {
            continue;
        }
        for tok in line.split_ascii_whitespace() {
            if let Some((k, _)) = tok.split_once('=') {
                let k = k.to_ascii_lowercase();
                if DISSECTING_KEYS.contains(&k.as_str()) {
                    return Err(format!(
                        "[{path}:{}] pre_tag_map key '{k}' makes pmacct 1.7.7's tee plugin dissect datagrams into single flows; dissection is not supported by pmacct-rs (use keys on the exporter, e.g. ip=)",
                        n + 1
                    ));
                }
            }
        }
    }
    Ok(())
}

#[derive(Debug, Default, Clone, Copy)]
struct Counters {
    datagrams: u64,
    sent: u64,
    failures: u64,
}

pub struct TeePlugin {
    cfg: TeeConfig,
    log: PluginLog,
    pools: Vec<Pool>,
    /// The sockets of `pools[i]`, in the order of its receivers.
    socks: Vec<Vec<Receiver>>,
    reload_gen: Arc<AtomicU64>,
    seen_gen: u64,
    next_tick: SystemTime,
    counters: Counters,
    failures_logged: u64,
    last_failure_log: Option<Instant>,
    scratch: Vec<u8>,
    /// Per receiver (as `socks`), the batch's datagrams it gets, by index; sent with one
    /// `sendmmsg` per receiver once the batch is sorted out (reused).
    pending: Vec<Vec<Vec<u16>>>,
}

impl TeePlugin {
    pub fn new(cfg: TeeConfig, now: SystemTime) -> anyhow::Result<TeePlugin> {
        TeePlugin::with_log(cfg, now, default_sink())
    }

    pub fn with_log(cfg: TeeConfig, now: SystemTime, sink: LogSink) -> anyhow::Result<TeePlugin> {
        let log = PluginLog::new(&cfg.name, "tee", sink);
        let mut p = TeePlugin {
            cfg,
            log,
            pools: Vec::new(),
            socks: Vec::new(),
            reload_gen: Arc::new(AtomicU64::new(0)),
            seen_gen: 0,
            next_tick: now + Duration::from_secs(1),
            counters: Counters::default(),
            failures_logged: 0,
            last_failure_log: None,
            scratch: Vec::with_capacity(65_600),
            pending: Vec::new(),
        };
        let (pools, socks) = p.load().map_err(anyhow::Error::msg)?;
        p.pools = pools;
        p.socks = socks;
        Ok(p)
    }

    /// Read the map and open its sockets.
    fn load(&self) -> Result<(Vec<Pool>, Vec<Vec<Receiver>>), String> {
        let path = &self.cfg.receivers_path;
        plugin_log!(self.log, Info, "[{path}] (re)loading map.");
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("[{path}] cannot read map: {e}"))?;
        let log = &self.log;
        let pools = receivers::parse(path, &text, self.cfg.limits, &mut |m| {
            plugin_log!(log, Warn, "{m}")
        });
        let mut socks = Vec::with_capacity(pools.len());
        for p in &pools {
            let mut v = Vec::with_capacity(p.receivers.len());
            for &r in &p.receivers {
                let (s, sndbuf) = Receiver::open(r, p.src_port, &self.cfg.sock)
                    .map_err(|e| format!("receiver {r} (pool {}): {e}", p.id))?;
                if let Some((got, want)) = sndbuf {
                    plugin_log!(
                        self.log,
                        Info,
                        "tee_pipe_size: obtained={got} target={want}."
                    );
                }
                plugin_log!(self.log, Debug, "PoolID={} receiver={} ", p.id, r.ip());
                v.push(s);
            }
            socks.push(v);
        }
        plugin_log!(self.log, Info, "[{path}] map successfully (re)loaded.");
        Ok((pools, socks))
    }

    fn maybe_reload(&mut self) {
        let g = self.reload_gen.load(Ordering::Acquire);
        if g == self.seen_gen {
            return;
        }
        self.seen_gen = g;
        match self.load() {
            Ok((pools, socks)) => {
                self.pools = pools;
                self.socks = socks;
            }
            Err(e) => plugin_log!(self.log, Error, "{e}: keeping the receivers loaded before"),
        }
    }

    fn failed(&mut self, agent: SocketAddr, to: SocketAddr, e: SendError) {
        self.counters.failures += 1;
        // The first failure, then at most one line every 10 s with the count.
        let due = self
            .last_failure_log
            .is_none_or(|t| t.elapsed() >= Duration::from_secs(10));
        if !due {
            return;
        }
        self.last_failure_log = Some(Instant::now());
        let n = self.counters.failures - self.failures_logged;
        self.failures_logged = self.counters.failures;
        match e {
            SendError::FamilyMismatch => plugin_log!(
                self.log,
                Error,
                "Can't bridge Address Families when in transparent mode ({n} datagrams not sent since the last report)"
            ),
            SendError::Io(e) => plugin_log!(
                self.log,
                Error,
                "send() from [{}:{}] to [{}:{}] failed ({e}); {n} datagrams not sent since the last report",
                agent.ip(),
                agent.port(),
                to.ip(),
                to.port()
            ),
        }
    }

    fn receiver_count(&self) -> u64 {
        self.socks.iter().map(|s| s.len() as u64).sum()
    }
}

impl Plugin for TeePlugin {
    fn name(&self) -> &str {
        &self.cfg.name
    }

    fn kind(&self) -> &'static str {
        "tee"
    }

    fn process_batch(&mut self, _flows: &[Flow], _custom: &[CustomValues]) {}

    fn takes_datagrams(&self) -> bool {
        true
    }

    fn process_datagrams(&mut self, batch: &DatagramBatch, tags: &[Option<u64>]) {
        self.maybe_reload();
        let ipprec = self.cfg.sock.ipprec;
        let mut scratch = std::mem::take(&mut self.scratch);
        let mut pending = std::mem::take(&mut self.pending);
        pending.resize_with(self.socks.len(), Vec::new);
        for (p, s) in pending.iter_mut().zip(&self.socks) {
            p.resize_with(s.len(), Vec::new);
            p.iter_mut().for_each(Vec::clear);
        }
        for (i, (agent, payload)) in batch.iter().enumerate() {
            self.counters.datagrams += 1;
            // No stage: tag 0; a stage that filtered the datagram out: None.
            let tag = match tags.get(i) {
                None => 0,
                Some(None) => continue,
                Some(Some(t)) => *t,
            };
            for (pi, pool_pending) in pending.iter_mut().enumerate() {
                if !self.pools[pi].tag_filter.allows(tag) {
                    continue;
                }
                let (from, to) = if self.pools[pi].balance.is_none() {
                    (0, self.socks[pi].len())
                } else {
                    let k = self.pools[pi].pick(agent.ip(), tag);
                    (k, k + 1)
                };
                // By index: a failed send logs through `self` (no borrow of `socks` held).
                #[allow(clippy::needless_range_loop)]
                for ri in from..to.min(self.socks[pi].len()) {
                    let r = &self.socks[pi][ri];
                    if !r.is_transparent() && i <= usize::from(u16::MAX) {
                        pool_pending[ri].push(i as u16);
                        continue;
                    }
                    let dest = r.dest;
                    match r.send(agent, payload, ipprec, &mut scratch) {
                        Ok(()) => self.counters.sent += 1,
                        Err(e) => self.failed(agent, dest, e),
                    }
                }
            }
        }
        // Each receiver's datagrams in the batch's order, a few system calls each.
        for (pi, per_pool) in pending.iter().enumerate() {
            for (ri, idx) in per_pool.iter().enumerate() {
                if idx.is_empty() {
                    continue;
                }
                let r = &self.socks[pi][ri];
                let mut payloads = idx.iter().filter_map(|&i| batch.get(usize::from(i)));
                let (sent, err) = r.send_many(&mut payloads);
                self.counters.sent += sent as u64;
                if let Some(e) = err {
                    // The first datagram not sent names the exporter in the log line; the
                    // others of this receiver count as failures too.
                    let agent = batch
                        .get_src(usize::from(idx[sent]))
                        .unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 0)));
                    let dest = r.dest;
                    self.counters.failures += (idx.len() - sent - 1) as u64;
                    self.failed(agent, dest, SendError::Io(e));
                }
            }
        }
        self.scratch = scratch;
        self.pending = pending;
    }

    fn reloader(&self) -> Option<Box<dyn FnMut() -> Result<(), String> + Send>> {
        let g = self.reload_gen.clone();
        Some(Box::new(move || {
            g.fetch_add(1, Ordering::AcqRel);
            Ok(())
        }))
    }

    fn next_purge(&self) -> SystemTime {
        self.next_tick
    }

    /// Nothing is cached: the tick applies a pending SIGUSR2 reload.
    fn purge(&mut self, now: SystemTime) -> anyhow::Result<()> {
        self.maybe_reload();
        self.next_tick = now + Duration::from_secs(1);
        Ok(())
    }

    fn shutdown(&mut self, _now: SystemTime) -> anyhow::Result<()> {
        let c = self.counters;
        plugin_log!(
            self.log,
            Info,
            "datagrams={} sent={} send_failures={}",
            c.datagrams,
            c.sent,
            c.failures
        );
        Ok(())
    }

    fn counters(&self) -> PluginCounters {
        let mut extra = [0u64; MAX_PLUGIN_METRICS];
        extra[0] = self.counters.sent;
        extra[1] = self.counters.failures;
        extra[2] = self.counters.datagrams;
        extra[3] = self.receiver_count();
        PluginCounters {
            extra,
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests;
