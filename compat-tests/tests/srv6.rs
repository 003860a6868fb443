//! SRv6 primitives of pmacct 1.7.9+ (the 1.8 line; issue 22): `srv6_seg_ipv6_list` and
//! nfacctd's `tunnel_*` / `nvgre`, on a crafted IPFIX export (inputs/srv6-ipfix.pcap, made
//! by gen/make_srv6_pcap.py: IPv6-in-IPv6 and IPv4-in-IPv6 SRv6 records repeating their
//! header elements, Ethernet-in-IPv6 with an NVGRE segment id, plain IPv4 repeating its ToS).
//!
//! Only pmacct 1.7.7 is installed and no case of pmacct-test-automation covers SRv6, so the
//! expected output (expected-srv6/) is derived from pmacct's source rules (src/nfacctd.c
//! NF_evaluate_flow_type, src/pkt_handlers.c NF_tunnel_*_handler and
//! NF_srv6_segment_ipv6_list_handler, src/plugin_cmn_json.c, src/print_plugin.c of v1.7.9,
//! unchanged on master): see docs/COMPATIBILITY.md. The ordinary primitives keep 1.7.7's
//! reading (the last occurrence of a repeated element), which the differential case below
//! checks against Debian's nfacctd 1.7.7, as compat_nfacctd does for every config.
//!
//! Run: `cargo test -p pmacct-bin --test compat_srv6`.

use std::collections::BTreeMap;
use std::path::Path;

use compat_tests::{input, run, Config};
use serde_json::Value;

const PCAP: &str = "inputs/srv6-ipfix.pcap";

/// The tunnel keys of the 1.7.7-known `tunnel_*` primitives.
const TUNNEL_177: [&str; 6] = [
    "tunnel_ip_src",
    "tunnel_ip_dst",
    "tunnel_ip_proto",
    "tunnel_tos",
    "tunnel_port_src",
    "tunnel_port_dst",
];

fn ours() -> std::path::PathBuf {
    compat_tests::ours(&run::NFACCTD, env!("CARGO_BIN_EXE_nfacctd"))
}

fn config(name: &str) -> Config {
    Config::load(&format!("srv6/{name}")).unwrap_or_else(|e| panic!("{e}"))
}

fn run_ours(name: &str) -> String {
    compat_tests::ours_offline_output(&ours(), PCAP, &format!("srv6/{name}"))
}

fn expected(file: &str) -> String {
    let p = compat_tests::root().join("expected-srv6").join(file);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// JSON records by (ip_src, ip_dst, port_src): each record of these captures is its own.
fn records(text: &str) -> BTreeMap<String, Value> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
            let key = format!("{} {} {}", v["ip_src"], v["ip_dst"], v["port_src"]);
            (key, v)
        })
        .collect()
}

/// Every 1.8 primitive in JSON: the records equal the ones derived from pmacct's rules,
/// field for field (a 13-address segment list has no key, as in pmacct).
#[test]
fn srv6_json_as_pmacct_1_8() {
    let ours = records(&run_ours("srv6-json"));
    let want = records(&expected("srv6-json.json"));
    assert_eq!(want.len(), 6);
    for (k, w) in &want {
        let o = ours
            .get(k)
            .unwrap_or_else(|| panic!("{k}: missing in ours {ours:?}"));
        assert_eq!(o, w, "{k}");
    }
    assert_eq!(ours.len(), want.len(), "{ours:?}");
}

/// CSV: the same values; pmacct 1.7.9's print plugin has no srv6_seg_ipv6_list column.
#[test]
fn srv6_csv_as_pmacct_1_8() {
    let ours = run_ours("srv6-csv");
    let want = expected("srv6-csv.csv");
    let sorted = |t: &str| {
        let mut l: Vec<String> = t.lines().skip(1).map(str::to_string).collect();
        l.sort();
        (t.lines().next().unwrap_or("").to_string(), l)
    };
    let (oh, ol) = sorted(&ours);
    let (wh, wl) = sorted(&want);
    assert_eq!(oh, wh);
    assert_eq!(ol.len(), 6);
    assert_eq!(ol, wl);
}

/// Against Debian's nfacctd 1.7.7 with the primitives it knows: every ordinary field of
/// every record equal (the inner header: last occurrences); the `tunnel_*` fields are the
/// expected difference: 1.7.7 has no nfacctd handler for them (empty / 0 in every record),
/// ours are 1.8's (the golden file's) in the SRv6 records and for the repeated ToS.
#[test]
fn srv6_against_pmacct_1_7_7() {
    let cfg = config("tunnel177-json");
    let i = input(Path::new(PCAP));
    let pm = records(&run::oracle_output(&i, &cfg).unwrap_or_else(|e| panic!("{e}")));
    let ours = records(&run_ours("tunnel177-json"));
    let golden = records(&expected("srv6-json.json"));
    assert_eq!(pm.len(), 6, "pmacct: {pm:?}");
    assert_eq!(ours.len(), pm.len(), "ours: {ours:?}");
    let mut differing = 0;
    for (k, p) in &pm {
        let o = ours
            .get(k)
            .unwrap_or_else(|| panic!("{k}: missing in ours"));
        let (p, o) = (p.as_object().unwrap(), o.as_object().unwrap());
        assert_eq!(
            p.keys().collect::<Vec<_>>(),
            o.keys().collect::<Vec<_>>(),
            "{k}"
        );
        for (f, pv) in p {
            if TUNNEL_177.contains(&f.as_str()) {
                let unset = if f.ends_with("_ip_src") || f.ends_with("_ip_dst") {
                    Value::from("")
                } else if f == "tunnel_ip_proto" {
                    Value::from("0")
                } else {
                    Value::from(0)
                };
                assert_eq!(pv, &unset, "{k}: pmacct 1.7.7 {f}");
                assert_eq!(&o[f], &golden[k][f], "{k}: ours {f}");
                differing += usize::from(o[f] != unset);
            } else {
                assert_eq!(&o[f], pv, "{k}: {f}");
            }
        }
    }
    // 4 SRv6 records x 6 tunnel fields, less the zero ones (no ToS, no flow ports in 257,
    // none in 258's), plus 259's repeated ToS.
    assert_eq!(differing, 3 * 6 + 5 + 3 + 1);
}
