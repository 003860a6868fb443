//! The key registry: one table of every pmacct 1.7.7 config key. Parsing, defaults,
//! validation, did-you-mean, `--help` and docs/CONFIG-KEYS.md all come from it.
//!
//! `registry_data.rs` holds the facts generated from pmacct's CONFIG-KEYS (names, grouped
//! names, command-line flag, scope flags, values, default). This file adds what pmacct's
//! parser does beyond the docs: which keys share one field (grouped directives), which keys
//! we implement, value kinds the docs leave implicit, and our one-line docs.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::registry_data::RAW_KEYS;

/// Value type of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `true`/`false`, any case.
    Bool,
    /// Unsigned decimal integer.
    Uint,
    /// Free text (paths, hosts, filters, lists...).
    Str,
    /// One of a fixed set, any case.
    Enum(&'static [&'static str]),
    /// pmacct time bin: `<n>[s|m|h|d|w|M]` (history keys).
    Bin,
    /// IP address.
    Ip,
}

impl Kind {
    /// What the key accepts, for error messages and docs.
    pub fn accepted(&self) -> String {
        match self {
            Kind::Bool => "true or false".into(),
            Kind::Uint => "an unsigned integer".into(),
            Kind::Str => "text".into(),
            Kind::Enum(v) => v.join(", "),
            Kind::Bin => "<number>[s|m|h|d|w|M], e.g. 5m".into(),
            Kind::Ip => "an IPv4 or IPv6 address".into(),
        }
    }

    /// Normalized value if `v` is valid for this kind.
    pub fn check(&self, v: &str) -> Option<String> {
        match self {
            Kind::Bool => match v.to_ascii_lowercase().as_str() {
                "true" => Some("true".into()),
                "false" => Some("false".into()),
                _ => None,
            },
            Kind::Uint => v.parse::<u64>().ok().map(|n| n.to_string()),
            Kind::Str => Some(v.to_string()),
            Kind::Enum(opts) => {
                let l = v.to_ascii_lowercase();
                opts.iter().any(|o| *o == l).then_some(l)
            }
            Kind::Bin => {
                let (num, unit) =
                    v.split_at(v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len()));
                (!num.is_empty()
                    && num.parse::<u64>().is_ok_and(|n| n > 0)
                    && ["", "s", "m", "h", "d", "w", "M"].contains(&unit))
                .then(|| v.to_string())
            }
            Kind::Ip => v.parse::<std::net::IpAddr>().ok().map(|_| v.to_string()),
        }
    }
}

/// Raw facts from CONFIG-KEYS (generated).
pub(crate) struct RawKey {
    pub names: &'static [&'static str],
    pub cli: Option<&'static str>,
    pub flags: &'static [&'static str],
    pub kind: Kind,
    pub default: Option<&'static str>,
}

/// One key as the parser and the docs see it.
#[derive(Debug, Clone)]
pub struct KeyInfo {
    pub name: &'static str,
    /// The shared config field this key writes (pmacct's grouped directives): keys with the
    /// same field overwrite each other, e.g. `kafka_topic` and `print_output_file`.
    pub field: &'static str,
    pub kind: Kind,
    /// Default as a value of `kind`; None = unset.
    pub default: Option<&'static str>,
    /// GLOBAL: read from the core only; a `key[name]` form is globalized with a warning.
    pub global: bool,
    /// NO_GLOBAL: meant to be scoped to a plugin (aggregate_filter).
    pub no_global: bool,
    pub cli: Option<&'static str>,
    /// Implemented by pmacct-rs; others are accepted and warned about once.
    pub implemented: bool,
    pub doc: &'static str,
}

