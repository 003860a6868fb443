//! Running the daemons: offline (pcap_savefile) and live (UDP replay), the pmacct oracle
//! pool and its on-disk cache.

use std::collections::HashMap;
use std::hash::Hasher;
use std::io::Read;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::{pcap, Config, Input};

/// What one daemon run left behind.
#[derive(Debug, Clone, Default)]
pub struct Output {
    /// Content of print_output_file ("" when the daemon did not write it).
    pub output: String,
    pub stderr: String,
}

const RUN_TIMEOUT: Duration = Duration::from_secs(120);

/// One collector under test: how to find pmacct's binary and ours, and its socket keys.
#[derive(Debug)]
pub struct Collector {
    pub name: &'static str,
    /// Env var naming pmacct's binary (else found by package: [`crate::oracle`]).
    pub oracle_env: &'static str,
    /// Env var naming our binary.
    pub ours_env: &'static str,
    /// Prefix of its configs under configs/ ("" for nfacctd, "sfacctd/" for sfacctd).
    pub config_prefix: &'static str,
}

pub const NFACCTD: Collector = Collector {
    name: "nfacctd",
    oracle_env: "PMACCT_NFACCTD",
    ours_env: "PMACCT_RS_NFACCTD",
    config_prefix: "",
};

pub const SFACCTD: Collector = Collector {
    name: "sfacctd",
    oracle_env: "PMACCT_SFACCTD",
    ours_env: "PMACCT_RS_SFACCTD",
    config_prefix: "sfacctd/",
};

pub const PMACCTD: Collector = Collector {
    name: "pmacctd",
    oracle_env: "PMACCT_PMACCTD",
    ours_env: "PMACCT_RS_PMACCTD",
    config_prefix: "pmacctd/",
};

/// The collector a config is for: configs/sfacctd/* are sfacctd's, configs/pmacctd/*
/// pmacctd's (raw-traffic savefiles), the others nfacctd's.
pub fn collector_of(config: &Config) -> &'static Collector {
    if config.name.starts_with(SFACCTD.config_prefix) {
        &SFACCTD
    } else if config.name.starts_with(PMACCTD.config_prefix) {
        &PMACCTD
    } else {
        &NFACCTD
    }
}

/// Debian's nfacctd 1.7.7, found by package (see [`crate::oracle`]); never a Rust build
/// (installing the pmacct-rs package replaces /usr/sbin/nfacctd: comparing ours with ours
/// would prove nothing).
pub fn oracle_binary() -> Result<PathBuf, String> {
    oracle_binary_of(&NFACCTD)
}

/// pmacct's binary of `c` (see [`oracle_binary`]).
pub fn oracle_binary_of(c: &'static Collector) -> Result<PathBuf, String> {
    crate::oracle::binary(c.name, c.oracle_env)
}

/// Our nfacctd: `PMACCT_RS_NFACCTD`, else `default` (cargo's CARGO_BIN_EXE_nfacctd in the
/// tests), else target/release/nfacctd, then target/debug/nfacctd.
pub fn ours_binary(default: Option<&str>) -> Result<PathBuf, String> {
    ours_binary_of(&NFACCTD, default)
}

/// Our binary of `c` (see [`ours_binary`]).
pub fn ours_binary_of(c: &Collector, default: Option<&str>) -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os(c.ours_env) {
        return Ok(PathBuf::from(p));
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::root().join("../target"));
    let mut tried = Vec::new();
    let candidates = default.map(PathBuf::from).into_iter().chain([
        target.join("release").join(c.name),
        target.join("debug").join(c.name),
    ]);
    for cand in candidates {
        if cand.is_file() {
            return Ok(cand);
        }
        tried.push(cand.display().to_string());
    }
    Err(format!(
        "our {} not found (set {}); tried {tried:?}",
        c.name, c.ours_env
    ))
}

