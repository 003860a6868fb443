//! nfacctd end to end over UDP: the daemon keeps running through malformed datagrams,
//! counts them (SIGUSR1), outputs every valid record around them, and SIGINT purges what is
//! cached before exit. The expected records come from Debian's nfacctd 1.7.7 reading the
//! same capture offline (the oracle), not from us.

mod support;
use support::{
    free_port, log_with_stats, payloads, repo, sorted_lines, survives_then_sigint_purges, tmpdir,
};

use std::net::UdpSocket;
use std::path::Path;
use std::process::Child;
use std::time::Duration;

const NFACCTD: &str = env!("CARGO_BIN_EXE_nfacctd");

const AGGREGATE: &str = "src_host, dst_host, in_iface, out_iface, timestamp_start, timestamp_end, src_port, dst_port, proto, tos, tcpflags";

fn start_live(dir: &Path, port: u16) -> Child {
    support::start_listening(
        NFACCTD,
        "nfacctd",
        dir,
        port,
        &format!(
            "plugins: print[live]\naggregate[live]: {AGGREGATE}\nprint_output[live]: json\nprint_output_file[live]: {}\nprint_refresh_time[live]: 3600\n",
            dir.join("live.json").display(),
        ),
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
    let dir = tmpdir("live-malformed");
    let expected = support::oracle(
        &compat_tests::oracle::path("nfacctd"),
        AGGREGATE,
        &pcap,
        &dir,
    );
    assert!(!expected.is_empty());

    let port = free_port();
    let mut child = start_live(&dir, port);
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
    survives_then_sigint_purges(&mut child, "nfacctd", &dir.join("live.json"), port);

    let got = sorted_lines(&dir.join("live.json"));
    assert_eq!(
        got, expected,
        "live records differ from pmacct 1.7.7's offline records"
    );
    let log = log_with_stats(&dir.join("live.log"));
    assert!(
        log.contains("dropped reason="),
        "no drop counters in log:\n{log}"
    );
    assert!(log.contains("OK, Exiting ..."), "{log}");
}
