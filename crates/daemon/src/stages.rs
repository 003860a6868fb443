//! Plugin stages: what pmacct does to a plugin's flows between the core and the plugin's
//! cache (pre_tag_map and its filters, `aggregate_filter`, internal `sampling_rate`,
//! `networks_file`, `ports_file`), the same for every daemon.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use pmacct_config::{key, Daemon, PluginInstance};
use pmacct_flow::bpf::{AggregateFilter, Synth};
use pmacct_flow::{Flow, Stage};

use crate::plog;

/// Plugin stages: the per-plugin work pmacct does before a plugin's cache (pre_tag_map,
/// aggregate_filter, sampling_rate, networks_file, ports_file), in pmacct's order, from the
/// plugin's scope. `frame_linktype`: the link type pmacctd captures (0 if none or unknown).
/// `label_reset`: the plugin loses the pre_tag_map label a sampling_map lookup freed (the
/// first plugin declared, when a core sampling_map stage looks the map up: see
/// [`SampledLabelReset`]; without one no flow carries `label_reset`, and a stage that can
/// never act would still cost a look at every flow).
pub fn plugin_stages(
    daemon: Daemon,
    p: &PluginInstance,
    frame_linktype: u32,
    label_reset: bool,
) -> Result<Vec<Box<dyn Stage>>, String> {
    let mut stages: Vec<Box<dyn Stage>> = Vec::new();
    let core_name = p.scope.str(key::CORE_PROC_NAME).unwrap_or_default();
    // pre_tag_map evaluation with pre_tag_filter/pre_tag2_filter/pre_tag_label_filter.
    if let Some(s) = crate::maps::pretag_stage(core_name, daemon, p, frame_linktype)? {
        stages.push(s);
    }
    // tee replicates whole datagrams: only the pre_tag_map (on the exporter) applies.
    if p.kind == pmacct_config::PluginKind::Tee {
        return Ok(stages);
    }
    // sfprobe samples the packets itself (its sampling_rate is the agent's) and looks its
    // networks_file up for its gateway and router elements as 1.7.7's plugin does: after
    // tagging, aggregate_filter, then that lookup.
    if p.kind == pmacct_config::PluginKind::Sfprobe {
        stages.extend(aggregate_filter(daemon, p));
        stages.extend(crate::netmaps::sfprobe_stage(daemon, p)?);
        return Ok(stages);
    }
    // aggregate_filter and internal sampling_rate, after tagging as in pmacct.
    stages.extend(filter_and_sampling(daemon, p));
    if label_reset {
        stages.push(Box::new(SampledLabelReset));
    }
    // post_tag/post_tag2: pmacct's post_tag_handler runs with the primitive handlers,
    // after the filters, and overwrites what pre_tag_map set.
    let post = PostTag {
        tag: p.scope.u64(key::POST_TAG),
        tag2: p.scope.u64(key::POST_TAG2),
    };
    if post.tag.is_some() || post.tag2.is_some() {
        stages.push(Box::new(post));
    }
    // tos_encode_as_dscp (pmacct 1.8): in pmacct's ToS primitive handlers, so after the
    // filters (aggregate_filter still sees the whole byte) and before aggregation.
    if p.scope.bool(key::TOS_ENCODE_AS_DSCP) {
        stages.push(Box::new(TosAsDscp));
    }
    // networks_file (nets, masks, ASNs) then ports_file, as pmacct's plugins run them.
    let tokens = p.scope.list(key::AGGREGATE).unwrap_or_default();
    let agg = pmacct_flow::Aggregate::parse(&tokens).map_err(|e| e.to_string())?;
    stages.extend(crate::netmaps::plugin_stages(daemon, p, &agg)?);
    Ok(stages)
}

/// `tos_encode_as_dscp: true` (pmacct 1.8): `tos` and `tunnel_tos` keep the 6 DSCP bits, so
/// records differing in their ECN bits only aggregate together. pmacct 1.8 shifts twice
/// when nfacctd reads the ToS from a data link frame section (its NetFlow handler shifts
/// what the packet handler already shifted); ours shifts once (docs/COMPATIBILITY.md).
pub struct TosAsDscp;

