//! Malformed-input tests: one per error kind, each with the action pmacct 1.7.7 takes
//! (session reset, attribute discarded, NLRI block cut short), plus well-formed decoding.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use pmacct_bgp::attr::{self, Interner, RenderOptions};
use pmacct_bgp::msg::*;

fn header(ty: u8, body: &[u8]) -> Vec<u8> {
    let mut m = vec![0xff; 16];
    m.extend_from_slice(&((19 + body.len()) as u16).to_be_bytes());
    m.push(ty);
    m.extend_from_slice(body);
    m
}

fn attr(flags: u8, code: u8, v: &[u8]) -> Vec<u8> {
    let mut a = vec![flags, code];
    if v.len() > 255 {
        a[0] |= 0x10;
        a.extend_from_slice(&(v.len() as u16).to_be_bytes());
    } else {
        a.push(v.len() as u8);
    }
    a.extend_from_slice(v);
    a
}

fn update(withdrawn: &[u8], attrs: &[u8], nlri: &[u8]) -> Vec<u8> {
    let mut b = (withdrawn.len() as u16).to_be_bytes().to_vec();
    b.extend_from_slice(withdrawn);
    b.extend_from_slice(&(attrs.len() as u16).to_be_bytes());
    b.extend_from_slice(attrs);
    b.extend_from_slice(nlri);
    header(MSG_UPDATE, &b)
}

