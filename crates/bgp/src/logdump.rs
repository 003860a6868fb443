//! BGP message logs and table dumps as pmacct 1.7.7 writes them (`bgp_daemon_msglog_file`,
//! `bgp_table_dump_file`, JSON output).
//!
//! - [`MsgLog`]: an [`Observer`] of the speaker writing one JSON line per event: `log_init`
//!   when a session is established, `log` (`log_type` `update` / `withdraw`) per NLRI,
//!   `delete` per route the RIB held when the session ends, then `log_close`. One file per distinct expanded name, shared by the peers that
//!   expand to it (1.7.7's `bgp_peer_log_init()` refcounts them), opened for append.
//! - [`spawn_dumper`]: every `bgp_table_dump_refresh_time` seconds (deadlines aligned on the
//!   hour as 1.7.7's `roundoff_time(.., "m")`, whole periods from there), each peer's RIB as `dump_init`, one `dump`
//!   per path, `dump_close`, into files truncated at each dump; `bgp_table_dump_latest_file`
//!   symlinks to the last one.
//!
//! The sequence number `seq` is shared by both, as in 1.7.7: each log event takes the next
//! one, a dump takes one for all of its records.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::net::IpAddr;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use pmacct_flow::time::{self as ftime, TimestampOptions};
use pmacct_wire::Timestamp;

use crate::attr::PathAttrs;
use crate::msg::{self, Nlri, AFI_IP, AFI_IP6, SAFI_MPLS_LABEL, SAFI_MPLS_VPN, SAFI_UNICAST};
use crate::rib::{Lpm, Path as RibPath, Peer, Peers};
use crate::speaker::{Level, LogFn, Observer, RouteEvent};

/// The shared event sequence (`bms->log_seq`).
pub type Seq = Arc<AtomicU64>;

/// A message bus the log or dump also goes to (`*_kafka_topic`, `*_amqp_routing_key`): the
/// daemon supplies it (the transports live in pmacct-plugins), this crate only formats.
pub trait Bus: Send {
    /// One JSON object (no newline) to `route` (topic / routing key) with partition key `key`.
    fn send(&mut self, route: &str, key: Option<&str>, obj: &[u8]);
    /// Hand over what is collected (each msglog tick, end of each dump).
    fn flush(&mut self) {}
}

/// A [`Bus`] with its `$peer_src_ip` / `$peer_tcp_port` templates; each message gets the
/// `writer_id` (`<core_proc_name>/<pid>`) 1.7.7 appends to what it sends to a broker.
pub struct BusOutput {
    bus: Box<dyn Bus>,
    route: String,
    key: Option<String>,
    writer_id: String,
    /// (peer address, port) -> (route, key) expanded for it.
    names: HashMap<(IpAddr, u16), (String, Option<String>)>,
    buf: Vec<u8>,
    /// A dump's time (seconds, UTC or local): the route (not the key) is also expanded
    /// with strftime, as 1.7.7's dump runners do with `pm_strftime_same()`.
    time: Option<(i64, bool)>,
}

impl BusOutput {
    pub fn new(bus: Box<dyn Bus>, route: &str, key: Option<&str>, proc_name: &str) -> BusOutput {
        BusOutput {
            bus,
            route: route.to_string(),
            key: key.map(str::to_string),
            writer_id: format!("{proc_name}/{}", std::process::id()),
            names: HashMap::new(),
            buf: Vec::with_capacity(1024),
            time: None,
        }
    }

    /// Expand the route with strftime at `time` (a dump's deadline; None: no strftime).
    pub fn set_time(&mut self, time: Option<(i64, bool)>) {
        if self.time != time {
            self.time = time;
            self.names.clear();
        }
    }

