//! pmacctd's packet sources: live capture on an interface with libpcap, or a savefile of raw
//! frames (`pcap_savefile`), as pmacctd 1.7.7 opens and reads them.
//!
//! - live: `pcap_interface` (`-i`), `promisc` (default on, `-N` off), `snaplen` (`-L`, default
//!   128), `pcap_direction` (in/out, where libpcap supports it), read timeout 1 s as pmacct;
//!   `pcap_interface_wait` (`-w`) retries the open 3 times 5 s apart before giving up, as
//!   pmacct's `PCAP_MAX_ATTEMPTS`/`PCAP_RETRY_PERIOD`;
//! - both: the BPF filter (`pcap_filter`, or the operands after the flags when there is no
//!   `-f`) is compiled for the source's link type; a filter that does not compile is logged and
//!   the source runs unfiltered, as pmacct does;
//! - savefile: `pcap_savefile_delay` (default: pmacct sleeps 2 s to let plugins start; we have
//!   no such race, so only an explicit delay sleeps), `_replay` rounds (the filter applies to
//!   every round; pmacct 1.7.7 only filters the first one), `_wait` handled by the caller;
//! - SIGUSR1: the libpcap received/dropped counters of a live interface, logged by the
//!   capture thread between pmacct's `+++`/`---` lines.

use std::time::{Duration, Instant};

use pmacct_wire::Timestamp;

use crate::plog;

/// One captured frame.
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    /// The captured bytes (at most the snaplen).
    pub data: &'a [u8],
    /// The frame's length on the wire.
    pub wirelen: u32,
    /// Capture time from the pcap header.
    pub ts: Timestamp,
    /// libpcap DLT of the source.
    pub linktype: u32,
    /// The interface's ifindex as pmacctd 1.7.7 assigns it (`pcap_ifindex` and the capture
    /// direction: see [`ifindexes`]); 0 when none.
    pub ifindex_in: u32,
    pub ifindex_out: u32,
}

/// pmacct's `DEFAULT_SNAPLEN`.
pub const DEFAULT_SNAPLEN: i32 = 128;
/// pmacct's `PCAP_MAX_ATTEMPTS` and `PCAP_RETRY_PERIOD` (seconds) for `pcap_interface_wait`.
const OPEN_ATTEMPTS: u32 = 3;
const OPEN_RETRY_SECS: u64 = 5;
/// How long a live read waits for a packet before looking at stop and stats requests (ms).
const READ_TIMEOUT_MS: i32 = 100;
/// Partial batches reach the plugins at least this often on a busy interface.
const FLUSH_EVERY: Duration = Duration::from_millis(100);

/// `pcap_direction`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    In,
    Out,
}

