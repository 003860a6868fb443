//! Differential test of `bmp_daemon: true` in nfacctd (issue 18 items 1 and 3): Debian's
//! nfacctd 1.7.7 and ours each run a BMP collector; two crafted BMP routers
//! (compat-tests/gen/bmp_stream.py `flows`, `flows2`) stream the same routes to both — one
//! prefix held by several monitored peers and both policies, a prefix withdrawn and announced
//! again by another peer first, a peer gone down, IPv6 from a 2-byte AS peer — and stay
//! connected. Once both message logs hold every route, the same NetFlow v9 datagrams go to
//! both collectors; the print (CSV) outputs of the BGP primitives (`nfacctd_as: bmp`, every
//! `bgp_*_type: bgp`) and of the networks (`nfacctd_net: bmp`) must be the same multisets.
//!
//! Which routes a flow is looked up in (1.7.7's `bgp_lookup_find_bmp_peer`), one exporter
//! each (its flows on their own input interface, to tell them apart in the output):
//! - 127.0.0.1 (in 4), no map entry: router 1's session address;
//! - 127.0.0.3 (in 5), `bmp_agent_map` to router 2's BGP id, the one of its Peer Up's local
//!   side (10.9.9.9; router 2 connects from 127.0.0.2);
//! - 127.0.0.4 (in 6), `bmp_agent_map` to the peer router 2 monitors (10.0.9.2): the route
//!   reflector case.
//!
//! One exporter per target because 1.7.7 caches the router found per exporter and fails
//! the lookup of a flow whose map entry names another router than the previous flow's
//! (see docs/COMPATIBILITY.md); ours looks each flow up as its entry says.
//!
//! Run: `cargo test -p pmacct-bin --test compat_bmp_flow`.

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use compat_tests::compare::{compare, Format};
use compat_tests::run::{self, Scratch};

fn stream(which: &str) -> Vec<u8> {
    let out = Command::new("python3")
        .arg(compat_tests::root().join("gen/bmp_stream.py"))
        .arg(which)
        .stderr(Stdio::inherit())
        .output()
        .expect("python3");
    assert!(out.status.success(), "bmp_stream.py {which} failed");
    out.stdout
}

/// A BMP router connection from `from` (router 2 comes from 127.0.0.2).
fn connect_from(from: Ipv4Addr, port: u16) -> TcpStream {
    use socket2::{Domain, Socket, Type};
    let s = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    s.bind(&SocketAddr::from((from, 0)).into()).unwrap();
    s.connect(&SocketAddr::from((Ipv4Addr::LOCALHOST, port)).into())
        .unwrap();
    s.into()
}

fn free_tcp_port() -> u16 {
    run::free_tcp_port().unwrap()
}

struct Side {
    dir: Scratch,
    nf_port: u16,
    bmp_port: u16,
}

const SRC_TYPES: &str = "bgp_peer_src_as_type: bgp\nbgp_src_as_path_type: bgp\n\
    bgp_src_std_comm_type: bgp\nbgp_src_ext_comm_type: bgp\nbgp_src_lrg_comm_type: bgp\n\
    bgp_src_local_pref_type: bgp\nbgp_src_med_type: bgp";

impl Side {
    fn new(tag: &str) -> Side {
        Side {
            dir: Scratch::new(tag).unwrap(),
            nf_port: run::free_port().unwrap(),
            bmp_port: free_tcp_port(),
        }
    }

    fn path(&self, f: &str) -> PathBuf {
        self.dir.0.join(f)
    }

