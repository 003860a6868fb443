//! The collector runtime: threads, sources (sockets or savefile), control loop and shutdown.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use pmacct_plugins::Plugin;
use pmacct_wire::netflow::NetflowDecoder;
use pmacct_wire::Timestamp;

use crate::core::{Core, CoreOptions};
use crate::pipeline::{spawn_plugin, Backpressure, PluginThread};
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
}

pub struct Spec {
    /// pmacct's name for the core in logs (`core_proc_name`, default "default").
    pub core_name: String,
    pub listen: SocketAddr,
    pub rcvbuf: Option<usize>,
    pub savefile: Option<Savefile>,
    pub renormalize: bool,
    pub account_options: bool,
    pub plugins: Vec<Box<dyn Plugin>>,
    /// Batches each plugin queue holds (derived from plugin_pipe_size).
    pub queue_batches: usize,
    pub pidfile: Option<String>,
    pub workers: usize,
    pub new_decoder: Box<dyn Fn() -> NetflowDecoder + Send + Sync>,
}

fn now_ts() -> Timestamp {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Timestamp::new(d.as_secs(), d.subsec_micros())
}

/// Run until SIGINT/SIGTERM or the end of the savefile. Returns the exit code.
pub fn run(spec: Spec, flags: Flags) -> i32 {
    let core_name = spec.core_name.clone();
    let mut threads: Vec<PluginThread> = Vec::new();
    let mut pidfiles = Vec::new();
    if let Some(pf) = &spec.pidfile {
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
    for p in spec.plugins {
        if let Some(pf) = &spec.pidfile {
            let path = process::plugin_pidfile(pf, p.kind(), p.name());
            if process::write_pidfile(&path).is_ok() {
                pidfiles.push(path);
            }
        }
        match spawn_plugin(p, spec.queue_batches) {
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
    let label = format!("{}:{}", spec.listen.ip(), spec.listen.port());
    let mut workers = Vec::new();

    if let Some(sf) = spec.savefile {
        plog!(
            Info,
            &core_name,
            "core",
            "reading NetFlow/IPFIX data from: {}",
            sf.path
        );
        let opts = CoreOptions {
            renormalize: spec.renormalize,
            account_options: spec.account_options,
            backpressure: Backpressure::Block,
            listen_label: label.clone(),
        };
        let mut core = Core::new((spec.new_decoder)(), txs.clone(), opts);
        let stop2 = stop.clone();
        let gen = stats_gen.clone();
        let name = core_name.clone();
        workers.push(std::thread::spawn(move || {
            read_savefile(&sf, &mut core, &stop2, &gen, &name);
            core.flush();
            if sf.wait {
                while !stop2.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        }));
    } else {
        let n = spec.workers.max(1);
        for i in 0..n {
            let bound = match udp::bind(spec.listen, spec.rcvbuf) {
                Ok(b) => b,
                Err(e) => {
                    plog!(
                        Error,
                        &core_name,
                        "core",
                        "bind to {} failed: {}",
                        spec.listen,
                        e
                    );
                    return 1;
                }
            };
            if i == 0 {
                plog!(
                    Info,
                    &core_name,
                    "core",
                    "waiting for NetFlow/IPFIX data on {}",
                    spec.listen
                );
                if let Some(want) = spec.rcvbuf {
                    plog!(
                        Info,
                        &core_name,
                        "core",
                        "nfacctd_pipe_size: obtained={} target={}",
                        bound.rcvbuf,
                        want
                    );
                }
            }
            let opts = CoreOptions {
                renormalize: spec.renormalize,
                account_options: spec.account_options,
                backpressure: Backpressure::Drop,
                listen_label: label.clone(),
            };
            let mut core = Core::new((spec.new_decoder)(), txs.clone(), opts);
            let stop2 = stop.clone();
            let gen = stats_gen.clone();
            workers.push(std::thread::spawn(move || {
                receive_loop(bound.socket, &mut core, &stop2, &gen)
            }));
        }
    }
    drop(txs);

    // Control loop: act on signals; notice when the sources have finished.
    loop {
        if Flags::take(&flags.reopen_logs) {
            crate::log::reopen();
        }
        if Flags::take(&flags.stats) {
            stats_gen.fetch_add(1, Ordering::Relaxed);
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
            plog!(
                Info,
                &core_name,
                "core",
                "SIGUSR2: no maps loaded to reload"
            );
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
    plog!(Info, &core_name, "core", "OK, Exiting ...");
    rc
}

fn maybe_stats(core: &Core, gen: &AtomicU64, seen: &mut u64) {
    let g = gen.load(Ordering::Relaxed);
    if g != *seen {
        *seen = g;
        core.log_stats();
    }
}

fn receive_loop(sock: std::net::UdpSocket, core: &mut Core, stop: &AtomicBool, gen: &AtomicU64) {
    let mut buf = vec![0u8; 65536];
    let mut seen = gen.load(Ordering::Relaxed);
    let mut last_flush = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        match sock.recv_from(&mut buf) {
            Ok((n, src)) => {
                core.on_datagram(udp::unmap(src), &buf[..n], now_ts());
                if last_flush.elapsed() >= Duration::from_millis(100) {
                    core.flush();
                    last_flush = Instant::now();
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                core.flush();
                last_flush = Instant::now();
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                plog!(Error, "default", "core", "recv failed: {}", e);
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        maybe_stats(core, gen, &mut seen);
    }
    core.flush();
}

fn read_savefile(
    sf: &Savefile,
    core: &mut Core,
    stop: &AtomicBool,
    gen: &AtomicU64,
    core_name: &str,
) {
    if sf.delay > 0 {
        std::thread::sleep(Duration::from_secs(sf.delay));
    }
    let mut seen = gen.load(Ordering::Relaxed);
    for _ in 0..sf.replay.max(1) {
        let mut cap = match pcap::Capture::from_file(&sf.path) {
            Ok(c) => c,
            Err(e) => {
                plog!(
                    Error,
                    core_name,
                    "core",
                    "pcap_savefile '{}': {}",
                    sf.path,
                    e
                );
                return;
            }
        };
        let linktype = cap.get_datalink().0;
        loop {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            match cap.next_packet() {
                Ok(pkt) => match savefile::udp_from_frame(linktype, pkt.data) {
                    Ok(d) => {
                        core.on_datagram(SocketAddr::new(d.src, d.src_port), d.payload, now_ts())
                    }
                    Err(_) => core.drops_add("savefile_not_udp"),
                },
                Err(pcap::Error::NoMorePackets) => break,
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
            maybe_stats(core, gen, &mut seen);
        }
    }
}
