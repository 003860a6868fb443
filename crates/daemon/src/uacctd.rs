//! uacctd: the NFLOG profile. Packets that an iptables/nftables `NFLOG`/`log group N` rule
//! hands to userspace over netlink are accounted as pmacctd accounts captured frames (same
//! fragment handling, `aggregate_filter`, maps and plugins), as uacctd 1.7.7 does.
//!
//! The NFLOG netlink protocol is spoken here directly on an `AF_NETLINK`/`NETLINK_NETFILTER`
//! socket (messages built and parsed by `pmacct_wire::nflog`), not through Debian's
//! libnetfilter_log: the protocol is five configuration requests and one message type, and
//! a C library would add a build and runtime dependency and its parser (which trusts
//! attribute lengths) in front of ours. Start-up as 1.7.7: bind the socket, (un)bind the
//! IPv4 and IPv6 families (no-ops on current kernels, sent as libnetfilter_log users do),
//! bind `uacctd_group`, copy mode "packet" with `snaplen` bytes, `uacctd_threshold`,
//! `uacctd_nl_size` (and a receive buffer of 10 times it, as libnetfilter_log asks),
//! `NETLINK_NO_ENOBUFS`; then each `recv()` of up to `uacctd_nl_size` bytes is a batch of
//! packet messages. An sfprobe plugin gets the Ethernet frames built for the accounting, with
//! the NFLOG interfaces.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use pmacct_config::{key, Daemon, Scope};
use pmacct_flow::producer::nflog::NflogAccountant;
use pmacct_flow::producer::packet::dlt;
use pmacct_plugins::datagram::Frame;
use pmacct_wire::nflog::{self, Config, Messages, CONFIG_MESSAGE_MAX};
use pmacct_wire::Timestamp;

use crate::collector::{self, Input, Profile};
use crate::core::{Core, Datagram, DatagramSummary, Decoder, DropCounters, FlowSink};
use crate::plog;
use crate::pmacctd::PreConfig;
use crate::runtime::{Source, SourceCtx};

pub const PROFILE: Profile = Profile {
    daemon: Daemon::Uacctd,
    flow_daemon: pmacct_flow::Daemon::Pmacctd,
    title: "Linux NetFilter NFLOG Accounting Daemon, uacctd",
    usage,
    input,
};

/// 1.7.7's `DEFAULT_NFLOG_BUFLEN` and `DEFAULT_NFLOG_THRESHOLD` (for 0 / unset).
const DEFAULT_NL_SIZE: u64 = 128 * 1024;
const DEFAULT_THRESHOLD: u64 = 1;
/// How long a read waits before looking at stop and stats requests (ms).
const READ_TIMEOUT_MS: i32 = 100;
/// Partial batches reach the plugins at least this often under load.
const FLUSH_EVERY: Duration = Duration::from_millis(100);
/// How long a configuration request waits for the kernel's answer.
const ACK_TIMEOUT: Duration = Duration::from_secs(5);

fn usage() -> String {
    format!(
        "Usage: uacctd [ -D | -d ] [ -g NFLOG group ] [ -c primitive [ , ... ] ] [ -P plugin [ , ... ] ]\n       uacctd [ -f config_file ]\n       uacctd [ -h ]\n\n\
General options:\n  -h  \tShow this page\n  -V  \tShow version and compile-time options and exit\n  -f  \tLoad configuration from the specified file\n  -a  \tPrint list of supported aggregation primitives\n  -c  \tAggregation method, see full list of primitives with -a (DEFAULT: src_host)\n  -D  \tDaemonize\n  -n  \tPath to a file containing networks and/or ASNs definitions\n  -t  \tPath to a file containing ports definitions\n  -P  \t[ memory | print | mysql | pgsql | sqlite3 | amqp | kafka | nfprobe | sfprobe ] \n\tActivate plugin\n  -d  \tEnable debug\n  -S  \t[ auth | mail | daemon | kern | user | local[0-7] ] \n\tLog to the specified syslog facility\n  -F  \tWrite Core Process PID into the specified file\n  -R  \tRenormalize sampled data\n  -g  \tNetlink NFLOG group\n  -L  \tSnapshot length\n  -u  \tLeave IP protocols in numerical format\n  --check-config\tValidate the configuration: one line per problem, then a summary; exit 0 clean, 1 errors, 2 warnings only (pmacct-rs extension)\n\n\
Memory plugin (-P memory) options:\n  -p  \tSocket for client-server communication (DEFAULT: /tmp/collect.pipe)\n  -b  \tNumber of buckets\n  -m  \tNumber of memory pools\n  -s  \tMemory pool size\n\n\
Print plugin (-P print) plugin options:\n  -r  \tRefresh time (in seconds)\n  -O  \t[ formatted | csv | json | avro ] \n\tOutput format\n  -o  \tPath to output file\n  -M  \tPrint event init/close marker messages\n  -A  \tAppend output (applies to -o)\n  -E  \tCSV format separator (applies to -O csv, DEFAULT: ',')\n\n{}",
        pmacct_config::keys_help()
    )
}

