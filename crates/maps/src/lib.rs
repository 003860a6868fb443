//! pmacct's map files. Each map is one module: its parser (file and line in every error, as
//! pmacct reports them), its validated in-memory form, and its lookup. Maps know nothing of
//! sockets or plugins; the daemon applies core maps (pre_tag_map, sampling_map, allow files)
//! to every flow and plugin-scoped maps (networks_file, ports_file, pre_tag_filter) per plugin.

use std::fmt;

pub mod allow;
pub mod bgp_agent;
pub mod bgp_md5;
pub mod geoip;
pub mod networks;
pub mod pcap_interfaces;
pub mod ports;
pub mod pretag;
pub mod sampling;

/// An error in a map file, located the way pmacct names it: `file:line`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapError {
    pub file: String,
    /// 1-based; 0 when the error is about the whole file (unreadable, too many entries).
    pub line: usize,
    pub msg: String,
}

impl fmt::Display for MapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "[{}] {}", self.file, self.msg)
        } else {
            write!(f, "[{}:{}] {}", self.file, self.line, self.msg)
        }
    }
}

impl std::error::Error for MapError {}

/// How loud a map diagnostic is, as pmacct logs it (`INFO`, `WARN`, `ERROR`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Info,
    Warn,
    Error,
}

/// One log line a map load produced; `MapError`'s Display is pmacct's text after the
/// `LEVEL ( name/type ): ` prefix, which the daemon adds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diag {
    pub severity: Severity,
    pub err: MapError,
}

/// The meaningful lines of a map file: `(line number, trimmed text)`, skipping blank lines and
/// `!`/`#` comments as pmacct does.
pub fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('!') && !l.starts_with('#'))
}

/// [`read`] for maps whose missing file pmacct reports as "file not found." (allow and MD5
/// files: fatal at start-up).
pub fn read_or_not_found(path: &str, max_bytes: u64) -> Result<String, MapError> {
    read(path, max_bytes).map_err(|e| MapError {
        file: path.to_string(),
        line: 0,
        msg: if std::fs::metadata(path).is_err() {
            "file not found.".to_string()
        } else {
            e.msg
        },
    })
}

/// Read a map file, bounded in size so a wrong path (a disk image, /dev/zero) cannot exhaust
/// memory.
pub fn read(path: &str, max_bytes: u64) -> Result<String, MapError> {
    use std::io::Read;
    let err = |msg: String| MapError {
        file: path.to_string(),
        line: 0,
        msg,
    };
    let f = std::fs::File::open(path).map_err(|e| err(format!("unable to open: {e}")))?;
    let mut s = String::new();
    f.take(max_bytes + 1)
        .read_to_string(&mut s)
        .map_err(|e| err(format!("unable to read: {e}")))?;
    if s.len() as u64 > max_bytes {
        return Err(err(format!("larger than {max_bytes} bytes")));
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_blanks_are_skipped_with_line_numbers_kept() {
        let got: Vec<_> = lines("! c\n\nset_tag=1 ip=1.2.3.4\n  # x\n id=2\n").collect();
        assert_eq!(got, vec![(3, "set_tag=1 ip=1.2.3.4"), (5, "id=2")]);
    }
}
