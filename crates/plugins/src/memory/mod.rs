//! The memory plugin (pmacct's `imt_plugin`, the default plugin when a config has no
//! `plugins` line) and the `pmacct` client that queries it.
//!
//! - [`table`]: the in-memory table (cumulative counters, bounded like pmacct's pools).
//! - [`server`]: the query socket at `imt_path` (threads; never blocks accounting).
//! - [`proto`]: the request a client sends (pmacct-rs's own protocol, fuzzed decoder).
//! - [`query`]: checks, query and output exactly as 1.7.7's client prints them.
//! - [`client`]: the `pmacct` command (`bin/pmacct.rs` is its thin main).

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use anyhow::anyhow;
use pmacct_config::{key, Scope};
use pmacct_flow::custom::CustomValues;
use pmacct_flow::primitives::Primitive;
use pmacct_flow::{Aggregate, Flow};

use crate::keys::{need, CommonKeys};
use crate::log::{default_sink, plugin_log, Level, PluginLog};
use crate::{Plugin, PluginCounters, PluginMetric};

pub mod client;
pub mod proto;
pub mod query;
pub mod server;
pub mod table;

use server::{Server, ServerStats};
use table::Table;

/// The memory plugin's own metric series (`PluginCounters::extra`, in this order).
pub const METRICS: &[PluginMetric] = &[
    PluginMetric::Dropped {
        reason: "memory_table_full",
        help: "the memory plugin's table was full (imt_mem_pools_number x imt_mem_pools_size)",
    },
    PluginMetric::Family {
        name: "pmacct_memory_queries_total",
        kind: "counter",
        help: "Client queries answered by the memory plugin.",
    },
    PluginMetric::Family {
        name: "pmacct_memory_requests_rejected_total",
        kind: "counter",
        help: "Client requests rejected by the memory plugin (malformed, oversized, timed out).",
    },
];

/// Everything the memory plugin reads from the configuration.
#[derive(Debug, Clone)]
pub struct MemoryConfig {
    pub name: String,
    pub aggregate: Aggregate,
    /// `imt_path`.
    pub path: String,
    /// `imt_passwd`.
    pub passwd: Option<String>,
    /// `imt_buckets`.
    pub buckets: u64,
    /// `imt_mem_pools_number` (0: unbounded).
    pub pools: u64,
    /// `imt_mem_pools_size`.
    pub pool_size: u64,
    /// `[nsp]facctd_time_new`.
    pub time_new: bool,
}

impl MemoryConfig {
    pub fn from_scope(name: &str, scope: &Scope) -> Result<MemoryConfig, String> {
        let common = CommonKeys::read(scope)?;
        if common.aggregate.contains(Primitive::Label)
            || common.aggregate.custom().iter().any(|c| c.spec.is_vlen())
        {
            return Err("variable-length primitives, ie. label, are not supported in IMT plugin. Exiting ..".into());
        }
        Ok(MemoryConfig {
            name: name.to_string(),
            aggregate: common.aggregate,
            path: need(scope.str(key::IMT_PATH).map(str::to_string), key::IMT_PATH)?,
            passwd: scope.str(key::IMT_PASSWD).map(str::to_string),
            buckets: need(scope.num(key::IMT_BUCKETS)?, key::IMT_BUCKETS)?,
            pools: need(
                scope.num(key::IMT_MEM_POOLS_NUMBER)?,
                key::IMT_MEM_POOLS_NUMBER,
            )?,
            pool_size: need(scope.num(key::IMT_MEM_POOLS_SIZE)?, key::IMT_MEM_POOLS_SIZE)?,
            time_new: common.time_new,
        })
    }
}

/// A running memory plugin.
pub struct MemoryPlugin {
    log: PluginLog,
    table: Arc<Mutex<Table>>,
    server: Server,
    stats: Arc<ServerStats>,
    time_new: bool,
    /// The aggregate keys on lead fields only ([`Plugin::reads_lead_only`]).
    lead_only: bool,
    /// Drops already logged (the log line is rate limited).
    logged_drops: u64,
    last_drop_log: Option<SystemTime>,
}

