//! The owned flow model: one fixed-size, `Copy` value per record with every primitive pmacct
//! can aggregate on, plus counters. No heap: the core builds these in batches and every plugin
//! masks them with its own aggregate.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub use pmacct_wire::record::FlowType;
use pmacct_wire::Timestamp;

use crate::custom::CustomValues;
pub use crate::rd::RouteDistinguisher;

/// Every primitive value of one flow. `Copy + Hash + Eq`: the aggregation key is this struct
/// with the unaggregated fields reset to their defaults.
///
/// `repr(C)`, the fields most aggregates key on first: a plugin thread reads a flow another
/// core wrote, and these then share two or three cache lines instead of seven.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(C)]
pub struct Primitives {
    pub timestamp_start: Timestamp,
    pub timestamp_end: Timestamp,
    pub tag: u64,
    pub tag2: u64,
    pub in_iface: u32,
    pub out_iface: u32,
    pub src_as: u32,
    pub dst_as: u32,
    pub src_port: u16,
    pub dst_port: u16,
    pub proto: u8,
    pub tos: u8,
    pub src_mask: u8,
    pub dst_mask: u8,
    pub src_ip: Option<IpAddr>,
    pub dst_ip: Option<IpAddr>,
    // Every accounted flow's entry reads these two: here, they share the key's lines.
    /// `tunnel_tcpflags` (pmacct 1.7.9+): not a key field; ORed per cache entry as
    /// `tcp_flags` is (the entry's value is put back here when it is written out).
    pub tunnel_tcp_flags: u8,
    /// Address family of the flow (4, 6, or 0 if unknown); pmacct prints `peer_ip_dst`
    /// in this family (`addr_to_str2()`), e.g. `::ffff:0.0.0.0` for IPv6 flows.
    pub family: u8,
    pub timestamp_arrival: Timestamp,
    pub timestamp_export: Timestamp,
    pub local_pref: u32,
    pub src_local_pref: u32,
    pub med: u32,
    pub src_med: u32,
    pub peer_src_as: u32,
    pub peer_dst_as: u32,
    pub mpls_vpn_rd: RouteDistinguisher,
    pub mpls_pw_id: u32,
    pub sampling_rate: u32,
    pub mpls_label_top: u32,
    pub mpls_label_bottom: u32,
    pub vxlan: u32,
    /// nfacctd's `tunnel_flow_label` and `nvgre` (pmacct 1.7.9+).
    pub tunnel_flow_label: u32,
    pub nvgre: u32,
    /// `flow_label` (pmacct 1.8): the IPv6 flow label (nfacctd IE 31, sfacctd's sampled
    /// IPv6 header; pmacctd has none, as pmacct).
    pub flow_label: u32,
    /// `srv6_seg_ipv6_list` (pmacct 1.7.9+): the list as text (`0-<addr>,1-<addr>`),
    /// interned; [`crate::srv6::WRAPPED`] for the 13-15 address lists pmacct loses.
    pub srv6_seg_list: crate::label::LabelId,
    pub export_proto_seqno: u32,
    pub export_proto_sysid: u32,
    /// `label` primitive (pre_tag_map `set_label`), interned.
    pub label: crate::label::LabelId,
    /// `vrf_name` (pmacct 1.8): the VRF's name from the exporter's options data, interned.
    pub vrf_name: crate::label::LabelId,
    /// BGP texts (`as_path`, `std_comm`... and their `src_` forms) from the BGP daemon's
    /// RIB lookups, interned in the same string table as labels.
    pub as_path: crate::label::LabelId,
    pub src_as_path: crate::label::LabelId,
    pub std_comm: crate::label::LabelId,
    pub src_std_comm: crate::label::LabelId,
    pub ext_comm: crate::label::LabelId,
    pub src_ext_comm: crate::label::LabelId,
    pub lrg_comm: crate::label::LabelId,
    pub src_lrg_comm: crate::label::LabelId,
    pub vlan: u16,
    pub etype: u16,
    pub post_nat_src_port: u16,
    pub post_nat_dst_port: u16,
    pub tunnel_src_port: u16,
    pub tunnel_dst_port: u16,
    pub export_proto_version: u16,
    /// sFlow input and output VLAN as sfacctd keeps them (switch record or first 802.1Q
    /// tag): sfacctd's pre_tag_map `vlan` matches either.
    pub sflow_in_vlan: u16,
    pub sflow_out_vlan: u16,
    /// pmacctd: ICMP/ICMPv6 type (high byte) and code of the packet, for the nfprobe plugin
    /// (1.7.7 exports them as the destination port); never aggregated.
    pub icmp_type_code: u16,
    pub src_mac: [u8; 6],
    pub dst_mac: [u8; 6],
    pub cos: u8,
    /// RPKI status as pmacct's letter (`u` unknown when 0).
    pub src_roa: u8,
    pub dst_roa: u8,
    pub peer_src_ip: Option<IpAddr>,
    pub peer_dst_ip: Option<IpAddr>,
    pub src_net: Option<IpAddr>,
    pub dst_net: Option<IpAddr>,
    /// `b'i'`, `b'e'`, `b'u'`, or 0 (empty).
    pub sampling_direction: u8,
    pub post_nat_src_ip: Option<IpAddr>,
    pub post_nat_dst_ip: Option<IpAddr>,
    pub nat_event: u8,
    pub mpls_stack_depth: u8,
    /// `mpls_label_stack` (pmacct 1.7.8+): the whole stack, top first.
    pub mpls_label_stack: crate::mpls::MplsLabelStack,
    pub tunnel_src_mac: [u8; 6],
    pub tunnel_dst_mac: [u8; 6],
    pub tunnel_src_ip: Option<IpAddr>,
    pub tunnel_dst_ip: Option<IpAddr>,
    pub tunnel_proto: u8,
    pub tunnel_tos: u8,
    /// What pre_tag_map matches on but no primitive prints (never aggregated: `mask()` drops
    /// them). NetFlow v5 header engine type; 0 elsewhere.
    pub engine_type: u8,
    /// IP next hop (IE 15/62, v5 nexthop): pre_tag_map `nexthop`.
    pub next_hop: Option<IpAddr>,
    /// Flow direction as exported (IE 61), 0xFF when absent: pre_tag_map `direction`.
    pub direction_raw: u8,
    /// forwardingStatus (IE 89): pre_tag_map `fwdstatus`, and the `fwd_status` primitive
    /// (pmacct 1.7.8+).
    pub fwd_status: u8,
    /// BGP daemon lookups (core stage), for each plugin's `*_net` evaluation: the matched
    /// prefix length plus one (0: no route matched, or no lookup ran) of each side, and the
    /// destination route's BGP next hop.
    pub bgp_src_match: u8,
    pub bgp_dst_match: u8,
    pub bgp_next_hop: Option<IpAddr>,
    /// `mpls_vpn_rd` was set by `flow_to_rd_map`: the BGP lookups then search that VPN's
    /// routes (1.7.7 uses the map's RD only, never the exported one).
    pub bgp_rd_from_map: bool,
}

