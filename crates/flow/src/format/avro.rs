//! Apache Avro encodings of the kafka plugin (pmacct's `kafka_output: avro` and `avro_json`):
//! the `acct_data` record schema of an aggregate, derived from the primitives table (each
//! row's JSON key and rendering), and each cache entry as an Avro binary datum or as Avro's
//! JSON encoding.
//!
//! Field types follow pmacct (`p_avro_schema_build_acct_data()`): numbers are `long`,
//! coordinates `double`, everything else the `string` JSON prints; `tcp_flags` is a `long`
//! unless `tcpflags_encode_as_array`; the `*_encode_as_*` keys turn a field into an array
//! (or the label into a map) of strings; `timestamp_min`/`_max`, `stamp_inserted`/`_updated`
//! and the counters are `["null", ...]` unions; custom primitives go in one
//! `custom_primitives` map; `writer_id` ends the record.
//!
//! The datum is written straight into the caller's reused buffer (no value tree, no
//! allocation per record); the `apache-avro` crate decodes it back in the tests.

use std::io::Write;

use super::{
    bgp_list_items, entry_value, fwd_status_name, label_pairs, tcp_flag_names, Encoder, STITCH_KEYS,
};
use crate::cache::Entry;
use crate::custom::Render;
use crate::flow::FlowType;
use crate::mpls::MplsLabelStack;
use crate::primitives::{Primitive, Val};
use crate::text::{escape_json_tail, write_json_escaped};
use crate::time::write_timestamp;
use pmacct_wire::Timestamp;

/// Avro type of one field of the `acct_data` record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AvroType {
    Long,
    Double,
    Str,
    /// `{"type": "array", "items": "string"}`.
    StrArray,
    /// `{"type": "map", "values": "string"}`.
    StrMap,
    /// `["null", "long"]`.
    OptLong,
    /// `["null", "string"]`.
    OptStr,
}

impl AvroType {
    fn schema(self) -> &'static str {
        match self {
            AvroType::Long => "\"long\"",
            AvroType::Double => "\"double\"",
            AvroType::Str => "\"string\"",
            AvroType::StrArray => "{\"type\": \"array\", \"items\": \"string\"}",
            AvroType::StrMap => "{\"type\": \"map\", \"values\": \"string\"}",
            AvroType::OptLong => "[\"null\", \"long\"]",
            AvroType::OptStr => "[\"null\", \"string\"]",
        }
    }
}

/// Where a field's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Src {
    /// Column `j` of a primitive (coordinates have two).
    Prim(Primitive, usize),
    StitchMin,
    StitchMax,
    Custom,
    StampInserted,
    StampUpdated,
    Packets,
    Flows,
    Bytes,
    WriterId,
}

/// One field of the record schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvroField {
    pub name: &'static str,
    pub ty: AvroType,
    src: Src,
}

/// The `acct_data` record of one aggregate and encoding options.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AvroLayout {
    pub fields: Vec<AvroField>,
}

/// The Avro type of primitive `p` under the encoder's options.
fn prim_type(enc: &Encoder, p: Primitive) -> AvroType {
    let e = &enc.opts.encodings;
    match p {
        Primitive::TcpFlags if e.tcpflags_array => AvroType::StrArray,
        Primitive::TcpFlags => AvroType::Long,
        // pmacct 1.7.9: a string ("%u"), an array with tcpflags_encode_as_array.
        Primitive::TunnelTcpFlags if e.tcpflags_array => AvroType::StrArray,
        Primitive::TunnelTcpFlags => AvroType::Str,
        Primitive::Srv6SegIpv6List => AvroType::StrArray,
        Primitive::MplsLabelStack if e.mpls_label_stack_array => AvroType::StrArray,
        Primitive::Label if e.label_map => AvroType::StrMap,
        Primitive::AsPath | Primitive::SrcAsPath if e.as_path_array => AvroType::StrArray,
        Primitive::StdComm
        | Primitive::ExtComm
        | Primitive::LrgComm
        | Primitive::SrcStdComm
        | Primitive::SrcExtComm
        | Primitive::SrcLrgComm
            if e.bgp_comms_array =>
        {
            AvroType::StrArray
        }
        _ => match p.info().render {
            "Num" | "Flows" => AvroType::Long,
            "SrcCoords" | "DstCoords" => AvroType::Double,
            _ => AvroType::Str,
        },
    }
}

