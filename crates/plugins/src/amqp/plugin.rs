//! The amqp plugin (pmacct's `amqp_plugin.c`): an aggregation cache purged every
//! `amqp_refresh_time`, each entry one JSON object (with `writer_id`) published to
//! `amqp_exchange` under `amqp_routing_key`.
//!
//! Differences from 1.7.7, by design (docs/COMPATIBILITY.md "## AMQP"): no forked writer per
//! purge (one long-lived connection, so `writer_id` keeps the daemon's PID and purges are
//! never refused for `amqp_max_writers`); publisher confirms, and messages the broker has
//! not confirmed are kept (bounded) and republished after an outage instead of lost.

use std::time::SystemTime;

use anyhow::anyhow;
use pmacct_config::{key, Key, Scope};
use pmacct_flow::cache::History;
use pmacct_flow::time::TimestampOptions;
use pmacct_flow::Aggregate;

use super::config::AmqpConfig;
use super::writer::{AmqpStats, AmqpWriter, FlushReport};
use crate::aggregating::{
    log_cache_memory, write_json_messages, writer_id, Aggregator, MessageCore, MessageTransport,
    Purge, PurgeWriter,
};
use crate::kafka::template::RecordVars;
use crate::keys::{self, need, CommonKeys, COMMON_KEYS};
use crate::log::{default_sink, plugin_log, LogSink, PluginLog};
use crate::preprocess::PurgeHooks;
use crate::{PluginMetric, MAX_PLUGIN_METRICS};

/// Everything the amqp plugin reads from the configuration. `Default` is pmacct's defaults.
#[derive(Debug, Clone)]
pub struct AmqpPluginConfig {
    /// Transport keys; `amqp.plugin_name` is the instance name (`amqp[name]`).
    pub amqp: AmqpConfig,
    pub aggregate: Aggregate,
    /// `amqp_refresh_time` seconds (60).
    pub refresh_time: u64,
    /// `amqp_history` (+ roundoff and offset inside).
    pub history: Option<History>,
    /// `amqp_num_protos`.
    pub num_protos: bool,
    /// `amqp_cache_entries` (16411).
    pub cache_entries: usize,
    pub timestamps: TimestampOptions,
    pub time_new: bool,
    /// `*_stitching`: records carry `timestamp_min`/`timestamp_max`.
    pub stitching: bool,
    /// `nfacctd_pro_rating` (with history).
    pub pro_rating: bool,
    /// `geoipv2_file`.
    pub geoipv2_file: Option<String>,
    /// The pmacct 1.7.8+ `*_encode_as_*` keys.
    pub encodings: pmacct_flow::format::Encodings,
    /// `writer_id_string` (pmacct 1.7.8+).
    pub writer_id_string: Option<String>,
    /// `amqp_preprocess` (print's checks, as 1.7.7) and `amqp_trigger_exec`.
    pub hooks: PurgeHooks,
}

impl Default for AmqpPluginConfig {
    fn default() -> Self {
        AmqpPluginConfig::from_scope("default_amqp", &Scope::default())
            .expect("the registry's amqp defaults are valid")
    }
}

/// The amqp plugin's keys besides the transport's and the shared ones.
const PLUGIN_KEYS: &[Key] = &[
    key::AMQP_REFRESH_TIME,
    key::AMQP_HISTORY,
    key::AMQP_HISTORY_ROUNDOFF,
    key::AMQP_TIME_ROUNDOFF,
    key::AMQP_HISTORY_OFFSET,
    key::AMQP_OUTPUT,
    key::AMQP_NUM_PROTOS,
    key::AMQP_CACHE_ENTRIES,
    key::AMQP_PREPROCESS,
    key::AMQP_PREPROCESS_TYPE,
    key::AMQP_TRIGGER_EXEC,
];

/// Keys of features pmacct-rs does not have: set, they are errors, not silently ignored.
const UNSUPPORTED_KEYS: &[(Key, &str)] = &[
    (
        key::AMQP_AVRO_SCHEMA_ROUTING_KEY,
        "is for amqp_output avro, which pmacct-rs does not support yet.",
    ),
    (
        key::AMQP_AVRO_SCHEMA_REFRESH_TIME,
        "is for amqp_output avro, which pmacct-rs does not support yet.",
    ),
];

