//! The key registry: types of the declarative table in `keys.rs` and look-ups on it.

pub use crate::keys::KEYS;

/// Value type of a key, with the values it accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `true` or `false`, any case.
    Bool,
    /// Decimal integer in `min..=max`.
    Int { min: i64, max: i64 },
    /// Whole seconds > 0, digits only (pmacct's `*_refresh_time`).
    Secs,
    /// Time bin `N[s|m|h|d|w|M]` (seconds must be a multiple of 60).
    History,
    /// Any of the letters `m h d w M` (`w` excludes `d` and `M`).
    Roundoff,
    /// One of these words, compared lower-cased.
    Enum(&'static [&'static str]),
    /// IP address (v4 or v6).
    Ip,
    /// Free text (paths, hosts, filters, map files): taken literally.
    Str,
    /// Primitive list (`aggregate`): commas separate, whitespace is dropped, lower-cased.
    List,
    /// The `plugins` line (handled before all other keys).
    Plugins,
}

/// Where a key may be set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyScope {
    /// Core-wide: `key[name]` is applied to every instance with pmacct's "Globalized" warning.
    Global,
    /// May be set per plugin instance with `key[name]`.
    Plugin,
    /// Meant to be set per plugin only (pmacct does not enforce it).
    NoGlobal,
}

/// Keys pmacct-rs adds (pmacct 1.7.7 logs "Unknown key" for them).
pub const EXTENSIONS: &[&str] = &[
    "kafka_retry_buffer_size",
    "kafka_flush_timeout",
    "amqp_retry_buffer_size",
    "amqp_flush_timeout",
    "metrics_http_listen",
    "nfacctd_templates_per_exporter",
    "exporter_stats_entries",
];

/// Daemon bits of [`KeyDef::daemons`].
pub const D_NF: u8 = 1;
pub const D_SF: u8 = 2;
pub const D_PM: u8 = 4;
pub const D_UA: u8 = 8;
/// pmbgpd: keys of the BGP daemon and the process (see [`pmbgpd_key`]); never set in
/// [`KeyDef::daemons`].
pub const D_BG: u8 = 16;

/// Process-wide keys pmbgpd reads besides every `bgp_*` key (pmacct 1.7.7's
/// `pmbgpd.c` and the BGP thread it runs).
const PMBGPD_CORE_KEYS: &[&str] = &[
    "debug",
    "syslog",
    "logfile",
    "pidfile",
    "daemonize",
    "core_proc_name",
    "files_umask",
    "timestamps_since_epoch",
    "timestamps_utc",
    "timestamps_rfc3339",
];

/// Whether pmbgpd reads key `name`: every `bgp_*` key (its BGP thread's, including the
/// msglog and dump outputs) and the process keys above.
pub fn pmbgpd_key(name: &str) -> bool {
    name.starts_with("bgp_") || PMBGPD_CORE_KEYS.contains(&name)
}

/// Whether `def` applies to the daemon of bit `daemon` (`D_*`).
pub fn applies(def: &KeyDef, daemon: u8) -> bool {
    def.daemons & daemon != 0 || (daemon & D_BG != 0 && pmbgpd_key(def.name))
}

/// Plugin-type bits of [`KeyDef::plugins`]; `P_CORE` marks core-only keys.
pub const P_NONE: u16 = 0;
pub const P_CORE: u16 = 1;
pub const P_MEMORY: u16 = 1 << 1;
pub const P_PRINT: u16 = 1 << 2;
pub const P_KAFKA: u16 = 1 << 3;
pub const P_AMQP: u16 = 1 << 4;
/// mysql, pgsql and sqlite3.
pub const P_SQL: u16 = 1 << 5;
pub const P_TEE: u16 = 1 << 6;
pub const P_NFPROBE: u16 = 1 << 7;
pub const P_SFPROBE: u16 = 1 << 8;
pub const P_ALL: u16 = (1 << 9) - 1;

/// One key of the registry.
#[derive(Debug)]
pub struct KeyDef {
    /// Name as written in config files (lower case).
    pub name: &'static str,
    /// Canonical name of the value this key writes; keys sharing a field share one value
    /// (pmacct's grouped directives: `kafka_topic` = `print_output_file` = `sql_table`...).
    pub field: &'static str,
    pub kind: Kind,
    /// Default value as config text (parsed with `kind`), if any.
    pub default: Option<&'static str>,
    pub scope: KeyScope,
    /// Daemons the key is meant for (`D_*` bits).
    pub daemons: u8,
    /// Plugin types the key is meant for (`P_*` bits).
    pub plugins: u16,
    /// Command-line flag that sets it, if any (daemon-specific meanings live in `cli.rs`).
    pub cli: Option<char>,
    /// Whether pmacct-rs acts on it; others are accepted and reported once.
    pub implemented: bool,
    /// One-line description (empty: see pmacct's CONFIG-KEYS).
    pub doc: &'static str,
}

