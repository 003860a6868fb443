//! The tutorial pipeline end to end: `nfacctd -f examples/nfacct.conf` (the seed config,
//! unchanged; the command line only moves the socket to a free loopback port and, through
//! `-o` which shares its field with `kafka_topic` as in pmacct, names a fresh topic), export
//! datagrams over UDP, a real Kafka-protocol broker (tansu, started by .ci/test.sh), and the
//! records read back from the topic. They must equal, per aggregate key, what Debian's
//! nfacctd 1.7.7 prints for the same capture, and carry `writer_id` = `<plugin>/<pid>`.

#[path = "../../crates/plugins/tests/kafka_support/mod.rs"]
mod kafka_support;

use std::collections::BTreeMap;
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const NFACCTD: &str = env!("CARGO_BIN_EXE_nfacctd");

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Aggregate key (every field but the counters, writer_id and stamp_updated) -> (packets, bytes): purges
/// every second may split one flow's counters over several messages.
fn sums(lines: &[String]) -> BTreeMap<String, (u64, u64)> {
    let mut m = BTreeMap::new();
    for l in lines {
        let mut v: serde_json::Map<String, serde_json::Value> = serde_json::from_str(l).unwrap();
        let p = v.remove("packets").and_then(|x| x.as_u64()).unwrap();
        let b = v.remove("bytes").and_then(|x| x.as_u64()).unwrap();
        // Ignored as in compat-tests: the writer's pid and clock.
        v.remove("writer_id");
        v.remove("stamp_updated");
        let e = m
            .entry(serde_json::to_string(&v).unwrap())
            .or_insert((0, 0));
        e.0 += p;
        e.1 += b;
    }
    m
}

#[test]
fn tutorial_config_to_kafka_equals_pmacct() {
    let pcap = repo().join("compat-tests/corpus/traffic-reproducer/ipfix-traffic.pcap");
    let dir = std::env::temp_dir().join(format!("pmacct-rs-e2e-kafka-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();

    // The oracle: pmacct 1.7.7, same aggregate, print json, offline.
    let conf = dir.join("oracle.conf");
    let out = dir.join("oracle.json");
    std::fs::write(
        &conf,
        format!(
            "plugins: print[o]\naggregate[o]: src_host, dst_host, in_iface, out_iface, timestamp_start, timestamp_end, src_port, dst_port, proto, tos, tcpflags\nprint_output[o]: json\nprint_history[o]: 1m\nprint_history_roundoff[o]: m\nprint_output_file[o]: {}\npcap_savefile: {}\n",
            out.display(),
            pcap.display()
        ),
    )
    .unwrap();
    let st = Command::new("/usr/sbin/nfacctd")
        .arg("-f")
        .arg(&conf)
        .env("TZ", "UTC")
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(st.success());
    let expected: Vec<String> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert!(!expected.is_empty());

    let bs = kafka_support::bootstrap();
    let topic = kafka_support::unique("pmacct.e2e");
    kafka_support::create_topics(&bs, &[&topic], 1);
    let port = UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let log = dir.join("ours.log");
    let mut child = Command::new(NFACCTD)
        .current_dir(repo())
        .args([
            "-f",
            "examples/nfacct.conf",
            "-L",
            "127.0.0.1",
            "-l",
            &port.to_string(),
            "-o",
            &topic,
        ])
        .env("TZ", "UTC")
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    while !std::fs::read_to_string(&log)
        .unwrap_or_default()
        .contains("waiting for NetFlow/IPFIX data")
    {
        if t0.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "nfacctd did not start:\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    // Replay the export datagrams.
    let mut cap = pcap::Capture::from_file(&pcap).unwrap();
    let lt = cap.get_datalink().0;
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    while let Ok(p) = cap.next_packet() {
        if let Ok(d) = pmacct_daemon::savefile::udp_from_frame(lt, p.data) {
            sock.send_to(d.payload, ("127.0.0.1", port)).unwrap();
        }
    }
    // kafka_refresh_time is 1 s: wait for purges, then stop (final purge + flush).
    std::thread::sleep(Duration::from_millis(2500));
    // SAFETY: kill(2) on our own child, not yet reaped.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let st = child.wait().unwrap();
    let ours_log = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(st.success(), "{ours_log}");

    let msgs = kafka_support::consume(&bs, &topic, expected.len(), Duration::from_secs(20));
    let got: Vec<String> = msgs.iter().map(|m| m.text().to_string()).collect();
    let writer = format!("\"writer_id\": \"default_kafka/{}\"}}", child.id());
    for m in &got {
        assert!(m.ends_with(&writer), "writer_id of {m} (want {writer})");
    }
    assert_eq!(
        sums(&got),
        sums(&expected),
        "topic records differ from pmacct's\n{ours_log}"
    );
}
