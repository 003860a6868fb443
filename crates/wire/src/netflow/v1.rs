//! NetFlow v1: 16-byte header, 48-byte records. pmacct 1.7.7 drops these; we decode them.

use super::{legacy_body, r32, DatagramStats, DecodeError, DecoderOptions, LegacyHeader};
use crate::record::{ExportHeader, FlowRecord, Timestamp};

pub(crate) const HEADER_LEN: usize = 16;
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
    let lh = LegacyHeader {
        header: ExportHeader {
            version: 1,
            export_time: Timestamp::new(r32(h, 8) as u64, 0),
            sys_uptime_ms: r32(h, 4),
            ..Default::default()
        },
    };
    super::flow_records::<RECORD_LEN, F>(body, &lh, opts, stats, sink, |r, rec| {
        rec.proto = r[38];
        rec.tos = r[39];
        rec.tcp_flags = r[40] as u16;
    });
    Ok(())
}
