//! Test support: a tiny classic-pcap reader (Ethernet / 802.1Q / IPv4 / IPv6 / UDP), corpus
//! paths, the normalized views of a `FlowRecord` and of a decoded packet header that
//! tshark_expect.py and sflow_tshark_expect.py also produce, and running those scripts.
#![allow(dead_code)]

use pmacct_wire::packet::{PacketInfo, TunnelKind};
use pmacct_wire::FlowRecord;
use serde_json::Value;
use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Packet {
    /// 1-based, as tshark numbers frames.
    pub frame: usize,
    pub src: IpAddr,
    pub dst_port: u16,
    pub payload: Vec<u8>,
}

fn rd16(b: &[u8], o: usize, le: bool) -> Option<u16> {
    let s: [u8; 2] = b.get(o..o + 2)?.try_into().ok()?;
    Some(if le {
        u16::from_le_bytes(s)
    } else {
        u16::from_be_bytes(s)
    })
}

fn rd32(b: &[u8], o: usize, le: bool) -> Option<u32> {
    let s: [u8; 4] = b.get(o..o + 4)?.try_into().ok()?;
    Some(if le {
        u32::from_le_bytes(s)
    } else {
        u32::from_be_bytes(s)
    })
}

/// UDP datagrams of a classic pcap file (frames that are not unfragmented UDP are skipped
/// but still numbered).
pub fn read_pcap(path: &Path) -> Vec<Packet> {
    let b = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let le = match rd32(&b, 0, false).expect("pcap header") {
        0xa1b2c3d4 | 0xa1b23c4d => false,
        0xd4c3b2a1 | 0x4d3cb2a1 => true,
        m => panic!("not a classic pcap: magic {m:#x}"),
    };
    let linktype = rd32(&b, 20, le).unwrap();
    let mut off = 24;
    let mut out = Vec::new();
    let mut frame = 0;
    while let Some(incl) = rd32(&b, off + 8, le) {
        let data = &b[off + 16..off + 16 + incl as usize];
        off += 16 + incl as usize;
        frame += 1;
        let l3 = match linktype {
            1 => {
                let mut et = rd16(data, 12, false).unwrap_or(0);
                let mut p = 14;
                while et == 0x8100 || et == 0x88a8 {
                    et = rd16(data, p + 2, false).unwrap_or(0);
                    p += 4;
                }
                data.get(p..).map(|d| (et, d))
            }
            101 => data
                .first()
                .map(|v| (if v >> 4 == 6 { 0x86dd } else { 0x0800 }, data)),
            113 => rd16(data, 14, false).and_then(|et| data.get(16..).map(|d| (et, d))),
            _ => None,
        };
        let Some((et, ip)) = l3 else { continue };
        let udp = match et {
            0x0800 if ip.len() >= 20 && ip[9] == 17 => {
                let frag = rd16(ip, 6, false).unwrap() & 0x3fff;
                if frag != 0 {
                    continue;
                }
                let ihl = (ip[0] & 0xf) as usize * 4;
                let tot = rd16(ip, 2, false).unwrap() as usize;
                let src = IpAddr::V4(Ipv4Addr::new(ip[12], ip[13], ip[14], ip[15]));
                ip.get(ihl..tot.min(ip.len())).map(|u| (src, u))
            }
            0x86dd if ip.len() >= 40 && ip[6] == 17 => {
                let a: [u8; 16] = ip[8..24].try_into().unwrap();
                let plen = rd16(ip, 4, false).unwrap() as usize;
                ip.get(40..(40 + plen).min(ip.len()))
                    .map(|u| (IpAddr::V6(Ipv6Addr::from(a)), u))
            }
            _ => None,
        };
        let Some((src, u)) = udp else { continue };
        let (Some(dport), Some(ulen)) = (rd16(u, 2, false), rd16(u, 4, false)) else {
            continue;
        };
        let end = (ulen as usize).min(u.len());
        if end < 8 {
            continue;
        }
        out.push(Packet {
            frame,
            src,
            dst_port: dport,
            payload: u[8..end].to_vec(),
        });
    }
    out
}

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn corpus() -> PathBuf {
    workspace_root().join("compat-tests/corpus")
}

