//! The core every aggregating plugin shares (print, kafka; next memory, amqp, SQL): pmacct's
//! `P_cache_*` skeleton around one plugin's writer. It owns the aggregation cache, the purge
//! schedule, the encoder, `*_time_new`, the urgent purge when the cache is full, pmacct's
//! purge START/END log lines and the counters; a plugin only says how one purge is written
//! ([`PurgeWriter`]). A plugin type is `Aggregator<ItsWriter>`, driven by the daemon through
//! [`Plugin`].

use std::time::SystemTime;

use pmacct_flow::cache::{Cache, CacheConfig, Entry, History, Insert, PurgeSchedule};
use pmacct_flow::custom::CustomValues;
use pmacct_flow::flow::custom_of;
use pmacct_flow::format::{Encoder, EncoderOptions, OutputFormat};
use pmacct_flow::geo::GeoValues;
use pmacct_flow::shard::ShardKey;
use pmacct_flow::time::TimestampOptions;
use pmacct_flow::{Aggregate, Flow, FlowBatch, Primitive, Primitives};
use pmacct_maps::geoip::{GeoDb, Wanted};
use std::sync::Arc;

use crate::log::{plugin_log, PluginLog};
use crate::preprocess::PurgeHooks;
use crate::shards::{order, Shards};
use crate::{Plugin, PluginCounters};

