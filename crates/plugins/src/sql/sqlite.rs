//! The sqlite3 backend (rusqlite on Debian's libsqlite3): `sql_db` is the database file;
//! the backup (`sql_recovery_backup_host`) is another file, as in pmacct.

use std::time::Duration;

use anyhow::Context as _;
use rusqlite::types::Value;

use super::statement::{Param, Plan};
use super::writer::{Batch, Connection, Written};

/// How long a write waits for another process's lock before the batch is retried later.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

pub struct Sqlite {
    conn: rusqlite::Connection,
}

impl Sqlite {
    pub fn open(path: &str) -> anyhow::Result<Sqlite> {
        let conn = rusqlite::Connection::open(path)
            .with_context(|| format!("cannot open SQLite database '{path}'"))?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        Ok(Sqlite { conn })
    }
}

impl Sqlite {
    /// The underlying connection (tests read tables back through it).
    pub fn raw(&self) -> &rusqlite::Connection {
        &self.conn
    }
}

fn value(p: &Param) -> Value {
    match p {
        Param::Int(n) => Value::Integer(*n),
        Param::Text(s) => Value::Text(s.clone()),
    }
}

impl Connection for Sqlite {
    fn execute_script(&mut self, sql: &str) -> anyhow::Result<()> {
        self.conn
            .execute_batch(sql)
            .context("sql_table_schema failed")
    }

    fn write(&mut self, plan: &Plan, batch: &Batch) -> anyhow::Result<Written> {
        let tx = self.conn.transaction().context("BEGIN failed")?;
        let mut w = Written::default();
        for row in &batch.rows {
            if let Some(up) = plan.update(&batch.table, row) {
                let mut st = tx
                    .prepare_cached(&up.sql)
                    .with_context(|| format!("cannot prepare '{}'", up.sql))?;
                let n = st
                    .execute(rusqlite::params_from_iter(up.params.iter().map(value)))
                    .with_context(|| format!("UPDATE of table '{}' failed", batch.table))?;
                if n > 0 {
                    w.updated += 1;
                    continue;
                }
            }
            let ins = plan.insert(&batch.table, row);
            let mut st = tx
                .prepare_cached(&ins.sql)
                .with_context(|| format!("cannot prepare '{}'", ins.sql))?;
            st.execute(rusqlite::params_from_iter(ins.params.iter().map(value)))
                .with_context(|| format!("INSERT into table '{}' failed", batch.table))?;
            w.inserted += 1;
        }
        tx.commit().context("COMMIT failed")?;
        Ok(w)
    }
}
