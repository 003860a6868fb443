//! Rules observed on pmacct 1.7.7 (reference sections 1.1-1.5, marked [V] there).

use super::*;

fn parse(text: &str) -> Loaded {
    parse_with(Some("c.conf"), text.as_bytes(), &[]).unwrap_or_else(|f| panic!("{f}"))
}

fn plugin<'a>(l: &'a Loaded, name: &str) -> &'a PluginInstance {
    l.config.plugins.iter().find(|p| p.name == name).unwrap()
}

#[test]
fn plugins_order_default_names_duplicates_unknown_types() {
    let l = parse("plugins: kafka[foo], print, print[bar], printx[z], print[bar]\n");
    let names: Vec<(&str, &str)> = l
        .config
        .plugins
        .iter()
        .map(|p| (p.kind.as_str(), p.name.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("kafka", "foo"),
            ("print", "default_print"),
            ("print", "bar")
        ]
    );
    let d: Vec<String> = l.diagnostics.iter().map(|d| d.to_string()).collect();
    assert!(
        d.contains(&"ERROR: [c.conf] Unknown plugin type: printx. Ignoring.".to_string()),
        "{d:?}"
    );
    assert!(d.contains(
        &"WARN: [c.conf] another plugin with the same name 'bar' already exists. Preserving first."
            .to_string()
    ));
}

#[test]
fn no_plugins_defaults_to_memory() {
    let l = parse("debug: true\n");
    assert_eq!(l.config.plugins[0].name, "default_memory");
    assert_eq!(
        l.diagnostics[0].to_string(),
        "WARN: [c.conf] No plugin has been activated; defaulting to in-memory table."
    );
}

#[test]
fn scoped_keys_may_precede_plugins_and_names_are_case_sensitive() {
    let l = parse("aggregate[Foo]: proto\nprint_output[foo]: json\nplugins: print[Foo]\n");
    assert_eq!(plugin(&l, "Foo").scope.get("aggregate"), Some("proto"));
    assert_eq!(
        plugin(&l, "Foo").scope.get("print_output"),
        Some("formatted")
    );
    assert_eq!(
        l.diagnostics[0].to_string(),
        "WARN: [c.conf:2] Unknown symbol 'foo'. Ignored."
    );
}

#[test]
fn later_unscoped_line_overwrites_earlier_scoped_one() {
    let l = parse("plugins: print[a], print[b]\nprint_output_file[a]: A\nprint_output_file: G\n");
    assert_eq!(plugin(&l, "a").scope.get("print_output_file"), Some("G"));
    assert_eq!(plugin(&l, "b").scope.get("print_output_file"), Some("G"));
    let l = parse("plugins: print[a], print[b]\nprint_output_file: G\nprint_output_file[a]: A\n");
    assert_eq!(plugin(&l, "a").scope.get("print_output_file"), Some("A"));
    assert_eq!(plugin(&l, "b").scope.get("print_output_file"), Some("G"));
}

#[test]
fn grouped_directives_share_one_field() {
    // An unscoped kafka_topic also names the print plugin's output file.
    let l = parse("plugins: print[p], kafka[k]\nkafka_topic: t\nsql_refresh_time: 7\n");
    assert_eq!(plugin(&l, "p").scope.get("print_output_file"), Some("t"));
    assert_eq!(plugin(&l, "p").scope.u64("print_refresh_time"), Some(7));
    let e = plugin(&l, "k").scope.entries_for("kafka");
    assert!(
        e.contains(&("kafka_topic", "t")) && e.contains(&("kafka_refresh_time", "7")),
        "{e:?}"
    );
}

#[test]
fn global_keys_are_globalized() {
    let l = parse("plugins: print[p]\nlogfile[p]: /tmp/x.log\n");
    assert_eq!(l.config.core.get("logfile"), Some("/tmp/x.log"));
    assert!(l.diagnostics.iter().any(|d| d.to_string()
        == "WARN: [c.conf] plugin name not supported for key 'logfile'. Globalized."));
}

#[test]
fn booleans_any_case_invalid_keeps_default_with_warning() {
    let l = parse("plugins: print\nprint_markers: TRUE\ndaemonize: yes\n");
    assert!(l.config.plugins[0].scope.bool("print_markers"));
    assert!(!l.config.core.bool("daemonize"));
    let w = l.diagnostics.iter().find(|d| d.line == Some(3)).unwrap();
    assert_eq!(w.to_string(), "WARN: [c.conf:3] Invalid value 'yes' for key 'daemonize' (accepted: true or false). Ignored.");
}

