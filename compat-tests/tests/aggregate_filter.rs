//! aggregate_filter in nfacctd against nfacctd 1.7.7 (issue 7): pmacct evaluates a plugin's
//! BPF filter list on a dummy Ethernet frame it fills from each flow record; ours rebuilds the
//! same frame (pmacct_flow::bpf). Every NetFlow/IPFIX capture of the nfacctd harness x
//! every config of configs/aggfilter (filters on ports, protocols, address families, nets,
//! VLAN, ToS, TCP flags, MACs, MPLS) is one test, `offline::<capture>::<config>`.
//!
//! Run: `cargo test --release -p pmacct-bin --test compat_aggregate_filter` (env as for
//! compat_nfacctd).

compat_tests::netflow_harness! {
    file: "compat-tests/tests/aggregate_filter.rs",
    ours: compat_tests::ours(&compat_tests::run::NFACCTD, env!("CARGO_BIN_EXE_nfacctd")),
    captures: compat_tests::inputs(),
    configs: compat_tests::configs_in("aggfilter"),
    config_cases: [
        tutorial_csv => "aggfilter/tutorial-csv",
        tutorial_json => "aggfilter/tutorial-json",
        wide_json => "aggfilter/wide-json",
    ],
}
