//! The collector runtime: threads, sources (sockets or savefile), control loop and shutdown.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use pmacct_flow::Stage;
use pmacct_plugins::Plugin;
use pmacct_wire::Timestamp;

use crate::core::{Core, CoreOptions, Datagram, Decoder};
use crate::metrics::{Metrics, Publisher};
use crate::pipeline::{spawn_plugin_bounded, Backpressure, PluginThread, QueueBound};
use crate::signals::Flags;
use crate::{plog, process, savefile, udp};

pub struct Savefile {
    pub path: String,
    /// `pcap_savefile_wait`: do not exit at end of file (wait for a signal).
    pub wait: bool,
    /// `pcap_savefile_delay`: seconds to sleep before reading.
    pub delay: u64,
    /// `pcap_savefile_replay`: times to read the file.
    pub replay: u64,
    /// The decoder takes whole frames stamped with the capture time (pmacctd), not the UDP
    /// payloads of export datagrams stamped on arrival (nfacctd, sfacctd).
    pub frames: bool,
}

/// A source the runtime does not know (pmacctd's live capture), run in its own thread.
pub type CustomSource = Box<dyn FnOnce(&mut Core, &mut SourceCtx) + Send>;

/// Where a daemon's input comes from.
pub enum Source {
    /// Export datagrams on a UDP socket: one SO_REUSEPORT socket and `Core` per worker.
    Udp {
        listen: SocketAddr,
        /// `*_pipe_size`: socket receive buffer wanted.
        rcvbuf: Option<usize>,
        /// One when `opts` joins multicast groups (`collector::udp_source`).
        workers: usize,
        opts: udp::SockOpts,
        /// `nfacctd_templates_port`: one more socket, read by its own thread, whose
        /// datagrams go to the worker that decodes their exporter's data.
        templates: Option<SocketAddr>,
    },
    Savefile(Savefile),
    /// Anything else (pmacctd's live capture): runs in one worker thread with its `Core`
    /// until the source ends or `ctx.stopped()`.
    Custom(CustomSource),
}

/// What a running source needs from the runtime: the stop flag and SIGUSR1 requests.
pub struct SourceCtx {
    stop: Arc<AtomicBool>,
    /// Set by a source that could not start (missing interface or savefile, no
    /// permission): the daemon exits 1 after purging, as pmacct 1.7.7 does.
    failed: Arc<AtomicBool>,
    stats_gen: Arc<AtomicU64>,
    seen: u64,
}

impl SourceCtx {
    /// SIGINT/SIGTERM received: the source should return.
    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// The source could not run: the process exits with status 1.
    pub fn fail(&self) {
        self.failed.store(true, Ordering::Relaxed);
    }

    /// Log the core's stats if SIGUSR1 asked since the last call; true if it did, so the
    /// source can add its own (libpcap received/dropped).
    pub fn tick(&mut self, core: &Core) -> bool {
        let g = self.stats_gen.load(Ordering::Relaxed);
        if g == self.seen {
            return false;
        }
        self.seen = g;
        core.log_stats();
        true
    }
}

/// A plugin instance with the stages that run in its thread before its cache.
pub struct PluginSpec {
    pub plugin: Box<dyn Plugin>,
    pub stages: Vec<Box<dyn Stage>>,
    /// What its queue holds (from its plugin_pipe_size, see `collector::queue_batches`).
    pub queue: QueueBound,
    /// Its `proc_priority` (None: not set).
    pub priority: Option<i32>,
}

