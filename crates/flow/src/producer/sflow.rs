//! sFlow v2/v4/v5 producer: a decoded flow sample -> the flow model, as sfacctd 1.7.7's
//! `SF_*` handlers fill `pkt_data`, and `sfacctd_renormalize`'s per-source state.

use std::collections::HashMap;
use std::net::IpAddr;

use pmacct_wire::{FlowRecord, LeadFields, SflowSample, Timestamp};

use super::netflow;
use crate::flow::Flow;

/// Build the flow model from a decoded sFlow flow sample (`rec` and the sample `s` it came
/// from, as the decoder hands them), as sfacctd
/// 1.7.7's `SF_*` handlers fill `pkt_data`. Differences from NetFlow: `peer_src_ip` is the
/// agent address of the datagram header (not the UDP source), `export_proto_sysid` the
/// sub-agent id, no flow times (sfacctd prints zero timestamps and bins by arrival: the
/// plugin's clock, or a savefile's packet time, set by the caller),
/// `sampling_direction` always `u`, tunnel primitives from the inner headers of a
/// VXLAN/IP-in-IP sampled packet, BGP primitives from the extended gateway record.
/// `use_ip_next_hop` as pmacct's key: an IPv4 next hop of the extended router record is
/// `peer_dst_ip` only with it; an IPv6 one always is (sfacctd 1.7.7 does the same).
pub fn flow(
    rec: &FlowRecord<'_>,
    s: &SflowSample<'_>,
    arrival: Timestamp,
    use_ip_next_hop: bool,
) -> Flow {
    let mut f = Flow::default();
    flow_into(rec, s, arrival, use_ip_next_hop, &mut f);
    f
}

/// [`flow`] into `f`, which holds a default flow (a fresh batch slot), in place.
#[inline]
pub fn flow_into(
    rec: &FlowRecord<'_>,
    s: &SflowSample<'_>,
    arrival: Timestamp,
    use_ip_next_hop: bool,
    f: &mut Flow,
) {
    flow_into_lead(rec, s, f);
    netflow::flow_into_rest(rec, s.datagram.agent, arrival, f);
    let p = &mut f.prims;
    p.export_proto_sysid = s.datagram.sub_agent_id;
    p.export_proto_seqno = s.datagram.sequence;
    p.export_proto_version = s.datagram.version as u16;
    p.timestamp_export = Timestamp::ZERO;
    p.sampling_direction = b'u';
    // Again: NetFlow's rest wrote the record's own (none in sFlow).
    p.sampling_rate = s.sampling_rate;
    p.peer_dst_ip = rec
        .bgp_next_hop
        .or(match s.router.and_then(|r| r.next_hop) {
            Some(IpAddr::V4(a)) if use_ip_next_hop => Some(IpAddr::V4(a)),
            Some(IpAddr::V6(a)) => Some(IpAddr::V6(a)),
            _ => None,
        });
    if let Some(g) = &s.gateway {
        p.local_pref = g.local_pref;
        p.peer_src_as = g.src_peer_as;
        p.peer_dst_as = g.dst_peer_as();
    }
    p.mpls_pw_id = s.mpls_vc.map_or(0, |vc| vc.id);
    p.sflow_in_vlan = s.in_vlan as u16;
    p.sflow_out_vlan = s.out_vlan as u16;
    let pk = &s.packet;
    p.vxlan = pk.vni;
    // pmacct 1.8's flow_label: the sampled header's (outer) IPv6 flow label.
    if pk.has_ip && pk.ip_version == 6 {
        p.flow_label = pk.ip.flow_label;
    }
    if pk.tunnel_kind != pmacct_wire::packet::TunnelKind::None {
        let t = &pk.tunnel;
        p.tunnel_src_mac = t.src_mac;
        p.tunnel_dst_mac = t.dst_mac;
        p.tunnel_tos = t.ip.tos;
        if t.has_ip {
            p.tunnel_src_ip = t.ip.src_addr;
            p.tunnel_dst_ip = t.ip.dst_addr;
            p.tunnel_proto = t.ip.proto;
            if t.ip.proto == 6 || t.ip.proto == 17 {
                p.tunnel_src_port = t.ip.src_port;
                p.tunnel_dst_port = t.ip.dst_port;
            }
        }
    }
}

/// The counters and the lead of the flow of sample `s` ([`crate::flow::LEAD_END`]), every
/// field of them, into `out`: what [`flow_into`] writes first (see
/// [`netflow::flow_into_lead`]). The sampling rate is written too, past the lead: sfacctd's
/// renormalization reads it back.
#[inline]
pub fn flow_into_lead(rec: &FlowRecord<'_>, s: &SflowSample<'_>, f: &mut Flow) {
    lead_into(&rec.lead(), s.sampling_rate, s.tag.unwrap_or((0, 0)), f);
}

/// [`flow_into_lead`] from the record's lead alone (`pmacct_wire::sflow::to_lead`), the
/// sample's rate and its tag record's (tag, tag2).
#[inline]
pub fn lead_into(lead: &LeadFields, sampling_rate: u32, tag: (u64, u64), f: &mut Flow) {
    netflow::lead_into(lead, f);
    let p = &mut f.prims;
    p.timestamp_start = Timestamp::ZERO;
    p.timestamp_end = Timestamp::ZERO;
    (p.tag, p.tag2) = tag;
    p.sampling_rate = sampling_rate;
    f.bin_time = 0;
}

/// Data sources whose sampling state is kept for renormalization (pmacct bounds its status
/// table too); beyond it samples use their announced rate.
const MAX_POOLS: usize = 65_536;
/// pmacct's XFLOW_RESET_BOUNDARY: a sequence jump larger than this resets a source's state.
const RESET_BOUNDARY: u64 = 50;

