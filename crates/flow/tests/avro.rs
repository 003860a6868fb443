//! Avro round trips (issue 22): for every primitive of the table, the datum our encoder
//! writes decodes with the `apache-avro` reader under the schema we publish, and every field
//! holds the value our JSON encoder prints for the same entry; with and without the
//! pmacct 1.7.8+ `*_encode_as_*` keys. Also Avro's JSON encoding (`avro_json`).

use apache_avro::types::Value as AV;
use apache_avro::{from_avro_datum, Schema};
use pmacct_flow::format::{EncoderOptions, Encodings};
use pmacct_flow::mpls::MplsLabelStack;
use pmacct_flow::{Aggregate, Encoder, Entry, FlowType, OutputFormat, Primitive, Primitives};
use pmacct_wire::Timestamp;
use serde_json::{json, Value};

/// `n` SRv6 segments 2001:db8:5::1, ::2...
fn segments(n: u8) -> Vec<u8> {
    (1..=n)
        .flat_map(|i| {
            let mut a = [0u8; 16];
            a[..6].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8, 0, 5]);
            a[15] = i;
            a
        })
        .collect()
}

fn entry() -> Entry {
    let ip = |s: &str| Some(s.parse().unwrap());
    let p = Primitives {
        tag: 7,
        tag2: 8,
        src_mac: [0, 1, 2, 3, 4, 5],
        dst_mac: [6, 7, 8, 9, 10, 11],
        vlan: 12,
        cos: 3,
        etype: 0x800,
        src_as: 65001,
        dst_as: 65002,
        local_pref: 100,
        med: 5,
        peer_src_ip: ip("192.168.100.1"),
        peer_dst_ip: ip("10.0.0.254"),
        in_iface: 143,
        out_iface: 142,
        mpls_vpn_rd: pmacct_flow::RouteDistinguisher::VrfId(1610612736),
        src_ip: ip("138.187.58.13"),
        dst_ip: ip("2001:db8::1"),
        src_net: ip("138.187.0.0"),
        src_mask: 16,
        dst_mask: 64,
        src_port: 10000,
        dst_port: 58779,
        proto: 6,
        tos: 184,
        sampling_rate: 1000,
        sampling_direction: b'i',
        nat_event: 1,
        mpls_label_top: 16065,
        mpls_stack_depth: 2,
        mpls_label_stack: MplsLabelStack::new(&[16065, 16033]),
        fwd_status: 64,
        vrf_name: pmacct_flow::label::intern("blue").unwrap(),
        tunnel_src_ip: ip("2001:db8:f::1"),
        tunnel_dst_ip: ip("2001:db8:f::2"),
        tunnel_proto: 41,
        tunnel_flow_label: 0xabcde,
        tunnel_tcp_flags: 0x12,
        nvgre: 4242,
        srv6_seg_list: pmacct_flow::srv6::intern(Some(&segments(2))),
        timestamp_start: Timestamp::new(1_677_577_599, 0),
        timestamp_end: Timestamp::new(1_677_577_600, 5),
        timestamp_arrival: Timestamp::new(1_695_913_566, 0),
        export_proto_version: 9,
        family: 4,
        ..Default::default()
    };
    Entry {
        prims: p,
        custom: Default::default(),
        packets: 3,
        bytes: 180,
        flows: 1,
        tcp_flags: 0x11,
        flow_type: FlowType::Traffic,
        family: 4,
        basetime: 1_695_913_560,
        timestamp_min: Timestamp::new(1, 0),
        timestamp_max: Timestamp::new(2, 0),
        geo: Default::default(),
    }
}

fn opts(enc: Encodings) -> EncoderOptions {
    EncoderOptions {
        writer_id: Some("nfacctd_kafka".into()),
        history: true,
        encodings: enc,
        ..Default::default()
    }
}

/// An Avro value as the Python schema-registry deserializer turns it into JSON.
fn to_json(v: &AV) -> Value {
    match v {
        AV::Null => Value::Null,
        AV::Long(n) => json!(n),
        AV::Int(n) => json!(n),
        AV::Double(f) => json!(f),
        AV::String(s) => json!(s),
        AV::Union(_, b) => to_json(b),
        AV::Array(a) => Value::Array(a.iter().map(to_json).collect()),
        AV::Map(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), to_json(v))).collect()),
        AV::Record(f) => Value::Object(f.iter().map(|(k, v)| (k.clone(), to_json(v))).collect()),
        other => panic!("unexpected Avro value {other:?}"),
    }
}

