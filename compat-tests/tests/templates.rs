//! Differential tests of `nfacctd_templates_receiver` and `nfacctd_templates_port` against
//! Debian's nfacctd 1.7.7: the same datagrams go to each daemon in turn, live over UDP.
//!
//! - The receiver: what a UDP socket configured as `nfacctd_templates_receiver` gets, byte
//!   for byte and in order, with the exporter's address and port as its source (1.7.7
//!   sends from a raw socket). Captures of softflowd and pmacct's nfprobe (v9 and IPFIX),
//!   then crafted datagrams for the quirks of 1.7.7's walk over the sets.
//! - The templates port: template sets sent there, data sets to the collector port; both
//!   daemons print the same records (none without the templates).
//! - Start-up refusals: a savefile, a tee plugin, a receiver that does not parse.
//!
//! Run: `cargo test -p pmacct-bin --test compat_templates`. Needs root (CAP_NET_RAW), as
//! the receiver does in 1.7.7.

use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use compat_tests::run::{free_port, lines_with, udp_queued, wait_until, Scratch};

fn root_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../compat-tests"))
}

/// Our nfacctd, or another build of it (`PMACCT_RS_NFACCTD`, as the other nfacctd tests).
fn ours() -> String {
    std::env::var("PMACCT_RS_NFACCTD").unwrap_or_else(|_| env!("CARGO_BIN_EXE_nfacctd").to_string())
}

fn oracle() -> String {
    compat_tests::oracle::path("nfacctd")
}

fn need_root() {
    // SAFETY: geteuid(2) has no preconditions and cannot fail.
    let root = unsafe { libc::geteuid() } == 0;
    assert!(
        root,
        "nfacctd_templates_receiver sends from a raw socket: run as root (CI does); not skipped, so a pass means it ran"
    );
}

fn spawn(bin: &str, conf: &str, dir: &Path) -> Child {
    let cf = dir.join("nfacctd.conf");
    std::fs::write(&cf, conf).unwrap();
    Command::new(bin)
        .arg("-f")
        .arg(&cf)
        .env("TZ", "UTC")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(dir.join("stdout")).unwrap())
        .stderr(std::fs::File::create(dir.join("stderr")).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("{bin}: {e}"))
}

