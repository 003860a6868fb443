//! The workspace's promises about itself: the stated minimal Rust covers every locked
//! dependency, and every member takes the lint set chosen in the workspace.

use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `1.85` and `1.85.0` are the same version: compare (major, minor, patch).
fn version(v: &str) -> [u64; 3] {
    let mut out = [0; 3];
    for (o, p) in out.iter_mut().zip(v.split('.')) {
        *o = p.parse().unwrap_or(0);
    }
    out
}

/// The host's target triple, from `rustc -vV`.
fn host() -> String {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let out = Command::new(rustc).arg("-vV").output().expect("rustc -vV");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .expect("host line in rustc -vV")
        .to_string()
}

/// Offline, for the packages this host builds: a fresh machine's cargo cache holds only
/// those (crates for other platforms, wasm's bumpalo say, are locked but never downloaded).
fn metadata() -> serde_json::Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked", "--offline"])
        .args(["--filter-platform", &host()])
        .current_dir(root())
        .output()
        .expect("cargo metadata");
    assert!(
        out.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("metadata JSON")
}

#[test]
fn rust_version_covers_every_locked_dependency() {
    let m = metadata();
    let members: Vec<&str> = m["workspace_members"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    let packages = m["packages"].as_array().unwrap();
    let ours: Vec<&serde_json::Value> = packages
        .iter()
        .filter(|p| members.contains(&p["id"].as_str().unwrap_or("")))
        .collect();
    assert!(ours.len() >= 8, "workspace members: {}", ours.len());
    let stated = ours[0]["rust_version"].as_str().expect("rust-version set");
    for p in &ours {
        assert_eq!(
            p["rust_version"].as_str(),
            Some(stated),
            "{} does not inherit the workspace rust-version",
            p["name"]
        );
    }
    let newer: Vec<String> = packages
        .iter()
        .filter_map(|p| {
            let rv = p["rust_version"].as_str()?;
            (version(rv) > version(stated))
                .then(|| format!("{} {} needs {rv}", p["name"], p["version"]))
        })
        .collect();
    assert!(
        newer.is_empty(),
        "rust-version {stated} is below what locked dependencies need: {newer:?}"
    );
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    assert!(
        readme.contains(&format!("Rust {stated}")),
        "README.md must state the minimal Rust ({stated})"
    );
}

#[test]
fn every_member_uses_the_workspace_lints() {
    let m = metadata();
    for p in m["packages"].as_array().unwrap() {
        let id = p["id"].as_str().unwrap_or("");
        if !m["workspace_members"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v.as_str() == Some(id))
        {
            continue;
        }
        let manifest = std::fs::read_to_string(p["manifest_path"].as_str().unwrap()).unwrap();
        assert!(
            manifest.contains("[lints]\nworkspace = true"),
            "{} does not take [workspace.lints]",
            p["name"]
        );
    }
}
