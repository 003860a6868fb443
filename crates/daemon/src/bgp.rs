//! `bgp_daemon: true` in nfacctd/sfacctd: the speaker thread, the per-flow RIB lookup (a
//! core stage, as 1.7.7's `bgp_srcdst_lookup()` runs in the core) and the per-plugin part of
//! 1.7.7's handlers that depends on the plugin's `*_net` (masks, networks, `peer_dst_ip`).
//!
//! What 1.7.7 decides, and where it is decided here:
//! - the peer: the exporter's address (session address or BGP id), or `bgp_agent_map`'s
//!   `bgp_ip` for it ([`BgpLookup`]);
//! - the longest-match method of each side (`lm_method_*`): BGP when its prefix is at least
//!   as long as the mask the flow carries, else the flow's own;
//! - `*_as` (global in 1.7.7): with `bgp` (or `longest` when BGP won) `bgp_ext_handler`
//!   fills `as_path`, communities, `local_pref`, `med`, `peer_dst_as`, `src_as`/`dst_as` and
//!   the `src_*` forms their `bgp_src_*_type` allows; the flow's own ASNs stay only with
//!   `netflow`/`sflow` (or `longest` when the flow's mask won) ([`BgpLookup`]);
//! - `*_net` (per plugin): masks, networks and `peer_dst_ip` from BGP with `bgp` (or
//!   `longest` when BGP won) ([`BgpNetStage`]).

use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::Ordering;
use std::sync::{Arc, OnceLock};

use pmacct_bgp::attr::{parse_patterns, RenderOptions};
use pmacct_bgp::speaker::{self, Level as BgpLevel, SpeakerConfig, SpeakerHandle, Stats};
use pmacct_bgp::Peers;
use pmacct_config::{key, Scope};
use pmacct_flow::flow::mask_addr;
use pmacct_flow::{Flow, Stage};
use pmacct_maps::bgp_agent::AgentMap;
use pmacct_maps::networks::{AsMethod, NetMethod};

use crate::plog;

/// The running BGP daemon of this process.
pub struct Bgp {
    pub peers: Arc<Peers>,
    pub stats: Arc<Stats>,
    /// Kept for the life of the process (the thread stops with it).
    _handle: SpeakerHandle,
    lookup: LookupConfig,
}

static BGP: OnceLock<Bgp> = OnceLock::new();

/// The BGP daemon, once started.
pub fn get() -> Option<&'static Bgp> {
    BGP.get()
}

/// `bgp_daemon` is on.
pub fn enabled(core: &Scope) -> bool {
    core.str(key::BGP_DAEMON) == Some("true")
}

/// `bgp_*_type` values (1.7.7's `BGP_SRC_PRIMITIVES_*` bits).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SrcType {
    pub keep: bool,
    pub bgp: bool,
    pub map: bool,
}

/// `bgp_peer_src_as_type` (and, with `bgp`/`map` only, the `bgp_src_*_type` keys): unknown
/// values are ignored with 1.7.7's warning.
fn src_type(core: &Scope, k: pmacct_config::Key, with_keep: bool) -> Result<SrcType, String> {
    let mut t = SrcType::default();
    let Some(v) = core.str(k) else {
        return Ok(t);
    };
    let v = v.trim().to_ascii_lowercase();
    match v.as_str() {
        "netflow" | "sflow" if with_keep => t.keep = true,
        "fallback" | "longest" if with_keep => {
            t.keep = true;
            t.bgp = true;
        }
        "bgp" => t.bgp = true,
        "map" => t.map = true,
        _ => {
            plog!(
                Warn,
                "default",
                "core",
                "Ignoring unknown '{}' value.",
                k.name()
            );
        }
    }
    if t.map {
        // The *_map files (bgp_peer_src_as_map, bgp_src_local_pref_map, bgp_src_med_map)
        // are not implemented: refusing beats accounting 0 where 1.7.7 would map a value.
        return Err(format!(
            "'{}: map' is not supported by pmacct-rs yet (its map file is not implemented). Exiting.",
            k.name()
        ));
    }
    Ok(t)
}

