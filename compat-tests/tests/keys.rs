//! Keys real configs carry (issue 14 items 5 and 6), each against Debian's pmacct 1.7.7 on
//! the same config and savefile: files_umask/files_uid/files_gid, post_tag, use_ip_next_hop
//! (nfacctd), nfacctd_/sfacctd_disable_checks, plugin_pipe_size/plugin_buffer_size/
//! plugin_pipe_zmq, pcap_savefile with <daemon>_ip/_port, print_preprocess(_type) and
//! print_trigger_exec. Configs in the style of the public ones (puppet templates, docker
//! stacks).
//! Run: `cargo test -p pmacct-bin --test compat_keys`.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;

fn corpus(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../compat-tests")
        .join(rel)
        .canonicalize()
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

fn ours(daemon: &str) -> &'static str {
    match daemon {
        "nfacctd" => env!("CARGO_BIN_EXE_nfacctd"),
        "sfacctd" => env!("CARGO_BIN_EXE_sfacctd"),
        _ => env!("CARGO_BIN_EXE_pmacctd"),
    }
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("compat-keys-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

struct Run {
    rc: i32,
    stderr: String,
    /// Output records (JSON or CSV lines on stdout), sorted.
    records: Vec<String>,
}

fn run(bin: &str, conf: &Path) -> Run {
    let o = Command::new(bin)
        .arg("-f")
        .arg(conf)
        .env("TZ", "UTC")
        .output()
        .unwrap_or_else(|e| panic!("{bin}: {e}"));
    let mut records: Vec<String> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    records.sort();
    Run {
        rc: o.status.code().unwrap_or(-1),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        records,
    }
}

/// Both daemons on `text`. Under a loaded machine 1.7.7 is not deterministic on these
/// savefiles: it loses end-of-file records, and it was seen (twice, in CI-like parallel runs,
/// never alone) to print its whole cache twice or to count a few packets of some records
/// twice. So 1.7.7 runs up to 4 times and the first run whose records equal ours is taken
/// (else the last, and the comparison fails). Ours must not vary: it runs twice and both
/// runs must print the same records.
/// Values a run takes from the wall clock (stitching without flow times, pro-rating's
/// bins near now) are masked as the callers mask them ([`now_masked`]): two runs may
/// straddle a second.
fn both(daemon: &str, dir: &Path, text: &str) -> (Run, Run) {
    let conf = dir.join(format!("{daemon}.conf"));
    std::fs::write(&conf, text).unwrap();
    let t0 = unix_now();
    let us = run(ours(daemon), &conf);
    let again = run(ours(daemon), &conf);
    assert_eq!(
        now_masked(&us.records, t0, unix_now()),
        now_masked(&again.records, t0, unix_now()),
        "{daemon}: ours printed different records on two runs of\n{text}"
    );
    let theirs = compat_tests::oracle::run_until(
        4,
        || run(&compat_tests::oracle::path(daemon), &conf),
        |t| {
            let t1 = unix_now();
            now_masked(&t.records, t0, t1) == now_masked(&us.records, t0, t1)
        },
    );
    (theirs, us)
}

fn lines_with<'a>(text: &'a str, needle: &str) -> Vec<&'a str> {
    text.lines().filter(|l| l.contains(needle)).collect()
}

