//! The decoded flow record: what every export protocol decoder produces.
//!
//! This is the contract between `wire` and `flow`: decoders fill a `FlowRecord` (reused between
//! records, so no allocation per record) and hand a reference to the caller's sink. Fields the
//! protocol did not carry keep their `Default` value (zero / unspecified address), which is
//! also what pmacct prints for them. What only one protocol has stays in that protocol's
//! module and is handed to the sink beside the record (sFlow: the `SflowSample`).

use std::net::{IpAddr, Ipv4Addr};

/// An absolute time, seconds and microseconds since the Unix epoch (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp {
    pub secs: u64,
    pub usecs: u32,
}

impl Timestamp {
    pub const ZERO: Timestamp = Timestamp { secs: 0, usecs: 0 };
    pub fn new(secs: u64, usecs: u32) -> Self {
        Timestamp { secs, usecs }
    }
    pub fn is_zero(&self) -> bool {
        self.secs == 0 && self.usecs == 0
    }
}

/// What kind of record this is (pmacct: flow_type). Counters are only meaningful for `Traffic`;
/// pmacct omits packets/bytes for event and option records in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum FlowType {
    #[default]
    Traffic,
    /// NetFlow v9/IPFIX event record (NAT/firewall events without counters).
    Event,
    /// Options data record (sampling, interface names...): not accounted as traffic.
    Option,
}

/// Export header facts attached to every record of a datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExportHeader {
    /// 1, 5, 7, 8, 9 or 10 (IPFIX); sFlow decoders use 2, 4, 5 in their own record type.
    pub version: u16,
    /// flow_sequence (v5/v7/v8), package sequence (v9), sequence number (IPFIX).
    pub sequence: u32,
    /// v9 source id / IPFIX observation domain id / (engine_type << 8 | engine_id) for v5.
    pub source_id: u32,
    pub engine_type: u8,
    pub engine_id: u8,
    /// Header unix_secs (v5/v7/v8/v9) / export time (IPFIX).
    pub export_time: Timestamp,
    /// Header SysUptime in ms (v1/v5/v7/v8/v9); 0 for IPFIX.
    pub sys_uptime_ms: u32,
    /// v5 sampling interval from the header (low 14 bits), 0 if none.
    pub sampling_interval: u32,
    /// v5 sampling mode (top 2 bits of the header field).
    pub sampling_mode: u8,
}

/// A VRF name as pmacct 1.8 keeps it: at most 31 bytes, ending at the first NUL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct VrfName {
    len: u8,
    bytes: [u8; 31],
}

impl VrfName {
    /// The longest name kept (pmacct: `MAX_VRF_NAME - 1`).
    pub const MAX: usize = 31;

    /// The name an IE 236 value gives: its first 31 bytes, cut at the first NUL.
    pub fn from_ie(v: &[u8]) -> VrfName {
        let v = &v[..v.len().min(Self::MAX)];
        let n = v.iter().position(|b| *b == 0).unwrap_or(v.len());
        let mut bytes = [0u8; 31];
        bytes[..n].copy_from_slice(&v[..n]);
        VrfName {
            len: n as u8,
            bytes,
        }
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len).min(Self::MAX)]
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// The tunnel primitives of a v9/IPFIX record as pmacct 1.7.9+ reads them (nfacctd's
/// `tunnel_*`, `nvgre`): the outer header of an SRv6 flow is the first occurrence of each
/// repeated element. Zero / None when the record is not SRv6 (`tos`, `nvgre`, `vxlan` and
/// `ip_flow_label` aside).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TunnelFields {
    /// The record is SRv6 (IPv4/IPv6/Ethernet in IPv6) by pmacct's rule.
    pub srv6: bool,
    pub src_addr: Option<IpAddr>,
    pub dst_addr: Option<IpAddr>,
    pub proto: u8,
    /// First ipClassOfService of a record that repeats it (any flow type).
    pub tos: u8,
    pub src_port: u16,
    pub dst_port: u16,
    pub tcp_flags: u8,
    pub flow_label: u32,
    /// layer2SegmentId (IE 351) of type NVGRE: the 24-bit id.
    pub nvgre: u32,
    /// layer2SegmentId (IE 351) of type VXLAN: the 24-bit VNI (any flow type).
    pub vxlan: u32,
    /// The ordinary `flow_label` of pmacct 1.8: the last flowLabelIPv6 (IE 31) of any
    /// record, copied as pmacct copies it (like `flow_label`: a 3-octet v9 element lands in
    /// the top 3 octets; docs/COMPATIBILITY.md).
    pub ip_flow_label: u32,
}

