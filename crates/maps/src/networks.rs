//! `networks_file`: networks and AS numbers from a file, and the per-plugin evaluation pmacct
//! 1.7.7 runs on every flow a plugin accounts (`net_aggr.c`: `set_net_funcs()` and the
//! `search_*` / `mask_*` functions), with `nfacctd_net` / `nfacctd_as` (`sfacctd_*`,
//! `pmacctd_*`), `networks_file_filter`, `networks_file_no_lpm`, `networks_mask` and
//! `networks_no_mask_if_zero`.
//!
//! File format, one network a line (`!`/`#` comments, spaces ignored):
//! `[[<ignored>,]<next hop>,][[<peer AS>_]<AS>,]<net>/<len>`.
//!
//! Where pmacct 1.7.7 is wrong we are not (docs/COMPATIBILITY.md, "Maps"):
//! - IPv6: 1.7.7's duplicate removal collapses the IPv6 table to one entry that matches every
//!   address with the AS and mask of the lowest IPv6 network of the file; we do a longest
//!   prefix match, as for IPv4.
//! - duplicate networks: 1.7.7 shifts the networks of the entries after a duplicate against
//!   their AS and mask; we keep the last line of a duplicate network.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use pmacct_flow::flow::{mask_addr, Primitives};
use pmacct_flow::{Aggregate, Flow, Primitive};

use crate::{Diag, MapError, Severity};

/// One network of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NetEntry {
    /// The network, masked to its length.
    pub net: IpAddr,
    pub masknum: u8,
    pub asn: u32,
    pub peer_as: u32,
    /// BGP next hop of the 3-field form (`peer_dst_ip`).
    pub nh: Option<IpAddr>,
}

/// One address family's table: longest prefix match over the lengths present.
#[derive(Debug, Clone, Default)]
struct FamilyTable {
    entries: Vec<NetEntry>,
    /// (length, network bits) -> entry index.
    index: HashMap<(u8, u128), usize>,
    /// Lengths present, longest first.
    lens: Vec<u8>,
    /// pmacct's `default_route_in_networks{4,6}_table`.
    default_route: bool,
}

fn bits(a: IpAddr) -> u128 {
    match a {
        IpAddr::V4(v) => u128::from(u32::from(v)),
        IpAddr::V6(v) => u128::from(v),
    }
}

fn mask_bits(v: u128, len: u8, width: u8) -> u128 {
    if len == 0 {
        0
    } else {
        let keep = u128::MAX << (width - len.min(width));
        let full = if width == 128 {
            u128::MAX
        } else {
            (1u128 << width) - 1
        };
        v & keep & full
    }
}

impl FamilyTable {
    fn build(mut entries: Vec<NetEntry>, width: u8) -> FamilyTable {
        // Later lines win over an earlier duplicate network.
        let mut index: HashMap<(u8, u128), usize> = HashMap::new();
        let mut kept: Vec<NetEntry> = Vec::new();
        for e in entries.drain(..) {
            let k = (e.masknum, mask_bits(bits(e.net), e.masknum, width));
            match index.get(&k) {
                Some(&i) => kept[i] = e,
                None => {
                    index.insert(k, kept.len());
                    kept.push(e);
                }
            }
        }
        let mut lens: Vec<u8> = kept.iter().map(|e| e.masknum).collect();
        lens.sort_unstable_by(|a, b| b.cmp(a));
        lens.dedup();
        let default_route = kept.iter().any(|e| e.masknum == 0);
        FamilyTable {
            entries: kept,
            index,
            lens,
            default_route,
        }
    }

    fn lookup(&self, a: IpAddr, width: u8) -> Option<&NetEntry> {
        let v = bits(a);
        self.lens.iter().find_map(|&l| {
            self.index
                .get(&(l, mask_bits(v, l, width)))
                .map(|&i| &self.entries[i])
        })
    }
}

/// A loaded `networks_file`.
#[derive(Debug, Clone, Default)]
pub struct NetworksTable {
    v4: FamilyTable,
    v6: FamilyTable,
}

/// pmacct's C `strtoul(s, .., 10)` truncated to 32 bits: leading digits, else 0.
fn strtoul(s: &str) -> u32 {
    let s = s.trim_start();
    let s = s.strip_prefix('+').unwrap_or(s);
    let mut v: u64 = 0;
    for b in s.bytes().take_while(u8::is_ascii_digit) {
        v = v.saturating_mul(10).saturating_add(u64::from(b - b'0'));
    }
    v.min(u64::from(u32::MAX)) as u32
}

