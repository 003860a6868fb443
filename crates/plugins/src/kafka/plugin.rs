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
use pmacct_flow::cache::History;
use pmacct_flow::time::TimestampOptions;
use pmacct_flow::{Aggregate, OutputFormat};

use super::config::KafkaConfig;
use super::log::{default_sink, LogSink, PluginLog};
use super::registry;
use super::template::{RecordVars, Template};
use super::writer::{FlushReport, KafkaStats, KafkaWriter};
use crate::aggregating::{
    log_cache_memory, write_json_messages, writer_id, Aggregator, MessageCore, MessageTransport,
    Purge, PurgeWriter,
};
use crate::keys::{self, need, CommonKeys, COMMON_KEYS};
use crate::log::plugin_log;
use crate::preprocess::PurgeHooks;
use crate::{PluginMetric, MAX_PLUGIN_METRICS};

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
    /// `kafka_output`: json, avro (binary datums, Confluent framing with a registry) or
    /// avro_json.
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
    /// `*_stitching`: records carry `timestamp_min`/`timestamp_max`.
    pub stitching: bool,
    /// `nfacctd_pro_rating` (with history).
    pub pro_rating: bool,
    /// `geoipv2_file`.
    pub geoipv2_file: Option<String>,
    /// `avro_schema_output_file` / `avro_schema_file`: the Avro schema is written there.
    pub avro_schema_file: Option<std::path::PathBuf>,
    /// `avro_buffer_size` (8192): largest Avro record sent.
    pub avro_buffer_size: usize,
    /// `kafka_avro_schema_registry`: Confluent schema registry URL.
    pub avro_schema_registry: Option<String>,
    /// The pmacct 1.7.8+ `*_encode_as_*` keys.
    pub encodings: pmacct_flow::format::Encodings,
    /// `writer_id_string` (pmacct 1.7.8+).
    pub writer_id_string: Option<String>,
    /// `kafka_preprocess` (print's checks, as 1.7.7) and `kafka_trigger_exec`.
    pub hooks: PurgeHooks,
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
    key::KAFKA_PREPROCESS,
    key::KAFKA_PREPROCESS_TYPE,
    key::KAFKA_TRIGGER_EXEC,
    key::KAFKA_AVRO_SCHEMA_REGISTRY,
    key::AVRO_SCHEMA_OUTPUT_FILE,
    key::AVRO_SCHEMA_FILE,
    key::AVRO_BUFFER_SIZE,
];

impl KafkaPluginConfig {
    /// The configuration of instance `name` from its scope (global values already
    /// overridden by `key[name]` ones), as the registry parsed and defaulted them, with the
    /// kafka plugin's own value rules.
    pub fn from_scope(name: &str, scope: &Scope) -> Result<KafkaPluginConfig, String> {
        let common = CommonKeys::read(scope)?;
        let mut kafka = KafkaConfig::from_scope(name, scope)?;
        kafka.post_tag = common.post_tag;
        kafka.post_tag2 = common.post_tag2;
        let output = match scope.enum_value(key::KAFKA_OUTPUT, KafkaOutput::parse) {
            Ok(o) => need(o, key::KAFKA_OUTPUT)?,
            Err(v) => return Err(format!("'kafka_output': invalid value '{v}'")),
        };
        let hooks = PurgeHooks::read(
            scope,
            &common.aggregate,
            key::KAFKA_PREPROCESS,
            key::KAFKA_PREPROCESS_TYPE,
            key::KAFKA_TRIGGER_EXEC,
        )?;
        Ok(KafkaPluginConfig {
            hooks,
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
            stitching: common.stitching,
            pro_rating: common.pro_rating,
            geoipv2_file: common.geoipv2_file,
            avro_schema_file: scope
                .path(key::AVRO_SCHEMA_OUTPUT_FILE)
                .or_else(|| scope.path(key::AVRO_SCHEMA_FILE))
                .map(std::path::Path::to_path_buf),
            avro_buffer_size: need(scope.num(key::AVRO_BUFFER_SIZE)?, key::AVRO_BUFFER_SIZE)?,
            avro_schema_registry: scope
                .str(key::KAFKA_AVRO_SCHEMA_REGISTRY)
                .map(str::to_string),
            encodings: common.encodings,
            writer_id_string: common.writer_id_string,
        })
    }

    /// Replace this configuration by the one `pairs` give (key names as written in config
    /// files, validated by the registry; for tests and embedders), keeping the instance
    /// name. Pairs that are not the kafka plugin's keys are returned for the caller.
    pub fn apply_keys<'a>(
        &mut self,
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Vec<(&'a str, &'a str)>, String> {
        let own: Vec<Key> = [PLUGIN_KEYS, KafkaConfig::KEYS, COMMON_KEYS].concat();
        let (scope, rest) = keys::scope_from_pairs(pairs, &own)?;
        *self = KafkaPluginConfig::from_scope(&self.kafka.plugin_name, &scope)?;
        Ok(rest)
    }
}

