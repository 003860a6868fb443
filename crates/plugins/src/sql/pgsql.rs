//! The pgsql backend (`tokio-postgres` on a current-thread runtime owned by the writer
//! thread): `sql_host`, `sql_port` (5432), `sql_user`, `sql_passwd`, `sql_db`.
//!
//! Statements are prepared once per table and their values bound as parameters in text
//! format, so the server parses each as its column's type (`inet`, `macaddr`...), as it does
//! pmacct's untyped literals. A batch is written in one transaction with its UPDATEs, then
//! the INSERTs of the rows no UPDATE matched, each sent as a pipeline (all statements of a
//! chunk on the wire before the first answer is read): two round trips per chunk instead
//! of one or two per row. The rows of one purge into one table have distinct keys, so
//! sending every UPDATE before the INSERTs writes what pmacct's UPDATE-then-INSERT per row
//! writes.

use std::collections::HashMap;
use std::error::Error as StdError;
use std::future::Future;
use std::time::Duration;

use anyhow::Context as _;
use bytes::{BufMut as _, Bytes, BytesMut};
use futures_util::future::join_all;
use futures_util::SinkExt as _;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::{to_sql_checked, Format, IsNull, ToSql, Type};
use tokio_postgres::NoTls;

use super::statement::{Param, Plan, Statement};
use super::writer::{write_rows, Batch, Connection, ExecError, Written};

/// How long a connection attempt or a statement may take before the batch is retried.
const TIMEOUT: Duration = Duration::from_secs(10);
/// Statements per pipeline: bounds the futures and parameters held at once.
const CHUNK: usize = 2048;
/// Prepared statements kept per connection (dynamic tables make new ones).
const MAX_PREPARED: usize = 256;

pub struct Pgsql {
    rt: tokio::runtime::Runtime,
    client: tokio_postgres::Client,
    prepared: HashMap<String, tokio_postgres::Statement>,
}

/// Connection details (the password is never formatted into logs).
pub struct PgTarget<'a> {
    pub host: &'a str,
    pub port: Option<u16>,
    pub user: &'a str,
    pub passwd: &'a str,
    pub db: &'a str,
    /// `sql_conn_ca_file`.
    pub ca_file: Option<&'a str>,
}

/// Connect with `tls` and drive the connection on `rt` (whenever the writer blocks on a
/// request; it ends when the client is dropped).
fn open<T>(
    rt: &tokio::runtime::Runtime,
    cfg: &tokio_postgres::Config,
    tls: T,
) -> anyhow::Result<tokio_postgres::Client>
where
    T: tokio_postgres::tls::MakeTlsConnect<tokio_postgres::Socket>,
    T::Stream: Send + 'static,
{
    let (client, conn) = rt
        .block_on(async { tokio::time::timeout(TIMEOUT, cfg.connect(tls)).await })
        .map_err(|_| anyhow::anyhow!("timed out"))??;
    rt.spawn(async move {
        let _ = conn.await;
    });
    Ok(client)
}

/// 1.7.7's `sslmode=verify-full sslrootcert=<sql_conn_ca_file>`: TLS required, the
/// server's chain verified against that CA only (no system roots) and its name against
/// `sql_host`.
fn verify_full(ca: &str) -> anyhow::Result<postgres_native_tls::MakeTlsConnector> {
    let pem = std::fs::read(ca)
        .with_context(|| format!("could not read root certificate file \"{ca}\""))?;
    let mut b = native_tls::TlsConnector::builder();
    b.disable_built_in_roots(true);
    let mut n = 0;
    for block in pem_blocks(&pem) {
        b.add_root_certificate(
            native_tls::Certificate::from_pem(block)
                .with_context(|| format!("could not read root certificate file \"{ca}\""))?,
        );
        n += 1;
    }
    if n == 0 {
        anyhow::bail!("could not read root certificate file \"{ca}\": no certificate");
    }
    Ok(postgres_native_tls::MakeTlsConnector::new(b.build()?))
}

/// The PEM certificate blocks of a CA file (it may hold a chain).
fn pem_blocks(pem: &[u8]) -> impl Iterator<Item = &[u8]> {
    const BEGIN: &[u8] = b"-----BEGIN CERTIFICATE-----";
    const END: &[u8] = b"-----END CERTIFICATE-----";
    let find = |h: &[u8], n: &[u8]| h.windows(n.len()).position(|w| w == n);
    let mut rest = pem;
    std::iter::from_fn(move || {
        let start = find(rest, BEGIN)?;
        let end = start + find(&rest[start..], END)? + END.len();
        let block = &rest[start..end];
        rest = &rest[end..];
        Some(block)
    })
}

