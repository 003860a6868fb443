//! BPF on frames rebuilt from a flow: libpcap programs compiled and run here for every user
//! (a plugin's `aggregate_filter`, pre_tag_map's `filter=`, pmacctd's `pcap_filter` on a
//! savefile), and the one builder of the frames they run on.
//!
//! pmacct 1.7.7 evaluates a plugin's filter list (comma-separated expressions, any one
//! matching selects the record) with libpcap's `bpf_filter()`:
//! - pmacctd on the captured packet;
//! - nfacctd on a dummy Ethernet frame it fills from the flow record (`nfacctd.c`): MACs,
//!   an 802.1Q tag when the record's VLAN field has a non-zero first byte (so VLANs below 256
//!   are not tagged), MPLS labels when the template has them, an IPv4 header (version/IHL
//!   `0x45`; `0x05` for NetFlow v5, whose dummy is never reset) with ToS, protocol and
//!   addresses, or an IPv6 header (payload length 100, hop limit 64, no traffic class), then
//!   ports and the TCP flags byte; IP length, TTL and fragment fields are zero; the capture
//!   length is fixed per layout (55, 59, 77, 81, 95, 99, 117, 121 bytes) and the wire length
//!   is 100 (128 for MPLS over IPv6).
//!
//!   Where nfacctd shapes that frame by the template rather than the record, [`Synth::Netflow`]
//!   follows the record (pmacct's bugs, docs/COMPATIBILITY.md "ipfix-multi-sources with
//!   `aggregate_filter`"): MPLS labels only when the record has some (nfacctd adds the header
//!   for any template with IE 70, label 0 included), the TCP flags byte from the flags
//!   (nfacctd copies a 2-byte IE 6 from its high byte: 0), the tag from the printed VLAN
//!   (nfacctd tags when either direction's VLAN is above 255).
//!
//! Here the filter runs where a plugin receives its flows, so pmacctd's packet is rebuilt
//! from the flow too ([`Synth::Packet`]): Ethernet with the real MACs, the 802.1Q tag with
//! VLAN and CoS, the MPLS stack (top and bottom label), the IP header with ToS, total length
//! (the flow's bytes) and addresses, ports, TCP flags, and the frame's wire length. What a
//! flow does not carry is not in the rebuilt packet (TTL, IP id and fragment bits, options,
//! payload), so filters on those differ from pmacctd; see docs/COMPATIBILITY.md.
//!
//! pre_tag_map's `filter=` sees its own frames ([`Synth::PreTag`] on nfacctd and sfacctd,
//! [`Synth::Packet`] on pmacctd, in Linux cooked form when pmacctd captures SLL: see
//! [`rebuild_frame`]).
//!
//! Like pmacct, an `aggregate_filter` expression that does not compile is reported and left
//! out; when none compiles the plugin is not filtered at all.

use std::os::raw::c_uint;

use std::net::IpAddr;

use crate::flow::Flow;

/// How the packet a filter sees is rebuilt from a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Synth {
    /// nfacctd's dummy packet (also what sfacctd's flow samples without a header get).
    Netflow,
    /// pmacctd's captured packet, as far as the flow keeps it.
    Packet,
    /// The frame pre_tag_map's `filter=` runs on in nfacctd and sfacctd: nfacctd's dummy
    /// headers whatever the export version (MACs, VLAN tag above 255 and MPLS labels as
    /// exported, IPv4 version byte `0x45`, an IPv6 header without its version word, the
    /// address family from the source address), captured and wire length both the length
    /// of the headers built.
    PreTag,
}

/// A compiled program. libpcap's `bpf_program` owns a heap array of instructions that is
/// never written after `pcap_compile()`.
struct Program(pcap::BpfProgram);

// SAFETY: the program is only read after compilation (by `bpf_filter()`, which keeps no
// state), and freed once by its owner's Drop; moving it to another thread is sound.
unsafe impl Send for Program {}

/// libpcap's `struct bpf_insn`.
#[repr(C)]
struct BpfInsn {
    code: u16,
    jt: u8,
    jf: u8,
    k: u32,
}

#[link(name = "pcap")]
extern "C" {
    /// libpcap's BPF interpreter: `bpf_filter(insns, packet, wirelen, caplen)`.
    fn bpf_filter(pc: *const BpfInsn, p: *const u8, wirelen: c_uint, buflen: c_uint) -> c_uint;
}

