//! The SQL plugins (pmacct's `mysql`, `pgsql` and `sqlite3`): an aggregation cache purged
//! every `sql_refresh_time` into a table, each entry one UPDATE (adding its counters to the
//! row of the same key and time bin) or, when no row matched, one INSERT, as 1.7.7 does.
//!
//! - [`statement`]: columns per `sql_table_version` / `sql_optimize_clauses`, values per
//!   backend, the UPDATE and INSERT of one entry.
//! - [`writer`]: the writer thread, its bounded queue, retries, backup database, counters.
//! - [`sqlite`]: the sqlite3 backend.
//!
//! Differences from 1.7.7 (docs/COMPATIBILITY.md "## SQL plugins"): no forked writer per
//! purge (one long-lived writer thread, so `sql_max_writers` never refuses a purge); rows
//! the database cannot take are kept and retried instead of lost.

pub mod mysql;
pub mod pgsql;
pub mod sqlite;
pub mod statement;
pub mod trigger;
pub mod writer;

#[cfg(test)]
pub(crate) mod tests;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use anyhow::anyhow;
use pmacct_config::{key, Key, Scope};
use pmacct_flow::cache::History;
use pmacct_flow::format::{Encoder, EncoderOptions, OutputFormat};
use pmacct_flow::time::{strftime, TimestampOptions};
use pmacct_flow::{Aggregate, Primitive};

use crate::aggregating::{Aggregator, CoreConfig, Purge, PurgeWriter};
use crate::kafka::template::{Template, TemplateKind};
use crate::keys::{self, need, CommonKeys};
use crate::log::{default_sink, plugin_log, LogSink, PluginLog};
use crate::preprocess;
use crate::{PluginMetric, MAX_PLUGIN_METRICS};

pub use statement::{Backend, Param, Plan, PlanOptions, Row, Statement};
pub use writer::{Batch, SqlStats, Writer, WriterOptions};

/// Primitives that make 1.7.7 carry BGP data to the plugin, which then writes a BGP table
/// even without `sql_table_type: bgp` (`bgp_config_checks()`).
const AUTO_BGP: [Primitive; 9] = [
    Primitive::LocalPref,
    Primitive::Med,
    Primitive::PeerSrcAs,
    Primitive::PeerDstAs,
    Primitive::PeerSrcIp,
    Primitive::PeerDstIp,
    Primitive::SrcMed,
    Primitive::SrcLocalPref,
    Primitive::MplsVpnRd,
];

/// `sql_cache_entries` when unset (pmacct's SQL default).
const DEFAULT_CACHE_ENTRIES: usize = 32771;

/// Everything an SQL plugin reads from the configuration.
#[derive(Debug, Clone)]
pub struct SqlConfig {
    pub name: String,
    pub backend: Backend,
    pub aggregate: Aggregate,
    /// `sql_db`: the SQLite file, or the database name.
    pub db: String,
    /// `sql_table` (strftime and `$` variables allowed).
    pub table: String,
    /// `sql_table_schema`: the file's text, run when a dynamic table is first written.
    pub table_schema: Option<String>,
    /// `sql_table_schema` as configured. A file that cannot be opened does not stop the
    /// plugin, as in 1.7.7: each purge tries it again and logs `[file] file does not exist.`
    pub table_schema_path: Option<String>,
    pub version: u8,
    pub optimize_clauses: bool,
    /// `sql_table_type: bgp`, or set by a BGP primitive in the aggregate as 1.7.7 does.
    pub bgp: bool,
    pub host: String,
    pub port: Option<u16>,
    pub user: String,
    pub passwd: String,
    /// mysql and pgsql `sql_conn_ca_file`: TLS to the server, verified against this CA.
    pub ca_file: Option<String>,
    pub refresh_time: u64,
    pub startup_delay: u64,
    pub history: Option<History>,
    /// `sql_recovery_backup_host` (`sql_backup_host`): SQLite file or server host.
    pub backup_host: Option<String>,
    pub cache_entries: usize,
    pub dont_try_update: bool,
    pub multi_values: u64,
    pub num_protos: bool,
    /// mysql `sql_num_hosts` (pgsql: ignored, as 1.7.7 does).
    pub num_hosts: bool,
    pub timestamps: TimestampOptions,
    pub time_new: bool,
    /// `*_stitching`: `timestamp_min`/`timestamp_max` columns.
    pub stitching: bool,
    /// `nfacctd_pro_rating` (with `sql_history`).
    pub pro_rating: bool,
    /// `geoipv2_file` (the GeoIP primitives' columns).
    pub geoipv2_file: Option<String>,
    pub post_tag: u64,
    pub post_tag2: u64,
    /// pgsql `sql_use_copy` in effect (it needs `sql_dont_try_update`) with its
    /// `sql_delimiter` (default `,`).
    pub copy_delimiter: Option<char>,
    /// Keys accepted with no effect here, each with the line logged at start-up.
    pub noops: Vec<String>,
    /// `sql_trigger_exec` with `sql_trigger_time` and its start-up variables.
    pub trigger: Option<trigger::TriggerConfig>,
    /// `sql_preprocess` with `sql_preprocess_type`.
    pub preprocess: Option<preprocess::Preprocess>,
}

