//! The request a `pmacct` client sends to the memory plugin's socket (pmacct-rs's own
//! protocol; pmacct 1.7.7's C-struct protocol is not spoken, see docs/COMPATIBILITY.md).
//!
//! Request: the magic `PMRS1\n`, then `key value` lines (UTF-8), the client then shuts its
//! write side. At most [`MAX_REQUEST`] bytes, [`MAX_QUERIES`] queries (pmacct's
//! MAX_QUERIES), [`MAX_LINE`] bytes a line; anything else is rejected.
//! Reply: one status byte (`0` ok, `1` the client exits 1), then the text the client
//! prints, until the server closes the connection.

use std::fmt::Write as _;

/// Request magic and protocol version.
pub const MAGIC: &[u8] = b"PMRS1\n";
/// Largest request accepted (4096 queries of pmacct's 256-byte lines, and room).
pub const MAX_REQUEST: usize = 2 * 1024 * 1024;
/// pmacct's MAX_QUERIES.
pub const MAX_QUERIES: usize = 4096;
/// Longest line.
pub const MAX_LINE: usize = 64 * 1024;

/// What the query asks for (pmacct's WANT_* types that exclude each other).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Want {
    /// Only -e / -i / -l.
    #[default]
    None,
    Stats,
    Status,
    Counter,
    Match,
    ClassTable,
    CustomTable,
}

/// `-O`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Output {
    #[default]
    Formatted,
    Csv,
    Json,
    EventFormatted,
    EventCsv,
}

impl Output {
    pub fn parse(s: &str) -> Option<Output> {
        Some(match s {
            "formatted" => Output::Formatted,
            "csv" => Output::Csv,
            "json" => Output::Json,
            "event_formatted" => Output::EventFormatted,
            "event_csv" => Output::EventCsv,
            _ => return None,
        })
    }
    fn name(self) -> &'static str {
        match self {
            Output::Formatted => "formatted",
            Output::Csv => "csv",
            Output::Json => "json",
            Output::EventFormatted => "event_formatted",
            Output::EventCsv => "event_csv",
        }
    }
    pub fn is_event(self) -> bool {
        matches!(self, Output::EventFormatted | Output::EventCsv)
    }
    pub fn is_formatted(self) -> bool {
        matches!(self, Output::Formatted | Output::EventFormatted)
    }
    pub fn is_csv(self) -> bool {
        matches!(self, Output::Csv | Output::EventCsv)
    }
}

/// A counter (`-n`, `-T`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Counter {
    #[default]
    Bytes,
    Packets,
    Flows,
    /// `-n all`.
    All,
}

impl Counter {
    fn name(self) -> &'static str {
        match self {
            Counter::Bytes => "bytes",
            Counter::Packets => "packets",
            Counter::Flows => "flows",
            Counter::All => "all",
        }
    }
    fn parse(s: &str) -> Option<Counter> {
        Some(match s {
            "bytes" => Counter::Bytes,
            "packets" => Counter::Packets,
            "flows" => Counter::Flows,
            "all" => Counter::All,
            _ => return None,
        })
    }
}

/// One client invocation, as the server needs it to answer (the client parsed the command
/// line; the server checks the rest in pmacct's order and renders the output).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    pub want: Want,
    pub erase: bool,
    pub erase_tstamp: bool,
    pub reset: bool,
    pub lock: bool,
    /// `-c` as given (lower-cased by the client).
    pub count: Option<String>,
    /// `-N`/`-M` argument as given (`;`-separated, or `file:<path>`).
    pub match_string: Option<String>,
    /// The lines of the `file:` list, read by the client (None: no file or not readable).
    pub file_lines: Option<Vec<String>>,
    pub output: Output,
    /// `-E` as given.
    pub sep: Option<String>,
    pub all_fields: bool,
    pub num_protos: bool,
    pub since_epoch: bool,
    pub utc: bool,
    /// `-n` (None: not given).
    pub which: Option<Counter>,
    pub sum: bool,
    /// `-T`: counter and how many (0: all).
    pub top: Option<(Counter, u64)>,
    /// `-P`.
    pub passwd: Option<String>,
}

