//! Map files in the collector: pre_tag_map (per plugin, with pre_tag_filter,
//! pre_tag2_filter, pre_tag_label_filter) and the exporter allow file, loaded at start-up and
//! reloaded on SIGUSR2 (`maps_refresh`).
//!
//! pmacct evaluates each plugin's pre_tag_map in the core; here it is a plugin stage: the
//! result is the same (a plugin without a map sees tag 0, plugins with different maps see
//! their own tags) and the evaluation runs in the plugin's thread, off the receive path.
//!
//! Reload: the control thread re-reads a map file and, if it reads cleanly, publishes its text
//! with a new generation number; each plugin stage swaps to the new map at its next flow. A
//! reload that cannot be read, or that has lines pmacct would ignore, keeps the map in use and
//! logs why (pmacct 1.7.7 would drop the bad lines and apply the rest).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use pmacct_config::{key, Key, PluginInstance, Scope};
use pmacct_flow::{label, Flow, Stage};
use pmacct_maps::allow::AllowList;
use pmacct_maps::pretag::{self, Daemon, LabelFilter, Options, PreTagMap, TagFilter, Tags};
use pmacct_maps::{Diag, Severity};

use crate::core::{Datagram, DatagramSummary, Decoder, DropCounters, FlowSink};
use crate::plog;

/// Log a map's diagnostics as pmacct does (`LEVEL ( core/core ): [file:line] ...`).
pub fn log_diags(core_name: &str, diags: &[Diag]) {
    for d in diags {
        match d.severity {
            Severity::Info => plog!(Info, core_name, "core", "{}", d.err),
            Severity::Warn => plog!(Warn, core_name, "core", "{}", d.err),
            Severity::Error => plog!(Error, core_name, "core", "{}", d.err),
        }
    }
}

/// One pre_tag_map file shared by the plugins that use it: its current text and generation.
struct Shared {
    path: String,
    opts: Options,
    gen: AtomicU64,
    text: Mutex<Arc<String>>,
}

fn registry() -> &'static Mutex<HashMap<String, Arc<Shared>>> {
    static R: OnceLock<Mutex<HashMap<String, Arc<Shared>>>> = OnceLock::new();
    R.get_or_init(|| Mutex::new(HashMap::new()))
}

fn daemon_of(d: pmacct_config::Daemon) -> Daemon {
    match d.name() {
        "sfacctd" => Daemon::Sfacctd,
        "pmacctd" | "uacctd" => Daemon::Pmacctd,
        _ => Daemon::Nfacctd,
    }
}

fn options(daemon: Daemon, scope: &Scope, frame_linktype: u32) -> Options {
    let mut o = Options::new(daemon);
    o.frame_linktype = frame_linktype;
    if let Some(n) = scope.u64(key::MAPS_ENTRIES) {
        o.max_entries = n.clamp(1, 10_000_000) as usize;
    }
    if let Some(n) = scope.u64(key::MAPS_ROW_LEN) {
        o.row_len = n.clamp(2, 1 << 20) as usize;
    }
    o.networks_file = scope.is_set(key::NETWORKS_FILE);
    o.label_encode_as_map = scope.bool(key::PRE_TAG_LABEL_ENCODE_AS_MAP);
    o
}

/// Read a map for start-up: pmacct logs and skips bad lines; an unreadable file is fatal.
fn load_text(core_name: &str, path: &str, o: &Options) -> Result<(String, PreTagMap), String> {
    let loaded = pretag::load(path, o);
    log_diags(core_name, &loaded.diags);
    // The reason is logged above with the file name, as pmacct does; the caller only exits.
    let map = loaded
        .map
        .map_err(|_| "pre_tag_map could not be loaded: exiting".to_string())?;
    Ok((loaded.text.unwrap_or_default(), map))
}

/// The pre_tag_map stage of one plugin: evaluates the map and applies the plugin's tag and
/// label filters.
pub struct PreTagStage {
    core_name: String,
    shared: Option<Arc<Shared>>,
    gen: u64,
    map: Option<PreTagMap>,
    daemon: Daemon,
    tags: Tags,
    tag_filter: TagFilter,
    tag2_filter: TagFilter,
    label_filter: LabelFilter,
    full_label_table: bool,
}

impl PreTagStage {
    fn refresh(&mut self) {
        let Some(s) = &self.shared else { return };
        let g = s.gen.load(Ordering::Acquire);
        if g == self.gen {
            return;
        }
        let text = s.text.lock().map(|t| t.clone()).ok();
        if let Some(text) = text {
            // Already checked and logged by the reloader: parse quietly.
            let mut diags = Vec::new();
            self.map = Some(pretag::parse(&s.path, &text, &s.opts, &mut diags));
        }
        self.gen = g;
    }
}

