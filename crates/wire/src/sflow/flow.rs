//! v5 flow samples and the flow records shared with v2/v4 (sampled header, IPv4/IPv6,
//! extended switch, router, gateway, user, URL, MPLS, NAT, tunnels, pmacct's tag).

use super::xdr::Rd;
use super::*;
use crate::packet::{self, FirstHeader, PacketInfo, ETHERTYPE_IPV4, ETHERTYPE_IPV6};

pub(super) fn v5_flow_sample<'a>(
    s: &mut SflowSample<'a>,
    body: &'a [u8],
    tag: u32,
    dg: &DatagramInfo,
    stats: &mut SflowStats,
) -> Result<(), DropReason> {
    let mut rd = Rd::new(body);
    s.reset(dg, tag);
    // The fixed fields, each form's in one bound check; the record count last.
    let nrec = if tag == SAMPLE_FLOW_EXPANDED {
        let Some([seq, id_type, id_index, rate, pool, drops, in_fmt, input, out_fmt, output, n]) =
            rd.words::<11>()
        else {
            return Err(DropReason::SampleLength);
        };
        (s.sequence, s.source_id_type, s.source_id_index) = (seq, id_type, id_index);
        (s.sampling_rate, s.sample_pool, s.drops) = (rate, pool, drops);
        (s.input_format, s.input, s.output_format, s.output) = (in_fmt, input, out_fmt, output);
        n
    } else {
        let Some([seq, id, rate, pool, drops, input, output, n]) = rd.words::<8>() else {
            return Err(DropReason::SampleLength);
        };
        s.sequence = seq;
        (s.source_id_type, s.source_id_index) = (id >> 24, id & 0x00ff_ffff);
        (s.sampling_rate, s.sample_pool, s.drops) = (rate, pool, drops);
        (s.input_format, s.input) = (input >> 30, input);
        (s.output_format, s.output) = (output >> 30, output);
        n
    };
    // Each record takes at least 8 bytes: a larger count is a lie.
    if (nrec as usize).saturating_mul(8) > rd.left() {
        return Err(DropReason::RecordLength);
    }
    for _ in 0..nrec {
        let Some([fmt, len]) = rd.words::<2>() else {
            return Err(DropReason::RecordLength);
        };
        let Some(data) = rd.bytes(len as usize) else {
            return Err(DropReason::RecordLength);
        };
        s.records += 1;
        match flow_record(s, fmt, data) {
            Some(true) => {}
            Some(false) => {
                s.unknown_records += 1;
                stats.unknown_records += 1;
            }
            None => return Err(DropReason::RecordMalformed),
        }
    }
    Ok(())
}

