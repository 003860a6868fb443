//! The statements the SQL plugins send, as pmacct 1.7.7 composes them
//! (`sql_evaluate_primitives()`, `*_compose_static_queries()`): which columns a
//! `sql_table_version` / `sql_optimize_clauses` table gets, how each value is written per
//! backend, and the UPDATE-then-INSERT pair for one cache entry.
//!
//! Values never enter the SQL text: SQLite and MySQL get `?` placeholders, PostgreSQL `$n`
//! ones, with bound parameters (pgsql sends them in text format, so that `10.0.0.1` lands
//! in an `inet` column as pmacct's untyped literals do).

use std::fmt::Write as _;

use pmacct_flow::cache::Entry;
use pmacct_flow::custom::{CustomCol, Render, Semantics};
use pmacct_flow::format::Encoder;
use pmacct_flow::primitives::{value, Extras, SqlType, Val};
use pmacct_flow::{Aggregate, Primitive};

/// The three SQL plugin types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Mysql,
    Pgsql,
    Sqlite3,
}

impl Backend {
    /// The plugin type as pmacct names it.
    pub fn kind(self) -> &'static str {
        match self {
            Backend::Mysql => "mysql",
            Backend::Pgsql => "pgsql",
            Backend::Sqlite3 => "sqlite3",
        }
    }
}

/// One value of a statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    Int(i64),
    Text(String),
}

/// Where a column's value comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Src {
    /// The entry's primitive, rendered as pmacct's handler renders it.
    Prim(Primitive),
    /// `src_as`/`dst_as` in the `ip_src`/`ip_dst` column of tables before v6 (text).
    AsText(Primitive),
    /// Second column of `*_host_coords` (longitude).
    Lon(Primitive),
    /// A `timestamp_*` primitive: seconds in a time expression / its `_residual` column.
    TsSecs(Primitive),
    TsResidual(Primitive),
    /// pmacct's fake values for columns of the default schema not in the aggregate.
    FakeMac,
    FakeHost,
    /// A BGP table's fake value (`''`, `'0'`, `'0.0.0.0'`).
    FakeText(&'static str),
    /// A custom primitive (`aggregate_primitives`), by its index in the aggregate's list.
    Custom(usize),
    /// `*_stitching`: `timestamp_min` (false) / `timestamp_max` (true) seconds, and their
    /// `_residual` columns.
    Stitch(bool),
    StitchResidual(bool),
}

/// How the placeholder of a column is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wrap {
    Plain,
    /// A time in seconds: `DATETIME(?, 'unixepoch'...)`, `FROM_UNIXTIME(?)`, `to_timestamp(?)`.
    Time,
    /// An address as a number (mysql `sql_num_hosts`): `INET6_ATON(?)`.
    Aton,
}

#[derive(Debug, Clone, PartialEq)]
struct Column {
    name: &'static str,
    src: Src,
    wrap: Wrap,
    /// In the WHERE clause (every key column but `tcp_flags`, which is ORed by the SET).
    in_where: bool,
}

/// What shapes the statements besides the aggregate.
#[derive(Debug, Clone)]
pub struct PlanOptions {
    pub backend: Backend,
    /// `sql_table_version` (1-9).
    pub version: u8,
    pub optimize_clauses: bool,
    /// `sql_history` set: `stamp_inserted`/`stamp_updated` columns.
    pub history: bool,
    /// `sql_num_protos` (pgsql always writes numbers).
    pub num_protos: bool,
    pub dont_try_update: bool,
    /// `timestamps_utc`, `timestamps_since_epoch`, `timestamps_secs`.
    pub utc: bool,
    pub since_epoch: bool,
    pub secs: bool,
    /// `sql_table_type: bgp` (or a BGP primitive in the aggregate): pmacct's BGP tables.
    pub bgp: bool,
    /// pgsql `sql_use_copy` (with `sql_dont_try_update`): rows go by COPY, fields
    /// separated by this `sql_delimiter` character.
    pub copy_delimiter: Option<char>,
    /// mysql `sql_num_hosts`: address columns written through `INET6_ATON()`.
    pub num_hosts: bool,
    /// `*_stitching`: the `timestamp_min`/`timestamp_max` columns.
    pub stitching: bool,
}