/// Mode and owner of every file under `dir`, by name relative to it.
fn tree(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            let md = std::fs::symlink_metadata(&p).unwrap();
            let name = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            out.push(format!(
                "{name} {:o} {}:{}",
                md.mode() & 0o7777,
                md.uid(),
                md.gid()
            ));
            if md.is_dir() {
                stack.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn files_umask_uid_gid_as_1_7_7() {
    let uid = Command::new("id").arg("-u").output().unwrap().stdout;
    assert_eq!(
        String::from_utf8_lossy(&uid).trim(),
        "0",
        "files_uid/files_gid need root (CI runs as root)"
    );
    let pcap = corpus("corpus/traffic-reproducer/ipfix-traffic.pcap");
    for extra in [
        "",
        "files_umask: 077",
        "files_umask: 027",
        "files_umask: 002",
        "files_uid: nobody\nfiles_gid: 65534",
        "files_uid: 65534\nfiles_gid: nogroup",
    ] {
        let mut trees = Vec::new();
        for bin in [
            compat_tests::oracle::path("nfacctd"),
            ours("nfacctd").into(),
        ] {
            let dir = tmpdir("files");
            let out = dir.join("out");
            let conf = dir.join("nfacctd.conf");
            std::fs::write(
                &conf,
                format!(
                    "! managed by puppet\nplugins: print[out]\naggregate[out]: src_host, dst_host\n\
                     print_output[out]: json\nprint_output_file[out]: {o}/flows/%Y%m%d/nf.json\n\
                     print_latest_file[out]: {o}/latest\nprint_refresh_time[out]: 86400\nlogfile: {o}/nfacctd.log\n{extra}\n\
                     pcap_savefile: {pcap}\n",
                    o = out.display()
                ),
            )
            .unwrap();
            // An inherited umask that is not pmacct's: the daemon sets its own.
            let o = Command::new("sh")
                .arg("-c")
                .arg(format!("umask 022; exec {bin} -f {}", conf.display()))
                .env("TZ", "UTC")
                .output()
                .unwrap();
            assert_eq!(o.status.code(), Some(0), "{bin} [{extra}]");
            let t = tree(&out);
            assert!(
                t.iter()
                    .any(|l| l.starts_with("flows/") && l.contains("nf.json")),
                "{bin} [{extra}] wrote no output file: {t:?}"
            );
            trees.push(t);
        }
        assert_eq!(trees[1], trees[0], "[{extra}] ours vs 1.7.7");
    }
}

#[test]
fn pcap_savefile_with_collector_address_is_refused_as_1_7_7() {
    let dir = tmpdir("capture-methods");
    for (daemon, pcap, extra) in [
        (
            "nfacctd",
            "corpus/traffic-reproducer/ipfix-traffic.pcap",
            "nfacctd_ip: 127.0.0.1",
        ),
        (
            "nfacctd",
            "corpus/traffic-reproducer/ipfix-traffic.pcap",
            "nfacctd_port: 42055",
        ),
        (
            "sfacctd",
            "inputs/sflow/sfprobe-s1.pcap",
            "sfacctd_ip: 127.0.0.1",
        ),
        (
            "sfacctd",
            "inputs/sflow/sfprobe-s1.pcap",
            "sfacctd_port: 6343",
        ),
    ] {
        let text = format!(
            "daemonize: false\nplugins: print\naggregate: src_host\nprint_output: json\n{extra}\n\
             pcap_savefile: {}\n",
            corpus(pcap)
        );
        let (theirs, us) = both(daemon, &dir, &text);
        assert_eq!(theirs.rc, 1, "{daemon} [{extra}]: {}", theirs.stderr);
        assert_eq!(us.rc, theirs.rc, "{daemon} [{extra}]: {}", us.stderr);
        let theirs_err = lines_with(&theirs.stderr, "mutual exclusive");
        assert_eq!(theirs_err.len(), 1, "{}", theirs.stderr);
        // Ours also names the keys to choose from, in the config-reading line before.
        assert_eq!(
            lines_with(&us.stderr, "ERROR ( default/core ): pcap_savefile"),
            theirs_err
        );
        assert!(us.records.is_empty() && theirs.records.is_empty());
    }
}

#[test]
fn post_tag_as_1_7_7() {
    let dir = tmpdir("post-tag");
    let pcap = corpus("corpus/traffic-reproducer/nfv9-traffic.pcap");
    let text = format!(
        "! docker-compose nfacctd.conf\nplugins: print[tagged], print[plain]\n\
         aggregate[tagged]: tag, tag2, src_host, dst_host\npost_tag[tagged]: 42\n\
         post_tag2[tagged]: 7\naggregate[plain]: tag, src_host\nprint_output: csv\n\
         pcap_savefile: {pcap}\n"
    );
    let (theirs, us) = both("nfacctd", &dir, &text);
    assert_eq!(us.rc, 0, "{}", us.stderr);
    assert!(
        theirs
            .records
            .iter()
            .filter(|l| l.starts_with("42,7,"))
            .count()
            >= 5,
        "1.7.7: {:?}",
        theirs.records
    );
    assert!(theirs.records.iter().any(|l| l.starts_with("0,")));
    assert_eq!(us.records, theirs.records);
    assert!(!us.stderr.contains("not supported yet"), "{}", us.stderr);
}

/// A plugin without `aggregate` (seen in public configs, an SQL plugin's commented out):
/// 1.7.7's core warns `defaulting to SRC HOST aggregation.` for it, not for a plugin that
/// has one, and the plugin aggregates src_host.
#[test]
fn no_aggregate_defaults_to_src_host_as_1_7_7() {
    let dir = tmpdir("no-aggregate");
    let pcap = corpus("corpus/traffic-reproducer/nfv9-traffic.pcap");
    let text = format!(
        "plugins: print[bare], print[set]\naggregate[set]: proto\nprint_output: csv\n\
         pcap_savefile: {pcap}\n"
    );
    let (theirs, us) = both("nfacctd", &dir, &text);
    assert_eq!(us.rc, 0, "{}", us.stderr);
    let warn = "defaulting to SRC HOST aggregation.";
    assert_eq!(
        lines_with(&theirs.stderr, warn),
        ["WARN ( bare/print ): defaulting to SRC HOST aggregation."],
        "1.7.7: {}",
        theirs.stderr
    );
    assert_eq!(
        lines_with(&us.stderr, warn),
        lines_with(&theirs.stderr, warn)
    );
    assert!(theirs.records.len() > 5, "1.7.7: {:?}", theirs.records);
    assert_eq!(us.records, theirs.records);
}

/// `nfacctd_proc_name` (like each daemon's `*_proc_name`) is 1.7.7's `proc_name`: the
/// writer's name in BGP/BMP `writer_id` (compat_bmp_bus), not the core's name in log lines,
/// which only `core_proc_name` sets.
#[test]
fn daemon_proc_name_leaves_the_log_name_as_1_7_7() {
    let dir = tmpdir("proc-name");
    let pcap = corpus("corpus/traffic-reproducer/nfv9-traffic.pcap");
    for (keys, name) in [
        ("nfacctd_proc_name: collector1\n", "default"),
        ("core_proc_name: c2\nnfacctd_proc_name: collector1\n", "c2"),
    ] {
        let text = format!(
            "{keys}plugins: print\naggregate: proto\nprint_output: csv\npcap_savefile: {pcap}\n"
        );
        let (theirs, us) = both("nfacctd", &dir, &text);
        assert_eq!(us.rc, 0, "{}", us.stderr);
        let core = |e: &str| -> Vec<String> {
            e.lines()
                .filter_map(|l| l.split_once("/core ): ").map(|(p, _)| p.to_string()))
                .collect()
        };
        let want = format!("INFO ( {name}");
        assert!(
            !core(&theirs.stderr).is_empty() && core(&theirs.stderr).iter().all(|p| *p == want),
            "1.7.7 with {keys}: {}",
            theirs.stderr
        );
        assert!(
            core(&us.stderr).iter().all(|p| *p == want) && !core(&us.stderr).is_empty(),
            "ours with {keys}: {}",
            us.stderr
        );
        assert!(!us.stderr.contains("not supported"), "{}", us.stderr);
        assert!(theirs.records.len() > 1, "1.7.7: {:?}", theirs.records);
        assert_eq!(us.records, theirs.records);
    }
}

/// `proc_priority`: the core and every plugin set their nice value and log it, a plugin's
/// own (`proc_priority[name]`) over the global one, as 1.7.7's processes do; ours sets it
/// per thread (Linux keeps nice per thread), checked on the live threads.
#[test]
fn proc_priority_as_1_7_7() {
    let dir = tmpdir("proc-priority");
    let pcap = corpus("corpus/traffic-reproducer/nfv9-traffic.pcap");
    let text = format!(
        "proc_priority: 3\nproc_priority[b]: 6\nplugins: print[a], print[b]\naggregate: proto\n\
         print_output: csv\npcap_savefile: {pcap}\n"
    );
    let (theirs, us) = both("nfacctd", &dir, &text);
    assert_eq!(us.rc, 0, "{}", us.stderr);
    let set = |e: &str| -> Vec<String> {
        let mut v: Vec<String> = lines_with(e, "proc_priority")
            .iter()
            .map(|l| l.to_string())
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        set(&theirs.stderr),
        [
            "INFO ( a/print ): proc_priority set to 3",
            "INFO ( b/print ): proc_priority set to 6",
            "INFO ( default/core ): proc_priority set to 3",
        ],
        "1.7.7: {}",
        theirs.stderr
    );
    assert_eq!(set(&us.stderr), set(&theirs.stderr));
    assert!(theirs.records.len() > 1, "1.7.7: {:?}", theirs.records);
    assert_eq!(us.records, theirs.records);
    // The nice value of ours' threads while it waits at the end of the savefile.
    let conf = dir.join("wait.conf");
    std::fs::write(&conf, format!("{text}pcap_savefile_wait: true\n")).unwrap();
    let mut child = Command::new(ours("nfacctd"))
        .arg("-f")
        .arg(&conf)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let task = PathBuf::from(format!("/proc/{}/task", child.id()));
    let nice_of = |comm: &str| -> Option<i64> {
        std::fs::read_dir(&task).ok()?.flatten().find_map(|t| {
            let c = std::fs::read_to_string(t.path().join("comm")).ok()?;
            if c.trim() != comm {
                return None;
            }
            let stat = std::fs::read_to_string(t.path().join("stat")).ok()?;
            // Field 19 (nice), counted after the parenthesised command name.
            stat.rsplit_once(") ")?.1.split(' ').nth(16)?.parse().ok()
        })
    };
    let t0 = std::time::Instant::now();
    let mut seen = (None, None);
    while t0.elapsed() < std::time::Duration::from_secs(10) {
        seen = (nice_of("print:a"), nice_of("print:b"));
        if seen.0.is_some() && seen.1.is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(
        seen,
        (Some(3), Some(6)),
        "nice of the plugin threads a and b"
    );
}

/// One NetFlow v5 datagram in a pcap: two flows, one with an IP next hop.
fn v5_pcap(path: &Path) {
    let uptime = 100_000u32;
    v5_pcap_of(
        path,
        uptime,
        &[
            V5Flow {
                src: [10, 0, 0, 1],
                dst: [192, 0, 2, 1],
                next_hop: [198, 51, 100, 254],
                packets: 10,
                octets: 1500,
                first: uptime - 5000,
                last: uptime - 1000,
            },
            V5Flow {
                src: [10, 0, 0, 2],
                dst: [192, 0, 2, 2],
                next_hop: [0, 0, 0, 0],
                packets: 10,
                octets: 1500,
                first: uptime - 5000,
                last: uptime - 1000,
            },
        ],
    );
}

/// A NetFlow v5 flow of [`v5_pcap_of`] (times in ms of the exporter's uptime).
struct V5Flow {
    src: [u8; 4],
    dst: [u8; 4],
    next_hop: [u8; 4],
    packets: u32,
    octets: u32,
    first: u32,
    last: u32,
}

/// One NetFlow v5 datagram (export time 1_700_000_000, `uptime` ms) in a pcap.
fn v5_pcap_of(path: &Path, uptime: u32, flows: &[V5Flow]) {
    let mut nf = Vec::new();
    let (count, secs) = (flows.len() as u16, 1_700_000_000u32);
    nf.extend_from_slice(&5u16.to_be_bytes());
    nf.extend_from_slice(&count.to_be_bytes());
    nf.extend_from_slice(&uptime.to_be_bytes());
    nf.extend_from_slice(&secs.to_be_bytes());
    nf.extend_from_slice(&0u32.to_be_bytes()); // nsecs
    nf.extend_from_slice(&1000u32.to_be_bytes()); // flow_sequence
    nf.extend_from_slice(&[0, 0, 0, 0]); // engine type/id, sampling
    for f in flows {
        nf.extend_from_slice(&f.src);
        nf.extend_from_slice(&f.dst);
        nf.extend_from_slice(&f.next_hop);
        nf.extend_from_slice(&[0, 1, 0, 2]); // input, output
        nf.extend_from_slice(&f.packets.to_be_bytes());
        nf.extend_from_slice(&f.octets.to_be_bytes());
        nf.extend_from_slice(&f.first.to_be_bytes());
        nf.extend_from_slice(&f.last.to_be_bytes());
        nf.extend_from_slice(&[0x30, 0x39, 0, 80, 0, 0x18, 6, 0]); // ports, pad, flags, proto, tos
        nf.extend_from_slice(&[0, 0, 0, 0, 24, 24, 0, 0]); // src/dst as, masks, pad
    }
    let udp_len = 8 + nf.len();
    let ip_len = 20 + udp_len;
    let mut frame = vec![0u8; 12];
    frame.extend_from_slice(&[0x08, 0x00]);
    let mut ip = vec![
        0x45,
        0,
        (ip_len >> 8) as u8,
        ip_len as u8,
        0,
        0,
        0,
        0,
        64,
        17,
        0,
        0,
    ];
    ip.extend_from_slice(&[192, 0, 2, 100, 127, 0, 0, 1]);
    let sum = ip
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], c[1]])))
        .sum::<u32>();
    let sum = !(((sum & 0xffff) + (sum >> 16)) as u16);
    ip[10..12].copy_from_slice(&sum.to_be_bytes());
    frame.extend_from_slice(&ip);
    frame.extend_from_slice(&40000u16.to_be_bytes());
    frame.extend_from_slice(&2100u16.to_be_bytes());
    frame.extend_from_slice(&(udp_len as u16).to_be_bytes());
    frame.extend_from_slice(&[0, 0]);
    frame.extend_from_slice(&nf);
    let mut file = Vec::new();
    for v in [0xa1b2_c3d4u32, 0x0004_0002, 0, 0, 65535, 1] {
        file.extend_from_slice(&v.to_le_bytes());
    }
    for v in [secs, 0, frame.len() as u32, frame.len() as u32] {
        file.extend_from_slice(&v.to_le_bytes());
    }
    file.extend_from_slice(&frame);
    std::fs::write(path, file).unwrap();
}

