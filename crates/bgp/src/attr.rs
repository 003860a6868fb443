//! Owned, interned path attributes and their text as pmacct 1.7.7 renders it.
//!
//! A full table is ~1M prefixes per peer sharing some 100k distinct attribute sets: each
//! distinct AS path, community set and attribute set is stored once ([`Interner`]) and
//! routes hold an `Arc`. Two peers announcing the same attributes share them too (the
//! interner is the speaker's, not a peer's). The text every output prints is rendered once,
//! at interning, and kept as a [`LabelId`] of the flow model's string table: enriching a
//! flow copies a u32, it neither formats nor allocates.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::hash::Hash;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use pmacct_flow::label::{self, LabelId};

use crate::msg::{self, Attrs, UpdateError};

pub const AS_SET: u8 = 1;
pub const AS_SEQUENCE: u8 = 2;
pub const AS_CONFED_SEQUENCE: u8 = 3;
pub const AS_CONFED_SET: u8 = 4;

/// Bounds on what one attribute may expand to (a 4096-byte message cannot exceed them; they
/// keep a lying length from growing a vector).
const MAX_ASNS: usize = 2048;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Segment {
    pub kind: u8,
    pub asns: Vec<u32>,
}

/// Decode AS_PATH / AS4_PATH segments as 1.7.7 does (`assegments_parse`): empty value, odd
/// length, an empty segment or an overrun make the whole path absent
/// ([`UpdateError::AsPath`], attribute discarded). Sets sorted and deduplicated, adjacent
/// sequences merged (`assegment_normalise`).
pub fn decode_as_path(v: &[u8], four: bool) -> Result<Vec<Segment>, UpdateError> {
    if v.is_empty() {
        return Ok(Vec::new());
    }
    if !v.len().is_multiple_of(2) {
        return Err(UpdateError::AsPath);
    }
    let w = if four { 4 } else { 2 };
    let mut segs: Vec<Segment> = Vec::new();
    let mut rest = v;
    let mut total = 0usize;
    while !rest.is_empty() {
        if rest.len() < 2 {
            return Err(UpdateError::AsPath);
        }
        let kind = rest[0];
        let n = rest[1] as usize;
        let body = rest.get(2..2 + n * w).ok_or(UpdateError::AsPath)?;
        if n == 0 {
            return Err(UpdateError::AsPath);
        }
        total += n;
        if total > MAX_ASNS {
            return Err(UpdateError::AsPath);
        }
        let mut asns: Vec<u32> = body
            .chunks_exact(w)
            .map(|c| {
                if four {
                    u32::from_be_bytes([c[0], c[1], c[2], c[3]])
                } else {
                    u32::from(u16::from_be_bytes([c[0], c[1]]))
                }
            })
            .collect();
        rest = &rest[2 + n * w..];
        if kind == AS_SET || kind == AS_CONFED_SET {
            asns.sort_unstable();
            asns.dedup();
        }
        match segs.last_mut() {
            Some(last) if last.kind == AS_SEQUENCE && kind == AS_SEQUENCE => {
                last.asns.extend_from_slice(&asns)
            }
            _ => segs.push(Segment { kind, asns }),
        }
    }
    Ok(segs)
}

fn hops(segs: &[Segment]) -> usize {
    segs.iter()
        .map(|s| match s.kind {
            AS_SEQUENCE => s.asns.len(),
            AS_SET => 1,
            _ => 0,
        })
        .sum()
}

/// AS_PATH and AS4_PATH of a 2-byte peer merged (RFC 6793 4.2.3, `aspath_reconcile_as4`):
/// the leading hops of AS_PATH that AS4_PATH does not cover, then AS4_PATH.
pub fn reconcile_as4(path: Vec<Segment>, as4: Vec<Segment>) -> Vec<Segment> {
    let (h, h4) = (hops(&path), hops(&as4));
    if h < h4 || as4.is_empty() {
        return path;
    }
    let mut keep = h - h4;
    let mut out: Vec<Segment> = Vec::new();
    for s in path {
        if keep == 0 {
            break;
        }
        match s.kind {
            AS_SEQUENCE => {
                let n = s.asns.len().min(keep);
                keep -= n;
                out.push(Segment {
                    kind: s.kind,
                    asns: s.asns[..n].to_vec(),
                });
            }
            AS_SET => {
                keep -= 1;
                out.push(s);
            }
            _ => out.push(s),
        }
    }
    for s in as4 {
        match (out.last_mut(), s.kind) {
            (Some(last), AS_SEQUENCE) if last.kind == AS_SEQUENCE => last.asns.extend(s.asns),
            _ => out.push(s),
        }
    }
    out
}

