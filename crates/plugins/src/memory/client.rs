//! The `pmacct` command: pmacct 1.7.7's command line (getopt string
//! `hSsc:Cetm:p:P:M:arN:n:lT:O:E:uVUiI0`, its warnings and errors), one request to the
//! memory plugin's socket, and the reply printed as it comes. The checks that pmacct's
//! client makes after connecting, the query and the rendering happen in the plugin
//! ([`super::query`]), so that output depends on one implementation.

use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;

use super::proto::{Counter, Output, Request, Want};
use super::query::usage;

/// pmacct's default `-p`.
pub const DEFAULT_PATH: &str = "/tmp/collect.pipe";
const OPTSTRING: &str = "hSsc:Cetm:p:P:M:arN:n:lT:O:E:uVUiI0";

/// What the command line asked for.
pub enum Parsed {
    /// Print this and exit with the code.
    Exit(String, i32),
    Query(Box<Request>, String),
}

fn version() -> String {
    format!(
        "pmacct IMT plugin client, pmacct 1.7.7-compatible (pmacct-rs {})\n\nFor suggestions, critics, bugs, contact me: Paolo Lucente <paolo@pmacct.net>.\n",
        env!("CARGO_PKG_VERSION")
    )
}

fn takes_arg(c: char) -> Option<bool> {
    let i = OPTSTRING.find(c)?;
    Some(OPTSTRING[i + 1..].starts_with(':'))
}

/// Parse the command line (`args[0]` is the program name) as pmacct 1.7.7's client does.
/// Text it prints before connecting (warnings) goes to `out`, getopt's diagnostics to
/// `err`.
pub fn parse(args: &[String], out: &mut String, err: &mut String) -> Parsed {
    let prog = args.first().map(String::as_str).unwrap_or("pmacct");
    let prog_name = prog.rsplit('/').next().unwrap_or(prog);
    let mut r = Request::default();
    let mut path = DEFAULT_PATH.to_string();
    let ex = "ERROR: -s, -t, -N, -M and -C options are each mutually exclusive.\n\n";
    let mut i = 1;
    let mut operands_done = false;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if operands_done || !a.starts_with('-') || a == "-" {
            continue; // glibc permutes: operands are skipped.
        }
        if a == "--" {
            operands_done = true;
            continue;
        }
        let chars: Vec<char> = a[1..].chars().collect();
        let mut j = 0;
        while j < chars.len() {
            let c = chars[j];
            j += 1;
            let mut optarg = None;
            match takes_arg(c) {
                None => {
                    err.push_str(&format!("{prog_name}: invalid option -- '{c}'\n"));
                    out.push_str("ERROR: parameter ? unknown! \n  Exiting...\n\n");
                    out.push_str(&usage(prog));
                    return Parsed::Exit(std::mem::take(out), 1);
                }
                Some(true) => {
                    if j < chars.len() {
                        optarg = Some(chars[j..].iter().collect::<String>());
                        j = chars.len();
                    } else if i < args.len() {
                        optarg = Some(args[i].clone());
                        i += 1;
                    } else {
                        err.push_str(&format!(
                            "{prog_name}: option requires an argument -- '{c}'\n"
                        ));
                        out.push_str("ERROR: parameter ? unknown! \n  Exiting...\n\n");
                        out.push_str(&usage(prog));
                        return Parsed::Exit(std::mem::take(out), 1);
                    }
                }
                Some(false) => {}
            }
            let arg = optarg.unwrap_or_default();
            let exclusive = r.want != Want::None || r.erase_tstamp;
            match c {
                's' | 'C' | 'U' | 't' | 'N' | 'M' | 'm' => {
                    if exclusive {
                        out.push_str(ex);
                        return Parsed::Exit(std::mem::take(out), 1);
                    }
                    r.want = match c {
                        's' => Want::Stats,
                        'C' => Want::ClassTable,
                        'U' => Want::CustomTable,
                        't' => Want::Status,
                        'M' => Want::Match,
                        _ => Want::Counter,
                    };
                    if matches!(c, 'N' | 'M' | 'm') {
                        r.match_string = Some(arg.chars().take(8191).collect());
                    }
                }
                'c' => r.count = Some(arg.to_ascii_lowercase()),
                'e' => r.erase = true,
                'i' => r.erase_tstamp = true,
                'I' => r.since_epoch = true,
                '0' => r.utc = true,
                'l' => r.lock = true,
                'n' => match arg.to_ascii_lowercase().as_str() {
                    "bytes" => r.which = Some(Counter::Bytes),
                    "packets" => r.which = Some(Counter::Packets),
                    "flows" => r.which = Some(Counter::Flows),
                    "all" => r.which = Some(Counter::All),
                    other => out.push_str(&format!(
                        "WARN: -n, ignoring unknown counter type: {other}.\n"
                    )),
                },
                'T' => {
                    let t = arg.to_ascii_lowercase();
                    let (name, n) = match t.split_once(',') {
                        Some((a, b)) => {
                            let digits: String = b
                                .trim_start()
                                .chars()
                                .take_while(|c| c.is_ascii_digit())
                                .collect();
                            (a.to_string(), digits.parse::<u64>().unwrap_or(0))
                        }
                        None => (t.clone(), 0),
                    };
                    let prev = r.top.map(|(_, n)| n).unwrap_or(0);
                    let n = if t.contains(',') { n } else { prev };
                    match name.as_str() {
                        "bytes" => r.top = Some((Counter::Bytes, n)),
                        "packets" => r.top = Some((Counter::Packets, n)),
                        "flows" => r.top = Some((Counter::Flows, n)),
                        other => out.push_str(&format!(
                            "WARN: -T, ignoring unknown counter type: {other}.\n"
                        )),
                    }
                }
                'S' => r.sum = true,
                'p' => path = arg,
                'P' => r.passwd = Some(arg.chars().take(8).collect()),
                'a' => r.all_fields = true,
                'r' => r.reset = true,
                'O' => {
                    let o = arg.to_ascii_lowercase();
                    match Output::parse(&o) {
                        Some(v) => r.output = v,
                        None => out.push_str(&format!(
                            "WARN: -O, ignoring unknown output value: '{o}'.\n"
                        )),
                    }
                }
                'E' => r.sep = Some(arg.chars().take(9).collect()),
                'u' => r.num_protos = true,
                'h' => {
                    out.push_str(&usage(prog));
                    return Parsed::Exit(std::mem::take(out), 0);
                }
                'V' => {
                    out.push_str(&version());
                    return Parsed::Exit(std::mem::take(out), 0);
                }
                _ => {}
            }
        }
    }
    // `file:` lists are read here, by the client.
    if let Some(m) = &r.match_string {
        if let Some(file) = m.trim_start().strip_prefix("file:") {
            r.file_lines = std::fs::read(file).ok().map(|b| {
                String::from_utf8_lossy(&b)
                    .lines()
                    .take(super::proto::MAX_QUERIES * 4)
                    .map(str::to_string)
                    .collect()
            });
        }
    }
    Parsed::Query(Box::new(r), path)
}

