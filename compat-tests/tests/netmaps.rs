//! Differential tests of custom primitives, networks_file, ports_file, sampling_map and the
//! pmacct-test-automation cases 100, 101, 104, 110, 111 (issue 8): our nfacctd against
//! Debian's nfacctd 1.7.7 on the same capture and config, records compared as multisets
//! (with compat-tests/expected-differences.txt).
//!
//! Configs: compat-tests/automation/<case>.conf (1.7.7-compatible versions of the corpus
//! configs) and compat-tests/netmaps/*.conf; `@ROOT@` is compat-tests/, `@PCAP@`/`@OUT@` are
//! filled by the harness. Run: `cargo test --release -p pmacct-bin --test compat_netmaps`.

use std::path::Path;

use compat_tests::{compare, input, offline_case, root, run, Config};

fn ours() -> std::path::PathBuf {
    run::ours_binary(Some(env!("CARGO_BIN_EXE_nfacctd"))).unwrap_or_else(|e| panic!("{e}"))
}

fn config(dir: &str, name: &str) -> Config {
    let p = root().join(dir).join(format!("{name}.conf"));
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    Config {
        name: format!("{dir}/{name}"),
        text: text.replace("@ROOT@", &root().to_string_lossy()),
    }
}

fn case(dir: &str, name: &str, pcap: &str) {
    let c = config(dir, name);
    compat_tests::assert_case(offline_case(&input(Path::new(pcap)), &c, &ours()));
}

const TA: &str = "corpus/pmacct-test-automation";

macro_rules! cases {
    ($($test:ident: $dir:expr, $conf:expr, $pcap:expr;)*) => {
        $(
            #[test]
            fn $test() {
                case($dir, $conf, &$pcap);
            }
        )*
    };
}

