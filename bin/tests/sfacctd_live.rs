//! sfacctd end to end over UDP: the daemon keeps running through malformed sFlow (every
//! truncation of real datagrams, lying sample and record lengths, sample counts in the
//! millions, unknown versions and agent address types), counts what it drops (SIGUSR1), outputs
//! every valid record around them, and SIGINT purges the cache before exit. The expected
//! records come from Debian's sfacctd 1.7.7 reading the same capture offline, not from us.
//! A second test compares `sfacctd_counter_file` with the one sfacctd 1.7.7 writes, a third
//! sends the same records through the kafka plugin to a Kafka-protocol broker (.ci/test.sh
//! starts one; KAFKA_BOOTSTRAP) and reads them back.

mod support;
use support::{
    free_port, log_with_stats, payloads, repo, run_pmacct, signal, sorted_lines,
    survives_then_sigint_purges, tmpdir, wait_exit,
};

#[path = "../../crates/plugins/tests/kafka_support/mod.rs"]
mod kafka_support;

use std::net::UdpSocket;
use std::path::Path;
use std::process::Child;
use std::time::Duration;

const SFACCTD: &str = env!("CARGO_BIN_EXE_sfacctd");

/// No `tos`: sfacctd 1.7.7 shifts IPv6 traffic classes (quirk 5, an expected difference).
const AGGREGATE: &str =
    "src_host, dst_host, in_iface, out_iface, src_port, dst_port, proto, tcpflags, peer_src_ip, sampling_rate, vlan, src_mac, dst_mac, vxlan, tunnel_src_host";

/// Records pmacct 1.7.7 prints for `pcap` offline, sorted lines.
fn oracle(pcap: &Path, dir: &Path) -> Vec<String> {
    support::oracle(&compat_tests::oracle::path("sfacctd"), AGGREGATE, pcap, dir)
}

fn start_live(dir: &Path, port: u16) -> Child {
    start_with(
        dir,
        port,
        &format!(
            "plugins: print[live]\naggregate[live]: {AGGREGATE}\nprint_output[live]: json\nprint_output_file[live]: {}\nprint_refresh_time[live]: 3600\nsfacctd_counter_file: {}\n",
            dir.join("live.json").display(),
            dir.join("counters.json").display(),
        ),
    )
}

/// Start our sfacctd on 127.0.0.1:port with `plugins` (config lines), logging to live.log.
fn start_with(dir: &Path, port: u16, plugins: &str) -> Child {
    support::start_listening(
        SFACCTD,
        "sfacctd",
        dir,
        port,
        plugins,
        "waiting for sFlow data",
    )
}

fn put32(d: &mut [u8], at: usize, v: u32) {
    if at + 4 <= d.len() {
        d[at..at + 4].copy_from_slice(&v.to_be_bytes());
    }
}

/// Agent address of the malformed copies: the complete samples before the damage are
/// accounted (as by pmacct), under this agent, apart from the valid datagrams' records.
const BAD_AGENT: [u8; 4] = [203, 0, 113, 99];

/// Malformed datagrams derived from real ones (sFlow v5, IPv4 agent: the header is 28 bytes,
/// the first sample's type at 28 and length at 32, its first record's length at 72).
fn malformed(valid: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut bad = vec![
        vec![],
        vec![0u8; 3],
        vec![0xff; 100],
        vec![0, 0, 0, 5],                                     // v5, nothing else
        vec![0, 0, 0, 9, 0, 0, 0, 1, 1, 2],                   // unknown version
        vec![0, 0, 0, 5, 0, 0, 0, 7, 1, 2, 3, 4, 0, 0, 0, 0], // agent address type 7
    ];
    for d in valid.iter().take(2) {
        let mut d = d.clone();
        d[8..12].copy_from_slice(&BAD_AGENT);
        let d = &d;
        // Every truncation.
        for cut in 0..d.len() {
            bad.push(d[..cut].to_vec());
        }
        // Sample count in the millions with the real body.
        let mut many = d.clone();
        put32(&mut many, 24, 5_000_000);
        bad.push(many);
        // First sample's length beyond the datagram, and zero.
        for len in [u32::MAX, 0x7fff_fff0, 0] {
            let mut lying = d.clone();
            put32(&mut lying, 32, len);
            bad.push(lying);
        }
        // First record's length beyond its sample; record count in the millions.
        let mut rec = d.clone();
        put32(&mut rec, 72, u32::MAX);
        bad.push(rec);
        let mut recs = d.clone();
        put32(&mut recs, 64, 3_000_000);
        bad.push(recs);
        // Garbage after a valid header.
        let mut garbage = d.clone();
        for b in garbage.iter_mut().skip(28) {
            *b = 0xa5;
        }
        bad.push(garbage);
    }
    bad
}

