//! Behaviour tests. Expected pmacct lines were observed with Debian's nfacctd 1.7.7 on the
//! same input (compat-tests/config/cases holds the files; diff.sh re-checks them live).

use crate::*;

fn parse(text: &str) -> Loaded {
    parse_str(Daemon::Nfacctd, Some("c.conf"), text, &[]).expect("config reads")
}

fn fatal(text: &str) -> Vec<Diagnostic> {
    match parse_str(Daemon::Nfacctd, Some("c.conf"), text, &[]) {
        Err(ConfigError::Fatal(d)) => d,
        other => panic!("expected a fatal error, got {other:?}"),
    }
}

fn plugin<'a>(l: &'a Loaded, name: &str) -> &'a PluginInstance {
    l.config
        .plugins
        .iter()
        .find(|p| p.name == name)
        .expect("plugin exists")
}

fn out_file<'a>(l: &'a Loaded, name: &str) -> Option<&'a str> {
    plugin(l, name).scope.str(key::PRINT_OUTPUT_FILE)
}

#[test]
fn every_key_constant_is_in_the_registry() {
    for k in crate::keys::ALL_KEY_CONSTS {
        assert!(registry::lookup(k.name()).is_some(), "{}", k.name());
        let _ = k.def();
    }
    assert_eq!(crate::keys::ALL_KEY_CONSTS.len(), registry::KEYS.len());
}

#[test]
fn registry_is_consistent() {
    let mut names: Vec<&str> = registry::KEYS.iter().map(|k| k.name).collect();
    names.sort_unstable();
    let n = names.len();
    names.dedup();
    assert_eq!(n, names.len(), "duplicate key names");
    let mut bad = Vec::new();
    for k in registry::KEYS {
        assert_eq!(k.name, k.name.to_ascii_lowercase());
        // A shared field is named after a key of its group.
        assert!(registry::group(k.field).any(|g| g.name == k.field || g.field == k.field));
        // Defaults parse with the key's own kind.
        if let (Some(d), false) = (k.default, k.kind == Kind::Plugins) {
            if value::parse(k, d).is_err() {
                bad.push(format!("{} ({d})", k.name));
            }
        }
    }
    assert!(bad.is_empty(), "defaults that do not parse: {bad:?}");
    // The grouped directives of reference 1.3.
    for (a, b) in [
        ("kafka_topic", "print_output_file"),
        ("sql_table", "amqp_routing_key"),
        ("print_refresh_time", "kafka_refresh_time"),
        ("sql_refresh_time", "amqp_refresh_time"),
        ("print_history", "kafka_history"),
        ("print_history_roundoff", "sql_history_roundoff"),
        ("print_history_offset", "kafka_history_offset"),
        ("print_cache_entries", "kafka_cache_entries"),
        ("print_max_writers", "sql_max_writers"),
        ("kafka_multi_values", "sql_multi_values"),
        ("print_num_protos", "kafka_num_protos"),
        ("print_markers", "kafka_markers"),
        ("print_startup_delay", "kafka_startup_delay"),
        ("nfacctd_port", "sfacctd_port"),
        ("nfacctd_ip", "sfacctd_ip"),
        ("nfacctd_time_new", "pmacctd_time_new"),
        ("nfacctd_renormalize", "sfacctd_renormalize"),
        ("nfacctd_pipe_size", "pmacctd_pipe_size"),
        ("kafka_broker_host", "sql_host"),
    ] {
        assert_eq!(
            registry::lookup(a).unwrap().field,
            registry::lookup(b).unwrap().field,
            "{a} / {b}"
        );
    }
    assert_ne!(
        registry::lookup("print_output").unwrap().field,
        registry::lookup("kafka_output").unwrap().field
    );
}