impl PlanOptions {
    /// How an aggregated primitive's value is written: the ten address columns through
    /// `INET6_ATON()` with mysql `sql_num_hosts`, as 1.7.7's `*_aton_handler`s.
    fn addr_wrap(&self, p: Primitive) -> Wrap {
        if self.num_hosts && self.backend == Backend::Mysql && p.info().sql_type == SqlType::Ip {
            Wrap::Aton
        } else {
            Wrap::Plain
        }
    }

    /// pmacct's defaults for `backend` and `version`: no history, no optimization, local
    /// time stamps with microseconds, UPDATE tried first.
    pub fn new(backend: Backend, version: u8) -> PlanOptions {
        PlanOptions {
            backend,
            version,
            optimize_clauses: false,
            history: false,
            num_protos: false,
            dont_try_update: false,
            utc: false,
            since_epoch: false,
            secs: false,
            bgp: false,
            copy_delimiter: None,
            num_hosts: false,
            stitching: false,
        }
    }
}

/// The columns and clauses of one plugin's statements (pmacct's static clauses).
#[derive(Debug, Clone)]
pub struct Plan {
    opts: PlanOptions,
    cols: Vec<Column>,
    flows: bool,
    /// `flows` aggregated: otherwise pmacct's core does not count flows for this plugin
    /// (the plugin adds the column for v4+ tables after the core has started) and 0 is
    /// written.
    count_flows: bool,
    /// `tcp_flags=tcp_flags|N` in the SET clause (tcpflags aggregated).
    set_tcp_flags: bool,
    aggregate_tcp_flags: bool,
    /// The aggregate's custom primitives ([`Src::Custom`] indexes them).
    custom: &'static [CustomCol],
}

/// One cache entry as the writer needs it: the key values in [`Plan`] column order, the
/// counters and the times.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub keys: Vec<Param>,
    pub packets: u64,
    pub bytes: u64,
    pub flows: u64,
    pub tcp_flags: u8,
    /// `stamp_inserted` (bin start).
    pub basetime: i64,
    /// The purge time (`stamp_updated` of an INSERT).
    pub now: i64,
}

/// One statement ready to run: text and, for `?` backends, its parameters in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub sql: String,
    pub params: Vec<Param>,
}

/// A primitive BGP tables carry; original tables refuse it without `sql_optimize_clauses`.
const BGP_ONLY: [Primitive; 9] = [
    Primitive::StdComm,
    Primitive::ExtComm,
    Primitive::AsPath,
    Primitive::LocalPref,
    Primitive::Med,
    Primitive::PeerSrcAs,
    Primitive::PeerDstAs,
    Primitive::PeerSrcIp,
    Primitive::PeerDstIp,
];

/// From which `sql_table_version` the default schema has a primitive's column (those not
/// listed are only written when aggregated).
fn schema_from(p: Primitive) -> Option<u8> {
    Some(match p {
        Primitive::SrcMac | Primitive::DstMac => 1,
        Primitive::SrcPort | Primitive::DstPort | Primitive::Proto => 1,
        Primitive::Vlan | Primitive::Tag => 2,
        Primitive::Tos => 3,
        Primitive::Class => 5,
        Primitive::SrcAs | Primitive::DstAs => 6,
        Primitive::TcpFlags => 7,
        _ => return None,
    })
}

fn unsupported(what: &str) -> String {
    format!(
        "{what} accounting not supported for selected sql_table_version/_type. Read about SQL \
         table versioning or consider using sql_optimize_clauses."
    )
}

