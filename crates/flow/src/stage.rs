//! Stages: what happens to a flow between the decoder and a plugin's cache.
//!
//! Core stages run in every worker on every decoded flow, before plugins see it (pmacct's core
//! work: pre_tag_map, sampling_map). Plugin stages run in one plugin's thread on its copy of
//! the flow (pmacct's per-plugin work: aggregate_filter, pre_tag_filter, networks_file,
//! ports_file). A stage may rewrite the flow and may drop it.

use crate::Flow;

pub trait Stage: Send {
    /// Apply to one flow; `false` drops it (for this plugin, or for all if a core stage).
    fn apply(&mut self, flow: &mut Flow) -> bool;
}

/// Run `stages` in order; stops at the first that drops the flow.
pub fn apply_all(stages: &mut [Box<dyn Stage>], flow: &mut Flow) -> bool {
    stages.iter_mut().all(|s| s.apply(flow))
}
