//! The sqlite3 backend (rusqlite on Debian's libsqlite3): `sql_db` is the database file;
//! the backup (`sql_recovery_backup_host`) is another file, as in pmacct.

use std::time::Duration;

use anyhow::Context as _;
use rusqlite::types::Value;
use rusqlite::ErrorCode;

use super::statement::{Param, Statement};
use super::writer::{Connection, ExecError};

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

/// Constraint and type errors belong to one row; anything else (busy, locked, I/O, missing
/// table) to the database.
fn classify(e: rusqlite::Error, what: &str) -> ExecError {
    let row = matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::ConstraintViolation | ErrorCode::TooBig | ErrorCode::TypeMismatch)
    );
    let e = anyhow::Error::new(e).context(what.to_string());
    if row {
        ExecError::Row(e)
    } else {
        ExecError::Retry(e)
    }
}

impl Connection for Sqlite {
    fn execute_script(&mut self, sql: &str) -> anyhow::Result<()> {
        self.conn
            .execute_batch(sql)
            .context("sql_table_schema failed")
    }

    fn exec(&mut self, st: &Statement) -> Result<u64, ExecError> {
        let mut prepared = self
            .conn
            .prepare_cached(&st.sql)
            .map_err(|e| classify(e, &st.sql))?;
        prepared
            .execute(rusqlite::params_from_iter(st.params.iter().map(value)))
            .map(|n| n as u64)
            .map_err(|e| classify(e, &st.sql))
    }

    fn begin(&mut self) -> Result<(), ExecError> {
        self.conn
            .execute_batch("BEGIN")
            .map_err(|e| ExecError::Retry(anyhow::Error::new(e).context("BEGIN")))
    }

    fn commit(&mut self) -> Result<(), ExecError> {
        self.conn
            .execute_batch("COMMIT")
            .map_err(|e| ExecError::Retry(anyhow::Error::new(e).context("COMMIT")))
    }

    fn rollback(&mut self) {
        let _ = self.conn.execute_batch("ROLLBACK");
    }
}