/// pmacct's grouped directives: every key of a group writes the same field (reference 1.3).
/// The field is named after the group's first key.
const GROUPS: &[&[&str]] = &[
    &[
        "print_output_file",
        "sql_table",
        "kafka_topic",
        "amqp_routing_key",
    ],
    &[
        "print_refresh_time",
        "sql_refresh_time",
        "kafka_refresh_time",
        "amqp_refresh_time",
    ],
    &["kafka_broker_host", "sql_host", "amqp_host"],
    &["sql_db", "amqp_exchange"],
    &[
        "print_history",
        "sql_history",
        "kafka_history",
        "amqp_history",
    ],
    &[
        "print_history_roundoff",
        "sql_history_roundoff",
        "kafka_history_roundoff",
        "amqp_history_roundoff",
    ],
    &[
        "print_history_offset",
        "sql_history_offset",
        "kafka_history_offset",
        "amqp_history_offset",
    ],
    &[
        "print_cache_entries",
        "kafka_cache_entries",
        "amqp_cache_entries",
    ],
    &[
        "print_max_writers",
        "sql_max_writers",
        "kafka_max_writers",
        "amqp_max_writers",
    ],
    &[
        "print_multi_values",
        "sql_multi_values",
        "kafka_multi_values",
        "amqp_multi_values",
    ],
    &[
        "print_num_protos",
        "sql_num_protos",
        "kafka_num_protos",
        "amqp_num_protos",
    ],
    &[
        "print_markers",
        "sql_markers",
        "kafka_markers",
        "amqp_markers",
    ],
    &[
        "print_trigger_exec",
        "sql_trigger_exec",
        "kafka_trigger_exec",
        "amqp_trigger_exec",
    ],
    &[
        "print_preprocess",
        "sql_preprocess",
        "kafka_preprocess",
        "amqp_preprocess",
    ],
    &[
        "print_preprocess_type",
        "sql_preprocess_type",
        "kafka_preprocess_type",
        "amqp_preprocess_type",
    ],
    &[
        "print_startup_delay",
        "sql_startup_delay",
        "kafka_startup_delay",
        "amqp_startup_delay",
    ],
    &["nfacctd_port", "sfacctd_port"],
    &["nfacctd_ip", "sfacctd_ip"],
    &["nfacctd_time_new", "sfacctd_time_new", "pmacctd_time_new"],
    &[
        "nfacctd_renormalize",
        "sfacctd_renormalize",
        "pmacctd_renormalize",
    ],
    &[
        "nfacctd_pipe_size",
        "sfacctd_pipe_size",
        "pmacctd_pipe_size",
    ],
];

