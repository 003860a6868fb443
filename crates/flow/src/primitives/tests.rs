use super::*;
use crate::flow::Primitives;

#[test]
fn table_is_indexed_by_variant() {
    for (i, info) in PRIMITIVES.iter().enumerate() {
        assert_eq!(info.prim as usize, i, "{:?}", info.prim);
    }
    assert_eq!(PRIMITIVES.len(), NUM_PRIMITIVES);
    let mut ranks: Vec<u8> = PRIMITIVES.iter().map(|i| i.json_rank).collect();
    ranks.sort();
    ranks.dedup();
    assert_eq!(ranks.len(), NUM_PRIMITIVES, "json ranks must be unique");
}

#[test]
fn every_listed_name_parses() {
    for k in PRIMITIVES.iter().flat_map(|i| i.keywords) {
        Aggregate::parse(&[k.name]).unwrap();
    }
}

#[test]
fn parse_errors_like_pmacct() {
    assert_eq!(
        Aggregate::parse(&["foo_prim"]),
        Err(AggregateError::Unknown("foo_prim".into()))
    );
    assert_eq!(
        Aggregate::parse(&["src_host, src_host"]),
        Err(AggregateError::Repeated("src_host".into()))
    );
    // fw_event and nat_event are one primitive.
    assert_eq!(
        Aggregate::parse(&["nat_event, fw_event"]),
        Err(AggregateError::Repeated("fw_event".into()))
    );
    let a = Aggregate::parse(&[" SRC_HOST , Dst_Host"]).unwrap();
    assert!(a.contains(Primitive::SrcHost) && a.contains(Primitive::DstHost));
    let s = Aggregate::parse(&["sum_host", "dst_host"]).unwrap();
    assert_eq!(s.columns().collect::<Vec<_>>(), vec![Primitive::SrcHost]);
    assert_eq!(s.sum_mode(), Some(SumMode::Host));
}

#[test]
fn packs_only_aggregated_fields() {
    let c = KeyCodec::new(&Aggregate::parse(&["src_host, dst_port"]).unwrap());
    let mut a = Primitives {
        src_ip: Some("10.0.0.1".parse().unwrap()),
        dst_port: 80,
        ..Default::default()
    };
    let k1 = c.pack(&a, 0).as_bytes().to_vec();
    a.src_port = 1234; // not aggregated
    assert_eq!(c.pack(&a, 0).as_bytes(), &k1[..]);
    a.dst_port = 81;
    assert_ne!(c.pack(&a, 0).as_bytes(), &k1[..]);
    assert_ne!(c.pack(&a, 60).as_bytes(), c.pack(&a, 0).as_bytes());
    // None, 0.0.0.0 and :: are three different keys.
    let z = |ip: Option<IpAddr>| {
        c.pack(
            &Primitives {
                src_ip: ip,
                ..Default::default()
            },
            0,
        )
        .as_bytes()
        .to_vec()
    };
    assert_ne!(z(None), z(Some("0.0.0.0".parse().unwrap())));
    assert_ne!(
        z(Some("::".parse().unwrap())),
        z(Some("0.0.0.0".parse().unwrap()))
    );
}

/// Text of `p`'s value in `k`, as CSV would print it (enough to tell two values apart).
fn rendered(p: Primitive, k: &Primitives) -> String {
    format!("{:?}", value(p, k, &Extras::default()))
}

