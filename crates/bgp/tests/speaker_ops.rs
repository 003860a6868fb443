//! The speaker's socket operations over real TCP on 127.0.0.1, as 1.7.7 sets them up:
//! `bgp_daemon_md5_file` (TCP MD5 signatures, RFC 2385: a peer with the key gets a session,
//! one without it or with another key gets no connection at all), `bgp_daemon_batch` /
//! `_batch_interval` (new sessions throttled per interval), `bgp_daemon_ipprec` and
//! `bgp_daemon_pipe_size` (set on the listener, inherited by the sessions), and the
//! per-session counters the metrics endpoint and SIGUSR1 show.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pmacct_bgp::msg::*;
use pmacct_bgp::speaker::{set_md5sig, spawn, Level, SockOpts, SpeakerConfig, SpeakerHandle};
use socket2::{Domain, Socket, Type};

fn cfg(sock: SockOpts) -> SpeakerConfig {
    SpeakerConfig {
        sock,
        ..SpeakerConfig::loopback("default")
    }
}

type Logs = Arc<Mutex<Vec<String>>>;

fn start(sock: SockOpts) -> (SpeakerHandle, Logs) {
    let logs: Logs = Arc::default();
    let l2 = logs.clone();
    let h = spawn(
        cfg(sock),
        Arc::new(move |_: Level, m: &str| l2.lock().unwrap().push(m.to_string())),
    )
    .unwrap();
    (h, logs)
}

fn open_msg(asn: u16) -> Vec<u8> {
    let caps = [1, 4, 0, 1, 0, 1];
    let mut params = vec![2, caps.len() as u8];
    params.extend_from_slice(&caps);
    let mut out = Vec::new();
    write_open(&mut out, asn, 30, Ipv4Addr::new(10, 0, 0, 1), &params);
    out
}

