//! sFlow decoder details the sfacctd differential cannot show (counter samples, records
//! sfacctd ignores, pmacct data loss we fix) and hostile input: truncation at every offset,
//! lying lengths, sample and record counts in the millions, random corruption.

mod support;

use pmacct_wire::sflow::{self, CounterRecord, DropReason, Sample, SflowSample};
use pmacct_wire::{CounterSample, FlowRecord, SflowDecoder, SflowError};
use std::net::IpAddr;

fn crafted() -> Vec<support::Packet> {
    support::read_pcap(&support::data_dir().join("sflow/sflow-crafted.pcap"))
}

fn all_datagrams() -> Vec<Vec<u8>> {
    let mut v = Vec::new();
    for n in ["1", "2", "3", "q", "crafted"] {
        for p in support::read_pcap(&support::data_dir().join(format!("sflow/sflow-{n}.pcap"))) {
            v.push(p.payload);
        }
    }
    v
}

fn src() -> IpAddr {
    "192.0.2.50".parse().unwrap()
}

/// Flow samples and counter samples of one datagram, owned copies of what tests look at.
fn samples(d: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut flows = Vec::new();
    let mut counters = Vec::new();
    sflow::walk(src(), d, |s| match s {
        Sample::Flow(f) => flows.push(format!("{f:?}")),
        Sample::Counters(c) => counters.push(c.records().map(|r| format!("{r:?}")).collect()),
    })
    .unwrap();
    (flows, counters)
}

fn with_counters<T>(d: &[u8], f: impl Fn(&CounterSample) -> T) -> Vec<T> {
    let mut out = Vec::new();
    SflowDecoder::new()
        .decode_with_counters(src(), d, |_, _| {}, |c| out.push(f(c)))
        .unwrap();
    out
}

fn with_flows<T>(d: &[u8], f: impl Fn(&SflowSample) -> T) -> Vec<T> {
    let mut out = Vec::new();
    sflow::walk(src(), d, |s| {
        if let Sample::Flow(s) = s {
            out.push(f(s))
        }
    })
    .unwrap();
    out
}

#[test]
fn v5_counter_samples_are_parsed() {
    let c = crafted();
    // Frame 3: generic + ethernet, then vlan + processor + an unknown format.
    let recs = with_counters(&c[2].payload, |c| {
        (
            c.sequence,
            c.source_id_index,
            c.records().collect::<Vec<_>>().len(),
        )
    });
    assert_eq!(recs, vec![(9, 4, 2), (10, 5, 3)]);
    let mut generic = None;
    let mut others = Vec::new();
    SflowDecoder::new()
        .decode_with_counters(
            src(),
            &c[2].payload,
            |_, _| {},
            |cs| {
                for r in cs.records() {
                    match r {
                        CounterRecord::Generic(g) => generic = Some(g),
                        r => others.push(format!("{r:?}")),
                    }
                }
            },
        )
        .unwrap();
    let g = generic.unwrap();
    assert_eq!(
        (
            g.if_index,
            g.if_type,
            g.if_speed,
            g.if_direction,
            g.if_status
        ),
        (4, 6, 1_000_000_000, 1, 3)
    );
    assert_eq!(
        (g.if_in_octets, g.if_in_ucast_pkts, g.if_in_errors),
        (123456789012, 1000, 5)
    );
    assert_eq!(
        (g.if_out_octets, g.if_out_ucast_pkts, g.if_out_errors),
        (987654321, 2000, 8)
    );
    assert!(others[0].starts_with("Ethernet(EthCounters { alignment_errors: 1, fcs_errors: 2"));
    assert!(others[0].ends_with("symbol_errors: 13 })"));
    assert_eq!(
        others[1],
        "Vlan(VlanCounters { vlan_id: 42, octets: 5555, ucast_pkts: 11, multicast_pkts: 12, \
         broadcast_pkts: 13, discards: 14 })"
    );
    assert_eq!(
        others[2],
        "Processor(ProcessorCounters { cpu_5s: 1500, cpu_1m: 2500, cpu_5m: 3500, \
         total_memory: 8589934592, free_memory: 2147483648 })"
    );
    assert_eq!(
        others[3],
        format!(
            "Other {{ format: {}, data: [97, 98, 99, 100] }}",
            (4300 << 12) | 5
        )
    );
}

