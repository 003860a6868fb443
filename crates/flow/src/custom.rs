//! Custom aggregation primitives (`aggregate_primitives`), as pmacct 1.7.7 defines, extracts
//! and renders them.
//!
//! The definitions file is parsed into a [`CustomTable`] and registered once at startup
//! ([`register`]). From then on the primitives table is extended at run time: an `aggregate`
//! token that is no built-in primitive is looked up here, gets a slot in the flow's inline
//! value buffer ([`CustomValues`], [`CUSTOM_BUF`] bytes) the first time an aggregate uses it,
//! and the aggregate carries a [`CustomLayout`] (its custom columns in aggregate order). The
//! cache key, the masking and every encoder read the slots through that layout.
//!
//! Limits (pmacct has none of the first two; its buffers are sized per plugin):
//! - the slots of all custom primitives used by any plugin share [`CUSTOM_BUF`] bytes; one
//!   that does not fit is refused like pmacct refuses one past its own 64 KiB
//!   ("Max allocatable space for custom primitives finished");
//! - a variable-length value keeps its first [`VLEN_CAP`] bytes.
//! - `packet_ptr` definitions are accepted but give empty values (nfacctd only fills them from
//!   exported packet sections).

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::Mutex;

use pmacct_wire::record::RawRecord;

/// Bytes of custom primitive values one flow carries inline.
pub const CUSTOM_BUF: usize = 192;
/// Bytes kept of a variable-length value.
pub const VLEN_CAP: usize = 64;
/// pmacct's `MAX_CUSTOM_PRIMITIVES`: a table holds at most 63 entries.
const MAX_CUSTOM_PRIMITIVES: usize = 64;
/// pmacct's `MAX_CUSTOM_PRIMITIVE_NAMELEN` (name buffer, NUL included).
const MAX_NAMELEN: usize = 64;
/// IEs below this (PEN 0) are read from pmacct's fixed template slots: last occurrence wins.
const NF9_MAX_DEFINED_FIELD: u16 = 384;
/// pmacct's `PM_VARIABLE_LENGTH`.
const VLEN: u16 = 65535;

/// `semantics=` of a custom primitive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Semantics {
    UInt,
    Hex,
    Str,
    Ip,
    Mac,
    Raw,
}

/// What the collector needs to extract and render one custom primitive (no name: `Copy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CustomSpec {
    pub pen: u32,
    pub field_type: u16,
    /// Configured length; 65535 = `vlen`.
    pub len: u16,
    pub semantics: Semantics,
    /// Which occurrence of (pen, field_type) in a template (0 = first), for repeated IEs.
    pub repeat_id: u8,
    /// Defined by `packet_ptr` only (no field type): never filled from NetFlow/IPFIX fields.
    pub packet_ptr: bool,
}

impl CustomSpec {
    pub fn is_vlen(&self) -> bool {
        self.len == VLEN
    }
    /// Bytes this primitive takes in [`CustomValues`].
    fn slot_size(&self) -> usize {
        if self.is_vlen() {
            2 + VLEN_CAP
        } else if self.semantics == Semantics::Raw {
            2 + self.len as usize
        } else {
            self.len as usize
        }
    }
}

/// One definition of the `aggregate_primitives` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomDef {
    /// Lower-cased, as pmacct stores it.
    pub name: String,
    pub spec: CustomSpec,
}

/// The parsed `aggregate_primitives` file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomTable {
    pub defs: Vec<CustomDef>,
}

/// The definition being built from one line; like pmacct's, it is only reset after a line
/// that reached validation (values of an ignored line carry over to the next one).
#[derive(Default)]
struct Pending {
    name: String,
    pen: u32,
    field_type: u16,
    len: u16,
    semantics: Option<Semantics>,
    repeat_id: u8,
    packet_ptr: bool,
}