fn decode(agg: &Aggregate, o: EncoderOptions, e: &Entry) -> (Value, Value) {
    let avro = Encoder::new(OutputFormat::Avro, agg, o.clone()).unwrap();
    let schema = Schema::parse_str(&avro.avro_schema().unwrap()).unwrap();
    let mut datum = Vec::new();
    avro.write_record(&mut datum, e, 1_695_913_621);
    let mut r = &datum[..];
    let v = from_avro_datum(&schema, &mut r, None).unwrap();
    assert!(r.is_empty(), "trailing bytes after the datum");
    let json = Encoder::new(OutputFormat::Json, agg, o).unwrap();
    let mut j = Vec::new();
    json.write_record(&mut j, e, 1_695_913_621);
    (to_json(&v), serde_json::from_slice(&j).unwrap())
}

/// The Avro field as JSON would print it (JSON prints tcp_flags as a string).
fn assert_same_fields(avro: &Value, json: &Value, what: &str) {
    let a = avro.as_object().unwrap();
    let j = json.as_object().unwrap();
    for (k, jv) in j {
        if k == "event_type" {
            continue; // not part of pmacct's acct_data Avro record
        }
        let av = a
            .get(k)
            .unwrap_or_else(|| panic!("{what}: {k} missing in Avro {avro}"));
        let same = av == jv || (av.is_number() && jv.as_str() == Some(&av.to_string()));
        assert!(same, "{what}: {k}: Avro {av} JSON {jv}");
    }
    for k in a.keys() {
        assert!(
            j.contains_key(k) || k == "flows",
            "{what}: {k} only in Avro"
        );
    }
}

/// Every `*_encode_as_*` key on.
fn all_encodings() -> Encodings {
    Encodings {
        tcpflags_array: true,
        fwd_status_string: true,
        mpls_label_stack_array: true,
        label_map: true,
        as_path_array: true,
        bgp_comms_array: true,
    }
}

#[test]
fn every_primitive_round_trips() {
    let all = all_encodings();
    let mut n = 0;
    for p in Primitive::all() {
        let name = p.info().name();
        let agg = Aggregate::parse(&[name]).unwrap();
        for enc in [Encodings::default(), all] {
            let (a, j) = decode(&agg, opts(enc), &entry());
            assert_same_fields(&a, &j, name);
            assert_eq!(a["writer_id"], json!("nfacctd_kafka"));
            assert_eq!(a["packets"], json!(3));
            n += 1;
        }
    }
    assert_eq!(
        n,
        2 * pmacct_flow::primitives::NUM_PRIMITIVES,
        "{n} round trips"
    );
}

#[test]
fn encodings_in_avro_and_json() {
    let agg =
        Aggregate::parse(&["tcpflags, fwd_status, mpls_label_stack, label, as_path, std_comm"])
            .unwrap();
    let all = all_encodings();
    let (a, j) = decode(&agg, opts(all), &entry());
    for v in [&a, &j] {
        assert_eq!(v["tcp_flags"], json!(["ACK", "FIN"]));
        assert_eq!(v["fwd_status"], json!("FORWARDED Unknown"));
        assert_eq!(v["mpls_label_stack"], json!(["0-16065", "1-16033"]));
        assert_eq!(v["label"], json!({}));
        assert_eq!(v["as_path"], json!([]));
        assert_eq!(v["comms"], json!([]));
    }
    // 1.7.7's (and 1.8's default) forms without the keys.
    let (a, j) = decode(&agg, opts(Encodings::default()), &entry());
    assert_eq!(j["tcp_flags"], json!("17"));
    assert_eq!(a["tcp_flags"], json!(17));
    for v in [&a, &j] {
        assert_eq!(v["fwd_status"], json!("64"));
        assert_eq!(v["mpls_label_stack"], json!("16065_16033"));
        assert_eq!(v["label"], json!(""));
    }
    // Counters, history and the absent flows as pmacct's Avro record has them.
    assert_eq!(a["flows"], Value::Null);
    assert_eq!(a["stamp_inserted"], json!(j["stamp_inserted"]));
}

