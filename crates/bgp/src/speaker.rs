//! The passive BGP speaker: one thread, one mio poll for the listener and every session.
//!
//! Routers connect to `bgp_daemon_ip`:`bgp_daemon_port`; the speaker answers their OPEN as
//! pmacct 1.7.7 does (`bgp_parse_open_msg()`): it echoes the MP-BGP and 4-octet ASN
//! capabilities, answers ADD-PATH "send" with "receive", takes the peer's hold time (at least
//! 5 s), and uses `bgp_daemon_as` or, unset, the peer's own AS (an iBGP session). It replies to
//! each KEEPALIVE with one (and sends its own every hold time / 3), applies UPDATEs to the
//! peer's RIB, and drops a session on a malformed message (NOTIFICATION first), a
//! NOTIFICATION, hold timer expiry or EOF: that peer's RIB goes, others carry on.

use std::collections::HashMap;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token, Waker};

use crate::attr::{Interner, PathAttrs, RenderOptions};
use crate::msg::{
    self, frame_len, Capability, Message, MsgError, NlriIter, Open, OpenError, Update, AFI_IP,
    AFI_IP6, AS_TRANS, SAFI_UNICAST,
};
use crate::rib::{Path, Peer, PeerRib, Peers};

/// Log severities the speaker reports with (the daemon maps them onto its logger).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Debug,
    Info,
    Warn,
    Error,
}

pub type LogFn = Arc<dyn Fn(Level, &str) + Send + Sync>;

/// What a route event of an UPDATE did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteEvent {
    Update,
    /// A withdrawal; `attrs` are those of the route the RIB held, None when it held none.
    Withdraw,
    /// A route dropped because its session ended (1.7.7's `bgp_peer_info_delete()`).
    Delete,
}

/// Receives the speaker's session and route events, on the speaker thread, in message
/// order (`bgp_daemon_msglog_*`: [`crate::logdump::MsgLog`]).
pub trait Observer: Send {
    /// The session is established (after the peer's OPEN).
    fn peer_up(&mut self, _peer: &Peer) {}
    /// One NLRI of an UPDATE (`attrs`: the announced ones, or the withdrawn route's).
    fn route(
        &mut self,
        _peer: &Peer,
        _event: RouteEvent,
        _afi: u16,
        _safi: u8,
        _nlri: &msg::Nlri,
        _attrs: Option<&PathAttrs>,
    ) {
    }
    /// An established session ended (before its RIB goes).
    fn peer_down(&mut self, _peer: &Peer) {}
    /// Called about once a second and after each batch of reads (flush buffers, reopen).
    fn tick(&mut self) {}
}

/// `bgp_daemon_*` settings.
#[derive(Debug, Clone)]
pub struct SpeakerConfig {
    /// `bgp_daemon_ip`; None: all addresses (IPv6 socket accepting IPv4 too).
    pub ip: Option<IpAddr>,
    pub port: u16,
    pub ipv6_only: bool,
    /// `bgp_daemon_id`, already resolved as 1.7.7 does ([`router_id`]).
    pub id: Ipv4Addr,
    /// `bgp_daemon_as`; None: mirror the peer's AS.
    pub asn: Option<u32>,
    pub max_peers: usize,
    /// `bgp_disable_router_id_check`.
    pub disable_router_id_check: bool,
    /// `bgp_daemon_allow_file` entries (address, prefix length); None: allow all.
    pub allow: Option<Vec<(IpAddr, u8)>>,
    pub render: RenderOptions,
    /// `core_proc_name`, for log lines.
    pub name: String,
    /// `bgp_neighbors_file`: rewritten with the connected peers' addresses at each accepted
    /// connection and each closed session, as 1.7.7's `write_neighbors_file()`.
    pub neighbors_file: Option<String>,
    /// Socket options and admission of new sessions.
    pub sock: SockOpts,
    /// `tmp_bgp_daemon_route_refresh`: echo a peer's Route Refresh capability (ROUTE-REFRESH
    /// messages are ignored either way, as 1.7.7 does).
    pub route_refresh: bool,
}

/// `bgp_daemon_ipprec`, `_pipe_size`, `_md5_file` and `_batch`/`_batch_interval`: set on the
/// listening socket as 1.7.7 sets them (accepted sessions inherit them).
#[derive(Debug, Clone, Default)]
pub struct SockOpts {
    /// IP precedence (0-7) of the sessions' packets: TOS = ipprec << 5.
    pub ipprec: u8,
    /// SO_RCVBUF asked for; the granted size is in [`SpeakerHandle::rcvbuf`].
    pub pipe_size: Option<usize>,
    /// TCP MD5 signature keys (RFC 2385) per peer address.
    pub md5: Vec<(IpAddr, Vec<u8>)>,
    /// At most `.0` new sessions per `.1` seconds (1.7.7's peer batching); None: no limit.
    pub batch: Option<(u32, u64)>,
}

/// The BGP identifier 1.7.7 sends: `bgp_daemon_id` if an IPv4 address other than 0.0.0.0,
/// else `bgp_daemon_ip` if one, else 1.2.3.4.
pub fn router_id(id: Option<&str>, ip: Option<&str>) -> Ipv4Addr {
    let v4 = |s: Option<&str>| {
        s.and_then(|s| s.trim().parse::<Ipv4Addr>().ok())
            .filter(|a| !a.is_unspecified())
    };
    v4(id).or(v4(ip)).unwrap_or(Ipv4Addr::new(1, 2, 3, 4))
}

