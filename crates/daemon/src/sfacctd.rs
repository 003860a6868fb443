//! sfacctd: the sFlow v2/v4/v5 collector profile (its decoder, socket, renormalization and
//! counter-sample log), on the daemon-generic collector.
//!
//! What is sFlow-specific, as sfacctd 1.7.7 does it:
//! - each flow sample is one flow (`producer::sflow::flow`): packets 1, bytes = sampled frame
//!   length, `peer_src_ip` = the agent address of the datagram header;
//! - `sfacctd_renormalize` scales a sample by the effective rate of its data source, from the
//!   sample pool and sample sequence deltas of the previous sample of the same source
//!   (falling back to the announced rate), not simply by the announced rate; with
//!   `sfacctd_ext_sampling_rate` the core scales by that rate instead;
//! - samples carry no time: live they are binned (`*_history`) by the plugin's clock; read
//!   from `pcap_savefile` without `sfacctd_time_new`, by the packet's capture time;
//! - counter samples are not accounted; with `sfacctd_counter_file` they are written as JSON
//!   lines in 1.7.7's format (`log_init` per agent, one `log` line per counter record).

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::Write;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use pmacct_config::{key, Daemon, Scope};
use pmacct_flow::flow::Flow;
use pmacct_flow::producer::{self, sflow::Renormalizer};
use pmacct_flow::TimestampOptions;
use pmacct_wire::sflow::{datagram_header, CounterRecord, CounterSample, LeadSample, SflowSample};
use pmacct_wire::{FlowRecord, LeadFields, SflowDecoder, Timestamp};

use crate::collector::{self, Input, Profile};
use crate::core::{Datagram, DatagramSummary, Decoder, DropCounters, FlowSink};
use crate::plog;
use crate::runtime::Source;

pub const PROFILE: Profile = Profile {
    daemon: Daemon::Sfacctd,
    flow_daemon: pmacct_flow::Daemon::Sfacctd,
    title: "sFlow Accounting Daemon, sfacctd",
    usage,
    input,
};

/// sfacctd's `-h` is nfacctd's with the name changed (pmacct shares one text too).
fn usage() -> String {
    (crate::nfacctd::PROFILE.usage)().replace("nfacctd", "sfacctd")
}

/// Counts about counter samples, shared by the workers (tests, stats).
#[derive(Debug, Default)]
pub struct CounterStats {
    pub samples: AtomicU64,
    pub records: AtomicU64,
    pub lines: AtomicU64,
}

/// sFlow datagrams -> flows; counter samples -> the counter log.
pub struct SflowSource {
    decoder: SflowDecoder,
    /// `sfacctd_renormalize` on: its per-source state.
    renormalizer: Option<Renormalizer>,
    /// With a `sampling_map` the map's stage renormalizes (by the map's rate, else this
    /// one): the decoder only sets `sampling_rate` to the source's effective rate.
    rate_only: bool,
    use_ip_next_hop: bool,
    /// This worker's counter log (see [`CounterLog::for_worker`]).
    counter_log: Option<CounterLog>,
    counter_stats: Arc<CounterStats>,
    /// Bin samples by the datagram's time (a savefile's packet time) rather than the
    /// plugin's clock: sfacctd 1.7.7 reading `pcap_savefile` without `sfacctd_time_new`.
    capture_time: bool,
}

impl SflowSource {
    pub fn new(
        renormalize: bool,
        use_ip_next_hop: bool,
        counter_log: Option<CounterLog>,
        counter_stats: Arc<CounterStats>,
    ) -> SflowSource {
        SflowSource {
            // Renormalizing reads each sample's pool and sequence: no lead without its sample.
            decoder: SflowDecoder::new().with_whole_samples(renormalize),
            renormalizer: renormalize.then(Renormalizer::new),
            rate_only: false,
            use_ip_next_hop,
            counter_log,
            counter_stats,
            capture_time: false,
        }
    }

