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

/// The oracle really is sfacctd and really has records: the sfprobe captures give hundreds
/// (a harness comparing two empty outputs would pass everything).
#[test]
fn oracle_prints_records() {
    let pm = compat_tests::oracle_test_output(
        "sfacctd",
        "inputs/sflow/sfprobe-s2.pcap",
        "sfacctd/wide-json",
    );
    let n = pm
        .lines()
        .filter(|l| l.contains("\"peer_ip_src\": \"192.0.2.12\""))
        .count();
    assert!(n > 500, "sfacctd printed {n} records of agent 192.0.2.12");
}

/// sfacctd 1.7.7 bins a savefile's samples by the capture time (crafted.pcap was captured
/// at 2023-11-14 22:13:21-28 UTC), not the clock: the history cases check that ours does.
#[test]
fn oracle_bins_savefile_by_capture_time() {
    let pm = compat_tests::oracle_test_output(
        "sfacctd",
        "inputs/sflow/crafted.pcap",
        "sfacctd/history-json",
    );
    let lines: Vec<&str> = pm.lines().collect();
    assert!(lines.len() >= 8, "{} records", lines.len());
    for l in lines {
        assert!(
            l.contains("\"stamp_inserted\": \"2023-11-14 22:13:00\""),
            "{l}"
        );
    }
}

/// With sfacctd_ext_sampling_rate and sfacctd_renormalize, sfacctd 1.7.7 multiplies every
/// sample by the configured 1000 (not its sample pool rate) and prints sampling_rate 1.
#[test]
fn oracle_renormalizes_by_ext_sampling_rate() {
    let pm = compat_tests::oracle_test_output(
        "sfacctd",
        "inputs/sflow/sfprobe-s2.pcap",
        "sfacctd/ext_sampling-csv",
    );
    let rows: Vec<&str> = pm.lines().skip(1).collect();
    assert!(rows.len() > 300, "{} records", rows.len());
    for r in rows {
        let f: Vec<&str> = r.split(',').collect();
        assert_eq!(f[f.len() - 3], "1", "{r}");
        assert!(f[f.len() - 2].ends_with("000"), "{r}");
    }
}

compat_tests::harness! {
    file: "compat-tests/tests/sfacctd.rs",
    ours: compat_tests::ours(&compat_tests::run::SFACCTD, env!("CARGO_BIN_EXE_sfacctd")),
    captures: compat_tests::sflow_inputs(),
    configs: compat_tests::configs_in("sfacctd"),
    live: "sfacctd/wide-json",
    config_cases: [
        ext_sampling_csv => "sfacctd/ext_sampling-csv",
        ext_sampling_formatted => "sfacctd/ext_sampling-formatted",
        ext_sampling_json => "sfacctd/ext_sampling-json",
        history_csv => "sfacctd/history-csv",
        history_formatted => "sfacctd/history-formatted",
        history_json => "sfacctd/history-json",
        renormalize_csv => "sfacctd/renormalize-csv",
        renormalize_formatted => "sfacctd/renormalize-formatted",
        renormalize_json => "sfacctd/renormalize-json",
        src_host_csv => "sfacctd/src_host-csv",
        src_host_formatted => "sfacctd/src_host-formatted",
        src_host_json => "sfacctd/src_host-json",
        tutorial_csv => "sfacctd/tutorial-csv",
        tutorial_formatted => "sfacctd/tutorial-formatted",
        tutorial_json => "sfacctd/tutorial-json",
        wide_csv => "sfacctd/wide-csv",
        wide_formatted => "sfacctd/wide-formatted",
        wide_json => "sfacctd/wide-json",
    ],
    cases: [
        crafted => "inputs/sflow/crafted.pcap",
        sfprobe_quirks_s5 => "inputs/sflow/sfprobe-quirks-s5.pcap",
        sfprobe_s1 => "inputs/sflow/sfprobe-s1.pcap",
        sfprobe_s2 => "inputs/sflow/sfprobe-s2.pcap",
        sfprobe_s3 => "inputs/sflow/sfprobe-s3.pcap",
        sfprobe_s4 => "inputs/sflow/sfprobe-s4.pcap",
    ],
}