cases! {
    automation_100: "automation", "100", format!("{TA}/100-IPFIXv10-CISCO/traffic-00.pcap");
    automation_101: "automation", "101", format!("{TA}/101-NFv9-CISCO-cust_primitives/traffic-00.pcap");
    automation_104: "automation", "104", format!("{TA}/104-IPFIXv10-IPv6-CISCO-sampling_option/traffic-00.pcap");
    automation_104_sampling_map: "automation", "104-sampling_map", format!("{TA}/104-IPFIXv10-IPv6-CISCO-sampling_option/traffic-00.pcap");
    automation_110_00: "automation", "110", format!("{TA}/110-IPFIXv10-NFv9-multiple-sources/traffic-00.pcap");
    automation_110_01: "automation", "110", format!("{TA}/110-IPFIXv10-NFv9-multiple-sources/traffic-01.pcap");
    automation_110_02: "automation", "110", format!("{TA}/110-IPFIXv10-NFv9-multiple-sources/traffic-02.pcap");
    automation_111_00: "automation", "111", format!("{TA}/111-IPFIXv10-NFv9-IPv6-IPv4-mix_sources/traffic-00.pcap");
    automation_111_01: "automation", "111", format!("{TA}/111-IPFIXv10-NFv9-IPv6-IPv4-mix_sources/traffic-01.pcap");

    custom_csv_v9: "netmaps", "custom-csv", "inputs/softflowd-v9-s1.pcap";
    custom_csv_ipfix: "netmaps", "custom-csv", "inputs/nfprobe-v10-s1.pcap";
    custom_formatted_v9: "netmaps", "custom-formatted", "inputs/nfprobe-v9-s2.pcap";
    custom_formatted_101: "netmaps", "custom-formatted", format!("{TA}/101-NFv9-CISCO-cust_primitives/traffic-00.pcap");
    custom_json_ipfix: "netmaps", "custom-json", "inputs/softflowd-v10-s2.pcap";
    custom_json_111: "netmaps", "custom-json", format!("{TA}/111-IPFIXv10-NFv9-IPv6-IPv4-mix_sources/traffic-01.pcap");

    net_file_v9: "netmaps", "net-file-csv", "inputs/nfprobe-v9-s1.pcap";
    net_file_v5: "netmaps", "net-file-csv", "inputs/nfprobe-v5-s2.pcap";
    net_file_101: "netmaps", "net-file-csv", format!("{TA}/101-NFv9-CISCO-cust_primitives/traffic-00.pcap");
    net_longest_v9: "netmaps", "net-longest-json", "inputs/softflowd-v9-s2.pcap";
    net_longest_101: "netmaps", "net-longest-json", format!("{TA}/101-NFv9-CISCO-cust_primitives/traffic-00.pcap");
    net_nolpm_v5: "netmaps", "net-nolpm-json", "inputs/softflowd-v5-s1.pcap";
    net_nolpm_110: "netmaps", "net-nolpm-json", format!("{TA}/110-IPFIXv10-NFv9-multiple-sources/traffic-01.pcap");
    net_filter_v10: "netmaps", "net-filter-csv", "inputs/nfprobe-v10-s2.pcap";
    net_filter_101: "netmaps", "net-filter-csv", format!("{TA}/101-NFv9-CISCO-cust_primitives/traffic-00.pcap");
    net_default_v9: "netmaps", "net-default-formatted", "inputs/nfprobe-v9-s1.pcap";
    net_mask_v5: "netmaps", "net-mask-json", "inputs/nfprobe-v5-s1.pcap";
    net_mask_101: "netmaps", "net-mask-json", format!("{TA}/101-NFv9-CISCO-cust_primitives/traffic-00.pcap");
    net_v6_v10: "netmaps", "net-v6-json", "inputs/nfprobe-v10-s1.pcap";

    ports_v9: "netmaps", "ports-csv", "inputs/nfprobe-v9-s2.pcap";
    ports_101: "netmaps", "ports-csv", format!("{TA}/101-NFv9-CISCO-cust_primitives/traffic-00.pcap");

    sampling_101: "netmaps", "sampling-json", format!("{TA}/101-NFv9-CISCO-cust_primitives/traffic-00.pcap");
    sampling_v5: "netmaps", "sampling-json", "inputs/nfprobe-v5-s2.pcap";
    sampling_renorm_101: "netmaps", "sampling-renorm-csv", format!("{TA}/101-NFv9-CISCO-cust_primitives/traffic-00.pcap");
    sampling_renorm_v9: "netmaps", "sampling-renorm-csv", "inputs/softflowd-v9-s1.pcap";
    sampling_renorm_104: "netmaps", "sampling-renorm-csv", format!("{TA}/104-IPFIXv10-IPv6-CISCO-sampling_option/traffic-00.pcap");

    // The sampling_map lookup frees the record's pre_tag_map label (first record of each
    // exporter and source id: 2 of 102's 11 records, 1 of 110-01's 12 print an empty label).
    sampling_label_102: "netmaps", "sampling-label-json", format!("{TA}/102-NFv9-CISCO-f2rd-pretag-sampling-reload/traffic-00.pcap");
    sampling_label_110: "netmaps", "sampling-label-json", format!("{TA}/110-IPFIXv10-NFv9-multiple-sources/traffic-01.pcap");
}

/// The log lines naming `file` (level, process, message), sorted: pmacct's core and plugin
/// processes interleave their lines.
fn map_lines(stderr: &str, file: &str) -> Vec<String> {
    let mut v: Vec<String> = stderr
        .lines()
        .filter(|l| l.contains(&format!("[{file}")))
        .map(|l| l.trim().to_string())
        .collect();
    v.sort();
    v
}

