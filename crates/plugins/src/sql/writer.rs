//! The SQL writer: one thread per plugin instance that takes purged rows from a bounded
//! queue and writes them, one transaction per batch, so a slow, locked or absent database
//! never blocks the accounting thread. A batch that fails is kept and retried (then tried on
//! `sql_recovery_backup_host` when set); rows are dropped only when the queue is full or
//! the final flush runs out of time, and every dropped row is counted and logged.

use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::statement::{Plan, Row, Statement};
use super::trigger::TriggerRun;
use crate::log::{plugin_log, PluginLog};

/// Rows for one table (dynamic `sql_table` names split a purge into several).
#[derive(Debug, Clone)]
pub struct Batch {
    pub table: String,
    /// `sql_table_schema` with its variables expanded for this table, when configured.
    pub schema: Option<String>,
    pub rows: Vec<Row>,
}

/// What a write achieved.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Written {
    pub inserted: u64,
    pub updated: u64,
    /// Rows the database refused (a constraint, a value it cannot store): pmacct loses
    /// them too; counted and logged, the batch goes on.
    pub refused: u64,
    /// The first refusal's message.
    pub first_refusal: Option<String>,
}

/// Why a statement failed.
#[derive(Debug)]
pub enum ExecError {
    /// The connection or the database as a whole (down, locked, restarting, missing
    /// table): the batch is kept and retried.
    Retry(anyhow::Error),
    /// This row only (duplicate key, value out of range): the row is refused.
    Row(anyhow::Error),
}

impl From<ExecError> for anyhow::Error {
    fn from(e: ExecError) -> anyhow::Error {
        match e {
            ExecError::Retry(e) | ExecError::Row(e) => e,
        }
    }
}

/// One database connection as the writer drives it.
pub trait Connection: Send {
    /// Run `sql` (a `CREATE TABLE` script); errors are the caller's to report.
    fn execute_script(&mut self, sql: &str) -> anyhow::Result<()>;
    /// Run one statement; rows changed.
    fn exec(&mut self, st: &Statement) -> Result<u64, ExecError>;
    fn begin(&mut self) -> Result<(), ExecError>;
    fn commit(&mut self) -> Result<(), ExecError>;
    fn rollback(&mut self);

    /// Write every row of `batch` (UPDATE then INSERT per row unless the plan says not to
    /// try the UPDATE) in one transaction; when a row is refused, the transaction is rolled
    /// back and the batch replayed row by row, skipping the refused rows.
    fn write(&mut self, plan: &Plan, batch: &Batch) -> anyhow::Result<Written> {
        write_transaction(self, plan, batch)
    }
}

/// [`Connection::write`]'s default: the rows in one transaction, replayed row by row
/// (skipping refused rows) when the database refuses one.
pub(crate) fn write_transaction<C: Connection + ?Sized>(
    c: &mut C,
    plan: &Plan,
    batch: &Batch,
) -> anyhow::Result<Written> {
    c.begin()?;
    match write_rows(c, plan, batch, false) {
        Ok(w) => {
            c.commit()?;
            Ok(w)
        }
        Err(ExecError::Row(_)) => {
            c.rollback();
            write_rows(c, plan, batch, true).map_err(Into::into)
        }
        Err(e) => {
            c.rollback();
            Err(e.into())
        }
    }
}

/// The rows of `batch`, UPDATE then INSERT; with `skip_refused`, a refused row is counted
/// and the next one written.
pub(crate) fn write_rows<C: Connection + ?Sized>(
    c: &mut C,
    plan: &Plan,
    batch: &Batch,
    skip_refused: bool,
) -> Result<Written, ExecError> {
    let mut w = Written::default();
    for row in &batch.rows {
        let res = (|| {
            if let Some(up) = plan.update(&batch.table, row) {
                if c.exec(&up)? > 0 {
                    return Ok(false);
                }
            }
            c.exec(&plan.insert(&batch.table, row))?;
            Ok(true)
        })();
        match res {
            Ok(true) => w.inserted += 1,
            Ok(false) => w.updated += 1,
            Err(ExecError::Row(e)) if skip_refused => {
                w.refused += 1;
                if w.first_refusal.is_none() {
                    w.first_refusal = Some(format!("{e:#}"));
                }
            }
            Err(e) => return Err(e),
        }
    }
    Ok(w)
}

/// Opens a connection to the primary (`false`) or the backup (`true`) database.
pub type Connector = Box<dyn Fn(bool) -> anyhow::Result<Box<dyn Connection>> + Send>;

