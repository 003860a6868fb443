//! Statement builder and sqlite3 backend tests.

use std::collections::HashSet;

use pmacct_flow::cache::Entry;
use pmacct_flow::format::{Encoder, EncoderOptions, OutputFormat};
use pmacct_flow::{Aggregate, Primitive};

use super::sqlite::Sqlite;
use super::statement::{Backend, Param, Plan, PlanOptions};
use super::writer::{Batch, Connection};

const BACKENDS: [Backend; 3] = [Backend::Mysql, Backend::Pgsql, Backend::Sqlite3];

pub(crate) fn agg(s: &str) -> Aggregate {
    let tokens: Vec<String> = s.split(',').map(|t| t.trim().to_string()).collect();
    Aggregate::parse(&tokens).unwrap()
}

fn opts(backend: Backend, version: u8) -> PlanOptions {
    PlanOptions {
        history: true,
        ..PlanOptions::new(backend, version)
    }
}

fn encoder(a: &Aggregate) -> Encoder {
    Encoder::new(
        OutputFormat::Csv,
        a,
        EncoderOptions {
            separator: String::new(),
            num_protos: false,
            timestamps: Default::default(),
            writer_id: None,
            history: true,
            encodings: Default::default(),
            stitching: false,
        },
    )
    .unwrap()
}

pub(crate) fn entry(a: &Aggregate) -> Entry {
    let mut e = Entry {
        prims: Default::default(),
        custom: Default::default(),
        packets: 0,
        bytes: 0,
        flows: 0,
        tcp_flags: 0,
        flow_type: Default::default(),
        family: 4,
        basetime: 0,
        timestamp_min: Default::default(),
        timestamp_max: Default::default(),
        geo: Default::default(),
    };
    if a.contains(Primitive::SrcHost) {
        e.prims.src_ip = Some("10.0.0.1".parse().unwrap());
    }
    if a.contains(Primitive::DstHost) {
        e.prims.dst_ip = Some("2001:db8::1".parse().unwrap());
    }
    e.prims.proto = 17;
    e.prims.src_port = 53;
    e.packets = 3;
    e.bytes = 300;
    e.flows = 1;
    e.basetime = 1_700_000_000;
    e
}

/// Column names of a table in one of Debian's pmacct schema scripts.
fn schema_columns(file: &str) -> Option<HashSet<String>> {
    let text = std::fs::read_to_string(format!("/usr/share/doc/pmacct/sql/{file}")).ok()?;
    let mut cols = HashSet::new();
    for line in text.lines() {
        let l = line.trim();
        let first = l.split_whitespace().next().unwrap_or("");
        let upper = first.to_ascii_uppercase();
        if first.is_empty()
            || [
                "CREATE", "DROP", "PRIMARY", ");", "--", "USE", "GRANT", "INDEX", "\\C", "SET",
            ]
            .iter()
            .any(|k| upper.starts_with(k))
        {
            continue;
        }
        if l.contains(' ') {
            cols.insert(first.trim_matches(',').to_string());
        }
    }
    Some(cols)
}

fn schema_file(backend: Backend, v: u8) -> String {
    match backend {
        Backend::Sqlite3 => format!("pmacct-create-table_v{v}.sqlite3"),
        Backend::Mysql => format!("pmacct-create-db_v{v}.mysql"),
        Backend::Pgsql if v == 7 || v == 8 => "pmacct-create-table_v7_v8.pgsql".into(),
        Backend::Pgsql => format!("pmacct-create-table_v{v}.pgsql"),
    }
}