#[test]
fn registry_covers_config_keys_of_1_7_7() {
    // Every key name in Debian's CONFIG-KEYS is known, except three that pmacct 1.7.7 itself
    // rejects as "Unknown key" (documentation typos / not implemented).
    let Ok(out) = std::process::Command::new("zcat")
        .arg("/usr/share/doc/pmacct/CONFIG-KEYS.gz")
        .output()
    else {
        return;
    };
    if !out.status.success() {
        return; // pmacct docs not installed
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let not_in_pmacct = [
        "sfacctd_counter_persistent_msg",
        "sfacctd_ipv6_only",
        "sfactd_counter_amqp_exchange_type",
    ];
    let lines: Vec<&str> = text.lines().collect();
    let mut n = 0;
    let mut i = 0;
    while i < lines.len() {
        if let Some(rest) = lines[i].strip_prefix("KEY:") {
            // "[ a | b ]" lists may continue on the next lines until the bracket closes.
            let mut k = rest.to_string();
            while k.matches('[').count() > k.matches(']').count() && i + 1 < lines.len() {
                i += 1;
                k.push(' ');
                k.push_str(lines[i]);
            }
            for w in key_names(&k) {
                if !not_in_pmacct.contains(&w.as_str()) {
                    assert!(
                        registry::lookup(&w).is_some(),
                        "CONFIG-KEYS key '{w}' missing from the registry"
                    );
                    n += 1;
                }
            }
        }
        i += 1;
    }
    assert!(n > 550, "only {n} names checked");
}

/// Key names of a CONFIG-KEYS `KEY:` entry: without `(-x)` flags and `[GLOBAL, ...]` tags.
fn key_names(k: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = k;
    let mut clean = String::new();
    while let Some(p) = rest.find(['(', '[']) {
        clean.push_str(&rest[..p]);
        let close = if rest[p..].starts_with('(') { ')' } else { ']' };
        let inner_end = rest[p..].find(close).map_or(rest.len(), |e| p + e);
        let inner = &rest[p + 1..inner_end.min(rest.len())];
        // Keep "[ a | b ]" name lists, drop "(-x)" and "[GLOBAL, MAP]" tags.
        if close == ']' && inner.chars().any(|c| c.is_ascii_lowercase()) {
            clean.push(' ');
            clean.push_str(inner);
        }
        clean.push(' ');
        rest = rest.get(inner_end + 1..).unwrap_or("");
    }
    clean.push_str(rest);
    for w in clean.split(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')) {
        if w.len() > 1 && w.starts_with(|c: char| c.is_ascii_lowercase()) {
            out.push(w.to_string());
        }
    }
    out
}

#[test]
fn docs_config_keys_md_is_up_to_date() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/CONFIG-KEYS.md");
    let on_disk = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        on_disk == registry::markdown(),
        "docs/CONFIG-KEYS.md is stale: cargo run -p pmacct-config --example gen-config-keys-doc > docs/CONFIG-KEYS.md"
    );
}

#[test]
fn comments_blank_lines_and_literal_values() {
    let l = parse(
        "! comment\n   # indented\n\n\tplugins: print[a]\nprint_output_file[a]: /x/c3.json ! trailing\nprint_output_separator: \"x\"\n",
    );
    assert!(
        l.diagnostics
            .iter()
            .all(|d| d.code == Code::NotSupportedYet),
        "{:?}",
        l.diagnostics
    );
    assert_eq!(out_file(&l, "a"), Some("/x/c3.json ! trailing"));
    assert_eq!(
        plugin(&l, "a").scope.str(key::PRINT_OUTPUT_SEPARATOR),
        Some("\"x\"")
    );
}

#[test]
fn value_split_at_first_colon() {
    let l = parse("plugins: print[a]\nprint_output_file: /tmp/a:b:c\n");
    assert_eq!(out_file(&l, "a"), Some("/tmp/a:b:c"));
    let l = parse_str(
        Daemon::Nfacctd,
        Some("c"),
        "nfacctd_ip: ::1\nplugins: print\n",
        &[],
    )
    .unwrap();
    assert_eq!(
        l.config.core.ip(key::NFACCTD_IP),
        Some("::1".parse().unwrap())
    );
}

#[test]
fn keys_lowercased_whitespace_removed_names_case_sensitive() {
    let l = parse("plugins: print[Foo]\nPrint_Output_File [Foo] : /tmp/foo\nprint_output[foo]: csv\nAGGREGATE: src_host , DST_HOST\n");
    assert_eq!(out_file(&l, "Foo"), Some("/tmp/foo"));
    assert_eq!(
        l.pmacct_lines(),
        ["WARN: [c.conf:3] Unknown symbol 'foo'. Ignored."]
    );
    assert_eq!(
        plugin(&l, "Foo").scope.str(key::PRINT_OUTPUT),
        Some("formatted")
    );
    assert_eq!(
        plugin(&l, "Foo").scope.list(key::AGGREGATE).unwrap(),
        ["src_host", "dst_host"]
    );
    let d = l
        .diagnostics
        .iter()
        .find(|d| d.code == Code::UnknownSymbol)
        .unwrap();
    assert!(d.hint.as_deref().unwrap().contains("Foo"));
}

#[test]
fn booleans_any_case_and_invalid() {
    let l = parse(
        "plugins: print[a]\nprint_markers: TRUE\ndaemonize: maybe\nprint_num_protos: False\n",
    );
    let s = &plugin(&l, "a").scope;
    assert!(s.bool(key::PRINT_MARKERS));
    assert!(!s.bool(key::PRINT_NUM_PROTOS));
    assert!(!l.config.core.bool(key::DAEMONIZE), "default kept");
    assert_eq!(
        l.pmacct_lines(),
        ["WARN: [c.conf:3] Invalid value. Ignored."]
    );
    let d = l
        .diagnostics
        .iter()
        .find(|d| d.code == Code::InvalidValue)
        .unwrap();
    assert_eq!(d.level, Level::Error);
    assert_eq!((d.line, d.key.as_deref()), (Some(3), Some("daemonize")));
    assert_eq!(d.render(), "ERROR: [c.conf:3] Invalid value 'maybe' for key 'daemonize': accepted true, false. Ignored.");
    assert!(l.has_errors());
}

