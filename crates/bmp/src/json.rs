//! A JSON object with pmacct's key order and jansson's rendering (`json_dumps` with
//! `JSON_PRESERVE_ORDER`): `{"k": v, "k2": v2}`; setting a key that exists replaces its value
//! in place, as `json_object_set_new()` does. Reused between records (cleared, not freed).

use std::borrow::Cow;
use std::fmt::Write as _;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Val {
    Str(String),
    Int(i64),
    Null,
}

#[derive(Debug, Default)]
pub struct Obj {
    fields: Vec<(Cow<'static, str>, Val)>,
}

impl Obj {
    pub fn new() -> Obj {
        Obj::default()
    }
    pub fn clear(&mut self) {
        self.fields.clear();
    }
    pub fn set(&mut self, k: impl Into<Cow<'static, str>>, v: Val) {
        let k = k.into();
        if let Some(f) = self.fields.iter_mut().find(|f| f.0 == k) {
            f.1 = v;
        } else {
            self.fields.push((k, v));
        }
    }
    pub fn str(&mut self, k: impl Into<Cow<'static, str>>, v: impl Into<String>) {
        self.set(k, Val::Str(v.into()));
    }
    pub fn int(&mut self, k: impl Into<Cow<'static, str>>, v: i64) {
        self.set(k, Val::Int(v));
    }
    pub fn fields(&self) -> &[(Cow<'static, str>, Val)] {
        &self.fields
    }
    pub fn into_fields(self) -> Vec<(Cow<'static, str>, Val)> {
        self.fields
    }
    pub fn get(&self, k: &str) -> Option<&Val> {
        self.fields.iter().find(|f| f.0 == k).map(|f| &f.1)
    }

    /// Append the rendering and a newline (pmacct's `write_and_free_json`).
    pub fn write_line(&self, out: &mut String) {
        out.push('{');
        for (i, (k, v)) in self.fields.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            quote(out, k);
            out.push_str(": ");
            match v {
                Val::Str(s) => quote(out, s),
                Val::Int(n) => {
                    let _ = write!(out, "{n}");
                }
                Val::Null => out.push_str("null"),
            }
        }
        out.push_str("}\n");
    }
}

/// jansson's string escaping (no `JSON_ENSURE_ASCII`, no `JSON_ESCAPE_SLASH`).
pub fn quote(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A TLV string value as 1.7.7 makes it (`null_terminate()`): up to the first NUL. Bytes
/// that are not UTF-8 make jansson refuse the string, and the key is then absent (None).
pub fn c_string(v: &[u8]) -> Option<String> {
    let end = v.iter().position(|&b| b == 0).unwrap_or(v.len());
    std::str::from_utf8(&v[..end]).ok().map(str::to_string)
}

/// `serialize_hex()`: `0a-1b-ff`.
pub fn hex(v: &[u8]) -> String {
    let mut s = String::with_capacity(v.len() * 3);
    for (i, b) in v.iter().enumerate() {
        if i > 0 {
            s.push('-');
        }
        let _ = write!(s, "{b:02x}");
    }
    s
}