impl Direction {
    /// pmacct's values: `in`, `out` (anything else: both, as pmacct's default INOUT).
    pub fn parse(s: &str) -> Option<Direction> {
        match s.to_ascii_lowercase().as_str() {
            "in" => Some(Direction::In),
            "out" => Some(Direction::Out),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct LiveSpec {
    pub interface: String,
    pub wait: bool,
    pub promisc: bool,
    pub snaplen: i32,
    pub direction: Option<Direction>,
    /// `pmacctd_pipe_size`: SO_RCVBUF of the capture socket, as pmacctd sets it.
    pub rcvbuf: Option<u64>,
}

#[derive(Debug, Clone)]
pub struct SavefileSpec {
    pub path: String,
    pub delay: u64,
    pub replay: u64,
}

#[derive(Debug, Clone)]
pub enum SourceSpec {
    Live(LiveSpec),
    Savefile(SavefileSpec),
}

/// What a capture source needs besides its spec.
pub struct CaptureCtx<'a> {
    pub core_name: &'a str,
    /// The BPF filter expression (`pcap_filter` or the command-line operands).
    pub filter: Option<&'a str>,
}

/// Where captured frames go, and the runtime's requests to the capture loop.
pub trait FrameSink {
    fn frame(&mut self, f: &Frame<'_>);
    /// Nothing arrived for a while (live): flush partial batches.
    fn idle(&mut self);
    /// SIGINT/SIGTERM: return.
    fn stopped(&self) -> bool;
    /// SIGUSR1 asked for stats since the last call (the sink logs the core's own).
    fn stats_due(&mut self) -> bool;
}

fn frame_of<'a>(p: &pcap::Packet<'a>, linktype: u32, ifindex: (u32, u32)) -> Frame<'a> {
    Frame {
        data: p.data,
        wirelen: p.header.len,
        ts: Timestamp::new(
            u64::try_from(p.header.ts.tv_sec).unwrap_or(0),
            u32::try_from(p.header.ts.tv_usec).unwrap_or(0),
        ),
        linktype,
        ifindex_in: ifindex.0,
        ifindex_out: ifindex.1,
    }
}

/// The (in, out) ifindex of a device's packets, as 1.7.7 fills in_iface/out_iface: its id
/// goes to the side the direction names (the map entry's, else `pcap_direction`; none:
/// neither).
pub fn ifindexes(id: u32, dir: Option<Direction>) -> (u32, u32) {
    match (id, dir) {
        (0, _) | (_, None) => (0, 0),
        (id, Some(Direction::In)) => (id, 0),
        (id, Some(Direction::Out)) => (0, id),
    }
}

/// Compile and install the filter on a capture; a failure is logged and the capture goes on
/// unfiltered (pmacct's "going on without a filter").
fn set_filter<T: pcap::Activated + ?Sized>(
    cap: &mut pcap::Capture<T>,
    filter: Option<&str>,
    core_name: &str,
) {
    let Some(expr) = filter.filter(|f| !f.trim().is_empty()) else {
        return;
    };
    if let Err(e) = cap.filter(expr, true) {
        plog!(Warn, core_name, "core", "{} (going on without a filter)", e);
    }
}

/// `pmacctd_pipe_size`: pmacctd sets SO_RCVBUF on the capture descriptor and logs what it
/// obtained (DEBUG, as 1.7.7).
fn set_rcvbuf(cap: &pcap::Capture<pcap::Active>, want: u64, core_name: &str) {
    let fd = std::os::unix::io::AsRawFd::as_raw_fd(cap);
    let v = libc::c_int::try_from(want).unwrap_or(libc::c_int::MAX);
    let len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    let mut got: libc::c_int = 0;
    let mut got_len = len;
    // SAFETY: fd is the capture's open socket; v, got and got_len outlive the calls.
    unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_RCVBUF,
            (&v as *const libc::c_int).cast(),
            len,
        );
        libc::getsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_RCVBUF,
            (&mut got as *mut libc::c_int).cast(),
            &mut got_len,
        );
    }
    plog!(
        Debug,
        core_name,
        "core",
        "pmacctd_pipe_size: obtained={} target={}.",
        got,
        v
    );
}

/// pmacct prints `pcap_statustostr(status) (pcap_geterr())` when pcap_activate fails; the
/// pcap crate hands over only the second: the status is recovered from it.
fn pcap_open_error(geterr: &str) -> String {
    let status = if geterr.contains("No such device") {
        "No such device exists"
    } else if geterr.contains("Operation not permitted") || geterr.contains("ermission") {
        "You don't have permission to perform this capture on that device"
    } else {
        return geterr.to_string();
    };
    format!("{status} ({geterr})")
}

