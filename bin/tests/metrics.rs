//! nfacctd's Prometheus endpoint (`metrics_http_listen`, a pmacct-rs extension) after a live
//! replay: every counter equals what was sent. Expected figures come from the captures
//! themselves, not from our decoder: NetFlow v5 record counts from the datagram headers,
//! NetFlow v9 data records and templates from tshark's decode; records purged from the lines
//! the print plugin wrote.

mod support;
use support::{free_tcp_port, tmpdir};

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use compat_tests::pcap::udp_datagrams;

const NFACCTD: &str = env!("CARGO_BIN_EXE_nfacctd");

fn inputs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../compat-tests/inputs")
}

fn payloads(pcap: &Path) -> Vec<Vec<u8>> {
    let data = std::fs::read(pcap).unwrap();
    udp_datagrams(&data)
        .unwrap()
        .into_iter()
        .map(|d| d.payload)
        .collect()
}

/// tshark's decode of a NetFlow v9 capture: (data records, distinct template ids).
fn tshark_v9(pcap: &Path) -> (u64, u64) {
    let port = udp_datagrams(&std::fs::read(pcap).unwrap()).unwrap()[0]
        .dst
        .port();
    let out = Command::new("tshark")
        .args(["-r"])
        .arg(pcap)
        .args(["-d", &format!("udp.port=={port},cflow"), "-T", "fields"])
        .args(["-e", "cflow.srcaddr", "-e", "cflow.srcaddrv6"])
        .args(["-e", "cflow.template_id"])
        .stderr(Stdio::null())
        .output()
        .expect("tshark (apt-get install tshark)");
    assert!(out.status.success(), "tshark failed");
    let mut records = 0;
    let mut templates = std::collections::BTreeSet::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        for c in &cols[..2] {
            records += c.split(',').filter(|s| !s.is_empty()).count() as u64;
        }
        for t in cols[2].split(',').filter(|s| !s.is_empty()) {
            templates.insert(t.to_string());
        }
    }
    (records, templates.len() as u64)
}

struct Daemon(Child);