/// C `atoi`/`strtoul` as pmacct applies them: leading digits, anything after ignored, 0 if
/// none; the result truncated like the C assignment (`bits` wide).
fn c_atoi(s: &str, bits: u32) -> u64 {
    let s = s.trim_start();
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mut v: u64 = 0;
    for b in digits.bytes().take_while(u8::is_ascii_digit) {
        v = v.wrapping_mul(10).wrapping_add(u64::from(b - b'0'));
    }
    if neg {
        v = v.wrapping_neg();
    }
    if bits >= 64 {
        v
    } else {
        v & ((1u64 << bits) - 1)
    }
}

impl CustomTable {
    /// Parse an `aggregate_primitives` file as pmacct 1.7.7's map loader does. `vlen_ok`:
    /// `len=vlen` is accepted (nfacctd, pmacctd; not sfacctd). Every warning pmacct logs is
    /// passed to `warn` without the `WARN ( name/type ): ` prefix, e.g.
    /// `[file:3] Line ignored.`; bad lines are skipped, never fatal, as in pmacct.
    pub fn parse(file: &str, text: &str, vlen_ok: bool, warn: &mut dyn FnMut(String)) -> Self {
        let mut t = CustomTable::default();
        let mut p = Pending::default();
        for (i, raw) in text.lines().enumerate() {
            let lineno = i + 1;
            let line = raw.trim_start();
            if line.is_empty() || line.starts_with('!') || line.starts_with('#') {
                continue;
            }
            if raw.contains('|') {
                warn(format!("[{file}:{lineno}] malformed line. Ignored."));
                continue;
            }
            let mut ignoring = false;
            // pmacct: tokens are whitespace separated; spaces inside a token are removed.
            for tok in line.split_whitespace() {
                let tok = tok.trim_matches(|c| c == '"' || c == '\'');
                let Some((key, value)) = tok.split_once('=').filter(|(k, _)| !k.is_empty()) else {
                    warn(format!("[{file}:{lineno}] malformed line. Ignored."));
                    break;
                };
                let ok = match key {
                    "name" => t.set_name(file, &mut p, value, warn),
                    "field_type" => t.set_field_type(file, &mut p, value, warn),
                    "packet_ptr" => set_packet_ptr(file, &mut p, value, warn),
                    "len" => set_len(file, &mut p, value, vlen_ok, warn),
                    "semantics" => {
                        set_semantics(&mut p, value);
                        true
                    }
                    _ => {
                        warn(format!("[{file}:{lineno}] unknown key '{key}'. Ignored."));
                        ignoring = true;
                        break;
                    }
                };
                if !ok {
                    warn(format!("[{file}:{lineno}] Line ignored."));
                    ignoring = true;
                    break;
                }
            }
            if !ignoring {
                t.validate(file, &mut p, warn);
            }
        }
        t
    }

    fn set_name(
        &self,
        file: &str,
        p: &mut Pending,
        value: &str,
        warn: &mut dyn FnMut(String),
    ) -> bool {
        let v = value.to_ascii_lowercase();
        if self.defs.iter().any(|d| d.name == v) {
            warn(format!(
                "[{file}] Duplicate custom aggregate primitive name specified: {v}."
            ));
            return false;
        }
        // strlcpy into a 64-byte buffer.
        let mut end = v.len().min(MAX_NAMELEN - 1);
        while !v.is_char_boundary(end) {
            end -= 1;
        }
        p.name = v[..end].to_string();
        true
    }

    fn set_field_type(
        &self,
        file: &str,
        p: &mut Pending,
        value: &str,
        warn: &mut dyn FnMut(String),
    ) -> bool {
        let (pen, ty) = match value.split_once(':') {
            Some((pen, ty)) => (Some(pen), ty),
            None => (None, value),
        };
        if let Some(pen) = pen {
            p.pen = c_atoi(pen, 32) as u32;
        }
        p.field_type = c_atoi(ty, 16) as u16;
        if p.field_type == 0 {
            // pmacct prints the value cut at the ':' it replaced by a NUL.
            let shown = pen.unwrap_or(value);
            warn(format!(
                "[{file}] Invalid NetFlow v9/IPFIX field type '{shown}'."
            ));
            return false;
        }
        let n = self
            .defs
            .iter()
            .filter(|d| d.spec.field_type == p.field_type && d.spec.pen == p.pen)
            .count();
        p.repeat_id = n as u8;
        true
    }

