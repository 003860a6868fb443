//! The flowset / set walk shared by NetFlow v9 and IPFIX, and data record decoding.
//!
//! Two passes over a datagram: first every template and options template set (so data that
//! precedes its template in the same datagram still decodes, quirk 8), then the data sets.
//! Every set the datagram holds is read whatever the v9 header count says (quirk 2).

use super::ie::{self, Scratch, TimeBase};
use super::template::{
    DomainFacts, ExporterState, Plain, PlainTables, SamplerEntry, Template, TemplateKind, PLAIN,
    V9_SCOPE_PEN,
};
use super::{be16, lead, DatagramStats, DropReason, NetflowDecoder, RecordSink};
use crate::record::{ExportHeader, FlowFields, FlowRecord, RawRecord, VrfName};
use std::net::IpAddr;
use std::sync::Arc;

/// Reads one template-bearing set (v9 flowset 0/1, IPFIX set 2/3) into the decoder's
/// templates; other set ids under 256 are not its business (data sets never reach it). Each version passes its own, so this walk
/// does not depend on the version modules that call it.
pub(super) type TemplateSetFn = fn(&mut NetflowDecoder, &SetCtx, u16, &[u8], &mut DatagramStats);

pub(super) struct SetCtx {
    pub exporter: IpAddr,
    pub source_id: u32,
    pub header: ExportHeader,
    pub tb: TimeBase,
    pub ipfix: bool,
    pub template_set: TemplateSetFn,
}

pub(super) fn walk<S: RecordSink>(
    dec: &mut NetflowDecoder,
    ctx: &SetCtx,
    body: &[u8],
    stats: &mut DatagramStats,
    sink: &mut S,
) {
    // Pass 1: templates. Also finds where well-formed sets end.
    let mut end = 0usize;
    while let (Some(id), Some(len)) = (be16(body, end), be16(body, end + 2)) {
        let len = len as usize;
        if len < 4 || len > body.len() - end {
            stats.drop(DropReason::SetLength);
            break;
        }
        // Template-bearing sets have ids under 256 (v9 0/1, IPFIX 2/3): a data set costs
        // no call here.
        if id < 256 {
            let content = &body[end + 4..end + len];
            (ctx.template_set)(dec, ctx, id, content, stats);
        }
        end += len;
    }
    // Pass 2: data sets, within the bounds pass 1 validated. The exporter is looked up
    // once (again after options data, which changes it); template lookups are counted
    // at the end.
    let mut exporter = dec.templates.exporter(ctx.exporter);
    let mut lookups = Lookups::default();
    let mut off = 0usize;
    while off < end {
        let (Some(id), Some(len)) = (be16(body, off), be16(body, off + 2)) else {
            break;
        };
        let len = len as usize;
        // `tail`: the datagram from the set's content on. A record's last fields read 8
        // bytes at a time past their value (`ie::be_w`) into whatever follows, the next set
        // included, where the set's own end would send the set's last record (most records,
        // in a datagram of small sets) down the width-by-width path.
        let tail = &body[off + 4..];
        let content = &tail[..len - 4];
        if id >= 256 {
            let set = DataSet { id, content, tail };
            let tables = &mut dec.plain_tables;
            let checks = dec.options.pre_processing_checks;
            if let Some(t) = data_set(
                exporter,
                tables,
                checks,
                ctx,
                &set,
                &mut lookups,
                stats,
                sink,
            ) {
                // Options data updates the exporter's state: the template is held apart.
                options_set(dec, ctx, &t, content, stats, sink);
                exporter = dec.templates.exporter(ctx.exporter);
            }
        } else if !matches!((ctx.ipfix, id), (false, 0 | 1) | (true, 2 | 3)) {
            stats.drop(DropReason::ReservedSetId);
        }
        off += len;
    }
    dec.templates.count_lookups(lookups.hits, lookups.misses);
}

/// Template lookups of a datagram's data sets.
#[derive(Default)]
struct Lookups {
    hits: u64,
    misses: u64,
}

/// A data set: its id, its content, and the datagram from its content on (`tail`).
struct DataSet<'a> {
    id: u16,
    content: &'a [u8],
    tail: &'a [u8],
}

/// The fresh values every data record of a set starts from (the record's views start
/// empty: [`FlowRecord::reset_to`]).
#[inline]
fn base_fields(ctx: &SetCtx, t: &Template) -> FlowFields {
    FlowFields {
        header: ctx.header,
        flow_type: t.flow_type,
        flows: 1,
        ..Default::default()
    }
}