    /// The collector's config; `extra`: more lines (`@DIR@`: the scratch directory).
    fn config(&self, extra: &str) -> String {
        let d = self.dir.0.display();
        std::fs::write(
            self.path("agent.map"),
            "bgp_ip=10.9.9.9 ip=127.0.0.3\nbgp_ip=10.0.9.2 ip=127.0.0.4\n",
        )
        .unwrap();
        format!(
            "daemonize: false\n\
             nfacctd_ip: 127.0.0.1\n\
             nfacctd_port: {nf}\n\
             bmp_daemon: true\n\
             bmp_daemon_ip: 127.0.0.1\n\
             bmp_daemon_port: {bp}\n\
             bmp_daemon_max_peers: 4\n\
             bmp_daemon_msglog_file: {d}/msglog.json\n\
             bmp_agent_map: {d}/agent.map\n\
             nfacctd_as: bmp\n\
             nfacctd_net: bmp\n\
             {SRC_TYPES}\n\
             plugins: print[main], print[net]\n\
             aggregate[main]: src_host, dst_host, in_iface, src_as, dst_as, as_path, std_comm, \
             ext_comm, lrg_comm, local_pref, med, peer_src_as, peer_dst_as, src_as_path, \
             src_std_comm, src_ext_comm, src_lrg_comm, src_local_pref, src_med\n\
             print_output[main]: csv\n\
             print_output_file[main]: {d}/main.csv\n\
             print_refresh_time[main]: 3600\n\
             aggregate[net]: src_host, dst_host, in_iface, src_net, dst_net, src_mask, \
             dst_mask, peer_dst_ip\n\
             print_output[net]: csv\n\
             print_output_file[net]: {d}/net.csv\n\
             print_refresh_time[net]: 3600\n{extra}",
            nf = self.nf_port,
            bp = self.bmp_port,
            extra = extra.replace("@DIR@", &d.to_string()),
        )
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.path("stderr")).unwrap_or_default()
    }

    fn msglog(&self) -> String {
        std::fs::read_to_string(self.path("msglog.json")).unwrap_or_default()
    }
}

/// One NetFlow v9 record.
struct Rec {
    src: IpAddr,
    dst: IpAddr,
    src_mask: u8,
    dst_mask: u8,
    in_iface: u32,
    port: u16,
}

fn templates() -> Vec<u8> {
    let mut t = Vec::new();
    let tail: [(u16, u16); 8] = [
        (10, 4),
        (16, 4),
        (17, 4),
        (1, 4),
        (2, 4),
        (4, 1),
        (7, 2),
        (11, 2),
    ];
    for (id, head) in [
        (256u16, [(8u16, 4u16), (12, 4), (9, 1), (13, 1)]),
        (257, [(27, 16), (28, 16), (29, 1), (30, 1)]),
    ] {
        t.extend_from_slice(&id.to_be_bytes());
        t.extend_from_slice(&12u16.to_be_bytes());
        for (ty, len) in head.iter().chain(tail.iter()) {
            t.extend_from_slice(&ty.to_be_bytes());
            t.extend_from_slice(&len.to_be_bytes());
        }
    }
    let mut fs = vec![0, 0];
    fs.extend_from_slice(&(4 + t.len() as u16).to_be_bytes());
    fs.extend_from_slice(&t);
    fs
}

fn record(r: &Rec, out: &mut Vec<u8>) {
    for a in [r.src, r.dst] {
        match a {
            IpAddr::V4(v) => out.extend_from_slice(&v.octets()),
            IpAddr::V6(v) => out.extend_from_slice(&v.octets()),
        }
    }
    out.push(r.src_mask);
    out.push(r.dst_mask);
    out.extend_from_slice(&r.in_iface.to_be_bytes());
    out.extend_from_slice(&(100 + u32::from(r.port)).to_be_bytes());
    out.extend_from_slice(&(200 + u32::from(r.port)).to_be_bytes());
    out.extend_from_slice(&(100 + u32::from(r.port)).to_be_bytes());
    out.extend_from_slice(&1u32.to_be_bytes());
    out.push(6);
    out.extend_from_slice(&r.port.to_be_bytes());
    out.extend_from_slice(&80u16.to_be_bytes());
}

