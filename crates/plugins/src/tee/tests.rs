use std::collections::HashMap;
use std::net::UdpSocket;

use super::*;
use crate::log::MemoryLog;

fn sinks(n: usize) -> Vec<UdpSocket> {
    (0..n)
        .map(|_| {
            let s = UdpSocket::bind("127.0.0.1:0").unwrap();
            s.set_read_timeout(Some(Duration::from_millis(200)))
                .unwrap();
            s
        })
        .collect()
}

fn drain(s: &UdpSocket) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = [0u8; 2048];
    while let Ok(n) = s.recv(&mut buf) {
        out.push(buf[..n].to_vec());
    }
    out
}

fn plugin(map: &str, dir: &std::path::Path) -> (TeePlugin, MemoryLog) {
    let path = dir.join("receivers.lst");
    std::fs::write(&path, map).unwrap();
    let cfg = TeeConfig {
        name: "t".into(),
        receivers_path: path.display().to_string(),
        limits: Limits {
            max_pools: 128,
            max_receivers: 32,
            max_entries: 384,
        },
        sock: SockOptions::default(),
    };
    let log = MemoryLog::default();
    (
        TeePlugin::with_log(cfg, SystemTime::now(), log.sink()).unwrap(),
        log,
    )
}

fn tmp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("tee-unit-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn batch(n: usize) -> DatagramBatch {
    let mut b = DatagramBatch::default();
    for i in 0..n {
        let src: SocketAddr = format!("192.0.2.{}:2055", 1 + i % 3).parse().unwrap();
        b.push(src, src.ip(), format!("datagram-{i}").as_bytes());
    }
    b
}

#[test]
fn replicates_to_all_rr_and_tagged_pools() {
    let s = sinks(4);
    let p = |i: usize| s[i].local_addr().unwrap().port();
    let map = format!(
        "id=1 ip=127.0.0.1:{}\nid=2 ip=127.0.0.1:{},127.0.0.1:{} balance-alg=rr\nid=3 ip=127.0.0.1:{} tag=7\n",
        p(0),
        p(1),
        p(2),
        p(3)
    );
    let (mut t, _log) = plugin(&map, &tmp("rr"));
    let b = batch(9);
    let tags: Vec<Option<u64>> = (0..9)
        .map(|i| Some(if i % 3 == 0 { 7 } else { 0 }))
        .collect();
    t.process_datagrams(&b, &tags);
    let got: Vec<Vec<Vec<u8>>> = s.iter().map(drain).collect();
    assert_eq!(got[0].len(), 9);
    assert_eq!(got[1].len(), 5);
    assert_eq!(got[2].len(), 4);
    assert_eq!(got[3].len(), 3);
    assert_eq!(got[3][1], b"datagram-3");
    let c = t.counters();
    assert_eq!(c.extra[0], 21);
    assert_eq!(c.extra[2], 9);
}

#[test]
fn filtered_datagrams_are_not_sent_and_hash_tag_balances() {
    let s = sinks(2);
    let map = format!(
        "id=1 ip=127.0.0.1:{},127.0.0.1:{} balance-alg=hash-tag\n",
        s[0].local_addr().unwrap().port(),
        s[1].local_addr().unwrap().port()
    );
    let (mut t, _log) = plugin(&map, &tmp("hash"));
    let b = batch(4);
    t.process_datagrams(&b, &[Some(1), None, Some(2), Some(3)]);
    let got: Vec<usize> = s.iter().map(|x| drain(x).len()).collect();
    assert_eq!(got, [1, 2]);
}

#[test]
fn a_dead_receiver_does_not_block_the_others() {
    let s = sinks(1);
    let dead = UdpSocket::bind("127.0.0.1:0").unwrap();
    let dead_port = dead.local_addr().unwrap().port();
    drop(dead); // nobody listens: ICMP port unreachable, then ECONNREFUSED on send
    let map = format!(
        "id=1 ip=127.0.0.1:{dead_port}\nid=2 ip=127.0.0.1:{}\n",
        s[0].local_addr().unwrap().port()
    );
    let (mut t, log) = plugin(&map, &tmp("dead"));
    for _ in 0..20 {
        t.process_datagrams(&batch(10), &[]);
    }
    assert_eq!(drain(&s[0]).len(), 200);
    let c = t.counters();
    assert!(c.extra[1] > 0, "refusals counted");
    assert_eq!(c.extra[0] + c.extra[1], 400);
    assert!(
        log.lines().iter().any(|l| l.contains("failed")),
        "{:?}",
        log.lines()
    );
}

#[test]
fn sigusr2_reloads_the_receivers() {
    let s = sinks(2);
    let dir = tmp("reload");
    let (mut t, _log) = plugin(
        &format!("id=1 ip=127.0.0.1:{}\n", s[0].local_addr().unwrap().port()),
        &dir,
    );
    let mut reload = t.reloader().unwrap();
    std::fs::write(
        dir.join("receivers.lst"),
        format!("id=1 ip=127.0.0.1:{}\n", s[1].local_addr().unwrap().port()),
    )
    .unwrap();
    t.process_datagrams(&batch(1), &[]);
    reload().unwrap();
    t.process_datagrams(&batch(2), &[]);
    let got: HashMap<usize, usize> = s
        .iter()
        .enumerate()
        .map(|(i, x)| (i, drain(x).len()))
        .collect();
    assert_eq!(got[&0], 1);
    assert_eq!(got[&1], 2);
    assert_eq!(t.counters().extra[3], 1);
}