/// One UPDATE announcing 10.1.0.0/16 and 10.2.0.0/16 whose AS_PATH carries a 4-byte ASN on
/// a session without 4-octet ASNs: malformed, discarded alone as 1.7.7 does, routes kept.
fn update() -> Vec<u8> {
    let mut a = vec![0x40, 1, 1, 0];
    a.extend_from_slice(&[0x40, 2, 6, 2, 1, 0, 0, 0xfd, 0xe8]);
    a.extend_from_slice(&[0x40, 3, 4, 192, 0, 2, 1]);
    let nlri = [16, 10, 1, 16, 10, 2];
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

/// An OPEN answered with an OPEN: the session is up.
fn session_up(s: &mut TcpStream) -> bool {
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    if s.write_all(&open_msg(65001)).is_err() {
        return false;
    }
    let mut h = [0u8; 19];
    s.read_exact(&mut h).is_ok() && h[18] == MSG_OPEN
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

/// A client socket signing with `key` (None: unsigned), connected within 2 s or not.
fn connect_md5(to: SocketAddr, key: Option<&[u8]>) -> std::io::Result<TcpStream> {
    let s = Socket::new(Domain::IPV4, Type::STREAM, None)?;
    if let Some(k) = key {
        set_md5sig(s.as_raw_fd(), false, to.ip(), k)?;
    }
    s.connect_timeout(&to.into(), Duration::from_secs(2))?;
    Ok(s.into())
}

#[test]
fn md5_signed_peer_gets_a_session_others_no_connection() {
    // Does this kernel sign TCP (CONFIG_TCP_MD5SIG)? Debian's does; say so loudly if not.
    let probe = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    if let Err(e) = set_md5sig(probe.as_raw_fd(), false, Ipv4Addr::LOCALHOST.into(), b"k") {
        panic!("kernel without TCP_MD5SIG ({e}): bgp_daemon_md5_file cannot be tested here");
    }
    let (h, logs) = start(SockOpts {
        md5: vec![
            ("127.0.0.1".parse().unwrap(), b"s3cret-key".to_vec()),
            // An IPv6 peer on an IPv4 listener: refused by the kernel, logged as 1.7.7 does.
            ("2001:db8::1".parse().unwrap(), b"other".to_vec()),
        ],
        ..Default::default()
    });
    let addr = h.local[0];
    let mut ok = connect_md5(addr, Some(b"s3cret-key")).expect("signed connect");
    assert!(session_up(&mut ok), "no OPEN on the signed session");
    // Unsigned and wrongly signed SYNs are dropped by the kernel: no connection at all.
    assert!(
        connect_md5(addr, None).is_err(),
        "unsigned connect succeeded"
    );
    assert!(
        connect_md5(addr, Some(b"wrong")).is_err(),
        "wrong key connected"
    );
    assert_eq!(h.stats.sessions_established.load(Ordering::Relaxed), 1);
    let l = logs.lock().unwrap().join("\n");
    assert!(
        l.contains("DEBUG ( default/core/BGP ): setsockopt() set TCP_MD5SIG peer=127.0.0.1"),
        "{l}"
    );
    assert!(
        l.contains("WARN ( default/core/BGP ): setsockopt() failed for TCP_MD5SIG peer=2001:db8::1 (errno: "),
        "{l}"
    );
}

#[test]
fn md5_on_a_dual_stack_listener_keys_ipv4_peers_by_mapped_address() {
    let Ok(probe) = std::net::TcpListener::bind("[::1]:0") else {
        eprintln!("no IPv6 loopback on this host: dual-stack MD5 case not run");
        return;
    };
    drop(probe);
    let mut c = cfg(SockOpts {
        md5: vec![("127.0.0.1".parse().unwrap(), b"dual".to_vec())],
        ..Default::default()
    });
    c.ip = None;
    let h = spawn(c, Arc::new(|_: Level, _: &str| {})).unwrap();
    assert!(h.local[0].is_ipv6(), "{:?}", h.local);
    let to = SocketAddr::new(Ipv4Addr::LOCALHOST.into(), h.local[0].port());
    let mut ok = connect_md5(to, Some(b"dual")).expect("signed connect");
    assert!(session_up(&mut ok));
    assert!(connect_md5(to, None).is_err(), "unsigned connect succeeded");
}

#[test]
fn batch_throttles_new_sessions_per_interval() {
    let (h, logs) = start(SockOpts {
        batch: Some((1, 1)),
        ..Default::default()
    });
    let addr = h.local[0];
    let mut a = TcpStream::connect(addr).unwrap();
    assert!(session_up(&mut a));
    // Same second: the batch of 1 is used up, the connection is accepted and closed.
    let mut b = TcpStream::connect(addr).unwrap();
    assert!(!session_up(&mut b), "second session within the interval");
    let mut c = TcpStream::connect(addr).unwrap();
    assert!(!session_up(&mut c));
    assert!(wait(|| h.stats.rejected_batch.load(Ordering::Relaxed) == 2));
    // 1.7.7 starts a new batch once more than the interval (whole seconds) has passed.
    std::thread::sleep(Duration::from_millis(2100));
    let mut d = TcpStream::connect(addr).unwrap();
    assert!(session_up(&mut d), "no session after the interval");
    let l = logs.lock().unwrap().clone();
    let throttled: Vec<_> = l.iter().filter(|m| m.contains("throttling")).collect();
    assert_eq!(
        throttled,
        vec!["INFO ( default/core/BGP ): throttling at BGP peer #1"],
        "logged once until a session is admitted"
    );
}

#[test]
fn ipprec_and_pipe_size_reach_the_sessions() {
    let (h, logs) = start(SockOpts {
        ipprec: 6,
        pipe_size: Some(300_000),
        ..Default::default()
    });
    let got = h.rcvbuf.expect("granted size");
    assert!(got > 0);
    let l = logs.lock().unwrap().join("\n");
    assert!(
        l.contains(&format!(
            "INFO ( default/core/BGP ): bgp_daemon_pipe_size: obtained={got} target=300000."
        )),
        "{l}"
    );
    // What the listener was given, the kernel copies into each accepted session: check it
    // on a listener made the speaker's way (the speaker's own sockets are private).
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let s = socket2::SockRef::from(&l);
    s.set_tos(6 << 5).unwrap();
    s.set_recv_buffer_size(300_000).unwrap();
    let _c = TcpStream::connect(l.local_addr().unwrap()).unwrap();
    let (acc, _) = l.accept().unwrap();
    let a = socket2::SockRef::from(&acc);
    assert_eq!(a.tos().unwrap(), 0xc0);
    assert_eq!(a.recv_buffer_size().unwrap(), got);
}

#[test]
fn per_session_counters() {
    let (h, _) = start(SockOpts::default());
    let mut a = TcpStream::connect(h.local[0]).unwrap();
    assert!(session_up(&mut a));
    a.write_all(&update()).unwrap();
    let s = || h.stats.sessions.lock().unwrap()[0].clone();
    assert!(wait(|| s().updates.load(Ordering::Relaxed) == 1));
    let p = s();
    assert!(p.established.load(Ordering::Relaxed));
    assert_eq!(p.asn.load(Ordering::Relaxed), 65001);
    assert_eq!(p.addr, IpAddr::V4(Ipv4Addr::LOCALHOST));
    assert_eq!(p.announced.load(Ordering::Relaxed), 2);
    assert_eq!(p.prefixes.load(Ordering::Relaxed), 2);
    assert_eq!(p.attrs_discarded.load(Ordering::Relaxed), 1);
    drop(a);
    assert!(wait(|| h.stats.sessions.lock().unwrap().is_empty()));
}
