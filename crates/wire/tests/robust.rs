//! Hostile input: truncation at every byte offset, lying lengths and counts, zero and maximal
//! values, template floods. Nothing may panic; every rejection is a typed error or a counted
//! drop, and nothing is emitted from bytes that are not there.

mod support;

use pmacct_wire::netflow::Limits;
use pmacct_wire::{DecodeError, DropReason, NetflowDecoder};
use std::net::IpAddr;
use support::{ipfix, set, template, v9, Buf};

fn datagrams() -> Vec<(IpAddr, Vec<u8>)> {
    let mut v = Vec::new();
    let mut pcaps = support::corpus_pcaps();
    for n in [
        "softflowd-v5.pcap",
        "softflowd-v9.pcap",
        "softflowd-ipfix.pcap",
    ] {
        pcaps.push(support::data_dir().join(n));
    }
    for p in pcaps {
        // The big captures are sampled: the first 150 datagrams of each hold every template.
        for pkt in support::read_pcap(&p).into_iter().take(150) {
            v.push((pkt.src, pkt.payload));
        }
    }
    v
}

/// A decoder that has seen every template (so truncations reach the data paths).
fn warm(dgrams: &[(IpAddr, Vec<u8>)]) -> NetflowDecoder {
    let mut dec = NetflowDecoder::new(Limits::default());
    for (src, d) in dgrams {
        let _ = dec.decode(*src, d, |_| {});
    }
    dec
}

#[test]
fn truncation_at_every_offset() {
    let dgrams = datagrams();
    let mut dec = warm(&dgrams);
    let mut cuts = 0u64;
    let mut errors = 0u64;
    for (src, d) in &dgrams {
        let full = dec.decode(*src, d, |_| {}).map(|s| s.records).unwrap_or(0);
        for cut in 0..d.len() {
            let mut n = 0u32;
            match dec.decode(*src, &d[..cut], |_| n += 1) {
                Ok(s) => {
                    assert_eq!(s.records, n);
                    assert!(
                        n <= full,
                        "a truncated datagram gave more records than the whole"
                    );
                }
                Err(e) => {
                    assert!(!e.as_str().is_empty());
                    errors += 1;
                }
            }
            cuts += 1;
        }
    }
    assert!(cuts > 100_000, "{cuts}");
    assert!(errors > 0);
}

#[test]
fn lying_lengths_and_counts() {
    let dgrams = datagrams();
    let mut dec = warm(&dgrams);
    let mut runs = 0u64;
    for (src, d) in dgrams.iter().step_by(3) {
        // Every 16-bit word set to 0, 1, 3, 4, 0x7FFF, 0xFFFF in turn: covers the header
        // count/length, set lengths, template ids, field counts and field lengths.
        for off in (0..d.len().saturating_sub(1)).step_by(2) {
            for v in [0u16, 1, 3, 4, 0x7FFF, 0xFFFF] {
                let mut m = d.clone();
                m[off..off + 2].copy_from_slice(&v.to_be_bytes());
                let _ = dec.decode(*src, &m, |r| {
                    // Touch the raw view: it must stay inside the datagram.
                    if let Some(raw) = r.raw {
                        assert!(raw.data.len() <= m.len());
                        let _ = raw.element(0, 8);
                    }
                });
                runs += 1;
            }
        }
    }
    assert!(runs > 50_000, "{runs}");
    // The cache stayed within its caps whatever it was fed.
    let l = dec.templates().limits();
    assert!(dec.templates().exporter_count() <= l.max_exporters);
}

#[test]
fn whole_datagram_errors_are_typed() {
    let mut dec = NetflowDecoder::new(Limits::default());
    let ip: IpAddr = "192.0.2.1".parse().unwrap();
    assert_eq!(dec.decode(ip, &[], |_| {}), Err(DecodeError::Truncated));
    assert_eq!(
        dec.decode(ip, &[0, 5, 0], |_| {}),
        Err(DecodeError::Truncated)
    );
    assert_eq!(
        dec.decode(ip, &[0, 6, 0, 0], |_| {}).unwrap_err().as_str(),
        "unsupported_version"
    );
    // v5 saying 30 records with none present.
    let mut v5 = Buf::default().u16(5).u16(30).bytes(&[0; 20]).0;
    assert_eq!(dec.decode(ip, &v5, |_| {}), Err(DecodeError::CountMismatch));
    v5[3] = 0;
    assert_eq!(dec.decode(ip, &v5, |_| {}).unwrap().records, 0);
    // IPFIX length past the datagram, and under its header.
    let mut m = ipfix(1, 1, 1, &[]);
    m[2..4].copy_from_slice(&100u16.to_be_bytes());
    assert_eq!(dec.decode(ip, &m, |_| {}), Err(DecodeError::LengthMismatch));
    m[2..4].copy_from_slice(&8u16.to_be_bytes());
    assert_eq!(dec.decode(ip, &m, |_| {}), Err(DecodeError::LengthMismatch));
    // v8 with an aggregation scheme that does not exist.
    let v8 = Buf::default()
        .u16(8)
        .u16(0)
        .bytes(&[0; 18])
        .u8(99)
        .bytes(&[0; 5])
        .0;
    assert_eq!(
        dec.decode(ip, &v8, |_| {}),
        Err(DecodeError::UnknownAggregation(99))
    );
}