/// NetFlow v5: 1.7.7 keeps peer_dst_ip empty with `use_ip_next_hop: true` too (a quirk:
/// its handler's v5 branch never shows in the output); ours does the same. v9/IPFIX records
/// with an IP next hop and no BGP one take it (pmacct's handler, not in this corpus).
#[test]
fn use_ip_next_hop_in_nfacctd_as_1_7_7() {
    let dir = tmpdir("next-hop");
    let pcap = dir.join("v5-next-hop.pcap");
    v5_pcap(&pcap);
    for flag in ["true", "false"] {
        let text = format!(
            "plugins: print\naggregate: peer_dst_ip, src_host\nprint_output: csv\n\
             use_ip_next_hop: {flag}\npcap_savefile: {}\n",
            pcap.display()
        );
        let (theirs, us) = both("nfacctd", &dir, &text);
        assert_eq!(us.rc, 0, "{}", us.stderr);
        assert_eq!(
            theirs.records.len(),
            3,
            "header and 2 records: {:?}",
            theirs.records
        );
        assert!(
            theirs.records.iter().any(|l| l.starts_with(",10.0.0.1,")),
            "[{flag}] 1.7.7: {:?}",
            theirs.records
        );
        assert_eq!(us.records, theirs.records, "use_ip_next_hop: {flag}");
        assert!(!us.stderr.contains("not supported yet"), "{}", us.stderr);
    }
    // Both next-hop records of nfv9-traffic (BGP next hops) are unchanged by the key.
    let nfv9 = corpus("corpus/traffic-reproducer/nfv9-traffic.pcap");
    let text = format!(
        "plugins: print\naggregate: peer_dst_ip, src_host\nprint_output: csv\n\
         use_ip_next_hop: true\npcap_savefile: {nfv9}\n"
    );
    let (theirs, us) = both("nfacctd", &dir, &text);
    assert!(
        theirs
            .records
            .iter()
            .filter(|l| l.starts_with("138.187."))
            .count()
            >= 3
    );
    assert_eq!(us.records, theirs.records);
}

#[test]
fn disable_checks_false_logs_sequence_jumps_as_1_7_7() {
    let dir = tmpdir("seq");
    for (daemon, pcap, key, min) in [
        (
            "nfacctd",
            "corpus/traffic-reproducer/ipfix-multi-sources.pcap",
            "nfacctd_disable_checks",
            1000,
        ),
        (
            "nfacctd",
            "corpus/traffic-reproducer/nfv9-traffic.pcap",
            "nfacctd_disable_checks",
            9,
        ),
        (
            "nfacctd",
            "corpus/traffic-reproducer/ipfix-vmware.pcap",
            "nfacctd_disable_checks",
            200,
        ),
        (
            "sfacctd",
            "inputs/sflow/crafted.pcap",
            "sfacctd_disable_checks",
            2,
        ),
    ] {
        for value in ["false", "true"] {
            let text = format!(
                "plugins: print\naggregate: src_host\nprint_output: csv\n{key}: {value}\n\
                 pcap_savefile: {}\n",
                corpus(pcap)
            );
            let (theirs, us) = both(daemon, &dir, &text);
            assert_eq!(us.rc, 0, "{}", us.stderr);
            let t = lines_with(&theirs.stderr, "expecting flow");
            let o = lines_with(&us.stderr, "expecting flow");
            if value == "false" {
                assert!(t.len() >= min, "{pcap}: 1.7.7 logged {} jumps", t.len());
            } else {
                assert!(t.is_empty());
            }
            assert_eq!(o, t, "{pcap} {key}: {value}");
            assert!(!us.records.is_empty());
        }
    }
}

