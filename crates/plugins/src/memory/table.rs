//! The memory plugin's table (pmacct's `imt_plugin` hash of `struct acc`): one entry per
//! aggregate, counters cumulative (never purged), cleared by an erase (`pmacct -e`) or per
//! entry by a reset (`pmacct -r`). Bounded like pmacct's memory pools; a full table drops
//! new aggregates, counted.
//!
//! The table lives behind one mutex shared by the plugin's thread (one lock per batch of
//! flows, never per record) and the query server's threads, which take what a query needs
//! under the lock (a copy of the rows and their packed keys, or the counters of the matched
//! entries) and render it after releasing it: a slow client never holds the table.

use std::time::SystemTime;

use pmacct_flow::cache::Entry;
use pmacct_flow::custom::CustomValues;
use pmacct_flow::flow::{custom_of, for_each_prefetched, FlowType, Primitives};
use pmacct_flow::index::{KeyBuf, KeyIndex, Slot};
use pmacct_flow::primitives::{sum_keys, KeyCodec};
use pmacct_flow::{Aggregate, Flow};

/// Size of pmacct 1.7.7's `struct acc` on x86_64 (its "enforcing memory pool's minimum
/// size" figure): how many entries a memory pool of `imt_mem_pools_size` bytes holds.
pub const PMACCT_ACC_SIZE: u64 = 352;

/// One entry's counters and where its packed key sits.
#[derive(Debug, Clone, Copy)]
pub struct Row {
    key_off: u32,
    key_len: u32,
    pub packets: u64,
    pub bytes: u64,
    pub flows: u64,
    pub tcp_flags: u8,
    pub flow_type: FlowType,
    pub family: u8,
    /// Reset by `pmacct -r` and not hit since: hidden from queries (pmacct's zero entry).
    pub reset: bool,
}

impl Row {
    /// pmacct's `test_zero_elem()`: an entry without counters is not shown.
    pub fn visible(&self) -> bool {
        !self.reset && (self.packets != 0 || self.bytes != 0)
    }
}

/// What a query copied out of the table: rows and their keys, unpacked after the lock.
#[derive(Debug, Default, Clone)]
pub struct Snapshot {
    pub rows: Vec<Row>,
    keys: Vec<u8>,
}

impl Snapshot {
    fn push(&mut self, row: &Row, key: &[u8]) {
        let mut r = *row;
        r.key_off = self.keys.len() as u32;
        self.keys.extend_from_slice(key);
        self.rows.push(r);
    }

    /// The key bytes of `row` (one of this snapshot's rows).
    pub fn key(&self, row: &Row) -> &[u8] {
        let off = row.key_off as usize;
        self.keys
            .get(off..off + row.key_len as usize)
            .unwrap_or_default()
    }
}

/// The in-memory table.
pub struct Table {
    aggregate: Aggregate,
    codec: KeyCodec,
    index: KeyIndex,
    rows: Vec<Row>,
    keybuf: Box<KeyBuf>,
    /// `flows` aggregated: pmacct counts flows only then (0 otherwise).
    count_flows: bool,
    /// `tcpflags` aggregated: pmacct keeps the flags only then.
    count_flags: bool,
    /// Most entries the memory pools hold (None: unbounded, `imt_mem_pools_number: 0`).
    max_entries: Option<usize>,
    /// Aggregates not accounted because the table was full (since start-up).
    pub full_drops: u64,
    /// When the table was last erased (`pmacct -i`).
    pub last_erase: Option<SystemTime>,
}

/// pmacct's bound: the first pool holds `buckets` entries, each further pool
/// `pool_size / sizeof(struct acc)`; `pools` counts the first one.
pub fn max_entries(buckets: u64, pools: u64, pool_size: u64) -> Option<usize> {
    if pools == 0 {
        return None;
    }
    let per_pool = pool_size.max(PMACCT_ACC_SIZE) / PMACCT_ACC_SIZE;
    let n = buckets.saturating_add((pools - 1).saturating_mul(per_pool));
    Some(usize::try_from(n).unwrap_or(usize::MAX))
}

/// Result of accounting a batch.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Accounted {
    /// Flows whose aggregate found no room.
    pub dropped: u64,
}

