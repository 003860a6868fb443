//! End to end against real nfacctd 1.7.7: corpus capture -> wire decoder -> Flow ->
//! print plugin -> files, compared with what nfacctd wrote for the same configuration
//! (tests/data/<case>, made by gen.sh): file names (strftime and `$` variables), directory
//! creation, append with one header, markers, latest-file symlinks, record contents, and the
//! plugin's log lines. Only writer pids differ between runs and are normalized.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, Once};
use std::time::SystemTime;

use pmacct_flow::cache::History;
use pmacct_flow::format::OutputFormat;
use pmacct_flow::{Aggregate, Flow, FlowType};
use pmacct_plugins::{set_logger, Plugin, PrintConfig, PrintPlugin};
use pmacct_wire::netflow::Limits;
use pmacct_wire::{NetflowDecoder, Timestamp};

const WIDE: &str = "peer_src_ip, peer_dst_ip, in_iface, out_iface, src_host, dst_host, src_net, dst_net, src_mask, dst_mask, src_port, dst_port, proto, tos, tcpflags, mpls_vpn_rd, sampling_rate, sampling_direction, mpls_label_top, mpls_label_bottom, mpls_stack_depth, etype, timestamp_start, timestamp_end, timestamp_export, export_proto_seqno, export_proto_version, export_proto_sysid, flows";

static LOG: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn setup() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        std::env::set_var("TZ", "UTC");
        pmacct_flow::time::reload_timezone();
        set_logger(|level, name, kind, msg| {
            LOG.lock()
                .unwrap()
                .push(format!("{} ( {}/{} ): {}", level.as_str(), name, kind, msg));
        });
    });
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn corpus(rel: &str) -> PathBuf {
    root().join("../../compat-tests/corpus").join(rel)
}

/// Export datagrams of a classic little-endian pcap with Ethernet framing: (source, payload).
fn datagrams(path: &Path) -> Vec<(IpAddr, Vec<u8>)> {
    let b = std::fs::read(path).unwrap();
    assert_eq!(&b[..4], &[0xd4, 0xc3, 0xb2, 0xa1], "little-endian µs pcap");
    assert_eq!(
        u32::from_le_bytes(b[20..24].try_into().unwrap()),
        1,
        "Ethernet"
    );
    let mut out = Vec::new();
    let mut off = 24;
    while off + 16 <= b.len() {
        let caplen = u32::from_le_bytes(b[off + 8..off + 12].try_into().unwrap()) as usize;
        let frame = &b[off + 16..off + 16 + caplen];
        off += 16 + caplen;
        let mut l3 = 14;
        let mut ethertype = u16::from_be_bytes([frame[12], frame[13]]);
        while ethertype == 0x8100 {
            ethertype = u16::from_be_bytes([frame[l3 + 2], frame[l3 + 3]]);
            l3 += 4;
        }
        let (src, l4) = match ethertype {
            0x0800 => {
                let ihl = usize::from(frame[l3] & 0x0f) * 4;
                assert_eq!(frame[l3 + 9], 17);
                let a: [u8; 4] = frame[l3 + 12..l3 + 16].try_into().unwrap();
                (IpAddr::V4(Ipv4Addr::from(a)), l3 + ihl)
            }
            0x86dd => {
                assert_eq!(frame[l3 + 6], 17);
                let a: [u8; 16] = frame[l3 + 8..l3 + 24].try_into().unwrap();
                (IpAddr::V6(Ipv6Addr::from(a)), l3 + 40)
            }
            other => panic!("ethertype {other:#x}"),
        };
        let ulen = usize::from(u16::from_be_bytes([frame[l4 + 4], frame[l4 + 5]]));
        out.push((src, frame[l4 + 8..l4 + ulen].to_vec()));
    }
    out
}