/// A fresh scratch directory, removed on drop.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(tag: &str) -> Result<Scratch, String> {
        static N: AtomicU64 = AtomicU64::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let safe: String = tag
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let p = std::env::temp_dir().join(format!(
            "pmacct-rs-compat-{}-{n}-{safe}",
            std::process::id()
        ));
        std::fs::create_dir_all(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        Ok(Scratch(p))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Start `bin -f dir/nfacctd.conf` with TZ=UTC, stdout and stderr to files in dir.
pub(crate) fn spawn(bin: &Path, conf: &str, dir: &Path) -> Result<Child, String> {
    let cf = dir.join("nfacctd.conf");
    std::fs::write(&cf, conf).map_err(|e| format!("{}: {e}", cf.display()))?;
    let log =
        |n: &str| std::fs::File::create(dir.join(n)).map_err(|e| format!("{}: {e}", dir.display()));
    Command::new(bin)
        .arg("-f")
        .arg(&cf)
        .env("TZ", "UTC")
        .stdin(Stdio::null())
        .stdout(log("stdout")?)
        .stderr(log("stderr")?)
        .spawn()
        .map_err(|e| format!("{}: {e}", bin.display()))
}

pub(crate) fn wait(child: &mut Child, bin: &Path, timeout: Duration) -> Result<(), String> {
    let t0 = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => return Ok(()),
            Ok(None) if t0.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "{} still running after {timeout:?}: killed",
                    bin.display()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("{}: {e}", bin.display())),
        }
    }
}

pub(crate) fn read_lossy(p: &Path) -> String {
    let mut v = Vec::new();
    if let Ok(mut f) = std::fs::File::open(p) {
        let _ = f.read_to_end(&mut v);
    }
    String::from_utf8_lossy(&v).into_owned()
}

/// Run `bin` on a config until it exits (a savefile run ends by itself).
pub fn offline(bin: &Path, input: &Input, config: &Config) -> Result<Output, String> {
    let s = Scratch::new(&config.name)?;
    let out = s.0.join("out");
    let mut child = spawn(bin, &config.offline(&input.pcap, &out), &s.0)?;
    wait(&mut child, bin, RUN_TIMEOUT)?;
    Ok(Output {
        output: read_lossy(&out),
        stderr: read_lossy(&s.0.join("stderr")),
    })
}

/// Keys that belong to a print plugin (get a `[name]` suffix in the oracle's combined
/// config); every other key is a core key and must be equal within one oracle run.
fn plugin_key(k: &str) -> bool {
    // `aggregate_filter[p]`: a plugin-only key, written scoped in the config
    let k = base_key(k);
    k == "aggregate" || k == "aggregate_filter" || k.starts_with("print_") || k == "plugins"
}

/// A key without its `[plugin]` scope.
pub(crate) fn base_key(k: &str) -> &str {
    k.split_once('[').map_or(k, |(b, _)| b)
}

/// A config line's key and value, trimmed; None for blank lines and `!` comments.
pub(crate) fn split_line(l: &str) -> Option<(&str, &str)> {
    let l = l.trim();
    if l.is_empty() || l.starts_with('!') {
        return None;
    }
    l.split_once(':').map(|(k, v)| (k.trim(), v.trim()))
}

/// Core part of a config: its non-plugin lines, in order.
fn core_text(c: &Config) -> String {
    c.text
        .lines()
        .filter(|l| split_line(l).is_some_and(|(k, _)| !plugin_key(k)))
        .map(|l| format!("{}\n", l.trim()))
        .collect()
}

/// The print plugin name (and output file stem) of a config in an oracle run: its name,
/// with the `/` of a subdirectory (configs/sfacctd/...) replaced.
fn plugin_id(name: &str) -> String {
    name.replace('/', "_")
}

/// One pmacct config with one print plugin per config of the group, plugin NAME writing
/// to dir/NAME.out.
fn combined(group: &[Config], pcap: &Path, dir: &Path) -> String {
    let mut s = core_text(&group[0]).replace("@PCAP@", &pcap.to_string_lossy());
    let as_pcap_filter = savefile_aggregate_filter(group, pcap);
    if let Some(f) = &as_pcap_filter {
        s.push_str(&format!("pcap_filter: {f}\n"));
    }
    let names: Vec<String> = group
        .iter()
        .map(|c| format!("print[{}]", plugin_id(&c.name)))
        .collect();
    s.push_str(&format!("plugins: {}\n", names.join(", ")));
    for c in group {
        for (k, v) in c.text.lines().filter_map(split_line) {
            let moved = as_pcap_filter.is_some() && base_key(k) == "aggregate_filter";
            if plugin_key(k) && base_key(k) != "plugins" && !moved {
                let id = plugin_id(&c.name);
                let v = v.replace("@OUT@", &dir.join(format!("{id}.out")).to_string_lossy());
                s.push_str(&format!("{}[{id}]: {v}\n", base_key(k)));
            }
        }
    }
    s
}

