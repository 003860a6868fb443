//! The pgsql backend (the `postgres` crate, synchronous): `sql_host`, `sql_port` (5432),
//! `sql_user`, `sql_passwd`, `sql_db`. Statements carry escaped literals (see
//! [`super::statement::pg_literal`]), so untyped values land in `inet`/`macaddr` columns as
//! with 1.7.7.

use std::time::Duration;

use anyhow::Context as _;
use postgres::error::SqlState;
use postgres::{Client, NoTls};

use super::statement::Statement;
use super::writer::{Connection, ExecError};

/// How long a connection attempt or a statement may take before the batch is retried.
const TIMEOUT: Duration = Duration::from_secs(10);

pub struct Pgsql {
    client: Client,
}

/// Connection details (the password is never formatted into logs).
pub struct PgTarget<'a> {
    pub host: &'a str,
    pub port: Option<u16>,
    pub user: &'a str,
    pub passwd: &'a str,
    pub db: &'a str,
}

impl Pgsql {
    pub fn connect(t: &PgTarget<'_>) -> anyhow::Result<Pgsql> {
        let mut cfg = postgres::Config::new();
        cfg.host(t.host)
            .port(t.port.unwrap_or(5432))
            .user(t.user)
            .password(t.passwd)
            .dbname(t.db)
            .connect_timeout(TIMEOUT)
            .options(&format!("-c statement_timeout={}", TIMEOUT.as_millis()));
        let client = cfg.connect(NoTls).with_context(|| {
            format!(
                "cannot connect to PostgreSQL {}@{}:{}/{}",
                t.user,
                t.host,
                t.port.unwrap_or(5432),
                t.db
            )
        })?;
        Ok(Pgsql { client })
    }
}

/// Integrity and data errors (SQLSTATE classes 22 and 23) belong to one row; anything else
/// (no connection, shutdown, missing table, timeout) to the database.
fn classify(e: postgres::Error, what: &str) -> ExecError {
    let row = e.code().is_some_and(|c| {
        let s = c.code();
        (s.starts_with("22") || s.starts_with("23")) && *c != SqlState::QUERY_CANCELED
    });
    let e = anyhow::Error::new(e).context(what.to_string());
    if row {
        ExecError::Row(e)
    } else {
        ExecError::Retry(e)
    }
}

impl Connection for Pgsql {
    fn execute_script(&mut self, sql: &str) -> anyhow::Result<()> {
        self.client
            .batch_execute(sql)
            .context("sql_table_schema failed")
    }

    fn exec(&mut self, st: &Statement) -> Result<u64, ExecError> {
        self.client
            .execute(st.sql.as_str(), &[])
            .map_err(|e| classify(e, &st.sql))
    }

    fn begin(&mut self) -> Result<(), ExecError> {
        self.client
            .batch_execute("BEGIN")
            .map_err(|e| classify(e, "BEGIN"))
    }

    fn commit(&mut self) -> Result<(), ExecError> {
        self.client
            .batch_execute("COMMIT")
            .map_err(|e| classify(e, "COMMIT"))
    }

    fn rollback(&mut self) {
        let _ = self.client.batch_execute("ROLLBACK");
    }
}
