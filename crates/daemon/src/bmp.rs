//! `bmp_daemon: true` in nfacctd/sfacctd/pmacctd/uacctd: pmacct-bmp's collector thread keeps the routes
//! the routers stream in pmacct-bgp's RIB ([`pmacct_bmp::lookup::FlowRib`]), and the BGP
//! daemon's lookup stage ([`crate::bgp::BgpLookup`]) reads them: `*_as: bmp` / `*_net: bmp`
//! are 1.7.7's `bgp` (same bits), and `bgp_*_type`, `bgp_agent_map` (`bmp_agent_map`) apply
//! as with the BGP daemon. 1.7.7 refuses both daemons at once.

use std::sync::{Arc, OnceLock};

use pmacct_bgp::speaker::Level as BgpLevel;
use pmacct_bmp::lookup::FlowRib;
use pmacct_bmp::server::{self, Handle};
use pmacct_config::{key, Daemon, Scope};
use pmacct_flow::Stage;

use crate::bgp::{BgpLookup, LookupConfig};
use crate::plog;

/// The running BMP daemon of this process.
pub struct Bmp {
    pub rib: FlowRib,
    pub stats: Arc<server::Stats>,
    /// Kept for the life of the process (the thread stops with it).
    _handle: Handle,
    lookup: LookupConfig,
}

static BMP: OnceLock<Bmp> = OnceLock::new();

/// The BMP daemon, once started.
pub fn get() -> Option<&'static Bmp> {
    BMP.get()
}

impl Bmp {
    /// The flow lookup settings (shared with the BGP daemon's stage).
    pub(crate) fn lookup_config(&self) -> &LookupConfig {
        &self.lookup
    }
}

/// `bmp_daemon` is on.
pub fn enabled(core: &Scope) -> bool {
    core.bool(key::BMP_DAEMON)
}

/// Whether to start the BMP daemon; Err: 1.7.7's (or our) reason to exit.
pub(crate) fn check(daemon: Daemon, core: &Scope) -> Result<bool, String> {
    if !enabled(core) {
        return Ok(false);
    }
    // pmacctd/uacctd run it too, the peer named by bgp_agent_map (checked by crate::bgp).
    if !matches!(
        daemon,
        Daemon::Nfacctd | Daemon::Sfacctd | Daemon::Pmacctd | Daemon::Uacctd
    ) {
        return Err(format!(
            "'bmp_daemon: true' is not supported by {}. Exiting.",
            daemon.name()
        ));
    }
    if crate::bgp::enabled(core) {
        return Err("bgp_daemon and bmp_daemon are currently mutual exclusive. Exiting.".into());
    }
    Ok(true)
}

/// The collector's lines ("INFO ( name/core ): ...") under the core's "core/BMP", as
/// 1.7.7's BMP thread logs.
fn log_line(core_name: &str, level: BgpLevel, line: &str) {
    let msg = line.split_once("/core ): ").map_or(line, |(_, m)| m);
    match level {
        BgpLevel::Debug => plog!(Debug, core_name, "core/BMP", "{}", msg),
        BgpLevel::Info => plog!(Info, core_name, "core/BMP", "{}", msg),
        BgpLevel::Warn => plog!(Warn, core_name, "core/BMP", "{}", msg),
        BgpLevel::Error => plog!(Error, core_name, "core/BMP", "{}", msg),
    }
}

/// Start the collector thread (called by [`crate::bgp::start`] with the lookup settings).
pub(crate) fn start(core: &Scope, core_name: &str, lookup: LookupConfig) -> Result<(), String> {
    let name = core_name.to_string();
    let log = move |l: BgpLevel, m: &str| log_line(&name, l, m);
    let Some(mut cfg) = pmacct_bmp::daemon::server_config(core, core_name, &log) else {
        return Err("invalid bmp_daemon configuration. Exiting.".into());
    };
    let rib = FlowRib::default();
    cfg.flow = Some(rib.clone());
    let port = cfg.port;
    // The message log and dumps on Kafka / RabbitMQ (the plugins' writers).
    let buses = crate::routelog::bmp_buses(core, core_name, cfg.dump_refresh_time > 0)?;
    let logfn: server::LogFn = Arc::new(log);
    let handle = server::spawn_with(cfg, logfn, buses)
        .map_err(|e| format!("bind() to port {port}/tcp failed ({e}). Exiting."))?;
    plog!(
        Info,
        core_name,
        "core/BMP",
        "waiting for BMP data on {}:{}",
        handle.local.ip(),
        handle.local.port()
    );
    let _ = BMP.set(Bmp {
        rib,
        stats: handle.stats.clone(),
        _handle: handle,
        lookup,
    });
    Ok(())
}

/// The lookup stage over the BMP routes, if the BMP daemon runs.
pub(crate) fn lookup_stage() -> Option<Box<dyn Stage>> {
    get().map(|b| {
        Box::new(BgpLookup::new(
            b.rib.routers.clone(),
            Some(b.rib.monitored.clone()),
            b.lookup.clone(),
        )) as Box<dyn Stage>
    })
}