impl Table {
    pub fn new(aggregate: Aggregate, max_entries: Option<usize>) -> Table {
        Table {
            codec: KeyCodec::new(&aggregate),
            aggregate,
            index: KeyIndex::default(),
            rows: Vec::new(),
            keybuf: Box::default(),
            count_flows: aggregate.contains(pmacct_flow::primitives::Primitive::Flows),
            count_flags: aggregate.contains(pmacct_flow::primitives::Primitive::TcpFlags),
            max_entries,
            full_drops: 0,
            last_erase: None,
        }
    }

    pub fn aggregate(&self) -> &Aggregate {
        &self.aggregate
    }

    /// Entries in the table (shown or reset).
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Heap bytes held (rows, keys, index).
    pub fn memory_bytes(&self) -> usize {
        self.rows.capacity() * std::mem::size_of::<Row>() + self.index.memory_bytes()
    }

    /// Account a batch (custom primitive values beside it in `custom`).
    pub fn account(
        &mut self,
        flows: &[Flow],
        custom: &[CustomValues],
        time_new: bool,
    ) -> Accounted {
        let mut res = Accounted::default();
        for_each_prefetched(flows, |_, f| {
            let cv = custom_of(f, custom);
            // A copy only for the arrival time: a flow is nine cache lines, most of them
            // never written for a lead-only batch.
            let arrival;
            let fl = if time_new {
                let mut c = *f;
                c.use_arrival_time();
                arrival = c;
                &arrival
            } else {
                f
            };
            if let Some(mode) = self.aggregate.sum_mode() {
                for k in sum_keys(&fl.prims, mode) {
                    if !self.add(&k, &CustomValues::EMPTY, fl) {
                        res.dropped += 1;
                    }
                }
            } else if !self.add(&fl.prims, cv, fl) {
                res.dropped += 1;
            }
        });
        self.full_drops += res.dropped;
        res
    }

    fn add(&mut self, prims: &Primitives, custom: &CustomValues, flow: &Flow) -> bool {
        self.codec.pack_into(prims, custom, 0, &mut self.keybuf);
        let flows = if self.count_flows { flow.flows } else { 0 };
        let flags = if self.count_flags { flow.tcp_flags } else { 0 };
        let room = self.max_entries.is_none_or(|m| self.rows.len() < m);
        let key_off = self.index.arena_len();
        match self.index.get_or_insert(self.keybuf.as_bytes(), room) {
            Some(Slot::Found(i)) => {
                if let Some(e) = self.rows.get_mut(i) {
                    if e.reset {
                        e.reset = false;
                        e.packets = 0;
                        e.bytes = 0;
                        e.flows = 0;
                        e.tcp_flags = 0;
                    }
                    e.packets = e.packets.wrapping_add(flow.packets);
                    e.bytes = e.bytes.wrapping_add(flow.bytes);
                    e.flows = e.flows.wrapping_add(flows);
                    e.tcp_flags |= flags;
                    e.flow_type = flow.flow_type;
                    e.family = flow.prims.family;
                }
                true
            }
            Some(Slot::Inserted(_)) => {
                self.rows.push(Row {
                    key_off: key_off as u32,
                    key_len: self.keybuf.as_bytes().len() as u32,
                    packets: flow.packets,
                    bytes: flow.bytes,
                    flows,
                    tcp_flags: flags,
                    flow_type: flow.flow_type,
                    family: flow.prims.family,
                    reset: false,
                });
                true
            }
            None => false,
        }
    }

    fn key(&self, row: &Row) -> &[u8] {
        self.index
            .key_at(row.key_off as usize, row.key_len as usize)
    }

    /// Copy the visible entries that `keep` selects into `out` (cleared first); with
    /// `reset`, those entries are reset in the same critical section (`pmacct -r`).
    pub fn collect(
        &mut self,
        out: &mut Snapshot,
        reset: bool,
        keep: impl FnMut(&Row, &[u8]) -> bool,
    ) {
        out.rows.clear();
        out.keys.clear();
        self.append(out, reset, keep);
    }

    /// [`Table::collect`] adding to what `out` holds.
    pub fn append(
        &mut self,
        out: &mut Snapshot,
        reset: bool,
        mut keep: impl FnMut(&Row, &[u8]) -> bool,
    ) {
        for i in 0..self.rows.len() {
            let row = self.rows[i];
            if !row.visible() {
                continue;
            }
            let key = self.key(&row);
            if keep(&row, key) {
                out.push(&row, key);
                if reset {
                    let r = &mut self.rows[i];
                    r.reset = true;
                    r.packets = 0;
                    r.bytes = 0;
                    r.flows = 0;
                    r.tcp_flags = 0;
                }
            }
        }
    }

