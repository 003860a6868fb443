//! NetFlow v9 / IPFIX templates and the bounded per-exporter template cache.
//!
//! Keyed by (exporter address, source id / observation domain id, template id), all integers:
//! no string hashing. Each exporter's state also keeps the sampling facts learnt from options
//! data (sampler id -> interval), which data records then refer to.

use super::ie::{self, Element};
use super::DropReason;
use crate::record::{FieldSpec, FlowType, VrfName};
use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, Hasher};
use std::io::{self, BufRead, Write};
use std::net::IpAddr;
use std::sync::Arc;

/// Multiply-rotate hasher for the cache's small integer keys: the default SipHash showed up
/// at 10% of decode time. Seeded per cache from `RandomState` so keys an attacker picks
/// (spoofed addresses, template ids) cannot be aimed at one bucket in advance; the maps are
/// capped anyway (`Limits`), which bounds the worst case.
#[derive(Clone, Copy, Debug)]
pub struct KeyHasher(u64);

impl Hasher for KeyHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for c in bytes.chunks(8) {
            let mut w = [0u8; 8];
            w[..c.len()].copy_from_slice(c);
            self.write_u64(u64::from_le_bytes(w));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.write_u64(i as u64)
    }
    #[inline]
    fn write_u16(&mut self, i: u16) {
        self.write_u64(i as u64)
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.write_u64(i as u64)
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64)
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

#[derive(Clone, Copy, Debug)]
pub struct KeyHashState(u64);

impl Default for KeyHashState {
    fn default() -> Self {
        KeyHashState(std::collections::hash_map::RandomState::new().hash_one(0u8))
    }
}

impl BuildHasher for KeyHashState {
    type Hasher = KeyHasher;
    #[inline]
    fn build_hasher(&self) -> KeyHasher {
        KeyHasher(self.0)
    }
}

type Map<K, V> = HashMap<K, V, KeyHashState>;

/// Pseudo enterprise number given to NetFlow v9 options *scope* fields: their type codes
/// (1 system, 2 interface, 3 line card, 4 cache, 5 template) are not element ids, and must not
/// be read as IE 1 (bytes) or IE 2 (packets). Raw access finds them as `(V9_SCOPE_PEN, type)`.
pub const V9_SCOPE_PEN: u32 = u32::MAX;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateKind {
    Data,
    Options,
}

/// One mapped field: where it is in a fixed-length record and what it feeds.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Op {
    /// Byte offset in the record (meaningful only for fixed-length templates).
    pub off: u32,
    pub len: u16,
    /// Index in `Template::fields` (for variable-length walking).
    pub index: u16,
    pub el: Element,
    /// Position of `el` in [`PLAIN`]; `NOT_PLAIN` when it is not there.
    pub plain: u8,
}

const NOT_PLAIN: u8 = u8::MAX;

/// The elements a [`Plain`] template may carry, in the order its records are decoded.
/// Each writes a target no other element of the list writes, except the two pairs that set
/// the flow's start and end times (an 8-byte IE 22/21 and IE 152/153), which a plain template
/// never carries together: so decoding them in this order, not the template's, gives the
/// same record.
pub(crate) const PLAIN: [Element; 32] = {
    use Element as E;
    [
        E::Bytes,
        E::Packets,
        E::Flows,
        E::Proto,
        E::Tos,
        E::TcpFlags,
        E::SrcPort,
        E::DstPort,
        E::SrcAddr,
        E::DstAddr,
        E::SrcMask,
        E::DstMask,
        E::SrcAddr6,
        E::DstAddr6,
        E::SrcMask6,
        E::DstMask6,
        E::IpVersion,
        E::InIface,
        E::OutIface,
        E::SrcAs,
        E::DstAs,
        E::NextHop,
        E::BgpNextHop,
        E::SrcMac,
        E::DstMac,
        E::Vlan,
        E::PostVlan,
        E::Direction,
        E::FirstUptime,
        E::LastUptime,
        E::FirstMillis,
        E::LastMillis,
    ]
};