/// Seconds since the epoch: how the aggregation cache and the purge schedule count time.
pub(crate) fn unix_secs(t: SystemTime) -> i64 {
    t.duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// When a purge due at `deadline` happens: pmacct purges at the first whole second after
/// the deadline (`now > deadline`).
fn purge_instant(deadline: i64) -> SystemTime {
    std::time::UNIX_EPOCH + std::time::Duration::from_secs((deadline + 1).max(0) as u64)
}

/// What the core takes from a plugin's configuration.
pub(crate) struct CoreConfig {
    /// `aggregate`.
    pub aggregate: Aggregate,
    /// `*_history` (+ roundoff and offset inside).
    pub history: Option<History>,
    /// `*_cache_entries`.
    pub cache_entries: usize,
    /// `*_cache_entries` as the plugin names it, for the cache-full log line.
    pub cache_entries_key: &'static str,
    /// `*_refresh_time` seconds.
    pub refresh_time: u64,
    /// `*_startup_delay` seconds.
    pub startup_delay: u64,
    /// `timestamps_utc`: bins and history roundoff in UTC.
    pub utc: bool,
    /// `nfacctd_time_new`: bin by the plugin's clock instead of the flow's start time.
    pub time_new: bool,
    /// `*_stitching`.
    pub stitching: bool,
    /// `nfacctd_pro_rating`.
    pub pro_rating: bool,
    /// `geoipv2_file`.
    pub geoipv2_file: Option<String>,
    /// `*_preprocess` and `*_trigger_exec` (print, kafka, amqp).
    pub hooks: PurgeHooks,
}

/// The GeoIP lookups of a plugin whose aggregate has GeoIP primitives (pmacct's
/// `*_geoipv2_lookup_handler` and the handlers of the primitives, per plugin).
struct GeoLookup {
    /// None: no `geoipv2_file`, or it could not be loaded (pmacct's values stay empty).
    db: Option<GeoDb>,
    src: Wanted,
    dst: Wanted,
}

impl GeoLookup {
    /// The lookups `aggregate` needs, with `geoipv2_file` opened (pmacct's start-up line,
    /// or its warning and empty values when the file cannot be loaded).
    fn new(aggregate: &Aggregate, file: Option<&str>, log: &PluginLog) -> Option<GeoLookup> {
        let has = |p| aggregate.contains(p);
        let src = Wanted {
            country: has(Primitive::SrcHostCountry),
            pocode: has(Primitive::SrcHostPocode),
            coords: has(Primitive::SrcHostCoords),
        };
        let dst = Wanted {
            country: has(Primitive::DstHostCountry),
            pocode: has(Primitive::DstHostPocode),
            coords: has(Primitive::DstHostCoords),
        };
        if !src.any() && !dst.any() {
            return None;
        }
        let db = file.and_then(|f| match GeoDb::open(f) {
            Ok(db) => {
                plugin_log!(log, Info, "geoipv2_file database {f} loaded");
                Some(db)
            }
            Err(e) => {
                plugin_log!(log, Warn, "geoipv2_file database can't be loaded ({e}).");
                None
            }
        });
        Some(GeoLookup { db, src, dst })
    }

    /// The GeoIP values of `f` (on the stack: no allocation).
    fn values(&self, f: &Flow) -> GeoValues {
        let mut g = GeoValues::EMPTY;
        if let Some(db) = &self.db {
            if let Some(a) = f.prims.src_ip.filter(|_| self.src.any()) {
                g.src = db.lookup(a, self.src);
            }
            if let Some(a) = f.prims.dst_ip.filter(|_| self.dst.any()) {
                g.dst = db.lookup(a, self.dst);
            }
        }
        g
    }
}

/// pmacct's first start-up line of a caching plugin.
pub(crate) fn log_cache_memory(log: &PluginLog, cache_entries: usize) {
    plugin_log!(
        log,
        Info,
        "cache entries={} base cache memory={} bytes",
        cache_entries,
        Cache::pmacct_memory_figure(cache_entries)
    );
}

/// `writer_id` of a kafka/amqp record: `writer_id_string` (pmacct 1.7.8+) with `$proc_name`
/// (the plugin name), `$writer_pid` and `$pmacct_build` expanded, by default
/// `$proc_name/$writer_pid` (1.7.7's `<name>/<pid>`). Other `$` text is kept as written.
pub(crate) fn writer_id(template: Option<&str>, name: &str, pid: u32) -> String {
    let t = template.unwrap_or("$proc_name/$writer_pid");
    let mut out = String::with_capacity(t.len() + 16);
    let mut rest = t;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let var = [
            ("proc_name", name.to_string()),
            ("writer_pid", pid.to_string()),
            (
                "pmacct_build",
                pmacct_flow::primitives::PMACCT_BUILD.to_string(),
            ),
        ]
        .into_iter()
        .find(|(v, _)| after.starts_with(v));
        match var {
            Some((v, val)) => {
                out.push_str(&val);
                rest = &after[v.len()..];
            }
            None => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The settings of a plugin publishing JSON messages to a broker (kafka, amqp).
pub(crate) struct MessageCore<'a> {
    pub aggregate: Aggregate,
    pub history: Option<History>,
    pub num_protos: bool,
    pub timestamps: TimestampOptions,
    pub time_new: bool,
    pub cache_entries: usize,
    pub cache_entries_key: &'static str,
    pub refresh_time: u64,
    pub startup_delay: u64,
    /// `*_stitching`, `nfacctd_pro_rating`, `geoipv2_file` (see [`CoreConfig`]).
    pub stitching: bool,
    pub pro_rating: bool,
    pub geoipv2_file: Option<String>,
    /// `<name>/<pid>` or `writer_id_string` expanded, in every record.
    pub writer_id: &'a str,
    /// Json, Avro or AvroJson (kafka_output).
    pub format: OutputFormat,
    /// The pmacct 1.7.8+ `*_encode_as_*` keys.
    pub encodings: pmacct_flow::format::Encodings,
    /// `kafka_preprocess` / `amqp_preprocess`, `*_trigger_exec`.
    pub hooks: PurgeHooks,
}

impl MessageCore<'_> {
    /// The JSON encoder (records carry `writer_id`) and the core's settings, with pmacct's
    /// start-up log line.
    pub(crate) fn build(self, log: &PluginLog) -> Result<(Encoder, CoreConfig), String> {
        let opts = EncoderOptions {
            separator: String::new(),
            num_protos: self.num_protos,
            timestamps: self.timestamps,
            writer_id: Some(self.writer_id.to_string()),
            history: self.history.is_some(),
            stitching: self.stitching,
            encodings: self.encodings,
        };
        let encoder =
            Encoder::new(self.format, &self.aggregate, opts).map_err(|e| e.to_string())?;
        if self.format == OutputFormat::Json {
            plugin_log!(log, Info, "JSON: setting object handlers.");
        }
        let core = CoreConfig {
            aggregate: self.aggregate,
            history: self.history,
            cache_entries: self.cache_entries,
            cache_entries_key: self.cache_entries_key,
            refresh_time: self.refresh_time,
            startup_delay: self.startup_delay,
            utc: self.timestamps.utc,
            time_new: self.time_new,
            stitching: self.stitching,
            pro_rating: self.pro_rating,
            geoipv2_file: self.geoipv2_file,
            hooks: self.hooks,
        };
        Ok((encoder, core))
    }
}

/// A broker transport as the purge of a JSON message plugin (kafka, amqp) drives it.
pub(crate) trait MessageTransport {
    /// A `purge_init` (`close` false) or `purge_close` marker; `vars` are the first or last
    /// record's (for dynamic topics / routing keys).
    fn marker(&mut self, obj: &[u8], vars: &Primitives, close: bool);
    /// One record; an error is logged and the record not counted as written.
    fn record(&mut self, obj: &[u8], vars: &Primitives) -> Result<(), String>;
    /// One record that `encode` appends to the buffer it is given: by default `buf` (cleared
    /// first), then [`MessageTransport::record`]; a transport that builds messages of several
    /// records (kafka_multi_values) has it encode straight into the message.
    fn record_with(
        &mut self,
        buf: &mut Vec<u8>,
        vars: &Primitives,
        encode: impl FnOnce(&mut Vec<u8>),
    ) -> Result<(), String> {
        buf.clear();
        encode(buf);
        self.record(buf, vars)
    }
    /// After the purge's last record, before `purge_close`.
    fn end_records(&mut self);
}

/// pmacct's `kafka_cache_purge()` / `amqp_cache_purge()`: `purge_init` with `markers`, one
/// JSON object per committed entry, `purge_close` with the counts and duration.
pub(crate) fn write_json_messages<T: MessageTransport>(
    t: &mut T,
    p: &mut Purge<'_>,
    name: &str,
    markers: bool,
) {
    if markers && p.first {
        let first = p.entries.first().map(|e| e.prims).unwrap_or_default();
        p.buf.clear();
        p.encoder.write_start_marker(p.buf, name, p.pid);
        t.marker(p.buf, &first, false);
    }
    let now = p.now.max(0) as u64;
    for e in p.entries {
        let encoder = p.encoder;
        match t.record_with(p.buf, &e.prims, |out| encoder.write_record(out, e, now)) {
            Ok(()) => p.written += 1,
            Err(err) => plugin_log!(p.log, Error, "{err}"),
        }
    }
    if !p.last {
        return;
    }
    t.end_records();
    if markers {
        let duration = (unix_secs(SystemTime::now()) - p.now).max(0) as u64;
        let last = p.entries.last().map(|e| e.prims).unwrap_or_default();
        p.buf.clear();
        p.encoder
            .write_end_marker(p.buf, name, p.pid, p.written, p.total, duration);
        t.marker(p.buf, &last, true);
    }
}

/// One purge as a writer sees it.
pub struct Purge<'a> {
    /// The committed entries, in pmacct's order.
    pub entries: &'a [Entry],
    /// Entries drained, committed or not (pmacct's queue size: QN's second figure and the
    /// markers' `total_entries`).
    pub total: usize,
    pub pid: u32,
    /// When the purge started (seconds since the epoch).
    pub now: i64,
    /// An urgent purge because the cache was full (pmacct's `safe_action`).
    pub urgent: bool,
    /// Records written; the writer counts them (QN's first figure, the purged counter).
    pub written: usize,
    pub encoder: &'a Encoder,
    /// A reused output buffer, empty on entry.
    pub buf: &'a mut Vec<u8>,
    pub log: &'a PluginLog,
    /// A streamed purge ([`PurgeWriter::streams`]) comes in chunks of entries: whether this
    /// is its first chunk (start marker) and its last (end marker, batches flushed). Both
    /// true for a purge written at once.
    pub first: bool,
    pub last: bool,
}