impl Plan {
    /// The columns pmacct 1.7.7 writes for `aggregate` with these options, or its refusal.
    pub fn new(aggregate: &Aggregate, opts: PlanOptions) -> Result<Plan, String> {
        let v = opts.version;
        if !(1..=9).contains(&v) {
            return Err(format!("sql_table_version {v} is not one of 1-9."));
        }
        let agg = |p| aggregate.contains(p);
        let optimize = opts.optimize_clauses;
        if v < 6
            && ((agg(Primitive::SrcHost) || agg(Primitive::SrcNet)) && agg(Primitive::SrcAs)
                || (agg(Primitive::DstHost) || agg(Primitive::DstNet)) && agg(Primitive::DstAs))
        {
            return Err("SQL tables < v6 are unable to mix IP addresses and AS numbers (ie. src_ip, src_as).".into());
        }
        if opts.bgp {
            return Plan::new_bgp(aggregate, opts);
        }
        let mut cols = Vec::new();
        for p in Primitive::all() {
            if p == Primitive::Flows {
                continue;
            }
            let info = p.info();
            let in_agg = agg(p);
            let in_schema = schema_from(p).is_some_and(|from| v >= from);
            if !optimize {
                if in_agg && BGP_ONLY.contains(&p) {
                    return Err(unsupported("BGP"));
                }
                let too_old = schema_from(p).is_some_and(|from| v < from);
                if in_agg && too_old && !matches!(p, Primitive::SrcAs | Primitive::DstAs) {
                    return Err(unsupported(info.name()));
                }
            }
            let write = in_agg || (!optimize && in_schema);
            // Addresses and ASNs share ip_src/ip_dst before v6.
            match p {
                Primitive::SrcAs | Primitive::DstAs if v < 6 => {
                    if in_agg {
                        let name = if p == Primitive::SrcAs {
                            "ip_src"
                        } else {
                            "ip_dst"
                        };
                        cols.push(col(name, Src::AsText(p), Wrap::Plain));
                    }
                    continue;
                }
                Primitive::SrcHost | Primitive::DstHost if !in_agg => {
                    let as_p = if p == Primitive::SrcHost {
                        Primitive::SrcAs
                    } else {
                        Primitive::DstAs
                    };
                    if !(optimize || v < 6 && agg(as_p)) {
                        cols.push(col(info.sql_column(v), Src::FakeHost, Wrap::Plain));
                    }
                    continue;
                }
                Primitive::SrcMac | Primitive::DstMac if !in_agg => {
                    if !optimize {
                        cols.push(col(info.sql_column(v), Src::FakeMac, Wrap::Plain));
                    }
                    continue;
                }
                _ => {}
            }
            if !write {
                continue;
            }
            let name = column_name(p, v, opts.backend);
            match p {
                Primitive::TimestampStart
                | Primitive::TimestampEnd
                | Primitive::TimestampArrival
                | Primitive::TimestampExport => {
                    let wrap = if opts.since_epoch {
                        Wrap::Plain
                    } else {
                        Wrap::Time
                    };
                    cols.push(col(name, Src::TsSecs(p), wrap));
                    if !opts.secs {
                        cols.push(col(residual_name(p), Src::TsResidual(p), Wrap::Plain));
                    }
                }
                Primitive::SrcHostCoords | Primitive::DstHostCoords => {
                    cols.push(col(name, Src::Prim(p), Wrap::Plain));
                    cols.push(col(info.sql_column2, Src::Lon(p), Wrap::Plain));
                }
                Primitive::TcpFlags => cols.push(Column {
                    name,
                    src: Src::Prim(p),
                    wrap: Wrap::Plain,
                    in_where: false,
                }),
                _ => cols.push(col(name, Src::Prim(p), opts.addr_wrap(p))),
            }
        }
        push_custom(aggregate, &mut cols);
        push_stitching(&opts, &mut cols);
        let flows_agg = agg(Primitive::Flows);
        let flows = flows_agg || (v >= 4 && !optimize);
        if flows_agg && v < 4 && !optimize {
            return Err("The accounting of flows requires SQL table v4.".into());
        }
        Ok(Plan {
            flows,
            count_flows: flows_agg,
            set_tcp_flags: agg(Primitive::TcpFlags),
            aggregate_tcp_flags: agg(Primitive::TcpFlags),
            custom: aggregate.custom(),
            opts,
            cols,
        })
    }

