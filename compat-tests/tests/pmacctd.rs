//! Differential tests of our pmacctd against Debian's pmacctd 1.7.7 (issue 7).
//!
//! Compiled as the integration test `compat_pmacctd` of package pmacct-bin, so cargo builds
//! our pmacctd first. Every raw-traffic capture of inputs/pcap (gen/gen_pmacctd_pcaps.py:
//! Ethernet, Linux cooked, raw IP and BSD loopback link types; IPv4/IPv6, TCP/UDP/ICMP,
//! 802.1Q, QinQ, PPPoE, MPLS stacks, fragments, snaplen-cut frames) x every config of
//! configs/pmacctd (tutorial, wide, src_host, proto, pcap_filter, aggregate_filter x
//! json/csv/formatted) is one test (`offline::<capture>::<config>`), both daemons reading the
//! capture with `pcap_savefile`. The machinery is the nfacctd harness's (compat-tests/src);
//! the oracle is pmacctd because the configs live under configs/pmacctd/.
//!
//! Run: `cargo test --release -p pmacct-bin --test compat_pmacctd` (env PMACCT_PMACCTD for
//! the oracle, PMACCT_RS_PMACCTD to test another binary of ours).

/// The oracle really is pmacctd and really has records (a harness comparing two empty
/// outputs would pass everything): one record per packet of the capture with the
/// tutorial aggregate (timestamp_start is per packet).
#[test]
fn oracle_prints_records() {
    let pm = compat_tests::oracle_test_output(
        "pmacctd",
        "inputs/pcap/pm-eth-s12.pcap",
        "pmacctd/tutorial-json",
    );
    assert_eq!(pm.lines().count(), 1168, "pmacctd records of pm-eth-s12");
}

/// With pmacctd_ext_sampling_rate and pmacctd_renormalize, pmacctd 1.7.7 multiplies the
/// counters by 1000 and prints sampling_rate 1; with ports aggregated, a fragment whose first
/// fragment came later or never is accounted alone with ports 0 (pm-special.pcap has both).
#[test]
fn oracle_ext_sampling_rate() {
    let pm = compat_tests::oracle_test_output(
        "pmacctd",
        "inputs/pcap/pm-special.pcap",
        "pmacctd/ext_sampling-csv",
    );
    assert!(pm.lines().count() > 15, "{pm}");
    assert!(
        pm.contains("10.9.1.3,192.0.2.9,0,0,0,udp,1,1000,532000"),
        "orphan fragment alone with ports 0:\n{pm}"
    );
}

compat_tests::harness! {
    file: "compat-tests/tests/pmacctd.rs",
    ours: compat_tests::ours(&compat_tests::run::PMACCTD, env!("CARGO_BIN_EXE_pmacctd")),
    captures: compat_tests::pcap_inputs(),
    configs: compat_tests::configs_in("pmacctd"),
    config_cases: [
        aggregate_filter_csv => "pmacctd/aggregate_filter-csv",
        aggregate_filter_formatted => "pmacctd/aggregate_filter-formatted",
        aggregate_filter_json => "pmacctd/aggregate_filter-json",
        ext_sampling_csv => "pmacctd/ext_sampling-csv",
        ext_sampling_formatted => "pmacctd/ext_sampling-formatted",
        ext_sampling_json => "pmacctd/ext_sampling-json",
        networks_missing_csv => "pmacctd/networks_missing-csv",
        pcap_filter_csv => "pmacctd/pcap_filter-csv",
        pcap_filter_formatted => "pmacctd/pcap_filter-formatted",
        pcap_filter_json => "pmacctd/pcap_filter-json",
        proto_csv => "pmacctd/proto-csv",
        proto_formatted => "pmacctd/proto-formatted",
        proto_json => "pmacctd/proto-json",
        src_host_csv => "pmacctd/src_host-csv",
        src_host_formatted => "pmacctd/src_host-formatted",
        src_host_json => "pmacctd/src_host-json",
        tutorial_csv => "pmacctd/tutorial-csv",
        tutorial_formatted => "pmacctd/tutorial-formatted",
        tutorial_json => "pmacctd/tutorial-json",
        wide_csv => "pmacctd/wide-csv",
        wide_formatted => "pmacctd/wide-formatted",
        wide_json => "pmacctd/wide-json",
    ],
    cases: [
        eth_s11 => "inputs/pcap/pm-eth-s11.pcap",
        eth_s12 => "inputs/pcap/pm-eth-s12.pcap",
        null_s15 => "inputs/pcap/pm-null-s15.pcap",
        raw_s14 => "inputs/pcap/pm-raw-s14.pcap",
        sll_s13 => "inputs/pcap/pm-sll-s13.pcap",
        special => "inputs/pcap/pm-special.pcap",
    ],
}