/// C `inet_aton`: dotted forms with 1 to 4 parts, each decimal, octal (`0`) or hex (`0x`).
fn inet_aton(s: &str) -> Option<Ipv4Addr> {
    pmacct_config::inet_aton(s)
        .filter(|(_, rest)| rest.is_empty())
        .map(|(a, _)| a)
}

impl NetworksTable {
    /// Parse a networks file as pmacct 1.7.7's `load_networks4()` and `load_networks6()`
    /// do (each reads the whole file and logs its own errors, the IPv4 one then its success
    /// line: a line without `/` is reported twice, as by pmacct). `filter`: `networks_file_filter` (no catch-all entry
    /// for an address family the file lacks). Bad lines are skipped, never fatal.
    pub fn parse(file: &str, text: &str, filter: bool) -> (NetworksTable, Vec<Diag>) {
        let mut diags = Vec::new();
        let mut t = NetworksTable::default();
        // pmacct builds a zeroed catch-all row for a family without valid lines; "fake"
        // (file without any non-comment line) tables have no default route.
        let mut any_line = false;
        for v6 in [false, true] {
            let mut entries = Vec::new();
            let mut row = 0usize;
            for line in text.lines() {
                let first = line.trim_start().chars().next();
                if matches!(first, Some('!') | Some('#')) {
                    continue;
                }
                if first.is_some() || !line.is_empty() {
                    any_line = true;
                }
                row += 1;
                if let Some(e) = parse_line(file, line, row, v6, &mut diags) {
                    entries.push(e);
                }
            }
            let width = if v6 { 128 } else { 32 };
            let mut ft = FamilyTable::build(entries, width);
            if ft.entries.is_empty() && (!filter || v6) {
                // IPv6 keeps its zeroed row even with the filter: 1.7.7's duplicate removal
                // always leaves one IPv6 entry.
                let zero = NetEntry {
                    net: if v6 {
                        IpAddr::V6(Ipv6Addr::UNSPECIFIED)
                    } else {
                        IpAddr::V4(Ipv4Addr::UNSPECIFIED)
                    },
                    masknum: 0,
                    asn: 0,
                    peer_as: 0,
                    nh: None,
                };
                ft = FamilyTable::build(vec![zero], width);
                ft.default_route = any_line;
            }
            if v6 {
                t.v6 = ft;
            } else {
                t.v4 = ft;
            }
            // pmacct's IPv4 loader ends with this line (the IPv6 one logs none).
            if v6 {
                continue;
            }
            diags.push(Diag {
                severity: Severity::Info,
                err: MapError {
                    file: file.to_string(),
                    line: 0,
                    msg: "map successfully (re)loaded.".into(),
                },
            });
        }
        (t, diags)
    }

    /// Read and parse `path`; the error when it cannot be read.
    pub fn load(path: &str, filter: bool) -> Result<(NetworksTable, Vec<Diag>), MapError> {
        let text = crate::read(path, 256 << 20)?;
        Ok(NetworksTable::parse(path, &text, filter))
    }

    /// The longest matching network of `a`.
    pub fn lookup(&self, a: IpAddr) -> Option<&NetEntry> {
        match a {
            IpAddr::V4(_) => self.v4.lookup(a, 32),
            IpAddr::V6(_) => self.v6.lookup(a, 128),
        }
    }

    fn default_route(&self, a: IpAddr) -> bool {
        match a {
            IpAddr::V4(_) => self.v4.default_route,
            IpAddr::V6(_) => self.v6.default_route,
        }
    }

    /// Networks of both families (IPv4 first), for tests and debugging.
    pub fn entries(&self) -> impl Iterator<Item = &NetEntry> {
        self.v4.entries.iter().chain(&self.v6.entries)
    }
}

fn diag(file: &str, line: usize, msg: String) -> Diag {
    Diag {
        severity: Severity::Error,
        err: MapError {
            file: file.to_string(),
            line,
            msg,
        },
    }
}

