//! pmacctd's nfprobe plugin against pmacct 1.7.7's: both pmacctds export the same generated
//! traffic capture (`pcap_savefile`, compat-tests/gen/gen_traffic.py) to a UDP sink of the
//! test; each export is written as a pcap and decoded by Debian's nfacctd 1.7.7 (print,
//! csv), and ours by our nfacctd too. The records must be equal, but for the differences
//! each case names:
//! - NetFlow v5 `timestamp_start`/`timestamp_end`: v5 carries them as sysUpTime offsets
//!   from the export instant (header seconds, 1 s resolution), so they are left out of the
//!   v5 aggregate; v9/IPFIX carry absolute milliseconds, compared exactly.
//! - Forced expiry (`nfprobe_maxflows`, `maxlife`): 1.7.7 checks its cache when its pipe runs
//!   dry, ours after each batch, so a flow may be cut into records at other packets: those
//!   cases compare per-flow sums (aggregate without timestamps) and assert both cut flows.
//!
//! pmacctd 1.7.7 sometimes exits 1 at the end of a savefile (its core races the nfprobe
//! plugin: "Shutting down on user request" then "no more plugins active"): accepted.

use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

const OURS_PMACCTD: &str = env!("CARGO_BIN_EXE_pmacctd");
const OURS_NFACCTD: &str = env!("CARGO_BIN_EXE_nfacctd");

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pmacct-rs-probes-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// gen_traffic.py SEED FLOWS, written twice (the copy 1000 s later) when `twice`: every
/// flow comes back after all others, so a small cache must have exported it in between.
fn traffic(dir: &Path, seed: u32, flows: u32, twice: bool) -> PathBuf {
    let one = dir.join("one.pcap");
    let st = Command::new("python3")
        .arg(compat_tests::root().join("gen/gen_traffic.py"))
        .args([seed.to_string(), flows.to_string()])
        .arg(&one)
        .stdout(Stdio::null())
        .status()
        .expect("python3");
    assert!(st.success());
    if !twice {
        return one;
    }
    let b = std::fs::read(&one).unwrap();
    let mut out = b.clone();
    let mut off = 24;
    while off + 16 <= b.len() {
        let caplen = u32::from_le_bytes(b[off + 8..off + 12].try_into().unwrap()) as usize;
        let sec = u32::from_le_bytes(b[off..off + 4].try_into().unwrap()) + 1000;
        out.extend_from_slice(&sec.to_le_bytes());
        out.extend_from_slice(&b[off + 4..off + 16 + caplen]);
        off += 16 + caplen;
    }
    let p = dir.join("twice.pcap");
    std::fs::write(&p, out).unwrap();
    p
}

/// Run `pmacctd` on `conf` while a socket on `port` takes the datagrams; returns them.
fn export(pmacctd: &str, conf: &Path, sock: UdpSocket, dir: &Path, tag: &str) -> Vec<Vec<u8>> {
    sock.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let done = Arc::new(AtomicBool::new(false));
    let d2 = done.clone();
    let rx = std::thread::spawn(move || {
        let mut v = Vec::new();
        let mut buf = vec![0u8; 65536];
        let mut idle_after_done = 0;
        loop {
            match sock.recv(&mut buf) {
                Ok(n) => v.push(buf[..n].to_vec()),
                Err(_) if d2.load(Ordering::Relaxed) => {
                    idle_after_done += 1;
                    if idle_after_done > 3 {
                        break;
                    }
                }
                Err(_) => {}
            }
        }
        v
    });
    let log = dir.join(format!("{tag}.log"));
    let st = Command::new(pmacctd)
        .arg("-f")
        .arg(conf)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .status()
        .unwrap();
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    let probe_race = pmacctd != OURS_PMACCTD
        && st.code() == Some(1)
        && text.contains("Shutting down on user request")
        && text.contains("no more plugins active");
    assert!(st.success() || probe_race, "{pmacctd} {st}:\n{text}");
    done.store(true, Ordering::Relaxed);
    rx.join().unwrap()
}

