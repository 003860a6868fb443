//! The records of a plain template (see [`PLAIN`]) straight to their flow's lead: for a sink
//! that reads nothing else ([`RecordSink::leads`](super::RecordSink::leads)), the values
//! [`FlowRecord::lead`](crate::record::FlowRecord::lead) would give, read from the record's
//! bytes with no [`FlowRecord`](crate::record::FlowRecord) (a few hundred bytes reset, filled
//! and read again per record) in between. Elements outside the lead (next hops, MACs, VLANs,
//! direction) are not read at all.

use super::ie::{self, Element, Family, TimeBase};
use super::template::{Plain, Slot, PLAIN};
use crate::record::{lead_start, ExportHeader, FlowType, LeadFields, Timestamp};
use std::net::IpAddr;

/// The positions in [`PLAIN`] of the elements a lead reads, checked at compile time, and
/// all of them (`LEAD`, what [`span`] measures).
macro_rules! positions {
    ($($el:ident = $i:literal),* $(,)?) => {
        #[allow(non_upper_case_globals)]
        mod at {
            $(pub(super) const $el: usize = $i;)*
        }
        $(const _: () = assert!(matches!(PLAIN[$i], Element::$el));)*
        const LEAD: &[usize] = &[$($i),*];
    };
}

positions! {
    Bytes = 0, Packets = 1, Flows = 2, Proto = 3, Tos = 4, TcpFlags = 5, SrcPort = 6,
    DstPort = 7, SrcAddr = 8, DstAddr = 9, SrcMask = 10, DstMask = 11, SrcAddr6 = 12,
    DstAddr6 = 13, SrcMask6 = 14, DstMask6 = 15, IpVersion = 16, InIface = 17, OutIface = 18,
    SrcAs = 19, DstAs = 20, FirstUptime = 28, LastUptime = 29, FirstMillis = 30,
    LastMillis = 31,
}

/// What every record of one data set shares.
pub(crate) struct SetLead<'a> {
    pub header: &'a ExportHeader,
    pub tb: &'a TimeBase,
    pub flow_type: FlowType,
}

/// The lead of the record at the start of `data` (at least the template's record length
/// long), `rest`: the datagram from the record on. As `sets::fill` and then `FlowRecord::lead`
/// make it (the unit test below holds the two together).
#[inline(always)]
pub(crate) fn plain_lead(p: &Plain, data: &[u8], rest: &[u8], set: &SetLead<'_>) -> LeadFields {
    lead_of(p, &Exact { data, rest }, set)
}

/// [`plain_lead`] of a record with at least `W` bytes of datagram from its start, for a
/// template whose lead reads all end within them ([`Plain::span`] <= `W`): every read is a
/// fixed-width load at an offset known to fit, with no bound check and no fallback on the
/// datagram's end (a dozen of each a record otherwise).
#[inline(always)]
pub(crate) fn window_lead<const W: usize>(p: &Plain, w: &[u8; W], set: &SetLead<'_>) -> LeadFields {
    lead_of(p, &Window(w), set)
}

/// The extent of a plain template's lead reads from the record's start: an address is read
/// as its 4 or 16 bytes (any other length as none), every other element as the 8 bytes from
/// its offset. `u32::MAX` when an integer the lead reads is wider than 8 bytes (only
/// [`plain_lead`] folds those).
pub(crate) fn span(present: u32, at: &[Slot]) -> u32 {
    const ADDRS: [usize; 4] = [at::SrcAddr, at::DstAddr, at::SrcAddr6, at::DstAddr6];
    let mut span = 0u32;
    for &i in LEAD.iter().filter(|&&i| present & (1 << i) != 0) {
        let s = at[i];
        let end = if ADDRS.contains(&i) {
            if matches!(s.len, 4 | 16) {
                s.off.saturating_add(s.len)
            } else {
                0
            }
        } else if (1..=8).contains(&s.len) {
            s.off.saturating_add(8)
        } else {
            return u32::MAX;
        };
        span = span.max(end);
    }
    span
}