impl SqlConfig {
    /// A password-free description for logs.
    pub fn target(&self) -> String {
        match self.backend {
            Backend::Sqlite3 => self.db.clone(),
            _ => format!(
                "{}@{}:{}/{}",
                self.user,
                self.host,
                self.port.map(|p| p.to_string()).unwrap_or_default(),
                self.db
            ),
        }
    }
}

/// Keys of SQL features pmacct-rs does not have yet, by backend: set, they are refused.
fn unsupported(backend: Backend, scope: &Scope) -> Option<(Key, &'static str)> {
    let mut list: Vec<(Key, &'static str)> = Vec::new();
    if backend != Backend::Pgsql {
        list.push((key::SQL_USE_COPY, "is for the pgsql plugin only"));
        list.push((
            key::SQL_DELIMITER,
            "is for the pgsql plugin with sql_use_copy only",
        ));
    }
    list.into_iter().find(|(k, _)| scope.is_set(*k))
}

/// `sql_trigger_exec` (None when unset; `sql_trigger_time` alone is ignored, as in 1.7.7)
/// with the variables 1.7.7's `SQL_SetENV()` exports at start-up, in its order.
fn trigger_config(
    backend: Backend,
    scope: &Scope,
    db: &str,
    table: &str,
    backup_host: &Option<String>,
) -> Result<Option<trigger::TriggerConfig>, String> {
    let Some(exec) = scope.str(key::SQL_TRIGGER_EXEC) else {
        return Ok(None);
    };
    let every = scope.history(key::SQL_TRIGGER_TIME).map(|h| {
        let n = h.count;
        match h.unit {
            pmacct_config::TimeUnit::Second => trigger::Every::Secs(i64::from(n)),
            pmacct_config::TimeUnit::Minute => trigger::Every::Secs(i64::from(n) * 60),
            pmacct_config::TimeUnit::Hour => trigger::Every::Secs(i64::from(n) * 3600),
            pmacct_config::TimeUnit::Day => trigger::Every::Secs(i64::from(n) * 86400),
            pmacct_config::TimeUnit::Week => trigger::Every::Secs(i64::from(n) * 86400 * 7),
            pmacct_config::TimeUnit::Month => trigger::Every::Months(n),
        }
    });
    let mut env = vec![
        ("SQL_DB".to_string(), db.to_string()),
        ("SQL_TABLE".to_string(), table.to_string()),
    ];
    // 1.7.7 exports the host only when configured, and the user when configured or, for
    // mysql/pgsql, its default.
    let configured = |k: Key| scope.is_set(k).then(|| scope.str(k)).flatten();
    if let Some(h) = configured(key::SQL_HOST) {
        env.push(("SQL_HOST".into(), h.to_string()));
    }
    match (configured(key::SQL_USER), backend) {
        (Some(u), _) => env.push(("SQL_USER".into(), u.to_string())),
        (None, Backend::Mysql | Backend::Pgsql) => env.push(("SQL_USER".into(), "pmacct".into())),
        (None, Backend::Sqlite3) => {}
    }
    let refresh = need(scope.u64(key::SQL_REFRESH_TIME), key::SQL_REFRESH_TIME)?;
    env.push(("SQL_REFRESH_TIME".into(), refresh.to_string()));
    if let Some(r) = scope.u64(key::SAMPLING_RATE) {
        env.push(("SAMPLING_RATE".into(), r.to_string()));
    }
    if let Some(b) = backup_host {
        env.push(("SQL_RECOVERY_BACKUP_HOST".into(), b.clone()));
    }
    let writers = scope.u64(key::SQL_MAX_WRITERS).unwrap_or(10);
    env.push(("SQL_MAX_WRITERS".into(), writers.to_string()));
    Ok(Some(trigger::TriggerConfig {
        exec: exec.to_string(),
        every,
        env,
    }))
}

/// pgsql's default table with `sql_data: unified` and whether 1.7.7 warns that it switches
/// to typed data: `acct_uni`, `acct_uni_v2`... `acct_uni_v5`; `acct_v6`/`acct_v7` with the
/// warning; v8 warns but, falling through 1.7.7's if/else chain, ends on `acct_uni`, as
/// does v9 (without the warning).
fn unified_table(version: u8) -> (String, bool) {
    match version {
        6 | 7 => (format!("acct_v{version}"), true),
        8 => ("acct_uni".into(), true),
        2..=5 => (format!("acct_uni_v{version}"), false),
        _ => ("acct_uni".into(), false),
    }
}

/// pmacct's default table for a version (`acct`, `acct_v2`... `acct_v8`; v9 keeps `acct`);
/// pgsql's v1-v5 typed tables of AS numbers are `acct_as`, `acct_as_v2`...
fn default_table(version: u8, pg_as: bool) -> String {
    match version {
        1 if pg_as => "acct_as".to_string(),
        2..=5 if pg_as => format!("acct_as_v{version}"),
        2..=8 => format!("acct_v{version}"),
        _ => "acct".to_string(),
    }
}

impl SqlConfig {
    pub fn from_scope(name: &str, backend: Backend, scope: &Scope) -> Result<SqlConfig, String> {
        if let Some((k, why)) = unsupported(backend, scope) {
            return Err(format!("'{}' {why}.", k.name()));
        }
        if backend == Backend::Sqlite3 && scope.bool(key::SQL_NUM_HOSTS) {
            return Err(
                "'sql_num_hosts' makes 1.7.7 write INET6_ATON(), a function SQLite does \
                        not define (every statement of 1.7.7 fails): not supported for sqlite3."
                    .into(),
            );
        }
        let common = CommonKeys::read(scope)?;
        let version = need(
            scope.num::<u8>(key::SQL_TABLE_VERSION)?,
            key::SQL_TABLE_VERSION,
        )?;
        let db = match scope.str(key::SQL_DB) {
            Some(d) => d.to_string(),
            None if backend == Backend::Sqlite3 => "/tmp/pmacct.db".into(),
            None => "pmacct".into(),
        };
        let table_schema_path = scope.str(key::SQL_TABLE_SCHEMA).map(str::to_string);
        let table_schema = match &table_schema_path {
            Some(path) => read_table_schema(path)?,
            None => None,
        };
        let backup_host = scope
            .str(key::SQL_RECOVERY_BACKUP_HOST)
            .or(scope.str(key::SQL_BACKUP_HOST))
            .map(str::to_string);
        // pgsql `sql_data: unified` only names the default table (1.7.7's values are the
        // same either way).
        let unified = if backend == Backend::Pgsql {
            match scope.str(key::SQL_DATA).unwrap_or("typed") {
                "typed" => false,
                "unified" => true,
                v => return Err(format!("Ignoring unknown 'sql_data' value '{v}'.")),
            }
        } else {
            false
        };
        let explicit_bgp = scope.str(key::SQL_TABLE_TYPE) == Some("bgp");
        let auto_bgp = !explicit_bgp && AUTO_BGP.iter().any(|p| common.aggregate.contains(*p));
        let mut noops = Vec::new();
        if auto_bgp {
            noops.push(
                "sql_table_type set to 'bgp' (aggregate includes one or more BGP primitives)."
                    .into(),
            );
        }
        if scope.is_set(key::SQL_LOCKING_STYLE) {
            noops.push(
                "sql_locking_style is not supported: each purge is one transaction. Ignored."
                    .into(),
            );
        }
        if scope.is_set(key::SQL_DATA) && backend != Backend::Pgsql {
            noops.push("sql_data applies to the pgsql plugin only. Ignored.".into());
        }
        if backend == Backend::Pgsql && scope.bool(key::SQL_NUM_HOSTS) {
            noops.push(
                "sql_num_hosts applies to the mysql and sqlite3 plugins only (as 1.7.7). Ignored."
                    .into(),
            );
        }
        if common.stitching && !scope.bool(key::SQL_DONT_TRY_UPDATE) {
            noops.push("stitching (ie. nfacctd_stitching) behaviour is undefined when sql_dont_try_update is set to false.".into());
        }
        if backend == Backend::Sqlite3 && scope.is_set(key::SQL_CONN_CA_FILE) {
            noops.push(
                "sql_conn_ca_file applies to the mysql and pgsql plugins only. Ignored.".into(),
            );
        }
        if scope.is_set(key::SQL_MAX_WRITERS) {
            noops.push("sql_max_writers: one writer thread writes every purge in turn; no purge is refused. Ignored.".into());
        }
        if scope.is_set(key::SQL_MULTI_VALUES) {
            noops.push("sql_multi_values: each purge is one transaction of prepared statements (same rows as multi-value INSERTs). Ignored.".into());
        }
        let use_copy = backend == Backend::Pgsql && scope.bool(key::SQL_USE_COPY);
        if use_copy && !scope.bool(key::SQL_DONT_TRY_UPDATE) {
            noops.push(
                "sql_use_copy needs sql_dont_try_update: true; using INSERT statements (as 1.7.7)."
                    .into(),
            );
        }
        let copy_delimiter = if use_copy && scope.bool(key::SQL_DONT_TRY_UPDATE) {
            let d = scope.str(key::SQL_DELIMITER).unwrap_or(",");
            let mut chars = d.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) if c != '"' && c != '\n' && c != '\r' => Some(c),
                _ => {
                    return Err(format!(
                        "'sql_delimiter': '{d}' must be one character (not a double quote or a line break)."
                    ))
                }
            }
        } else {
            if scope.is_set(key::SQL_DELIMITER) && backend == Backend::Pgsql {
                noops.push("sql_delimiter applies to sql_use_copy only. Ignored.".into());
            }
            None
        };
        let table = scope
            .str(key::SQL_TABLE)
            .map(str::to_string)
            .unwrap_or_else(|| {
                if unified {
                    let (table, warn) = unified_table(version);
                    if warn {
                        noops.push(
                            "Unified data are no longer supported. Switching to typed data.".into(),
                        );
                    }
                    return table;
                }
                let any_as = [Primitive::SrcAs, Primitive::DstAs]
                    .iter()
                    .any(|p| common.aggregate.contains(*p));
                if explicit_bgp || auto_bgp {
                    // 1.7.7 names only the v1 BGP table.
                    return if version == 1 {
                        "acct_bgp".into()
                    } else {
                        "acct".into()
                    };
                }
                default_table(version, backend == Backend::Pgsql && any_as)
            });
        let trigger = trigger_config(backend, scope, &db, &table, &backup_host)?;
        let preprocess = match scope.str(key::SQL_PREPROCESS) {
            Some(v) => preprocess::Preprocess::parse(
                v,
                scope.str(key::SQL_PREPROCESS_TYPE),
                preprocess::Dictionary::Sql,
                &mut noops,
            )?
            .map(|p| p.for_aggregate(&common.aggregate)),
            None => None,
        };
        Ok(SqlConfig {
            preprocess,
            trigger,
            copy_delimiter,
            noops,
            name: name.to_string(),
            backend,
            aggregate: common.aggregate,
            db,
            table,
            table_schema,
            table_schema_path,
            version,
            optimize_clauses: scope.bool(key::SQL_OPTIMIZE_CLAUSES),
            bgp: explicit_bgp || auto_bgp,
            host: scope.str(key::SQL_HOST).unwrap_or("localhost").to_string(),
            port: scope.num::<u16>(key::SQL_PORT)?,
            user: scope.str(key::SQL_USER).unwrap_or("pmacct").to_string(),
            passwd: scope
                .str(key::SQL_PASSWD)
                .unwrap_or("arealsmartpwd")
                .to_string(),
            ca_file: scope.str(key::SQL_CONN_CA_FILE).map(str::to_string),
            refresh_time: need(scope.u64(key::SQL_REFRESH_TIME), key::SQL_REFRESH_TIME)?,
            startup_delay: need(scope.u64(key::SQL_STARTUP_DELAY), key::SQL_STARTUP_DELAY)?,
            history: keys::history(
                scope,
                [
                    key::SQL_HISTORY,
                    key::SQL_HISTORY_ROUNDOFF,
                    key::SQL_HISTORY_OFFSET,
                ],
            )?,
            backup_host,
            cache_entries: scope
                .num::<usize>(key::SQL_CACHE_ENTRIES)?
                .unwrap_or(DEFAULT_CACHE_ENTRIES),
            dont_try_update: scope.bool(key::SQL_DONT_TRY_UPDATE),
            multi_values: scope.u64(key::SQL_MULTI_VALUES).unwrap_or(0),
            num_protos: scope.bool(key::SQL_NUM_PROTOS),
            num_hosts: backend == Backend::Mysql && scope.bool(key::SQL_NUM_HOSTS),
            timestamps: common.timestamps,
            time_new: common.time_new,
            stitching: common.stitching,
            pro_rating: common.pro_rating,
            geoipv2_file: common.geoipv2_file,
            post_tag: common.post_tag,
            post_tag2: common.post_tag2,
        })
    }

    fn plan(&self) -> Result<Plan, String> {
        Plan::new(
            &self.aggregate,
            PlanOptions {
                backend: self.backend,
                version: self.version,
                optimize_clauses: self.optimize_clauses,
                history: self.history.is_some(),
                num_protos: self.num_protos,
                dont_try_update: self.dont_try_update,
                utc: self.timestamps.utc,
                since_epoch: self.timestamps.since_epoch,
                secs: self.timestamps.secs,
                bgp: self.bgp,
                copy_delimiter: self.copy_delimiter,
                num_hosts: self.num_hosts,
                stitching: self.stitching,
            },
        )
    }
}

