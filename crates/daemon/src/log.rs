//! pmacct's log format: `LEVEL ( <name>/<type> ): msg` on stderr; with `logfile` each line is
//! prefixed by a local (or UTC) `YYYY-MM-DDTHH:MM:SS±hh:mm`; with `syslog` lines go to syslog.
//!
//! One process-wide logger, because pmacct logs from the core and every plugin into the same
//! destination, and SIGHUP must reopen that one destination.

use std::ffi::CString;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::sync::Mutex;

pub use pmacct_plugins::Level;

fn syslog_priority(level: Level) -> libc::c_int {
    match level {
        Level::Debug => libc::LOG_DEBUG,
        Level::Info => libc::LOG_INFO,
        Level::Notice => libc::LOG_NOTICE,
        Level::Warn => libc::LOG_WARNING,
        Level::Error => libc::LOG_ERR,
    }
}

enum Sink {
    Stderr,
    File { path: String, file: File },
    Syslog,
}

struct Logger {
    sink: Sink,
    utc: bool,
}

static LOGGER: Mutex<Option<Logger>> = Mutex::new(None);

/// Where log lines go. `logfile` wins over `syslog` as in pmacct (it checks logfile first).
pub fn init(
    logfile: Option<&str>,
    syslog_facility: Option<&str>,
    utc: bool,
) -> std::io::Result<()> {
    let sink = if let Some(path) = logfile {
        Sink::File {
            path: path.to_string(),
            file: open_append(path)?,
        }
    } else if let Some(fac) = syslog_facility.filter(|f| facility(f).is_some()) {
        open_syslog(fac);
        Sink::Syslog
    } else {
        Sink::Stderr
    };
    *LOGGER.lock().unwrap_or_else(|e| e.into_inner()) = Some(Logger { sink, utc });
    // Plugins log through the same sink.
    pmacct_plugins::set_logger(log);
    Ok(())
}

/// `debug`: DEBUG lines are written (the daemon's and its plugins': one flag).
pub fn set_debug(on: bool) {
    pmacct_plugins::log::set_debug(on);
}

pub fn debug_enabled() -> bool {
    enabled(Level::Debug)
}

/// Whether a line at `level` is written at all: [`plog!`] checks this before formatting.
pub use pmacct_plugins::log::enabled;

fn open_append(path: &str) -> std::io::Result<File> {
    // pmacct creates the directories to the logfile (open_output_file()).
    if let Some(dir) = std::path::Path::new(path).parent() {
        pmacct_plugins::files::create_dirs(dir)?;
    }
    let f = OpenOptions::new().create(true).append(true).open(path)?;
    // files_uid/files_gid: pmacct opens its logfile with open_output_file(), which chowns.
    let _ = pmacct_plugins::files::chown(std::path::Path::new(path));
    Ok(f)
}

/// The syslog facility named `name`, compared as 1.7.7 does (exactly: `Daemon` is not one).
fn facility(name: &str) -> Option<libc::c_int> {
    Some(match name {
        "auth" => libc::LOG_AUTH,
        "mail" => libc::LOG_MAIL,
        "daemon" => libc::LOG_DAEMON,
        "kern" => libc::LOG_KERN,
        "user" => libc::LOG_USER,
        "local0" => libc::LOG_LOCAL0,
        "local1" => libc::LOG_LOCAL1,
        "local2" => libc::LOG_LOCAL2,
        "local3" => libc::LOG_LOCAL3,
        "local4" => libc::LOG_LOCAL4,
        "local5" => libc::LOG_LOCAL5,
        "local6" => libc::LOG_LOCAL6,
        "local7" => libc::LOG_LOCAL7,
        _ => return None,
    })
}

/// `syslog` (`-S`), before daemonizing and before [`init`], as 1.7.7's core does: a facility
/// it does not know is reported on stdout (`WARN ( name/core ): specified syslog facility is
/// not supported. Logging to standard error (stderr).`) and logging stays on stderr; either
/// way `Start logging ...` is logged (to syslog, or to stderr). Returns the facility to hand
/// to [`init`]: `None` when unset or unknown.
pub fn start_syslog<'a>(syslog: Option<&'a str>, core_name: &str) -> Option<&'a str> {
    let name = syslog?;
    let start = format!("INFO ( {core_name}/core ): Start logging ...");
    if facility(name).is_none() {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(
            out,
            "WARN ( {core_name}/core ): specified syslog facility is not supported. Logging to standard error (stderr)."
        );
        let _ = out.flush();
        let _ = writeln!(std::io::stderr(), "{start}");
        return None;
    }
    open_syslog(name);
    if let Ok(c) = CString::new(start) {
        // SAFETY: "%s" with one valid C string argument.
        unsafe { libc::syslog(libc::LOG_INFO, c"%s".as_ptr(), c.as_ptr()) };
    }
    Some(name)
}

fn open_syslog(name: &str) {
    let Some(fac) = facility(name) else {
        return;
    };
    // openlog keeps the ident pointer: leak one small string for the life of the process.
    let ident: &'static CString = Box::leak(Box::new(
        CString::new(
            std::env::args()
                .next()
                .unwrap_or_default()
                .rsplit('/')
                .next()
                .unwrap_or("pmacct"),
        )
        .unwrap_or_default(),
    ));
    // SAFETY: ident is a valid NUL-terminated string that lives for the rest of the process.
    unsafe { libc::openlog(ident.as_ptr(), libc::LOG_PID, fac) };
}

/// Reopen the log file (SIGHUP, for logrotate).
pub fn reopen() {
    let mut guard = LOGGER.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(Logger {
        sink: Sink::File { path, file },
        ..
    }) = guard.as_mut()
    {
        if let Ok(f) = open_append(path) {
            *file = f;
        }
    }
}

/// Log one line as `LEVEL ( name/kind ): msg`.
pub fn log(level: Level, name: &str, kind: &str, msg: &str) {
    if !enabled(level) {
        return;
    }
    let line = format!("{} ( {}/{} ): {}\n", level.as_str(), name, kind, msg);
    let mut guard = LOGGER.lock().unwrap_or_else(|e| e.into_inner());
    match guard.as_mut() {
        Some(Logger {
            sink: Sink::File { file, .. },
            utc,
        }) => {
            let stamp = crate::time::log_stamp(*utc);
            let _ = file.write_all(format!("{stamp} {line}").as_bytes());
        }
        Some(Logger {
            sink: Sink::Syslog, ..
        }) => {
            if let Ok(c) = CString::new(line.trim_end()) {
                // SAFETY: "%s" with one valid C string argument.
                unsafe { libc::syslog(syslog_priority(level), c"%s".as_ptr(), c.as_ptr()) };
            }
        }
        _ => {
            let _ = std::io::stderr().write_all(line.as_bytes());
        }
    }
}

/// `plog!(Level, name, kind, "fmt", args..)`: one line, formatted only when its level is
/// written.
#[macro_export]
macro_rules! plog {
    ($lvl:ident, $name:expr, $kind:expr, $($arg:tt)*) => {{
        let level = $crate::log::Level::$lvl;
        if $crate::log::enabled(level) {
            $crate::log::log(level, $name, $kind, &format!($($arg)*))
        }
    }};
}
