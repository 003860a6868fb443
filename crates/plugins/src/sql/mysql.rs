//! The mysql backend (the `mysql` crate, synchronous, pure Rust): `sql_host`, `sql_port`
//! (3306), `sql_user`, `sql_passwd`, `sql_db`; values bound as parameters of prepared
//! statements (cached per connection).

use std::time::Duration;

use anyhow::Context as _;
use mysql::prelude::Queryable;
use mysql::{Conn, OptsBuilder, SslOpts, Value};

use super::statement::{Param, Statement};
use super::writer::{Connection, ExecError};

/// How long a connection attempt or a read/write may take before the batch is retried.
const TIMEOUT: Duration = Duration::from_secs(10);

pub struct Mysql {
    conn: Conn,
}

/// Connection details (the password is never formatted into logs).
pub struct MyTarget<'a> {
    pub host: &'a str,
    pub port: Option<u16>,
    pub user: &'a str,
    pub passwd: &'a str,
    pub db: &'a str,
    /// `sql_conn_ca_file`.
    pub ca_file: Option<&'a str>,
}

impl Mysql {
    pub fn connect(t: &MyTarget<'_>) -> anyhow::Result<Mysql> {
        // 1.7.7 passes the CA alone to mysql_ssl_set(): libmariadb then requires TLS and
        // verifies the server's chain against that CA, but not its name (no
        // MYSQL_OPT_SSL_VERIFY_SERVER_CERT).
        let ssl = t.ca_file.map(|ca| {
            SslOpts::default()
                .with_root_cert_path(Some(std::path::PathBuf::from(ca)))
                .with_danger_skip_domain_validation(true)
        });
        let opts = OptsBuilder::new()
            .ssl_opts(ssl)
            .ip_or_hostname(Some(t.host))
            .tcp_port(t.port.unwrap_or(3306))
            .user(Some(t.user))
            .pass(Some(t.passwd))
            .db_name(Some(t.db))
            .tcp_connect_timeout(Some(TIMEOUT))
            .read_timeout(Some(TIMEOUT))
            .write_timeout(Some(TIMEOUT));
        let conn = Conn::new(opts).with_context(|| {
            format!(
                "cannot connect to MySQL {}@{}:{}/{}{}",
                t.user,
                t.host,
                t.port.unwrap_or(3306),
                t.db,
                if t.ca_file.is_some() { " (TLS)" } else { "" }
            )
        })?;
        Ok(Mysql { conn })
    }
}

fn value(p: &Param) -> Value {
    match p {
        Param::Int(n) => Value::Int(*n),
        Param::Text(s) => Value::Bytes(s.as_bytes().to_vec()),
    }
}

/// Server errors about one row's values (duplicate key, too long, out of range, bad value,
/// NULL) belong to that row; anything else (connection, missing table, lock wait) to the
/// database.
fn classify(e: mysql::Error, what: &str) -> ExecError {
    let row = matches!(
        &e,
        mysql::Error::MySqlError(m) if matches!(m.code, 1048 | 1062 | 1264 | 1265 | 1292 | 1366 | 1406)
    );
    let e = anyhow::Error::new(e).context(what.to_string());
    if row {
        ExecError::Row(e)
    } else {
        ExecError::Retry(e)
    }
}

impl Connection for Mysql {
    fn execute_script(&mut self, sql: &str) -> anyhow::Result<()> {
        self.conn.query_drop(sql).context("sql_table_schema failed")
    }

    fn exec(&mut self, st: &Statement) -> Result<u64, ExecError> {
        let params: Vec<Value> = st.params.iter().map(value).collect();
        self.conn
            .exec_drop(st.sql.as_str(), params)
            .map_err(|e| classify(e, &st.sql))?;
        Ok(self.conn.affected_rows())
    }

    fn begin(&mut self) -> Result<(), ExecError> {
        self.conn
            .query_drop("START TRANSACTION")
            .map_err(|e| classify(e, "START TRANSACTION"))
    }

    fn commit(&mut self) -> Result<(), ExecError> {
        self.conn
            .query_drop("COMMIT")
            .map_err(|e| classify(e, "COMMIT"))
    }

    fn rollback(&mut self) {
        let _ = self.conn.query_drop("ROLLBACK");
    }
}