#[test]
fn expanded_and_v2v4_counter_samples() {
    let c = crafted();
    // Frame 2: expanded counters (index 1000000 does not fit the compact form).
    let v = with_counters(&c[1].payload, |c| {
        (c.sample_type, c.source_id_index, c.records().count())
    });
    assert_eq!(v, vec![(4, 1_000_000, 2)]);
    // Frame 6 (v4): counters version 2 = generic + ethernet blocks.
    let (_, counters) = samples(&c[5].payload);
    assert_eq!(counters.len(), 1);
    assert!(counters[0][0].starts_with("Generic(IfCounters { if_index: 6,"));
    assert!(counters[0][1].starts_with("Ethernet("));
    let v = with_counters(&c[5].payload, |c| (c.sampling_interval, c.v2v4_version));
    assert_eq!(v, vec![(30, 2)]);
    // Frame 7 (v2): counters version 7 = vlan.
    let (_, counters) = samples(&c[6].payload);
    assert!(counters[0][0].starts_with("Vlan(VlanCounters { vlan_id: 42,"));
}

#[test]
fn extended_records_sfacctd_does_not_print() {
    let c = crafted();
    let v = with_flows(&c[0].payload, |s| {
        (
            s.user
                .map(|u| (u.src_charset, u.src_user.to_vec(), u.dst_user.to_vec())),
            s.url
                .map(|u| (u.direction, u.url.to_vec(), u.host.to_vec())),
            s.mpls.map(|m| {
                (
                    m.next_hop,
                    m.in_stack.entries().map(|e| e >> 12).collect::<Vec<_>>(),
                    m.out_stack.depth(),
                )
            }),
            s.nat,
            s.vni_egress,
            s.unknown_records,
            s.gateway
                .map(|g| (g.as_number, g.dst_as_path.segment_count())),
        )
    });
    let (user, url, mpls, nat, vni, unknown, gw) = v[0].clone();
    assert_eq!(user, Some((106, b"alice".to_vec(), b"bob".to_vec())));
    assert_eq!(
        url,
        Some((1, b"http://example.org/a".to_vec(), b"example.org".to_vec()))
    );
    assert_eq!(
        mpls,
        Some((Some("192.0.2.2".parse().unwrap()), vec![1000, 2000], 1))
    );
    assert_eq!(
        nat,
        Some((
            Some("198.51.100.1".parse().unwrap()),
            Some("198.51.100.2".parse().unwrap())
        ))
    );
    assert_eq!((vni, unknown, gw), (Some(77), 1, Some((65000, 2))));

    // The record: MPLS labels from the extended MPLS record, NAT addresses, masks.
    let mut recs = Vec::new();
    SflowDecoder::new()
        .decode(src(), &c[0].payload, |r: &FlowRecord, _: &SflowSample| {
            recs.push((
                r.mpls_label_top,
                r.mpls_label_bottom,
                r.mpls_stack_depth,
                r.post_nat_src_addr,
                r.next_hop,
                r.bgp_next_hop,
                r.src_as,
                r.dst_as,
            ))
        })
        .unwrap();
    assert_eq!(
        recs[0],
        (
            1000,
            2000,
            2,
            Some("198.51.100.1".parse().unwrap()),
            Some("192.0.2.1".parse().unwrap()),
            Some("192.0.2.254".parse().unwrap()),
            65001,
            65012
        )
    );
}

/// Hand-built datagram pieces.
fn u32s(v: &[u32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_be_bytes()).collect()
}

