//! The one table of pmacct 1.7.7 aggregation primitives.
//!
//! Every consumer (aggregate parsing, `-a` listing, JSON, CSV and formatted output) reads this
//! table. Three orders matter and differ in pmacct: the `-a` listing (table order), the print
//! plugin's column order (the order of [`Primitive`] variants) and `compose_json()`'s key order
//! ([`PrimInfo::json_rank`]).

use std::fmt;

use crate::custom::{self, CustomCol, CustomLayout, LookupError};

/// One aggregation primitive. Variants are declared in the print plugin's column order
/// (`P_write_stats_header_csv()`), so `as u8` is the CSV/formatted rank.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Primitive {
    Tag,
    Tag2,
    Label,
    Class,
    SrcMac,
    DstMac,
    Vlan,
    Cos,
    Etype,
    SrcAs,
    DstAs,
    StdComm,
    ExtComm,
    LrgComm,
    SrcStdComm,
    SrcExtComm,
    SrcLrgComm,
    AsPath,
    SrcAsPath,
    LocalPref,
    SrcLocalPref,
    Med,
    SrcMed,
    SrcRoa,
    DstRoa,
    PeerSrcAs,
    PeerDstAs,
    PeerSrcIp,
    PeerDstIp,
    InIface,
    OutIface,
    MplsVpnRd,
    MplsPwId,
    SrcHost,
    SrcNet,
    DstHost,
    DstNet,
    SrcMask,
    DstMask,
    SrcPort,
    DstPort,
    TcpFlags,
    Proto,
    Tos,
    SrcHostCountry,
    DstHostCountry,
    SrcHostPocode,
    DstHostPocode,
    SrcHostCoords,
    DstHostCoords,
    SamplingRate,
    SamplingDirection,
    PostNatSrcHost,
    PostNatDstHost,
    PostNatSrcPort,
    PostNatDstPort,
    NatEvent,
    MplsLabelTop,
    MplsLabelBottom,
    MplsStackDepth,
    TunnelSrcMac,
    TunnelDstMac,
    TunnelSrcHost,
    TunnelDstHost,
    TunnelProto,
    TunnelTos,
    TunnelSrcPort,
    TunnelDstPort,
    Vxlan,
    TimestampStart,
    TimestampEnd,
    TimestampArrival,
    TimestampExport,
    ExportProtoSeqno,
    ExportProtoVersion,
    ExportProtoSysid,
    /// Not a column: adds the flow counter (`flows` / FLOWS) to the output.
    Flows,
}

/// Number of [`Primitive`] variants.
pub const NUM_PRIMITIVES: usize = Primitive::Flows as usize + 1;

/// Which collector daemons offer a primitive (as their `-a` lists show).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Daemon {
    Nfacctd,
    Sfacctd,
    Pmacctd,
}

const NF: u8 = 1;
const SF: u8 = 2;
const PM: u8 = 4;
const ALL: u8 = NF | SF | PM;

impl Daemon {
    fn bit(self) -> u8 {
        match self {
            Daemon::Nfacctd => NF,
            Daemon::Sfacctd => SF,
            Daemon::Pmacctd => PM,
        }
    }
    fn banner(self) -> &'static str {
        match self {
            Daemon::Nfacctd => "NetFlow Accounting Daemon, nfacctd",
            Daemon::Sfacctd => "sFlow Accounting Daemon, sfacctd",
            Daemon::Pmacctd => "Promiscuous Mode Accounting Daemon, pmacctd",
        }
    }
}

/// Version string pmacct prints in banners and `-a`.
pub const PMACCT_VERSION: &str = "1.7.7-git";
/// Build string pmacct prints after the version.
pub const PMACCT_BUILD: &str = "RELEASE";

/// Everything the encoders need to know about one primitive.
#[derive(Debug, Clone, Copy)]
pub struct PrimInfo {
    pub prim: Primitive,
    /// JSON key (the first of two for the coordinates primitives).
    pub json_key: &'static str,
    /// Second JSON key, only for `*_host_coords` (lat, lon).
    pub json_key2: &'static str,
    /// CSV header (formatted uses the same text padded).
    pub header: &'static str,
    /// Second header, only for `*_host_coords`.
    pub header2: &'static str,
    /// Formatted header column width (header text left-justified to this).
    pub fmt_header_width: u8,
    /// Formatted value: `%-<pad>` then `trail` spaces. Differs from the header width for a
    /// few primitives in pmacct (sampling_direction, coordinates): kept as measured.
    pub fmt_pad: u8,
    pub fmt_trail: u8,
    /// Position in `compose_json()` order.
    pub json_rank: u8,
    /// Variable-length in pmacct (not allowed in formatted output).
    pub vlen: bool,
}

