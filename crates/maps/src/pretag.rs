//! `pre_tag_map`: rules that set `tag`, `tag2` and `label` on flows, as pmacct 1.7.7 reads and
//! evaluates them (`load_id_file()` / `*_find_id()`), plus the per-plugin `pre_tag_filter`,
//! `pre_tag2_filter` and `pre_tag_label_filter`.
//!
//! Reading follows pmacct line by line: a line is split into `key=value` words (spaces outside
//! `'quotes'` separate words), each key has a handler that validates its value, and a line with
//! any bad word is logged and ignored; the daemon still starts. Lines without `ip=` are stored
//! twice (an IPv4 and an IPv6 copy), rules are kept in file order within each family, and
//! `jeq` jumps are resolved forward only. Evaluation walks the rules of the exporter's family:
//! the first matching rule wins unless it jumps (`jeq`), labels of successive matches are
//! joined with `,`, and `stack` accumulates tags.

use std::cell::Cell;
use std::net::IpAddr;

use pmacct_flow::bpf::{self, BpfFilter, Synth, FRAME_MAX};
use pmacct_flow::label::{self, LabelId};
use pmacct_flow::producer::packet::dlt;
use pmacct_flow::{Flow, FlowType};

use crate::{Diag, MapError, Severity};

/// Which daemon reads the map: the valid keys and what they match differ (pmacct's
/// `acct_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Daemon {
    Nfacctd,
    Sfacctd,
    Pmacctd,
}

impl Daemon {
    fn progname(self) -> &'static str {
        match self {
            Daemon::Nfacctd => "nfacctd",
            Daemon::Sfacctd => "sfacctd",
            Daemon::Pmacctd => "pmacctd",
        }
    }
}

/// What reading a map depends on besides its text.
#[derive(Debug, Clone)]
pub struct Options {
    pub daemon: Daemon,
    /// `maps_entries` (pmacct default 384): rows kept, the rest is cut with a warning.
    pub max_entries: usize,
    /// `maps_row_len` (pmacct default 256): longer lines are ignored with a warning.
    pub row_len: usize,
    /// A `networks_file` is configured: `nfacctd_net`/`nfacctd_as` then do not default to the
    /// exported values, and `bgp_nexthop`/`src_as`/`dst_as` rules are refused as in pmacct.
    pub networks_file: bool,
    /// Link type of pmacctd's captured frames when they are Linux cooked (SLL, 113): its
    /// `filter=` programs are then compiled for SLL and run on a rebuilt SLL frame, as 1.7.7
    /// runs them on the captured one (libpcap's `vlan` and `ip` tests read SLL's protocol
    /// field). 0 (or any other link type): Ethernet.
    pub frame_linktype: u32,
    /// `pre_tag_label_encode_as_map` (pmacct 1.7.8+): `set_label` may hold commas (its
    /// `key%value` pairs), which 1.7.7 refuses; a pair made of `%` only is refused.
    pub label_encode_as_map: bool,
}

impl Options {
    pub fn new(daemon: Daemon) -> Options {
        Options {
            daemon,
            max_entries: 384,
            row_len: 256,
            networks_file: false,
            frame_linktype: 0,
            label_encode_as_map: false,
        }
    }
}

/// Entry labels (`label=`, `jeq=`) are cut to this length minus one, as pmacct's.
const MAX_LABEL_LEN: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SampleType {
    /// Any traffic flow (pmacct's PM_FTYPE_TRAFFIC range).
    Traffic,
    Ipv4,
    Ipv6,
    Event,
    Option,
    /// sFlow `<enterprise>:<format>`.
    Sflow(u32),
}

/// One match condition of a rule. `neg` inverts it (`in=-3`).
enum Cond {
    In(u32, bool),
    Out(u32, bool),
    EngineType(u8, bool),
    EngineId(u32, bool),
    NextHop(IpAddr, bool),
    BgpNextHop(IpAddr, bool),
    Filter(BpfFilter),
    AgentId(u32, bool),
    SampleType(SampleType, bool),
    Direction(u8, bool),
    NatEvent(u8, bool),
    SrcAs(u32, bool),
    DstAs(u32, bool),
    MplsPwId(u32, bool),
    SrcMac([u8; 6], bool),
    DstMac([u8; 6], bool),
    Vlan(u16, bool),
    Cvlan(u16, bool),
    SrcNet(IpAddr, u8, bool),
    DstNet(IpAddr, u8, bool),
    IsMulticast(bool, bool),
    FwdStatus(u8, bool),
    IsBiFlow(bool, bool),
    /// Matched against the BGP RIB, which pmacct-rs does not have: never matches.
    BgpRib(bool),
}

/// The tagging actions of a rule, in the order they were written (the order decides which
/// value wins when one rule sets both tags, as in pmacct).
#[derive(Debug, Clone)]
enum Set {
    Tag,
    Tag2,
    Label,
    Tos(u8),
}

#[derive(Debug, Clone, Copy)]
enum Stack {
    Sum,
    Or,
}

struct Rule {
    /// `ip=`: exporter (nfacctd) / agent (sfacctd) address and prefix length.
    agent: (IpAddr, u8),
    conds: Vec<Cond>,
    sets: Vec<Set>,
    tag: Cell<u64>,
    tag_inc: bool,
    tag2: Cell<u64>,
    tag2_inc: bool,
    label: String,
    entry_label: String,
    jeq: Option<String>,
    /// Index (within the family's rules) `jeq` jumps to, resolved after reading.
    jeq_to: Option<usize>,
    stack: Option<Stack>,
    /// 1-based line the rule came from (diagnostics, tests).
    pub line: usize,
}

/// Ethernet, or SLL for pmacctd's Linux cooked captures (see [`Options::frame_linktype`]).
fn frame_linktype(o: &Options) -> u32 {
    if o.frame_linktype == dlt::LINUX_SLL {
        dlt::LINUX_SLL
    } else {
        dlt::EN10MB
    }
}

/// A `filter=` rule: a libpcap program (not optimized, as pmacct compiles map filters).
fn compile_filter(expr: &str, frame_linktype: u32) -> Result<BpfFilter, String> {
    BpfFilter::compile(expr, frame_linktype, false)
}