#[test]
fn zero_length_sets_and_fields() {
    let mut dec = NetflowDecoder::new(Limits::default());
    let ip: IpAddr = "192.0.2.1".parse().unwrap();
    // A set whose length is 0 would loop forever if trusted.
    let m = ipfix(1, 1, 1, &[Buf::default().u16(256).u16(0).bytes(&[0; 12]).0]);
    let s = dec.decode(ip, &m, |_| {}).unwrap();
    assert_eq!(s.dropped(DropReason::SetLength), 1);
    // A v9 flowset length 65535 in a short datagram.
    let m = v9(
        1,
        0,
        0,
        0,
        0,
        &[Buf::default().u16(0).u16(0xFFFF).bytes(&[0; 8]).0],
    );
    assert_eq!(
        dec.decode(ip, &m, |_| {})
            .unwrap()
            .dropped(DropReason::SetLength),
        1
    );
    // Template with a zero-length field: rejected and counted (quirk 9), its data orphaned.
    let t = set(2, &template(300, &[(8, 4), (12, 0), (2, 4)]));
    let d = set(300, &[10, 0, 0, 1, 0, 0, 0, 9]);
    let mut n = 0;
    let s = dec
        .decode(ip, &ipfix(1, 2, 1, &[t, d]), |_| n += 1)
        .unwrap();
    assert_eq!(
        (
            n,
            s.dropped(DropReason::TemplateZeroLengthField),
            s.dropped_no_template()
        ),
        (0, 1, 1)
    );
    assert_eq!(dec.templates().stats().rejected, 1);
}

#[test]
fn maximal_lengths_and_huge_templates() {
    let ip: IpAddr = "192.0.2.1".parse().unwrap();
    // 16,000 fields of 65534 bytes: a 64 KB template set, more fields than the default cap.
    let fields: Vec<(u16, u16)> = (0..16_000)
        .map(|i| (1000 + (i % 100) as u16, 65534))
        .collect();
    let t = set(2, &template(400, &fields));
    let mut dec = NetflowDecoder::new(Limits::default());
    let s = dec
        .decode(ip, &ipfix(1, 1, 1, std::slice::from_ref(&t)), |_| {})
        .unwrap();
    assert_eq!(s.dropped(DropReason::TemplateTooManyFields), 1);
    // With the cap raised the template is kept, and its (impossible) records simply never
    // fit in a set: the data set is padding, no work beyond its bytes.
    let limits = Limits {
        max_template_fields: 20_000,
        ..Limits::default()
    };
    let mut dec = NetflowDecoder::new(limits);
    let d = set(400, &[0xAB; 1000]);
    let s = dec.decode(ip, &ipfix(1, 1, 1, &[t, d]), |_| {}).unwrap();
    assert_eq!((s.templates, s.records, s.total_dropped()), (1, 0, 0));
    // Variable-length fields with 255 + 0xFFFF lengths that overrun the set: counted.
    let t = set(2, &template(401, &[(8, 4), (95, 0xFFFF)]));
    let d = set(401, &[10, 0, 0, 1, 255, 0xFF, 0xFF, 1, 2, 3]);
    let s = dec.decode(ip, &ipfix(1, 2, 1, &[t, d]), |_| {}).unwrap();
    assert_eq!(s.dropped(DropReason::RecordTruncated), 1);
    // A well-formed 3-byte-prefix varlen value decodes.
    let mut val = vec![10, 0, 0, 2, 255, 0x01, 0x00];
    val.extend_from_slice(&[7u8; 256]);
    let d = set(401, &val);
    let mut app = 0;
    let s = dec
        .decode(ip, &ipfix(1, 3, 1, &[d]), |r| {
            app = r.application_id.map_or(0, |a| a.len())
        })
        .unwrap();
    assert_eq!((s.records, app), (1, 256));
}

#[test]
fn template_flood_stays_bounded() {
    let limits = Limits {
        max_exporters: 64,
        max_templates_per_exporter: 32,
        ..Limits::default()
    };
    let mut dec = NetflowDecoder::new(limits);
    for e in 0..200u32 {
        let ip = IpAddr::from((0x0A00_0000 + e).to_be_bytes());
        for chunk in 0..10u16 {
            let sets: Vec<Vec<u8>> = (0..20u16)
                .map(|k| {
                    set(
                        2,
                        &template(256 + chunk * 20 + k, &[(8, 4), (12, 4), (1, 8)]),
                    )
                })
                .collect();
            let s = dec.decode(ip, &ipfix(1, 1, e, &sets), |_| {}).unwrap();
            assert_eq!(s.templates, 20);
        }
    }
    let c = dec.templates();
    assert!(c.exporter_count() <= 64);
    assert!(c.len() <= 64 * 32);
    let st = c.stats();
    assert_eq!(st.inserted, 200 * 200);
    assert!(st.evictions >= 200 * 200 - 64 * 32, "{st:?}");
    assert_eq!(st.exporter_evictions, 200 - 64);
}