/// One row of the `-a` listing, i.e. one aggregate keyword pmacct lists.
#[derive(Debug, Clone, Copy)]
pub struct ListedName {
    pub section: &'static str,
    pub name: &'static str,
    pub desc: &'static str,
    daemons: u8,
}

macro_rules! p {
    ($prim:ident, $jr:expr, $key:expr, $hdr:expr, $hw:expr, $pad:expr, $trail:expr) => {
        PrimInfo {
            prim: Primitive::$prim,
            json_key: $key,
            json_key2: "",
            header: $hdr,
            header2: "",
            fmt_header_width: $hw,
            fmt_pad: $pad,
            fmt_trail: $trail,
            json_rank: $jr,
            vlen: false,
        }
    };
    ($prim:ident, $jr:expr, $key:expr, $hdr:expr, vlen) => {
        PrimInfo {
            prim: Primitive::$prim,
            json_key: $key,
            json_key2: "",
            header: $hdr,
            header2: "",
            fmt_header_width: 0,
            fmt_pad: 0,
            fmt_trail: 0,
            json_rank: $jr,
            vlen: true,
        }
    };
}

/// Indexed by `Primitive as usize`. Widths measured from nfacctd 1.7.7 formatted output
/// (header and rows), see tests/data.
pub static PRIMITIVES: [PrimInfo; NUM_PRIMITIVES] = [
    p!(Tag, 1, "tag", "TAG", 12, 10, 2),
    p!(Tag2, 2, "tag2", "TAG2", 12, 10, 2),
    p!(Label, 3, "label", "LABEL", vlen),
    p!(Class, 4, "class", "CLASS", 18, 16, 2),
    p!(SrcMac, 5, "mac_src", "SRC_MAC", 19, 17, 2),
    p!(DstMac, 6, "mac_dst", "DST_MAC", 19, 17, 2),
    p!(Vlan, 7, "vlan", "VLAN", 7, 5, 2),
    p!(Cos, 8, "cos", "COS", 4, 2, 2),
    p!(Etype, 9, "etype", "ETYPE", 7, 5, 2),
    p!(SrcAs, 10, "as_src", "SRC_AS", 12, 10, 2),
    p!(DstAs, 11, "as_dst", "DST_AS", 12, 10, 2),
    p!(StdComm, 12, "comms", "COMMS", vlen),
    p!(ExtComm, 13, "ecomms", "ECOMMS", vlen),
    p!(LrgComm, 14, "lcomms", "LCOMMS", vlen),
    p!(SrcStdComm, 24, "comms_src", "SRC_COMMS", vlen),
    p!(SrcExtComm, 25, "ecomms_src", "SRC_ECOMMS", vlen),
    p!(SrcLrgComm, 26, "lcomms_src", "SRC_LCOMMS", vlen),
    p!(AsPath, 15, "as_path", "AS_PATH", vlen),
    p!(SrcAsPath, 27, "as_path_src", "SRC_AS_PATH", vlen),
    p!(LocalPref, 16, "local_pref", "PREF", 9, 7, 2),
    p!(SrcLocalPref, 28, "local_pref_src", "SRC_PREF", 9, 7, 2),
    p!(Med, 17, "med", "MED", 8, 6, 2),
    p!(SrcMed, 29, "med_src", "SRC_MED", 8, 6, 2),
    p!(SrcRoa, 30, "roa_src", "SRC_ROA", 8, 6, 2),
    p!(DstRoa, 18, "roa_dst", "DST_ROA", 8, 6, 2),
    p!(PeerSrcAs, 19, "peer_as_src", "PEER_SRC_AS", 12, 10, 2),
    p!(PeerDstAs, 20, "peer_as_dst", "PEER_DST_AS", 12, 10, 2),
    p!(PeerSrcIp, 21, "peer_ip_src", "PEER_SRC_IP", 47, 45, 2),
    p!(PeerDstIp, 22, "peer_ip_dst", "PEER_DST_IP", 47, 45, 2),
    p!(InIface, 31, "iface_in", "IN_IFACE", 12, 10, 2),
    p!(OutIface, 32, "iface_out", "OUT_IFACE", 12, 10, 2),
    p!(MplsVpnRd, 33, "mpls_vpn_rd", "MPLS_VPN_RD", 20, 18, 2),
    p!(MplsPwId, 34, "mpls_pw_id", "MPLS_PW_ID", 12, 10, 2),
    p!(SrcHost, 35, "ip_src", "SRC_IP", 47, 45, 2),
    p!(SrcNet, 36, "net_src", "SRC_NET", 47, 45, 2),
    p!(DstHost, 37, "ip_dst", "DST_IP", 47, 45, 2),
    p!(DstNet, 38, "net_dst", "DST_NET", 47, 45, 2),
    p!(SrcMask, 39, "mask_src", "SRC_MASK", 10, 3, 7),
    p!(DstMask, 40, "mask_dst", "DST_MASK", 10, 3, 7),
    p!(SrcPort, 41, "port_src", "SRC_PORT", 10, 5, 5),
    p!(DstPort, 42, "port_dst", "DST_PORT", 10, 5, 5),
    p!(TcpFlags, 49, "tcp_flags", "TCP_FLAGS", 11, 3, 8),
    p!(Proto, 50, "ip_proto", "PROTOCOL", 12, 10, 2),
    p!(Tos, 51, "tos", "TOS", 7, 3, 4),
    p!(SrcHostCountry, 43, "country_ip_src", "SH_COUNTRY", 12, 5, 7),
    p!(DstHostCountry, 44, "country_ip_dst", "DH_COUNTRY", 12, 5, 7),
    p!(SrcHostPocode, 45, "pocode_ip_src", "SH_POCODE", 14, 12, 2),
    p!(DstHostPocode, 46, "pocode_ip_dst", "DH_POCODE", 14, 12, 2),
    PrimInfo {
        json_key2: "lon_ip_src",
        header2: "SH_LON",
        ..p!(SrcHostCoords, 47, "lat_ip_src", "SH_LAT", 14, 8, 2)
    },
    PrimInfo {
        json_key2: "lon_ip_dst",
        header2: "DH_LON",
        ..p!(DstHostCoords, 48, "lat_ip_dst", "DH_LAT", 14, 8, 2)
    },
    p!(SamplingRate, 52, "sampling_rate", "SAMPLING_RATE", 14, 7, 7),
    p!(
        SamplingDirection,
        53,
        "sampling_direction",
        "SAMPLING_DIRECTION",
        19,
        1,
        19
    ),
    p!(
        PostNatSrcHost,
        54,
        "post_nat_ip_src",
        "POST_NAT_SRC_IP",
        47,
        45,
        2
    ),
    p!(
        PostNatDstHost,
        55,
        "post_nat_ip_dst",
        "POST_NAT_DST_IP",
        47,
        45,
        2
    ),
    p!(
        PostNatSrcPort,
        56,
        "post_nat_port_src",
        "POST_NAT_SRC_PORT",
        19,
        5,
        14
    ),
    p!(
        PostNatDstPort,
        57,
        "post_nat_port_dst",
        "POST_NAT_DST_PORT",
        19,
        5,
        14
    ),
    p!(NatEvent, 58, "nat_event", "NAT_EVENT", 10, 3, 7),
    p!(
        MplsLabelTop,
        59,
        "mpls_label_top",
        "MPLS_LABEL_TOP",
        16,
        7,
        9
    ),
    p!(
        MplsLabelBottom,
        60,
        "mpls_label_bottom",
        "MPLS_LABEL_BOTTOM",
        19,
        7,
        12
    ),
    p!(
        MplsStackDepth,
        61,
        "mpls_stack_depth",
        "MPLS_STACK_DEPTH",
        18,
        2,
        16
    ),
    p!(
        TunnelSrcMac,
        62,
        "tunnel_mac_src",
        "TUNNEL_SRC_MAC",
        19,
        17,
        2
    ),
    p!(
        TunnelDstMac,
        63,
        "tunnel_mac_dst",
        "TUNNEL_DST_MAC",
        19,
        17,
        2
    ),
    p!(
        TunnelSrcHost,
        64,
        "tunnel_ip_src",
        "TUNNEL_SRC_IP",
        47,
        45,
        2
    ),
    p!(
        TunnelDstHost,
        65,
        "tunnel_ip_dst",
        "TUNNEL_DST_IP",
        47,
        45,
        2
    ),
    p!(
        TunnelProto,
        66,
        "tunnel_ip_proto",
        "TUNNEL_PROTOCOL",
        17,
        10,
        7
    ),
    p!(TunnelTos, 67, "tunnel_tos", "TUNNEL_TOS", 12, 3, 9),
    p!(
        TunnelSrcPort,
        68,
        "tunnel_port_src",
        "TUNNEL_SRC_PORT",
        17,
        5,
        12
    ),
    p!(
        TunnelDstPort,
        69,
        "tunnel_port_dst",
        "TUNNEL_DST_PORT",
        17,
        5,
        12
    ),
    p!(Vxlan, 70, "vxlan", "VXLAN", 10, 8, 2),
    p!(
        TimestampStart,
        71,
        "timestamp_start",
        "TIMESTAMP_START",
        31,
        30,
        1
    ),
    p!(
        TimestampEnd,
        72,
        "timestamp_end",
        "TIMESTAMP_END",
        31,
        30,
        1
    ),
    p!(
        TimestampArrival,
        73,
        "timestamp_arrival",
        "TIMESTAMP_ARRIVAL",
        31,
        30,
        1
    ),
    // JSON emits timestamp_export after the export_proto_* keys.
    p!(
        TimestampExport,
        77,
        "timestamp_export",
        "TIMESTAMP_EXPORT",
        31,
        30,
        1
    ),
    p!(
        ExportProtoSeqno,
        74,
        "export_proto_seqno",
        "EXPORT_PROTO_SEQNO",
        20,
        18,
        2
    ),
    p!(
        ExportProtoVersion,
        75,
        "export_proto_version",
        "EXPORT_PROTO_VERSION",
        22,
        20,
        2
    ),
    p!(
        ExportProtoSysid,
        76,
        "export_proto_sysid",
        "EXPORT_PROTO_SYSID",
        20,
        18,
        2
    ),
    p!(Flows, 78, "flows", "FLOWS", 22, 20, 2),
];