/// An interned AS path with what flows need from it.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct AsPath {
    pub segments: Vec<Segment>,
    /// `aspath_make_str_count()` text: sequences space-separated, `{a,b}` sets, `(a b)`
    /// confederation sequences, `[a,b]` confederation sets; empty for an unknown segment type.
    pub text: Box<str>,
    /// The text's id, after `bgp_aspath_radius`.
    pub label: LabelId,
    /// Last ASN printed (`evaluate_last_asn`: origin AS, the largest of a trailing set).
    pub last_as: u32,
    /// First ASN of the text (`evaluate_first_asn`, with `bgp_peer_as_skip_subas` as
    /// configured: [`RenderOptions::peer_as_skip_subas`]).
    pub first_as: u32,
}

/// How 1.7.7 renders an AS path, and its last ASN.
pub fn as_path_text(segs: &[Segment]) -> (String, u32) {
    let mut s = String::new();
    let mut last = 0;
    for (i, seg) in segs.iter().enumerate() {
        let (open, close, sep) = match seg.kind {
            AS_SEQUENCE => ("", "", ' '),
            AS_SET => ("{", "}", ','),
            AS_CONFED_SEQUENCE => ("(", ")", ' '),
            AS_CONFED_SET => ("[", "]", ','),
            _ => return (String::new(), last),
        };
        s.push_str(open);
        for (j, a) in seg.asns.iter().enumerate() {
            if j > 0 {
                s.push(sep);
            }
            let _ = write!(s, "{a}");
            last = *a;
        }
        s.push_str(close);
        if i + 1 < segs.len() {
            s.push(' ');
        }
    }
    (s, last)
}

/// `evaluate_first_asn()` of a rendered path: the number the text starts with (a leading
/// `(` skipped), 0 when it starts with a set.
pub fn first_asn(text: &str) -> u32 {
    let t = text.strip_prefix('(').unwrap_or(text);
    let end = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    t[..end]
        .parse::<u64>()
        .map_or(0, |v| v.min(u64::from(u32::MAX)) as u32)
}

/// Leading decimal digits of `s` after optional whitespace and `+` (C's `strtoul`/`atoi`
/// as 1.7.7 applies them to AS numbers and community values), cut to 32 bits.
fn c_number(s: &[u8]) -> u32 {
    let mut i = 0;
    while s.get(i).is_some_and(|b| b.is_ascii_whitespace()) {
        i += 1;
    }
    if s.get(i) == Some(&b'+') {
        i += 1;
    }
    let mut v: u64 = 0;
    while let Some(d) = s.get(i).filter(|b| b.is_ascii_digit()) {
        v = v.saturating_mul(10).saturating_add(u64::from(d - b'0'));
        i += 1;
    }
    v.min(u64::from(u32::MAX)) as u32
}

