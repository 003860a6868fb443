//! pmacct 1.7.9+ (the 1.8 line) SRv6 and tunnel fields of v9/IPFIX data records:
//! `srv6_seg_ipv6_list` and nfacctd's `tunnel_*` / `nvgre` primitives; also `vxlan` (1.7.7's
//! primitive, read as 1.8 reads it) and 1.8's ordinary `flow_label`.
//!
//! A template whose address elements (IE 8 / IE 27, in template order) start with IPv6 and
//! whose first protocolIdentifier (IE 4) says IPv4/IPv6-in-IPv6 (4 / 41, with a second address
//! layer) or Ethernet-in-IPv6 (143, one layer) describes an SRv6 flow: the FIRST occurrence
//! of a repeated element is the outer (tunnel) header, the last the inner one (which the
//! ordinary primitives keep reading, as before). Everything here is worked out once per
//! template ([`TunnelLayout::compile`]); a record only slices the few fields it names.

use crate::record::{FieldSpec, TunnelFields};
use std::net::{IpAddr, Ipv6Addr};

/// "No such field" in a layout slot.
const NONE: u16 = u16::MAX;

/// Address family of one protocol layer (pmacct's `layers.prot[]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layer {
    V4,
    V6,
}

/// Where a template keeps the fields the tunnel primitives read: field indices into
/// `Template::fields`, `NONE` when absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TunnelLayout {
    /// Address layers, at most 3 kept (pmacct's `TPL_MAX_ELEM_REPEATS`; a later layer
    /// replaces the third).
    layers: [Option<Layer>; 3],
    nlayers: u8,
    /// The template counts traffic (pmacct's first round of `NF_evaluate_flow_type`): a
    /// byte counter, no data link section, no NAT event.
    traffic: bool,
    proto: u16,
    src6: u16,
    dst6: u16,
    src_port: u16,
    dst_port: u16,
    tcp_flags: u16,
    /// ipClassOfService (IE 5), only when repeated.
    tos: u16,
    /// flowLabelIPv6 (IE 31), only when repeated.
    flow_label: u16,
    /// flowLabelIPv6 (IE 31), the last occurrence: the ordinary `flow_label` (1.8).
    flow_label_last: u16,
    /// layer2SegmentId (IE 351): the LAST occurrence (as pmacct reads it).
    l2_segment: u16,
    /// srhSegmentIPv6ListSection (IE 497), else Huawei's (PEN 2011) IE 505: first one.
    srv6_list: u16,
    /// `(offset, length)` in the record of each field [`Self::want`] names, when every
    /// field up to the last of them has a fixed length (the usual case): a record then
    /// slices them directly instead of walking the template per record. `NONE` offset:
    /// not wanted.
    fixed: Option<[(u16, u16); 11]>,
}

/// PEN of Huawei's private SRv6 segment list element (505).
const PEN_HUAWEI: u32 = super::ie::PEN_HUAWEI;

