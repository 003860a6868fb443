//! Every sample of every sFlow capture under tests/data/sflow, decoded by us, equals tshark's
//! decoding of the same datagram (sample header fields and the dissected sampled header:
//! Ethernet, VLAN tags, MPLS labels, IPv4/IPv6 incl. extension headers and fragments,
//! TCP/UDP/ICMP, VXLAN inner headers). tshark's view is produced by sflow_tshark_expect.py;
//! fields tshark did not decode are not compared. Runs when tshark and python3 are installed.

mod support;

use pmacct_wire::sflow::{self, Sample};
use std::collections::BTreeMap;
use std::path::Path;

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
                m.extend(support::header_fields(&f.packet));
            }
        }
    }
    m
}

/// Compare one capture; returns (samples, fields) compared.
fn compare(pcap: &Path) -> (usize, usize) {
    let expected = support::expected_by_frame("sflow_tshark_expect.py", &[pcap.as_os_str()]);
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
            let at = format!("{} frame {} sample {i}: ", pcap.display(), pkt.frame);
            compared += support::assert_fields(o, e, |_| false, &at);
            samples += 1;
        }
    }
    assert!(samples > 0, "{}: no samples", pcap.display());
    (samples, compared)
}

#[test]
fn captures_match_tshark() {
    if !support::tshark_tools() {
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
