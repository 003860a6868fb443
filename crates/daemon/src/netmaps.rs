//! Custom primitives, networks_file, ports_file and sampling_map in the collector.
//!
//! - `aggregate_primitives` is read by the core before any plugin parses its `aggregate`
//!   ([`load_custom_primitives`]); it is not reloaded (pmacct does not either).
//! - `networks_file` and `ports_file` are plugin-scoped in pmacct (each plugin loads its own
//!   table and evaluates it on the flows it accounts): here they are plugin stages
//!   ([`plugin_stages`]), built from the plugin's scope, reloaded on SIGUSR2 with
//!   `maps_refresh`.
//! - `sampling_map` is a core stage ([`sampling_stage`]): it runs before plugins see a flow
//!   and owns `*_renormalize` when it is set (the core must not renormalize again).
//!
//! Reload: a reloader re-reads every file; one that cannot be read keeps the table in use
//! and logs why; a good one is published with a new generation that each stage picks up at
//! its next flow.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use pmacct_config::{key, Key, PluginInstance, Scope};
use pmacct_flow::custom::{self, CustomTable};
use pmacct_flow::{Aggregate, Flow, Renormalize, Stage};
use pmacct_maps::networks::{
    parse_as_method, parse_net_method, AsMethod, NetCheck, NetMethod, NetOptions, NetworksStage,
    NetworksTable,
};
use pmacct_maps::ports::PortsTable;
use pmacct_maps::sampling::{apply_flow_to_rd, apply_sampling, FlowToRdMap, SamplingMap};
use pmacct_maps::{Diag, Severity};

use crate::plog;

fn log_diags(name: &str, kind: &str, diags: &[Diag]) {
    for d in diags {
        match d.severity {
            Severity::Info => plog!(Info, name, kind, "{}", d.err),
            Severity::Warn => plog!(Warn, name, kind, "{}", d.err),
            Severity::Error => plog!(Error, name, kind, "{}", d.err),
        }
    }
}

fn daemon_prefix(d: pmacct_config::Daemon) -> &'static str {
    match d.name() {
        "sfacctd" => "sfacctd",
        "pmacctd" => "pmacctd",
        "uacctd" => "uacctd",
        _ => "nfacctd",
    }
}

/// Read `aggregate_primitives` (if set) and register its table, logging as pmacct's core
/// does. False: the file is missing, which 1.7.7 logs as a warning and then exits on
/// (`load_id_file` at start-up has no old map to roll back to), whatever the aggregates.
#[must_use]
pub fn load_custom_primitives(daemon: pmacct_config::Daemon, core: &Scope) -> bool {
    let Some(path) = core.str(key::AGGREGATE_PRIMITIVES) else {
        return true;
    };
    let name = core.str(key::CORE_PROC_NAME).unwrap_or_default();
    plog!(Info, name, "core", "[{path}] (re)loading map.");
    let text = match pmacct_maps::read(path, 16 << 20) {
        Ok(t) => t,
        Err(_) => {
            plog!(Warn, name, "core", "[{path}] file not found.");
            custom::register(CustomTable::default());
            return false;
        }
    };
    // `len=vlen` is accepted by nfacctd and pmacctd only.
    let vlen_ok = matches!(daemon_prefix(daemon), "nfacctd" | "pmacctd" | "uacctd");
    let table = CustomTable::parse(path, &text, vlen_ok, &mut |w| {
        plog!(Warn, name, "core", "{w}")
    });
    plog!(Info, name, "core", "[{path}] map successfully (re)loaded.");
    custom::register(table);
    true
}

/// A file shared by the stages that use it: its current parsed form and generation.
struct Shared<T> {
    gen: AtomicU64,
    cur: Mutex<Arc<T>>,
}

impl<T> Shared<T> {
    fn get(&self) -> Option<(u64, Arc<T>)> {
        let g = self.gen.load(Ordering::Acquire);
        self.cur.lock().ok().map(|c| (g, c.clone()))
    }
    fn publish(&self, v: T) {
        if let Ok(mut c) = self.cur.lock() {
            *c = Arc::new(v);
            self.gen.fetch_add(1, Ordering::AcqRel);
        }
    }
}