/// A loaded pre_tag_map.
pub struct PreTagMap {
    pub path: String,
    v4: Vec<Rule>,
    v6: Vec<Rule>,
    has_filter: bool,
    /// Link type the `filter=` programs were compiled for (frames are rebuilt for it).
    frame_linktype: u32,
    /// Per family: rule positions by exact exporter address (`ip=` of a single host), and the
    /// positions of every other rule. The walk visits only the rules that can match the
    /// exporter, in file order, so results equal the plain walk's on maps of any size.
    idx4: AgentIndex,
    idx6: AgentIndex,
}

#[derive(Default)]
struct AgentIndex {
    hosts: std::collections::HashMap<IpAddr, Vec<usize>>,
    others: Vec<usize>,
}

impl AgentIndex {
    fn build(rules: &[Rule]) -> AgentIndex {
        let mut ix = AgentIndex::default();
        for (i, r) in rules.iter().enumerate() {
            let host = if r.agent.0.is_ipv4() { 32 } else { 128 };
            if r.agent.1 == host {
                ix.hosts.entry(r.agent.0).or_default().push(i);
            } else {
                ix.others.push(i);
            }
        }
        ix
    }

    /// The first candidate position at or after `x` for `exporter`.
    fn next(&self, exporter: Option<IpAddr>, x: usize) -> Option<usize> {
        let first = |v: &[usize]| v.get(v.partition_point(|&p| p < x)).copied();
        let o = first(&self.others);
        let h = exporter
            .and_then(|a| self.hosts.get(&a))
            .and_then(|v| first(v));
        match (o, h) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

/// The outcome of reading a map: the map (absent only if the file could not be read) and the
/// log lines pmacct would have written while reading it.
pub struct Loaded {
    pub map: Result<PreTagMap, MapError>,
    pub diags: Vec<Diag>,
    /// The text the map was read from (to hand to other threads that parse it again).
    pub text: Option<String>,
}

fn diag(diags: &mut Vec<Diag>, sev: Severity, file: &str, line: usize, msg: String) {
    diags.push(Diag {
        severity: sev,
        err: MapError {
            file: file.to_string(),
            line,
            msg,
        },
    });
}

/// Read `path` (bounded) and parse it.
pub fn load(path: &str, opts: &Options) -> Loaded {
    let mut diags = Vec::new();
    diag(
        &mut diags,
        Severity::Info,
        path,
        0,
        "(re)loading map.".into(),
    );
    // Large enough for maps_entries rows of maps_row_len, bounded for a wrong path.
    let cap = (opts.max_entries as u64)
        .saturating_mul(opts.row_len as u64 + 1)
        .clamp(1 << 20, 1 << 30);
    let text = match std::fs::metadata(path) {
        Ok(_) => crate::read(path, cap),
        Err(_) => Err(MapError {
            file: path.to_string(),
            line: 0,
            msg: "file not found.".into(),
        }),
    };
    match text {
        Ok(t) => {
            let map = parse(path, &t, opts, &mut diags);
            diag(
                &mut diags,
                Severity::Info,
                path,
                0,
                "map successfully (re)loaded.".into(),
            );
            Loaded {
                map: Ok(map),
                diags,
                text: Some(t),
            }
        }
        Err(e) => {
            diag(&mut diags, Severity::Warn, path, 0, e.msg.clone());
            Loaded {
                map: Err(e),
                diags,
                text: None,
            }
        }
    }
}

/// pmacct reads rows with `fgets(buf, row_len)`: a longer line is read in pieces, the first
/// ignored as "too long" and the rest read as further lines. Yields (line number, piece,
/// ended-with-newline).
fn rows(text: &str, row_len: usize) -> Vec<(usize, &str, bool)> {
    let mut out = Vec::new();
    let max = row_len.saturating_sub(1).max(1);
    let mut rest = text;
    let mut n = 0;
    while !rest.is_empty() {
        n += 1;
        let nl = rest.find('\n');
        let line_end = nl.map_or(rest.len(), |i| i + 1);
        if line_end > max {
            // Cut on a char boundary at or below `max` bytes.
            let mut cut = max;
            while !rest.is_char_boundary(cut) {
                cut -= 1;
            }
            if cut == 0 {
                cut = rest.chars().next().map_or(1, char::len_utf8);
            }
            out.push((n, &rest[..cut], false));
            rest = &rest[cut..];
        } else {
            out.push((n, &rest[..line_end], nl.is_some()));
            rest = &rest[line_end..];
        }
    }
    out
}

fn is_space(c: char) -> bool {
    c.is_ascii_whitespace()
}

/// pmacct's `mark_columns()` + `trim_all_spaces()` + `strip_quotes()`: words separated by
/// `|`, spaces inside quotes kept, quotes removed.
pub(crate) fn normalize(row: &str) -> String {
    let mut out = String::with_capacity(row.len());
    let mut quotes = false;
    let mut word = false;
    for c in row.chars() {
        if c == '\'' {
            quotes = !quotes;
            continue;
        }
        if !is_space(c) {
            word = true;
            out.push(c);
        } else if quotes {
            out.push(c);
        } else if word {
            out.push('|');
            word = false;
        }
    }
    while out.ends_with('|') {
        out.pop();
    }
    out
}

/// Split a normalized row into `(key, value)` pairs as pmacct's loop does. `Err` is a
/// malformed line. A trailing `key=` without value is silently dropped (as in pmacct).
pub(crate) fn split_pairs(buf: &str) -> Result<Vec<(&str, &str)>, ()> {
    let mut pairs = Vec::new();
    for word in buf.split('|').filter(|w| !w.is_empty()) {
        match word.find('=') {
            // pmacct skips a leading '=' when looking for the key's end.
            Some(0) => match word[1..].find('=') {
                Some(i) => {
                    let (k, v) = (&word[..i + 1], &word[i + 2..]);
                    if v.is_empty() {
                        continue;
                    }
                    pairs.push((k, v));
                }
                None => return Err(()),
            },
            Some(i) => {
                let (k, v) = (&word[..i], &word[i + 1..]);
                if v.is_empty() {
                    continue;
                }
                pairs.push((k, v));
            }
            None => return Err(()),
        }
    }
    Ok(pairs)
}

/// A rule being read, before validation.
#[derive(Default)]
struct Draft {
    agent: Option<(IpAddr, u8)>,
    conds: Vec<Cond>,
    kinds: Vec<&'static str>,
    sets: Vec<Set>,
    tag: u64,
    tag_inc: bool,
    tag2: u64,
    tag2_inc: bool,
    label: String,
    entry_label: String,
    jeq: Option<String>,
    stack: Option<Stack>,
}

fn neg<'a>(v: &'a str, has_neg: &mut bool) -> (bool, &'a str) {
    match v.strip_prefix('-') {
        Some(rest) => {
            *has_neg = true;
            (true, rest)
        }
        None => (false, v),
    }
}

/// C `atoi`/`strtoul`: leading digits, 0 if none; saturating.
fn c_num(v: &str) -> u64 {
    let mut n: u64 = 0;
    for b in v.bytes() {
        if !b.is_ascii_digit() {
            break;
        }
        n = n.saturating_mul(10).saturating_add(u64::from(b - b'0'));
    }
    n
}

fn all_digits(v: &str) -> bool {
    v.bytes().all(|b| b.is_ascii_digit())
}

fn parse_mac(v: &str) -> Option<[u8; 6]> {
    let mut m = [0u8; 6];
    let mut parts = v.split(':');
    for b in &mut m {
        let p = parts.next()?;
        if p.is_empty() || p.len() > 2 {
            return None;
        }
        *b = u8::from_str_radix(p, 16).ok()?;
    }
    if parts.next().is_some() {
        return None;
    }
    Some(m)
}

/// `a.b.c.d[/n]` or IPv6 with optional prefix length, address masked to the prefix.
fn parse_prefix(v: &str) -> Option<(IpAddr, u8)> {
    let (a, m) = match v.split_once('/') {
        Some((a, m)) => (a, Some(m)),
        None => (v, None),
    };
    let addr: IpAddr = a.parse().ok()?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let len = match m {
        Some(m) => {
            let n = c_num(m);
            if n > max {
                return None;
            }
            n as u8
        }
        None => max as u8,
    };
    Some((pmacct_flow::flow::mask_addr(addr, len), len))
}

fn parse_bool(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// A key's handler outcome: `Err(Some(msg))` logs `msg` then "Line ignored.", `Err(None)`
/// only "Line ignored.".
type HandlerResult = Result<(), Option<String>>;

impl Draft {
    fn cond(&mut self, kind: &'static str, c: Option<Cond>) -> HandlerResult {
        if self.kinds.contains(&kind) {
            return Err(Some(format!(
                "Multiple '{kind}' clauses part of the same statement."
            )));
        }
        // Keys valid for another daemon are accepted and do nothing (pmacct leaves the
        // handler unset).
        if let Some(c) = c {
            self.kinds.push(kind);
            self.conds.push(c);
        }
        Ok(())
    }

    fn set(&mut self, kind: &'static str, s: Set) -> HandlerResult {
        if self.kinds.contains(&kind) {
            return Err(Some(format!(
                "Multiple '{kind}' clauses part of the same statement."
            )));
        }
        self.kinds.push(kind);
        self.sets.push(s);
        Ok(())
    }

    fn handle(
        &mut self,
        key: &str,
        value: &str,
        o: &Options,
        has_neg: &mut bool,
    ) -> Option<HandlerResult> {
        use Daemon::*;
        let d = o.daemon;
        let nf = d == Nfacctd;
        let nf_sf = matches!(d, Nfacctd | Sfacctd);
        let r = match key {
            "id" | "set_tag" | "id2" | "set_tag2" => {
                let two = key.ends_with('2');
                let (v, inc) = match value.find("++") {
                    Some(i) => (&value[..i], true),
                    None => (value, false),
                };
                if !all_digits(v) {
                    let what = if two { "set_tag2/id2" } else { "set_tag/id" };
                    return Some(Err(Some(format!(
                        "Invalid {what} specified (non-digit chars)."
                    ))));
                }
                let n = c_num(v);
                if two {
                    self.tag2 = n;
                    self.tag2_inc = inc;
                    self.set("set_tag2' (id2", Set::Tag2).map_err(|_| {
                        Some("Multiple 'set_tag2' (id2) clauses part of the same statement.".into())
                    })
                } else {
                    self.tag = n;
                    self.tag_inc = inc;
                    self.set("set_tag' (id", Set::Tag).map_err(|_| {
                        Some("Multiple 'set_tag' (id) clauses part of the same statement.".into())
                    })
                }
            }
            "set_label" => {
                if o.label_encode_as_map {
                    // 1.7.8+ checks each non-empty comma-separated pair lightly: strtok on
                    // '%' finds nothing only in a pair made of '%' characters.
                    if value
                        .split(',')
                        .any(|p| !p.is_empty() && p.chars().all(|c| c == '%'))
                    {
                        return Some(Err(Some(
                            "Missing pretag_label_encode_as_map separator.".into(),
                        )));
                    }
                } else if value.contains(',') {
                    return Some(Err(Some("Invalid set_label specified.".into())));
                }
                self.label = value.to_string();
                self.set("set_label", Set::Label)
            }
            "set_tos" => {
                if !all_digits(value) {
                    return Some(Err(Some(format!("bad 'set_tos' value: '{value}'."))));
                }
                let n = c_num(value) as u8;
                if self.kinds.contains(&"set_tos") {
                    return Some(Err(Some(
                        "Multiple 'set_tos' clauses part of the same statement.".into(),
                    )));
                }
                if nf {
                    self.set("set_tos", Set::Tos(n))
                } else {
                    Ok(())
                }
            }
            "ip" => match parse_prefix(value) {
                None => Err(Some(format!("Bad IP address or prefix '{value}'."))),
                Some(p) => {
                    if self.agent.is_some() {
                        Err(Some(
                            "Multiple 'ip' clauses part of the same statement.".into(),
                        ))
                    } else {
                        self.agent = Some(p);
                        Ok(())
                    }
                }
            },
            "in" | "out" => {
                let (n, v) = neg(value, has_neg);
                if !all_digits(v) {
                    return Some(Err(Some(format!("bad '{key}' value: '{v}'."))));
                }
                let x = c_num(v) as u32;
                if key == "in" {
                    self.cond("input", Some(Cond::In(x, n)))
                } else {
                    self.cond("output", Some(Cond::Out(x, n)))
                }
            }
            "engine_type" => {
                let (n, v) = neg(value, has_neg);
                if !all_digits(v) {
                    return Some(Err(Some(format!("bad 'engine_type' value: '{v}'."))));
                }
                let x = c_num(v);
                if x > 255 {
                    return Some(Err(Some(
                        "bad 'engine_type' value (range: 0 >= value > 256).".into(),
                    )));
                }
                self.cond("engine_type", nf.then_some(Cond::EngineType(x as u8, n)))
            }
            "engine_id" | "source_id" => {
                let (n, v) = neg(value, has_neg);
                if !all_digits(v) {
                    return Some(Err(Some(format!(
                        "bad 'engine_id' or 'source_id' value: '{v}'."
                    ))));
                }
                let x = c_num(v) as u32;
                self.cond("engine_id", nf.then_some(Cond::EngineId(x, n)))
            }
            "nexthop" => {
                let (n, v) = neg(value, has_neg);
                match v.parse::<IpAddr>() {
                    Err(_) => Err(Some(format!("Bad nexthop address '{v}'."))),
                    Ok(a) => self.cond("nexthop", nf_sf.then_some(Cond::NextHop(a, n))),
                }
            }
            "bgp_nexthop" => {
                let (n, v) = neg(value, has_neg);
                match v.parse::<IpAddr>() {
                    Err(_) => Err(Some(format!("Bad BGP nexthop address '{v}'."))),
                    Ok(a) => {
                        if self.kinds.contains(&"bgp_nexthop") {
                            Err(Some(
                                "Multiple 'bgp_nexthop' clauses part of the same statement.".into(),
                            ))
                        } else if o.networks_file || !nf_sf {
                            Err(Some("'bgp_nexthop' is not supported when a 'networks_file' is specified or by the 'pmacctd' daemon.".into()))
                        } else {
                            self.cond("bgp_nexthop", Some(Cond::BgpNextHop(a, n)))
                        }
                    }
                }
            }
            "filter" => match compile_filter(value, frame_linktype(o)) {
                Err(e) => Err(Some(format!("malformed filter: {e}"))),
                Ok(b) => self.cond("filter", Some(Cond::Filter(b))),
            },
            "agent_id" => {
                let (n, v) = neg(value, has_neg);
                let x = c_num(v) as u32;
                self.cond("agent_id", (d == Sfacctd).then_some(Cond::AgentId(x, n)))
            }
            "sample_type" => {
                let (n, v) = neg(value, has_neg);
                let st = if d == Sfacctd && v.contains(':') {
                    let mut it = v.split(':');
                    let e = c_num(it.next().unwrap_or(""));
                    let f = c_num(it.next().unwrap_or(""));
                    if e > 1_048_575 || f > 4095 || it.next().is_some() {
                        return Some(Err(Some("Invalid sFlow 'sample_type' value.".into())));
                    }
                    SampleType::Sflow(((e as u32) << 12) | f as u32)
                } else if nf {
                    // Prefix comparisons in pmacct's order: "flow-mpls-ipv4" is "flow".
                    if v.starts_with("flow-ipv4") {
                        SampleType::Ipv4
                    } else if v.starts_with("flow-ipv6") {
                        SampleType::Ipv6
                    } else if v.starts_with("flow") {
                        SampleType::Traffic
                    } else if v.starts_with("event") {
                        SampleType::Event
                    } else if v.starts_with("option") {
                        SampleType::Option
                    } else {
                        return Some(Err(Some(
                            "Invalid NetFlow/IPFIX 'sample_type' value.".into(),
                        )));
                    }
                } else {
                    return Some(Err(Some("Invalid 'sample_type' value.".into())));
                };
                self.cond("sample_type", Some(Cond::SampleType(st, n)))
            }
            "direction" => {
                let (n, v) = neg(value, has_neg);
                let x = c_num(v) as u8;
                self.cond("direction", Some(Cond::Direction(x, n)))
            }
            "nat_event" => {
                let (n, v) = neg(value, has_neg);
                let x = c_num(v) as u8;
                self.cond("nat_event", nf.then_some(Cond::NatEvent(x, n)))
            }
            "src_as" | "dst_as" => {
                let (n, v) = neg(value, has_neg);
                let x = c_num(v) as u32;
                let kind = if key == "src_as" { "src_as" } else { "dst_as" };
                if self.kinds.contains(&kind) {
                    Err(Some(format!(
                        "Multiple '{kind}' clauses part of the same statement."
                    )))
                } else if o.networks_file || !nf_sf {
                    Err(Some(format!(
                        "'{kind}' requires either 'networks_file' or '{}_as: false' to be specified.",
                        d.progname()
                    )))
                } else if kind == "src_as" {
                    self.cond(kind, Some(Cond::SrcAs(x, n)))
                } else {
                    self.cond(kind, Some(Cond::DstAs(x, n)))
                }
            }
            "peer_src_as" | "peer_dst_as" | "src_local_pref" | "local_pref" | "src_roa"
            | "dst_roa" | "src_comms" | "comms" => {
                // These read the BGP RIB; without a BGP daemon pmacct refuses the line.
                let _ = neg(value, has_neg);
                Err(Some(format!(
                    "'{key}' requires '{}_as_new: [ bgp | longest ]' to be specified.",
                    d.progname()
                )))
            }
            "mpls_vpn_rd" => {
                // Matched against the BGP RIB only; without a BGP daemon it never matches
                // (negated: always).
                let (n, _) = neg(value, has_neg);
                self.cond("mpls_vpn_rd", Some(Cond::BgpRib(n)))
            }
            "mpls_pw_id" => {
                let (n, v) = neg(value, has_neg);
                let x = c_num(v) as u32;
                self.cond("mpls_pw_id", nf_sf.then_some(Cond::MplsPwId(x, n)))
            }
            "src_mac" | "dst_mac" => {
                let (n, v) = neg(value, has_neg);
                match parse_mac(v) {
                    None => Err(Some(format!(
                        "Bad {} MAC address '{v}'.",
                        if key == "src_mac" {
                            "source"
                        } else {
                            "destination"
                        }
                    ))),
                    Some(m) => {
                        let c = if key == "src_mac" {
                            Cond::SrcMac(m, n)
                        } else {
                            Cond::DstMac(m, n)
                        };
                        self.cond(
                            if key == "src_mac" {
                                "src_mac"
                            } else {
                                "dst_mac"
                            },
                            nf_sf.then_some(c),
                        )
                    }
                }
            }
            "vlan" | "cvlan" => {
                let (n, v) = neg(value, has_neg);
                let x = c_num(v);
                if x > 4096 {
                    return Some(Err(Some(format!(
                        "'{key}' need to be in the following range: 0 > value > 4096."
                    ))));
                }
                if key == "vlan" {
                    self.cond("vlan", nf_sf.then_some(Cond::Vlan(x as u16, n)))
                } else {
                    self.cond("cvlan", nf.then_some(Cond::Cvlan(x as u16, n)))
                }
            }
            "src_net" | "dst_net" => {
                let (n, v) = neg(value, has_neg);
                match parse_prefix(v) {
                    None => Err(Some(format!(
                        "Bad {} network address '{v}'.",
                        if key == "src_net" {
                            "source"
                        } else {
                            "destination"
                        }
                    ))),
                    Some((a, l)) => {
                        if key == "src_net" {
                            self.cond("src_net", nf_sf.then_some(Cond::SrcNet(a, l, n)))
                        } else {
                            self.cond("dst_net", nf_sf.then_some(Cond::DstNet(a, l, n)))
                        }
                    }
                }
            }
            "is_multicast" => {
                let (n, v) = neg(value, has_neg);
                match parse_bool(v) {
                    None => Err(None),
                    Some(b) => self.cond("is_multicast", nf_sf.then_some(Cond::IsMulticast(b, n))),
                }
            }
            "is_bi_flow" => {
                let (n, v) = neg(value, has_neg);
                match parse_bool(v) {
                    None => Err(None),
                    Some(b) => self.cond("is_bi_flow", nf.then_some(Cond::IsBiFlow(b, n))),
                }
            }
            "fwdstatus" => {
                let (n, v) = neg(value, has_neg);
                let x = c_num(v);
                if x > 256 {
                    return Some(Err(Some(
                        "'fwdstatus' need to be in the following range: 0 > value > 256.".into(),
                    )));
                }
                self.cond("fwdstatus", nf.then_some(Cond::FwdStatus(x as u8, n)))
            }
            "label" => {
                self.entry_label = cut_label(value);
                Ok(())
            }
            "jeq" => {
                self.jeq = Some(cut_label(value));
                Ok(())
            }
            "stack" => {
                self.stack = if value.starts_with('+') || value.starts_with("sum") {
                    Some(Stack::Sum)
                } else if value.starts_with("or") {
                    Some(Stack::Or)
                } else {
                    None
                };
                Ok(())
            }
            "return" => Ok(()),
            _ => return None,
        };
        Some(r)
    }
}

fn cut_label(v: &str) -> String {
    let mut end = v.len().min(MAX_LABEL_LEN - 1);
    while !v.is_char_boundary(end) {
        end -= 1;
    }
    v[..end].to_string()
}

/// Parse map text. Bad lines are logged into `diags` and skipped, as pmacct does.
pub fn parse(path: &str, text: &str, o: &Options, diags: &mut Vec<Diag>) -> PreTagMap {
    let mut v4: Vec<Rule> = Vec::new();
    let mut v6: Vec<Rule> = Vec::new();
    let mut has_neg = false;
    let mut num = 0usize;
    let mut has_filter = false;
    let warn = |diags: &mut Vec<Diag>, line: usize, msg: String| {
        diag(diags, Severity::Warn, path, line, msg)
    };
    for (n, row, ended) in rows(text, o.row_len) {
        if num >= o.max_entries {
            warn(diags, 0, format!("file cut to the first {} entries. Number of entries can be configured via 'maps_entries'.", o.max_entries));
            break;
        }
        let trimmed = row.trim_matches(|c: char| c.is_ascii_whitespace());
        if trimmed.is_empty() || trimmed.starts_with('!') || trimmed.starts_with('#') {
            continue;
        }
        if !ended && row.len() >= o.row_len.saturating_sub(1) {
            warn(
                diags,
                n,
                format!("line too long (max {} chars). Ignored.", o.row_len),
            );
            continue;
        }
        if row.contains('|') {
            diag(
                diags,
                Severity::Error,
                path,
                0,
                "Invalid symbol '|' detected.".into(),
            );
            warn(diags, n, "malformed line. Ignored.".into());
            continue;
        }
        let buf = normalize(row);
        let Ok(pairs) = split_pairs(&buf) else {
            warn(diags, n, "malformed line. Ignored.".into());
            continue;
        };
        let mut d = Draft::default();
        let mut bad = false;
        for (k, v) in pairs {
            if k == "return" {
                warn(
                    diags,
                    0,
                    "RETURN is in the process of being discontinued.".into(),
                );
                warn(
                    diags,
                    0,
                    "RETURN is not supported by pmacct-rs: ignored.".into(),
                );
                if parse_bool(v).is_none() {
                    warn(diags, 0, format!("Unknown RETURN value: '{v}'. Ignoring."));
                }
            }
            if k == "stack" && !(v.starts_with('+') || v.starts_with("sum") || v.starts_with("or"))
            {
                warn(
                    diags,
                    0,
                    format!("Unknown STACK operator: '{v}'. Ignoring."),
                );
            }
            if (k == "label" || k == "jeq") && v.len() >= MAX_LABEL_LEN {
                let what = if k == "label" {
                    "entry label"
                } else {
                    "JEQ label"
                };
                warn(diags, 0, format!("{what} '{v}' cut to '{}'.", cut_label(v)));
            }
            match d.handle(k, v, o, &mut has_neg) {
                None => {
                    warn(diags, n, format!("unknown key '{k}'. Ignored."));
                    bad = true;
                    break;
                }
                Some(Err(msg)) => {
                    if let Some(m) = msg {
                        warn(diags, 0, m);
                    }
                    warn(diags, n, "Line ignored.".into());
                    bad = true;
                    break;
                }
                Some(Ok(())) => {
                    if k == "filter" {
                        has_filter = true;
                    }
                }
            }
        }
        if bad {
            continue;
        }
        if o.daemon != Daemon::Pmacctd && d.tag != 0 && d.tag2 != 0 && !d.label.is_empty() {
            warn(
                diags,
                n,
                "set_tag (id), set_tag2 (id2) and set_label are mutual exclusive. Line ignored."
                    .into(),
            );
            continue;
        }
        if o.daemon == Daemon::Pmacctd {
            if d.tag != 0 && d.tag2 != 0 && !d.label.is_empty() {
                warn(diags, n, "set_tag (id), set_tag2 (id2) and set_label are mutual exclusive. Line ignored.".into());
                continue;
            }
            if d.agent.is_some() {
                warn(diags, n, "key 'ip' not applicable. Line ignored.".into());
                continue;
            }
        }
        let make = |d: &Draft, agent: (IpAddr, u8), conds: Vec<Cond>| Rule {
            agent,
            conds,
            sets: d.sets.clone(),
            tag: Cell::new(d.tag),
            tag_inc: d.tag_inc,
            tag2: Cell::new(d.tag2),
            tag2_inc: d.tag2_inc,
            label: d.label.clone(),
            entry_label: d.entry_label.clone(),
            jeq: d.jeq.clone(),
            jeq_to: None,
            stack: d.stack,
            line: n,
        };
        let zero4 = (IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED), 0u8);
        let zero6 = (IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED), 0u8);
        match d.agent {
            Some(a) if a.0.is_ipv6() => {
                let conds = std::mem::take(&mut d.conds);
                v6.push(make(&d, a, conds));
                num += 1;
            }
            Some(a) => {
                let conds = std::mem::take(&mut d.conds);
                v4.push(make(&d, a, conds));
                num += 1;
            }
            None if o.daemon == Daemon::Pmacctd => {
                let conds = std::mem::take(&mut d.conds);
                v4.push(make(&d, zero4, conds));
                num += 1;
            }
            None => {
                // Stored twice, for IPv4 and IPv6 exporters; a BPF filter cannot be copied,
                // so the IPv6 copy compiles it again from the same row.
                let conds = std::mem::take(&mut d.conds);
                let conds6 = clone_conds(&conds, &buf, frame_linktype(o));
                v4.push(make(&d, zero4, conds));
                num += 1;
                if num < o.max_entries {
                    v6.push(make(&d, zero6, conds6));
                    num += 1;
                }
            }
        }
    }
    resolve_jumps(path, &mut v4, true, diags);
    resolve_jumps(path, &mut v6, false, diags);
    if has_neg {
        warn(
            diags,
            0,
            "Negations not supported. Indexing disabled.".into(),
        );
    }
    PreTagMap {
        path: path.to_string(),
        idx4: AgentIndex::build(&v4),
        idx6: AgentIndex::build(&v6),
        v4,
        v6,
        has_filter,
        frame_linktype: frame_linktype(o),
    }
}

