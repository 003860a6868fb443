//! nfacctd's command line: `-a` as pmacct 1.7.7 prints it, `--check-config` exit codes.

mod support;

use std::process::Command;

const NFACCTD: &str = env!("CARGO_BIN_EXE_nfacctd");

fn run(args: &[&str]) -> (i32, String) {
    let o = Command::new(NFACCTD).args(args).output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
    )
}

#[test]
fn list_primitives_is_pmacct_s() {
    let theirs = Command::new(compat_tests::oracle::path("nfacctd"))
        .arg("-a")
        .output()
        .expect("Debian's nfacctd 1.7.7");
    let (rc, ours) = run(&["-a"]);
    assert_eq!(rc, 0);
    assert_eq!(ours, String::from_utf8_lossy(&theirs.stdout));
}

#[test]
fn check_config_fails_on_typos_and_passes_the_tutorial_file() {
    let dir = support::tmpdir("cli");
    let bad = dir.join("bad.conf");
    std::fs::write(&bad, "plugins: print\nnfacctd_prot: 2100\n").unwrap();
    let (rc, out) = run(&["-f", bad.to_str().unwrap(), "--check-config"]);
    assert_eq!(rc, 1, "{out}");
    assert!(
        out.contains("Unknown key: nfacctd_prot. Ignored. Did you mean 'nfacctd_port'?"),
        "{out}"
    );
    let good = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/nfacct.conf");
    let (rc, out) = run(&["-f", good, "--check-config"]);
    assert_eq!(rc, 0, "{out}");
    let invalid = dir.join("invalid.conf");
    std::fs::write(&invalid, "plugins: print\nprint_output: jsonx\n").unwrap();
    assert_eq!(
        run(&["-f", invalid.to_str().unwrap(), "--check-config"]).0,
        1
    );
}

#[test]
fn check_config_reports_as_and_net_from_bgp_without_a_bgp_daemon() {
    let dir = support::tmpdir("cli-bgp");
    let conf = dir.join("bgp.conf");
    std::fs::write(
        &conf,
        "plugins: print\naggregate: src_as\nnfacctd_as: bgp\n",
    )
    .unwrap();
    let (rc, out) = run(&["-f", conf.to_str().unwrap(), "--check-config"]);
    assert_eq!(rc, 1, "{out}");
    assert!(
        out.contains("ERROR ( default_print/print ): AS aggregation selected but 'bgp_daemon' or 'bmp_daemon' is not enabled. Exiting.\n"),
        "{out}"
    );
    std::fs::write(
        &conf,
        "plugins: print\naggregate: dst_net\nnfacctd_net: bgp\n",
    )
    .unwrap();
    let (rc, out) = run(&["-f", conf.to_str().unwrap(), "--check-config"]);
    assert_eq!(rc, 1, "{out}");
    assert_eq!(
        out.matches("network aggregation selected").count(),
        1,
        "{out}"
    );
    assert!(
        out.contains("'nfacctd_net: bgp' takes networks from BGP only"),
        "{out}"
    );
}