impl Stage for TosAsDscp {
    fn apply(&mut self, f: &mut Flow) -> bool {
        f.prims.tos >>= 2;
        f.prims.tunnel_tos >>= 2;
        true
    }
}

/// pmacct 1.7.7 (and 1.8) evaluate the sampling_map inside the first plugin's counter
/// handlers, after its pre_tag_map and filters; the lookup frees the label the pre_tag_map
/// gave the record (`pretag_init_vars()`), so that plugin prints it with an empty label
/// (later plugins see the lookup cached). Reproduced for the first plugin declared: when
/// pmacct's first plugin filters the record out, the next one loses the label instead,
/// which ours does not do.
pub struct SampledLabelReset;

impl Stage for SampledLabelReset {
    fn apply(&mut self, f: &mut Flow) -> bool {
        if f.label_reset {
            f.prims.label = pmacct_flow::label::LabelId::NONE;
        }
        true
    }

    /// Flows without the reset mark pass as they are (all of them without a sampling_map).
    fn leaves_unchanged(&self, f: &Flow) -> bool {
        !f.label_reset
    }
}

/// A plugin's `sampling_rate: N`: 1-out-of-N packets, counted over each flow's packets.
/// pmacctd and sfacctd draw each gap uniformly from 1..=2N-1 (pmacct's
/// `take_simple_random_skip()`), nfacctd takes every N-th (`take_simple_systematic_skip()`).
/// Counters are not scaled; a flow of several packets keeps the share of its packets that
/// were sampled (bytes in proportion), as pmacct's `evaluate_sampling()`.
pub struct InternalSampling {
    rate: u64,
    systematic: bool,
    countdown: u64,
    rng: u64,
}

impl InternalSampling {
    pub fn new(rate: u64, systematic: bool) -> InternalSampling {
        static SEQ: AtomicU64 = AtomicU64::new(0);
        let t = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        let seed = t ^ SEQ.fetch_add(0x9e37_79b9_7f4a_7c15, Ordering::Relaxed) | 1;
        InternalSampling {
            rate: rate.max(1),
            systematic,
            countdown: 0,
            rng: seed,
        }
    }

    /// xorshift64*: quality is irrelevant here, speed and no dependency are not.
    fn next_skip(&mut self) -> u64 {
        if self.rate <= 1 {
            return 1;
        }
        if self.systematic {
            return self.rate;
        }
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        let r = self.rng.wrapping_mul(0x2545_f491_4f6c_dd1d);
        r % (2 * self.rate - 1) + 1
    }
}

impl Stage for InternalSampling {
    fn apply(&mut self, flow: &mut Flow) -> bool {
        let mut pkts = flow.packets.max(1);
        let mut sampled = 0u64;
        loop {
            if self.countdown == 0 {
                self.countdown = self.next_skip();
            }
            let delta = self.countdown.min(pkts);
            self.countdown -= delta;
            pkts -= delta;
            if self.countdown != 0 {
                break;
            }
            sampled += 1;
            if pkts == 0 {
                break;
            }
        }
        if sampled > 0 && flow.packets > 1 {
            flow.bytes = (flow.bytes / flow.packets) * sampled;
            flow.packets = sampled;
        }
        sampled > 0
    }
}

/// `post_tag` / `post_tag2`: every flow of the plugin gets these tags.
pub struct PostTag {
    tag: Option<u64>,
    tag2: Option<u64>,
}

impl Stage for PostTag {
    fn apply(&mut self, flow: &mut Flow) -> bool {
        if let Some(t) = self.tag {
            flow.prims.tag = t;
        }
        if let Some(t) = self.tag2 {
            flow.prims.tag2 = t;
        }
        true
    }
}