/// Last sample pool and sample sequence number seen for one data source of one agent.
#[derive(Debug, Clone, Copy)]
struct PoolState {
    pool: u32,
    seq: u32,
}

/// (agent, sub-agent id, source_id_type << 24 | source_id_index).
type PoolKey = (IpAddr, u32, u32);

/// `sfacctd_renormalize`: sfacctd scales a sample by the effective rate of its data source,
/// from the sample pool and sample sequence deltas of the previous sample of the same source
/// (falling back to the announced rate), not simply by the announced rate. One per worker:
/// an agent's datagrams go to one worker.
#[derive(Debug, Default)]
pub struct Renormalizer {
    pools: HashMap<PoolKey, PoolState>,
}

impl Renormalizer {
    pub fn new() -> Renormalizer {
        Renormalizer::default()
    }

    /// Scale `f`, built from sample `s`, by [`Renormalizer::factor`]; the rate is then
    /// reported as 1 (0 = unknown stays 0).
    pub fn apply(&mut self, f: &mut Flow, s: &SflowSample<'_>) {
        let k = u64::from(self.factor(s));
        f.packets = f.packets.saturating_mul(k);
        f.bytes = f.bytes.saturating_mul(k);
        if f.prims.sampling_rate != 0 {
            f.prims.sampling_rate = 1;
        }
    }

    /// The factor sfacctd 1.7.7 renormalizes a sample by (`SF_counters_renormalize_handler`):
    /// the source's effective rate (sample pool delta over sample sequence delta) when both
    /// grew since its previous sample, else the announced rate. A sequence jump beyond the
    /// reset boundary restarts the source's state.
    pub fn factor(&mut self, s: &SflowSample<'_>) -> u32 {
        let pools = &mut self.pools;
        let key = (
            s.datagram.agent,
            s.datagram.sub_agent_id,
            (s.source_id_type << 24) | (s.source_id_index & 0x00ff_ffff),
        );
        let (seq, pool) = (s.sequence, s.sample_pool);
        let full = pools.len() >= MAX_POOLS;
        match pools.get_mut(&key) {
            Some(st) => {
                if seq > st.seq && pool > st.pool {
                    let eff = (pool - st.pool) / (seq - st.seq);
                    *st = PoolState { pool, seq };
                    return eff;
                }
                let (hi, lo) = (seq.max(st.seq) as u64, seq.min(st.seq) as u64);
                if hi > lo + RESET_BOUNDARY {
                    *st = PoolState { pool, seq };
                }
            }
            None if !full => {
                pools.insert(key, PoolState { pool, seq });
            }
            None => {}
        }
        s.sampling_rate
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn sample(seq: u32, pool: u32, rate: u32) -> SflowSample<'static> {
        let mut s = SflowSample {
            sequence: seq,
            sample_pool: pool,
            sampling_rate: rate,
            source_id_index: 3,
            ..Default::default()
        };
        s.datagram.agent = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
        s
    }

    /// sFlow's lead writer sets the counters and the lead as the whole-flow writer does
    /// (times zeroed, the tag of the sample or none), over a slot that held other values.
    #[test]
    fn lead_writer_matches_the_whole_flow() {
        let rec = FlowRecord {
            fields: pmacct_wire::FlowFields {
                src_addr: Some("192.0.2.9".parse().unwrap()),
                dst_addr: Some("198.51.100.3".parse().unwrap()),
                src_port: 53,
                dst_port: 40000,
                proto: 17,
                packets: 1,
                bytes: 1500,
                in_iface: 7,
                first: Timestamp::new(1, 2),
                ..Default::default()
            },
            ..Default::default()
        };
        for tag in [None, Some((100, 200))] {
            let mut s = sample(1, 3, 10);
            s.tag = tag;
            let mut lead = *crate::flow::POISONED;
            flow_into_lead(&rec, &s, &mut lead);
            let mut whole = Flow::default();
            flow_into(&rec, &s, Timestamp::new(5, 6), true, &mut whole);
            assert_eq!(crate::flow::lead_of(&lead), crate::flow::lead_of(&whole));
            assert_eq!(lead.prims.sampling_rate, 10, "read back by renormalization");
        }
    }

    #[test]
    fn renormalization_follows_the_sample_pool() {
        let mut pools = Renormalizer::new();
        // First sample of a source: the announced rate.
        assert_eq!(pools.factor(&sample(1, 3, 10)), 10);
        // Pool and sequence grew: pool delta / sequence delta (16 / 1).
        assert_eq!(pools.factor(&sample(2, 19, 10)), 16);
        assert_eq!(pools.factor(&sample(4, 27, 10)), 4);
        // Out of order (sequence went back a little): announced rate, state kept.
        assert_eq!(pools.factor(&sample(3, 25, 10)), 10);
        assert_eq!(pools.factor(&sample(5, 31, 10)), 4);
        assert_eq!(pools.factor(&sample(200, 2000, 10)), 10);
        // A jump back beyond the reset boundary (50) restarts the state from that sample.
        assert_eq!(pools.factor(&sample(100, 500, 7)), 7);
        assert_eq!(pools.factor(&sample(101, 503, 7)), 3);
        // Pool delta smaller than the sequence delta: 0, as sfacctd computes it.
        assert_eq!(pools.factor(&sample(105, 504, 7)), 0);
        // Another data source of the same agent has its own state.
        let mut other = sample(100, 1000, 5);
        other.source_id_index = 4;
        assert_eq!(pools.factor(&other), 5);
    }
}
