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

const UACCTD: &str = env!("CARGO_BIN_EXE_uacctd");
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
    fn new() -> Netns {
        // SAFETY: getuid(2) has no preconditions.
        let uid = unsafe { libc::getuid() };
        assert!(
            uid == 0,
            "uacctd_live needs root to make a network namespace and join NFLOG groups (CI runs as root)"
        );
        let name = format!("pmrs-uacctd-{}", std::process::id());
        let _ = run("ip", &["netns", "del", &name], None);
        run("ip", &["netns", "add", &name], None).unwrap_or_else(|e| {
            panic!("cannot make a network namespace (iproute2 from .ci/deps.sh): {e}")
        });
        let ns = Netns { name };
        run("ip", &["-n", &ns.name, "link", "set", "lo", "up"], None).unwrap();
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

    /// Run `f` in a thread that joined the namespace (sockets it opens stay in it).
    fn within<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> T {
        let path = format!("/var/run/netns/{}", self.name);
        std::thread::spawn(move || {
            let file = std::fs::File::open(&path).unwrap();
            // SAFETY: setns(2) on an open namespace file; it moves only this thread.
            let rc =
                unsafe { libc::setns(std::os::fd::AsRawFd::as_raw_fd(&file), libc::CLONE_NEWNET) };
            assert_eq!(rc, 0, "setns: {}", std::io::Error::last_os_error());
            f()
        })
        .join()
        .unwrap()
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
        let dir = std::env::temp_dir().join(format!("uacctd-live-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let d = dir.to_string_lossy();
        let conf = format!(
            "daemonize: false\nuacctd_group: {group}\n\
             plugins: print[all], print[v6]\n\
             aggregate: src_host, dst_host, src_port, dst_port, proto, in_iface, out_iface, tcpflags, src_mac, dst_mac\n\
             print_output: json\nprint_refresh_time: 86400\n\
             print_output_file[all]: {d}/all.json\nprint_output_file[v6]: {d}/v6.json\n\
             aggregate_filter[v6]: ip6\n"
        );
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
