//! Our side of the config differential test: parse a daemon command line the way nfacctd
//! would, print the diagnostics in pmacct's format, then each plugin's effective settings.
fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    match pmacct_config::load(pmacct_config::Daemon::Nfacctd, &argv) {
        Ok(l) => {
            for d in &l.diagnostics {
                println!("{d}");
            }
            for p in &l.config.plugins {
                println!("plugin {}[{}]", p.kind, p.name);
                for (k, v) in p.scope.entries_for(&p.kind) {
                    println!("  {k}: {v}");
                }
            }
        }
        Err(e) => {
            println!("{e}");
            std::process::exit(1);
        }
    }
}