/// A config with malformed map lines: ours must log what pmacct 1.7.7 logs about the file
/// (its messages, file and line), skip the same lines and write the same records.
fn malformed(conf: &str, map: &str, pcap: &str) {
    let c = config("netmaps", conf);
    let i = input(Path::new(pcap));
    let oracle = run::oracle_binary().unwrap_or_else(|e| panic!("{e}"));
    let pm = run::offline(&oracle, &i, &c).unwrap_or_else(|e| panic!("{e}"));
    let mine = run::offline(&ours(), &i, &c).unwrap_or_else(|e| panic!("{e}"));
    let file = root()
        .join("netmaps")
        .join(map)
        .to_string_lossy()
        .to_string();
    let (a, b) = (map_lines(&pm.stderr, &file), map_lines(&mine.stderr, &file));
    assert!(
        a.iter()
            .any(|l| l.starts_with("WARN") || l.starts_with("ERROR")),
        "pmacct reported nothing about {file}:\n{}",
        pm.stderr
    );
    assert_eq!(
        a, b,
        "log lines about {file}: pmacct (left) vs ours (right)"
    );
    let format = c.format().unwrap_or_else(|e| panic!("{e}"));
    let d = compare(format, &pm.output, &mine.output);
    assert!(d.is_empty() && d.count_pmacct() == 0, "{conf}: {d}");
    assert!(!pm.output.is_empty(), "{conf}: pmacct wrote nothing");
}

#[test]
fn malformed_networks_file() {
    malformed("net-bad-json", "nets-bad.lst", "inputs/nfprobe-v9-s1.pcap");
}

#[test]
fn malformed_aggregate_primitives() {
    malformed(
        "custom-bad-csv",
        "custom-bad.map",
        &format!("{TA}/101-NFv9-CISCO-cust_primitives/traffic-00.pcap"),
    );
}

#[test]
fn malformed_ports_file() {
    malformed(
        "ports-bad-csv",
        "ports-bad.lst",
        "inputs/nfprobe-v9-s1.pcap",
    );
}

#[test]
fn malformed_sampling_map() {
    malformed(
        "sampling-bad-csv",
        "sampling-bad.map",
        &format!("{TA}/101-NFv9-CISCO-cust_primitives/traffic-00.pcap"),
    );
}

/// A classic pcap file split in two: the first `n` packets, and the rest (same header).
fn split_pcap(data: &[u8], n: usize) -> (Vec<u8>, Vec<u8>) {
    assert!(data.len() >= 24, "pcap too short");
    let le = data[..4] == [0xd4, 0xc3, 0xb2, 0xa1] || data[..4] == [0x4d, 0x3c, 0xb2, 0xa1];
    let (mut a, mut b) = (data[..24].to_vec(), data[..24].to_vec());
    let mut off = 24;
    let mut i = 0;
    while off + 16 <= data.len() {
        let l = [data[off + 8], data[off + 9], data[off + 10], data[off + 11]];
        let len = if le {
            u32::from_le_bytes(l)
        } else {
            u32::from_be_bytes(l)
        } as usize;
        let end = (off + 16 + len).min(data.len());
        let out = if i < n { &mut a } else { &mut b };
        out.extend_from_slice(&data[off..end]);
        off = end;
        i += 1;
    }
    (a, b)
}