impl TunnelLayout {
    /// The layout of a data template; None when it has none of the fields.
    pub(crate) fn compile(fields: &[FieldSpec]) -> Option<TunnelLayout> {
        let mut l = TunnelLayout {
            layers: [None; 3],
            nlayers: 0,
            traffic: false,
            proto: NONE,
            src6: NONE,
            dst6: NONE,
            src_port: NONE,
            dst_port: NONE,
            tcp_flags: NONE,
            tos: NONE,
            flow_label: NONE,
            flow_label_last: NONE,
            l2_segment: NONE,
            srv6_list: NONE,
            fixed: None,
        };
        let (mut tos_n, mut fl_n) = (0u32, 0u32);
        let (mut dlfs, mut nat) = (false, false);
        let mut huawei = NONE;
        let first = |slot: &mut u16, i: usize| {
            if *slot == NONE {
                *slot = i as u16;
            }
        };
        for (i, f) in fields.iter().enumerate().take(NONE as usize) {
            if f.pen == PEN_HUAWEI && f.id == 505 {
                first(&mut huawei, i);
            }
            if f.pen != 0 {
                continue;
            }
            match f.id {
                8 | 27 => {
                    let layer = if f.id == 8 { Layer::V4 } else { Layer::V6 };
                    if l.nlayers < 3 {
                        l.nlayers += 1;
                    }
                    l.layers[l.nlayers as usize - 1] = Some(layer);
                    if f.id == 27 {
                        first(&mut l.src6, i);
                    }
                }
                28 => first(&mut l.dst6, i),
                4 => first(&mut l.proto, i),
                7 => first(&mut l.src_port, i),
                11 => first(&mut l.dst_port, i),
                6 => first(&mut l.tcp_flags, i),
                5 => {
                    tos_n += 1;
                    if tos_n == 2 {
                        l.tos = fields.iter().position(|f| f.pen == 0 && f.id == 5)? as u16;
                    }
                }
                31 => {
                    l.flow_label_last = i as u16;
                    fl_n += 1;
                    if fl_n == 2 {
                        l.flow_label = fields.iter().position(|f| f.pen == 0 && f.id == 31)? as u16;
                    }
                }
                351 => l.l2_segment = i as u16,
                497 => first(&mut l.srv6_list, i),
                1 | 23 | 85 | 231 | 232 | 352 => l.traffic = true,
                104 | 315 => dlfs = true,
                230 => nat = true,
                _ => {}
            }
        }
        if l.srv6_list == NONE {
            l.srv6_list = huawei;
        }
        l.traffic &= !dlfs && !nat;
        let srv6_possible = l.traffic && l.layers[0] == Some(Layer::V6) && l.proto != NONE;
        if !srv6_possible {
            // Only the fields read whatever the flow type is stay.
            l.proto = NONE;
        }
        let useful = l.proto != NONE
            || l.tos != NONE
            || l.l2_segment != NONE
            || l.srv6_list != NONE
            || l.flow_label_last != NONE;
        l.fixed = fixed_offsets(fields, &l.want());
        useful.then_some(l)
    }

    /// The field indices a record's [`Self::read`] looks at, in its order (`NONE`: not
    /// looked at).
    fn want(&self) -> [u16; 11] {
        let mut want = [
            self.proto,
            self.src6,
            self.dst6,
            self.src_port,
            self.dst_port,
            self.tcp_flags,
            self.tos,
            self.flow_label,
            self.l2_segment,
            self.srv6_list,
            self.flow_label_last,
        ];
        if self.proto == NONE {
            // Not SRv6-capable: only the flow-type independent fields.
            want[1..6].fill(NONE);
            want[7] = NONE;
        }
        want
    }

    /// Whether a record of outer protocol `tun` is an SRv6 flow, whose tunnel fields
    /// (`tunnel_*`) [`Self::read`] fills.
    #[inline]
    fn is_srv6(&self, tun: u8) -> bool {
        if self.nlayers > 1 {
            (tun == 4 || tun == 41) && self.layers[1].is_some()
        } else {
            tun == 143
        }
    }

    /// The `tcp_flags` of [`Self::read`] alone (the one tunnel field a flow's lead has):
    /// most records are no SRv6 flows, and this reads their protocol octet only.
    #[inline]
    pub(crate) fn tcp_flags(&self, fields: &[FieldSpec], data: &[u8], ipfix: bool) -> u8 {
        if self.proto == NONE || self.tcp_flags == NONE {
            return 0;
        }
        let Some(fx) = &self.fixed else {
            return self.read(fields, data, ipfix).0.tcp_flags;
        };
        let at = |k: usize| {
            let (off, len) = (usize::from(fx[k].0), usize::from(fx[k].1));
            (off != usize::from(NONE))
                .then(|| data.get(off..off + len))
                .flatten()
        };
        // want(): the protocol first, the TCP flags sixth.
        let tun = at(0).and_then(|v| v.first().copied()).unwrap_or(0);
        if !self.is_srv6(tun) {
            return 0;
        }
        match at(5) {
            Some(&[f]) | Some(&[_, f]) => f,
            _ => 0,
        }
    }

