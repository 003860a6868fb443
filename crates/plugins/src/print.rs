//! The print plugin (pmacct's `print_plugin.c`): an aggregation cache purged every
//! `print_refresh_time` to stdout or to `print_output_file` in formatted, csv, json,
//! event_formatted or event_csv. `print_preprocess` filters a purge's entries (1.7.7's
//! print checks only, see [`crate::preprocess`]); `print_trigger_exec` is started after
//! each written purge, the final one at exit included and the urgent one (cache full)
//! excluded, with the daemon's environment only (1.7.7's `P_trigger_exec()`: no variables).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::anyhow;
use pmacct_config::{key, Key, Scope};
use pmacct_flow::cache::{Entry, History};
use pmacct_flow::format::{Encoder, EncoderOptions, OutputFormat};
use pmacct_flow::time::{strftime, TimestampOptions};
use pmacct_flow::Aggregate;

use crate::aggregating::{log_cache_memory, unix_secs, Aggregator, CoreConfig, Purge, PurgeWriter};
use crate::keys::{self, need, CommonKeys, COMMON_KEYS};
use crate::log::{default_sink, plugin_log, Level, PluginLog};
use crate::preprocess::PurgeHooks;

/// Everything the print plugin reads from the configuration. `Default` is the registry's
/// defaults (pmacct's), for instance `default_print`.
#[derive(Debug, Clone)]
pub struct PrintConfig {
    /// Instance name (`print[name]`; pmacct's default is `default_print`).
    pub name: String,
    /// `aggregate` (default `src_host`; pmacct then warns "defaulting to SRC HOST aggregation.").
    pub aggregate: Aggregate,
    /// `print_output` (default formatted).
    pub output: OutputFormat,
    /// `print_output_file`: strftime `%...` and `$ref $hst $tzone $peer_src_ip $tag $tag2
    /// $post_tag $post_tag2`; None = stdout.
    pub output_file: Option<String>,
    /// `print_output_file_append`.
    pub append: bool,
    /// `print_output_separator`, raw (`\t` and `\s` are unescaped here).
    pub separator: String,
    /// `print_refresh_time` seconds (default 60).
    pub refresh_time: u64,
    /// `print_history` (+ `_roundoff`, `_offset` inside).
    pub history: Option<History>,
    /// `print_markers`.
    pub markers: bool,
    /// `print_num_protos`.
    pub num_protos: bool,
    /// `print_latest_file` (`$` variables, no strftime).
    pub latest_file: Option<String>,
    /// `print_write_empty_file`.
    pub write_empty_file: bool,
    /// `print_cache_entries` (default 16411).
    pub cache_entries: usize,
    /// `print_startup_delay` seconds.
    pub startup_delay: u64,
    /// `timestamps_secs`, `_since_epoch`, `_utc`, `_rfc3339`.
    pub timestamps: TimestampOptions,
    /// `nfacctd_time_new`: bin by the plugin's clock instead of flow start time.
    pub time_new: bool,
    /// `*_stitching`: records carry `timestamp_min`/`timestamp_max`.
    pub stitching: bool,
    /// The pmacct 1.7.8+ `*_encode_as_*` keys (JSON output).
    pub encodings: pmacct_flow::format::Encodings,
    /// `nfacctd_pro_rating` (with history).
    pub pro_rating: bool,
    /// `geoipv2_file`.
    pub geoipv2_file: Option<String>,
    /// `post_tag`, `post_tag2` (for `$post_tag`, `$post_tag2`).
    pub post_tag: u64,
    pub post_tag2: u64,
    /// `daemonize`: without an output file pmacct refuses to start the plugin.
    pub daemonize: bool,
    /// `print_preprocess` (with `print_preprocess_type`) and `print_trigger_exec`, applied
    /// by the aggregating core.
    pub hooks: PurgeHooks,
}

impl Default for PrintConfig {
    fn default() -> Self {
        PrintConfig::from_scope("default_print", &Scope::default())
            .expect("the registry's print defaults are valid")
    }
}

