//! The memory plugin and the `pmacct` client against Debian's nfacctd 1.7.7 and
//! /usr/bin/pmacct: the same capture read by both daemons (`pcap_savefile_wait: true`
//! keeps them up), each on its own `imt_path`, the same queries to both clients; outputs
//! and exit codes byte-identical (sorted where 1.7.7's row order follows its hash table).
//! Plus the default plugin (no `plugins` line), erase while replaying (totals add up),
//! and malformed requests on the socket.

mod support;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use support::{repo, signal, tmpdir, wait_exit};

const OURS_NFACCTD: &str = env!("CARGO_BIN_EXE_nfacctd");
const OURS_PMACCT: &str = env!("CARGO_BIN_EXE_pmacct");
fn capture() -> PathBuf {
    repo().join("compat-tests/inputs/nfprobe-v9-s1.pcap")
}

/// Debian's nfacctd and pmacct client 1.7.7, found by package (never ours: comparing ours
/// with ours proves nothing); missing, the test fails rather than skips.
fn oracles() -> (PathBuf, String) {
    (
        compat_tests::run::oracle_binary().unwrap_or_else(|e| panic!("{e}")),
        compat_tests::oracle::path("pmacct"),
    )
}

struct Daemon {
    child: Child,
    pipe: PathBuf,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        signal(&self.child, libc::SIGINT);
        let _ = wait_exit(&mut self.child);
    }
}

/// Start `bin` on `conf_body` (plus the savefile and log keys) and wait for the end of the
/// savefile, then until the table stops changing.
fn start(bin: &Path, client: &str, dir: &Path, tag: &str, conf_body: &str, pipe: &Path) -> Daemon {
    let log = dir.join(format!("{tag}.log"));
    let conf = dir.join(format!("{tag}.conf"));
    std::fs::write(
        &conf,
        format!(
            "{conf_body}pcap_savefile: {}\npcap_savefile_wait: true\nlogfile: {}\n",
            capture().display(),
            log.display()
        ),
    )
    .unwrap();
    let child = Command::new(bin)
        .arg("-f")
        .arg(&conf)
        .env("TZ", "UTC")
        .spawn()
        .unwrap();
    let d = Daemon {
        child,
        pipe: pipe.to_path_buf(),
    };
    let t0 = Instant::now();
    while !std::fs::read_to_string(&log)
        .unwrap_or_default()
        .contains("finished reading PCAP capture file")
    {
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "{tag}: no end of savefile"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // The last batches reach the plugin after the core's line: wait for a stable table.
    let mut last = String::new();
    loop {
        std::thread::sleep(Duration::from_millis(300));
        let (now, _) = run(client, pipe, &["-s", "-O", "csv"]);
        if now == last && !now.is_empty() {
            break;
        }
        last = now;
        assert!(
            t0.elapsed() < Duration::from_secs(40),
            "{tag}: table never settled"
        );
    }
    d
}

fn run(client: &str, pipe: &Path, args: &[&str]) -> (String, i32) {
    let out = Command::new(client)
        .arg("-p")
        .arg(pipe)
        .args(args)
        .env("TZ", "UTC")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).replace(client, "pmacct");
    (text, out.status.code().unwrap_or(-1))
}

fn sorted(s: &str) -> Vec<&str> {
    let mut v: Vec<&str> = s.lines().collect();
    v.sort_unstable();
    v
}

