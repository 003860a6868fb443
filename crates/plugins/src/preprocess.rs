//! `sql_preprocess` / `sql_preprocess_type` as pmacct 1.7.7's SQL plugins apply them to a
//! purge (its `preprocess.c`): a `qnum` conditional, checks that keep an entry (`any`: one
//! passes; `all`: every one passes) and actions on the kept entries' counters; and
//! `print_preprocess` / `print_preprocess_type`, for which 1.7.7 knows only the `minp`,
//! `minf`, `minb`, `minbpp` and `minppf` checks (any other keyword is warned about and
//! ignored, `fsrc` and `recover` included: they are not refused there). The value
//! widths are 1.7.7's (`minp` is 16 bits: `minp=70000` is 4464), values are read as C's
//! `atoi()`, a zero value disables its clause with 1.7.7's warning. A zero packet count,
//! which crashes 1.7.7 in the per-packet ratios, fails the check here.
//!
//! Not here: `fsrc` (random flow sampling, seeded from the clock per entry in 1.7.7) and
//! `recover` (filtered entries to the recovery backend): refused at start-up.

use pmacct_config::c_atoi;
use pmacct_flow::cache::Entry;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Check {
    MinP(u16),
    MinF(u16),
    MinB(u32),
    MaxP(u16),
    MaxF(u16),
    MaxB(u32),
    MaxBpp(u16),
    MaxPpf(u16),
    MinBpp(u16),
    MinPpf(u16),
    Fss(u32),
}

/// Which plugin family's keywords are known (1.7.7's `PREP_DICT_SQL` / `PREP_DICT_PRINT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dictionary {
    Sql,
    Print,
}

impl Dictionary {
    fn knows(self, key: &str) -> bool {
        match self {
            Dictionary::Sql => true,
            Dictionary::Print => matches!(key, "minp" | "minf" | "minb" | "minbpp" | "minppf"),
        }
    }
}

/// The last warning when nothing is left to check (1.7.7 logs it as an error).
pub const NO_CHECKS: &str = "preprocess: does not contain any checks. Ignored.";

/// A parsed `sql_preprocess` (or `print_preprocess`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Preprocess {
    qnum: u32,
    /// In 1.7.7's evaluation order.
    checks: Vec<Check>,
    usrf: i32,
    adjb: i32,
    /// `sql_preprocess_type: all`.
    all: bool,
    /// The aggregate has `flows`: 1.7.7 counts flows (`flo_num`) only then, so `minf`,
    /// `maxf`, `minppf` and `maxppf` see 0 flows otherwise.
    flows_counted: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Committed,
    Invalid,
    Free,
}

