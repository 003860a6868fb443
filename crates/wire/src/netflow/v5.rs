//! NetFlow v5: 24-byte header, 48-byte records.

use super::{legacy_body, r16, r32, DatagramStats, DecodeError, DecoderOptions, LegacyHeader};
use crate::record::{ExportHeader, FlowRecord, Timestamp};

pub(crate) const HEADER_LEN: usize = 24;
pub(crate) const RECORD_LEN: usize = 48;

pub(crate) fn decode<F: FnMut(&FlowRecord)>(
    d: &[u8],
    opts: &DecoderOptions,
    stats: &mut DatagramStats,
    sink: &mut F,
) -> Result<(), DecodeError> {
    let h: &[u8; HEADER_LEN] = d
        .get(..HEADER_LEN)
        .and_then(|h| h.try_into().ok())
        .ok_or(DecodeError::Truncated)?;
    let (_, body) = legacy_body(d, HEADER_LEN, RECORD_LEN)?;
    let sampling = r16(h, 22);
    let lh = LegacyHeader {
        header: ExportHeader {
            version: 5,
            sequence: r32(h, 16),
            source_id: ((h[20] as u32) << 8) | h[21] as u32,
            engine_type: h[20],
            engine_id: h[21],
            export_time: Timestamp::new(r32(h, 8) as u64, 0),
            sys_uptime_ms: r32(h, 4),
            sampling_interval: (sampling & 0x3FFF) as u32,
            sampling_mode: (sampling >> 14) as u8,
        },
    };
    super::flow_records::<RECORD_LEN, F>(body, &lh, opts, stats, sink, tail);
    Ok(())
}

/// Bytes 36..48 of v5 records, also the layout of v7 records there (v7 adds router_sc).
pub(crate) fn tail<const N: usize>(r: &[u8; N], rec: &mut FlowRecord) {
    rec.tcp_flags = r[37] as u16;
    rec.proto = r[38];
    rec.tos = r[39];
    rec.src_as = r16(r, 40) as u32;
    rec.dst_as = r16(r, 42) as u32;
    rec.src_mask = r[44];
    rec.dst_mask = r[45];
}
