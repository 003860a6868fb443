//! Command-line switches of nfacctd, sfacctd, pmacctd and uacctd (pmacct 1.7.7 getopt
//! strings), mapped to the key lines pmacct appends after the config file.

use crate::registry::{group, Key, Kind, D_BG, D_NF, D_PM, D_SF, D_UA};
use crate::{key, Action, ConfigError, Daemon};

/// The parsed command line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CliArgs {
    pub action: Action,
    /// `-f`: the config file (the last one given wins, as in pmacct).
    pub config_file: Option<String>,
    /// Key lines (`aggregate: proto`) in command-line order, appended after the file.
    pub lines: Vec<String>,
    /// pmacctd/uacctd without `-f`: the operands joined by spaces (a BPF filter).
    pub bpf_filter: Option<String>,
}

/// A flag that sets a key: on the daemons of `daemons` (`D_*` bits), `-c` writes the line
/// `key: ...` after the config file, as pmacct's getopt loops do. Whether it takes an
/// argument and what a flag without one writes come from the registry: a boolean key is
/// set to the opposite of its default (`-D` writes `daemonize: true`, `-N` writes
/// `promisc: false`); other kinds take the argument. The key's registry row names the flag
/// in its `cli` column (a test checks both ways).
pub(crate) struct Flag {
    pub c: char,
    pub daemons: u8,
    pub key: Key,
}

const ALL: u8 = D_NF | D_SF | D_PM | D_UA;

/// Every key-setting flag, in `-h` order. Where pmacct writes one key for all daemons
/// (`-r` writes `sql_refresh_time`, `-R` writes `sfacctd_renormalize`), so do we.
#[rustfmt::skip]
pub(crate) static FLAGS: &[Flag] = &[
    Flag { c: 'P', daemons: ALL, key: key::PLUGINS },
    Flag { c: 'D', daemons: ALL | D_BG, key: key::DAEMONIZE },
    Flag { c: 'd', daemons: ALL | D_BG, key: key::DEBUG },
    Flag { c: 'c', daemons: ALL, key: key::AGGREGATE },
    Flag { c: 'F', daemons: ALL | D_BG, key: key::PIDFILE },
    Flag { c: 'S', daemons: ALL | D_BG, key: key::SYSLOG },
    Flag { c: 'n', daemons: ALL, key: key::NETWORKS_FILE },
    Flag { c: 't', daemons: ALL, key: key::PORTS_FILE },
    Flag { c: 'R', daemons: ALL, key: key::SFACCTD_RENORMALIZE },
    Flag { c: 'L', daemons: D_NF, key: key::NFACCTD_IP },
    Flag { c: 'L', daemons: D_SF, key: key::SFACCTD_IP },
    Flag { c: 'L', daemons: D_PM | D_UA, key: key::SNAPLEN },
    Flag { c: 'l', daemons: D_NF, key: key::NFACCTD_PORT },
    Flag { c: 'l', daemons: D_SF, key: key::SFACCTD_PORT },
    Flag { c: 'I', daemons: D_NF | D_SF | D_PM, key: key::PCAP_SAVEFILE },
    Flag { c: 'W', daemons: D_NF | D_SF | D_PM, key: key::PCAP_SAVEFILE_WAIT },
    Flag { c: 'Z', daemons: D_NF | D_SF | D_PM, key: key::PCAP_SAVEFILE_DELAY },
    Flag { c: 'Y', daemons: D_NF | D_SF | D_PM, key: key::PCAP_SAVEFILE_REPLAY },
    Flag { c: 'i', daemons: D_PM, key: key::PCAP_INTERFACE },
    Flag { c: 'N', daemons: D_PM, key: key::PROMISC },
    Flag { c: 'w', daemons: D_PM, key: key::PCAP_INTERFACE_WAIT },
    Flag { c: 'z', daemons: D_PM, key: key::PMACCTD_NONROOT },
    Flag { c: 'g', daemons: D_UA, key: key::UACCTD_GROUP },
    Flag { c: 'O', daemons: ALL, key: key::PRINT_OUTPUT },
    Flag { c: 'o', daemons: ALL, key: key::PRINT_OUTPUT_FILE },
    Flag { c: 'M', daemons: ALL, key: key::PRINT_MARKERS },
    Flag { c: 'A', daemons: ALL, key: key::PRINT_OUTPUT_FILE_APPEND },
    Flag { c: 'E', daemons: ALL, key: key::PRINT_OUTPUT_SEPARATOR },
    Flag { c: 'u', daemons: ALL, key: key::PRINT_NUM_PROTOS },
    Flag { c: 'r', daemons: ALL, key: key::SQL_REFRESH_TIME },
    Flag { c: 'b', daemons: ALL, key: key::IMT_BUCKETS },
    Flag { c: 'm', daemons: ALL, key: key::IMT_MEM_POOLS_NUMBER },
    Flag { c: 'p', daemons: ALL, key: key::IMT_PATH },
    Flag { c: 's', daemons: ALL, key: key::IMT_MEM_POOLS_SIZE },
    // pmbgpd's own (its getopt string "L:l:f:dDS:F:o:O:i:gm:hV")
    Flag { c: 'L', daemons: D_BG, key: key::BGP_DAEMON_IP },
    Flag { c: 'l', daemons: D_BG, key: key::BGP_DAEMON_PORT },
    Flag { c: 'o', daemons: D_BG, key: key::BGP_DAEMON_MSGLOG_FILE },
    Flag { c: 'O', daemons: D_BG, key: key::BGP_TABLE_DUMP_FILE },
    Flag { c: 'i', daemons: D_BG, key: key::BGP_TABLE_DUMP_REFRESH_TIME },
    Flag { c: 'g', daemons: D_BG, key: key::BGP_DAEMON_LG },
    Flag { c: 'm', daemons: D_BG, key: key::BGP_DAEMON_XCONNECT_MAP },
];