/// How one plugin writes a purge.
pub trait PurgeWriter: Send {
    /// The plugin type as pmacct names it (`print`, `kafka`).
    const KIND: &'static str;

    /// Whether a purge that drained nothing is written; when not, pmacct only logs its START
    /// and END lines (`ET: X`).
    fn writes_empty(&self) -> bool {
        true
    }

    /// Whether purges can still be written (false once the transport is closed).
    fn is_open(&self) -> bool {
        true
    }

    /// The cache is full: an urgent purge follows (print warns about appending).
    fn cache_full(&mut self, _log: &PluginLog) {}

    /// Write the purge's entries (and markers, headers...), counting them in `p.written`.
    fn write(&mut self, p: &mut Purge<'_>) -> anyhow::Result<()>;

    /// Whether `write` takes a purge in chunks ([`Purge::first`], [`Purge::last`]): the
    /// cache is then decoded [`PURGE_CHUNK`] entries at a time instead of all at once. Only
    /// without `*_preprocess`, whose checks see the whole purge.
    fn streams(&self) -> bool {
        false
    }

    /// After each purge, written or empty (`exiting`: the final one): the SQL plugins'
    /// `sql_trigger_exec` deadline.
    fn after_purge(&mut self, _now: i64, _exiting: bool) {}

    /// After the final purge: deliver what is pending and close.
    fn close(&mut self) -> anyhow::Result<()> {
        Ok(())
    }

    /// The plugin's own metric values ([`crate::plugin_metrics`] of [`Self::KIND`], in
    /// that order).
    fn metric_values(&self, _values: &mut [u64; crate::MAX_PLUGIN_METRICS]) {}
}

/// Entries whose purge list is kept between purges (larger lists are freed after the purge).
pub(crate) const PURGED_KEEP: usize = 65_536;

/// Batches of stage-changed flows kept for shard threads ([`Aggregator::process_batch`]
/// with shards): as many as can be in flight to them, so none is allocated once warm.
const OWN_BATCHES: usize = 8;

/// Entries decoded per chunk of a streamed purge: ~0.7 MB, reused (hot in cache, no page
/// faults), where a whole 1M-entry purge decoded at once is ~0.7 GB of fresh pages.
pub const PURGE_CHUNK: usize = 1024;

/// A running aggregating plugin: the shared core around the plugin's writer `W`.
pub struct Aggregator<W> {
    /// The plugin's side: its config, transport and output state.
    pub writer: W,
    log: PluginLog,
    encoder: Encoder,
    cache: Cache,
    schedule: PurgeSchedule,
    time_new: bool,
    /// GeoIP primitives in the aggregate: their lookups.
    geo: Option<GeoLookup>,
    cache_entries_key: &'static str,
    /// Entries of the purge being written (reused).
    purged: Vec<Entry>,
    /// Output bytes of the record being written (reused).
    buf: Vec<u8>,
    /// Records dropped because the cache stayed full even after an urgent purge.
    cache_dropped: u64,
    /// Aggregates written by purges since start-up.
    purged_total: u64,
    hooks: PurgeHooks,
    /// The entries `*_preprocess` keeps (reused).
    kept: Vec<Entry>,
    /// How a shard's cache is made ([`Plugin::set_shards`]).
    cache_cfg: CacheConfig,
    stitching: bool,
    pro_rating: bool,
    /// The shard threads when the cache is split; `self.cache` is shard 0.
    shards: Option<Shards>,
    /// `*_cache_entries` over all shards.
    bound: usize,
    /// Batches the flows of [`Plugin::process_batch`] travel to the shards in (reused).
    own_batches: Vec<Arc<FlowBatch>>,
    /// Indexes of shard 0's flows in the batch being accounted (reused).
    own_idx: Vec<u32>,
}

impl<W: PurgeWriter> Aggregator<W> {
    /// Start the core at `now`: the cache and the first purge deadline.
    pub(crate) fn start(
        cfg: CoreConfig,
        writer: W,
        encoder: Encoder,
        log: PluginLog,
        now: SystemTime,
    ) -> Aggregator<W> {
        let t = unix_secs(now);
        let geo = GeoLookup::new(&cfg.aggregate, cfg.geoipv2_file.as_deref(), &log);
        let roundoff = cfg
            .history
            .as_ref()
            .map(|h| h.roundoff.clone())
            .unwrap_or_default();
        let schedule =
            PurgeSchedule::new(t, cfg.refresh_time, cfg.startup_delay, &roundoff, cfg.utc);
        let cache_cfg = CacheConfig {
            aggregate: cfg.aggregate,
            history: cfg.history,
            cache_entries: cfg.cache_entries,
            startup_delay: cfg.startup_delay,
            utc: cfg.utc,
        };
        let cache = Cache::new(cache_cfg.clone(), t)
            .with_stitching(cfg.stitching)
            .with_pro_rating(cfg.pro_rating);
        let bound = cache.max_entries();
        Aggregator {
            writer,
            log,
            encoder,
            cache,
            schedule,
            time_new: cfg.time_new,
            geo,
            cache_entries_key: cfg.cache_entries_key,
            purged: Vec::new(),
            buf: Vec::with_capacity(64 * 1024),
            cache_dropped: 0,
            purged_total: 0,
            hooks: cfg.hooks,
            kept: Vec::new(),
            cache_cfg,
            stitching: cfg.stitching,
            pro_rating: cfg.pro_rating,
            shards: None,
            bound,
            own_batches: Vec::new(),
            own_idx: Vec::new(),
        }
    }

