//! A custom primitive (`aggregate_primitives`) named like a pmacct 1.8 built-in one is the
//! custom one: pmacct 1.7.7-1.7.9 have only the custom primitive, and configs written for
//! them (pmacct-test-automation's `vrf_name`) expect it under `custom_primitives`. Its own
//! process: the custom table is process-wide.

use pmacct_flow::custom::{self, CustomTable};
use pmacct_flow::primitives::{Aggregate, Primitive};

#[test]
fn custom_vrf_name_wins_over_the_builtin() {
    let builtin = Aggregate::parse(&["vrf_name, src_host"]).unwrap();
    assert!(builtin.contains(Primitive::VrfName) && builtin.custom().is_empty());
    let table = CustomTable::parse(
        "primitives.lst",
        "name=vrf_name field_type=236 len=32 semantics=str\n",
        true,
        &mut |w| panic!("{w}"),
    );
    custom::register(table);
    let a = Aggregate::parse(&["src_host, vrf_name"]).unwrap();
    assert!(!a.contains(Primitive::VrfName));
    let names: Vec<&str> = a.custom().iter().map(|c| c.name).collect();
    assert_eq!(names, ["vrf_name"]);
    assert!(Aggregate::parse(&["vrf_name, vrf_name"]).is_err());
    // a 1.7.7 primitive keeps its built-in meaning whatever the table says
    custom::register(CustomTable::parse(
        "primitives.lst",
        "name=src_host field_type=8 len=4 semantics=ip\n",
        true,
        &mut |w| panic!("{w}"),
    ));
    let a = Aggregate::parse(&["src_host"]).unwrap();
    assert!(a.contains(Primitive::SrcHost) && a.custom().is_empty());
}