/// What the lookup stage needs from the configuration (all global keys in 1.7.7).
#[derive(Debug, Clone, Default)]
pub(crate) struct LookupConfig {
    asm: AsMethod,
    peer_src_as: SrcType,
    src_as_path: SrcType,
    src_std_comm: SrcType,
    src_ext_comm: SrcType,
    src_lrg_comm: SrcType,
    src_local_pref: SrcType,
    src_med: SrcType,
    agent_map: Option<Arc<AgentMap>>,
}

/// Speaker lines come whole ("INFO ( name/core/BGP ): ..."): logged again under `process`
/// ("core/BGP" in the flow daemons, "core" in pmbgpd), the logger adding the prefix itself.
pub(crate) fn log_line(core_name: &str, process: &str, level: BgpLevel, line: &str) {
    let msg = line
        .split_once("): ")
        .filter(|(p, _)| p.contains("/core/BGP"))
        .map_or(line, |(_, m)| m);
    match level {
        BgpLevel::Debug => plog!(Debug, core_name, process, "{}", msg),
        BgpLevel::Info => plog!(Info, core_name, process, "{}", msg),
        BgpLevel::Warn => plog!(Warn, core_name, process, "{}", msg),
        BgpLevel::Error => plog!(Error, core_name, process, "{}", msg),
    }
}