/// The print plugin's own keys (besides [`COMMON_KEYS`]).
const PRINT_KEYS: &[Key] = &[
    key::PRINT_OUTPUT,
    key::PRINT_OUTPUT_FILE,
    key::PRINT_OUTPUT_FILE_APPEND,
    key::PRINT_OUTPUT_SEPARATOR,
    key::PRINT_REFRESH_TIME,
    key::PRINT_HISTORY,
    key::PRINT_HISTORY_ROUNDOFF,
    key::PRINT_HISTORY_OFFSET,
    key::PRINT_MARKERS,
    key::PRINT_NUM_PROTOS,
    key::PRINT_LATEST_FILE,
    key::PRINT_WRITE_EMPTY_FILE,
    key::PRINT_CACHE_ENTRIES,
    key::PRINT_STARTUP_DELAY,
    key::PRINT_PREPROCESS,
    key::PRINT_PREPROCESS_TYPE,
    key::PRINT_TRIGGER_EXEC,
    key::DAEMONIZE,
];

impl PrintConfig {
    /// The configuration of instance `name` from its scope (global values already
    /// overridden by `key[name]` ones), as the registry parsed and defaulted them, with the
    /// print plugin's own value rules. Unsupported values (avro, custom output) are errors.
    pub fn from_scope(name: &str, scope: &Scope) -> Result<PrintConfig, String> {
        let common = CommonKeys::read(scope)?;
        let output = match scope.enum_value(key::PRINT_OUTPUT, OutputFormat::parse) {
            Ok(o) => need(o, key::PRINT_OUTPUT)?,
            Err(v) => return Err(format!("'print_output': '{v}' is not supported (formatted, csv, json, event_formatted, event_csv)")),
        };
        let history = keys::history(
            scope,
            [
                key::PRINT_HISTORY,
                key::PRINT_HISTORY_ROUNDOFF,
                key::PRINT_HISTORY_OFFSET,
            ],
        )?;
        if let Some(h) = &history {
            if h.offset >= h.seconds() {
                return Err("History offset (ie. print_history_offset) must be < history (ie. print_history).".into());
            }
        }
        let text = |k: Key| scope.str(k).map(str::to_string);
        let hooks = PurgeHooks::read(
            scope,
            &common.aggregate,
            key::PRINT_PREPROCESS,
            key::PRINT_PREPROCESS_TYPE,
            key::PRINT_TRIGGER_EXEC,
        )?;
        Ok(PrintConfig {
            name: name.to_string(),
            aggregate: common.aggregate,
            output,
            output_file: text(key::PRINT_OUTPUT_FILE),
            append: scope.bool(key::PRINT_OUTPUT_FILE_APPEND),
            separator: need(
                text(key::PRINT_OUTPUT_SEPARATOR),
                key::PRINT_OUTPUT_SEPARATOR,
            )?,
            refresh_time: need(scope.u64(key::PRINT_REFRESH_TIME), key::PRINT_REFRESH_TIME)?,
            history,
            markers: scope.bool(key::PRINT_MARKERS),
            num_protos: scope.bool(key::PRINT_NUM_PROTOS),
            latest_file: text(key::PRINT_LATEST_FILE),
            write_empty_file: scope.bool(key::PRINT_WRITE_EMPTY_FILE),
            cache_entries: need(
                scope.num(key::PRINT_CACHE_ENTRIES)?,
                key::PRINT_CACHE_ENTRIES,
            )?,
            startup_delay: need(
                scope.u64(key::PRINT_STARTUP_DELAY),
                key::PRINT_STARTUP_DELAY,
            )?,
            timestamps: common.timestamps,
            time_new: common.time_new,
            stitching: common.stitching,
            encodings: common.encodings,
            pro_rating: common.pro_rating,
            geoipv2_file: common.geoipv2_file,
            post_tag: common.post_tag,
            post_tag2: common.post_tag2,
            daemonize: scope.bool(key::DAEMONIZE),
            hooks,
        })
    }

