//! Core -> plugin queues and the plugin threads that drive aggregation caches and purges.
//!
//! Each plugin instance runs in its own thread behind a bounded queue of batches. The core
//! never blocks on a live socket's behalf: when a queue is full the batch is dropped, counted
//! and logged (pmacct's "missing data" situation). Offline (`pcap_savefile`) the core waits
//! instead, since nothing is lost by reading the file more slowly.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
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
    /// With the bytes it holds of the plugin's [`ByteBudget`], given back when the batch is
    /// dropped: processed, or still queued when a plugin thread ends.
    Datagrams(Datagrams, Option<Reservation>),
}

impl Msg {
    fn len(&self) -> usize {
        match self {
            Msg::Flows(b) => b.len(),
            Msg::Datagrams(d, _) => d.len(),
        }
    }
}

/// Bytes of datagrams queued for a datagram plugin, bounded by its `plugin_pipe_size` as
/// pmacct's ring of that many bytes is. A count of batches cannot stand for it: a live
/// socket that idles between datagrams hands over batches of one or two, and 80 of those
/// (the flow queue's default) buffered a tee plugin for a few milliseconds only.
pub struct ByteBudget {
    limit: usize,
    used: AtomicUsize,
}

impl ByteBudget {
    pub fn new(limit: usize) -> ByteBudget {
        ByteBudget {
            limit: limit.max(1),
            used: AtomicUsize::new(0),
        }
    }

    /// Reserve `n` bytes; false when they do not fit (an empty queue always takes one
    /// batch, however large, so that nothing is refused forever).
    fn take(&self, n: usize) -> bool {
        let mut cur = self.used.load(Ordering::Relaxed);
        loop {
            if cur != 0 && cur + n > self.limit {
                return false;
            }
            match self
                .used
                .compare_exchange_weak(cur, cur + n, Ordering::AcqRel, Ordering::Relaxed)
            {
                Ok(_) => return true,
                Err(now) => cur = now,
            }
        }
    }

    fn give_back(&self, n: usize) {
        self.used.fetch_sub(n, Ordering::AcqRel);
    }
}

/// Bytes taken from a [`ByteBudget`], given back on drop.
pub struct Reservation {
    budget: Arc<ByteBudget>,
    bytes: usize,
}

impl Drop for Reservation {
    fn drop(&mut self) {
        self.budget.give_back(self.bytes);
    }
}

/// How much a plugin's queue holds: batches, and for datagram plugins bytes as well.
#[derive(Debug, Clone, Copy)]
pub struct QueueBound {
    pub batches: usize,
    /// Datagram plugins: payload bytes in flight (plugin_pipe_size).
    pub bytes: Option<usize>,
}

/// SIGUSR1 requests: the control loop bumps it, every plugin thread logs its counters when
/// it sees a new value.
pub static STATS_GEN: AtomicU64 = AtomicU64::new(0);

/// Spare batches a worker keeps after a burst (each is `batch_records()` flows of memory, up
/// to 4.6 MB): enough to fill one while the plugins hold the others.
const SPARE_BATCHES: usize = 4;

/// A worker's batches: the one it fills, and those it handed out, which come back to it
/// when the last plugin lets go (the `Arc` is then unique again). In steady state no batch
/// is allocated: plugins work their queues in order, so the oldest batch handed out is the
/// first to be free.
pub struct Batches {
    /// Being filled; only the worker holds it, outside any `Arc` so that adding a flow
    /// costs no atomic operation (its vectors move into a free `Arc` when handed out).
    filling: FlowBatch,
    /// Handed to the plugins, oldest first.
    out: VecDeque<Batch>,
    /// Back from the plugins, ready to be refilled.
    spare: Vec<Batch>,
    capacity: usize,
}

impl Batches {
    pub fn new(capacity: usize) -> Batches {
        Batches {
            filling: FlowBatch::with_capacity(capacity),
            out: VecDeque::new(),
            spare: Vec::new(),
            capacity,
        }
    }

    /// Add a flow and its custom primitive values, if any; true when the batch is full.
    #[inline]
    pub fn push(&mut self, f: &Flow, custom: Option<&CustomValues>) -> bool {
        self.filling.push(f, custom);
        self.filling.len() >= self.capacity
    }

    pub fn is_empty(&self) -> bool {
        self.filling.is_empty()
    }

    /// Flows in the batch being filled.
    pub fn len(&self) -> usize {
        self.filling.len()
    }

    /// A default flow at the end of the batch being filled, for a decoder to build in place;
    /// then [`Batches::commit_last`] or [`Batches::drop_last`].
    #[inline]
    pub fn slot(&mut self) -> &mut Flow {
        self.filling.push_default()
    }

    /// [`Batches::slot`] for a producer that writes the flow's lead whole and no plugin
    /// reading past it (`FlowBatch::push_lead`).
    #[inline]
    pub fn slot_lead(&mut self) -> &mut Flow {
        self.filling.push_lead()
    }

