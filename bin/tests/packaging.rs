//! The Debian package and the operations its units rely on, run from `cargo test` so CI runs
//! them: compat-tests/packaging/test-ops.sh (nfacctd as nfacctd.service starts it:
//! daemonize, pidfile, SIGHUP, SIGUSR1, SIGINT) and compat-tests/packaging/test-deb.sh (the
//! .deb built from the binaries this test run built, inspected with dpkg-deb, then swapped
//! with Debian's pmacct both ways in a throwaway Debian root). See docs/PACKAGING.md.

mod support;
use support::repo;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The target directory of this build (…/target/<profile>/nfacctd).
fn target_dir() -> (PathBuf, String) {
    let exe = Path::new(env!("CARGO_BIN_EXE_nfacctd"));
    let profile_dir = exe.parent().unwrap();
    let profile = match profile_dir.file_name().unwrap().to_str().unwrap() {
        "debug" => "dev".to_string(),
        other => other.to_string(),
    };
    (profile_dir.parent().unwrap().to_path_buf(), profile)
}

fn run(script: &str, envs: &[(&str, &str)]) {
    let out = Command::new("bash")
        .arg(repo().join(script))
        .envs(envs.iter().copied())
        .output()
        .expect("bash");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    println!("{text}");
    assert!(out.status.success(), "{script} failed:\n{text}");
}

#[test]
fn nfacctd_operations_as_the_unit_runs_it() {
    run(
        "compat-tests/packaging/test-ops.sh",
        &[("NFACCTD", env!("CARGO_BIN_EXE_nfacctd"))],
    );
}

/// Why the install test cannot run here, if it cannot.
fn install_test_blocker() -> Option<String> {
    // SAFETY: geteuid has no preconditions and only reads the process's credentials.
    if unsafe { libc::geteuid() } != 0 {
        return Some("needs root (dpkg and apt in a chroot)".into());
    }
    for (tool, pkg) in [
        ("cargo-deb", "cargo install cargo-deb --locked"),
        ("debootstrap", "apt-get install debootstrap"),
        ("dpkg-deb", "apt-get install dpkg"),
    ] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .is_ok_and(|o| o.status.success());
        if !found {
            return Some(format!("{tool} missing ({pkg}; .ci/deps.sh installs it)"));
        }
    }
    None
}

#[test]
fn deb_replaces_debian_pmacct_in_a_throwaway_root() {
    if let Some(why) = install_test_blocker() {
        // CI has root and .ci/deps.sh's tools: there the test must run.
        assert!(
            std::env::var_os("CI").is_none(),
            "install test cannot run in CI: {why}"
        );
        eprintln!("skipped: {why}");
        return;
    }
    let (target, profile) = target_dir();
    let target = target.to_str().unwrap();
    run(
        "compat-tests/packaging/test-deb.sh",
        &[
            ("CARGO_TARGET_DIR", target),
            // Package the binaries this test run built rather than a second, release build.
            ("PMACCT_RS_DEB_PROFILE", &profile),
            ("PMACCT_RS_DEB_NO_BUILD", "1"),
            ("PMACCT_RS_DEB_INSTALL_TEST", "chroot"),
        ],
    );
}