macro_rules! l {
    ($sec:expr, $name:expr, $d:expr, $desc:expr) => {
        ListedName {
            section: $sec,
            name: $name,
            desc: $desc,
            daemons: $d,
        }
    };
}

/// The `-a` listing, in pmacct's order (its primitives matrix).
pub static LISTED: &[ListedName] = &[
    l!("L2", "cos", ALL, "Ethernet CoS, 802.1P"),
    l!("L2", "etype", ALL, "Ethernet Ethertype"),
    l!("L2", "src_mac", ALL, "Source MAC address"),
    l!("L2", "dst_mac", ALL, "Destination MAC address"),
    l!("L2", "vlan", ALL, "Ethernet VLAN, 802.1Q"),
    l!("L3", "src_host", ALL, "Source IPv4/IPv6 address"),
    l!("L3", "dst_host", ALL, "Destination IPv4/IPv6 address"),
    l!("L3", "src_mask", ALL, "Source network mask"),
    l!("L3", "dst_mask", ALL, "Destination network mask"),
    l!("L3", "src_net", ALL, "Source IPv4/IPv6 prefix"),
    l!("L3", "dst_net", ALL, "Destination IPv4/IPv6 prefix"),
    l!("L3", "proto", ALL, "IP protocol"),
    l!("L3", "tos", ALL, "IP ToS"),
    l!("L4", "src_port", ALL, "Source TCP/UDP port"),
    l!("L4", "dst_port", ALL, "Destination TCP/UDP port"),
    l!("L4", "tcpflags", ALL, "TCP flags"),
    l!("BGP", "src_as", ALL, "Source ASN"),
    l!("BGP", "dst_as", ALL, "Destination ASN"),
    l!("BGP", "as_path", ALL, "AS PATH"),
    l!("BGP", "std_comm", ALL, "Standard Communities"),
    l!("BGP", "ext_comm", ALL, "Extended Communities"),
    l!("BGP", "lrg_comm", ALL, "Large Communities"),
    l!("BGP", "local_pref", ALL, "Local Preference"),
    l!("BGP", "med", ALL, "Multi-Exit Discriminator"),
    l!(
        "BGP",
        "src_as_path",
        ALL,
        "Source AS PATH (via reverse BGP lookup)"
    ),
    l!(
        "BGP",
        "src_std_comm",
        ALL,
        "Source Standard Communities (via reverse BGP lookup)"
    ),
    l!(
        "BGP",
        "src_ext_comm",
        ALL,
        "Source Extended Communities (via reverse BGP lookup)"
    ),
    l!(
        "BGP",
        "src_lrg_comm",
        ALL,
        "Source Large Communities (via reverse BGP lookup)"
    ),
    l!(
        "BGP",
        "src_local_pref",
        ALL,
        "Source Local Preference (by default via reverse BGP lookup)"
    ),
    l!(
        "BGP",
        "src_med",
        ALL,
        "Source MED (by default via reverse BGP lookup)"
    ),
    l!(
        "BGP",
        "peer_src_as",
        ALL,
        "Source peer ASN (by default via reverse BGP lookup)"
    ),
    l!("BGP", "peer_dst_as", ALL, "Destination peer ASN"),
    l!("BGP", "peer_dst_ip", ALL, "BGP next-hop"),
    l!("NAT", "fw_event", NF, "Firewall event ID"),
    l!("NAT", "nat_event", NF, "NAT event ID"),
    l!(
        "NAT",
        "post_nat_src_host",
        NF,
        "Source IPv4/IPv6 address after NAT translation"
    ),
    l!(
        "NAT",
        "post_nat_dst_host",
        NF,
        "Destination IPv4/IPv6 address after NAT translation"
    ),
    l!(
        "NAT",
        "post_nat_src_port",
        NF,
        "Source TCP/UDP port after NAT translation"
    ),
    l!(
        "NAT",
        "post_nat_dst_port",
        NF,
        "Destination TCP/UDP port after NAT translation"
    ),
    l!("TUNNEL", "vxlan", ALL, "VXLAN Network Identifier"),
    l!(
        "TUNNEL",
        "tunnel_src_mac",
        SF | PM,
        "Tunnel inner Source MAC address"
    ),
    l!(
        "TUNNEL",
        "tunnel_dst_mac",
        SF | PM,
        "Tunnel inner Destination MAC address"
    ),
    l!(
        "TUNNEL",
        "tunnel_src_host",
        SF | PM,
        "Tunnel inner Source IPv4/IPv6 address"
    ),
    l!(
        "TUNNEL",
        "tunnel_dst_host",
        SF | PM,
        "Tunnel inner Destination IPv4/IPv6 address"
    ),
    l!(
        "TUNNEL",
        "tunnel_proto",
        SF | PM,
        "Tunnel inner IP protocol"
    ),
    l!("TUNNEL", "tunnel_tos", SF | PM, "Tunnel inner IP ToS"),
    l!(
        "TUNNEL",
        "tunnel_src_port",
        SF | PM,
        "Tunnel inner Source TCP/UDP port"
    ),
    l!(
        "TUNNEL",
        "tunnel_dst_port",
        SF | PM,
        "Tunnel inner Destination TCP/UDP port"
    ),
    l!("MPLS", "mpls_label_bottom", NF | PM, "Bottom MPLS label"),
    l!("MPLS", "mpls_label_top", NF | PM, "Top MPLS label"),
    l!("MPLS", "mpls_stack_depth", NF | PM, "MPLS stack depth"),
    l!(
        "MPLS",
        "mpls_vpn_rd",
        NF | SF,
        "MPLS L3 VPN Route Distinguisher"
    ),
    l!("MPLS", "mpls_pw_id", NF | SF, "MPLS L2 VPN Pseudowire ID"),
    l!("MISC", "class", ALL, "L7 protocol classification"),
    l!("MISC", "flows", NF, "IP flows"),
    l!(
        "MISC",
        "src_host_country",
        ALL,
        "Source IP address GeoIP resolution: country"
    ),
    l!(
        "MISC",
        "dst_host_country",
        ALL,
        "Destination IP address GeoIP resolution: country"
    ),
    l!(
        "MISC",
        "src_host_pocode",
        ALL,
        "Source IP address GeoIP resolution: postal code"
    ),
    l!(
        "MISC",
        "dst_host_pocode",
        ALL,
        "Destination IP address GeoIP resolution: postal code"
    ),
    l!(
        "MISC",
        "src_host_coords",
        ALL,
        "Source IP address GeoIP resolution: lat/lon coordinates"
    ),
    l!(
        "MISC",
        "dst_host_coords",
        ALL,
        "Destination IP address GeoIP resolution: lat/lon coordinates"
    ),
    l!("MISC", "in_iface", NF | SF, "Input interface, SNMP ifIndex"),
    l!(
        "MISC",
        "out_iface",
        NF | SF,
        "Output interface, SNMP ifIndex"
    ),
    l!(
        "MISC",
        "peer_src_ip",
        NF | SF,
        "IP address or identificator of telemetry exporting device"
    ),
    l!("MISC", "sampling_rate", ALL, "Sampling rate"),
    l!(
        "MISC",
        "sampling_direction",
        NF,
        "Sampling direction (ie. ingress vs egress)"
    ),
    l!(
        "MISC",
        "tag",
        ALL,
        "Numeric tag, ie. as result of pre_tag_map evaluation"
    ),
    l!(
        "MISC",
        "tag2",
        ALL,
        "Numeric tag, ie. as result of pre_tag_map evaluation"
    ),
    l!(
        "MISC",
        "label",
        ALL,
        "String label, ie. as result of pre_tag_map evaluation"
    ),
    l!(
        "MISC",
        "export_proto_seqno",
        NF | SF,
        "Export protocol (ie. NetFlow) sequence number"
    ),
    l!(
        "MISC",
        "export_proto_version",
        NF | SF,
        "Export protocol (ie. NetFlow) version"
    ),
    l!(
        "MISC",
        "export_proto_sysid",
        NF | SF,
        "Export protocol ID (ie. sFlow subAgentID, IPFIX Obs Domain ID)"
    ),
    l!(
        "MISC",
        "src_roa",
        ALL,
        "RPKI validation status for source IP prefix"
    ),
    l!(
        "MISC",
        "dst_roa",
        ALL,
        "RPKI validation status for destination IP prefix"
    ),
    l!(
        "TIME",
        "timestamp_start",
        NF,
        "Flow start time or observation time at the exporter"
    ),
    l!("TIME", "timestamp_end", NF, "Flow end time"),
    l!(
        "TIME",
        "timestamp_arrival",
        ALL,
        "Observation time at the collector"
    ),
    l!(
        "TIME",
        "timestamp_export",
        NF,
        "Observation time at the exporter"
    ),
];

