//! Core -> plugin queues and the plugin threads that drive aggregation caches and purges.
//!
//! Each plugin instance runs in its own thread behind a bounded queue of batches. The core
//! never blocks on a live socket's behalf: when a queue is full the batch is dropped, counted
//! and logged (pmacct's "missing data" situation). Offline (`pcap_savefile`) the core waits
//! instead, since nothing is lost by reading the file more slowly.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use pmacct_flow::custom::CustomValues;
use pmacct_flow::{Flow, FlowBatch, Stage};
use pmacct_plugins::datagram::DatagramBatch;
use pmacct_plugins::Plugin;

use crate::metrics::{Metrics, PluginSlot, PUBLISH_INTERVAL};
use crate::plog;

/// Records travel in shared batches, one batch for every plugin; a worker recycles them
/// ([`Batches`]).
pub type Batch = Arc<FlowBatch>;

/// Datagrams travel to datagram plugins (tee) in shared batches too.
pub type Datagrams = Arc<DatagramBatch>;

/// What a plugin queue carries: flows for the aggregating plugins, the export datagrams as
/// received for datagram plugins ([`Plugin::takes_datagrams`]).
pub enum Msg {
    Flows(Batch),
    Datagrams(Datagrams),
}

impl Msg {
    fn len(&self) -> usize {
        match self {
            Msg::Flows(b) => b.len(),
            Msg::Datagrams(d) => d.len(),
        }
    }
}

/// SIGUSR1 requests: the control loop bumps it, every plugin thread logs its counters when
/// it sees a new value.
pub static STATS_GEN: AtomicU64 = AtomicU64::new(0);

/// Spare batches a worker keeps after a burst (each is `BATCH_RECORDS` flows of memory).
const SPARE_BATCHES: usize = 8;

/// A worker's batches: the one it fills, and those it handed out, which come back to it
/// when the last plugin lets go (the `Arc` is then unique again). In steady state no batch
/// is allocated: plugins work their queues in order, so the oldest batch handed out is the
/// first to be free.
pub struct Batches {
    /// Being filled; only the worker holds it.
    filling: Batch,
    /// Handed to the plugins, oldest first.
    out: VecDeque<Batch>,
    /// Back from the plugins, ready to be refilled.
    spare: Vec<Batch>,
    capacity: usize,
}

impl Batches {
    pub fn new(capacity: usize) -> Batches {
        Batches {
            filling: Arc::new(FlowBatch::with_capacity(capacity)),
            out: VecDeque::new(),
            spare: Vec::new(),
            capacity,
        }
    }

    /// Add a flow and its custom primitive values, if any; true when the batch is full.
    pub fn push(&mut self, f: Flow, custom: Option<&CustomValues>) -> bool {
        // Never shared while being filled: make_mut does not copy.
        let b = Arc::make_mut(&mut self.filling);
        b.push(f, custom);
        b.len() >= self.capacity
    }

    pub fn is_empty(&self) -> bool {
        self.filling.is_empty()
    }

    /// Hand the batch being filled to `send` (which clones it into the queues) and start
    /// the next one in a batch the plugins are done with, when there is one.
    pub fn hand_out(&mut self, send: impl FnOnce(&Batch)) {
        while let Some(b) = self.out.front_mut() {
            if Arc::get_mut(b).is_none() {
                break;
            }
            if let Some(b) = self.out.pop_front() {
                if self.spare.len() < SPARE_BATCHES {
                    self.spare.push(b);
                }
            }
        }
        let next = match self.spare.pop() {
            Some(mut b) => {
                Arc::make_mut(&mut b).clear();
                b
            }
            None => Arc::new(FlowBatch::with_capacity(self.capacity)),
        };
        let full = std::mem::replace(&mut self.filling, next);
        send(&full);
        self.out.push_back(full);
    }
}

/// The core's end of one plugin's queue.
#[derive(Clone)]
pub struct PluginTx {
    pub name: String,
    pub kind: &'static str,
    tx: SyncSender<Msg>,
    /// The plugin takes datagrams, not flows.
    pub datagrams: bool,
    pub dropped_records: Arc<AtomicU64>,
    pub dropped_batches: Arc<AtomicU64>,
    /// Queue depth for the metrics endpoint (counted before sending, undone if dropped).
    metrics: Option<Arc<PluginSlot>>,
}

pub enum Backpressure {
    /// Live sockets: never wait for a plugin; count and drop.
    Drop,
    /// Savefiles: wait for the plugin.
    Block,
}

