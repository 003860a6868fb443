//! The one table of pmacct 1.7.7 aggregation primitives.
//!
//! Every primitive is one row of [`table`]: its aggregate keyword(s) with their `-a` section
//! and description, JSON key, CSV/formatted header and widths, the [`Primitives`] field it
//! reads, how that field is rendered, and its SQL column per `sql_table_version`. The row
//! generates the [`Primitive`] enum, the metadata in [`PRIMITIVES`], the keyword parser, the
//! `-a` listing, the masking ([`mask`]), the cache key codec ([`KeyCodec`]) and the value every
//! encoder renders ([`value`]), so a primitive cannot be half-added.
//!
//! Three orders matter and differ in pmacct: the `-a` listing (each keyword's listing rank),
//! the print plugin's column order (row order) and `compose_json()`'s key order
//! ([`PrimInfo::json_rank`]).

use std::fmt;
use std::net::IpAddr;

use pmacct_wire::Timestamp;

use crate::custom::{self, CustomCol, CustomLayout, LookupError};
use crate::flow::Primitives;
use crate::index::{KeyBuf, KeyField, KeyReader};
use crate::rd::RouteDistinguisher;

mod codec;
mod doc;

pub use codec::{KeyCodec, GEO_PRIMITIVES};
pub use doc::markdown;

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

/// Sections of the `-a` listing, in pmacct's order; `Hidden` keywords are accepted, not listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    L2,
    L3,
    L4,
    BGP,
    NAT,
    TUNNEL,
    MPLS,
    MISC,
    TIME,
    Hidden,
}

impl Section {
    pub const LISTED: [Section; 9] = [
        Section::L2,
        Section::L3,
        Section::L4,
        Section::BGP,
        Section::NAT,
        Section::TUNNEL,
        Section::MPLS,
        Section::MISC,
        Section::TIME,
    ];
    pub fn title(self) -> &'static str {
        match self {
            Section::L2 => "L2",
            Section::L3 => "L3",
            Section::L4 => "L4",
            Section::BGP => "BGP",
            Section::NAT => "NAT",
            Section::TUNNEL => "TUNNEL",
            Section::MPLS => "MPLS",
            Section::MISC => "MISC",
            Section::TIME => "TIME",
            Section::Hidden => "",
        }
    }
}

/// One aggregate keyword of a primitive, as `-a` lists it.
#[derive(Debug, Clone, Copy)]
pub struct Keyword {
    pub name: &'static str,
    pub section: Section,
    /// Daemons whose `-a` lists it (`NF`/`SF`/`PM` bits).
    daemons: u8,
    /// Position in the `-a` listing (pmacct's primitives matrix order).
    pub list_rank: u8,
    pub desc: &'static str,
}

impl Keyword {
    pub fn listed_by(&self, d: Daemon) -> bool {
        self.section != Section::Hidden && self.daemons & d.bit() != 0
    }
}

/// SQL column type of a primitive (each SQL plugin maps it to its dialect, as pmacct's
/// schema scripts under /usr/share/doc/pmacct/sql do).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlType {
    /// mysql `INT(1) UNSIGNED`; pgsql has no unsigned types and widens (SMALLINT...).
    U8,
    U16,
    /// mysql `INT(4) UNSIGNED`, pgsql `BIGINT` (tags, ASNs, interfaces).
    U32,
    U64,
    /// An address: `CHAR(45)`, or binary with `sql_num_hosts`.
    Ip,
    /// `CHAR(17)`.
    Mac,
    /// `CHAR(n)`.
    Char(u8),
    /// Variable length (`label`): `VARCHAR(255)`.
    Text,
    /// Protocol: `CHAR(6)`, or an integer with `sql_num_protos`.
    Proto,
    Float,
    /// `DATETIME` plus a `<column>_residual` INT column (microseconds).
    DateTime,
}

