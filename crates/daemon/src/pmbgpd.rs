//! pmbgpd: pmacct's standalone BGP collector. The passive speaker of `pmacct-bgp`, its
//! message log (`bgp_daemon_msglog_file`) and periodic RIB dumps (`bgp_table_dump_file`),
//! with 1.7.7's command line, logging, pidfile and signals (SIGHUP reopens the log and
//! msglog files, SIGINT/SIGTERM close every session and exit).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use pmacct_bgp::attr::RenderOptions;
use pmacct_bgp::logdump::{self, DumpConfig, MsgLog};
use pmacct_bgp::speaker::{self, Observer, SpeakerConfig};
use pmacct_config::{key, Action, Daemon, Failure, Scope};
use pmacct_flow::time::TimestampOptions;

use crate::{plog, process, routelog, signals};

const TITLE: &str = "pmacct BGP Collector Daemon, pmbgpd";

fn version_line() -> String {
    format!(
        "{TITLE} 1.7.7-compatible (pmacct-rs {})",
        env!("CARGO_PKG_VERSION")
    )
}

/// pmbgpd 1.7.7's `-h` (its flags and wording).
pub fn usage() -> String {
    "Usage: pmbgpd [ -D | -d ] [ -L IP address ] [ -l port ] ]\n       pmbgpd [ -f config_file ]\n       pmbgpd [ -h ]\n\n\
General options:\n  -h  \tShow this page\n  -V  \tShow version and compile-time options and exit\n  -L  \tBind to the specified IP address\n  -l  \tListen on the specified TCP port\n  -f  \tLoad configuration from the specified file\n  -D  \tDaemonize\n  -d  \tEnable debug\n  -S  \t[ auth | mail | daemon | kern | user | local[0-7] ] \n\tLog to the specified syslog facility\n  -F  \tWrite Core Process PID into the specified file\n  -o  \tOutput file to log real-time BGP messages\n  -O  \tOutput file to dump generated RIBs at regular time intervals\n  -i  \tInterval, in secs, to write to the dump output file (supplied by -O)\n  -g  \tEnable the Looking Glass server\n  -m  \tLoad a BGP xconnects map from the specified file\n  --check-config\tValidate the configuration: one line per problem, then a summary; exit 0 clean, 1 errors, 2 warnings only (pmacct-rs extension)\n".to_string()
}

fn speaker_config(core: &Scope, core_name: &str) -> Result<SpeakerConfig, String> {
    // Patterns and radius shape flow primitives only; logs print whole attributes.
    crate::bgp::speaker_config(core, core_name, "core", RenderOptions::default())
}

/// Outputs other than JSON files are refused at start-up (never silently dropped).
fn refused(core: &Scope) -> Result<(), String> {
    crate::bgp::refuse_unbuilt(core)?;
    routelog::json_only(core)
}

fn check_config(loaded: &pmacct_config::Loaded) -> i32 {
    use pmacct_config::Level;
    let (mut errors, mut warnings) = (0usize, 0usize);
    for d in &loaded.diagnostics {
        match d.check_level() {
            Level::Error => errors += 1,
            Level::Warn => warnings += 1,
            Level::Info => {}
        }
        println!("{}", d.render_check());
    }
    if let Err(e) = refused(&loaded.config.core) {
        println!("ERROR ( default/core ): {e}");
        errors += 1;
    }
    if errors == 0 && warnings == 0 {
        println!("configuration OK");
        return 0;
    }
    println!("configuration has {errors} error(s), {warnings} warning(s)");
    if errors > 0 {
        1
    } else {
        2
    }
}