/// The decoded values of one flow (everything a record owns). Fields mirror the information
/// elements pmacct 1.7.7 uses; a new one is added here only.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct FlowFields {
    pub header: ExportHeader,
    pub flow_type: FlowType,

    pub src_addr: Option<IpAddr>,
    pub dst_addr: Option<IpAddr>,
    pub src_mask: u8,
    pub dst_mask: u8,
    pub src_port: u16,
    pub dst_port: u16,
    pub proto: u8,
    /// Whole ToS / traffic-class byte.
    pub tos: u8,
    pub tcp_flags: u16,
    pub in_iface: u32,
    pub out_iface: u32,
    pub src_as: u32,
    pub dst_as: u32,
    pub next_hop: Option<IpAddr>,
    pub bgp_next_hop: Option<IpAddr>,
    pub src_mac: [u8; 6],
    pub dst_mac: [u8; 6],
    pub vlan: u16,
    pub cos: u8,
    /// Ethertype implied by the record (0x0800 / 0x86dd) when the exporter did not say.
    pub etype: u16,
    /// MPLS label values (20-bit, shifted down), top first; depth = number present.
    pub mpls_label_top: u32,
    pub mpls_label_bottom: u32,
    pub mpls_stack_depth: u8,
    /// mpls_label_stack (pmacct 1.7.8+): MPLS label values (IE 70-79), top first, as
    /// pmacct 1.8 keeps them (explicit null kept at the top); `mpls_label_stack_len` used.
    pub mpls_label_stack: [u32; 10],
    pub mpls_label_stack_len: u8,
    /// mplsVpnRouteDistinguisher (IE 90) raw 8 bytes; `vrf_id` is the VRF id pmacct 1.7.7
    /// picks from ingressVRFID (IE 234) and egressVRFID (IE 235) by flowDirection.
    pub mpls_vpn_rd: Option<[u8; 8]>,
    pub vrf_id: Option<u32>,
    /// egressVRFID (IE 235) as exported, before `vrf_id`'s choice by direction.
    pub egress_vrf_id: Option<u32>,
    /// ingressVRFID (IE 234) as exported when 4 bytes long (pmacct 1.8's VRF name maps).
    pub ingress_vrf_id4: Option<u32>,
    /// vrf_name (pmacct 1.8): the name the exporter's options data (IE 234 -> IE 236) gave
    /// to this record's VRF id, empty if none.
    pub vrf_name: VrfName,
    /// nfacctd's tunnel primitives (pmacct 1.7.9+).
    pub tunnel: TunnelFields,

    /// Absolute flow start/end as pmacct derives them (uptime-relative already converted).
    pub first: Timestamp,
    pub last: Timestamp,

    pub packets: u64,
    pub bytes: u64,
    /// Flows carried by this record (v8 aggregates, IE 3), 1 otherwise.
    pub flows: u64,

    /// 0 ingress, 1 egress (IE 61); None if not exported.
    pub direction: Option<u8>,
    /// Sampling interval carried in the record (IE 34/305/306...), 0 if none.
    pub sampling_interval: u32,
    pub sampling_algorithm: u8,
    /// Sampler id / selector id (IE 48/302) to look up options-data sampling.
    pub sampler_id: Option<u32>,

    pub post_nat_src_addr: Option<IpAddr>,
    pub post_nat_dst_addr: Option<IpAddr>,
    pub post_nat_src_port: u16,
    pub post_nat_dst_port: u16,
    pub nat_event: u8,
    pub fw_event: u8,
    pub forwarding_status: u8,

    /// exporterIPv4Address / exporterIPv6Address (IE 130/131): in options data, the address
    /// the exporter says it has; on data records, the one its options data of this
    /// observation domain last gave (pmacct 1.7.7 prints it as peer_ip_src).
    pub exporter_addr: Option<IpAddr>,
}

/// What a flow's lead is made of (the flow model's counters and leading primitives, which
/// aggregates of the common primitives read alone): from any record by [`FlowRecord::lead`],
/// or straight from the bytes of a plain v9/IPFIX template's records, with no record in
/// between (`netflow::RecordSink::lead`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LeadFields {
    /// The flow's start: the record's, or the export time (v9/IPFIX) when it carried none.
    pub start: Timestamp,
    pub end: Timestamp,
    pub src_addr: Option<IpAddr>,
    pub dst_addr: Option<IpAddr>,
    pub in_iface: u32,
    pub out_iface: u32,
    pub src_as: u32,
    pub dst_as: u32,
    pub packets: u64,
    pub bytes: u64,
    /// As exported: 0 when the record said 0 (the flow model counts that as 1).
    pub flows: u64,
    pub src_port: u16,
    pub dst_port: u16,
    pub tcp_flags: u16,
    pub proto: u8,
    pub tos: u8,
    pub src_mask: u8,
    pub dst_mask: u8,
    pub tunnel_tcp_flags: u8,
    pub flow_type: FlowType,
}

/// pmacct's time_start and timestamp_start: the flow start, falling back to the export
/// header time (v9/IPFIX) when the record carried none.
#[inline]
pub fn lead_start(first: Timestamp, h: &ExportHeader) -> Timestamp {
    if first.secs == 0 && (h.version == 9 || h.version == 10) {
        Timestamp::new(h.export_time.secs, 0)
    } else {
        first
    }
}

