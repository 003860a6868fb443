//! The core: a daemon's decoder -> flows -> core stages -> batches for every plugin, plus
//! per-exporter stats (SIGUSR1). One `Core` per worker thread; exporters are sharded across workers (by
//! SO_REUSEPORT's flow hash live, by the single reader offline), so template state is local
//! and lock-free.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};

use pmacct_flow::custom::CustomValues;
use pmacct_flow::{producer, Flow, Stage};
use pmacct_wire::netflow::template::KeyHashState;
use pmacct_wire::{LeadFields, Timestamp};

use pmacct_plugins::datagram::{DatagramBatch, Frame};

use crate::pipeline::{Backpressure, Batches, PluginTx};
use crate::plog;

/// Most records per batch handed to plugins. A plugin faster than its worker sleeps between
/// batches, and each wake-up costs tens of microseconds in a VM (futex, IPI, cold caches):
/// offline v9 went from 0.295 us/record with 512 to 0.229 with 2048 (8,706 to 564
/// voluntary context switches for 4.5M records), and 8192 took 4.5% more off (CPU of the
/// whole run, medians of 11) for about 8 MB more peak memory. That was on a machine with a
/// large last-level cache; see [`batch_records`] for smaller ones.
pub const BATCH_RECORDS: usize = 8192;

/// Fewest records per batch: below this the wake-ups cost more than the cache misses.
pub const MIN_BATCH_RECORDS: usize = 2048;

/// How long a worker's batch may have been filling and still be handed out early, before
/// the worker waits ([`Core::before_wait`]).
pub const WARM_BATCH_AGE: std::time::Duration = std::time::Duration::from_millis(5);

/// Records per batch on this machine: as many as fit in a quarter of the last-level cache
/// (the worker fills one batch while a plugin reads the one before, beside the plugin's
/// cache), a power of two between [`MIN_BATCH_RECORDS`] and [`BATCH_RECORDS`]. A batch
/// larger than the cache is written to memory by the worker and read back by the plugin:
/// with an 8 MiB L3, 2048 records (1.1 MB of flows) cost 3-6% less CPU than 8192 (4.6 MB;
/// offline v9, whole-process A/Bs of 15 to 41 pairs).
/// Read once from sysfs; [`BATCH_RECORDS`] when the cache size is unknown.
pub fn batch_records() -> usize {
    static RECORDS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *RECORDS.get_or_init(|| {
        records_for_cache(last_level_cache_bytes(std::path::Path::new(
            "/sys/devices/system/cpu/cpu0/cache",
        )))
    })
}

/// [`batch_records`] for a last-level cache of `llc` bytes.
pub fn records_for_cache(llc: Option<usize>) -> usize {
    let Some(llc) = llc else {
        return BATCH_RECORDS;
    };
    let fit = llc / 4 / std::mem::size_of::<Flow>();
    // The largest power of two that fits (0 when none does: then the floor).
    let pow2 = if fit == 0 { 0 } else { 1 << fit.ilog2() };
    pow2.clamp(MIN_BATCH_RECORDS, BATCH_RECORDS)
}

/// The size of the highest-level data or unified cache under `dir` (sysfs `cache/indexN`
/// directories: `level`, `type`, `size` such as `8192K`).
pub fn last_level_cache_bytes(dir: &std::path::Path) -> Option<usize> {
    let read = |p: std::path::PathBuf| std::fs::read_to_string(p).ok();
    let mut best: Option<(u32, usize)> = None;
    for e in std::fs::read_dir(dir).ok()?.flatten() {
        let d = e.path();
        if !e.file_name().to_string_lossy().starts_with("index") {
            continue;
        }
        let (Some(level), Some(kind), Some(size)) = (
            read(d.join("level")),
            read(d.join("type")),
            read(d.join("size")),
        ) else {
            continue;
        };
        if kind.trim() == "Instruction" {
            continue;
        }
        let Ok(level) = level.trim().parse::<u32>() else {
            continue;
        };
        let size = size.trim();
        let (digits, unit) = match size.find(|c: char| !c.is_ascii_digit()) {
            Some(i) => size.split_at(i),
            None => (size, ""),
        };
        let Ok(n) = digits.parse::<usize>() else {
            continue;
        };
        let bytes = match unit {
            "" => n,
            "K" => n << 10,
            "M" => n << 20,
            "G" => n << 30,
            _ => continue,
        };
        if best.is_none_or(|(l, _)| level > l) {
            best = Some((level, bytes));
        }
    }
    best.map(|(_, b)| b).filter(|&b| b > 0)
}

/// Datagrams per batch handed to datagram plugins (tee).
pub const BATCH_DATAGRAMS: usize = 64;

/// Default cap of the per-exporter stats table (`exporter_stats_entries`).
pub const DEFAULT_EXPORTER_STATS_ENTRIES: usize = 65_536;

