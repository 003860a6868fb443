//! Prometheus metrics endpoint, a pmacct-rs extension (`metrics_http_listen: 127.0.0.1:9955`,
//! off by default).
//!
//! The data path never waits for this module: worker cores publish a snapshot of their
//! counters now and then into their own slot with `try_lock` (a slot a scrape is reading is
//! skipped; the next publish catches up), plugin threads store plain atomics, queue depth is
//! an atomic per batch. One HTTP/1.1 thread renders the text exposition format 0.0.4 when
//! scraped; everything that allocates happens there.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, BufRead, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, TryLockError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use pmacct_plugins::{PluginCounters, PluginMetric, MAX_PLUGIN_METRICS};

/// How often a busy worker publishes its counters (an idle one publishes when idle).
pub const PUBLISH_INTERVAL: Duration = Duration::from_secs(1);
/// Largest request head we read; a scraper's is a few hundred bytes.
const MAX_REQUEST: usize = 8 * 1024;
/// Time a client gets to send its request and take the answer, in all.
const CLIENT_DEADLINE: Duration = Duration::from_secs(5);
/// Exporter series per worker snapshot; beyond it exporters are summed as `exporter="other"`
/// so spoofed sources cannot make a scrape unbounded.
pub const MAX_EXPORTER_SERIES: usize = 4096;

const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// One exporter as a worker core sees it: pmacct's agent (address, source id / domain).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExporterSample {
    pub addr: IpAddr,
    pub source_id: u32,
    pub datagrams: u64,
    pub bytes: u64,
    pub records: u64,
    pub seq_jmp_fwd: u64,
    pub seq_jmp_bck: u64,
}