/// pmacctd 1.7.7 loads aggregate_filter only for a live interface (load_plugin_filters()
/// is called by pm_pcap_add_interface(), not for pcap_savefile): reading a savefile it
/// accounts everything. For a config run alone with one plugin, the same selection is
/// `pcap_filter`, which pmacctd applies to the savefile: the list's entries or-ed (any
/// entry selects), leaving out an entry that does not compile for the capture's link type
/// as pmacct leaves it out of the list (`vlan` on raw IP, BSD loopback, Linux cooked:
/// checked with `tcpdump -d -r CAPTURE`, libpcap's compiler). The oracle of pmacctd's
/// aggregate_filter configs is then pmacct's own filtering, compared record for record
/// with ours. None for any other group.
fn savefile_aggregate_filter(group: &[Config], pcap: &Path) -> Option<String> {
    let [c] = group else { return None };
    if !std::ptr::eq(collector_of(c), &PMACCTD) || plugin_count(&c.text) != 1 {
        return None;
    }
    let list = c
        .text
        .lines()
        .filter_map(split_line)
        .find(|(k, _)| base_key(k) == "aggregate_filter")?
        .1;
    let alts: Vec<String> = list
        .split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty() && compiles(pcap, x))
        .map(|x| format!("({x})"))
        .collect();
    (!alts.is_empty()).then(|| alts.join(" or "))
}

/// Whether libpcap compiles `filter` for the link type of the capture `pcap`.
fn compiles(pcap: &Path, filter: &str) -> bool {
    Command::new("tcpdump")
        .arg("-r")
        .arg(pcap)
        .arg("-d")
        .arg(filter)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

struct Fnv(u64);
impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, b: &[u8]) {
        for &x in b {
            self.0 = (self.0 ^ u64::from(x)).wrapping_mul(0x100_0000_01b3);
        }
    }
}

fn cache_dir() -> PathBuf {
    if let Some(p) = std::env::var_os("PMACCT_RS_COMPAT_CACHE") {
        return PathBuf::from(p);
    }
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::root().join("../target"))
        .join("compat-oracle")
}

type GroupResult = Result<HashMap<String, String>, String>;
type Cell = Arc<OnceLock<GroupResult>>;

/// Stem of a config name: `wide-json` -> `wide`.
fn stem(name: &str) -> &str {
    name.rsplit_once('-').map_or(name, |(s, _)| s)
}

/// The configs run together with `config` in one pmacct: same core keys and same stem (the
/// json/csv/formatted variants of one aggregate). Bigger groups are not reliable: with 12
/// print plugins, pmacct 1.7.7 lost or truncated whole outputs of 1,000+ records.
fn group_of(config: &Config) -> Vec<Config> {
    // A config marked "! compat-tests: alone" needs a pmacct run of its own (sfacctd 1.7.7
    // renormalizes its plugins differently, see configs/sfacctd/renormalize-*).
    if config
        .text
        .lines()
        .any(|l| l.trim() == "! compat-tests: alone")
    {
        return vec![config.clone()];
    }
    let core = core_text(config);
    let dir = config.name.rsplit_once('/').map(|(d, _)| d);
    let candidates = match dir {
        Some(d) => crate::configs_in(d),
        None => crate::configs(),
    };
    let mut g: Vec<Config> = candidates
        .into_iter()
        .filter(|c| core_text(c) == core && stem(&c.name) == stem(&config.name))
        .collect();
    if !g.iter().any(|c| c.name == config.name) {
        // a config outside configs/ (CLI use) runs alone
        g = vec![config.clone()];
    }
    g
}