impl AmqpPluginConfig {
    /// The configuration of instance `name` from its scope, with the amqp plugin's rules.
    pub fn from_scope(name: &str, scope: &Scope) -> Result<AmqpPluginConfig, String> {
        if let Some((k, why)) = UNSUPPORTED_KEYS.iter().find(|(k, _)| scope.is_set(*k)) {
            return Err(format!("'{}' {why}", k.name()));
        }
        match scope.str(key::AMQP_OUTPUT).map(str::to_ascii_lowercase).as_deref() {
            None | Some("json") => {}
            Some(o @ ("avro" | "avro_bin" | "avro_json")) => {
                return Err(format!(
                    "'amqp_output: {o}' is not supported yet by pmacct-rs (Apache Avro encoding); use json."
                ))
            }
            Some(o) => return Err(format!("'amqp_output': invalid value '{o}'")),
        }
        let common = CommonKeys::read(scope)?;
        let mut amqp = AmqpConfig::from_scope(name, scope)?;
        amqp.post_tag = common.post_tag;
        amqp.post_tag2 = common.post_tag2;
        amqp.validate()?;
        let hooks = PurgeHooks::read(
            scope,
            &common.aggregate,
            key::AMQP_PREPROCESS,
            key::AMQP_PREPROCESS_TYPE,
            key::AMQP_TRIGGER_EXEC,
        )?;
        Ok(AmqpPluginConfig {
            hooks,
            amqp,
            aggregate: common.aggregate,
            refresh_time: need(scope.u64(key::AMQP_REFRESH_TIME), key::AMQP_REFRESH_TIME)?,
            history: keys::history(
                scope,
                [
                    key::AMQP_HISTORY,
                    key::AMQP_HISTORY_ROUNDOFF,
                    key::AMQP_HISTORY_OFFSET,
                ],
            )?,
            num_protos: scope.bool(key::AMQP_NUM_PROTOS),
            cache_entries: need(scope.num(key::AMQP_CACHE_ENTRIES)?, key::AMQP_CACHE_ENTRIES)?,
            timestamps: common.timestamps,
            time_new: common.time_new,
            stitching: common.stitching,
            pro_rating: common.pro_rating,
            geoipv2_file: common.geoipv2_file,
            encodings: common.encodings,
            writer_id_string: common.writer_id_string,
        })
    }

    /// Replace this configuration by the one `pairs` give (config-file key names, for tests
    /// and embedders), keeping the instance name; pairs not of this plugin are returned.
    pub fn apply_keys<'a>(
        &mut self,
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Vec<(&'a str, &'a str)>, String> {
        let unsupported: Vec<Key> = UNSUPPORTED_KEYS.iter().map(|(k, _)| *k).collect();
        let own: Vec<Key> = [PLUGIN_KEYS, AmqpConfig::KEYS, COMMON_KEYS, &unsupported].concat();
        let (scope, rest) = keys::scope_from_pairs(pairs, &own)?;
        *self = AmqpPluginConfig::from_scope(&self.amqp.plugin_name, &scope)?;
        Ok(rest)
    }
}

/// A running amqp plugin instance: the aggregating core around [`AmqpSink`].
pub type AmqpPlugin = Aggregator<AmqpSink>;

/// The amqp plugin's side of the core: the transport and the markers.
pub struct AmqpSink {
    cfg: AmqpPluginConfig,
    /// None once closed by the final purge.
    writer: Option<AmqpWriter>,
    /// What the shutdown flush achieved.
    pub final_report: Option<FlushReport>,
}

/// The amqp plugin's own metric series, in [`AmqpStats::metric_values`] order.
pub const METRICS: &[PluginMetric] = &[
    PluginMetric::Dropped {
        reason: "amqp_undelivered",
        help: "not confirmed by RabbitMQ: buffer full or shutdown timeout",
    },
    PluginMetric::Family {
        name: "pmacct_amqp_publish_failures_total",
        kind: "counter",
        help: "Records in messages RabbitMQ nacked or that were in flight when the connection failed (republished; each attempt counts).",
    },
    PluginMetric::Family {
        name: "pmacct_amqp_delivered_records_total",
        kind: "counter",
        help: "Records in messages RabbitMQ confirmed.",
    },
    PluginMetric::Family {
        name: "pmacct_amqp_buffered_records",
        kind: "gauge",
        help: "Records waiting for RabbitMQ's confirm (buffered through outages).",
    },
];

impl AmqpStats {
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

impl MessageTransport for AmqpWriter {
    fn marker(&mut self, obj: &[u8], vars: &RecordVars, _close: bool) {
        self.write_marker(obj, vars);
    }

    fn record(&mut self, obj: &[u8], vars: &RecordVars) -> Result<(), String> {
        self.write_record(obj, vars).map_err(|e| e.to_string())
    }

    fn end_records(&mut self) {
        AmqpWriter::end_records(self);
    }
}

impl AmqpPlugin {
    /// Start the plugin at `now`, logging through the plugins' log hook.
    pub fn new(cfg: AmqpPluginConfig, now: SystemTime) -> anyhow::Result<AmqpPlugin> {
        AmqpPlugin::with_log(cfg, now, default_sink())
    }

