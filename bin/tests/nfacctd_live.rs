//! nfacctd end to end over UDP: the daemon keeps running through malformed datagrams,
//! counts them (SIGUSR1), outputs every valid record around them, and SIGINT purges what is
//! cached before exit. The expected records come from Debian's nfacctd 1.7.7 reading the
//! same capture offline (the oracle), not from us.

mod support;
use support::{signal, wait_exit};

use std::io::Read;
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const NFACCTD: &str = env!("CARGO_BIN_EXE_nfacctd");
const PMACCT_NFACCTD: &str = "/usr/sbin/nfacctd";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn tmpdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pmacct-rs-live-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// UDP payloads of a capture of export datagrams, in order.
fn payloads(pcap_path: &Path) -> Vec<Vec<u8>> {
    let mut cap = pcap::Capture::from_file(pcap_path).expect("open pcap");
    let lt = cap.get_datalink().0;
    let mut out = Vec::new();
    while let Ok(p) = cap.next_packet() {
        if let Ok(d) = pmacct_daemon::savefile::udp_from_frame(lt, p.data) {
            out.push(d.payload.to_vec());
        }
    }
    out
}

fn free_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

const AGGREGATE: &str = "src_host, dst_host, in_iface, out_iface, timestamp_start, timestamp_end, src_port, dst_port, proto, tos, tcpflags";

/// Records pmacct 1.7.7 prints for `pcap` offline, sorted lines.
fn oracle(pcap: &Path, dir: &Path) -> Vec<String> {
    let out = dir.join("oracle.json");
    let conf = dir.join("oracle.conf");
    std::fs::write(
        &conf,
        format!(
            "plugins: print[o]\naggregate[o]: {AGGREGATE}\nprint_output[o]: json\nprint_output_file[o]: {}\npcap_savefile: {}\n",
            out.display(),
            pcap.display()
        ),
    )
    .unwrap();
    let st = Command::new(PMACCT_NFACCTD)
        .arg("-f")
        .arg(&conf)
        .env("TZ", "UTC")
        .stderr(Stdio::null())
        .status()
        .expect("Debian's nfacctd 1.7.7 must be installed (apt-get install pmacct)");
    assert!(st.success());
    sorted_lines(&out)
}

fn sorted_lines(p: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_to_string(p)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    v.sort();
    v
}

fn start_live(dir: &Path, port: u16, extra: &str) -> Child {
    let conf = dir.join("live.conf");
    std::fs::write(
        &conf,
        format!(
            "plugins: print[live]\naggregate[live]: {AGGREGATE}\nprint_output[live]: json\nprint_output_file[live]: {}\nprint_refresh_time[live]: 3600\nnfacctd_ip: 127.0.0.1\nnfacctd_port: {port}\nlogfile: {}\n{extra}",
            dir.join("live.json").display(),
            dir.join("live.log").display(),
        ),
    )
    .unwrap();
    support::start_logged(
        NFACCTD,
        &conf,
        &dir.join("live.log"),
        "waiting for NetFlow/IPFIX data",
    )
}

/// Malformed datagrams derived from real ones: truncations, lying lengths, garbage, zero
/// counts, unknown versions, v9 templates with zero-length fields and huge field counts.
fn malformed(valid: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut bad = vec![
        vec![],
        vec![0u8; 3],
        vec![0xff; 100],
        vec![0x00, 0x05, 0xff, 0xff], // v5 with a huge count and no body
        vec![0x00, 0x0a, 0xff, 0xff, 0, 0, 0, 0], // IPFIX length beyond the datagram
        vec![0x00, 0x0a, 0x00, 0x00, 0, 0, 0, 0], // IPFIX length zero
    ];
    // v9: template set with a zero-length field, then a template with 10000 fields claimed.
    let mut v9 = vec![0, 9, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0];
    v9.extend_from_slice(&[0, 0, 0, 16, 1, 0, 0, 2, 0, 8, 0, 0, 0, 7, 0, 2]);
    v9.extend_from_slice(&[0, 0, 0, 12, 1, 1, 0x27, 0x10, 0, 8, 0, 4]);
    bad.push(v9);
    for d in valid.iter().take(3) {
        for cut in [1, 5, 17, d.len() / 2, d.len().saturating_sub(1)] {
            bad.push(d[..cut.min(d.len())].to_vec());
        }
        let mut lying = d.clone();
        if lying.len() > 20 {
            lying[18] = 0xff; // first set/flowset length high byte
            lying[19] = 0xff;
        }
        bad.push(lying);
    }
    bad
}

#[test]
fn malformed_datagrams_are_counted_and_valid_records_all_output_then_sigint_purges() {
    let pcap = repo().join("compat-tests/corpus/traffic-reproducer/ipfix-traffic.pcap");
    let dir = tmpdir("malformed");
    let expected = oracle(&pcap, &dir);
    assert!(!expected.is_empty());

    let port = free_port();
    let mut child = start_live(&dir, port, "");
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    let valid = payloads(&pcap);
    let bad = malformed(&valid);
    // Interleave: every valid datagram is preceded by malformed ones.
    let mut bad_iter = bad.iter().cycle();
    for d in &valid {
        for _ in 0..3 {
            sock.send_to(bad_iter.next().unwrap(), ("127.0.0.1", port))
                .unwrap();
        }
        sock.send_to(d, ("127.0.0.1", port)).unwrap();
        std::thread::sleep(Duration::from_millis(2));
    }
    std::thread::sleep(Duration::from_millis(500));
    signal(&child, libc::SIGUSR1);
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "nfacctd died on malformed input"
    );
    // Nothing purged yet (refresh 3600 s): SIGINT must flush the cache.
    assert!(sorted_lines(&dir.join("live.json")).is_empty());
    signal(&child, libc::SIGINT);
    assert_eq!(wait_exit(&mut child), 0);

    let got = sorted_lines(&dir.join("live.json"));
    assert_eq!(
        got, expected,
        "live records differ from pmacct 1.7.7's offline records"
    );
    let mut log = String::new();
    std::fs::File::open(dir.join("live.log"))
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    assert!(
        log.contains("stats [127.0.0.1:"),
        "no SIGUSR1 stats in log:\n{log}"
    );
    assert!(
        log.contains("dropped reason="),
        "no drop counters in log:\n{log}"
    );
    assert!(log.contains("OK, Exiting ..."), "{log}");
}