    /// Replace this configuration by the one `pairs` give (key names as written in config
    /// files, validated by the registry; for tests and embedders). Pairs that are not the
    /// print plugin's keys are returned for the caller.
    pub fn apply_keys<'a>(
        &mut self,
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Vec<(&'a str, &'a str)>, String> {
        let own: Vec<Key> = PRINT_KEYS.iter().chain(COMMON_KEYS).copied().collect();
        let (scope, rest) = keys::scope_from_pairs(pairs, &own)?;
        *self = PrintConfig::from_scope(&self.name, &scope)?;
        Ok(rest)
    }
}

/// A running print plugin instance: the aggregating core around [`PrintSink`].
pub type PrintPlugin = Aggregator<PrintSink>;

/// The print plugin's side of the core: where and how a purge is written.
pub struct PrintSink {
    cfg: PrintConfig,
    /// pmacct prints the stdout header until a purge with data has happened.
    stdout_header: bool,
}

impl PrintPlugin {
    /// Start the plugin at `now`: validates the output, logs pmacct's start-up lines, sets the
    /// first purge deadline.
    pub fn new(mut cfg: PrintConfig, now: SystemTime) -> anyhow::Result<PrintPlugin> {
        let log = PluginLog::new(&cfg.name, PrintSink::KIND, default_sink());
        let opts = EncoderOptions {
            separator: pmacct_flow::format::unescape_separator(&cfg.separator),
            num_protos: cfg.num_protos,
            timestamps: cfg.timestamps,
            writer_id: None,
            history: cfg.history.is_some(),
            stitching: cfg.stitching,
            encodings: cfg.encodings,
        };
        log_cache_memory(&log, cfg.cache_entries);
        cfg.hooks.log_warnings(&log);
        let encoder = match Encoder::new(cfg.output, &cfg.aggregate, opts) {
            Ok(e) => e,
            Err(e) => {
                log.log(Level::Error, &e.to_string());
                let msg = "Please switch to one of the other supported output formats (ie. csv, json, avro). Exiting ..";
                log.log(Level::Error, msg);
                return Err(anyhow!("{e}"));
            }
        };
        if cfg.output == OutputFormat::Json {
            log.log(Level::Info, "JSON: setting object handlers.");
        }
        if cfg.output_file.is_none() {
            if cfg.daemonize {
                let msg = "no print_output_file defined and 'daemonize: true'. Output would be lost. Exiting ..";
                log.log(Level::Error, msg);
                return Err(anyhow!("{msg}"));
            }
            log.log(
                Level::Warn,
                "no print_output_file and no print_output_lock_file defined.",
            );
        }
        if let (Some(f), Some(l)) = (&cfg.output_file, &cfg.latest_file) {
            if !is_dynamic(f) && is_dynamic(l) {
                log.log(
                    Level::Warn,
                    "Disabling print_latest_file due to non-dynamic print_output_file.",
                );
                cfg.latest_file = None;
            }
        }
        let core = CoreConfig {
            aggregate: cfg.aggregate,
            history: cfg.history.clone(),
            cache_entries: cfg.cache_entries,
            cache_entries_key: "print_cache_entries",
            refresh_time: cfg.refresh_time,
            startup_delay: cfg.startup_delay,
            utc: cfg.timestamps.utc,
            time_new: cfg.time_new,
            stitching: cfg.stitching,
            pro_rating: cfg.pro_rating,
            geoipv2_file: cfg.geoipv2_file.clone(),
            hooks: cfg.hooks.clone(),
        };
        let sink = PrintSink {
            cfg,
            stdout_header: true,
        };
        Ok(Aggregator::start(core, sink, encoder, log, now))
    }
}

impl PurgeWriter for PrintSink {
    const KIND: &'static str = "print";

    fn writes_empty(&self) -> bool {
        self.cfg.write_empty_file
    }

    fn cache_full(&mut self, log: &PluginLog) {
        if self.cfg.output_file.is_some() && !self.cfg.append {
            log.log(
                Level::Warn,
                "Make sure print_output_file_append is set to true.",
            );
        }
    }

