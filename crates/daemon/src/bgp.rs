//! `bgp_daemon: true` in nfacctd/sfacctd/pmacctd/uacctd: the speaker thread, the per-flow RIB lookup (a
//! core stage, as 1.7.7's `bgp_srcdst_lookup()` runs in the core) and the per-plugin part of
//! 1.7.7's handlers that depends on the plugin's `*_net` (masks, networks, `peer_dst_ip`).
//!
//! What 1.7.7 decides, and where it is decided here:
//! - the peer: the exporter's address (session address or BGP id), or `bgp_agent_map`'s
//!   `bgp_ip` for it; in pmacctd/uacctd (no exporter) the map's alone ([`BgpLookup`]);
//! - the longest-match method of each side (`lm_method_*`): BGP when its prefix is at least
//!   as long as the mask the flow carries, else the flow's own;
//! - `*_as` (global in 1.7.7): with `bgp` (or `longest` when BGP won) `bgp_ext_handler`
//!   fills `as_path`, communities, `local_pref`, `med`, `peer_dst_as`, `src_as`/`dst_as` and
//!   the `src_*` forms their `bgp_src_*_type` allows; the flow's own ASNs stay only with
//!   `netflow`/`sflow` (or `longest` when the flow's mask won) ([`BgpLookup`]);
//! - `*_net` (per plugin): masks, networks and `peer_dst_ip` from BGP with `bgp` (or
//!   `longest` when BGP won) ([`BgpNetStage`]).

use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, OnceLock};

use pmacct_bgp::attr::{parse_patterns, RenderOptions};
use pmacct_bgp::rib::Side;
use pmacct_bgp::speaker::{self, Level as BgpLevel, SpeakerConfig, SpeakerHandle, Stats};
use pmacct_bgp::{lookup_flow_follow, Follow, PeerSets, Peers};
use pmacct_config::{key, Scope};
use pmacct_flow::bpf::{self, BpfFilter, Synth, FRAME_MAX};
use pmacct_flow::flow::mask_addr;
use pmacct_flow::producer::packet::dlt;
use pmacct_flow::{Flow, Stage};
use pmacct_maps::bgp_agent::AgentMap;
use pmacct_maps::networks::{AsMethod, NetMethod};
use pmacct_maps::sampling::{BgpSrcMap, BgpSrcValue, SrcRoute};

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

