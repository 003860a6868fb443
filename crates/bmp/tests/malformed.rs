//! Malformed BMP input: truncated messages and lying lengths are errors, never panics,
//! out-of-bounds reads or unbounded loops; and the collector keeps a router whose message is
//! malformed, closing only a stream that cannot be framed.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pmacct_bmp::msg::*;
use pmacct_bmp::server::{self, Config, Level};

fn bmp(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut v = vec![3];
    v.extend_from_slice(&((6 + body.len()) as u32).to_be_bytes());
    v.push(kind);
    v.extend_from_slice(body);
    v
}

fn peer_hdr(ptype: u8, flags: u8, addr: [u8; 4], asn: u32) -> Vec<u8> {
    let mut v = vec![ptype, flags];
    v.extend_from_slice(&[0; 8]);
    v.extend_from_slice(&[0; 12]);
    v.extend_from_slice(&addr);
    v.extend_from_slice(&asn.to_be_bytes());
    v.extend_from_slice(&addr);
    v.extend_from_slice(&1_700_000_000u32.to_be_bytes());
    v.extend_from_slice(&0u32.to_be_bytes());
    v
}

fn bgp(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut v = vec![0xff; 16];
    v.extend_from_slice(&((19 + body.len()) as u16).to_be_bytes());
    v.push(kind);
    v.extend_from_slice(body);
    v
}

fn open(asn: u16, four: Option<u32>) -> Vec<u8> {
    let mut params = Vec::new();
    if let Some(a) = four {
        params.extend_from_slice(&[2, 6, 65, 4]);
        params.extend_from_slice(&a.to_be_bytes());
    }
    let mut b = vec![4];
    b.extend_from_slice(&asn.to_be_bytes());
    b.extend_from_slice(&90u16.to_be_bytes());
    b.extend_from_slice(&[10, 0, 0, 2, params.len() as u8]);
    b.extend_from_slice(&params);
    bgp(1, &b)
}

fn peer_up(addr: [u8; 4]) -> Vec<u8> {
    let mut b = peer_hdr(0, 0, addr, 65001);
    b.extend_from_slice(&[0; 12]);
    b.extend_from_slice(&[192, 0, 2, 1]);
    b.extend_from_slice(&179u16.to_be_bytes());
    b.extend_from_slice(&40000u16.to_be_bytes());
    b.extend(open(65000, Some(65000)));
    b.extend(open(65001, Some(65001)));
    bmp(MSG_PEER_UP, &b)
}

fn update_v4(prefix: [u8; 3]) -> Vec<u8> {
    let attrs = [
        0x40, 1, 1, 0, // origin igp
        0x40, 2, 6, 2, 1, 0, 0, 0xfd, 0xe9, // as path 65001
        0x40, 3, 4, 10, 0, 0, 2, // next hop
    ];
    let mut b = vec![0, 0];
    b.extend_from_slice(&(attrs.len() as u16).to_be_bytes());
    b.extend_from_slice(&attrs);
    b.push(24);
    b.extend_from_slice(&prefix);
    bgp(2, &b)
}

