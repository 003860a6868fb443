//! Differential harness: the same export capture and config fed to Debian's nfacctd 1.7.7
//! (the oracle) and to ours, outputs compared as multisets of records (see `compare`).
//!
//! Offline cases read the capture with `pcap_savefile`; live cases replay its datagrams over
//! UDP to both daemons at once. pmacct sleeps about 4 s per run, so its outputs for all
//! configs sharing the same core keys are produced by ONE run with one print plugin per
//! config, in a background pool, and cached on disk keyed by (binary, config, capture).

mod cases;
pub mod compare;
pub mod exabgp;
pub mod expected;
pub mod oracle;
pub mod pcap;
pub mod probe;
pub mod replay;
pub mod run;
pub mod sql;

pub use compare::{compare, Diff, Format};
pub use expected::Expected;

use std::path::{Path, PathBuf};
use std::sync::Once;

/// compat-tests/ in the source tree.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One export capture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// Path relative to compat-tests/ without `.pcap`, e.g. `inputs/softflowd-v9-s1`.
    pub name: String,
    pub pcap: PathBuf,
}

/// Every NetFlow/IPFIX capture: the corpus (pmacct-test-automation traffic-*.pcap,
/// traffic-reproducer ipfix-*/nfv9-*) and our generated exports (inputs/*.pcap), sorted.
pub fn inputs() -> Vec<Input> {
    let mut v = Vec::new();
    let mut stack = vec![root().join("corpus"), root().join("inputs")];
    while let Some(dir) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let file = p.file_name().and_then(|f| f.to_str()).unwrap_or("");
            let wanted = file.ends_with(".pcap")
                && (file.starts_with("traffic-")
                    || file.starts_with("ipfix-")
                    || file.starts_with("nfv9-")
                    || p.parent() == Some(&root().join("inputs")));
            if wanted {
                v.push(input(&p));
            }
        }
    }
    v.sort_by(|a, b| a.name.cmp(&b.name));
    v
}

/// The sFlow captures of the sfacctd harness (inputs/sflow/*.pcap, see
/// gen/make_sflow_exports.sh), sorted.
pub fn sflow_inputs() -> Vec<Input> {
    inputs_in("sflow")
}

/// The raw-traffic captures of the pmacctd harness (inputs/pcap/*.pcap, see
/// gen/gen_pmacctd_pcaps.py), sorted.
pub fn pcap_inputs() -> Vec<Input> {
    inputs_in("pcap")
}

/// The captures of inputs/DIR, sorted.
fn inputs_in(dir: &str) -> Vec<Input> {
    let mut v: Vec<Input> = std::fs::read_dir(root().join("inputs").join(dir))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "pcap"))
        .map(|p| input(&p))
        .collect();
    v.sort_by(|a, b| a.name.cmp(&b.name));
    v
}

/// The Input for a capture path (absolute, or relative to compat-tests/).
pub fn input(pcap: &Path) -> Input {
    let pcap = if pcap.is_absolute() {
        pcap.to_path_buf()
    } else {
        root().join(pcap)
    };
    let rel = pcap.strip_prefix(root()).unwrap_or(&pcap);
    let name = rel.to_string_lossy().trim_end_matches(".pcap").to_string();
    Input { name, pcap }
}

/// A config template (compat-tests/configs/NAME.conf).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub name: String,
    pub text: String,
}

impl Config {
    pub fn load(name: &str) -> Result<Config, String> {
        let p = root().join("configs").join(format!("{name}.conf"));
        let text = std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        Ok(Config {
            name: name.to_string(),
            text,
        })
    }

