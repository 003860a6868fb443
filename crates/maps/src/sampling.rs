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
//!
//! `flow_to_rd_map` (nfacctd) is read the same way (`id` is then a route distinguisher,
//! `<type>:<asn or ip>:<value>`; keys also `bgp_nexthop`, `mpls_vpn_id`,
//! `mpls_label_bottom`) and sets `mpls_vpn_rd` of the flows it matches, before the RD the
//! record carries (pmacct: the map's RD wins over ingressVRFID).

use std::net::IpAddr;

use pmacct_flow::flow::{mask_addr, Primitives};
use pmacct_flow::{Flow, Renormalize, RouteDistinguisher};

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

/// A match condition besides the exporter address (a leading `-` negates it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cond {
    In(IfMatch),
    Out(IfMatch),
    BgpNextHop(IpAddr, bool),
    /// Ingress VRF id of the flow (IE 234); pmacct also tries the egress one, which the flow
    /// model does not keep.
    VpnId(u32, bool),
    LabelBottom(u32, bool),
    /// BGP source maps: the next hop of the route the flow's source matched.
    SrcRouteNextHop(IpAddr, bool),
    /// BGP source maps: the neighbour AS of the route the flow's source matched.
    SrcRoutePeerAs(u32, bool),
    SrcNet(IpAddr, u8, bool),
    DstNet(IpAddr, u8, bool),
}

/// What the BGP source maps match on besides the flow: the BGP route its source address
/// matched (`pptrs->bgp_src_info` in 1.7.7), looked up before the maps are.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SrcRoute {
    pub found: bool,
    /// The route's BGP next hop.
    pub next_hop: Option<IpAddr>,
    /// `evaluate_first_asn()` of its AS path (with the `*_pattern_to_asn` fallback); 0
    /// without an AS path.
    pub peer_as: u32,
}

