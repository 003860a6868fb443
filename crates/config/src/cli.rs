//! Command-line switches of nfacctd, sfacctd, pmacctd and uacctd (pmacct 1.7.7 getopt
//! strings), mapped to the key lines pmacct appends after the config file.

use crate::registry::lookup;
use crate::{Action, ConfigError, Daemon};

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

/// Flags taking an argument and the key they set, then flags without one and their line.
/// `None` for -f/-h/-V/-a which are handled apart.
fn flag(daemon: Daemon, c: char) -> Option<(bool, Option<&'static str>)> {
    use Daemon::*;
    let with_arg = |k| Some((true, Some(k)));
    let set = |l| Some((false, Some(l)));
    match (daemon, c) {
        (_, 'f') => Some((true, None)),
        (_, 'h' | 'V' | 'a') => Some((false, None)),
        (_, 'P') => with_arg("plugins"),
        (_, 'D') => set("daemonize: true"),
        (_, 'd') => set("debug: true"),
        (_, 'n') => with_arg("networks_file"),
        (_, 't') => with_arg("ports_file"),
        (_, 'O') => with_arg("print_output"),
        (_, 'o') => with_arg("print_output_file"),
        (_, 'M') => set("print_markers: true"),
        (_, 'A') => set("print_output_file_append: true"),
        (_, 'E') => with_arg("print_output_separator"),
        (_, 'u') => set("print_num_protos: true"),
        (_, 'F') => with_arg("pidfile"),
        (_, 'c') => with_arg("aggregate"),
        (_, 'b') => with_arg("imt_buckets"),
        (_, 'm') => with_arg("imt_mem_pools_number"),
        (_, 'p') => with_arg("imt_path"),
        (_, 'r') => with_arg("sql_refresh_time"),
        (_, 's') => with_arg("imt_mem_pools_size"),
        (_, 'S') => with_arg("syslog"),
        (_, 'R') => set("sfacctd_renormalize: true"),
        (Nfacctd | Sfacctd | Pmacctd, 'I') => with_arg("pcap_savefile"),
        (Nfacctd | Sfacctd | Pmacctd, 'W') => set("pcap_savefile_wait: true"),
        (Nfacctd | Sfacctd | Pmacctd, 'Z') => with_arg("pcap_savefile_delay"),
        (Nfacctd | Sfacctd | Pmacctd, 'Y') => with_arg("pcap_savefile_replay"),
        (Nfacctd, 'L') => with_arg("nfacctd_ip"),
        (Nfacctd, 'l') => with_arg("nfacctd_port"),
        (Sfacctd, 'L') => with_arg("sfacctd_ip"),
        (Sfacctd, 'l') => with_arg("sfacctd_port"),
        (Pmacctd | Uacctd, 'L') => with_arg("snaplen"),
        (Pmacctd, 'i') => with_arg("pcap_interface"),
        (Pmacctd, 'N') => set("promisc: false"),
        (Pmacctd, 'w') => set("pcap_interface_wait: true"),
        (Pmacctd, 'z') => set("pmacctd_nonroot: true"),
        (Uacctd, 'g') => with_arg("uacctd_group"),
        _ => None,
    }
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
                (_, Some(line), None) => out.lines.push(line.to_string()),
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
    s.push_str("  -a              List supported aggregation primitives and exit\n");
    s.push_str("  -f <file>       Read the configuration from <file>\n");
    s.push_str(
        "  --check-config  Validate the configuration, print problems, exit 0 (valid) or 1\n",
    );
    for c in "PDdcFSnt RLlIWZYiNwzgOoMAEur bmps"
        .chars()
        .filter(|c| *c != ' ')
    {
        let Some((takes_arg, Some(k))) = flag(daemon, c) else {
            continue;
        };
        let key = k.split(':').next().unwrap_or(k);
        let doc = lookup(key)
            .map(|d| d.doc)
            .filter(|d| !d.is_empty())
            .unwrap_or("");
        let flagtxt = if takes_arg {
            format!("-{c} <value>")
        } else {
            format!("-{c}")
        };
        let set = if takes_arg {
            format!("[{key}]")
        } else {
            format!("[{k}]")
        };
        s.push_str(&format!("  {flagtxt:<15} {set} {doc}\n"));
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

    #[test]
    fn usage_lists_flags_with_keys() {
        let u = usage(Daemon::Nfacctd);
        assert!(u.contains("-l <value>     "), "{u}");
        assert!(u.contains("[nfacctd_port] UDP port"), "{u}");
        assert!(!usage(Daemon::Nfacctd).contains("pcap_interface"));
        assert!(usage(Daemon::Pmacctd).contains("[snaplen]"));
    }
}
