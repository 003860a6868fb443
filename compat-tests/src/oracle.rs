//! Finding the oracle: Debian's pmacct 1.7.7 binaries, by package, never by path alone.
//!
//! Installing our .deb (`pmacct-rs`, which conflicts with and replaces `pmacct`) puts our
//! binaries at /usr/sbin/nfacctd and friends; a test that trusted the path would compare ours
//! with ours. So the oracle is, in order:
//! 1. the binary named by the tool's environment variable (`PMACCT_NFACCTD`, ...);
//! 2. the file the installed Debian package `pmacct` 1.7.7 owns (`dpkg-query`/`dpkg -L`);
//! 3. the same file extracted from Debian's `pmacct_1.7.7*.deb` (apt's cache, else
//!    `apt-get download`) into a private directory under the system temp dir.
//!
//! Each candidate must not be a Rust build; a binary that is refuses the run with a message
//! saying how to point the tests at Debian's.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

/// The Debian package and version the differential tests compare against.
pub const PACKAGE: &str = "pmacct";
pub const VERSION_PREFIX: &str = "1.7.7";

/// pmacct 1.7.7's `tool` (`nfacctd`, `sfacctd`, `pmacctd`, `uacctd`, `pmacct`, `pmbgpd`,
/// `pmbmpd`), found as the module documentation says; `env` overrides. Memoized per tool.
pub fn binary(tool: &str, env: &str) -> Result<PathBuf, String> {
    static FOUND: OnceLock<Mutex<HashMap<String, Result<PathBuf, String>>>> = OnceLock::new();
    let m = FOUND.get_or_init(Default::default);
    let mut m = m.lock().unwrap_or_else(|e| e.into_inner());
    m.entry(tool.to_string())
        .or_insert_with(|| find(tool, env))
        .clone()
}

/// [`binary`] with the tool's conventional variable (`PMACCT_NFACCTD`, `PMACCT_PMACCT`...),
/// as text for tests' command builders; panics with the reason when pmacct 1.7.7 cannot be
/// found.
pub fn path(tool: &str) -> String {
    let env = format!("PMACCT_{}", tool.to_ascii_uppercase());
    let p = binary(tool, &env).unwrap_or_else(|e| panic!("{e}"));
    p.to_string_lossy().into_owned()
}

fn find(tool: &str, env: &str) -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os(env) {
        let p = PathBuf::from(p);
        return check(&p, tool, env).map(|()| p);
    }
    let rel = package_path(tool);
    let mut tried = Vec::new();
    match installed_file(&rel) {
        Ok(p) => match check(&p, tool, env) {
            Ok(()) => return Ok(p),
            Err(e) => tried.push(e),
        },
        Err(e) => tried.push(e),
    }
    match extracted_file(&rel) {
        Ok(p) => match check(&p, tool, env) {
            Ok(()) => return Ok(p),
            Err(e) => tried.push(e),
        },
        Err(e) => tried.push(e),
    }
    Err(format!(
        "Debian's {tool} {VERSION_PREFIX} not found: {}; install Debian's package \
         `{PACKAGE}` or set {env}",
        tried.join("; ")
    ))
}

/// Where the Debian package puts `tool`.
fn package_path(tool: &str) -> String {
    match tool {
        "pmacct" => "usr/bin/pmacct".into(),
        t => format!("usr/sbin/{t}"),
    }
}

/// The file of the installed package `pmacct`, when it is Debian's 1.7.7.
fn installed_file(rel: &str) -> Result<PathBuf, String> {
    let out = Command::new("dpkg-query")
        .args(["-W", "-f", "${db:Status-Status} ${Version}", PACKAGE])
        .output()
        .map_err(|e| format!("dpkg-query: {e}"))?;
    let status = String::from_utf8_lossy(&out.stdout);
    let mut it = status.split_whitespace();
    let (state, version) = (it.next().unwrap_or(""), it.next().unwrap_or(""));
    if state != "installed" || !version.starts_with(VERSION_PREFIX) {
        return Err(format!(
            "package `{PACKAGE}` is not installed at {VERSION_PREFIX} (dpkg: '{}')",
            status.trim()
        ));
    }
    let list = Command::new("dpkg")
        .args(["-L", PACKAGE])
        .output()
        .map_err(|e| format!("dpkg -L: {e}"))?;
    let want = format!("/{rel}");
    String::from_utf8_lossy(&list.stdout)
        .lines()
        .find(|l| *l == want)
        .map(PathBuf::from)
        .filter(|p| p.is_file())
        .ok_or_else(|| format!("package `{PACKAGE}` {version} does not own {want}"))
}

/// The file extracted from Debian's .deb into `$TMPDIR/pmacct-oracle-1.7.7/`.
fn extracted_file(rel: &str) -> Result<PathBuf, String> {
    let dir = std::env::temp_dir().join(format!("pmacct-oracle-{VERSION_PREFIX}"));
    let p = dir.join(rel);
    if p.is_file() {
        return Ok(p);
    }
    let deb = debian_deb(&dir)?;
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let st = Command::new("dpkg-deb")
        .arg("-x")
        .arg(&deb)
        .arg(&dir)
        .status()
        .map_err(|e| format!("dpkg-deb: {e}"))?;
    if !st.success() || !p.is_file() {
        return Err(format!("dpkg-deb -x {} gave no {rel}", deb.display()));
    }
    Ok(p)
}