/// Which [`PLAIN`] elements a template has (bit i: `PLAIN[i]`), when it is a fixed-length
/// data template of those elements only (most exporters' templates): its records are then
/// decoded by straight-line code, one branch per element that takes the same way for every
/// record of the template, instead of a jump through the element table per field, which
/// the branch predictor misses. None when an element is not in [`PLAIN`], or when both of
/// a start (or end) time pair are there.
fn plain_mask(ops: &[Op]) -> Option<u32> {
    let mut present = 0u32;
    for op in ops {
        if op.plain == NOT_PLAIN {
            return None;
        }
        present |= 1 << op.plain;
    }
    let has = |el: Element| present & (1 << plain_index(el)) != 0;
    let one_start = !(has(Element::FirstUptime) && has(Element::FirstMillis));
    let one_end = !(has(Element::LastUptime) && has(Element::LastMillis));
    (one_start && one_end).then_some(present)
}

fn plain_index(el: Element) -> u8 {
    PLAIN
        .iter()
        .position(|e| *e == el)
        .map_or(NOT_PLAIN, |i| i as u8)
}

/// Where a plain template's element is in its records.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Slot {
    pub off: u32,
    pub len: u32,
}

/// A plain template's elements by their place in [`PLAIN`]. Not kept in the template (the
/// cache holds up to 65,536 templates per exporter, each of which keeps only its mask,
/// [`Template::plain`]) but in a decoder's few [`PlainTables`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Plain {
    pub present: u32,
    pub at: [Slot; PLAIN.len()],
    /// How far from a record's start its lead reads ([`super::lead::span`]).
    pub span: u32,
}

impl Plain {
    /// The table of `t`, when it is plain.
    pub(crate) fn of(t: &Template) -> Option<Plain> {
        let present = t.plain?;
        let mut at = [Slot::default(); PLAIN.len()];
        for op in t.ops.iter() {
            if let Some(slot) = at.get_mut(op.plain as usize) {
                *slot = Slot {
                    off: op.off,
                    len: u32::from(op.len),
                };
            }
        }
        let span = super::lead::span(present, &at);
        Some(Plain { present, at, span })
    }
}

/// The tables of the plain templates a decoder used last, by [`Template::serial`]: four
/// (an exporter alternates its IPv4 and IPv6 templates set by set, and most sets hold a few
/// records only), so a set's table is built once per template, not per set.
#[derive(Debug)]
pub(crate) struct PlainTables([(u64, Plain); 4]);

impl Default for PlainTables {
    fn default() -> Self {
        let none = Plain {
            present: 0,
            at: [Slot::default(); PLAIN.len()],
            span: u32::MAX,
        };
        // Serial 0 is no template's.
        PlainTables([(0, none); 4])
    }
}

impl PlainTables {
    #[inline]
    pub(crate) fn get(&mut self, t: &Template) -> Option<&Plain> {
        t.plain?;
        let e = &mut self.0[(t.serial % 4) as usize];
        if e.0 != t.serial {
            *e = (t.serial, Plain::of(t)?);
        }
        Some(&e.1)
    }
}

/// Serial numbers of compiled templates, unique in the process: what [`PlainTables`] knows a
/// template by (an address may be reused by a template compiled after one was dropped).
static SERIAL: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// A validated, compiled template.
#[derive(Debug)]
pub struct Template {
    pub id: u16,
    pub kind: TemplateKind,
    /// Number of leading scope fields (options templates), 0 for data templates.
    pub scope_count: u16,
    pub fields: Box<[FieldSpec]>,
    pub(crate) ops: Box<[Op]>,
    /// Record length when no field is variable-length.
    pub(crate) fixed_len: Option<usize>,
    /// Set for a fixed-length data template of [`PLAIN`] elements only: which ones (see
    /// [`plain_mask`]).
    pub(crate) plain: Option<u32>,
    /// Unique in the process (never 0).
    pub(crate) serial: u64,
    /// Smallest possible record (variable-length fields count 1 byte).
    pub(crate) min_len: usize,
    pub(crate) flow_type: FlowType,
    /// Where the SRv6 / tunnel primitives are (pmacct 1.7.9+); None for most templates.
    pub(crate) tunnel: Option<super::tunnel::TunnelLayout>,
}