impl Cond {
    fn matches(&self, p: &Primitives, r: &SrcRoute) -> bool {
        match *self {
            Cond::SrcRouteNextHop(a, neg) => (r.found && r.next_hop == Some(a)) != neg,
            Cond::SrcRoutePeerAs(n, neg) => ((if r.found { r.peer_as } else { 0 }) == n) != neg,
            Cond::SrcNet(a, l, neg) => p.src_ip.is_some_and(|s| mask_addr(s, l) == a) != neg,
            Cond::DstNet(a, l, neg) => p.dst_ip.is_some_and(|s| mask_addr(s, l) == a) != neg,
            Cond::In(m) => m.matches(p.in_iface),
            Cond::Out(m) => m.matches(p.out_iface),
            Cond::BgpNextHop(a, neg) => (p.peer_dst_ip == Some(a)) != neg,
            Cond::VpnId(n, neg) => (p.mpls_vpn_rd == RouteDistinguisher::VrfId(n)) != neg,
            Cond::LabelBottom(n, neg) => (p.mpls_label_bottom == n) != neg,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule<V> {
    value: V,
    net: IpAddr,
    len: u8,
    conds: Vec<Cond>,
    line: usize,
}

/// Rules `id=<value> ip=<exporter> [conditions]`, the first match winning within the
/// exporter's address family (pmacct's `load_id_file()` / `find_id_func()`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdMap<V> {
    v4: Vec<Rule<V>>,
    v6: Vec<Rule<V>>,
}

impl<V> Default for IdMap<V> {
    fn default() -> Self {
        IdMap {
            v4: Vec::new(),
            v6: Vec::new(),
        }
    }
}

/// A loaded `sampling_map`: rates.
pub type SamplingMap = IdMap<u32>;
/// A loaded `flow_to_rd_map`: route distinguishers.
pub type FlowToRdMap = IdMap<RouteDistinguisher>;

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

/// `-` prefix (negation) and the rest.
fn neg_of(v: &str) -> (bool, &str) {
    match v.strip_prefix('-') {
        Some(n) => (true, n),
        None => (false, v),
    }
}

/// A rate: digits only (pmacct's `PT_map_id_handler`).
fn parse_rate(v: &str) -> Result<u32, String> {
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        v.parse()
            .map_err(|_| "Invalid set_tag/id specified.".to_string())
    } else {
        Err("Invalid set_tag/id specified (non-digit chars).".to_string())
    }
}

/// A route distinguisher `0:<asn16>:<u32>`, `1:<ipv4>:<u16>`, `2:<asn32>:<u16>`
/// (pmacct's `bgp_str2rd()`); an unknown type gives no RD (the line then lacks its `id`).
fn parse_rd(v: &str) -> Option<RouteDistinguisher> {
    let mut it = v.splitn(3, ':');
    let ty: u32 = it.next()?.parse().ok()?;
    let a = it.next()?;
    let b = it.next()?;
    let num = |s: &str| -> Option<u64> { s.parse().ok() };
    Some(match ty {
        0 => RouteDistinguisher::As2 {
            asn: num(a)? as u16,
            val: num(b)? as u32,
        },
        1 => RouteDistinguisher::Ip {
            ip: a.parse().ok()?,
            val: num(b)? as u16,
        },
        2 => RouteDistinguisher::As4 {
            asn: num(a)? as u32,
            val: num(b)? as u16,
        },
        _ => return None,
    })
}

/// Reads one `key=value` word: None for an unknown key, Err with pmacct's warning.
type WordFn<V> = dyn Fn(&str, &str) -> Option<Result<Word<V>, String>>;

/// What a key of a line is, for one map kind.
enum Word<V> {
    Value(V),
    Ip(IpAddr, u8),
    Cond(Cond),
    /// Valid key, no effect (an RD pmacct cannot read).
    Nothing,
}

impl<V: Copy> IdMap<V> {
    /// Parse as pmacct: words `key=value` separated by spaces; a word with a bad value logs
    /// the handler's warning and `[file:line] Line ignored.`; an unknown key logs
    /// `unknown key` and drops the line; `id` and `ip` are required. `max_entries`:
    /// `maps_entries`. `warn_missing`: log a line without `id` or `ip` (sampling_map; a
    /// flow_to_rd_map drops it silently). `word` reads the value of one key (None: unknown
    /// key).
    fn parse_with(
        file: &str,
        text: &str,
        max_entries: usize,
        warn_missing: bool,
        word: &WordFn<V>,
    ) -> (IdMap<V>, Vec<Diag>) {
        let mut m = IdMap::default();
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
            let mut value: Option<V> = None;
            let mut ip: Option<(IpAddr, u8)> = None;
            let mut conds = Vec::new();
            let mut err = false;
            for w in t.split_whitespace() {
                let Some((k, v)) = w.split_once('=').filter(|(k, _)| !k.is_empty()) else {
                    diags.push(warn(file, line, "malformed line. Ignored.".into()));
                    err = true;
                    break;
                };
                match word(&k.to_ascii_lowercase(), v) {
                    None => {
                        diags.push(warn(file, line, format!("unknown key '{k}'. Ignored.")));
                        err = true;
                        break;
                    }
                    Some(Err(msg)) => {
                        diags.push(warn(file, 0, msg));
                        diags.push(warn(file, line, "Line ignored.".into()));
                        err = true;
                        break;
                    }
                    Some(Ok(Word::Value(x))) => value = Some(x),
                    Some(Ok(Word::Ip(a, l))) => ip = Some((a, l)),
                    Some(Ok(Word::Cond(c))) => {
                        negations |= v.starts_with('-');
                        conds.push(c);
                    }
                    Some(Ok(Word::Nothing)) => {}
                }
            }
            if err {
                continue;
            }
            match (value, ip) {
                (Some(value), Some((net, len))) => {
                    let r = Rule {
                        value,
                        net,
                        len,
                        conds,
                        line,
                    };
                    if net.is_ipv4() {
                        m.v4.push(r);
                    } else {
                        m.v6.push(r);
                    }
                }
                // pmacct drops an incomplete flow_to_rd_map line silently.
                _ if !warn_missing => {}
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

    /// The value of the first rule matching the flow's exporter and conditions.
    pub fn lookup_flow(&self, p: &Primitives) -> Option<V> {
        self.lookup_with(p, &SrcRoute::default())
    }

    /// [`IdMap::lookup_flow`] for maps whose rules may match the flow's source BGP route.
    pub fn lookup_with(&self, p: &Primitives, route: &SrcRoute) -> Option<V> {
        let exporter = p.peer_src_ip?;
        let rules = if exporter.is_ipv4() {
            &self.v4
        } else {
            &self.v6
        };
        rules
            .iter()
            .find(|r| {
                mask_addr(exporter, r.len) == r.net && r.conds.iter().all(|c| c.matches(p, route))
            })
            .map(|r| r.value)
    }

    pub fn len(&self) -> usize {
        self.v4.len() + self.v6.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A `bgp_nexthop` word (a leading `-` negates) as the condition `cond` makes of it.
fn next_hop_word<V>(v: &str, cond: fn(IpAddr, bool) -> Cond) -> Result<Word<V>, String> {
    let (neg, a) = neg_of(v);
    match a.parse() {
        Ok(a) => Ok(Word::Cond(cond(a, neg))),
        Err(_) => Err(format!("Bad BGP nexthop address '{a}'.")),
    }
}

/// `in`/`out`/`ip` words shared by both maps.
fn common_word<V>(k: &str, v: &str) -> Option<Result<Word<V>, String>> {
    Some(match k {
        "ip" => match parse_prefix(v) {
            Some((a, l)) => Ok(Word::Ip(a, l)),
            None => Err(format!("Bad IP address or prefix '{v}'.")),
        },
        "in" | "out" => {
            let (neg, n) = neg_of(v);
            if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
                Err(format!("bad '{k}' value: '{n}'."))
            } else {
                let m = IfMatch {
                    n: n.parse().unwrap_or(u32::MAX),
                    neg,
                };
                Ok(Word::Cond(if k == "in" {
                    Cond::In(m)
                } else {
                    Cond::Out(m)
                }))
            }
        }
        _ => return None,
    })
}

impl SamplingMap {
    /// pmacct caches a sampling_map lookup per exporter and source id unless a rule matches
    /// on `in`/`out` (then it looks up every record).
    pub fn lookups_cached(&self) -> bool {
        !self.v4.iter().chain(&self.v6).any(|r| {
            r.conds
                .iter()
                .any(|c| matches!(c, Cond::In(_) | Cond::Out(_)))
        })
    }

    /// Parse a sampling_map (see [`IdMap`]); a rule with rate 0 counts as lacking its `id`.
    pub fn parse(file: &str, text: &str, max_entries: usize) -> (SamplingMap, Vec<Diag>) {
        let (mut m, d) = IdMap::parse_with(file, text, max_entries, true, &|k, v| match k {
            "id" | "set_tag" => Some(parse_rate(v).map(Word::Value)),
            _ => common_word(k, v),
        });
        m.v4.retain(|r| r.value != 0);
        m.v6.retain(|r| r.value != 0);
        (m, d)
    }

    /// Read and parse `path`.
    pub fn load(path: &str, max_entries: usize) -> Result<(SamplingMap, Vec<Diag>), MapError> {
        let text = crate::read(path, 64 << 20)?;
        Ok(SamplingMap::parse(path, &text, max_entries))
    }

    /// The rate of the first rule matching the exporter and interfaces.
    pub fn lookup(&self, exporter: IpAddr, in_iface: u32, out_iface: u32) -> Option<u32> {
        let p = Primitives {
            peer_src_ip: Some(exporter),
            in_iface,
            out_iface,
            ..Default::default()
        };
        self.lookup_flow(&p)
    }
}

impl FlowToRdMap {
    /// Parse a flow_to_rd_map (see [`IdMap`]).
    pub fn parse_rd(file: &str, text: &str, max_entries: usize) -> (FlowToRdMap, Vec<Diag>) {
        IdMap::parse_with(file, text, max_entries, false, &|k, v| {
            Some(match k {
                "id" => Ok(match parse_rd(v) {
                    Some(rd) => Word::Value(rd),
                    None => Word::Nothing,
                }),
                "bgp_nexthop" => next_hop_word(v, Cond::BgpNextHop),
                "mpls_vpn_id" => {
                    let (neg, n) = neg_of(v);
                    match n.parse::<u32>() {
                        Ok(n) if n != 0 => Ok(Word::Cond(Cond::VpnId(n, neg))),
                        _ => Err("Bad MPLS VPN ID value '0'.".to_string()),
                    }
                }
                "mpls_label_bottom" => {
                    let (neg, n) = neg_of(v);
                    match n.parse::<u32>() {
                        Ok(n) => Ok(Word::Cond(Cond::LabelBottom(n, neg))),
                        Err(_) => Err(format!("Bad MPLS label value '{n}'.")),
                    }
                }
                _ => return common_word(k, v),
            })
        })
    }

    /// Read and parse `path`.
    pub fn load_rd(path: &str, max_entries: usize) -> Result<(FlowToRdMap, Vec<Diag>), MapError> {
        let text = crate::read(path, 64 << 20)?;
        Ok(FlowToRdMap::parse_rd(path, &text, max_entries))
    }
}

/// The value of a BGP source map rule (`bgp_peer_src_as_map`, `bgp_src_local_pref_map`,
/// `bgp_src_med_map`): a number, or `bgp` (the neighbour AS of the source's BGP route).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BgpSrcValue {
    Num(u32),
    Bgp,
}

/// A loaded BGP source map (1.7.7's `MAP_BGP_PEER_AS_SRC`, `MAP_BGP_SRC_LOCAL_PREF`,
/// `MAP_BGP_SRC_MED`, one syntax for the three).
pub type BgpSrcMap = IdMap<BgpSrcValue>;

impl BgpSrcMap {
    /// Parse as 1.7.7: keys `id` (a number, cut to 32 bits as the primitives hold it, or a
    /// value starting with `bgp`; 0 counts as missing), `ip` (required), `in`, `out`,
    /// `bgp_nexthop` and `peer_dst_as` (both of the source's BGP route), `src_net`,
    /// `dst_net`. `src_mac`, `vlan` and `filter`, which 1.7.7 also reads, are refused with
    /// a warning (the line is ignored).
    pub fn parse_bgp_src(file: &str, text: &str, max_entries: usize) -> (BgpSrcMap, Vec<Diag>) {
        IdMap::parse_with(file, text, max_entries, true, &|k, v| {
            Some(match k {
                "id" if v.starts_with("bgp") => Ok(Word::Value(BgpSrcValue::Bgp)),
                "id" => {
                    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
                        Err("Invalid set_tag/id specified (non-digit chars).".to_string())
                    } else {
                        match v.parse::<u64>() {
                            Ok(0) => Ok(Word::Nothing),
                            Ok(n) => Ok(Word::Value(BgpSrcValue::Num(n as u32))),
                            Err(_) => Err("Invalid set_tag/id specified.".to_string()),
                        }
                    }
                }
                "bgp_nexthop" => next_hop_word(v, Cond::SrcRouteNextHop),
                "peer_dst_as" => {
                    let (neg, n) = neg_of(v);
                    Ok(Word::Cond(Cond::SrcRoutePeerAs(c_ulong(n) as u32, neg)))
                }
                "src_net" | "dst_net" => {
                    let (neg, n) = neg_of(v);
                    match parse_prefix(n) {
                        Some((a, l)) if k == "src_net" => Ok(Word::Cond(Cond::SrcNet(a, l, neg))),
                        Some((a, l)) => Ok(Word::Cond(Cond::DstNet(a, l, neg))),
                        None => Err(format!(
                            "Bad {} network address '{n}'.",
                            if k == "src_net" {
                                "source"
                            } else {
                                "destination"
                            }
                        )),
                    }
                }
                "src_mac" | "vlan" | "filter" => Err(format!(
                    "'{k}' is not supported in BGP source maps by pmacct-rs."
                )),
                _ => return common_word(k, v),
            })
        })
    }

    /// Read and parse `path`.
    pub fn load_bgp_src(
        path: &str,
        max_entries: usize,
    ) -> Result<(BgpSrcMap, Vec<Diag>), MapError> {
        let text = crate::read(path, 64 << 20)?;
        Ok(BgpSrcMap::parse_bgp_src(path, &text, max_entries))
    }
}

/// C's `strtoul()` of a value as 1.7.7's map handlers read numbers: leading digits, 0 when
/// there are none.
fn c_ulong(v: &str) -> u64 {
    let d = v.trim_start();
    let end = d.find(|c: char| !c.is_ascii_digit()).unwrap_or(d.len());
    d[..end]
        .parse::<u64>()
        .unwrap_or(if end > 0 { u64::MAX } else { 0 })
}

/// sampling_map on one flow (the core stage): the map's rate, then, with `renormalize`
/// by rate, counters scaled by the map's rate, else the exported one (the core must not
/// renormalize again). With `*_ext_sampling_rate` the core has scaled the counters by it
/// already (pmacct's `counters_renormalize_handler` replaces the map's): the rate only
/// prints as renormalized.
pub fn apply_sampling(
    map: &SamplingMap,
    flow: &mut Flow,
    renormalize: Option<Renormalize>,
) -> bool {
    if let Some(rate) = map.lookup_flow(&flow.prims) {
        flow.prims.sampling_rate = rate;
    }
    match renormalize {
        Some(Renormalize::ByRate) => flow.renormalize(),
        Some(Renormalize::External(_)) => flow.mark_renormalized(),
        None => {}
    }
    true
}

/// flow_to_rd_map on one flow: the first matching rule's RD becomes `mpls_vpn_rd`.
pub fn apply_flow_to_rd(map: &FlowToRdMap, flow: &mut Flow) -> bool {
    if let Some(rd) = map.lookup_flow(&flow.prims) {
        flow.prims.mpls_vpn_rd = rd;
        flow.prims.bgp_rd_from_map = true;
    }
    true
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

    #[test]
    fn flow_to_rd_rules() {
        let text = "id=0:65000:203 ip=192.168.100.1 in=203\nid=2:65000:176 ip=192.168.100.1 out=176\nid=1:10.10.0.33:188 ip=192.168.100.1 mpls_vpn_id=1610612748\nid=0:65000:1 ip=0.0.0.0/0 bgp_nexthop=zz\nid=9:1:1 ip=1.1.1.1\n";
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let (m, d) = FlowToRdMap::parse_rd("f2rd", text, 384);
        let got: Vec<String> = d.iter().map(|d| d.err.to_string()).collect();
        assert_eq!(
            got,
            vec![
                "[f2rd] Bad BGP nexthop address 'zz'.",
                "[f2rd:4] Line ignored.",
            ]
        );
        assert_eq!(m.len(), 3);
        let mut p = Primitives {
            peer_src_ip: Some(ip("192.168.100.1")),
            in_iface: 203,
            ..Default::default()
        };
        assert_eq!(
            m.lookup_flow(&p),
            Some(RouteDistinguisher::As2 {
                asn: 65000,
                val: 203
            })
        );
        p.in_iface = 1;
        p.out_iface = 176;
        assert_eq!(
            m.lookup_flow(&p),
            Some(RouteDistinguisher::As4 {
                asn: 65000,
                val: 176
            })
        );
        p.out_iface = 1;
        p.mpls_vpn_rd = RouteDistinguisher::VrfId(1610612748);
        assert_eq!(
            m.lookup_flow(&p),
            Some(RouteDistinguisher::Ip {
                ip: "10.10.0.33".parse().unwrap(),
                val: 188
            })
        );
    }

    #[test]
    fn bgp_src_map_rules() {
        let text = "id=111 ip=10.0.0.1 src_net=10.1.0.0/16\n\
                    id=bgp ip=10.0.0.1 src_net=10.2.0.0/16\n\
                    id=333 ip=10.0.0.1 bgp_nexthop=192.0.2.5\n\
                    id=444 ip=10.0.0.1 peer_dst_as=65020\n\
                    id=0 ip=10.0.0.1\n\
                    id=abc ip=10.0.0.1\n\
                    id=bgp\n\
                    id=9 ip=10.0.0.1 vlan=3\n\
                    id=4294967298 ip=0.0.0.0/0 peer_dst_as=-4200000001 dst_net=-10.6.0.0/16\n";
        let (m, d) = BgpSrcMap::parse_bgp_src("bpas", text, 384);
        let got: Vec<String> = d.iter().map(|d| d.err.to_string()).collect();
        assert_eq!(
            got,
            vec![
                "[bpas:5] required key missing. Required keys are: 'id', 'ip'. Line ignored.",
                "[bpas] Invalid set_tag/id specified (non-digit chars).",
                "[bpas:6] Line ignored.",
                "[bpas:7] required key missing. Required keys are: 'id', 'ip'. Line ignored.",
                "[bpas] 'vlan' is not supported in BGP source maps by pmacct-rs.",
                "[bpas:8] Line ignored.",
                "[bpas] Negations not supported. Indexing disabled.",
            ]
        );
        assert_eq!(m.len(), 5);
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let p = |src: &str, dst: &str| Primitives {
            peer_src_ip: Some(ip("10.0.0.1")),
            src_ip: Some(ip(src)),
            dst_ip: Some(ip(dst)),
            ..Default::default()
        };
        let none = SrcRoute::default();
        let r = |nh: &str, asn| SrcRoute {
            found: true,
            next_hop: Some(ip(nh)),
            peer_as: asn,
        };
        let v = BgpSrcValue::Num;
        assert_eq!(
            m.lookup_with(&p("10.1.2.3", "1.1.1.1"), &none),
            Some(v(111))
        );
        assert_eq!(
            m.lookup_with(&p("10.2.2.3", "1.1.1.1"), &none),
            Some(BgpSrcValue::Bgp)
        );
        assert_eq!(
            m.lookup_with(&p("10.3.0.1", "1.1.1.1"), &r("192.0.2.5", 1)),
            Some(v(333))
        );
        assert_eq!(
            m.lookup_with(&p("10.3.0.1", "1.1.1.1"), &r("192.0.2.6", 65020)),
            Some(v(444))
        );
        // Negated conditions; the id is cut to 32 bits.
        assert_eq!(m.lookup_with(&p("10.3.0.1", "10.7.0.1"), &none), Some(v(2)));
        assert_eq!(m.lookup_with(&p("10.3.0.1", "10.6.0.1"), &none), None);
        assert_eq!(
            m.lookup_with(&p("10.3.0.1", "10.7.0.1"), &r("192.0.2.6", 4_200_000_001)),
            None
        );
    }
}
