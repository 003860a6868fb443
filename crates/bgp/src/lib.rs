//! BGP for pmacct-rs: what nfacctd/sfacctd's `bgp_daemon: true` does in pmacct 1.7.7.
//!
//! - [`msg`]: zero-copy, bounded views of BGP-4 messages (the fuzzed decoder).
//! - [`attr`]: owned path attributes, interned, rendered as 1.7.7 prints them.
//! - [`rib`]: per-peer RIBs, longest-prefix lookups for the flow decoders.
//! - [`speaker`]: the passive speaker thread (one thread for every session).
//! - [`logdump`]: `bgp_daemon_msglog_*` message logs and `bgp_table_dump_*` RIB dumps.

pub mod attr;
pub mod logdump;
pub mod msg;
pub mod rib;
pub mod speaker;

pub use rib::{lookup_flow_follow, FlowLookup, Follow, PeerSets, Peers, Side};
pub use speaker::{spawn, spawn_observed, Observer, SpeakerConfig, SpeakerHandle};
