//! The kafka plugin (pmacct's `kafka_plugin.c`): an aggregation cache purged every
//! `kafka_refresh_time`, each entry one JSON object (with `writer_id`) on the topic.
//!
//! Differences from 1.7.7, by design (docs/COMPATIBILITY.md "## Kafka"): no forked writer per
//! purge (the writer is a long-lived producer, so `writer_id` keeps the daemon's PID and
//! purges are never refused for `kafka_max_writers`); records librdkafka cannot deliver are
//! retried from a bounded buffer instead of lost; `purge_close` is delayed 1 s without
//! blocking the plugin.

use std::time::{Duration, SystemTime};

use pmacct_config::{key, Key, Scope};

use anyhow::anyhow;
use pmacct_flow::cache::{Cache, CacheConfig, Entry, History, Insert, PurgeSchedule};
use pmacct_flow::format::{Encoder, EncoderOptions, OutputFormat};
use pmacct_flow::time::TimestampOptions;
use pmacct_flow::{Aggregate, Flow};

use super::config::KafkaConfig;
use super::log::{default_sink, LogLevel, LogSink, PluginLog};
use super::template::RecordVars;
use super::writer::{FlushReport, KafkaStats, KafkaWriter};
use crate::keys::{self, need, CommonKeys, COMMON_KEYS};
use crate::{for_each_flow, purge_instant, unix_secs, Plugin, PluginCounters};

/// `kafka_output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KafkaOutput {
    #[default]
    Json,
    Avro,
    AvroJson,
}

impl KafkaOutput {
    pub fn parse(s: &str) -> Option<KafkaOutput> {
        match s.trim().to_ascii_lowercase().as_str() {
            "json" => Some(KafkaOutput::Json),
            "avro" => Some(KafkaOutput::Avro),
            "avro_json" => Some(KafkaOutput::AvroJson),
            _ => None,
        }
    }
}

/// Everything the kafka plugin reads from the configuration. `Default` is pmacct's defaults.
#[derive(Debug, Clone)]
pub struct KafkaPluginConfig {
    /// Transport keys; `kafka.plugin_name` is the instance name (`kafka[name]`).
    pub kafka: KafkaConfig,
    /// `aggregate` (default `src_host`).
    pub aggregate: Aggregate,
    /// `kafka_output` (json; avro and avro_json are recognized and refused).
    pub output: KafkaOutput,
    /// `kafka_refresh_time` seconds (60).
    pub refresh_time: u64,
    /// `kafka_history` (+ `kafka_history_roundoff` inside).
    pub history: Option<History>,
    /// `kafka_num_protos`.
    pub num_protos: bool,
    /// `kafka_cache_entries` (16411).
    pub cache_entries: usize,
    /// `timestamps_secs`, `_since_epoch`, `_utc`, `_rfc3339`.
    pub timestamps: TimestampOptions,
    /// `nfacctd_time_new`: bin by the plugin's clock instead of flow start time.
    pub time_new: bool,
}

impl Default for KafkaPluginConfig {
    fn default() -> Self {
        KafkaPluginConfig::from_scope("default_kafka", &Scope::default())
            .expect("the registry's kafka defaults are valid")
    }
}

/// The kafka plugin's keys besides the transport's ([`KafkaConfig::KEYS`]) and the
/// shared ones ([`COMMON_KEYS`]).
const PLUGIN_KEYS: &[Key] = &[
    key::KAFKA_REFRESH_TIME,
    key::KAFKA_HISTORY,
    key::KAFKA_HISTORY_ROUNDOFF,
    key::KAFKA_HISTORY_OFFSET,
    key::KAFKA_OUTPUT,
    key::KAFKA_NUM_PROTOS,
    key::KAFKA_CACHE_ENTRIES,
];

