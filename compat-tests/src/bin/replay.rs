//! Bench sender: replays the export datagrams of pcap files (NetFlow v1/v5/v7/v9, IPFIX,
//! sFlow v5) over UDP to a collector with `sendmmsg`, unchanged, paced in flow records per
//! second, and prints exactly what it sent. It costs little CPU per datagram (one system call
//! per batch) so that on a small machine the collector keeps its core.
//!
//! replay --target IP:PORT [--rate RECORDS_PER_S] [--records N | --seconds S]
//!        [--sources N] [--batch N] PCAP...
//!
//! The captures' datagrams, in order, are sent again and again until N records (default: one
//! pass) or S seconds. `--rate 0` (default) sends as fast as the socket takes them.
//! `--sources N` sends batch k from the k mod N-th of N sockets (N source ports of one
//! exporter address: the collector steers them all to one worker). `--exporters N` sends the
//! whole stream from each of N exporter addresses (127.0.0.1, .2, ...: IPv4 loopback targets
//! only), every batch once per exporter: N exporters the collector spreads over its workers.
//! Last line, for scripts:
//! `replay datagrams=D records=R bytes=B seconds=S records_per_s=X cpu_s=C send_errors=E`.

use std::net::{SocketAddr, UdpSocket};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use compat_tests::pcap::udp_datagrams;
use compat_tests::replay::RecordCounter;

struct Args {
    target: SocketAddr,
    rate: f64,
    records: Option<u64>,
    seconds: Option<f64>,
    sources: usize,
    exporters: u8,
    batch: Option<usize>,
    pcaps: Vec<String>,
}

fn usage() -> ! {
    eprintln!(
        "usage: replay --target IP:PORT [--rate RECORDS_PER_S] [--records N | --seconds S] \
         [--sources N] [--exporters N] [--batch N] PCAP..."
    );
    std::process::exit(2)
}

fn parse_args() -> Args {
    let mut a = Args {
        target: SocketAddr::from(([127, 0, 0, 1], 2055)),
        rate: 0.0,
        records: None,
        seconds: None,
        sources: 1,
        exporters: 1,
        batch: None,
        pcaps: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut val = || it.next().unwrap_or_else(|| usage());
        match arg.as_str() {
            "--target" => a.target = val().parse().unwrap_or_else(|_| usage()),
            "--rate" => a.rate = val().parse().unwrap_or_else(|_| usage()),
            "--records" => a.records = Some(val().parse().unwrap_or_else(|_| usage())),
            "--seconds" => a.seconds = Some(val().parse().unwrap_or_else(|_| usage())),
            "--sources" => a.sources = val().parse().unwrap_or_else(|_| usage()),
            "--exporters" => a.exporters = val().parse().unwrap_or_else(|_| usage()),
            "--batch" => a.batch = Some(val().parse().unwrap_or_else(|_| usage())),
            "-h" | "--help" => usage(),
            p if !p.starts_with("--") => a.pcaps.push(p.to_string()),
            _ => usage(),
        }
    }
    let loopback_v4 = matches!(a.target, SocketAddr::V4(t) if t.ip().is_loopback());
    if a.pcaps.is_empty()
        || a.sources == 0
        || a.exporters == 0
        || (a.exporters > 1 && !loopback_v4)
        || a.rate.is_nan()
        || a.rate < 0.0
    {
        usage();
    }
    a
}

fn cpu_seconds() -> f64 {
    // SAFETY: getrusage writes into the zeroed struct we own; RUSAGE_SELF is always valid.
    let ru = unsafe {
        let mut ru: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut ru);
        ru
    };
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    t(ru.ru_utime) + t(ru.ru_stime)
}

/// The target as a C socket address (for every message header).
fn sockaddr(target: SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    let s: socket2::SockAddr = target.into();
    // SAFETY: SockAddr holds a valid sockaddr_storage of len() initialized bytes; we copy it
    // into another sockaddr_storage of the same size.
    let storage = unsafe { std::ptr::read(s.as_ptr() as *const libc::sockaddr_storage) };
    (storage, s.len())
}