    /// The columns of pmacct's BGP tables (`sql_table_type: bgp`, version 1000 + N in
    /// 1.7.7): the BGP attributes (fake values when not aggregated), AS numbers and tag;
    /// the addresses, ports and protocol of original tables are refused.
    fn new_bgp(aggregate: &Aggregate, opts: PlanOptions) -> Result<Plan, String> {
        let agg = |p| aggregate.contains(p);
        let v = opts.version;
        let optimize = opts.optimize_clauses;
        let mut cols = Vec::new();
        for p in Primitive::all() {
            if p == Primitive::Flows {
                continue;
            }
            let info = p.info();
            let in_agg = agg(p);
            let name = match p {
                Primitive::SrcAs => "as_src",
                Primitive::DstAs => "as_dst",
                _ => column_name(p, v, opts.backend),
            };
            if !optimize {
                if in_agg
                    && schema_from(p).is_some()
                    && !matches!(p, Primitive::Tag | Primitive::SrcAs | Primitive::DstAs)
                {
                    return Err(unsupported(info.name()));
                }
                let fake = match p {
                    Primitive::StdComm | Primitive::AsPath => Some(""),
                    Primitive::PeerSrcAs | Primitive::PeerDstAs => Some("0"),
                    Primitive::PeerSrcIp | Primitive::PeerDstIp => Some("0.0.0.0"),
                    _ => None,
                };
                let always = matches!(
                    p,
                    Primitive::LocalPref
                        | Primitive::Med
                        | Primitive::SrcAs
                        | Primitive::DstAs
                        | Primitive::Tag
                );
                match fake {
                    Some(f) if !in_agg => cols.push(col(name, Src::FakeText(f), Wrap::Plain)),
                    _ if in_agg || always => cols.push(col(name, Src::Prim(p), opts.addr_wrap(p))),
                    _ => {}
                }
            } else if in_agg {
                cols.push(col(name, Src::Prim(p), opts.addr_wrap(p)));
            }
        }
        push_custom(aggregate, &mut cols);
        push_stitching(&opts, &mut cols);
        let flows_agg = agg(Primitive::Flows);
        if flows_agg && !optimize {
            return Err("The accounting of flows requires SQL table v4.".into());
        }
        Ok(Plan {
            flows: flows_agg,
            count_flows: flows_agg,
            set_tcp_flags: agg(Primitive::TcpFlags),
            aggregate_tcp_flags: agg(Primitive::TcpFlags),
            custom: aggregate.custom(),
            opts,
            cols,
        })
    }

    pub fn options(&self) -> &PlanOptions {
        &self.opts
    }

