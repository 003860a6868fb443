//! The daemon-generic collector main: command line and config -> plugins, stages and a
//! runtime spec, then run. Each daemon (nfacctd, sfacctd, pmacctd) is a [`Profile`]: its
//! name, usage text and the function building its input (source + decoder) from the core
//! config. Everything else (-h/-V/-a/--check-config, daemonize, logging, plugins, signals) is
//! shared so the daemons behave alike.

use std::time::SystemTime;

use pmacct_config::{key, Action, Daemon, Failure, Key, Loaded, PluginInstance, PluginKind, Scope};
use pmacct_flow::{Renormalize, Stage};
use pmacct_plugins::amqp::{AmqpPlugin, AmqpPluginConfig};
use pmacct_plugins::kafka::{KafkaPlugin, KafkaPluginConfig};
use pmacct_plugins::memory::{MemoryConfig, MemoryPlugin};
use pmacct_plugins::nfprobe::{NfprobeConfig, NfprobePlugin};
use pmacct_plugins::tee::{TeeConfig, TeePlugin};
use pmacct_plugins::{Plugin, PrintConfig, PrintPlugin};

use crate::core::Decoder;
use crate::runtime::{self, PluginSpec, Source, Spec};
use crate::{plog, process, signals};

/// What makes one daemon different from the others.
pub struct Profile {
    pub daemon: Daemon,
    pub flow_daemon: pmacct_flow::Daemon,
    /// pmacct's title line, e.g. "NetFlow Accounting Daemon, nfacctd".
    pub title: &'static str,
    /// The `-h` text after the version line.
    pub usage: fn() -> String,
    /// Builds the daemon's input from the core scope.
    pub input: fn(&Scope) -> Result<Input, String>,
}

/// A daemon's input: where data comes from and how it is decoded.
pub struct Input {
    pub source: Source,
    /// What the daemon collects, for log lines ("NetFlow/IPFIX", "sFlow", "packets").
    pub data_label: &'static str,
    /// The key the socket receive buffer size came from (for its log line).
    pub pipe_size_key: Key,
    /// `*_renormalize` of this daemon, to be done by the core (sfacctd renormalizes by rate
    /// in its decoder, by `sfacctd_ext_sampling_rate` in the core).
    pub renormalize: bool,
    pub new_decoder: Box<dyn Fn() -> Box<dyn Decoder> + Send + Sync>,
    /// Link type of captured frames when known before plugins start (pmacctd on a
    /// savefile): without L2 (raw IP, null), MAC and VLAN primitives leave every aggregate.
    pub link_type: Option<u32>,
}

impl Profile {
    fn version_line(&self) -> String {
        format!(
            "{} 1.7.7-compatible (pmacct-rs {})",
            self.title,
            env!("CARGO_PKG_VERSION")
        )
    }

    fn name(&self) -> &'static str {
        self.daemon.name()
    }
}

/// A plugin type's configuration, read from its instance's typed scope, and how it starts.
trait PluginConfig: Sized + 'static {
    type Plugin: Plugin + 'static;
    fn from_scope(name: &str, scope: &Scope) -> Result<Self, String>;
    fn start(self, now: SystemTime) -> anyhow::Result<Self::Plugin>;
}

impl PluginConfig for PrintConfig {
    type Plugin = PrintPlugin;
    fn from_scope(name: &str, scope: &Scope) -> Result<Self, String> {
        PrintConfig::from_scope(name, scope)
    }
    fn start(self, now: SystemTime) -> anyhow::Result<PrintPlugin> {
        PrintPlugin::new(self, now)
    }
}

impl PluginConfig for KafkaPluginConfig {
    type Plugin = KafkaPlugin;
    fn from_scope(name: &str, scope: &Scope) -> Result<Self, String> {
        KafkaPluginConfig::from_scope(name, scope)
    }
    fn start(self, now: SystemTime) -> anyhow::Result<KafkaPlugin> {
        KafkaPlugin::new(self, now)
    }
}

impl PluginConfig for AmqpPluginConfig {
    type Plugin = AmqpPlugin;
    fn from_scope(name: &str, scope: &Scope) -> Result<Self, String> {
        AmqpPluginConfig::from_scope(name, scope)
    }
    fn start(self, now: SystemTime) -> anyhow::Result<AmqpPlugin> {
        AmqpPlugin::new(self, now)
    }
}

impl PluginConfig for MemoryConfig {
    type Plugin = MemoryPlugin;
    fn from_scope(name: &str, scope: &Scope) -> Result<Self, String> {
        MemoryConfig::from_scope(name, scope)
    }
    fn start(self, now: SystemTime) -> anyhow::Result<MemoryPlugin> {
        MemoryPlugin::new(self, now)
    }
}

impl PluginConfig for NfprobeConfig {
    type Plugin = NfprobePlugin;
    fn from_scope(name: &str, scope: &Scope) -> Result<Self, String> {
        NfprobeConfig::from_scope(name, scope)
    }
    fn start(self, now: SystemTime) -> anyhow::Result<NfprobePlugin> {
        NfprobePlugin::new(self, now)
    }
}

