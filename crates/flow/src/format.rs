//! Output encodings identical to pmacct 1.7.7: JSON (`compose_json()`), CSV / event_csv and
//! formatted / event_formatted (print plugin), and purge markers. Transport-agnostic: every
//! function appends to a caller-owned `Vec<u8>` that is reused between records, so encoding
//! does not allocate per record.

use std::io::Write;
use std::net::IpAddr;

use crate::cache::Entry;
use crate::custom::{CustomCol, Render};
use crate::flow::{FlowType, RouteDistinguisher};
use crate::primitives::{proto_name, Aggregate, Primitive};
use crate::time::{push_uint, write_timestamp, TimestampOptions};
use pmacct_wire::Timestamp;

/// `print_output` (and the encoding of kafka/amqp, which use Json).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    #[default]
    Formatted,
    Csv,
    Json,
    EventFormatted,
    EventCsv,
}

impl OutputFormat {
    /// Parse a `print_output` value (case-insensitive, as pmacct lower-cases it).
    pub fn parse(s: &str) -> Option<OutputFormat> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "formatted" => OutputFormat::Formatted,
            "csv" => OutputFormat::Csv,
            "json" => OutputFormat::Json,
            "event_formatted" => OutputFormat::EventFormatted,
            "event_csv" => OutputFormat::EventCsv,
            _ => return None,
        })
    }
    fn is_event(self) -> bool {
        matches!(self, OutputFormat::EventFormatted | OutputFormat::EventCsv)
    }
    fn is_formatted(self) -> bool {
        matches!(self, OutputFormat::Formatted | OutputFormat::EventFormatted)
    }
    fn is_csv(self) -> bool {
        matches!(self, OutputFormat::Csv | OutputFormat::EventCsv)
    }
}

/// Encoder settings that are not part of the aggregate.
#[derive(Debug, Clone, Default)]
pub struct EncoderOptions {
    /// CSV separator (`print_output_separator`, already unescaped: `\t` -> tab, `\s` -> space).
    pub separator: String,
    /// `*_num_protos`: protocol numbers instead of names.
    pub num_protos: bool,
    pub timestamps: TimestampOptions,
    /// JSON only: append `"writer_id": "<name>/<pid>"` (kafka, amqp).
    pub writer_id: Option<String>,
    /// `*_history` set: JSON carries `stamp_inserted`/`stamp_updated`.
    pub history: bool,
}

/// The formatted output cannot carry variable-length primitives (pmacct exits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariableLengthInFormatted;

impl std::fmt::Display for VariableLengthInFormatted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("variable-length primitives, ie. label as_path std_comm etc., are not supported in print plugin with formatted output.")
    }
}

/// Unescape a `print_output_separator` value: `\t` and `\s` are the only escapes.
pub fn unescape_separator(s: &str) -> String {
    match s {
        "\\t" => "\t".to_string(),
        "\\s" => " ".to_string(),
        _ => s.to_string(),
    }
}

/// Encodes cache entries of one aggregate in one format.
#[derive(Debug, Clone)]
pub struct Encoder {
    format: OutputFormat,
    columns: Vec<Primitive>,
    json_order: Vec<Primitive>,
    flows: bool,
    /// Custom primitives (`aggregate_primitives`): after every built-in column / key.
    custom: &'static [CustomCol],
    opts: EncoderOptions,
}