    /// `P_cache_purge()`: to stdout or to the output file(s).
    fn write(&mut self, p: &mut Purge<'_>) -> anyhow::Result<()> {
        let entries = p.entries;
        let res = match self.cfg.output_file.clone() {
            None => self.write_stdout(entries, p),
            Some(template) => self.write_files(&template, entries, p),
        };
        // pmacct stops printing the stdout header after the first purge that had entries
        // in its queue (committed or not).
        if p.total > 0 {
            self.stdout_header = false;
        }
        res
    }
}

impl PrintSink {
    fn write_stdout(&mut self, entries: &[Entry], p: &mut Purge<'_>) -> anyhow::Result<()> {
        let (enc, name) = (p.encoder, &self.cfg.name);
        let buf = &mut *p.buf;
        if self.cfg.markers {
            enc.write_start_marker(buf, name, p.pid);
        }
        if self.stdout_header {
            enc.write_header(buf);
        }
        let updated = unix_secs(SystemTime::now()).max(0) as u64;
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        let mut res = Ok(());
        for e in entries {
            enc.write_record(buf, e, updated);
            p.written += 1;
            if buf.len() >= 60 * 1024 {
                res = res.and(out.write_all(buf));
                buf.clear();
            }
        }
        if self.cfg.markers {
            enc.write_end_marker(buf, name, p.pid, p.written, p.total, 0);
        }
        res = res.and(out.write_all(buf)).and(out.flush());
        buf.clear();
        res.map_err(|e| anyhow!("writing to stdout: {e}"))
    }

    /// File output: entries are grouped by the file name their own values give (when the
    /// name has `$` variables, or time variables with history), one pass per file, as pmacct
    /// does with its pending queue.
    fn write_files(
        &mut self,
        template: &str,
        entries: &[Entry],
        p: &mut Purge<'_>,
    ) -> anyhow::Result<()> {
        let (enc, start) = (p.encoder, p.now);
        let dynamic = is_dynamic(template);
        let time_only = !has_nontime_vars(template);
        let timeslot = self.cfg.history.as_ref().map(|h| h.seconds()).unwrap_or(0);
        let per_entry =
            dynamic && (!time_only || !self.cfg.time_new || self.cfg.refresh_time != timeslot);
        let names: Vec<String> = if per_entry {
            entries
                .iter()
                .map(|e| self.file_name(template, Some(e), start))
                .collect()
        } else {
            Vec::new()
        };
        let mut done = vec![false; entries.len()];
        let mut first_pass = true;
        let mut result = Ok(());
        loop {
            // The file of this pass: named after the first entry not yet written.
            let first = done.iter().position(|d| !d);
            if first.is_none() && !(first_pass && entries.is_empty()) {
                break;
            }
            let path = match first {
                Some(i) if per_entry => names[i].clone(),
                Some(i) => self.file_name(template, entries.get(i), start),
                None => self.file_name(template, None, start),
            };
            first_pass = false;
            let buf = &mut *p.buf;
            buf.clear();
            let opened = open_output(&path, self.cfg.append);
            let (file, new_file) = match opened {
                Ok(x) => {
                    // files_uid/files_gid: pmacct warns and goes on when chown fails.
                    if let Err(e) = crate::files::chown(Path::new(&path)) {
                        plugin_log!(
                            p.log,
                            Warn,
                            "[{path}] open_output_file(): chown() failed ({e})."
                        );
                    }
                    (Some(x.0), x.1)
                }
                Err(e) => {
                    plugin_log!(
                        p.log,
                        Warn,
                        "[{path}] open_output_file(): fopen() failed ({e})."
                    );
                    (None, false)
                }
            };
            if file.is_some() {
                if self.cfg.markers {
                    enc.write_start_marker(buf, &self.cfg.name, p.pid);
                }
                if !self.cfg.append || new_file {
                    enc.write_header(buf);
                }
            }
            let updated = unix_secs(SystemTime::now()).max(0) as u64;
            let mut file = file;
            for (i, e) in entries.iter().enumerate() {
                if done[i] || (per_entry && names[i] != path) {
                    continue;
                }
                done[i] = true;
                p.written += 1;
                if file.is_some() {
                    enc.write_record(buf, e, updated);
                }
                if buf.len() >= 60 * 1024 {
                    if let Some(f) = file.as_mut() {
                        if let Err(e) = f.write_all(buf) {
                            result = Err(anyhow!("writing {path}: {e}"));
                            file = None;
                        }
                    }
                    buf.clear();
                }
            }
            if let Some(f) = file.as_mut() {
                if self.cfg.markers {
                    let duration = (unix_secs(SystemTime::now()) - start).max(0) as u64;
                    enc.write_end_marker(buf, &self.cfg.name, p.pid, p.written, p.total, duration);
                }
                if let Err(e) = f.write_all(buf).and_then(|_| f.flush()) {
                    result = Err(anyhow!("writing {path}: {e}"));
                }
            }
            buf.clear();
            if file.is_some() && !p.urgent {
                if let Some(latest) = &self.cfg.latest_file {
                    // Variables come from this pass's first entry (pmacct's queue[0]).
                    let link = self.expand_vars(latest, first.and_then(|i| entries.get(i)));
                    link_latest(&link, &path);
                }
            }
            if entries.is_empty() {
                break;
            }
        }
        result
    }

