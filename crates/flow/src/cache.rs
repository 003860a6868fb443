//! The per-plugin aggregation cache and its purge schedule, as pmacct's print/kafka/amqp
//! plugins run them (`plugin_common.c`): key = the plugin's aggregate applied to the flow plus
//! the history bin; counters summed, tcp_flags ORed; purges on wall-clock aligned deadlines,
//! each draining the cache (deltas since the previous purge).

use crate::custom::CustomValues;
use crate::flow::{Flow, FlowType, Primitives};
use crate::geo::GeoValues;
use crate::index::{KeyBuf, KeyIndex, Slot};
use crate::primitives::{sum_keys, Aggregate, KeyCodec};
use crate::time::{monthly_timeslot, roundoff_time};
use pmacct_wire::Timestamp;

/// pmacct's chain depth per bucket (scratch nodes = buckets x this).
pub const AVERAGE_CHAIN_LEN: usize = 10;
/// Bins one flow is pro-rated over at most (`nfacctd_pro_rating`): a year of 5-minute bins.
pub const MAX_PRO_RATED_BINS: u32 = 366 * 288;
/// Default `*_cache_entries`.
pub const DEFAULT_CACHE_ENTRIES: usize = 16411;
/// Size of pmacct 1.7.7's `struct chained_cache` on x86_64, for the startup log line
/// (`cache entries=N base cache memory=M bytes`).
const PMACCT_CHAINED_CACHE_SIZE: u64 = 352;

/// Unit of `*_history`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryUnit {
    Seconds,
    Minutes,
    Hours,
    Days,
    Weeks,
    Months,
}

/// `*_history: N<unit>` with `*_history_roundoff` and `*_history_offset`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct History {
    pub count: u32,
    pub unit: HistoryUnit,
    /// Letters among `m h d w M` (pmacct ignores others with a warning).
    pub roundoff: String,
    /// Seconds; must be smaller than the bin.
    pub offset: u64,
}

impl History {
    /// Parse `5m`, `1h`, `1d`, `1w`, `1M` (pmacct also accepts seconds with `s`).
    pub fn parse(s: &str) -> Option<History> {
        let s = s.trim();
        let unit = match s.chars().last()? {
            's' => HistoryUnit::Seconds,
            'm' => HistoryUnit::Minutes,
            'h' => HistoryUnit::Hours,
            'd' => HistoryUnit::Days,
            'w' => HistoryUnit::Weeks,
            'M' => HistoryUnit::Months,
            _ => return None,
        };
        let count: u32 = s[..s.len() - 1].parse().ok()?;
        if count == 0 {
            return None;
        }
        Some(History {
            count,
            unit,
            roundoff: String::new(),
            offset: 0,
        })
    }

    /// Bin length in seconds (`$hst`); for months, 30-day months as pmacct's
    /// `sql_history_to_secs()` does.
    pub fn seconds(&self) -> u64 {
        let c = u64::from(self.count);
        match self.unit {
            HistoryUnit::Seconds => c,
            HistoryUnit::Minutes => c * 60,
            HistoryUnit::Hours => c * 3600,
            HistoryUnit::Days => c * 86400,
            HistoryUnit::Weeks => c * 86400 * 7,
            HistoryUnit::Months => c * 86400 * 30,
        }
    }
}

/// Cache settings of one plugin.
#[derive(Debug, Clone)]
pub struct CacheConfig {
    pub aggregate: Aggregate,
    pub history: Option<History>,
    /// `*_cache_entries` (buckets).
    pub cache_entries: usize,
    /// `*_startup_delay` seconds (also delays committing history bins).
    pub startup_delay: u64,
    /// `timestamps_utc`: calendar rounding in UTC instead of local time.
    pub utc: bool,
}

/// One aggregated cache entry as a purge hands it out: key (the aggregated primitives, the
/// others at their defaults), counters and its history bin start (0 without history).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub prims: Primitives,
    /// Custom primitive values of the key (`aggregate_primitives`).
    pub custom: CustomValues,
    pub packets: u64,
    pub bytes: u64,
    pub flows: u64,
    pub tcp_flags: u8,
    pub flow_type: FlowType,
    /// Address family of the last flow accounted (peer_ip_dst rendering), like pmacct's
    /// per-entry flow_type, it is overwritten on every hit.
    pub family: u8,
    /// `stamp_inserted` (bin start, seconds); 0 without history.
    pub basetime: u64,
    /// `*_stitching`: `timestamp_min` / `timestamp_max` of the entry (zero without).
    pub timestamp_min: Timestamp,
    pub timestamp_max: Timestamp,
    /// GeoIP values of the key (`geoipv2_file` primitives; empty without).
    pub geo: GeoValues,
}

impl Entry {
    /// The entry as a flow (to account it again, or to aggregate entries further).
    pub fn to_flow(&self, bin_time: u64) -> Flow {
        Flow {
            prims: Primitives {
                family: self.family,
                ..self.prims
            },
            // Custom values are not carried over: this flow is accounted without them.
            custom: crate::flow::CustomRef::NONE,
            packets: self.packets,
            bytes: self.bytes,
            flows: self.flows,
            tcp_flags: self.tcp_flags,
            flow_type: self.flow_type,
            bin_time,
            time_start_usecs: 0,
            label_reset: false,
        }
    }
}