/// One SQL plugin type (a marker: the three share everything but their backend).
pub trait SqlKind: Send + 'static {
    const KIND: &'static str;
    const BACKEND: Backend;
}

macro_rules! sql_kind {
    ($marker:ident, $cfg:ident, $plugin:ident, $kind:literal, $backend:expr) => {
        #[doc = concat!("The `", $kind, "` plugin type.")]
        pub struct $marker;

        impl SqlKind for $marker {
            const KIND: &'static str = $kind;
            const BACKEND: Backend = $backend;
        }

        #[doc = concat!("A running `", $kind, "` plugin.")]
        pub type $plugin = Aggregator<SqlSink<$marker>>;

        #[doc = concat!("The configuration of a `", $kind, "` plugin instance.")]
        #[derive(Debug, Clone)]
        pub struct $cfg(pub SqlConfig);

        impl $cfg {
            pub fn from_scope(name: &str, scope: &Scope) -> Result<$cfg, String> {
                let cfg = SqlConfig::from_scope(name, $backend, scope)?;
                cfg.plan()?;
                Ok($cfg(cfg))
            }

            pub fn start(self, now: SystemTime) -> anyhow::Result<$plugin> {
                $plugin::new(self.0, now)
            }
        }
    };
}

sql_kind!(
    Sqlite3Kind,
    Sqlite3Config,
    Sqlite3Plugin,
    "sqlite3",
    Backend::Sqlite3
);
sql_kind!(MysqlKind, MysqlConfig, MysqlPlugin, "mysql", Backend::Mysql);
sql_kind!(PgsqlKind, PgsqlConfig, PgsqlPlugin, "pgsql", Backend::Pgsql);

