//! Logging hook: plugins emit pmacct log lines (`LEVEL ( name/type ): msg`) through one
//! process-wide function the daemon installs, so they land wherever the daemon logs (stderr,
//! logfile, syslog). Until one is installed, lines go to stderr in pmacct's format.
//!
//! The level is checked before a message is formatted ([`enabled`], [`plugin_log!`]): a
//! DEBUG line that is not written costs one atomic load, not a `format!`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Debug,
    Info,
    Notice,
    Warn,
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Notice => "NOTICE",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
        }
    }
}

/// `debug: true` / `-d`: DEBUG lines are written. One flag for the daemon and its plugins.
static DEBUG: AtomicBool = AtomicBool::new(false);

pub fn set_debug(on: bool) {
    DEBUG.store(on, Ordering::Relaxed);
}

/// Whether a line at `level` is written at all (DEBUG only with `debug`).
pub fn enabled(level: Level) -> bool {
    level != Level::Debug || DEBUG.load(Ordering::Relaxed)
}

/// `(level, plugin name, plugin type, message)`.
pub type LogFn = fn(Level, &str, &str, &str);

fn stderr_logger(level: Level, name: &str, kind: &str, msg: &str) {
    if level != Level::Debug {
        eprintln!("{} ( {}/{} ): {}", level.as_str(), name, kind, msg);
    }
}

static LOGGER: RwLock<LogFn> = RwLock::new(stderr_logger);

/// Install the daemon's log sink.
pub fn set_logger(f: LogFn) {
    *LOGGER.write().unwrap_or_else(|e| e.into_inner()) = f;
}

/// Emit one line.
pub fn log(level: Level, name: &str, kind: &str, msg: &str) {
    let f = *LOGGER.read().unwrap_or_else(|e| e.into_inner());
    f(level, name, kind, msg);
}

/// Receives (level, plugin name, plugin type, message without newline).
pub type LogSink = Arc<dyn Fn(Level, &str, &str, &str) + Send + Sync>;

/// The plugins' process-wide log hook ([`log`], installed by the daemon).
pub fn default_sink() -> LogSink {
    Arc::new(log)
}

/// A sink that keeps lines in memory (tests, and callers that want to inspect them).
#[derive(Clone, Default)]
pub struct MemoryLog(pub Arc<Mutex<Vec<String>>>);

impl MemoryLog {
    pub fn sink(&self) -> LogSink {
        let lines = self.0.clone();
        Arc::new(move |level, name, kind, msg| {
            let line = format!("{} ( {}/{} ): {}", level.as_str(), name, kind, msg);
            lines.lock().unwrap_or_else(|e| e.into_inner()).push(line);
        })
    }
    pub fn lines(&self) -> Vec<String> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// A plugin instance's logger: its name and type plus the sink.
#[derive(Clone)]
pub struct PluginLog {
    pub name: String,
    pub kind: &'static str,
    sink: LogSink,
}

impl PluginLog {
    pub fn new(name: &str, kind: &'static str, sink: LogSink) -> PluginLog {
        PluginLog {
            name: name.to_string(),
            kind,
            sink,
        }
    }

    pub fn log(&self, level: Level, msg: &str) {
        if enabled(level) {
            (self.sink)(level, &self.name, self.kind, msg)
        }
    }
}

/// `plugin_log!(log, Info, "fmt", args..)`: log through a [`PluginLog`], formatting the
/// message only when the level is enabled.
macro_rules! plugin_log {
    ($log:expr, $lvl:ident, $($arg:tt)*) => {{
        let level = $crate::log::Level::$lvl;
        if $crate::log::enabled(level) {
            $log.log(level, &format!($($arg)*));
        }
    }};
}
pub(crate) use plugin_log;