#[test]
fn invalid_values_with_pmacct_messages() {
    let l = parse(
        "plugins: print[a]\nnfacctd_port: abc\nprint_refresh_time: 5x\nprint_output: xml\nprint_cache_entries: 0\nplugin_pipe_size: 0\n",
    );
    assert_eq!(
        l.pmacct_lines(),
        [
            "WARN: [c.conf] 'nfacctd_port' has to be in the range 1-65535.",
            "WARN: [c.conf:2] Invalid value. Ignored.",
            "WARN: [c.conf] 'sql_refresh_time' is expected in secs but contains non-digit chars: 'x'",
            "WARN: [c.conf:3] Invalid value. Ignored.",
            "WARN: [c.conf] Invalid print output value 'xml'",
            "WARN: [c.conf:4] Invalid value. Ignored.",
            "WARN: [c.conf] 'print_cache_entries' has to be > 0.",
            "WARN: [c.conf:5] Invalid value. Ignored.",
            "WARN: [c.conf] 'plugin_pipe_size' has to be > 0.",
            "WARN: [c.conf:6] Invalid value. Ignored.",
        ]
    );
    let s = &plugin(&l, "a").scope;
    assert_eq!(s.int(key::PRINT_REFRESH_TIME), Some(60));
    assert_eq!(l.config.core.u64(key::NFACCTD_PORT), Some(2100));
    let e = l
        .diagnostics
        .iter()
        .find(|d| d.key.as_deref() == Some("print_output"))
        .unwrap();
    assert!(e.message.contains("formatted, csv, json"), "{}", e.message);
}

#[test]
fn unknown_key_with_did_you_mean() {
    let l = parse("plugins: print[a]\nnfacctd_prot: 2100\nfoo_bar: 1\ninclude: x.conf\n");
    assert_eq!(
        l.pmacct_lines(),
        [
            "WARN: [c.conf:2] Unknown key: nfacctd_prot. Ignored.",
            "WARN: [c.conf:3] Unknown key: foo_bar. Ignored.",
            "WARN: [c.conf:4] Unknown key: include. Ignored.",
        ]
    );
    assert_eq!(
        l.diagnostics[0].render(),
        "WARN: [c.conf:2] Unknown key: nfacctd_prot. Ignored. Did you mean 'nfacctd_port'?"
    );
    assert_eq!(
        registry::suggest("print_refreshtime"),
        Some("print_refresh_time")
    );
    assert_eq!(registry::suggest("zzzzzzzz"), None);
}

#[test]
fn later_unscoped_line_overwrites_scoped() {
    let l = parse("plugins: print[a], print[b]\nprint_output_file[a]: A\nprint_output_file: G\n");
    assert_eq!(
        (out_file(&l, "a"), out_file(&l, "b")),
        (Some("G"), Some("G"))
    );
    let l = parse("plugins: print[a], print[b]\nprint_output_file: G\nprint_output_file[a]: A\n");
    assert_eq!(
        (out_file(&l, "a"), out_file(&l, "b")),
        (Some("A"), Some("G"))
    );
    // Unscoped keys reach the core too.
    assert_eq!(l.config.core.str(key::PRINT_OUTPUT_FILE), Some("G"));
}

#[test]
fn scoped_keys_may_precede_plugins_line() {
    let l = parse(
        "print_output_file[p1]: P1\nplugins: print[p1], print[p2]\nprint_output_file[p2]: P2\n",
    );
    assert_eq!(
        (out_file(&l, "p1"), out_file(&l, "p2")),
        (Some("P1"), Some("P2"))
    );
    assert!(l.pmacct_lines().is_empty());
}

#[test]
fn plugins_declaration() {
    let l = parse("plugins: kafka[foo], print[bar], memory\n");
    let got: Vec<(&str, PluginKind)> = l
        .config
        .plugins
        .iter()
        .map(|p| (p.name.as_str(), p.kind))
        .collect();
    assert_eq!(
        got,
        [
            ("foo", PluginKind::Kafka),
            ("bar", PluginKind::Print),
            ("default_memory", PluginKind::Memory)
        ]
    );
    assert_eq!(l.config.core_name, "default");
    let l = parse("PLUGINS: Print [ a b ] , KAFKA\n");
    let got: Vec<&str> = l.config.plugins.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(got, ["a b", "default_kafka"]);
}

#[test]
fn plugins_unknown_duplicate_and_second_line() {
    let l = parse("plugins: print[a], printx[b], print[a], print[c]\nplugins: print[d]\n");
    assert_eq!(
        l.pmacct_lines(),
        [
            "ERROR: [c.conf] Unknown plugin type: printx. Ignoring.",
            "WARN: [c.conf] another plugin with the same name 'a' already exists. Preserving first.",
            "WARN: [c.conf:2] Unable to handle key: plugins. Ignored.",
        ]
    );
    let names: Vec<&str> = l.config.plugins.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["a", "c"]);
}