    /// Entries waiting in the cache (all shards).
    pub fn cached(&self) -> usize {
        self.cache.len() + self.shards.as_ref().map_or(0, |s| s.len())
    }

    /// Records dropped because the cache stayed full even after an urgent purge.
    pub fn cache_dropped(&self) -> u64 {
        self.cache_dropped + self.shards.as_ref().map_or(0, |s| s.dropped())
    }

    /// Account a batch on the shards: the shard threads get it, this thread accounts
    /// shard 0's flows.
    fn process_sharded(&mut self, batch: &Arc<FlowBatch>) {
        let now = unix_secs(SystemTime::now());
        self.cache.update_time(now);
        // `*_cache_entries` over all shards, checked between batches (see crate::shards).
        if self.cached() >= self.bound {
            self.urgent_purge(now);
        }
        let Some(shards) = &mut self.shards else {
            return;
        };
        let mut own = std::mem::take(&mut self.own_idx);
        let seq = shards.dispatch(batch, now, &mut own);
        for &i in &own {
            if let Some(f) = batch.flows().get(i as usize) {
                self.cache.set_order(order(seq, i as usize));
                self.account(f, custom_of(f, &batch.custom), now);
            }
        }
        self.own_idx = own;
    }

    /// Account one flow (by its arrival time with `*_time_new`).
    #[inline]
    fn account(&mut self, f: &Flow, cv: &CustomValues, now: i64) {
        if self.time_new {
            let mut f = *f;
            f.use_arrival_time();
            self.insert(&f, cv, now);
        } else {
            self.insert(f, cv, now);
        }
    }

