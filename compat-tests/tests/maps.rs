//! Differential tests of pre_tag_map, pre_tag_filter/pre_tag2_filter/pre_tag_label_filter and
//! nfacctd_allow_file: Debian's nfacctd 1.7.7 and ours read the same capture with the same
//! config and map; their JSON records (as multisets) and the log lines about the map must be
//! equal. Also the pmacct-test-automation cases 102 (with its SIGUSR2 reload, replayed live)
//! and 103 in 1.7.7-compatible form (compat-tests/automation/102, 103).
//!
//! Run: `cargo test -p pmacct-bin --test compat_maps` (needs Debian's nfacctd, see
//! compat-tests/README.md; `PMACCT_NFACCTD` / `PMACCT_RS_NFACCTD` override the binaries).

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use compat_tests::run::{
    free_port, oracle_binary, oracle_binary_of, ours_binary, ours_binary_of, replay, SFACCTD,
};

fn root() -> PathBuf {
    compat_tests::root()
}

fn ours() -> PathBuf {
    ours_binary(option_env!("CARGO_BIN_EXE_nfacctd")).expect("our nfacctd")
}

fn scratch(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "pmacct-rs-maps-{tag}-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Run `bin -f conf` to completion (savefile mode); returns stderr.
fn run(bin: &Path, conf: &Path) -> (bool, String) {
    let out = Command::new(bin)
        .arg("-f")
        .arg(conf)
        .env("TZ", "UTC")
        .stdin(Stdio::null())
        .output()
        .expect("spawn");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn records(path: &Path) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for l in std::fs::read_to_string(path).unwrap_or_default().lines() {
        if !l.trim().is_empty() {
            *m.entry(l.to_string()).or_default() += 1;
        }
    }
    m
}

/// Lines about a map that are not compared: pmacct's index bookkeeping (`maps_index:`, its
/// own data structure), its "Rolling back old map." when a missing file is read for the
/// first time (nothing to roll back: its core then dies), and our log of datagrams an allow
/// file rejected (pmacct drops them silently; checked by `allow_files`).
fn not_compared(l: &str) -> bool {
    l.contains("maps_index:")
        || l.contains("Rolling back old map.")
        || l.contains("not in allow file")
}

/// The log lines naming `file`, once each, without the (re)loading chatter (pmacct loads
/// its maps twice at start-up).
fn map_log(log: &str, file: &str) -> Vec<String> {
    let mut seen = Vec::new();
    for l in log.lines() {
        if l.contains(file)
            && !l.contains("(re)load")
            && !not_compared(l)
            && !seen.iter().any(|s: &String| s == l)
        {
            seen.push(l.to_string());
        }
    }
    seen
}

fn diff(a: &BTreeMap<String, usize>, b: &BTreeMap<String, usize>) -> Vec<String> {
    let mut out = Vec::new();
    for (k, n) in a {
        let m = b.get(k).copied().unwrap_or(0);
        if *n > m {
            out.push(format!("only pmacct x{}: {k}", n - m));
        }
    }
    for (k, m) in b {
        let n = a.get(k).copied().unwrap_or(0);
        if *m > n {
            out.push(format!("only ours x{}: {k}", m - n));
        }
    }
    out
}

/// One offline case: config text with @PCAP@ and @OUT_<plugin>@ placeholders.
struct Case {
    name: String,
    /// sfacctd instead of nfacctd.
    sflow: bool,
    conf: String,
    plugins: Vec<&'static str>,
    /// Files whose log lines must be equal.
    logged: Vec<String>,
    /// The case may legitimately produce no record (deny-all allow file, missing map); any
    /// other case must compare records, so a wrong path cannot pass as "both empty".
    may_be_empty: bool,
}

const AGG: &str = "tag, tag2, label, src_host, dst_host, in_iface, out_iface, proto, src_port, dst_port, peer_src_ip";

/// Returns the number of records compared; panics with the differences.
fn run_case(c: &Case) -> usize {
    let mut total = 0;
    let mut outs = Vec::new();
    let mut logs = Vec::new();
    let bins = if c.sflow {
        [
            (
                "pmacct",
                oracle_binary_of(&SFACCTD).expect("pmacct's sfacctd"),
            ),
            (
                "ours",
                ours_binary_of(&SFACCTD, option_env!("CARGO_BIN_EXE_sfacctd")).expect("sfacctd"),
            ),
        ]
    } else {
        [
            ("pmacct", oracle_binary().expect("pmacct")),
            ("ours", ours()),
        ]
    };
    // Ours first: a pmacct run is then judged against it (see below). Results are kept in
    // pmacct, ours order.
    let mut ours_recs: Option<Vec<BTreeMap<String, usize>>> = None;
    for (who, bin) in [bins[1].clone(), bins[0].clone()] {
        let d = scratch(&format!("{}-{who}", c.name.replace('/', "_")));
        let mut conf = c.conf.clone();
        for p in &c.plugins {
            conf = conf.replace(
                &format!("@OUT_{p}@"),
                &d.join(format!("{p}.json")).display().to_string(),
            );
        }
        let cf = d.join("c.conf");
        std::fs::write(&cf, &conf).unwrap();
        // pmacct 1.7.7 on a loaded machine now and then exits at the end of the savefile
        // without its plugins' output: an oracle run with no record where records are
        // expected is not sound, so it is repeated (up to 3 runs).
        let mut attempt = 1;
        let (ok, log, recs) = loop {
            let (ok, log) = run(&bin, &cf);
            if std::env::var_os("PMACCT_RS_MAPS_DEBUG").is_some() {
                eprintln!("== {} {who}\n{conf}\n{log}", c.name);
            }
            let recs: Vec<_> = c
                .plugins
                .iter()
                .map(|p| records(&d.join(format!("{p}.json"))))
                .collect();
            let empty = !c.may_be_empty && recs.iter().all(|r| r.is_empty());
            // pmacct 1.7.7 loses records at the end of a savefile under load and never
            // invents any: records only ours has, and none only pmacct has, is that loss.
            let lost = ours_recs.as_ref().is_some_and(|o| {
                o.iter().zip(&recs).any(|(o, r)| {
                    let d = diff(r, o);
                    !d.is_empty() && d.iter().all(|l| l.starts_with("only ours"))
                })
            });
            let unsound = who == "pmacct" && (empty || lost);
            if unsound && attempt < 3 {
                eprintln!(
                    "{}: pmacct run {attempt} wrote {}, rerunning it",
                    c.name,
                    if empty {
                        "no record"
                    } else {
                        "fewer records than ours"
                    }
                );
                attempt += 1;
                continue;
            }
            break (ok, log, recs);
        };
        if who == "ours" {
            ours_recs = Some(recs.clone());
        }
        outs.insert(0, (ok, recs));
        logs.insert(
            0,
            c.logged
                .iter()
                .flat_map(|f| map_log(&log, f))
                .collect::<Vec<_>>(),
        );
        let _ = std::fs::remove_dir_all(&d);
    }
    assert_eq!(outs[0].0, outs[1].0, "{}: exit status differs", c.name);
    for (i, p) in c.plugins.iter().enumerate() {
        let d = diff(&outs[0].1[i], &outs[1].1[i]);
        assert!(
            d.is_empty(),
            "{} plugin {p}: {} differing records\n{}",
            c.name,
            d.len(),
            d.join("\n")
        );
        total += outs[0].1[i].values().sum::<usize>();
    }
    assert_eq!(logs[0], logs[1], "{}: map log lines differ", c.name);
    assert!(
        c.may_be_empty || total > 0,
        "{}: no record from pmacct (wrong path or config?)",
        c.name
    );
    total
}

/// One print plugin `p` on `pcap`. Its refresh deadline is a day away: 1.7.7 puts the first
/// one on the next whole minute, and an offline run across it purges twice, the second
/// purge's file replacing the first's.
fn one_plugin(pcap: &Path, extra: &str) -> String {
    one_plugin_refresh(pcap, extra, 86_400)
}

fn one_plugin_refresh(pcap: &Path, extra: &str, refresh: u32) -> String {
    format!(
        "daemonize: false\npcap_savefile: {}\nplugins: print[p]\naggregate: {AGG}\n\
         print_output: json\nprint_output_file[p]: @OUT_p@\nprint_refresh_time: {refresh}\n\
         {extra}\n",
        pcap.display()
    )
}

fn inputs() -> Vec<PathBuf> {
    let r = root();
    let c = r.join("corpus/pmacct-test-automation");
    let mut v: Vec<PathBuf> = [
        "inputs/nfprobe-v5-s1.pcap",
        "inputs/nfprobe-v9-s1.pcap",
        "inputs/nfprobe-v10-s1.pcap",
        "inputs/softflowd-v5-s1.pcap",
        "inputs/softflowd-v10-s1.pcap",
    ]
    .iter()
    .map(|p| r.join(p))
    .collect();
    for t in [
        "101-NFv9-CISCO-cust_primitives/traffic-00.pcap",
        "103-IPFIXv10-CISCO-pretag-JSON_encoding/traffic-00.pcap",
        "104-IPFIXv10-IPv6-CISCO-sampling_option/traffic-00.pcap",
        "111-IPFIXv10-NFv9-IPv6-IPv4-mix_sources/traffic-01.pcap",
    ] {
        v.push(c.join(t));
    }
    v
}

/// Run cases three at a time (each pmacct run mostly sleeps).
fn run_all(cases: Vec<Case>) -> (usize, usize) {
    let n = cases.len();
    let cases = std::sync::Mutex::new(cases.into_iter());
    let (recs, fails) = std::thread::scope(|s| {
        let hs: Vec<_> = (0..3)
            .map(|_| {
                s.spawn(|| {
                    let mut recs = 0;
                    let mut fails = Vec::new();
                    loop {
                        let next = cases.lock().unwrap().next();
                        let Some(c) = next else { break };
                        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            run_case(&c)
                        })) {
                            Ok(r) => recs += r,
                            Err(e) => fails.push(
                                e.downcast_ref::<String>()
                                    .cloned()
                                    .unwrap_or_else(|| c.name.clone()),
                            ),
                        }
                    }
                    (recs, fails)
                })
            })
            .collect();
        let mut recs = 0;
        let mut fails = Vec::new();
        for h in hs {
            let (r, f) = h.join().unwrap();
            recs += r;
            fails.extend(f);
        }
        (recs, fails)
    });
    assert!(
        fails.is_empty(),
        "{} of {n} cases differ:\n{}",
        fails.len(),
        fails.join("\n\n")
    );
    (n, recs)
}

