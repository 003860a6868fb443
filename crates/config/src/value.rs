//! Typed values: parsing a key's text by its registry kind, with pmacct's extra messages.

use crate::registry::{KeyDef, Kind};
use std::net::IpAddr;

/// Time bin of `*_history`: `count` units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct History {
    pub count: u32,
    pub unit: TimeUnit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeUnit {
    /// Seconds: not produced by [`parse_history`] (1.7.7 refuses history under a minute).
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
}

impl History {
    /// Length in seconds (months as 30 days and weeks as 7 days, for comparisons only:
    /// binning of months follows the calendar).
    pub fn seconds(self) -> u64 {
        let unit = match self.unit {
            TimeUnit::Second => 1,
            TimeUnit::Minute => 60,
            TimeUnit::Hour => 3600,
            TimeUnit::Day => 86400,
            TimeUnit::Week => 7 * 86400,
            TimeUnit::Month => 30 * 86400,
        };
        u64::from(self.count) * unit
    }
}

/// A parsed value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Bool(bool),
    Int(i64),
    History(History),
    Ip(IpAddr),
    /// Enum values are stored lower-cased; Str/Roundoff verbatim.
    Str(String),
    List(Vec<String>),
}

/// Why a value was rejected: the lines pmacct 1.7.7 logs besides "Invalid value. Ignored."
/// (each without the `[file]` prefix, which the caller adds), and whether pmacct applies
/// the key anyway (some handlers warn yet store a value).
pub(crate) struct Rejection {
    /// (level word, message) as pmacct logs them, without the `[file]` part.
    pub pmacct: Vec<(&'static str, String)>,
    /// pmacct exits on it (print_output_file with an unknown `%` variable).
    pub fatal: bool,
    /// pmacct reports no "Invalid value" for it (the handler warned and stored something
    /// else, e.g. history disabled), so the line is not counted as invalid by pmacct.
    pub pmacct_accepts: bool,
}

fn reject(lines: Vec<String>) -> Rejection {
    Rejection {
        pmacct: lines.into_iter().map(|l| ("WARN", l)).collect(),
        fatal: false,
        pmacct_accepts: false,
    }
}

/// C `atoi`/`strtol(.., 10)` as pmacct's integer handlers read a value: leading whitespace,
/// an optional sign, the digits that follow (none: 0); the rest of the text is ignored.
/// Returns the number and the text after it. Saturates where C's `long` would.
pub fn c_atoi(v: &str) -> (i64, &str) {
    c_strtol(v, Some(10))
}

/// C `strtol(.., 0)` as the few pmacct handlers that take any base read a value
/// (`pcap_protocol`; `sfprobe_ifspeed` with `strtoll`): [`c_atoi`]'s whitespace and sign, then
/// `0x`/`0X` and hex digits, `0` and octal digits, or decimal digits; the rest is ignored.
/// Returns the number and the text after it. Saturates where C's `long` would.
pub fn c_strtol0(v: &str) -> (i64, &str) {
    c_strtol(v, None)
}

/// C `strtol` with base `radix`, or base 0 (`None`: the prefix decides), as [`c_atoi`] and
/// [`c_strtol0`] describe.
fn c_strtol(v: &str, radix: Option<u32>) -> (i64, &str) {
    let t = v.trim_start_matches(|c: char| c.is_ascii() && crate::syntax::is_space(c as u8));
    let (neg, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let b = t.as_bytes();
    // Base 0: "0x" counts as a prefix only when a hex digit follows (C reads "0x" alone as
    // 0, "x..." then being the rest).
    let (radix, start) = match radix {
        Some(r) => (r, 0),
        None if b.len() > 2
            && b[0] == b'0'
            && (b[1] | 0x20) == b'x'
            && b[2].is_ascii_hexdigit() =>
        {
            (16, 2)
        }
        None if b.first() == Some(&b'0') => (8, 0),
        None => (10, 0),
    };
    let digits = &t[start..];
    let end = digits
        .bytes()
        .position(|c| !(c as char).is_digit(radix))
        .unwrap_or(digits.len());
    if start + end == 0 {
        return (0, v);
    }
    let n = digits[..end].bytes().fold(0i64, |n, c| {
        let d = i64::from((c as char).to_digit(radix).unwrap_or(0));
        let n = n.saturating_mul(i64::from(radix));
        if neg {
            n.saturating_sub(d)
        } else {
            n.saturating_add(d)
        }
    });
    (n, &digits[end..])
}

/// The integer keys whose pmacct handler reads any base ([`c_strtol0`]), not `atoi`.
fn any_base(field: &str) -> bool {
    field == "pcap_protocol"
}

/// glibc `inet_aton`, which pmacct's `str_to_addr` tries first: `a.b.c.d` and its short
/// forms (`a.b.c`, `a.b`, `a`), each part decimal, octal (`0..`) or hex (`0x..`); the address
/// may be followed by whitespace and anything. Returns the address and the text after it.
pub fn inet_aton(v: &str) -> Option<(std::net::Ipv4Addr, &str)> {
    let end = v
        .bytes()
        .position(crate::syntax::is_space)
        .unwrap_or(v.len());
    let (addr, rest) = v.split_at(end);
    let mut parts = Vec::with_capacity(4);
    for part in addr.split('.') {
        let (digits, radix) =
            if let Some(h) = part.strip_prefix("0x").or_else(|| part.strip_prefix("0X")) {
                (h, 16)
            } else if part.len() > 1 && part.starts_with('0') {
                (&part[1..], 8)
            } else {
                (part, 10)
            };
        // inet_aton takes "0x" alone as 0; an empty part (e.g. "1..2") is an error.
        if digits.is_empty() && radix != 16 {
            return None;
        }
        let n = if digits.is_empty() {
            0
        } else {
            u64::from_str_radix(digits, radix).ok()?
        };
        parts.push(n);
    }
    let n = parts.len();
    if n > 4 || parts[..n - 1].iter().any(|&p| p > 255) {
        return None;
    }
    let last_max = [u64::from(u32::MAX), 0xff_ffff, 0xffff, 0xff][n - 1];
    if parts[n - 1] > last_max {
        return None;
    }
    let mut a: u64 = 0;
    for (i, &p) in parts[..n - 1].iter().enumerate() {
        a |= p << (24 - 8 * i);
    }
    a |= parts[n - 1];
    Some((std::net::Ipv4Addr::from(a as u32), rest))
}

/// The text after a value that pmacct reads only a prefix of, trimmed; None if there is none.
fn trailing(rest: &str) -> Option<String> {
    let t = rest.trim_matches(|c: char| c.is_ascii() && crate::syntax::is_space(c as u8));
    (!t.is_empty()).then(|| t.to_string())
}

/// History bins: `N[s|m|h|d|w|M]`, N > 0, seconds a multiple of 60.
pub fn parse_history(v: &str) -> Result<History, String> {
    let split = v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len());
    // pmacct reads digits up to the first unit letter and ignores what follows it.
    let (n, unit) = v.split_at(split);
    let unit = match unit.chars().next() {
        None | Some('s') => None,
        Some('m') => Some(TimeUnit::Minute),
        Some('h') => Some(TimeUnit::Hour),
        Some('d') => Some(TimeUnit::Day),
        Some('w') => Some(TimeUnit::Week),
        Some('M') => Some(TimeUnit::Month),
        Some(c) => return Err(format!("Ignoring unknown time measuring unit: '{c}'.")),
    };
    let k: u32 = n.parse().unwrap_or(0);
    if k == 0 {
        return Err(format!(
            "Ignoring invalid time value: {k} (not greater than zero)"
        ));
    }
    match unit {
        Some(unit) => Ok(History { count: k, unit }),
        // Seconds must be whole minutes, under a minute too: 1.7.7 warns and turns history
        // off for `5` or `10s` (pmacct 1.8 keeps those in seconds; 1.7.7 is followed).
        None if !k.is_multiple_of(60) => Err(format!(
            "Ignoring invalid time value: {k} (residual secs afters conversion in mins)"
        )),
        None => Ok(History {
            count: k / 60,
            unit: TimeUnit::Minute,
        }),
    }
}

/// Parse `raw` (already trimmed) for `def`. pmacct-specific messages use pmacct's field
/// names (the grouped handler's, e.g. 'sql_refresh_time').
pub(crate) fn parse(def: &KeyDef, raw: &str) -> Result<Value, Rejection> {
    parse_value(def, raw).map(|(v, _)| v)
}

/// [`parse`], also returning the text after the value that pmacct 1.7.7 reads past and
/// ignores (`nfacctd_port: 2100 ! netflow`: integers are read as `atoi` does, IPv4
/// addresses as `inet_aton`, history as digits and one unit letter). Other kinds have no
/// such text: booleans, enums, IPv6 addresses and `*_refresh_time` reject it, strings and
/// lists keep it (pmacct has no trailing comments).
pub(crate) fn parse_value(def: &KeyDef, raw: &str) -> Result<(Value, Option<String>), Rejection> {
    if def.field == "files_umask" {
        return parse_umask(raw);
    }
    match def.kind {
        Kind::Int { .. } => {
            let (_, rest) = if any_base(def.field) {
                c_strtol0(raw)
            } else {
                c_atoi(raw)
            };
            let extra = trailing(rest);
            parse_typed(def, raw).map(|v| (v, extra))
        }
        Kind::History => {
            let digits = raw.find(|c: char| !c.is_ascii_digit()).unwrap_or(raw.len());
            // One unit letter after the digits; pmacct ignores what follows it.
            let after = raw[digits..]
                .char_indices()
                .nth(1)
                .map_or("", |(i, _)| &raw[digits + i..]);
            let extra = trailing(after);
            parse_typed(def, raw).map(|v| (v, extra))
        }
        Kind::Ip => match raw.parse() {
            Ok(a) => Ok((Value::Ip(a), None)),
            Err(_) => match inet_aton(raw) {
                Some((a, rest)) => Ok((Value::Ip(IpAddr::V4(a)), trailing(rest))),
                None => parse_typed(def, raw).map(|v| (v, None)),
            },
        },
        _ => parse_typed(def, raw).map(|v| (v, None)),
    }
}

/// `files_umask`: octal as `strtoul(v, 8)` (leading octal digits, the rest ignored), at
/// least 2, kept as pmacct keeps it: `value & 0666` (so `077` is the umask 066).
fn parse_umask(raw: &str) -> Result<(Value, Option<String>), Rejection> {
    let digits = raw
        .find(|c: char| !('0'..='7').contains(&c))
        .unwrap_or(raw.len());
    let v = i64::from_str_radix(&raw[..digits.min(11)], 8).unwrap_or(0);
    if v < 2 {
        return Err(reject(vec!["'files_umask' has to be >= '002'.".into()]));
    }
    Ok((Value::Int(v & 0o666), trailing(&raw[digits..])))
}

fn parse_typed(def: &KeyDef, raw: &str) -> Result<Value, Rejection> {
    match def.kind {
        Kind::Bool => match raw.to_ascii_lowercase().as_str() {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(reject(vec![])),
        },
        Kind::Int { min, max } => {
            let range_msg = || -> Vec<String> {
                match def.field {
                    "nfacctd_port" => vec!["'nfacctd_port' has to be in the range 1-65535.".into()],
                    "plugin_pipe_size"
                    | "plugin_buffer_size"
                    | "print_cache_entries"
                    | "networks_mask" => {
                        vec![format!("'{}' has to be > 0.", def.field)]
                    }
                    "sql_history_offset" => vec!["'sql_history_offset' has to be >= 0.".into()],
                    "snaplen" => vec![format!("'snaplen' has to be >= {min}.")],
                    _ => vec![],
                }
            };
            // pmacct's handlers read integers with atoi(): "2100 ! netflow" is 2100,
            // "abc" is 0 (then the range check speaks).
            let n = if any_base(def.field) {
                c_strtol0(raw).0
            } else {
                c_atoi(raw).0
            };
            match n {
                n if n >= min && n <= max => Ok(Value::Int(n)),
                _ => Err(reject(range_msg())),
            }
        }
        Kind::Secs => {
            if let Some(c) = raw
                .chars()
                .find(|c| !c.is_ascii_digit() && !c.is_ascii_whitespace())
            {
                return Err(reject(vec![format!(
                    "'sql_refresh_time' is expected in secs but contains non-digit chars: '{c}'"
                )]));
            }
            match raw.parse::<i64>() {
                Ok(n) if n > 0 => Ok(Value::Int(n)),
                _ => Err(reject(vec!["'sql_refresh_time' has to be > 0.".into()])),
            }
        }
        Kind::History => parse_history(raw)
            .map(Value::History)
            .map_err(|m| Rejection {
                pmacct: vec![("WARN", m)],
                fatal: false,
                // pmacct warns, disables history and carries on without "Invalid value".
                pmacct_accepts: true,
            }),
        Kind::Roundoff => {
            let ok_chars = raw
                .chars()
                .all(|c| matches!(c, 'm' | 'h' | 'd' | 'w' | 'M'));
            let w = raw.contains('w');
            if w && (raw.contains('d') || raw.contains('M')) {
                return Err(reject(vec![
                    "'sql_history_roundoff' 'w' is not compatible with either 'd' or 'M'.".into(),
                ]));
            }
            if !ok_chars {
                // pmacct ignores other letters silently.
                return Err(Rejection {
                    pmacct: vec![],
                    fatal: false,
                    pmacct_accepts: true,
                });
            }
            Ok(Value::Str(raw.to_string()))
        }
        Kind::Enum(opts) => {
            let l = raw.to_ascii_lowercase();
            if opts.contains(&l.as_str()) {
                Ok(Value::Str(l))
            } else if def.field == "print_output" {
                Err(reject(vec![format!("Invalid print output value '{l}'")]))
            } else {
                Err(reject(vec![]))
            }
        }
        Kind::Ip => raw.parse().map(Value::Ip).map_err(|_| Rejection {
            // pmacct stores it and exits later: "'nfacctd_ip' value is not valid. Exiting."
            pmacct: vec![],
            fatal: false,
            pmacct_accepts: true,
        }),
        Kind::Str | Kind::Plugins => {
            if def.field == "sql_table" {
                // print_output_file has its own handler; kafka_topic, amqp_routing_key... use
                // the sql_table one, which also limits the length.
                let label = if def.name == "print_output_file" {
                    "print_output_file"
                } else {
                    "sql_table"
                };
                check_time_variables(raw, label)?;
            }
            if def.field == "sql_table" && def.name != "print_output_file" && raw.len() > 64 {
                return Err(Rejection {
                    pmacct: vec![(
                        "ERROR",
                        "sql_table, exceeded the maximum SQL table name length (64).".into(),
                    )],
                    fatal: true,
                    pmacct_accepts: true,
                });
            }
            if def.name == "print_latest_file" && raw.contains('%') {
                return Err(Rejection {
                    pmacct: vec![(
                        "ERROR",
                        "invalid 'print_latest_file' value: time-based '%' variables not allowed."
                            .into(),
                    )],
                    fatal: false,
                    pmacct_accepts: true,
                });
            }
            Ok(Value::Str(raw.to_string()))
        }
        Kind::List => Ok(Value::List(split_list(raw))),
    }
}

/// Only strftime variables pmacct supports in file and table names (others: pmacct exits).
fn check_time_variables(raw: &str, label: &str) -> Result<(), Rejection> {
    let mut it = raw.chars();
    while it.by_ref().any(|c| c == '%') {
        match it.next() {
            Some('d' | 'H' | 'm' | 'M' | 'w' | 'W' | 'Y' | 's' | 'S' | 'z') => {}
            c => {
                let c = c.map(String::from).unwrap_or_default();
                return Err(Rejection {
                    pmacct: vec![("ERROR", format!("{label}, %{c} not supported."))],
                    fatal: true,
                    pmacct_accepts: true,
                });
            }
        }
    }
    Ok(())
}

/// `aggregate` tokens as pmacct splits them: all whitespace removed, lower-cased, split at
/// commas, empty tokens dropped.
pub fn split_list(raw: &str) -> Vec<String> {
    let squeezed: String = raw
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    squeezed
        .split(',')
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history() {
        assert_eq!(
            parse_history("5m"),
            Ok(History {
                count: 5,
                unit: TimeUnit::Minute
            })
        );
        assert_eq!(
            parse_history("1M"),
            Ok(History {
                count: 1,
                unit: TimeUnit::Month
            })
        );
        assert_eq!(
            parse_history("300"),
            Ok(History {
                count: 5,
                unit: TimeUnit::Minute
            })
        );
        assert_eq!(parse_history("1h").unwrap().seconds(), 3600);
        assert!(parse_history("90").unwrap_err().contains("residual secs"));
        // Under a minute too, as 1.7.7's parse_time (1.8 would keep 10-second bins).
        assert_eq!(
            parse_history("5").unwrap_err(),
            "Ignoring invalid time value: 5 (residual secs afters conversion in mins)"
        );
        assert_eq!(
            parse_history("10s").unwrap_err(),
            "Ignoring invalid time value: 10 (residual secs afters conversion in mins)"
        );
        assert!(parse_history("0m")
            .unwrap_err()
            .contains("not greater than zero"));
        assert_eq!(
            parse_history("5x").unwrap_err(),
            "Ignoring unknown time measuring unit: 'x'."
        );
    }

    fn def(name: &str) -> &'static KeyDef {
        crate::registry::lookup(name).unwrap()
    }

