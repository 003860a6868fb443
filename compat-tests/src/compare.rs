//! Comparison of two print-plugin outputs as multisets of records.
//!
//! Ignored, because they depend on when the daemon ran: `timestamp_arrival`, `stamp_updated`
//! and the pid in `writer_id` (JSON keys, or the matching CSV/formatted columns).

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};

/// print_output of a config.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
    Formatted,
}

impl Format {
    /// From the value of `print_output` (event_* variants compare the same way).
    pub fn from_print_output(v: &str) -> Option<Format> {
        match v.trim() {
            "json" => Some(Format::Json),
            "csv" | "event_csv" => Some(Format::Csv),
            "formatted" | "event_formatted" => Some(Format::Formatted),
            _ => None,
        }
    }
}

const IGNORED_JSON: [&str; 2] = ["timestamp_arrival", "stamp_updated"];
const IGNORED_COLUMNS: [&str; 2] = ["TIMESTAMP_ARRIVAL", "STAMP_UPDATED"];

/// What differs between the two outputs of one case.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Diff {
    /// Normalized records (with their multiplicity excess) only pmacct printed.
    pub only_pmacct: Vec<(String, usize)>,
    /// Normalized records only ours printed.
    pub only_ours: Vec<(String, usize)>,
    /// csv/formatted header lines when they differ: (pmacct, ours).
    pub header: Option<(String, String)>,
    /// Lines of ours not written the way pmacct writes them (JSON separators, key order).
    pub format: Vec<String>,
    /// Records on each side (after normalization), for the report.
    pub records: (usize, usize),
    /// How to read a record back into named fields ([`Diff::fields`]): the format and, for
    /// csv/formatted, pmacct's header with the ignored columns stripped as in the records.
    pub layout: Option<(Format, Option<String>)>,
    /// Every normalized record of each side with its multiplicity (pmacct, ours).
    pub all: (BTreeMap<String, usize>, BTreeMap<String, usize>),
}

impl Diff {
    pub fn count_pmacct(&self) -> usize {
        self.only_pmacct.iter().map(|(_, n)| n).sum()
    }
    pub fn count_ours(&self) -> usize {
        self.only_ours.iter().map(|(_, n)| n).sum()
    }
    /// A normalized record of this diff as (name, value) pairs in written order: JSON keys,
    /// csv/formatted column names (values unquoted, formatted cells trimmed). None when the
    /// record cannot be read (no layout, not JSON, a line of another width).
    pub fn fields(&self, rec: &str) -> Option<Vec<(String, String)>> {
        match self.layout.as_ref()? {
            (Format::Json, _) => {
                let Ordered(pairs) = serde_json::from_str(rec).ok()?;
                Some(
                    pairs
                        .into_iter()
                        .map(|(k, v)| match v {
                            serde_json::Value::String(s) => (k, s),
                            v => (k, v.to_string()),
                        })
                        .collect(),
                )
            }
            (Format::Csv, Some(h)) => {
                let names: Vec<&str> = h.split(',').collect();
                let vals: Vec<&str> = rec.split(',').collect();
                (names.len() == vals.len()).then(|| {
                    names
                        .iter()
                        .zip(vals)
                        .map(|(n, v)| (n.to_string(), v.to_string()))
                        .collect()
                })
            }
            (Format::Formatted, Some(h)) => {
                let starts = column_starts(h);
                let mut out = Vec::new();
                for (k, &st) in starts.iter().enumerate() {
                    let e = starts.get(k + 1).copied().unwrap_or(usize::MAX);
                    let name = h.get(st..e.min(h.len()))?.trim();
                    let v = rec.get(st.min(rec.len())..e.min(rec.len()))?.trim();
                    out.push((name.to_string(), v.to_string()));
                }
                Some(out)
            }
            _ => None,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.only_pmacct.is_empty()
            && self.only_ours.is_empty()
            && self.header.is_none()
            && self.format.is_empty()
    }
}

const SHOWN: usize = 25;

impl fmt::Display for Diff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "records: pmacct {}, ours {}; only in pmacct {}, only in ours {}",
            self.records.0,
            self.records.1,
            self.count_pmacct(),
            self.count_ours()
        )?;
        if let Some((p, o)) = &self.header {
            writeln!(f, "header differs:\n  pmacct: {p}\n  ours:   {o}")?;
        }
        for (title, list) in [
            ("only in pmacct", &self.only_pmacct),
            ("only in ours", &self.only_ours),
        ] {
            if list.is_empty() {
                continue;
            }
            writeln!(f, "{title}:")?;
            for (rec, n) in list.iter().take(SHOWN) {
                let times = if *n > 1 {
                    format!(" (x{n})")
                } else {
                    String::new()
                };
                writeln!(f, "  {rec}{times}")?;
            }
            if list.len() > SHOWN {
                writeln!(f, "  ... and {} more", list.len() - SHOWN)?;
            }
        }
        for l in self.format.iter().take(SHOWN) {
            writeln!(f, "not in pmacct's JSON layout: {l}")?;
        }
        Ok(())
    }
}