/// How the lead reads a record's values.
trait Values {
    /// The value of an element as an unsigned integer (only read when present).
    fn uint(&self, s: Slot) -> u64;
    /// An address element (4 or 16 bytes, else none) and its first byte.
    fn ip(&self, s: Slot) -> Option<(IpAddr, u8)>;
}

/// Any record: every read bounded by the record or the datagram.
struct Exact<'a> {
    data: &'a [u8],
    rest: &'a [u8],
}

impl Values for Exact<'_> {
    #[inline(always)]
    fn uint(&self, s: Slot) -> u64 {
        let (start, len) = (s.off as usize, s.len as usize);
        match self.rest.get(start..start + 8) {
            // One bounded 8-byte load (see `ie::be_w`).
            Some(w) if len <= 8 => ie::be_w(&w[..len], w),
            _ => self.data.get(start..start + len).map_or(0, ie::be_uint),
        }
    }
    #[inline(always)]
    fn ip(&self, s: Slot) -> Option<(IpAddr, u8)> {
        let start = s.off as usize;
        let v = self.data.get(start..start + s.len as usize)?;
        Some((ie::ip(v)?, *v.first()?))
    }
}

/// A record with `W` bytes of datagram from its start, of a template whose [`span`] is at
/// most `W`: the `min`s below never move an offset, and let the compiler see every load in
/// bounds.
struct Window<'a, const W: usize>(&'a [u8; W]);

impl<const W: usize> Window<'_, W> {
    #[inline(always)]
    fn at<const N: usize>(&self, off: u32) -> [u8; N] {
        let o = (off as usize).min(W - N);
        self.0[o..o + N].try_into().unwrap_or([0; N])
    }
}

impl<const W: usize> Values for Window<'_, W> {
    #[inline(always)]
    fn uint(&self, s: Slot) -> u64 {
        // `span` admits 1..=8 bytes only: a shift of 0..=56.
        u64::from_be_bytes(self.at::<8>(s.off)).wrapping_shr(64u32.wrapping_sub(8 * s.len))
    }
    #[inline(always)]
    fn ip(&self, s: Slot) -> Option<(IpAddr, u8)> {
        match s.len {
            4 => {
                let a = self.at::<4>(s.off);
                Some((IpAddr::from(a), a[0]))
            }
            16 => {
                let a = self.at::<16>(s.off);
                Some((IpAddr::from(a), a[0]))
            }
            _ => None,
        }
    }
}