impl Program {
    /// Run the program on `buf` as a packet of `wirelen` bytes on the wire.
    fn matches(&self, buf: &[u8], wirelen: u32) -> bool {
        let insns = self.0.get_instructions();
        if insns.is_empty() {
            return false;
        }
        let buflen = c_uint::try_from(buf.len()).unwrap_or(c_uint::MAX);
        // SAFETY: `insns` is the program libpcap compiled (pcap's `BpfInstruction` is a
        // transparent wrapper of `struct bpf_insn`, the layout `BpfInsn` repeats), ending in
        // a return as pcap_compile() guarantees; `bpf_filter()` reads at most `buflen` bytes
        // of `buf` (every load is bounds-checked against it) and keeps no pointer.
        unsafe {
            bpf_filter(
                insns.as_ptr().cast::<BpfInsn>(),
                buf.as_ptr(),
                wirelen.max(buflen),
                buflen,
            ) != 0
        }
    }
}

/// One BPF expression compiled for a link type (pmacctd's `pcap_filter` on savefile frames).
pub struct BpfFilter(Program);

impl BpfFilter {
    /// Compile `expr` for frames of libpcap link type `linktype` (pcap_compile()'s
    /// `optimize` as given). The error is libpcap's message.
    pub fn compile(expr: &str, linktype: u32, optimize: bool) -> Result<BpfFilter, String> {
        let lt = pcap::Linktype(i32::try_from(linktype).map_err(|e| e.to_string())?);
        let dead = pcap::Capture::dead(lt).map_err(|e| e.to_string())?;
        dead.compile(expr, optimize)
            .map(|p| BpfFilter(Program(p)))
            .map_err(|e| match e {
                pcap::Error::PcapError(s) => s,
                other => other.to_string(),
            })
    }

    /// Compile `expr` on the savefile itself, as pmacctd does: libpcap's code for some link
    /// types depends on it (DLT_NULL's IPv6 test checks the three BSD address families when
    /// reading a file, the host's AF_INET6 otherwise).
    pub fn compile_for_savefile(expr: &str, path: &str) -> Result<BpfFilter, String> {
        let cap = pcap::Capture::from_file(path).map_err(|e| e.to_string())?;
        cap.compile(expr, true)
            .map(|p| BpfFilter(Program(p)))
            .map_err(|e| e.to_string())
    }

    /// Whether the frame (`wirelen` bytes on the wire) passes.
    pub fn matches(&self, frame: &[u8], wirelen: u32) -> bool {
        self.0.matches(frame, wirelen)
    }
}

/// One plugin's `aggregate_filter`.
pub struct AggregateFilter {
    programs: Vec<Program>,
    synth: Synth,
}

/// Bytes of the largest rebuilt packet (Ethernet + 802.1Q + 10 labels + IPv6 + TCP).
pub const SYNTH_MAX: usize = 14 + 4 + 40 + 40 + 24;

/// Bytes of the largest rebuilt frame of any link type (SLL's header is 2 bytes longer than
/// Ethernet's).
pub const FRAME_MAX: usize = SYNTH_MAX + 2;

impl AggregateFilter {
    /// Compile `expr` (comma-separated BPF expressions) for Ethernet frames. Expressions that
    /// do not compile are left out and returned as warnings (pmacct: "aggregation filter
    /// disabled").
    pub fn compile(expr: &str, synth: Synth) -> (AggregateFilter, Vec<String>) {
        let mut programs = Vec::new();
        let mut warnings = Vec::new();
        let dead = match pcap::Capture::dead(pcap::Linktype::ETHERNET) {
            Ok(d) => d,
            Err(e) => {
                warnings.push(format!("{e}"));
                return (AggregateFilter { programs, synth }, warnings);
            }
        };
        for token in expr.split(',') {
            let token = token.trim();
            if token.is_empty() {
                continue;
            }
            match dead.compile(token, false) {
                Ok(p) => programs.push(Program(p)),
                Err(e) => warnings.push(format!("{e}")),
            }
        }
        (AggregateFilter { programs, synth }, warnings)
    }

    /// No program compiled: every flow passes (pmacct's behaviour).
    pub fn is_empty(&self) -> bool {
        self.programs.is_empty()
    }