/// `evaluate_first_asn()` with `bgp_peer_as_skip_subas` (1.7.7's walk, quirks included):
/// when the text starts with a confederation sequence `(`, the walk moves on token by token
/// while the token it stands on opens one; the ASN where it stops wins unless it is 0 (or a
/// sub-AS itself), then the first one does. The walk ends: every step moves forward.
pub fn first_asn_skip_subas(text: &str) -> u32 {
    let src = text.as_bytes();
    let len = src.len();
    let (mut start, mut iteration, mut real_first) = (0usize, 0u32, 0u32);
    loop {
        let mut idx = start;
        while idx < len && src[idx] != b' ' && src[idx] != b')' {
            idx += 1;
        }
        let sub_as = src.get(start) == Some(&b'(');
        let from = if sub_as { start + 1 } else { start };
        let asn = c_number(src.get(from..idx).unwrap_or(&[]));
        if sub_as {
            while idx < len && (src[idx] == b' ' || src[idx] == b')') {
                idx += 1;
            }
            // 1.7.7 stops only when the scan ends on the text's last byte.
            if idx + 1 != len && idx > start {
                start = idx;
                if iteration == 0 {
                    real_first = asn;
                }
                iteration += 1;
                continue;
            }
        }
        return if real_first != 0 && (asn == 0 || sub_as) {
            real_first
        } else {
            asn
        };
    }
}

/// `bgp_stdcomm_pattern_to_asn` / `bgp_lrgcomm_pattern_to_asn`: the communities the patterns
/// keep (as `bgp_*comm_pattern` filters them), then 1.7.7's `copy_*comm_to_asn()` on that
/// text: the number before the first `:` (a neighbour AS: `peer_*_as`) and the one after it
/// (an origin AS: `src_as`/`dst_as`). None when no pattern is set or nothing with a `:` is
/// kept.
pub fn comm_to_asn(text: &str, patterns: &[String], large: bool) -> Option<(u32, u32)> {
    if patterns.is_empty() {
        return None;
    }
    let kept = filter_communities(text, patterns);
    let colon = kept.find(':')?;
    // The standard form also cuts at a ',' (never in the rendered text); both parse up to
    // the first non-digit.
    let head = &kept[..colon];
    let head = if large {
        head
    } else {
        head.split(',').next().unwrap_or("")
    };
    Some((
        c_number(head.as_bytes()),
        c_number(&kept.as_bytes()[colon + 1..]),
    ))
}

/// `evaluate_bgp_aspath_radius()`: the path cut before its `radius`-th space.
pub fn apply_radius(text: &str, radius: u32) -> &str {
    if radius == 0 {
        return text;
    }
    let mut count = 0;
    for (i, b) in text.bytes().enumerate() {
        if b == b' ' {
            count += 1;
            if count == radius {
                return &text[..i];
            }
        }
    }
    text
}

/// A community-like set, interned, with its rendered text.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct CommSet<T> {
    pub values: Vec<T>,
    pub text: Box<str>,
    /// Text after `bgp_*comm_pattern` filtering.
    pub label: LabelId,
    /// `bgp_*comm_pattern_to_asn` of the set: (neighbour AS, origin AS), see [`comm_to_asn`].
    pub to_asn: Option<(u32, u32)>,
}

/// Standard communities: sorted, unique (`community_uniq_sort`). Length not a multiple of 4:
/// attribute discarded.
pub fn decode_communities(v: &[u8]) -> Result<Vec<u32>, UpdateError> {
    if !v.len().is_multiple_of(4) {
        return Err(UpdateError::CommunityLen);
    }
    let mut c: Vec<u32> = v
        .chunks_exact(4)
        .map(|x| u32::from_be_bytes([x[0], x[1], x[2], x[3]]))
        .collect();
    c.sort_unstable();
    c.dedup();
    Ok(c)
}

/// `community_com2str()`.
pub fn communities_text(c: &[u32]) -> String {
    let mut s = String::new();
    for (i, v) in c.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        match *v {
            0 => s.push_str("internet"),
            0xFFFF_FF01 => s.push_str("no-export"),
            0xFFFF_FF02 => s.push_str("no-advertise"),
            0xFFFF_FF03 => s.push_str("local-AS"),
            v => {
                let _ = write!(s, "{}:{}", v >> 16, v & 0xffff);
            }
        }
    }
    s
}

/// Extended communities: sorted by bytes, unique. Length not a multiple of 8: discarded.
pub fn decode_ext_communities(v: &[u8]) -> Result<Vec<[u8; 8]>, UpdateError> {
    if !v.len().is_multiple_of(8) {
        return Err(UpdateError::CommunityLen);
    }
    let mut c: Vec<[u8; 8]> = v
        .chunks_exact(8)
        .map(|x| {
            let mut a = [0u8; 8];
            a.copy_from_slice(x);
            a
        })
        .collect();
    c.sort_unstable();
    c.dedup();
    Ok(c)
}

