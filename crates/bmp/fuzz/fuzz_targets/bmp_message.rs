//! Any bytes as a BMP TCP stream: framing, every message view (per-peer header, TLVs, Peer
//! Up with its OPENs, Peer Down, Route Monitoring with its UPDATE's attributes and NLRI,
//! Statistics counters, Route Mirroring); then the same bytes through the collector's whole
//! processing path (interning, per-peer routes, msglog and dump JSON) without sockets.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pmacct_bgp::msg::{Message as Bgp, NlriIter, AFI_IP, SAFI_UNICAST};
use pmacct_bmp::msg::{
    frame_len, rd_str, tlvs, Message, PeerDown, PeerUp, RouteMirror, RouteMonitor, Stats,
    MSG_INIT, MSG_PEER_DOWN, MSG_PEER_UP, MSG_ROUTE_MIRROR, MSG_ROUTE_MONITOR, MSG_STATS,
    MSG_TERM,
};

fuzz_target!(|data: &[u8]| {
    let _ = pmacct_bmp::server::fuzz_stream(data, data.len() % 2 == 1);
    let mut rest = data;
    while let Ok(Some(len)) = frame_len(rest) {
        if len > rest.len() {
            break;
        }
        let m = &rest[..len];
        rest = &rest[len..];
        let Ok(m) = Message::parse(m) else { continue };
        match m.kind {
            MSG_ROUTE_MONITOR => {
                if let Ok(rm) = RouteMonitor::parse(m.body) {
                    let _ = rd_str(&rm.peer.rd);
                    if let Ok(Bgp::Update(u)) = Bgp::parse(rm.bgp) {
                        if let Ok(a) = u.attributes() {
                            for _ in NlriIter::new(u.nlri, AFI_IP, SAFI_UNICAST, false, false) {}
                            if let Some(r) = a.mp_reach {
                                for _ in NlriIter::new(r.nlri, r.afi, r.safi, true, false) {}
                            }
                        }
                    }
                    for _ in tlvs(rm.tlvs) {}
                }
            }
            MSG_STATS => {
                if let Ok(s) = Stats::parse(m.body) {
                    for _ in s.counters() {}
                }
            }
            MSG_PEER_DOWN => {
                if let Ok(p) = PeerDown::parse(m.body) {
                    let _ = p.fsm_code();
                }
            }
            MSG_PEER_UP => {
                if let Ok(p) = PeerUp::parse(m.body) {
                    let _ = p.four_octet_as();
                    let _ = p.add_path(1, 1);
                    for _ in tlvs(p.info) {}
                }
            }
            MSG_INIT | MSG_TERM => for _ in tlvs(m.body) {},
            MSG_ROUTE_MIRROR => {
                if let Ok(r) = RouteMirror::parse(m.body) {
                    for _ in tlvs(r.tlvs) {}
                }
            }
            _ => {}
        }
    }
});