fn v2_gateway_datagram() -> Vec<u8> {
    let mut d = u32s(&[2, 1, 0xC000_0201, 1, 0, 1]);
    // flow sample: seq, id, rate, pool, drops, in, out, type IPv4 record
    d.extend(u32s(&[1, 5, 3, 64, 640, 0, 1, 2, 2]));
    d.extend(u32s(&[60, 6, 0x0A00_0001, 0x0A00_0002, 1000, 80, 0x12, 0]));
    // one extended record: gateway v2 with a flat path of three ASNs
    d.extend(u32s(&[1, 3, 100, 101, 102, 3, 7000, 7001, 7002]));
    d
}

#[test]
fn v2_as_path_and_ipv4_record_tcp_flags() {
    // sfacctd 1.7.7 reads neither (its v2 path pointer is never set; it skips the IPv4
    // record's tcp_flags): we do, see docs/COMPATIBILITY.md.
    let d = v2_gateway_datagram();
    let mut got = Vec::new();
    let stats = SflowDecoder::new()
        .decode(src(), &d, |r, s| {
            let g = s.gateway.unwrap();
            got.push((
                r.dst_as,
                g.dst_peer_as(),
                g.dst_as_path.asns().collect::<Vec<_>>(),
                r.tcp_flags,
                r.bytes,
                r.src_port,
            ))
        })
        .unwrap();
    assert_eq!(stats.records, 1, "{stats:?}");
    assert_eq!(
        got,
        vec![(7002, 7000, vec![7000, 7001, 7002], 0x12, 60, 1000)]
    );
}

#[test]
fn header_errors() {
    assert_eq!(
        SflowDecoder::new().decode(src(), &[], |_, _| {}),
        Err(SflowError::Truncated)
    );
    assert_eq!(
        SflowDecoder::new().decode(src(), &u32s(&[3, 1, 1, 1, 1, 0]), |_, _| {}),
        Err(SflowError::UnsupportedVersion(3))
    );
    assert_eq!(
        SflowDecoder::new().decode(src(), &u32s(&[5, 9, 1, 1, 1, 1, 0]), |_, _| {}),
        Err(SflowError::AgentAddressType(9))
    );
    assert_eq!(
        SflowError::AgentAddressType(9).as_str(),
        "bad_agent_address_type"
    );
}

#[test]
fn truncation_at_every_offset() {
    for d in all_datagrams() {
        let full = SflowDecoder::new().decode(src(), &d, |_, _| {}).unwrap();
        for n in 0..d.len() {
            let mut recs = 0;
            match SflowDecoder::new().decode(src(), &d[..n], |_, _| recs += 1) {
                Ok(s) => {
                    assert!(recs <= full.records);
                    assert_eq!(s.records, recs);
                    // Something was lost, and said so.
                    assert!(s.total_dropped() > 0 || recs < full.records || full.samples == 0);
                }
                Err(e) => assert_eq!(e, SflowError::Truncated, "{n}"),
            }
        }
    }
}

