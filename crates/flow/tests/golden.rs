//! Byte-for-byte comparisons with real nfacctd 1.7.7 output (tests/data, made by gen.sh).
//!
//! Each capture was replayed once through nfacctd with many print plugins. The widest JSON
//! output (every primitive, timestamp_arrival included, so one entry per flow) is read back
//! into flows; those flows are then
//! - re-encoded in JSON, CSV, event_csv, formatted and event_formatted and compared with the
//!   same records as pmacct wrote them, and
//! - aggregated again through our cache with the other plugins' aggregates (tutorial,
//!   src_host, none, sum_host, with history, markers, epoch timestamps, num_protos, custom
//!   separator) and compared with pmacct's output for those plugins.

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Once;

use pmacct_flow::cache::{Cache, CacheConfig, Entry, History, DEFAULT_CACHE_ENTRIES};
use pmacct_flow::flow::{Flow, FlowType, Primitives, RouteDistinguisher};
use pmacct_flow::format::{Encoder, EncoderOptions, OutputFormat};
use pmacct_flow::primitives::{list_primitives, proto_name, Aggregate, Daemon};
use pmacct_flow::time::TimestampOptions;
use pmacct_wire::Timestamp;
use serde_json::Value;

const WIDE_FIXED: &str = "tag, tag2, class, src_mac, dst_mac, vlan, cos, etype, src_as, dst_as, local_pref, med, src_local_pref, src_med, src_roa, dst_roa, peer_src_as, peer_dst_as, peer_src_ip, peer_dst_ip, in_iface, out_iface, mpls_vpn_rd, mpls_pw_id, src_host, dst_host, src_net, dst_net, src_mask, dst_mask, src_port, dst_port, tcpflags, proto, tos, sampling_rate, sampling_direction, post_nat_src_host, post_nat_dst_host, post_nat_src_port, post_nat_dst_port, nat_event, mpls_label_top, mpls_label_bottom, mpls_stack_depth, vxlan, timestamp_start, timestamp_end, timestamp_arrival, timestamp_export, export_proto_seqno, export_proto_version, export_proto_sysid, flows";
const VLEN: &str = "label, std_comm, ext_comm, lrg_comm, as_path, src_std_comm, src_ext_comm, src_lrg_comm, src_as_path";
const TUT: &str = "src_host, dst_host, in_iface, out_iface, timestamp_start, timestamp_end, src_port, dst_port, proto, tos, tcpflags";
const CAPTURES: &[&str] = &["ipfix100", "nfv9_101", "nfv9_102", "mix111"];

fn tz_utc() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        std::env::set_var("TZ", "UTC");
        pmacct_flow::time::reload_timezone();
    });
}

