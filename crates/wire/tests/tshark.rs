//! Every record of every corpus datagram, decoded by us, equals tshark's decoding of the same
//! datagram (with pmacct's reading rules applied to tshark's raw values, see
//! tshark_expect.py). Runs when tshark and python3 are installed (CI installs them).

mod support;

use pmacct_wire::{Limits, NetflowDecoder};
use std::path::Path;

/// Decode a pcap with one decoder and compare it with tshark, frame by frame.
/// Returns the number of records compared.
pub fn compare_with_tshark(pcap: &Path) -> usize {
    compare_with_tshark_except(pcap, &|_, _| false)
}

/// As `compare_with_tshark`, not comparing the (frame, field) pairs `skip` names: where
/// tshark's reading is known to differ from pmacct's, pmacct wins and the caller says why.
pub fn compare_with_tshark_except(pcap: &Path, skip: &dyn Fn(usize, &str) -> bool) -> usize {
    let expected = support::expected_by_frame("tshark_expect.py", &[pcap.as_os_str()]);
    let mut dec = NetflowDecoder::new(Limits::default());
    let mut compared = 0;
    let mut frames = 0;
    let mut beyond_count = 0;
    for p in support::read_pcap(pcap) {
        let Some(exp) = expected.get(&p.frame) else {
            continue;
        };
        frames += 1;
        let mut ours = Vec::new();
        let res = dec.decode(p.src, &p.payload, |r| ours.push(support::normalize(r)));
        let stats = res.unwrap_or_else(|e| panic!("{} frame {}: {e}", pcap.display(), p.frame));
        let exp_recs = exp["records"].as_array().unwrap();
        let count = exp["count"].as_u64().unwrap_or(0) as u32;
        if stats.version == 9
            && ours.len() > exp_recs.len()
            && count <= stats.records + stats.templates
        {
            // tshark stops at the v9 header count; exporters (softflowd) miscount it, and we
            // read every flowset the datagram holds (quirk 2). The records tshark shows must
            // be our first ones.
            beyond_count += ours.len() - exp_recs.len();
            ours.truncate(exp_recs.len());
        }
        assert_eq!(
            ours.len(),
            exp_recs.len(),
            "{} frame {}: record count (stats {stats:?})",
            pcap.display(),
            p.frame
        );
        for (i, (o, e)) in ours.iter().zip(exp_recs).enumerate() {
            let at = format!("{} frame {} record {i}: field ", pcap.display(), p.frame);
            support::assert_fields(o, e, |k| skip(p.frame, k), &at);
            compared += 1;
        }
    }
    assert_eq!(
        frames,
        expected.len(),
        "{}: frames read vs tshark cflow frames",
        pcap.display()
    );
    if beyond_count > 0 {
        eprintln!(
            "{}: {beyond_count} records past the v9 header count (tshark stops there)",
            pcap.display()
        );
    }
    compared
}

#[test]
fn corpus_matches_tshark() {
    if !support::tshark_tools() {
        return;
    }
    let mut total = 0;
    for pcap in support::corpus_pcaps() {
        let n = compare_with_tshark(&pcap);
        eprintln!("{}: {n} records equal", pcap.display());
        assert!(n > 0, "{}: no records compared", pcap.display());
        total += n;
    }
    assert!(total > 9_000, "only {total} records compared");
}

/// softflowd 1.1.0 exports (-v 5, 9, 10) of tests/gen_traffic.py's synthetic traffic,
/// captured on lo (tests/data/softflowd-*.pcap).
#[test]
fn softflowd_exports_match_tshark() {
    if !support::tshark_tools() {
        return;
    }
    for (name, min) in [
        ("softflowd-v5.pcap", 2000),
        ("softflowd-v9.pcap", 2000),
        ("softflowd-ipfix.pcap", 2000),
    ] {
        let n = compare_with_tshark(&support::data_dir().join(name));
        eprintln!("{name}: {n} records equal");
        assert!(n >= min, "{name}: only {n} records");
    }
}

/// A crafted record of `len` bytes where byte i is a distinct value, so every field has a
/// value that tells which bytes it was read from.
fn patterned(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(7).wrapping_add(seed))
        .collect()
}