/// Send `req` to the socket at `path` and copy the reply to `out`; the exit code.
pub fn query(req: &Request, path: &str, out: &mut dyn Write) -> i32 {
    let mut conn = match UnixStream::connect(path) {
        Ok(c) => c,
        Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
            let _ = write!(
                out,
                "INFO: Connection refused while trying to connect to '{path}'\n\n"
            );
            return 1;
        }
        Err(_) => {
            let _ = write!(out, "ERROR: Unable to connect to '{path}'\n\n");
            return 1;
        }
    };
    if conn.write_all(&req.encode()).is_err() || conn.shutdown(std::net::Shutdown::Write).is_err() {
        let _ = writeln!(out, "ERROR: missing EOF from server (1)");
        return 1;
    }
    let mut status = [0u8; 1];
    if conn.read_exact(&mut status).is_err() {
        let _ = writeln!(out, "ERROR: missing EOF from server (4)");
        return 1;
    }
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match conn.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                if out.write_all(&buf[..n]).is_err() {
                    return 1;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => {
                let _ = writeln!(out, "ERROR: missing EOF from server (4)");
                return 1;
            }
        }
    }
    i32::from(status[0] != 0)
}

/// The whole command: parse, query, print; returns the exit code.
pub fn main(args: &[String]) -> i32 {
    let (mut text, mut err) = (String::new(), String::new());
    let parsed = parse(args, &mut text, &mut err);
    let stdout = io::stdout();
    let mut out = stdout.lock();
    eprint!("{err}");
    match parsed {
        Parsed::Exit(t, code) => {
            let _ = out.write_all(t.as_bytes());
            let _ = out.flush();
            code
        }
        Parsed::Query(req, path) => {
            let _ = out.write_all(text.as_bytes());
            let code = query(&req, &path, &mut out);
            let _ = out.flush();
            code
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> (Parsed, String) {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let (mut o, mut e) = (String::new(), String::new());
        let r = parse(&args, &mut o, &mut e);
        (r, o)
    }

    #[test]
    fn options() {
        let (r, _) = p(&["pmacct", "-s", "-O", "CSV", "-Tbytes,3", "-p", "/x"]);
        let Parsed::Query(r, path) = r else { panic!() };
        assert_eq!(path, "/x");
        assert_eq!(r.want, Want::Stats);
        assert_eq!(r.output, Output::Csv);
        assert_eq!(r.top, Some((Counter::Bytes, 3)));
        let (r, _) = p(&["pmacct", "-s", "-N", "x"]);
        assert!(matches!(r, Parsed::Exit(ref t, 1) if t.starts_with("ERROR: -s, -t, -N")));
        let (r, _) = p(&["pmacct", "-x"]);
        assert!(
            matches!(r, Parsed::Exit(ref t, 1) if t.starts_with("ERROR: parameter ? unknown!"))
        );
        let (r, o) = p(&["pmacct", "-s", "-n", "foo"]);
        assert!(matches!(r, Parsed::Query(..)));
        assert_eq!(o, "WARN: -n, ignoring unknown counter type: foo.\n");
    }
}
