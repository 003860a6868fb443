//! Template and exporter-state semantics, each tied to a pmacct 1.7.7 quirk where we differ.

mod support;

use pmacct_wire::netflow::{Limits, TemplateCache};
use pmacct_wire::{DropReason, FlowRecord, FlowType, NetflowDecoder, Timestamp};
use std::net::IpAddr;
use support::{ipfix, set, template, v9, Buf};

fn ip() -> IpAddr {
    "192.0.2.1".parse().unwrap()
}

fn collect(
    dec: &mut NetflowDecoder,
    d: &[u8],
) -> (Vec<FlowRecord<'static>>, pmacct_wire::DatagramStats) {
    let mut v = Vec::new();
    let s = dec.decode(ip(), d, |r| v.push(r.detached())).unwrap();
    (v, s)
}

const T: &[(u16, u16)] = &[
    (8, 4),
    (12, 4),
    (7, 2),
    (11, 2),
    (4, 1),
    (2, 4),
    (1, 8),
    (152, 8),
    (153, 8),
];

fn rec(src: [u8; 4], bytes: u64) -> Vec<u8> {
    Buf::default()
        .bytes(&src)
        .bytes(&[198, 51, 100, 1])
        .u16(1234)
        .u16(80)
        .u8(6)
        .u32(3)
        .u64(bytes)
        .u64(1_677_577_561_088)
        .u64(1_677_577_572_352)
        .0
}

#[test]
fn ipfix_withdrawal_removes_template_and_keeps_accounting() {
    // Quirk 3: pmacct keeps an empty template and stops accounting. We remove it, count the
    // orphan data set, and decode again once the template is re-announced.
    let mut dec = NetflowDecoder::new(Limits::default());
    let (r, _) = collect(
        &mut dec,
        &ipfix(
            1000,
            1,
            7,
            &[
                set(2, &template(256, T)),
                set(256, &rec([10, 0, 0, 1], 100)),
            ],
        ),
    );
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].first, Timestamp::new(1_677_577_561, 88_000)); // IE 152 keeps ms
    assert_eq!(r[0].last, Timestamp::new(1_677_577_572, 352_000));
    let (_, s) = collect(&mut dec, &ipfix(1001, 2, 7, &[set(2, &template(256, &[]))]));
    assert_eq!(s.withdrawals, 1);
    assert!(dec.templates().peek(ip(), 7, 256).is_none());
    let (r, s) = collect(
        &mut dec,
        &ipfix(1002, 3, 7, &[set(256, &rec([10, 0, 0, 2], 100))]),
    );
    assert_eq!((r.len(), s.dropped_no_template()), (0, 1));
    let (r, _) = collect(
        &mut dec,
        &ipfix(
            1003,
            4,
            7,
            &[set(2, &template(256, T)), set(256, &rec([10, 0, 0, 3], 5))],
        ),
    );
    assert_eq!((r.len(), r[0].bytes), (1, 5));
    // "All data templates" withdrawal (template id 2).
    let (_, s) = collect(&mut dec, &ipfix(1004, 5, 7, &[set(2, &template(2, &[]))]));
    assert_eq!(s.withdrawals, 1);
    assert!(dec.templates().is_empty());
}

#[test]
fn data_before_its_template_in_one_datagram_decodes() {
    // Quirk 8: pmacct drops the data; templates of a datagram are applied first here.
    let mut dec = NetflowDecoder::new(Limits::default());
    let (r, s) = collect(
        &mut dec,
        &ipfix(
            1,
            1,
            1,
            &[set(256, &rec([10, 0, 0, 1], 7)), set(2, &template(256, T))],
        ),
    );
    assert_eq!((r.len(), s.total_dropped()), (1, 0));
    // Without the template anywhere: counted and dropped, by set.
    let (r, s) = collect(
        &mut dec,
        &ipfix(1, 1, 2, &[set(256, &rec([10, 0, 0, 1], 7))]),
    );
    assert_eq!((r.len(), s.dropped(DropReason::NoTemplate)), (0, 1));
    assert_eq!(dec.templates().stats().misses, 1);
}

#[test]
fn v9_header_count_is_not_trusted() {
    // Quirk 2: count 1, yet three flowsets (template + two data): all read.
    let mut dec = NetflowDecoder::new(Limits::default());
    let t: &[(u16, u16)] = &[(8, 4), (12, 4), (1, 4), (2, 4), (22, 4), (21, 4)];
    let data = |b: u32| {
        Buf::default()
            .bytes(&[10, 0, 0, 1, 10, 0, 0, 2])
            .u32(b)
            .u32(1)
            .u32(5_500)
            .u32(9_999)
            .0
    };
    let d = v9(
        1,
        10_000,
        1_000_000,
        1,
        0,
        &[
            set(0, &template(300, t)),
            set(300, &data(1)),
            set(300, &data(2)),
        ],
    );
    let (r, _) = collect(&mut dec, &d);
    assert_eq!(r.len(), 2);
    // Uptime-relative times as pmacct: export secs - whole seconds of age (no ms).
    assert_eq!(r[0].first, Timestamp::new(1_000_000 - 4, 0));
    assert_eq!(r[0].last, Timestamp::new(1_000_000, 0));
    assert_eq!(r[0].etype, 0x0800);
}

