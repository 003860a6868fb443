//! Unit tests: reading rules as pmacct 1.7.7 does (its messages taken from runs of Debian's
//! nfacctd 1.7.7 on the same lines, see compat-tests/maps) and evaluating them on flows.

use super::*;
use pmacct_flow::Primitives;

fn map(text: &str) -> (PreTagMap, Vec<String>) {
    let mut d = Vec::new();
    let m = parse("m.map", text, &Options::new(Daemon::Nfacctd), &mut d);
    (m, d.iter().map(|d| d.err.to_string()).collect())
}

fn flow(exporter: &str, v: u16) -> Flow {
    Flow {
        prims: Primitives {
            peer_src_ip: Some(exporter.parse().unwrap()),
            src_ip: Some("10.0.0.1".parse().unwrap()),
            dst_ip: Some("10.0.1.1".parse().unwrap()),
            in_iface: 3,
            out_iface: 5,
            proto: 6,
            src_port: 1024,
            dst_port: 80,
            export_proto_version: v,
            export_proto_sysid: 7,
            family: 4,
            direction_raw: 0xFF,
            ..Primitives::default()
        },
        ..Flow::default()
    }
}

fn eval(m: &PreTagMap, f: &Flow) -> Tags {
    let mut t = Tags::default();
    m.evaluate(f, Daemon::Nfacctd, &mut t);
    t
}

#[test]
fn comma_in_set_label_ignores_the_line_as_1_7_7() {
    let (m, d) = map("set_label=nkey%100.1,pkey%testing ip=192.168.100.1/32\nset_label=x\n");
    assert_eq!(
        d,
        vec![
            "[m.map] Invalid set_label specified.",
            "[m.map:1] Line ignored."
        ]
    );
    // The second line has no ip: one rule per family.
    assert_eq!(m.rule_lines(), (vec![2], vec![2]));
}

/// pmacct 1.7.8+ with `pre_tag_label_encode_as_map`: commas separate the label's pairs; only
/// a pair made of `%` alone is refused (1.7.8's light check).
#[test]
fn comma_in_set_label_with_encode_as_map_as_1_7_8() {
    let mut o = Options::new(Daemon::Nfacctd);
    o.label_encode_as_map = true;
    let mut d = Vec::new();
    let text =
        "set_label=nkey%100.1,pkey%testing ip=192.168.100.1/32\nset_label=a%b,%% ip=10.0.0.1/32\n";
    let m = parse("m.map", text, &o, &mut d);
    let d: Vec<String> = d.iter().map(|d| d.err.to_string()).collect();
    assert_eq!(
        d,
        vec![
            "[m.map] Missing pretag_label_encode_as_map separator.",
            "[m.map:2] Line ignored."
        ]
    );
    let t = eval(&m, &flow("192.168.100.1", 9));
    assert_eq!(t.label, "nkey%100.1,pkey%testing");
}

#[test]
fn malformed_and_unknown_keys() {
    let (m, d) =
        map("set_tag=1 foo\nset_tag=2 v8agg=3\nset_tag=x\nset_tag=1|in=2\nset_tag=4 in=-a\n");
    assert_eq!(
        d,
        vec![
            "[m.map:1] malformed line. Ignored.",
            "[m.map:2] unknown key 'v8agg'. Ignored.",
            "[m.map] Invalid set_tag/id specified (non-digit chars).",
            "[m.map:3] Line ignored.",
            "[m.map] Invalid symbol '|' detected.",
            "[m.map:4] malformed line. Ignored.",
            "[m.map] bad 'in' value: 'a'.",
            "[m.map:5] Line ignored.",
            "[m.map] Negations not supported. Indexing disabled.",
        ]
    );
    assert!(m.is_empty());
}

#[test]
fn first_match_wins_per_family() {
    let (m, _) = map("set_tag=1 ip=192.0.2.1 in=4\nset_tag=2 ip=192.0.2.0/24\nset_tag=3\n");
    assert_eq!(eval(&m, &flow("192.0.2.1", 9)).tag, 2);
    assert_eq!(eval(&m, &flow("198.51.100.1", 9)).tag, 3);
    assert_eq!(eval(&m, &flow("2001:db8::1", 10)).tag, 3);
}

