//! IPFIX (RFC 7011): 16-byte header with the message length, then sets.

use super::ie::TimeBase;
use super::sets::{self, SetCtx};
use super::template::TemplateKind;
use super::{be16, be32, DatagramStats, DecodeError, DropReason, NetflowDecoder, RecordSink};
use crate::record::{ExportHeader, FieldSpec, Timestamp};
use std::net::IpAddr;

pub(crate) const HEADER_LEN: usize = 16;

pub(crate) fn decode<S: RecordSink>(
    dec: &mut NetflowDecoder,
    exporter: IpAddr,
    d: &[u8],
    stats: &mut DatagramStats,
    sink: &mut S,
) -> Result<(), DecodeError> {
    let (Some(len), Some(secs), Some(seq), Some(domain)) =
        (be16(d, 2), be32(d, 4), be32(d, 8), be32(d, 12))
    else {
        return Err(DecodeError::Truncated);
    };
    let len = len as usize;
    if len < HEADER_LEN || len > d.len() {
        return Err(DecodeError::LengthMismatch);
    }
    let ctx = SetCtx {
        exporter,
        source_id: domain,
        header: ExportHeader {
            version: 10,
            sequence: seq,
            source_id: domain,
            export_time: Timestamp::new(secs as u64, 0),
            ..Default::default()
        },
        tb: TimeBase {
            version: 10,
            export_secs: secs,
            sys_uptime_ms: 0,
            sys_init_ms: None,
        },
        ipfix: true,
        template_set,
    };
    sets::walk(dec, &ctx, &d[HEADER_LEN..len], stats, sink);
    Ok(())
}

/// Set 2 (templates) and 3 (options templates).
fn template_set(
    dec: &mut NetflowDecoder,
    ctx: &SetCtx,
    id: u16,
    content: &[u8],
    stats: &mut DatagramStats,
) {
    match id {
        2 => templates(dec, ctx, content, stats, TemplateKind::Data),
        3 => templates(dec, ctx, content, stats, TemplateKind::Options),
        _ => {}
    }
}

/// Template set (2) or options template set (3), including withdrawals (field count 0; a
/// template id equal to the set id withdraws all templates of that kind).
fn templates(
    dec: &mut NetflowDecoder,
    ctx: &SetCtx,
    mut c: &[u8],
    stats: &mut DatagramStats,
    kind: TemplateKind,
) {
    let (set_id, hdr) = match kind {
        TemplateKind::Data => (2u16, 4usize),
        TemplateKind::Options => (3, 6),
    };
    while let (Some(id), Some(n)) = (be16(c, 0), be16(c, 2)) {
        if n == 0 {
            if id == 0 {
                break; // padding
            }
            if id == set_id {
                dec.templates
                    .withdraw_all(ctx.exporter, ctx.source_id, kind);
            } else if id >= 256 {
                dec.templates.withdraw(ctx.exporter, ctx.source_id, id);
            } else {
                stats.drop(DropReason::TemplateMalformed);
                break;
            }
            stats.withdrawals += 1;
            c = &c[4..];
            continue;
        }
        let scope = if kind == TemplateKind::Options {
            be16(c, 4)
        } else {
            Some(0)
        };
        let bad_scope =
            kind == TemplateKind::Options && !matches!(scope, Some(s) if s > 0 && s <= n);
        if id < 256 || c.len() < hdr || bad_scope {
            stats.drop(DropReason::TemplateMalformed);
            break;
        }
        dec.field_buf.clear();
        let mut p = hdr;
        let mut ok = true;
        for _ in 0..n {
            let (Some(raw), Some(len)) = (be16(c, p), be16(c, p + 2)) else {
                ok = false;
                break;
            };
            let pen = if raw & 0x8000 != 0 {
                let Some(pen) = be32(c, p + 4) else {
                    ok = false;
                    break;
                };
                p += 8;
                pen
            } else {
                p += 4;
                0
            };
            dec.field_buf.push(FieldSpec {
                pen,
                id: raw & 0x7FFF,
                len,
            });
        }
        if !ok {
            stats.drop(DropReason::TemplateMalformed);
            break;
        }
        match dec.templates.insert(
            ctx.exporter,
            ctx.source_id,
            id,
            kind,
            scope.unwrap_or(0),
            &dec.field_buf,
        ) {
            Ok(_) => stats.templates += 1,
            Err(r) => stats.drop(r),
        }
        c = &c[p..];
    }
}
