-- pmacct (and pmacct-rs) nfacctd kafka plugin -> ClickHouse, for the tutorial aggregate:
-- src_host, dst_host, in_iface, out_iface, timestamp_start, timestamp_end, src_port, dst_port,
-- proto, tos, tcpflags; kafka_history 1m; timestamps_utc: true (see docs/TUTORIAL-STACK.md).

-- 1. The topic as pmacct writes it: times, tcp_flags and ip_proto are strings.
CREATE TABLE netflow_queue
(
    event_type String,
    iface_in UInt32,
    iface_out UInt32,
    ip_src String,
    ip_dst String,
    port_src UInt16,
    port_dst UInt16,
    tcp_flags String,
    ip_proto String,
    tos UInt8,
    timestamp_start String,
    timestamp_end String,
    stamp_inserted String,
    stamp_updated String,
    packets UInt64,
    bytes UInt64,
    writer_id String
)
ENGINE = Kafka
SETTINGS kafka_broker_list = '127.0.0.1:9092',
         kafka_topic_list = 'netflow',
         kafka_group_name = 'clickhouse-netflow',
         kafka_format = 'JSONEachRow',
         kafka_skip_broken_messages = 100;

-- 2. Typed storage. One flow's minute bin may arrive in several messages (one per purge
-- that saw new traffic, each a delta): SummingMergeTree adds packets and bytes per key.
CREATE TABLE netflow
(
    stamp_inserted DateTime('UTC'),
    timestamp_start DateTime64(6, 'UTC'),
    timestamp_end DateTime64(6, 'UTC'),
    ip_src IPv6,
    ip_dst IPv6,
    port_src UInt16,
    port_dst UInt16,
    ip_proto LowCardinality(String),
    tos UInt8,
    tcp_flags UInt16,
    iface_in UInt32,
    iface_out UInt32,
    packets UInt64,
    bytes UInt64
)
ENGINE = SummingMergeTree((packets, bytes))
PARTITION BY toDate(stamp_inserted)
ORDER BY (stamp_inserted, ip_src, ip_dst, port_src, port_dst, ip_proto, tos, tcp_flags,
          iface_in, iface_out, timestamp_start, timestamp_end);

-- 3. Conversion. IPv4 addresses become IPv4-mapped IPv6 (::ffff:a.b.c.d) so one column
-- holds both families.
CREATE MATERIALIZED VIEW netflow_mv TO netflow AS
SELECT
    parseDateTimeBestEffort(stamp_inserted, 'UTC') AS stamp_inserted,
    parseDateTime64BestEffort(timestamp_start, 6, 'UTC') AS timestamp_start,
    parseDateTime64BestEffort(timestamp_end, 6, 'UTC') AS timestamp_end,
    toIPv6(ip_src) AS ip_src,
    toIPv6(ip_dst) AS ip_dst,
    port_src,
    port_dst,
    ip_proto,
    tos,
    toUInt16(tcp_flags) AS tcp_flags,
    iface_in,
    iface_out,
    packets,
    bytes
FROM netflow_queue;
