//! Answering a client's request: pmacct 1.7.7's checks in its order, the query against the
//! table, and the output the `pmacct` client prints, byte for byte as 1.7.7's client
//! (`pmacct.c`): formatted/csv/json/event_* tables, `-N` counters, `-e`, `-i`, `-t`, `-C`,
//! `-U`, error messages and exit statuses.

use std::io::{self, Write};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::SystemTime;

use pmacct_flow::cache::Entry;
use pmacct_flow::custom::{CustomCol, Render};
use pmacct_flow::flow::Primitives;
use pmacct_flow::format::{Encoder, EncoderOptions, OutputFormat};
use pmacct_flow::primitives::{proto_name, value, Extras, Primitive, Val};
use pmacct_flow::text::{write_ip, write_ip_in_family, write_mac};
use pmacct_flow::time::{push_uint, write_timestamp};
use pmacct_flow::{Aggregate, TimestampOptions};

use super::proto::{Counter, Output, Request, Want};
use super::table::{unpack_entry, Row, Snapshot, Table};

/// What the server knows besides the table.
#[derive(Debug, Clone)]
pub struct ServerInfo {
    /// `imt_passwd`.
    pub passwd: Option<String>,
    /// `imt_buckets` (for `-t`).
    pub buckets: u64,
}

/// The client's usage text (`pmacct -h`), as 1.7.7 prints it with `prog` as argv[0].
pub fn usage(prog: &str) -> String {
    format!(
        "pmacct IMT plugin client, pmacct 1.7.7-git (RELEASE)\nUsage: {prog} [query]\n\n{USAGE_BODY}"
    )
}

const USAGE_BODY: &str = "Queries:
  -h\tShow this page
  -s\tShow statistics
  -N\t<matching data>[';'<matching data>] | 'file:'<filename> 
\tMatch primitives; print counters only (requires -c)
  -M\t<matching data>[';'<matching data>] | 'file:'<filename> 
\tMatch primitives; print formatted table (requires -c)
  -n\t<bytes | packets | flows | all> 
\tSelect the counters to print (applies to -N)
  -S\tSum counters instead of returning a single counter for each request (applies to -N)
  -a\tDisplay all table fields (even those currently unused)
  -c\t< src_mac | dst_mac | vlan | cos | src_host | dst_host | src_net | dst_net | src_mask | dst_mask | 
