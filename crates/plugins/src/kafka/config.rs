//! `kafka_*` keys with pmacct 1.7.7's defaults, the broker list, and `kafka_config_file`.

use std::net::Ipv6Addr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use pmacct_config::{key, Key, Scope};
use rdkafka::config::ClientConfig;

use super::template::Template;
use crate::keys::need;

/// librdkafka's RD_KAFKA_PARTITION_UA: its partitioner chooses (hashing the key if any).
const PARTITION_UA: i32 = -1;

/// The Kafka plugin's transport settings, one field per pmacct key (plus two extensions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KafkaConfig {
    /// Plugin name (`kafka[name]`), used in log lines and `writer_id`.
    pub plugin_name: String,
    /// `kafka_topic`: `pmacct.acct`; `$peer_src_ip $tag $tag2 $post_tag $post_tag2`.
    pub topic: String,
    /// `kafka_broker_host`: `127.0.0.1`; one host, or `h1:p1,h2:p2`, each maybe `ssl://`.
    pub broker_host: String,
    /// `kafka_broker_port`: 9092, used with a single host.
    pub broker_port: u16,
    /// `kafka_partition`: None = -1 = librdkafka's partitioner. Honoured as documented
    /// (1.7.7 ignores it unless dynamic: see docs/COMPATIBILITY.md).
    pub partition: Option<i32>,
    /// `kafka_partition_dynamic`: false.
    pub partition_dynamic: bool,
    /// `kafka_partition_key`: none (null key).
    pub partition_key: Option<String>,
    /// `kafka_config_file`: librdkafka settings, `global|topic, key, value` lines.
    pub config_file: Option<PathBuf>,
    /// `kafka_multi_values`: 0 = one object per message; N = byte budget per message.
    pub multi_values: usize,
    /// `kafka_topic_rr`: 0 = off; N = round robin over `<topic>_0..N-1`.
    pub topic_rr: u32,
    /// `kafka_markers`: false.
    pub markers: bool,
    /// `kafka_startup_delay` (seconds): 0.
    pub startup_delay: u64,
    /// `kafka_max_writers`: 10. Accepted for compatibility; we have no forked writers (see
    /// docs/COMPATIBILITY.md): purges are serialized and never refused.
    pub max_writers: u32,
    /// `post_tag` / `post_tag2` configured values, for `$post_tag[2]`.
    pub post_tag: u64,
    pub post_tag2: u64,
    /// Extension `kafka_retry_buffer_size` (bytes): messages librdkafka could not take or
    /// deliver are held here and retried; beyond it they are dropped, counted and logged.
    /// The default, 256 MiB, holds ~900k records of ~300 bytes, i.e. 15 minutes at 1,000
    /// records/s, on top of what librdkafka itself queues (100k messages by default).
    pub retry_buffer_size: usize,
    /// Extension `kafka_flush_timeout` (seconds): how long shutdown waits for delivery.
    pub flush_timeout: Duration,
}

impl Default for KafkaConfig {
    fn default() -> Self {
        KafkaConfig::from_scope("default", &Scope::default())
            .expect("the registry's kafka defaults are valid")
    }
}

/// Where a `kafka_config_file` line applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfScope {
    Global,
    Topic,
}

/// One `kafka_config_file` entry with its line number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfEntry {
    pub scope: ConfScope,
    pub key: String,
    pub value: String,
    pub line: usize,
}