/// The fields of the lead of [`Primitives`], handed to macro `$m` (tests check the layout
/// and the producers' lead writers against this list; [`Primitives::clear_lead`]).
macro_rules! lead_fields {
    ($m:ident) => {
        $m!(
            timestamp_start,
            timestamp_end,
            tag,
            tag2,
            in_iface,
            out_iface,
            src_as,
            dst_as,
            src_port,
            dst_port,
            proto,
            tos,
            src_mask,
            dst_mask,
            src_ip,
            dst_ip,
            tunnel_tcp_flags,
            family
        )
    };
}

impl Primitives {
    /// Every field of the lead ([`LEAD_END`]) to its default: where a lead writer that
    /// sets only what its input carries starts (a lead slot holds an earlier flow's values).
    #[inline]
    pub fn clear_lead(&mut self) {
        macro_rules! each {
            ($($f:ident),*) => { $(self.$f = Default::default();)* };
        }
        lead_fields!(each);
    }
}

impl Flow {
    /// A flow with every field off its default: a lead slot's stale content in tests and
    /// fuzzing (debug builds' [`FlowBatch::push_lead`] hands it out), so that a lead writer
    /// that misses a field is caught.
    pub fn poisoned() -> Flow {
        *POISONED
    }

    /// The counters and the lead ([`LEAD_END`]) of the two flows are equal: what a lead slot
    /// must hold against the whole flow of the same record (fuzzing; unit tests compare
    /// [`lead_of`] texts for readable failures).
    pub fn lead_eq(&self, other: &Flow) -> bool {
        macro_rules! each {
            ($($f:ident),*) => { true $(&& self.prims.$f == other.prims.$f)* };
        }
        let head = |f: &Flow| Flow {
            prims: Primitives::default(),
            ..*f
        };
        lead_fields!(each) && head(self) == head(other)
    }
}