/// The SQL plugins' own series; [`SqlSink::metric_values`] fills them in this order.
pub const METRICS: &[PluginMetric] = &[
    PluginMetric::Dropped {
        reason: "sql_not_written",
        help: "given up by an SQL plugin: queue full while the database was unavailable, or still unwritten at exit",
    },
    PluginMetric::Family {
        name: "pmacct_sql_write_failures_total",
        kind: "counter",
        help: "Failed SQL batch writes (each retry counts).",
    },
    PluginMetric::Family {
        name: "pmacct_sql_rows_written_total",
        kind: "counter",
        help: "Rows an SQL plugin inserted or updated.",
    },
    PluginMetric::Family {
        name: "pmacct_sql_queued_rows",
        kind: "gauge",
        help: "Rows waiting for the database.",
    },
];

/// The SQL plugin's side of the core: statements, dynamic tables and the writer.
pub struct SqlSink<K> {
    kind: std::marker::PhantomData<K>,
    cfg: SqlConfig,
    backend: Backend,
    plan: Plan,
    table: Template,
    dynamic: bool,
    schema: Option<Template>,
    writer: Option<Writer>,
    /// Reused rendering buffer.
    buf: Vec<u8>,
    /// `sql_trigger_exec`'s deadline (None without a trigger).
    trigger: Option<Arc<trigger::Schedule>>,
    /// The last written purge's figures for its trigger run.
    last_facts: Option<trigger::PurgeFacts>,
    /// The entries `sql_preprocess` keeps (reused).
    kept: Vec<pmacct_flow::cache::Entry>,
}