#[test]
fn plugins_default_name_is_sticky() {
    // pmacct 1.7.7: after a token without [name], later tokens get default names too.
    let l = parse("plugins: print, print[foo]\n");
    assert_eq!(l.config.plugins.len(), 1);
    assert_eq!(
        l.pmacct_lines(),
        ["WARN: [c.conf] another plugin with the same name 'default_print' already exists. Preserving first."]
    );
    // An empty [] keeps the type text as is: unknown type.
    let l = parse("plugins: print[a], print[]\n");
    assert_eq!(
        l.pmacct_lines(),
        ["ERROR: [c.conf] Unknown plugin type: print[]. Ignoring."]
    );
}

#[test]
fn no_plugins_defaults_to_memory() {
    let l = parse("imt_path: /tmp/x.pipe\n");
    assert_eq!(
        l.pmacct_lines(),
        ["WARN: [c.conf] No plugin has been activated; defaulting to in-memory table."]
    );
    assert_eq!(l.config.plugins[0].name, "default_memory");
    assert_eq!(l.config.plugins[0].kind, PluginKind::Memory);
    // `plugins[x]:` is not the plugins line.
    let l = parse("plugins[x]: print[a]\n");
    assert_eq!(l.config.plugins[0].kind, PluginKind::Memory);
    assert_eq!(
        l.pmacct_lines()[1],
        "WARN: [c.conf:1] Unable to handle key: plugins. Ignored."
    );
}

#[test]
fn core_plugin_type_is_fatal() {
    let d = fatal("plugins: print[a], core[b]\n");
    assert_eq!(
        d.last().unwrap().pmacct,
        ["ERROR: [c.conf] plugins of type 'core' are not allowed. Exiting."]
    );
}

#[test]
fn core_proc_name() {
    let l = parse("plugins: print\ncore_proc_name: edge1\n");
    assert_eq!(l.config.core_name, "edge1");
    let l = parse_str(
        Daemon::Nfacctd,
        Some("c"),
        "plugins: print\ncore_proc_name[x]: edge1\n",
        &[],
    )
    .unwrap();
    assert_eq!(l.config.core_name, "default");
    assert_eq!(
        l.pmacct_lines(),
        ["WARN: [c] plugin name not supported for key 'nfacctd_proc_name'. Globalized."]
    );
}

#[test]
fn globalized_keys() {
    let l = parse(
        "plugins: print[a]\nlogfile[a]: /tmp/l\nnfacctd_time_new[a]: true\ndaemonize[zz]: false\n",
    );
    assert_eq!(
        l.pmacct_lines(),
        [
            "WARN: [c.conf] plugin name not supported for key 'logfile'. Globalized.",
            "WARN: [c.conf] plugin name not supported for key 'nfacctd_time_new'. Globalized.",
            "WARN: [c.conf] plugin name not supported for key 'daemonize'. Globalized.",
        ]
    );
    assert_eq!(l.config.core.str(key::LOGFILE), Some("/tmp/l"));
    assert!(l.config.core.bool(key::NFACCTD_TIME_NEW));
    assert!(plugin(&l, "a").scope.bool(key::NFACCTD_TIME_NEW));
    let s = parse_str(
        Daemon::Sfacctd,
        Some("s"),
        "plugins: print\nsfacctd_port[x]: 6344\n",
        &[],
    )
    .unwrap();
    assert_eq!(
        s.pmacct_lines(),
        ["WARN: [s] plugin name not supported for key 'nfacctd_port'. Globalized."]
    );
    assert_eq!(s.config.core.u64(key::SFACCTD_PORT), Some(6344));
}

#[test]
fn grouped_directives_share_one_value() {
    let l = parse("plugins: print[p], kafka[k]\nkafka_topic: t\nprint_refresh_time[k]: 7\n");
    assert_eq!(out_file(&l, "p"), Some("t"));
    let k = &plugin(&l, "k").scope;
    assert_eq!(k.str(key::KAFKA_TOPIC), Some("t"));
    assert_eq!(k.int(key::KAFKA_REFRESH_TIME), Some(7));
    // Named as each plugin type knows the field.
    let pe: Vec<_> = plugin(&l, "p").scope.entries_for(&PluginKind::Print);
    assert_eq!(pe, [("print_output_file", "t")]);
    let ke: Vec<_> = k.entries_for(&PluginKind::Kafka);
    assert_eq!(ke, [("kafka_topic", "t"), ("kafka_refresh_time", "7")]);
    // Defaults come from the key asked for.
    assert_eq!(
        parse("plugins: kafka\n").config.plugins[0]
            .scope
            .str(key::KAFKA_TOPIC),
        Some("pmacct.acct")
    );
    // kafka_topic is checked by the sql_table handler.
    let d = fatal("plugins: print\nkafka_topic: a-very-long-topic-name-that-is-longer-than-sixty-four-characters.txt\n");
    assert_eq!(
        d.last().unwrap().pmacct,
        ["ERROR: [c.conf] sql_table, exceeded the maximum SQL table name length (64)."]
    );
}

