//! pmacct configuration: syntax, key registry, command line, validation.
//!
//! Reads pmacct 1.7.7 config files unchanged (same syntax, scoping, plugin declaration and
//! command-line mapping) into one typed [`Config`]. Every key is described once in the
//! registry ([`registry::KEYS`]); defaults, validation, did-you-mean, `--help` text and
//! `docs/CONFIG-KEYS.md` come from it. The crate never prints, exits, opens sockets or starts
//! threads: diagnostics are returned as data ([`Diagnostic`]) and can be rendered in pmacct's
//! log format.

mod cli;
mod keys;
pub mod registry;
pub mod status;
mod syntax;
mod value;

#[cfg(test)]
mod tests;

pub use cli::{check_usage, flag_key, flags, parse_args, usage, CliArgs, ACTION_FLAGS};
pub use keys::key;
pub use registry::{Key, KeyDef, KeyScope, Kind};
pub use syntax::{MAX_LINE, MAX_ROWS};
pub use value::{
    c_atoi, c_strtol0, inet_aton, parse_history, split_list, History, TimeUnit, Value,
};

use registry::lookup;
use std::fmt;
use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;

/// The daemon whose configuration is read (key applicability, flags, defaults differ).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Daemon {
    Nfacctd,
    Sfacctd,
    Pmacctd,
    Uacctd,
    /// The standalone BGP collector.
    Pmbgpd,
}

impl Daemon {
    pub fn name(self) -> &'static str {
        match self {
            Daemon::Nfacctd => "nfacctd",
            Daemon::Sfacctd => "sfacctd",
            Daemon::Pmacctd => "pmacctd",
            Daemon::Uacctd => "uacctd",
            Daemon::Pmbgpd => "pmbgpd",
        }
    }
    fn bit(self) -> u8 {
        match self {
            Daemon::Nfacctd => registry::D_NF,
            Daemon::Sfacctd => registry::D_SF,
            Daemon::Pmacctd => registry::D_PM,
            Daemon::Uacctd => registry::D_UA,
            Daemon::Pmbgpd => registry::D_BG,
        }
    }
}

/// Plugin types known to Debian's pmacct 1.7.7 build (`core` is the core pseudo-plugin).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PluginKind {
    Core,
    Memory,
    Print,
    Nfprobe,
    Sfprobe,
    Mysql,
    Pgsql,
    Sqlite3,
    Amqp,
    Kafka,
    Tee,
}

impl PluginKind {
    const TYPES: [PluginKind; 10] = [
        PluginKind::Memory,
        PluginKind::Print,
        PluginKind::Nfprobe,
        PluginKind::Sfprobe,
        PluginKind::Mysql,
        PluginKind::Pgsql,
        PluginKind::Sqlite3,
        PluginKind::Amqp,
        PluginKind::Kafka,
        PluginKind::Tee,
    ];

    /// The type as written in `plugins:` (lower case), e.g. `print`.
    pub fn as_str(self) -> &'static str {
        match self {
            PluginKind::Core => "core",
            PluginKind::Memory => "memory",
            PluginKind::Print => "print",
            PluginKind::Nfprobe => "nfprobe",
            PluginKind::Sfprobe => "sfprobe",
            PluginKind::Mysql => "mysql",
            PluginKind::Pgsql => "pgsql",
            PluginKind::Sqlite3 => "sqlite3",
            PluginKind::Amqp => "amqp",
            PluginKind::Kafka => "kafka",
            PluginKind::Tee => "tee",
        }
    }

    /// A plugin type of `plugins:` (not `core`).
    pub fn from_type(s: &str) -> Option<PluginKind> {
        Self::TYPES.into_iter().find(|k| k.as_str() == s)
    }

    fn bit(self) -> u16 {
        use registry::*;
        match self {
            PluginKind::Core => P_CORE,
            PluginKind::Memory => P_MEMORY,
            PluginKind::Print => P_PRINT,
            PluginKind::Nfprobe => P_NFPROBE,
            PluginKind::Sfprobe => P_SFPROBE,
            PluginKind::Mysql | PluginKind::Pgsql | PluginKind::Sqlite3 => P_SQL,
            PluginKind::Amqp => P_AMQP,
            PluginKind::Kafka => P_KAFKA,
            PluginKind::Tee => P_TEE,
        }
    }
}

impl fmt::Display for PluginKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// So that `&kind` serves where a type name is expected (`( name/type )` log prefixes).
impl std::ops::Deref for PluginKind {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

/// Implemented keys with their descriptions, for `--help` (from the registry).
pub fn keys_help() -> String {
    let mut s = String::from(
        "Configuration keys implemented by pmacct-rs (all keys: docs/CONFIG-KEYS.md):\n",
    );
    for k in registry::KEYS.iter().filter(|k| k.implemented) {
        let default = k
            .default
            .map(|d| format!(" (default: {d})"))
            .unwrap_or_default();
        s.push_str(&format!("  {:<26} {}{default}\n", k.name, k.doc));
    }
    s
}

/// What the command line asks for. Only `Run` and `CheckConfig` read a configuration.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Action {
    #[default]
    Run,
    /// `-h`: print [`usage`], exit 0.
    Help,
    /// `-V`: print version and build options, exit 0.
    Version,
    /// `-a`: list supported primitives, exit 0.
    ListPrimitives,
    /// `--check-config`: validate, print one line per problem and a summary; exit 0 when
    /// clean, 1 on errors, 2 on warnings only.
    CheckConfig,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Error,
    Warn,
    Info,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Error => "ERROR",
            Level::Warn => "WARN",
            Level::Info => "INFO",
        }
    }
}

