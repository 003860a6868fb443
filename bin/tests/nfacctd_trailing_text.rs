//! Issue 14 item 4: a config written like a puppet template, with trailing comments after
//! values (`nfacctd_ip: 127.0.0.1 ! listen here`, `nfacctd_port: N ! netflow`, integers
//! followed by `#` or a tab and words). Debian's nfacctd 1.7.7 and ours each run it live: both
//! must bind 127.0.0.1:N (their "waiting for ... data on" line), output the same non-empty
//! records for the same datagrams, and ours must warn about each trailing text it ignored.

mod support;
use support::{free_port, payloads, repo, signal, sorted_lines, start_logged, tmpdir, wait_exit};

use std::net::UdpSocket;
use std::path::Path;
use std::time::Duration;

const NFACCTD: &str = env!("CARGO_BIN_EXE_nfacctd");

fn template(dir: &Path, port: u16) -> String {
    format!(
        "! This file is managed by Puppet. DO NOT EDIT.\n\
         daemonize: false ! foreground for systemd\n\
         nfacctd_ip: 127.0.0.1 ! listen here\n\
         nfacctd_port: {port} ! netflow\n\
         logfile: {log}\n\
         plugins: print[flows]\n\
         aggregate[flows]: src_host, dst_host, src_port, dst_port, proto\n\
         print_output[flows]: json\n\
         print_output_file[flows]: {out}\n\
         print_refresh_time[flows]: 3600\n\
         print_cache_entries[flows]: 16411 # buckets\n\
         plugin_pipe_size[flows]: 10240000\t# bytes\n",
        log = dir.join("live.log").display(),
        out = dir.join("flows.json").display(),
    )
}

/// Run `bin` on the template, replay the capture to it, SIGINT; (ready line, records,
/// stderr).
fn run(bin: &str, dir: &Path, datagrams: &[Vec<u8>]) -> (String, Vec<String>, String) {
    let port = free_port();
    let conf = dir.join("puppet.conf");
    std::fs::write(&conf, template(dir, port)).unwrap();
    let mut child = start_logged(bin, &conf, &dir.join("live.log"), "waiting for NetFlow");
    // pmacct logs the socket before its print plugin is up: send once the plugin is.
    compat_tests::run::wait_until("print plugin up", Duration::from_secs(20), || {
        compat_tests::run::lines_with(&dir.join("live.log"), compat_tests::run::PLUGIN_UP) >= 1
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    for d in datagrams {
        sock.send_to(d, ("127.0.0.1", port)).unwrap();
        std::thread::sleep(Duration::from_millis(2));
    }
    // SIGINT once the daemon has read every datagram, and then a settle: pmacct 1.7.7's core
    // hands what it read to its plugins on its own schedule and nothing it logs marks it.
    compat_tests::run::wait_until("datagrams read", Duration::from_secs(20), || {
        compat_tests::run::udp_queued(port) == Some(0)
    })
    .unwrap_or_else(|e| panic!("{e}"));
    std::thread::sleep(Duration::from_millis(500));
    signal(&child, libc::SIGINT);
    assert_eq!(wait_exit(&mut child), 0, "{bin}");
    let log = std::fs::read_to_string(dir.join("live.log")).unwrap();
    let ready = log
        .lines()
        .find(|l| l.contains("waiting for NetFlow/IPFIX data on"))
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap()
        .replace(&format!(":{port}"), ":PORT");
    (ready, sorted_lines(&dir.join("flows.json")), log)
}

#[test]
fn puppet_template_with_trailing_comments_binds_and_counts_as_1_7_7() {
    let pcap = repo().join("compat-tests/corpus/traffic-reproducer/ipfix-traffic.pcap");
    let datagrams = payloads(&pcap);
    let theirs_dir = tmpdir("trailing-pmacct");
    let ours_dir = tmpdir("trailing-ours");
    let (their_addr, their_records, _) = run(
        &compat_tests::oracle::path("nfacctd"),
        &theirs_dir,
        &datagrams,
    );
    let (our_addr, our_records, _) = run(NFACCTD, &ours_dir, &datagrams);
    assert_eq!(their_addr, "127.0.0.1:PORT");
    assert_eq!(our_addr, their_addr);
    assert!(!their_records.is_empty(), "1.7.7 output no records");
    assert_eq!(our_records, their_records);
}

#[test]
fn each_trailing_text_is_warned_with_file_line_and_key() {
    let dir = tmpdir("trailing-warn");
    let conf = dir.join("puppet.conf");
    std::fs::write(&conf, template(&dir, 2100)).unwrap();
    let o = std::process::Command::new(NFACCTD)
        .arg("-f")
        .arg(&conf)
        .arg("--check-config")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    let c = conf.display();
    for (line, key, text, value) in [
        (3, "nfacctd_ip", "! listen here", "127.0.0.1"),
        (4, "nfacctd_port", "! netflow", "2100"),
        (11, "print_cache_entries", "# buckets", "16411"),
        (12, "plugin_pipe_size", "# bytes", "10240000"),
    ] {
        let want = format!(
            "WARN: [{c}:{line}] key '{key}': trailing text ignored: '{text}' (value read as '{value}')."
        );
        assert!(out.contains(&want), "missing {want}\n{out}");
    }
    // daemonize: "false ! ..." is not a boolean for 1.7.7 either: invalid, ignored.
    assert!(
        out.contains(&format!("[{c}:2] Invalid value 'false ! foreground")),
        "{out}"
    );
}