/// `sum_*` aggregation: one primitive counted for both directions, alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SumMode {
    Host,
    Net,
    As,
    Port,
    Mac,
}

/// What an aggregate keyword means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keyword {
    Prim(Primitive),
    Sum(SumMode),
    None,
}

/// Aggregate keywords pmacct 1.7.7 accepts (`cfg_key_aggregate()`), lower case.
fn keyword(name: &str) -> Option<Keyword> {
    use Primitive::*;
    let p = match name {
        "src_host" => SrcHost,
        "dst_host" => DstHost,
        "src_net" => SrcNet,
        "dst_net" => DstNet,
        "sum" | "sum_host" => return Some(Keyword::Sum(SumMode::Host)),
        "sum_net" => return Some(Keyword::Sum(SumMode::Net)),
        "sum_as" => return Some(Keyword::Sum(SumMode::As)),
        "sum_port" => return Some(Keyword::Sum(SumMode::Port)),
        "sum_mac" => return Some(Keyword::Sum(SumMode::Mac)),
        "none" => return Some(Keyword::None),
        "src_port" => SrcPort,
        "dst_port" => DstPort,
        "proto" => Proto,
        "src_mac" => SrcMac,
        "dst_mac" => DstMac,
        "vlan" => Vlan,
        "tos" => Tos,
        "src_as" => SrcAs,
        "dst_as" => DstAs,
        "tag" => Tag,
        "tag2" => Tag2,
        "flows" => Flows,
        "class" | "class_legacy" => Class,
        "tcpflags" => TcpFlags,
        "std_comm" => StdComm,
        "ext_comm" => ExtComm,
        "lrg_comm" => LrgComm,
        "as_path" => AsPath,
        "local_pref" => LocalPref,
        "med" => Med,
        "peer_src_as" => PeerSrcAs,
        "peer_dst_as" => PeerDstAs,
        "peer_src_ip" => PeerSrcIp,
        "peer_dst_ip" => PeerDstIp,
        "src_as_path" => SrcAsPath,
        "src_std_comm" => SrcStdComm,
        "src_ext_comm" => SrcExtComm,
        "src_lrg_comm" => SrcLrgComm,
        "src_local_pref" => SrcLocalPref,
        "src_med" => SrcMed,
        "in_iface" => InIface,
        "out_iface" => OutIface,
        "src_mask" => SrcMask,
        "dst_mask" => DstMask,
        "cos" => Cos,
        "etype" => Etype,
        "mpls_vpn_rd" => MplsVpnRd,
        "mpls_pw_id" => MplsPwId,
        "sampling_rate" => SamplingRate,
        "sampling_direction" => SamplingDirection,
        "src_host_country" => SrcHostCountry,
        "dst_host_country" => DstHostCountry,
        "post_nat_src_host" => PostNatSrcHost,
        "post_nat_dst_host" => PostNatDstHost,
        "post_nat_src_port" => PostNatSrcPort,
        "post_nat_dst_port" => PostNatDstPort,
        // fw_event and nat_event share one field (and one bit) in pmacct.
        "nat_event" | "fw_event" => NatEvent,
        "timestamp_start" => TimestampStart,
        "timestamp_end" => TimestampEnd,
        "timestamp_arrival" => TimestampArrival,
        "timestamp_export" => TimestampExport,
        "mpls_label_top" => MplsLabelTop,
        "mpls_label_bottom" => MplsLabelBottom,
        "mpls_stack_depth" => MplsStackDepth,
        "label" => Label,
        "export_proto_seqno" => ExportProtoSeqno,
        "export_proto_version" => ExportProtoVersion,
        "export_proto_sysid" => ExportProtoSysid,
        "src_host_pocode" => SrcHostPocode,
        "dst_host_pocode" => DstHostPocode,
        "src_host_coords" => SrcHostCoords,
        "dst_host_coords" => DstHostCoords,
        "tunnel_src_mac" => TunnelSrcMac,
        "tunnel_dst_mac" => TunnelDstMac,
        "tunnel_src_host" => TunnelSrcHost,
        "tunnel_dst_host" => TunnelDstHost,
        "tunnel_proto" => TunnelProto,
        "tunnel_tos" => TunnelTos,
        "tunnel_src_port" => TunnelSrcPort,
        "tunnel_dst_port" => TunnelDstPort,
        "src_roa" => SrcRoa,
        "dst_roa" => DstRoa,
        "vxlan" => Vxlan,
        _ => return None,
    };
    Some(Keyword::Prim(p))
}

