//! Differential tests of our nfacctd against Debian's nfacctd 1.7.7 (issue 4 item 5).
//!
//! Compiled as the integration test `compat_nfacctd` of package pmacct-bin, so cargo builds
//! our nfacctd first. Every capture x config is one test (`offline::<capture>::<config>`),
//! plus one live test per capture (`live::<capture>`: UDP replay to both daemons at once).
//! A failing test prints the records only pmacct wrote and those only ours wrote.
//!
//! Run: `cargo test --release -p pmacct-bin --test compat_nfacctd` (see compat-tests/README.md;
//! env PMACCT_NFACCTD for the oracle, PMACCT_RS_NFACCTD to test another binary of ours).

use std::path::Path;
use std::sync::Once;

use compat_tests::{configs, input, inputs, live_case, offline_case, run, Config};

fn ours() -> std::path::PathBuf {
    run::ours_binary(Some(env!("CARGO_BIN_EXE_nfacctd"))).unwrap_or_else(|e| panic!("{e}"))
}

/// pmacct runs take ~4 s each: start all of them in the background at the first test.
fn prefetch() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| run::prefetch(inputs(), configs(), run::jobs()));
}

fn report(r: compat_tests::CaseResult) {
    match r {
        Ok(note) => println!("{note}"),
        Err(e) => panic!("\n{e}"),
    }
}

fn offline_test(pcap: &str, config: &str) {
    prefetch();
    let c = Config::load(config).unwrap_or_else(|e| panic!("{e}"));
    report(offline_case(&input(Path::new(pcap)), &c, &ours()));
}

fn live_test(pcap: &str) {
    let c = Config::load("wide-json").unwrap_or_else(|e| panic!("{e}"));
    report(live_case(&input(Path::new(pcap)), &c, &ours()));
}

/// The comparison must catch a changed counter, a lost record and an extra record in a
/// real pmacct output (json and csv), and must not flag an untouched copy.
#[test]
fn harness_catches_altered_output() {
    let i = input(Path::new("inputs/softflowd-v9-s1.pcap"));
    for cfg in ["tutorial-json", "tutorial-csv"] {
        let c = Config::load(cfg).unwrap_or_else(|e| panic!("{e}"));
        let format = c.format().unwrap_or_else(|e| panic!("{e}"));
        let pm = run::oracle_output(&i, &c).unwrap_or_else(|e| panic!("{e}"));
        let lines: Vec<&str> = pm.lines().collect();
        assert!(
            lines.len() > 100,
            "{cfg}: pmacct wrote {} lines",
            lines.len()
        );
        assert!(compat_tests::compare(format, &pm, &pm).is_empty());
        let last = lines[lines.len() - 1];
        // counter changed: one record on each side
        let sep = if format == compat_tests::Format::Json {
            ": "
        } else {
            ","
        };
        let pos = last.rfind(sep).unwrap_or_else(|| panic!("{cfg}: {last}")) + sep.len();
        let altered = format!(
            "{}{}9{}",
            &pm[..pm.len() - last.len() - 1],
            &last[..pos],
            &last[pos..]
        );
        let d = compat_tests::compare(format, &pm, &format!("{altered}\n"));
        assert_eq!((d.count_pmacct(), d.count_ours()), (1, 1), "{cfg}: {d}");
        // record lost, record duplicated
        let lost: String = lines[..lines.len() - 1]
            .iter()
            .map(|l| format!("{l}\n"))
            .collect();
        let d = compat_tests::compare(format, &pm, &lost);
        assert_eq!((d.count_pmacct(), d.count_ours()), (1, 0), "{cfg}: {d}");
        let d = compat_tests::compare(format, &pm, &format!("{pm}{last}\n"));
        assert_eq!((d.count_pmacct(), d.count_ours()), (0, 1), "{cfg}: {d}");
    }
}