/// A running kafka plugin instance: the aggregating core around [`KafkaSink`].
pub type KafkaPlugin = Aggregator<KafkaSink>;

/// The kafka plugin's side of the core: the transport and the markers.
pub struct KafkaSink {
    cfg: KafkaPluginConfig,
    /// None once closed by the final purge.
    writer: Option<KafkaWriter>,
    /// What the shutdown flush achieved (after `Plugin::shutdown`).
    pub final_report: Option<FlushReport>,
    /// `kafka_avro_schema_registry`: the Confluent header (magic byte, schema id) of every
    /// Avro record.
    avro_header: Option<[u8; 5]>,
}

/// The kafka plugin's own metric series; [`KafkaSink::metric_values`] fills them in this
/// order.
pub const METRICS: &[PluginMetric] = &[
    PluginMetric::Dropped {
        reason: "kafka_undelivered",
        help: "given up after retries",
    },
    PluginMetric::Family {
        name: "pmacct_kafka_delivery_failures_total",
        kind: "counter",
        help: "Records in failed Kafka delivery reports or refused by librdkafka (each attempt counts).",
    },
    PluginMetric::Family {
        name: "pmacct_kafka_delivered_records_total",
        kind: "counter",
        help: "Records whose delivery the Kafka broker acknowledged.",
    },
    PluginMetric::Family {
        name: "pmacct_kafka_retry_buffer_records",
        kind: "gauge",
        help: "Records held for another delivery attempt.",
    },
];

impl KafkaStats {
    /// The values of [`METRICS`].
    pub fn metric_values(&self) -> [u64; MAX_PLUGIN_METRICS] {
        [
            self.dropped,
            self.failed,
            self.delivered,
            self.buffered_records,
        ]
    }
}

impl MessageTransport for KafkaWriter {
    fn marker(&mut self, obj: &[u8], vars: &RecordVars, close: bool) {
        // pmacct sleeps 1 s before purge_close so that it lands after the records.
        let delay = if close {
            Duration::from_secs(1)
        } else {
            Duration::ZERO
        };
        self.write_marker(obj, vars, delay);
    }

    fn record(&mut self, obj: &[u8], vars: &RecordVars) -> Result<(), String> {
        self.write_record(obj, vars).map_err(|e| e.to_string())
    }

    fn record_with(
        &mut self,
        buf: &mut Vec<u8>,
        vars: &RecordVars,
        encode: impl FnOnce(&mut Vec<u8>),
    ) -> Result<(), String> {
        self.write_record_with(buf, vars, encode)
            .map_err(|e| e.to_string())
    }

    fn end_records(&mut self) {
        self.flush_batch();
    }
}