impl Primitive {
    pub fn info(self) -> &'static PrimInfo {
        &PRIMITIVES[self as usize]
    }
    /// All primitives in print (CSV/formatted column) order.
    pub fn all() -> impl Iterator<Item = Primitive> {
        PRIMITIVES.iter().map(|i| i.prim)
    }
}

/// Why an `aggregate` value was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AggregateError {
    /// pmacct: `ERROR ( default/core ): Unknown primitive 'x'` (exit 1). Custom primitives
    /// (`aggregate_primitives`) are resolved before this error by the caller.
    Unknown(String),
    /// pmacct: `ERROR: [file] 'x' repeated in 'aggregate' or invalid 0x... bit code.` (exit 1).
    Repeated(String),
    /// A custom primitive that no longer fits the flow's custom value buffer (pmacct's
    /// `Max allocatable space for custom primitives finished (x).`, then exit).
    CustomSpace(String),
}

impl fmt::Display for AggregateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AggregateError::Unknown(n) => write!(f, "Unknown primitive '{n}'"),
            AggregateError::Repeated(n) => write!(f, "'{n}' repeated in 'aggregate'"),
            AggregateError::CustomSpace(n) => write!(
                f,
                "Max allocatable space for custom primitives finished ({n})."
            ),
        }
    }
}