/// Keys pmacct-rs implements, with our one-line doc, and kind/default corrections where
/// CONFIG-KEYS is prose rather than a value.
const IMPLEMENTED: &[(&str, Option<Kind>, Option<&str>, &str)] = &[
    ("debug", None, Some("false"), "Enable debug logging."),
    ("daemonize", None, Some("false"), "Fork to the background."),
    ("pidfile", None, None, "Write the core PID here; each plugin writes <pidfile>-<type>-<name>."),
    ("logfile", None, None, "Append log lines to this file (reopened on SIGHUP) instead of stderr."),
    ("syslog", None, None, "Log to syslog with this facility (auth, mail, daemon, kern, user, local0-7)."),
    ("core_proc_name", None, Some("default"), "Name of the core process in log lines."),
    ("plugins", None, Some("memory"), "Plugins to run: type[name], comma separated."),
    ("aggregate", None, Some("src_host"), "Aggregation primitives of a plugin, comma separated."),
    ("plugin_pipe_size", Some(Kind::Uint), Some("4096000"), "Bytes of the core-to-plugin queue (sizes the batch queue)."),
    ("plugin_buffer_size", Some(Kind::Uint), None, "Bytes per core-to-plugin chunk (accepted; batches are 512 records)."),
    ("pcap_savefile", None, None, "Read export datagrams from this pcap file instead of the socket; exit at its end."),
    ("pcap_savefile_wait", None, Some("false"), "Do not exit at the end of the savefile."),
    ("pcap_savefile_delay", Some(Kind::Uint), Some("0"), "Seconds to sleep before reading the savefile."),
    ("pcap_savefile_replay", Some(Kind::Uint), Some("1"), "Times to read the savefile."),
    ("nfacctd_ip", Some(Kind::Ip), None, "Address to listen on (default: all, dual-stack)."),
    ("nfacctd_port", Some(Kind::Uint), None, "UDP port to listen on (nfacctd 2100, sfacctd 6343)."),
    ("nfacctd_time_new", None, Some("false"), "Bin flows by arrival time instead of flow start time."),
    ("nfacctd_time_secs", None, Some("false"), "NetFlow v5 header times are in seconds."),
    ("nfacctd_renormalize", None, Some("false"), "Multiply counters by the sampling rate."),
    ("nfacctd_pipe_size", Some(Kind::Uint), None, "Socket receive buffer (SO_RCVBUF) in bytes."),
    ("timestamps_secs", None, Some("false"), "Zero the microseconds of timestamps."),
    ("timestamps_since_epoch", None, Some("false"), "Timestamps as seconds since the epoch."),
    ("timestamps_utc", None, Some("false"), "Timestamps in UTC instead of local time."),
    ("timestamps_rfc3339", None, Some("false"), "Timestamps in RFC 3339 format."),
    ("print_output", None, Some("formatted"), "Print plugin format: formatted, csv, json, event_formatted, event_csv."),
    ("print_output_file", None, None, "Print plugin output file (strftime and $ variables); stdout if unset. Shared with kafka_topic, sql_table, amqp_routing_key."),
    ("print_output_file_append", None, Some("false"), "Append to the output file instead of truncating it."),
    ("print_output_separator", None, Some(","), "CSV separator (\\t and \\s allowed)."),
    ("print_refresh_time", Some(Kind::Uint), Some("60"), "Seconds between purges. Shared with sql/kafka/amqp_refresh_time."),
    ("print_history", Some(Kind::Bin), None, "Time bins of the cache: <n>[s,m,h,d,w,M]."),
    ("print_history_roundoff", None, None, "Align bins to m, h, d, w or M."),
    ("print_history_offset", Some(Kind::Uint), Some("0"), "Seconds to shift bins by."),
    ("print_markers", None, Some("false"), "Write start/end markers around each purge."),
    ("print_num_protos", None, Some("false"), "Numeric IP protocols."),
    ("print_latest_file", None, None, "Symlink pointing at the latest output file."),
    ("print_write_empty_file", None, Some("false"), "Write output files also when a purge is empty."),
    ("print_cache_entries", Some(Kind::Uint), Some("16411"), "Cache buckets of the print/kafka/amqp plugins."),
    ("print_startup_delay", Some(Kind::Uint), Some("0"), "Seconds to delay the first purge."),
    ("post_tag", Some(Kind::Uint), Some("0"), "Tag set on every record after tagging."),
    ("post_tag2", Some(Kind::Uint), Some("0"), "Tag2 set on every record after tagging."),
    ("kafka_topic", None, Some("pmacct.acct"), "Kafka topic ($peer_src_ip, $tag, $tag2, $post_tag, $post_tag2). Shared with print_output_file."),
    ("kafka_broker_host", None, Some("127.0.0.1"), "Kafka broker host, or host:port list."),
    ("kafka_broker_port", Some(Kind::Uint), Some("9092"), "Kafka broker port for the single-host form."),
    ("kafka_refresh_time", Some(Kind::Uint), Some("60"), "Seconds between purges to Kafka."),
    ("kafka_history", Some(Kind::Bin), None, "Time bins; adds stamp_inserted and stamp_updated."),
    ("kafka_history_roundoff", None, None, "Align bins to m, h, d, w or M."),
    ("kafka_output", None, Some("json"), "json (avro and avro_json are recognized, not supported yet)."),
    ("kafka_partition", None, None, "Fixed partition (honoured, unlike 1.7.7)."),
    ("kafka_partition_dynamic", None, Some("false"), "Partition by message key."),
    ("kafka_partition_key", None, None, "Message key, with $ variables."),
    ("kafka_config_file", None, None, "librdkafka settings: global|topic, key, value lines."),
    ("kafka_multi_values", Some(Kind::Uint), Some("0"), "Bytes per batched message (0 = one record per message)."),
    ("kafka_markers", None, Some("false"), "purge_init / purge_close messages."),
    ("kafka_topic_rr", Some(Kind::Uint), Some("0"), "Round-robin over <topic>_0..N-1."),
    ("kafka_num_protos", None, Some("false"), "Numeric IP protocols."),
    ("kafka_startup_delay", Some(Kind::Uint), Some("0"), "Seconds to delay the first purge."),
    ("kafka_cache_entries", Some(Kind::Uint), Some("16411"), "Cache buckets."),
    ("kafka_max_writers", Some(Kind::Uint), Some("10"), "Accepted; pmacct-rs has no forked writers, purges are never refused."),
    ("kafka_retry_buffer_size", Some(Kind::Uint), Some("268435456"), "pmacct-rs extension: bytes of undelivered Kafka messages held for retry."),
    ("kafka_flush_timeout", Some(Kind::Uint), Some("10"), "pmacct-rs extension: seconds to wait for delivery at shutdown."),
];