/// Tests: the counters and the lead of `f`, field by field, as text (what a lead writer
/// must set whole).
#[cfg(test)]
pub(crate) fn lead_of(f: &Flow) -> Vec<String> {
    macro_rules! each {
        ($($f:ident),*) => { vec![$(format!("{}={:?}", stringify!($f), f.prims.$f)),*] };
    }
    let mut v: Vec<String> = lead_fields!(each);
    let head = Flow {
        prims: Primitives::default(),
        ..*f
    };
    v.push(format!("{head:?}"));
    v
}

/// Where the lead of [`Primitives`] ends: the fields from `timestamp_start` through
/// `family`, the ones most aggregates key on. When no plugin of a daemon reads past them
/// (aggregates of lead primitives only, no stage: see `Aggregate::reads_lead_only`), a
/// producer writes only a flow's counters and its lead (`producer::netflow::flow_into_lead`)
/// into a batch slot ([`FlowBatch::push_lead`]): three cache lines of the flow's nine, on
/// the path where each record's flow crosses from a worker's core to a plugin's.
pub const LEAD_END: usize = std::mem::offset_of!(Primitives, timestamp_arrival);

/// Every field off its default: what [`FlowBatch::push_lead`] hands out in debug builds
/// ([`Flow::poisoned`]).
pub(crate) static POISONED: std::sync::LazyLock<Flow> = std::sync::LazyLock::new(|| Flow {
    packets: 0x2A2A,
    bytes: 0x2A2A_2A2A,
    flows: 0x2A,
    bin_time: 0x2A2A_2A2A,
    time_start_usecs: 0x2A2A,
    custom: CustomRef(0x2A),
    tcp_flags: 0x2A,
    flow_type: FlowType::Option,
    label_reset: true,
    prims: crate::primitives::poisoned(),
});

/// Where a flow's custom primitive values are: an index into its batch's side table
/// ([`FlowBatch::custom`]), or none. Custom values (`aggregate_primitives`, 192 bytes) live
/// beside the flows, so a flow stays small for the many deployments that define none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CustomRef(u32);

impl CustomRef {
    pub const NONE: CustomRef = CustomRef(u32::MAX);
}

impl Default for CustomRef {
    fn default() -> Self {
        CustomRef::NONE
    }
}

/// Flows as the core hands them to plugins, with the custom primitive values of those that
/// carry some beside them. Reused between batches (cleared, not reallocated).
#[derive(Debug, Clone, Default)]
pub struct FlowBatch {
    /// The flows are `slots[..len]`. Slots past `len` hold flows of earlier fillings: kept,
    /// not cleared, so that [`FlowBatch::push_lead`] can hand one out without writing it
    /// whole (every slot up to `slots.len()` holds a valid flow).
    slots: Vec<Flow>,
    len: usize,
    pub custom: Vec<CustomValues>,
}