/// The table is complete: every row has a keyword, JSON key, header and SQL column, and a
/// row with a field masks, packs, unpacks and renders exactly that field. A row without a
/// field must be listed in NOT_IN_FLOW_MODEL, so no primitive can be added half-wired.
#[test]
fn every_row_is_complete() {
    for info in PRIMITIVES {
        let p = info.prim;
        assert!(!info.keywords.is_empty(), "{p:?}: no keyword");
        assert!(!info.json_key.is_empty(), "{p:?}: no JSON key");
        assert!(!info.header.is_empty(), "{p:?}: no header");
        assert!(!info.sql_column(1).is_empty(), "{p:?}: no SQL column");
        assert!(
            info.vlen || info.fmt_header_width > 0,
            "{p:?}: no formatted width"
        );
        assert_eq!(Primitive::from_keyword(info.name()), Some(p));
        if !info.in_flow() {
            assert!(
                NOT_IN_FLOW_MODEL.contains(&p),
                "{p:?} has no field: list it in NOT_IN_FLOW_MODEL or give it one"
            );
            continue;
        }
        assert!(!NOT_IN_FLOW_MODEL.contains(&p), "{p:?} has a field");
        let mut poked = Primitives::default();
        poke_field(p, &mut poked);
        assert_ne!(poked, Primitives::default(), "{p:?}: field not set");
        // Rendering reads the field.
        assert_ne!(
            rendered(p, &poked),
            rendered(p, &Primitives::default()),
            "{p:?}: rendering ignores its field"
        );
        // Masking keeps it when aggregated, drops it when not.
        let only = Aggregate::from_primitives(&[p]);
        assert_eq!(mask(&poked, &only), poked, "{p:?}: not masked in");
        let other = if p == Primitive::Tag {
            Primitive::Tag2
        } else {
            Primitive::Tag
        };
        assert_eq!(
            mask(&poked, &Aggregate::from_primitives(&[other])),
            Primitives::default(),
            "{p:?}: leaks into another aggregate"
        );
        // The key tells it apart and unpacks to it.
        let codec = KeyCodec::new(&only);
        let key = codec.pack(&poked, 7);
        assert_ne!(
            key.as_bytes(),
            codec.pack(&Primitives::default(), 7).as_bytes(),
            "{p:?}: not in the key"
        );
        let mut back = Primitives::default();
        let mut cv = crate::custom::CustomValues::default();
        assert_eq!(codec.unpack(key.as_bytes(), &mut back, &mut cv), Some(7));
        assert_eq!(back, poked, "{p:?}: key does not unpack to the field");
    }
}

#[test]
fn keys_unpack_to_the_masked_primitives() {
    let agg = Aggregate::parse(&["dst_host, timestamp_end, src_host, src_port, proto, timestamp_start, mpls_vpn_rd, label, peer_dst_ip, src_mac"]).unwrap();
    let codec = KeyCodec::new(&agg);
    let mut p = Primitives::default();
    for info in PRIMITIVES {
        poke_field(info.prim, &mut p);
    }
    p.src_ip = Some("2001:db8::1".parse().unwrap());
    let key = codec.pack(&p, 3600);
    let mut back = Primitives::default();
    let mut cv = crate::custom::CustomValues::default();
    assert_eq!(codec.unpack(key.as_bytes(), &mut back, &mut cv), Some(3600));
    assert_eq!(back, mask(&p, &agg));
    // A truncated or padded key is refused, never misread.
    let b = key.as_bytes();
    assert_eq!(codec.unpack(&b[..b.len() - 1], &mut back, &mut cv), None);
    let mut longer = b.to_vec();
    longer.push(0);
    assert_eq!(codec.unpack(&longer, &mut back, &mut cv), None);
}

#[test]
fn sql_columns_follow_table_versions() {
    let t = Primitive::Tag.info();
    assert_eq!(
        (t.sql_column(1), t.sql_column(8), t.sql_column(9)),
        ("agent_id", "agent_id", "tag")
    );
    let p = Primitive::SrcPort.info();
    assert_eq!((p.sql_column(7), p.sql_column(8)), ("src_port", "port_src"));
    let a = Primitive::SrcAs.info();
    assert_eq!((a.sql_column(5), a.sql_column(6)), ("ip_src", "as_src"));
}

#[test]
fn primitives_md_is_fresh() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/PRIMITIVES.md");
    let on_disk = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        on_disk == markdown(),
        "docs/PRIMITIVES.md is stale: cargo run -p pmacct-flow --example gen-primitives-doc > docs/PRIMITIVES.md"
    );
}

/// The tutorial aggregate keys on lead fields only; a primitive or a `sum_*` side past the
/// lead makes the whole flow needed.
#[test]
fn aggregates_that_read_the_lead_only() {
    // The tutorial aggregate, plus ASNs and tags.
    let tutorial: Vec<&str> = "src_host dst_host in_iface out_iface timestamp_start timestamp_end \
        src_port dst_port proto tos tcpflags src_as dst_as tag tag2"
        .split_whitespace()
        .collect();
    assert!(Aggregate::parse(&tutorial).unwrap().reads_lead_only());
    for past in [
        "peer_src_ip",
        "src_net",
        "src_mac",
        "timestamp_arrival",
        "export_proto_seqno",
        "label",
    ] {
        let mut a = tutorial.clone();
        a.push(past);
        assert!(!Aggregate::parse(&a).unwrap().reads_lead_only(), "{past}");
    }
    for (sum, lead) in [
        ("sum_host", true),
        ("sum_as", true),
        ("sum_port", true),
        ("sum_net", false),
        ("sum_mac", false),
    ] {
        assert_eq!(
            Aggregate::parse(&[sum]).unwrap().reads_lead_only(),
            lead,
            "{sum}"
        );
    }
}