impl PluginTx {
    /// Hand a batch to the plugin. Returns false if the batch was dropped.
    pub fn send(&self, batch: &Batch, mode: &Backpressure) -> bool {
        self.send_msg(Msg::Flows(batch.clone()), mode)
    }

    /// Hand a batch of datagrams to a datagram plugin. Returns false if it was dropped.
    pub fn send_datagrams(&self, batch: &Datagrams, mode: &Backpressure) -> bool {
        self.send_msg(Msg::Datagrams(batch.clone()), mode)
    }

    fn send_msg(&self, msg: Msg, mode: &Backpressure) -> bool {
        let n = msg.len();
        if let Some(m) = &self.metrics {
            m.queued(n);
        }
        let sent = self.send_inner(msg, mode);
        if !sent {
            if let Some(m) = &self.metrics {
                m.dequeued(n);
            }
        }
        sent
    }

    fn send_inner(&self, msg: Msg, mode: &Backpressure) -> bool {
        match mode {
            Backpressure::Block => self.tx.send(msg).is_ok(),
            Backpressure::Drop => match self.tx.try_send(msg) {
                Ok(()) => true,
                Err(TrySendError::Full(b)) => {
                    let n = self.dropped_batches.fetch_add(1, Ordering::Relaxed);
                    self.dropped_records
                        .fetch_add(b.len() as u64, Ordering::Relaxed);
                    // Rate-limited: the first drop and then every 1000th.
                    if n.is_multiple_of(1000) {
                        plog!(
                            Warn,
                            &self.name,
                            self.kind,
                            "plugin queue full: missing data ({} records dropped so far). Consider raising plugin_pipe_size.",
                            self.dropped_records.load(Ordering::Relaxed)
                        );
                    }
                    false
                }
                Err(TrySendError::Disconnected(_)) => false,
            },
        }
    }
}

/// A running plugin instance.
pub struct PluginThread {
    pub tx: PluginTx,
    pub handle: JoinHandle<()>,
}

/// Start one plugin in its own thread, with the stages (aggregate_filter, pre_tag_filter,
/// networks_file...) that run on its flows first. `queue_batches` bounds the queue (from
/// plugin_pipe_size).
pub fn spawn_plugin(
    plugin: Box<dyn Plugin>,
    stages: Vec<Box<dyn Stage>>,
    queue_batches: usize,
) -> std::io::Result<PluginThread> {
    spawn_plugin_observed(plugin, stages, queue_batches, None)
}

/// [`spawn_plugin`], registering the plugin's queue and counters with the metrics endpoint.
pub fn spawn_plugin_observed(
    plugin: Box<dyn Plugin>,
    stages: Vec<Box<dyn Stage>>,
    queue_batches: usize,
    metrics: Option<&Metrics>,
) -> std::io::Result<PluginThread> {
    let (tx, rx) = sync_channel::<Msg>(queue_batches.max(1));
    let name = plugin.name().to_string();
    let kind = plugin.kind();
    let datagrams = plugin.takes_datagrams();
    let dropped_records = Arc::new(AtomicU64::new(0));
    let slot = metrics.map(|m| {
        let s = Arc::new(PluginSlot::new(
            &name,
            kind,
            queue_batches.max(1) as u64,
            dropped_records.clone(),
        ));
        m.add_plugin(s.clone());
        s
    });
    let thread_slot = slot.clone();
    let handle = std::thread::Builder::new()
        .name(format!("{kind}:{name}"))
        .spawn(move || run_plugin(plugin, stages, rx, thread_slot))?;
    Ok(PluginThread {
        tx: PluginTx {
            name,
            kind,
            tx,
            datagrams,
            dropped_records,
            dropped_batches: Arc::new(AtomicU64::new(0)),
            metrics: slot,
        },
        handle,
    })
}