    /// Flows a stage changed, in a batch the shard threads can share: one of ours they
    /// are done with (no allocation once warm), else a new one.
    fn own_batch(&mut self, flows: &[Flow], custom: &[CustomValues]) -> Arc<FlowBatch> {
        let free = self
            .own_batches
            .iter_mut()
            .position(|b| Arc::get_mut(b).is_some());
        let mut b = match free {
            Some(i) => self.own_batches.swap_remove(i),
            None => Arc::new(FlowBatch::with_capacity(flows.len())),
        };
        if let Some(m) = Arc::get_mut(&mut b) {
            m.refill(flows, custom);
        }
        if self.own_batches.len() < OWN_BATCHES {
            self.own_batches.push(b.clone());
        }
        b
    }

    fn insert(&mut self, f: &Flow, custom: &CustomValues, now: i64) {
        let geo = match &self.geo {
            Some(g) => g.values(f),
            None => GeoValues::EMPTY,
        };
        if self.cache.insert_geo(f, custom, &geo) == Insert::Done {
            return;
        }
        // pmacct: urgent purge to make room, then try again.
        self.urgent_purge(now);
        if self.cache.insert_geo(f, custom, &geo) == Insert::Full {
            self.cache_dropped += 1;
        }
    }

    /// The cache is full: pmacct's log line and a purge of what is committed.
    fn urgent_purge(&mut self, now: i64) {
        plugin_log!(
            self.log,
            Info,
            "Finished cache entries (ie. {}). Purging.",
            self.cache_entries_key
        );
        self.writer.cache_full(&self.log);
        if let Err(e) = self.write_purge(false, true, now) {
            plugin_log!(self.log, Error, "purge failed: {e:#}");
        }
    }