/// What the cache keeps per aggregate while accounting: where its packed key sits in the
/// index's arena, and its counters. The primitives are unpacked from the key only when a
/// purge writes the entry out, so an entry costs its key's bytes plus this, not a whole
/// `Primitives`.
#[derive(Debug, Clone, Copy)]
struct Row {
    key_off: u32,
    key_len: u32,
    packets: u64,
    bytes: u64,
    flows: u64,
    basetime: u64,
    tcp_flags: u8,
    /// `tunnel_tcpflags` (1.7.9+), ORed like `tcp_flags`.
    tunnel_tcp_flags: u8,
    flow_type: FlowType,
    family: u8,
    /// `*_stitching` (zero without).
    ts_min: Timestamp,
    ts_max: Timestamp,
    /// Position of the record that created the entry ([`Cache::set_order`]): shards of one
    /// plugin merge their purges by it into the order one cache would have.
    order: u64,
}

/// Bytes the cache holds per entry besides its packed key (and the index slot).
pub const ROW_BYTES: usize = std::mem::size_of::<Row>();

/// Result of an insert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Insert {
    Done,
    /// The cache is full (pmacct: "Finished cache entries"): purge, then insert again.
    Full,
}

/// History bin state (`basetime`, `timeslot`, `new_basetime` in pmacct).
#[derive(Debug, Clone)]
struct Bins {
    history: History,
    basetime: i64,
    timeslot: i64,
    new_basetime: i64,
    utc: bool,
}

impl Bins {
    fn new(h: &History, now: i64, utc: bool) -> Bins {
        let mut base = now;
        let mut timeslot = h.seconds() as i64;
        if h.unit == HistoryUnit::Months {
            base = roundoff_time(base, "d", utc);
            timeslot = monthly_timeslot(base, h.count, true, utc);
        }
        let mut t = roundoff_time(base, &h.roundoff, utc);
        while t + timeslot < base {
            t += timeslot;
            if h.unit == HistoryUnit::Months {
                timeslot = monthly_timeslot(t, h.count, true, utc);
            }
        }
        if h.offset > 0 && (h.offset as i64) < timeslot {
            t -= timeslot + h.offset as i64;
        }
        Bins {
            history: h.clone(),
            basetime: t,
            timeslot,
            new_basetime: 0,
            utc,
        }
    }

    /// `P_update_time_reference()`: roll the current bin forward to `now`.
    fn update(&mut self, now: i64) {
        while now > self.basetime + self.timeslot {
            self.new_basetime = self.basetime;
            self.basetime += self.timeslot;
            if self.history.unit == HistoryUnit::Months {
                self.timeslot = monthly_timeslot(self.basetime, self.history.count, true, self.utc);
            }
        }
    }

    /// `P_eval_historical_acct()`: the bin of a flow stamped `stamp` (0 = current bin).
    fn bin_of(&self, stamp: i64) -> i64 {
        if stamp == 0 {
            return self.basetime;
        }
        if self.history.unit != HistoryUnit::Months {
            let ts = self.timeslot;
            // pmacct puts a stamp exactly on an earlier bin boundary into the bin before it
            // (residual = timeslot); reproduced so that bins match pmacct record for record.
            let residual = if self.basetime > stamp {
                ts - ((self.basetime - stamp) % ts)
            } else {
                (stamp - self.basetime) % ts
            };
            stamp - residual
        } else {
            let mut b = self.basetime;
            let mut ts = self.timeslot;
            let mut guard = 0;
            while b > stamp && guard < 100_000 {
                ts = monthly_timeslot(b, self.history.count, false, self.utc);
                b += ts;
                guard += 1;
            }
            while b + ts < stamp && guard < 100_000 {
                b += ts;
                ts = monthly_timeslot(b, self.history.count, true, self.utc);
                guard += 1;
            }
            b
        }
    }
}

/// How many flows before its turn [`Cache::insert_run`] packs a flow's key.
const LOOK_AHEAD: usize = 4;
/// Keys [`Cache::insert_run`] holds: a power of two over [`LOOK_AHEAD`].
const AHEAD: usize = 8;
const _: () = assert!(LOOK_AHEAD >= 2 && LOOK_AHEAD < AHEAD && AHEAD.is_power_of_two());
// A flow's lines are asked for before its key is packed.
const _: () = assert!(LOOK_AHEAD < crate::flow::PREFETCH_AHEAD);

/// The keys of [`Cache::insert_run`], by flow index modulo [`AHEAD`], and their hashes.
struct Ahead {
    keys: Box<[KeyBuf; AHEAD]>,
    hash: [u32; AHEAD],
}

impl Default for Ahead {
    fn default() -> Self {
        Ahead {
            keys: Box::default(),
            hash: [0; AHEAD],
        }
    }
}

/// Where [`Cache::account_keyed`] finds the key.
#[derive(Clone, Copy)]
enum KeyAt {
    Buf,
    Ahead(usize),
}

