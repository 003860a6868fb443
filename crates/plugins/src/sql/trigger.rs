//! `sql_trigger_exec` / `sql_trigger_time` as pmacct 1.7.7 runs them (docs/TRIGGER_VARS):
//! the executable is started (no shell, no arguments, not waited for) after a purge's rows
//! are written when its deadline has passed, and between purges every `sql_trigger_time`.
//! Without `sql_trigger_time` the interval is `sql_refresh_time`, so it fires at each purge.
//! Its environment carries the plugin's settings (`SQL_DB`, `SQL_TABLE`, ...) and, when
//! fired by a purge that had entries, that purge's figures (`TOTAL_ELEM_NUMBER`,
//! `INSERT_QUERIES_NUMBER`, ...). The final purge at exit fires nothing, as in 1.7.7.

use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use pmacct_flow::time::{monthly_timeslot, roundoff_time};

use crate::exec::spawn;
use crate::log::PluginLog;

/// The trigger's interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Every {
    Secs(i64),
    /// `N` months (`sql_trigger_time: NM`): calendar months.
    Months(u32),
}

/// What a trigger needs from the configuration.
#[derive(Debug, Clone)]
pub struct TriggerConfig {
    pub exec: String,
    /// `sql_trigger_time` (None: every purge).
    pub every: Option<Every>,
    /// The variables 1.7.7 sets once at start-up, in its order.
    pub env: Vec<(String, String)>,
}

/// Figures of the purge that fired a trigger (the writer fills the write counts).
#[derive(Debug, Clone, Default)]
pub struct PurgeFacts {
    /// Entries of the purge (`TOTAL_ELEM_NUMBER`).
    pub total: usize,
    /// First entry's time bin (`SQL_HISTORY_BASETIME`, when not 0).
    pub basetime: i64,
    /// `sql_history` bin length (`SQL_HISTORY_TIMESLOT`, when not 0).
    pub timeslot: i64,
    /// `sql_table` with its time variables expanded, for a dynamic table.
    pub effective_table: Option<String>,
    /// When the purge started (`ELAPSED_TIME` is measured from here).
    pub started: i64,
}

/// A trigger run queued behind a purge's rows.
#[derive(Debug, Clone)]
pub struct TriggerRun {
    pub exec: String,
    pub env: Vec<(String, String)>,
    /// None for a purge without entries (1.7.7 sets no purge variables then).
    pub facts: Option<PurgeFacts>,
}

impl TriggerRun {
    /// Start it with the purge's write counts (rows inserted / updated since the previous
    /// trigger run).
    pub fn run(&self, inserted: u64, updated: u64, log: &PluginLog) {
        let mut env = self.env.clone();
        if let Some(f) = &self.facts {
            let now = unix_now();
            env.push(("INSERT_QUERIES_NUMBER".into(), inserted.to_string()));
            env.push(("UPDATE_QUERIES_NUMBER".into(), updated.to_string()));
            env.push(("ELAPSED_TIME".into(), (now - f.started).max(0).to_string()));
            env.push(("TOTAL_ELEM_NUMBER".into(), f.total.to_string()));
            env.push((
                "EFFECTIVE_ELEM_NUMBER".into(),
                (inserted + updated).to_string(),
            ));
            if f.basetime != 0 {
                env.push(("SQL_HISTORY_BASETIME".into(), f.basetime.to_string()));
            }
            if f.timeslot != 0 {
                env.push(("SQL_HISTORY_TIMESLOT".into(), f.timeslot.to_string()));
            }
            if let Some(t) = &f.effective_table {
                env.push(("EFFECTIVE_SQL_TABLE".into(), t.clone()));
            }
            // One writer thread, never several writer processes at once.
            env.push(("SQL_ACTIVE_WRITERS".into(), "0".into()));
        }
        spawn("sql_trigger_exec", &self.exec, &env, log);
    }
}

/// The trigger's deadline, shared by the purges (which check and advance it) and the
/// timer thread that fires `sql_trigger_time` between purges.
pub struct Schedule {
    state: Mutex<Deadline>,
    cv: Condvar,
}

#[derive(Debug)]
struct Deadline {
    next: i64,
    slot: i64,
    every: Option<Every>,
    utc: bool,
    stop: bool,
}

impl Deadline {
    /// 1.7.7's lazy deadline: past `now`, by whole slots (months recomputed).
    fn advance_past(&mut self, now: i64) {
        while now > self.next && self.slot > 0 {
            self.next += self.slot;
            if let Some(Every::Months(n)) = self.every {
                self.slot = monthly_timeslot(self.next, n, true, self.utc);
            }
        }
    }
}