#[test]
fn negation_and_version_specific_fields() {
    let (m, _) = map("set_tag=1 in=-3\nset_tag=2 engine_type=0\nset_tag=3 out=5\n");
    let f9 = flow("192.0.2.1", 9);
    // in=-3 fails on in 3; engine_type never matches on v9; out=5 matches.
    assert_eq!(eval(&m, &f9).tag, 3);
    let mut f5 = flow("192.0.2.1", 5);
    f5.prims.in_iface = 4;
    assert_eq!(eval(&m, &f5).tag, 1);
}

#[test]
fn jeq_labels_concatenate_and_stack_sums() {
    let (m, _) = map(
        "set_label=a ip=0.0.0.0/0 jeq=two\nset_label=skipped ip=0.0.0.0/0\nset_label=b ip=0.0.0.0/0 label=two\n\
         set_tag=10 ip=0.0.0.0/0 jeq=t\nset_tag=5 label=t stack=sum ip=0.0.0.0/0\n",
    );
    let t = eval(&m, &flow("192.0.2.1", 9));
    assert_eq!(t.label, "a,b");
    // The label chain stops at 'b' (no jeq): the tag rules are never reached.
    assert_eq!(t.tag, 0);
    let (m, _) = map("set_tag=10 jeq=t\nset_tag=5 label=t stack=sum\n");
    assert_eq!(eval(&m, &flow("192.0.2.1", 9)).tag, 15);
    let (m, _) = map("set_tag=1++\n");
    let f = flow("192.0.2.1", 9);
    assert_eq!(
        [eval(&m, &f).tag, eval(&m, &f).tag, eval(&m, &f).tag],
        [1, 2, 3]
    );
}

#[test]
fn unresolved_and_backward_jumps_are_ignored() {
    let (m, d) = map("set_tag=1 label=back\nset_tag=2 jeq=back\n");
    assert_eq!(
        d,
        vec![
            "[m.map] Unresolved label 'back'. Ignoring it.",
            "[m.map] Unresolved label 'back'. Ignoring it."
        ]
    );
    assert_eq!(eval(&m, &flow("192.0.2.1", 9)).tag, 1);
}

#[test]
fn one_rule_sets_one_of_tag_tag2_label() {
    // pmacct keeps one value register: with set_tag2 written last, tag gets its value.
    let (m, _) = map("set_tag=1 set_tag2=2\n");
    let t = eval(&m, &flow("192.0.2.1", 9));
    assert_eq!((t.tag, t.tag2), (2, 0));
    let (m, _) = map("set_tag2=2 set_label=x\n");
    let t = eval(&m, &flow("192.0.2.1", 9));
    assert_eq!((t.tag, t.tag2, t.label.as_str()), (0, 2, ""));
}

#[test]
fn filter_on_synthesized_packet() {
    let (m, d) = map(
        "set_tag=7 filter='tcp and dst port 80 and src net 10.0.0.0/24'\nset_tag=8 filter='udp'\n",
    );
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(eval(&m, &flow("192.0.2.1", 9)).tag, 7);
    let mut f = flow("192.0.2.1", 9);
    f.prims.proto = 17;
    assert_eq!(eval(&m, &f).tag, 8);
    let (_, d) = map("set_tag=7 filter='tcp and and'\n");
    assert_eq!(d.len(), 2);
    assert!(d[0].starts_with("[m.map] malformed filter: "), "{d:?}");
}

#[test]
fn entries_are_cut_at_maps_entries() {
    let mut o = Options::new(Daemon::Nfacctd);
    o.max_entries = 3;
    let mut d = Vec::new();
    let m = parse("m.map", "set_tag=1\nset_tag=2\nset_tag=3\n", &o, &mut d);
    assert_eq!(m.len(), 3);
    assert_eq!(m.rule_lines(), (vec![1, 2], vec![1]));
    assert_eq!(
        d[0].err.to_string(),
        "[m.map] file cut to the first 3 entries. Number of entries can be configured via 'maps_entries'."
    );
}

