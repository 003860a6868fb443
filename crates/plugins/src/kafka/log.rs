//! Logging for the kafka plugin in pmacct's format, `LEVEL ( <name>/kafka ): msg`.
//!
//! Lines go through a sink: [`default_sink`] forwards to the plugins' log hook (which the
//! daemon points at its logger); tests use [`MemoryLog`] to check what was logged. The sink
//! and [`PluginLog`] are every plugin's (`crate::log`); the rate limit is the transport's.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub use crate::log::{default_sink, Level as LogLevel, LogSink, MemoryLog, PluginLog};

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
