//! The BMP collector: one thread, one mio poll for the listener and every router.
//!
//! Routers connect to `bmp_daemon_ip`:`bmp_daemon_port` and stream BMP messages. Per router:
//! its monitored peers (made by Peer Up, removed by Peer Down) and their routes; a router that
//! sends Termination or disconnects takes its peers' routes with it, each logged as a
//! `delete` as pmacct 1.7.7 does. A malformed message is discarded alone ("packet
//! discarded", counted); a stream that cannot be framed any more (bad version, length below
//! the header) closes that router only. Messages above 1.7.7's buffer are skipped.
//!
//! Output: `bmp_daemon_msglog_file` (every event as it happens) and `bmp_dump_file` every
//! `bmp_dump_refresh_time` (the routes, then the BMP events since the previous dump), JSON
//! lines as 1.7.7 writes them; or the same records, one message each, on a message bus
//! ([`Buses`]: `bmp_daemon_msglog_kafka_*` / `_amqp_*`, `bmp_dump_kafka_*` / `_amqp_*`),
//! whose transports the daemon supplies (this crate does not depend on the plugins).

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token, Waker};

use pmacct_bgp::attr::{Interner, RenderOptions};
use pmacct_bgp::msg::{Message as BgpMessage, NlriIter, AFI_IP, AFI_IP6, SAFI_UNICAST};
use pmacct_flow::time::{strftime, write_timestamp};
use pmacct_flow::TimestampOptions;
use pmacct_wire::Timestamp;

use crate::json::{c_string, hex, Obj, Val};
use crate::msg::{self, CounterValue, Message, PeerHeader, Tlv};
use crate::rib::{Chars, MonitoredPeer, Route, RouteKey, HAS_LOCAL_PREF, HAS_MED};

/// Log severities and the logger callback: the BGP speaker's (the daemon maps them onto its
/// logger the same way).
pub use pmacct_bgp::speaker::{Level, LogFn};
pub type AllowFn = Arc<dyn Fn(IpAddr) -> bool + Send + Sync>;
/// A message bus output with its `$bmp_router` / `$peer_src_ip` (and port) variables.
pub use pmacct_bgp::logdump::{Bus, BusOutput};

/// The message log's and the dumps' bus outputs, if configured (1.7.7: a file, a Kafka
/// topic or an AMQP routing key per output, never two).
#[derive(Default)]
pub struct Buses {
    pub msglog: Option<BusOutput>,
    /// Used only when dumps are on (`bmp_dump_refresh_time`).
    pub dump: Option<BusOutput>,
}

/// `bmp_daemon_*` and `bmp_dump_*` settings.
#[derive(Clone, Default)]
pub struct Config {
    /// `bmp_daemon_ip`; None: all addresses (IPv6 socket accepting IPv4 too).
    pub ip: Option<IpAddr>,
    pub port: u16,
    pub ipv6_only: bool,
    /// `bmp_daemon_max_peers` (routers).
    pub max_peers: usize,
    /// `bmp_daemon_allow_file`, loaded.
    pub allow: Option<AllowFn>,
    pub msglog_file: Option<String>,
    pub dump_file: Option<String>,
    pub dump_latest_file: Option<String>,
    /// Seconds; 0: no dumps.
    pub dump_refresh_time: u64,
    pub ts: TimestampOptions,
    pub render: RenderOptions,
    /// `core_proc_name`, for log lines.
    pub name: String,
    /// `bmp_daemon: true` in nfacctd/sfacctd: routes are also kept for flow lookups.
    pub flow: Option<crate::lookup::FlowRib>,
    /// `bmp_daemon_pipe_size` (SO_RCVBUF of the listener, inherited by routers' sockets).
    pub pipe_size: Option<usize>,
    /// `bmp_daemon_ipprec` (IP precedence of the listener's packets).
    pub ipprec: Option<u8>,
    /// `bmp_daemon_batch` routers admitted per `bmp_daemon_batch_interval` seconds.
    pub batch: Option<(u32, u64)>,
    /// `bmp_daemon_parse_proxy_header`: a PROXY protocol header starts each stream.
    pub parse_proxy_header: bool,
    /// `tmp_bgp_daemon_origin_type_int`: ORIGIN as a number (1.7.7 logs BMP routes with the
    /// BGP daemon's code).
    pub origin_int: bool,
}

/// Counters (SIGUSR1 and metrics read them).
#[derive(Debug, Default)]
pub struct Stats {
    pub routers_connected: AtomicU64,
    pub routers_closed: AtomicU64,
    /// Routers closed because their stream could not be framed any more.
    pub routers_errored: AtomicU64,
    pub rejected_max_peers: AtomicU64,
    pub rejected_allow: AtomicU64,
    pub messages: AtomicU64,
    /// Messages (or their remainders) discarded as malformed.
    pub discarded: AtomicU64,
    /// Messages above the receive buffer, skipped.
    pub oversized: AtomicU64,
    pub route_monitor_missing_peer: AtomicU64,
    pub prefixes_announced: AtomicU64,
    pub prefixes_withdrawn: AtomicU64,
    /// Records written to the msglog file or bus.
    pub msglog_records: AtomicU64,
    /// Records written to the dump files or bus.
    pub dump_records: AtomicU64,
    /// Events left out of a dump past MAX_DUMP_EVENTS per router.
    pub dump_events_dropped: AtomicU64,
    pub write_errors: AtomicU64,
}

pub struct Handle {
    pub stats: Arc<Stats>,
    pub local: SocketAddr,
    stop: Arc<AtomicBool>,
    reopen: Arc<AtomicBool>,
    waker: Arc<Waker>,
    thread: Option<JoinHandle<()>>,
}

impl Handle {
    /// SIGHUP: msglog files are closed and reopened by name at their next record (log
    /// rotation), as 1.7.7 does.
    pub fn reopen_logs(&self) {
        self.reopen.store(true, Ordering::Release);
        let _ = self.waker.wake();
    }
    pub fn stop(mut self) {
        self.shutdown();
    }
    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::Release);
        let _ = self.waker.wake();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
    /// Wait for the thread (it ends on a poll failure only).
    pub fn join(mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.shutdown();
    }
}

const LISTENER: Token = Token(0);
const WAKER: Token = Token(1);
/// A read larger than this is split across loop turns (other routers get their turn).
const READ_CHUNK: usize = 64 * 1024;
/// BMP events a router may accumulate between two dumps (1.7.7 keeps them all: a router
/// flooding statistics reports under a daily dump would grow it without bound). Past this,
/// events are counted (`dump_events_dropped`) and left out of the dump.
const MAX_DUMP_EVENTS: usize = 100_000;

fn canonical(a: SocketAddr) -> IpAddr {
    match a.ip() {
        IpAddr::V6(v) => v.to_ipv4_mapped().map_or(IpAddr::V6(v), IpAddr::V4),
        v4 => v4,
    }
}