    /// Drain the cache and write one purge (pmacct's `*_cache_purge()`). `exiting`:
    /// everything is committed; `urgent`: the cache was full. A writer that
    /// [`PurgeWriter::streams`] gets the entries [`PURGE_CHUNK`] at a time, decoded as they
    /// go out (in the same order); the others, and `*_preprocess`, the whole purge at once.
    fn write_purge(&mut self, exiting: bool, urgent: bool, now: i64) -> anyhow::Result<()> {
        if !self.writer.is_open() {
            return Ok(());
        }
        let chunk_size = if self.hooks.preprocess.is_none() && self.writer.streams() {
            PURGE_CHUNK
        } else {
            usize::MAX
        };
        let pid = std::process::id();
        plugin_log!(self.log, Info, "*** Purging cache - START (PID: {pid}) ***");
        let mut chunk = std::mem::take(&mut self.purged);
        // Shards are drained first and merged into one list (their order is known only once
        // all are drained); one cache streams its entries out as it drains.
        let merged = self
            .shards
            .as_mut()
            .map(|shards| shards.drain(&mut self.cache, exiting, now, &mut chunk));
        let total = merged.unwrap_or(self.cache.len());
        let mut written = 0;
        let mut first = true;
        let mut res = Ok(());
        let writes_empty = self.writer.writes_empty();
        let (writer, encoder, buf, log) =
            (&mut self.writer, &self.encoder, &mut self.buf, &self.log);
        let (preprocess, kept) = (&self.hooks.preprocess, &mut self.kept);
        let mut write = |entries: &[Entry], last: bool| {
            buf.clear();
            let entries = match preprocess {
                Some(pre) => {
                    pre.apply(entries, kept);
                    &kept[..]
                }
                None => entries,
            };
            let mut p = Purge {
                entries,
                total,
                pid,
                now,
                urgent,
                written,
                encoder,
                buf,
                log,
                first,
                last,
            };
            let r = writer.write(&mut p);
            written = p.written;
            first = false;
            kept.clear();
            if res.is_ok() {
                res = r;
            }
        };
        let drained = match merged {
            Some(n) => n,
            None => self
                .cache
                .drain_committed_chunked(exiting, &mut chunk, chunk_size, |c| write(c, false)),
        };
        debug_assert_eq!(drained, total);
        if drained == 0 && !writes_empty {
            plugin_log!(
                self.log,
                Info,
                "*** Purging cache - END (PID: {pid}, QN: 0/0, ET: X) ***"
            );
        } else {
            write(&chunk, true);
            self.purged_total += written as u64;
            let duration = (unix_secs(SystemTime::now()) - now).max(0);
            plugin_log!(
                self.log,
                Info,
                "*** Purging cache - END (PID: {pid}, QN: {written}/{drained}, ET: {duration}) ***"
            );
        }
        chunk.clear();
        // A decoded entry is ~10x its cache row: keep a small purge list for the next purge,
        // give a large one back (1M entries would stay ~0.7 GB resident between purges).
        if chunk.capacity() > PURGED_KEEP {
            chunk = Vec::new();
        }
        self.purged = chunk;
        self.end_purge(drained, urgent, now, exiting);
        res
    }

    /// After a purge: `*_trigger_exec`, the writer's own step.
    fn end_purge(&mut self, total: usize, urgent: bool, now: i64, exiting: bool) {
        // 1.7.7 runs it at the end of every purge it writes but an urgent one.
        if let (Some((key, exec)), false) = (&self.hooks.trigger_exec, urgent) {
            if total > 0 || self.writer.writes_empty() {
                crate::exec::spawn(key, exec, &[], &self.log);
            }
        }
        self.writer.after_purge(now, exiting);
    }
}

impl<W: PurgeWriter> Plugin for Aggregator<W> {
    fn name(&self) -> &str {
        &self.log.name
    }