/// What a diagnostic is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    /// Line syntax (pmacct exits).
    Syntax,
    /// More than [`MAX_ROWS`] lines: the rest is not read.
    TooManyLines,
    /// The `-f` file cannot be read (pmacct exits).
    File,
    UnknownKey,
    InvalidValue,
    /// `key[name]` where no plugin is called `name`.
    UnknownSymbol,
    /// `key[name]` on a core-wide key: applied everywhere.
    Globalized,
    /// A plugin-only filter key set without `[name]`: pmacct does not load it.
    FilterNotGlobal,
    UnknownPluginType,
    /// A plugin of type `core` (pmacct exits).
    CorePluginType,
    DuplicatePlugin,
    NoPlugins,
    /// A key pmacct knows that pmacct-rs does not act on yet.
    NotSupportedYet,
    /// A key meant for other daemons (pmacct silently ignores it).
    OtherDaemon,
    /// pmacct logs a note about an accepted value (e.g. avro output not built in).
    ValueNote,
    /// Keys that exclude each other (pmacct exits after reading the config).
    Conflict,
    /// A pmacct-rs key pmacct does not know.
    Extension,
    /// Text after a value that pmacct reads past and ignores (`nfacctd_port: 2100 ! x`).
    TrailingText,
    /// A key accepted with nothing to do in pmacct-rs (see [`status::Status::NoOp`]).
    NoOp,
}

/// One message about the configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub level: Level,
    pub code: Code,
    pub file: String,
    pub line: Option<usize>,
    pub key: Option<String>,
    /// Our message (pmacct's wording where pmacct has one, with more detail where pmacct
    /// is terse).
    pub message: String,
    /// Suggestion, e.g. "did you mean nfacctd_port?".
    pub hint: Option<String>,
    /// The exact lines pmacct 1.7.7 logs for the same input while reading the config file
    /// (empty for our own checks and for pmacct's later start-up checks).
    pub pmacct: Vec<String>,
}

impl Diagnostic {
    /// In pmacct's start-up log format: `WARN: [file:N] message`.
    pub fn render(&self) -> String {
        let loc = match self.line {
            Some(n) => format!("{}:{n}", self.file),
            None => self.file.clone(),
        };
        match &self.hint {
            Some(h) => format!("{}: [{loc}] {} {h}", self.level.as_str(), self.message),
            None => format!("{}: [{loc}] {}", self.level.as_str(), self.message),
        }
    }
}

impl Diagnostic {
    /// How `--check-config` counts it: [`Level::Error`] when the daemon would not start or
    /// would run differently from what the file says (an invalid value replaced by the
    /// default, a key pmacct-rs does not act on yet, a likely typo of a known key, a value
    /// for a plugin that does not exist), [`Level::Warn`] for the rest of pmacct's warnings,
    /// [`Level::Info`] for notes.
    pub fn check_level(&self) -> Level {
        match (self.level, self.code) {
            (Level::Error, _) => Level::Error,
            (
                _,
                Code::InvalidValue
                | Code::NotSupportedYet
                | Code::UnknownSymbol
                | Code::UnknownPluginType
                | Code::Conflict,
            ) => Level::Error,
            (_, Code::UnknownKey) if self.hint.is_some() => Level::Error,
            (level, _) => level,
        }
    }

    /// One `--check-config` line: [`Diagnostic::render`] with the level it counts as.
    pub fn render_check(&self) -> String {
        let r = self.render();
        let lvl = self.check_level();
        if lvl == self.level {
            r
        } else {
            format!("{}{}", lvl.as_str(), &r[self.level.as_str().len()..])
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}

/// Reading stopped: pmacct would exit with status 1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigError {
    /// Unknown flag or missing flag argument: print [`usage`], exit 1.
    Usage(String),
    /// A fatal problem (syntax error, unreadable file...): the last diagnostic says which;
    /// earlier ones are what was reported before it.
    Fatal(Vec<Diagnostic>),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Usage(m) => f.write_str(m),
            ConfigError::Fatal(d) => match d.last() {
                Some(d) => f.write_str(&d.render()),
                None => f.write_str("configuration error"),
            },
        }
    }
}

impl std::error::Error for ConfigError {}

/// A key argument of the [`Scope`] getters: a [`key`] constant, so that a misspelt key fails
/// to compile. (This crate's own tests may also pass a key name, which must be in the
/// registry: an unknown name panics.)
pub trait AsKey {
    fn as_key(&self) -> Key;
}

impl AsKey for Key {
    fn as_key(&self) -> Key {
        *self
    }
}

