//! Plugins: one module per plugin. The daemon drives every plugin instance through the
//! [`Plugin`] trait from the plugin's own thread: batches of flows in, purges on the plugin's
//! schedule, a final purge at shutdown.

use std::time::SystemTime;

use pmacct_flow::Flow;

pub mod kafka;
mod keys;
pub mod log;
pub mod print;

pub use log::{set_logger, Level, LogFn};
pub use print::{PrintConfig, PrintPlugin};

/// Seconds since the epoch: how the aggregation cache and the purge schedule count time.
pub(crate) fn unix_secs(t: SystemTime) -> i64 {
    t.duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// When a purge due at `deadline` happens: pmacct purges at the first whole second after
/// the deadline (`now > deadline`).
pub(crate) fn purge_instant(deadline: i64) -> SystemTime {
    std::time::UNIX_EPOCH + std::time::Duration::from_secs((deadline + 1).max(0) as u64)
}

/// Hand every flow of a batch to `insert`, timed by its arrival under `*_time_new`.
pub(crate) fn for_each_flow(batch: &[Flow], time_new: bool, mut insert: impl FnMut(&Flow)) {
    for f in batch {
        if time_new {
            let mut f = *f;
            f.use_arrival_time();
            insert(&f);
        } else {
            insert(f);
        }
    }
}

/// One plugin instance (`plugins: print[name]`), owned by one thread.
pub trait Plugin: Send {
    /// Instance name as configured (`foo` in `print[foo]`).
    fn name(&self) -> &str;
    /// Plugin type as pmacct names it in logs (`print`, `kafka`, ...).
    fn kind(&self) -> &'static str;
    /// Account a batch of flows (already renormalized by the core when configured).
    fn process(&mut self, batch: &[Flow]);
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
    /// Transport counters of a kafka plugin.
    pub kafka: Option<kafka::KafkaStats>,
}
