//! Wire formats: bytes in, records out. No I/O, no config, no logging.
//!
//! Layout follows smoltcp's `wire`: one file per protocol, zero-copy views over the datagram
//! with accessors that never panic, and small validated representations.

pub mod netflow;
pub mod nflog;
pub mod packet;
pub mod record;
pub mod sflow;

pub use netflow::{
    export_version, DatagramStats, DecodeError, DecoderOptions, DropReason, Limits, NetflowDecoder,
    RecordSink, TemplateCache,
};
pub use record::{FlowFields, FlowRecord, FlowType, LeadFields, Timestamp, TunnelFields, VrfName};
pub use sflow::{CounterSample, LeadSample, SflowDecoder, SflowError, SflowSample, SflowStats};