/// How a primitive's value is rendered.
enum Val {
    Num(u64),
    Str(&'static str),
    Ip(Option<IpAddr>),
    /// peer_ip_dst: printed in the flow's address family (pmacct's `addr_to_str2()`).
    IpInFamily(Option<IpAddr>, u8),
    Mac([u8; 6]),
    Hex(u16),
    Char(u8),
    Proto(u8),
    Rd(RouteDistinguisher),
    Ts(Timestamp),
    Float(f64),
    /// tcp_flags: a number, but a JSON string.
    NumStr(u64),
}

fn value(p: Primitive, e: &Entry) -> Val {
    use Primitive::*;
    let k = &e.prims;
    match p {
        Tag => Val::Num(k.tag),
        Tag2 => Val::Num(k.tag2),
        Label => Val::Str(crate::label::resolve(k.label)),
        StdComm | ExtComm | LrgComm | SrcStdComm | SrcExtComm | SrcLrgComm | AsPath | SrcAsPath => {
            Val::Str("")
        }
        Class => Val::Str("unknown"),
        SrcMac => Val::Mac(k.src_mac),
        DstMac => Val::Mac(k.dst_mac),
        Vlan => Val::Num(k.vlan.into()),
        Cos => Val::Num(k.cos.into()),
        Etype => Val::Hex(k.etype),
        SrcAs => Val::Num(k.src_as.into()),
        DstAs => Val::Num(k.dst_as.into()),
        LocalPref => Val::Num(k.local_pref.into()),
        SrcLocalPref => Val::Num(k.src_local_pref.into()),
        Med => Val::Num(k.med.into()),
        SrcMed => Val::Num(k.src_med.into()),
        SrcRoa => Val::Char(if k.src_roa == 0 { b'u' } else { k.src_roa }),
        DstRoa => Val::Char(if k.dst_roa == 0 { b'u' } else { k.dst_roa }),
        PeerSrcAs => Val::Num(k.peer_src_as.into()),
        PeerDstAs => Val::Num(k.peer_dst_as.into()),
        PeerSrcIp => Val::Ip(k.peer_src_ip),
        PeerDstIp => Val::IpInFamily(k.peer_dst_ip, e.family),
        InIface => Val::Num(k.in_iface.into()),
        OutIface => Val::Num(k.out_iface.into()),
        MplsVpnRd => Val::Rd(k.mpls_vpn_rd),
        MplsPwId => Val::Num(k.mpls_pw_id.into()),
        SrcHost => Val::Ip(k.src_ip),
        SrcNet => Val::Ip(k.src_net),
        DstHost => Val::Ip(k.dst_ip),
        DstNet => Val::Ip(k.dst_net),
        SrcMask => Val::Num(k.src_mask.into()),
        DstMask => Val::Num(k.dst_mask.into()),
        SrcPort => Val::Num(k.src_port.into()),
        DstPort => Val::Num(k.dst_port.into()),
        TcpFlags => Val::NumStr(e.tcp_flags.into()),
        Proto => Val::Proto(k.proto),
        Tos => Val::Num(k.tos.into()),
        // GeoIP is not resolved: pmacct's empty values.
        SrcHostCountry | DstHostCountry | SrcHostPocode | DstHostPocode => Val::Str(""),
        SrcHostCoords | DstHostCoords => Val::Float(0.0),
        SamplingRate => Val::Num(k.sampling_rate.into()),
        SamplingDirection => Val::Char(k.sampling_direction),
        PostNatSrcHost => Val::Ip(k.post_nat_src_ip),
        PostNatDstHost => Val::Ip(k.post_nat_dst_ip),
        PostNatSrcPort => Val::Num(k.post_nat_src_port.into()),
        PostNatDstPort => Val::Num(k.post_nat_dst_port.into()),
        NatEvent => Val::Num(k.nat_event.into()),
        MplsLabelTop => Val::Num(k.mpls_label_top.into()),
        MplsLabelBottom => Val::Num(k.mpls_label_bottom.into()),
        MplsStackDepth => Val::Num(k.mpls_stack_depth.into()),
        TunnelSrcMac => Val::Mac(k.tunnel_src_mac),
        TunnelDstMac => Val::Mac(k.tunnel_dst_mac),
        TunnelSrcHost => Val::Ip(k.tunnel_src_ip),
        TunnelDstHost => Val::Ip(k.tunnel_dst_ip),
        TunnelProto => Val::Proto(k.tunnel_proto),
        TunnelTos => Val::Num(k.tunnel_tos.into()),
        TunnelSrcPort => Val::Num(k.tunnel_src_port.into()),
        TunnelDstPort => Val::Num(k.tunnel_dst_port.into()),
        Vxlan => Val::Num(k.vxlan.into()),
        TimestampStart => Val::Ts(k.timestamp_start),
        TimestampEnd => Val::Ts(k.timestamp_end),
        TimestampArrival => Val::Ts(k.timestamp_arrival),
        TimestampExport => Val::Ts(k.timestamp_export),
        ExportProtoSeqno => Val::Num(k.export_proto_seqno.into()),
        ExportProtoVersion => Val::Num(k.export_proto_version.into()),
        ExportProtoSysid => Val::Num(k.export_proto_sysid.into()),
        Flows => Val::Num(e.flows),
    }
}

/// `addr_to_str2()`: an address rendered in the flow's family; v4 in a v6 flow becomes
/// `::ffff:a.b.c.d`, a mapped v6 in a v4 flow becomes v4, anything else is empty.
fn write_ip_in_family(out: &mut Vec<u8>, a: Option<IpAddr>, family: u8) {
    match (a, family) {
        (Some(IpAddr::V4(v4)), 4) => {
            let _ = write!(out, "{v4}");
        }
        (Some(IpAddr::V6(v6)), 6) => {
            let _ = write!(out, "{v6}");
        }
        (Some(IpAddr::V6(v6)), 4) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                let _ = write!(out, "{v4}");
            }
        }
        (Some(IpAddr::V4(v4)), 6) => {
            let _ = write!(out, "{}", v4.to_ipv6_mapped());
        }
        _ => {}
    }
}