    /// Value of a top-level key (first occurrence).
    pub fn key(&self, key: &str) -> Option<&str> {
        self.text.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            (k.trim() == key).then(|| v.trim())
        })
    }

    pub fn format(&self) -> Result<Format, String> {
        let v = self.key("print_output").unwrap_or("formatted");
        Format::from_print_output(v).ok_or_else(|| format!("{}: print_output {v}", self.name))
    }

    /// The config for an offline run.
    pub fn offline(&self, pcap: &Path, out: &Path) -> String {
        self.text
            .replace("@PCAP@", &pcap.to_string_lossy())
            .replace("@OUT@", &out.to_string_lossy())
    }

    /// The config for a live run: listen on 127.0.0.1:port instead of reading a savefile
    /// (`nfacctd_ip`/`nfacctd_port`, or `sfacctd_*` for configs/sfacctd/).
    pub fn live(&self, port: u16, out: &Path) -> String {
        let d = run::collector_of(self).name;
        self.text
            .replace(
                "pcap_savefile: @PCAP@",
                // A 4 MiB socket buffer (the kernel's rmem_max on these machines) for both:
                // a daemon descheduled for a moment on a loaded machine then loses nothing
                // in the kernel, so a live case compares decoding, not scheduling.
                &format!("{d}_ip: 127.0.0.1\n{d}_port: {port}\n{d}_pipe_size: 4194304"),
            )
            .replace("@OUT@", &out.to_string_lossy())
    }
}

/// Every config template, sorted by name.
pub fn configs() -> Vec<Config> {
    configs_in("")
}

/// Every config template of configs/DIR (named `DIR/NAME`), sorted by name; "" = configs/.
pub fn configs_in(dir: &str) -> Vec<Config> {
    let prefix = if dir.is_empty() {
        String::new()
    } else {
        format!("{dir}/")
    };
    let mut names: Vec<String> = std::fs::read_dir(root().join("configs").join(dir))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let f = e.file_name().into_string().ok()?;
            f.strip_suffix(".conf").map(|n| format!("{prefix}{n}"))
        })
        .collect();
    names.sort();
    names.iter().filter_map(|n| Config::load(n).ok()).collect()
}

/// Records each side must print in every case (unless an `empty` entry covers it).
pub const MIN_RECORDS: usize = 1;

/// Outcome of one case: Ok(report) when equal up to the expected differences.
pub type CaseResult = Result<String, String>;

/// Offline case: pmacct (cached, multi-plugin) vs ours on one capture and one config.
pub fn offline_case(input: &Input, config: &Config, ours: &Path) -> CaseResult {
    let format = config.format()?;
    let pm = reference("offline", input, config, run::oracle_output(input, config)?)?;
    let mine = run::offline(ours, input, config)?;
    judge(
        "offline",
        input,
        config,
        compare(format, &pm, &mine.output),
        &mine.stderr,
    )
}

/// Live case: datagrams replayed over UDP to pmacct and ours at once, then SIGINT.
pub fn live_case(input: &Input, config: &Config, ours: &Path) -> CaseResult {
    let format = config.format()?;
    let pm_bin = run::oracle_binary_of(run::collector_of(config))?;
    let (pm, mine) = run::live_pair(&pm_bin, ours, input, config)?;
    let pm = reference("live", input, config, pm.output)?;
    judge(
        "live",
        input,
        config,
        compare(format, &pm, &mine.output),
        &mine.stderr,
    )
}

/// A test's assertion on a case: panics with the report when it differs.
pub fn assert_case(r: CaseResult) {
    match r {
        Ok(note) => println!("{note}"),
        Err(e) => panic!("\n{e}"),
    }
}

/// Our binary of `collector` under test: `cargo_bin` is cargo's CARGO_BIN_EXE_<name> (see
/// [`run::ours_binary_of`] for the overrides).
pub fn ours(collector: &run::Collector, cargo_bin: &str) -> PathBuf {
    run::ours_binary_of(collector, Some(cargo_bin)).unwrap_or_else(|e| panic!("{e}"))
}

/// Starts every pmacct run of `captures` x `configs` in the background, once per test
/// binary: pmacct runs take ~4 s each, so the first test starts all of them.
pub fn prefetch_once(captures: impl FnOnce() -> Vec<Input>, configs: impl FnOnce() -> Vec<Config>) {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| run::prefetch(captures(), configs(), run::jobs()));
}

/// The offline case of capture `pcap` (relative to compat-tests/) and config `config`.
pub fn offline_test(pcap: &str, config: &str, ours: &Path) {
    let c = Config::load(config).unwrap_or_else(|e| panic!("{e}"));
    assert_case(offline_case(&input(Path::new(pcap)), &c, ours));
}