#[test]
fn pre_tag_map_matrix() {
    let dir = root().join("maps/pretag");
    let mut cases = Vec::new();
    for m in ["basic", "jeq", "filter", "fields", "badlines"] {
        let map = dir.join(format!("{m}.map"));
        for pcap in inputs() {
            let name = format!(
                "{m} x {}",
                pcap.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .replace(".pcap", "")
                    + "@"
                    + &pcap
                        .parent()
                        .unwrap()
                        .file_name()
                        .unwrap()
                        .to_string_lossy()
            );
            cases.push(Case {
                name,
                sflow: false,
                conf: one_plugin(&pcap, &format!("pre_tag_map: {}", map.display())),
                plugins: vec!["p"],
                logged: vec![map.display().to_string()],
                may_be_empty: false,
            });
        }
    }
    let (n, recs) = run_all(cases);
    eprintln!("pre_tag_map: {n} cases, {recs} records, 0 differing");
}

#[test]
fn tag_and_label_filters() {
    let dir = root().join("maps/pretag");
    let mut cases = Vec::new();
    for pcap in [
        root().join("inputs/nfprobe-v9-s1.pcap"),
        root().join(
            "corpus/pmacct-test-automation/103-IPFIXv10-CISCO-pretag-JSON_encoding/traffic-00.pcap",
        ),
    ] {
        let conf = format!(
            "daemonize: false\npcap_savefile: {}\npre_tag_map: {}\n\
             plugins: print[untagged], print[range], print[neg], print[t2], print[lab], print[nolab], print[nomap]\n\
             aggregate: {AGG}\nprint_output: json\n\
             pre_tag_filter[untagged]: 0\npre_tag_filter[range]: 100-250, 7\n\
             pre_tag_filter[neg]: -107,-207\npre_tag2_filter[t2]: 10\n\
             pre_tag_label_filter[lab]: first, third\npre_tag_label_filter[nolab]: -null\n\
             pre_tag_map[nomap]: {}\n\
             print_output_file[untagged]: @OUT_untagged@\nprint_output_file[range]: @OUT_range@\n\
             print_output_file[neg]: @OUT_neg@\nprint_output_file[t2]: @OUT_t2@\n\
             print_output_file[lab]: @OUT_lab@\nprint_output_file[nolab]: @OUT_nolab@\n\
             print_output_file[nomap]: @OUT_nomap@\nprint_refresh_time: 86400\n",
            pcap.display(),
            dir.join("jeq.map").display(),
            dir.join("basic.map").display(),
        );
        cases.push(Case {
            name: format!("filters x {}", pcap.display()),
            sflow: false,
            conf,
            plugins: vec!["untagged", "range", "neg", "t2", "lab", "nolab", "nomap"],
            logged: vec![],
            may_be_empty: false,
        });
    }
    let (n, recs) = run_all(cases);
    eprintln!("filters: {n} cases, {recs} records, 0 differing");
}

