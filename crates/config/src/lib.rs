//! pmacct configuration: syntax, key registry, command line, validation.
//!
//! `load` reads a daemon's command line and config file exactly as pmacct 1.7.7 does
//! (reference sections 1-2) and returns typed, validated settings per plugin instance plus
//! diagnostics in pmacct's wording; pmacct-rs is stricter where pmacct is silent (unknown keys
//! get a "did you mean", invalid values name file, line, key and what is accepted). This
//! crate never prints or exits: the daemon decides.

pub mod cli;
pub mod registry;
mod registry_data;
pub mod syntax;

use std::collections::HashMap;
use std::fmt;

pub use cli::Action;
pub use registry::{KeyInfo, Kind};

/// Which daemon is reading the config (command-line letters differ).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Daemon {
    Nfacctd,
    Sfacctd,
    Pmacctd,
    Uacctd,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warn,
    Error,
}

/// A message about the config, rendered as pmacct does: `WARN: [file:N] msg`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub file: String,
    pub line: Option<usize>,
    pub key: Option<String>,
    pub message: String,
}

impl Diagnostic {
    fn new(
        severity: Severity,
        file: &str,
        line: Option<usize>,
        key: Option<&str>,
        message: String,
    ) -> Self {
        Diagnostic {
            severity,
            file: file.to_string(),
            line,
            key: key.map(str::to_string),
            message,
        }
    }
    pub(crate) fn error(file: &str, line: usize, key: Option<&str>, message: String) -> Self {
        Diagnostic::new(Severity::Error, file, Some(line), key, message)
    }
    fn warn(file: &str, line: Option<usize>, key: Option<&str>, message: String) -> Self {
        Diagnostic::new(Severity::Warn, file, line, key, message)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lvl = match self.severity {
            Severity::Warn => "WARN",
            Severity::Error => "ERROR",
        };
        match self.line {
            Some(n) => write!(f, "{lvl}: [{}:{n}] {}", self.file, self.message),
            None => write!(f, "{lvl}: [{}] {}", self.file, self.message),
        }
    }
}

/// Plugin types of the Debian 1.7.7 build.
pub const PLUGIN_TYPES: &[&str] = &[
    "memory", "print", "mysql", "pgsql", "sqlite3", "amqp", "kafka", "tee", "nfprobe", "sfprobe",
];

/// Where a setting came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// The key as written (one of its group's keys).
    pub key: &'static str,
    /// Validated value (booleans and enums lower-cased).
    pub value: String,
    pub file: String,
    pub line: usize,
}

/// The settings of the core or of one plugin instance. Keys of a group share one field.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    fields: HashMap<&'static str, Setting>,
    /// Field names in the order they were first set, for deterministic iteration.
    order: Vec<&'static str>,
}

fn info(key: &str) -> &'static KeyInfo {
    registry::lookup(key)
        .unwrap_or_else(|| panic!("pmacct-rs bug: config key '{key}' is not in the registry"))
}

impl Scope {
    fn set(&mut self, ki: &'static KeyInfo, value: String, file: &str, line: usize) {
        if !self.fields.contains_key(ki.field) {
            self.order.push(ki.field);
        }
        self.fields.insert(
            ki.field,
            Setting {
                key: ki.name,
                value,
                file: file.to_string(),
                line,
            },
        );
    }

    /// The explicit setting of `key`'s field, if any.
    pub fn setting(&self, key: &str) -> Option<&Setting> {
        self.fields.get(info(key).field)
    }

    pub fn is_set(&self, key: &str) -> bool {
        self.setting(key).is_some()
    }

    /// Value of `key`: explicit, else the registry default.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.setting(key)
            .map(|s| s.value.as_str())
            .or(info(key).default)
    }

    pub fn bool(&self, key: &str) -> bool {
        self.get(key) == Some("true")
    }

    pub fn u64(&self, key: &str) -> Option<u64> {
        self.get(key).and_then(|v| v.parse().ok())
    }

    /// Explicit settings as a plugin of type `kind` reads them: a grouped field is named by
    /// that plugin's key (`kafka_topic` for kafka, `print_output_file` for print).
    pub fn entries_for(&self, kind: &str) -> Vec<(&'static str, &str)> {
        self.order
            .iter()
            .map(|f| {
                let s = &self.fields[f];
                (registry::key_for_plugin(f, kind), s.value.as_str())
            })
            .collect()
    }
}