#[test]
fn every_prefix_of_every_message_is_an_error_not_a_panic() {
    let mut msgs = vec![
        bmp(MSG_INIT, &[0, 1, 0, 3, b'a', b'b', b'c']),
        peer_up([10, 0, 0, 2]),
        bmp(MSG_ROUTE_MONITOR, &{
            let mut b = peer_hdr(0, 0, [10, 0, 0, 2], 65001);
            b.extend(update_v4([198, 51, 100]));
            b
        }),
        bmp(MSG_STATS, &{
            let mut b = peer_hdr(0, 0, [10, 0, 0, 2], 65001);
            b.extend_from_slice(&2u32.to_be_bytes());
            b.extend_from_slice(&[0, 0, 0, 4, 0, 0, 0, 5]);
            b.extend_from_slice(&[0, 9, 0, 11, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 9]);
            b
        }),
        bmp(MSG_PEER_DOWN, &{
            let mut b = peer_hdr(0, 0, [10, 0, 0, 2], 65001);
            b.extend_from_slice(&[2, 0, 7]);
            b
        }),
        bmp(MSG_ROUTE_MIRROR, &{
            let mut b = peer_hdr(0, 0, [10, 0, 0, 2], 65001);
            b.extend_from_slice(&[0, 1, 0, 2, 0, 1]);
            b
        }),
        bmp(MSG_TERM, &[0, 1, 0, 2, 0, 0]),
    ];
    // A lying length inside each: every 16-bit and 32-bit field set to large values.
    let mut lies = Vec::new();
    for m in &msgs {
        for at in 6..m.len().saturating_sub(1) {
            let mut x = m.clone();
            x[at] = 0xff;
            x[at + 1] = 0xff;
            lies.push(x);
        }
    }
    msgs.extend(lies);
    let mut checked = 0;
    for m in &msgs {
        for cut in 0..=m.len() {
            let mut whole = m[..cut].to_vec();
            if cut >= 6 {
                // the common header claims the cut length: the body itself is short
                whole[1..5].copy_from_slice(&(cut as u32).to_be_bytes());
            }
            let Ok(Some(len)) = frame_len(&whole) else {
                continue;
            };
            if len > whole.len() {
                continue;
            }
            let Ok(msg) = Message::parse(&whole[..len]) else {
                continue;
            };
            checked += 1;
            let _ = RouteMonitor::parse(msg.body);
            let _ = PeerUp::parse(msg.body).map(|p| (p.four_octet_as(), p.add_path(1, 1)));
            let _ = PeerDown::parse(msg.body).map(|p| p.fsm_code());
            if let Ok(s) = Stats::parse(msg.body) {
                // bounded by the count and the bytes, never more
                assert!(s.counters().count() <= s.count as usize);
                assert!(s.counters().count() <= msg.body.len());
            }
            let _ = RouteMirror::parse(msg.body).map(|r| tlvs(r.tlvs).count());
            assert!(tlvs(msg.body).count() <= msg.body.len());
        }
    }
    assert!(checked > 2000, "only {checked} cases");
    // The collector's whole path (routes, JSON) on each lie after a good Peer Up, as one
    // router's stream, with and without a RIB.
    let mut out = 0;
    for m in &msgs {
        let mut s = peer_up([10, 0, 0, 2]);
        s.extend_from_slice(m);
        s.extend(peer_up([10, 0, 0, 3]));
        out += server::fuzz_stream(&s, false) + server::fuzz_stream(&s, true);
    }
    assert!(out > 0);
}

#[test]
fn lying_lengths_are_named() {
    // per-peer header cut short
    assert_eq!(PeerHeader::parse(&[0; 41]).err(), Some(Error::PeerHdr));
    // TLV length beyond the message
    let t: Vec<_> = tlvs(&[0, 1, 0, 200, b'x']).collect();
    assert_eq!(t, vec![Err(Error::Tlv)]);
    // enterprise TLV whose length cannot hold the PEN
    let t: Vec<_> = tlvs(&[0x80, 1, 0, 2, 0, 0, 0, 9]).collect();
    assert_eq!(t, vec![Err(Error::Tlv)]);
    // statistics: count 50, one counter
    let mut b = peer_hdr(0, 0, [10, 0, 0, 2], 1);
    b.extend_from_slice(&50u32.to_be_bytes());
    b.extend_from_slice(&[0, 0, 0, 4, 0, 0, 0, 1]);
    let s = Stats::parse(&b).unwrap();
    let c: Vec<_> = s.counters().collect();
    assert_eq!(c.len(), 2);
    assert!(c[0].is_ok());
    assert_eq!(c[1], Err(Error::StatsCounter(1)));
    // route monitoring whose UPDATE length overruns
    let mut b = peer_hdr(0, 0, [10, 0, 0, 2], 1);
    let mut u = update_v4([10, 9, 0]);
    u[16] = 0x0f;
    u[17] = 0xa0;
    b.extend(u);
    assert_eq!(RouteMonitor::parse(&b).err(), Some(Error::BgpMsg));
    // common header: bad version, length below 6
    assert_eq!(frame_len(&[1, 0, 0, 0, 6, 4]), Err(Error::Version(1)));
    assert_eq!(frame_len(&[3, 0, 0, 0, 2, 4]), Err(Error::Length(2)));
    assert_eq!(frame_len(&[3, 0, 0]), Ok(None));
    // a known counter type with another length: value 0, its bytes not skipped (1.7.7)
    let mut b = peer_hdr(0, 0, [10, 0, 0, 2], 1);
    b.extend_from_slice(&2u32.to_be_bytes());
    b.extend_from_slice(&[0, 0, 0, 0]);
    b.extend_from_slice(&[0, 1, 0, 4, 0, 0, 0, 3]);
    let s = Stats::parse(&b).unwrap();
    let c: Vec<_> = s.counters().map(Result::unwrap).collect();
    assert_eq!(c[0].value, CounterValue::Num(0));
    assert_eq!(c[1].kind, 1);
    assert_eq!(c[1].value, CounterValue::Num(3));
}

#[test]
fn rd_rendering() {
    assert_eq!(rd_str(&[0, 0, 0xfd, 0xe8, 0, 0, 0, 100]), "0:65000:100");
    assert_eq!(rd_str(&[0, 1, 10, 0, 0, 1, 0, 7]), "1:10.0.0.1:7");
    assert_eq!(rd_str(&[0, 2, 0, 1, 0, 0, 0, 5]), "2:65536:5");
    assert_eq!(rd_str(&[0, 9, 0, 0, 0, 0, 0, 0]), "unknown");
}