#[test]
fn allow_files() {
    let dir = root().join("maps/allow");
    let pcap = dir.join("three-exporters.pcap");
    let mut cases = Vec::new();
    for a in ["one", "prefixes", "empty", "all"] {
        let f = dir.join(format!("{a}.lst"));
        cases.push(Case {
            name: format!("allow {a}"),
            sflow: false,
            conf: one_plugin(&pcap, &format!("nfacctd_allow_file: {}", f.display())),
            plugins: vec!["p"],
            logged: vec![f.display().to_string()],
            may_be_empty: true,
        });
    }
    let (n, recs) = run_all(cases);
    eprintln!("allow files: {n} cases, {recs} records, 0 differing");
    // Beyond pmacct: rejected datagrams are logged (rate-limited) rather than dropped silently.
    let d = scratch("allow-log");
    let conf = one_plugin(
        &pcap,
        &format!("nfacctd_allow_file: {}", dir.join("empty.lst").display()),
    )
    .replace("@OUT_p@", &d.join("p.json").display().to_string());
    std::fs::write(d.join("c.conf"), conf).unwrap();
    let (_, log) = run(&ours(), &d.join("c.conf"));
    let _ = std::fs::remove_dir_all(&d);
    assert!(
        log.lines()
            .filter(|l| l.contains("not in allow file") && l.contains("dropped"))
            .count()
            >= 1,
        "{log}"
    );
}

