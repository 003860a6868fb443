//! The `label` primitive (pre_tag_map `set_label`): a string, kept in the fixed-size flow
//! model as an interned id so that `Primitives` stays `Copy` and hashing stays cheap.
//!
//! Labels come from map files (and their comma-joined concatenations along `jeq` chains), so
//! the set of distinct values is small; each is stored once for the life of the process.
//! The table is bounded: past [`MAX_LABELS`] distinct labels or [`MAX_LABEL_BYTES`] bytes, new
//! labels are not stored and [`intern`] returns `None` (the caller counts and logs it).

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

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

/// Texts by id, in chunks allocated on first use: [`resolve`] reads them with two atomic
/// loads (no lock per record), [`intern`] fills a slot once under the table's mutex.
const CHUNK: usize = 1024;
type Chunk = Box<[OnceLock<&'static str>]>;
static TEXTS: [OnceLock<Chunk>; MAX_LABELS / CHUNK] =
    [const { OnceLock::new() }; MAX_LABELS / CHUNK];

/// Labels kept per thread before its cache starts over (map files hold few distinct ones).
const LOCAL_CACHE: usize = 4096;

thread_local! {
    /// This thread's view of the table: the per-flow [`intern`] of a known label costs one
    /// hash lookup and no lock.
    static LOCAL: RefCell<HashMap<Box<str>, LabelId>> = RefCell::new(HashMap::new());
}

#[derive(Default)]
struct Table {
    ids: HashMap<&'static str, u32>,
    /// Labels stored; the last id given.
    count: usize,
    bytes: usize,
}

fn table() -> &'static Mutex<Table> {
    static T: OnceLock<Mutex<Table>> = OnceLock::new();
    T.get_or_init(|| Mutex::new(Table::default()))
}

fn slot(id: u32) -> Option<&'static OnceLock<&'static str>> {
    let i = (id as usize).checked_sub(1)?;
    TEXTS.get(i / CHUNK)?.get()?.get(i % CHUNK)
}

/// The id of `s` (stored on first sight). The empty string is `LabelId::NONE`. `None` when the
/// table is full.
pub fn intern(s: &str) -> Option<LabelId> {
    if s.is_empty() {
        return Some(LabelId::NONE);
    }
    if let Some(id) = LOCAL.with(|l| l.borrow().get(s).copied()) {
        return Some(id);
    }
    let id = intern_shared(s)?;
    LOCAL.with(|l| {
        let mut l = l.borrow_mut();
        if l.len() >= LOCAL_CACHE {
            l.clear();
        }
        l.insert(s.into(), id);
    });
    Some(id)
}

/// The process-wide table, under its mutex: only on a thread's first sight of a label.
fn intern_shared(s: &str) -> Option<LabelId> {
    let mut t = table().lock().unwrap_or_else(|p| p.into_inner());
    if let Some(&id) = t.ids.get(s) {
        return Some(LabelId(id));
    }
    if t.count >= MAX_LABELS || t.bytes + s.len() > MAX_LABEL_BYTES {
        return None;
    }
    // Leaked on purpose: interned labels live as long as the process (bounded above), and
    // encoders borrow them as `&'static str` without locking per record.
    let stored: &'static str = Box::leak(s.to_owned().into_boxed_str());
    let id = (t.count + 1) as u32;
    let chunk = TEXTS.get(t.count / CHUNK)?.get_or_init(|| {
        (0..CHUNK)
            .map(|_| OnceLock::new())
            .collect::<Vec<_>>()
            .into_boxed_slice()
    });
    chunk.get(t.count % CHUNK)?.set(stored).ok()?;
    t.count += 1;
    t.bytes += s.len();
    t.ids.insert(stored, id);
    Some(LabelId(id))
}

/// The text of `id` (`""` for `NONE` or an unknown id). Lock-free.
pub fn resolve(id: LabelId) -> &'static str {
    slot(id.0).and_then(|s| s.get().copied()).unwrap_or("")
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

    #[test]
    fn threads_agree_on_ids() {
        let ids: Vec<LabelId> = (0..4)
            .map(|_| std::thread::spawn(|| intern("shared-across-threads").unwrap()))
            .map(|h| h.join().unwrap())
            .collect();
        assert!(ids.windows(2).all(|w| w[0] == w[1]));
        assert_eq!(resolve(ids[0]), "shared-across-threads");
    }
}