/// Decode one record of `t` at the start of `data` (the set from the record on) into `rec`;
/// returns its length, or None if a variable-length field overruns the data. `plain`: the
/// offsets table of `t` when it is plain (from the decoder's `PlainTables`). `rest`: `data`
/// or more of the datagram after it, for the 8-byte reads of `ie::apply`.
fn fill<'a>(
    t: &'a Template,
    plain: Option<&Plain>,
    data: &'a [u8],
    rest: &'a [u8],
    rec: &mut FlowRecord<'a>,
    s: &mut Scratch,
    tb: &TimeBase,
) -> Option<usize> {
    let used = match t.fixed_len {
        Some(l) => {
            let data = data.get(..l)?;
            match plain {
                Some(p) => fill_plain(p, data, rest, rec, s, tb),
                None => {
                    for op in t.ops.iter() {
                        let (start, len) = (op.off as usize, op.len as usize);
                        apply_at(op.el, start, len, data, rest, rec, s, tb);
                    }
                }
            }
            l
        }
        None => {
            let mut off = 0usize;
            let mut ops = t.ops.iter().peekable();
            for (i, f) in t.fields.iter().enumerate() {
                let (start, len) = if f.len == 0xFFFF {
                    // RFC 7011 7: one length byte, or 255 then a 2-byte length.
                    let l0 = *data.get(off)?;
                    if l0 < 255 {
                        (off + 1, l0 as usize)
                    } else {
                        (off + 3, be16(data, off + 1)? as usize)
                    }
                } else {
                    (off, f.len as usize)
                };
                let v = data.get(start..start + len)?;
                if let Some(op) = ops.next_if(|op| op.index as usize == i) {
                    ie::apply(op.el, v, data.get(start..).unwrap_or(v), rec, s, tb);
                }
                off = start + len;
            }
            off
        }
    };
    ie::finish(rec, s, tb);
    rec.raw = Some(RawRecord {
        fields: &t.fields,
        data: &data[..used],
    });
    Some(used)
}

/// [`fill`] by the per-field walk (no plain table), for tests elsewhere in the module tree.
#[cfg(test)]
pub(super) fn fill_for_test<'a>(
    t: &'a Template,
    data: &'a [u8],
    rec: &mut FlowRecord<'a>,
    s: &mut Scratch,
    tb: &TimeBase,
) -> Option<usize> {
    fill(t, None, data, data, rec, s, tb)
}

/// The field of a fixed-length record at `start`, `len` bytes long: `data` is the record,
/// `rest` the datagram from the record on (for `ie::apply`'s 8-byte reads).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn apply_at<'a>(
    el: ie::Element,
    start: usize,
    len: usize,
    data: &'a [u8],
    rest: &[u8],
    rec: &mut FlowRecord<'a>,
    s: &mut Scratch,
    tb: &TimeBase,
) {
    if let (Some(v), Some(w)) = (data.get(start..start + len), rest.get(start..)) {
        ie::apply(el, v, w, rec, s, tb);
    }
}

/// The elements of a plain template, each by its own copy of `ie::apply` (the element is a
/// constant there, so its `match` folds away), in [`PLAIN`]'s order.
#[inline(always)]
fn fill_plain<'a>(
    p: &Plain,
    data: &'a [u8],
    rest: &'a [u8],
    rec: &mut FlowRecord<'a>,
    s: &mut Scratch,
    tb: &TimeBase,
) {
    macro_rules! each {
        ($($i:literal)*) => {$(
            if p.present & (1 << $i) != 0 {
                let at = p.at[$i];
                let (start, len) = (at.off as usize, at.len as usize);
                match rest.get(start..start + 8) {
                    // The common case: 8 bytes from the value on (one bound checked; `apply`
                    // reads no further than 8 bytes of `w`). The value is the same bytes as
                    // `data`'s, the record being `l` >= start + len bytes long.
                    Some(w) if len <= 8 => ie::apply(PLAIN[$i], &w[..len], w, rec, s, tb),
                    _ => apply_at(PLAIN[$i], start, len, data, rest, rec, s, tb),
                }
            }
        )*};
    }
    // One index per element of PLAIN, no more, no fewer.
    const _: () = assert!(PLAIN.len() == 32);
    each!(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31);
}