    /// Column names in order (the key columns, then the history and counter ones).
    pub fn column_names(&self) -> Vec<&'static str> {
        let mut v: Vec<&'static str> = self.cols.iter().map(|c| c.name).collect();
        if self.opts.history {
            v.extend(["stamp_updated", "stamp_inserted"]);
        }
        v.extend(["packets", "bytes"]);
        if self.flows {
            v.push("flows");
        }
        v
    }

    /// The row of cache entry `e` purged at `now`; `enc` renders text values as the
    /// print plugin does (CSV rendering, `sql_num_protos`).
    pub fn row(&self, e: &Entry, enc: &Encoder, now: i64, buf: &mut Vec<u8>) -> Row {
        let x = Extras {
            tcp_flags: e.tcp_flags,
            flows: e.flows,
            family: e.family,
            geo: e.geo,
        };
        let mut keys = Vec::with_capacity(self.cols.len());
        for c in &self.cols {
            let text = |buf: &mut Vec<u8>, p| {
                buf.clear();
                enc.write_value(buf, p, e);
                Param::Text(String::from_utf8_lossy(buf).into_owned())
            };
            let v = match c.src {
                Src::FakeMac => Param::Text("0:0:0:0:0:0".into()),
                Src::FakeHost => Param::Text("0.0.0.0".into()),
                Src::FakeText(t) => Param::Text(t.into()),
                Src::AsText(p) => match value(p, &e.prims, &x) {
                    Val::Num(n) if self.opts.backend == Backend::Pgsql => Param::Int(n as i64),
                    Val::Num(n) => Param::Text(n.to_string()),
                    _ => Param::Text("0".into()),
                },
                Src::Custom(i) => {
                    // 1.7.7's custom_primitive_value_print() (unpadded); u_int values are
                    // numbers in its statements.
                    let c = &self.custom[i];
                    buf.clear();
                    c.write_value(buf, &e.custom, Render::Csv);
                    let t = String::from_utf8_lossy(buf);
                    match t.parse::<i64>() {
                        Ok(n) if c.spec.semantics == Semantics::UInt => Param::Int(n),
                        _ => Param::Text(t.into_owned()),
                    }
                }
                Src::Stitch(max) | Src::StitchResidual(max) => {
                    let t = if max {
                        e.timestamp_max
                    } else {
                        e.timestamp_min
                    };
                    if matches!(c.src, Src::Stitch(_)) {
                        Param::Int(t.secs as i64)
                    } else {
                        Param::Int(i64::from(t.usecs))
                    }
                }
                Src::TsSecs(p) | Src::TsResidual(p) => match value(p, &e.prims, &x) {
                    Val::Ts(t) => {
                        if matches!(c.src, Src::TsSecs(_)) {
                            Param::Int(t.secs as i64)
                        } else {
                            Param::Int(i64::from(t.usecs))
                        }
                    }
                    _ => Param::Int(0),
                },
                Src::Lon(p) => match value(p, &e.prims, &x) {
                    Val::Float(_) => text(buf, p),
                    _ => Param::Text("0.000000".into()),
                },
                Src::Prim(Primitive::TcpFlags) => Param::Int(if self.aggregate_tcp_flags {
                    i64::from(e.tcp_flags)
                } else {
                    0
                }),
                // 1.7.7 writes the fake host for an empty peer_dst_ip (only that one).
                Src::Prim(Primitive::PeerDstIp) => match text(buf, Primitive::PeerDstIp) {
                    Param::Text(t) if t.is_empty() => Param::Text("0.0.0.0".into()),
                    other => other,
                },
                Src::Prim(p) => match value(p, &e.prims, &x) {
                    Val::Num(n) | Val::NumStr(n) => Param::Int(n as i64),
                    Val::FwdStatus(n) => Param::Int(i64::from(n)),
                    Val::Proto(n)
                        if self.opts.backend == Backend::Pgsql || self.opts.num_protos =>
                    {
                        Param::Int(i64::from(n))
                    }
                    _ => text(buf, p),
                },
            };
            keys.push(v);
        }
        Row {
            keys,
            packets: e.packets,
            bytes: e.bytes,
            flows: if self.count_flows { e.flows } else { 0 },
            tcp_flags: e.tcp_flags,
            basetime: e.basetime as i64,
            now,
        }
    }

    /// A time in seconds as this backend writes it.
    fn time_expr(&self, out: &mut String, ph: &str) {
        let o = &self.opts;
        if o.since_epoch {
            out.push_str(ph);
            return;
        }
        match o.backend {
            Backend::Sqlite3 if o.utc => {
                let _ = write!(out, "DATETIME({ph}, 'unixepoch')");
            }
            Backend::Sqlite3 => {
                let _ = write!(out, "DATETIME({ph}, 'unixepoch', 'localtime')");
            }
            Backend::Mysql => {
                let _ = write!(out, "FROM_UNIXTIME({ph})");
            }
            Backend::Pgsql => {
                let _ = write!(out, "to_timestamp({ph})");
            }
        }
    }

    /// `stamp_updated=...` of an UPDATE (the database's clock, as pmacct).
    fn now_expr(&self) -> &'static str {
        let o = &self.opts;
        match (o.backend, o.since_epoch, o.utc) {
            (Backend::Sqlite3, true, _) => "STRFTIME('%s', 'now')",
            (Backend::Sqlite3, false, true) => "DATETIME('now')",
            (Backend::Sqlite3, false, false) => "DATETIME('now', 'localtime')",
            (Backend::Mysql, true, _) => "UNIX_TIMESTAMP(NOW())",
            (Backend::Mysql, false, _) => "NOW()",
            (Backend::Pgsql, true, _) => "DATE_PART('epoch',NOW())::BIGINT",
            (Backend::Pgsql, false, _) => "CURRENT_TIMESTAMP(0)",
        }
    }

    /// The UPDATE of `row` into `table`, or None when pmacct sends none
    /// (`sql_dont_try_update`).
    pub fn update(&self, table: &str, row: &Row) -> Option<Statement> {
        if self.opts.dont_try_update {
            return None;
        }
        let mut b = Builder::new(self.opts.backend);
        b.sql.push_str("UPDATE ");
        b.sql.push_str(table);
        b.sql.push_str(" SET packets=packets+");
        b.param(Param::Int(row.packets as i64));
        b.sql.push_str(", bytes=bytes+");
        b.param(Param::Int(row.bytes as i64));
        if self.flows {
            b.sql.push_str(", flows=flows+");
            b.param(Param::Int(row.flows as i64));
        }
        if self.set_tcp_flags {
            b.sql.push_str(", tcp_flags=tcp_flags|");
            b.param(Param::Int(i64::from(row.tcp_flags)));
        }
        if self.opts.history {
            b.sql.push_str(", stamp_updated=");
            b.sql.push_str(self.now_expr());
        }
        let mut first = true;
        for (c, v) in self.cols.iter().zip(&row.keys) {
            if !c.in_where {
                continue;
            }
            b.sql.push_str(if first { " WHERE " } else { " AND " });
            first = false;
            b.sql.push_str(c.name);
            b.sql.push('=');
            self.value(&mut b, c.wrap, v.clone());
        }
        if self.opts.history {
            b.sql.push_str(if first { " WHERE " } else { " AND " });
            if self.opts.backend == Backend::Pgsql && !self.opts.since_epoch {
                let ph = b.placeholder(Param::Int(row.basetime));
                let _ = write!(
                    b.sql,
                    "to_timestamp({ph})::Timestamp without time zone = stamp_inserted"
                );
            } else {
                b.sql.push_str("stamp_inserted=");
                self.value(&mut b, Wrap::Time, Param::Int(row.basetime));
            }
        }
        Some(b.finish())
    }

    /// The columns an INSERT (or COPY) names, in value order.
    fn insert_columns(&self) -> Vec<&'static str> {
        let mut names = Vec::with_capacity(self.cols.len() + 5);
        if self.opts.history {
            names.extend(["stamp_updated", "stamp_inserted"]);
        }
        names.extend(self.cols.iter().map(|c| c.name));
        names.extend(["packets", "bytes"]);
        if self.flows {
            names.push("flows");
        }
        names
    }

    /// The INSERT of `row` into `table`.
    pub fn insert(&self, table: &str, row: &Row) -> Statement {
        let mut b = Builder::new(self.opts.backend);
        b.sql.push_str("INSERT INTO ");
        b.sql.push_str(table);
        b.sql.push_str(" (");
        let names = self.insert_columns();
        b.sql.push_str(&names.join(", "));
        b.sql.push_str(") VALUES (");
        if self.opts.history {
            self.value(&mut b, Wrap::Time, Param::Int(row.now));
            b.sql.push_str(", ");
            self.value(&mut b, Wrap::Time, Param::Int(row.basetime));
            b.sql.push_str(", ");
        }
        for (c, v) in self.cols.iter().zip(&row.keys) {
            self.value(&mut b, c.wrap, v.clone());
            b.sql.push_str(", ");
        }
        b.param(Param::Int(row.packets as i64));
        b.sql.push_str(", ");
        b.param(Param::Int(row.bytes as i64));
        if self.flows {
            b.sql.push_str(", ");
            b.param(Param::Int(row.flows as i64));
        }
        b.sql.push(')');
        b.finish()
    }

    /// The COPY statement of a batch into `table` (pgsql `sql_use_copy`), or None.
    pub fn copy_sql(&self, table: &str) -> Option<String> {
        let d = self.opts.copy_delimiter?;
        let names = self.insert_columns();
        let d = if d == '\'' {
            "''".to_string()
        } else {
            d.to_string()
        };
        Some(format!(
            "COPY {table} ({}) FROM STDIN WITH (FORMAT csv, DELIMITER '{d}')",
            names.join(", ")
        ))
    }

    /// One CSV line of `row` for [`Plan::copy_sql`]: text always quoted (quotes doubled),
    /// times as 1.7.7's COPY writes them (`YYYY-MM-DD HH:MM:SS`, local or UTC).
    pub fn copy_line(&self, row: &Row, out: &mut String) {
        let d = self.opts.copy_delimiter.unwrap_or(',');
        let time = |out: &mut String, t: i64| {
            if self.opts.since_epoch {
                let _ = write!(out, "{t}");
            } else {
                out.push_str(&pmacct_flow::time::strftime(
                    "%Y-%m-%d %H:%M:%S",
                    t,
                    self.opts.utc,
                ));
            }
        };
        let mut first = true;
        let mut sep = |out: &mut String| {
            if !first {
                out.push(d);
            }
            first = false;
        };
        if self.opts.history {
            sep(out);
            time(out, row.now);
            sep(out);
            time(out, row.basetime);
        }
        for (c, v) in self.cols.iter().zip(&row.keys) {
            sep(out);
            match (c.wrap, v) {
                (Wrap::Time, Param::Int(t)) => time(out, *t),
                (_, Param::Int(n)) => {
                    let _ = write!(out, "{n}");
                }
                (_, Param::Text(t)) => {
                    out.push('"');
                    for ch in t.chars().filter(|c| *c != '\0') {
                        if ch == '"' {
                            out.push('"');
                        }
                        out.push(ch);
                    }
                    out.push('"');
                }
            }
        }
        sep(out);
        let _ = write!(out, "{}", row.packets);
        sep(out);
        let _ = write!(out, "{}", row.bytes);
        if self.flows {
            sep(out);
            let _ = write!(out, "{}", row.flows);
        }
        out.push('\n');
    }

    fn value(&self, b: &mut Builder, wrap: Wrap, v: Param) {
        let ph = b.placeholder(v);
        match wrap {
            Wrap::Plain => b.sql.push_str(&ph),
            Wrap::Aton => {
                b.sql.push_str("INET6_ATON(");
                b.sql.push_str(&ph);
                b.sql.push(')');
            }
            Wrap::Time => {
                let mut s = String::new();
                self.time_expr(&mut s, &ph);
                b.sql.push_str(&s);
            }
        }
    }
}

