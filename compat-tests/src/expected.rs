//! The documented list of differences we expect because pmacct 1.7.7 is wrong
//! (compat-tests/expected-differences.txt). An entry is a claim that is checked both ways:
//! a case it covers must show exactly that difference, so a stale entry fails too.

use std::collections::{BTreeMap, BTreeSet};

use crate::compare::Diff;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub mode: String,
    pub input: String,
    pub config: String,
    /// "pmacct" or "ours": the side that has the extra records.
    pub side: String,
    /// Exact number of extra records, or None for "some (at least one)".
    pub count: Option<usize>,
    pub reason: String,
    /// Per-record entry (SIDE `fields:...`): the fields that may differ, and which of
    /// pmacct's records the entry is about. `side` is then "fields".
    pub mask: Option<Mask>,
    /// `same-as:INPUT` entry (`side` "same-as"): pmacct prints `count` records on this
    /// input (0: it drops it), and ours is compared with pmacct's offline output of the same
    /// config on INPUT, the same traffic in another export format.
    pub reference: Option<String>,
    /// Whole-record entry with `where:SIGNATURE` after SIDE: every record of that side left
    /// unexplained must match it (conditions without `ours.`, on the record itself).
    pub whole: Vec<Cond>,
}

impl Entry {
    /// Ok when `n` is what the entry's COUNT says; else the count wanted, for the report.
    fn count_ok(&self, n: usize) -> Result<(), String> {
        match self.count {
            Some(c) if c == n => Ok(()),
            None if n > 0 => Ok(()),
            Some(c) => Err(c.to_string()),
            None => Err("some".into()),
        }
    }
}

/// A per-record entry: in pmacct's records matching `signature`, the `fields` may differ
/// from ours; every other field must be equal, and ours' records grouped with them must
/// meet `ours` (what ours prints instead: a time range, a relation to pmacct's value). Records equal once those fields are set
/// aside are compared as groups with their counters summed (a field pmacct gets wrong can
/// merge records that ours keeps apart, or spread them over other time bins), so counters
/// still have to add up, unless a counter is itself among `fields`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mask {
    /// Field names, matched without regard to case (JSON keys or csv/formatted columns).
    pub fields: Vec<String>,
    /// Conditions that all hold on pmacct's record; empty = every record.
    pub signature: Vec<Cond>,
    /// Conditions that all hold on every record of ours grouped with such a record of
    /// pmacct's (`ours.NAME...` in the file).
    pub ours: Vec<Cond>,
}

/// One condition of a signature: `NAME=TEST`, or `ours.NAME=TEST` on ours' records, where
/// NAME may carry `>>N` (the value, a number, shifted right by N bits first) and may list
/// the names of one field in several formats, `ip_src|src_ip` (JSON key, csv column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cond {
    pub field: String,
    pub shift: u32,
    pub test: Test,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Test {
    /// `*` matches any run of characters; `a|b` either.
    Glob(String),
    /// `[LO..HI]`, bounds included: numbers, or times written `YYYY-MM-DDTHH:MM:SS` (the
    /// `T` stands for the space of the printed value, which is compared on the bound's
    /// length).
    Range(String, String),
    /// `@NAME`: equal to the value of NAME in one of pmacct's records of the group.
    Pmacct(String),
}

impl Cond {
    fn parse(s: &str) -> Option<Cond> {
        let (k, v) = s.split_once('=')?;
        let (field, shift) = match k.split_once(">>") {
            Some((f, n)) => (f, n.parse().ok()?),
            None => (k, 0),
        };
        let test = if let Some(r) = v.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            let (lo, hi) = r.split_once("..")?;
            Test::Range(lo.replace('T', " "), hi.replace('T', " "))
        } else if let Some(f) = v.strip_prefix('@') {
            Test::Pmacct(f.to_ascii_lowercase())
        } else {
            Test::Glob(v.to_string())
        };
        (!field.is_empty()).then(|| Cond {
            field: field.to_string(),
            shift,
            test,
        })
    }

    /// Whether the condition holds on a record's fields; `group` holds pmacct's values of
    /// the fields `@NAME` tests refer to (lower-case names).
    fn holds(
        &self,
        fields: &[(String, String)],
        group: Option<&BTreeMap<String, BTreeSet<String>>>,
    ) -> bool {
        let Some(v) = fields
            .iter()
            .find(|(n, _)| self.field.split('|').any(|f| n.eq_ignore_ascii_case(f)))
            .map(|(_, v)| v.as_str())
        else {
            return false;
        };
        let shifted;
        let v = if self.shift > 0 {
            let Ok(x) = v.parse::<u64>() else {
                return false;
            };
            shifted = (x >> self.shift).to_string();
            shifted.as_str()
        } else {
            v
        };
        match &self.test {
            Test::Glob(g) => g.split('|').any(|g| glob(g, v)),
            Test::Range(lo, hi) => in_range(lo, hi, v),
            Test::Pmacct(f) => group
                .and_then(|g| g.get(f))
                .is_some_and(|vals| vals.contains(v)),
        }
    }
}

