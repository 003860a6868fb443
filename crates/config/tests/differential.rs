//! Runs compat-tests/config/diff.sh: Debian's nfacctd 1.7.7 (assumed installed, as in CI)
//! and our parser on the same config files; their log lines and print output files must
//! match.
use std::path::PathBuf;
use std::process::Command;

#[test]
fn config_reading_matches_nfacctd_1_7_7() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    // cargo test builds the examples next to the test binary's deps directory.
    let exe = std::env::current_exe().unwrap();
    let dump = exe
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("examples/dump-config");
    assert!(dump.exists(), "{} not built", dump.display());
    let out = Command::new("sh")
        .arg(root.join("compat-tests/config/diff.sh"))
        .env("DUMP", &dump)
        .output()
        .expect("run diff.sh");
    let text = String::from_utf8_lossy(&out.stdout);
    print!("{text}");
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        text.lines().filter(|l| l.starts_with("ok ")).count() >= 27,
        "cases missing"
    );
    assert!(out.status.success(), "differences against nfacctd 1.7.7");
}