pub fn main(argv: &[String]) -> i32 {
    let loaded = match pmacct_config::load(Daemon::Pmbgpd, argv) {
        Ok(l) => l,
        Err(Failure::Usage(m)) => {
            eprintln!("pmbgpd: {m}\n{}\n{}", version_line(), usage());
            return 1;
        }
        Err(f) => {
            eprintln!("{f}");
            return 1;
        }
    };
    match loaded.action {
        Action::Help => {
            print!("{}\n{}", version_line(), usage());
            return 0;
        }
        Action::Version => {
            println!("{}\n\nArguments:\n pmacct-rs: pmbgpd\n", version_line());
            return 0;
        }
        Action::ListPrimitives => return 1,
        Action::CheckConfig => return check_config(&loaded),
        Action::Run => {}
    }
    for d in &loaded.diagnostics {
        eprintln!("{d}");
    }
    let core = &loaded.config.core;
    let name = core
        .str(key::CORE_PROC_NAME)
        .unwrap_or("default")
        .to_string();
    // 1.7.7 handles `syslog` before daemonizing (its warning goes to the terminal).
    let syslog = crate::log::start_syslog(core.str(key::SYSLOG), &name);
    if core.bool(key::DAEMONIZE) {
        if let Err(e) = process::daemonize() {
            eprintln!("ERROR ( {name}/core ): daemonize failed: {e}");
            return 1;
        }
    }
    let umask = core.u64(key::FILES_UMASK).unwrap_or(0o077) as libc::mode_t;
    // SAFETY: umask only changes this process's file-creation mask.
    unsafe { libc::umask(umask) };
    if let Err(e) = crate::log::init(
        core.str(key::LOGFILE),
        syslog,
        core.bool(key::TIMESTAMPS_UTC),
    ) {
        eprintln!("ERROR ( {name}/core ): cannot open logfile: {e}");
        return 1;
    }
    crate::log::set_debug(core.bool(key::DEBUG));
    plog!(Info, &name, "core", "{}", version_line());
    if let Some(f) = &loaded.config_file {
        plog!(Info, &name, "core", "Reading configuration file '{}'.", f);
    }
    let flags = match signals::Flags::install() {
        Ok(f) => f,
        Err(e) => {
            plog!(Error, &name, "core", "signal setup failed: {}", e);
            return 1;
        }
    };
    if let Err(e) = refused(core) {
        plog!(Error, &name, "core", "{}", e);
        return 1;
    }
    let cfg = match speaker_config(core, &name) {
        Ok(c) => c,
        Err(e) => {
            plog!(Error, &name, "core", "{}", e);
            return 1;
        }
    };
    if let Some(p) = core.str(key::PIDFILE) {
        if let Err(e) = process::write_pidfile(p) {
            plog!(
                Warn,
                &name,
                "core",
                "Unable to write pidfile '{}': {}",
                p,
                e
            );
        }
    }
    let ts = TimestampOptions {
        secs: false,
        since_epoch: core.bool(key::TIMESTAMPS_SINCE_EPOCH),
        utc: core.bool(key::TIMESTAMPS_UTC),
        rfc3339: core.bool(key::TIMESTAMPS_RFC3339),
    };
    let seq: logdump::Seq = Arc::new(AtomicU64::new(0));
    let n2 = name.clone();
    let log: speaker::LogFn = Arc::new(move |l, m| crate::bgp::log_line(&n2, "core", l, m));
    let mut msglog_reopen = None;
    // 1.7.7's pmbgpd keeps RIBs only for dumps (or its looking glass): that changes what its
    // message log says about withdrawals and session ends.
    let dump_file = core.str(key::BGP_TABLE_DUMP_FILE);
    let dumps = (dump_file.is_some() || routelog::BGP_TABLE_DUMP.enabled(core))
        && core
            .u64(key::BGP_TABLE_DUMP_REFRESH_TIME)
            .is_some_and(|t| t > 0);
    let (msglog_bus, dump_bus) = match routelog::BGP_MSGLOG
        .bus(core, &name)
        .and_then(|m| Ok((m, routelog::BGP_TABLE_DUMP.bus(core, &name)?)))
    {
        Ok(b) => b,
        Err(e) => {
            plog!(Error, &name, "core", "{}", e);
            return 1;
        }
    };
    let msglog_file = core.str(key::BGP_DAEMON_MSGLOG_FILE);
    let observer: Option<Box<dyn Observer>> =
        (msglog_file.is_some() || msglog_bus.is_some()).then(|| {
            let mut m = MsgLog::new(msglog_file, ts, seq.clone(), &name, log.clone())
                .origin_as_int(core.bool(key::TMP_BGP_DAEMON_ORIGIN_TYPE_INT));
            if let Some(b) = msglog_bus {
                m = m.with_bus(b);
            }
            let m = if dumps { m } else { m.without_rib() };
            msglog_reopen = Some(m.reopen.clone());
            Box::new(m) as Box<dyn Observer>
        });
    plog!(
        Info,
        &name,
        "core",
        "maximum BGP peers allowed: {}",
        cfg.max_peers
    );
    let handle = match speaker::spawn_observed(cfg.clone(), log.clone(), observer) {
        Ok(h) => h,
        Err(e) => {
            plog!(
                Error,
                &name,
                "core",
                "bind() to ip={} port={}/tcp failed ({e}). Exiting.",
                cfg.ip.map_or_else(|| "::".to_string(), |a| a.to_string()),
                cfg.port
            );
            return 1;
        }
    };
    for a in &handle.local {
        plog!(
            Info,
            &name,
            "core",
            "waiting for BGP data on {}:{}",
            a.ip(),
            a.port()
        );
    }
    let stop = Arc::new(AtomicBool::new(false));
    let mut dumper = None;
    if dump_file.is_some() || dump_bus.is_some() {
        match core
            .u64(key::BGP_TABLE_DUMP_REFRESH_TIME)
            .filter(|&t| t > 0)
        {
            // 1.7.7: without a valid refresh time there are no dumps.
            None => plog!(
                Warn,
                &name,
                "core",
                "Invalid 'bgp_table_dump_refresh_time'."
            ),
            Some(refresh_time) => {
                let dc = DumpConfig {
                    file: dump_file.map(String::from),
                    latest_file: core.str(key::BGP_TABLE_DUMP_LATEST_FILE).map(String::from),
                    refresh_time,
                    ts,
                    name: name.clone(),
                    origin_int: core.bool(key::TMP_BGP_DAEMON_ORIGIN_TYPE_INT),
                };
                match logdump::spawn_dumper(
                    handle.peers.clone(),
                    dc,
                    seq.clone(),
                    log.clone(),
                    stop.clone(),
                    dump_bus,
                ) {
                    Ok(j) => dumper = Some(j),
                    Err(e) => {
                        plog!(Error, &name, "core", "cannot start the dump thread: {}", e);
                        return 1;
                    }
                }
            }
        }
    }
    loop {
        std::thread::sleep(Duration::from_millis(100));
        if signals::Flags::take(&flags.shutdown) {
            break;
        }
        if signals::Flags::take(&flags.reopen_logs) {
            crate::log::reopen();
            if let Some(r) = &msglog_reopen {
                r.store(true, Ordering::Release);
            }
        }
        if signals::Flags::take(&flags.stats) {
            let s = &handle.stats;
            plog!(
                Info,
                &name,
                "core",
                "BGP peers: {} established sessions: {} updates: {} prefixes announced: {} withdrawn: {}",
                handle.peers.count(),
                s.sessions_established.load(Ordering::Relaxed),
                s.updates.load(Ordering::Relaxed),
                s.prefixes_announced.load(Ordering::Relaxed),
                s.prefixes_withdrawn.load(Ordering::Relaxed)
            );
            for l in crate::bgp::peer_stat_lines(s) {
                plog!(Info, &name, "core", "{}", l);
            }
        }
    }
    stop.store(true, Ordering::Release);
    if let Some(j) = dumper {
        let _ = j.join();
    }
    // Closes every session (NOTIFICATION Cease, log_close lines) and flushes the msglog.
    handle.stop();
    if let Some(p) = core.str(key::PIDFILE) {
        process::remove_pidfile(p);
    }
    plog!(Info, &name, "core", "OK, Exiting ...");
    0
}

#[cfg(test)]
mod tests {
    #[test]
    fn usage_lists_the_flags_pmbgpd_accepts() {
        pmacct_config::check_usage(pmacct_config::Daemon::Pmbgpd, &super::usage()).unwrap();
    }
}