fn data(path: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(path);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn agg(s: &str) -> Aggregate {
    Aggregate::parse(&[s]).unwrap()
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// "2023-02-28 09:46:01.088000" (UTC) -> Timestamp.
fn parse_ts(s: &str) -> Timestamp {
    if s.starts_with("0000-00-00") {
        return Timestamp::ZERO;
    }
    let n = |a: usize, b: usize| s[a..b].parse::<i64>().unwrap();
    let days = days_from_civil(n(0, 4), n(5, 7), n(8, 10));
    let secs = days * 86400 + n(11, 13) * 3600 + n(14, 16) * 60 + n(17, 19);
    Timestamp::new(secs as u64, s[20..26].parse().unwrap())
}

fn ip(s: &str) -> Option<IpAddr> {
    if s.is_empty() {
        None
    } else {
        Some(s.parse().unwrap())
    }
}

fn mac(s: &str) -> [u8; 6] {
    let mut m = [0u8; 6];
    for (i, p) in s.split(':').enumerate() {
        m[i] = u8::from_str_radix(p, 16).unwrap();
    }
    m
}

/// Read one pmacct JSON record back into a cache entry (the inverse of our encoder).
fn entry_from_json(v: &Value) -> Entry {
    let o = v.as_object().unwrap();
    let s = |k: &str| o[k].as_str().unwrap().to_string();
    let u = |k: &str| o[k].as_u64().unwrap();
    let mut p = Primitives::default();
    p.src_ip = ip(&s("ip_src"));
    p.family = match p.src_ip {
        Some(IpAddr::V4(_)) => 4,
        Some(IpAddr::V6(_)) => 6,
        None => 0,
    };
    p.dst_ip = ip(&s("ip_dst"));
    p.src_net = ip(&s("net_src"));
    p.dst_net = ip(&s("net_dst"));
    p.peer_src_ip = ip(&s("peer_ip_src"));
    // addr_to_str2: a v4 next hop of a v6 flow is printed v4-mapped.
    p.peer_dst_ip = ip(&s("peer_ip_dst")).map(|a| match a {
        IpAddr::V6(v6) if p.family == 6 && v6.to_ipv4_mapped().is_some() => {
            IpAddr::V4(v6.to_ipv4_mapped().unwrap())
        }
        a => a,
    });
    p.post_nat_src_ip = ip(&s("post_nat_ip_src"));
    p.post_nat_dst_ip = ip(&s("post_nat_ip_dst"));
    p.tag = u("tag");
    p.tag2 = u("tag2");
    p.src_mac = mac(&s("mac_src"));
    p.dst_mac = mac(&s("mac_dst"));
    p.vlan = u("vlan") as u16;
    p.cos = u("cos") as u8;
    p.etype = u16::from_str_radix(&s("etype"), 16).unwrap();
    p.src_as = u("as_src") as u32;
    p.dst_as = u("as_dst") as u32;
    p.in_iface = u("iface_in") as u32;
    p.out_iface = u("iface_out") as u32;
    let rd = s("mpls_vpn_rd");
    p.mpls_vpn_rd = if let Some(v) = rd.strip_prefix("vrfid:") {
        RouteDistinguisher::VrfId(v.parse().unwrap())
    } else {
        assert_eq!(rd, "0:0:0", "fixture RD kinds");
        RouteDistinguisher::None
    };
    p.src_mask = u("mask_src") as u8;
    p.dst_mask = u("mask_dst") as u8;
    p.src_port = u("port_src") as u16;
    p.dst_port = u("port_dst") as u16;
    let proto = s("ip_proto");
    p.proto = (0..=255u8)
        .find(|n| proto_name(*n) == Some(proto.as_str()))
        .unwrap_or_else(|| proto.parse().unwrap());
    p.tos = u("tos") as u8;
    p.sampling_rate = u("sampling_rate") as u32;
    p.sampling_direction = s("sampling_direction").bytes().next().unwrap_or(0);
    p.post_nat_src_port = u("post_nat_port_src") as u16;
    p.post_nat_dst_port = u("post_nat_port_dst") as u16;
    p.nat_event = u("nat_event") as u8;
    p.mpls_label_top = u("mpls_label_top") as u32;
    p.mpls_label_bottom = u("mpls_label_bottom") as u32;
    p.mpls_stack_depth = u("mpls_stack_depth") as u8;
    p.vxlan = u("vxlan") as u32;
    p.timestamp_start = parse_ts(&s("timestamp_start"));
    p.timestamp_end = parse_ts(&s("timestamp_end"));
    p.timestamp_arrival = parse_ts(&s("timestamp_arrival"));
    p.timestamp_export = parse_ts(&s("timestamp_export"));
    p.export_proto_seqno = u("export_proto_seqno") as u32;
    p.export_proto_version = u("export_proto_version") as u16;
    p.export_proto_sysid = u("export_proto_sysid") as u32;
    let counted = o.contains_key("packets");
    Entry {
        prims: p,
        packets: if counted { u("packets") } else { 0 },
        bytes: if counted { u("bytes") } else { 0 },
        flows: if counted { u("flows") } else { 0 },
        tcp_flags: s("tcp_flags").parse().unwrap(),
        flow_type: if counted {
            FlowType::Traffic
        } else {
            FlowType::Event
        },
        family: p.family,
        basetime: 0,
    }
}

fn wide_entries(cap: &str) -> Vec<Entry> {
    data(&format!("{cap}/wide_json.out"))
        .lines()
        .map(|l| entry_from_json(&serde_json::from_str(l).unwrap()))
        .collect()
}

fn opts() -> EncoderOptions {
    EncoderOptions {
        separator: ",".into(),
        ..Default::default()
    }
}

fn encode(
    format: OutputFormat,
    a: &Aggregate,
    o: EncoderOptions,
    entries: &[Entry],
    header: bool,
) -> String {
    let enc = Encoder::new(format, a, o).unwrap();
    let mut out = Vec::new();
    if header {
        enc.write_header(&mut out);
    }
    for e in entries {
        enc.write_record(&mut out, e, 0);
    }
    String::from_utf8(out).unwrap()
}

fn assert_same(ours: &str, theirs: &str, what: &str) {
    if ours != theirs {
        for (i, (a, b)) in ours.lines().zip(theirs.lines()).enumerate() {
            assert_eq!(a, b, "{what}: first difference at line {}", i + 1);
        }
        assert_eq!(
            ours.lines().count(),
            theirs.lines().count(),
            "{what}: line count"
        );
        assert_eq!(ours, theirs, "{what}");
    }
}

#[test]
fn wide_records_reencode_identically() {
    tz_utc();
    let wide = agg(&format!("{VLEN}, {WIDE_FIXED}"));
    let fixed = agg(WIDE_FIXED);
    for cap in CAPTURES {
        let es = wide_entries(cap);
        assert!(!es.is_empty());
        let cases = [
            (OutputFormat::Json, wide, "wide_json", false),
            (OutputFormat::Csv, wide, "wide_csv", true),
            (OutputFormat::EventCsv, wide, "wide_ecsv", true),
            (OutputFormat::Formatted, fixed, "wide_fmt", true),
            (OutputFormat::EventFormatted, fixed, "wide_efmt", true),
        ];
        for (fmt, a, file, header) in cases {
            let golden = data(&format!("{cap}/{file}.out"));
            // timestamp_arrival is taken per plugin by pmacct (each plugin's handlers read the
            // clock), so use the arrival times this plugin printed.
            let es: Vec<Entry> = if fmt == OutputFormat::Json {
                es.clone()
            } else {
                let rows = golden.lines().skip(1).collect::<Vec<_>>();
                assert_eq!(rows.len(), es.len());
                es.iter()
                    .zip(rows)
                    .map(|(e, row)| {
                        let mut e = *e;
                        e.prims.timestamp_arrival = parse_ts(&nth_timestamp(row, 2));
                        e
                    })
                    .collect()
            };
            let ours = encode(fmt, &a, opts(), &es, header);
            assert_same(&ours, &golden, &format!("{cap}/{file}"));
        }
    }
}

/// The `n`th (0-based) `YYYY-MM-DD HH:MM:SS.uuuuuu` in a row.
fn nth_timestamp(row: &str, n: usize) -> String {
    let b = row.as_bytes();
    let is_ts = |i: usize| {
        i + 26 <= b.len()
            && b[i..i + 4].iter().all(u8::is_ascii_digit)
            && b[i + 4] == b'-'
            && b[i + 10] == b' '
            && b[i + 19] == b'.'
    };
    let mut found = 0;
    let mut i = 0;
    while i < b.len() {
        if is_ts(i) {
            if found == n {
                return row[i..i + 26].to_string();
            }
            found += 1;
            i += 26;
        } else {
            i += 1;
        }
    }
    panic!("no timestamp {n} in {row}");
}

fn flows_of(entries: &[Entry]) -> Vec<Flow> {
    entries
        .iter()
        .map(|e| e.to_flow(e.prims.timestamp_start.secs))
        .collect()
}

fn aggregate_through_cache(flows: &[Flow], cfg: CacheConfig) -> Vec<Entry> {
    let mut c = Cache::new(cfg, 1_795_850_000);
    for f in flows {
        assert_eq!(c.insert(f), pmacct_flow::Insert::Done);
    }
    let mut out = Vec::new();
    let total = c.drain_committed(true, &mut out);
    assert_eq!(total, out.len());
    out
}

fn cfg(a: Aggregate, history: Option<History>) -> CacheConfig {
    CacheConfig {
        aggregate: a,
        history,
        cache_entries: DEFAULT_CACHE_ENTRIES,
        startup_delay: 0,
        utc: false,
    }
}

#[test]
fn cache_aggregates_like_pmacct() {
    tz_utc();
    for cap in CAPTURES {
        let flows = flows_of(&wide_entries(cap));
        for (a, fmt, file) in [
            (TUT, OutputFormat::Json, "tut_json"),
            (TUT, OutputFormat::Csv, "tut_csv"),
            (TUT, OutputFormat::Formatted, "tut_fmt"),
            ("src_host", OutputFormat::Csv, "host_csv"),
            ("none", OutputFormat::Formatted, "none_fmt"),
            ("sum_host", OutputFormat::Csv, "sum_csv"),
        ] {
            let a = agg(a);
            let es = aggregate_through_cache(&flows, cfg(a, None));
            let ours = encode(fmt, &a, opts(), &es, fmt != OutputFormat::Json);
            assert_same(
                &ours,
                &data(&format!("{cap}/{file}.out")),
                &format!("{cap}/{file}"),
            );
        }
    }
}

/// Value of `"key": "..."` in a JSON line.
fn json_str(line: &str, key: &str) -> String {
    let v: Value = serde_json::from_str(line).unwrap();
    v[key].as_str().unwrap().to_string()
}

#[test]
fn history_markers_rfc3339_like_pmacct() {
    tz_utc();
    for cap in CAPTURES {
        let golden = data(&format!("{cap}/hist_json.out"));
        let lines: Vec<&str> = golden.lines().collect();
        // The writer pid and the writer's clock are the two run-specific values.
        let wid = json_str(lines[0], "writer_id");
        let (name, pid) = wid.split_once('/').unwrap();
        let updated = json_str(lines[1], "stamp_updated");
        let updated = parse_ts(&format!(
            "{}.000000",
            updated.replace('T', " ").trim_end_matches('Z')
        ))
        .secs;

        let a = agg(TUT);
        let mut h = History::parse("5m").unwrap();
        h.roundoff = "m".into();
        let es = aggregate_through_cache(&flows_of(&wide_entries(cap)), cfg(a, Some(h)));
        let o = EncoderOptions {
            history: true,
            timestamps: TimestampOptions {
                rfc3339: true,
                ..Default::default()
            },
            ..opts()
        };
        let enc = Encoder::new(OutputFormat::Json, &a, o).unwrap();
        let mut out = Vec::new();
        enc.write_start_marker(&mut out, name, pid.parse().unwrap());
        for e in &es {
            enc.write_record(&mut out, e, updated);
        }
        enc.write_end_marker(&mut out, name, pid.parse().unwrap(), es.len(), es.len(), 0);
        assert_same(
            &String::from_utf8(out).unwrap(),
            &golden,
            &format!("{cap}/hist_json"),
        );
    }
}

#[test]
fn epoch_secs_numprotos_separator_markers_like_pmacct() {
    tz_utc();
    for cap in CAPTURES {
        let golden = data(&format!("{cap}/epoch_csv.out"));
        let first = golden.lines().next().unwrap();
        let pid: u32 = first
            .trim_start_matches("--START (")
            .trim_end_matches(")--")
            .parse()
            .unwrap();
        let a = agg("src_host, dst_host, proto, timestamp_start, timestamp_end");
        let es = aggregate_through_cache(&flows_of(&wide_entries(cap)), cfg(a, None));
        let o = EncoderOptions {
            separator: ";".into(),
            num_protos: true,
            timestamps: TimestampOptions {
                since_epoch: true,
                secs: true,
                ..Default::default()
            },
            ..Default::default()
        };
        let enc = Encoder::new(OutputFormat::Csv, &a, o).unwrap();
        let mut out = Vec::new();
        enc.write_start_marker(&mut out, "epoch_csv", pid);
        enc.write_header(&mut out);
        for e in &es {
            enc.write_record(&mut out, e, 0);
        }
        enc.write_end_marker(&mut out, "epoch_csv", pid, es.len(), es.len(), 0);
        assert_same(
            &String::from_utf8(out).unwrap(),
            &golden,
            &format!("{cap}/epoch_csv"),
        );
    }
}

#[test]
fn formatted_refuses_variable_length_primitives() {
    for p in VLEN.split(", ") {
        assert!(
            Encoder::new(OutputFormat::Formatted, &agg(p), opts()).is_err(),
            "{p}"
        );
        assert!(
            Encoder::new(OutputFormat::Csv, &agg(p), opts()).is_ok(),
            "{p}"
        );
    }
    assert!(Encoder::new(OutputFormat::Formatted, &agg("class, mpls_vpn_rd"), opts()).is_ok());
}

#[test]
fn list_primitives_matches_pmacct() {
    assert_eq!(list_primitives(Daemon::Nfacctd), data("nfacctd-a.txt"));
    assert_eq!(list_primitives(Daemon::Sfacctd), data("sfacctd-a.txt"));
    assert_eq!(list_primitives(Daemon::Pmacctd), data("pmacctd-a.txt"));
}