/// One value in text format, whatever the column's type (NUL, which PostgreSQL refuses
/// in text, is dropped).
#[derive(Debug)]
struct PgText<'a>(&'a Param);

impl ToSql for PgText<'_> {
    fn to_sql(
        &self,
        _ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn StdError + Sync + Send>> {
        match self.0 {
            Param::Int(n) => {
                use std::fmt::Write as _;
                write!(out, "{n}")?;
            }
            Param::Text(s) => {
                for part in s.split('\0') {
                    out.put_slice(part.as_bytes());
                }
            }
        }
        Ok(IsNull::No)
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }

    fn encode_format(&self, _ty: &Type) -> Format {
        Format::Text
    }

    to_sql_checked!();
}

impl Pgsql {
    pub fn connect(t: &PgTarget<'_>) -> anyhow::Result<Pgsql> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("cannot start the PostgreSQL client runtime")?;
        let mut cfg = tokio_postgres::Config::new();
        cfg.host(t.host)
            .port(t.port.unwrap_or(5432))
            .user(t.user)
            .password(t.passwd)
            .dbname(t.db)
            .connect_timeout(TIMEOUT)
            .options(format!("-c statement_timeout={}", TIMEOUT.as_millis()));
        let what = || {
            format!(
                "cannot connect to PostgreSQL {}@{}:{}/{}",
                t.user,
                t.host,
                t.port.unwrap_or(5432),
                t.db
            )
        };
        let client = match t.ca_file {
            None => open(&rt, &cfg, NoTls),
            Some(ca) => {
                let tls = verify_full(ca).with_context(what)?;
                cfg.ssl_mode(tokio_postgres::config::SslMode::Require);
                open(&rt, &cfg, tls)
            }
        }
        .with_context(what)?;
        Ok(Pgsql {
            rt,
            client,
            prepared: HashMap::new(),
        })
    }

    /// Run `f` on the runtime; a server that stops answering (network gone without a
    /// reset) fails the batch after `limit` instead of blocking the writer for ever.
    fn block<T>(
        &self,
        limit: Duration,
        what: &str,
        f: impl Future<Output = Result<T, ExecError>>,
    ) -> Result<T, ExecError> {
        self.rt
            .block_on(async { tokio::time::timeout(limit, f).await })
            .unwrap_or_else(|_| {
                Err(ExecError::Retry(anyhow::anyhow!(
                    "{what}: no answer from PostgreSQL in {} s",
                    limit.as_secs()
                )))
            })
    }

    /// The prepared statement of `sql` (prepared on first use).
    fn prepared(&mut self, sql: &str) -> Result<tokio_postgres::Statement, ExecError> {
        if let Some(s) = self.prepared.get(sql) {
            return Ok(s.clone());
        }
        let client = &self.client;
        let st = self.block(TIMEOUT, sql, async {
            client.prepare(sql).await.map_err(|e| classify(e, sql))
        })?;
        if self.prepared.len() >= MAX_PREPARED {
            self.prepared.clear();
        }
        self.prepared.insert(sql.to_string(), st.clone());
        Ok(st)
    }

    /// Run `stmts` (same SQL text) as one pipeline; rows changed by each, or the first
    /// error in statement order (later ones only say that the transaction is aborted).
    fn pipeline(&mut self, stmts: &[Statement]) -> Result<Vec<u64>, ExecError> {
        let Some(first) = stmts.first() else {
            return Ok(Vec::new());
        };
        let prepared = self.prepared(&first.sql)?;
        let client = &self.client;
        let limit = TIMEOUT * 3;
        self.block(limit, &first.sql, async {
            let results = join_all(
                stmts
                    .iter()
                    .map(|s| client.execute_raw(&prepared, s.params.iter().map(PgText))),
            )
            .await;
            results
                .into_iter()
                .map(|r| r.map_err(|e| classify(e, &first.sql)))
                .collect()
        })
    }