/// Decode a capture as nfacctd's core would hand records to plugins (options data is not
/// accounted by default: `nfacctd_account_options: false`).
fn flows(pcap: &str) -> Vec<Flow> {
    let mut dec = NetflowDecoder::new(Limits::default());
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap();
    let arrival = Timestamp::new(now.as_secs(), now.subsec_micros());
    let mut out = Vec::new();
    let path = if pcap.starts_with("tests/") {
        root().join(pcap)
    } else {
        corpus(pcap)
    };
    for (src, d) in datagrams(&path) {
        let _ = dec.decode(src, &d, |rec| {
            if rec.flow_type != FlowType::Option {
                out.push(pmacct_flow::producer::netflow::flow(rec, src, arrival));
            }
        });
    }
    assert!(!out.is_empty());
    out
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pmacct-rs-print-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Every file and symlink under `dir`: relative path -> contents or `-> target`.
fn tree(dir: &Path) -> BTreeMap<String, String> {
    fn walk(base: &Path, d: &Path, out: &mut BTreeMap<String, String>) {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(base).unwrap().to_string_lossy().into_owned();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            if meta.file_type().is_symlink() {
                let t = std::fs::read_link(&p).unwrap();
                let t = t
                    .strip_prefix(base)
                    .unwrap_or(&t)
                    .to_string_lossy()
                    .into_owned();
                out.insert(rel, format!("-> {t}"));
            } else if meta.is_dir() {
                walk(base, &p, out);
            } else {
                out.insert(rel, normalize_pids(&std::fs::read_to_string(&p).unwrap()));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// Writer pids are run-specific: `(PID: 123`, `--START (123)--`, `"writer_id": "p/123"`.
fn normalize_pids(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(|c: char| c.is_ascii_digit()) {
        let (head, tail) = rest.split_at(i);
        out.push_str(head);
        let n = tail
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(tail.len());
        let pid_ctx =
            head.ends_with("PID: ") || head.ends_with("--START (") || head.ends_with("--END (");
        if pid_ctx {
            out.push_str("<pid>");
        } else {
            out.push_str(&tail[..n]);
        }
        rest = &tail[n..];
    }
    out.push_str(rest);
    out
}

fn run(cfg: PrintConfig, flows: &[Flow]) {
    let now = SystemTime::now();
    let mut p = PrintPlugin::new(cfg, now).unwrap();
    for chunk in flows.chunks(512) {
        p.process(chunk);
    }
    p.shutdown(now).unwrap();
}

fn golden(case: &str) -> PathBuf {
    root().join("tests/data").join(case)
}

fn assert_trees(ours: &Path, case: &str) {
    let a = tree(ours);
    let b = tree(&golden(case).join("out"));
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "{case}: file names"
    );
    for (k, v) in &b {
        let mine = &a[k];
        if mine != v {
            for (i, (x, y)) in mine.lines().zip(v.lines()).enumerate() {
                assert_eq!(x, y, "{case}/{k}: line {}", i + 1);
            }
            assert_eq!(mine, v, "{case}/{k}");
        }
    }
}

#[test]
fn dynamic_file_names_history_and_latest_links() {
    setup();
    let out = scratch("dyn");
    let mut h = History::parse("5m").unwrap();
    h.roundoff = "m".into();
    let dir = out.display();
    let cfg = PrintConfig {
        name: "p".into(),
        aggregate: Aggregate::parse(&["peer_src_ip, proto"]).unwrap(),
        output: OutputFormat::Csv,
        history: Some(h),
        output_file: Some(format!("{dir}/%Y-%m-%d/$peer_src_ip/%H%M-$ref-$hst.csv")),
        latest_file: Some(format!("{dir}/latest-$peer_src_ip")),
        ..Default::default()
    };
    run(cfg, &flows("tests/data/multi3.pcap"));
    assert_trees(&out, "dyn");
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn append_markers_formatted_and_log_lines() {
    setup();
    let out = scratch("append");
    let fl = flows("pmacct-test-automation/100-IPFIXv10-CISCO/traffic-00.pcap");
    // A name of its own: the other tests log concurrently into the same hook.
    let cfg = PrintConfig {
        name: "app".into(),
        aggregate: Aggregate::parse(&["src_host, dst_host, proto, tos"]).unwrap(),
        output: OutputFormat::Formatted,
        markers: true,
        append: true,
        output_file: Some(format!("{}/sub/dir/acct.txt", out.display())),
        ..Default::default()
    };
    run(cfg.clone(), &fl);
    run(cfg, &fl);
    assert_trees(&out, "append");
    let ours: Vec<String> = LOG
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.contains("( app/print )"))
        .map(|l| normalize_pids(&l.replace("( app/", "( p/")))
        .collect();
    let theirs: Vec<String> = std::fs::read_to_string(golden("append").join("plugin.log"))
        .unwrap()
        .lines()
        .map(normalize_pids)
        .collect();
    assert_eq!(ours, theirs);
    let _ = std::fs::remove_dir_all(&out);
}

fn json_case(case: &str, pcap: &str, file: &str) {
    json_case_agg(case, pcap, file, WIDE)
}

fn json_case_agg(case: &str, pcap: &str, file: &str, agg: &str) {
    setup();
    let out = scratch(case);
    let cfg = PrintConfig {
        name: "p".into(),
        aggregate: Aggregate::parse(&[agg]).unwrap(),
        output: OutputFormat::Json,
        output_file: Some(format!("{}/{file}", out.display())),
        ..Default::default()
    };
    run(cfg, &flows(pcap));
    assert_trees(&out, case);
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn netflow_v9_records_end_to_end() {
    json_case(
        "json_v9",
        "pmacct-test-automation/101-NFv9-CISCO-cust_primitives/traffic-00.pcap",
        "v9.json",
    );
}

#[test]
fn second_v9_exporter_end_to_end() {
    json_case(
        "json_ipfix",
        "pmacct-test-automation/111-IPFIXv10-NFv9-IPv6-IPv4-mix_sources/traffic-00.pcap",
        "ipfix.json",
    );
}

#[test]
fn ipfix_ipv4_ipv6_end_to_end() {
    json_case(
        "json_ipfix100",
        "pmacct-test-automation/100-IPFIXv10-CISCO/traffic-00.pcap",
        "out.json",
    );
}

#[test]
fn netflow_v9_102_end_to_end() {
    json_case(
        "json_v9_102",
        "pmacct-test-automation/102-NFv9-CISCO-f2rd-pretag-sampling-reload/traffic-00.pcap",
        "out.json",
    );
}

#[test]
fn ipfix_mixed_v4_v6_exporter_end_to_end() {
    // tcpflags left out: pmacct reads this exporter's 2-byte tcpControlBits as 0 (quirk 4).
    json_case_agg(
        "json_mix111b",
        "pmacct-test-automation/111-IPFIXv10-NFv9-IPv6-IPv4-mix_sources/traffic-01.pcap",
        "out.json",
        &WIDE.replace(" tcpflags,", ""),
    );
}

#[test]
fn ipfix_vmware_end_to_end() {
    json_case(
        "json_vmware",
        "traffic-reproducer/ipfix-vmware.pcap",
        "out.json",
    );
}

/// `print_write_empty_file`: a purge with nothing cached still writes the file, named after
/// the purge time, with the csv header, or the JSON markers only. Observed with nfacctd 1.7.7
/// on a capture without NetFlow (bgp-traffic.pcap): `e-<year>.csv` holding
/// `SRC_IP,DST_IP,PACKETS,BYTES`, and for json with markers the two marker lines with
/// `"purged_entries": 0, "total_entries": 0`; the log says `QN: 0/0, ET: 0`.
#[test]
fn write_empty_file() {
    setup();
    let out = scratch("empty");
    let base = PrintConfig {
        aggregate: Aggregate::parse(&["src_host, dst_host"]).unwrap(),
        write_empty_file: true,
        ..Default::default()
    };
    run(
        PrintConfig {
            name: "e".into(),
            output: OutputFormat::Csv,
            output_file: Some(format!("{}/e-%Y.csv", out.display())),
            ..base.clone()
        },
        &[],
    );
    run(
        PrintConfig {
            name: "f".into(),
            output: OutputFormat::Json,
            markers: true,
            output_file: Some(format!("{}/f.json", out.display())),
            ..base
        },
        &[],
    );
    let year = pmacct_flow::time::strftime(
        "%Y",
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64,
        false,
    );
    let t = tree(&out);
    assert_eq!(t[&format!("e-{year}.csv")], "SRC_IP,DST_IP,PACKETS,BYTES\n");
    let pid = std::process::id();
    assert_eq!(
        t["f.json"],
        format!(
            "{{\"event_type\": \"purge_init\", \"writer_id\": \"f/{pid}\"}}\n{{\"event_type\": \"purge_close\", \"writer_id\": \"f/{pid}\", \"purged_entries\": 0, \"total_entries\": 0, \"duration\": 0}}\n"
        )
    );
    let log = LOG
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.contains("( e/print )"))
        .cloned()
        .collect::<Vec<_>>();
    assert!(
        log.last().unwrap().ends_with("QN: 0/0, ET: 0) ***"),
        "{log:?}"
    );
    let _ = std::fs::remove_dir_all(&out);
}