impl std::error::Error for AggregateError {}

/// Old name kept for callers that spell it as the brief did.
pub type UnknownPrimitive = AggregateError;

/// A plugin's aggregate: a set of primitives (a bitset) plus the `sum_*` mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Aggregate {
    bits: u128,
    sum: Option<SumMode>,
    /// Custom primitives (`aggregate_primitives`), in aggregate order; None if there are none.
    custom: Option<&'static CustomLayout>,
}

impl Aggregate {
    /// The empty aggregate (`none`): every flow falls into one entry.
    pub const NONE: Aggregate = Aggregate {
        bits: 0,
        sum: None,
        custom: None,
    };

    /// pmacct's default when no `aggregate` is set (`src_host`, with a warning the caller logs:
    /// `WARN ( name/type ): defaulting to SRC HOST aggregation.`).
    pub fn default_src_host() -> Aggregate {
        Aggregate::from_primitives(&[Primitive::SrcHost])
    }

    pub fn from_primitives(prims: &[Primitive]) -> Aggregate {
        let mut a = Aggregate::NONE;
        for p in prims {
            a.bits |= 1u128 << (*p as u32);
        }
        a
    }

    /// Parse aggregate tokens as pmacct does: each token trimmed of all whitespace and
    /// lower-cased; a token may itself hold a comma-separated list.
    /// `sum_*` resets every other primitive (pmacct warns "SUM aggregation is to be used
    /// alone. Resetting other aggregation methods."; see [`Aggregate::sum_mode`]).
    pub fn parse<S: AsRef<str>>(tokens: &[S]) -> Result<Aggregate, AggregateError> {
        let mut a = Aggregate::NONE;
        let mut seen_none = false;
        let mut custom_cols: Vec<CustomCol> = Vec::new();
        for tok in tokens {
            for raw in tok.as_ref().split(',') {
                let name: String = raw
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .collect::<String>()
                    .to_ascii_lowercase();
                if name.is_empty() {
                    continue;
                }
                match keyword(&name) {
                    // Not built in: a custom primitive of the registered table, if any.
                    None => match custom::lookup(&name) {
                        Ok(c) => {
                            if custom_cols.iter().any(|x| x.name == c.name) {
                                return Err(AggregateError::Repeated(name));
                            }
                            custom_cols.push(c);
                        }
                        Err(LookupError::Unknown) => return Err(AggregateError::Unknown(name)),
                        Err(LookupError::NoSpace) => return Err(AggregateError::CustomSpace(name)),
                    },
                    Some(Keyword::None) => {
                        if seen_none {
                            return Err(AggregateError::Repeated(name));
                        }
                        seen_none = true;
                    }
                    Some(Keyword::Sum(m)) => {
                        if a.sum.is_some() {
                            return Err(AggregateError::Repeated(name));
                        }
                        a.sum = Some(m);
                    }
                    Some(Keyword::Prim(p)) => {
                        let bit = 1u128 << (p as u32);
                        if a.bits & bit != 0 {
                            return Err(AggregateError::Repeated(name));
                        }
                        a.bits |= bit;
                    }
                }
            }
        }
        if let Some(m) = a.sum {
            a.bits = 1u128 << (m.primitive() as u32);
            custom_cols.clear();
        }
        if !custom_cols.is_empty() {
            a.custom = Some(custom::leak_layout(custom_cols));
        }
        Ok(a)
    }

