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
use pmacct_plugins::Plugin;

use crate::metrics::{Metrics, PluginSlot, PUBLISH_INTERVAL};
use crate::plog;

/// Records travel in shared batches, one batch for every plugin; a worker recycles them
/// ([`Batches`]).
pub type Batch = Arc<FlowBatch>;

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
    tx: SyncSender<Batch>,
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
        if let Some(m) = &self.metrics {
            m.queued(batch.len());
        }
        let sent = self.send_inner(batch, mode);
        if !sent {
            if let Some(m) = &self.metrics {
                m.dequeued(batch.len());
            }
        }
        sent
    }

    fn send_inner(&self, batch: &Batch, mode: &Backpressure) -> bool {
        match mode {
            Backpressure::Block => self.tx.send(batch.clone()).is_ok(),
            Backpressure::Drop => match self.tx.try_send(batch.clone()) {
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
    let (tx, rx) = sync_channel::<Batch>(queue_batches.max(1));
    let name = plugin.name().to_string();
    let kind = plugin.kind();
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
    rx: Receiver<Batch>,
    metrics: Option<Arc<PluginSlot>>,
) {
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
        let received = rx.recv_timeout(wait);
        if let (Ok(batch), Some(m)) = (&received, &metrics) {
            m.dequeued(batch.len());
        }
        match received {
            Ok(batch) if stages.is_empty() => plugin.process_batch(&batch.flows, &batch.custom),
            Ok(batch) => {
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
