//! Any bytes as a BGP TCP stream: framing, every message view, capabilities, attributes,
//! AS paths, communities and NLRI of every (AFI, SAFI), interned and applied to a RIB.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pmacct_bgp::attr::{Interner, RenderOptions};
use pmacct_bgp::msg::{frame_len, Message, NlriIter, AFI_IP, SAFI_UNICAST};
use pmacct_bgp::rib::{Path, PeerRib};

fuzz_target!(|data: &[u8]| {
    let mut interner = Interner::new(RenderOptions {
        aspath_radius: 2,
        stdcomm_patterns: vec!["65.".into()],
        ..Default::default()
    });
    let mut rib = PeerRib::default();
    let (four, add_path) = (
        data.first().is_some_and(|b| b & 1 != 0),
        data.first().is_some_and(|b| b & 2 != 0),
    );
    let mut rest = data.get(1..).unwrap_or(&[]);
    while let Ok(Some(len)) = frame_len(rest) {
        let m = &rest[..len];
        rest = &rest[len..];
        match Message::parse(m) {
            Ok(Message::Open(o)) => {
                for p in o.params().flatten() {
                    for _ in p.capabilities() {}
                    for _ in p.raw_capabilities() {}
                }
            }
            Ok(Message::Notification(n)) => {
                let _ = n.shutdown_message();
            }
            Ok(Message::Update(u)) => {
                let Ok(a) = u.attributes() else { continue };
                let pa = interner.intern_update(&a, four, &mut Vec::new());
                for n in NlriIter::new(u.withdrawn, AFI_IP, SAFI_UNICAST, add_path, true).flatten()
                {
                    rib.withdraw(SAFI_UNICAST, None, n.prefix, n.path_id);
                }
                for n in NlriIter::new(u.nlri, AFI_IP, SAFI_UNICAST, add_path, false).flatten() {
                    rib.announce(
                        SAFI_UNICAST,
                        None,
                        n.prefix,
                        Path {
                            path_id: n.path_id,
                            attrs: pa.clone(),
                        },
                    );
                }
                if let Some(m) = a.mp_reach {
                    for n in NlriIter::new(m.nlri, m.afi, m.safi, add_path, false).flatten() {
                        rib.announce(
                            m.safi,
                            n.rd,
                            n.prefix,
                            Path {
                                path_id: n.path_id,
                                attrs: pa.clone(),
                            },
                        );
                    }
                }
                if let Some(m) = a.mp_unreach {
                    for n in NlriIter::new(m.nlri, m.afi, m.safi, add_path, true).flatten() {
                        rib.withdraw(m.safi, n.rd, n.prefix, n.path_id);
                    }
                }
            }
            _ => {}
        }
    }
    for a in ["10.1.2.3", "::1", "2001:db8::1"] {
        let _ = rib.lookup(a.parse().unwrap(), None, add_path, None);
    }
    drop(rib);
    interner.purge();
});