impl Template {
    /// Validate and compile. Zero-length fields are rejected (pmacct turns them into a bogus
    /// row, quirk 9), as are templates over `max_fields`.
    pub fn compile(
        id: u16,
        kind: TemplateKind,
        scope_count: u16,
        fields: &[FieldSpec],
        max_fields: usize,
    ) -> Result<Template, DropReason> {
        if fields.len() > max_fields || fields.len() > u16::MAX as usize {
            return Err(DropReason::TemplateTooManyFields);
        }
        if fields.iter().any(|f| f.len == 0) {
            return Err(DropReason::TemplateZeroLengthField);
        }
        // Best-ranked field for each target element.
        let mut best: HashMap<Element, (u8, usize)> = HashMap::new();
        for (i, f) in fields.iter().enumerate() {
            let Some(row) = ie::lookup(f.pen, f.id) else {
                continue;
            };
            if row.element == Element::Unmapped {
                continue;
            }
            // Lower rank wins; among repeats of one element (a tunnel's outer and inner
            // header, say) the last one, as pmacct 1.7.7 keeps the last of a repeated IE.
            let e = best.entry(row.element).or_insert((row.rank, i));
            if row.rank <= e.0 {
                *e = (row.rank, i);
            }
        }
        let mut ops = Vec::with_capacity(best.len());
        let mut off = 0u64;
        let mut min_len = 0usize;
        let mut varlen = false;
        for (i, f) in fields.iter().enumerate() {
            if let Some(row) = ie::lookup(f.pen, f.id) {
                if best.get(&row.element).map(|b| b.1) == Some(i) {
                    ops.push(Op {
                        off: off as u32,
                        len: f.len,
                        index: i as u16,
                        el: row.element,
                        plain: plain_index(row.element),
                    });
                }
            }
            if f.len == 0xFFFF {
                varlen = true;
                min_len += 1;
            } else {
                off += f.len as u64;
                min_len += f.len as usize;
            }
        }
        let has = |el: Element| ops.iter().any(|o| o.el == el);
        let flow_type = match kind {
            TemplateKind::Options => FlowType::Option,
            TemplateKind::Data if has(Element::Bytes) || has(Element::Packets) => FlowType::Traffic,
            TemplateKind::Data if has(Element::NatEvent) || has(Element::FwEvent) => {
                FlowType::Event
            }
            TemplateKind::Data => FlowType::Traffic,
        };
        let plain = match kind {
            TemplateKind::Data if !varlen => plain_mask(&ops),
            _ => None,
        };
        Ok(Template {
            id,
            kind,
            scope_count,
            fields: fields.into(),
            ops: ops.into(),
            fixed_len: if varlen { None } else { Some(min_len) },
            plain,
            serial: SERIAL.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            min_len,
            flow_type,
            tunnel: match kind {
                TemplateKind::Data => super::tunnel::TunnelLayout::compile(fields),
                TemplateKind::Options => None,
            },
        })
    }

    fn same_as(&self, kind: TemplateKind, scope_count: u16, fields: &[FieldSpec]) -> bool {
        self.kind == kind && self.scope_count == scope_count && *self.fields == *fields
    }

    /// Record length if fixed.
    pub fn record_len(&self) -> Option<usize> {
        self.fixed_len
    }
}

/// Default [`Limits::max_templates_per_exporter`]: pmacct 1.7.7 has no cap; this one is
/// far above what a router announces (a few hundred), and memory stays bounded by
/// `max_total_fields` whatever it is set to.
pub const DEFAULT_MAX_TEMPLATES_PER_EXPORTER: usize = 65_536;

/// Caps on what one decoder keeps. Defaults bound the worst case to roughly 100 MB.
/// Past a cap the least recently announced template (or exporter) is evicted and counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_exporters: usize,
    pub max_templates_per_exporter: usize,
    pub max_template_fields: usize,
    /// Sum of fields over all cached templates.
    pub max_total_fields: usize,
    pub max_samplers_per_exporter: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_exporters: 4096,
            max_templates_per_exporter: DEFAULT_MAX_TEMPLATES_PER_EXPORTER,
            max_template_fields: 1024,
            max_total_fields: 4 << 20,
            max_samplers_per_exporter: 256,
        }
    }
}

/// Template cache counters (monotonic).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    pub hits: u64,
    pub misses: u64,
    /// Templates evicted to make room (per-exporter cap, or with their exporter).
    pub evictions: u64,
    pub exporter_evictions: u64,
    pub inserted: u64,
    /// Template re-announced unchanged (no work, no allocation).
    pub refreshed: u64,
    pub withdrawn: u64,
    pub rejected: u64,
}