impl<K: SqlKind> PurgeWriter for SqlSink<K> {
    const KIND: &'static str = K::KIND;

    fn writes_empty(&self) -> bool {
        false
    }

    fn is_open(&self) -> bool {
        self.writer.is_some()
    }

    fn write(&mut self, p: &mut Purge<'_>) -> anyhow::Result<()> {
        let Some(writer) = &self.writer else {
            return Ok(());
        };
        // Entries grouped by table name, in purge order (pmacct's pending-queries passes).
        let mut batches: Vec<Batch> = Vec::new();
        let mut name = String::new();
        // 1.7.7 reads sql_table_schema at every purge: one that could not be opened so far
        // is tried again, and missed again is logged once per table written.
        let mut schema_missing = None;
        if self.schema.is_none() && !p.entries.is_empty() {
            if let Some(path) = &self.cfg.table_schema_path {
                match read_table_schema(path) {
                    Ok(Some(text)) => {
                        self.schema = Some(Template::parse(
                            &text,
                            TemplateKind::Topic,
                            self.cfg.post_tag,
                            self.cfg.post_tag2,
                        ))
                    }
                    Ok(None) => schema_missing = Some(path.as_str()),
                    Err(e) => plugin_log!(p.log, Error, "{e}"),
                }
            }
        }
        let entries = match &self.cfg.preprocess {
            Some(pre) => {
                pre.apply(p.entries, &mut self.kept);
                &self.kept[..]
            }
            None => p.entries,
        };
        for e in entries {
            let row = self.plan.row(e, p.encoder, p.now, &mut self.buf);
            let table = if self.dynamic {
                let stamp = if e.basetime != 0 {
                    e.basetime as i64
                } else {
                    p.now
                };
                self.table.render(&e.prims, &mut name);
                strftime(&name, stamp, self.cfg.timestamps.utc)
            } else {
                self.cfg.table.clone()
            };
            match batches.iter_mut().find(|b| b.table == table) {
                Some(b) => b.rows.push(row),
                None => {
                    let schema = self.schema.as_ref().map(|t| {
                        let stamp = if e.basetime != 0 {
                            e.basetime as i64
                        } else {
                            p.now
                        };
                        t.render(&e.prims, &mut name);
                        strftime(&name, stamp, self.cfg.timestamps.utc)
                    });
                    batches.push(Batch {
                        table,
                        schema,
                        rows: vec![row],
                    })
                }
            }
        }
        for b in batches {
            if let Some(path) = schema_missing {
                plugin_log!(p.log, Error, "[{path}] file does not exist.");
            }
            let n = b.rows.len();
            let dropped = writer.submit(b);
            p.written += n - dropped;
        }
        if self.trigger.is_some() {
            let basetime = p.entries.first().map_or(0, |e| e.basetime as i64);
            self.last_facts = Some(trigger::PurgeFacts {
                total: p.entries.len(),
                basetime,
                timeslot: self.timeslot(basetime),
                effective_table: self
                    .dynamic
                    .then(|| strftime(&self.cfg.table, basetime, self.cfg.timestamps.utc)),
                started: p.now,
            });
        }
        Ok(())
    }

