//! `pmbmpd`: pmacct 1.7.7's standalone BMP collector, command line and keys.
//!
//! The command line is 1.7.7's (`pmbmpd -h`): `-L` bmp_daemon_ip, `-l` bmp_daemon_port,
//! `-f` config file, `-D` daemonize, `-d` debug, `-S` syslog, `-F` pidfile, `-o`
//! bmp_daemon_msglog_file, `-O` bmp_dump_file, `-i` bmp_dump_refresh_time. Savefile replay
//! (`-I`, `-Z`, `-Y`, `-T`) is refused with a reason.
//!
//! The configuration is read with the nfacctd key table (where every `bmp_*` key lives; the
//! key table has no pmbmpd column yet): keys pmbmpd does not act on are each reported once,
//! never silently ignored.

use std::io::Write;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use pmacct_config::{key, Daemon, Key, Level as CfgLevel, Options};
use pmacct_flow::TimestampOptions;

use crate::server::{self, Level};

/// Keys pmbmpd acts on.
pub const KEYS: &[Key] = &[
    key::BMP_DAEMON_IP,
    key::BMP_DAEMON_PORT,
    key::BMP_DAEMON_IPV6_ONLY,
    key::BMP_DAEMON_MAX_PEERS,
    key::BMP_DAEMON_ALLOW_FILE,
    key::BMP_DAEMON_PIPE_SIZE,
    key::BMP_DAEMON_IPPREC,
    key::BMP_DAEMON_BATCH,
    key::BMP_DAEMON_BATCH_INTERVAL,
    key::BMP_DAEMON_PARSE_PROXY_HEADER,
    key::BMP_DAEMON_MSGLOG_FILE,
    key::BMP_DAEMON_MSGLOG_OUTPUT,
    key::BMP_DUMP_FILE,
    key::BMP_DUMP_OUTPUT,
    key::BMP_DUMP_REFRESH_TIME,
    key::BMP_DUMP_LATEST_FILE,
    // The message log and dumps on a bus (the daemon's [`BusFactory`]).
    key::BMP_DAEMON_MSGLOG_AMQP_HOST,
    key::BMP_DAEMON_MSGLOG_AMQP_VHOST,
    key::BMP_DAEMON_MSGLOG_AMQP_USER,
    key::BMP_DAEMON_MSGLOG_AMQP_PASSWD,
    key::BMP_DAEMON_MSGLOG_AMQP_EXCHANGE,
    key::BMP_DAEMON_MSGLOG_AMQP_EXCHANGE_TYPE,
    key::BMP_DAEMON_MSGLOG_AMQP_ROUTING_KEY,
    key::BMP_DAEMON_MSGLOG_AMQP_ROUTING_KEY_RR,
    key::BMP_DAEMON_MSGLOG_AMQP_PERSISTENT_MSG,
    key::BMP_DAEMON_MSGLOG_AMQP_FRAME_MAX,
    key::BMP_DAEMON_MSGLOG_AMQP_HEARTBEAT_INTERVAL,
    key::BMP_DAEMON_MSGLOG_AMQP_RETRY,
    key::BMP_DAEMON_MSGLOG_KAFKA_BROKER_HOST,
    key::BMP_DAEMON_MSGLOG_KAFKA_BROKER_PORT,
    key::BMP_DAEMON_MSGLOG_KAFKA_TOPIC,
    key::BMP_DAEMON_MSGLOG_KAFKA_TOPIC_RR,
    key::BMP_DAEMON_MSGLOG_KAFKA_PARTITION,
    key::BMP_DAEMON_MSGLOG_KAFKA_PARTITION_KEY,
    key::BMP_DAEMON_MSGLOG_KAFKA_RETRY,
    key::BMP_DAEMON_MSGLOG_KAFKA_CONFIG_FILE,
    key::BMP_DUMP_AMQP_HOST,
    key::BMP_DUMP_AMQP_VHOST,
    key::BMP_DUMP_AMQP_USER,
    key::BMP_DUMP_AMQP_PASSWD,
    key::BMP_DUMP_AMQP_EXCHANGE,
    key::BMP_DUMP_AMQP_EXCHANGE_TYPE,
    key::BMP_DUMP_AMQP_ROUTING_KEY,
    key::BMP_DUMP_AMQP_ROUTING_KEY_RR,
    key::BMP_DUMP_AMQP_PERSISTENT_MSG,
    key::BMP_DUMP_AMQP_FRAME_MAX,
    key::BMP_DUMP_AMQP_HEARTBEAT_INTERVAL,
    key::BMP_DUMP_KAFKA_BROKER_HOST,
    key::BMP_DUMP_KAFKA_BROKER_PORT,
    key::BMP_DUMP_KAFKA_TOPIC,
    key::BMP_DUMP_KAFKA_TOPIC_RR,
    key::BMP_DUMP_KAFKA_PARTITION,
    key::BMP_DUMP_KAFKA_PARTITION_KEY,
    key::BMP_DUMP_KAFKA_CONFIG_FILE,
    // Read to be refused (JSON only).
    key::BMP_DAEMON_MSGLOG_AVRO_SCHEMA_FILE,
    key::BMP_DAEMON_MSGLOG_KAFKA_AVRO_SCHEMA_REGISTRY,
    key::BMP_DUMP_AVRO_SCHEMA_FILE,
    key::BMP_DUMP_KAFKA_AVRO_SCHEMA_REGISTRY,
    key::LOGFILE,
    key::PIDFILE,
    key::DAEMONIZE,
    key::DEBUG,
    key::CORE_PROC_NAME,
    key::TIMESTAMPS_UTC,
    key::TIMESTAMPS_RFC3339,
    key::TIMESTAMPS_SINCE_EPOCH,
];

