//! Config keys every aggregating plugin (print, kafka, ...) reads the same way, and pmacct's
//! value rules for them, so each plugin's `apply_keys` handles only its own keys.

use pmacct_flow::{Aggregate, TimestampOptions};

pub(crate) fn parse_bool(key: &str, v: &str) -> Result<bool, String> {
    match v.trim().to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(format!(
            "'{key}': invalid value '{}' (true or false)",
            v.trim()
        )),
    }
}

pub(crate) fn parse_num<T: std::str::FromStr>(key: &str, v: &str) -> Result<T, String> {
    v.trim()
        .parse()
        .map_err(|_| format!("'{key}': invalid number '{}'", v.trim()))
}

/// The settings shared by aggregating plugins, borrowed from a plugin's config.
pub(crate) struct CommonKeys<'a> {
    pub aggregate: &'a mut Aggregate,
    pub timestamps: &'a mut TimestampOptions,
    pub time_new: &'a mut bool,
    pub post_tag: &'a mut u64,
    pub post_tag2: &'a mut u64,
}

impl CommonKeys<'_> {
    /// Apply `key` if it is a shared one; Ok(false) if it is not.
    pub fn apply(&mut self, key: &str, v: &str) -> Result<bool, String> {
        match key {
            "aggregate" => *self.aggregate = Aggregate::parse(&[v]).map_err(|e| e.to_string())?,
            "timestamps_secs" => self.timestamps.secs = parse_bool(key, v)?,
            "timestamps_since_epoch" => self.timestamps.since_epoch = parse_bool(key, v)?,
            "timestamps_utc" => self.timestamps.utc = parse_bool(key, v)?,
            "timestamps_rfc3339" => self.timestamps.rfc3339 = parse_bool(key, v)?,
            "nfacctd_time_new" | "sfacctd_time_new" | "pmacctd_time_new" => {
                *self.time_new = parse_bool(key, v)?
            }
            "post_tag" => *self.post_tag = parse_num(key, v)?,
            "post_tag2" => *self.post_tag2 = parse_num(key, v)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}