pub struct Spec {
    /// pmacct's name for the core in logs (`core_proc_name`, default "default").
    pub core_name: String,
    pub source: Source,
    /// What the daemon collects, for log lines ("NetFlow/IPFIX", "sFlow", "packets").
    pub data_label: &'static str,
    /// The key whose value `rcvbuf` came from, for the log line (`nfacctd_pipe_size`...).
    pub pipe_size_key: pmacct_config::Key,
    /// `*_renormalize` done by the core (None: off, or done by a stage or the decoder).
    pub renormalize: Option<pmacct_flow::Renormalize>,
    pub plugins: Vec<PluginSpec>,
    pub pidfile: Option<String>,
    /// One decoder per worker.
    pub new_decoder: Box<dyn Fn() -> Box<dyn Decoder> + Send + Sync>,
    /// Core stages per worker (pre_tag_map...).
    pub new_core_stages: Box<dyn Fn() -> Vec<Box<dyn Stage>> + Send + Sync>,
    /// Called on SIGUSR2 (maps_refresh): each reloads one map; an error keeps the old map.
    pub reloaders: Vec<Box<dyn FnMut() -> Result<(), String> + Send>>,
    /// The metrics endpoint's registry (`metrics_http_listen`), if configured.
    pub metrics: Option<Arc<Metrics>>,
    /// `*_disable_checks: false`: the `collector=` label of sequence-jump lines.
    pub seq_checks: Option<String>,
    /// `exporter_stats_entries`: cap of each core's per-exporter stats.
    pub max_exporters: usize,
}

fn now_ts() -> Timestamp {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Timestamp::new(d.as_secs(), d.subsec_micros())
}

