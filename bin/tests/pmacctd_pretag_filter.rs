//! pmacctd pre_tag_map `filter=` rules: pmacctd 1.7.7 runs them on the captured frame; ours
//! on the frame rebuilt from the flow as aggregate_filter rebuilds it (VLAN tag and MPLS
//! labels as captured; on Linux cooked captures an SLL frame, with the program compiled for
//! SLL). Same tags as 1.7.7 on Ethernet (VLAN-tagged or not), SLL, raw IP and null captures.
//! Non-first fragments still differ (docs/COMPATIBILITY.md).

mod support;
use support::repo;

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Stdio};

const PMACCTD: &str = env!("CARGO_BIN_EXE_pmacctd");

const MAP: &str = "set_tag=1 filter='tcp'\nset_tag=2 filter='udp and port 53'\nset_tag=3 filter='icmp or icmp6'\nset_tag=4 filter='vlan'\nset_tag=5 filter='ip6'\n";

fn run(bin: &str, pcap: &Path, dir: &Path, tag: &str) -> HashMap<String, usize> {
    let out = dir.join(format!("{tag}.csv"));
    let conf = dir.join(format!("{tag}.conf"));
    std::fs::write(
        &conf,
        format!(
            "daemonize: false\npcap_savefile: {}\nplugins: print[p]\npre_tag_map: {}\naggregate: tag, src_host, dst_host, proto, src_port, dst_port\nprint_output: csv\nprint_output_file: {}\nprint_refresh_time: 86400\n",
            pcap.display(),
            dir.join("pretag.map").display(),
            out.display()
        ),
    )
    .unwrap();
    let o = Command::new(bin)
        .arg("-f")
        .arg(&conf)
        .env("TZ", "UTC")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    // Its log says why (pmacctd 1.7.7 exited non-zero twice in a bare-Debian root).
    assert!(
        o.status.success(),
        "{bin} failed ({}):\n{}{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let mut m = HashMap::new();
    for l in std::fs::read_to_string(&out).unwrap().lines() {
        *m.entry(l.to_string()).or_default() += 1;
    }
    m
}

#[test]
fn pmacctd_filter_rules_tag_as_pmacctd_1_7_7() {
    let dir = support::tmpdir("pretag-filter");
    std::fs::write(dir.join("pretag.map"), MAP).unwrap();
    for name in [
        "pm-eth-s11",
        "pm-eth-s12",
        "pm-sll-s13",
        "pm-raw-s14",
        "pm-null-s15",
    ] {
        let pcap = repo().join(format!("compat-tests/inputs/pcap/{name}.pcap"));
        let theirs = run(
            &compat_tests::oracle::path("pmacctd"),
            &pcap,
            &dir,
            &format!("{name}-pm"),
        );
        let ours = run(PMACCTD, &pcap, &dir, &format!("{name}-rs"));
        let tagged = theirs
            .iter()
            .filter(|(l, _)| !l.starts_with("0,") && !l.starts_with("TAG"))
            .count();
        assert!(
            tagged > 10,
            "{name}: the map tags too little to prove anything"
        );
        assert_eq!(ours, theirs, "{name}: records differ from pmacctd 1.7.7's");
        eprintln!("{name}: {} records, {tagged} tagged, equal", theirs.len());
    }
    let _ = std::fs::remove_dir_all(&dir);
}