const USAGE: &str = "Usage: pmbmpd [ -D | -d ] [ -L IP address ] [ -l port ] ]
       pmbmpd [ -f config_file ]
       pmbmpd [ -h ]

General options:
  -h  \tShow this page
  -V  \tShow version and compile-time options and exit
  -L  \tBind to the specified IP address
  -l  \tListen on the specified TCP port
  -I  \tRead packets from the specified savefile
  -Z  \tReading from a savefile, sleep the given amount of seconds at startup and between replays
  -Y  \tReading from a savefile, replay the number of times specified
  -T  \tReading from a savefile, apply the filter specified with tcpdump syntax, ie. \"dst port 1790\"
  -f  \tLoad configuration from the specified file
  -D  \tDaemonize
  -d  \tEnable debug
  -S  \t[ auth | mail | daemon | kern | user | local[0-7] ] 
\tLog to the specified syslog facility
  -F  \tWrite Core Process PID into the specified file
  -o  \tOutput file to log real-time BMP messages
  -O  \tOutput file to dump BMP data and generated RIBs at regular time intervals
  -i  \tInterval, in secs, to write to the dump output file (supplied by -O)
";

fn header() -> String {
    format!(
        "pmacct BMP Collector Daemon, pmbmpd {} (pmacct-rs, pmacct 1.7.7 compatible)",
        env!("CARGO_PKG_VERSION")
    )
}

/// The command line as config lines (`key: value`), the `-f` file, help/version.
struct Args {
    file: Option<String>,
    lines: Vec<String>,
    help: bool,
    version: bool,
}

fn parse_args(argv: &[String]) -> Result<Args, String> {
    let mut a = Args {
        file: None,
        lines: Vec::new(),
        help: false,
        version: false,
    };
    let mut i = 0;
    while i < argv.len() {
        let s = &argv[i];
        let Some(flag) = s.strip_prefix('-').and_then(|f| f.chars().next()) else {
            return Err(format!("unexpected argument '{s}'"));
        };
        let inline = &s[1 + flag.len_utf8()..];
        let mut value = || -> Result<String, String> {
            if !inline.is_empty() {
                return Ok(inline.to_string());
            }
            i += 1;
            argv.get(i)
                .cloned()
                .ok_or_else(|| format!("option -{flag} requires an argument"))
        };
        match flag {
            'h' => a.help = true,
            'V' => a.version = true,
            'D' => a.lines.push("daemonize: true".into()),
            'd' => a.lines.push("debug: true".into()),
            'f' => a.file = Some(value()?),
            'L' => a.lines.push(format!("bmp_daemon_ip: {}", value()?)),
            'l' => a.lines.push(format!("bmp_daemon_port: {}", value()?)),
            'S' => a.lines.push(format!("syslog: {}", value()?)),
            'F' => a.lines.push(format!("pidfile: {}", value()?)),
            'o' => a
                .lines
                .push(format!("bmp_daemon_msglog_file: {}", value()?)),
            'O' => a.lines.push(format!("bmp_dump_file: {}", value()?)),
            'i' => a.lines.push(format!("bmp_dump_refresh_time: {}", value()?)),
            'I' | 'Z' | 'Y' | 'T' => {
                return Err(format!(
                    "-{flag}: reading BMP from a savefile is not supported by pmacct-rs pmbmpd yet"
                ))
            }
            c => return Err(format!("invalid option -- '{c}'")),
        }
        i += 1;
    }
    Ok(a)
}