/// SIGINT (final purge), then wait; killed after 30 s.
fn stop(mut c: Child, bin: &str) {
    // SAFETY: kill(2) on the pid of a child we spawned and have not reaped yet.
    unsafe {
        libc::kill(c.id() as libc::pid_t, libc::SIGINT);
    }
    let t0 = Instant::now();
    while c.try_wait().unwrap().is_none() {
        if t0.elapsed() > Duration::from_secs(30) {
            let _ = c.kill();
            let _ = c.wait();
            panic!("{bin} still running 30 s after SIGINT");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Wait for the daemon to listen with its plugin up; stopped (not left running) if not.
fn wait_up(child: Child, dir: &Path, bin: &str) -> Child {
    let log = dir.join("stderr");
    let up = wait_until(&format!("{bin} listening"), Duration::from_secs(20), || {
        lines_with(&log, compat_tests::run::LISTENING) >= 1
            && lines_with(&log, compat_tests::run::PLUGIN_UP) >= 1
    });
    if let Err(e) = up {
        stop(child, bin);
        panic!("{e}: {}", std::fs::read_to_string(&log).unwrap_or_default());
    }
    child
}

fn pcap_payloads(rel: &str) -> Vec<Vec<u8>> {
    let data = std::fs::read(root_dir().join(rel)).unwrap();
    compat_tests::pcap::udp_datagrams(&data)
        .unwrap()
        .into_iter()
        .map(|d| d.payload)
        .collect()
}

/// What one daemon relayed: each datagram its receiver got (payload) and whether it came
/// from the exporter's address and port.
fn relayed(bin: &str, datagrams: &[Vec<u8>]) -> Vec<(bool, Vec<u8>)> {
    let dir = Scratch::new("templates-receiver").unwrap();
    let sink = UdpSocket::bind("127.0.0.1:0").unwrap();
    sink.set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    let port = free_port().unwrap();
    let conf = format!(
        "daemonize: false\nnfacctd_ip: 127.0.0.1\nnfacctd_port: {port}\n\
         nfacctd_templates_receiver: 127.0.0.1:{}\nplugins: print[p]\n\
         print_output_file[p]: {}\nprint_refresh_time[p]: 60\naggregate[p]: src_host, dst_host\n",
        sink.local_addr().unwrap().port(),
        dir.0.join("out").display()
    );
    let child = wait_up(spawn(bin, &conf, &dir.0), &dir.0, bin);
    let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
    let exporter = tx.local_addr().unwrap();
    let to = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    for d in datagrams {
        tx.send_to(d, to).unwrap();
        std::thread::sleep(Duration::from_millis(1));
    }
    let read = wait_until("datagrams read", Duration::from_secs(20), || {
        udp_queued(port) == Some(0)
    });
    let mut got = Vec::new();
    let mut buf = vec![0u8; 65536];
    let mut last = Instant::now();
    while last.elapsed() < Duration::from_millis(800) {
        if let Ok((n, from)) = sink.recv_from(&mut buf) {
            got.push((from == exporter, buf[..n].to_vec()));
            last = Instant::now();
        }
    }
    stop(child, bin);
    read.unwrap();
    got
}

fn same_relay(name: &str, datagrams: &[Vec<u8>], least: usize) {
    need_root();
    let us = relayed(&ours(), datagrams);
    let want = relayed(&oracle(), datagrams);
    assert!(
        want.len() >= least,
        "{name}: 1.7.7 relayed {} datagrams, want at least {least}",
        want.len()
    );
    assert!(
        want.iter().all(|(from_exporter, _)| *from_exporter),
        "{name}: 1.7.7 sent from another address than the exporter's"
    );
    assert_eq!(
        us.len(),
        want.len(),
        "{name}: ours relayed {} datagrams, 1.7.7 {}",
        us.len(),
        want.len()
    );
    for (i, (u, w)) in us.iter().zip(&want).enumerate() {
        assert!(
            u.0,
            "{name}: datagram {i}: ours not from the exporter's address"
        );
        assert!(
            u.1 == w.1,
            "{name}: datagram {i} differs:\n  1.7.7 {:02x?}\n  ours  {:02x?}",
            w.1,
            u.1
        );
    }
}

#[test]
fn receiver_gets_the_template_sets_of_softflowd_v9() {
    same_relay(
        "softflowd-v9-s2",
        &pcap_payloads("inputs/softflowd-v9-s2.pcap"),
        4,
    );
}

#[test]
fn receiver_gets_the_template_sets_of_softflowd_ipfix() {
    same_relay(
        "softflowd-v10-s2",
        &pcap_payloads("inputs/softflowd-v10-s2.pcap"),
        4,
    );
}

#[test]
fn receiver_gets_the_template_sets_of_nfprobe_v9_and_ipfix() {
    let mut all = pcap_payloads("inputs/nfprobe-v9-s2.pcap");
    all.extend(pcap_payloads("inputs/nfprobe-v10-s2.pcap"));
    same_relay("nfprobe-v9-s2 + nfprobe-v10-s2", &all, 20);
}

/// The sets of a datagram (after its header).
fn sets(d: &[u8], header: usize) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut o = header;
    while o + 4 <= d.len() {
        let l = usize::from(u16::from_be_bytes([d[o + 2], d[o + 3]]));
        if l < 4 || o + l > d.len() {
            break;
        }
        out.push(d[o..o + l].to_vec());
        o += l;
    }
    out
}

fn v9(seq: u32, count: u16, body: &[&[u8]]) -> Vec<u8> {
    let mut d = vec![0, 9];
    d.extend_from_slice(&count.to_be_bytes());
    d.extend_from_slice(&[0, 0, 3, 232, 101, 86, 148, 248]);
    d.extend_from_slice(&seq.to_be_bytes());
    d.extend_from_slice(&7u32.to_be_bytes());
    for b in body {
        d.extend_from_slice(b);
    }
    d
}

fn ipfix(seq: u32, length: Option<u16>, body: &[&[u8]]) -> Vec<u8> {
    let n: usize = body.iter().map(|b| b.len()).sum();
    let mut d = vec![0, 10];
    d.extend_from_slice(&length.unwrap_or((16 + n) as u16).to_be_bytes());
    d.extend_from_slice(&[101, 86, 148, 248]);
    d.extend_from_slice(&seq.to_be_bytes());
    d.extend_from_slice(&7u32.to_be_bytes());
    for b in body {
        d.extend_from_slice(b);
    }
    d
}

/// 1.7.7's walk over the sets, quirk by quirk (see wire::netflow::template_sets): the last
/// set never copied, v9's count + 1 sets, IPFIX to the end whatever its length says, set
/// ids of the other version, short and zero set lengths, padding.
#[test]
fn receiver_quirks_as_1_7_7() {
    let v9d = &pcap_payloads("inputs/softflowd-v9-s2.pcap")[0];
    let v10d = &pcap_payloads("inputs/softflowd-v10-s2.pcap")[0];
    let (s9, s10) = (sets(v9d, 20), sets(v10d, 16));
    let (t9, t9b, o9, d9) = (&s9[0][..], &s9[1][..], &s9[4][..], &s9[6][..]);
    let (t10, t10b, o10, d10) = (&s10[0][..], &s10[1][..], &s10[4][..], &s10[6][..]);
    let mut as_ipfix_id = t9.to_vec();
    as_ipfix_id[1] = 2;
    let mut as_v9_id = t10.to_vec();
    as_v9_id[1] = 0;
    let mut overrun = t9.to_vec();
    overrun[2..4].copy_from_slice(&4096u16.to_be_bytes());
    let cases: Vec<Vec<u8>> = vec![
        v9(1, 1, &[t9]),
        v9(2, 2, &[t9, d9]),
        v9(3, 2, &[t9, t9b]),
        v9(4, 1, &[d9, t9, d9]),
        v9(5, 2, &[d9, t9, d9]),
        v9(6, 1, &[t9, &[0; 4]]),
        v9(7, 1, &[t9, &[0; 3]]),
        v9(8, 0, &[t9, t9b, d9]),
        v9(9, 1, &[t9, t9b, t9, d9]),
        v9(10, 2, &[&as_ipfix_id, d9]),
        v9(11, 2, &[o9, d9]),
        ipfix(12, None, &[t10]),
        ipfix(13, None, &[t10, t10b]),
        ipfix(14, None, &[t10, d10]),
        ipfix(15, Some(40), &[t10, d10]),
        ipfix(16, None, &[d10, t10, d10]),
        ipfix(17, None, &[t10, &[1, 0, 0, 0], d10]),
        ipfix(18, None, &[&as_v9_id, d10]),
        v9(19, 1, &[t9, d9])[..18].to_vec(),
        v9(20, 2, &[&[0, 0, 0, 2], t9, d9]),
        v9(21, 3, &[t9, &[0, 0, 0, 1], d9]),
        v9(22, 2, &[d9, &overrun, d9]),
        ipfix(23, None, &[t10, o10, d10]),
        v9(24, 4, &[t9, &[0, 5, 0, 8, 1, 2, 3, 4], t9b, d9]),
        vec![0, 9],
        vec![0, 10, 0],
    ];
    same_relay("crafted", &cases, 12);
}

/// Template sets to `nfacctd_templates_port` (after a few malformed datagrams), data sets
/// to the collector port: both daemons learn the templates there and print the same
/// records. Nothing is relayed
/// back (the receiver gets only what came in on the collector port with templates: none).
#[test]
fn templates_port_feeds_the_collector() {
    need_root();
    let mut inputs = Vec::new();
    for (rel, header, template_ids) in [
        ("inputs/softflowd-v9-s2.pcap", 20usize, [0u16, 1]),
        ("inputs/softflowd-v10-s2.pcap", 16, [2, 3]),
    ] {
        for d in pcap_payloads(rel) {
            let all = sets(&d, header);
            let (tpl, data): (Vec<_>, Vec<_>) = all
                .into_iter()
                .partition(|s| template_ids.contains(&u16::from_be_bytes([s[0], s[1]])));
            let mut h = d[..header].to_vec();
            let mut t = h.clone();
            for s in &tpl {
                t.extend_from_slice(s);
            }
            for s in &data {
                h.extend_from_slice(s);
            }
            if header == 16 {
                let tl = t.len() as u16;
                t[2..4].copy_from_slice(&tl.to_be_bytes());
                let hl = h.len() as u16;
                h[2..4].copy_from_slice(&hl.to_be_bytes());
            } else {
                t[2..4].copy_from_slice(&(tpl.len() as u16).to_be_bytes());
            }
            inputs.push(((!tpl.is_empty()).then_some(t), h));
        }
    }
    let run = |bin: &str| -> (Vec<String>, usize) {
        let dir = Scratch::new("templates-port").unwrap();
        let sink = UdpSocket::bind("127.0.0.1:0").unwrap();
        sink.set_nonblocking(true).unwrap();
        let (port, tport) = (free_port().unwrap(), free_port().unwrap());
        assert_ne!(port, tport);
        let conf = format!(
            "daemonize: false\nnfacctd_ip: 127.0.0.1\nnfacctd_port: {port}\n\
             nfacctd_templates_port: {tport}\nnfacctd_templates_receiver: 127.0.0.1:{}\n\
             plugins: print[p]\nprint_output[p]: csv\nprint_output_file[p]: {}\n\
             print_refresh_time[p]: 60\n\
             aggregate[p]: src_host, dst_host, src_port, dst_port, proto\n",
            sink.local_addr().unwrap().port(),
            dir.0.join("out").display()
        );
        let child = wait_up(spawn(bin, &conf, &dir.0), &dir.0, bin);
        let log = dir.0.join("stderr");
        let templates_logged = lines_with(
            &log,
            &format!("waiting for NetFlow/IPFIX templates on 127.0.0.1:{tport}"),
        );
        let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
        // Hostile input on the templates port first: dropped, the daemon carries on.
        for junk in [
            &[][..],
            &[0, 9],
            &[0, 10, 0],
            &[
                0, 9, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 7, 0, 0, 0xff, 0xff,
            ],
            &[0, 10, 0, 20, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 7, 0, 2, 0, 3],
        ] {
            tx.send_to(junk, (Ipv4Addr::LOCALHOST, tport)).unwrap();
        }
        for (t, d) in &inputs {
            if let Some(t) = t {
                tx.send_to(t, (Ipv4Addr::LOCALHOST, tport)).unwrap();
                std::thread::sleep(Duration::from_millis(30));
            }
            tx.send_to(d, (Ipv4Addr::LOCALHOST, port)).unwrap();
            std::thread::sleep(Duration::from_millis(1));
        }
        let read = wait_until("datagrams read", Duration::from_secs(20), || {
            udp_queued(port) == Some(0) && udp_queued(tport) == Some(0)
        });
        std::thread::sleep(Duration::from_millis(500));
        stop(child, bin);
        read.unwrap();
        assert_eq!(
            templates_logged,
            1,
            "{bin}: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        let mut relayed = 0;
        let mut buf = [0u8; 65536];
        while sink.recv_from(&mut buf).is_ok() {
            relayed += 1;
        }
        let out = std::fs::read_to_string(dir.0.join("out")).unwrap_or_default();
        let mut lines: Vec<String> = out.lines().map(str::to_string).collect();
        lines.sort();
        (lines, relayed)
    };
    let (us, us_relayed) = run(&ours());
    let (want, want_relayed) = run(&oracle());
    assert!(
        want.len() > 100,
        "1.7.7 printed {} lines: {want:?}",
        want.len()
    );
    assert_eq!((us_relayed, want_relayed), (0, 0));
    assert!(
        us == want,
        "records differ: {} lines from 1.7.7, {} from ours; only 1.7.7: {:?}; only ours: {:?}",
        want.len(),
        us.len(),
        want.iter()
            .filter(|l| !us.contains(l))
            .take(5)
            .collect::<Vec<_>>(),
        us.iter()
            .filter(|l| !want.contains(l))
            .take(5)
            .collect::<Vec<_>>()
    );
}

/// Exit status and ERROR lines of a config that does not start.
fn refusal(bin: &str, conf: &str) -> (Option<i32>, Vec<String>) {
    let dir = Scratch::new("templates-refused").unwrap();
    let mut c = spawn(bin, conf, &dir.0);
    let t0 = Instant::now();
    let st = loop {
        if let Some(st) = c.try_wait().unwrap() {
            break st;
        }
        if t0.elapsed() > Duration::from_secs(20) {
            let _ = c.kill();
            let _ = c.wait();
            panic!("{bin} did not exit: {conf}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let err = std::fs::read_to_string(dir.0.join("stderr")).unwrap_or_default();
    let lines = err
        .lines()
        .filter(|l| l.starts_with("ERROR ("))
        .map(str::to_string)
        .collect();
    (st.code(), lines)
}

#[test]
fn start_up_refusals_as_1_7_7() {
    let pcap = root_dir().join("inputs/softflowd-v9-s2.pcap");
    let port = free_port().unwrap();
    let base = "daemonize: false\nplugins: print[p]\nprint_output_file[p]: /dev/null\n";
    for (what, conf, line) in [
        (
            "savefile",
            format!(
                "{base}pcap_savefile: {}\nnfacctd_templates_receiver: 127.0.0.1:9\n",
                pcap.display()
            ),
            "only applies to live UDP collection",
        ),
        (
            "tee",
            format!(
                "daemonize: false\nnfacctd_port: {port}\nnfacctd_templates_receiver: 127.0.0.1:9\n\
                 plugins: tee[t]\ntee_receivers[t]: /dev/null\n"
            ),
            "tee plugin ae mutual exclusive",
        ),
        (
            "no port",
            format!("{base}nfacctd_ip: 127.0.0.1\nnfacctd_port: {port}\nnfacctd_templates_receiver: 127.0.0.1\n"),
            "Invalid receiver: 127.0.0.1.",
        ),
        (
            "bad port",
            format!("{base}nfacctd_ip: 127.0.0.1\nnfacctd_port: {port}\nnfacctd_templates_receiver: 1.2.3.4:abc\n"),
            "Invalid receiver: 1.2.3.4:abc.",
        ),
    ] {
        let want = refusal(&oracle(), &conf);
        let us = refusal(&ours(), &conf);
        assert_eq!(want.0, Some(1), "{what}: 1.7.7 {want:?}");
        assert!(
            want.1.iter().any(|l| l.contains(line)),
            "{what}: 1.7.7 {want:?}"
        );
        assert_eq!(us, want, "{what}");
    }
}
