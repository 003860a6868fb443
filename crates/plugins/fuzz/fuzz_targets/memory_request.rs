//! The memory plugin's request decoder on arbitrary socket bytes: never panics; whatever
//! decodes re-encodes to a request that decodes to the same value.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pmacct_plugins::memory::proto::Request;

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = Request::decode(data) {
        assert_eq!(Request::decode(&r.encode()), Ok(r));
    }
});