    /// `line`: one object as written to files (`{...}\n`), from the peer (or BMP router)
    /// `addr`:`port` whose variables the route and key take.
    pub fn send(&mut self, addr: IpAddr, port: u16, line: &[u8]) {
        let time = self.time;
        let (route, key) = self.names.entry((addr, port)).or_insert_with(|| {
            let r = dynname(&self.route, addr, port);
            (
                match time {
                    Some((t, utc)) if r.contains('%') => ftime::strftime(&r, t, utc),
                    _ => r,
                },
                self.key.as_deref().map(|k| dynname(k, addr, port)),
            )
        });
        let obj = line.strip_suffix(b"\n").unwrap_or(line);
        let Some(body) = obj.strip_suffix(b"}") else {
            return;
        };
        self.buf.clear();
        self.buf.extend_from_slice(body);
        if body.len() > 1 {
            self.buf.extend_from_slice(b", ");
        }
        self.buf.extend_from_slice(b"\"writer_id\": ");
        json_string(&mut self.buf, &self.writer_id);
        self.buf.push(b'}');
        self.bus.send(route, key.as_deref(), &self.buf);
    }

    /// Hand over what is collected.
    pub fn flush(&mut self) {
        self.bus.flush();
    }

    /// The peer is gone: its expanded names are dropped (ephemeral ports would grow them).
    pub fn forget(&mut self, addr: IpAddr, port: u16) {
        self.names.remove(&(addr, port));
    }
}

/// `bgp_peer_log_dynname()`: the first `$peer_src_ip` (or `$bmp_router`,
/// `$telemetry_node`) becomes the peer address with `.` and `:` as `_`, the first
/// `$peer_tcp_port` (or `$bmp_router_port`, `$telemetry_node_port`) its TCP port.
pub fn dynname(template: &str, addr: IpAddr, port: u16) -> String {
    let mut s = template.to_string();
    let ip: String = addr
        .to_string()
        .chars()
        .map(|c| if c == '.' || c == ':' { '_' } else { c })
        .collect();
    // Address first, as 1.7.7 (so "$bmp_router_port" alone loses its "$bmp_router" part).
    for v in ["$peer_src_ip", "$bmp_router", "$telemetry_node"] {
        if let Some(i) = s.find(v) {
            s.replace_range(i..i + v.len(), &ip);
            break;
        }
    }
    for v in ["$peer_tcp_port", "$bmp_router_port", "$telemetry_node_port"] {
        if let Some(i) = s.find(v) {
            s.replace_range(i..i + v.len(), &port.to_string());
            break;
        }
    }
    s
}

/// One JSON object as jansson's `json_dumps(.., JSON_PRESERVE_ORDER)` writes it:
/// `{"k": v, "k2": v2}`.
struct Obj<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> Obj<'a> {
    fn new(out: &'a mut Vec<u8>) -> Obj<'a> {
        out.push(b'{');
        Obj { out, first: true }
    }
    fn key(&mut self, k: &str) {
        if !self.first {
            self.out.extend_from_slice(b", ");
        }
        self.first = false;
        self.out.push(b'"');
        self.out.extend_from_slice(k.as_bytes());
        self.out.extend_from_slice(b"\": ");
    }
    fn str(&mut self, k: &str, v: &str) {
        self.key(k);
        json_string(self.out, v);
    }
    fn int(&mut self, k: &str, v: u64) {
        self.key(k);
        ftime::push_uint(self.out, v);
    }
    fn raw(&mut self, k: &str, v: &[u8]) {
        self.key(k);
        self.out.push(b'"');
        self.out.extend_from_slice(v);
        self.out.push(b'"');
    }
    fn end(self) {
        self.out.extend_from_slice(b"}\n");
    }
}

/// A JSON string as jansson escapes it (control characters as `\uXXXX`, `"` and `\`).
fn json_string(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    for c in s.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' => out.extend_from_slice(b"\\t"),
            '\u{8}' => out.extend_from_slice(b"\\b"),
            '\u{c}' => out.extend_from_slice(b"\\f"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => {
                let mut b = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
            }
        }
    }
    out.push(b'"');
}

