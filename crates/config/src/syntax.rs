//! pmacct 1.7.7's config file syntax: whole-line `!`/`#` comments, split at the first `:`,
//! keys lower-cased with whitespace outside `[...]` removed, `[name]` scoping with the name
//! kept as written, values trimmed and otherwise literal.

use crate::Diagnostic;

/// pmacct's limits (cfg.h): bytes per line and lines per file.
pub const MAX_LINE_BYTES: usize = 10240;
pub const MAX_LINES: usize = 8224;

/// One `key[name]: value` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub file: String,
    pub line: usize,
    pub key: String,
    pub name: Option<String>,
    pub value: String,
}

/// Split a file into lines; the first syntax error stops parsing, as in pmacct.
pub fn parse(file: &str, text: &[u8]) -> Result<Vec<Line>, Diagnostic> {
    let mut out = Vec::new();
    for (idx, raw) in text.split(|&b| b == b'\n').enumerate() {
        let n = idx + 1;
        if n > MAX_LINES {
            return Err(Diagnostic::error(
                file,
                n,
                None,
                format!("too many lines (max {MAX_LINES}). Exiting."),
            ));
        }
        if raw.len() > MAX_LINE_BYTES {
            return Err(Diagnostic::error(
                file,
                n,
                None,
                format!("line too long (max {MAX_LINE_BYTES} bytes). Exiting."),
            ));
        }
        let s = String::from_utf8_lossy(raw);
        let t = s.trim();
        if t.is_empty() || t.starts_with('!') || t.starts_with('#') {
            continue;
        }
        let Some(colon) = t.find(':') else {
            return Err(Diagnostic::error(
                file,
                n,
                None,
                "Syntax error: missing ':'. Exiting.".into(),
            ));
        };
        let (k, v) = (&t[..colon], &t[colon + 1..]);
        let (key, name) = split_key(k).ok_or_else(|| {
            Diagnostic::error(
                file,
                n,
                None,
                "Syntax error: not weighted brackets. Exiting.".into(),
            )
        })?;
        if key.is_empty() {
            return Err(Diagnostic::error(
                file,
                n,
                None,
                "Syntax error: missing key. Exiting.".into(),
            ));
        }
        out.push(Line {
            file: file.to_string(),
            line: n,
            key,
            name,
            value: v.trim().to_string(),
        });
    }
    Ok(out)
}

/// `Aggregate [Foo] ` -> ("aggregate", Some("Foo")). None on unbalanced or nested brackets
/// or text after the closing bracket.
fn split_key(k: &str) -> Option<(String, Option<String>)> {
    let mut key = String::new();
    let mut name: Option<String> = None;
    let mut in_br = false;
    let mut closed = false;
    for c in k.chars() {
        match c {
            '[' if in_br || closed => return None,
            '[' => {
                in_br = true;
                name = Some(String::new());
            }
            ']' if !in_br => return None,
            ']' => {
                in_br = false;
                closed = true;
            }
            c if in_br => name.as_mut()?.push(c),
            c if c.is_whitespace() => {}
            _ if closed => return None,
            c => key.push(c.to_ascii_lowercase()),
        }
    }
    if in_br {
        return None;
    }
    Some((key, name.map(|n| n.trim().to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(s: &str) -> Line {
        parse("f", s.as_bytes()).unwrap().remove(0)
    }

    #[test]
    fn key_normalization_and_scoping() {
        let l = one("  Aggregate [Foo] : proto, src_host ");
        assert_eq!(
            (l.key.as_str(), l.name.as_deref(), l.value.as_str()),
            ("aggregate", Some("Foo"), "proto, src_host")
        );
        assert_eq!(one("PLUGINS: print").key, "plugins");
        assert_eq!(one("print _ output: json").key, "print_output");
    }

    #[test]
    fn value_split_at_first_colon_and_literal() {
        let l = one("nfacctd_ip: ::1");
        assert_eq!(l.value, "::1");
        // No trailing comments, no quoting.
        assert_eq!(
            one("print_output_file[p]: /x/c3.json ! trailing").value,
            "/x/c3.json ! trailing"
        );
        assert_eq!(one("kafka_topic: \"x\"").value, "\"x\"");
    }

    #[test]
    fn comments_and_blank_lines() {
        let v = parse("f", b"! c\n  # c2\n\n\t\ndebug: true\n").unwrap();
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].line, 5);
    }

    #[test]
    fn syntax_errors_name_file_and_line() {
        let e = parse("c.conf", b"debug: true\nnocolon\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "ERROR: [c.conf:2] Syntax error: missing ':'. Exiting."
        );
        for bad in ["a[b: c", "a]b: c", "a[b[c]]: d", "a[b]c: d", "a[b][c]: d"] {
            assert!(parse("f", bad.as_bytes()).is_err(), "{bad}");
        }
    }

    #[test]
    fn limits_and_binary_input_do_not_panic() {
        let long = format!("debug: {}", "x".repeat(MAX_LINE_BYTES));
        assert!(parse("f", long.as_bytes()).is_err());
        let many = "debug: true\n".repeat(MAX_LINES + 1);
        assert!(parse("f", many.as_bytes()).is_err());
        let _ = parse("f", &[0xff, 0xfe, b':', 0, 0x80, b'\n', b'[', b':']);
    }
}