/// Our output for capture `pcap` and config `config` (both relative to compat-tests/, the
/// config without `.conf`) in an offline run; panics when it is empty.
pub fn ours_offline_output(ours: &Path, pcap: &str, config: &str) -> String {
    let c = Config::load(config).unwrap_or_else(|e| panic!("{e}"));
    let out =
        run::offline(ours, &input(Path::new(pcap)), &c).unwrap_or_else(|e| panic!("{config}: {e}"));
    assert!(
        !out.output.is_empty(),
        "{config}: no output; stderr:\n{}",
        out.stderr
    );
    out.output
}

/// pmacct's output for capture `pcap` and config `config`, whose oracle must be `daemon`
/// (configs in the wrong folder would make another daemon the oracle).
pub fn oracle_test_output(daemon: &str, pcap: &str, config: &str) -> String {
    let c = Config::load(config).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(run::collector_of(&c).name, daemon);
    run::oracle_output(&input(Path::new(pcap)), &c).unwrap_or_else(|e| panic!("{e}"))
}

/// The live case of capture `pcap` and config `config`.
pub fn live_test(pcap: &str, config: &str, ours: &Path) {
    let c = Config::load(config).unwrap_or_else(|e| panic!("{e}"));
    assert_case(live_case(&input(Path::new(pcap)), &c, ours));
}

/// What ours is compared with: pmacct's output `pm`, or, under a `same-as:REF` entry
/// (pmacct drops or misreads this capture), pmacct's offline output of REF, the same
/// traffic exported otherwise, once `pm` is checked to hold the entry's record count.
fn reference(mode: &str, input: &Input, config: &Config, pm: String) -> Result<String, String> {
    let expected = Expected::load()?;
    let Some((r, n)) = expected.reference(mode, &input.name, &config.name) else {
        return Ok(pm);
    };
    let got = run::record_count(config, &pm);
    if got != n {
        return Err(format!(
            "{mode} {} x {}: pmacct printed {got} records, the same-as entry says {n}",
            input.name, config.name
        ));
    }
    run::oracle_output(&self::input(Path::new(&format!("{r}.pcap"))), config)
}

fn judge(mode: &str, input: &Input, config: &Config, diff: Diff, ours_stderr: &str) -> CaseResult {
    let expected = Expected::load()?;
    let head = format!("{mode} {} x {}: ", input.name, config.name);
    // No pass without records: two empty outputs are not "identical" unless an `empty`
    // entry says the config selects nothing in this capture, and then both must be empty.
    let empty = expected.empty(mode, &input.name, &config.name);
    let (np, no) = diff.records;
    let short = if empty {
        (np + no > 0).then(|| {
            format!("expected no record on either side (empty entry), got pmacct {np}, ours {no}")
        })
    } else if np < MIN_RECORDS || no < MIN_RECORDS {
        Some(format!(
            "fewer than {MIN_RECORDS} record(s): pmacct {np}, ours {no} (no case passes without records)"
        ))
    } else {
        None
    };
    if let Some(why) = short {
        return Err(format!("{head}{why}"));
    }
    match expected.check(mode, &input.name, &config.name, &diff) {
        Ok(note) => Ok(format!("{head}{note}")),
        Err(why) => {
            let tail: Vec<&str> = ours_stderr.lines().rev().take(15).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            Err(format!(
                "{head}{why}\n{diff}--- last lines of ours' stderr ---\n{}",
                tail.join("\n")
            ))
        }
    }
}

/// A harness's case list must cover every capture and config it is meant for: a capture or
/// config added to compat-tests without cases fails here instead of silently not running.
pub fn assert_cases_cover(
    harness: &str,
    listed_captures: &[&str],
    captures: Vec<Input>,
    listed_configs: &[&str],
    configs: Vec<Config>,
) {
    let listed: Vec<&str> = listed_captures
        .iter()
        .map(|p| p.trim_end_matches(".pcap"))
        .collect();
    let found: Vec<String> = captures.into_iter().map(|i| i.name).collect();
    assert_eq!(listed, found, "{harness}: list every capture");
    let names: Vec<String> = configs.into_iter().map(|c| c.name).collect();
    assert_eq!(listed_configs, names, "{harness}: list every config");
}
