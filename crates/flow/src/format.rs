//! Output encodings identical to pmacct 1.7.7: JSON (`compose_json()`), CSV / event_csv and
//! formatted / event_formatted (print plugin), and purge markers. Transport-agnostic: every
//! function appends to a caller-owned `Vec<u8>` that is reused between records, so encoding
//! does not allocate per record.

use std::io::Write;

use crate::cache::Entry;
use crate::custom::{CustomCol, Render};
use crate::flow::FlowType;
use crate::primitives::{proto_name, value, Aggregate, Extras, Primitive, Val};
use crate::text::{escape_json_tail, write_ip, write_ip_in_family, write_json_escaped, write_mac};
use crate::time::{push_uint, write_timestamp, TimestampOptions};
use pmacct_wire::Timestamp;

pub mod avro;

/// `print_output` (and the encoding of kafka/amqp, which use Json).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    #[default]
    Formatted,
    Csv,
    Json,
    EventFormatted,
    EventCsv,
    /// `kafka_output: avro`: Avro binary datums (pmacct 1.7.8+ behaviour with the schema
    /// registry; not a `print_output` value here).
    Avro,
    /// `kafka_output: avro_json`: Avro's JSON encoding.
    AvroJson,
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
    /// `*_stitching`: every record carries `timestamp_min` and `timestamp_max` (after
    /// `timestamp_export` in csv/formatted, after `timestamp_arrival` in JSON, as 1.7.7).
    pub stitching: bool,
    /// The pmacct 1.7.8+ `*_encode_as_*` keys (JSON and Avro only).
    pub encodings: Encodings,
}

/// pmacct 1.7.8+ structured encodings of a few primitives in JSON and Avro; all off is
/// 1.7.7's (and 1.8's default) text form.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Encodings {
    /// `tcpflags_encode_as_array`: `["ACK", "FIN"]` instead of `"17"`.
    pub tcpflags_array: bool,
    /// `fwd_status_encode_as_string`: `"FORWARDED Unknown"` instead of `"64"`.
    pub fwd_status_string: bool,
    /// `mpls_label_stack_encode_as_array`: `["0-16065", "1-16033"]` instead of `"16065_16033"`.
    pub mpls_label_stack_array: bool,
    /// `pre_tag_label_encode_as_map`: `{"nkey": "100.1"}` instead of `"nkey%100.1"`.
    pub label_map: bool,
    /// `as_path_encode_as_array`: the AS path's space-separated ASNs as an array.
    pub as_path_array: bool,
    /// `bgp_comms_encode_as_array`: the communities (space-separated) as an array.
    pub bgp_comms_array: bool,
}

/// TCP flag names of `tcpflags_encode_as_array`, most significant first (URG..FIN). As
/// pmacct, a value outside 1..=63 (ECE/CWR set) gives no names at all.
pub fn tcp_flag_names(flags: u64) -> impl Iterator<Item = &'static str> + Clone {
    const NAMES: [&str; 6] = ["URG", "ACK", "PSH", "RST", "SYN", "FIN"];
    let v = if (1..64).contains(&flags) { flags } else { 0 };
    NAMES
        .iter()
        .enumerate()
        .filter(move |(i, _)| v & (1 << (5 - i)) != 0)
        .map(|(_, n)| *n)
}

/// `fwd_status_encode_as_string`: RFC 7270's status and reason names as pmacct spells them;
/// codes without a reason name get their status class and `Unclassified`.
pub fn fwd_status_name(v: u8) -> &'static str {
    match v {
        64 => "FORWARDED Unknown",
        65 => "FORWARDED Fragmented",
        66 => "FORWARDED Not Fragmented",
        128 => "DROPPED Unknown",
        129 => "DROPPED ACL deny",
        130 => "DROPPED ACL drop",
        131 => "DROPPED Unroutable",
        132 => "DROPPED Adjacency",
        133 => "DROPPED Fragmentation and DF set",
        134 => "DROPPED Bad header checksum",
        135 => "DROPPED Bad total Length",
        136 => "DROPPED Bad header length",
        137 => "DROPPED bad TTL",
        138 => "DROPPED Policer",
        139 => "DROPPED WRED",
        140 => "DROPPED RPF",
        141 => "DROPPED For us",
        142 => "DROPPED Bad output interface",
        143 => "DROPPED Hardware",
        192 => "CONSUMED Unknown",
        193 => "CONSUMED Punt Adjacency",
        194 => "CONSUMED Incomplete Adjacency",
        195 => "CONSUMED For us",
        67..=127 => "FORWARDED Unclassified",
        144..=191 => "DROPPED Unclassified",
        196..=255 => "CONSUMED Unclassified",
        0..=63 => "UNKNOWN Unclassified",
    }
}