/// The listener, and the receive buffer the kernel granted for `bmp_daemon_pipe_size`.
fn bind(cfg: &Config) -> io::Result<(std::net::TcpListener, Option<usize>)> {
    use socket2::{Domain, Protocol, Socket, Type};
    let (addr, dual) = match cfg.ip {
        Some(ip) => (SocketAddr::new(ip, cfg.port), false),
        None => (
            SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), cfg.port),
            !cfg.ipv6_only,
        ),
    };
    let s = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    s.set_reuse_address(true)?;
    if addr.is_ipv6() {
        s.set_only_v6(!dual)?;
    }
    if let Some(p) = cfg.ipprec {
        // As 1.7.7: IP_TOS on the listener, a failure is not fatal (accepted sockets
        // inherit it).
        let _ = s.set_tos(u32::from(p) << 5);
    }
    let granted = match cfg.pipe_size {
        Some(n) => {
            let _ = s.set_recv_buffer_size(n);
            s.recv_buffer_size().ok()
        }
        None => None,
    };
    s.bind(&addr.into())?;
    s.listen(128)?;
    s.set_nonblocking(true)?;
    Ok((s.into(), granted))
}

/// Start the collector thread. Binding errors are returned (1.7.7 exits on them).
pub fn spawn(cfg: Config, log: LogFn) -> io::Result<Handle> {
    spawn_with(cfg, log, Buses::default())
}