\t src_port | dst_port | tos | proto | src_as | dst_as | sum_mac | sum_host | sum_net | sum_as | 
\t sum_port | in_iface | out_iface | tag | tag2 | flows | class | std_comm | ext_comm | lrg_comm | 
\t med | local_pref | as_path | dst_roa | peer_src_ip | peer_dst_ip | peer_src_as | peer_dst_as | 
\t src_as_path | src_std_comm | src_ext_comm | src_lrg_comm | src_med | src_local_pref | src_roa | 
\t mpls_vpn_rd | mpls_pw_id | etype | sampling_rate | sampling_direction | post_nat_src_host | 
\t post_nat_dst_host | post_nat_src_port | post_nat_dst_port | nat_event | tunnel_src_mac | 
\t tunnel_dst_mac | tunnel_src_host | tunnel_dst_host | tunnel_protocol | tunnel_tos | 
\t tunnel_src_port | tunnel_dst_port | vxlan | timestamp_start | timestamp_end | timestamp_arrival | 
\t mpls_label_top | mpls_label_bottom |  mpls_stack_depth | label | src_host_country | 
\t dst_host_country | export_proto_seqno | export_proto_version | export_proto_sysid | 
\t src_host_pocode | dst_host_pocode | src_host_coords | dst_host_coords > 
\tSelect primitives to match (required by -N and -M)
  -T\t<bytes | packets | flows>,[<# how many>] 
\tOutput top N statistics (applies to -M and -s)
  -e\tClear statistics
  -i\tShow time (in seconds) since statistics were last cleared (ie. pmacct -e)
  -r\tReset counters (applies to -N and -M)
  -l\tPerform locking of the table
  -t\tShow memory table status
  -C\tShow classifiers table
  -U\tShow custom primitives table
  -p\t<file> 
\tSocket for client-server communication (DEFAULT: /tmp/collect.pipe)
  -O\tSet output < formatted | csv | json | event_formatted | event_csv > (applies to -M and -s)
  -E\tSet sparator for CSV format
  -I\tSet timestamps in 'since Epoch' format
  -u\tLeave IP protocols in numerical format
  -0\tAlways set timestamps to UTC (even if the timezone configured on the system is different)
  -V\tPrint version and exit

  See QUICKSTART file in the distribution for examples

For suggestions, critics, bugs, contact me: Paolo Lucente <paolo@pmacct.net>.
";

/// How one column of the client's table is printed in formatted output: the value
/// left-justified to `pad`, then `trail` spaces; `empty`: what an empty value prints.
#[derive(Clone, Copy)]
struct Col {
    prim: Primitive,
    pad: usize,
    trail: usize,
    /// Formatted header width.
    hdr: usize,
    empty: &'static str,
    /// Printed with `-a` even when not aggregated (pmacct's `!have_wtc ||`).
    with_all: bool,
}

const fn col(prim: Primitive, pad: usize, trail: usize, hdr: usize) -> Col {
    Col {
        prim,
        pad,
        trail,
        hdr,
        empty: "",
        with_all: true,
    }
}

const fn ip(prim: Primitive) -> Col {
    Col {
        prim,
        pad: 45,
        trail: 2,
        hdr: 47,
        empty: "0",
        with_all: true,
    }
}

const fn comm(prim: Primitive, with_all: bool) -> Col {
    Col {
        prim,
        pad: 22,
        trail: 3,
        hdr: 24,
        empty: "0",
        with_all,
    }
}

/// The client's columns in its row order (pmacct.c's print loop).
const COLS: &[Col] = {
    use Primitive::*;
    &[
        col(Tag, 10, 2, 12),
        col(Tag2, 10, 2, 12),
        col(Class, 16, 2, 18),
        col(InIface, 10, 2, 12),
        col(OutIface, 10, 2, 12),
        col(SrcMac, 17, 2, 19),
        col(DstMac, 17, 2, 19),
        col(Vlan, 5, 2, 7),
        col(Cos, 2, 2, 4),
        col(Etype, 5, 2, 7),
        col(SrcAs, 10, 2, 12),
        col(DstAs, 10, 2, 12),
        comm(StdComm, true),
        comm(SrcStdComm, true),
        comm(ExtComm, false),
        comm(SrcExtComm, false),
        comm(LrgComm, false),
        comm(SrcLrgComm, false),
        Col {
            prim: AsPath,
            pad: 22,
            trail: 3,
            hdr: 25,
            empty: "^$",
            with_all: true,
        },
        Col {
            prim: SrcAsPath,
            pad: 22,
            trail: 3,
            hdr: 25,
            empty: "^$",
            with_all: true,
        },
        col(LocalPref, 7, 2, 9),
        col(SrcLocalPref, 7, 2, 9),
        col(Med, 6, 2, 8),
        col(SrcMed, 6, 2, 8),
        col(SrcRoa, 6, 2, 8),
        col(DstRoa, 6, 2, 8),
        col(PeerSrcAs, 10, 2, 12),
        col(PeerDstAs, 10, 2, 12),
        ip(PeerSrcIp),
        ip(PeerDstIp),
        col(MplsVpnRd, 18, 2, 20),
        col(MplsPwId, 10, 2, 12),
        ip(SrcHost),
        ip(SrcNet),
        ip(DstHost),
        ip(DstNet),
        col(SrcMask, 3, 7, 10),
        col(DstMask, 3, 7, 10),
        col(SrcPort, 5, 5, 10),
        col(DstPort, 5, 5, 10),
        col(TcpFlags, 6, 5, 11),
        col(Proto, 10, 2, 12),
        col(Tos, 3, 4, 7),
        col(SrcHostCountry, 5, 7, 12),
        col(DstHostCountry, 5, 7, 12),
        col(SrcHostPocode, 12, 2, 14),
        col(DstHostPocode, 12, 2, 14),
        col(SrcHostCoords, 12, 2, 14),
        col(DstHostCoords, 12, 2, 14),
        col(SamplingRate, 7, 7, 14),
        col(SamplingDirection, 1, 18, 19),
        ip(PostNatSrcHost),
        ip(PostNatDstHost),
        col(PostNatSrcPort, 5, 14, 19),
        col(PostNatDstPort, 5, 14, 19),
        col(NatEvent, 3, 7, 10),
        col(MplsLabelTop, 7, 9, 16),
        col(MplsLabelBottom, 7, 12, 19),
        col(MplsStackDepth, 2, 16, 18),
        col(TunnelSrcMac, 17, 2, 19),
        col(TunnelDstMac, 17, 2, 19),
        ip(TunnelSrcHost),
        ip(TunnelDstHost),
        col(TunnelProto, 10, 7, 17),
        col(TunnelTos, 3, 9, 12),
        col(TunnelSrcPort, 5, 12, 17),
        col(TunnelDstPort, 5, 12, 17),
        col(Vxlan, 8, 2, 10),
        col(TimestampStart, 30, 1, 31),
        col(TimestampEnd, 30, 1, 31),
        col(TimestampArrival, 30, 1, 31),
        col(TimestampExport, 30, 1, 31),
        col(ExportProtoSeqno, 18, 2, 20),
        col(ExportProtoVersion, 20, 2, 22),
        col(ExportProtoSysid, 18, 2, 20),
    ]
};

/// The formatted and CSV headers 1.7.7's client prints with `-a` (they do not list every
/// column its rows carry: kept as it prints them).
const ALL_HEADER_FORMATTED: &str = "TAG         TAG2        CLASS             IN_IFACE    OUT_IFACE   SRC_MAC            DST_MAC            VLAN   COS ETYPE  SRC_AS      DST_AS      COMMS                    SRC_COMMS                AS_PATH                  SRC_AS_PATH              PREF     SRC_PREF MED     SRC_MED SRC_ROA DST_ROA PEER_SRC_AS PEER_DST_AS PEER_SRC_IP                                    PEER_DST_IP                                    SRC_IP                                         DST_IP                                         SRC_MASK  DST_MASK  SRC_PORT  DST_PORT  TCP_FLAGS  PROTOCOL    TOS    SH_COUNTRY  DH_COUNTRY  SH_POCODE     DH_POCODE     SH_LAT        SH_LON        DH_LAT        DH_LON        SAMPLING_RATE SAMPLING_DIRECTION POST_NAT_SRC_IP                                POST_NAT_DST_IP                                POST_NAT_SRC_PORT  POST_NAT_DST_PORT  NAT_EVENT MPLS_LABEL_TOP  MPLS_LABEL_BOTTOM  MPLS_STACK_DEPTH  TUNNEL_SRC_MAC     TUNNEL_DST_MAC     TUNNEL_SRC_IP                                  TUNNEL_DST_IP                                  TUNNEL_PROTOCOL  TUNNEL_TOS  TUNNEL_SRC_PORT  TUNNEL_DST_PORT  TIMESTAMP_START                TIMESTAMP_END                  TIMESTAMP_ARRIVAL              TIMESTAMP_EXPORT               EXPORT_PROTO_SEQNO  EXPORT_PROTO_VERSION  EXPORT_PROTO_SYSID  ";
const ALL_HEADER_CSV: &str = "TAG,TAG2,LABEL,CLASS,IN_IFACE,OUT_IFACE,SRC_MAC,DST_MAC,VLAN,COS,ETYPE,SRC_AS,DST_AS,COMMS,SRC_COMMS,AS_PATH,SRC_AS_PATH,PREF,SRC_PREF,MED,SRC_MED,SRC_ROA,DST_ROA,PEER_SRC_AS,PEER_DST_AS,PEER_SRC_IP,PEER_DST_IP,SRC_IP,DST_IP,SRC_MASK,DST_MASK,SRC_PORT,DST_PORT,TCP_FLAGS,PROTOCOL,TOS,SH_COUNTRY,DH_COUNTRY,SH_POCODE,DH_POCODE,SH_LAT,SH_LON,DH_LAT,DH_LON,SAMPLING_RATE,SAMPLING_DIRECTION,POST_NAT_SRC_IP,POST_NAT_DST_IP,POST_NAT_SRC_PORT,POST_NAT_DST_PORT,NAT_EVENT,MPLS_LABEL_TOP,MPLS_LABEL_BOTTOM,MPLS_STACK_DEPTH,TUNNEL_SRC_MAC,TUNNEL_DST_MAC,TUNNEL_SRC_IP,TUNNEL_DST_IP,TUNNEL_PROTOCOL,TUNNEL_TOS,TUNNEL_SRC_PORT,TUNNEL_DST_PORT,TIMESTAMP_START,TIMESTAMP_END,TIMESTAMP_ARRIVAL,TIMESTAMP_EXPORT,EXPORT_PROTO_SEQNO,EXPORT_PROTO_VERSION,EXPORT_PROTO_SYSID";

/// The aggregate's columns as the client prints them.
fn columns(agg: &Aggregate, all: bool) -> Vec<Col> {
    COLS.iter()
        .filter(|c| {
            // sum_* aggregates carry their one column.
            let aggregated = agg.contains(c.prim) || agg.columns().any(|q| q == c.prim);
            aggregated || (all && c.with_all)
        })
        .copied()
        .collect()
}

/// Render options of one answer.
struct Style {
    output: Output,
    sep: String,
    num_protos: bool,
    ts: TimestampOptions,
}

/// A value as the client prints it (formatted: `formatted` true).
fn write_value(out: &mut Vec<u8>, c: &Col, v: &Val, st: &Style, formatted: bool) {
    let start = out.len();
    match v {
        Val::Num(n) | Val::NumStr(n) => push_uint(out, *n),
        Val::Str(s) | Val::Bgp(s) => out.extend_from_slice(s.as_bytes()),
        Val::Ip(Some(a)) => write_ip(out, *a),
        Val::Ip(None) => {}
        Val::IpInFamily(a, fam) => write_ip_in_family(out, *a, *fam),
        Val::Mac(m) => write_mac(out, *m),
        Val::Hex(h) => {
            let _ = write!(out, "{h:x}");
        }
        Val::Char(0) => {}
        Val::Char(ch) => out.push(*ch),
        Val::Proto(p) => match proto_name(*p) {
            Some(name) if !st.num_protos => out.extend_from_slice(name.as_bytes()),
            _ => {
                let _ = write!(out, "{p}");
            }
        },
        Val::Rd(rd) => rd.write(out),
        Val::Ts(ts) if ts.secs == 0 && !st.ts.since_epoch => {
            // The client formats the epoch itself (1970-01-01...), not as an unset time.
            let at = out.len();
            write_timestamp(out, pmacct_wire::Timestamp::new(1, ts.usecs), true, &st.ts);
            if let Some(s) = out.get_mut(at + 17..at + 19) {
                s.copy_from_slice(b"00");
            }
        }
        Val::Ts(ts) => write_timestamp(out, *ts, true, &st.ts),
        Val::Float(f) | Val::Coords(f, _) => {
            let _ = write!(out, "{f:.6}");
        }
        Val::Geo(g) => out.extend_from_slice(g.as_bytes()),
        Val::FwdStatus(n) => push_uint(out, u64::from(*n)),
        Val::LabelStack(s) => s.write_plain(out),
        // 1.7.9+ primitive: the 1.7.7 client has no column for it (not in COLS).
        Val::Srv6List(s) => out.extend_from_slice(s.as_bytes()),
    }
    if c.prim == Primitive::Class && out.len() == start {
        out.extend_from_slice(b"unknown");
    }
    if formatted && out.len() == start {
        out.extend_from_slice(c.empty.as_bytes());
    }
}

fn write_row(
    out: &mut Vec<u8>,
    cols: &[Col],
    custom: &[CustomCol],
    e: &Entry,
    st: &Style,
    all: bool,
    flows: bool,
) {
    let x = Extras {
        tcp_flags: e.tcp_flags,
        flows: e.flows,
        family: e.family,
        geo: e.geo,
    };
    let formatted = st.output.is_formatted();
    let mut first = true;
    let sep = st.sep.as_bytes();
    for c in cols {
        if c.prim == Primitive::InIface && all && !formatted {
            // -a in CSV: the (empty) label column sits after CLASS.
            out.extend_from_slice(sep);
        }
        let v = value(c.prim, &e.prims, &x);
        let n = if c.prim.info().header2.is_empty() {
            1
        } else {
            2
        };
        for j in 0..n {
            let v = v.part(j);
            if formatted {
                let s = out.len();
                write_value(out, c, &v, st, true);
                let len = out.len() - s;
                let pad = c.pad.saturating_sub(len) + c.trail;
                out.resize(out.len() + pad, b' ');
            } else {
                if !first {
                    out.extend_from_slice(sep);
                }
                write_value(out, c, &v, st, false);
            }
            first = false;
        }
    }
    for cc in custom {
        if formatted {
            cc.write_value(out, &e.custom, Render::Formatted);
            out.extend_from_slice(b"  ");
        } else {
            if !first {
                out.extend_from_slice(sep);
            }
            first = false;
            cc.write_value(out, &e.custom, Render::Csv);
        }
    }
    if !st.output.is_event() {
        if formatted {
            let _ = write!(out, "{:<20}  ", e.packets);
            if flows || all {
                let _ = write!(out, "{:<20}  ", e.flows);
            }
            let _ = write!(out, "{}", e.bytes);
        } else {
            if !first {
                out.extend_from_slice(sep);
            }
            push_uint(out, e.packets);
            if flows || all {
                out.extend_from_slice(sep);
                push_uint(out, e.flows);
            }
            out.extend_from_slice(sep);
            push_uint(out, e.bytes);
        }
    }
    out.push(b'\n');
}

fn write_header(
    out: &mut Vec<u8>,
    cols: &[Col],
    custom: &[CustomCol],
    st: &Style,
    all: bool,
    flows: bool,
) {
    let formatted = st.output.is_formatted();
    if all {
        if formatted {
            out.extend_from_slice(ALL_HEADER_FORMATTED.as_bytes());
        } else {
            out.extend_from_slice(ALL_HEADER_CSV.replace(',', &st.sep).as_bytes());
        }
    }
    let sep = st.sep.as_bytes();
    let mut first = !all;
    if !all {
        for c in cols {
            let i = c.prim.info();
            let heads: &[&str] = if i.header2.is_empty() {
                &[i.header]
            } else {
                &[i.header, i.header2]
            };
            for h in heads {
                if formatted {
                    let w = c.hdr;
                    let _ = write!(out, "{h:<w$}");
                } else {
                    if !first {
                        out.extend_from_slice(sep);
                    }
                    out.extend_from_slice(h.as_bytes());
                }
                first = false;
            }
        }
    }
    for cc in custom {
        if formatted {
            cc.write_header(out, true);
            out.extend_from_slice(b"  ");
        } else {
            if !first {
                out.extend_from_slice(sep);
            }
            first = false;
            cc.write_header(out, false);
        }
    }
    if !st.output.is_event() {
        if formatted {
            let _ = write!(out, "{:<22}", "PACKETS");
            if flows || all {
                let _ = write!(out, "{:<22}", "FLOWS");
            }
            out.extend_from_slice(b"BYTES");
        } else {
            for h in ["PACKETS", "FLOWS", "BYTES"] {
                if h == "FLOWS" && !(flows || all) {
                    continue;
                }
                if !first {
                    out.extend_from_slice(sep);
                }
                first = false;
                out.extend_from_slice(h.as_bytes());
            }
        }
    }
    out.push(b'\n');
}

/// One `-c` column and the value a query line asks for it (None: `*`).
type Cond = (Primitive, Option<Vec<u8>>);

/// The canonical bytes of a value, for matching (numbers, addresses as pmacct reads them).
fn canon(v: &Val, out: &mut Vec<u8>) {
    out.clear();
    match v {
        Val::Num(n) | Val::NumStr(n) => push_uint(out, *n),
        Val::Proto(p) => push_uint(out, u64::from(*p)),
        Val::Hex(h) => push_uint(out, u64::from(*h)),
        Val::Str(s) | Val::Bgp(s) => out.extend_from_slice(s.as_bytes()),
        Val::Ip(Some(a)) => write_ip(out, *a),
        Val::Ip(None) => {}
        Val::IpInFamily(a, _) => {
            if let Some(a) = a {
                write_ip(out, *a)
            }
        }
        Val::Mac(m) => write_mac(out, *m),
        Val::Char(0) => {}
        Val::Char(c) => out.push(*c),
        Val::Rd(rd) => rd.write(out),
        Val::Ts(ts) => {
            let _ = write!(out, "{}.{:06}", ts.secs, ts.usecs);
        }
        Val::Float(f) | Val::Coords(f, _) => {
            let _ = write!(out, "{f:.6}");
        }
        Val::Geo(g) => out.extend_from_slice(g.as_bytes()),
        Val::FwdStatus(n) => push_uint(out, u64::from(*n)),
        Val::LabelStack(s) => s.write_plain(out),
        Val::Srv6List(s) => out.extend_from_slice(s.as_bytes()),
    }
}

/// C's strtoul/atoi: leading digits, 0 when none.
fn leading_num(s: &str) -> u64 {
    let s = s.trim_start();
    let s = s.strip_prefix('+').unwrap_or(s);
    let digits: String = s.chars().take_while(|c| c.is_ascii_digit()).collect();
    digits
        .parse::<u64>()
        .unwrap_or(if digits.is_empty() { 0 } else { u64::MAX })
}

fn parse_mac(s: &str) -> Option<[u8; 6]> {
    let mut m = [0u8; 6];
    let mut n = 0;
    for part in s.split(':') {
        if n >= 6 || part.is_empty() || part.len() > 2 {
            return None;
        }
        m[n] = u8::from_str_radix(part, 16).ok()?;
        n += 1;
    }
    (n == 6).then_some(m)
}

/// The canonical value a query token asks for primitive `p` (named `kw` on the command
/// line), or pmacct's error line.
fn parse_token(p: Primitive, kw: &str, tok: &str, num_protos: bool) -> Result<Vec<u8>, String> {
    let kind = value(p, &Primitives::default(), &Extras::default());
    let mut out = Vec::new();
    match kind {
        Val::Ip(_) | Val::IpInFamily(..) => {
            let Ok(a) = tok.parse::<IpAddr>() else {
                return Err(match p {
                    Primitive::SrcNet => format!("ERROR: src_host: Invalid IP network: '{tok}'\n"),
                    Primitive::DstNet => format!("ERROR: dst_host: Invalid IP network: '{tok}'\n"),
                    Primitive::SrcHost => format!("ERROR: src_host: Invalid IP address: '{tok}'\n"),
                    _ => format!("ERROR: {kw}: Invalid IP address: '{tok}'\n"),
                });
            };
            write_ip(&mut out, a);
        }
        Val::Mac(_) => {
            let Some(m) = parse_mac(tok) else {
                let name = if kw == "sum_mac" { "src_mac" } else { kw };
                return Err(format!("ERROR: {name}: Invalid MAC address: '{tok}'\n"));
            };
            write_mac(&mut out, m);
        }
        Val::Proto(_) => {
            let by_name = if num_protos {
                None
            } else {
                (1..=255u8).find(|n| proto_name(*n) == Some(tok))
            };
            let n = match by_name {
                Some(n) => u64::from(n),
                None => {
                    let n = leading_num(tok);
                    if n == 0 || n > 255 {
                        return Err(format!("ERROR: invalid protocol: '{tok}'\n"));
                    }
                    n
                }
            };
            push_uint(&mut out, n);
        }
        Val::Hex(_) => {
            let h: String = tok
                .trim()
                .trim_start_matches("0x")
                .chars()
                .take_while(|c| c.is_ascii_hexdigit())
                .collect();
            push_uint(
                &mut out,
                u64::from(u16::from_str_radix(&h, 16).unwrap_or(0)),
            );
        }
        Val::Num(_) | Val::NumStr(_) => {
            let n = leading_num(tok);
            let n = match p {
                Primitive::Tos
                | Primitive::TunnelTos
                | Primitive::Cos
                | Primitive::SrcMask
                | Primitive::DstMask => n & 0xff,
                Primitive::SrcPort | Primitive::DstPort | Primitive::Vlan => n & 0xffff,
                _ => n,
            };
            push_uint(&mut out, n);
        }
        _ => out.extend_from_slice(tok.as_bytes()),
    }
    Ok(out)
}

/// An answer: the status the client exits with and the text it prints.
pub struct Answer {
    pub status: u8,
}

fn fail(out: &mut dyn Write, text: &str) -> io::Result<Answer> {
    out.write_all(&[1])?;
    out.write_all(text.as_bytes())?;
    Ok(Answer { status: 1 })
}

fn usage_error(out: &mut dyn Write, text: &str) -> io::Result<Answer> {
    fail(out, &format!("{text}{}", usage("pmacct")))
}

/// pmacct's `pmc_sanitize_buf()`: all white space removed; blank and `!` lines skipped.
fn sanitize(line: &str) -> Option<String> {
    let s: String = line.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    (!s.is_empty() && !s.starts_with('!')).then_some(s)
}

/// Answer `req` from `table`, writing the status byte and the client's output to `out`.
pub fn answer(
    req: &Request,
    table: &Mutex<Table>,
    info: &ServerInfo,
    out: &mut dyn Write,
) -> io::Result<Answer> {
    if let Some(pw) = &info.passwd {
        let given = req.passwd.as_deref().unwrap_or("");
        let n = pw.len().min(8);
        let ok = given.as_bytes().get(..n.min(given.len())) == Some(&pw.as_bytes()[..n])
            && given.len() >= n;
        if !ok {
            return fail(out, "ERROR: missing EOF from server (1)\n");
        }
    }
    let (aggregate, custom): (Aggregate, &'static [CustomCol]) = {
        let t = table.lock().unwrap_or_else(|e| e.into_inner());
        (*t.aggregate(), t.aggregate().custom())
    };
    if req.want == Want::CustomTable {
        let mut s = String::from("NAME                              LEN    OFF\n");
        // pmacct's registry: the primitive's length and its offset in pmacct's
        // fixed-length area, where a raw value is kept as its printed form (3 x len + 1).
        let mut off = 0u32;
        for c in custom {
            let len = u32::from(c.spec.len);
            s.push_str(&format!("{:<32}  {:<5}  {:<5}\n", c.name, len, off));
            off += if c.spec.semantics == pmacct_flow::custom::Semantics::Raw {
                3 * len + 1
            } else {
                len
            };
        }
        return fail(out, &s);
    }
    // -c: built-in primitives, else custom ones of this server.
    let mut count: Vec<(Option<Primitive>, String)> = Vec::new();
    if let Some(c) = &req.count {
        for tok in c.split(',') {
            let p = match tok {
                "sum_host" => Some(Primitive::SrcHost),
                "sum_net" => Some(Primitive::SrcNet),
                "sum_as" => Some(Primitive::SrcAs),
                "sum_port" => Some(Primitive::SrcPort),
                "sum_mac" => Some(Primitive::SrcMac),
                "none" => None,
                t => Primitive::from_keyword(t),
            };
            if p.is_none() && tok != "none" && !custom.iter().any(|c| c.name == tok) {
                return fail(out, &format!("ERROR: unknown primitive '{tok}'\n"));
            }
            count.push((p, tok.to_string()));
        }
    }
    let matching = matches!(req.want, Want::Counter | Want::Match);
    if req.want == Want::None && !req.erase && !req.erase_tstamp && !req.lock && !req.reset {
        return usage_error(out, "ERROR: no options specified. Either -s, -e, -t, -M, -N or -C must be supplied. \n  Exiting...\n\n");
    }
    if matching
        && !count.iter().any(|(p, _)| p.is_some())
        && !count.iter().any(|(p, t)| p.is_none() && t != "none")
    {
        return usage_error(out, "ERROR: -N or -M selected but -c has not been specified or is invalid.\n  Exiting...\n\n");
    }
    if req.reset && !matching {
        return usage_error(
            out,
            "ERROR: -r selected but either -N or -M has not been specified.\n  Exiting...\n\n",
        );
    }
    let which = req.which.unwrap_or(Counter::Bytes);
    if (which != Counter::Bytes || req.sum) && req.want != Want::Counter {
        return usage_error(
            out,
            "ERROR: -n and -S options apply only to -N\n  Exiting...\n\n",
        );
    }
    if req.top.is_some() && !matches!(req.want, Want::Match | Want::Stats) {
        return usage_error(
            out,
            "ERROR: -T option apply only to -M or -s\n  Exiting...\n\n",
        );
    }
    let sep = match req.sep.as_deref() {
        None | Some("") => ",".to_string(),
        Some("\\t") => "\t".to_string(),
        Some("\\s") => " ".to_string(),
        Some(s) if s.len() == 1 => s.to_string(),
        Some(_) => {
            return fail(
                out,
                "ERROR: -E option expects a single char as separator\n  Exiting...\n\n",
            )
        }
    };
    // The query lines.
    let mut queries: Vec<Vec<Cond>> = Vec::new();
    if matching {
        let ms = req.match_string.as_deref().unwrap_or("");
        let trimmed = ms.trim_start();
        let lines: Vec<String> = if let Some(file) = trimmed.strip_prefix("file:") {
            match &req.file_lines {
                Some(l) => l
                    .iter()
                    .filter_map(|l| sanitize(l))
                    .take(super::proto::MAX_QUERIES)
                    .collect(),
                None => return fail(out, &format!("ERROR: file '{file}' not found\n")),
            }
        } else {
            ms.split(';')
                .filter(|s| !s.is_empty())
                .take(super::proto::MAX_QUERIES)
                .map(str::to_string)
                .collect()
        };
        for line in &lines {
            let mut conds = Vec::new();
            let mut toks = line.split(',');
            for (p, kw) in &count {
                let tok = toks.next();
                let Some(p) = p else {
                    if kw == "none" {
                        continue;
                    }
                    if tok == Some("*") {
                        continue;
                    }
                    return fail(
                        out,
                        "ERROR: -M and -N are not supported (yet) against custom primitives\n",
                    );
                };
                if *p == Primitive::Label && tok.is_some_and(|t| t != "*") {
                    return fail(out, "ERROR: -M and -N are not supported (yet) against variable-length primitives (ie. label)\n");
                }
                match tok {
                    Some("*") => conds.push((*p, None)),
                    Some(t) => match parse_token(*p, kw, t, req.num_protos) {
                        Ok(v) => conds.push((*p, Some(v))),
                        Err(e) => return fail(out, &e),
                    },
                    // Fewer values than primitives: the others match their empty value.
                    None => {
                        let mut v = Vec::new();
                        canon(
                            &value(*p, &Primitives::default(), &Extras::default()),
                            &mut v,
                        );
                        conds.push((*p, Some(v)));
                    }
                }
            }
            queries.push(conds);
        }
    }
    let style = Style {
        output: req.output,
        sep,
        num_protos: req.num_protos,
        ts: TimestampOptions {
            secs: false,
            since_epoch: req.since_epoch,
            utc: req.utc,
            rfc3339: true,
        },
    };
    execute(req, table, info, out, &aggregate, custom, &queries, &style)
}

/// Does entry `e` match every condition?
fn matches(e: &Entry, conds: &[Cond], scratch: &mut Vec<u8>) -> bool {
    let x = Extras {
        tcp_flags: e.tcp_flags,
        flows: e.flows,
        family: e.family,
        geo: e.geo,
    };
    conds.iter().all(|(p, want)| match want {
        None => true,
        Some(w) => {
            canon(&value(*p, &e.prims, &x), scratch);
            scratch == w
        }
    })
}

#[allow(clippy::too_many_arguments)]
fn execute(
    req: &Request,
    table: &Mutex<Table>,
    info: &ServerInfo,
    out: &mut dyn Write,
    aggregate: &Aggregate,
    custom: &'static [CustomCol],
    queries: &[Vec<Cond>],
    st: &Style,
) -> io::Result<Answer> {
    let mut snap = Snapshot::default();
    let mut scratch = Vec::new();
    let mut e = Entry {
        prims: Primitives::default(),
        custom: pmacct_flow::custom::CustomValues::EMPTY,
        packets: 0,
        bytes: 0,
        flows: 0,
        tcp_flags: 0,
        flow_type: Default::default(),
        family: 0,
        basetime: 0,
        timestamp_min: Default::default(),
        timestamp_max: Default::default(),
        geo: Default::default(),
    };
    let now = SystemTime::now();
    let mut buf: Vec<u8> = Vec::with_capacity(64 * 1024);
    buf.push(0);
    // Counters of -N: (packets, bytes, flows, matched) per query.
    let mut counters: Vec<(u64, u64, u64, u64)> = Vec::new();
    let mut last_erase = None;
    let mut buckets: Vec<u32> = Vec::new();
    {
        let mut t = table.lock().unwrap_or_else(|e| e.into_inner());
        let codec = t.codec().clone();
        match req.want {
            Want::Stats => t.collect_all(&mut snap),
            Want::Match => {
                // As 1.7.7: query by query, an entry once per query it matches; a reset
                // entry is not shown to the queries after the one that reset it.
                snap.rows.clear();
                for q in queries {
                    t.append(&mut snap, req.reset, |row, key| {
                        unpack_entry(&codec, row, key, &mut e) && matches(&e, q, &mut scratch)
                    });
                }
            }
            Want::Counter => {
                for q in queries {
                    let mut c = (0, 0, 0, 0);
                    t.collect(&mut snap, req.reset, |row, key| {
                        let m =
                            unpack_entry(&codec, row, key, &mut e) && matches(&e, q, &mut scratch);
                        if m {
                            c.0 += row.packets;
                            c.1 += row.bytes;
                            c.2 += row.flows;
                            c.3 += 1;
                        }
                        // Kept only to be reset (with -r), as 1.7.7 does query by query.
                        m && req.reset
                    });
                    counters.push(c);
                }
            }
            Want::Status => {
                let n = info.buckets.clamp(1, 1 << 24) as usize;
                buckets = vec![0; n];
                t.collect(&mut snap, false, |_, key| {
                    let h = pmacct_flow::index::hash_key(key) as usize % n;
                    buckets[h] += 1;
                    false
                });
            }
            _ => {}
        }
        if req.erase_tstamp {
            last_erase = Some(t.last_erase);
        }
        if req.erase {
            t.erase(now);
        }
    }
    // Rendering, off the lock, in the order of 1.7.7's client: a table, else the erase
    // acknowledgement, else the erase time, else the other answers.
    let want = match req.want {
        Want::Stats | Want::Match => req.want,
        _ if req.erase || req.erase_tstamp => Want::None,
        w => w,
    };
    match want {
        Want::Stats | Want::Match => {
            let all = req.all_fields;
            let flows = aggregate.contains(Primitive::Flows);
            let cols = columns(aggregate, all);
            let codec = table
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .codec()
                .clone();
            let mut rows: Vec<&Row> = snap.rows.iter().collect();
            if let Some((c, _)) = req.top {
                let key = |r: &Row| match c {
                    Counter::Packets => r.packets,
                    Counter::Flows => r.flows,
                    _ => r.bytes,
                };
                // 1.7.7's merge sort takes the right half on ties: equal counters come out
                // in the reverse of the order -s sends them.
                rows.reverse();
                rows.sort_by_key(|r| std::cmp::Reverse(key(r)));
            }
            let limit = match req.top {
                Some((_, n)) if n > 0 => n as usize,
                _ => usize::MAX,
            };
            let json = (st.output == Output::Json).then(|| {
                Encoder::new(
                    OutputFormat::Json,
                    aggregate,
                    EncoderOptions {
                        separator: ",".into(),
                        num_protos: st.num_protos,
                        timestamps: st.ts,
                        writer_id: None,
                        history: false,
                        stitching: false,
                        encodings: Default::default(),
                    },
                )
                .ok()
            });
            if st.output != Output::Json {
                write_header(&mut buf, &cols, custom, st, all, flows);
            }
            let mut n = 0usize;
            for row in rows.into_iter().take(limit) {
                if !unpack_entry(&codec, row, snap.key(row), &mut e) {
                    continue;
                }
                match &json {
                    Some(Some(enc)) => {
                        let start = buf.len();
                        enc.write_record(&mut buf, &e, 0);
                        strip_event_type(&mut buf, start);
                    }
                    Some(None) => {}
                    None => write_row(&mut buf, &cols, custom, &e, st, all, flows),
                }
                n += 1;
                if buf.len() >= 60 * 1024 {
                    out.write_all(&buf)?;
                    buf.clear();
                }
            }
            if st.output.is_formatted() {
                let _ = write!(buf, "\nFor a total of: {n} entries\n");
            }
        }
        Want::Counter => {
            let (mut tp, mut tb, mut tf, mut tn) = (0u64, 0u64, 0u64, 0u64);
            for (p, b, f, n) in &counters {
                if req.sum {
                    tp += p;
                    tb += b;
                    tf += f;
                    tn += n;
                } else {
                    write_counter(&mut buf, req.which.unwrap_or_default(), *p, *b, *f, *n);
                }
            }
            if req.sum {
                write_counter(&mut buf, req.which.unwrap_or_default(), tp, tb, tf, tn);
            }
        }
        Want::Status => {
            buf.extend_from_slice(b"* = element\n\nBUCKET\tCHAIN_STATUS\n");
            for (i, n) in buckets.iter().enumerate() {
                let _ = write!(buf, "{i}\t");
                buf.resize(buf.len() + *n as usize, b'*');
                buf.push(b'\n');
                if buf.len() >= 60 * 1024 {
                    out.write_all(&buf)?;
                    buf.clear();
                }
            }
        }
        Want::ClassTable => {
            buf.extend_from_slice(b"CLASS_ID\tCLASS_NAME\n\nFor a total of: 0 classifiers\n");
        }
        Want::None | Want::CustomTable => {
            if req.erase {
                buf.extend_from_slice(b"OK: Clearing stats.\n");
            } else if let Some(le) = last_erase {
                match le {
                    Some(t) => {
                        let secs = now.duration_since(t).map(|d| d.as_secs()).unwrap_or(0);
                        let _ = writeln!(buf, "{secs}");
                    }
                    None => buf.extend_from_slice(b"never\n"),
                }
            }
        }
    }
    out.write_all(&buf)?;
    Ok(Answer { status: 0 })
}

fn write_counter(buf: &mut Vec<u8>, which: Counter, p: u64, b: u64, f: u64, n: u64) {
    let _ = match which {
        Counter::Bytes => writeln!(buf, "{b}"),
        Counter::Packets => writeln!(buf, "{p}"),
        Counter::Flows => writeln!(buf, "{f}"),
        Counter::All => writeln!(buf, "{p} {b} {f} {n}"),
    };
}

/// The client's JSON has no `event_type`: drop the encoder's leading one.
fn strip_event_type(buf: &mut Vec<u8>, start: usize) {
    const P: &[u8] = b"{\"event_type\": \"purge\", ";
    if buf[start..].starts_with(P) {
        buf.drain(start + 1..start + P.len());
    }
}