fn datagrams(recs: &[&Rec]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for (seq, chunk) in recs.chunks(20).enumerate() {
        let mut d = Vec::new();
        d.extend_from_slice(&9u16.to_be_bytes());
        d.extend_from_slice(&((chunk.len() + 2) as u16).to_be_bytes());
        d.extend_from_slice(&1000u32.to_be_bytes());
        d.extend_from_slice(&1_700_000_000u32.to_be_bytes());
        d.extend_from_slice(&(seq as u32).to_be_bytes());
        d.extend_from_slice(&0u32.to_be_bytes());
        d.extend_from_slice(&templates());
        for (id, v6) in [(256u16, false), (257, true)] {
            let mut body = Vec::new();
            for r in chunk.iter().filter(|r| r.src.is_ipv6() == v6) {
                record(r, &mut body);
            }
            if body.is_empty() {
                continue;
            }
            while body.len() % 4 != 0 {
                body.push(0);
            }
            d.extend_from_slice(&id.to_be_bytes());
            d.extend_from_slice(&((body.len() + 4) as u16).to_be_bytes());
            d.extend_from_slice(&body);
        }
        out.push(d);
    }
    out
}

/// Every ordered pair of addresses (inside the routes of both routers, in the withdrawn and
/// re-announced prefix, in the downed peer's, outside all) on input interfaces 4, 5 and 6.
fn flows() -> Vec<Rec> {
    let v4 = [
        "10.1.5.5",
        "10.1.1.9",
        "10.1.1.200",
        "10.2.3.3",
        "10.3.0.1",
        "10.3.3.3",
        "10.4.0.1",
        "10.5.0.1",
        "192.168.1.1",
    ];
    let v6 = ["2001:db8:100::1", "2001:db8:100:1::1", "2001:db8:999::1"];
    let masks = [0u8, 8, 16, 24, 28];
    let mut out = Vec::new();
    let mut k = 0u16;
    for set in [&v4[..], &v6[..]] {
        for (i, s) in set.iter().enumerate() {
            for (j, d) in set.iter().enumerate() {
                if i == j {
                    continue;
                }
                for in_iface in [4, 5, 6] {
                    out.push(Rec {
                        src: s.parse().unwrap(),
                        dst: d.parse().unwrap(),
                        src_mask: masks[usize::from(k) % masks.len()],
                        dst_mask: masks[usize::from(k / 3) % masks.len()],
                        in_iface,
                        port: 1000 + k,
                    });
                    k += 1;
                }
            }
        }
    }
    out
}