/// The `CREATE TABLE` of pmacct-rs's own schema script for the default table of
/// `version` (`examples/sql/`, generated by `cargo run -p pmacct-plugins --example
/// gen-sql-schemas`): every column 1.7.7 writes for that version without
/// `sql_optimize_clauses`, with the history stamps, and the key as primary key.
pub fn create_table(backend: Backend, version: u8, table: &str) -> String {
    let aggregate = Aggregate::parse(&["src_host".to_string(), "dst_host".to_string()])
        .expect("a valid aggregate");
    let mut o = PlanOptions::new(backend, version);
    o.history = true;
    let plan = Plan::new(&aggregate, o).expect("the default columns of every version");
    let pg = backend == Backend::Pgsql;
    let unsigned = if backend == Backend::Mysql {
        " UNSIGNED"
    } else {
        ""
    };
    let mut lines = Vec::new();
    let mut key = Vec::new();
    for c in &plan.cols {
        let sql_type = match c.src {
            Src::FakeMac => SqlType::Mac,
            Src::FakeHost => SqlType::Ip,
            Src::FakeText(_) | Src::Custom(_) => SqlType::Text,
            Src::Stitch(_) => SqlType::DateTime,
            Src::StitchResidual(_) => SqlType::U32,
            Src::Prim(p) | Src::AsText(p) | Src::Lon(p) | Src::TsSecs(p) => p.info().sql_type,
            Src::TsResidual(_) => SqlType::U32,
        };
        let (ty, default) = match sql_type {
            SqlType::Mac if pg => ("macaddr".to_string(), "'0:0:0:0:0:0'"),
            SqlType::Mac => ("CHAR(17)".to_string(), "'0:0:0:0:0:0'"),
            SqlType::Ip if pg => ("inet".to_string(), "'0.0.0.0'"),
            SqlType::Ip => ("CHAR(45)".to_string(), "'0.0.0.0'"),
            SqlType::Proto if pg => ("SMALLINT".to_string(), "0"),
            // Wide enough for every protocol name (1.7.7's CHAR(6) cuts `ipv6-icmp`).
            SqlType::Proto => ("CHAR(10)".to_string(), "'0'"),
            SqlType::U8 | SqlType::U16 => (format!("INT{unsigned}"), "0"),
            SqlType::U32 if pg => ("BIGINT".to_string(), "0"),
            SqlType::U32 => (format!("INT{unsigned}"), "0"),
            SqlType::U64 => (format!("BIGINT{unsigned}"), "0"),
            SqlType::Char(n) => (format!("CHAR({n})"), "' '"),
            SqlType::Text => ("VARCHAR(255)".to_string(), "''"),
            SqlType::Float => ("FLOAT".to_string(), "0"),
            SqlType::DateTime if pg => (
                "timestamp without time zone".to_string(),
                "'1970-01-01 00:00:00'",
            ),
            SqlType::DateTime => ("DATETIME".to_string(), "'1970-01-01 00:00:00'"),
        };
        lines.push(format!("    {} {ty} NOT NULL DEFAULT {default}", c.name));
        if c.in_where {
            key.push(c.name);
        }
    }
    lines.push(format!("    packets INT{unsigned} NOT NULL"));
    lines.push(format!("    bytes BIGINT{unsigned} NOT NULL"));
    if plan.flows {
        lines.push(format!("    flows INT{unsigned} NOT NULL DEFAULT 0"));
    }
    let stamp = if pg {
        "timestamp without time zone"
    } else {
        "DATETIME"
    };
    let inserted_default = match backend {
        Backend::Pgsql => " DEFAULT CURRENT_TIMESTAMP(0)",
        Backend::Sqlite3 => " DEFAULT '0000-00-00 00:00:00'",
        Backend::Mysql => "",
    };
    lines.push(format!(
        "    stamp_inserted {stamp} NOT NULL{inserted_default}"
    ));
    lines.push(format!("    stamp_updated {stamp}"));
    key.push("stamp_inserted");
    lines.push(format!("    PRIMARY KEY ({})", key.join(", ")));
    format!("CREATE TABLE {table} (\n{}\n);\n", lines.join(",\n"))
}