#[test]
fn history_values() {
    let l = parse(
        "plugins: print[a], print[b], print[c], print[d]\nprint_history[a]: 90\nprint_history[b]: 5x\nprint_history[c]: 0m\nprint_history[d]: 1h\nprint_history_roundoff: wd\n",
    );
    assert_eq!(
        l.pmacct_lines(),
        [
            "WARN: [c.conf] Ignoring invalid time value: 90 (residual secs afters conversion in mins)",
            "WARN: [c.conf] Ignoring unknown time measuring unit: 'x'.",
            "WARN: [c.conf] Ignoring invalid time value: 0 (not greater than zero)",
            "WARN: [c.conf] 'sql_history_roundoff' 'w' is not compatible with either 'd' or 'M'.",
            "WARN: [c.conf:6] Invalid value. Ignored.",
        ]
    );
    assert_eq!(plugin(&l, "a").scope.history(key::PRINT_HISTORY), None);
    assert_eq!(
        plugin(&l, "d").scope.history(key::PRINT_HISTORY),
        Some(History {
            count: 1,
            unit: TimeUnit::Hour
        })
    );
    assert_eq!(
        plugin(&l, "d")
            .scope
            .history(key::KAFKA_HISTORY)
            .map(|h| h.seconds()),
        Some(3600)
    );
    assert_eq!(
        l.diagnostics
            .iter()
            .filter(|d| d.code == Code::InvalidValue)
            .count(),
        4
    );
}

/// Under a minute (`kafka_history: 5`, seen in a public config): 1.7.7's parse_time wants
/// whole minutes in seconds too, warns and leaves history off, for every key it reads
/// (`*_history`, `sql_trigger_time`).
#[test]
fn history_under_a_minute_is_ignored_as_1_7_7() {
    let l = parse(
        "plugins: kafka[k], print[p], mysql[m]\nkafka_history[k]: 5\nprint_history[p]: 10s\n\
         sql_trigger_time[m]: 30\n",
    );
    assert_eq!(
        l.pmacct_lines(),
        [
            "WARN: [c.conf] Ignoring invalid time value: 5 (residual secs afters conversion in mins)",
            "WARN: [c.conf] Ignoring invalid time value: 10 (residual secs afters conversion in mins)",
            "WARN: [c.conf] Ignoring invalid time value: 30 (residual secs afters conversion in mins)",
        ]
    );
    assert_eq!(plugin(&l, "k").scope.history(key::KAFKA_HISTORY), None);
    assert_eq!(plugin(&l, "p").scope.history(key::PRINT_HISTORY), None);
    assert_eq!(plugin(&l, "m").scope.history(key::SQL_TRIGGER_TIME), None);
    // At 1.7.7's level: a warning (still an error for --check-config).
    for d in &l.diagnostics {
        assert_eq!((d.code, d.level), (Code::InvalidValue, Level::Warn), "{d}");
        assert_eq!(d.check_level(), Level::Error);
    }
}

#[test]
fn print_output_values() {
    let l =
        parse("plugins: print[a], print[b]\nprint_output[a]: JSON\nprint_output[b]: avro_json\n");
    assert_eq!(plugin(&l, "a").scope.str(key::PRINT_OUTPUT), Some("json"));
    assert_eq!(
        l.pmacct_lines(),
        ["WARN: [c.conf] print_output set to avro but will produce no output (missing --enable-avro)."]
    );
    let d = fatal("plugins: print\nprint_output_file: /tmp/a-%Q.txt\n");
    assert_eq!(
        d.last().unwrap().pmacct,
        ["ERROR: [c.conf] print_output_file, %Q not supported."]
    );
    let l = parse("plugins: print\nprint_latest_file: /tmp/latest-%Y\n");
    assert_eq!(
        l.pmacct_lines(),
        ["ERROR: [c.conf] invalid 'print_latest_file' value: time-based '%' variables not allowed."]
    );
}

#[test]
fn syntax_errors_name_file_and_line() {
    for (text, what) in [
        (
            "plugins: print\nprint_output_file /x\n",
            "ERROR: [c.conf:2] Syntax error: missing ':'. Exiting.",
        ),
        (
            "plugins: print\nprint_output_file[a: /x\n",
            "ERROR: [c.conf:2] Syntax error: illegal brackets. Exiting.",
        ),
        (
            "plugins: print\nx[[a]]: /x\n",
            "ERROR: [c.conf:2] Syntax error: nested symbols not allowed. Exiting.",
        ),
        (
            "plugins: print\n  : /x\n",
            "ERROR: [c.conf:2] Syntax error: missing key. Exiting.",
        ),
        (
            "plugins: print\nx: y\n[a]print_markers: true\n",
            "ERROR: [c.conf:3] Syntax error: symbol not referring to any key. Exiting.",
        ),
    ] {
        let d = fatal(text);
        assert_eq!(d.last().unwrap().pmacct, [what]);
        assert_eq!(d.last().unwrap().code, Code::Syntax);
    }
}