/// Logger: stderr, or `logfile` (appended; reopened by name on SIGHUP).
struct Logger {
    path: Option<String>,
    file: Option<Mutex<std::fs::File>>,
    debug: bool,
}

fn open_append(p: &str) -> Option<std::fs::File> {
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(p)
        .ok()
}

impl Logger {
    fn reopen(&self) {
        if let (Some(p), Some(f)) = (&self.path, &self.file) {
            if let (Some(new), Ok(mut g)) = (open_append(p), f.lock()) {
                *g = new;
            }
        }
    }

    fn line(&self, l: Level, m: &str) {
        if l == Level::Debug && !self.debug {
            return;
        }
        match &self.file {
            Some(f) => {
                if let Ok(mut f) = f.lock() {
                    let _ = writeln!(f, "{m}");
                }
            }
            None => eprintln!("{m}"),
        }
    }
}

static STOP: AtomicBool = AtomicBool::new(false);
static HUP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_stop(_: libc::c_int) {
    STOP.store(true, Ordering::Release);
}

extern "C" fn on_hup(_: libc::c_int) {
    HUP.store(true, Ordering::Release);
}

/// Makes the message log's and the dumps' bus outputs from the `bmp_*_kafka_*` /
/// `bmp_*_amqp_*` keys: (core scope, `core_proc_name`, dumps on). The daemon crate supplies
/// it (the transports are the kafka and amqp plugins' writers, which this crate does not
/// depend on). Err: the reason to exit.
pub type BusFactory = dyn Fn(&pmacct_config::Scope, &str, bool) -> Result<server::Buses, String>;

