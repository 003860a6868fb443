//! The core: decoded records -> flow model -> batches for every plugin, plus per-exporter
//! stats (SIGUSR1). One `Core` per worker thread; exporters are sharded across workers (by
//! SO_REUSEPORT's flow hash live, by the single reader offline), so template state is local
//! and lock-free.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use pmacct_flow::Flow;
use pmacct_wire::netflow::{DecodeError, NetflowDecoder};
use pmacct_wire::{FlowType, Timestamp};

use crate::pipeline::{Backpressure, Batch, PluginTx};
use crate::plog;

/// Records per batch handed to plugins.
pub const BATCH_RECORDS: usize = 512;

#[derive(Debug, Default, Clone)]
pub struct ExporterStats {
    pub packets: u64,
    pub bytes: u64,
    pub records: u64,
    pub seq_good: u64,
    pub seq_jmp_fwd: u64,
    pub seq_jmp_bck: u64,
    next_seq: Option<u32>,
    pub last_seen: u64,
}

/// Counters of what could not be used, by reason (SIGUSR1 and debug log).
#[derive(Debug, Default, Clone)]
pub struct DropCounters {
    pub by_reason: HashMap<&'static str, u64>,
}

impl DropCounters {
    pub fn add(&mut self, reason: &'static str, n: u64) {
        *self.by_reason.entry(reason).or_default() += n;
    }
}

pub struct CoreOptions {
    pub renormalize: bool,
    /// `nfacctd_account_options`: account options data records as flows (pmacct: off).
    pub account_options: bool,
    pub backpressure: Backpressure,
    /// `ip:port` of the collector socket as pmacct prints it in stats.
    pub listen_label: String,
}

pub struct Core {
    decoder: NetflowDecoder,
    plugins: Vec<PluginTx>,
    batch: Vec<Flow>,
    opts: CoreOptions,
    pub exporters: HashMap<(IpAddr, u32), ExporterStats>,
    pub drops: DropCounters,
}

impl Core {
    pub fn new(decoder: NetflowDecoder, plugins: Vec<PluginTx>, opts: CoreOptions) -> Core {
        Core {
            decoder,
            plugins,
            batch: Vec::with_capacity(BATCH_RECORDS),
            opts,
            exporters: HashMap::new(),
            drops: DropCounters::default(),
        }
    }

    /// Decode one export datagram from `src` and queue its records.
    pub fn on_datagram(&mut self, src: SocketAddr, payload: &[u8], arrival: Timestamp) {
        let peer = src.ip();
        let renorm = self.opts.renormalize;
        let account_options = self.opts.account_options;
        let batch = &mut self.batch;
        let plugins = &self.plugins;
        let backpressure = &self.opts.backpressure;
        let mut records = 0u64;
        let mut header = None;
        let res = self.decoder.decode(peer, payload, |rec| {
            if header.is_none() {
                header = Some(rec.header);
            }
            // Options data (sampling, interface tables...) feeds the decoder's exporter
            // state; pmacct does not hand it to plugins unless told to.
            if rec.flow_type == FlowType::Option && !account_options {
                return;
            }
            let mut flow = Flow::from_netflow(rec, peer, arrival);
            if renorm {
                flow.renormalize();
            }
            batch.push(flow);
            records += 1;
            if batch.len() >= BATCH_RECORDS {
                let full: Batch =
                    Arc::new(std::mem::replace(batch, Vec::with_capacity(BATCH_RECORDS)));
                for p in plugins {
                    p.send(&full, backpressure);
                }
            }
        });
        match res {
            Ok(stats) => {
                for (reason, n) in stats.drops() {
                    self.drops.add(reason.as_str(), n as u64);
                }
                let source_id = header.map(|h| h.source_id).unwrap_or(0);
                let e = self.exporters.entry((peer, source_id)).or_default();
                e.packets += 1;
                e.bytes += payload.len() as u64;
                e.records += records;
                e.last_seen = arrival.secs;
                if let Some(h) = header {
                    // v9 numbers datagrams; the other versions number records.
                    let step = if h.version == 9 { 1 } else { stats.records };
                    track_sequence(e, h.sequence, step);
                }
            }
            Err(err) => {
                self.drops.add(err.as_str(), 1);
                plog!(
                    Debug,
                    "default",
                    "core",
                    "dropped datagram from {}: {}",
                    peer,
                    err_text(&err)
                );
            }
        }
    }

    /// Hand any partial batch to the plugins (idle socket, end of file, shutdown).
    pub fn flush(&mut self) {
        if self.batch.is_empty() {
            return;
        }
        let full: Batch = Arc::new(std::mem::replace(
            &mut self.batch,
            Vec::with_capacity(BATCH_RECORDS),
        ));
        for p in &self.plugins {
            p.send(&full, &self.opts.backpressure);
        }
    }

    /// pmacct's SIGUSR1 stats block, one line per exporter.
    pub fn log_stats(&self) {
        for ((ip, sid), e) in &self.exporters {
            plog!(
                Notice,
                "default",
                "core",
                "stats [{}] agent={}:{} time={} packets={} bytes={} seq_good={} seq_jmp_fwd={} seq_jmp_bck={}",
                self.opts.listen_label,
                ip,
                sid,
                e.last_seen,
                e.packets,
                e.bytes,
                e.seq_good,
                e.seq_jmp_fwd,
                e.seq_jmp_bck
            );
        }
        for (reason, n) in &self.drops.by_reason {
            plog!(
                Notice,
                "default",
                "core",
                "stats dropped reason={} count={}",
                reason,
                n
            );
        }
    }
}

fn err_text(e: &DecodeError) -> String {
    e.to_string()
}

/// Classify a datagram's sequence number against the one expected from the previous one.
fn track_sequence(e: &mut ExporterStats, seq: u32, step: u32) {
    if let Some(expected) = e.next_seq {
        if seq == expected {
            e.seq_good += 1;
        } else if seq.wrapping_sub(expected) < 0x8000_0000 {
            e.seq_jmp_fwd += 1;
        } else {
            e.seq_jmp_bck += 1;
        }
    } else {
        e.seq_good += 1;
    }
    e.next_seq = Some(seq.wrapping_add(step));
}

impl Core {
    pub fn drops_add(&mut self, reason: &'static str) {
        self.drops.add(reason, 1);
    }
}