/// The records of a data set of `exporter`, with the template of its id; options data is
/// not decoded here: its template comes back, for `options_set`.
#[allow(clippy::too_many_arguments)]
fn data_set<S: RecordSink>(
    exporter: Option<&ExporterState>,
    tables: &mut PlainTables,
    pre_processing_checks: bool,
    ctx: &SetCtx,
    set: &DataSet<'_>,
    lookups: &mut Lookups,
    stats: &mut DatagramStats,
    sink: &mut S,
) -> Option<Arc<Template>> {
    // One lookup: the template (not cloned), the sampling entries and the domain's facts.
    let Some((st, (t, samplers, facts))) =
        exporter.and_then(|st| Some((st, st.data_view(ctx.source_id, set.id)?)))
    else {
        lookups.misses += 1;
        stats.drop(DropReason::NoTemplate);
        return None;
    };
    lookups.hits += 1;
    if t.kind == TemplateKind::Options {
        return Some(Arc::clone(t));
    }
    let plain = tables.get(t);
    let state = SetState {
        exporter: st,
        pre_processing_checks,
    };
    data_records(&state, ctx, t, plain, samplers, facts, set, stats, sink);
    None
}

/// What a data set's records read of their decoder besides the template.
struct SetState<'d> {
    exporter: &'d ExporterState,
    pre_processing_checks: bool,
}

/// The records of a data set of template `t`.
#[allow(clippy::too_many_arguments)]
fn data_records<S: RecordSink>(
    dec: &SetState<'_>,
    ctx: &SetCtx,
    t: &Template,
    plain: Option<&Plain>,
    samplers: &[SamplerEntry],
    facts: DomainFacts,
    set: &DataSet<'_>,
    stats: &mut DatagramStats,
    sink: &mut S,
) {
    let (content, tail) = (set.content, set.tail);
    let tb = TimeBase {
        sys_init_ms: facts.sys_init_ms,
        ..ctx.tb
    };
    if dec.pre_processing_checks && !padding_is_zero(t, plain, content, &base_fields(ctx, t), &tb) {
        stats.drop(DropReason::PaddingNotZero);
        return;
    }
    // A plain template's records straight to their lead, for a sink that reads no more
    // (nothing past the lead is decoded: of the tunnel fields, the TCP flags only).
    if let (true, Some(p), Some(len)) = (sink.leads(), plain, t.fixed_len) {
        let shared = lead::SetLead {
            header: &ctx.header,
            tb: &tb,
            flow_type: t.flow_type,
        };
        // A fixed-length template's records are `len` >= 1 bytes; what is left under one
        // is padding.
        for (i, rec) in content.chunks_exact(len).enumerate() {
            let rest = &tail[i * len..];
            // Most records have a window's worth of datagram after their start (all but
            // the last one or two of a datagram): their reads need no bound checks.
            let mut l = match (rest.first_chunk::<64>(), rest.first_chunk::<128>()) {
                (Some(w), _) if p.span <= 64 => lead::window_lead(p, w, &shared),
                (_, Some(w)) if p.span <= 128 => lead::window_lead(p, w, &shared),
                _ => lead::plain_lead(p, rec, rest, &shared),
            };
            if let Some(tun) = &t.tunnel {
                l.tunnel_tcp_flags = tun.tcp_flags(&t.fields, rec, ctx.ipfix);
            }
            sink.lead(&ctx.header, &l);
            stats.records += 1;
        }
        return;
    }
    // The first record starts as the base (not made for the leads above: a few hundred
    // bytes a set); the others are reset to it.
    let base = base_fields(ctx, t);
    let mut rec = FlowRecord::new(base);
    let mut fresh = true;
    let mut off = 0usize;
    // Bytes left under one minimal record are padding (min_len >= 1: no zero-length fields).
    while content.len() - off >= t.min_len {
        if !std::mem::replace(&mut fresh, false) {
            rec.reset_to(&base);
        }
        let mut s = Scratch::default();
        let Some(used) = fill(
            t,
            plain,
            &content[off..],
            &tail[off..],
            &mut rec,
            &mut s,
            &tb,
        ) else {
            stats.drop(DropReason::RecordTruncated);
            break;
        };
        off += used;
        if let (Some(l), Some(raw)) = (&t.tunnel, rec.raw) {
            let (tun, list) = l.read(&t.fields, raw.data, ctx.ipfix);
            rec.fields.tunnel = tun;
            rec.srv6_seg_list = list;
        }
        // peer_ip_src as pmacct 1.7.7 reads it: the options data's exporter address; an
        // IE 130/131 inside the data record itself only counts where the datagram has no
        // source address, which never happens here.
        rec.fields.exporter_addr = facts.exporter_addr;
        if rec.ingress_vrf_id4.is_some() || rec.egress_vrf_id.is_some() {
            rec.fields.vrf_name = data_vrf_name(dec, ctx, &rec);
        }
        if rec.sampling_interval == 0 && !samplers.is_empty() {
            let sid = rec.sampler_id.unwrap_or(0);
            if let Some(s) = samplers
                .iter()
                .find(|s| s.source_id == ctx.source_id && s.sampler_id == sid)
            {
                rec.sampling_interval = s.interval;
                if rec.sampling_algorithm == 0 {
                    rec.sampling_algorithm = s.algorithm;
                }
            }
        }
        sink.record(&rec);
        stats.records += 1;
    }
}