/// One Avro record per message (kafka_output avro / avro_json), each preceded by the
/// registry's header when there is one; a record larger than `avro_buffer_size` is not sent
/// (pmacct cannot serialize it into its Avro buffer either), and is logged.
fn write_avro_messages(
    writer: &mut KafkaWriter,
    p: &mut Purge<'_>,
    header: Option<[u8; 5]>,
    buffer_size: usize,
) {
    let json = p.encoder.format() == OutputFormat::AvroJson;
    for e in p.entries {
        p.buf.clear();
        let start = match header {
            Some(h) => {
                p.buf.extend_from_slice(&h);
                h.len()
            }
            None => 0,
        };
        p.encoder.write_record(p.buf, e, p.now.max(0) as u64);
        let len = p.buf.len() - start;
        if len > buffer_size {
            plugin_log!(
                p.log,
                Error,
                "Avro record of {len} bytes does not fit avro_buffer_size ({buffer_size}): not sent."
            );
            continue;
        }
        if json {
            if let Err(err) = writer.write_record(p.buf, &e.prims) {
                plugin_log!(p.log, Error, "{err}");
                continue;
            }
        } else {
            writer.write_binary_record(p.buf, &e.prims);
        }
        p.written += 1;
    }
    writer.flush_batch();
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
        let log = PluginLog::new(&cfg.kafka.plugin_name, KafkaSink::KIND, sink.clone());
        let fail = |msg: String| {
            plugin_log!(log, Error, "{msg} Exiting.");
            anyhow!("{msg}")
        };
        let format = match cfg.output {
            KafkaOutput::Json => OutputFormat::Json,
            KafkaOutput::Avro => OutputFormat::Avro,
            KafkaOutput::AvroJson => OutputFormat::AvroJson,
        };
        let avro = format != OutputFormat::Json;
        if avro && cfg.kafka.markers {
            return Err(fail(
                "kafka_markers with kafka_output avro/avro_json is not supported yet by pmacct-rs."
                    .into(),
            ));
        }
        if avro && cfg.kafka.multi_values > 0 {
            return Err(fail(
                "kafka_multi_values with kafka_output avro/avro_json is not supported yet by pmacct-rs."
                    .into(),
            ));
        }
        cfg.kafka.validate().map_err(fail)?;
        log_cache_memory(&log, cfg.cache_entries);
        cfg.hooks.log_warnings(&log);
        let writer = KafkaWriter::new(&cfg.kafka, sink).map_err(fail)?;
        let (encoder, core) = MessageCore {
            aggregate: cfg.aggregate,
            history: cfg.history.clone(),
            num_protos: cfg.num_protos,
            timestamps: cfg.timestamps,
            time_new: cfg.time_new,
            cache_entries: cfg.cache_entries,
            cache_entries_key: "kafka_cache_entries",
            refresh_time: cfg.refresh_time,
            startup_delay: cfg.kafka.startup_delay,
            stitching: cfg.stitching,
            pro_rating: cfg.pro_rating,
            geoipv2_file: cfg.geoipv2_file.clone(),
            hooks: cfg.hooks.clone(),
            writer_id: &writer_id(
                cfg.writer_id_string.as_deref(),
                &cfg.kafka.plugin_name,
                std::process::id(),
            ),
            format,
            encodings: cfg.encodings,
        }
        .build(&log)
        .map_err(fail)?;
        let mut avro_header = None;
        if let Some(schema) = encoder.avro_schema() {
            plugin_log!(
                log,
                Info,
                "p_avro_schema_build_acct_data(): building acct schema."
            );
            if let Some(path) = &cfg.avro_schema_file {
                std::fs::write(path, format!("{schema}\n")).map_err(|e| {
                    fail(format!("avro_schema_output_file {}: {e}", path.display()))
                })?;
            }
            match (&cfg.avro_schema_registry, cfg.output) {
                (Some(url), KafkaOutput::Avro) => {
                    let subject = registry::subject(
                        &cfg.kafka.topic,
                        Template::is_dynamic_str(&cfg.kafka.topic),
                        &cfg.kafka.plugin_name,
                    );
                    let id = registry::register(url, &subject, &schema).map_err(fail)?;
                    plugin_log!(log, Info, "serdes_schema_add(): name={subject} id={id}");
                    avro_header = Some(registry::header(id));
                }
                (Some(_), _) => plugin_log!(
                    log,
                    Warn,
                    "kafka_avro_schema_registry applies to kafka_output: avro only; ignored."
                ),
                (None, _) => {}
            }
        }
        let sink = KafkaSink {
            cfg,
            writer: Some(writer),
            final_report: None,
            avro_header,
        };
        Ok(Aggregator::start(core, sink, encoder, log, now))
    }

    /// Transport counters (SIGUSR1, metrics); the final ones after shutdown.
    pub fn stats(&self) -> KafkaStats {
        self.writer.stats()
    }

    pub fn writer_id(&self) -> Option<&str> {
        self.writer.writer.as_ref().map(KafkaWriter::writer_id)
    }
}

impl KafkaSink {
    fn stats(&self) -> KafkaStats {
        match (&self.writer, &self.final_report) {
            (Some(w), _) => w.stats(),
            (None, Some(r)) => r.stats,
            (None, None) => KafkaStats::default(),
        }
    }
}

impl PurgeWriter for KafkaSink {
    const KIND: &'static str = "kafka";

    fn is_open(&self) -> bool {
        self.writer.is_some()
    }

    /// Records go out as they are encoded: a purge needs no whole-cache entry list.
    fn streams(&self) -> bool {
        true
    }

    /// `kafka_cache_purge()`: markers, one object per committed entry (or multi-values
    /// batches).
    fn write(&mut self, p: &mut Purge<'_>) -> anyhow::Result<()> {
        if self.cfg.output != KafkaOutput::Json {
            if let Some(writer) = self.writer.as_mut() {
                write_avro_messages(writer, p, self.avro_header, self.cfg.avro_buffer_size);
            }
            return Ok(());
        }
        if let Some(writer) = self.writer.as_mut() {
            write_json_messages(
                writer,
                p,
                &self.cfg.kafka.plugin_name,
                self.cfg.kafka.markers,
            );
        }
        Ok(())
    }

    /// Deliver what is pending within `kafka_flush_timeout`; what is still undelivered then
    /// is counted, logged, and reported as an error.
    fn close(&mut self) -> anyhow::Result<()> {
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

    fn metric_values(&self, values: &mut [u64; MAX_PLUGIN_METRICS]) {
        *values = self.stats().metric_values();
    }
}