#[cfg(test)]
impl AsKey for &str {
    fn as_key(&self) -> Key {
        match lookup(self) {
            Some(d) => Key(d.name),
            None => panic!("pmacct-rs bug: config key '{self}' is not in the registry"),
        }
    }
}

/// The name the daemon used before the typed API; same type.
pub type Failure = ConfigError;

/// A value set in a scope, with where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting {
    /// The key as written (one of the field's group).
    pub key: &'static str,
    pub value: Value,
    /// The value text as written (trimmed).
    pub raw: String,
    /// Line number (rows after the file are command-line switches).
    pub line: usize,
}

/// The values of one instance (the core or a plugin), by shared field.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scope {
    values: Vec<(&'static str, Setting)>,
}

impl Scope {
    fn set(&mut self, def: &'static KeyDef, setting: Setting) {
        match self.values.iter_mut().find(|(f, _)| *f == def.field) {
            Some((_, s)) => *s = setting,
            None => self.values.push((def.field, setting)),
        }
    }

    /// The setting of `key`'s field (whichever key of its group wrote it).
    pub fn setting(&self, key: impl AsKey) -> Option<&Setting> {
        let field = key.as_key().def().field;
        self.values
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, s)| s)
    }

    /// Whether the field was set in the configuration (not defaulted).
    pub fn is_set(&self, key: impl AsKey) -> bool {
        self.setting(key).is_some()
    }

    /// The value, or `key`'s registry default.
    pub fn value(&self, key: impl AsKey) -> Option<Value> {
        let key = key.as_key();
        if let Some(s) = self.setting(key) {
            return Some(s.value.clone());
        }
        let def = key.def();
        def.default.and_then(|d| value::parse(def, d).ok())
    }

    /// The value text as written, if set.
    pub fn raw(&self, key: impl AsKey) -> Option<&str> {
        self.setting(key).map(|s| s.raw.as_str())
    }

    /// The value text as written, else the registry default text.
    pub fn get(&self, key: impl AsKey) -> Option<&str> {
        let key = key.as_key();
        self.raw(key).or(key.def().default)
    }

    /// A boolean key (default from the registry, else false).
    pub fn bool(&self, key: impl AsKey) -> bool {
        matches!(self.value(key), Some(Value::Bool(true)))
    }

    /// An integer key (`Int` or `Secs`; other kinds are read as decimal text).
    pub fn int(&self, key: impl AsKey) -> Option<i64> {
        let key = key.as_key();
        match self.value(key) {
            Some(Value::Int(n)) => Some(n),
            Some(Value::Str(s)) => s.parse().ok(),
            _ => None,
        }
    }

    /// An integer key that must not be negative.
    pub fn u64(&self, key: impl AsKey) -> Option<u64> {
        self.int(key).and_then(|n| u64::try_from(n).ok())
    }

    /// A text or enum key (enums lower-cased); `None` for other kinds.
    pub fn str(&self, key: impl AsKey) -> Option<&str> {
        let key = key.as_key();
        match self.setting(key) {
            Some(Setting {
                value: Value::Str(s),
                ..
            }) => Some(s.as_str()),
            Some(_) => None,
            None => key.def().default,
        }
    }

    /// A key counted in seconds (`Secs`, or an `Int` such as `*_startup_delay`), set or
    /// defaulted; negative values are None.
    pub fn secs(&self, key: impl AsKey) -> Option<Duration> {
        self.u64(key).map(Duration::from_secs)
    }

    /// An integer key as `T`, set or defaulted: `Ok(None)` when it has neither, an error
    /// naming the key when the value does not fit `T` (the registry's range may be wider).
    pub fn num<T: TryFrom<i64>>(&self, key: impl AsKey) -> Result<Option<T>, String> {
        let key = key.as_key();
        match self.int(key) {
            None => Ok(None),
            Some(n) => T::try_from(n)
                .map(Some)
                .map_err(|_| format!("'{}': {n} is out of range.", key.name())),
        }
    }

    /// A text key naming a file, set or defaulted.
    pub fn path(&self, key: impl AsKey) -> Option<&Path> {
        self.str(key).map(Path::new)
    }

    /// An enum key mapped to the caller's type by `from` (which receives the registry's
    /// lower-cased word), set or defaulted: `Ok(None)` when it has neither;
    /// `Err(text as written)` for a word the registry accepts but the caller does not
    /// support (e.g. `print_output: avro` without Avro).
    pub fn enum_value<T>(
        &self,
        key: impl AsKey,
        from: impl FnOnce(&str) -> Option<T>,
    ) -> Result<Option<T>, &str> {
        let key = key.as_key();
        debug_assert!(
            matches!(key.def().kind, Kind::Enum(_)),
            "{} is no enum",
            key.name()
        );
        match self.str(key) {
            None => Ok(None),
            Some(word) => from(word).map(Some).ok_or(self.raw(key).unwrap_or(word)),
        }
    }

    /// Set `key` from `raw` as a config line would, without a file: for tests and for
    /// programs building a plugin's configuration from key/value pairs. A value the
    /// registry rejects is an error naming the key and the accepted values.
    pub fn set_raw(&mut self, key: impl AsKey, raw: &str) -> Result<(), String> {
        let def = key.as_key().def();
        let raw = trim(raw);
        let value = value::parse(def, raw).map_err(|_| {
            let accepted = match def.kind {
                Kind::Bool => "true or false".to_string(),
                _ => def.accepted(),
            };
            format!("'{}': invalid value '{raw}' ({accepted})", def.name)
        })?;
        self.set(
            def,
            Setting {
                key: def.name,
                value,
                raw: raw.to_string(),
                line: 0,
            },
        );
        Ok(())
    }

    /// A primitive list (`aggregate`), tokens lower-cased.
    pub fn list(&self, key: impl AsKey) -> Option<Vec<String>> {
        match self.value(key) {
            Some(Value::List(l)) => Some(l),
            _ => None,
        }
    }

    /// A time bin (`*_history`).
    pub fn history(&self, key: impl AsKey) -> Option<History> {
        match self.value(key) {
            Some(Value::History(h)) => Some(h),
            _ => None,
        }
    }

    /// An address key (`nfacctd_ip`).
    pub fn ip(&self, key: impl AsKey) -> Option<IpAddr> {
        match self.value(key) {
            Some(Value::Ip(a)) => Some(a),
            _ => None,
        }
    }

    /// The keys set in this scope with their values as written, named as `kind` knows them:
    /// a shared field written as `kafka_topic` is reported as `print_output_file` to a print
    /// plugin. For plugin code that maps key/value pairs itself.
    pub fn entries_for(&self, kind: &PluginKind) -> Vec<(&'static str, &str)> {
        let bit = kind.bit();
        self.values
            .iter()
            .map(move |(field, s)| {
                let own = registry::group(field)
                    .find(|d| d.plugins & bit != 0 && d.plugins != registry::P_ALL)
                    .map_or(s.key, |d| d.name);
                (own, s.raw.as_str())
            })
            .collect()
    }

    /// Every setting, in the order fields were first set.
    pub fn settings(&self) -> impl Iterator<Item = &Setting> {
        self.values.iter().map(|(_, s)| s)
    }
}