/// Run pmbmpd with `argv` (without the program name); the process exit code.
pub fn main(argv: &[String], buses: &BusFactory) -> i32 {
    let args = match parse_args(argv) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}\n{}\n{USAGE}", header());
            return 1;
        }
    };
    if args.help {
        print!("{}\n{USAGE}", header());
        return 0;
    }
    if args.version {
        println!("{}", header());
        return 0;
    }
    let text = match &args.file {
        Some(p) => match std::fs::read(p) {
            Ok(t) => t,
            Err(_) => {
                eprintln!("ERROR: [{p}] file not found.");
                return 1;
            }
        },
        None => Vec::new(),
    };
    let loaded = match pmacct_config::parse_bytes(
        Daemon::Nfacctd,
        args.file.as_deref(),
        &text,
        &args.lines,
        Options {
            also_implemented: KEYS,
        },
    ) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("{e}");
            return 1;
        }
    };
    let core = &loaded.config.core;
    let name = loaded.config.core_name.clone();
    let log = Arc::new(Logger {
        path: core.str(key::LOGFILE).map(str::to_string),
        file: core.str(key::LOGFILE).and_then(open_append).map(Mutex::new),
        debug: core.bool(key::DEBUG),
    });
    for d in &loaded.diagnostics {
        // The nfacctd table's plugin default does not apply: pmbmpd has no plugins.
        if d.message.contains("No plugin has been activated") {
            continue;
        }
        let l = match d.level {
            CfgLevel::Error => Level::Error,
            _ => Level::Warn,
        };
        log.line(l, &d.render());
    }
    if loaded.has_errors() {
        return 1;
    }
    // Keys set that pmbmpd does not act on: said once each (the nfacctd table accepts them).
    for s in core.settings() {
        let k = s.key;
        if !KEYS.iter().any(|x| x.name() == k) && !k.starts_with("bmp_") {
            log.line(
                Level::Warn,
                &format!("WARN ( {name}/core ): '{k}' has no effect in pmbmpd (ignored)."),
            );
        } else if k.starts_with("bmp_") && !KEYS.iter().any(|x| x.name() == k) {
            log.line(
                Level::Warn,
                &format!("WARN ( {name}/core ): '{k}' is recognized, not supported yet by pmacct-rs pmbmpd."),
            );
        }
    }
    for (k, what) in [
        (key::BMP_DAEMON_MSGLOG_OUTPUT, "bmp_daemon_msglog_output"),
        (key::BMP_DUMP_OUTPUT, "bmp_dump_output"),
    ] {
        if let Some(v) = core.str(k) {
            if v != "json" {
                log.line(
                    Level::Error,
                    &format!("ERROR ( {name}/core ): '{what}: {v}': only json is supported by pmacct-rs pmbmpd."),
                );
                return 1;
            }
        }
    }
    log.line(Level::Info, &format!("INFO ( {name}/core ): {}", header()));
    let Some(cfg) = server_config(core, &name, &|l, m| log.line(l, m)) else {
        return 1;
    };
    let port = cfg.port;
    if core.bool(key::DAEMONIZE) {
        // SAFETY: daemon(3) forks and detaches; no other thread exists yet (the collector
        // thread is started after it), so the child has a consistent copy of the process.
        if unsafe { libc::daemon(1, 0) } != 0 {
            log.line(
                Level::Error,
                &format!("ERROR ( {name}/core ): daemon() failed."),
            );
            return 1;
        }
    }
    if let Some(p) = core.str(key::PIDFILE) {
        let _ = std::fs::write(p, format!("{}\n", std::process::id()));
    }
    // After daemon(3): the transports start threads.
    let buses = match buses(core, &name, cfg.dump_refresh_time > 0) {
        Ok(b) => b,
        Err(e) => {
            log.line(Level::Error, &format!("ERROR ( {name}/core ): {e}"));
            return 1;
        }
    };
    let lg = log.clone();
    let logfn: server::LogFn = Arc::new(move |l, m| lg.line(l, m));
    let handle = match server::spawn_with(cfg, logfn, buses) {
        Ok(h) => h,
        Err(e) => {
            log.line(
                Level::Error,
                &format!("ERROR ( {name}/core ): bind() to port {port} failed ({e}). Exiting."),
            );
            return 1;
        }
    };
    log.line(
        Level::Info,
        &format!(
            "INFO ( {name}/core ): waiting for BMP data on {}",
            handle.local
        ),
    );
    let handlers: [(libc::c_int, extern "C" fn(libc::c_int)); 3] = [
        (libc::SIGINT, on_stop),
        (libc::SIGTERM, on_stop),
        (libc::SIGHUP, on_hup),
    ];
    for (sig, f) in handlers {
        // SAFETY: the handlers only store to an atomic, which is async-signal-safe; each is
        // a valid extern "C" fn for the life of the process.
        unsafe {
            libc::signal(sig, f as *const () as libc::sighandler_t);
        }
    }
    while !STOP.load(Ordering::Acquire) {
        if HUP.swap(false, Ordering::AcqRel) {
            log.reopen();
            handle.reopen_logs();
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    handle.stop();
    if let Some(p) = core.str(key::PIDFILE) {
        let _ = std::fs::remove_file(p);
    }
    log.line(
        Level::Info,
        &format!("INFO ( {name}/core ): OK, Exiting ..."),
    );
    0
}

/// The collector's settings from the `bmp_daemon_*` / `bmp_dump_*` keys (pmbmpd, and
/// `bmp_daemon: true` in nfacctd/sfacctd). None: a value made the daemon exit (logged).
pub fn server_config(
    core: &pmacct_config::Scope,
    name: &str,
    log: &dyn Fn(Level, &str),
) -> Option<server::Config> {
    let ip = match core.str(key::BMP_DAEMON_IP) {
        None => None,
        Some(s) => match s.trim().parse::<IpAddr>() {
            Ok(a) if a.is_unspecified() && a.is_ipv4() && !core.is_set(key::BMP_DAEMON_IP) => None,
            Ok(a) => Some(a),
            Err(_) => {
                log(
                    Level::Error,
                    &format!("ERROR ( {name}/core ): 'bmp_daemon_ip' value is not a valid IP address. Exiting."),
                );
                return None;
            }
        },
    };
    let ip = if core.is_set(key::BMP_DAEMON_IP) {
        ip
    } else {
        None
    };
    let port = core
        .int(key::BMP_DAEMON_PORT)
        .filter(|_| core.is_set(key::BMP_DAEMON_PORT))
        .unwrap_or(1790) as u16;
    // 1.7.7's BMP_MAX_PEERS_DEFAULT.
    let max_peers = if core.is_set(key::BMP_DAEMON_MAX_PEERS) {
        core.int(key::BMP_DAEMON_MAX_PEERS).unwrap_or(4).max(1) as usize
    } else {
        4
    };
    log(
        Level::Info,
        &format!("INFO ( {name}/core ): maximum BMP peers allowed: {max_peers}"),
    );
    let allow = match core.str(key::BMP_DAEMON_ALLOW_FILE) {
        None => None,
        Some(p) => {
            let mut diags = Vec::new();
            match pmacct_maps::allow::AllowList::load(p, &mut diags) {
                Ok(list) => {
                    let list = Arc::new(list);
                    let f: server::AllowFn = Arc::new(move |a| list.allows(a));
                    Some(f)
                }
                Err(e) => {
                    log(Level::Error, &format!("ERROR ( {name}/core ): {e:?}"));
                    return None;
                }
            }
        }
    };
    let mut refresh = core
        .secs(key::BMP_DUMP_REFRESH_TIME)
        .map_or(0, |d| d.as_secs());
    let dump_file = core.str(key::BMP_DUMP_FILE).map(str::to_string);
    let dumps = dump_file.is_some()
        || core.is_set(key::BMP_DUMP_KAFKA_TOPIC)
        || core.is_set(key::BMP_DUMP_AMQP_ROUTING_KEY);
    if dumps && !(60..=86400).contains(&refresh) {
        log(
            Level::Warn,
            &format!("WARN ( {name}/core ): Invalid 'bmp_dump_refresh_time'."),
        );
        refresh = 0;
    }
    let cfg = server::Config {
        ip,
        port,
        ipv6_only: core.bool(key::BMP_DAEMON_IPV6_ONLY),
        max_peers,
        allow,
        msglog_file: core.str(key::BMP_DAEMON_MSGLOG_FILE).map(str::to_string),
        dump_file: if refresh > 0 { dump_file } else { None },
        dump_latest_file: core.str(key::BMP_DUMP_LATEST_FILE).map(str::to_string),
        dump_refresh_time: refresh,
        ts: TimestampOptions {
            secs: false,
            since_epoch: core.bool(key::TIMESTAMPS_SINCE_EPOCH),
            utc: core.bool(key::TIMESTAMPS_UTC),
            rfc3339: core.bool(key::TIMESTAMPS_RFC3339),
        },
        render: Default::default(),
        name: name.to_string(),
        flow: None,
        origin_int: core.bool(key::TMP_BGP_DAEMON_ORIGIN_TYPE_INT),
        pipe_size: core
            .u64(key::BMP_DAEMON_PIPE_SIZE)
            .filter(|&n| n > 0)
            .map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
        ipprec: core
            .u64(key::BMP_DAEMON_IPPREC)
            .filter(|&n| n > 0)
            .map(|n| n.min(7) as u8),
        batch: batch(core, name, log),
        parse_proxy_header: core.bool(key::BMP_DAEMON_PARSE_PROXY_HEADER),
    };
    Some(cfg)
}

/// `bmp_daemon_batch` and `bmp_daemon_batch_interval`: both or neither (1.7.7 warns and
/// disables batching when only one is set).
fn batch(core: &pmacct_config::Scope, name: &str, log: &dyn Fn(Level, &str)) -> Option<(u32, u64)> {
    let n = core.u64(key::BMP_DAEMON_BATCH).unwrap_or(0);
    let i = core.u64(key::BMP_DAEMON_BATCH_INTERVAL).unwrap_or(0);
    if (n == 0) != (i == 0) {
        log(
            Level::Warn,
            &format!("WARN ( {name}/core ): 'bmp_daemon_batch_interval' and 'bmp_daemon_batch' both set to zero."),
        );
        return None;
    }
    (n > 0).then(|| (u32::try_from(n).unwrap_or(u32::MAX), i))
}