#[test]
fn lying_lengths_and_counts() {
    let d = &crafted()[0].payload;
    // Sample count in the millions: the two real samples decode, then it stops.
    let mut big = d.clone();
    big[24..28].copy_from_slice(&u32::MAX.to_be_bytes());
    let s = SflowDecoder::new().decode(src(), &big, |_, _| {}).unwrap();
    assert_eq!((s.records, s.dropped(DropReason::SampleTruncated)), (2, 1));
    // First sample length huge: that sample and the rest are lost.
    let mut l = d.clone();
    l[32..36].copy_from_slice(&0x7fff_fff0u32.to_be_bytes());
    let s = SflowDecoder::new().decode(src(), &l, |_, _| {}).unwrap();
    assert_eq!((s.records, s.dropped(DropReason::SampleLength)), (0, 1));
    // Record count of the first sample in the millions: that sample only is dropped.
    let mut r = d.clone();
    r[64..68].copy_from_slice(&0x00ff_ffffu32.to_be_bytes());
    let s = SflowDecoder::new().decode(src(), &r, |_, _| {}).unwrap();
    assert_eq!((s.records, s.dropped(DropReason::RecordLength)), (1, 1));
    // First record (raw header) length beyond its sample.
    let mut h = d.clone();
    h[72..76].copy_from_slice(&0xffff_0000u32.to_be_bytes());
    let s = SflowDecoder::new().decode(src(), &h, |_, _| {}).unwrap();
    assert_eq!((s.records, s.dropped(DropReason::RecordLength)), (1, 1));
    // Header length inside the raw header record lying (larger than the record).
    let mut hl = d.clone();
    hl[88..92].copy_from_slice(&1000u32.to_be_bytes());
    let s = SflowDecoder::new().decode(src(), &hl, |_, _| {}).unwrap();
    assert_eq!((s.records, s.dropped(DropReason::RecordMalformed)), (1, 1));
    // v2: extended record count in the millions.
    let mut v2 = v2_gateway_datagram();
    let at = v2.len() - 36;
    v2[at..at + 4].copy_from_slice(&u32::MAX.to_be_bytes());
    let s = SflowDecoder::new().decode(src(), &v2, |_, _| {}).unwrap();
    assert_eq!((s.records, s.dropped(DropReason::SampleTruncated)), (0, 1));
    for r in DropReason::ALL {
        assert!(!r.as_str().is_empty());
    }
}

/// A deterministic xorshift generator from `x` (not 0).
fn xorshift(mut x: u64) -> impl FnMut() -> u64 {
    move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    }
}

#[test]
fn random_corruption_never_panics() {
    // Flip bytes, overwrite words with boundary values.
    let mut next = xorshift(0x9e37_79b9_7f4a_7c15);
    let datagrams = all_datagrams();
    let mut dec = SflowDecoder::new();
    let mut emitted = 0u64;
    for round in 0..20_000 {
        let mut d = datagrams[round % datagrams.len()].clone();
        for _ in 0..(1 + next() % 4) {
            if d.is_empty() {
                break;
            }
            let at = (next() as usize) % d.len();
            match next() % 3 {
                0 => d[at] = next() as u8,
                1 => {
                    let v = [0u32, 1, 0xffff_ffff, 0x8000_0000, 0x7fff_ffff][next() as usize % 5];
                    let at = at & !3;
                    if at + 4 <= d.len() {
                        d[at..at + 4].copy_from_slice(&v.to_be_bytes());
                    }
                }
                _ => d.truncate(at),
            }
        }
        if let Ok(s) = dec.decode_with_counters(
            src(),
            &d,
            |r, _| {
                emitted += 1;
                assert_eq!(r.packets, 1);
            },
            |c| {
                for r in c.records() {
                    let _ = r;
                }
            },
        ) {
            assert!(s.records <= s.flow_samples);
        }
    }
    assert!(emitted > 10_000, "{emitted}");
}