/// One plugin's aggregation cache. Entries keep insertion order, which is pmacct's output
/// order.
pub struct Cache {
    cfg: CacheConfig,
    entries: Vec<Row>,
    index: KeyIndex,
    codec: KeyCodec,
    /// Key of the flow being accounted (reused: no 512-byte copy per record).
    keybuf: Box<KeyBuf>,
    /// Keys of the flows next in turn ([`Cache::insert_run`]).
    ahead: Ahead,
    /// Keys of the entries a purge keeps for the next one (reused).
    pending_keys: Vec<u8>,
    pending: Vec<Row>,
    bins: Option<Bins>,
    /// pmacct's bound: `cache_entries` buckets plus `cache_entries x AVERAGE_CHAIN_LEN`
    /// overflow nodes (one kept spare). With any real load every bucket is in use long before
    /// the overflow area runs out, so the bound is the sum.
    max_entries: usize,
    /// `*_stitching`: entries carry `timestamp_min`/`timestamp_max`.
    stitching: bool,
    /// `nfacctd_pro_rating` (with history): a flow's counters spread over the bins it spans.
    pro_rating: bool,
    /// The plugin's clock (`idata->now`), from [`Cache::update_time`].
    now: i64,
    /// Order of the record being accounted ([`Cache::set_order`]).
    order: u64,
}

impl Cache {
    /// A cache for `cfg`, its history bins initialized from `now` (seconds).
    pub fn new(cfg: CacheConfig, now: i64) -> Cache {
        let buckets = cfg.cache_entries.max(1);
        let bins = cfg.history.as_ref().map(|h| Bins::new(h, now, cfg.utc));
        Cache {
            entries: Vec::new(),
            index: KeyIndex::default(),
            codec: KeyCodec::new(&cfg.aggregate),
            keybuf: Box::default(),
            ahead: Ahead::default(),
            pending_keys: Vec::new(),
            pending: Vec::new(),
            bins,
            max_entries: buckets * (1 + AVERAGE_CHAIN_LEN) - 1,
            cfg,
            stitching: false,
            pro_rating: false,
            now,
            order: 0,
        }
    }

    /// A shard of a plugin's cache: the plugin checks `*_cache_entries` over all its shards
    /// between batches, so a shard takes up to `extra` more entries than the bound (the
    /// records of the batches in flight) instead of refusing them.
    pub fn add_slack(&mut self, extra: usize) {
        self.max_entries = self.max_entries.saturating_add(extra);
    }

    /// Most entries the cache holds (pmacct's buckets and overflow nodes).
    pub fn max_entries(&self) -> usize {
        self.max_entries
    }

    /// The position of the next records accounted (e.g. batch sequence and index): an entry
    /// keeps the position of the record that created it, and [`Cache::drain_ordered`] hands
    /// it out, so that shards' purges merge into the order of a single cache.
    #[inline]
    pub fn set_order(&mut self, order: u64) {
        self.order = order;
    }

    /// `*_stitching`: each entry keeps the earliest start (`timestamp_min`) and the latest
    /// end (`timestamp_max`) of the flows accounted in it, as pmacct 1.7.7's `P_cache_insert()`.
    pub fn with_stitching(mut self, on: bool) -> Cache {
        self.stitching = on;
        self
    }

    /// `nfacctd_pro_rating`: with `*_history`, a flow spanning several bins is accounted in
    /// each, its counters scaled by the share of its duration in the bin (pmacct 1.7.7).
    pub fn with_pro_rating(mut self, on: bool) -> Cache {
        self.pro_rating = on && self.bins.is_some();
        self
    }

