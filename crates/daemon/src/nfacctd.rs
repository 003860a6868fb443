//! nfacctd: command line and config -> plugins and runtime spec, then run.

use std::net::IpAddr;
use std::time::SystemTime;

use pmacct_config::{Action, Daemon, Failure, Loaded, PluginInstance, Scope};
use pmacct_plugins::kafka::{KafkaPlugin, KafkaPluginConfig};
use pmacct_plugins::{Plugin, PrintConfig, PrintPlugin};
use pmacct_wire::netflow::{DecoderOptions, Limits, NetflowDecoder};

use crate::runtime::{self, Savefile, Spec};
use crate::{plog, process, signals};

const NAME: &str = "NetFlow Accounting Daemon, nfacctd";

fn version_line() -> String {
    format!(
        "{NAME} 1.7.7-compatible (pmacct-rs {})",
        env!("CARGO_PKG_VERSION")
    )
}

fn usage() -> String {
    format!(
        "{}\nUsage: nfacctd [ -D | -d ] [ -L IP address ] [ -l port ] [ -c primitive [ , ... ] ] [ -P plugin [ , ... ] ]\n       nfacctd [ -f config_file ]\n       nfacctd [ -h ]\n\n\
General options:\n  -h  \tShow this page\n  -V  \tShow version and compile-time options and exit\n  -L  \tBind to the specified IP address\n  -l  \tListen on the specified UDP port\n  -f  \tLoad configuration from the specified file\n  -a  \tPrint list of supported aggregation primitives\n  -c  \tAggregation method, see full list of primitives with -a (DEFAULT: src_host)\n  -D  \tDaemonize\n  -n  \tPath to a file containing networks and/or ASNs definitions\n  -t  \tPath to a file containing ports definitions\n  -P  \t[ memory | print | mysql | pgsql | sqlite3 | amqp | kafka | tee ] \n\tActivate plugin\n  -d  \tEnable debug\n  -S  \t[ auth | mail | daemon | kern | user | local[0-7] ] \n\tLog to the specified syslog facility\n  -F  \tWrite Core Process PID into the specified file\n  -R  \tRenormalize sampled data\n  -u  \tLeave IP protocols in numerical format\n  -I  \tRead packets from the specified savefile\n  -Z  \tReading from a savefile, sleep the given amount of seconds at startup and between replays\n  -W  \tReading from a savefile, don't exit but sleep when finished\n  -Y  \tReading from a savefile, replay the number of times specified\n  --check-config\tValidate the configuration and exit 0 (valid) or 1 (pmacct-rs extension)\n\n\
Print plugin (-P print) plugin options:\n  -r  \tRefresh time (in seconds)\n  -O  \t[ formatted | csv | json ] \n\tOutput format\n  -o  \tPath to output file\n  -M  \tPrint event init/close marker messages\n  -A  \tAppend output (applies to -o)\n  -E  \tCSV format separator (applies to -O csv, DEFAULT: ',')\n\n{}",
        version_line(),
        pmacct_config::keys_help()
    )
}

/// Build one plugin instance from its config scope.
fn build_plugin(p: &PluginInstance, now: SystemTime) -> Result<Box<dyn Plugin>, String> {
    let entries = p.scope.entries_for(&p.kind);
    match p.kind.as_str() {
        "print" => {
            let mut cfg = PrintConfig {
                name: p.name.clone(),
                ..PrintConfig::default()
            };
            cfg.apply_keys(entries)?;
            Ok(Box::new(
                PrintPlugin::new(cfg, now).map_err(|e| format!("{e:#}"))?,
            ))
        }
        "kafka" => {
            let mut cfg = KafkaPluginConfig::default();
            cfg.kafka.plugin_name = p.name.clone();
            cfg.apply_keys(entries)?;
            Ok(Box::new(
                KafkaPlugin::new(cfg, now).map_err(|e| format!("{e:#}"))?,
            ))
        }
        other => Err(format!(
            "plugin type '{other}' is recognized, not supported yet by pmacct-rs"
        )),
    }
}

/// Validate what plugins would be built from, without starting anything (--check-config).
fn check_plugin(p: &PluginInstance) -> Result<(), String> {
    let entries = p.scope.entries_for(&p.kind);
    match p.kind.as_str() {
        "print" => PrintConfig::default().apply_keys(entries).map(|_| ()),
        "kafka" => KafkaPluginConfig::default().apply_keys(entries).map(|_| ()),
        other => Err(format!(
            "plugin type '{other}' is recognized, not supported yet by pmacct-rs"
        )),
    }
}

fn workers() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 8)
}