/// The leads path (`decode_leads_with_counters`) gives what the records path's records lead
/// with (`FlowRecord::lead`), sample by sample, with the same stats: on every datagram of
/// the captures and on corrupted copies of them (other ethertypes, protocols, masks, ASNs).
#[test]
fn leads_are_the_records_leads() {
    let mut next = xorshift(0x2545_f491_4f6c_dd1d);
    let datagrams = all_datagrams();
    let mut dec = SflowDecoder::new();
    let (mut compared, mut decoded, mut plain) = (0usize, 0usize, 0usize);
    for round in 0..20_000 {
        let mut d = datagrams[round % datagrams.len()].clone();
        // The first pass over the captures as they are.
        if round >= datagrams.len() {
            for _ in 0..(1 + next() % 3) {
                let at = (next() as usize) % d.len().max(1);
                if let Some(b) = d.get_mut(at) {
                    *b = next() as u8;
                }
            }
        }
        let mut want = Vec::new();
        let a = dec.decode_with_counters(
            src(),
            &d,
            |r, s| want.push((r.lead(), s.sampling_rate, s.tag.unwrap_or((0, 0)))),
            |_| {},
        );
        // Plain samples' leads read straight from the datagram, and every lead from its
        // decoded sample (`with_whole_samples`): both as the records path.
        for whole in [false, true] {
            let mut dec = SflowDecoder::new().with_whole_samples(whole);
            let mut got = Vec::new();
            let b = dec.decode_leads_with_counters(
                src(),
                &d,
                |l, s| {
                    plain += usize::from(s.sample.is_none());
                    assert!(!whole || s.sample.is_some());
                    got.push((*l, s.sampling_rate, s.tag));
                },
                |_| {},
            );
            assert_eq!(got, want, "round {round}, whole samples {whole}");
            assert_eq!(format!("{a:?}"), format!("{b:?}"), "round {round}");
        }
        compared += want.len();
        decoded += usize::from(a.is_ok());
    }
    eprintln!("{compared} leads ({plain} plain) of {decoded} datagrams");
    assert!(
        compared > 50_000 && decoded > 10_000 && plain > 20_000 && plain < compared,
        "{compared} leads ({plain} plain) of {decoded} datagrams"
    );
}