    /// The tunnel fields of one record (`data`: the whole record, `fields`: its template).
    /// `ipfix`: flowLabelIPv6 is read over 4 bytes in IPFIX, 3 in v9 (as pmacct does).
    /// Returns them and the SRv6 segment list bytes, if any.
    pub(crate) fn read<'a>(
        &self,
        fields: &[FieldSpec],
        data: &'a [u8],
        ipfix: bool,
    ) -> (TunnelFields, Option<&'a [u8]>) {
        let vals = match &self.fixed {
            Some(fx) => fx.map(|(off, len)| {
                let off = usize::from(off);
                (off != usize::from(NONE))
                    .then(|| data.get(off..off + usize::from(len)))
                    .flatten()
            }),
            None => slices(fields, data, &self.want()),
        };
        let [proto, src6, dst6, sport, dport, flags, tos, flabel, l2seg, list, flabel_last] = vals;
        let mut t = TunnelFields::default();
        if let Some(v) = tos {
            t.tos = v.first().copied().unwrap_or(0);
        }
        if let Some(v) = l2seg {
            // layer2SegmentId: a type octet, the 24-bit id in octets 5-7 (pmacct 1.7.9+; only
            // 8-octet elements). Type 0x01 is VXLAN (1.7.7 reads octets 6-8 there, one past
            // the element: see docs/COMPATIBILITY.md), 0x02 NVGRE.
            if v.len() == 8 {
                let id = u32::from_be_bytes([0, v[5], v[6], v[7]]);
                match v[0] {
                    0x01 => t.vxlan = id,
                    0x02 => t.nvgre = id,
                    _ => {}
                }
            }
        }
        if let Some(v) = flabel_last {
            // pmacct 1.8 copies min(length, 4 (IPFIX) or 3 (v9)) octets to the front of the
            // field, as for tunnel_flow_label below.
            t.ip_flow_label = u32::from_be_bytes(front4(v, if ipfix { 4 } else { 3 }));
        }
        if let Some(proto) = proto {
            let tun = proto.first().copied().unwrap_or(0);
            if self.is_srv6(tun) {
                t.srv6 = true;
                t.proto = tun;
                // pmacct copies min(length, size) octets to the front of a zeroed field.
                let addr = |v: &[u8]| {
                    let mut b = [0u8; 16];
                    let n = v.len().min(16);
                    b[..n].copy_from_slice(&v[..n]);
                    IpAddr::V6(Ipv6Addr::from(b))
                };
                let front = front4;
                t.src_addr = src6.map(addr);
                t.dst_addr = dst6.map(addr);
                if let Some(v) = sport {
                    let b = front(v, 2);
                    t.src_port = u16::from_be_bytes([b[0], b[1]]);
                }
                if let Some(v) = dport {
                    let b = front(v, 2);
                    t.dst_port = u16::from_be_bytes([b[0], b[1]]);
                }
                t.tcp_flags = match flags {
                    Some(&[f]) => f,
                    Some(&[_, f]) => f,
                    _ => 0,
                };
                if let Some(v) = flabel {
                    t.flow_label = u32::from_be_bytes(front(v, if ipfix { 4 } else { 3 }));
                }
            }
        }
        // srv6_seg_ipv6_list: pmacct keeps the length in one octet (wrapping) and the list
        // only when that length is a non-zero multiple of 16 (at most 15 addresses).
        let list = list.and_then(|v| {
            let n = v.len() & 0xFF;
            (n != 0 && n % 16 == 0).then(|| &v[..n])
        });
        (t, list)
    }
}

/// The first min(length, `size`) octets of `v` at the front of 4 zeroed octets (how pmacct
/// copies a field into a 4-octet integer before swapping it).
fn front4(v: &[u8], size: usize) -> [u8; 4] {
    let mut b = [0u8; 4];
    let n = v.len().min(size).min(4);
    b[..n].copy_from_slice(&v[..n]);
    b
}

/// `(offset, length)` of the fields at the indices `want` names when every field up to the
/// last of them has a fixed length (offset `NONE` for the others); None otherwise.
fn fixed_offsets<const N: usize>(fields: &[FieldSpec], want: &[u16; N]) -> Option<[(u16, u16); N]> {
    let mut out = [(NONE, 0); N];
    let Some(last) = want.iter().copied().filter(|w| *w != NONE).max() else {
        return Some(out);
    };
    let mut off = 0usize;
    for (i, f) in fields.iter().enumerate().take(usize::from(last) + 1) {
        if f.len == 0xFFFF {
            return None;
        }
        for (slot, w) in out.iter_mut().zip(want) {
            if usize::from(*w) == i {
                // An offset that does not fit a u16 never slices (records are smaller).
                *slot = (u16::try_from(off).ok().filter(|o| *o != NONE)?, f.len);
            }
        }
        off += usize::from(f.len);
    }
    Some(out)
}