/// The datagrams as a pcap of Ethernet/IPv4/UDP frames to `port` (what nfacctd reads).
fn write_pcap(path: &Path, datagrams: &[Vec<u8>], port: u16) {
    let mut o = Vec::new();
    o.extend_from_slice(&0xa1b2c3d4u32.to_le_bytes());
    o.extend_from_slice(&2u16.to_le_bytes());
    o.extend_from_slice(&4u16.to_le_bytes());
    o.extend_from_slice(&[0; 8]);
    o.extend_from_slice(&65535u32.to_le_bytes());
    o.extend_from_slice(&1u32.to_le_bytes());
    for (i, d) in datagrams.iter().enumerate() {
        let mut fr = vec![0u8; 12];
        fr.extend_from_slice(&[0x08, 0x00]);
        let tot = (20 + 8 + d.len()) as u16;
        fr.extend_from_slice(&[0x45, 0]);
        fr.extend_from_slice(&tot.to_be_bytes());
        fr.extend_from_slice(&[0, 0, 0, 0, 64, 17, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1]);
        fr.extend_from_slice(&40000u16.to_be_bytes());
        fr.extend_from_slice(&port.to_be_bytes());
        fr.extend_from_slice(&((8 + d.len()) as u16).to_be_bytes());
        fr.extend_from_slice(&[0, 0]);
        fr.extend_from_slice(d);
        o.extend_from_slice(&(1_800_000_000u32 + i as u32).to_le_bytes());
        o.extend_from_slice(&0u32.to_le_bytes());
        o.extend_from_slice(&(fr.len() as u32).to_le_bytes());
        o.extend_from_slice(&(fr.len() as u32).to_le_bytes());
        o.extend_from_slice(&fr);
    }
    std::fs::write(path, o).unwrap();
}

/// Records `nfacctd` prints for the exports in `pcap` (csv, header dropped), sorted.
fn decode(nfacctd: &str, pcap: &Path, aggregate: &str, dir: &Path, tag: &str) -> Vec<String> {
    let out = dir.join(format!("{tag}.csv"));
    let conf = dir.join(format!("{tag}.conf"));
    std::fs::write(
        &conf,
        format!(
            "daemonize: false\npcap_savefile: {}\nplugins: print\nprint_output: csv\nprint_output_file: {}\naggregate: {aggregate}\ntimestamps_utc: true\n",
            pcap.display(),
            out.display()
        ),
    )
    .unwrap();
    let st = Command::new(nfacctd)
        .arg("-f")
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(st.success(), "{nfacctd} on {}", pcap.display());
    let mut v: Vec<String> = std::fs::read_to_string(&out)
        .unwrap_or_default()
        .lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    v.sort();
    v
}

struct Case {
    name: &'static str,
    version: u8,
    extra: &'static str,
    seed: u32,
    flows: u32,
    twice: bool,
    /// Records (bidirectional flows are two) the decoded export must hold at least.
    min_records: usize,
}

const FULL: &str = "src_host,dst_host,src_port,dst_port,proto,tos,tcpflags,in_iface,out_iface,timestamp_start,timestamp_end";
const NO_TIME: &str = "src_host,dst_host,src_port,dst_port,proto,tos,tcpflags,in_iface,out_iface";