/// Queries compared byte for byte (`true`: in order; `false`: as sorted lines).
const QUERIES: &[(&[&str], bool)] = &[
    (&["-s"], false),
    (&["-s", "-O", "csv"], false),
    (&["-s", "-O", "json"], false),
    (&["-s", "-O", "event_formatted"], false),
    (&["-s", "-O", "event_csv"], false),
    (&["-s", "-O", "csv", "-E", ";", "-u"], false),
    (&["-s", "-O", "csv", "-E", "\\t"], false),
    (&["-s", "-a"], false),
    (&["-s", "-a", "-O", "csv"], false),
    (&["-s", "-a", "-O", "json", "-I", "-0"], false),
    (&["-s", "-T", "bytes,5"], true),
    (&["-s", "-T", "bytes,3", "-O", "csv"], true),
    (&["-c", "src_host", "-N", "10.0.19.92"], true),
    (
        &[
            "-c",
            "src_host,dst_host",
            "-N",
            "10.0.19.92,198.51.100.95;10.6.31.172,*",
            "-n",
            "all",
        ],
        true,
    ),
    (
        &["-c", "proto", "-N", "tcp;udp;icmp", "-n", "packets"],
        true,
    ),
    (
        &["-c", "proto", "-N", "tcp;udp;icmp", "-S", "-n", "all"],
        true,
    ),
    (&["-c", "proto", "-N", "17", "-u", "-n", "flows"], true),
    (&["-c", "src_port", "-M", "123;53"], false),
    (
        &["-c", "src_port,proto", "-M", "53,udp", "-O", "json"],
        false,
    ),
    (
        &["-c", "dst_port", "-M", "443", "-T", "bytes,2", "-O", "csv"],
        true,
    ),
    (&["-c", "src_host", "-M", "file:FILE"], false),
    (&["-c", "src_host", "-N", "file:FILE", "-S"], true),
    (&["-c", "src_host", "-M", "file:/nonexistent/list"], true),
    (&["-c", "src_host", "-M", "x"], true),
    (&["-c", "dst_net", "-M", "x"], true),
    (&["-c", "proto", "-N", "nosuch"], true),
    (&["-c", "foo", "-M", "1"], true),
    (&["-N", "1"], true),
    (&["-s", "-N", "1"], true),
    (&["-s", "-r"], true),
    (&["-s", "-n", "all"], true),
    (&["-N", "1", "-c", "src_host", "-T", "bytes"], true),
    (&["-s", "-E", "ab"], true),
    (&["-s", "-O", "xml"], false),
    (&["-s", "-n", "foo", "-c", "src_host"], false),
    (&[], true),
    (&["-x"], true),
    (&["-h"], true),
    (&["-U"], true),
    (&["-i"], true),
];

