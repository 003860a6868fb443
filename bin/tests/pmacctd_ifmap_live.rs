//! pmacctd's `pcap_interfaces_map`, `pcap_ifindex` and `pcap_protocol` against Debian's
//! pmacctd 1.7.7, live, in network namespaces the test makes.
//!
//! Namespace `pmrs-ifmap-<pid>` holds three veth ends v1, v2, v3 whose peers p1, p2, p3 sit in
//! `<name>-p` (10.81.N.2 here, 10.81.N.1 there; IPv6 off so only the test's traffic flows).
//! Three pairs of daemons (1.7.7 and ours) run there side by side:
//! - `map`: pcap_interfaces_map {v1: ifindex 101 in, v2: 202 out}, pcap_ifindex map;
//! - `sys`: the same map with pcap_ifindex sys (the kernel's ifindex, map direction);
//! - `hash`: pcap_interface v1, pcap_ifindex hash, pcap_direction in, pcap_protocol 3 (1.7.7
//!   only warns about it).
//!
//! UDP goes in on v1 and out on v2; then the map is rewritten (v1 gone, v2 kept, v3 added as
//! 303 in), every daemon gets SIGUSR2, v2 traffic flows until all logs show v1 removed and v3
//! opened (1.7.7 handles the reload when its next packet arrives), then UDP goes in on v1
//! (no longer captured by map/sys) and on v3. After SIGINT each pair printed the same
//! records, and those are what was sent (packets, bytes, in_iface/out_iface).
//! A second test compares the start-up refusals (-i or -I with the map, pcap_ifindex map
//! without a map): same exit code, same ERROR line.
//!
//! Needs root and iproute2 (.ci/deps.sh); CI runs as root. Never skipped.

use std::collections::BTreeMap;
use std::net::UdpSocket;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PMACCTD: &str = env!("CARGO_BIN_EXE_pmacctd");
/// Inside the test's own namespaces: no other test can hold them.
const PORT: u16 = 47201;

mod netns;
use netns::{run, Netns};

/// A namespace of this test: IPv6 off, so only the test's traffic flows.
fn add_ns(name: String) -> Netns {
    let ns = Netns::add(name, "pmacctd_ifmap_live");
    for k in ["all", "default"] {
        run(&[
            "ip",
            "netns",
            "exec",
            &ns.name,
            "sysctl",
            "-qw",
            &format!("net.ipv6.conf.{k}.disable_ipv6=1"),
        ])
        .unwrap();
    }
    ns
}

fn ifindex(ns: &Netns, dev: &str) -> u32 {
    ns.ip(&["-o", "link", "show", "dev", dev])
        .unwrap()
        .split(':')
        .next()
        .and_then(|n| n.trim().parse().ok())
        .unwrap()
}

/// The test's namespaces: (here, peer).
fn namespaces() -> (Netns, Netns) {
    let ns = add_ns(format!("pmrs-ifmap-{}", std::process::id()));
    let peer = add_ns(format!("{}-p", ns.name));
    for n in 1..=3 {
        let (v, p) = (format!("v{n}"), format!("p{n}"));
        run(&[
            "ip", "-n", &ns.name, "link", "add", &v, "type", "veth", "peer", "name", &p, "netns",
            &peer.name,
        ])
        .unwrap();
        for (s, dev, a) in [(&ns.name, &v, 2), (&peer.name, &p, 1)] {
            run(&[
                "ip",
                "-n",
                s,
                "addr",
                "add",
                &format!("10.81.{n}.{a}/24"),
                "dev",
                dev,
            ])
            .unwrap();
            run(&["ip", "-n", s, "link", "set", dev, "up"]).unwrap();
        }
    }
    (ns, peer)
}

struct Daemon {
    child: Child,
    dir: PathBuf,
}