/// `ecommunity_ecom2str(.., ECOMMUNITY_FORMAT_DISPLAY)`: route targets `RT:`, site of origin
/// `SoO:`, for 2-byte AS, IPv4 and 4-byte AS encodings; anything else `?`.
pub fn ext_communities_text(c: &[[u8; 8]]) -> String {
    let mut s = String::new();
    for (i, e) in c.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        let enc = e[0];
        let ty = e[1];
        if !matches!(enc, 0..=2) || !matches!(ty, 2 | 3) {
            s.push('?');
            continue;
        }
        let p = if ty == 2 { "RT:" } else { "SoO:" };
        let _ = match enc {
            0 => write!(
                s,
                "{p}{}:{}",
                u16::from_be_bytes([e[2], e[3]]),
                u32::from_be_bytes([e[4], e[5], e[6], e[7]])
            ),
            1 => write!(
                s,
                "{p}{}:{}",
                Ipv4Addr::new(e[2], e[3], e[4], e[5]),
                u16::from_be_bytes([e[6], e[7]])
            ),
            _ => write!(
                s,
                "{p}{}:{}",
                u32::from_be_bytes([e[2], e[3], e[4], e[5]]),
                u16::from_be_bytes([e[6], e[7]])
            ),
        };
    }
    s
}

/// Large communities: sorted, unique. Length not a multiple of 12: discarded.
pub fn decode_large_communities(v: &[u8]) -> Result<Vec<[u32; 3]>, UpdateError> {
    if !v.len().is_multiple_of(12) {
        return Err(UpdateError::CommunityLen);
    }
    let be = |x: &[u8]| u32::from_be_bytes([x[0], x[1], x[2], x[3]]);
    let mut c: Vec<[u32; 3]> = v
        .chunks_exact(12)
        .map(|x| [be(&x[0..4]), be(&x[4..8]), be(&x[8..12])])
        .collect();
    c.sort_unstable();
    c.dedup();
    Ok(c)
}

pub fn large_communities_text(c: &[[u32; 3]]) -> String {
    let mut s = String::new();
    for (i, l) in c.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        let _ = write!(s, "{}:{}:{}", l[0], l[1], l[2]);
    }
    s
}

/// `evaluate_comm_patterns()`: for each pattern in order, every occurrence in `text` of the
/// pattern's head (up to its first `.`) is found left to right and the text from there to
/// the end of that community is kept (so a head found inside a community keeps its tail, as
/// 1.7.7 does). A pattern with `.` wildcards also needs that tail to have the pattern's
/// length and match it with `.` as any character; the first tail that does not ends the
/// search for that pattern. Kept pieces are space-separated.
pub fn filter_communities(text: &str, patterns: &[String]) -> String {
    let mut out = String::new();
    for p in patterns {
        let (head, wild) = match p.find('.') {
            Some(i) => (&p[..i], true),
            None => (p.as_str(), false),
        };
        let mut from = 0;
        while let Some(off) = text.get(from..).and_then(|h| h.find(head)) {
            let start = from + off;
            let end = text[start..].find(' ').map_or(text.len(), |e| start + e);
            let piece = &text[start..end];
            // An empty piece cannot advance (1.7.7 would spin on an empty pattern).
            if piece.is_empty() {
                break;
            }
            if wild
                && (piece.len() != p.len()
                    || !piece
                        .bytes()
                        .zip(p.bytes())
                        .all(|(a, b)| b == b'.' || a == b))
            {
                break;
            }
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(piece);
            from = end;
        }
    }
    out
}

/// `bgp_*comm_pattern` values: comma-separated, each trimmed (`load_comm_patterns()`).
pub fn parse_patterns(v: &str) -> Vec<String> {
    v.split(',')
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .take(16)
        .collect()
}

