//! sFlow v2 and v4 samples (RFC 3176): no lengths, so an unknown type ends the datagram.

use super::counters::v2v4_blocks;
use super::flow::{
    gateway_record, header_record, router_record, sampled_ip, switch_record, url_record,
    user_record,
};
use super::xdr::Rd;
use super::*;

/// One v2/v4 sample. These carry no lengths: an unknown type ends the datagram.
pub(super) fn v2v4_sample<'a, V: Visit>(
    rd: &mut Rd<'a>,
    dg: &DatagramInfo,
    slot: &mut Option<SflowSample<'a>>,
    stats: &mut SflowStats,
    v: &mut V,
) -> bool {
    let Some(tag) = rd.u32() else {
        stats.drop(DropReason::SampleTruncated);
        return false;
    };
    match tag {
        SAMPLE_FLOW => {
            stats.flow_samples += 1;
            let slot = slot.get_or_insert(SflowSample::EMPTY);
            match v2v4_flow_sample(slot, rd, dg) {
                Ok(()) => {
                    v.flow(FlowFound::Whole(slot));
                    true
                }
                Err(r) => {
                    stats.drop(r);
                    false
                }
            }
        }
        SAMPLE_COUNTERS => {
            stats.counter_samples += 1;
            let r = (|| {
                let sequence = rd.u32()?;
                let id = rd.u32()?;
                let sampling_interval = rd.u32()?;
                let version = rd.u32()?;
                let blocks = v2v4_blocks(version);
                if blocks.is_empty() {
                    return Some(Err(DropReason::UnknownV2v4Type));
                }
                let len: usize = blocks.iter().map(|b| b.1).sum();
                let body = rd.bytes(len)?;
                Some(Ok(CounterSample {
                    datagram: *dg,
                    sample_type: SAMPLE_COUNTERS,
                    sequence,
                    source_id_type: id >> 24,
                    source_id_index: id & 0x00ff_ffff,
                    sampling_interval,
                    v2v4_version: version,
                    num_records: blocks.len() as u32,
                    body,
                }))
            })();
            match r {
                Some(Ok(c)) => {
                    v.counters(&c);
                    true
                }
                Some(Err(reason)) => {
                    stats.drop(reason);
                    false
                }
                None => {
                    stats.drop(DropReason::SampleTruncated);
                    false
                }
            }
        }
        _ => {
            stats.drop(DropReason::UnknownSampleType);
            false
        }
    }
}

fn v2v4_flow_sample<'a>(
    s: &mut SflowSample<'a>,
    rd: &mut Rd<'a>,
    dg: &DatagramInfo,
) -> Result<(), DropReason> {
    s.reset(dg, SAMPLE_FLOW);
    let t = DropReason::SampleTruncated;
    s.sequence = rd.u32().ok_or(t)?;
    let id = rd.u32().ok_or(t)?;
    s.source_id_type = id >> 24;
    s.source_id_index = id & 0x00ff_ffff;
    s.sampling_rate = rd.u32().ok_or(t)?;
    s.sample_pool = rd.u32().ok_or(t)?;
    s.drops = rd.u32().ok_or(t)?;
    s.input = rd.u32().ok_or(t)?;
    s.output = rd.u32().ok_or(t)?;
    s.input_format = s.input >> 30;
    s.output_format = s.output >> 30;
    let ptype = rd.u32().ok_or(t)?;
    s.records += 1;
    match ptype {
        1 => header_record(s, rd, false).ok_or(t)?,
        2 => {
            let ip = sampled_ip(rd, false).ok_or(t)?;
            s.sampled_packet_size = ip.length;
            s.got_ipv4 = true;
            s.ipv4 = Some(ip);
        }
        3 => {
            let ip = sampled_ip(rd, true).ok_or(t)?;
            s.sampled_packet_size = ip.length;
            s.got_ipv6 = true;
            s.ipv6 = Some(ip);
        }
        _ => return Err(DropReason::UnknownV2v4Type),
    }
    let n = rd.u32().ok_or(t)?;
    // Each extended record takes at least 4 bytes.
    if (n as usize).saturating_mul(4) > rd.left() {
        return Err(t);
    }
    for _ in 0..n {
        let ext = rd.u32().ok_or(t)?;
        s.records += 1;
        match ext {
            1 => switch_record(s, rd).ok_or(t)?,
            2 => router_record(s, rd).ok_or(t)?,
            3 => gateway_record(s, rd).ok_or(t)?,
            4 => user_record(s, rd).ok_or(t)?,
            5 => url_record(s, rd).ok_or(t)?,
            _ => return Err(DropReason::UnknownV2v4Type),
        }
    }
    Ok(())
}
