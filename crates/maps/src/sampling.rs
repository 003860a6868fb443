//! `sampling_map`: the sampling rate of an exporter (nfacctd) or agent (sfacctd), optionally
//! per input/output interface, as pmacct 1.7.7 reads (`load_id_file(MAP_SAMPLING)`) and
//! applies it (`NF_sampling_rate_handler`, `NF_counters_map_renormalize_handler`): the first
//! matching rule's `id` is the flow's `sampling_rate`; without a match the exported rate
//! stays; with `*_renormalize` the counters are multiplied by that rate, which is then
//! reported as 1.
//!
//! Keys: `id` (rate), `ip` (exporter address or prefix; required), `in`, `out` (a leading
//! `-` negates). pmacct accepts every pre_tag_map key here; the others are refused as
//! unknown keys (none of them is documented for sampling_map).

use std::net::IpAddr;

use pmacct_flow::flow::mask_addr;
use pmacct_flow::Flow;

use crate::{Diag, MapError, Severity};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct IfMatch {
    n: u32,
    neg: bool,
}

impl IfMatch {
    fn matches(&self, v: u32) -> bool {
        (self.n == v) != self.neg
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    rate: u32,
    net: IpAddr,
    len: u8,
    input: Option<IfMatch>,
    output: Option<IfMatch>,
    line: usize,
}

/// A loaded `sampling_map`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SamplingMap {
    v4: Vec<Rule>,
    v6: Vec<Rule>,
}

fn warn(file: &str, line: usize, msg: String) -> Diag {
    Diag {
        severity: Severity::Warn,
        err: MapError {
            file: file.to_string(),
            line,
            msg,
        },
    }
}

/// `ip=` value: an address or prefix, as pmacct's `str_to_addr_mask()`.
fn parse_prefix(v: &str) -> Option<(IpAddr, u8)> {
    let (a, l) = match v.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (v, None),
    };
    let addr: IpAddr = a.parse().ok()?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let len = match l {
        Some(l) => {
            let n: u8 = l.parse().ok()?;
            if n > max {
                return None;
            }
            n
        }
        None => max,
    };
    Some((mask_addr(addr, len), len))
}