/// Sampling learnt from options data: one entry per (source id, sampler id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SamplerEntry {
    pub source_id: u32,
    /// Sampler id / selector id; 0 when the options record carried none.
    pub sampler_id: u32,
    pub interval: u32,
    pub algorithm: u8,
}

#[derive(Debug)]
struct Entry {
    tpl: Arc<Template>,
    stamp: u64,
}

/// Per-exporter state: templates and options-data sampling.
#[derive(Debug, Default)]
pub struct ExporterState {
    templates: Map<(u32, u16), Entry>,
    /// `templates` by their stamp (last announcement): the least recently announced one
    /// is evicted in O(log n) when the exporter is at its cap.
    lru: BTreeMap<u64, (u32, u16)>,
    samplers: Vec<SamplerEntry>,
    /// IPFIX systemInitTimeMilliseconds per observation domain (options data).
    sys_init: Vec<(u32, u64)>,
    /// exporterIPv4/IPv6Address per observation domain / source id (options data).
    exporter_addrs: Vec<(u32, IpAddr)>,
    /// VRF id -> name per observation domain / source id (options data IE 234 + 236,
    /// pmacct 1.8's vrf_name), at most `MAX_VRF_NAMES` per exporter.
    vrf_names: Map<(u32, u32), VrfName>,
    last_used: u64,
}

impl ExporterState {
    /// One lookup for a data set: its template, and the exporter's sampling entries and
    /// systemInitTime for this source. Not counted: [`TemplateCache::count_lookups`] then.
    pub(crate) fn data_view(
        &self,
        source_id: u32,
        id: u16,
    ) -> Option<(&Arc<Template>, &[SamplerEntry], DomainFacts)> {
        let e = self.templates.get(&(source_id, id))?;
        let facts = DomainFacts {
            sys_init_ms: self.sys_init.iter().find(|e| e.0 == source_id).map(|e| e.1),
            exporter_addr: self
                .exporter_addrs
                .iter()
                .find(|e| e.0 == source_id)
                .map(|e| e.1),
        };
        Some((&e.tpl, &self.samplers, facts))
    }

    /// The name options data gave VRF `vrf_id` of this source.
    pub(crate) fn vrf_name(&self, source_id: u32, vrf_id: u32) -> Option<VrfName> {
        if self.vrf_names.is_empty() {
            return None;
        }
        self.vrf_names.get(&(source_id, vrf_id)).copied()
    }
}

/// VRF names kept per exporter: a bound against options data that invents ids without end.
pub const MAX_VRF_NAMES: usize = 16_384;

/// What an exporter's options data said about one observation domain / source id.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DomainFacts {
    /// systemInitTimeMilliseconds (IE 160).
    pub sys_init_ms: Option<u64>,
    /// exporterIPv4Address / exporterIPv6Address (IE 130/131).
    pub exporter_addr: Option<IpAddr>,
}

impl ExporterState {
    fn fields(&self) -> usize {
        self.templates.values().map(|e| e.tpl.fields.len()).sum()
    }
}

/// What `TemplateCache::insert` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InsertOutcome {
    Inserted,
    Replaced,
    Refreshed,
}

#[derive(Debug)]
pub struct TemplateCache {
    exporters: Map<IpAddr, ExporterState>,
    limits: Limits,
    stats: CacheStats,
    total_fields: usize,
    clock: u64,
}