    fn after_purge(&mut self, now: i64, exiting: bool) {
        let facts = self.last_facts.take();
        if exiting {
            // 1.7.7's final purge at exit runs no trigger.
            return;
        }
        let (Some(s), Some(t), Some(w)) = (&self.trigger, &self.cfg.trigger, &self.writer) else {
            return;
        };
        if s.at_purge(now) {
            w.submit_trigger(trigger::TriggerRun {
                exec: t.exec.clone(),
                env: t.env.clone(),
                facts,
            });
        }
    }

    fn close(&mut self) -> anyhow::Result<()> {
        if let Some(s) = self.trigger.take() {
            s.stop();
        }
        if let Some(mut w) = self.writer.take() {
            w.close();
            let s = w.stats();
            let dropped = s.dropped.load(std::sync::atomic::Ordering::Relaxed);
            let log = PluginLog::new(&self.cfg.name, self.backend.kind(), default_sink());
            if dropped > 0 {
                plugin_log!(
                    log,
                    Error,
                    "{dropped} rows were not written to the database."
                );
            }
        }
        Ok(())
    }

    fn metric_values(&self, v: &mut [u64; MAX_PLUGIN_METRICS]) {
        if let Some(w) = &self.writer {
            let s = w.stats();
            let o = std::sync::atomic::Ordering::Relaxed;
            *v = [
                s.dropped.load(o),
                s.failures.load(o),
                s.inserted.load(o) + s.updated.load(o),
                s.queued.load(o),
            ];
        }
    }
}