/// SIGUSR1 lists at most this many agents (the busiest); the rest are summed on one line.
pub const STATS_LOG_MAX_AGENTS: usize = 1000;

#[derive(Debug, Default, Clone)]
pub struct ExporterStats {
    pub packets: u64,
    pub bytes: u64,
    pub records: u64,
    pub seq_good: u64,
    pub seq_jmp_fwd: u64,
    pub seq_jmp_bck: u64,
    next_seq: Option<u32>,
    pub last_seen: u64,
    /// The core's datagram count when last seen: the eviction order (least recent first).
    touched: u64,
}

/// Counters of what could not be used, by reason (SIGUSR1 and debug log).
#[derive(Debug, Default, Clone)]
pub struct DropCounters {
    pub by_reason: HashMap<&'static str, u64>,
}

impl DropCounters {
    pub fn add(&mut self, reason: &'static str, n: u64) {
        *self.by_reason.entry(reason).or_default() += n;
    }
}

/// One unit of input: an export datagram (nfacctd, sfacctd) or a captured frame (pmacctd).
pub struct Datagram<'a> {
    /// The exporter (UDP source); unspecified for captured frames.
    pub src: SocketAddr,
    pub data: &'a [u8],
    pub arrival: Timestamp,
    /// The packet's time in a savefile (UDP payloads read from `pcap_savefile`); `arrival`
    /// stays the collector's clock, as pmacct stamps `timestamp_arrival`.
    pub captured: Option<Timestamp>,
    /// DLT of `data` when it is a captured frame (pcap's linktype); 0 for UDP payloads.
    pub linktype: u32,
    /// A captured frame's length on the wire (pcap's `len`); `data.len()` or 0 otherwise.
    pub wirelen: u32,
}

/// What a decoder tells the core about one datagram it accepted (for SIGUSR1 stats).
#[derive(Debug, Clone, Copy, Default)]
pub struct DatagramSummary {
    /// Records handed to `emit` (after the decoder's own filtering, e.g. options data).
    pub records: u64,
    /// Exporter sub-domain pmacct keys stats by (v9 source_id, IPFIX domain, sFlow sub-agent).
    pub domain: u32,
    /// `(sequence number, step to the next expected one)` when the protocol numbers datagrams.
    pub sequence: Option<(u32, u32)>,
    /// The agent address the datagram names (sFlow), when it is not the UDP sender's:
    /// what pre_tag_map's `ip=` matches for datagram plugins.
    pub agent: Option<std::net::IpAddr>,
}

/// Where a decoder hands its flows: the core's stages, then the batch for the plugins.
pub trait FlowSink {
    /// Account a flow the decoder built (copied once, into the batch).
    fn emit(&mut self, flow: &mut Flow, custom: Option<&CustomValues>);
    /// A default flow in place at the end of the batch, for the decoder to fill and then
    /// [`FlowSink::commit`]: the flow is neither built apart nor copied. A slot not
    /// committed is dropped by the next `slot` or at the end of the datagram.
    fn slot(&mut self) -> &mut Flow;
    /// [`FlowSink::slot`] for a producer that writes every field of the flow's counters and
    /// lead (`producer::netflow::flow_into_lead`), when nothing downstream reads past the
    /// lead (no core stage, no renormalization by the core, every plugin
    /// [`PluginTx::lead_only`]): the rest of the slot is left unwritten. `None`: call
    /// [`FlowSink::slot`] and write the whole flow.
    fn slot_lead(&mut self) -> Option<&mut Flow> {
        None
    }
    /// Whether [`FlowSink::slot_lead`] hands out slots (for a decoder that can then decode
    /// leads alone).
    fn leads(&self) -> bool {
        false
    }
    /// Account the flow [`FlowSink::slot`] gave, as [`FlowSink::emit`] does.
    fn commit(&mut self, custom: Option<&CustomValues>);
    /// Account the flow of `lead` alone, when [`FlowSink::leads`]: [`FlowSink::slot_lead`],
    /// [`producer::netflow::lead_into`] and [`FlowSink::commit`] in one call.
    fn push_lead(&mut self, lead: &LeadFields) {
        if let Some(flow) = self.slot_lead() {
            producer::netflow::lead_into(lead, flow);
            self.commit(None);
        }
    }
}

/// A closure as a [`FlowSink`] (tests, benches): `slot` fills a flow of its own, which
/// `commit` hands to the closure.
pub struct EmitFn<F: FnMut(&mut Flow, Option<&CustomValues>)> {
    f: F,
    slot: Flow,
}

impl<F: FnMut(&mut Flow, Option<&CustomValues>)> EmitFn<F> {
    pub fn new(f: F) -> Self {
        EmitFn {
            f,
            slot: Flow::default(),
        }
    }
}