/// Loaded networks files, by (path, filter), and the plugins that log for them.
type NetKey = (String, bool);
struct NetShared {
    shared: Shared<Option<NetworksTable>>,
    /// (plugin name, plugin type) of every user, to log reload diagnostics as each would.
    users: Mutex<Vec<(String, String)>>,
}

fn net_registry() -> &'static Mutex<HashMap<NetKey, Arc<NetShared>>> {
    static R: OnceLock<Mutex<HashMap<NetKey, Arc<NetShared>>>> = OnceLock::new();
    R.get_or_init(Default::default)
}

fn ports_registry() -> &'static Mutex<HashMap<String, Arc<Shared<PortsTable>>>> {
    static R: OnceLock<Mutex<HashMap<String, Arc<Shared<PortsTable>>>>> = OnceLock::new();
    R.get_or_init(Default::default)
}

/// Load a networks file for one plugin as pmacct's `load_networks()`; None when the file is
/// missing and pmacct goes on without it. Err when pmacct exits.
fn load_networks(
    name: &str,
    kind: &str,
    path: &str,
    filter: bool,
    keep_both: bool,
) -> Result<Option<NetworksTable>, String> {
    match NetworksTable::load(path, filter) {
        Ok((t, diags)) => {
            log_diags(name, kind, &diags);
            Ok(Some(t))
        }
        Err(_) if keep_both => {
            plog!(Error, name, kind, "[{path}] file not found.");
            Err(format!("[{path}] file not found."))
        }
        Err(_) => {
            // Once per address family, as pmacct's two loaders.
            plog!(Warn, name, kind, "[{path}] file not found.");
            plog!(Warn, name, kind, "[{path}] file not found.");
            Ok(None)
        }
    }
}

/// The networks evaluation of one plugin, following reloads.
struct NetStage {
    shared: Arc<NetShared>,
    gen: u64,
    inner: NetworksStage,
    opts: NetOptions,
    agg: Aggregate,
}

impl Stage for NetStage {
    fn apply(&mut self, f: &mut Flow) -> bool {
        let g = self.shared.shared.gen.load(Ordering::Acquire);
        if g != self.gen {
            if let Some((g, t)) = self.shared.shared.get() {
                let table = (*t).clone().map(Arc::new);
                self.inner = NetworksStage::new(table, self.opts, &self.agg);
                self.gen = g;
            }
        }
        self.inner.apply(f)
    }
}

struct PortsStage {
    shared: Arc<Shared<PortsTable>>,
    gen: u64,
    table: Arc<PortsTable>,
}

impl Stage for PortsStage {
    fn apply(&mut self, f: &mut Flow) -> bool {
        if self.shared.gen.load(Ordering::Acquire) != self.gen {
            if let Some((g, t)) = self.shared.get() {
                self.table = t;
                self.gen = g;
            }
        }
        self.table.apply(f)
    }
}

/// The plugin's networks options from its scope (`<daemon>_net` is plugin-scoped,
/// `<daemon>_as` is global in pmacct). Defaults: the exported values (pmacct's KEEP).
fn net_options(daemon: pmacct_config::Daemon, scope: &Scope) -> Result<NetOptions, String> {
    let pre = daemon_prefix(daemon);
    let flow_daemon = matches!(pre, "nfacctd" | "sfacctd");
    let mut o = NetOptions {
        filter: scope.bool(key::NETWORKS_FILE_FILTER),
        no_lpm: scope.bool(key::NETWORKS_FILE_NO_LPM),
        no_mask_if_zero: scope.bool(key::NETWORKS_NO_MASK_IF_ZERO),
        networks_mask: scope.u64(key::NETWORKS_MASK).unwrap_or(0).min(128) as u8,
        // bgp_daemon is an enum ("true"/"false") in the registry, bmp_daemon a boolean.
        bgp_daemon: scope.str(key::BGP_DAEMON) == Some("true") || scope.bool(key::BMP_DAEMON),
        isis_daemon: scope.bool(key::ISIS_DAEMON),
        packet_daemon: !flow_daemon,
        ..Default::default()
    };
    o.net.keep = true;
    o.asm.keep = true;
    // `<daemon>_net` and `<daemon>_as[_new]` each share one field: reading one reads any.
    if let Some(v) = scope.str(key::NFACCTD_NET) {
        o.net = parse_net_method(v, flow_daemon)?;
    }
    if let Some(v) = scope.str(key::NFACCTD_AS) {
        o.asm = parse_as_method(v, flow_daemon)?;
    }
    Ok(o)
}