/// nfacctd_templates_file: a first run sees only the template datagram of case 101 and saves
/// it; a second run, started afresh on the data datagrams alone, decodes every record from
/// the saved templates: its output equals pmacct 1.7.7's on the whole capture. Without the
/// file the same data gives nothing (the file is what made the difference).
#[test]
fn templates_file_restart() {
    let pcap = root().join(format!(
        "{TA}/101-NFv9-CISCO-cust_primitives/traffic-00.pcap"
    ));
    let data = std::fs::read(&pcap).unwrap_or_else(|e| panic!("{}: {e}", pcap.display()));
    let (tpl, rest) = split_pcap(&data, 1);
    let s = run::Scratch::new("templates").unwrap_or_else(|e| panic!("{e}"));
    let (tpl_pcap, data_pcap) = (s.0.join("tpl.pcap"), s.0.join("data.pcap"));
    std::fs::write(&tpl_pcap, tpl).unwrap();
    std::fs::write(&data_pcap, rest).unwrap();
    let plain = config("automation", "101");
    let with_file = Config {
        name: "automation/101-templates_file".into(),
        text: format!(
            "{}nfacctd_templates_file: {}\n",
            plain.text,
            s.0.join("templates.txt").display()
        ),
    };
    let first = run::offline(&ours(), &input(&tpl_pcap), &with_file).unwrap();
    assert!(
        first.output.trim().is_empty(),
        "the template datagram holds no data"
    );
    let saved = std::fs::read_to_string(s.0.join("templates.txt")).unwrap_or_default();
    assert!(saved.contains("template 0 313 "), "saved:\n{saved}");
    let second = run::offline(&ours(), &input(&data_pcap), &with_file).unwrap();
    let pm = run::oracle_output(&input(&pcap), &plain).unwrap_or_else(|e| panic!("{e}"));
    let format = plain.format().unwrap();
    let d = compare(format, &pm, &second.output);
    assert!(
        d.is_empty(),
        "restart with the templates file differs from pmacct on the whole capture: {d}\n{}",
        second.stderr
    );
    assert_eq!(second.output.lines().count(), 51, "case 101 has 51 records");
    let without = run::offline(&ours(), &input(&data_pcap), &plain).unwrap();
    assert!(
        without.output.trim().is_empty(),
        "without templates the data cannot decode"
    );
}

/// SIGUSR2 with `maps_refresh: true` reloads the networks file of a running nfacctd: the same
/// datagrams sent before and after the file changes are accounted under the old and the new
/// AS, as many packets each.
#[test]
fn networks_file_reload_on_sigusr2() {
    use std::process::{Command, Stdio};
    use std::time::Duration;
    let s = run::Scratch::new("netreload").unwrap_or_else(|e| panic!("{e}"));
    let nets = s.0.join("nets.lst");
    let out = s.0.join("out.csv");
    std::fs::write(&nets, "65001,10.0.0.0/8\n").unwrap();
    let port = run::free_port().unwrap();
    let conf = s.0.join("nfacctd.conf");
    std::fs::write(
        &conf,
        format!(
            "daemonize: false\nnfacctd_ip: 127.0.0.1\nnfacctd_port: {port}\nplugins: print\n\
             print_output: csv\nprint_output_file: {}\nprint_refresh_time: 86400\n\
             aggregate: src_as\nnetworks_file: {}\nnfacctd_as: file\nmaps_refresh: true\n",
            out.display(),
            nets.display()
        ),
    )
    .unwrap();
    let mut child = Command::new(ours())
        .arg("-f")
        .arg(&conf)
        .env("TZ", "UTC")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(s.0.join("stderr")).unwrap())
        .spawn()
        .unwrap();
    let stderr = s.0.join("stderr");
    let wait = |what: &str, ready: &dyn Fn() -> bool| {
        run::wait_until(what, Duration::from_secs(15), ready).unwrap_or_else(|e| panic!("{e}"))
    };
    wait("listening, plugin up", &|| {
        run::udp_bound(port) && run::lines_with(&stderr, run::PLUGIN_UP) >= 1
    });
    let pcap = root().join("inputs/nfprobe-v5-s1.pcap");
    let target: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let sent = run::replay(&pcap, &[target], 2000).unwrap();
    assert!(sent > 0);
    wait("first replay read", &|| run::udp_queued(port) == Some(0));
    // Read is not yet accounted: the worker hands its last batch over when the socket has
    // been idle, and the plugin evaluates networks_file then; let that finish before the map
    // changes (nothing the daemon logs marks it).
    std::thread::sleep(Duration::from_millis(1000));
    std::fs::write(&nets, "65002,10.0.0.0/8\n").unwrap();
    // SAFETY: kill() on the pid of the child this test started.
    unsafe { libc::kill(child.id() as i32, libc::SIGUSR2) };
    wait("networks_file reloaded", &|| {
        run::lines_with(&stderr, " maps reloaded") >= 1
    });
    run::replay(&pcap, &[target], 2000).unwrap();
    wait("second replay read", &|| run::udp_queued(port) == Some(0));
    // SAFETY: as above.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let _ = child.wait();
    let text = std::fs::read_to_string(&out).unwrap_or_default();
    let stderr = std::fs::read_to_string(s.0.join("stderr")).unwrap_or_default();
    let rows: Vec<Vec<&str>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    let packets = |asn: &str| -> u64 {
        rows.iter()
            .filter(|r| r[0] == asn)
            .map(|r| r[1].parse::<u64>().unwrap_or(0))
            .sum()
    };
    let (a, b) = (packets("65001"), packets("65002"));
    assert!(
        a > 0 && a == b,
        "AS 65001: {a} packets, AS 65002: {b}\n{text}\n{stderr}"
    );
}