impl std::fmt::Display for Cond {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.field)?;
        if self.shift > 0 {
            write!(f, ">>{}", self.shift)?;
        }
        match &self.test {
            Test::Glob(g) => write!(f, "={g}"),
            Test::Range(lo, hi) => write!(f, " in [{lo} .. {hi}]"),
            Test::Pmacct(n) => write!(f, " = pmacct's {n}"),
        }
    }
}

/// `lo <= v <= hi`: as numbers when all three are, else as strings (times), `v` cut to
/// each bound's length.
fn in_range(lo: &str, hi: &str, v: &str) -> bool {
    if let (Ok(l), Ok(h), Ok(x)) = (lo.parse::<f64>(), hi.parse::<f64>(), v.parse::<f64>()) {
        return l <= x && x <= h;
    }
    let cut = |b: &str| v.get(..b.len()).unwrap_or(v).to_string();
    lo <= cut(lo).as_str() && cut(hi).as_str() <= hi
}

/// Records left unexplained on one side, with their multiplicity.
type Left = Vec<(String, usize)>;

/// Counters: summed over the records a per-record entry groups.
const COUNTERS: [&str; 3] = ["packets", "bytes", "flows"];

#[derive(Debug, Clone, Default)]
pub struct Expected {
    pub entries: Vec<Entry>,
}

impl Expected {
    pub fn path() -> std::path::PathBuf {
        crate::root().join("expected-differences.txt")
    }

    pub fn load() -> Result<Expected, String> {
        let p = Self::path();
        let text = std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        Self::parse(&text).map_err(|e| format!("{}: {e}", p.display()))
    }