/// `bgp_origin_print()` (BGP and BMP message logs and dumps).
pub fn origin_text(o: u8) -> &'static str {
    match o {
        0 => "i",
        1 => "e",
        2 => "u",
        _ => "?",
    }
}

fn now_ts() -> Timestamp {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Timestamp {
        secs: d.as_secs(),
        usecs: d.subsec_micros(),
    }
}

fn peer_head(o: &mut Obj<'_>, peer: &Peer, event_type: &str) {
    o.str("peer_ip_src", &peer.addr.to_string());
    o.int("peer_tcp_port", u64::from(peer.tcp_port));
    o.str("event_type", event_type);
}

/// The route part of `bgp_peer_log_msg()`: afi, safi, prefix, ADD-PATH id, attributes.
fn route_body(
    o: &mut Obj<'_>,
    afi: u16,
    safi: u8,
    prefix: &msg::Prefix,
    path_id: Option<u32>,
    attrs: Option<&PathAttrs>,
    origin_int: bool,
) {
    o.int("afi", u64::from(afi));
    o.int("safi", u64::from(safi));
    o.str("ip_prefix", &prefix.to_string());
    if let Some(id) = path_id {
        o.int("as_path_id", u64::from(id));
    }
    let Some(a) = attrs else {
        return;
    };
    let nh = a
        .next_hop
        .map_or_else(|| "0.0.0.0".to_string(), |n| n.to_string());
    o.str("bgp_nexthop", &nh);
    o.str("as_path", a.as_path.as_ref().map_or("", |p| &p.text));
    if let Some(c) = &a.communities {
        o.str("comms", &c.text);
    }
    if let Some(c) = &a.ext_communities {
        o.str("ecomms", &c.text);
    }
    if let Some(c) = &a.large_communities {
        o.str("lcomms", &c.text);
    }
    // `tmp_bgp_daemon_origin_type_int`: the number, as pmacct printed it before 1.7.3.
    if origin_int {
        o.int("origin", u64::from(a.origin));
    } else {
        o.str("origin", origin_text(a.origin));
    }
    if a.has_local_pref {
        o.int("local_pref", u64::from(a.local_pref));
    }
    if a.has_med {
        o.int("med", u64::from(a.med));
    }
}

fn open_file(path: &str, append: bool) -> io::Result<File> {
    if let Some(dir) = Path::new(path).parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir)?;
        }
    }
    if append {
        OpenOptions::new().create(true).append(true).open(path)
    } else {
        OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(true)
            .open(path)
    }
}

struct LogFile {
    name: String,
    out: Option<BufWriter<File>>,
    refcnt: usize,
}

/// `bgp_daemon_msglog_file` (and/or a [`Bus`]) with `bgp_daemon_msglog_output: json`.
pub struct MsgLog {
    /// `bgp_daemon_msglog_file`, if files are written.
    template: Option<String>,
    bus: Option<BusOutput>,
    ts: TimestampOptions,
    seq: Seq,
    files: Vec<LogFile>,
    /// Session (address, port) -> index in `files` (None: no file, or bus only).
    peers: HashMap<(IpAddr, u16), Option<usize>>,
    /// Set by SIGHUP: reopen every file at the next tick.
    pub reopen: Arc<AtomicBool>,
    log: LogFn,
    name: String,
    buf: Vec<u8>,
    /// Whether the daemon keeps RIBs (1.7.7's `!skip_rib`: the flow daemons' thread, and
    /// pmbgpd with table dumps). With them a withdrawal is logged only for a route held, with
    /// its attributes, and a session's end logs a `delete` per route; without them every
    /// withdrawal is logged bare and nothing is deleted.
    rib: bool,
    /// `tmp_bgp_daemon_origin_type_int`.
    origin_int: bool,
}

impl MsgLog {
    /// As a daemon without RIBs logs (pmbgpd without `bgp_table_dump_*`).
    pub fn without_rib(mut self) -> MsgLog {
        self.rib = false;
        self
    }