/// The `key%value` pairs of a pre_tag_map label (`set_label=k1%v1,k2%v2`), as
/// `pre_tag_label_encode_as_map` reads them: a pair without `%` has an empty value; an empty
/// label has no pairs.
pub fn label_pairs(label: &str) -> impl Iterator<Item = (&str, &str)> + Clone {
    label
        .split(',')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('%').unwrap_or((p, "")))
}

/// The elements of a space-separated BGP value (AS path, communities) for the
/// `*_encode_as_array` keys.
pub fn bgp_list_items(s: &str) -> impl Iterator<Item = &str> + Clone {
    s.split(' ').filter(|x| !x.is_empty())
}

/// The formatted output cannot carry variable-length primitives (pmacct exits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariableLengthInFormatted;

impl std::fmt::Display for VariableLengthInFormatted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("variable-length primitives, ie. label as_path std_comm etc., are not supported in print plugin with formatted output.")
    }
}

/// A JSON array of strings (escaped).
fn write_json_str_array<'a>(out: &mut Vec<u8>, items: impl Iterator<Item = &'a str>) {
    out.push(b'[');
    for (i, x) in items.enumerate() {
        if i > 0 {
            out.extend_from_slice(b", ");
        }
        out.push(b'"');
        write_json_escaped(out, x.as_bytes());
        out.push(b'"');
    }
    out.push(b']');
}

/// Unescape a `print_output_separator` value: `\t` and `\s` are the only escapes.
pub fn unescape_separator(s: &str) -> String {
    match s {
        "\\t" => "\t".to_string(),
        "\\s" => " ".to_string(),
        _ => s.to_string(),
    }
}

/// A JSON real as jansson 2.14 writes it: C's `%.17g`, then `.0` if that looks integral.
fn write_json_real(out: &mut Vec<u8>, f: f64) {
    if !f.is_finite() {
        // jansson refuses NaN and infinities; pmacct's object then lacks nothing useful.
        out.extend_from_slice(b"0.0");
        return;
    }
    let start = out.len();
    if f == 0.0 {
        out.extend_from_slice(if f.is_sign_negative() { b"-0" } else { b"0" });
    } else {
        // %.17g: exponent X of the value in %e form; fixed notation when -4 <= X < 17.
        // On the stack: no allocation per value.
        let mut buf = [0u8; 48];
        let len = {
            let mut w = &mut buf[..];
            let _ = write!(w, "{f:.16e}");
            48 - w.len()
        };
        let e = std::str::from_utf8(&buf[..len]).unwrap_or("0e0");
        let (mant, exp) = e.split_once('e').unwrap_or((e, "0"));
        let x: i32 = exp.parse().unwrap_or(0);
        if (-4..17).contains(&x) {
            let prec = (16 - x).max(0) as usize;
            let _ = write!(out, "{f:.prec$}");
            trim_fraction(out, start);
        } else {
            out.extend_from_slice(mant.as_bytes());
            trim_fraction(out, start);
            let _ = write!(out, "e{}{:02}", if x < 0 { '-' } else { '+' }, x.abs());
        }
    }
    if !out[start..]
        .iter()
        .any(|c| matches!(c, b'.' | b'e' | b'n' | b'i'))
    {
        out.extend_from_slice(b".0");
    }
}

#[cfg(test)]
mod json_real_tests {
    use super::write_json_real;

    fn g17(f: f64) -> String {
        let mut v = Vec::new();
        write_json_real(&mut v, f);
        String::from_utf8(v).unwrap()
    }

    /// jansson 2.14 (`%.17g`, `.0` added), as 1.7.7 prints `lat_ip_src` and friends.
    #[test]
    fn like_jansson() {
        assert_eq!(g17(47.3769), "47.376899999999999");
        assert_eq!(g17(8.5417), "8.5417000000000005");
        assert_eq!(g17(52.52), "52.520000000000003");
        assert_eq!(g17(-122.0838), "-122.0838");
        assert_eq!(g17(0.0), "0.0");
        assert_eq!(g17(13.0), "13.0");
        assert_eq!(g17(1e-7), "9.9999999999999995e-08");
        assert_eq!(g17(1.5e300), "1.5000000000000001e+300");
        assert_eq!(g17(0.25), "0.25");
    }
}