fn update_err(m: &[u8]) -> UpdateError {
    match Message::parse(m) {
        Err(MsgError::Update(e)) => e,
        Ok(Message::Update(u)) => u.attributes().expect_err("expected an error"),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn header_errors_reset_the_session() {
    let mut m = msg_keepalive();
    m[0] = 0;
    assert_eq!(frame_len(&m), Err(HeaderError::BadMarker));
    let mut m = msg_keepalive();
    m[17] = 18;
    assert_eq!(frame_len(&m), Err(HeaderError::BadLength(18)));
    let mut m = msg_keepalive();
    m[16] = 0x10;
    m[17] = 1;
    assert_eq!(frame_len(&m), Err(HeaderError::BadLength(4097)));
    let m = header(9, &[]);
    let e = Message::parse(&m).unwrap_err();
    assert_eq!(e, MsgError::Header(HeaderError::BadType(9)));
    assert_eq!(e.notification(), (NOTIFY_HEADER_ERR, 3));
    // Incomplete frames wait for more bytes.
    assert_eq!(frame_len(&msg_keepalive()[..10]), Ok(None));
    assert!(matches!(
        Message::parse(&msg_keepalive()),
        Ok(Message::Keepalive)
    ));
}

fn msg_keepalive() -> Vec<u8> {
    keepalive().to_vec()
}

#[test]
fn open_errors() {
    // Too short.
    assert_eq!(
        Message::parse(&header(MSG_OPEN, &[4, 0, 1])).unwrap_err(),
        MsgError::Open(OpenError::Short)
    );
    // Optional parameters length beyond the message.
    let body = [4, 0xfd, 0xe9, 0, 90, 1, 2, 3, 4, 20, 2, 6];
    assert_eq!(
        Message::parse(&header(MSG_OPEN, &body)).unwrap_err(),
        MsgError::Open(OpenError::Short)
    );
    // Capability overrunning its parameter.
    let body = [4, 0xfd, 0xe9, 0, 90, 1, 2, 3, 4, 4, 2, 2, 65, 9];
    let m = header(MSG_OPEN, &body);
    let Ok(Message::Open(o)) = Message::parse(&m) else {
        panic!()
    };
    let caps: Vec<_> = o
        .params()
        .flat_map(|p| p.unwrap().capabilities().collect::<Vec<_>>())
        .collect();
    assert_eq!(caps, vec![Err(OpenError::OptionOverrun)]);
    // 4-octet AS capability of the wrong length.
    let body = [4, 0xfd, 0xe9, 0, 90, 1, 2, 3, 4, 5, 2, 3, 65, 1, 0];
    let m = header(MSG_OPEN, &body);
    let Ok(Message::Open(o)) = Message::parse(&m) else {
        panic!()
    };
    let caps: Vec<_> = o
        .params()
        .flat_map(|p| p.unwrap().capabilities().collect::<Vec<_>>())
        .collect();
    assert_eq!(caps, vec![Err(OpenError::BadAs4Cap)]);
}

#[test]
fn open_capabilities_decode() {
    let caps = [
        1, 4, 0, 2, 0, 1, // MP IPv6 unicast
        65, 4, 0xfa, 0x56, 0xea, 0x00, // AS4 4200000000
        69, 4, 0, 1, 1, 3, // ADD-PATH ipv4 unicast send/receive
        5, 6, 0, 1, 0, 1, 0, 2, // extended next hop
        2, 0, // route refresh
    ];
    let mut body = vec![
        4,
        0x5b,
        0xa0,
        0,
        90,
        192,
        0,
        2,
        1,
        (caps.len() + 2) as u8,
        2,
        caps.len() as u8,
    ];
    body.extend_from_slice(&caps);
    let m = header(MSG_OPEN, &body);
    let Ok(Message::Open(o)) = Message::parse(&m) else {
        panic!()
    };
    assert_eq!(o.my_as, AS_TRANS);
    assert_eq!(o.bgp_id, Ipv4Addr::new(192, 0, 2, 1));
    let caps: Vec<_> = o
        .params()
        .flat_map(|p| {
            p.unwrap()
                .capabilities()
                .map(Result::unwrap)
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(caps[0], Capability::Multiprotocol { afi: 2, safi: 1 });
    assert_eq!(caps[1], Capability::FourOctetAs(4_200_000_000));
    assert_eq!(caps[2], Capability::AddPath(&[0, 1, 1, 3]));
    assert_eq!(caps[3], Capability::ExtendedNextHop(&[0, 1, 0, 1, 0, 2]));
    assert_eq!(caps[4], Capability::RouteRefresh);
}

#[test]
fn update_length_errors_reset() {
    // Withdrawn length beyond the message.
    let mut m = update(&[], &[], &[]);
    m[19] = 0;
    m[20] = 50;
    assert_eq!(update_err(&m), UpdateError::WithdrawnLen);
    assert_eq!(
        UpdateError::WithdrawnLen.action(),
        ErrorAction::SessionReset
    );
    // Attributes length beyond the message.
    let mut m = update(&[], &[], &[]);
    m[22] = 9;
    assert_eq!(update_err(&m), UpdateError::AttrsLen);
    // An attribute header cut short, and an attribute value overrunning.
    assert_eq!(
        update_err(&update(&[], &[0x40, 1], &[])),
        UpdateError::AttrOverrun
    );
    assert_eq!(
        update_err(&update(&[], &[0x40, 1, 5, 0], &[])),
        UpdateError::AttrOverrun
    );
    assert_eq!(UpdateError::AttrOverrun.action(), ErrorAction::SessionReset);
}

#[test]
fn attribute_length_errors_reset() {
    let cases: [(u8, &[u8], UpdateError); 8] = [
        (ATTR_ORIGIN, &[0, 0], UpdateError::OriginLen),
        (ATTR_NEXT_HOP, &[1, 2, 3], UpdateError::NextHopLen),
        (ATTR_MED, &[1, 2, 3], UpdateError::MedLen),
        (ATTR_LOCAL_PREF, &[0, 0, 0, 0, 1], UpdateError::LocalPrefLen),
        (ATTR_MP_REACH, &[0, 2, 1, 16], UpdateError::MpReach),
        (ATTR_MP_UNREACH, &[0, 2], UpdateError::MpUnreach),
        (ATTR_AIGP, &[1, 0, 4, 0], UpdateError::Aigp),
        (ATTR_PREFIX_SID, &[1, 0], UpdateError::PrefixSid),
    ];
    for (code, v, want) in cases {
        let m = update(&[], &attr(0x80, code, v), &[]);
        assert_eq!(update_err(&m), want, "attribute {code}");
        assert_eq!(want.action(), ErrorAction::SessionReset);
    }
    // MP_REACH: bad next hop length, next hop overrunning, no NLRI.
    for v in [
        &[0, 2, 1, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32][..],
        &[0, 1, 1, 4, 10, 0, 0][..],
        &[0, 1, 1, 4, 10, 0, 0, 1, 0][..],
    ] {
        assert_eq!(
            update_err(&update(&[], &attr(0x80, ATTR_MP_REACH, v), &[])),
            UpdateError::MpReach
        );
    }
}

#[test]
fn as_path_and_community_errors_discard_the_attribute() {
    // Segment overrun, empty segment, odd length.
    for v in [&[2u8, 3, 0, 1][..], &[2, 0][..], &[2, 1, 0][..]] {
        assert_eq!(attr::decode_as_path(v, false), Err(UpdateError::AsPath));
    }
    assert_eq!(UpdateError::AsPath.action(), ErrorAction::AttributeDiscard);
    assert_eq!(
        attr::decode_communities(&[0, 1, 2]),
        Err(UpdateError::CommunityLen)
    );
    assert_eq!(
        attr::decode_ext_communities(&[0; 12]),
        Err(UpdateError::CommunityLen)
    );
    assert_eq!(
        attr::decode_large_communities(&[0; 8]),
        Err(UpdateError::CommunityLen)
    );
    assert_eq!(
        UpdateError::CommunityLen.action(),
        ErrorAction::AttributeDiscard
    );

    // The route is kept without them.
    let mut a = attr(0x40, ATTR_ORIGIN, &[0]);
    a.extend(attr(0x40, ATTR_AS_PATH, &[2, 5, 0, 1]));
    a.extend(attr(0xc0, ATTR_COMMUNITIES, &[1, 2, 3]));
    a.extend(attr(0x40, ATTR_LOCAL_PREF, &[0, 0, 0, 200]));
    let m = update(&[], &a, &[24, 10, 1, 2]);
    let Ok(Message::Update(u)) = Message::parse(&m) else {
        panic!()
    };
    let attrs = u.attributes().unwrap();
    let mut i = Interner::new(RenderOptions::default());
    let mut d = Vec::new();
    let pa = i.intern_update(&attrs, true, &mut d);
    assert_eq!(d, vec![UpdateError::AsPath, UpdateError::CommunityLen]);
    assert!(pa.as_path.is_none() && pa.communities.is_none());
    assert_eq!(pa.local_pref, 200);
}

#[test]
fn nlri_errors_stop_the_block() {
    // 10.1.2.0/24, then a /33, then another prefix: the first stays, the rest is dropped.
    let nlri = [24, 10, 1, 2, 33, 1, 2, 3, 4, 5, 8, 11];
    let got: Vec<_> = NlriIter::new(&nlri, AFI_IP, SAFI_UNICAST, false, false).collect();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].unwrap().prefix.to_string(), "10.1.2.0/24");
    assert_eq!(got[1], Err(UpdateError::NlriLen));
    assert_eq!(UpdateError::NlriLen.action(), ErrorAction::NlriStop);
    // Prefix bytes beyond the block.
    let got: Vec<_> = NlriIter::new(&[24, 10, 1], AFI_IP, SAFI_UNICAST, false, false).collect();
    assert_eq!(got, vec![Err(UpdateError::NlriLen)]);
    // ADD-PATH id cut short.
    let got: Vec<_> = NlriIter::new(&[0, 0, 1], AFI_IP, SAFI_UNICAST, true, false).collect();
    assert_eq!(got, vec![Err(UpdateError::NlriLen)]);
    // VPN: label only (no RD), and an RD of type 7.
    let got: Vec<_> =
        NlriIter::new(&[24, 0, 0, 0x11], AFI_IP, SAFI_MPLS_VPN, false, false).collect();
    assert_eq!(got, vec![Err(UpdateError::NlriLabel)]);
    let mut v = vec![24 + 88, 0, 0x10, 0x01, 0, 7];
    v.extend_from_slice(&[0; 6]);
    v.extend_from_slice(&[10, 0, 0]);
    let got: Vec<_> = NlriIter::new(&v, AFI_IP, SAFI_MPLS_VPN, false, false).collect();
    assert_eq!(got, vec![Err(UpdateError::NlriRdType)]);
    assert_eq!(UpdateError::NlriRdType.action(), ErrorAction::NlriStop);
}

#[test]
fn vpn_and_labelled_nlri_decode() {
    // label 100 (bottom), RD 0:65000:7, 10.9.0.0/16
    let mut v = vec![
        24 + 64 + 16,
        0x00,
        0x06,
        0x41,
        0,
        0,
        0xfd,
        0xe8,
        0,
        0,
        0,
        7,
        10,
        9,
    ];
    v.extend_from_slice(&[24 + 24, 0x00, 0x06, 0x41, 10, 8, 7]); // second, 10.8.7.0/24
    let all: Vec<_> = NlriIter::new(&v, AFI_IP, SAFI_MPLS_VPN, false, false).collect();
    assert_eq!(all.len(), 2);
    assert_eq!(
        all[1],
        Err(UpdateError::NlriLabel),
        "the second entry has no RD"
    );
    let got: Vec<Nlri> = all.into_iter().filter_map(Result::ok).collect();
    assert_eq!(got[0].label, 100);
    assert_eq!(got[0].rd, Some(Rd([0, 0, 0xfd, 0xe8, 0, 0, 0, 7])));
    assert_eq!(got[0].prefix.to_string(), "10.9.0.0/16");
    let lu = [24 + 32, 0x00, 0x06, 0x41, 0x20, 0x01, 0x0d, 0xb8];
    let got: Vec<_> = NlriIter::new(&lu, AFI_IP6, SAFI_MPLS_LABEL, false, false)
        .map(Result::unwrap)
        .collect();
    assert_eq!(got[0].prefix.to_string(), "2001:db8::/32");
}

#[test]
fn well_formed_update_renders_as_pmacct() {
    // AS_SET {65010,65009,65010} appended: sorted and deduplicated.
    let mut p = vec![2, 2];
    p.extend_from_slice(&65001u32.to_be_bytes());
    p.extend_from_slice(&4_200_000_000u32.to_be_bytes());
    p.extend_from_slice(&[1, 3]);
    for x in [65010u32, 65009, 65010] {
        p.extend_from_slice(&x.to_be_bytes());
    }
    let mut a = attr(0x40, ATTR_ORIGIN, &[0]);
    a.extend(attr(0x40, ATTR_AS_PATH, &p));
    a.extend(attr(0x40, ATTR_NEXT_HOP, &[10, 0, 0, 1]));
    a.extend(attr(0x80, ATTR_MED, &[0, 0, 0, 5]));
    a.extend(attr(
        0xc0,
        ATTR_COMMUNITIES,
        &[0xfd, 0xe9, 0, 2, 0xfd, 0xe9, 0, 1, 0xff, 0xff, 0xff, 0x01],
    ));
    a.extend(attr(
        0xc0,
        ATTR_EXT_COMMUNITIES,
        &[
            0, 2, 0xfd, 0xe9, 0, 0, 0, 100, 1, 3, 10, 0, 0, 1, 0, 7, 0x80, 6, 0, 0, 0, 0, 0, 0,
        ],
    ));
    let mut l = Vec::new();
    for x in [4_200_000_000u32, 1, 2] {
        l.extend_from_slice(&x.to_be_bytes());
    }
    a.extend(attr(0xc0, ATTR_LARGE_COMMUNITIES, &l));
    let m = update(&[], &a, &[24, 10, 1, 2]);
    let Ok(Message::Update(u)) = Message::parse(&m) else {
        panic!()
    };
    let attrs = u.attributes().unwrap();
    let mut i = Interner::new(RenderOptions::default());
    let pa = i.intern_update(&attrs, true, &mut Vec::new());
    let ap = pa.as_path.as_ref().unwrap();
    assert_eq!(&*ap.text, "65001 4200000000 {65009,65010}");
    assert_eq!(ap.last_as, 65010);
    assert_eq!(ap.first_as, 65001);
    assert_eq!(
        &*pa.communities.as_ref().unwrap().text,
        "65001:1 65001:2 no-export"
    );
    assert_eq!(
        &*pa.ext_communities.as_ref().unwrap().text,
        "RT:65001:100 SoO:10.0.0.1:7 ?"
    );
    assert_eq!(
        &*pa.large_communities.as_ref().unwrap().text,
        "4200000000:1:2"
    );
    assert_eq!(pa.med, 5);
    assert_eq!(pa.next_hop, Some(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1))));
    // Same attributes from another peer: the same allocation.
    let pb = i.intern_update(&attrs, true, &mut Vec::new());
    assert!(std::sync::Arc::ptr_eq(&pa, &pb));
}