impl Daemon {
    fn start(ns: &Netns, bin: &str, tag: &str, conf: &str) -> Daemon {
        let dir = std::env::temp_dir().join(format!("pmacctd-ifmap-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let d = dir.to_string_lossy();
        let conf = format!(
            "daemonize: false\nplugins: print[p]\npcap_filter: udp\n\
             aggregate: src_host, dst_host, src_port, dst_port, proto, in_iface, out_iface\n\
             print_output: json\nprint_refresh_time: 86400\nprint_output_file: {d}/out.json\n{conf}"
        );
        std::fs::write(dir.join("pmacctd.conf"), conf).unwrap();
        let child = Command::new("ip")
            .args(["netns", "exec", &ns.name, bin, "-f"])
            .arg(dir.join("pmacctd.conf"))
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(dir.join("stdout")).unwrap())
            .stderr(std::fs::File::create(dir.join("stderr")).unwrap())
            .spawn()
            .unwrap();
        Daemon { child, dir }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("stderr")).unwrap_or_default()
    }

    fn has(&self, line: &str) -> bool {
        self.log().contains(line)
    }

    fn wait_for(&self, line: &str) {
        let t0 = Instant::now();
        while !self.has(line) {
            assert!(
                t0.elapsed() < Duration::from_secs(20),
                "no '{line}' in {}:\n{}",
                self.dir.display(),
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn signal(&self, sig: libc::c_int) {
        // SAFETY: kill(2) on our own child (`ip netns exec` execs the daemon).
        unsafe { libc::kill(self.child.id() as libc::pid_t, sig) };
    }

    /// SIGINT, wait, and the printed records (sorted JSON text).
    fn stop(mut self) -> Vec<serde_json::Value> {
        self.signal(libc::SIGINT);
        let t0 = Instant::now();
        while self.child.try_wait().unwrap().is_none() {
            assert!(
                t0.elapsed() < Duration::from_secs(30),
                "no exit:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let out = std::fs::read_to_string(self.dir.join("out.json")).unwrap_or_default();
        let mut v: Vec<serde_json::Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect();
        v.sort_by_key(|r| r.to_string());
        v
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Send `n` datagrams of `len` bytes to 10.81.`net`.`to`:PORT from the namespace `from`.
fn send(from: &Netns, net: u8, to: u8, n: usize, len: usize) {
    from.within(move || {
        let s = UdpSocket::bind("0.0.0.0:0").unwrap();
        for _ in 0..n {
            s.send_to(&vec![b'x'; len], (format!("10.81.{net}.{to}"), PORT))
                .unwrap();
            std::thread::sleep(Duration::from_millis(2));
        }
    })
}

/// (in_iface, out_iface, dst) -> (packets, bytes) of a print output.
/// Payload of the packets that wake 1.7.7 up for its reload (a length no other flow uses).
const WAKE_LEN: usize = 201;

/// The wake-up packets' count (records of 10.81.2.1 with WAKE_LEN-byte datagrams, on v2 in
/// either direction) and the other records.
fn split_wake(recs: Vec<serde_json::Value>) -> (u64, Vec<serde_json::Value>) {
    let size = 28 + WAKE_LEN as u64;
    let (wake, rest): (Vec<_>, Vec<_>) = recs.into_iter().partition(|r| {
        let p = r["packets"].as_u64().unwrap_or(0);
        r["ip_dst"] == "10.81.2.1" && p > 0 && r["bytes"].as_u64() == Some(p * size)
    });
    (
        wake.iter().filter_map(|r| r["packets"].as_u64()).sum(),
        rest,
    )
}

fn totals(recs: &[serde_json::Value]) -> BTreeMap<(u64, u64, String), (u64, u64)> {
    let mut m = BTreeMap::new();
    for r in recs {
        let k = (
            r["iface_in"].as_u64().unwrap_or(0),
            r["iface_out"].as_u64().unwrap_or(0),
            r["ip_dst"].as_str().unwrap_or("").to_string(),
        );
        let e = m.entry(k).or_insert((0, 0));
        e.0 += r["packets"].as_u64().unwrap();
        e.1 += r["bytes"].as_u64().unwrap();
    }
    m
}

#[test]
fn interfaces_map_and_ifindex_as_pmacctd_1_7_7() {
    let (ns, peer) = namespaces();
    let oracle = compat_tests::oracle::path("pmacctd");
    let dir = std::env::temp_dir().join(format!("pmacctd-ifmap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let map = dir.join("interfaces.map");
    std::fs::write(
        &map,
        "ifindex=101 ifname=v1 direction=in\nifindex=202 ifname=v2 direction=out\n",
    )
    .unwrap();
    let m = map.to_string_lossy();
    let confs = [
        (
            "map",
            format!("pcap_interfaces_map: {m}\npcap_ifindex: map\n"),
        ),
        (
            "sys",
            format!("pcap_interfaces_map: {m}\npcap_ifindex: sys\n"),
        ),
        (
            "hash",
            "pcap_interface: v1\npcap_ifindex: hash\npcap_direction: in\npcap_protocol: 3\n"
                .to_string(),
        ),
    ];
    let mut pairs = Vec::new();
    for (tag, c) in &confs {
        let pm = Daemon::start(&ns, &oracle, &format!("{tag}-pmacct"), c);
        let ours = Daemon::start(&ns, PMACCTD, &format!("{tag}-ours"), c);
        pairs.push((*tag, pm, ours));
    }
    let (i1, i2, i3) = (ifindex(&ns, "v1"), ifindex(&ns, "v2"), ifindex(&ns, "v3"));
    let h1 = pmacct_maps::pcap_interfaces::jhash(b"v1", 0);
    for (tag, pm, ours) in &pairs {
        let want = match *tag {
            "map" => "[v2,202] link type is: 1".to_string(),
            "sys" => format!("[v2,{i2}] link type is: 1"),
            _ => format!("[v1,{h1}] link type is: 1"),
        };
        pm.wait_for(&want);
        ours.wait_for(&want);
    }
    for (_, pm, ours) in &pairs[2..] {
        let w = "pcap_protocol specified but linked against a version of libpcap that does not support pcap_set_protocol().";
        assert!(pm.has(w) && ours.has(w), "{}\n{}", pm.log(), ours.log());
    }
    // 1.7.7 forks its plugins after opening the interfaces: let them attach.
    std::thread::sleep(Duration::from_secs(3));
    send(&peer, 1, 2, 30, 100); // in on v1
    send(&ns, 2, 1, 20, 200); // out on v2
                              // 1.7.7's libpcap hands a ring block over after its 1 s timeout: let it read these
                              // before v1 closes.
    std::thread::sleep(Duration::from_secs(2));
    // Reload: v1 gone, v2 kept, v3 new.
    std::fs::write(
        &map,
        "ifindex=202 ifname=v2 direction=out\nifindex=303 ifname=v3 direction=in\n",
    )
    .unwrap();
    for (_, pm, ours) in &pairs[..2] {
        pm.signal(libc::SIGUSR2);
        ours.signal(libc::SIGUSR2);
    }
    // 1.7.7 reloads when a packet next arrives: v2 traffic until every log shows the change.
    let t0 = Instant::now();
    let mut wake = 0;
    loop {
        let done = pairs[..2].iter().all(|(tag, pm, ours)| {
            let (r1, a3) = if *tag == "map" {
                (
                    "[v1,101] removed.".to_string(),
                    "[v3,303] link type is: 1".to_string(),
                )
            } else {
                (
                    format!("[v1,{i1}] removed."),
                    format!("[v3,{i3}] link type is: 1"),
                )
            };
            [pm, ours].iter().all(|d| d.has(&r1) && d.has(&a3))
        });
        if done {
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "reload not seen:\n{}\n{}",
            pairs[0].1.log(),
            pairs[0].2.log()
        );
        send(&ns, 2, 1, 1, WAKE_LEN);
        wake += 1;
        std::thread::sleep(Duration::from_millis(100));
    }
    send(&peer, 1, 2, 10, 100); // v1: no longer in the map
    send(&peer, 3, 2, 15, 300); // in on v3
    std::thread::sleep(Duration::from_secs(1));
    let udp = |len: u64| 28 + len;
    for (tag, pm, ours) in pairs {
        let (pm, ours) = (pm.stop(), ours.stop());
        assert!(!pm.is_empty(), "{tag}: 1.7.7 printed nothing");
        // The wake-up packets race the SIGUSR2 (1.7.7 takes it in its handler, ours in a
        // signal thread): each counts with v2's old or new direction. Compared apart: same
        // number on both sides, every one on v2; every other record equal.
        let (pm_wake, pm) = split_wake(pm);
        let (ours_wake, ours) = split_wake(ours);
        assert_eq!(ours, pm, "{tag}: records differ from 1.7.7's");
        if tag != "hash" {
            assert_eq!(
                (ours_wake, pm_wake),
                (wake, wake),
                "{tag}: wake-up packets on v2"
            );
        }
        let t = totals(&ours);
        let mut want = BTreeMap::new();
        let k = |i, o, d: &str| (i, o, d.to_string());
        match tag {
            "hash" => {
                want.insert(k(u64::from(h1), 0, "10.81.1.2"), (40, 40 * udp(100)));
            }
            _ => {
                let (a, b, c) = if tag == "map" {
                    (101, 202, 303)
                } else {
                    (i1, i2, i3)
                };
                want.insert(k(u64::from(a), 0, "10.81.1.2"), (30, 30 * udp(100)));
                want.insert(k(0, u64::from(b), "10.81.2.1"), (20, 20 * udp(200)));
                // After the reload 1.7.7 reads v2's direction from the entry now at v2's old
                // position in the map (v3's, in): its packets count as input.
                want.insert(k(u64::from(c), 0, "10.81.3.2"), (15, 15 * udp(300)));
            }
        }
        assert_eq!(t, want, "{tag}: not what was sent");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Run `bin` with `args` in `ns` to its exit: (exit code, its ERROR lines).
fn refusal(ns: &Netns, bin: &str, args: &[&str]) -> (Option<i32>, Vec<String>) {
    let out = Command::new("timeout")
        .args(["20", "ip", "netns", "exec", &ns.name, bin])
        .args(args)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    let errs = text
        .lines()
        .filter(|l| l.contains("ERROR"))
        .map(str::to_string)
        .collect();
    (out.status.code(), errs)
}

#[test]
fn start_up_refusals_as_pmacctd_1_7_7() {
    let ns = add_ns(format!("pmrs-ifref-{}", std::process::id()));
    let oracle = compat_tests::oracle::path("pmacctd");
    let dir = std::env::temp_dir().join(format!("pmacctd-ifref-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let map = dir.join("interfaces.map");
    std::fs::write(&map, "ifindex=1 ifname=lo\n").unwrap();
    let pcap = dir.join("x.pcap");
    let mut hdr = vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0];
    hdr.extend_from_slice(&[0; 8]);
    hdr.extend_from_slice(&65535u32.to_le_bytes());
    hdr.extend_from_slice(&1u32.to_le_bytes());
    std::fs::write(&pcap, hdr).unwrap();
    let base = "daemonize: false\nplugins: print\nprint_output_file: /dev/null\n";
    let cases = [
        (
            "-i and the map",
            format!(
                "{base}pcap_interface: lo\npcap_interfaces_map: {}\n",
                map.display()
            ),
        ),
        (
            "-I and the map",
            format!(
                "{base}pcap_savefile: {}\npcap_interfaces_map: {}\n",
                pcap.display(),
                map.display()
            ),
        ),
        (
            "ifindex map without a map",
            format!("{base}pcap_interface: lo\npcap_ifindex: map\n"),
        ),
        (
            "missing map",
            format!("{base}pcap_interfaces_map: {}/none.map\n", dir.display()),
        ),
    ];
    for (what, conf) in cases {
        let f = dir.join("c.conf");
        std::fs::write(&f, conf).unwrap();
        let f = f.to_string_lossy().into_owned();
        let pm = refusal(&ns, &oracle, &["-f", &f]);
        let ours = refusal(&ns, PMACCTD, &["-f", &f]);
        assert_eq!(pm.0, Some(1), "{what}: 1.7.7 {pm:?}");
        assert_eq!(ours.0, pm.0, "{what}: exit code {ours:?} vs {pm:?}");
        let msg = |v: &[String]| {
            v.iter()
                .map(|l| l.split_once("): ").map_or(l.clone(), |x| x.1.to_string()))
                .collect::<Vec<_>>()
        };
        assert_eq!(msg(&ours.1), msg(&pm.1), "{what}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
