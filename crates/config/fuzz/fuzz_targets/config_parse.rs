//! Config text (and command-line key lines) of any bytes: parsing never panics, and what it
//! returns is consistent (every plugin has a name, diagnostics name the file).
#![no_main]

use libfuzzer_sys::fuzz_target;
use pmacct_config::{key, parse_args, parse_bytes, ConfigError, Daemon, Options};

fuzz_target!(|data: &[u8]| {
    // First byte picks the daemon; a 0xff byte splits the config text from argv words.
    let Some((&sel, rest)) = data.split_first() else { return };
    let daemon = [Daemon::Nfacctd, Daemon::Sfacctd, Daemon::Pmacctd, Daemon::Uacctd][usize::from(sel & 3)];
    let (text, argv) = match rest.iter().position(|&b| b == 0xff) {
        Some(p) => (&rest[..p], &rest[p + 1..]),
        None => (rest, &[][..]),
    };
    let argv: Vec<String> = String::from_utf8_lossy(argv).split(' ').map(str::to_string).collect();
    let lines = match parse_args(daemon, &argv) {
        Ok(a) => a.lines,
        Err(_) => Vec::new(),
    };
    let file = if sel & 4 == 0 { Some("f.conf") } else { None };
    match parse_bytes(daemon, file, text, &lines, Options::default()) {
        Ok(l) => {
            assert!(!l.config.plugins.is_empty());
            for d in &l.diagnostics {
                let _ = d.render();
            }
            for p in &l.config.plugins {
                let _ = p.scope.entries_for(&p.kind);
                let _ = p.scope.list(key::AGGREGATE);
                let _ = p.scope.history(key::PRINT_HISTORY);
                let _ = p.scope.u64(key::PRINT_REFRESH_TIME);
            }
        }
        Err(ConfigError::Fatal(d)) => assert!(!d.is_empty()),
        Err(ConfigError::Usage(_)) => {}
    }
});
