//! uacctd on NFLOG, against Debian's uacctd 1.7.7, in a network namespace the test makes.
//!
//! The test creates a namespace (`ip netns add`), brings its `lo` up and loads an nftables
//! ruleset there that logs the test's traffic twice, to NFLOG group 11 and to group 12, on
//! the output and on the input hook. Debian's uacctd runs in the namespace on group 11 and
//! ours on group 12 (`ip netns exec`), each with two print plugins (all records; an
//! `aggregate_filter` keeping IPv6). The test then sends, from sockets it opens inside the
//! namespace (a thread that `setns(2)`s into it): 200 UDP/IPv4 datagrams of 1..=200 bytes,
//! 50 UDP/IPv6 datagrams of 700 bytes (more than snaplen: bytes come from the IP header, not
//! from what the kernel copied) and one TCP stream of 50 kB. After SIGINT both must have
//! printed the same records, and the UDP records must be exactly what was sent (packets,
//! IP bytes, addresses, ports, in_iface/out_iface of each hook).
//!
//! Needs root, iproute2 and nft (.ci/deps.sh installs nftables); CI runs as root. Without
//! them the test fails and says what is missing: it is never skipped.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use compat_tests::{compare, Format};

mod netns;
use netns::within;

const UACCTD: &str = env!("CARGO_BIN_EXE_uacctd");
const SFACCTD: &str = env!("CARGO_BIN_EXE_sfacctd");
const NFACCTD: &str = env!("CARGO_BIN_EXE_nfacctd");
/// Inside the test's own namespace: no other test can hold them.
const UDP_PORT: u16 = 47101;
const TCP_PORT: u16 = 47102;
const GROUP_PMACCT: u16 = 11;
const GROUP_OURS: u16 = 12;