/// A copy of a rule's conditions (the BPF program is compiled again from the row's filter).
fn clone_conds(conds: &[Cond], row: &str, linktype: u32) -> Vec<Cond> {
    conds
        .iter()
        .filter_map(|c| {
            Some(match c {
                Cond::In(a, b) => Cond::In(*a, *b),
                Cond::Out(a, b) => Cond::Out(*a, *b),
                Cond::EngineType(a, b) => Cond::EngineType(*a, *b),
                Cond::EngineId(a, b) => Cond::EngineId(*a, *b),
                Cond::NextHop(a, b) => Cond::NextHop(*a, *b),
                Cond::BgpNextHop(a, b) => Cond::BgpNextHop(*a, *b),
                Cond::Filter(_) => {
                    let expr = row
                        .split('|')
                        .find_map(|w| w.strip_prefix("filter="))
                        .unwrap_or("");
                    Cond::Filter(compile_filter(expr, linktype).ok()?)
                }
                Cond::AgentId(a, b) => Cond::AgentId(*a, *b),
                Cond::SampleType(a, b) => Cond::SampleType(*a, *b),
                Cond::Direction(a, b) => Cond::Direction(*a, *b),
                Cond::NatEvent(a, b) => Cond::NatEvent(*a, *b),
                Cond::SrcAs(a, b) => Cond::SrcAs(*a, *b),
                Cond::DstAs(a, b) => Cond::DstAs(*a, *b),
                Cond::MplsPwId(a, b) => Cond::MplsPwId(*a, *b),
                Cond::SrcMac(a, b) => Cond::SrcMac(*a, *b),
                Cond::DstMac(a, b) => Cond::DstMac(*a, *b),
                Cond::Vlan(a, b) => Cond::Vlan(*a, *b),
                Cond::Cvlan(a, b) => Cond::Cvlan(*a, *b),
                Cond::SrcNet(a, l, b) => Cond::SrcNet(*a, *l, *b),
                Cond::DstNet(a, l, b) => Cond::DstNet(*a, *l, *b),
                Cond::IsMulticast(a, b) => Cond::IsMulticast(*a, *b),
                Cond::FwdStatus(a, b) => Cond::FwdStatus(*a, *b),
                Cond::IsBiFlow(a, b) => Cond::IsBiFlow(*a, *b),
                Cond::BgpRib(b) => Cond::BgpRib(*b),
            })
        })
        .collect()
}