/// One line for one family (`v6`), None if it is not a network of that family.
fn parse_line(
    file: &str,
    line: &str,
    row: usize,
    v6: bool,
    diags: &mut Vec<Diag>,
) -> Option<NetEntry> {
    let mut parts: Vec<&str> = line.split(',').collect();
    let fields = parts.len() - 1;
    // `a,nh,as,net`: the first of four is ignored.
    if fields >= 3 {
        parts.remove(0);
    }
    let mut it = parts.into_iter();
    let nh = if fields >= 2 {
        let s: String = it.next()?.chars().filter(|c| !c.is_whitespace()).collect();
        s.parse::<IpAddr>().ok()
    } else {
        None
    };
    let (mut asn, mut peer_as) = (0, 0);
    if fields >= 1 {
        let a = it.next()?;
        match a.split_once('_') {
            Some((p, a)) => {
                peer_as = strtoul(p);
                asn = strtoul(a);
            }
            None => asn = strtoul(a),
        }
    }
    // The rest (more commas are part of it, as in pmacct) is the network, spaces removed.
    let rest: Vec<&str> = it.collect();
    let net: String = rest
        .join(",")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if net.is_empty() || net.starts_with('!') {
        return None;
    }
    let Some((addr, len)) = net.split_once('/') else {
        diags.push(diag(file, row, "Missing '/' separator. Ignoring.".into()));
        return None;
    };
    let ip: IpAddr = if v6 {
        IpAddr::V6(addr.parse::<Ipv6Addr>().ok()?)
    } else {
        IpAddr::V4(inet_aton(addr)?)
    };
    if !len.bytes().all(|b| b.is_ascii_digit()) {
        diags.push(diag(file, row, format!("Invalid network mask '{len}'.")));
        return None;
    }
    let n = strtoul(len);
    let max = if v6 { 128 } else { 32 };
    if n > max {
        diags.push(diag(file, row, format!("Invalid network mask '{n}'.")));
        return None;
    }
    let masknum = n as u8;
    Some(NetEntry {
        net: mask_addr(ip, masknum),
        masknum,
        asn,
        peer_as,
        nh,
    })
}

/// `nfacctd_net` / `sfacctd_net` / `pmacctd_net` (pmacct's `NF_NET_*` bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NetMethod {
    pub keep: bool,
    pub file: bool,
    pub mask: bool,
    pub bgp: bool,
    pub igp: bool,
    pub fallback: bool,
}

/// `nfacctd_as` / `sfacctd_as` / `pmacctd_as` (pmacct's `NF_AS_*` bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AsMethod {
    pub keep: bool,
    pub file: bool,
    pub bgp: bool,
    pub fallback: bool,
}

/// pmacct's error for a bad value: `Invalid network aggregation value 'x'`.
pub fn parse_net_method(v: &str, flow_daemon: bool) -> Result<NetMethod, String> {
    let v = v.trim().to_ascii_lowercase();
    let mut m = NetMethod::default();
    match v.as_str() {
        "sflow" | "netflow" if flow_daemon => m.keep = true,
        "file" => m.file = true,
        "mask" => m.mask = true,
        "bgp" | "bmp" => m.bgp = true,
        "igp" => m.igp = true,
        "fallback" | "longest" => {
            m.fallback = true;
            m.keep = flow_daemon;
            m.bgp = true;
            m.igp = true;
        }
        _ => return Err(format!("Invalid network aggregation value '{v}'")),
    }
    Ok(m)
}

/// pmacct's error for a bad value: `Invalid AS aggregation value 'x'`.
pub fn parse_as_method(v: &str, flow_daemon: bool) -> Result<AsMethod, String> {
    let v = v.trim().to_ascii_lowercase();
    let mut m = AsMethod::default();
    match v.as_str() {
        "false" | "netflow" | "sflow" if flow_daemon => m.keep = true,
        "true" | "file" => m.file = true,
        "bgp" | "bmp" => m.bgp = true,
        "fallback" | "longest" => {
            m.fallback = true;
            m.keep = flow_daemon;
            m.bgp = true;
        }
        _ => return Err(format!("Invalid AS aggregation value '{v}'")),
    }
    Ok(m)
}