    fn validate(&mut self, file: &str, p: &mut Pending, warn: &mut dyn FnMut(String)) {
        let mut valid = !p.name.is_empty()
            && (p.field_type != 0 || p.packet_ptr)
            && p.len != 0
            && p.semantics.is_some();
        if valid && p.len == VLEN && !matches!(p.semantics, Some(Semantics::Str | Semantics::Raw)) {
            valid = false;
        }
        if valid && self.defs.len() + 1 < MAX_CUSTOM_PRIMITIVES {
            if let Some(semantics) = p.semantics {
                self.defs.push(CustomDef {
                    name: std::mem::take(&mut p.name),
                    spec: CustomSpec {
                        pen: p.pen,
                        field_type: p.field_type,
                        len: p.len,
                        semantics,
                        repeat_id: p.repeat_id,
                        packet_ptr: p.packet_ptr && p.field_type == 0,
                    },
                });
            }
        } else if !valid {
            // pmacct names the entry number (valid entries + 1), not the line.
            warn(format!(
                "[{file}:{}] Invalid entry: name={}",
                self.defs.len() + 1,
                p.name
            ));
        }
        *p = Pending::default();
    }

    pub fn get(&self, name: &str) -> Option<&CustomDef> {
        self.defs.iter().find(|d| d.name == name)
    }
}

fn set_packet_ptr(file: &str, p: &mut Pending, value: &str, warn: &mut dyn FnMut(String)) -> bool {
    let layer = value.split([':', '+']).next().unwrap_or("");
    let has_proto = value
        .split_once(':')
        .map(|(_, r)| r.split('+').next().unwrap_or(""))
        .map(|s| {
            if s.contains('x') {
                u64::from_str_radix(s.trim_start_matches("0x"), 16).unwrap_or(0) != 0
            } else {
                c_atoi(s, 16) != 0
            }
        })
        .unwrap_or(false);
    let known = ["packet", "mac", "vlan", "mpls", "l3", "l4", "payload"]
        .iter()
        .find(|l| layer.starts_with(**l));
    match known {
        None => {
            warn(format!("[{file}] Invalid packet pointer '{layer}'."));
            false
        }
        Some(l) if has_proto && !matches!(*l, "l3" | "l4") => {
            warn(format!(
                "[{file}] protocol type not supported for '{layer}'."
            ));
            false
        }
        Some(_) => {
            p.packet_ptr = true;
            true
        }
    }
}

fn set_len(
    file: &str,
    p: &mut Pending,
    value: &str,
    vlen_ok: bool,
    warn: &mut dyn FnMut(String),
) -> bool {
    p.len = c_atoi(value, 16) as u16;
    if p.len == VLEN || (p.len == 0 && !(vlen_ok && value.starts_with("vlen"))) {
        p.len = 0;
        warn(format!("[{file}] Invalid length '{value}'."));
        return false;
    }
    if p.len == 0 {
        p.len = VLEN;
    }
    true
}

fn set_semantics(p: &mut Pending, value: &str) {
    // pmacct compares prefixes; an unknown value leaves the semantics unset (entry invalid).
    let s = if value.starts_with("u_int") {
        Semantics::UInt
    } else if value.starts_with("hex") {
        Semantics::Hex
    } else if value.starts_with("str") {
        Semantics::Str
    } else if value.starts_with("ip") {
        Semantics::Ip
    } else if value.starts_with("mac") {
        Semantics::Mac
    } else if value.starts_with("raw") {
        Semantics::Raw
    } else {
        return;
    };
    p.semantics = Some(s);
}

/// Inline custom primitive values of one flow: slots assigned at startup (see module doc).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CustomValues {
    buf: [u8; CUSTOM_BUF],
}

impl CustomValues {
    /// No value set (what a flow without custom primitives renders).
    pub const EMPTY: CustomValues = CustomValues {
        buf: [0; CUSTOM_BUF],
    };
}

impl Default for CustomValues {
    fn default() -> Self {
        CustomValues {
            buf: [0; CUSTOM_BUF],
        }
    }
}