    /// sfacctd 1.7.7 on a savefile without `sfacctd_time_new`: a sample's time is the
    /// packet's capture time (`recvfrom_savefile` fills the sample's `ts`, which
    /// `SF_counters_handler` makes its `time_start` for `*_history` bins; printed
    /// timestamps stay 0). Live, the sample has no time and the plugin's clock bins it.
    /// `sfacctd_renormalize` with a `sampling_map`: 1.7.7 renormalizes by the map's rate
    /// (`SF_counters_map_renormalize_handler`) and only where no rule matches by the
    /// sample-pool rate; the map's stage does both, from the effective rate this decoder
    /// puts in `sampling_rate` (which prints 1 after renormalization either way).
    pub fn with_sampling_map(mut self, on: bool) -> SflowSource {
        self.rate_only = on;
        self
    }

    pub fn with_capture_time(mut self, on: bool) -> SflowSource {
        self.capture_time = on;
        self
    }
}

impl Decoder for SflowSource {
    /// pmacct 1.7.7's `process_SF_raw_packet()`: versions 2, 4 and 5 with a whole header
    /// (agent address, for v5 the sub-agent id, sequence number).
    fn replicable(
        &mut self,
        d: &Datagram<'_>,
        drops: &mut DropCounters,
    ) -> Option<DatagramSummary> {
        let Some((agent, sub, seq)) = datagram_header(d.data) else {
            drops.add("tee_unknown_sflow", 1);
            return None;
        };
        Some(DatagramSummary {
            records: 0,
            domain: sub,
            sequence: Some((seq, 1)),
            agent: Some(agent),
        })
    }

    fn decode(
        &mut self,
        d: &Datagram<'_>,
        drops: &mut DropCounters,
        emit: &mut dyn FlowSink,
    ) -> Option<DatagramSummary> {
        let src = d.src.ip();
        let arrival = d.arrival;
        let nh = self.use_ip_next_hop;
        // The savefile's packet time when binning by it (None live).
        let captured = d.captured.filter(|_| self.capture_time);
        let renormalizer = &mut self.renormalizer;
        let rate_only = self.rate_only;
        let log = &mut self.counter_log;
        if let Some(log) = log.as_mut() {
            if let Some((agent, sub, _)) = datagram_header(d.data) {
                // sfacctd opens an agent's counter log at its first datagram, whatever it
                // holds.
                log.agent(agent, sub, arrival);
            }
        }
        let cstats = &self.counter_stats;
        let mut counters = 0u64;
        let counter = |cs: &CounterSample| {
            counters += 1;
            if let Some(log) = log.as_mut() {
                log.sample(cs, arrival, cstats);
            }
        };
        // What every flow gets past the producer, in its batch slot.
        // `s`: None for a plain sample's lead, which comes only without a renormalizer.
        let mut finish = |f: &mut Flow, s: Option<&SflowSample>| {
            if let Some(t) = captured {
                f.bin_time = t.secs;
                f.time_start_usecs = t.usecs;
            }
            debug_assert!(
                renormalizer.is_none() || s.is_some(),
                "a plain lead renormalized"
            );
            if let (Some(r), Some(s)) = (renormalizer.as_mut(), s) {
                if rate_only {
                    f.prims.sampling_rate = r.factor(s);
                } else {
                    r.apply(f, s);
                }
            }
        };
        // Built in place, in the batch: only its lead, from no record, when no plugin
        // reads further.
        let res = if emit.leads() {
            let flow = |l: &LeadFields, s: &LeadSample| {
                // `leads()` said lead slots are handed out: this is always `Some`.
                if let Some(f) = emit.slot_lead() {
                    producer::sflow::lead_into(l, s.sampling_rate, s.tag, f);
                    finish(f, s.sample);
                    emit.commit(None);
                }
            };
            self.decoder
                .decode_leads_with_counters(src, d.data, flow, counter)
        } else {
            let flow = |rec: &FlowRecord, s: &SflowSample| {
                let f = emit.slot();
                producer::sflow::flow_into(rec, s, arrival, nh, f);
                finish(f, Some(s));
                emit.commit(None);
            };
            self.decoder
                .decode_with_counters(src, d.data, flow, counter)
        };
        self.counter_stats
            .samples
            .fetch_add(counters, Ordering::Relaxed);
        if self.counter_log.is_none() && counters > 0 {
            // No counter backend: skipped, as sfacctd does, but not silently.
            drops.add("counter_sample_not_logged", counters);
        }
        match res {
            Ok(stats) => {
                for (reason, n) in stats.drops() {
                    drops.add(reason.as_str(), u64::from(n));
                }
                let header = datagram_header(d.data);
                let (_, sub, seq) = header.unwrap_or((src, 0, 0));
                Some(DatagramSummary {
                    records: u64::from(stats.records),
                    domain: sub,
                    sequence: Some((seq, 1)),
                    // The agent the datagram names (sequence-jump lines print it).
                    agent: header.map(|h| h.0),
                })
            }
            Err(err) => {
                drops.add(err.as_str(), 1);
                plog!(
                    Debug,
                    "default",
                    "core",
                    "dropped sFlow datagram from {}: {}",
                    src,
                    err
                );
                None
            }
        }
    }
}

