//! The template cache is bounded without losing a legitimate exporter's templates (issue 24,
//! item 2): no fixed 512 per exporter (pmacct 1.7.7 has no cap), a configurable cap with a
//! generous default, least-recently-announced eviction, every eviction counted.

mod support;

use pmacct_wire::netflow::{Limits, DEFAULT_MAX_TEMPLATES_PER_EXPORTER};
use pmacct_wire::{DropReason, NetflowDecoder};
use std::net::IpAddr;
use support::{ipfix, set, template};

const FIELDS: &[(u16, u16)] = &[(8, 4), (12, 4), (1, 8), (2, 8)];

/// One record for FIELDS: src, dst, bytes, packets.
fn record(n: u32) -> Vec<u8> {
    let mut r = Vec::new();
    r.extend_from_slice(&(0x0A00_0000 + n).to_be_bytes());
    r.extend_from_slice(&[192, 0, 2, 1]);
    r.extend_from_slice(&(100 + n as u64).to_be_bytes());
    r.extend_from_slice(&1u64.to_be_bytes());
    r
}

/// An exporter announcing `n` templates (ids 256..), then one data record per template:
/// returns (records decoded, records lost for want of a template).
fn many_templates(limits: Limits, n: u16) -> (u64, u64, u64) {
    let ip: IpAddr = "192.0.2.1".parse().unwrap();
    let mut dec = NetflowDecoder::new(limits);
    let mut seq = 0;
    for chunk in (0..n).collect::<Vec<_>>().chunks(50) {
        let sets: Vec<Vec<u8>> = chunk
            .iter()
            .map(|k| set(2, &template(256 + k, FIELDS)))
            .collect();
        seq += 1;
        let s = dec.decode(ip, &ipfix(1, seq, 7, &sets), |_| {}).unwrap();
        assert_eq!(s.templates as usize, chunk.len());
    }
    let (mut got, mut lost) = (0u64, 0u64);
    for chunk in (0..n).collect::<Vec<_>>().chunks(50) {
        let sets: Vec<Vec<u8>> = chunk
            .iter()
            .map(|k| set(256 + k, &record(*k as u32)))
            .collect();
        seq += 1;
        let s = dec.decode(ip, &ipfix(1, seq, 7, &sets), |_| {}).unwrap();
        got += s.records as u64;
        lost += s.dropped(DropReason::NoTemplate) as u64;
    }
    (got, lost, dec.templates().stats().evictions)
}

#[test]
fn an_exporter_with_2000_templates_loses_nothing() {
    const { assert!(DEFAULT_MAX_TEMPLATES_PER_EXPORTER >= 65_536) };
    // Default cap.
    assert_eq!(many_templates(Limits::default(), 2000), (2000, 0, 0));
    // Cap set to just what the exporter needs.
    let raised = Limits {
        max_templates_per_exporter: 2000,
        ..Limits::default()
    };
    assert_eq!(many_templates(raised, 2000), (2000, 0, 0));
    // A cap below it (the old fixed 512) loses the least recently announced ones, counted.
    let low = Limits {
        max_templates_per_exporter: 512,
        ..Limits::default()
    };
    let (got, lost, evicted) = many_templates(low, 2000);
    assert_eq!((got, lost, evicted), (512, 1488, 1488));
}

#[test]
fn eviction_is_least_recently_announced() {
    let ip: IpAddr = "192.0.2.1".parse().unwrap();
    let limits = Limits {
        max_templates_per_exporter: 3,
        ..Limits::default()
    };
    let mut dec = NetflowDecoder::new(limits);
    let t = |id| set(2, &template(id, FIELDS));
    dec.decode(ip, &ipfix(1, 1, 0, &[t(256), t(257), t(258)]), |_| {})
        .unwrap();
    // 256 re-announced (unchanged): 257 is now the oldest.
    dec.decode(ip, &ipfix(1, 2, 0, &[t(256)]), |_| {}).unwrap();
    dec.decode(ip, &ipfix(1, 3, 0, &[t(259)]), |_| {}).unwrap();
    let c = dec.templates();
    assert!(c.peek(ip, 0, 256).is_some());
    assert!(c.peek(ip, 0, 257).is_none());
    assert!(c.peek(ip, 0, 258).is_some() && c.peek(ip, 0, 259).is_some());
    assert_eq!(c.stats().evictions, 1);
    // Withdrawn templates leave the eviction order too (no stale victim).
    let withdraw = set(2, &support::Buf::default().u16(258).u16(0).0);
    dec.decode(ip, &ipfix(1, 4, 0, &[withdraw]), |_| {})
        .unwrap();
    dec.decode(ip, &ipfix(1, 5, 0, &[t(260)]), |_| {}).unwrap();
    let c = dec.templates();
    assert_eq!(c.len(), 3);
    assert_eq!(c.stats().evictions, 1);
}

/// 100,000 template ids (over 2 observation domains) from one address: the cache stays at
/// its cap, evictions are counted, and another exporter's templates are untouched.
#[test]
fn template_id_flood_stays_bounded_and_spares_other_exporters() {
    let legit: IpAddr = "192.0.2.1".parse().unwrap();
    let attacker: IpAddr = "198.51.100.9".parse().unwrap();
    let mut dec = NetflowDecoder::new(Limits::default());
    let sets: Vec<Vec<u8>> = (0..20u16)
        .map(|k| set(2, &template(256 + k, FIELDS)))
        .collect();
    dec.decode(legit, &ipfix(1, 1, 1, &sets), |_| {}).unwrap();
    let mut n = 0u32;
    let mut seq = 0;
    'flood: for domain in 0..2u32 {
        for base in (256u32..65536).step_by(100) {
            let sets: Vec<Vec<u8>> = (base..(base + 100).min(65536))
                .map(|id| set(2, &template(id as u16, FIELDS)))
                .collect();
            seq += 1;
            n += sets.len() as u32;
            dec.decode(attacker, &ipfix(1, seq, domain, &sets), |_| {})
                .unwrap();
            if n >= 100_000 {
                break 'flood;
            }
        }
    }
    let c = dec.templates();
    let cap = DEFAULT_MAX_TEMPLATES_PER_EXPORTER;
    assert_eq!(c.len(), 20 + cap, "{:?}", c.stats());
    assert_eq!(c.stats().evictions, n as u64 - cap as u64);
    for id in 256..276 {
        assert!(
            c.peek(legit, 1, id).is_some(),
            "legit template {id} evicted"
        );
    }
}