#[test]
fn line_limits() {
    // A line longer than 10239 bytes is read as two rows (pmacct's fgets buffer).
    let long = format!(
        "plugins: print\nprint_output_file: /tmp/{}\n",
        "a".repeat(MAX_LINE)
    );
    let d = fatal(&long);
    assert_eq!(
        d.last().unwrap().pmacct,
        ["ERROR: [c.conf:3] Syntax error: missing ':'. Exiting."]
    );
    // Rows beyond 8224 are not read.
    let mut many = String::from("plugins: print\n");
    for _ in 0..MAX_ROWS {
        many.push_str("print_markers: true\n");
    }
    many.push_str("print_num_protos: true\n");
    let l = parse(&many);
    assert_eq!(
        l.pmacct_lines(),
        ["ERROR: [c.conf] maximum number of 8224 lines reached."]
    );
    assert!(!l.config.plugins[0].scope.bool(key::PRINT_NUM_PROTOS));
}

#[test]
fn malformed_input_never_panics() {
    let inputs: Vec<Vec<u8>> = vec![
        vec![0xff, 0xfe, b':', 0x80, b'\n'],
        b"a[\xff]: \x00\x01\n".to_vec(),
        b"]]]]:[[[[\n".to_vec(),
        b"[:]\n".to_vec(),
        b"a[]: x\n".to_vec(),
        b"plugins: ,,,[,],print[a\n".to_vec(),
        b"plugins: print[]]]\n".to_vec(),
        b"plugins: [a]\n".to_vec(),
        b"plugins:\n".to_vec(),
        b"\r\n\r\n:\r\n".to_vec(),
        b"aggregate: \xc3\xa9,,  ,\n".to_vec(),
        vec![b'['; 20000],
        vec![b':'; 20000],
        (0u8..=255).collect(),
    ];
    for inp in inputs {
        let _ = parse_bytes(Daemon::Nfacctd, Some("f"), &inp, &[], Options::default());
        let _ = parse_bytes(Daemon::Pmacctd, Some("f"), &inp, &[], Options::default());
    }
}

#[test]
fn command_line_is_appended_and_wins() {
    let args = parse_args(
        Daemon::Nfacctd,
        &["-c".into(), "proto".into(), "-o".into(), "/tmp/cli".into()],
    )
    .unwrap();
    let l = parse_str(
        Daemon::Nfacctd,
        Some("c.conf"),
        "plugins: print[a]\naggregate: src_host\nprint_output_file: /f\n",
        &args.lines,
    )
    .unwrap();
    assert_eq!(
        plugin(&l, "a").scope.list(key::AGGREGATE).unwrap(),
        ["proto"]
    );
    assert_eq!(out_file(&l, "a"), Some("/tmp/cli"));
    assert_eq!(
        plugin(&l, "a").scope.setting(key::AGGREGATE).unwrap().line,
        4
    );
    // -r writes sql_refresh_time, the field print/kafka refresh share.
    let args = parse_args(
        Daemon::Nfacctd,
        &[
            "-P".into(),
            "print[x],kafka".into(),
            "-r".into(),
            "5".into(),
        ],
    )
    .unwrap();
    let l = parse_str(Daemon::Nfacctd, None, "", &args.lines).unwrap();
    // Config from the command line only: names are ignored, file name is "cmdline".
    let names: Vec<&str> = l.config.plugins.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["default_print", "default_kafka"]);
    assert_eq!(
        l.config.plugins[0].scope.int(key::PRINT_REFRESH_TIME),
        Some(5)
    );
    assert_eq!(
        l.config.plugins[1].scope.int(key::KAFKA_REFRESH_TIME),
        Some(5)
    );
    let l = parse_str(Daemon::Nfacctd, None, "", &["bogus: 1".into()]).unwrap();
    assert_eq!(
        l.pmacct_lines()[1],
        "WARN: [cmdline:1] Unknown key: bogus. Ignored."
    );
}

