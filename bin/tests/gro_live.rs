//! UDP receive offload, live: nfacctd reads the datagrams the kernel coalesced for its socket
//! (UDP_GRO) one by one, none lost or misread.
//!
//! Two network namespaces joined by a veth pair whose receiving end runs NAPI in a kernel
//! thread with GRO on, as a NIC driver does (loopback never coalesces). An exporter in the
//! other namespace sends bursts of equal-sized NetFlow v5 datagrams (30 records each, every
//! record its own key); nfacctd's print totals must be exactly what was sent, record by
//! record, and its SIGUSR1 stats line must count coalesced datagrams (else this test did not
//! exercise offload, and says so).
//!
//! Needs root, iproute2 and ethtool (.ci/deps.sh); CI runs as root. Never skipped.

use std::collections::BTreeMap;
use std::net::{SocketAddr, UdpSocket};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod netns;
use netns::{run, wait_for, Netns};

const NFACCTD: &str = env!("CARGO_BIN_EXE_nfacctd");
const PORT: u16 = 47311;
/// Records per datagram: v5's 24-byte header and 30 records of 48 bytes, 1464 bytes each.
const RECORDS: usize = 30;
const BURSTS: usize = 200;
const BURST: usize = 50;

/// Datagrams' kinds: datagram `seq` is kind `seq % KINDS`.
const KINDS: u32 = 100;

/// A v5 datagram: record r of datagram `seq` is 10.0.(seq % KINDS).r -> 10.200.0.r, ports
/// 1000+r -> 2000+r, UDP, r+1 packets of 100*(r+1) bytes (3,000 keys, each summed over
/// 100 datagrams: a datagram read twice, lost or cut shows in its keys' totals).
fn v5(seq: u32) -> Vec<u8> {
    let mut d = Vec::with_capacity(24 + RECORDS * 48);
    d.extend_from_slice(&5u16.to_be_bytes());
    d.extend_from_slice(&(RECORDS as u16).to_be_bytes());
    for v in [1_000_000u32, 1_700_000_000, 0, seq * RECORDS as u32] {
        d.extend_from_slice(&v.to_be_bytes());
    }
    d.extend_from_slice(&[0, 0, 0, 0]);
    for r in 0..RECORDS as u32 {
        let k = (seq % KINDS) as u8;
        d.extend_from_slice(&[10, 0, k, r as u8, 10, 200, 0, r as u8, 0, 0, 0, 0]);
        d.extend_from_slice(&[0, 1, 0, 2]);
        for v in [r + 1, 100 * (r + 1), 999_000, 999_500] {
            d.extend_from_slice(&v.to_be_bytes());
        }
        d.extend_from_slice(&(1000 + r as u16).to_be_bytes());
        d.extend_from_slice(&(2000 + r as u16).to_be_bytes());
        d.extend_from_slice(&[0, 0, 17, 0, 0, 0, 0, 0, 24, 24, 0, 0]);
    }
    d
}

/// What print's CSV must hold: `src,dst,sport,dport,proto` -> (packets, bytes).
fn expected() -> BTreeMap<String, (u64, u64)> {
    let mut m = BTreeMap::new();
    for seq in 0..(BURSTS * BURST) as u32 {
        let kind = seq % KINDS;
        for r in 0..RECORDS as u64 {
            let k = format!("10.0.{kind}.{r},10.200.0.{r},{},{},udp", 1000 + r, 2000 + r);
            let e = m.entry(k).or_insert((0, 0));
            e.0 += r + 1;
            e.1 += 100 * (r + 1);
        }
    }
    m
}

fn printed(csv: &str) -> BTreeMap<String, (u64, u64)> {
    let mut m = BTreeMap::new();
    for line in csv.lines().skip(1) {
        let c: Vec<&str> = line.split(',').collect();
        assert_eq!(c.len(), 7, "{line}");
        let e = m.entry(c[..5].join(",")).or_insert((0, 0));
        e.0 += c[5].parse::<u64>().unwrap();
        e.1 += c[6].parse::<u64>().unwrap();
    }
    m
}

/// `ip netns exec <ns> sh -c <cmd>` (sysfs of the namespace's own devices).
fn in_ns(ns: &Netns, cmd: &str) {
    run(&["ip", "netns", "exec", &ns.name, "sh", "-c", cmd]).unwrap();
}

