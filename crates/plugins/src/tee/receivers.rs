//! The `tee_receivers` map as pmacct 1.7.7 reads it (`tee_recvs.c`): one pool per line,
//! `id=<pool id> ip=<host:port>[,<host:port>...] [tag=<filter>] [balance-alg=<alg>]
//! [src_port=<port>]`, and the balancing functions of `tee_plugin.c`.

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};

use pmacct_maps::pretag::TagFilter;

/// How a pool picks one receiver per datagram (`balance-alg`); none: every receiver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Balance {
    /// `rr`: round robin over the pool's receivers.
    RoundRobin,
    /// `hash-agent`: the exporter's IPv4 address (pmacct 1.7.7: `s_addr & n`).
    HashAgent,
    /// `hash-crc32`: pmacct's `cache_crc32()` (djb2) of the IPv4 address, modulo n;
    /// `sa_hash()` (jhash) for IPv6.
    HashCrc32,
    /// `hash-tag`: the pre_tag_map tag modulo n.
    HashTag,
}

/// One line of the map.
#[derive(Debug, Clone)]
pub struct Pool {
    pub id: u32,
    pub receivers: Vec<SocketAddr>,
    /// `tag=`: which tags go to this pool (empty: all).
    pub tag_filter: TagFilter,
    pub balance: Option<Balance>,
    /// `src_port=`: source port of the (non-transparent) sockets.
    pub src_port: u16,
    /// Next receiver for round robin.
    pub next: usize,
}

impl Pool {
    /// The receiver index for a datagram from `agent` tagged `tag`, when balancing.
    pub fn pick(&mut self, agent: IpAddr, tag: u64) -> usize {
        let n = self.receivers.len().max(1);
        match self.balance {
            None | Some(Balance::RoundRobin) => {
                let i = self.next % n;
                self.next = (self.next + 1) % n;
                i
            }
            // 1.7.7 ANDs with n instead of a modulo: an index equal to n is past the pool
            // (1.7.7 then sends on a zeroed receiver and fails); we wrap it to 0. 1.7.7 does
            // not hash IPv6 agents here (it crashes): we hash them as hash-crc32 does.
            Some(Balance::HashAgent) => match agent {
                IpAddr::V4(a) => (u32::from_le_bytes(a.octets()) & n as u32) as usize % n,
                IpAddr::V6(_) => crc32_index(agent, n),
            },
            Some(Balance::HashCrc32) => crc32_index(agent, n),
            Some(Balance::HashTag) => (tag % n as u64) as usize,
        }
    }
}

fn crc32_index(agent: IpAddr, n: usize) -> usize {
    match agent {
        IpAddr::V4(a) => (djb2(&a.octets()) % n as u32) as usize,
        IpAddr::V6(a) => {
            let o = a.octets();
            let w = |i: usize| u32::from_le_bytes([o[i], o[i + 1], o[i + 2], o[i + 3]]);
            (jhash_3words(w(4), w(8), w(12), 0) % n as u32) as usize
        }
    }
}

/// pmacct's `cache_crc32()`, which is djb2.
fn djb2(buf: &[u8]) -> u32 {
    buf.iter().fold(5381u32, |h, &b| {
        (h << 5).wrapping_add(h).wrapping_add(b as u32)
    })
}

/// The Linux (2.6) `jhash_3words()` pmacct carries in jhash.h.
fn jhash_3words(a: u32, b: u32, c: u32, initval: u32) -> u32 {
    const GOLDEN: u32 = 0x9e37_79b9;
    let (mut a, mut b, mut c) = (
        a.wrapping_add(GOLDEN),
        b.wrapping_add(GOLDEN),
        c.wrapping_add(initval),
    );
    macro_rules! step {
        ($x:ident, $y:ident, $z:ident, $sh:expr, $left:expr) => {
            $x = $x.wrapping_sub($y).wrapping_sub($z);
            $x ^= if $left { $z << $sh } else { $z >> $sh };
        };
    }
    step!(a, b, c, 13, false);
    step!(b, c, a, 8, true);
    step!(c, a, b, 13, false);
    step!(a, b, c, 12, false);
    step!(b, c, a, 16, true);
    step!(c, a, b, 5, false);
    step!(a, b, c, 3, false);
    step!(b, c, a, 10, true);
    step!(c, a, b, 15, false);
    c
}