/// Debian's `pmacct_1.7.7*.deb`: apt's cache, else downloaded next to `dir`.
fn debian_deb(dir: &Path) -> Result<PathBuf, String> {
    let is_ours =
        |n: &str| n.starts_with(&format!("{PACKAGE}_{VERSION_PREFIX}")) && n.ends_with(".deb");
    let cached = |d: &Path| -> Option<PathBuf> {
        std::fs::read_dir(d)
            .ok()?
            .flatten()
            .map(|e| e.path())
            .find(|p| p.file_name().and_then(|f| f.to_str()).is_some_and(is_ours))
    };
    if let Some(p) = cached(Path::new("/var/cache/apt/archives")) {
        return Ok(p);
    }
    let dl = dir.with_extension("deb.d");
    if let Some(p) = cached(&dl) {
        return Ok(p);
    }
    std::fs::create_dir_all(&dl).map_err(|e| format!("{}: {e}", dl.display()))?;
    let out = Command::new("apt-get")
        .args(["download", "-q", &format!("{PACKAGE}={VERSION_PREFIX}*")])
        .current_dir(&dl)
        .output()
        .map_err(|e| format!("apt-get download: {e}"))?;
    cached(&dl).ok_or_else(|| {
        format!(
            "apt-get download {PACKAGE}={VERSION_PREFIX}*: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )
    })
}

/// Refuses a Rust build (ours, or any other): the oracle must be pmacct's C binary.
fn check(p: &Path, tool: &str, env: &str) -> Result<(), String> {
    let bytes = std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))?;
    if is_rust_build(&bytes) {
        return Err(format!(
            "{} is a Rust build (pmacct-rs installed over pmacct?): point {env} at Debian's \
             {tool} {VERSION_PREFIX} (e.g. dpkg -x pmacct_1.7.7*.deb DIR; DIR/{})",
            p.display(),
            package_path(tool)
        ));
    }
    Ok(())
}

/// One of the oracle's runs on a case where 1.7.7 is not deterministic under load (it may lose
/// the end of a savefile, or write its final purge twice): `run` up to `tries` times, the
/// first result `good` accepts taken, else the last (which the caller's comparison rejects).
pub fn run_until<T>(tries: usize, mut run: impl FnMut() -> T, good: impl Fn(&T) -> bool) -> T {
    let mut theirs = run();
    for _ in 1..tries {
        if good(&theirs) {
            break;
        }
        theirs = run();
    }
    theirs
}

/// pmacct 1.7.7 exited 1 at the end of a savefile only because its core lost a race with its
/// plugins: they finished (print purged, nfprobe flushed) and exited first, so the core's
/// child reaper logged "no more plugins active" and exited 1 rather than 0. Whatever the
/// plugins wrote is complete; the caller still compares it.
pub fn savefile_end_race(code: Option<i32>, log: &str) -> bool {
    code == Some(1) && log.contains("no more plugins active. Shutting down.")
}

/// rustc leaves `/rustc/<commit>/library/...` paths in every binary it links (panic
/// locations of the standard library), stripped or not.
pub fn is_rust_build(bytes: &[u8]) -> bool {
    bytes.windows(7).any(|w| w == b"/rustc/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn savefile_end_race_needs_exit_1_and_the_reapers_line() {
        let log = "WARN ( default/core ): connection lost to 'main-print'; closing connection.\n\
                   WARN ( default/core ): no more plugins active. Shutting down.\n";
        assert!(savefile_end_race(Some(1), log));
        assert!(!savefile_end_race(Some(0), log));
        assert!(!savefile_end_race(Some(2), log));
        assert!(!savefile_end_race(None, log));
        assert!(!savefile_end_race(
            Some(1),
            "INFO ( default/core ): OK, Exiting ...\n"
        ));
    }

    #[test]
    fn run_until_stops_at_the_first_good_run_or_after_tries() {
        // (result, runs made): each run returns its number; `good_at` is the good one.
        let runs = |tries: usize, good_at: u32| {
            let mut n = 0;
            let r = run_until(
                tries,
                || {
                    n += 1;
                    n
                },
                |v| *v == good_at,
            );
            (r, n)
        };
        assert_eq!(runs(4, 2), (2, 2), "no run after the good one");
        assert_eq!(runs(3, 0), (3, 3), "none good: the last run");
        assert_eq!(runs(1, 0), (1, 1));
    }

    #[test]
    fn a_rust_binary_is_never_an_oracle() {
        let me = std::env::current_exe().unwrap();
        let e = check(&me, "nfacctd", "PMACCT_NFACCTD").unwrap_err();
        assert!(e.contains("is a Rust build"), "{e}");
    }

    #[test]
    fn package_paths() {
        assert_eq!(package_path("pmacct"), "usr/bin/pmacct");
        assert_eq!(package_path("nfacctd"), "usr/sbin/nfacctd");
    }

    #[test]
    fn debian_nfacctd_is_found_by_package_and_is_c() {
        let p = binary("nfacctd", "PMACCT_NFACCTD_UNSET_FOR_THIS_TEST").expect("oracle");
        assert!(
            !is_rust_build(&std::fs::read(&p).unwrap()),
            "{}",
            p.display()
        );
    }

    /// The fallback used once our .deb has replaced Debian's package.
    #[test]
    fn debian_deb_is_extracted_when_the_package_is_not_installed() {
        let p = extracted_file(&package_path("pmacct")).expect("extracted oracle");
        assert!(p.ends_with("usr/bin/pmacct"), "{}", p.display());
        let bytes = std::fs::read(&p).unwrap();
        assert!(bytes.starts_with(b"\x7fELF") && !is_rust_build(&bytes));
    }
}