    /// As [`AmqpPlugin::new`] with an explicit log sink.
    pub fn with_log(
        cfg: AmqpPluginConfig,
        now: SystemTime,
        sink: LogSink,
    ) -> anyhow::Result<AmqpPlugin> {
        let log = PluginLog::new(&cfg.amqp.plugin_name, AmqpSink::KIND, sink.clone());
        let fail = |msg: String| {
            plugin_log!(log, Error, "{msg} Exiting.");
            anyhow!("{msg}")
        };
        cfg.amqp.validate().map_err(fail)?;
        log_cache_memory(&log, cfg.cache_entries);
        cfg.hooks.log_warnings(&log);
        let writer = AmqpWriter::new(&cfg.amqp, sink).map_err(fail)?;
        let (encoder, core) = MessageCore {
            aggregate: cfg.aggregate,
            history: cfg.history.clone(),
            num_protos: cfg.num_protos,
            timestamps: cfg.timestamps,
            time_new: cfg.time_new,
            cache_entries: cfg.cache_entries,
            cache_entries_key: "amqp_cache_entries",
            refresh_time: cfg.refresh_time,
            startup_delay: cfg.amqp.startup_delay,
            stitching: cfg.stitching,
            pro_rating: cfg.pro_rating,
            geoipv2_file: cfg.geoipv2_file.clone(),
            hooks: cfg.hooks.clone(),
            writer_id: &writer_id(
                cfg.writer_id_string.as_deref(),
                &cfg.amqp.plugin_name,
                std::process::id(),
            ),
            format: pmacct_flow::OutputFormat::Json,
            encodings: cfg.encodings,
        }
        .build(&log)
        .map_err(fail)?;
        let sink = AmqpSink {
            cfg,
            writer: Some(writer),
            final_report: None,
        };
        Ok(Aggregator::start(core, sink, encoder, log, now))
    }

    /// Transport counters (SIGUSR1, metrics); the final ones after shutdown.
    pub fn stats(&self) -> AmqpStats {
        self.writer.stats()
    }
}

impl AmqpSink {
    fn stats(&self) -> AmqpStats {
        match (&self.writer, &self.final_report) {
            (Some(w), _) => w.stats(),
            (None, Some(r)) => r.stats,
            (None, None) => AmqpStats::default(),
        }
    }
}

impl PurgeWriter for AmqpSink {
    const KIND: &'static str = "amqp";

    fn is_open(&self) -> bool {
        self.writer.is_some()
    }

    /// `amqp_cache_purge()`: purge_init marker, one message per committed entry (or
    /// multi-values batches), purge_close marker.
    fn write(&mut self, p: &mut Purge<'_>) -> anyhow::Result<()> {
        if let Some(writer) = self.writer.as_mut() {
            writer.begin_purge();
            write_json_messages(writer, p, &self.cfg.amqp.plugin_name, self.cfg.amqp.markers);
            writer.hand_over();
        }
        Ok(())
    }

    /// Wait for the broker's confirms within `amqp_flush_timeout`; what is still
    /// unconfirmed then is counted, logged, and reported as an error.
    fn close(&mut self) -> anyhow::Result<()> {
        let Some(writer) = self.writer.take() else {
            return Ok(());
        };
        let rep = writer.close();
        self.final_report = Some(rep);
        if rep.undelivered_messages > 0 {
            return Err(anyhow!(
                "{} records ({} messages) not delivered to RabbitMQ before shutdown",
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

#[cfg(test)]
mod tests {
    use super::*;

    fn with(pairs: &[(&str, &str)]) -> Result<AmqpPluginConfig, String> {
        let mut c = AmqpPluginConfig::default();
        let rest = c.apply_keys(pairs.iter().copied())?;
        assert!(rest.is_empty(), "{rest:?}");
        Ok(c)
    }

    #[test]
    fn keys_and_refusals() {
        let c = with(&[
            ("amqp_history", "5m"),
            ("amqp_time_roundoff", "m"),
            ("amqp_refresh_time", "30"),
            ("amqp_exchange_type", "TOPIC"),
            ("amqp_persistent_msg", "true"),
            ("amqp_multi_values", "4096"),
            ("amqp_markers", "true"),
            ("amqp_output", "json"),
        ])
        .unwrap();
        assert_eq!(c.history.unwrap().roundoff, "m");
        assert_eq!(c.refresh_time, 30);
        assert_eq!(c.amqp.exchange_type, "topic");
        assert!(c.amqp.persistent_msg && c.amqp.markers);
        assert_eq!(c.amqp.multi_values, 4096);
        for (k, v, why) in [
            ("amqp_output", "avro", "Apache Avro"),
            ("amqp_output", "avro_json", "Apache Avro"),
            ("amqp_avro_schema_routing_key", "s", "amqp_output avro"),
        ] {
            let e = with(&[(k, v)]).unwrap_err();
            assert!(e.contains(why), "{k}: {e}");
        }
        let e = with(&[("amqp_routing_key", "a.$tag"), ("amqp_routing_key_rr", "2")]).unwrap_err();
        assert!(
            e.contains("not compatible with 'amqp_routing_key_rr'"),
            "{e}"
        );
    }
}