/// Flags that set no key: `-f` reads a file, `-h`/`-V`/`-a` print and exit.
pub const ACTION_FLAGS: [char; 4] = ['f', 'h', 'V', 'a'];

/// The key-setting flag `c` of `daemon`, if it has one.
pub(crate) fn key_flag(daemon: Daemon, c: char) -> Option<&'static Flag> {
    FLAGS
        .iter()
        .find(|f| f.c == c && f.daemons & daemon.bit() != 0)
}

/// The value a flag without argument writes: the opposite of its boolean key's default.
fn switch_value(k: Key) -> Option<&'static str> {
    let def = k.def();
    (def.kind == Kind::Bool).then_some(if def.default == Some("true") {
        "false"
    } else {
        "true"
    })
}

/// Whether flag `c` takes an argument, and the key line it writes without one; `None` if
/// `daemon` has no such flag. `-f` takes one and sets no key; `-h`/`-V`/`-a` take none.
fn flag(daemon: Daemon, c: char) -> Option<(bool, Option<String>)> {
    match c {
        // pmbgpd has no primitives to list.
        'a' if daemon == Daemon::Pmbgpd => return None,
        'f' => return Some((true, None)),
        'h' | 'V' | 'a' => return Some((false, None)),
        _ => {}
    }
    let f = key_flag(daemon, c)?;
    Some(match switch_value(f.key) {
        Some(v) => (false, Some(format!("{}: {v}", f.key.name()))),
        None => (true, Some(f.key.name().to_string())),
    })
}

/// The flags `daemon` accepts (key-setting and actions), for usage checks.
pub fn flags(daemon: Daemon) -> Vec<char> {
    let mut v: Vec<char> = ACTION_FLAGS
        .iter()
        .copied()
        .filter(|&c| !(c == 'a' && daemon == Daemon::Pmbgpd))
        .collect();
    for f in FLAGS.iter().filter(|f| f.daemons & daemon.bit() != 0) {
        if !v.contains(&f.c) {
            v.push(f.c);
        }
    }
    v
}

/// Check a `-h` text (flags on lines starting `  -X`) against `daemon`'s command line: it
/// lists only flags the daemon accepts, each an action or setting a registry key; and every
/// accepted flag is listed unless pmacct-rs does not act on its key (no key of its field
/// is implemented: the memory plugin's -p -b -m -s).
pub fn check_usage(daemon: Daemon, usage: &str) -> Result<(), String> {
    let d = daemon.name();
    let listed: Vec<char> = usage
        .lines()
        .filter_map(|l| l.strip_prefix("  -")?.chars().next())
        .filter(|c| *c != '-')
        .collect();
    let accepted = flags(daemon);
    if let Some(c) = listed.iter().find(|c| !accepted.contains(c)) {
        return Err(format!(
            "{d}: -h lists -{c}, which the command line does not accept"
        ));
    }
    for c in accepted.iter().filter(|c| !listed.contains(c)) {
        let Some(k) = flag_key(daemon, *c) else {
            return Err(format!("{d}: -h omits the action -{c}"));
        };
        if group(k.def().field).any(|k| k.implemented) {
            return Err(format!("{d}: -h omits -{c} ({})", k.name()));
        }
    }
    Ok(())
}

/// The key flag `c` sets in `daemon` (None for actions and unknown flags).
pub fn flag_key(daemon: Daemon, c: char) -> Option<Key> {
    key_flag(daemon, c).map(|f| f.key)
}

