//! BMP (RFC 7854) for pmacct-rs: what pmacct 1.7.7's `pmbmpd` (and `bmp_daemon: true` in
//! nfacctd/sfacctd) does.
//!
//! - [`msg`]: zero-copy, bounded views of BMP messages (the fuzzed decoder).
//! - [`lookup`]: BMP routes in pmacct-bgp's RIB for flow enrichment (nfacctd/sfacctd).
//! - [`rib`]: routes of the monitored peers, keyed as 1.7.7 keys them.
//! - [`server`]: the collector thread (one mio poll for every router), msglog and dumps.
//! - [`json`]: records rendered as 1.7.7's jansson output.
//! - [`daemon`]: `pmbmpd`'s command line and configuration.

pub mod daemon;
pub mod json;
pub mod lookup;
pub mod msg;
pub mod proxy;
pub mod rib;
pub mod server;