fn group_key(bin: &Path, input: &Input, group: &[Config]) -> Result<u64, String> {
    let mut h = Fnv(0xcbf2_9ce4_8422_2325);
    let meta = std::fs::metadata(bin).map_err(|e| format!("{}: {e}", bin.display()))?;
    h.write(&meta.len().to_le_bytes());
    if let Ok(Ok(t)) = meta
        .modified()
        .map(|t| t.duration_since(std::time::UNIX_EPOCH))
    {
        h.write(&t.as_nanos().to_le_bytes());
    }
    for c in group {
        h.write(c.name.as_bytes());
        h.write(c.text.as_bytes());
    }
    if let Some(f) = savefile_aggregate_filter(group, &input.pcap) {
        h.write(b"pcap_filter: ");
        h.write(f.as_bytes());
    }
    let data = std::fs::read(&input.pcap).map_err(|e| format!("{}: {e}", input.pcap.display()))?;
    h.write(&data);
    Ok(h.finish())
}

fn cell(key: u64) -> Cell {
    static CELLS: OnceLock<Mutex<HashMap<u64, Cell>>> = OnceLock::new();
    let m = CELLS.get_or_init(Default::default);
    let mut m = m.lock().unwrap_or_else(|e| e.into_inner());
    m.entry(key).or_default().clone()
}

/// pmacct's outputs of a whole config group on one capture: from the cache, or by one run
/// with a print plugin per config. Under CPU load pmacct 1.7.7 is not reliable at the end
/// of a savefile: a plugin may purge before reading what the core sent ("QN: 0/0", empty
/// output) or be cut off while writing (truncated last line). Such a plugin is run again
/// alone (twice at most); keep the load low (PMACCT_RS_COMPAT_JOBS) so that it rarely happens.
fn oracle_group(input: &Input, group: &[Config]) -> GroupResult {
    let bin = oracle_binary_of(collector_of(&group[0]))?;
    let key = group_key(&bin, input, group)?;
    let cached = cache_dir().join(format!("{key:016x}"));
    // An output without records is sound only where the list of expected differences says
    // pmacct prints nothing (NetFlow v1, a filter selecting no record): else it is a lost
    // run, never cached nor accepted (older caches may hold such runs: they are run again).
    let expected = crate::Expected::load()?;
    let may_be_empty = |c: &Config| expected.pmacct_may_be_empty("offline", &input.name, &c.name);
    if cached.is_dir() {
        let mut m = HashMap::new();
        for c in group {
            m.insert(
                c.name.clone(),
                read_lossy(&cached.join(format!("{}.out", plugin_id(&c.name)))),
            );
        }
        if group
            .iter()
            .all(|c| record_count(c, &m[&c.name]) > 0 || may_be_empty(c))
        {
            return Ok(m);
        }
        let _ = std::fs::remove_dir_all(&cached);
    }
    let (mut outs, bad) = run_group(&bin, input, group)?;
    // Every format of the group holds the same records: the best count is the reference a
    // plugin run again alone must reach.
    let most = group
        .iter()
        .map(|c| record_count(c, &outs[&c.name]))
        .max()
        .unwrap_or(0);
    // A plugin that lost its output is run again alone (three times at most): pmacct copes
    // with one plugin per run far better than with three under load.
    let mut unsound = Vec::new();
    for name in bad {
        let Some(c) = group.iter().find(|c| c.name == name) else {
            continue;
        };
        let mut ok = false;
        for _ in 0..3 {
            let (o, b) = run_group(&bin, input, std::slice::from_ref(c))?;
            let n = o.get(&name).map_or(0, |x| record_count(c, x));
            if b.is_empty() && n >= most {
                outs.extend(o);
                ok = true;
                break;
            }
        }
        // Every format empty: accepted only where pmacct is known to print nothing.
        ok |= most == 0 && may_be_empty(c);
        if !ok {
            unsound.push(name);
        }
    }
    if let Some(c) = group
        .iter()
        .find(|c| record_count(c, &outs[&c.name]) == 0 && !may_be_empty(c))
    {
        return Err(format!(
            "pmacct printed no record for {} x {} (run again alone 3 times): a lost run, \
             not accepted (an `empty` or `same-as` entry in expected-differences.txt \
             declares a case where pmacct prints nothing)",
            input.name, c.name
        ));
    }
    // Only sound results are cached: a later run tries again.
    if unsound.is_empty() {
        let tmp = cache_dir().join(format!("{key:016x}.tmp{}", std::process::id()));
        if std::fs::create_dir_all(&tmp).is_ok() {
            for (name, o) in &outs {
                let _ = std::fs::write(tmp.join(format!("{}.out", plugin_id(name))), o);
            }
            let _ = std::fs::rename(&tmp, &cached);
            let _ = std::fs::remove_dir_all(&tmp);
        }
    }
    Ok(outs)
}