impl<K> SqlSink<K> {
    /// `SQL_HISTORY_TIMESLOT`: the `sql_history` bin length at `basetime` (0 without).
    fn timeslot(&self, basetime: i64) -> i64 {
        match &self.cfg.history {
            Some(h) if h.unit == pmacct_flow::cache::HistoryUnit::Months => {
                pmacct_flow::time::monthly_timeslot(
                    basetime,
                    h.count,
                    true,
                    self.cfg.timestamps.utc,
                )
            }
            Some(h) => h.seconds() as i64,
            None => 0,
        }
    }
}

impl<K: SqlKind> Aggregator<SqlSink<K>> {
    pub fn new(cfg: SqlConfig, now: SystemTime) -> anyhow::Result<Self> {
        Self::with_log(cfg, now, default_sink())
    }

    pub fn with_log(cfg: SqlConfig, now: SystemTime, sink: LogSink) -> anyhow::Result<Self> {
        let log = PluginLog::new(&cfg.name, cfg.backend.kind(), sink);
        let fail = |msg: String| {
            plugin_log!(log, Error, "{msg} Exiting.");
            anyhow!("{msg}")
        };
        let plan = cfg.plan().map_err(fail)?;
        for n in &cfg.noops {
            plugin_log!(log, Warn, "{n}");
        }
        plugin_log!(
            log,
            Info,
            "cache entries={} base cache memory={} bytes",
            cfg.cache_entries,
            sql_memory_figure(cfg.cache_entries, cfg.refresh_time)
        );
        let opts = EncoderOptions {
            separator: String::new(),
            num_protos: cfg.num_protos,
            timestamps: cfg.timestamps,
            writer_id: None,
            history: cfg.history.is_some(),
            stitching: cfg.stitching,
            encodings: Default::default(),
        };
        let encoder = Encoder::new(OutputFormat::Csv, &cfg.aggregate, opts)
            .map_err(|e| fail(e.to_string()))?;
        let connector = connector(&cfg);
        let writer = Writer::start(
            plan.clone(),
            connector,
            WriterOptions {
                max_rows: cfg.cache_entries.saturating_mul(10).max(100_000),
                has_backup: cfg.backup_host.is_some(),
                close_timeout: Duration::from_secs(30),
            },
            log.clone(),
        )
        .map_err(|e| fail(format!("cannot start the writer thread: {e}")))?;
        let dynamic = cfg.table.contains('%') || cfg.table.contains('$');
        let table = Template::parse(&cfg.table, TemplateKind::Topic, cfg.post_tag, cfg.post_tag2);
        let schema = cfg
            .table_schema
            .as_ref()
            .map(|s| Template::parse(s, TemplateKind::Topic, cfg.post_tag, cfg.post_tag2));
        let core = CoreConfig {
            aggregate: cfg.aggregate,
            history: cfg.history.clone(),
            cache_entries: cfg.cache_entries,
            cache_entries_key: "sql_cache_entries",
            refresh_time: cfg.refresh_time,
            startup_delay: cfg.startup_delay,
            utc: cfg.timestamps.utc,
            time_new: cfg.time_new,
            stitching: cfg.stitching,
            pro_rating: cfg.pro_rating,
            geoipv2_file: cfg.geoipv2_file.clone(),
            // sql_preprocess and sql_trigger_exec have the SQL plugins' own rules.
            hooks: Default::default(),
        };
        let trigger = cfg.trigger.as_ref().map(|t| {
            let now_secs = now
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0);
            let roundoff = cfg
                .history
                .as_ref()
                .map(|h| h.roundoff.as_str())
                .unwrap_or("");
            let s = trigger::Schedule::new(
                t.every,
                cfg.refresh_time as i64,
                roundoff,
                cfg.startup_delay as i64,
                cfg.timestamps.utc,
                now_secs,
            );
            if t.every.is_some() {
                s.start_timer(t.clone(), log.clone());
            }
            s
        });
        let sink = SqlSink {
            trigger,
            last_facts: None,
            kept: Vec::new(),
            kind: std::marker::PhantomData,
            backend: cfg.backend,
            plan,
            table,
            dynamic,
            schema,
            writer: Some(writer),
            buf: Vec::with_capacity(64),
            cfg,
        };
        Ok(Aggregator::start(core, sink, encoder, log, now))
    }

    /// The writer's counters (None once closed).
    pub fn sql_stats(&self) -> Option<&SqlStats> {
        self.writer.writer.as_ref().map(|w| w.stats())
    }
}

