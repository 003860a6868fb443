//! pmacctd: the packet-capture profile (live interface or savefile of raw frames, packet
//! accounting as pmacctd 1.7.7, internal `sampling_rate`).
//!
//! Two things pmacctd needs are not in the core scope the generic collector hands a profile:
//! the trailing command-line filter (`pmacctd -i eth0 port 53`) and whether any plugin
//! aggregates ports or TCP flags (pmacct's `handle_fragments`, which changes how fragments
//! are accounted). [`main`] reads the configuration once for them before handing over to the
//! collector (which reads it again, reporting any error).

use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use pmacct_config::{key, Daemon, Scope};
use pmacct_flow::bpf::BpfFilter;
use pmacct_flow::producer::packet::{link_supported, PacketAccountant, PacketOptions};

use pmacct_maps::pcap_interfaces::{jhash, Direction as MapDirection, PcapInterfacesMap};

use crate::capture::{self, CaptureCtx, Device, Frame, FrameSink, LiveSpec};
use crate::collector::{self, Input, Profile};
use crate::core::{Core, Datagram, DatagramSummary, Decoder, DropCounters, FlowSink};
use crate::plog;
use crate::runtime::{Source, SourceCtx};

pub const PROFILE: Profile = Profile {
    daemon: Daemon::Pmacctd,
    flow_daemon: pmacct_flow::Daemon::Pmacctd,
    title: "Promiscuous Mode Accounting Daemon, pmacctd",
    usage,
    input,
};

fn usage() -> String {
    format!(
        "Usage: pmacctd [ -D | -d ] [ -i interface ] [ -c primitive [ , ... ] ] [ -P plugin [ , ... ] ] [ filter ]\n       pmacctd [ -f config_file ]\n       pmacctd [ -h ]\n\n\
General options:\n  -h  \tShow this page\n  -V  \tShow version and compile-time options and exit\n  -f  \tLoad configuration from the specified file\n  -a  \tPrint list of supported aggregation primitives\n  -c  \tAggregation method, see full list of primitives with -a (DEFAULT: src_host)\n  -D  \tDaemonize\n  -N  \tDisable promiscuous mode\n  -z  \tAllow to run with non root privileges (ie. setcap in use)\n  -n  \tPath to a file containing networks and/or ASNs definitions\n  -t  \tPath to a file containing ports definitions\n  -P  \t[ memory | print | mysql | pgsql | sqlite3 | amqp | kafka | nfprobe | sfprobe ] \n\tActivate plugin\n  -d  \tEnable debug\n  -i  \tListen on the specified interface\n  -I  \tRead packets from the specified savefile\n  -S  \t[ auth | mail | daemon | kern | user | local[0-7] ] \n\tLog to the specified syslog facility\n  -F  \tWrite Core Process PID into the specified file\n  -w  \tWait for the listening interface to become available\n  -Z  \tReading from a savefile, sleep the given amount of seconds at startup and between replays\n  -W  \tReading from a savefile, don't exit but sleep when finished\n  -Y  \tReading from a savefile, replay the number of times specified\n  -R  \tRenormalize sampled data\n  -L  \tSet snapshot length\n  -u  \tLeave IP protocols in numerical format\n  --check-config\tValidate the configuration: one line per problem, then a summary; exit 0 clean, 1 errors, 2 warnings only (pmacct-rs extension)\n\n\
Memory plugin (-P memory) options:\n  -p  \tSocket for client-server communication (DEFAULT: /tmp/collect.pipe)\n  -b  \tNumber of buckets\n  -m  \tNumber of memory pools\n  -s  \tMemory pool size\n\n\
Print plugin (-P print) plugin options:\n  -r  \tRefresh time (in seconds)\n  -O  \t[ formatted | csv | json ] \n\tOutput format\n  -o  \tPath to output file\n  -M  \tPrint event init/close marker messages\n  -A  \tAppend output (applies to -o)\n  -E  \tCSV format separator (applies to -O csv, DEFAULT: ',')\n\n{}",
        pmacct_config::keys_help()
    )
}