#[test]
fn long_rows_are_read_in_pieces() {
    let mut o = Options::new(Daemon::Nfacctd);
    o.row_len = 16;
    let mut d = Vec::new();
    let m = parse(
        "m.map",
        "set_tag=1 ip=192.168.100.1\nset_tag=2\n",
        &o,
        &mut d,
    );
    let d: Vec<_> = d.iter().map(|d| d.err.to_string()).collect();
    // As nfacctd 1.7.7 with maps_row_len: 16 logs it: the rest of the long line
    // ("2.168.100.1") is read as line 2; the real line 2 is line 3.
    assert_eq!(
        d,
        vec![
            "[m.map:1] line too long (max 16 chars). Ignored.",
            "[m.map:2] malformed line. Ignored."
        ]
    );
    assert_eq!(m.rule_lines().0, vec![3]);
}

#[test]
fn tag_filters_as_pmacct() {
    let f = TagFilter::parse("0").unwrap();
    assert!(f.allows(0) && !f.allows(1));
    let f = TagFilter::parse("10-20, 30").unwrap();
    assert!(f.allows(10) && f.allows(20) && f.allows(30) && !f.allows(21));
    let f = TagFilter::parse("-6").unwrap();
    assert!(!f.allows(6) && f.allows(7));
    // Evaluated in order: a non-matching negation lets everything else in.
    let f = TagFilter::parse("-6,-7").unwrap();
    assert!(!f.allows(6) && f.allows(7));
    assert_eq!(
        TagFilter::parse("20-10").unwrap_err(),
        "Range value is expected in format low-high. '20-10'."
    );
    assert!(TagFilter::default().allows(5));
}

#[test]
fn label_filters_as_pmacct() {
    let f = LabelFilter::parse("-null");
    assert!(!f.allows("") && f.allows("a"));
    let f = LabelFilter::parse("blabla, blabla2");
    assert!(f.allows("blabla") && f.allows("blabla,blabla2") && !f.allows("bla"));
    assert!(!f.allows(""));
}

#[test]
fn apply_sets_flow_fields() {
    let (m, _) = map("set_label=x set_tos=4\n");
    let mut f = flow("192.0.2.1", 9);
    let t = eval(&m, &f);
    assert!(apply_tags(&mut f, &t));
    assert_eq!(pmacct_flow::label::resolve(f.prims.label), "x");
    assert_eq!(f.prims.tos, 4);
}

#[test]
fn daemon_specific_keys() {
    // sfacctd: vlan matches the input or the output VLAN; MACs compare exactly (zero too).
    let mut d = Vec::new();
    let m = parse(
        "s.map",
        "set_tag=1 vlan=20\nset_tag=2 src_mac=00:00:00:00:00:00\nset_tag=3 engine_type=0\n",
        &Options::new(Daemon::Sfacctd),
        &mut d,
    );
    assert!(d.is_empty(), "{d:?}");
    let mut f = flow("192.0.2.1", 5);
    f.prims.sflow_in_vlan = 10;
    f.prims.sflow_out_vlan = 20;
    let mut t = Tags::default();
    m.evaluate(&f, Daemon::Sfacctd, &mut t);
    assert_eq!(t.tag, 1);
    f.prims.sflow_out_vlan = 30;
    m.evaluate(&f, Daemon::Sfacctd, &mut t);
    assert_eq!(t.tag, 2);
    // nfacctd: a record without MACs never matches src_mac.
    let (m, _) = map("set_tag=2 src_mac=00:00:00:00:00:00\nset_tag=4\n");
    assert_eq!(eval(&m, &flow("192.0.2.1", 9)).tag, 4);
    // pmacctd: ip= is refused, rules are IPv4-only.
    let mut d = Vec::new();
    let m = parse(
        "p.map",
        "set_tag=1 ip=10.0.0.1\nset_tag=2\n",
        &Options::new(Daemon::Pmacctd),
        &mut d,
    );
    assert_eq!(
        d[0].err.to_string(),
        "[p.map:1] key 'ip' not applicable. Line ignored."
    );
    assert_eq!(m.rule_lines(), (vec![2], vec![]));
}