#[test]
fn options_sampling_is_kept_per_exporter_and_applied() {
    let mut dec = NetflowDecoder::new(Limits::default());
    // v9 options template: scope System(1) len 4; samplerId(48) 1, interval(34) 4, algo(35) 1.
    let ot = Buf::default()
        .u16(260)
        .u16(4)
        .u16(12)
        .u16(1)
        .u16(4)
        .u16(48)
        .u16(1)
        .u16(34)
        .u16(4)
        .u16(35)
        .u16(1)
        .0;
    let od = Buf::default().u32(0).u8(5).u32(1000).u8(2).bytes(&[0, 0]).0; // 2 bytes padding
    let t: &[(u16, u16)] = &[(8, 4), (12, 4), (48, 1), (2, 4)];
    let d = Buf::default()
        .bytes(&[10, 0, 0, 1, 10, 0, 0, 2])
        .u8(5)
        .u32(1)
        .0;
    let dg = v9(
        4,
        0,
        0,
        1,
        3,
        &[
            set(1, &ot),
            set(0, &template(300, t)),
            set(260, &od),
            set(300, &d),
        ],
    );
    let (r, s) = collect(&mut dec, &dg);
    assert_eq!((s.records, s.option_records), (2, 1));
    assert_eq!(r[0].flow_type, FlowType::Option);
    assert_eq!(r[1].flow_type, FlowType::Traffic);
    assert_eq!(
        (
            r[1].sampler_id,
            r[1].sampling_interval,
            r[1].sampling_algorithm
        ),
        (Some(5), 1000, 2)
    );
    assert_eq!(dec.sampling_interval(ip(), 3, 5), Some(1000));
    assert_eq!(dec.sampling_interval(ip(), 4, 5), None); // other source id
                                                         // The scope type (System = 1) is not read as IE 1 (bytes).
    assert_eq!(r[0].bytes, 0);
}

#[test]
fn cache_save_and_restore_round_trip() {
    let mut dec = NetflowDecoder::new(Limits::default());
    let mut later = Vec::new();
    for p in
        support::read_pcap(&support::corpus().join("traffic-reproducer/ipfix-multi-sources.pcap"))
    {
        if later.len() < 300 {
            let _ = dec.decode(p.src, &p.payload, |_| {});
        }
        later.push(p);
    }
    let mut saved = Vec::new();
    dec.templates().save(&mut saved).unwrap();
    let restored = TemplateCache::restore(&saved[..], Limits::default()).unwrap();
    assert_eq!(restored.len(), dec.templates().len());
    let mut again = Vec::new();
    restored.save(&mut again).unwrap();
    assert_eq!(saved, again, "save(restore(x)) == x");
    let mut dec2 = NetflowDecoder::with_cache(restored, Default::default());
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for p in &later[300..] {
        let _ = dec.decode(p.src, &p.payload, |r| a.push(support::normalize(r)));
        let _ = dec2.decode(p.src, &p.payload, |r| b.push(support::normalize(r)));
    }
    assert!(a.len() > 1000);
    assert_eq!(a, b);
    // Damaged files are rejected with a line number, never half-loaded silently.
    let bad = String::from_utf8(saved)
        .unwrap()
        .replacen("template ", "template x", 1);
    assert!(
        TemplateCache::restore(bad.as_bytes(), Limits::default())
            .unwrap_err()
            .line
            > 1
    );
}

#[test]
fn enterprise_and_unknown_elements_stay_addressable() {
    let mut dec = NetflowDecoder::new(Limits::default());
    let mut seen = 0;
    for p in support::read_pcap(&support::corpus().join("traffic-reproducer/ipfix-vmware.pcap")) {
        let _ = dec.decode(p.src, &p.payload, |r| {
            // VMware PEN 6876 element 889 (vxlanExportRole), 1 byte.
            if let Some(v) = r.raw.and_then(|raw| raw.element(6876, 889)) {
                assert_eq!(v.len(), 1);
                seen += 1;
            }
        });
    }
    assert_eq!(seen, 1039); // tshark shows 1039 records with it
}

#[test]
fn withdrawn_exporters_are_not_saved() {
    // Regression from the template_cache fuzz target: an exporter whose templates were all
    // withdrawn must not leave an empty "exporter" line (it would not round-trip).
    let mut dec = NetflowDecoder::new(Limits::default());
    collect(&mut dec, &ipfix(1, 1, 7, &[set(2, &template(256, T))]));
    collect(&mut dec, &ipfix(2, 2, 7, &[set(2, &template(256, &[]))]));
    let mut saved = Vec::new();
    dec.templates().save(&mut saved).unwrap();
    assert_eq!(String::from_utf8(saved).unwrap(), "pmacct-rs-templates 1\n");
}

#[test]
fn v5_time_secs_option_reads_seconds() {
    use pmacct_wire::DecoderOptions;
    // One v5 record: SysUptime 5000, First 4000, Last 4990, unix_secs 1_000_000.
    let mut r = vec![0u8; 48];
    r[24..28].copy_from_slice(&4000u32.to_be_bytes());
    r[28..32].copy_from_slice(&4990u32.to_be_bytes());
    let d = Buf::default()
        .u16(5)
        .u16(1)
        .u32(5000)
        .u32(1_000_000)
        .u32(0)
        .u32(0)
        .u32(0)
        .bytes(&r)
        .0;
    let mut ms = NetflowDecoder::new(Limits::default());
    let (a, _) = collect(&mut ms, &d);
    assert_eq!((a[0].first.secs, a[0].last.secs), (999_999, 1_000_000)); // ms: 1 s and 0.01 s old
    let mut secs = NetflowDecoder::with_options(
        Limits::default(),
        DecoderOptions {
            v5_time_secs: true,
            ..Default::default()
        },
    );
    let (b, _) = collect(&mut secs, &d);
    assert_eq!((b[0].first.secs, b[0].last.secs), (999_000, 999_990)); // seconds: 1000 s and 10 s old
}

