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
}