#[test]
fn exporter_index_walks_like_the_plain_walk() {
    // Many routers, each with its own rules, plus generic ones in between and jumps across.
    let mut text = String::new();
    for r in 0..200u32 {
        text.push_str(&format!(
            "set_tag={} ip=10.0.{}.{} in=3 jeq=g\nset_tag={} ip=10.0.{}.{}\n",
            r + 1,
            r / 250,
            r % 250,
            r + 1000,
            r / 250,
            r % 250
        ));
        if r % 50 == 0 {
            text.push_str(&format!("set_tag2={r} ip=10.0.0.0/16 in=99\n"));
        }
    }
    text.push_str("set_tag2=7 label=g stack=sum\nset_tag=5\n");
    let mut o = Options::new(Daemon::Nfacctd);
    o.max_entries = 10_000;
    let mut d = Vec::new();
    let m = parse("m.map", &text, &o, &mut d);
    assert!(d.is_empty(), "{d:?}");
    for (exp, want) in [
        ("10.0.0.7", (8, 7)),
        ("10.0.0.199", (200, 7)),
        ("10.9.9.9", (0, 7)),
    ] {
        let t = eval(&m, &flow(exp, 9));
        assert_eq!((t.tag, t.tag2), want, "{exp}");
    }
    let mut f = flow("10.0.0.7", 9);
    f.prims.in_iface = 99;
    let t = eval(&m, &f);
    // The /16 rule before router 7's second rule matches first (file order kept).
    assert_eq!((t.tag, t.tag2), (0, 0));
    // Same result as visiting every rule, for every exporter and input interface.
    for r in (0..220u32).step_by(7) {
        for inp in [3, 99, 4] {
            let mut f = flow(&format!("10.0.{}.{}", r / 250, r % 250), 9);
            f.prims.in_iface = inp;
            let a = eval(&m, &f);
            let b = plain_walk(&m, &f);
            assert_eq!((a.tag, a.tag2, a.label), (b.tag, b.tag2, b.label));
        }
    }
}

/// The walk over every rule of the family, without the exporter index.
fn plain_walk(m: &PreTagMap, f: &Flow) -> Tags {
    let mut out = Tags::default();
    let rules = &m.v4;
    let mut pkt = PacketBuf::new(m.frame_linktype);
    let mut x = 0;
    while x < rules.len() {
        let r = &rules[x];
        let a = f.prims.peer_src_ip.unwrap();
        if !in_prefix(a, r.agent.0, r.agent.1) || !r.matches(f, &mut pkt, Daemon::Nfacctd) {
            x += 1;
            continue;
        }
        m.apply(r, &mut out);
        match r.jeq_to {
            Some(to) => x = to,
            None => break,
        }
    }
    out
}

/// Throughput of evaluation + label interning (run: cargo test --release -p pmacct-maps --
/// --ignored --nocapture pretag_throughput).
#[test]
#[ignore]
fn pretag_throughput() {
    let mut text = String::new();
    for r in 0..1000u32 {
        text.push_str(&format!(
            "set_label=nkey%{r} ip=10.{}.{}.1 jeq=p\nset_label=pkey%{r} ip=10.{}.{}.1 label=p\n",
            r / 250,
            r % 250,
            r / 250,
            r % 250
        ));
    }
    text.push_str("set_label=unknown\n");
    let mut o = Options::new(Daemon::Nfacctd);
    o.max_entries = 10_000;
    let mut d = Vec::new();
    let m = parse("m.map", &text, &o, &mut d);
    let flows: Vec<Flow> = (0..1024u32)
        .map(|i| flow(&format!("10.{}.{}.1", (i % 1000) / 250, i % 250), 9))
        .collect();
    let mut t = Tags::default();
    let n = 2_000_000;
    let start = std::time::Instant::now();
    for i in 0..n {
        let mut f = flows[i % flows.len()];
        m.evaluate(&f, Daemon::Nfacctd, &mut t);
        assert!(apply_tags(&mut f, &t));
    }
    let el = start.elapsed();
    eprintln!(
        "{n} flows, 2001-rule map of 1000 exporters: {:.0} ns/flow",
        el.as_nanos() as f64 / n as f64
    );
}
