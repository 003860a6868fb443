//! `ports_file`: the ports a plugin keeps; any other `src_port` / `dst_port` becomes 0, as
//! pmacct 1.7.7's plugins do after the networks evaluation (`ports_aggr.c`).
//!
//! File format: one port a line, `!` comments. pmacct reads the file in 8-byte pieces: only
//! the first 7 characters of a line count, surrounding spaces are trimmed, the value is
//! `atoi()`'d and must be 1..65535. Its warning for a bad line always names line 0 (it
//! never counts lines); we keep that text.

use pmacct_flow::Flow;

use crate::{Diag, MapError, Severity};

/// A loaded `ports_file`: one bit per port.
#[derive(Clone)]
pub struct PortsTable {
    bits: Box<[u64; 1024]>,
}

impl std::fmt::Debug for PortsTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n: u32 = self.bits.iter().map(|w| w.count_ones()).sum();
        write!(f, "PortsTable({n} ports)")
    }
}

/// C `atoi` on a trimmed string: optional sign and leading digits, else 0.
fn atoi(s: &str) -> i64 {
    let (neg, d) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mut v: i64 = 0;
    for b in d.bytes().take_while(u8::is_ascii_digit) {
        v = v.saturating_mul(10).saturating_add(i64::from(b - b'0'));
    }
    if neg {
        -v
    } else {
        v
    }
}

impl PortsTable {
    pub fn parse(file: &str, text: &str) -> (PortsTable, Vec<Diag>) {
        let mut t = PortsTable {
            bits: Box::new([0; 1024]),
        };
        let mut diags = Vec::new();
        for line in text.lines() {
            // fgets(buf, 8): the first 7 bytes of the line.
            let mut end = line.len().min(7);
            while !line.is_char_boundary(end) {
                end -= 1;
            }
            let piece = line[..end].trim();
            if piece.is_empty() || piece.starts_with('!') {
                continue;
            }
            let port = atoi(piece);
            if port > 0 && port < 65536 {
                t.bits[port as usize / 64] |= 1u64 << (port % 64);
            } else {
                diags.push(Diag {
                    severity: Severity::Warn,
                    // pmacct names line 0 whatever the line: kept in the file part, since
                    // MapError's line 0 means "no line".
                    err: MapError {
                        file: format!("{file}:0"),
                        line: 0,
                        msg: "invalid port specified.".into(),
                    },
                });
            }
        }
        (t, diags)
    }

    /// Read and parse `path` (pmacct: `[file] file not found.` and exit at start-up).
    pub fn load(path: &str) -> Result<(PortsTable, Vec<Diag>), MapError> {
        let text = crate::read(path, 64 << 20).map_err(|mut e| {
            e.msg = "file not found.".into();
            e
        })?;
        Ok(PortsTable::parse(path, &text))
    }

    pub fn contains(&self, port: u16) -> bool {
        self.bits[port as usize / 64] & (1u64 << (port % 64)) != 0
    }

    /// Zero the ports the file does not list (a plugin stage; never drops the flow).
    pub fn apply(&self, flow: &mut Flow) -> bool {
        let p = &mut flow.prims;
        if !self.contains(p.src_port) {
            p.src_port = 0;
        }
        if !self.contains(p.dst_port) {
            p.dst_port = 0;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_like_pmacct() {
        let (t, d) = PortsTable::parse("p", "! c\n22\n  443  \n80abc\n#1\n0\n70000\n12345678\n\n");
        assert!(t.contains(22) && t.contains(443) && t.contains(80));
        // "12345678": only "1234567" is read, out of range.
        assert!(!t.contains(0) && !t.contains(1));
        let m: Vec<String> = d.iter().map(|d| d.err.to_string()).collect();
        assert_eq!(m, vec!["[p:0] invalid port specified."; 4]);
        let mut f = Flow::default();
        f.prims.src_port = 22;
        f.prims.dst_port = 23;
        t.apply(&mut f);
        assert_eq!((f.prims.src_port, f.prims.dst_port), (22, 0));
    }
}
