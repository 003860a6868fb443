//! Plugins: one module per plugin. The daemon drives every plugin instance through the
//! [`Plugin`] trait from the plugin's own thread: batches of flows in, purges on the plugin's
//! schedule, a final purge at shutdown. Aggregating plugins (print, kafka) are
//! [`aggregating::Aggregator`]s around their own purge writer.

use std::time::SystemTime;

use pmacct_flow::custom::CustomValues;
use pmacct_flow::{Flow, FlowBatch};
use std::sync::Arc;

pub mod aggregating;
pub mod amqp;
pub mod datagram;
pub mod exec;
pub mod files;
pub mod kafka;
mod keys;
pub mod log;
pub mod memory;
pub mod nfprobe;
pub mod preprocess;
pub mod print;
pub mod sfprobe;
mod shards;
pub mod sql;
pub mod tee;

pub use log::{set_logger, Level, LogFn};
pub use print::{PrintConfig, PrintPlugin, PrintSink};

/// One plugin instance (`plugins: print[name]`), owned by one thread.
pub trait Plugin: Send {
    /// Instance name as configured (`foo` in `print[foo]`).
    fn name(&self) -> &str;
    /// Plugin type as pmacct names it in logs (`print`, `kafka`, ...).
    fn kind(&self) -> &'static str;
    /// Account a batch of flows (already renormalized by the core when configured) whose
    /// custom primitive values, if any, are in `custom` (the batch's side table, see
    /// `pmacct_flow::FlowBatch`).
    fn process_batch(&mut self, flows: &[Flow], custom: &[CustomValues]);
    /// Account a batch the daemon shares between plugins: a plugin that aggregates on
    /// several threads hands it to them ([`Plugin::set_shards`]).
    fn process_shared(&mut self, batch: &Arc<FlowBatch>) {
        self.process_batch(batch.flows(), &batch.custom);
    }
    /// Aggregate on up to `n` threads from now on (the daemon asks this of plugins fed by
    /// live sockets, with one thread per core). Returns the threads the plugin uses: 1 when
    /// it cannot split its work (no aggregation cache, an aggregate whose flows cannot be
    /// spread, GeoIP lookups, pro-rating).
    fn set_shards(&mut self, _n: usize) -> usize {
        1
    }
    /// Account flows that carry no custom primitive values.
    fn process(&mut self, batch: &[Flow]) {
        self.process_batch(batch, &[]);
    }
    /// When the next scheduled purge is due: the daemon calls [`Plugin::purge`] at or after
    /// this instant.
    fn next_purge(&self) -> SystemTime;
    /// Scheduled purge: write what the cache holds (deltas since the last purge).
    fn purge(&mut self, now: SystemTime) -> anyhow::Result<()>;
    /// Final purge (SIGINT/SIGTERM, end of a savefile): everything cached is written.
    fn shutdown(&mut self, now: SystemTime) -> anyhow::Result<()>;
    /// Counters for the daemon's metrics endpoint (called from the plugin's thread between
    /// batches and after purges).
    fn counters(&self) -> PluginCounters {
        PluginCounters::default()
    }
    /// True when the plugin reads nothing of a flow past its counters and the lead of its
    /// primitives (`pmacct_flow::flow::LEAD_END`): with no stage in front of it, the
    /// producers may then write only those (`FlowBatch::push_lead`). False unless the
    /// plugin knows.
    fn reads_lead_only(&self) -> bool {
        false
    }
    /// A datagram plugin (tee) takes the export datagrams as received instead of flows.
    fn takes_datagrams(&self) -> bool {
        false
    }
    /// Handle datagrams ([`Plugin::takes_datagrams`]). `tags[i]` is the i-th datagram's
    /// pre_tag_map tag, `None` when the plugin's tag filters exclude it; `tags` is empty
    /// when the plugin has no pre_tag_map nor filter (every tag 0).
    fn process_datagrams(&mut self, _batch: &datagram::DatagramBatch, _tags: &[Option<u64>]) {}
    /// A frame plugin (sfprobe) that acts on what its stages make of each frame: it gets
    /// [`Plugin::process_frames`] instead of [`Plugin::process_datagrams`].
    fn takes_frame_flows(&self) -> bool {
        false
    }
    /// Handle captured frames with, per frame, the flow the core accounted for it after
    /// this plugin's stages (pre_tag_map, aggregate_filter, networks_file), `None` when a
    /// stage filtered the frame out.
    fn process_frames(&mut self, batch: &datagram::DatagramBatch, _flows: &[Option<Flow>]) {
        self.process_datagrams(batch, &[]);
    }
    /// What SIGUSR2 calls to make the plugin reload its own maps (tee_receivers), if any.
    /// Runs in the daemon's control thread: it only asks, the plugin's thread reloads.
    #[allow(clippy::type_complexity)]
    fn reloader(&self) -> Option<Box<dyn FnMut() -> Result<(), String> + Send>> {
        None
    }
}

/// What a plugin reports to the daemon's metrics endpoint; counts are since start-up.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PluginCounters {
    /// Aggregates written out by purges.
    pub purged_records: u64,
    /// Aggregates in the cache now.
    pub cache_entries: u64,
    /// Records dropped because the cache stayed full even after an urgent purge.
    pub cache_dropped: u64,
    /// Values of the plugin type's own series ([`plugin_metrics`]), in that order.
    pub extra: [u64; MAX_PLUGIN_METRICS],
}

/// Most series of its own a plugin type reports.
pub const MAX_PLUGIN_METRICS: usize = 4;

/// A series a plugin type reports beside the ones every plugin has. The daemon's endpoint
/// renders them without knowing the plugin: the plugin says what they are, its thread
/// stores their values ([`PluginCounters::extra`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PluginMetric {
    /// Records lost for a reason of this plugin type: a `reason` row of
    /// `pmacct_plugin_records_dropped_total`; `help` explains the reason in that family's
    /// help text.
    Dropped {
        reason: &'static str,
        help: &'static str,
    },
    /// A family of its own (`kind` is `counter` or `gauge`), one row per plugin instance.
    Family {
        name: &'static str,
        kind: &'static str,
        help: &'static str,
    },
}

/// Every plugin type's own series, by plugin type: the endpoint announces all these families
/// (whether such a plugin runs or not) and takes a running plugin's from here.
pub const PLUGIN_METRICS: &[(&str, &[PluginMetric])] = &[
    ("kafka", kafka::plugin::METRICS),
    ("amqp", amqp::plugin::METRICS),
    ("memory", memory::METRICS),
    ("tee", tee::METRICS),
    ("mysql", sql::METRICS),
    ("pgsql", sql::METRICS),
    ("sqlite3", sql::METRICS),
];

/// The series of its own a plugin type reports (none for most).
pub fn plugin_metrics(kind: &str) -> &'static [PluginMetric] {
    PLUGIN_METRICS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, m)| *m)
        .unwrap_or(&[])
}