/// What one worker core publishes. The vectors are refilled in place (no allocation once
/// they have grown to the number of exporters and reasons).
#[derive(Debug, Default, Clone)]
pub struct CoreSnapshot {
    pub exporters: Vec<ExporterSample>,
    /// Exporters beyond [`MAX_EXPORTER_SERIES`], summed.
    pub other: Option<ExporterSample>,
    /// Decode errors by reason (whole datagrams rejected and parts of datagrams skipped).
    pub decode_errors: Vec<(&'static str, u64)>,
    /// Templates the worker's decoder holds.
    pub templates: u64,
    /// Entries evicted from the tables keyed by network input, by table (monotonic).
    pub evictions: [(&'static str, u64); 3],
}

/// The tables [`CoreSnapshot::evictions`] counts, in order.
pub const EVICTION_TABLES: [&str; 3] = ["exporter_stats", "templates", "template_exporters"];

impl CoreSnapshot {
    /// Start a refill: keep the vectors' memory.
    pub fn clear(&mut self) {
        self.exporters.clear();
        self.other = None;
        self.decode_errors.clear();
        self.templates = 0;
        self.evictions = EVICTION_TABLES.map(|t| (t, 0));
    }

    /// Add one exporter, folding it into `other` past the series cap.
    pub fn push_exporter(&mut self, e: ExporterSample) {
        if self.exporters.len() < MAX_EXPORTER_SERIES {
            self.exporters.push(e);
            return;
        }
        let o = self.other.get_or_insert(ExporterSample {
            addr: IpAddr::from([0, 0, 0, 0]),
            source_id: 0,
            datagrams: 0,
            bytes: 0,
            records: 0,
            seq_jmp_fwd: 0,
            seq_jmp_bck: 0,
        });
        o.datagrams += e.datagrams;
        o.bytes += e.bytes;
        o.records += e.records;
        o.seq_jmp_fwd += e.seq_jmp_fwd;
        o.seq_jmp_bck += e.seq_jmp_bck;
    }
}

/// A worker core's slot.
#[derive(Default)]
pub struct WorkerSlot {
    snap: Mutex<CoreSnapshot>,
}

impl WorkerSlot {
    /// Refill the snapshot in place. Never blocks: returns false (nothing published) when a
    /// scrape is reading the slot at this instant.
    pub fn publish(&self, fill: impl FnOnce(&mut CoreSnapshot)) -> bool {
        let mut g = match self.snap.try_lock() {
            Ok(g) => g,
            Err(TryLockError::Poisoned(p)) => p.into_inner(),
            Err(TryLockError::WouldBlock) => return false,
        };
        g.clear();
        fill(&mut g);
        true
    }
}

/// A worker's handle on its slot with the publishing schedule.
pub struct Publisher {
    slot: Arc<WorkerSlot>,
    next: Instant,
}

impl Publisher {
    pub fn new(slot: Arc<WorkerSlot>) -> Publisher {
        Publisher {
            slot,
            next: Instant::now(),
        }
    }

    /// Publish if [`PUBLISH_INTERVAL`] has passed since the last publish (or `force`).
    pub fn maybe_publish(&mut self, force: bool, fill: impl FnOnce(&mut CoreSnapshot)) {
        let now = Instant::now();
        if (force || now >= self.next) && self.slot.publish(fill) {
            self.next = now + PUBLISH_INTERVAL;
        }
    }
}

/// A plugin instance's counters: queue atomics kept by the pipeline, the rest stored by the
/// plugin thread from [`PluginCounters`].
pub struct PluginSlot {
    pub name: String,
    pub kind: &'static str,
    /// Batches the queue holds at most.
    pub queue_capacity_batches: u64,
    /// Batches and records in the queue (the sender adds, the plugin thread subtracts; a
    /// moment's negative value is shown as 0).
    pub queued_batches: AtomicI64,
    pub queued_records: AtomicI64,
    /// Records dropped because the queue was full (live sockets only).
    pub queue_dropped_records: Arc<AtomicU64>,
    purged_records: AtomicU64,
    cache_entries: AtomicU64,
    cache_dropped: AtomicU64,
    /// The plugin type's own series and their values ([`PluginCounters::extra`]), shown
    /// once the plugin thread has stored them.
    own: &'static [PluginMetric],
    own_values: [AtomicU64; MAX_PLUGIN_METRICS],
    reported: AtomicBool,
}

impl PluginSlot {
    pub fn new(
        name: &str,
        kind: &'static str,
        queue_capacity_batches: u64,
        queue_dropped_records: Arc<AtomicU64>,
    ) -> PluginSlot {
        PluginSlot {
            name: name.to_string(),
            kind,
            queue_capacity_batches,
            queued_batches: AtomicI64::new(0),
            queued_records: AtomicI64::new(0),
            queue_dropped_records,
            purged_records: AtomicU64::new(0),
            cache_entries: AtomicU64::new(0),
            cache_dropped: AtomicU64::new(0),
            own: pmacct_plugins::plugin_metrics(kind),
            own_values: Default::default(),
            reported: AtomicBool::new(false),
        }
    }

    /// The sender queued a batch of `records`.
    pub fn queued(&self, records: usize) {
        self.queued_batches.fetch_add(1, Ordering::Relaxed);
        self.queued_records
            .fetch_add(records as i64, Ordering::Relaxed);
    }

    /// The plugin thread took a batch of `records` off the queue.
    pub fn dequeued(&self, records: usize) {
        self.queued_batches.fetch_sub(1, Ordering::Relaxed);
        self.queued_records
            .fetch_sub(records as i64, Ordering::Relaxed);
    }

    /// Store what the plugin reports (plugin thread).
    pub fn store(&self, c: &PluginCounters) {
        let r = Ordering::Relaxed;
        self.purged_records.store(c.purged_records, r);
        self.cache_entries.store(c.cache_entries, r);
        self.cache_dropped.store(c.cache_dropped, r);
        for (slot, v) in self.own_values.iter().zip(c.extra) {
            slot.store(v, r);
        }
        self.reported.store(true, r);
    }

    /// The plugin's own series with their values (none before its first report).
    fn own_series(&self) -> impl Iterator<Item = (&'static PluginMetric, u64)> + '_ {
        let shown = if self.reported.load(Ordering::Relaxed) {
            self.own
        } else {
            &[]
        };
        shown
            .iter()
            .zip(&self.own_values)
            .map(|(m, v)| (m, v.load(Ordering::Relaxed)))
    }
}

/// Everything the endpoint shows; shared by the runtime (registration at start-up), the
/// data path (slots) and the HTTP thread.
pub struct Metrics {
    daemon: &'static str,
    start: SystemTime,
    workers: Mutex<Vec<Arc<WorkerSlot>>>,
    plugins: Mutex<Vec<Arc<PluginSlot>>>,
    /// Inodes of our UDP sockets, looked up in /proc/net/udp{,6}.
    socket_inodes: Mutex<Vec<u64>>,
    /// SO_RCVBUF the kernel granted each collector socket (`*_pipe_size`; 0: not set up).
    socket_rcvbuf: AtomicU64,
    scrapes: AtomicU64,
}

impl Metrics {
    pub fn new(daemon: &'static str) -> Arc<Metrics> {
        Arc::new(Metrics {
            daemon,
            start: SystemTime::now(),
            workers: Mutex::new(Vec::new()),
            plugins: Mutex::new(Vec::new()),
            socket_inodes: Mutex::new(Vec::new()),
            socket_rcvbuf: AtomicU64::new(0),
            scrapes: AtomicU64::new(0),
        })
    }

    /// A slot for one worker core.
    pub fn worker(&self) -> Arc<WorkerSlot> {
        let s = Arc::new(WorkerSlot::default());
        lock(&self.workers).push(s.clone());
        s
    }

    pub fn add_plugin(&self, slot: Arc<PluginSlot>) {
        lock(&self.plugins).push(slot);
    }

    /// Count the kernel's receive-buffer drops of this socket.
    pub fn add_udp_socket(&self, sock: &std::net::UdpSocket) -> io::Result<()> {
        let ino = socket_inode(sock)?;
        lock(&self.socket_inodes).push(ino);
        Ok(())
    }

    /// The receive buffer the kernel granted the collector sockets (what `getsockopt`
    /// reports: twice the size asked, within net.core.rmem_max).
    pub fn set_socket_rcvbuf(&self, bytes: u64) {
        self.socket_rcvbuf.store(bytes, Ordering::Relaxed);
    }

    /// The exposition text.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(4096);
        self.scrapes.fetch_add(1, Ordering::Relaxed);
        self.render_process(&mut out);
        self.render_cores(&mut out);
        self.render_plugins(&mut out);
        self.render_sockets(&mut out);
        crate::bgp::render_running(&mut out);
        out
    }

    fn render_process(&self, out: &mut String) {
        family(
            out,
            "pmacct_rs_build_info",
            "gauge",
            "Daemon and pmacct-rs version.",
        );
        let _ = writeln!(
            out,
            "pmacct_rs_build_info{{daemon=\"{}\",version=\"{}\"}} 1",
            self.daemon,
            env!("CARGO_PKG_VERSION")
        );
        family(
            out,
            "process_start_time_seconds",
            "gauge",
            "Start time of the process since the epoch in seconds.",
        );
        let t = self
            .start
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let _ = writeln!(out, "process_start_time_seconds {t}");
        family(
            out,
            "pmacct_metrics_scrapes_total",
            "counter",
            "Scrapes of this endpoint, this one included.",
        );
        let _ = writeln!(
            out,
            "pmacct_metrics_scrapes_total {}",
            self.scrapes.load(Ordering::Relaxed)
        );
    }

    fn render_cores(&self, out: &mut String) {
        // Exporters may be seen by several workers (several source ports): sum them.
        let mut exporters: BTreeMap<(String, u32), ExporterSample> = BTreeMap::new();
        let mut errors: BTreeMap<&'static str, u64> = BTreeMap::new();
        let mut templates = 0u64;
        let mut evictions = EVICTION_TABLES.map(|t| (t, 0u64));
        let workers: Vec<Arc<WorkerSlot>> = lock(&self.workers).clone();
        for w in &workers {
            let s = lock(&w.snap);
            let other = s.other.iter().map(|e| ("other".to_string(), e));
            let named = s.exporters.iter().map(|e| (e.addr.to_string(), e));
            for (label, e) in named.chain(other) {
                match exporters.entry((label, e.source_id)) {
                    std::collections::btree_map::Entry::Vacant(v) => {
                        v.insert(*e);
                    }
                    std::collections::btree_map::Entry::Occupied(mut o) => {
                        let t = o.get_mut();
                        t.datagrams += e.datagrams;
                        t.bytes += e.bytes;
                        t.records += e.records;
                        t.seq_jmp_fwd += e.seq_jmp_fwd;
                        t.seq_jmp_bck += e.seq_jmp_bck;
                    }
                }
            }
            for (reason, n) in &s.decode_errors {
                *errors.entry(reason).or_default() += n;
            }
            templates += s.templates;
            for (i, (_, n)) in s.evictions.iter().enumerate() {
                evictions[i].1 += n;
            }
        }
        let series: [Family<ExporterSample>; 3] = [
            (
                "pmacct_exporter_datagrams_total",
                "counter",
                "Export datagrams decoded, per exporter (address, source id / observation domain).",
                |e| e.datagrams,
            ),
            (
                "pmacct_exporter_bytes_total",
                "counter",
                "Bytes of the export datagrams decoded, per exporter.",
                |e| e.bytes,
            ),
            (
                "pmacct_exporter_records_total",
                "counter",
                "Flow records handed to the plugins, per exporter.",
                |e| e.records,
            ),
        ];
        for (name, kind, help, get) in series {
            family(out, name, kind, help);
            for ((addr, sid), e) in &exporters {
                let _ = writeln!(
                    out,
                    "{name}{{exporter=\"{addr}\",source_id=\"{sid}\"}} {}",
                    get(e)
                );
            }
        }
        let name = "pmacct_exporter_sequence_jumps_total";
        family(
            out,
            name,
            "counter",
            "Datagrams whose sequence number was not the expected one (pmacct's seq_jmp_fwd, seq_jmp_bck).",
        );
        for ((addr, sid), e) in &exporters {
            for (direction, n) in [("forward", e.seq_jmp_fwd), ("backward", e.seq_jmp_bck)] {
                let _ = writeln!(
                    out,
                    "{name}{{exporter=\"{addr}\",source_id=\"{sid}\",direction=\"{direction}\"}} {n}"
                );
            }
        }
        family(
            out,
            "pmacct_decode_errors_total",
            "counter",
            "Datagrams rejected, or parts of datagrams skipped, by reason.",
        );
        for (reason, n) in &errors {
            let _ = writeln!(
                out,
                "pmacct_decode_errors_total{{reason=\"{}\"}} {n}",
                escape(reason)
            );
        }
        family(
            out,
            "pmacct_template_cache_templates",
            "gauge",
            "Templates held by the decoders (NetFlow v9/IPFIX).",
        );
        let _ = writeln!(out, "pmacct_template_cache_templates {templates}");
        family(
            out,
            "pmacct_state_evictions_total",
            "counter",
            "Entries evicted from a bounded table keyed by network input (per-exporter stats, templates, template cache exporters): least recently used first.",
        );
        for (table, n) in evictions {
            let _ = writeln!(out, "pmacct_state_evictions_total{{table=\"{table}\"}} {n}");
        }
    }

    fn render_plugins(&self, out: &mut String) {
        let plugins: Vec<Arc<PluginSlot>> = lock(&self.plugins).clone();
        let r = Ordering::Relaxed;
        let label = |p: &PluginSlot| format!("plugin=\"{}\",type=\"{}\"", escape(&p.name), p.kind);
        family(
            out,
            "pmacct_plugin_queue_capacity_batches",
            "gauge",
            "Batches a plugin's queue holds (from plugin_pipe_size).",
        );
        for p in &plugins {
            let _ = writeln!(
                out,
                "pmacct_plugin_queue_capacity_batches{{{}}} {}",
                label(p),
                p.queue_capacity_batches
            );
        }
        let gauges: [Family<PluginSlot>; 3] = [
            (
                "pmacct_plugin_queue_batches",
                "gauge",
                "Batches waiting in a plugin's queue.",
                |p| p.queued_batches.load(Ordering::Relaxed).max(0) as u64,
            ),
            (
                "pmacct_plugin_queue_records",
                "gauge",
                "Records waiting in a plugin's queue.",
                |p| p.queued_records.load(Ordering::Relaxed).max(0) as u64,
            ),
            (
                "pmacct_plugin_cache_entries",
                "gauge",
                "Aggregates in a plugin's cache waiting for the next purge.",
                |p| p.cache_entries.load(Ordering::Relaxed),
            ),
        ];
        for (name, kind, help, get) in gauges {
            family(out, name, kind, help);
            for p in &plugins {
                let _ = writeln!(out, "{name}{{{}}} {}", label(p), get(p));
            }
        }
        family(
            out,
            "pmacct_plugin_purged_records_total",
            "counter",
            "Aggregates written out by a plugin's purges.",
        );
        for p in &plugins {
            let _ = writeln!(
                out,
                "pmacct_plugin_purged_records_total{{{}}} {}",
                label(p),
                p.purged_records.load(r)
            );
        }
        // Reasons of the plugin types' own join the common ones in the family's help.
        let mut help = "Records a plugin lost, by reason: queue_full (plugin too slow for the collector), cache_full (cache full even after an urgent purge)".to_string();
        for m in all_plugin_metrics() {
            if let PluginMetric::Dropped { reason, help: why } = m {
                let _ = write!(help, ", {reason} ({why})");
            }
        }
        help.push('.');
        family(out, "pmacct_plugin_records_dropped_total", "counter", &help);
        for p in &plugins {
            let l = label(p);
            let _ = writeln!(
                out,
                "pmacct_plugin_records_dropped_total{{{l},reason=\"queue_full\"}} {}",
                p.queue_dropped_records.load(r)
            );
            let _ = writeln!(
                out,
                "pmacct_plugin_records_dropped_total{{{l},reason=\"cache_full\"}} {}",
                p.cache_dropped.load(r)
            );
            for (m, v) in p.own_series() {
                if let PluginMetric::Dropped { reason, .. } = m {
                    let _ = writeln!(
                        out,
                        "pmacct_plugin_records_dropped_total{{{l},reason=\"{reason}\"}} {v}"
                    );
                }
            }
        }
        // The plugin types' own families: all announced, rows from the plugins reporting them.
        let mut seen: Vec<&str> = Vec::new();
        for m in all_plugin_metrics() {
            let PluginMetric::Family { name, kind, help } = *m else {
                continue;
            };
            if seen.contains(&name) {
                continue;
            }
            seen.push(name);
            family(out, name, kind, help);
            for p in &plugins {
                for (m, v) in p.own_series() {
                    if matches!(m, PluginMetric::Family { name: n, .. } if *n == name) {
                        let _ = writeln!(out, "{name}{{{}}} {v}", label(p));
                    }
                }
            }
        }
    }

    fn render_sockets(&self, out: &mut String) {
        let inodes: Vec<u64> = lock(&self.socket_inodes).clone();
        if inodes.is_empty() {
            return;
        }
        let mut total = UdpSocketStats::default();
        for path in ["/proc/net/udp", "/proc/net/udp6"] {
            if let Ok(f) = std::fs::File::open(path) {
                let s = udp_socket_stats(io::BufReader::new(f), &inodes);
                total.drops += s.drops;
                total.rx_queue += s.rx_queue;
                total.found += s.found;
            }
        }
        family(
            out,
            "pmacct_socket_receive_drops_total",
            "counter",
            "Datagrams the kernel dropped because the collector socket's receive buffer was full (/proc/net/udp; raise nfacctd_pipe_size / net.core.rmem_max).",
        );
        let _ = writeln!(out, "pmacct_socket_receive_drops_total {}", total.drops);
        family(
            out,
            "pmacct_socket_receive_queue_bytes",
            "gauge",
            "Bytes waiting in the collector sockets' receive buffers.",
        );
        let _ = writeln!(out, "pmacct_socket_receive_queue_bytes {}", total.rx_queue);
        family(
            out,
            "pmacct_socket_receive_buffer_bytes",
            "gauge",
            "Receive buffer the kernel granted each collector socket (SO_RCVBUF from nfacctd_pipe_size / sfacctd_pipe_size, capped by net.core.rmem_max).",
        );
        let _ = writeln!(
            out,
            "pmacct_socket_receive_buffer_bytes {}",
            self.socket_rcvbuf.load(Ordering::Relaxed)
        );
    }
}

/// Every plugin type's own series, in registry order; plugin types sharing one list
/// (mysql, pgsql, sqlite3) announce it once.
fn all_plugin_metrics() -> impl Iterator<Item = &'static PluginMetric> {
    let all = pmacct_plugins::PLUGIN_METRICS;
    all.iter()
        .enumerate()
        .filter(|(i, (_, m))| !all[..*i].iter().any(|(_, seen)| std::ptr::eq(*seen, *m)))
        .flat_map(|(_, (_, m))| m.iter())
}

/// One metric family read from a struct: name, type, help, getter.
pub(crate) type Family<T> = (&'static str, &'static str, &'static str, fn(&T) -> u64);

pub(crate) fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {}", help.replace('\\', "\\\\"));
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// Label value escaping of the text format: backslash, double quote, line feed.
fn escape(v: &str) -> String {
    let mut s = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => s.push_str("\\\\"),
            '"' => s.push_str("\\\""),
            '\n' => s.push_str("\\n"),
            c => s.push(c),
        }
    }
    s
}

/// The socket's inode, as /proc/net/udp lists it.
fn socket_inode(sock: &std::net::UdpSocket) -> io::Result<u64> {
    use std::os::unix::fs::MetadataExt;
    use std::os::unix::io::AsRawFd;
    // /proc/self/fd/N resolves to the socket itself; its inode is the one /proc/net lists.
    let md = std::fs::metadata(format!("/proc/self/fd/{}", sock.as_raw_fd()))?;
    Ok(md.ino())
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct UdpSocketStats {
    /// Sockets of ours found in the table.
    pub found: u64,
    pub drops: u64,
    pub rx_queue: u64,
}

/// Sum the `drops` and `rx_queue` columns of the /proc/net/udp{,6} rows whose inode is ours.
/// Rows that do not parse are skipped (the table is the kernel's, but be strict anyway).
pub fn udp_socket_stats(table: impl BufRead, inodes: &[u64]) -> UdpSocketStats {
    let mut s = UdpSocketStats::default();
    // Header: "sl local_address rem_address st tx_queue rx_queue tr tm->when retrnsmt uid
    // timeout inode ref pointer drops"; tx_queue:rx_queue is one field in the rows.
    for line in table.lines().skip(1) {
        let Ok(line) = line else { break };
        let f: Vec<&str> = line.split_whitespace().take(13).collect();
        if f.len() < 13 {
            continue;
        }
        let Ok(inode) = f[9].parse::<u64>() else {
            continue;
        };
        if !inodes.contains(&inode) {
            continue;
        }
        s.found += 1;
        if let Some((_, rx)) = f[4].split_once(':') {
            s.rx_queue += u64::from_str_radix(rx, 16).unwrap_or(0);
        }
        s.drops += f[12].parse::<u64>().unwrap_or(0);
    }
    s
}

/// The running endpoint.
pub struct Server {
    pub local_addr: SocketAddr,
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl Server {
    /// Stop serving and wait for the thread (at most one accept poll and one client).
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// Bind `listen` now (so a bad address fails the start-up) and serve scrapes from one thread.
pub fn serve(listen: SocketAddr, metrics: Arc<Metrics>) -> io::Result<Server> {
    let listener = TcpListener::bind(listen)?;
    // Polled so that the thread notices shutdown without another wake-up mechanism.
    listener.set_nonblocking(true)?;
    let local_addr = listener.local_addr()?;
    let stop = Arc::new(AtomicBool::new(false));
    let stop2 = stop.clone();
    let handle = std::thread::Builder::new()
        .name("metrics".into())
        .spawn(move || {
            while !stop2.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let _ = handle_client(stream, &metrics);
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(100));
                    }
                    // Out of descriptors and the like: do not spin.
                    Err(_) => std::thread::sleep(Duration::from_millis(100)),
                }
            }
        })?;
    Ok(Server {
        local_addr,
        stop,
        handle: Some(handle),
    })
}