/// Cisco's random n-out-of-N sampler (corpus test 104): options data carry
/// samplingPacketInterval 1, samplingSize 1 and samplingPopulation 256; the rate is 256
/// (pmacct 1.8's expected output renormalizes by 256; 1.7.7 knows no rate and prints 0).
#[test]
fn ipfix_n_out_of_n_sampling_rate_from_population_and_size() {
    let path = support::corpus()
        .join("pmacct-test-automation/104-IPFIXv10-IPv6-CISCO-sampling_option/traffic-00.pcap");
    let mut dec = NetflowDecoder::new(Limits::default());
    let mut rates = Vec::new();
    for p in support::read_pcap(&path) {
        dec.decode(p.src, &p.payload, |r| {
            if r.flow_type == FlowType::Traffic {
                rates.push(r.sampling_interval)
            }
        })
        .unwrap();
    }
    assert_eq!(rates, [256, 256, 256]);
}

/// A template with both address families (IE 8/12/9/13 and IE 27/28/29/30), as the exporters
/// of corpus ipfix-multi-sources send, optionally with ipVersion (IE 60).
fn dual_family_template(with_version: bool) -> Vec<(u16, u16)> {
    let mut t = vec![(8, 4), (12, 4), (9, 1), (13, 1)];
    t.extend([(27, 16), (28, 16), (29, 1), (30, 1), (2, 4), (1, 8)]);
    if with_version {
        t.push((60, 1));
    }
    t
}

fn dual_family_record(v4: [u8; 4], version: Option<u8>) -> Vec<u8> {
    let v6s: std::net::Ipv6Addr = "2001:db8::14".parse().unwrap();
    let v6d: std::net::Ipv6Addr = "::110".parse().unwrap();
    let mut b = Buf::default()
        .bytes(&v4)
        .bytes(&v4)
        .u8(24)
        .u8(16)
        .bytes(&v6s.octets())
        .bytes(&v6d.octets())
        .u8(64)
        .u8(48)
        .u32(1)
        .u64(100);
    if let Some(v) = version {
        b = b.u8(v);
    }
    b.0
}

#[test]
fn dual_family_template_picks_the_family_per_record_as_pmacct() {
    // pmacct 1.7.7 (NF_evaluate_flow_type): ipVersion decides when it says 4 or 6; else, with
    // both families in the template, IPv4 when the IPv4 source's first octet is non-zero.
    // Before: the IPv4 elements always won, and zeroed ones gave 0.0.0.0 -> 0.0.0.0.
    let mut dec = NetflowDecoder::new(Limits::default());
    let recs = [
        set(2, &template(300, &dual_family_template(false))),
        set(2, &template(301, &dual_family_template(true))),
        set(
            300,
            &[
                dual_family_record([0, 0, 0, 0], None),
                dual_family_record([10, 0, 0, 1], None),
                // only the first octet counts, as in pmacct
                dual_family_record([0, 0, 0, 1], None),
            ]
            .concat(),
        ),
        set(
            301,
            &[
                dual_family_record([10, 0, 0, 1], Some(6)),
                dual_family_record([0, 0, 0, 0], Some(4)),
                // an ipVersion that is neither 4 nor 6 falls back to the address check
                dual_family_record([0, 0, 0, 0], Some(9)),
            ]
            .concat(),
        ),
    ];
    let (r, s) = collect(&mut dec, &ipfix(1, 1, 1, &recs));
    assert_eq!((r.len(), s.total_dropped()), (6, 0));
    let got: Vec<(String, String, u8, u8, u16)> = r
        .iter()
        .map(|r| {
            let a = |x: Option<IpAddr>| x.map_or("-".into(), |a| a.to_string());
            (
                a(r.src_addr),
                a(r.dst_addr),
                r.src_mask,
                r.dst_mask,
                r.etype,
            )
        })
        .collect();
    let v6 = || {
        (
            "2001:db8::14".to_string(),
            "::110".to_string(),
            64,
            48,
            0x86dd,
        )
    };
    let v4 = |a: &str| (a.to_string(), a.to_string(), 24, 16, 0x0800);
    assert_eq!(
        got,
        vec![v6(), v4("10.0.0.1"), v6(), v6(), v4("0.0.0.0"), v6()]
    );
}

