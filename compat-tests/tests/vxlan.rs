//! nfacctd's `vxlan` primitive, pmacct 1.8's `flow_label` primitive and `tos_encode_as_dscp`
//! key (issue 22), on a crafted export (inputs/vxlan/vxlan-ipfix-v9.pcap, made by
//! gen/make_vxlan_pcap.py with make_srv6_pcap.py's IPFIX helpers: IPFIX and NetFlow v9
//! records with an 8-octet layer2SegmentId of type VXLAN / NVGRE / reserved, a 4-octet one,
//! IPv6 records with a 4-octet (IPFIX) and a 3-octet (v9) flow label, ToS values that differ
//! in their ECN bits only).
//!
//! - `vxlan` against Debian's nfacctd 1.7.7, record by record: every other field equal;
//!   `vxlan` is the expected difference where 1.7.7 reads octets 6-8 of the 8-octet element
//!   (one past its end: the low octet is whatever follows on its stack), ours octets 5-7 as
//!   pmacct 1.7.9/master do. Signature: 1.7.7's value >> 8 == ours & 0xffff.
//! - `flow_label`: only pmacct 1.8 has it and only 1.7.7 is installed, so the expected values
//!   are derived from pmacct master's source (src/pkt_handlers.c NF_flow_label_handler: the
//!   last IE 31, min(length, 4 in IPFIX / 3 in v9) octets copied to the front of a 32-bit
//!   field; src/print_plugin.c: the column after TOS), written out below.
//! - `tos_encode_as_dscp`: 1.7.7 does not know the key; pmacct master's handlers shift the
//!   ToS right by 2 before aggregation, so the expected output is 1.7.7's own output without
//!   the key with `tos` shifted and the records that now share a key merged (counters
//!   summed). Without the key ours equals 1.7.7 (its default).
//!
//! Run: `cargo test -p pmacct-bin --test compat_vxlan`.

use std::collections::BTreeMap;

use compat_tests::run;
use serde_json::Value;

/// In a directory of its own: the nfacctd matrix (every capture directly under inputs/) would
/// list its `vxlan` field as a difference in every wide config; this test compares it instead,
/// every other field against 1.7.7 and `vxlan` against 1.7.7's signature.
const PCAP: &str = "inputs/vxlan/vxlan-ipfix-v9.pcap";

fn ours() -> std::path::PathBuf {
    compat_tests::ours(&run::NFACCTD, env!("CARGO_BIN_EXE_nfacctd"))
}

fn run_ours(name: &str) -> String {
    compat_tests::ours_offline_output(&ours(), PCAP, &format!("vxlan/{name}"))
}

fn run_pmacct(name: &str) -> String {
    compat_tests::oracle_test_output("nfacctd", PCAP, &format!("vxlan/{name}"))
}

fn json_lines(text: &str) -> Vec<serde_json::Map<String, Value>> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| match serde_json::from_str(l) {
            Ok(Value::Object(m)) => m,
            other => panic!("{other:?}: {l}"),
        })
        .collect()
}

/// JSON records by (ip_src, ip_dst, port_src): each record of this capture is its own.
fn by_flow(text: &str) -> BTreeMap<String, serde_json::Map<String, Value>> {
    json_lines(text)
        .into_iter()
        .map(|v| {
            let key = format!("{} {} {}", v["ip_src"], v["ip_dst"], v["port_src"]);
            (key, v)
        })
        .collect()
}

/// The VNI each record's layer2SegmentId carries (by source port; 0: not a VXLAN id of 8
/// octets), as gen/make_vxlan_pcap.py writes them.
fn vni(port: u64) -> u64 {
    match port {
        1001 => 0x0A0B0C,
        1002 => 5000,
        1003 => 0xFF_FFFF,
        2001 => 42,
        2002 => 0x12_3456,
        3001 => 0x01_0203,
        3002 => 10000,
        // 1004 NVGRE, 1005 reserved type, 1006 a 4-octet element
        _ => 0,
    }
}

