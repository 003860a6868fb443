//! The collector feeding pmacct-bgp's RIB for flow lookups (`bmp_daemon` in nfacctd): a
//! router found by address or by its Peer Up's local BGP id, a monitored peer by its
//! address; Peer Down and the router's close take the routes; a PROXY header names the
//! router; `bmp_daemon_batch` throttles new routers.

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pmacct_bmp::lookup::FlowRib;
use pmacct_bmp::msg::*;
use pmacct_bmp::server::{self, Config, Level};

mod craft;
use craft::*;

fn peer_up(addr: [u8; 4], local_id: [u8; 4]) -> Vec<u8> {
    let mut b = peer_hdr(0, addr);
    b.extend_from_slice(&[0; 12]);
    b.extend_from_slice(&[192, 0, 2, 1, 0, 179, 0x9c, 0x40]);
    b.extend(open(65000, local_id));
    b.extend(open(65001, addr));
    bmp(MSG_PEER_UP, &b)
}

fn route(flags: u8, peer: [u8; 4], asn: u32, prefix: [u8; 3], withdraw: bool) -> Vec<u8> {
    let mut path = vec![0x40, 2, 6, 2, 1];
    path.extend_from_slice(&asn.to_be_bytes());
    let mut attrs = vec![0x40, 1, 1, 0];
    attrs.extend(path);
    attrs.extend_from_slice(&[0x40, 3, 4, 10, 0, 0, 2]);
    let nlri = [&[24u8][..], &prefix].concat();
    let mut b = Vec::new();
    if withdraw {
        b.extend_from_slice(&(nlri.len() as u16).to_be_bytes());
        b.extend_from_slice(&nlri);
        b.extend_from_slice(&[0, 0]);
    } else {
        b.extend_from_slice(&[0, 0]);
        b.extend_from_slice(&(attrs.len() as u16).to_be_bytes());
        b.extend_from_slice(&attrs);
        b.extend_from_slice(&nlri);
    }
    let mut m = peer_hdr(flags, peer);
    m.extend(bgp(2, &b));
    bmp(MSG_ROUTE_MONITOR, &m)
}

fn peer_down(peer: [u8; 4]) -> Vec<u8> {
    let mut b = peer_hdr(0, peer);
    b.push(4);
    bmp(MSG_PEER_DOWN, &b)
}