    /// `tmp_bgp_daemon_origin_type_int`: ORIGIN as a number (0, 1, 2), not i/e/u.
    pub fn origin_as_int(mut self, yes: bool) -> MsgLog {
        self.origin_int = yes;
        self
    }

    /// `template`: `bgp_daemon_msglog_file` (None: a bus only, see [`MsgLog::with_bus`]).
    pub fn new(
        template: Option<&str>,
        ts: TimestampOptions,
        seq: Seq,
        name: &str,
        log: LogFn,
    ) -> MsgLog {
        MsgLog {
            template: template.map(str::to_string),
            bus: None,
            ts,
            seq,
            files: Vec::new(),
            peers: HashMap::new(),
            reopen: Arc::new(AtomicBool::new(false)),
            log,
            name: name.to_string(),
            buf: Vec::with_capacity(1024),
            rib: true,
            origin_int: false,
        }
    }

    /// Also send every record to `bus` (`bgp_daemon_msglog_kafka_*` / `_amqp_*`).
    pub fn with_bus(mut self, bus: BusOutput) -> MsgLog {
        self.bus = Some(bus);
        self
    }

    fn open(&self, path: &str) -> Option<BufWriter<File>> {
        match open_file(path, true) {
            Ok(f) => Some(BufWriter::with_capacity(64 * 1024, f)),
            Err(e) => {
                (self.log)(
                    Level::Error,
                    &format!(
                        "ERROR ( {}/core/BGP ): [{path}] open_output_file(): unable to open file: {e}",
                        self.name
                    ),
                );
                None
            }
        }
    }

    fn head(&mut self, log_type: Option<&str>) {
        self.buf.clear();
        let seq = self.seq.fetch_add(1, Ordering::Relaxed);
        let mut ts = Vec::with_capacity(32);
        ftime::write_timestamp(&mut ts, now_ts(), true, &self.ts);
        let mut o = Obj::new(&mut self.buf);
        o.int("seq", seq);
        if let Some(t) = log_type {
            o.str("log_type", t);
        }
        o.raw("timestamp", &ts);
        // The object stays open: the callers add fields through `cont()`.
    }

    fn write(&mut self, peer: &Peer) {
        let Some(&i) = self.peers.get(&(peer.addr, peer.tcp_port)) else {
            return;
        };
        if let Some(out) = i
            .and_then(|i| self.files.get_mut(i))
            .and_then(|f| f.out.as_mut())
        {
            let _ = out.write_all(&self.buf);
        }
        if let Some(b) = self.bus.as_mut() {
            b.send(peer.addr, peer.tcp_port, &self.buf);
        }
    }

    /// The file of expanded name `name`, shared by the peers expanding to it (refcounted).
    fn file_for(&mut self, name: String) -> usize {
        let i = match self.files.iter().position(|f| f.name == name) {
            Some(i) => i,
            None => {
                let out = self.open(&name);
                let slot = self.files.iter().position(|f| f.refcnt == 0);
                let lf = LogFile {
                    name,
                    out,
                    refcnt: 0,
                };
                match slot {
                    Some(s) => {
                        self.files[s] = lf;
                        s
                    }
                    None => {
                        self.files.push(lf);
                        self.files.len() - 1
                    }
                }
            }
        };
        self.files[i].refcnt += 1;
        i
    }

    /// Continue the object [`MsgLog::head`] opened.
    fn cont(&mut self) -> Obj<'_> {
        Obj {
            out: &mut self.buf,
            first: false,
        }
    }
}

impl Observer for MsgLog {
    fn peer_up(&mut self, peer: &Peer) {
        let i = self
            .template
            .as_deref()
            .map(|t| dynname(t, peer.addr, peer.tcp_port))
            .map(|name| self.file_for(name));
        self.peers.insert((peer.addr, peer.tcp_port), i);
        self.head(None);
        let mut o = self.cont();
        peer_head(&mut o, peer, "log_init");
        o.end();
        self.write(peer);
    }

