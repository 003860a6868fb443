//! Signals as pmacct uses them: SIGINT/SIGTERM stop gracefully (final purge), SIGHUP reopens
//! logs, SIGUSR1 logs stats, SIGUSR2 reloads maps. Handlers only set flags; the runtime's
//! control loop acts on them, so nothing async-signal-unsafe runs in a handler.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

#[derive(Default)]
pub struct Flags {
    pub shutdown: Arc<AtomicBool>,
    pub reopen_logs: Arc<AtomicBool>,
    pub stats: Arc<AtomicBool>,
    pub reload_maps: Arc<AtomicBool>,
}

impl Flags {
    pub fn install() -> std::io::Result<Flags> {
        use signal_hook::consts::*;
        let f = Flags::default();
        signal_hook::flag::register(SIGINT, f.shutdown.clone())?;
        signal_hook::flag::register(SIGTERM, f.shutdown.clone())?;
        signal_hook::flag::register(SIGHUP, f.reopen_logs.clone())?;
        signal_hook::flag::register(SIGUSR1, f.stats.clone())?;
        signal_hook::flag::register(SIGUSR2, f.reload_maps.clone())?;
        // SIGPIPE: ignored as in pmacct (writes to a closed pipe return EPIPE instead).
        // SAFETY: setting a signal disposition to SIG_IGN has no preconditions.
        unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
        Ok(f)
    }

    pub fn take(flag: &AtomicBool) -> bool {
        flag.swap(false, Ordering::AcqRel)
    }
}

/// Generation counter workers watch to know a stats dump was asked for.
pub type StatsGeneration = Arc<AtomicU64>;
