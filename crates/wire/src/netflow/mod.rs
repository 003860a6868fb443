//! NetFlow v1/v5/v7/v8/v9 and IPFIX decoding.
//!
//! `NetflowDecoder::decode` takes one export datagram and the exporter address, calls the sink
//! once per record with a reused `FlowRecord` (no allocation per record), and returns per
//! datagram what was emitted and what was dropped, with a typed reason for each drop. Errors
//! that make the whole datagram unusable (short header, unknown version, lying counts) come
//! back as `DecodeError`. Nothing here panics, allocates without bound or loops on zero
//! lengths: every count and length is checked against the bytes that are really there.
//!
//! Template state (v9/IPFIX) lives in the decoder's `TemplateCache`; one decoder per worker
//! thread, exporters sharded across workers, so there are no locks.

pub mod ie;
mod ipfix;
mod lead;
mod sets;
pub mod template;
pub mod template_sets;
mod tunnel;
mod v1;
mod v5;
mod v7;
mod v8;
mod v9;

pub use template::{
    CacheStats, DomainFacts, InsertOutcome, Limits, RestoreError, SamplerEntry, Template,
    TemplateCache, TemplateKind, DEFAULT_MAX_TEMPLATES_PER_EXPORTER, V9_SCOPE_PEN,
};

use crate::record::{ExportHeader, FlowFields, FlowRecord, LeadFields, Timestamp};
use std::net::IpAddr;

/// Why part of a datagram was not turned into records. Stable names for metric labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DropReason {
    /// A data set whose template is unknown (counted once per set). We do not buffer data
    /// waiting for its template; templates in the same datagram are applied first (quirk 8).
    NoTemplate,
    /// Template with a zero-length field: rejected (pmacct emits a bogus row, quirk 9).
    TemplateZeroLengthField,
    /// Template with more fields than `Limits::max_template_fields`.
    TemplateTooManyFields,
    /// Template record overrunning its set, bad template id or options scope count.
    TemplateMalformed,
    /// The template cache is at its field budget.
    TemplateCacheFull,
    /// Set/flowset length under 4 or past the end of the datagram: the rest is skipped.
    SetLength,
    /// A variable-length data record overruns its set.
    RecordTruncated,
    /// Set id reserved by the RFCs (v9 2..255, IPFIX 0, 1, 4..255): skipped.
    ReservedSetId,
    /// `nfacctd_pre_processing_checks` (pmacct 1.8): a data set whose end padding is not
    /// all zero bytes is discarded whole.
    PaddingNotZero,
}

impl DropReason {
    pub const ALL: [DropReason; 9] = [
        DropReason::NoTemplate,
        DropReason::TemplateZeroLengthField,
        DropReason::TemplateTooManyFields,
        DropReason::TemplateMalformed,
        DropReason::TemplateCacheFull,
        DropReason::SetLength,
        DropReason::RecordTruncated,
        DropReason::ReservedSetId,
        DropReason::PaddingNotZero,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DropReason::NoTemplate => "no_template",
            DropReason::TemplateZeroLengthField => "template_zero_length_field",
            DropReason::TemplateTooManyFields => "template_too_many_fields",
            DropReason::TemplateMalformed => "template_malformed",
            DropReason::TemplateCacheFull => "template_cache_full",
            DropReason::SetLength => "bad_set_length",
            DropReason::RecordTruncated => "record_truncated",
            DropReason::ReservedSetId => "reserved_set_id",
            DropReason::PaddingNotZero => "padding_not_zero",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Errors that reject a whole datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeError {
    /// Shorter than its header.
    Truncated,
    UnsupportedVersion(u16),
    /// v1/v5/v7/v8 header count needs more bytes than the datagram has.
    CountMismatch,
    /// IPFIX message length smaller than its header or larger than the datagram.
    LengthMismatch,
    /// NetFlow v8 aggregation scheme we do not know.
    UnknownAggregation(u8),
}

impl DecodeError {
    pub fn as_str(self) -> &'static str {
        match self {
            DecodeError::Truncated => "truncated",
            DecodeError::UnsupportedVersion(_) => "unsupported_version",
            DecodeError::CountMismatch => "count_mismatch",
            DecodeError::LengthMismatch => "length_mismatch",
            DecodeError::UnknownAggregation(_) => "v8_unknown_aggregation",
        }
    }
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecodeError::UnsupportedVersion(v) => write!(f, "unsupported export version {v}"),
            DecodeError::UnknownAggregation(a) => write!(f, "unknown NetFlow v8 aggregation {a}"),
            e => f.write_str(e.as_str()),
        }
    }
}

impl std::error::Error for DecodeError {}

/// What one datagram gave.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DatagramStats {
    pub version: u16,
    /// Records handed to the sink, of every flow type.
    pub records: u32,
    /// Of which options data records (`FlowType::Option`).
    pub option_records: u32,
    /// Template records accepted (new, replaced or refreshed).
    pub templates: u32,
    pub withdrawals: u32,
    drops: [u32; DropReason::ALL.len()],
}

