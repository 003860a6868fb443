//! Shared by the golden tests: reading pmacct's JSON back into cache entries, encoding,
//! aggregating through our cache, comparing.
#![allow(dead_code)]

use std::net::IpAddr;
use std::path::PathBuf;

use pmacct_flow::cache::{Cache, CacheConfig, Entry, History, DEFAULT_CACHE_ENTRIES};
use pmacct_flow::flow::{Flow, FlowType, Primitives, RouteDistinguisher};
use pmacct_flow::format::{Encoder, EncoderOptions, OutputFormat};
use pmacct_flow::primitives::{proto_name, Aggregate};
use pmacct_flow::time::TimestampOptions;
use pmacct_wire::Timestamp;
use serde_json::Value;

pub const TUT: &str = "src_host, dst_host, in_iface, out_iface, timestamp_start, timestamp_end, src_port, dst_port, proto, tos, tcpflags";

/// Set the process TZ once, before any conversion in this test binary.
pub fn set_tz(tz: &'static str) {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        std::env::set_var("TZ", tz);
        pmacct_flow::time::reload_timezone();
    });
}

pub fn data(path: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(path);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

pub fn agg(s: &str) -> Aggregate {
    Aggregate::parse(&[s]).unwrap()
}

pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// "2023-02-28 09:46:01.088000" (UTC) -> Timestamp.
pub fn parse_ts(s: &str) -> Timestamp {
    if s.starts_with("0000-00-00") {
        return Timestamp::ZERO;
    }
    let n = |a: usize, b: usize| s[a..b].parse::<i64>().unwrap();
    let days = days_from_civil(n(0, 4), n(5, 7), n(8, 10));
    let secs = days * 86400 + n(11, 13) * 3600 + n(14, 16) * 60 + n(17, 19);
    Timestamp::new(secs as u64, s[20..26].parse().unwrap())
}

pub fn ip(s: &str) -> Option<IpAddr> {
    if s.is_empty() {
        None
    } else {
        Some(s.parse().unwrap())
    }
}

pub fn mac(s: &str) -> [u8; 6] {
    let mut m = [0u8; 6];
    for (i, p) in s.split(':').enumerate() {
        m[i] = u8::from_str_radix(p, 16).unwrap();
    }
    m
}

/// Read one pmacct JSON record back into a cache entry (the inverse of our encoder).
pub fn entry_from_json(v: &Value) -> Entry {
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
        custom: Default::default(),
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
        timestamp_min: Default::default(),
        timestamp_max: Default::default(),
        geo: Default::default(),
    }
}

pub fn wide_entries(cap: &str) -> Vec<Entry> {
    data(&format!("{cap}/wide_json.out"))
        .lines()
        .map(|l| entry_from_json(&serde_json::from_str(l).unwrap()))
        .collect()
}

pub fn opts() -> EncoderOptions {
    EncoderOptions {
        separator: ",".into(),
        ..Default::default()
    }
}

pub fn encode(
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

pub fn assert_same(ours: &str, theirs: &str, what: &str) {
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

pub fn flows_of(entries: &[Entry]) -> Vec<Flow> {
    entries
        .iter()
        .map(|e| e.to_flow(e.prims.timestamp_start.secs))
        .collect()
}

pub fn aggregate_through_cache(flows: &[Flow], cfg: CacheConfig) -> Vec<Entry> {
    let mut c = Cache::new(cfg, 1_795_850_000);
    for f in flows {
        assert_eq!(c.insert(f), pmacct_flow::Insert::Done);
    }
    let mut out = Vec::new();
    let total = c.drain_committed(true, &mut out);
    assert_eq!(total, out.len());
    out
}

pub fn cfg(a: Aggregate, history: Option<History>) -> CacheConfig {
    CacheConfig {
        aggregate: a,
        history,
        cache_entries: DEFAULT_CACHE_ENTRIES,
        startup_delay: 0,
        utc: false,
    }
}

/// Value of `"key": "..."` in a JSON line.
pub fn json_str(line: &str, key: &str) -> String {
    let v: Value = serde_json::from_str(line).unwrap();
    v[key].as_str().unwrap().to_string()
}

/// History bins of `every` (e.g. "5m") rounded off to `roundoff` ("m").
pub fn history(every: &str, roundoff: &str) -> History {
    let mut h = History::parse(every).unwrap();
    h.roundoff = roundoff.into();
    h
}

/// `entries` as JSON records with their history bins, stamped `updated`.
pub fn history_json(a: &Aggregate, entries: &[Entry], updated: u64) -> String {
    let o = EncoderOptions {
        history: true,
        ..opts()
    };
    let enc = Encoder::new(OutputFormat::Json, a, o).unwrap();
    let mut out = Vec::new();
    for e in entries {
        enc.write_record(&mut out, e, updated);
    }
    String::from_utf8(out).unwrap()
}

/// `entries` as JSON records with their history bins and rfc3339 timestamps, stamped
/// `updated`, between the start and end markers of writer `writer_id` ("name/pid").
pub fn rfc3339_history_json_with_markers(
    a: &Aggregate,
    entries: &[Entry],
    writer_id: &str,
    updated: u64,
) -> String {
    let (name, pid) = writer_id.split_once('/').unwrap();
    let pid = pid.parse().unwrap();
    let o = EncoderOptions {
        history: true,
        timestamps: TimestampOptions {
            rfc3339: true,
            ..Default::default()
        },
        ..opts()
    };
    let enc = Encoder::new(OutputFormat::Json, a, o).unwrap();
    let mut out = Vec::new();
    enc.write_start_marker(&mut out, name, pid);
    for e in entries {
        enc.write_record(&mut out, e, updated);
    }
    let n = entries.len();
    enc.write_end_marker(&mut out, name, pid, n, n, 0);
    String::from_utf8(out).unwrap()
}