    /// The last flow of the batch being filled.
    #[inline]
    pub fn last_mut(&mut self) -> Option<&mut Flow> {
        self.filling.last_mut()
    }

    /// Keep the last flow (from [`Batches::slot`]) with its custom values; true when the
    /// batch is full.
    #[inline]
    pub fn commit_last(&mut self, custom: Option<&CustomValues>) -> bool {
        self.filling.set_last_custom(custom);
        self.filling.len() >= self.capacity
    }

    /// Take the last flow (from [`Batches::slot`]) back out.
    #[inline]
    pub fn drop_last(&mut self) {
        self.filling.pop();
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
        let mut full = self
            .spare
            .pop()
            .unwrap_or_else(|| Arc::new(FlowBatch::with_capacity(self.capacity)));
        match Arc::get_mut(&mut full) {
            // Spare batches came back from every plugin and a new one is ours alone: the
            // flows move in, its emptied vectors become the next batch to fill.
            Some(b) => {
                b.clear();
                std::mem::swap(b, &mut self.filling);
            }
            None => {
                let next = FlowBatch::with_capacity(self.capacity);
                full = Arc::new(std::mem::replace(&mut self.filling, next));
            }
        }
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
    /// No stage in front of the plugin, and it reads only the lead of a flow
    /// ([`Plugin::reads_lead_only`]).
    pub lead_only: bool,
    pub dropped_records: Arc<AtomicU64>,
    pub dropped_batches: Arc<AtomicU64>,
    /// Datagram plugins: bytes in flight, bounded.
    budget: Option<Arc<ByteBudget>>,
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
        let reservation = match &self.budget {
            None => None,
            Some(budget) => {
                let bytes = batch.bytes_len();
                let take = || {
                    budget.take(bytes).then(|| Reservation {
                        budget: budget.clone(),
                        bytes,
                    })
                };
                match mode {
                    // Savefiles: wait for the plugin to make room, nothing is lost (a
                    // plugin thread that ended gives its queue's bytes back).
                    Backpressure::Block => loop {
                        if let Some(r) = take() {
                            break Some(r);
                        }
                        std::thread::sleep(Duration::from_millis(1));
                    },
                    Backpressure::Drop => match take() {
                        Some(r) => Some(r),
                        None => {
                            self.dropped(batch.len());
                            return false;
                        }
                    },
                }
            }
        };
        self.send_msg(Msg::Datagrams(batch.clone(), reservation), mode)
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
                    self.dropped(b.len());
                    false
                }
                Err(TrySendError::Disconnected(_)) => false,
            },
        }
    }

    /// Count a batch the queue could not take and log it (rate-limited: the first drop
    /// and then every 1000th).
    fn dropped(&self, records: usize) {
        let n = self.dropped_batches.fetch_add(1, Ordering::Relaxed);
        self.dropped_records
            .fetch_add(records as u64, Ordering::Relaxed);
        if n.is_multiple_of(1000) {
            plog!(
                Warn,
                &self.name,
                self.kind,
                "plugin queue full: missing data ({} records dropped so far). Consider raising plugin_pipe_size.",
                self.dropped_records.load(Ordering::Relaxed)
            );
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
    let bound = QueueBound {
        batches: queue_batches,
        bytes: None,
    };
    spawn_plugin_bounded(plugin, stages, bound, None, metrics)
}

/// Smallest average datagram a byte-bounded queue is sized for: the channel's slots only
/// back up the byte budget.
const MIN_QUEUED_DATAGRAM: usize = 512;

/// [`spawn_plugin_observed`] with the queue's bound spelt out: a datagram plugin's queue is
/// bounded by bytes ([`ByteBudget`]) as well as batches.
/// `priority`: the plugin's `proc_priority`, set on its thread (and the threads it starts)
/// as 1.7.7's plugin process sets it on itself.
pub fn spawn_plugin_bounded(
    plugin: Box<dyn Plugin>,
    stages: Vec<Box<dyn Stage>>,
    bound: QueueBound,
    priority: Option<i32>,
    metrics: Option<&Metrics>,
) -> std::io::Result<PluginThread> {
    let datagrams = plugin.takes_datagrams();
    let lead_only = !datagrams && stages.is_empty() && plugin.reads_lead_only();
    let budget = match (datagrams, bound.bytes) {
        (true, Some(b)) => Some(Arc::new(ByteBudget::new(b))),
        _ => None,
    };
    let slots = match &budget {
        Some(b) => bound.batches.max(b.limit / MIN_QUEUED_DATAGRAM),
        None => bound.batches,
    }
    .max(1);
    let (tx, rx) = sync_channel::<Msg>(slots);
    let name = plugin.name().to_string();
    let kind = plugin.kind();
    let dropped_records = Arc::new(AtomicU64::new(0));
    let slot = metrics.map(|m| {
        let s = Arc::new(PluginSlot::new(
            &name,
            kind,
            slots as u64,
            dropped_records.clone(),
        ));
        m.add_plugin(s.clone());
        s
    });
    let thread_slot = slot.clone();
    let handle = std::thread::Builder::new()
        .name(format!("{kind}:{name}"))
        .spawn(move || {
            if let Some(p) = priority {
                crate::process::set_priority(p, plugin.name(), plugin.kind());
            }
            run_plugin(plugin, stages, rx, thread_slot)
        })?;
    Ok(PluginThread {
        tx: PluginTx {
            name,
            kind,
            tx,
            datagrams,
            lead_only,
            dropped_records,
            dropped_batches: Arc::new(AtomicU64::new(0)),
            budget,
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
    // Frame plugins (sfprobe): each frame's flow after the stages, in one reused buffer.
    let mut staged: Vec<Option<Flow>> = Vec::new();
    let frame_flows = plugin.takes_frame_flows();
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
            Ok(Msg::Datagrams(batch, _reservation)) if frame_flows => {
                // pre_tag_map, filters and networks_file on the flow the core accounted for
                // each frame, as pmacctd evaluates them on the packet before its plugins.
                staged.clear();
                for i in 0..batch.len() {
                    let mut f = batch.flow(i).copied().unwrap_or_default();
                    let pass = pmacct_flow::stage::apply_all(&mut stages, &mut f);
                    staged.push(pass.then_some(f));
                }
                plugin.process_frames(&batch, &staged);
            }
            Ok(Msg::Datagrams(batch, _reservation)) => {
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
            // No stage would change a flow of this batch (e.g. only the first plugin's
            // label reset, and no flow marked for it): no per-flow copy.
            Ok(Msg::Flows(batch)) if pmacct_flow::stage::all_unchanged(&stages, batch.flows()) => {
                plugin.process_shared(&batch)
            }
            Ok(Msg::Flows(batch)) => {
                own.clear();
                for f in batch.flows().iter() {
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
            if b.push(&f, None) {
                b.hand_out(|full| {
                    assert_eq!(full.len(), 4);
                    assert_eq!(
                        full.flows()[0].packets,
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

    /// A datagram plugin that blocks in process_datagrams until told to go on.
    struct GatedTee {
        go: std::sync::mpsc::Receiver<()>,
    }

    impl Plugin for GatedTee {
        fn name(&self) -> &str {
            "t"
        }
        fn kind(&self) -> &'static str {
            "tee"
        }
        fn process_batch(&mut self, _: &[Flow], _: &[CustomValues]) {}
        fn next_purge(&self) -> SystemTime {
            SystemTime::now() + Duration::from_secs(3600)
        }
        fn purge(&mut self, _: SystemTime) -> anyhow::Result<()> {
            Ok(())
        }
        fn shutdown(&mut self, _: SystemTime) -> anyhow::Result<()> {
            Ok(())
        }
        fn takes_datagrams(&self) -> bool {
            true
        }
        fn process_datagrams(&mut self, _: &DatagramBatch, _: &[Option<u64>]) {
            let _ = self.go.recv();
        }
    }

    fn one_datagram(bytes: usize) -> Datagrams {
        let mut b = DatagramBatch::with_capacity(1, bytes);
        let src = std::net::SocketAddr::from(([192, 0, 2, 1], 2055));
        b.push(src, src.ip(), &vec![0u8; bytes]);
        Arc::new(b)
    }

    /// A datagram plugin's queue holds plugin_pipe_size bytes whatever the batch count (a
    /// live socket hands over batches of one datagram when it idles), drops what does not
    /// fit, and gets every byte back once the plugin has worked its queue.
    #[test]
    fn datagram_queue_is_bounded_by_bytes() {
        let (go, rx) = std::sync::mpsc::channel();
        let bound = QueueBound {
            batches: 4,
            bytes: Some(100_000),
        };
        let t =
            spawn_plugin_bounded(Box::new(GatedTee { go: rx }), vec![], bound, None, None).unwrap();
        let d = one_datagram(1000);
        // 4 batches would be the flow queue's bound: 100 one-datagram batches fit the bytes.
        let mut sent = 0;
        while t.tx.send_datagrams(&d, &Backpressure::Drop) {
            sent += 1;
            assert!(sent <= 200, "the byte budget never filled");
        }
        // The plugin holds one batch (blocked), the queue the budget's worth.
        assert!((100..=101).contains(&sent), "{sent} batches queued");
        assert_eq!(t.tx.dropped_records.load(Ordering::Relaxed), 1);
        let budget = t.tx.budget.clone().unwrap();
        for _ in 0..sent {
            go.send(()).unwrap();
        }
        let t0 = Instant::now();
        while budget.used.load(Ordering::Relaxed) != 0 {
            assert!(
                t0.elapsed() < Duration::from_secs(10),
                "bytes not given back"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        // Room again.
        assert!(t.tx.send_datagrams(&d, &Backpressure::Drop));
        go.send(()).unwrap();
        drop(t.tx);
        t.handle.join().unwrap();
        assert_eq!(budget.used.load(Ordering::Relaxed), 0);
    }
}