/// Every NetFlow/IPFIX pcap of the corpus.
pub fn corpus_pcaps() -> Vec<PathBuf> {
    let mut v = Vec::new();
    let pta = corpus().join("pmacct-test-automation");
    if let Ok(dirs) = std::fs::read_dir(&pta) {
        for d in dirs.flatten() {
            if let Ok(files) = std::fs::read_dir(d.path()) {
                for f in files.flatten() {
                    let n = f.file_name().to_string_lossy().to_string();
                    if n.starts_with("traffic-") && n.ends_with(".pcap") {
                        v.push(f.path());
                    }
                }
            }
        }
    }
    for n in [
        "ipfix-vmware.pcap",
        "ipfix-multi-sources.pcap",
        "nfv9-traffic.pcap",
        "ipfix-traffic.pcap",
    ] {
        v.push(corpus().join("traffic-reproducer").join(n));
    }
    v.sort();
    v
}

pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

fn ts(t: pmacct_wire::Timestamp) -> String {
    format!("{}.{:06}", t.secs, t.usecs)
}

fn mac(m: &[u8; 6]) -> String {
    m.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// The normalized fields of a record, with the names tshark_expect.py uses.
pub fn normalize(r: &FlowRecord) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    let mut put = |k: &str, v: String| {
        m.insert(k.to_string(), v);
    };
    let ip = |a: Option<IpAddr>| a.map_or("-".to_string(), |a| a.to_string());
    put("src", ip(r.src_addr));
    put("dst", ip(r.dst_addr));
    put("next_hop", ip(r.next_hop));
    put("bgp_next_hop", ip(r.bgp_next_hop));
    put("src_mac", mac(&r.src_mac));
    put("dst_mac", mac(&r.dst_mac));
    put("src_port", r.src_port.to_string());
    put("dst_port", r.dst_port.to_string());
    put("proto", r.proto.to_string());
    put("in_iface", r.in_iface.to_string());
    put("out_iface", r.out_iface.to_string());
    put("src_as", r.src_as.to_string());
    put("dst_as", r.dst_as.to_string());
    put("src_mask", r.src_mask.to_string());
    put("dst_mask", r.dst_mask.to_string());
    put("bytes", r.bytes.to_string());
    put("packets", r.packets.to_string());
    put("flows", r.flows.to_string());
    put(
        "direction",
        r.direction.map_or("-".into(), |d| d.to_string()),
    );
    put("vlan", r.vlan.to_string());
    put(
        "sampler_id",
        r.sampler_id.map_or("-".into(), |d| d.to_string()),
    );
    put("vrf_id", r.vrf_id.map_or("-".into(), |d| d.to_string()));
    put("nat_event", r.nat_event.to_string());
    put("fw_event", r.fw_event.to_string());
    put("tos", r.tos.to_string());
    put("tcp_flags", r.tcp_flags.to_string());
    put("fwd_status", (r.forwarding_status >> 6).to_string());
    put(
        "mpls",
        format!(
            "{}/{}/{}",
            r.mpls_label_top, r.mpls_label_bottom, r.mpls_stack_depth
        ),
    );
    put("first", ts(r.first));
    put("last", ts(r.last));
    m
}

fn ip(a: Option<IpAddr>) -> String {
    a.map_or("-".into(), |a| a.to_string())
}

/// Our view of a decoded packet header, with the names of sflow_tshark_expect.py's
/// header_fields().
pub fn header_fields(p: &PacketInfo) -> BTreeMap<&'static str, String> {
    let mut m = BTreeMap::new();
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
    if p.tunnel_kind == TunnelKind::Vxlan {
        m.insert("vni", p.vni.to_string());
        m.insert("inner_eth_src", mac(&p.tunnel.src_mac));
        m.insert("inner_ip_src", ip(p.tunnel.ip.src_addr));
        m.insert("inner_ip_dst", ip(p.tunnel.ip.dst_addr));
    }
    m
}

/// The JSON lines tests/`script` (python3, run on `args`) prints, keyed by their "frame".
pub fn expected_by_frame(script: &str, args: &[&OsStr]) -> BTreeMap<usize, Value> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(script);
    let out = Command::new("python3")
        .arg(&script)
        .args(args)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{} failed: {}",
        script.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (v["frame"].as_u64().unwrap() as usize, v)
        })
        .collect()
}