impl Stage for PreTagStage {
    fn apply(&mut self, f: &mut Flow) -> bool {
        self.refresh();
        if let Some(m) = &self.map {
            m.evaluate(f, self.daemon, &mut self.tags);
            if !pretag::apply_tags(f, &self.tags) && !self.full_label_table {
                self.full_label_table = true;
                plog!(
                    Warn,
                    &self.core_name,
                    "core",
                    "label table full ({} labels): further new labels are printed empty",
                    label::MAX_LABELS
                );
            }
        }
        self.tag_filter.allows(f.prims.tag)
            && self.tag2_filter.allows(f.prims.tag2)
            && self.label_filter.allows(label::resolve(f.prims.label))
    }
}

/// The pre_tag_map stage of plugin `p`, if it has a map or a tag/label filter.
/// `frame_linktype`: the link type pmacctd captures (its `filter=` rules are compiled for it).
pub fn pretag_stage(
    core_name: &str,
    daemon: pmacct_config::Daemon,
    p: &PluginInstance,
    frame_linktype: u32,
) -> Result<Option<Box<dyn Stage>>, String> {
    let scope = &p.scope;
    let daemon = daemon_of(daemon);
    let filter = |k: Key| -> Result<TagFilter, String> {
        match scope.str(k) {
            Some(v) => TagFilter::parse(v).map_err(|e| format!("[{}] {e}", k.name())),
            None => Ok(TagFilter::default()),
        }
    };
    let tag_filter = filter(key::PRE_TAG_FILTER)?;
    let tag2_filter = filter(key::PRE_TAG2_FILTER)?;
    let label_filter = scope
        .str(key::PRE_TAG_LABEL_FILTER)
        .map(LabelFilter::parse)
        .unwrap_or_default();
    let path = scope.str(key::PRE_TAG_MAP);
    if path.is_none()
        && !scope.is_set(key::PRE_TAG_FILTER)
        && !scope.is_set(key::PRE_TAG2_FILTER)
        && !scope.is_set(key::PRE_TAG_LABEL_FILTER)
    {
        return Ok(None);
    }
    let (shared, map) = match path {
        None => (None, None),
        Some(path) => {
            let o = options(daemon, scope, frame_linktype);
            let mut reg = registry()
                .lock()
                .map_err(|_| "map registry poisoned".to_string())?;
            match reg.get(path) {
                Some(s) => {
                    let text = s.text.lock().map(|t| t.clone()).map_err(|_| "poisoned")?;
                    let mut d = Vec::new();
                    let m = pretag::parse(path, &text, &s.opts, &mut d);
                    (Some(s.clone()), Some(m))
                }
                None => {
                    let (text, m) = load_text(core_name, path, &o)?;
                    let s = Arc::new(Shared {
                        path: path.to_string(),
                        opts: o,
                        gen: AtomicU64::new(0),
                        text: Mutex::new(Arc::new(text)),
                    });
                    reg.insert(path.to_string(), s.clone());
                    (Some(s), Some(m))
                }
            }
        }
    };
    Ok(Some(Box::new(PreTagStage {
        core_name: core_name.to_string(),
        shared,
        gen: 0,
        map,
        daemon,
        tags: Tags::default(),
        tag_filter,
        tag2_filter,
        label_filter,
        full_label_table: false,
    })))
}

/// SIGUSR2: re-read every pre_tag_map in use. A map that cannot be read or has ignored lines
/// keeps the previous one. Returns an error naming the maps kept.
pub fn reload_pretag_maps(core_name: &str) -> Result<(), String> {
    let maps: Vec<Arc<Shared>> = match registry().lock() {
        Ok(r) => r.values().cloned().collect(),
        Err(_) => return Err("map registry poisoned".into()),
    };
    let mut kept = Vec::new();
    for s in maps {
        let loaded = pretag::load(&s.path, &s.opts);
        log_diags(core_name, &loaded.diags);
        let ignored = loaded
            .diags
            .iter()
            .filter(|d| d.severity != Severity::Info && d.err.line != 0)
            .count();
        match (loaded.map, loaded.text) {
            (Ok(_), Some(text)) if ignored == 0 => {
                if let Ok(mut t) = s.text.lock() {
                    *t = Arc::new(text);
                }
                s.gen.fetch_add(1, Ordering::AcqRel);
            }
            (Ok(_), _) => {
                plog!(
                    Warn,
                    core_name,
                    "core",
                    "[{}] {} line(s) ignored: keeping the map loaded before (pmacct-rs applies a reload only if every line reads)",
                    s.path,
                    ignored
                );
                kept.push(s.path.clone());
            }
            (Err(e), _) => {
                plog!(
                    Warn,
                    core_name,
                    "core",
                    "[{}] Rolling back old map.",
                    e.file
                );
                kept.push(s.path.clone());
            }
        }
    }
    if kept.is_empty() {
        Ok(())
    } else {
        Err(format!("kept previous map(s): {}", kept.join(", ")))
    }
}