impl DatagramStats {
    pub fn dropped(&self, reason: DropReason) -> u32 {
        self.drops[reason.index()]
    }
    pub fn dropped_no_template(&self) -> u32 {
        self.dropped(DropReason::NoTemplate)
    }
    pub fn total_dropped(&self) -> u32 {
        self.drops.iter().sum()
    }
    /// Non-zero drop counters.
    pub fn drops(&self) -> impl Iterator<Item = (DropReason, u32)> + '_ {
        DropReason::ALL
            .iter()
            .map(|r| (*r, self.dropped(*r)))
            .filter(|(_, n)| *n > 0)
    }
    pub(crate) fn drop(&mut self, reason: DropReason) {
        self.drops[reason.index()] += 1;
    }
}

/// Decoding switches that pmacct applies while decoding.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DecoderOptions {
    /// `nfacctd_time_secs`: v1/v5/v7/v8 First/Last and SysUptime are in seconds, not ms.
    pub v5_time_secs: bool,
    /// `nfacctd_pre_processing_checks` (pmacct 1.8): discard v9/IPFIX data sets whose
    /// padding after the last record has non-zero bytes.
    pub pre_processing_checks: bool,
}

/// The export version of a datagram (first two bytes), if it has that many.
pub fn export_version(datagram: &[u8]) -> Option<u16> {
    Some(u16::from_be_bytes([*datagram.first()?, *datagram.get(1)?]))
}

/// NetFlow/IPFIX decoder with its template state. One per worker thread.
#[derive(Debug)]
pub struct NetflowDecoder {
    templates: TemplateCache,
    options: DecoderOptions,
    /// Reused while parsing template records, so refreshes do not allocate.
    field_buf: Vec<crate::record::FieldSpec>,
    plain_tables: template::PlainTables,
}

impl NetflowDecoder {
    pub fn new(limits: Limits) -> Self {
        Self::with_options(limits, DecoderOptions::default())
    }

    pub fn with_options(limits: Limits, options: DecoderOptions) -> Self {
        NetflowDecoder {
            templates: TemplateCache::new(limits),
            options,
            field_buf: Vec::new(),
            plain_tables: Default::default(),
        }
    }

    /// Start from a restored template cache (`nfacctd_templates_file`).
    pub fn with_cache(templates: TemplateCache, options: DecoderOptions) -> Self {
        NetflowDecoder {
            templates,
            options,
            field_buf: Vec::new(),
            plain_tables: Default::default(),
        }
    }

    pub fn templates(&self) -> &TemplateCache {
        &self.templates
    }

    pub fn templates_mut(&mut self) -> &mut TemplateCache {
        &mut self.templates
    }

    pub fn options(&self) -> DecoderOptions {
        self.options
    }

    /// Sampling interval learnt from options data for a sampler of an exporter (sampler id 0
    /// when the options record named none).
    pub fn sampling_interval(
        &self,
        exporter: IpAddr,
        source_id: u32,
        sampler_id: u32,
    ) -> Option<u32> {
        self.templates
            .sampler(exporter, source_id, sampler_id)
            .map(|s| s.interval)
    }

    /// Decode one datagram from `exporter`, calling `sink` for every record.
    pub fn decode<F: FnMut(&FlowRecord)>(
        &mut self,
        exporter: IpAddr,
        datagram: &[u8],
        sink: F,
    ) -> Result<DatagramStats, DecodeError> {
        self.decode_into(exporter, datagram, &mut Records(sink))
    }

    /// Decode one datagram from `exporter` into `sink`: every record, or for a sink that
    /// takes [`RecordSink::leads`], the records of plain data templates as their lead.
    pub fn decode_into<S: RecordSink>(
        &mut self,
        exporter: IpAddr,
        datagram: &[u8],
        sink: &mut S,
    ) -> Result<DatagramStats, DecodeError> {
        let version = export_version(datagram).ok_or(DecodeError::Truncated)?;
        let mut stats = DatagramStats {
            version,
            ..Default::default()
        };
        let mut each = |r: &FlowRecord| sink.record(r);
        match version {
            1 => v1::decode(datagram, &self.options, &mut stats, &mut each)?,
            5 => v5::decode(datagram, &self.options, &mut stats, &mut each)?,
            7 => v7::decode(datagram, &self.options, &mut stats, &mut each)?,
            8 => v8::decode(datagram, &self.options, &mut stats, &mut each)?,
            9 => v9::decode(self, exporter, datagram, &mut stats, sink)?,
            10 => ipfix::decode(self, exporter, datagram, &mut stats, sink)?,
            v => return Err(DecodeError::UnsupportedVersion(v)),
        }
        Ok(stats)
    }
}

#[inline]
pub(crate) fn be16(b: &[u8], off: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(off)?, *b.get(off + 1)?]))
}