/// Parse arguments (after the program name) with GNU getopt rules: grouped flags (`-dD`),
/// attached or separate arguments (`-ffile`, `-f file`), operands anywhere, `--` ends flags.
/// `--check-config` (ours) selects [`Action::CheckConfig`]. An unknown flag or a missing
/// argument is a usage error (pmacct prints the usage and exits 1).
pub fn parse_args(daemon: Daemon, argv: &[String]) -> Result<CliArgs, ConfigError> {
    let mut out = CliArgs::default();
    let mut operands = Vec::new();
    let mut i = 0;
    let mut only_operands = false;
    while i < argv.len() {
        let a = &argv[i];
        i += 1;
        if only_operands || a == "-" || !a.starts_with('-') {
            operands.push(a.clone());
            continue;
        }
        if a == "--" {
            only_operands = true;
            continue;
        }
        if a == "--check-config" {
            out.action = Action::CheckConfig;
            continue;
        }
        let chars: Vec<char> = a.chars().skip(1).collect();
        let mut j = 0;
        while j < chars.len() {
            let c = chars[j];
            j += 1;
            let Some((takes_arg, key)) = flag(daemon, c) else {
                return Err(ConfigError::Usage(format!(
                    "{}: invalid option -- '{c}'",
                    daemon.name()
                )));
            };
            let arg = if takes_arg {
                let rest: String = chars[j..].iter().collect();
                j = chars.len();
                if !rest.is_empty() {
                    Some(rest)
                } else if i < argv.len() {
                    i += 1;
                    Some(argv[i - 1].clone())
                } else {
                    return Err(ConfigError::Usage(format!(
                        "{}: option requires an argument -- '{c}'",
                        daemon.name()
                    )));
                }
            } else {
                None
            };
            match (c, key, arg) {
                ('f', _, Some(f)) => out.config_file = Some(f),
                // The first of -h/-V/-a exits in pmacct, before anything else is read.
                ('h', _, _) => {
                    // pmacct exits at once, whatever follows (or --check-config before).
                    out.action = Action::Help;
                    return finish(out, operands, daemon);
                }
                ('V', _, _) => {
                    // pmacct exits at once, whatever follows (or --check-config before).
                    out.action = Action::Version;
                    return finish(out, operands, daemon);
                }
                ('a', _, _) => {
                    // pmacct exits at once, whatever follows (or --check-config before).
                    out.action = Action::ListPrimitives;
                    return finish(out, operands, daemon);
                }
                (_, Some(k), Some(v)) => out.lines.push(format!("{k}: {v}")),
                (_, Some(line), None) => out.lines.push(line),
                _ => {}
            }
        }
    }
    finish(out, operands, daemon)
}

fn finish(mut out: CliArgs, operands: Vec<String>, daemon: Daemon) -> Result<CliArgs, ConfigError> {
    if matches!(daemon, Daemon::Pmacctd | Daemon::Uacctd)
        && out.config_file.is_none()
        && !operands.is_empty()
    {
        out.bpf_filter = Some(operands.join(" "));
    }
    Ok(out)
}