/// One pmacct run of a group: the outputs, and the names of the plugins whose output is
/// not sound (final purge not logged, empty, or last line cut).
fn run_group(
    bin: &Path,
    input: &Input,
    group: &[Config],
) -> Result<(HashMap<String, String>, Vec<String>), String> {
    let s = Scratch::new("oracle")?;
    let conf = combined(group, &input.pcap, &s.0);
    let mut child = spawn(bin, &conf, &s.0)?;
    wait(&mut child, bin, RUN_TIMEOUT)?;
    let outs: HashMap<String, String> = group
        .iter()
        .map(|c| {
            (
                c.name.clone(),
                read_lossy(&s.0.join(format!("{}.out", plugin_id(&c.name)))),
            )
        })
        .collect();
    let stderr = read_lossy(&s.0.join("stderr"));
    if stderr.contains("ERROR") {
        return Err(format!(
            "pmacct failed on {}:\n{conf}\n{stderr}",
            input.name
        ));
    }
    // The plugins of a group print one aggregate in several formats: they must hold the
    // same number of records. pmacct 1.7.7 under load sometimes purges a plugin before it
    // has read everything (fewer records, complete lines), which only this cross-check sees.
    let counts: HashMap<&str, usize> = group
        .iter()
        .map(|c| (c.name.as_str(), record_count(c, &outs[&c.name])))
        .collect();
    let most = counts.values().copied().max().unwrap_or(0);
    let bad = group
        .iter()
        .filter(|c| {
            let o = &outs[&c.name];
            let purged = stderr.lines().any(|l| {
                l.contains(&format!(
                    "( {}/print ): *** Purging cache - END",
                    plugin_id(&c.name)
                ))
            });
            !(purged && !o.is_empty() && o.ends_with('\n')) || counts[c.name.as_str()] < most
        })
        .map(|c| c.name.clone())
        .collect();
    Ok((outs, bad))
}

/// Records in one print output: JSON lines, or lines after the CSV/formatted header.
pub fn record_count(c: &Config, out: &str) -> usize {
    let lines = out.lines().filter(|l| !l.trim().is_empty()).count();
    match c.format() {
        Ok(crate::compare::Format::Json) => lines,
        _ => lines.saturating_sub(1),
    }
}

/// pmacct's output for one (capture, config), computed with its group (see oracle_group).
pub fn oracle_output(input: &Input, config: &Config) -> Result<String, String> {
    let group = group_of(config);
    let key = group_key(&oracle_binary_of(collector_of(config))?, input, &group)?;
    let res = cell(key)
        .get_or_init(|| oracle_group(input, &group))
        .clone();
    res?.remove(&config.name)
        .ok_or_else(|| format!("no oracle output for {}", config.name))
}

/// Start computing every (capture, config group) pmacct output in `jobs` background
/// threads, so cases find them ready; returns at once.
pub fn prefetch(inputs: Vec<Input>, configs: Vec<Config>, jobs: usize) {
    let mut work = Vec::new();
    for i in &inputs {
        let mut seen = Vec::new();
        for c in &configs {
            let Ok(bin) = oracle_binary_of(collector_of(c)) else {
                continue;
            };
            let g = group_of(c);
            if let Ok(k) = group_key(&bin, i, &g) {
                if !seen.contains(&k) {
                    seen.push(k);
                    work.push((k, i.clone(), g));
                }
            }
        }
    }
    let work = Arc::new(Mutex::new(work.into_iter()));
    for _ in 0..jobs.max(1) {
        let work = work.clone();
        std::thread::spawn(move || loop {
            let next = work.lock().unwrap_or_else(|e| e.into_inner()).next();
            let Some((k, i, g)) = next else { break };
            cell(k).get_or_init(|| oracle_group(&i, &g));
        });
    }
}

