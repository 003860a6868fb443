//! `bgp_agent_map`: which BGP peer's RIB the flows of an exporter are looked up in.
//!
//! Key-based lines as pmacct 1.7.7's bta map: `bgp_ip` (alias `id`, `bmp_ip`; SET: the
//! peer's session address or router id), `bgp_port` (SET: its TCP port, for NAT), and the
//! MATCH keys `ip` (exporter address or prefix, required), `in`, `out`. The first entry
//! that matches wins. `filter` (a BPF expression) is kept for pmacctd/uacctd, whose packets
//! it runs on; in nfacctd/sfacctd the line is skipped with a warning, so a map that depends
//! on it is never half-applied silently.

use std::net::IpAddr;

use crate::{Diag, MapError, Severity};

/// Bounded like pmacct's maps (`maps_entries` default).
pub const MAX_ENTRIES: usize = 16384;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// The BGP peer to look up in.
    pub bgp_ip: IpAddr,
    pub bgp_port: Option<u16>,
    /// Exporter network (masked) and prefix length.
    pub ip: (IpAddr, u8),
    pub in_iface: Option<u32>,
    pub out_iface: Option<u32>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentMap {
    entries: Vec<Entry>,
    /// Each entry's `filter` expression (packet daemons only, see [`AgentMap::parse_packet`]).
    filters: Vec<Option<String>>,
}

/// The map's words, pmacct style: split at blanks outside single quotes, quotes removed
/// (`filter='ip or (vlan and ip)'` is one word).
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut w = String::new();
    let mut quoted = false;
    for c in line.chars() {
        if c == '\'' {
            quoted = !quoted;
        } else if c.is_ascii_whitespace() && !quoted {
            if !w.is_empty() {
                out.push(std::mem::take(&mut w));
            }
        } else {
            w.push(c);
        }
    }
    if !w.is_empty() {
        out.push(w);
    }
    out
}

fn mask(a: IpAddr, len: u8) -> IpAddr {
    match a {
        IpAddr::V4(v) => {
            let m = u32::MAX
                .checked_shl(32 - u32::from(len.min(32)))
                .unwrap_or(0);
            IpAddr::V4((u32::from(v) & m).into())
        }
        IpAddr::V6(v) => {
            let m = u128::MAX
                .checked_shl(128 - u32::from(len.min(128)))
                .unwrap_or(0);
            IpAddr::V6((u128::from(v) & m).into())
        }
    }
}

fn canonical(a: IpAddr) -> IpAddr {
    match a {
        IpAddr::V6(v) => v.to_ipv4_mapped().map_or(a, IpAddr::V4),
        v4 => v4,
    }
}

impl AgentMap {
    /// nfacctd/sfacctd: `filter` lines are skipped with a warning.
    pub fn parse(path: &str, text: &str, diags: &mut Vec<Diag>) -> AgentMap {
        Self::parse_with(path, text, diags, false)
    }

    /// pmacctd/uacctd: `filter` (a libpcap expression on the packet, 1.7.7's way to send
    /// IPv4 and IPv6 traffic to two sessions) is kept for [`AgentMap::filter`].
    pub fn parse_packet(path: &str, text: &str, diags: &mut Vec<Diag>) -> AgentMap {
        Self::parse_with(path, text, diags, true)
    }