/// Compare pmacct's output with ours.
pub fn compare(format: Format, pmacct: &str, ours: &str) -> Diff {
    let (hp, rp, fp) = normalize(format, pmacct);
    let (ho, ro, fo) = normalize(format, ours);
    let stripped = hp.as_deref().map(|h| {
        let cut = ignored_ranges(format, h);
        strip_columns(format, h, &cut)
    });
    let mut diff = Diff {
        records: (rp.values().sum(), ro.values().sum()),
        layout: Some((format, stripped)),
        ..Diff::default()
    };
    // A header is compared only when both sides wrote one: a side that wrote nothing at all
    // shows up as missing records, which is the more useful report.
    if let (Some(p), Some(o)) = (&hp, &ho) {
        if p != o {
            diff.header = Some((p.clone(), o.clone()));
        }
    }
    for (rec, &n) in &rp {
        let m = ro.get(rec).copied().unwrap_or(0);
        if n > m {
            diff.only_pmacct.push((rec.clone(), n - m));
        }
    }
    for (rec, &m) in &ro {
        let n = rp.get(rec).copied().unwrap_or(0);
        if m > n {
            diff.only_ours.push((rec.clone(), m - n));
        }
    }
    // Layout is checked only where pmacct's own lines all follow the canonical layout.
    if fp.is_empty() {
        diff.format = fo;
    }
    diff.all = (rp, ro);
    diff
}

type Normalized = (Option<String>, BTreeMap<String, usize>, Vec<String>);

/// Header (csv/formatted), multiset of normalized records, lines off the JSON layout.
pub fn normalize(format: Format, text: &str) -> Normalized {
    let mut recs = BTreeMap::new();
    let mut off_layout = Vec::new();
    let mut lines = text.lines();
    let header = match format {
        Format::Json => None,
        Format::Csv | Format::Formatted => lines.next().map(str::to_string),
    };
    let cut = header
        .as_deref()
        .map(|h| ignored_ranges(format, h))
        .unwrap_or_default();
    for line in lines {
        let rec = match format {
            Format::Json => match json_record(line) {
                Some((canon, layout_ok)) => {
                    if !layout_ok {
                        off_layout.push(line.to_string());
                    }
                    canon
                }
                None => format!("(not a JSON object) {line}"),
            },
            Format::Csv | Format::Formatted => strip_columns(format, line, &cut),
        };
        *recs.entry(rec).or_insert(0) += 1;
    }
    // the header holds no run-dependent value: compared whole
    (header, recs, off_layout)
}

/// A column to drop or rewrite: csv field index or formatted byte range, and whether it is
/// writer_id (keep the name, drop the pid) rather than dropped whole.
#[derive(Debug, Clone, Default)]
struct Cut {
    csv: Vec<(usize, bool)>,
    fixed: Vec<(usize, usize, bool)>,
}