/// Counters of a writer, shared with the plugin thread.
#[derive(Debug, Default)]
pub struct SqlStats {
    pub inserted: AtomicU64,
    pub updated: AtomicU64,
    /// Rows given up (queue full, or not written when the final flush ran out of time).
    pub dropped: AtomicU64,
    /// Failed write attempts (each retry counts).
    pub failures: AtomicU64,
    /// Rows waiting in the queue now.
    pub queued: AtomicU64,
}

/// What the writer thread takes from its queue.
enum Job {
    Rows(Batch),
    /// `sql_trigger_exec` after the rows of the purge queued before it.
    Trigger(TriggerRun),
}

struct State {
    batches: VecDeque<Job>,
    rows: usize,
    closing: bool,
}

struct Shared {
    state: Mutex<State>,
    cv: Condvar,
}

/// How the writer behaves; the defaults are documented in docs/COMPATIBILITY.md.
#[derive(Debug, Clone)]
pub struct WriterOptions {
    /// Most rows held waiting for the database.
    pub max_rows: usize,
    /// A backup database exists (`sql_recovery_backup_host`).
    pub has_backup: bool,
    /// How long the final flush keeps retrying before dropping what is left.
    pub close_timeout: Duration,
}

/// The writer thread's handle, owned by the plugin.
pub struct Writer {
    shared: Arc<Shared>,
    stats: Arc<SqlStats>,
    thread: Option<JoinHandle<()>>,
    log: PluginLog,
    max_rows: usize,
}

impl Writer {
    pub fn start(
        plan: Plan,
        connector: Connector,
        opts: WriterOptions,
        log: PluginLog,
    ) -> anyhow::Result<Writer> {
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                batches: VecDeque::new(),
                rows: 0,
                closing: false,
            }),
            cv: Condvar::new(),
        });
        let stats = Arc::new(SqlStats::default());
        let max_rows = opts.max_rows;
        let mut worker = Worker {
            plan,
            connector,
            opts,
            shared: shared.clone(),
            stats: stats.clone(),
            log: log.clone(),
            conn: None,
            created: HashSet::new(),
            since_trigger: (0, 0),
            failing_since: None,
        };
        let thread = std::thread::Builder::new()
            .name(format!("sql-writer-{}", log.name))
            .spawn(move || worker.run())?;
        Ok(Writer {
            shared,
            stats,
            thread: Some(thread),
            log,
            max_rows,
        })
    }

    pub fn stats(&self) -> &SqlStats {
        &self.stats
    }

    /// Queue a batch; never blocks on the database. Returns the rows dropped because the
    /// queue was full.
    pub fn submit(&self, batch: Batch) -> usize {
        let n = batch.rows.len();
        if n == 0 {
            return 0;
        }
        let mut st = self.shared.state.lock().unwrap_or_else(|e| e.into_inner());
        if st.rows + n > self.max_rows {
            let queued = st.rows;
            drop(st);
            let total = self.stats.dropped.fetch_add(n as u64, Ordering::Relaxed) + n as u64;
            plugin_log!(
                self.log,
                Error,
                "database writes are behind ({queued} rows queued, limit {}): {n} rows for table '{}' dropped; {total} rows dropped in total",
                self.max_rows,
                batch.table
            );
            return n;
        }
        st.rows += n;
        st.batches.push_back(Job::Rows(batch));
        self.stats.queued.store(st.rows as u64, Ordering::Relaxed);
        self.shared.cv.notify_one();
        0
    }

    /// Run `t` once the rows queued before it are written.
    pub fn submit_trigger(&self, t: TriggerRun) {
        let mut st = self.shared.state.lock().unwrap_or_else(|e| e.into_inner());
        st.batches.push_back(Job::Trigger(t));
        self.shared.cv.notify_one();
    }

    /// Flush what is queued (retrying up to the close timeout) and stop the thread.
    pub fn close(&mut self) {
        {
            let mut st = self.shared.state.lock().unwrap_or_else(|e| e.into_inner());
            st.closing = true;
            self.shared.cv.notify_all();
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.close();
    }
}

struct Worker {
    plan: Plan,
    connector: Connector,
    opts: WriterOptions,
    shared: Arc<Shared>,
    stats: Arc<SqlStats>,
    log: PluginLog,
    conn: Option<Box<dyn Connection>>,
    /// Tables this process has run `sql_table_schema` for.
    created: HashSet<String>,
    failing_since: Option<Instant>,
    /// Rows inserted and updated since the last trigger run (its purge's figures).
    since_trigger: (u64, u64),
}

