//! pmacctd capturing live on `lo` (needs root, as pmacctd does; CI runs as root).
//!
//! - `counts_on_lo`: our pmacctd alone; the test sends known UDP datagrams and a TCP stream to
//!   127.0.0.1 and checks the accounted packets and bytes (IP lengths) against what it sent.
//! - `same_as_pmacctd_on_lo`: Debian's pmacctd 1.7.7 and ours capture `lo` at the same time
//!   while the frames of a generated capture are written to `lo` with an AF_PACKET socket;
//!   both run two print plugins, one without filter and one with an `aggregate_filter` list
//!   (pmacctd 1.7.7 only applies aggregate_filter on a live interface), and must print the
//!   same records for each.
//!
//! Other traffic on `lo` (other tests) is kept out with a pcap_filter on the test's ports and
//! on the capture's documentation/private prefixes.

mod support;
use support::free_tcp_port;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use compat_tests::{compare, run, Format};

const PMACCTD: &str = env!("CARGO_BIN_EXE_pmacctd");

fn is_root() -> bool {
    // SAFETY: getuid(2) has no preconditions.
    unsafe { libc::getuid() == 0 }
}

struct Daemon {
    child: Child,
    dir: PathBuf,
}

impl Daemon {
    fn start(bin: &Path, conf: &str, tag: &str) -> Daemon {
        let dir = std::env::temp_dir().join(format!("pmacctd-live-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let conf = conf.replace("@DIR@", &dir.to_string_lossy());
        std::fs::write(dir.join("pmacctd.conf"), conf).unwrap();
        let child = Command::new(bin)
            .arg("-f")
            .arg(dir.join("pmacctd.conf"))
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

    /// Wait until the capture is open ("link type is" logged) and its plugins are up.
    fn wait_capturing(&self) {
        let t0 = Instant::now();
        while !self.log().contains("link type is") {
            assert!(
                t0.elapsed() < Duration::from_secs(20),
                "capture not open:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGINT (final purge) and wait for the exit.
    fn stop(mut self) -> Daemon {
        // SAFETY: kill(2) on our own child's pid.
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

/// (packets, bytes, tcp_flags) of the JSON records matching `pred`, summed.
fn sum(out: &str, pred: impl Fn(&serde_json::Value) -> bool) -> (u64, u64, u64) {
    let mut s = (0, 0, 0);
    for l in out.lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
        if pred(&v) {
            s.0 += v["packets"].as_u64().unwrap();
            s.1 += v["bytes"].as_u64().unwrap();
            if let Some(f) = v["tcp_flags"].as_str() {
                s.2 |= f.parse::<u64>().unwrap();
            }
        }
    }
    s
}

#[test]
fn counts_on_lo() {
    assert!(is_root(), "pmacctd captures need root (CI runs as root)");
    let udp_rx = UdpSocket::bind("127.0.0.1:0").unwrap();
    let udp_port = udp_rx.local_addr().unwrap().port();
    let tcp_port = free_tcp_port();
    let conf = format!(
        "daemonize: false\npcap_interface: lo\n\
         pcap_filter: (udp and dst port {udp_port}) or (tcp and dst port {tcp_port})\n\
         plugins: print[p]\naggregate[p]: src_host, dst_host, dst_port, proto, tcpflags\n\
         print_output[p]: json\nprint_output_file[p]: @DIR@/p.json\nprint_refresh_time[p]: 86400\n"
    );
    let d = Daemon::start(Path::new(PMACCTD), &conf, "counts");
    d.wait_capturing();
    std::thread::sleep(Duration::from_millis(500));

    // 300 UDP datagrams of 1..=300 bytes: IP length 28 + n each.
    let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut udp_bytes = 0u64;
    for n in 1..=300usize {
        tx.send_to(&vec![b'x'; n], ("127.0.0.1", udp_port)).unwrap();
        udp_bytes += 28 + n as u64;
    }
    // A TCP stream of 100 kB to a listener that reads it all.
    let listener = TcpListener::bind(("127.0.0.1", tcp_port)).unwrap();
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).unwrap();
        buf.len()
    });
    let mut c = TcpStream::connect(("127.0.0.1", tcp_port)).unwrap();
    c.write_all(&vec![b'y'; 100_000]).unwrap();
    drop(c);
    assert_eq!(server.join().unwrap(), 100_000);
    drop(udp_rx);
    std::thread::sleep(Duration::from_millis(500));
    let d = d.stop();
    let out = d.output("p.json");
    let log = d.log();
    let udp = sum(&out, |v| v["ip_proto"] == "udp");
    assert_eq!((udp.0, udp.1), (300, udp_bytes), "{out}\n{log}");
    // client -> server: every segment carries 40+ bytes of headers and the stream's bytes
    let tcp = sum(&out, |v| v["ip_proto"] == "tcp");
    assert!(tcp.0 >= 3, "{out}");
    assert!(tcp.1 >= 100_000 + 40 * tcp.0, "{out}");
    assert!(tcp.1 <= 100_000 + 60 * tcp.0, "{out}");
    // SYN, ACK and FIN were all seen
    assert_eq!(tcp.2 & 0x13, 0x13, "{out}");
    assert!(log.contains("OK, Exiting"), "{log}");
}

/// Write every Ethernet frame of `pcap` to `lo` with an AF_PACKET socket.
fn inject(pcap: &Path) -> usize {
    let mut cap = pcap::Capture::from_file(pcap).unwrap();
    // SAFETY: plain socket(2)/if_nametoindex(3) calls; the fd is closed below.
    let fd = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW, 0) };
    assert!(
        fd >= 0,
        "AF_PACKET socket: {}",
        std::io::Error::last_os_error()
    );
    // SAFETY: if_nametoindex reads the NUL-terminated literal only.
    let ifindex = unsafe { libc::if_nametoindex(c"lo".as_ptr()) };
    // SAFETY: sockaddr_ll is plain data; all-zero is a valid value.
    let mut addr: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
    addr.sll_family = libc::AF_PACKET as u16;
    addr.sll_ifindex = ifindex as i32;
    addr.sll_halen = 6;
    let mut n = 0;
    while let Ok(p) = cap.next_packet() {
        // SAFETY: the buffer and address are valid for the duration of the call.
        let r = unsafe {
            libc::sendto(
                fd,
                p.data.as_ptr().cast(),
                p.data.len(),
                0,
                (&addr as *const libc::sockaddr_ll).cast(),
                std::mem::size_of::<libc::sockaddr_ll>() as u32,
            )
        };
        assert!(r >= 0, "sendto: {}", std::io::Error::last_os_error());
        n += 1;
        // pace a little: pmacctd 1.7.7's ring is small
        if n % 50 == 0 {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    // SAFETY: closing the fd opened above.
    unsafe { libc::close(fd) };
    n
}

#[test]
fn same_as_pmacctd_on_lo() {
    assert!(is_root(), "pmacctd captures need root (CI runs as root)");
    let oracle = run::oracle_binary_of(&run::PMACCTD).unwrap_or_else(|e| panic!("{e}"));
    let pcap =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../compat-tests/inputs/pcap/pm-eth-s12.pcap");
    let conf = "daemonize: false\npcap_interface: lo\n\
        pcap_filter: net 10.0.0.0/8 or net 2001:db8::/32\n\
        plugins: print[all], print[f]\n\
        aggregate: src_host, dst_host, src_port, dst_port, proto, tos, vlan, tcpflags\n\
        print_output: json\nprint_refresh_time: 86400\n\
        print_output_file[all]: @DIR@/all.json\nprint_output_file[f]: @DIR@/f.json\n\
        aggregate_filter[f]: src net 10.0.0.0/9 and (tcp or udp), ip6 and icmp6, vlan 20\n";
    let pm = Daemon::start(&oracle, conf, "pmacct");
    let ours = Daemon::start(Path::new(PMACCTD), conf, "ours");
    pm.wait_capturing();
    ours.wait_capturing();
    // pmacctd 1.7.7 starts its plugins after opening the interface
    std::thread::sleep(Duration::from_secs(3));
    let sent = inject(&pcap);
    assert_eq!(sent, 1168);
    std::thread::sleep(Duration::from_secs(1));
    let pm = pm.stop();
    let ours = ours.stop();
    for name in ["all.json", "f.json"] {
        let (a, b) = (pm.output(name), ours.output(name));
        assert!(
            a.lines().count() > 100,
            "pmacctd {name}: {}\n{}",
            a.lines().count(),
            pm.log()
        );
        let d = compare(Format::Json, &a, &b);
        assert!(
            d.is_empty(),
            "{name}: {d}\npmacctd log:\n{}\nours:\n{}",
            pm.log(),
            ours.log()
        );
    }
    // the filter really selected: fewer records than unfiltered
    let (all, f) = (ours.output("all.json"), ours.output("f.json"));
    assert!(
        f.lines().count() < all.lines().count() / 2 + 50,
        "{}",
        f.lines().count()
    );
}