    fn route(
        &mut self,
        peer: &Peer,
        event: RouteEvent,
        afi: u16,
        safi: u8,
        nlri: &Nlri,
        attrs: Option<&PathAttrs>,
    ) {
        if !self.peers.contains_key(&(peer.addr, peer.tcp_port)) {
            return;
        }
        let attrs = match (event, self.rib) {
            (RouteEvent::Update, _) => attrs,
            (RouteEvent::Withdraw, true) if attrs.is_none() => return,
            (RouteEvent::Withdraw, true) | (RouteEvent::Delete, true) => attrs,
            (RouteEvent::Withdraw, false) => None,
            (RouteEvent::Delete, false) => return,
        };
        let lt = match event {
            RouteEvent::Update => "update",
            RouteEvent::Withdraw => "withdraw",
            RouteEvent::Delete => "delete",
        };
        self.head(Some(lt));
        let add_path = if afi == AFI_IP6 {
            peer.add_path_v6
        } else {
            peer.add_path_v4
        };
        let origin_int = self.origin_int;
        let mut o = self.cont();
        peer_head(&mut o, peer, "log");
        route_body(
            &mut o,
            afi,
            safi,
            &nlri.prefix,
            add_path.then_some(nlri.path_id),
            attrs,
            origin_int,
        );
        o.end();
        self.write(peer);
    }

    fn peer_down(&mut self, peer: &Peer) {
        let Some(i) = self.peers.get(&(peer.addr, peer.tcp_port)).copied() else {
            return;
        };
        self.head(None);
        let mut o = self.cont();
        peer_head(&mut o, peer, "log_close");
        o.end();
        self.write(peer);
        self.peers.remove(&(peer.addr, peer.tcp_port));
        if let Some(b) = self.bus.as_mut() {
            b.forget(peer.addr, peer.tcp_port);
        }
        let Some(i) = i else {
            return;
        };
        let f = &mut self.files[i];
        f.refcnt = f.refcnt.saturating_sub(1);
        if f.refcnt == 0 {
            if let Some(mut out) = f.out.take() {
                let _ = out.flush();
            }
            f.name.clear();
        }
    }

    fn tick(&mut self) {
        if let Some(b) = self.bus.as_mut() {
            b.flush();
        }
        let reopen = self.reopen.swap(false, Ordering::AcqRel);
        for i in 0..self.files.len() {
            if let Some(out) = self.files[i].out.as_mut() {
                let _ = out.flush();
            }
            if reopen && self.files[i].refcnt > 0 {
                let name = self.files[i].name.clone();
                self.files[i].out = self.open(&name);
            }
        }
    }
}

impl Drop for MsgLog {
    fn drop(&mut self) {
        if let Some(b) = self.bus.as_mut() {
            b.flush();
        }
        for f in &mut self.files {
            if let Some(out) = f.out.as_mut() {
                let _ = out.flush();
            }
        }
    }
}

/// `bgp_table_dump_*` settings.
#[derive(Debug, Clone)]
pub struct DumpConfig {
    /// `bgp_table_dump_file` (strftime and `$peer_src_ip` / `$peer_tcp_port` variables);
    /// None when dumps go to a bus only.
    pub file: Option<String>,
    /// `bgp_table_dump_latest_file` (`$peer_src_ip` / `$peer_tcp_port` only).
    pub latest_file: Option<String>,
    /// `bgp_table_dump_refresh_time`, 60..86400 s.
    pub refresh_time: u64,
    pub ts: TimestampOptions,
    /// `core_proc_name`, for log lines.
    pub name: String,
    /// `tmp_bgp_daemon_origin_type_int`: ORIGIN as a number.
    pub origin_int: bool,
}

/// Counts of one dump.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DumpStats {
    pub tables: u64,
    pub entries: u64,
}