#[test]
fn queries_match_pmacct_1_7_7() {
    let (nf, pm) = oracles();
    let pm = pm.as_str();
    let dir = tmpdir("memory-diff");
    let list = dir.join("list");
    std::fs::write(&list, "! a comment\n10.0.19.92\n\n 10.6.31.172 \n").unwrap();
    let body = "plugins: memory[m]\naggregate[m]: src_host,dst_host,src_port,dst_port,proto,tos\nimt_path[m]: PIPE\n";
    let (op, rp) = (dir.join("o.pipe"), dir.join("r.pipe"));
    let ours = start(
        Path::new(OURS_NFACCTD),
        OURS_PMACCT,
        &dir,
        "ours",
        &body.replace("PIPE", &rp.display().to_string()),
        &rp,
    );
    let (ours_s, _) = run(OURS_PMACCT, &rp, &["-s", "-O", "csv"]);
    let ours_n = ours_s.lines().count();
    assert!(ours_n > 300, "our table has {ours_n} lines");
    // pmacct 1.7.7 loses end-of-savefile records under load: rerun it when short.
    let mut oracle = None;
    for _ in 0..3 {
        let _ = std::fs::remove_file(dir.join("oracle.log"));
        let d = start(
            &nf,
            pm,
            &dir,
            "oracle",
            &body.replace("PIPE", &op.display().to_string()),
            &op,
        );
        let (s, _) = run(pm, &op, &["-s", "-O", "csv"]);
        if s.lines().count() == ours_n {
            oracle = Some(d);
            break;
        }
        eprintln!(
            "pmacct 1.7.7 run short ({} of {ours_n} lines): rerun",
            s.lines().count()
        );
    }
    let oracle = oracle.expect("pmacct 1.7.7 never read the whole capture");
    let mut failures = Vec::new();
    for (args, in_order) in QUERIES {
        let list_s = list.display().to_string();
        let args: Vec<String> = args.iter().map(|a| a.replace("FILE", &list_s)).collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (a, ra) = run(pm, &oracle.pipe, &args);
        let (b, rb) = run(OURS_PMACCT, &ours.pipe, &args);
        let same = ra == rb
            && if *in_order {
                a == b
            } else {
                sorted(&a) == sorted(&b)
            };
        if !same {
            failures.push(format!(
                "pmacct {args:?}: exit {ra} vs ours {rb}\n--- 1.7.7:\n{}\n--- ours:\n{}",
                head(&a),
                head(&b)
            ));
        }
    }
    // -t: our buckets are ours; the layout and the bucket count are 1.7.7's.
    let (a, _) = run(pm, &oracle.pipe, &["-t"]);
    let (b, _) = run(OURS_PMACCT, &ours.pipe, &["-t"]);
    assert_eq!(
        a.lines().take(3).collect::<Vec<_>>(),
        b.lines().take(3).collect::<Vec<_>>()
    );
    assert_eq!(a.lines().count(), b.lines().count());
    assert_eq!(
        b.matches('*').count() - 1,
        ours_n - 1,
        "-t shows every entry once"
    );
    // -e, then an empty table, as 1.7.7.
    for args in [&["-e"][..], &["-s"], &["-s", "-O", "json"], &["-i"]] {
        let (a, ra) = run(pm, &oracle.pipe, args);
        let (b, rb) = run(OURS_PMACCT, &ours.pipe, args);
        if (a.clone(), ra) != (b.clone(), rb) {
            failures.push(format!(
                "pmacct {args:?}: exit {ra} vs ours {rb}\n--- 1.7.7:\n{a}\n--- ours:\n{b}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} queries differ:\n{}",
        failures.len(),
        QUERIES.len() + 4,
        failures.join("\n")
    );
}

fn head(s: &str) -> String {
    s.lines().take(8).collect::<Vec<_>>().join("\n")
}

/// No `plugins` line: the default memory plugin, aggregate src_host, as 1.7.7.
#[test]
fn default_plugin_without_plugins_line() {
    let (nf, pm) = oracles();
    let pm = pm.as_str();
    let dir = tmpdir("memory-default");
    let (op, rp) = (dir.join("o.pipe"), dir.join("r.pipe"));
    let ours = start(
        Path::new(OURS_NFACCTD),
        OURS_PMACCT,
        &dir,
        "ours",
        &format!("imt_path: {}\n", rp.display()),
        &rp,
    );
    let (b, rb) = run(OURS_PMACCT, &ours.pipe, &["-s"]);
    let n = b.lines().count();
    assert!(n > 50, "{n} lines");
    let mut last = String::new();
    for _ in 0..3 {
        let _ = std::fs::remove_file(dir.join("oracle.log"));
        let oracle = start(
            &nf,
            pm,
            &dir,
            "oracle",
            &format!("imt_path: {}\n", op.display()),
            &op,
        );
        let (a, ra) = run(pm, &oracle.pipe, &["-s"]);
        if sorted(&a) == sorted(&b) && ra == rb {
            assert!(b.starts_with("SRC_IP "));
            return;
        }
        last = a;
    }
    panic!(
        "default plugin differs:\n--- 1.7.7:\n{}\n--- ours:\n{}",
        head(&last),
        head(&b)
    );
}

/// Erase while the capture is replayed: what every `-s -e` returned plus what is left adds
/// up to the replays' total.
#[test]
fn erase_while_replaying_adds_up() {
    let dir = tmpdir("memory-erase");
    let pipe = dir.join("r.pipe");
    // One pass: the capture's totals.
    let one = {
        let d = start(
            Path::new(OURS_NFACCTD),
            OURS_PMACCT,
            &dir,
            "one",
            &format!(
                "imt_path: {}\naggregate: src_host,dst_host\n",
                pipe.display()
            ),
            &pipe,
        );
        totals(&run(OURS_PMACCT, &d.pipe, &["-s", "-O", "csv"]).0)
    };
    assert!(one.0 > 1000, "{one:?}");
    let replays = 40u64;
    let log = dir.join("many.log");
    let conf = dir.join("many.conf");
    std::fs::write(&conf, format!(
        "imt_path: {}\naggregate: src_host,dst_host\npcap_savefile: {}\npcap_savefile_wait: true\npcap_savefile_replay: {replays}\npcap_savefile_delay: 0\nlogfile: {}\n",
        pipe.display(), capture().display(), log.display())).unwrap();
    let mut child = Command::new(OURS_NFACCTD)
        .arg("-f")
        .arg(&conf)
        .env("TZ", "UTC")
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    while !pipe.exists() {
        assert!(t0.elapsed() < Duration::from_secs(10));
        std::thread::sleep(Duration::from_millis(10));
    }
    let mut sum = (0u64, 0u64);
    let mut erases = 0;
    loop {
        let done = std::fs::read_to_string(&log)
            .unwrap_or_default()
            .contains("finished reading PCAP capture file");
        let (out, rc) = run(OURS_PMACCT, &pipe, &["-s", "-e", "-O", "csv"]);
        assert_eq!(rc, 0, "{out}");
        let t = totals(&out);
        sum.0 += t.0;
        sum.1 += t.1;
        erases += 1;
        if done {
            // Let the last batches land, then take what is left.
            std::thread::sleep(Duration::from_millis(500));
            let t = totals(&run(OURS_PMACCT, &pipe, &["-s", "-e", "-O", "csv"]).0);
            sum.0 += t.0;
            sum.1 += t.1;
            break;
        }
        assert!(t0.elapsed() < Duration::from_secs(60), "replay never ended");
    }
    signal(&child, libc::SIGINT);
    wait_exit(&mut child);
    assert!(
        erases > 2,
        "only {erases} erases happened during the replay"
    );
    assert_eq!(
        sum,
        (one.0 * replays, one.1 * replays),
        "bytes/packets across {erases} erases"
    );
}

/// (bytes, packets) of a `-s -O csv` output (BYTES last, PACKETS before it).
fn totals(csv: &str) -> (u64, u64) {
    let mut t = (0, 0);
    for l in csv.lines().skip(1) {
        let f: Vec<&str> = l.split(',').collect();
        if f.len() < 2 {
            continue;
        }
        t.0 += f[f.len() - 1].parse::<u64>().unwrap();
        t.1 += f[f.len() - 2].parse::<u64>().unwrap();
    }
    t
}

/// Garbage, oversized and half-sent requests are rejected (counted, logged); the plugin
/// keeps answering.
#[test]
fn malformed_requests_are_rejected() {
    let dir = tmpdir("memory-bad");
    let pipe = dir.join("r.pipe");
    let d = start(
        Path::new(OURS_NFACCTD),
        OURS_PMACCT,
        &dir,
        "bad",
        &format!("imt_path: {}\n", pipe.display()),
        &pipe,
    );
    let mode = std::fs::metadata(&pipe)
        .map(|m| std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o777)
        .unwrap();
    assert_eq!(mode, 0o660);
    let (good, _) = run(OURS_PMACCT, &pipe, &["-s"]);
    let send = |b: &[u8]| -> Vec<u8> {
        let mut c = UnixStream::connect(&pipe).unwrap();
        let _ = c.write_all(b);
        let _ = c.shutdown(std::net::Shutdown::Write);
        let mut r = Vec::new();
        let _ = c.read_to_end(&mut r);
        r
    };
    assert_eq!(
        send(b"GET / HTTP/1.0\r\n\r\n"),
        b"\x01ERROR: malformed request.\n"
    );
    assert_eq!(
        send(b"PMRS1\nwant stats\nbogus 1\n"),
        b"\x01ERROR: malformed request.\n"
    );
    assert_eq!(
        send(&vec![0u8; 3 * 1024 * 1024]),
        b"\x01ERROR: malformed request.\n"
    );
    let mut c = UnixStream::connect(&pipe).unwrap();
    c.write_all(b"PMRS1\nwant st").unwrap();
    drop(c);
    // 1.7.7's binary request (a query_header): rejected too.
    assert!(send(&[1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0]).starts_with(b"\x01"));
    let (again, rc) = run(OURS_PMACCT, &pipe, &["-s"]);
    assert_eq!((again, rc), (good, 0));
    drop(d);
    let log = std::fs::read_to_string(dir.join("bad.log")).unwrap();
    assert!(log.matches("request rejected").count() >= 4, "{log}");
}
