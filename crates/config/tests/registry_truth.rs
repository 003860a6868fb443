//! The registry tells the truth (issue 14 item 5): every key the daemons and plugins read
//! (each `key::NAME` constant used outside the config crate) is implemented, refused with
//! a reason or a logged no-op, never "recognized, not supported yet".

use std::path::{Path, PathBuf};

use pmacct_config::registry;
use pmacct_config::status::{Status, STATUSES};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        let name = e.file_name();
        let name = name.to_string_lossy();
        if p.is_dir() {
            // fuzz crates and build output hold no daemon code
            if !matches!(name.as_ref(), "target" | "fuzz" | ".git") {
                rust_files(&p, out);
            }
        } else if name.ends_with(".rs") {
            out.push(p);
        }
    }
}

/// Lower-cased names of the `key::UPPER_NAME` constants used in `text`.
fn keys_used(text: &str, out: &mut Vec<String>) {
    let b = text.as_bytes();
    let mut i = 0;
    while let Some(pos) = text[i..].find("key::") {
        let start = i + pos + 5;
        let mut end = start;
        while end < b.len()
            && (b[end].is_ascii_uppercase() || b[end].is_ascii_digit() || b[end] == b'_')
        {
            end += 1;
        }
        if end > start {
            out.push(text[start..end].to_ascii_lowercase());
        }
        i = end.max(start);
    }
}

#[test]
fn every_key_read_by_the_daemons_is_implemented_refused_or_a_noop() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    for dir in ["crates", "bin"] {
        rust_files(&root.join(dir), &mut files);
    }
    let config_crate = root.join("crates/config").canonicalize().unwrap();
    let mut used = Vec::new();
    for f in &files {
        if f.canonicalize().unwrap().starts_with(&config_crate) {
            continue;
        }
        keys_used(&std::fs::read_to_string(f).unwrap(), &mut used);
    }
    used.sort();
    used.dedup();
    assert!(
        used.len() > 100,
        "only {} keys found in the code",
        used.len()
    );
    let mut unsupported = Vec::new();
    for name in &used {
        let def =
            registry::lookup(name).unwrap_or_else(|| panic!("key::{name} not in the registry"));
        if def.status() == Status::NotYet {
            unsupported.push(name.as_str());
        }
    }
    assert!(
        unsupported.is_empty(),
        "keys the code reads but the registry marks 'recognized, not supported yet': {unsupported:?}"
    );
}

#[test]
fn refused_and_noop_keys_exist_and_show_in_config_keys_md() {
    let md = registry::markdown();
    for (name, st) in STATUSES {
        let def = registry::lookup(name).unwrap_or_else(|| panic!("{name} not in the registry"));
        assert!(
            !def.implemented,
            "{name} is implemented and has status {st:?}"
        );
        let row = format!("| `{name}` |");
        let line = md
            .lines()
            .find(|l| l.starts_with(&row))
            .unwrap_or_else(|| panic!("no row for {name}"));
        assert!(line.contains(&format!("| {} |", st.label())), "{line}");
        assert!(
            md.contains(&format!("- `{name}` ({}): ", st.label())),
            "{name}"
        );
    }
}

#[test]
fn did_you_mean_stays_in_the_daemon_plugins_and_family_in_scope() {
    use registry::{suggest_in, D_NF, D_PM, P_CORE, P_KAFKA, P_PRINT};
    // mongodb is not built (no plugin applies) and another family: never suggested.
    let s = suggest_in("print_time_roundoff", D_NF, P_CORE | P_PRINT);
    assert_ne!(s, Some("mongo_time_roundoff"));
    assert!(s.is_none_or(|k| k.starts_with("print_")), "{s:?}");
    assert_eq!(
        suggest_in("print_refreshtime", D_NF, P_CORE | P_PRINT),
        Some("print_refresh_time")
    );
    // A kafka key is not suggested when only print plugins are declared.
    assert_eq!(
        suggest_in("kafka_refreshtime", D_NF, P_CORE | P_PRINT),
        None
    );
    assert_eq!(
        suggest_in("kafka_refreshtime", D_NF, P_CORE | P_KAFKA),
        Some("kafka_refresh_time")
    );
    // nfacctd keys are not suggested to pmacctd.
    assert_eq!(
        suggest_in("nfacctd_prot", D_NF, P_CORE),
        Some("nfacctd_port")
    );
    assert_eq!(suggest_in("nfacctd_prot", D_PM, P_CORE), None);
    // A typo in the family itself still finds the key.
    assert_eq!(
        suggest_in("pirnt_output", D_NF, P_CORE | P_PRINT),
        Some("print_output")
    );
}

#[test]
fn check_config_levels_tell_errors_from_warnings() {
    use pmacct_config::{parse_str, Daemon, Level};
    let l = parse_str(
        Daemon::Nfacctd,
        Some("t.conf"),
        "plugins: print[p]\nprint_outptu: json\nfoo_bar_baz: 1\nprint_output: jsonx\n\
         nfacctd_port[p]: 2100\nplugin_pipe_zmq: true\ntelemetry_dump_kafka_topic: x\n",
        &[],
    )
    .unwrap();
    let level = |needle: &str| {
        l.diagnostics
            .iter()
            .find(|d| d.message.contains(needle))
            .unwrap_or_else(|| panic!("no diagnostic '{needle}': {:?}", l.diagnostics))
            .check_level()
    };
    assert_eq!(level("print_outptu"), Level::Error, "typo of a known key");
    assert_eq!(level("foo_bar_baz"), Level::Warn, "unknown, no suggestion");
    assert_eq!(level("jsonx"), Level::Error, "invalid value");
    assert_eq!(level("Globalized"), Level::Warn);
    assert_eq!(level("plugin_pipe_zmq"), Level::Info, "logged no-op");
    assert_eq!(
        level("telemetry_dump_kafka_topic"),
        Level::Error,
        "not supported yet"
    );
}