/// `*_stitching`'s columns, in every table as in 1.7.7 (times as the timestamp primitives).
fn push_stitching(o: &PlanOptions, cols: &mut Vec<Column>) {
    if !o.stitching {
        return;
    }
    let wrap = if o.since_epoch {
        Wrap::Plain
    } else {
        Wrap::Time
    };
    for (max, name, residual) in [
        (false, "timestamp_min", "timestamp_min_residual"),
        (true, "timestamp_max", "timestamp_max_residual"),
    ] {
        cols.push(col(name, Src::Stitch(max), wrap));
        if !o.secs {
            cols.push(col(residual, Src::StitchResidual(max), Wrap::Plain));
        }
    }
}

/// The custom primitives' columns (named as the primitives), after the others.
fn push_custom(aggregate: &Aggregate, cols: &mut Vec<Column>) {
    for (i, c) in aggregate.custom().iter().enumerate() {
        cols.push(col(c.name, Src::Custom(i), Wrap::Plain));
    }
}

fn col(name: &'static str, src: Src, wrap: Wrap) -> Column {
    Column {
        name,
        src,
        wrap,
        in_where: true,
    }
}

/// The column of `p` in tables of `version` for `backend` (pgsql names the ports
/// `port_src`/`port_dst` in every version, the others from v8 on).
fn column_name(p: Primitive, version: u8, backend: Backend) -> &'static str {
    match (p, backend) {
        (Primitive::SrcPort, Backend::Pgsql) => "port_src",
        (Primitive::DstPort, Backend::Pgsql) => "port_dst",
        _ => p.info().sql_column(version),
    }
}