/// A declared plugin instance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PluginInstance {
    pub name: String,
    pub kind: PluginKind,
    pub scope: Scope,
}

/// The effective configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub daemon: Daemon,
    /// `core_proc_name` (default `default`): the core's name in log lines.
    pub core_name: String,
    /// Core-wide values (global keys are read here).
    pub core: Scope,
    /// Plugins in declaration order.
    pub plugins: Vec<PluginInstance>,
}

/// Result of [`load`] / [`parse_str`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loaded {
    pub action: Action,
    pub config: Config,
    pub diagnostics: Vec<Diagnostic>,
    /// pmacctd/uacctd: operands after the flags, joined by spaces, when no `-f` is given
    /// (pmacct's command-line BPF filter).
    pub bpf_filter: Option<String>,
    /// The `-f` file, if any.
    pub config_file: Option<String>,
}

impl Loaded {
    /// Whether any diagnostic is an error (`--check-config` fails on them).
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.level == Level::Error)
    }
    /// The lines pmacct 1.7.7 would have logged while reading this configuration.
    pub fn pmacct_lines(&self) -> Vec<String> {
        self.diagnostics
            .iter()
            .flat_map(|d| d.pmacct.iter().cloned())
            .collect()
    }
}

/// Options of a load: keys the caller implements beyond the registry's `implemented` flags
/// (so they are not reported as "not supported yet").
#[derive(Clone, Copy, Debug, Default)]
pub struct Options<'a> {
    pub also_implemented: &'a [Key],
}

/// Parse the command line (arguments after the program name) and, for `Run` and
/// `CheckConfig`, read the `-f` file and apply the switches after it.
pub fn load(daemon: Daemon, argv: &[String]) -> Result<Loaded, ConfigError> {
    load_with(daemon, argv, Options::default())
}

/// [`load`] with [`Options`].
pub fn load_with(
    daemon: Daemon,
    argv: &[String],
    opts: Options<'_>,
) -> Result<Loaded, ConfigError> {
    let args = parse_args(daemon, argv)?;
    if matches!(
        args.action,
        Action::Help | Action::Version | Action::ListPrimitives
    ) {
        // pmacct acts on these before reading any configuration.
        return Ok(Loaded {
            action: args.action,
            config: Config {
                daemon,
                core_name: "default".into(),
                core: Scope::default(),
                plugins: Vec::new(),
            },
            diagnostics: Vec::new(),
            bpf_filter: args.bpf_filter,
            config_file: args.config_file,
        });
    }
    let text = match &args.config_file {
        Some(path) => Some(read_file(path)?),
        None => None,
    };
    let mut loaded = eval(
        daemon,
        args.config_file.as_deref(),
        text.as_deref(),
        &args.lines,
        opts,
    )?;
    loaded.action = args.action;
    loaded.bpf_filter = args.bpf_filter;
    Ok(loaded)
}