/// networks_file and ports_file stages of plugin `p`, in pmacct's order (networks, then
/// ports), for a plugin whose aggregate is `agg`.
pub fn plugin_stages(
    daemon: pmacct_config::Daemon,
    p: &PluginInstance,
    agg: &Aggregate,
) -> Result<Vec<Box<dyn Stage>>, String> {
    let scope = &p.scope;
    let kind = p.kind.as_str();
    let mut stages: Vec<Box<dyn Stage>> = Vec::new();
    let opts = net_options(daemon, scope)?;
    // Masks, networks and peer_dst_ip from the BGP daemon's lookups (`*_net: bgp|longest`),
    // before the networks file as in pmacct.
    stages.extend(crate::bgp::net_stage(opts.net, opts.no_mask_if_zero));
    let file = scope.str(key::NETWORKS_FILE);
    // check_net_methods ran before any plugin started: an Err here is not logged again.
    let opts = opts
        .resolve(agg, file.is_some())
        .map_err(|e| net_check_lines(daemon, scope, e).join(" "))?;
    let needs_stage = file.is_some() || (opts.net.mask && opts.networks_mask != 0);
    if needs_stage {
        let shared = match file {
            None => Arc::new(NetShared {
                shared: Shared {
                    gen: AtomicU64::new(0),
                    cur: Mutex::new(Arc::new(None)),
                },
                users: Mutex::new(Vec::new()),
            }),
            Some(path) => {
                // 1.7.7 exits on a missing file only when both methods keep the exported
                // values; pmacctd and uacctd have no such default (`set_default_preferences`
                // sets KEEP for nfacctd and sfacctd only), so there it warns and goes on.
                let keep_both = !opts.packet_daemon && opts.net.keep && opts.asm.keep;
                networks_shared(p, path, opts.filter, keep_both)?
            }
        };
        let (gen, table) = shared.shared.get().ok_or("poisoned")?;
        let inner = NetworksStage::new((*table).clone().map(Arc::new), opts, agg);
        stages.push(Box::new(NetStage {
            shared,
            gen,
            inner,
            opts,
            agg: *agg,
        }));
    }
    if let Some(path) = scope.str(key::PORTS_FILE) {
        let mut reg = ports_registry().lock().map_err(|_| "poisoned")?;
        let (t, diags) = PortsTable::load(path).map_err(|e| {
            plog!(Error, &p.name, kind, "[{path}] file not found.");
            e.to_string()
        })?;
        log_diags(&p.name, kind, &diags);
        plog!(Info, &p.name, kind, "[{path}] map successfully (re)loaded.");
        let s = reg
            .entry(path.to_string())
            .or_insert_with(|| {
                Arc::new(Shared {
                    gen: AtomicU64::new(0),
                    cur: Mutex::new(Arc::new(t)),
                })
            })
            .clone();
        let (gen, table) = s.get().ok_or("poisoned")?;
        stages.push(Box::new(PortsStage {
            shared: s,
            gen,
            table,
        }));
    }
    Ok(stages)
}

/// The table of networks file `path` for plugin `p`, shared by the plugins that load it
/// with the same `filter`; loaded (and logged, by pmacct's core then the plugin) on first use.
fn networks_shared(
    p: &PluginInstance,
    path: &str,
    filter: bool,
    keep_both: bool,
) -> Result<Arc<NetShared>, String> {
    let kind = p.kind.as_str();
    let key = (path.to_string(), filter);
    let mut reg = net_registry().lock().map_err(|_| "poisoned")?;
    if !reg.contains_key(&key) {
        // pmacct's core loads the file too, and logs the same lines.
        let core_name = p.scope.str(key::CORE_PROC_NAME).unwrap_or_default();
        load_networks(core_name, "core", path, filter, keep_both)?;
    }
    let table = load_networks(&p.name, kind, path, filter, keep_both)?;
    let s = reg
        .entry(key)
        .or_insert_with(|| {
            Arc::new(NetShared {
                shared: Shared {
                    gen: AtomicU64::new(0),
                    cur: Mutex::new(Arc::new(table)),
                },
                users: Mutex::new(Vec::new()),
            })
        })
        .clone();
    if let Ok(mut u) = s.users.lock() {
        u.push((p.name.clone(), kind.to_string()));
    }
    Ok(s)
}

