//! The tutorial pipeline end to end, as an operator runs it: a real exporter (softflowd, or
//! pmacctd 1.7.7's nfprobe, over a generated traffic pcap) sends NetFlow v9 / IPFIX to `nfacctd -f examples/nfacct.conf`
//! (the file unchanged: port 2055, plugin kafka, topic `netflow`; and a copy with
//! `daemonize: true` uncommented), a real Kafka-protocol broker (tansu, started by
//! .ci/test.sh) holds the records, and the test reads topic `netflow` back. The datagrams
//! the exporter sent are captured on `lo` at the same time; Debian's nfacctd 1.7.7 reads that
//! capture through the same aggregate and history, and every record on the topic must equal
//! what it produced (per aggregate key: purges every second may split one flow's counters
//! over several messages), with `writer_id` = `<plugin>/<pid>`.

mod support;
use support::repo;

#[path = "../../crates/plugins/tests/kafka_support/mod.rs"]
mod kafka_support;

use std::collections::BTreeMap;
use std::net::UdpSocket;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const NFACCTD: &str = env!("CARGO_BIN_EXE_nfacctd");
/// From examples/nfacct.conf.
const PORT: u16 = 2055;
const TOPIC: &str = "netflow";

/// Aggregate key (every field but the counters, writer_id and stamp_updated) -> (packets, bytes).
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

fn port_bound() -> bool {
    // Our sockets use SO_REUSEPORT; a plain bind fails once nfacctd holds the port.
    UdpSocket::bind(("0.0.0.0", PORT)).is_err()
}

/// Pids of processes running `nfacctd -f <conf>` (a daemonized nfacctd is not our child).
fn pids_running(conf: &Path) -> Vec<i32> {
    let want = conf.to_string_lossy().to_string();
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let cmd = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
        let args: Vec<String> = cmd
            .split(|&b| b == 0)
            .map(|a| String::from_utf8_lossy(a).to_string())
            .collect();
        if args.first().is_some_and(|a| a.ends_with("nfacctd")) && args.contains(&want) {
            out.push(pid);
        }
    }
    out
}

