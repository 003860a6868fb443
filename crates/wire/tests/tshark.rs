//! Every record of every corpus datagram, decoded by us, equals tshark's decoding of the same
//! datagram (with pmacct's reading rules applied to tshark's raw values, see
//! tshark_expect.py). Runs when tshark and python3 are installed (CI installs them).

mod support;

use pmacct_wire::{Limits, NetflowDecoder};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// Decode a pcap with one decoder and compare it with tshark, frame by frame.
/// Returns the number of records compared.
pub fn compare_with_tshark(pcap: &Path) -> usize {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tshark_expect.py");
    let out = Command::new("python3")
        .arg(&script)
        .arg(pcap)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "tshark_expect failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut expected: BTreeMap<usize, Value> = BTreeMap::new();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        expected.insert(v["frame"].as_u64().unwrap() as usize, v);
    }
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
            for (k, v) in e.as_object().unwrap() {
                let got = o.get(k).map(String::as_str).unwrap_or("<none>");
                assert_eq!(
                    got,
                    v.as_str().unwrap(),
                    "{} frame {} record {i}: field {k}",
                    pcap.display(),
                    p.frame
                );
            }
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

fn tools() -> bool {
    let ok = support::have("tshark") && support::have("python3");
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install tshark and python3"
        );
        eprintln!("tshark or python3 missing: skipped");
    }
    ok
}

#[test]
fn corpus_matches_tshark() {
    if !tools() {
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
    if !tools() {
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