#[test]
fn ipv6_only_and_malformed_address_elements() {
    let mut dec = NetflowDecoder::new(Limits::default());
    // IPv6 elements only: IPv6, masks from IE 29/30 only (an IE 9 beside them is not read).
    let t6 = [(27, 16), (28, 16), (9, 1), (29, 1), (1, 8)];
    let a: std::net::Ipv6Addr = "2001:db8::1".parse().unwrap();
    let r6 = Buf::default()
        .bytes(&a.octets())
        .bytes(&a.octets())
        .u8(24)
        .u8(56)
        .u64(1)
        .0;
    // IE 27 with a length that is no address (5 bytes): no IPv6 address is taken from it, so
    // the zeroed IPv4 source (the only well-formed address) decides: IPv4, 0.0.0.0.
    let tbad = [(8, 4), (27, 5), (1, 8)];
    let rbad = Buf::default()
        .bytes(&[0; 4])
        .bytes(&[0x20, 1, 0xd, 0xb8, 0])
        .u64(1)
        .0;
    let (r, s) = collect(
        &mut dec,
        &ipfix(
            1,
            1,
            1,
            &[
                set(2, &template(302, &t6)),
                set(2, &template(303, &tbad)),
                set(302, &r6),
                set(303, &rbad),
            ],
        ),
    );
    assert_eq!((r.len(), s.total_dropped()), (2, 0));
    assert_eq!(r[0].src_addr, Some(IpAddr::V6(a)));
    assert_eq!((r[0].src_mask, r[0].etype), (56, 0x86dd));
    assert_eq!(r[1].src_addr, Some("0.0.0.0".parse().unwrap()));
    assert_eq!((r[1].dst_addr, r[1].etype), (None, 0x0800));
}

#[test]
fn vlan_and_vrf_follow_the_direction_and_repeats_read_the_last() {
    // pmacct 1.7.7: ingress flows take vlanId (IE 58) and ingressVRFID (IE 234), egress
    // flows postVlanId (IE 59) and egressVRFID (IE 235), a VRF of 0 falling back to the other;
    // an element repeated in a template (outer, then inner header) is read from the last.
    let t = [
        (61, 1),
        (58, 2),
        (59, 2),
        (234, 4),
        (235, 4),
        (4, 1),
        (7, 2),
        (4, 1),
        (7, 2),
        (1, 8),
    ];
    let r = |dir: u8, vin: u16, vout: u16, vrf_in: u32, vrf_out: u32| {
        Buf::default()
            .u8(dir)
            .u16(vin)
            .u16(vout)
            .u32(vrf_in)
            .u32(vrf_out)
            .u8(4)
            .u16(0)
            .u8(17)
            .u16(1111)
            .u64(1)
            .0
    };
    let mut dec = NetflowDecoder::new(Limits::default());
    let data = [
        r(0, 12, 13, 5, 14),
        r(1, 12, 13, 5, 14),
        r(1, 12, 13, 5, 0),
        r(0, 12, 13, 0, 14),
    ]
    .concat();
    let (recs, s) = collect(
        &mut dec,
        &ipfix(1, 1, 1, &[set(2, &template(304, &t)), set(304, &data)]),
    );
    assert_eq!((recs.len(), s.total_dropped()), (4, 0));
    let got: Vec<(u16, Option<u32>, u8, u16)> = recs
        .iter()
        .map(|r| (r.vlan, r.vrf_id, r.proto, r.src_port))
        .collect();
    assert_eq!(
        got,
        vec![
            (12, Some(5), 17, 1111),
            (13, Some(14), 17, 1111),
            (13, Some(5), 17, 1111),
            (12, Some(14), 17, 1111),
        ]
    );
}

#[test]
fn exporter_address_from_options_data_is_the_domains_peer_address() {
    // pmacct 1.7.7 prints exporterIPv4Address (IE 130) of options data as peer_ip_src of the
    // records of that exporter and observation domain (replayed captures keep the real
    // exporter's address this way); v9 options scoped to the whole system are not used.
    let mut dec = NetflowDecoder::new(Limits::default());
    // IPFIX options template 400: scope observationDomainId (149) 4, exporterIPv4Address 4.
    let ot = Buf::default()
        .u16(400)
        .u16(2)
        .u16(1)
        .u16(149)
        .u16(4)
        .u16(130)
        .u16(4)
        .0;
    let od = Buf::default().u32(7).bytes(&[203, 0, 113, 19]).0;
    let t: &[(u16, u16)] = &[(8, 4), (12, 4), (130, 4), (2, 4)];
    // an IE 130 inside the data record does not count (pmacct reads it only without a
    // datagram source address)
    let d = Buf::default()
        .bytes(&[10, 0, 0, 1, 10, 0, 0, 2, 198, 51, 100, 9])
        .u32(1)
        .0;
    let (r, _) = collect(
        &mut dec,
        &ipfix(1, 1, 7, &[set(2, &template(300, t)), set(300, &d)]),
    );
    assert_eq!(r[0].exporter_addr, None, "no options data yet");
    let (r, _) = collect(
        &mut dec,
        &ipfix(2, 2, 7, &[set(3, &ot), set(400, &od), set(300, &d)]),
    );
    let addr: IpAddr = "203.0.113.19".parse().unwrap();
    assert_eq!(
        (r[0].flow_type, r[0].exporter_addr),
        (FlowType::Option, Some(addr))
    );
    assert_eq!(r[1].exporter_addr, Some(addr));
    // another observation domain of the same exporter keeps the datagram's address
    let (r, _) = collect(
        &mut dec,
        &ipfix(3, 3, 8, &[set(2, &template(300, t)), set(300, &d)]),
    );
    assert_eq!(r[0].exporter_addr, None);
    // saved and restored with the templates
    let mut saved = Vec::new();
    dec.templates().save(&mut saved).unwrap();
    let restored = TemplateCache::restore(&saved[..], Limits::default()).unwrap();
    assert_eq!(restored.exporter_addr(ip(), 7), Some(addr));
    assert_eq!(restored.exporter_addr(ip(), 8), None);
    // v9, scope System (1): kept apart by pmacct, never printed
    let mut dec = NetflowDecoder::new(Limits::default());
    let ot9 = Buf::default()
        .u16(260)
        .u16(4)
        .u16(4)
        .u16(1)
        .u16(4)
        .u16(130)
        .u16(4)
        .0;
    let od9 = Buf::default().u32(0).bytes(&[203, 0, 113, 19]).0;
    let dg = v9(
        3,
        0,
        0,
        1,
        3,
        &[
            set(1, &ot9),
            set(0, &template(300, t)),
            set(260, &od9),
            set(300, &d),
        ],
    );
    let (r, _) = collect(&mut dec, &dg);
    assert_eq!(r.len(), 2);
    assert_eq!(r[1].exporter_addr, None);
}