/// Forward-only `jeq` resolution; `next` is honoured for IPv4 rules only (as in pmacct 1.7.7,
/// whose IPv6 pass looks for a rule labelled "next").
fn resolve_jumps(path: &str, rules: &mut [Rule], v4: bool, diags: &mut Vec<Diag>) {
    for i in 0..rules.len() {
        let Some(j) = rules[i].jeq.clone() else {
            continue;
        };
        let to = if v4 && j == "next" {
            Some(i + 1)
        } else {
            (i + 1..rules.len()).find(|&k| rules[k].entry_label == j)
        };
        if to.is_none() {
            diag(
                diags,
                Severity::Warn,
                path,
                0,
                format!("Unresolved label '{j}'. Ignoring it."),
            );
        }
        rules[i].jeq_to = to;
    }
}

/// The result of evaluating a map on one flow.
#[derive(Debug, Default, Clone)]
pub struct Tags {
    pub tag: u64,
    pub tag2: u64,
    /// Labels of the matching rules joined with `,` (reused buffer).
    pub label: String,
    pub set_tos: Option<u8>,
}

fn in_prefix(addr: IpAddr, net: IpAddr, len: u8) -> bool {
    addr.is_ipv4() == net.is_ipv4() && pmacct_flow::flow::mask_addr(addr, len) == net
}