/// `link_latest_output_file()`: point `link` at `target` unless the current link target is
/// newer.
fn link_latest(link: &str, target: &str) {
    let lp = Path::new(link);
    if let Some(dir) = lp.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let mtime = |p: &Path| {
        std::fs::metadata(p)
            .and_then(|m| m.modified())
            .unwrap_or(UNIX_EPOCH)
    };
    let rewrite = match std::fs::read_link(lp) {
        Ok(old) => mtime(Path::new(target)) >= mtime(&old),
        Err(_) => true,
    };
    if rewrite {
        let _ = std::fs::remove_file(lp);
        let _ = std::os::unix::fs::symlink(target, lp);
    }
}

/// Routes of one table, copied out of the RIB.
type Routes = Vec<(msg::Prefix, RibPath)>;

fn flat<K: crate::rib::Bits>(t: &Lpm<K>, out: &mut Routes) {
    for (p, paths) in t.iter() {
        for path in paths {
            out.push((p, path.clone()));
        }
    }
}

/// Tables in 1.7.7's dump order (AFI, then SAFI).
fn tables_of(rib: &crate::rib::PeerRib) -> [(u16, u8, Routes); 6] {
    let mut t: [(u16, u8, Routes); 6] = [
        (AFI_IP, SAFI_UNICAST, Vec::new()),
        (AFI_IP, SAFI_MPLS_LABEL, Vec::new()),
        (AFI_IP, SAFI_MPLS_VPN, Vec::new()),
        (AFI_IP6, SAFI_UNICAST, Vec::new()),
        (AFI_IP6, SAFI_MPLS_LABEL, Vec::new()),
        (AFI_IP6, SAFI_MPLS_VPN, Vec::new()),
    ];
    flat(&rib.v4, &mut t[0].2);
    flat(&rib.lu4, &mut t[1].2);
    rib.vpn4.values().for_each(|x| flat(x, &mut t[2].2));
    flat(&rib.v6, &mut t[3].2);
    flat(&rib.lu6, &mut t[4].2);
    rib.vpn6.values().for_each(|x| flat(x, &mut t[5].2));
    t
}