impl std::fmt::Debug for CustomValues {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let used = self.buf.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
        write!(f, "CustomValues({:02x?})", &self.buf[..used])
    }
}

impl CustomValues {
    /// The bytes of one slot (empty if out of range: cannot happen for assigned slots).
    pub fn slot(&self, off: u16, size: u16) -> &[u8] {
        let (o, s) = (off as usize, size as usize);
        self.buf.get(o..o + s).unwrap_or(&[])
    }
    fn slot_mut(&mut self, off: u16, size: u16) -> &mut [u8] {
        let (o, s) = (off as usize, size as usize);
        self.buf.get_mut(o..o + s).unwrap_or(&mut [])
    }
    /// Set the slot `(off, size)` from `b` (a cache key's bytes).
    pub fn set_slot(&mut self, off: u16, b: &[u8]) {
        let (o, n) = (off as usize, b.len());
        if let Some(d) = self.buf.get_mut(o..o + n) {
            d.copy_from_slice(b);
        }
    }
    /// Copy the slot `(off, size)` from `other` (masking to an aggregate).
    pub fn copy_slot(&mut self, other: &CustomValues, off: u16, size: u16) {
        self.slot_mut(off, size)
            .copy_from_slice(other.slot(off, size));
    }
}

/// One custom column of an aggregate.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CustomCol {
    pub name: &'static str,
    pub spec: CustomSpec,
    pub off: u16,
    pub size: u16,
}

/// The custom columns of one aggregate, in aggregate order (pmacct's `cpptrs`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct CustomLayout {
    pub cols: Vec<CustomCol>,
}

impl CustomLayout {
    pub fn has_vlen(&self) -> bool {
        self.cols.iter().any(|c| c.spec.is_vlen())
    }
}

/// Every slot assigned so far: what the decoder side extracts into each flow.
#[derive(Debug, Default)]
struct Active {
    slots: Vec<(CustomSpec, u16, u16)>,
}

struct Registry {
    table: CustomTable,
    /// Per definition: its slot, once an aggregate used it.
    slots: Vec<Option<(u16, u16)>>,
    used: usize,
}

static REGISTRY: Mutex<Option<Registry>> = Mutex::new(None);
/// Leaked snapshot of the assigned slots, read once per decoded record (null: none).
static ACTIVE: AtomicPtr<Active> = AtomicPtr::new(std::ptr::null_mut());

/// Register the `aggregate_primitives` table of this process (before any aggregate is
/// parsed). A second call replaces the table for aggregates parsed afterwards.
pub fn register(table: CustomTable) {
    let n = table.defs.len();
    if let Ok(mut r) = REGISTRY.lock() {
        *r = Some(Registry {
            table,
            slots: vec![None; n],
            used: 0,
        });
    }
    ACTIVE.store(std::ptr::null_mut(), Ordering::Release);
}

/// Why a custom aggregate token was refused.
pub(crate) enum LookupError {
    Unknown,
    NoSpace,
}

/// Resolve `name` (lower-cased) for an aggregate, assigning its slot on first use.
pub(crate) fn lookup(name: &str) -> Result<CustomCol, LookupError> {
    let mut guard = REGISTRY.lock().map_err(|_| LookupError::Unknown)?;
    let reg = guard.as_mut().ok_or(LookupError::Unknown)?;
    let idx = reg
        .table
        .defs
        .iter()
        .position(|d| d.name == name)
        .ok_or(LookupError::Unknown)?;
    let def = &reg.table.defs[idx];
    let spec = def.spec;
    let (off, size) = match reg.slots[idx] {
        Some(s) => s,
        None => {
            let size = spec.slot_size();
            if reg.used + size > CUSTOM_BUF {
                return Err(LookupError::NoSpace);
            }
            let s = (reg.used as u16, size as u16);
            reg.used += size;
            reg.slots[idx] = Some(s);
            let active = Active {
                slots: reg
                    .table
                    .defs
                    .iter()
                    .zip(&reg.slots)
                    .filter_map(|(d, s)| s.map(|(o, z)| (d.spec, o, z)))
                    .collect(),
            };
            // Leaked on purpose: at most one snapshot per custom primitive (63), and decoders
            // may hold the previous one.
            ACTIVE.store(Box::into_raw(Box::new(active)), Ordering::Release);
            s
        }
    };
    // Names live as long as the process (a bounded, startup-time leak).
    let name: &'static str = Box::leak(def.name.clone().into_boxed_str());
    Ok(CustomCol {
        name,
        spec,
        off,
        size,
    })
}