impl PluginConfig for pmacct_plugins::sfprobe::SfprobeConfig {
    type Plugin = pmacct_plugins::sfprobe::SfprobePlugin;
    fn from_scope(name: &str, scope: &Scope) -> Result<Self, String> {
        Self::from_scope(name, scope)
    }
    fn start(self, now: SystemTime) -> anyhow::Result<Self::Plugin> {
        pmacct_plugins::sfprobe::SfprobePlugin::new(self, now)
    }
}

impl PluginConfig for TeeConfig {
    type Plugin = TeePlugin;
    fn from_scope(name: &str, scope: &Scope) -> Result<Self, String> {
        TeeConfig::from_scope(name, scope)
    }
    fn start(self, now: SystemTime) -> anyhow::Result<TeePlugin> {
        TeePlugin::new(self, now)
    }
}

/// pmacct 1.7.7 runs `tee` in nfacctd and sfacctd only, and never beside data plugins.
/// Also: the probe plugins (nfprobe, sfprobe) run in pmacctd and uacctd only, as in 1.7.7.
fn check_tee(daemon: Daemon, plugins: &[PluginInstance]) -> Result<(), String> {
    if matches!(daemon, Daemon::Nfacctd | Daemon::Sfacctd)
        && plugins
            .iter()
            .any(|p| matches!(p.kind, PluginKind::Nfprobe | PluginKind::Sfprobe))
    {
        return Err(format!(
            "'nfprobe' and 'sfprobe' plugins not supported in '{}'.",
            daemon.name()
        ));
    }
    let tees = plugins.iter().filter(|p| p.kind == PluginKind::Tee).count();
    if tees == 0 {
        return Ok(());
    }
    if daemon == Daemon::Uacctd {
        return Err("'tee' plugin not supported in 'uacctd'.".into());
    }
    if !matches!(daemon, Daemon::Nfacctd | Daemon::Sfacctd) {
        return Err(format!(
            "'tee' plugins are available in nfacctd and sfacctd only, not in {}.",
            daemon.name()
        ));
    }
    if tees < plugins.len() {
        return Err(
            "'tee' plugins are not compatible with data (memory/mysql/pgsql/etc.) plugins. Exiting."
                .into(),
        );
    }
    Ok(())
}

macro_rules! sql_plugin_config {
    ($($cfg:ident => $plugin:ident),+) => {$(
        impl PluginConfig for pmacct_plugins::sql::$cfg {
            type Plugin = pmacct_plugins::sql::$plugin;
            fn from_scope(name: &str, scope: &Scope) -> Result<Self, String> {
                pmacct_plugins::sql::$cfg::from_scope(name, scope)
            }
            fn start(self, now: SystemTime) -> anyhow::Result<Self::Plugin> {
                pmacct_plugins::sql::$cfg::start(self, now)
            }
        }
    )+};
}
sql_plugin_config!(Sqlite3Config => Sqlite3Plugin, PgsqlConfig => PgsqlPlugin, MysqlConfig => MysqlPlugin);

/// A configured plugin, ready to start at a given instant.
type Starter = Box<dyn FnOnce(SystemTime) -> Result<Box<dyn Plugin>, String>>;

/// One row of [`PLUGIN_TYPES`].
struct PluginType {
    kind: PluginKind,
    /// Reads and checks the configuration (all `--check-config` does), returning its start.
    configure: fn(&str, &Scope) -> Result<Starter, String>,
}

fn configure<C: PluginConfig>(name: &str, scope: &Scope) -> Result<Starter, String> {
    let cfg = C::from_scope(name, scope)?;
    Ok(Box::new(move |now| match cfg.start(now) {
        Ok(p) => Ok(Box::new(p)),
        Err(e) => Err(format!("{e:#}")),
    }))
}

/// The plugin types pmacct-rs runs; the other types of `plugins:` are recognized, not
/// supported yet. Adding a plugin is one row (and its [`PluginConfig`]).
static PLUGIN_TYPES: &[PluginType] = &[
    PluginType {
        kind: PluginKind::Print,
        configure: configure::<PrintConfig>,
    },
    PluginType {
        kind: PluginKind::Kafka,
        configure: configure::<KafkaPluginConfig>,
    },
    PluginType {
        kind: PluginKind::Memory,
        configure: configure::<MemoryConfig>,
    },
    PluginType {
        kind: PluginKind::Tee,
        configure: configure::<TeeConfig>,
    },
    PluginType {
        kind: PluginKind::Sqlite3,
        configure: configure::<pmacct_plugins::sql::Sqlite3Config>,
    },
    PluginType {
        kind: PluginKind::Pgsql,
        configure: configure::<pmacct_plugins::sql::PgsqlConfig>,
    },
    PluginType {
        kind: PluginKind::Mysql,
        configure: configure::<pmacct_plugins::sql::MysqlConfig>,
    },
    PluginType {
        kind: PluginKind::Amqp,
        configure: configure::<AmqpPluginConfig>,
    },
    PluginType {
        kind: PluginKind::Nfprobe,
        configure: configure::<NfprobeConfig>,
    },
    PluginType {
        kind: PluginKind::Sfprobe,
        configure: configure::<pmacct_plugins::sfprobe::SfprobeConfig>,
    },
];