    /// Evaluate on a real frame (Ethernet).
    pub fn matches_frame(&self, frame: &[u8], wirelen: u32) -> bool {
        self.programs.is_empty() || self.programs.iter().any(|p| p.matches(frame, wirelen))
    }

    /// Evaluate on the packet rebuilt from `flow`. No allocation.
    pub fn matches_flow(&self, flow: &Flow) -> bool {
        if self.programs.is_empty() {
            return true;
        }
        let mut buf = [0u8; SYNTH_MAX];
        let (caplen, wirelen) = synthesize(flow, self.synth, &mut buf);
        self.matches_frame(&buf[..caplen], wirelen)
    }
}

impl crate::Stage for AggregateFilter {
    fn apply(&mut self, flow: &mut Flow) -> bool {
        self.matches_flow(flow)
    }
}

/// Rebuild the packet a filter sees from `flow` into `buf` (zeroed by the caller); returns
/// (captured length, wire length).
pub fn synthesize(flow: &Flow, synth: Synth, buf: &mut [u8; SYNTH_MAX]) -> (usize, u32) {
    let p = &flow.prims;
    let v6 = p.family == 6
        || matches!(p.src_ip, Some(IpAddr::V6(_)))
        || (synth != Synth::PreTag && matches!(p.dst_ip, Some(IpAddr::V6(_))));
    // nfacctd's never reset NetFlow v1/v5/v7/v8 dummy (aggregate_filter only).
    let old_v5 = synth == Synth::Netflow && matches!(p.export_proto_version, 1 | 5 | 7 | 8);
    let (vlan, mpls) = match synth {
        Synth::Netflow if old_v5 => (false, false),
        // nfacctd tags only when the first byte of the 2-byte VLAN field is non-zero.
        Synth::Netflow | Synth::PreTag => (p.vlan >> 8 != 0, p.mpls_stack_depth > 0),
        Synth::Packet => (p.vlan != 0 || p.cos != 0, p.mpls_stack_depth > 0),
    };
    if !old_v5 {
        buf[0..6].copy_from_slice(&p.dst_mac);
        buf[6..12].copy_from_slice(&p.src_mac);
    }
    let l3_type: u16 = if v6 { 0x86dd } else { 0x0800 };
    let mut off = 12;
    if vlan {
        buf[off..off + 2].copy_from_slice(&0x8100u16.to_be_bytes());
        let tci = match synth {
            Synth::Netflow | Synth::PreTag => p.vlan,
            Synth::Packet => (u16::from(p.cos) << 13) | (p.vlan & 0x0fff),
        };
        buf[off + 2..off + 4].copy_from_slice(&tci.to_be_bytes());
        off += 4;
    }
    if mpls {
        buf[off..off + 2].copy_from_slice(&0x8847u16.to_be_bytes());
        off += 2;
        let depth = usize::from(p.mpls_stack_depth).clamp(1, 10);
        for i in 0..depth {
            let label = if i == 0 {
                p.mpls_label_top
            } else if i + 1 == depth {
                p.mpls_label_bottom
            } else {
                0
            };
            let mut word = (label & 0xf_ffff) << 12;
            if i + 1 == depth {
                word |= 0x100;
            }
            buf[off..off + 4].copy_from_slice(&word.to_be_bytes());
            off += 4;
        }
    } else {
        buf[off..off + 2].copy_from_slice(&l3_type.to_be_bytes());
        off += 2;
    }
    let l3 = off;
    let l4;
    let mut ip_len = 0u32;
    if v6 {
        if synth != Synth::PreTag {
            let tc = if synth == Synth::Packet { p.tos } else { 0 };
            let word = (6u32 << 28) | (u32::from(tc) << 20);
            buf[l3..l3 + 4].copy_from_slice(&word.to_be_bytes());
        }
        let plen: u16 = match synth {
            Synth::Netflow | Synth::PreTag => 100,
            Synth::Packet => {
                ip_len = per_packet_len(flow);
                u16::try_from(ip_len.saturating_sub(40)).unwrap_or(u16::MAX)
            }
        };
        buf[l3 + 4..l3 + 6].copy_from_slice(&plen.to_be_bytes());
        buf[l3 + 6] = p.proto;
        buf[l3 + 7] = 64;
        if let Some(IpAddr::V6(a)) = p.src_ip {
            buf[l3 + 8..l3 + 24].copy_from_slice(&a.octets());
        }
        if let Some(IpAddr::V6(a)) = p.dst_ip {
            buf[l3 + 24..l3 + 40].copy_from_slice(&a.octets());
        }
        l4 = l3 + 40;
    } else {
        buf[l3] = if old_v5 { 0x05 } else { 0x45 };
        buf[l3 + 1] = p.tos;
        if synth == Synth::Packet {
            ip_len = per_packet_len(flow);
            let tl = u16::try_from(ip_len).unwrap_or(u16::MAX);
            buf[l3 + 2..l3 + 4].copy_from_slice(&tl.to_be_bytes());
            buf[l3 + 8] = 64;
        }
        buf[l3 + 9] = p.proto;
        if let Some(IpAddr::V4(a)) = p.src_ip {
            buf[l3 + 12..l3 + 16].copy_from_slice(&a.octets());
        }
        if let Some(IpAddr::V4(a)) = p.dst_ip {
            buf[l3 + 16..l3 + 20].copy_from_slice(&a.octets());
        }
        l4 = l3 + 20;
    }
    buf[l4..l4 + 2].copy_from_slice(&p.src_port.to_be_bytes());
    buf[l4 + 2..l4 + 4].copy_from_slice(&p.dst_port.to_be_bytes());
    buf[l4 + 13] = flow.tcp_flags;
    match synth {
        Synth::Netflow => {
            let caplen = match (v6, vlan, mpls) {
                (false, false, false) => 55,
                (false, true, false) => 59,
                (false, false, true) => 95,
                (false, true, true) => 99,
                (true, false, false) => 77,
                (true, true, false) => 81,
                (true, false, true) => 117,
                (true, true, true) => 121,
            };
            let wirelen = if v6 && mpls { 128 } else { 100 };
            (caplen.min(SYNTH_MAX), wirelen)
        }
        Synth::PreTag => {
            let caplen = (l4 + 20).min(SYNTH_MAX);
            (caplen, caplen as u32)
        }
        Synth::Packet => {
            if p.proto == 6 {
                buf[l4 + 12] = 5 << 4;
            } else if p.proto == 17 {
                let ulen = u16::try_from(ip_len.saturating_sub((l4 - l3) as u32)).unwrap_or(0);
                buf[l4 + 4..l4 + 6].copy_from_slice(&ulen.to_be_bytes());
            }
            let caplen = (l4 + 20).min(SYNTH_MAX);
            let wirelen = (l3 as u32).saturating_add(ip_len);
            (caplen, wirelen.max(caplen as u32))
        }
    }
}