/// Leak a layout for an `Aggregate` (startup only; aggregates are `Copy`).
pub(crate) fn leak_layout(cols: Vec<CustomCol>) -> &'static CustomLayout {
    Box::leak(Box::new(CustomLayout { cols }))
}

/// Walk the fields of a raw record: `(pen, id, value)`; stops at a malformed field.
fn fields<'a>(raw: &RawRecord<'a>, mut f: impl FnMut(u32, u16, &'a [u8])) {
    let data = raw.data;
    let mut off = 0usize;
    for fs in raw.fields {
        let (start, len) = if fs.len == 0xFFFF {
            let Some(&l0) = data.get(off) else { return };
            if l0 < 255 {
                (off + 1, l0 as usize)
            } else {
                let (Some(&hi), Some(&lo)) = (data.get(off + 1), data.get(off + 2)) else {
                    return;
                };
                (off + 3, (hi as usize) << 8 | lo as usize)
            }
        } else {
            (off, fs.len as usize)
        };
        let end = start.saturating_add(len);
        let Some(v) = data.get(start..end) else {
            return;
        };
        f(fs.pen, fs.id, v);
        off = end;
    }
}

/// The field value pmacct 1.7.7 reads for `spec`: the last occurrence of a PEN-0 IE below 384
/// (its fixed template slots), else the `repeat_id`-th occurrence.
fn find<'a>(raw: &RawRecord<'a>, spec: &CustomSpec) -> Option<&'a [u8]> {
    let mut found = None;
    if spec.pen == 0 && spec.field_type < NF9_MAX_DEFINED_FIELD {
        fields(raw, |pen, id, v| {
            if pen == 0 && id == spec.field_type {
                found = Some(v);
            }
        });
    } else {
        let mut n = 0u8;
        fields(raw, |pen, id, v| {
            if pen == spec.pen && id == spec.field_type {
                if n == spec.repeat_id && found.is_none() {
                    found = Some(v);
                }
                n = n.saturating_add(1);
            }
        });
    }
    found
}

/// Fill the custom slots of a flow from its v9/IPFIX record (nfacctd's
/// `NF_custom_primitives_handler`). Nothing to do when no custom primitive is aggregated.
/// True once an aggregate uses a custom primitive: decoders extract values only then.
pub fn active() -> bool {
    !ACTIVE.load(Ordering::Acquire).is_null()
}

pub fn extract(raw: &RawRecord<'_>, out: &mut CustomValues) {
    let p = ACTIVE.load(Ordering::Acquire);
    if p.is_null() {
        return;
    }
    // SAFETY: non-null pointers stored in ACTIVE come from Box::into_raw and are never freed
    // (leaked snapshots), so the reference is valid for the whole process.
    let active: &'static Active = unsafe { &*p };
    for (spec, off, size) in &active.slots {
        extract_one(raw, spec, out.slot_mut(*off, *size));
    }
}

fn extract_one(raw: &RawRecord<'_>, spec: &CustomSpec, slot: &mut [u8]) {
    if spec.packet_ptr {
        return;
    }
    let Some(v) = find(raw, spec) else { return };
    let std_slot = spec.pen == 0 && spec.field_type < NF9_MAX_DEFINED_FIELD;
    if spec.semantics == Semantics::Raw {
        // Raw values are stored as bytes plus a count; rendering makes pmacct's hex string.
        if spec.is_vlen() && std_slot {
            // pmacct writes these out of its buffer's bounds: nothing sensible to emulate.
            return;
        }
        let cap = slot.len().saturating_sub(2);
        let n = v.len().min(cap);
        let stored = v.len().min(0x7FFF);
        slot[..2].copy_from_slice(&(stored as u16).to_be_bytes());
        slot[2..2 + n].copy_from_slice(&v[..n]);
    } else if spec.is_vlen() {
        // Only strings reach here (validated); PEN-0 low IEs never match a vlen length.
        if std_slot {
            return;
        }
        let n = v.len().min(VLEN_CAP);
        slot[..2].copy_from_slice(&(n as u16).to_be_bytes());
        slot[2..2 + n].copy_from_slice(&v[..n]);
    } else if v.len() == spec.len as usize && v.len() == slot.len() {
        // A length other than the configured one is a configuration mistake: left empty.
        slot.copy_from_slice(v);
    }
}