/// Everything the per-plugin evaluation needs besides the table.
#[derive(Debug, Clone, Copy, Default)]
pub struct NetOptions {
    pub net: NetMethod,
    pub asm: AsMethod,
    /// `networks_file_filter`.
    pub filter: bool,
    /// `networks_file_no_lpm`.
    pub no_lpm: bool,
    /// `networks_mask` (0 = unset).
    pub networks_mask: u8,
    /// `networks_no_mask_if_zero`.
    pub no_mask_if_zero: bool,
    /// `bgp_daemon` or `bmp_daemon` is enabled (pmacct's start-up checks look at them).
    pub bgp_daemon: bool,
    /// `isis_daemon` is enabled.
    pub isis_daemon: bool,
    /// pmacctd/uacctd: no ASNs or masks come with the packets, and the AS check differs.
    pub packet_daemon: bool,
}

/// Why pmacct 1.7.7 refuses a plugin's `<daemon>_as` / `<daemon>_net` at start-up (its
/// plugin checks in nfacctd.c, sfacctd.c, pmacctd.c); the daemon words the line as each
/// daemon does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetCheck {
    /// AS aggregation from `networks_file` alone, and no networks_file.
    AsNoFile,
    /// AS aggregation from BGP alone (`*_as: bgp|bmp`), and no bgp_daemon/bmp_daemon.
    AsNoBgp,
    /// pmacctd/uacctd: AS aggregation, no networks_file and `pmacctd_as` not BGP.
    AsNoFileOrMethod,
    /// Network aggregation whose only source is missing (file, mask, BGP or IS-IS).
    NetNoSource,
    /// pmacct-rs: `*_net: igp` needs the IS-IS daemon, which pmacct-rs does not have.
    BgpNotImplemented,
}

impl NetOptions {
    /// pmacct's plugin start-up checks and defaults (nfacctd.c): a fallback method takes
    /// the file in when there is one; Err names the check that fails, in pmacct's order.
    pub fn resolve(mut self, agg: &Aggregate, have_file: bool) -> Result<NetOptions, NetCheck> {
        use Primitive::*;
        let as_agg = agg.contains(SrcAs) || agg.contains(DstAs);
        let as_bgp_only = self.asm
            == AsMethod {
                bgp: true,
                ..Default::default()
            };
        if as_agg {
            if self.packet_daemon {
                if !have_file && !as_bgp_only {
                    return Err(NetCheck::AsNoFileOrMethod);
                }
            } else {
                if !have_file && self.asm.file && !self.asm.fallback {
                    return Err(NetCheck::AsNoFile);
                }
                if as_bgp_only && !self.bgp_daemon {
                    return Err(NetCheck::AsNoBgp);
                }
            }
            if self.asm.fallback && have_file {
                self.asm.file = true;
            }
        }
        let net_agg = [SrcNet, DstNet, SrcMask, DstMask, PeerDstIp]
            .iter()
            .any(|p| agg.contains(*p));
        let only = |m: NetMethod, f: fn(&mut NetMethod)| {
            let mut o = NetMethod::default();
            f(&mut o);
            m == o
        };
        let net_bgp_only = only(self.net, |m| m.bgp = true);
        if net_agg {
            if (only(self.net, |m| m.file = true) && !have_file)
                || (only(self.net, |m| m.mask = true) && self.networks_mask == 0)
                || (net_bgp_only && !self.bgp_daemon)
                || (only(self.net, |m| m.igp = true) && !self.isis_daemon)
            {
                return Err(NetCheck::NetNoSource);
            }
            if self.net.fallback && have_file {
                self.net.file = true;
            }
        }
        // Networks from the IS-IS daemon alone: pmacct-rs has none (the BGP daemon runs).
        if net_agg && only(self.net, |m| m.igp = true) {
            return Err(NetCheck::BgpNotImplemented);
        }
        Ok(self)
    }
}

/// Which primitives the plugin aggregates (pmacct's `what_to_count` tests).
#[derive(Debug, Clone, Copy, Default)]
struct Wanted {
    src_host: bool,
    dst_host: bool,
    src_net: bool,
    dst_net: bool,
    src_mask: bool,
    dst_mask: bool,
    src_as: bool,
    dst_as: bool,
    peer_src_as: bool,
    peer_dst_as: bool,
    peer_dst_ip: bool,
}