/// `nfacctd_pre_processing_checks` (pmacct 1.8): a data set whose padding after the last
/// record is not all zeros is discarded whole; zero padding, or the check off, decodes.
#[test]
fn pre_processing_checks_discard_sets_with_non_zero_padding() {
    let data = |pad: &[u8]| {
        let mut d = rec([10, 0, 0, 1], 7);
        d.extend_from_slice(&rec([10, 0, 0, 2], 8));
        d.extend_from_slice(pad);
        ipfix(1, 1, 1, &[set(2, &template(256, T)), set(256, &d)])
    };
    let checked = || {
        NetflowDecoder::with_options(
            Limits::default(),
            pmacct_wire::netflow::DecoderOptions {
                pre_processing_checks: true,
                ..Default::default()
            },
        )
    };
    let (r, s) = collect(&mut checked(), &data(&[0, 0, 0]));
    assert_eq!((r.len(), s.total_dropped()), (2, 0));
    let (r, s) = collect(&mut checked(), &data(&[0, 7, 0]));
    assert_eq!((r.len(), s.dropped(DropReason::PaddingNotZero)), (0, 1));
    // Off (1.7.7 and 1.8's default): the padding is not looked at.
    let (r, _) = collect(
        &mut NetflowDecoder::new(Limits::default()),
        &data(&[0, 7, 0]),
    );
    assert_eq!(r.len(), 2);
}

/// `mpls_label_stack` (pmacct 1.8): labels top first until the bottom-of-stack bit; an
/// explicit null (0) is kept only at the top.
#[test]
fn mpls_label_stack_as_pmacct_1_8_reads_it() {
    const TL: &[(u16, u16)] = &[(8, 4), (70, 3), (71, 3), (72, 3)];
    let label = |v: u32, bos: bool| {
        let raw = (v << 4) | u32::from(bos);
        [(raw >> 16) as u8, (raw >> 8) as u8, raw as u8]
    };
    let stack = |l: [[u8; 3]; 3]| {
        let d = Buf::default()
            .bytes(&[10, 0, 0, 1])
            .bytes(&l[0])
            .bytes(&l[1])
            .bytes(&l[2])
            .0;
        let mut dec = NetflowDecoder::new(Limits::default());
        let (r, _) = collect(
            &mut dec,
            &ipfix(1, 1, 1, &[set(2, &template(256, TL)), set(256, &d)]),
        );
        r[0].mpls_label_stack[..usize::from(r[0].mpls_label_stack_len)].to_vec()
    };
    assert_eq!(
        stack([label(16065, false), label(16033, true), label(5, true)]),
        [16065, 16033]
    );
    assert_eq!(stack([label(0, true), label(9, true), label(5, true)]), [0]);
    assert_eq!(
        stack([label(0, false), label(9, true), label(5, true)]),
        [0, 9]
    );
    assert_eq!(
        stack([label(7, false), label(0, false), label(5, true)]),
        [7]
    );
    assert!(stack([label(0, false), label(0, false), label(5, true)]).is_empty());
}