    fn kind(&self) -> &'static str {
        W::KIND
    }

    /// Accounting reads the counters, the times and the family, the GeoIP lookups the
    /// addresses (all in the lead), and the aggregated primitives.
    fn reads_lead_only(&self) -> bool {
        self.cache_cfg.aggregate.reads_lead_only()
    }

    fn process_shared(&mut self, batch: &Arc<FlowBatch>) {
        if self.shards.is_some() {
            self.process_sharded(batch);
        } else {
            self.process_batch(batch.flows(), &batch.custom);
        }
    }

    fn set_shards(&mut self, n: usize) -> usize {
        let key = ShardKey::new(&self.cache_cfg.aggregate);
        let (Some(key), true, None, false) = (key, n > 1, &self.geo, self.pro_rating) else {
            return 1;
        };
        if let Some(s) = &self.shards {
            return s.count();
        }
        let t = unix_secs(SystemTime::now());
        let (cfg, stitching) = (self.cache_cfg.clone(), self.stitching);
        let new_cache = || Cache::new(cfg.clone(), t).with_stitching(stitching);
        match Shards::start(key, n, &self.log.name, self.time_new, new_cache) {
            Ok(s) => {
                self.cache.add_slack(crate::shards::SLACK);
                plugin_log!(self.log, Debug, "aggregating on {n} threads");
                self.shards = Some(s);
                n
            }
            Err(e) => {
                plugin_log!(self.log, Warn, "aggregating on one thread: {e}");
                1
            }
        }
    }

    fn process_batch(&mut self, flows: &[Flow], custom: &[CustomValues]) {
        if self.shards.is_some() {
            let b = self.own_batch(flows, custom);
            self.process_sharded(&b);
            return;
        }
        let now = unix_secs(SystemTime::now());
        self.cache.update_time(now);
        if self.geo.is_some() || self.time_new {
            pmacct_flow::flow::for_each_prefetched(flows, |_, f| {
                self.account(f, custom_of(f, custom), now)
            });
            return;
        }
        // Each flow's key packed a few flows before its turn (`Cache::insert_run`); a flow
        // that finds the cache full waits for pmacct's urgent purge, and the run goes on.
        let mut from = 0;
        while let Err(i) = self.cache.insert_run(&flows[from..], custom) {
            let f = &flows[from + i];
            self.insert(f, custom_of(f, custom), now);
            from += i + 1;
        }
    }

    fn next_purge(&self) -> SystemTime {
        purge_instant(self.schedule.deadline())
    }

    fn purge(&mut self, now: SystemTime) -> anyhow::Result<()> {
        let t = unix_secs(now);
        self.cache.update_time(t);
        let res = self.write_purge(false, false, t);
        self.schedule.advance();
        res
    }

    fn shutdown(&mut self, now: SystemTime) -> anyhow::Result<()> {
        let res = self.write_purge(true, false, unix_secs(now));
        // The shard threads end (their caches are drained).
        self.shards = None;
        self.writer.close().and(res)
    }

    fn counters(&self) -> PluginCounters {
        let mut c = PluginCounters {
            purged_records: self.purged_total,
            cache_entries: self.cached() as u64,
            cache_dropped: self.cache_dropped(),
            ..Default::default()
        };
        self.writer.metric_values(&mut c.extra);
        c
    }
}

#[cfg(test)]
mod writer_id_tests {
    use super::writer_id;

    #[test]
    fn writer_id_string_variables() {
        assert_eq!(writer_id(None, "k", 42), "k/42");
        assert_eq!(
            writer_id(Some("$proc_name"), "nfacctd_kafka", 42),
            "nfacctd_kafka"
        );
        assert_eq!(
            writer_id(Some("c1-$proc_name-$writer_pid-$pmacct_build-$x"), "k", 7),
            format!("c1-k-7-{}-$x", pmacct_flow::primitives::PMACCT_BUILD)
        );
    }
}