/// vrf_name (pmacct 1.8): a string in JSON and Avro, empty when the exporter named no VRF.
#[test]
fn vrf_name_in_avro_and_json() {
    let agg = Aggregate::parse(&["vrf_name"]).unwrap();
    let mut e = entry();
    let (a, j) = decode(&agg, opts(Encodings::default()), &e);
    assert_eq!(
        (&a["vrf_name"], &j["vrf_name"]),
        (&json!("blue"), &json!("blue"))
    );
    e.prims.vrf_name = Default::default();
    let (a, j) = decode(&agg, opts(Encodings::default()), &e);
    assert_eq!((&a["vrf_name"], &j["vrf_name"]), (&json!(""), &json!("")));
}

/// pmacct 1.7.9's SRv6 / tunnel primitives: srv6_seg_ipv6_list a string array in both
/// (`[]` when absent; a 13-15 address list, which pmacct's one-octet length wraps, has no
/// JSON key and an empty Avro array); tunnel_tcp_flags a string, an array of flag names with
/// tcpflags_encode_as_array; tunnel_flow_label and nvgre numbers.
#[test]
fn srv6_and_tunnel_in_avro_and_json() {
    let agg = Aggregate::parse(&[
        "srv6_seg_ipv6_list, tunnel_src_host, tunnel_proto, tunnel_flow_label, tunnel_tcpflags, nvgre",
    ])
    .unwrap();
    let mut e = entry();
    let (a, j) = decode(&agg, opts(Encodings::default()), &e);
    let list = json!(["0-2001:db8:5::1", "1-2001:db8:5::2"]);
    assert_eq!(
        (&a["srv6_seg_ipv6_list"], &j["srv6_seg_ipv6_list"]),
        (&list, &list)
    );
    for v in [&a, &j] {
        assert_eq!(v["tunnel_ip_src"], json!("2001:db8:f::1"));
        assert_eq!(v["tunnel_ip_proto"], json!("ipv6"));
        assert_eq!(v["tunnel_flow_label"], json!(0xabcde));
        assert_eq!(v["tunnel_tcp_flags"], json!("18"));
        assert_eq!(v["nvgre"], json!(4242));
    }
    let (a, j) = decode(&agg, opts(all_encodings()), &e);
    assert_eq!(a["tunnel_tcp_flags"], json!(["ACK", "SYN"]));
    assert_eq!(j["tunnel_tcp_flags"], a["tunnel_tcp_flags"]);
    e.prims.srv6_seg_list = Default::default();
    let (a, j) = decode(&agg, opts(Encodings::default()), &e);
    assert_eq!(
        (&a["srv6_seg_ipv6_list"], &j["srv6_seg_ipv6_list"]),
        (&json!([]), &json!([]))
    );
    e.prims.srv6_seg_list = pmacct_flow::srv6::intern(Some(&segments(13)));
    let (a, j) = decode(&agg, opts(Encodings::default()), &e);
    assert_eq!(a["srv6_seg_ipv6_list"], json!([]));
    assert!(j.get("srv6_seg_ipv6_list").is_none(), "{j}");
    // CSV: no column (pmacct's print plugin has none); formatted: refused (variable length)
    let mut o = opts(Encodings::default());
    o.separator = ",".into();
    let enc = Encoder::new(OutputFormat::Csv, &agg, o).unwrap();
    let mut out = Vec::new();
    enc.write_header(&mut out);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "TUNNEL_SRC_IP,TUNNEL_PROTOCOL,TUNNEL_FLOW_LABEL,TUNNEL_TCP_FLAGS,NVGRE,PACKETS,BYTES\n"
    );
    assert!(Encoder::new(OutputFormat::Formatted, &agg, opts(Encodings::default())).is_err());
}

#[test]
fn avro_json_is_avro_json_encoding() {
    let agg = Aggregate::parse(&["src_host, proto, tcpflags"]).unwrap();
    let enc = Encoder::new(OutputFormat::AvroJson, &agg, opts(Encodings::default())).unwrap();
    let mut out = Vec::new();
    enc.write_record(&mut out, &entry(), 1_695_913_621);
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["ip_src"], json!("138.187.58.13"));
    assert_eq!(v["tcp_flags"], json!(17));
    assert_eq!(v["packets"], json!({"long": 3}));
    assert_eq!(v["flows"], Value::Null);
    assert!(v["stamp_inserted"]["string"].is_string(), "{v}");
}