impl<F: FnMut(&mut Flow, Option<&CustomValues>)> FlowSink for EmitFn<F> {
    fn emit(&mut self, flow: &mut Flow, custom: Option<&CustomValues>) {
        (self.f)(flow, custom)
    }
    fn slot(&mut self) -> &mut Flow {
        self.slot = Flow::default();
        &mut self.slot
    }
    fn commit(&mut self, custom: Option<&CustomValues>) {
        (self.f)(&mut self.slot, custom)
    }
}

/// The core's [`FlowSink`] for one datagram: renormalization, core stages, the batch.
struct CoreSink<'a> {
    renorm: Option<pmacct_flow::Renormalize>,
    batches: &'a mut Batches,
    plugins: &'a [PluginTx],
    stages: &'a mut [Box<dyn Stage>],
    backpressure: &'a Backpressure,
    /// Datagram plugins take the frames accounted (sfprobe): the first flow is kept.
    frames: bool,
    accounted: bool,
    /// The flow accounted for the frame: what a frame plugin's (sfprobe's) stages see.
    /// The core's own (`Core::frame_flow`): a sink built per datagram stays small.
    frame_flow: &'a mut Option<Flow>,
    /// A slot is in the batch, not committed yet.
    pending: bool,
    /// [`FlowSink::slot_lead`] hands out slots.
    lead: bool,
}

impl CoreSink<'_> {
    fn hand_out(&mut self) {
        let (plugins, backpressure) = (self.plugins, self.backpressure);
        self.batches.hand_out(|full| {
            for p in plugins {
                p.send(full, backpressure);
            }
        });
    }
}

impl FlowSink for CoreSink<'_> {
    fn emit(&mut self, flow: &mut Flow, custom: Option<&CustomValues>) {
        self.accounted = true;
        if let Some(r) = self.renorm {
            r.apply(flow);
        }
        let keep = pmacct_flow::stage::apply_all(self.stages, flow);
        if self.frames && self.frame_flow.is_none() {
            *self.frame_flow = Some(*flow);
        }
        if keep && self.batches.push(flow, custom) {
            self.hand_out();
        }
    }

    #[inline]
    fn slot(&mut self) -> &mut Flow {
        if self.pending {
            self.batches.drop_last();
        }
        self.pending = true;
        self.batches.slot()
    }

    #[inline]
    fn leads(&self) -> bool {
        self.lead
    }

    fn slot_lead(&mut self) -> Option<&mut Flow> {
        if !self.lead {
            return None;
        }
        if self.pending {
            self.batches.drop_last();
        }
        self.pending = true;
        Some(self.batches.slot_lead())
    }

    #[inline]
    fn push_lead(&mut self, lead: &LeadFields) {
        // Lead slots only without stages or renormalization (`Core::lead`): what `commit`
        // does past them, here without the slot's round trip.
        if !self.lead || self.frames {
            if let Some(flow) = self.slot_lead() {
                producer::netflow::lead_into(lead, flow);
                self.commit(None);
            }
            return;
        }
        if std::mem::take(&mut self.pending) {
            self.batches.drop_last();
        }
        self.accounted = true;
        producer::netflow::lead_into(lead, self.batches.slot_lead());
        if self.batches.commit_last(None) {
            self.hand_out();
        }
    }

    #[inline]
    fn commit(&mut self, custom: Option<&CustomValues>) {
        if !std::mem::take(&mut self.pending) {
            return;
        }
        self.accounted = true;
        let Some(flow) = self.batches.last_mut() else {
            return;
        };
        if let Some(r) = self.renorm {
            r.apply(flow);
        }
        let keep = pmacct_flow::stage::apply_all(self.stages, flow);
        if self.frames && self.frame_flow.is_none() {
            *self.frame_flow = Some(*flow);
        }
        if !keep {
            self.batches.drop_last();
        } else if self.batches.commit_last(custom) {
            self.hand_out();
        }
    }
}

/// A daemon's wire-format decoder, one per worker thread (so template state is local).
pub trait Decoder: Send {
    /// Decode one datagram, handing each flow to `emit`. Drops (malformed input, unknown
    /// template...) are counted into `drops` by reason. `None`: the whole datagram was dropped.
    fn decode(
        &mut self,
        d: &Datagram<'_>,
        drops: &mut DropCounters,
        emit: &mut dyn FlowSink,
    ) -> Option<DatagramSummary>;

    /// Templates the decoder holds (NetFlow v9/IPFIX), for the metrics endpoint.
    fn templates(&self) -> usize {
        0
    }

    /// Whether datagram plugins (tee) get this datagram, as pmacct's raw-packet path checks
    /// it (header only, nothing decoded), with what it tells the SIGUSR1 stats. `None`:
    /// dropped (reason counted into `drops`).
    fn replicable(
        &mut self,
        d: &Datagram<'_>,
        drops: &mut DropCounters,
    ) -> Option<DatagramSummary> {
        let _ = (d, drops);
        Some(DatagramSummary::default())
    }