cases! {
    flow_to_rd_101: "netmaps", "f2rd-json", format!("{TA}/101-NFv9-CISCO-cust_primitives/traffic-00.pcap");
    flow_to_rd_102: "netmaps", "f2rd-102-csv", format!("{TA}/102-NFv9-CISCO-f2rd-pretag-sampling-reload/traffic-00.pcap");
    flow_to_rd_110: "netmaps", "f2rd-102-csv", format!("{TA}/110-IPFIXv10-NFv9-multiple-sources/traffic-01.pcap");
}

/// A case of sfacctd (ours against sfacctd 1.7.7), config compat-tests/netmaps/sfacctd/NAME.
fn sf_case(name: &str, pcap: &str) {
    let p = root().join("netmaps/sfacctd").join(format!("{name}.conf"));
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    // The "sfacctd/" prefix makes the harness run pmacct's sfacctd as the oracle.
    let c = Config {
        name: format!("sfacctd/netmaps-{name}"),
        text: text.replace("@ROOT@", &root().to_string_lossy()),
    };
    let ours = run::ours_binary_of(&run::SFACCTD, Some(env!("CARGO_BIN_EXE_sfacctd")))
        .unwrap_or_else(|e| panic!("{e}"));
    match offline_case(&input(Path::new(pcap)), &c, &ours) {
        Ok(note) => println!("{note}"),
        Err(e) => panic!("\n{e}"),
    }
}

#[test]
fn sfacctd_net_file() {
    sf_case("net-file-csv", "inputs/sflow/sfprobe-s1.pcap");
}

#[test]
fn sfacctd_net_longest_filter() {
    sf_case("net-longest-filter-json", "inputs/sflow/sfprobe-s2.pcap");
}

#[test]
fn sfacctd_ports() {
    sf_case("ports-csv", "inputs/sflow/sfprobe-s3.pcap");
}

#[test]
fn sfacctd_sampling_map_renormalize() {
    sf_case("sampling-renorm-json", "inputs/sflow/sfprobe-s1.pcap");
}

/// sfacctd_renormalize with a sampling_map on agents sampling at 4 and 10: a sample is
/// renormalized once, by the map's rate where a rule matches (s3's agent 192.0.2.13 with
/// either map), else by its sample pool (s4's agent), never by both.
#[test]
fn sfacctd_sampling_map_renormalize_sampled_agents() {
    sf_case("sampling-renorm-json", "inputs/sflow/sfprobe-s3.pcap");
    sf_case("sampling-agent-renorm-csv", "inputs/sflow/sfprobe-s3.pcap");
    sf_case("sampling-agent-renorm-csv", "inputs/sflow/sfprobe-s4.pcap");
}

/// sfacctd_ext_sampling_rate with a sampling_map: counters by the external rate only.
#[test]
fn sfacctd_sampling_map_ext_sampling_rate() {
    sf_case("sampling-agent-ext-json", "inputs/sflow/sfprobe-s3.pcap");
    sf_case("sampling-agent-ext-json", "inputs/sflow/sfprobe-s4.pcap");
}