#[derive(Debug, Clone)]
pub struct PluginInstance {
    pub name: String,
    /// Plugin type, lower case (`print`, `kafka`...).
    pub kind: String,
    pub scope: Scope,
}

#[derive(Debug, Clone, Default)]
pub struct Config {
    pub core: Scope,
    pub plugins: Vec<PluginInstance>,
}

#[derive(Debug)]
pub struct Loaded {
    pub action: Action,
    pub config_file: Option<String>,
    pub config: Config,
    pub diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }
}

/// Why the daemon cannot start: usage errors (exit 1 with usage) or fatal config errors.
#[derive(Debug)]
pub enum Failure {
    Usage(String),
    Config(Vec<Diagnostic>),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Usage(m) => f.write_str(m),
            Failure::Config(d) => {
                for (i, x) in d.iter().enumerate() {
                    if i > 0 {
                        writeln!(f)?;
                    }
                    write!(f, "{x}")?;
                }
                Ok(())
            }
        }
    }
}

const CLI_FILE: &str = "commandline";

/// Read the command line and the `-f` file.
pub fn load(daemon: Daemon, argv: &[String]) -> Result<Loaded, Failure> {
    let cl = cli::parse(daemon, argv).map_err(Failure::Usage)?;
    let action = cl.action.unwrap_or(Action::Run);
    if matches!(
        action,
        Action::Help | Action::Version | Action::ListPrimitives
    ) {
        return Ok(Loaded {
            action,
            config_file: cl.config_file,
            config: Config::default(),
            diagnostics: vec![],
        });
    }
    let text = match &cl.config_file {
        Some(f) => std::fs::read(f).map_err(|e| {
            Failure::Config(vec![Diagnostic::new(
                Severity::Error,
                f,
                None,
                None,
                format!("file not found or unreadable: {e}. Exiting."),
            )])
        })?,
        None => Vec::new(),
    };
    let mut loaded = parse_with(cl.config_file.as_deref(), &text, &cl.lines)?;
    loaded.action = action;
    Ok(loaded)
}