    /// (value, trailing text) as pmacct 1.7.7 reads `raw` for `key`, or None if rejected.
    fn read(key: &str, raw: &str) -> Option<(Value, Option<String>)> {
        parse_value(def(key), raw).ok()
    }

    fn t(s: &str) -> Option<String> {
        Some(s.to_string())
    }

    #[test]
    fn integers_read_as_atoi() {
        // Measured with nfacctd 1.7.7: "42055 ! netflow" binds 42055, so does "42061 foo
        // bar", "+42063"; "x42062", "-5", "0 ! x", "70000 ! x" are out of range.
        let port = |raw| read("nfacctd_port", raw);
        assert_eq!(
            port("42055 ! netflow"),
            Some((Value::Int(42055), t("! netflow")))
        );
        assert_eq!(port("42056 # x"), Some((Value::Int(42056), t("# x"))));
        assert_eq!(port("42057\tx"), Some((Value::Int(42057), t("x"))));
        assert_eq!(port("42058x"), Some((Value::Int(42058), t("x"))));
        assert_eq!(
            port("42061 foo bar"),
            Some((Value::Int(42061), t("foo bar")))
        );
        assert_eq!(port("+42063"), Some((Value::Int(42063), None)));
        assert_eq!(port("2100"), Some((Value::Int(2100), None)));
        for bad in ["x42062", "-5", "0 ! x", "70000 ! x", "abc"] {
            assert_eq!(port(bad), None, "{bad}");
        }
        // 0 in range: "abc" is 0 for pmacct (no warning from it; ours names the text).
        assert_eq!(
            read("print_history_offset", "abc"),
            Some((Value::Int(0), t("abc")))
        );
        assert_eq!(read("networks_mask", "abc"), None);
        assert_eq!(
            read("plugin_buffer_size", "10240\ttab then words"),
            Some((Value::Int(10240), t("tab then words")))
        );
        assert_eq!(c_atoi("  -12x"), (-12, "x"));
        assert_eq!(c_atoi("99999999999999999999999"), (i64::MAX, ""));
        // pcap_protocol is read with strtol(.., 0), as a real config writes it.
        assert_eq!(
            read("pcap_protocol", "0x0800"),
            Some((Value::Int(0x0800), None))
        );
        assert_eq!(
            read("pcap_protocol", "017 ! octal"),
            Some((Value::Int(15), t("! octal")))
        );
    }