/// pmacct 1.8's vrf_name: options data with a 4-byte ingressVRFID (234) and VRFname (236)
/// maps the id to the name (31 bytes at most, cut at a NUL, a later name replaces it) per
/// observation domain; a data record takes its ingress VRF's name, the egress VRF's when the
/// ingress id is 0 or named `default`; with an RD (IE 90) in the record the ids count as 0.
#[test]
fn vrf_name_from_options_data_as_pmacct_1_8() {
    let mut dec = NetflowDecoder::new(Limits::default());
    // options template 400: scope observationDomainId (149) 4, ingressVRFID 4, VRFname 32.
    let ot = Buf::default()
        .u16(400)
        .u16(3)
        .u16(1)
        .u16(149)
        .u16(4)
        .u16(234)
        .u16(4)
        .u16(236)
        .u16(32)
        .0;
    let name = |s: &[u8]| {
        let mut b = [0u8; 32];
        b[..s.len()].copy_from_slice(s);
        b
    };
    let od = Buf::default()
        .u32(7)
        .u32(10)
        .bytes(&name(b"blue"))
        .u32(7)
        .u32(20)
        .bytes(&name(b"default"))
        .u32(7)
        .u32(30)
        .bytes(&[b'x'; 32])
        .u32(7)
        .u32(40)
        .bytes(&name(b"green"))
        .u32(7)
        .u32(40)
        .bytes(&name(b"red"))
        .0;
    let t: &[(u16, u16)] = &[(8, 4), (12, 4), (234, 4), (235, 4), (2, 4)];
    let d = |i: u32, e: u32| {
        Buf::default()
            .bytes(&[10, 0, 0, 1, 10, 0, 0, 2])
            .u32(i)
            .u32(e)
            .u32(1)
            .0
    };
    let data = [
        d(10, 40),
        d(0, 40),
        d(20, 40),
        d(30, 0),
        d(40, 10),
        d(99, 0),
        d(0, 99),
    ]
    .concat();
    let (r, _) = collect(
        &mut dec,
        &ipfix(1, 1, 7, &[set(2, &template(300, t)), set(300, &data)]),
    );
    assert!(
        r.iter().all(|r| r.vrf_name.is_empty()),
        "no options data yet"
    );
    let (r, s) = collect(
        &mut dec,
        &ipfix(2, 2, 7, &[set(3, &ot), set(400, &od), set(300, &data)]),
    );
    assert_eq!(s.option_records, 5);
    let names: Vec<&[u8]> = r[5..].iter().map(|r| r.vrf_name.as_bytes()).collect();
    let x31 = [b'x'; 31];
    assert_eq!(
        names,
        [&b"blue"[..], b"red", b"red", &x31[..], b"red", b"", b""]
    );
    // another observation domain has no names
    let (r, _) = collect(
        &mut dec,
        &ipfix(3, 3, 8, &[set(2, &template(300, t)), set(300, &d(10, 0))]),
    );
    assert!(r[0].vrf_name.is_empty());
    // an RD in the record: pmacct does not read the VRF ids (both 0)
    let t90: &[(u16, u16)] = &[(8, 4), (234, 4), (90, 8), (2, 4)];
    let d90 = Buf::default()
        .bytes(&[10, 0, 0, 1])
        .u32(10)
        .bytes(&[0, 0, 0, 0, 0, 0, 0, 1])
        .u32(1)
        .0;
    let (r, _) = collect(
        &mut dec,
        &ipfix(4, 4, 7, &[set(2, &template(301, t90)), set(301, &d90)]),
    );
    assert!(r[0].vrf_name.is_empty());
    // a 2-byte ingressVRFID in options data maps nothing
    let ot2 = Buf::default()
        .u16(401)
        .u16(3)
        .u16(1)
        .u16(149)
        .u16(4)
        .u16(234)
        .u16(2)
        .u16(236)
        .u16(0xFFFF)
        .0;
    let od2 = Buf::default().u32(7).u16(50).u8(3).bytes(b"tan").0;
    let (r, _) = collect(
        &mut dec,
        &ipfix(
            5,
            5,
            7,
            &[set(3, &ot2), set(401, &od2), set(300, &d(50, 0))],
        ),
    );
    assert!(r[1].vrf_name.is_empty());
}