/// Against Debian's nfacctd 1.7.7: same records, every field but `vxlan` equal; `vxlan`
/// differs by 1.7.7's off-by-one read (named signature) and ours is the VNI.
#[test]
fn vxlan_against_pmacct_1_7_7() {
    let pm = by_flow(&run_pmacct("vxlan177-json"));
    let ours = by_flow(&run_ours("vxlan177-json"));
    assert_eq!(pm.len(), 10, "pmacct: {pm:?}");
    assert_eq!(
        pm.keys().collect::<Vec<_>>(),
        ours.keys().collect::<Vec<_>>()
    );
    let (mut differing, mut vxlan_records) = (0, 0);
    for (k, p) in &pm {
        let o = &ours[k];
        assert_eq!(
            p.keys().collect::<Vec<_>>(),
            o.keys().collect::<Vec<_>>(),
            "{k}"
        );
        for (f, pv) in p {
            if f != "vxlan" {
                assert_eq!(&o[f], pv, "{k}: {f}");
            }
        }
        let port = p["port_src"].as_u64().unwrap();
        let (pv, ov) = (p["vxlan"].as_u64().unwrap(), o["vxlan"].as_u64().unwrap());
        assert_eq!(ov, vni(port), "{k}: ours vxlan");
        if vni(port) == 0 {
            assert_eq!(pv, 0, "{k}: pmacct 1.7.7 vxlan without a VXLAN id");
            continue;
        }
        vxlan_records += 1;
        // 1.7.7 reads octets 6, 7 and one past the element.
        assert_eq!(pv >> 8, ov & 0xFFFF, "{k}: 1.7.7 {pv:#x}, ours {ov:#x}");
        differing += usize::from(pv != ov);
    }
    assert_eq!(vxlan_records, 7);
    assert_eq!(differing, 7, "every VXLAN record differs in the one field");
}

/// pmacct 1.8's `flow_label` (with `vxlan`) in JSON: values derived from master's source.
#[test]
fn flow_label_json_as_pmacct_1_8() {
    let text = run_ours("flowlabel-json");
    // 1.8 keys come after 1.7.7's (vxlan) in every record.
    for l in text.lines().filter(|l| !l.is_empty()) {
        let pos = |k: &str| {
            l.find(&format!("\"{k}\":"))
                .unwrap_or_else(|| panic!("{k}: {l}"))
        };
        assert!(pos("vxlan") < pos("flow_label"), "{l}");
    }
    let ours = json_lines(&text);
    assert_eq!(ours.len(), 10, "{ours:?}");
    for r in &ours {
        let port = r["port_src"].as_u64().unwrap();
        let want = match port {
            // IPFIX, 4 octets: the label itself.
            2001 => 0xA_BCDE,
            2002 => 0xF_FFFF,
            // NetFlow v9, 3 octets copied to the front of the 32-bit field: shifted by 8
            // (pmacct leaves the low octet uninitialised; ours is 0).
            3001 => 0x0ABC_DE00,
            // IPv4 records carry no IE 31.
            _ => 0,
        };
        assert_eq!(r["flow_label"], Value::from(want), "{port}");
        assert_eq!(r["vxlan"], Value::from(vni(port)), "{port}");
    }
}

/// The CSV column: `FLOW_LABEL` after `TOS` (master's print plugin), values as in JSON.
#[test]
fn flow_label_csv_column_after_tos() {
    let out = run_ours("flowlabel-csv");
    let mut lines = out.lines();
    assert_eq!(
        lines.next(),
        Some("SRC_PORT,TOS,FLOW_LABEL,VXLAN,PACKETS,BYTES")
    );
    let mut rows: Vec<&str> = lines.filter(|l| !l.is_empty()).collect();
    rows.sort();
    assert_eq!(rows.len(), 10);
    assert!(rows.contains(&"2001,72,703710,42,7,700"), "{rows:?}");
    assert!(
        rows.contains(&"3001,140,180149760,66051,11,1100"),
        "{rows:?}"
    );
    assert!(rows.contains(&"1001,184,0,658188,10,1000"), "{rows:?}");
}

/// Records keyed by everything but the counters, counters summed.
fn merged(recs: Vec<serde_json::Map<String, Value>>) -> BTreeMap<String, (u64, u64)> {
    let mut m: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for mut r in recs {
        let pk = r.remove("packets").and_then(|v| v.as_u64()).unwrap();
        let by = r.remove("bytes").and_then(|v| v.as_u64()).unwrap();
        let e = m.entry(Value::Object(r).to_string()).or_default();
        e.0 += pk;
        e.1 += by;
    }
    m
}

/// `tos_encode_as_dscp`: 1.7.7's records (no key) with `tos >> 2`, merged, are ours with
/// the key; without the key ours are 1.7.7's.
#[test]
fn tos_encode_as_dscp_from_pmacct_1_7_7() {
    let pm = json_lines(&run_pmacct("tos177-json"));
    assert_eq!(pm.len(), 10, "pmacct: {pm:?}");
    assert_eq!(
        merged(json_lines(&run_ours("tos177-json"))),
        merged(pm.clone())
    );
    let want = merged(
        pm.into_iter()
            .map(|mut r| {
                let tos = r["tos"].as_u64().unwrap();
                r.insert("tos".into(), Value::from(tos >> 2));
                r
            })
            .collect(),
    );
    let ours = merged(json_lines(&run_ours("dscp-json")));
    // 0xB8/0xB9 (EF) and 0x28/0x2A (AF11) of 10.5.0.1, 0x48/0x49 of 2001:db8:5::1 merge:
    // 10 records become 7.
    assert_eq!(want.len(), 7, "{want:?}");
    assert_eq!(ours, want);
}