/// Apply one v5 flow record to the sample. Some(false) = unknown format (skipped),
/// None = malformed.
fn flow_record<'a>(s: &mut SflowSample<'a>, fmt: u32, data: &'a [u8]) -> Option<bool> {
    use flow_format::*;
    let mut rd = Rd::new(data);
    match fmt {
        HEADER => header_record(s, &mut rd, true)?,
        ETHERNET => {
            let e = SampledEthernet {
                length: rd.u32()?,
                src_mac: rd.mac8()?,
                dst_mac: rd.mac8()?,
                eth_type: rd.u32()?,
            };
            s.eth_type = e.eth_type;
            s.got_ipv4 |= e.eth_type == ETHERTYPE_IPV4 as u32;
            s.got_ipv6 |= e.eth_type == ETHERTYPE_IPV6 as u32;
            if s.sampled_packet_size == 0 {
                s.sampled_packet_size = e.length;
            }
            s.ethernet = Some(e);
        }
        IPV4 => {
            let ip = sampled_ip(&mut rd, false)?;
            s.sampled_packet_size = ip.length;
            s.got_ipv4 = true;
            s.ipv4 = Some(ip);
        }
        IPV6 => {
            let ip = sampled_ip(&mut rd, true)?;
            s.sampled_packet_size = ip.length;
            s.got_ipv6 = true;
            s.ipv6 = Some(ip);
        }
        EX_SWITCH => switch_record(s, &mut rd)?,
        EX_ROUTER => router_record(s, &mut rd)?,
        EX_GATEWAY => gateway_record(s, &mut rd)?,
        EX_USER => user_record(s, &mut rd)?,
        EX_URL => url_record(s, &mut rd)?,
        EX_MPLS => {
            let next_hop = rd.address()?;
            let n = rd.u32()?;
            let in_stack = LabelStack {
                raw: rd.array32(n)?,
            };
            let n = rd.u32()?;
            let out_stack = LabelStack {
                raw: rd.array32(n)?,
            };
            s.mpls = Some(ExtMpls {
                next_hop,
                in_stack,
                out_stack,
            });
        }
        EX_NAT => s.nat = Some((rd.address()?, rd.address()?)),
        EX_MPLS_TUNNEL | EX_MPLS_VC | EX_MPLS_FTN => {
            let name = rd.opaque()?;
            let id = rd.u32()?;
            let cos = if fmt == EX_MPLS_FTN { 0 } else { rd.u32()? };
            let v = Some(ExtMplsNamed { name, id, cos });
            match fmt {
                EX_MPLS_TUNNEL => s.mpls_tunnel = v,
                EX_MPLS_VC => s.mpls_vc = v,
                _ => s.mpls_ftn = v,
            }
        }
        EX_MPLS_LDP_FEC => s.mpls_ldp_fec_prefix_len = Some(rd.u32()?),
        EX_VLAN_TUNNEL => {
            let n = rd.u32()?;
            s.vlan_tunnel = Some(LabelStack {
                raw: rd.array32(n)?,
            });
        }
        EX_IPV4_TUNNEL_EGRESS => s.tunnel_ipv4_egress = Some(sampled_ip(&mut rd, false)?),
        EX_IPV4_TUNNEL_INGRESS => s.tunnel_ipv4_ingress = Some(sampled_ip(&mut rd, false)?),
        EX_IPV6_TUNNEL_EGRESS => s.tunnel_ipv6_egress = Some(sampled_ip(&mut rd, true)?),
        EX_IPV6_TUNNEL_INGRESS => s.tunnel_ipv6_ingress = Some(sampled_ip(&mut rd, true)?),
        EX_DECAP_EGRESS => s.decap_egress_offset = Some(rd.u32()?),
        EX_DECAP_INGRESS => s.decap_ingress_offset = Some(rd.u32()?),
        EX_VNI_EGRESS => s.vni_egress = Some(rd.u32()?),
        EX_VNI_INGRESS => s.vni_ingress = Some(rd.u32()?),
        PMACCT_TAG => s.tag = Some((rd.u64()?, rd.u64()?)),
        _ => return Some(false),
    }
    Some(true)
}