/// Keys of kafka plugin features pmacct-rs does not have: set, they are errors rather than
/// silently ignored.
const UNSUPPORTED_KEYS: &[Key] = &[
    key::KAFKA_TRIGGER_EXEC,
    key::KAFKA_PREPROCESS,
    key::KAFKA_PREPROCESS_TYPE,
    key::KAFKA_AVRO_SCHEMA_REGISTRY,
];

impl KafkaPluginConfig {
    /// The configuration of instance `name` from its scope (global values already
    /// overridden by `key[name]` ones), as the registry parsed and defaulted them, with the
    /// kafka plugin's own value rules.
    pub fn from_scope(name: &str, scope: &Scope) -> Result<KafkaPluginConfig, String> {
        if let Some(k) = UNSUPPORTED_KEYS.iter().find(|k| scope.is_set(**k)) {
            return Err(format!("'{}' is not supported yet by pmacct-rs.", k.name()));
        }
        let common = CommonKeys::read(scope)?;
        let mut kafka = KafkaConfig::from_scope(name, scope)?;
        kafka.post_tag = common.post_tag;
        kafka.post_tag2 = common.post_tag2;
        let output = match scope.enum_value(key::KAFKA_OUTPUT, KafkaOutput::parse) {
            Ok(o) => need(o, key::KAFKA_OUTPUT)?,
            Err(v) => return Err(format!("'kafka_output': invalid value '{v}'")),
        };
        Ok(KafkaPluginConfig {
            kafka,
            aggregate: common.aggregate,
            output,
            refresh_time: need(scope.u64(key::KAFKA_REFRESH_TIME), key::KAFKA_REFRESH_TIME)?,
            history: keys::history(
                scope,
                [
                    key::KAFKA_HISTORY,
                    key::KAFKA_HISTORY_ROUNDOFF,
                    key::KAFKA_HISTORY_OFFSET,
                ],
            )?,
            num_protos: scope.bool(key::KAFKA_NUM_PROTOS),
            cache_entries: need(
                scope.num(key::KAFKA_CACHE_ENTRIES)?,
                key::KAFKA_CACHE_ENTRIES,
            )?,
            timestamps: common.timestamps,
            time_new: common.time_new,
        })
    }

    /// Replace this configuration by the one `pairs` give (key names as written in config
    /// files, validated by the registry; for tests and embedders), keeping the instance
    /// name. Pairs that are not the kafka plugin's keys are returned for the caller.
    pub fn apply_keys<'a>(
        &mut self,
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Vec<(&'a str, &'a str)>, String> {
        let own: Vec<Key> = [
            PLUGIN_KEYS,
            KafkaConfig::KEYS,
            COMMON_KEYS,
            UNSUPPORTED_KEYS,
        ]
        .concat();
        let (scope, rest) = keys::scope_from_pairs(pairs, &own)?;
        *self = KafkaPluginConfig::from_scope(&self.kafka.plugin_name, &scope)?;
        Ok(rest)
    }
}

/// A running kafka plugin instance.
pub struct KafkaPlugin {
    cfg: KafkaPluginConfig,
    log: PluginLog,
    encoder: Encoder,
    cache: Cache,
    schedule: PurgeSchedule,
    writer: Option<KafkaWriter>,
    /// Entries of the purge being written and its bytes (reused).
    purged: Vec<Entry>,
    buf: Vec<u8>,
    /// Records dropped because the cache stayed full even after an urgent purge.
    pub cache_dropped: u64,
    /// Aggregates written by purges since start-up (metrics).
    purged_total: u64,
    /// What the shutdown flush achieved (after [`Plugin::shutdown`]).
    pub final_report: Option<FlushReport>,
}

fn vars_of(e: &Entry) -> RecordVars {
    let p = &e.prims;
    RecordVars {
        peer_src_ip: p.peer_src_ip,
        tag: p.tag,
        tag2: p.tag2,
        src_host: p.src_ip,
        dst_host: p.dst_ip,
        src_port: p.src_port,
        dst_port: p.dst_port,
        proto: p.proto,
        in_iface: p.in_iface,
    }
}