/// Read and check the configuration of one plugin instance from its typed scope.
fn configure_plugin(p: &PluginInstance, scope: &Scope) -> Result<Starter, String> {
    match PLUGIN_TYPES.iter().find(|t| t.kind == p.kind) {
        Some(t) => (t.configure)(&p.name, scope),
        None => Err(format!(
            "plugin type '{}' is recognized, not supported yet by pmacct-rs",
            p.kind
        )),
    }
}

/// Build one plugin instance from its config scope.
fn build_plugin(
    p: &PluginInstance,
    now: SystemTime,
    no_l2: Option<(&str, u32)>,
) -> Result<Box<dyn Plugin>, String> {
    let mut scope = p.scope.clone();
    if let Some((core_name, lt)) = no_l2 {
        let aggregate = scope.list(key::AGGREGATE).unwrap_or_default();
        scope.set_raw(
            key::AGGREGATE,
            &strip_l2_primitives(&aggregate, core_name, lt),
        )?;
    }
    configure_plugin(p, &scope)?(now)
}

/// Primitives that need a link layer (pmacctd: MACs and VLAN come from the frame header).
const L2_PRIMITIVES: [&str; 3] = ["src_mac", "dst_mac", "vlan"];

/// `aggregate` without the L2 primitives, each dropped with pmacctd 1.7.7's warning.
fn strip_l2_primitives(aggregate: &[String], core_name: &str, linktype: u32) -> String {
    let mut kept = Vec::new();
    for prim in aggregate {
        if L2_PRIMITIVES.contains(&prim.as_str()) {
            plog!(
                Warn,
                core_name,
                "core",
                "'{}' aggregation not available for link type: {}",
                prim,
                linktype
            );
        } else {
            kept.push(prim.as_str());
        }
    }
    kept.join(", ")
}

/// Validate what plugins would be built from, without starting anything (--check-config).
fn check_plugin(p: &PluginInstance) -> Result<(), String> {
    configure_plugin(p, &p.scope).map(drop)
}

/// Core stages (pre_tag_map, sampling_map...): a factory (one set per worker) and the
/// SIGUSR2 reloaders of the maps behind them.
pub struct CoreStages {
    pub new_stages: Box<dyn Fn() -> Vec<Box<dyn Stage>> + Send + Sync>,
    pub reloaders: Vec<Box<dyn FnMut() -> Result<(), String> + Send>>,
    /// A core stage renormalizes by rate (sampling_map): the core must not do it again.
    pub renormalize_in_stages: bool,
    /// `*_renormalize` (None: off), by `*_ext_sampling_rate` when set.
    pub renormalize: Option<Renormalize>,
}

pub fn core_stages(core: &Scope) -> Result<CoreStages, String> {
    let mut reloaders: Vec<Box<dyn FnMut() -> Result<(), String> + Send>> = Vec::new();
    let refresh = crate::maps::refresh_enabled(core);
    if refresh {
        let core_name = core
            .str(key::CORE_PROC_NAME)
            .unwrap_or_default()
            .to_string();
        // Plugins register their pre_tag_maps after this runs; the reloader finds them then.
        reloaders.push(Box::new(move || {
            crate::maps::reload_pretag_maps(&core_name)
        }));
        // Likewise their networks and ports files.
        reloaders.push(Box::new(crate::netmaps::reload_plugin_maps));
        // pmacctd's pcap_interfaces_map (the capture thread reloads it).
        if let Some(r) = crate::pmacctd::interfaces_reloader() {
            reloaders.push(r);
        }
    }
    // sampling_map: sets the rate and renormalizes by it (the core then does not); with
    // `*_ext_sampling_rate` the core renormalizes by that, before the stage.
    let renormalize = crate::netmaps::renormalize(core);
    let sampling = crate::netmaps::sampling_stage(core, renormalize);
    let renormalize_in_stages = sampling.is_some() && renormalize == Some(Renormalize::ByRate);
    // flow_to_rd_map first (pmacct resolves the RD before the plugins' handlers run).
    let mut makers = Vec::new();
    let flow_to_rd = crate::netmaps::flow_to_rd_stage(core);
    let after_rd = usize::from(flow_to_rd.is_some());
    for s in [flow_to_rd, sampling].into_iter().flatten() {
        if refresh {
            reloaders.push(s.reload);
        }
        makers.push(s.new_stage);
    }
    // The BGP lookup (bgp_srcdst_lookup()) after flow_to_rd_map, as in pmacct's core.
    if crate::bgp::get().is_some() || crate::bmp::get().is_some() {
        let bgp: Box<dyn Fn() -> Box<dyn Stage> + Send + Sync> = Box::new(|| {
            crate::bgp::lookup_stage().expect("the BGP daemon runs for the life of the process")
        });
        makers.insert(after_rd, bgp);
        // bgp_peer_src_as_map & co. are reloaded with the other maps, as in 1.7.7.
        if let Some(r) = crate::bgp::src_maps_reloader().filter(|_| refresh) {
            reloaders.push(r);
        }
    }
    let new_stages: Box<dyn Fn() -> Vec<Box<dyn Stage>> + Send + Sync> =
        Box::new(move || makers.iter().map(|m| m()).collect());
    Ok(CoreStages {
        new_stages,
        reloaders,
        renormalize_in_stages,
        renormalize,
    })
}