/// Raw packet header (v5 record 1, v2/v4 packet type 1).
pub(super) fn header_record<'a>(s: &mut SflowSample<'a>, rd: &mut Rd<'a>, v5: bool) -> Option<()> {
    let hlen = if v5 {
        let [protocol, frame_length, stripped, hlen] = rd.words::<4>()?;
        (s.header_protocol, s.frame_length, s.stripped) = (protocol, frame_length, stripped);
        hlen
    } else {
        let [protocol, frame_length, hlen] = rd.words::<3>()?;
        (s.header_protocol, s.frame_length) = (protocol, frame_length);
        hlen
    } as usize;
    s.header = rd.bytes(hlen)?;
    // The sample's reset left the packet empty, unless a header record came before.
    if s.has_header {
        s.packet = PacketInfo::EMPTY;
    }
    s.has_header = true;
    s.sampled_packet_size = s.frame_length;
    // In place: decoded apart, the packet's facts were copied into the sample (a memcpy
    // per sample in the profile).
    let (h, out) = (s.header, &mut s.packet);
    match s.header_protocol {
        1 => packet::decode_fresh(FirstHeader::Ethernet, h, out),
        7 => ppp_into(h, out),
        11 => packet::decode_fresh(FirstHeader::Ipv4, h, out),
        12 => packet::decode_fresh(FirstHeader::Ipv6, h, out),
        13 => packet::decode_fresh(FirstHeader::Mpls, h, out),
        _ => {}
    }
    let p = &s.packet;
    // sfacctd's eth_type: the ethertype after one 802.1Q tag, or after MPLS the IP type it
    // guessed (0 if none); raw IP headers leave it unset.
    s.eth_type = match s.header_protocol {
        1 | 7 | 13 => {
            if p.mpls_depth > 0 || s.header_protocol != 1 {
                if p.has_ip {
                    ip_etype(p.ip_version) as u32
                } else {
                    0
                }
            } else {
                p.etype as u32
            }
        }
        _ => s.eth_type,
    };
    (s.got_ipv4, s.got_ipv6) = match s.header_protocol {
        11 => (true, false),
        12 => (false, true),
        1 | 7 | 13 => (
            s.eth_type == ETHERTYPE_IPV4 as u32,
            s.eth_type == ETHERTYPE_IPV6 as u32,
        ),
        _ => (s.got_ipv4, s.got_ipv6),
    };
    if s.header_protocol == 1 && p.vlan_tags > 0 {
        if s.in_vlan == 0 && s.out_vlan == 0 {
            s.in_vlan = p.vlan as u32;
        }
        if s.in_priority == 0 && s.out_priority == 0 {
            s.in_priority = p.cos as u32;
        }
    }
    Some(())
}

fn ip_etype(v: u8) -> u16 {
    if v == 6 {
        ETHERTYPE_IPV6
    } else {
        ETHERTYPE_IPV4
    }
}

/// PPP (HDLC-like framing optional), into `out` (reset first): protocol 0x0021 IPv4, 0x0057
/// IPv6, 0x0281 MPLS.
fn ppp_into(h: &[u8], out: &mut PacketInfo) {
    let h = match h {
        [0xff, 0x03, rest @ ..] => rest,
        _ => h,
    };
    let (proto, rest) = match h {
        [a, rest @ ..] if a & 1 == 1 => (*a as u16, rest),
        [a, b, rest @ ..] => (u16::from_be_bytes([*a, *b]), rest),
        _ => {
            *out = PacketInfo {
                truncated: true,
                ..Default::default()
            };
            return;
        }
    };
    match proto {
        0x21 => packet::decode_into(FirstHeader::Ipv4, rest, out),
        0x57 => packet::decode_into(FirstHeader::Ipv6, rest, out),
        0x281 | 0x283 => packet::decode_into(FirstHeader::Mpls, rest, out),
        _ => *out = PacketInfo::default(),
    }
}

pub(super) fn sampled_ip(rd: &mut Rd<'_>, v6: bool) -> Option<SampledIp> {
    let length = rd.u32()?;
    let protocol = rd.u32()?;
    let (src, dst) = if v6 {
        (rd.ipv6()?, rd.ipv6()?)
    } else {
        (rd.ipv4()?, rd.ipv4()?)
    };
    Some(SampledIp {
        length,
        protocol,
        src: Some(src),
        dst: Some(dst),
        src_port: rd.u32()?,
        dst_port: rd.u32()?,
        tcp_flags: rd.u32()?,
        tos: rd.u32()?,
    })
}

pub(super) fn switch_record(s: &mut SflowSample<'_>, rd: &mut Rd<'_>) -> Option<()> {
    let sw = ExtSwitch {
        src_vlan: rd.u32()?,
        src_priority: rd.u32()?,
        dst_vlan: rd.u32()?,
        dst_priority: rd.u32()?,
    };
    s.in_vlan = sw.src_vlan;
    s.in_priority = sw.src_priority;
    s.out_vlan = sw.dst_vlan;
    s.out_priority = sw.dst_priority;
    s.switch = Some(sw);
    Some(())
}