/// Start the BGP daemon if `bgp_daemon: true`. Err: pmacct's reason to exit (already worded).
pub fn start(daemon: pmacct_config::Daemon, core: &Scope) -> Result<(), String> {
    // `bmp_daemon` shares the lookup settings (crate::bmp runs its collector).
    let bmp = crate::bmp::check(daemon, core)?;
    if !enabled(core) && !bmp {
        return Ok(());
    }
    let core_name = core
        .str(key::CORE_PROC_NAME)
        .unwrap_or("default")
        .to_string();
    let flow_daemon = matches!(
        daemon,
        pmacct_config::Daemon::Nfacctd | pmacct_config::Daemon::Sfacctd
    );
    if !flow_daemon {
        return Err(format!(
            "'bgp_daemon: true' is supported by nfacctd and sfacctd only in pmacct-rs ({} has no BGP lookups yet). Exiting.",
            daemon.name()
        ));
    }
    let asm = match core.str(key::NFACCTD_AS) {
        Some(v) => pmacct_maps::networks::parse_as_method(v, true)?,
        None => AsMethod {
            keep: true,
            ..Default::default()
        },
    };
    let lookup = LookupConfig {
        asm,
        peer_src_as: src_type(core, key::BGP_PEER_SRC_AS_TYPE, true)?,
        src_as_path: src_type(core, key::BGP_SRC_AS_PATH_TYPE, false)?,
        src_std_comm: src_type(core, key::BGP_SRC_STD_COMM_TYPE, false)?,
        src_ext_comm: src_type(core, key::BGP_SRC_EXT_COMM_TYPE, false)?,
        src_lrg_comm: src_type(core, key::BGP_SRC_LRG_COMM_TYPE, false)?,
        src_local_pref: src_type(core, key::BGP_SRC_LOCAL_PREF_TYPE, false)?,
        src_med: src_type(core, key::BGP_SRC_MED_TYPE, false)?,
        agent_map: match core.str(key::BGP_AGENT_MAP) {
            None => None,
            Some(path) => {
                plog!(Info, &core_name, "core", "[{path}] (re)loading map.");
                let mut diags = Vec::new();
                let m = AgentMap::load(path, &mut diags)
                    .map_err(|_| format!("[{path}] file not found. Exiting."))?;
                for d in diags {
                    plog!(Warn, &core_name, "core", "{}", d.err);
                }
                plog!(
                    Info,
                    &core_name,
                    "core",
                    "[{path}] map successfully (re)loaded."
                );
                Some(Arc::new(m))
            }
        },
    };
    if bmp {
        return crate::bmp::start(core, &core_name, lookup);
    }
    let ip = if core.is_set(key::BGP_DAEMON_IP) {
        match core
            .str(key::BGP_DAEMON_IP)
            .map(|s| s.trim().parse::<IpAddr>())
        {
            Some(Ok(a)) => Some(a),
            _ => return Err("'bgp_daemon_ip' value is not valid. Exiting.".into()),
        }
    } else {
        None
    };
    let allow = match core.str(key::BGP_DAEMON_ALLOW_FILE) {
        None => None,
        Some(path) => {
            let mut diags = Vec::new();
            let l = pmacct_maps::allow::AllowList::load(path, &mut diags)
                .map_err(|_| format!("[{path}] file not found. Exiting."))?;
            for d in diags {
                plog!(Warn, &core_name, "core/BGP", "{}", d.err);
            }
            Some(l.nets().to_vec())
        }
    };
    let pattern = |k| core.str(k).map(parse_patterns).unwrap_or_default();
    let cfg = SpeakerConfig {
        ip,
        port: core.num::<u16>(key::BGP_DAEMON_PORT)?.unwrap_or(179),
        ipv6_only: core.bool(key::BGP_DAEMON_IPV6_ONLY),
        id: speaker::router_id(core.raw(key::BGP_DAEMON_ID), core.raw(key::BGP_DAEMON_IP)),
        asn: core.num::<u32>(key::BGP_DAEMON_AS)?.filter(|&a| a != 0),
        max_peers: core
            .u64(key::BGP_DAEMON_MAX_PEERS)
            .map_or(10, |n| usize::try_from(n).unwrap_or(usize::MAX).max(1)),
        disable_router_id_check: core.bool(key::BGP_DISABLE_ROUTER_ID_CHECK),
        allow,
        render: RenderOptions {
            aspath_radius: core.num::<u32>(key::BGP_ASPATH_RADIUS)?.unwrap_or(0),
            stdcomm_patterns: pattern(key::BGP_STDCOMM_PATTERN),
            extcomm_patterns: pattern(key::BGP_EXTCOMM_PATTERN),
            lrgcomm_patterns: pattern(key::BGP_LRGCOMM_PATTERN),
        },
        name: core_name.clone(),
    };
    // The message log and table dumps are written by pmbgpd (tested against 1.7.7's); the
    // flow daemons' speaker does not feed them yet: said once, never silently skipped.
    for k in [key::BGP_DAEMON_MSGLOG_FILE, key::BGP_TABLE_DUMP_FILE] {
        if core.is_set(k) {
            plog!(
                Warn,
                &core_name,
                "core/BGP",
                "'{}' is written by pmbgpd only in pmacct-rs, not by {} yet: ignored.",
                k.name(),
                daemon.name()
            );
        }
    }
    let name = core_name.clone();
    let log: speaker::LogFn = Arc::new(move |l, m| log_line(&name, "core/BGP", l, m));
    let handle = speaker::spawn(cfg.clone(), log).map_err(|e| {
        format!(
            "bind() to ip={} port={}/tcp failed ({e}). Exiting.",
            cfg.ip.map_or_else(|| "::".to_string(), |a| a.to_string()),
            cfg.port
        )
    })?;
    for a in &handle.local {
        plog!(
            Info,
            &core_name,
            "core/BGP",
            "waiting for BGP data on {}:{}",
            a.ip(),
            a.port()
        );
    }
    let _ = BGP.set(Bgp {
        peers: handle.peers.clone(),
        stats: handle.stats.clone(),
        _handle: handle,
        lookup,
    });
    Ok(())
}