    /// Datagram plugins get the captured frames the decoder accounted (pmacctd's sfprobe,
    /// fed as 1.7.7's core feeds it: only packets its accounting took), not every datagram.
    fn replicates_accounted_frames(&self) -> bool {
        false
    }

    /// The frame datagram plugins get for the datagram just accounted when the decoder
    /// built one (uacctd: the Ethernet frame around the NFLOG packet, with its interfaces);
    /// `None`: the datagram itself.
    fn accounted_frame(&self) -> Option<Frame<'_>> {
        None
    }

    /// Evictions from the decoder's bounded state: (templates, template-cache exporters).
    fn evictions(&self) -> (u64, u64) {
        (0, 0)
    }

    /// The datagrams that follow came in on the templates socket (`nfacctd_templates_port`),
    /// or with false on the collector socket: they are decoded alike, but a decoder that
    /// relays templates (`nfacctd_templates_receiver`) relays only the collector socket's,
    /// as 1.7.7 does (no loop between two collectors relaying to each other).
    fn set_from_templates_port(&mut self, on: bool) {
        let _ = on;
    }
}

pub struct CoreOptions {
    /// `*_renormalize`: scale counters by the sampling rate (or `*_ext_sampling_rate`).
    pub renormalize: Option<pmacct_flow::Renormalize>,
    pub backpressure: Backpressure,
    /// `ip:port` of the collector socket as pmacct prints it in stats.
    pub listen_label: String,
    /// `exporter_stats_entries`: cap of `Core::exporters`.
    pub max_exporters: usize,
}

pub struct Core {
    decoder: Box<dyn Decoder>,
    /// Core stages (pre_tag_map...), applied to every flow before plugins see it.
    stages: Vec<Box<dyn Stage>>,
    plugins: Vec<PluginTx>,
    /// Producers write only the lead of each flow ([`FlowSink::slot_lead`]).
    lead: bool,
    batches: Batches,
    /// Datagram plugins (tee) and the batch of datagrams being filled for them.
    datagram_plugins: Vec<PluginTx>,
    datagrams: DatagramBatch,
    /// The flow accounted for the current frame, for frame plugins (see `CoreSink`).
    frame_flow: Option<Flow>,
    opts: CoreOptions,
    /// Per-exporter stats, at most `opts.max_exporters` entries: a new one past the cap
    /// evicts the least recently seen sixteenth (amortized O(1) per new exporter). Looked
    /// up once a datagram: the template cache's seeded multiply-rotate hash, where std's
    /// SipHash cost about 250 instructions a datagram (an sFlow datagram holds a few samples).
    pub exporters: HashMap<(IpAddr, u32), ExporterStats, KeyHashState>,
    /// Entries evicted from `exporters`.
    pub exporters_evicted: u64,
    /// Datagrams accepted: the clock of `ExporterStats::touched`.
    clock: u64,
    pub drops: DropCounters,
    /// Where this worker publishes its counters (`metrics_http_listen`).
    metrics: Option<crate::metrics::Publisher>,
    /// `*_disable_checks: false`: sequence numbers are checked and each jump is logged
    /// with this `collector=` label (pmacct: `nfacctd_ip` or 0.0.0.0, and the port). None
    /// (pmacct's default, checks disabled): every datagram counts as in sequence.
    seq_checks: Option<String>,
}

impl Core {
    pub fn new(
        decoder: Box<dyn Decoder>,
        stages: Vec<Box<dyn Stage>>,
        plugins: Vec<PluginTx>,
        opts: CoreOptions,
    ) -> Core {
        let (datagram_plugins, plugins): (Vec<PluginTx>, Vec<PluginTx>) =
            plugins.into_iter().partition(|p| p.datagrams);
        let lead = stages.is_empty()
            && opts.renormalize.is_none()
            && !plugins.is_empty()
            && plugins.iter().all(|p| p.lead_only);
        Core {
            lead,
            decoder,
            stages,
            plugins,
            batches: Batches::new(batch_records()),
            datagram_plugins,
            datagrams: DatagramBatch::default(),
            frame_flow: None,
            opts,
            exporters: HashMap::default(),
            exporters_evicted: 0,
            clock: 0,
            drops: DropCounters::default(),
            metrics: None,
            seq_checks: None,
        }
    }

    /// Check sequence numbers and log jumps (`*_disable_checks: false`), see
    /// [`Core::seq_checks`](Core).
    pub fn set_seq_checks(&mut self, collector: Option<String>) {
        self.seq_checks = collector;
    }

    /// `ip:port` of the collector socket, as the stats lines print it.
    pub fn listen_label(&self) -> &str {
        &self.opts.listen_label
    }

    /// Publish this worker's counters to the metrics endpoint from now on.
    pub fn set_metrics(&mut self, p: crate::metrics::Publisher) {
        self.metrics = Some(p);
    }