    /// The rows of `batch` in chunks: the UPDATEs of a chunk in one pipeline, then the
    /// INSERTs of the rows they missed in another.
    fn write_pipelined(&mut self, plan: &Plan, batch: &Batch) -> Result<Written, ExecError> {
        let mut w = Written::default();
        let mut stmts = Vec::with_capacity(CHUNK.min(batch.rows.len()));
        for chunk in batch.rows.chunks(CHUNK) {
            stmts.clear();
            stmts.extend(chunk.iter().filter_map(|r| plan.update(&batch.table, r)));
            let matched = if stmts.is_empty() {
                vec![0; chunk.len()]
            } else {
                self.pipeline(&stmts)?
            };
            stmts.clear();
            stmts.extend(
                chunk
                    .iter()
                    .zip(&matched)
                    .filter(|(_, n)| **n == 0)
                    .map(|(r, _)| plan.insert(&batch.table, r)),
            );
            self.pipeline(&stmts)?;
            w.inserted += stmts.len() as u64;
            w.updated += (chunk.len() - stmts.len()) as u64;
        }
        Ok(w)
    }

    fn simple(&mut self, sql: &str) -> Result<(), ExecError> {
        let client = &self.client;
        self.block(TIMEOUT, sql, async {
            client
                .batch_execute(sql)
                .await
                .map_err(|e| classify(e, sql))
        })
    }

    fn copy(&mut self, plan: &Plan, batch: &Batch, copy: &str) -> Result<(), ExecError> {
        let client = &self.client;
        // Generous: a COPY carries a whole batch.
        self.block(TIMEOUT * 6, copy, async {
            let sink = client
                .copy_in::<_, Bytes>(copy)
                .await
                .map_err(|e| classify(e, copy))?;
            futures_util::pin_mut!(sink);
            let mut line = String::with_capacity(256);
            let mut buf = BytesMut::with_capacity(64 * 1024);
            for row in &batch.rows {
                line.clear();
                plan.copy_line(row, &mut line);
                buf.put_slice(line.as_bytes());
                if buf.len() >= 60 * 1024 {
                    sink.send(buf.split().freeze())
                        .await
                        .map_err(|e| classify(e, copy))?;
                }
            }
            if !buf.is_empty() {
                sink.send(buf.split().freeze())
                    .await
                    .map_err(|e| classify(e, copy))?;
            }
            sink.as_mut()
                .finish()
                .await
                .map(drop)
                .map_err(|e| classify(e, copy))
        })
    }
}

/// Integrity and data errors (SQLSTATE classes 22 and 23) belong to one row; anything else
/// (no connection, shutdown, missing table, timeout) to the database.
fn classify(e: tokio_postgres::Error, what: &str) -> ExecError {
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
        self.simple(sql)
            .map_err(anyhow::Error::from)
            .context("sql_table_schema failed")
    }

    /// One statement, prepared once, one round trip.
    fn exec(&mut self, st: &Statement) -> Result<u64, ExecError> {
        let prepared = self.prepared(&st.sql)?;
        let client = &self.client;
        self.block(TIMEOUT, &st.sql, async {
            client
                .execute_raw(&prepared, st.params.iter().map(PgText))
                .await
                .map_err(|e| classify(e, &st.sql))
        })
    }

    fn begin(&mut self) -> Result<(), ExecError> {
        self.simple("BEGIN")
    }

    fn commit(&mut self) -> Result<(), ExecError> {
        self.simple("COMMIT")
    }

    fn rollback(&mut self) {
        let _ = self.simple("ROLLBACK");
    }

    /// One transaction: pipelined UPDATEs then INSERTs, or with `sql_use_copy` one COPY.
    /// When the server refuses a row, the transaction is rolled back and the batch
    /// replayed statement by statement, skipping the refused rows.
    fn write(&mut self, plan: &Plan, batch: &Batch) -> anyhow::Result<Written> {
        let copy = plan.copy_sql(&batch.table);
        self.begin()?;
        let res = match &copy {
            Some(copy) => self.copy(plan, batch, copy).map(|()| Written {
                inserted: batch.rows.len() as u64,
                ..Default::default()
            }),
            None => self.write_pipelined(plan, batch),
        };
        match res {
            Ok(w) => {
                self.commit()?;
                Ok(w)
            }
            Err(ExecError::Row(_)) => {
                self.rollback();
                write_rows(self, plan, batch, true).map_err(Into::into)
            }
            Err(e) => {
                self.rollback();
                Err(e.into())
            }
        }
    }
}