/// Log the speaker's counters (SIGUSR1).
pub fn log_stats(core_name: &str) {
    let Some(b) = get() else {
        return;
    };
    let s = &b.stats;
    let n = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed);
    plog!(
        Info,
        core_name,
        "core/BGP",
        "peers={} established={} closed={} errored={} rejected_max_peers={} rejected_allow={} updates={} announced={} withdrawn={} attrs_discarded={} nlri_errors={} hold_expired={}",
        b.peers.count(),
        n(&s.sessions_established),
        n(&s.sessions_closed),
        n(&s.sessions_errored),
        n(&s.rejected_max_peers),
        n(&s.rejected_allow),
        n(&s.updates),
        n(&s.prefixes_announced),
        n(&s.prefixes_withdrawn),
        n(&s.attrs_discarded),
        n(&s.nlri_errors),
        n(&s.hold_timer_expired)
    );
}

/// The core stage: one RIB lookup per flow, the `*_as`-dependent primitives filled as
/// 1.7.7's `bgp_ext_handler` (and the flow's own ASN handlers) leave them, and what each
/// plugin's `*_net` needs kept in the flow's hidden fields.
pub struct BgpLookup {
    pub(crate) peers: Arc<Peers>,
    /// BMP: the peers routers monitor, searched when no router matches.
    pub(crate) monitored: Option<Arc<Peers>>,
    pub(crate) cfg: LookupConfig,
}

/// The lookup stage of the running daemon, if any.
pub fn lookup_stage() -> Option<Box<dyn Stage>> {
    get()
        .map(|b| {
            Box::new(BgpLookup {
                peers: b.peers.clone(),
                monitored: None,
                cfg: b.lookup.clone(),
            }) as Box<dyn Stage>
        })
        .or_else(crate::bmp::lookup_stage)
}

impl Stage for BgpLookup {
    fn apply(&mut self, flow: &mut Flow) -> bool {
        let p = &mut flow.prims;
        let Some(exporter) = p.peer_src_ip else {
            return true;
        };
        let agent = self
            .cfg
            .agent_map
            .as_ref()
            .and_then(|m| m.find(exporter, p.in_iface, p.out_iface))
            .map_or(exporter, |e| e.bgp_ip);
        // The flow's BGP next hop picks among ADD-PATH paths (destination side).
        let mut r = self
            .peers
            .lookup_flow(agent, p.src_ip, p.dst_ip, None, p.peer_dst_ip);
        if let (false, Some(m)) = (r.peer_found, &self.monitored) {
            r = m.lookup_flow(agent, p.src_ip, p.dst_ip, None, p.peer_dst_ip);
        }
        p.bgp_src_match = if r.src.found { r.src.prefix_len + 1 } else { 0 };
        p.bgp_dst_match = if r.dst.found { r.dst.prefix_len + 1 } else { 0 };
        p.bgp_next_hop = if r.dst.found {
            Some(r.dst.next_hop.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)))
        } else {
            None
        };
        let asm = self.cfg.asm;
        // lm_method_*: BGP when its prefix is at least as long as the exported mask.
        let src_bgp = r.src.found && r.src.prefix_len >= p.src_mask;
        let dst_bgp = r.dst.found && r.dst.prefix_len >= p.dst_mask;
        // The flow's own ASNs (NF_/SF_src_as_handler...) only with `netflow`/`sflow`, or
        // `longest` when the flow's mask won.
        let keep_src = asm.keep && !(asm.fallback && src_bgp);
        let keep_dst = asm.keep && !(asm.fallback && dst_bgp);
        if !keep_src {
            p.src_as = 0;
        }
        if !keep_dst {
            p.dst_as = 0;
            p.peer_dst_as = 0;
        }
        if !(keep_src && self.cfg.peer_src_as.keep) {
            p.peer_src_as = 0;
        }
        if !asm.bgp {
            return true;
        }
        let c = &self.cfg;
        if r.src.found && (src_bgp || !asm.fallback) {
            let s = &r.src;
            p.src_as = s.last_as;
            // Each src_ form only where its bgp_src_*_type says bgp.
            fn take<T: Copy>(t: SrcType, v: T, out: &mut T) {
                if t.bgp {
                    *out = v;
                }
            }
            take(c.src_as_path, s.as_path, &mut p.src_as_path);
            take(c.src_std_comm, s.std_comm, &mut p.src_std_comm);
            take(c.src_ext_comm, s.ext_comm, &mut p.src_ext_comm);
            take(c.src_lrg_comm, s.lrg_comm, &mut p.src_lrg_comm);
            take(c.src_local_pref, s.local_pref, &mut p.src_local_pref);
            take(c.src_med, s.med, &mut p.src_med);
            if c.peer_src_as.bgp && s.has_as_path {
                p.peer_src_as = s.first_as;
            }
        }
        if r.dst.found && (dst_bgp || !asm.fallback) {
            let d = &r.dst;
            p.dst_as = d.last_as;
            p.as_path = d.as_path;
            p.std_comm = d.std_comm;
            p.ext_comm = d.ext_comm;
            p.lrg_comm = d.lrg_comm;
            p.local_pref = d.local_pref;
            p.med = d.med;
            if d.has_as_path {
                p.peer_dst_as = d.first_as;
            }
        }
        true
    }
}