/// Rebuild the frame a program compiled for link type `linktype` sees: `synth`'s Ethernet
/// frame, or, for Linux cooked captures (SLL), the same packet behind an SLL header (libpcap's
/// `vlan` and `ip` tests read SLL's protocol field). Returns the frame's length in `buf`.
pub fn rebuild_frame(flow: &Flow, synth: Synth, linktype: u32, buf: &mut [u8; FRAME_MAX]) -> usize {
    let mut eth = [0u8; SYNTH_MAX];
    let len = synthesize(flow, synth, &mut eth).0;
    if linktype == crate::producer::packet::dlt::LINUX_SLL && len >= 14 {
        // SLL header: packet type, ARPHRD_ETHER, address length 6, the source MAC padded to
        // 8 bytes, then the protocol and the rest of the frame.
        buf[..16].fill(0);
        buf[3] = 1;
        buf[5] = 6;
        buf[6..12].copy_from_slice(&eth[6..12]);
        buf[14..16].copy_from_slice(&eth[12..14]);
        buf[16..len + 2].copy_from_slice(&eth[14..len]);
        len + 2
    } else {
        buf[..len].copy_from_slice(&eth[..len]);
        len
    }
}

/// The IP length of one packet of a pmacctd flow (held-back fragments add packets).
fn per_packet_len(flow: &Flow) -> u32 {
    let per = if flow.packets > 1 {
        flow.bytes / flow.packets
    } else {
        flow.bytes
    };
    u32::try_from(per).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::Primitives;

    fn flow(src: &str, dst: &str, proto: u8, sport: u16, dport: u16) -> Flow {
        Flow {
            prims: Primitives {
                src_ip: Some(src.parse().unwrap()),
                dst_ip: Some(dst.parse().unwrap()),
                proto,
                src_port: sport,
                dst_port: dport,
                family: if src.contains(':') { 6 } else { 4 },
                export_proto_version: 9,
                ..Primitives::default()
            },
            packets: 1,
            bytes: 100,
            ..Flow::default()
        }
    }

    #[test]
    fn netflow_dummy_packet_selects_like_pmacct() {
        let (f, w) = AggregateFilter::compile("src net 10.0.0.0/8 and tcp port 80", Synth::Netflow);
        assert!(w.is_empty(), "{w:?}");
        assert!(f.matches_flow(&flow("10.1.2.3", "192.0.2.1", 6, 1234, 80)));
        assert!(!f.matches_flow(&flow("10.1.2.3", "192.0.2.1", 17, 1234, 80)));
        assert!(!f.matches_flow(&flow("11.1.2.3", "192.0.2.1", 6, 1234, 80)));
        let (f, _) = AggregateFilter::compile("ip6 and udp dst port 53", Synth::Netflow);
        assert!(f.matches_flow(&flow("2001:db8::1", "2001:db8::2", 17, 5000, 53)));
        assert!(!f.matches_flow(&flow("10.0.0.1", "10.0.0.2", 17, 5000, 53)));
        // IP length is zero and the wire length fixed at 100 in nfacctd's dummy
        let (f, _) = AggregateFilter::compile("greater 99", Synth::Netflow);
        assert!(f.matches_flow(&flow("10.0.0.1", "10.0.0.2", 6, 1, 2)));
        let (f, _) = AggregateFilter::compile("ip[2:2] = 0", Synth::Netflow);
        assert!(f.matches_flow(&flow("10.0.0.1", "10.0.0.2", 6, 1, 2)));
    }

    #[test]
    fn netflow_vlan_tag_only_above_255() {
        let (f, _) = AggregateFilter::compile("vlan", Synth::Netflow);
        let mut fl = flow("10.0.0.1", "10.0.0.2", 6, 1, 2);
        fl.prims.vlan = 20;
        assert!(!f.matches_flow(&fl));
        fl.prims.vlan = 300;
        assert!(f.matches_flow(&fl));
        let (f, _) = AggregateFilter::compile("vlan 20", Synth::Packet);
        fl.prims.vlan = 20;
        assert!(f.matches_flow(&fl));
    }

    #[test]
    fn list_is_an_or_and_bad_entries_are_left_out() {
        let (f, w) = AggregateFilter::compile("tcp, port port, udp", Synth::Netflow);
        assert_eq!(w.len(), 1);
        assert!(f.matches_flow(&flow("10.0.0.1", "10.0.0.2", 6, 1, 2)));
        assert!(f.matches_flow(&flow("10.0.0.1", "10.0.0.2", 17, 1, 2)));
        assert!(!f.matches_flow(&flow("10.0.0.1", "10.0.0.2", 1, 0, 0)));
        let (f, w) = AggregateFilter::compile("port port", Synth::Netflow);
        assert_eq!(w.len(), 1);
        assert!(f.is_empty());
        assert!(f.matches_flow(&flow("10.0.0.1", "10.0.0.2", 1, 0, 0)));
    }

    #[test]
    fn packet_rebuild_tcp_flags_mpls_and_length() {
        let mut fl = flow("10.0.0.1", "10.0.0.2", 6, 1, 80);
        fl.tcp_flags = 0x02;
        fl.bytes = 1500;
        let (f, _) = AggregateFilter::compile("tcp[tcpflags] & tcp-syn != 0", Synth::Packet);
        assert!(f.matches_flow(&fl));
        let (f, _) = AggregateFilter::compile("greater 1000", Synth::Packet);
        assert!(f.matches_flow(&fl));
        fl.bytes = 60;
        assert!(!f.matches_flow(&fl));
        fl.prims.mpls_stack_depth = 1;
        fl.prims.mpls_label_top = 100;
        fl.prims.mpls_label_bottom = 100;
        let (f, _) = AggregateFilter::compile("mpls 100 and tcp port 80", Synth::Packet);
        assert!(f.matches_flow(&fl));
    }
}
