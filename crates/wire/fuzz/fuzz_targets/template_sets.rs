//! nfacctd_templates_receiver's walk over a datagram's template sets: any bytes, as v9 and
//! as IPFIX. Never panics; what it selects is a header plus whole sets of the input, no
//! larger than the input, starting with the input's version, or nothing at all.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pmacct_wire::netflow::template_sets::{has_template_sets, select_template_sets};

fuzz_target!(|data: &[u8]| {
    let mut out = Vec::new();
    for version in [9u8, 10] {
        let mut d = vec![0, version];
        d.extend_from_slice(data);
        let _ = has_template_sets(&d);
        let sel = select_template_sets(&d, &mut out);
        assert!(out.len() <= d.len());
        if sel {
            assert!(out.len() > 4);
            assert_eq!(&out[..2], &d[..2]);
        } else {
            assert!(out.is_empty());
        }
    }
});