static PRE: OnceLock<PreConfig> = OnceLock::new();

/// uacctd's decoder: each datagram is the payload of one NFLOG packet message.
pub struct NflogDecoder {
    acct: NflogAccountant,
    /// The last packet's NFLOG interfaces (bridge port first), for sfprobe's samples.
    ifindex: (u32, u32),
}

impl Decoder for NflogDecoder {
    fn decode(
        &mut self,
        d: &Datagram<'_>,
        drops: &mut DropCounters,
        emit: &mut dyn FlowSink,
    ) -> Option<DatagramSummary> {
        match nflog::parse_packet(d.data) {
            Ok(p) => {
                // Built in place, in the batch: only its lead when no plugin reads further.
                let (flow, lead) = match emit.slot_lead() {
                    Some(f) => (f, true),
                    None => (emit.slot(), false),
                };
                match self.acct.account_into(&p, d.arrival, flow, lead) {
                    Ok(()) => {
                        self.ifindex = (p.ifindex_in(), p.ifindex_out());
                        emit.commit(None)
                    }
                    // The slot is not committed: the core drops it.
                    Err(skip) => drops.add(skip.as_str(), 1),
                }
            }
            Err(e) => drops.add(e.as_str(), 1),
        }
        // No per-exporter stats (there is no exporter), as pmacctd.
        None
    }

    /// sfprobe samples the frames uacctd 1.7.7 hands to pmacctd's accounting.
    fn replicates_accounted_frames(&self) -> bool {
        true
    }

    /// The rebuilt Ethernet frame (as 1.7.7's pcap header: caplen cut to `snaplen`, len all
    /// the kernel copied) and the NFLOG interfaces, which 1.7.7's sfprobe puts in its samples.
    fn accounted_frame(&self) -> Option<Frame<'_>> {
        let (data, wirelen) = self.acct.last_frame();
        Some(Frame {
            data,
            linktype: dlt::EN10MB,
            wirelen,
            ifindex_in: self.ifindex.0,
            ifindex_out: self.ifindex.1,
        })
    }
}

fn now() -> Timestamp {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Timestamp::new(d.as_secs(), d.subsec_micros())
}

fn errno_text() -> String {
    std::io::Error::last_os_error().to_string()
}

/// An NFLOG netlink socket bound to one group.
pub struct NflogSocket {
    fd: OwnedFd,
    seq: u32,
    group: u16,
}

/// What the socket is configured with.
#[derive(Debug, Clone, Copy)]
pub struct NflogSpec {
    pub group: u16,
    pub snaplen: u32,
    pub threshold: u32,
    pub nl_size: u32,
}

