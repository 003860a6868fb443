//! Route Monitoring messages/s into the RIB: one router streams Initiation, a Peer Up, N
//! Route Monitoring messages (one IPv4 /24 each, AS path, communities, MED, local pref) and
//! a Termination; the collector closes the connection once it has processed the
//! Termination, so the time from the first byte to that close is the processing time.
//!
//!     cargo run --release -p pmacct-bmp --example bench_rm -- 500000
//!         ours in-process (the collector as nfacctd runs it: msglog-less, RIB kept for
//!         flow lookups)
//!     cargo run --release -p pmacct-bmp --example bench_rm -- 500000 127.0.0.1:1790
//!         any collector listening there (Debian's pmbmpd 1.7.7 with bmp_dump_file and
//!         bmp_dump_refresh_time set, so that it keeps a RIB)

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Instant;

#[path = "../tests/craft/mod.rs"]
mod craft;
use craft::{bgp, bmp, open, peer_hdr};

fn stream(n: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(n as usize * 110);
    out.extend(bmp(4, &[0, 2, 0, 5, b'b', b'e', b'n', b'c', b'h']));
    let mut up = peer_hdr(0, [10, 0, 0, 2]);
    up.extend_from_slice(&[0; 12]);
    up.extend_from_slice(&[192, 0, 2, 1, 0, 179, 0x9c, 0x40]);
    up.extend(open(65000, [192, 0, 2, 1]));
    up.extend(open(65001, [10, 0, 0, 2]));
    out.extend(bmp(3, &up));
    for i in 0..n {
        let mut attrs = vec![0x40, 1, 1, 0, 0x40, 2, 14, 2, 3];
        for a in [65001u32, 64512 + (i % 100), 64700 + (i % 7)] {
            attrs.extend_from_slice(&a.to_be_bytes());
        }
        attrs.extend_from_slice(&[0x40, 3, 4, 10, 0, 0, 2]);
        attrs.extend_from_slice(&[0x80, 4, 4]);
        attrs.extend_from_slice(&(i % 50).to_be_bytes());
        attrs.extend_from_slice(&[0x40, 5, 4, 0, 0, 0, 100]);
        attrs.extend_from_slice(&[0xc0, 8, 8, 0xfd, 0xe9, 0, 1, 0xfd, 0xe9]);
        attrs.extend_from_slice(&((i % 10) as u16).to_be_bytes());
        // distinct /24s from 10.0.0.0/24 on
        let p = 0x0a_0000u32.wrapping_add(i);
        let mut b = vec![0, 0];
        b.extend_from_slice(&(attrs.len() as u16).to_be_bytes());
        b.extend_from_slice(&attrs);
        b.push(24);
        b.extend_from_slice(&p.to_be_bytes()[1..]);
        let mut m = peer_hdr(0, [10, 0, 0, 2]);
        m.extend(bgp(2, &b));
        out.extend(bmp(0, &m));
    }
    out.extend(bmp(5, &[0, 1, 0, 2, 0, 0]));
    out
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: u32 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(200_000);
    let data = stream(n);
    let mut handle = None;
    let target: SocketAddr = match args.get(2) {
        Some(a) => a.parse().expect("address:port"),
        None => {
            let cfg = pmacct_bmp::server::Config {
                ip: Some("127.0.0.1".parse().unwrap()),
                max_peers: 4,
                name: "bench".into(),
                flow: Some(pmacct_bmp::lookup::FlowRib::default()),
                ..Default::default()
            };
            let h = pmacct_bmp::server::spawn(cfg, Arc::new(|_, _| {})).unwrap();
            let a = h.local;
            handle = Some(h);
            a
        }
    };
    let mut s = TcpStream::connect(target).unwrap();
    let t0 = Instant::now();
    s.write_all(&data).unwrap();
    let mut b = [0u8; 64];
    while s.read(&mut b).map(|k| k > 0).unwrap_or(false) {}
    let dt = t0.elapsed().as_secs_f64();
    println!(
        "{n} route monitoring messages ({} bytes) in {dt:.3} s: {:.0} messages/s",
        data.len(),
        f64::from(n) / dt
    );
    if let Some(h) = handle {
        h.stop();
    }
}