/// A live UDP source on `listen`: the receive buffer from `pipe_size`, IPV6_V6ONLY from
/// `nfacctd_ipv6_only` and the multicast groups from `*_mcast_groups` (both keys write one
/// value, in either daemon, as in 1.7.7).
pub fn udp_source(core: &Scope, listen: std::net::SocketAddr, pipe_size: Key) -> Source {
    let (mcast_groups, more) = core
        .str(key::NFACCTD_MCAST_GROUPS)
        .map(crate::udp::mcast_groups)
        .unwrap_or_default();
    if more > 0 {
        plog!(
            Warn,
            "default",
            "core",
            "Only the first {} (on a total of {}) multicast groups will be joined.",
            crate::udp::MAX_MCAST_GROUPS,
            crate::udp::MAX_MCAST_GROUPS + more
        );
    }
    // A group's datagrams reach one socket: the one that joined. One worker then, as
    // pmacct's one socket; unicast exporters of the same daemon share it.
    let workers = if mcast_groups.is_empty() {
        workers()
    } else {
        1
    };
    Source::Udp {
        listen,
        rcvbuf: core.u64(pipe_size).map(|n| n as usize),
        workers,
        templates: None,
        opts: crate::udp::SockOpts {
            ipv6_only: core.bool(key::NFACCTD_IPV6_ONLY),
            mcast_groups,
        },
    }
}

/// One receiving worker per available core (SO_REUSEPORT spreads exporters over them), no
/// cap: the collector is limited by the machine.
pub fn workers() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .max(1)
}