impl Preprocess {
    /// Parse the key's value; `Ok(None)` when 1.7.7 would ignore it all (warnings pushed).
    pub fn parse(
        value: &str,
        kind: Option<&str>,
        dict: Dictionary,
        warnings: &mut Vec<String>,
    ) -> Result<Option<Preprocess>, String> {
        let mut p = Preprocess {
            all: kind.is_some_and(|k| k.to_ascii_lowercase().starts_with("all")),
            ..Default::default()
        };
        let (mut minp, mut minf, mut minb, mut maxp, mut maxf, mut maxb) = (0, 0, 0, 0, 0, 0);
        let (mut maxbpp, mut maxppf, mut minbpp, mut minppf, mut fss) = (0, 0, 0, 0, 0);
        let text: String = value.chars().filter(|c| !c.is_whitespace()).collect();
        for token in text.split(',').filter(|t| !t.is_empty()) {
            let Some((key, val)) = token.split_once('=') else {
                warnings.push("preprocess: malformed input string. Ignored.".into());
                return Ok(None);
            };
            let key = key.to_ascii_lowercase();
            if !dict.knows(&key) {
                warnings.push(format!("preprocess: unknown keyword {key}. Ignored."));
                continue;
            }
            // atoi(): an int.
            let n = i64::from(c_atoi(val).0 as i32);
            let warn_zero = |w: &mut Vec<String>, v: i64| {
                if v == 0 {
                    w.push(format!("preprocess: invalid '{key}' value."));
                }
            };
            match key.as_str() {
                "qnum" => {
                    p.qnum = n as u32;
                    warn_zero(warnings, i64::from(p.qnum));
                }
                "minp" | "minf" | "maxp" | "maxf" | "maxbpp" | "maxppf" | "minbpp" | "minppf" => {
                    let v = n as u16;
                    warn_zero(warnings, i64::from(v));
                    *match key.as_str() {
                        "minp" => &mut minp,
                        "minf" => &mut minf,
                        "maxp" => &mut maxp,
                        "maxf" => &mut maxf,
                        "maxbpp" => &mut maxbpp,
                        "maxppf" => &mut maxppf,
                        "minbpp" => &mut minbpp,
                        _ => &mut minppf,
                    } = v;
                }
                "minb" | "maxb" | "fss" => {
                    let v = n as u32;
                    warn_zero(warnings, i64::from(v));
                    match key.as_str() {
                        "minb" => minb = v,
                        "maxb" => maxb = v,
                        _ => fss = v,
                    }
                }
                "usrf" => {
                    p.usrf = n as i32;
                    warn_zero(warnings, i64::from(p.usrf));
                }
                "adjb" => {
                    p.adjb = n as i32;
                    warn_zero(warnings, i64::from(p.adjb));
                }
                "fsrc" if n as u32 != 0 => {
                    return Err("'sql_preprocess': 'fsrc' (random flow sampling under resource constraints) is not supported by pmacct-rs.".into())
                }
                "recover" if n as u8 != 0 => {
                    return Err("'sql_preprocess': 'recover' (filtered entries to the recovery backend) is not supported by pmacct-rs.".into())
                }
                "fsrc" | "recover" => warnings.push(format!("preprocess: invalid '{key}' value.")),
                _ => warnings.push(format!("preprocess: unknown keyword {key}. Ignored.")),
            }
        }
        use Check::*;
        let all: [(bool, Check); 11] = [
            (minp != 0, MinP(minp)),
            (minf != 0, MinF(minf)),
            (minb != 0, MinB(minb)),
            (maxp != 0, MaxP(maxp)),
            (maxf != 0, MaxF(maxf)),
            (maxb != 0, MaxB(maxb)),
            (maxbpp != 0, MaxBpp(maxbpp)),
            (maxppf != 0, MaxPpf(maxppf)),
            (minbpp != 0, MinBpp(minbpp)),
            (minppf != 0, MinPpf(minppf)),
            (fss != 0, Fss(fss)),
        ];
        p.checks = all.iter().filter(|(on, _)| *on).map(|(_, c)| *c).collect();
        if p.checks.is_empty() && p.usrf == 0 && p.adjb == 0 {
            warnings.push(NO_CHECKS.into());
            return Ok(None);
        }
        Ok(Some(p))
    }

    /// For a plugin aggregating `aggregate` (whether flows are counted).
    pub fn for_aggregate(mut self, aggregate: &pmacct_flow::Aggregate) -> Preprocess {
        self.flows_counted = aggregate.contains(pmacct_flow::Primitive::Flows);
        self
    }

    fn flows(&self, e: &Entry) -> u64 {
        if self.flows_counted {
            e.flows
        } else {
            0
        }
    }