fn keep<T>(discarded: &mut Vec<UpdateError>, r: Result<T, UpdateError>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(e) => {
            discarded.push(e);
            None
        }
    }
}

/// One route's attributes, interned.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct PathAttrs {
    pub origin: u8,
    pub as_path: Option<Arc<AsPath>>,
    pub communities: Option<Arc<CommSet<u32>>>,
    pub ext_communities: Option<Arc<CommSet<[u8; 8]>>>,
    pub large_communities: Option<Arc<CommSet<[u32; 3]>>>,
    /// 0 when absent, as 1.7.7 prints it in flows.
    pub local_pref: u32,
    pub med: u32,
    /// Whether LOCAL_PREF / MED were present (msglog and dumps print them only then).
    pub has_local_pref: bool,
    pub has_med: bool,
    /// BGP next hop: MP_REACH's for MP routes, NEXT_HOP's otherwise.
    pub next_hop: Option<IpAddr>,
    /// What a flow lookup copies out, computed once here ([`FlowAttrs::of`]) so a lookup
    /// reads this allocation only, not the AS path's and each community set's.
    pub flow: FlowAttrs,
}

/// The per-flow values of a route's attributes (labels and derived ASNs).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct FlowAttrs {
    pub as_path: LabelId,
    pub std_comm: LabelId,
    pub ext_comm: LabelId,
    pub lrg_comm: LabelId,
    /// `evaluate_last_asn` (origin AS) and `evaluate_first_asn` (neighbour AS); when 0 and
    /// the route has an AS path, the `bgp_*comm_pattern_to_asn` ASN of its standard, then
    /// large communities, as 1.7.7's handlers fall back to it.
    pub last_as: u32,
    pub first_as: u32,
    /// The `bgp_*comm_pattern_to_asn` neighbour AS alone (0 without one), what 1.7.7's
    /// `bgp_peer_src_as_frommap_handler` falls back on whether or not there is a path.
    pub comm_peer_as: u32,
    /// The route has an AS_PATH attribute (1.7.7 fills `peer_*_as` only then).
    pub has_as_path: bool,
}

impl FlowAttrs {
    pub fn of(
        as_path: Option<&AsPath>,
        communities: Option<&CommSet<u32>>,
        ext_communities: Option<&CommSet<[u8; 8]>>,
        large_communities: Option<&CommSet<[u32; 3]>>,
    ) -> FlowAttrs {
        // `asn`, or when 0 the `*_pattern_to_asn` value `pick` takes of the standard
        // communities, then of the large ones.
        let nonzero_or = |asn: u32, pick: fn((u32, u32)) -> u32| -> u32 {
            if asn != 0 {
                return asn;
            }
            let std = communities.and_then(|c| c.to_asn).map(pick);
            let lrg = large_communities.and_then(|c| c.to_asn).map(pick);
            std.filter(|&v| v != 0).or(lrg).unwrap_or(0)
        };
        FlowAttrs {
            as_path: as_path.map_or(LabelId::NONE, |x| x.label),
            std_comm: communities.map_or(LabelId::NONE, |x| x.label),
            ext_comm: ext_communities.map_or(LabelId::NONE, |x| x.label),
            lrg_comm: large_communities.map_or(LabelId::NONE, |x| x.label),
            last_as: as_path.map_or(0, |x| nonzero_or(x.last_as, |t| t.1)),
            first_as: as_path.map_or(0, |x| nonzero_or(x.first_as, |t| t.0)),
            comm_peer_as: nonzero_or(0, |t| t.0),
            has_as_path: as_path.is_some(),
        }
    }
}

/// Output-shaping options applied once at interning (all global keys in pmacct).
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    pub aspath_radius: u32,
    pub stdcomm_patterns: Vec<String>,
    pub extcomm_patterns: Vec<String>,
    pub lrgcomm_patterns: Vec<String>,
    /// `bgp_peer_as_skip_subas`: [`first_asn_skip_subas`] for `first_as`.
    pub peer_as_skip_subas: bool,
    /// `bgp_stdcomm_pattern_to_asn` / `bgp_lrgcomm_pattern_to_asn` ([`comm_to_asn`]).
    pub stdcomm_to_asn_patterns: Vec<String>,
    pub lrgcomm_to_asn_patterns: Vec<String>,
}