impl KafkaConfig {
    /// The keys the transport reads.
    pub(crate) const KEYS: &'static [Key] = &[
        key::KAFKA_TOPIC,
        key::KAFKA_BROKER_HOST,
        key::KAFKA_BROKER_PORT,
        key::KAFKA_PARTITION,
        key::KAFKA_PARTITION_DYNAMIC,
        key::KAFKA_PARTITION_KEY,
        key::KAFKA_CONFIG_FILE,
        key::KAFKA_MULTI_VALUES,
        key::KAFKA_TOPIC_RR,
        key::KAFKA_MARKERS,
        key::KAFKA_STARTUP_DELAY,
        key::KAFKA_MAX_WRITERS,
        key::KAFKA_RETRY_BUFFER_SIZE,
        key::KAFKA_FLUSH_TIMEOUT,
    ];

    /// The transport settings of instance `plugin_name` from its scope, as the registry
    /// parsed and defaulted them (`post_tag`s are the plugin's: left 0 here).
    pub fn from_scope(plugin_name: &str, scope: &Scope) -> Result<KafkaConfig, String> {
        let partition = match scope.is_set(key::KAFKA_PARTITION) {
            true => scope.num(key::KAFKA_PARTITION)?,
            false => None,
        };
        if partition.is_some_and(|p: i32| p < PARTITION_UA) {
            return Err("'kafka_partition' has to be >= -1.".into());
        }
        let text = |k: Key| scope.str(k).map(str::to_string);
        Ok(KafkaConfig {
            plugin_name: plugin_name.to_string(),
            topic: need(text(key::KAFKA_TOPIC), key::KAFKA_TOPIC)?,
            broker_host: need(text(key::KAFKA_BROKER_HOST), key::KAFKA_BROKER_HOST)?,
            broker_port: need(scope.num(key::KAFKA_BROKER_PORT)?, key::KAFKA_BROKER_PORT)?,
            partition,
            partition_dynamic: scope.bool(key::KAFKA_PARTITION_DYNAMIC),
            partition_key: text(key::KAFKA_PARTITION_KEY),
            config_file: scope.path(key::KAFKA_CONFIG_FILE).map(Path::to_path_buf),
            multi_values: need(scope.num(key::KAFKA_MULTI_VALUES)?, key::KAFKA_MULTI_VALUES)?,
            topic_rr: need(scope.num(key::KAFKA_TOPIC_RR)?, key::KAFKA_TOPIC_RR)?,
            markers: scope.bool(key::KAFKA_MARKERS),
            startup_delay: need(
                scope.u64(key::KAFKA_STARTUP_DELAY),
                key::KAFKA_STARTUP_DELAY,
            )?,
            max_writers: need(scope.num(key::KAFKA_MAX_WRITERS)?, key::KAFKA_MAX_WRITERS)?,
            post_tag: 0,
            post_tag2: 0,
            retry_buffer_size: need(
                scope.num(key::KAFKA_RETRY_BUFFER_SIZE)?,
                key::KAFKA_RETRY_BUFFER_SIZE,
            )?,
            flush_timeout: need(
                scope.secs(key::KAFKA_FLUSH_TIMEOUT),
                key::KAFKA_FLUSH_TIMEOUT,
            )?,
        })
    }

    /// pmacct's start-up checks (same conditions and wording), done before anything runs.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(p) = self.partition {
            if p < PARTITION_UA {
                return Err("'kafka_partition' has to be >= -1.".into());
            }
        }
        if self.partition_dynamic && self.partition_key.is_none() {
            return Err("kafka_partition_dynamic needs a kafka_partition_key to operate.".into());
        }
        if self.partition_dynamic && self.partition.is_some() {
            return Err(
                "kafka_partition_dynamic and kafka_partition are mutually exclusive.".into(),
            );
        }
        let dyn_topic = Template::is_dynamic_str(&self.topic);
        if dyn_topic && self.multi_values > 0 {
            return Err(
                "dynamic 'kafka_topic' is not compatible with 'kafka_multi_values'.".into(),
            );
        }
        if dyn_topic && self.topic_rr > 0 {
            return Err("dynamic 'kafka_topic' is not compatible with 'kafka_topic_rr'.".into());
        }
        if self.topic.is_empty() {
            return Err("'kafka_topic' is empty.".into());
        }
        Ok(())
    }

    /// The partition messages go to: the configured one, else -1 (librdkafka partitioner,
    /// which hashes the key when there is one: that is what `kafka_partition_dynamic` means).
    pub fn effective_partition(&self) -> i32 {
        self.partition.unwrap_or(PARTITION_UA)
    }

    /// `bootstrap.servers` and `security.protocol` from `kafka_broker_host`/`_port`.
    pub fn bootstrap(&self) -> Result<(String, bool), String> {
        broker_list(&self.broker_host, self.broker_port)
    }

    /// The librdkafka configuration: brokers, then every `kafka_config_file` line (which wins
    /// over the broker keys, so a file can set `bootstrap.servers` itself).
    pub fn client_config(&self) -> Result<ClientConfig, String> {
        let (servers, ssl) = self.bootstrap()?;
        let mut cc = ClientConfig::new();
        cc.set("bootstrap.servers", servers);
        if ssl {
            cc.set("security.protocol", "ssl");
        }
        if let Some(path) = &self.config_file {
            // A file that cannot be opened is left out, as 1.7.7 does (with the warnings of
            // [`KafkaConfig::unopenable_config_file`]).
            if std::fs::File::open(path).is_ok() {
                for e in parse_config_file(path)? {
                    cc.set(e.key, e.value);
                }
            }
        }
        Ok(cc)
    }

    /// `kafka_config_file` set to a file that cannot be opened: 1.7.7 warns `[file] file not
    /// found. librdkafka global config not loaded.` (and `... topic configuration not
    /// loaded.`) and runs without it.
    pub fn unopenable_config_file(&self) -> Option<&Path> {
        self.config_file
            .as_deref()
            .filter(|p| std::fs::File::open(p).is_err())
    }
}