/// Whether `maps_refresh` lets SIGUSR2 reload maps (pmacct default: true).
pub fn refresh_enabled(core: &Scope) -> bool {
    core.bool(key::MAPS_REFRESH)
}

/// The allow file in use, shared by the workers' decoders; a reload publishes a new list.
pub struct SharedAllow {
    path: String,
    /// `core_proc_name`, for log lines from the workers.
    core_name: String,
    gen: AtomicU64,
    list: Mutex<Arc<AllowList>>,
}

impl SharedAllow {
    /// Load `path` at start-up: an unreadable file is fatal, as in pmacct.
    pub fn load(core_name: &str, path: &str) -> Result<Arc<SharedAllow>, String> {
        let mut diags = Vec::new();
        let list = AllowList::load(path, &mut diags);
        log_diags(core_name, &diags);
        let list = list.map_err(|e| {
            plog!(Warn, core_name, "core", "{}", e);
            e.to_string()
        })?;
        Ok(Arc::new(SharedAllow {
            path: path.to_string(),
            core_name: core_name.to_string(),
            gen: AtomicU64::new(0),
            list: Mutex::new(Arc::new(list)),
        }))
    }

    /// SIGUSR2: re-read the file; unreadable keeps the list in use (pmacct: "Rolling back").
    pub fn reload(&self, core_name: &str) -> Result<(), String> {
        let mut diags = Vec::new();
        let list = AllowList::load(&self.path, &mut diags);
        log_diags(core_name, &diags);
        match list {
            Ok(l) => {
                if let Ok(mut cur) = self.list.lock() {
                    *cur = Arc::new(l);
                }
                self.gen.fetch_add(1, Ordering::AcqRel);
                Ok(())
            }
            Err(e) => {
                plog!(Warn, core_name, "core", "{}", e);
                plog!(
                    Warn,
                    core_name,
                    "core",
                    "[{}] Rolling back old map.",
                    self.path
                );
                Err(e.to_string())
            }
        }
    }
}

/// A worker's decoder behind the allow file: datagrams from exporters not listed are dropped
/// before decoding, counted (`allow_file_denied`) and logged at most once a minute per worker
/// (pmacct drops them silently).
pub struct AllowDecoder {
    inner: Box<dyn Decoder>,
    shared: Arc<SharedAllow>,
    gen: u64,
    list: Arc<AllowList>,
    denied: u64,
    last_log: Option<std::time::Instant>,
}

impl AllowDecoder {
    pub fn new(inner: Box<dyn Decoder>, shared: Arc<SharedAllow>) -> AllowDecoder {
        let list = shared.list.lock().map(|l| l.clone()).unwrap_or_default();
        let gen = shared.gen.load(Ordering::Acquire);
        AllowDecoder {
            inner,
            shared,
            gen,
            list,
            denied: 0,
            last_log: None,
        }
    }
}

impl Decoder for AllowDecoder {
    fn templates(&self) -> usize {
        self.inner.templates()
    }

    fn evictions(&self) -> (u64, u64) {
        self.inner.evictions()
    }

    fn set_from_templates_port(&mut self, on: bool) {
        self.inner.set_from_templates_port(on);
    }

    fn decode(
        &mut self,
        d: &Datagram<'_>,
        drops: &mut DropCounters,
        emit: &mut dyn FlowSink,
    ) -> Option<DatagramSummary> {
        if !self.allowed(d, drops) {
            return None;
        }
        self.inner.decode(d, drops, emit)
    }

    fn replicable(
        &mut self,
        d: &Datagram<'_>,
        drops: &mut DropCounters,
    ) -> Option<DatagramSummary> {
        if !self.allowed(d, drops) {
            return None;
        }
        self.inner.replicable(d, drops)
    }
}

impl AllowDecoder {
    /// Whether the exporter is in the allow file (reloaded when SIGUSR2 changed it).
    fn allowed(&mut self, d: &Datagram<'_>, drops: &mut DropCounters) -> bool {
        let g = self.shared.gen.load(Ordering::Acquire);
        if g != self.gen {
            if let Ok(l) = self.shared.list.lock() {
                self.list = l.clone();
            }
            self.gen = g;
        }
        if !self.list.allows(d.src.ip()) {
            drops.add("allow_file_denied", 1);
            self.denied += 1;
            let due = self
                .last_log
                .is_none_or(|t| t.elapsed() >= std::time::Duration::from_secs(60));
            if due {
                self.last_log = Some(std::time::Instant::now());
                plog!(
                    Warn,
                    &self.shared.core_name,
                    "core",
                    "datagram from {} not in allow file {}: dropped ({} dropped by this worker so far)",
                    d.src.ip(),
                    self.shared.path,
                    self.denied
                );
            }
            return false;
        }
        true
    }
}