impl FlowBatch {
    pub fn with_capacity(n: usize) -> FlowBatch {
        FlowBatch {
            slots: Vec::with_capacity(n),
            len: 0,
            custom: Vec::new(),
        }
    }
    /// A batch of these flows (tests).
    pub fn from_flows(flows: &[Flow]) -> FlowBatch {
        FlowBatch {
            slots: flows.to_vec(),
            len: flows.len(),
            custom: Vec::new(),
        }
    }
    /// The flows, in the order they were appended.
    #[inline]
    pub fn flows(&self) -> &[Flow] {
        self.slots.get(..self.len).unwrap_or(&[])
    }
    /// The next slot, holding whatever flow it last held (a fresh one: the default).
    #[inline]
    fn next_slot(&mut self) -> &mut Flow {
        if self.len == self.slots.len() {
            self.slots.push(Flow::default());
        }
        self.len += 1;
        &mut self.slots[self.len - 1]
    }
    /// Append a copy of `flow` (the one copy of a record into its batch), its custom
    /// values (if any) to the side table.
    #[inline]
    pub fn push(&mut self, flow: &Flow, custom: Option<&CustomValues>) {
        let r = match custom {
            Some(c) => {
                self.custom.push(*c);
                CustomRef(self.custom.len() as u32 - 1)
            }
            None => CustomRef::NONE,
        };
        let slot = self.next_slot();
        *slot = *flow;
        slot.custom = r;
    }
    /// Append a default flow for a producer to fill in place (no copy of the flow, several
    /// hundred bytes); [`FlowBatch::set_last_custom`] then attaches its custom values.
    #[inline]
    pub fn push_default(&mut self) -> &mut Flow {
        let slot = self.next_slot();
        *slot = Flow::default();
        slot
    }
    /// Append a flow whose counters and lead the producer must write whole
    /// (`producer::netflow::flow_into_lead`): the rest of the slot is left as an earlier
    /// flow wrote it, for batches whose plugins read nothing else (see [`LEAD_END`]). Debug
    /// builds fill the whole slot with sample values first, so that a test reading a field
    /// the producer did not write sees a wrong value rather than a plausible stale one.
    #[inline]
    pub fn push_lead(&mut self) -> &mut Flow {
        // The slot [`WRITE_AHEAD`] on: its lines, last written a batch ago, are cold.
        if let Some(ahead) = self.slots.get(self.len + WRITE_AHEAD) {
            prefetch_lead(ahead);
        }
        let slot = self.next_slot();
        #[cfg(debug_assertions)]
        {
            *slot = *POISONED;
        }
        slot
    }
    /// The custom values of the last flow appended (none: `None`).
    #[inline]
    pub fn set_last_custom(&mut self, custom: Option<&CustomValues>) {
        let Some(c) = custom else {
            return;
        };
        self.custom.push(*c);
        let r = CustomRef(self.custom.len() as u32 - 1);
        if let Some(last) = self.last_mut() {
            last.custom = r;
        }
    }
    /// The last flow appended.
    #[inline]
    pub fn last_mut(&mut self) -> Option<&mut Flow> {
        let i = self.len.checked_sub(1)?;
        self.slots.get_mut(i)
    }
    /// Take the last flow appended back out (a stage dropped it).
    #[inline]
    pub fn pop(&mut self) {
        self.len = self.len.saturating_sub(1);
    }
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// Empty the batch; its slots are kept (and their flows, see [`FlowBatch::push_lead`]).
    pub fn clear(&mut self) {
        self.len = 0;
        self.custom.clear();
    }
    /// Replace the batch's flows and custom values with copies of these.
    pub fn refill(&mut self, flows: &[Flow], custom: &[CustomValues]) {
        self.clear();
        for f in flows {
            *self.next_slot() = *f;
        }
        self.custom.extend_from_slice(custom);
    }
}