fn wait_for(what: &str, f: impl Fn() -> bool) {
    let t0 = Instant::now();
    while !f() {
        assert!(t0.elapsed() < Duration::from_secs(10), "timed out: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn collector(cfg: Config) -> (server::Handle, FlowRib, Arc<Mutex<Vec<String>>>) {
    let rib = FlowRib::default();
    let lines = Arc::new(Mutex::new(Vec::new()));
    let l2 = lines.clone();
    let h = server::spawn(
        Config {
            ip: Some(IpAddr::V4(Ipv4Addr::LOCALHOST)),
            max_peers: 4,
            name: "test".into(),
            flow: Some(rib.clone()),
            ..cfg
        },
        Arc::new(move |_l: Level, m: &str| l2.lock().unwrap().push(m.to_string())),
    )
    .unwrap();
    (h, rib, lines)
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// The AS path's last ASN of the route `dst` matches for a flow from `agent` (0: none).
fn origin(rib: &FlowRib, agent: &str, dst: &str) -> u32 {
    let mut r = rib
        .routers
        .lookup_flow(ip(agent), None, Some(ip(dst)), None, None);
    if !r.peer_found {
        r = rib
            .monitored
            .lookup_flow(ip(agent), None, Some(ip(dst)), None, None);
    }
    if r.dst.found {
        r.dst.last_as
    } else {
        0
    }
}

#[test]
fn routes_for_flows_by_router_id_and_peer() {
    let (h, rib, _) = collector(Config::default());
    let mut s = TcpStream::connect(h.local).unwrap();
    let (pa, pb) = ([10, 0, 0, 2], [10, 0, 0, 3]);
    let mut m = peer_up(pa, [10, 9, 9, 9]);
    m.extend(peer_up(pb, [10, 9, 9, 9]));
    // 198.51.100.0/24 from A pre-policy (oldest), A post-policy, B.
    m.extend(route(0, pa, 64501, [198, 51, 100], false));
    m.extend(route(0x40, pa, 64502, [198, 51, 100], false));
    m.extend(route(0, pb, 64503, [198, 51, 100], false));
    m.extend(route(0, pb, 64504, [203, 0, 113], false));
    s.write_all(&m).unwrap();
    wait_for("routes", || {
        origin(&rib, "127.0.0.1", "203.0.113.1") == 64504
    });
    // The router by address and by its local BGP id: the oldest route of the prefix.
    assert_eq!(origin(&rib, "127.0.0.1", "198.51.100.1"), 64501);
    assert_eq!(origin(&rib, "10.9.9.9", "198.51.100.1"), 64501);
    // A monitored peer by its address: its own routes only.
    assert_eq!(origin(&rib, "10.0.0.3", "198.51.100.1"), 64503);
    assert_eq!(origin(&rib, "10.0.0.2", "203.0.113.1"), 0);
    // A's pre-policy route withdrawn: A's post-policy one is now the oldest.
    s.write_all(&route(0, pa, 64501, [198, 51, 100], true))
        .unwrap();
    wait_for("withdrawal", || {
        origin(&rib, "127.0.0.1", "198.51.100.1") == 64502
    });
    // Peer Down of A: B's route remains, A is no longer a lookup peer.
    s.write_all(&peer_down(pa)).unwrap();
    wait_for("peer down", || {
        origin(&rib, "127.0.0.1", "198.51.100.1") == 64503
    });
    assert_eq!(rib.monitored.count(), 1);
    // The router goes away: nothing is left to look up in.
    drop(s);
    wait_for("router close", || rib.routers.count() == 0);
    assert_eq!(rib.monitored.count(), 0);
    assert_eq!(origin(&rib, "127.0.0.1", "203.0.113.1"), 0);
    h.stop();
}

#[test]
fn proxy_header_names_the_router() {
    let (h, rib, lines) = collector(Config {
        parse_proxy_header: true,
        ..Default::default()
    });
    let mut s = TcpStream::connect(h.local).unwrap();
    // The header and the BMP stream in separate writes: the header alone first.
    s.write_all(b"PROXY TCP4 192.0.2.77 127.0.0.1 40077 1790\r\n")
        .unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let mut m = peer_up([10, 0, 0, 2], [10, 9, 9, 9]);
    m.extend(route(0, [10, 0, 0, 2], 64501, [198, 51, 100], false));
    s.write_all(&m).unwrap();
    wait_for("routes", || {
        origin(&rib, "192.0.2.77", "198.51.100.1") == 64501
    });
    assert_eq!(origin(&rib, "127.0.0.1", "198.51.100.1"), 0);
    assert!(lines
        .lock()
        .unwrap()
        .iter()
        .any(|l| l.contains("with Proxy Protocol V1 containing: 192.0.2.77:40077")));
    h.stop();
}

#[test]
fn batch_throttles_new_routers() {
    let (h, _rib, lines) = collector(Config {
        batch: Some((1, 3600)),
        ..Default::default()
    });
    let _a = TcpStream::connect(h.local).unwrap();
    wait_for("first router", || {
        h.stats
            .routers_connected
            .load(std::sync::atomic::Ordering::Relaxed)
            == 1
    });
    let _b = TcpStream::connect(h.local).unwrap();
    wait_for("throttled", || {
        lines
            .lock()
            .unwrap()
            .iter()
            .any(|l| l.contains("throttling at BMP peer #1"))
    });
    assert_eq!(
        h.stats
            .routers_connected
            .load(std::sync::atomic::Ordering::Relaxed),
        1
    );
    h.stop();
}