impl KafkaPlugin {
    /// Start the plugin at `now`, logging through the plugins' log hook.
    pub fn new(cfg: KafkaPluginConfig, now: SystemTime) -> anyhow::Result<KafkaPlugin> {
        KafkaPlugin::with_log(cfg, now, default_sink())
    }

    /// As [`KafkaPlugin::new`] with an explicit log sink.
    pub fn with_log(
        cfg: KafkaPluginConfig,
        now: SystemTime,
        sink: LogSink,
    ) -> anyhow::Result<KafkaPlugin> {
        let log = PluginLog::new(&cfg.kafka.plugin_name, sink.clone());
        let fail = |msg: String| {
            log.log(LogLevel::Error, &format!("{msg} Exiting."));
            anyhow!("{msg}")
        };
        match cfg.output {
            KafkaOutput::Json => {}
            KafkaOutput::Avro | KafkaOutput::AvroJson => return Err(fail(
                "kafka_output: avro and avro_json are not supported yet by pmacct-rs; use json."
                    .into(),
            )),
        }
        cfg.kafka.validate().map_err(fail)?;
        log.log(
            LogLevel::Info,
            &format!(
                "cache entries={} base cache memory={} bytes",
                cfg.cache_entries,
                Cache::pmacct_memory_figure(cfg.cache_entries)
            ),
        );
        let writer = KafkaWriter::new(&cfg.kafka, sink).map_err(fail)?;
        let opts = EncoderOptions {
            separator: String::new(),
            num_protos: cfg.num_protos,
            timestamps: cfg.timestamps,
            writer_id: Some(writer.writer_id().to_string()),
            history: cfg.history.is_some(),
        };
        let encoder = Encoder::new(OutputFormat::Json, &cfg.aggregate, opts)
            .map_err(|e| fail(e.to_string()))?;
        log.log(LogLevel::Info, "JSON: setting object handlers.");
        let t = unix_secs(now);
        let roundoff = cfg
            .history
            .as_ref()
            .map(|h| h.roundoff.clone())
            .unwrap_or_default();
        let schedule = PurgeSchedule::new(
            t,
            cfg.refresh_time,
            cfg.kafka.startup_delay,
            &roundoff,
            cfg.timestamps.utc,
        );
        let cache = Cache::new(
            CacheConfig {
                aggregate: cfg.aggregate,
                history: cfg.history.clone(),
                cache_entries: cfg.cache_entries,
                startup_delay: cfg.kafka.startup_delay,
                utc: cfg.timestamps.utc,
            },
            t,
        );
        Ok(KafkaPlugin {
            cfg,
            log,
            encoder,
            cache,
            schedule,
            writer: Some(writer),
            purged: Vec::new(),
            buf: Vec::with_capacity(64 * 1024),
            cache_dropped: 0,
            purged_total: 0,
            final_report: None,
        })
    }

    /// Entries waiting in the cache.
    pub fn cached(&self) -> usize {
        self.cache.len()
    }

    /// Transport counters (SIGUSR1, metrics); the final ones after shutdown.
    pub fn stats(&self) -> KafkaStats {
        match (&self.writer, &self.final_report) {
            (Some(w), _) => w.stats(),
            (None, Some(r)) => r.stats,
            (None, None) => KafkaStats::default(),
        }
    }

    pub fn writer_id(&self) -> Option<&str> {
        self.writer.as_ref().map(KafkaWriter::writer_id)
    }

    fn insert(&mut self, f: &Flow, now: i64) {
        if self.cache.insert(f) == Insert::Done {
            return;
        }
        // pmacct: urgent purge to make room, then try again.
        self.log.log(
            LogLevel::Info,
            "Finished cache entries (ie. kafka_cache_entries). Purging.",
        );
        self.write_purge(false, now);
        if self.cache.insert(f) == Insert::Full {
            self.cache_dropped += 1;
        }
    }