/// Open a live interface as pmacctd does (retrying when `wait`).
pub fn open_live(
    spec: &LiveSpec,
    ctx: &CaptureCtx<'_>,
    sink: &dyn FrameSink,
) -> Result<pcap::Capture<pcap::Active>, String> {
    let mut attempt = 0;
    loop {
        let opened = pcap::Capture::from_device(spec.interface.as_str())
            .map(|c| {
                c.promisc(spec.promisc)
                    .snaplen(spec.snaplen)
                    .timeout(READ_TIMEOUT_MS)
            })
            .and_then(|c| c.open());
        match opened {
            Ok(mut cap) => {
                if let Some(d) = spec.direction {
                    let d = match d {
                        Direction::In => pcap::Direction::In,
                        Direction::Out => pcap::Direction::Out,
                    };
                    if let Err(e) = cap.direction(d) {
                        plog!(
                            Warn,
                            ctx.core_name,
                            "core",
                            "[{}] pcap_direction not supported: {}",
                            spec.interface,
                            e
                        );
                    }
                }
                set_filter(&mut cap, ctx.filter, ctx.core_name);
                if let Some(want) = spec.rcvbuf {
                    set_rcvbuf(&cap, want, ctx.core_name);
                }
                return Ok(cap);
            }
            Err(e) => {
                attempt += 1;
                if !spec.wait {
                    // libpcap's own text, as pmacct prints it (without the crate's prefix).
                    let e = match e {
                        pcap::Error::PcapError(m) => m,
                        e => e.to_string(),
                    };
                    let e = e
                        .strip_prefix(&format!("{}: ", spec.interface))
                        .unwrap_or(&e);
                    return Err(format!(
                        "[{}] pm_pcap_open(): {}: {}. Exiting.",
                        spec.interface,
                        spec.interface,
                        pcap_open_error(e)
                    ));
                }
                if attempt >= OPEN_ATTEMPTS {
                    return Err(format!(
                        "[{}] pm_pcap_open(): giving up after too many attempts.",
                        spec.interface
                    ));
                }
                for _ in 0..OPEN_RETRY_SECS * 10 {
                    if sink.stopped() {
                        return Err(format!("[{}] interrupted while waiting", spec.interface));
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        }
    }
}

/// pmacct's SIGUSR1 block for a live interface.
fn log_stats(cap: &mut pcap::Capture<pcap::Active>, ifname: &str, id: u32, core_name: &str) {
    plog!(Notice, core_name, "core", "+++");
    log_dev_stats(cap, ifname, id, core_name);
    plog!(Notice, core_name, "core", "---");
}

/// One device's stats line (between the `+++`/`---` lines).
fn log_dev_stats(cap: &mut pcap::Capture<pcap::Active>, ifname: &str, id: u32, core_name: &str) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    match cap.stats() {
        Ok(s) => plog!(
            Notice,
            core_name,
            "core",
            "stats [{},{}] time={} received_packets={} dropped_packets={}",
            ifname,
            id,
            now,
            s.received,
            s.dropped
        ),
        Err(e) => plog!(
            Info,
            core_name,
            "core",
            "stats [{},{}] time={} error='pcap_stats(): {}'",
            ifname,
            id,
            now,
            e
        ),
    }
}

/// Read frames from a live capture until `stop`; returns the final libpcap counters
/// (received, dropped).
pub fn run_live(
    cap: pcap::Capture<pcap::Active>,
    ifname: &str,
    ifindex: (u32, u32, u32),
    ctx: &CaptureCtx<'_>,
    sink: &mut dyn FrameSink,
) -> (u32, u32) {
    let linktype = cap.get_datalink().0 as u32;
    // libpcap's TPACKET_V3 read blocks until a packet arrives whatever the read timeout (the
    // kernel retires no empty block): read non-blocking and wait in poll(2) ourselves, so a
    // stop or a stats request is seen on an idle interface.
    let mut cap = match cap.setnonblock() {
        Ok(c) => c,
        Err(e) => {
            plog!(
                Error,
                ctx.core_name,
                "core",
                "[{}] setnonblock: {}",
                ifname,
                e
            );
            return (0, 0);
        }
    };
    let fd = std::os::unix::io::AsRawFd::as_raw_fd(&cap);
    let mut last_flush = Instant::now();
    while !sink.stopped() {
        match cap.next_packet() {
            Ok(p) => {
                sink.frame(&frame_of(&p, linktype, (ifindex.1, ifindex.2)));
                // A busy interface never times out: flush on the clock too.
                if last_flush.elapsed() >= FLUSH_EVERY {
                    sink.idle();
                    last_flush = Instant::now();
                }
            }
            Err(pcap::Error::TimeoutExpired) => {
                sink.idle();
                last_flush = Instant::now();
                let mut pfd = libc::pollfd {
                    fd,
                    events: libc::POLLIN,
                    revents: 0,
                };
                // SAFETY: one valid pollfd for the duration of the call; the descriptor is
                // the capture's, open while `cap` lives.
                unsafe { libc::poll(&mut pfd, 1, READ_TIMEOUT_MS) };
            }
            Err(e) => {
                plog!(
                    Error,
                    ctx.core_name,
                    "core",
                    "[{}] pcap read failed: {}",
                    ifname,
                    e
                );
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        if sink.stats_due() {
            log_stats(&mut cap, ifname, ifindex.0, ctx.core_name);
        }
    }
    sink.idle();
    cap.stats().map_or((0, 0), |s| (s.received, s.dropped))
}

/// One interface of a `pcap_interfaces_map` capture, opened (non-blocking).
pub struct Device {
    pub cap: pcap::Capture<pcap::Active>,
    pub name: String,
    /// pmacct's device id (`pcap_ifindex`), in its log lines.
    pub id: u32,
    /// (in, out) ifindex of its packets ([`ifindexes`]).
    pub ifindex: (u32, u32),
    pub linktype: u32,
    /// Position of its pcap_interfaces_map entry when it was opened: 1.7.7 keeps a pointer
    /// into the map's entry array, which a reload refills in place, so a kept interface's
    /// direction becomes that of the entry now at this position.
    pub map_idx: Option<usize>,
}

impl Device {
    pub fn new(
        cap: pcap::Capture<pcap::Active>,
        name: &str,
        id: u32,
        dir: Option<Direction>,
        map_idx: Option<usize>,
    ) -> Result<Device, String> {
        let linktype = cap.get_datalink().0 as u32;
        let cap = cap
            .setnonblock()
            .map_err(|e| format!("[{name}] setnonblock: {e}"))?;
        Ok(Device {
            cap,
            name: name.to_string(),
            id,
            ifindex: ifindexes(id, dir),
            map_idx,
            linktype,
        })
    }
}

/// Read frames from several interfaces (pmacctd with `pcap_interfaces_map`) until `stop`,
/// one frame per ready interface in turn, as 1.7.7's select() loop. `reload` is called on
/// every pass: it applies a pending SIGUSR2 to `devs` (adds and removes interfaces) and
/// returns false when the daemon must exit (1.7.7 exits when a new interface cannot be opened
/// or the map is gone). Returns each remaining device's final counters.
pub fn run_multi(
    mut devs: Vec<Device>,
    ctx: &CaptureCtx<'_>,
    sink: &mut dyn FrameSink,
    reload: &mut dyn FnMut(&mut Vec<Device>, &dyn FrameSink) -> bool,
) -> Vec<(String, u32, u32, u32)> {
    let mut last_flush = Instant::now();
    let mut pfds: Vec<libc::pollfd> = Vec::new();
    'run: while !sink.stopped() {
        if !reload(&mut devs, &*sink) {
            break;
        }
        let mut got = false;
        for d in devs.iter_mut() {
            match d.cap.next_packet() {
                Ok(p) => {
                    got = true;
                    sink.frame(&frame_of(&p, d.linktype, d.ifindex));
                }
                Err(pcap::Error::TimeoutExpired) => {}
                Err(e) => {
                    plog!(
                        Error,
                        ctx.core_name,
                        "core",
                        "[{}] pcap read failed: {}",
                        d.name,
                        e
                    );
                }
            }
            if sink.stopped() {
                break 'run;
            }
        }
        if got {
            if last_flush.elapsed() >= FLUSH_EVERY {
                sink.idle();
                last_flush = Instant::now();
            }
        } else {
            sink.idle();
            last_flush = Instant::now();
            pfds.clear();
            pfds.extend(devs.iter().map(|d| libc::pollfd {
                fd: std::os::unix::io::AsRawFd::as_raw_fd(&d.cap),
                events: libc::POLLIN,
                revents: 0,
            }));
            if pfds.is_empty() {
                std::thread::sleep(Duration::from_millis(READ_TIMEOUT_MS as u64));
            } else {
                // SAFETY: `pfds` holds pfds.len() valid pollfds for the call; the descriptors
                // are the captures', open while `devs` lives.
                unsafe {
                    libc::poll(
                        pfds.as_mut_ptr(),
                        pfds.len() as libc::nfds_t,
                        READ_TIMEOUT_MS,
                    )
                };
            }
        }
        if sink.stats_due() {
            plog!(Notice, ctx.core_name, "core", "+++");
            for d in devs.iter_mut() {
                log_dev_stats(&mut d.cap, &d.name, d.id, ctx.core_name);
            }
            plog!(Notice, ctx.core_name, "core", "---");
        }
    }
    sink.idle();
    devs.iter_mut()
        .map(|d| {
            let (r, dr) = d.cap.stats().map_or((0, 0), |s| (s.received, s.dropped));
            (d.name.clone(), d.id, r, dr)
        })
        .collect()
}

/// The link type of a savefile (to check it before starting plugins).
pub fn savefile_linktype(path: &str) -> Result<u32, String> {
    pcap::Capture::from_file(path)
        .map(|c| c.get_datalink().0 as u32)
        .map_err(|e| crate::savefile::open_error(path, &e))
}

/// Read every frame of a savefile, `replay` times (at least once). Returns frames read.
pub fn run_savefile(
    spec: &SavefileSpec,
    ctx: &CaptureCtx<'_>,
    sink: &mut dyn FrameSink,
) -> Result<u64, String> {
    let mut n = 0u64;
    for _ in 0..spec.replay.max(1) {
        if spec.delay > 0 {
            std::thread::sleep(Duration::from_secs(spec.delay));
        }
        let mut cap = pcap::Capture::from_file(&spec.path)
            .map_err(|e| format!("pcap_open_offline(): {e}"))?;
        let linktype = cap.get_datalink().0 as u32;
        set_filter(&mut cap, ctx.filter, ctx.core_name);
        loop {
            if sink.stopped() {
                return Ok(n);
            }
            let _ = sink.stats_due();
            match cap.next_packet() {
                Ok(p) => {
                    n += 1;
                    sink.frame(&frame_of(&p, linktype, (0, 0)));
                }
                Err(pcap::Error::NoMorePackets) => break,
                Err(e) => {
                    plog!(
                        Warn,
                        ctx.core_name,
                        "core",
                        "pcap_savefile '{}': {}",
                        spec.path,
                        e
                    );
                    break;
                }
            }
        }
    }
    sink.idle();
    Ok(n)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A savefile with `frames` (Ethernet), all stamped 1 s apart.
    fn savefile(frames: &[Vec<u8>]) -> tempfile_path::TempPath {
        let path = tempfile_path::TempPath::new("capture-test.pcap");
        let mut out = Vec::new();
        out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
        out.extend_from_slice(&2u16.to_le_bytes());
        out.extend_from_slice(&4u16.to_le_bytes());
        out.extend_from_slice(&[0; 8]);
        out.extend_from_slice(&65535u32.to_le_bytes());
        out.extend_from_slice(&1u32.to_le_bytes());
        for (i, f) in frames.iter().enumerate() {
            out.extend_from_slice(&(1_700_000_000u32 + i as u32).to_le_bytes());
            out.extend_from_slice(&5u32.to_le_bytes());
            out.extend_from_slice(&(f.len() as u32).to_le_bytes());
            out.extend_from_slice(&(f.len() as u32).to_le_bytes());
            out.extend_from_slice(f);
        }
        std::fs::write(&path.0, out).unwrap();
        path
    }

    pub(crate) mod tempfile_path {
        pub struct TempPath(pub std::path::PathBuf);
        impl TempPath {
            pub fn new(name: &str) -> TempPath {
                TempPath(std::env::temp_dir().join(format!("{}-{name}", std::process::id())))
            }
        }
        impl Drop for TempPath {
            fn drop(&mut self) {
                let _ = std::fs::remove_file(&self.0);
            }
        }
    }

    fn udp_frame(dport: u16) -> Vec<u8> {
        let mut f = vec![0u8; 12];
        f.extend_from_slice(&[0x08, 0x00]);
        f.extend_from_slice(&[0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0]);
        f.extend_from_slice(&[10, 0, 0, 1, 10, 0, 0, 2]);
        f.extend_from_slice(&1000u16.to_be_bytes());
        f.extend_from_slice(&dport.to_be_bytes());
        f.extend_from_slice(&[0, 8, 0, 0]);
        f
    }

    /// Records frames; never stopped.
    #[derive(Default)]
    struct Sink(Vec<(u64, u32, u32)>);
    impl FrameSink for Sink {
        fn frame(&mut self, f: &Frame<'_>) {
            self.0.push((f.ts.secs, f.wirelen, f.linktype));
        }
        fn idle(&mut self) {}
        fn stopped(&self) -> bool {
            false
        }
        fn stats_due(&mut self) -> bool {
            false
        }
    }

    #[test]
    fn savefile_filter_and_replay() {
        let p = savefile(&[udp_frame(53), udp_frame(80), udp_frame(53)]);
        let ctx = CaptureCtx {
            core_name: "default",
            filter: Some("udp port 53"),
        };
        let spec = SavefileSpec {
            path: p.0.to_string_lossy().into_owned(),
            delay: 0,
            replay: 2,
        };
        let mut sink = Sink::default();
        run_savefile(&spec, &ctx, &mut sink).unwrap();
        let seen = sink.0;
        // the filter holds in both rounds
        assert_eq!(
            seen,
            [
                (1_700_000_000, 42, 1),
                (1_700_000_002, 42, 1),
                (1_700_000_000, 42, 1),
                (1_700_000_002, 42, 1)
            ]
        );
        // a filter that does not compile: unfiltered, as pmacct
        let ctx = CaptureCtx {
            filter: Some("port port"),
            ..ctx
        };
        let mut sink = Sink::default();
        run_savefile(&SavefileSpec { replay: 1, ..spec }, &ctx, &mut sink).unwrap();
        assert_eq!(sink.0.len(), 3);
        assert_eq!(savefile_linktype(&p.0.to_string_lossy()), Ok(1));
    }

    #[test]
    fn missing_interface_fails_without_wait() {
        let ctx = CaptureCtx {
            core_name: "default",
            filter: None,
        };
        let spec = LiveSpec {
            rcvbuf: None,
            interface: "pmacct-rs-none0".into(),
            wait: false,
            promisc: true,
            snaplen: DEFAULT_SNAPLEN,
            direction: None,
        };
        let e = open_live(&spec, &ctx, &Sink::default()).err().unwrap();
        assert!(e.contains("pm_pcap_open()"), "{e}");
    }
}