/// A registry key name; constants live in [`crate::key`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key(pub(crate) &'static str);

impl Key {
    pub fn name(self) -> &'static str {
        self.0
    }
    /// The registry entry. Panics if the constant is not in the registry, which the unit
    /// test over every constant rules out.
    pub fn def(self) -> &'static KeyDef {
        lookup(self.0).unwrap_or_else(|| panic!("key '{}' is not in the registry", self.0))
    }
}

/// The registry entry of a (lower-cased) key name.
pub fn lookup(name: &str) -> Option<&'static KeyDef> {
    KEYS.iter().find(|k| k.name == name)
}

/// Keys writing the shared field `field`, in registry order.
pub fn group(field: &str) -> impl Iterator<Item = &'static KeyDef> + '_ {
    KEYS.iter().filter(move |k| k.field == field)
}

/// Levenshtein distance over bytes; callers keep both inputs within 64 bytes (fixed rows,
/// no allocation: did-you-mean runs for many unknown keys).
fn distance(a: &[u8], b: &[u8]) -> usize {
    let (a, b) = (&a[..a.len().min(64)], &b[..b.len().min(64)]);
    let mut prev = [0usize; 65];
    let mut cur = [0usize; 65];
    for (j, p) in prev.iter_mut().enumerate().take(b.len() + 1) {
        *p = j;
    }
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The nearest known key to `name`, if it is close enough to be a plausible typo (any
/// daemon, any plugin).
pub fn suggest(name: &str) -> Option<&'static str> {
    suggest_in(name, D_NF | D_SF | D_PM | D_UA, P_ALL)
}

/// A key's family: what comes before its first `_` (`print`, `kafka`, `nfacctd`, `sql`).
fn family(name: &str) -> &str {
    name.split('_').next().unwrap_or(name)
}

/// The nearest key to `name` among those that apply to daemon `daemons` and to one of
/// the plugin types `plugins` (`P_CORE` for core keys) and share `name`'s family when
/// that family is one the registry has: `print_time_roundoff` never suggests
/// `mongo_time_roundoff`, while `pirnt_output` may still suggest `print_output`.
pub fn suggest_in(name: &str, daemons: u8, plugins: u16) -> Option<&'static str> {
    let len = name.len();
    // No key is that long; and a length gap beyond the limit cannot be a near miss, which
    // keeps a file of thousands of unknown keys cheap.
    if len > 64 {
        return None;
    }
    let fam = family(name);
    let known_family = name.contains('_') && KEYS.iter().any(|k| family(k.name) == fam);
    let limit = (len / 3).max(2);
    let best = KEYS
        .iter()
        .filter(|k| k.name.len().abs_diff(len) <= limit)
        .filter(|k| applies(k, daemons) && k.plugins & plugins != 0)
        .filter(|k| !known_family || family(k.name) == fam)
        .map(|k| (distance(name.as_bytes(), k.name.as_bytes()), k.name))
        .min_by_key(|(d, _)| *d)?;
    (best.0 <= limit).then_some(best.1)
}

impl KeyDef {
    /// What pmacct-rs does with this key (see [`crate::status`]).
    pub fn status(&self) -> crate::status::Status {
        crate::status::status_of(self.name, self.implemented)
    }

    /// The accepted values, for error messages and docs.
    pub fn accepted(&self) -> String {
        if self.field == "files_umask" {
            return "an octal umask >= 002".into();
        }
        match self.kind {
            Kind::Bool => "true, false".into(),
            Kind::Int { min, max } => match (min, max) {
                (i64::MIN, i64::MAX) => "an integer".into(),
                (m, i64::MAX) => format!("an integer >= {m}"),
                (m, n) => format!("an integer {m}-{n}"),
            },
            Kind::Secs => "whole seconds > 0 (digits only)".into(),
            Kind::History => "N followed by s, m, h, d, w or M (seconds: multiple of 60)".into(),
            Kind::Roundoff => "letters m, h, d, w, M ('w' not with 'd' or 'M')".into(),
            Kind::Enum(v) => v.join(", "),
            Kind::Ip => "an IPv4 or IPv6 address".into(),
            Kind::Str => "text".into(),
            Kind::List => "comma-separated primitives".into(),
            Kind::Plugins => "comma-separated type[name]".into(),
        }
    }
}

fn daemons_text(k: &KeyDef) -> String {
    let names = [(D_NF, "nf"), (D_SF, "sf"), (D_PM, "pm"), (D_UA, "ua")];
    let bg = if pmbgpd_key(k.name) { ",bg" } else { "" };
    if k.daemons == D_NF | D_SF | D_PM | D_UA {
        return format!("all{bg}");
    }
    let mut s = names
        .iter()
        .filter(|(b, _)| k.daemons & b != 0)
        .map(|(_, n)| *n)
        .collect::<Vec<_>>()
        .join(",");
    s.push_str(bg);
    s
}

