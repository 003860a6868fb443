//! Times and keys against nfacctd 1.7.7 itself (pcap_savefile, print plugin, JSON with epoch
//! timestamps). Runs when /usr/sbin/nfacctd is installed (CI installs pmacct).

mod support;

use pmacct_wire::{FlowRecord, FlowType, Limits, NetflowDecoder};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

const NFACCTD: &str = "/usr/sbin/nfacctd";

type Key = (String, String, u16, u16, String, String);

/// nfacctd's records for a pcap: (src, dst, sport, dport, start, end).
fn nfacctd(pcap: &Path) -> BTreeSet<Key> {
    let dir = std::env::temp_dir().join(format!(
        "pmacct-wire-nfacctd-{}-{}",
        std::process::id(),
        pcap.file_name().unwrap().to_string_lossy()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("out.json");
    let conf = dir.join("nfacctd.conf");
    std::fs::write(
        &conf,
        format!(
            "daemonize: false\npcap_savefile: {}\nplugins: print[p]\nprint_output[p]: json\nprint_output_file[p]: {}\n\
             print_refresh_time[p]: 3600\ntimestamps_since_epoch: true\n\
             aggregate[p]: src_host, dst_host, src_port, dst_port, timestamp_start, timestamp_end\n",
            pcap.display(),
            out.display()
        ),
    )
    .unwrap();
    let st = Command::new(NFACCTD)
        .arg("-f")
        .arg(&conf)
        .env("TZ", "UTC")
        .output()
        .expect("nfacctd");
    assert!(
        st.status.success(),
        "nfacctd: {}",
        String::from_utf8_lossy(&st.stderr)
    );
    let text = std::fs::read_to_string(&out).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    text.lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["ip_src"].as_str().unwrap().to_string(),
                v["ip_dst"].as_str().unwrap().to_string(),
                v["port_src"].as_u64().unwrap() as u16,
                v["port_dst"].as_u64().unwrap() as u16,
                v["timestamp_start"].as_str().unwrap().to_string(),
                v["timestamp_end"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn ours(pcap: &Path) -> BTreeSet<Key> {
    let mut dec = NetflowDecoder::new(Limits::default());
    let mut v = BTreeSet::new();
    let ts = |t: pmacct_wire::Timestamp| format!("{}.{:06}", t.secs, t.usecs);
    for p in support::read_pcap(pcap) {
        let _ = dec.decode(p.src, &p.payload, |r: &FlowRecord| {
            if r.flow_type == FlowType::Traffic {
                let ip = |a: Option<std::net::IpAddr>| a.map_or(String::new(), |a| a.to_string());
                v.insert((
                    ip(r.src_addr),
                    ip(r.dst_addr),
                    r.src_port,
                    r.dst_port,
                    ts(r.first),
                    ts(r.last),
                ));
            }
        });
    }
    v
}

fn available() -> bool {
    let ok = Path::new(NFACCTD).exists();
    if !ok {
        assert!(std::env::var_os("CI").is_none(), "CI must install pmacct");
        eprintln!("nfacctd missing: skipped");
    }
    ok
}

#[test]
fn v5_and_v9_times_equal_nfacctd() {
    if !available() {
        return;
    }
    for pcap in [
        support::data_dir().join("softflowd-v5.pcap"),
        support::corpus().join("traffic-reproducer/nfv9-traffic.pcap"),
        support::corpus().join(
            "pmacct-test-automation/102-NFv9-CISCO-f2rd-pretag-sampling-reload/traffic-00.pcap",
        ),
    ] {
        let (p, o) = (nfacctd(&pcap), ours(&pcap));
        assert!(p.len() > 20, "{}: {}", pcap.display(), p.len());
        assert_eq!(p, o, "{}", pcap.display());
    }
}

#[test]
fn ipfix_ms_times_equal_nfacctd_and_uptime_times_are_decoded_where_it_does_not() {
    if !available() {
        return;
    }
    let pcap = support::corpus().join("traffic-reproducer/ipfix-traffic.pcap");
    assert_eq!(nfacctd(&pcap), ours(&pcap)); // IE 152/153: milliseconds kept
                                             // softflowd's IPFIX sends IE 22/21 (uptime-relative) and systemInitTimeMilliseconds in
                                             // options data: nfacctd 1.7.7 prints start = export time, end 0; we add the init time,
                                             // so the same flows have real times (docs/COMPATIBILITY.md).
    let pcap = support::data_dir().join("softflowd-ipfix.pcap");
    let p = nfacctd(&pcap);
    assert!(
        p.iter().all(|k| k.5 == "0.000000"),
        "nfacctd now decodes IPFIX uptime times?"
    );
    let o = ours(&pcap);
    assert_eq!(o.len(), p.len());
    assert!(o.iter().all(|k| k.5 != "0.000000"));
}