#[test]
fn plugin_pipe_and_zmq_keys_run_as_1_7_7() {
    let dir = tmpdir("pipe");
    let pcap = corpus("corpus/traffic-reproducer/nfv9-traffic.pcap");
    let text = format!(
        "! ansible role template\nplugins: print[a]\naggregate: src_host, dst_host, proto\n\
         print_output: csv\nplugin_pipe_size: 20480000\nplugin_buffer_size: 204800\n\
         plugin_pipe_zmq: false\nplugin_pipe_zmq_retry: 30\npcap_savefile: {pcap}\n"
    );
    let (theirs, us) = both("nfacctd", &dir, &text);
    assert_eq!(us.rc, 0, "{}", us.stderr);
    assert!(theirs.records.len() >= 5, "{:?}", theirs.records);
    assert_eq!(us.records, theirs.records);
    // pmacct's line (it logs it for pipes above its warning size), then our mapping.
    let want = "plugin_pipe_size=20480000 bytes plugin_buffer_size=204800 bytes";
    assert_eq!(
        lines_with(&theirs.stderr, want).len(),
        1,
        "{}",
        theirs.stderr
    );
    let ours_line = lines_with(&us.stderr, want);
    assert_eq!(ours_line.len(), 1, "{}", us.stderr);
    // The queue holds plugin_pipe_size / 100 records, in batches of the size this machine's
    // cache gives (2048 to 8192 records).
    let queue = ours_line[0]
        .split("pmacct-rs queue: ")
        .nth(1)
        .and_then(|t| {
            let mut w = t.split_whitespace();
            let batches: usize = w.next()?.parse().ok()?;
            let records: usize = w.nth(4)?.parse().ok()?;
            Some((batches, records))
        });
    assert!(
        matches!(queue, Some((b, r)) if (2048..=8192).contains(&r) && b == 204_800 / r),
        "{}",
        ours_line[0]
    );
    // plugin_pipe_zmq*: one INFO line each, no "not supported" warning.
    assert!(!us.stderr.contains("not supported yet"), "{}", us.stderr);
    assert_eq!(
        lines_with(&us.stderr, "'plugin_pipe_zmq_retry' accepted").len(),
        1
    );
}

/// `print_history: 10s` with `print_history_roundoff` (pmacct-test-automation's configs have
/// `kafka_history: 10s` so): 1.7.7 warns `Ignoring invalid time value: 10 (residual secs
/// afters conversion in mins)` at WARN, leaves history off and ignores the roundoff.
#[test]
fn history_under_a_minute_with_roundoff_runs_as_1_7_7() {
    let dir = tmpdir("history-10s");
    let pcap = corpus("corpus/traffic-reproducer/nfv9-traffic.pcap");
    let text = format!(
        "plugins: print[p]\naggregate: src_host, proto\nprint_output: csv\n\
         print_history: 10s\nprint_history_roundoff: m\npcap_savefile: {pcap}\n"
    );
    let (theirs, us) = both("nfacctd", &dir, &text);
    assert_eq!(us.rc, theirs.rc, "{}", us.stderr);
    let warn = "Ignoring invalid time value: 10 (residual secs afters conversion in mins)";
    assert_eq!(
        lines_with(&theirs.stderr, warn).len(),
        1,
        "1.7.7: {}",
        theirs.stderr
    );
    let ours_warn = lines_with(&us.stderr, warn);
    assert_eq!(ours_warn.len(), 1, "{}", us.stderr);
    assert!(ours_warn[0].starts_with("WARN: ["), "{}", us.stderr);
    assert!(theirs.records.len() > 5, "1.7.7: {:?}", theirs.records);
    assert_eq!(us.records, theirs.records);
}

/// `syslog` set to something that is not a facility (`syslog: stdout` in a public config;
/// names are compared exactly, so `Daemon` is not one either): 1.7.7's core prints a WARN on
/// stdout, logs `Start logging ...` and carries on logging to stderr.
#[test]
fn unknown_syslog_facility_logs_to_stderr_as_1_7_7() {
    let dir = tmpdir("syslog");
    let pcap = corpus("corpus/traffic-reproducer/ipfix-traffic.pcap");
    let warn = "WARN ( default/core ): specified syslog facility is not supported. \
                Logging to standard error (stderr).";
    for fac in ["stdout", "Daemon"] {
        let conf = dir.join("nfacctd.conf");
        std::fs::write(
            &conf,
            format!(
                "syslog: {fac}\nplugins: print[p]\naggregate: src_host\nprint_output: json\n\
                 print_output_file: {}/out.json\npcap_savefile: {pcap}\n",
                dir.display()
            ),
        )
        .unwrap();
        let theirs = run(&compat_tests::oracle::path("nfacctd"), &conf);
        let us = run(ours("nfacctd"), &conf);
        assert_eq!(us.rc, theirs.rc, "[{fac}] {}", us.stderr);
        // 1.7.7 printf()s it before forking its plugins, so it reaches a pipe once per
        // process that flushes the inherited buffer: compare the distinct lines.
        let mut t = theirs.records.clone();
        t.dedup();
        assert_eq!(t, [warn], "[{fac}] 1.7.7 stdout");
        assert_eq!(us.records, [warn], "[{fac}] ours stdout");
        for (who, r) in [("1.7.7", &theirs), ("ours", &us)] {
            assert_eq!(
                r.stderr.lines().next(),
                Some("INFO ( default/core ): Start logging ..."),
                "[{fac}] {who}: {}",
                r.stderr
            );
            assert_eq!(
                lines_with(
                    &r.stderr,
                    "INFO ( default/core ): Reading configuration file"
                )
                .len(),
                1,
                "[{fac}] {who}: {}",
                r.stderr
            );
        }
    }
}