/// Files the counter log may hold open at once (one per distinct `$peer_src_ip` name).
const MAX_COUNTER_FILES: usize = 1024;
/// Agents (address, sub-agent id) the counter log keeps track of; later ones are not logged.
const MAX_AGENTS: usize = 65_536;

/// `sfacctd_counter_file`: counter samples as JSON lines, as sfacctd 1.7.7 writes them
/// (`sf_cnt_log_msg()`): one `log_init` line per (agent, sub-agent id) at its first
/// datagram, then one `log` line per counter record of a v5 sample (generic, ethernet and
/// vlan records with their counters, other formats with the header fields only) or per v2/v4
/// sample of the generic, ethernet or vlan kind. `seq` numbers every line of the daemon.
/// The file name may hold `$peer_src_ip`; files are opened for append, lines written whole.
/// pmacct reopens the files on SIGHUP; we reopen a file when its name no longer leads to the
/// file we hold (rotated or removed), checked before each line, which logrotate's rename +
/// SIGHUP also satisfies.
///
/// One `CounterLog` per worker ([`CounterLog::for_worker`]), each with its own append
/// handles, so no lock is taken per datagram or per sample: the workers share only the line
/// sequence number (an atomic) and the set of agents that had their `log_init` line, taken
/// once per new agent per worker. An agent's datagrams reach one worker (SO_REUSEPORT hashes
/// its address), so its lines keep their order; lines of agents on different workers that
/// share a file may land a few `seq` numbers out of order.
pub struct CounterLog {
    shared: Arc<SharedLog>,
    files: HashMap<String, File>,
    /// Per agent this worker saw: the file its lines go to (None if it could not be opened
    /// or the agent is beyond `MAX_AGENTS`).
    agent_file: HashMap<(IpAddr, u32), Option<String>>,
    line: Vec<u8>,
    /// Counter fields of the line being built.
    body: Vec<u8>,
}

/// What the workers' counter logs share.
struct SharedLog {
    template: String,
    ts: TimestampOptions,
    seq: AtomicU64,
    /// Agents that had their `log_init` line, daemon-wide (at most `MAX_AGENTS`).
    agents: Mutex<HashSet<(IpAddr, u32)>>,
}

impl CounterLog {
    pub fn new(template: &str, ts: TimestampOptions) -> CounterLog {
        CounterLog::with_shared(Arc::new(SharedLog {
            template: template.to_string(),
            ts,
            seq: AtomicU64::new(0),
            agents: Mutex::new(HashSet::new()),
        }))
    }