/// How a row's field is turned into text; the variants carry the value of one record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Val {
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
    /// GeoIP country or postal code (NUL-terminated, pmacct's fixed buffer).
    Geo(crate::geo::Pocode),
    /// GeoIP coordinates: latitude, longitude (`*_host_coords`, two columns).
    Coords(f64, f64),
    /// tcp_flags: a number, but a JSON string.
    NumStr(u64),
    /// AS path / communities from BGP: printed with `_` for spaces in CSV (the print
    /// plugin's substitution), as is in JSON.
    Bgp(&'static str),
    /// fwd_status (1.7.8+): a number, a JSON string; a name with `fwd_status_encode_as_string`.
    FwdStatus(u8),
    /// mpls_label_stack (1.7.8+): `a_b` text; an array with `mpls_label_stack_encode_as_array`.
    LabelStack(crate::mpls::MplsLabelStack),
    /// srv6_seg_ipv6_list (1.7.9+): `0-<addr>,1-<addr>` text ([`crate::srv6`]), a JSON / Avro
    /// array of its items.
    Srv6List(&'static str),
}

/// What a cache entry adds beside its key, for the primitives rendered from it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Extras {
    pub tcp_flags: u8,
    pub flows: u64,
    /// Address family of the last flow accounted (peer_ip_dst rendering).
    pub family: u8,
    /// GeoIP values of the entry (`geoipv2_file` primitives).
    pub geo: crate::geo::GeoValues,
}

impl Val {
    /// The value of column `j` (0 or 1) of a two-column primitive (`*_host_coords`: lat,
    /// lon); the value itself for the others.
    pub fn part(&self, j: usize) -> Val {
        match *self {
            Val::Coords(lat, lon) => Val::Float(if j == 0 { lat } else { lon }),
            v => v,
        }
    }
}

/// Everything the encoders need to know about one primitive: its row of the table.
#[derive(Debug, Clone, Copy)]
pub struct PrimInfo {
    pub prim: Primitive,
    /// Aggregate keywords (the first is the canonical name).
    pub keywords: &'static [Keyword],
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
    /// The [`Primitives`] field it reads; empty when the flow model has none yet (the
    /// primitive renders pmacct's empty value and does not split the cache).
    pub field: &'static str,
    /// How the value is rendered (the [`Val`] variant's name, for the docs).
    pub render: &'static str,
    /// SQL column by `sql_table_version`: `(from_version, name)`, later entries win.
    pub sql_columns: &'static [(u8, &'static str)],
    /// Second SQL column (`*_host_coords`: lon).
    pub sql_column2: &'static str,
    pub sql_type: SqlType,
}

impl PrimInfo {
    /// The primitive's canonical aggregate keyword.
    pub fn name(&self) -> &'static str {
        self.keywords[0].name
    }
    /// Its SQL column in tables of `version` (`sql_table_version`).
    pub fn sql_column(&self, version: u8) -> &'static str {
        self.sql_columns
            .iter()
            .rev()
            .find(|(v, _)| *v <= version)
            .map_or("", |(_, c)| c)
    }
    /// True when the flow model carries a value for it.
    pub fn in_flow(&self) -> bool {
        !self.field.is_empty()
    }
}