impl Schedule {
    /// pmacct's `sql_init_triggers()`: the slot's start from `now` rounded off by
    /// `sql_history_roundoff`, plus `sql_startup_delay`, plus one slot (a deadline).
    pub fn new(
        every: Option<Every>,
        refresh_time: i64,
        roundoff: &str,
        startup_delay: i64,
        utc: bool,
        now: i64,
    ) -> Arc<Schedule> {
        let mut deadline = now;
        let mut slot = match every {
            Some(Every::Secs(s)) => s,
            Some(Every::Months(n)) => {
                deadline = roundoff_time(deadline, "d", utc);
                monthly_timeslot(deadline, n, true, utc)
            }
            None => refresh_time,
        };
        let mut t = roundoff_time(deadline, roundoff, utc);
        while slot > 0 && t + slot < deadline {
            t += slot;
            if let Some(Every::Months(n)) = every {
                slot = monthly_timeslot(t, n, true, utc);
            }
        }
        let next = t + startup_delay + slot;
        if let Some(Every::Months(n)) = every {
            slot = monthly_timeslot(t, n, true, utc);
        }
        Arc::new(Schedule {
            state: Mutex::new(Deadline {
                next,
                slot,
                every,
                utc,
                stop: false,
            }),
            cv: Condvar::new(),
        })
    }

    /// At a purge at `now`: whether the trigger fires after it; the deadline moves past
    /// `now` either way.
    pub fn at_purge(&self, now: i64) -> bool {
        let mut d = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let fire = now > d.next;
        d.advance_past(now);
        fire
    }

    /// The timer thread of `sql_trigger_time`: fires with the start-up variables only, as
    /// 1.7.7's core loop does between purges, until [`Schedule::stop`].
    pub fn start_timer(self: &Arc<Schedule>, cfg: TriggerConfig, log: PluginLog) {
        let me = self.clone();
        let _ = std::thread::Builder::new()
            .name(format!("sql-trigger-{}", log.name))
            .spawn(move || {
                let mut d = me.state.lock().unwrap_or_else(|e| e.into_inner());
                loop {
                    if d.stop {
                        return;
                    }
                    let now = unix_now();
                    if now > d.next && d.slot > 0 {
                        spawn("sql_trigger_exec", &cfg.exec, &cfg.env, &log);
                        d.next += d.slot;
                        if let Some(Every::Months(n)) = d.every {
                            d.slot = monthly_timeslot(d.next, n, true, d.utc);
                        }
                        continue;
                    }
                    let wait = (d.next + 1 - now).clamp(1, 3600) as u64;
                    d = me
                        .cv
                        .wait_timeout(d, Duration::from_secs(wait))
                        .unwrap_or_else(|e| e.into_inner())
                        .0;
                }
            });
    }

    pub fn stop(&self) {
        let mut d = self.state.lock().unwrap_or_else(|e| e.into_inner());
        d.stop = true;
        self.cv.notify_all();
    }

    #[cfg(test)]
    pub(crate) fn next(&self) -> i64 {
        self.state.lock().unwrap().next
    }
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_purge_without_trigger_time() {
        // 1.7.7: the deadline is the refresh deadline, so every purge fires.
        let s = Schedule::new(None, 60, "", 0, true, 1_700_000_030);
        assert_eq!(s.next(), 1_700_000_040);
        assert!(!s.at_purge(1_700_000_040));
        assert!(s.at_purge(1_700_000_041));
        assert_eq!(s.next(), 1_700_000_100);
        assert!(s.at_purge(1_700_000_101));
    }

    /// `sql_trigger_time` fires between purges with the start-up variables only; stop()
    /// ends the timer.
    #[test]
    fn timer_fires_between_purges() {
        let dir = std::env::temp_dir().join(format!("pmacct-rs-trigger-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let out = dir.join("env");
        let script = dir.join("t.sh");
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\necho \"$SQL_TABLE ${{TOTAL_ELEM_NUMBER-none}}\" >> {}\n",
                out.display()
            ),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let now = unix_now();
        // A 1 s interval from now (1.7.7 would also catch up, one run per missed slot).
        let s = Schedule::new(Some(Every::Secs(1)), 60, "", 0, true, now);
        let cfg = TriggerConfig {
            exec: script.display().to_string(),
            every: Some(Every::Secs(1)),
            env: vec![("SQL_TABLE".into(), "acct".into())],
        };
        let log = PluginLog::new("t", "sqlite3", crate::log::default_sink());
        s.start_timer(cfg, log);
        std::thread::sleep(Duration::from_millis(3500));
        s.stop();
        let text = std::fs::read_to_string(&out).unwrap_or_default();
        let _ = std::fs::remove_dir_all(&dir);
        let runs = text.lines().count();
        assert!(runs >= 2, "{text:?}");
        assert!(text.lines().all(|l| l == "acct none"), "{text:?}");
    }

    #[test]
    fn trigger_time_with_roundoff_and_delay() {
        // 5 minutes from the hour, 10 s start-up delay.
        let s = Schedule::new(
            Some(Every::Secs(300)),
            60,
            "h",
            10,
            true,
            1_700_000_030, // 22:13:50 UTC
        );
        // 22:10:00 + 10 s + 300 s
        assert_eq!(s.next(), 1_699_999_800 + 310);
        assert!(!s.at_purge(1_700_000_090));
        assert!(s.at_purge(1_700_000_111));
        assert_eq!(s.next(), 1_700_000_410);
    }
}
