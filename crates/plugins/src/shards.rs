//! One plugin's aggregation cache split across threads (issue 21: the aggregation of a
//! plugin scales with the cores instead of one plugin thread being the ceiling).
//!
//! The plugin thread stays the one place that runs stages, purges and writes: for each
//! batch it hands the shared batch to the shard threads, then accounts its own share
//! (shard 0) while they account theirs. A flow's shard is a function of its aggregated
//! fields ([`ShardKey`]), so every aggregate lives in one shard. The plugin thread picks the
//! shard of each flow once and sends each shard thread the indexes of its flows: a shard
//! thread reads only its own flows (a flow is ~9 cache lines written on another core). Each entry keeps the
//! position of the record that created it (batch sequence, index): a purge drains every
//! shard and merges them by that position, which is exactly the order one cache would have
//! (pmacct's output order). What differs from one cache is only when the cache fills:
//! `*_cache_entries` is checked over all shards between batches, so the cache can exceed it
//! by the records of the batches in flight before the urgent purge (the shards take them,
//! nothing is dropped).

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, Sender, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;

use pmacct_flow::cache::{Cache, Entry, Insert};
use pmacct_flow::flow::{custom_of, for_each_prefetched, prefetch_lead, PREFETCH_AHEAD};
use pmacct_flow::shard::ShardKey;
use pmacct_flow::FlowBatch;

/// Batches queued to each shard thread. Small: the plugin thread's own queue is the buffer;
/// this only keeps the shards busy while the plugin thread accounts its share.
const SHARD_QUEUE: usize = 4;

/// Records of one batch at most (the daemon's batches hold 512).
const BATCH_MAX: usize = 4096;

/// Entries a shard takes beyond `*_cache_entries` (see the module comment): the batches in
/// flight to it, the one it works on and the one being handed out.
pub(crate) const SLACK: usize = (SHARD_QUEUE + 2) * BATCH_MAX;

/// Index bits of a record's order (batch sequence above them).
const INDEX_BITS: u32 = 20;

/// The order of record `i` of batch `seq`.
#[inline]
pub(crate) fn order(seq: u64, i: usize) -> u64 {
    seq << INDEX_BITS | i as u64
}

/// Work for a shard thread.
enum Work {
    Batch {
        seq: u64,
        now: i64,
        batch: Arc<FlowBatch>,
        /// Indexes of this shard's flows in `batch` (given back emptied, for reuse).
        idx: Vec<u32>,
    },
    /// Drain (`exiting`: everything) into the buffers, which go back with the reply.
    Drain {
        exiting: bool,
        now: i64,
        entries: Vec<Entry>,
        orders: Vec<u64>,
    },
}

/// A shard's purge.
struct Drained {
    total: usize,
    entries: Vec<Entry>,
    orders: Vec<u64>,
}

/// The plugin thread's end of one shard thread.
struct ShardThread {
    tx: Option<SyncSender<Work>>,
    reply: Receiver<Drained>,
    /// Index lists back from the shard thread, emptied (no allocation once warm).
    back: Receiver<Vec<u32>>,
    /// The index list being filled for the next batch.
    idx: Vec<u32>,
    /// Entries in the shard's cache, stored after each batch and drain.
    len: Arc<AtomicUsize>,
    handle: Option<JoinHandle<()>>,
    /// Reused drain buffers (none while a drain is out).
    spare: (Vec<Entry>, Vec<u64>),
}

/// The shard threads of one plugin (shard 0 is the plugin's own cache).
pub(crate) struct Shards {
    key: ShardKey,
    threads: Vec<ShardThread>,
    seq: u64,
    /// Records the shard threads could not account (a shard cache full beyond its slack:
    /// only with batches larger than [`BATCH_MAX`]).
    dropped: Arc<AtomicU64>,
    /// Shard 0's drain order (reused).
    own_orders: Vec<u64>,
}

