//! `pcap_interfaces_map` (pmacctd): the interfaces to capture on, each with the ifindex its
//! packets get and the direction it is captured in.
//!
//! As pmacct 1.7.7 reads it (`MAP_PCAP_INTERFACES` in `load_id_file()`): pre_tag_map-style
//! `key=value` words (`ifname`, `ifindex`, `direction`), `!`/`#` comments. Keys are applied in
//! line order; at the first bad key the rest of the line is skipped ("unknown key" or "Line
//! ignored."), yet the entry is kept whenever `ifname` and a non-zero `ifindex` were read by
//! then (so `ifindex=1 ifname=x direction=up` keeps an entry without a direction, as 1.7.7
//! does). At most 1000 entries (`PCAP_MAX_INTERFACES`). A missing file is fatal (1.7.7 exits,
//! at start-up and on reload alike).

use crate::pretag::{normalize, split_pairs};
use crate::{Diag, MapError, Severity};

/// pmacct's `PCAP_MAX_INTERFACES`.
pub const MAX_ENTRIES: usize = 1000;
/// `IFNAMSIZ`: 1.7.7 copies at most this many bytes of `ifname`.
const IFNAMSIZ: usize = 16;

/// `direction=` of an entry (pcap's PCAP_D_IN / PCAP_D_OUT).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    In,
    Out,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PcapInterface {
    pub ifname: String,
    pub ifindex: u32,
    pub direction: Option<Direction>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PcapInterfacesMap {
    /// In file order (the order interfaces are opened); a repeated name is repeated here.
    pub entries: Vec<PcapInterface>,
}

/// C `strtoul(v, _, 10)` as 1.7.7 reads `ifindex`: leading digits, 0 when none, saturating.
fn strtoul(v: &str) -> u64 {
    let v = v.trim_start();
    let v = v.strip_prefix('+').unwrap_or(v);
    v.bytes().take_while(u8::is_ascii_digit).fold(0u64, |n, d| {
        n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
    })
}

impl PcapInterfacesMap {
    pub fn parse(path: &str, text: &str, diags: &mut Vec<Diag>) -> PcapInterfacesMap {
        let mut entries = Vec::new();
        let mut push = |sev: Severity, line: usize, msg: String| {
            diags.push(Diag {
                severity: sev,
                err: MapError {
                    file: path.to_string(),
                    line,
                    msg,
                },
            })
        };
        for (n, row) in crate::lines(text) {
            let buf = normalize(row);
            let Ok(pairs) = split_pairs(&buf) else {
                push(Severity::Warn, n, "malformed line. Ignored.".into());
                continue;
            };
            let mut e = PcapInterface {
                ifname: String::new(),
                ifindex: 0,
                direction: None,
            };
            for (k, v) in pairs {
                if entries.len() >= MAX_ENTRIES && matches!(k, "ifname" | "ifindex" | "direction") {
                    push(
                        Severity::Error,
                        0,
                        format!("maximum entries ({MAX_ENTRIES}) reached."),
                    );
                    push(Severity::Warn, n, "Line ignored.".into());
                    break;
                }
                let err = match k {
                    "ifindex" => {
                        // 1.7.7 stores strtoul() into a u_int32_t.
                        e.ifindex = strtoul(v) as u32;
                        (e.ifindex == 0).then(|| format!("invalid 'ifindex' value: '{v}'."))
                    }
                    "ifname" => {
                        let mut cut = v.len().min(IFNAMSIZ);
                        while !v.is_char_boundary(cut) {
                            cut -= 1;
                        }
                        e.ifname = v[..cut].to_string();
                        None
                    }
                    "direction" => {
                        let l = v.to_ascii_lowercase();
                        if l.starts_with("in") {
                            e.direction = Some(Direction::In);
                            None
                        } else if l.starts_with("out") {
                            e.direction = Some(Direction::Out);
                            None
                        } else {
                            Some(format!("invalid 'direction' value: '{l}'."))
                        }
                    }
                    _ => {
                        push(Severity::Warn, n, format!("unknown key '{k}'. Ignored."));
                        break;
                    }
                };
                if let Some(msg) = err {
                    push(Severity::Error, 0, msg);
                    push(Severity::Warn, n, "Line ignored.".into());
                    break;
                }
            }
            if e.ifindex != 0 && !e.ifname.is_empty() && entries.len() < MAX_ENTRIES {
                entries.push(e);
            }
        }
        PcapInterfacesMap { entries }
    }

    /// Read and parse `path`; `Err` is 1.7.7's "file not found." (it exits).
    pub fn load(path: &str, diags: &mut Vec<Diag>) -> Result<PcapInterfacesMap, MapError> {
        let text = crate::read_or_not_found(path, 16 << 20)?;
        Ok(PcapInterfacesMap::parse(path, &text, diags))
    }

    /// The first entry of `ifname` (pmacct's `getentry_by_ifname`).
    pub fn entry(&self, ifname: &str) -> Option<&PcapInterface> {
        self.entries.iter().find(|e| e.ifname == ifname)
    }

    /// The ifindex of `ifname`, 0 when unlisted (pmacct's `lookup_ifname`).
    pub fn ifindex(&self, ifname: &str) -> u32 {
        self.entry(ifname).map_or(0, |e| e.ifindex)
    }
}

/// `pcap_ifindex: hash`: 1.7.7 numbers an interface by Bob Jenkins' lookup2 hash of its name
/// (the Linux kernel's original `jhash()`, initial value 0).
pub fn jhash(key: &[u8], initval: u32) -> u32 {
    fn mix(a: &mut u32, b: &mut u32, c: &mut u32) {
        macro_rules! step {
            ($x:ident, $y:ident, $z:ident, $op:tt, $s:expr) => {
                *$x = $x.wrapping_sub(*$y).wrapping_sub(*$z);
                *$x ^= *$z $op $s;
            };
        }
        step!(a, b, c, >>, 13);
        step!(b, c, a, <<, 8);
        step!(c, a, b, >>, 13);
        step!(a, b, c, >>, 12);
        step!(b, c, a, <<, 16);
        step!(c, a, b, >>, 5);
        step!(a, b, c, >>, 3);
        step!(b, c, a, <<, 10);
        step!(c, a, b, >>, 15);
    }
    const GOLDEN: u32 = 0x9e37_79b9;
    let word = |k: &[u8]| u32::from_le_bytes([k[0], k[1], k[2], k[3]]);
    let (mut a, mut b, mut c) = (GOLDEN, GOLDEN, initval);
    let mut k = key;
    while k.len() >= 12 {
        a = a.wrapping_add(word(&k[0..4]));
        b = b.wrapping_add(word(&k[4..8]));
        c = c.wrapping_add(word(&k[8..12]));
        mix(&mut a, &mut b, &mut c);
        k = &k[12..];
    }
    c = c.wrapping_add(key.len() as u32);
    // The tail: bytes 0-3 into a, 4-7 into b, 8-10 into c's upper bytes (its low byte holds
    // the length).
    for (i, &byte) in k.iter().enumerate() {
        let v = u32::from(byte);
        match i {
            0..=3 => a = a.wrapping_add(v << (8 * i)),
            4..=7 => b = b.wrapping_add(v << (8 * (i - 4))),
            _ => c = c.wrapping_add(v << (8 * (i - 7))),
        }
    }
    mix(&mut a, &mut b, &mut c);
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(t: &str) -> (PcapInterfacesMap, Vec<String>) {
        let mut d = Vec::new();
        let m = PcapInterfacesMap::parse("m", t, &mut d);
        (m, d.into_iter().map(|d| d.err.to_string()).collect())
    }

    #[test]
    fn entries_as_1_7_7_keeps_them() {
        let (m, d) = parse(
            "! c\nifindex=100\tifname=eth0\tdirection=in\nifname=eth1 ifindex=0\n\
             ifindex=7 ifname=eth2 direction=UP\nifindex=8 bogus=1 ifname=eth3\n\
             ifindex=9 ifname=eth4 direction=OUT\nifindex=5x ifname='eth5'\nnonsense\n",
        );
        let want = |n: &str, i, d| PcapInterface {
            ifname: n.into(),
            ifindex: i,
            direction: d,
        };
        assert_eq!(
            m.entries,
            vec![
                want("eth0", 100, Some(Direction::In)),
                want("eth2", 7, None),
                want("eth4", 9, Some(Direction::Out)),
                want("eth5", 5, None),
            ]
        );
        assert_eq!(
            d,
            vec![
                "[m] invalid 'ifindex' value: '0'.",
                "[m:3] Line ignored.",
                "[m] invalid 'direction' value: 'up'.",
                "[m:4] Line ignored.",
                "[m:5] unknown key 'bogus'. Ignored.",
                "[m:8] malformed line. Ignored.",
            ]
        );
        assert_eq!(m.ifindex("eth4"), 9);
        assert_eq!(m.ifindex("eth"), 0);
    }

    #[test]
    fn bounded_and_missing_file() {
        let text: String = (0..MAX_ENTRIES + 3)
            .map(|i| format!("ifindex={} ifname=if{i}\n", i + 1))
            .collect();
        let (m, d) = parse(&text);
        assert_eq!(m.entries.len(), MAX_ENTRIES);
        assert_eq!(d.len(), 6);
        let mut d = Vec::new();
        let e = PcapInterfacesMap::load("/nonexistent/pcap.map", &mut d).unwrap_err();
        assert_eq!(e.msg, "file not found.");
    }

    #[test]
    fn jhash_is_lookup2() {
        // Figures from 1.7.7's jhash() compiled from its header.
        for (k, want) in [
            ("eth0", 2_142_326_192u32),
            ("veth-pa1", 1_613_833_723),
            ("lo", 2_529_615_826),
            ("abcdefghijklm", 824_356_913),
            ("abcdefghijklmnopqrstuvw", 1_759_903_521),
        ] {
            assert_eq!(jhash(k.as_bytes(), 0), want, "{k}");
        }
    }
}