/// How a custom value is rendered: pmacct differs by output (buffer sizes, padding).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Render {
    Json,
    Csv,
    Formatted,
}

/// pmacct's `cps_flen[]`: formatted width of u_int/hex by length (0 past 8).
fn flen(len: u16) -> usize {
    match len {
        1 => 3,
        2 => 5,
        4 => 10,
        8 => 20,
        _ => 0,
    }
}

impl CustomCol {
    /// Formatted column width (header and value).
    fn width(&self) -> usize {
        let n = self.name.len();
        let w = match self.spec.semantics {
            Semantics::UInt | Semantics::Hex => flen(self.spec.len),
            Semantics::Str | Semantics::Raw => self.spec.len as usize,
            Semantics::Ip => 46,
            Semantics::Mac => 18,
        };
        w.max(n)
    }

    /// Header cell: the name (lower case), padded in formatted output.
    pub fn write_header(&self, out: &mut Vec<u8>, formatted: bool) {
        out.extend_from_slice(self.name.as_bytes());
        if formatted {
            let pad = self.width().saturating_sub(self.name.len());
            out.resize(out.len() + pad, b' ');
        }
    }

    /// The value as pmacct prints it; returns false if JSON must omit the key (a string that
    /// is not UTF-8: jansson refuses it and pmacct sets nothing).
    pub fn write_value(&self, out: &mut Vec<u8>, v: &CustomValues, how: Render) -> bool {
        let start = out.len();
        let slot = v.slot(self.off, self.size);
        let padded = self.write_plain(out, slot);
        if self.spec.is_vlen() {
            // Variable-length values are printed from their own buffer: no truncation.
        } else {
            // pmacct prints into VERYSHORTBUFLEN (JSON) or SRVBUFLEN (print) buffers.
            let max = if how == Render::Json { 63 } else { 287 };
            if how == Render::Formatted && padded {
                let w = self.width();
                let len = out.len() - start;
                if len < w {
                    out.resize(start + w, b' ');
                }
            }
            out.truncate(start + (out.len() - start).min(max));
        }
        if how == Render::Json {
            return std::str::from_utf8(&out[start..]).is_ok();
        }
        true
    }