/// A plugin's `aggregate_filter` and internal `sampling_rate` (every daemon), in pmacct's
/// order (filters before the primitive handlers that sample).
fn filter_and_sampling(daemon: Daemon, p: &PluginInstance) -> Vec<Box<dyn Stage>> {
    let mut stages: Vec<Box<dyn Stage>> = Vec::new();
    stages.extend(aggregate_filter(daemon, p));
    if let Some(rate) = p.scope.u64(key::SAMPLING_RATE).filter(|r| *r > 1) {
        let systematic = daemon == Daemon::Nfacctd;
        stages.push(Box::new(InternalSampling::new(rate, systematic)));
    }
    stages
}

/// A plugin's `aggregate_filter`, if any expression of it compiles.
fn aggregate_filter(daemon: Daemon, p: &PluginInstance) -> Option<Box<dyn Stage>> {
    let expr = p.scope.str(key::AGGREGATE_FILTER)?;
    let synth = match daemon {
        Daemon::Pmacctd | Daemon::Uacctd => Synth::Packet,
        _ => Synth::Netflow,
    };
    let (filter, warnings) = AggregateFilter::compile(expr, synth);
    for w in warnings {
        plog!(
            Warn,
            &p.name,
            p.kind.as_str(),
            "{}: aggregation filter entry disabled.",
            w
        );
    }
    (!filter.is_empty()).then(|| Box::new(filter) as Box<dyn Stage>)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_sampling_keeps_about_one_in_n() {
        let mut s = InternalSampling::new(10, false);
        let mut kept = 0;
        for _ in 0..100_000 {
            let mut f = Flow {
                packets: 1,
                bytes: 100,
                ..Flow::default()
            };
            if s.apply(&mut f) {
                kept += 1;
                assert_eq!((f.packets, f.bytes), (1, 100));
            }
        }
        assert!((9_000..11_000).contains(&kept), "{kept}");
        let mut one = InternalSampling::new(1, false);
        assert!(one.apply(&mut Flow::default()));
        // nfacctd: every 3rd packet; a 7-packet flow keeps 2 of them, bytes in proportion
        let mut sys = InternalSampling::new(3, true);
        let kept: Vec<bool> = (0..6).map(|_| sys.apply(&mut Flow::default())).collect();
        assert_eq!(kept, [false, false, true, false, false, true]);
        let mut f = Flow {
            packets: 7,
            bytes: 700,
            ..Flow::default()
        };
        assert!(sys.apply(&mut f));
        assert_eq!((f.packets, f.bytes), (2, 200));
    }

    /// tos_encode_as_dscp: EF (0xB8) with and without ECN is DSCP 46; tunnel_tos too; the
    /// rest of the flow is untouched.
    #[test]
    fn tos_as_dscp_keeps_the_six_dscp_bits() {
        for (tos, dscp) in [
            (0xB8u8, 46u8),
            (0xB9, 46),
            (0xBB, 46),
            (0x28, 10),
            (0x03, 0),
            (0xFF, 63),
        ] {
            let mut f = Flow::default();
            f.prims.tos = tos;
            f.prims.tunnel_tos = tos;
            f.prims.src_port = 7;
            assert!(TosAsDscp.apply(&mut f));
            assert_eq!(
                (f.prims.tos, f.prims.tunnel_tos, f.prims.src_port),
                (dscp, dscp, 7)
            );
        }
    }

    /// The stage is in a plugin's stages only with the key set (1.7.7's whole byte otherwise).
    #[test]
    fn tos_as_dscp_only_with_the_key() {
        let tos_of = |conf: &str| {
            let l = pmacct_config::parse_str(Daemon::Nfacctd, Some("t.conf"), conf, &[]).unwrap();
            let p = &l.config.plugins[0];
            let mut st = plugin_stages(Daemon::Nfacctd, p, 0, false).unwrap();
            let mut f = Flow::default();
            f.prims.tos = 0xB9;
            assert!(pmacct_flow::stage::apply_all(&mut st, &mut f));
            f.prims.tos
        };
        assert_eq!(tos_of("aggregate: tos\n"), 0xB9);
        assert_eq!(tos_of("aggregate: tos\ntos_encode_as_dscp: false\n"), 0xB9);
        assert_eq!(tos_of("aggregate: tos\ntos_encode_as_dscp: true\n"), 46);
    }
}