/// [`spawn`] with the message log and dumps also on `buses`.
pub fn spawn_with(cfg: Config, log: LogFn, buses: Buses) -> io::Result<Handle> {
    let (std_listener, pipe_size_granted) = match bind(&cfg) {
        Ok(l) => l,
        Err(_) if cfg.ip.is_none() => {
            let mut c = cfg.clone();
            c.ip = Some(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
            bind(&c)?
        }
        Err(e) => return Err(e),
    };
    let local = std_listener.local_addr()?;
    if let (Some(n), Some(g)) = (cfg.pipe_size, pipe_size_granted) {
        log(
            Level::Info,
            &format!(
                "INFO ( {}/core ): bmp_daemon_pipe_size: obtained={g} target={n}.",
                cfg.name
            ),
        );
    }
    let mut listener = TcpListener::from_std(std_listener);
    let poll = Poll::new()?;
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;
    let waker = Arc::new(Waker::new(poll.registry(), WAKER)?);
    let stats = Arc::new(Stats::default());
    let stop = Arc::new(AtomicBool::new(false));
    let reopen = Arc::new(AtomicBool::new(false));
    let now = now_secs();
    let refresh = cfg.dump_refresh_time;
    let dump_deadline = (refresh > 0).then(|| first_deadline(now, refresh));
    let mut c = Collector {
        interner: Interner::new(cfg.render.clone()),
        cfg,
        log,
        poll: Some(poll),
        listener: Some(listener),
        mem: None,
        routers: HashMap::new(),
        next_token: 2,
        stats: stats.clone(),
        stop: stop.clone(),
        reopen: reopen.clone(),
        seq: 0,
        files: HashMap::new(),
        dump_deadline,
        obj: Obj::new(),
        line: String::with_capacity(1024),
        rdbuf: Vec::new(),
        batch_state: (0, 0),
        throttle_logged: 0,
        msglog_bus: buses.msglog,
        dump_bus: buses.dump,
        bus_pending: false,
    };
    let thread = std::thread::Builder::new()
        .name("bmp".into())
        .spawn(move || c.run())?;
    Ok(Handle {
        stats,
        local,
        stop,
        reopen,
        waker,
        thread: Some(thread),
    })
}

/// 1.7.7's first dump deadline: the minute `now` falls in, plus refresh periods up to now,
/// plus one.
fn first_deadline(now: u64, refresh: u64) -> u64 {
    let mut t = now - now % 60;
    while t + refresh < now {
        t += refresh;
    }
    t + refresh
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn now_ts() -> Timestamp {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Timestamp::new(d.as_secs(), d.subsec_micros())
}

/// A BMP event kept for the next dump: its timestamp and the fields after the router's.
struct Event {
    ts: Timestamp,
    body: Vec<(std::borrow::Cow<'static, str>, Val)>,
}

struct Router {
    /// None when fed without a socket ([`fuzz_stream`]).
    stream: Option<TcpStream>,
    addr: IpAddr,
    port: u16,
    rbuf: Vec<u8>,
    /// Bytes of an oversized message still to skip.
    sink: usize,
    /// Monitored peers by address (1.7.7 keys them so: IPv4 tree, IPv6 tree).
    peers: BTreeMap<IpAddr, MonitoredPeer>,
    /// Events since the last dump.
    events: Vec<Event>,
    /// Last "missing peer up" log (once a minute per router, as 1.7.7).
    missing_peer_up_logged: u64,
    tag: String,
    /// Its routes for flow lookups (with [`Config::flow`]).
    flow: crate::lookup::RouterRib,
    /// A PROXY protocol header is still expected (`bmp_daemon_parse_proxy_header`).
    proxy_pending: bool,
}

struct Collector {
    cfg: Config,
    log: LogFn,
    /// None when fed without sockets ([`fuzz_stream`]).
    poll: Option<Poll>,
    listener: Option<TcpListener>,
    /// Output kept in memory instead of files ([`fuzz_stream`]).
    mem: Option<String>,
    routers: HashMap<Token, Router>,
    next_token: usize,
    stats: Arc<Stats>,
    stop: Arc<AtomicBool>,
    reopen: Arc<AtomicBool>,
    /// 1.7.7's log sequence number (one for every daemon).
    seq: u64,
    /// Open msglog files by name (routers may share one).
    files: HashMap<String, File>,
    dump_deadline: Option<u64>,
    interner: Interner,
    obj: Obj,
    line: String,
    rdbuf: Vec<u8>,
    /// `bmp_daemon_batch`: routers still admitted in this interval, its start.
    batch_state: (u32, u64),
    throttle_logged: u64,
    msglog_bus: Option<BusOutput>,
    dump_bus: Option<BusOutput>,
    /// Messages sent to the msglog bus since its last hand-over.
    bus_pending: bool,
}

/// `escape_ip_uscores()`: dots and colons to underscores.
fn escaped(a: IpAddr) -> String {
    a.to_string().replace(['.', ':'], "_")
}

/// `bgp_peer_log_dynname()`: the first router-address variable, then the first port one.
pub fn dynname(template: &str, addr: IpAddr, port: u16) -> String {
    let mut s = template.to_string();
    for v in ["$peer_src_ip", "$bmp_router", "$telemetry_node"] {
        if let Some(i) = s.find(v) {
            s.replace_range(i..i + v.len(), &escaped(addr));
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

fn ip_str(a: IpAddr) -> String {
    a.to_string()
}

impl Collector {
    fn logl(&self, l: Level, m: String) {
        (self.log)(l, &m);
    }

    fn ts(&self, ts: Timestamp, usec: bool) -> String {
        let mut v = Vec::with_capacity(32);
        write_timestamp(&mut v, ts, usec, &self.cfg.ts);
        String::from_utf8_lossy(&v).into_owned()
    }

    fn msglog(&self) -> bool {
        self.cfg.msglog_file.is_some() || self.msglog_bus.is_some()
    }
    fn dumping(&self) -> bool {
        (self.cfg.dump_file.is_some() || self.dump_bus.is_some()) && self.cfg.dump_refresh_time > 0
    }

    fn run(&mut self) {
        let mut events = Events::with_capacity(256);
        while !self.stop.load(Ordering::Acquire) {
            // Short enough for dump deadlines (checked every turn) and the stop flag.
            let Some(poll) = self.poll.as_mut() else {
                return;
            };
            if let Err(e) = poll.poll(&mut events, Some(Duration::from_millis(500))) {
                if e.kind() != ErrorKind::Interrupted {
                    self.logl(Level::Error, format!("BMP poll failed: {e}"));
                    return;
                }
            }
            for ev in events.iter() {
                match ev.token() {
                    LISTENER => self.accept(),
                    WAKER => {}
                    t => {
                        if ev.is_readable() || ev.is_read_closed() || ev.is_error() {
                            self.readable(t);
                        }
                    }
                }
            }
            if self.reopen.swap(false, Ordering::AcqRel) {
                self.files.clear();
            }
            self.hand_over();
            self.maybe_dump();
        }
        // Shutdown: 1.7.7 exits without closing routers' logs; flush what we wrote.
        for f in self.files.values_mut() {
            let _ = f.flush();
        }
        self.hand_over();
    }

    /// What the msglog bus collected goes to its transport (once per loop turn, not per
    /// record).
    fn hand_over(&mut self) {
        if std::mem::take(&mut self.bus_pending) {
            if let Some(b) = self.msglog_bus.as_mut() {
                b.flush();
            }
        }
    }

    fn accept(&mut self) {
        loop {
            let Some(listener) = &self.listener else {
                return;
            };
            let (mut stream, sa) = match listener.accept() {
                Ok(x) => x,
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                Err(e) => {
                    self.logl(Level::Warn, format!("BMP accept() failed: {e}"));
                    return;
                }
            };
            let addr = canonical(sa);
            if let Some(allow) = &self.cfg.allow {
                if !allow(addr) {
                    self.stats.rejected_allow.fetch_add(1, Ordering::Relaxed);
                    self.logl(
                        Level::Info,
                        format!(
                            "INFO ( {}/core ): [{}] peer '{addr}' not allowed. close()",
                            self.cfg.name, "bmp_daemon_allow_file"
                        ),
                    );
                    continue;
                }
            }
            if self.routers.len() >= self.cfg.max_peers {
                self.stats
                    .rejected_max_peers
                    .fetch_add(1, Ordering::Relaxed);
                self.logl(
                    Level::Warn,
                    format!(
                        "WARN ( {}/core ): [{addr}] Insufficient number of BMP peers has been configured by 'bmp_daemon_max_peers' ({}).",
                        self.cfg.name, self.cfg.max_peers
                    ),
                );
                continue;
            }
            if let Some((num, interval)) = self.cfg.batch {
                // 1.7.7's peer batching: `num` routers per `interval` seconds, the rest
                // closed ("throttling", logged once a minute).
                let now = now_secs();
                let (left, base) = &mut self.batch_state;
                let expired = now > *base + interval;
                if *left == 0 && !expired {
                    if now >= self.throttle_logged + 60 {
                        self.throttle_logged = now;
                        self.logl(
                            Level::Info,
                            format!(
                                "INFO ( {}/core ): throttling at BMP peer #{}",
                                self.cfg.name,
                                self.routers.len()
                            ),
                        );
                    }
                    continue;
                }
                if expired {
                    *left = num;
                    *base = now;
                }
                *left = left.saturating_sub(1);
            }
            let tok = Token(self.next_token);
            self.next_token += 1;
            let registered = self.poll.as_ref().is_some_and(|p| {
                p.registry()
                    .register(&mut stream, tok, Interest::READABLE)
                    .is_ok()
            });
            if !registered {
                continue;
            }
            let tag = format!("INFO ( {}/core ): [{}]", self.cfg.name, addr);
            self.logl(
                Level::Info,
                format!(
                    "{tag} BMP peers usage: {}/{}",
                    self.routers.len() + 1,
                    self.cfg.max_peers
                ),
            );
            self.stats.routers_connected.fetch_add(1, Ordering::Relaxed);
            self.routers.insert(
                tok,
                Router {
                    stream: Some(stream),
                    addr,
                    port: sa.port(),
                    rbuf: Vec::with_capacity(4096),
                    sink: 0,
                    peers: BTreeMap::new(),
                    events: Vec::new(),
                    missing_peer_up_logged: 0,
                    tag,
                    flow: Default::default(),
                    proxy_pending: self.cfg.parse_proxy_header,
                },
            );
            // With a PROXY header, the router's log starts once its address is known.
            if self.msglog() && !self.cfg.parse_proxy_header {
                self.log_init_close(tok, "log_init");
            }
        }
    }

    /// The PROXY header at the start of router `tok`'s stream: Some(true) once read (its
    /// source replaces the router's address), Some(false) to wait for more, None: close.
    fn proxy_header(&mut self, tok: Token) -> Option<bool> {
        let r = self.routers.get_mut(&tok)?;
        let (len, version, src) = match crate::proxy::parse(&r.rbuf) {
            crate::proxy::Header::Incomplete => return Some(false),
            crate::proxy::Header::Invalid => {
                let m = format!("{} packet discarded: invalid PROXY protocol header", r.tag);
                self.logl(Level::Info, m);
                return None;
            }
            crate::proxy::Header::Found { len, version, src } => (len, version, src),
        };
        r.rbuf.drain(..len);
        r.proxy_pending = false;
        let name = self.cfg.name.clone();
        if let Some((a, p)) = src {
            let a = canonical(SocketAddr::new(a, p));
            let old = format!("{}:{}", r.addr, r.port);
            r.addr = a;
            r.port = p;
            r.tag = format!("INFO ( {name}/core ): [{a}]");
            self.logl(
                Level::Info,
                format!("INFO ( {name}/core ): Replacing: {old}"),
            );
            self.logl(
                Level::Info,
                format!(
                    "INFO ( {name}/core ):            with Proxy Protocol V{version} containing: {a}:{p}"
                ),
            );
        }
        if self.msglog() {
            self.log_init_close(tok, "log_init");
        }
        Some(true)
    }

    fn readable(&mut self, tok: Token) {
        // One receive buffer for every router, reused (not allocated per event).
        let mut buf = std::mem::take(&mut self.rdbuf);
        buf.resize(READ_CHUNK, 0);
        self.read_router(tok, &mut buf);
        self.rdbuf = buf;
    }

    fn read_router(&mut self, tok: Token, buf: &mut [u8]) {
        loop {
            let Some(r) = self.routers.get_mut(&tok) else {
                return;
            };
            let Some(stream) = r.stream.as_mut() else {
                return;
            };
            match stream.read(buf) {
                Ok(0) => {
                    let m = format!("{} BMP connection reset by peer (0).", r.tag);
                    self.logl(Level::Info, m);
                    return self.close(tok);
                }
                Ok(n) => {
                    let mut data = &buf[..n];
                    if r.sink > 0 {
                        let k = r.sink.min(data.len());
                        r.sink -= k;
                        data = &data[k..];
                    }
                    r.rbuf.extend_from_slice(data);
                    if r.proxy_pending {
                        match self.proxy_header(tok) {
                            Some(true) => {}
                            Some(false) => continue,
                            None => return self.close(tok),
                        }
                    }
                    match self.process(tok) {
                        Ok(true) => {}
                        Ok(false) => return self.close(tok),
                        Err(e) => {
                            self.stats.routers_errored.fetch_add(1, Ordering::Relaxed);
                            let m = format!("{} packet discarded: {e}", self.tag(tok));
                            self.logl(Level::Info, m);
                            return self.close(tok);
                        }
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => {
                    let m = format!("{} BMP connection reset by peer ({e}).", self.tag(tok));
                    self.logl(Level::Info, m);
                    return self.close(tok);
                }
            }
        }
    }

    fn tag(&self, tok: Token) -> String {
        self.routers
            .get(&tok)
            .map_or(String::new(), |r| r.tag.clone())
    }

    /// Every complete message in the router's buffer. Ok(false): Termination received.
    fn process(&mut self, tok: Token) -> Result<bool, msg::Error> {
        let mut rbuf = match self.routers.get_mut(&tok) {
            Some(r) => std::mem::take(&mut r.rbuf),
            None => return Ok(true),
        };
        let mut at = 0;
        let mut result = Ok(true);
        loop {
            let len = match msg::frame_len(&rbuf[at..]) {
                Ok(Some(l)) => l,
                Ok(None) => break,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            };
            if len > msg::MAX_MSG_LEN {
                // 1.7.7 "sinks" a message longer than its buffer.
                self.stats.oversized.fetch_add(1, Ordering::Relaxed);
                let m =
                    format!(
                    "WARN ( {}/core ): [{}] long BMP message received: len={len} buf={}. Sinking.",
                    self.cfg.name,
                    self.routers.get(&tok).map_or(String::new(), |r| r.addr.to_string()),
                    msg::MAX_MSG_LEN
                );
                self.logl(Level::Warn, m);
                let have = rbuf.len() - at;
                if have >= len {
                    at += len;
                    continue;
                }
                if let Some(r) = self.routers.get_mut(&tok) {
                    r.sink = len - have;
                }
                at = rbuf.len();
                break;
            }
            if rbuf.len() - at < len {
                break;
            }
            let m = &rbuf[at..at + len];
            at += len;
            self.stats.messages.fetch_add(1, Ordering::Relaxed);
            if !self.message(tok, m) {
                result = Ok(false);
                break;
            }
        }
        rbuf.drain(..at);
        if let Some(r) = self.routers.get_mut(&tok) {
            r.rbuf = rbuf;
        }
        result
    }

    fn discard(&self, tok: Token, what: &str, e: impl std::fmt::Display) {
        self.stats.discarded.fetch_add(1, Ordering::Relaxed);
        let m = format!("{} [{what}] packet discarded: {e}", self.tag(tok));
        self.logl(Level::Info, m);
    }

    /// One message; false when it was a Termination (the router is then closed).
    fn message(&mut self, tok: Token, m: &[u8]) -> bool {
        let Ok(m) = Message::parse(m) else {
            return true;
        };
        match m.kind {
            msg::MSG_ROUTE_MONITOR => match msg::RouteMonitor::parse(m.body) {
                Ok(rm) => self.route_monitor(tok, &rm),
                Err(e) => self.discard(tok, "route monitor", e),
            },
            msg::MSG_STATS => self.stats_report(tok, m.body),
            msg::MSG_PEER_DOWN => match msg::PeerDown::parse(m.body) {
                Ok(pd) => self.peer_down(tok, &pd, m.version),
                Err(e) => self.discard(tok, "peer down", e),
            },
            msg::MSG_PEER_UP => match msg::PeerUp::parse(m.body) {
                Ok(pu) => self.peer_up(tok, &pu),
                Err(e) => self.discard(tok, "peer up", e),
            },
            msg::MSG_INIT => self.init_term(tok, m.body, true),
            msg::MSG_TERM => {
                self.init_term(tok, m.body, false);
                let t = self.tag(tok);
                self.logl(
                    Level::Info,
                    format!("{t} BMP Term message received. Closing up."),
                );
                return false;
            }
            msg::MSG_ROUTE_MIRROR => {
                // 1.7.7: "Unicorn! Message type currently not supported." (nothing logged).
                let _ = msg::RouteMirror::parse(m.body);
                let t = self.tag(tok);
                self.logl(
                    Level::Info,
                    format!("{t} [route mirror] packet discarded: Unicorn! Message type currently not supported."),
                );
            }
            t => self.discard(tok, "common", msg::Error::Type(t)),
        }
        true
    }

    // ------------------------------------------------------------ records

    /// Write one BMP-message record (`bmp_log_msg`) and keep it for the next dump.
    fn bmp_event(&mut self, tok: Token, ts: Timestamp, body: Obj) {
        let Some(r) = self.routers.get(&tok) else {
            return;
        };
        let (addr, port) = (r.addr, r.port);
        if self.msglog() {
            let mut o = std::mem::take(&mut self.obj);
            o.clear();
            o.str("event_type", "log");
            o.int("seq", self.seq as i64);
            o.str("timestamp", self.ts(ts, true));
            o.str("timestamp_arrival", self.ts(now_ts(), true));
            o.str("bmp_router", ip_str(addr));
            o.int("bmp_router_port", i64::from(port));
            for (k, v) in body.fields() {
                o.set(k.clone(), v.clone());
            }
            self.write_msglog(tok, &o);
            self.obj = o;
        }
        if self.dumping() {
            if let Some(r) = self.routers.get_mut(&tok) {
                if r.events.len() < MAX_DUMP_EVENTS {
                    r.events.push(Event {
                        ts,
                        body: body.into_fields(),
                    });
                } else {
                    self.stats
                        .dump_events_dropped
                        .fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        if self.msglog() || self.dumping() {
            self.seq += 1;
        }
    }

    fn write_msglog(&mut self, tok: Token, o: &Obj) {
        let Some(r) = self.routers.get(&tok) else {
            return;
        };
        self.line.clear();
        o.write_line(&mut self.line);
        if let Some(b) = self.msglog_bus.as_mut() {
            b.send(r.addr, r.port, self.line.as_bytes());
            self.bus_pending = true;
            self.stats.msglog_records.fetch_add(1, Ordering::Relaxed);
        }
        let Some(tpl) = &self.cfg.msglog_file else {
            return;
        };
        let name = dynname(tpl, r.addr, r.port);
        if let Some(m) = self.mem.as_mut() {
            m.push_str(&self.line);
            return;
        }
        if !self.files.contains_key(&name) {
            match std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .open(&name)
            {
                Ok(f) => {
                    self.files.insert(name.clone(), f);
                }
                Err(e) => {
                    self.stats.write_errors.fetch_add(1, Ordering::Relaxed);
                    self.logl(
                        Level::Error,
                        format!(
                            "ERROR ( {}/core ): [{name}] open failed: {e}",
                            self.cfg.name
                        ),
                    );
                    return;
                }
            }
        }
        if let Some(f) = self.files.get_mut(&name) {
            // Line-buffered as 1.7.7 (setlinebuf): a record is visible once written.
            if f.write_all(self.line.as_bytes()).is_err() {
                self.stats.write_errors.fetch_add(1, Ordering::Relaxed);
            } else {
                self.stats.msglog_records.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    fn log_init_close(&mut self, tok: Token, event: &'static str) {
        let Some(r) = self.routers.get(&tok) else {
            return;
        };
        let mut o = Obj::new();
        o.int("seq", self.seq as i64);
        o.str("timestamp", self.ts(now_ts(), true));
        o.str("bmp_router", ip_str(r.addr));
        o.int("bmp_router_port", i64::from(r.port));
        o.str("event_type", event);
        self.write_msglog(tok, &o);
        self.seq += 1;
    }

    fn peer_fields(o: &mut Obj, h: &PeerHeader, type_str: bool, chars: bool) {
        o.str("peer_ip", ip_str(h.addr));
        o.int("peer_asn", i64::from(h.asn));
        o.int("peer_type", i64::from(h.peer_type));
        if type_str {
            if let Some(s) = msg::peer_type_str(h.peer_type) {
                o.str("peer_type_str", s);
            }
        }
        if chars {
            chars_fields(o, &Chars::of(h));
        }
    }

    fn tlv_fields(o: &mut Obj, prefix: &str, names: &[&str], uint: &[u16], t: &Tlv<'_>) {
        let known = t.pen.unwrap_or(0) == 0 && (t.kind as usize) < names.len();
        let key = if known {
            format!("{prefix}_{}", names[t.kind as usize])
        } else if let Some(pen) = t.pen.filter(|&p| p != 0) {
            format!("{prefix}_{pen}_{}", t.kind)
        } else {
            format!("{prefix}_{}", t.kind)
        };
        let val = if t.value.is_empty() {
            Val::Null
        } else if known && uint.contains(&t.kind) {
            uint_print(t.value).map_or(Val::Null, Val::Str)
        } else if known {
            match c_string(t.value) {
                Some(s) => Val::Str(s),
                // jansson refuses non-UTF-8: the key is absent.
                None => return,
            }
        } else {
            Val::Str(hex(t.value))
        };
        o.set(key, val);
    }

    fn init_term(&mut self, tok: Token, body: &[u8], init: bool) {
        let (what, prefix, names): (&str, &str, &[&str]) = if init {
            ("init", "bmp_init_info", &["string", "sysdescr", "sysname"])
        } else {
            ("term", "bmp_term_info", &["string", "reason"])
        };
        let mut o = Obj::new();
        o.str("bmp_msg_type", what);
        for t in msg::tlvs(body) {
            let t = match t {
                Ok(t) => t,
                Err(e) => return self.discard(tok, what, e),
            };
            if !init && t.kind == 1 && t.pen.unwrap_or(0) == 0 && t.value.len() == 2 {
                let r = u16::from_be_bytes([t.value[0], t.value[1]]);
                let v = msg::term_reason_str(r).map_or(r.to_string(), str::to_string);
                o.str("bmp_term_info_reason", v);
                continue;
            }
            Self::tlv_fields(&mut o, prefix, names, if init { &[] } else { &[1] }, &t);
        }
        // Initiation and Termination carry no timestamp: 1.7.7 prints zeros.
        self.bmp_event(tok, Timestamp::ZERO, o);
    }

    fn peer_up(&mut self, tok: Token, pu: &msg::PeerUp<'_>) {
        let h = &pu.peer;
        // 1.7.7 parses both OPENs and refuses the message when one is not an OPEN.
        for o in [pu.sent_open, pu.recv_open] {
            if !matches!(BgpMessage::parse(o), Ok(BgpMessage::Open(_))) {
                return self.discard(tok, "peer up", msg::Error::PeerUpOpen);
            }
        }
        let mut o = Obj::new();
        o.str("bmp_msg_type", "peer_up");
        Self::peer_fields(&mut o, h, true, false);
        chars_fields_no_rd(&mut o, &Chars::of(h));
        o.str("bgp_id", h.bgp_id.to_string());
        o.int("local_port", i64::from(pu.local_port));
        o.int("remote_port", i64::from(pu.remote_port));
        o.str("local_ip", ip_str(pu.local_addr));
        if h.has_rd() {
            o.str("rd", msg::rd_str(&h.rd));
            o.str("rd_origin", "bmp");
        }
        for t in msg::tlvs(pu.info) {
            match t {
                Ok(t) => Self::tlv_fields(&mut o, "bmp_peer_up_info", &["string"], &[], &t),
                Err(e) => return self.discard(tok, "peer up", e),
            }
        }
        let Some(r) = self.routers.get_mut(&tok) else {
            return;
        };
        let mut add_path = [[false; 3]; 3];
        for (a, afi) in [(1, AFI_IP), (2, AFI_IP6)] {
            for (s, safi) in [(0, 1u8), (1, 4), (2, 128)] {
                add_path[a][s] = pu.add_path(afi, safi);
            }
        }
        // An existing peer stays as it is (1.7.7's tsearch finds it).
        r.peers.entry(h.addr).or_insert_with(|| MonitoredPeer {
            four: pu.four_octet_as(),
            add_path,
            routes: BTreeMap::new(),
        });
        if let Some(f) = &self.cfg.flow {
            let local_id = match BgpMessage::parse(pu.sent_open) {
                Ok(BgpMessage::Open(o)) => o.bgp_id,
                _ => Ipv4Addr::UNSPECIFIED,
            };
            let ap = [add_path[1][0], add_path[2][0]];
            r.flow
                .peer_up(f, r.addr, r.port, local_id, h.addr, h.asn, ap);
        }
        self.bmp_event(tok, Timestamp::new(u64::from(h.ts_sec), h.ts_usec), o);
    }

    fn peer_down(&mut self, tok: Token, pd: &msg::PeerDown<'_>, version: u8) {
        let h = &pd.peer;
        let mut o = Obj::new();
        o.str("bmp_msg_type", "peer_down");
        Self::peer_fields(&mut o, h, true, false);
        if h.has_rd() {
            o.str("rd", msg::rd_str(&h.rd));
            o.str("rd_origin", "bmp");
        }
        o.int("reason_type", i64::from(pd.reason));
        if let Some(s) = msg::peer_down_reason_str(pd.reason) {
            o.str("reason_str", s);
        }
        if pd.reason == 2 {
            o.int("reason_loc_code", i64::from(pd.fsm_code().unwrap_or(0)));
        }
        if version == 4 {
            // draft-ietf-grow-bmp-tlv: TLVs after the reason's data.
            let skip = match pd.reason {
                1 | 3 => pd
                    .data
                    .get(16..18)
                    .map(|l| u16::from_be_bytes([l[0], l[1]]) as usize),
                2 => Some(2),
                _ => Some(0),
            };
            match skip.and_then(|n| pd.data.get(n..)) {
                Some(rest) => {
                    for t in msg::tlvs(rest) {
                        match t {
                            Ok(t) => Self::tlv_fields(&mut o, "bmp_peer_down_info", &[], &[], &t),
                            Err(e) => return self.discard(tok, "peer down", e),
                        }
                    }
                }
                None => return self.discard(tok, "peer down", msg::Error::BgpMsg),
            }
        }
        let ts = Timestamp::new(u64::from(h.ts_sec), h.ts_usec);
        self.bmp_event(tok, ts, o);
        let peer = self
            .routers
            .get_mut(&tok)
            .and_then(|r| r.peers.remove(&h.addr));
        match peer {
            Some(p) => self.delete_routes(tok, h.addr, p),
            None => self.missing_peer_up(tok, "peer down", h.addr),
        }
    }

    fn missing_peer_up(&mut self, tok: Token, what: &str, peer: IpAddr) {
        let now = now_secs();
        let Some(r) = self.routers.get_mut(&tok) else {
            return;
        };
        if now >= r.missing_peer_up_logged + 60 {
            r.missing_peer_up_logged = now;
            let m = format!(
                "{} [{what}] packet discarded: missing peer up BMP message for peer {peer}",
                r.tag
            );
            self.logl(Level::Info, m);
        }
    }

    fn stats_report(&mut self, tok: Token, body: &[u8]) {
        let s = match msg::Stats::parse(body) {
            Ok(s) => s,
            Err(e) => return self.discard(tok, "stats", e),
        };
        let h = s.peer;
        let ts = Timestamp::new(u64::from(h.ts_sec), h.ts_usec);
        for c in s.counters() {
            let c = match c {
                Ok(c) => c,
                Err(e) => return self.discard(tok, "stats", e),
            };
            let mut o = Obj::new();
            o.str("bmp_msg_type", "stats");
            Self::peer_fields(&mut o, &h, false, true);
            o.int("counter_type", i64::from(c.kind));
            o.str(
                "counter_type_str",
                msg::stats_type_str(c.kind).unwrap_or("Unknown"),
            );
            if c.kind == 9 || c.kind == 10 {
                o.int("afi", i64::from(c.afi_safi.0));
                o.int("safi", i64::from(c.afi_safi.1));
            }
            match c.value {
                // json_integer of the u64 (as a signed 64-bit integer).
                CounterValue::Num(v) => o.int("counter_value", v as i64),
                CounterValue::Raw([]) => o.set("counter_value", Val::Null),
                CounterValue::Raw(v) => o.str("counter_value", hex(v)),
            }
            self.bmp_event(tok, ts, o);
        }
    }

    // ------------------------------------------------------------ routes

    fn route_monitor(&mut self, tok: Token, rm: &msg::RouteMonitor<'_>) {
        let h = rm.peer;
        let Some(r) = self.routers.get(&tok) else {
            return;
        };
        let Some(peer) = r.peers.get(&h.addr) else {
            self.stats
                .route_monitor_missing_peer
                .fetch_add(1, Ordering::Relaxed);
            return self.missing_peer_up(tok, "route monitor", h.addr);
        };
        let upd = match BgpMessage::parse(rm.bgp) {
            Ok(BgpMessage::Update(u)) => u,
            Ok(_) => return,
            Err(e) => return self.discard(tok, "route monitor", e),
        };
        let attrs = match upd.attributes() {
            Ok(a) => a,
            Err(e) => {
                return self.discard(
                    tok,
                    "route monitor",
                    format!("bgp_parse_update_msg() failed ({e:?})"),
                )
            }
        };
        let four = peer.four;
        let ap4 = peer.add_path(AFI_IP, SAFI_UNICAST);
        let chars = Chars::of(&h);
        let ts = Timestamp::new(u64::from(h.ts_sec), h.ts_usec);
        let mp_reach = attrs
            .mp_reach
            .filter(|m| NlriIter::supported(m.afi, m.safi))
            .map(|m| (m, peer.add_path(m.afi, m.safi)));
        let mp_unreach = attrs
            .mp_unreach
            .filter(|m| NlriIter::supported(m.afi, m.safi))
            .map(|m| (m, peer.add_path(m.afi, m.safi)));
        let announces = !upd.nlri.is_empty() || mp_reach.is_some();
        let mut discarded = Vec::new();
        let pa = announces.then(|| self.interner.intern_update(&attrs, four, &mut discarded));
        let mut present = 0;
        if attrs.local_pref.is_some() {
            present |= HAS_LOCAL_PREF;
        }
        if attrs.med.is_some() {
            present |= HAS_MED;
        }
        let arrival = now_ts();
        // 1.7.7's order: withdrawn routes, NLRI, MP_REACH, MP_UNREACH.
        let mut ops: Vec<(bool, RouteKey, Option<u32>)> = Vec::new();
        let key = |afi: u16, safi: u8, n: &pmacct_bgp::msg::Nlri| RouteKey {
            afi,
            safi,
            prefix: n.prefix,
            rd: n.rd.map_or([0; 8], |r| r.0),
            path_id: n.path_id,
            chars,
        };
        let label = |safi: u8, n: &pmacct_bgp::msg::Nlri| (safi != SAFI_UNICAST).then_some(n.label);
        for n in NlriIter::new(upd.withdrawn, AFI_IP, SAFI_UNICAST, ap4, true).flatten() {
            ops.push((false, key(AFI_IP, SAFI_UNICAST, &n), None));
        }
        if pa.is_some() {
            for n in NlriIter::new(upd.nlri, AFI_IP, SAFI_UNICAST, ap4, false).flatten() {
                ops.push((true, key(AFI_IP, SAFI_UNICAST, &n), None));
            }
            if let Some((m, ap)) = mp_reach {
                for n in NlriIter::new(m.nlri, m.afi, m.safi, ap, false).flatten() {
                    ops.push((true, key(m.afi, m.safi, &n), label(m.safi, &n)));
                }
            }
        }
        if let Some((m, ap)) = mp_unreach {
            for n in NlriIter::new(m.nlri, m.afi, m.safi, ap, true).flatten() {
                ops.push((false, key(m.afi, m.safi, &n), label(m.safi, &n)));
            }
        }
        // Without a dump pmbmpd keeps no RIB (1.7.7's skip_rib): every withdrawal is logged,
        // without attributes, and nothing is deleted later.
        // nfacctd/sfacctd's BMP thread always keeps it (1.7.7: is_thread).
        let skip_rib = !self.dumping() && self.cfg.flow.is_none();
        for (announce, k, label) in ops {
            let (addr, port) = match self.routers.get(&tok) {
                Some(r) => (r.addr, r.port),
                None => return,
            };
            let route = if announce {
                let Some(pa) = &pa else { continue };
                let route = Route {
                    attrs: pa.clone(),
                    label,
                    present,
                };
                if !skip_rib {
                    if let Some(r) = self.routers.get_mut(&tok) {
                        if let Some(p) = r.peers.get_mut(&h.addr) {
                            p.routes.insert(k, route.clone());
                        }
                        if self.cfg.flow.is_some() {
                            r.flow.announce(h.addr, &k, pa);
                        }
                    }
                }
                self.stats
                    .prefixes_announced
                    .fetch_add(1, Ordering::Relaxed);
                Some(route)
            } else {
                self.stats
                    .prefixes_withdrawn
                    .fetch_add(1, Ordering::Relaxed);
                if skip_rib {
                    None
                } else {
                    let old = self.routers.get_mut(&tok).and_then(|r| {
                        let old = r.peers.get_mut(&h.addr)?.routes.remove(&k);
                        if old.is_some() && self.cfg.flow.is_some() {
                            r.flow.withdraw(h.addr, &k);
                        }
                        old
                    });
                    // 1.7.7 logs a withdrawal only for a route it holds.
                    match old {
                        Some(r) => Some(r),
                        None => continue,
                    }
                }
            };
            if self.msglog() {
                let add_path = self
                    .routers
                    .get(&tok)
                    .and_then(|r| r.peers.get(&h.addr))
                    .is_some_and(|p| p.add_path(k.afi, k.safi));
                let label = route.as_ref().map_or(label, |r| r.label);
                let mut o = std::mem::take(&mut self.obj);
                o.clear();
                o.int("seq", self.seq as i64);
                o.str("log_type", if announce { "update" } else { "withdraw" });
                o.str("timestamp", self.ts(ts, true));
                self.route_fields(&mut o, &k, route.as_ref(), label, add_path, "log");
                o.str("timestamp_arrival", self.ts(arrival, true));
                router_peer_fields(&mut o, addr, port, h.addr, "route_monitor");
                self.write_msglog(tok, &o);
                self.obj = o;
                self.seq += 1;
            }
        }
    }

    /// `r`: the route's attributes; None for a withdrawal without a RIB (1.7.7 prints no
    /// attributes then). `label` of labelled and VPN routes.
    fn route_fields(
        &self,
        o: &mut Obj,
        k: &RouteKey,
        r: Option<&Route>,
        label: Option<u32>,
        add_path: bool,
        event: &str,
    ) {
        chars_fields(o, &k.chars);
        o.str("event_type", event.to_string());
        o.int("afi", i64::from(k.afi));
        o.int("safi", i64::from(k.safi));
        o.str("ip_prefix", k.prefix.to_string());
        if add_path {
            o.int("as_path_id", i64::from(k.path_id));
        }
        if let Some(r) = r {
            let a = &r.attrs;
            let nh = match a.next_hop {
                Some(IpAddr::V4(v)) if k.afi == AFI_IP6 => IpAddr::V6(v.to_ipv6_mapped()),
                Some(n) => n,
                None if k.afi == AFI_IP6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
                None => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            };
            o.str("bgp_nexthop", nh.to_string());
            o.str(
                "as_path",
                a.as_path
                    .as_ref()
                    .map_or(String::new(), |p| p.text.to_string()),
            );
            if let Some(c) = &a.communities {
                o.str("comms", c.text.to_string());
            }
            if let Some(c) = &a.ext_communities {
                o.str("ecomms", c.text.to_string());
            }
            if let Some(c) = &a.large_communities {
                o.str("lcomms", c.text.to_string());
            }
            if self.cfg.origin_int {
                o.int("origin", i64::from(a.origin));
            } else {
                o.str("origin", pmacct_bgp::logdump::origin_text(a.origin));
            }
            if r.present & HAS_LOCAL_PREF != 0 {
                o.int("local_pref", i64::from(a.local_pref));
            }
            if r.present & HAS_MED != 0 {
                o.int("med", i64::from(a.med));
            }
        }
        if k.safi == pmacct_bgp::msg::SAFI_MPLS_VPN {
            o.str("rd", msg::rd_str(&k.rd));
            o.str("rd_origin", "bgp");
        }
        if let Some(l) = label {
            o.str("label", l.to_string());
        }
    }

    /// A peer's routes, each logged as a `delete` (Peer Down, router gone).
    fn delete_routes(&mut self, tok: Token, peer_addr: IpAddr, p: MonitoredPeer) {
        let n = p.routes.len() as u64;
        if let (Some(f), Some(r)) = (&self.cfg.flow, self.routers.get_mut(&tok)) {
            for k in p.routes.keys() {
                r.flow.withdraw(peer_addr, k);
            }
            r.flow.peer_down(f, peer_addr);
        }
        if self.msglog() {
            let Some(r) = self.routers.get(&tok) else {
                return;
            };
            let (addr, port) = (r.addr, r.port);
            let now = self.ts(now_ts(), true);
            for (k, route) in &p.routes {
                let mut o = std::mem::take(&mut self.obj);
                o.clear();
                o.int("seq", self.seq as i64);
                o.str("log_type", "delete");
                o.str("timestamp", now.clone());
                self.route_fields(
                    &mut o,
                    k,
                    Some(route),
                    route.label,
                    p.add_path(k.afi, k.safi),
                    "log",
                );
                // 1.7.7 repeats the arrival time of the last route monitoring message here.
                o.str("timestamp_arrival", now.clone());
                router_peer_fields(&mut o, addr, port, peer_addr, "internal");
                self.write_msglog(tok, &o);
                self.obj = o;
                self.seq += 1;
            }
        }
        self.stats
            .prefixes_withdrawn
            .fetch_add(n, Ordering::Relaxed);
        drop(p);
        self.interner.purge();
    }

    fn close(&mut self, tok: Token) {
        let peers = match self.routers.get_mut(&tok) {
            Some(r) => std::mem::take(&mut r.peers),
            None => return,
        };
        for (a, p) in peers {
            self.delete_routes(tok, a, p);
        }
        if self.msglog() {
            self.log_init_close(tok, "log_close");
        }
        if let Some(mut r) = self.routers.remove(&tok) {
            if let Some(b) = self.msglog_bus.as_mut() {
                b.forget(r.addr, r.port);
            }
            if let Some(f) = &self.cfg.flow {
                r.flow.close(f);
            }
            if let (Some(p), Some(st)) = (&self.poll, r.stream.as_mut()) {
                let _ = p.registry().deregister(st);
            }
        }
        self.stats.routers_closed.fetch_add(1, Ordering::Relaxed);
    }

    // ------------------------------------------------------------ dumps

    fn maybe_dump(&mut self) {
        let Some(mut deadline) = self.dump_deadline else {
            return;
        };
        let now = now_secs();
        while now > deadline {
            self.dump(deadline);
            deadline += self.cfg.dump_refresh_time;
        }
        self.dump_deadline = Some(deadline);
    }

    fn dump(&mut self, at: u64) {
        let tpl = self.cfg.dump_file.clone();
        if tpl.is_none() && self.dump_bus.is_none() {
            return;
        }
        // Taken for the dump (the records borrow the routers); put back at its end.
        let mut bus = self.dump_bus.take();
        if let Some(b) = bus.as_mut() {
            // 1.7.7 expands the dump's topic / routing key with strftime, as its file name.
            b.set_time(Some((at as i64, self.cfg.ts.utc)));
        }
        let dump_seq = self.seq as i64;
        self.seq += 1;
        let ts = self.ts(Timestamp::new(at, 0), false);
        let mut toks: Vec<Token> = self.routers.keys().copied().collect();
        toks.sort();
        let t0 = std::time::Instant::now();
        let mut entries = 0u64;
        self.logl(
            Level::Info,
            format!(
                "INFO ( {}/core ): *** Dumping BMP tables - START (PID: {} RID: 1) ***",
                self.cfg.name,
                std::process::id()
            ),
        );
        // File name -> (router of its first block, text).
        let mut out: BTreeMap<String, ((IpAddr, u16), String)> = BTreeMap::new();
        let mut tables = 0usize;
        let mut block = String::new();
        for tok in toks {
            let Some(r) = self.routers.get(&tok) else {
                continue;
            };
            block.clear();
            let text = &mut block;
            let mut o = Obj::new();
            o.str("timestamp", ts.clone());
            o.str("bmp_router", ip_str(r.addr));
            o.int("bmp_router_port", i64::from(r.port));
            o.str("event_type", "dump_init");
            o.int("dump_period", self.cfg.dump_refresh_time as i64);
            o.int("seq", dump_seq);
            o.write_line(text);
            for (paddr, p) in &r.peers {
                for (k, route) in &p.routes {
                    o.clear();
                    o.int("seq", dump_seq);
                    o.str("timestamp", ts.clone());
                    self.route_fields(
                        &mut o,
                        k,
                        Some(route),
                        route.label,
                        p.add_path(k.afi, k.safi),
                        "dump",
                    );
                    router_peer_fields(&mut o, r.addr, r.port, *paddr, "route_monitor");
                    o.write_line(text);
                    entries += 1;
                }
            }
            for ev in &r.events {
                o.clear();
                o.str("event_type", "dump");
                o.int("seq", dump_seq);
                o.str("timestamp", ts.clone());
                o.str("timestamp_event", self.ts(ev.ts, true));
                o.str("bmp_router", ip_str(r.addr));
                o.int("bmp_router_port", i64::from(r.port));
                for (k, v) in &ev.body {
                    o.set(k.clone(), v.clone());
                }
                o.write_line(text);
            }
            o.clear();
            o.str("timestamp", ts.clone());
            o.str("bmp_router", ip_str(r.addr));
            o.int("bmp_router_port", i64::from(r.port));
            o.str("event_type", "dump_close");
            o.int("seq", dump_seq);
            o.write_line(text);
            tables += 1;
            if let Some(b) = bus.as_mut() {
                // One message per record, as 1.7.7 sends them.
                let mut n = 0u64;
                for line in block.split_inclusive('\n') {
                    b.send(r.addr, r.port, line.as_bytes());
                    n += 1;
                }
                self.stats.dump_records.fetch_add(n, Ordering::Relaxed);
            }
            if let Some(tpl) = &tpl {
                let name = strftime(&dynname(tpl, r.addr, r.port), at as i64, self.cfg.ts.utc);
                out.entry(name)
                    .or_insert_with(|| ((r.addr, r.port), String::new()))
                    .1
                    .push_str(&block);
            }
        }
        if let Some(b) = bus.as_mut() {
            b.flush();
        }
        self.dump_bus = bus;
        for (name, ((raddr, rport), text)) in out {
            let n = text.lines().count() as u64;
            if let Some(m) = self.mem.as_mut() {
                m.push_str(&text);
                continue;
            }
            match std::fs::write(&name, text.as_bytes()) {
                Ok(()) => {
                    self.stats.dump_records.fetch_add(n, Ordering::Relaxed);
                    if let Some(latest) = &self.cfg.dump_latest_file {
                        // `link_latest_output_file()`: the pointer's variables are those
                        // of the file's (first) router.
                        let l = dynname(latest, raddr, rport);
                        let _ = std::fs::remove_file(&l);
                        let _ = std::os::unix::fs::symlink(&name, &l);
                    }
                }
                Err(e) => {
                    self.stats.write_errors.fetch_add(1, Ordering::Relaxed);
                    self.logl(
                        Level::Error,
                        format!(
                            "ERROR ( {}/core ): [{name}] dump write failed: {e}",
                            self.cfg.name
                        ),
                    );
                }
            }
        }
        for r in self.routers.values_mut() {
            r.events.clear();
        }
        self.logl(
            Level::Info,
            format!(
                "INFO ( {}/core ): *** Dumping BMP tables - END (PID: {} RID: 1 TABLES: {tables} ENTRIES: {entries} ET: {}) ***",
                self.cfg.name,
                std::process::id(),
                t0.elapsed().as_secs()
            ),
        );
    }
}

/// `uint_print()`: 1, 2, 4 or 8 bytes as a decimal string.
fn uint_print(v: &[u8]) -> Option<String> {
    Some(match v.len() {
        1 => v[0].to_string(),
        2 => u16::from_be_bytes([v[0], v[1]]).to_string(),
        4 => u32::from_be_bytes([v[0], v[1], v[2], v[3]]).to_string(),
        8 => {
            let mut a = [0u8; 8];
            a.copy_from_slice(v);
            u64::from_be_bytes(a).to_string()
        }
        _ => return None,
    })
}

/// `bgp_extra_data_print_bmp()` without the RD.
fn chars_fields_no_rd(o: &mut Obj, c: &Chars) {
    if !c.is_loc && !c.is_out {
        o.int("is_post", i64::from(c.is_post));
        o.int("is_in", 1);
    } else if c.is_loc {
        o.int("is_filtered", i64::from(c.is_filtered));
        o.int("is_loc", 1);
    } else {
        o.int("is_post", i64::from(c.is_post));
        o.int("is_out", 1);
    }
}

/// `bgp_extra_data_print_bmp()`: RIB side flags and the peer header's RD.
fn chars_fields(o: &mut Obj, c: &Chars) {
    chars_fields_no_rd(o, c);
    if c.rd != [0u8; 8] {
        o.str("rd", msg::rd_str(&c.rd));
        o.str("rd_origin", "bmp");
    }
}

/// `bgp_peer_log_msg_extras_bmp()` after `timestamp_arrival`.
fn router_peer_fields(o: &mut Obj, router: IpAddr, port: u16, peer: IpAddr, kind: &'static str) {
    o.str("bmp_router", ip_str(router));
    o.int("bmp_router_port", i64::from(port));
    o.str("peer_ip", ip_str(peer));
    o.int("peer_tcp_port", 0);
    o.str("bmp_msg_type", kind);
}

/// Feed `data` as the stream of one router to a collector without sockets or files (output
/// kept in memory), then close the router, then dump when `dump`: the whole processing path
/// (decoding, interning, RIB, JSON) for the fuzz target. Returns the output's length.
#[doc(hidden)]
pub fn fuzz_stream(data: &[u8], dump: bool) -> usize {
    let cfg = Config {
        origin_int: dump,
        ip: None,
        port: 0,
        ipv6_only: false,
        max_peers: 1,
        allow: None,
        msglog_file: Some("mem".into()),
        dump_file: dump.then(|| "mem".into()),
        dump_latest_file: None,
        dump_refresh_time: if dump { 60 } else { 0 },
        ts: TimestampOptions::default(),
        render: RenderOptions::default(),
        parse_proxy_header: false,
        name: "fuzz".into(),
        // The flow lookup RIB too (nfacctd's bmp_daemon), with dumps.
        flow: dump.then(crate::lookup::FlowRib::default),
        pipe_size: None,
        ipprec: None,
        batch: None,
    };
    let mut c = Collector {
        interner: Interner::new(cfg.render.clone()),
        cfg,
        log: Arc::new(|_, _| {}),
        poll: None,
        listener: None,
        mem: Some(String::new()),
        routers: HashMap::new(),
        next_token: 3,
        stats: Arc::new(Stats::default()),
        stop: Arc::new(AtomicBool::new(false)),
        reopen: Arc::new(AtomicBool::new(false)),
        seq: 0,
        files: HashMap::new(),
        dump_deadline: None,
        obj: Obj::new(),
        line: String::new(),
        rdbuf: Vec::new(),
        batch_state: (0, 0),
        throttle_logged: 0,
        msglog_bus: None,
        dump_bus: None,
        bus_pending: false,
    };
    let tok = Token(2);
    c.routers.insert(
        tok,
        Router {
            stream: None,
            addr: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
            port: 1790,
            rbuf: Vec::new(),
            sink: 0,
            peers: BTreeMap::new(),
            events: Vec::new(),
            missing_peer_up_logged: 0,
            tag: String::new(),
            flow: Default::default(),
            proxy_pending: false,
        },
    );
    // In chunks, as reads deliver them.
    for chunk in data.chunks(1500) {
        let Some(r) = c.routers.get_mut(&tok) else {
            break;
        };
        let skip = r.sink.min(chunk.len());
        r.sink -= skip;
        r.rbuf.extend_from_slice(&chunk[skip..]);
        match c.process(tok) {
            Ok(true) => {}
            _ => {
                c.close(tok);
                break;
            }
        }
    }
    if dump {
        c.dump(1_700_000_000);
    }
    c.close(tok);
    c.mem.map_or(0, |m| m.len())
}