    /// Lines `MODE INPUT CONFIG SIDE COUNT REASON...`; MODE offline|live|*, INPUT and CONFIG
    /// globs (`*` only), SIDE pmacct|ours, COUNT a number or `*`; `#` starts a comment.
    ///
    /// Per-record lines `MODE INPUT CONFIG fields:F1,F2 where:SIGNATURE COUNT REASON...`:
    /// SIGNATURE is `*` or [`Cond`]itions joined by `&` (on pmacct's record, or `ours.` on
    /// ours' records of the group), COUNT the number of pmacct's differing records it
    /// matches (see [`Mask`]).
    ///
    /// A whole-record line may carry `where:SIGNATURE` after SIDE: every record only on that
    /// side must match it (`MODE INPUT CONFIG ours where:vlan=20 94 REASON`).
    ///
    /// `MODE INPUT CONFIG same-as:REF COUNT REASON...`: pmacct prints COUNT records on INPUT,
    /// and ours is compared with pmacct's offline output of the same config on REF.
    /// `MODE INPUT CONFIG empty 0 REASON...`: both print nothing (a filter that selects no
    /// record of the capture); without it a case with no record on either side fails.
    pub fn parse(text: &str) -> Result<Expected, String> {
        let mut entries = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = || format!("line {}: {line}", i + 1);
            let masked = line
                .split_whitespace()
                .nth(3)
                .is_some_and(|t| t.starts_with("fields:"));
            let whole_sig = !masked
                && line
                    .split_whitespace()
                    .nth(4)
                    .is_some_and(|t| t.starts_with("where:"));
            let lead = if masked || whole_sig { 6 } else { 5 };
            let mut f: Vec<&str> = Vec::new();
            let mut rest = line;
            while f.len() < lead {
                let r = rest.trim_start();
                let end = r.find(char::is_whitespace).unwrap_or(r.len());
                f.push(&r[..end]);
                rest = &r[end..];
            }
            f.push(rest.trim());
            let f: Vec<&str> = f.into_iter().filter(|x| !x.is_empty()).collect();
            if masked {
                if f.len() < 7 {
                    return Err(bad());
                }
                let fields: Vec<String> = f[3]["fields:".len()..]
                    .split(',')
                    .filter(|x| !x.is_empty())
                    .map(str::to_string)
                    .collect();
                let sig = f[4].strip_prefix("where:").ok_or_else(bad)?;
                let (mut signature, mut ours) = (Vec::new(), Vec::new());
                if sig != "*" {
                    for c in sig.split('&') {
                        match c.strip_prefix("ours.") {
                            Some(c) => ours.push(Cond::parse(c).ok_or_else(bad)?),
                            None => signature.push(Cond::parse(c).ok_or_else(bad)?),
                        }
                    }
                }
                let count = match f[5] {
                    "*" => None,
                    n => Some(n.parse().map_err(|_| bad())?),
                };
                if fields.is_empty() {
                    return Err(bad());
                }
                entries.push(Entry {
                    mode: f[0].into(),
                    input: f[1].into(),
                    config: f[2].into(),
                    side: "fields".into(),
                    count,
                    reason: f[6].trim().into(),
                    mask: Some(Mask {
                        fields,
                        signature,
                        ours,
                    }),
                    reference: None,
                    whole: Vec::new(),
                });
                continue;
            }
            let mut whole = Vec::new();
            let mut f = f;
            if whole_sig {
                let sig = f.remove(4).strip_prefix("where:").ok_or_else(bad)?;
                for c in sig.split('&') {
                    whole.push(Cond::parse(c).ok_or_else(bad)?);
                }
            }
            let reference = f.get(3).and_then(|s| s.strip_prefix("same-as:"));
            if f.len() < 6
                || !(["pmacct", "ours", "empty"].contains(&f[3]) || reference.is_some())
                || (f[3] == "empty" && f[4] != "0")
                || (reference.is_some() && f[4] == "*")
            {
                return Err(bad());
            }
            let count = match f[4] {
                "*" => None,
                n => Some(n.parse().map_err(|_| bad())?),
            };
            entries.push(Entry {
                mode: f[0].into(),
                input: f[1].into(),
                config: f[2].into(),
                side: if reference.is_some() {
                    "same-as".into()
                } else {
                    f[3].into()
                },
                count,
                reason: f[5].trim().into(),
                mask: None,
                reference: reference.map(str::to_string),
                whole,
            });
        }
        Ok(Expected { entries })
    }

    /// The whole-record entries of `side` covering this case: the first one, and when it
    /// carries a `where:` signature, every later one that does too (a record only on that
    /// side is explained by the first of them it meets).
    fn whole_entries(&self, side: &str, mode: &str, input: &str, config: &str) -> Vec<&Entry> {
        let mut es = self.entries.iter().filter(|e| {
            e.side == side
                && glob(&e.mode, mode)
                && glob(&e.input, input)
                && glob(&e.config, config)
        });
        let Some(first) = es.next() else {
            return Vec::new();
        };
        let mut v = vec![first];
        if !first.whole.is_empty() {
            v.extend(es.filter(|e| !e.whole.is_empty()));
        }
        v
    }

    /// The first entry of `side` covering this case.
    fn find(&self, side: &str, mode: &str, input: &str, config: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| {
            e.side == side
                && glob(&e.mode, mode)
                && glob(&e.input, input)
                && glob(&e.config, config)
        })
    }

    /// The `same-as` entry of this case: (reference input, records pmacct prints itself).
    pub fn reference(&self, mode: &str, input: &str, config: &str) -> Option<(&str, usize)> {
        self.find("same-as", mode, input, config)
            .and_then(|e| Some((e.reference.as_deref()?, e.count?)))
    }

    /// Whether an `empty` entry says both sides print nothing in this case.
    pub fn empty(&self, mode: &str, input: &str, config: &str) -> bool {
        self.find("empty", mode, input, config).is_some()
    }

    /// Whether pmacct may print no record in this case (an `empty` entry, or a `same-as`
    /// entry of count 0): else an empty output of pmacct's is a lost run, never accepted.
    pub fn pmacct_may_be_empty(&self, mode: &str, input: &str, config: &str) -> bool {
        self.empty(mode, input, config)
            || self
                .reference(mode, input, config)
                .is_some_and(|(_, n)| n == 0)
    }

    /// Ok(note) when the diff is exactly what the list expects for this case.
    pub fn check(
        &self,
        mode: &str,
        input: &str,
        config: &str,
        diff: &Diff,
    ) -> Result<String, String> {
        if let Some((p, o)) = &diff.header {
            return Err(format!("header differs (pmacct {p:?}, ours {o:?})"));
        }
        if !diff.format.is_empty() {
            return Err(format!(
                "{} lines not in pmacct's JSON layout",
                diff.format.len()
            ));
        }
        let mut notes = Vec::new();
        let (left_pmacct, left_ours) =
            self.explain_records(mode, input, config, diff, &mut notes)?;
        for (side, left) in [("pmacct", left_pmacct), ("ours", left_ours)] {
            let got: usize = left.iter().map(|(_, n)| n).sum();
            let es = self.whole_entries(side, mode, input, config);
            match es.as_slice() {
                [] if got == 0 => {}
                [] => return Err(format!("{got} records only in {side}")),
                // Each record goes to the first entry whose signature it meets (an entry
                // without one takes every record), and every entry's count is exact.
                _ => {
                    let mut counts = vec![0usize; es.len()];
                    for (rec, n) in &left {
                        let fields = diff.fields(rec).unwrap_or_default();
                        let Some(i) = es
                            .iter()
                            .position(|e| e.whole.iter().all(|c| c.holds(&fields, None)))
                        else {
                            let e = es[0];
                            let bad = e
                                .whole
                                .iter()
                                .find(|c| !c.holds(&fields, None))
                                .map(|c| c.to_string())
                                .unwrap_or_default();
                            return Err(format!(
                                "a record only in {side} does not meet `{bad}` ({}){}: {rec}",
                                e.reason,
                                if es.len() > 1 {
                                    " nor any other entry's signature"
                                } else {
                                    ""
                                }
                            ));
                        };
                        counts[i] += n;
                    }
                    for (e, n) in es.iter().zip(counts) {
                        if let Err(want) = e.count_ok(n) {
                            return Err(format!(
                                "expected {want} records only in {side} ({}), got {n}",
                                e.reason
                            ));
                        }
                        notes.push(format!(
                            "{n} records only in {side}, as expected: {}",
                            e.reason
                        ));
                    }
                }
            }
        }
        Ok(if notes.is_empty() {
            format!("{} records, identical", diff.records.0)
        } else {
            notes.join("; ")
        })
    }

    /// Applies the per-record entries of this case: returns the number of records left
    /// unexplained on each side (for the whole-record entries), or an error when a grouped
    /// record differs in another field or its counters, or an entry's count is off.
    fn explain_records(
        &self,
        mode: &str,
        input: &str,
        config: &str,
        diff: &Diff,
        notes: &mut Vec<String>,
    ) -> Result<(Left, Left), String> {
        let masks: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| {
                e.mask.is_some()
                    && glob(&e.mode, mode)
                    && glob(&e.input, input)
                    && glob(&e.config, config)
            })
            .collect();
        if masks.is_empty() {
            return Ok((diff.only_pmacct.clone(), diff.only_ours.clone()));
        }
        type Sums = BTreeMap<String, [u128; 3]>;
        // How many of pmacct's differing records each entry's signature matches, per group
        // (a group ours has no record of is taken out below: records only in pmacct).
        let mut matched: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        // pmacct's records of each group, with their multiplicity.
        let mut members: BTreeMap<String, Vec<(&str, usize)>> = BTreeMap::new();
        // Fields whose pmacct values `@NAME` conditions refer to.
        let refs: BTreeSet<String> = masks
            .iter()
            .flat_map(|e| &e.mask.as_ref().expect("filtered").ours)
            .filter_map(|c| match &c.test {
                Test::Pmacct(f) => Some(f.clone()),
                _ => None,
            })
            .collect();
        // Grouping runs over every record of both sides, not only the differing ones: a
        // differing record of ours may belong with a record of pmacct's that ours also has
        // (pmacct renormalizing by 0 adds nothing to a record that ours then also prints).
        let only_pmacct: BTreeMap<&str, usize> = diff
            .only_pmacct
            .iter()
            .map(|(r, n)| (r.as_str(), *n))
            .collect();
        let (mut pm, mut ours): (Sums, Sums) = Default::default();
        // Per group: the entries whose signature one of its pmacct records matched, and
        // pmacct's values of the referred fields.
        let mut by: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
        let mut vals: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
        let mut sets: Vec<Vec<String>> = Vec::new();
        let mut plain_pmacct: BTreeMap<&str, usize> = BTreeMap::new();
        for (rec, n) in &diff.all.0 {
            let fields = diff.fields(rec);
            let mut set: Vec<String> = Vec::new();
            let mut hits = Vec::new();
            for (i, e) in masks.iter().enumerate() {
                let m = e.mask.as_ref().expect("filtered");
                let hit = fields
                    .as_ref()
                    .is_some_and(|fields| m.signature.iter().all(|c| c.holds(fields, None)));
                if hit {
                    set.extend(m.fields.iter().map(|f| f.to_ascii_lowercase()));
                    hits.push(i);
                }
            }
            let Some(fields) = fields.filter(|_| !set.is_empty()) else {
                plain_pmacct.insert(rec, *n);
                continue;
            };
            set.sort();
            set.dedup();
            let (key, c) = masked_key(&fields, &set);
            add(pm.entry(key.clone()).or_default(), c, *n);
            let differing = only_pmacct.get(rec.as_str()).copied().unwrap_or(0);
            let m = matched
                .entry(key.clone())
                .or_insert_with(|| vec![0; masks.len()]);
            for &i in &hits {
                m[i] += differing;
            }
            members.entry(key.clone()).or_default().push((rec, *n));
            by.entry(key.clone()).or_default().extend(hits);
            let v = vals.entry(key).or_default();
            for (name, value) in &fields {
                let lower = name.to_ascii_lowercase();
                if refs.contains(&lower) {
                    v.entry(lower).or_default().insert(value.clone());
                }
            }
            if !sets.contains(&set) {
                sets.push(set);
            }
        }
        // Ours' records: equal to one of pmacct's records that no entry is about first, then
        // into a group, where those that pmacct does not print alike must meet the `ours.`
        // conditions of the group's entries; what neither takes is compared whole, as
        // without per-record entries.
        let only_ours: BTreeMap<&str, usize> = diff
            .only_ours
            .iter()
            .map(|(r, n)| (r.as_str(), *n))
            .collect();
        let mut plain_left = plain_pmacct;
        let mut left_ours: Left = Vec::new();
        for (rec, n) in &diff.all.1 {
            let mut n = *n;
            if let Some(m) = plain_left.get_mut(rec.as_str()) {
                let k = n.min(*m);
                *m -= k;
                n -= k;
            }
            if n == 0 {
                continue;
            }
            let differs = only_ours.contains_key(rec.as_str());
            let fields = diff.fields(rec);
            let group = fields.as_ref().and_then(|fields| {
                sets.iter()
                    .map(|set| masked_key(fields, set))
                    .find(|(key, _)| pm.contains_key(key))
            });
            match (group, fields) {
                (Some((key, c)), Some(fields)) => {
                    for &i in by.get(&key).into_iter().flatten().filter(|_| differs) {
                        let m = masks[i].mask.as_ref().expect("filtered");
                        if let Some(bad) = m.ours.iter().find(|c| !c.holds(&fields, vals.get(&key)))
                        {
                            return Err(format!(
                                "ours' record does not meet `{bad}` ({}): {rec}",
                                masks[i].reason
                            ));
                        }
                    }
                    add(ours.entry(key).or_default(), c, n)
                }
                _ => left_ours.push((rec.clone(), n)),
            }
        }
        let mut left_pmacct: Left = plain_left
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .map(|(r, n)| (r.to_string(), n))
            .collect();
        // A group ours has no record in: pmacct's records there are whole records only in
        // pmacct (for the whole-record entries), not differing fields.
        for (key, recs) in &members {
            if !ours.contains_key(key) {
                pm.remove(key);
                matched.remove(key);
                left_pmacct.extend(recs.iter().map(|(r, n)| (r.to_string(), *n)));
            }
        }
        let mut total = vec![0usize; masks.len()];
        for m in matched.values() {
            for (t, n) in total.iter_mut().zip(m) {
                *t += n;
            }
        }
        for (key, p) in &pm {
            let o = ours.get(key).copied().unwrap_or_default();
            if *p != o {
                return Err(format!(
                    "records differing only in the fields an entry names do not add up: \
                     {key}: pmacct packets/bytes/flows {p:?}, ours {o:?}"
                ));
            }
        }
        // Every entry whose count is off, in one report.
        let mut off = Vec::new();
        for (e, n) in masks.iter().zip(total) {
            if let Err(want) = e.count_ok(n) {
                off.push(format!(
                    "expected {want} of pmacct's records to differ in {} ({}), got {n}",
                    e.mask.as_ref().expect("filtered").fields.join(","),
                    e.reason
                ));
            }
            notes.push(format!("{n} records differ in the fields of: {}", e.reason));
        }
        if !off.is_empty() {
            return Err(off.join("; "));
        }
        Ok((left_pmacct, left_ours))
    }
}