fn residual_name(p: Primitive) -> &'static str {
    match p {
        Primitive::TimestampStart => "timestamp_start_residual",
        Primitive::TimestampEnd => "timestamp_end_residual",
        Primitive::TimestampArrival => "timestamp_arrival_residual",
        _ => "timestamp_export_residual",
    }
}

/// Builds one statement: `?` (`$n` for pgsql) placeholders with parameters. The text
/// depends only on the plan and the table, never on a row's values, so one prepared
/// statement serves every row of a table.
struct Builder {
    backend: Backend,
    sql: String,
    params: Vec<Param>,
}

impl Builder {
    fn new(backend: Backend) -> Builder {
        Builder {
            backend,
            sql: String::with_capacity(256),
            params: Vec::new(),
        }
    }

    fn placeholder(&mut self, v: Param) -> String {
        self.params.push(v);
        match self.backend {
            // Numbered, sent in text format: the server parses each value as its column's
            // type (`inet`, `macaddr`...), as it does pmacct's untyped literals.
            Backend::Pgsql => format!("${}", self.params.len()),
            Backend::Mysql | Backend::Sqlite3 => "?".to_string(),
        }
    }

    fn param(&mut self, v: Param) {
        let ph = self.placeholder(v);
        self.sql.push_str(&ph);
    }

    fn finish(self) -> Statement {
        Statement {
            sql: self.sql,
            params: self.params,
        }
    }
}