/// One decoded flow: its values ([`FlowFields`], reached through `Deref`) and views into
/// the datagram it came from.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FlowRecord<'a> {
    pub fields: FlowFields,
    pub application_id: Option<&'a [u8]>,
    /// VRFname (IE 236) as exported (options data maps VRF ids to names with it).
    pub vrf_name_raw: Option<&'a [u8]>,
    /// srv6_seg_ipv6_list (pmacct 1.7.9+): the segment list bytes pmacct keeps (a non-zero
    /// multiple of 16, at most 240: its length lives in one octet).
    pub srv6_seg_list: Option<&'a [u8]>,

    /// The raw data record and the template that describes it (v9/IPFIX), so that custom
    /// primitives can read any element, known or not, without the decoder knowing them.
    pub raw: Option<RawRecord<'a>>,
}

impl std::ops::Deref for FlowRecord<'_> {
    type Target = FlowFields;
    fn deref(&self) -> &FlowFields {
        &self.fields
    }
}

impl std::ops::DerefMut for FlowRecord<'_> {
    fn deref_mut(&mut self) -> &mut FlowFields {
        &mut self.fields
    }
}

impl<'a> FlowRecord<'a> {
    /// The lead of this record's flow.
    #[inline]
    pub fn lead(&self) -> LeadFields {
        let h = &self.header;
        LeadFields {
            start: lead_start(self.first, h),
            end: self.last,
            src_addr: self.src_addr,
            dst_addr: self.dst_addr,
            in_iface: self.in_iface,
            out_iface: self.out_iface,
            src_as: self.src_as,
            dst_as: self.dst_as,
            packets: self.packets,
            bytes: self.bytes,
            flows: self.flows,
            src_port: self.src_port,
            dst_port: self.dst_port,
            tcp_flags: self.tcp_flags,
            proto: self.proto,
            tos: self.tos,
            src_mask: self.src_mask,
            dst_mask: self.dst_mask,
            tunnel_tcp_flags: self.tunnel.tcp_flags,
            flow_type: self.flow_type,
        }
    }

    /// A record of `fields` with no views into a datagram.
    #[inline]
    pub fn new(fields: FlowFields) -> Self {
        FlowRecord {
            fields,
            application_id: None,
            vrf_name_raw: None,
            srv6_seg_list: None,
            raw: None,
        }
    }

    /// Become a record of `fields` with no views, in place (what a decode loop does between
    /// records: no temporary record is built).
    #[inline]
    pub fn reset_to(&mut self, fields: &FlowFields) {
        self.fields = *fields;
        self.application_id = None;
        self.vrf_name_raw = None;
        self.srv6_seg_list = None;
        self.raw = None;
    }

    /// Become a copy of `base`, each part moved once: the derived `clone_from` builds a
    /// temporary record first, two copies of several hundred bytes per decoded record.
    #[inline]
    pub fn reset_from(&mut self, base: &FlowRecord<'a>) {
        let FlowRecord {
            fields,
            application_id,
            vrf_name_raw,
            srv6_seg_list,
            raw,
        } = base;
        self.fields = *fields;
        self.application_id = *application_id;
        self.vrf_name_raw = *vrf_name_raw;
        self.srv6_seg_list = *srv6_seg_list;
        self.raw = *raw;
    }

    /// A copy that outlives the datagram: every decoded value, without the borrowed views
    /// (`application_id`, `raw`). For buffering records or tests, not the hot path.
    pub fn detached(&self) -> FlowRecord<'static> {
        FlowRecord {
            fields: self.fields,
            application_id: None,
            vrf_name_raw: None,
            srv6_seg_list: None,
            raw: None,
        }
    }
}

/// One template field: (enterprise number or 0, element id, length; 0xFFFF = variable).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FieldSpec {
    pub pen: u32,
    pub id: u16,
    pub len: u16,
}

/// Raw access to a v9/IPFIX data record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RawRecord<'a> {
    pub fields: &'a [FieldSpec],
    pub data: &'a [u8],
}

impl<'a> RawRecord<'a> {
    /// The bytes of the first occurrence of element (pen, id), handling variable-length
    /// fields (RFC 7011 section 7). None if absent or the record is malformed.
    pub fn element(&self, pen: u32, id: u16) -> Option<&'a [u8]> {
        let mut off = 0usize;
        for f in self.fields {
            let (start, len) = if f.len == 0xFFFF {
                let l0 = *self.data.get(off)? as usize;
                if l0 < 255 {
                    (off + 1, l0)
                } else {
                    let hi = *self.data.get(off + 1)? as usize;
                    let lo = *self.data.get(off + 2)? as usize;
                    (off + 3, (hi << 8) | lo)
                }
            } else {
                (off, f.len as usize)
            };
            let end = start.checked_add(len)?;
            if end > self.data.len() {
                return None;
            }
            if f.pen == pen && f.id == id {
                return Some(&self.data[start..end]);
            }
            off = end;
        }
        None
    }
}

/// Placeholder address pmacct prints when none is known.
pub const UNSPECIFIED_V4: IpAddr = IpAddr::V4(Ipv4Addr::UNSPECIFIED);