fn run(case: &Case) {
    let dir = tmpdir(case.name);
    let pcap = traffic(&dir, case.seed, case.flows, case.twice);
    let forced = case.twice;
    let mut decoded = Vec::new();
    for (who, bin) in [
        ("pmacct", compat_tests::oracle::path("pmacctd")),
        ("ours", OURS_PMACCTD.to_string()),
    ] {
        // The sink is bound first, on a port the kernel picks: tests and other test binaries
        // running at once never meet on a fixed port.
        let sock = UdpSocket::bind("127.0.0.1:0").expect("sink port");
        let p = sock.local_addr().unwrap().port();
        let conf = dir.join(format!("{who}-probe.conf"));
        std::fs::write(
            &conf,
            format!(
                "daemonize: false\npcap_savefile: {}\nplugins: nfprobe\nnfprobe_receiver: 127.0.0.1:{p}\nnfprobe_version: {}\n{}",
                pcap.display(),
                case.version,
                case.extra
            ),
        )
        .unwrap();
        let dgrams = export(&bin, &conf, sock, &dir, who);
        assert!(!dgrams.is_empty(), "{who} exported nothing");
        let cap = dir.join(format!("{who}-export.pcap"));
        write_pcap(&cap, &dgrams, p);
        decoded.push((who, cap, dgrams.len()));
    }
    let agg = if case.version == 5 || forced {
        NO_TIME
    } else {
        FULL
    };
    let oracle = compat_tests::oracle::path("nfacctd");
    let pm = decode(&oracle, &decoded[0].1, agg, &dir, "pmacct-by-pmacct");
    let ours = decode(&oracle, &decoded[1].1, agg, &dir, "ours-by-pmacct");
    let ours_by_ours = decode(OURS_NFACCTD, &decoded[1].1, agg, &dir, "ours-by-ours");
    assert!(
        pm.len() >= case.min_records,
        "{}: pmacct {} records < {}",
        case.name,
        pm.len(),
        case.min_records
    );
    if pm != ours {
        let only_pm: Vec<_> = pm.iter().filter(|l| !ours.contains(l)).take(5).collect();
        let only_ours: Vec<_> = ours.iter().filter(|l| !pm.contains(l)).take(5).collect();
        panic!(
            "{}: pmacct {} records, ours {}\nonly pmacct: {only_pm:#?}\nonly ours: {only_ours:#?}",
            case.name,
            pm.len(),
            ours.len()
        );
    }
    assert_eq!(
        ours, ours_by_ours,
        "{}: our nfacctd on our export",
        case.name
    );
    if forced {
        // Both cut flows: more records (with their times) than flows.
        for (who, cap, _) in &decoded {
            let timed = decode(&oracle, cap, FULL, &dir, &format!("{who}-timed"));
            assert!(
                timed.len() > pm.len(),
                "{}: {who} exported {} records for {} flows: no forced expiry",
                case.name,
                timed.len(),
                pm.len()
            );
        }
    }
    eprintln!(
        "{}: {} records equal (datagrams: pmacct {}, ours {})",
        case.name,
        pm.len(),
        decoded[0].2,
        decoded[1].2
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn nfprobe_v5() {
    run(&Case {
        name: "v5",
        version: 5,
        extra: "",
        seed: 3,
        flows: 500,
        twice: false,
        min_records: 300,
    });
}

#[test]
fn nfprobe_v9() {
    run(&Case {
        name: "v9",
        version: 9,
        extra: "",
        seed: 4,
        flows: 500,
        twice: false,
        min_records: 450,
    });
}

#[test]
fn nfprobe_ipfix() {
    run(&Case {
        name: "ipfix",
        version: 10,
        extra: "",
        seed: 5,
        flows: 500,
        twice: false,
        min_records: 450,
    });
}

#[test]
fn nfprobe_v9_maxflows_maxlife_force_expiry() {
    run(
        &Case {
            name: "v9-maxflows",
            version: 9,
            extra: "nfprobe_maxflows: 20\nnfprobe_timeouts: tcp=5:udp=5:icmp=5:general=5:maxlife=1:expint=1\n",
            seed: 6,
            flows: 400,
            twice: true,
            min_records: 350,
        },
    );
}

#[test]
fn nfprobe_ipfix_maxflows_force_expiry() {
    run(&Case {
        name: "ipfix-maxflows",
        version: 10,
        extra: "nfprobe_maxflows: 30\nnfprobe_engine: 7\n",
        seed: 7,
        flows: 400,
        twice: true,
        min_records: 350,
    });
}

#[test]
fn nfprobe_v5_maxflows_force_expiry() {
    run(&Case {
        name: "v5-maxflows",
        version: 5,
        extra: "nfprobe_maxflows: 25\nnfprobe_engine: 3:9\n",
        seed: 8,
        flows: 400,
        twice: true,
        min_records: 250,
    });
}
