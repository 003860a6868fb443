//! Logging hook: plugins emit pmacct log lines (`LEVEL ( name/type ): msg`) through one
//! process-wide function the daemon installs, so they land wherever the daemon logs (stderr,
//! logfile, syslog). Until one is installed, lines go to stderr in pmacct's format.

use std::sync::RwLock;

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