/// A `kafka_config_file` that does not exist (a public config's path on another host):
/// 1.7.7's kafka plugin warns twice and runs without it. No broker here: both give up on
/// delivery at exit, which is not compared.
#[test]
fn missing_kafka_config_file_warns_as_1_7_7() {
    let dir = tmpdir("kafka-config-file");
    let pcap = corpus("corpus/traffic-reproducer/ipfix-traffic.pcap");
    let conf = dir.join("nfacctd.conf");
    std::fs::write(
        &conf,
        format!(
            "plugins: kafka[k]\naggregate: src_host\nkafka_topic: t\n\
             kafka_broker_host: 127.0.0.1\nkafka_broker_port: 9\n\
             kafka_config_file: /nonexistent/librdkafka.conf\npcap_savefile: {pcap}\n"
        ),
    )
    .unwrap();
    let theirs = run(&compat_tests::oracle::path("nfacctd"), &conf);
    let us = run(ours("nfacctd"), &conf);
    assert_eq!(us.rc, theirs.rc, "{}", us.stderr);
    let warn = "file not found. librdkafka";
    let pair = [
        "WARN ( k/kafka ): [/nonexistent/librdkafka.conf] file not found. librdkafka global config not loaded.",
        "WARN ( k/kafka ): [/nonexistent/librdkafka.conf] file not found. librdkafka topic configuration not loaded.",
    ];
    // 1.7.7 warns in each purge process (each builds its own producer): once per purge,
    // and a run that crosses a minute boundary purges there too. Ours keeps one producer
    // and warns once, when it builds it (docs/COMPATIBILITY.md).
    let purges = lines_with(&theirs.stderr, "*** Purging cache - START").len();
    assert!(purges >= 1, "1.7.7 did not purge: {}", theirs.stderr);
    assert_eq!(
        lines_with(&theirs.stderr, warn),
        pair.repeat(purges),
        "1.7.7: {}",
        theirs.stderr
    );
    assert_eq!(lines_with(&us.stderr, warn), pair, "{}", us.stderr);
    assert!(
        us.stderr.contains("*** Purging cache - END"),
        "{}",
        us.stderr
    );
}

/// A `sql_table_schema` that does not exist: 1.7.7 starts, logs `[file] file does not
/// exist.` (an ERROR) at the purge that writes, and writes into the table that is there.
#[test]
fn missing_sql_table_schema_as_1_7_7() {
    let dir = tmpdir("sql-table-schema");
    let pcap = corpus("corpus/traffic-reproducer/ipfix-traffic.pcap");
    let script = corpus("sql/debian-1.7.7/pmacct-create-table_v1.sqlite3");
    let db = dir.join("acct.db");
    let conf = dir.join("nfacctd.conf");
    std::fs::write(
        &conf,
        format!(
            "plugins: sqlite3[s]\naggregate: src_host\nsql_db: {}\n\
             sql_table_schema: /nonexistent/acct.sql\npcap_savefile: {pcap}\n",
            db.display()
        ),
    )
    .unwrap();
    let run_on_fresh_db = |bin: &str| {
        let _ = std::fs::remove_file(&db);
        let st = Command::new("sh")
            .arg("-c")
            .arg(format!("sqlite3 '{}' < '{script}'", db.display()))
            .status()
            .unwrap();
        assert!(st.success(), "sqlite3 CLI");
        let r = run(bin, &conf);
        let rows = Command::new("sqlite3")
            .arg(&db)
            .arg("SELECT ip_src, packets, bytes FROM acct ORDER BY ip_src")
            .output()
            .unwrap();
        (r, String::from_utf8_lossy(&rows.stdout).into_owned())
    };
    let us = run_on_fresh_db(ours("nfacctd"));
    let theirs = compat_tests::oracle::run_until(
        4,
        || run_on_fresh_db(&compat_tests::oracle::path("nfacctd")),
        |t| t.1 == us.1,
    );
    assert_eq!(us.0.rc, theirs.0.rc, "{}", us.0.stderr);
    let err = "ERROR ( s/sqlite3 ): [/nonexistent/acct.sql] file does not exist.";
    assert_eq!(
        lines_with(&theirs.0.stderr, "file does not exist"),
        [err],
        "1.7.7: {}",
        theirs.0.stderr
    );
    assert_eq!(
        lines_with(&us.0.stderr, "file does not exist"),
        [err],
        "{}",
        us.0.stderr
    );
    assert!(theirs.1.lines().count() > 5, "1.7.7 rows: {}", theirs.1);
    assert_eq!(us.1, theirs.1);
}

#[test]
fn check_config_exit_codes_and_summary() {
    let dir = tmpdir("check");
    let check = |text: &str| {
        let conf = dir.join("c.conf");
        std::fs::write(&conf, text).unwrap();
        let o = Command::new(ours("nfacctd"))
            .arg("-f")
            .arg(&conf)
            .arg("--check-config")
            .output()
            .unwrap();
        (
            o.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&o.stdout).into_owned(),
        )
    };
    let (rc, out) = check("plugins: print\naggregate: src_host\nprint_output: json\n");
    assert_eq!((rc, out.trim()), (0, "configuration OK"));
    // Warnings only: a Globalized key and trailing text.
    let (rc, out) =
        check("plugins: print[p]\naggregate: src_host\nnfacctd_port[p]: 2100 ! netflow\n");
    assert_eq!(rc, 2, "{out}");
    assert!(
        out.contains("configuration has 0 error(s), 2 warning(s)"),
        "{out}"
    );
    // Errors: a typo of a known key, a value the daemon would replace, a refused key.
    let (rc, out) = check(
        "plugins: print\naggregate: src_host\nprint_outptu: json\nprint_output: jsonx\n\
         isis_daemon: true\n",
    );
    assert_eq!(rc, 1, "{out}");
    assert!(out.contains("Did you mean 'print_output'?"), "{out}");
    assert!(out.contains("'isis_daemon: true' is refused"), "{out}");
    assert!(
        out.contains("configuration has 3 error(s), 0 warning(s)"),
        "{out}"
    );
    // Did-you-mean stays in the plugin family in scope.
    let (_, out) = check("plugins: print\naggregate: src_host\nprint_time_roundoff: m\n");
    assert!(!out.contains("mongo_time_roundoff"), "{out}");
    // One line per problem, then the summary.
    assert_eq!(out.lines().count(), 2, "{out}");
}