const CONFIGS: &[&str] = &[
    "history-csv",
    "history-formatted",
    "history-json",
    "renormalize-csv",
    "renormalize-formatted",
    "renormalize-json",
    "src_host-csv",
    "src_host-formatted",
    "src_host-json",
    "tutorial-csv",
    "tutorial-formatted",
    "tutorial-json",
    "wide-csv",
    "wide-formatted",
    "wide-json",
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
            compat_tests::assert_cases_cover("compat-tests/tests/nfacctd.rs", &[$($path),*], compat_tests::inputs(), CONFIGS, compat_tests::configs());
        }
    };
    (@configs $path:expr) => {
            #[test]
            fn history_csv() {
                crate::offline_test($path, "history-csv");
            }
            #[test]
            fn history_formatted() {
                crate::offline_test($path, "history-formatted");
            }
            #[test]
            fn history_json() {
                crate::offline_test($path, "history-json");
            }
            #[test]
            fn renormalize_csv() {
                crate::offline_test($path, "renormalize-csv");
            }
            #[test]
            fn renormalize_formatted() {
                crate::offline_test($path, "renormalize-formatted");
            }
            #[test]
            fn renormalize_json() {
                crate::offline_test($path, "renormalize-json");
            }
            #[test]
            fn src_host_csv() {
                crate::offline_test($path, "src_host-csv");
            }
            #[test]
            fn src_host_formatted() {
                crate::offline_test($path, "src_host-formatted");
            }
            #[test]
            fn src_host_json() {
                crate::offline_test($path, "src_host-json");
            }
            #[test]
            fn tutorial_csv() {
                crate::offline_test($path, "tutorial-csv");
            }
            #[test]
            fn tutorial_formatted() {
                crate::offline_test($path, "tutorial-formatted");
            }
            #[test]
            fn tutorial_json() {
                crate::offline_test($path, "tutorial-json");
            }
            #[test]
            fn wide_csv() {
                crate::offline_test($path, "wide-csv");
            }
            #[test]
            fn wide_formatted() {
                crate::offline_test($path, "wide-formatted");
            }
            #[test]
            fn wide_json() {
                crate::offline_test($path, "wide-json");
            }
    };
}

cases! {
    pta_100_traffic_00 => "corpus/pmacct-test-automation/100-IPFIXv10-CISCO/traffic-00.pcap",
    pta_101_traffic_00 => "corpus/pmacct-test-automation/101-NFv9-CISCO-cust_primitives/traffic-00.pcap",
    pta_102_traffic_00 => "corpus/pmacct-test-automation/102-NFv9-CISCO-f2rd-pretag-sampling-reload/traffic-00.pcap",
    pta_103_traffic_00 => "corpus/pmacct-test-automation/103-IPFIXv10-CISCO-pretag-JSON_encoding/traffic-00.pcap",
    pta_104_traffic_00 => "corpus/pmacct-test-automation/104-IPFIXv10-IPv6-CISCO-sampling_option/traffic-00.pcap",
    pta_110_traffic_00 => "corpus/pmacct-test-automation/110-IPFIXv10-NFv9-multiple-sources/traffic-00.pcap",
    pta_110_traffic_01 => "corpus/pmacct-test-automation/110-IPFIXv10-NFv9-multiple-sources/traffic-01.pcap",
    pta_110_traffic_02 => "corpus/pmacct-test-automation/110-IPFIXv10-NFv9-multiple-sources/traffic-02.pcap",
    pta_111_traffic_00 => "corpus/pmacct-test-automation/111-IPFIXv10-NFv9-IPv6-IPv4-mix_sources/traffic-00.pcap",
    pta_111_traffic_01 => "corpus/pmacct-test-automation/111-IPFIXv10-NFv9-IPv6-IPv4-mix_sources/traffic-01.pcap",
    tr_ipfix_multi_sources => "corpus/traffic-reproducer/ipfix-multi-sources.pcap",
    tr_ipfix_traffic => "corpus/traffic-reproducer/ipfix-traffic.pcap",
    tr_ipfix_vmware => "corpus/traffic-reproducer/ipfix-vmware.pcap",
    tr_nfv9_traffic => "corpus/traffic-reproducer/nfv9-traffic.pcap",
    gen_nfprobe_v10_s1 => "inputs/nfprobe-v10-s1.pcap",
    gen_nfprobe_v10_s2 => "inputs/nfprobe-v10-s2.pcap",
    gen_nfprobe_v5_s1 => "inputs/nfprobe-v5-s1.pcap",
    gen_nfprobe_v5_s2 => "inputs/nfprobe-v5-s2.pcap",
    gen_nfprobe_v9_s1 => "inputs/nfprobe-v9-s1.pcap",
    gen_nfprobe_v9_s2 => "inputs/nfprobe-v9-s2.pcap",
    gen_softflowd_v1_s1 => "inputs/softflowd-v1-s1.pcap",
    gen_softflowd_v10_s1 => "inputs/softflowd-v10-s1.pcap",
    gen_softflowd_v10_s2 => "inputs/softflowd-v10-s2.pcap",
    gen_softflowd_v5_s1 => "inputs/softflowd-v5-s1.pcap",
    gen_softflowd_v5_s2 => "inputs/softflowd-v5-s2.pcap",
    gen_softflowd_v9_s1 => "inputs/softflowd-v9-s1.pcap",
    gen_softflowd_v9_s2 => "inputs/softflowd-v9-s2.pcap",
}
