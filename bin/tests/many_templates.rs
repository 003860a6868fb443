//! An exporter with 2,000 IPFIX templates loses nothing (issue 24, item 2: there is no fixed
//! cap of 512 templates per exporter any more): pmacct 1.7.7 (which has no cap) and ours
//! print the same 2,000 records from the same capture, with the default cap and with
//! `nfacctd_templates_per_exporter` set to exactly what the exporter needs; a cap below it
//! loses the least recently announced templates' records, and says so.

mod support;

use std::path::Path;

const NFACCTD: &str = env!("CARGO_BIN_EXE_nfacctd");
const TEMPLATES: u32 = 2000;

/// An Ethernet/IPv4/UDP frame from 192.0.2.1:4739 to 192.0.2.2:2100 carrying `payload`.
fn frame(payload: &[u8]) -> Vec<u8> {
    let mut f = vec![0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00];
    let total = (20 + 8 + payload.len()) as u16;
    f.extend_from_slice(&[0x45, 0]);
    f.extend_from_slice(&total.to_be_bytes());
    f.extend_from_slice(&[0, 0, 0x40, 0, 64, 17, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2]);
    f.extend_from_slice(&4739u16.to_be_bytes());
    f.extend_from_slice(&2100u16.to_be_bytes());
    f.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
    f.extend_from_slice(&[0, 0]);
    f.extend_from_slice(payload);
    f
}

fn ipfix(seq: u32, sets: &[u8]) -> Vec<u8> {
    let mut d = Vec::new();
    d.extend_from_slice(&10u16.to_be_bytes());
    d.extend_from_slice(&((16 + sets.len()) as u16).to_be_bytes());
    d.extend_from_slice(&1_700_000_000u32.to_be_bytes());
    d.extend_from_slice(&seq.to_be_bytes());
    d.extend_from_slice(&0u32.to_be_bytes());
    d.extend_from_slice(sets);
    d
}

/// The capture: templates 256.. (src IPv4, dst IPv4, octets, packets) announced 50 per
/// datagram, then one data record per template, each from its own source address.
fn write_capture(path: &Path) {
    let mut dgrams = Vec::new();
    let mut seq = 0;
    let ids: Vec<u32> = (0..TEMPLATES).collect();
    for chunk in ids.chunks(50) {
        let mut body = Vec::new();
        for &i in chunk {
            for v in [256 + i as u16, 4, 8, 4, 12, 4, 1, 8, 2, 8] {
                body.extend_from_slice(&v.to_be_bytes());
            }
        }
        let mut set = 2u16.to_be_bytes().to_vec();
        set.extend_from_slice(&((4 + body.len()) as u16).to_be_bytes());
        set.extend_from_slice(&body);
        dgrams.push(ipfix(seq, &set));
    }
    for chunk in ids.chunks(20) {
        let mut sets = Vec::new();
        for &i in chunk {
            sets.extend_from_slice(&(256 + i as u16).to_be_bytes());
            sets.extend_from_slice(&(4u16 + 24).to_be_bytes());
            sets.extend_from_slice(&[10, (i >> 8) as u8, i as u8, 1]);
            sets.extend_from_slice(&[192, 0, 2, 200]);
            sets.extend_from_slice(&(1000 + i as u64).to_be_bytes());
            sets.extend_from_slice(&1u64.to_be_bytes());
        }
        dgrams.push(ipfix(seq, &sets));
        seq += chunk.len() as u32;
    }
    let dead = pcap::Capture::dead(pcap::Linktype::ETHERNET).unwrap();
    let mut sf = dead.savefile(path).unwrap();
    for (n, d) in dgrams.iter().enumerate() {
        let f = frame(d);
        let header = pcap::PacketHeader {
            ts: libc::timeval {
                tv_sec: 1_700_000_000,
                tv_usec: n as libc::suseconds_t,
            },
            caplen: f.len() as u32,
            len: f.len() as u32,
        };
        sf.write(&pcap::Packet::new(&header, &f));
    }
    sf.flush().unwrap();
}

fn ours(pcap: &Path, dir: &Path, extra: &str, tag: &str) -> Vec<String> {
    let out = dir.join(format!("ours-{tag}.json"));
    let conf = dir.join(format!("ours-{tag}.conf"));
    std::fs::write(
        &conf,
        format!(
            "plugins: print[o]\naggregate[o]: src_host, dst_host\nprint_output[o]: json\n\
             print_output_file[o]: {}\npcap_savefile: {}\n{extra}",
            out.display(),
            pcap.display()
        ),
    )
    .unwrap();
    support::run_to_exit(NFACCTD, &conf);
    support::sorted_lines(&out)
}

#[test]
fn exporter_with_2000_templates_loses_nothing_as_pmacct() {
    let dir = support::tmpdir("many-templates");
    let pcap = dir.join("templates-2000.pcap");
    write_capture(&pcap);
    let default = ours(&pcap, &dir, "", "default");
    let raised = ours(
        &pcap,
        &dir,
        "nfacctd_templates_per_exporter: 2000\n",
        "raised",
    );
    let low = ours(&pcap, &dir, "nfacctd_templates_per_exporter: 512\n", "low");
    assert_eq!(default.len(), TEMPLATES as usize);
    assert_eq!(raised, default);
    assert_eq!(
        low.len(),
        512,
        "a cap below the exporter's needs loses records"
    );
    // pmacct 1.7.7 loses end-of-savefile records when the machine is loaded (it never
    // invents any): a short run is repeated.
    let mut theirs = Vec::new();
    for _ in 0..3 {
        theirs = support::oracle("/usr/sbin/nfacctd", "src_host, dst_host", &pcap, &dir);
        if theirs.len() >= default.len() {
            break;
        }
    }
    assert_eq!(theirs.len(), TEMPLATES as usize, "pmacct 1.7.7 records");
    assert_eq!(default, theirs);
}
