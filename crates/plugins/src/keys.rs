//! Config keys every aggregating plugin (print, kafka, ...) reads the same way, from the
//! registry's typed values (parsed, range-checked and defaulted by `pmacct-config`), so each
//! plugin's `from_scope` reads only its own keys and checks only its own value rules.

use pmacct_config::{key, Key, Scope, TimeUnit};
use pmacct_flow::cache::{History, HistoryUnit};
use pmacct_flow::format::Encodings;
use pmacct_flow::{Aggregate, TimestampOptions};

/// The settings shared by aggregating plugins.
pub(crate) struct CommonKeys {
    /// `aggregate`.
    pub aggregate: Aggregate,
    /// `timestamps_secs`, `_since_epoch`, `_utc`, `_rfc3339`.
    pub timestamps: TimestampOptions,
    /// `[nsp]facctd_time_new` (one shared field).
    pub time_new: bool,
    /// `[nsup]acctd_stitching` (one shared field): `timestamp_min`/`timestamp_max`.
    pub stitching: bool,
    /// `nfacctd_pro_rating`: counters spread over the history bins a flow spans.
    pub pro_rating: bool,
    /// `geoipv2_file` (global): opened by plugins that aggregate GeoIP primitives.
    pub geoipv2_file: Option<String>,
    /// `post_tag`, `post_tag2` (0: not set).
    pub post_tag: u64,
    pub post_tag2: u64,
    /// The pmacct 1.7.8+ `*_encode_as_*` keys (JSON and Avro).
    pub encodings: Encodings,
    /// `writer_id_string` (pmacct 1.7.8+; kafka and amqp).
    pub writer_id_string: Option<String>,
}

/// The keys [`CommonKeys`] reads.
pub(crate) const COMMON_KEYS: &[Key] = &[
    key::AGGREGATE,
    key::TIMESTAMPS_SECS,
    key::TIMESTAMPS_SINCE_EPOCH,
    key::TIMESTAMPS_UTC,
    key::TIMESTAMPS_RFC3339,
    key::NFACCTD_TIME_NEW,
    key::SFACCTD_TIME_NEW,
    key::PMACCTD_TIME_NEW,
    key::NFACCTD_STITCHING,
    key::SFACCTD_STITCHING,
    key::PMACCTD_STITCHING,
    key::UACCTD_STITCHING,
    key::NFACCTD_PRO_RATING,
    key::GEOIPV2_FILE,
    key::POST_TAG,
    key::POST_TAG2,
    key::TCPFLAGS_ENCODE_AS_ARRAY,
    key::FWD_STATUS_ENCODE_AS_STRING,
    key::MPLS_LABEL_STACK_ENCODE_AS_ARRAY,
    key::AS_PATH_ENCODE_AS_ARRAY,
    key::BGP_COMMS_ENCODE_AS_ARRAY,
    key::PRE_TAG_LABEL_ENCODE_AS_MAP,
    key::WRITER_ID_STRING,
];

impl CommonKeys {
    pub fn read(scope: &Scope) -> Result<CommonKeys, String> {
        let tokens = scope.list(key::AGGREGATE).unwrap_or_default();
        let stitching = scope.bool(key::NFACCTD_STITCHING);
        let pro_rating = scope.bool(key::NFACCTD_PRO_RATING);
        if stitching && pro_rating {
            // P_config_checks(): the plugin does not start.
            return Err("Pro-rating (ie. nfacctd_pro_rating) and stitching (ie. nfacctd_stitching) are mutual exclusive. Exiting.".into());
        }
        Ok(CommonKeys {
            aggregate: Aggregate::parse(&tokens).map_err(|e| e.to_string())?,
            timestamps: TimestampOptions {
                secs: scope.bool(key::TIMESTAMPS_SECS),
                since_epoch: scope.bool(key::TIMESTAMPS_SINCE_EPOCH),
                utc: scope.bool(key::TIMESTAMPS_UTC),
                rfc3339: scope.bool(key::TIMESTAMPS_RFC3339),
            },
            time_new: scope.bool(key::NFACCTD_TIME_NEW),
            stitching,
            pro_rating,
            geoipv2_file: scope.str(key::GEOIPV2_FILE).map(str::to_string),
            post_tag: scope.num(key::POST_TAG)?.unwrap_or(0),
            post_tag2: scope.num(key::POST_TAG2)?.unwrap_or(0),
            encodings: Encodings {
                tcpflags_array: scope.bool(key::TCPFLAGS_ENCODE_AS_ARRAY),
                fwd_status_string: scope.bool(key::FWD_STATUS_ENCODE_AS_STRING),
                mpls_label_stack_array: scope.bool(key::MPLS_LABEL_STACK_ENCODE_AS_ARRAY),
                label_map: scope.bool(key::PRE_TAG_LABEL_ENCODE_AS_MAP),
                as_path_array: scope.bool(key::AS_PATH_ENCODE_AS_ARRAY),
                bgp_comms_array: scope.bool(key::BGP_COMMS_ENCODE_AS_ARRAY),
            },
            writer_id_string: scope.str(key::WRITER_ID_STRING).map(str::to_string),
        })
    }
}

/// A value the registry defaults: an error only if the registry lost that default.
pub(crate) fn need<T>(v: Option<T>, k: Key) -> Result<T, String> {
    v.ok_or_else(|| format!("'{}' has no value and no default.", k.name()))
}

/// `*_history` with its `_roundoff` and `_offset` (the three keys of one plugin type).
/// Roundoff or offset without history (unset, or a value 1.7.7 warned about and ignored,
/// such as `10s`) do nothing, as in 1.7.7.
pub(crate) fn history(
    scope: &Scope,
    [hist, roundoff, offset]: [Key; 3],
) -> Result<Option<History>, String> {
    let Some(h) = scope.history(hist) else {
        return Ok(None);
    };
    Ok(Some(History {
        count: h.count,
        unit: match h.unit {
            TimeUnit::Second => HistoryUnit::Seconds,
            TimeUnit::Minute => HistoryUnit::Minutes,
            TimeUnit::Hour => HistoryUnit::Hours,
            TimeUnit::Day => HistoryUnit::Days,
            TimeUnit::Week => HistoryUnit::Weeks,
            TimeUnit::Month => HistoryUnit::Months,
        },
        roundoff: scope.str(roundoff).unwrap_or_default().to_string(),
        offset: need(scope.u64(offset), offset)?,
    }))
}

/// Key/value pairs as written in config files.
pub(crate) type Pairs<'a> = Vec<(&'a str, &'a str)>;

/// Apply key/value pairs as config lines would (for tests and embedders): the pairs naming
/// one of `own` are set in a fresh scope through the registry's validation; the others are
/// handed back untouched.
pub(crate) fn scope_from_pairs<'a>(
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    own: &[Key],
) -> Result<(Scope, Pairs<'a>), String> {
    let mut scope = Scope::default();
    let mut rest = Vec::new();
    for (k, v) in pairs {
        match own.iter().find(|o| o.name() == k) {
            Some(o) => scope.set_raw(*o, v)?,
            None => rest.push((k, v)),
        }
    }
    Ok((scope, rest))
}
