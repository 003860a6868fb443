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
const AMQP_REFUSED: &str =
    "keys of amqp_output avro, which the amqp plugin does not have yet (json only): set, the plugin refuses to start";
const ZMQ: &str = "pmacct-rs plugin queues are in-process (bounded channels), there is no ZeroMQ transport to configure";

const BGP_LOG_AVRO: &str = "BGP message logs and table dumps are JSON only in pmacct-rs: 1.7.7's Avro records of them (bgp_daemon_msglog_output/bgp_table_dump_output avro) have their own schemas that pmacct-rs's Avro code (flow records) does not generate; set, they stop the daemon at start-up";
const BMP_LOG_AVRO: &str = "BMP message logs and dumps are JSON only in pmacct-rs: 1.7.7's Avro records of them (bmp_daemon_msglog_output/bmp_dump_output avro) have their own schemas that pmacct-rs's Avro code (flow records) does not generate; set, they stop pmbmpd (and nfacctd/sfacctd with bmp_daemon) at start-up";
const GEOIP_LEGACY: &str = "legacy GeoIP: pmacct 1.7.7 as Debian builds it (GeoIP2 only) does not know this key either and ignores it ('Unknown key'); geoipv2_file is the GeoIP key both read";
const NDPI_CLASSIFIER: &str = "nDPI classification: pmacct 1.7.7 as Debian builds it (without nDPI) does not know this key either and ignores it ('Unknown key'); pmacct-rs has no nDPI classifier";
const BGP_HASH: &str = "sizes 1.7.7's BGP hash tables; pmacct-rs keeps each peer's routes in its own prefix trie (per AFI/SAFI/RD) and interns attributes in a map that grows as needed, so there is no bucket count to set";
const BGP_LG: &str = "the BGP looking glass (ZeroMQ request/reply server) is not built in pmacct-rs: 'bgp_daemon_lg: true' is refused at start-up";
const BGP_LG_SUB: &str =
    "read by the BGP looking glass only, which pmacct-rs refuses ('bgp_daemon_lg')";

/// Keys with an explicit status other than the registry's `implemented` flag.
pub static STATUSES: &[(&str, Status)] = &[
    ("bmp_table_peer_buckets", Status::NoOp(BMP_TABLE)),
    ("bmp_table_per_peer_buckets", Status::NoOp(BMP_TABLE)),
    ("bmp_table_attr_hash_buckets", Status::NoOp(BMP_TABLE)),
    ("bmp_table_per_peer_hash", Status::NoOp(BMP_TABLE)),
    ("isis_daemon", Status::Refused(BGP)),
    ("igp_daemon", Status::Refused(BGP)),
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
    // BGP message log / table dump encodings (crates/daemon/src/routelog.rs): JSON only.
    (
        "bgp_daemon_msglog_avro_schema_file",
        Status::Refused(BGP_LOG_AVRO),
    ),
    (
        "bgp_daemon_msglog_kafka_avro_schema_registry",
        Status::Refused(BGP_LOG_AVRO),
    ),
    (
        "bgp_table_dump_avro_schema_file",
        Status::Refused(BGP_LOG_AVRO),
    ),
    (
        "bgp_table_dump_kafka_avro_schema_registry",
        Status::Refused(BGP_LOG_AVRO),
    ),
    // BMP message log / dump encodings (crates/daemon/src/routelog.rs): JSON only.
    (
        "bmp_daemon_msglog_avro_schema_file",
        Status::Refused(BMP_LOG_AVRO),
    ),
    (
        "bmp_daemon_msglog_kafka_avro_schema_registry",
        Status::Refused(BMP_LOG_AVRO),
    ),
    ("bmp_dump_avro_schema_file", Status::Refused(BMP_LOG_AVRO)),
    (
        "bmp_dump_kafka_avro_schema_registry",
        Status::Refused(BMP_LOG_AVRO),
    ),
    ("bgp_table_peer_buckets", Status::NoOp(BGP_HASH)),
    ("bgp_table_per_peer_buckets", Status::NoOp(BGP_HASH)),
    ("bgp_table_attr_hash_buckets", Status::NoOp(BGP_HASH)),
    ("bgp_table_per_peer_hash", Status::NoOp(BGP_HASH)),
    ("bgp_daemon_lg", Status::Refused(BGP_LG)),
    ("bgp_daemon_lg_ip", Status::NoOp(BGP_LG_SUB)),
    ("bgp_daemon_lg_port", Status::NoOp(BGP_LG_SUB)),
    ("bgp_daemon_lg_threads", Status::NoOp(BGP_LG_SUB)),
    ("bgp_daemon_lg_user", Status::NoOp(BGP_LG_SUB)),
    ("bgp_daemon_lg_passwd", Status::NoOp(BGP_LG_SUB)),
    (
        "bgp_daemon_xconnect_map",
        Status::Refused("pmbgpd's BGP xconnects (relaying sessions to other collectors) are not built in pmacct-rs, and 1.7.7's nfacctd/sfacctd refuse the key too: a configuration that sets it does not start"),
    ),
    ("plugin_pipe_zmq", Status::NoOp(ZMQ)),
    ("plugin_pipe_zmq_retry", Status::NoOp(ZMQ)),
    ("plugin_pipe_zmq_profile", Status::NoOp(ZMQ)),
    ("plugin_pipe_zmq_hwm", Status::NoOp(ZMQ)),
    ("geoip_ipv4_file", Status::NoOp(GEOIP_LEGACY)),
    ("geoip_ipv6_file", Status::NoOp(GEOIP_LEGACY)),
    ("classifier_num_roots", Status::NoOp(NDPI_CLASSIFIER)),
    ("classifier_max_flows", Status::NoOp(NDPI_CLASSIFIER)),
    ("classifier_proto_guess", Status::NoOp(NDPI_CLASSIFIER)),
    ("classifier_idle_scan_period", Status::NoOp(NDPI_CLASSIFIER)),
    ("classifier_idle_max_time", Status::NoOp(NDPI_CLASSIFIER)),
    ("classifier_idle_scan_budget", Status::NoOp(NDPI_CLASSIFIER)),
    ("classifier_giveup_proto_tcp", Status::NoOp(NDPI_CLASSIFIER)),
    ("classifier_giveup_proto_udp", Status::NoOp(NDPI_CLASSIFIER)),
    ("classifier_giveup_proto_other", Status::NoOp(NDPI_CLASSIFIER)),
    (
        "bgp_blackhole_stdcomm_list",
        Status::NoOp("in pmacct 1.7.7 it only feeds a work-in-progress blackhole thread whose verdict nothing reads: flows, message logs and dumps are the same with or without it"),
    ),
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