impl SamplingMap {
    /// Parse as pmacct: words `key=value` separated by spaces; a word with a bad value logs
    /// the handler's warning and `[file:line] Line ignored.`; an unknown key logs
    /// `unknown key` and drops the line; `id` and `ip` are required. `max_entries`:
    /// `maps_entries`.
    pub fn parse(file: &str, text: &str, max_entries: usize) -> (SamplingMap, Vec<Diag>) {
        let mut m = SamplingMap::default();
        let mut diags = Vec::new();
        let mut negations = false;
        for (idx, raw) in text.lines().enumerate() {
            let line = idx + 1;
            let t = raw.trim();
            if t.is_empty() || t.starts_with('!') || t.starts_with('#') {
                continue;
            }
            if m.v4.len() + m.v6.len() >= max_entries {
                diags.push(warn(
                    file,
                    0,
                    format!("file cut to the first {max_entries} entries. Number of entries can be configured via 'maps_entries'."),
                ));
                break;
            }
            let mut rate: Option<u32> = None;
            let mut ip: Option<(IpAddr, u8)> = None;
            let (mut input, mut output) = (None, None);
            let mut err = false;
            for word in t.split_whitespace() {
                let Some((k, v)) = word.split_once('=').filter(|(k, _)| !k.is_empty()) else {
                    diags.push(warn(file, line, "malformed line. Ignored.".into()));
                    err = true;
                    break;
                };
                let ok = match k.to_ascii_lowercase().as_str() {
                    "id" | "set_tag" => {
                        if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
                            rate = v.parse().ok();
                            rate.is_some()
                        } else {
                            diags.push(warn(
                                file,
                                0,
                                "Invalid set_tag/id specified (non-digit chars).".into(),
                            ));
                            false
                        }
                    }
                    "ip" => match parse_prefix(v) {
                        Some(p) => {
                            ip = Some(p);
                            true
                        }
                        None => {
                            diags.push(warn(file, 0, format!("Bad IP address or prefix '{v}'.")));
                            false
                        }
                    },
                    key @ ("in" | "out") => {
                        let (neg, n) = match v.strip_prefix('-') {
                            Some(n) => (true, n),
                            None => (false, v),
                        };
                        if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
                            diags.push(warn(file, 0, format!("bad '{key}' value: '{n}'.")));
                            false
                        } else {
                            negations |= neg;
                            let im = IfMatch {
                                n: n.parse().unwrap_or(u32::MAX),
                                neg,
                            };
                            if key == "in" {
                                input = Some(im);
                            } else {
                                output = Some(im);
                            }
                            true
                        }
                    }
                    _ => {
                        diags.push(warn(file, line, format!("unknown key '{k}'. Ignored.")));
                        err = true;
                        break;
                    }
                };
                if !ok {
                    diags.push(warn(file, line, "Line ignored.".into()));
                    err = true;
                    break;
                }
            }
            if err {
                continue;
            }
            match (rate, ip) {
                (Some(rate), Some((net, len))) if rate != 0 => {
                    let r = Rule {
                        rate,
                        net,
                        len,
                        input,
                        output,
                        line,
                    };
                    if net.is_ipv4() {
                        m.v4.push(r);
                    } else {
                        m.v6.push(r);
                    }
                }
                _ => diags.push(warn(
                    file,
                    line,
                    "required key missing. Required keys are: 'id', 'ip'. Line ignored.".into(),
                )),
            }
        }
        if negations {
            diags.push(warn(
                file,
                0,
                "Negations not supported. Indexing disabled.".into(),
            ));
        }
        (m, diags)
    }

    /// Read and parse `path`.
    pub fn load(path: &str, max_entries: usize) -> Result<(SamplingMap, Vec<Diag>), MapError> {
        let text = crate::read(path, 64 << 20)?;
        Ok(SamplingMap::parse(path, &text, max_entries))
    }

    /// The rate of the first rule matching the exporter and interfaces.
    pub fn lookup(&self, exporter: IpAddr, in_iface: u32, out_iface: u32) -> Option<u32> {
        let rules = if exporter.is_ipv4() {
            &self.v4
        } else {
            &self.v6
        };
        rules
            .iter()
            .find(|r| {
                mask_addr(exporter, r.len) == r.net
                    && r.input.is_none_or(|m| m.matches(in_iface))
                    && r.output.is_none_or(|m| m.matches(out_iface))
            })
            .map(|r| r.rate)
    }

    pub fn len(&self) -> usize {
        self.v4.len() + self.v6.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The core stage: the map's rate, then renormalization (by the map's rate, else the
/// exported one) when `*_renormalize` is set. The core must not renormalize again.
pub struct SamplingStage {
    map: std::sync::Arc<SamplingMap>,
    renormalize: bool,
}

impl SamplingStage {
    pub fn new(map: std::sync::Arc<SamplingMap>, renormalize: bool) -> Self {
        SamplingStage { map, renormalize }
    }

    /// Swap in a reloaded map.
    pub fn set_map(&mut self, map: std::sync::Arc<SamplingMap>) {
        self.map = map;
    }

    pub fn apply(&mut self, flow: &mut Flow) -> bool {
        let p = &flow.prims;
        if let Some(exporter) = p.peer_src_ip {
            if let Some(rate) = self.map.lookup(exporter, p.in_iface, p.out_iface) {
                flow.prims.sampling_rate = rate;
            }
        }
        if self.renormalize {
            flow.renormalize();
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The warnings nfacctd 1.7.7 logs for the same file (as `[file] msg` / `[file:line] msg`).
    #[test]
    fn bad_lines_like_pmacct() {
        let text = "id=100 ip=138.187.57.55\nid=200 ip=10.0.0.0/8 in=5\nid=abc ip=1.2.3.4\nid=5\nip=1.2.3.4\nid=7 ip=1.2.3.4 foo=1\nid=8 ip=1.2.3.4 in=x\nid=9 ip=zz\nid=10 ip=1.2.3.4 out=-3\n";
        let (m, d) = SamplingMap::parse("s.map", text, 384);
        let got: Vec<String> = d.iter().map(|d| d.err.to_string()).collect();
        assert_eq!(
            got,
            vec![
                "[s.map] Invalid set_tag/id specified (non-digit chars).",
                "[s.map:3] Line ignored.",
                "[s.map:4] required key missing. Required keys are: 'id', 'ip'. Line ignored.",
                "[s.map:5] required key missing. Required keys are: 'id', 'ip'. Line ignored.",
                "[s.map:6] unknown key 'foo'. Ignored.",
                "[s.map] bad 'in' value: 'x'.",
                "[s.map:7] Line ignored.",
                "[s.map] Bad IP address or prefix 'zz'.",
                "[s.map:8] Line ignored.",
                "[s.map] Negations not supported. Indexing disabled.",
            ]
        );
        assert_eq!(m.len(), 3);
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(m.lookup(ip("138.187.57.55"), 0, 0), Some(100));
        assert_eq!(m.lookup(ip("10.1.1.1"), 5, 0), Some(200));
        assert_eq!(m.lookup(ip("10.1.1.1"), 6, 0), None);
        assert_eq!(m.lookup(ip("1.2.3.4"), 0, 3), None);
        assert_eq!(m.lookup(ip("1.2.3.4"), 0, 4), Some(10));
    }
}