/// Threads each aggregating plugin of a live collector accounts on, or
/// `PMACCT_RS_PLUGIN_SHARDS` (benchmarks compare 1 and N on one machine). Accounting a record
/// (key, index, counters) is about a fifth of the CPU its worker spends receiving, decoding
/// and producing it (profile of the tutorial aggregate: cache ~20%), so one shard keeps up
/// with four workers; a shard more costs every record a hand-over (~0.1 us measured on 2
/// cores), worth it only where one plugin thread would be the ceiling.
pub fn plugin_shards(workers: usize) -> usize {
    std::env::var("PMACCT_RS_PLUGIN_SHARDS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(workers.div_ceil(4))
        .max(1)
}

/// Batches a plugin's queue holds. pmacct's core-to-plugin ring is `plugin_pipe_size` bytes
/// of `plugin_buffer_size` chunks packed with records of ~100 bytes (its `pkt_data` and
/// extras); ours is a bounded channel of batches of up to [`crate::core::batch_records`]
/// records. The mapping keeps the number of records in flight: plugin_pipe_size / 100
/// records, in batches, at least 4. plugin_buffer_size is pmacct's hand-over unit: ours
/// is the batch (handed over when full, or when the socket idles), so it is validated
/// (clamped to plugin_pipe_size as pmacct) and logged, and bounds nothing else.
fn queue_batches(scope: &Scope) -> usize {
    let bytes = scope.u64(key::PLUGIN_PIPE_SIZE).unwrap_or_default() as usize;
    (bytes / 100 / crate::core::batch_records()).max(4)
}

/// pmacct's INFO line about a plugin's queue when either key is set, and ours with the
/// queue it maps to.
fn log_queue(p: &PluginInstance, batches: usize) {
    if !(p.scope.is_set(key::PLUGIN_PIPE_SIZE) || p.scope.is_set(key::PLUGIN_BUFFER_SIZE)) {
        return;
    }
    let pipe = p.scope.u64(key::PLUGIN_PIPE_SIZE).unwrap_or_default();
    let buffer = p
        .scope
        .u64(key::PLUGIN_BUFFER_SIZE)
        .unwrap_or(10240)
        .min(pipe);
    plog!(
        Info,
        &p.name,
        &p.kind,
        "plugin_pipe_size={} bytes plugin_buffer_size={} bytes (pmacct-rs queue: {} batches of up to {} records)",
        pipe,
        buffer,
        batches,
        crate::core::batch_records()
    );
}

/// `pcap_savefile` and its companion keys, when configured. A savefile libpcap cannot
/// open is refused here, before anything starts (pmacct 1.7.7 exits 1 with
/// `pcap_open_offline(): <path>: <reason>`).
pub fn savefile(core: &Scope, frames: bool) -> Result<Option<runtime::Savefile>, String> {
    let Some(path) = core.str(key::PCAP_SAVEFILE) else {
        return Ok(None);
    };
    crate::savefile::check_readable(path)?;
    Ok(Some(runtime::Savefile {
        path: path.to_string(),
        wait: core.bool(key::PCAP_SAVEFILE_WAIT),
        delay: core.u64(key::PCAP_SAVEFILE_DELAY).unwrap_or_default(),
        replay: core.u64(key::PCAP_SAVEFILE_REPLAY).unwrap_or_default(),
        frames,
    }))
}

/// A listen address (`nfacctd_ip`/`sfacctd_ip`, `-L`) that did not parse: pmacct 1.7.7
/// exits with `'<key>' value is not valid. Exiting.` rather than listening everywhere.
pub fn invalid_listen_ip(loaded: &Loaded) -> Option<String> {
    loaded
        .diagnostics
        .iter()
        .find(|d| {
            d.code == pmacct_config::Code::InvalidValue
                && d.key
                    .as_deref()
                    .is_some_and(|k| k == "nfacctd_ip" || k == "sfacctd_ip")
        })
        .map(|d| {
            format!(
                "'{}' value is not valid. Exiting.",
                d.key.as_deref().unwrap_or_default()
            )
        })
}

/// `metrics_http_listen`: `ip:port` (IPv6 as `[::1]:9955`).
fn metrics_listen(core: &Scope) -> Result<Option<std::net::SocketAddr>, String> {
    match core.str(key::METRICS_HTTP_LISTEN) {
        None => Ok(None),
        Some(v) => v.trim().parse().map(Some).map_err(|_| {
            format!("metrics_http_listen: '{v}' is not ip:port (e.g. 127.0.0.1:9955, [::1]:9955)")
        }),
    }
}

/// `--check-config`: one line per problem, then a summary; 0 clean, 1 errors (would not
/// start, or would run differently from what the file says), 2 warnings only.
fn check_config(profile: &Profile, loaded: &Loaded) -> i32 {
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
    // The daemon's start-up warning for a plugin without `aggregate` (1.7.7's core logs it).
    for p in &loaded.config.plugins {
        if crate::netmaps::defaults_to_src_host(p) {
            println!(
                "WARN ( {}/{} ): {}",
                p.name,
                p.kind,
                crate::netmaps::DEFAULT_AGGREGATION
            );
            warnings += 1;
        }
    }
    let mut error = |line: String| {
        println!("{line}");
        errors += 1;
    };
    // Custom primitives first: plugins' aggregates may use them.
    if !crate::netmaps::load_custom_primitives(profile.daemon, &loaded.config.core) {
        let path = loaded.config.core.str(key::AGGREGATE_PRIMITIVES);
        error(format!(
            "ERROR ( default/core ): [{}] file not found (aggregate_primitives).",
            path.unwrap_or_default()
        ));
    }
    let refused = crate::netmaps::check_net_methods(profile.daemon, &loaded.config.plugins).err();
    if let Some((i, lines)) = &refused {
        let p = &loaded.config.plugins[*i];
        for line in lines {
            error(format!("ERROR ( {}/{} ): {line}", p.name, p.kind));
        }
    }
    if let Err(e) = refused_keys(&loaded.config.core) {
        error(format!("ERROR ( default/core ): {e}"));
    }
    for e in files_owner(&loaded.config.core).1 {
        error(format!("ERROR ( default/core ): {e}"));
    }
    for (i, p) in loaded.config.plugins.iter().enumerate() {
        if refused.as_ref().is_some_and(|(r, _)| *r == i) {
            continue;
        }
        let res = check_plugin(p)
            .and_then(|_| crate::stages::plugin_stages(profile.daemon, p, 0, false).map(|_| ()));
        if let Err(e) = res {
            error(format!("ERROR ( {}/{} ): {e}", p.name, p.kind));
        }
    }
    if let Err(e) = core_stages(&loaded.config.core) {
        error(format!("ERROR ( default/core ): {e}"));
    }
    if let Err(e) = check_tee(profile.daemon, &loaded.config.plugins) {
        error(format!("ERROR ( default/core ): {e}"));
    }
    if let Err(e) = metrics_listen(&loaded.config.core) {
        error(format!("ERROR ( default/core ): {e}"));
    }
    if errors == 0 && warnings == 0 {
        println!("configuration OK");
        return 0;
    }
    println!(
        "configuration has {errors} error(s), {warnings} warning(s){}",
        if errors > 0 {
            ": it would not start, or would not run as written"
        } else {
            ": it runs as written"
        }
    );
    if errors > 0 {
        1
    } else {
        2
    }
}

/// `nfacctd_disable_checks` / `sfacctd_disable_checks` (one field, default true): when
/// false, the `collector=` label pmacct prints in its sequence-jump lines (`nfacctd_ip` as
/// written, or 0.0.0.0, and the port).
fn seq_checks(daemon: pmacct_config::Daemon, core: &Scope) -> Option<String> {
    use pmacct_config::Daemon;
    let port_key = match daemon {
        Daemon::Nfacctd => key::NFACCTD_PORT,
        Daemon::Sfacctd => key::SFACCTD_PORT,
        Daemon::Pmacctd | Daemon::Uacctd | Daemon::Pmbgpd => return None,
    };
    if core.bool(key::NFACCTD_DISABLE_CHECKS) {
        return None;
    }
    let ip = core
        .ip(key::NFACCTD_IP)
        .map_or_else(|| "0.0.0.0".to_string(), |a| a.to_string());
    // Reading a savefile, 1.7.7 has no collector port (0).
    let port = if core.is_set(key::PCAP_SAVEFILE) {
        0
    } else {
        core.u64(port_key).unwrap_or_default()
    };
    Some(format!("{ip}:{port}"))
}

/// nfacctd/sfacctd 1.7.7 take one capture method: `pcap_savefile` together with
/// `<daemon>_ip` or `<daemon>_port` (`-L`, `-l`) is refused with pmacct's line (the config
/// reader reports the conflict; this stops the start as 1.7.7 does).
fn capture_methods(daemon: pmacct_config::Daemon, core: &Scope) -> Result<(), String> {
    use pmacct_config::Daemon;
    let (ip, port, dots) = match daemon {
        Daemon::Nfacctd => (key::NFACCTD_IP, key::NFACCTD_PORT, "."),
        Daemon::Sfacctd => (key::SFACCTD_IP, key::SFACCTD_PORT, "..."),
        Daemon::Pmacctd | Daemon::Uacctd | Daemon::Pmbgpd => return Ok(()),
    };
    if core.is_set(key::PCAP_SAVEFILE) && (core.is_set(ip) || core.is_set(port)) {
        let d = daemon.name();
        return Err(format!(
            "pcap_savefile, {d}_ip, {d}_kafka_* and {d}_zmq_* are mutual exclusive. Exiting{dots}"
        ));
    }
    Ok(())
}

/// `files_uid` / `files_gid`: a user (group) name or a numeric id that exists, as 1.7.7
/// resolves them (`getpwnam`, else `getpwuid(atoi)`); an unknown one is ignored with
/// pmacct's warning.
fn files_owner(core: &Scope) -> ((Option<u32>, Option<u32>), Vec<String>) {
    let mut errors = Vec::new();
    let uid = core.str(key::FILES_UID).and_then(|v| {
        let r = crate::process::lookup_user(v.trim());
        if r.is_none() {
            errors.push(format!("Invalid 'files_uid' ('{v}'): ignored."));
        }
        r
    });
    let gid = core.str(key::FILES_GID).and_then(|v| {
        let r = crate::process::lookup_group(v.trim());
        if r.is_none() {
            errors.push(format!("Invalid 'files_gid' ('{v}'): ignored."));
        }
        r
    });
    ((uid, gid), errors)
}

/// Keys pmacct-rs reads only to refuse a configuration that asks for their feature (see
/// `pmacct_config::status`): the IS-IS daemon.
// One key left (bmp_daemon is implemented); the list is where the next refused daemon goes.
#[allow(clippy::single_element_loop)]
fn refused_keys(core: &Scope) -> Result<(), String> {
    for k in [key::ISIS_DAEMON] {
        let on = core.bool(k) || core.str(k).is_some_and(|v| v.eq_ignore_ascii_case("true"));
        if on {
            let why = match k.def().status() {
                pmacct_config::status::Status::Refused(w) => w,
                _ => "not supported",
            };
            return Err(format!("'{}: true' is refused: {why}. Exiting.", k.name()));
        }
    }
    Ok(())
}

/// The daemon's main: returns the process exit code.
pub fn main(profile: &Profile, argv: &[String]) -> i32 {
    let loaded: Loaded = match pmacct_config::load(profile.daemon, argv) {
        Ok(l) => l,
        Err(Failure::Usage(m)) => {
            eprintln!(
                "{}: {m}\n{}\n{}",
                profile.name(),
                profile.version_line(),
                (profile.usage)()
            );
            return 1;
        }
        Err(f) => {
            eprintln!("{f}");
            return 1;
        }
    };
    match loaded.action {
        Action::Help => {
            print!("{}\n{}", profile.version_line(), (profile.usage)());
            return 0;
        }
        Action::Version => {
            let kinds: Vec<&str> = PLUGIN_TYPES.iter().map(|t| t.kind.as_str()).collect();
            println!(
                "{}\n\nArguments:\n pmacct-rs: {} with {} plugins\n",
                profile.version_line(),
                profile.name(),
                kinds.join(" and ")
            );
            return 0;
        }
        Action::ListPrimitives => {
            // The listing of the daemon whose primitives it shares (uacctd: pmacctd's),
            // under its own banner.
            let list = pmacct_flow::list_primitives(profile.flow_daemon);
            let rest = list.split_once('\n').map_or("", |(_, r)| r);
            print!(
                "{} {} ({})\n{rest}",
                profile.title,
                pmacct_flow::primitives::PMACCT_VERSION,
                pmacct_flow::primitives::PMACCT_BUILD
            );
            return 0;
        }
        Action::CheckConfig => return check_config(profile, &loaded),
        Action::Run => {}
    }
    for d in &loaded.diagnostics {
        eprintln!("{d}");
    }
    let cfg = &loaded.config;
    let core = &cfg.core;
    let core_name = core
        .str(key::CORE_PROC_NAME)
        .unwrap_or_default()
        .to_string();

    // 1.7.7 handles `syslog` before daemonizing (its warning goes to the terminal).
    let syslog = crate::log::start_syslog(core.str(key::SYSLOG), &core_name);
    if core.bool(key::DAEMONIZE) {
        if let Err(e) = process::daemonize() {
            eprintln!("ERROR ( {core_name}/core ): daemonize failed: {e}");
            return 1;
        }
    }
    // pmacct creates its files 0600 unless files_umask says otherwise (set before the
    // logfile is opened: 1.7.7's logfile follows it too).
    let umask = core.u64(key::FILES_UMASK).unwrap_or(0o077) as libc::mode_t;
    // SAFETY: umask only changes this process's file-creation mask.
    unsafe { libc::umask(umask) };
    let (owner, owner_errors) = files_owner(core);
    pmacct_plugins::files::set_owner(owner.0, owner.1);
    if let Err(e) = crate::log::init(
        core.str(key::LOGFILE),
        syslog,
        core.bool(key::TIMESTAMPS_UTC),
    ) {
        eprintln!("ERROR ( {core_name}/core ): cannot open logfile: {e}");
        return 1;
    }
    crate::log::set_debug(core.bool(key::DEBUG));
    // Before the version line and before any thread starts (they inherit it), as 1.7.7.
    process::set_priority(
        core.num::<i32>(key::PROC_PRIORITY)
            .ok()
            .flatten()
            .unwrap_or(0),
        &core_name,
        "core",
    );
    plog!(Info, &core_name, "core", "{}", profile.version_line());
    if let Some(f) = &loaded.config_file {
        plog!(
            Info,
            &core_name,
            "core",
            "Reading configuration file '{}'.",
            f
        );
    }
    for e in owner_errors {
        plog!(Warn, &core_name, "core", "{}", e);
    }

    let flags = match signals::Flags::install() {
        Ok(f) => f,
        Err(e) => {
            plog!(Error, &core_name, "core", "signal setup failed: {}", e);
            return 1;
        }
    };
    if let Err(e) = refused_keys(core) {
        plog!(Error, &core_name, "core", "{}", e);
        return 1;
    }
    if let Err(e) = capture_methods(profile.daemon, core) {
        plog!(Error, &core_name, "core", "{}\n", e);
        return 1;
    }
    // pmacct refuses a plugin's `sampling_rate` next to `*_ext_sampling_rate`.
    if crate::netmaps::ext_sampling_rate(core).is_some()
        && cfg
            .plugins
            .iter()
            .any(|p| p.scope.u64(key::SAMPLING_RATE).is_some_and(|n| n > 0))
    {
        plog!(
            Error,
            &core_name,
            "core",
            "Internal packet sampling and external packet sampling are mutual exclusive."
        );
        return 1;
    }
    if let Err(e) = check_tee(profile.daemon, &cfg.plugins) {
        plog!(Error, &core_name, "core", "{}\n", e);
        return 1;
    }
    if profile.daemon == Daemon::Nfacctd {
        let tee = cfg.plugins.iter().any(|p| p.kind == PluginKind::Tee);
        if let Err(e) = crate::nfacctd::check_templates_receiver(core, tee) {
            plog!(Error, &core_name, "core", "{}\n", e);
            return 1;
        }
    }
    if let Some(m) = invalid_listen_ip(&loaded) {
        plog!(Error, &core_name, "core", "{}", m);
        return 1;
    }
    let input = match (profile.input)(core) {
        Ok(i) => i,
        Err(e) => {
            // Empty: the input logged its own reason (pmacctd's missing pcap_interfaces_map
            // is a WARN line, then exit 1, as 1.7.7).
            if !e.is_empty() {
                plog!(Error, &core_name, "core", "{}", e);
            }
            return 1;
        }
    };
    // Custom primitives first: plugins' aggregates may use them.
    if !crate::netmaps::load_custom_primitives(profile.daemon, core) {
        return 1;
    }
    if !crate::netmaps::check_aggregates(&core_name, &cfg.plugins) {
        return 1;
    }
    if let Err((i, lines)) = crate::netmaps::check_net_methods(profile.daemon, &cfg.plugins) {
        let p = &cfg.plugins[i];
        let last = lines.len() - 1;
        for (n, line) in lines.iter().enumerate() {
            // pmacct ends its line with "\n\n": a blank line follows the refusal.
            let blank = if n == last { "\n" } else { "" };
            plog!(Error, &p.name, &p.kind, "{line}{blank}");
        }
        return 1;
    }
    // The BGP daemon before the core stages: its lookup is one of them.
    if let Err(e) = crate::bgp::start(profile.daemon, core, input.link_type.unwrap_or(0)) {
        plog!(Error, &core_name, "core", "{}", e);
        return 1;
    }
    let mut stages = match core_stages(core) {
        Ok(s) => s,
        Err(e) => {
            plog!(Error, &core_name, "core", "{}", e);
            return 1;
        }
    };
    // nfacctd_allow_file / sfacctd_allow_file: checked on each datagram before decoding.
    let mut input = input;
    if let Some(path) = core.str(key::NFACCTD_ALLOW_FILE) {
        let shared = match crate::maps::SharedAllow::load(&core_name, path) {
            Ok(s) => s,
            Err(_) => return 1,
        };
        let inner = input.new_decoder;
        let s2 = shared.clone();
        input.new_decoder =
            Box::new(move || Box::new(crate::maps::AllowDecoder::new(inner(), s2.clone())));
        if crate::maps::refresh_enabled(core) {
            let name = core_name.clone();
            stages
                .reloaders
                .push(Box::new(move || shared.reload(&name)));
        }
    }
    // pmacctd's pre_tag_map filter= programs are compiled for the captured link type.
    let frame_linktype = input.link_type.unwrap_or(0);
    let no_l2 = input
        .link_type
        .filter(|&lt| !pmacct_flow::producer::packet::link_has_l2(lt))
        .map(|lt| (core_name.as_str(), lt));
    let now = SystemTime::now();
    let mut plugins = Vec::new();
    // Only a sampling_map that renormalizes by rate looks the map up per record (and so
    // frees pre_tag_map labels, see stages::SampledLabelReset).
    let label_reset = stages.renormalize_in_stages;
    for (i, p) in cfg.plugins.iter().enumerate() {
        let built = build_plugin(p, now, no_l2).and_then(|plugin| {
            Ok((
                plugin,
                crate::stages::plugin_stages(
                    profile.daemon,
                    p,
                    frame_linktype,
                    i == 0 && label_reset,
                )?,
            ))
        });
        match built {
            Ok((plugin, stages)) => {
                let queue_batches = queue_batches(&p.scope);
                log_queue(p, queue_batches);
                // Datagram plugins (tee) queue whole datagrams: bounded by plugin_pipe_size
                // bytes as pmacct's ring is.
                let queue = crate::pipeline::QueueBound {
                    batches: queue_batches,
                    bytes: plugin
                        .takes_datagrams()
                        .then(|| p.scope.u64(key::PLUGIN_PIPE_SIZE).unwrap_or_default() as usize),
                };
                plugins.push(PluginSpec {
                    plugin,
                    stages,
                    queue,
                    priority: p
                        .scope
                        .num::<i32>(key::PROC_PRIORITY)
                        .ok()
                        .flatten()
                        .filter(|v| *v != 0),
                })
            }
            Err(e) => {
                plog!(Error, &p.name, &p.kind, "{}", e);
                return 1;
            }
        }
    }
    // metrics_http_listen (pmacct-rs extension): bound now so a bad address stops the start.
    let metrics = match metrics_listen(core) {
        Ok(None) => None,
        Ok(Some(addr)) => {
            let m = crate::metrics::Metrics::new(profile.name());
            match crate::metrics::serve(addr, m.clone()) {
                Ok(srv) => {
                    plog!(
                        Info,
                        &core_name,
                        "core",
                        "metrics: serving http://{}/metrics",
                        srv.local_addr
                    );
                    // The handle is dropped: the thread serves until the process exits.
                    Some(m)
                }
                Err(e) => {
                    plog!(
                        Error,
                        &core_name,
                        "core",
                        "metrics_http_listen: cannot listen on {}: {}",
                        addr,
                        e
                    );
                    return 1;
                }
            }
        }
        Err(e) => {
            plog!(Error, &core_name, "core", "{}", e);
            return 1;
        }
    };
    let spec = Spec {
        core_name,
        source: input.source,
        data_label: input.data_label,
        pipe_size_key: input.pipe_size_key,
        renormalize: stages
            .renormalize
            .filter(|_| input.renormalize && !stages.renormalize_in_stages),
        plugins,
        pidfile: core.str(key::PIDFILE).map(str::to_string),
        new_decoder: input.new_decoder,
        new_core_stages: stages.new_stages,
        reloaders: stages.reloaders,
        metrics,
        seq_checks: seq_checks(profile.daemon, core),
        max_exporters: core
            .u64(key::EXPORTER_STATS_ENTRIES)
            .map_or(crate::core::DEFAULT_EXPORTER_STATS_ENTRIES, |n| {
                usize::try_from(n).unwrap_or(usize::MAX).max(1)
            }),
    };
    runtime::run(spec, flags)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each daemon's `-h` names its flags, each a registry key or an action, and vice versa.
    #[test]
    fn usage_text_and_flags_agree() {
        for profile in [
            &crate::nfacctd::PROFILE,
            &crate::sfacctd::PROFILE,
            &crate::pmacctd::PROFILE,
            &crate::uacctd::PROFILE,
        ] {
            pmacct_config::check_usage(profile.daemon, &(profile.usage)()).unwrap();
        }
    }

    #[test]
    fn probe_plugin_types_are_configured() {
        let l = pmacct_config::parse_str(
            Daemon::Pmacctd,
            Some("c.conf"),
            "plugins: sfprobe[n], print[p]\nprint_output: csv\n",
            &[],
        )
        .unwrap();
        assert!(check_plugin(&l.config.plugins[0]).is_ok());
        assert!(check_plugin(&l.config.plugins[1]).is_ok());
    }
}
