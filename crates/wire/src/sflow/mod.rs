//! sFlow v2, v4 and v5 decoding (sflow.org "sFlow Version 5" and RFC 3176 for v2/v4).
//!
//! `SflowDecoder::decode` walks one datagram and calls the sink once per accounted flow
//! sample with the protocol-neutral `FlowRecord` and, beside it, the full `SflowSample`
//! (sampling facts, sampled header decode, extended records), both borrowed for the call. Counter samples go to a second
//! sink as `CounterSample` views whose counter records are read lazily. Nothing allocates,
//! nothing panics: every length and count is checked against the bytes really present, so a
//! sample count in the millions costs at most one pass over the datagram.
//!
//! Semantics follow sfacctd 1.7.7 (bytes = sampled frame length, packets = 1, interfaces as
//! sent, ports only for TCP/UDP, vlan/cos from the switch record or the first 802.1Q tag,
//! samples whose header is neither IP nor unknown are not accounted). Where 1.7.7 loses or
//! garbles data we do the right thing; see `docs/COMPATIBILITY.md`.

mod counters;
mod flow;
mod lead;
mod record;
mod sample;
mod v2v4;
mod xdr;

#[cfg(test)]
mod tests;

pub use counters::{
    CounterRecord, CounterRecords, CounterSample, EthCounters, IfCounters, ProcessorCounters,
    VlanCounters,
};
pub use record::{to_lead, to_record, to_record_into};
pub use sample::{
    AsPath, DatagramInfo, ExtGateway, ExtMpls, ExtMplsNamed, ExtRouter, ExtSwitch, ExtUrl, ExtUser,
    LabelStack, SampledEthernet, SampledIp, SflowSample,
};

use counters::v5_counter_sample;
use flow::v5_flow_sample;
use lead::{plain_lead, PlainLead};
use v2v4::v2v4_sample;
use xdr::Rd;

use crate::record::{FlowRecord, LeadFields};
use std::net::IpAddr;

/// Sample types (enterprise 0).
pub const SAMPLE_FLOW: u32 = 1;
pub const SAMPLE_COUNTERS: u32 = 2;
pub const SAMPLE_FLOW_EXPANDED: u32 = 3;
pub const SAMPLE_COUNTERS_EXPANDED: u32 = 4;

/// Flow record formats (enterprise 0 unless noted).
pub mod flow_format {
    pub const HEADER: u32 = 1;
    pub const ETHERNET: u32 = 2;
    pub const IPV4: u32 = 3;
    pub const IPV6: u32 = 4;
    pub const EX_SWITCH: u32 = 1001;
    pub const EX_ROUTER: u32 = 1002;
    pub const EX_GATEWAY: u32 = 1003;
    pub const EX_USER: u32 = 1004;
    pub const EX_URL: u32 = 1005;
    pub const EX_MPLS: u32 = 1006;
    pub const EX_NAT: u32 = 1007;
    pub const EX_MPLS_TUNNEL: u32 = 1008;
    pub const EX_MPLS_VC: u32 = 1009;
    pub const EX_MPLS_FTN: u32 = 1010;
    pub const EX_MPLS_LDP_FEC: u32 = 1011;
    pub const EX_VLAN_TUNNEL: u32 = 1012;
    /// sflow_tunnels.txt: outer headers of encapsulated traffic.
    pub const EX_IPV4_TUNNEL_EGRESS: u32 = 1023;
    pub const EX_IPV4_TUNNEL_INGRESS: u32 = 1024;
    pub const EX_IPV6_TUNNEL_EGRESS: u32 = 1025;
    pub const EX_IPV6_TUNNEL_INGRESS: u32 = 1026;
    pub const EX_DECAP_EGRESS: u32 = 1027;
    pub const EX_DECAP_INGRESS: u32 = 1028;
    pub const EX_VNI_EGRESS: u32 = 1029;
    pub const EX_VNI_INGRESS: u32 = 1030;
    /// pmacct's own records (enterprise 43874): class and tag/tag2.
    pub const PMACCT_CLASS: u32 = (43874 << 12) + 1;
    pub const PMACCT_TAG: u32 = (43874 << 12) + 2;
    pub const PMACCT_CLASS2: u32 = (43874 << 12) + 3;
}