/// Keys pmacct-rs adds (not in pmacct 1.7.7).
const EXTENSIONS: &[&str] = &["kafka_retry_buffer_size", "kafka_flush_timeout"];

pub(crate) struct Registry {
    pub keys: Vec<KeyInfo>,
    pub by_name: HashMap<&'static str, usize>,
}

fn field_of(name: &'static str) -> &'static str {
    GROUPS
        .iter()
        .find(|g| g.contains(&name))
        .map(|g| g[0])
        .unwrap_or(name)
}

pub(crate) fn registry() -> &'static Registry {
    static R: OnceLock<Registry> = OnceLock::new();
    R.get_or_init(|| {
        let mut keys = Vec::new();
        let mut by_name = HashMap::new();
        let mut push = |k: KeyInfo| {
            if !by_name.contains_key(k.name) {
                by_name.insert(k.name, keys.len());
                keys.push(k);
            }
        };
        let imp = |n: &str| IMPLEMENTED.iter().find(|(k, ..)| *k == n);
        for raw in RAW_KEYS {
            for &name in raw.names {
                let over = imp(name);
                // Time-bin keys are history keys; *_port, *_refresh_time numbers.
                let kind = over.and_then(|o| o.1).unwrap_or(raw.kind);
                let default = match over {
                    Some(o) => o.2,
                    None => raw.default.filter(|d| kind.check(d).is_some()),
                };
                push(KeyInfo {
                    name,
                    field: field_of(name),
                    kind,
                    default,
                    global: raw.flags.contains(&"GLOBAL"),
                    no_global: raw.flags.contains(&"NO_GLOBAL"),
                    cli: raw.cli,
                    implemented: over.is_some(),
                    doc: over.map(|o| o.3).unwrap_or(""),
                });
            }
        }
        for &name in EXTENSIONS {
            let o = imp(name).expect("extension keys are implemented");
            push(KeyInfo {
                name,
                field: name,
                kind: o.1.unwrap_or(Kind::Str),
                default: o.2,
                global: false,
                no_global: false,
                cli: None,
                implemented: true,
                doc: o.3,
            });
        }
        Registry { keys, by_name }
    })
}

/// Every key, in CONFIG-KEYS order (extensions last).
pub fn keys() -> &'static [KeyInfo] {
    &registry().keys
}

pub fn lookup(name: &str) -> Option<&'static KeyInfo> {
    let r = registry();
    r.by_name.get(name).map(|&i| &r.keys[i])
}