#[derive(Debug, PartialEq, Eq)]
enum Request {
    Metrics { head: bool },
    NotFound,
    MethodNotAllowed,
    Bad,
    TooLarge,
}

/// Read a request head (up to the blank line), at most [`MAX_REQUEST`] bytes, within the
/// client deadline. The body, if any, is ignored (scrapes have none).
fn read_request(stream: &mut impl Read, deadline: Instant) -> io::Result<Request> {
    let mut buf = [0u8; MAX_REQUEST];
    let mut len = 0;
    loop {
        if let Some(end) = find_head_end(&buf[..len]) {
            return Ok(parse_request(&buf[..end]));
        }
        if len == buf.len() {
            return Ok(Request::TooLarge);
        }
        if Instant::now() >= deadline {
            return Err(io::ErrorKind::TimedOut.into());
        }
        let n = stream.read(&mut buf[len..])?;
        if n == 0 {
            return Ok(Request::Bad);
        }
        len += n;
    }
}

fn find_head_end(b: &[u8]) -> Option<usize> {
    b.windows(4).position(|w| w == b"\r\n\r\n").or_else(|| {
        // Bare LF line ends are tolerated (RFC 9112 allows it for robustness).
        b.windows(2).position(|w| w == b"\n\n")
    })
}

fn parse_request(head: &[u8]) -> Request {
    let line = head.split(|&c| c == b'\n').next().unwrap_or(&[]);
    let Ok(line) = std::str::from_utf8(line) else {
        return Request::Bad;
    };
    let mut parts = line.trim_end_matches('\r').split(' ');
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Request::Bad;
    };
    if parts.next().is_some() || !version.starts_with("HTTP/1.") {
        return Request::Bad;
    }
    let head = match method {
        "GET" => false,
        "HEAD" => true,
        _ => return Request::MethodNotAllowed,
    };
    let path = target.split('?').next().unwrap_or("");
    match path {
        "/metrics" | "/" => Request::Metrics { head },
        _ => Request::NotFound,
    }
}