/// Counter record formats (enterprise 0).
pub mod counter_format {
    pub const GENERIC: u32 = 1;
    pub const ETHERNET: u32 = 2;
    pub const TOKENRING: u32 = 3;
    pub const VG: u32 = 4;
    pub const VLAN: u32 = 5;
    pub const PROCESSOR: u32 = 1001;
}

/// Errors that reject a whole datagram (nothing was emitted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SflowError {
    /// Shorter than its header.
    Truncated,
    UnsupportedVersion(u32),
    /// Agent address type other than 1 (IPv4) or 2 (IPv6): the rest cannot be located.
    AgentAddressType(u32),
}

impl SflowError {
    pub fn as_str(self) -> &'static str {
        match self {
            SflowError::Truncated => "truncated",
            SflowError::UnsupportedVersion(_) => "unsupported_version",
            SflowError::AgentAddressType(_) => "bad_agent_address_type",
        }
    }
}

impl std::fmt::Display for SflowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SflowError::UnsupportedVersion(v) => write!(f, "unsupported sFlow version {v}"),
            SflowError::AgentAddressType(t) => write!(f, "unknown sFlow agent address type {t}"),
            e => f.write_str(e.as_str()),
        }
    }
}

impl std::error::Error for SflowError {}

/// Why part of a datagram was not turned into records. Stable names for metric labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DropReason {
    /// The datagram ended before the announced samples (the rest is missing).
    SampleTruncated,
    /// v5 sample length past the end of the datagram or smaller than its fixed part.
    SampleLength,
    /// Sample type we do not know (v5: skipped by its length; v2/v4: rest of datagram lost,
    /// these samples carry no length).
    UnknownSampleType,
    /// Record length past the end of its sample, or record count larger than the sample.
    RecordLength,
    /// A known record whose content does not fit its length (sample dropped).
    RecordMalformed,
    /// v2/v4 packet data type or extended type unknown: the rest of the sample is unreadable.
    UnknownV2v4Type,
    /// Flow sample of a known non-IP protocol (ARP, ...): not accounted, as sfacctd.
    NonIp,
}

impl DropReason {
    pub const ALL: [DropReason; 7] = [
        DropReason::SampleTruncated,
        DropReason::SampleLength,
        DropReason::UnknownSampleType,
        DropReason::RecordLength,
        DropReason::RecordMalformed,
        DropReason::UnknownV2v4Type,
        DropReason::NonIp,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DropReason::SampleTruncated => "sample_truncated",
            DropReason::SampleLength => "bad_sample_length",
            DropReason::UnknownSampleType => "unknown_sample_type",
            DropReason::RecordLength => "bad_record_length",
            DropReason::RecordMalformed => "record_malformed",
            DropReason::UnknownV2v4Type => "unknown_v2v4_type",
            DropReason::NonIp => "non_ip_sample",
        }
    }
}

/// What one datagram gave.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SflowStats {
    pub version: u32,
    /// Samples announced by the header.
    pub samples: u32,
    pub flow_samples: u32,
    pub counter_samples: u32,
    /// Flow records handed to the sink.
    pub records: u32,
    /// Flow/counter records of formats we do not decode, skipped by their length.
    pub unknown_records: u32,
    drops: [u32; DropReason::ALL.len()],
}

impl SflowStats {
    pub fn dropped(&self, reason: DropReason) -> u32 {
        self.drops[reason as usize]
    }
    pub fn total_dropped(&self) -> u32 {
        self.drops.iter().sum()
    }
    pub fn drops(&self) -> impl Iterator<Item = (DropReason, u32)> + '_ {
        DropReason::ALL
            .iter()
            .map(|r| (*r, self.dropped(*r)))
            .filter(|(_, n)| *n > 0)
    }
    fn drop(&mut self, r: DropReason) {
        self.drops[r as usize] = self.drops[r as usize].saturating_add(1);
    }
}