/// The text of `sql_table_schema`, or None when the file cannot be opened (1.7.7 logs
/// `[file] file does not exist.` at each purge and runs without it).
fn read_table_schema(path: &str) -> Result<Option<String>, String> {
    if std::fs::File::open(path).is_err() {
        return Ok(None);
    }
    std::fs::read_to_string(path)
        .map(Some)
        .map_err(|e| format!("'sql_table_schema': cannot read '{path}': {e}"))
}

/// pmacct's start-up figure: its 400-byte `struct db_cache` per entry plus two pointer
/// queues of `sql_cache_entries + sql_refresh_time * 100` slots.
fn sql_memory_figure(entries: usize, refresh_time: u64) -> u64 {
    let n = entries as u64;
    n * 400 + 2 * (n + refresh_time * 100) * 8
}

fn connector(cfg: &SqlConfig) -> writer::Connector {
    match cfg.backend {
        Backend::Sqlite3 => {
            let db = cfg.db.clone();
            let backup = cfg.backup_host.clone();
            Box::new(move |use_backup| {
                let path = if use_backup {
                    backup.as_deref().unwrap_or(&db)
                } else {
                    &db
                };
                Ok(Box::new(sqlite::Sqlite::open(path)?) as Box<dyn writer::Connection>)
            })
        }
        Backend::Pgsql => {
            let c = cfg.clone();
            Box::new(move |use_backup| {
                let host = match (&c.backup_host, use_backup) {
                    (Some(b), true) => b.as_str(),
                    _ => c.host.as_str(),
                };
                let t = pgsql::PgTarget {
                    host,
                    port: c.port,
                    user: &c.user,
                    passwd: &c.passwd,
                    db: &c.db,
                    ca_file: c.ca_file.as_deref(),
                };
                Ok(Box::new(pgsql::Pgsql::connect(&t)?) as Box<dyn writer::Connection>)
            })
        }
        Backend::Mysql => {
            let c = cfg.clone();
            Box::new(move |use_backup| {
                let host = match (&c.backup_host, use_backup) {
                    (Some(b), true) => b.as_str(),
                    _ => c.host.as_str(),
                };
                let t = mysql::MyTarget {
                    host,
                    port: c.port,
                    user: &c.user,
                    passwd: &c.passwd,
                    db: &c.db,
                    ca_file: c.ca_file.as_deref(),
                };
                Ok(Box::new(mysql::Mysql::connect(&t)?) as Box<dyn writer::Connection>)
            })
        }
    }
}
