//! `nfacctd_templates_file`: NetFlow v9/IPFIX templates (and the sampling and uptime state
//! learnt from options data) written to a file whenever a decoder learns or loses a template,
//! and read back at start-up, so that data records arriving right after a restart decode
//! without waiting for the exporters to resend their templates.
//!
//! The file is the wire crate's text format (`TemplateCache::save`, first line
//! `pmacct-rs-templates 1`), not pmacct's: pmacct 1.7.7 dumps its in-memory template
//! structures as JSON, offsets included, which is no documented format. A file that does not
//! read (a pmacct one, a damaged one) is logged and ignored: the daemon starts with no
//! templates, as without the key.
//!
//! Each worker thread has its own decoder and template cache: the file holds the union of
//! what every worker knows (each worker's part is kept in memory and the whole is rewritten,
//! to a temporary file renamed over the old one).

use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

use pmacct_wire::netflow::{Limits, TemplateCache};

use crate::plog;

/// Upper bound of the file read at start-up (a wrong path must not exhaust memory).
const MAX_FILE: u64 = 256 << 20;

pub struct TemplatesFile {
    path: PathBuf,
    core_name: String,
    /// The last saved text of each worker's cache, without the first (magic) line.
    parts: Mutex<Vec<Vec<u8>>>,
}

impl TemplatesFile {
    pub fn new(core_name: &str, path: &str) -> TemplatesFile {
        TemplatesFile {
            path: PathBuf::from(path),
            core_name: core_name.to_string(),
            parts: Mutex::new(Vec::new()),
        }
    }

    /// A worker slot (one per decoder).
    pub fn register(&self) -> usize {
        match self.parts.lock() {
            Ok(mut p) => {
                p.push(Vec::new());
                p.len() - 1
            }
            Err(_) => usize::MAX,
        }
    }

    /// The templates saved by the previous run, or an empty cache (logged) if the file is
    /// missing or does not read.
    pub fn restore(&self, limits: Limits) -> TemplateCache {
        use std::io::Read;
        let name = &self.core_name;
        let path = self.path.display();
        let file = match std::fs::File::open(&self.path) {
            Ok(f) => f,
            Err(_) => {
                plog!(
                    Info,
                    name,
                    "core",
                    "[{path}] no templates file yet: starting empty."
                );
                return TemplateCache::new(limits);
            }
        };
        let mut buf = Vec::new();
        if file.take(MAX_FILE).read_to_end(&mut buf).is_err() {
            plog!(
                Warn,
                name,
                "core",
                "[{path}] unreadable templates file: ignored."
            );
            return TemplateCache::new(limits);
        }
        match TemplateCache::restore(&buf[..], limits) {
            Ok(c) => {
                plog!(
                    Info,
                    name,
                    "core",
                    "[{path}] {} templates restored.",
                    c.len()
                );
                c
            }
            Err(e) => {
                plog!(Warn, name, "core", "[{path}] {e}: ignored.");
                TemplateCache::new(limits)
            }
        }
    }

    /// Record worker `slot`'s cache and rewrite the file. Called only when the cache changed
    /// (templates arrive rarely): the allocation and the write are off the per-record path.
    pub fn store(&self, slot: usize, cache: &TemplateCache) {
        let mut text = Vec::new();
        if cache.save(&mut text).is_err() {
            return;
        }
        // Drop the magic line: the file gets one for all parts.
        let body = match text.iter().position(|b| *b == b'\n') {
            Some(i) => text.split_off(i + 1),
            None => Vec::new(),
        };
        let Ok(mut parts) = self.parts.lock() else {
            return;
        };
        if let Some(p) = parts.get_mut(slot) {
            *p = body;
        }
        if let Err(e) = self.write(&parts) {
            plog!(
                Warn,
                &self.core_name,
                "core",
                "[{}] cannot write templates: {e}",
                self.path.display()
            );
        }
    }

    fn write(&self, parts: &[Vec<u8>]) -> std::io::Result<()> {
        let mut tmp = self.path.clone().into_os_string();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        {
            let mut f = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
            // Same magic line as TemplateCache::save writes.
            let mut magic = Vec::new();
            TemplateCache::new(Limits::default()).save(&mut magic)?;
            f.write_all(&magic)?;
            for p in parts {
                f.write_all(p)?;
            }
            f.flush()?;
        }
        std::fs::rename(&tmp, &self.path)
    }
}

/// A change counter of a cache: moves when a template is added, replaced or dropped.
pub fn generation(cache: &TemplateCache) -> u64 {
    let s = cache.stats();
    s.inserted
        .wrapping_add(s.withdrawn)
        .wrapping_add(s.evictions)
        .wrapping_add(s.exporter_evictions)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pmacct_wire::netflow::TemplateKind;
    use pmacct_wire::record::FieldSpec;

    #[test]
    fn parts_of_every_worker_round_trip() {
        let dir = std::env::temp_dir().join(format!("pmacct-rs-tpl-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.txt");
        let tf = TemplatesFile::new("default", path.to_str().unwrap());
        let (a, b) = (tf.register(), tf.register());
        let f = [FieldSpec {
            pen: 0,
            id: 8,
            len: 4,
        }];
        let mut c1 = TemplateCache::new(Limits::default());
        c1.insert(
            "192.0.2.1".parse().unwrap(),
            0,
            256,
            TemplateKind::Data,
            0,
            &f,
        )
        .unwrap();
        let mut c2 = TemplateCache::new(Limits::default());
        c2.insert(
            "192.0.2.2".parse().unwrap(),
            7,
            300,
            TemplateKind::Data,
            0,
            &f,
        )
        .unwrap();
        tf.store(a, &c1);
        tf.store(b, &c2);
        let r = tf.restore(Limits::default());
        assert_eq!(r.len(), 2);
        assert!(r.peek("192.0.2.2".parse().unwrap(), 7, 300).is_some());
        // A file that is not ours is ignored, not fatal.
        std::fs::write(&path, "{\"pmacct\": 1}\n").unwrap();
        assert!(tf.restore(Limits::default()).is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
