//! Logging for the kafka plugin in pmacct's format, `LEVEL ( <name>/kafka ): msg`.
//!
//! The plugins crate sits below the daemon, which owns the process-wide logger (file, syslog,
//! SIGHUP reopen). So the writer takes a sink: the daemon passes one that forwards to its
//! logger; [`stderr_sink`] is the default and what tests use.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    Debug,
    Info,
    Warn,
    Error,
}

impl LogLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Debug => "DEBUG",
            LogLevel::Info => "INFO",
            LogLevel::Warn => "WARN",
            LogLevel::Error => "ERROR",
        }
    }
}

/// Receives (level, plugin name, plugin type (`kafka`), message without newline).
/// The signature matches `pmacct_daemon::log::log` so the daemon can pass a thin closure.
pub type LogSink = Arc<dyn Fn(LogLevel, &str, &str, &str) + Send + Sync>;

/// `LEVEL ( name/type ): msg` on stderr; DEBUG lines only when `debug` is true.
pub fn stderr_sink(debug: bool) -> LogSink {
    Arc::new(move |level, name, kind, msg| {
        if level == LogLevel::Debug && !debug {
            return;
        }
        let line = format!("{} ( {}/{} ): {}\n", level.as_str(), name, kind, msg);
        let _ = std::io::stderr().write_all(line.as_bytes());
    })
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

/// The plugin's logger: its name and type plus the sink.
#[derive(Clone)]
pub struct PluginLog {
    pub name: String,
    pub kind: &'static str,
    sink: LogSink,
}

impl PluginLog {
    pub fn new(name: &str, sink: LogSink) -> PluginLog {
        PluginLog {
            name: name.to_string(),
            kind: "kafka",
            sink,
        }
    }
    pub fn log(&self, level: LogLevel, msg: &str) {
        (self.sink)(level, &self.name, self.kind, msg)
    }
}

/// At most `burst` lines per `window`; what is held back is counted and reported with the
/// next line that gets through, so a flapping broker cannot flood the log but nothing is
/// silently hidden.
pub struct RateLimit {
    window: Duration,
    burst: u32,
    state: Mutex<(Option<Instant>, u32)>,
    suppressed: AtomicU64,
}

impl RateLimit {
    pub fn new(window: Duration, burst: u32) -> RateLimit {
        RateLimit {
            window,
            burst,
            state: Mutex::new((None, 0)),
            suppressed: AtomicU64::new(0),
        }
    }

    pub fn log(&self, log: &PluginLog, level: LogLevel, msg: &str) {
        let now = Instant::now();
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let open = match st.0 {
            Some(start) if now.duration_since(start) < self.window => st.1 < self.burst,
            _ => {
                *st = (Some(now), 0);
                true
            }
        };
        if !open {
            self.suppressed.fetch_add(1, Ordering::Relaxed);
            return;
        }
        st.1 += 1;
        drop(st);
        let held = self.suppressed.swap(0, Ordering::Relaxed);
        if held > 0 {
            log.log(
                level,
                &format!("{msg} ({held} similar messages suppressed)"),
            );
        } else {
            log.log(level, msg);
        }
    }
}