impl Wanted {
    fn of(agg: &Aggregate) -> Wanted {
        use pmacct_flow::primitives::SumMode;
        let sum = agg.sum_mode();
        let c = |p| agg.contains(p);
        Wanted {
            src_host: c(Primitive::SrcHost) || sum == Some(SumMode::Host),
            dst_host: c(Primitive::DstHost) || sum == Some(SumMode::Host),
            src_net: c(Primitive::SrcNet) || sum == Some(SumMode::Net),
            dst_net: c(Primitive::DstNet) || sum == Some(SumMode::Net),
            src_mask: c(Primitive::SrcMask),
            dst_mask: c(Primitive::DstMask),
            src_as: c(Primitive::SrcAs) || sum == Some(SumMode::As),
            dst_as: c(Primitive::DstAs) || sum == Some(SumMode::As),
            peer_src_as: c(Primitive::PeerSrcAs),
            peer_dst_as: c(Primitive::PeerDstAs),
            peer_dst_ip: c(Primitive::PeerDstIp),
        }
    }
}

/// One side (source or destination) of the evaluation.
struct Side<'a> {
    ip: &'a mut Option<IpAddr>,
    mask: &'a mut u8,
    asn: &'a mut u32,
    host: bool,
    want_as: bool,
    /// `peer_src_as` / `peer_dst_as` when aggregated.
    peer_as: Option<&'a mut u32>,
}

/// The per-plugin networks evaluation of one flow (`net_funcs[]` in pmacct's order).
pub fn evaluate(
    table: Option<&NetworksTable>,
    o: &NetOptions,
    agg: &Aggregate,
    p: &mut Primitives,
) {
    let w = Wanted::of(agg);
    evaluate_wanted(table, o, &w, p);
}

fn evaluate_wanted(table: Option<&NetworksTable>, o: &NetOptions, w: &Wanted, p: &mut Primitives) {
    if o.net.mask && o.networks_mask != 0 {
        let m = o.networks_mask;
        if w.src_mask {
            p.src_mask = m;
        }
        if w.dst_mask {
            p.dst_mask = m;
        }
    }
    if let Some(t) = table {
        let src = Side {
            ip: &mut p.src_ip,
            mask: &mut p.src_mask,
            asn: &mut p.src_as,
            host: w.src_host,
            want_as: w.src_as,
            peer_as: w.peer_src_as.then_some(&mut p.peer_src_as),
        };
        side(t, o, src);
        let dst = Side {
            ip: &mut p.dst_ip,
            mask: &mut p.dst_mask,
            asn: &mut p.dst_as,
            host: w.dst_host,
            want_as: w.dst_as,
            peer_as: w.peer_dst_as.then_some(&mut p.peer_dst_as),
        };
        let e = side(t, o, dst);
        if o.net.file && w.peer_dst_ip {
            let (nh, m) = e.map_or((None, 0), |e| (e.nh, e.masknum));
            if !o.net.fallback || (if o.no_lpm { m != 0 } else { m >= p.dst_mask }) {
                p.peer_dst_ip = nh;
            }
        }
    }
    // mask_{src,dst}_ipaddr (or the static networks_mask variant).
    let static_mask = o.net.mask && o.networks_mask != 0;
    if w.src_net {
        p.src_net = p.src_ip.map(|a| net_of(a, p.src_mask, o, static_mask));
    }
    if w.dst_net {
        p.dst_net = p.dst_ip.map(|a| net_of(a, p.dst_mask, o, static_mask));
    }
}

fn net_of(a: IpAddr, mask: u8, o: &NetOptions, static_mask: bool) -> IpAddr {
    if static_mask {
        return mask_addr(a, o.networks_mask);
    }
    let m = if o.no_mask_if_zero && mask == 0 {
        128
    } else {
        mask
    };
    mask_addr(a, m)
}

fn pick_as(o: &NetOptions, (asn, mask): (u32, u8), cur_mask: u8, out: &mut u32) {
    if !o.asm.fallback {
        *out = asn;
    } else if o.no_lpm {
        if mask != 0 {
            *out = asn;
        }
    } else if mask >= cur_mask {
        *out = asn;
    }
}

fn zero_of(a: IpAddr) -> IpAddr {
    match a {
        IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    }
}