/// Expands the rows of `table.rs` into the enum, the metadata table and the per-primitive
/// functions (keyword, copy, key pack/unpack, value). A row must name a field and a rendering
/// that fit each other, or it does not compile.
macro_rules! primitive_table {
    ( $(
        $(#[$doc:meta])*
        $v:ident {
            keywords: [ $( ($kw:literal, $sec:ident, $dm:expr, $lr:literal, $desc:literal) ),+ $(,)? ],
            json: $json:literal $(/ $json2:literal)?, json_rank: $jr:literal,
            header: $hdr:literal $(/ $hdr2:literal)?, fmt: $fmt:tt,
            field: $field:tt, render: $render:ident,
            sql: [ $( ($sv:literal, $scol:literal) ),+ ] $(+ $scol2:literal)?,
            sql_type: $sty:ident $( ($n:literal) )?,
        }
    ),+ $(,)? ) => {
        /// One aggregation primitive. Variants are declared in the print plugin's column
        /// order (`P_write_stats_header_csv()`), so `as u8` is the CSV/formatted rank.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        pub enum Primitive { $( $(#[$doc])* $v, )+ }

        /// Indexed by `Primitive as usize`.
        pub static PRIMITIVES: &[PrimInfo] = &[ $(
            PrimInfo {
                prim: Primitive::$v,
                keywords: &[ $( Keyword {
                    name: $kw,
                    section: Section::$sec,
                    daemons: $dm,
                    list_rank: $lr,
                    desc: $desc,
                } ),+ ],
                json_key: $json,
                json_key2: primitive_table!(@opt $($json2)?),
                header: $hdr,
                header2: primitive_table!(@opt $($hdr2)?),
                fmt_header_width: primitive_table!(@fmt $fmt).0,
                fmt_pad: primitive_table!(@fmt $fmt).1,
                fmt_trail: primitive_table!(@fmt $fmt).2,
                json_rank: $jr,
                vlen: primitive_table!(@fmt $fmt).3,
                field: primitive_table!(@name $field),
                render: stringify!($render),
                sql_columns: &[ $( ($sv, $scol) ),+ ],
                sql_column2: primitive_table!(@opt $($scol2)?),
                sql_type: SqlType::$sty $( ($n) )?,
            },
        )+ ];

        /// The primitive an aggregate keyword names (lower case), if any.
        pub(crate) fn keyword_primitive(name: &str) -> Option<Primitive> {
            match name {
                $( $( $kw )|+ => Some(Primitive::$v), )+
                _ => None,
            }
        }

        /// Copy `prim`'s field from `src` to `dst` (the masking of one aggregated column).
        #[inline]
        pub(crate) fn copy_field(prim: Primitive, src: &Primitives, dst: &mut Primitives) {
            match prim { $( Primitive::$v => primitive_table!(@copy src dst $field), )+ }
        }

        /// Append `prim`'s field of `p` to a cache key.
        ///
        /// Never inlined: inlined into the key's loop over its fields, the compiler loaded
        /// every field any arm reads before the loop (all nine cache lines of a flow the
        /// worker wrote on another core, for the two or three the key needs).
        #[inline(never)]
        pub(crate) fn pack_field(prim: Primitive, p: &Primitives, k: &mut KeyBuf) {
            match prim { $( Primitive::$v => primitive_table!(@pack p k $field), )+ }
        }

        /// Where `prim`'s field lies in [`Primitives`], `(offset, length)`, when its key bytes
        /// are its bytes in memory ([`KeyField::RAW`]).
        pub(crate) fn raw_span(prim: Primitive) -> Option<(usize, usize)> {
            let d = Primitives::default();
            match prim { $( Primitive::$v => primitive_table!(@span d $field), )+ }
        }

        /// Where `prim`'s field lies in [`Primitives`], `(offset, length)`, whatever its type
        /// (None: the flow model has no field for it).
        pub(crate) fn field_span(prim: Primitive) -> Option<(usize, usize)> {
            let d = Primitives::default();
            match prim { $( Primitive::$v => primitive_table!(@fspan d $field), )+ }
        }

        /// Read `prim`'s field back from a cache key into `p`.
        #[inline]
        pub(crate) fn unpack_field(prim: Primitive, r: &mut KeyReader<'_>, p: &mut Primitives) -> Option<()> {
            match prim { $( Primitive::$v => primitive_table!(@unpack r p $field), )+ }
            Some(())
        }

        /// The value of `prim` in a record whose key is `k`.
        pub fn value(prim: Primitive, k: &Primitives, x: &Extras) -> Val {
            match prim { $( Primitive::$v => primitive_table!(@val k x $render $field), )+ }
        }

        /// Set `prim`'s field of `p` to a value that is not its default (tests, fuzzing and
        /// debug builds' poisoned slots: see `FlowBatch::push_lead`).
        pub(crate) fn poke_field(prim: Primitive, p: &mut Primitives) {
            match prim { $( Primitive::$v => primitive_table!(@poke p $field), )+ }
        }
    };

    (@opt) => { "" };
    (@opt $s:literal) => { $s };
    (@fmt vlen) => { (0u8, 0u8, 0u8, true) };
    (@fmt ($hw:literal, $pad:literal, $tr:literal)) => { ($hw, $pad, $tr, false) };
    (@name -) => { "" };
    (@name $f:ident) => { stringify!($f) };

    (@copy $s:ident $d:ident -) => { {} };
    (@copy $s:ident $d:ident $f:ident) => { $d.$f = $s.$f };
    (@pack $p:ident $k:ident -) => { {} };
    (@pack $p:ident $k:ident $f:ident) => { KeyField::pack(&$p.$f, $k) };
    (@fspan $d:ident -) => { None };
    (@fspan $d:ident $f:ident) => {
        Some((std::mem::offset_of!(Primitives, $f), std::mem::size_of_val(&$d.$f)))
    };
    (@span $d:ident -) => { None };
    (@span $d:ident $f:ident) => { span_of(&$d.$f, std::mem::offset_of!(Primitives, $f)) };
    (@unpack $r:ident $p:ident -) => { {} };
    (@unpack $r:ident $p:ident $f:ident) => { $p.$f = KeyField::unpack($r)? };
    (@poke $p:ident -) => { {} };
    (@poke $p:ident $f:ident) => { $p.$f = KeyField::sample() };

    (@val $k:ident $x:ident Num $f:ident) => { Val::Num(u64::from($k.$f)) };
    (@val $k:ident $x:ident Hex $f:ident) => { Val::Hex($k.$f) };
    (@val $k:ident $x:ident Char $f:ident) => { Val::Char($k.$f) };
    // RPKI status letter; 0 (never set) is `u`, unknown.
    (@val $k:ident $x:ident Roa $f:ident) => { Val::Char(if $k.$f == 0 { b'u' } else { $k.$f }) };
    (@val $k:ident $x:ident Proto $f:ident) => { Val::Proto($k.$f) };
    (@val $k:ident $x:ident Ip $f:ident) => { Val::Ip($k.$f) };
    (@val $k:ident $x:ident IpInFamily $f:ident) => { Val::IpInFamily($k.$f, $x.family) };
    (@val $k:ident $x:ident Mac $f:ident) => { Val::Mac($k.$f) };
    (@val $k:ident $x:ident Rd $f:ident) => { Val::Rd($k.$f) };
    (@val $k:ident $x:ident Ts $f:ident) => { Val::Ts($k.$f) };
    (@val $k:ident $x:ident Label $f:ident) => { Val::Str(crate::label::resolve($k.$f)) };
    (@val $k:ident $x:ident Bgp $f:ident) => { Val::Bgp(crate::label::resolve($k.$f)) };
    (@val $k:ident $x:ident FwdStatus $f:ident) => { Val::FwdStatus($k.$f) };
    (@val $k:ident $x:ident LabelStack $f:ident) => { Val::LabelStack($k.$f) };
    (@val $k:ident $x:ident Srv6List $f:ident) => { Val::Srv6List(crate::label::resolve($k.$f)) };
    // ORed per entry like tcp_flags; the cache puts the entry's value in the primitives.
    (@val $k:ident $x:ident TunnelTcpFlags -) => { Val::NumStr(u64::from($k.tunnel_tcp_flags)) };
    // Primitives the flow model does not carry yet render pmacct's empty values.
    (@val $k:ident $x:ident Class -) => { Val::Str("unknown") };
    (@val $k:ident $x:ident Empty -) => { Val::Str("") };
    (@val $k:ident $x:ident Coord -) => { Val::Float(0.0) };
    // GeoIP values: looked up by the plugin, beside the flow ([`crate::geo`]).
    (@val $k:ident $x:ident SrcCountry -) => { Val::Geo(crate::geo::Pocode::new_from(&$x.geo.src.country)) };
    (@val $k:ident $x:ident DstCountry -) => { Val::Geo(crate::geo::Pocode::new_from(&$x.geo.dst.country)) };
    (@val $k:ident $x:ident SrcPocode -) => { Val::Geo($x.geo.src.pocode) };
    (@val $k:ident $x:ident DstPocode -) => { Val::Geo($x.geo.dst.pocode) };
    (@val $k:ident $x:ident SrcCoords -) => { Val::Coords($x.geo.src.lat(), $x.geo.src.lon()) };
    (@val $k:ident $x:ident DstCoords -) => { Val::Coords($x.geo.dst.lat(), $x.geo.dst.lon()) };
    // Rendered from the entry's counters, not from its key.
    (@val $k:ident $x:ident TcpFlags -) => { Val::NumStr(u64::from($x.tcp_flags)) };
    (@val $k:ident $x:ident Flows -) => { Val::Num($x.flows) };
}

mod table;
use table::{copy_field, field_span, keyword_primitive, poke_field};
pub(crate) use table::{pack_field, raw_span, unpack_field};

/// `(offset, length)` of a field of [`Primitives`] at `offset` when its type's key bytes are
/// its memory bytes (little-endian machines only: keys are little-endian).
fn span_of<T: KeyField>(_: &T, offset: usize) -> Option<(usize, usize)> {
    (T::RAW && cfg!(target_endian = "little")).then_some((offset, std::mem::size_of::<T>()))
}
pub use table::{value, Primitive, PRIMITIVES};

/// Number of [`Primitive`] variants.
pub const NUM_PRIMITIVES: usize = Primitive::Flows as usize + 1;

/// Primitives the flow model has no field for (yet): a row with `field: -` must be listed
/// here, so that a new primitive cannot silently skip its extraction, mask and key.
pub const NOT_IN_FLOW_MODEL: &[Primitive] = &[
    Primitive::Class,
    Primitive::TcpFlags,
    Primitive::SrcHostCountry,
    Primitive::DstHostCountry,
    Primitive::SrcHostPocode,
    Primitive::DstHostPocode,
    Primitive::SrcHostCoords,
    Primitive::DstHostCoords,
    Primitive::Flows,
    Primitive::TunnelTcpFlags,
];

/// Primitives pmacct's print plugin has no CSV column for (1.7.9's srv6_seg_ipv6_list:
/// JSON and Avro only; formatted output refuses it as variable-length).
pub const NOT_IN_CSV: &[Primitive] = &[Primitive::Srv6SegIpv6List];

impl Primitive {
    pub fn info(self) -> &'static PrimInfo {
        &PRIMITIVES[self as usize]
    }
    /// All primitives in print (CSV/formatted column) order.
    pub fn all() -> impl Iterator<Item = Primitive> {
        PRIMITIVES.iter().map(|i| i.prim)
    }
    /// A primitive pmacct 1.7.7 does not have (1.7.8 and later).
    pub fn since_1_8(self) -> bool {
        matches!(
            self,
            Primitive::FwdStatus
                | Primitive::MplsLabelStack
                | Primitive::VrfName
                | Primitive::Srv6SegIpv6List
                | Primitive::TunnelFlowLabel
                | Primitive::TunnelTcpFlags
                | Primitive::Nvgre
                | Primitive::FlowLabel
        )
    }

    /// The primitive named by an aggregate keyword (any case), if any.
    pub fn from_keyword(name: &str) -> Option<Primitive> {
        keyword_primitive(&name.to_ascii_lowercase())
    }
}

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
enum Word {
    Prim(Primitive),
    Sum(SumMode),
    None,
}

