//! `bgp_daemon_md5_file`: the TCP MD5 signature keys (RFC 2385) of the BGP peers.
//!
//! As pmacct 1.7.7 reads it (`bgp_md5_file_load()`): one `address,key` per line, all
//! whitespace removed (a key cannot contain blanks), `!` lines are comments, empty fields are
//! skipped, a third field is ignored, a key longer than 79 bytes is cut there (80 is the
//! kernel's limit, 1.7.7 copies with `strlcpy`), a line without a valid address or key is
//! logged and skipped, at most 8192 entries.

use std::net::IpAddr;

use crate::{Diag, MapError, Severity};

/// pmacct's BGP_MD5_MAP_ENTRIES.
pub const MAX_ENTRIES: usize = 8192;
/// Longest key kept: TCP_MD5SIG_MAXKEYLEN (80) less 1.7.7's terminating NUL.
pub const MAX_KEY_LEN: usize = 79;

/// One peer's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Md5Entry {
    pub addr: IpAddr,
    pub key: Vec<u8>,
}

/// A loaded MD5 file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Md5File {
    pub entries: Vec<Md5Entry>,
}

impl Md5File {
    /// Parse the file's text; bad lines go to `diags` in 1.7.7's words.
    pub fn parse(path: &str, text: &str, diags: &mut Vec<Diag>) -> Md5File {
        let mut entries = Vec::new();
        let warn = |msg: String| Diag {
            severity: Severity::Warn,
            err: MapError {
                file: path.to_string(),
                line: 0,
                msg,
            },
        };
        for line in text.lines() {
            let l: String = line.chars().filter(|c| !c.is_ascii_whitespace()).collect();
            if l.is_empty() || l.starts_with('!') {
                continue;
            }
            if entries.len() >= MAX_ENTRIES {
                diags.push(warn(format!("loaded the first {MAX_ENTRIES} entries.")));
                break;
            }
            let mut tokens = l.split(',').filter(|t| !t.is_empty());
            let addr = tokens.next().and_then(|a| a.parse::<IpAddr>().ok());
            let key = tokens.next().map(|k| {
                let mut k = k.as_bytes().to_vec();
                k.truncate(MAX_KEY_LEN);
                k
            });
            match (addr, key) {
                (Some(addr), Some(key)) => entries.push(Md5Entry { addr, key }),
                _ => diags.push(warn(format!("line '{l}' ignored."))),
            }
        }
        Md5File { entries }
    }

    /// Read and parse `path`; `Err` is 1.7.7's "file not found." (it exits).
    pub fn load(path: &str, diags: &mut Vec<Diag>) -> Result<Md5File, MapError> {
        let text = crate::read_or_not_found(path, 16 << 20)?;
        Ok(Md5File::parse(path, &text, diags))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(t: &str) -> (Md5File, Vec<String>) {
        let mut d = Vec::new();
        let f = Md5File::parse("m", t, &mut d);
        (f, d.into_iter().map(|d| d.err.to_string()).collect())
    }

    #[test]
    fn lines_as_1_7_7_reads_them() {
        let long = "k".repeat(100);
        let text = format!(
            "! comment\n\n 192.0.2.1 , sec ret \n2001:db8::1,,v6key,extra\n10.0.0.1\nbogus,key\n192.0.2.9,{long}\n"
        );
        let (f, d) = parse(&text);
        assert_eq!(
            f.entries,
            vec![
                Md5Entry {
                    addr: "192.0.2.1".parse().unwrap(),
                    key: b"secret".to_vec()
                },
                Md5Entry {
                    addr: "2001:db8::1".parse().unwrap(),
                    key: b"v6key".to_vec()
                },
                Md5Entry {
                    addr: "192.0.2.9".parse().unwrap(),
                    key: vec![b'k'; MAX_KEY_LEN]
                },
            ]
        );
        assert_eq!(
            d,
            vec![
                "[m] line '10.0.0.1' ignored.".to_string(),
                "[m] line 'bogus,key' ignored.".to_string()
            ]
        );
    }

    #[test]
    fn bounded_entries_and_missing_file() {
        let text: String = (0..MAX_ENTRIES + 5)
            .map(|i| format!("10.{}.{}.1,k\n", i / 256, i % 256))
            .collect();
        let (f, d) = parse(&text);
        assert_eq!(f.entries.len(), MAX_ENTRIES);
        assert_eq!(d, vec!["[m] loaded the first 8192 entries.".to_string()]);
        let e = Md5File::load("/nonexistent/md5", &mut Vec::new()).unwrap_err();
        assert_eq!(e.to_string(), "[/nonexistent/md5] file not found.");
    }
}