fn main() {
    let a = parse_args();
    let mut payloads: Vec<Vec<u8>> = Vec::new();
    let mut per_dgram: Vec<u64> = Vec::new();
    let mut counter = RecordCounter::default();
    for p in &a.pcaps {
        let file = std::fs::read(p).unwrap_or_else(|e| {
            eprintln!("replay: {p}: {e}");
            std::process::exit(1)
        });
        let dgrams = udp_datagrams(&file).unwrap_or_else(|e| {
            eprintln!("replay: {p}: {e}");
            std::process::exit(1)
        });
        for d in dgrams {
            per_dgram.push(counter.count(d.src.ip(), &d.payload));
            payloads.push(d.payload);
        }
    }
    let pass: u64 = per_dgram.iter().sum();
    if payloads.is_empty() || pass == 0 {
        eprintln!("replay: no flow records in the captures");
        std::process::exit(1)
    }
    let want = match (a.records, a.seconds) {
        (Some(n), _) => n,
        (None, Some(_)) => u64::MAX,
        (None, None) => pass,
    };
    let deadline = a.seconds.map(Duration::from_secs_f64);
    let per = pass as f64 / payloads.len() as f64;
    // A batch holds about half a millisecond of traffic at the rate asked (so the collector
    // sees a steady stream, not bursts), at most 64 datagrams.
    let batch = a.batch.unwrap_or_else(|| {
        if a.rate > 0.0 {
            ((a.rate / per / 2000.0).round() as usize).clamp(1, 64)
        } else {
            64
        }
    });
    eprintln!(
        "replay: {} datagrams, {} records per pass ({:.1} per datagram), to {} at {} records/s, batches of {}, {} source port(s)",
        payloads.len(),
        pass,
        per,
        a.target,
        if a.rate > 0.0 { format!("{:.0}", a.rate) } else { "max".into() },
        batch,
        a.sources
    );

    let bind: SocketAddr = if a.target.is_ipv6() {
        "[::]:0".parse().unwrap_or_else(|_| usage())
    } else {
        SocketAddr::from(([0, 0, 0, 0], 0))
    };
    // Exporter e's sources are socks[e * sources..(e + 1) * sources].
    let socks: Vec<UdpSocket> = (0..usize::from(a.exporters) * a.sources)
        .map(|i| {
            let bind = match a.exporters {
                1 => bind,
                _ => SocketAddr::from(([127, 0, 0, 1 + (i / a.sources) as u8], 0)),
            };
            let s = UdpSocket::bind(bind).unwrap_or_else(|e| {
                eprintln!("replay: bind: {e}");
                std::process::exit(1)
            });
            let _ = socket2::SockRef::from(&s).set_send_buffer_size(4 << 20);
            s
        })
        .collect();
    let (mut name, namelen) = sockaddr(a.target);
    // One message header per datagram of the pass, built once: a batch is a slice of them.
    let mut iovs: Vec<libc::iovec> = payloads
        .iter()
        .map(|p| libc::iovec {
            iov_base: p.as_ptr() as *mut libc::c_void,
            iov_len: p.len(),
        })
        .collect();
    let mut hdrs: Vec<libc::mmsghdr> = iovs
        .iter_mut()
        .map(|iov| {
            // SAFETY: mmsghdr is plain old data; all-zero is a valid (empty) header.
            let mut h: libc::mmsghdr = unsafe { std::mem::zeroed() };
            h.msg_hdr.msg_name = &mut name as *mut _ as *mut libc::c_void;
            h.msg_hdr.msg_namelen = namelen;
            h.msg_hdr.msg_iov = iov as *mut libc::iovec;
            h.msg_hdr.msg_iovlen = 1;
            h
        })
        .collect();

    let (mut sent_d, mut sent_r, mut sent_b, mut errors) = (0u64, 0u64, 0u64, 0u64);
    let (mut i, mut k) = (0usize, 0usize);
    let cpu0 = cpu_seconds();
    let start = Instant::now();
    'send: while sent_r < want {
        if let Some(d) = deadline {
            if start.elapsed() >= d {
                break;
            }
        }
        if a.rate > 0.0 {
            let due = Duration::from_secs_f64(sent_r as f64 / a.rate);
            let now = start.elapsed();
            if due > now {
                std::thread::sleep(due - now);
            }
        }
        // This batch: up to `batch` datagrams, not past the end of the pass nor past `want`.
        let mut n = batch.min(payloads.len() - i);
        let mut r = 0;
        for (j, c) in per_dgram[i..i + n].iter().enumerate() {
            r += c;
            if sent_r + r >= want {
                n = j + 1;
                break;
            }
        }
        let source = k % a.sources;
        k += 1;
        for e in 0..usize::from(a.exporters) {
            let fd = socks[e * a.sources + source].as_raw_fd();
            let mut off = 0;
            while off < n {
                // SAFETY: hdrs[i + off..i + n] are initialized headers whose name, iovec and
                // payload pointers stay valid (name, iovs and payloads outlive the loop and are
                // not moved); the kernel only writes msg_len into them.
                let rc = unsafe {
                    libc::sendmmsg(
                        fd,
                        hdrs.as_mut_ptr().add(i + off),
                        (n - off) as libc::c_uint,
                        0,
                    )
                };
                if rc < 0 {
                    let e = std::io::Error::last_os_error();
                    if e.kind() == std::io::ErrorKind::Interrupted {
                        continue;
                    }
                    errors += 1;
                    if errors == 1 || errors.is_multiple_of(10_000) {
                        eprintln!("replay: sendmmsg: {e} ({errors} errors)");
                    }
                    if errors > 1_000_000 {
                        break 'send;
                    }
                    std::thread::sleep(Duration::from_micros(100));
                    continue;
                }
                for j in i + off..i + off + rc as usize {
                    sent_d += 1;
                    sent_r += per_dgram[j];
                    sent_b += payloads[j].len() as u64;
                }
                off += rc as usize;
            }
        }
        i = (i + n) % payloads.len();
    }
    let secs = start.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu0;
    println!(
        "replay datagrams={sent_d} records={sent_r} bytes={sent_b} seconds={secs:.3} records_per_s={:.0} cpu_s={cpu:.3} send_errors={errors}",
        sent_r as f64 / secs.max(1e-9)
    );
}