/// The custom values `flow` refers to in `table` (a batch's side table); empty values when
/// it has none.
pub fn custom_of<'a>(flow: &Flow, table: &'a [CustomValues]) -> &'a CustomValues {
    table
        .get(flow.custom.0 as usize)
        .unwrap_or(&CustomValues::EMPTY)
}

/// One flow: primitives, counters and the time used for history binning.
/// `repr(C)`: counters first, then the primitives' common fields (see [`Primitives`]).
/// Aligned to a cache line (568 bytes of fields take 576): in a batch every flow then
/// starts a line, and its counters and lead ([`LEAD_END`]) fill exactly three lines,
/// where unaligned flows straddled a fourth one in two of three.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[repr(C, align(64))]
pub struct Flow {
    pub packets: u64,
    pub bytes: u64,
    pub flows: u64,
    /// Seconds used to pick the `*_history` bin (pmacct's `time_start`): the flow start, else
    /// the export time; 0 means "now" (the plugin's current bin), as with `nfacctd_time_new`.
    pub bin_time: u64,
    /// Microseconds of pmacct's `time_start` (`bin_time` is its seconds): the flow start of
    /// NetFlow/IPFIX, the capture time of a packet or of a savefile's sFlow datagram. With
    /// `bin_time`, `timestamp_end` (pmacct's `time_end`) and the plugin's clock, it is what
    /// `*_stitching` and `nfacctd_pro_rating` read.
    pub time_start_usecs: u32,
    /// Its custom primitive values, beside it in the batch.
    pub custom: CustomRef,
    pub tcp_flags: u8,
    pub flow_type: FlowType,
    /// pmacct's sampling_map lookup ran for this flow (its result is cached per exporter and
    /// source id until a map reload): that lookup frees the pre_tag_map label pmacct 1.7.7
    /// (and 1.8) computed for the record, so the first plugin prints it without one.
    pub label_reset: bool,
    pub prims: Primitives,
}

/// How many flows ahead of the one it accounts a plugin asks for a flow's counters and lead
/// ([`prefetch_lead`]).
pub const PREFETCH_AHEAD: usize = 6;

/// Ask this core's cache for `f`'s counters and lead, its first three lines, to read them
/// or to write them ([`WRITE_AHEAD`]). A batch's flows were written on a worker's core: a
/// plugin that reads them in turn otherwise waits for each flow's lines as it comes to them
/// (nfacctd offline, whole process: CPU x0.88, the median of 31 interleaved pairs). A hint
/// only: nothing is read; off x86_64, nothing.
#[inline(always)]
pub fn prefetch_lead(f: &Flow) {
    const LINES: usize = (std::mem::offset_of!(Flow, prims) + LEAD_END).div_ceil(64);
    let p = (f as *const Flow).cast::<u8>();
    for line in 0..LINES {
        prefetch_line(p.wrapping_add(line * 64));
    }
}

/// Ask this core's cache for the line at `p`. A hint only: nothing is read, any address
/// will do (no fault); off x86_64, nothing.
#[inline(always)]
pub fn prefetch_line(p: *const u8) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: a prefetch is a hint that never faults and reads nothing into the program,
        // whatever the address; SSE, which the instruction needs, is part of every x86_64
        // target.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(p.cast::<i8>()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// How many slots ahead of the one it hands out [`FlowBatch::push_lead`] asks for a slot's
/// counters and lead ([`prefetch_lead`]). A batch's slots (a few megabytes) were last written
/// a batch ago and have left the caches: each first store waited for its line. nfacctd,
/// whole-process CPU per record, medians of interleaved runs against none, live at 1M
/// records/s: v9 x0.86 (9 runs; 4 ahead x0.93), x0.81 (11 runs) and no change (9 runs),
/// IPFIX x0.81 (7 runs); offline v9 x0.98 (11 runs).
pub const WRITE_AHEAD: usize = 8;