fn fatal_file(path: &str, what: &str) -> ConfigError {
    ConfigError::Fatal(vec![Diagnostic {
        level: Level::Error,
        code: Code::File,
        file: path.to_string(),
        line: None,
        key: None,
        message: what.to_string(),
        hint: None,
        pmacct: vec![format!("ERROR: [{path}] {what}")],
    }])
}

fn read_file(path: &str) -> Result<Vec<u8>, ConfigError> {
    use std::io::Read;
    let meta = std::fs::metadata(path).map_err(|_| fatal_file(path, "file not found."))?;
    if !meta.is_file() {
        return Err(fatal_file(path, "path is not a regular file."));
    }
    let f = std::fs::File::open(path)
        .map_err(|e| fatal_file(path, &format!("cannot be read: {e}.")))?;
    // pmacct reads at most MAX_ROWS rows of MAX_LINE bytes; one byte more tells it was cut.
    let mut buf = Vec::new();
    f.take((MAX_ROWS * MAX_LINE) as u64 + 1)
        .read_to_end(&mut buf)
        .map_err(|e| fatal_file(path, &format!("cannot be read: {e}.")))?;
    Ok(buf)
}

/// Read `text` as the config file `file_name` followed by command-line key lines (as
/// produced by [`parse_args`]). `file_name: None` means "config from the command line only".
pub fn parse_str(
    daemon: Daemon,
    file_name: Option<&str>,
    text: &str,
    cli_lines: &[String],
) -> Result<Loaded, ConfigError> {
    eval(
        daemon,
        file_name,
        file_name.map(|_| text.as_bytes()),
        cli_lines,
        Options::default(),
    )
}

/// [`parse_str`] on raw bytes (config files need not be UTF-8), with options.
pub fn parse_bytes(
    daemon: Daemon,
    file_name: Option<&str>,
    text: &[u8],
    cli_lines: &[String],
    opts: Options<'_>,
) -> Result<Loaded, ConfigError> {
    eval(daemon, file_name, file_name.map(|_| text), cli_lines, opts)
}

struct Instance {
    name: String,
    kind: PluginKind,
    scope: Scope,
}

struct Ctx {
    file: String,
    diags: Vec<Diagnostic>,
    /// Did-you-mean costs a registry scan; hints stop after this many unknown keys so a file
    /// of thousands of them stays fast.
    hints_left: usize,
}

impl Ctx {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        level: Level,
        code: Code,
        line: Option<usize>,
        key: Option<&str>,
        message: String,
        hint: Option<String>,
        pmacct: Vec<String>,
    ) {
        self.diags.push(Diagnostic {
            level,
            code,
            file: self.file.clone(),
            line,
            key: key.map(str::to_string),
            message,
            hint,
            pmacct,
        });
    }
    fn loc(&self, line: usize) -> String {
        format!("{}:{line}", self.file)
    }
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn trim(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_ascii() && syntax::is_space(c as u8))
}

/// The name pmacct's handler uses in its "Globalized" warning.
fn globalized_name(def: &KeyDef, daemon: Daemon) -> String {
    let d = daemon.name();
    match def.field {
        "core_proc_name" => format!("{d}_proc_name"),
        "nfacctd_pipe_size" => format!("{d}_pipe_size"),
        "nfacctd_as" => format!("{d}_as_new"),
        "nfacctd_disable_checks" => "[ns]facctd_disable_checks".into(),
        "nfacctd_ext_sampling_rate" => "pmacctd_ext_sampling_rate".into(),
        "bgp_agent_map" => "bgp_to_agent_map".into(),
        f => f.into(),
    }
}