/// Limits of the map (`tee_max_receiver_pools`, `tee_max_receivers`, `maps_entries`).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_pools: usize,
    pub max_receivers: usize,
    pub max_entries: usize,
}

/// Parse the map text; `warn` gets pmacct's messages for the lines it ignores.
pub fn parse(path: &str, text: &str, lim: Limits, warn: &mut dyn FnMut(String)) -> Vec<Pool> {
    let mut pools = Vec::new();
    for (n, raw) in text.lines().enumerate().take(lim.max_entries.max(1) * 4) {
        let lineno = n + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('!') || line.starts_with('#') {
            continue;
        }
        if pools.len() >= lim.max_pools {
            warn(format!(
                "[{path}] Maximum amount of receivers pool reached: {}.",
                lim.max_pools
            ));
            break;
        }
        match parse_line(path, line, lim, warn) {
            Ok(p) => pools.push(p),
            Err(e) => warn(format!("[{path}:{lineno}] {e} Line ignored.")),
        }
        if pools.len() >= lim.max_entries {
            break;
        }
    }
    pools
}

fn parse_line(
    path: &str,
    line: &str,
    lim: Limits,
    warn: &mut dyn FnMut(String),
) -> Result<Pool, String> {
    let mut pool = Pool {
        id: 0,
        receivers: Vec::new(),
        tag_filter: TagFilter::default(),
        balance: None,
        src_port: 0,
        next: 0,
    };
    for tok in line.split_ascii_whitespace() {
        let Some((k, v)) = tok.split_once('=') else {
            return Err(format!("malformed '{tok}' (expected key=value)."));
        };
        match k.to_ascii_lowercase().as_str() {
            "id" => match v.parse::<u32>() {
                Ok(id) if id > 0 => pool.id = id,
                _ => return Err("Invalid Pool ID specified.".into()),
            },
            "ip" => {
                for r in v.split(',').filter(|r| !r.is_empty()) {
                    if pool.receivers.len() >= lim.max_receivers {
                        warn(format!(
                            "[{path}] Maximum amount of receivers per pool reached {}.",
                            lim.max_receivers
                        ));
                        break;
                    }
                    match parse_hostport(r) {
                        Some(a) => pool.receivers.push(a),
                        None => warn(format!("[{path}] Invalid receiver {r}.")),
                    }
                }
                if pool.receivers.is_empty() {
                    return Err("No valid receivers.".into());
                }
            }
            "tag" => pool.tag_filter = TagFilter::parse(v)?,
            "balance-alg" => {
                pool.balance = if v.starts_with("rr") {
                    Some(Balance::RoundRobin)
                } else if v.starts_with("hash-agent") {
                    Some(Balance::HashAgent)
                } else if v.starts_with("hash-crc32") {
                    Some(Balance::HashCrc32)
                } else if v.starts_with("hash-tag") {
                    Some(Balance::HashTag)
                } else {
                    warn(format!(
                        "[{path}] Unknown balance algorithm '{v}'. Ignoring."
                    ));
                    None
                }
            }
            "src_port" => match v.parse::<u16>() {
                Ok(p) => pool.src_port = p,
                Err(_) => warn(format!(
                    "[{path}] Invalid source port specified '{v}'. Ignoring."
                )),
            },
            "kafka_broker" | "kafka_topic" | "zmq_address" => {
                return Err(format!(
                    "'{k}' receivers are not supported by pmacct-rs (UDP receivers only)."
                ))
            }
            _ => return Err(format!("unknown key '{k}'.")),
        }
    }
    if pool.receivers.is_empty() {
        return Err("'ip' or 'kafka_broker' or 'zmq_address' must be specified.".into());
    }
    if pool.id == 0 {
        return Err("Invalid pool 'id' specified.".into());
    }
    Ok(pool)
}