impl MemoryPlugin {
    pub fn new(cfg: MemoryConfig, _now: SystemTime) -> anyhow::Result<MemoryPlugin> {
        let log = PluginLog::new(&cfg.name, "memory", default_sink());
        let mut pool_size = cfg.pool_size;
        if pool_size < table::PMACCT_ACC_SIZE {
            plugin_log!(
                log,
                Warn,
                "enforcing memory pool's minimum size, {} bytes.",
                table::PMACCT_ACC_SIZE
            );
            pool_size = 8192;
        }
        let max = table::max_entries(cfg.buckets, cfg.pools, pool_size);
        let lead_only = cfg.aggregate.reads_lead_only();
        let table = Arc::new(Mutex::new(Table::new(cfg.aggregate, max)));
        let stats = Arc::new(ServerStats::default());
        let info = query::ServerInfo {
            passwd: cfg.passwd.clone(),
            buckets: cfg.buckets,
        };
        let server = Server::start(&cfg.path, table.clone(), info, stats.clone(), log.clone())
            .map_err(|e| {
                log.log(Level::Error, &e);
                anyhow!("{e}")
            })?;
        plugin_log!(log, Info, "waiting for data on: '{}'", cfg.path);
        Ok(MemoryPlugin {
            log,
            table,
            server,
            stats,
            time_new: cfg.time_new,
            lead_only,
            logged_drops: 0,
            last_drop_log: None,
        })
    }

    /// The table (tests, benches).
    pub fn table(&self) -> &Arc<Mutex<Table>> {
        &self.table
    }
}

impl Plugin for MemoryPlugin {
    fn name(&self) -> &str {
        &self.log.name
    }

    fn kind(&self) -> &'static str {
        "memory"
    }

    /// The table reads the counters, the family and the aggregated primitives.
    fn reads_lead_only(&self) -> bool {
        self.lead_only
    }

    fn process_batch(&mut self, flows: &[Flow], custom: &[CustomValues]) {
        let (dropped, total) = {
            let mut t = self.table.lock().unwrap_or_else(|e| e.into_inner());
            let r = t.account(flows, custom, self.time_new);
            (r.dropped, t.full_drops)
        };
        if dropped > 0 {
            let now = SystemTime::now();
            let due = self.last_drop_log.is_none_or(|t| {
                now.duration_since(t).unwrap_or_default() >= Duration::from_secs(60)
            });
            if due {
                plugin_log!(
                    self.log,
                    Warn,
                    "memory table full (imt_mem_pools_number x imt_mem_pools_size): {} new aggregates not accounted ({} since start-up).",
                    total - self.logged_drops,
                    total
                );
                self.logged_drops = total;
                self.last_drop_log = Some(now);
            }
        }
    }

    fn next_purge(&self) -> SystemTime {
        // The table is never purged; wake up now and then anyway.
        SystemTime::now() + Duration::from_secs(3600)
    }

    fn purge(&mut self, _now: SystemTime) -> anyhow::Result<()> {
        Ok(())
    }

    fn shutdown(&mut self, _now: SystemTime) -> anyhow::Result<()> {
        self.server.stop();
        Ok(())
    }

    fn counters(&self) -> PluginCounters {
        let (len, drops) = {
            let t = self.table.lock().unwrap_or_else(|e| e.into_inner());
            (t.len() as u64, t.full_drops)
        };
        let mut c = PluginCounters {
            cache_entries: len,
            cache_dropped: drops,
            ..Default::default()
        };
        c.extra[0] = drops;
        c.extra[1] = self.stats.served.load(Ordering::Relaxed);
        c.extra[2] = self.stats.rejected.load(Ordering::Relaxed);
        c
    }
}