/// Build the broker list as pmacct does: a single host gets `:port` appended (an IPv6
/// literal is bracketed, as the docs promise); a comma-separated list is passed as written.
/// Returns whether `ssl://` was used (then every entry must use it: librdkafka refuses
/// mixed protocols).
pub fn broker_list(host: &str, port: u16) -> Result<(String, bool), String> {
    let entries: Vec<&str> = host.split(',').map(str::trim).collect();
    if entries.iter().any(|e| e.is_empty()) {
        return Err(format!("Invalid 'kafka_broker_host' specified ({host})."));
    }
    let is_ssl = |e: &str| e.len() > 6 && e[..6].eq_ignore_ascii_case("ssl://");
    let n_ssl = entries.iter().filter(|e| is_ssl(e)).count();
    if n_ssl != 0 && n_ssl != entries.len() {
        return Err(format!(
            "'kafka_broker_host' mixes ssl:// and plaintext brokers ({host}); librdkafka uses one protocol."
        ));
    }
    if entries.iter().any(|e| e.contains("://") && !is_ssl(e)) {
        return Err(format!(
            "Invalid 'kafka_broker_host' specified ({host}): only ssl:// is supported."
        ));
    }
    let ssl = n_ssl > 0;
    if entries.len() > 1 {
        return Ok((entries.join(","), ssl));
    }
    let (prefix, h) = if ssl {
        entries[0].split_at(6)
    } else {
        ("", entries[0])
    };
    let hostport = if h.parse::<Ipv6Addr>().is_ok() {
        format!("[{h}]:{port}")
    } else if h.starts_with('[')
        || h.rsplit_once(':')
            .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
    {
        // Already carries a port (a lenient extension: pmacct would append a second one).
        h.to_string()
    } else {
        format!("{h}:{port}")
    };
    Ok((format!("{prefix}{hostport}"), ssl))
}

/// Parse pmacct's `kafka_config_file`: `global|topic, key, value` per line, the value being
/// the rest of the line (it may contain commas). Blank lines and lines starting with `#` or
/// `!` are comments. Unlike pmacct (which warns and ignores), any other malformed line or a
/// key/value librdkafka rejects is an error naming `file:line`.
pub fn parse_config_file(path: &Path) -> Result<Vec<ConfEntry>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("[{}] cannot read kafka_config_file: {e}", path.display()))?;
    parse_config_text(&text, &path.display().to_string())
}

