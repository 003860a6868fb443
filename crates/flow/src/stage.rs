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

    /// True only when `apply` would keep `flow` and change nothing in it (nor in the
    /// stage's own state): a plugin then works on the shared batch as it is instead of
    /// copying every flow first. The default (false) is always correct.
    fn leaves_unchanged(&self, flow: &Flow) -> bool {
        let _ = flow;
        false
    }
}

/// Whether every stage leaves every flow of `flows` as it is (see
/// [`Stage::leaves_unchanged`]); true for no stages.
pub fn all_unchanged(stages: &[Box<dyn Stage>], flows: &[Flow]) -> bool {
    stages
        .iter()
        .all(|s| flows.iter().all(|f| s.leaves_unchanged(f)))
}

/// Run `stages` in order; stops at the first that drops the flow.
pub fn apply_all(stages: &mut [Box<dyn Stage>], flow: &mut Flow) -> bool {
    stages.iter_mut().all(|s| s.apply(flow))
}