impl NflogSocket {
    /// Open the socket and configure it as uacctd 1.7.7 does; the error is 1.7.7's message.
    pub fn open(spec: &NflogSpec, core_name: &str) -> Result<NflogSocket, String> {
        // SAFETY: socket(2) with constant arguments; the result is checked.
        let fd = unsafe {
            libc::socket(
                libc::AF_NETLINK,
                libc::SOCK_RAW | libc::SOCK_CLOEXEC,
                nflog::NETLINK_NETFILTER,
            )
        };
        if fd < 0 {
            return Err(format!(
                "Failed to create Netlink NFLOG socket ({})",
                errno_text()
            ));
        }
        // SAFETY: fd is a descriptor we just opened and own alone.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        // SAFETY: a zeroed sockaddr_nl is valid; family set, pid 0 lets the kernel choose.
        let mut sa: libc::sockaddr_nl = unsafe { std::mem::zeroed() };
        sa.nl_family = libc::AF_NETLINK as libc::sa_family_t;
        // SAFETY: sa is a valid sockaddr_nl of the length given.
        let rc = unsafe {
            libc::bind(
                fd.as_raw_fd(),
                (&sa as *const libc::sockaddr_nl).cast(),
                std::mem::size_of::<libc::sockaddr_nl>() as libc::socklen_t,
            )
        };
        if rc < 0 {
            return Err(format!(
                "Failed to create Netlink NFLOG socket ({})",
                errno_text()
            ));
        }
        plog!(
            Info,
            core_name,
            "core",
            "Successfully connected Netlink NFLOG socket"
        );
        let mut s = NflogSocket {
            fd,
            seq: 0,
            group: spec.group,
        };
        const AF_INET: u8 = libc::AF_INET as u8;
        const AF_INET6: u8 = libc::AF_INET6 as u8;
        let steps: [(u16, u8, Config, String); 8] = [
            (
                0,
                AF_INET,
                Config::Cmd(nflog::CFG_CMD_PF_UNBIND),
                "Failed to unbind Netlink NFLOG socket from IPv4".into(),
            ),
            (
                0,
                AF_INET,
                Config::Cmd(nflog::CFG_CMD_PF_BIND),
                "Failed to bind Netlink NFLOG socket from IPv4".into(),
            ),
            (
                0,
                AF_INET6,
                Config::Cmd(nflog::CFG_CMD_PF_UNBIND),
                "Failed to unbind Netlink NFLOG socket from IPv6".into(),
            ),
            (
                0,
                AF_INET6,
                Config::Cmd(nflog::CFG_CMD_PF_BIND),
                "Failed to bind Netlink NFLOG socket from IPv6".into(),
            ),
            (
                spec.group,
                0,
                Config::Cmd(nflog::CFG_CMD_BIND),
                format!("Failed to join NFLOG group {}", spec.group),
            ),
            (
                spec.group,
                0,
                Config::Mode {
                    mode: nflog::COPY_PACKET,
                    range: spec.snaplen,
                },
                format!("Failed to set snaplen to {}", spec.snaplen),
            ),
            (
                spec.group,
                0,
                Config::QThresh(spec.threshold),
                format!("Failed to set threshold to {}", spec.threshold),
            ),
            (
                spec.group,
                0,
                Config::NlBufSiz(spec.nl_size),
                format!("Failed to set receive buffer size to {}", spec.nl_size),
            ),
        ];
        for (group, family, c, err) in steps {
            s.talk(group, family, c)
                .map_err(|e| format!("{err} ({e})"))?;
        }
        // libnetfilter_log: room for 10 batches; root may go past net.core.rmem_max.
        s.set_rcvbuf(spec.nl_size.saturating_mul(10));
        let one: libc::c_int = 1;
        // SAFETY: fd is open; `one` outlives the call and its length is given.
        let rc = unsafe {
            libc::setsockopt(
                s.fd.as_raw_fd(),
                libc::SOL_NETLINK,
                libc::NETLINK_NO_ENOBUFS,
                (&one as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        if rc < 0 {
            plog!(
                Error,
                core_name,
                "core",
                "Failed to turn off netlink ENOBUFS"
            );
        }
        Ok(s)
    }

    fn set_rcvbuf(&self, size: u32) {
        let v = libc::c_int::try_from(size).unwrap_or(libc::c_int::MAX);
        let len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
        for opt in [libc::SO_RCVBUFFORCE, libc::SO_RCVBUF] {
            // SAFETY: fd is open; v outlives the call and its length is given.
            let rc = unsafe {
                libc::setsockopt(
                    self.fd.as_raw_fd(),
                    libc::SOL_SOCKET,
                    opt,
                    (&v as *const libc::c_int).cast(),
                    len,
                )
            };
            if rc == 0 {
                break;
            }
        }
    }

    /// Send one configuration request and wait for its acknowledgement (packet messages
    /// arriving meanwhile, after the group is bound, are dropped: start-up only).
    fn talk(&mut self, group: u16, family: u8, c: Config) -> Result<(), String> {
        self.seq = self.seq.wrapping_add(1);
        let mut msg = [0u8; CONFIG_MESSAGE_MAX];
        let n = nflog::config_message(&mut msg, self.seq, group, family, c);
        // SAFETY: fd is open; msg holds n initialized bytes.
        let sent = unsafe { libc::send(self.fd.as_raw_fd(), msg.as_ptr().cast(), n, 0) };
        if sent < 0 {
            return Err(errno_text());
        }
        let deadline = Instant::now() + ACK_TIMEOUT;
        let mut buf = vec![0u8; 8192];
        while Instant::now() < deadline {
            let Some(len) = self.recv(&mut buf)? else {
                continue;
            };
            for m in Messages::new(&buf[..len]).flatten() {
                if m.kind == nflog::NLMSG_ERROR && m.seq == self.seq {
                    return match nflog::ack_error(m.payload) {
                        Some(0) => Ok(()),
                        Some(e) => Err(std::io::Error::from_raw_os_error(-e).to_string()),
                        None => Err("malformed netlink answer".into()),
                    };
                }
            }
        }
        Err("no answer from the kernel".into())
    }

    /// One `recv()` after up to [`READ_TIMEOUT_MS`] of waiting: `None` when nothing came.
    fn recv(&self, buf: &mut [u8]) -> Result<Option<usize>, String> {
        let mut pfd = libc::pollfd {
            fd: self.fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd for the duration of the call.
        let ready = unsafe { libc::poll(&mut pfd, 1, READ_TIMEOUT_MS) };
        if ready <= 0 {
            return Ok(None);
        }
        // SAFETY: fd is open; buf is writable for its length.
        let n = unsafe {
            libc::recv(
                self.fd.as_raw_fd(),
                buf.as_mut_ptr().cast(),
                buf.len(),
                libc::MSG_DONTWAIT,
            )
        };
        if n < 0 {
            let e = std::io::Error::last_os_error();
            return match e.raw_os_error() {
                Some(libc::EAGAIN) | Some(libc::EINTR) => Ok(None),
                // Overruns are counted by the kernel; NETLINK_NO_ENOBUFS keeps them quiet.
                Some(libc::ENOBUFS) => Ok(None),
                _ => Err(e.to_string()),
            };
        }
        Ok(Some(n as usize))
    }
}

impl Drop for NflogSocket {
    fn drop(&mut self) {
        // Leave the group free for the next instance at once (the kernel would also free
        // it when the socket closes).
        let _ = self.talk(self.group, 0, Config::Cmd(nflog::CFG_CMD_UNBIND));
    }
}

/// Read packet batches until stopped, handing each packet message to the core.
fn run(sock: &NflogSocket, nl_size: usize, core: &mut Core, ctx: &mut SourceCtx, name: &str) {
    let mut buf = vec![0u8; nl_size];
    let mut last_flush = Instant::now();
    let mut errors = 0u64;
    while !ctx.stopped() {
        match sock.recv(&mut buf) {
            Ok(Some(n)) => {
                let arrival = now();
                for m in Messages::new(&buf[..n]) {
                    match m {
                        Ok(m) if m.kind == nflog::MSG_PACKET => core.on_datagram(&Datagram {
                            src: std::net::SocketAddr::from(([0, 0, 0, 0], 0)),
                            data: m.payload,
                            arrival,
                            captured: None,
                            linktype: 0,
                            wirelen: 0,
                        }),
                        // Acks of our own requests, NOOP/DONE: nothing to account.
                        Ok(_) => {}
                        Err(e) => {
                            errors += 1;
                            if errors.is_power_of_two() {
                                plog!(
                                    Warn,
                                    name,
                                    "core",
                                    "NFLOG: malformed netlink batch ({}), {} so far",
                                    e,
                                    errors
                                );
                            }
                        }
                    }
                }
                if last_flush.elapsed() >= FLUSH_EVERY {
                    core.flush();
                    last_flush = Instant::now();
                }
            }
            Ok(None) => {
                core.flush();
                last_flush = Instant::now();
            }
            Err(e) => {
                // As 1.7.7: a permanent error is logged and retried a second later.
                plog!(
                    Error,
                    name,
                    "core",
                    "Syscall returned an error: {}. Sleeping for 1 sec.",
                    e
                );
                std::thread::sleep(Duration::from_secs(1));
            }
        }
        ctx.tick(core);
    }
    core.flush();
}

/// 1.7.7 requires uid 0; joining an NFLOG group needs CAP_NET_ADMIN only, which the
/// packaged unit gives the user pmacct: either will do.
fn privileged() -> bool {
    // SAFETY: getuid(2) has no preconditions and cannot fail.
    if unsafe { libc::getuid() } == 0 {
        return true;
    }
    const CAP_NET_ADMIN: u32 = 12;
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let hex = s.lines().find_map(|l| l.strip_prefix("CapEff:"))?.trim();
            u64::from_str_radix(hex, 16).ok()
        })
        .is_some_and(|eff| eff & (1 << CAP_NET_ADMIN) != 0)
}

/// The socket settings from the core scope, with 1.7.7's defaults for 0 (`snaplen` is at
/// least 128, sfprobe's header size, which 1.7.7 also raises it to for sfprobe).
fn spec(core: &Scope) -> NflogSpec {
    let or = |k, d: u64| core.u64(k).filter(|n| *n > 0).unwrap_or(d);
    let clamp = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
    NflogSpec {
        group: u16::try_from(core.u64(key::UACCTD_GROUP).unwrap_or(0)).unwrap_or(0),
        snaplen: clamp(or(key::SNAPLEN, crate::capture::DEFAULT_SNAPLEN as u64)),
        threshold: clamp(or(key::UACCTD_THRESHOLD, DEFAULT_THRESHOLD)),
        nl_size: clamp(or(key::UACCTD_NL_SIZE, DEFAULT_NL_SIZE)),
    }
}

fn input(core: &Scope) -> Result<Input, String> {
    if !privileged() {
        return Err("You need superuser privileges to run this command.\nExiting ...".to_string());
    }
    let pre = PRE.get().cloned().unwrap_or_default();
    let core_name = core
        .str(key::CORE_PROC_NAME)
        .unwrap_or_default()
        .to_string();
    // As 1.7.7 (checked after the socket there; before it here, nothing is bound yet).
    if core.str(key::FLOW_TO_RD_MAP).is_some() {
        return Err("'flow_to_rd_map' is not supported by this daemon. Exiting.".into());
    }
    // 1.7.7 matches it against pre_tag_map's `direction`; not done here yet: say so.
    if let Some(d) = core.str(key::PCAP_DIRECTION) {
        plog!(
            Warn,
            &core_name,
            "core",
            "uacctd_direction/pcap_direction '{}': recognized, not supported yet by pmacct-rs uacctd (ignored).",
            d
        );
    }
    // pmacctd_time_new has no uacctd key: the field is never set for uacctd.
    let opts = crate::pmacctd::packet_options(core, &pre);
    let spec = spec(core);
    let sock = NflogSocket::open(&spec, &core_name)?;
    let run_source: crate::runtime::CustomSource = Box::new(move |core, cx| {
        run(&sock, spec.nl_size as usize, core, cx, &core_name);
    });
    let snaplen = spec.snaplen as usize;
    Ok(Input {
        source: Source::Custom(run_source),
        data_label: "packets",
        // uacctd hands pmacctd's accounting Ethernet frames (1.7.7: DLT_EN10MB).
        link_type: Some(dlt::EN10MB),
        pipe_size_key: key::UACCTD_NL_SIZE,
        renormalize: core.bool(key::PMACCTD_RENORMALIZE),
        new_decoder: Box::new(move || {
            Box::new(NflogDecoder {
                acct: NflogAccountant::new(opts, snaplen),
                ifindex: (0, 0),
            })
        }),
    })
}

pub fn main(argv: &[String]) -> i32 {
    let _ = PRE.set(crate::pmacctd::pre_config(Daemon::Uacctd, argv));
    collector::main(&PROFILE, argv)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_lists_only_uacctd_flags() {
        pmacct_config::check_usage(Daemon::Uacctd, &usage()).unwrap();
    }

    #[test]
    fn defaults_as_1_7_7() {
        let l =
            pmacct_config::parse_str(Daemon::Uacctd, Some("u.conf"), "uacctd_nl_size: 0\n", &[])
                .unwrap();
        let s = spec(&l.config.core);
        assert_eq!(
            (s.group, s.snaplen, s.threshold, s.nl_size),
            (0, 128, 1, 131_072)
        );
        let l = pmacct_config::parse_str(
            Daemon::Uacctd,
            Some("u.conf"),
            "uacctd_group: 7\nsnaplen: 1500\nuacctd_threshold: 10\nuacctd_nl_size: 2097152\n",
            &[],
        )
        .unwrap();
        let s = spec(&l.config.core);
        assert_eq!(
            (s.group, s.snaplen, s.threshold, s.nl_size),
            (7, 1500, 10, 2_097_152)
        );
    }
}