    /// Publish the counters if the interval has passed (sources flush at least every
    /// 100 ms, idle or not, and call this per datagram: a cheap clock check).
    fn publish_metrics(&mut self) {
        let Some(p) = self.metrics.as_mut() else {
            return;
        };
        let (exporters, drops, decoder) = (&self.exporters, &self.drops, &self.decoder);
        let evicted = self.exporters_evicted;
        p.maybe_publish(false, |s| {
            for ((addr, domain), e) in exporters {
                s.push_exporter(crate::metrics::ExporterSample {
                    addr: *addr,
                    source_id: *domain,
                    datagrams: e.packets,
                    bytes: e.bytes,
                    records: e.records,
                    seq_jmp_fwd: e.seq_jmp_fwd,
                    seq_jmp_bck: e.seq_jmp_bck,
                });
            }
            for (reason, n) in &drops.by_reason {
                s.decode_errors.push((reason, *n));
            }
            s.templates = decoder.templates() as u64;
            let (t, te) = decoder.evictions();
            s.evictions = [
                ("exporter_stats", evicted),
                ("templates", t),
                ("template_exporters", te),
            ];
        });
    }

    /// Queue a datagram for the datagram plugins (tee), as received.
    fn replicate(&mut self, d: &Datagram<'_>) -> Option<DatagramSummary> {
        let sum = self.decoder.replicable(d, &mut self.drops)?;
        self.datagrams
            .push(d.src, sum.agent.unwrap_or(d.src.ip()), d.data);
        if self.datagrams.len() >= BATCH_DATAGRAMS {
            self.hand_out_datagrams();
        }
        Some(sum)
    }

    fn hand_out_datagrams(&mut self) {
        if self.datagrams.is_empty() {
            return;
        }
        let cap = (self.datagrams.len(), self.datagrams.bytes_len());
        let full = std::mem::replace(
            &mut self.datagrams,
            DatagramBatch::with_capacity(cap.0, cap.1),
        );
        let full = std::sync::Arc::new(full);
        for p in &self.datagram_plugins {
            p.send_datagrams(&full, &self.opts.backpressure);
        }
    }

    /// Decode one datagram and queue its flows (and the datagram itself for tee plugins).
    /// A datagram of the templates socket (`nfacctd_templates_port`): decoded and accounted
    /// as any other, its templates learnt, but not relayed to `nfacctd_templates_receiver`.
    pub fn on_templates_port_datagram(&mut self, d: &Datagram<'_>) {
        self.decoder.set_from_templates_port(true);
        self.on_datagram(d);
        self.decoder.set_from_templates_port(false);
    }

    pub fn on_datagram(&mut self, d: &Datagram<'_>) {
        self.publish_metrics();
        let frames =
            !self.datagram_plugins.is_empty() && self.decoder.replicates_accounted_frames();
        if !self.datagram_plugins.is_empty() && !frames {
            let replicated = self.replicate(d);
            if self.plugins.is_empty() {
                // Replicating only (pmacct runs tee apart from data plugins): no decoding.
                if let Some(sum) = replicated {
                    self.count_datagram(d, sum);
                }
                return;
            }
        }
        if frames {
            self.frame_flow = None;
        }
        let mut sink = CoreSink {
            renorm: self.opts.renormalize,
            batches: &mut self.batches,
            plugins: &self.plugins,
            stages: &mut self.stages,
            backpressure: &self.opts.backpressure,
            frames,
            accounted: false,
            frame_flow: &mut self.frame_flow,
            pending: false,
            // A frame plugin (sfprobe) takes a copy of the whole flow.
            lead: self.lead && !frames,
        };
        let sum = self.decoder.decode(d, &mut self.drops, &mut sink);
        if sink.pending {
            sink.batches.drop_last();
        }
        let accounted = sink.accounted;
        if frames && accounted {
            match self.decoder.accounted_frame() {
                Some(f) => self.datagrams.push_captured(&f),
                None => self.datagrams.push_frame(d.data, d.linktype, d.wirelen),
            }
            if let Some(f) = &self.frame_flow {
                self.datagrams.set_flow(f);
            }
            if self.datagrams.len() >= BATCH_DATAGRAMS {
                self.hand_out_datagrams();
            }
        }
        let Some(sum) = sum else {
            return;
        };
        self.count_datagram(d, sum);
    }

    fn count_datagram(&mut self, d: &Datagram<'_>, sum: DatagramSummary) {
        let k = (d.src.ip(), sum.domain);
        // The size first: a second hash of the key only when the table is full.
        if self.exporters.len() >= self.opts.max_exporters && !self.exporters.contains_key(&k) {
            self.evict_exporters();
        }
        self.clock += 1;
        let e = self.exporters.entry(k).or_default();
        e.touched = self.clock;
        e.packets += 1;
        e.bytes += d.data.len() as u64;
        e.records += sum.records;
        e.last_seen = d.arrival.secs;
        if let Some((seq, step)) = sum.sequence {
            match &self.seq_checks {
                None => {
                    e.seq_good += 1;
                    e.next_seq = Some(seq.wrapping_add(step));
                }
                Some(collector) => {
                    let expected = e.next_seq;
                    if !track_sequence(e, seq, step) {
                        plog!(
                            Info,
                            "default",
                            "core",
                            "expecting flow '{}' but received '{}' collector={} agent={}:{}",
                            expected.unwrap_or_default(),
                            seq,
                            collector,
                            // sFlow: the agent address the datagram carries.
                            sum.agent.unwrap_or(d.src.ip()),
                            sum.domain
                        );
                    }
                }
            }
        }
    }