    fn parse_with(path: &str, text: &str, diags: &mut Vec<Diag>, packet: bool) -> AgentMap {
        let mut entries = Vec::new();
        let mut filters = Vec::new();
        let warn = |diags: &mut Vec<Diag>, line: usize, msg: String| {
            diags.push(Diag {
                severity: Severity::Warn,
                err: MapError {
                    file: path.to_string(),
                    line,
                    msg,
                },
            })
        };
        'lines: for (n, l) in crate::lines(text) {
            if entries.len() >= MAX_ENTRIES {
                warn(
                    diags,
                    n,
                    format!("map has more than {MAX_ENTRIES} entries: the rest is ignored."),
                );
                break;
            }
            let (mut bgp_ip, mut bgp_port, mut ip, mut in_iface, mut out_iface) =
                (None, None, None, None, None);
            let mut filter = None;
            for tok in words(l) {
                let tok = tok.as_str();
                let Some((k, v)) = tok.split_once('=') else {
                    warn(diags, n, "malformed key=value. Line ignored.".into());
                    continue 'lines;
                };
                let ok = match k.to_ascii_lowercase().as_str() {
                    "id" | "bgp_ip" | "bmp_ip" => {
                        bgp_ip = v.parse::<IpAddr>().ok().map(canonical);
                        bgp_ip.is_some()
                    }
                    "bgp_port" => {
                        bgp_port = v.parse::<u16>().ok();
                        bgp_port.is_some()
                    }
                    "ip" => {
                        let (a, m) = v.split_once('/').map_or((v, None), |(a, m)| (a, Some(m)));
                        match a.parse::<IpAddr>() {
                            Ok(a) => {
                                let a = canonical(a);
                                let max = if a.is_ipv4() { 32 } else { 128 };
                                match m.map(str::parse::<u8>) {
                                    None => ip = Some((a, max)),
                                    Some(Ok(m)) if m <= max => ip = Some((mask(a, m), m)),
                                    Some(_) => {}
                                }
                                ip.is_some()
                            }
                            Err(_) => false,
                        }
                    }
                    "in" => {
                        in_iface = v.parse::<u32>().ok();
                        in_iface.is_some()
                    }
                    "out" => {
                        out_iface = v.parse::<u32>().ok();
                        out_iface.is_some()
                    }
                    "filter" if packet => {
                        filter = Some(v.to_string());
                        !v.is_empty()
                    }
                    "filter" => {
                        warn(
                            diags,
                            n,
                            "key 'filter' is not supported by pmacct-rs in bgp_agent_map. Line ignored."
                                .into(),
                        );
                        continue 'lines;
                    }
                    _ => {
                        warn(diags, n, format!("unknown key '{k}'. Ignored."));
                        continue 'lines;
                    }
                };
                if !ok {
                    warn(diags, n, "Line ignored.".into());
                    continue 'lines;
                }
            }
            match (bgp_ip, ip) {
                (Some(bgp_ip), Some(ip)) => {
                    entries.push(Entry {
                        bgp_ip,
                        bgp_port,
                        ip,
                        in_iface,
                        out_iface,
                    });
                    filters.push(filter);
                }
                _ => warn(
                    diags,
                    n,
                    "required key missing. Required keys are: 'id', 'ip'. Line ignored.".into(),
                ),
            }
        }
        AgentMap { entries, filters }
    }

    /// Read and parse `path` (bounded size).
    pub fn load(path: &str, diags: &mut Vec<Diag>) -> Result<AgentMap, MapError> {
        Self::load_with(path, diags, false)
    }

    /// [`AgentMap::load`], read as [`AgentMap::parse_packet`] when `packet`.
    pub fn load_with(
        path: &str,
        diags: &mut Vec<Diag>,
        packet: bool,
    ) -> Result<AgentMap, MapError> {
        let text = crate::read(path, 16 << 20)?;
        Ok(AgentMap::parse_with(path, &text, diags, packet))
    }

    /// The entry for a flow from `agent` with these interfaces (first match).
    pub fn find(&self, agent: IpAddr, in_iface: u32, out_iface: u32) -> Option<&Entry> {
        let agent = canonical(agent);
        self.entries.iter().find(|e| {
            e.ip.0.is_ipv4() == agent.is_ipv4()
                && mask(agent, e.ip.1) == e.ip.0
                && e.in_iface.is_none_or(|i| i == in_iface)
                && e.out_iface.is_none_or(|o| o == out_iface)
        })
    }

    /// pmacctd/uacctd: packets have no exporter address, so 1.7.7 (`PM_find_id()` on the
    /// bta table) walks only the entries whose `ip` is IPv4 and does not compare it (its
    /// `ip` handler is a no-op there): the first whose `in`/`out` match wins. Entries with an
    /// IPv6 `ip` are never reached.
    /// `filter(i)` says whether entry `i`'s `filter` (if any) matches the packet.
    pub fn find_packet(
        &self,
        in_iface: u32,
        out_iface: u32,
        mut filter: impl FnMut(usize) -> bool,
    ) -> Option<&Entry> {
        self.entries.iter().enumerate().find_map(|(i, e)| {
            (e.ip.0.is_ipv4()
                && e.in_iface.is_none_or(|x| x == in_iface)
                && e.out_iface.is_none_or(|o| o == out_iface)
                && (self.filter(i).is_none() || filter(i)))
            .then_some(e)
        })
    }

    /// Entry `i`'s `filter` expression (maps read by [`AgentMap::parse_packet`]).
    pub fn filter(&self, i: usize) -> Option<&str> {
        self.filters.get(i).and_then(|f| f.as_deref())
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_matching_entry_wins_and_bad_lines_are_skipped() {
        let text = "! comment\n\
            bgp_ip=10.0.0.1 ip=192.168.1.1 in=5\n\
            bgp_ip=10.0.0.2 ip=192.168.1.0/24\n\
            bgp_ip=10.0.0.3 ip=0.0.0.0/0 filter='ip'\n\
            bgp_ip=10.0.0.4\n\
            bgp_ip=::1 ip=::/0\n";
        let mut d = Vec::new();
        let m = AgentMap::parse("m", text, &mut d);
        assert_eq!(m.len(), 3);
        assert_eq!(d.len(), 2);
        let a = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(
            m.find(a("192.168.1.1"), 5, 0).unwrap().bgp_ip,
            a("10.0.0.1")
        );
        assert_eq!(
            m.find(a("192.168.1.1"), 6, 0).unwrap().bgp_ip,
            a("10.0.0.2")
        );
        assert!(m.find(a("192.168.2.1"), 6, 0).is_none());
        assert_eq!(m.find(a("2001:db8::1"), 0, 0).unwrap().bgp_ip, a("::1"));
    }

    #[test]
    fn packet_daemons_take_the_first_ipv4_entry_whatever_its_ip() {
        let text = "bgp_ip=10.0.0.9 ip=::/0\n\
            bgp_ip=10.0.0.1 ip=192.0.2.1 in=5\n\
            bgp_ip=2001:db8::1 ip=198.51.100.0/24\n\
            bgp_ip=10.0.0.3 ip=0.0.0.0/0\n";
        let m = AgentMap::parse("m", text, &mut Vec::new());
        let a = |s: &str| s.parse::<IpAddr>().unwrap();
        let any = |_| true;
        assert_eq!(m.find_packet(5, 0, any).unwrap().bgp_ip, a("10.0.0.1"));
        assert_eq!(m.find_packet(6, 0, any).unwrap().bgp_ip, a("2001:db8::1"));
        let only_v6 = AgentMap::parse("m", "bgp_ip=10.0.0.9 ip=::/0\n", &mut Vec::new());
        assert!(only_v6.find_packet(0, 0, any).is_none());
    }

    #[test]
    fn packet_daemons_keep_quoted_filters() {
        let text = "bgp_ip=10.0.0.1 ip=0.0.0.0/0 filter='ip6 or (vlan and ip6)'\n\
            bgp_ip=10.0.0.2 ip=0.0.0.0/0\n";
        let mut d = Vec::new();
        let m = AgentMap::parse_packet("m", text, &mut d);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(m.filter(0), Some("ip6 or (vlan and ip6)"));
        assert_eq!(m.filter(1), None);
        let a = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(m.find_packet(0, 0, |_| true).unwrap().bgp_ip, a("10.0.0.1"));
        assert_eq!(
            m.find_packet(0, 0, |_| false).unwrap().bgp_ip,
            a("10.0.0.2")
        );
        // nfacctd/sfacctd: the line is skipped with a warning, quotes and all.
        let m = AgentMap::parse("m", text, &mut d);
        assert_eq!((m.len(), d.len()), (1, 1));
    }
}
