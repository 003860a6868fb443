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

use std::path::Path;
use std::sync::Once;

use compat_tests::{configs_in, input, pcap_inputs, run, Config};

fn ours() -> std::path::PathBuf {
    run::ours_binary_of(&run::PMACCTD, Some(env!("CARGO_BIN_EXE_pmacctd")))
        .unwrap_or_else(|e| panic!("{e}"))
}

fn offline_test(pcap: &str, config: &str) {
    // pmacct runs take ~4 s each: all of them start in the background at the first test.
    static ONCE: Once = Once::new();
    ONCE.call_once(|| run::prefetch(pcap_inputs(), configs_in("pmacctd"), run::jobs()));
    compat_tests::offline_test(pcap, config, &ours());
}

/// The oracle really is pmacctd and really has records (a harness comparing two empty
/// outputs would pass everything): one record per packet of the capture with the
/// tutorial aggregate (timestamp_start is per packet).
#[test]
fn oracle_prints_records() {
    let c = Config::load("pmacctd/tutorial-json").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(run::collector_of(&c).name, "pmacctd");
    let i = input(Path::new("inputs/pcap/pm-eth-s12.pcap"));
    let pm = run::oracle_output(&i, &c).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(pm.lines().count(), 1168, "pmacctd records of pm-eth-s12");
}

const CONFIGS: &[&str] = &[
    "pmacctd/aggregate_filter-csv",
    "pmacctd/aggregate_filter-formatted",
    "pmacctd/aggregate_filter-json",
    "pmacctd/pcap_filter-csv",
    "pmacctd/pcap_filter-formatted",
    "pmacctd/pcap_filter-json",
    "pmacctd/proto-csv",
    "pmacctd/proto-formatted",
    "pmacctd/proto-json",
    "pmacctd/src_host-csv",
    "pmacctd/src_host-formatted",
    "pmacctd/src_host-json",
    "pmacctd/tutorial-csv",
    "pmacctd/tutorial-formatted",
    "pmacctd/tutorial-json",
    "pmacctd/wide-csv",
    "pmacctd/wide-formatted",
    "pmacctd/wide-json",
];

macro_rules! cases {
    ($($name:ident => $path:expr,)*) => {
        mod offline {
            $(mod $name {
                cases!(@configs $path);
            })*
        }
        /// A capture or config added to compat-tests must get its cases here.
        #[test]
        fn every_input_and_config_has_cases() {
            compat_tests::assert_cases_cover("compat-tests/tests/pmacctd.rs", &[$($path),*], compat_tests::pcap_inputs(), CONFIGS, compat_tests::configs_in("pmacctd"));
        }
    };
    (@configs $path:expr) => {
            #[test]
            fn aggregate_filter_csv() {
                crate::offline_test($path, "pmacctd/aggregate_filter-csv");
            }
            #[test]
            fn aggregate_filter_formatted() {
                crate::offline_test($path, "pmacctd/aggregate_filter-formatted");
            }
            #[test]
            fn aggregate_filter_json() {
                crate::offline_test($path, "pmacctd/aggregate_filter-json");
            }
            #[test]
            fn pcap_filter_csv() {
                crate::offline_test($path, "pmacctd/pcap_filter-csv");
            }
            #[test]
            fn pcap_filter_formatted() {
                crate::offline_test($path, "pmacctd/pcap_filter-formatted");
            }
            #[test]
            fn pcap_filter_json() {
                crate::offline_test($path, "pmacctd/pcap_filter-json");
            }
            #[test]
            fn proto_csv() {
                crate::offline_test($path, "pmacctd/proto-csv");
            }
            #[test]
            fn proto_formatted() {
                crate::offline_test($path, "pmacctd/proto-formatted");
            }
            #[test]
            fn proto_json() {
                crate::offline_test($path, "pmacctd/proto-json");
            }
            #[test]
            fn src_host_csv() {
                crate::offline_test($path, "pmacctd/src_host-csv");
            }
            #[test]
            fn src_host_formatted() {
                crate::offline_test($path, "pmacctd/src_host-formatted");
            }
            #[test]
            fn src_host_json() {
                crate::offline_test($path, "pmacctd/src_host-json");
            }
            #[test]
            fn tutorial_csv() {
                crate::offline_test($path, "pmacctd/tutorial-csv");
            }
            #[test]
            fn tutorial_formatted() {
                crate::offline_test($path, "pmacctd/tutorial-formatted");
            }
            #[test]
            fn tutorial_json() {
                crate::offline_test($path, "pmacctd/tutorial-json");
            }
            #[test]
            fn wide_csv() {
                crate::offline_test($path, "pmacctd/wide-csv");
            }
            #[test]
            fn wide_formatted() {
                crate::offline_test($path, "pmacctd/wide-formatted");
            }
            #[test]
            fn wide_json() {
                crate::offline_test($path, "pmacctd/wide-json");
            }
    };
}

cases! {
    eth_s11 => "inputs/pcap/pm-eth-s11.pcap",
    eth_s12 => "inputs/pcap/pm-eth-s12.pcap",
    null_s15 => "inputs/pcap/pm-null-s15.pcap",
    raw_s14 => "inputs/pcap/pm-raw-s14.pcap",
    sll_s13 => "inputs/pcap/pm-sll-s13.pcap",
    special => "inputs/pcap/pm-special.pcap",
}