/// pmacct 1.7.9+ (the 1.8 line) SRv6 records: a template whose address layers (IE 8 / 27 in
/// template order) start with IPv6 and whose first protocolIdentifier is 4/41 (with a second
/// layer) or 143 (one layer) is SRv6. Its tunnel fields are the FIRST occurrences of IEs
/// 27/28/4/7/11/6 (and 31 when repeated); the ordinary fields keep the LAST (pmacct 1.7.7's
/// reading, unchanged). IE 5 repeated gives tunnel_tos whatever the flow is.
#[test]
fn srv6_tunnel_fields_as_pmacct_1_8() {
    let six = |last: u8| {
        let mut a = [0u8; 16];
        a[..4].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
        a[15] = last;
        a
    };
    // outer IPv6 + inner IPv6 (or IPv4), outer proto `tun`
    let t6: &[(u16, u16)] = &[
        (27, 16),
        (28, 16),
        (4, 1),
        (7, 2),
        (11, 2),
        (6, 1),
        (5, 1),
        (31, 4),
        (27, 16),
        (28, 16),
        (4, 1),
        (7, 2),
        (11, 2),
        (6, 2),
        (5, 1),
        (31, 4),
        (1, 8),
        (2, 4),
    ];
    let r6 = |tun: u8| {
        Buf::default()
            .bytes(&six(1))
            .bytes(&six(2))
            .u8(tun)
            .u16(1111)
            .u16(2222)
            .u8(0x18)
            .u8(0x20)
            .u32(0xabcde)
            .bytes(&six(3))
            .bytes(&six(4))
            .u8(6)
            .u16(443)
            .u16(50000)
            .u16(0x0102)
            .u8(0x40)
            .u32(7)
            .u64(1000)
            .u32(2)
            .0
    };
    let mut dec = NetflowDecoder::new(Limits::default());
    let data = [r6(41), r6(4), r6(143), r6(6)].concat();
    let (r, _) = collect(
        &mut dec,
        &ipfix(1, 1, 7, &[set(2, &template(300, t6)), set(300, &data)]),
    );
    assert_eq!(r.len(), 4);
    for (i, rec) in r.iter().enumerate() {
        // ordinary primitives: the last occurrence, SRv6 or not
        assert_eq!(rec.src_addr, Some(IpAddr::from(six(3))), "{i}");
        assert_eq!(
            (
                rec.proto,
                rec.src_port,
                rec.dst_port,
                rec.tcp_flags,
                rec.tos
            ),
            (6, 443, 50000, 0x0102, 0x40)
        );
        // tunnel_tos: the first IE 5 of a template repeating it, any flow type
        assert_eq!(rec.tunnel.tos, 0x20);
    }
    for rec in &r[..2] {
        let t = rec.tunnel;
        assert!(t.srv6);
        assert_eq!(t.src_addr, Some(IpAddr::from(six(1))));
        assert_eq!(t.dst_addr, Some(IpAddr::from(six(2))));
        assert_eq!(
            (t.src_port, t.dst_port, t.tcp_flags, t.flow_label),
            (1111, 2222, 0x18, 0xabcde)
        );
    }
    assert_eq!((r[0].tunnel.proto, r[1].tunnel.proto), (41, 4));
    // 143 (Ethernet in IPv6) needs a single address layer; 6 is no tunnel
    for rec in &r[2..] {
        assert!(!rec.tunnel.srv6);
        assert_eq!(
            (rec.tunnel.src_addr, rec.tunnel.proto, rec.tunnel.flow_label),
            (None, 0, 0)
        );
    }

    // one IPv6 layer, proto 143: SRv6 (Ethernet); the only occurrences are the tunnel's.
    // v9: flowLabelIPv6 is copied over 3 octets to the front of a 4-octet value, as pmacct
    // does (the label appears shifted by 8 bits); IE 31 is not repeated, so none here.
    let t1: &[(u16, u16)] = &[(27, 16), (28, 16), (4, 1), (7, 2), (31, 3), (1, 4)];
    let r1 = |tun: u8| {
        Buf::default()
            .bytes(&six(1))
            .bytes(&six(2))
            .u8(tun)
            .u16(9)
            .bytes(&[0, 0, 5])
            .u32(100)
            .0
    };
    let (r, _) = collect(
        &mut dec,
        &v9(
            2,
            1000,
            1_700_000_000,
            1,
            7,
            &[
                set(0, &template(301, t1)),
                set(301, &[r1(143), r1(41)].concat()),
            ],
        ),
    );
    let t = r[0].tunnel;
    assert!(t.srv6);
    assert_eq!(
        (t.src_addr, t.proto, t.src_port),
        (Some(IpAddr::from(six(1))), 143, 9)
    );
    assert_eq!(t.flow_label, 0, "IE 31 not repeated");
    assert!(!r[1].tunnel.srv6, "41 needs an inner layer");

    // the first layer IPv4: not SRv6; no byte counter (an event): not SRv6
    for t in [
        &[(8, 4), (27, 16), (4, 1), (1, 4)][..],
        &[(27, 16), (27, 16), (4, 1), (2, 4)][..],
    ] {
        let len: u16 = t.iter().map(|f| f.1).sum();
        let mut rec = vec![0u8; len as usize];
        let p = t.iter().take_while(|f| f.0 != 4).map(|f| f.1).sum::<u16>() as usize;
        rec[p] = 41;
        let (r, _) = collect(
            &mut dec,
            &ipfix(3, 3, 7, &[set(2, &template(302, t)), set(302, &rec)]),
        );
        assert!(!r[0].tunnel.srv6, "{t:?}");
    }
}

/// srv6_seg_ipv6_list: IE 497 (else Huawei's PEN 2011 IE 505), kept when its length taken
/// modulo 256 (pmacct holds it in one octet) is a non-zero multiple of 16; nvgre from a
/// layer2SegmentId (IE 351) of type 2, octets 5-7.
#[test]
fn srv6_segment_list_and_nvgre_as_pmacct_1_8() {
    let mut dec = NetflowDecoder::new(Limits::default());
    // the list borrows the datagram: copied out in the sink
    let decode = |dec: &mut NetflowDecoder, d: &[u8]| {
        let mut v = Vec::new();
        dec.decode(ip(), d, |r| {
            v.push((r.srv6_seg_list.map(<[u8]>::to_vec), r.tunnel.nvgre))
        })
        .unwrap();
        v
    };
    let t: &[(u16, u16)] = &[(8, 4), (1, 4), (497, 0xFFFF), (351, 8)];
    let rec = |list: &[u8]| {
        let b = Buf::default().bytes(&[10, 0, 0, 1]).u32(1);
        let b = if list.len() < 255 {
            b.u8(list.len() as u8)
        } else {
            b.u8(255).u16(list.len() as u16)
        };
        b.bytes(list).bytes(&[2, 0, 0, 0, 0, 0x01, 0x02, 0x03]).0
    };
    let seg: Vec<u8> = (0..18u8).flat_map(|i| [i; 16]).collect();
    let cases: [&[u8]; 6] = [
        &seg[..48],
        &seg[..240],
        &seg[..256 + 32],
        &seg[..256],
        &seg[..40],
        &[],
    ];
    let data: Vec<u8> = cases.iter().flat_map(|l| rec(l)).collect();
    let r = decode(
        &mut dec,
        &ipfix(1, 1, 7, &[set(2, &template(300, t)), set(300, &data)]),
    );
    let got: Vec<Option<usize>> = r.iter().map(|r| r.0.as_ref().map(Vec::len)).collect();
    assert_eq!(got, [Some(48), Some(240), Some(32), None, None, None]);
    assert_eq!(r[2].0.as_deref(), Some(&seg[..32]));
    assert!(r.iter().all(|r| r.1 == 0x010203));
    // Huawei's element when IE 497 is absent; IE 497 first when both are there
    let huawei = |tid: u16, with_497: bool| {
        let mut b = Buf::default().u16(tid).u16(if with_497 { 3 } else { 2 });
        b = b.u16(8).u16(4);
        if with_497 {
            b = b.u16(497).u16(16);
        }
        b.u16(505 | 0x8000).u16(32).u32(2011).0
    };
    let r = decode(
        &mut dec,
        &ipfix(
            2,
            2,
            7,
            &[
                set(2, &[huawei(310, false), huawei(311, true)].concat()),
                set(310, &[&[10, 0, 0, 1][..], &seg[..32]].concat()),
                set(
                    311,
                    &[&[10, 0, 0, 1][..], &seg[32..48], &seg[..32]].concat(),
                ),
            ],
        ),
    );
    assert_eq!(r[0].0.as_deref(), Some(&seg[..32]));
    assert_eq!(r[1].0.as_deref(), Some(&seg[32..48]));
}