/// `-h` text: flags of `daemon` with the key each sets and its description from the registry.
pub fn usage(daemon: Daemon) -> String {
    let mut s = format!(
        "{d} (pmacct-rs), compatible with pmacct 1.7.7\nUsage: {d} [options] [-f config_file]{f}\n\nOptions:\n",
        d = daemon.name(),
        f = if matches!(daemon, Daemon::Pmacctd | Daemon::Uacctd) { " [filter]" } else { "" }
    );
    s.push_str("  -h              Show this help and exit\n");
    s.push_str("  -V              Show version and build options and exit\n");
    if daemon != Daemon::Pmbgpd {
        s.push_str("  -a              List supported aggregation primitives and exit\n");
    }
    s.push_str("  -f <file>       Read the configuration from <file>\n");
    s.push_str(
        "  --check-config  Validate the configuration: one line per problem, then a summary;\n                  exit 0 clean, 1 errors (would not start or not run as written), 2 warnings\n",
    );
    for f in FLAGS.iter().filter(|f| f.daemons & daemon.bit() != 0) {
        let (c, def) = (f.c, f.key.def());
        let (flagtxt, set) = match switch_value(f.key) {
            Some(v) => (format!("-{c}"), format!("[{}: {v}]", def.name)),
            None => (format!("-{c} <value>"), format!("[{}]", def.name)),
        };
        s.push_str(&format!("  {flagtxt:<15} {set} {}\n", def.doc));
    }
    s.push_str("\nEvery key is described in docs/CONFIG-KEYS.md.\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn nfacctd_flags_map_to_lines() {
        let a = parse_args(
            Daemon::Nfacctd,
            &args(&[
                "-f", "x.conf", "-c", "proto", "-L", "::1", "-l2055", "-dD", "-r", "5",
            ]),
        )
        .unwrap();
        assert_eq!(a.config_file.as_deref(), Some("x.conf"));
        assert_eq!(
            a.lines,
            [
                "aggregate: proto",
                "nfacctd_ip: ::1",
                "nfacctd_port: 2055",
                "debug: true",
                "daemonize: true",
                "sql_refresh_time: 5"
            ]
        );
        assert_eq!(a.action, Action::Run);
    }

    #[test]
    fn l_flag_per_daemon() {
        let p = parse_args(Daemon::Pmacctd, &args(&["-L", "1500", "-i", "eth0"])).unwrap();
        assert_eq!(p.lines, ["snaplen: 1500", "pcap_interface: eth0"]);
        let s = parse_args(Daemon::Sfacctd, &args(&["-L", "1.2.3.4", "-l", "6343"])).unwrap();
        assert_eq!(s.lines, ["sfacctd_ip: 1.2.3.4", "sfacctd_port: 6343"]);
        assert!(matches!(
            parse_args(Daemon::Nfacctd, &args(&["-i", "eth0"])),
            Err(ConfigError::Usage(_))
        ));
        assert!(matches!(
            parse_args(Daemon::Uacctd, &args(&["-N"])),
            Err(ConfigError::Usage(_))
        ));
    }

    #[test]
    fn bpf_filter_and_actions() {
        let p = parse_args(
            Daemon::Pmacctd,
            &args(&["-i", "eth0", "src", "net", "10.0.0.0/8"]),
        )
        .unwrap();
        assert_eq!(p.bpf_filter.as_deref(), Some("src net 10.0.0.0/8"));
        let p = parse_args(Daemon::Pmacctd, &args(&["-f", "c", "port", "53"])).unwrap();
        assert_eq!(p.bpf_filter, None);
        assert_eq!(
            parse_args(Daemon::Nfacctd, &args(&["-V"])).unwrap().action,
            Action::Version
        );
        assert_eq!(
            parse_args(Daemon::Nfacctd, &args(&["-a", "-Q"]))
                .unwrap()
                .action,
            Action::ListPrimitives
        );
        assert_eq!(
            parse_args(Daemon::Nfacctd, &args(&["--check-config", "-f", "x"]))
                .unwrap()
                .action,
            Action::CheckConfig
        );
        assert!(matches!(
            parse_args(Daemon::Nfacctd, &args(&["-f"])),
            Err(ConfigError::Usage(_))
        ));
    }

    const DAEMONS: [Daemon; 5] = [
        Daemon::Nfacctd,
        Daemon::Sfacctd,
        Daemon::Pmacctd,
        Daemon::Uacctd,
        Daemon::Pmbgpd,
    ];

    #[test]
    fn flags_agree_with_registry_cli_column() {
        use crate::registry::KEYS;
        // Each flag's key carries the flag in its registry row...
        for f in FLAGS {
            assert_eq!(f.key.def().cli, Some(f.c), "-{} sets {}", f.c, f.key.name());
            assert!(!ACTION_FLAGS.contains(&f.c));
        }
        // ...and each registry row with a flag is written by it, itself or through the
        // field it shares (`-r` writes sql_refresh_time, which print_refresh_time reads).
        for d in KEYS.iter() {
            if let Some(c) = d.cli {
                assert!(
                    FLAGS
                        .iter()
                        .any(|f| f.c == c && f.key.def().field == d.field),
                    "{} has -{c} in the registry but no flag writes its field",
                    d.name
                );
            }
        }
        // One key per flag and daemon.
        for daemon in DAEMONS {
            for f in FLAGS.iter().filter(|f| f.daemons & daemon.bit() != 0) {
                assert!(std::ptr::eq(key_flag(daemon, f.c).unwrap(), f), "-{}", f.c);
            }
        }
    }

    #[test]
    fn usage_names_every_flag_and_only_flags() {
        for daemon in DAEMONS {
            check_usage(daemon, &usage(daemon)).unwrap();
        }
        let u = usage(Daemon::Pmacctd).replace("  -N", "  -Q");
        assert_eq!(
            check_usage(Daemon::Pmacctd, &u).unwrap_err(),
            "pmacctd: -h lists -Q, which the command line does not accept"
        );
    }

    #[test]
    fn switches_write_the_opposite_of_the_default() {
        let p = parse_args(Daemon::Pmacctd, &args(&["-N", "-D", "-u"])).unwrap();
        assert_eq!(
            p.lines,
            [
                "promisc: false",
                "daemonize: true",
                "print_num_protos: true"
            ]
        );
    }

    #[test]
    fn usage_lists_flags_with_keys() {
        let u = usage(Daemon::Nfacctd);
        assert!(u.contains("-l <value>     "), "{u}");
        assert!(u.contains("[nfacctd_port] UDP port"), "{u}");
        assert!(!usage(Daemon::Nfacctd).contains("pcap_interface"));
        assert!(usage(Daemon::Pmacctd).contains("[snaplen]"));
    }
}