    /// The log of another worker: same files, sequence and agents, its own file handles.
    pub fn for_worker(&self) -> CounterLog {
        CounterLog::with_shared(self.shared.clone())
    }

    fn with_shared(shared: Arc<SharedLog>) -> CounterLog {
        CounterLog {
            shared,
            files: HashMap::new(),
            agent_file: HashMap::new(),
            line: Vec::with_capacity(1024),
            body: Vec::with_capacity(1024),
        }
    }

    fn file_name(&self, agent: IpAddr) -> String {
        // pmacct substitutes the first `$peer_src_ip` only.
        self.shared
            .template
            .replacen("$peer_src_ip", &agent.to_string(), 1)
    }

    /// This worker's handle on `name`, opened at first use.
    fn open(&mut self, name: String) -> Option<String> {
        if self.files.contains_key(&name) {
            return Some(name);
        }
        if self.files.len() >= MAX_COUNTER_FILES {
            return None;
        }
        let f = open_append(&name)?;
        self.files.insert(name.clone(), f);
        Some(name)
    }

    /// A datagram from `agent`: its `log_init` line if it is the first of the daemon.
    pub fn agent(&mut self, agent: IpAddr, sub: u32, now: Timestamp) {
        let key = (agent, sub);
        if self.agent_file.contains_key(&key) {
            return;
        }
        let shared = self.shared.clone();
        let Ok(mut agents) = shared.agents.lock() else {
            return;
        };
        let first = !agents.contains(&key);
        if first && agents.len() >= MAX_AGENTS {
            // Not logged; remembered here so that its datagrams do not ask again.
            if self.agent_file.len() < MAX_AGENTS {
                self.agent_file.insert(key, None);
            }
            return;
        }
        let file = self.open(self.file_name(agent));
        self.agent_file.insert(key, file);
        if !first {
            // Another worker wrote its log_init line.
            return;
        }
        agents.insert(key);
        // Written before the set is released: no worker's line for this agent precedes it.
        self.begin(now);
        let _ = writeln!(
            self.line,
            ", \"peer_src_ip\": \"{agent}\", \"event_type\": \"log_init\"}}"
        );
        self.flush(agent, sub);
    }

    /// `{"seq": N, "timestamp": "..."` of a new line.
    fn begin(&mut self, now: Timestamp) {
        self.line.clear();
        let seq = self.shared.seq.fetch_add(1, Ordering::Relaxed);
        let _ = write!(self.line, "{{\"seq\": {seq}, \"timestamp\": \"");
        pmacct_flow::time::write_timestamp(&mut self.line, now, true, &self.shared.ts);
        self.line.push(b'"');
    }

    fn flush(&mut self, agent: IpAddr, sub: u32) -> bool {
        let Some(Some(name)) = self.agent_file.get(&(agent, sub)) else {
            return false;
        };
        let Some(f) = self.files.get_mut(name) else {
            return false;
        };
        if !same_file(f, name) {
            match open_append(name) {
                Some(nf) => *f = nf,
                None => return false,
            }
        }
        f.write_all(&self.line).is_ok()
    }

    /// One counter sample: its `log` lines.
    pub fn sample(&mut self, cs: &CounterSample<'_>, now: Timestamp, stats: &CounterStats) {
        let dg = &cs.datagram;
        let (agent, sub) = (dg.agent, dg.sub_agent_id);
        if !self.agent_file.contains_key(&(agent, sub)) {
            self.agent(agent, sub, now);
        }
        let v2v4 = cs.v2v4_version != 0;
        if v2v4 && !matches!(cs.v2v4_version, 1 | 2 | 7) {
            // Token ring, FDDI, VG, WAN: sfacctd skips them without a line.
            return;
        }
        if v2v4 {
            // One line for the sample: ethernet counters follow the generic ones and the
            // type names the last block.
            self.body.clear();
            let mut ty = None;
            for r in cs.records() {
                stats.records.fetch_add(1, Ordering::Relaxed);
                ty = self.record_fields(&r).or(ty);
            }
            self.write_log_line(cs, now, ty, stats);
            return;
        }
        for r in cs.records() {
            stats.records.fetch_add(1, Ordering::Relaxed);
            self.body.clear();
            let ty = self.record_fields(&r);
            self.write_log_line(cs, now, ty, stats);
        }
    }