    /// Hand any partial batch to the plugins (idle socket, end of file, shutdown).
    pub fn flush(&mut self) {
        self.publish_metrics();
        self.hand_out_datagrams();
        if self.batches.is_empty() {
            return;
        }
        let (plugins, backpressure) = (&self.plugins, &self.opts.backpressure);
        self.batches.hand_out(|full| {
            for p in plugins {
                p.send(full, backpressure);
            }
        });
    }

    /// Flows in the batch being filled.
    pub fn batch_len(&self) -> usize {
        self.batches.len()
    }

    /// The worker is about to wait for traffic, its batch filling for `filling_for`: a batch
    /// of [`MIN_BATCH_RECORDS`] or more that filled within [`WARM_BATCH_AGE`] goes to the
    /// plugins now, while its lines are still in the caches, and they aggregate it while the
    /// worker waits. Live v9 at 1M records/s (4 ms for 2048 records a worker): 8192-record
    /// batches cost 8% more CPU than 2048-record ones (9 runs each), while offline the larger
    /// ones cost 9% less. At 300k/s a 2048-record batch takes 13 ms, cold either way, and the
    /// extra wake-ups of the plugin cost more (5%): it fills on.
    pub fn before_wait(&mut self, filling_for: std::time::Duration) {
        if self.batches.len() >= MIN_BATCH_RECORDS && filling_for <= WARM_BATCH_AGE {
            self.flush();
        }
    }

    /// Make room in `exporters`: drop the least recently seen sixteenth (at least one).
    fn evict_exporters(&mut self) {
        let n = (self.exporters.len() / 16).max(1);
        let mut stamps: Vec<u64> = self.exporters.values().map(|e| e.touched).collect();
        let (_, nth, _) = stamps.select_nth_unstable(n - 1);
        // Stamps are unique (one per datagram): exactly n entries are at or below it.
        let limit = *nth;
        let before = self.exporters.len();
        self.exporters.retain(|_, e| e.touched > limit);
        self.exporters_evicted += (before - self.exporters.len()) as u64;
    }

    /// pmacct's SIGUSR1 stats block, one line per exporter: the busiest
    /// [`STATS_LOG_MAX_AGENTS`], the others summed on one line, then eviction counters
    /// (only when something was evicted).
    pub fn log_stats(&self) {
        let mut listed: Vec<(&(IpAddr, u32), &ExporterStats)> = self.exporters.iter().collect();
        if listed.len() > STATS_LOG_MAX_AGENTS {
            listed.select_nth_unstable_by(STATS_LOG_MAX_AGENTS - 1, |a, b| {
                b.1.packets.cmp(&a.1.packets)
            });
            let rest = &listed[STATS_LOG_MAX_AGENTS..];
            let (p, b) = rest
                .iter()
                .fold((0u64, 0u64), |(p, b), (_, e)| (p + e.packets, b + e.bytes));
            plog!(
                Notice,
                "default",
                "core",
                "stats [{}] {} agents, the {} busiest listed; the other {}: packets={} bytes={}",
                self.opts.listen_label,
                listed.len(),
                STATS_LOG_MAX_AGENTS,
                rest.len(),
                p,
                b
            );
            listed.truncate(STATS_LOG_MAX_AGENTS);
        }
        for ((ip, sid), e) in listed {
            plog!(
                Notice,
                "default",
                "core",
                "stats [{}] agent={}:{} time={} packets={} bytes={} seq_good={} seq_jmp_fwd={} seq_jmp_bck={}",
                self.opts.listen_label,
                ip,
                sid,
                e.last_seen,
                e.packets,
                e.bytes,
                e.seq_good,
                e.seq_jmp_fwd,
                e.seq_jmp_bck
            );
        }
        for (reason, n) in &self.drops.by_reason {
            plog!(
                Notice,
                "default",
                "core",
                "stats dropped reason={} count={}",
                reason,
                n
            );
        }
        let (t, te) = self.decoder.evictions();
        if self.exporters_evicted + t + te > 0 {
            plog!(
                Notice,
                "default",
                "core",
                "stats [{}] evicted exporter_stats={} (cap {}) templates={} template_exporters={}",
                self.opts.listen_label,
                self.exporters_evicted,
                self.opts.max_exporters,
                t,
                te
            );
        }
    }
}