pub fn parse_config_text(text: &str, name: &str) -> Result<Vec<ConfEntry>, String> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let l = raw.trim();
        if l.is_empty() || l.starts_with('#') || l.starts_with('!') {
            continue;
        }
        let mut it = l.splitn(3, ',');
        let (scope, key, value) = match (it.next(), it.next(), it.next()) {
            (Some(s), Some(k), Some(v)) => (s.trim().to_ascii_lowercase(), k.trim(), v.trim()),
            _ => {
                return Err(format!(
                    "[{name}:{line}] expected 'global|topic, key, value', got '{l}'"
                ))
            }
        };
        let scope = match scope.as_str() {
            "global" => ConfScope::Global,
            "topic" => ConfScope::Topic,
            other => {
                return Err(format!(
                    "[{name}:{line}] unknown type '{other}': expected 'global' or 'topic'"
                ))
            }
        };
        if key.is_empty() || value.is_empty() {
            return Err(format!("[{name}:{line}] empty key or value"));
        }
        // librdkafka validates names and values when the configuration object is built;
        // doing it one entry at a time ties its complaint to the line.
        let mut probe = ClientConfig::new();
        probe.set(key, value);
        if let Err(e) = probe.create_native_config() {
            return Err(format!(
                "[{name}:{line}] key={key} value={value} failed: {e}"
            ));
        }
        out.push(ConfEntry {
            scope,
            key: key.to_string(),
            value: value.to_string(),
            line,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broker_host_forms() {
        assert_eq!(
            broker_list("127.0.0.1", 9092).unwrap(),
            ("127.0.0.1:9092".into(), false)
        );
        assert_eq!(
            broker_list("kafka1", 10000).unwrap(),
            ("kafka1:10000".into(), false)
        );
        assert_eq!(
            broker_list("2001:db8::1", 9093).unwrap(),
            ("[2001:db8::1]:9093".into(), false)
        );
        assert_eq!(
            broker_list("h1:1,h2", 9092).unwrap(),
            ("h1:1,h2".into(), false)
        );
        assert_eq!(
            broker_list("ssl://b3:9000,ssl://b2", 1).unwrap(),
            ("ssl://b3:9000,ssl://b2".into(), true)
        );
        assert_eq!(
            broker_list("ssl://b3", 9000).unwrap(),
            ("ssl://b3:9000".into(), true)
        );
        assert!(broker_list("ssl://b3,b2", 1).is_err());
        assert!(broker_list("sasl_ssl://b3", 1).is_err());
        assert!(broker_list("h1,,h2", 1).is_err());
    }

    #[test]
    fn config_file_lines() {
        let ok = "! comment\n\nglobal, socket.keepalive.enable, true\ntopic, compression.codec, snappy\n\
                  GLOBAL , client.id , a,b,c\n";
        let e = parse_config_text(ok, "k.conf").unwrap();
        assert_eq!(e.len(), 3);
        assert_eq!(
            e[2],
            ConfEntry {
                scope: ConfScope::Global,
                key: "client.id".into(),
                value: "a,b,c".into(),
                line: 5
            }
        );
        assert_eq!(e[1].scope, ConfScope::Topic);
        let err = parse_config_text("global, linger.ms, 5\nglobal, no.such.key, 1\n", "k.conf")
            .unwrap_err();
        assert!(err.starts_with("[k.conf:2] key=no.such.key"), "{err}");
        let err = parse_config_text("global linger.ms 5\n", "k.conf").unwrap_err();
        assert!(err.starts_with("[k.conf:1] expected"), "{err}");
        let err = parse_config_text("glob, linger.ms, 5\n", "k.conf").unwrap_err();
        assert!(err.contains("unknown type 'glob'"), "{err}");
        let err = parse_config_text("global, linger.ms, banana\n", "k.conf").unwrap_err();
        assert!(err.starts_with("[k.conf:1]"), "{err}");
    }

    #[test]
    fn pmacct_startup_checks() {
        let mut c = KafkaConfig {
            partition_dynamic: true,
            ..Default::default()
        };
        assert!(c
            .validate()
            .unwrap_err()
            .contains("needs a kafka_partition_key"));
        c.partition_key = Some("$src_host".into());
        assert!(c.validate().is_ok());
        c.partition = Some(0);
        assert!(c.validate().unwrap_err().contains("mutually exclusive"));
        let c = KafkaConfig {
            topic: "t.$tag".into(),
            multi_values: 1000,
            ..Default::default()
        };
        assert!(c.validate().unwrap_err().contains("kafka_multi_values"));
        let c = KafkaConfig {
            topic: "t.$tag".into(),
            topic_rr: 2,
            ..Default::default()
        };
        assert!(c.validate().unwrap_err().contains("kafka_topic_rr"));
        assert_eq!(
            KafkaConfig {
                partition: Some(3),
                ..Default::default()
            }
            .effective_partition(),
            3
        );
        assert_eq!(KafkaConfig::default().effective_partition(), -1);
    }
}