    /// Apply to a purge's entries: the kept ones, their counters adjusted, in order.
    pub fn apply(&self, entries: &[Entry], out: &mut Vec<Entry>) {
        out.clear();
        out.extend_from_slice(entries);
        let n = out.len();
        // cond_qnum: the rest runs only for more than qnum entries.
        if self.qnum != 0 && n <= self.qnum as usize {
            return;
        }
        let mut state = vec![State::Committed; n];
        let mut points = vec![0usize; n];
        if !self.checks.is_empty() {
            state.fill(State::Invalid);
        }
        for (k, check) in self.checks.iter().enumerate() {
            if matches!(check, Check::MaxPpf(_) | Check::MinPpf(_))
                && out.first().is_some_and(|e| self.flows(e) == 0)
            {
                // 1.7.7 skips the whole check when the first entry has no flows.
                continue;
            }
            let mut fss_p = 0f32;
            for x in 0..n {
                if state[x] == State::Free {
                    continue;
                }
                let e = &mut out[x];
                let flows = self.flows(e);
                let pass = match *check {
                    Check::MinP(v) => e.packets >= u64::from(v),
                    Check::MinF(v) => flows >= u64::from(v),
                    Check::MinB(v) => e.bytes >= u64::from(v),
                    Check::MaxP(v) => e.packets < u64::from(v),
                    Check::MaxF(v) => flows < u64::from(v),
                    Check::MaxB(v) => e.bytes < u64::from(v),
                    Check::MaxBpp(v) => e
                        .bytes
                        .checked_div(e.packets)
                        .is_some_and(|r| r < u64::from(v)),
                    Check::MaxPpf(v) => e
                        .packets
                        .checked_div(flows)
                        .is_some_and(|r| r < u64::from(v)),
                    Check::MinBpp(v) => e
                        .bytes
                        .checked_div(e.packets)
                        .is_some_and(|r| r >= u64::from(v)),
                    Check::MinPpf(v) => e
                        .packets
                        .checked_div(flows)
                        .is_some_and(|r| r >= u64::from(v)),
                    Check::Fss(t) => {
                        // Flow size dependent sampling, renormalized to the threshold.
                        let res = e.bytes as f32 / t as f32;
                        if res < 1.0 {
                            fss_p += res;
                        }
                        let pass = fss_p >= 1.0 || res >= 1.0;
                        if pass {
                            if e.bytes < u64::from(t) {
                                let bpratio = e.bytes.checked_div(e.packets).unwrap_or(0) as u16;
                                e.bytes = u64::from(t);
                                if bpratio != 0 {
                                    e.packets = e.bytes / u64::from(bpratio);
                                }
                            }
                            if fss_p >= 1.0 {
                                fss_p -= 1.0;
                            }
                        }
                        pass
                    }
                };
                if pass {
                    points[x] += 1;
                }
                state[x] = if self.all {
                    if points[x] == k + 1 {
                        State::Committed
                    } else {
                        State::Free
                    }
                } else if points[x] > 0 {
                    State::Committed
                } else {
                    state[x]
                };
            }
        }
        for (e, s) in out.iter_mut().zip(&state) {
            if *s != State::Committed {
                continue;
            }
            if self.usrf != 0 {
                let bpratio = e.bytes.checked_div(e.packets).unwrap_or(0) as u16;
                e.bytes = e.bytes.wrapping_mul(self.usrf as u32 as u64);
                if bpratio != 0 {
                    e.packets = e.bytes / u64::from(bpratio);
                }
            }
            if self.adjb != 0 {
                e.bytes = e
                    .bytes
                    .wrapping_add(e.packets.wrapping_mul(i64::from(self.adjb) as u64));
            }
        }
        let mut i = 0;
        out.retain(|_| {
            i += 1;
            state[i - 1] == State::Committed
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(v: &str, kind: Option<&str>) -> (Result<Option<Preprocess>, String>, Vec<String>) {
        let mut w = Vec::new();
        (Preprocess::parse(v, kind, Dictionary::Sql, &mut w), w)
    }

    #[test]
    fn widths_zeros_and_refusals_as_1_7_7() {
        // minp is 16 bits in 1.7.7: 65536 is 0, a warning, and no check left.
        let (p, w) = parse("minp=65536", None);
        assert_eq!(p, Ok(None));
        assert_eq!(
            w,
            [
                "preprocess: invalid 'minp' value.",
                "preprocess: does not contain any checks. Ignored."
            ]
        );
        let (p, _) = parse(" MINP = 70000 , bogus=1", Some("ALL"));
        let p = p.unwrap().unwrap();
        assert_eq!(p.checks, [Check::MinP(4464)]);
        assert!(p.all);
        assert!(parse("fsrc=10", None).0.is_err());
        assert!(parse("minb=1, recover=1", None).0.is_err());
        assert_eq!(parse("minb", None).0, Ok(None));
    }

    #[test]
    fn print_knows_only_the_min_checks() {
        let mut w = Vec::new();
        let p = Preprocess::parse(
            "minp=5, maxp=3, qnum=2, fsrc=3, recover=1, usrf=2",
            Some("all"),
            Dictionary::Print,
            &mut w,
        );
        assert_eq!(p.unwrap().unwrap().checks, [Check::MinP(5)]);
        let unknown = |k: &str| format!("preprocess: unknown keyword {k}. Ignored.");
        let want: Vec<String> = ["maxp", "qnum", "fsrc", "recover", "usrf"]
            .iter()
            .map(|k| unknown(k))
            .collect();
        assert_eq!(w, want);
        w.clear();
        let p = Preprocess::parse("maxb=10", None, Dictionary::Print, &mut w);
        assert_eq!(p, Ok(None));
        assert_eq!(w, [unknown("maxb"), NO_CHECKS.to_string()]);
    }

    #[test]
    fn any_all_and_actions() {
        let e = crate::sql::tests::entry(&crate::sql::tests::agg("src_host"));
        let mk = |packets, bytes| {
            let mut x = e;
            x.packets = packets;
            x.bytes = bytes;
            x
        };
        let entries = [mk(1, 40), mk(3, 3000), mk(10, 400), mk(0, 0)];
        let mut out = Vec::new();
        let (p, _) = parse("minp=3, minb=1000", Some("any"));
        p.unwrap().unwrap().apply(&entries, &mut out);
        assert_eq!(out.iter().map(|e| e.bytes).collect::<Vec<_>>(), [3000, 400]);
        let (p, _) = parse("minp=3, minb=1000", Some("all"));
        p.unwrap().unwrap().apply(&entries, &mut out);
        assert_eq!(out.iter().map(|e| e.bytes).collect::<Vec<_>>(), [3000]);
        // usrf: bytes x3, packets = bytes / (old bytes per packet); adjb: bytes + packets x adjb.
        let (p, _) = parse("usrf=3, adjb=-4", None);
        p.unwrap().unwrap().apply(&entries[..2], &mut out);
        assert_eq!((out[0].packets, out[0].bytes), (3, 108));
        assert_eq!((out[1].packets, out[1].bytes), (9, 8964));
        // qnum: no more than 4 entries, nothing applied.
        let (p, _) = parse("qnum=4, minp=100", None);
        p.unwrap().unwrap().apply(&entries, &mut out);
        assert_eq!(out.len(), 4);
    }
}

/// `*_preprocess` and `*_trigger_exec` of the plugins 1.7.7 treats alike (print, kafka,
/// amqp): its `P_init_default_values()` reads the preprocess value with print's dictionary
/// for all of them, and each plugin's purge runs `P_trigger_exec()` (no variables) at its
/// end unless the purge was urgent (`safe_action`). The aggregating core applies them
/// ([`crate::aggregating`]); the SQL plugins have their own rules.
#[derive(Debug, Clone, Default)]
pub struct PurgeHooks {
    pub preprocess: Option<Preprocess>,
    /// 1.7.7's start-up lines about the preprocess value (see [`PurgeHooks::log_warnings`]).
    pub warnings: Vec<String>,
    /// The key's name (for its log lines) and the program.
    pub trigger_exec: Option<(&'static str, String)>,
}

impl PurgeHooks {
    /// Read `pre` (with `pre_type`) and `trigger` from a plugin's scope.
    pub fn read(
        scope: &pmacct_config::Scope,
        aggregate: &pmacct_flow::Aggregate,
        pre: pmacct_config::Key,
        pre_type: pmacct_config::Key,
        trigger: pmacct_config::Key,
    ) -> Result<PurgeHooks, String> {
        let mut warnings = Vec::new();
        let preprocess = match scope.str(pre) {
            Some(v) => Preprocess::parse(v, scope.str(pre_type), Dictionary::Print, &mut warnings)?
                .map(|p| p.for_aggregate(aggregate)),
            None => None,
        };
        Ok(PurgeHooks {
            preprocess,
            warnings,
            trigger_exec: scope.str(trigger).map(|t| (trigger.name(), t.to_string())),
        })
    }

    /// The warnings as 1.7.7 logs them (the last one, nothing left to check, as an error).
    pub fn log_warnings(&self, log: &crate::log::PluginLog) {
        for w in &self.warnings {
            let level = if w == NO_CHECKS {
                crate::log::Level::Error
            } else {
                crate::log::Level::Warn
            };
            log.log(level, w);
        }
    }
}