    pub fn contains(&self, p: Primitive) -> bool {
        self.bits & (1u128 << (p as u32)) != 0
    }

    pub fn insert(&mut self, p: Primitive) {
        self.bits |= 1u128 << (p as u32);
    }

    pub fn sum_mode(&self) -> Option<SumMode> {
        self.sum
    }

    /// Aggregated primitives in print column order (Flows excluded).
    pub fn columns(&self) -> impl Iterator<Item = Primitive> + '_ {
        Primitive::all().filter(move |p| *p != Primitive::Flows && self.contains(*p))
    }

    /// Aggregated primitives in `compose_json()` key order (Flows excluded).
    pub fn json_order(&self) -> Vec<Primitive> {
        let mut v: Vec<Primitive> = self.columns().collect();
        v.sort_by_key(|p| p.info().json_rank);
        v
    }

    /// True if a variable-length primitive (label, communities, AS path, `len=vlen` custom
    /// primitives) is aggregated: the print plugin refuses formatted output then.
    pub fn has_vlen(&self) -> bool {
        self.columns().any(|p| p.info().vlen) || self.custom.is_some_and(|c| c.has_vlen())
    }

    /// Custom primitive columns, in aggregate order: printed after every built-in column
    /// (before the counters) and, in JSON, after every built-in key.
    pub fn custom(&self) -> &'static [CustomCol] {
        match self.custom {
            Some(l) => &l.cols,
            None => &[],
        }
    }
}