/// Run until SIGINT/SIGTERM or the end of the savefile. Returns the exit code.
pub fn run(spec: Spec, flags: Flags) -> i32 {
    let Spec {
        core_name,
        source,
        data_label,
        pipe_size_key,
        renormalize,
        plugins,
        pidfile,
        new_decoder,
        new_core_stages,
        mut reloaders,
        metrics,
        seq_checks,
        max_exporters,
    } = spec;
    let mut threads: Vec<PluginThread> = Vec::new();
    let mut pidfiles = Vec::new();
    if let Some(pf) = &pidfile {
        if let Err(e) = process::write_pidfile(pf) {
            plog!(
                Warn,
                &core_name,
                "core",
                "Unable to write pidfile '{}': {}",
                pf,
                e
            );
        } else {
            pidfiles.push(pf.clone());
        }
    }
    for PluginSpec {
        mut plugin,
        stages,
        queue,
        priority,
    } in plugins
    {
        // Live sockets: a plugin aggregates on several threads when there are enough
        // workers for one plugin thread to be the ceiling (collector::plugin_shards). A savefile keeps one (its reader is a
        // single thread, and one cache keeps pmacct's exact urgent-purge points).
        if let Source::Udp { workers: n, .. } = &source {
            plugin.set_shards(crate::collector::plugin_shards(*n));
        }
        // A plugin's own maps (tee_receivers) reload on SIGUSR2 with the others.
        if let Some(r) = plugin.reloader() {
            reloaders.push(r);
        }
        if let Some(pf) = &pidfile {
            let path = process::plugin_pidfile(pf, plugin.kind(), plugin.name());
            if process::write_pidfile(&path).is_ok() {
                pidfiles.push(path);
            }
        }
        match spawn_plugin_bounded(plugin, stages, queue, priority, metrics.as_deref()) {
            Ok(t) => threads.push(t),
            Err(e) => {
                plog!(
                    Error,
                    &core_name,
                    "core",
                    "unable to start plugin thread: {}",
                    e
                );
                return 1;
            }
        }
    }
    let txs: Vec<_> = threads.iter().map(|t| t.tx.clone()).collect();
    let stats_gen = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let failed = Arc::new(AtomicBool::new(false));
    let ctx = |stop: &Arc<AtomicBool>, gen: &Arc<AtomicU64>| SourceCtx {
        stop: stop.clone(),
        failed: failed.clone(),
        stats_gen: gen.clone(),
        seen: gen.load(Ordering::Relaxed),
    };
    let new_core = |backpressure: Backpressure, label: String| {
        let opts = CoreOptions {
            renormalize,
            backpressure,
            listen_label: label,
            max_exporters,
        };
        let mut core = Core::new(new_decoder(), new_core_stages(), txs.clone(), opts);
        core.set_seq_checks(seq_checks.clone());
        if let Some(m) = &metrics {
            core.set_metrics(Publisher::new(m.worker()));
        }
        core
    };
    let mut workers = Vec::new();

    match source {
        Source::Savefile(sf) => {
            plog!(
                Info,
                &core_name,
                "core",
                "reading {} data from: {}",
                data_label,
                sf.path
            );
            let mut core = new_core(Backpressure::Block, sf.path.clone());
            let mut cx = ctx(&stop, &stats_gen);
            let name = core_name.clone();
            workers.push(std::thread::spawn(move || {
                read_savefile(&sf, &mut core, &mut cx, &name);
                core.flush();
                if sf.wait {
                    plog!(Info, &name, "core", "finished reading PCAP capture file");
                    while !cx.stopped() {
                        std::thread::sleep(Duration::from_millis(100));
                    }
                }
            }));
        }
        Source::Custom(run_source) => {
            let mut core = new_core(Backpressure::Drop, data_label.to_string());
            let mut cx = ctx(&stop, &stats_gen);
            workers.push(std::thread::spawn(move || {
                run_source(&mut core, &mut cx);
                core.flush();
            }));
        }
        Source::Udp {
            listen,
            rcvbuf,
            workers: n,
            opts,
            templates,
        } => {
            let label = format!("{}:{}", listen.ip(), listen.port());
            // Every worker's socket joins the SO_REUSEPORT group before anything else is done:
            // the kernel delivers to a socket as soon as it is bound, and until the group is
            // whole an exporter steered to a later socket reaches an earlier one (its
            // templates then in one worker, its data in another). Binding back to back
            // keeps that window to microseconds (a core built or a thread spawned between
            // two binds made it milliseconds).
            let mut sockets = Vec::with_capacity(n.max(1));
            for i in 0..n.max(1) {
                let bound = match udp::bind(listen, rcvbuf, &opts) {
                    Ok(b) => b,
                    Err(e) => {
                        plog!(
                            Error,
                            &core_name,
                            "core",
                            "bind to {} failed: {}",
                            listen,
                            e
                        );
                        return 1;
                    }
                };
                if i == 0 {
                    if bound.v6only_failed {
                        // 1.7.7's words for its failed setsockopt (an IPv4 socket).
                        plog!(
                            Warn,
                            &core_name,
                            "core",
                            "setsockopt() failed for IPV6_V6ONLY."
                        );
                    }
                    // Only one socket joins: the kernel hands a group's datagrams to the
                    // members of a SO_REUSEPORT group, each a copy (and `collector::udp_source`
                    // keeps multicast collection to one worker anyway).
                    if let Err((g, e)) = udp::join_groups(&bound.socket, &opts.mcast_groups) {
                        let fam = if g.is_ipv4() { "IPv4" } else { "IPv6" };
                        plog!(
                            Error,
                            &core_name,
                            "core",
                            "{} multicast address - ADD membership failed. ({}: {}) Exiting.",
                            fam,
                            g,
                            e
                        );
                        return 1;
                    }
                }
                // Steering is attached to the group through its first socket, before the
                // others join (the program indexes sockets in bind order).
                let steer = (i == 0 && n > 1).then(|| udp::steer_by_source(&bound.socket, n));
                sockets.push((bound, steer));
            }
            // Whether the kernel steers by source address: then the templates socket's
            // datagrams are handed to the worker the exporter's data reaches.
            let steered = matches!(sockets.first(), Some((_, Some(Ok(())))));
            let mut side_rxs: Vec<Option<TemplatesRx>> = Vec::new();
            if let Some(addr) = templates {
                let bound = match udp::bind(addr, None, &udp::SockOpts::default()) {
                    Ok(b) => b,
                    Err(e) => {
                        plog!(Error, &core_name, "core", "bind to {} failed: {}", addr, e);
                        return 1;
                    }
                };
                let mut txs = Vec::with_capacity(sockets.len());
                for _ in 0..sockets.len() {
                    let (tx, rx) = std::sync::mpsc::sync_channel(TEMPLATES_QUEUE);
                    txs.push(tx);
                    side_rxs.push(Some(rx));
                }
                let stop = stop.clone();
                let name = core_name.clone();
                let sock = bound.socket;
                workers.push(std::thread::spawn(move || {
                    templates_loop(&sock, &txs, steered, &stop, &name)
                }));
            }
            for (i, (bound, steer)) in sockets.into_iter().enumerate() {
                if let Some(Err(e)) = steer {
                    plog!(
                        Warn,
                        &core_name,
                        "core",
                        "workers chosen by the kernel's 4-tuple hash: an exporter sending from several ports may meet workers without its templates ({})",
                        e
                    );
                }
                if i == 0 {
                    plog!(
                        Info,
                        &core_name,
                        "core",
                        "waiting for {} data on {}",
                        data_label,
                        listen
                    );
                    if let Some(t) = templates {
                        plog!(
                            Info,
                            &core_name,
                            "core",
                            "waiting for {} templates on {}",
                            data_label,
                            t
                        );
                    }
                    if let Some(want) = rcvbuf {
                        plog!(
                            Info,
                            &core_name,
                            "core",
                            "{}: obtained={} target={}",
                            pipe_size_key.name(),
                            bound.rcvbuf,
                            want
                        );
                    }
                }
                if let Some(m) = &metrics {
                    if let Err(e) = m.add_udp_socket(&bound.socket) {
                        plog!(
                            Warn,
                            &core_name,
                            "core",
                            "metrics: socket drops not available: {}",
                            e
                        );
                    }
                }
                if let Some(m) = &metrics {
                    m.set_socket_rcvbuf(bound.rcvbuf as u64);
                }
                let mut core = new_core(Backpressure::Drop, label.clone());
                let mut cx = ctx(&stop, &stats_gen);
                let rcvbuf = bound.rcvbuf;
                let sock = bound.socket;
                let side = side_rxs.get_mut(i).and_then(Option::take);
                workers.push(std::thread::spawn(move || {
                    // Built in its thread: the batch headers hold raw pointers (not Send).
                    receive_loop(udp::Receiver::new(sock), &mut core, &mut cx, rcvbuf, side)
                }));
            }
        }
    }
    // The workers hold the only queue ends now.
    drop(txs);

    // Control loop: act on signals; notice when the sources have finished.
    loop {
        if Flags::take(&flags.reopen_logs) {
            crate::log::reopen();
        }
        if Flags::take(&flags.stats) {
            stats_gen.fetch_add(1, Ordering::Relaxed);
            crate::pipeline::STATS_GEN.fetch_add(1, Ordering::Relaxed);
            crate::bgp::log_stats(&core_name);
            for t in &threads {
                let d = t.tx.dropped_records.load(Ordering::Relaxed);
                plog!(
                    Notice,
                    &t.tx.name,
                    t.tx.kind,
                    "stats queue_dropped_records={}",
                    d
                );
            }
        }
        if Flags::take(&flags.reload_maps) {
            if reloaders.is_empty() {
                plog!(
                    Info,
                    &core_name,
                    "core",
                    "SIGUSR2: no maps loaded to reload"
                );
            }
            let mut reloaded = 0;
            for r in reloaders.iter_mut() {
                match r() {
                    Ok(()) => reloaded += 1,
                    Err(e) => plog!(
                        Warn,
                        &core_name,
                        "core",
                        "map reload failed, keeping the previous map: {}",
                        e
                    ),
                }
            }
            // pmacct-rs extension: say when the new maps are in place (pmacct is silent), so
            // an operator (or a test) knows flows from now on meet them.
            if !reloaders.is_empty() {
                plog!(
                    Info,
                    &core_name,
                    "core",
                    "SIGUSR2: {} of {} maps reloaded",
                    reloaded,
                    reloaders.len()
                );
            }
        }
        if flags.shutdown.load(Ordering::Relaxed) {
            stop.store(true, Ordering::Relaxed);
        }
        if workers.iter().all(|w| w.is_finished()) {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    for w in workers {
        let _ = w.join();
    }
    // Workers have dropped their queue ends: plugins see the disconnect and purge.
    let mut rc = 0;
    for t in threads {
        let PluginThread { tx, handle } = t;
        drop(tx);
        if handle.join().is_err() {
            rc = 1;
        }
    }
    for p in pidfiles {
        process::remove_pidfile(&p);
    }
    if failed.load(Ordering::Relaxed) {
        return 1;
    }
    plog!(Info, &core_name, "core", "OK, Exiting ...");
    rc
}

/// A datagram of the templates socket: its (unmapped) source and payload.
type SideDatagram = (SocketAddr, Vec<u8>);
type TemplatesRx = std::sync::mpsc::Receiver<SideDatagram>;

/// Datagrams of the templates socket waiting for one worker: templates come seldom; a
/// flood of them past this is dropped (counted, logged), never buffered without bound.
const TEMPLATES_QUEUE: usize = 256;

/// The `nfacctd_templates_port` socket's thread: each datagram goes to the worker that
/// decodes its exporter's data (the one the kernel steers the exporter's address to), so
/// the templates it carries are there when the data comes. Without steering (one worker,
/// or the kernel refused the program) to the first worker.
fn templates_loop(
    sock: &std::net::UdpSocket,
    txs: &[std::sync::mpsc::SyncSender<SideDatagram>],
    steered: bool,
    stop: &AtomicBool,
    core_name: &str,
) {
    let mut buf = vec![0u8; 65536];
    let mut dropped = 0u64;
    let mut last_log: Option<Instant> = None;
    while !stop.load(Ordering::Relaxed) {
        match sock.recv_from(&mut buf) {
            Ok((n, src)) => {
                let src = udp::unmap(src);
                let w = if steered {
                    udp::steered_worker(src.ip(), txs.len())
                } else {
                    0
                };
                let Some(tx) = txs.get(w) else {
                    continue;
                };
                match tx.try_send((src, buf[..n].to_vec())) {
                    Ok(()) => {}
                    Err(std::sync::mpsc::TrySendError::Full(_)) => {
                        dropped += 1;
                        if last_log.is_none_or(|t| t.elapsed() >= Duration::from_secs(60)) {
                            last_log = Some(Instant::now());
                            plog!(
                                Warn,
                                core_name,
                                "core",
                                "templates port: worker {} busy, datagram from {} dropped ({} so far)",
                                w,
                                src,
                                dropped
                            );
                        }
                    }
                    Err(std::sync::mpsc::TrySendError::Disconnected(_)) => return,
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock
                        | std::io::ErrorKind::TimedOut
                        | std::io::ErrorKind::Interrupted
                ) => {}
            Err(e) => {
                plog!(
                    Error,
                    core_name,
                    "core",
                    "templates port: recv failed: {}",
                    e
                );
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }
}

/// Decode what the templates socket's thread handed this worker (at most a queue's worth).
fn drain_templates(side: Option<&TemplatesRx>, core: &mut Core) {
    let Some(side) = side else {
        return;
    };
    for _ in 0..TEMPLATES_QUEUE {
        let Ok((src, data)) = side.try_recv() else {
            return;
        };
        core.on_templates_port_datagram(&Datagram {
            src,
            data: &data,
            arrival: now_ts(),
            captured: None,
            linktype: 0,
            wirelen: 0,
        });
    }
}

fn receive_loop(
    mut rx: udp::Receiver,
    core: &mut Core,
    cx: &mut SourceCtx,
    rcvbuf: usize,
    side: Option<TemplatesRx>,
) {
    let mut last_flush = Instant::now();
    let mut gather = udp::Gather::new(rcvbuf);
    let mut last_take = Instant::now();
    // The batch being filled: its flows after the last take, and since when it fills.
    let (mut batch_len, mut batch_since) = (0, last_take);
    while !cx.stopped() {
        let got = rx.recv();
        if rx.take_truncated() > 0 {
            plog!(
                Warn,
                "default",
                "core",
                "[{}] a coalesced UDP message (receive offload) over 64 KiB was cut: datagrams lost; offload turned off for this socket",
                core.listen_label()
            );
        }
        // Templates that came in on the templates port first: the data just read may be
        // what they describe.
        drain_templates(side.as_ref(), core);
        match got {
            Ok(n) => {
                let took = Instant::now();
                // One clock read per batch: the datagrams of a batch arrived together.
                let arrival = now_ts();
                let mut bytes = 0;
                for i in 0..n {
                    let Some((src, data)) = rx.get(i) else {
                        continue;
                    };
                    bytes += data.len();
                    core.on_datagram(&Datagram {
                        src: udp::unmap(src),
                        data,
                        arrival,
                        captured: None,
                        linktype: 0,
                        wirelen: 0,
                    });
                }
                if last_flush.elapsed() >= Duration::from_millis(100) {
                    core.flush();
                    last_flush = Instant::now();
                }
                // A new batch began in this take (the last one was handed out, or none was
                // filling).
                let len = core.batch_len();
                if len < batch_len || batch_len == 0 {
                    batch_since = took;
                }
                batch_len = len;
                // A short take means the worker keeps up: let datagrams gather before the
                // next call, so that one wake-up reads many.
                if let Some(wait) = gather.after_take(n, bytes, took - last_take) {
                    core.before_wait(took - batch_since);
                    std::thread::sleep(wait);
                }
                last_take = took;
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                core.flush();
                last_flush = Instant::now();
                gather.idle();
                last_take = last_flush;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                plog!(Error, "default", "core", "recv failed: {}", e);
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        if cx.tick(core) {
            plog!(
                Notice,
                "default",
                "core",
                "stats [{}] socket rcvbuf={} kernel_drops={} gro={} coalesced={}",
                core.listen_label(),
                rcvbuf,
                rx.kernel_drops().unwrap_or(0),
                if rx.gro() { "on" } else { "off" },
                rx.coalesced()
            );
        }
    }
    core.flush();
}

fn read_savefile(sf: &Savefile, core: &mut Core, cx: &mut SourceCtx, core_name: &str) {
    if sf.delay > 0 {
        std::thread::sleep(Duration::from_secs(sf.delay));
    }
    let unspecified = SocketAddr::from(([0, 0, 0, 0], 0));
    for _ in 0..sf.replay.max(1) {
        let mut cap = match savefile::Reader::open(&sf.path) {
            Ok(c) => c,
            Err(e) => {
                plog!(
                    Error,
                    core_name,
                    "core",
                    "{}",
                    crate::savefile::open_error(&sf.path, &e)
                );
                cx.fail();
                return;
            }
        };
        let linktype = cap.linktype() as u32;
        loop {
            if cx.stopped() {
                return;
            }
            match cap.next_frame() {
                Ok(Some(pkt)) if sf.frames => {
                    core.on_datagram(&Datagram {
                        src: unspecified,
                        data: pkt.data,
                        arrival: pkt.time(),
                        captured: None,
                        linktype,
                        wirelen: pkt.len,
                    });
                }
                Ok(Some(pkt)) => match savefile::udp_from_frame(linktype as i32, pkt.data) {
                    Ok(d) => core.on_datagram(&Datagram {
                        src: SocketAddr::new(d.src, d.src_port),
                        data: d.payload,
                        arrival: now_ts(),
                        captured: Some(pkt.time()),
                        linktype: 0,
                        wirelen: 0,
                    }),
                    Err(_) => core.drops_add("savefile_not_udp"),
                },
                Ok(None) => break,
                Err(e) => {
                    plog!(
                        Warn,
                        core_name,
                        "core",
                        "pcap_savefile '{}': {}",
                        sf.path,
                        e
                    );
                    break;
                }
            }
            cx.tick(core);
        }
    }
}
