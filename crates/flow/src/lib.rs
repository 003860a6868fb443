//! Flow model, primitives, aggregation cache and output encodings of pmacct 1.7.7.
//!
//! - [`primitives`]: the one table of aggregation primitives, `Aggregate` parsing, `-a`.
//! - [`custom`]: custom primitives (`aggregate_primitives`), a run-time extension of the table.
//! - [`flow`]: the fixed-size flow model built from decoded records.
//! - [`producer`]: one module per source mapping decoded records to [`flow::Flow`].
//! - [`bpf`]: BPF programs (libpcap) and the frames they run on, rebuilt from a flow.
//! - [`cache`]: the per-plugin aggregation cache, history bins and purge schedule.
//! - [`shard`]: which thread's cache a flow goes to when a plugin aggregates on several.
//! - [`geo`]: GeoIP primitive values (`geoipv2_file`), beside a flow.
//! - [`format`]: JSON, CSV and formatted encoders (shared by print, kafka, amqp).
//! - [`stage`]: core and per-plugin stages between the decoder and a plugin's cache.
//! - [`time`]: timestamp rendering (`timestamps_*`) and strftime for file names.

pub mod bpf;
pub mod cache;
pub mod custom;
pub mod flow;
pub mod format;
pub mod geo;
pub mod index;
pub mod label;
pub mod mpls;
pub mod primitives;
pub mod producer;
pub mod rd;
pub mod shard;
pub mod srv6;
pub mod stage;
pub mod text;
pub mod time;

pub use cache::{Cache, CacheConfig, Entry, History, HistoryUnit, Insert, PurgeSchedule};
pub use flow::{CustomRef, Flow, FlowBatch, FlowType, Primitives, Renormalize, RouteDistinguisher};
pub use format::{Encoder, EncoderOptions, OutputFormat};
pub use primitives::{
    list_primitives, Aggregate, AggregateError, Daemon, Primitive, UnknownPrimitive,
};
pub use stage::Stage;
pub use time::TimestampOptions;