/// Why a request was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BadRequest {
    Magic,
    TooLong,
    NotUtf8,
    Line(String),
    TooManyQueries,
}

impl std::fmt::Display for BadRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BadRequest::Magic => f.write_str("not a pmacct-rs request (bad magic)"),
            BadRequest::TooLong => write!(f, "request longer than {MAX_REQUEST} bytes"),
            BadRequest::NotUtf8 => f.write_str("request is not UTF-8"),
            BadRequest::Line(l) => write!(f, "bad request line '{}'", l.escape_debug()),
            BadRequest::TooManyQueries => write!(f, "more than {MAX_QUERIES} queries"),
        }
    }
}

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\r' => o.push_str("\\r"),
            _ => o.push(c),
        }
    }
    o
}

fn unesc(s: &str) -> Option<String> {
    let mut o = String::with_capacity(s.len());
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c == '\\' {
            match it.next()? {
                '\\' => o.push('\\'),
                'n' => o.push('\n'),
                'r' => o.push('\r'),
                _ => return None,
            }
        } else {
            o.push(c);
        }
    }
    Some(o)
}

impl Request {
    /// The request's bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut s = String::from_utf8_lossy(MAGIC).into_owned();
        let want = match self.want {
            Want::None => "none",
            Want::Stats => "stats",
            Want::Status => "status",
            Want::Counter => "counter",
            Want::Match => "match",
            Want::ClassTable => "class_table",
            Want::CustomTable => "custom_table",
        };
        let _ = writeln!(s, "want {want}");
        for (k, v) in [
            ("erase", self.erase),
            ("erase_tstamp", self.erase_tstamp),
            ("reset", self.reset),
            ("lock", self.lock),
            ("all_fields", self.all_fields),
            ("num_protos", self.num_protos),
            ("since_epoch", self.since_epoch),
            ("utc", self.utc),
            ("sum", self.sum),
        ] {
            if v {
                let _ = writeln!(s, "{k} 1");
            }
        }
        let _ = writeln!(s, "output {}", self.output.name());
        if let Some(c) = &self.count {
            let _ = writeln!(s, "count {}", esc(c));
        }
        if let Some(m) = &self.match_string {
            let _ = writeln!(s, "match {}", esc(m));
        }
        if let Some(lines) = &self.file_lines {
            let _ = writeln!(s, "file {}", lines.len());
            for l in lines {
                let _ = writeln!(s, "line {}", esc(l));
            }
        }
        if let Some(sep) = &self.sep {
            let _ = writeln!(s, "sep {}", esc(sep));
        }
        if let Some(w) = self.which {
            let _ = writeln!(s, "which {}", w.name());
        }
        if let Some((c, n)) = self.top {
            let _ = writeln!(s, "top {} {n}", c.name());
        }
        if let Some(p) = &self.passwd {
            let _ = writeln!(s, "passwd {}", esc(p));
        }
        s.into_bytes()
    }

    /// Decode a request; never panics, bounds every length.
    pub fn decode(b: &[u8]) -> Result<Request, BadRequest> {
        if b.len() > MAX_REQUEST {
            return Err(BadRequest::TooLong);
        }
        let body = b.strip_prefix(MAGIC).ok_or(BadRequest::Magic)?;
        let body = std::str::from_utf8(body).map_err(|_| BadRequest::NotUtf8)?;
        let mut r = Request::default();
        let mut lines: Option<Vec<String>> = None;
        let mut expected_lines = 0usize;
        for line in body.lines() {
            if line.len() > MAX_LINE {
                return Err(BadRequest::Line(line.chars().take(40).collect()));
            }
            let bad = || BadRequest::Line(line.chars().take(80).collect());
            let (k, v) = line.split_once(' ').unwrap_or((line, ""));
            let flag = || match v {
                "1" => Ok(true),
                "0" => Ok(false),
                _ => Err(bad()),
            };
            match k {
                "want" => {
                    r.want = match v {
                        "none" => Want::None,
                        "stats" => Want::Stats,
                        "status" => Want::Status,
                        "counter" => Want::Counter,
                        "match" => Want::Match,
                        "class_table" => Want::ClassTable,
                        "custom_table" => Want::CustomTable,
                        _ => return Err(bad()),
                    }
                }
                "erase" => r.erase = flag()?,
                "erase_tstamp" => r.erase_tstamp = flag()?,
                "reset" => r.reset = flag()?,
                "lock" => r.lock = flag()?,
                "all_fields" => r.all_fields = flag()?,
                "num_protos" => r.num_protos = flag()?,
                "since_epoch" => r.since_epoch = flag()?,
                "utc" => r.utc = flag()?,
                "sum" => r.sum = flag()?,
                "output" => r.output = Output::parse(v).ok_or_else(bad)?,
                "count" => r.count = Some(unesc(v).ok_or_else(bad)?),
                "match" => r.match_string = Some(unesc(v).ok_or_else(bad)?),
                "file" => {
                    expected_lines = v.parse().map_err(|_| bad())?;
                    if expected_lines > MAX_QUERIES * 4 {
                        return Err(BadRequest::TooManyQueries);
                    }
                    lines = Some(Vec::with_capacity(expected_lines));
                }
                "line" => {
                    let l = lines.as_mut().ok_or_else(bad)?;
                    if l.len() >= expected_lines {
                        return Err(BadRequest::TooManyQueries);
                    }
                    l.push(unesc(v).ok_or_else(bad)?);
                }
                "sep" => r.sep = Some(unesc(v).ok_or_else(bad)?),
                "which" => r.which = Some(Counter::parse(v).ok_or_else(bad)?),
                "top" => {
                    let (c, n) = v.split_once(' ').ok_or_else(bad)?;
                    let c = Counter::parse(c)
                        .filter(|c| *c != Counter::All)
                        .ok_or_else(bad)?;
                    r.top = Some((c, n.parse().map_err(|_| bad())?));
                }
                "passwd" => r.passwd = Some(unesc(v).ok_or_else(bad)?),
                _ => return Err(bad()),
            }
        }
        if let Some(l) = &lines {
            if l.len() != expected_lines {
                return Err(BadRequest::Line("file: line count".into()));
            }
        }
        r.file_lines = lines;
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let r = Request {
            want: Want::Match,
            reset: true,
            count: Some("src_host,dst_port".into()),
            match_string: Some("10.0.0.1,80;*,53\nx\\".into()),
            file_lines: Some(vec!["a,b".into(), "c\n".into()]),
            output: Output::EventCsv,
            sep: Some(";".into()),
            which: Some(Counter::All),
            top: Some((Counter::Packets, 3)),
            passwd: Some("pw".into()),
            ..Default::default()
        };
        assert_eq!(Request::decode(&r.encode()), Ok(r));
    }

    /// Every one-byte mutation and truncation of a request decodes or is rejected, never
    /// panics (the fuzz target `memory_request` goes further).
    #[test]
    fn mutations_never_panic() {
        let r = Request {
            want: Want::Counter,
            count: Some("src_host".into()),
            match_string: Some("file:/x".into()),
            file_lines: Some(vec!["10.0.0.1".into()]),
            top: Some((Counter::Bytes, 2)),
            ..Default::default()
        };
        let b = r.encode();
        for i in 0..b.len() {
            let _ = Request::decode(&b[..i]);
            for v in [0u8, b'\n', b' ', b'\\', 0xff, b'9'] {
                let mut m = b.clone();
                m[i] = v;
                let _ = Request::decode(&m);
            }
        }
    }

    #[test]
    fn rejects() {
        assert_eq!(Request::decode(b"GET /"), Err(BadRequest::Magic));
        assert!(Request::decode(b"PMRS1\nwant bogus\n").is_err());
        assert!(Request::decode(b"PMRS1\nline x\n").is_err());
        assert!(Request::decode(b"PMRS1\nfile 1\nline a\nline b\n").is_err());
        assert!(Request::decode(b"PMRS1\nfile 99999999999\n").is_err());
        assert!(Request::decode(b"PMRS1\ncount a\\q\n").is_err());
        assert!(Request::decode(b"PMRS1\n\xff\n").is_err());
        let big = vec![b'a'; MAX_REQUEST + 1];
        assert_eq!(Request::decode(&big), Err(BadRequest::TooLong));
    }
}
