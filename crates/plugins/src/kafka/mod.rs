//! The kafka plugin: pmacct's JSON records on Kafka topics, through librdkafka, without
//! losing records when the broker is down, slow or restarting.
//!
//! - [`config`]: the `kafka_*` keys with pmacct's defaults, broker list, `kafka_config_file`.
//! - [`template`]: `$variables` in `kafka_topic` / `kafka_partition_key`.
//! - [`writer`]: the transport (topic, key, partition, multi-values, round robin, retry
//!   buffer, counters, bounded shutdown flush).
//! - [`plugin`]: the plugin's side of the aggregating core ([`crate::aggregating`]): JSON
//!   records and markers of each purge onto the transport, its own metric series.

pub mod config;
pub mod log;
pub mod plugin;
pub mod registry;
pub mod template;
pub mod writer;

pub use config::KafkaConfig;
pub use log::{default_sink, LogLevel, LogSink, MemoryLog};
pub use plugin::{KafkaOutput, KafkaPlugin, KafkaPluginConfig, KafkaSink};
pub use template::RecordVars;
pub use writer::{FlushReport, KafkaStats, KafkaWriter, RecordTooLarge};
