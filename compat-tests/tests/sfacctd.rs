//! Differential tests of our sfacctd against Debian's sfacctd 1.7.7 (issue 6).
//!
//! Compiled as the integration test `compat_sfacctd` of package pmacct-bin, so cargo builds
//! our sfacctd first. Every sFlow capture of inputs/sflow x every config of configs/sfacctd
//! is one test (`offline::<capture>::<config>`), plus one live test per capture
//! (`live::<capture>`: UDP replay to both daemons at once, config sfacctd/wide-json).
//! The machinery is the nfacctd harness's (compat-tests/src); the oracle is the sfacctd
//! binary because the configs live under configs/sfacctd/.
//!
//! Run: `cargo test --release -p pmacct-bin --test compat_sfacctd` (env PMACCT_SFACCTD for
//! the oracle, PMACCT_RS_SFACCTD to test another binary of ours).

use std::path::Path;
use std::sync::Once;

use compat_tests::{configs_in, input, run, sflow_inputs, Config};

fn ours() -> std::path::PathBuf {
    run::ours_binary_of(&run::SFACCTD, Some(env!("CARGO_BIN_EXE_sfacctd")))
        .unwrap_or_else(|e| panic!("{e}"))
}

fn offline_test(pcap: &str, config: &str) {
    // pmacct runs take ~4 s each: all of them start in the background at the first test.
    static ONCE: Once = Once::new();
    ONCE.call_once(|| run::prefetch(sflow_inputs(), configs_in("sfacctd"), run::jobs()));
    compat_tests::offline_test(pcap, config, &ours());
}

fn live_test(pcap: &str) {
    compat_tests::live_test(pcap, "sfacctd/wide-json", &ours());
}

/// The oracle really is sfacctd and really has records: the sfprobe captures give hundreds
/// (a harness comparing two empty outputs would pass everything).
#[test]
fn oracle_prints_records() {
    let c = Config::load("sfacctd/wide-json").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(run::collector_of(&c).name, "sfacctd");
    let i = input(Path::new("inputs/sflow/sfprobe-s2.pcap"));
    let pm = run::oracle_output(&i, &c).unwrap_or_else(|e| panic!("{e}"));
    let n = pm
        .lines()
        .filter(|l| l.contains("\"peer_ip_src\": \"192.0.2.12\""))
        .count();
    assert!(n > 500, "sfacctd printed {n} records of agent 192.0.2.12");
}

const CONFIGS: &[&str] = &[
    "sfacctd/renormalize-csv",
    "sfacctd/renormalize-formatted",
    "sfacctd/renormalize-json",
    "sfacctd/src_host-csv",
    "sfacctd/src_host-formatted",
    "sfacctd/src_host-json",
    "sfacctd/tutorial-csv",
    "sfacctd/tutorial-formatted",
    "sfacctd/tutorial-json",
    "sfacctd/wide-csv",
    "sfacctd/wide-formatted",
    "sfacctd/wide-json",
];

macro_rules! cases {
    ($($name:ident => $path:expr,)*) => {
        mod offline {
            $(mod $name {
                cases!(@configs $path);
            })*
        }
        mod live {
            $(#[test]
            fn $name() {
                crate::live_test($path);
            })*
        }
        /// A capture or config added to compat-tests must get its cases here.
        #[test]
        fn every_input_and_config_has_cases() {
            compat_tests::assert_cases_cover("compat-tests/tests/sfacctd.rs", &[$($path),*], compat_tests::sflow_inputs(), CONFIGS, compat_tests::configs_in("sfacctd"));
        }
    };
    (@configs $path:expr) => {
            #[test]
            fn renormalize_csv() {
                crate::offline_test($path, "sfacctd/renormalize-csv");
            }
            #[test]
            fn renormalize_formatted() {
                crate::offline_test($path, "sfacctd/renormalize-formatted");
            }
            #[test]
            fn renormalize_json() {
                crate::offline_test($path, "sfacctd/renormalize-json");
            }
            #[test]
            fn src_host_csv() {
                crate::offline_test($path, "sfacctd/src_host-csv");
            }
            #[test]
            fn src_host_formatted() {
                crate::offline_test($path, "sfacctd/src_host-formatted");
            }
            #[test]
            fn src_host_json() {
                crate::offline_test($path, "sfacctd/src_host-json");
            }
            #[test]
            fn tutorial_csv() {
                crate::offline_test($path, "sfacctd/tutorial-csv");
            }
            #[test]
            fn tutorial_formatted() {
                crate::offline_test($path, "sfacctd/tutorial-formatted");
            }
            #[test]
            fn tutorial_json() {
                crate::offline_test($path, "sfacctd/tutorial-json");
            }
            #[test]
            fn wide_csv() {
                crate::offline_test($path, "sfacctd/wide-csv");
            }
            #[test]
            fn wide_formatted() {
                crate::offline_test($path, "sfacctd/wide-formatted");
            }
            #[test]
            fn wide_json() {
                crate::offline_test($path, "sfacctd/wide-json");
            }
    };
}

cases! {
    crafted => "inputs/sflow/crafted.pcap",
    sfprobe_quirks_s5 => "inputs/sflow/sfprobe-quirks-s5.pcap",
    sfprobe_s1 => "inputs/sflow/sfprobe-s1.pcap",
    sfprobe_s2 => "inputs/sflow/sfprobe-s2.pcap",
    sfprobe_s3 => "inputs/sflow/sfprobe-s3.pcap",
    sfprobe_s4 => "inputs/sflow/sfprobe-s4.pcap",
}