    /// pmacct's startup log figure: `cache entries=N base cache memory=M bytes`.
    pub fn pmacct_memory_figure(cache_entries: usize) -> u64 {
        let n = cache_entries as u64;
        n * PMACCT_CHAINED_CACHE_SIZE * (1 + AVERAGE_CHAIN_LEN as u64)
            + 2 * (n * (1 + AVERAGE_CHAIN_LEN as u64)) * 8
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Heap bytes the cache holds now (entries, keys, index slots), for sizing figures.
    pub fn memory_bytes(&self) -> usize {
        self.entries.capacity() * ROW_BYTES + self.index.memory_bytes()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn aggregate(&self) -> &Aggregate {
        &self.cfg.aggregate
    }

    /// Roll the history bins to the wall clock (`now`, seconds).
    pub fn update_time(&mut self, now: i64) {
        self.now = now;
        if let Some(b) = &mut self.bins {
            b.update(now);
        }
    }

    /// Whether [`Cache::insert_run`] packs keys ahead (one key per flow: not with `*_sum`
    /// aggregates nor pro-rating).
    fn looks_ahead(&self) -> bool {
        !self.pro_rating && self.cfg.aggregate.sum_mode().is_none()
    }

    /// Account `flows` (custom values in `custom`, as [`crate::flow::custom_of`] finds them)
    /// in order, each flow's key packed [`LOOK_AHEAD`] flows before its turn, hashed one flow
    /// later, and the index slot its lookup reads first asked for then: when its turn comes
    /// the slot is in this core's cache (the slots are spread over many lines: each lookup's
    /// first read was a miss on its critical path), and the key's bytes are no longer in
    /// flight from the stores that packed it. For flows without GeoIP values (else
    /// [`Cache::insert_geo`] one by one); without [`Cache::looks_ahead`], one by one.
    /// Err(i): flow `i` found the cache full and is not accounted; the flows before it are.
    pub fn insert_run(&mut self, flows: &[Flow], custom: &[CustomValues]) -> Result<(), usize> {
        // Without: one flow at a time, each packing its own key (`*_sum`: two keys).
        let ahead = self.looks_ahead();
        let n = flows.len();
        let pack = |c: &mut Cache, i: usize| {
            let f = &flows[i];
            let basetime = c.basetime_of(f);
            let key = &mut c.ahead.keys[i % AHEAD];
            c.codec
                .pack_into(&f.prims, crate::flow::custom_of(f, custom), basetime, key);
            c.codec.pack_geo(&GeoValues::EMPTY, key);
        };
        let hash = |c: &mut Cache, i: usize| {
            let h = c.index.hash(c.ahead.keys[i % AHEAD].as_bytes());
            c.index.prefetch(h);
            c.ahead.hash[i % AHEAD] = h;
        };
        if ahead {
            for i in 0..n.min(LOOK_AHEAD) {
                pack(self, i);
            }
            for i in 0..n.min(LOOK_AHEAD - 1) {
                hash(self, i);
            }
        }
        for (i, f) in flows.iter().enumerate() {
            if let Some(next) = flows.get(i + crate::flow::PREFETCH_AHEAD) {
                crate::flow::prefetch_lead(next);
            }
            let done = if ahead {
                if i + LOOK_AHEAD < n {
                    pack(self, i + LOOK_AHEAD);
                }
                if i + LOOK_AHEAD - 1 < n {
                    hash(self, i + LOOK_AHEAD - 1);
                }
                let basetime = self.basetime_of(f);
                self.account_keyed(KeyAt::Ahead(i % AHEAD), basetime, f)
            } else {
                let cv = crate::flow::custom_of(f, custom);
                self.insert_geo(f, cv, &GeoValues::EMPTY) == Insert::Done
            };
            if !done {
                return Err(i);
            }
        }
        Ok(())
    }

    /// The history bin of `flow` (0 without history).
    #[inline]
    fn basetime_of(&self, flow: &Flow) -> u64 {
        match &self.bins {
            Some(b) => b.bin_of(flow.bin_time as i64).max(0) as u64,
            None => 0,
        }
    }

    /// Account one flow. No allocation unless the table grows.
    pub fn insert(&mut self, flow: &Flow) -> Insert {
        self.insert_with(flow, &CustomValues::EMPTY)
    }

    /// Account one flow whose custom primitive values are `custom` (beside it in its batch).
    pub fn insert_with(&mut self, flow: &Flow, custom: &CustomValues) -> Insert {
        self.insert_geo(flow, custom, &GeoValues::EMPTY)
    }

    /// Whether the aggregate has GeoIP primitives: flows then come with their values
    /// ([`Self::insert_geo`]).
    pub fn has_geo(&self) -> bool {
        self.codec.has_geo()
    }

    /// Account one flow with its custom primitive values and its GeoIP values.
    #[inline]
    pub fn insert_geo(&mut self, flow: &Flow, custom: &CustomValues, geo: &GeoValues) -> Insert {
        let basetime = self.basetime_of(flow);
        if self.pro_rating {
            return self.insert_pro_rated(flow, custom, geo, basetime);
        }
        self.insert_in_bin(flow, custom, geo, basetime)
    }

    /// pmacct 1.7.7's pro-rating: from the flow's start bin on, while the flow ends after
    /// the bin: the counters are the flow's scaled by (seconds of the flow in the bin) /
    /// (its duration), in f32 and at least 1 (a counter that is 0 stays 0); a bin the flow
    /// wholly covers (or spans exactly) keeps the counters of the bin before, as pmacct
    /// scales `pkt_data` in place.
    fn insert_pro_rated(
        &mut self,
        flow: &Flow,
        custom: &CustomValues,
        geo: &GeoValues,
        first: u64,
    ) -> Insert {
        let timeslot = self.bins.as_ref().map_or(0, |b| b.timeslot);
        let (start, end) = (flow.bin_time as i64, flow.time_end().secs as i64);
        let mut f = *flow;
        let mut base = first as i64;
        let mut bins = 0u32;
        loop {
            if end > start {
                let total = end - start;
                let delta = end.min(base + timeslot) - start.max(base);
                if delta > 0 && total > 0 && delta < total {
                    let ratio = total as f32 / delta as f32;
                    let scale = |v: u64| -> u64 {
                        if v == 0 {
                            0
                        } else {
                            (v as f32 / ratio).max(1.0) as u64
                        }
                    };
                    f.bytes = scale(flow.bytes);
                    f.packets = scale(flow.packets);
                    f.flows = scale(flow.flows);
                }
            }
            if self.insert_in_bin(&f, custom, geo, base.max(0) as u64) == Insert::Full {
                return Insert::Full;
            }
            bins += 1;
            // Bounded: a flow claiming to last for years must not stall the plugin.
            if timeslot <= 0 || base + timeslot >= end || bins >= MAX_PRO_RATED_BINS {
                return Insert::Done;
            }
            base += timeslot;
        }
    }

    #[inline]
    fn insert_in_bin(
        &mut self,
        flow: &Flow,
        custom: &CustomValues,
        geo: &GeoValues,
        basetime: u64,
    ) -> Insert {
        if let Some(mode) = self.cfg.aggregate.sum_mode() {
            let keys = sum_keys(&flow.prims, mode);
            // Check room for both halves first so a Full result leaves nothing half-done.
            let need = keys
                .iter()
                .filter(|k| !self.index.contains(self.codec.pack(k, basetime).as_bytes()))
                .count();
            if self.entries.len() + need > self.max_entries {
                return Insert::Full;
            }
            for k in keys {
                self.account(&k, &CustomValues::EMPTY, geo, basetime, flow);
            }
            return Insert::Done;
        }
        if self.account(&flow.prims, custom, geo, basetime, flow) {
            Insert::Done
        } else {
            Insert::Full
        }
    }

    /// Add `flow` to the entry of `prims` under this aggregate (created if there is room).
    /// False if the cache is full.
    fn account(
        &mut self,
        prims: &Primitives,
        custom: &CustomValues,
        geo: &GeoValues,
        basetime: u64,
        flow: &Flow,
    ) -> bool {
        self.codec
            .pack_into(prims, custom, basetime, &mut self.keybuf);
        self.codec.pack_geo(geo, &mut self.keybuf);
        self.account_keyed(KeyAt::Buf, basetime, flow)
    }

    /// [`Cache::account`] with the key packed: in `keybuf`, or ahead ([`Cache::insert_run`]).
    #[inline(always)]
    fn account_keyed(&mut self, at: KeyAt, basetime: u64, flow: &Flow) -> bool {
        let (key, h) = match at {
            KeyAt::Buf => {
                let key = self.keybuf.as_bytes();
                (key, self.index.hash(key))
            }
            KeyAt::Ahead(i) => (self.ahead.keys[i].as_bytes(), self.ahead.hash[i]),
        };
        let key_len = key.len();
        let room = self.entries.len() < self.max_entries;
        let key_off = self.index.arena_len();
        let slot = self.index.get_or_insert_hashed(key, h, room);
        match slot {
            Some(Slot::Found(i)) => {
                if let Some(e) = self.entries.get_mut(i) {
                    e.packets = e.packets.wrapping_add(flow.packets);
                    e.bytes = e.bytes.wrapping_add(flow.bytes);
                    e.flows = e.flows.wrapping_add(flow.flows);
                    e.tcp_flags |= flow.tcp_flags;
                    e.tunnel_tcp_flags |= flow.prims.tunnel_tcp_flags;
                    e.flow_type = flow.flow_type;
                    e.family = flow.prims.family;
                    if self.stitching {
                        // pmacct 1.7.7 moves timestamp_max only when both the seconds and
                        // the microseconds of the flow end are greater (kept as it is).
                        let end = flow.time_end();
                        if end.secs != 0 {
                            if end.secs > e.ts_max.secs && end.usecs > e.ts_max.usecs {
                                e.ts_max = end;
                            }
                        } else {
                            e.ts_max = Timestamp::new(self.now.max(0) as u64, 0);
                        }
                    }
                }
                true
            }
            Some(Slot::Inserted(_)) => {
                let (ts_min, ts_max) = if self.stitching {
                    let now = Timestamp::new(self.now.max(0) as u64, 0);
                    let (start, end) = (flow.time_start(), flow.time_end());
                    (
                        if start.secs != 0 { start } else { now },
                        if end.secs != 0 { end } else { now },
                    )
                } else {
                    (Timestamp::ZERO, Timestamp::ZERO)
                };
                self.entries.push(Row {
                    key_off: key_off as u32,
                    key_len: key_len as u32,
                    packets: flow.packets,
                    bytes: flow.bytes,
                    flows: flow.flows,
                    basetime,
                    tcp_flags: flow.tcp_flags,
                    tunnel_tcp_flags: flow.prims.tunnel_tcp_flags,
                    flow_type: flow.flow_type,
                    family: flow.prims.family,
                    ts_min,
                    ts_max,
                    order: self.order,
                });
                true
            }
            None => false,
        }
    }

    /// Take the entries a purge writes (`P_cache_mark_flush()` + flush): all of them when
    /// `exiting`, else those whose bin is committed; bins newer than the last closed one (and
    /// those within `startup_delay`) stay for the next purge. Returns (entries written, total
    /// entries in the cache before the purge) - pmacct's "QN: a/b". `out` is cleared and reused.
    pub fn drain_committed(&mut self, exiting: bool, out: &mut Vec<Entry>) -> usize {
        self.drain_inner(exiting, out, None, usize::MAX, |_| {})
    }

    /// [`Cache::drain_committed`], with each entry's order ([`Cache::set_order`]) in
    /// `orders` (cleared first), ascending when orders were set ascending.
    pub fn drain_ordered(
        &mut self,
        exiting: bool,
        out: &mut Vec<Entry>,
        orders: &mut Vec<u64>,
    ) -> usize {
        orders.clear();
        self.drain_inner(exiting, out, Some(orders), usize::MAX, |_| {})
    }

    /// [`Cache::drain_committed`] in chunks of at most `chunk` entries, so a large purge never
    /// decodes the whole cache at once (an entry is ~10x its row: 1M entries would be ~0.7 GB
    /// of fresh pages per purge): `full` gets each full chunk before `out` is cleared for the
    /// next one; the last chunk (1..=chunk entries, or none when nothing is committed) stays
    /// in `out`, so the caller knows which chunk is the last.
    pub fn drain_committed_chunked(
        &mut self,
        exiting: bool,
        out: &mut Vec<Entry>,
        chunk: usize,
        full: impl FnMut(&[Entry]),
    ) -> usize {
        self.drain_inner(exiting, out, None, chunk, full)
    }

    fn drain_inner(
        &mut self,
        exiting: bool,
        out: &mut Vec<Entry>,
        mut orders: Option<&mut Vec<u64>>,
        chunk: usize,
        mut full: impl FnMut(&[Entry]),
    ) -> usize {
        let chunk = chunk.max(1);
        out.clear();
        let total = self.entries.len();
        let commit = self.bins.as_ref().map(|b| {
            let commit_base = if b.new_basetime != 0 {
                b.new_basetime
            } else {
                b.basetime
            };
            let delay = if b.timeslot > 0 {
                (self.cfg.startup_delay as i64 / b.timeslot) * b.timeslot
            } else {
                0
            };
            (commit_base, delay)
        });
        self.pending.clear();
        self.pending_keys.clear();
        for row in self.entries.drain(..) {
            let keep = match commit {
                Some((base, delay)) if !exiting => base < row.basetime as i64 + delay,
                _ => false,
            };
            let key = self
                .index
                .key_at(row.key_off as usize, row.key_len as usize);
            if keep {
                // Keys move to a side buffer: the index (and its arena) is cleared below.
                let off = self.pending_keys.len();
                self.pending_keys.extend_from_slice(key);
                self.pending.push(Row {
                    key_off: off as u32,
                    ..row
                });
                continue;
            }
            let mut prims = Primitives::default();
            let mut custom = CustomValues::EMPTY;
            let mut geo = GeoValues::EMPTY;
            // Keys are only ever written by this codec; an unreadable one would be a bug,
            // and writing the entry with default primitives beats losing its counters.
            let _ = self
                .codec
                .unpack_with_geo(key, &mut prims, &mut custom, &mut geo);
            prims.tunnel_tcp_flags = row.tunnel_tcp_flags;
            if let Some(o) = orders.as_deref_mut() {
                o.push(row.order);
            }
            if out.len() >= chunk {
                full(out);
                out.clear();
            }
            out.push(Entry {
                prims,
                custom,
                packets: row.packets,
                bytes: row.bytes,
                flows: row.flows,
                tcp_flags: row.tcp_flags,
                flow_type: row.flow_type,
                family: row.family,
                basetime: row.basetime,
                timestamp_min: row.ts_min,
                timestamp_max: row.ts_max,
                geo,
            });
        }
        self.index.clear();
        if let Some(b) = &mut self.bins {
            b.new_basetime = 0;
        }
        for row in std::mem::take(&mut self.pending) {
            let start = row.key_off as usize;
            let key = &self.pending_keys[start..start + row.key_len as usize];
            let key_off = self.index.arena_len();
            if let Some(Slot::Inserted(_)) = self.index.get_or_insert(key, true) {
                self.entries.push(Row {
                    key_off: key_off as u32,
                    ..row
                });
            }
        }
        total
    }
}

/// When the next purge is due (`P_init_refresh_deadline()`): aligned to the minute (or to the
/// history roundoff), stepped by `refresh_time`, plus the startup delay once.
#[derive(Debug, Clone)]
pub struct PurgeSchedule {
    deadline: i64,
    refresh: i64,
}

impl PurgeSchedule {
    pub fn new(
        now: i64,
        refresh_time: u64,
        startup_delay: u64,
        roundoff: &str,
        utc: bool,
    ) -> PurgeSchedule {
        let refresh = refresh_time.max(1) as i64;
        let mut t = roundoff_time(now, roundoff, utc);
        while t + refresh < now {
            t += refresh;
        }
        PurgeSchedule {
            deadline: t + refresh + startup_delay as i64,
            refresh,
        }
    }

    /// The current deadline (seconds). pmacct purges at the first check with `now > deadline`.
    pub fn deadline(&self) -> i64 {
        self.deadline
    }

    /// Is a purge due at `now` (seconds)?
    pub fn due(&self, now: i64) -> bool {
        now > self.deadline
    }

    /// After a purge: the next deadline (`refresh_deadline += refresh_time`).
    pub fn advance(&mut self) {
        self.deadline += self.refresh;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::primitives::Primitive;
    use std::net::IpAddr;

    fn flow(src: &str, dst: &str, pk: u64, by: u64, flags: u8, start: u64) -> Flow {
        let mut f = Flow::default();
        f.prims.src_ip = Some(src.parse::<IpAddr>().unwrap());
        f.prims.dst_ip = Some(dst.parse::<IpAddr>().unwrap());
        f.packets = pk;
        f.bytes = by;
        f.flows = 1;
        f.tcp_flags = flags;
        f.bin_time = start;
        f
    }

    fn cfg(agg: &[Primitive], history: Option<History>) -> CacheConfig {
        CacheConfig {
            aggregate: Aggregate::from_primitives(agg),
            history,
            cache_entries: DEFAULT_CACHE_ENTRIES,
            startup_delay: 0,
            utc: true,
        }
    }

    /// A run of flows with their keys packed ahead accounts exactly what flows inserted one
    /// by one do, through full caches and their purges (the run stops at the flow that
    /// found the cache full, which the caller accounts after making room).
    #[test]
    fn runs_account_as_flows_one_by_one() {
        let agg = [
            Primitive::SrcHost,
            Primitive::DstHost,
            Primitive::TimestampStart,
        ];
        let history = History {
            count: 1,
            unit: HistoryUnit::Minutes,
            roundoff: String::new(),
            offset: 0,
        };
        let flows: Vec<Flow> = (0..600u64)
            .map(|i| {
                let k = (i * 7919) % 97;
                let mut f = flow(
                    &format!("10.0.{}.{}", k % 3, k),
                    &format!("10.1.0.{}", k % 5),
                    1 + i % 3,
                    40 + i,
                    (i % 7) as u8,
                    1_000_000 + (k % 4) * 30,
                );
                f.prims.timestamp_start.secs = f.bin_time;
                f
            })
            .collect();
        // The last one has two keys per flow: its runs go one by one.
        let sum = CacheConfig {
            aggregate: Aggregate::parse(&["sum_host"]).unwrap(),
            ..cfg(&agg, None)
        };
        let configs = [cfg(&agg, None), cfg(&agg, Some(history)), sum];
        // 4 buckets: 43 entries, so the 97 keys fill the cache again and again; 64 buckets:
        // every flow after the first 97 adds to an entry.
        for (mut c, buckets) in configs.into_iter().flat_map(|c| [(c.clone(), 4), (c, 64)]) {
            c.cache_entries = buckets;
            let (mut plain, mut run) = (Cache::new(c.clone(), 1_000_000), Cache::new(c, 1_000_000));
            let (mut out_plain, mut out_run) = (Vec::new(), Vec::new());
            let purge = |c: &mut Cache, out: &mut Vec<Vec<Entry>>| {
                let mut got = Vec::new();
                c.drain_committed(true, &mut got);
                out.push(got);
            };
            for f in &flows {
                if plain.insert(f) == Insert::Full {
                    purge(&mut plain, &mut out_plain);
                    assert_eq!(plain.insert(f), Insert::Done);
                }
            }
            // Runs of every length up to 9 (shorter than the look-ahead, and longer).
            let mut start = 0;
            for len in (1..=9).cycle() {
                if start >= flows.len() {
                    break;
                }
                let end = (start + len).min(flows.len());
                let mut from = start;
                while let Err(i) = run.insert_run(&flows[from..end], &[]) {
                    purge(&mut run, &mut out_run);
                    assert_eq!(run.insert(&flows[from + i]), Insert::Done);
                    from += i + 1;
                }
                start = end;
            }
            purge(&mut plain, &mut out_plain);
            purge(&mut run, &mut out_run);
            let purges = out_run.len();
            assert!(buckets > 4 || purges > 5, "the cache filled {purges} times");
            let entries: usize = out_plain.iter().map(Vec::len).sum();
            assert!(
                buckets == 4 || entries < 200,
                "{entries} entries of 600 flows"
            );
            assert_eq!(out_plain, out_run);
        }
    }

    #[test]
    fn sums_and_ors_and_drains() {
        let mut c = Cache::new(cfg(&[Primitive::SrcHost], None), 1_000_000);
        c.insert(&flow("10.0.0.1", "10.0.0.2", 1, 60, 2, 0));
        c.insert(&flow("10.0.0.1", "10.0.0.3", 2, 100, 16, 0));
        c.insert(&flow("10.0.0.9", "10.0.0.3", 1, 40, 1, 0));
        let mut out = Vec::new();
        assert_eq!(c.drain_committed(false, &mut out), 2);
        assert_eq!(out.len(), 2);
        assert_eq!(
            (out[0].packets, out[0].bytes, out[0].tcp_flags),
            (3, 160, 18)
        );
        assert!(out[0].prims.dst_ip.is_none(), "dst_host masked out");
        assert!(c.is_empty(), "a purge carries deltas");
    }

    #[test]
    fn chunked_drain_is_the_same_purge_in_order() {
        let fill = |c: &mut Cache| {
            for i in 0..10u8 {
                c.insert(&flow(&format!("10.0.0.{i}"), "10.0.0.2", 1, 60, 0, 0));
            }
        };
        let mut whole = Cache::new(cfg(&[Primitive::SrcHost], None), 1_000_000);
        fill(&mut whole);
        let mut all = Vec::new();
        assert_eq!(whole.drain_committed(true, &mut all), 10);
        for chunk in [1, 3, 5, 10, 64] {
            let mut c = Cache::new(cfg(&[Primitive::SrcHost], None), 1_000_000);
            fill(&mut c);
            let mut seen = Vec::new();
            let mut sizes = Vec::new();
            let mut out = Vec::new();
            let total = c.drain_committed_chunked(true, &mut out, chunk, |full| {
                sizes.push(full.len());
                seen.extend(full.iter().map(|e| e.prims.src_ip));
            });
            assert_eq!(total, 10);
            assert!(
                !out.is_empty() && out.len() <= chunk,
                "the last chunk stays in out"
            );
            assert!(sizes.iter().all(|&n| n == chunk), "{sizes:?}");
            seen.extend(out.iter().map(|e| e.prims.src_ip));
            let want: Vec<_> = all.iter().map(|e| e.prims.src_ip).collect();
            assert_eq!(seen, want, "chunk {chunk}");
            assert!(c.is_empty());
        }
        let mut empty = Cache::new(cfg(&[Primitive::SrcHost], None), 1_000_000);
        let mut out = Vec::new();
        assert_eq!(
            empty.drain_committed_chunked(true, &mut out, 4, |_| panic!()),
            0
        );
        assert!(out.is_empty());
    }

    #[test]
    fn history_bins_like_pmacct() {
        // now = 2026-11-28 07:21:04 UTC; 5m bins rounded to the hour.
        let mut h = History::parse("5m").unwrap();
        h.roundoff = "m".into();
        let mut c = Cache::new(cfg(&[Primitive::SrcHost], Some(h)), 1795850464);
        // Flow at 2023-02-28 09:46:01 -> bin 09:45:00 (reference 3.2).
        c.insert(&flow("10.0.0.1", "10.0.0.2", 1, 60, 0, 1677577561));
        // A stamp exactly on an earlier boundary lands in the bin before (pmacct).
        c.insert(&flow("10.0.0.2", "10.0.0.2", 1, 60, 0, 1677577500));
        let mut out = Vec::new();
        c.drain_committed(false, &mut out);
        assert_eq!(out[0].basetime, 1677577500);
        assert_eq!(out[1].basetime, 1677577200);
    }

    #[test]
    fn monthly_bins_of_old_flows() {
        // pmacct 1.7.7 loses these flows (its monthly bin search steps the wrong way for
        // flows older than the current bin: 0 entries purged). We put them in their month.
        let h = History::parse("1M").unwrap();
        let mut c = Cache::new(cfg(&[Primitive::SrcHost], Some(h)), 1795850464);
        c.insert(&flow("10.0.0.1", "10.0.0.2", 1, 60, 0, 1677577561));
        let mut out = Vec::new();
        c.drain_committed(true, &mut out);
        assert_eq!(out[0].basetime, 1675209600); // 2023-02-01 00:00 UTC
    }

    #[test]
    fn stitching_keeps_first_start_and_moves_max_as_pmacct() {
        let mut c = Cache::new(cfg(&[Primitive::SrcHost], None), 1_000).with_stitching(true);
        let mut f = flow("10.0.0.1", "10.0.0.2", 1, 60, 0, 100);
        f.time_start_usecs = 5;
        f.prims.timestamp_end = Timestamp::new(110, 500);
        c.insert(&f);
        // Later end, greater microseconds: moves; later end, smaller microseconds: stays.
        f.prims.timestamp_end = Timestamp::new(120, 600);
        c.insert(&f);
        f.prims.timestamp_end = Timestamp::new(130, 100);
        c.insert(&f);
        // A flow without a start or an end (sFlow): the plugin's clock.
        let mut g = flow("10.0.0.9", "10.0.0.2", 1, 60, 0, 0);
        c.update_time(2_000);
        c.insert(&g);
        g.bin_time = 0;
        c.insert(&g);
        let mut out = Vec::new();
        c.drain_committed(true, &mut out);
        assert_eq!(out[0].timestamp_min, Timestamp::new(100, 5));
        assert_eq!(out[0].timestamp_max, Timestamp::new(120, 600));
        assert_eq!(out[1].timestamp_min, Timestamp::new(2_000, 0));
        assert_eq!(out[1].timestamp_max, Timestamp::new(2_000, 0));
        let mut plain = Cache::new(cfg(&[Primitive::SrcHost], None), 1_000);
        plain.insert(&f);
        plain.drain_committed(true, &mut out);
        assert_eq!(out[0].timestamp_min, Timestamp::ZERO);
    }

    #[test]
    fn pro_rating_spreads_counters_over_bins() {
        let h = History::parse("1m").unwrap();
        let mut c =
            Cache::new(cfg(&[Primitive::SrcHost], Some(h)), 1_000_000).with_pro_rating(true);
        // 150 s from 30 s into a bin: 30/150, 60/150, 60/150 (f32, at least 1).
        let mut f = flow("10.0.0.1", "10.0.0.2", 3, 1000, 0, 90);
        f.prims.timestamp_end = Timestamp::new(240, 0);
        c.insert(&f);
        let mut out = Vec::new();
        c.drain_committed(true, &mut out);
        let got: Vec<_> = out
            .iter()
            .map(|e| (e.basetime, e.packets, e.bytes))
            .collect();
        assert_eq!(got, vec![(60, 1, 200), (120, 1, 400), (180, 1, 400)]);
        // Without history there is nothing to spread over.
        let c = Cache::new(cfg(&[Primitive::SrcHost], None), 0).with_pro_rating(true);
        assert!(!c.pro_rating);
    }

    #[test]
    fn schedule_is_minute_aligned() {
        let s = PurgeSchedule::new(1795850464, 60, 0, "", true); // 07:21:04
        assert_eq!(s.deadline(), 1795850460 + 60);
        let s = PurgeSchedule::new(1795850464, 300, 10, "m", true);
        assert_eq!(s.deadline(), 1795849200 + 300 * 4 + 300 + 10);
    }

    #[test]
    fn full_cache_reports_full() {
        let mut cf = cfg(&[Primitive::SrcHost], None);
        cf.cache_entries = 1; // 1 bucket + 10 overflow nodes, one kept spare
        let mut c = Cache::new(cf, 0);
        let mut full = 0;
        for i in 0..20 {
            if c.insert(&flow(&format!("10.0.0.{i}"), "10.0.0.1", 1, 1, 0, 0)) == Insert::Full {
                full += 1;
            }
        }
        assert_eq!(c.len(), 10);
        assert_eq!(full, 10);
        let mut out = Vec::new();
        assert_eq!(c.drain_committed(false, &mut out), 10);
        assert_eq!(
            c.insert(&flow("10.0.0.99", "10.0.0.1", 1, 1, 0, 0)),
            Insert::Done
        );
    }
}