impl Shards {
    /// `n` shards (n - 1 threads besides the plugin thread), each with a cache made by
    /// `new_cache`. Returns None if a thread cannot be started.
    pub(crate) fn start(
        key: ShardKey,
        n: usize,
        name: &str,
        time_new: bool,
        new_cache: impl Fn() -> Cache,
    ) -> std::io::Result<Shards> {
        let dropped = Arc::new(AtomicU64::new(0));
        let mut threads = Vec::with_capacity(n.saturating_sub(1));
        for id in 1..n {
            let (tx, rx) = sync_channel::<Work>(SHARD_QUEUE);
            let (reply_tx, reply) = sync_channel::<Drained>(1);
            // Unbounded, never blocking the shard: it holds at most the lists in flight.
            let (back_tx, back) = std::sync::mpsc::channel::<Vec<u32>>();
            let len = Arc::new(AtomicUsize::new(0));
            let mut cache = new_cache();
            cache.add_slack(SLACK);
            let worker = ShardWorker {
                time_new,
                cache,
                len: len.clone(),
                dropped: dropped.clone(),
            };
            let handle = std::thread::Builder::new()
                .name(format!("{name}#{id}"))
                .spawn(move || worker.run(rx, reply_tx, back_tx))?;
            threads.push(ShardThread {
                tx: Some(tx),
                reply,
                back,
                idx: Vec::new(),
                len,
                handle: Some(handle),
                spare: (Vec::new(), Vec::new()),
            });
        }
        Ok(Shards {
            key,
            threads,
            seq: 0,
            dropped,
            own_orders: Vec::new(),
        })
    }

    /// Shards, the plugin thread's included.
    pub(crate) fn count(&self) -> usize {
        self.threads.len() + 1
    }

    /// Entries in the shard threads' caches (shard 0's is the caller's).
    pub(crate) fn len(&self) -> usize {
        self.threads
            .iter()
            .map(|t| t.len.load(Ordering::Relaxed))
            .sum()
    }