/// A set of interned values (one per distinct value), purged of values no route holds.
#[derive(Debug)]
pub struct Pool<T: Eq + Hash> {
    set: HashSet<Arc<T>>,
}

impl<T: Eq + Hash> Default for Pool<T> {
    fn default() -> Self {
        Pool {
            set: HashSet::new(),
        }
    }
}

impl<T: Eq + Hash> Pool<T> {
    pub fn intern(&mut self, v: T) -> Arc<T> {
        if let Some(a) = self.set.get(&v) {
            return a.clone();
        }
        let a = Arc::new(v);
        self.set.insert(a.clone());
        a
    }
    /// Forget values only the pool still holds.
    pub fn purge(&mut self) {
        self.set.retain(|a| Arc::strong_count(a) > 1);
    }
    pub fn len(&self) -> usize {
        self.set.len()
    }
    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }
}

/// The speaker's attribute pools.
#[derive(Debug, Default)]
pub struct Interner {
    pub opts: RenderOptions,
    pub as_paths: Pool<AsPath>,
    pub comms: Pool<CommSet<u32>>,
    pub ecomms: Pool<CommSet<[u8; 8]>>,
    pub lcomms: Pool<CommSet<[u32; 3]>>,
    pub attrs: Pool<PathAttrs>,
    /// Texts the flow model's string table had no room for (rendered empty).
    pub label_overflow: u64,
}

impl Interner {
    pub fn new(opts: RenderOptions) -> Interner {
        Interner {
            opts,
            ..Default::default()
        }
    }

    fn label(&mut self, s: &str) -> LabelId {
        match label::intern(s) {
            Some(l) => l,
            None => {
                self.label_overflow += 1;
                LabelId::NONE
            }
        }
    }

    /// The interned attributes of an UPDATE (`four`: the peer negotiated 4-octet ASNs).
    /// Malformed AS paths and community attributes are discarded alone, as 1.7.7 does; the
    /// returned list says which.
    pub fn intern_update(
        &mut self,
        a: &Attrs<'_>,
        four: bool,
        discarded: &mut Vec<UpdateError>,
    ) -> Arc<PathAttrs> {
        let path = a
            .as_path
            .and_then(|v| keep(discarded, decode_as_path(v, four)));
        let path = match (path, a.as4_path) {
            (Some(p), Some(v4)) if !four => match keep(discarded, decode_as_path(v4, true)) {
                Some(p4) => Some(reconcile_as4(p, p4)),
                None => Some(p),
            },
            (p, _) => p,
        };
        let as_path = path.map(|segs| {
            let (text, last_as) = as_path_text(&segs);
            let label = self.label(apply_radius(&text, self.opts.aspath_radius));
            let first_as = if self.opts.peer_as_skip_subas {
                first_asn_skip_subas(&text)
            } else {
                first_asn(&text)
            };
            self.as_paths.intern(AsPath {
                first_as,
                segments: segs,
                text: text.into(),
                label,
                last_as,
            })
        });
        let communities = a
            .communities
            .and_then(|v| keep(discarded, decode_communities(v)))
            .filter(|c| !c.is_empty())
            .map(|values| {
                let text = communities_text(&values);
                let l = self.pattern_label(&text, 0);
                let to_asn = comm_to_asn(&text, &self.opts.stdcomm_to_asn_patterns, false);
                self.comms.intern(CommSet {
                    values,
                    text: text.into(),
                    label: l,
                    to_asn,
                })
            });
        let ext_communities = a
            .ext_communities
            .and_then(|v| keep(discarded, decode_ext_communities(v)))
            .filter(|c| !c.is_empty())
            .map(|values| {
                let text = ext_communities_text(&values);
                let l = self.pattern_label(&text, 1);
                self.ecomms.intern(CommSet {
                    values,
                    text: text.into(),
                    label: l,
                    to_asn: None,
                })
            });
        let large_communities = a
            .large_communities
            .and_then(|v| keep(discarded, decode_large_communities(v)))
            .filter(|c| !c.is_empty())
            .map(|values| {
                let text = large_communities_text(&values);
                let l = self.pattern_label(&text, 2);
                let to_asn = comm_to_asn(&text, &self.opts.lrgcomm_to_asn_patterns, true);
                self.lcomms.intern(CommSet {
                    values,
                    text: text.into(),
                    label: l,
                    to_asn,
                })
            });
        let next_hop = a
            .mp_reach
            .map(|m| m.next_hop)
            .or(a.next_hop.map(IpAddr::V4));
        let flow = FlowAttrs::of(
            as_path.as_deref(),
            communities.as_deref(),
            ext_communities.as_deref(),
            large_communities.as_deref(),
        );
        self.attrs.intern(PathAttrs {
            flow,
            origin: a.origin.unwrap_or(0),
            as_path,
            communities,
            ext_communities,
            large_communities,
            local_pref: a.local_pref.unwrap_or(0),
            med: a.med.unwrap_or(0),
            has_local_pref: a.local_pref.is_some(),
            has_med: a.med.is_some(),
            next_hop,
        })
    }