/// pmacct 1.8's vrf_name of a data record: the ingress VRF's name; the egress VRF's when
/// the ingress id is 0 or its name is `default`. With an RD in the record itself (IE 90)
/// pmacct does not read the VRF ids, so both count as 0.
fn data_vrf_name(dec: &SetState<'_>, ctx: &SetCtx, rec: &FlowRecord<'_>) -> VrfName {
    let (ingress, egress) = if rec.mpls_vpn_rd.is_some() {
        (rec.vrf_id.map(|_| 0), rec.egress_vrf_id.map(|_| 0))
    } else {
        (rec.vrf_id, rec.egress_vrf_id)
    };
    let lookup = |id| dec.exporter.vrf_name(ctx.source_id, id);
    let mut name = VrfName::default();
    if let Some(id) = ingress {
        if let Some(n) = lookup(id) {
            name = n;
        }
    }
    if let Some(id) = egress {
        if let Some(n) = lookup(id) {
            if ingress.unwrap_or(0) == 0 || name.as_bytes() == b"default" {
                name = n;
            }
        }
    }
    name
}

/// `nfacctd_pre_processing_checks`: the bytes after the set's last record are all zero.
/// Records are walked as the decode loop walks them (variable-length ones included).
fn padding_is_zero(
    t: &Template,
    plain: Option<&Plain>,
    content: &[u8],
    base: &FlowFields,
    tb: &TimeBase,
) -> bool {
    let mut rec = FlowRecord::new(*base);
    let mut off = 0usize;
    while content.len() - off >= t.min_len {
        rec.reset_to(base);
        let mut s = Scratch::default();
        let data = &content[off..];
        match fill(t, plain, data, data, &mut rec, &mut s, tb) {
            Some(used) if used > 0 => off += used,
            // A truncated record is dropped by the decode loop; nothing to check past it.
            _ => return true,
        }
    }
    content[off..].iter().all(|b| *b == 0)
}