impl AvroLayout {
    /// The record fields of `enc`'s aggregate, in pmacct's order (its JSON key order).
    pub(super) fn new(enc: &Encoder) -> AvroLayout {
        let mut fields = Vec::new();
        let stitch = |fields: &mut Vec<AvroField>| {
            fields.push(AvroField {
                name: STITCH_KEYS[0],
                ty: AvroType::OptStr,
                src: Src::StitchMin,
            });
            fields.push(AvroField {
                name: STITCH_KEYS[1],
                ty: AvroType::OptStr,
                src: Src::StitchMax,
            });
        };
        for (n, p) in enc.json_order.iter().enumerate() {
            if enc.stitch_json == Some(n) {
                stitch(&mut fields);
            }
            let i = p.info();
            let ty = prim_type(enc, *p);
            fields.push(AvroField {
                name: i.json_key,
                ty,
                src: Src::Prim(*p, 0),
            });
            if !i.json_key2.is_empty() {
                fields.push(AvroField {
                    name: i.json_key2,
                    ty,
                    src: Src::Prim(*p, 1),
                });
            }
        }
        if enc.stitch_json == Some(enc.json_order.len()) {
            stitch(&mut fields);
        }
        if !enc.custom.is_empty() {
            fields.push(AvroField {
                name: "custom_primitives",
                ty: AvroType::StrMap,
                src: Src::Custom,
            });
        }
        if enc.opts.history {
            fields.push(AvroField {
                name: "stamp_inserted",
                ty: AvroType::OptStr,
                src: Src::StampInserted,
            });
            fields.push(AvroField {
                name: "stamp_updated",
                ty: AvroType::OptStr,
                src: Src::StampUpdated,
            });
        }
        for (name, src) in [
            ("packets", Src::Packets),
            ("flows", Src::Flows),
            ("bytes", Src::Bytes),
        ] {
            fields.push(AvroField {
                name,
                ty: AvroType::OptLong,
                src,
            });
        }
        if enc.opts.writer_id.is_some() {
            fields.push(AvroField {
                name: "writer_id",
                ty: AvroType::Str,
                src: Src::WriterId,
            });
        }
        AvroLayout { fields }
    }

    /// The schema as Avro JSON (what `avro_schema_output_file` holds and the schema
    /// registry gets).
    pub fn schema_json(&self) -> String {
        let mut s = String::from("{\"type\": \"record\", \"name\": \"acct_data\", \"fields\": [");
        for (i, f) in self.fields.iter().enumerate() {
            if i > 0 {
                s.push_str(", ");
            }
            s.push_str("{\"name\": \"");
            s.push_str(f.name);
            s.push_str("\", \"type\": ");
            s.push_str(f.ty.schema());
            s.push('}');
        }
        s.push_str("]}");
        s
    }
}

/// Avro `long`: zig-zag, then base-128 varint.
pub fn put_long(out: &mut Vec<u8>, v: i64) {
    let mut z = ((v << 1) ^ (v >> 63)) as u64;
    while z >= 0x80 {
        out.push((z as u8) | 0x80);
        z >>= 7;
    }
    out.push(z as u8);
}

/// Prefix the bytes written since `start` with their length (an Avro `string`/`bytes`),
/// in place: the varint is appended and rotated in front.
fn prefix_len(out: &mut Vec<u8>, start: usize) {
    let n = out.len() - start;
    let at = out.len();
    put_long(out, n as i64);
    let k = out.len() - at;
    out[start..].rotate_right(k);
}

fn put_str(out: &mut Vec<u8>, s: &[u8]) {
    put_long(out, s.len() as i64);
    out.extend_from_slice(s);
}