fn plugins_text(bits: u16) -> String {
    let names = [
        (P_CORE, "core"),
        (P_MEMORY, "memory"),
        (P_PRINT, "print"),
        (P_KAFKA, "kafka"),
        (P_AMQP, "amqp"),
        (P_SQL, "sql"),
        (P_TEE, "tee"),
        (P_NFPROBE, "nfprobe"),
        (P_SFPROBE, "sfprobe"),
    ];
    match bits {
        P_ALL => "all".into(),
        P_NONE => "none (mongodb, not built)".into(),
        b => names
            .iter()
            .filter(|(n, _)| b & n != 0)
            .map(|(_, s)| *s)
            .collect::<Vec<_>>()
            .join(","),
    }
}

/// docs/CONFIG-KEYS.md, generated from [`KEYS`].
pub fn markdown() -> String {
    let mut s = String::new();
    s.push_str("# Configuration keys\n\n");
    s.push_str("<!-- Generated from crates/config/src/keys.rs; do not edit. Regenerate with\n");
    s.push_str("     cargo run -p pmacct-config --example gen-config-keys-doc > docs/CONFIG-KEYS.md -->\n\n");
    s.push_str(
        "Every key pmacct 1.7.7 accepts. pmacct-rs reads all of them with pmacct's syntax and\n",
    );
    s.push_str(
        "scoping; keys marked *no* under \"impl.\" are accepted and reported once at start-up as\n",
    );
    s.push_str(
        "\"recognized, not supported yet\". Keys sharing a **field** write one value (pmacct's\n",
    );
    s.push_str(
        "grouped directives): an unscoped `kafka_topic` also sets a print plugin's output file.\n",
    );
    s.push_str(
        "Scope *global*: `key[name]` is applied to every instance with a \"Globalized\" warning.\n",
    );
    s.push_str(
        "Daemons: nf = nfacctd, sf = sfacctd, pm = pmacctd, ua = uacctd, bg = pmbgpd. For keys with an empty\n",
    );
    s.push_str("description see pmacct's CONFIG-KEYS.\n\n");
    s.push_str(
        "Values are read as 1.7.7 reads them: there are no trailing comments, but integers are\n",
    );
    s.push_str(
        "read as C `atoi` (`nfacctd_port: 2100 ! netflow` is 2100), IPv4 addresses as `inet_aton`\n",
    );
    s.push_str(
        "(`127.0.0.1 ! here`) and history as digits and one unit; pmacct-rs warns about the text\n",
    );
    s.push_str(
        "it ignored. Booleans, enums, IPv6 addresses and `*_refresh_time` reject trailing text;\n",
    );
    s.push_str("strings and lists keep it (see docs/COMPATIBILITY.md).\n\n");
    s.push_str("\"impl.\": *yes* implemented; *no* recognized, not supported yet (warned once);\n");
    s.push_str(
        "*refused* read only to refuse a configuration that asks for it; *no-op* accepted with\n",
    );
    s.push_str("one INFO line, nothing to do in pmacct-rs. Reasons:\n\n");
    for (name, st) in crate::status::STATUSES {
        let why = match st {
            crate::status::Status::Refused(w) | crate::status::Status::NoOp(w) => *w,
            _ => "",
        };
        s.push_str(&format!("- `{name}` ({}): {why}.\n", st.label()));
    }
    s.push('\n');
    let implemented = KEYS.iter().filter(|k| k.implemented).count();
    s.push_str(&format!(
        "{} keys, {implemented} implemented.\n\n",
        KEYS.len()
    ));
    s.push_str("| key | field | flag | values | default | scope | daemons | plugins | impl. | description |\n");
    s.push_str("|---|---|---|---|---|---|---|---|---|---|\n");
    let esc = |t: &str| t.replace('|', "\\|");
    for k in KEYS {
        let field = if k.field == k.name {
            String::new()
        } else {
            format!("`{}`", k.field)
        };
        let flag = k.cli.map(|c| format!("-{c}")).unwrap_or_default();
        let default = k
            .default
            .map(|d| format!("`{}`", esc(d)))
            .unwrap_or_default();
        let scope = match k.scope {
            KeyScope::Global => "global",
            KeyScope::Plugin => "plugin",
            KeyScope::NoGlobal => "plugin only",
        };
        s.push_str(&format!(
            "| `{}` | {field} | {flag} | {} | {default} | {scope} | {} | {} | {} | {} |\n",
            k.name,
            esc(&k.accepted()),
            daemons_text(k),
            plugins_text(k.plugins),
            k.status().label(),
            esc(k.doc)
        ));
    }
    s
}