/// Counters of the speaker (Prometheus and SIGUSR1 read them).
#[derive(Debug, Default)]
pub struct Stats {
    pub sessions_established: AtomicU64,
    pub sessions_closed: AtomicU64,
    /// Sessions reset for a malformed message.
    pub sessions_errored: AtomicU64,
    pub rejected_max_peers: AtomicU64,
    pub rejected_allow: AtomicU64,
    pub updates: AtomicU64,
    pub prefixes_announced: AtomicU64,
    pub prefixes_withdrawn: AtomicU64,
    /// Malformed attributes discarded / NLRI blocks cut short (session kept).
    pub attrs_discarded: AtomicU64,
    pub nlri_errors: AtomicU64,
    pub hold_timer_expired: AtomicU64,
    /// Connections closed by `bgp_daemon_batch` throttling.
    pub rejected_batch: AtomicU64,
    /// The sessions now open, in accept order.
    pub sessions: Mutex<Vec<Arc<PeerStats>>>,
}

/// One session's state and counters (metrics endpoint, SIGUSR1).
#[derive(Debug)]
pub struct PeerStats {
    pub addr: IpAddr,
    pub port: u16,
    /// OPEN exchanged (else TCP up, waiting for the peer's OPEN).
    pub established: AtomicBool,
    /// The peer's AS (0 until its OPEN).
    pub asn: AtomicU32,
    pub updates: AtomicU64,
    pub announced: AtomicU64,
    pub withdrawn: AtomicU64,
    /// Prefixes in its RIB after the last UPDATE.
    pub prefixes: AtomicU64,
    /// Malformed attributes discarded and NLRI blocks cut short (session kept).
    pub attrs_discarded: AtomicU64,
    pub nlri_errors: AtomicU64,
}

impl Stats {
    /// The sessions now open (a snapshot).
    pub fn open_sessions(&self) -> Vec<Arc<PeerStats>> {
        lock(&self.sessions).clone()
    }
}

impl SpeakerConfig {
    /// A speaker on 127.0.0.1, a port the kernel picks, defaults elsewhere (tests, benches).
    pub fn loopback(name: &str) -> SpeakerConfig {
        SpeakerConfig {
            ip: Some(IpAddr::V4(Ipv4Addr::LOCALHOST)),
            port: 0,
            ipv6_only: false,
            id: Ipv4Addr::new(1, 2, 3, 4),
            asn: None,
            max_peers: 10,
            disable_router_id_check: false,
            allow: None,
            render: RenderOptions::default(),
            name: name.to_string(),
            neighbors_file: None,
            sock: SockOpts::default(),
            route_refresh: false,
        }
    }
}