/// The bytes of the fields at the indices `want` names (`NONE`: not wanted), in one walk
/// that stops after the last wanted field; RFC 7011 variable-length fields handled. A field
/// past a truncated record is None.
fn slices<'a, const N: usize>(
    fields: &[FieldSpec],
    data: &'a [u8],
    want: &[u16; N],
) -> [Option<&'a [u8]>; N] {
    let mut out = [None; N];
    let Some(last) = want.iter().copied().filter(|w| *w != NONE).max() else {
        return out;
    };
    let mut off = 0usize;
    for (i, f) in fields.iter().enumerate().take(last as usize + 1) {
        let (start, len) = if f.len == 0xFFFF {
            let Some(&l0) = data.get(off) else { break };
            if l0 < 255 {
                (off + 1, l0 as usize)
            } else {
                let (Some(&hi), Some(&lo)) = (data.get(off + 1), data.get(off + 2)) else {
                    break;
                };
                (off + 3, usize::from(u16::from_be_bytes([hi, lo])))
            }
        } else {
            (off, f.len as usize)
        };
        let Some(v) = data.get(start..start + len) else {
            break;
        };
        for (slot, w) in out.iter_mut().zip(want) {
            if *w as usize == i {
                *slot = Some(v);
            }
        }
        off = start + len;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(id: u16, len: u16) -> FieldSpec {
        FieldSpec { pen: 0, id, len }
    }

    /// The precomputed offsets slice what the walk over the template slices, for every
    /// truncation of the record.
    #[test]
    fn fixed_offsets_read_what_the_walk_reads() {
        // SRv6: outer IPv6 addresses, protocol 41, then inner IPv4, ports, flags, two tos.
        let fields = [
            spec(1, 4),
            spec(27, 16),
            spec(28, 16),
            spec(4, 1),
            spec(8, 4),
            spec(12, 4),
            spec(7, 2),
            spec(11, 2),
            spec(6, 1),
            spec(5, 1),
            spec(5, 1),
            spec(31, 4),
            spec(31, 4),
        ];
        let layout = TunnelLayout::compile(&fields).unwrap();
        assert!(layout.fixed.is_some());
        let walked = TunnelLayout {
            fixed: None,
            ..layout
        };
        let len: usize = fields.iter().map(|f| usize::from(f.len)).sum();
        let mut data: Vec<u8> = (0..len as u8).map(|b| b.wrapping_mul(7)).collect();
        data[36] = 41;
        for n in 0..=len {
            for ipfix in [false, true] {
                assert_eq!(
                    layout.read(&fields, &data[..n], ipfix),
                    walked.read(&fields, &data[..n], ipfix),
                    "{n} bytes"
                );
            }
        }
        // The lead's one tunnel field, read alone: as `read` gives it, SRv6 (41, 4) or not.
        for proto in [41, 4, 6, 143] {
            data[36] = proto;
            for n in 0..=len {
                for ipfix in [false, true] {
                    let (t, _) = layout.read(&fields, &data[..n], ipfix);
                    assert_eq!(layout.tcp_flags(&fields, &data[..n], ipfix), t.tcp_flags);
                    assert_eq!(walked.tcp_flags(&fields, &data[..n], ipfix), t.tcp_flags);
                }
            }
        }
        // The draw has flags to read.
        data[36] = 41;
        assert_ne!(layout.read(&fields, &data, false).0.tcp_flags, 0);
        // One layer: protocol 143 (an SRv6 outer header) is.
        let one = [
            spec(1, 4),
            spec(27, 16),
            spec(28, 16),
            spec(4, 1),
            spec(6, 2),
        ];
        let layout1 = TunnelLayout::compile(&one).unwrap();
        let mut d1 = vec![7u8; 39];
        for proto in [143, 6] {
            d1[36] = proto;
            let (t, _) = layout1.read(&one, &d1, true);
            assert_eq!(layout1.tcp_flags(&one, &d1, true), t.tcp_flags);
            assert_eq!(t.tcp_flags != 0, proto == 143);
        }
        // A variable-length field before a wanted one: the walk it is.
        let mut var = fields.to_vec();
        var[0].len = 0xFFFF;
        assert!(TunnelLayout::compile(&var).unwrap().fixed.is_none());
    }
}