/// How a value is written: Avro binary or Avro's JSON encoding.
trait Sink {
    /// Avro's JSON encoding (records as objects with their field names).
    const JSON: bool;
    fn long(&mut self, out: &mut Vec<u8>, v: u64);
    fn double(&mut self, out: &mut Vec<u8>, v: f64);
    /// A string whose text `f` writes.
    fn text(&mut self, out: &mut Vec<u8>, f: &mut dyn FnMut(&mut Vec<u8>));
    fn array_start(&mut self, out: &mut Vec<u8>, n: usize);
    fn item_sep(&mut self, out: &mut Vec<u8>, i: usize);
    fn array_end(&mut self, out: &mut Vec<u8>, n: usize, map: bool);
    fn map_start(&mut self, out: &mut Vec<u8>, n: usize);
    fn map_key(&mut self, out: &mut Vec<u8>, k: &[u8]);
    /// A union's branch: None is null, Some(t) the second branch (of type `t`).
    fn branch(&mut self, out: &mut Vec<u8>, some: Option<&'static str>);
    fn branch_end(&mut self, out: &mut Vec<u8>, some: bool);
}

struct Bin;

impl Sink for Bin {
    const JSON: bool = false;
    fn long(&mut self, out: &mut Vec<u8>, v: u64) {
        put_long(out, v as i64);
    }
    fn double(&mut self, out: &mut Vec<u8>, v: f64) {
        out.extend_from_slice(&v.to_le_bytes());
    }
    fn text(&mut self, out: &mut Vec<u8>, f: &mut dyn FnMut(&mut Vec<u8>)) {
        let start = out.len();
        f(out);
        prefix_len(out, start);
    }
    fn array_start(&mut self, out: &mut Vec<u8>, n: usize) {
        if n > 0 {
            put_long(out, n as i64);
        }
    }
    fn item_sep(&mut self, _: &mut Vec<u8>, _: usize) {}
    fn array_end(&mut self, out: &mut Vec<u8>, _: usize, _: bool) {
        out.push(0);
    }
    fn map_start(&mut self, out: &mut Vec<u8>, n: usize) {
        self.array_start(out, n);
    }
    fn map_key(&mut self, out: &mut Vec<u8>, k: &[u8]) {
        put_str(out, k);
    }
    fn branch(&mut self, out: &mut Vec<u8>, some: Option<&'static str>) {
        out.push(if some.is_some() { 2 } else { 0 });
    }
    fn branch_end(&mut self, _: &mut Vec<u8>, _: bool) {}
}

/// Avro's JSON encoding (avro-c's `avro_value_to_json()`, as pmacct's `avro_json`): unions
/// as `{"<type>": value}` or `null`.
struct Json;

impl Sink for Json {
    const JSON: bool = true;
    fn long(&mut self, out: &mut Vec<u8>, v: u64) {
        let _ = write!(out, "{v}");
    }
    fn double(&mut self, out: &mut Vec<u8>, v: f64) {
        super::write_json_real(out, v);
    }
    fn text(&mut self, out: &mut Vec<u8>, f: &mut dyn FnMut(&mut Vec<u8>)) {
        out.push(b'"');
        let start = out.len();
        f(out);
        escape_json_tail(out, start);
        out.push(b'"');
    }
    fn array_start(&mut self, out: &mut Vec<u8>, _: usize) {
        out.push(b'[');
    }
    fn item_sep(&mut self, out: &mut Vec<u8>, i: usize) {
        if i > 0 {
            out.extend_from_slice(b", ");
        }
    }
    fn array_end(&mut self, out: &mut Vec<u8>, _: usize, map: bool) {
        out.push(if map { b'}' } else { b']' });
    }
    fn map_start(&mut self, out: &mut Vec<u8>, _: usize) {
        out.push(b'{');
    }
    fn map_key(&mut self, out: &mut Vec<u8>, k: &[u8]) {
        out.push(b'"');
        write_json_escaped(out, k);
        out.extend_from_slice(b"\": ");
    }
    fn branch(&mut self, out: &mut Vec<u8>, some: Option<&'static str>) {
        match some {
            Some(t) => {
                out.extend_from_slice(b"{\"");
                out.extend_from_slice(t.as_bytes());
                out.extend_from_slice(b"\": ");
            }
            None => out.extend_from_slice(b"null"),
        }
    }
    fn branch_end(&mut self, out: &mut Vec<u8>, some: bool) {
        if some {
            out.push(b'}');
        }
    }
}

fn str_array<'a, S: Sink, I: Iterator<Item = &'a str> + Clone>(
    s: &mut S,
    out: &mut Vec<u8>,
    it: I,
) {
    let n = it.clone().count();
    s.array_start(out, n);
    for (i, x) in it.enumerate() {
        s.item_sep(out, i);
        s.text(out, &mut |o| o.extend_from_slice(x.as_bytes()));
    }
    s.array_end(out, n, false);
}

impl Encoder {
    /// One record as an Avro binary datum of [`Encoder::avro_schema`]: appended to `out`.
    pub(super) fn write_avro(&self, out: &mut Vec<u8>, e: &Entry, stamp_updated: u64) {
        self.write_avro_with(&mut Bin, out, e, stamp_updated);
    }

    /// One record in Avro's JSON encoding, newline-terminated.
    pub(super) fn write_avro_json(&self, out: &mut Vec<u8>, e: &Entry, stamp_updated: u64) {
        self.write_avro_with(&mut Json, out, e, stamp_updated);
        out.push(b'\n');
    }

