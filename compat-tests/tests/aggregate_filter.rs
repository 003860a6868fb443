//! aggregate_filter in nfacctd against nfacctd 1.7.7 (issue 7): pmacct evaluates a plugin's
//! BPF filter list on a dummy Ethernet frame it fills from each flow record; ours rebuilds the
//! same frame (pmacct_plugins::filter). Every NetFlow/IPFIX capture of the nfacctd harness x
//! every config of configs/aggfilter (filters on ports, protocols, address families, nets,
//! VLAN, ToS, TCP flags, MACs, MPLS) is one test, `offline::<capture>::<config>`.
//!
//! Run: `cargo test --release -p pmacct-bin --test compat_aggregate_filter` (env as for
//! compat_nfacctd).

use std::sync::Once;

use compat_tests::{configs_in, inputs, run};

fn offline_test(pcap: &str, config: &str) {
    // pmacct runs take ~4 s each: all of them start in the background at the first test.
    static ONCE: Once = Once::new();
    ONCE.call_once(|| run::prefetch(inputs(), configs_in("aggfilter"), run::jobs()));
    let ours =
        run::ours_binary(Some(env!("CARGO_BIN_EXE_nfacctd"))).unwrap_or_else(|e| panic!("{e}"));
    compat_tests::offline_test(pcap, config, &ours);
}

const CONFIGS: &[&str] = &[
    "aggfilter/tutorial-csv",
    "aggfilter/tutorial-json",
    "aggfilter/wide-json",
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
            compat_tests::assert_cases_cover("compat-tests/tests/aggregate_filter.rs", &[$($path),*], compat_tests::inputs(), CONFIGS, compat_tests::configs_in("aggfilter"));
        }
    };
    (@configs $path:expr) => {
            #[test]
            fn tutorial_csv() {
                crate::offline_test($path, "aggfilter/tutorial-csv");
            }
            #[test]
            fn tutorial_json() {
                crate::offline_test($path, "aggfilter/tutorial-json");
            }
            #[test]
            fn wide_json() {
                crate::offline_test($path, "aggfilter/wide-json");
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
