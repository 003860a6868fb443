//! Line-level syntax as pmacct 1.7.7 reads a config file: rows, comments, the syntax checks
//! that stop the daemon, key clean-up (whitespace outside `[...]` removed, lower-cased).

/// pmacct reads a file with `fgets` into a 10240-byte buffer: longer lines are split into
/// several rows (each counted as a line).
pub const MAX_LINE: usize = 10240;
/// Maximum number of rows (file plus command line), pmacct's LARGEBUFLEN.
pub const MAX_ROWS: usize = 8224;

/// C `isspace` in the C locale.
pub(crate) fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Split file bytes into rows as `fgets` would; a NUL ends the row's C string. Returns the
/// rows and whether the row limit stopped reading.
pub(crate) fn split_rows(text: &[u8], max_rows: usize) -> (Vec<Vec<u8>>, bool) {
    let mut rows = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        if rows.len() == max_rows {
            return (rows, true);
        }
        let limit = rest.len().min(MAX_LINE - 1);
        let end = rest[..limit]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(limit, |p| p + 1);
        let row = &rest[..end];
        let row = row.iter().position(|&b| b == 0).map_or(row, |p| &row[..p]);
        rows.push(row.to_vec());
        rest = &rest[end..];
    }
    (rows, false)
}

/// A fatal syntax error: pmacct logs `ERROR: [file:N] Syntax error: <what>. Exiting.`
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError(pub &'static str);

/// Sanitize one row in place as pmacct does. `rows` is the total row count: pmacct's check
/// that a `[name]` follows a key only looks at that many leading bytes (a 1.7.7 quirk).
/// Returns `Ok(None)` for comments and blank rows.
pub(crate) fn sanitize(row: &[u8], rows: usize) -> Result<Option<Vec<u8>>, SyntaxError> {
    let first = row.iter().position(|&b| !is_space(b));
    let Some(first) = first else { return Ok(None) };
    if row[first] == b'!' || row[first] == b'#' {
        return Ok(None);
    }
    if !row.contains(&b':') {
        return Err(SyntaxError("missing ':'"));
    }
    // Bracket balance, over the whole line (value included) and its terminating NUL.
    let (mut symbol, mut got_first, mut got_colon) = (0i64, 0i64, false);
    for i in 0..=row.len() {
        let c = row.get(i).copied().unwrap_or(0);
        if c == b'[' {
            symbol += 1;
        } else if c == b']' {
            symbol -= 1;
            got_first += 1;
        }
        if c == b':' && !got_colon {
            got_colon = true;
            if symbol != 0 {
                return Err(SyntaxError("illegal brackets"));
            }
        }
        if c == 0 && symbol != 0 && got_first == 0 {
            return Err(SyntaxError("not weighted brackets (1)"));
        }
        if symbol < 0 && got_first == 0 {
            return Err(SyntaxError("not weighted brackets (2)"));
        }
        if symbol > 1 && got_first == 0 {
            return Err(SyntaxError("nested symbols not allowed"));
        }
    }
    // Rebuild: key without whitespace outside brackets, value verbatim then trimmed.
    let mut out = Vec::with_capacity(row.len());
    let (mut symbol, mut in_value, mut value_at) = (0i64, false, None);
    for &c in row {
        if !in_value {
            if c == b'[' {
                symbol += 1;
            } else if c == b']' {
                symbol -= 1;
            } else if c == b':' {
                in_value = true;
                value_at = Some(out.len() + 1);
            }
        }
        if symbol == 0 && !in_value {
            if !is_space(c) {
                out.push(c);
            }
        } else {
            out.push(c);
        }
    }
    if let Some(v) = value_at {
        let v = v.min(out.len());
        let value = &out[v..];
        let s = value
            .iter()
            .position(|&b| !is_space(b))
            .unwrap_or(value.len());
        let e = value
            .iter()
            .rposition(|&b| !is_space(b))
            .map_or(s, |p| p + 1);
        let trimmed = value[s..e].to_vec();
        out.truncate(v);
        out.extend_from_slice(&trimmed);
    }
    // Every `[` must follow a key letter (only the first `rows` bytes are looked at).
    let (mut symbol, mut key) = (0i64, 0i64);
    for &c in out.iter().take(rows) {
        if c == b'[' {
            symbol += 1;
        } else if c == b']' {
            symbol -= 1;
            key -= 1;
        }
        if c == b':' {
            break;
        }
        if symbol == 0 {
            if c.is_ascii_alphabetic() {
                key = 1;
            }
        } else if key == 0 {
            return Err(SyntaxError("symbol not referring to any key"));
        }
    }
    if out.first() == Some(&b':') {
        return Err(SyntaxError("missing key"));
    }
    // Lower-case the key outside brackets.
    let mut symbol = 0i64;
    for c in out.iter_mut() {
        if *c == b'[' {
            symbol += 1;
        } else if *c == b']' {
            symbol -= 1;
        }
        if *c == b':' {
            break;
        }
        if symbol == 0 {
            c.make_ascii_lowercase();
        }
    }
    Ok(Some(out))
}

/// Split a sanitized row into key, optional `[name]` and value, as pmacct's evaluation does:
/// the key ends at the first `[`; the name runs to the first `]`; anything between `]` and
/// `:` is dropped.
pub(crate) fn split(row: &[u8]) -> (&[u8], Option<&[u8]>, &[u8]) {
    let colon = row.iter().position(|&b| b == b':').unwrap_or(row.len());
    let (head, value) = (&row[..colon], row.get(colon + 1..).unwrap_or(&[]));
    match head.iter().position(|&b| b == b'[') {
        Some(lb) => {
            let name = &head[lb + 1..];
            let name = name
                .iter()
                .position(|&b| b == b']')
                .map_or(name, |p| &name[..p]);
            (&head[..lb], Some(name), value)
        }
        None => (head, None, value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(row: &str) -> Result<Option<String>, SyntaxError> {
        sanitize(row.as_bytes(), 100).map(|o| o.map(|v| String::from_utf8(v).unwrap()))
    }

    #[test]
    fn comments_and_blanks() {
        assert_eq!(s("  ! comment"), Ok(None));
        assert_eq!(s("\t# comment: x"), Ok(None));
        assert_eq!(s("   \n"), Ok(None));
        // No trailing comments: the text after the value stays in it.
        assert_eq!(s("a: b ! c\n"), Ok(Some("a:b ! c".into())));
    }

    #[test]
    fn key_cleanup() {
        assert_eq!(
            s("Aggregate [Foo] : proto , src_host \n"),
            Ok(Some("aggregate[Foo]:proto , src_host".into()))
        );
        assert_eq!(
            s("PLUGINS: Print[ A b ]"),
            Ok(Some("plugins:Print[ A b ]".into()))
        );
        assert_eq!(s("nfacctd_ip: ::1"), Ok(Some("nfacctd_ip:::1".into())));
    }

    #[test]
    fn syntax_errors() {
        assert_eq!(s("foo bar"), Err(SyntaxError("missing ':'")));
        assert_eq!(s(": x"), Err(SyntaxError("missing key")));
        assert_eq!(s("a[b: x"), Err(SyntaxError("illegal brackets")));
        assert_eq!(
            s("a[[b]]: x"),
            Err(SyntaxError("nested symbols not allowed"))
        );
        assert_eq!(s("a]b: x"), Err(SyntaxError("illegal brackets")));
        assert_eq!(s("a: [x"), Err(SyntaxError("not weighted brackets (1)")));
        assert_eq!(
            s("[x]a: y"),
            Err(SyntaxError("symbol not referring to any key"))
        );
    }

    #[test]
    fn rows_split_like_fgets() {
        let long = vec![b'a'; MAX_LINE + 5];
        let (rows, cut) = split_rows(&long, MAX_ROWS);
        assert!(!cut);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].len(), MAX_LINE - 1);
        let (rows, cut) = split_rows(b"a:1\nb:2\nc:3\n", 2);
        assert!(cut);
        assert_eq!(rows.len(), 2);
        let (rows, _) = split_rows(b"a:1\0junk\nb:2", 10);
        assert_eq!(rows, vec![b"a:1".to_vec(), b"b:2".to_vec()]);
    }

    #[test]
    fn split_key_name_value() {
        assert_eq!(
            split(b"a[Foo]bar:v"),
            (&b"a"[..], Some(&b"Foo"[..]), &b"v"[..])
        );
        assert_eq!(split(b"a:b:c"), (&b"a"[..], None, &b"b:c"[..]));
    }
}