/// pmacct's match result: `v == want` yields match unless negated.
fn eq<T: PartialEq>(v: T, want: T, neg: bool) -> bool {
    (v == want) != neg
}

/// The exported address family of a flow as pmacct decides it (for `sample_type`).
fn family(f: &Flow) -> u8 {
    f.prims.family
}

/// pmacct's VLAN flow type: a VLAN field whose first byte is non-zero (so VLAN ids >= 256).
fn vlan_type(f: &Flow) -> bool {
    f.prims.vlan >> 8 != 0
}

/// A traffic flow that pmacct types as plain IPv4/IPv6 (no VLAN, no MPLS label).
fn plain_traffic(f: &Flow) -> bool {
    f.flow_type == FlowType::Traffic && !vlan_type(f) && f.prims.mpls_stack_depth == 0
}

impl Rule {
    fn matches(&self, f: &Flow, pkt: &mut PacketBuf, daemon: Daemon) -> bool {
        let p = &f.prims;
        let v = p.export_proto_version;
        let nf9 = v == 9 || v == 10;
        let nf = daemon == Daemon::Nfacctd;
        self.conds.iter().all(|c| match *c {
            // NetFlow: fields exist in v5, v9 and IPFIX; others (v1, v7, v8) never match.
            Cond::In(n, neg) => (!nf || v == 5 || nf9) && eq(p.in_iface, n, neg),
            Cond::Out(n, neg) => (!nf || v == 5 || nf9) && eq(p.out_iface, n, neg),
            Cond::EngineType(n, neg) => v == 5 && eq(p.engine_type, n, neg),
            Cond::EngineId(n, neg) => (v == 5 || nf9) && eq(p.export_proto_sysid, n, neg),
            // NetFlow v9/IPFIX: pmacct compares the key with the record's next hop of the key's
            // family over the field's length, so a record without that field matches.
            Cond::NextHop(a, neg) => {
                (!nf || v == 5 || nf9)
                    && match (p.next_hop, a) {
                        (Some(IpAddr::V4(h)), IpAddr::V4(k)) => (h == k) != neg,
                        (Some(IpAddr::V6(h)), IpAddr::V6(k)) => (h == k) != neg,
                        _ if nf9 => !neg,
                        _ => neg,
                    }
            }
            Cond::BgpNextHop(a, neg) => {
                let have = if v == 5 { p.next_hop } else { p.peer_dst_ip };
                // pmacct 1.7.7 checks an IPv6 key's family on the `nexthop` key: an IPv6
                // bgp_nexthop never matches on v9/IPFIX.
                (!nf || v == 5 || nf9)
                    && if nf9 && a.is_ipv6() {
                        neg
                    } else {
                        match have {
                            Some(h) => (h == a) != neg,
                            None => neg,
                        }
                    }
            }
            Cond::Filter(ref b) => {
                let frame = pkt.get(f, daemon);
                b.matches(frame, frame.len() as u32)
            }
            Cond::AgentId(n, neg) => eq(p.export_proto_sysid, n, neg),
            Cond::SampleType(st, neg) => {
                let is = match st {
                    SampleType::Traffic => f.flow_type == FlowType::Traffic,
                    // Exact flow types: a VLAN or MPLS flow is another type in pmacct.
                    SampleType::Ipv4 => plain_traffic(f) && family(f) == 4,
                    SampleType::Ipv6 => plain_traffic(f) && family(f) == 6,
                    SampleType::Event => f.flow_type == FlowType::Event,
                    SampleType::Option => f.flow_type == FlowType::Option,
                    SampleType::Sflow(_) => false,
                };
                is != neg
            }
            Cond::Direction(n, neg) => {
                nf9 && eq(
                    if p.direction_raw == 0xFF {
                        0
                    } else {
                        p.direction_raw
                    },
                    n,
                    neg,
                )
            }
            Cond::NatEvent(n, neg) => nf9 && eq(p.nat_event, n, neg),
            Cond::SrcAs(n, neg) => eq(p.src_as, n, neg),
            Cond::DstAs(n, neg) => eq(p.dst_as, n, neg),
            Cond::MplsPwId(n, neg) => (!nf || nf9) && eq(p.mpls_pw_id, n, neg),
            // A record without the MAC field never matches (negated or not); the flow model
            // has no "absent", an all-zero MAC stands for it.
            Cond::SrcMac(m, neg) if !nf => eq(p.src_mac, m, neg),
            Cond::DstMac(m, neg) if !nf => eq(p.dst_mac, m, neg),
            Cond::SrcMac(m, neg) => nf9 && p.src_mac != [0; 6] && eq(p.src_mac, m, neg),
            Cond::DstMac(m, neg) => nf9 && p.dst_mac != [0; 6] && eq(p.dst_mac, m, neg),
            // sfacctd: the sample's input or output VLAN.
            Cond::Vlan(n, neg) if !nf => (p.sflow_in_vlan == n || p.sflow_out_vlan == n) != neg,
            Cond::Vlan(n, neg) => nf9 && eq(p.vlan, n, neg),
            Cond::Cvlan(n, neg) => nf9 && eq(0, n, neg),
            Cond::SrcNet(a, l, neg) => {
                (!nf || v == 5 || nf9) && p.src_ip.is_some_and(|s| in_prefix(s, a, l)) != neg
            }
            Cond::DstNet(a, l, neg) => {
                (!nf || v == 5 || nf9) && p.dst_ip.is_some_and(|s| in_prefix(s, a, l)) != neg
            }
            Cond::IsMulticast(want, neg) => {
                let mc = nf9 && p.dst_mac[0] & 1 == 1;
                (mc == want) != neg
            }
            Cond::FwdStatus(n, neg) => nf9 && eq(p.fwd_status, n, neg),
            // Bi-flows (initiator/responder octets) are not in the flow model: never bi.
            Cond::IsBiFlow(want, neg) => want == neg,
            Cond::BgpRib(neg) => neg,
        })
    }
}