/// search_*_ip, search_*_host, search_*_nmask, search_*_as for one side.
fn side<'t>(t: &'t NetworksTable, o: &NetOptions, s: Side<'_>) -> Option<&'t NetEntry> {
    let addr = (*s.ip)?;
    let e = t.lookup(addr);
    let def = t.default_route(addr);
    // The zeroed catch-all row counts as "not found" for the filter, unless the file has a
    // real default route.
    let unmatched = match e {
        None => true,
        Some(e) => bits(e.net) == 0 && !def,
    };
    if s.host && o.filter && unmatched {
        *s.ip = Some(zero_of(addr));
    }
    let mask = e.map_or(0, |e| e.masknum);
    if o.net.file {
        if !o.net.fallback {
            *s.mask = mask;
        } else {
            if o.no_lpm {
                if mask != 0 {
                    *s.mask = mask;
                }
            } else if mask > *s.mask {
                *s.mask = mask;
            }
            if o.filter && mask == 0 && !def {
                *s.mask = 0;
            }
        }
    }
    if o.asm.file && s.want_as {
        pick_as(o, e.map_or((0, 0), |e| (e.asn, e.masknum)), *s.mask, s.asn);
    }
    if let Some(peer_as) = s.peer_as.filter(|_| o.asm.file) {
        pick_as(
            o,
            e.map_or((0, 0), |e| (e.peer_as, e.masknum)),
            *s.mask,
            peer_as,
        );
    }
    e
}

/// The networks evaluation as a plugin stage.
pub struct NetworksStage {
    table: Option<Arc<NetworksTable>>,
    opts: NetOptions,
    wanted: Wanted,
}

impl NetworksStage {
    pub fn new(table: Option<Arc<NetworksTable>>, opts: NetOptions, agg: &Aggregate) -> Self {
        NetworksStage {
            table,
            opts,
            wanted: Wanted::of(agg),
        }
    }
}