/// `bgp_peer_src_as_type` (`with_keep`), `bgp_src_local_pref_type`/`bgp_src_med_type`
/// (`bgp` or `map`) and the other `bgp_src_*_type` keys (`bgp` only), read as 1.7.7 does (a
/// value starting with a known word is that word); unknown values are ignored with 1.7.7's
/// warning.
fn src_type(
    core: &Scope,
    k: pmacct_config::Key,
    with_keep: bool,
    with_map: bool,
) -> Result<SrcType, String> {
    let mut t = SrcType::default();
    let Some(v) = core.str(k) else {
        return Ok(t);
    };
    let v = v.trim().to_ascii_lowercase();
    let is = |w: &str| v.starts_with(w);
    if with_keep && (is("netflow") || is("sflow")) {
        t.keep = true;
    } else if with_map && is("map") {
        t.map = true;
    } else if is("bgp") {
        t.bgp = true;
    } else if with_keep && (is("fallback") || is("longest")) {
        t.keep = true;
        t.bgp = true;
    } else {
        plog!(
            Warn,
            "default",
            "core",
            "Ignoring unknown '{}' value.",
            k.name()
        );
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
    /// pmacctd/uacctd: the peer comes from `bgp_agent_map` alone ([`AgentMap::find_packet`]).
    packet: bool,
    /// pmacctd's capture link type (the map's `filter`s are compiled for it).
    frame_linktype: u32,
    /// `bgp_peer_src_as_map`, `bgp_src_local_pref_map`, `bgp_src_med_map` (those whose
    /// `*_type` is `map`), reloaded on SIGUSR2.
    src_maps: Option<Arc<SrcMaps>>,
    /// `bgp_follow_default`, `bgp_follow_nexthop`, `bgp_follow_nexthop_external`.
    follow: Arc<Follow>,
}

/// 1.7.7 follows default routes while its counter is non-zero, once per lookup round: a
/// negative `bgp_follow_default` never reaches zero (forever on a cycle of defaults) and a
/// huge one costs as many rounds per flow. Ours follows at most this many times.
const FOLLOW_DEFAULT_MAX: u32 = 255;

/// The follow keys as 1.7.7's `cfg_key_bgp_daemon_follow_*` read them: `bgp_follow_nexthop`
/// is a comma-separated list of prefixes (an address alone is a /32 or /128; spaces
/// ignored; an invalid one warned and skipped; the first 32 valid ones kept).
fn follow_config(core: &Scope, core_name: &str) -> Follow {
    let default = match core.int(key::BGP_FOLLOW_DEFAULT).unwrap_or(0) {
        n if n < 0 => FOLLOW_DEFAULT_MAX,
        n => u32::try_from(n).unwrap_or(u32::MAX).min(FOLLOW_DEFAULT_MAX),
    };
    let mut nexthop = Vec::new();
    if let Some(v) = core.str(key::BGP_FOLLOW_NEXTHOP) {
        let v: String = v.chars().filter(|c| !c.is_whitespace()).collect();
        for t in v.split(',').filter(|t| !t.is_empty()) {
            if nexthop.len() == pmacct_bgp::rib::FOLLOW_NH_ENTRIES {
                break;
            }
            match parse_prefix(t) {
                Some(p) => nexthop.push(p),
                None => plog!(
                    Warn,
                    core_name,
                    "core",
                    "bgp_follow_nexthop: invalid IP prefix '{t}'."
                ),
            }
        }
    }
    Follow {
        default,
        nexthop,
        nexthop_external: core.bool(key::BGP_FOLLOW_NEXTHOP_EXTERNAL),
    }
}

/// `a.b.c.d[/len]` or `x::y[/len]` (1.7.7's `str2prefix`: a length over the family's width
/// is invalid).
fn parse_prefix(t: &str) -> Option<(IpAddr, u8)> {
    let (a, l) = match t.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (t, None),
    };
    let a: IpAddr = a.parse().ok()?;
    let width = if a.is_ipv4() { 32 } else { 128 };
    let l = match l {
        Some(l) => l.parse::<u8>().ok().filter(|&l| l <= width)?,
        None => width,
    };
    Some((a, l))
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
/// `frame_linktype`: pmacctd's capture link type (its bgp_agent_map `filter`s run on the
/// packet), 0 if unknown.
pub fn start(
    daemon: pmacct_config::Daemon,
    core: &Scope,
    frame_linktype: u32,
) -> Result<(), String> {
    // `bmp_daemon` shares the lookup settings (crate::bmp runs its collector).
    let bmp = crate::bmp::check(daemon, core)?;
    // 1.7.7's bgp_follow_nexthop_lookup() walks the BGP daemon's peer table even for BMP
    // lookups: with bmp_daemon there is none to walk.
    if bmp && core.is_set(key::BGP_FOLLOW_NEXTHOP) {
        return Err(
            "'bgp_follow_nexthop' needs 'bgp_daemon: true': pmacct 1.7.7 follows next hops through the BGP daemon's peers only (with 'bmp_daemon' it has none). Exiting."
                .into(),
        );
    }
    if !enabled(core) && !bmp {
        // 1.7.7 reads them in the BGP thread only: without it they do nothing, said once.
        if core.bool(key::BGP_DAEMON_LG) || core.is_set(key::BGP_DAEMON_XCONNECT_MAP) {
            plog!(
                Warn,
                core.str(key::CORE_PROC_NAME).unwrap_or("default"),
                "core",
                "'bgp_daemon_lg' / 'bgp_daemon_xconnect_map' have no effect without 'bgp_daemon: true': ignored."
            );
        }
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
    refuse_unbuilt(core)?;
    if core.is_set(key::BGP_STDCOMM_PATTERN_TO_ASN) && core.is_set(key::BGP_LRGCOMM_PATTERN_TO_ASN)
    {
        return Err(
            "bgp_stdcomm_pattern_to_asn and bgp_lrgcomm_pattern_to_asn are mutual exclusive. Exiting."
                .into(),
        );
    }
    // pmacctd/uacctd have no exported ASNs to keep (1.7.7: NF_AS_KEEP does not apply).
    let asm = match core.str(key::NFACCTD_AS) {
        Some(v) => pmacct_maps::networks::parse_as_method(v, flow_daemon)?,
        None => AsMethod {
            keep: flow_daemon,
            ..Default::default()
        },
    };
    let lookup = LookupConfig {
        asm,
        packet: !flow_daemon,
        frame_linktype,
        peer_src_as: src_type(core, key::BGP_PEER_SRC_AS_TYPE, true, true)?,
        src_as_path: src_type(core, key::BGP_SRC_AS_PATH_TYPE, false, false)?,
        src_std_comm: src_type(core, key::BGP_SRC_STD_COMM_TYPE, false, false)?,
        src_ext_comm: src_type(core, key::BGP_SRC_EXT_COMM_TYPE, false, false)?,
        src_lrg_comm: src_type(core, key::BGP_SRC_LRG_COMM_TYPE, false, false)?,
        src_local_pref: src_type(core, key::BGP_SRC_LOCAL_PREF_TYPE, false, true)?,
        src_med: src_type(core, key::BGP_SRC_MED_TYPE, false, true)?,
        src_maps: None,
        follow: Arc::new(follow_config(core, &core_name)),
        agent_map: match core.str(key::BGP_AGENT_MAP) {
            None => None,
            Some(path) => {
                plog!(Info, &core_name, "core", "[{path}] (re)loading map.");
                let mut diags = Vec::new();
                let m = AgentMap::load_with(path, &mut diags, !flow_daemon)
                    .map_err(|_| format!("[{path}] file not found. Exiting."))?;
                // A filter libpcap cannot compile: 1.7.7 ignores the line, with its reason.
                for i in 0..m.len() {
                    if let Some(Err(e)) = m.filter(i).map(|f| agent_filter(f, frame_linktype)) {
                        plog!(Warn, &core_name, "core", "[{path}] malformed filter: {e}");
                    }
                }
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
    let mut lookup = lookup;
    lookup.src_maps = src_maps_start(core, &core_name, &lookup)?;
    // pmacctd/uacctd: packets carry no exporter address, so 1.7.7 refuses to start without
    // a bgp_agent_map to name the peer (pmacctd.c, uacctd.c; after the
    // source maps, as there).
    if !flow_daemon && !core.is_set(key::BGP_AGENT_MAP) {
        return Err(format!(
            "'{}' configured but no 'bgp_agent_map' has been specified. Exiting.",
            if bmp { "bmp_daemon" } else { "bgp_daemon" }
        ));
    }
    if bmp {
        return crate::bmp::start(core, &core_name, lookup);
    }
    let pattern = |k| core.str(k).map(parse_patterns).unwrap_or_default();
    let render = RenderOptions {
        aspath_radius: core.num::<u32>(key::BGP_ASPATH_RADIUS)?.unwrap_or(0),
        stdcomm_patterns: pattern(key::BGP_STDCOMM_PATTERN),
        extcomm_patterns: pattern(key::BGP_EXTCOMM_PATTERN),
        lrgcomm_patterns: pattern(key::BGP_LRGCOMM_PATTERN),
        peer_as_skip_subas: core.bool(key::BGP_PEER_AS_SKIP_SUBAS),
        stdcomm_to_asn_patterns: pattern(key::BGP_STDCOMM_PATTERN_TO_ASN),
        lrgcomm_to_asn_patterns: pattern(key::BGP_LRGCOMM_PATTERN_TO_ASN),
    };
    let mut cfg = speaker_config(core, &core_name, "core/BGP", render)?;
    if !flow_daemon {
        // 1.7.7's pmacctd/uacctd keep two peers whatever bgp_daemon_max_peers says: the
        // map's primary and a backup feed.
        cfg.max_peers = 2;
    }
    let name = core_name.clone();
    let log: speaker::LogFn = Arc::new(move |l, m| log_line(&name, "core/BGP", l, m));
    // bgp_daemon_msglog_* and bgp_table_dump_* (files, Kafka, AMQP): crate::routelog.
    let mut logs = crate::routelog::FlowDaemonLogs::new(core, &core_name, log.clone())?;
    let handle = speaker::spawn_observed(cfg.clone(), log, logs.observer()).map_err(|e| {
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
    logs.start_dumps(handle.peers.clone())?;
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
    for l in peer_stat_lines(s) {
        plog!(Info, core_name, "core/BGP", "{}", l);
    }
}

/// The core stage: one RIB lookup per flow, the `*_as`-dependent primitives filled as
/// 1.7.7's `bgp_ext_handler` (and the flow's own ASN handlers) leave them, and what each
/// plugin's `*_net` needs kept in the flow's hidden fields.
pub struct BgpLookup {
    pub(crate) peers: Arc<Peers>,
    /// BMP: the peers routers monitor, searched when no router matches.
    pub(crate) monitored: Option<Arc<Peers>>,
    pub(crate) cfg: LookupConfig,
    /// This worker's view of the source maps.
    pub(crate) maps: SrcMapsView,
    /// pmacctd/uacctd: this worker's compiled `filter`s of bgp_agent_map, by entry (a BPF
    /// program cannot be shared), and the frame they run on.
    filters: Vec<Option<BpfFilter>>,
    frame: Box<[u8; FRAME_MAX]>,
}

/// A bgp_agent_map `filter` as pmacct compiles map filters (not optimized), for pmacctd's
/// link type (Linux cooked, else Ethernet: frames are rebuilt for it).
fn agent_filter(expr: &str, linktype: u32) -> Result<BpfFilter, String> {
    let lt = if linktype == dlt::LINUX_SLL {
        dlt::LINUX_SLL
    } else {
        dlt::EN10MB
    };
    BpfFilter::compile(expr, lt, false)
}

impl BgpLookup {
    pub(crate) fn new(peers: Arc<Peers>, monitored: Option<Arc<Peers>>, cfg: LookupConfig) -> Self {
        let filters = match (&cfg.agent_map, cfg.packet) {
            (Some(m), true) => (0..m.len())
                .map(|i| {
                    m.filter(i)
                        .and_then(|f| agent_filter(f, cfg.frame_linktype).ok())
                })
                .collect(),
            _ => Vec::new(),
        };
        BgpLookup {
            peers,
            monitored,
            cfg,
            maps: SrcMapsView::default(),
            filters,
            frame: Box::new([0; FRAME_MAX]),
        }
    }
}

/// The lookup stage of the running daemon, if any.
pub fn lookup_stage() -> Option<Box<dyn Stage>> {
    get()
        .map(|b| {
            Box::new(BgpLookup::new(b.peers.clone(), None, b.lookup.clone())) as Box<dyn Stage>
        })
        .or_else(crate::bmp::lookup_stage)
}

impl Stage for BgpLookup {
    fn apply(&mut self, flow: &mut Flow) -> bool {
        let agent = if self.cfg.packet {
            // The packet, rebuilt once if a filter asks for it (as pre_tag_map's filter=).
            let (filters, buf, lt) = (&self.filters, &mut self.frame, self.cfg.frame_linktype);
            let mut len = None;
            let f: &Flow = flow;
            let mut matches = |i: usize| {
                let Some(Some(b)) = filters.get(i) else {
                    // A filter libpcap refused: the line does not match (1.7.7 drops it).
                    return false;
                };
                let n = *len.get_or_insert_with(|| bpf::rebuild_frame(f, Synth::Packet, lt, buf));
                b.matches(&buf[..n], n as u32)
            };
            // No map entry: 1.7.7 looks up with an empty address, which no peer has.
            self.cfg
                .agent_map
                .as_ref()
                .and_then(|m| m.find_packet(f.prims.in_iface, f.prims.out_iface, &mut matches))
                .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |e| e.bgp_ip)
        } else {
            let p = &flow.prims;
            let Some(exporter) = p.peer_src_ip else {
                return true;
            };
            self.cfg
                .agent_map
                .as_ref()
                .and_then(|m| m.find(exporter, p.in_iface, p.out_iface))
                .map_or(exporter, |e| e.bgp_ip)
        };
        let p = &mut flow.prims;
        // The flow's BGP next hop picks among ADD-PATH paths (destination side).
        let rd = if p.bgp_rd_from_map {
            rd_of(p.mpls_vpn_rd)
        } else {
            None
        };
        // BMP: the routers, then the peers they monitor (1.7.7's `bgp_lookup_find_bmp_peer`).
        let sets = PeerSets {
            first: &self.peers,
            then: self.monitored.as_deref(),
        };
        // bgp_follow_nexthop applies bgp_agent_map to each next hop it follows.
        let (map, in_if, out_if) = (self.cfg.agent_map.as_deref(), p.in_iface, p.out_iface);
        let r = lookup_flow_follow(
            sets,
            agent,
            p.src_ip,
            p.dst_ip,
            rd,
            p.peer_dst_ip,
            &self.cfg.follow,
            |a| {
                map.and_then(|m| m.find(a, in_if, out_if))
                    .map_or(a, |e| e.bgp_ip)
            },
        );
        p.bgp_src_match = if r.src.found { r.src.prefix_len + 1 } else { 0 };
        p.bgp_dst_match = if r.dst.found { r.dst.prefix_len + 1 } else { 0 };
        // peer_dst_ip: bgp_follow_nexthop's next hop, else the destination route's.
        p.bgp_next_hop = if r.dst.found {
            Some(
                r.follow_nh
                    .or(r.dst.next_hop)
                    .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
            )
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
        if let Some(m) = &self.cfg.src_maps {
            self.maps.apply(m, p, &r.src);
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

/// A `flow_to_rd_map` RD as VPN NLRI carry it (1.7.7's `rd_t`: type, then 6 value bytes).
fn rd_of(rd: pmacct_flow::RouteDistinguisher) -> Option<pmacct_bgp::msg::Rd> {
    use pmacct_flow::RouteDistinguisher as R;
    let mut b = [0u8; 8];
    match rd {
        R::As2 { asn, val } => {
            b[2..4].copy_from_slice(&asn.to_be_bytes());
            b[4..8].copy_from_slice(&val.to_be_bytes());
        }
        R::Ip { ip, val } => {
            b[1] = 1;
            b[2..6].copy_from_slice(&ip.octets());
            b[6..8].copy_from_slice(&val.to_be_bytes());
        }
        R::As4 { asn, val } => {
            b[1] = 2;
            b[2..6].copy_from_slice(&asn.to_be_bytes());
            b[6..8].copy_from_slice(&val.to_be_bytes());
        }
        // Not from a map (VRF ids come from records).
        R::None | R::VrfId(_) | R::Unknown => return None,
    }
    // A zero RD is no RD (1.7.7 tests `pptrs->bitr` for non-zero).
    (b != [0; 8]).then_some(pmacct_bgp::msg::Rd(b))
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

/// The three BGP source maps of 1.7.7 (`MAP_BGP_PEER_AS_SRC`, `MAP_BGP_SRC_LOCAL_PREF`,
/// `MAP_BGP_SRC_MED`): loaded when their `*_type` is `map`, looked up per flow after the
/// RIB lookup (as 1.7.7's core runs `NF_find_id()` on them after `bgp_srcdst_lookup()`),
/// reloaded on SIGUSR2. Workers hold an `Arc` of the current set and look at one atomic
/// generation per flow: the mutex is taken only after a reload.
pub struct SrcMaps {
    gen: AtomicU64,
    cur: Mutex<Arc<SrcMapSet>>,
    /// (key, path) of each configured map, in [`SrcMapSet`] order.
    paths: [Option<String>; 3],
    max_entries: usize,
    core_name: String,
}

impl std::fmt::Debug for SrcMaps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SrcMaps")
            .field("paths", &self.paths)
            .finish()
    }
}

/// One loaded set: peer_src_as, src_local_pref, src_med.
#[derive(Default)]
pub struct SrcMapSet {
    maps: [Option<BgpSrcMap>; 3],
}

#[derive(Default)]
pub(crate) struct SrcMapsView {
    gen: u64,
    set: Option<Arc<SrcMapSet>>,
}

const SRC_MAP_KEYS: [(pmacct_config::Key, pmacct_config::Key, &str); 3] = [
    (
        key::BGP_PEER_SRC_AS_MAP,
        key::BGP_PEER_SRC_AS_TYPE,
        // 1.7.7's wording names the key as its variable is called.
        "bgp_peer_as_src_type",
    ),
    (
        key::BGP_SRC_LOCAL_PREF_MAP,
        key::BGP_SRC_LOCAL_PREF_TYPE,
        "bgp_src_local_pref_type",
    ),
    (
        key::BGP_SRC_MED_MAP,
        key::BGP_SRC_MED_TYPE,
        "bgp_src_med_type",
    ),
];

fn load_src_map(core_name: &str, path: &str, max: usize) -> Option<BgpSrcMap> {
    plog!(Info, core_name, "core", "[{path}] (re)loading map.");
    match BgpSrcMap::load_bgp_src(path, max) {
        Ok((m, diags)) => {
            for d in diags {
                plog!(Warn, core_name, "core", "{}", d.err);
            }
            plog!(
                Info,
                core_name,
                "core",
                "[{path}] map successfully (re)loaded."
            );
            Some(m)
        }
        Err(_) => None,
    }
}

/// Load the maps whose `*_type` is `map` (1.7.7 exits when such a type has no map).
fn src_maps_start(
    core: &Scope,
    core_name: &str,
    l: &LookupConfig,
) -> Result<Option<Arc<SrcMaps>>, String> {
    let types = [l.peer_src_as, l.src_local_pref, l.src_med];
    let max_entries = core
        .u64(key::MAPS_ENTRIES)
        .unwrap_or(384)
        .clamp(1, 10_000_000) as usize;
    let mut paths: [Option<String>; 3] = Default::default();
    let mut set = SrcMapSet::default();
    for (i, (mk, _, tname)) in SRC_MAP_KEYS.iter().enumerate() {
        if !types[i].map {
            continue;
        }
        let Some(path) = core.str(*mk) else {
            return Err(format!("{tname} set to 'map' but no map defined. Exiting."));
        };
        let m = load_src_map(core_name, path, max_entries)
            .ok_or_else(|| format!("[{path}] file not found. Exiting."))?;
        set.maps[i] = Some(m);
        paths[i] = Some(path.to_string());
    }
    if paths.iter().all(Option::is_none) {
        return Ok(None);
    }
    Ok(Some(Arc::new(SrcMaps {
        gen: AtomicU64::new(0),
        cur: Mutex::new(Arc::new(set)),
        paths,
        max_entries,
        core_name: core_name.to_string(),
    })))
}

impl SrcMaps {
    /// SIGUSR2: read the maps again; one that cannot be read keeps its last contents.
    pub fn reload(&self) -> Result<(), String> {
        let Ok(mut cur) = self.cur.lock() else {
            return Err("BGP source maps: lock poisoned".into());
        };
        let mut set = SrcMapSet::default();
        let mut errs = Vec::new();
        for (i, p) in self.paths.iter().enumerate() {
            let Some(path) = p else { continue };
            set.maps[i] = match load_src_map(&self.core_name, path, self.max_entries) {
                Some(m) => Some(m),
                None => {
                    errs.push(format!("[{path}] unreadable; keeping the map in use"));
                    cur.maps[i].clone()
                }
            };
        }
        *cur = Arc::new(set);
        self.gen.fetch_add(1, Ordering::AcqRel);
        if errs.is_empty() {
            Ok(())
        } else {
            Err(errs.join("; "))
        }
    }
}

impl SrcMapsView {
    /// 1.7.7's `bgp_peer_src_as_frommap_handler`, `bgp_src_local_pref_frommap_handler` and
    /// `bgp_src_med_frommap_handler`: the first matching rule's value (0 without one); `bgp`
    /// is the neighbour AS of the source's route. `peer_src_as` left 0 falls back on the
    /// route's `*_pattern_to_asn` neighbour AS.
    fn apply(&mut self, m: &SrcMaps, p: &mut pmacct_flow::flow::Primitives, src: &Side) {
        let g = m.gen.load(Ordering::Acquire);
        if self.set.is_none() || self.gen != g {
            if let Ok(c) = m.cur.lock() {
                self.set = Some(c.clone());
                self.gen = g;
            }
        }
        let Some(set) = &self.set else { return };
        let route = SrcRoute {
            found: src.found,
            next_hop: src.next_hop,
            peer_as: src.first_as,
        };
        let value = |i: usize| -> Option<u32> {
            let m: &BgpSrcMap = set.maps[i].as_ref()?;
            Some(match m.lookup_with(p, &route) {
                Some(BgpSrcValue::Num(n)) => n,
                Some(BgpSrcValue::Bgp) if src.found => src.first_as,
                _ => 0,
            })
        };
        let (a, lp, med) = (value(0), value(1), value(2));
        if let Some(a) = a {
            p.peer_src_as = if a == 0 && src.found {
                src.comm_peer_as
            } else {
                a
            };
        }
        if let Some(v) = lp {
            p.src_local_pref = v;
        }
        if let Some(v) = med {
            p.src_med = v;
        }
    }
}

/// SIGUSR2 for the BGP source maps, when some are configured (with `bgp_daemon` or
/// `bmp_daemon`: both lookups read them).
pub fn src_maps_reloader() -> Option<Box<dyn FnMut() -> Result<(), String> + Send>> {
    let m = match get() {
        Some(b) => b.lookup.src_maps.clone(),
        None => crate::bmp::get()?.lookup_config().src_maps.clone(),
    }?;
    Some(Box::new(move || m.reload()))
}

// ---- Speaker operations (issue 17): socket options, admission, refusals, metrics ----

/// The speaker's settings from the `bgp_daemon_*` keys, for nfacctd/sfacctd's BGP thread and
/// pmbgpd alike (`module` names the log lines: "core/BGP" or pmbgpd's "core"); `render`
/// shapes the flow primitives only.
pub(crate) fn speaker_config(
    core: &Scope,
    core_name: &str,
    module: &str,
    render: RenderOptions,
) -> Result<SpeakerConfig, String> {
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
                plog!(Warn, core_name, module, "{}", d.err);
            }
            Some(l.nets().to_vec())
        }
    };
    Ok(SpeakerConfig {
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
        render,
        name: core_name.to_string(),
        neighbors_file: core.str(key::BGP_NEIGHBORS_FILE).map(str::to_string),
        sock: sock_opts(core, core_name, module)?,
        route_refresh: core.bool(key::TMP_BGP_DAEMON_ROUTE_REFRESH),
    })
}

/// `bgp_daemon_lg` and `bgp_daemon_xconnect_map`: refused at start-up (not built), with
/// the reason the key registry gives.
pub(crate) fn refuse_unbuilt(core: &Scope) -> Result<(), String> {
    let why = |k: pmacct_config::Key| match k.def().status() {
        pmacct_config::status::Status::Refused(w) => w,
        _ => "not supported",
    };
    if core.bool(key::BGP_DAEMON_LG) {
        return Err(format!(
            "'bgp_daemon_lg: true' is refused: {}. Exiting.",
            why(key::BGP_DAEMON_LG)
        ));
    }
    if core.is_set(key::BGP_DAEMON_XCONNECT_MAP) {
        return Err(format!(
            "'bgp_daemon_xconnect_map' is refused: {}. Exiting.",
            why(key::BGP_DAEMON_XCONNECT_MAP)
        ));
    }
    Ok(())
}

/// `bgp_daemon_ipprec`, `_pipe_size`, `_md5_file`, `_batch`/`_batch_interval` as 1.7.7
/// reads them; `process` is the log tag ("core/BGP" in the flow daemons, "core" in pmbgpd).
pub(crate) fn sock_opts(
    core: &Scope,
    core_name: &str,
    process: &str,
) -> Result<speaker::SockOpts, String> {
    let mut o = speaker::SockOpts {
        ipprec: core.num::<u8>(key::BGP_DAEMON_IPPREC)?.unwrap_or(0),
        pipe_size: core
            .num::<i64>(key::BGP_DAEMON_PIPE_SIZE)?
            .filter(|&n| n > 0)
            .map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
        ..Default::default()
    };
    if let Some(path) = core.str(key::BGP_DAEMON_MD5_FILE) {
        plog!(Info, core_name, process, "[{path}] (re)loading map.");
        let mut diags = Vec::new();
        let f = pmacct_maps::bgp_md5::Md5File::load(path, &mut diags)
            .map_err(|_| format!("[{path}] file not found. Exiting."))?;
        for d in diags {
            plog!(Warn, core_name, process, "{}", d.err);
        }
        plog!(
            Info,
            core_name,
            process,
            "[{path}] map successfully (re)loaded."
        );
        o.md5 = f.entries.into_iter().map(|e| (e.addr, e.key)).collect();
    }
    let num = core.u64(key::BGP_DAEMON_BATCH).unwrap_or(0);
    let interval = core.u64(key::BGP_DAEMON_BATCH_INTERVAL).unwrap_or(0);
    if (num == 0) != (interval == 0) {
        plog!(
            Warn,
            core_name,
            process,
            "'bgp_daemon_batch_interval' and 'bgp_daemon_batch' both set to zero."
        );
    } else if num > 0 {
        o.batch = Some((u32::try_from(num).unwrap_or(u32::MAX), interval));
    }
    Ok(o)
}

/// The per-session lines of SIGUSR1 (after the totals).
pub(crate) fn peer_stat_lines(stats: &Stats) -> Vec<String> {
    let r = Ordering::Relaxed;
    stats
        .open_sessions()
        .iter()
        .map(|p| {
            format!(
                "[{}:{}] state={} as={} prefixes={} updates={} announced={} withdrawn={} attrs_discarded={} nlri_errors={}",
                p.addr,
                p.port,
                if p.established.load(r) { "established" } else { "open_wait" },
                p.asn.load(r),
                p.prefixes.load(r),
                p.updates.load(r),
                p.announced.load(r),
                p.withdrawn.load(r),
                p.attrs_discarded.load(r),
                p.nlri_errors.load(r)
            )
        })
        .collect()
}

/// The BGP families of the metrics endpoint: session events, then one series per open
/// session (`peer`, `port` labels) with its state, prefixes, UPDATEs and errors.
pub(crate) fn render_metrics(stats: &Stats, peers: &Peers, out: &mut String) {
    use std::fmt::Write as _;
    let r = Ordering::Relaxed;
    use crate::metrics::{family as fam, Family};
    fam(
        out,
        "pmacct_bgp_peers",
        "gauge",
        "BGP peers with an established session.",
    );
    let _ = writeln!(out, "pmacct_bgp_peers {}", peers.count());
    fam(
        out,
        "pmacct_bgp_session_events_total",
        "counter",
        "BGP session events: established, closed, reset on a malformed message, hold timer expired, connections refused by bgp_daemon_max_peers, bgp_daemon_allow_file or bgp_daemon_batch.",
    );
    for (ev, c) in [
        ("established", &stats.sessions_established),
        ("closed", &stats.sessions_closed),
        ("error", &stats.sessions_errored),
        ("hold_timer_expired", &stats.hold_timer_expired),
        ("rejected_max_peers", &stats.rejected_max_peers),
        ("rejected_allow", &stats.rejected_allow),
        ("throttled_batch", &stats.rejected_batch),
    ] {
        let _ = writeln!(
            out,
            "pmacct_bgp_session_events_total{{event=\"{ev}\"}} {}",
            c.load(r)
        );
    }
    let sessions = stats.open_sessions();
    let families: [Family<speaker::PeerStats>; 5] = [
        (
            "pmacct_bgp_peer_established",
            "gauge",
            "1 once the session's OPEN was exchanged, 0 while TCP is up waiting for the peer's OPEN.",
            |p| u64::from(p.established.load(Ordering::Relaxed)),
        ),
        (
            "pmacct_bgp_peer_prefixes",
            "gauge",
            "Prefixes in the peer's RIB (all AFI/SAFI, ADD-PATH paths counted once per prefix).",
            |p| p.prefixes.load(Ordering::Relaxed),
        ),
        (
            "pmacct_bgp_peer_updates_total",
            "counter",
            "UPDATE messages received on the session.",
            |p| p.updates.load(Ordering::Relaxed),
        ),
        (
            "pmacct_bgp_peer_prefixes_announced_total",
            "counter",
            "NLRI announced on the session.",
            |p| p.announced.load(Ordering::Relaxed),
        ),
        (
            "pmacct_bgp_peer_prefixes_withdrawn_total",
            "counter",
            "NLRI withdrawn on the session.",
            |p| p.withdrawn.load(Ordering::Relaxed),
        ),
    ];
    for (name, kind, help, get) in families {
        fam(out, name, kind, help);
        for p in &sessions {
            let _ = writeln!(
                out,
                "{name}{{peer=\"{}\",port=\"{}\"}} {}",
                p.addr,
                p.port,
                get(p)
            );
        }
    }
    fam(
        out,
        "pmacct_bgp_peer_errors_total",
        "counter",
        "Malformed parts of UPDATEs the session survived (RFC 7606): attributes discarded, NLRI blocks cut short.",
    );
    for p in &sessions {
        for (kind, v) in [
            ("attribute_discarded", p.attrs_discarded.load(r)),
            ("nlri_malformed", p.nlri_errors.load(r)),
        ] {
            let _ = writeln!(
                out,
                "pmacct_bgp_peer_errors_total{{peer=\"{}\",port=\"{}\",kind=\"{kind}\"}} {v}",
                p.addr, p.port
            );
        }
    }
}

/// [`render_metrics`] for the running BGP daemon of nfacctd/sfacctd, if any.
pub(crate) fn render_running(out: &mut String) {
    if let Some(b) = get() {
        render_metrics(&b.stats, &b.peers, out);
    }
}

#[cfg(test)]
mod ops_tests {
    use std::io::{Read, Write};
    use std::net::{Ipv4Addr, TcpStream};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use pmacct_bgp::msg::{write_open, MSG_OPEN};
    use pmacct_bgp::speaker::{spawn, SpeakerConfig};

    fn core(daemon: pmacct_config::Daemon, text: &str) -> pmacct_config::Scope {
        pmacct_config::parse_str(daemon, Some("b.conf"), text, &[])
            .unwrap()
            .config
            .core
    }

    #[test]
    fn follow_keys_read_as_1_7_7_reads_them() {
        use pmacct_config::Daemon::Nfacctd;
        let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
        let f = super::follow_config(
            &core(
                Nfacctd,
                "bgp_follow_default: 2\n\
                 bgp_follow_nexthop: 10.0.0.0/8, 192.0.2.1 ,bad, 10.0.0.0/33, 2001:db8::/32\n\
                 bgp_follow_nexthop_external: true\n",
            ),
            "t",
        );
        assert_eq!(f.default, 2);
        assert!(f.nexthop_external);
        assert_eq!(
            f.nexthop,
            vec![
                (ip("10.0.0.0"), 8),
                (ip("192.0.2.1"), 32),
                (ip("2001:db8::"), 32)
            ]
        );
        // At most 32 prefixes; a negative or huge count follows at most 255 times.
        let many: Vec<String> = (0..40).map(|i| format!("10.{i}.0.0/16")).collect();
        let text = format!(
            "bgp_follow_default: -1\nbgp_follow_nexthop: {}\n",
            many.join(",")
        );
        let f = super::follow_config(&core(Nfacctd, &text), "t");
        assert_eq!((f.default, f.nexthop.len()), (255, 32));
        let f = super::follow_config(&core(Nfacctd, "bgp_follow_default: 100000\n"), "t");
        assert_eq!((f.default, f.nexthop.len()), (255, 0));
        // Next hops are followed through BGP peers only: refused under bmp_daemon.
        let e = super::start(
            Nfacctd,
            &core(
                Nfacctd,
                "bmp_daemon: true\nbgp_follow_nexthop: 10.0.0.0/8\n",
            ),
            0,
        )
        .unwrap_err();
        assert!(
            e.contains("'bgp_follow_nexthop' needs 'bgp_daemon: true'"),
            "{e}"
        );
    }

    #[test]
    fn looking_glass_and_xconnects_are_refused_with_the_reason() {
        use pmacct_config::Daemon::{Nfacctd, Pmbgpd};
        let e = super::refuse_unbuilt(&core(
            Nfacctd,
            "bgp_daemon: true
bgp_daemon_lg: true
",
        ))
        .unwrap_err();
        assert!(
            e.starts_with("'bgp_daemon_lg: true' is refused: the BGP looking glass"),
            "{e}"
        );
        let e = super::refuse_unbuilt(&core(
            Pmbgpd,
            "bgp_daemon_xconnect_map: /etc/x.map
",
        ))
        .unwrap_err();
        assert!(
            e.starts_with("'bgp_daemon_xconnect_map' is refused: pmbgpd's BGP xconnects"),
            "{e}"
        );
        // Looking-glass details without the looking glass: nothing to refuse (1.7.7 runs).
        assert!(super::refuse_unbuilt(&core(
            Nfacctd,
            "bgp_daemon_lg_port: 17999
"
        ))
        .is_ok());
    }

    #[test]
    fn socket_options_as_1_7_7_reads_them() {
        use pmacct_config::Daemon::Nfacctd;
        let dir = std::env::temp_dir().join(format!("bgpops-md5-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let md5 = dir.join("md5.lst");
        std::fs::write(
            &md5,
            "! peers
192.0.2.1, key1
2001:db8::2,key2
nokey
",
        )
        .unwrap();
        let o = super::sock_opts(
            &core(
                Nfacctd,
                &format!(
                    "bgp_daemon_ipprec: 5
bgp_daemon_pipe_size: 131072
bgp_daemon_md5_file: {}
bgp_daemon_batch: 4
bgp_daemon_batch_interval: 10
",
                    md5.display()
                ),
            ),
            "default",
            "core/BGP",
        )
        .unwrap();
        assert_eq!(o.ipprec, 5);
        assert_eq!(o.pipe_size, Some(131072));
        assert_eq!(
            o.md5,
            vec![
                ("192.0.2.1".parse().unwrap(), b"key1".to_vec()),
                ("2001:db8::2".parse().unwrap(), b"key2".to_vec())
            ]
        );
        assert_eq!(o.batch, Some((4, 10)));
        // One of the two batch keys alone: no batching (1.7.7 zeroes both, with a warning).
        let o = super::sock_opts(
            &core(
                Nfacctd,
                "bgp_daemon_batch: 4
",
            ),
            "default",
            "core/BGP",
        )
        .unwrap();
        assert_eq!(o.batch, None);
        let e = super::sock_opts(
            &core(
                Nfacctd,
                "bgp_daemon_md5_file: /nonexistent/md5
",
            ),
            "default",
            "core/BGP",
        )
        .unwrap_err();
        assert_eq!(e, "[/nonexistent/md5] file not found. Exiting.");
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A real session on a real speaker: the metrics text and SIGUSR1 lines show it.
    #[test]
    fn metrics_and_sigusr1_show_each_session() {
        let cfg = SpeakerConfig::loopback("default");
        let h = spawn(cfg, Arc::new(|_, _| {})).unwrap();
        let mut s = TcpStream::connect(h.local[0]).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut open = Vec::new();
        write_open(&mut open, 65010, 90, Ipv4Addr::new(10, 0, 0, 9), &[]);
        s.write_all(&open).unwrap();
        let mut hdr = [0u8; 19];
        s.read_exact(&mut hdr).unwrap();
        assert_eq!(hdr[18], MSG_OPEN);
        // UPDATE: ORIGIN, AS_PATH [65010], NEXT_HOP, NLRI 10.9.0.0/16.
        let attrs = [
            0x40, 1, 1, 0, 0x40, 2, 4, 2, 1, 0xfd, 0xf2, 0x40, 3, 4, 192, 0, 2, 1,
        ];
        let mut b = vec![0, 0, 0, attrs.len() as u8];
        b.extend_from_slice(&attrs);
        b.extend_from_slice(&[16, 10, 9]);
        let mut m = vec![0xff; 16];
        m.extend_from_slice(&((19 + b.len()) as u16).to_be_bytes());
        m.push(2);
        m.extend(b);
        s.write_all(&m).unwrap();
        let t = Instant::now();
        let port = s.local_addr().unwrap().port();
        let label = format!("peer=\"127.0.0.1\",port=\"{port}\"");
        let mut out = String::new();
        while t.elapsed() < Duration::from_secs(5) {
            out.clear();
            super::render_metrics(&h.stats, &h.peers, &mut out);
            if out.contains(&format!("pmacct_bgp_peer_prefixes{{{label}}} 1")) {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        for want in [
            "# TYPE pmacct_bgp_peers gauge".to_string(),
            "pmacct_bgp_peers 1".to_string(),
            "pmacct_bgp_session_events_total{event=\"established\"} 1".to_string(),
            "pmacct_bgp_session_events_total{event=\"throttled_batch\"} 0".to_string(),
            format!("pmacct_bgp_peer_established{{{label}}} 1"),
            format!("pmacct_bgp_peer_prefixes{{{label}}} 1"),
            format!("pmacct_bgp_peer_updates_total{{{label}}} 1"),
            format!("pmacct_bgp_peer_prefixes_announced_total{{{label}}} 1"),
            format!("pmacct_bgp_peer_prefixes_withdrawn_total{{{label}}} 0"),
            format!("pmacct_bgp_peer_errors_total{{{label},kind=\"nlri_malformed\"}} 0"),
        ] {
            assert!(out.lines().any(|l| l == want), "no '{want}' in:\n{out}");
        }
        assert_eq!(
            super::peer_stat_lines(&h.stats),
            vec![format!(
                "[127.0.0.1:{port}] state=established as=65010 prefixes=1 updates=1 announced=1 withdrawn=0 attrs_discarded=0 nlri_errors=0"
            )]
        );
        drop(s);
        h.stop();
    }
}