/// sFlow decoder. Stateless between datagrams (sFlow has no templates); kept as a type so
/// the daemon can hold one per worker like `NetflowDecoder`, and for its options.
#[derive(Debug, Default, Clone)]
pub struct SflowDecoder {
    /// Every lead comes with its decoded sample (no plain path): see `with_whole_samples`.
    whole_samples: bool,
}

/// What a consumer of leads gets beside a flow sample's lead.
#[derive(Debug, Clone, Copy)]
pub struct LeadSample<'s> {
    pub sampling_rate: u32,
    /// pmacct's tag record (tag, tag2), 0 without one.
    pub tag: (u64, u64),
    /// The decoded sample; None for a plain sample's lead, read without one (never with
    /// [`SflowDecoder::with_whole_samples`]).
    pub sample: Option<&'s SflowSample<'s>>,
}

/// A flow sample as the walk found it: decoded whole, or (a plain one, for a consumer of
/// leads) its lead alone.
enum FlowFound<'s, 'a> {
    Whole(&'s SflowSample<'a>),
    Plain(&'s PlainLead),
}

/// Where the walk hands what it finds; one value for both paths of a flow sample.
trait Visit {
    /// Plain flow samples are read as leads (`lead::plain_lead`), not decoded whole.
    const PLAIN: bool;
    fn flow(&mut self, f: FlowFound<'_, '_>);
    fn counters(&mut self, c: &CounterSample<'_>);
}

/// [`walk`]'s visitor: every sample, decoded whole.
struct Whole<F>(F);

impl<F: FnMut(Sample<'_, '_>)> Visit for Whole<F> {
    const PLAIN: bool = false;
    fn flow(&mut self, f: FlowFound<'_, '_>) {
        if let FlowFound::Whole(s) = f {
            (self.0)(Sample::Flow(s));
        }
    }
    fn counters(&mut self, c: &CounterSample<'_>) {
        (self.0)(Sample::Counters(c));
    }
}

/// What the sample walker reports.
pub enum Sample<'s, 'a> {
    Flow(&'s SflowSample<'a>),
    Counters(&'s CounterSample<'a>),
}

impl SflowDecoder {
    pub fn new() -> Self {
        SflowDecoder::default()
    }

    /// Decode one datagram: `sink` gets one `FlowRecord` per accounted flow sample, with the
    /// sample it came from (agent address, sub-agent id, sample pool, extended records).
    /// `agent_src` (the UDP source) is kept in `DatagramInfo::source`; records carry the
    /// header's agent address as sfacctd does.
    pub fn decode<F: FnMut(&FlowRecord, &SflowSample)>(
        &mut self,
        agent_src: IpAddr,
        datagram: &[u8],
        sink: F,
    ) -> Result<SflowStats, SflowError> {
        self.decode_with_counters(agent_src, datagram, sink, |_| {})
    }

    /// `decode`, also handing every counter sample to `counters`.
    pub fn decode_with_counters<F: FnMut(&FlowRecord, &SflowSample), C: FnMut(&CounterSample)>(
        &mut self,
        agent_src: IpAddr,
        datagram: &[u8],
        mut sink: F,
        mut counters: C,
    ) -> Result<SflowStats, SflowError> {
        // One record for every sample of the datagram, written in place.
        let mut rec = FlowRecord::default();
        let flow = |f: FlowFound<'_, '_>| match f {
            FlowFound::Whole(fs) => {
                let accounted = to_record_into(fs, &mut rec);
                if accounted {
                    sink(&rec, fs);
                }
                accounted
            }
            // Not asked for (`samples::<false, ..>`).
            FlowFound::Plain(_) => false,
        };
        samples::<false, _, _>(agent_src, datagram, flow, &mut counters)
    }

    /// Every lead of [`SflowDecoder::decode_leads_with_counters`] comes with its decoded
    /// sample (`LeadSample::sample`): for a consumer that reads a sample's pool and
    /// sequence (sfacctd's renormalization), at the cost of decoding plain samples whole.
    pub fn with_whole_samples(mut self, on: bool) -> Self {
        self.whole_samples = on;
        self
    }

