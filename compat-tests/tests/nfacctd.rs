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

use compat_tests::{input, run, Config};

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

/// The ext_sampling configs mean what they say in pmacct 1.7.7: with
/// `nfacctd_ext_sampling_rate: 1000` and `nfacctd_renormalize`, every counter is a multiple
/// of 1000, records carrying a rate (softflowd v9, ipfix-multi-sources' 256) print
/// sampling_rate 1 and those without (softflowd v5) 0. Ours matches record for record in the
/// `ext_sampling_*` cases.
#[test]
fn oracle_renormalizes_by_ext_sampling_rate() {
    for (pcap, rate) in [
        ("inputs/softflowd-v9-s1.pcap", "\"sampling_rate\": 1,"),
        ("inputs/softflowd-v5-s1.pcap", "\"sampling_rate\": 0,"),
    ] {
        let pm = compat_tests::oracle_test_output("nfacctd", pcap, "ext_sampling-json");
        let lines: Vec<&str> = pm.lines().collect();
        assert!(lines.len() > 250, "{pcap}: {} records", lines.len());
        for l in &lines {
            assert!(l.contains(rate), "{pcap}: {l}");
            let packets = l
                .split("\"packets\": ")
                .nth(1)
                .and_then(|r| r.split(',').next())
                .unwrap_or_else(|| panic!("{pcap}: {l}"));
            assert!(packets.ends_with("000"), "{pcap}: {l}");
        }
    }
    let pm = compat_tests::oracle_test_output(
        "nfacctd",
        "corpus/traffic-reproducer/ipfix-multi-sources.pcap",
        "ext_sampling-csv",
    );
    assert!(
        pm.contains("192.0.2.12,192.0.2.17,udp,1,16000,2784000"),
        "the 256-sampled record is renormalized by 1000, not 256"
    );
}

compat_tests::netflow_harness! {
    file: "compat-tests/tests/nfacctd.rs",
    ours: compat_tests::ours(&compat_tests::run::NFACCTD, env!("CARGO_BIN_EXE_nfacctd")),
    captures: compat_tests::inputs(),
    configs: compat_tests::configs(),
    live: "wide-json",
    config_cases: [
        ext_sampling_csv => "ext_sampling-csv",
        ext_sampling_formatted => "ext_sampling-formatted",
        ext_sampling_json => "ext_sampling-json",
        history_csv => "history-csv",
        history_formatted => "history-formatted",
        history_json => "history-json",
        renormalize_csv => "renormalize-csv",
        renormalize_formatted => "renormalize-formatted",
        renormalize_json => "renormalize-json",
        src_host_csv => "src_host-csv",
        src_host_formatted => "src_host-formatted",
        src_host_json => "src_host-json",
        tutorial_csv => "tutorial-csv",
        tutorial_formatted => "tutorial-formatted",
        tutorial_json => "tutorial-json",
        wide_csv => "wide-csv",
        wide_formatted => "wide-formatted",
        wide_json => "wide-json",
    ],
}