    pub(crate) fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Hand `batch` to the shard threads, each with the indexes of its flows (blocking while
    /// their queues are full: the plugin queue behind this thread then fills, and the core
    /// counts what it drops); shard 0's indexes go to `own`. Returns the batch's sequence
    /// number.
    pub(crate) fn dispatch(&mut self, batch: &Arc<FlowBatch>, now: i64, own: &mut Vec<u32>) -> u64 {
        self.seq += 1;
        own.clear();
        let n = self.count();
        for t in &mut self.threads {
            if let Ok(v) = t.back.try_recv() {
                t.idx = v;
            }
            t.idx.clear();
        }
        for_each_prefetched(batch.flows(), |i, f| match self.key.shard(f, n) {
            0 => own.push(i as u32),
            s => {
                if let Some(t) = self.threads.get_mut(s - 1) {
                    t.idx.push(i as u32);
                }
            }
        });
        for t in &mut self.threads {
            if t.idx.is_empty() {
                continue;
            }
            let idx = std::mem::take(&mut t.idx);
            let records = idx.len() as u64;
            if let Some(tx) = &t.tx {
                let work = Work::Batch {
                    seq: self.seq,
                    now,
                    batch: batch.clone(),
                    idx,
                };
                if tx.send(work).is_err() {
                    // The shard thread is gone (it panicked): its share is lost, counted.
                    self.dropped.fetch_add(records, Ordering::Relaxed);
                }
            }
        }
        self.seq
    }

    /// Drain every shard (`own`: shard 0's cache) into `out`, merged into one cache's order.
    /// Returns the entries drained, committed or not.
    pub(crate) fn drain(
        &mut self,
        own: &mut Cache,
        exiting: bool,
        now: i64,
        out: &mut Vec<Entry>,
    ) -> usize {
        for t in &mut self.threads {
            let (entries, orders) = std::mem::take(&mut t.spare);
            if let Some(tx) = &t.tx {
                let _ = tx.send(Work::Drain {
                    exiting,
                    now,
                    entries,
                    orders,
                });
            }
        }
        let mut total = own.drain_ordered(exiting, out, &mut self.own_orders);
        let mut lists: Vec<(Vec<Entry>, Vec<u64>)> = Vec::with_capacity(self.threads.len() + 1);
        lists.push((std::mem::take(out), std::mem::take(&mut self.own_orders)));
        for t in &mut self.threads {
            match t.reply.recv() {
                Ok(d) => {
                    total += d.total;
                    lists.push((d.entries, d.orders));
                }
                // A shard thread that is gone has nothing to give (counted at dispatch).
                Err(_) => lists.push((Vec::new(), Vec::new())),
            }
        }
        merge(&mut lists, out);
        // Buffers back for the next purge; shard 0's `out` is the caller's.
        let mut rest = lists.into_iter();
        if let Some((_, o)) = rest.next() {
            self.own_orders = o;
        }
        for (t, (mut e, mut o)) in self.threads.iter_mut().zip(rest) {
            e.clear();
            o.clear();
            // As the plugin's purge list: a large drain is given back.
            if e.capacity() > crate::aggregating::PURGED_KEEP {
                e = Vec::new();
            }
            t.spare = (e, o);
        }
        total
    }
}

/// Merge `lists` (entries with their ascending orders) into `out` by order.
fn merge(lists: &mut [(Vec<Entry>, Vec<u64>)], out: &mut Vec<Entry>) {
    out.clear();
    out.reserve(lists.iter().map(|l| l.0.len()).sum());
    let mut heads = vec![0usize; lists.len()];
    loop {
        let mut best: Option<(usize, u64)> = None;
        for (i, (_, orders)) in lists.iter().enumerate() {
            if let Some(o) = orders.get(heads[i]) {
                if best.is_none_or(|(_, b)| *o < b) {
                    best = Some((i, *o));
                }
            }
        }
        let Some((i, _)) = best else { break };
        if let Some(e) = lists[i].0.get(heads[i]) {
            out.push(*e);
        }
        heads[i] += 1;
    }
    for l in lists.iter_mut() {
        l.0.clear();
        l.1.clear();
    }
}

impl Drop for Shards {
    fn drop(&mut self) {
        for t in &mut self.threads {
            t.tx = None;
        }
        for t in &mut self.threads {
            if let Some(h) = t.handle.take() {
                let _ = h.join();
            }
        }
    }
}

/// A shard thread's side.
struct ShardWorker {
    time_new: bool,
    cache: Cache,
    len: Arc<AtomicUsize>,
    dropped: Arc<AtomicU64>,
}

impl ShardWorker {
    fn run(mut self, rx: Receiver<Work>, reply: SyncSender<Drained>, back: Sender<Vec<u32>>) {
        while let Ok(work) = rx.recv() {
            match work {
                Work::Batch {
                    seq,
                    now,
                    batch,
                    mut idx,
                } => {
                    self.cache.update_time(now);
                    for (j, &i) in idx.iter().enumerate() {
                        if let Some(&n) = idx.get(j + PREFETCH_AHEAD) {
                            if let Some(next) = batch.flows().get(n as usize) {
                                prefetch_lead(next);
                            }
                        }
                        let Some(f) = batch.flows().get(i as usize) else {
                            continue;
                        };
                        self.cache.set_order(order(seq, i as usize));
                        let cv = custom_of(f, &batch.custom);
                        let res = if self.time_new {
                            let mut f = *f;
                            f.use_arrival_time();
                            self.cache.insert_with(&f, cv)
                        } else {
                            self.cache.insert_with(f, cv)
                        };
                        if res == Insert::Full {
                            self.dropped.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    self.len.store(self.cache.len(), Ordering::Relaxed);
                    idx.clear();
                    // Fails only once the plugin thread is gone.
                    let _ = back.send(idx);
                }
                Work::Drain {
                    exiting,
                    now,
                    mut entries,
                    mut orders,
                } => {
                    self.cache.update_time(now);
                    let total = self.cache.drain_ordered(exiting, &mut entries, &mut orders);
                    self.len.store(self.cache.len(), Ordering::Relaxed);
                    let d = Drained {
                        total,
                        entries,
                        orders,
                    };
                    if reply.send(d).is_err() {
                        return;
                    }
                }
            }
        }
    }
}
