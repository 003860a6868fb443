//! Command lines of nfacctd, sfacctd, pmacctd and uacctd (getopt semantics), translated to
//! `key: value` lines appended after the config file so that the command line wins.

use crate::Daemon;

/// What the caller should do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Run,
    /// `-h`: usage, exit 0.
    Help,
    /// `-V`: version, exit 0.
    Version,
    /// `-a`: list primitives, exit 0.
    ListPrimitives,
    /// `--check-config` (pmacct-rs extension): validate, exit 0/1.
    CheckConfig,
}

#[derive(Debug, Default)]
pub struct CommandLine {
    pub config_file: Option<String>,
    /// `(key, value)` in command-line order.
    pub lines: Vec<(String, String)>,
    pub action: Option<Action>,
}

impl Daemon {
    /// getopt option string of each daemon (1.7.7).
    fn optstring(self) -> &'static str {
        match self {
            Daemon::Nfacctd | Daemon::Sfacctd => {
                "n:dDhP:b:f:F:c:m:p:r:s:S:L:l:o:t:O:MuRVaAE:I:WZ:Y:"
            }
            Daemon::Pmacctd => "n:NdDhP:b:f:F:c:i:I:m:p:r:s:S:o:t:O:MuwWZ:Y:L:RVazAE:",
            Daemon::Uacctd => "n:dDhP:b:f:F:c:m:p:r:s:S:o:t:O:MuRVg:L:aAE:",
        }
    }

    /// The key line a switch stands for; `-L` differs between collectors and pmacctd.
    fn flag_key(self, f: char) -> Option<(&'static str, Option<&'static str>)> {
        let collector = matches!(self, Daemon::Nfacctd | Daemon::Sfacctd);
        Some(match f {
            'D' => ("daemonize", Some("true")),
            'd' => ("debug", Some("true")),
            'P' => ("plugins", None),
            'c' => ("aggregate", None),
            'F' => ("pidfile", None),
            'S' => ("syslog", None),
            'n' => ("networks_file", None),
            't' => ("ports_file", None),
            'R' => ("sfacctd_renormalize", Some("true")),
            'u' => ("print_num_protos", Some("true")),
            'O' => ("print_output", None),
            'o' => ("print_output_file", None),
            'M' => ("print_markers", Some("true")),
            'A' => ("print_output_file_append", Some("true")),
            'E' => ("print_output_separator", None),
            'r' => ("sql_refresh_time", None),
            'p' => ("imt_path", None),
            'b' => ("imt_buckets", None),
            'm' => ("imt_mem_pools_number", None),
            's' => ("imt_mem_pools_size", None),
            'I' => ("pcap_savefile", None),
            'W' => ("pcap_savefile_wait", Some("true")),
            'Z' => ("pcap_savefile_delay", None),
            'Y' => ("pcap_savefile_replay", None),
            'L' if collector => ("nfacctd_ip", None),
            'L' => ("snaplen", None),
            'l' => ("nfacctd_port", None),
            'i' => ("pcap_interface", None),
            'N' => ("promisc", Some("false")),
            'w' => ("pcap_interface_wait", Some("true")),
            'z' => ("pmacctd_nonroot", Some("true")),
            'g' => ("uacctd_group", None),
            _ => return None,
        })
    }
}