#[test]
fn malformed_sflow_is_counted_and_valid_records_all_output_then_sigint_purges() {
    let pcap = repo().join("compat-tests/inputs/sflow/sfprobe-s1.pcap");
    let dir = tmpdir("sflive-malformed");
    let expected = oracle(&pcap, &dir);
    assert!(expected.len() > 300, "pmacct printed {}", expected.len());

    let port = free_port();
    let mut child = start_live(&dir, port);
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    let valid = payloads(&pcap);
    let bad = malformed(&valid);
    assert!(bad.len() > 2000, "{} malformed datagrams", bad.len());
    // Every valid datagram is preceded by its share of the malformed ones.
    let per = bad.len() / valid.len() + 1;
    let mut bad_iter = bad.iter();
    for d in &valid {
        for b in bad_iter.by_ref().take(per) {
            sock.send_to(b, ("127.0.0.1", port)).unwrap();
        }
        sock.send_to(d, ("127.0.0.1", port)).unwrap();
        std::thread::sleep(Duration::from_millis(15));
    }
    survives_then_sigint_purges(&mut child, "sfacctd", &dir.join("live.json"), port);

    let all = sorted_lines(&dir.join("live.json"));
    let bad_agent = r#""peer_ip_src": "203.0.113.99""#;
    let got: Vec<String> = all
        .iter()
        .filter(|l| !l.contains(bad_agent))
        .cloned()
        .collect();
    let missing: Vec<&String> = expected.iter().filter(|l| !got.contains(l)).collect();
    let extra: Vec<&String> = got.iter().filter(|l| !expected.contains(l)).collect();
    assert!(
        missing.is_empty() && extra.is_empty() && got.len() == expected.len(),
        "live records differ from sfacctd 1.7.7's offline records: {} of {} missing, {} extra\nmissing: {:?}\nextra: {:?}",
        missing.len(),
        expected.len(),
        extra.len(),
        &missing[..missing.len().min(5)],
        &extra[..extra.len().min(5)]
    );
    // The complete samples before the damage of a truncated copy are accounted.
    assert!(all.iter().any(|l| l.contains(bad_agent)));
    let log = log_with_stats(&dir.join("live.log"));
    for reason in ["truncated", "sample_truncated", "bad_sample_length"] {
        assert!(
            log.contains(&format!("dropped reason={reason} ")),
            "no drop counter for {reason} in log:\n{log}"
        );
    }
    assert!(log.contains("OK, Exiting ..."), "{log}");
    // The agent's log_init line (sfprobe sends no counter samples).
    let counters = std::fs::read_to_string(dir.join("counters.json")).unwrap();
    assert!(
        counters.contains(r#""peer_src_ip": "192.0.2.11", "event_type": "log_init"}"#),
        "{counters}"
    );
}

/// `{"seq": N, "timestamp": "...", ...}` without the timestamp (the time of the run).
fn without_timestamp(line: &str) -> String {
    match (line.find(", \"timestamp\": \""), line.find("\", \"peer_")) {
        (Some(a), Some(b)) if b > a => format!("{}{}", &line[..a], &line[b + 1..]),
        _ => line.to_string(),
    }
}

#[test]
fn counter_file_equals_sfacctd_1_7_7() {
    let pcap = repo().join("compat-tests/inputs/sflow/crafted.pcap");
    let dir = tmpdir("sflive-counters");
    let conf = |out: &str, counters: &str| {
        format!(
            "plugins: print\nprint_output: json\nprint_output_file: {}\nsfacctd_counter_file: {}\npcap_savefile: {}\n",
            dir.join(out).display(),
            dir.join(counters).display(),
            pcap.display()
        )
    };
    run_pmacct(
        &compat_tests::oracle::path("sfacctd"),
        &conf("pm.json", "pm-counters.json"),
        &dir,
    );
    let ours_conf = dir.join("ours.conf");
    std::fs::write(&ours_conf, conf("ours.json", "ours-counters.json")).unwrap();
    support::run_to_exit(SFACCTD, &ours_conf);
    let read = |n: &str| -> Vec<String> {
        std::fs::read_to_string(dir.join(n))
            .unwrap()
            .lines()
            .map(without_timestamp)
            .collect()
    };
    let pm = read("pm-counters.json");
    let ours = read("ours-counters.json");
    assert!(pm.len() >= 10, "{pm:?}");
    // sfacctd 1.7.7 prints an IPv6 agent (2001:db8:ff::1) as the IPv4 address of its first 4
    // bytes (32.1.13.184); we print the agent (docs/COMPATIBILITY.md). Everything else, key
    // order included, is the same.
    let pm: Vec<String> = pm
        .iter()
        .map(|l| l.replace("\"32.1.13.184\"", "\"2001:db8:ff::1\""))
        .collect();
    assert_eq!(pm, ours);
}

#[test]
fn kafka_plugin_records_equal_sfacctd_1_7_7() {
    let pcap = repo().join("compat-tests/inputs/sflow/sfprobe-s2.pcap");
    let dir = tmpdir("sflive-kafka");
    let expected = oracle(&pcap, &dir);
    assert!(expected.len() > 1000, "pmacct printed {}", expected.len());
    let bs = kafka_support::bootstrap();
    let topic = kafka_support::unique("pmacct.sfacctd");
    kafka_support::create_topics(&bs, &[&topic], 1);
    let port = free_port();
    let mut child = start_with(
        &dir,
        port,
        &format!(
            "plugins: kafka[k]\naggregate[k]: {AGGREGATE}\nkafka_output[k]: json\nkafka_topic[k]: {topic}\nkafka_broker_host[k]: {}\nkafka_broker_port[k]: {}\nkafka_refresh_time[k]: 1\n",
            bs.rsplit_once(':').unwrap().0,
            bs.rsplit_once(':').unwrap().1,
        ),
    );
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    for d in payloads(&pcap) {
        sock.send_to(&d, ("127.0.0.1", port)).unwrap();
        std::thread::sleep(Duration::from_millis(2));
    }
    // Purges every second may split a key's counters over several messages: sum them.
    std::thread::sleep(Duration::from_millis(2500));
    signal(&child, libc::SIGINT);
    assert_eq!(wait_exit(&mut child), 0);
    let msgs = kafka_support::consume(&bs, &topic, expected.len(), Duration::from_secs(20));
    let sums = |lines: &mut dyn Iterator<Item = String>| {
        let mut m = std::collections::BTreeMap::<String, (u64, u64)>::new();
        for l in lines {
            let mut v: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(&l).unwrap();
            let p = v.remove("packets").and_then(|x| x.as_u64()).unwrap();
            let b = v.remove("bytes").and_then(|x| x.as_u64()).unwrap();
            v.remove("writer_id");
            let e = m.entry(serde_json::to_string(&v).unwrap()).or_default();
            e.0 += p;
            e.1 += b;
        }
        m
    };
    let writer = format!("\"writer_id\": \"k/{}\"}}", child.id());
    assert!(msgs.iter().all(|m| m.text().ends_with(&writer)));
    let got = sums(&mut msgs.iter().map(|m| m.text().to_string()));
    let want = sums(&mut expected.into_iter());
    assert_eq!(got.len(), want.len());
    assert_eq!(got, want, "topic records differ from sfacctd 1.7.7's");
}