/// One dump of every peer's RIB at dump time `when` (the deadline, whole seconds), as
/// `bgp_table_dump_event_runner()` writes it. Returns what it wrote.
pub fn dump_tables(
    peers: &Peers,
    cfg: &DumpConfig,
    seq: &Seq,
    when: u64,
    mut bus: Option<&mut BusOutput>,
) -> DumpStats {
    let dump_seq = seq.fetch_add(1, Ordering::Relaxed);
    // 1.7.7 expands the dump's topic / routing key with strftime, as its file name.
    if let Some(b) = bus.as_deref_mut() {
        b.set_time(Some((when as i64, cfg.ts.utc)));
    }
    let mut ts = Vec::with_capacity(32);
    ftime::write_timestamp(
        &mut ts,
        Timestamp {
            secs: when,
            usecs: 0,
        },
        false,
        &cfg.ts,
    );
    let mut stats = DumpStats::default();
    let mut last_name = String::new();
    let mut last_peer: Option<Arc<Peer>> = None;
    let mut out: Option<BufWriter<File>> = None;
    let mut buf = Vec::with_capacity(64 * 1024);
    for peer in peers.snapshot() {
        let name = cfg.file.as_deref().map_or_else(String::new, |f| {
            ftime::strftime(
                &dynname(f, peer.addr, peer.tcp_port),
                when as i64,
                cfg.ts.utc,
            )
        });
        // Each record also goes to the bus, one message each, as it is formatted.
        let mut send = |buf: &[u8], start: usize| {
            if let Some(b) = bus.as_deref_mut() {
                b.send(peer.addr, peer.tcp_port, &buf[start..]);
            }
        };
        if cfg.file.is_some() && name != last_name {
            if let Some(mut o) = out.take() {
                let _ = o.flush();
                if let (Some(l), Some(p)) = (&cfg.latest_file, &last_peer) {
                    link_latest(&dynname(l, p.addr, p.tcp_port), &last_name);
                }
            }
            out = open_file(&name, false)
                .ok()
                .map(|f| BufWriter::with_capacity(64 * 1024, f));
        }
        buf.clear();
        let mut o = Obj::new(&mut buf);
        o.raw("timestamp", &ts);
        peer_head(&mut o, &peer, "dump_init");
        o.int("dump_period", cfg.refresh_time);
        o.int("seq", dump_seq);
        o.end();
        send(&buf, 0);
        // Copy the routes out under the read lock (Arc clones), format without it: the
        // speaker keeps applying UPDATEs while a large table is written.
        let Ok(tables) = peer.rib.read().map(|rib| tables_of(&rib)) else {
            continue;
        };
        let mut entries = 0u64;
        for (afi, safi, routes) in &tables {
            let add_path = if *afi == AFI_IP6 {
                peer.add_path_v6
            } else {
                peer.add_path_v4
            };
            for (prefix, path) in routes {
                let start = buf.len();
                let mut o = Obj::new(&mut buf);
                o.int("seq", dump_seq);
                o.raw("timestamp", &ts);
                peer_head(&mut o, &peer, "dump");
                route_body(
                    &mut o,
                    *afi,
                    *safi,
                    prefix,
                    add_path.then_some(path.path_id),
                    Some(&path.attrs),
                    cfg.origin_int,
                );
                o.end();
                send(&buf, start);
                entries += 1;
                if buf.len() > 60 * 1024 {
                    if let Some(w) = out.as_mut() {
                        let _ = w.write_all(&buf);
                    }
                    buf.clear();
                }
            }
        }
        stats.entries += entries;
        stats.tables += 1;
        let start = buf.len();
        let mut o = Obj::new(&mut buf);
        o.raw("timestamp", &ts);
        peer_head(&mut o, &peer, "dump_close");
        o.int("entries", entries);
        o.int("tables", 1);
        o.int("seq", dump_seq);
        o.end();
        send(&buf, start);
        if let Some(w) = out.as_mut() {
            let _ = w.write_all(&buf);
        }
        last_name = name;
        last_peer = Some(peer);
    }
    if let Some(mut o) = out.take() {
        let _ = o.flush();
    }
    if let Some(b) = bus {
        b.flush();
    }
    if let (Some(l), Some(p), Some(_)) = (&cfg.latest_file, &last_peer, &cfg.file) {
        link_latest(&dynname(l, p.addr, p.tcp_port), &last_name);
    }
    stats
}

/// The first dump deadline after `now`: the minute `now` falls in, plus whole periods.
pub fn first_deadline(now: u64, period: u64, utc: bool) -> u64 {
    let base = ftime::roundoff_time(now as i64, "m", utc).max(0) as u64;
    let mut t = base;
    while t + period < now {
        t += period;
    }
    t + period
}