impl TemplateCache {
    pub fn new(limits: Limits) -> Self {
        TemplateCache {
            exporters: Map::default(),
            limits,
            stats: CacheStats::default(),
            total_fields: 0,
            clock: 0,
        }
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    pub fn stats(&self) -> CacheStats {
        self.stats
    }

    /// Number of cached templates over all exporters.
    pub fn len(&self) -> usize {
        self.exporters.values().map(|e| e.templates.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn exporter_count(&self) -> usize {
        self.exporters.len()
    }

    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    /// The state of `exporter`, created if needed; evicts the least recently used exporter
    /// when `max_exporters` is reached. None only if max_exporters is 0.
    fn exporter_mut(&mut self, exporter: IpAddr) -> Option<&mut ExporterState> {
        let now = self.tick();
        if !self.exporters.contains_key(&exporter) {
            if self.limits.max_exporters == 0 {
                return None;
            }
            if self.exporters.len() >= self.limits.max_exporters {
                // O(exporters), only when a new exporter arrives at a full cache.
                let victim = self
                    .exporters
                    .iter()
                    .min_by_key(|(_, s)| s.last_used)
                    .map(|(a, _)| *a);
                if let Some(v) = victim.and_then(|v| self.exporters.remove(&v)) {
                    self.stats.exporter_evictions += 1;
                    self.stats.evictions += v.templates.len() as u64;
                    self.total_fields -= v.fields();
                }
            }
            self.exporters.insert(exporter, ExporterState::default());
        }
        let st = self.exporters.get_mut(&exporter)?;
        st.last_used = now;
        Some(st)
    }

    /// Look a template up, counting a hit or a miss.
    pub fn get(&mut self, exporter: IpAddr, source_id: u32, id: u16) -> Option<Arc<Template>> {
        match self
            .exporters
            .get(&exporter)
            .and_then(|s| s.templates.get(&(source_id, id)))
        {
            Some(e) => {
                self.stats.hits += 1;
                Some(e.tpl.clone())
            }
            None => {
                self.stats.misses += 1;
                None
            }
        }
    }

    /// One exporter's state, for the data sets of a datagram: looked up once per datagram,
    /// not once a set (an exporter such as softflowd sends a set or more per record).
    pub(crate) fn exporter(&self, exporter: IpAddr) -> Option<&ExporterState> {
        self.exporters.get(&exporter)
    }

    /// Count the [`ExporterState::data_view`] lookups of a datagram: hits and misses.
    pub(crate) fn count_lookups(&mut self, hits: u64, misses: u64) {
        self.stats.hits += hits;
        self.stats.misses += misses;
    }

    /// Look a template up without touching the counters.
    pub fn peek(&self, exporter: IpAddr, source_id: u32, id: u16) -> Option<&Template> {
        self.exporters
            .get(&exporter)?
            .templates
            .get(&(source_id, id))
            .map(|e| &*e.tpl)
    }

    /// Add or refresh a template. An unchanged re-announcement costs no allocation.
    pub fn insert(
        &mut self,
        exporter: IpAddr,
        source_id: u32,
        id: u16,
        kind: TemplateKind,
        scope_count: u16,
        fields: &[FieldSpec],
    ) -> Result<InsertOutcome, DropReason> {
        let limits = self.limits;
        let now = self.tick();
        if let Some(e) = self
            .exporters
            .get_mut(&exporter)
            .and_then(|s| s.templates.get_mut(&(source_id, id)))
        {
            if e.tpl.same_as(kind, scope_count, fields) {
                let old = std::mem::replace(&mut e.stamp, now);
                if let Some(st) = self.exporters.get_mut(&exporter) {
                    st.lru.remove(&old);
                    st.lru.insert(now, (source_id, id));
                }
                self.stats.refreshed += 1;
                return Ok(InsertOutcome::Refreshed);
            }
        }
        let tpl = match Template::compile(id, kind, scope_count, fields, limits.max_template_fields)
        {
            Ok(t) => t,
            Err(r) => {
                // The exporter meant to replace this id: never keep decoding with the old one.
                self.withdraw(exporter, source_id, id);
                self.stats.rejected += 1;
                return Err(r);
            }
        };
        let old_fields = self
            .peek(exporter, source_id, id)
            .map_or(0, |t| t.fields.len());
        if self.total_fields - old_fields + fields.len() > limits.max_total_fields {
            self.stats.rejected += 1;
            return Err(DropReason::TemplateCacheFull);
        }
        let Some(st) = self.exporter_mut(exporter) else {
            self.stats.rejected += 1;
            return Err(DropReason::TemplateCacheFull);
        };
        let mut evicted = 0usize;
        let mut evictions = 0u64;
        if !st.templates.contains_key(&(source_id, id))
            && st.templates.len() >= limits.max_templates_per_exporter
        {
            let victim = st.lru.pop_first().map(|(_, k)| k);
            match victim.and_then(|k| st.templates.remove(&k)) {
                Some(v) => {
                    evicted = v.tpl.fields.len();
                    evictions = 1;
                }
                None => {
                    self.stats.rejected += 1;
                    return Err(DropReason::TemplateCacheFull);
                }
            }
        }
        let n = tpl.fields.len();
        let prev = st.templates.insert(
            (source_id, id),
            Entry {
                tpl: Arc::new(tpl),
                stamp: now,
            },
        );
        if let Some(p) = &prev {
            st.lru.remove(&p.stamp);
        }
        st.lru.insert(now, (source_id, id));
        self.total_fields =
            self.total_fields + n - evicted - prev.as_ref().map_or(0, |p| p.tpl.fields.len());
        self.stats.evictions += evictions;
        Ok(match prev {
            Some(_) => {
                self.stats.inserted += 1;
                InsertOutcome::Replaced
            }
            None => {
                self.stats.inserted += 1;
                InsertOutcome::Inserted
            }
        })
    }

    /// Remove one template (RFC 7011 8.1 withdrawal). True if it existed.
    pub fn withdraw(&mut self, exporter: IpAddr, source_id: u32, id: u16) -> bool {
        let Some(st) = self.exporters.get_mut(&exporter) else {
            return false;
        };
        match st.templates.remove(&(source_id, id)) {
            Some(e) => {
                st.lru.remove(&e.stamp);
                self.total_fields -= e.tpl.fields.len();
                self.stats.withdrawn += 1;
                true
            }
            None => false,
        }
    }

    /// Remove all templates of one kind of a source (IPFIX "all templates" withdrawal).
    pub fn withdraw_all(&mut self, exporter: IpAddr, source_id: u32, kind: TemplateKind) -> usize {
        let Some(st) = self.exporters.get_mut(&exporter) else {
            return 0;
        };
        let before = st.templates.len();
        let mut freed = 0;
        let lru = &mut st.lru;
        st.templates.retain(|k, e| {
            let keep = !(k.0 == source_id && e.tpl.kind == kind);
            if !keep {
                freed += e.tpl.fields.len();
                lru.remove(&e.stamp);
            }
            keep
        });
        let n = before - st.templates.len();
        self.total_fields -= freed;
        self.stats.withdrawn += n as u64;
        n
    }

    /// Record sampling learnt from an options data record.
    pub fn set_sampler(&mut self, exporter: IpAddr, entry: SamplerEntry) {
        let cap = self.limits.max_samplers_per_exporter;
        let Some(st) = self.exporter_mut(exporter) else {
            return;
        };
        if let Some(e) = st
            .samplers
            .iter_mut()
            .find(|e| e.source_id == entry.source_id && e.sampler_id == entry.sampler_id)
        {
            *e = entry;
        } else if st.samplers.len() < cap {
            st.samplers.push(entry);
        } else if cap > 0 {
            // Full: the oldest learnt entry makes room (exporters re-send options periodically).
            st.samplers.remove(0);
            st.samplers.push(entry);
        }
    }

    /// Record an exporter's systemInitTimeMilliseconds (IPFIX options data, IE 160), which
    /// turns its IE 21/22 uptime-relative times into absolute ones.
    pub fn set_sys_init(&mut self, exporter: IpAddr, source_id: u32, ms: u64) {
        let cap = self.limits.max_samplers_per_exporter;
        let Some(st) = self.exporter_mut(exporter) else {
            return;
        };
        if let Some(e) = st.sys_init.iter_mut().find(|e| e.0 == source_id) {
            e.1 = ms;
        } else if st.sys_init.len() < cap {
            st.sys_init.push((source_id, ms));
        }
    }

    pub fn sys_init(&self, exporter: IpAddr, source_id: u32) -> Option<u64> {
        let st = self.exporters.get(&exporter)?;
        st.sys_init.iter().find(|e| e.0 == source_id).map(|e| e.1)
    }

    /// Record the address an exporter gives itself in options data (IE 130/131) for one
    /// observation domain / source id: pmacct 1.7.7 prints it as peer_ip_src of that
    /// domain's records instead of the datagrams' source address.
    pub fn set_exporter_addr(&mut self, exporter: IpAddr, source_id: u32, addr: IpAddr) {
        let cap = self.limits.max_samplers_per_exporter;
        let Some(st) = self.exporter_mut(exporter) else {
            return;
        };
        if let Some(e) = st.exporter_addrs.iter_mut().find(|e| e.0 == source_id) {
            e.1 = addr;
        } else if st.exporter_addrs.len() < cap {
            st.exporter_addrs.push((source_id, addr));
        }
    }

    /// Map a VRF id to its name for one observation domain / source id (options data),
    /// replacing an older name; new ids past `MAX_VRF_NAMES` are not kept.
    pub fn set_vrf_name(&mut self, exporter: IpAddr, source_id: u32, vrf_id: u32, name: VrfName) {
        let Some(st) = self.exporter_mut(exporter) else {
            return;
        };
        let key = (source_id, vrf_id);
        if let Some(old) = st.vrf_names.get_mut(&key) {
            *old = name;
        } else if st.vrf_names.len() < MAX_VRF_NAMES {
            st.vrf_names.insert(key, name);
        }
    }

    /// The name options data gave to `vrf_id`, if any.
    pub fn vrf_name(&self, exporter: IpAddr, source_id: u32, vrf_id: u32) -> Option<VrfName> {
        self.exporters.get(&exporter)?.vrf_name(source_id, vrf_id)
    }

    pub fn exporter_addr(&self, exporter: IpAddr, source_id: u32) -> Option<IpAddr> {
        let st = self.exporters.get(&exporter)?;
        st.exporter_addrs
            .iter()
            .find(|e| e.0 == source_id)
            .map(|e| e.1)
    }

    /// All sampling entries learnt for an exporter.
    pub fn samplers(&self, exporter: IpAddr) -> &[SamplerEntry] {
        self.exporters.get(&exporter).map_or(&[], |s| &s.samplers)
    }

    /// Sampling learnt from options data for (exporter, source id, sampler id).
    pub fn sampler(
        &self,
        exporter: IpAddr,
        source_id: u32,
        sampler_id: u32,
    ) -> Option<SamplerEntry> {
        self.exporters
            .get(&exporter)?
            .samplers
            .iter()
            .find(|e| e.source_id == source_id && e.sampler_id == sampler_id)
            .copied()
    }

    /// Serialize templates and sampling state as text, one item per line:
    /// `exporter <ip>`, then `template <source_id> <id> data|options <scope_count> <pen>:<id>:<len>...`
    /// and `sampler <source_id> <sampler_id> <interval> <algorithm>` lines for that exporter.
    pub fn save<W: Write>(&self, mut w: W) -> io::Result<()> {
        writeln!(w, "{SAVE_MAGIC}")?;
        let mut addrs: Vec<_> = self.exporters.keys().copied().collect();
        addrs.sort();
        for a in addrs {
            let st = &self.exporters[&a];
            if st.templates.is_empty()
                && st.samplers.is_empty()
                && st.sys_init.is_empty()
                && st.exporter_addrs.is_empty()
            {
                // Nothing to restore (all withdrawn): an empty exporter line would not
                // round-trip (found by the template_cache fuzz target).
                continue;
            }
            writeln!(w, "exporter {a}")?;
            let mut keys: Vec<_> = st.templates.keys().copied().collect();
            keys.sort();
            for k in keys {
                let t = &st.templates[&k].tpl;
                let kind = match t.kind {
                    TemplateKind::Data => "data",
                    TemplateKind::Options => "options",
                };
                write!(w, "template {} {} {} {}", k.0, k.1, kind, t.scope_count)?;
                for f in t.fields.iter() {
                    write!(w, " {}:{}:{}", f.pen, f.id, f.len)?;
                }
                writeln!(w)?;
            }
            for (src, ms) in &st.sys_init {
                writeln!(w, "sysinit {src} {ms}")?;
            }
            for (src, addr) in &st.exporter_addrs {
                writeln!(w, "exporteraddr {src} {addr}")?;
            }
            for s in &st.samplers {
                writeln!(
                    w,
                    "sampler {} {} {} {}",
                    s.source_id, s.sampler_id, s.interval, s.algorithm
                )?;
            }
        }
        Ok(())
    }

    /// Rebuild a cache from `save` output, applying `limits` (templates over them are skipped
    /// as they would be on the wire). Counters start at zero.
    pub fn restore<R: BufRead>(r: R, limits: Limits) -> Result<TemplateCache, RestoreError> {
        let mut cache = TemplateCache::new(limits);
        let mut exporter: Option<IpAddr> = None;
        let mut fields = Vec::new();
        for (n, line) in r.lines().enumerate() {
            let line = line.map_err(|e| RestoreError {
                line: n + 1,
                what: e.to_string(),
            })?;
            let bad = |what: &str| RestoreError {
                line: n + 1,
                what: what.to_string(),
            };
            if n == 0 {
                if line.trim() != SAVE_MAGIC {
                    return Err(bad("not a pmacct-rs template file"));
                }
                continue;
            }
            let mut it = line.split_ascii_whitespace();
            match it.next() {
                None => {}
                Some("exporter") => {
                    exporter = Some(
                        it.next()
                            .and_then(|a| a.parse().ok())
                            .ok_or_else(|| bad("bad address"))?,
                    )
                }
                Some("template") => {
                    let ex = exporter.ok_or_else(|| bad("template before exporter"))?;
                    let mut num = || it.next().and_then(|v| v.parse::<u32>().ok());
                    let (Some(src), Some(id)) = (num(), num()) else {
                        return Err(bad("bad template key"));
                    };
                    let kind = match it.next() {
                        Some("data") => TemplateKind::Data,
                        Some("options") => TemplateKind::Options,
                        _ => return Err(bad("bad template kind")),
                    };
                    let scope: u16 = it
                        .next()
                        .and_then(|v| v.parse().ok())
                        .ok_or_else(|| bad("bad scope"))?;
                    let id: u16 = id.try_into().map_err(|_| bad("bad template id"))?;
                    fields.clear();
                    for f in it {
                        if fields.len() >= limits.max_template_fields {
                            return Err(bad("too many fields"));
                        }
                        let mut p = f.split(':');
                        let spec = (|| {
                            Some(FieldSpec {
                                pen: p.next()?.parse().ok()?,
                                id: p.next()?.parse().ok()?,
                                len: p.next()?.parse().ok()?,
                            })
                        })()
                        .ok_or_else(|| bad("bad field"))?;
                        fields.push(spec);
                    }
                    cache
                        .insert(ex, src, id, kind, scope, &fields)
                        .map_err(|r| bad(r.as_str()))?;
                }
                Some("sampler") => {
                    let ex = exporter.ok_or_else(|| bad("sampler before exporter"))?;
                    let v: Vec<u32> = it.map_while(|v| v.parse().ok()).take(4).collect();
                    if v.len() != 4 {
                        return Err(bad("bad sampler"));
                    }
                    cache.set_sampler(
                        ex,
                        SamplerEntry {
                            source_id: v[0],
                            sampler_id: v[1],
                            interval: v[2],
                            algorithm: v[3] as u8,
                        },
                    );
                }
                Some("sysinit") => {
                    let ex = exporter.ok_or_else(|| bad("sysinit before exporter"))?;
                    let src = it
                        .next()
                        .and_then(|v| v.parse().ok())
                        .ok_or_else(|| bad("bad sysinit"))?;
                    let ms = it
                        .next()
                        .and_then(|v| v.parse().ok())
                        .ok_or_else(|| bad("bad sysinit"))?;
                    cache.set_sys_init(ex, src, ms);
                }
                Some("exporteraddr") => {
                    let ex = exporter.ok_or_else(|| bad("exporteraddr before exporter"))?;
                    let src = it
                        .next()
                        .and_then(|v| v.parse().ok())
                        .ok_or_else(|| bad("bad exporteraddr"))?;
                    let addr = it
                        .next()
                        .and_then(|v| v.parse().ok())
                        .ok_or_else(|| bad("bad exporteraddr"))?;
                    cache.set_exporter_addr(ex, src, addr);
                }
                Some(_) => return Err(bad("unknown line")),
            }
        }
        cache.stats = CacheStats::default();
        Ok(cache)
    }
}

const SAVE_MAGIC: &str = "pmacct-rs-templates 1";

/// Why a saved template file could not be restored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreError {
    pub line: usize,
    pub what: String,
}

impl std::fmt::Display for RestoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "template file line {}: {}", self.line, self.what)
    }
}

impl std::error::Error for RestoreError {}