#[test]
fn missing_map_is_fatal_as_in_pmacct() {
    let pcap = root().join("inputs/nfprobe-v9-s1.pcap");
    // 1.7.7's print plugin outlives its fatal core until its next refresh deadline: a short
    // refresh time keeps the wait short.
    let (n, _) = run_all(vec![
        Case {
            name: "missing pre_tag_map".into(),
            sflow: false,
            conf: one_plugin_refresh(&pcap, "pre_tag_map: /nonexistent/pretag.map", 2),
            plugins: vec!["p"],
            logged: vec!["/nonexistent/pretag.map".into()],
            may_be_empty: true,
        },
        Case {
            name: "missing allow file".into(),
            sflow: false,
            conf: one_plugin_refresh(&pcap, "nfacctd_allow_file: /nonexistent/allow.lst", 2),
            plugins: vec!["p"],
            logged: vec!["/nonexistent/allow.lst".into()],
            may_be_empty: true,
        },
        // A WARN line, then exit: 1.7.7's load_id_file has no old map to roll back to at
        // start-up, whether or not an aggregate uses a custom primitive (this one does not).
        Case {
            name: "missing aggregate_primitives".into(),
            sflow: false,
            conf: one_plugin_refresh(
                &pcap,
                "aggregate_primitives: /nonexistent/primitives.map",
                2,
            ),
            plugins: vec!["p"],
            logged: vec!["/nonexistent/primitives.map".into()],
            may_be_empty: true,
        },
    ]);
    assert_eq!(n, 3);
}

