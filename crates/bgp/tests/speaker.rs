//! The speaker over real TCP on 127.0.0.1: OPEN exchange as 1.7.7 answers it, routes into
//! the RIB, lookups, a faulty peer dropped alone with its RIB, max peers, allow list.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pmacct_bgp::attr::RenderOptions;
use pmacct_bgp::msg::*;
use pmacct_bgp::speaker::{spawn, Level, SpeakerConfig};

fn cfg(asn: Option<u32>, max_peers: usize, allow: Option<Vec<(IpAddr, u8)>>) -> SpeakerConfig {
    SpeakerConfig {
        ip: Some(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        port: 0,
        ipv6_only: false,
        id: Ipv4Addr::new(1, 2, 3, 4),
        asn,
        max_peers,
        disable_router_id_check: false,
        allow,
        render: RenderOptions::default(),
        name: "default".into(),
        neighbors_file: None,
        sock: Default::default(),
        route_refresh: false,
    }
}

fn open_msg(asn: u32, id: [u8; 4]) -> Vec<u8> {
    let mut caps = vec![1, 4, 0, 1, 0, 1, 1, 4, 0, 2, 0, 1, 65, 4];
    caps.extend_from_slice(&asn.to_be_bytes());
    caps.extend_from_slice(&[69, 4, 0, 1, 1, 2]);
    let mut params = vec![2, caps.len() as u8];
    params.extend_from_slice(&caps);
    let my = if asn > 65535 { AS_TRANS } else { asn as u16 };
    let mut out = Vec::new();
    write_open(&mut out, my, 30, Ipv4Addr::from(id), &params);
    out
}

fn read_msg(s: &mut TcpStream) -> Vec<u8> {
    let mut h = [0u8; 19];
    s.read_exact(&mut h).unwrap();
    let len = u16::from_be_bytes([h[16], h[17]]) as usize;
    let mut m = h.to_vec();
    m.resize(len, 0);
    s.read_exact(&mut m[19..]).unwrap();
    m
}

fn update_v4(path_id: Option<u32>, prefix: &[u8], nh: [u8; 4], asns: &[u32]) -> Vec<u8> {
    let mut a = vec![0x40, 1, 1, 0];
    let mut p = vec![2, asns.len() as u8];
    for x in asns {
        p.extend_from_slice(&x.to_be_bytes());
    }
    a.extend_from_slice(&[0x40, 2, p.len() as u8]);
    a.extend(p);
    a.extend_from_slice(&[0x40, 3, 4]);
    a.extend_from_slice(&nh);
    let mut nlri = Vec::new();
    if let Some(id) = path_id {
        nlri.extend_from_slice(&id.to_be_bytes());
    }
    nlri.extend_from_slice(prefix);
    let mut b = vec![0, 0];
    b.extend_from_slice(&(a.len() as u16).to_be_bytes());
    b.extend(a);
    b.extend(nlri);
    let mut m = vec![0xff; 16];
    m.extend_from_slice(&((19 + b.len()) as u16).to_be_bytes());
    m.push(MSG_UPDATE);
    m.extend(b);
    m
}

fn wait(mut f: impl FnMut() -> bool) -> bool {
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(5) {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}

#[test]
fn open_exchange_routes_and_faulty_peer() {
    let logs = Arc::new(Mutex::new(Vec::<String>::new()));
    let l2 = logs.clone();
    let h = spawn(
        cfg(None, 10, None),
        Arc::new(move |_: Level, m: &str| l2.lock().unwrap().push(m.to_string())),
    )
    .unwrap();
    let addr = h.local[0];

    // Peer A: 4-byte AS, iBGP (no bgp_daemon_as: ours mirrors its AS), ADD-PATH send.
    let mut a = TcpStream::connect(addr).unwrap();
    a.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    a.write_all(&open_msg(4_200_000_000, [10, 0, 0, 1]))
        .unwrap();
    let reply = read_msg(&mut a);
    let Ok(Message::Open(o)) = Message::parse(&reply) else {
        panic!("no OPEN")
    };
    assert_eq!(o.my_as, AS_TRANS);
    assert_eq!(o.hold_time, 30);
    assert_eq!(o.bgp_id, Ipv4Addr::new(1, 2, 3, 4));
    let caps: Vec<_> = o
        .params()
        .flat_map(|p| {
            p.unwrap()
                .capabilities()
                .map(Result::unwrap)
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(caps.contains(&Capability::FourOctetAs(4_200_000_000)));
    assert!(caps.contains(&Capability::Multiprotocol { afi: 2, safi: 1 }));
    assert!(
        caps.contains(&Capability::AddPath(&[0, 1, 1, 1])),
        "{caps:?}"
    );
    assert!(matches!(
        Message::parse(&read_msg(&mut a)),
        Ok(Message::Keepalive)
    ));
    a.write_all(&keepalive()).unwrap();
    assert!(matches!(
        Message::parse(&read_msg(&mut a)),
        Ok(Message::Keepalive)
    ));

    // Two paths of 10.0.0.0/8 and a more specific 10.1.0.0/16.
    a.write_all(&update_v4(
        Some(1),
        &[8, 10],
        [192, 0, 2, 1],
        &[65001, 65002],
    ))
    .unwrap();
    a.write_all(&update_v4(
        Some(2),
        &[8, 10],
        [192, 0, 2, 2],
        &[65001, 65003],
    ))
    .unwrap();
    a.write_all(&update_v4(
        Some(1),
        &[16, 10, 1],
        [192, 0, 2, 1],
        &[65001, 65004],
    ))
    .unwrap();
    let agent: IpAddr = "127.0.0.1".parse().unwrap();
    let ip = |s: &str| s.parse::<IpAddr>().ok();
    assert!(wait(|| h
        .peers
        .lookup_flow(agent, None, ip("10.1.2.3"), None, None)
        .dst
        .prefix_len
        == 16));
    let r = h
        .peers
        .lookup_flow(agent, ip("10.1.2.3"), ip("10.2.2.3"), None, ip("192.0.2.2"));
    assert!(r.peer_found);
    assert_eq!((r.src.prefix_len, r.src.last_as), (16, 65004));
    assert_eq!(
        (r.dst.prefix_len, r.dst.last_as),
        (8, 65003),
        "ADD-PATH path of the flow's next hop"
    );
    // By router id too.
    assert!(
        h.peers
            .lookup_flow(ip("10.0.0.1").unwrap(), None, ip("10.2.2.3"), None, None)
            .dst
            .found
    );

    // Peer B on 127.0.0.2, then garbage: dropped alone, its RIB gone, A untouched.
    let mut b = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2)).unwrap();
    b.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    b.write_all(&open_msg(65010, [10, 0, 0, 2])).unwrap();
    let _ = read_msg(&mut b);
    assert!(wait(|| h.peers.count() == 2));
    let mut bad = update_v4(None, &[24, 10, 9, 9], [192, 0, 2, 9], &[65010]);
    bad[23] = 0x40;
    bad[24] = 1;
    bad[25] = 2; // ORIGIN of length 2
    b.write_all(&bad).unwrap();
    let mut n = read_msg(&mut b);
    while n[18] == MSG_KEEPALIVE {
        n = read_msg(&mut b);
    }
    assert_eq!(n[18], MSG_NOTIFICATION);
    assert_eq!(n[19], NOTIFY_UPDATE_ERR);
    assert!(wait(|| h.peers.count() == 1));
    assert_eq!(
        h.stats
            .sessions_errored
            .load(std::sync::atomic::Ordering::Relaxed),
        1
    );
    assert!(
        h.peers
            .lookup_flow(agent, None, ip("10.1.2.3"), None, None)
            .dst
            .found
    );

    // A withdraws by closing: its RIB goes.
    drop(a);
    assert!(wait(|| h.peers.count() == 0));
    assert!(
        !h.peers
            .lookup_flow(agent, None, ip("10.1.2.3"), None, None)
            .peer_found
    );
    let logs = logs.lock().unwrap();
    assert!(
        logs.iter().any(
            |l| l.contains("BGP_OPEN: Local AS: 4200000000 Remote AS: 4200000000 HoldTime: 30")
        ),
        "{logs:?}"
    );
    h.stop();
}

#[test]
fn configured_as_max_peers_and_allow_list() {
    let h = spawn(
        cfg(
            Some(65500),
            1,
            Some(vec![("127.0.0.0".parse().unwrap(), 8)]),
        ),
        Arc::new(|_: Level, _: &str| {}),
    )
    .unwrap();
    let addr = h.local[0];
    let mut a = TcpStream::connect(addr).unwrap();
    a.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    a.write_all(&open_msg(65001, [10, 0, 0, 1])).unwrap();
    let m = read_msg(&mut a);
    let Ok(Message::Open(o)) = Message::parse(&m) else {
        panic!()
    };
    assert_eq!(o.my_as, 65500);
    // A second session is refused (max peers 1): the socket is closed without an OPEN.
    let mut b = TcpStream::connect(addr).unwrap();
    b.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let _ = b.write_all(&open_msg(65002, [10, 0, 0, 2]));
    let mut buf = [0u8; 19];
    assert!(matches!(b.read(&mut buf), Ok(0) | Err(_)));
    assert!(wait(|| h
        .stats
        .rejected_max_peers
        .load(std::sync::atomic::Ordering::Relaxed)
        == 1));
    h.stop();

    let h = spawn(
        cfg(None, 10, Some(vec![("192.0.2.0".parse().unwrap(), 24)])),
        Arc::new(|_: Level, _: &str| {}),
    )
    .unwrap();
    let mut c = TcpStream::connect(h.local[0]).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let _ = c.write_all(&open_msg(65001, [10, 0, 0, 1]));
    assert!(matches!(c.read(&mut buf), Ok(0) | Err(_)));
    assert_eq!(
        h.stats
            .rejected_allow
            .load(std::sync::atomic::Ordering::Relaxed),
        1
    );
}