fn interrupt(c: &mut Child, bin: &Path) {
    // SAFETY: kill(2) on the pid of a child we spawned and have not reaped yet.
    unsafe { libc::kill(c.id() as libc::pid_t, libc::SIGINT) };
    let t0 = Instant::now();
    loop {
        match c.try_wait() {
            Ok(Some(_)) => return,
            _ if t0.elapsed() > Duration::from_secs(30) => {
                let _ = c.kill();
                let _ = c.wait();
                panic!("{} did not exit on SIGINT", bin.display());
            }
            _ => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

fn wait_for(what: &str, sides: &[&Side], mut ok: impl FnMut(&Side) -> bool) {
    let t0 = Instant::now();
    while !sides.iter().all(|s| ok(s)) {
        if t0.elapsed() > Duration::from_secs(40) {
            let logs: Vec<String> = sides
                .iter()
                .map(|s| format!("--- {}\n{}\n{}", s.dir.0.display(), s.log(), s.msglog()))
                .collect();
            panic!("{what}: not after 40 s\n{}", logs.join("\n"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Records of `text` whose field `col` (by the CSV header) is not empty / zero.
fn filled(text: &str, col: &str) -> usize {
    let mut lines = text.lines();
    let Some(i) = lines
        .next()
        .and_then(|h| h.split(',').position(|c| c == col))
    else {
        return 0;
    };
    lines
        .filter(|l| {
            l.split(',')
                .nth(i)
                .is_some_and(|v| !v.is_empty() && v != "0")
        })
        .count()
}

/// `recs` as NetFlow v9 from `exporter` to each collector.
fn send(exporter: &UdpSocket, recs: &[&Rec], sides: &[&Side]) {
    for d in datagrams(recs) {
        for s in sides {
            exporter
                .send_to(&d, SocketAddr::from((Ipv4Addr::LOCALHOST, s.nf_port)))
                .unwrap();
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Until both collectors read every datagram.
fn drained(pm: &Side, ours: &Side) {
    let _ = run::wait_until("datagrams read", Duration::from_secs(10), || {
        run::udp_queued(pm.nf_port) == Some(0) && run::udp_queued(ours.nf_port) == Some(0)
    });
    std::thread::sleep(Duration::from_millis(500));
}

/// Both collectors stopped (SIGINT: the print plugins write), then the run's panic, if any,
/// goes on; else its value (the router connections, held until then).
fn stop<T>(
    result: std::thread::Result<T>,
    pm: (&mut Child, &Path),
    ours: (&mut Child, &Path),
) -> T {
    interrupt(pm.0, pm.1);
    interrupt(ours.0, ours.1);
    match result {
        Ok(r) => r,
        Err(e) => std::panic::resume_unwind(e),
    }
}

/// One print output of both collectors: the same records, pmacct's at least half of the
/// `sent` flows, each of `cols` filled in 20 records at least (the BMP routes were used).
fn check_output(pm: &Side, ours: &Side, sent: usize, file: &str, cols: &[&str]) {
    let po = std::fs::read_to_string(pm.path(file)).unwrap_or_default();
    let oo = std::fs::read_to_string(ours.path(file)).unwrap_or_default();
    let diff = compare(Format::Csv, &po, &oo);
    println!("{file}: {sent} flows sent; {diff}");
    assert!(
        diff.records.0 >= sent / 2,
        "{file}: pmacct printed {} records:\n{po}\n{}",
        diff.records.0,
        pm.log()
    );
    for c in cols {
        let n = filled(&po, c);
        assert!(
            n >= 20,
            "{file}: pmacct filled {c} in {n} records only:\n{po}\n{}",
            pm.log()
        );
        println!("{file}: {c} filled in {n} records");
    }
    assert!(
        diff.is_empty(),
        "{file}: {diff}\npmacct:\n{po}\nours:\n{oo}"
    );
}

#[test]
fn bmp_routes_enrich_flows_as_pmacct() {
    let pm_bin = PathBuf::from(compat_tests::oracle::path("nfacctd"));
    let ours_bin = PathBuf::from(env!("CARGO_BIN_EXE_nfacctd"));
    let pm = Side::new("bmpflow-pmacct");
    let ours = Side::new("bmpflow-ours");
    let (mut cp, mut co) = run::spawn_pair(
        (&pm_bin, &pm.config(""), &pm.dir.0),
        (&ours_bin, &ours.config(""), &ours.dir.0),
    )
    .unwrap();
    let recs = flows();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        wait_for("collectors up", &[&pm, &ours], |s| {
            s.log().matches(run::PLUGIN_UP).count() >= 2
                && TcpStream::connect(("127.0.0.1", s.bmp_port)).is_ok()
        });
        let (r1, r2) = (stream("flows"), stream("flows2"));
        let mut routers = Vec::new();
        for s in [&pm, &ours] {
            let mut a = connect_from(Ipv4Addr::LOCALHOST, s.bmp_port);
            a.write_all(&r1).unwrap();
            let mut b = connect_from(Ipv4Addr::new(127, 0, 0, 2), s.bmp_port);
            b.write_all(&r2).unwrap();
            routers.push((a, b));
        }
        // 13 route updates from router 1, 2 from router 2, the downed peer's deletion.
        wait_for("routes in both RIBs", &[&pm, &ours], |s| {
            let m = s.msglog();
            m.matches("\"log_type\": \"update\"").count() >= 15
                && m.matches("\"log_type\": \"delete\"").count() >= 1
        });
        std::thread::sleep(Duration::from_millis(300));
        for (in_iface, from) in [(4, 1), (5, 3), (6, 4)] {
            let exporter = UdpSocket::bind((Ipv4Addr::new(127, 0, 0, from), 0)).unwrap();
            let mine: Vec<&Rec> = recs.iter().filter(|r| r.in_iface == in_iface).collect();
            send(&exporter, &mine, &[&pm, &ours]);
        }
        drained(&pm, &ours);
        routers
    }));
    drop(stop(result, (&mut cp, &pm_bin), (&mut co, &ours_bin)));
    for (file, cols) in [
        (
            "main.csv",
            &[
                "AS_PATH",
                "COMMS",
                "PREF",
                "SRC_AS_PATH",
                "SRC_PREF",
                "PEER_DST_AS",
                "DST_AS",
            ][..],
        ),
        ("net.csv", &["DST_NET", "DST_MASK", "PEER_DST_IP"][..]),
    ] {
        check_output(&pm, &ours, recs.len(), file, cols);
    }
}

/// Every ordered pair of `addrs` on input interfaces 4 (no RD) and 7 (RD 0:65000:100 by
/// `flow_to_rd_map`).
fn flows_rd(addrs: &[&str]) -> Vec<Rec> {
    let mut out = Vec::new();
    let mut k = 0u16;
    for (i, s) in addrs.iter().enumerate() {
        for (j, d) in addrs.iter().enumerate() {
            if i == j {
                continue;
            }
            for in_iface in [4, 7] {
                out.push(Rec {
                    src: s.parse().unwrap(),
                    dst: d.parse().unwrap(),
                    src_mask: 0,
                    dst_mask: 0,
                    in_iface,
                    port: 1000 + k,
                });
                k += 1;
            }
        }
    }
    out
}

/// `flow_to_rd_map` with BMP-learned routes (bmp_stream.py `flows_rd`): 1.7.7 looks a flow
/// with an RD up in the VPN routes, then the unicast routes, of the monitored peers whose
/// peer distinguisher is that RD (never by a VPN route's own RD: see pmacct_bmp::lookup);
/// a flow without one in every peer's unicast routes; then labelled unicast (with an RD:
/// of those peers only). Same outputs, record by record.
#[test]
fn bmp_flow_to_rd_map_as_pmacct() {
    let pm_bin = PathBuf::from(compat_tests::oracle::path("nfacctd"));
    let ours_bin = PathBuf::from(env!("CARGO_BIN_EXE_nfacctd"));
    let pm = Side::new("bmpflowrd-pmacct");
    let ours = Side::new("bmpflowrd-ours");
    for s in [&pm, &ours] {
        std::fs::write(s.path("f2rd.map"), "id=0:65000:100 ip=127.0.0.1 in=7\n").unwrap();
    }
    let extra = "flow_to_rd_map: @DIR@/f2rd.map\n";
    let (mut cp, mut co) = run::spawn_pair(
        (&pm_bin, &pm.config(extra), &pm.dir.0),
        (&ours_bin, &ours.config(extra), &ours.dir.0),
    )
    .unwrap();
    let recs = flows_rd(&[
        "10.1.1.1",
        "10.6.0.1",
        "10.6.1.1",
        "10.7.7.1",
        "10.7.1.1",
        "10.8.8.1",
        "10.8.1.1",
        "172.16.5.1",
        "172.16.6.1",
        "10.9.1.1",
        "10.10.1.1",
        "10.10.10.1",
        "192.168.1.1",
    ]);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        wait_for("collectors up", &[&pm, &ours], |s| {
            s.log().matches(run::PLUGIN_UP).count() >= 2
                && TcpStream::connect(("127.0.0.1", s.bmp_port)).is_ok()
        });
        let r = stream("flows_rd");
        let mut routers = Vec::new();
        for s in [&pm, &ours] {
            let mut a = connect_from(Ipv4Addr::LOCALHOST, s.bmp_port);
            a.write_all(&r).unwrap();
            routers.push(a);
        }
        // 12 routes in 11 updates.
        wait_for("routes in both RIBs", &[&pm, &ours], |s| {
            s.msglog().matches("\"log_type\": \"update\"").count() >= 12
        });
        std::thread::sleep(Duration::from_millis(300));
        let exporter = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let all: Vec<&Rec> = recs.iter().collect();
        send(&exporter, &all, &[&pm, &ours]);
        drained(&pm, &ours);
        routers
    }));
    drop(stop(result, (&mut cp, &pm_bin), (&mut co, &ours_bin)));
    for (file, cols) in [
        ("main.csv", &["AS_PATH", "DST_AS", "SRC_AS_PATH"][..]),
        ("net.csv", &["DST_NET", "DST_MASK", "PEER_DST_IP"][..]),
    ] {
        check_output(&pm, &ours, recs.len(), file, cols);
    }
}
