//! The primitives table: one row per pmacct 1.7.7 aggregation primitive, in the print
//! plugin's column order. See the module documentation for what each column drives.
//!
//! Row columns: `keywords` (aggregate keyword, `-a` section, daemons listing it, `-a` rank,
//! description), `json` key(s) and `json_rank` (compose_json() order), CSV/formatted
//! `header`(s) and `fmt` (header width, value pad, trailing spaces; `vlen` for variable
//! length), the `field` of [`Primitives`] it reads (`-`: none in the flow model yet, see
//! `NOT_IN_FLOW_MODEL`), its `render`ing, and its `sql` column(s) by `sql_table_version` with
//! the `sql_type`. Widths measured from nfacctd 1.7.7 formatted output (header and rows).
//! Adding a primitive: one row here plus its extraction in a producer.

use super::*;

primitive_table! {
    Tag {
        keywords: [
            ("tag", MISC, ALL, 66, "Numeric tag, ie. as result of pre_tag_map evaluation")
        ],
        json: "tag", json_rank: 1, header: "TAG", fmt: (12, 10, 2),
        field: tag, render: Num, sql: [(1, "agent_id"), (9, "tag")], sql_type: U32,
    },
    Tag2 {
        keywords: [
            ("tag2", MISC, ALL, 67, "Numeric tag, ie. as result of pre_tag_map evaluation")
        ],
        json: "tag2", json_rank: 2, header: "TAG2", fmt: (12, 10, 2),
        field: tag2, render: Num, sql: [(1, "tag2")], sql_type: U32,
    },
    Label {
        keywords: [
            ("label", MISC, ALL, 68, "String label, ie. as result of pre_tag_map evaluation")
        ],
        json: "label", json_rank: 3, header: "LABEL", fmt: vlen,
        field: label, render: Label, sql: [(1, "label")], sql_type: Text,
    },
    Class {
        keywords: [
            ("class", MISC, ALL, 53, "L7 protocol classification"),
            ("class_legacy", Hidden, 0, 0, "not listed by -a")
        ],
        json: "class", json_rank: 4, header: "CLASS", fmt: (18, 16, 2),
        field: -, render: Class, sql: [(1, "class_id")], sql_type: Char(16),
    },
    SrcMac {
        keywords: [
            ("src_mac", L2, ALL, 2, "Source MAC address")
        ],
        json: "mac_src", json_rank: 5, header: "SRC_MAC", fmt: (19, 17, 2),
        field: src_mac, render: Mac, sql: [(1, "mac_src")], sql_type: Mac,
    },
    DstMac {
        keywords: [
            ("dst_mac", L2, ALL, 3, "Destination MAC address")
        ],
        json: "mac_dst", json_rank: 6, header: "DST_MAC", fmt: (19, 17, 2),
        field: dst_mac, render: Mac, sql: [(1, "mac_dst")], sql_type: Mac,
    },
    Vlan {
        keywords: [
            ("vlan", L2, ALL, 4, "Ethernet VLAN, 802.1Q")
        ],
        json: "vlan", json_rank: 7, header: "VLAN", fmt: (7, 5, 2),
        field: vlan, render: Num, sql: [(1, "vlan")], sql_type: U16,
    },
    Cos {
        keywords: [
            ("cos", L2, ALL, 0, "Ethernet CoS, 802.1P")
        ],
        json: "cos", json_rank: 8, header: "COS", fmt: (4, 2, 2),
        field: cos, render: Num, sql: [(1, "cos")], sql_type: U8,
    },
    Etype {
        keywords: [
            ("etype", L2, ALL, 1, "Ethernet Ethertype")
        ],
        json: "etype", json_rank: 9, header: "ETYPE", fmt: (7, 5, 2),
        field: etype, render: Hex, sql: [(1, "etype")], sql_type: Char(5),
    },
    SrcAs {
        keywords: [
            ("src_as", BGP, ALL, 16, "Source ASN")
        ],
        json: "as_src", json_rank: 10, header: "SRC_AS", fmt: (12, 10, 2),
        field: src_as, render: Num, sql: [(1, "ip_src"), (6, "as_src")], sql_type: U32,
    },
    DstAs {
        keywords: [
            ("dst_as", BGP, ALL, 17, "Destination ASN")
        ],
        json: "as_dst", json_rank: 11, header: "DST_AS", fmt: (12, 10, 2),
        field: dst_as, render: Num, sql: [(1, "ip_dst"), (6, "as_dst")], sql_type: U32,
    },
    StdComm {
        keywords: [
            ("std_comm", BGP, ALL, 19, "Standard Communities")
        ],
        json: "comms", json_rank: 12, header: "COMMS", fmt: vlen,
        field: std_comm, render: Bgp, sql: [(1, "comms")], sql_type: Char(24),
    },
    ExtComm {
        keywords: [
            ("ext_comm", BGP, ALL, 20, "Extended Communities")
        ],
        json: "ecomms", json_rank: 13, header: "ECOMMS", fmt: vlen,
        field: ext_comm, render: Bgp, sql: [(1, "ecomms")], sql_type: Char(24),
    },
    LrgComm {
        keywords: [
            ("lrg_comm", BGP, ALL, 21, "Large Communities")
        ],
        json: "lcomms", json_rank: 14, header: "LCOMMS", fmt: vlen,
        field: lrg_comm, render: Bgp, sql: [(1, "lcomms")], sql_type: Char(24),
    },
    SrcStdComm {
        keywords: [
            ("src_std_comm", BGP, ALL, 25, "Source Standard Communities (via reverse BGP lookup)")
        ],
        json: "comms_src", json_rank: 24, header: "SRC_COMMS", fmt: vlen,
        field: src_std_comm, render: Bgp, sql: [(1, "comms_src")], sql_type: Char(24),
    },
    SrcExtComm {
        keywords: [
            ("src_ext_comm", BGP, ALL, 26, "Source Extended Communities (via reverse BGP lookup)")
        ],
        json: "ecomms_src", json_rank: 25, header: "SRC_ECOMMS", fmt: vlen,
        field: src_ext_comm, render: Bgp, sql: [(1, "ecomms_src")], sql_type: Char(24),
    },
    SrcLrgComm {
        keywords: [
            ("src_lrg_comm", BGP, ALL, 27, "Source Large Communities (via reverse BGP lookup)")
        ],
        json: "lcomms_src", json_rank: 26, header: "SRC_LCOMMS", fmt: vlen,
        field: src_lrg_comm, render: Bgp, sql: [(1, "lcomms_src")], sql_type: Char(24),
    },
    AsPath {
        keywords: [
            ("as_path", BGP, ALL, 18, "AS PATH")
        ],
        json: "as_path", json_rank: 15, header: "AS_PATH", fmt: vlen,
        field: as_path, render: Bgp, sql: [(1, "as_path")], sql_type: Char(21),
    },
    SrcAsPath {
        keywords: [
            ("src_as_path", BGP, ALL, 24, "Source AS PATH (via reverse BGP lookup)")
        ],
        json: "as_path_src", json_rank: 27, header: "SRC_AS_PATH", fmt: vlen,
        field: src_as_path, render: Bgp, sql: [(1, "as_path_src")], sql_type: Char(21),
    },
    LocalPref {
        keywords: [
            ("local_pref", BGP, ALL, 22, "Local Preference")
        ],
        json: "local_pref", json_rank: 16, header: "PREF", fmt: (9, 7, 2),
        field: local_pref, render: Num, sql: [(1, "local_pref")], sql_type: U32,
    },
    SrcLocalPref {
        keywords: [
            ("src_local_pref", BGP, ALL, 28, "Source Local Preference (by default via reverse BGP lookup)")
        ],
        json: "local_pref_src", json_rank: 28, header: "SRC_PREF", fmt: (9, 7, 2),
        field: src_local_pref, render: Num, sql: [(1, "local_pref_src")], sql_type: U32,
    },
    Med {
        keywords: [
            ("med", BGP, ALL, 23, "Multi-Exit Discriminator")
        ],
        json: "med", json_rank: 17, header: "MED", fmt: (8, 6, 2),
        field: med, render: Num, sql: [(1, "med")], sql_type: U32,
    },
    SrcMed {
        keywords: [
            ("src_med", BGP, ALL, 29, "Source MED (by default via reverse BGP lookup)")
        ],
        json: "med_src", json_rank: 29, header: "SRC_MED", fmt: (8, 6, 2),
        field: src_med, render: Num, sql: [(1, "med_src")], sql_type: U32,
    },
    SrcRoa {
        keywords: [
            ("src_roa", MISC, ALL, 72, "RPKI validation status for source IP prefix")
        ],
        json: "roa_src", json_rank: 30, header: "SRC_ROA", fmt: (8, 6, 2),
        field: src_roa, render: Roa, sql: [(1, "roa_src")], sql_type: Char(1),
    },
    DstRoa {
        keywords: [
            ("dst_roa", MISC, ALL, 73, "RPKI validation status for destination IP prefix")
        ],
        json: "roa_dst", json_rank: 18, header: "DST_ROA", fmt: (8, 6, 2),
        field: dst_roa, render: Roa, sql: [(1, "roa_dst")], sql_type: Char(1),
    },
    PeerSrcAs {
        keywords: [
            ("peer_src_as", BGP, ALL, 30, "Source peer ASN (by default via reverse BGP lookup)")
        ],
        json: "peer_as_src", json_rank: 19, header: "PEER_SRC_AS", fmt: (12, 10, 2),
        field: peer_src_as, render: Num, sql: [(1, "peer_as_src")], sql_type: U32,
    },
    PeerDstAs {
        keywords: [
            ("peer_dst_as", BGP, ALL, 31, "Destination peer ASN")
        ],
        json: "peer_as_dst", json_rank: 20, header: "PEER_DST_AS", fmt: (12, 10, 2),
        field: peer_dst_as, render: Num, sql: [(1, "peer_as_dst")], sql_type: U32,
    },
    PeerSrcIp {
        keywords: [
            ("peer_src_ip", MISC, NF|SF, 63, "IP address or identificator of telemetry exporting device")
        ],
        json: "peer_ip_src", json_rank: 21, header: "PEER_SRC_IP", fmt: (47, 45, 2),
        field: peer_src_ip, render: Ip, sql: [(1, "peer_ip_src")], sql_type: Ip,
    },
    PeerDstIp {
        keywords: [
            ("peer_dst_ip", BGP, ALL, 32, "BGP next-hop")
        ],
        json: "peer_ip_dst", json_rank: 22, header: "PEER_DST_IP", fmt: (47, 45, 2),
        field: peer_dst_ip, render: IpInFamily, sql: [(1, "peer_ip_dst")], sql_type: Ip,
    },
    InIface {
        keywords: [
            ("in_iface", MISC, NF|SF, 61, "Input interface, SNMP ifIndex")
        ],
        json: "iface_in", json_rank: 31, header: "IN_IFACE", fmt: (12, 10, 2),
        field: in_iface, render: Num, sql: [(1, "iface_in")], sql_type: U32,
    },
    OutIface {
        keywords: [
            ("out_iface", MISC, NF|SF, 62, "Output interface, SNMP ifIndex")
        ],
        json: "iface_out", json_rank: 32, header: "OUT_IFACE", fmt: (12, 10, 2),
        field: out_iface, render: Num, sql: [(1, "iface_out")], sql_type: U32,
    },
    MplsVpnRd {
        keywords: [
            ("mpls_vpn_rd", MPLS, NF|SF, 51, "MPLS L3 VPN Route Distinguisher")
        ],
        json: "mpls_vpn_rd", json_rank: 33, header: "MPLS_VPN_RD", fmt: (20, 18, 2),
        field: mpls_vpn_rd, render: Rd, sql: [(1, "mpls_vpn_rd")], sql_type: Char(18),
    },
    MplsPwId {
        keywords: [
            ("mpls_pw_id", MPLS, NF|SF, 52, "MPLS L2 VPN Pseudowire ID")
        ],
        json: "mpls_pw_id", json_rank: 34, header: "MPLS_PW_ID", fmt: (12, 10, 2),
        field: mpls_pw_id, render: Num, sql: [(1, "mpls_pw_id")], sql_type: U32,
    },
    SrcHost {
        keywords: [
            ("src_host", L3, ALL, 5, "Source IPv4/IPv6 address")
        ],
        json: "ip_src", json_rank: 35, header: "SRC_IP", fmt: (47, 45, 2),
        field: src_ip, render: Ip, sql: [(1, "ip_src")], sql_type: Ip,
    },
    SrcNet {
        keywords: [
            ("src_net", L3, ALL, 9, "Source IPv4/IPv6 prefix")
        ],
        json: "net_src", json_rank: 36, header: "SRC_NET", fmt: (47, 45, 2),
        field: src_net, render: Ip, sql: [(1, "net_src")], sql_type: Ip,
    },
    DstHost {
        keywords: [
            ("dst_host", L3, ALL, 6, "Destination IPv4/IPv6 address")
        ],
        json: "ip_dst", json_rank: 37, header: "DST_IP", fmt: (47, 45, 2),
        field: dst_ip, render: Ip, sql: [(1, "ip_dst")], sql_type: Ip,
    },
    DstNet {
        keywords: [
            ("dst_net", L3, ALL, 10, "Destination IPv4/IPv6 prefix")
        ],
        json: "net_dst", json_rank: 38, header: "DST_NET", fmt: (47, 45, 2),
        field: dst_net, render: Ip, sql: [(1, "net_dst")], sql_type: Ip,
    },
    SrcMask {
        keywords: [
            ("src_mask", L3, ALL, 7, "Source network mask")
        ],
        json: "mask_src", json_rank: 39, header: "SRC_MASK", fmt: (10, 3, 7),
        field: src_mask, render: Num, sql: [(1, "mask_src")], sql_type: U8,
    },
    DstMask {
        keywords: [
            ("dst_mask", L3, ALL, 8, "Destination network mask")
        ],
        json: "mask_dst", json_rank: 40, header: "DST_MASK", fmt: (10, 3, 7),
        field: dst_mask, render: Num, sql: [(1, "mask_dst")], sql_type: U8,
    },
    SrcPort {
        keywords: [
            ("src_port", L4, ALL, 13, "Source TCP/UDP port")
        ],
        json: "port_src", json_rank: 41, header: "SRC_PORT", fmt: (10, 5, 5),
        field: src_port, render: Num, sql: [(1, "src_port"), (8, "port_src")], sql_type: U16,
    },
    DstPort {
        keywords: [
            ("dst_port", L4, ALL, 14, "Destination TCP/UDP port")
        ],
        json: "port_dst", json_rank: 42, header: "DST_PORT", fmt: (10, 5, 5),
        field: dst_port, render: Num, sql: [(1, "dst_port"), (8, "port_dst")], sql_type: U16,
    },
    TcpFlags {
        keywords: [
            ("tcpflags", L4, ALL, 15, "TCP flags")
        ],
        json: "tcp_flags", json_rank: 49, header: "TCP_FLAGS", fmt: (11, 3, 8),
        field: -, render: TcpFlags, sql: [(1, "tcp_flags")], sql_type: U32,
    },
    Proto {
        keywords: [
            ("proto", L3, ALL, 11, "IP protocol")
        ],
        json: "ip_proto", json_rank: 50, header: "PROTOCOL", fmt: (12, 10, 2),
        field: proto, render: Proto, sql: [(1, "ip_proto")], sql_type: Proto,
    },
    Tos {
        keywords: [
            ("tos", L3, ALL, 12, "IP ToS")
        ],
        json: "tos", json_rank: 51, header: "TOS", fmt: (7, 3, 4),
        field: tos, render: Num, sql: [(1, "tos")], sql_type: U32,
    },
    // pmacct 1.8 (master's print plugin puts it after TOS; JSON rank after 1.7.7's keys). Hidden
    // from `-a` like the other 1.8 primitives; pmacct's SQL has no column: an extension.
    FlowLabel {
        keywords: [
            ("flow_label", Hidden, NF|SF, 0, "IPv6 flow label")
        ],
        json: "flow_label", json_rank: 86, header: "FLOW_LABEL", fmt: (11, 10, 1),
        field: flow_label, render: Num, sql: [(1, "flow_label")], sql_type: U32,
    },
    SrcHostCountry {
        keywords: [
            ("src_host_country", MISC, ALL, 55, "Source IP address GeoIP resolution: country")
        ],
        json: "country_ip_src", json_rank: 43, header: "SH_COUNTRY", fmt: (12, 5, 7),
        field: -, render: SrcCountry, sql: [(1, "country_ip_src")], sql_type: Char(2),
    },
    DstHostCountry {
        keywords: [
            ("dst_host_country", MISC, ALL, 56, "Destination IP address GeoIP resolution: country")
        ],
        json: "country_ip_dst", json_rank: 44, header: "DH_COUNTRY", fmt: (12, 5, 7),
        field: -, render: DstCountry, sql: [(1, "country_ip_dst")], sql_type: Char(2),
    },
    SrcHostPocode {
        keywords: [
            ("src_host_pocode", MISC, ALL, 57, "Source IP address GeoIP resolution: postal code")
        ],
        json: "pocode_ip_src", json_rank: 45, header: "SH_POCODE", fmt: (14, 12, 2),
        field: -, render: SrcPocode, sql: [(1, "pocode_ip_src")], sql_type: Char(12),
    },
    DstHostPocode {
        keywords: [
            ("dst_host_pocode", MISC, ALL, 58, "Destination IP address GeoIP resolution: postal code")
        ],
        json: "pocode_ip_dst", json_rank: 46, header: "DH_POCODE", fmt: (14, 12, 2),
        field: -, render: DstPocode, sql: [(1, "pocode_ip_dst")], sql_type: Char(12),
    },
    SrcHostCoords {
        keywords: [
            ("src_host_coords", MISC, ALL, 59, "Source IP address GeoIP resolution: lat/lon coordinates")
        ],
        json: "lat_ip_src" / "lon_ip_src", json_rank: 47, header: "SH_LAT" / "SH_LON", fmt: (14, 8, 2),
        field: -, render: SrcCoords, sql: [(1, "lat_ip_src")] + "lon_ip_src", sql_type: Float,
    },
    DstHostCoords {
        keywords: [
            ("dst_host_coords", MISC, ALL, 60, "Destination IP address GeoIP resolution: lat/lon coordinates")
        ],
        json: "lat_ip_dst" / "lon_ip_dst", json_rank: 48, header: "DH_LAT" / "DH_LON", fmt: (14, 8, 2),
        field: -, render: DstCoords, sql: [(1, "lat_ip_dst")] + "lon_ip_dst", sql_type: Float,
    },
    SamplingRate {
        keywords: [
            ("sampling_rate", MISC, ALL, 64, "Sampling rate")
        ],
        json: "sampling_rate", json_rank: 52, header: "SAMPLING_RATE", fmt: (14, 7, 7),
        field: sampling_rate, render: Num, sql: [(1, "sampling_rate")], sql_type: U32,
    },
    SamplingDirection {
        keywords: [
            ("sampling_direction", MISC, NF, 65, "Sampling direction (ie. ingress vs egress)")
        ],
        json: "sampling_direction", json_rank: 53, header: "SAMPLING_DIRECTION", fmt: (19, 1, 19),
        field: sampling_direction, render: Char, sql: [(1, "sampling_direction")], sql_type: Char(1),
    },
    PostNatSrcHost {
        keywords: [
            ("post_nat_src_host", NAT, NF, 35, "Source IPv4/IPv6 address after NAT translation")
        ],
        json: "post_nat_ip_src", json_rank: 54, header: "POST_NAT_SRC_IP", fmt: (47, 45, 2),
        field: post_nat_src_ip, render: Ip, sql: [(1, "post_nat_ip_src")], sql_type: Ip,
    },
    PostNatDstHost {
        keywords: [
            ("post_nat_dst_host", NAT, NF, 36, "Destination IPv4/IPv6 address after NAT translation")
        ],
        json: "post_nat_ip_dst", json_rank: 55, header: "POST_NAT_DST_IP", fmt: (47, 45, 2),
        field: post_nat_dst_ip, render: Ip, sql: [(1, "post_nat_ip_dst")], sql_type: Ip,
    },
    PostNatSrcPort {
        keywords: [
            ("post_nat_src_port", NAT, NF, 37, "Source TCP/UDP port after NAT translation")
        ],
        json: "post_nat_port_src", json_rank: 56, header: "POST_NAT_SRC_PORT", fmt: (19, 5, 14),
        field: post_nat_src_port, render: Num, sql: [(1, "post_nat_port_src")], sql_type: U16,
    },
    PostNatDstPort {
        keywords: [
            ("post_nat_dst_port", NAT, NF, 38, "Destination TCP/UDP port after NAT translation")
        ],
        json: "post_nat_port_dst", json_rank: 57, header: "POST_NAT_DST_PORT", fmt: (19, 5, 14),
        field: post_nat_dst_port, render: Num, sql: [(1, "post_nat_port_dst")], sql_type: U16,
    },
    NatEvent {
        keywords: [
            ("nat_event", NAT, NF, 34, "NAT event ID"),
            ("fw_event", NAT, NF, 33, "Firewall event ID")
        ],
        json: "nat_event", json_rank: 58, header: "NAT_EVENT", fmt: (10, 3, 7),
        field: nat_event, render: Num, sql: [(1, "nat_event")], sql_type: U8,
    },
    MplsLabelTop {
        keywords: [
            ("mpls_label_top", MPLS, NF|PM, 49, "Top MPLS label")
        ],
        json: "mpls_label_top", json_rank: 59, header: "MPLS_LABEL_TOP", fmt: (16, 7, 9),
        field: mpls_label_top, render: Num, sql: [(1, "mpls_label_top")], sql_type: U32,
    },
    MplsLabelBottom {
        keywords: [
            ("mpls_label_bottom", MPLS, NF|PM, 48, "Bottom MPLS label")
        ],
        json: "mpls_label_bottom", json_rank: 60, header: "MPLS_LABEL_BOTTOM", fmt: (19, 7, 12),
        field: mpls_label_bottom, render: Num, sql: [(1, "mpls_label_bottom")], sql_type: U32,
    },
    MplsStackDepth {
        keywords: [
            ("mpls_stack_depth", MPLS, NF|PM, 50, "MPLS stack depth")
        ],
        json: "mpls_stack_depth", json_rank: 61, header: "MPLS_STACK_DEPTH", fmt: (18, 2, 16),
        field: mpls_stack_depth, render: Num, sql: [(1, "mpls_stack_depth")], sql_type: U8,
    },
    TunnelSrcMac {
        keywords: [
            ("tunnel_src_mac", TUNNEL, SF|PM, 40, "Tunnel inner Source MAC address")
        ],
        json: "tunnel_mac_src", json_rank: 62, header: "TUNNEL_SRC_MAC", fmt: (19, 17, 2),
        field: tunnel_src_mac, render: Mac, sql: [(1, "tunnel_mac_src")], sql_type: Mac,
    },
    TunnelDstMac {
        keywords: [
            ("tunnel_dst_mac", TUNNEL, SF|PM, 41, "Tunnel inner Destination MAC address")
        ],
        json: "tunnel_mac_dst", json_rank: 63, header: "TUNNEL_DST_MAC", fmt: (19, 17, 2),
        field: tunnel_dst_mac, render: Mac, sql: [(1, "tunnel_mac_dst")], sql_type: Mac,
    },
    TunnelSrcHost {
        keywords: [
            ("tunnel_src_host", TUNNEL, SF|PM, 42, "Tunnel inner Source IPv4/IPv6 address")
        ],
        json: "tunnel_ip_src", json_rank: 64, header: "TUNNEL_SRC_IP", fmt: (47, 45, 2),
        field: tunnel_src_ip, render: Ip, sql: [(1, "tunnel_ip_src")], sql_type: Ip,
    },
    TunnelDstHost {
        keywords: [
            ("tunnel_dst_host", TUNNEL, SF|PM, 43, "Tunnel inner Destination IPv4/IPv6 address")
        ],
        json: "tunnel_ip_dst", json_rank: 65, header: "TUNNEL_DST_IP", fmt: (47, 45, 2),
        field: tunnel_dst_ip, render: Ip, sql: [(1, "tunnel_ip_dst")], sql_type: Ip,
    },
    TunnelProto {
        keywords: [
            ("tunnel_proto", TUNNEL, SF|PM, 44, "Tunnel inner IP protocol")
        ],
        json: "tunnel_ip_proto", json_rank: 66, header: "TUNNEL_PROTOCOL", fmt: (17, 10, 7),
        field: tunnel_proto, render: Proto, sql: [(1, "tunnel_ip_proto")], sql_type: Proto,
    },
    TunnelTos {
        keywords: [
            ("tunnel_tos", TUNNEL, SF|PM, 45, "Tunnel inner IP ToS")
        ],
        json: "tunnel_tos", json_rank: 67, header: "TUNNEL_TOS", fmt: (12, 3, 9),
        field: tunnel_tos, render: Num, sql: [(1, "tunnel_tos")], sql_type: U32,
    },
    // pmacct 1.7.9+ (nfacctd, SRv6): hidden from `-a` (1.7.7's listing unchanged); rows in
    // the 1.7.9 print plugin's column order, JSON ranks after 1.7.7's (see the 1.7.8+ block).
    TunnelFlowLabel {
        keywords: [
            ("tunnel_flow_label", Hidden, NF, 0, "Tunnel outer IPv6 flow label (SRv6)")
        ],
        json: "tunnel_flow_label", json_rank: 83, header: "TUNNEL_FLOW_LABEL", fmt: (18, 10, 8),
        field: tunnel_flow_label, render: Num, sql: [(1, "tunnel_flow_label")], sql_type: U32,
    },
    TunnelSrcPort {
        keywords: [
            ("tunnel_src_port", TUNNEL, SF|PM, 46, "Tunnel inner Source TCP/UDP port")
        ],
        json: "tunnel_port_src", json_rank: 68, header: "TUNNEL_SRC_PORT", fmt: (17, 5, 12),
        field: tunnel_src_port, render: Num, sql: [(1, "tunnel_port_src")], sql_type: U16,
    },
    TunnelDstPort {
        keywords: [
            ("tunnel_dst_port", TUNNEL, SF|PM, 47, "Tunnel inner Destination TCP/UDP port")
        ],
        json: "tunnel_port_dst", json_rank: 69, header: "TUNNEL_DST_PORT", fmt: (17, 5, 12),
        field: tunnel_dst_port, render: Num, sql: [(1, "tunnel_port_dst")], sql_type: U16,
    },
    TunnelTcpFlags {
        keywords: [
            ("tunnel_tcpflags", Hidden, NF, 0, "Tunnel outer TCP flags (SRv6)")
        ],
        json: "tunnel_tcp_flags", json_rank: 84, header: "TUNNEL_TCP_FLAGS", fmt: (18, 3, 15),
        field: -, render: TunnelTcpFlags, sql: [(1, "tunnel_tcp_flags")], sql_type: U32,
    },
    Vxlan {
        keywords: [
            ("vxlan", TUNNEL, ALL, 39, "VXLAN Network Identifier")
        ],
        json: "vxlan", json_rank: 70, header: "VXLAN", fmt: (10, 8, 2),
        field: vxlan, render: Num, sql: [(1, "vxlan")], sql_type: U32,
    },
    Nvgre {
        keywords: [
            ("nvgre", Hidden, NF, 0, "NVGRE Tenant Network Identifier (layer2SegmentId)")
        ],
        json: "nvgre", json_rank: 85, header: "NVGRE", fmt: (10, 8, 2),
        field: nvgre, render: Num, sql: [(1, "nvgre")], sql_type: U32,
    },
    TimestampStart {
        keywords: [
            ("timestamp_start", TIME, NF, 74, "Flow start time or observation time at the exporter")
        ],
        json: "timestamp_start", json_rank: 71, header: "TIMESTAMP_START", fmt: (31, 30, 1),
        field: timestamp_start, render: Ts, sql: [(1, "timestamp_start")], sql_type: DateTime,
    },
    TimestampEnd {
        keywords: [
            ("timestamp_end", TIME, NF, 75, "Flow end time")
        ],
        json: "timestamp_end", json_rank: 72, header: "TIMESTAMP_END", fmt: (31, 30, 1),
        field: timestamp_end, render: Ts, sql: [(1, "timestamp_end")], sql_type: DateTime,
    },
    TimestampArrival {
        keywords: [
            ("timestamp_arrival", TIME, ALL, 76, "Observation time at the collector")
        ],
        json: "timestamp_arrival", json_rank: 73, header: "TIMESTAMP_ARRIVAL", fmt: (31, 30, 1),
        field: timestamp_arrival, render: Ts, sql: [(1, "timestamp_arrival")], sql_type: DateTime,
    },
    TimestampExport {
        keywords: [
            ("timestamp_export", TIME, NF, 77, "Observation time at the exporter")
        ],
        json: "timestamp_export", json_rank: 77, header: "TIMESTAMP_EXPORT", fmt: (31, 30, 1),
        field: timestamp_export, render: Ts, sql: [(1, "timestamp_export")], sql_type: DateTime,
    },
    ExportProtoSeqno {
        keywords: [
            ("export_proto_seqno", MISC, NF|SF, 69, "Export protocol (ie. NetFlow) sequence number")
        ],
        json: "export_proto_seqno", json_rank: 74, header: "EXPORT_PROTO_SEQNO", fmt: (20, 18, 2),
        field: export_proto_seqno, render: Num, sql: [(1, "export_proto_seqno")], sql_type: U32,
    },
    ExportProtoVersion {
        keywords: [
            ("export_proto_version", MISC, NF|SF, 70, "Export protocol (ie. NetFlow) version")
        ],
        json: "export_proto_version", json_rank: 75, header: "EXPORT_PROTO_VERSION", fmt: (22, 20, 2),
        field: export_proto_version, render: Num, sql: [(1, "export_proto_version")], sql_type: U16,
    },
    ExportProtoSysid {
        keywords: [
            ("export_proto_sysid", MISC, NF|SF, 71, "Export protocol ID (ie. sFlow subAgentID, IPFIX Obs Domain ID)")
        ],
        json: "export_proto_sysid", json_rank: 76, header: "EXPORT_PROTO_SYSID", fmt: (20, 18, 2),
        field: export_proto_sysid, render: Num, sql: [(1, "export_proto_sysid")], sql_type: U32,
    },
    // --- pmacct 1.7.8+ primitives (issue 22). Not in 1.7.7's `-a` listing (Hidden: accepted
    // in `aggregate`, not listed), so `-a` stays byte-identical to 1.7.7. JSON ranks after
    // 1.7.7's so that 1.7.7 key order is untouched.
    FwdStatus {
        keywords: [
            ("fwd_status", Hidden, NF, 0, "Forwarding status (RFC 7270 forwardingStatus)")
        ],
        json: "fwd_status", json_rank: 79, header: "FWD_STATUS", fmt: (12, 10, 2),
        field: fwd_status, render: FwdStatus, sql: [(1, "fwd_status")], sql_type: U8,
    },
    MplsLabelStack {
        keywords: [
            ("mpls_label_stack", Hidden, NF, 0, "MPLS label stack")
        ],
        json: "mpls_label_stack", json_rank: 80, header: "MPLS_LABEL_STACK", fmt: vlen,
        field: mpls_label_stack, render: LabelStack, sql: [(1, "mpls_label_stack")], sql_type: Text,
    },
    VrfName {
        keywords: [
            ("vrf_name", Hidden, NF, 0, "VRF name (options data: ingressVRFID to VRFname)")
        ],
        json: "vrf_name", json_rank: 81, header: "VRF_NAME", fmt: vlen,
        field: vrf_name, render: Label, sql: [(1, "vrf_name")], sql_type: Text,
    },
    Srv6SegIpv6List {
        keywords: [
            ("srv6_seg_ipv6_list", Hidden, NF, 0, "SRv6 segment list (srhSegmentIPv6ListSection)")
        ],
        json: "srv6_seg_ipv6_list", json_rank: 82, header: "SRV6_SEG_IPV6_LIST", fmt: vlen,
        field: srv6_seg_list, render: Srv6List, sql: [(1, "srv6_seg_ipv6_list")], sql_type: Text,
    },
    // --- end of pmacct 1.7.8+ primitives.
    Flows {
        keywords: [
            ("flows", MISC, NF, 54, "IP flows")
        ],
        json: "flows", json_rank: 78, header: "FLOWS", fmt: (22, 20, 2),
        field: -, render: Flows, sql: [(1, "flows")], sql_type: U64,
    },
}
