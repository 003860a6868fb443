//! The documented list of differences we expect because pmacct 1.7.7 is wrong
//! (compat-tests/expected-differences.txt). An entry is a claim that is checked both ways:
//! a case it covers must show exactly that difference, so a stale entry fails too.

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
}

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
    pub fn parse(text: &str) -> Result<Expected, String> {
        let mut entries = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut f: Vec<&str> = Vec::new();
            let mut rest = line;
            while f.len() < 5 {
                let r = rest.trim_start();
                let end = r.find(char::is_whitespace).unwrap_or(r.len());
                f.push(&r[..end]);
                rest = &r[end..];
            }
            f.push(rest.trim());
            let f: Vec<&str> = f.into_iter().filter(|x| !x.is_empty()).collect();
            let bad = || format!("line {}: {line}", i + 1);
            if f.len() < 6 || !["pmacct", "ours"].contains(&f[3]) {
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
                side: f[3].into(),
                count,
                reason: f[5].trim().into(),
            });
        }
        Ok(Expected { entries })
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
        for (side, got) in [("pmacct", diff.count_pmacct()), ("ours", diff.count_ours())] {
            let e = self.entries.iter().find(|e| {
                e.side == side
                    && glob(&e.mode, mode)
                    && glob(&e.input, input)
                    && glob(&e.config, config)
            });
            match (e, got) {
                (None, 0) => {}
                (None, n) => return Err(format!("{n} records only in {side}")),
                (Some(e), n) => {
                    let ok = match e.count {
                        Some(c) => c == n,
                        None => n > 0,
                    };
                    if !ok {
                        let want = e.count.map_or("some".to_string(), |c| c.to_string());
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
        Ok(if notes.is_empty() {
            format!("{} records, identical", diff.records.0)
        } else {
            notes.join("; ")
        })
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
}