#[test]
fn enums_are_lower_cased_and_invalid_values_are_errors() {
    let l = parse("plugins: print\nprint_output: JSON\n");
    assert_eq!(l.config.plugins[0].scope.get("print_output"), Some("json"));
    let Err(Failure::Config(d)) = parse_with(
        Some("c.conf"),
        b"plugins: print\nprint_output: jsonx\nprint_refresh_time: soon\n",
        &[],
    ) else {
        panic!("invalid values must fail")
    };
    let s: Vec<String> = d.iter().map(|d| d.to_string()).collect();
    assert!(s.iter().any(|x| x.starts_with("ERROR: [c.conf:2] Invalid value 'jsonx' for key 'print_output' (accepted: formatted, csv, json")), "{s:?}");
    assert!(s.contains(&"ERROR: [c.conf:3] Invalid value 'soon' for key 'print_refresh_time' (accepted: an unsigned integer).".to_string()));
}

#[test]
fn unknown_key_warns_with_nearest_valid_key() {
    let l = parse("nfacctd_prot: 2100\n");
    assert!(l.diagnostics.iter().any(|d| d.to_string()
        == "WARN: [c.conf:1] Unknown key: nfacctd_prot. Ignored. Did you mean 'nfacctd_port'?"));
    let l = parse("include: other.conf\n");
    assert!(l.diagnostics.iter().any(|d| d
        .to_string()
        .starts_with("WARN: [c.conf:1] Unknown key: include. Ignored.")));
}

#[test]
fn not_supported_yet_keys_are_accepted_and_reported_once() {
    let l = parse("plugins: print\npre_tag_map: /x\npre_tag_map: /y\n");
    let n = l
        .diagnostics
        .iter()
        .filter(|d| d.message.contains("recognized, not supported yet"))
        .count();
    assert_eq!(n, 1);
    assert_eq!(l.config.core.get("pre_tag_map"), Some("/y"));
}

#[test]
fn command_line_wins_over_the_file() {
    let cl = cli::parse(Daemon::Nfacctd, &["-c".into(), "proto".into()]).unwrap();
    let l = parse_with(
        Some("c6.conf"),
        b"plugins: print[p]\naggregate: src_host\n",
        &cl.lines,
    )
    .unwrap();
    assert_eq!(l.config.plugins[0].scope.get("aggregate"), Some("proto"));
}

#[test]
fn command_line_only_plugins_get_default_names() {
    let cl = cli::parse(Daemon::Nfacctd, &["-P".into(), "print[x],kafka".into()]).unwrap();
    let l = parse_with(None, b"", &cl.lines).unwrap();
    let names: Vec<&str> = l.config.plugins.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["default_print", "default_kafka"]);
}

#[test]
fn defaults_come_from_the_registry() {
    let l = parse("plugins: print\n");
    let s = &l.config.plugins[0].scope;
    assert_eq!(s.u64("print_refresh_time"), Some(60));
    assert_eq!(s.get("print_output"), Some("formatted"));
    assert_eq!(s.u64("print_cache_entries"), Some(16411));
    assert_eq!(s.get("kafka_topic"), Some("pmacct.acct"));
    assert!(
        s.entries_for("print").is_empty(),
        "only explicit settings are handed to plugins"
    );
}

#[test]
fn the_tutorial_config_parses_without_warnings() {
    let text = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/nfacct.conf"
    ))
    .unwrap();
    let l = parse_with(Some("nfacct.conf"), &text, &[]).unwrap();
    let unexpected: Vec<String> = l
        .diagnostics
        .iter()
        .filter(|d| !d.message.contains("not supported yet"))
        .map(|d| d.to_string())
        .collect();
    assert!(unexpected.is_empty(), "{unexpected:?}");
    assert_eq!(l.config.plugins[0].kind, "kafka");
}

#[test]
fn docs_config_keys_md_is_up_to_date() {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/CONFIG-KEYS.md"
    ))
    .unwrap_or_default();
    assert!(
        doc == registry::render_markdown(),
        "docs/CONFIG-KEYS.md is stale: cargo run -p pmacct-config --example gen-config-keys-doc > docs/CONFIG-KEYS.md"
    );
}