/// The frame `filter=` rules run on, rebuilt from the flow once per evaluation, at the first
/// rule that needs it.
struct PacketBuf {
    buf: [u8; FRAME_MAX],
    len: usize,
    built: bool,
    linktype: u32,
}

impl PacketBuf {
    fn new(linktype: u32) -> PacketBuf {
        PacketBuf {
            buf: [0; FRAME_MAX],
            len: 0,
            built: false,
            linktype,
        }
    }

    fn get(&mut self, f: &Flow, daemon: Daemon) -> &[u8] {
        if !self.built {
            // pmacctd runs filter= on the captured frame: rebuilt as aggregate_filter does
            // (VLAN tag and MPLS labels as captured), not nfacctd's dummy packet.
            let (synth, linktype) = match daemon {
                Daemon::Pmacctd => (Synth::Packet, self.linktype),
                _ => (Synth::PreTag, dlt::EN10MB),
            };
            self.len = bpf::rebuild_frame(f, synth, linktype, &mut self.buf);
            self.built = true;
        }
        &self.buf[..self.len]
    }
}

impl PreTagMap {
    /// Number of rules (both families), as pmacct counts entries.
    pub fn len(&self) -> usize {
        self.v4.len() + self.v6.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True if a rule uses `filter=` (a packet is synthesized per evaluation).
    pub fn has_filter(&self) -> bool {
        self.has_filter
    }

    /// Evaluate the map on `f` (pmacct's `NF_find_id()`), writing the result into `out`.
    pub fn evaluate(&self, f: &Flow, daemon: Daemon, out: &mut Tags) {
        out.tag = 0;
        out.tag2 = 0;
        out.label.clear();
        out.set_tos = None;
        let exporter = f.prims.peer_src_ip;
        let (rules, idx) = match exporter {
            Some(IpAddr::V6(_)) => (&self.v6, &self.idx6),
            // pmacctd has no exporter: its rules are all stored as IPv4.
            _ => (&self.v4, &self.idx4),
        };
        let mut pkt = PacketBuf::new(self.frame_linktype);
        let mut x = 0usize;
        // Jumps only go forward, so the walk ends; the bound is a second guard.
        let mut steps = 0usize;
        while steps <= rules.len() {
            steps += 1;
            let Some(next) = idx.next(exporter, x) else {
                break;
            };
            x = next;
            let r = &rules[x];
            let agent_ok = match exporter {
                Some(a) => in_prefix(a, r.agent.0, r.agent.1),
                None => true,
            };
            if !agent_ok || !r.matches(f, &mut pkt, daemon) {
                x += 1;
                continue;
            }
            self.apply(r, out);
            match r.jeq_to {
                Some(to) => x = to,
                None => break,
            }
        }
    }

    fn apply(&self, r: &Rule, out: &mut Tags) {
        // One value register for both tags (the last written wins) and one outcome, tag over
        // tag2 over label, as pmacct's `pretag_entry_process()`.
        let mut id = 0u64;
        let (mut set_tag, mut set_tag2, mut set_label) = (false, false, false);
        for s in &r.sets {
            match s {
                Set::Tag => {
                    id = r.tag.get();
                    if r.tag_inc {
                        r.tag.set(id.wrapping_add(1));
                    }
                    set_tag = true;
                }
                Set::Tag2 => {
                    id = r.tag2.get();
                    if r.tag2_inc {
                        r.tag2.set(id.wrapping_add(1));
                    }
                    set_tag2 = true;
                }
                Set::Label => set_label = true,
                Set::Tos(t) => out.set_tos = Some(*t),
            }
        }
        let stacked = |prev: u64| match r.stack {
            Some(Stack::Sum) => id.wrapping_add(prev),
            Some(Stack::Or) => id | prev,
            None => id,
        };
        if set_tag {
            out.tag = stacked(out.tag);
        } else if set_tag2 {
            out.tag2 = stacked(out.tag2);
        } else if set_label && !r.label.is_empty() {
            if !out.label.is_empty() {
                out.label.push(',');
            }
            out.label.push_str(&r.label);
        }
    }

    /// Lines of the rules kept, per family (tests and diagnostics).
    pub fn rule_lines(&self) -> (Vec<usize>, Vec<usize>) {
        (
            self.v4.iter().map(|r| r.line).collect(),
            self.v6.iter().map(|r| r.line).collect(),
        )
    }
}

/// `pre_tag_filter` / `pre_tag2_filter`: comma-separated tags, `low-high` ranges, `-` negation,
/// evaluated in order as pmacct's `evaluate_tags()` (a non-matching negated entry lets the
/// flow in).
#[derive(Debug, Clone, Default)]
pub struct TagFilter {
    entries: Vec<(u64, u64, bool)>,
}

impl TagFilter {
    /// Parse a filter value; `Err` carries pmacct's message for a bad range.
    pub fn parse(v: &str) -> Result<TagFilter, String> {
        let v: String = v.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        let mut entries = Vec::new();
        for tok in v.split(',').filter(|t| !t.is_empty()).take(96) {
            let (neg, t) = match tok.strip_prefix('-') {
                Some(r) => (true, r),
                None => (false, tok),
            };
            let (lo, hi) = match t.split_once('-') {
                Some((a, b)) => {
                    let (lo, hi) = (c_num(a), c_num(b));
                    if hi <= lo {
                        return Err(format!(
                            "Range value is expected in format low-high. '{lo}-{hi}'."
                        ));
                    }
                    (lo, hi)
                }
                None => (c_num(t), c_num(t)),
            };
            entries.push((lo, hi, neg));
        }
        Ok(TagFilter { entries })
    }