    /// Unpadded value; false when pmacct prints nothing at all (not even padding).
    fn write_plain(&self, out: &mut Vec<u8>, slot: &[u8]) -> bool {
        let s = &self.spec;
        match s.semantics {
            Semantics::UInt | Semantics::Hex => {
                let n = match (s.len, slot) {
                    (1, [a]) => u64::from(*a),
                    (2, [a, b]) => u64::from(u16::from_be_bytes([*a, *b])),
                    (4, &[a, b, c, d]) => u64::from(u32::from_be_bytes([a, b, c, d])),
                    (8, _) if slot.len() == 8 => {
                        let mut b = [0u8; 8];
                        b.copy_from_slice(slot);
                        u64::from_be_bytes(b)
                    }
                    // pmacct only formats 1, 2, 4 and 8 bytes: the buffer stays empty.
                    _ => return false,
                };
                let _ = if s.semantics == Semantics::Hex {
                    write!(out, "{n:x}")
                } else {
                    write!(out, "{n}")
                };
            }
            Semantics::Str => {
                let bytes = if s.is_vlen() { vlen_bytes(slot) } else { slot };
                let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
                out.extend_from_slice(&bytes[..end]);
            }
            Semantics::Raw => {
                let stored = slot
                    .get(..2)
                    .map_or(0, |h| u16::from_be_bytes([h[0], h[1]]) as usize);
                let bytes = slot.get(2..).unwrap_or(&[]);
                let kept = &bytes[..stored.min(bytes.len())];
                for (i, b) in kept.iter().enumerate() {
                    if i > 0 {
                        out.push(b'-');
                    }
                    out.push(HEX[(b >> 4) as usize]);
                    out.push(HEX[(b & 15) as usize]);
                }
                // A field longer than a fixed raw length: pmacct cuts its hex string to
                // 3 x len characters, which ends with the next separator.
                if !s.is_vlen() && stored > kept.len() && !kept.is_empty() {
                    out.push(b'-');
                }
            }
            Semantics::Ip => {
                let a = match slot.len() {
                    4 => IpAddr::V4(Ipv4Addr::new(slot[0], slot[1], slot[2], slot[3])),
                    16 => {
                        let mut b = [0u8; 16];
                        b.copy_from_slice(slot);
                        IpAddr::V6(Ipv6Addr::from(b))
                    }
                    _ => return true,
                };
                crate::text::write_ip(out, a);
            }
            Semantics::Mac => {
                // pmacct reads six bytes whatever the length; missing ones read as zero here.
                let mut m = [0u8; 6];
                let n = slot.len().min(6);
                m[..n].copy_from_slice(&slot[..n]);
                let _ = write!(
                    out,
                    "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
                    m[0], m[1], m[2], m[3], m[4], m[5]
                );
            }
        }
        true
    }
}