/// Number of parallel pmacct runs for prefetch: `PMACCT_RS_COMPAT_JOBS`, default 3 (each
/// run mostly sleeps, but more load makes pmacct lose records, see oracle_group).
pub fn jobs() -> usize {
    std::env::var("PMACCT_RS_COMPAT_JOBS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
}

/// A UDP port no socket holds right now (on any address, v4 or v6), for a daemon under test
/// to bind; below the kernel's ephemeral range (see [`pick_port`]).
pub fn free_port() -> Result<u16, String> {
    pick_port(|p| {
        let v4 = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, p)).is_ok();
        v4 && unheld(UdpSocket::bind((Ipv6Addr::UNSPECIFIED, p)).map(drop))
    })
}

/// A TCP port no listener or connection holds right now, below the kernel's ephemeral range
/// (see [`pick_port`]): a collector's BGP or BMP port, a test broker's.
pub fn free_tcp_port() -> Result<u16, String> {
    pick_port(|p| {
        let v4 = TcpListener::bind((Ipv4Addr::UNSPECIFIED, p)).is_ok();
        v4 && unheld(TcpListener::bind((Ipv6Addr::UNSPECIFIED, p)).map(drop))
    })
}

/// Whether a wildcard IPv6 bind found the port free: a machine without IPv6 fails it
/// otherwise than with AddrInUse, and says nothing about the port.
fn unheld(bind: std::io::Result<()>) -> bool {
    !matches!(bind, Err(e) if e.kind() == std::io::ErrorKind::AddrInUse)
}

/// Ports of services the tests start on fixed numbers inside [`pick_port`]'s range.
const RESERVED_PORTS: [u16; 2] = [
    25672, // .ci/rabbitmq.sh: the node's Erlang distribution port
    30014, // bin/tests/uacctd_live.rs: LO_SRC_PORT
];

/// A port `free` accepts, from 20000 up to the start of the kernel's ephemeral range
/// (net.ipv4.ip_local_port_range, 32768 by default). A port the kernel hands out to
/// sockets bound to port 0 (replay senders, Kafka, SQL and BGP clients of tests running
/// in parallel) could be taken between this pick and the daemon's bind; one below the range
/// never is. Each process starts at its own place (pid, clock) and walks the range, so
/// parallel test binaries and threads do not pick the same port. Falls back to a port the
/// kernel picks when the range below the ephemeral one is too small.
fn pick_port(free: impl Fn(u16) -> bool) -> Result<u16, String> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    const LOW: u32 = 20000;
    let high = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u32>().ok())
        .unwrap_or(32768)
        .min(65536);
    if high < LOW + 1000 {
        let s = UdpSocket::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
        return s.local_addr().map(|a| a.port()).map_err(|e| e.to_string());
    }
    let span = u64::from(high - LOW);
    // Drawn once: the walk from it hands a process's callers distinct ports.
    static SEED: OnceLock<u64> = OnceLock::new();
    let seed = *SEED.get_or_init(|| {
        u64::from(std::process::id()).wrapping_mul(7919)
            ^ std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| u64::from(d.subsec_nanos()))
    });
    for _ in 0..span {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let p = u16::try_from(u64::from(LOW) + seed.wrapping_add(n) % span)
            .map_err(|e| e.to_string())?;
        if !RESERVED_PORTS.contains(&p) && free(p) {
            return Ok(p);
        }
    }
    Err(format!("no free port in {LOW}..{high}"))
}

/// Whether a UDP socket is bound on `port` (any address, v4 or v6).
pub fn udp_bound(port: u16) -> bool {
    udp_queued(port).is_some()
}

/// Bytes waiting in the receive queues of the UDP sockets bound on `port` (None: no socket):
/// 0 once the daemon has read everything sent to it.
pub fn udp_queued(port: u16) -> Option<u64> {
    let needle = format!(":{port:04X}");
    let mut found = None;
    for f in ["/proc/net/udp", "/proc/net/udp6"] {
        for l in read_lossy(Path::new(f)).lines().skip(1) {
            let mut cols = l.split_whitespace();
            let (Some(local), Some(queues)) = (cols.nth(1), cols.nth(2)) else {
                continue;
            };
            if !local.ends_with(&needle) {
                continue;
            }
            let rx = queues
                .split_once(':')
                .and_then(|(_, rx)| u64::from_str_radix(rx, 16).ok())
                .unwrap_or(0);
            *found.get_or_insert(0) += rx;
        }
    }
    found
}