/// inet_ntop: dotted quad without `fmt` for IPv4 (the common case), std's RFC 5952 form
/// for IPv6 (identical to glibc's inet_ntop, including `::ffff:a.b.c.d`).
pub(crate) fn write_ip(out: &mut Vec<u8>, a: IpAddr) {
    match a {
        IpAddr::V4(v4) => {
            for (i, o) in v4.octets().iter().enumerate() {
                if i > 0 {
                    out.push(b'.');
                }
                push_uint(out, u64::from(*o));
            }
        }
        IpAddr::V6(v6) => {
            let w = v6.segments();
            // glibc prints the deprecated IPv4-compatible form ::a.b.c.d (first six words
            // zero, seventh not); std prints hex words there.
            if w[..6].iter().all(|x| *x == 0) && w[6] != 0 {
                out.extend_from_slice(b"::");
                let o = v6.octets();
                write_ip(out, IpAddr::from([o[12], o[13], o[14], o[15]]));
            } else {
                let _ = write!(out, "{v6}");
            }
        }
    }
}

fn write_mac(out: &mut Vec<u8>, m: [u8; 6]) {
    let _ = write!(
        out,
        "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        m[0], m[1], m[2], m[3], m[4], m[5]
    );
}

fn write_rd(out: &mut Vec<u8>, rd: RouteDistinguisher) {
    let _ = match rd {
        RouteDistinguisher::None => write!(out, "0:0:0"),
        RouteDistinguisher::As2 { asn, val } => write!(out, "0:{asn}:{val}"),
        RouteDistinguisher::Ip { ip, val } => write!(out, "1:{ip}:{val}"),
        RouteDistinguisher::As4 { asn, val } => write!(out, "2:{asn}:{val}"),
        RouteDistinguisher::VrfId(v) => write!(out, "vrfid:{v}"),
        RouteDistinguisher::Unknown => write!(out, "unknown"),
    };
}

/// JSON string body escaping as jansson does (`"` `\` and control characters; UTF-8 raw,
/// `/` not escaped).
fn write_json_escaped(out: &mut Vec<u8>, s: &[u8]) {
    for &b in s {
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            c if c < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c);
            }
            c => out.push(c),
        }
    }
}