/// Every version x backend: the columns written with the default aggregate exist in
/// Debian's schema script of that version.
#[test]
fn default_columns_are_in_debian_schemas() {
    let a = agg("src_host, dst_host, src_port, dst_port, proto");
    let mut checked = 0;
    for b in BACKENDS {
        for v in 1..=9u8 {
            let plan = Plan::new(&a, opts(b, v)).unwrap();
            let Some(cols) = schema_columns(&schema_file(b, v)) else {
                continue;
            };
            for c in plan.column_names() {
                assert!(cols.contains(c), "{b:?} v{v}: {c} not in {cols:?}");
            }
            checked += 1;
        }
    }
    // Debian's pmacct ships all 27 scripts; without it this test checks nothing.
    if std::path::Path::new("/usr/share/doc/pmacct/sql").exists() {
        assert_eq!(checked, 27);
    }
}

#[test]
fn column_names_follow_version_and_backend() {
    let a = agg("src_host, src_port, tag");
    let names = |b, v| Plan::new(&a, opts(b, v)).unwrap().column_names();
    assert!(names(Backend::Sqlite3, 7).contains(&"src_port"));
    assert!(names(Backend::Sqlite3, 8).contains(&"port_src"));
    assert!(names(Backend::Pgsql, 2).contains(&"port_src"));
    assert!(names(Backend::Mysql, 8).contains(&"agent_id"));
    assert!(names(Backend::Mysql, 9).contains(&"tag"));
    assert!(names(Backend::Sqlite3, 4).contains(&"flows"));
    assert!(!names(Backend::Sqlite3, 3).contains(&"flows"));
    // tag needs v2 without sql_optimize_clauses.
    assert!(Plan::new(&a, opts(Backend::Sqlite3, 1)).is_err());
    let mut o = opts(Backend::Sqlite3, 1);
    o.optimize_clauses = true;
    let p = Plan::new(&a, o).unwrap();
    assert_eq!(
        p.column_names(),
        [
            "agent_id",
            "ip_src",
            "src_port",
            "stamp_updated",
            "stamp_inserted",
            "packets",
            "bytes"
        ]
    );
}

#[test]
fn statements_per_backend() {
    let a = agg("src_host, dst_host, src_port, proto");
    let e = entry(&a);
    let enc = encoder(&a);
    let mut buf = Vec::new();
    let sqlite = Plan::new(&a, opts(Backend::Sqlite3, 1)).unwrap();
    let row = sqlite.row(&e, &enc, 1_700_000_100, &mut buf);
    let up = sqlite.update("acct", &row).unwrap();
    assert_eq!(
        up.sql,
        "UPDATE acct SET packets=packets+?, bytes=bytes+?, stamp_updated=DATETIME('now', 'localtime') \
         WHERE mac_src=? AND mac_dst=? AND ip_src=? AND ip_dst=? AND src_port=? AND dst_port=? \
         AND ip_proto=? AND stamp_inserted=DATETIME(?, 'unixepoch', 'localtime')"
    );
    // packets, bytes, then the WHERE values.
    assert_eq!(up.params[5], Param::Text("2001:db8::1".into()));
    assert_eq!(up.params[8], Param::Text("udp".into()));
    let ins = sqlite.insert("acct", &row);
    assert!(ins.sql.starts_with(
        "INSERT INTO acct (stamp_updated, stamp_inserted, mac_src, mac_dst, ip_src, ip_dst, \
         src_port, dst_port, ip_proto, packets, bytes) VALUES (DATETIME(?, 'unixepoch', \
         'localtime'), DATETIME(?, 'unixepoch', 'localtime'), ?"
    ));
    assert_eq!(ins.params.len(), ins.sql.matches('?').count());

    let pg = Plan::new(&a, opts(Backend::Pgsql, 1)).unwrap();
    let row = pg.row(&e, &enc, 1_700_000_100, &mut buf);
    let ins = pg.insert("acct", &row);
    assert!(ins
        .sql
        .contains("VALUES (to_timestamp($1), to_timestamp($2), $3, $4"));
    assert!(ins.sql.ends_with(", $11)"), "{}", ins.sql);
    assert_eq!(ins.params.len(), 11);
    assert_eq!(ins.params[0], Param::Int(1_700_000_100));
    assert_eq!(ins.params[5], Param::Text("2001:db8::1".into()));
    assert_eq!(ins.params[8], Param::Int(17));
    let up = pg.update("acct", &row).unwrap();
    assert!(up
        .sql
        .contains("stamp_updated=CURRENT_TIMESTAMP(0) WHERE mac_src=$3"));
    assert!(up
        .sql
        .ends_with("AND to_timestamp($10)::Timestamp without time zone = stamp_inserted"));
    assert_eq!(up.params[9], Param::Int(1_700_000_000));
    // The text does not depend on the row: one prepared statement per table.
    let mut e2 = e;
    e2.packets = 9;
    let row2 = pg.row(&e2, &enc, 1_700_000_200, &mut buf);
    assert_eq!(pg.update("acct", &row2).unwrap().sql, up.sql);
    assert_eq!(pg.insert("acct", &row2).sql, ins.sql);

    let my = Plan::new(&a, opts(Backend::Mysql, 9)).unwrap();
    let row = my.row(&e, &enc, 1_700_000_100, &mut buf);
    let ins = my.insert("acct_v9", &row);
    assert!(ins
        .sql
        .contains("VALUES (FROM_UNIXTIME(?), FROM_UNIXTIME(?)"));
    let mut o = opts(Backend::Mysql, 9);
    o.dont_try_update = true;
    assert!(Plan::new(&a, o).unwrap().update("acct", &row).is_none());
}