impl Worker {
    fn run(&mut self) {
        let mut backoff = Duration::from_millis(250);
        let mut close_deadline: Option<Instant> = None;
        loop {
            let batch = {
                let mut st = self.shared.state.lock().unwrap_or_else(|e| e.into_inner());
                while st.batches.is_empty() && !st.closing {
                    st = self.shared.cv.wait(st).unwrap_or_else(|e| e.into_inner());
                }
                if st.closing && close_deadline.is_none() {
                    close_deadline = Some(Instant::now() + self.opts.close_timeout);
                }
                match st.batches.front() {
                    Some(Job::Rows(b)) => b.clone(),
                    Some(Job::Trigger(_)) => {
                        let Some(Job::Trigger(t)) = st.batches.pop_front() else {
                            unreachable!("front is a trigger")
                        };
                        drop(st);
                        let (ins, upd) = std::mem::take(&mut self.since_trigger);
                        t.run(ins, upd, &self.log);
                        continue;
                    }
                    None => return,
                }
            };
            match self.write_batch(&batch) {
                Ok(()) => {
                    backoff = Duration::from_millis(250);
                    let mut st = self.shared.state.lock().unwrap_or_else(|e| e.into_inner());
                    st.batches.pop_front();
                    st.rows -= batch.rows.len();
                    self.stats.queued.store(st.rows as u64, Ordering::Relaxed);
                }
                Err(e) => {
                    self.stats.failures.fetch_add(1, Ordering::Relaxed);
                    self.conn = None;
                    if self.failing_since.is_none() {
                        self.failing_since = Some(Instant::now());
                    }
                    plugin_log!(
                        self.log,
                        Error,
                        "{e:#} ({} rows for table '{}' kept, retrying in {} ms)",
                        batch.rows.len(),
                        batch.table,
                        backoff.as_millis()
                    );
                    if let Some(d) = close_deadline {
                        if Instant::now() >= d {
                            self.drop_all();
                            return;
                        }
                    }
                    let st = self.shared.state.lock().unwrap_or_else(|e| e.into_inner());
                    // Sleep, but wake up when the plugin closes.
                    let _ = self.shared.cv.wait_timeout(st, backoff);
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
            }
        }
    }

    /// Everything left when the final flush gives up: counted and logged.
    fn drop_all(&mut self) {
        let mut st = self.shared.state.lock().unwrap_or_else(|e| e.into_inner());
        let n = st.rows;
        st.batches.clear();
        st.rows = 0;
        self.stats.queued.store(0, Ordering::Relaxed);
        let total = self.stats.dropped.fetch_add(n as u64, Ordering::Relaxed) + n as u64;
        plugin_log!(
            self.log,
            Error,
            "database unavailable at exit: {n} rows dropped after {} s of retries; {total} rows dropped in total",
            self.opts.close_timeout.as_secs()
        );
    }

    fn write_batch(&mut self, batch: &Batch) -> anyhow::Result<()> {
        match self.write_to(false, batch) {
            Ok(()) => Ok(()),
            Err(e) if self.opts.has_backup => {
                plugin_log!(self.log, Error, "{e:#}; trying the backup database.");
                self.conn = None;
                let r = self.write_to(true, batch);
                // Back to the primary for the next batch.
                self.conn = None;
                r
            }
            Err(e) => Err(e),
        }
    }

    fn write_to(&mut self, backup: bool, batch: &Batch) -> anyhow::Result<()> {
        if self.conn.is_none() {
            self.conn = Some((self.connector)(backup)?);
            if let Some(since) = self.failing_since.take() {
                plugin_log!(
                    self.log,
                    Info,
                    "database connection back after {} s.",
                    since.elapsed().as_secs()
                );
            }
        }
        let conn = self.conn.as_mut().expect("connected above");
        if let Some(schema) = &batch.schema {
            if !self.created.contains(&batch.table) {
                if let Err(e) = conn.execute_script(schema) {
                    // pmacct: a failed CREATE is a warning (the table usually exists).
                    plugin_log!(self.log, Warn, "{e:#}");
                }
                self.created.insert(batch.table.clone());
            }
        }
        let w = conn.write(&self.plan, batch)?;
        self.stats.inserted.fetch_add(w.inserted, Ordering::Relaxed);
        self.stats.updated.fetch_add(w.updated, Ordering::Relaxed);
        self.since_trigger.0 += w.inserted;
        self.since_trigger.1 += w.updated;
        if w.refused > 0 {
            let total = self.stats.dropped.fetch_add(w.refused, Ordering::Relaxed) + w.refused;
            plugin_log!(
                self.log,
                Error,
                "{} rows refused by the database for table '{}' ({}); {total} rows dropped in total",
                w.refused,
                batch.table,
                w.first_refusal.as_deref().unwrap_or("")
            );
        }
        Ok(())
    }
}