/// tcpdump capturing the datagrams sent to PORT on `lo` into `path` (as
/// compat-tests/gen/make_exports.sh does; an in-process libpcap capture lost datagrams of
/// pmacctd's sub-millisecond bursts here, tcpdump did not).
fn capture_lo(path: &Path) -> std::process::Child {
    let child = Command::new("tcpdump")
        .args(["-i", "lo", "-U", "-n", "-w"])
        .arg(path)
        .arg(format!("udp and dst port {PORT}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("tcpdump (needs root or CAP_NET_RAW)");
    // tcpdump has no readiness signal; it writes the file header once capturing.
    let t0 = Instant::now();
    while std::fs::metadata(path).map(|m| m.len()).unwrap_or(0) < 24 {
        assert!(
            t0.elapsed() < Duration::from_secs(10),
            "tcpdump did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    child
}

/// Datagrams in a capture file.
fn count_datagrams(path: &Path) -> usize {
    let mut cap = pcap::Capture::from_file(path).unwrap();
    let mut n = 0;
    while cap.next_packet().is_ok() {
        n += 1;
    }
    n
}

enum Exporter {
    /// softflowd with this `-v`.
    Softflowd(&'static str),
    /// pmacctd 1.7.7's nfprobe plugin with this `nfprobe_version`.
    Nfprobe(&'static str),
}

struct Case {
    name: &'static str,
    exporter: Exporter,
    seed: u32,
    daemonize: bool,
}

// A failing assertion between spawn and wait leaves the collector to the test harness's
// exit; every passing path waits for it (or, daemonized, for its pid to go away).
#[allow(clippy::zombie_processes)]
fn run_case(case: &Case, bs: &str) {
    let dir = support::tmpdir(&format!("tutorial-{}", case.name));
    let traffic = dir.join("traffic.pcap");
    let st = Command::new("python3")
        .arg(repo().join("compat-tests/gen/gen_traffic.py"))
        .arg(case.seed.to_string())
        .arg("300")
        .arg(&traffic)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(st.success(), "gen_traffic.py");

    // The operator's file: unchanged, or with daemonize uncommented.
    let example = std::fs::read_to_string(repo().join("examples/nfacct.conf")).unwrap();
    assert!(
        example.contains("\nnfacctd_port: 2055\n") && example.contains("\nkafka_topic: netflow\n")
    );
    let conf = dir.join("nfacct.conf");
    let text = if case.daemonize {
        assert!(example.contains("\n#daemonize: true\n"));
        example.replace("\n#daemonize: true\n", "\ndaemonize: true\n")
    } else {
        example
    };
    std::fs::write(&conf, text).unwrap();

    assert!(!port_bound(), "UDP port {PORT} is already in use");
    let start = kafka_support::end_offsets(bs, TOPIC);
    let log = dir.join("ours.log");
    let mut child = Command::new(NFACCTD)
        .arg("-f")
        .arg(&conf)
        .current_dir(&dir)
        .env("TZ", "UTC")
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    while !port_bound() {
        if t0.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "nfacctd did not bind {PORT}:\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let pid = if case.daemonize {
        // The foreground process exits once the daemon is detached.
        assert!(child.wait().unwrap().success());
        let pids = pids_running(&conf);
        assert_eq!(pids.len(), 1, "daemonized nfacctd: {pids:?}");
        pids[0]
    } else {
        child.id() as i32
    };

    // The exporter, live, while the datagrams are captured for the oracle.
    let sent = dir.join("sent.pcap");
    let mut tcpdump = capture_lo(&sent);
    let receiver = format!("127.0.0.1:{PORT}");
    let mut exporter = match case.exporter {
        Exporter::Softflowd(v) => {
            let mut c = Command::new("softflowd");
            c.arg("-r")
                .arg(&traffic)
                .args(["-n", &receiver, "-v", v, "-c", "none", "-d"]);
            c
        }
        Exporter::Nfprobe(v) => {
            let probe = dir.join("probe.conf");
            std::fs::write(
                &probe,
                format!(
                    "daemonize: false\npcap_savefile: {}\nplugins: nfprobe\nnfprobe_receiver: {receiver}\nnfprobe_version: {v}\n",
                    traffic.display()
                ),
            )
            .unwrap();
            let mut c = Command::new(compat_tests::oracle::path("pmacctd"));
            c.arg("-f").arg(probe);
            c
        }
    };
    let exporter_log = dir.join("exporter.log");
    let st = exporter
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&exporter_log).unwrap())
        .status()
        .unwrap();
    let exporter_text = std::fs::read_to_string(&exporter_log).unwrap_or_default();
    // pmacctd 1.7.7 races its nfprobe plugin at the end of a savefile: when the plugin has
    // flushed and exited first ("Shutting down on user request"), the core logs "connection
    // lost ... no more plugins active" and exits 1 (seen about once in 20 runs under load).
    // The flows were exported all the same; the oracle decodes what was captured.
    let probe_race = matches!(case.exporter, Exporter::Nfprobe(_))
        && st.code() == Some(1)
        && exporter_text.contains("Shutting down on user request")
        && exporter_text.contains("no more plugins active");
    assert!(
        st.success() || probe_race,
        "exporter {st}:\n{exporter_text}"
    );
    // kafka_refresh_time is 1 s: let purges happen, then stop (final purge + flush).
    std::thread::sleep(Duration::from_millis(2500));
    // SAFETY: kill(2) on our own child, not yet reaped.
    unsafe { libc::kill(tcpdump.id() as i32, libc::SIGINT) };
    tcpdump.wait().unwrap();
    let datagrams = count_datagrams(&sent);
    assert!(datagrams > 0, "the exporter sent nothing");
    // SAFETY: kill(2) with a pid we found running our binary on our config.
    unsafe { libc::kill(pid, libc::SIGINT) };
    if case.daemonize {
        let t0 = Instant::now();
        while !pids_running(&conf).is_empty() {
            assert!(
                t0.elapsed() < Duration::from_secs(30),
                "daemon still running"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    } else {
        assert!(child.wait().unwrap().success());
    }
    let ours_log = std::fs::read_to_string(&log).unwrap_or_default();

    // The oracle: pmacct 1.7.7 on the datagrams the exporter sent, same aggregate and history.
    // pmacct 1.7.7 can lose records at the end of a savefile when the machine is loaded
    // (compat-tests/README.md); it never invents any. So a run that differs from ours is
    // repeated (up to 3 runs) and the case passes only if one whole run equals ours.
    let out = dir.join("oracle.json");
    let run_oracle = || -> Vec<String> {
        let _ = std::fs::remove_file(&out);
        support::run_pmacct(
            &compat_tests::oracle::path("nfacctd"),
            &format!(
                "plugins: print[o]\naggregate[o]: src_host, dst_host, in_iface, out_iface, timestamp_start, timestamp_end, src_port, dst_port, proto, tos, tcpflags\nprint_output[o]: json\nprint_history[o]: 1m\nprint_history_roundoff[o]: m\nprint_output_file[o]: {}\npcap_savefile: {}\n",
                out.display(),
                sent.display()
            ),
            &dir,
        );
        std::fs::read_to_string(&out)
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    };
    let expected = run_oracle();
    assert!(!expected.is_empty());

    // The topic may hold other writers' records (earlier runs: the broker keeps them, and
    // tansu's high watermark is not always past them): ours are those with our writer_id.
    let writer = format!("\"writer_id\": \"default_kafka/{pid}\"}}");
    let ours = |m: &kafka_support::Msg| m.text().ends_with(&writer);
    let want = sums(&expected);
    let texts = |m: &[kafka_support::Msg]| -> Vec<String> {
        m.iter()
            .filter(|x| ours(x))
            .map(|x| x.text().to_string())
            .collect()
    };
    // Done when the sums match (one flow's counters may span several messages).
    let msgs = kafka_support::consume_until(bs, TOPIC, &start, Duration::from_secs(20), |m| {
        sums(&texts(m)) == want
    });
    let got = texts(&msgs);
    let mut want = want;
    for _ in 1..3 {
        if sums(&got) == want {
            break;
        }
        let again = run_oracle();
        eprintln!(
            "{}: pmacct 1.7.7's run gave {} aggregates, ours {}: oracle run again ({} records)",
            case.name,
            want.len(),
            sums(&got).len(),
            again.len()
        );
        want = sums(&again);
    }
    assert_eq!(
        sums(&got),
        want,
        "{}: topic records differ from pmacct's ({datagrams} datagrams)\n{ours_log}",
        case.name
    );
    eprintln!(
        "{}: {datagrams} datagrams, {} messages of ours on '{TOPIC}', {} pmacct records: equal",
        case.name,
        got.len(),
        expected.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// One test, cases in sequence: they share the file's port and topic.
#[test]
fn tutorial_stack_real_exporters_to_topic_netflow_equals_pmacct() {
    let bs = kafka_support::bootstrap();
    kafka_support::create_topics(&bs, &[TOPIC], 1);
    for case in [
        Case {
            name: "softflowd-v9",
            exporter: Exporter::Softflowd("9"),
            seed: 11,
            daemonize: false,
        },
        Case {
            name: "nfprobe-ipfix",
            exporter: Exporter::Nfprobe("10"),
            seed: 12,
            daemonize: false,
        },
        Case {
            name: "softflowd-v9-daemonize",
            exporter: Exporter::Softflowd("9"),
            seed: 13,
            daemonize: true,
        },
    ] {
        run_case(&case, &bs);
    }
}