pub(super) fn router_record(s: &mut SflowSample<'_>, rd: &mut Rd<'_>) -> Option<()> {
    s.router = Some(ExtRouter {
        next_hop: rd.address()?,
        src_mask: rd.u32()?,
        dst_mask: rd.u32()?,
    });
    Some(())
}

pub(super) fn gateway_record<'a>(s: &mut SflowSample<'a>, rd: &mut Rd<'a>) -> Option<()> {
    let v = s.datagram.version;
    let next_hop = if v >= 5 { rd.address()? } else { None };
    let as_number = rd.u32()?;
    let src_as = rd.u32()?;
    let src_peer_as = rd.u32()?;
    let nseg = rd.u32()?;
    let dst_as_path = if v == 2 {
        // v2: a flat list of ASNs.
        AsPath {
            raw: rd.array32(nseg)?,
            segments: nseg.min(1),
            flat: true,
        }
    } else {
        // Walk the segments once to validate them against the bytes (each takes >= 8).
        if (nseg as usize).saturating_mul(8) > rd.left() {
            return None;
        }
        let start = rd.p;
        for _ in 0..nseg {
            let _type = rd.u32()?;
            let n = rd.u32()?;
            rd.array32(n)?;
        }
        AsPath {
            raw: &rd.b[start..rd.p],
            segments: nseg,
            flat: false,
        }
    };
    let (communities_raw, local_pref) = if v >= 4 {
        let n = rd.u32()?;
        (rd.array32(n)?, rd.u32()?)
    } else {
        (&[][..], 0)
    };
    s.gateway = Some(ExtGateway {
        next_hop,
        as_number,
        src_as,
        src_peer_as,
        dst_as_path,
        communities_raw,
        local_pref,
    });
    Some(())
}

pub(super) fn user_record<'a>(s: &mut SflowSample<'a>, rd: &mut Rd<'a>) -> Option<()> {
    let v5 = s.datagram.version >= 5;
    let mut u = ExtUser::default();
    if v5 {
        u.src_charset = rd.u32()?;
    }
    u.src_user = rd.opaque()?;
    if v5 {
        u.dst_charset = rd.u32()?;
    }
    u.dst_user = rd.opaque()?;
    s.user = Some(u);
    Some(())
}

pub(super) fn url_record<'a>(s: &mut SflowSample<'a>, rd: &mut Rd<'a>) -> Option<()> {
    let direction = rd.u32()?;
    let url = rd.opaque()?;
    let host = if s.datagram.version >= 5 {
        rd.opaque()?
    } else {
        &[][..]
    };
    s.url = Some(ExtUrl {
        direction,
        url,
        host,
    });
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const IPV4_UDP: [u8; 28] = [
        0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 0x30, 0x39, 0, 53, 0,
        8, 0, 0,
    ];

    /// A PPP header (sFlow header protocol 7) decoded in place, from a value an earlier
    /// sample left: HDLC framing or not, a compressed protocol field, truncated, unknown.
    #[test]
    fn ppp_into_decodes_and_resets() {
        let stale = packet::decode_ethernet(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x86, 0xdd]);
        let with = |prefix: &[u8]| -> PacketInfo {
            let mut out = stale;
            ppp_into(&[prefix, &IPV4_UDP[..]].concat(), &mut out);
            out
        };
        let want = packet::decode_ipv4(&IPV4_UDP);
        assert!(want.has_ip && want.ip.dst_port == 53);
        assert_eq!(with(&[0xff, 0x03, 0x00, 0x21]), want, "HDLC framing");
        assert_eq!(with(&[0x00, 0x21]), want, "two-byte protocol");
        assert_eq!(with(&[0x21]), want, "compressed protocol");
        assert_eq!(
            with(&[0x00, 0x2b]),
            PacketInfo::default(),
            "unknown protocol"
        );
        let mut out = stale;
        ppp_into(&[0xff, 0x03, 0x00], &mut out);
        assert_eq!(
            out,
            PacketInfo {
                truncated: true,
                ..Default::default()
            }
        );
    }
}