    /// The file name for `entry` (or the purge start time when there is none):
    /// `$` variables first, then strftime at the entry's bin (now without history).
    fn file_name(&self, template: &str, entry: Option<&Entry>, start: i64) -> String {
        let expanded = self.expand_vars(template, entry);
        if !is_dynamic(template) {
            return expanded;
        }
        let stamp = match entry {
            Some(e) if e.basetime != 0 => e.basetime as i64,
            // pmacct's strftime uses the current time for a zero stamp.
            Some(_) => unix_secs(SystemTime::now()),
            None => start,
        };
        strftime(&expanded, stamp, self.cfg.timestamps.utc)
    }

    /// `handle_dynname_internal_strings()` for the print plugin.
    fn expand_vars(&self, s: &str, entry: Option<&Entry>) -> String {
        if !s.contains('$') {
            return s.to_string();
        }
        let b = s.as_bytes();
        let mut out = String::with_capacity(s.len() + 16);
        let mut i = 0;
        while i < b.len() {
            if b[i] != b'$' {
                let next = s[i..].find('$').map(|o| i + o).unwrap_or(b.len());
                out.push_str(&s[i..next]);
                i = next;
                continue;
            }
            let mut j = i + 1;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                j += 1;
            }
            // A trailing '_' is not part of the variable name.
            if j > i + 1 && b[j - 1] == b'_' {
                j -= 1;
            }
            let var = &s[i + 1..j];
            let val = match var {
                "ref" => Some(self.cfg.refresh_time.to_string()),
                "hst" => Some(
                    self.cfg
                        .history
                        .as_ref()
                        .map(|h| h.seconds())
                        .unwrap_or(0)
                        .to_string(),
                ),
                "peer_src_ip" => Some(match entry.and_then(|e| e.prims.peer_src_ip) {
                    Some(a) => a.to_string().replace(['.', ':'], "_"),
                    None => "null".to_string(),
                }),
                "tag" => Some(entry.map(|e| e.prims.tag).unwrap_or(0).to_string()),
                "tag2" => Some(entry.map(|e| e.prims.tag2).unwrap_or(0).to_string()),
                "post_tag" => Some(self.cfg.post_tag.to_string()),
                "post_tag2" => Some(self.cfg.post_tag2.to_string()),
                _ => None,
            };
            match val {
                Some(v) => out.push_str(&v),
                None => out.push_str(&s[i..j]),
            }
            i = j.max(i + 1);
        }
        out
    }
}

fn is_dynamic(s: &str) -> bool {
    s.contains('%') || s.contains('$')
}

/// pmacct's `have_dynname_nontime()`: any `$` variable other than `$tzone`.
fn has_nontime_vars(s: &str) -> bool {
    s.match_indices('$')
        .any(|(i, _)| !s[i..].starts_with("$tzone"))
}