#[inline(always)]
fn lead_of<V: Values>(p: &Plain, r: &V, set: &SetLead<'_>) -> LeadFields {
    let present = p.present;
    let uint = |i: usize| r.uint(p.at[i]);
    let has = |i: usize| present & (1 << i) != 0;
    let mut l = LeadFields {
        flows: 1,
        flow_type: set.flow_type,
        ..LeadFields::default()
    };
    macro_rules! int {
        ($el:ident => $($field:ident).+ as $t:ty) => {
            if has(at::$el) {
                l.$($field).+ = uint(at::$el) as $t;
            }
        };
    }
    int!(Bytes => bytes as u64);
    int!(Packets => packets as u64);
    int!(Flows => flows as u64);
    int!(Proto => proto as u8);
    int!(Tos => tos as u8);
    int!(TcpFlags => tcp_flags as u16);
    int!(SrcPort => src_port as u16);
    int!(DstPort => dst_port as u16);
    int!(InIface => in_iface as u32);
    int!(OutIface => out_iface as u32);
    int!(SrcAs => src_as as u32);
    int!(DstAs => dst_as as u32);
    // Addresses: the family decides between the IPv4 and the IPv6 elements (`ie::finish`).
    let (mut has_v4, mut has_v6, mut first_octet) = (false, false, None);
    if has(at::SrcAddr) {
        if let Some((a, first)) = r.ip(p.at[at::SrcAddr]) {
            l.src_addr = Some(a);
            has_v4 = true;
            first_octet = Some(first);
        }
    }
    if has(at::DstAddr) {
        if let Some((a, first)) = r.ip(p.at[at::DstAddr]) {
            l.dst_addr = Some(a);
            has_v4 = true;
            first_octet = first_octet.or(Some(first));
        }
    }
    int!(SrcMask => src_mask as u8);
    int!(DstMask => dst_mask as u8);
    let (mut src6, mut dst6): (Option<IpAddr>, Option<IpAddr>) = (None, None);
    if has(at::SrcAddr6) {
        src6 = r.ip(p.at[at::SrcAddr6]).map(|(a, _)| a);
        has_v6 |= src6.is_some();
    }
    if has(at::DstAddr6) {
        dst6 = r.ip(p.at[at::DstAddr6]).map(|(a, _)| a);
        has_v6 |= dst6.is_some();
    }
    let ip_version = if has(at::IpVersion) {
        uint(at::IpVersion) as u8
    } else {
        0
    };
    if ie::family(ip_version, has_v4, has_v6, first_octet) == Some(Family::V6) {
        let mask6 = |i: usize| if has(i) { uint(i) as u8 } else { 0 };
        l.src_addr = src6;
        l.dst_addr = dst6;
        l.src_mask = mask6(at::SrcMask6);
        l.dst_mask = mask6(at::DstMask6);
    }
    let time = |uptime: usize, millis: usize| time(p, r, set.tb, uptime, millis);
    let first = time(at::FirstUptime, at::FirstMillis);
    l.end = time(at::LastUptime, at::LastMillis);
    l.start = lead_start(first, set.header);
    l
}