#[inline]
pub(crate) fn be32(b: &[u8], off: usize) -> Option<u32> {
    let s = b.get(off..off.checked_add(4)?)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

/// Fixed-size read inside a record whose length was checked once (`chunks_exact`).
#[inline(always)]
pub(crate) fn r16<const N: usize>(r: &[u8; N], off: usize) -> u16 {
    u16::from_be_bytes([r[off], r[off + 1]])
}

#[inline(always)]
pub(crate) fn r32<const N: usize>(r: &[u8; N], off: usize) -> u32 {
    u32::from_be_bytes([r[off], r[off + 1], r[off + 2], r[off + 3]])
}

#[inline(always)]
pub(crate) fn rv4<const N: usize>(r: &[u8; N], off: usize) -> IpAddr {
    IpAddr::V4(std::net::Ipv4Addr::new(
        r[off],
        r[off + 1],
        r[off + 2],
        r[off + 3],
    ))
}

/// Header facts of the fixed-format versions (v1, v5, v7, v8).
#[derive(Debug, Clone, Copy)]
pub(crate) struct LegacyHeader {
    pub header: ExportHeader,
}

impl LegacyHeader {
    /// Absolute first/last of an uptime-relative pair, as pmacct computes them: export
    /// seconds minus whole seconds of age (32-bit wrapping), or seconds with `nfacctd_time_secs`.
    #[inline]
    pub fn times(&self, opts: &DecoderOptions, first: u32, last: u32) -> (Timestamp, Timestamp) {
        let h = &self.header;
        let unix = h.export_time.secs as u32;
        if opts.v5_time_secs {
            let f = unix.wrapping_sub(h.sys_uptime_ms.wrapping_sub(first));
            let l = unix.wrapping_sub(h.sys_uptime_ms.wrapping_sub(last));
            (Timestamp::new(f as u64, 0), Timestamp::new(l as u64, 0))
        } else {
            (
                ie::uptime_to_abs(unix, h.sys_uptime_ms, first),
                ie::uptime_to_abs(unix, h.sys_uptime_ms, last),
            )
        }
    }

    /// The fresh record every record of this datagram starts from.
    pub fn base<'a>(&self) -> FlowRecord<'a> {
        FlowRecord {
            fields: FlowFields {
                header: self.header,
                flows: 1,
                etype: 0x0800,
                ..Default::default()
            },
            ..Default::default()
        }
    }
}

/// Where [`NetflowDecoder::decode_into`] hands what it decodes.
pub trait RecordSink {
    /// One record, of any version and flow type.
    fn record(&mut self, rec: &FlowRecord<'_>);

    /// Whether the records of plain v9/IPFIX data templates (fixed-length, common elements
    /// only: most exporters') may come to [`RecordSink::lead`] as their flow's lead alone,
    /// decoded straight from their bytes. For a consumer that reads nothing past the lead.
    fn leads(&self) -> bool {
        false
    }

    /// The lead of one record of a plain data template, when [`RecordSink::leads`]: what
    /// [`FlowRecord::lead`] of its record would be. `header`: the datagram's.
    fn lead(&mut self, header: &ExportHeader, lead: &LeadFields) {
        let _ = (header, lead);
    }
}

/// A closure as a [`RecordSink`] of records only.
struct Records<F>(F);

impl<F: FnMut(&FlowRecord)> RecordSink for Records<F> {
    #[inline]
    fn record(&mut self, rec: &FlowRecord<'_>) {
        (self.0)(rec)
    }
}

/// Records of v1, v5 and v7, which share their first 36 bytes (addresses, interfaces,
/// counters, times, ports); `tail` reads the version-specific rest.
pub(crate) fn flow_records<const N: usize, F: FnMut(&FlowRecord)>(
    body: &[u8],
    lh: &LegacyHeader,
    opts: &DecoderOptions,
    stats: &mut DatagramStats,
    sink: &mut F,
    tail: impl Fn(&[u8; N], &mut FlowRecord),
) {
    let base = lh.base();
    let mut rec: FlowRecord = base.clone();
    for chunk in body.chunks_exact(N) {
        let Ok(r) = <&[u8; N]>::try_from(chunk) else {
            continue;
        };
        rec.reset_from(&base);
        rec.src_addr = Some(rv4(r, 0));
        rec.dst_addr = Some(rv4(r, 4));
        rec.next_hop = Some(rv4(r, 8));
        rec.in_iface = r16(r, 12) as u32;
        rec.out_iface = r16(r, 14) as u32;
        rec.packets = r32(r, 16) as u64;
        rec.bytes = r32(r, 20) as u64;
        (rec.first, rec.last) = lh.times(opts, r32(r, 24), r32(r, 28));
        rec.src_port = r16(r, 32);
        rec.dst_port = r16(r, 34);
        tail(r, &mut rec);
        sink(&rec);
        stats.records += 1;
    }
}

/// Common checks of the fixed-format versions: header present, count records present.
pub(crate) fn legacy_body(
    d: &[u8],
    hdr_len: usize,
    rec_len: usize,
) -> Result<(u16, &[u8]), DecodeError> {
    let count = be16(d, 2).ok_or(DecodeError::Truncated)?;
    let body = d.get(hdr_len..).ok_or(DecodeError::Truncated)?;
    let need = count as usize * rec_len;
    let body = body.get(..need).ok_or(DecodeError::CountMismatch)?;
    Ok((count, body))
}