impl PeerStats {
    fn new(addr: IpAddr, port: u16) -> PeerStats {
        PeerStats {
            addr,
            port,
            established: AtomicBool::new(false),
            asn: AtomicU32::new(0),
            updates: AtomicU64::new(0),
            announced: AtomicU64::new(0),
            withdrawn: AtomicU64::new(0),
            prefixes: AtomicU64::new(0),
            attrs_discarded: AtomicU64::new(0),
            nlri_errors: AtomicU64::new(0),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// 1.7.7's peer batching (`bgp_batch_*`): a new session is admitted while the current batch
/// has room or once its interval is over (which starts a new batch).
#[derive(Debug, Default)]
struct Batch {
    num: u32,
    interval: u64,
    left: u32,
    base: Option<Instant>,
}

impl Batch {
    fn expired(&self, now: Instant) -> bool {
        self.base
            .is_none_or(|b| now.duration_since(b).as_secs() > self.interval)
    }
    fn admitted(&self, now: Instant) -> bool {
        self.num == 0 || self.left > 0 || self.expired(now)
    }
    /// A session was admitted: take its place in the batch.
    fn take(&mut self, now: Instant) {
        if self.num == 0 {
            return;
        }
        if self.expired(now) {
            self.left = self.num;
            self.base = Some(now);
        }
        self.left = self.left.saturating_sub(1);
    }
}

/// A running speaker.
pub struct SpeakerHandle {
    pub peers: Arc<Peers>,
    pub stats: Arc<Stats>,
    pub local: Vec<SocketAddr>,
    /// SO_RCVBUF the kernel granted (`bgp_daemon_pipe_size` set).
    pub rcvbuf: Option<usize>,
    stop: Arc<AtomicBool>,
    waker: Arc<Waker>,
    thread: Option<JoinHandle<()>>,
}

impl SpeakerHandle {
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
}

impl Drop for SpeakerHandle {
    fn drop(&mut self) {
        self.shutdown();
    }
}

const LISTENER: Token = Token(0);
const WAKER: Token = Token(1);
/// Bytes queued for a peer that does not read before it is dropped.
const MAX_WBUF: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// TCP up, waiting for the peer's OPEN (1.7.7 is passive: it never opens first).
    Connected,
    Established,
}

struct Session {
    stream: TcpStream,
    addr: IpAddr,
    port: u16,
    rbuf: Vec<u8>,
    wbuf: Vec<u8>,
    state: State,
    peer: Option<Arc<Peer>>,
    four: bool,
    /// ADD-PATH receive per (AFI 1/2, SAFI unicast/label/vpn).
    add_path: [[bool; 3]; 3],
    hold: Duration,
    last_rx: Instant,
    last_tx: Instant,
    /// First bytes of any log line about this peer.
    tag: String,
    /// Index in [`Speaker::slots`] (1.7.7's `peers[]` slot: the neighbors file's order).
    slot: usize,
    stats: Arc<PeerStats>,
}

fn safi_idx(safi: u8) -> usize {
    match safi {
        msg::SAFI_MPLS_LABEL => 1,
        msg::SAFI_MPLS_VPN => 2,
        _ => 0,
    }
}

impl Session {
    fn add_path(&self, afi: u16, safi: u8) -> bool {
        let a = match afi {
            AFI_IP => 1,
            AFI_IP6 => 2,
            _ => 0,
        };
        a != 0 && self.add_path[a][safi_idx(safi)]
    }
}

/// Why a session ends.
enum Close {
    Eof,
    /// Reset with a NOTIFICATION (code, subcode).
    Error(String, (u8, u8)),
    /// The peer sent a NOTIFICATION.
    Notified(String),
}

fn canonical(a: SocketAddr) -> IpAddr {
    match a.ip() {
        IpAddr::V6(v) => v.to_ipv4_mapped().map_or(IpAddr::V6(v), IpAddr::V4),
        v4 => v4,
    }
}

fn allowed(list: &[(IpAddr, u8)], a: IpAddr) -> bool {
    list.iter().any(|&(net, len)| match (net, a) {
        (IpAddr::V4(n), IpAddr::V4(x)) => {
            let m = msg::mask32(len);
            u32::from(n) & m == u32::from(x) & m
        }
        (IpAddr::V6(n), IpAddr::V6(x)) => {
            let m = msg::mask128(len);
            u128::from(n) & m == u128::from(x) & m
        }
        _ => false,
    })
}

fn bind(cfg: &SpeakerConfig) -> io::Result<std::net::TcpListener> {
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
    let o = &cfg.sock;
    if o.ipprec != 0 {
        // IP_TOS as 1.7.7 (IPv4 sessions, on either family's socket), and the IPv6 traffic
        // class for IPv6 sessions, which 1.7.7 leaves at 0.
        let tos = u32::from(o.ipprec) << 5;
        s.set_tos(tos)?;
        if addr.is_ipv6() {
            s.set_tclass_v6(tos)?;
        }
    }
    if let Some(n) = o.pipe_size {
        s.set_recv_buffer_size(n)?;
    }
    s.bind(&addr.into())?;
    s.listen(128)?;
    s.set_nonblocking(true)?;
    Ok(s.into())
}

/// The C `struct tcp_md5sig` of <linux/tcp.h>.
#[cfg(target_os = "linux")]
#[repr(C)]
struct TcpMd5Sig {
    addr: libc::sockaddr_storage,
    flags: u8,
    prefixlen: u8,
    keylen: u16,
    ifindex: libc::c_int,
    key: [u8; 80],
}

/// Set (or, with an empty key, delete) the TCP MD5 signature key of `peer` on the listening
/// socket `fd`; connections accepted from `peer` then sign and check every segment. An IPv4
/// peer on an IPv6 socket is keyed by its IPv4-mapped address, as 1.7.7 does.
#[cfg(target_os = "linux")]
pub fn set_md5sig(
    fd: std::os::fd::RawFd,
    v6_socket: bool,
    peer: IpAddr,
    key: &[u8],
) -> io::Result<()> {
    let peer = match peer {
        IpAddr::V6(a) if !v6_socket => match a.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => peer,
        },
        IpAddr::V4(a) if v6_socket => IpAddr::V6(a.to_ipv6_mapped()),
        p => p,
    };
    if key.len() > 80 {
        return Err(io::Error::new(
            ErrorKind::InvalidInput,
            "key longer than 80 bytes",
        ));
    }
    let sa: socket2::SockAddr = SocketAddr::new(peer, 0).into();
    // SAFETY: sockaddr_storage and TcpMd5Sig are plain C data for which all-zero bytes are
    // a valid value.
    let mut m: TcpMd5Sig = unsafe { std::mem::zeroed() };
    // SAFETY: `sa.len()` bytes are readable at `sa.as_ptr()` and fit in sockaddr_storage
    // (the largest socket address), which `m.addr` is; the regions do not overlap.
    unsafe {
        std::ptr::copy_nonoverlapping(
            sa.as_ptr().cast::<u8>(),
            std::ptr::addr_of_mut!(m.addr).cast::<u8>(),
            sa.len() as usize,
        );
    }
    m.keylen = key.len() as u16;
    m.key[..key.len()].copy_from_slice(key);
    // SAFETY: `m` is a live, initialized tcp_md5sig and the length passed is its size; the
    // kernel only reads it during the call.
    let rc = unsafe {
        libc::setsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_MD5SIG,
            std::ptr::addr_of!(m).cast::<libc::c_void>(),
            std::mem::size_of::<TcpMd5Sig>() as libc::socklen_t,
        )
    };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Apply `bgp_daemon_md5_file`'s keys to the listener, logging each as 1.7.7 does.
fn apply_md5(l: &std::net::TcpListener, cfg: &SpeakerConfig, log: &LogFn) {
    if cfg.sock.md5.is_empty() {
        return;
    }
    let v6 = l.local_addr().is_ok_and(|a| a.is_ipv6());
    for (peer, key) in &cfg.sock.md5 {
        #[cfg(target_os = "linux")]
        let r = {
            use std::os::fd::AsRawFd;
            set_md5sig(l.as_raw_fd(), v6, *peer, key)
        };
        #[cfg(not(target_os = "linux"))]
        let r: io::Result<()> = Err(io::Error::from(ErrorKind::Unsupported));
        match r {
            Ok(()) => log(
                Level::Debug,
                &format!(
                    "DEBUG ( {}/core/BGP ): setsockopt() set TCP_MD5SIG peer={peer}",
                    cfg.name
                ),
            ),
            Err(e) => log(
                Level::Warn,
                &format!(
                    "WARN ( {}/core/BGP ): setsockopt() failed for TCP_MD5SIG peer={peer} (errno: {})",
                    cfg.name,
                    e.raw_os_error().unwrap_or(0)
                ),
            ),
        }
    }
}

/// Start the speaker thread. Binding errors are returned (1.7.7 exits on them).
pub fn spawn(cfg: SpeakerConfig, log: LogFn) -> io::Result<SpeakerHandle> {
    spawn_observed(cfg, log, None)
}

/// [`spawn`] with an [`Observer`] of sessions and routes (message logs).
pub fn spawn_observed(
    cfg: SpeakerConfig,
    log: LogFn,
    observer: Option<Box<dyn Observer>>,
) -> io::Result<SpeakerHandle> {
    let std_listener = match bind(&cfg) {
        Ok(l) => l,
        // No IPv6 on this host: all IPv4 addresses, as a v4-only build of pmacct would.
        Err(_) if cfg.ip.is_none() => {
            let mut c = cfg.clone();
            c.ip = Some(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
            bind(&c)?
        }
        Err(e) => return Err(e),
    };
    let local = vec![std_listener.local_addr()?];
    let rcvbuf = match cfg.sock.pipe_size {
        Some(target) => {
            let got = socket2::SockRef::from(&std_listener).recv_buffer_size()?;
            log(
                Level::Info,
                &format!(
                    "INFO ( {}/core/BGP ): bgp_daemon_pipe_size: obtained={got} target={target}.",
                    cfg.name
                ),
            );
            Some(got)
        }
        None => None,
    };
    apply_md5(&std_listener, &cfg, &log);
    let mut listener = TcpListener::from_std(std_listener);
    let poll = Poll::new()?;
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;
    let waker = Arc::new(Waker::new(poll.registry(), WAKER)?);
    let peers = Arc::new(Peers::new(cfg.disable_router_id_check));
    let stats = Arc::new(Stats::default());
    let stop = Arc::new(AtomicBool::new(false));
    let batch = cfg
        .sock
        .batch
        .map_or_else(Batch::default, |(num, interval)| Batch {
            num,
            interval,
            ..Batch::default()
        });
    let mut sp = Speaker {
        batch,
        throttling: false,
        interner: Interner::new(cfg.render.clone()),
        cfg,
        log,
        poll,
        listener,
        sessions: HashMap::new(),
        next_token: 2,
        peers: peers.clone(),
        stats: stats.clone(),
        stop: stop.clone(),
        last_purge: Instant::now(),
        discarded: Vec::new(),
        observer,
        slots: Vec::new(),
    };
    let thread = std::thread::Builder::new()
        .name("bgp".into())
        .spawn(move || sp.run())?;
    Ok(SpeakerHandle {
        peers,
        stats,
        local,
        rcvbuf,
        stop,
        waker,
        thread: Some(thread),
    })
}

struct Speaker {
    batch: Batch,
    /// The throttling line is logged once until a session is admitted again.
    throttling: bool,
    cfg: SpeakerConfig,
    log: LogFn,
    poll: Poll,
    listener: TcpListener,
    sessions: HashMap<Token, Session>,
    next_token: usize,
    peers: Arc<Peers>,
    stats: Arc<Stats>,
    stop: Arc<AtomicBool>,
    interner: Interner,
    last_purge: Instant,
    discarded: Vec<msg::UpdateError>,
    observer: Option<Box<dyn Observer>>,
    /// Connected peers' addresses by slot: a new connection takes the first free slot.
    slots: Vec<Option<IpAddr>>,
}

impl Speaker {
    fn log(&self, l: Level, m: String) {
        (self.log)(l, &m);
    }

    fn run(&mut self) {
        let mut events = Events::with_capacity(256);
        while !self.stop.load(Ordering::Acquire) {
            if let Err(e) = self.poll.poll(&mut events, Some(Duration::from_secs(1))) {
                if e.kind() != ErrorKind::Interrupted {
                    self.log(Level::Error, format!("BGP poll failed: {e}"));
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
                        if ev.is_writable() {
                            self.flush(t);
                        }
                    }
                }
            }
            self.timers();
            if let Some(o) = self.observer.as_mut() {
                o.tick();
            }
        }
        let toks: Vec<Token> = self.sessions.keys().copied().collect();
        for t in toks {
            self.close(
                t,
                Close::Error("daemon shutting down".into(), (msg::NOTIFY_CEASE, 2)),
            );
        }
    }

    fn accept(&mut self) {
        loop {
            let (mut stream, sa) = match self.listener.accept() {
                Ok(x) => x,
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                Err(e) => {
                    self.log(Level::Warn, format!("BGP accept() failed: {e}"));
                    return;
                }
            };
            let addr = canonical(sa);
            let tag = format!("INFO ( {}/core/BGP ): [{}]", self.cfg.name, addr);
            if let Some(list) = &self.cfg.allow {
                if !allowed(list, addr) {
                    self.stats.rejected_allow.fetch_add(1, Ordering::Relaxed);
                    self.log(Level::Info, format!("{tag} Unauthorized peer: {addr}"));
                    continue;
                }
            }
            // 1.7.7 checks batching only when a peer slot is free.
            let now = Instant::now();
            if self.sessions.len() < self.cfg.max_peers && !self.batch.admitted(now) {
                self.stats.rejected_batch.fetch_add(1, Ordering::Relaxed);
                if !self.throttling {
                    self.throttling = true;
                    self.log(
                        Level::Info,
                        format!(
                            "INFO ( {}/core/BGP ): throttling at BGP peer #{}",
                            self.cfg.name,
                            self.sessions.len()
                        ),
                    );
                }
                continue;
            }
            if self.sessions.len() >= self.cfg.max_peers {
                self.stats
                    .rejected_max_peers
                    .fetch_add(1, Ordering::Relaxed);
                self.log(
                    Level::Warn,
                    format!(
                        "WARN ( {}/core/BGP ): [{addr}] Insufficient number of BGP peers has been configured by 'bgp_daemon_max_peers' ({}).",
                        self.cfg.name, self.cfg.max_peers
                    ),
                );
                continue;
            }
            let tok = Token(self.next_token);
            self.next_token += 1;
            if self
                .poll
                .registry()
                .register(&mut stream, tok, Interest::READABLE | Interest::WRITABLE)
                .is_err()
            {
                continue;
            }
            let _ = stream.set_nodelay(true);
            self.throttling = false;
            self.batch.take(now);
            let stats = Arc::new(PeerStats::new(addr, sa.port()));
            lock(&self.stats.sessions).push(stats.clone());
            self.log(
                Level::Info,
                format!(
                    "{tag} BGP peers usage: {}/{}",
                    self.sessions.len() + 1,
                    self.cfg.max_peers
                ),
            );
            let now = Instant::now();
            let slot = match self.slots.iter().position(Option::is_none) {
                Some(i) => {
                    self.slots[i] = Some(addr);
                    i
                }
                None => {
                    self.slots.push(Some(addr));
                    self.slots.len() - 1
                }
            };
            self.sessions.insert(
                tok,
                Session {
                    stream,
                    addr,
                    port: sa.port(),
                    rbuf: Vec::with_capacity(msg::MAX_MSG_LEN),
                    wbuf: Vec::new(),
                    state: State::Connected,
                    peer: None,
                    four: false,
                    add_path: [[false; 3]; 3],
                    // Until the OPEN says otherwise: RFC 4271's large initial hold time.
                    hold: Duration::from_secs(240),
                    last_rx: now,
                    last_tx: now,
                    tag,
                    slot,
                    stats,
                },
            );
            self.write_neighbors();
        }
    }

    /// 1.7.7's `write_neighbors_file()`: the file replaced by one line per connected peer
    /// (session address), in slot order.
    fn write_neighbors(&self) {
        let Some(path) = &self.cfg.neighbors_file else {
            return;
        };
        let mut text = String::new();
        for a in self.slots.iter().flatten() {
            text.push_str(&a.to_string());
            text.push('\n');
        }
        let _ = std::fs::remove_file(path);
        if std::fs::write(path, text).is_err() {
            self.log(
                Level::Error,
                format!(
                    "ERROR ( {}/core/BGP ): [{path}] fopen() failed.",
                    self.cfg.name
                ),
            );
        }
    }

    fn readable(&mut self, tok: Token) {
        let mut buf = [0u8; 16 * 1024];
        loop {
            let Some(s) = self.sessions.get_mut(&tok) else {
                return;
            };
            match s.stream.read(&mut buf) {
                Ok(0) => return self.close(tok, Close::Eof),
                Ok(n) => {
                    s.last_rx = Instant::now();
                    s.rbuf.extend_from_slice(&buf[..n]);
                    if let Err(c) = self.process(tok) {
                        return self.close(tok, c);
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return self.close(tok, Close::Error(format!("read: {e}"), (0, 0))),
            }
        }
    }

    /// Handle every complete message in the session's buffer.
    fn process(&mut self, tok: Token) -> Result<(), Close> {
        let mut at = 0;
        let mut rbuf = match self.sessions.get_mut(&tok) {
            Some(s) => std::mem::take(&mut s.rbuf),
            None => return Ok(()),
        };
        let r = loop {
            let len = match frame_len(&rbuf[at..]) {
                Ok(Some(l)) => l,
                Ok(None) => break Ok(()),
                Err(h) => {
                    let e = MsgError::Header(h);
                    break Err(Close::Error(e.to_string(), e.notification()));
                }
            };
            let m = &rbuf[at..at + len];
            at += len;
            if let Err(c) = self.message(tok, m) {
                break Err(c);
            }
        };
        rbuf.drain(..at);
        if let Some(s) = self.sessions.get_mut(&tok) {
            s.rbuf = rbuf;
        }
        r
    }

    fn send(&mut self, tok: Token, bytes: &[u8]) {
        if let Some(s) = self.sessions.get_mut(&tok) {
            s.wbuf.extend_from_slice(bytes);
            s.last_tx = Instant::now();
        }
        self.flush(tok);
    }

    fn flush(&mut self, tok: Token) {
        let Some(s) = self.sessions.get_mut(&tok) else {
            return;
        };
        while !s.wbuf.is_empty() {
            match s.stream.write(&s.wbuf) {
                Ok(0) => break,
                Ok(n) => {
                    s.wbuf.drain(..n);
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(_) => break,
            }
        }
        if s.wbuf.len() > MAX_WBUF {
            self.close(
                tok,
                Close::Error("peer does not read".into(), (msg::NOTIFY_CEASE, 8)),
            );
        }
    }

    fn message(&mut self, tok: Token, m: &[u8]) -> Result<(), Close> {
        let parsed = Message::parse(m);
        let state = self.sessions.get(&tok).map(|s| s.state);
        match parsed {
            Err(e) => Err(Close::Error(e.to_string(), e.notification())),
            Ok(Message::Open(o)) => {
                if state == Some(State::Established) {
                    // 1.7.7 ignores an OPEN on an established session.
                    return Ok(());
                }
                self.open(tok, &o).map_err(|e| {
                    let me = MsgError::Open(e);
                    Close::Error(me.to_string(), me.notification())
                })
            }
            Ok(Message::Keepalive) => {
                if state == Some(State::Established) {
                    self.send(tok, &msg::keepalive());
                }
                Ok(())
            }
            Ok(Message::Notification(n)) => Err(Close::Notified(format!(
                "BGP_NOTIFICATION received ({}, {}). Shutdown Message: '{}'",
                n.code,
                n.subcode,
                n.shutdown_message()
            ))),
            Ok(Message::RouteRefresh { .. }) => Ok(()),
            Ok(Message::Update(u)) => {
                if state != Some(State::Established) {
                    return Err(Close::Error(
                        "BGP UPDATE received (no neighbor)".into(),
                        (msg::NOTIFY_FSM_ERR, 0),
                    ));
                }
                self.update(tok, &u).map_err(|e| {
                    let me = MsgError::Update(e);
                    Close::Error(format!("BGP UPDATE: malformed ({e:?})"), me.notification())
                })
            }
        }
    }

    fn open(&mut self, tok: Token, o: &Open<'_>) -> Result<(), OpenError> {
        if o.version != 4 {
            return Err(OpenError::UnsupportedVersion(o.version));
        }
        let mut reply_params: Vec<u8> = Vec::new();
        let mut as4: Option<u32> = None;
        let mut add_path = [[false; 3]; 3];
        let mut caps_log: Vec<String> = Vec::new();
        let mut as4_at: Option<usize> = None;
        for p in o.params() {
            let p = p?;
            if p.kind != 2 {
                continue;
            }
            let start = reply_params.len();
            reply_params.extend_from_slice(&[2, 0]);
            for (c, raw) in p.capabilities().zip(p.raw_capabilities()) {
                match c? {
                    Capability::Multiprotocol { afi, safi } => {
                        caps_log.push(format!("MultiProtocol [1] AFI [{afi:x}] SAFI [{safi:x}]"));
                        reply_params.extend_from_slice(raw);
                    }
                    Capability::FourOctetAs(a) => {
                        caps_log.push(format!("4-bytes AS [41] ASN [{a}]"));
                        as4 = Some(a);
                        as4_at = Some(reply_params.len() + 2);
                        reply_params.extend_from_slice(raw);
                    }
                    Capability::AddPath(entries) => {
                        let mut out: Vec<u8> = Vec::new();
                        for e in entries.chunks_exact(4) {
                            let afi = u16::from_be_bytes([e[0], e[1]]);
                            let (safi, sr) = (e[2], e[3]);
                            if sr == 2 || sr == 3 {
                                let a = match afi {
                                    AFI_IP => 1,
                                    AFI_IP6 => 2,
                                    _ => 0,
                                };
                                if a != 0 {
                                    add_path[a][safi_idx(safi)] = true;
                                }
                                out.extend_from_slice(&[e[0], e[1], safi, 1]);
                            }
                            caps_log.push(format!(
                                "ADD-PATHs [45] AFI [{afi:x}] SAFI [{safi:x}] SEND_RECEIVE [{sr:x}]"
                            ));
                        }
                        if !out.is_empty() {
                            reply_params.extend_from_slice(&[69, out.len() as u8]);
                            reply_params.extend_from_slice(&out);
                        }
                    }
                    // 1.7.7 answers route refresh only with a tmp_ key (a workaround for
                    // routers that insist on it).
                    Capability::RouteRefresh if self.cfg.route_refresh => {
                        caps_log.push("Route Refresh [2]".to_string());
                        reply_params.extend_from_slice(raw);
                    }
                    // Never echoed: extended next hop (IPv4 routes with IPv6 next hops still
                    // decode), anything else.
                    Capability::RouteRefresh
                    | Capability::ExtendedNextHop(_)
                    | Capability::Other { .. } => {}
                }
            }
            let plen = reply_params.len() - start - 2;
            if plen == 0 {
                reply_params.truncate(start);
            } else {
                reply_params[start + 1] = plen.min(255) as u8;
            }
        }
        let remote_as = if o.my_as == AS_TRANS {
            match as4 {
                Some(a) if a != 0 && a != u32::from(AS_TRANS) => a,
                _ => return Err(OpenError::InvalidAs4),
            }
        } else {
            match as4 {
                None | Some(0) => u32::from(o.my_as),
                Some(a) if a == u32::from(o.my_as) => a,
                Some(_) => return Err(OpenError::MismatchingAs4),
            }
        };
        let my_as = self.cfg.asn.unwrap_or(remote_as);
        if let Some(at) = as4_at {
            reply_params[at..at + 4].copy_from_slice(&my_as.to_be_bytes());
        }
        let my_as16 = if my_as > 65535 {
            if as4.is_none() {
                // "Local peer is 4AS while remote peer is 2AS: unsupported configuration."
                return Err(OpenError::InvalidAs4);
            }
            AS_TRANS
        } else {
            my_as as u16
        };
        let hold = o.hold_time.max(5);
        let mut out = Vec::with_capacity(64 + reply_params.len());
        msg::write_open(&mut out, my_as16, hold, self.cfg.id, &reply_params);
        out.extend_from_slice(&msg::keepalive());
        let Some(s) = self.sessions.get_mut(&tok) else {
            return Ok(());
        };
        for c in &caps_log {
            let line = format!("{} Capability: {c}", s.tag);
            (self.log)(Level::Info, &line);
        }
        s.four = as4.is_some();
        s.stats.asn.store(remote_as, Ordering::Relaxed);
        s.stats.established.store(true, Ordering::Relaxed);
        s.add_path = add_path;
        s.hold = Duration::from_secs(u64::from(hold));
        s.state = State::Established;
        let peer = Arc::new(Peer {
            addr: s.addr,
            tcp_port: s.port,
            id: o.bgp_id,
            asn: remote_as,
            add_path_v4: add_path[1][0],
            add_path_v6: add_path[2][0],
            rib: RwLock::new(PeerRib::default()),
        });
        s.peer = Some(peer.clone());
        let line = format!(
            "{} BGP_OPEN: Local AS: {my_as} Remote AS: {remote_as} HoldTime: {hold}",
            s.tag
        );
        (self.log)(Level::Info, &line);
        if let Some(o) = self.observer.as_mut() {
            o.peer_up(&peer);
        }
        self.peers.add(peer);
        self.stats
            .sessions_established
            .fetch_add(1, Ordering::Relaxed);
        self.send(tok, &out);
        Ok(())
    }

    fn update(&mut self, tok: Token, u: &Update<'_>) -> Result<(), msg::UpdateError> {
        let attrs = u.attributes()?;
        self.stats.updates.fetch_add(1, Ordering::Relaxed);
        let Some(s) = self.sessions.get(&tok) else {
            return Ok(());
        };
        let Some(peer) = s.peer.clone() else {
            return Ok(());
        };
        let four = s.four;
        let ps = s.stats.clone();
        ps.updates.fetch_add(1, Ordering::Relaxed);
        let ap4 = s.add_path(AFI_IP, SAFI_UNICAST);
        let mp_reach = attrs
            .mp_reach
            .filter(|m| NlriIter::supported(m.afi, m.safi))
            .map(|m| (m, s.add_path(m.afi, m.safi)));
        let mp_unreach = attrs
            .mp_unreach
            .filter(|m| NlriIter::supported(m.afi, m.safi))
            .map(|m| (m, s.add_path(m.afi, m.safi)));
        let announces = !u.nlri.is_empty() || mp_reach.is_some();
        self.discarded.clear();
        let pa = announces.then(|| {
            self.interner
                .intern_update(&attrs, four, &mut self.discarded)
        });
        if !self.discarded.is_empty() {
            ps.attrs_discarded
                .fetch_add(self.discarded.len() as u64, Ordering::Relaxed);
            self.stats
                .attrs_discarded
                .fetch_add(self.discarded.len() as u64, Ordering::Relaxed);
        }
        let Ok(mut rib) = peer.rib.write() else {
            return Ok(());
        };
        let (mut ann, mut wd, mut bad) = (0u64, 0u64, 0u64);
        // 1.7.7's order: withdrawn, NLRI, MP_REACH, MP_UNREACH.
        let obs = &mut self.observer;
        for n in NlriIter::new(u.withdrawn, AFI_IP, SAFI_UNICAST, ap4, true) {
            match n {
                Ok(n) => {
                    let old = rib.withdraw_path(SAFI_UNICAST, None, n.prefix, n.path_id);
                    if let Some(o) = obs.as_mut() {
                        let a = old.as_ref().map(|p| &*p.attrs);
                        o.route(&peer, RouteEvent::Withdraw, AFI_IP, SAFI_UNICAST, &n, a);
                    }
                    wd += 1;
                }
                Err(_) => bad += 1,
            }
        }
        if let Some(pa) = &pa {
            for n in NlriIter::new(u.nlri, AFI_IP, SAFI_UNICAST, ap4, false) {
                match n {
                    Ok(n) => {
                        if let Some(o) = obs.as_mut() {
                            o.route(
                                &peer,
                                RouteEvent::Update,
                                AFI_IP,
                                SAFI_UNICAST,
                                &n,
                                Some(pa),
                            );
                        }
                        // The MP_REACH next hop wins when both are present, as in 1.7.7.
                        rib.announce(
                            SAFI_UNICAST,
                            None,
                            n.prefix,
                            Path {
                                path_id: n.path_id,
                                attrs: pa.clone(),
                            },
                        );
                        ann += 1;
                    }
                    Err(_) => bad += 1,
                }
            }
            if let Some((m, ap)) = mp_reach {
                for n in NlriIter::new(m.nlri, m.afi, m.safi, ap, false) {
                    match n {
                        Ok(n) => {
                            if let Some(o) = obs.as_mut() {
                                o.route(&peer, RouteEvent::Update, m.afi, m.safi, &n, Some(pa));
                            }
                            rib.announce(
                                m.safi,
                                n.rd,
                                n.prefix,
                                Path {
                                    path_id: n.path_id,
                                    attrs: pa.clone(),
                                },
                            );
                            ann += 1;
                        }
                        Err(_) => bad += 1,
                    }
                }
            }
        }
        if let Some((m, ap)) = mp_unreach {
            for n in NlriIter::new(m.nlri, m.afi, m.safi, ap, true) {
                match n {
                    Ok(n) => {
                        let old = rib.withdraw_path(m.safi, n.rd, n.prefix, n.path_id);
                        if let Some(o) = obs.as_mut() {
                            let a = old.as_ref().map(|p| &*p.attrs);
                            o.route(&peer, RouteEvent::Withdraw, m.afi, m.safi, &n, a);
                        }
                        wd += 1;
                    }
                    Err(_) => bad += 1,
                }
            }
        }
        ps.prefixes.store(rib.prefixes() as u64, Ordering::Relaxed);
        drop(rib);
        ps.announced.fetch_add(ann, Ordering::Relaxed);
        ps.withdrawn.fetch_add(wd, Ordering::Relaxed);
        self.stats
            .prefixes_announced
            .fetch_add(ann, Ordering::Relaxed);
        self.stats
            .prefixes_withdrawn
            .fetch_add(wd, Ordering::Relaxed);
        if bad > 0 {
            ps.nlri_errors.fetch_add(bad, Ordering::Relaxed);
            self.stats.nlri_errors.fetch_add(bad, Ordering::Relaxed);
            let line = format!(
                "{} bgp_nlri_parse(): malformed NLRI, rest of the block skipped",
                s_tag(&self.sessions, tok)
            );
            self.log(Level::Debug, line);
        }
        Ok(())
    }

    fn timers(&mut self) {
        let now = Instant::now();
        let mut expired = Vec::new();
        let mut due = Vec::new();
        for (t, s) in &self.sessions {
            if now.duration_since(s.last_rx) > s.hold {
                expired.push(*t);
            } else if s.state == State::Established && now.duration_since(s.last_tx) >= s.hold / 3 {
                due.push(*t);
            }
        }
        for t in due {
            self.send(t, &msg::keepalive());
        }
        for t in expired {
            self.stats
                .hold_timer_expired
                .fetch_add(1, Ordering::Relaxed);
            self.close(
                t,
                Close::Error(
                    "hold timer expired".into(),
                    (msg::NOTIFY_HOLD_TIMER_EXPIRED, 0),
                ),
            );
        }
        if now.duration_since(self.last_purge) > Duration::from_secs(60) {
            self.interner.purge();
            self.last_purge = now;
        }
    }

    fn close(&mut self, tok: Token, why: Close) {
        let Some(mut s) = self.sessions.remove(&tok) else {
            return;
        };
        lock(&self.stats.sessions).retain(|p| !Arc::ptr_eq(p, &s.stats));
        let (lvl, text) = match &why {
            Close::Eof => (Level::Info, "BGP peer disconnected".to_string()),
            Close::Notified(m) => (Level::Info, m.clone()),
            Close::Error(m, (code, sub)) => {
                if *code != 0 {
                    let _ = s.stream.write(&s.wbuf);
                    let _ = s.stream.write(&msg::notification(*code, *sub));
                }
                if *code != msg::NOTIFY_CEASE {
                    self.stats.sessions_errored.fetch_add(1, Ordering::Relaxed);
                }
                (Level::Warn, m.clone())
            }
        };
        self.log(lvl, format!("{} {text}", s.tag));
        let _ = self.poll.registry().deregister(&mut s.stream);
        if let Some(p) = s.peer.take() {
            if let Some(o) = self.observer.as_mut() {
                if let Ok(rib) = p.rib.read() {
                    rib.for_each(|afi, safi, prefix, path| {
                        let n = msg::Nlri {
                            path_id: path.path_id,
                            prefix,
                            rd: None,
                            label: 0,
                        };
                        o.route(&p, RouteEvent::Delete, afi, safi, &n, Some(&path.attrs));
                    });
                }
                o.peer_down(&p);
            }
            let n = p.rib.read().map_or(0, |r| r.prefixes());
            self.peers.remove(&p);
            drop(p);
            self.interner.purge();
            self.log(
                Level::Info,
                format!("{} BGP session closed: {n} prefixes withdrawn", s.tag),
            );
        }
        self.stats.sessions_closed.fetch_add(1, Ordering::Relaxed);
        if let Some(x) = self.slots.get_mut(s.slot) {
            *x = None;
        }
        self.write_neighbors();
    }
}

fn s_tag(sessions: &HashMap<Token, Session>, tok: Token) -> String {
    sessions.get(&tok).map_or(String::new(), |s| s.tag.clone())
}