impl Daemon {
    /// Our nfacctd on `conf`, killed when dropped.
    fn start(conf: &Path) -> Daemon {
        let child = Command::new(NFACCTD)
            .arg("-f")
            .arg(conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        Daemon(child)
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn scrape(addr: SocketAddr) -> Option<String> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: test\r\n\r\n")
        .ok()?;
    let mut r = String::new();
    s.read_to_string(&mut r).ok()?;
    let (head, body) = r.split_once("\r\n\r\n")?;
    assert!(head.starts_with("HTTP/1.1 200 "), "{head}");
    assert!(
        head.contains("Content-Type: text/plain; version=0.0.4"),
        "{head}"
    );
    Some(body.to_string())
}

/// The first scrape of the endpoint at `addr`, which must be up within 10 s (the daemon binds
/// it before starting its workers).
fn first_scrape(addr: SocketAddr) -> String {
    let t0 = Instant::now();
    loop {
        if let Some(b) = scrape(addr) {
            return b;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(10),
            "no metrics endpoint"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn value(body: &str, series: &str) -> Option<u64> {
    body.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[test]
fn counters_after_a_live_replay_equal_what_was_sent() {
    let dir = tmpdir("metrics");
    let out = dir.join("out.json");
    let port = compat_tests::run::free_port().unwrap();
    let mport = free_tcp_port();
    let conf = dir.join("nfacctd.conf");
    std::fs::write(
        &conf,
        format!(
            "nfacctd_ip: 127.0.0.1\nnfacctd_port: {port}\nmetrics_http_listen: 127.0.0.1:{mport}\n\
             plugins: print[p]\naggregate[p]: src_host, dst_host, src_port, dst_port, proto\n\
             print_output[p]: json\nprint_output_file[p]: {}\nprint_output_file_append[p]: true\n\
             print_refresh_time[p]: 1\n",
            out.display()
        ),
    )
    .unwrap();
    let _daemon = Daemon::start(&conf);
    let maddr = SocketAddr::from((Ipv4Addr::LOCALHOST, mport));
    let target = SocketAddr::from((Ipv4Addr::LOCALHOST, port));

    let first = first_scrape(maddr);
    assert_eq!(value(&first, "pmacct_socket_receive_drops_total"), Some(0));

    // Two exporters: NetFlow v5 from 127.0.0.1, NetFlow v9 from 127.0.0.2.
    let v5 = payloads(&inputs().join("nfprobe-v5-s1.pcap"));
    let v9_pcap = inputs().join("nfprobe-v9-s1.pcap");
    let v9 = payloads(&v9_pcap);
    let v5_records: u64 = v5
        .iter()
        .map(|p| u64::from(u16::from_be_bytes([p[2], p[3]])))
        .sum();
    let (v9_records, v9_templates) = tshark_v9(&v9_pcap);
    assert!(v5_records > 0 && v9_records > 0 && v9_templates > 0);
    let s1 = UdpSocket::bind("127.0.0.1:0").unwrap();
    let s2 = UdpSocket::bind("127.0.0.2:0").unwrap();
    let mut v5_bytes = 0;
    for p in &v5 {
        s1.send_to(p, target).unwrap();
        v5_bytes += p.len() as u64;
        std::thread::sleep(Duration::from_millis(2));
    }
    for p in &v9 {
        s2.send_to(p, target).unwrap();
        std::thread::sleep(Duration::from_millis(2));
    }
    // Deliberately malformed: an unknown export version, a datagram shorter than any
    // header, a v5 header announcing 30 records with none behind it.
    s1.send_to(&[0, 42, 0, 1, 0, 0, 0, 0], target).unwrap();
    s1.send_to(&[0], target).unwrap();
    let mut v5_lying = vec![0u8; 24];
    v5_lying[1] = 5;
    v5_lying[3] = 30;
    s1.send_to(&v5_lying, target).unwrap();

    // Workers publish about once a second; the print plugin purges every second.
    let ex1 = "exporter=\"127.0.0.1\",source_id=\"0\"";
    let ex2 = "exporter=\"127.0.0.2\",source_id=\"0\"";
    let pl = "plugin=\"p\",type=\"print\"";
    let t0 = Instant::now();
    let (body, lines) = loop {
        let body = scrape(maddr).expect("scrape");
        // Read the output after the scrape: equal only once no purge is pending.
        let lines = std::fs::read_to_string(&out)
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.is_empty())
            .count() as u64;
        let purged = value(
            &body,
            &format!("pmacct_plugin_purged_records_total{{{pl}}}"),
        );
        let done = value(&body, &format!("pmacct_exporter_records_total{{{ex2}}}"))
            == Some(v9_records)
            && value(
                &body,
                "pmacct_decode_errors_total{reason=\"count_mismatch\"}",
            ) == Some(1)
            && value(&body, &format!("pmacct_plugin_cache_entries{{{pl}}}")) == Some(0)
            && purged == Some(lines)
            && lines > 0;
        if done {
            break (body, lines);
        }
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "counters never settled; last scrape:\n{body}\noutput lines: {lines}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };

    let want = [
        (
            format!("pmacct_exporter_datagrams_total{{{ex1}}}"),
            v5.len() as u64,
        ),
        (
            format!("pmacct_exporter_records_total{{{ex1}}}"),
            v5_records,
        ),
        (format!("pmacct_exporter_bytes_total{{{ex1}}}"), v5_bytes),
        (
            format!("pmacct_exporter_datagrams_total{{{ex2}}}"),
            v9.len() as u64,
        ),
        (
            format!("pmacct_exporter_records_total{{{ex2}}}"),
            v9_records,
        ),
        (
            "pmacct_decode_errors_total{reason=\"unsupported_version\"}".to_string(),
            1,
        ),
        (
            "pmacct_decode_errors_total{reason=\"truncated\"}".to_string(),
            1,
        ),
        (
            "pmacct_decode_errors_total{reason=\"count_mismatch\"}".to_string(),
            1,
        ),
        ("pmacct_template_cache_templates".to_string(), v9_templates),
        (format!("pmacct_plugin_purged_records_total{{{pl}}}"), lines),
        (format!("pmacct_plugin_queue_records{{{pl}}}"), 0),
        (
            format!("pmacct_plugin_records_dropped_total{{{pl},reason=\"queue_full\"}}"),
            0,
        ),
        (
            format!("pmacct_plugin_records_dropped_total{{{pl},reason=\"cache_full\"}}"),
            0,
        ),
        ("pmacct_socket_receive_drops_total".to_string(), 0),
    ];
    for (series, n) in &want {
        assert_eq!(value(&body, series), Some(*n), "{series}\n{body}");
    }
    // Only the reasons sent: nothing else counted as a decode error.
    let errors: Vec<&str> = body
        .lines()
        .filter(|l| l.starts_with("pmacct_decode_errors_total{"))
        .collect();
    assert_eq!(errors.len(), 3, "{errors:?}");
    // Every aggregate the plugin wrote came from the records the core counted.
    assert!(lines <= v5_records + v9_records);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A kafka plugin whose broker does not answer: every purged record's delivery fails and the
/// endpoint says so (counters come from the plugin's transport, through Plugin::counters()).
#[test]
fn kafka_delivery_failures_are_counted() {
    let dir = tmpdir("metrics-k");
    let port = compat_tests::run::free_port().unwrap();
    let mport = free_tcp_port();
    // Nothing listens there: a TCP port taken and released.
    let dead = free_tcp_port();
    let kconf = dir.join("librdkafka.conf");
    // Fail deliveries after 1 s instead of librdkafka's 300 s.
    std::fs::write(&kconf, "global, message.timeout.ms, 1000\n").unwrap();
    let conf = dir.join("nfacctd.conf");
    std::fs::write(
        &conf,
        format!(
            "nfacctd_ip: 127.0.0.1\nnfacctd_port: {port}\nmetrics_http_listen: 127.0.0.1:{mport}\n\
             plugins: kafka[k]\naggregate[k]: src_host, dst_host\nkafka_topic[k]: t\n\
             kafka_broker_host[k]: 127.0.0.1\nkafka_broker_port[k]: {dead}\n\
             kafka_config_file[k]: {}\nkafka_refresh_time[k]: 1\nkafka_flush_timeout[k]: 1\n",
            kconf.display()
        ),
    )
    .unwrap();
    let _daemon = Daemon::start(&conf);
    let maddr = SocketAddr::from((Ipv4Addr::LOCALHOST, mport));
    first_scrape(maddr);
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    for p in payloads(&inputs().join("nfprobe-v5-s1.pcap")) {
        s.send_to(&p, (Ipv4Addr::LOCALHOST, port)).unwrap();
    }
    let l = "plugin=\"k\",type=\"kafka\"";
    let t0 = Instant::now();
    loop {
        let body = scrape(maddr).expect("scrape");
        let purged = value(&body, &format!("pmacct_plugin_purged_records_total{{{l}}}"));
        let failed = value(
            &body,
            &format!("pmacct_kafka_delivery_failures_total{{{l}}}"),
        );
        let delivered = value(
            &body,
            &format!("pmacct_kafka_delivered_records_total{{{l}}}"),
        );
        // Absent until the plugin thread first reports (within a second).
        assert!(matches!(delivered, None | Some(0)), "{body}");
        // Each purged record's first attempt fails (retries count again).
        if let (Some(p), Some(f)) = (purged, failed) {
            if p > 0 && f >= p {
                println!("purged {p}, delivery failures {f}");
                break;
            }
        }
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "no delivery failures counted; last scrape:\n{body}"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    let _ = std::fs::remove_dir_all(&dir);
}