fn eval(
    daemon: Daemon,
    file_name: Option<&str>,
    text: Option<&[u8]>,
    cli_lines: &[String],
    opts: Options<'_>,
) -> Result<Loaded, ConfigError> {
    let from_cli_only = text.is_none();
    let mut cx = Ctx {
        file: file_name.unwrap_or("cmdline").to_string(),
        diags: Vec::new(),
        hints_left: 16,
    };
    // 1. Rows: the file, then the command-line switches (so that they win).
    let (mut rows, cut) = syntax::split_rows(text.unwrap_or(&[]), MAX_ROWS);
    if cut {
        let m = format!("maximum number of {MAX_ROWS} lines reached.");
        let p = vec![format!("ERROR: [{}] {m}", cx.file)];
        cx.push(Level::Error, Code::TooManyLines, None, None, m, None, p);
    }
    for l in cli_lines {
        if rows.len() >= MAX_ROWS {
            break;
        }
        rows.push(l.as_bytes().to_vec());
    }
    // 2. Sanitize; syntax errors stop everything.
    let nrows = rows.len();
    let mut clean: Vec<Option<Vec<u8>>> = Vec::with_capacity(nrows);
    for (i, row) in rows.iter().enumerate() {
        match syntax::sanitize(row, nrows) {
            Ok(r) => clean.push(r),
            Err(syntax::SyntaxError(what)) => {
                let m = format!("Syntax error: {what}. Exiting.");
                let p = vec![format!("ERROR: [{}] {m}", cx.loc(i + 1))];
                cx.push(Level::Error, Code::Syntax, Some(i + 1), None, m, None, p);
                return Err(ConfigError::Fatal(cx.diags));
            }
        }
    }
    // 3. core_proc_name, found anywhere (exact key, no [name]).
    let head_is = |r: &[u8], k: &[u8]| {
        r.iter()
            .position(|&b| b == b':')
            .is_some_and(|c| &r[..c] == k)
    };
    let core_name = match clean
        .iter()
        .flatten()
        .find(|r| head_is(r, b"core_proc_name"))
    {
        Some(r) if !from_cli_only => lossy(syntax::split(r).2),
        _ => "default".to_string(),
    };
    let mut inst = vec![Instance {
        name: core_name.clone(),
        kind: PluginKind::Core,
        scope: Scope::default(),
    }];
    // 4. The first `plugins:` line creates the plugins, then is erased.
    if let Some(idx) = clean
        .iter()
        .position(|r| r.as_deref().is_some_and(|r| head_is(r, b"plugins")))
    {
        let row = clean[idx].take().unwrap_or_default();
        declare_plugins(
            &mut cx,
            &mut inst,
            &lossy(syntax::split(&row).2),
            from_cli_only,
        )?;
    }
    // pmbgpd runs no plugins.
    if inst.len() == 1 && daemon != Daemon::Pmbgpd {
        let m = "No plugin has been activated; defaulting to in-memory table.".to_string();
        let p = vec![format!("WARN: [{}] {m}", cx.file)];
        cx.push(Level::Warn, Code::NoPlugins, None, None, m, None, p);
        inst.push(Instance {
            name: "default_memory".into(),
            kind: PluginKind::Memory,
            scope: Scope::default(),
        });
    }
    // 5. Every other line, in order.
    let mut reported: Vec<&'static str> = Vec::new();
    for (i, row) in clean.iter().enumerate() {
        let Some(row) = row else { continue };
        apply_line(&mut cx, &mut inst, daemon, i + 1, row, &mut reported, opts)?;
    }
    capture_conflict(&mut cx, daemon, &inst[0].scope);
    let mut it = inst.into_iter();
    let core = it.next().map(|c| c.scope).unwrap_or_default();
    let plugins = it
        .map(|i| PluginInstance {
            name: i.name,
            kind: i.kind,
            scope: i.scope,
        })
        .collect();
    Ok(Loaded {
        action: Action::Run,
        config: Config {
            daemon,
            core_name,
            core,
            plugins,
        },
        diagnostics: cx.diags,
        bpf_filter: None,
        config_file: file_name.map(str::to_string),
    })
}

/// nfacctd/sfacctd read from exactly one source: a savefile, a socket (`*_ip`/`*_port` set),
/// Kafka or ZeroMQ. pmacct checks this after reading the config and exits.
fn capture_conflict(cx: &mut Ctx, daemon: Daemon, core: &Scope) {
    if !matches!(daemon, Daemon::Nfacctd | Daemon::Sfacctd) {
        return;
    }
    let d = daemon.name();
    let set = |k: Key| core.is_set(k);
    let methods = [
        set(key::PCAP_SAVEFILE),
        set(key::NFACCTD_PORT) || set(key::NFACCTD_IP),
        set(key::NFACCTD_KAFKA_BROKER_HOST) || set(key::NFACCTD_KAFKA_TOPIC),
        set(key::NFACCTD_ZMQ_ADDRESS),
    ];
    if methods.iter().filter(|m| **m).count() > 1 {
        let m = format!("pcap_savefile, {d}_ip, {d}_kafka_* and {d}_zmq_* are mutual exclusive.");
        let hint = Some(format!(
            "(set only one of pcap_savefile, {d}_ip/{d}_port, {d}_kafka_*, {d}_zmq_address)"
        ));
        cx.push(Level::Error, Code::Conflict, None, None, m, hint, vec![]);
    }
}

/// `plugins: type[name], ...` as pmacct 1.7.7 parses it, including its quirk that once a
/// token has no `[name]`, every later token also gets the default name.
fn declare_plugins(
    cx: &mut Ctx,
    inst: &mut Vec<Instance>,
    value: &str,
    ignore_names: bool,
) -> Result<(), ConfigError> {
    let mut default_name = false;
    let mut name = String::new();
    for tok in value.split(',') {
        if tok.is_empty() {
            continue;
        }
        let mut ty = tok;
        match (tok.find('['), tok.find(']')) {
            (Some(lb), Some(rb)) => {
                if rb > lb + 1 {
                    name = trim(&tok[lb + 1..rb]).to_string();
                    ty = &tok[..lb];
                }
            }
            _ => default_name = true,
        }
        let ty = trim(ty).to_ascii_lowercase();
        if ty == "core" {
            let m = "plugins of type 'core' are not allowed. Exiting.".to_string();
            let p = vec![format!("ERROR: [{}] {m}", cx.file)];
            cx.push(
                Level::Error,
                Code::CorePluginType,
                None,
                Some("plugins"),
                m,
                None,
                p,
            );
            return Err(ConfigError::Fatal(std::mem::take(&mut cx.diags)));
        }
        if default_name || ignore_names {
            name = format!("default_{ty}");
        }
        let Some(kind) = PluginKind::from_type(&ty) else {
            let m = format!("Unknown plugin type: {ty}. Ignoring.");
            let p = vec![format!("ERROR: [{}] {m}", cx.file)];
            let known: Vec<&str> = PluginKind::TYPES.iter().map(|k| k.as_str()).collect();
            let hint = Some(format!("(known types: {})", known.join(", ")));
            cx.push(
                Level::Error,
                Code::UnknownPluginType,
                None,
                Some("plugins"),
                m,
                hint,
                p,
            );
            continue;
        };
        if inst.iter().any(|i| i.name == name) {
            let m = format!(
                "another plugin with the same name '{name}' already exists. Preserving first."
            );
            let p = vec![format!("WARN: [{}] {m}", cx.file)];
            cx.push(
                Level::Warn,
                Code::DuplicatePlugin,
                None,
                Some("plugins"),
                m,
                None,
                p,
            );
            continue;
        }
        inst.push(Instance {
            name: name.clone(),
            kind,
            scope: Scope::default(),
        });
    }
    Ok(())
}