/// A plugin's `*_net` with `bgp` (alone or in `longest`): its masks, networks and
/// `peer_dst_ip` as 1.7.7's `bgp_*_nmask_handler`/`bgp_peer_dst_ip_handler` and the flow's
/// own handlers leave them. Runs before the plugin's networks_file stage, as pmacct's
/// handlers run before its plugins' network functions.
pub struct BgpNetStage {
    net: NetMethod,
    no_mask_if_zero: bool,
}

/// The stage for a plugin whose `*_net` is `net`, when the BGP daemon runs and the method
/// involves BGP.
pub fn net_stage(net: NetMethod, no_mask_if_zero: bool) -> Option<Box<dyn Stage>> {
    ((get().is_some() || crate::bmp::get().is_some()) && net.bgp).then(|| {
        Box::new(BgpNetStage {
            net,
            no_mask_if_zero,
        }) as Box<dyn Stage>
    })
}

impl Stage for BgpNetStage {
    fn apply(&mut self, flow: &mut Flow) -> bool {
        let n = self.net;
        let p = &mut flow.prims;
        let src_len = p.bgp_src_match.checked_sub(1);
        let dst_len = p.bgp_dst_match.checked_sub(1);
        let src_bgp = src_len.is_some_and(|l| l >= p.src_mask);
        let dst_bgp = dst_len.is_some_and(|l| l >= p.dst_mask);
        // The flow's own mask / next hop stay with `netflow`/`sflow`, or `longest` when
        // they won; BGP's are taken with `bgp`, or `longest` when BGP won.
        let mut src_mask = if n.keep && !(n.fallback && src_bgp) {
            p.src_mask
        } else {
            0
        };
        let mut dst_mask = if n.keep && !(n.fallback && dst_bgp) {
            p.dst_mask
        } else {
            0
        };
        let mut nh = if n.keep && !(n.fallback && dst_bgp) {
            p.peer_dst_ip
        } else {
            None
        };
        if src_bgp || !n.fallback {
            if let Some(l) = src_len {
                src_mask = l;
            }
        }
        if dst_bgp || !n.fallback {
            if let Some(l) = dst_len {
                dst_mask = l;
                nh = p.bgp_next_hop;
            }
        }
        let net_of = |a: IpAddr, m: u8| {
            if self.no_mask_if_zero && m == 0 {
                a
            } else {
                mask_addr(a, m)
            }
        };
        p.src_mask = src_mask;
        p.dst_mask = dst_mask;
        p.src_net = p.src_ip.map(|a| net_of(a, src_mask));
        p.dst_net = p.dst_ip.map(|a| net_of(a, dst_mask));
        p.peer_dst_ip = nh;
        true
    }
}
