//! What pmacct-rs does with each key beyond "implemented or not": keys it reads only to
//! refuse a configuration, and keys it accepts as a logged no-op. Kept beside the registry
//! (not in its rows) so that flipping `implemented` in `keys.rs` and giving a key one of
//! these statuses never touch the same line.

/// The registry's account of a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// pmacct-rs acts on it as pmacct 1.7.7 does.
    Implemented,
    /// Read to refuse: a configuration that sets it (to a value that asks for the feature)
    /// does not start, with this reason.
    Refused(&'static str),
    /// Accepted and has nothing to do in pmacct-rs: one INFO line with this reason.
    NoOp(&'static str),
    /// Recognized, not supported yet: reported once as a warning.
    NotYet,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Implemented => "yes",
            Status::Refused(_) => "refused",
            Status::NoOp(_) => "no-op",
            Status::NotYet => "no",
        }
    }
}

const BGP: &str = "pmacct-rs has no IS-IS daemon yet; methods and primitives that need one are refused at start-up";
const BMP_TABLE: &str = "1.7.7's BMP RIB hash tuning: the pmacct-rs RIB (shared with the BGP daemon) is one hash table per prefix length, sized as routes come, with no buckets to set";
const KAFKA_REFUSED: &str =
    "kafka plugin feature pmacct-rs does not have: the plugin refuses to start when it is set";
const AMQP_REFUSED: &str =
    "amqp plugin feature pmacct-rs does not have (Avro output, preprocess, trigger): the plugin refuses to start when it is set";
const ZMQ: &str = "pmacct-rs plugin queues are in-process (bounded channels), there is no ZeroMQ transport to configure";

/// Keys with an explicit status other than the registry's `implemented` flag.
pub static STATUSES: &[(&str, Status)] = &[
    ("bmp_table_peer_buckets", Status::NoOp(BMP_TABLE)),
    ("bmp_table_per_peer_buckets", Status::NoOp(BMP_TABLE)),
    ("bmp_table_attr_hash_buckets", Status::NoOp(BMP_TABLE)),
    ("bmp_table_per_peer_hash", Status::NoOp(BMP_TABLE)),
    ("isis_daemon", Status::Refused(BGP)),
    ("igp_daemon", Status::Refused(BGP)),
    ("kafka_preprocess", Status::Refused(KAFKA_REFUSED)),
    ("kafka_preprocess_type", Status::Refused(KAFKA_REFUSED)),
    ("kafka_trigger_exec", Status::Refused(KAFKA_REFUSED)),
    (
        "tee_kafka_config_file",
        Status::Refused("the tee plugin replicates to UDP receivers only"),
    ),
    (
        "amqp_avro_schema_refresh_time",
        Status::Refused(AMQP_REFUSED),
    ),
    (
        "amqp_avro_schema_routing_key",
        Status::Refused(AMQP_REFUSED),
    ),
    ("amqp_preprocess", Status::Refused(AMQP_REFUSED)),
    ("amqp_preprocess_type", Status::Refused(AMQP_REFUSED)),
    ("amqp_trigger_exec", Status::Refused(AMQP_REFUSED)),
    ("plugin_pipe_zmq", Status::NoOp(ZMQ)),
    ("plugin_pipe_zmq_retry", Status::NoOp(ZMQ)),
    ("plugin_pipe_zmq_profile", Status::NoOp(ZMQ)),
    ("plugin_pipe_zmq_hwm", Status::NoOp(ZMQ)),
];

/// The status of the key `name` whose registry row says `implemented`.
pub fn status_of(name: &str, implemented: bool) -> Status {
    match STATUSES.iter().find(|(n, _)| *n == name) {
        Some((_, s)) => *s,
        None if implemented => Status::Implemented,
        None => Status::NotYet,
    }
}

/// Whether a value of a refused key asks for the feature (`bgp_daemon: false` does not).
pub fn asks_for_feature(raw: &str) -> bool {
    let v = raw.trim().to_ascii_lowercase();
    !(v.is_empty() || v == "false")
}