/// The key of `field`'s group that a plugin of type `kind` reads (`kafka_topic` for kafka,
/// `print_output_file` for print), or the field itself.
pub fn key_for_plugin(field: &'static str, kind: &str) -> &'static str {
    if let Some(g) = GROUPS.iter().find(|g| g[0] == field) {
        let prefix = match kind {
            "mysql" | "pgsql" | "sqlite3" => "sql_".to_string(),
            k => format!("{k}_"),
        };
        if let Some(k) = g.iter().find(|k| k.starts_with(&prefix)) {
            return k;
        }
    }
    field
}

/// The nearest known key by edit distance, for "did you mean".
pub fn nearest(name: &str) -> Option<&'static str> {
    let mut best: Option<(usize, &'static str)> = None;
    for k in keys() {
        let d = edit_distance(name, k.name);
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, k.name));
        }
    }
    // Only suggest when reasonably close (a third of the length, at least 2 edits).
    best.filter(|(d, _)| *d <= (name.len() / 3).max(2))
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// docs/CONFIG-KEYS.md, generated from the table.
pub fn render_markdown() -> String {
    let mut s = String::from(
        "# Config keys\n\nGenerated from the key registry (`crates/config/src/registry.rs`); do not edit.\n\
         Regenerate: `cargo run -p pmacct-config --example gen-config-keys-doc > docs/CONFIG-KEYS.md`.\n\n\
         Scope: G = global (core only), P = per plugin (`key[name]: value`). Keys marked \
         \"not supported yet\" are accepted and reported once at start-up. Keys on one row \
         group line share one setting, as in pmacct.\n\n\
         | key | cli | scope | type | default | status | doc |\n|---|---|---|---|---|---|---|\n",
    );
    for k in keys() {
        let shared = if k.field != k.name {
            format!(" (shares `{}`)", k.field)
        } else {
            String::new()
        };
        s.push_str(&format!(
            "| `{}`{} | {} | {} | {} | {} | {} | {} |\n",
            k.name,
            shared,
            k.cli.unwrap_or(""),
            if k.global { "G" } else { "P" },
            k.kind.accepted().replace('|', "\\|"),
            k.default.map(|d| format!("`{d}`")).unwrap_or_default(),
            if EXTENSIONS.contains(&k.name) {
                "pmacct-rs extension"
            } else if k.implemented {
                "supported"
            } else {
                "not supported yet"
            },
            k.doc.replace('|', "\\|"),
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_implemented_key_is_in_the_registry() {
        for (k, ..) in IMPLEMENTED {
            assert!(lookup(k).is_some_and(|i| i.implemented), "{k}");
        }
    }

    #[test]
    fn defaults_are_valid_values() {
        for k in keys() {
            if let Some(d) = k.default {
                assert!(
                    k.kind.check(d).is_some(),
                    "{}: default {d:?} not a {:?}",
                    k.name,
                    k.kind
                );
            }
        }
    }

    #[test]
    fn grouped_directives_share_a_field() {
        assert_eq!(lookup("kafka_topic").unwrap().field, "print_output_file");
        assert_eq!(
            lookup("sql_refresh_time").unwrap().field,
            "print_refresh_time"
        );
        assert_eq!(lookup("sfacctd_port").unwrap().field, "nfacctd_port");
        assert_eq!(key_for_plugin("print_output_file", "kafka"), "kafka_topic");
        assert_eq!(key_for_plugin("print_output_file", "sqlite3"), "sql_table");
        assert_eq!(
            key_for_plugin("print_output_file", "print"),
            "print_output_file"
        );
    }

    #[test]
    fn did_you_mean() {
        assert_eq!(nearest("nfacctd_prot"), Some("nfacctd_port"));
        assert_eq!(nearest("print_ouput"), Some("print_output"));
        assert_eq!(nearest("zzzzzzzzzzzzzzzzzzzz"), None);
    }

    #[test]
    fn covers_config_keys() {
        // CONFIG-KEYS of 1.7.7 documents 325 entries, several of them groups of keys.
        assert!(keys().len() > 400, "{}", keys().len());
    }
}
