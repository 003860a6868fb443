//! pmacct's dynamic strings for `kafka_topic` and `kafka_partition_key`: `$variables` replaced
//! by values of the record being purged (`handle_dynname_internal_strings()` in 1.7.7).
//!
//! Rules kept from pmacct: a variable is `$` plus `[A-Za-z0-9_]+` with one trailing `_` not
//! part of the name; IP addresses have `.` and `:` replaced by `_`; an address primitive that
//! is not aggregated renders as `null`, a numeric one as `0`; unknown variables stay as
//! written. Difference: pmacct compares only the first `len(token)` bytes, so `$ta` matched
//! `$tag`; we match whole names.

use std::fmt::Write as _;
use std::net::IpAddr;

use pmacct_flow::primitives::{value, Extras, Val};
use pmacct_flow::{Primitive, Primitives};

/// Values of one record that the templates can reference: the purged entry's primitives
/// (only the aggregated ones set; the rest renders as pmacct renders an absent primitive).
pub type RecordVars = Primitives;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Var {
    /// A primitive of the record, rendered from the primitives table.
    Prim(Primitive),
    PostTag,
    PostTag2,
}

/// Which variable set applies: topics know the record-independent subset only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateKind {
    Topic,
    PartitionKey,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Lit(String),
    Var(Var),
}

/// A parsed `kafka_topic` / `kafka_partition_key` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pieces: Vec<Piece>,
    post_tag: u64,
    post_tag2: u64,
}

/// Primitives pmacct 1.7.7 expands in topics (record-independent in its reading) and, in
/// addition, in partition keys (`handle_dynname_internal_strings()`).
const TOPIC_VARS: [Primitive; 3] = [Primitive::PeerSrcIp, Primitive::Tag, Primitive::Tag2];
const KEY_VARS: [Primitive; 6] = [
    Primitive::SrcHost,
    Primitive::DstHost,
    Primitive::SrcPort,
    Primitive::DstPort,
    Primitive::Proto,
    Primitive::InIface,
];

fn var_of(name: &str, kind: TemplateKind) -> Option<Var> {
    match name {
        "post_tag" => return Some(Var::PostTag),
        "post_tag2" => return Some(Var::PostTag2),
        _ => {}
    }
    let p = Primitive::from_keyword(name).filter(|p| p.info().name() == name)?;
    let allowed =
        TOPIC_VARS.contains(&p) || (kind == TemplateKind::PartitionKey && KEY_VARS.contains(&p));
    allowed.then_some(Var::Prim(p))
}

impl Template {
    /// `post_tag`/`post_tag2` are the configured values of those keys (0 when unset).
    pub fn parse(s: &str, kind: TemplateKind, post_tag: u64, post_tag2: u64) -> Template {
        let mut pieces = Vec::new();
        let mut lit = String::new();
        let mut rest = s;
        while let Some(pos) = rest.find('$') {
            lit.push_str(&rest[..pos]);
            let after = &rest[pos + 1..];
            let mut len = after
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                .count();
            if len > 0 && after.as_bytes()[len - 1] == b'_' {
                len -= 1;
            }
            match var_of(&after[..len], kind) {
                Some(v) => {
                    if !lit.is_empty() {
                        pieces.push(Piece::Lit(std::mem::take(&mut lit)));
                    }
                    pieces.push(Piece::Var(v));
                }
                None => {
                    lit.push('$');
                    lit.push_str(&after[..len]);
                }
            }
            rest = &after[len..];
        }
        lit.push_str(rest);
        if !lit.is_empty() {
            pieces.push(Piece::Lit(lit));
        }
        Template {
            pieces,
            post_tag,
            post_tag2,
        }
    }

    /// pmacct treats any `$` in the value as dynamic (even an unknown variable).
    pub fn is_dynamic_str(s: &str) -> bool {
        s.contains('$')
    }

    /// Render into `out` (cleared first), reusing its allocation.
    pub fn render(&self, vars: &RecordVars, out: &mut String) {
        out.clear();
        for p in &self.pieces {
            match p {
                Piece::Lit(s) => out.push_str(s),
                Piece::Var(Var::PostTag) => push_num(out, self.post_tag),
                Piece::Var(Var::PostTag2) => push_num(out, self.post_tag2),
                Piece::Var(Var::Prim(p)) => match value(*p, vars, &Extras::default()) {
                    Val::Ip(ip) => push_ip(out, ip),
                    Val::Num(n) | Val::NumStr(n) => push_num(out, n),
                    Val::Proto(n) => push_num(out, n),
                    // No other rendering is reachable from TOPIC_VARS / KEY_VARS.
                    _ => {}
                },
            }
        }
    }
}

fn push_num(out: &mut String, v: impl std::fmt::Display) {
    let _ = write!(out, "{v}");
}

fn push_ip(out: &mut String, ip: Option<IpAddr>) {
    // Formats straight into `out`, swapping separators on the way: no per-record allocation.
    struct Underscored<'a>(&'a mut String);
    impl std::fmt::Write for Underscored<'_> {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            self.0.extend(
                s.chars()
                    .map(|c| if c == '.' || c == ':' { '_' } else { c }),
            );
            Ok(())
        }
    }
    match ip {
        None => out.push_str("null"),
        Some(ip) => {
            let _ = write!(Underscored(out), "{ip}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(t: &str, kind: TemplateKind, v: &RecordVars) -> String {
        let mut s = String::new();
        Template::parse(t, kind, 7, 8).render(v, &mut s);
        s
    }

    #[test]
    fn pmacct_variable_rules() {
        let v = RecordVars {
            peer_src_ip: Some("192.0.2.1".parse().unwrap()),
            tag: 100,
            tag2: 200,
            src_ip: Some("2001:db8::1".parse().unwrap()),
            src_port: 443,
            proto: 6,
            in_iface: 3,
            ..Default::default()
        };
        assert_eq!(
            r("flows.$peer_src_ip", TemplateKind::Topic, &v),
            "flows.192_0_2_1"
        );
        assert_eq!(r("t_$tag_$tag2", TemplateKind::Topic, &v), "t_100_200");
        assert_eq!(r("$post_tag-$post_tag2", TemplateKind::Topic, &v), "7-8");
        // Partition-key-only variables are not expanded in topics.
        assert_eq!(r("x$src_host", TemplateKind::Topic, &v), "x$src_host");
        assert_eq!(
            r(
                "$src_host|$dst_host|$src_port|$proto|$in_iface|$dst_port",
                TemplateKind::PartitionKey,
                &v
            ),
            "2001_db8__1|null|443|6|3|0"
        );
        // Unknown variable and a name that only shares a prefix stay literal.
        assert_eq!(r("$foo.$tagx.$", TemplateKind::Topic, &v), "$foo.$tagx.$");
        assert!(Template::is_dynamic_str("a$b") && !Template::is_dynamic_str("pmacct.acct"));
    }
}
