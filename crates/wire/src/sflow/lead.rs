//! The lead of a flow sample of the plain shape, read straight from the datagram: for a
//! consumer of leads alone, without filling a [`SflowSample`](super::SflowSample) (1.2 KB
//! emptied and written per sample, then read back) on the way.
//!
//! The plain shape is what switches and hosts send most: one sampled header (Ethernet, at
//! most one 802.1Q tag, then IPv4, or IPv6 without extension headers, with its TCP or UDP
//! ports present) and, optionally, extended switch records. Anything else (another record,
//! a second header, a header cut, malformed, tunnelled or of another kind) is not read
//! here: the sample takes the general path, which gives the same lead for a plain sample
//! (`leads_are_the_records_leads`, the `sflow` fuzz target).

use super::flow_format::{EX_SWITCH, HEADER};
use super::xdr::Rd;
use super::SAMPLE_FLOW_EXPANDED;
use crate::packet::{be16, ETHERTYPE_8021Q, ETHERTYPE_IPV4, ETHERTYPE_IPV6};
use crate::record::LeadFields;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A plain flow sample's lead and what a lead consumer reads beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct PlainLead {
    pub lead: LeadFields,
    pub sampling_rate: u32,
}

/// The lead of v5 flow sample `body` (sample type `tag`), if the sample is plain.
#[inline]
pub(super) fn plain_lead(body: &[u8], tag: u32) -> Option<PlainLead> {
    let mut rd = Rd::new(body);
    let (rate, input, output, nrec) = if tag == SAMPLE_FLOW_EXPANDED {
        let [_, _, _, rate, _, _, _, input, _, output, n] = rd.words::<11>()?;
        (rate, input, output, n)
    } else {
        let [_, _, rate, _, _, input, output, n] = rd.words::<8>()?;
        (rate, input, output, n)
    };
    let mut header = None;
    for _ in 0..nrec {
        let [fmt, len] = rd.words::<2>()?;
        let data = rd.bytes(len as usize)?;
        match fmt {
            HEADER if header.is_none() => header = Some(data),
            // VLANs and priorities: nothing of the lead.
            EX_SWITCH if data.len() >= 16 => {}
            _ => return None,
        }
    }
    let mut rd = Rd::new(header?);
    let [protocol, frame_length, _stripped, hlen] = rd.words::<4>()?;
    if protocol != 1 {
        return None;
    }
    let frame = rd.bytes(hlen as usize)?;
    let mut lead = ethernet_lead(frame)?;
    (lead.in_iface, lead.out_iface) = (input, output);
    (lead.packets, lead.flows) = (1, 1);
    lead.bytes = u64::from(frame_length);
    Some(PlainLead {
        lead,
        sampling_rate: rate,
    })
}

/// Addresses, protocol, ToS, ports and flags of a plain Ethernet frame, as the general
/// path's packet decode and sfacctd's rules give them (ports for TCP and UDP alone, flags
/// for TCP alone).
#[inline(always)]
fn ethernet_lead(b: &[u8]) -> Option<LeadFields> {
    let be16 = |at: usize| be16(b, at);
    let (mut etype, mut p) = (be16(12)?, 14);
    if etype == ETHERTYPE_8021Q {
        (etype, p) = (be16(16)?, 18);
    }
    let mut lead = LeadFields::default();
    let (proto, l4) = match etype {
        ETHERTYPE_IPV4 => {
            let h = b.get(p..p + 20)?;
            let ihl = usize::from(h[0] & 0x0f) * 4;
            let frag = u16::from_be_bytes([h[6], h[7]]);
            let proto = h[9];
            if h[0] >> 4 != 4 || ihl < 20 || p + ihl > b.len() || matches!(proto, 4 | 41) {
                return None;
            }
            lead.tos = h[1];
            lead.src_addr = Some(IpAddr::V4(Ipv4Addr::new(h[12], h[13], h[14], h[15])));
            lead.dst_addr = Some(IpAddr::V4(Ipv4Addr::new(h[16], h[17], h[18], h[19])));
            // A fragment past the first carries no transport header.
            (proto, (frag & 0x1fff == 0).then_some(p + ihl))
        }
        ETHERTYPE_IPV6 => {
            let h: &[u8; 40] = b.get(p..p + 40)?.try_into().ok()?;
            let proto = h[6];
            // Extension headers and tunnels: the general path.
            if h[0] >> 4 != 6 || matches!(proto, 0 | 43 | 44 | 51 | 60 | 135 | 4 | 41) {
                return None;
            }
            lead.tos = (u32::from_be_bytes([h[0], h[1], h[2], h[3]]) >> 20) as u8;
            let (mut src, mut dst) = ([0u8; 16], [0u8; 16]);
            src.copy_from_slice(&h[8..24]);
            dst.copy_from_slice(&h[24..40]);
            lead.src_addr = Some(IpAddr::V6(Ipv6Addr::from(src)));
            lead.dst_addr = Some(IpAddr::V6(Ipv6Addr::from(dst)));
            (proto, Some(p + 40))
        }
        _ => return None,
    };
    lead.proto = proto;
    match (proto, l4) {
        (6, Some(q)) => {
            let flags = *b.get(q + 13)?;
            (lead.src_port, lead.dst_port) = (be16(q)?, be16(q + 2)?);
            lead.tcp_flags = u16::from(flags);
        }
        (17, Some(q)) => (lead.src_port, lead.dst_port) = (be16(q)?, be16(q + 2)?),
        _ => {}
    }
    Some(lead)
}