/// `g` for each flow in turn, the lead of the flow [`PREFETCH_AHEAD`] further on asked for
/// first ([`prefetch_lead`]).
#[inline(always)]
pub fn for_each_prefetched<'a>(flows: &'a [Flow], mut g: impl FnMut(usize, &'a Flow)) {
    for (i, f) in flows.iter().enumerate() {
        if let Some(next) = flows.get(i + PREFETCH_AHEAD) {
            prefetch_lead(next);
        }
        g(i, f);
    }
}

/// How `*_renormalize` scales a flow's counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Renormalize {
    /// By the rate the flow carries (exported, sampling_map, sFlow sample pool).
    ByRate,
    /// By `*_ext_sampling_rate`, whatever the flow carries.
    External(u32),
}

impl Renormalize {
    /// `renormalize` on, with the daemon's `*_ext_sampling_rate` (None or 0: unset).
    pub fn new(ext_sampling_rate: Option<u32>) -> Renormalize {
        match ext_sampling_rate {
            Some(r) if r > 0 => Renormalize::External(r),
            _ => Renormalize::ByRate,
        }
    }

    pub fn apply(self, f: &mut Flow) {
        match self {
            Renormalize::ByRate => f.renormalize(),
            Renormalize::External(r) => f.renormalize_ext(r),
        }
    }
}

/// `addr` with all but the first `bits` bits cleared (pmacct's net from address + mask).
pub fn mask_addr(addr: IpAddr, bits: u8) -> IpAddr {
    match addr {
        IpAddr::V4(a) => {
            let b = u32::from(bits.min(32));
            let m = if b == 0 { 0 } else { u32::MAX << (32 - b) };
            IpAddr::V4(Ipv4Addr::from(u32::from(a) & m))
        }
        IpAddr::V6(a) => {
            let b = u32::from(bits.min(128));
            let m = if b == 0 { 0 } else { u128::MAX << (128 - b) };
            IpAddr::V6(Ipv6Addr::from(u128::from(a) & m))
        }
    }
}

impl Flow {
    /// `nfacctd_renormalize`: scale packets and bytes by the sampling rate; the rate is then
    /// reported as 1 (0 = unknown stays 0).
    pub fn renormalize(&mut self) {
        let r = u64::from(self.prims.sampling_rate);
        if r > 0 {
            self.packets = self.packets.saturating_mul(r);
            self.bytes = self.bytes.saturating_mul(r);
            self.prims.sampling_rate = 1;
        }
    }

    /// `*_renormalize` with `*_ext_sampling_rate`: counters scaled by the configured rate
    /// whatever the flow carries (pmacct's `counters_renormalize_handler`); a known rate is
    /// then reported as 1, an unknown one stays 0 (`NF_/SF_sampling_rate_handler`).
    pub fn renormalize_ext(&mut self, rate: u32) {
        let r = u64::from(rate);
        self.packets = self.packets.saturating_mul(r);
        self.bytes = self.bytes.saturating_mul(r);
        self.mark_renormalized();
    }

    /// The sampling rate after renormalization: 1 when known, 0 (unknown) stays 0.
    pub fn mark_renormalized(&mut self) {
        if self.prims.sampling_rate != 0 {
            self.prims.sampling_rate = 1;
        }
    }

    /// `nfacctd_time_new`: bin by the plugin's clock instead of the flow's times.
    pub fn use_arrival_time(&mut self) {
        self.bin_time = 0;
        self.time_start_usecs = 0;
    }

    /// pmacct's `time_start` (zero: none, the plugin's clock stands for it).
    pub fn time_start(&self) -> Timestamp {
        Timestamp::new(self.bin_time, self.time_start_usecs)
    }