impl Encoder {
    /// Build the encoder for `aggregate` in `format`. Formatted output refuses
    /// variable-length primitives, as pmacct does.
    pub fn new(
        format: OutputFormat,
        aggregate: &Aggregate,
        opts: EncoderOptions,
    ) -> Result<Encoder, VariableLengthInFormatted> {
        if format.is_formatted() && aggregate.has_vlen() {
            return Err(VariableLengthInFormatted);
        }
        Ok(Encoder {
            format,
            columns: aggregate.columns().collect(),
            json_order: aggregate.json_order(),
            flows: aggregate.contains(Primitive::Flows),
            custom: aggregate.custom(),
            opts,
        })
    }

    pub fn format(&self) -> OutputFormat {
        self.format
    }

    /// Render one value in CSV / JSON-unquoted form (no padding).
    fn write_plain(&self, out: &mut Vec<u8>, v: &Val, formatted: bool) {
        let empty_ip: &[u8] = if formatted { b"::" } else { b"" };
        match v {
            Val::Num(n) | Val::NumStr(n) => push_uint(out, *n),
            Val::Str(s) => out.extend_from_slice(s.as_bytes()),
            Val::Ip(Some(a)) => write_ip(out, *a),
            Val::Ip(None) => out.extend_from_slice(empty_ip),
            Val::IpInFamily(a, fam) => {
                let before = out.len();
                write_ip_in_family(out, *a, *fam);
                if out.len() == before {
                    out.extend_from_slice(empty_ip);
                }
            }
            Val::Mac(m) => write_mac(out, *m),
            Val::Hex(h) => {
                let _ = write!(out, "{h:x}");
            }
            Val::Char(0) => {}
            Val::Char(c) => out.push(*c),
            Val::Proto(p) => match proto_name(*p) {
                Some(name) if !self.opts.num_protos => out.extend_from_slice(name.as_bytes()),
                _ => {
                    let _ = write!(out, "{p}");
                }
            },
            Val::Rd(rd) => write_rd(out, *rd),
            Val::Ts(ts) => write_timestamp(out, *ts, true, &self.opts.timestamps),
            Val::Float(f) => {
                let _ = write!(out, "{f:.6}");
            }
        }
    }

    /// The header line (csv/formatted); nothing for JSON.
    pub fn write_header(&self, out: &mut Vec<u8>) {
        if self.format.is_csv() {
            let sep = self.opts.separator.as_bytes();
            let mut first = true;
            let mut field = |out: &mut Vec<u8>, h: &str| {
                if !first {
                    out.extend_from_slice(sep);
                }
                first = false;
                out.extend_from_slice(h.as_bytes());
            };
            for p in &self.columns {
                let i = p.info();
                field(out, i.header);
                if !i.header2.is_empty() {
                    field(out, i.header2);
                }
            }
            for c in self.custom {
                field(out, c.name);
            }
            if !self.format.is_event() {
                field(out, "PACKETS");
                if self.flows {
                    field(out, "FLOWS");
                }
                field(out, "BYTES");
            }
            out.push(b'\n');
        } else if self.format.is_formatted() {
            for p in &self.columns {
                let i = p.info();
                let w = i.fmt_header_width as usize;
                let _ = write!(out, "{:<w$}", i.header);
                if !i.header2.is_empty() {
                    let _ = write!(out, "{:<w$}", i.header2);
                }
            }
            for c in self.custom {
                c.write_header(out, true);
                out.extend_from_slice(b"  ");
            }
            if !self.format.is_event() {
                let _ = write!(out, "{:<22}", "PACKETS");
                if self.flows {
                    let _ = write!(out, "{:<22}", "FLOWS");
                }
                out.extend_from_slice(b"BYTES");
            }
            out.push(b'\n');
        }
    }

