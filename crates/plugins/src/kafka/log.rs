//! Logging for the kafka plugin in pmacct's format, `LEVEL ( <name>/kafka ): msg`.
//!
//! Lines go through a sink: [`default_sink`] forwards to the plugins' log hook (which the
//! daemon points at its logger); tests use [`MemoryLog`] to check what was logged.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use crate::log::Level as LogLevel;

/// Receives (level, plugin name, plugin type (`kafka`), message without newline).
pub type LogSink = Arc<dyn Fn(LogLevel, &str, &str, &str) + Send + Sync>;

/// The plugins' process-wide log hook (`crate::log`, installed by the daemon).
pub fn default_sink() -> LogSink {
    Arc::new(crate::log::log)
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