/// A tiny deterministic generator (no extra dependency for the property test).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Property: for any aggregate, version, backend and option mix, the builder either
/// refuses with a reason or yields statements whose placeholders match their parameters,
/// whose INSERT names as many columns as it gives values, and that SQLite accepts
/// against a table with those columns.
#[test]
fn property_statements_are_well_formed() {
    let words: Vec<&str> = Primitive::all()
        .filter(|p| *p != Primitive::Flows)
        .map(|p| p.info().name())
        .chain(["flows"])
        .collect();
    let mut rng = Rng(0x9e3779b97f4a7c15);
    let mut built = 0;
    for _ in 0..600 {
        let n = 1 + (rng.next() % 6) as usize;
        let mut chosen: Vec<&str> = Vec::new();
        for _ in 0..n {
            let w = words[(rng.next() % words.len() as u64) as usize];
            if !chosen.contains(&w) {
                chosen.push(w);
            }
        }
        let Ok(a) = Aggregate::parse(&chosen.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        else {
            continue;
        };
        let b = BACKENDS[(rng.next() % 3) as usize];
        let mut o = opts(b, 1 + (rng.next() % 9) as u8);
        o.optimize_clauses = rng.next().is_multiple_of(2);
        o.history = rng.next().is_multiple_of(2);
        o.since_epoch = rng.next().is_multiple_of(4);
        o.secs = rng.next().is_multiple_of(2);
        o.num_protos = rng.next().is_multiple_of(2);
        let Ok(plan) = Plan::new(&a, o) else {
            continue;
        };
        built += 1;
        let e = entry(&a);
        let enc = encoder(&a);
        let row = plan.row(&e, &enc, 1_700_000_100, &mut Vec::new());
        let ins = plan.insert("acct", &row);
        let up = plan.update("acct", &row).unwrap();
        for s in [&ins, &up] {
            if b == Backend::Pgsql {
                let n = s.params.len();
                assert!(s.sql.contains(&format!("${n}")), "{}", s.sql);
                assert!(!s.sql.contains(&format!("${}", n + 1)), "{}", s.sql);
            } else {
                assert_eq!(s.params.len(), s.sql.matches('?').count(), "{}", s.sql);
            }
        }
        let names = plan.column_names();
        let head = ins.sql.split(" VALUES ").next().unwrap();
        assert_eq!(head.matches(", ").count() + 1, names.len(), "{}", ins.sql);
        if b == Backend::Sqlite3 {
            let mut db = Sqlite::open(":memory:").unwrap();
            let ddl = format!("CREATE TABLE acct ({})", names.join(", "));
            db.execute_script(&ddl).unwrap();
            let batch = Batch {
                table: "acct".into(),
                schema: None,
                rows: vec![row.clone(), row],
            };
            let w = db.write(&plan, &batch).unwrap();
            assert_eq!((w.inserted, w.updated), (1, 1), "{}", ins.sql);
        }
    }
    assert!(built > 100, "only {built} plans built");
}

/// A label from a pre_tag_map or the network is data: stored as text, never run.
#[test]
fn injection_is_stored_as_text() {
    let evil = "x'); DROP TABLE acct; --";
    let a = agg("label, src_host");
    let mut e = entry(&a);
    e.prims.label = pmacct_flow::label::intern(evil).unwrap();
    let enc = encoder(&a);
    let mut o = opts(Backend::Sqlite3, 9);
    o.optimize_clauses = true;
    let plan = Plan::new(&a, o).unwrap();
    let row = plan.row(&e, &enc, 1_700_000_100, &mut Vec::new());
    assert!(row.keys.contains(&Param::Text(evil.into())));
    let mut db = Sqlite::open(":memory:").unwrap();
    db.execute_script(
        "CREATE TABLE acct (label TEXT, ip_src TEXT, packets INT, bytes INT, \
         stamp_inserted DATETIME, stamp_updated DATETIME)",
    )
    .unwrap();
    let batch = Batch {
        table: "acct".into(),
        schema: None,
        rows: vec![row.clone(), row.clone()],
    };
    db.write(&plan, &batch).unwrap();
    let got: (String, i64) = db
        .raw()
        .query_row("SELECT label, packets FROM acct", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(got, (evil.to_string(), 6));
    // pgsql: the same value as a parameter, never in the SQL text.
    let mut o = opts(Backend::Pgsql, 9);
    o.optimize_clauses = true;
    let plan = Plan::new(&a, o).unwrap();
    let row = plan.row(&e, &enc, 1_700_000_100, &mut Vec::new());
    let ins = plan.insert("acct", &row);
    assert!(!ins.sql.contains("DROP"), "{}", ins.sql);
    assert!(ins.params.contains(&Param::Text(evil.into())));
}

/// A row the database refuses (here a duplicate key with `sql_dont_try_update`) is counted
/// and skipped; the rest of the batch is written.
#[test]
fn refused_rows_are_counted_and_the_batch_goes_on() {
    let a = agg("src_host");
    let mut o = opts(Backend::Sqlite3, 1);
    o.optimize_clauses = true;
    o.history = false;
    o.dont_try_update = true;
    let plan = Plan::new(&a, o).unwrap();
    let enc = encoder(&a);
    let mut e = entry(&a);
    let r1 = plan.row(&e, &enc, 0, &mut Vec::new());
    e.prims.src_ip = Some("10.0.0.2".parse().unwrap());
    let r2 = plan.row(&e, &enc, 0, &mut Vec::new());
    let mut db = Sqlite::open(":memory:").unwrap();
    db.execute_script("CREATE TABLE acct (ip_src TEXT PRIMARY KEY, packets INT, bytes INT)")
        .unwrap();
    let batch = Batch {
        table: "acct".into(),
        schema: None,
        rows: vec![r1.clone(), r1, r2],
    };
    let w = db.write(&plan, &batch).unwrap();
    assert_eq!((w.inserted, w.updated, w.refused), (2, 0, 1));
    assert!(w.first_refusal.unwrap().contains("UNIQUE"));
    let n: i64 = db
        .raw()
        .query_row("SELECT count(*) FROM acct", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 2);
}

/// examples/sql/ is what gen-sql-schemas writes today, and each sqlite3 script takes the
/// rows of its version.
#[test]
fn shipped_schema_scripts_are_current_and_load() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/sql");
    let a = agg("src_host, dst_host, src_port, dst_port, proto");
    for v in 1..=9u8 {
        let t = if (2..=8).contains(&v) {
            format!("acct_v{v}")
        } else {
            "acct".into()
        };
        for (b, ext) in [
            (Backend::Mysql, "mysql"),
            (Backend::Pgsql, "pgsql"),
            (Backend::Sqlite3, "sqlite3"),
        ] {
            let f = dir.join(format!("pmacct-create-table_v{v}.{ext}"));
            let text = std::fs::read_to_string(&f).unwrap();
            assert!(
                text.contains(&super::statement::create_table(b, v, &t)),
                "{} is stale: cargo run -p pmacct-plugins --example gen-sql-schemas",
                f.display()
            );
            if b == Backend::Sqlite3 {
                let mut db = Sqlite::open(":memory:").unwrap();
                db.execute_script(&text).unwrap();
                let plan = Plan::new(&a, opts(b, v)).unwrap();
                let row = plan.row(&entry(&a), &encoder(&a), 1_700_000_100, &mut Vec::new());
                let batch = Batch {
                    table: t.clone(),
                    schema: None,
                    rows: vec![row.clone(), row],
                };
                let w = db.write(&plan, &batch).unwrap();
                assert_eq!((w.inserted, w.updated), (1, 1), "v{v}");
            }
        }
    }
}

mod writer_behaviour {
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    use super::super::statement::Statement;
    use super::super::writer::{Batch, Connection, Connector, ExecError, Writer, WriterOptions};
    use super::*;
    use crate::log::{MemoryLog, PluginLog};

    /// A database that is down while `down` is set; counts rows per target.
    struct Fake {
        down: Arc<AtomicBool>,
        rows: Arc<AtomicU64>,
    }

    impl Connection for Fake {
        fn execute_script(&mut self, _: &str) -> anyhow::Result<()> {
            Ok(())
        }
        fn exec(&mut self, st: &Statement) -> Result<u64, ExecError> {
            if self.down.load(Ordering::SeqCst) {
                return Err(ExecError::Retry(anyhow::anyhow!("server gone")));
            }
            if st.sql.starts_with("INSERT") {
                self.rows.fetch_add(1, Ordering::SeqCst);
            }
            Ok(0)
        }
        fn begin(&mut self) -> Result<(), ExecError> {
            self.exec(&Statement {
                sql: "BEGIN".into(),
                params: vec![],
            })
            .map(drop)
        }
        fn commit(&mut self) -> Result<(), ExecError> {
            Ok(())
        }
        fn rollback(&mut self) {}
    }

    fn setup(
        max_rows: usize,
        backup: bool,
        close: Duration,
    ) -> (
        Writer,
        Arc<AtomicBool>,
        Arc<AtomicU64>,
        Arc<AtomicU64>,
        MemoryLog,
        Vec<super::super::Row>,
    ) {
        let a = agg("src_host");
        let mut o = opts(Backend::Sqlite3, 1);
        o.optimize_clauses = true;
        let plan = Plan::new(&a, o).unwrap();
        let row = plan.row(&entry(&a), &encoder(&a), 0, &mut Vec::new());
        let down = Arc::new(AtomicBool::new(true));
        let primary = Arc::new(AtomicU64::new(0));
        let secondary = Arc::new(AtomicU64::new(0));
        let (d, p, s) = (down.clone(), primary.clone(), secondary.clone());
        let connector: Connector = Box::new(move |use_backup| {
            if use_backup {
                Ok(Box::new(Fake {
                    down: Arc::new(AtomicBool::new(false)),
                    rows: s.clone(),
                }))
            } else if d.load(Ordering::SeqCst) {
                anyhow::bail!("connection refused")
            } else {
                Ok(Box::new(Fake {
                    down: d.clone(),
                    rows: p.clone(),
                }))
            }
        });
        let mem = MemoryLog::default();
        let log = PluginLog::new("t", "sqlite3", mem.sink());
        let w = Writer::start(
            plan,
            connector,
            WriterOptions {
                max_rows,
                has_backup: backup,
                close_timeout: close,
            },
            log,
        )
        .unwrap();
        (w, down, primary, secondary, mem, vec![row; 10])
    }

    fn batch(rows: &[super::super::Row]) -> Batch {
        Batch {
            table: "acct".into(),
            schema: None,
            rows: rows.to_vec(),
        }
    }

    /// Down, then back: every row arrives once, nothing is dropped.
    #[test]
    fn outage_then_recovery_loses_nothing() {
        let (mut w, down, primary, _, _, rows) = setup(100, false, Duration::from_secs(30));
        assert_eq!(w.submit(batch(&rows)), 0);
        assert_eq!(w.submit(batch(&rows)), 0);
        std::thread::sleep(Duration::from_millis(600));
        assert_eq!(primary.load(Ordering::SeqCst), 0);
        assert!(w.stats().failures.load(Ordering::SeqCst) >= 1);
        down.store(false, Ordering::SeqCst);
        w.close();
        assert_eq!(primary.load(Ordering::SeqCst), 20);
        assert_eq!(w.stats().dropped.load(Ordering::SeqCst), 0);
    }

    /// A full queue drops the new batch, counted and logged with the running total; rows
    /// still unwritten when the close timeout ends are dropped and counted too.
    #[test]
    fn drops_are_counted_and_logged() {
        let (mut w, _down, primary, _, mem, rows) = setup(15, false, Duration::from_millis(300));
        assert_eq!(w.submit(batch(&rows)), 0);
        assert_eq!(w.submit(batch(&rows)), 10);
        w.close();
        assert_eq!(primary.load(Ordering::SeqCst), 0);
        assert_eq!(w.stats().dropped.load(Ordering::SeqCst), 20);
        let lines = mem.lines().join("\n");
        assert!(lines.contains("10 rows dropped in total"), "{lines}");
        assert!(lines.contains("20 rows dropped in total"), "{lines}");
        assert!(!lines.contains("arealsmartpwd"));
    }

    /// With sql_recovery_backup_host, a batch the primary cannot take goes to the backup.
    #[test]
    fn backup_takes_what_the_primary_cannot() {
        let (mut w, _down, primary, secondary, _, rows) = setup(100, true, Duration::from_secs(5));
        assert_eq!(w.submit(batch(&rows)), 0);
        w.close();
        assert_eq!(primary.load(Ordering::SeqCst), 0);
        assert_eq!(secondary.load(Ordering::SeqCst), 10);
        assert_eq!(w.stats().dropped.load(Ordering::SeqCst), 0);
    }
}

/// pgsql COPY lines: text quoted with quotes doubled (a label cannot end its field or the
/// line), times as local/UTC text, the configured delimiter.
#[test]
fn copy_lines_quote_text() {
    let a = agg("label, src_host");
    let mut e = entry(&a);
    e.prims.label = pmacct_flow::label::intern("a\";b,c").unwrap();
    let mut o = opts(Backend::Pgsql, 9);
    o.optimize_clauses = true;
    o.utc = true;
    o.copy_delimiter = Some(';');
    let plan = Plan::new(&a, o).unwrap();
    let row = plan.row(&e, &encoder(&a), 1_700_000_100, &mut Vec::new());
    assert_eq!(
        plan.copy_sql("acct").unwrap(),
        "COPY acct (stamp_updated, stamp_inserted, label, ip_src, packets, bytes) FROM STDIN WITH (FORMAT csv, DELIMITER ';')"
    );
    let mut line = String::new();
    plan.copy_line(&row, &mut line);
    assert_eq!(
        line,
        "2023-11-14 22:15:00;2023-11-14 22:13:20;\"a\"\";b,c\";\"10.0.0.1\";3;300\n"
    );
}
