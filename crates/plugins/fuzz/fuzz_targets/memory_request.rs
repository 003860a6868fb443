//! The memory plugin's request decoder on arbitrary socket bytes: never panics; whatever
//! decodes re-encodes to a request that decodes to the same value.
//!
//! The decoder's source file is compiled in here by path: it uses nothing but std, so the
//! fuzz build leaves out the plugins' Kafka, SQL and AMQP clients (librdkafka's C build under
//! the sanitizer was most of CI's fuzz time).
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "../../src/memory/proto.rs"]
#[allow(dead_code)]
mod proto;

use proto::Request;

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = Request::decode(data) {
        assert_eq!(Request::decode(&r.encode()), Ok(r));
    }
});