/// Batches a plugin queue holds: plugin_pipe_size bytes over pmacct's per-record footprint
/// (~100 bytes) and our batch size, at least 4.
fn queue_batches(scope: &Scope) -> usize {
    let bytes = scope.u64("plugin_pipe_size").unwrap_or(4_096_000) as usize;
    (bytes / 100 / crate::core::BATCH_RECORDS).max(4)
}

pub fn main(argv: &[String]) -> i32 {
    let loaded: Loaded = match pmacct_config::load(Daemon::Nfacctd, argv) {
        Ok(l) => l,
        Err(Failure::Usage(m)) => {
            eprintln!("nfacctd: {m}\n{}", usage());
            return 1;
        }
        Err(f) => {
            eprintln!("{f}");
            return 1;
        }
    };
    match loaded.action {
        Action::Help => {
            print!("{}", usage());
            return 0;
        }
        Action::Version => {
            println!(
                "{}\n\nArguments:\n pmacct-rs: nfacctd with print and kafka plugins\n",
                version_line()
            );
            return 0;
        }
        Action::ListPrimitives => {
            print!(
                "{}",
                pmacct_flow::list_primitives(pmacct_flow::Daemon::Nfacctd)
            );
            return 0;
        }
        Action::CheckConfig => {
            // Stricter than start-up: a warning (unknown key, invalid value, a key we do not
            // support yet) means the file would not run as written, so the check fails.
            let mut ok = !loaded.diagnostics.iter().any(|d| {
                matches!(
                    d.level,
                    pmacct_config::Level::Error | pmacct_config::Level::Warn
                )
            });
            for d in &loaded.diagnostics {
                println!("{d}");
            }
            for p in &loaded.config.plugins {
                if let Err(e) = check_plugin(p) {
                    println!("ERROR ( {}/{} ): {e}", p.name, p.kind);
                    ok = false;
                }
            }
            println!(
                "{}",
                if ok {
                    "configuration OK"
                } else {
                    "configuration has errors"
                }
            );
            return i32::from(!ok);
        }
        Action::Run => {}
    }
    for d in &loaded.diagnostics {
        eprintln!("{d}");
    }
    let cfg = &loaded.config;
    let core = &cfg.core;
    let core_name = core.get("core_proc_name").unwrap_or("default").to_string();

    if core.bool("daemonize") {
        if let Err(e) = process::daemonize() {
            eprintln!("ERROR ( {core_name}/core ): daemonize failed: {e}");
            return 1;
        }
    }
    if let Err(e) = crate::log::init(
        core.get("logfile"),
        core.get("syslog"),
        core.bool("timestamps_utc"),
    ) {
        eprintln!("ERROR ( {core_name}/core ): cannot open logfile: {e}");
        return 1;
    }
    crate::log::set_debug(core.bool("debug"));
    plog!(Info, &core_name, "core", "{}", version_line());
    if let Some(f) = &loaded.config_file {
        plog!(
            Info,
            &core_name,
            "core",
            "Reading configuration file '{}'.",
            f
        );
    }
    // pmacct creates its files 0600 unless files_umask says otherwise.
    // SAFETY: umask only changes this process's file-creation mask.
    unsafe { libc::umask(0o077) };

    let flags = match signals::Flags::install() {
        Ok(f) => f,
        Err(e) => {
            plog!(Error, &core_name, "core", "signal setup failed: {}", e);
            return 1;
        }
    };
    let now = SystemTime::now();
    let mut plugins = Vec::new();
    for p in &cfg.plugins {
        match build_plugin(p, now) {
            Ok(pl) => plugins.push(pl),
            Err(e) => {
                plog!(Error, &p.name, &p.kind, "{}", e);
                return 1;
            }
        }
    }
    let ip: Option<IpAddr> = core.get("nfacctd_ip").and_then(|s| s.parse().ok());
    let port = core.u64("nfacctd_port").unwrap_or(2100).min(65535) as u16;
    let savefile = core.get("pcap_savefile").map(|path| Savefile {
        path: path.to_string(),
        wait: core.bool("pcap_savefile_wait"),
        delay: core.u64("pcap_savefile_delay").unwrap_or(0),
        replay: core.u64("pcap_savefile_replay").unwrap_or(1),
    });
    let options = DecoderOptions {
        v5_time_secs: core.bool("nfacctd_time_secs"),
    };
    let spec = Spec {
        core_name,
        listen: crate::udp::listen_addr(ip, port),
        rcvbuf: core.u64("nfacctd_pipe_size").map(|n| n as usize),
        savefile,
        renormalize: core.bool("nfacctd_renormalize"),
        account_options: core.bool("nfacctd_account_options"),
        plugins,
        queue_batches: queue_batches(core),
        pidfile: core.get("pidfile").map(str::to_string),
        workers: workers(),
        new_decoder: Box::new(move || NetflowDecoder::with_options(Limits::default(), options)),
    };
    runtime::run(spec, flags)
}