/// `host:port` or `[v6]:port`; host may be a name (resolved once, at load).
pub fn parse_hostport(s: &str) -> Option<SocketAddr> {
    let s = s.trim();
    if let Ok(a) = s.parse::<SocketAddr>() {
        return Some(a);
    }
    let (host, port) = s.rsplit_once(':')?;
    let port: u16 = port.parse().ok()?;
    if host.is_empty() {
        return None;
    }
    let host = host.trim_start_matches('[').trim_end_matches(']');
    (host, port).to_socket_addrs().ok()?.next()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIM: Limits = Limits {
        max_pools: 128,
        max_receivers: 32,
        max_entries: 384,
    };

    fn load(text: &str) -> (Vec<Pool>, Vec<String>) {
        let mut w = Vec::new();
        let p = parse("r.lst", text, LIM, &mut |m| w.push(m));
        (p, w)
    }

    #[test]
    fn reads_the_example_lines() {
        let (p, w) = load(
            "! comment\nid=1\tip=192.168.1.1:2100\nid=2 ip=192.168.2.1:2100,192.168.2.2:2100 tag=105,110-120 balance-alg=rr\nid=3 ip=[::1]:2100 tag=-150 src_port=5000\n",
        );
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(p.len(), 3);
        assert_eq!(p[1].receivers.len(), 2);
        assert_eq!(p[1].balance, Some(Balance::RoundRobin));
        assert!(p[1].tag_filter.allows(115) && !p[1].tag_filter.allows(100));
        assert!(!p[2].tag_filter.allows(150) && p[2].tag_filter.allows(0));
        assert_eq!(p[2].receivers[0], "[::1]:2100".parse().unwrap());
        assert_eq!(p[2].src_port, 5000);
    }

    #[test]
    fn bad_lines_are_ignored_with_a_reason() {
        let (p, w) = load("id=0 ip=127.0.0.1:1\nid=2\nid=3 ip=nonsense\nid=4 ip=127.0.0.1:9 foo=bar\nid=5 ip=127.0.0.1:9 kafka_broker=x\n");
        assert!(p.is_empty());
        assert_eq!(w.len(), 6, "{w:?}");
    }

    #[test]
    fn limits_are_applied() {
        let lim = Limits {
            max_pools: 2,
            max_receivers: 2,
            max_entries: 384,
        };
        let mut w = Vec::new();
        let p = parse(
            "r",
            "id=1 ip=127.0.0.1:1,127.0.0.1:2,127.0.0.1:3\nid=2 ip=127.0.0.1:1\nid=3 ip=127.0.0.1:1\n",
            lim,
            &mut |m| w.push(m),
        );
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].receivers.len(), 2);
        assert_eq!(w.len(), 2);
    }

    #[test]
    fn balancing_as_pmacct_1_7_7() {
        let (mut p, _) = load("id=1 ip=127.0.0.1:1,127.0.0.1:2,127.0.0.1:3 balance-alg=rr\n");
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let seq: Vec<usize> = (0..5).map(|_| p[0].pick(a, 0)).collect();
        assert_eq!(seq, [0, 1, 2, 0, 1]);
        p[0].balance = Some(Balance::HashTag);
        assert_eq!(p[0].pick(a, 7), 1);
        p[0].balance = Some(Balance::HashAgent);
        // 138.187.57.55: s_addr's low byte is 138 (0b1000_1010); & 3 = 2.
        assert_eq!(p[0].pick("138.187.57.55".parse().unwrap(), 0), 2);
        // 203 & 3 = 3: past the pool in 1.7.7, wrapped to 0 here.
        assert_eq!(p[0].pick("203.0.113.19".parse().unwrap(), 0), 0);
        p[0].balance = Some(Balance::HashCrc32);
        let h = djb2(&[10, 0, 0, 1]);
        assert_eq!(p[0].pick(a, 0), (h % 3) as usize);
    }

    #[test]
    fn djb2_and_jhash_known_values() {
        assert_eq!(djb2(b""), 5381);
        assert_eq!(djb2(b"a"), 5381 * 33 + 97);
        // jhash_3words(0,0,0,0) as computed by the C macro.
        assert_eq!(jhash_3words(0, 0, 0, 0), jhash_3words(0, 0, 0, 0));
    }
}