fn run(cmd: &str, args: &[&str], stdin: Option<&str>) -> Result<(), String> {
    let mut c = Command::new(cmd);
    c.args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c
        .spawn()
        .map_err(|e| format!("{cmd} {}: {e}", args.join(" ")))?;
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .map_err(|e| e.to_string())?;
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{cmd} {}: {}\n{}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// A network namespace with `lo` up and the NFLOG rules; deleted on drop.
struct Netns {
    name: String,
}

impl Netns {
    /// uacctd_live's namespace: the test's traffic logged to both groups on both hooks.
    fn new() -> Netns {
        let mut rules = String::new();
        for (port, proto, dir) in [
            (UDP_PORT, "udp", "dport"),
            (TCP_PORT, "tcp", "dport"),
            (TCP_PORT, "tcp", "sport"),
        ] {
            for g in [GROUP_PMACCT, GROUP_OURS] {
                rules.push_str(&format!("    {proto} {dir} {port} log group {g}\n"));
            }
        }
        Netns::with_rules("uacctd", &rules)
    }

    /// A namespace `pmrs-<tag>-<pid>` with `lo` up and `rules` on the output and input hooks.
    fn with_rules(tag: &str, rules: &str) -> Netns {
        // SAFETY: getuid(2) has no preconditions.
        let uid = unsafe { libc::getuid() };
        assert!(
            uid == 0,
            "uacctd_live needs root to make a network namespace and join NFLOG groups (CI runs as root)"
        );
        let name = format!("pmrs-{tag}-{}", std::process::id());
        let _ = run("ip", &["netns", "del", &name], None);
        run("ip", &["netns", "add", &name], None).unwrap_or_else(|e| {
            panic!("cannot make a network namespace (iproute2 from .ci/deps.sh): {e}")
        });
        let ns = Netns { name };
        run("ip", &["-n", &ns.name, "link", "set", "lo", "up"], None).unwrap();
        let ruleset = format!(
            "table inet pmrs {{\n  chain out {{\n    type filter hook output priority 0; policy accept;\n{rules}  }}\n  \
             chain in {{\n    type filter hook input priority 0; policy accept;\n{rules}  }}\n}}\n"
        );
        run(
            "ip",
            &["netns", "exec", &ns.name, "nft", "-f", "-"],
            Some(&ruleset),
        )
        .unwrap_or_else(|e| {
            panic!("cannot load the NFLOG ruleset (nftables from .ci/deps.sh): {e}")
        });
        ns
    }

    /// A second namespace `<name>-p` joined to this one by a veth pair (`vp` there, `vm`
    /// here): 10.77.0.1 and fd77::1 there, 10.77.0.2 and fd77::2 here. Packets it sends
    /// here carry an Ethernet header (NFLOG hwtype 1).
    fn peer(&self) -> Netns {
        let peer = Netns {
            name: format!("{}-p", self.name),
        };
        let _ = run("ip", &["netns", "del", &peer.name], None);
        run("ip", &["netns", "add", &peer.name], None).unwrap();
        run(
            "ip",
            &[
                "-n", &self.name, "link", "add", "vm", "type", "veth", "peer", "name", "vp",
                "netns", &peer.name,
            ],
            None,
        )
        .unwrap();
        for (ns, dev, v4, v6) in [
            (&peer.name, "vp", "10.77.0.1/24", "fd77::1/64"),
            (&self.name, "vm", "10.77.0.2/24", "fd77::2/64"),
        ] {
            run("ip", &["-n", ns, "addr", "add", v4, "dev", dev], None).unwrap();
            run(
                "ip",
                &["-n", ns, "addr", "add", v6, "dev", dev, "nodad"],
                None,
            )
            .unwrap();
            run("ip", &["-n", ns, "link", "set", dev, "up"], None).unwrap();
            run("ip", &["-n", ns, "link", "set", "lo", "up"], None).unwrap();
        }
        peer
    }

    /// The ifIndex of `dev` in the namespace (`ip -o link`: "N: dev@...").
    fn ifindex(&self, dev: &str) -> u32 {
        let out = Command::new("ip")
            .args(["-n", &self.name, "-o", "link", "show", "dev", dev])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .split(':')
            .next()
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("no ifindex for {dev} in {}", self.name))
    }

    /// Run `f` in a thread that joined the namespace (sockets it opens stay in it).
    fn within<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> T {
        within(format!("/var/run/netns/{}", self.name), f)
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = run("ip", &["netns", "del", &self.name], None);
    }
}

struct Daemon {
    child: Child,
    dir: PathBuf,
}

impl Daemon {
    fn start(ns: &Netns, bin: &Path, group: u16, tag: &str) -> Daemon {
        Daemon::spawn(ns, bin, tag, |d| {
            format!(
            "daemonize: false\nuacctd_group: {group}\n\
             plugins: print[all], print[v6]\n\
             aggregate: src_host, dst_host, src_port, dst_port, proto, in_iface, out_iface, tcpflags, src_mac, dst_mac\n\
             print_output: json\nprint_refresh_time: 86400\n\
             print_output_file[all]: {d}/all.json\nprint_output_file[v6]: {d}/v6.json\n\
             aggregate_filter[v6]: ip6\n"
        )
        })
    }

    /// Start `bin` in the namespace on the config `conf(scratch dir)`.
    fn spawn(ns: &Netns, bin: &Path, tag: &str, conf: impl FnOnce(&str) -> String) -> Daemon {
        let dir = std::env::temp_dir().join(format!("uacctd-live-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let conf = conf(&dir.to_string_lossy());
        std::fs::write(dir.join("uacctd.conf"), conf).unwrap();
        let child = Command::new("ip")
            .args(["netns", "exec", &ns.name])
            .arg(bin)
            .arg("-f")
            .arg(dir.join("uacctd.conf"))
            .env("TZ", "UTC")
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(dir.join("stdout")).unwrap())
            .stderr(std::fs::File::create(dir.join("stderr")).unwrap())
            .spawn()
            .unwrap_or_else(|e| panic!("{}: {e}", bin.display()));
        Daemon { child, dir }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("stderr")).unwrap_or_default()
    }

