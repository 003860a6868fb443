//! NetFlow v9 (RFC 3954): 20-byte header, then flowsets. The header count is not trusted
//! (softflowd puts records there, others flowsets): every flowset present is read.

use super::ie::TimeBase;
use super::sets::{self, SetCtx};
use super::template::{TemplateKind, V9_SCOPE_PEN};
use super::{be16, be32, DatagramStats, DecodeError, DropReason, NetflowDecoder, RecordSink};
use crate::record::{ExportHeader, FieldSpec, Timestamp};
use std::net::IpAddr;

pub(crate) const HEADER_LEN: usize = 20;

pub(crate) fn decode<S: RecordSink>(
    dec: &mut NetflowDecoder,
    exporter: IpAddr,
    d: &[u8],
    stats: &mut DatagramStats,
    sink: &mut S,
) -> Result<(), DecodeError> {
    let body = d.get(HEADER_LEN..).ok_or(DecodeError::Truncated)?;
    let (Some(uptime), Some(secs), Some(seq), Some(src)) =
        (be32(d, 4), be32(d, 8), be32(d, 12), be32(d, 16))
    else {
        return Err(DecodeError::Truncated);
    };
    let ctx = SetCtx {
        exporter,
        source_id: src,
        header: ExportHeader {
            version: 9,
            sequence: seq,
            source_id: src,
            export_time: Timestamp::new(secs as u64, 0),
            sys_uptime_ms: uptime,
            ..Default::default()
        },
        tb: TimeBase {
            version: 9,
            export_secs: secs,
            sys_uptime_ms: uptime,
            sys_init_ms: None,
        },
        ipfix: false,
        template_set,
    };
    sets::walk(dec, &ctx, body, stats, sink);
    Ok(())
}

fn insert(
    dec: &mut NetflowDecoder,
    ctx: &SetCtx,
    id: u16,
    kind: TemplateKind,
    scope: u16,
    stats: &mut DatagramStats,
) {
    match dec
        .templates
        .insert(ctx.exporter, ctx.source_id, id, kind, scope, &dec.field_buf)
    {
        Ok(_) => stats.templates += 1,
        Err(r) => stats.drop(r),
    }
}

/// Template flowset (id 0): template id, field count, (type, length) pairs.
/// Flowset 0 (templates) and 1 (options templates).
fn template_set(
    dec: &mut NetflowDecoder,
    ctx: &SetCtx,
    id: u16,
    content: &[u8],
    stats: &mut DatagramStats,
) {
    match id {
        0 => templates(dec, ctx, content, stats),
        1 => options_templates(dec, ctx, content, stats),
        _ => {}
    }
}

fn templates(dec: &mut NetflowDecoder, ctx: &SetCtx, mut c: &[u8], stats: &mut DatagramStats) {
    while let (Some(id), Some(n)) = (be16(c, 0), be16(c, 2)) {
        if id == 0 && n == 0 {
            break; // padding
        }
        if id < 256 {
            stats.drop(DropReason::TemplateMalformed);
            break;
        }
        if n == 0 {
            // Not in RFC 3954; read as the IPFIX withdrawal it would be.
            dec.templates.withdraw(ctx.exporter, ctx.source_id, id);
            stats.withdrawals += 1;
            c = &c[4..];
            continue;
        }
        let need = 4 + n as usize * 4;
        let Some(fields) = c.get(4..need) else {
            stats.drop(DropReason::TemplateMalformed);
            break;
        };
        dec.field_buf.clear();
        dec.field_buf
            .extend(fields.chunks_exact(4).map(|f| FieldSpec {
                pen: 0,
                id: u16::from_be_bytes([f[0], f[1]]),
                len: u16::from_be_bytes([f[2], f[3]]),
            }));
        insert(dec, ctx, id, TemplateKind::Data, 0, stats);
        c = &c[need..];
    }
}

/// Options template flowset (id 1): template id, scope length, option length (bytes), then
/// scope (type, length) pairs and option (type, length) pairs.
fn options_templates(
    dec: &mut NetflowDecoder,
    ctx: &SetCtx,
    mut c: &[u8],
    stats: &mut DatagramStats,
) {
    while let (Some(id), Some(scope_len), Some(opt_len)) = (be16(c, 0), be16(c, 2), be16(c, 4)) {
        if id == 0 {
            break; // padding
        }
        let (scope_len, opt_len) = (scope_len as usize, opt_len as usize);
        let need = 6 + scope_len + opt_len;
        if id < 256
            || scope_len % 4 != 0
            || opt_len % 4 != 0
            || scope_len + opt_len == 0
            || c.len() < need
        {
            stats.drop(DropReason::TemplateMalformed);
            break;
        }
        dec.field_buf.clear();
        for (k, f) in c[6..need].chunks_exact(4).enumerate() {
            dec.field_buf.push(FieldSpec {
                pen: if k < scope_len / 4 { V9_SCOPE_PEN } else { 0 },
                id: u16::from_be_bytes([f[0], f[1]]),
                len: u16::from_be_bytes([f[2], f[3]]),
            });
        }
        insert(
            dec,
            ctx,
            id,
            TemplateKind::Options,
            (scope_len / 4) as u16,
            stats,
        );
        c = &c[need..];
    }
}