fn collector(port_file: &std::path::Path) -> (server::Handle, Arc<Mutex<Vec<String>>>) {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let l2 = lines.clone();
    let h = server::spawn(
        Config {
            ip: Some(IpAddr::V4(Ipv4Addr::LOCALHOST)),
            port: 0,
            ipv6_only: false,
            max_peers: 2,
            allow: None,
            msglog_file: Some(port_file.to_string_lossy().into_owned()),
            // A dump configured (never due in the test) so that routes are kept and deleted.
            dump_file: Some(
                port_file
                    .with_extension("dump")
                    .to_string_lossy()
                    .into_owned(),
            ),
            dump_latest_file: None,
            dump_refresh_time: 86400,
            ts: Default::default(),
            render: Default::default(),
            name: "test".into(),
            ..Default::default()
        },
        Arc::new(move |_l: Level, m: &str| l2.lock().unwrap().push(m.to_string())),
    )
    .unwrap();
    (h, lines)
}

fn wait_for(f: impl Fn() -> bool) {
    let t0 = Instant::now();
    while !f() {
        assert!(t0.elapsed() < Duration::from_secs(10), "timed out");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn collector_survives_malformed_messages_and_closes_unframeable_streams() {
    let dir = std::env::temp_dir().join(format!("pmacct-bmp-malformed-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("msglog.json");
    let (h, lines) = collector(&file);
    let read = || std::fs::read_to_string(&file).unwrap_or_default();

    // Router 1: peer up, a malformed route monitoring, then a good one: both logged records
    // and the router kept.
    let mut s = TcpStream::connect(h.local).unwrap();
    let mut stream = peer_up([10, 0, 0, 2]);
    let mut bad = peer_hdr(0, 0, [10, 0, 0, 2], 65001);
    let mut u = update_v4([10, 9, 0]);
    u[16] = 0x0f;
    bad.extend(u);
    stream.extend(bmp(MSG_ROUTE_MONITOR, &bad));
    stream.extend(bmp(MSG_ROUTE_MONITOR, &bad[..20]));
    let mut good = peer_hdr(0, 0, [10, 0, 0, 2], 65001);
    good.extend(update_v4([198, 51, 100]));
    stream.extend(bmp(MSG_ROUTE_MONITOR, &good));
    // a message above 1.7.7's buffer is skipped, the stream goes on
    let mut big = vec![3];
    big.extend_from_slice(&200_000u32.to_be_bytes());
    big.push(MSG_INIT);
    big.resize(200_000, 0);
    stream.extend(big);
    stream.extend(bmp(MSG_INIT, &[0, 2, 0, 2, b'r', b'1']));
    s.write_all(&stream).unwrap();
    wait_for(|| read().contains("\"bmp_init_info_sysname\": \"r1\""));
    let text = read();
    assert_eq!(
        text.matches("\"log_type\": \"update\"").count(),
        1,
        "{text}"
    );
    assert!(h.stats.discarded.load(std::sync::atomic::Ordering::Relaxed) >= 2);
    assert_eq!(
        h.stats.oversized.load(std::sync::atomic::Ordering::Relaxed),
        1
    );

    // Router 2: a stream that is not BMP is closed; router 1 carries on.
    let mut s2 = TcpStream::connect(h.local).unwrap();
    s2.write_all(&[9, 0, 0, 0, 6, 0]).unwrap();
    let mut b = [0u8; 8];
    s2.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    assert_eq!(s2.read(&mut b).unwrap_or(0), 0, "not-BMP stream closed");
    wait_for(|| read().matches("\"event_type\": \"log_close\"").count() == 1);
    assert_eq!(
        h.stats
            .routers_errored
            .load(std::sync::atomic::Ordering::Relaxed),
        1
    );

    // Router 1 disconnects: its peer's route is deleted.
    drop(s);
    wait_for(|| read().contains("\"log_type\": \"delete\""));
    wait_for(|| read().matches("\"event_type\": \"log_close\"").count() == 2);
    // max_peers: 2 routers at most
    let a = TcpStream::connect(h.local).unwrap();
    let b2 = TcpStream::connect(h.local).unwrap();
    wait_for(|| read().matches("\"event_type\": \"log_init\"").count() == 4);
    let mut c = TcpStream::connect(h.local).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut x = [0u8; 1];
    assert_eq!(c.read(&mut x).unwrap_or(0), 0, "third router refused");
    wait_for(|| {
        lines
            .lock()
            .unwrap()
            .iter()
            .any(|l| l.contains("bmp_daemon_max_peers"))
    });
    drop((a, b2));
    h.stop();
    let _ = std::fs::remove_dir_all(&dir);
}