/// What [`main`] learnt from the whole configuration (see the module comment).
#[derive(Debug, Default, Clone)]
pub(crate) struct PreConfig {
    /// The operands after the flags, when there is no `-f`.
    pub(crate) cmdline_filter: Option<String>,
    /// Some plugin aggregates src_port, dst_port, sum_port or tcpflags.
    pub(crate) ports_aggregated: bool,
    /// An sfprobe plugin runs: 1.7.7 captures at least its 128-byte headers.
    pub(crate) sfprobe: bool,
}

static PRE: OnceLock<PreConfig> = OnceLock::new();

thread_local! {
    /// The (in, out) ifindex of the frame being accounted: set by the capture sink just before
    /// it hands the frame to the core, read by the decoder in the same thread (the core's
    /// datagram has no interface field; this keeps the shared type unchanged).
    static FRAME_IFINDEX: std::cell::Cell<(u32, u32)> = const { std::cell::Cell::new((0, 0)) };
}

/// Set on SIGUSR2 (with `maps_refresh`) for the capture thread to reload
/// `pcap_interfaces_map`.
static IF_RELOAD: OnceLock<std::sync::Arc<std::sync::atomic::AtomicBool>> = OnceLock::new();

/// The SIGUSR2 reloader of `pcap_interfaces_map` (the capture thread does the work, as 1.7.7's
/// core loop does), when one is in use.
pub(crate) fn interfaces_reloader() -> Option<Box<dyn FnMut() -> Result<(), String> + Send>> {
    let flag = IF_RELOAD.get()?.clone();
    Some(Box::new(move || {
        flag.store(true, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }))
}

/// `pcap_ifindex`: how pmacctd 1.7.7 numbers a capture interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IfindexMode {
    None,
    Sys,
    Hash,
    Map,
}

impl IfindexMode {
    /// 1.7.7 compares prefixes (`sysfoo` is `sys`); anything else is ignored (none).
    fn parse(v: Option<&str>, core_name: &str) -> IfindexMode {
        let Some(v) = v else {
            return IfindexMode::None;
        };
        let l = v.to_ascii_lowercase();
        for (p, m) in [
            ("sys", IfindexMode::Sys),
            ("hash", IfindexMode::Hash),
            ("map", IfindexMode::Map),
            ("none", IfindexMode::None),
        ] {
            if l.starts_with(p) {
                return m;
            }
        }
        plog!(
            Warn,
            core_name,
            "core",
            "Ignoring unknown 'pcap_ifindex' value."
        );
        IfindexMode::None
    }
}

/// A device's id as 1.7.7's pm_pcap_add_interface() sets it.
fn device_id(
    mode: IfindexMode,
    name: &str,
    map: Option<&PcapInterfacesMap>,
) -> Result<u32, String> {
    Ok(match mode {
        IfindexMode::None => 0,
        IfindexMode::Sys => std::ffi::CString::new(name)
            // SAFETY: a valid NUL-terminated string for the duration of the call.
            .map_or(0, |c| unsafe { libc::if_nametoindex(c.as_ptr()) }),
        IfindexMode::Hash => jhash(name.as_bytes(), 0),
        IfindexMode::Map => match map {
            Some(m) => m.ifindex(name),
            None => {
                return Err(
                    "pcap_ifindex set to 'map' but no pcap_interface_map is defined. Exiting."
                        .into(),
                )
            }
        },
    })
}

fn map_direction(d: Option<MapDirection>) -> Option<capture::Direction> {
    d.map(|d| match d {
        MapDirection::In => capture::Direction::In,
        MapDirection::Out => capture::Direction::Out,
    })
}

fn load_interfaces_map(core_name: &str, path: &str) -> Result<PcapInterfacesMap, ()> {
    let mut diags = Vec::new();
    let r = PcapInterfacesMap::load(path, &mut diags);
    crate::maps::log_diags(core_name, &diags);
    r.map_err(|e| plog!(Warn, core_name, "core", "{}", e))
}