fn ignored_ranges(format: Format, header: &str) -> Cut {
    let mut cut = Cut::default();
    match format {
        Format::Csv => {
            for (i, col) in header.split(',').enumerate() {
                if IGNORED_COLUMNS.contains(&col) || col == "WRITER_ID" {
                    cut.csv.push((i, col == "WRITER_ID"));
                }
            }
        }
        Format::Formatted => {
            // Columns start where a header token starts; each runs to the next token.
            let starts = column_starts(header);
            for (k, &s) in starts.iter().enumerate() {
                let e = starts.get(k + 1).copied().unwrap_or(usize::MAX);
                let name = header[s..e.min(header.len())].trim();
                if IGNORED_COLUMNS.contains(&name) || name == "WRITER_ID" {
                    cut.fixed.push((s, e, name == "WRITER_ID"));
                }
            }
        }
        Format::Json => {}
    }
    cut
}

/// Byte offsets where the columns of a formatted header start.
fn column_starts(header: &str) -> Vec<usize> {
    header
        .char_indices()
        .filter(|&(i, c)| c != ' ' && (i == 0 || header.as_bytes()[i - 1] == b' '))
        .map(|(i, _)| i)
        .collect()
}

fn strip_columns(format: Format, line: &str, cut: &Cut) -> String {
    match format {
        Format::Csv if !cut.csv.is_empty() => line
            .split(',')
            .enumerate()
            .filter_map(|(i, f)| match cut.csv.iter().find(|c| c.0 == i) {
                None => Some(f.to_string()),
                Some((_, true)) => Some(strip_pid(f)),
                Some((_, false)) => None,
            })
            .collect::<Vec<_>>()
            .join(","),
        Format::Formatted if !cut.fixed.is_empty() => {
            let mut out = String::new();
            let mut pos = 0;
            for &(s, e, writer) in &cut.fixed {
                let s = s.min(line.len());
                let e = e.min(line.len());
                out.push_str(line.get(pos..s).unwrap_or(""));
                if writer {
                    out.push_str(&strip_pid(line.get(s..e).unwrap_or("").trim_end()));
                }
                pos = e;
            }
            out.push_str(line.get(pos..).unwrap_or(""));
            out
        }
        _ => line.to_string(),
    }
}

/// `default_kafka/12345` -> `default_kafka/*`
fn strip_pid(v: &str) -> String {
    match v.rsplit_once('/') {
        Some((name, pid)) if pid.bytes().all(|b| b.is_ascii_digit()) => format!("{name}/*"),
        _ => v.to_string(),
    }
}

/// JSON object with its keys in written order.
struct Ordered(Vec<(String, serde_json::Value)>);

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Ordered;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Ordered, A::Error> {
                let mut v = Vec::new();
                while let Some(kv) = m.next_entry::<String, serde_json::Value>()? {
                    v.push(kv);
                }
                Ok(Ordered(v))
            }
        }
        d.deserialize_map(V)
    }
}

/// pmacct's layout (jansson compact with `", "` and `": "`) of ordered pairs.
fn render(pairs: &[(String, serde_json::Value)]) -> String {
    let mut s = String::from("{");
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        s.push_str(&serde_json::Value::String(k.clone()).to_string());
        s.push_str(": ");
        s.push_str(&v.to_string());
    }
    s.push('}');
    s
}

/// Normalized record (ignored keys dropped, writer_id pid masked, keys kept in written
/// order) and whether the line was in pmacct's layout.
fn json_record(line: &str) -> Option<(String, bool)> {
    let Ordered(mut pairs) = serde_json::from_str(line).ok()?;
    let layout_ok = render(&pairs) == line;
    pairs.retain(|(k, _)| !IGNORED_JSON.contains(&k.as_str()));
    for (k, v) in &mut pairs {
        if k == "writer_id" {
            if let serde_json::Value::String(s) = v {
                *s = strip_pid(s);
            }
        }
    }
    Some((render(&pairs), layout_ok))
}

#[cfg(test)]
mod tests {
    use super::*;

