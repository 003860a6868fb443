//! `<daemon>_as` / `<daemon>_net` start-up checks (issue 14 item 2): our nfacctd, sfacctd and
//! pmacctd against Debian's 1.7.7 on the same config (print plugin, `pcap_savefile`, so
//! nothing binds). A refusal must be pmacct's ERROR line(s), printed once and before any
//! plugin starts, with the same exit status; ours may add one line naming the real cause
//! after pmacct's (BGP/BMP/IS-IS methods). When 1.7.7 starts, both must print the same,
//! non-empty, records.
//! Run: `cargo test -p pmacct-bin --test compat_net_methods`.

use std::path::Path;
use std::process::Command;

/// An IPFIX capture for nfacctd and pmacctd (the frames themselves), sFlow for sfacctd.
fn pcap(daemon: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(if daemon == "sfacctd" {
        "../compat-tests/inputs/sflow/sfprobe-s1.pcap"
    } else {
        "../compat-tests/corpus/traffic-reproducer/ipfix-traffic.pcap"
    });
    p.canonicalize().unwrap().to_string_lossy().into_owned()
}

struct Run {
    rc: i32,
    /// stderr lines other than INFO (ERROR/WARN and blank lines), in order.
    log: Vec<String>,
    /// JSON records on stdout, sorted.
    records: Vec<String>,
}

fn run(bin: &str, conf: &Path) -> Run {
    let o = Command::new(bin)
        .arg("-f")
        .arg(conf)
        .env("TZ", "UTC")
        .output()
        .unwrap_or_else(|e| panic!("{bin}: {e}"));
    let err = String::from_utf8_lossy(&o.stderr);
    let out = String::from_utf8_lossy(&o.stdout);
    let mut records: Vec<String> = out
        .lines()
        .chain(err.lines())
        .filter(|l| l.starts_with('{'))
        .map(str::to_string)
        .collect();
    records.sort();
    Run {
        rc: o.status.code().unwrap_or(-1),
        log: err
            .lines()
            .filter(|l| !l.starts_with("INFO") && !l.starts_with('{'))
            .map(str::to_string)
            .collect(),
        records,
    }
}

fn ours(daemon: &str) -> &'static str {
    match daemon {
        "nfacctd" => env!("CARGO_BIN_EXE_nfacctd"),
        "sfacctd" => env!("CARGO_BIN_EXE_sfacctd"),
        _ => env!("CARGO_BIN_EXE_pmacctd"),
    }
}

/// (daemon, extra config lines, aggregate, 1.7.7 refuses).
fn check(dir: &Path, daemon: &str, extra: &str, aggregate: &str, refused: bool) {
    let conf = dir.join(format!("{daemon}.conf"));
    std::fs::write(
        &conf,
        format!(
            "! puppet-managed\nplugins: print\naggregate: {aggregate}\nprint_output: json\n\
             {extra}\npcap_savefile: {}\n",
            pcap(daemon)
        ),
    )
    .unwrap();
    let what = format!("{daemon} [{extra}] aggregate {aggregate}");
    let theirs = run(&compat_tests::oracle::path(daemon), &conf);
    let us = run(ours(daemon), &conf);
    assert_eq!(
        theirs.rc,
        if refused { 1 } else { 0 },
        "1.7.7 on {what}: {:?}",
        theirs.log
    );
    assert_eq!(us.rc, theirs.rc, "{what}: ours {:?}", us.log);
    if refused {
        // pmacct: "ERROR ( default_print/print ): ... Exiting.", then a blank line.
        assert!(
            theirs.log[0].starts_with("ERROR ( default_print/print ): "),
            "{what}"
        );
        assert_eq!(us.log[0], theirs.log[0], "{what}");
        let errors = |r: &Run| r.log.iter().filter(|l| l.starts_with("ERROR")).count();
        let cause = us.log.len() - theirs.log.len();
        assert!(cause <= 1, "{what}: {:?}", us.log);
        if cause == 1 {
            // Ours names the real cause once, after pmacct's line.
            assert!(us.log[1].contains("only and"), "{what}: {:?}", us.log);
        }
        assert_eq!(errors(&us), errors(&theirs) + cause, "{what}: {:?}", us.log);
        assert!(
            us.log.last().is_some_and(|l| l.is_empty()),
            "{what}: {:?}",
            us.log
        );
        // Before any plugin starts: no plugin warning.
        assert!(
            !us.log.iter().any(|l| l.starts_with("WARN")),
            "{what}: {:?}",
            us.log
        );
        assert!(us.records.is_empty() && theirs.records.is_empty(), "{what}");
    } else {
        assert!(
            !theirs.records.is_empty(),
            "{what}: 1.7.7 printed no records"
        );
        assert_eq!(us.records, theirs.records, "{what}");
    }
}

#[test]
fn as_and_net_methods_refused_or_accepted_as_1_7_7() {
    let dir = std::env::temp_dir().join(format!("pmacct-rs-net-methods-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let nets = dir.join("networks.lst");
    std::fs::write(&nets, "10.0.0.0/8\n").unwrap();
    let nets = format!("networks_file: {}", nets.display());
    for d in ["nfacctd", "sfacctd", "pmacctd"] {
        let packet = d == "pmacctd";
        for v in ["bgp", "bmp"] {
            check(&dir, d, &format!("{d}_as: {v}"), "src_as, dst_as", !packet);
            check(&dir, d, &format!("{d}_as: {v}\n{nets}"), "src_as", !packet);
            check(&dir, d, &format!("{d}_net: {v}"), "src_net, dst_net", true);
            check(&dir, d, &format!("{d}_net: {v}"), "dst_mask", true);
            check(&dir, d, &format!("{d}_net: {v}\n{nets}"), "src_net", true);
        }
        check(&dir, d, &format!("{d}_net: igp"), "src_net", true);
        check(&dir, d, &format!("{d}_as: file"), "src_as", true);
        check(&dir, d, &format!("{d}_net: file"), "src_net", true);
        check(&dir, d, &format!("{d}_as: fallback"), "src_as", packet);
        // pmacctd: no ASNs in packets, so src_as needs networks_file or pmacctd_as.
        check(&dir, d, "", "src_as", packet);
    }
    // Both start and agree (records compared) where 1.7.7 starts.
    check(&dir, "nfacctd", "nfacctd_net: bgp", "src_as, dst_as", false);
    check(&dir, "nfacctd", "nfacctd_as: bgp", "src_host", false);
    check(&dir, "sfacctd", "sfacctd_net: bmp", "src_as", false);
}