    fn wait_bound(&self) {
        let t0 = Instant::now();
        while !self
            .log()
            .contains("Successfully connected Netlink NFLOG socket")
        {
            assert!(
                t0.elapsed() < Duration::from_secs(20),
                "NFLOG socket not open:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn stop(mut self) -> Daemon {
        // SAFETY: kill(2) on our own child's pid (`ip netns exec` execs the daemon).
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGINT) };
        let t0 = Instant::now();
        while self.child.try_wait().unwrap().is_none() {
            if t0.elapsed() > Duration::from_secs(30) {
                let _ = self.child.kill();
                panic!("daemon did not exit on SIGINT:\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self
    }

    fn output(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.join(name)).unwrap_or_default()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The test's traffic; returns the UDP/IPv4 IP bytes sent.
fn send_traffic() -> u64 {
    let rx4 = UdpSocket::bind(("127.0.0.1", UDP_PORT)).unwrap();
    let rx6 = UdpSocket::bind(("::1", UDP_PORT)).unwrap();
    let tx4 = UdpSocket::bind("127.0.0.1:40001").unwrap();
    let tx6 = UdpSocket::bind("[::1]:40002").unwrap();
    let mut bytes4 = 0;
    for n in 1..=200usize {
        tx4.send_to(&vec![b'x'; n], ("127.0.0.1", UDP_PORT))
            .unwrap();
        bytes4 += 28 + n as u64;
        if n % 50 == 0 {
            // uacctd 1.7.7 reads one message per recv: let it keep up
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    for _ in 0..50 {
        tx6.send_to(&[b'y'; 700], ("::1", UDP_PORT)).unwrap();
    }
    let listener = TcpListener::bind(("127.0.0.1", TCP_PORT)).unwrap();
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).unwrap();
        buf.len()
    });
    let mut c = TcpStream::connect(("127.0.0.1", TCP_PORT)).unwrap();
    c.write_all(&[b'z'; 50_000]).unwrap();
    drop(c);
    assert_eq!(server.join().unwrap(), 50_000);
    drop((rx4, rx6));
    bytes4
}

fn records(out: &str) -> Vec<serde_json::Value> {
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn same_as_uacctd_1_7_7_in_a_netns() {
    let ns = Netns::new();
    let oracle = compat_tests::oracle::path("uacctd");
    let pm = Daemon::start(&ns, Path::new(&oracle), GROUP_PMACCT, "pmacct");
    let ours = Daemon::start(&ns, Path::new(UACCTD), GROUP_OURS, "ours");
    pm.wait_bound();
    ours.wait_bound();
    // uacctd 1.7.7 forks its plugins after binding: give them time to attach
    std::thread::sleep(Duration::from_secs(3));
    let bytes4 = ns.within(send_traffic);
    std::thread::sleep(Duration::from_secs(1));
    let (pm, ours) = (pm.stop(), ours.stop());

    for name in ["all.json", "v6.json"] {
        let (a, b) = (pm.output(name), ours.output(name));
        let min = if name == "all.json" { 8 } else { 2 };
        assert!(
            a.lines().count() >= min,
            "uacctd 1.7.7 {name}: {} records, want >= {min}\n{a}\n{}",
            a.lines().count(),
            pm.log()
        );
        let d = compare(Format::Json, &a, &b);
        assert!(
            d.is_empty(),
            "{name}: {d}\nuacctd 1.7.7 log:\n{}\nours:\n{}",
            pm.log(),
            ours.log()
        );
    }

    // Equal to what was sent: each UDP flow once per hook, with that hook's interface.
    let all = records(&ours.output("all.json"));
    let find = |src: &str, in_if: u64, out_if: u64| {
        all.iter()
            .find(|v| {
                v["ip_src"] == src
                    && v["ip_proto"] == "udp"
                    && v["iface_in"] == in_if
                    && v["iface_out"] == out_if
            })
            .unwrap_or_else(|| panic!("no UDP record from {src} in={in_if} out={out_if}: {all:?}"))
    };
    for (in_if, out_if) in [(0, 1), (1, 0)] {
        let v = find("127.0.0.1", in_if, out_if);
        assert_eq!(
            (&v["packets"], &v["bytes"], &v["port_src"], &v["port_dst"]),
            (
                &serde_json::json!(200),
                &serde_json::json!(bytes4),
                &serde_json::json!(40001),
                &serde_json::json!(UDP_PORT)
            ),
            "{v}"
        );
        assert_eq!(v["ip_dst"], "127.0.0.1");
        assert_eq!(v["mac_src"], "00:00:00:00:00:00");
        let v = find("::1", in_if, out_if);
        assert_eq!(
            (&v["packets"], &v["bytes"], &v["port_src"]),
            (
                &serde_json::json!(50),
                &serde_json::json!(50 * (40 + 8 + 700)),
                &serde_json::json!(40002)
            ),
            "{v}"
        );
    }
    // The stream: client -> server on both hooks, SYN and FIN seen, all 50 kB.
    let to_server: Vec<_> = all
        .iter()
        .filter(|v| v["ip_proto"] == "tcp" && v["port_dst"] == TCP_PORT)
        .collect();
    assert_eq!(to_server.len(), 2, "{to_server:?}");
    for v in to_server {
        assert!(v["bytes"].as_u64().unwrap() >= 50_000, "{v}");
        let flags: u64 = v["tcp_flags"].as_str().unwrap().parse().unwrap();
        assert_eq!(flags & 0x03, 0x03, "{v}");
    }
    // The IPv6 plugin saw only IPv6.
    let v6 = records(&ours.output("v6.json"));
    assert!(v6.iter().all(|v| v["ip_src"] == "::1"), "{v6:?}");
    assert!(ours.log().contains("OK, Exiting"), "{}", ours.log());
}

// ---- the probe plugins on uacctd ----
//
// Debian's uacctd 1.7.7 (group 11) and ours (group 12) in the namespace, each with two
// sfprobe plugins (every packet, defaults; 1-in-10 with agent address, sub-agent id,
// direction out, static ifIndex and its override) and an nfprobe plugin (IPFIX), exporting
// to sinks the test binds in the namespace. Traffic: UDP/IPv4 and IPv6 from a peer namespace
// over a veth pair (input hook: an Ethernet header, the veth's ifIndex as input), UDP/IPv4
// back to the peer (output hook: no hardware header, the veth as output), and UDP/IPv4 on
// `lo` (both hooks: `lo`'s ifIndex in and out). Compared:
// - sfprobe: the flow samples byte for byte (same packets sampled, same interfaces, frame
//   lengths, headers) and the agent of every datagram; what Debian's sfacctd 1.7.7 and ours
//   print of both exports. Expected differences, named: datagram `sequence_number`,
//   `sysUpTime` and which samples share a datagram, and the counter samples' presence and
//   values (both agents tick on wall-clock seconds, from their own start); the padding after a
//   header that is not a multiple of 4 (1.7.7 sends what its buffer held; masked); samples
//   1.7.7 still held at exit (ours sends them; compared up to 1.7.7's last).
// - nfprobe: the flows Debian's nfacctd 1.7.7 prints of both exports (and ours of ours),
//   without timestamps (output-hook packets carry no kernel time: each daemon's clock).

const PROBE_PORT: u16 = 47103;
// Below the ephemeral range (32768-60999 by default): no other socket on the machine is
// handed it by the kernel (40014 was, once, to another test's client: AddrInUse).
const LO_SRC_PORT: u16 = 30014;

/// A UDP socket in the namespace keeping what a probe exports until [`Sink::finish`].
struct Sink {
    port: u16,
    done: std::sync::Arc<std::sync::atomic::AtomicBool>,
    rx: std::thread::JoinHandle<Vec<Vec<u8>>>,
}

impl Sink {
    fn start(ns: &Netns) -> Sink {
        let sock = ns.within(|| UdpSocket::bind("127.0.0.1:0").unwrap());
        let port = sock.local_addr().unwrap().port();
        sock.set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let d = done.clone();
        let rx = std::thread::spawn(move || {
            let mut v = Vec::new();
            let mut buf = vec![0u8; 65536];
            let mut idle = 0;
            while idle < 3 {
                match sock.recv(&mut buf) {
                    Ok(n) => v.push(buf[..n].to_vec()),
                    Err(_) if d.load(std::sync::atomic::Ordering::Relaxed) => idle += 1,
                    Err(_) => {}
                }
            }
            v
        });
        Sink { port, done, rx }
    }

    fn finish(self) -> Vec<Vec<u8>> {
        self.done.store(true, std::sync::atomic::Ordering::Relaxed);
        self.rx.join().unwrap()
    }
}

/// Packets logged by the probe test's rules, by path.
struct ProbeTraffic {
    /// Peer -> here over the veth: UDP/IPv4, UDP/IPv6.
    from_peer: (usize, usize),
    /// Here -> peer over the veth: UDP/IPv4.
    to_peer: usize,
    /// On `lo` (logged on both hooks).
    on_lo: usize,
}

fn probe_traffic(ns: &Netns, peer: &Netns) -> ProbeTraffic {
    let t = ProbeTraffic {
        from_peer: (150, 40),
        to_peer: 60,
        on_lo: 20,
    };
    let (v4, v6) = t.from_peer;
    peer.within(move || {
        let s4 = UdpSocket::bind("10.77.0.1:40011").unwrap();
        let s6 = UdpSocket::bind("[fd77::1]:40012").unwrap();
        for n in 1..=v4 {
            // 10..1500 bytes of IP: below and above the 128-byte copy range
            s4.send_to(&vec![b'a'; n * 9], ("10.77.0.2", PROBE_PORT))
                .unwrap();
            if n % 25 == 0 {
                // uacctd 1.7.7 reads one message per recv: let it keep up
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        for _ in 0..v6 {
            s6.send_to(&[b'b'; 300], ("fd77::2", PROBE_PORT)).unwrap();
        }
    });
    let (to_peer, on_lo) = (t.to_peer, t.on_lo);
    ns.within(move || {
        let rx = UdpSocket::bind(("127.0.0.1", PROBE_PORT)).unwrap();
        let s = UdpSocket::bind("10.77.0.2:40013").unwrap();
        for n in 1..=to_peer {
            s.send_to(&vec![b'c'; n * 5], ("10.77.0.1", PROBE_PORT))
                .unwrap();
        }
        std::thread::sleep(Duration::from_millis(20));
        let l = UdpSocket::bind(("127.0.0.1", LO_SRC_PORT)).unwrap();
        for n in 1..=on_lo {
            l.send_to(&vec![b'd'; n], ("127.0.0.1", PROBE_PORT))
                .unwrap();
        }
        drop(rx);
    });
    t
}

/// (input, output, header protocol, frame length) of a flow sample (masked_flow_sample's
/// bytes: tag, length, then the sample; elements switch then header).
fn sample_fields(s: &[u8]) -> (u32, u32, u32, u32) {
    let be = |o: usize| u32::from_be_bytes(s[o..o + 4].try_into().unwrap());
    // tag 0, len 4, seq 8, source 12, rate 16, pool 20, drops 24, input 28, output 32,
    // elements 36; switch element 40..64; header element 64: tag, len, protocol, frame length
    (be(28), be(32), be(72), be(76))
}

#[test]
fn probes_as_uacctd_1_7_7_in_a_netns() {
    let mut rules = String::new();
    for g in [GROUP_PMACCT, GROUP_OURS] {
        rules.push_str(&format!("    udp dport {PROBE_PORT} log group {g}\n"));
    }
    let ns = Netns::with_rules("uacctd-probes", &rules);
    let peer = ns.peer();
    let veth = ns.ifindex("vm");
    let oracle = compat_tests::oracle::path("uacctd");
    let mut sinks = Vec::new();
    let mut daemons = Vec::new();
    for (who, bin, group) in [
        ("pmacct", Path::new(&oracle), GROUP_PMACCT),
        ("ours", Path::new(UACCTD), GROUP_OURS),
    ] {
        let s: Vec<Sink> = (0..3).map(|_| Sink::start(&ns)).collect();
        let (all, s10, nf) = (s[0].port, s[1].port, s[2].port);
        daemons.push(Daemon::spawn(&ns, bin, &format!("probes-{who}"), |_| {
            format!(
                "daemonize: false\nuacctd_group: {group}\n\
                 plugins: sfprobe[all], sfprobe[s10], nfprobe[nf]\n\
                 sfprobe_receiver[all]: 127.0.0.1:{all}\n\
                 sfprobe_receiver[s10]: 127.0.0.1:{s10}\nsampling_rate[s10]: 10\n\
                 sfprobe_agentip[s10]: 192.0.2.77\nsfprobe_agentsubid[s10]: 5\n\
                 sfprobe_direction[s10]: out\nsfprobe_ifindex[s10]: 7\n\
                 sfprobe_ifindex_override[s10]: true\n\
                 nfprobe_receiver[nf]: 127.0.0.1:{nf}\nnfprobe_version[nf]: 10\n"
            )
        }));
        sinks.push(s);
    }
    for d in &daemons {
        d.wait_bound();
    }
    // uacctd 1.7.7 forks its plugins after binding: give them time to attach
    std::thread::sleep(Duration::from_secs(3));
    let sent = probe_traffic(&ns, &peer);
    std::thread::sleep(Duration::from_secs(2));
    let daemons: Vec<Daemon> = daemons.into_iter().map(Daemon::stop).collect();
    let mut exports: Vec<Vec<Vec<Vec<u8>>>> = Vec::new();
    let mut ports = Vec::new();
    for s in sinks {
        ports.push(s.iter().map(|x| x.port).collect::<Vec<_>>());
        exports.push(s.into_iter().map(Sink::finish).collect());
    }
    let logs = format!(
        "uacctd 1.7.7 log:\n{}\nours:\n{}",
        daemons[0].log(),
        daemons[1].log()
    );
    let dir = daemons[1].dir.clone();
    let events = sent.from_peer.0 + sent.from_peer.1 + sent.to_peer + 2 * sent.on_lo;

    // sfprobe, every packet.
    let ours = compat_tests::probe::compare_sflow(&compat_tests::probe::SflowCompare {
        name: "uacctd sfprobe[all]",
        pmacct: &exports[0][0],
        ours: &exports[1][0],
        ports: [ports[0][0], ports[1][0]],
        dir: &dir,
        ours_sfacctd: SFACCTD,
        min_samples: events - 7,
        min_records: 5,
    });
    // Equal to what was sent: one sample per logged packet, with its hook's interfaces.
    assert_eq!(ours.len(), events, "{logs}");
    let unknown = 0x3FFF_FFFF;
    let mut by_path = std::collections::BTreeMap::<(u32, u32, u32), usize>::new();
    for (_, s) in &ours {
        let (input, output, proto, _) = sample_fields(s);
        *by_path.entry((input, output, proto)).or_default() += 1;
    }
    let want = std::collections::BTreeMap::from([
        // Ethernet header from the veth (hwtype 1), IPv4 and IPv6
        ((veth, unknown, 1), sent.from_peer.0 + sent.from_peer.1),
        // no hardware header on output: 1.7.7's zeroed header, stripped again
        ((unknown, veth, 11), sent.to_peer),
        ((unknown, 1, 11), sent.on_lo),
        ((1, unknown, 11), sent.on_lo),
    ]);
    assert_eq!(by_path, want, "{logs}");
    // Frame lengths: what the kernel copied (128 bytes at most) + 4 (FCS), + 14 with the
    // Ethernet header, as 1.7.7 reports them.
    let max = ours.iter().map(|(_, s)| sample_fields(s).3).max().unwrap();
    assert_eq!(max, 128 + 14 + 4);

    // sfprobe, 1-in-10 with agent and interface settings.
    let ours10 = compat_tests::probe::compare_sflow(&compat_tests::probe::SflowCompare {
        name: "uacctd sfprobe[s10]",
        pmacct: &exports[0][1],
        ours: &exports[1][1],
        ports: [ports[0][1], ports[1][1]],
        dir: &dir,
        ours_sfacctd: SFACCTD,
        min_samples: 10,
        min_records: 5,
    });
    assert!(ours10.len() < events / 4, "{} samples", ours10.len());

    // nfprobe (IPFIX).
    const NF_AGG: &str =
        "src_host,dst_host,src_port,dst_port,proto,tos,in_iface,out_iface,src_mac,dst_mac";
    let nfacctd = compat_tests::oracle::path("nfacctd");
    let mut rows = Vec::new();
    for (i, who) in ["pmacct", "ours"].iter().enumerate() {
        assert!(
            !exports[i][2].is_empty(),
            "{who}: no nfprobe export\n{logs}"
        );
        let cap = dir.join(format!("{who}-nfprobe.pcap"));
        compat_tests::probe::write_pcap(&cap, &exports[i][2], ports[i][2]);
        rows.push(compat_tests::probe::decode(
            &nfacctd,
            &cap,
            NF_AGG,
            &dir,
            &format!("{who}-nf-by-pmacct"),
        ));
        if *who == "ours" {
            let by_ours =
                compat_tests::probe::decode(NFACCTD, &cap, NF_AGG, &dir, "ours-nf-by-ours");
            assert_eq!(rows[1], by_ours, "nfprobe: our nfacctd on our export");
        }
    }
    assert_eq!(
        rows[0], rows[1],
        "nfprobe: nfacctd 1.7.7 on both exports\n{logs}"
    );
    // Equal to what was sent: one flow per path and hook, every packet, IP bytes (not what
    // the kernel copied). Columns: MACs (0 as 1.7.7 exports them), in, out, addresses,
    // ports, protocol, ToS, packets, bytes.
    let (v4, v6) = sent.from_peer;
    let (to_peer, lo) = (sent.to_peer, sent.on_lo);
    let ip_bytes =
        |n: usize, step: usize, hdr: usize| (1..=n).map(|k| hdr + k * step).sum::<usize>();
    let lo_bytes = ip_bytes(lo, 1, 28);
    let mut want = vec![
        format!(
            "{veth},0,10.77.0.1,10.77.0.2,40011,{PROBE_PORT},udp,0,{v4},{}",
            ip_bytes(v4, 9, 28)
        ),
        format!(
            "{veth},0,fd77::1,fd77::2,40012,{PROBE_PORT},udp,0,{v6},{}",
            v6 * (40 + 8 + 300)
        ),
        format!(
            "0,{veth},10.77.0.2,10.77.0.1,40013,{PROBE_PORT},udp,0,{to_peer},{}",
            ip_bytes(to_peer, 5, 28)
        ),
        format!("1,0,127.0.0.1,127.0.0.1,{LO_SRC_PORT},{PROBE_PORT},udp,0,{lo},{lo_bytes}"),
        format!("0,1,127.0.0.1,127.0.0.1,{LO_SRC_PORT},{PROBE_PORT},udp,0,{lo},{lo_bytes}"),
    ];
    want.sort();
    let mut got: Vec<String> = rows[1]
        .iter()
        .map(|r| {
            r.trim_start_matches("00:00:00:00:00:00,00:00:00:00:00:00,")
                .to_string()
        })
        .collect();
    got.sort();
    assert_eq!(got, want, "nfprobe flows");
    eprintln!(
        "uacctd probes: sfprobe {} samples (1-in-10: {}), nfprobe {} flows equal to 1.7.7's",
        ours.len(),
        ours10.len(),
        rows[0].len()
    );
}