#[test]
fn nfacctd_reads_coalesced_datagrams_apart() {
    let id = std::process::id();
    let rx = Netns::add(format!("pmrs-gro-rx-{id}"), "gro_live");
    let tx = Netns::add(format!("pmrs-gro-tx-{id}"), "gro_live");
    let (dev, peer) = (
        format!("pgr{}", id % 100_000),
        format!("pgt{}", id % 100_000),
    );
    let _ = run(&["ip", "link", "del", &dev]);
    run(&[
        "ip", "link", "add", &dev, "netns", &rx.name, "type", "veth", "peer", "name", &peer,
        "netns", &tx.name,
    ])
    .unwrap();
    rx.ip(&["addr", "add", "10.214.0.1/30", "dev", &dev])
        .unwrap();
    tx.ip(&["addr", "add", "10.214.0.2/30", "dev", &peer])
        .unwrap();
    rx.ip(&["link", "set", &dev, "up"]).unwrap();
    tx.ip(&["link", "set", &peer, "up"]).unwrap();
    // The receiving end batches as a NIC driver does: GRO on, NAPI in its own thread (so one
    // poll takes what the sender queued meanwhile). The sender's end without TSO: veth hands
    // such datagrams to the peer's NAPI.
    in_ns(
        &rx,
        &format!("ethtool -K {dev} gro on && echo 1 > /sys/class/net/{dev}/threaded"),
    );
    in_ns(&tx, &format!("ethtool -K {peer} tso off"));

    let dir = std::env::temp_dir().join(format!("pmrs-gro-{id}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (conf, out, log) = (dir.join("nf.conf"), dir.join("out.csv"), dir.join("stderr"));
    std::fs::write(
        &conf,
        format!(
            "daemonize: false\nnfacctd_ip: 10.214.0.1\nnfacctd_port: {PORT}\n\
             nfacctd_pipe_size: 8388608\nplugins: print\nprint_output: csv\n\
             print_output_file: {}\nprint_refresh_time: 3600\n\
             aggregate: src_host, dst_host, src_port, dst_port, proto\n",
            out.display()
        ),
    )
    .unwrap();
    let mut child: Child = Command::new("ip")
        .args(["netns", "exec", &rx.name, NFACCTD, "-f"])
        .arg(&conf)
        .env("TZ", "UTC")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let logged = |p: &Path, s: &str| std::fs::read_to_string(p).is_ok_and(|t| t.contains(s));
    wait_for("nfacctd listening, its plugin up", || {
        logged(&log, "): waiting for ") && logged(&log, "cache entries=")
    });

    tx.within(move || {
        let s = UdpSocket::bind("10.214.0.2:0").unwrap();
        let to: SocketAddr = ("10.214.0.1".parse::<std::net::IpAddr>().unwrap(), PORT).into();
        for b in 0..BURSTS {
            // Back to back within a burst (what NAPI then finds queued), a pause between
            // bursts so that no queue on the way overflows.
            for i in 0..BURST {
                s.send_to(&v5((b * BURST + i) as u32), to).unwrap();
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    });
    std::thread::sleep(Duration::from_millis(1000));
    // SAFETY: kill(2) on our child's pid (`ip netns exec` execs the daemon).
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGUSR1) };
    wait_for("the stats lines", || logged(&log, "coalesced="));
    // One line per worker socket: let every worker write its own.
    std::thread::sleep(Duration::from_millis(500));
    // SAFETY: as above.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let t0 = Instant::now();
    while child.try_wait().unwrap().is_none() {
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "nfacctd still running"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let text = std::fs::read_to_string(&log).unwrap();
    // The first SIGUSR1's lines, one per worker (the SIGINT may add more).
    let lines: Vec<&str> = text.lines().filter(|l| l.contains("coalesced=")).collect();
    let stats = lines.join(" | ");
    let coalesced: u64 = lines
        .iter()
        .map(|l| {
            l.split("coalesced=")
                .nth(1)
                .and_then(|v| v.trim().parse::<u64>().ok())
                .unwrap_or_else(|| panic!("{l}"))
        })
        .sum();
    println!("{stats}");
    let got = printed(&std::fs::read_to_string(&out).unwrap_or_default());
    let want = expected();
    assert_eq!(want.len(), KINDS as usize * RECORDS);
    if got != want {
        let missing = want.keys().filter(|k| !got.contains_key(*k)).count();
        let wrong = want
            .iter()
            .filter(|(k, v)| got.get(*k).is_some_and(|g| g != *v))
            .count();
        // Datagrams the veth itself dropped (its ring full: the NAPI thread starved) never
        // reached the socket: named apart from what the collector did.
        let veth_drops = run(&[
            "ip",
            "netns",
            "exec",
            &tx.name,
            "cat",
            &format!("/sys/class/net/{peer}/statistics/tx_dropped"),
        ])
        .unwrap_or_default();
        panic!(
            "{} keys printed, {} sent: {missing} missing, {wrong} with other totals, {} \
             not sent; veth drops {} ({stats}; {})",
            got.len(),
            want.len(),
            got.keys().filter(|k| !want.contains_key(*k)).count(),
            veth_drops.trim(),
            dir.display()
        );
    }
    assert!(lines.iter().all(|l| l.contains("gro=on")), "{stats}");
    assert!(
        coalesced > 0,
        "no datagram came coalesced: the kernel did not batch this veth's receive ({stats})"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
