//! The test cases of a differential harness (tests/nfacctd.rs, sfacctd.rs, pmacctd.rs,
//! aggregate_filter.rs): one `#[test]` per capture x config, `offline::<capture>::<config>`,
//! optionally one `live::<capture>` per capture, and `every_input_and_config_has_cases`.
//! Written once here so the harnesses differ only in what they test, not in how.

/// Declares a harness's tests, at the root of its test crate:
///
/// ```ignore
/// compat_tests::harness! {
///     file: "compat-tests/tests/sfacctd.rs",      // named when the case list is stale
///     ours: compat_tests::ours(&compat_tests::run::SFACCTD, env!("CARGO_BIN_EXE_sfacctd")),
///     captures: compat_tests::sflow_inputs(),     // every capture it must cover
///     configs: compat_tests::configs_in("sfacctd"), // every config it must cover
///     live: "sfacctd/wide-json",                  // optional: config of live::<capture>
///     config_cases: [wide_json => "sfacctd/wide-json", ...],
///     cases: [sfprobe_s1 => "inputs/sflow/sfprobe-s1.pcap", ...],
/// }
/// ```
///
/// The expressions expand inside the generated test modules, so they name things by
/// absolute paths (`compat_tests::…`, `crate::…`). The first offline test to run starts
/// every pmacct run of `captures` x `configs` in the background ([`crate::prefetch_once`]).
#[macro_export]
macro_rules! harness {
    (
        file: $file:expr,
        ours: $ours:expr,
        captures: $captures:expr,
        configs: $configs:expr,
        $(live: $live:expr,)?
        config_cases: $config_cases:tt,
        cases: [$($name:ident => $path:expr,)*] $(,)?
    ) => {
        mod offline {
            $(mod $name {
                $crate::harness!(@offline $path, $ours, $captures, $configs, $config_cases);
            })*
        }
        $crate::harness!(@live [$($live)?], $ours, [$($name => $path,)*]);
        /// A capture or config added to compat-tests must get its cases here.
        #[test]
        fn every_input_and_config_has_cases() {
            $crate::harness!(@cover $file, [$($path),*], $captures, $configs, $config_cases);
        }
    };
    (@offline $path:expr, $ours:expr, $captures:expr, $configs:expr,
        [$($config_name:ident => $config:expr,)*]) => {
        $(#[test]
        fn $config_name() {
            $crate::prefetch_once(|| $captures, || $configs);
            $crate::offline_test($path, $config, &$ours);
        })*
    };
    (@live [], $ours:expr, $cases:tt) => {};
    (@live [$live:expr], $ours:expr, [$($name:ident => $path:expr,)*]) => {
        mod live {
            $(#[test]
            fn $name() {
                $crate::live_test($path, $live, &$ours);
            })*
        }
    };
    (@cover $file:expr, [$($path:expr),*], $captures:expr, $configs:expr,
        [$($config_name:ident => $config:expr,)*]) => {
        $crate::assert_cases_cover($file, &[$($path),*], $captures, &[$($config),*], $configs)
    };
}

/// [`harness!`] with the NetFlow/IPFIX captures of [`crate::inputs`] as its cases (the
/// nfacctd and aggregate_filter harnesses both run every one of them).
#[macro_export]
macro_rules! netflow_harness {
    ($($harness:tt)*) => {
        $crate::harness! {
            $($harness)*
            cases: [
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
                gen_srv6_ipfix => "inputs/srv6-ipfix.pcap",
            ],
        }
    };
}