/// Datagrams the kernel dropped on the sockets bound to `port` (the `drops` column of
/// /proc/net/udp and udp6, summed), None when none is bound.
pub fn udp_drops(port: u16) -> Option<u64> {
    let needle = format!(":{port:04X}");
    let mut found = None;
    for f in ["/proc/net/udp", "/proc/net/udp6"] {
        for l in read_lossy(Path::new(f)).lines().skip(1) {
            let cols: Vec<&str> = l.split_whitespace().collect();
            if !cols.get(1).is_some_and(|local| local.ends_with(&needle)) {
                continue;
            }
            let drops = cols
                .get(12)
                .and_then(|d| d.parse::<u64>().ok())
                .unwrap_or(0);
            *found.get_or_insert(0) += drops;
        }
    }
    found
}

/// Poll `ready` every 20 ms until it holds; an error naming `what` after `timeout`.
pub fn wait_until(
    what: &str,
    timeout: Duration,
    mut ready: impl FnMut() -> bool,
) -> Result<(), String> {
    let t0 = Instant::now();
    while !ready() {
        if t0.elapsed() > timeout {
            return Err(format!("{what}: not after {timeout:?}"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}

/// How many lines of the file `path` contain `needle` (0 while it does not exist).
pub fn lines_with(path: &Path, needle: &str) -> usize {
    read_lossy(path)
        .lines()
        .filter(|l| l.contains(needle))
        .count()
}

/// The line both pmacct 1.7.7 and ours log when a print/kafka plugin has set up its cache:
/// datagrams sent after it are accounted, not only buffered in the core.
pub const PLUGIN_UP: &str = "): cache entries=";

/// The line both pmacct 1.7.7 and ours log once the collector socket is bound ("waiting
/// for NetFlow/IPFIX data on ...", "waiting for sFlow data on ...").
pub const LISTENING: &str = "): waiting for ";

/// Plugin instances a config declares (`plugins:` items; 1 without the line).
pub fn plugin_count(config_text: &str) -> usize {
    config_text
        .lines()
        .find_map(|l| l.trim().strip_prefix("plugins:"))
        .map(|v| v.split(',').filter(|p| !p.trim().is_empty()).count())
        .unwrap_or(1)
}

/// Send every datagram of `input` to each of `targets`, from one socket per original
/// exporter address mapped to 127.0.0.N (so template scopes stay apart as in the capture),
/// pacing at `rate` datagrams per second.
pub fn replay(input: &Path, targets: &[SocketAddr], rate: u32) -> Result<usize, String> {
    let data = std::fs::read(input).map_err(|e| format!("{}: {e}", input.display()))?;
    let dgrams = pcap::udp_datagrams(&data)?;
    let mut socks: Vec<(std::net::IpAddr, UdpSocket)> = Vec::new();
    let gap = Duration::from_secs_f64(1.0 / f64::from(rate.max(1)));
    let t0 = Instant::now();
    for (n, d) in dgrams.iter().enumerate() {
        let idx = match socks.iter().position(|(a, _)| *a == d.src.ip()) {
            Some(i) => i,
            None => {
                let k = u8::try_from(socks.len() + 1).map_err(|_| "more than 254 exporters")?;
                let s =
                    UdpSocket::bind((Ipv4Addr::new(127, 0, 0, k), 0)).map_err(|e| e.to_string())?;
                socks.push((d.src.ip(), s));
                socks.len() - 1
            }
        };
        for t in targets {
            socks[idx]
                .1
                .send_to(&d.payload, t)
                .map_err(|e| e.to_string())?;
        }
        let due = gap * u32::try_from(n + 1).unwrap_or(u32::MAX);
        if let Some(wait) = due.checked_sub(t0.elapsed()) {
            std::thread::sleep(wait);
        }
    }
    Ok(dgrams.len())
}

/// Two different free UDP ports (pmacct's and ours).
pub fn free_port_pair() -> Result<(u16, u16), String> {
    let (pp, po) = (free_port()?, free_port()?);
    if pp == po {
        return Err("free_port returned the same port twice".into());
    }
    Ok((pp, po))
}

/// Start pmacct and ours, each (binary, config text, scratch dir); pmacct is killed when
/// ours cannot start.
pub fn spawn_pair(
    pm: (&Path, &str, &Path),
    ours: (&Path, &str, &Path),
) -> Result<(Child, Child), String> {
    let mut cp = spawn(pm.0, pm.1, pm.2)?;
    match spawn(ours.0, ours.1, ours.2) {
        Ok(co) => Ok((cp, co)),
        Err(e) => {
            let _ = cp.kill();
            let _ = cp.wait();
            Err(e)
        }
    }
}

/// Replay `input` over UDP to pmacct and ours at once (both configured from `config`,
/// listening on 127.0.0.1), then SIGINT both for the final purge; their outputs.
pub fn live_pair(
    pm: &Path,
    ours: &Path,
    input: &Input,
    config: &Config,
) -> Result<(Output, Output), String> {
    let sp = Scratch::new("live-pmacct")?;
    let so = Scratch::new("live-ours")?;
    let (pp, po) = free_port_pair()?;
    let (mut cp, mut co) = spawn_pair(
        (pm, &config.live(pp, &sp.0.join("out")), &sp.0),
        (ours, &config.live(po, &so.0.join("out")), &so.0),
    )?;
    let result = (|| -> Result<(), String> {
        // Bound, and logged so: ours logs it once every worker's socket has joined the
        // port (a datagram sent before could meet a worker without its templates).
        wait_until("both daemons listening", Duration::from_secs(15), || {
            udp_bound(pp)
                && udp_bound(po)
                && lines_with(&sp.0.join("stderr"), LISTENING) >= 1
                && lines_with(&so.0.join("stderr"), LISTENING) >= 1
        })?;
        // Send once every plugin of both has logged that its cache is up, not after a
        // fixed time a slow machine could outlast.
        let n = plugin_count(&config.text);
        wait_until("plugins up", Duration::from_secs(15), || {
            lines_with(&sp.0.join("stderr"), PLUGIN_UP) >= n
                && lines_with(&so.0.join("stderr"), PLUGIN_UP) >= n
        })?;
        let targets = [
            SocketAddr::from((Ipv4Addr::LOCALHOST, pp)),
            SocketAddr::from((Ipv4Addr::LOCALHOST, po)),
        ];
        replay(&input.pcap, &targets, 5000)?;
        // Both have read every datagram before the grace time for their plugins starts: a
        // daemon descheduled on a loaded machine is waited for, not cut short by SIGINT.
        wait_until(
            "replay read by both daemons",
            Duration::from_secs(30),
            || udp_queued(pp) == Some(0) && udp_queued(po) == Some(0),
        )?;
        std::thread::sleep(Duration::from_millis(1500));
        Ok(())
    })();
    for c in [&cp, &co] {
        // SAFETY: kill(2) on the pid of a child we spawned and have not reaped yet.
        unsafe {
            libc::kill(c.id() as libc::pid_t, libc::SIGINT);
        }
    }
    let wp = wait(&mut cp, pm, Duration::from_secs(30));
    let wo = wait(&mut co, ours, Duration::from_secs(30));
    result?;
    wp?;
    wo?;
    let get = |d: &Path| Output {
        output: read_lossy(&d.join("out")),
        stderr: read_lossy(&d.join("stderr")),
    };
    Ok((get(&sp.0), get(&so.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Picked ports are below the ephemeral range, distinct, and bindable by a daemon.
    #[test]
    fn free_ports_are_below_the_ephemeral_range() {
        let high: u16 = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
            .ok()
            .and_then(|s| s.split_whitespace().next()?.parse().ok())
            .unwrap_or(32768);
        let udp: Vec<u16> = (0..50).map(|_| free_port().unwrap()).collect();
        let tcp: Vec<u16> = (0..50).map(|_| free_tcp_port().unwrap()).collect();
        let mut all: Vec<u16> = udp.iter().chain(&tcp).copied().collect();
        if high >= 21000 {
            assert!(all.iter().all(|p| (20000..high).contains(p)), "{all:?}");
            assert!(!all.iter().any(|p| RESERVED_PORTS.contains(p)));
        }
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), 100, "a port was handed out twice");
        let _held = UdpSocket::bind((Ipv4Addr::LOCALHOST, udp[0])).unwrap();
        let _l = TcpListener::bind((Ipv4Addr::LOCALHOST, tcp[0])).unwrap();
    }
}