/// sfprobe's networks_file lookup: 1.7.7's sfprobe plugin runs it on each sampled packet
/// for the ASNs, masks and next hop of its gateway and router elements, with its own rules
/// (`sfprobe_plugin.c`, pmacctd.c's sfprobe checks) rather than an aggregate's:
/// - `pmacctd_as` / `pmacctd_net` unset take nothing from the file (no `file` default); a
///   `longest`/`fallback` method takes the file in;
/// - the core hands the plugin the packet's addresses only when the AS method takes the
///   file or the networks method is exactly `file`: otherwise every lookup misses;
/// - no start-up checks (a `bgp` method without a BGP daemon is not refused).
///
/// Results land in the flow's `src_as`, `dst_as`, `src_mask`, `dst_mask`, `peer_dst_ip`.
pub fn sfprobe_stage(
    daemon: pmacct_config::Daemon,
    p: &PluginInstance,
) -> Result<Option<Box<dyn Stage>>, String> {
    let scope = &p.scope;
    let Some(path) = scope.str(key::NETWORKS_FILE) else {
        return Ok(None);
    };
    let flow_daemon = matches!(daemon_prefix(daemon), "nfacctd" | "sfacctd");
    let mut net = match scope.str(key::NFACCTD_NET) {
        Some(v) => parse_net_method(v, flow_daemon)?,
        None => NetMethod::default(),
    };
    let mut asm = match scope.str(key::NFACCTD_AS) {
        Some(v) => parse_as_method(v, flow_daemon)?,
        None => AsMethod::default(),
    };
    net.file |= net.fallback;
    asm.file |= asm.fallback;
    let exactly_file = NetMethod {
        file: true,
        ..NetMethod::default()
    };
    let addresses = asm.file || net == exactly_file;
    let opts = NetOptions {
        net,
        asm,
        filter: scope.bool(key::NETWORKS_FILE_FILTER),
        no_lpm: scope.bool(key::NETWORKS_FILE_NO_LPM),
        packet_daemon: !flow_daemon,
        ..NetOptions::default()
    };
    let agg = Aggregate::parse(
        &["src_as", "dst_as", "src_mask", "dst_mask", "peer_dst_ip"].map(String::from),
    )
    .map_err(|e| e.to_string())?;
    let shared = networks_shared(p, path, opts.filter, false)?;
    let (gen, table) = shared.shared.get().ok_or("poisoned")?;
    let inner = NetworksStage::new((*table).clone().map(Arc::new), opts, &agg);
    Ok(Some(Box::new(SfprobeNetStage {
        net: NetStage {
            shared,
            gen,
            inner,
            opts,
            agg,
        },
        addresses,
    })))
}

struct SfprobeNetStage {
    net: NetStage,
    /// The lookups see the packet's addresses (else none: every lookup misses).
    addresses: bool,
}

impl Stage for SfprobeNetStage {
    fn apply(&mut self, f: &mut Flow) -> bool {
        if !self.addresses {
            f.prims.src_ip = None;
            f.prims.dst_ip = None;
        }
        self.net.apply(f)
    }
}