impl SumMode {
    /// The column the sum is reported in.
    pub fn primitive(self) -> Primitive {
        match self {
            SumMode::Host => Primitive::SrcHost,
            SumMode::Net => Primitive::SrcNet,
            SumMode::As => Primitive::SrcAs,
            SumMode::Port => Primitive::SrcPort,
            SumMode::Mac => Primitive::SrcMac,
        }
    }
}

/// The `-a` output of `daemon`, byte for byte as pmacct 1.7.7 prints it.
pub fn list_primitives(daemon: Daemon) -> String {
    let mut out = format!(
        "{} {} ({})\n",
        daemon.banner(),
        PMACCT_VERSION,
        PMACCT_BUILD
    );
    // Section titles are printed for every daemon, even when none of their entries apply.
    for section in [
        "L2", "L3", "L4", "BGP", "NAT", "TUNNEL", "MPLS", "MISC", "TIME",
    ] {
        out.push('\n');
        out.push_str(section);
        out.push('\n');
        for l in LISTED
            .iter()
            .filter(|l| l.section == section && l.daemons & daemon.bit() != 0)
        {
            out.push_str(&format!("{:<32} : {:<64}\n", l.name, l.desc));
        }
    }
    out
}

/// pmacct's protocol names (`_protocols[]`); numbers without a name print as decimal.
pub fn proto_name(proto: u8) -> Option<&'static str> {
    Some(match proto {
        1 => "icmp",
        2 => "igmp",
        3 => "ggp",
        4 => "ipencap",
        6 => "tcp",
        8 => "egp",
        9 => "igp",
        17 => "udp",
        18 => "mux",
        41 => "ipv6",
        43 => "ipv6-route",
        44 => "ipv6-frag",
        46 => "rsvp",
        47 => "gre",
        50 => "esp",
        51 => "ah",
        55 => "mobile",
        56 => "tlsp",
        58 => "ipv6-icmp",
        59 => "ipv6-nonxt",
        60 => "ipv6-opts",
        80 => "iso-ip",
        83 => "vines",
        88 => "eigrp",
        89 => "ospf",
        91 => "larp",
        93 => "ax.25",
        94 => "ipip",
        98 => "encap",
        102 => "pnni",
        103 => "pim",
        111 => "ipx-in-ip",
        112 => "vrrp",
        115 => "l2tp",
        124 => "isis",
        132 => "sctp",
        133 => "fc",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_indexed_by_variant() {
        for (i, info) in PRIMITIVES.iter().enumerate() {
            assert_eq!(info.prim as usize, i, "{:?}", info.prim);
        }
        let mut ranks: Vec<u8> = PRIMITIVES.iter().map(|i| i.json_rank).collect();
        ranks.sort();
        ranks.dedup();
        assert_eq!(ranks.len(), NUM_PRIMITIVES, "json ranks must be unique");
    }

    #[test]
    fn every_listed_name_parses() {
        for l in LISTED {
            Aggregate::parse(&[l.name]).unwrap();
        }
    }

    #[test]
    fn parse_errors_like_pmacct() {
        assert_eq!(
            Aggregate::parse(&["foo_prim"]),
            Err(AggregateError::Unknown("foo_prim".into()))
        );
        assert_eq!(
            Aggregate::parse(&["src_host, src_host"]),
            Err(AggregateError::Repeated("src_host".into()))
        );
        // fw_event and nat_event are one primitive.
        assert_eq!(
            Aggregate::parse(&["nat_event, fw_event"]),
            Err(AggregateError::Repeated("fw_event".into()))
        );
        let a = Aggregate::parse(&[" SRC_HOST , Dst_Host"]).unwrap();
        assert!(a.contains(Primitive::SrcHost) && a.contains(Primitive::DstHost));
        let s = Aggregate::parse(&["sum_host", "dst_host"]).unwrap();
        assert_eq!(s.columns().collect::<Vec<_>>(), vec![Primitive::SrcHost]);
        assert_eq!(s.sum_mode(), Some(SumMode::Host));
    }
}