/// automation/<t>/nfacctd-00.conf with a map and a capture.
fn automation_conf(t: &str, map: &Path, pcap: Option<&Path>, port: Option<u16>) -> String {
    let base =
        std::fs::read_to_string(root().join(format!("automation/{t}/nfacctd-00.conf"))).unwrap();
    let mut c = base
        .replace("@MAP@", &map.display().to_string())
        .replace("@OUT@", "@OUT_nfacctd_print@");
    if let Some(p) = pcap {
        c.push_str(&format!("pcap_savefile: {}\n", p.display()));
    }
    if let Some(port) = port {
        c.push_str(&format!("nfacctd_ip: 127.0.0.1\nnfacctd_port: {port}\n"));
    }
    c
}

/// A map from automation/ with @EXPORTER@ filled in, written to `dir`.
fn fill_map(src: &Path, exporter: &str, dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(src)
        .unwrap()
        .replace("@EXPORTER@", exporter);
    let out = dir.join(src.file_name().unwrap());
    std::fs::write(&out, text).unwrap();
    out
}

#[test]
fn automation_102_103_offline() {
    let a = root().join("automation");
    let c = root().join("corpus/pmacct-test-automation");
    let maps = scratch("automation-maps");
    let p102 = c.join("102-NFv9-CISCO-f2rd-pretag-sampling-reload/traffic-00.pcap");
    let p103 = c.join("103-IPFIXv10-CISCO-pretag-JSON_encoding/traffic-00.pcap");
    let mut cases = Vec::new();
    let mut add = |t: &str, map: PathBuf, pcap: &Path| {
        cases.push(Case {
            name: format!("{t} {}", map.file_name().unwrap().to_string_lossy()),
            sflow: false,
            conf: automation_conf(t, &map, Some(pcap), None),
            plugins: vec!["nfacctd_print"],
            logged: vec![map.display().to_string()],
            may_be_empty: false,
        });
    };
    for m in ["pretag-00.map", "pretag-01.map"] {
        add("102", a.join("102").join(m), &p102);
    }
    for m in ["pretag-00-177.map", "pretag-01-177.map"] {
        add(
            "102",
            fill_map(&a.join("102").join(m), "10.10.0.33", &maps),
            &p102,
        );
    }
    for n in 1..=5 {
        add("103", a.join(format!("103/scenario-0{n}.map")), &p103);
    }
    for m in ["scenario-01-177.map", "scenario-02-177.map"] {
        add(
            "103",
            fill_map(&a.join("103").join(m), "138.187.0.13", &maps),
            &p103,
        );
    }
    // 110/111's map on their four exporters (IPv4 and IPv6) in one capture; without the
    // timestamps (1.7.7 prints timestamp_end 0 for 111's IPFIX uptime times, a known
    // difference of the decoder, expected-differences.txt).
    let m110 = a.join("110/pretag-110-111-177.map");
    cases.push(Case {
        name: "110/111 pretag-110-111-177.map".into(),
        sflow: false,
        conf: one_plugin(
            &root().join("maps/allow/three-exporters.pcap"),
            &format!("pre_tag_map: {}", m110.display()),
        ),
        plugins: vec!["p"],
        logged: vec![m110.display().to_string()],
        may_be_empty: false,
    });
    let (n, recs) = run_all(cases);
    let _ = std::fs::remove_dir_all(&maps);
    eprintln!("automation 102/103 offline: {n} cases, {recs} records, 0 differing");
}