/// networks_file is plugin-scoped in pmacct: two print plugins with different networks
/// files (and nfacctd_net per plugin) each print their own nets and ASNs, as in 1.7.7.
#[test]
fn networks_file_per_plugin() {
    use std::process::{Command, Stdio};
    let pcap = root().join(format!(
        "{TA}/101-NFv9-CISCO-cust_primitives/traffic-00.pcap"
    ));
    let nets = root().join("netmaps");
    let conf = |dir: &Path| {
        format!(
            "daemonize: false\npcap_savefile: {}\nplugins: print[a], print[b]\n\
             aggregate: src_host, dst_host, src_net, dst_net, src_mask, dst_mask, src_as, dst_as\n\
             nfacctd_as: file\nprint_output: csv\nprint_refresh_time: 86400\n\
             print_output_file[a]: {}/a.csv\nprint_output_file[b]: {}/b.csv\n\
             networks_file[a]: {}/nets-v4.lst\nnfacctd_net[a]: file\n\
             networks_file[b]: {}/nets-v6.lst\nnfacctd_net[b]: longest\n",
            pcap.display(),
            dir.display(),
            dir.display(),
            nets.display(),
            nets.display()
        )
    };
    let run_one = |bin: &Path, tag: &str| -> (String, String, run::Scratch) {
        let s = run::Scratch::new(tag).unwrap_or_else(|e| panic!("{e}"));
        let cf = s.0.join("nfacctd.conf");
        std::fs::write(&cf, conf(&s.0)).unwrap();
        let st = Command::new(bin)
            .arg("-f")
            .arg(&cf)
            .env("TZ", "UTC")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(st.success(), "{} failed", bin.display());
        let read = |n: &str| std::fs::read_to_string(s.0.join(n)).unwrap_or_default();
        (read("a.csv"), read("b.csv"), s)
    };
    let oracle = run::oracle_binary().unwrap_or_else(|e| panic!("{e}"));
    let (pa, pb, _s1) = run_one(&oracle, "perplugin-pmacct");
    let (oa, ob, _s2) = run_one(&ours(), "perplugin-ours");
    assert!(
        pa.lines().count() > 10 && pb.lines().count() > 10,
        "{pa}\n{pb}"
    );
    assert_ne!(
        pa, pb,
        "the two plugins must differ for the test to mean something"
    );
    for (name, p, o) in [("a", &pa, &oa), ("b", &pb, &ob)] {
        let d = compare(compat_tests::Format::Csv, p, o);
        assert!(d.is_empty() && d.count_pmacct() == 0, "plugin {name}: {d}");
    }
}

/// An aggregate naming a custom primitive the file does not define: the core's error line
/// of pmacct 1.7.7, and no output.
#[test]
fn unknown_custom_primitive() {
    let mut c = config("netmaps", "custom-bad-csv");
    c.name = "netmaps/custom-unknown".into();
    c.text = c
        .text
        .replace("aggregate: src_host, a1", "aggregate: src_host, nosuch, a1");
    let i = input(Path::new("inputs/nfprobe-v9-s1.pcap"));
    let oracle = run::oracle_binary().unwrap_or_else(|e| panic!("{e}"));
    let pm = run::offline(&oracle, &i, &c).unwrap_or_else(|e| panic!("{e}"));
    let mine = run::offline(&ours(), &i, &c).unwrap_or_else(|e| panic!("{e}"));
    let line = |s: &str| -> Option<String> {
        s.split("ERROR")
            .nth(1)
            .map(|l| format!("ERROR{}", l.lines().next().unwrap_or("")))
    };
    assert_eq!(
        line(&pm.stderr).as_deref(),
        Some("ERROR ( default/core ): Unknown primitive 'nosuch'")
    );
    assert_eq!(line(&pm.stderr), line(&mine.stderr), "{}", mine.stderr);
    assert!(pm.output.is_empty() && mine.output.is_empty());
}