#[test]
fn load_reads_file_and_reports_actions() {
    let dir = std::env::temp_dir().join(format!("pmacct-config-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("n.conf");
    std::fs::write(&f, "plugins: print[a]\nprint_output: csv\n").unwrap();
    let fs = f.to_str().unwrap().to_string();
    let l = load(
        Daemon::Nfacctd,
        &["-f".into(), fs.clone(), "-O".into(), "json".into()],
    )
    .unwrap();
    assert_eq!(l.action, Action::Run);
    assert_eq!(plugin(&l, "a").scope.str(key::PRINT_OUTPUT), Some("json"));
    let l = load(Daemon::Nfacctd, &["--check-config".into(), "-f".into(), fs]).unwrap();
    assert_eq!(l.action, Action::CheckConfig);
    assert!(!l.has_errors());
    let l = load(
        Daemon::Nfacctd,
        &["-h".into(), "-f".into(), "/nonexistent".into()],
    )
    .unwrap();
    assert_eq!(l.action, Action::Help);
    match load(
        Daemon::Nfacctd,
        &["-f".into(), "/nonexistent/x.conf".into()],
    ) {
        Err(ConfigError::Fatal(d)) => assert_eq!(
            d[0].pmacct,
            ["ERROR: [/nonexistent/x.conf] file not found."]
        ),
        other => panic!("{other:?}"),
    }
    match load(
        Daemon::Nfacctd,
        &["-f".into(), dir.to_str().unwrap().into()],
    ) {
        Err(ConfigError::Fatal(d)) => assert!(d[0].message.contains("not a regular file")),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        load(Daemon::Nfacctd, &["-q".into()]),
        Err(ConfigError::Usage(_))
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn not_supported_yet_and_other_daemon_reported_once() {
    let l = parse("plugins: print[a]\nthread_stack: 3\nthread_stack: 4\npcap_interface: eth0\n");
    let ours: Vec<(Code, Level)> = l.diagnostics.iter().map(|d| (d.code, d.level)).collect();
    assert_eq!(
        ours,
        [
            (Code::NotSupportedYet, Level::Warn),
            (Code::OtherDaemon, Level::Info)
        ]
    );
    assert!(l.pmacct_lines().is_empty());
    assert!(!l.has_errors());
    let opts = Options {
        also_implemented: &[key::THREAD_STACK],
    };
    let l = parse_bytes(
        Daemon::Nfacctd,
        Some("c"),
        b"plugins: memory\nthread_stack: 3\n",
        &[],
        opts,
    )
    .unwrap();
    assert!(l.diagnostics.is_empty());
}

/// Another daemon's key that shares its value with one of this daemon's takes effect (1.7.7's
/// shared handlers): not reported as having none; a key no key of this daemon shares is.
#[test]
fn other_daemon_key_sharing_a_value_is_not_reported() {
    let l = parse_str(
        Daemon::Sfacctd,
        Some("s.conf"),
        "plugins: print\nnfacctd_ip: 127.0.0.1\nnfacctd_port: 2101\npcap_interface: eth0\n",
        &[],
    )
    .unwrap();
    let other: Vec<Option<&str>> = l
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::OtherDaemon)
        .map(|d| d.key.as_deref())
        .collect();
    assert_eq!(other, [Some("pcap_interface")], "{:?}", l.diagnostics);
    assert_eq!(
        l.config.core.ip(key::SFACCTD_IP),
        Some("127.0.0.1".parse().unwrap())
    );
}

#[test]
fn capture_sources_exclude_each_other() {
    let l = parse("plugins: print\npcap_savefile: /x.pcap\nnfacctd_port: 2101\n");
    assert!(l
        .diagnostics
        .iter()
        .any(|d| d.code == Code::Conflict && d.level == Level::Error));
    let l = parse("plugins: print\nnfacctd_ip: 127.0.0.1\nnfacctd_port: 2101\n");
    assert!(!l.has_errors());
    // nfacctd_ip must be a numeric address (pmacct exits on 'localhost').
    let l = parse("plugins: print\nnfacctd_ip: localhost\n");
    assert!(l.has_errors());
}

#[test]
fn tutorial_example_config() {
    let text = include_str!("../../../examples/nfacct.conf");
    let l = parse_str(Daemon::Nfacctd, Some("nfacct.conf"), text, &[]).unwrap();
    // nfacctd 1.7.7 prints nothing while reading it (checked: compat-tests/config/cases).
    assert!(l.pmacct_lines().is_empty(), "{:?}", l.pmacct_lines());
    assert!(!l.has_errors(), "{:?}", l.diagnostics);
    for d in &l.diagnostics {
        assert!(
            matches!(d.code, Code::NotSupportedYet | Code::OtherDaemon),
            "{d}"
        );
    }
    let k = &l.config.plugins[0];
    assert_eq!(k.kind, PluginKind::Kafka);
    assert_eq!(
        k.scope.list(key::AGGREGATE).unwrap(),
        [
            "src_host",
            "dst_host",
            "in_iface",
            "out_iface",
            "timestamp_start",
            "timestamp_end",
            "src_port",
            "dst_port",
            "proto",
            "tos",
            "tcpflags"
        ]
    );
    assert_eq!(k.scope.int(key::KAFKA_REFRESH_TIME), Some(1));
    assert!(!l.config.core.bool(key::DAEMONIZE));
    assert!(l.config.core.ip(key::NFACCTD_IP).is_some());
    assert!(l.config.core.u64(key::NFACCTD_PORT).is_some());
}

#[test]
fn string_keys_and_get() {
    let l = parse("plugins: print[a]\nnfacctd_port: 2101\n");
    let core = &l.config.core;
    assert_eq!(core.u64("nfacctd_port"), Some(2101));
    assert_eq!(core.get("core_proc_name"), Some("default"));
    assert_eq!(core.get("nfacctd_port"), Some("2101"));
    assert!(!core.bool("daemonize"));
    assert_eq!(plugin(&l, "a").kind.to_string(), "print");
    assert!(keys_help().contains("nfacctd_port"));
}

#[test]
#[should_panic(expected = "not in the registry")]
fn unknown_string_key_panics() {
    let _ = Scope::default().bool("nfacctd_prot");
}

#[test]
fn extension_keys_are_accepted_and_flagged() {
    let l = parse("plugins: kafka[k]\nkafka_flush_timeout: 3\nkafka_topic: t\n");
    assert_eq!(plugin(&l, "k").scope.u64(key::KAFKA_FLUSH_TIMEOUT), Some(3));
    assert_eq!(
        l.pmacct_lines(),
        ["WARN: [c.conf:2] Unknown key: kafka_flush_timeout. Ignored."]
    );
    assert_eq!(l.diagnostics.len(), 1);
    assert_eq!(
        (l.diagnostics[0].code, l.diagnostics[0].level),
        (Code::Extension, Level::Info)
    );
}

#[test]
fn typed_accessors_return_registry_defaults() {
    let s = Scope::default();
    assert_eq!(s.u64(key::PRINT_REFRESH_TIME), Some(60));
    assert_eq!(
        s.secs(key::KAFKA_FLUSH_TIMEOUT),
        Some(std::time::Duration::from_secs(10))
    );
    assert_eq!(s.num::<u16>(key::KAFKA_BROKER_PORT), Ok(Some(9092)));
    assert_eq!(s.num::<usize>(key::KAFKA_CACHE_ENTRIES), Ok(Some(16411)));
    assert_eq!(s.num::<u64>(key::POST_TAG), Ok(None));
    assert_eq!(s.str(key::KAFKA_TOPIC), Some("pmacct.acct"));
    assert_eq!(s.path(key::PRINT_OUTPUT_FILE), None);
    assert_eq!(
        s.enum_value(key::PRINT_OUTPUT, |w| Some(w.len())),
        Ok(Some(9))
    );
    assert!(s.bool(key::MAPS_REFRESH));
    assert_eq!(s.history(key::PRINT_HISTORY), None);
}

#[test]
fn typed_accessors_read_set_values() {
    let l = parse(
        "plugins: print[p]\nprint_output: AVRO\nprint_history: 300\nkafka_topic_rr: 5000000000\n",
    );
    let s = &plugin(&l, "p").scope;
    assert_eq!(s.enum_value(key::PRINT_OUTPUT, |_| None::<()>), Err("AVRO"));
    assert_eq!(
        s.history(key::PRINT_HISTORY).map(|h| h.seconds()),
        Some(300)
    );
    assert_eq!(
        s.num::<u32>(key::KAFKA_TOPIC_RR),
        Err("'kafka_topic_rr': 5000000000 is out of range.".to_string())
    );
}

#[test]
fn set_raw_validates_with_the_registry() {
    let mut s = Scope::default();
    s.set_raw(key::KAFKA_MARKERS, " TRUE ").unwrap();
    assert!(s.bool(key::KAFKA_MARKERS));
    assert_eq!(
        s.set_raw(key::KAFKA_MARKERS, "yes").unwrap_err(),
        "'kafka_markers': invalid value 'yes' (true or false)"
    );
    assert!(s
        .set_raw(key::KAFKA_BROKER_PORT, "0")
        .unwrap_err()
        .contains("1-65535"));
    // Shared fields: kafka_topic writes what print_output_file reads.
    s.set_raw(key::KAFKA_TOPIC, "t").unwrap();
    assert_eq!(s.str(key::PRINT_OUTPUT_FILE), Some("t"));
}

#[test]
fn snaplen_below_pmacct_minimum() {
    let l = parse_str(Daemon::Pmacctd, Some("c.conf"), "snaplen: 50\n", &[]).unwrap();
    assert_eq!(
        l.pmacct_lines(),
        [
            "WARN: [c.conf] No plugin has been activated; defaulting to in-memory table.",
            "WARN: [c.conf] 'snaplen' has to be >= 128.",
            "WARN: [c.conf:1] Invalid value. Ignored.",
        ]
    );
    assert_eq!(l.config.core.u64(key::SNAPLEN), Some(128));
}

/// 1.7.7: "ERROR: [c.conf] aggregation filter cannot be global. Not loaded." (and TAG, TAG2,
/// LABEL for the pre_tag filters); the daemon runs on without the filter, which a per-plugin
/// setting still gives.
#[test]
fn plugin_filters_are_not_loaded_globally() {
    for (k, what) in [
        ("aggregate_filter", "aggregation"),
        ("pre_tag_filter", "TAG"),
        ("pre_tag2_filter", "TAG2"),
        ("pre_tag_label_filter", "LABEL"),
    ] {
        let l = parse(&format!("plugins: print[a], print[b]\n{k}: 1\n{k}[b]: 2\n"));
        let d = l
            .diagnostics
            .iter()
            .find(|d| d.code == Code::FilterNotGlobal)
            .unwrap_or_else(|| panic!("{k}: {:?}", l.diagnostics));
        assert_eq!(d.level, Level::Error);
        assert_eq!(
            d.pmacct,
            vec![format!(
                "ERROR: [c.conf] {what} filter cannot be global. Not loaded."
            )]
        );
        let key = Key(crate::registry::lookup(k).expect("known key").name);
        assert_eq!(plugin(&l, "a").scope.str(key), None, "{k}");
        assert_eq!(plugin(&l, "b").scope.str(key), Some("2"), "{k}");
    }
}
