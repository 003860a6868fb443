//! The `label` primitive (pre_tag_map `set_label`): a string, kept in the fixed-size flow
//! model as an interned id so that `Primitives` stays `Copy` and hashing stays cheap.
//!
//! Labels come from map files (and their comma-joined concatenations along `jeq` chains), so
//! the set of distinct values is small; each is stored once for the life of the process.
//! The table is bounded: past [`MAX_LABELS`] distinct labels or [`MAX_LABEL_BYTES`] bytes, new
//! labels are not stored and [`intern`] returns `None` (the caller counts and logs it).

use std::collections::HashMap;
use std::sync::{OnceLock, RwLock};

/// An interned label; `LabelId::NONE` (0) is the empty label pmacct prints as `""`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct LabelId(pub u32);

impl LabelId {
    pub const NONE: LabelId = LabelId(0);
    pub fn is_none(self) -> bool {
        self.0 == 0
    }
}

/// Distinct labels kept at most.
pub const MAX_LABELS: usize = 1 << 20;
/// Bytes of label text kept at most.
pub const MAX_LABEL_BYTES: usize = 64 << 20;

#[derive(Default)]
struct Table {
    ids: HashMap<&'static str, u32>,
    /// Index = id - 1.
    strs: Vec<&'static str>,
    bytes: usize,
}

fn table() -> &'static RwLock<Table> {
    static T: OnceLock<RwLock<Table>> = OnceLock::new();
    T.get_or_init(|| RwLock::new(Table::default()))
}

/// The id of `s` (stored on first sight). The empty string is `LabelId::NONE`. `None` when the
/// table is full.
pub fn intern(s: &str) -> Option<LabelId> {
    if s.is_empty() {
        return Some(LabelId::NONE);
    }
    // Fast path: a read lock and one hash lookup, no allocation.
    if let Ok(t) = table().read() {
        if let Some(&id) = t.ids.get(s) {
            return Some(LabelId(id));
        }
    }
    let mut t = table().write().ok()?;
    if let Some(&id) = t.ids.get(s) {
        return Some(LabelId(id));
    }
    if t.strs.len() >= MAX_LABELS || t.bytes + s.len() > MAX_LABEL_BYTES {
        return None;
    }
    // Leaked on purpose: interned labels live as long as the process (bounded above), and
    // encoders borrow them as `&'static str` without locking per record.
    let stored: &'static str = Box::leak(s.to_owned().into_boxed_str());
    t.strs.push(stored);
    t.bytes += s.len();
    let id = t.strs.len() as u32;
    t.ids.insert(stored, id);
    Some(LabelId(id))
}

/// The text of `id` (`""` for `NONE` or an unknown id).
pub fn resolve(id: LabelId) -> &'static str {
    if id.is_none() {
        return "";
    }
    match table().read() {
        Ok(t) => t.strs.get(id.0 as usize - 1).copied().unwrap_or(""),
        Err(_) => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intern_is_stable_and_resolves() {
        let a = intern("nkey%100.1").unwrap();
        let b = intern("other").unwrap();
        assert_ne!(a, b);
        assert_eq!(intern("nkey%100.1"), Some(a));
        assert_eq!(resolve(a), "nkey%100.1");
        assert_eq!(intern(""), Some(LabelId::NONE));
        assert_eq!(resolve(LabelId::NONE), "");
        assert_eq!(resolve(LabelId(u32::MAX)), "");
    }
}