/// Extract and render one primitive of `raw` on its own, without registering anything
/// (tests, fuzzing). False when the value does not fit a flow's buffer, or when JSON would
/// omit it.
pub fn render_one(spec: CustomSpec, raw: &RawRecord<'_>, how: Render, out: &mut Vec<u8>) -> bool {
    let size = spec.slot_size();
    if size > CUSTOM_BUF {
        return false;
    }
    let col = CustomCol {
        name: "x",
        spec,
        off: 0,
        size: size as u16,
    };
    let mut v = CustomValues::default();
    extract_one(raw, &spec, v.slot_mut(0, size as u16));
    col.write_value(out, &v, how)
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

fn vlen_bytes(slot: &[u8]) -> &[u8] {
    let n = slot
        .get(..2)
        .map_or(0, |h| u16::from_be_bytes([h[0], h[1]]) as usize);
    slot.get(2..2 + n).unwrap_or(&[])
}

#[cfg(test)]
mod tests {
    use super::*;
    use pmacct_wire::record::FieldSpec;

    fn parse(text: &str) -> (CustomTable, Vec<String>) {
        let mut w = Vec::new();
        let t = CustomTable::parse("f.map", text, true, &mut |m| w.push(m));
        (t, w)
    }

    /// Warnings and outcomes measured with nfacctd 1.7.7 on the same file.
    #[test]
    fn malformed_lines_like_pmacct() {
        let text = "! comment\n\
name=a1 field_type=1 len=4 semantics=u_int\n\
name=a2 field_type=0 len=4 semantics=u_int\n\
name=a3 field_type=2 len=vlen semantics=u_int\n\
name=a4 field_type=3 len=x semantics=u_int\n\
name=a5 field_type=4 len=4 semantics=foo\n\
name=a6 field_type=5 len=4\n\
name=a1 field_type=6 len=4 semantics=u_int\n\
foo=bar name=a7 field_type=7 len=4 semantics=u_int\n\
name=a8 field_type=8 len=4 semantics=u_int garbage\n\
name=A9 field_type=9:10 len=3 semantics=hex\n\
name=a10 field_type=43:99 len=6 semantics=mac\n";
        let (t, w) = parse(text);
        assert_eq!(
            w,
            vec![
                "[f.map] Invalid NetFlow v9/IPFIX field type '0'.",
                "[f.map:3] Line ignored.",
                "[f.map:2] Invalid entry: name=a3",
                "[f.map] Invalid length 'x'.",
                "[f.map:5] Line ignored.",
                "[f.map:2] Invalid entry: name=a5",
                "[f.map:2] Invalid entry: name=a6",
                "[f.map] Duplicate custom aggregate primitive name specified: a1.",
                "[f.map:8] Line ignored.",
                "[f.map:9] unknown key 'foo'. Ignored.",
                "[f.map:10] malformed line. Ignored.",
            ]
        );
        let names: Vec<_> = t.defs.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["a1", "a8", "a9", "a10"]);
        let a9 = t.get("a9").unwrap().spec;
        assert_eq!((a9.pen, a9.field_type, a9.len), (9, 10, 3));
    }

    #[test]
    fn vlen_only_where_pmacct_accepts_it() {
        let mut w = Vec::new();
        let t = CustomTable::parse(
            "s",
            "name=x field_type=1 len=vlen semantics=str\n",
            false,
            &mut |m| w.push(m),
        );
        assert!(t.defs.is_empty());
        assert_eq!(w[0], "[s] Invalid length 'vlen'.");
        let (t, _) = parse("name=x field_type=1 len=vlen semantics=raw\n");
        assert!(t.defs[0].spec.is_vlen());
    }

    fn col(name: &'static str, sem: Semantics, len: u16, off: u16) -> CustomCol {
        let spec = CustomSpec {
            pen: 0,
            field_type: 1,
            len,
            semantics: sem,
            repeat_id: 0,
            packet_ptr: false,
        };
        CustomCol {
            name,
            spec,
            off,
            size: spec.slot_size() as u16,
        }
    }

    fn render(c: &CustomCol, field: &[u8], how: Render) -> String {
        let fields = [FieldSpec {
            pen: c.spec.pen,
            id: c.spec.field_type,
            len: field.len() as u16,
        }];
        let raw = RawRecord {
            fields: &fields,
            data: field,
        };
        let mut v = CustomValues::default();
        extract_one(&raw, &c.spec, v.slot_mut(c.off, c.size));
        let mut out = Vec::new();
        c.write_value(&mut out, &v, how);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn rendering_like_pmacct() {
        let u = col("vrf_id_ingress", Semantics::UInt, 4, 0);
        assert_eq!(render(&u, &[0x60, 0, 0, 0], Render::Json), "1610612736");
        assert_eq!(
            render(&u, &[0x60, 0, 0], Render::Json),
            "0",
            "wrong length: zero"
        );
        let odd = col("x", Semantics::UInt, 3, 0);
        assert_eq!(render(&odd, &[1, 2, 3], Render::Formatted), "");
        let h = col("h", Semantics::Hex, 2, 0);
        assert_eq!(render(&h, &[0xab, 0xcd], Render::Formatted), "abcd ");
        let ip = col("a", Semantics::Ip, 16, 0);
        assert_eq!(render(&ip, &[0; 16], Render::Json), "::");
        let ip4 = col("a", Semantics::Ip, 4, 0);
        assert_eq!(
            render(&ip4, &[138, 187, 57, 65], Render::Csv),
            "138.187.57.65"
        );
        let s = col("vrf_name", Semantics::Str, 8, 0);
        assert_eq!(render(&s, b"abc\0\0\0\0\0", Render::Csv), "abc");
        assert_eq!(render(&s, b"abc\0\0\0\0\0", Render::Formatted), "abc     ");
        let r = col("r", Semantics::Raw, 2, 0);
        assert_eq!(render(&r, &[0xde, 0xad], Render::Csv), "DE-AD");
        assert_eq!(render(&r, &[0xde, 0xad, 0xbe], Render::Csv), "DE-AD-");
        assert_eq!(render(&r, &[0xde], Render::Csv), "DE");
        let m = col("m", Semantics::Mac, 6, 0);
        assert_eq!(
            render(&m, &[0, 1, 2, 0xa, 0xb, 0xc], Render::Csv),
            "00:01:02:0a:0b:0c"
        );
        let v = col("v", Semantics::Str, VLEN, 0);
        let mut f = CustomSpec { pen: 9, ..v.spec };
        f.field_type = 1;
        let v = CustomCol { spec: f, ..v };
        assert_eq!(render(&v, b"hello", Render::Json), "hello");
    }
}