/// Parse config text plus command-line key lines (for tests and `load`).
pub fn parse_with(
    file: Option<&str>,
    text: &[u8],
    cli_lines: &[(String, String)],
) -> Result<Loaded, Failure> {
    let fname = file.unwrap_or(CLI_FILE);
    let mut lines = syntax::parse(fname, text).map_err(|d| Failure::Config(vec![d]))?;
    for (k, v) in cli_lines {
        lines.push(syntax::Line {
            file: CLI_FILE.into(),
            line: 0,
            key: k.clone(),
            name: None,
            value: v.trim().to_string(),
        });
    }
    let mut diags = Vec::new();
    let mut cfg = Config::default();

    // Plugins come from the first `plugins:` line, wherever it is; then that line is gone.
    let from_cli_only = file.is_none();
    if let Some(pos) = lines.iter().position(|l| l.key == "plugins") {
        let l = lines.remove(pos);
        for item in l.value.split(',') {
            let item = item.trim();
            if item.is_empty() {
                continue;
            }
            let (kind, name) = match item.find('[') {
                Some(b) => (
                    item[..b].trim().to_ascii_lowercase(),
                    item[b + 1..].trim_end_matches(']').trim().to_string(),
                ),
                None => (item.to_ascii_lowercase(), String::new()),
            };
            if kind == "core" {
                return Err(Failure::Config(vec![Diagnostic::new(
                    Severity::Error,
                    fname,
                    None,
                    None,
                    "plugins of type 'core' are not allowed. Exiting.".into(),
                )]));
            }
            if !PLUGIN_TYPES.contains(&kind.as_str()) {
                diags.push(Diagnostic::new(
                    Severity::Error,
                    fname,
                    None,
                    Some("plugins"),
                    format!("Unknown plugin type: {kind}. Ignoring."),
                ));
                continue;
            }
            let name = if name.is_empty() || from_cli_only {
                format!("default_{kind}")
            } else {
                name
            };
            if cfg.plugins.iter().any(|p| p.name == name) {
                diags.push(Diagnostic::warn(fname, None, Some("plugins"), format!("another plugin with the same name '{name}' already exists. Preserving first.")));
                continue;
            }
            cfg.plugins.push(PluginInstance {
                name,
                kind,
                scope: Scope::default(),
            });
        }
    }
    if cfg.plugins.is_empty() {
        diags.push(Diagnostic::warn(
            fname,
            None,
            None,
            "No plugin has been activated; defaulting to in-memory table.".into(),
        ));
        cfg.plugins.push(PluginInstance {
            name: "default_memory".into(),
            kind: "memory".into(),
            scope: Scope::default(),
        });
    }

    let mut unsupported: Vec<&'static str> = Vec::new();
    for l in &lines {
        let at = |sev: Severity, msg: String| {
            Diagnostic::new(
                sev,
                &l.file,
                (l.line > 0).then_some(l.line),
                Some(&l.key),
                msg,
            )
        };
        let Some(ki) = registry::lookup(&l.key) else {
            let hint = registry::nearest(&l.key)
                .map(|k| format!(" Did you mean '{k}'?"))
                .unwrap_or_default();
            diags.push(at(
                Severity::Warn,
                format!("Unknown key: {}. Ignored.{hint}", l.key),
            ));
            continue;
        };
        if ki.name == "plugins" {
            diags.push(at(
                Severity::Warn,
                "'plugins' already defined by an earlier line. Ignored.".into(),
            ));
            continue;
        }
        let value = match ki.kind.check(&l.value) {
            Some(v) => v,
            None if ki.kind == Kind::Bool => {
                // pmacct keeps the default here; so do we, but we say what is accepted.
                diags.push(at(
                    Severity::Warn,
                    format!(
                        "Invalid value '{}' for key '{}' (accepted: {}). Ignored.",
                        l.value,
                        ki.name,
                        ki.kind.accepted()
                    ),
                ));
                continue;
            }
            None => {
                diags.push(at(
                    Severity::Error,
                    format!(
                        "Invalid value '{}' for key '{}' (accepted: {}).",
                        l.value,
                        ki.name,
                        ki.kind.accepted()
                    ),
                ));
                continue;
            }
        };
        if !ki.implemented && !unsupported.contains(&ki.name) {
            unsupported.push(ki.name);
            diags.push(at(
                Severity::Warn,
                format!(
                    "key '{}' is recognized, not supported yet by pmacct-rs. Ignored.",
                    ki.name
                ),
            ));
        }
        match &l.name {
            Some(name) if !ki.global => match cfg.plugins.iter_mut().find(|p| &p.name == name) {
                Some(p) => p.scope.set(ki, value, &l.file, l.line),
                None => diags.push(at(
                    Severity::Warn,
                    format!("Unknown symbol '{name}'. Ignored."),
                )),
            },
            scoped => {
                if scoped.is_some() {
                    diags.push(Diagnostic::warn(
                        &l.file,
                        None,
                        Some(&l.key),
                        format!(
                            "plugin name not supported for key '{}'. Globalized.",
                            ki.name
                        ),
                    ));
                }
                cfg.core.set(ki, value.clone(), &l.file, l.line);
                for p in &mut cfg.plugins {
                    p.scope.set(ki, value.clone(), &l.file, l.line);
                }
            }
        }
    }
    if diags
        .iter()
        .any(|d| d.severity == Severity::Error && d.key.as_deref() != Some("plugins"))
    {
        return Err(Failure::Config(diags));
    }
    Ok(Loaded {
        action: Action::Run,
        config_file: file.map(str::to_string),
        config: cfg,
        diagnostics: diags,
    })
}

/// `--help` text of the config keys a daemon's users reach for first, from the registry.
pub fn keys_help() -> String {
    let mut s =
        String::from("Config keys supported by pmacct-rs (all keys: docs/CONFIG-KEYS.md):\n");
    for k in registry::keys().iter().filter(|k| k.implemented) {
        s.push_str(&format!("  {:<28} {}\n", k.name, k.doc));
    }
    s
}

#[cfg(test)]
mod tests;
