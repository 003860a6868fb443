//! docs/PRIMITIVES.md, generated from the primitives table (a test keeps it fresh):
//! `cargo run -p pmacct-flow --example gen-primitives-doc > docs/PRIMITIVES.md`

use std::fmt::Write as _;

use super::{Daemon, SqlType, PRIMITIVES};

fn sql_type(t: SqlType) -> String {
    match t {
        SqlType::U8 => "INT(1) UNSIGNED".into(),
        SqlType::U16 => "INT(2) UNSIGNED".into(),
        SqlType::U32 => "INT(4) UNSIGNED".into(),
        SqlType::U64 => "BIGINT UNSIGNED".into(),
        SqlType::Ip => "CHAR(45)".into(),
        SqlType::Mac => "CHAR(17)".into(),
        SqlType::Char(n) => format!("CHAR({n})"),
        SqlType::Text => "VARCHAR(255)".into(),
        SqlType::Proto => "CHAR(6)".into(),
        SqlType::Float => "FLOAT".into(),
        SqlType::DateTime => "DATETIME + _residual INT".into(),
    }
}

/// The whole document.
pub fn markdown() -> String {
    let mut s = String::new();
    s.push_str(
        "<!-- Generated from crates/flow/src/primitives/table.rs; do not edit. Regenerate:\n",
    );
    s.push_str(
        "     cargo run -p pmacct-flow --example gen-primitives-doc > docs/PRIMITIVES.md -->\n\n",
    );
    s.push_str("# Aggregation primitives\n\n");
    s.push_str(
        "One row per primitive of pmacct 1.7.7, in the print plugin's column order. Each row of \
         `crates/flow/src/primitives/table.rs` drives the `aggregate` keywords, the `-a` \
         listing, masking, the cache key, JSON/CSV/formatted rendering, Kafka variables and \
         SQL columns. `daemons`: which `-a` lists it (nf = nfacctd, sf = sfacctd, pm = \
         pmacctd). `field`: the flow model field it reads (`-`: not carried yet, rendered as \
         pmacct's empty value; `geoipv2_file lookup`: looked up by the plugin, beside the \
         flow). SQL column: `name` or `vN+ name` from table version N on \
         (mysql types shown; pgsql/sqlite3 map them as pmacct's schema scripts do).\n\n",
    );
    s.push_str("| keyword(s) | `-a` section | daemons | JSON key | CSV header | formatted width | field | rendering | SQL column | SQL type | description |\n");
    s.push_str("|---|---|---|---|---|---|---|---|---|---|---|\n");
    for i in PRIMITIVES {
        let kws: Vec<String> = i.keywords.iter().map(|k| format!("`{}`", k.name)).collect();
        let k0 = &i.keywords[0];
        let daemons: Vec<&str> = [
            (Daemon::Nfacctd, "nf"),
            (Daemon::Sfacctd, "sf"),
            (Daemon::Pmacctd, "pm"),
        ]
        .iter()
        .filter(|(d, _)| i.keywords.iter().any(|k| k.listed_by(*d)))
        .map(|(_, n)| *n)
        .collect();
        let mut json = format!("`{}`", i.json_key);
        if !i.json_key2.is_empty() {
            let _ = write!(json, ", `{}`", i.json_key2);
        }
        let mut hdr = format!("`{}`", i.header);
        if !i.header2.is_empty() {
            let _ = write!(hdr, ", `{}`", i.header2);
        }
        let width = if i.vlen {
            "vlen".to_string()
        } else {
            i.fmt_header_width.to_string()
        };
        let mut sql: Vec<String> = i
            .sql_columns
            .iter()
            .map(|(v, c)| {
                if *v <= 1 {
                    format!("`{c}`")
                } else {
                    format!("v{v}+ `{c}`")
                }
            })
            .collect();
        if !i.sql_column2.is_empty() {
            sql.push(format!("`{}`", i.sql_column2));
        }
        let field = if i.field.is_empty() {
            if crate::primitives::GEO_PRIMITIVES.contains(&i.prim) {
                "geoipv2_file lookup"
            } else {
                "-"
            }
        } else {
            i.field
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | `{}` | {} | {} | {} | {} |",
            kws.join(", "),
            k0.section.title(),
            daemons.join(" "),
            json,
            hdr,
            width,
            field,
            i.render,
            sql.join(", "),
            sql_type(i.sql_type),
            k0.desc
        );
    }
    s
}