/// Parse `argv` (without the program name). Err is the usage error text (exit 1).
pub fn parse(daemon: Daemon, argv: &[String]) -> Result<CommandLine, String> {
    let opts = daemon.optstring();
    let takes_arg = |c: char| opts.find(c).is_some_and(|i| opts[i + 1..].starts_with(':'));
    let mut cl = CommandLine::default();
    let mut i = 0;
    let mut trailing = Vec::new();
    while i < argv.len() {
        let a = &argv[i];
        i += 1;
        if a == "--check-config" {
            cl.action = Some(Action::CheckConfig);
            continue;
        }
        if a == "--help" {
            cl.action = Some(Action::Help);
            continue;
        }
        if a == "--" {
            trailing.extend(argv[i..].iter().cloned());
            break;
        }
        if !a.starts_with('-') || a.len() < 2 {
            // getopt stops at the first non-option; the rest is pmacctd's filter.
            trailing.push(a.clone());
            trailing.extend(argv[i..].iter().cloned());
            break;
        }
        let chars: Vec<char> = a[1..].chars().collect();
        let mut j = 0;
        while j < chars.len() {
            let c = chars[j];
            j += 1;
            if !opts.contains(c) || c == ':' {
                return Err(format!("invalid option -- '{c}'"));
            }
            let arg = if takes_arg(c) {
                if j < chars.len() {
                    let rest: String = chars[j..].iter().collect();
                    j = chars.len();
                    Some(rest)
                } else if i < argv.len() {
                    i += 1;
                    Some(argv[i - 1].clone())
                } else {
                    return Err(format!("option requires an argument -- '{c}'"));
                }
            } else {
                None
            };
            match c {
                'f' => cl.config_file = arg,
                'h' => cl.action = Some(Action::Help),
                'V' => cl.action = Some(Action::Version),
                'a' => cl.action = Some(Action::ListPrimitives),
                _ => {
                    let (key, fixed) = daemon
                        .flag_key(c)
                        .ok_or_else(|| format!("invalid option -- '{c}'"))?;
                    let value = fixed.map(str::to_string).or(arg).unwrap_or_default();
                    cl.lines.push((key.to_string(), value));
                }
            }
        }
    }
    if !trailing.is_empty() {
        if daemon == Daemon::Pmacctd && cl.config_file.is_none() {
            cl.lines.push(("pcap_filter".into(), trailing.join(" ")));
        } else if daemon != Daemon::Pmacctd {
            return Err(format!("unexpected argument '{}'", trailing[0]));
        }
    }
    Ok(cl)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn flags_map_to_key_lines() {
        let cl = parse(
            Daemon::Nfacctd,
            &argv("-f c.conf -c proto -P print -O json -D -l 9995 -L 127.0.0.1 -r 10"),
        )
        .unwrap();
        assert_eq!(cl.config_file.as_deref(), Some("c.conf"));
        let l: Vec<(&str, &str)> = cl
            .lines
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            l,
            [
                ("aggregate", "proto"),
                ("plugins", "print"),
                ("print_output", "json"),
                ("daemonize", "true"),
                ("nfacctd_port", "9995"),
                ("nfacctd_ip", "127.0.0.1"),
                ("sql_refresh_time", "10"),
            ]
        );
    }

    #[test]
    fn dash_l_is_snaplen_for_pmacctd_and_trailing_filter() {
        let cl = parse(Daemon::Pmacctd, &argv("-i lo -L 200 -N udp and port 53")).unwrap();
        assert!(cl.lines.contains(&("snaplen".into(), "200".into())));
        assert!(cl.lines.contains(&("promisc".into(), "false".into())));
        assert!(cl
            .lines
            .contains(&("pcap_filter".into(), "udp and port 53".into())));
    }

    #[test]
    fn combined_and_attached_arguments() {
        let cl = parse(Daemon::Nfacctd, &argv("-dDcsrc_host -Ifile.pcap")).unwrap();
        assert_eq!(cl.lines[0], ("debug".into(), "true".into()));
        assert_eq!(cl.lines[1], ("daemonize".into(), "true".into()));
        assert_eq!(cl.lines[2], ("aggregate".into(), "src_host".into()));
        assert_eq!(cl.lines[3], ("pcap_savefile".into(), "file.pcap".into()));
    }

    #[test]
    fn actions_and_errors() {
        assert_eq!(
            parse(Daemon::Nfacctd, &argv("-h")).unwrap().action,
            Some(Action::Help)
        );
        assert_eq!(
            parse(Daemon::Nfacctd, &argv("-V")).unwrap().action,
            Some(Action::Version)
        );
        assert_eq!(
            parse(Daemon::Sfacctd, &argv("-a")).unwrap().action,
            Some(Action::ListPrimitives)
        );
        assert_eq!(
            parse(Daemon::Nfacctd, &argv("-f x --check-config"))
                .unwrap()
                .action,
            Some(Action::CheckConfig)
        );
        assert!(parse(Daemon::Nfacctd, &argv("-x")).is_err());
        assert!(
            parse(Daemon::Nfacctd, &argv("-i lo")).is_err(),
            "-i is pmacctd only"
        );
        assert!(parse(Daemon::Nfacctd, &argv("-c")).is_err());
    }
}