/// Also uacctd's (which has the same fragment handling).
pub(crate) fn pre_config(daemon: Daemon, argv: &[String]) -> PreConfig {
    let Ok(loaded) = pmacct_config::load(daemon, argv) else {
        return PreConfig::default();
    };
    // 1.7.7's nfprobe turns fragment handling on whatever its aggregate.
    let ports_aggregated = loaded.config.plugins.iter().any(|p| {
        p.kind == pmacct_config::PluginKind::Nfprobe
            || p.scope.list(key::AGGREGATE).is_some_and(|l| {
                l.iter().any(|x| {
                    matches!(
                        x.as_str(),
                        "src_port" | "dst_port" | "sum_port" | "tcpflags"
                    )
                })
            })
    });
    PreConfig {
        cmdline_filter: loaded.bpf_filter.filter(|f| !f.trim().is_empty()),
        ports_aggregated,
        sfprobe: loaded
            .config
            .plugins
            .iter()
            .any(|p| p.kind == pmacct_config::PluginKind::Sfprobe),
    }
}

/// pmacctd's core accounting as a collector decoder: each datagram is one captured frame.
pub struct PacketDecoder {
    acct: PacketAccountant,
    /// `pcap_filter` of a savefile (a live capture is filtered by libpcap itself).
    filter: Option<BpfFilter>,
}

impl Decoder for PacketDecoder {
    fn decode(
        &mut self,
        d: &Datagram<'_>,
        drops: &mut DropCounters,
        emit: &mut dyn FlowSink,
    ) -> Option<DatagramSummary> {
        if let Some(f) = &self.filter {
            if !f.matches(d.data, d.data.len() as u32) {
                return None;
            }
        }
        // The wall clock, for fragment timeouts only.
        let now = || {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |t| t.as_secs())
        };
        // Built in place, in the batch: only its lead when no plugin reads further.
        let (flow, lead) = match emit.slot_lead() {
            Some(f) => (f, true),
            None => (emit.slot(), false),
        };
        match self
            .acct
            .account_into(d.linktype, d.data, d.arrival, now, flow, lead)
        {
            Ok(()) => {
                let (i, o) = FRAME_IFINDEX.with(std::cell::Cell::get);
                if i > 0 {
                    flow.prims.in_iface = i;
                }
                if o > 0 {
                    flow.prims.out_iface = o;
                }
                emit.commit(None)
            }
            // The slot is not committed: the core drops it.
            Err(skip) => drops.add(skip.as_str(), 1),
        }
        // No per-exporter stats: pmacctd's SIGUSR1 reports libpcap counters instead.
        None
    }

    fn replicates_accounted_frames(&self) -> bool {
        true
    }
}

/// The capture thread's sink: frames into the core, the runtime's stop/stats requests.
struct CoreSink<'a> {
    core: &'a mut Core,
    ctx: &'a mut SourceCtx,
}

impl FrameSink for CoreSink<'_> {
    fn frame(&mut self, f: &Frame<'_>) {
        FRAME_IFINDEX.with(|c| c.set((f.ifindex_in, f.ifindex_out)));
        self.core.on_datagram(&Datagram {
            src: std::net::SocketAddr::from(([0, 0, 0, 0], 0)),
            data: f.data,
            arrival: f.ts,
            captured: None,
            linktype: f.linktype,
            wirelen: f.wirelen,
        });
    }
    fn idle(&mut self) {
        self.core.flush();
    }
    fn stopped(&self) -> bool {
        self.ctx.stopped()
    }
    fn stats_due(&mut self) -> bool {
        self.ctx.tick(self.core)
    }
}

fn running_as_root() -> bool {
    // SAFETY: getuid(2) has no preconditions and cannot fail.
    unsafe { libc::getuid() == 0 }
}

/// pmacctd's accounting options (uacctd's too: its keys share these fields; it has no
/// `*_time_new`).
pub(crate) fn packet_options(core: &Scope, pre: &PreConfig) -> PacketOptions {
    PacketOptions {
        handle_fragments: pre.ports_aggregated || core.bool(key::PMACCTD_FORCE_FRAG_HANDLING),
        time_new: core.bool(key::PMACCTD_TIME_NEW),
        ext_sampling_rate: core
            .u64(key::PMACCTD_EXT_SAMPLING_RATE)
            .map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX)),
        // pmacct's fragment buffer is in bytes; its entries are about 64 bytes each.
        frag_entries: core
            .u64(key::PMACCTD_FRAG_BUFFER_SIZE)
            .map_or(0, |b| usize::try_from(b / 64).unwrap_or(usize::MAX).max(1)),
    }
}