/// Options data: emitted as `FlowType::Option` records, and their sampling interval and
/// systemInitTime kept in the exporter state for the data records that follow.
fn options_set<S: RecordSink>(
    dec: &mut NetflowDecoder,
    ctx: &SetCtx,
    t: &Template,
    content: &[u8],
    stats: &mut DatagramStats,
    sink: &mut S,
) {
    // pmacct keeps what v9 options scoped to the whole system (scope type 1) say apart, in
    // a table the data records never read.
    let system_scope = !ctx.ipfix
        && t.fields[..t.scope_count as usize]
            .iter()
            .any(|f| f.pen == V9_SCOPE_PEN && f.id == 1);
    let base = base_fields(ctx, t);
    let mut rec = FlowRecord::new(base);
    let mut off = 0usize;
    while content.len() - off >= t.min_len {
        rec.reset_to(&base);
        let mut s = Scratch::default();
        let data = &content[off..];
        let Some(used) = fill(t, None, data, data, &mut rec, &mut s, &ctx.tb) else {
            stats.drop(DropReason::RecordTruncated);
            break;
        };
        off += used;
        if let Some(ms) = s.sys_init_ms {
            dec.templates.set_sys_init(ctx.exporter, ctx.source_id, ms);
        }
        // pmacct 1.7.7 keeps the address of options data scoped to the whole system (v9
        // scope type 1) apart, where peer_ip_src never reads it.
        if let Some(addr) = rec.exporter_addr {
            if !system_scope {
                dec.templates
                    .set_exporter_addr(ctx.exporter, ctx.source_id, addr);
            }
        }
        // pmacct 1.8: a 4-byte ingressVRFID with a VRFname maps the id to the name, for
        // the data records of this domain (system-scoped options go to a table the data
        // records never read, as for the exporter address above).
        if let (Some(id), Some(raw)) = (rec.ingress_vrf_id4, rec.vrf_name_raw) {
            if !system_scope {
                dec.templates
                    .set_vrf_name(ctx.exporter, ctx.source_id, id, VrfName::from_ie(raw));
            }
        }
        if rec.sampling_interval != 0 {
            let entry = SamplerEntry {
                source_id: ctx.source_id,
                sampler_id: rec.sampler_id.unwrap_or(0),
                interval: rec.sampling_interval,
                algorithm: rec.sampling_algorithm,
            };
            dec.templates.set_sampler(ctx.exporter, entry);
        }
        sink.record(&rec);
        stats.records += 1;
        stats.option_records += 1;
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::netflow::ie::{lookup, Element};
    use crate::record::FieldSpec;

    /// Every standard IE that maps to a [`PLAIN`] element.
    pub(in crate::netflow) fn plain_ies() -> Vec<(u16, Element)> {
        (1..=u16::MAX)
            .filter_map(|id| lookup(0, id).map(|r| (id, r.element)))
            .filter(|(_, el)| PLAIN.contains(el))
            .collect()
    }

    fn length_for(el: Element, rng: &mut fastrand::Rng) -> u16 {
        use Element as E;
        match el {
            // Mostly the right length; sometimes one the decoder must ignore.
            E::SrcAddr | E::DstAddr | E::NextHop | E::BgpNextHop => [4, 4, 16, 3][rng.usize(..4)],
            E::SrcAddr6 | E::DstAddr6 => [16, 16, 4][rng.usize(..3)],
            E::SrcMac | E::DstMac => [6, 6, 2][rng.usize(..3)],
            E::FirstUptime | E::LastUptime => [4, 8][rng.usize(..2)],
            _ => 1 + rng.usize(..8) as u16,
        }
    }

    /// `n` fields drawn from `ies`, each of a length `length_for` draws.
    pub(in crate::netflow) fn draw_fields(
        ies: &[(u16, Element)],
        n: usize,
        rng: &mut fastrand::Rng,
        length_for: fn(Element, &mut fastrand::Rng) -> u16,
    ) -> Vec<FieldSpec> {
        (0..n)
            .map(|_| {
                let (id, el) = ies[rng.usize(..ies.len())];
                FieldSpec {
                    pen: 0,
                    id,
                    len: length_for(el, rng),
                }
            })
            .collect()
    }

    /// Records of a plain template decode the same by the straight-line path as by the
    /// per-field walk in the template's order: random templates of plain elements (the
    /// order, lengths and values drawn anew each time), each with records of random bytes.
    #[test]
    fn plain_templates_decode_as_the_field_walk_does() {
        let ies = plain_ies();
        assert!(ies.len() >= PLAIN.len(), "{ies:?}");
        let mut rng = fastrand::Rng::with_seed(0x9e37_79b9_7f4a_7c15);
        let (mut plain, mut records) = (0, 0);
        for round in 0..3000 {
            let fields = draw_fields(&ies, 1 + rng.usize(..24), &mut rng, length_for);
            let t = Template::compile(256, TemplateKind::Data, 0, &fields, 512).unwrap();
            let Some(p) = t.plain else { continue };
            plain += 1;
            let walked = Template {
                plain: None,
                ..Template::compile(256, TemplateKind::Data, 0, &fields, 512).unwrap()
            };
            let len = t.fixed_len.unwrap();
            // A few records and a short tail: the last fields are read without 8 bytes after.
            let data: Vec<u8> = (0..len * 3 + rng.usize(..7))
                .map(|_| match rng.usize(..4) {
                    0 => 0,
                    _ => rng.u8(..),
                })
                .collect();
            let tb = TimeBase {
                version: if round % 2 == 0 { 9 } else { 10 },
                export_secs: 1_700_000_000,
                sys_uptime_ms: 3_600_000,
                sys_init_ms: Some(1_699_990_000_000),
            };
            // What follows the set in its datagram (the next set): the plain walk reads
            // into it, and must not take any of it into a value.
            let mut datagram = data.clone();
            datagram.extend((0..rng.usize(..12)).map(|_| rng.u8(..)));
            let mut off = 0;
            while data.len() - off >= len {
                let (mut a, mut b) = (FlowRecord::default(), FlowRecord::default());
                let (mut sa, mut sb) = (Scratch::default(), Scratch::default());
                let ua = fill(
                    &t,
                    Plain::of(&t).as_ref(),
                    &data[off..],
                    &datagram[off..],
                    &mut a,
                    &mut sa,
                    &tb,
                );
                let ub = fill_for_test(&walked, &data[off..], &mut b, &mut sb, &tb);
                assert_eq!(ua, ub);
                assert_eq!(a, b, "template {fields:?}, plain {p:?}, record at {off}");
                off += len;
                records += 1;
            }
        }
        // The draw must exercise the path: most templates of these elements are plain.
        assert!(
            plain > 1000 && records > 3000,
            "{plain} plain, {records} records"
        );
    }

    #[test]
    fn plain_only_for_fixed_templates_of_plain_elements() {
        let compile = |f: &[(u16, u16)]| {
            let fields: Vec<FieldSpec> = f
                .iter()
                .map(|&(id, len)| FieldSpec { pen: 0, id, len })
                .collect();
            Template::compile(256, TemplateKind::Data, 0, &fields, 512).unwrap()
        };
        // softflowd's v9 template.
        let t = compile(&[
            (8, 4),
            (12, 4),
            (22, 4),
            (21, 4),
            (1, 4),
            (2, 4),
            (7, 2),
            (11, 2),
        ]);
        assert!(t.plain.is_some());
        // An MPLS label (IE 70) is not a plain element.
        assert!(compile(&[(8, 4), (1, 4), (70, 3)]).plain.is_none());
        // A variable-length field.
        assert!(compile(&[(8, 4), (1, 4), (96, 0xFFFF)]).plain.is_none());
        // Two elements that both set the start time: the template's order decides.
        assert!(compile(&[(22, 8), (152, 8), (1, 4)]).plain.is_none());
        assert!(compile(&[(21, 8), (153, 8), (1, 4)]).plain.is_none());
        assert!(compile(&[(22, 4), (153, 8), (1, 4)]).plain.is_some());
        // Options templates keep the walk.
        let o = Template::compile(
            256,
            TemplateKind::Options,
            1,
            &[FieldSpec {
                pen: 0,
                id: 1,
                len: 4,
            }],
            512,
        )
        .unwrap();
        assert!(o.plain.is_none());
        // The template cache holds up to 65,536 templates per exporter: being plain costs
        // a mask, not a table per template.
        assert!(
            std::mem::size_of::<Template>() <= 152,
            "{}",
            std::mem::size_of::<Template>()
        );
    }

    /// A decoder's few tables follow templates by serial, not by where they sit: nine
    /// templates of different layouts (so several share an entry) used in turn, and one
    /// compiled again (a refresh, a new serial) get their own table every time.
    #[test]
    fn plain_tables_follow_the_template() {
        use crate::netflow::template::PlainTables;
        let compile = |len: u16, extra: bool| {
            let mut f = vec![
                FieldSpec {
                    pen: 0,
                    id: 8,
                    len: 4,
                },
                FieldSpec { pen: 0, id: 1, len },
            ];
            if extra {
                f.insert(
                    0,
                    FieldSpec {
                        pen: 0,
                        id: 7,
                        len: 2,
                    },
                );
            }
            Template::compile(256, TemplateKind::Data, 0, &f, 512).unwrap()
        };
        let ts: Vec<Template> = (0..9).map(|i| compile(1 + i % 8, i >= 8)).collect();
        let mut tables = PlainTables::default();
        for _ in 0..3 {
            for t in ts.iter().chain(ts.iter().rev()) {
                assert_eq!(tables.get(t), Plain::of(t).as_ref());
            }
        }
        let again = compile(4, true);
        assert_ne!(again.serial, ts[3].serial);
        assert_eq!(tables.get(&again), Plain::of(&again).as_ref());
        assert_eq!(tables.get(&ts[3]), Plain::of(&ts[3]).as_ref());
    }
}