    #[test]
    fn strtol_any_base() {
        assert_eq!(c_strtol0("0x0800"), (2048, ""));
        assert_eq!(c_strtol0(" 0X1fz"), (31, "z"));
        assert_eq!(c_strtol0("0x"), (0, "x"));
        assert_eq!(c_strtol0("0xg"), (0, "xg"));
        assert_eq!(c_strtol0("0755 rest"), (493, " rest"));
        assert_eq!(c_strtol0("089"), (0, "89"));
        assert_eq!(c_strtol0("-42"), (-42, ""));
        assert_eq!(c_strtol0("abc"), (0, "abc"));
        assert_eq!(c_strtol0("0"), (0, ""));
        assert_eq!(c_strtol0("0xffffffffffffffffffff"), (i64::MAX, ""));
    }

    #[test]
    fn seconds_booleans_enums_reject_trailing_text() {
        // 1.7.7: "'sql_refresh_time' is expected in secs but contains non-digit chars: '!'"
        assert_eq!(read("print_refresh_time", "60 ! secs"), None);
        assert_eq!(
            read("print_refresh_time", "60"),
            Some((Value::Int(60), None))
        );
        // parse_truefalse() is a strcmp: "Invalid value. Ignored."
        assert_eq!(read("print_markers", "true ! yes"), None);
        assert_eq!(read("print_markers", "true#x"), None);
        assert_eq!(
            read("print_markers", "TRUE"),
            Some((Value::Bool(true), None))
        );
        // "Invalid print output value 'json ! comment'"
        assert_eq!(read("print_output", "json ! comment"), None);
        assert_eq!(read("print_output", "json\tcomment"), None);
    }