fn input(core: &Scope) -> Result<Input, String> {
    let pre = PRE.get().cloned().unwrap_or_default();
    let core_name = core
        .str(key::CORE_PROC_NAME)
        .unwrap_or_default()
        .to_string();
    let opts = packet_options(core, &pre);
    // `pcap_filter`; without -f, the command-line operands (pmacct: clbuf).
    let filter = pre
        .cmdline_filter
        .or_else(|| core.str(key::PCAP_FILTER).map(str::to_string));
    let mut frame_filter: Option<(String, String)> = None;
    let mut link_type = None;
    // 1.7.7 loads the map before its checks; a missing file exits.
    let map_path = core.str(key::PCAP_INTERFACES_MAP).map(str::to_string);
    let if_map = match &map_path {
        Some(p) => Some(load_interfaces_map(&core_name, p).map_err(|()| String::new())?),
        None => None,
    };
    let ifindex_mode = IfindexMode::parse(core.str(key::PCAP_IFINDEX), &core_name);
    let protocol = core.int(key::PCAP_PROTOCOL).unwrap_or(0);
    let savefile = collector::savefile(core, true)?;
    if (core.str(key::PCAP_INTERFACE).is_some() || if_map.is_some()) && savefile.is_some() {
        return Err("interface (-i), pcap_interfaces_map and pcap_savefile (-I) directives are mutually exclusive. Exiting.".into());
    }
    if core.str(key::PCAP_INTERFACE).is_some() && if_map.is_some() {
        return Err(
            "interface (-i) and pcap_interfaces_map directives are mutually exclusive. Exiting."
                .into(),
        );
    }
    let source = if let Some(sf) = savefile {
        let lt = capture::savefile_linktype(&sf.path)?;
        plog!(
            Info,
            &core_name,
            "core",
            "[{},0] link type is: {}",
            sf.path,
            lt
        );
        if !link_supported(lt) {
            return Err("pcap_savefile: unsupported link layer.".into());
        }
        link_type = Some(lt);
        // A live interface is filtered by libpcap; a savefile's frames by the decoder.
        if let Some(expr) = filter {
            match BpfFilter::compile_for_savefile(&expr, &sf.path) {
                Ok(_) => frame_filter = Some((expr, sf.path.clone())),
                Err(e) => plog!(
                    Warn,
                    &core_name,
                    "core",
                    "{} (going on without a filter)",
                    e
                ),
            }
        }
        Source::Savefile(sf)
    } else {
        if !running_as_root() && !core.bool(key::PMACCTD_NONROOT) {
            return Err(
                "You need superuser privileges to run this command.\nExiting ...".to_string(),
            );
        }
        let interface = match core.str(key::PCAP_INTERFACE) {
            Some(i) => i.to_string(),
            None if if_map.is_some() => String::new(),
            None => {
                plog!(Warn, &core_name, "core", "Selecting a suitable devices.");
                pcap::Device::lookup()
                    .ok()
                    .flatten()
                    .map(|d| d.name)
                    .ok_or("Unable to get interfaces list. Exiting.")?
            }
        };
        let spec = LiveSpec {
            rcvbuf: core.u64(key::PMACCTD_PIPE_SIZE).filter(|n| *n > 0),
            interface: interface.clone(),
            wait: core.bool(key::PCAP_INTERFACE_WAIT),
            promisc: core.bool(key::PROMISC),
            snaplen: {
                let n =
                    i32::try_from(core.u64(key::SNAPLEN).unwrap_or_default()).unwrap_or(i32::MAX);
                // 1.7.7 raises a short snaplen to sfprobe's 128-byte headers.
                if pre.sfprobe && n > 0 {
                    n.max(128)
                } else {
                    n
                }
            },
            direction: core
                .str(key::PCAP_DIRECTION)
                .and_then(capture::Direction::parse),
        };
        if let (Some(map), Some(path)) = (if_map, map_path) {
            let flag = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
            let _ = IF_RELOAD.set(flag.clone());
            let multi = Multi {
                spec,
                map,
                path,
                mode: ifindex_mode,
                protocol,
                flag,
            };
            let run_source: crate::runtime::CustomSource = Box::new(move |core, cx| {
                multi.run(&core_name, filter.as_deref(), CoreSink { core, ctx: cx });
            });
            return Ok(live_input(Source::Custom(run_source), core, opts));
        }
        let run_source: crate::runtime::CustomSource = Box::new(move |core, cx| {
            let ctx = CaptureCtx {
                core_name: &core_name,
                filter: filter.as_deref(),
            };
            let mut sink = CoreSink { core, ctx: cx };
            protocol_warning(&core_name, protocol);
            let cap = match capture::open_live(&spec, &ctx, &sink) {
                Ok(c) => c,
                Err(e) => {
                    plog!(Error, &core_name, "core", "{}", e);
                    sink.ctx.fail();
                    return;
                }
            };
            let id = match device_id(ifindex_mode, &spec.interface, None) {
                Ok(id) => id,
                Err(e) => {
                    plog!(Error, &core_name, "core", "{}", e);
                    sink.ctx.fail();
                    return;
                }
            };
            let (fin, fout) = capture::ifindexes(id, spec.direction);
            let lt = cap.get_datalink().0 as u32;
            plog!(
                Info,
                &core_name,
                "core",
                "[{},{}] link type is: {}",
                spec.interface,
                id,
                lt
            );
            if !link_supported(lt) {
                plog!(Error, &core_name, "core", "data link not supported: {}", lt);
                sink.ctx.fail();
                return;
            }
            let (received, dropped) =
                capture::run_live(cap, &spec.interface, (id, fin, fout), &ctx, &mut sink);
            plog!(
                Info,
                &core_name,
                "core",
                "[{},{}] received_packets={} dropped_packets={}",
                spec.interface,
                id,
                received,
                dropped
            );
        });
        Source::Custom(run_source)
    };
    Ok(Input {
        source,
        data_label: "packets",
        link_type,
        pipe_size_key: key::PMACCTD_PIPE_SIZE,
        renormalize: core.bool(key::PMACCTD_RENORMALIZE),
        new_decoder: Box::new(move || {
            Box::new(PacketDecoder {
                acct: PacketAccountant::new(opts),
                // compiled above already: cannot fail here
                filter: frame_filter
                    .as_ref()
                    .and_then(|(e, path)| BpfFilter::compile_for_savefile(e, path).ok()),
            })
        }),
    })
}

