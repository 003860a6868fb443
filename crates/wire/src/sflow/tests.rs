//! The sFlow module's own helpers; decoding is tested in `crates/wire/tests/sflow_*.rs`.

use super::*;

#[test]
fn header_facts() {
    let mut v5 = vec![0, 0, 0, 5, 0, 0, 0, 1, 192, 0, 2, 9];
    v5.extend_from_slice(&[0, 0, 0, 7, 0, 0, 1, 0]);
    assert_eq!(
        datagram_header(&v5),
        Some(("192.0.2.9".parse().unwrap(), 7, 256))
    );
    let mut v4 = vec![0, 0, 0, 4, 0, 0, 0, 2];
    v4.extend_from_slice(&[0x20, 1, 0xd, 0xb8]);
    v4.extend_from_slice(&[0; 11]);
    v4.extend_from_slice(&[1, 0, 0, 0, 9]);
    assert_eq!(
        datagram_header(&v4),
        Some(("2001:db8::1".parse().unwrap(), 0, 9))
    );
    for n in 0..v5.len() {
        assert_eq!(datagram_header(&v5[..n]), None);
    }
    assert_eq!(
        datagram_header(&[0, 0, 0, 9, 0, 0, 0, 1, 1, 2, 3, 4, 0, 0, 0, 0]),
        None
    );
}

/// `reset` leaves a used sample as `Default` does (with the datagram and type it is given):
/// every field set to something else first, named one by one so a new field must be here.
#[test]
fn reset_empties_every_field() {
    let ip = Some(SampledIp {
        length: 60,
        protocol: 6,
        src: Some("10.0.0.1".parse().unwrap()),
        ..Default::default()
    });
    let named = Some(ExtMplsNamed {
        name: b"t",
        id: 1,
        cos: 2,
    });
    let stack = LabelStack { raw: &[0, 1, 0, 2] };
    let hdr = [0u8; 60];
    let dg = DatagramInfo {
        version: 5,
        sequence: 9,
        ..Default::default()
    };
    let mut s = SflowSample {
        datagram: DatagramInfo::default(),
        sample_type: 1,
        sequence: 1,
        source_id_type: 2,
        source_id_index: 3,
        sampling_rate: 4,
        sample_pool: 5,
        drops: 6,
        input_format: 1,
        input: 7,
        output_format: 2,
        output: 8,
        header_protocol: 1,
        frame_length: 9,
        stripped: 4,
        header: &hdr,
        has_header: true,
        packet: crate::packet::decode_ethernet(&hdr),
        ethernet: Some(SampledEthernet::default()),
        ipv4: ip,
        ipv6: ip,
        switch: Some(ExtSwitch::default()),
        router: Some(ExtRouter::default()),
        gateway: Some(ExtGateway::default()),
        user: Some(ExtUser::default()),
        url: Some(ExtUrl::default()),
        mpls: Some(ExtMpls::default()),
        nat: Some((None, None)),
        mpls_tunnel: named,
        mpls_vc: named,
        mpls_ftn: named,
        mpls_ldp_fec_prefix_len: Some(24),
        vlan_tunnel: Some(stack),
        tunnel_ipv4_egress: ip,
        tunnel_ipv4_ingress: ip,
        tunnel_ipv6_egress: ip,
        tunnel_ipv6_ingress: ip,
        decap_egress_offset: Some(1),
        decap_ingress_offset: Some(2),
        vni_egress: Some(3),
        vni_ingress: Some(4),
        tag: Some((1, 2)),
        sampled_packet_size: 10,
        in_vlan: 11,
        out_vlan: 12,
        in_priority: 13,
        out_priority: 14,
        eth_type: 0x0800,
        got_ipv4: true,
        got_ipv6: true,
        records: 15,
        unknown_records: 16,
    };
    assert_ne!(s.packet, crate::packet::PacketInfo::default());
    s.reset(&dg, SAMPLE_FLOW_EXPANDED);
    assert_eq!(
        s,
        SflowSample {
            datagram: dg,
            sample_type: SAMPLE_FLOW_EXPANDED,
            ..Default::default()
        }
    );
}