/// A start (end) time from IE 22 (21) or IE 152 (153), whichever is there: an 8-byte
/// IE 22/21 is absolute ms, a shorter one relative to the uptime (a plain template never
/// has both elements of a pair).
#[inline(always)]
fn time<V: Values>(p: &Plain, r: &V, tb: &TimeBase, uptime: usize, millis: usize) -> Timestamp {
    let has = |i: usize| p.present & (1 << i) != 0;
    if has(uptime) {
        let v = r.uint(p.at[uptime]);
        if p.at[uptime].len == 8 {
            ie::millis_to_ts(v)
        } else {
            ie::rel_time(tb, tb.sys_init_ms, v as u32)
        }
    } else if has(millis) {
        ie::millis_to_ts(r.uint(p.at[millis]))
    } else {
        Timestamp::ZERO
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::netflow::ie::Scratch;
    use crate::netflow::sets::tests::{draw_fields, plain_ies};
    use crate::netflow::template::{Template, TemplateKind};
    use crate::record::{FlowFields, FlowRecord};

    fn length_for(el: Element, rng: &mut fastrand::Rng) -> u16 {
        use Element as E;
        match el {
            // Mostly the right length; sometimes one the decoder must ignore.
            E::SrcAddr | E::DstAddr => [4, 4, 4, 16, 3][rng.usize(..5)],
            E::SrcAddr6 | E::DstAddr6 => [16, 16, 4, 5][rng.usize(..4)],
            E::FirstUptime | E::LastUptime => [4, 4, 8, 2][rng.usize(..4)],
            E::IpVersion => [1, 1, 2][rng.usize(..3)],
            _ => 1 + rng.usize(..12) as u16,
        }
    }

    /// Random plain templates (elements, order, lengths and values drawn anew), v9 and
    /// IPFIX, each record decoded both ways: the record's `lead()` after the field walk and
    /// `plain_lead` are equal, field by field.
    #[test]
    fn plain_lead_is_the_records_lead() {
        let ies = plain_ies();
        let mut rng = fastrand::Rng::with_seed(0x2545_f491_4f6c_dd1d);
        let (mut templates, mut records, mut v6, mut windows) = (0, 0, 0, 0);
        for round in 0..4000 {
            let fields = draw_fields(&ies, 1 + rng.usize(..20), &mut rng, length_for);
            let t = Template::compile(256, TemplateKind::Data, 0, &fields, 512).unwrap();
            let Some(p) = Plain::of(&t) else { continue };
            templates += 1;
            let len = t.fixed_len.unwrap();
            let data: Vec<u8> = (0..len * 3 + rng.usize(..7))
                .map(|_| match rng.usize(..4) {
                    0 => 0,
                    1 => [4, 6, 0x60][rng.usize(..3)],
                    _ => rng.u8(..),
                })
                .collect();
            let version = if round % 2 == 0 { 9 } else { 10 };
            let header = ExportHeader {
                version,
                export_time: Timestamp::new(1_700_000_000, 0),
                ..Default::default()
            };
            let tb = TimeBase {
                version,
                export_secs: 1_700_000_000,
                sys_uptime_ms: 3_600_000,
                sys_init_ms: [None, Some(1_699_990_000_000)][rng.usize(..2)],
            };
            let set = SetLead {
                header: &header,
                tb: &tb,
                flow_type: t.flow_type,
            };
            let mut off = 0;
            while data.len() - off >= len {
                let mut rec = FlowRecord::new(FlowFields {
                    header,
                    flow_type: t.flow_type,
                    flows: 1,
                    ..Default::default()
                });
                let mut s = Scratch::default();
                super::super::sets::fill_for_test(&t, &data[off..], &mut rec, &mut s, &tb);
                let want = rec.lead();
                let got = plain_lead(&p, &data[off..off + len], &data[off..], &set);
                assert_eq!(got, want, "template {fields:?}, record at {off}");
                // The window path, the record followed by random bytes up to the window.
                let mut w = [0u8; 128];
                w.iter_mut().for_each(|b| *b = rng.u8(..));
                let n = (data.len() - off).min(128);
                w[..n].copy_from_slice(&data[off..off + n]);
                if p.span <= 128 {
                    let got = window_lead(&p, &w, &set);
                    assert_eq!(
                        got, want,
                        "window 128, template {fields:?}, record at {off}"
                    );
                    windows += 1;
                }
                if p.span <= 64 {
                    let w64: &[u8; 64] = w.first_chunk().unwrap();
                    let got = window_lead(&p, w64, &set);
                    assert_eq!(got, want, "window 64, template {fields:?}, record at {off}");
                }
                v6 += usize::from(matches!(got.src_addr, Some(IpAddr::V6(_))));
                off += len;
                records += 1;
            }
        }
        assert!(
            templates > 1000 && records > 3000 && v6 > 100 && windows > 1000,
            "{templates} templates, {records} records, {v6} IPv6, {windows} by window"
        );
    }

    /// Collects what a decoder hands out, as the leads of data records.
    struct Leads {
        leads: bool,
        got: Vec<LeadFields>,
        from_leads: usize,
    }

    impl crate::netflow::RecordSink for Leads {
        fn record(&mut self, rec: &FlowRecord<'_>) {
            if rec.flow_type != FlowType::Option {
                self.got.push(rec.lead());
            }
        }
        fn leads(&self) -> bool {
            self.leads
        }
        fn lead(&mut self, header: &ExportHeader, lead: &LeadFields) {
            assert!(header.version == 9 || header.version == 10);
            self.got.push(*lead);
            self.from_leads += 1;
        }
    }

    /// Whole v9 and IPFIX datagrams of random templates (plain elements, some unmapped ones
    /// that give templates a tunnel layout, some others), decoded by a sink of records and
    /// by one of leads: the same leads, in the same order, and most from the plain path.
    #[test]
    fn datagrams_decode_to_the_same_leads() {
        use crate::netflow::{Limits, NetflowDecoder};
        let mut ies: Vec<u16> = plain_ies().iter().map(|(id, _)| *id).collect();
        // Unmapped (flowLabel, layer2SegmentId, flowEndReason...) and not plain (MPLS).
        ies.extend([31, 351, 136, 32, 70, 5, 4, 6, 27, 28]);
        let mut rng = fastrand::Rng::with_seed(0x5851_f42d_4c95_7f2d);
        let (mut plain, mut total) = (0, 0);
        for round in 0..3000 {
            let ipfix = round % 2 == 1;
            let n = 1 + rng.usize(..16);
            let fields: Vec<(u16, u16)> = (0..n)
                .map(|_| {
                    let id = ies[rng.usize(..ies.len())];
                    let len = match id {
                        8 | 12 => [4, 4, 16][rng.usize(..3)],
                        27 | 28 => 16,
                        351 => 8,
                        _ => [1, 1, 2, 4, 8][rng.usize(..5)],
                    };
                    (id, len)
                })
                .collect();
            let rec_len: usize = fields.iter().map(|f| usize::from(f.1)).sum();
            let records = 1 + rng.usize(..6);
            let mut data: Vec<u8> = (0..rec_len * records)
                .map(|_| match rng.usize(..5) {
                    0 => 0,
                    1 => [4, 6, 41, 143, 0x60][rng.usize(..5)],
                    _ => rng.u8(..),
                })
                .collect();
            data.extend(std::iter::repeat_n(0, rng.usize(..4)));
            // Template 256, n fields.
            let mut tset = vec![1u8, 0, 0, n as u8];
            for (id, len) in &fields {
                tset.extend(id.to_be_bytes());
                tset.extend(len.to_be_bytes());
            }
            let set = |id: u16, body: &[u8]| {
                let mut v = id.to_be_bytes().to_vec();
                v.extend(((body.len() + 4) as u16).to_be_bytes());
                v.extend(body);
                v
            };
            let tid = [0u8, 2][usize::from(ipfix)];
            let mut body = set(u16::from(tid), &tset);
            body.extend(set(256, &data));
            // A set of no known template after it: the leads' 8-byte reads of the last
            // fields go on into it, and none of its bytes may reach a value.
            let next: Vec<u8> = (0..rng.usize(..12)).map(|_| rng.u8(..)).collect();
            body.extend(set(999, &next));
            let mut dgram = Vec::new();
            if ipfix {
                dgram.extend(10u16.to_be_bytes());
                dgram.extend(((body.len() + 16) as u16).to_be_bytes());
                dgram.extend(1_700_000_000u32.to_be_bytes());
                dgram.extend(7u32.to_be_bytes());
                dgram.extend(3u32.to_be_bytes());
            } else {
                dgram.extend(9u16.to_be_bytes());
                dgram.extend(2u16.to_be_bytes());
                dgram.extend(3_600_000u32.to_be_bytes());
                dgram.extend(1_700_000_000u32.to_be_bytes());
                dgram.extend(7u32.to_be_bytes());
                dgram.extend(3u32.to_be_bytes());
            }
            dgram.extend(body);
            let exporter: IpAddr = "192.0.2.1".parse().unwrap();
            let mut dec = NetflowDecoder::new(Limits::default());
            let mut a = Leads {
                leads: false,
                got: Vec::new(),
                from_leads: 0,
            };
            let sa = dec.decode_into(exporter, &dgram, &mut a).unwrap();
            let mut b = Leads {
                leads: true,
                got: Vec::new(),
                from_leads: 0,
            };
            let sb = dec.decode_into(exporter, &dgram, &mut b).unwrap();
            assert_eq!(a.got, b.got, "template {fields:?}, ipfix {ipfix}");
            assert_eq!(sa.records, sb.records);
            total += a.got.len();
            plain += b.from_leads;
        }
        assert!(
            plain > 2000 && total > plain,
            "{plain} leads of {total} records"
        );
    }
}