/// Classify a datagram's sequence number against the one expected from the previous one;
/// false on a jump.
fn track_sequence(e: &mut ExporterStats, seq: u32, step: u32) -> bool {
    let good = match e.next_seq {
        Some(expected) if seq != expected => {
            if seq.wrapping_sub(expected) < 0x8000_0000 {
                e.seq_jmp_fwd += 1;
            } else {
                e.seq_jmp_bck += 1;
            }
            false
        }
        _ => {
            e.seq_good += 1;
            true
        }
    };
    // pmacct checks nothing after a datagram numbered 0 (`!entry->seqno`).
    e.next_seq = (seq != 0).then(|| seq.wrapping_add(step));
    good
}

impl Core {
    pub fn drops_add(&mut self, reason: &'static str) {
        self.drops.add(reason, 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Accepts every datagram; its first 4 bytes are the domain and, when `.0`, the number of
    /// default flows it emits.
    struct Domains(bool);

    impl Decoder for Domains {
        fn decode(
            &mut self,
            d: &Datagram<'_>,
            _: &mut DropCounters,
            emit: &mut dyn FlowSink,
        ) -> Option<DatagramSummary> {
            let b: [u8; 4] = d.data.get(..4)?.try_into().ok()?;
            let domain = u32::from_be_bytes(b);
            if self.0 {
                for _ in 0..domain {
                    emit.emit(&mut Flow::default(), None);
                }
            }
            Some(DatagramSummary {
                domain,
                ..Default::default()
            })
        }
    }

    fn core(cap: usize) -> Core {
        core_of(Box::new(Domains(false)), cap)
    }

    fn core_of(decoder: Box<dyn Decoder>, cap: usize) -> Core {
        let opts = CoreOptions {
            renormalize: None,
            backpressure: Backpressure::Drop,
            listen_label: String::new(),
            max_exporters: cap,
        };
        Core::new(decoder, vec![], vec![], opts)
    }

    fn send(c: &mut Core, domain: u32) {
        c.on_datagram(&Datagram {
            src: "192.0.2.1:2055".parse().unwrap(),
            data: &domain.to_be_bytes(),
            arrival: Timestamp::new(0, 0),
            captured: None,
            linktype: 0,
            wirelen: 4,
        });
    }

    /// Asks for a lead slot per datagram and says whether it got one.
    struct LeadAsker(std::sync::mpsc::Sender<bool>);

    impl Decoder for LeadAsker {
        fn decode(
            &mut self,
            _: &Datagram<'_>,
            _: &mut DropCounters,
            emit: &mut dyn FlowSink,
        ) -> Option<DatagramSummary> {
            let lead = emit.slot_lead().is_some();
            let _ = self.0.send(lead);
            if !lead {
                emit.slot();
            }
            emit.commit(None);
            Some(DatagramSummary::default())
        }
    }

    /// A plugin that says whether it reads the lead only, and reads nothing.
    struct Reader(bool);

    impl pmacct_plugins::Plugin for Reader {
        fn name(&self) -> &str {
            "r"
        }
        fn kind(&self) -> &'static str {
            "print"
        }
        fn reads_lead_only(&self) -> bool {
            self.0
        }
        fn process_batch(&mut self, _: &[Flow], _: &[CustomValues]) {}
        fn next_purge(&self) -> std::time::SystemTime {
            std::time::SystemTime::now() + std::time::Duration::from_secs(3600)
        }
        fn purge(&mut self, _: std::time::SystemTime) -> anyhow::Result<()> {
            Ok(())
        }
        fn shutdown(&mut self, _: std::time::SystemTime) -> anyhow::Result<()> {
            Ok(())
        }
    }

    struct Keep;

    impl Stage for Keep {
        fn apply(&mut self, _: &mut Flow) -> bool {
            true
        }
    }

    /// Producers get lead slots only when nothing downstream reads past the lead: every
    /// plugin says so and has no stage, no core stage, no renormalization by the core.
    #[test]
    fn lead_slots_only_when_nothing_reads_past_the_lead() {
        use crate::pipeline::spawn_plugin;
        let stage = || -> Vec<Box<dyn Stage>> { vec![Box::new(Keep)] };
        /// (what, plugins (reads the lead only, has a stage), a core stage, renormalization
        /// by the core, lead slots wanted)
        type Case = (&'static str, Vec<(bool, bool)>, bool, bool, bool);
        let cases: [Case; 6] = [
            ("one lead reader", vec![(true, false)], false, false, true),
            (
                "two lead readers",
                vec![(true, false), (true, false)],
                false,
                false,
                true,
            ),
            (
                "a reader of more",
                vec![(true, false), (false, false)],
                false,
                false,
                false,
            ),
            ("a plugin stage", vec![(true, true)], false, false, false),
            ("a core stage", vec![(true, false)], true, false, false),
            ("renormalization", vec![(true, false)], false, true, false),
        ];
        for (what, plugins, core_stage, renorm, want) in cases {
            let threads: Vec<_> = plugins
                .iter()
                .map(|&(lead, st)| {
                    spawn_plugin(Box::new(Reader(lead)), if st { stage() } else { vec![] }, 4)
                        .unwrap()
                })
                .collect();
            let (tx, rx) = std::sync::mpsc::channel();
            let opts = CoreOptions {
                renormalize: renorm.then(|| pmacct_flow::Renormalize::new(None)),
                backpressure: Backpressure::Drop,
                listen_label: String::new(),
                max_exporters: 16,
            };
            let txs = threads.iter().map(|t| t.tx.clone()).collect();
            let stages = if core_stage { stage() } else { vec![] };
            let mut c = Core::new(Box::new(LeadAsker(tx)), stages, txs, opts);
            send(&mut c, 1);
            assert_eq!(rx.recv().unwrap(), want, "{what}");
        }
    }

    /// Before a wait, a batch goes early only when it has enough flows and filled quickly.
    #[test]
    fn a_warm_batch_goes_before_the_worker_waits() {
        let mut c = core_of(Box::new(Domains(true)), 16);
        // `send`'s domain is the number of flows.
        let flows = send;
        let quick = std::time::Duration::from_millis(1);
        let slow = WARM_BATCH_AGE + quick;
        flows(&mut c, MIN_BATCH_RECORDS as u32 - 1);
        c.before_wait(quick);
        assert_eq!(c.batch_len(), MIN_BATCH_RECORDS - 1, "too few flows: kept");
        flows(&mut c, 1);
        c.before_wait(slow);
        assert_eq!(c.batch_len(), MIN_BATCH_RECORDS, "filled slowly: kept");
        c.before_wait(WARM_BATCH_AGE);
        assert_eq!(c.batch_len(), 0, "enough, filled quickly: handed out");
    }

    #[test]
    fn exporter_stats_are_capped_least_recently_seen_first() {
        let mut c = core(1000);
        for d in 0..200_000 {
            send(&mut c, d);
            // One busy exporter keeps being seen: it is never evicted.
            send(&mut c, u32::MAX);
        }
        assert!(c.exporters.len() <= 1000);
        assert_eq!(c.exporters_evicted, 200_001 - c.exporters.len() as u64);
        let busy = &c.exporters[&("192.0.2.1".parse().unwrap(), u32::MAX)];
        assert_eq!(busy.packets, 200_000);
        // The most recent ones are still there.
        assert!(c
            .exporters
            .contains_key(&("192.0.2.1".parse().unwrap(), 199_999)));
    }

    #[test]
    fn batch_follows_the_last_level_cache() {
        let flow = std::mem::size_of::<Flow>();
        assert_eq!(records_for_cache(None), BATCH_RECORDS);
        // A quarter of the cache in flows, down to a power of two, within the bounds.
        assert_eq!(records_for_cache(Some(8 << 20)), 2048);
        assert_eq!(records_for_cache(Some(16 << 20)), 4096);
        assert_eq!(records_for_cache(Some(32 << 20)), 8192);
        assert_eq!(records_for_cache(Some(256 << 20)), BATCH_RECORDS);
        assert_eq!(records_for_cache(Some(1 << 20)), MIN_BATCH_RECORDS);
        assert_eq!(records_for_cache(Some(0)), MIN_BATCH_RECORDS);
        assert!(4 * 4096 * flow <= 16 << 20 && 4 * 8192 * flow > 16 << 20);
    }

    #[test]
    fn last_level_cache_from_sysfs() {
        let dir = std::env::temp_dir().join(format!("pmrs-cache-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let index = |n: u32, level: &str, kind: &str, size: &str| {
            let d = dir.join(format!("index{n}"));
            std::fs::create_dir_all(&d).unwrap();
            std::fs::write(d.join("level"), format!("{level}\n")).unwrap();
            std::fs::write(d.join("type"), format!("{kind}\n")).unwrap();
            std::fs::write(d.join("size"), format!("{size}\n")).unwrap();
        };
        assert_eq!(last_level_cache_bytes(&dir), None);
        index(0, "1", "Data", "32K");
        index(1, "1", "Instruction", "64K");
        assert_eq!(last_level_cache_bytes(&dir), Some(32 << 10));
        index(2, "2", "Unified", "512K");
        index(3, "3", "Unified", "8192K");
        assert_eq!(last_level_cache_bytes(&dir), Some(8 << 20));
        // An instruction cache never counts, nor an unreadable size.
        index(4, "4", "Instruction", "64M");
        index(5, "4", "Unified", "lots");
        assert_eq!(last_level_cache_bytes(&dir), Some(8 << 20));
        index(6, "4", "Unified", "1M");
        assert_eq!(last_level_cache_bytes(&dir), Some(1 << 20));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