fn spawn_live(bin: &Path, conf: &Path, dir: &Path) -> Child {
    Command::new(bin)
        .arg("-f")
        .arg(conf)
        .env("TZ", "UTC")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("stderr")).unwrap())
        .spawn()
        .expect("spawn")
}

fn signal(c: &Child, sig: libc::c_int) {
    // SAFETY: kill(2) on the pid of a child we spawned and have not reaped yet.
    unsafe {
        libc::kill(c.id() as libc::pid_t, sig);
    }
}

/// Test 102 as upstream runs it: replay, swap the map for pretag-01, SIGUSR2, replay again;
/// both daemons get the same datagrams at the same time.
#[test]
fn automation_102_reload_live() {
    let a = root().join("automation/102");
    let pcap = root().join(
        "corpus/pmacct-test-automation/102-NFv9-CISCO-f2rd-pretag-sampling-reload/traffic-00.pcap",
    );
    let mut kids = Vec::new();
    let mut dirs = Vec::new();
    let mut ports = Vec::new();
    for (who, bin) in [
        ("pmacct", oracle_binary().expect("pmacct")),
        ("ours", ours()),
    ] {
        let d = scratch(&format!("reload-{who}"));
        // The replay sends from 127.0.0.1: the map's exporter.
        let map = d.join("pretag.map");
        std::fs::write(
            &map,
            std::fs::read_to_string(a.join("pretag-00-177.map"))
                .unwrap()
                .replace("@EXPORTER@", "127.0.0.1"),
        )
        .unwrap();
        let port = free_port().unwrap();
        let conf = automation_conf("102", &map, None, Some(port))
            .replace(
                "@OUT_nfacctd_print@",
                &d.join("out.json").display().to_string(),
            )
            // One purge at the end: the two halves are told apart by their labels.
            .replace(
                "print_refresh_time[nfacctd_print]: 10",
                "print_refresh_time[nfacctd_print]: 3600",
            );
        std::fs::write(d.join("c.conf"), conf).unwrap();
        kids.push(spawn_live(&bin, &d.join("c.conf"), &d));
        dirs.push((d, map));
        ports.push(port);
    }
    // Listening: the socket is bound and pmacct has said so (its maps load first).
    let t0 = Instant::now();
    while !(ports
        .iter()
        .all(|p| std::net::UdpSocket::bind((Ipv4Addr::LOCALHOST, *p)).is_err())
        && std::fs::read_to_string(dirs[0].0.join("stderr"))
            .unwrap_or_default()
            .contains("waiting for NetFlow/IPFIX data"))
    {
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "daemons not listening"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(1500));
    let targets: Vec<SocketAddr> = ports
        .iter()
        .map(|p| SocketAddr::from((Ipv4Addr::LOCALHOST, *p)))
        .collect();
    replay(&pcap, &targets, 200).unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    for (d, map) in &dirs {
        let text = std::fs::read_to_string(a.join("pretag-01-177.map"))
            .unwrap()
            .replace("@EXPORTER@", "127.0.0.1");
        // Atomic swap, as a deployment would do it.
        let tmp = d.join("pretag.map.new");
        std::fs::write(&tmp, text).unwrap();
        std::fs::rename(&tmp, map).unwrap();
    }
    for k in &kids {
        signal(k, libc::SIGUSR2);
    }
    std::thread::sleep(Duration::from_millis(1000));
    // pmacct 1.7.7 reloads a pre_tag_map lazily, at the end of exec_plugins() for a flow
    // that follows SIGUSR2, so flows right after the signal may still get the old map (with
    // one primer datagram here, the next exporter flow still did); ours applies the new map
    // from the signal on. Three NetFlow v5 datagrams from another exporter (127.0.0.2: the
    // "unknown" rules, the same label in both maps) absorb that difference.
    let v5 = std::fs::read(root().join("inputs/nfprobe-v5-s1.pcap")).unwrap();
    let first = compat_tests::pcap::udp_datagrams(&v5).unwrap().remove(0);
    let primer = std::net::UdpSocket::bind((Ipv4Addr::new(127, 0, 0, 2), 0)).unwrap();
    for _ in 0..3 {
        for t in &targets {
            primer.send_to(&first.payload, t).unwrap();
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_millis(500));
    replay(&pcap, &targets, 200).unwrap();
    std::thread::sleep(Duration::from_millis(2000));
    for k in &kids {
        signal(k, libc::SIGINT);
    }
    for k in kids.iter_mut() {
        let t = Instant::now();
        while k.try_wait().unwrap().is_none() {
            if t.elapsed() > Duration::from_secs(30) {
                let _ = k.kill();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    let pm = records(&dirs[0].0.join("out.json"));
    let ou = records(&dirs[1].0.join("out.json"));
    let d = diff(&pm, &ou);
    let labels = |m: &BTreeMap<String, usize>, l: &str| {
        m.iter()
            .filter(|(k, _)| k.contains(l))
            .map(|(_, n)| n)
            .sum::<usize>()
    };
    eprintln!(
        "102 reload: primer records pmacct {} ours {}",
        labels(&pm, "127.0.0.2"),
        labels(&ou, "127.0.0.2")
    );
    eprintln!(
        "102 reload: pmacct {} records ({} before / {} after the reload), ours {}, {} differing",
        pm.values().sum::<usize>(),
        labels(&pm, "pkey%testing"),
        labels(&pm, "pkey%f2rd_reload_test"),
        ou.values().sum::<usize>(),
        d.len()
    );
    assert!(
        labels(&pm, "pkey%f2rd_reload_test") > 0,
        "pmacct did not reload:\n{}",
        std::fs::read_to_string(dirs[0].0.join("stderr")).unwrap_or_default()
    );
    assert!(d.is_empty(), "{}", d.join("\n"));
    for (dir, _) in dirs {
        let _ = std::fs::remove_dir_all(dir);
    }
}

/// sfacctd: pre_tag_map (agent address, sub-agent id, input/output VLAN) and
/// sfacctd_allow_file (checked on the datagram's source, not the agent address) on the
/// sfprobe and crafted captures.
#[test]
fn sfacctd_pre_tag_map_and_allow() {
    let s = root().join("inputs/sflow");
    let map = root().join("maps/pretag/sflow.map");
    let allow = root().join("maps/allow");
    let mut cases = Vec::new();
    for p in [
        "sfprobe-s1",
        "sfprobe-s2",
        "sfprobe-s3",
        "sfprobe-s4",
        "crafted",
    ] {
        let pcap = s.join(format!("{p}.pcap"));
        cases.push(Case {
            name: format!("sflow {p}"),
            sflow: true,
            conf: one_plugin(&pcap, &format!("pre_tag_map: {}", map.display())),
            plugins: vec!["p"],
            logged: vec![map.display().to_string()],
            may_be_empty: false,
        });
        for a in ["sflow-senders", "prefixes", "empty", "all"] {
            let f = allow.join(format!("{a}.lst"));
            cases.push(Case {
                name: format!("sflow {p} allow {a}"),
                sflow: true,
                conf: one_plugin(&pcap, &format!("sfacctd_allow_file: {}", f.display())),
                plugins: vec!["p"],
                logged: vec![f.display().to_string()],
                may_be_empty: true,
            });
        }
    }
    let (n, recs) = run_all(cases);
    eprintln!("sfacctd: {n} cases, {recs} records, 0 differing");
}

/// Our reload semantics beyond pmacct (docs/COMPATIBILITY.md): an allow file is reloaded
/// even when it denied everything, a pre_tag_map reload with a line 1.7.7 would ignore keeps
/// the map in use (and says so), a clean one is applied to the next datagrams.
#[test]
fn reload_is_atomic_and_allow_file_reloads() {
    let d = scratch("reload-ours");
    let map = d.join("pretag.map");
    let allow = d.join("allow.lst");
    std::fs::write(&map, "set_label=first\n").unwrap();
    std::fs::write(&allow, "! deny all\n").unwrap();
    let port = free_port().unwrap();
    let conf = format!(
        "daemonize: false\nnfacctd_ip: 127.0.0.1\nnfacctd_port: {port}\n\
         pre_tag_map: {}\nnfacctd_allow_file: {}\nplugins: print[p]\n\
         aggregate: label, src_host, dst_host, src_port, dst_port, proto\nprint_output: json\n\
         print_output_file[p]: {}\nprint_refresh_time[p]: 3600\n",
        map.display(),
        allow.display(),
        d.join("out.json").display()
    );
    std::fs::write(d.join("c.conf"), conf).unwrap();
    let mut kid = spawn_live(&ours(), &d.join("c.conf"), &d);
    let t0 = Instant::now();
    while std::net::UdpSocket::bind((Ipv4Addr::LOCALHOST, port)).is_ok() {
        assert!(t0.elapsed() < Duration::from_secs(15), "not listening");
        std::thread::sleep(Duration::from_millis(50));
    }
    let pcap = root().join("inputs/nfprobe-v9-s1.pcap");
    let target = [SocketAddr::from((Ipv4Addr::LOCALHOST, port))];
    let swap = |path: &Path, text: &str| {
        let tmp = path.with_extension("new");
        std::fs::write(&tmp, text).unwrap();
        std::fs::rename(&tmp, path).unwrap();
    };
    let step = |kid: &Child| {
        signal(kid, libc::SIGUSR2);
        std::thread::sleep(Duration::from_millis(500));
        replay(&pcap, &target, 2000).unwrap();
        std::thread::sleep(Duration::from_millis(700));
    };
    // 1. Everything denied.
    replay(&pcap, &target, 2000).unwrap();
    std::thread::sleep(Duration::from_millis(700));
    // 2. Allow all; the new map has a line 1.7.7 would ignore: the old map stays.
    swap(&allow, "127.0.0.0/8\n");
    swap(&map, "set_label=second\nset_tag=x\n");
    step(&kid);
    // 3. A clean map: applied.
    swap(&map, "set_label=third\n");
    step(&kid);
    signal(&kid, libc::SIGINT);
    let t = Instant::now();
    while kid.try_wait().unwrap().is_none() {
        if t.elapsed() > Duration::from_secs(30) {
            let _ = kid.kill();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let recs = records(&d.join("out.json"));
    let log = std::fs::read_to_string(d.join("stderr")).unwrap_or_default();
    let count = |l: &str| {
        recs.iter()
            .filter(|(k, _)| k.contains(&format!("\"label\": \"{l}\"")))
            .map(|(_, n)| n)
            .sum::<usize>()
    };
    let (first, second, third) = (count("first"), count("second"), count("third"));
    let _ = std::fs::remove_dir_all(&d);
    assert!(first > 0, "allow file not reloaded:\n{log}");
    assert_eq!(second, 0, "a reload with an ignored line was applied");
    assert_eq!(
        first, third,
        "the clean reload was not applied to a whole replay:\n{log}"
    );
    assert_eq!(
        first + third,
        recs.values().sum::<usize>(),
        "records from the denied replay"
    );
    assert!(log.contains("keeping the map loaded before"), "{log}");
    assert!(log.contains("not in allow file"), "{log}");
}