/// nfacctd's `vxlan` as pmacct 1.7.9+ reads it (layer2SegmentId of 8 octets, type 1, octets
/// 5-7; 1.7.7 reads one octet past the element) and pmacct 1.8's ordinary `flow_label` (the
/// last IE 31: 4 octets in IPFIX, the first 3 at the front in v9), for any flow type.
#[test]
fn vxlan_and_flow_label_as_pmacct_1_8() {
    let mut dec = NetflowDecoder::new(Limits::default());
    let decode = |dec: &mut NetflowDecoder, d: &[u8]| {
        let mut v = Vec::new();
        dec.decode(ip(), d, |r| {
            v.push((r.tunnel.vxlan, r.tunnel.nvgre, r.tunnel.ip_flow_label))
        })
        .unwrap();
        v
    };
    let l2 = |kind: u8, id: [u8; 3]| [kind, 0xAA, 0xBB, 0xCC, 0xDD, id[0], id[1], id[2]];
    let t: &[(u16, u16)] = &[(8, 4), (1, 4), (351, 8)];
    let rec = |seg: [u8; 8]| Buf::default().bytes(&[10, 0, 0, 1]).u32(1).bytes(&seg).0;
    let data = [
        rec(l2(1, [0x0A, 0x0B, 0x0C])),
        rec(l2(2, [0, 0x10, 0x01])),
        rec(l2(0, [0, 0, 7])),
        rec(l2(1, [0xFF, 0xFF, 0xFF])),
    ]
    .concat();
    let r = decode(
        &mut dec,
        &ipfix(1, 1, 7, &[set(2, &template(320, t)), set(320, &data)]),
    );
    assert_eq!(
        r,
        [
            (0x0A0B0C, 0, 0),
            (0, 0x1001, 0),
            (0, 0, 0),
            (0xFF_FFFF, 0, 0)
        ]
    );
    // a 4-octet element is not read; the last of two 8-octet ones is
    let t4: &[(u16, u16)] = &[(8, 4), (351, 4)];
    let t2: &[(u16, u16)] = &[(8, 4), (351, 8), (351, 8)];
    let r = decode(
        &mut dec,
        &ipfix(
            2,
            2,
            7,
            &[
                set(2, &[template(321, t4), template(322, t2)].concat()),
                set(321, &[10, 0, 0, 1, 1, 0, 0, 9]),
                set(
                    322,
                    &[&[10, 0, 0, 1][..], &l2(1, [0, 0, 1]), &l2(1, [0, 0, 2])].concat(),
                ),
            ],
        ),
    );
    assert_eq!(r, [(0, 0, 0), (2, 0, 0)]);
    // flowLabelIPv6: IPFIX 4 octets; the last of a repeated element (not an SRv6 template)
    let t6: &[(u16, u16)] = &[(27, 16), (4, 1), (1, 4), (31, 4), (31, 4)];
    let v6 = |a: u32, b: u32| {
        Buf::default()
            .bytes(&[0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
            .u8(6)
            .u32(1)
            .u32(a)
            .u32(b)
            .0
    };
    let r = decode(
        &mut dec,
        &ipfix(
            3,
            3,
            7,
            &[set(2, &template(323, t6)), set(323, &v6(0x1111, 0xA_BCDE))],
        ),
    );
    assert_eq!(r, [(0, 0, 0xA_BCDE)]);
    // NetFlow v9: a 3-octet FLOW_LABEL lands in the top 3 octets (pmacct copies 3 octets to
    // the front of a 32-bit field); a 2-octet one in the top 2
    let t9: &[(u16, u16)] = &[(27, 16), (1, 4), (31, 3), (351, 8)];
    let t9s: &[(u16, u16)] = &[(27, 16), (1, 4), (31, 2)];
    let addr = [0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    let r = decode(
        &mut dec,
        &v9(
            4,
            100_000,
            1_700_000_000,
            1,
            7,
            &[
                set(0, &[template(324, t9), template(325, t9s)].concat()),
                set(
                    324,
                    &Buf::default()
                        .bytes(&addr)
                        .u32(1)
                        .bytes(&[0x0A, 0xBC, 0xDE])
                        .bytes(&l2(1, [1, 2, 3]))
                        .0,
                ),
                set(
                    325,
                    &Buf::default().bytes(&addr).u32(1).bytes(&[0x12, 0x34]).0,
                ),
            ],
        ),
    );
    assert_eq!(r, [(0x01_0203, 0, 0x0ABC_DE00), (0, 0, 0x1234_0000)]);
}
