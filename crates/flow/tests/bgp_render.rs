//! BGP texts as pmacct 1.7.7's print plugin writes them: spaces become `_` in CSV (its
//! `strchr(' ')` substitution), JSON keeps them; absent values are empty strings.

use pmacct_flow::custom::CustomValues;
use pmacct_flow::geo::GeoValues;
use pmacct_flow::label::intern;
use pmacct_flow::{Aggregate, Encoder, EncoderOptions, Entry, FlowType, OutputFormat, Primitives};

fn entry(p: Primitives) -> Entry {
    Entry {
        prims: p,
        custom: CustomValues::EMPTY,
        packets: 1,
        bytes: 40,
        flows: 0,
        tcp_flags: 0,
        flow_type: FlowType::Traffic,
        family: 4,
        basetime: 0,
        timestamp_min: Default::default(),
        timestamp_max: Default::default(),
        geo: GeoValues::EMPTY,
    }
}

#[test]
fn csv_underscores_json_spaces() {
    let a = Aggregate::parse(&["as_path, std_comm, ext_comm, lrg_comm, src_as_path, local_pref"])
        .unwrap();
    let p = Primitives {
        as_path: intern("65001 4200000000 {65009,65010}").unwrap(),
        std_comm: intern("65001:1 no-export").unwrap(),
        ext_comm: intern("RT:65001:100").unwrap(),
        lrg_comm: intern("4200000000:1:2 4200000000:1:3").unwrap(),
        local_pref: 200,
        ..Default::default()
    };
    let e = entry(p);
    let mut out = Vec::new();
    let o = EncoderOptions {
        separator: ",".into(),
        ..Default::default()
    };
    let enc = Encoder::new(OutputFormat::Csv, &a, o).unwrap();
    enc.write_header(&mut out);
    enc.write_record(&mut out, &e, 0);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "COMMS,ECOMMS,LCOMMS,AS_PATH,SRC_AS_PATH,PREF,PACKETS,BYTES\n\
         65001:1_no-export,RT:65001:100,4200000000:1:2_4200000000:1:3,65001_4200000000_{65009,65010},,200,1,40\n"
    );
    let mut out = Vec::new();
    let enc = Encoder::new(OutputFormat::Json, &a, EncoderOptions::default()).unwrap();
    enc.write_record(&mut out, &e, 0);
    let s = String::from_utf8(out).unwrap();
    assert!(s.contains("\"comms\": \"65001:1 no-export\""), "{s}");
    assert!(
        s.contains("\"as_path\": \"65001 4200000000 {65009,65010}\""),
        "{s}"
    );
    assert!(s.contains("\"as_path_src\": \"\""), "{s}");
}
