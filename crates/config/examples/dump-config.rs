//! Show how pmacct-rs reads a configuration: `dump-config [--daemon nfacctd] <daemon args>`.
//!
//! Output lines: `P <line>` what pmacct 1.7.7 logs while reading it, `D <diagnostic>` our
//! diagnostics, `E <plugin>/<type> <key>: <value>` effective values set per instance (named
//! as the plugin type knows them), `F <plugin>/<type> <file>` the file each print plugin
//! writes (`-` for stdout). Used by compat-tests/config/diff.sh.
use pmacct_config::{load, Action, ConfigError, Daemon, PluginKind};

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut daemon = Daemon::Nfacctd;
    if args.first().map(String::as_str) == Some("--daemon") && args.len() > 1 {
        daemon = match args[1].as_str() {
            "sfacctd" => Daemon::Sfacctd,
            "pmacctd" => Daemon::Pmacctd,
            "uacctd" => Daemon::Uacctd,
            _ => Daemon::Nfacctd,
        };
        args.drain(..2);
    }
    match load(daemon, &args) {
        Err(ConfigError::Usage(m)) => {
            println!("U {m}");
            std::process::exit(1);
        }
        Err(ConfigError::Fatal(diags)) => {
            for d in &diags {
                for p in &d.pmacct {
                    println!("P {p}");
                }
            }
            for d in &diags {
                println!("D {}", d.render());
            }
            println!("X 1");
            std::process::exit(1);
        }
        Ok(l) => {
            for p in l.pmacct_lines() {
                println!("P {p}");
            }
            for d in &l.diagnostics {
                println!("D {}", d.render());
            }
            if l.action != Action::Run {
                println!("A {:?}", l.action);
            }
            let c = &l.config;
            let all = std::iter::once((c.core_name.as_str(), PluginKind::Core, &c.core)).chain(
                c.plugins
                    .iter()
                    .map(|p| (p.name.as_str(), p.kind, &p.scope)),
            );
            for (name, kind, scope) in all {
                for (k, v) in scope.entries_for(&kind) {
                    println!("E {name}/{} {k}: {v}", kind.as_str());
                }
                if kind == PluginKind::Print {
                    let f = scope
                        .str(pmacct_config::key::PRINT_OUTPUT_FILE)
                        .unwrap_or("-");
                    println!("F {name}/print {f}");
                }
            }
            println!("X {}", i32::from(l.has_errors()));
        }
    }
}