fn live_input(source: Source, core: &Scope, opts: PacketOptions) -> Input {
    Input {
        source,
        data_label: "packets",
        link_type: None,
        pipe_size_key: key::PMACCTD_PIPE_SIZE,
        renormalize: core.bool(key::PMACCTD_RENORMALIZE),
        new_decoder: Box::new(move || {
            Box::new(PacketDecoder {
                acct: PacketAccountant::new(opts),
                filter: None,
            })
        }),
    }
}

/// 1.7.7's libpcap check finds no `pcap_set_protocol()` (libpcap names it
/// `pcap_set_protocol_linux()`), so Debian's pmacctd only warns and captures all protocols.
fn protocol_warning(core_name: &str, protocol: i64) {
    if protocol != 0 {
        plog!(
            Warn,
            core_name,
            "core",
            "pcap_protocol specified but linked against a version of libpcap that does not support pcap_set_protocol()."
        );
    }
}

/// pmacctd with `pcap_interfaces_map`: every listed interface, reloaded on SIGUSR2.
struct Multi {
    spec: LiveSpec,
    map: PcapInterfacesMap,
    path: String,
    mode: IfindexMode,
    protocol: i64,
    flag: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Multi {
    /// Open `name` as the map's entry says (1.7.7's pm_pcap_add_interface()).
    fn open(
        &self,
        map: &PcapInterfacesMap,
        name: &str,
        ctx: &CaptureCtx<'_>,
        sink: &dyn FrameSink,
    ) -> Result<Device, String> {
        let dir = map_direction(map.entry(name).and_then(|e| e.direction)).or(self.spec.direction);
        let spec = LiveSpec {
            interface: name.to_string(),
            direction: dir,
            ..self.spec.clone()
        };
        protocol_warning(ctx.core_name, self.protocol);
        let cap = capture::open_live(&spec, ctx, sink)?;
        let id = device_id(self.mode, name, Some(map))?;
        let lt = cap.get_datalink().0 as u32;
        if !link_supported(lt) {
            return Err(format!("data link not supported: {lt}"));
        }
        plog!(
            Info,
            ctx.core_name,
            "core",
            "[{},{}] link type is: {}",
            name,
            id,
            lt
        );
        Device::new(
            cap,
            name,
            id,
            dir,
            map.entries.iter().position(|e| e.ifname == name),
        )
    }

    fn run(mut self, core_name: &str, filter: Option<&str>, mut sink: CoreSink<'_>) {
        let ctx = CaptureCtx { core_name, filter };
        let mut devs = Vec::new();
        for e in &self.map.entries {
            match self.open(&self.map, &e.ifname, &ctx, &sink) {
                Ok(d) => devs.push(d),
                Err(e) => {
                    plog!(Error, core_name, "core", "{}", e);
                    sink.ctx.fail();
                    return;
                }
            }
        }
        let flag = self.flag.clone();
        let mut failed = false;
        let mut reload = |devs: &mut Vec<Device>, sink: &dyn FrameSink| -> bool {
            if !flag.swap(false, std::sync::atomic::Ordering::Relaxed) {
                return true;
            }
            match self.reload(devs, &ctx, sink) {
                Ok(()) => true,
                Err(e) => {
                    if !e.is_empty() {
                        plog!(Error, core_name, "core", "{}", e);
                    }
                    failed = true;
                    false
                }
            }
        };
        let left = capture::run_multi(devs, &ctx, &mut sink, &mut reload);
        if failed {
            sink.ctx.fail();
        }
        for (name, id, r, d) in left {
            plog!(
                Info,
                core_name,
                "core",
                "[{},{}] received_packets={} dropped_packets={}",
                name,
                id,
                r,
                d
            );
        }
    }

    /// SIGUSR2, as 1.7.7: interfaces new to the map are opened (a failure exits), those kept
    /// stay open as they are (logged again), those gone are closed.
    fn reload(
        &mut self,
        devs: &mut Vec<Device>,
        ctx: &CaptureCtx<'_>,
        sink: &dyn FrameSink,
    ) -> Result<(), String> {
        let new = load_interfaces_map(ctx.core_name, &self.path).map_err(|()| String::new())?;
        let mut old: Vec<Device> = std::mem::take(devs);
        for e in &new.entries {
            if self.map.entry(&e.ifname).is_none() {
                devs.push(self.open(&new, &e.ifname, ctx, sink)?);
            } else if let Some(i) = old.iter().position(|d| d.name == e.ifname) {
                let mut d = old.swap_remove(i);
                // 1.7.7's stale entry pointer (see Device::map_idx); its id stays.
                let dir = d
                    .map_idx
                    .and_then(|i| new.entries.get(i))
                    .and_then(|e| map_direction(e.direction))
                    .or(self.spec.direction);
                d.ifindex = capture::ifindexes(d.id, dir);
                plog!(
                    Info,
                    ctx.core_name,
                    "core",
                    "[{},{}] link type is: {}",
                    d.name,
                    d.id,
                    d.linktype
                );
                devs.push(d);
            }
        }
        for d in old {
            plog!(
                Info,
                ctx.core_name,
                "core",
                "[{},{}] removed.",
                d.name,
                d.id
            );
        }
        self.map = new;
        Ok(())
    }
}

pub fn main(argv: &[String]) -> i32 {
    let _ = PRE.set(pre_config(Daemon::Pmacctd, argv));
    collector::main(&PROFILE, argv)
}
