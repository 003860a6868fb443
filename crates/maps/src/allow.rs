//! `nfacctd_allow_file` / `sfacctd_allow_file`: the exporters allowed to send datagrams.
//!
//! As pmacct 1.7.7 (`load_allow_file()` / `check_allow()`): one IPv4/IPv6 address or prefix per
//! line, all whitespace removed, `!` lines are comments (a `#` line is a bad address), bad lines
//! are logged and skipped, at most 2048 entries, and a file without a valid entry denies every
//! exporter. No file configured allows all (the daemon then has no `AllowList`).

use std::net::IpAddr;

use crate::{Diag, MapError, Severity};

/// pmacct's MAX_MAP_ENTRIES for allow files.
pub const MAX_ENTRIES: usize = 2048;

/// A loaded allow file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowList {
    /// (network address, prefix length), address already masked.
    nets: Vec<(IpAddr, u8)>,
}

fn masked(a: IpAddr, len: u8) -> IpAddr {
    match a {
        IpAddr::V4(v) => {
            let m = if len == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(len.min(32)))
            };
            IpAddr::V4((u32::from(v) & m).into())
        }
        IpAddr::V6(v) => {
            let m = if len == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(len.min(128)))
            };
            IpAddr::V6((u128::from(v) & m).into())
        }
    }
}

fn parse_net(s: &str) -> Option<(IpAddr, u8)> {
    let (a, m) = match s.split_once('/') {
        Some((a, m)) => (a, Some(m)),
        None => (s, None),
    };
    let a: IpAddr = a.parse().ok()?;
    let max: u8 = if a.is_ipv4() { 32 } else { 128 };
    let len = match m {
        // pmacct reads the length with atoi(): leading digits, else 0.
        Some(m) => {
            let digits: String = m.chars().take_while(|c| c.is_ascii_digit()).collect();
            let n: u32 = digits
                .parse()
                .unwrap_or(if digits.is_empty() { 0 } else { 999 });
            if n > u32::from(max) {
                return None;
            }
            n as u8
        }
        None => max,
    };
    Some((masked(a, len), len))
}

impl AllowList {
    /// Parse allow-file text; bad lines are reported in `diags` (pmacct's wording) and skipped.
    pub fn parse(path: &str, text: &str, diags: &mut Vec<Diag>) -> AllowList {
        let mut nets = Vec::new();
        for line in text.lines() {
            if nets.len() >= MAX_ENTRIES {
                break;
            }
            let l: String = line.chars().filter(|c| !c.is_ascii_whitespace()).collect();
            if l.is_empty() || l.starts_with('!') {
                continue;
            }
            match parse_net(&l) {
                Some(n) => nets.push(n),
                None => diags.push(Diag {
                    severity: Severity::Warn,
                    err: MapError {
                        file: path.to_string(),
                        line: 0,
                        msg: format!("Bad IP address '{l}'. Ignored."),
                    },
                }),
            }
        }
        AllowList { nets }
    }

    /// Read and parse `path`; `Err` is pmacct's "file not found." (fatal at start-up, the old
    /// list is kept on reload).
    pub fn load(path: &str, diags: &mut Vec<Diag>) -> Result<AllowList, MapError> {
        let text = crate::read_or_not_found(path, 16 << 20)?;
        Ok(AllowList::parse(path, &text, diags))
    }

    /// True if datagrams from `src` are accepted. IPv4-mapped IPv6 sources are compared as
    /// IPv4, as pmacct does (`ipv4_mapped_to_ipv4()`).
    pub fn allows(&self, src: IpAddr) -> bool {
        let src = match src {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(src, IpAddr::V4),
            v4 => v4,
        };
        self.nets
            .iter()
            .any(|&(net, len)| net.is_ipv4() == src.is_ipv4() && masked(src, len) == net)
    }

    pub fn len(&self) -> usize {
        self.nets.len()
    }

    /// The (masked network, prefix length) entries, in file order.
    pub fn nets(&self) -> &[(IpAddr, u8)] {
        &self.nets
    }

    pub fn is_empty(&self) -> bool {
        self.nets.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(t: &str) -> (AllowList, Vec<String>) {
        let mut d = Vec::new();
        let l = AllowList::parse("a.lst", t, &mut d);
        (l, d.iter().map(|d| d.err.to_string()).collect())
    }

    #[test]
    fn addresses_prefixes_comments() {
        let (l, d) = list("! comment\n192.0.2.1\n 10.0.0.0 / 8 \n2001:db8::/32\n# x\nfoo\n\n");
        assert_eq!(
            d,
            vec![
                "[a.lst] Bad IP address '#x'. Ignored.",
                "[a.lst] Bad IP address 'foo'. Ignored."
            ]
        );
        assert_eq!(l.len(), 3);
        assert!(l.allows("192.0.2.1".parse().unwrap()));
        assert!(!l.allows("192.0.2.2".parse().unwrap()));
        assert!(l.allows("10.9.8.7".parse().unwrap()));
        assert!(l.allows("::ffff:10.1.1.1".parse().unwrap()));
        assert!(l.allows("2001:db8:1::1".parse().unwrap()));
        assert!(!l.allows("2001:db9::1".parse().unwrap()));
    }

    #[test]
    fn empty_file_denies_all() {
        let (l, d) = list("! nothing\n\n");
        assert!(d.is_empty());
        assert!(!l.allows("192.0.2.1".parse().unwrap()));
        assert!(!l.allows("::1".parse().unwrap()));
    }

    #[test]
    fn bad_prefix_length_is_a_bad_address() {
        let (l, d) = list("10.0.0.0/33\n0.0.0.0/0\n");
        assert_eq!(d, vec!["[a.lst] Bad IP address '10.0.0.0/33'. Ignored."]);
        assert!(l.allows("203.0.113.9".parse().unwrap()));
        assert!(!l.allows("2001:db8::1".parse().unwrap()));
    }
}