    #[test]
    fn strings_and_lists_keep_trailing_text() {
        // 1.7.7 writes a file named "x.json ! comment".
        assert_eq!(
            read("print_output_file", "/tmp/x.json ! comment"),
            Some((Value::Str("/tmp/x.json ! comment".into()), None))
        );
        // "Unknown primitive 'src_host!comment'" comes later, from the aggregate.
        assert_eq!(
            read("aggregate", "src_host ! comment"),
            Some((Value::List(vec!["src_host!comment".into()]), None))
        );
    }

    #[test]
    fn history_reads_digits_and_one_unit() {
        let m5 = Value::History(History {
            count: 5,
            unit: TimeUnit::Minute,
        });
        assert_eq!(
            read("print_history", "5m ! bins"),
            Some((m5.clone(), t("! bins")))
        );
        assert_eq!(read("print_history", "5m#x"), Some((m5.clone(), t("#x"))));
        assert_eq!(read("print_history", "5m"), Some((m5, None)));
        // "Ignoring unknown time measuring unit: ' '." / "'#'."
        assert!(parse_value(def("print_history"), "5 m").is_err());
        assert!(parse_value(def("print_history"), "5#m").is_err());
    }

    #[test]
    fn addresses_read_as_inet_aton_then_inet_pton() {
        let v4 = |s: &str| Value::Ip(s.parse().unwrap());
        // 1.7.7 binds 127.0.0.1 for each of these.
        assert_eq!(
            read("nfacctd_ip", "127.0.0.1 ! listen here"),
            Some((v4("127.0.0.1"), t("! listen here")))
        );
        assert_eq!(
            read("nfacctd_ip", "127.0.0.1 # x"),
            Some((v4("127.0.0.1"), t("# x")))
        );
        assert_eq!(
            read("nfacctd_ip", "127.0.0.1\tx"),
            Some((v4("127.0.0.1"), t("x")))
        );
        assert_eq!(
            read("nfacctd_ip", "127.1 ! x"),
            Some((v4("127.0.0.1"), t("! x")))
        );
        assert_eq!(
            read("nfacctd_ip", "::1"),
            Some((Value::Ip("::1".parse().unwrap()), None))
        );
        // "'nfacctd_ip' value is not valid. Exiting." (stored, refused at start-up)
        for bad in ["127.0.0.1x", "127.0.0.1!x", "::1 ! listen here"] {
            assert_eq!(read("nfacctd_ip", bad), None, "{bad}");
        }
        assert_eq!(
            inet_aton("0x7f.1"),
            Some(("127.0.0.1".parse().unwrap(), ""))
        );
        assert_eq!(
            inet_aton("010.0.0.1"),
            Some(("8.0.0.1".parse().unwrap(), ""))
        );
        assert_eq!(inet_aton("1.2.3.256"), None);
        assert_eq!(inet_aton("1..2"), None);
    }

    #[test]
    fn list() {
        assert_eq!(
            split_list(" Src_Host, dst host ,,proto"),
            vec!["src_host", "dsthost", "proto"]
        );
    }
}