    fn write_avro_with<S: Sink>(&self, s: &mut S, out: &mut Vec<u8>, e: &Entry, now: u64) {
        let Some(layout) = &self.avro else {
            return;
        };
        let json = S::JSON;
        if json {
            out.push(b'{');
        }
        let counted = e.flow_type == FlowType::Traffic;
        for (i, f) in layout.fields.iter().enumerate() {
            if json {
                if i > 0 {
                    out.extend_from_slice(b", ");
                }
                out.push(b'"');
                out.extend_from_slice(f.name.as_bytes());
                out.extend_from_slice(b"\": ");
            }
            match f.src {
                Src::Prim(p, j) => self.avro_prim(s, out, e, p, j, f.ty),
                Src::StitchMin | Src::StitchMax => {
                    let ts = if f.src == Src::StitchMin {
                        e.timestamp_min
                    } else {
                        e.timestamp_max
                    };
                    s.branch(out, Some("string"));
                    s.text(out, &mut |o| self.write_plain(o, &Val::Ts(ts), false));
                    s.branch_end(out, true);
                }
                Src::Custom => {
                    // Values that are not UTF-8 are left out, as in JSON: count them first.
                    let good = |c: &crate::custom::CustomCol, o: &mut Vec<u8>| {
                        let mark = o.len();
                        let ok = c.write_value(o, &e.custom, Render::Json);
                        o.truncate(mark);
                        ok
                    };
                    let n = self.custom.iter().filter(|c| good(c, out)).count();
                    s.map_start(out, n);
                    let mut idx = 0;
                    for c in self.custom {
                        if !good(c, out) {
                            continue;
                        }
                        s.item_sep(out, idx);
                        idx += 1;
                        s.map_key(out, c.name.as_bytes());
                        s.text(out, &mut |o| {
                            c.write_value(o, &e.custom, Render::Json);
                        });
                    }
                    s.array_end(out, n, true);
                }
                Src::StampInserted | Src::StampUpdated => {
                    if e.basetime == 0 {
                        s.branch(out, None);
                    } else {
                        let t = if f.src == Src::StampInserted {
                            e.basetime
                        } else {
                            now
                        };
                        s.branch(out, Some("string"));
                        s.text(out, &mut |o| {
                            write_timestamp(o, Timestamp::new(t, 0), false, &self.opts.timestamps)
                        });
                        s.branch_end(out, true);
                    }
                }
                Src::Packets | Src::Flows | Src::Bytes => {
                    let v = match f.src {
                        Src::Packets if counted => Some(e.packets),
                        Src::Bytes if counted => Some(e.bytes),
                        Src::Flows if counted && self.flows => Some(e.flows),
                        _ => None,
                    };
                    s.branch(out, v.map(|_| "long"));
                    if let Some(v) = v {
                        s.long(out, v);
                    }
                    s.branch_end(out, v.is_some());
                }
                Src::WriterId => {
                    let w = self.opts.writer_id.as_deref().unwrap_or("");
                    s.text(out, &mut |o| o.extend_from_slice(w.as_bytes()));
                }
            }
        }
        if json {
            out.push(b'}');
        }
    }

    fn avro_prim<S: Sink>(
        &self,
        s: &mut S,
        out: &mut Vec<u8>,
        e: &Entry,
        p: Primitive,
        j: usize,
        ty: AvroType,
    ) {
        let v = entry_value(p, e).part(j);
        match (ty, &v) {
            (AvroType::Long, Val::Num(n) | Val::NumStr(n)) => s.long(out, *n),
            (AvroType::Long, _) => s.long(out, 0),
            (AvroType::Double, Val::Float(f)) => s.double(out, *f),
            (AvroType::Double, _) => s.double(out, 0.0),
            (AvroType::StrArray, Val::NumStr(n)) => str_array(s, out, tcp_flag_names(*n)),
            (AvroType::StrArray, Val::Srv6List(l)) => str_array(s, out, crate::srv6::items(l)),
            (AvroType::StrArray, Val::LabelStack(st)) => {
                let n = st.len();
                s.array_start(out, n);
                for (i, l) in st.labels().enumerate() {
                    s.item_sep(out, i);
                    s.text(out, &mut |o| MplsLabelStack::write_indexed(o, i, l));
                }
                s.array_end(out, n, false);
            }
            (AvroType::StrArray, Val::Str(x) | Val::Bgp(x)) => str_array(s, out, bgp_list_items(x)),
            (AvroType::StrArray, _) => str_array(s, out, std::iter::empty()),
            (AvroType::StrMap, Val::Str(l)) => {
                let n = label_pairs(l).count();
                s.map_start(out, n);
                for (i, (k, v)) in label_pairs(l).enumerate() {
                    s.item_sep(out, i);
                    s.map_key(out, k.as_bytes());
                    s.text(out, &mut |o| o.extend_from_slice(v.as_bytes()));
                }
                s.array_end(out, n, true);
            }
            (AvroType::StrMap, _) => {
                s.map_start(out, 0);
                s.array_end(out, 0, true);
            }
            (_, Val::FwdStatus(n)) if self.opts.encodings.fwd_status_string => s
                .text(out, &mut |o| {
                    o.extend_from_slice(fwd_status_name(*n).as_bytes())
                }),
            // BGP texts keep their spaces (the `_` substitution is CSV's), as in JSON.
            (_, Val::Bgp(x)) => s.text(out, &mut |o| o.extend_from_slice(x.as_bytes())),
            _ => s.text(out, &mut |o| self.write_plain(o, &v, false)),
        }
    }
}
