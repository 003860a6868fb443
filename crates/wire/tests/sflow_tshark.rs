//! Every sample of every sFlow capture under tests/data/sflow, decoded by us, equals tshark's
//! decoding of the same datagram (sample header fields and the dissected sampled header:
//! Ethernet, VLAN tags, MPLS labels, IPv4/IPv6 incl. extension headers and fragments,
//! TCP/UDP/ICMP, VXLAN inner headers). tshark's view is produced by sflow_tshark_expect.py;
//! fields tshark did not decode are not compared. Runs when tshark and python3 are installed.

mod support;

use pmacct_wire::sflow::{self, Sample};
use serde_json::Value;
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::Path;
use std::process::Command;

fn mac(m: &[u8; 6]) -> String {
    m.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn ip(a: Option<IpAddr>) -> String {
    a.map_or("-".into(), |a| a.to_string())
}

/// Our view of one sample, with the names of sflow_tshark_expect.py.
fn fields(s: Sample) -> BTreeMap<&'static str, String> {
    let mut m = BTreeMap::new();
    match s {
        Sample::Counters(c) => {
            m.insert("kind", "counters".into());
            m.insert("seq", c.sequence.to_string());
        }
        Sample::Flow(f) => {
            m.insert("kind", "flow".into());
            m.insert("seq", f.sequence.to_string());
            m.insert("source_class", f.source_id_type.to_string());
            m.insert("source_index", f.source_id_index.to_string());
            m.insert("rate", f.sampling_rate.to_string());
            m.insert("pool", f.sample_pool.to_string());
            m.insert("drops", f.drops.to_string());
            m.insert("in", f.input.to_string());
            m.insert("out", f.output.to_string());
            if let Some(sw) = f.switch {
                m.insert("sw_in_vlan", sw.src_vlan.to_string());
                m.insert("sw_out_vlan", sw.dst_vlan.to_string());
            }
            if f.has_header {
                m.insert("frame_length", f.frame_length.to_string());
                m.insert("stripped", f.stripped.to_string());
                m.insert("header_length", f.header.len().to_string());
                let p = &f.packet;
                m.insert("eth_src", mac(&p.src_mac));
                m.insert("eth_dst", mac(&p.dst_mac));
                m.insert("vlan", p.vlan.to_string());
                m.insert("cos", p.cos.to_string());
                m.insert("inner_vlan", p.inner_vlan.to_string());
                m.insert(
                    "mpls",
                    p.mpls_stack()
                        .iter()
                        .map(|l| l.to_string())
                        .collect::<Vec<_>>()
                        .join(","),
                );
                if p.has_ip {
                    m.insert("ip_src", ip(p.ip.src_addr));
                    m.insert("ip_dst", ip(p.ip.dst_addr));
                    m.insert("tos", p.ip.tos.to_string());
                    m.insert("ip_len", p.ip.ip_len.to_string());
                    m.insert("frag_offset", p.ip.frag.offset.to_string());
                    m.insert("proto", p.ip.proto.to_string());
                    m.insert("sport", p.ip.src_port.to_string());
                    m.insert("dport", p.ip.dst_port.to_string());
                    m.insert("tcp_flags", p.ip.tcp_flags.to_string());
                    m.insert("icmp", format!("{}/{}", p.ip.icmp_type, p.ip.icmp_code));
                }
                if p.tunnel_kind == pmacct_wire::packet::TunnelKind::Vxlan {
                    m.insert("vni", p.vni.to_string());
                    m.insert("inner_eth_src", mac(&p.tunnel.src_mac));
                    m.insert("inner_ip_src", ip(p.tunnel.ip.src_addr));
                    m.insert("inner_ip_dst", ip(p.tunnel.ip.dst_addr));
                }
            }
        }
    }
    m
}

/// Compare one capture; returns (samples, fields) compared.
fn compare(pcap: &Path) -> (usize, usize) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sflow_tshark_expect.py");
    let out = Command::new("/usr/bin/python3")
        .arg(&script)
        .arg(pcap)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut expected = BTreeMap::new();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        expected.insert(v["frame"].as_u64().unwrap() as usize, v);
    }
    let (mut samples, mut compared) = (0, 0);
    for pkt in support::read_pcap(pcap) {
        let Some(exp) = expected.get(&pkt.frame) else {
            continue;
        };
        let mut ours = Vec::new();
        let mut agent = String::new();
        let stats = sflow::walk(pkt.src, &pkt.payload, |s| {
            if let Sample::Flow(f) = &s {
                agent = f.datagram.agent.to_string();
            }
            ours.push(fields(s));
        })
        .unwrap();
        assert_eq!(stats.total_dropped(), 0, "frame {}: {stats:?}", pkt.frame);
        let exp_samples = exp["samples"].as_array().unwrap();
        assert_eq!(ours.len(), exp_samples.len(), "frame {}", pkt.frame);
        if !agent.is_empty() {
            assert_eq!(agent, exp["agent"].as_str().unwrap());
        }
        for (i, (o, e)) in ours.iter().zip(exp_samples).enumerate() {
            for (k, v) in e.as_object().unwrap() {
                let got = o.get(k.as_str()).map(String::as_str).unwrap_or("<none>");
                assert_eq!(
                    got,
                    v.as_str().unwrap(),
                    "{} frame {} sample {i}: {k}",
                    pcap.display(),
                    pkt.frame
                );
                compared += 1;
            }
            samples += 1;
        }
    }
    assert!(samples > 0, "{}: no samples", pcap.display());
    (samples, compared)
}

#[test]
fn captures_match_tshark() {
    if !(support::have("tshark") && Path::new("/usr/bin/python3").exists()) {
        assert!(std::env::var_os("CI").is_none(), "CI must install tshark");
        eprintln!("tshark or python3 missing: skipped");
        return;
    }
    let dir = support::data_dir().join("sflow");
    let mut total = (0, 0);
    for name in [
        "sflow-1.pcap",
        "sflow-2.pcap",
        "sflow-3.pcap",
        "sflow-q.pcap",
    ] {
        let (s, f) = compare(&dir.join(name));
        eprintln!("{name}: {s} samples, {f} fields equal to tshark");
        total.0 += s;
        total.1 += f;
    }
    assert!(total.0 > 1000, "{total:?}");
}