fn handle_client(mut stream: TcpStream, metrics: &Metrics) -> io::Result<()> {
    let deadline = Instant::now() + CLIENT_DEADLINE;
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(1)))?;
    stream.set_write_timeout(Some(CLIENT_DEADLINE))?;
    let req = read_request(&mut stream, deadline)?;
    let (status, body, head) = match req {
        Request::Metrics { head } => ("200 OK", metrics.render(), head),
        Request::NotFound => ("404 Not Found", "try /metrics\n".to_string(), false),
        Request::MethodNotAllowed => ("405 Method Not Allowed", "GET or HEAD\n".to_string(), false),
        Request::Bad => ("400 Bad Request", String::new(), false),
        Request::TooLarge => ("431 Request Header Fields Too Large", String::new(), false),
    };
    let mut resp = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {CONTENT_TYPE}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    if status.starts_with("405") {
        resp.push_str("Allow: GET, HEAD\r\n");
    }
    resp.push_str("\r\n");
    stream.write_all(resp.as_bytes())?;
    if !head {
        stream.write_all(body.as_bytes())?;
    }
    stream.flush()?;
    let _ = stream.shutdown(std::net::Shutdown::Write);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::UdpSocket;

    fn exporter(addr: [u8; 4], sid: u32, datagrams: u64, records: u64) -> ExporterSample {
        ExporterSample {
            addr: IpAddr::from(addr),
            source_id: sid,
            datagrams,
            bytes: datagrams * 100,
            records,
            seq_jmp_fwd: 1,
            seq_jmp_bck: 0,
        }
    }

    /// Every sample line belongs to a family announced by HELP and TYPE before it, and is
    /// `name{labels} integer`.
    fn check_exposition(text: &str) {
        let mut typed: Vec<String> = Vec::new();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                let mut it = rest.split(' ');
                let name = it.next().unwrap().to_string();
                assert!(matches!(it.next(), Some("counter" | "gauge")), "{line}");
                assert!(!typed.contains(&name), "family twice: {name}");
                typed.push(name);
                continue;
            }
            if line.starts_with("# HELP ") {
                continue;
            }
            let (series, value) = line.rsplit_once(' ').expect(line);
            value.parse::<u64>().expect(line);
            let name = series.split('{').next().unwrap();
            assert_eq!(typed.last().map(String::as_str), Some(name), "{line}");
            assert!(name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
            if let Some(labels) = series.strip_prefix(name) {
                if !labels.is_empty() {
                    assert!(labels.starts_with('{') && labels.ends_with('}'), "{line}");
                }
            }
        }
    }

    fn sample<'a>(text: &'a str, series: &str) -> Option<&'a str> {
        text.lines()
            .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
    }

    #[test]
    fn render_sums_workers_and_shows_plugins() {
        let m = Metrics::new("nfacctd");
        let w1 = m.worker();
        let w2 = m.worker();
        assert!(w1.publish(|s| {
            s.push_exporter(exporter([192, 0, 2, 1], 0, 10, 300));
            s.decode_errors.push(("unsupported_version", 2));
            s.templates = 3;
        }));
        assert!(w2.publish(|s| {
            s.push_exporter(exporter([192, 0, 2, 1], 0, 5, 150));
            s.push_exporter(exporter([192, 0, 2, 2], 7, 1, 30));
            s.decode_errors.push(("unsupported_version", 1));
            s.decode_errors.push(("no_template", 4));
            s.templates = 2;
        }));
        let dropped = Arc::new(AtomicU64::new(512));
        let p = Arc::new(PluginSlot::new("out\"1", "print", 40, dropped));
        p.queued(512);
        p.queued(100);
        p.dequeued(512);
        p.store(&PluginCounters {
            purged_records: 77,
            cache_entries: 5,
            cache_dropped: 3,
            ..Default::default()
        });
        m.add_plugin(p);
        let t = m.render();
        check_exposition(&t);
        let ex = "exporter=\"192.0.2.1\",source_id=\"0\"";
        assert_eq!(
            sample(&t, &format!("pmacct_exporter_datagrams_total{{{ex}}}")),
            Some("15")
        );
        assert_eq!(
            sample(&t, &format!("pmacct_exporter_records_total{{{ex}}}")),
            Some("450")
        );
        assert_eq!(
            sample(&t, &format!("pmacct_exporter_bytes_total{{{ex}}}")),
            Some("1500")
        );
        assert_eq!(
            sample(
                &t,
                &format!("pmacct_exporter_sequence_jumps_total{{{ex},direction=\"forward\"}}")
            ),
            Some("2")
        );
        assert_eq!(
            sample(
                &t,
                "pmacct_exporter_records_total{exporter=\"192.0.2.2\",source_id=\"7\"}"
            ),
            Some("30")
        );
        assert_eq!(
            sample(
                &t,
                "pmacct_decode_errors_total{reason=\"unsupported_version\"}"
            ),
            Some("3")
        );
        assert_eq!(
            sample(&t, "pmacct_decode_errors_total{reason=\"no_template\"}"),
            Some("4")
        );
        assert_eq!(sample(&t, "pmacct_template_cache_templates"), Some("5"));
        let pl = "plugin=\"out\\\"1\",type=\"print\"";
        assert_eq!(
            sample(&t, &format!("pmacct_plugin_queue_batches{{{pl}}}")),
            Some("1")
        );
        assert_eq!(
            sample(&t, &format!("pmacct_plugin_queue_records{{{pl}}}")),
            Some("100")
        );
        assert_eq!(
            sample(&t, &format!("pmacct_plugin_queue_capacity_batches{{{pl}}}")),
            Some("40")
        );
        assert_eq!(
            sample(&t, &format!("pmacct_plugin_purged_records_total{{{pl}}}")),
            Some("77")
        );
        assert_eq!(
            sample(&t, &format!("pmacct_plugin_cache_entries{{{pl}}}")),
            Some("5")
        );
        assert_eq!(
            sample(
                &t,
                &format!("pmacct_plugin_records_dropped_total{{{pl},reason=\"queue_full\"}}")
            ),
            Some("512")
        );
        assert_eq!(
            sample(
                &t,
                &format!("pmacct_plugin_records_dropped_total{{{pl},reason=\"cache_full\"}}")
            ),
            Some("3")
        );
        // No kafka plugin: its families are announced but empty, no kafka_undelivered row.
        assert!(!t.contains("reason=\"kafka_undelivered\""));
        assert!(!t.contains("pmacct_kafka_delivery_failures_total{"));
    }

    #[test]
    fn exporters_past_the_cap_are_summed_as_other() {
        let m = Metrics::new("nfacctd");
        let w = m.worker();
        w.publish(|s| {
            for i in 0..MAX_EXPORTER_SERIES as u32 + 3 {
                s.push_exporter(exporter(i.to_be_bytes(), 0, 1, 2));
            }
        });
        let t = m.render();
        let rows = t
            .lines()
            .filter(|l| l.starts_with("pmacct_exporter_records_total{"))
            .count();
        assert_eq!(rows, MAX_EXPORTER_SERIES + 1);
        assert_eq!(
            sample(
                &t,
                "pmacct_exporter_records_total{exporter=\"other\",source_id=\"0\"}"
            ),
            Some("6")
        );
    }

    #[test]
    fn publish_skips_a_slot_being_read_and_refills_in_place() {
        let m = Metrics::new("nfacctd");
        let w = m.worker();
        w.publish(|s| s.templates = 9);
        {
            let _scrape = lock(&w.snap);
            assert!(
                !w.publish(|s| s.templates = 1),
                "must not wait for a scrape"
            );
        }
        assert!(w.publish(|s| s.push_exporter(exporter([10, 0, 0, 1], 1, 1, 1))));
        let s = lock(&w.snap);
        assert_eq!(s.templates, 0, "a publish replaces the whole snapshot");
        assert_eq!(s.exporters.len(), 1);
    }

    /// A kafka plugin's own values: 6 failed, 2 dropped, 4 delivered, 1 buffered.
    fn kafka_values() -> [u64; MAX_PLUGIN_METRICS] {
        pmacct_plugins::kafka::KafkaStats {
            failed: 6,
            dropped: 2,
            delivered: 4,
            buffered_records: 1,
            ..Default::default()
        }
        .metric_values()
    }

    #[test]
    fn kafka_plugin_rows() {
        let m = Metrics::new("nfacctd");
        let p = Arc::new(PluginSlot::new(
            "k",
            "kafka",
            8,
            Arc::new(AtomicU64::new(0)),
        ));
        p.store(&PluginCounters {
            purged_records: 4,
            cache_entries: 0,
            cache_dropped: 0,
            extra: kafka_values(),
        });
        m.add_plugin(p);
        let t = m.render();
        check_exposition(&t);
        let l = "plugin=\"k\",type=\"kafka\"";
        assert_eq!(
            sample(&t, &format!("pmacct_kafka_delivery_failures_total{{{l}}}")),
            Some("6")
        );
        assert_eq!(
            sample(&t, &format!("pmacct_kafka_delivered_records_total{{{l}}}")),
            Some("4")
        );
        assert_eq!(
            sample(&t, &format!("pmacct_kafka_retry_buffer_records{{{l}}}")),
            Some("1")
        );
        assert_eq!(
            sample(
                &t,
                &format!("pmacct_plugin_records_dropped_total{{{l},reason=\"kafka_undelivered\"}}")
            ),
            Some("2")
        );
    }

    /// The plugin types' own series (kafka's) render exactly as when metrics.rs knew
    /// them by name: the dropped reason inside the shared family and its help, then every
    /// family announced, rows only from plugins that reported.
    #[test]
    fn plugin_own_series_text() {
        let m = Metrics::new("nfacctd");
        let slot = |name, kind| {
            let s = Arc::new(PluginSlot::new(name, kind, 4, Arc::new(AtomicU64::new(1))));
            m.add_plugin(s.clone());
            s
        };
        slot("p", "print").store(&PluginCounters::default());
        let k = slot("k", "kafka");
        let _silent = slot("q", "kafka");
        k.store(&PluginCounters {
            cache_dropped: 5,
            extra: kafka_values(),
            ..Default::default()
        });
        let t = m.render();
        let tail = &t[t
            .find("# HELP pmacct_plugin_records_dropped_total")
            .unwrap()..];
        // Other plugin types' families (memory, tee...) follow kafka's: not this test's
        // subject, whatever their order.
        let end = tail
            .match_indices("# HELP pmacct_")
            .skip(1)
            .find(|(i, _)| !tail[*i..].starts_with("# HELP pmacct_kafka_"))
            .map_or(tail.len(), |(i, _)| i);
        let tail = &tail[..end];
        let want = "\
# HELP pmacct_plugin_records_dropped_total Records a plugin lost, by reason: queue_full (plugin too slow for the collector), cache_full (cache full even after an urgent purge), kafka_undelivered (given up after retries), amqp_undelivered (not confirmed by RabbitMQ: buffer full or shutdown timeout), memory_table_full (the memory plugin's table was full (imt_mem_pools_number x imt_mem_pools_size)), sql_not_written (given up by an SQL plugin: queue full while the database was unavailable, or still unwritten at exit).
# TYPE pmacct_plugin_records_dropped_total counter
pmacct_plugin_records_dropped_total{plugin=\"p\",type=\"print\",reason=\"queue_full\"} 1
pmacct_plugin_records_dropped_total{plugin=\"p\",type=\"print\",reason=\"cache_full\"} 0
pmacct_plugin_records_dropped_total{plugin=\"k\",type=\"kafka\",reason=\"queue_full\"} 1
pmacct_plugin_records_dropped_total{plugin=\"k\",type=\"kafka\",reason=\"cache_full\"} 5
pmacct_plugin_records_dropped_total{plugin=\"k\",type=\"kafka\",reason=\"kafka_undelivered\"} 2
pmacct_plugin_records_dropped_total{plugin=\"q\",type=\"kafka\",reason=\"queue_full\"} 1
pmacct_plugin_records_dropped_total{plugin=\"q\",type=\"kafka\",reason=\"cache_full\"} 0
# HELP pmacct_kafka_delivery_failures_total Records in failed Kafka delivery reports or refused by librdkafka (each attempt counts).
# TYPE pmacct_kafka_delivery_failures_total counter
pmacct_kafka_delivery_failures_total{plugin=\"k\",type=\"kafka\"} 6
# HELP pmacct_kafka_delivered_records_total Records whose delivery the Kafka broker acknowledged.
# TYPE pmacct_kafka_delivered_records_total counter
pmacct_kafka_delivered_records_total{plugin=\"k\",type=\"kafka\"} 4
# HELP pmacct_kafka_retry_buffer_records Records held for another delivery attempt.
# TYPE pmacct_kafka_retry_buffer_records gauge
pmacct_kafka_retry_buffer_records{plugin=\"k\",type=\"kafka\"} 1
";
        assert_eq!(tail, want);
        check_exposition(&t);
    }

    /// The kernel's own drop count for a socket nobody reads: what was sent is what was
    /// received plus what /proc/net/udp says was dropped.
    #[test]
    fn socket_drops_from_proc_net_udp() {
        let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket2::SockRef::from(&rx)
            .set_recv_buffer_size(4096)
            .unwrap();
        let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
        let sent = 200u64;
        let payload = [0u8; 1000];
        for _ in 0..sent {
            tx.send_to(&payload, rx.local_addr().unwrap()).unwrap();
        }
        let m = Metrics::new("nfacctd");
        m.add_udp_socket(&rx).unwrap();
        let before = m.render();
        let drops: u64 = sample(&before, "pmacct_socket_receive_drops_total")
            .unwrap()
            .parse()
            .unwrap();
        let queued: u64 = sample(&before, "pmacct_socket_receive_queue_bytes")
            .unwrap()
            .parse()
            .unwrap();
        assert!(queued > 0);
        rx.set_nonblocking(true).unwrap();
        let mut buf = [0u8; 2048];
        let mut received = 0;
        while rx.recv(&mut buf).is_ok() {
            received += 1;
        }
        assert!(drops > 0, "a 4 kB buffer cannot hold 200 kB");
        assert_eq!(received + drops, sent);
        let after = m.render();
        assert_eq!(
            sample(&after, "pmacct_socket_receive_queue_bytes"),
            Some("0")
        );
        assert_eq!(
            sample(&after, "pmacct_socket_receive_buffer_bytes"),
            Some("0")
        );
        m.set_socket_rcvbuf(8192);
        assert_eq!(
            sample(&m.render(), "pmacct_socket_receive_buffer_bytes"),
            Some("8192")
        );
    }

    #[test]
    fn udp_table_rows_parse() {
        let table = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n\
  1: 0100007F:0834 00000000:0000 07 00000000:00000A00 00:00000000 00000000     0        0 4242 2 0000000000000000 17\n\
  2: 0100007F:0835 00000000:0000 07 00000000:00000100 00:00000000 00000000     0        0 999 2 0000000000000000 5\n\
  3: garbage\n";
        let s = udp_socket_stats(table.as_bytes(), &[4242]);
        assert_eq!(
            s,
            UdpSocketStats {
                found: 1,
                drops: 17,
                rx_queue: 0xA00
            }
        );
    }

    fn http(addr: SocketAddr, req: &[u8]) -> String {
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.write_all(req).unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    }

    #[test]
    fn http_endpoint() {
        let m = Metrics::new("nfacctd");
        m.worker().publish(|s| s.templates = 4);
        let srv = serve("127.0.0.1:0".parse().unwrap(), m.clone()).unwrap();
        let a = srv.local_addr;
        let r = http(
            a,
            b"GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n",
        );
        let (head, body) = r.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
        assert!(head.contains("Content-Type: text/plain; version=0.0.4"));
        assert!(head.contains(&format!("Content-Length: {}", body.len())));
        assert_eq!(sample(body, "pmacct_template_cache_templates"), Some("4"));
        check_exposition(body);
        assert_eq!(sample(body, "pmacct_metrics_scrapes_total"), Some("1"));

        let r = http(a, b"HEAD /metrics?x=1 HTTP/1.0\r\n\r\n");
        assert!(
            r.starts_with("HTTP/1.1 200 OK\r\n") && r.ends_with("\r\n\r\n"),
            "{r}"
        );
        let r = http(a, b"GET /nope HTTP/1.1\r\n\r\n");
        assert!(r.starts_with("HTTP/1.1 404 "), "{r}");
        let r = http(a, b"POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
        assert!(
            r.starts_with("HTTP/1.1 405 ") && r.contains("Allow: GET, HEAD"),
            "{r}"
        );
        let r = http(a, b"garbage\r\n\r\n");
        assert!(r.starts_with("HTTP/1.1 400 "), "{r}");
        // A head that never ends is cut at MAX_REQUEST.
        let mut big = b"GET /metrics HTTP/1.1\r\nX: ".to_vec();
        big.resize(MAX_REQUEST + 100, b'a');
        let r = http(a, &big);
        assert!(r.starts_with("HTTP/1.1 431 "), "{r}");
        // A client that connects and says nothing is dropped at the deadline; the next
        // scrape is then served.
        let idle = TcpStream::connect(a).unwrap();
        let t0 = Instant::now();
        let r = http(a, b"GET / HTTP/1.1\r\n\r\n");
        assert!(r.starts_with("HTTP/1.1 200 "));
        assert!(t0.elapsed() < CLIENT_DEADLINE + Duration::from_secs(2));
        drop(idle);
        srv.stop();
        assert!(
            TcpStream::connect(a).is_err(),
            "stopped server still listening"
        );
    }

    /// A plugin that blocks in `process` until told to go on: the queue fills behind it.
    struct Gated {
        go: std::sync::mpsc::Receiver<()>,
        seen: u64,
    }

    impl pmacct_plugins::Plugin for Gated {
        fn name(&self) -> &str {
            "g"
        }
        fn kind(&self) -> &'static str {
            "print"
        }
        fn process_batch(
            &mut self,
            batch: &[pmacct_flow::Flow],
            _: &[pmacct_flow::custom::CustomValues],
        ) {
            let _ = self.go.recv();
            self.seen += batch.len() as u64;
        }
        fn next_purge(&self) -> SystemTime {
            SystemTime::now() + Duration::from_secs(3600)
        }
        fn purge(&mut self, _: SystemTime) -> anyhow::Result<()> {
            Ok(())
        }
        fn shutdown(&mut self, _: SystemTime) -> anyhow::Result<()> {
            Ok(())
        }
        fn counters(&self) -> PluginCounters {
            PluginCounters {
                purged_records: self.seen,
                ..Default::default()
            }
        }
    }

    fn wait_for(m: &Metrics, series: &str, want: u64) -> String {
        let t0 = Instant::now();
        loop {
            let t = m.render();
            if sample(&t, series) == Some(want.to_string().as_str()) {
                return t;
            }
            assert!(
                t0.elapsed() < Duration::from_secs(10),
                "{series} != {want}:\n{t}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Queue depth and queue_full drops as the pipeline counts them, with a real plugin
    /// thread behind a bounded queue.
    #[test]
    fn plugin_queue_depth_and_drops() {
        use crate::pipeline::{spawn_plugin_observed, Backpressure};
        let m = Metrics::new("nfacctd");
        let (go, rx) = std::sync::mpsc::channel();
        let t = spawn_plugin_observed(Box::new(Gated { go: rx, seen: 0 }), vec![], 2, Some(&m))
            .unwrap();
        let batch = Arc::new(pmacct_flow::FlowBatch::from_flows(
            &[pmacct_flow::Flow::default(); 10],
        ));
        let l = "plugin=\"g\",type=\"print\"";
        // The thread takes the first batch and blocks in process(); two more fill the queue.
        assert!(t.tx.send(&batch, &Backpressure::Drop));
        wait_for(&m, &format!("pmacct_plugin_queue_batches{{{l}}}"), 0);
        assert!(t.tx.send(&batch, &Backpressure::Drop));
        assert!(t.tx.send(&batch, &Backpressure::Drop));
        let r = wait_for(&m, &format!("pmacct_plugin_queue_records{{{l}}}"), 20);
        assert_eq!(
            sample(&r, &format!("pmacct_plugin_queue_batches{{{l}}}")),
            Some("2")
        );
        assert_eq!(
            sample(&r, &format!("pmacct_plugin_queue_capacity_batches{{{l}}}")),
            Some("2")
        );
        // Full: a live source drops the batch and counts its records.
        assert!(!t.tx.send(&batch, &Backpressure::Drop));
        let r = m.render();
        assert_eq!(
            sample(&r, &format!("pmacct_plugin_queue_records{{{l}}}")),
            Some("20")
        );
        assert_eq!(
            sample(
                &r,
                &format!("pmacct_plugin_records_dropped_total{{{l},reason=\"queue_full\"}}")
            ),
            Some("10")
        );
        for _ in 0..3 {
            go.send(()).unwrap();
        }
        let crate::pipeline::PluginThread { tx, handle } = t;
        drop(tx);
        handle.join().unwrap();
        let r = m.render();
        assert_eq!(
            sample(&r, &format!("pmacct_plugin_queue_records{{{l}}}")),
            Some("0")
        );
        // The plugin's own counters, stored by its thread at shutdown.
        assert_eq!(
            sample(&r, &format!("pmacct_plugin_purged_records_total{{{l}}}")),
            Some("30")
        );
    }
}