    fn pattern_label(&mut self, text: &str, which: u8) -> LabelId {
        let pats = match which {
            0 => &self.opts.stdcomm_patterns,
            1 => &self.opts.extcomm_patterns,
            _ => &self.opts.lrgcomm_patterns,
        };
        if pats.is_empty() {
            self.label(text)
        } else {
            let f = filter_communities(text, pats);
            self.label(&f)
        }
    }

    /// Drop values no route holds any more (after withdrawals or a peer's removal).
    pub fn purge(&mut self) {
        self.attrs.purge();
        self.as_paths.purge();
        self.comms.purge();
        self.ecomms.purge();
        self.lcomms.purge();
    }
}

/// True when (AFI, SAFI) routes carry the MP_REACH next hop; helper for tests.
pub fn is_mp(afi: u16, safi: u8) -> bool {
    !(afi == msg::AFI_IP && safi == msg::SAFI_UNICAST)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_asn_skip_subas_walks_as_1_7_7() {
        // No leading confederation sequence: the plain first ASN.
        assert_eq!(first_asn_skip_subas("65001 65002"), 65001);
        assert_eq!(first_asn_skip_subas("{1,2} 3"), 0);
        assert_eq!(first_asn_skip_subas(""), 0);
        // 1.7.7 steps once past the opening token and stops on the next one.
        assert_eq!(first_asn_skip_subas("(65100 65101) 65001"), 65101);
        assert_eq!(first_asn_skip_subas("(65100) 65001 7"), 65001);
        // Only the confederation sequence: the walk runs off the end, the first one wins.
        assert_eq!(first_asn_skip_subas("(65100)"), 65100);
        assert_eq!(first_asn_skip_subas("(65100) (65200) 1"), 65100);
        assert_eq!(first_asn_skip_subas("("), 0);
    }

    #[test]
    fn comm_to_asn_takes_the_first_kept_community() {
        let p = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(comm_to_asn("65000:3 65001:7", &[], false), None);
        assert_eq!(
            comm_to_asn("65000:3 65001:7", &p(&["65001"]), false),
            Some((65001, 7))
        );
        // A substring pattern keeps the whole community it is found in.
        assert_eq!(
            comm_to_asn("65000:33 65001:7", &p(&["65000:3"]), false),
            Some((65000, 33))
        );
        assert_eq!(comm_to_asn("65000:3", &p(&["65002"]), false), None);
        assert_eq!(
            comm_to_asn("65000:9:1 4200000001:2:3", &p(&["4200000001"]), true),
            Some((4_200_000_001, 2))
        );
        // A kept well-known name before the first ':' reads as 0.
        assert_eq!(
            comm_to_asn("no-export 65000:1", &p(&["no-export", "65000:1"]), false),
            Some((0, 1))
        );
    }
}