/// Run the periodic dumps on their own thread until `stop` is set.
pub fn spawn_dumper(
    peers: Arc<Peers>,
    cfg: DumpConfig,
    seq: Seq,
    log: LogFn,
    stop: Arc<AtomicBool>,
    mut bus: Option<BusOutput>,
) -> io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("bgp-dump".into())
        .spawn(move || {
            let now = || now_ts().secs;
            let mut deadline = first_deadline(now(), cfg.refresh_time, cfg.ts.utc);
            while !stop.load(Ordering::Acquire) {
                std::thread::sleep(Duration::from_millis(200));
                // 1.7.7 dumps once the clock is past the deadline (`tv_sec > deadline`).
                while now() > deadline && !stop.load(Ordering::Acquire) {
                    log(
                        Level::Info,
                        &format!(
                            "INFO ( {}/core/BGP ): *** Dumping BGP tables - START (PID: {} RID: 1) ***",
                            cfg.name,
                            std::process::id()
                        ),
                    );
                    let start = now();
                    let st = dump_tables(&peers, &cfg, &seq, deadline, bus.as_mut());
                    log(
                        Level::Info,
                        &format!(
                            "INFO ( {}/core/BGP ): *** Dumping BGP tables - END (PID: {} RID: 1 TABLES: {} ENTRIES: {} ET: {}) ***",
                            cfg.name,
                            std::process::id(),
                            st.tables,
                            st.entries,
                            now().saturating_sub(start)
                        ),
                    );
                    deadline += cfg.refresh_time;
                }
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    #[test]
    fn dynname_variables() {
        let a = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
        assert_eq!(
            dynname("/x/$peer_src_ip-$peer_tcp_port.json", a, 179),
            "/x/192_0_2_1-179.json"
        );
        let b = IpAddr::V6(Ipv6Addr::LOCALHOST);
        assert_eq!(dynname("$bmp_router/$peer_src_ip", b, 1), "$bmp_router/__1");
        assert_eq!(dynname("plain", b, 1), "plain");
    }

    /// Collects what a [`BusOutput`] sends.
    type Sent = Arc<std::sync::Mutex<Vec<(String, Option<String>, String)>>>;
    struct Collect(Sent);

    impl Bus for Collect {
        fn send(&mut self, route: &str, key: Option<&str>, obj: &[u8]) {
            let o = String::from_utf8(obj.to_vec()).unwrap();
            let k = key.map(str::to_string);
            self.0.lock().unwrap().push((route.to_string(), k, o));
        }
    }

    #[test]
    fn bus_messages_expand_the_peer_and_carry_the_writer_id() {
        let got = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut b = BusOutput::new(
            Box::new(Collect(got.clone())),
            "bgp.$peer_src_ip",
            Some("$peer_src_ip-$peer_tcp_port"),
            "core1",
        );
        let a = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
        b.send(a, 1790, b"{\"seq\": 1, \"event_type\": \"log\"}\n");
        let pid = std::process::id();
        let got = got.lock().unwrap();
        assert_eq!(
            got[0],
            (
                "bgp.192_0_2_1".to_string(),
                Some("192_0_2_1-1790".to_string()),
                format!("{{\"seq\": 1, \"event_type\": \"log\", \"writer_id\": \"core1/{pid}\"}}")
            )
        );
    }

    #[test]
    fn dump_routes_take_strftime_keys_do_not() {
        let got = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut b = BusOutput::new(
            Box::new(Collect(got.clone())),
            "dump.$peer_src_ip.%Y%m%d-%H%M",
            Some("k-%H"),
            "core1",
        );
        let a = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
        // 1_700_000_040 is 2023-11-14 22:14:00 UTC.
        b.set_time(Some((1_700_000_040, true)));
        b.send(a, 179, b"{}\n");
        b.set_time(None);
        b.send(a, 179, b"{}\n");
        let got = got.lock().unwrap();
        assert_eq!(got[0].0, "dump.192_0_2_1.20231114-2214");
        assert_eq!(got[0].1.as_deref(), Some("k-%H"));
        assert_eq!(got[1].0, "dump.192_0_2_1.%Y%m%d-%H%M");
    }

    #[test]
    fn json_escaping() {
        let mut v = Vec::new();
        json_string(&mut v, "a\"b\\c\u{1}");
        assert_eq!(v, b"\"a\\\"b\\\\c\\u0001\"");
    }

    #[test]
    fn deadlines_count_periods_from_the_hour() {
        // pmacct's roundoff "m" zeroes the minutes: periods count from the hour.
        // 1_700_000_010 is 22:13:30 UTC.
        assert_eq!(first_deadline(1_700_000_010, 60, true), 1_700_000_040);
        assert_eq!(first_deadline(1_700_000_010, 300, true), 1_700_000_100);
        assert_eq!(first_deadline(1_700_000_010, 3600, true), 1_700_002_800);
    }
}