    /// One record, newline-terminated. `stamp_updated` is the writer's time (JSON with history).
    pub fn write_record(&self, out: &mut Vec<u8>, e: &Entry, stamp_updated: u64) {
        match self.format {
            OutputFormat::Json => self.write_json(out, e, stamp_updated),
            OutputFormat::Csv | OutputFormat::EventCsv => self.write_csv(out, e),
            OutputFormat::Formatted | OutputFormat::EventFormatted => self.write_formatted(out, e),
        }
    }

    fn write_csv(&self, out: &mut Vec<u8>, e: &Entry) {
        let sep = self.opts.separator.as_bytes();
        let mut first = true;
        for p in &self.columns {
            let v = value(*p, e);
            let n = if p.info().header2.is_empty() { 1 } else { 2 };
            for _ in 0..n {
                if !first {
                    out.extend_from_slice(sep);
                }
                first = false;
                self.write_plain(out, &v, false);
            }
        }
        for c in self.custom {
            if !first {
                out.extend_from_slice(sep);
            }
            first = false;
            c.write_value(out, &e.prims.custom, Render::Csv);
        }
        if !self.format.is_event() {
            if !first {
                out.extend_from_slice(sep);
            }
            push_uint(out, e.packets);
            if self.flows {
                out.extend_from_slice(sep);
                push_uint(out, e.flows);
            }
            out.extend_from_slice(sep);
            push_uint(out, e.bytes);
        }
        out.push(b'\n');
    }

    fn write_formatted(&self, out: &mut Vec<u8>, e: &Entry) {
        for p in &self.columns {
            let i = p.info();
            let v = value(*p, e);
            let n = if i.header2.is_empty() { 1 } else { 2 };
            for _ in 0..n {
                let start = out.len();
                self.write_plain(out, &v, true);
                let len = out.len() - start;
                let pad = (i.fmt_pad as usize).saturating_sub(len) + i.fmt_trail as usize;
                out.resize(out.len() + pad, b' ');
            }
        }
        for c in self.custom {
            c.write_value(out, &e.prims.custom, Render::Formatted);
            out.extend_from_slice(b"  ");
        }
        if !self.format.is_event() {
            let _ = write!(out, "{:<20}  ", e.packets);
            if self.flows {
                let _ = write!(out, "{:<20}  ", e.flows);
            }
            let _ = write!(out, "{}", e.bytes);
        }
        out.push(b'\n');
    }

    fn write_json(&self, out: &mut Vec<u8>, e: &Entry, stamp_updated: u64) {
        out.extend_from_slice(b"{\"event_type\": \"purge\"");
        for p in &self.json_order {
            let i = p.info();
            let v = value(*p, e);
            let keys: &[&str] = if i.json_key2.is_empty() {
                &[i.json_key]
            } else {
                &[i.json_key, i.json_key2]
            };
            for key in keys {
                out.extend_from_slice(b", \"");
                out.extend_from_slice(key.as_bytes());
                out.extend_from_slice(b"\": ");
                match &v {
                    Val::Num(n) => push_uint(out, *n),
                    // jansson prints reals with "%.17g" and adds ".0" to integral values.
                    Val::Float(f) => {
                        if f.fract() == 0.0 {
                            let _ = write!(out, "{f:.1}");
                        } else {
                            let _ = write!(out, "{f}");
                        }
                    }
                    _ => {
                        out.push(b'"');
                        let start = out.len();
                        self.write_plain(out, &v, false);
                        // Escape in place only if needed (labels, custom strings later).
                        if out[start..]
                            .iter()
                            .any(|&b| b == b'"' || b == b'\\' || b < 0x20)
                        {
                            let raw = out.split_off(start);
                            write_json_escaped(out, &raw);
                        }
                        out.push(b'"');
                    }
                }
            }
        }
        // compose_json_custom_primitives(): every value a string; one that is not UTF-8 is
        // refused by jansson, and pmacct's object then lacks the key.
        for c in self.custom {
            let mark = out.len();
            out.extend_from_slice(b", \"");
            write_json_escaped(out, c.name.as_bytes());
            out.extend_from_slice(b"\": \"");
            let start = out.len();
            if !c.write_value(out, &e.prims.custom, Render::Json) {
                out.truncate(mark);
                continue;
            }
            if out[start..]
                .iter()
                .any(|&b| b == b'"' || b == b'\\' || b < 0x20)
            {
                let raw = out.split_off(start);
                write_json_escaped(out, &raw);
            }
            out.push(b'"');
        }
        if self.opts.history && e.basetime != 0 {
            out.extend_from_slice(b", \"stamp_inserted\": \"");
            write_timestamp(
                out,
                Timestamp::new(e.basetime, 0),
                false,
                &self.opts.timestamps,
            );
            out.extend_from_slice(b"\", \"stamp_updated\": \"");
            write_timestamp(
                out,
                Timestamp::new(stamp_updated, 0),
                false,
                &self.opts.timestamps,
            );
            out.push(b'"');
        }
        let counted = e.flow_type == FlowType::Traffic;
        if self.flows && counted {
            let _ = write!(out, ", \"flows\": {}", e.flows);
        }
        if counted {
            out.extend_from_slice(b", \"packets\": ");
            push_uint(out, e.packets);
            out.extend_from_slice(b", \"bytes\": ");
            push_uint(out, e.bytes);
        }
        if let Some(w) = &self.opts.writer_id {
            out.extend_from_slice(b", \"writer_id\": \"");
            write_json_escaped(out, w.as_bytes());
            out.push(b'"');
        }
        out.extend_from_slice(b"}\n");
    }

