//! NetFlow v8 (router-based aggregation): 28-byte header, one record layout per aggregation
//! scheme (1 AS ... 14 PrefixPort). Aggregated records carry a flow count.

use super::{be16, be32, legacy_body, DatagramStats, DecodeError, DecoderOptions, LegacyHeader};
use crate::record::{ExportHeader, FlowRecord, Timestamp};
use std::net::{IpAddr, Ipv4Addr};

pub(crate) const HEADER_LEN: usize = 28;

/// Record length of each aggregation scheme (index = scheme), 0 = unknown.
pub(crate) const RECORD_LEN: [usize; 15] =
    [0, 28, 28, 32, 32, 40, 32, 40, 44, 32, 32, 32, 32, 40, 40];

#[inline]
fn u8_at(r: &[u8], off: usize) -> u8 {
    r.get(off).copied().unwrap_or(0)
}
#[inline]
fn u16_at(r: &[u8], off: usize) -> u16 {
    be16(r, off).unwrap_or(0)
}
#[inline]
fn u32_at(r: &[u8], off: usize) -> u32 {
    be32(r, off).unwrap_or(0)
}
#[inline]
fn v4_at(r: &[u8], off: usize) -> Option<IpAddr> {
    be32(r, off).map(|a| IpAddr::V4(Ipv4Addr::from(a)))
}

pub(crate) fn decode<F: FnMut(&FlowRecord)>(
    d: &[u8],
    opts: &DecoderOptions,
    stats: &mut DatagramStats,
    sink: &mut F,
) -> Result<(), DecodeError> {
    let h = d.get(..HEADER_LEN).ok_or(DecodeError::Truncated)?;
    let agg = h[22];
    let rec_len = RECORD_LEN.get(agg as usize).copied().unwrap_or(0);
    if rec_len == 0 {
        return Err(DecodeError::UnknownAggregation(agg));
    }
    let (_, body) = legacy_body(d, HEADER_LEN, rec_len)?;
    let lh = LegacyHeader {
        header: ExportHeader {
            version: 8,
            sequence: u32_at(h, 16),
            source_id: ((h[20] as u32) << 8) | h[21] as u32,
            engine_type: h[20],
            engine_id: h[21],
            export_time: Timestamp::new(u32_at(h, 8) as u64, 0),
            sys_uptime_ms: u32_at(h, 4),
            ..Default::default()
        },
    };
    let base = lh.base();
    let mut rec: FlowRecord = base.clone();
    for r in body.chunks_exact(rec_len) {
        rec.reset_from(&base);
        match agg {
            6..=8 => {
                // Flow-like schemes: addresses first, no flow count.
                rec.dst_addr = v4_at(r, 0);
                let c = if agg == 6 { 4 } else { 8 };
                if agg >= 7 {
                    rec.src_addr = v4_at(r, 4);
                }
                let c = if agg == 8 { c + 4 } else { c };
                if agg == 8 {
                    rec.dst_port = u16_at(r, 8);
                    rec.src_port = u16_at(r, 10);
                }
                rec.packets = u32_at(r, c) as u64;
                rec.bytes = u32_at(r, c + 4) as u64;
                (rec.first, rec.last) = lh.times(opts, u32_at(r, c + 8), u32_at(r, c + 12));
                rec.out_iface = u16_at(r, c + 16) as u32;
                match agg {
                    6 => rec.tos = u8_at(r, 22),
                    7 => {
                        rec.in_iface = u16_at(r, 26) as u32;
                        rec.tos = u8_at(r, 28);
                    }
                    _ => {
                        rec.in_iface = u16_at(r, 30) as u32;
                        rec.tos = u8_at(r, 32);
                        rec.proto = u8_at(r, 33);
                    }
                }
            }
            _ => {
                rec.flows = u32_at(r, 0) as u64;
                rec.packets = u32_at(r, 4) as u64;
                rec.bytes = u32_at(r, 8) as u64;
                (rec.first, rec.last) = lh.times(opts, u32_at(r, 12), u32_at(r, 16));
                match agg {
                    1 | 9 => {
                        rec.src_as = u16_at(r, 20) as u32;
                        rec.dst_as = u16_at(r, 22) as u32;
                        rec.in_iface = u16_at(r, 24) as u32;
                        rec.out_iface = u16_at(r, 26) as u32;
                        if agg == 9 {
                            rec.tos = u8_at(r, 28);
                        }
                    }
                    2 | 10 => {
                        rec.proto = u8_at(r, 20);
                        if agg == 10 {
                            rec.tos = u8_at(r, 21);
                            rec.in_iface = u16_at(r, 28) as u32;
                            rec.out_iface = u16_at(r, 30) as u32;
                        }
                        rec.src_port = u16_at(r, 24);
                        rec.dst_port = u16_at(r, 26);
                    }
                    3 | 11 => {
                        rec.src_addr = v4_at(r, 20);
                        rec.src_mask = u8_at(r, 24);
                        if agg == 11 {
                            rec.tos = u8_at(r, 25);
                        }
                        rec.src_as = u16_at(r, 26) as u32;
                        rec.in_iface = u16_at(r, 28) as u32;
                    }
                    4 | 12 => {
                        rec.dst_addr = v4_at(r, 20);
                        rec.dst_mask = u8_at(r, 24);
                        if agg == 12 {
                            rec.tos = u8_at(r, 25);
                        }
                        rec.dst_as = u16_at(r, 26) as u32;
                        rec.out_iface = u16_at(r, 28) as u32;
                    }
                    _ => {
                        // 5 Prefix, 13 PrefixToS, 14 PrefixPort.
                        rec.src_addr = v4_at(r, 20);
                        rec.dst_addr = v4_at(r, 24);
                        rec.dst_mask = u8_at(r, 28);
                        rec.src_mask = u8_at(r, 29);
                        if agg == 14 {
                            rec.tos = u8_at(r, 30);
                            rec.proto = u8_at(r, 31);
                            rec.src_port = u16_at(r, 32);
                            rec.dst_port = u16_at(r, 34);
                            rec.in_iface = u16_at(r, 36) as u32;
                            rec.out_iface = u16_at(r, 38) as u32;
                        } else {
                            if agg == 13 {
                                rec.tos = u8_at(r, 30);
                            }
                            rec.src_as = u16_at(r, 32) as u32;
                            rec.dst_as = u16_at(r, 34) as u32;
                            rec.in_iface = u16_at(r, 36) as u32;
                            rec.out_iface = u16_at(r, 38) as u32;
                        }
                    }
                }
            }
        }
        sink(&rec);
        stats.records += 1;
    }
    Ok(())
}