    /// pmacct's `time_end`: the flow end as exported (NetFlow/IPFIX); zero when the record
    /// has none, for sFlow and packets, and with `*_time_new` (bin_time 0).
    pub fn time_end(&self) -> Timestamp {
        if self.bin_time == 0 {
            Timestamp::ZERO
        } else {
            self.prims.timestamp_end
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fields `lead_fields!` lists fill the lead of `Primitives` and nothing else does:
    /// a field added there (or moved in) must be written by every lead writer
    /// (`producer::*::flow_into_lead`) and listed.
    #[test]
    fn lead_fields_tile_the_lead() {
        let d = Primitives::default();
        macro_rules! spans {
            ($($f:ident),*) => {
                vec![$((
                    std::mem::offset_of!(Primitives, $f),
                    std::mem::size_of_val(&d.$f),
                    std::mem::align_of_val(&d.$f),
                    stringify!($f),
                )),*]
            };
        }
        let mut v: Vec<(usize, usize, usize, &str)> = lead_fields!(spans);
        v.sort();
        let mut end = 0usize;
        for (off, size, align, name) in v {
            assert_eq!(
                off,
                end.next_multiple_of(align),
                "a field before {name} in the lead"
            );
            end = off + size;
        }
        let next = std::mem::align_of_val(&d.timestamp_arrival);
        assert_eq!(
            end.next_multiple_of(next),
            LEAD_END,
            "a field after the listed lead"
        );
        // Counters and lead: three of an aligned flow's cache lines.
        let lead = std::mem::offset_of!(Flow, prims) + LEAD_END;
        assert!(lead <= 3 * 64, "counters and lead take {lead} bytes");
    }

    /// Every field of the lead and the counters differs in the poisoned slot, so a lead
    /// writer that misses one is caught by comparing leads.
    #[test]
    fn poisoned_slot_differs_in_every_lead_field() {
        let (p, d) = (lead_of(&POISONED), lead_of(&Flow::default()));
        assert_eq!(p.len(), d.len());
        for (a, b) in p.iter().zip(&d).take(p.len() - 1) {
            assert_ne!(a, b);
        }
        let (hp, hd) = (*POISONED, Flow::default());
        assert!(hp.packets != hd.packets && hp.bytes != hd.bytes && hp.flows != hd.flows);
        assert!(hp.bin_time != hd.bin_time && hp.time_start_usecs != hd.time_start_usecs);
        assert!(hp.custom != hd.custom && hp.tcp_flags != hd.tcp_flags);
        assert!(hp.flow_type != hd.flow_type && hp.label_reset != hd.label_reset);
    }

    /// `clear_lead` resets the whole lead and nothing past it.
    #[test]
    fn clear_lead_resets_the_lead_only() {
        let mut f = *POISONED;
        f.prims.clear_lead();
        let (cleared, default) = (lead_of(&f), lead_of(&Flow::default()));
        assert_eq!(cleared[..cleared.len() - 1], default[..default.len() - 1]);
        let rest = |f: &Flow| {
            let mut p = f.prims;
            p.clear_lead();
            format!("{p:?}")
        };
        assert_eq!(rest(&f), rest(&POISONED));
        assert_ne!(f.prims.sampling_rate, 0, "past the lead: untouched");
        assert!(f.lead_eq(&Flow {
            prims: Primitives {
                sampling_rate: 3,
                ..Default::default()
            },
            ..*POISONED
        }));
        assert!(!f.lead_eq(&POISONED), "a lead field differs");
        let mut g = f;
        g.packets += 1;
        assert!(!f.lead_eq(&g), "a counter differs");
    }

    /// A batch's slots keep their flows across fillings; `flows()` shows the filled ones.
    #[test]
    fn batch_slots_are_reused() {
        let mut b = FlowBatch::with_capacity(4);
        b.push_default().packets = 7;
        b.push(
            &Flow {
                packets: 8,
                ..Default::default()
            },
            None,
        );
        assert_eq!(
            b.flows().iter().map(|f| f.packets).collect::<Vec<_>>(),
            [7, 8]
        );
        b.pop();
        assert_eq!(b.len(), 1);
        b.clear();
        assert!(b.flows().is_empty());
        assert_eq!(
            b.push_default().packets,
            0,
            "push_default writes a default flow"
        );
        let lead = b.push_lead();
        if cfg!(debug_assertions) {
            assert_eq!(*lead, *POISONED);
        } else {
            assert_eq!(lead.packets, 8, "the slot's earlier flow");
        }
        b.refill(&[Flow::default(); 3], &[]);
        assert_eq!(b.len(), 3);
    }

    /// `*_ext_sampling_rate` with `*_renormalize` (measured against nfacctd 1.7.7): counters
    /// times the configured rate whatever the flow carries; a carried rate prints as 1, an
    /// absent one as 0. By the carried rate: an absent rate leaves the counters alone.
    #[test]
    fn renormalize_external_and_by_rate() {
        let mut f = Flow {
            packets: 16,
            bytes: 2784,
            ..Flow::default()
        };
        f.prims.sampling_rate = 256;
        let mut g = f;
        g.prims.sampling_rate = 0;
        let (mut f2, mut g2) = (f, g);
        Renormalize::new(Some(1000)).apply(&mut f);
        assert_eq!(
            (f.packets, f.bytes, f.prims.sampling_rate),
            (16000, 2784000, 1)
        );
        Renormalize::new(Some(1000)).apply(&mut g);
        assert_eq!(
            (g.packets, g.bytes, g.prims.sampling_rate),
            (16000, 2784000, 0)
        );
        assert_eq!(Renormalize::new(None), Renormalize::ByRate);
        assert_eq!(Renormalize::new(Some(0)), Renormalize::ByRate);
        Renormalize::ByRate.apply(&mut f2);
        assert_eq!(
            (f2.packets, f2.bytes, f2.prims.sampling_rate),
            (4096, 712704, 1)
        );
        Renormalize::ByRate.apply(&mut g2);
        assert_eq!(
            (g2.packets, g2.bytes, g2.prims.sampling_rate),
            (16, 2784, 0)
        );
    }

    #[test]
    fn nets_and_rd() {
        let a: IpAddr = "2001:1700:f101:2000::1".parse().unwrap();
        assert_eq!(mask_addr(a, 41).to_string(), "2001:1700:f100::");
        assert_eq!(
            mask_addr("10.1.2.3".parse().unwrap(), 0).to_string(),
            "0.0.0.0"
        );
        assert_eq!(
            mask_addr("10.1.2.3".parse().unwrap(), 24).to_string(),
            "10.1.2.0"
        );
        let rd = RouteDistinguisher::from_bytes(&[0, 1, 10, 0, 0, 1, 0, 7]);
        assert_eq!(
            rd,
            RouteDistinguisher::Ip {
                ip: Ipv4Addr::new(10, 0, 0, 1),
                val: 7
            }
        );
    }
}

#[cfg(test)]
mod size_tests {
    use super::*;

    /// A Flow crosses every queue and every plugin stage by value: keep it from growing back
    /// (648 bytes while custom values were inline; 464 before the eight 4-byte BGP text ids
    /// and the 31-byte `mpls_label_stack` of pmacct 1.7.8+; 544 before the 4-byte interned
    /// `vrf_name`, which with alignment costs 8; 552 before pmacct 1.7.9's SRv6/tunnel
    /// fields: flow label, NVGRE id, interned segment list, tunnel TCP flags; 560 before
    /// pmacct 1.8's ordinary `flow_label`, 4 bytes that cost 8 with alignment).
    #[test]
    fn flow_stays_small() {
        let (flow, prims) = (
            std::mem::size_of::<Flow>(),
            std::mem::size_of::<Primitives>(),
        );
        println!("size_of Flow {flow}, Primitives {prims}");
        // BGP lookup results (two prefix lengths and a next hop) travel to the plugins.
        assert!(prims <= 520, "Primitives is {prims} bytes");
        // 568 bytes of fields, aligned to a whole number of cache lines (see `Flow`).
        assert_eq!(flow, 576, "Flow is {flow} bytes");
        assert_eq!(std::mem::align_of::<Flow>(), 64);
    }
}