/// Open an output file as pmacct: parent directories created, "w" (truncate) or "a".
/// Returns the file and whether it did not exist before.
fn open_output(path: &str, append: bool) -> std::io::Result<(File, bool)> {
    let p = Path::new(path);
    if let Some(dir) = p.parent() {
        crate::files::create_dirs(dir)?;
    }
    let existed = p.exists();
    let f = if append {
        OpenOptions::new().create(true).append(true).open(p)?
    } else {
        OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(true)
            .open(p)?
    };
    Ok((f, !existed))
}

/// `link_latest_output_file()`: point `link` at `target` unless the current link target is
/// newer.
fn link_latest(link: &str, target: &str) {
    let lp = Path::new(link);
    if let Some(dir) = lp.parent() {
        let _ = crate::files::create_dirs(dir);
    }
    let rewrite = match std::fs::read_link(lp) {
        Ok(old) => {
            let mtime = |p: &Path| {
                std::fs::metadata(p)
                    .and_then(|m| m.modified())
                    .unwrap_or(UNIX_EPOCH)
            };
            mtime(Path::new(target)) >= mtime(&old)
        }
        Err(_) => true,
    };
    if rewrite {
        let _ = std::fs::remove_file(lp);
        if std::os::unix::fs::symlink(target, lp).is_ok() {
            let _ = crate::files::lchown(lp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apply_keys() {
        let mut c = PrintConfig::default();
        let rest = c
            .apply_keys([
                ("print_history_roundoff", "m"),
                ("print_history", "5m"),
                ("aggregate", "src_host, DST_HOST"),
                ("print_output", "JSON"),
                ("print_markers", "True"),
                ("kafka_topic", "x"),
            ])
            .unwrap();
        assert_eq!(rest, vec![("kafka_topic", "x")]);
        assert_eq!(c.history.as_ref().map(|h| h.roundoff.as_str()), Some("m"));
        assert_eq!(c.output, OutputFormat::Json);
        assert!(c.markers);
        assert!(c.aggregate.contains(pmacct_flow::Primitive::DstHost));
        assert_eq!(
            c.apply_keys([("aggregate", "foo_prim")]).unwrap_err(),
            "Unknown primitive 'foo_prim'"
        );
        assert!(c.apply_keys([("print_output", "avro")]).is_err());
        assert!(c.apply_keys([("print_markers", "yes")]).is_err());
        assert!(
            c.apply_keys([("print_history", "5m"), ("print_history_offset", "300")])
                .is_err(),
            "offset must be < bin"
        );
    }

    #[test]
    fn variables() {
        let p = PrintPlugin::new(
            PrintConfig {
                output_file: Some("/tmp/x".into()),
                refresh_time: 300,
                post_tag: 7,
                history: History::parse("5m"),
                ..Default::default()
            },
            UNIX_EPOCH + std::time::Duration::from_secs(1_795_850_464),
        )
        .unwrap();
        let mut e = Entry {
            prims: Default::default(),
            custom: Default::default(),
            packets: 0,
            bytes: 0,
            flows: 0,
            tcp_flags: 0,
            flow_type: Default::default(),
            family: 4,
            basetime: 0,
            timestamp_min: Default::default(),
            timestamp_max: Default::default(),
            geo: Default::default(),
        };
        e.prims.peer_src_ip = Some("138.187.0.13".parse().unwrap());
        e.prims.tag = 5;
        assert_eq!(
            p.writer.expand_vars(
                "/a/$peer_src_ip/$ref-$hst-$tag-$tag2-$post_tag_$nope$",
                Some(&e)
            ),
            "/a/138_187_0_13/300-300-5-0-7_$nope$"
        );
        assert_eq!(p.writer.expand_vars("/a/$peer_src_ip", None), "/a/null");
        assert!(has_nontime_vars("/x/$tag"));
        assert!(!has_nontime_vars("/x/%Y$tzone"));
    }
}