    /// [`SflowDecoder::decode_with_counters`] for a consumer of leads alone: each flow
    /// sample's lead ([`to_lead`], what `FlowRecord::lead` of its record is), no record.
    /// A plain sample's lead is read without decoding the sample whole (`LeadSample::sample`
    /// is None then), unless [`SflowDecoder::with_whole_samples`].
    pub fn decode_leads_with_counters<F, C>(
        &mut self,
        agent_src: IpAddr,
        datagram: &[u8],
        mut sink: F,
        mut counters: C,
    ) -> Result<SflowStats, SflowError>
    where
        F: FnMut(&LeadFields, &LeadSample<'_>),
        C: FnMut(&CounterSample),
    {
        let flow = |f: FlowFound<'_, '_>| match f {
            FlowFound::Whole(fs) => match to_lead(fs) {
                Some(l) => {
                    let extra = LeadSample {
                        sampling_rate: fs.sampling_rate,
                        tag: fs.tag.unwrap_or((0, 0)),
                        sample: Some(fs),
                    };
                    sink(&l, &extra);
                    true
                }
                None => false,
            },
            FlowFound::Plain(p) => {
                let extra = LeadSample {
                    sampling_rate: p.sampling_rate,
                    tag: (0, 0),
                    sample: None,
                };
                sink(&p.lead, &extra);
                true
            }
        };
        if self.whole_samples {
            samples::<false, _, _>(agent_src, datagram, flow, &mut counters)
        } else {
            samples::<true, _, _>(agent_src, datagram, flow, &mut counters)
        }
    }
}

/// Every sample of a datagram: flow samples to `flow` (false: not accounted, a non-IP
/// sample), counter samples to `counters`; the stats count what `flow` accounted.
/// `PLAIN`: plain flow samples come as leads (`FlowFound::Plain`).
#[inline(always)]
fn samples<const PLAIN: bool, F, C>(
    agent_src: IpAddr,
    datagram: &[u8],
    flow: F,
    counters: &mut C,
) -> Result<SflowStats, SflowError>
where
    F: FnMut(FlowFound<'_, '_>) -> bool,
    C: FnMut(&CounterSample),
{
    struct Counting<'c, F, C, const P: bool> {
        flow: F,
        counters: &'c mut C,
        emitted: u32,
        non_ip: u32,
    }
    impl<F, C, const P: bool> Visit for Counting<'_, F, C, P>
    where
        F: FnMut(FlowFound<'_, '_>) -> bool,
        C: FnMut(&CounterSample),
    {
        const PLAIN: bool = P;
        #[inline(always)]
        fn flow(&mut self, f: FlowFound<'_, '_>) {
            if (self.flow)(f) {
                self.emitted += 1;
            } else {
                self.non_ip += 1;
            }
        }
        fn counters(&mut self, c: &CounterSample<'_>) {
            (self.counters)(c)
        }
    }
    let mut v = Counting::<F, C, PLAIN> {
        flow,
        counters,
        emitted: 0,
        non_ip: 0,
    };
    let mut stats = walk_with(agent_src, datagram, &mut v)?;
    stats.records = v.emitted;
    for _ in 0..v.non_ip {
        stats.drop(DropReason::NonIp);
    }
    Ok(stats)
}

/// Walk every sample of a datagram, decoded but not yet turned into records.
pub fn walk<F: FnMut(Sample<'_, '_>)>(
    agent_src: IpAddr,
    datagram: &[u8],
    f: F,
) -> Result<SflowStats, SflowError> {
    walk_with(agent_src, datagram, &mut Whole(f))
}

fn walk_with<V: Visit>(
    agent_src: IpAddr,
    datagram: &[u8],
    v: &mut V,
) -> Result<SflowStats, SflowError> {
    let mut rd = Rd::new(datagram);
    let (version, agent, sub_agent_id, sequence) = header(&mut rd)?;
    let uptime_ms = rd.u32().ok_or(SflowError::Truncated)?;
    let samples = rd.u32().ok_or(SflowError::Truncated)?;
    let dg = DatagramInfo {
        version,
        agent,
        source: agent_src,
        sub_agent_id,
        sequence,
        uptime_ms,
        samples,
    };
    let mut stats = SflowStats {
        version,
        samples,
        ..Default::default()
    };
    // One sample slot reused for every flow sample: it is large, so it is neither moved nor
    // returned by value, and made only when a sample is decoded whole (a datagram of plain
    // samples read as leads needs none).
    let mut slot = None;
    for _ in 0..samples {
        if rd.left() == 0 {
            stats.drop(DropReason::SampleTruncated);
            break;
        }
        let go_on = if version == 5 {
            v5_sample(&mut rd, &dg, &mut slot, &mut stats, v)
        } else {
            v2v4_sample(&mut rd, &dg, &mut slot, &mut stats, v)
        };
        if !go_on {
            break;
        }
    }
    Ok(stats)
}

/// The datagram header up to the sequence number: (version, agent, sub-agent id, sequence).
fn header(rd: &mut Rd<'_>) -> Result<(u32, IpAddr, u32, u32), SflowError> {
    let version = rd.u32().ok_or(SflowError::Truncated)?;
    if !matches!(version, 2 | 4 | 5) {
        return Err(SflowError::UnsupportedVersion(version));
    }
    let agent = match rd.u32().ok_or(SflowError::Truncated)? {
        1 => rd.ipv4().ok_or(SflowError::Truncated)?,
        2 => rd.ipv6().ok_or(SflowError::Truncated)?,
        t => return Err(SflowError::AgentAddressType(t)),
    };
    let sub_agent_id = if version == 5 {
        rd.u32().ok_or(SflowError::Truncated)?
    } else {
        0
    };
    let sequence = rd.u32().ok_or(SflowError::Truncated)?;
    Ok((version, agent, sub_agent_id, sequence))
}

/// The agent address, sub-agent id (0 before v5) and sequence number of a datagram, read
/// from its header alone (what sfacctd keys its per-agent state by), whatever follows.
pub fn datagram_header(datagram: &[u8]) -> Option<(IpAddr, u32, u32)> {
    let (_, agent, sub_agent_id, sequence) = header(&mut Rd::new(datagram)).ok()?;
    Some((agent, sub_agent_id, sequence))
}

/// One v5 sample; false when the rest of the datagram cannot be located.
fn v5_sample<'a, V: Visit>(
    rd: &mut Rd<'a>,
    dg: &DatagramInfo,
    slot: &mut Option<SflowSample<'a>>,
    stats: &mut SflowStats,
    v: &mut V,
) -> bool {
    let (Some(tag), Some(len)) = (rd.u32(), rd.u32()) else {
        stats.drop(DropReason::SampleTruncated);
        return false;
    };
    let Some(body) = rd.bytes(len as usize) else {
        stats.drop(DropReason::SampleLength);
        return false;
    };
    match tag {
        SAMPLE_FLOW | SAMPLE_FLOW_EXPANDED => {
            stats.flow_samples += 1;
            if V::PLAIN {
                if let Some(l) = plain_lead(body, tag) {
                    v.flow(FlowFound::Plain(&l));
                    return true;
                }
            }
            let slot = slot.get_or_insert(SflowSample::EMPTY);
            match v5_flow_sample(slot, body, tag, dg, stats) {
                Ok(()) => v.flow(FlowFound::Whole(slot)),
                Err(r) => stats.drop(r),
            }
        }
        SAMPLE_COUNTERS | SAMPLE_COUNTERS_EXPANDED => {
            stats.counter_samples += 1;
            match v5_counter_sample(body, tag, dg, stats) {
                Some(s) => v.counters(&s),
                None => stats.drop(DropReason::RecordLength),
            }
        }
        _ => stats.drop(DropReason::UnknownSampleType),
    }
    true
}