    /// Copy every visible entry into `out` (`pmacct -s`), room made first: the copy is what
    /// holds the lock, so it must not reallocate as it grows.
    pub fn collect_all(&mut self, out: &mut Snapshot) {
        out.rows.clear();
        out.keys.clear();
        out.rows.reserve(self.rows.len());
        out.keys.reserve(self.index.arena_len());
        self.append(out, false, |_, _| true);
    }

    /// Empty the table (`pmacct -e`).
    pub fn erase(&mut self, now: SystemTime) {
        self.rows.clear();
        self.index.clear();
        self.last_erase = Some(now);
    }

    /// The codec that unpacks this table's keys.
    pub fn codec(&self) -> &KeyCodec {
        &self.codec
    }
}

/// Unpack one snapshot row into an entry (the aggregated primitives, the counters).
pub fn unpack_entry(codec: &KeyCodec, row: &Row, key: &[u8], e: &mut Entry) -> bool {
    e.prims = Primitives::default();
    e.custom = CustomValues::EMPTY;
    if codec.unpack(key, &mut e.prims, &mut e.custom).is_none() {
        return false;
    }
    e.packets = row.packets;
    e.bytes = row.bytes;
    e.flows = row.flows;
    e.tcp_flags = row.tcp_flags;
    e.flow_type = row.flow_type;
    e.family = row.family;
    e.basetime = 0;
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow(src: [u8; 4], bytes: u64) -> Flow {
        let mut f = Flow::default();
        f.prims.src_ip = Some(std::net::IpAddr::from(src));
        f.packets = 1;
        f.bytes = bytes;
        f
    }

    #[test]
    fn bounded_and_counted() {
        let mut t = Table::new(Aggregate::default_src_host(), Some(2));
        let flows = [
            flow([10, 0, 0, 1], 10),
            flow([10, 0, 0, 2], 20),
            flow([10, 0, 0, 3], 30),
            flow([10, 0, 0, 1], 1),
        ];
        let r = t.account(&flows, &[], false);
        assert_eq!(r.dropped, 1);
        assert_eq!(t.len(), 2);
        assert_eq!(t.full_drops, 1);
        let mut s = Snapshot::default();
        t.collect(&mut s, false, |_, _| true);
        let total: u64 = s.rows.iter().map(|r| r.bytes).sum();
        assert_eq!(total, 31);
    }

    /// Two entries: 10.0.0.1 with 10 bytes, 10.0.0.2 with 5.
    fn two_entries() -> Table {
        let mut t = Table::new(Aggregate::default_src_host(), None);
        t.account(
            &[flow([10, 0, 0, 1], 10), flow([10, 0, 0, 2], 5)],
            &[],
            false,
        );
        t
    }

    #[test]
    fn reset_hides_until_next_hit_and_erase_empties() {
        let mut t = two_entries();
        let mut s = Snapshot::default();
        t.collect(&mut s, true, |r, _| r.bytes == 10);
        assert_eq!(s.rows.len(), 1);
        t.collect(&mut s, false, |_, _| true);
        assert_eq!(s.rows.len(), 1);
        t.account(&[flow([10, 0, 0, 1], 7)], &[], false);
        t.collect(&mut s, false, |_, _| true);
        let mut b: Vec<u64> = s.rows.iter().map(|r| r.bytes).collect();
        b.sort();
        assert_eq!(b, vec![5, 7]);
        t.erase(SystemTime::now());
        t.collect(&mut s, false, |_, _| true);
        assert!(s.rows.is_empty());
        assert!(t.last_erase.is_some());
    }

    #[test]
    fn append_lists_an_entry_per_query_and_reset_hides_it_from_later_ones() {
        let mut t = two_entries();
        let mut s = Snapshot::default();
        t.append(&mut s, false, |_, _| true);
        t.append(&mut s, false, |r, _| r.bytes == 10);
        assert_eq!(s.rows.len(), 3);
        let mut s = Snapshot::default();
        t.append(&mut s, true, |r, _| r.bytes == 10);
        t.append(&mut s, true, |r, _| r.bytes == 10);
        assert_eq!(s.rows.len(), 1);
    }

    #[test]
    fn pools_bound() {
        assert_eq!(max_entries(32771, 16, 8192), Some(32771 + 15 * 23));
        assert_eq!(max_entries(10, 0, 8192), None);
    }
}