/// A plugin without `aggregate`: the daemon starts with 1.7.7's core warning
/// `defaulting to SRC HOST aggregation.` (see no_aggregate_defaults_to_src_host_as_1_7_7),
/// so --check-config reports that same line as a warning (1.7.7 has no such mode).
#[test]
fn check_config_warns_default_aggregation() {
    let dir = tmpdir("check-aggregate");
    let conf = dir.join("c.conf");
    std::fs::write(
        &conf,
        "plugins: print[bare], print[set]\naggregate[set]: proto\n",
    )
    .unwrap();
    let o = Command::new(ours("nfacctd"))
        .arg("-f")
        .arg(&conf)
        .arg("--check-config")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [
            "WARN ( bare/print ): defaulting to SRC HOST aggregation.",
            "configuration has 0 error(s), 1 warning(s): it runs as written"
        ]
    );
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Records with every epoch time inside `[t0, t1]` (the runs' wall clock: pmacct's `now`
/// for a flow without a start or an end, `stamp_updated`) replaced by `NOW`, sorted.
fn now_masked(records: &[String], t0: u64, t1: u64) -> Vec<String> {
    let mut out: Vec<String> = records
        .iter()
        .map(|r| {
            let b = r.as_bytes();
            let mut s = String::with_capacity(r.len());
            let mut i = 0;
            while i < b.len() {
                let run = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
                let boundary = i == 0 || !b[i - 1].is_ascii_digit();
                if run == 10 && boundary {
                    let v: u64 = r[i..i + 10].parse().unwrap();
                    if (t0..=t1).contains(&v) {
                        s.push_str("NOW");
                        i += 10;
                        if r[i..].starts_with(".000000") {
                            i += 7;
                        }
                        continue;
                    }
                }
                let n = run.max(1);
                s.push_str(&r[i..i + n]);
                i += n;
            }
            s
        })
        .collect();
    out.sort();
    out
}

/// Equal record lists, else the first records only one side has.
fn assert_same(theirs: &[String], ours: &[String], what: &str) {
    if theirs == ours {
        return;
    }
    let only = |a: &[String], b: &[String]| -> Vec<String> {
        a.iter()
            .filter(|r| !b.contains(r))
            .take(5)
            .cloned()
            .collect()
    };
    panic!(
        "{what}: {} vs {} records\n1.7.7 only: {:#?}\nours only: {:#?}",
        theirs.len(),
        ours.len(),
        only(theirs, ours),
        only(ours, theirs)
    );
}

/// `nfacctd_stitching` (and sfacctd's, pmacctd's): timestamp_min/timestamp_max as 1.7.7
/// in csv, formatted and JSON, on NetFlow v9 (seconds), IPFIX (milliseconds: 1.7.7 moves
/// timestamp_max only when seconds and microseconds both grow), IPFIX records without an
/// end (the plugin's clock), sFlow and packets read from savefiles (no end: the clock).
/// Not ipfix-multi-sources: its uptime-relative IPFIX times differ by design (see
/// COMPATIBILITY.md, Decoding), and stitching shows them.
#[test]
fn stitching_as_1_7_7() {
    let dir = tmpdir("stitching");
    for (daemon, pcap, output, min) in [
        (
            "nfacctd",
            "corpus/traffic-reproducer/nfv9-traffic.pcap",
            "csv",
            12,
        ),
        (
            "nfacctd",
            "corpus/traffic-reproducer/ipfix-traffic.pcap",
            "formatted",
            10,
        ),
        (
            "nfacctd",
            "corpus/pmacct-test-automation/100-IPFIXv10-CISCO/traffic-00.pcap",
            "json",
            10,
        ),
        (
            "nfacctd",
            "corpus/pmacct-test-automation/104-IPFIXv10-IPv6-CISCO-sampling_option/traffic-00.pcap",
            "json",
            3,
        ),
        (
            "nfacctd",
            "corpus/traffic-reproducer/ipfix-vmware.pcap",
            "csv",
            400,
        ),
        ("sfacctd", "inputs/sflow/crafted.pcap", "json", 5),
        ("pmacctd", "inputs/pcap/pm-eth-s11.pcap", "csv", 100),
    ] {
        let epoch = if output == "formatted" {
            "false"
        } else {
            "true"
        };
        let text = format!(
            "! puppet: pmacct/templates/{daemon}.conf.erb\nplugins: print[stitched]\n\
             aggregate[stitched]: src_host, dst_host, proto, timestamp_arrival\n\
             print_output[stitched]: {output}\n{daemon}_stitching: true\n\
             timestamps_since_epoch: {epoch}\npcap_savefile: {}\n",
            corpus(pcap)
        );
        let text = text.replace(", timestamp_arrival", "");
        let t0 = unix_now();
        let (theirs, us) = both(daemon, &dir, &text);
        let t1 = unix_now();
        assert_eq!(us.rc, 0, "{}", us.stderr);
        assert!(!us.stderr.contains("not supported yet"), "{}", us.stderr);
        assert!(
            theirs.records.len() >= min,
            "{pcap}: 1.7.7 gave {} records",
            theirs.records.len()
        );
        let want = if output == "json" {
            "\"timestamp_min\""
        } else {
            "TIMESTAMP_MIN"
        };
        assert!(
            theirs.records.iter().any(|r| r.contains(want)),
            "{pcap}: {:?}",
            &theirs.records[..3]
        );
        assert_same(
            &now_masked(&theirs.records, t0, t1),
            &now_masked(&us.records, t0, t1),
            &format!("{daemon} {pcap} {output}"),
        );
    }
}

/// `nfacctd_pro_rating` with `print_history`: flows spanning several 1-minute bins are
/// accounted in each, counters scaled by the share of the flow in the bin (1.7.7's f32
/// arithmetic, at least 1), on a crafted NetFlow v5 export.
#[test]
fn pro_rating_as_1_7_7() {
    let dir = tmpdir("pro-rating");
    let pcap = dir.join("v5-long-flows.pcap");
    // Export at 1_700_000_000 (22:13:20 UTC), uptime 1000 s: flows of 150 s, 61 s, 3 s
    // (one bin), 600 s (eleven bins) and 45 s across a bin edge.
    let uptime = 1_000_000u32;
    let flow = |n: u8, packets, octets, first: u32, last: u32| V5Flow {
        src: [10, 0, 0, n],
        dst: [192, 0, 2, n],
        next_hop: [0, 0, 0, 0],
        packets,
        octets,
        first: uptime - first * 1000,
        last: uptime - last * 1000,
    };
    v5_pcap_of(
        &pcap,
        uptime,
        &[
            flow(1, 1000, 1_500_000, 160, 10),
            flow(2, 7, 700, 70, 9),
            flow(3, 3, 180, 5, 2),
            flow(4, 123_457, 98_765_431, 700, 100),
            flow(5, 1, 40, 50, 5),
        ],
    );
    for (pro_rating, min) in [("true", 20), ("false", 5)] {
        let text = format!(
            "! docker-compose nfacctd.conf\nplugins: print\naggregate: src_host, dst_host\n\
             print_output: json\nprint_history: 1m\nprint_history_roundoff: m\n\
             timestamps_since_epoch: true\nnfacctd_pro_rating: {pro_rating}\n\
             pcap_savefile: {}\n",
            pcap.display()
        );
        let t0 = unix_now();
        let (theirs, us) = both("nfacctd", &dir, &text);
        let t1 = unix_now();
        assert_eq!(us.rc, 0, "{}", us.stderr);
        assert!(!us.stderr.contains("not supported yet"), "{}", us.stderr);
        assert!(
            theirs.records.len() >= min,
            "pro_rating {pro_rating}: 1.7.7 gave {:?}",
            theirs.records
        );
        assert_same(
            &now_masked(&theirs.records, t0, t1),
            &now_masked(&us.records, t0, t1),
            &format!("nfacctd_pro_rating: {pro_rating}"),
        );
    }
    // Both keys: the plugin refuses to start, as 1.7.7's P_config_checks().
    let text = format!(
        "plugins: print\naggregate: src_host\nprint_output: json\nprint_history: 1m\n\
         nfacctd_pro_rating: true\nnfacctd_stitching: true\npcap_savefile: {}\n",
        pcap.display()
    );
    let (theirs, us) = both("nfacctd", &dir, &text);
    let line = "Pro-rating (ie. nfacctd_pro_rating) and stitching (ie. nfacctd_stitching) are mutual exclusive. Exiting.";
    assert!(theirs.stderr.contains(line), "{}", theirs.stderr);
    assert!(us.stderr.contains(line), "{}", us.stderr);
    assert!(theirs.records.is_empty() && us.records.is_empty());
}

/// A MaxMind DB of test networks, written by Debian's libmaxmind-db-writer-perl (installed
/// by .ci/deps.sh): city-style records (country, postal code, coordinates), one with a
/// country code longer than pmacct keeps, one with a postal code longer than it keeps, one
/// with the postal code only, IPv4 and IPv6.
fn write_geo_db(path: &Path) {
    let script = r#"
use strict; use warnings;
use MaxMind::DB::Writer::Tree;
my %types = (country => 'map', iso_code => 'utf8_string', postal => 'map',
  code => 'utf8_string', location => 'map', latitude => 'double', longitude => 'double');
my $tree = MaxMind::DB::Writer::Tree->new(ip_version => 6, record_size => 28,
  database_type => 'pmacct-rs-Test-City', languages => ['en'],
  description => { en => 'pmacct-rs compat test' },
  map_key_type_callback => sub { $types{ $_[0] } }, remove_reserved_networks => 0);
$tree->insert_network('138.187.56.0/22', { country => { iso_code => 'CH' },
  postal => { code => '8001' }, location => { latitude => 47.3769, longitude => 8.5417 } });
$tree->insert_network('138.187.58.0/24', { country => { iso_code => 'DE' },
  location => { latitude => 52.52, longitude => 13.405 } });
$tree->insert_network('138.190.0.0/16', { postal => { code => 'SW1A 1AA-LONGER-THAN-11' } });
$tree->insert_network('10.0.0.0/8', { country => { iso_code => 'ZZZZ' },
  location => { latitude => -33.8688, longitude => 151.2093 } });
$tree->insert_network('192.0.2.0/24', { country => { iso_code => 'US' },
  postal => { code => '94043' }, location => { latitude => 37.386, longitude => -122.0838 } });
$tree->insert_network('2001:db8::/32', { country => { iso_code => 'NL' },
  postal => { code => '1012' }, location => { latitude => 52.3676, longitude => 4.9041 } });
open my $fh, '>:raw', $ARGV[0] or die "$ARGV[0]: $!";
$tree->write_tree($fh);
close $fh;
"#;
    let o = Command::new("perl")
        .arg("-e")
        .arg(script)
        .arg(path)
        .output()
        .expect("perl");
    assert!(
        o.status.success(),
        "writing the test MaxMind DB needs libmaxmind-db-writer-perl (.ci/deps.sh): {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// `geoipv2_file` with the six GeoIP primitives, against 1.7.7 (built with libmaxminddb) on
/// a database the test writes: csv, formatted and JSON (jansson's `%.17g` reals), IPv4 and
/// IPv6, values cut to pmacct's buffers, addresses the database lacks (empty, 0), and a
/// file that cannot be loaded (1.7.7 warns and prints empty values).
#[test]
fn geoipv2_primitives_as_1_7_7() {
    let dir = tmpdir("geoip");
    let db = dir.join("test-city.mmdb");
    write_geo_db(&db);
    let all = "src_host_country, dst_host_country, src_host_pocode, dst_host_pocode, \
               src_host_coords, dst_host_coords";
    for (daemon, pcap, aggregate, output, min, file) in [
        (
            "nfacctd",
            "corpus/traffic-reproducer/nfv9-traffic.pcap",
            "src_host, dst_host",
            "csv",
            12,
            db.clone(),
        ),
        (
            "nfacctd",
            "corpus/traffic-reproducer/nfv9-traffic.pcap",
            "src_host, dst_host",
            "formatted",
            12,
            db.clone(),
        ),
        (
            "nfacctd",
            "corpus/traffic-reproducer/nfv9-traffic.pcap",
            "src_host, dst_host",
            "json",
            12,
            db.clone(),
        ),
        (
            "nfacctd",
            "corpus/traffic-reproducer/ipfix-multi-sources.pcap",
            "proto",
            "json",
            10,
            db.clone(),
        ),
        (
            "nfacctd",
            "corpus/traffic-reproducer/ipfix-traffic.pcap",
            "src_host",
            "csv",
            10,
            db.clone(),
        ),
        (
            "pmacctd",
            "inputs/pcap/pm-eth-s11.pcap",
            "proto",
            "csv",
            10,
            db.clone(),
        ),
        (
            "nfacctd",
            "corpus/traffic-reproducer/nfv9-traffic.pcap",
            "src_host",
            "json",
            8,
            dir.join("missing.mmdb"),
        ),
    ] {
        let text = format!(
            "! docker-compose: pmacct/nfacctd.conf\nplugins: print[geo]\n\
             aggregate[geo]: {aggregate}, {all}\nprint_output[geo]: {output}\n\
             geoipv2_file: {}\npcap_savefile: {}\n",
            file.display(),
            corpus(pcap)
        );
        let (theirs, us) = both(daemon, &dir, &text);
        assert_eq!(us.rc, 0, "{}", us.stderr);
        assert!(!us.stderr.contains("not supported yet"), "{}", us.stderr);
        assert!(
            theirs.records.len() >= min,
            "{pcap} {output}: 1.7.7 gave {} records",
            theirs.records.len()
        );
        if file == db {
            assert!(
                theirs
                    .records
                    .iter()
                    .any(|r| ["CH", "DE", "NL", "US", "ZZZ"]
                        .iter()
                        .any(|c| r.contains(c))),
                "{pcap}: no lookup in 1.7.7's output: {:?}",
                &theirs.records[..3]
            );
            assert!(us.stderr.contains("geoipv2_file database"), "{}", us.stderr);
        } else {
            assert!(
                theirs.stderr.contains("can't be loaded"),
                "{}",
                theirs.stderr
            );
            assert!(us.stderr.contains("can't be loaded"), "{}", us.stderr);
        }
        assert_same(
            &theirs.records,
            &us.records,
            &format!("{daemon} {pcap} {output} {}", file.display()),
        );
    }
}

/// print_preprocess: 1.7.7's print checks (minp, minf, minb, minbpp, minppf; flows are
/// counted only with `flows` in the aggregate), any/all, and its warnings for the keywords
/// print does not know (maxp, usrf, fsrc... are not refused there).
#[test]
fn print_preprocess_as_1_7_7() {
    let dir = tmpdir("print-preprocess");
    let five = "src_host, dst_host, src_port, dst_port, proto";
    // (daemon, capture, aggregate, print_preprocess, print_preprocess_type, min records)
    let cases = [
        (
            "nfacctd",
            "inputs/nfprobe-v9-s2.pcap",
            five,
            "minp=3",
            "any",
            800,
        ),
        (
            "nfacctd",
            "inputs/nfprobe-v9-s2.pcap",
            five,
            "MINP=3, minb=1000",
            "any",
            850,
        ),
        (
            "nfacctd",
            "inputs/nfprobe-v9-s2.pcap",
            five,
            "minp=3, minb=1000",
            "all",
            650,
        ),
        (
            "nfacctd",
            "inputs/nfprobe-v9-s2.pcap",
            five,
            "minbpp=200",
            "any",
            1300,
        ),
        (
            "nfacctd",
            "inputs/nfprobe-v9-s2.pcap",
            "src_host, dst_host",
            "minp=4, minppf=3",
            "any",
            550,
        ),
        (
            "nfacctd",
            "inputs/nfprobe-v9-s2.pcap",
            "src_host, dst_host, flows",
            "minppf=3, minb=500",
            "all",
            800,
        ),
        (
            "nfacctd",
            "inputs/softflowd-v10-s2.pcap",
            "src_host, dst_host, proto, flows",
            "minppf=2, minf=2",
            "any",
            1100,
        ),
        (
            "nfacctd",
            "inputs/nfprobe-v9-s2.pcap",
            five,
            "minp=3, maxp=100, usrf=3, fsrc=2, qnum=4",
            "any",
            800,
        ),
        (
            "pmacctd",
            "inputs/pcap/pm-eth-s12.pcap",
            five,
            "minp=2, minbpp=100",
            "all",
            280,
        ),
    ];
    for (daemon, pcap, agg, pre, kind, min) in cases {
        let text = format!(
            "! ansible role template\ndaemonize: false\nplugins: print[p]\naggregate[p]: {agg}\n\
             print_output[p]: csv\nprint_preprocess[p]: {pre}\nprint_preprocess_type[p]: {kind}\n\
             pcap_savefile: {}\n",
            corpus(pcap)
        );
        let (theirs, us) = both(daemon, &dir, &text);
        let what = format!("{daemon} {pcap} [{agg}] [{pre}] {kind}");
        assert_eq!(us.rc, 0, "{what}: {}", us.stderr);
        // The header line is not a record.
        assert!(
            theirs.records.len() > min,
            "{what}: 1.7.7 wrote {}",
            theirs.records.len()
        );
        assert_eq!(us.records, theirs.records, "{what}");
        assert_eq!(
            lines_with(&us.stderr, "preprocess:"),
            lines_with(&theirs.stderr, "preprocess:"),
            "{what}"
        );
        assert!(!us.stderr.contains("not supported yet"), "{}", us.stderr);
    }
    // Only keywords print does not know: nothing to check, every record written.
    let text = format!(
        "plugins: print\naggregate: {five}\nprint_output: csv\nprint_preprocess: maxb=10\n\
         pcap_savefile: {}\n",
        corpus("inputs/nfprobe-v9-s2.pcap")
    );
    let (theirs, us) = both("nfacctd", &dir, &text);
    assert!(theirs.records.len() > 1500, "{}", theirs.records.len());
    assert_eq!(us.records, theirs.records);
    let want = lines_with(&theirs.stderr, "preprocess:");
    assert_eq!(want.len(), 2, "{}", theirs.stderr);
    assert_eq!(lines_with(&us.stderr, "preprocess:"), want);
}

/// print_trigger_exec: started once after each purge written (the final one at exit
/// included, the urgent ones when the cache is full not), argv[0] only, the daemon's
/// environment with no variables added; not after a purge that had nothing to write
/// unless print_write_empty_file. A name without '/' is relative to the working directory.
#[test]
fn print_trigger_exec_as_1_7_7() {
    let pcap = corpus("inputs/nfprobe-v9-s2.pcap");
    // (extra config, trigger as written, runs expected)
    let cases = [
        ("", "abs", 1),
        ("", "trig.sh", 1),
        ("print_cache_entries[out]: 100", "abs", 1),
        ("print_preprocess[out]: minp=60000", "abs", 1),
        ("aggregate_filter[out]: port 1", "abs", 0),
        (
            "aggregate_filter[out]: port 1\nprint_write_empty_file[out]: true",
            "abs",
            1,
        ),
    ];
    for (extra, exec, runs) in cases {
        // (runs file, their environments, output lines) of one run of `bin`.
        let run_once = |bin: &str| {
            let dir = tmpdir("print-trigger");
            let script = dir.join("trig.sh");
            // One line per run; the environment of each run in env.<run>.
            std::fs::write(
                &script,
                format!(
                    "#!/bin/sh\ncd {d}\necho \"argc=$# argv0=$(basename \"$0\") args=$*\" >> runs\n\
                     env | sort > env.$(wc -l < runs)\n",
                    d = dir.display()
                ),
            )
            .unwrap();
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
            let exec = if exec == "abs" {
                script.display().to_string()
            } else {
                exec.to_string()
            };
            let conf = dir.join("nfacctd.conf");
            std::fs::write(
                &conf,
                format!(
                    "daemonize: false\nplugins: print[out]\naggregate[out]: src_host, dst_host, proto\n\
                     print_output[out]: csv\nprint_output_file[out]: {o}/out.csv\n\
                     print_trigger_exec[out]: {exec}\nprint_refresh_time[out]: 86400\n{extra}\npcap_savefile: {pcap}\n",
                    o = dir.display()
                ),
            )
            .unwrap();
            let o = Command::new(bin)
                .arg("-f")
                .arg(&conf)
                .current_dir(&dir)
                .env_clear()
                .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
                .env("TZ", "UTC")
                .env("TRIGGER_TEST", "1")
                .output()
                .unwrap();
            assert_eq!(o.status.code(), Some(0), "{bin} [{extra}]");
            // The trigger is not waited for: give the last run time to finish.
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
            while std::time::Instant::now() < deadline {
                let got = std::fs::read_to_string(dir.join("runs")).unwrap_or_default();
                let envs_done = (1..=got.lines().count()).all(|n| {
                    dir.join(format!("env.{n}"))
                        .metadata()
                        .is_ok_and(|m| m.len() > 0)
                });
                if got.lines().count() >= runs && envs_done {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            // Late runs would show here.
            std::thread::sleep(std::time::Duration::from_millis(500));
            let got = std::fs::read_to_string(dir.join("runs")).unwrap_or_default();
            let envs: Vec<String> = (1..=got.lines().count())
                .map(|n| std::fs::read_to_string(dir.join(format!("env.{n}"))).unwrap_or_default())
                .collect();
            let records = std::fs::read_to_string(dir.join("out.csv"))
                .map(|t| t.lines().count())
                .unwrap_or(0);
            (got, envs, records)
        };
        let us = run_once(ours("nfacctd"));
        // 1.7.7 may write its final purge twice under load (see `both`).
        let oracle = compat_tests::oracle::path("nfacctd");
        let theirs = compat_tests::oracle::run_until(4, || run_once(&oracle), |t| *t == us);
        assert_eq!(
            theirs.0.lines().count(),
            runs,
            "1.7.7 [{extra}] {exec}: {:?}",
            theirs.0
        );
        if runs > 0 {
            assert_eq!(theirs.0.lines().next(), Some("argc=0 argv0=trig.sh args="));
            assert!(theirs.1[0].contains("TRIGGER_TEST=1\n"), "{:?}", theirs.1);
        }
        assert_eq!(
            us, theirs,
            "[{extra}] {exec}: (runs, environments, output lines)"
        );
    }
}
