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

fn digits_i64(v: &str) -> Option<i64> {
    let t = v.strip_prefix('-').unwrap_or(v);
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    v.parse().ok()
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
        None if k.checked_rem(60) != Some(0) => Err(format!(
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
                    "plugin_pipe_size" | "plugin_buffer_size" | "print_cache_entries" => {
                        vec![format!("'{}' has to be > 0.", def.field)]
                    }
                    "sql_history_offset" => vec!["'sql_history_offset' has to be >= 0.".into()],
                    "snaplen" => vec![format!("'snaplen' has to be >= {min}.")],
                    _ => vec![],
                }
            };
            match digits_i64(raw) {
                Some(n) if n >= min && n <= max => Ok(Value::Int(n)),
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
        assert!(parse_history("0m")
            .unwrap_err()
            .contains("not greater than zero"));
        assert_eq!(
            parse_history("5x").unwrap_err(),
            "Ignoring unknown time measuring unit: 'x'."
        );
    }

    #[test]
    fn list() {
        assert_eq!(
            split_list(" Src_Host, dst host ,,proto"),
            vec!["src_host", "dsthost", "proto"]
        );
    }
}