    /// Marker before a purge's records (`print_markers` / `kafka_markers`):
    /// `--START (<pid>)--` in csv/formatted, a `purge_init` object in JSON.
    pub fn write_start_marker(&self, out: &mut Vec<u8>, name: &str, pid: u32) {
        if self.format == OutputFormat::Json {
            out.extend_from_slice(b"{\"event_type\": \"purge_init\", \"writer_id\": \"");
            write_json_escaped(out, name.as_bytes());
            let _ = writeln!(out, "/{pid}\"}}");
        } else {
            let _ = writeln!(out, "--START ({pid})--");
        }
    }

    /// Marker after a purge's records: `--END (<pid>)--` or `purge_close` with counts.
    pub fn write_end_marker(
        &self,
        out: &mut Vec<u8>,
        name: &str,
        pid: u32,
        purged: usize,
        total: usize,
        duration: u64,
    ) {
        if self.format == OutputFormat::Json {
            out.extend_from_slice(b"{\"event_type\": \"purge_close\", \"writer_id\": \"");
            write_json_escaped(out, name.as_bytes());
            let _ = writeln!(
                out,
                "/{pid}\", \"purged_entries\": {purged}, \"total_entries\": {total}, \"duration\": {duration}}}"
            );
        } else {
            let _ = writeln!(out, "--END ({pid})--");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> String {
        let mut v = Vec::new();
        write_ip(&mut v, s.parse().unwrap());
        String::from_utf8(v).unwrap()
    }

    // Expected strings are what glibc's inet_ntop (pmacct's addr_to_str) prints.
    #[test]
    fn addresses_like_inet_ntop() {
        assert_eq!(ip("10.231.65.56"), "10.231.65.56");
        assert_eq!(ip("0.0.0.0"), "0.0.0.0");
        assert_eq!(ip("2001:918:ffff:f9fc::3"), "2001:918:ffff:f9fc::3");
        assert_eq!(ip("::ffff:0.0.0.0"), "::ffff:0.0.0.0");
        assert_eq!(ip("::"), "::");
        assert_eq!(ip("::1"), "::1");
        assert_eq!(ip("::10.0.0.1"), "::10.0.0.1");
        assert_eq!(ip("fe80::aebc:d9ff:fe11:22e0"), "fe80::aebc:d9ff:fe11:22e0");
    }
}