/// Re-read every networks and ports file in use (SIGUSR2 with `maps_refresh`). A file that
/// cannot be read keeps its table.
pub fn reload_plugin_maps() -> Result<(), String> {
    let mut errs = Vec::new();
    let nets: Vec<(NetKey, Arc<NetShared>)> = net_registry()
        .lock()
        .map(|r| r.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    for ((path, filter), s) in nets {
        match NetworksTable::load(&path, filter) {
            Ok((t, diags)) => {
                let users = s.users.lock().map(|u| u.clone()).unwrap_or_default();
                for (n, k) in &users {
                    log_diags(n, k, &diags);
                }
                s.shared.publish(Some(t));
            }
            Err(e) => errs.push(format!("{e}; keeping the networks table in use")),
        }
    }
    let ports: Vec<(String, Arc<Shared<PortsTable>>)> = ports_registry()
        .lock()
        .map(|r| r.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    for (path, s) in ports {
        match PortsTable::load(&path) {
            Ok((t, _)) => s.publish(t),
            Err(e) => errs.push(format!("{e}; keeping the ports table in use")),
        }
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(errs.join("; "))
    }
}

/// A core map stage (sampling_map, flow_to_rd_map): a factory for one stage per worker and
/// a reloader for SIGUSR2.
pub struct CoreMapStage {
    pub new_stage: Box<dyn Fn() -> Box<dyn Stage> + Send + Sync>,
    pub reload: Box<dyn FnMut() -> Result<(), String> + Send>,
}

/// One worker's stage over a shared, reloadable map.
struct MapStage<M, F> {
    shared: Arc<Shared<M>>,
    gen: u64,
    map: Arc<M>,
    apply: fn(&M, &mut Flow, F) -> bool,
    flag: F,
    lookups: Option<Lookups<M>>,
}

/// Exporters a pmacct-like lookup cache holds (then it starts over): bounds the state a
/// stream of spoofed exporter addresses can make.
const MAX_CACHED_LOOKUPS: usize = 65_536;

/// pmacct's per-exporter cache of sampling_map lookups (`xflow_status_entry.st`): a lookup
/// runs for the first record of each (exporter, source id) after start-up or a map reload,
/// or for every record when the map cannot be cached; each run marks the flow
/// `label_reset` (the lookup frees the record's pre_tag_map label in pmacct).
struct Lookups<M> {
    seen: HashSet<(Option<IpAddr>, u32, u8)>,
    cached: fn(&M) -> bool,
}

impl<M: Send + Sync, F: Copy + Send> Stage for MapStage<M, F> {
    fn apply(&mut self, f: &mut Flow) -> bool {
        if self.shared.gen.load(Ordering::Acquire) != self.gen {
            if let Some((g, m)) = self.shared.get() {
                self.map = m;
                self.gen = g;
                if let Some(l) = &mut self.lookups {
                    l.seen.clear();
                }
            }
        }
        if let Some(l) = &mut self.lookups {
            let key = (
                f.prims.peer_src_ip,
                f.prims.export_proto_sysid,
                f.prims.engine_type,
            );
            let cached = (l.cached)(&self.map) && l.seen.contains(&key);
            if !cached {
                f.label_reset = true;
                if (l.cached)(&self.map) {
                    if l.seen.len() >= MAX_CACHED_LOOKUPS {
                        l.seen.clear();
                    }
                    l.seen.insert(key);
                }
            }
        }
        (self.apply)(&self.map, f, self.flag)
    }
}

type LoadFn<M> = fn(&str, usize) -> Result<(M, Vec<Diag>), pmacct_maps::MapError>;

/// Read a core map as pmacct logs it; None when it cannot be read.
fn load_core_map<M>(name: &str, path: &str, max: usize, load: LoadFn<M>) -> Option<M> {
    plog!(Info, name, "core", "[{path}] (re)loading map.");
    match load(path, max) {
        Ok((m, diags)) => {
            log_diags(name, "core", &diags);
            plog!(Info, name, "core", "[{path}] map successfully (re)loaded.");
            Some(m)
        }
        Err(_) => {
            plog!(Warn, name, "core", "[{path}] file not found.");
            None
        }
    }
}

/// The core stage of the map named by `key` in the core scope (None without it): `apply`
/// runs on every flow with `flag`.
fn core_map_stage<M: Default + Send + Sync + 'static, F: Copy + Send + Sync + 'static>(
    core: &Scope,
    key: Key,
    load: LoadFn<M>,
    apply: fn(&M, &mut Flow, F) -> bool,
    flag: F,
    lookups: Option<fn(&M) -> bool>,
) -> Option<CoreMapStage> {
    let path = core.str(key)?.to_string();
    let name = core
        .str(key::CORE_PROC_NAME)
        .unwrap_or_default()
        .to_string();
    let max = core
        .u64(key::MAPS_ENTRIES)
        .unwrap_or_default()
        .clamp(1, 10_000_000) as usize;
    let map = load_core_map(&name, &path, max, load).unwrap_or_default();
    let shared = Arc::new(Shared {
        gen: AtomicU64::new(0),
        cur: Mutex::new(Arc::new(map)),
    });
    let s2 = shared.clone();
    let new_stage = Box::new(move || -> Box<dyn Stage> {
        let (gen, map) = s2.get().unwrap_or_else(|| (0, Arc::new(M::default())));
        Box::new(MapStage {
            shared: s2.clone(),
            gen,
            map,
            apply,
            flag,
            lookups: lookups.map(|cached| Lookups {
                seen: HashSet::new(),
                cached,
            }),
        })
    });
    let reload = Box::new(move || match load_core_map(&name, &path, max, load) {
        Some(m) => {
            shared.publish(m);
            Ok(())
        }
        None => Err(format!(
            "[{path}] unreadable; keeping the {} in use",
            key.name()
        )),
    });
    Some(CoreMapStage { new_stage, reload })
}

/// `sampling_map` of the core scope, with the daemon's `*_renormalize`: when it is Some,
/// the stage renormalizes by rate and the core must not (with `*_ext_sampling_rate` the
/// core scales the counters and the stage only reports the rate as renormalized).
pub fn sampling_stage(core: &Scope, renormalize: Option<Renormalize>) -> Option<CoreMapStage> {
    core_map_stage(
        core,
        key::SAMPLING_MAP,
        SamplingMap::load,
        apply_sampling,
        renormalize,
        // pmacct looks the map up (NF_counters_map_renormalize_handler) when it
        // renormalizes by the map's rate.
        (renormalize == Some(Renormalize::ByRate))
            .then_some(SamplingMap::lookups_cached as fn(&SamplingMap) -> bool),
    )
}

/// `flow_to_rd_map` of the core scope: a core stage setting `mpls_vpn_rd`.
pub fn flow_to_rd_stage(core: &Scope) -> Option<CoreMapStage> {
    core_map_stage(
        core,
        key::FLOW_TO_RD_MAP,
        FlowToRdMap::load_rd,
        |m, f, ()| apply_flow_to_rd(m, f),
        (),
        None,
    )
}

/// `<daemon>_renormalize` of the core scope (one field shared by the four daemons' keys),
/// by `<daemon>_ext_sampling_rate` when that is set (likewise one shared field).
pub fn renormalize(core: &Scope) -> Option<Renormalize> {
    core.bool(key::SFACCTD_RENORMALIZE)
        .then(|| Renormalize::new(ext_sampling_rate(core)))
}

/// `<daemon>_ext_sampling_rate` of the core scope (one field shared by the four daemons'
/// keys).
pub fn ext_sampling_rate(core: &Scope) -> Option<u32> {
    core.u64(key::NFACCTD_EXT_SAMPLING_RATE)
        .map(|n| u32::try_from(n).unwrap_or(u32::MAX))
}

/// The lines pmacct 1.7.7 logs (`ERROR ( plugin/kind ): ...`, each daemon with its own
/// wording) when it refuses a plugin's `<daemon>_as` / `<daemon>_net`, followed for BGP and
/// IS-IS methods by one line of ours naming the real cause (pmacct's line lists every key
/// that could have given networks, even ones that are set).
pub fn net_check_lines(daemon: pmacct_config::Daemon, scope: &Scope, e: NetCheck) -> Vec<String> {
    let pre = daemon_prefix(daemon);
    let sf = pre == "sfacctd";
    let packet = matches!(pre, "pmacctd" | "uacctd");
    let net_value = scope.str(key::NFACCTD_NET).unwrap_or_default().trim();
    let as_value = scope.str(key::NFACCTD_AS).unwrap_or_default().trim();
    let daemon_hint = "neither 'bgp_daemon' nor 'bmp_daemon' is enabled";
    match e {
        NetCheck::AsNoFile if sf => {
            vec!["AS aggregation was selected but NO 'networks_file' specified. Exiting...".into()]
        }
        NetCheck::AsNoFile => {
            vec!["AS aggregation selected but NO 'networks_file' specified. Exiting.".into()]
        }
        NetCheck::AsNoBgp => vec![
            format!(
                "AS aggregation selected but 'bgp_daemon' or 'bmp_daemon' is not enabled. {}",
                if sf { "Exiting..." } else { "Exiting." }
            ),
            format!("'{pre}_as: {as_value}' takes ASNs from BGP only and {daemon_hint}."),
        ],
        NetCheck::AsNoFileOrMethod => vec![format!(
            "AS aggregation selected but NO 'networks_file' or '{pre}_as' are specified. Exiting..."
        )],
        NetCheck::NetNoSource => {
            let mut v = vec![format!(
                "network aggregation selected but none of 'bgp_daemon', 'bmp_daemon', \
                 'isis_daemon', 'networks_file', 'networks_mask' is specified. {}",
                if sf || packet {
                    "Exiting ..."
                } else {
                    "Exiting."
                }
            )];
            let method = net_value.to_ascii_lowercase();
            if matches!(method.as_str(), "bgp" | "bmp") {
                v.push(format!(
                    "'{pre}_net: {net_value}' takes networks from BGP only and {daemon_hint}."
                ));
            } else if method == "igp" {
                v.push(format!(
                    "'{pre}_net: {net_value}' takes networks from IS-IS only and 'isis_daemon' \
                     is not enabled."
                ));
            }
            v
        }
        NetCheck::BgpNotImplemented => vec![format!(
            "'{pre}_as: {}' / '{pre}_net: {}' need ASNs or networks from the BGP, BMP or IS-IS \
             daemon, which pmacct-rs does not implement yet. Exiting.",
            if as_value.is_empty() { "-" } else { as_value },
            if net_value.is_empty() { "-" } else { net_value },
        )],
    }
}

/// pmacct's core checks of every plugin's `<daemon>_as` / `<daemon>_net` against its
/// aggregate, before any plugin starts (nfacctd.c and its siblings exit on the first that
/// fails): Err(plugin index, lines to log as that plugin's errors). Plugins whose aggregate
/// does not parse are left to [`check_aggregates`].
pub fn check_net_methods(
    daemon: pmacct_config::Daemon,
    plugins: &[PluginInstance],
) -> Result<(), (usize, Vec<String>)> {
    for (i, p) in plugins.iter().enumerate() {
        let tokens = p.scope.list(key::AGGREGATE).unwrap_or_default();
        let Ok(agg) = Aggregate::parse(&tokens) else {
            continue;
        };
        let Ok(opts) = net_options(daemon, &p.scope) else {
            continue;
        };
        let have_file = p.scope.str(key::NETWORKS_FILE).is_some();
        if let Err(e) = opts.resolve(&agg, have_file) {
            return Err((i, net_check_lines(daemon, &p.scope, e)));
        }
    }
    Ok(())
}

/// What 1.7.7's core logs for a plugin of [`defaults_to_src_host`] (a WARN).
pub const DEFAULT_AGGREGATION: &str = "defaulting to SRC HOST aggregation.";

/// The plugin's `aggregate` tokens, if the key is set.
fn set_aggregate(p: &PluginInstance) -> Option<Vec<String>> {
    p.scope
        .list(key::AGGREGATE)
        .filter(|_| p.scope.is_set(key::AGGREGATE))
}

/// 1.7.7's core warns [`DEFAULT_AGGREGATION`] for every plugin but the probes and tee when
/// nothing is aggregated (the key table's default, src_host, is what the plugin then uses).
pub fn defaults_to_src_host(p: &PluginInstance) -> bool {
    !matches!(p.kind.as_str(), "nfprobe" | "sfprobe" | "tee")
        && set_aggregate(p).is_none_or(|t| t.iter().all(|x| x.is_empty()))
}

/// pmacct resolves every plugin's `aggregate` (custom primitives included) in the core while
/// reading the configuration: an unknown name is the core's error, `ERROR ( <core>/core ):
/// Unknown primitive 'x'`, before any plugin starts. False (logged) if one is unknown.
pub fn check_aggregates(core_name: &str, plugins: &[PluginInstance]) -> bool {
    for p in plugins {
        let kind = p.kind.as_str();
        if defaults_to_src_host(p) {
            plog!(Warn, &p.name, kind, "{DEFAULT_AGGREGATION}");
        }
        if let Some(tokens) = set_aggregate(p) {
            if let Err(e @ pmacct_flow::AggregateError::Unknown(_)) = Aggregate::parse(&tokens) {
                plog!(Error, core_name, "core", "{e}");
                return false;
            }
        }
    }
    true
}