/// %g drops trailing zeros of the fraction (and the point itself).
fn trim_fraction(out: &mut Vec<u8>, start: usize) {
    if out[start..].contains(&b'.') {
        while out.last() == Some(&b'0') {
            out.pop();
        }
        if out.last() == Some(&b'.') {
            out.pop();
        }
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
    /// `*_stitching`: index in `columns` / `json_order` before which `timestamp_min` and
    /// `timestamp_max` go (the length: after the last); None without stitching.
    stitch_col: Option<usize>,
    stitch_json: Option<usize>,
    /// The Avro record layout (Avro formats only).
    avro: Option<avro::AvroLayout>,
}

/// Header and JSON keys of the `*_stitching` columns.
const STITCH_COLS: [&str; 2] = ["TIMESTAMP_MIN", "TIMESTAMP_MAX"];
const STITCH_KEYS: [&str; 2] = ["timestamp_min", "timestamp_max"];

/// The value of column `p` of entry `e`, as the primitives table renders it.
#[inline]
fn entry_value(p: Primitive, e: &Entry) -> Val {
    let x = Extras {
        tcp_flags: e.tcp_flags,
        flows: e.flows,
        family: e.family,
        geo: e.geo,
    };
    value(p, &e.prims, &x)
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
        // pmacct's print plugin has no CSV column for a few 1.7.9+ primitives.
        let columns: Vec<Primitive> = aggregate
            .columns()
            .filter(|p| !(format.is_csv() && crate::primitives::NOT_IN_CSV.contains(p)))
            .collect();
        let json_order = aggregate.json_order();
        let stitch_col = opts.stitching.then(|| {
            columns
                .iter()
                .position(|p| *p > Primitive::TimestampExport)
                .unwrap_or(columns.len())
        });
        let arrival_rank = Primitive::TimestampArrival.info().json_rank;
        let stitch_json = opts.stitching.then(|| {
            json_order
                .iter()
                .position(|p| p.info().json_rank > arrival_rank)
                .unwrap_or(json_order.len())
        });
        let mut enc = Encoder {
            format,
            columns,
            json_order,
            flows: aggregate.contains(Primitive::Flows),
            custom: aggregate.custom(),
            opts,
            stitch_col,
            stitch_json,
            avro: None,
        };
        if matches!(format, OutputFormat::Avro | OutputFormat::AvroJson) {
            enc.avro = Some(avro::AvroLayout::new(&enc));
        }
        Ok(enc)
    }

    /// The Avro schema (JSON text) of an Avro encoder; None for the other formats.
    pub fn avro_schema(&self) -> Option<String> {
        self.avro.as_ref().map(avro::AvroLayout::schema_json)
    }

    pub fn format(&self) -> OutputFormat {
        self.format
    }

    /// Append column `p` of entry `e` as CSV renders it (no padding, no quoting): the
    /// text the SQL plugins bind for string columns.
    pub fn write_value(&self, out: &mut Vec<u8>, p: Primitive, e: &Entry) {
        self.write_plain(out, &entry_value(p, e), false);
    }

    /// Render one value in CSV / JSON-unquoted form (no padding).
    fn write_plain(&self, out: &mut Vec<u8>, v: &Val, formatted: bool) {
        let empty_ip: &[u8] = if formatted { b"::" } else { b"" };
        match v {
            Val::Num(n) | Val::NumStr(n) => push_uint(out, *n),
            Val::Str(s) => out.extend_from_slice(s.as_bytes()),
            Val::Bgp(s) => out.extend(s.bytes().map(|b| if b == b' ' { b'_' } else { b })),
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
            Val::Rd(rd) => rd.write(out),
            Val::Ts(ts) => write_timestamp(out, *ts, true, &self.opts.timestamps),
            Val::Float(f) => {
                let _ = write!(out, "{f:.6}");
            }
            Val::Geo(s) => out.extend_from_slice(s.as_bytes()),
            Val::Coords(lat, _) => {
                let _ = write!(out, "{lat:.6}");
            }
            Val::FwdStatus(n) => push_uint(out, u64::from(*n)),
            Val::LabelStack(st) => st.write_plain(out),
            // SQL text (pmacct 1.7.9 has no column for it; an extension).
            Val::Srv6List(s) => {
                for (i, item) in crate::srv6::items(s).enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    out.extend_from_slice(item.as_bytes());
                }
            }
        }
    }

    /// The structured JSON form of column `p` with value `v`, if an `*_encode_as_*` key asks
    /// for one; false when `p` keeps its text form.
    fn write_json_encoded(&self, out: &mut Vec<u8>, p: Primitive, v: &Val) -> bool {
        let enc = &self.opts.encodings;
        match (p, v) {
            (Primitive::TcpFlags | Primitive::TunnelTcpFlags, Val::NumStr(n))
                if enc.tcpflags_array =>
            {
                write_json_str_array(out, tcp_flag_names(*n));
            }
            (Primitive::Srv6SegIpv6List, Val::Srv6List(s)) => {
                write_json_str_array(out, crate::srv6::items(s));
            }
            (Primitive::FwdStatus, Val::FwdStatus(n)) if enc.fwd_status_string => {
                out.push(b'"');
                out.extend_from_slice(fwd_status_name(*n).as_bytes());
                out.push(b'"');
            }
            (Primitive::MplsLabelStack, Val::LabelStack(st)) if enc.mpls_label_stack_array => {
                out.push(b'[');
                for (i, l) in st.labels().enumerate() {
                    if i > 0 {
                        out.extend_from_slice(b", ");
                    }
                    out.push(b'"');
                    crate::mpls::MplsLabelStack::write_indexed(out, i, l);
                    out.push(b'"');
                }
                out.push(b']');
            }
            (Primitive::Label, Val::Str(l)) if enc.label_map => {
                out.push(b'{');
                for (i, (k, v)) in label_pairs(l).enumerate() {
                    if i > 0 {
                        out.extend_from_slice(b", ");
                    }
                    out.push(b'"');
                    write_json_escaped(out, k.as_bytes());
                    out.extend_from_slice(b"\": \"");
                    write_json_escaped(out, v.as_bytes());
                    out.push(b'"');
                }
                out.push(b'}');
            }
            (Primitive::AsPath | Primitive::SrcAsPath, Val::Str(s) | Val::Bgp(s))
                if enc.as_path_array =>
            {
                write_json_str_array(out, bgp_list_items(s));
            }
            (
                Primitive::StdComm
                | Primitive::ExtComm
                | Primitive::LrgComm
                | Primitive::SrcStdComm
                | Primitive::SrcExtComm
                | Primitive::SrcLrgComm,
                Val::Str(s) | Val::Bgp(s),
            ) if enc.bgp_comms_array => {
                write_json_str_array(out, bgp_list_items(s));
            }
            _ => return false,
        }
        true
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
            for (n, p) in self.columns.iter().enumerate() {
                if self.stitch_col == Some(n) {
                    STITCH_COLS.iter().for_each(|h| field(out, h));
                }
                let i = p.info();
                field(out, i.header);
                if !i.header2.is_empty() {
                    field(out, i.header2);
                }
            }
            if self.stitch_col == Some(self.columns.len()) {
                STITCH_COLS.iter().for_each(|h| field(out, h));
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
            for (n, p) in self.columns.iter().enumerate() {
                if self.stitch_col == Some(n) {
                    STITCH_COLS.iter().for_each(|h| {
                        let _ = write!(out, "{h:<31}");
                    });
                }
                let i = p.info();
                let w = i.fmt_header_width as usize;
                let _ = write!(out, "{:<w$}", i.header);
                if !i.header2.is_empty() {
                    let _ = write!(out, "{:<w$}", i.header2);
                }
            }
            if self.stitch_col == Some(self.columns.len()) {
                STITCH_COLS.iter().for_each(|h| {
                    let _ = write!(out, "{h:<31}");
                });
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
            OutputFormat::Avro => self.write_avro(out, e, stamp_updated),
            OutputFormat::AvroJson => self.write_avro_json(out, e, stamp_updated),
            OutputFormat::Csv | OutputFormat::EventCsv => self.write_csv(out, e),
            OutputFormat::Formatted | OutputFormat::EventFormatted => self.write_formatted(out, e),
        }
    }

    fn write_csv(&self, out: &mut Vec<u8>, e: &Entry) {
        let sep = self.opts.separator.as_bytes();
        let mut first = true;
        let stitch = |out: &mut Vec<u8>, first: &mut bool| {
            for ts in [e.timestamp_min, e.timestamp_max] {
                if !*first {
                    out.extend_from_slice(sep);
                }
                *first = false;
                self.write_plain(out, &Val::Ts(ts), false);
            }
        };
        for (col, p) in self.columns.iter().enumerate() {
            if self.stitch_col == Some(col) {
                stitch(out, &mut first);
            }
            let v = entry_value(*p, e);
            let n = if p.info().header2.is_empty() { 1 } else { 2 };
            for j in 0..n {
                if !first {
                    out.extend_from_slice(sep);
                }
                first = false;
                self.write_plain(out, &v.part(j), false);
            }
        }
        if self.stitch_col == Some(self.columns.len()) {
            stitch(out, &mut first);
        }
        for c in self.custom {
            if !first {
                out.extend_from_slice(sep);
            }
            first = false;
            c.write_value(out, &e.custom, Render::Csv);
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
        let stitch = |out: &mut Vec<u8>| {
            for ts in [e.timestamp_min, e.timestamp_max] {
                let start = out.len();
                self.write_plain(out, &Val::Ts(ts), true);
                let pad = 30usize.saturating_sub(out.len() - start) + 1;
                out.resize(out.len() + pad, b' ');
            }
        };
        for (col, p) in self.columns.iter().enumerate() {
            if self.stitch_col == Some(col) {
                stitch(out);
            }
            let i = p.info();
            let v = entry_value(*p, e);
            let n = if i.header2.is_empty() { 1 } else { 2 };
            for j in 0..n {
                let start = out.len();
                self.write_plain(out, &v.part(j), true);
                let len = out.len() - start;
                let pad = (i.fmt_pad as usize).saturating_sub(len) + i.fmt_trail as usize;
                out.resize(out.len() + pad, b' ');
            }
        }
        if self.stitch_col == Some(self.columns.len()) {
            stitch(out);
        }
        for c in self.custom {
            c.write_value(out, &e.custom, Render::Formatted);
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
        let stitch = |out: &mut Vec<u8>| {
            for (key, ts) in STITCH_KEYS.iter().zip([e.timestamp_min, e.timestamp_max]) {
                out.extend_from_slice(b", \"");
                out.extend_from_slice(key.as_bytes());
                out.extend_from_slice(b"\": \"");
                self.write_plain(out, &Val::Ts(ts), false);
                out.push(b'"');
            }
        };
        for (n, p) in self.json_order.iter().enumerate() {
            if self.stitch_json == Some(n) {
                stitch(out);
            }
            let i = p.info();
            let v = entry_value(*p, e);
            if v == Val::Srv6List(crate::srv6::WRAPPED) {
                // pmacct's wrapped length holds no whole address: jansson drops the key.
                continue;
            }
            let keys: &[&str] = if i.json_key2.is_empty() {
                &[i.json_key]
            } else {
                &[i.json_key, i.json_key2]
            };
            for (j, key) in keys.iter().enumerate() {
                out.extend_from_slice(b", \"");
                out.extend_from_slice(key.as_bytes());
                out.extend_from_slice(b"\": ");
                if self.write_json_encoded(out, *p, &v) {
                    continue;
                }
                let v = v.part(j);
                match &v {
                    Val::Num(n) => push_uint(out, *n),
                    // jansson prints reals with "%.17g" and adds ".0" to integral values.
                    Val::Float(f) => write_json_real(out, *f),
                    Val::Bgp(s) => {
                        out.push(b'"');
                        write_json_escaped(out, s.as_bytes());
                        out.push(b'"');
                    }
                    _ => {
                        out.push(b'"');
                        let start = out.len();
                        self.write_plain(out, &v, false);
                        // Escape in place only if needed (labels, custom strings later).
                        escape_json_tail(out, start);
                        out.push(b'"');
                    }
                }
            }
        }
        if self.stitch_json == Some(self.json_order.len()) {
            stitch(out);
        }
        // compose_json_custom_primitives(): every value a string; one that is not UTF-8 is
        // refused by jansson, and pmacct's object then lacks the key.
        for c in self.custom {
            let mark = out.len();
            out.extend_from_slice(b", \"");
            write_json_escaped(out, c.name.as_bytes());
            out.extend_from_slice(b"\": \"");
            let start = out.len();
            if !c.write_value(out, &e.custom, Render::Json) {
                out.truncate(mark);
                continue;
            }
            escape_json_tail(out, start);
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