    const J: &str = r#"{"event_type": "purge", "ip_src": "10.0.0.1", "stamp_inserted": "2023-01-01 00:00:00", "stamp_updated": "2026-11-28 09:00:01", "packets": 2, "bytes": 100}"#;

    #[test]
    fn json_ignores_only_the_run_dependent_keys() {
        let other = J.replace("09:00:01", "10:11:12");
        assert!(compare(Format::Json, J, &other).is_empty());
        let more = J.replace("\"packets\": 2", "\"packets\": 3");
        let d = compare(Format::Json, J, &more);
        assert_eq!((d.count_pmacct(), d.count_ours()), (1, 1));
        assert!(d.only_pmacct[0].0.contains("\"packets\": 2"));
        assert!(!d.only_pmacct[0].0.contains("stamp_updated"));
    }

    #[test]
    fn json_is_a_multiset_and_key_order_counts() {
        let two = format!("{J}\n{J}\n");
        let d = compare(Format::Json, &two, J);
        assert_eq!(d.only_pmacct, vec![(d.only_pmacct[0].0.clone(), 1)]);
        assert!(d.only_ours.is_empty());
        let swapped = J.replace(
            r#""packets": 2, "bytes": 100"#,
            r#""bytes": 100, "packets": 2"#,
        );
        assert!(!compare(Format::Json, J, &swapped).is_empty());
        // same record, other separators: reported as layout, not as a record difference
        let compact = J.replace(", \"", ",\"");
        let d = compare(Format::Json, J, &compact);
        assert!(d.only_ours.is_empty() && d.only_pmacct.is_empty());
        assert_eq!(d.format.len(), 1);
    }

    #[test]
    fn writer_id_pid_is_masked() {
        let a = r#"{"writer_id": "default_kafka/1234", "packets": 1}"#;
        let b = r#"{"writer_id": "default_kafka/99", "packets": 1}"#;
        assert!(compare(Format::Json, a, b).is_empty());
        let c = r#"{"writer_id": "other/99", "packets": 1}"#;
        assert!(!compare(Format::Json, a, c).is_empty());
    }

    #[test]
    fn csv_drops_ignored_columns_and_checks_header() {
        let p = "SRC_IP,TIMESTAMP_ARRIVAL,PACKETS\n10.0.0.1,2026-01-01 00:00:00.000000,3\n";
        let o = "SRC_IP,TIMESTAMP_ARRIVAL,PACKETS\n10.0.0.1,2026-01-02 11:00:00.000000,3\n";
        assert!(compare(Format::Csv, p, o).is_empty());
        let o2 = "SRC_IP,PACKETS\n10.0.0.1,3\n";
        assert!(compare(Format::Csv, p, o2).header.is_some());
        let o3 = o.replace(",3", ",4");
        assert_eq!(compare(Format::Csv, p, &o3).count_ours(), 1);
    }

    #[test]
    fn formatted_drops_ignored_columns_by_position() {
        let h = format!(
            "{:<47}{:<31}{:<22}BYTES",
            "SRC_IP", "TIMESTAMP_ARRIVAL", "PACKETS"
        );
        let r1 = format!(
            "{:<47}{:<31}{:<22}100",
            "10.0.0.1", "2026-01-01 00:00:00.000000", "2"
        );
        let r2 = format!(
            "{:<47}{:<31}{:<22}100",
            "10.0.0.1", "2027-02-02 11:11:11.111111", "2"
        );
        let r3 = format!(
            "{:<47}{:<31}{:<22}100",
            "10.0.0.1", "2027-02-02 11:11:11.111111", "3"
        );
        assert!(compare(
            Format::Formatted,
            &format!("{h}\n{r1}\n"),
            &format!("{h}\n{r2}\n")
        )
        .is_empty());
        let d = compare(
            Format::Formatted,
            &format!("{h}\n{r1}\n"),
            &format!("{h}\n{r3}\n"),
        );
        assert_eq!((d.count_pmacct(), d.count_ours()), (1, 1));
    }
}
