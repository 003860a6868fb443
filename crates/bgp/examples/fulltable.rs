//! Full-table bench over the RIB (compat-tests/bench/bgp-fulltable.py runs it): loads the
//! UPDATE stream the script generated into a speaker over TCP, then measures longest-prefix
//! lookups per second on one core (one flow = a source and a destination lookup, as the
//! collector's lookup stage does per flow).
//!
//!     fulltable TABLE.bin N_V4 N_V6

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use pmacct_bgp::msg::{keepalive, write_open};
use pmacct_bgp::speaker::{spawn, SpeakerConfig};

fn read_msg(s: &mut TcpStream) -> std::io::Result<(u8, Vec<u8>)> {
    let mut h = [0u8; 19];
    s.read_exact(&mut h)?;
    let len = usize::from(u16::from_be_bytes([h[16], h[17]]));
    let mut b = vec![0u8; len.saturating_sub(19)];
    s.read_exact(&mut b)?;
    Ok((h[18], b))
}

/// CPU time of this thread: on a shared machine wall time counts other processes' turns.
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec into the valid, exclusively borrowed `ts`.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        eprintln!("usage: fulltable TABLE.bin N_V4 N_V6");
        std::process::exit(2);
    }
    let table = std::fs::read(&args[1]).expect("table file");
    let n4: u32 = args[2].parse().expect("N_V4");
    let n6: u32 = args[3].parse().expect("N_V6");
    let mut cfg = SpeakerConfig::loopback("bench");
    cfg.max_peers = 2;
    let h = spawn(cfg, Arc::new(|_, _| {})).expect("speaker");
    let mut s = TcpStream::connect(h.local[0]).expect("connect");
    let caps = [1, 4, 0, 1, 0, 1, 1, 4, 0, 2, 0, 1, 65, 4, 0, 0, 0xfd, 0xe8];
    let mut params = vec![2, caps.len() as u8];
    params.extend_from_slice(&caps);
    let mut open = Vec::new();
    write_open(
        &mut open,
        65000,
        65535,
        Ipv4Addr::new(10, 255, 0, 1),
        &params,
    );
    s.write_all(&open).unwrap();
    s.write_all(&keepalive()).unwrap();
    // OPEN and KEEPALIVE(s) of the speaker.
    s.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    while read_msg(&mut s).is_ok() {}
    s.set_read_timeout(Some(Duration::from_secs(600))).unwrap();
    let t0 = Instant::now();
    s.write_all(&table).unwrap();
    s.write_all(&keepalive()).unwrap();
    loop {
        let (kind, _) = read_msg(&mut s).expect("session");
        if kind == 4 {
            break;
        }
        assert_ne!(kind, 3, "NOTIFICATION");
    }
    let load = t0.elapsed();
    let agent = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let peer = h.peers.find(agent).expect("peer");
    let prefixes = peer.rib.read().unwrap().prefixes();
    println!(
        "ours (pmacct-bgp example, RIB direct): {prefixes} prefixes loaded over TCP in {:.2} s",
        load.as_secs_f64()
    );
    // Addresses inside the announced space (the /24s from 1.0.0.0, the /48s under 2001::/16),
    // in a pseudo-random order so the trie is not walked in cache-friendly sequence.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let span4 = u64::from(n4) * 256;
    let v4: Vec<IpAddr> = (0..1 << 20)
        .map(|_| {
            let a = 0x0100_0000u32 + (next() % span4) as u32;
            IpAddr::V4(Ipv4Addr::from(a))
        })
        .collect();
    let v6: Vec<IpAddr> = (0..1 << 18)
        .map(|_| {
            let i = u128::from(next() % u64::from(n6.max(1)));
            let a = (0x2001u128 << 112) | ((i >> 16) << 96) | ((i & 0xffff) << 80) | 1;
            IpAddr::V6(Ipv6Addr::from(a))
        })
        .collect();
    for (name, addrs) in [("IPv4", &v4), ("IPv6", &v6)] {
        let mut found = 0u64;
        let mut n = 0u64;
        let t = Instant::now();
        let c0 = thread_cpu();
        while t.elapsed() < Duration::from_secs(3) {
            for w in addrs.chunks(2) {
                let r = h
                    .peers
                    .lookup_flow(agent, Some(w[0]), w.get(1).copied(), None, None);
                found += u64::from(r.src.found) + u64::from(r.dst.found);
                n += 2;
            }
        }
        // Per core: the thread's CPU time, not the wall clock.
        let secs = (thread_cpu() - c0).as_secs_f64();
        println!(
            "ours: {name} lookups/s on one core: {:.1} M ({:.0} ns of CPU each, {:.1}% matched; per flow = 2 lookups)",
            n as f64 / secs / 1e6,
            secs * 1e9 / n as f64,
            100.0 * found as f64 / n as f64
        );
    }
    drop(s);
    h.stop();
}