/// A record with `set`'s fields blanked and its counters taken out (those not in `set`),
/// and those counters.
fn masked_key(fields: &[(String, String)], set: &[String]) -> (String, [u128; 3]) {
    let mut key = String::new();
    let mut c = [0u128; 3];
    for (name, v) in fields {
        let lower = name.to_ascii_lowercase();
        if set.contains(&lower) {
            continue;
        }
        if let Some(i) = COUNTERS.iter().position(|x| *x == lower) {
            c[i] = v.parse().unwrap_or(0);
            continue;
        }
        key.push_str(name);
        key.push('=');
        key.push_str(v);
        key.push(';');
    }
    (key, c)
}

fn add(sum: &mut [u128; 3], c: [u128; 3], times: usize) {
    for (s, x) in sum.iter_mut().zip(c) {
        *s += x * times as u128;
    }
}

/// `*` matches any run of characters; everything else literally.
pub fn glob(pat: &str, s: &str) -> bool {
    match pat.split_once('*') {
        None => pat == s,
        Some((pre, rest)) => {
            let Some(tail) = s.strip_prefix(pre) else {
                return false;
            };
            (0..=tail.len()).any(|i| tail.is_char_boundary(i) && glob(rest, &tail[i..]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diff(p: usize, o: usize) -> Diff {
        Diff {
            only_pmacct: (0..p).map(|i| (format!("p{i}"), 1)).collect(),
            only_ours: (0..o).map(|i| (format!("o{i}"), 1)).collect(),
            ..Diff::default()
        }
    }

    #[test]
    fn globs() {
        assert!(glob("inputs/softflowd-v1-*", "inputs/softflowd-v1-s1"));
        assert!(glob("*", ""));
        assert!(glob("*-json", "wide-json"));
        assert!(!glob("*-json", "wide-csv"));
        assert!(glob("a*b*c", "aXXbYc"));
    }

    #[test]
    fn entries_are_checked_both_ways() {
        let e =
            Expected::parse("offline inputs/v1-* * ours * quirk 1\nlive x wide-json pmacct 3 r\n")
                .unwrap();
        assert!(e
            .check("offline", "inputs/v1-s1", "any", &diff(0, 5))
            .is_ok());
        // the expected difference must happen
        assert!(e
            .check("offline", "inputs/v1-s1", "any", &diff(0, 0))
            .is_err());
        // and only on the side it names
        assert!(e
            .check("offline", "inputs/v1-s1", "any", &diff(1, 5))
            .is_err());
        assert!(e.check("live", "inputs/v1-s1", "any", &diff(0, 5)).is_err());
        assert!(e.check("live", "x", "wide-json", &diff(3, 0)).is_ok());
        assert!(e.check("live", "x", "wide-json", &diff(2, 0)).is_err());
        assert!(e.check("offline", "y", "z", &diff(0, 0)).is_ok());
        assert!(Expected::parse("offline a b both 1 r").is_err());
    }

    fn rec(ts: &str, flags: &str, proto: &str, packets: u64) -> String {
        format!(
            r#"{{"ip_proto": "{proto}", "tcp_flags": "{flags}", "timestamp_end": "{ts}", "packets": {packets}, "bytes": {}}}"#,
            packets * 10
        )
    }

    const ZERO: &str = "0000-00-00 00:00:00.000000";

    #[test]
    fn per_record_entries_set_fields_aside_and_compare_the_rest() {
        let e = Expected::parse(
            "* x wide-* fields:timestamp_end where:timestamp_end=0000-00-00* 1 times\n\
             * x wide-* fields:tcp_flags where:tcp_flags=0 1 flags\n",
        )
        .unwrap();
        assert_eq!(e.entries[0].side, "fields");
        let check = |pm: &[String], ours: &[String]| {
            let d = crate::compare(crate::Format::Json, &pm.join("\n"), &ours.join("\n"));
            e.check("offline", "x", "wide-json", &d)
        };
        let same = rec("2024-01-01 00:00:00.000000", "2", "tcp", 1);
        // pmacct merged two records that ours keeps apart (by their times and flags):
        // the counters add up, every other field is equal
        let pm = [rec(ZERO, "0", "tcp", 3), same.clone()];
        let ours = [
            rec("2024-01-01 00:00:01.000000", "2", "tcp", 1),
            rec("2024-01-01 00:00:02.000000", "16", "tcp", 2),
            same.clone(),
        ];
        check(&pm, &ours).unwrap();
        // another field differs: not explained
        let wrong = [
            ours[0].clone(),
            rec("2024-01-01 00:00:02.000000", "16", "udp", 2),
            same.clone(),
        ];
        assert!(check(&pm, &wrong).unwrap_err().contains("add up"));
        // counters that do not add up
        let lost = [ours[0].clone(), same.clone()];
        assert!(check(&pm, &lost).is_err());
        // an entry whose records do not differ any more is stale
        let one = std::slice::from_ref(&same);
        assert!(check(one, one).is_err());
        // a counter named among the fields is not compared
        let e2 =
            Expected::parse("* x r-* fields:packets,bytes where:packets=0 1 renorm\n").unwrap();
        let d = crate::compare(
            crate::Format::Json,
            &rec(ZERO, "0", "tcp", 0),
            &rec(ZERO, "0", "tcp", 5),
        );
        e2.check("offline", "x", "r-json", &d).unwrap();
    }

    #[test]
    fn per_record_entries_read_csv_columns_by_name() {
        let e = Expected::parse("* x t-* fields:tcp_flags where:tcp_flags=0 1 flags\n").unwrap();
        let pm = "PROTOCOL,TCP_FLAGS,PACKETS\ntcp,0,3\nudp,0,1\n";
        let ours = "PROTOCOL,TCP_FLAGS,PACKETS\ntcp,2,1\ntcp,18,2\nudp,0,1\n";
        let d = crate::compare(crate::Format::Csv, pm, ours);
        e.check("offline", "x", "t-csv", &d).unwrap();
        let ours = "PROTOCOL,TCP_FLAGS,PACKETS\ntcp,2,1\nudp,0,1\n";
        let d = crate::compare(crate::Format::Csv, pm, ours);
        assert!(e.check("offline", "x", "t-csv", &d).is_err());
        assert!(Expected::parse("* x t fields: where:* 1 r").is_err());
        assert!(Expected::parse("* x t fields:a nowhere 1 r").is_err());
    }

    #[test]
    fn ours_conditions_check_what_ours_prints_instead() {
        // pmacct's end time 0; ours' must lie within the traffic's time range
        let e = Expected::parse(
            "* x wide-* fields:timestamp_end where:timestamp_end=0000-00-00*\
             &ours.timestamp_end=[2024-01-01T00:00:00..2024-01-01T00:00:05] 1 times\n",
        )
        .unwrap();
        let m = e.entries[0].mask.as_ref().unwrap();
        assert_eq!((m.signature.len(), m.ours.len()), (1, 1));
        let check = |ours: &str| {
            let d = crate::compare(crate::Format::Json, &rec(ZERO, "2", "tcp", 1), ours);
            e.check("offline", "x", "wide-json", &d)
        };
        check(&rec("2024-01-01 00:00:05.000000", "2", "tcp", 1)).unwrap();
        let late = check(&rec("2024-01-01 00:00:06.000000", "2", "tcp", 1)).unwrap_err();
        assert!(late.contains("does not meet"), "{late}");
        assert!(check(&rec("2023-12-31 23:59:59.000000", "2", "tcp", 1)).is_err());
        // a relation to pmacct's value: ours' byte shifted right by 4 is pmacct's
        let e = Expected::parse(
            "* x t-* fields:tcp_flags where:ip_proto=tcp&ours.tcp_flags>>4=@tcp_flags 1 shift\n",
        )
        .unwrap();
        let d = crate::compare(
            crate::Format::Json,
            &rec(ZERO, "1", "tcp", 1),
            &rec(ZERO, "24", "tcp", 1),
        );
        e.check("offline", "x", "t-json", &d).unwrap();
        let d = crate::compare(
            crate::Format::Json,
            &rec(ZERO, "1", "tcp", 1),
            &rec(ZERO, "40", "tcp", 1),
        );
        assert!(e.check("offline", "x", "t-json", &d).is_err());
        // numeric ranges
        assert!(in_range("256", "1000000", "15360"));
        assert!(!in_range("256", "1000000", "0"));
    }

    #[test]
    fn same_as_and_empty_entries() {
        let e = Expected::parse(
            "* in/v1-* * same-as:in/v5-s1 0 quirk 1\noffline in/a filt empty 0 selects nothing\n",
        )
        .unwrap();
        assert_eq!(
            e.reference("live", "in/v1-s1", "wide-json"),
            Some(("in/v5-s1", 0))
        );
        assert!(e.pmacct_may_be_empty("offline", "in/v1-s1", "x"));
        assert!(e.empty("offline", "in/a", "filt"));
        assert!(!e.pmacct_may_be_empty("offline", "in/b", "filt"));
        assert!(Expected::parse("* a b empty 3 r").is_err());
        assert!(Expected::parse("* a b same-as:c * r").is_err());
    }

    /// Every entry of the real list is exact: a count (no `*`), and a per-record entry for
    /// every difference that is a field of a record rather than a whole record.
    #[test]
    fn the_list_has_no_coarse_entry() {
        let e = Expected::load().unwrap();
        for x in &e.entries {
            assert!(x.count.is_some(), "count `*` in {x:?}");
        }
    }

    #[test]
    fn whole_record_entries_may_state_what_the_records_are() {
        let e = Expected::parse("* x t-* ours where:ip_proto=udp&tcp_flags=0 1 filter\n").unwrap();
        assert_eq!(e.entries[0].whole.len(), 2);
        let same = rec(ZERO, "2", "tcp", 1);
        let d =
            |extra: &str| crate::compare(crate::Format::Json, &same, &format!("{same}\n{extra}"));
        e.check("offline", "x", "t-json", &d(&rec(ZERO, "0", "udp", 1)))
            .unwrap();
        let err = e
            .check("offline", "x", "t-json", &d(&rec(ZERO, "0", "tcp", 1)))
            .unwrap_err();
        assert!(err.contains("does not meet"), "{err}");
    }

    #[test]
    fn a_pmacct_record_alike_to_none_of_ours_is_a_whole_record() {
        // pmacct's filter took a flow ours' rejects: its record, which also shows a field
        // difference of an entry, has no record of ours alike; it is a record only in
        // pmacct, that a whole-record entry must name, not counters that do not add up.
        let mask = "* x t-* fields:timestamp_end where:timestamp_end=0000-00-00* 1 times\n";
        let pm = [rec(ZERO, "0", "tcp", 3), rec(ZERO, "0", "udp", 1)].join("\n");
        let ours = rec("2024-01-01 00:00:01.000000", "0", "tcp", 3);
        let d = crate::compare(crate::Format::Json, &pm, &ours);
        let e = Expected::parse(&format!(
            "{mask}* x t-* pmacct where:ip_proto=udp 1 filter\n"
        ))
        .unwrap();
        let note = e.check("offline", "x", "t-json", &d).unwrap();
        assert!(note.contains("1 records only in pmacct"), "{note}");
        // unnamed, or named by a signature it does not meet, it fails
        let err = Expected::parse(mask)
            .unwrap()
            .check("offline", "x", "t-json", &d)
            .unwrap_err();
        assert!(err.contains("only in pmacct"), "{err}");
        let e = Expected::parse(&format!(
            "{mask}* x t-* pmacct where:ip_proto=tcp 1 filter\n"
        ))
        .unwrap();
        assert!(e.check("offline", "x", "t-json", &d).is_err());
    }

    #[test]
    fn several_whole_record_entries_each_count_their_records() {
        let e = Expected::parse(
            "* x t-* ours where:ip_proto=udp 1 one cause\n\
             * x t-* ours where:ip_proto=tcp&tcp_flags=2|18 2 another\n",
        )
        .unwrap();
        let same = rec(ZERO, "0", "icmp", 1);
        let d = |extra: &[String]| {
            let ours = std::iter::once(same.clone())
                .chain(extra.iter().cloned())
                .collect::<Vec<_>>()
                .join("\n");
            crate::compare(crate::Format::Json, &same, &ours)
        };
        let (udp, syn, synfin) = (
            rec(ZERO, "0", "udp", 1),
            rec(ZERO, "2", "tcp", 1),
            rec(ZERO, "18", "tcp", 1),
        );
        let note = e
            .check(
                "offline",
                "x",
                "t-json",
                &d(&[udp.clone(), syn.clone(), synfin.clone()]),
            )
            .unwrap();
        assert!(
            note.contains("1 records only in ours, as expected: one cause"),
            "{note}"
        );
        assert!(
            note.contains("2 records only in ours, as expected: another"),
            "{note}"
        );
        // each count is exact
        assert!(e
            .check("offline", "x", "t-json", &d(&[udp.clone(), syn.clone()]))
            .is_err());
        // a record no signature describes
        let ack = rec(ZERO, "16", "tcp", 1);
        let err = e
            .check("offline", "x", "t-json", &d(&[udp, syn, synfin, ack]))
            .unwrap_err();
        assert!(err.contains("does not meet"), "{err}");
    }
}