/// Plain-lead edges, built: flow samples (compact and expanded) whose sampled header is
/// drawn from the shapes the plain path reads and those it must leave to the general path
/// (VLAN tags, LLC, ARP, IPv4 options, fragments, IP-in-IP, IPv6 extension headers and
/// tunnels, ICMP, cut transport headers), with and without switch, router and unknown
/// records: the leads path gives the records path's leads, rates and tags, sample by sample.
#[test]
fn plain_leads_over_built_headers() {
    let mut next = xorshift(0x9e37_79b9_7f4a_7c15);
    let mut pick = |n: u64| -> u64 { next() % n };
    let (mut compared, mut plain) = (0usize, 0usize);
    for round in 0..40_000 {
        let mut frame = vec![0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
        let vlan = pick(4);
        if vlan > 0 {
            frame.extend_from_slice(&[0x81, 0x00, 0x20 | pick(16) as u8, 0x05]);
        }
        if vlan == 3 {
            frame.extend_from_slice(&[0x81, 0x00, 0x00, 0x07]);
        }
        let l4 = |frame: &mut Vec<u8>, proto: u8, pick: &mut dyn FnMut(u64) -> u64| {
            let n = match proto {
                6 => 20,
                17 => 8,
                _ => 8,
            };
            for i in 0..n {
                frame.push(if i == 13 {
                    pick(256) as u8
                } else {
                    (i * 7 + 1) as u8
                });
            }
        };
        let protos = [1u8, 4, 6, 6, 17, 17, 41, 47, 58, 0, 43, 44, 51, 60, 135];
        match pick(5) {
            0 | 1 => {
                frame.extend_from_slice(&[0x08, 0x00]);
                let ihl = [5u8, 5, 5, 6, 4, 15][pick(6) as usize];
                let version = if pick(20) == 0 { 6 } else { 4 };
                let proto = protos[pick(protos.len() as u64) as usize];
                let frag: u16 = [0, 0, 0x2000, 0x0001, 0x4000][pick(5) as usize];
                let mut h = vec![version << 4 | ihl, pick(256) as u8, 0, 60, 0, 1];
                h.extend_from_slice(&frag.to_be_bytes());
                h.extend_from_slice(&[64, proto, 0, 0, 10, 0, 0, 1, 192, 0, 2, 7]);
                h.resize(usize::from(ihl.max(5)) * 4, 1);
                frame.extend_from_slice(&h);
                l4(&mut frame, proto, &mut pick);
            }
            2 | 3 => {
                frame.extend_from_slice(&[0x86, 0xdd]);
                let version = if pick(20) == 0 { 4 } else { 6 };
                let nh = protos[pick(protos.len() as u64) as usize];
                frame.extend_from_slice(&[version << 4 | pick(16) as u8, pick(256) as u8, 1, 2]);
                frame.extend_from_slice(&[0, 40, nh, 64]);
                for i in 0..32 {
                    frame.push(i as u8 * 3);
                }
                l4(&mut frame, nh, &mut pick);
            }
            _ => {
                let etype: [u8; 2] =
                    [[0x08, 0x06], [0x00, 0x40], [0x88, 0x47], [0x88, 0xa8]][pick(4) as usize];
                frame.extend_from_slice(&etype);
                frame.extend_from_slice(&[0x45, 0, 0, 40, 0, 0, 0, 0, 64, 6]);
                frame.resize(frame.len() + 30, 9);
            }
        }
        if pick(4) == 0 {
            let keep = pick(frame.len() as u64 + 1) as usize;
            frame.truncate(keep);
        }
        let header_protocol = if pick(10) == 0 { 11 } else { 1 };
        let mut records: Vec<(u32, Vec<u8>)> = Vec::new();
        let mut hdr = Vec::new();
        for w in [header_protocol, 1500, 4, frame.len() as u32] {
            hdr.extend_from_slice(&w.to_be_bytes());
        }
        hdr.extend_from_slice(&frame);
        while hdr.len() % 4 != 0 {
            hdr.push(0);
        }
        records.push((1, hdr));
        for _ in 0..pick(3) {
            let (fmt, len) = [
                (1001, 16),
                (1001, 16),
                (1001, 12),
                (1002, 16),
                (9999, 8),
                (1, 0),
            ][pick(6) as usize];
            let mut body = Vec::new();
            if fmt == 1002 {
                body.extend_from_slice(&[0, 0, 0, 1, 10, 0, 0, 254, 0, 0, 0, 24, 0, 0, 0, 16]);
            } else {
                body.resize(len, 3);
            }
            let at = pick(records.len() as u64 + 1) as usize;
            records.insert(at, (fmt, body));
        }
        let expanded = pick(2) == 0;
        let mut sample = Vec::new();
        let words: &[u32] = if expanded {
            &[7, 0, 3, 512, 9000, 0, 0, 4, 0, 5, records.len() as u32]
        } else {
            &[7, 3, 256, 9000, 0, 4, 0x4000_0005, records.len() as u32]
        };
        for w in words {
            sample.extend_from_slice(&w.to_be_bytes());
        }
        for (fmt, body) in &records {
            sample.extend_from_slice(&fmt.to_be_bytes());
            sample.extend_from_slice(&(body.len() as u32).to_be_bytes());
            sample.extend_from_slice(body);
        }
        let mut d = Vec::new();
        for w in [5u32, 1, 0xc000_0201, 0, round, 1000, 1] {
            d.extend_from_slice(&w.to_be_bytes());
        }
        d.extend_from_slice(&(if expanded { 3u32 } else { 1 }).to_be_bytes());
        d.extend_from_slice(&(sample.len() as u32).to_be_bytes());
        d.extend_from_slice(&sample);

        let mut want = Vec::new();
        let a = SflowDecoder::new().decode_with_counters(
            src(),
            &d,
            |r, s| want.push((r.lead(), s.sampling_rate, s.tag.unwrap_or((0, 0)))),
            |_| {},
        );
        let mut got = Vec::new();
        let b = SflowDecoder::new().decode_leads_with_counters(
            src(),
            &d,
            |l, s| {
                plain += usize::from(s.sample.is_none());
                got.push((*l, s.sampling_rate, s.tag));
            },
            |_| {},
        );
        assert_eq!(got, want, "round {round}: {d:02x?}");
        assert_eq!(format!("{a:?}"), format!("{b:?}"), "round {round}");
        compared += want.len();
    }
    eprintln!("{compared} leads, {plain} plain");
    assert!(compared > 20_000 && plain > 3_000 && plain < compared / 2);
}