/// NetFlow v1, v7 and every v8 aggregation scheme: crafted datagrams, decoded by tshark.
#[test]
fn crafted_v1_v7_v8_match_tshark() {
    if !support::tshark_tools() {
        return;
    }
    use support::Buf;
    let src = std::net::Ipv4Addr::new(192, 0, 2, 7);
    let hdr = |v: u16, count: u16| {
        Buf::default()
            .u16(v)
            .u16(count)
            .u32(3_600_000)
            .u32(1_700_000_000)
            .u32(0)
    };
    // First/Last (uptime ms) must stay below SysUptime for sane times: patch them per record.
    let fix_times = |mut r: Vec<u8>, at: usize| {
        r[at..at + 4].copy_from_slice(&3_500_123u32.to_be_bytes());
        r[at + 4..at + 8].copy_from_slice(&3_599_999u32.to_be_bytes());
        r
    };
    let mut dgrams = Vec::new();
    let v1: Vec<u8> = (0..3)
        .flat_map(|k| fix_times(patterned(48, k), 24))
        .collect();
    dgrams.push((src, hdr(1, 3).bytes(&v1).0));
    let v7: Vec<u8> = (0..2)
        .flat_map(|k| fix_times(patterned(52, k), 24))
        .collect();
    dgrams.push((src, hdr(7, 2).u32(42).u32(0).bytes(&v7).0));
    let lens = [
        0usize, 28, 28, 32, 32, 40, 32, 40, 44, 32, 32, 32, 32, 40, 40,
    ];
    let time_at = [
        0usize, 12, 12, 12, 12, 12, 12, 16, 20, 12, 12, 12, 12, 12, 12,
    ];
    for agg in 1..=14u8 {
        let recs: Vec<u8> = (0..2)
            .flat_map(|k| {
                fix_times(
                    patterned(lens[agg as usize], agg * 3 + k),
                    time_at[agg as usize],
                )
            })
            .collect();
        let d = hdr(8, 2)
            .u32(77)
            .u8(1)
            .u8(2)
            .u8(agg)
            .u8(2)
            .u32(0)
            .bytes(&recs)
            .0;
        dgrams.push((src, d));
    }
    let dir = std::env::temp_dir().join(format!("pmacct-wire-crafted-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pcap = dir.join("v1-v7-v8.pcap");
    support::write_pcap(&pcap, 9995, &dgrams);
    if let Some(keep) = std::env::var_os("PMACCT_WIRE_KEEP_PCAP") {
        std::fs::copy(&pcap, keep).unwrap();
    }
    // Frames: 1 = v1, 2 = v7, 3.. = v8 schemes 1..14. For Prefix (5), PrefixToS (13) and
    // PrefixPort (14) tshark reads src_mask then dst_mask; Cisco's format and pmacct 1.7.7
    // (NetFlow.h struct_export_v8_5/13/14) put dst_mask first, as we do. For ASToS (9)
    // tshark puts tos before input/output; pmacct (struct_export_v8_9) after, as we do.
    // pmacct wins.
    let skip = |frame: usize, k: &str| {
        ([7, 15, 16].contains(&frame) && (k == "src_mask" || k == "dst_mask"))
            || (frame == 11 && ["in_iface", "out_iface", "tos"].contains(&k))
    };
    let n = compare_with_tshark_except(&pcap, &skip);
    assert_eq!(n, 3 + 2 + 14 * 2);
    let _ = std::fs::remove_dir_all(&dir);
}

/// vrf_name (pmacct 1.8): tshark reads the options data's ingressVRFID -> VRFname pairs and
/// the data records' VRF ids as we do; the name each data record gets follows from them by
/// pmacct's rule (ingress name, the egress one when the ingress id is 0 or `default`).
#[test]
fn vrf_names_match_tshark() {
    use support::{ipfix, set, template, Buf};
    if !support::tshark_tools() {
        return;
    }
    let ot = Buf::default()
        .u16(400)
        .u16(3)
        .u16(1)
        .u16(149)
        .u16(4)
        .u16(234)
        .u16(4)
        .u16(236)
        .u16(0xFFFF)
        .0;
    let mut od = Buf::default();
    for (id, name) in [(10u32, "blue"), (20, "default"), (40, "red")] {
        od = od
            .u32(7)
            .u32(id)
            .u8(name.len() as u8)
            .bytes(name.as_bytes());
    }
    let t: &[(u16, u16)] = &[(8, 4), (12, 4), (234, 4), (235, 4), (2, 4)];
    let mut data = Buf::default();
    let pairs = [(10u32, 40u32), (0, 40), (20, 40), (40, 10), (99, 0)];
    for (i, e) in pairs {
        data = data.bytes(&[10, 0, 0, 1, 10, 0, 0, 2]).u32(i).u32(e).u32(1);
    }
    let dg = ipfix(
        1,
        1,
        7,
        &[
            set(3, &ot),
            set(2, &template(300, t)),
            set(400, &od.0),
            set(300, &data.0),
        ],
    );
    let mut dec = NetflowDecoder::new(Limits::default());
    let mut ours = Vec::new();
    dec.decode("192.0.2.1".parse().unwrap(), &dg, |r| {
        if r.flow_type != pmacct_wire::FlowType::Option {
            ours.push(String::from_utf8(r.vrf_name.as_bytes().to_vec()).unwrap());
        }
    })
    .unwrap();
    let dir = std::env::temp_dir().join(format!("pmacct-wire-vrf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pcap = dir.join("vrf.pcap");
    support::write_pcap(&pcap, 9996, &[("192.0.2.1".parse().unwrap(), dg)]);
    let out = std::process::Command::new("tshark")
        .arg("-r")
        .arg(&pcap)
        .args([
            "-d",
            "udp.port==9996,cflow",
            "-T",
            "fields",
            "-E",
            "occurrence=a",
        ])
        .args([
            "-e",
            "cflow.ingress_vrfid",
            "-e",
            "cflow.egress_vrfid",
            "-e",
            "cflow.vrfname",
        ])
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let text = String::from_utf8(out.stdout).unwrap();
    let cols: Vec<Vec<&str>> = text
        .trim_end()
        .split('\t')
        .map(|c| c.split(',').collect())
        .collect();
    // ingress ids: the 3 options records first, then the 5 data records
    let (opt_ids, data_in) = cols[0].split_at(3);
    let names: std::collections::HashMap<&str, &str> = opt_ids
        .iter()
        .copied()
        .zip(cols[2].iter().copied())
        .collect();
    assert_eq!(names.len(), 3, "tshark: {text}");
    let expected: Vec<String> = data_in
        .iter()
        .zip(&cols[1])
        .map(|(i, e)| {
            let n = names.get(i).copied().unwrap_or("");
            if *i == "0" || n == "default" {
                names.get(e).map(|s| s.to_string()).unwrap_or(n.to_string())
            } else {
                n.to_string()
            }
        })
        .collect();
    assert_eq!(ours, expected);
    assert_eq!(ours, ["blue", "red", "red", "red", ""]);
}