/// Every field of tshark's view `expected` (a JSON object of strings) equals ours ("<none>"
/// where we have no such field), but those `skip` names; a failure says `at` and the field.
/// Returns the number of fields compared.
pub fn assert_fields<K: std::borrow::Borrow<str> + Ord>(
    ours: &BTreeMap<K, String>,
    expected: &Value,
    skip: impl Fn(&str) -> bool,
    at: &str,
) -> usize {
    let mut compared = 0;
    for (k, v) in expected.as_object().unwrap() {
        if skip(k) {
            continue;
        }
        let got = ours.get(k.as_str()).map(String::as_str).unwrap_or("<none>");
        assert_eq!(got, v.as_str().unwrap(), "{at}{k}");
        compared += 1;
    }
    compared
}

/// Whether tshark and python3 are installed; the tshark comparisons are skipped without
/// them, except on CI.
pub fn tshark_tools() -> bool {
    let ok = have("tshark") && have("python3");
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install tshark and python3"
        );
        eprintln!("tshark or python3 missing: skipped");
    }
    ok
}

/// Is this binary on PATH?
pub fn have(bin: &str) -> bool {
    std::process::Command::new(bin)
        .arg("--version")
        .output()
        .is_ok()
}

/// Write UDP datagrams (IPv4, from `src` to 192.0.2.254:`port`) as a classic pcap.
pub fn write_pcap(path: &Path, port: u16, dgrams: &[(Ipv4Addr, Vec<u8>)]) {
    let mut out = Vec::new();
    out.extend_from_slice(&0xa1b2c3d4u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&65535u32.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    for (i, (src, payload)) in dgrams.iter().enumerate() {
        let mut f = vec![2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00];
        let tot = (20 + 8 + payload.len()) as u16;
        f.extend_from_slice(&[0x45, 0]);
        f.extend_from_slice(&tot.to_be_bytes());
        f.extend_from_slice(&[0, 0, 0, 0, 64, 17, 0, 0]);
        f.extend_from_slice(&src.octets());
        f.extend_from_slice(&[192, 0, 2, 254]);
        f.extend_from_slice(&40000u16.to_be_bytes());
        f.extend_from_slice(&port.to_be_bytes());
        f.extend_from_slice(&(8 + payload.len() as u16).to_be_bytes());
        f.extend_from_slice(&[0, 0]);
        f.extend_from_slice(payload);
        out.extend_from_slice(&(1_700_000_000u32 + i as u32).to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&(f.len() as u32).to_le_bytes());
        out.extend_from_slice(&(f.len() as u32).to_le_bytes());
        out.extend_from_slice(&f);
    }
    std::fs::write(path, out).unwrap();
}

/// Builder for crafted export datagrams (big-endian appends).
#[derive(Default, Clone)]
pub struct Buf(pub Vec<u8>);

impl Buf {
    pub fn u8(mut self, v: u8) -> Self {
        self.0.push(v);
        self
    }
    pub fn u16(mut self, v: u16) -> Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    pub fn u32(mut self, v: u32) -> Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    pub fn u64(mut self, v: u64) -> Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    pub fn bytes(mut self, v: &[u8]) -> Self {
        self.0.extend_from_slice(v);
        self
    }
}

/// An IPFIX message around `sets` (length filled in).
pub fn ipfix(export: u32, seq: u32, domain: u32, sets: &[Vec<u8>]) -> Vec<u8> {
    let body: Vec<u8> = sets.concat();
    Buf::default()
        .u16(10)
        .u16((16 + body.len()) as u16)
        .u32(export)
        .u32(seq)
        .u32(domain)
        .bytes(&body)
        .0
}

/// A NetFlow v9 datagram around `sets` with the given header count.
pub fn v9(count: u16, uptime: u32, secs: u32, seq: u32, source: u32, sets: &[Vec<u8>]) -> Vec<u8> {
    Buf::default()
        .u16(9)
        .u16(count)
        .u32(uptime)
        .u32(secs)
        .u32(seq)
        .u32(source)
        .bytes(&sets.concat())
        .0
}

/// A set / flowset: id, length (filled in), content.
pub fn set(id: u16, content: &[u8]) -> Vec<u8> {
    Buf::default()
        .u16(id)
        .u16((4 + content.len()) as u16)
        .bytes(content)
        .0
}

/// Template record content: id, field count, (id, len) pairs (IANA elements).
pub fn template(id: u16, fields: &[(u16, u16)]) -> Vec<u8> {
    let mut b = Buf::default().u16(id).u16(fields.len() as u16);
    for (f, l) in fields {
        b = b.u16(*f).u16(*l);
    }
    b.0
}