/// Aggregate keywords pmacct 1.7.7 accepts (`cfg_key_aggregate()`), lower case: the table's
/// keywords plus the `sum_*` modes and `none`.
fn keyword(name: &str) -> Option<Word> {
    Some(match name {
        "sum" | "sum_host" => Word::Sum(SumMode::Host),
        "sum_net" => Word::Sum(SumMode::Net),
        "sum_as" => Word::Sum(SumMode::As),
        "sum_port" => Word::Sum(SumMode::Port),
        "sum_mac" => Word::Sum(SumMode::Mac),
        "none" => Word::None,
        _ => Word::Prim(keyword_primitive(name)?),
    })
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
            a.insert(*p);
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
                // A custom primitive named like a pmacct 1.8 one wins: 1.7.7-1.7.9 know
                // only the custom one, and configs written for them (pmacct-test-automation's
                // vrf_name) expect it under custom_primitives.
                let word = keyword(&name);
                if let Some(Word::Prim(p)) = word {
                    if p.since_1_8() {
                        if let Ok(c) = custom::lookup(&name) {
                            if custom_cols.iter().any(|x| x.name == c.name) {
                                return Err(AggregateError::Repeated(name));
                            }
                            custom_cols.push(c);
                            continue;
                        }
                    }
                }
                match word {
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
                    Some(Word::None) => {
                        if seen_none {
                            return Err(AggregateError::Repeated(name));
                        }
                        seen_none = true;
                    }
                    Some(Word::Sum(m)) => {
                        if a.sum.is_some() {
                            return Err(AggregateError::Repeated(name));
                        }
                        a.sum = Some(m);
                    }
                    Some(Word::Prim(p)) => {
                        if a.contains(p) {
                            return Err(AggregateError::Repeated(name));
                        }
                        a.insert(p);
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

    /// True when accounting a flow under this aggregate reads no primitive past the lead of
    /// [`Primitives`] ([`crate::flow::LEAD_END`]): every aggregated field, and a `sum_*`
    /// aggregate's destination side too, lies there (custom and GeoIP values are read
    /// beside the flow or from its addresses, which are in the lead).
    pub fn reads_lead_only(&self) -> bool {
        let sum_dst = self.sum.map(|m| match m {
            SumMode::Host => Primitive::DstHost,
            SumMode::Net => Primitive::DstNet,
            SumMode::As => Primitive::DstAs,
            SumMode::Port => Primitive::DstPort,
            SumMode::Mac => Primitive::DstMac,
        });
        self.columns().chain(sum_dst).all(in_lead)
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

/// The aggregation key of `p` under `agg`: unaggregated fields reset to their defaults
/// (custom primitive values are beside the flow: see `KeyCodec`).
/// (The family is not part of the key: pmacct keeps the flow type outside the compared
/// primitives and overwrites it on every hit.)
pub fn mask(p: &Primitives, agg: &Aggregate) -> Primitives {
    let mut k = Primitives::default();
    for c in agg.columns() {
        copy_field(c, p, &mut k);
    }
    k
}

/// True when `prim`'s field lies in the lead of [`Primitives`] ([`crate::flow::LEAD_END`]),
/// or the flow model has no field for it (nothing to read).
pub fn in_lead(prim: Primitive) -> bool {
    field_span(prim).is_none_or(|(off, len)| off + len <= crate::flow::LEAD_END)
}

/// Primitives whose every field holds a sample value, not its default: what a batch slot
/// whose lead alone is written holds first in debug builds (`FlowBatch::push_lead`).
pub(crate) fn poisoned() -> Primitives {
    let mut p = Primitives::default();
    for prim in Primitive::all() {
        poke_field(prim, &mut p);
    }
    p.family = 0x2A;
    p.tunnel_tcp_flags = 0x2A;
    p
}

/// The keys a `sum_*` aggregate accounts one flow under: the source side and the
/// destination side, each reported in the source column (pmacct's `P_sum_*_insert`).
pub fn sum_keys(p: &Primitives, mode: SumMode) -> [Primitives; 2] {
    let mut a = Primitives::default();
    let mut b = a;
    match mode {
        SumMode::Host => {
            a.src_ip = p.src_ip;
            b.src_ip = p.dst_ip;
        }
        SumMode::Net => {
            a.src_net = p.src_net;
            b.src_net = p.dst_net;
        }
        SumMode::As => {
            a.src_as = p.src_as;
            b.src_as = p.dst_as;
        }
        SumMode::Port => {
            a.src_port = p.src_port;
            b.src_port = p.dst_port;
        }
        SumMode::Mac => {
            a.src_mac = p.src_mac;
            b.src_mac = p.dst_mac;
        }
    }
    [a, b]
}

/// The `-a` output of `daemon`, byte for byte as pmacct 1.7.7 prints it.
pub fn list_primitives(daemon: Daemon) -> String {
    let mut out = format!(
        "{} {} ({})\n",
        daemon.banner(),
        PMACCT_VERSION,
        PMACCT_BUILD
    );
    let mut listed: Vec<&Keyword> = PRIMITIVES
        .iter()
        .flat_map(|i| i.keywords.iter())
        .filter(|k| k.listed_by(daemon))
        .collect();
    listed.sort_by_key(|k| k.list_rank);
    // Section titles are printed for every daemon, even when none of their entries apply.
    for section in Section::LISTED {
        out.push('\n');
        out.push_str(section.title());
        out.push('\n');
        for k in listed.iter().filter(|k| k.section == section) {
            out.push_str(&format!("{:<32} : {:<64}\n", k.name, k.desc));
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
mod tests;