    /// Drain the cache and write one purge (`kafka_cache_purge()`): markers, one object per
    /// committed entry (or multi-values batches), pmacct's START/END log lines.
    fn write_purge(&mut self, exiting: bool, now: i64) {
        let Some(writer) = self.writer.as_mut() else {
            return;
        };
        let mut purged = std::mem::take(&mut self.purged);
        let total = self.cache.drain_committed(exiting, &mut purged);
        let pid = std::process::id();
        let name = &self.cfg.kafka.plugin_name;
        self.log.log(
            LogLevel::Info,
            &format!("*** Purging cache - START (PID: {pid}) ***"),
        );
        let first_vars = purged.first().map(vars_of).unwrap_or_default();
        if self.cfg.kafka.markers {
            self.buf.clear();
            self.encoder.write_start_marker(&mut self.buf, name, pid);
            writer.write_marker(&self.buf, &first_vars, Duration::ZERO);
        }
        let mut written = 0usize;
        for e in &purged {
            self.buf.clear();
            self.encoder
                .write_record(&mut self.buf, e, now.max(0) as u64);
            match writer.write_record(&self.buf, &vars_of(e)) {
                Ok(()) => written += 1,
                Err(err) => self.log.log(LogLevel::Error, &err.to_string()),
            }
        }
        writer.flush_batch();
        self.purged_total += written as u64;
        let duration = (unix_secs(SystemTime::now()) - now).max(0) as u64;
        if self.cfg.kafka.markers {
            let last_vars = purged.last().map(vars_of).unwrap_or_default();
            self.buf.clear();
            self.encoder
                .write_end_marker(&mut self.buf, name, pid, written, total, duration);
            // pmacct sleeps 1 s first so that purge_close lands after the records.
            writer.write_marker(&self.buf, &last_vars, Duration::from_secs(1));
        }
        self.log.log(
            LogLevel::Info,
            &format!(
                "*** Purging cache - END (PID: {pid}, QN: {written}/{total}, ET: {duration}) ***"
            ),
        );
        purged.clear();
        self.purged = purged;
    }
}

impl Plugin for KafkaPlugin {
    fn name(&self) -> &str {
        &self.cfg.kafka.plugin_name
    }

    fn kind(&self) -> &'static str {
        "kafka"
    }

    fn process(&mut self, batch: &[Flow]) {
        let now = unix_secs(SystemTime::now());
        self.cache.update_time(now);
        let time_new = self.cfg.time_new;
        for_each_flow(batch, time_new, |f| self.insert(f, now));
    }

    fn next_purge(&self) -> SystemTime {
        purge_instant(self.schedule.deadline())
    }

    fn purge(&mut self, now: SystemTime) -> anyhow::Result<()> {
        let t = unix_secs(now);
        self.cache.update_time(t);
        self.write_purge(false, t);
        self.schedule.advance();
        Ok(())
    }

    /// Final purge, then deliver what is pending within `kafka_flush_timeout`; what is still
    /// undelivered then is counted, logged, and reported as an error.
    fn shutdown(&mut self, now: SystemTime) -> anyhow::Result<()> {
        self.write_purge(true, unix_secs(now));
        let Some(writer) = self.writer.take() else {
            return Ok(());
        };
        let rep = writer.close();
        self.final_report = Some(rep);
        if rep.undelivered_records > 0 || rep.undelivered_messages > 0 {
            return Err(anyhow!(
                "{} records ({} messages) not delivered to Kafka before shutdown",
                rep.undelivered_records,
                rep.undelivered_messages
            ));
        }
        Ok(())
    }

    fn counters(&self) -> PluginCounters {
        PluginCounters {
            purged_records: self.purged_total,
            cache_entries: self.cache.len() as u64,
            cache_dropped: self.cache_dropped,
            kafka: Some(self.stats()),
        }
    }
}