/// A value as pmacct took it, for messages.
fn value_text(v: &Value) -> String {
    match v {
        Value::Int(n) => n.to_string(),
        Value::Ip(a) => a.to_string(),
        Value::History(h) => {
            let unit = match h.unit {
                value::TimeUnit::Second => 's',
                value::TimeUnit::Minute => 'm',
                value::TimeUnit::Hour => 'h',
                value::TimeUnit::Day => 'd',
                value::TimeUnit::Week => 'w',
                value::TimeUnit::Month => 'M',
            };
            format!("{}{unit}", h.count)
        }
        Value::Bool(b) => b.to_string(),
        Value::Str(s) => s.clone(),
        Value::List(l) => l.join(","),
    }
}

#[allow(clippy::too_many_arguments)]
fn apply_line(
    cx: &mut Ctx,
    inst: &mut [Instance],
    daemon: Daemon,
    line: usize,
    row: &[u8],
    reported: &mut Vec<&'static str>,
    opts: Options<'_>,
) -> Result<(), ConfigError> {
    let (k, name, v) = syntax::split(row);
    let key = lossy(k);
    let name = name.map(lossy);
    let raw = lossy(v);
    let unknown = match lookup(&key) {
        // `plugins` is read before; pmacct has no handler for another `plugins` line.
        Some(d) if d.kind == Kind::Plugins => Err((
            format!("Unable to handle key: {key}. Ignored."),
            Some("(only the first 'plugins' line, unscoped, declares plugins)".to_string()),
        )),
        Some(d) => Ok(d),
        None => {
            cx.hints_left = cx.hints_left.saturating_sub(1);
            // Only keys that apply here: this daemon, and the core or the plugins in
            // scope (the one named by `key[name]`, else every declared one).
            let plugins = inst
                .iter()
                .filter(|i| name.as_ref().is_none_or(|n| *n == i.name))
                .fold(registry::P_CORE, |b, i| b | i.kind.bit());
            let hint = (cx.hints_left > 0)
                .then(|| registry::suggest_in(&key, daemon.bit(), plugins))
                .flatten();
            Err((
                format!("Unknown key: {key}. Ignored."),
                hint.map(|s| format!("Did you mean '{s}'?")),
            ))
        }
    };
    let def = match unknown {
        Ok(d) => d,
        Err((m, hint)) => {
            let p = vec![format!("WARN: [{}] {m}", cx.loc(line))];
            cx.push(
                Level::Warn,
                Code::UnknownKey,
                Some(line),
                Some(&key),
                m,
                hint,
                p,
            );
            return Ok(());
        }
    };
    if registry::EXTENSIONS.contains(&def.name) {
        // Ours: accepted, but pmacct would not know it.
        let m = format!("Unknown key: {key}. Ignored.");
        let p = vec![format!("WARN: [{}] {m}", cx.loc(line))];
        let m = format!("key '{key}' is a pmacct-rs extension (pmacct 1.7.7 ignores it).");
        cx.push(
            Level::Info,
            Code::Extension,
            Some(line),
            Some(def.name),
            m,
            None,
            p,
        );
    }
    let value = match value::parse_value(def, &raw) {
        Ok((v, None)) => v,
        Ok((v, Some(extra))) => {
            // pmacct reads a prefix of the value and ignores the rest (no pmacct line).
            let m = format!(
                "key '{}': trailing text ignored: '{extra}' (value read as '{}').",
                def.name,
                value_text(&v)
            );
            cx.push(
                Level::Warn,
                Code::TrailingText,
                Some(line),
                Some(def.name),
                m,
                None,
                vec![],
            );
            v
        }
        Err(rej) => {
            let mut p: Vec<String> = rej
                .pmacct
                .iter()
                .map(|(lvl, m)| format!("{lvl}: [{}] {m}", cx.file))
                .collect();
            if !rej.pmacct_accepts {
                p.push(format!("WARN: [{}] Invalid value. Ignored.", cx.loc(line)));
            }
            let m = format!(
                "Invalid value '{raw}' for key '{}': accepted {}. {}",
                def.name,
                def.accepted(),
                if rej.fatal { "Exiting." } else { "Ignored." }
            );
            let detail = rej.pmacct.first().map(|(_, d)| format!("({d})"));
            // A value 1.7.7 only warns about and reads its own way (history under a minute,
            // 'w' with 'd' in a roundoff) is a warning here too; other invalid values are
            // errors (1.7.7 ignores them with its generic WARN).
            let warned = rej.pmacct_accepts
                && !rej.fatal
                && !rej.pmacct.is_empty()
                && rej.pmacct.iter().all(|(lvl, _)| *lvl == "WARN");
            cx.push(
                if warned { Level::Warn } else { Level::Error },
                Code::InvalidValue,
                Some(line),
                Some(def.name),
                m,
                detail,
                p,
            );
            if rej.fatal {
                return Err(ConfigError::Fatal(std::mem::take(&mut cx.diags)));
            }
            return Ok(());
        }
    };
    if def.field == "print_output" {
        if let Value::Str(s) = &value {
            if s.starts_with("avro") {
                let m =
                    "print_output set to avro but will produce no output (missing --enable-avro)."
                        .to_string();
                let p = vec![format!("WARN: [{}] {m}", cx.file)];
                cx.push(
                    Level::Warn,
                    Code::ValueNote,
                    Some(line),
                    Some(def.name),
                    m,
                    None,
                    p,
                );
            }
        }
    }
    let setting = Setting {
        key: def.name,
        value,
        raw,
        line,
    };
    if def.scope == KeyScope::NoGlobal && name.is_none() {
        // 1.7.7 refuses these filters without a plugin name and runs on without them.
        let what = match def.name {
            "aggregate_filter" => "aggregation",
            "pre_tag_filter" => "TAG",
            "pre_tag2_filter" => "TAG2",
            _ => "LABEL",
        };
        let m = format!("{what} filter cannot be global. Not loaded.");
        let p = vec![format!("ERROR: [{}] {m}", cx.file)];
        cx.push(
            Level::Error,
            Code::FilterNotGlobal,
            Some(line),
            Some(def.name),
            m,
            Some(format!("set it per plugin: {}[name]", def.name)),
            p,
        );
        return Ok(());
    }
    match (def.scope, &name) {
        (KeyScope::Global, Some(_)) => {
            for i in inst.iter_mut() {
                i.scope.set(def, setting.clone());
            }
            let m = format!(
                "plugin name not supported for key '{}'. Globalized.",
                globalized_name(def, daemon)
            );
            let p = vec![format!("WARN: [{}] {m}", cx.file)];
            cx.push(
                Level::Warn,
                Code::Globalized,
                Some(line),
                Some(def.name),
                m,
                None,
                p,
            );
        }
        (_, None) => {
            for i in inst.iter_mut() {
                i.scope.set(def, setting.clone());
            }
        }
        (_, Some(n)) => match inst.iter_mut().find(|i| &i.name == n) {
            Some(i) => i.scope.set(def, setting),
            None => {
                let m = format!("Unknown symbol '{n}'. Ignored.");
                let p = vec![format!("WARN: [{}] {m}", cx.loc(line))];
                let names: Vec<&str> = inst.iter().map(|i| i.name.as_str()).collect();
                let hint = Some(format!(
                    "(instances: {}; names are case-sensitive)",
                    names.join(", ")
                ));
                cx.push(
                    Level::Warn,
                    Code::UnknownSymbol,
                    Some(line),
                    Some(def.name),
                    m,
                    hint,
                    p,
                );
            }
        },
    }
    // A key of another daemon still takes effect when it shares its value with one of this
    // daemon's (`nfacctd_ip` in sfacctd is `sfacctd_ip`, as in 1.7.7's shared handlers).
    let elsewhere = !registry::applies(def, daemon.bit())
        && !registry::group(def.field).any(|k| registry::applies(k, daemon.bit()));
    if elsewhere {
        if !reported.contains(&def.name) {
            reported.push(def.name);
            let m = format!("key '{}' has no effect in {}.", def.name, daemon.name());
            cx.push(
                Level::Info,
                Code::OtherDaemon,
                Some(line),
                Some(def.name),
                m,
                None,
                vec![],
            );
        }
    } else if !reported.contains(&def.name)
        && !opts.also_implemented.iter().any(|k| k.0 == def.name)
    {
        match def.status() {
            // Refused where it is read (the daemon or plugin names the reason).
            status::Status::Implemented | status::Status::Refused(_) => {}
            status::Status::NoOp(why) => {
                reported.push(def.name);
                let m = format!("key '{}' accepted, nothing to do: {why}.", def.name);
                cx.push(
                    Level::Info,
                    Code::NoOp,
                    Some(line),
                    Some(def.name),
                    m,
                    None,
                    vec![],
                );
            }
            status::Status::NotYet => {
                reported.push(def.name);
                let m = format!("key '{}' is recognized, not supported yet.", def.name);
                cx.push(
                    Level::Warn,
                    Code::NotSupportedYet,
                    Some(line),
                    Some(def.name),
                    m,
                    None,
                    vec![],
                );
            }
        }
    }
    Ok(())
}