    /// True if a flow with `tag` goes to the plugin.
    pub fn allows(&self, tag: u64) -> bool {
        if self.entries.is_empty() {
            return true;
        }
        for &(lo, hi, neg) in &self.entries {
            if lo <= tag && tag <= hi {
                return !neg;
            } else if neg {
                return true;
            }
        }
        false
    }
}

/// `pre_tag_label_filter`: comma-separated labels, `-` negation, `null` for unlabelled flows;
/// a filter value matches a label it is a prefix of (pmacct compares the filter's length).
#[derive(Debug, Clone, Default)]
pub struct LabelFilter {
    entries: Vec<(String, bool)>,
}

impl LabelFilter {
    pub fn parse(v: &str) -> LabelFilter {
        let entries = v
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .take(96)
            .map(|t| match t.strip_prefix('-') {
                Some(r) => (r.to_string(), true),
                None => (t.to_string(), false),
            })
            .collect();
        LabelFilter { entries }
    }

    pub fn allows(&self, label: &str) -> bool {
        if self.entries.is_empty() {
            return true;
        }
        let label = if label.is_empty() { "null" } else { label };
        for (v, neg) in &self.entries {
            if label.as_bytes().starts_with(v.as_bytes()) {
                return !neg;
            } else if *neg {
                return true;
            }
        }
        false
    }
}

/// Apply an evaluation result to a flow: tags, label (interned) and `set_tos`. Returns false if
/// the label could not be stored (the interner is full).
pub fn apply_tags(f: &mut Flow, t: &Tags) -> bool {
    f.prims.tag = t.tag;
    f.prims.tag2 = t.tag2;
    if let Some(tos) = t.set_tos {
        f.prims.tos = tos;
    }
    match label::intern(&t.label) {
        Some(id) => {
            f.prims.label = id;
            true
        }
        None => {
            f.prims.label = LabelId::NONE;
            false
        }
    }
}

#[cfg(test)]
mod tests;