#[test]
fn mp_reach_next_hops() {
    let mut v = vec![0, 2, 1, 32];
    let g: Ipv6Addr = "2001:db8::1".parse().unwrap();
    v.extend_from_slice(&g.octets());
    v.extend_from_slice(&"fe80::1".parse::<Ipv6Addr>().unwrap().octets());
    v.push(0);
    v.extend_from_slice(&[32, 0x20, 0x01, 0x0d, 0xb8]);
    let m = update(&[], &attr(0x80, ATTR_MP_REACH, &v), &[]);
    let Ok(Message::Update(u)) = Message::parse(&m) else {
        panic!()
    };
    let r = u.attributes().unwrap().mp_reach.unwrap();
    assert_eq!(r.next_hop, IpAddr::V6(g));
    assert_eq!(r.nlri, &[32, 0x20, 0x01, 0x0d, 0xb8]);
}

#[test]
fn as4_reconcile_for_two_byte_peers() {
    // AS_PATH 65001 23456 23456, AS4_PATH 4200000000 4200000001
    let p = attr::decode_as_path(&[2, 3, 0xfd, 0xe9, 0x5b, 0xa0, 0x5b, 0xa0], false).unwrap();
    let mut v = vec![2, 2];
    v.extend_from_slice(&4_200_000_000u32.to_be_bytes());
    v.extend_from_slice(&4_200_000_001u32.to_be_bytes());
    let p4 = attr::decode_as_path(&v, true).unwrap();
    let (t, last) = attr::as_path_text(&attr::reconcile_as4(p, p4));
    assert_eq!(t, "65001 4200000000 4200000001");
    assert_eq!(last, 4_200_000_001);
}

#[test]
fn radius_and_patterns() {
    assert_eq!(attr::apply_radius("1 2 3 4", 2), "1 2");
    assert_eq!(attr::apply_radius("1 2", 5), "1 2");
    // 1.7.7's evaluate_comm_patterns(): a wildcard pattern's search ends at the first
    // candidate (found by the head before its first '.') that does not match it...
    let pats = vec!["65001:".to_string(), "6500.:7".to_string()];
    assert_eq!(
        attr::filter_communities("65001:1 65002:7 65003:8", &pats),
        "65001:1"
    );
    let pats = vec!["6500.:7".to_string()];
    assert_eq!(
        attr::filter_communities("65002:7 65003:7 65001:1", &pats),
        "65002:7 65003:7"
    );
    // ...and a head found inside a community keeps that community's tail.
    let pats = vec!["100".to_string()];
    assert_eq!(
        attr::filter_communities("65100:1 1:100", &pats),
        "100:1 100"
    );
    assert_eq!(attr::first_asn("{1,2} 3"), 0);
    assert_eq!(attr::first_asn("(65100 65101) 65001"), 65100);
}