fn run_plugin(
    mut plugin: Box<dyn Plugin>,
    mut stages: Vec<Box<dyn Stage>>,
    rx: Receiver<Msg>,
    metrics: Option<Arc<PluginSlot>>,
) {
    // Tags of a datagram batch (datagram plugins with stages), in one reused buffer.
    let mut tags: Vec<Option<u64>> = Vec::new();
    let mut stats_seen = STATS_GEN.load(Ordering::Relaxed);
    // Batches are shared by every plugin: with stages, this plugin works on its own copies,
    // kept in one reused buffer (no allocation per batch once warm).
    let mut own: Vec<Flow> = Vec::new();
    // Counters go to the metrics endpoint after purges and at most every PUBLISH_INTERVAL
    // otherwise (a kafka plugin's delivery reports arrive between batches).
    let mut next_publish = Instant::now();
    let mut publish = |plugin: &dyn Plugin, force: bool| {
        if let Some(m) = &metrics {
            if force || Instant::now() >= next_publish {
                m.store(&plugin.counters());
                next_publish = Instant::now() + PUBLISH_INTERVAL;
            }
        }
    };
    loop {
        let now = SystemTime::now();
        let mut wait = plugin
            .next_purge()
            .duration_since(now)
            .unwrap_or(Duration::ZERO);
        if wait.is_zero() {
            if let Err(e) = plugin.purge(now) {
                plog!(Error, plugin.name(), plugin.kind(), "purge failed: {e:#}");
            }
            publish(plugin.as_ref(), true);
            continue;
        }
        if metrics.is_some() {
            wait = wait.min(PUBLISH_INTERVAL);
        }
        // Wake at least every second to answer SIGUSR1.
        wait = wait.min(Duration::from_secs(1));
        let g = STATS_GEN.load(Ordering::Relaxed);
        if g != stats_seen {
            stats_seen = g;
            log_counters(plugin.as_ref());
        }
        let received = rx.recv_timeout(wait);
        if let (Ok(batch), Some(m)) = (&received, &metrics) {
            m.dequeued(batch.len());
        }
        match received {
            Ok(Msg::Datagrams(batch)) => {
                tags.clear();
                if !stages.is_empty() {
                    // pre_tag_map and its filters on the exporter's address, as pmacct
                    // evaluates a map without flow keys on a whole datagram.
                    for agent in batch.agents() {
                        let mut f = Flow::default();
                        f.prims.peer_src_ip = Some(agent);
                        let pass = pmacct_flow::stage::apply_all(&mut stages, &mut f);
                        tags.push(pass.then_some(f.prims.tag));
                    }
                }
                plugin.process_datagrams(&batch, &tags);
            }
            Ok(Msg::Flows(batch)) if stages.is_empty() => {
                plugin.process_batch(&batch.flows, &batch.custom)
            }
            Ok(Msg::Flows(batch)) => {
                own.clear();
                for f in batch.flows.iter() {
                    let mut f = *f;
                    if pmacct_flow::stage::apply_all(&mut stages, &mut f) {
                        own.push(f);
                    }
                }
                // The copies keep their references into the batch's custom values.
                if !own.is_empty() {
                    plugin.process_batch(&own, &batch.custom);
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                // The core has stopped (SIGINT/SIGTERM or end of savefile): final purge.
                if let Err(e) = plugin.shutdown(SystemTime::now()) {
                    plog!(
                        Error,
                        plugin.name(),
                        plugin.kind(),
                        "final purge failed: {e:#}"
                    );
                }
                publish(plugin.as_ref(), true);
                return;
            }
        }
        publish(plugin.as_ref(), false);
    }
}

/// SIGUSR1: a plugin's counters, one line (`stats` and the series of its type).
fn log_counters(plugin: &dyn Plugin) {
    let c = plugin.counters();
    let mut line = format!(
        "stats purged_records={} cache_entries={} cache_dropped={}",
        c.purged_records, c.cache_entries, c.cache_dropped
    );
    for (m, v) in pmacct_plugins::plugin_metrics(plugin.kind())
        .iter()
        .zip(c.extra)
    {
        let name = match m {
            pmacct_plugins::PluginMetric::Dropped { reason, .. } => reason,
            pmacct_plugins::PluginMetric::Family { name, .. } => name,
        };
        line.push_str(&format!(" {name}={v}"));
    }
    plog!(Notice, plugin.name(), plugin.kind(), "{}", line);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Batches come back from the plugins and are refilled: with plugins holding at most two
    /// batches, a worker needs four in all however many it sends.
    #[test]
    fn batches_are_recycled() {
        let mut b = Batches::new(4);
        let mut held: VecDeque<Batch> = VecDeque::new();
        let mut seen = std::collections::HashSet::new();
        for i in 0..400u64 {
            let f = Flow {
                packets: i,
                ..Default::default()
            };
            if b.push(f, None) {
                b.hand_out(|full| {
                    assert_eq!(full.len(), 4);
                    assert_eq!(
                        full.flows[0].packets,
                        i - 3,
                        "a recycled batch starts empty"
                    );
                    seen.insert(Arc::as_ptr(full));
                    held.push_back(full.clone());
                });
            }
            while held.len() > 2 {
                held.pop_front();
            }
        }
        assert!(seen.len() <= 4, "{} batches allocated", seen.len());
        assert!(b.is_empty());
    }
}