impl NetworksStage {
    /// Evaluate one flow of the plugin (never drops it).
    pub fn apply(&mut self, flow: &mut Flow) -> bool {
        evaluate_wanted(
            self.table.as_deref(),
            &self.opts,
            &self.wanted,
            &mut flow.prims,
        );
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_up_checks_as_1_7_7() {
        let agg = |t: &[&str]| {
            Aggregate::parse(&t.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
        };
        let opts = |net: &str, asm: &str, packet: bool| NetOptions {
            net: parse_net_method(net, !packet).unwrap(),
            asm: parse_as_method(asm, !packet).unwrap(),
            packet_daemon: packet,
            ..Default::default()
        };
        let r = |o: NetOptions, a: &[&str], file: bool| o.resolve(&agg(a), file).err();
        assert_eq!(
            r(opts("netflow", "bgp", false), &["src_as"], true),
            Some(NetCheck::AsNoBgp)
        );
        assert_eq!(r(opts("netflow", "bgp", false), &["src_host"], false), None);
        assert_eq!(r(opts("bgp", "netflow", false), &["src_as"], false), None);
        assert_eq!(
            r(opts("bmp", "netflow", false), &["dst_mask"], true),
            Some(NetCheck::NetNoSource)
        );
        assert_eq!(
            r(opts("igp", "netflow", false), &["src_net"], true),
            Some(NetCheck::NetNoSource)
        );
        assert_eq!(
            r(opts("netflow", "file", false), &["src_as"], false),
            Some(NetCheck::AsNoFile)
        );
        assert_eq!(
            r(opts("netflow", "fallback", false), &["src_as"], false),
            None
        );
        // pmacctd: AS needs networks_file unless pmacctd_as is BGP (then 0, as 1.7.7).
        assert_eq!(
            r(opts("file", "file", true), &["src_as"], false),
            Some(NetCheck::AsNoFileOrMethod)
        );
        assert_eq!(r(opts("file", "bgp", true), &["src_as"], false), None);
        // With a BGP daemon enabled pmacct starts, and so do we.
        let mut o = opts("bgp", "netflow", false);
        o.bgp_daemon = true;
        assert_eq!(r(o, &["src_net"], false), None);
        let mut o = opts("netflow", "bgp", false);
        o.bgp_daemon = true;
        assert_eq!(r(o, &["src_as"], false), None);
    }

    fn msgs(d: &[Diag]) -> Vec<String> {
        d.iter()
            .filter(|d| d.severity != Severity::Info)
            .map(|d| d.err.to_string())
            .collect()
    }

    /// Messages as nfacctd 1.7.7 logs them for the same file (both loaders read every line).
    #[test]
    fn bad_lines_like_pmacct() {
        let text = "! c\n10.0.0.0/8\n10.1.0.0\n65000,10.2.0.0/x\n10.3.0.0/33\n\n2001:db8::/129\n";
        let (t, d) = NetworksTable::parse("n.lst", text, false);
        assert_eq!(
            msgs(&d),
            vec![
                "[n.lst:2] Missing '/' separator. Ignoring.",
                "[n.lst:3] Invalid network mask 'x'.",
                "[n.lst:4] Invalid network mask '33'.",
                "[n.lst:2] Missing '/' separator. Ignoring.",
                "[n.lst:6] Invalid network mask '129'.",
            ]
        );
        assert_eq!(t.v4.entries.len(), 1);
    }

    #[test]
    fn forms_and_longest_match() {
        let text = "10.0.0.0/8\n65001,10.1.0.0/16\n64512_65002,10.1.2.0/24\n192.0.2.1,65003,10.1.2.128/25\nx,192.0.2.2,65004,2001:db8::/32\n";
        let (t, d) = NetworksTable::parse("n", text, false);
        assert!(msgs(&d).is_empty());
        let l = |s: &str| t.lookup(s.parse().unwrap()).copied();
        assert_eq!(l("10.9.9.9").unwrap().masknum, 8);
        assert_eq!(l("10.1.9.9").unwrap().asn, 65001);
        let e = l("10.1.2.3").unwrap();
        assert_eq!((e.masknum, e.asn, e.peer_as), (24, 65002, 64512));
        let e = l("10.1.2.200").unwrap();
        assert_eq!((e.asn, e.nh), (65003, Some("192.0.2.1".parse().unwrap())));
        assert!(l("11.0.0.1").is_none());
        let e = l("2001:db8:1::1").unwrap();
        assert_eq!((e.asn, e.masknum), (65004, 32));
        assert!(l("2001:db9::1").is_none());
    }

    fn flow(src: &str, dst: &str) -> Primitives {
        Primitives {
            src_ip: Some(src.parse().unwrap()),
            dst_ip: Some(dst.parse().unwrap()),
            src_mask: 8,
            dst_mask: 30,
            src_as: 1,
            dst_as: 2,
            ..Default::default()
        }
    }

    #[test]
    fn methods_like_pmacct() {
        let (t, _) = NetworksTable::parse("n", "65001,138.187.0.0/16\n", false);
        let agg = Aggregate::parse(&[
            "src_host,dst_host,src_net,dst_net,src_mask,dst_mask,src_as,dst_as",
        ])
        .unwrap();
        let file = NetOptions {
            net: parse_net_method("file", true).unwrap(),
            asm: parse_as_method("file", true).unwrap(),
            ..Default::default()
        };
        let mut p = flow("138.187.58.13", "138.190.1.1");
        evaluate(Some(&t), &file, &agg, &mut p);
        assert_eq!(
            (p.src_mask, p.dst_mask, p.src_as, p.dst_as),
            (16, 0, 65001, 0)
        );
        assert_eq!(p.src_net, Some("138.187.0.0".parse().unwrap()));
        // longest: the exporter's /30 beats the file's nothing, the file's /16 beats /8.
        let longest = NetOptions {
            net: parse_net_method("longest", true).unwrap(),
            asm: parse_as_method("longest", true).unwrap(),
            ..Default::default()
        }
        .resolve(&agg, true)
        .unwrap();
        let mut p = flow("138.187.58.13", "138.190.1.1");
        evaluate(Some(&t), &longest, &agg, &mut p);
        assert_eq!(
            (p.src_mask, p.dst_mask, p.src_as, p.dst_as),
            (16, 30, 65001, 2)
        );
        // filter: unmatched hosts become 0.0.0.0.
        let (tf, _) = NetworksTable::parse("n", "65001,138.187.0.0/16\n", true);
        let mut p = flow("138.187.58.13", "138.190.1.1");
        evaluate(
            Some(&tf),
            &NetOptions {
                filter: true,
                ..file
            },
            &agg,
            &mut p,
        );
        assert_eq!(p.dst_ip, Some("0.0.0.0".parse().unwrap()));
        assert_eq!(p.src_ip, Some("138.187.58.13".parse().unwrap()));
    }
}