    /// A `log` line: header fields, `sf_cnt_type` (jansson keeps a key at the position of
    /// its first insertion, sfacctd sets it first for each block), then `body`.
    fn write_log_line(
        &mut self,
        cs: &CounterSample<'_>,
        now: Timestamp,
        ty: Option<&'static str>,
        stats: &CounterStats,
    ) {
        let dg = &cs.datagram;
        self.begin(now);
        let _ = write!(
            self.line,
            ", \"peer_ip_src\": \"{}\", \"event_type\": \"log\", \"source_id_index\": {}, \"sflow_seq\": {}, \"sflow_cnt_seq\": {}",
            dg.agent, cs.source_id_index, dg.sequence, cs.sequence
        );
        if let Some(t) = ty {
            let _ = write!(self.line, ", \"sf_cnt_type\": \"{t}\"");
        }
        self.line.extend_from_slice(&self.body);
        self.line.extend_from_slice(b"}\n");
        if self.flush(dg.agent, dg.sub_agent_id) {
            stats.lines.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Append the counters of one record; returns its `sf_cnt_type`, None for formats
    /// sfacctd does not print.
    fn record_fields(&mut self, r: &CounterRecord<'_>) -> Option<&'static str> {
        let o = &mut self.body;
        // json_integer() takes a signed 64-bit value: pmacct casts, so do we.
        let i = |v: u64| v as i64;
        match r {
            CounterRecord::Generic(c) => {
                let _ = write!(
                    o,
                    ", \"ifIndex\": {}, \"ifType\": {}, \"ifSpeed\": {}, \"ifDirection\": {}, \"ifStatus\": {}, \"ifInOctets\": {}, \"ifInUcastPkts\": {}, \"ifInMulticastPkts\": {}, \"ifInBroadcastPkts\": {}, \"ifInDiscards\": {}, \"ifInErrors\": {}, \"ifInUnknownProtos\": {}, \"ifOutOctets\": {}, \"ifOutUcastPkts\": {}, \"ifOutMulticastPkts\": {}, \"ifOutBroadcastPkts\": {}, \"ifOutDiscards\": {}, \"ifOutErrors\": {}, \"ifPromiscuousMode\": {}",
                    c.if_index, c.if_type, i(c.if_speed), c.if_direction, c.if_status,
                    i(c.if_in_octets), c.if_in_ucast_pkts, c.if_in_multicast_pkts,
                    c.if_in_broadcast_pkts, c.if_in_discards, c.if_in_errors,
                    c.if_in_unknown_protos, i(c.if_out_octets), c.if_out_ucast_pkts,
                    c.if_out_multicast_pkts, c.if_out_broadcast_pkts, c.if_out_discards,
                    c.if_out_errors, c.if_promiscuous_mode
                );
                Some("sflow_cnt_generic")
            }
            CounterRecord::Ethernet(c) => {
                let _ = write!(
                    o,
                    ", \"dot3StatsAlignmentErrors\": {}, \"dot3StatsFCSErrors\": {}, \"dot3StatsSingleCollisionFrames\": {}, \"dot3StatsMultipleCollisionFrames\": {}, \"dot3StatsSQETestErrors\": {}, \"dot3StatsDeferredTransmissions\": {}, \"dot3StatsLateCollisions\": {}, \"dot3StatsExcessiveCollisions\": {}, \"dot3StatsInternalMacTransmitErrors\": {}, \"dot3StatsCarrierSenseErrors\": {}, \"dot3StatsFrameTooLongs\": {}, \"dot3StatsInternalMacReceiveErrors\": {}, \"dot3StatsSymbolErrors\": {}",
                    c.alignment_errors, c.fcs_errors, c.single_collision_frames,
                    c.multiple_collision_frames, c.sqe_test_errors, c.deferred_transmissions,
                    c.late_collisions, c.excessive_collisions, c.internal_mac_transmit_errors,
                    c.carrier_sense_errors, c.frame_too_longs, c.internal_mac_receive_errors,
                    c.symbol_errors
                );
                Some("sflow_cnt_ethernet")
            }
            CounterRecord::Vlan(c) => {
                let _ = write!(
                    o,
                    ", \"octets\": {}, \"ucastPkts\": {}, \"multicastPkts\": {}, \"broadcastPkts\": {}, \"discards\": {}, \"vlan\": {}",
                    i(c.octets), c.ucast_pkts, c.multicast_pkts, c.broadcast_pkts, c.discards,
                    c.vlan_id
                );
                Some("sflow_cnt_vlan")
            }
            CounterRecord::Processor(_) | CounterRecord::Other { .. } => None,
        }
    }
}

/// `name` opened for append; an error is logged.
fn open_append(name: &str) -> Option<File> {
    let r = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(name);
    r.map_err(|e| {
        plog!(
            Error,
            "default",
            "core",
            "sfacctd_counter_file '{}': {}",
            name,
            e
        )
    })
    .ok()
}

/// Whether `name` still leads to the open file `f` (same device and inode).
fn same_file(f: &File, name: &str) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (f.metadata(), std::fs::metadata(name)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

fn input(core: &Scope) -> Result<Input, String> {
    let ip: Option<IpAddr> = core.ip(key::SFACCTD_IP);
    let port = core.num(key::SFACCTD_PORT)?.unwrap_or_default();
    let mut capture_time = false;
    let source = match collector::savefile(core, false)? {
        Some(sf) => {
            capture_time = !core.bool(key::SFACCTD_TIME_NEW);
            Source::Savefile(sf)
        }
        None => collector::udp_source(
            core,
            crate::udp::listen_addr(ip, port),
            key::SFACCTD_PIPE_SIZE,
        ),
    };
    // By the sample pool in the decoder; by `sfacctd_ext_sampling_rate` (when set) in the
    // core, as sfacctd's `counters_renormalize_handler` replaces the pool's.
    let renorm = crate::netmaps::renormalize(core);
    let renormalize = renorm == Some(pmacct_flow::Renormalize::ByRate);
    let sampling_map = core.str(key::SAMPLING_MAP).is_some();
    let use_ip_next_hop = core.bool(key::USE_IP_NEXT_HOP);
    let ts = TimestampOptions {
        secs: false,
        since_epoch: core.bool(key::TIMESTAMPS_SINCE_EPOCH),
        utc: core.bool(key::TIMESTAMPS_UTC),
        rfc3339: core.bool(key::TIMESTAMPS_RFC3339),
    };
    let counter_log = core
        .str(key::SFACCTD_COUNTER_FILE)
        .map(|t| CounterLog::new(t, ts));
    let stats = Arc::new(CounterStats::default());
    Ok(Input {
        source,
        data_label: "sFlow",
        link_type: None,
        pipe_size_key: key::SFACCTD_PIPE_SIZE,
        // By rate, done by the decoder: sfacctd's factor depends on the sample pool (see
        // `Renormalizer`), not only on the announced rate.
        renormalize: matches!(renorm, Some(pmacct_flow::Renormalize::External(_))),
        new_decoder: Box::new(move || {
            Box::new(
                SflowSource::new(
                    renormalize,
                    use_ip_next_hop,
                    counter_log.as_ref().map(CounterLog::for_worker),
                    stats.clone(),
                )
                .with_sampling_map(sampling_map)
                .with_capture_time(capture_time),
            )
        }),
    })
}

pub fn main(argv: &[String]) -> i32 {
    collector::main(&PROFILE, argv)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Samples read from a savefile are binned by the packet's capture time unless
    /// `sfacctd_time_new` (then, as live, bin_time 0: the plugin's clock).
    #[test]
    fn savefile_samples_bin_by_capture_time() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../compat-tests/inputs/sflow/crafted.pcap"
        );
        let mut cap = pcap::Capture::from_file(path).expect("capture");
        let lt = cap.get_datalink().0;
        let pkt = cap.next_packet().expect("a packet");
        let d = crate::savefile::udp_from_frame(lt, pkt.data).expect("udp");
        let captured = Timestamp::new(1_700_000_001, 0);
        for (capture_time, live, want) in [
            (true, false, 1_700_000_001),
            (false, false, 0), // sfacctd_time_new
            (true, true, 0),   // live: no capture time
        ] {
            let mut src = SflowSource::new(false, false, None, Arc::new(CounterStats::default()))
                .with_capture_time(capture_time);
            let dg = Datagram {
                src: std::net::SocketAddr::new(d.src, d.src_port),
                data: d.payload,
                arrival: Timestamp::new(1_800_000_000, 0),
                captured: (!live).then_some(captured),
                linktype: 0,
                wirelen: 0,
            };
            let mut bins = Vec::new();
            src.decode(
                &dg,
                &mut DropCounters::default(),
                &mut crate::core::EmitFn::new(|f: &mut pmacct_flow::Flow, _| bins.push(f.bin_time)),
            );
            assert!(!bins.is_empty());
            assert!(
                bins.iter().all(|&b| b == want),
                "{capture_time} {live}: {bins:?}"
            );
        }
    }

    #[test]
    fn counter_log_reopens_a_rotated_file() {
        let dir = std::env::temp_dir().join(format!("pmacct-rs-cntlog-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("c-$peer_src_ip.json");
        let utc = TimestampOptions {
            utc: true,
            ..Default::default()
        };
        let mut log = CounterLog::new(path.to_str().unwrap(), utc);
        let agent: IpAddr = "192.0.2.7".parse().unwrap();
        let file = dir.join("c-192.0.2.7.json");
        log.agent(agent, 0, Timestamp::new(1, 0));
        std::fs::rename(&file, dir.join("rotated.json")).unwrap();
        log.agent(agent, 1, Timestamp::new(2, 0));
        let rotated = std::fs::read_to_string(dir.join("rotated.json")).unwrap();
        let fresh = std::fs::read_to_string(&file).unwrap();
        assert!(
            rotated.starts_with(r#"{"seq": 0, "timestamp": "1970-01-01"#),
            "{rotated}"
        );
        assert!(fresh.starts_with(r#"{"seq": 1, "#), "{fresh}");
        assert!(fresh.ends_with("\"peer_src_ip\": \"192.0.2.7\", \"event_type\": \"log_init\"}\n"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn worker_logs_share_log_init_and_seq() {
        let dir = std::env::temp_dir().join(format!("pmacct-rs-cntlog-w-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("c.json");
        let first = CounterLog::new(path.to_str().unwrap(), TimestampOptions::default());
        let (mut a, mut b) = (first.for_worker(), first.for_worker());
        let agent: IpAddr = "192.0.2.7".parse().unwrap();
        a.agent(agent, 0, Timestamp::new(1, 0));
        b.agent(agent, 0, Timestamp::new(1, 0));
        b.agent(agent, 1, Timestamp::new(1, 0));
        a.agent(agent, 1, Timestamp::new(1, 0));
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert!(lines[0].starts_with(r#"{"seq": 0, "#), "{text}");
        assert!(lines[1].starts_with(r#"{"seq": 1, "#), "{text}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
