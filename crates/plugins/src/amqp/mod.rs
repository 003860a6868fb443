//! The amqp plugin: pmacct's JSON records published to RabbitMQ (AMQP 0-9-1) through lapin,
//! with publisher confirms, without losing records when the broker is down or restarting.
//!
//! - [`config`]: the `amqp_*` keys with pmacct's defaults and checks.
//! - [`writer`]: the transport (routing key variables and round robin, multi-values,
//!   bounded buffer, publisher thread, confirms, reconnects, counters).
//! - [`plugin`]: the plugin's side of the aggregating core ([`crate::aggregating`]): JSON
//!   records and markers of each purge onto the transport, its own metric series.
//!
//! The JSON encoding, the cache/purge core and the `$variable` templates are print's and
//! kafka's ([`pmacct_flow::format`], [`crate::aggregating`], [`crate::kafka::template`]).

pub mod config;
pub mod plugin;
pub mod writer;

pub use config::AmqpConfig;
pub use plugin::{AmqpPlugin, AmqpPluginConfig, AmqpSink};
pub use writer::{AmqpStats, AmqpWriter, FlushReport, RecordTooLarge};
