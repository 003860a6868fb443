// Key registry of pmacct 1.7.7: every key its config dictionary accepts, plus `plugins`.
// Bootstrapped by tools/gen_registry.py from pmacct facts; maintained by hand since.
// `field`: keys with the same field write one shared value (pmacct "grouped directives").
use crate::registry::*;

#[rustfmt::skip]
pub static KEYS: &[KeyDef] = &[
    KeyDef { name: "plugins", field: "plugins", kind: Kind::Plugins, default: Some("memory"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: Some('P'), implemented: true, doc: "Plugin instances to run, `type[name]` comma-separated, in order (default: one memory plugin)." },
    KeyDef { name: "debug", field: "debug", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_ALL, cli: Some('d'), implemented: true, doc: "Log DEBUG messages (also echoes config parsing)." },
    KeyDef { name: "debug_internal_msg", field: "debug_internal_msg", kind: Kind::Bool, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_ALL, cli: None, implemented: false, doc: "" },
    KeyDef { name: "syslog", field: "syslog", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_ALL, cli: Some('S'), implemented: true, doc: "Log to syslog with this facility (auth, mail, daemon, kern, user, local0-7)." },
    KeyDef { name: "logfile", field: "logfile", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "Append log lines to this file instead of stderr; reopened on SIGHUP." },
    KeyDef { name: "pidfile", field: "pidfile", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: Some('F'), implemented: true, doc: "Write the core PID here; each plugin writes `<pidfile>-<type>-<name>`." },
    KeyDef { name: "daemonize", field: "daemonize", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: Some('D'), implemented: true, doc: "Fork to the background and detach from the terminal." },
    KeyDef { name: "aggregate", field: "aggregate", kind: Kind::List, default: Some("src_host"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_ALL, cli: Some('c'), implemented: true, doc: "Primitives a plugin aggregates on, comma-separated." },
    KeyDef { name: "aggregate_primitives", field: "aggregate_primitives", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "cluster_name", field: "cluster_name", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "cluster_id", field: "cluster_id", kind: Kind::Int { min: i64::MIN, max: i64::MAX }, default: Some("0"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "redis_host", field: "redis_host", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "redis_db", field: "redis_db", kind: Kind::Int { min: i64::MIN, max: i64::MAX }, default: Some("0"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "snaplen", field: "snaplen", kind: Kind::Int { min: 128, max: i64::MAX }, default: Some("128"), scope: KeyScope::Global, daemons: D_PM | D_UA, plugins: P_CORE, cli: Some('L'), implemented: true, doc: "Bytes of each packet captured (pmacct's minimum and default: 128)." },
    KeyDef { name: "propagate_signals", field: "propagate_signals", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "aggregate_filter", field: "aggregate_filter", kind: Kind::Str, default: None, scope: KeyScope::NoGlobal, daemons: D_NF | D_SF | D_PM, plugins: P_ALL, cli: None, implemented: true, doc: "" },
    KeyDef { name: "dtls_path", field: "dtls_path", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "promisc", field: "promisc", kind: Kind::Bool, default: Some("true"), scope: KeyScope::Global, daemons: D_PM | D_UA, plugins: P_CORE, cli: Some('N'), implemented: true, doc: "" },
    KeyDef { name: "pcap_filter", field: "pcap_filter", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_PM, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "pcap_protocol", field: "pcap_protocol", kind: Kind::Int { min: i64::MIN, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_PM, plugins: P_CORE, cli: None, implemented: true, doc: "Accepted; Debian's 1.7.7 cannot set it (libpcap has no pcap_set_protocol()): logs its warning and captures all protocols." },
    KeyDef { name: "pcap_savefile", field: "pcap_savefile", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM, plugins: P_CORE, cli: Some('I'), implemented: true, doc: "Read export packets from this pcap file instead of the socket; exit at its end." },
    KeyDef { name: "pcap_savefile_wait", field: "pcap_savefile_wait", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM, plugins: P_CORE, cli: Some('W'), implemented: true, doc: "At the end of the savefile, wait for a signal instead of exiting." },
    KeyDef { name: "pcap_savefile_delay", field: "pcap_savefile_delay", kind: Kind::Int { min: 0, max: i64::MAX }, default: Some("0"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM, plugins: P_CORE, cli: Some('Z'), implemented: true, doc: "Seconds to sleep before reading the savefile." },
    KeyDef { name: "pcap_savefile_replay", field: "pcap_savefile_replay", kind: Kind::Int { min: 0, max: i64::MAX }, default: Some("1"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM, plugins: P_CORE, cli: Some('Y'), implemented: true, doc: "Times to read the savefile." },
    KeyDef { name: "pcap_interface", field: "pcap_interface", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_PM, plugins: P_CORE, cli: Some('i'), implemented: true, doc: "Interface pmacctd captures on." },
    KeyDef { name: "pcap_interface_wait", field: "pcap_interface_wait", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Global, daemons: D_PM, plugins: P_CORE, cli: Some('w'), implemented: true, doc: "" },
    KeyDef { name: "pcap_direction", field: "pcap_direction", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "pcap_ifindex", field: "pcap_ifindex", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_PM, plugins: P_CORE, cli: None, implemented: true, doc: "How capture interfaces are numbered (sys, hash, map, none) for in_iface/out_iface." },
    KeyDef { name: "pcap_interfaces_map", field: "pcap_interfaces_map", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_PM, plugins: P_CORE, cli: None, implemented: true, doc: "Interfaces to capture on, with ifindex and direction; reloaded on SIGUSR2." },
    KeyDef { name: "pcap_arista_trailer_offset", field: "pcap_arista_trailer_offset", kind: Kind::Int { min: i64::MIN, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_PM, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "pcap_arista_trailer_flag_value", field: "pcap_arista_trailer_flag_value", kind: Kind::Int { min: i64::MIN, max: i64::MAX }, default: Some("1"), scope: KeyScope::Global, daemons: D_PM, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "core_proc_name", field: "core_proc_name", kind: Kind::Str, default: Some("default"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "Name of the core process in log lines (`( <name>/core )`)." },
    KeyDef { name: "proc_priority", field: "proc_priority", kind: Kind::Int { min: i64::MIN, max: i64::MAX }, default: Some("0"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_ALL, cli: None, implemented: true, doc: "Nice value of the core (global value) and of each plugin (its own, else the global one), set per thread; 0 leaves it." },
    KeyDef { name: "pmacctd_as", field: "nfacctd_as", kind: Kind::Enum(&["false", "netflow", "sflow", "true", "file", "bgp", "bmp", "fallback", "longest"]), default: None, scope: KeyScope::Global, daemons: D_PM, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "uacctd_as", field: "nfacctd_as", kind: Kind::Enum(&["false", "netflow", "sflow", "true", "file", "bgp", "bmp", "fallback", "longest"]), default: None, scope: KeyScope::Global, daemons: D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "pmacctd_net", field: "nfacctd_net", kind: Kind::Enum(&["sflow", "netflow", "file", "mask", "bgp", "bmp", "igp", "fallback", "longest"]), default: None, scope: KeyScope::Plugin, daemons: D_PM, plugins: P_ALL, cli: None, implemented: true, doc: "" },
    KeyDef { name: "uacctd_net", field: "nfacctd_net", kind: Kind::Enum(&["sflow", "netflow", "file", "mask", "bgp", "bmp", "igp", "fallback", "longest"]), default: None, scope: KeyScope::Plugin, daemons: D_UA, plugins: P_ALL, cli: None, implemented: true, doc: "" },
    KeyDef { name: "use_ip_next_hop", field: "use_ip_next_hop", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "peer_dst_ip falls back to the IP next hop when the flow carries no BGP next hop (nfacctd, sfacctd)." },
    KeyDef { name: "thread_stack", field: "thread_stack", kind: Kind::Int { min: 1, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "plugin_pipe_size", field: "plugin_pipe_size", kind: Kind::Int { min: 1, max: i64::MAX }, default: Some("4096000"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_ALL, cli: None, implemented: true, doc: "Bytes of the core-to-plugin queue; pmacct-rs holds plugin_pipe_size / 100 records in flight, in batches of 2048 to 8192 records (a quarter of the last-level cache; at least 4 batches); logged at start when set." },
    KeyDef { name: "plugin_buffer_size", field: "plugin_buffer_size", kind: Kind::Int { min: 1, max: i64::MAX }, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_ALL, cli: None, implemented: true, doc: "Bytes of one core-to-plugin chunk (pmacct's hand-over unit; pmacct-rs hands over batches of 2048 to 8192 records): clamped to plugin_pipe_size and logged." },
    KeyDef { name: "plugin_pipe_zmq", field: "plugin_pipe_zmq", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_ALL, cli: None, implemented: false, doc: "" },
    KeyDef { name: "plugin_pipe_zmq_retry", field: "plugin_pipe_zmq_retry", kind: Kind::Int { min: 1, max: i64::MAX }, default: Some("60"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_ALL, cli: None, implemented: false, doc: "" },
    KeyDef { name: "plugin_pipe_zmq_profile", field: "plugin_pipe_zmq_profile", kind: Kind::Str, default: Some("micro"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_ALL, cli: None, implemented: false, doc: "" },
    KeyDef { name: "plugin_pipe_zmq_hwm", field: "plugin_pipe_zmq_hwm", kind: Kind::Int { min: 0, max: i64::MAX }, default: Some("0"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_ALL, cli: None, implemented: false, doc: "" },
    KeyDef { name: "plugin_exit_any", field: "plugin_exit_any", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "files_umask", field: "files_umask", kind: Kind::Int { min: 2, max: 0o666 }, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_ALL, cli: None, implemented: true, doc: "Octal umask of the files the daemons create (output files, directories, logfile, pidfiles), read as pmacct: `value & 0666` (unset: 077)." },
    KeyDef { name: "files_uid", field: "files_uid", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_ALL, cli: None, implemented: true, doc: "Owner (user name or uid) of the files the daemons create; core value, applies to all of them." },
    KeyDef { name: "files_gid", field: "files_gid", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_ALL, cli: None, implemented: true, doc: "Group (group name or gid) of the files the daemons create; core value, applies to all of them." },
    KeyDef { name: "networks_mask", field: "networks_mask", kind: Kind::Int { min: 1, max: i64::MAX }, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_ALL, cli: None, implemented: true, doc: "" },
    KeyDef { name: "networks_file", field: "networks_file", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_ALL, cli: Some('n'), implemented: true, doc: "" },
    KeyDef { name: "networks_file_filter", field: "networks_file_filter", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_ALL, cli: None, implemented: true, doc: "" },
    KeyDef { name: "networks_file_no_lpm", field: "networks_file_no_lpm", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_ALL, cli: None, implemented: true, doc: "" },
    KeyDef { name: "networks_no_mask_if_zero", field: "networks_no_mask_if_zero", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_ALL, cli: None, implemented: true, doc: "" },
    KeyDef { name: "networks_cache_entries", field: "networks_cache_entries", kind: Kind::Int { min: 1, max: i64::MAX }, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_ALL, cli: None, implemented: false, doc: "" },
    KeyDef { name: "ports_file", field: "ports_file", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_ALL, cli: Some('t'), implemented: true, doc: "" },
    KeyDef { name: "timestamps_rfc3339", field: "timestamps_rfc3339", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_ALL, cli: None, implemented: true, doc: "Render timestamps as RFC 3339 (`T` and zone offset)." },
    KeyDef { name: "timestamps_utc", field: "timestamps_utc", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_ALL, cli: None, implemented: true, doc: "Render timestamps in UTC instead of local time." },
    // pmacct 1.7.8+ keys (issue 22): accepted here, 1.7.7 defaults unchanged when unset.
    KeyDef { name: "writer_id_string", field: "writer_id_string", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_KAFKA | P_AMQP, cli: None, implemented: true, doc: "pmacct 1.7.8+: `writer_id` of kafka/amqp records from a template: `$proc_name` (plugin name), `$writer_pid`, `$pmacct_build` (default `$proc_name/$writer_pid`)." },
    KeyDef { name: "tcpflags_encode_as_array", field: "tcpflags_encode_as_array", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_ALL, cli: None, implemented: true, doc: "pmacct 1.7.8+: `tcp_flags` as an array of flag names in JSON and Avro." },
    KeyDef { name: "fwd_status_encode_as_string", field: "fwd_status_encode_as_string", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_ALL, cli: None, implemented: true, doc: "pmacct 1.7.8+: `fwd_status` as its RFC 7270 name in JSON and Avro." },
    KeyDef { name: "mpls_label_stack_encode_as_array", field: "mpls_label_stack_encode_as_array", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_ALL, cli: None, implemented: true, doc: "pmacct 1.7.8+: `mpls_label_stack` as an array of `<index>-<label>` in JSON and Avro." },
    KeyDef { name: "as_path_encode_as_array", field: "as_path_encode_as_array", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_ALL, cli: None, implemented: true, doc: "pmacct 1.7.8+: `as_path`/`as_path_src` as arrays in JSON and Avro." },
    KeyDef { name: "bgp_comms_encode_as_array", field: "bgp_comms_encode_as_array", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_ALL, cli: None, implemented: true, doc: "pmacct 1.7.8+: BGP communities as arrays in JSON and Avro." },
    KeyDef { name: "pre_tag_label_encode_as_map", field: "pre_tag_label_encode_as_map", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_ALL, cli: None, implemented: true, doc: "pmacct 1.7.8+: `label` as a map of its `key%value` pairs in JSON and Avro." },
    KeyDef { name: "nfacctd_pre_processing_checks", field: "nfacctd_pre_processing_checks", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Global, daemons: D_NF, plugins: P_CORE, cli: None, implemented: true, doc: "pmacct 1.8: discard NetFlow v9/IPFIX data sets whose end padding is not all zero bytes." },
    KeyDef { name: "tos_encode_as_dscp", field: "tos_encode_as_dscp", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_ALL, cli: None, implemented: true, doc: "pmacct 1.8: `tos` and `tunnel_tos` keep the 6 DSCP bits only (the ToS byte shifted right by 2), before aggregation." },
    KeyDef { name: "timestamps_secs", field: "timestamps_secs", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_ALL, cli: None, implemented: true, doc: "Timestamps with a resolution of seconds (microseconds zeroed)." },
    KeyDef { name: "timestamps_since_epoch", field: "timestamps_since_epoch", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_ALL, cli: None, implemented: true, doc: "Render timestamps as seconds since the epoch." },
    KeyDef { name: "imt_path", field: "imt_path", kind: Kind::Str, default: Some("/tmp/collect.pipe"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_MEMORY, cli: Some('p'), implemented: true, doc: "Memory plugin: path of the query socket (mode 0660; a stale socket is replaced)." },
    KeyDef { name: "imt_passwd", field: "imt_passwd", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_MEMORY, cli: None, implemented: true, doc: "Memory plugin: password a client must give (`pmacct -P`), first 8 characters compared." },
    KeyDef { name: "imt_buckets", field: "imt_buckets", kind: Kind::Int { min: 1, max: i64::MAX }, default: Some("32771"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_MEMORY, cli: Some('b'), implemented: true, doc: "Memory plugin: hash buckets; with the pools, bounds the table (and `pmacct -t` lists them)." },
    KeyDef { name: "imt_mem_pools_number", field: "imt_mem_pools_number", kind: Kind::Int { min: 0, max: i64::MAX }, default: Some("16"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_MEMORY, cli: Some('m'), implemented: true, doc: "Memory plugin: memory pools (0: unbounded); the table holds imt_buckets + (pools - 1) x (imt_mem_pools_size / 352) entries, more are dropped, counted and logged." },
    KeyDef { name: "imt_mem_pools_size", field: "imt_mem_pools_size", kind: Kind::Int { min: 1, max: i64::MAX }, default: Some("8192"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_MEMORY, cli: Some('s'), implemented: true, doc: "Memory plugin: bytes per memory pool (at least 352, pmacct's entry size)." },
    KeyDef { name: "sql_db", field: "sql_db", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_SQL, cli: None, implemented: true, doc: "Database name (mysql/pgsql, default `pmacct`) or SQLite file (default `/tmp/pmacct.db`)." },
    KeyDef { name: "sql_table", field: "sql_table", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_SQL, cli: None, implemented: true, doc: "Table written (default `acct`, `acct_vN` for v2-v8); strftime `%` and `$peer_src_ip $tag $tag2 $post_tag` variables allowed." },
    KeyDef { name: "sql_table_schema", field: "sql_table_schema", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_SQL, cli: None, implemented: true, doc: "File with the CREATE TABLE run when a dynamic `sql_table` is first written (same variables)." },
    KeyDef { name: "sql_table_version", field: "sql_table_version", kind: Kind::Int { min: 1, max: i64::MAX }, default: Some("1"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_SQL, cli: None, implemented: true, doc: "Schema version 1-9 of the default tables: which columns are written and their names." },
    KeyDef { name: "sql_table_type", field: "sql_table_type", kind: Kind::Enum(&["bgp", "original"]), default: Some("original"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_SQL, cli: None, implemented: true, doc: "`original`, or `bgp` for pmacct's BGP tables (also chosen when a BGP primitive is aggregated)." },
    KeyDef { name: "sql_conn_ca_file", field: "sql_conn_ca_file", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_SQL, cli: None, implemented: true, doc: "mysql and pgsql: TLS to the server, its certificate verified against this CA file (pgsql: and its name against sql_host, as libpq's sslmode=verify-full; mysql: the chain only, as libmariadb); sqlite3: ignored, logged." },
    KeyDef { name: "sql_host", field: "sql_host", kind: Kind::Str, default: Some("localhost"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_SQL, cli: None, implemented: true, doc: "Database server host (mysql/pgsql)." },
    KeyDef { name: "sql_port", field: "sql_port", kind: Kind::Int { min: 1, max: i64::MAX }, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_SQL, cli: None, implemented: true, doc: "Database server port (mysql/pgsql)." },
    KeyDef { name: "sql_data", field: "sql_data", kind: Kind::Str, default: Some("typed"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_SQL, cli: None, implemented: true, doc: "pgsql `typed` or `unified`; logged and ignored by sqlite3/mysql as in pmacct." },
    KeyDef { name: "sql_user", field: "sql_user", kind: Kind::Str, default: Some("pmacct"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_SQL, cli: None, implemented: true, doc: "Database user (mysql/pgsql)." },
    KeyDef { name: "sql_passwd", field: "sql_passwd", kind: Kind::Str, default: Some("arealsmartpwd"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_SQL, cli: None, implemented: true, doc: "Database password (mysql/pgsql); never logged." },
    KeyDef { name: "sql_refresh_time", field: "sql_refresh_time", kind: Kind::Secs, default: Some("60"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_SQL, cli: Some('r'), implemented: true, doc: "Seconds between purges of the SQL cache; shared with *_refresh_time." },
    KeyDef { name: "sql_startup_delay", field: "sql_startup_delay", kind: Kind::Int { min: 0, max: i64::MAX }, default: Some("0"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_SQL, cli: None, implemented: true, doc: "Seconds to delay the first purge." },
    KeyDef { name: "sql_optimize_clauses", field: "sql_optimize_clauses", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_SQL, cli: None, implemented: true, doc: "Write only the aggregated primitives (custom tables); column names follow sql_table_version." },
    KeyDef { name: "sql_history", field: "sql_history", kind: Kind::History, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_SQL, cli: None, implemented: true, doc: "Time bins `N[mhdwM]` written as stamp_inserted." },
    KeyDef { name: "sql_history_offset", field: "sql_history_offset", kind: Kind::Int { min: 0, max: i64::MAX }, default: Some("0"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_SQL, cli: None, implemented: true, doc: "Seconds to shift time bins by." },
    KeyDef { name: "sql_history_roundoff", field: "sql_history_roundoff", kind: Kind::Roundoff, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_SQL, cli: None, implemented: true, doc: "Align time bins to the start of minute/hour/day/week/month (`m h d w M`)." },
    KeyDef { name: "sql_backup_host", field: "sql_backup_host", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_SQL, cli: None, implemented: true, doc: "Alias of sql_recovery_backup_host." },
    KeyDef { name: "sql_recovery_backup_host", field: "sql_backup_host", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_SQL, cli: None, implemented: true, doc: "Backup database (SQLite file or server host) tried when the primary fails." },
    KeyDef { name: "sql_delimiter", field: "sql_delimiter", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_SQL, cli: None, implemented: true, doc: "pgsql COPY field delimiter (one character, default `,`)." },
    KeyDef { name: "sql_max_writers", field: "sql_max_writers", kind: Kind::Int { min: 1, max: i64::MAX }, default: Some("10"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_SQL, cli: None, implemented: true, doc: "Accepted; pmacct-rs has one writer thread per plugin and never refuses a purge." },
    KeyDef { name: "sql_trigger_exec", field: "sql_trigger_exec", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_SQL, cli: None, implemented: true, doc: "Executable started after a purge's rows are written (every sql_trigger_time, else every purge), with 1.7.7's TRIGGER_VARS environment." },
    KeyDef { name: "sql_trigger_time", field: "sql_trigger_time", kind: Kind::History, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_SQL, cli: None, implemented: true, doc: "Interval of sql_trigger_exec (`N[mhdwM]`, aligned as sql_history_roundoff); ignored without sql_trigger_exec." },
    KeyDef { name: "sql_cache_entries", field: "sql_cache_entries", kind: Kind::Int { min: 1, max: i64::MAX }, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_SQL, cli: None, implemented: true, doc: "Entries of the SQL cache (default 32771)." },
    KeyDef { name: "sql_dont_try_update", field: "sql_dont_try_update", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_SQL, cli: None, implemented: true, doc: "INSERT only, without trying an UPDATE first." },
    KeyDef { name: "sql_preprocess", field: "sql_preprocess", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_SQL, cli: None, implemented: true, doc: "Checks and actions applied to each purge as 1.7.7 (qnum, min/max p b f, min/max bpp ppf, fss, usrf, adjb); fsrc and recover are refused." },
    KeyDef { name: "sql_preprocess_type", field: "sql_preprocess_type", kind: Kind::Str, default: Some("any"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_SQL, cli: None, implemented: true, doc: "`any` (one check passing keeps an entry) or `all`." },
    KeyDef { name: "sql_multi_values", field: "sql_multi_values", kind: Kind::Int { min: 0, max: i64::MAX }, default: Some("0"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_SQL, cli: None, implemented: true, doc: "Accepted; pmacct-rs always batches a purge in one transaction." },
    KeyDef { name: "sql_locking_style", field: "sql_locking_style", kind: Kind::Str, default: Some("table"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_SQL, cli: None, implemented: true, doc: "Accepted and logged: pmacct-rs writes each batch in one transaction." },
    KeyDef { name: "sql_use_copy", field: "sql_use_copy", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_SQL, cli: None, implemented: true, doc: "pgsql: write purges with COPY (needs sql_dont_try_update, as in 1.7.7)." },
    KeyDef { name: "sql_num_protos", field: "sql_num_protos", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_SQL, cli: None, implemented: true, doc: "Write IP protocols as numbers (mysql/sqlite3; pgsql always does)." },
    KeyDef { name: "sql_num_hosts", field: "sql_num_hosts", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_SQL, cli: None, implemented: true, doc: "mysql: addresses written through INET6_ATON() as 1.7.7; ignored by pgsql; refused for sqlite3 (1.7.7 calls a function SQLite lacks)." },
    KeyDef { name: "print_refresh_time", field: "sql_refresh_time", kind: Kind::Secs, default: Some("60"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_PRINT, cli: Some('r'), implemented: true, doc: "Seconds between purges of the print cache; shared with *_refresh_time." },
    KeyDef { name: "print_cache_entries", field: "print_cache_entries", kind: Kind::Int { min: 1, max: i64::MAX }, default: Some("16411"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_PRINT, cli: None, implemented: true, doc: "Buckets of the print plugin cache." },
    KeyDef { name: "print_markers", field: "print_markers", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_PRINT, cli: Some('M'), implemented: true, doc: "Write start/end of purge markers." },
    KeyDef { name: "print_output", field: "print_output", kind: Kind::Enum(&["formatted", "csv", "json", "event_formatted", "event_csv", "avro", "avro_bin", "avro_json", "custom"]), default: Some("formatted"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_PRINT, cli: Some('O'), implemented: true, doc: "Output format of the print plugin." },
    KeyDef { name: "print_output_file", field: "sql_table", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_PRINT, cli: Some('o'), implemented: true, doc: "File the print plugin writes (strftime `%` variables allowed); shares its value with kafka_topic, sql_table and amqp_routing_key." },
    KeyDef { name: "print_output_file_append", field: "print_output_file_append", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_PRINT, cli: Some('A'), implemented: true, doc: "Append to the output file instead of overwriting it." },
    KeyDef { name: "print_output_lock_file", field: "print_output_lock_file", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_PRINT, cli: None, implemented: true, doc: "Lock file taken while the output file is written." },
    KeyDef { name: "print_output_separator", field: "print_output_separator", kind: Kind::Str, default: Some(","), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_PRINT, cli: Some('E'), implemented: true, doc: "Field separator of CSV output." },
    KeyDef { name: "print_output_custom_lib", field: "print_output_custom_lib", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_PRINT, cli: None, implemented: true, doc: "" },
    KeyDef { name: "print_output_custom_cfg_file", field: "print_output_custom_cfg_file", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_PRINT, cli: None, implemented: true, doc: "" },
    KeyDef { name: "print_write_empty_file", field: "print_write_empty_file", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_PRINT, cli: None, implemented: true, doc: "Write an output file even when a purge has no data." },
    KeyDef { name: "print_latest_file", field: "print_latest_file", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_PRINT, cli: None, implemented: true, doc: "Symlink pointing at the latest output file." },
    KeyDef { name: "print_num_protos", field: "sql_num_protos", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_PRINT, cli: Some('u'), implemented: true, doc: "Print IP protocols as numbers." },
    KeyDef { name: "print_trigger_exec", field: "sql_trigger_exec", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_PRINT, cli: None, implemented: true, doc: "Executable started (argv[0] only, the daemon's environment: no variables, unlike sql_trigger_exec) after each purge written, the final one at exit included, the urgent one when the cache is full excluded." },
    KeyDef { name: "print_history", field: "sql_history", kind: Kind::History, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_PRINT, cli: None, implemented: true, doc: "Time bins `N[smhdwM]` stamped on entries; shared with *_history." },
    KeyDef { name: "print_history_offset", field: "sql_history_offset", kind: Kind::Int { min: 0, max: i64::MAX }, default: Some("0"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_PRINT, cli: None, implemented: true, doc: "Seconds to shift time bins by." },
    KeyDef { name: "print_history_roundoff", field: "sql_history_roundoff", kind: Kind::Roundoff, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_PRINT, cli: None, implemented: true, doc: "Align time bins to the start of minute/hour/day/week/month (`m h d w M`)." },
    KeyDef { name: "print_max_writers", field: "sql_max_writers", kind: Kind::Int { min: 1, max: i64::MAX }, default: Some("10"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_PRINT, cli: None, implemented: true, doc: "Concurrent writer processes per print plugin." },
    KeyDef { name: "print_preprocess", field: "sql_preprocess", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_PRINT, cli: None, implemented: true, doc: "Checks a purge's entries must pass to be written, as 1.7.7's print plugin: minp, minf, minb, minbpp, minppf; other keywords are warned about and ignored." },
    KeyDef { name: "print_preprocess_type", field: "sql_preprocess_type", kind: Kind::Str, default: Some("any"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_PRINT, cli: None, implemented: true, doc: "`any` (one check passing keeps an entry) or `all`." },
    KeyDef { name: "print_startup_delay", field: "sql_startup_delay", kind: Kind::Int { min: 0, max: i64::MAX }, default: Some("0"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_PRINT, cli: None, implemented: true, doc: "Seconds to delay the first purge." },
    KeyDef { name: "mongo_host", field: "sql_host", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_NONE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "mongo_table", field: "sql_table", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_NONE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "mongo_user", field: "sql_user", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_NONE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "mongo_passwd", field: "sql_passwd", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_NONE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "mongo_refresh_time", field: "sql_refresh_time", kind: Kind::Secs, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_NONE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "mongo_cache_entries", field: "print_cache_entries", kind: Kind::Int { min: 1, max: i64::MAX }, default: Some("16411"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_NONE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "mongo_history", field: "sql_history", kind: Kind::History, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_NONE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "mongo_history_offset", field: "sql_history_offset", kind: Kind::Int { min: 0, max: i64::MAX }, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_NONE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "mongo_history_roundoff", field: "sql_history_roundoff", kind: Kind::Roundoff, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_NONE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "mongo_time_roundoff", field: "sql_history_roundoff", kind: Kind::Roundoff, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_NONE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "mongo_trigger_exec", field: "sql_trigger_exec", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_NONE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "mongo_insert_batch", field: "mongo_insert_batch", kind: Kind::Int { min: 1, max: i64::MAX }, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_NONE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "mongo_indexes_file", field: "sql_table_schema", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_NONE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "mongo_max_writers", field: "sql_max_writers", kind: Kind::Int { min: 1, max: i64::MAX }, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_NONE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "mongo_preprocess", field: "sql_preprocess", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_NONE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "mongo_preprocess_type", field: "sql_preprocess_type", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_NONE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "mongo_startup_delay", field: "sql_startup_delay", kind: Kind::Int { min: 0, max: i64::MAX }, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_NONE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "mongo_num_protos", field: "sql_num_protos", kind: Kind::Bool, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_NONE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "avro_buffer_size", field: "avro_buffer_size", kind: Kind::Int { min: 1, max: i64::MAX }, default: Some("8192"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_ALL, cli: None, implemented: true, doc: "Largest Avro record (bytes) of kafka_output avro/avro_json: a larger one is not sent (logged)." },
    KeyDef { name: "avro_schema_output_file", field: "avro_schema_file", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_ALL, cli: None, implemented: true, doc: "Write the Avro schema of kafka_output avro/avro_json here at start-up." },
    KeyDef { name: "avro_schema_file", field: "avro_schema_file", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_ALL, cli: None, implemented: true, doc: "Write the Avro schema of kafka_output avro/avro_json here at start-up (1.7.7 name)." },
    KeyDef { name: "amqp_refresh_time", field: "sql_refresh_time", kind: Kind::Secs, default: Some("60"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_AMQP, cli: Some('r'), implemented: true, doc: "" },
    KeyDef { name: "amqp_history", field: "sql_history", kind: Kind::History, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_AMQP, cli: None, implemented: true, doc: "" },
    KeyDef { name: "amqp_history_offset", field: "sql_history_offset", kind: Kind::Int { min: 0, max: i64::MAX }, default: Some("0"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_AMQP, cli: None, implemented: true, doc: "" },
    KeyDef { name: "amqp_history_roundoff", field: "sql_history_roundoff", kind: Kind::Roundoff, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_AMQP, cli: None, implemented: true, doc: "" },
    KeyDef { name: "amqp_time_roundoff", field: "sql_history_roundoff", kind: Kind::Roundoff, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_AMQP, cli: None, implemented: true, doc: "" },
    KeyDef { name: "amqp_host", field: "sql_host", kind: Kind::Str, default: Some("127.0.0.1"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_AMQP, cli: None, implemented: true, doc: "RabbitMQ broker host: `host`, or `host:port` (pmacct-rs extension; 1.7.7 always uses port 5672)." },
    KeyDef { name: "amqp_user", field: "sql_user", kind: Kind::Str, default: Some("guest"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_AMQP, cli: None, implemented: true, doc: "" },
    KeyDef { name: "amqp_passwd", field: "sql_passwd", kind: Kind::Str, default: Some("guest"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_AMQP, cli: None, implemented: true, doc: "" },
    KeyDef { name: "amqp_exchange", field: "sql_db", kind: Kind::Str, default: Some("pmacct"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_AMQP, cli: None, implemented: true, doc: "" },
    KeyDef { name: "amqp_exchange_type", field: "amqp_exchange_type", kind: Kind::Str, default: Some("direct"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_AMQP, cli: None, implemented: true, doc: "" },
    KeyDef { name: "amqp_routing_key", field: "sql_table", kind: Kind::Str, default: Some("acct"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_AMQP, cli: None, implemented: true, doc: "Routing key of published messages; `$peer_src_ip`, `$tag`, `$tag2`, `$post_tag`, `$post_tag2` expanded per record. Shares its value with print_output_file." },
    KeyDef { name: "amqp_routing_key_rr", field: "amqp_routing_key_rr", kind: Kind::Int { min: 0, max: i64::MAX }, default: Some("0"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_AMQP, cli: None, implemented: true, doc: "" },
    KeyDef { name: "amqp_persistent_msg", field: "amqp_persistent_msg", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_AMQP, cli: None, implemented: true, doc: "" },
    KeyDef { name: "amqp_frame_max", field: "amqp_frame_max", kind: Kind::Int { min: 1, max: i64::MAX }, default: Some("131072"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_AMQP, cli: None, implemented: true, doc: "" },
    KeyDef { name: "amqp_cache_entries", field: "print_cache_entries", kind: Kind::Int { min: 1, max: i64::MAX }, default: Some("16411"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_AMQP, cli: None, implemented: true, doc: "" },
    KeyDef { name: "amqp_max_writers", field: "sql_max_writers", kind: Kind::Int { min: 1, max: i64::MAX }, default: Some("10"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_AMQP, cli: None, implemented: true, doc: "" },
    KeyDef { name: "amqp_preprocess", field: "sql_preprocess", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_AMQP, cli: None, implemented: true, doc: "" },
    KeyDef { name: "amqp_preprocess_type", field: "sql_preprocess_type", kind: Kind::Str, default: Some("any"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_AMQP, cli: None, implemented: true, doc: "" },
    KeyDef { name: "amqp_startup_delay", field: "sql_startup_delay", kind: Kind::Int { min: 0, max: i64::MAX }, default: Some("0"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_AMQP, cli: None, implemented: true, doc: "" },
    KeyDef { name: "amqp_heartbeat_interval", field: "amqp_heartbeat_interval", kind: Kind::Int { min: i64::MIN, max: i64::MAX }, default: Some("0"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_AMQP, cli: None, implemented: true, doc: "AMQP heartbeat in seconds (0: none). Applied (1.7.7 reads it but its amqp plugin does not use it)." },
    KeyDef { name: "amqp_multi_values", field: "sql_multi_values", kind: Kind::Int { min: 0, max: i64::MAX }, default: Some("0"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_AMQP, cli: None, implemented: true, doc: "" },
    KeyDef { name: "amqp_num_protos", field: "sql_num_protos", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_AMQP, cli: None, implemented: true, doc: "" },
    KeyDef { name: "amqp_vhost", field: "amqp_vhost", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_AMQP, cli: None, implemented: true, doc: "" },
    KeyDef { name: "amqp_markers", field: "print_markers", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_AMQP, cli: None, implemented: true, doc: "" },
    KeyDef { name: "amqp_output", field: "amqp_output", kind: Kind::Enum(&["json", "avro", "avro_bin", "avro_json", "custom"]), default: Some("json"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_AMQP, cli: None, implemented: true, doc: "Message encoding of the amqp plugin (json; avro ones refused)." },
    KeyDef { name: "amqp_avro_schema_routing_key", field: "amqp_avro_schema_routing_key", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_AMQP, cli: None, implemented: false, doc: "" },
    KeyDef { name: "amqp_avro_schema_refresh_time", field: "amqp_avro_schema_refresh_time", kind: Kind::Int { min: 1, max: i64::MAX }, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_AMQP, cli: None, implemented: false, doc: "" },
    KeyDef { name: "amqp_trigger_exec", field: "sql_trigger_exec", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_AMQP, cli: None, implemented: true, doc: "" },
    KeyDef { name: "kafka_refresh_time", field: "sql_refresh_time", kind: Kind::Secs, default: Some("60"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_KAFKA, cli: Some('r'), implemented: true, doc: "Seconds between purges of the kafka cache; shared with *_refresh_time." },
    KeyDef { name: "kafka_history", field: "sql_history", kind: Kind::History, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_KAFKA, cli: None, implemented: true, doc: "" },
    KeyDef { name: "kafka_history_offset", field: "sql_history_offset", kind: Kind::Int { min: 0, max: i64::MAX }, default: Some("0"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_KAFKA, cli: None, implemented: true, doc: "" },
    KeyDef { name: "kafka_history_roundoff", field: "sql_history_roundoff", kind: Kind::Roundoff, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_KAFKA, cli: None, implemented: true, doc: "" },
    KeyDef { name: "kafka_broker_host", field: "sql_host", kind: Kind::Str, default: Some("127.0.0.1"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_KAFKA, cli: None, implemented: true, doc: "Kafka broker host (or host:port list)." },
    KeyDef { name: "kafka_broker_port", field: "kafka_broker_port", kind: Kind::Int { min: 1, max: 65535 }, default: Some("9092"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_KAFKA, cli: None, implemented: true, doc: "Kafka broker port." },
    KeyDef { name: "kafka_topic", field: "sql_table", kind: Kind::Str, default: Some("pmacct.acct"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_KAFKA, cli: None, implemented: true, doc: "Kafka topic to produce to; shares its value with print_output_file." },
    KeyDef { name: "kafka_topic_rr", field: "amqp_routing_key_rr", kind: Kind::Int { min: 0, max: i64::MAX }, default: Some("0"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_KAFKA, cli: None, implemented: true, doc: "" },
    KeyDef { name: "kafka_partition", field: "kafka_partition", kind: Kind::Int { min: i64::MIN, max: i64::MAX }, default: Some("-1"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_KAFKA, cli: None, implemented: true, doc: "" },
    KeyDef { name: "kafka_partition_dynamic", field: "kafka_partition_dynamic", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_KAFKA, cli: None, implemented: true, doc: "" },
    KeyDef { name: "kafka_partition_key", field: "kafka_partition_key", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_KAFKA, cli: None, implemented: true, doc: "" },
    KeyDef { name: "kafka_cache_entries", field: "print_cache_entries", kind: Kind::Int { min: 1, max: i64::MAX }, default: Some("16411"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_KAFKA, cli: None, implemented: true, doc: "" },
    KeyDef { name: "kafka_max_writers", field: "sql_max_writers", kind: Kind::Int { min: 1, max: i64::MAX }, default: Some("10"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_KAFKA, cli: None, implemented: true, doc: "" },
    KeyDef { name: "kafka_preprocess", field: "sql_preprocess", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_KAFKA, cli: None, implemented: true, doc: "" },
    KeyDef { name: "kafka_preprocess_type", field: "sql_preprocess_type", kind: Kind::Str, default: Some("any"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_KAFKA, cli: None, implemented: true, doc: "" },
    KeyDef { name: "kafka_startup_delay", field: "sql_startup_delay", kind: Kind::Int { min: 0, max: i64::MAX }, default: Some("0"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_KAFKA, cli: None, implemented: true, doc: "" },
    KeyDef { name: "kafka_multi_values", field: "sql_multi_values", kind: Kind::Int { min: 0, max: i64::MAX }, default: Some("0"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_KAFKA, cli: None, implemented: true, doc: "" },
    KeyDef { name: "kafka_num_protos", field: "sql_num_protos", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_KAFKA, cli: None, implemented: true, doc: "" },
    KeyDef { name: "kafka_markers", field: "print_markers", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_KAFKA, cli: None, implemented: true, doc: "" },
    KeyDef { name: "kafka_output", field: "amqp_output", kind: Kind::Enum(&["json", "avro", "avro_bin", "avro_json", "custom"]), default: Some("json"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_KAFKA, cli: None, implemented: true, doc: "Message encoding of the kafka plugin." },
    KeyDef { name: "kafka_avro_schema_registry", field: "kafka_avro_schema_registry", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_KAFKA, cli: None, implemented: true, doc: "Confluent schema registry URL (http://): the schema is registered at start-up and records carry its id (magic byte 0 + 4-byte id)." },
    KeyDef { name: "kafka_config_file", field: "kafka_config_file", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_KAFKA, cli: None, implemented: true, doc: "" },
    KeyDef { name: "kafka_trigger_exec", field: "sql_trigger_exec", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_KAFKA, cli: None, implemented: true, doc: "" },
    KeyDef { name: "nfacctd_proc_name", field: "proc_name", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "The name in `writer_id` of BGP/BMP messages on Kafka/RabbitMQ (1.7.7's `proc_name`, which `core_proc_name` also sets); log lines keep `core_proc_name`. One value for the four daemons' keys." },
    KeyDef { name: "nfacctd_port", field: "nfacctd_port", kind: Kind::Int { min: 1, max: 65535 }, default: Some("2100"), scope: KeyScope::Global, daemons: D_NF, plugins: P_CORE, cli: Some('l'), implemented: true, doc: "UDP port to receive NetFlow/IPFIX on." },
    KeyDef { name: "nfacctd_ip", field: "nfacctd_ip", kind: Kind::Ip, default: None, scope: KeyScope::Global, daemons: D_NF, plugins: P_CORE, cli: Some('L'), implemented: true, doc: "Address to bind the NetFlow/IPFIX socket to (default: all, dual-stack)." },
    KeyDef { name: "nfacctd_ipv6_only", field: "nfacctd_ipv6_only", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Global, daemons: D_NF | D_SF, plugins: P_CORE, cli: None, implemented: true, doc: "IPV6_V6ONLY on the collector socket (nfacctd and sfacctd, as in pmacct)." },
    KeyDef { name: "nfacctd_allow_file", field: "nfacctd_allow_file", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "nfacctd_time_secs", field: "nfacctd_time_secs", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Global, daemons: D_NF, plugins: P_CORE, cli: None, implemented: true, doc: "NetFlow v5 header times are in seconds rather than milliseconds." },
    KeyDef { name: "nfacctd_time_new", field: "nfacctd_time_new", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Global, daemons: D_NF, plugins: P_CORE, cli: None, implemented: true, doc: "Bin flows by arrival time instead of the time in the flow." },
    KeyDef { name: "nfacctd_as_new", field: "nfacctd_as", kind: Kind::Enum(&["false", "netflow", "sflow", "true", "file", "bgp", "bmp", "fallback", "longest"]), default: None, scope: KeyScope::Global, daemons: D_NF, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "nfacctd_as", field: "nfacctd_as", kind: Kind::Enum(&["false", "netflow", "sflow", "true", "file", "bgp", "bmp", "fallback", "longest"]), default: None, scope: KeyScope::Global, daemons: D_NF, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "nfacctd_net", field: "nfacctd_net", kind: Kind::Enum(&["sflow", "netflow", "file", "mask", "bgp", "bmp", "igp", "fallback", "longest"]), default: None, scope: KeyScope::Plugin, daemons: D_NF, plugins: P_ALL, cli: None, implemented: true, doc: "" },
    KeyDef { name: "nfacctd_mcast_groups", field: "nfacctd_mcast_groups", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF, plugins: P_CORE, cli: None, implemented: true, doc: "Comma-separated multicast groups (IPv4, IPv6; up to 20) the collector socket joins; other addresses are skipped. Collection then runs on one worker." },
    KeyDef { name: "nfacctd_peer_as", field: "nfprobe_peer_as", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Plugin, daemons: D_NF, plugins: P_ALL, cli: None, implemented: false, doc: "" },
    KeyDef { name: "nfacctd_pipe_size", field: "nfacctd_pipe_size", kind: Kind::Int { min: i64::MIN, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_NF, plugins: P_CORE, cli: None, implemented: true, doc: "Bytes of socket receive buffer requested (SO_RCVBUF); what the kernel granted is logged." },
    KeyDef { name: "nfacctd_pro_rating", field: "nfacctd_pro_rating", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Plugin, daemons: D_NF, plugins: P_ALL, cli: None, implemented: true, doc: "" },
    KeyDef { name: "nfacctd_templates_file", field: "nfacctd_templates_file", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "nfacctd_templates_receiver", field: "nfacctd_templates_receiver", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF, plugins: P_CORE, cli: None, implemented: true, doc: "`host:port` (`[v6]:port`) that gets the template sets of each v9/IPFIX datagram of the collector socket, as 1.7.7 sends them: the header and template sets, from the exporter's address and port (raw socket: needs CAP_NET_RAW). Live UDP only; not with tee plugins." },
    KeyDef { name: "nfacctd_templates_port", field: "nfacctd_templates_port", kind: Kind::Int { min: 1, max: 65535 }, default: None, scope: KeyScope::Global, daemons: D_NF, plugins: P_CORE, cli: None, implemented: true, doc: "A second UDP port on `nfacctd_ip`: its datagrams are decoded as the collector port's (templates learnt, records accounted) but not relayed to `nfacctd_templates_receiver`." },
    KeyDef { name: "nfacctd_account_options", field: "nfacctd_account_options", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Global, daemons: D_NF, plugins: P_CORE, cli: None, implemented: true, doc: "Account NetFlow v9/IPFIX options data records as flows." },
    KeyDef { name: "nfacctd_stitching", field: "nfacctd_stitching", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Plugin, daemons: D_NF, plugins: P_ALL, cli: None, implemented: true, doc: "" },
    KeyDef { name: "nfacctd_ext_sampling_rate", field: "nfacctd_ext_sampling_rate", kind: Kind::Int { min: 1, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_NF, plugins: P_CORE, cli: None, implemented: true, doc: "Rate the exporter sampled at, not told in the records: with `nfacctd_renormalize`, counters are multiplied by it (instead of the carried rate); a carried or mapped `sampling_rate` then prints 1, an absent one 0. No effect without renormalize." },
    KeyDef { name: "nfacctd_renormalize", field: "sfacctd_renormalize", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Global, daemons: D_NF, plugins: P_CORE, cli: Some('R'), implemented: true, doc: "Scale counters up by the sampling rate." },
    KeyDef { name: "nfacctd_disable_checks", field: "nfacctd_disable_checks", kind: Kind::Bool, default: Some("true"), scope: KeyScope::Global, daemons: D_NF, plugins: P_CORE, cli: None, implemented: true, doc: "false: check NetFlow/IPFIX sequence numbers, log each jump (INFO) and count them in the stats; default true counts every datagram as in sequence." },
    KeyDef { name: "nfacctd_disable_opt_scope_check", field: "nfacctd_disable_opt_scope_check", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Global, daemons: D_NF, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "nfacctd_kafka_broker_host", field: "nfacctd_kafka_broker_host", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "nfacctd_kafka_broker_port", field: "nfacctd_kafka_broker_port", kind: Kind::Int { min: 1, max: 65535 }, default: Some("9092"), scope: KeyScope::Global, daemons: D_NF, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "nfacctd_kafka_topic", field: "nfacctd_kafka_topic", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "nfacctd_kafka_config_file", field: "nfacctd_kafka_config_file", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "nfacctd_zmq_address", field: "nfacctd_zmq_address", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "nfacctd_dtls_port", field: "nfacctd_dtls_port", kind: Kind::Int { min: 1, max: 65535 }, default: None, scope: KeyScope::Global, daemons: D_NF, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "pmacctd_proc_name", field: "proc_name", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "The name in `writer_id` of BGP/BMP messages on Kafka/RabbitMQ (1.7.7's `proc_name`, which `core_proc_name` also sets); log lines keep `core_proc_name`. One value for the four daemons' keys." },
    KeyDef { name: "pmacctd_force_frag_handling", field: "pmacctd_force_frag_handling", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Global, daemons: D_PM, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "pmacctd_frag_buffer_size", field: "pmacctd_frag_buffer_size", kind: Kind::Int { min: 1, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_PM, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "pmacctd_flow_buffer_size", field: "pmacctd_flow_buffer_size", kind: Kind::Int { min: 1, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_PM, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "pmacctd_flow_buffer_buckets", field: "pmacctd_flow_buffer_buckets", kind: Kind::Int { min: 1, max: i64::MAX }, default: Some("256"), scope: KeyScope::Global, daemons: D_PM, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "pmacctd_conntrack_buffer_size", field: "pmacctd_conntrack_buffer_size", kind: Kind::Int { min: 1, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_PM, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "pmacctd_flow_lifetime", field: "pmacctd_flow_lifetime", kind: Kind::Int { min: 1, max: i64::MAX }, default: Some("60"), scope: KeyScope::Global, daemons: D_PM, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "pmacctd_flow_tcp_lifetime", field: "pmacctd_flow_tcp_lifetime", kind: Kind::Int { min: 1, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_PM, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "pmacctd_ext_sampling_rate", field: "nfacctd_ext_sampling_rate", kind: Kind::Int { min: 1, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_PM, plugins: P_CORE, cli: None, implemented: true, doc: "Packets were sampled upstream at 1-out-of-N: `sampling_rate` prints N; with `pmacctd_renormalize`, counters are multiplied by N and `sampling_rate` prints 1; fragments before their first one are accounted alone with ports 0." },
    KeyDef { name: "pmacctd_pipe_size", field: "nfacctd_pipe_size", kind: Kind::Int { min: i64::MIN, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_PM, plugins: P_CORE, cli: None, implemented: true, doc: "Receive buffer (SO_RCVBUF) of the capture socket, bytes; what the kernel granted is logged at DEBUG." },
    KeyDef { name: "pmacctd_stitching", field: "nfacctd_stitching", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Plugin, daemons: D_PM, plugins: P_ALL, cli: None, implemented: true, doc: "" },
    KeyDef { name: "pmacctd_renormalize", field: "sfacctd_renormalize", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Global, daemons: D_PM, plugins: P_CORE, cli: Some('R'), implemented: true, doc: "" },
    KeyDef { name: "pmacctd_nonroot", field: "pmacctd_nonroot", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Global, daemons: D_PM, plugins: P_CORE, cli: Some('z'), implemented: true, doc: "" },
    KeyDef { name: "pmacctd_time_new", field: "nfacctd_time_new", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Global, daemons: D_PM, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "uacctd_proc_name", field: "proc_name", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "The name in `writer_id` of BGP/BMP messages on Kafka/RabbitMQ (1.7.7's `proc_name`, which `core_proc_name` also sets); log lines keep `core_proc_name`. One value for the four daemons' keys." },
    KeyDef { name: "uacctd_force_frag_handling", field: "pmacctd_force_frag_handling", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Global, daemons: D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "uacctd_frag_buffer_size", field: "pmacctd_frag_buffer_size", kind: Kind::Int { min: 1, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "uacctd_flow_buffer_size", field: "pmacctd_flow_buffer_size", kind: Kind::Int { min: 1, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "uacctd_flow_buffer_buckets", field: "pmacctd_flow_buffer_buckets", kind: Kind::Int { min: 1, max: i64::MAX }, default: Some("256"), scope: KeyScope::Global, daemons: D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "uacctd_conntrack_buffer_size", field: "pmacctd_conntrack_buffer_size", kind: Kind::Int { min: 1, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "uacctd_flow_lifetime", field: "pmacctd_flow_lifetime", kind: Kind::Int { min: 1, max: i64::MAX }, default: Some("60"), scope: KeyScope::Global, daemons: D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "uacctd_flow_tcp_lifetime", field: "pmacctd_flow_tcp_lifetime", kind: Kind::Int { min: 1, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "uacctd_ext_sampling_rate", field: "nfacctd_ext_sampling_rate", kind: Kind::Int { min: 1, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "As `pmacctd_ext_sampling_rate`." },
    KeyDef { name: "uacctd_stitching", field: "nfacctd_stitching", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Plugin, daemons: D_UA, plugins: P_ALL, cli: None, implemented: true, doc: "" },
    KeyDef { name: "uacctd_renormalize", field: "sfacctd_renormalize", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Global, daemons: D_UA, plugins: P_CORE, cli: Some('R'), implemented: true, doc: "" },
    KeyDef { name: "uacctd_direction", field: "pcap_direction", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_daemon", field: "telemetry_daemon", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_daemon_port_tcp", field: "telemetry_daemon_port_tcp", kind: Kind::Int { min: 1, max: 65535 }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_daemon_port_udp", field: "telemetry_daemon_port_udp", kind: Kind::Int { min: 1, max: 65535 }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_daemon_ip", field: "telemetry_daemon_ip", kind: Kind::Str, default: Some("0.0.0.0"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_daemon_udp_notif_port", field: "telemetry_daemon_udp_notif_port", kind: Kind::Int { min: 1, max: 65535 }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_daemon_udp_notif_ip", field: "telemetry_daemon_udp_notif_ip", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_daemon_udp_notif_nmsgs", field: "telemetry_daemon_udp_notif_nmsgs", kind: Kind::Int { min: i64::MIN, max: i64::MAX }, default: Some("1"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_daemon_ipv6_only", field: "telemetry_daemon_ipv6_only", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_daemon_zmq_address", field: "telemetry_daemon_zmq_address", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_daemon_kafka_broker_host", field: "telemetry_daemon_kafka_broker_host", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_daemon_kafka_broker_port", field: "telemetry_daemon_kafka_broker_port", kind: Kind::Int { min: 1, max: 65535 }, default: Some("9092"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_daemon_kafka_topic", field: "telemetry_daemon_kafka_topic", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_daemon_kafka_config_file", field: "telemetry_daemon_kafka_config_file", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_daemon_decoder", field: "telemetry_daemon_decoder", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_ALL, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_daemon_max_peers", field: "telemetry_daemon_max_peers", kind: Kind::Int { min: 1, max: i64::MAX }, default: Some("100"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_daemon_peer_timeout", field: "telemetry_daemon_peer_timeout", kind: Kind::Int { min: i64::MIN, max: i64::MAX }, default: Some("300"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_daemon_allow_file", field: "telemetry_daemon_allow_file", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_daemon_pipe_size", field: "telemetry_daemon_pipe_size", kind: Kind::Int { min: i64::MIN, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_daemon_ipprec", field: "telemetry_daemon_ipprec", kind: Kind::Int { min: 0, max: 7 }, default: Some("0"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_daemon_msglog_output", field: "telemetry_daemon_msglog_output", kind: Kind::Enum(&["json"]), default: Some("json"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_daemon_msglog_file", field: "telemetry_daemon_msglog_file", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_daemon_msglog_amqp_host", field: "telemetry_daemon_msglog_amqp_host", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_daemon_msglog_amqp_vhost", field: "telemetry_daemon_msglog_amqp_vhost", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_daemon_msglog_amqp_user", field: "telemetry_daemon_msglog_amqp_user", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_daemon_msglog_amqp_passwd", field: "telemetry_daemon_msglog_amqp_passwd", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_daemon_msglog_amqp_exchange", field: "telemetry_daemon_msglog_amqp_exchange", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_daemon_msglog_amqp_exchange_type", field: "telemetry_daemon_msglog_amqp_exchange_type", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_daemon_msglog_amqp_routing_key", field: "telemetry_daemon_msglog_amqp_routing_key", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_daemon_msglog_amqp_routing_key_rr", field: "telemetry_daemon_msglog_amqp_routing_key_rr", kind: Kind::Int { min: 0, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_daemon_msglog_amqp_persistent_msg", field: "telemetry_daemon_msglog_amqp_persistent_msg", kind: Kind::Bool, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_daemon_msglog_amqp_frame_max", field: "telemetry_daemon_msglog_amqp_frame_max", kind: Kind::Int { min: 1, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_daemon_msglog_amqp_heartbeat_interval", field: "telemetry_daemon_msglog_amqp_heartbeat_interval", kind: Kind::Int { min: i64::MIN, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_daemon_msglog_amqp_retry", field: "telemetry_daemon_msglog_amqp_retry", kind: Kind::Int { min: 1, max: i64::MAX }, default: Some("60"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_daemon_msglog_kafka_broker_host", field: "telemetry_daemon_msglog_kafka_broker_host", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_daemon_msglog_kafka_broker_port", field: "telemetry_daemon_msglog_kafka_broker_port", kind: Kind::Int { min: 1, max: 65535 }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_daemon_msglog_kafka_topic", field: "telemetry_daemon_msglog_kafka_topic", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_daemon_msglog_kafka_topic_rr", field: "telemetry_daemon_msglog_kafka_topic_rr", kind: Kind::Int { min: 0, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_daemon_msglog_kafka_partition", field: "telemetry_daemon_msglog_kafka_partition", kind: Kind::Int { min: i64::MIN, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_daemon_msglog_kafka_partition_key", field: "telemetry_daemon_msglog_kafka_partition_key", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_daemon_msglog_kafka_retry", field: "telemetry_daemon_msglog_kafka_retry", kind: Kind::Int { min: 1, max: i64::MAX }, default: Some("60"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_daemon_msglog_kafka_config_file", field: "telemetry_daemon_msglog_kafka_config_file", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_dump_output", field: "telemetry_dump_output", kind: Kind::Enum(&["json"]), default: Some("json"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_dump_file", field: "telemetry_dump_file", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_dump_latest_file", field: "telemetry_dump_latest_file", kind: Kind::Str, default: Some("0"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_dump_refresh_time", field: "telemetry_dump_refresh_time", kind: Kind::Secs, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_dump_amqp_host", field: "telemetry_dump_amqp_host", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_dump_amqp_vhost", field: "telemetry_dump_amqp_vhost", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_dump_amqp_user", field: "telemetry_dump_amqp_user", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_dump_amqp_passwd", field: "telemetry_dump_amqp_passwd", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_dump_amqp_exchange", field: "telemetry_dump_amqp_exchange", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_dump_amqp_exchange_type", field: "telemetry_dump_amqp_exchange_type", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_dump_amqp_routing_key", field: "telemetry_dump_amqp_routing_key", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_dump_amqp_routing_key_rr", field: "telemetry_dump_amqp_routing_key_rr", kind: Kind::Int { min: 0, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_dump_amqp_persistent_msg", field: "telemetry_dump_amqp_persistent_msg", kind: Kind::Bool, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_dump_amqp_frame_max", field: "telemetry_dump_amqp_frame_max", kind: Kind::Int { min: 1, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_dump_amqp_heartbeat_interval", field: "telemetry_dump_amqp_heartbeat_interval", kind: Kind::Int { min: i64::MIN, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_dump_kafka_broker_host", field: "telemetry_dump_kafka_broker_host", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_dump_kafka_broker_port", field: "telemetry_dump_kafka_broker_port", kind: Kind::Int { min: 1, max: 65535 }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_dump_kafka_topic", field: "telemetry_dump_kafka_topic", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_dump_kafka_topic_rr", field: "telemetry_dump_kafka_topic_rr", kind: Kind::Int { min: 0, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_dump_kafka_partition", field: "telemetry_dump_kafka_partition", kind: Kind::Int { min: i64::MIN, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_dump_kafka_partition_key", field: "telemetry_dump_kafka_partition_key", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_dump_kafka_config_file", field: "telemetry_dump_kafka_config_file", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "telemetry_dump_workers", field: "telemetry_dump_workers", kind: Kind::Int { min: 1, max: i64::MAX }, default: Some("1"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "maps_refresh", field: "maps_refresh", kind: Kind::Bool, default: Some("true"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "maps_index", field: "maps_index", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "maps_entries", field: "maps_entries", kind: Kind::Int { min: 1, max: i64::MAX }, default: Some("384"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_ALL, cli: None, implemented: true, doc: "" },
    KeyDef { name: "maps_row_len", field: "maps_row_len", kind: Kind::Int { min: 1, max: i64::MAX }, default: Some("256"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_ALL, cli: None, implemented: true, doc: "" },
    KeyDef { name: "pre_tag_map", field: "pre_tag_map", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_ALL, cli: None, implemented: true, doc: "" },
    KeyDef { name: "pre_tag_filter", field: "pre_tag_filter", kind: Kind::Str, default: None, scope: KeyScope::NoGlobal, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_ALL, cli: None, implemented: true, doc: "" },
    KeyDef { name: "pre_tag2_filter", field: "pre_tag2_filter", kind: Kind::Str, default: None, scope: KeyScope::NoGlobal, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_ALL, cli: None, implemented: true, doc: "" },
    KeyDef { name: "pre_tag_label_filter", field: "pre_tag_label_filter", kind: Kind::Str, default: None, scope: KeyScope::NoGlobal, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_ALL, cli: None, implemented: true, doc: "" },
    KeyDef { name: "post_tag", field: "post_tag", kind: Kind::Int { min: 1, max: i64::MAX }, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_ALL, cli: None, implemented: true, doc: "Tag every flow of the plugin with this value after filtering (overrides pre_tag_map's `tag`)." },
    KeyDef { name: "post_tag2", field: "post_tag2", kind: Kind::Int { min: 1, max: i64::MAX }, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_ALL, cli: None, implemented: true, doc: "As post_tag, for `tag2`." },
    KeyDef { name: "sampling_rate", field: "sampling_rate", kind: Kind::Int { min: 1, max: i64::MAX }, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_ALL, cli: None, implemented: true, doc: "" },
    KeyDef { name: "sampling_map", field: "sampling_map", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "sfacctd_proc_name", field: "proc_name", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "The name in `writer_id` of BGP/BMP messages on Kafka/RabbitMQ (1.7.7's `proc_name`, which `core_proc_name` also sets); log lines keep `core_proc_name`. One value for the four daemons' keys." },
    KeyDef { name: "sfacctd_port", field: "nfacctd_port", kind: Kind::Int { min: 1, max: 65535 }, default: Some("6343"), scope: KeyScope::Global, daemons: D_SF, plugins: P_CORE, cli: Some('l'), implemented: true, doc: "UDP port to receive sFlow on." },
    KeyDef { name: "sfacctd_ip", field: "nfacctd_ip", kind: Kind::Ip, default: None, scope: KeyScope::Global, daemons: D_SF, plugins: P_CORE, cli: Some('L'), implemented: true, doc: "Address to bind the sFlow socket to (default: all, dual-stack)." },
    KeyDef { name: "sfacctd_allow_file", field: "nfacctd_allow_file", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_SF, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "sfacctd_as_new", field: "nfacctd_as", kind: Kind::Enum(&["false", "netflow", "sflow", "true", "file", "bgp", "bmp", "fallback", "longest"]), default: None, scope: KeyScope::Global, daemons: D_SF, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "sfacctd_as", field: "nfacctd_as", kind: Kind::Enum(&["false", "netflow", "sflow", "true", "file", "bgp", "bmp", "fallback", "longest"]), default: None, scope: KeyScope::Global, daemons: D_SF, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "sfacctd_net", field: "nfacctd_net", kind: Kind::Enum(&["sflow", "netflow", "file", "mask", "bgp", "bmp", "igp", "fallback", "longest"]), default: None, scope: KeyScope::Plugin, daemons: D_SF, plugins: P_ALL, cli: None, implemented: true, doc: "" },
    KeyDef { name: "sfacctd_peer_as", field: "nfprobe_peer_as", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Plugin, daemons: D_SF, plugins: P_ALL, cli: None, implemented: false, doc: "" },
    KeyDef { name: "sfacctd_time_new", field: "nfacctd_time_new", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Global, daemons: D_SF, plugins: P_CORE, cli: None, implemented: true, doc: "sFlow carries no flow times: samples read from `pcap_savefile` are binned by their capture time, or by the clock with this key; live, always by the clock." },
    KeyDef { name: "sfacctd_pipe_size", field: "nfacctd_pipe_size", kind: Kind::Int { min: i64::MIN, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_SF, plugins: P_CORE, cli: None, implemented: true, doc: "Receive buffer (SO_RCVBUF) of the sFlow socket, bytes." },
    KeyDef { name: "sfacctd_renormalize", field: "sfacctd_renormalize", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Global, daemons: D_SF, plugins: P_CORE, cli: Some('R'), implemented: true, doc: "Scale sFlow samples up by their data source's effective sampling rate." },
    KeyDef { name: "sfacctd_disable_checks", field: "nfacctd_disable_checks", kind: Kind::Bool, default: Some("true"), scope: KeyScope::Global, daemons: D_SF, plugins: P_CORE, cli: None, implemented: true, doc: "false: check sFlow sequence numbers, log each jump (INFO) and count them in the stats; default true counts every datagram as in sequence." },
    KeyDef { name: "sfacctd_mcast_groups", field: "nfacctd_mcast_groups", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF, plugins: P_CORE, cli: None, implemented: true, doc: "Same as nfacctd_mcast_groups (one value)." },
    KeyDef { name: "sfacctd_stitching", field: "nfacctd_stitching", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Plugin, daemons: D_SF, plugins: P_ALL, cli: None, implemented: true, doc: "" },
    KeyDef { name: "sfacctd_ext_sampling_rate", field: "nfacctd_ext_sampling_rate", kind: Kind::Int { min: 1, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_SF, plugins: P_CORE, cli: None, implemented: true, doc: "Rate the agent sampled at: with `sfacctd_renormalize`, counters are multiplied by it instead of the sample pool rate; `sampling_rate` then prints 1. No effect without renormalize." },
    KeyDef { name: "sfacctd_counter_output", field: "sfacctd_counter_output", kind: Kind::Enum(&["json"]), default: Some("json"), scope: KeyScope::Global, daemons: D_SF, plugins: P_CORE, cli: None, implemented: true, doc: "Format of the counter log (json)." },
    KeyDef { name: "sfacctd_counter_file", field: "sfacctd_counter_file", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_SF, plugins: P_CORE, cli: None, implemented: true, doc: "Write counter samples to this file as JSON lines (`$peer_src_ip` allowed)." },
    KeyDef { name: "sfacctd_counter_amqp_host", field: "sfacctd_counter_amqp_host", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_SF, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "sfacctd_counter_amqp_vhost", field: "sfacctd_counter_amqp_vhost", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_SF, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "sfacctd_counter_amqp_user", field: "sfacctd_counter_amqp_user", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_SF, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "sfacctd_counter_amqp_passwd", field: "sfacctd_counter_amqp_passwd", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_SF, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "sfacctd_counter_amqp_exchange", field: "sfacctd_counter_amqp_exchange", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_SF, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "sfacctd_counter_amqp_exchange_type", field: "sfacctd_counter_amqp_exchange_type", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_SF, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "sfacctd_counter_amqp_routing_key", field: "sfacctd_counter_amqp_routing_key", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_SF, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "sfacctd_counter_amqp_persistent_msg", field: "sfacctd_counter_amqp_persistent_msg", kind: Kind::Bool, default: None, scope: KeyScope::Global, daemons: D_SF, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "sfacctd_counter_amqp_frame_max", field: "sfacctd_counter_amqp_frame_max", kind: Kind::Int { min: 1, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_SF, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "sfacctd_counter_amqp_heartbeat_interval", field: "sfacctd_counter_amqp_heartbeat_interval", kind: Kind::Int { min: i64::MIN, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_SF, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "sfacctd_counter_amqp_retry", field: "sfacctd_counter_amqp_retry", kind: Kind::Int { min: 1, max: i64::MAX }, default: Some("60"), scope: KeyScope::Global, daemons: D_SF, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "sfacctd_counter_kafka_broker_host", field: "sfacctd_counter_kafka_broker_host", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_SF, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "sfacctd_counter_kafka_broker_port", field: "sfacctd_counter_kafka_broker_port", kind: Kind::Int { min: 1, max: 65535 }, default: None, scope: KeyScope::Global, daemons: D_SF, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "sfacctd_counter_kafka_topic", field: "sfacctd_counter_kafka_topic", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_SF, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "sfacctd_counter_kafka_partition", field: "sfacctd_counter_kafka_partition", kind: Kind::Int { min: i64::MIN, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_SF, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "sfacctd_counter_kafka_partition_key", field: "sfacctd_counter_kafka_partition_key", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_SF, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "sfacctd_counter_kafka_retry", field: "sfacctd_counter_kafka_retry", kind: Kind::Int { min: 1, max: i64::MAX }, default: Some("60"), scope: KeyScope::Global, daemons: D_SF, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "sfacctd_counter_kafka_config_file", field: "sfacctd_counter_kafka_config_file", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_SF, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "sfacctd_kafka_broker_host", field: "nfacctd_kafka_broker_host", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_SF, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "sfacctd_kafka_broker_port", field: "nfacctd_kafka_broker_port", kind: Kind::Int { min: 1, max: 65535 }, default: Some("9092"), scope: KeyScope::Global, daemons: D_SF, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "sfacctd_kafka_topic", field: "nfacctd_kafka_topic", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_SF, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "sfacctd_kafka_config_file", field: "nfacctd_kafka_config_file", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_SF, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "sfacctd_zmq_address", field: "nfacctd_zmq_address", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_SF, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "classifiers", field: "classifiers", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "classifier_tentatives", field: "classifier_tentatives", kind: Kind::Int { min: 1, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "classifier_table_num", field: "classifier_table_num", kind: Kind::Int { min: 1, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "classifier_num_roots", field: "classifier_num_roots", kind: Kind::Int { min: i64::MIN, max: i64::MAX }, default: Some("512"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "classifier_max_flows", field: "classifier_max_flows", kind: Kind::Int { min: i64::MIN, max: i64::MAX }, default: Some("200000000"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "classifier_proto_guess", field: "classifier_proto_guess", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "classifier_idle_scan_period", field: "classifier_idle_scan_period", kind: Kind::Int { min: i64::MIN, max: i64::MAX }, default: Some("10"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "classifier_idle_max_time", field: "classifier_idle_max_time", kind: Kind::Int { min: i64::MIN, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "classifier_idle_scan_budget", field: "classifier_idle_scan_budget", kind: Kind::Int { min: i64::MIN, max: i64::MAX }, default: Some("1024"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "classifier_giveup_proto_tcp", field: "classifier_giveup_proto_tcp", kind: Kind::Int { min: 1, max: i64::MAX }, default: Some("10"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "classifier_giveup_proto_udp", field: "classifier_giveup_proto_udp", kind: Kind::Int { min: 1, max: i64::MAX }, default: Some("8"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "classifier_giveup_proto_other", field: "classifier_giveup_proto_other", kind: Kind::Int { min: 1, max: i64::MAX }, default: Some("8"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "nfprobe_timeouts", field: "nfprobe_timeouts", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_NFPROBE, cli: None, implemented: true, doc: "nfprobe flow timeouts, `tcp=N:tcp.rst=N:tcp.fin=N:udp=N:icmp=N:general=N:maxlife=N:expint=N` (softflowd time syntax: 30, 5m, 1h30m)." },
    KeyDef { name: "nfprobe_hoplimit", field: "nfprobe_hoplimit", kind: Kind::Int { min: 1, max: 255 }, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_NFPROBE, cli: None, implemented: true, doc: "TTL / hop limit of the nfprobe export datagrams to a multicast receiver (default 1 for multicast)." },
    KeyDef { name: "nfprobe_maxflows", field: "nfprobe_maxflows", kind: Kind::Int { min: 1, max: i64::MAX }, default: Some("8192"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_NFPROBE, cli: None, implemented: true, doc: "Flows the nfprobe cache holds; past it the oldest are exported at once." },
    KeyDef { name: "nfprobe_receiver", field: "nfprobe_receiver", kind: Kind::Str, default: Some("127.0.0.1:2100"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_NFPROBE, cli: None, implemented: true, doc: "Where the nfprobe plugin sends NetFlow/IPFIX: `host:port` or `[ipv6]:port`." },
    KeyDef { name: "nfprobe_dtls", field: "nfprobe_dtls", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_NFPROBE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "nfprobe_dtls_verify_cert", field: "nfprobe_dtls_verify_cert", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_NFPROBE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "nfprobe_engine", field: "nfprobe_engine", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_NFPROBE, cli: None, implemented: true, doc: "NetFlow v5 `engine_type:engine_id`, or the v9/IPFIX source id." },
    KeyDef { name: "nfprobe_version", field: "nfprobe_version", kind: Kind::Int { min: i64::MIN, max: i64::MAX }, default: Some("10"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_NFPROBE, cli: None, implemented: true, doc: "nfprobe export version: 5, 9 or 10 (IPFIX, also for any other value)." },
    KeyDef { name: "nfprobe_peer_as", field: "nfprobe_peer_as", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_NFPROBE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "nfprobe_source_ip", field: "nfprobe_source_ip", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_NFPROBE, cli: None, implemented: true, doc: "Local address the nfprobe datagrams are sent from; also exported as an options record." },
    KeyDef { name: "nfprobe_ipprec", field: "nfprobe_ipprec", kind: Kind::Int { min: 0, max: 7 }, default: Some("0"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_NFPROBE, cli: None, implemented: true, doc: "IP precedence of the nfprobe export datagrams." },
    KeyDef { name: "nfprobe_direction", field: "nfprobe_direction", kind: Kind::Enum(&["tag", "tag2", "in", "out"]), default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_NFPROBE, cli: None, implemented: true, doc: "Direction of the flows: `in`, `out`, or from `tag`/`tag2` (1 in, 2 out)." },
    KeyDef { name: "nfprobe_ifindex", field: "nfprobe_ifindex", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_NFPROBE, cli: None, implemented: true, doc: "Interface index of the flows in the nfprobe direction: a number, `tag` or `tag2`." },
    KeyDef { name: "nfprobe_dont_cache", field: "nfprobe_dont_cache", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_NFPROBE, cli: None, implemented: true, doc: "Export each packet as a flow of its own." },
    KeyDef { name: "nfprobe_ifindex_override", field: "nfprobe_ifindex_override", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_NFPROBE, cli: None, implemented: true, doc: "`nfprobe_ifindex` replaces an interface index the packet already has." },
    KeyDef { name: "nfprobe_tstamp_usec", field: "nfprobe_tstamp_usec", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_NFPROBE, cli: None, implemented: true, doc: "v9/IPFIX flow timestamps as 1.7.7's 16-byte seconds+microseconds fields (IE 154/155)." },
    KeyDef { name: "sfprobe_receiver", field: "sfprobe_receiver", kind: Kind::Str, default: Some("127.0.0.1:6343"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_SFPROBE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "sfprobe_agentip", field: "sfprobe_agentip", kind: Kind::Str, default: Some("localhost"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_SFPROBE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "sfprobe_agentsubid", field: "sfprobe_agentsubid", kind: Kind::Int { min: 0, max: i64::MAX }, default: Some("0"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_SFPROBE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "sfprobe_peer_as", field: "nfprobe_peer_as", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_SFPROBE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "sfprobe_source_ip", field: "nfprobe_source_ip", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_SFPROBE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "sfprobe_ipprec", field: "nfprobe_ipprec", kind: Kind::Int { min: 0, max: 7 }, default: Some("0"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_SFPROBE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "sfprobe_direction", field: "nfprobe_direction", kind: Kind::Enum(&["tag", "tag2", "in", "out"]), default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_SFPROBE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "sfprobe_ifindex", field: "nfprobe_ifindex", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_SFPROBE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "sfprobe_ifspeed", field: "sfprobe_ifspeed", kind: Kind::Str, default: Some("100000000"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_SFPROBE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "sfprobe_ifindex_override", field: "nfprobe_ifindex_override", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_SFPROBE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "tee_receivers", field: "tee_receivers", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_TEE, cli: None, implemented: true, doc: "tee_receivers map: `id=<pool> ip=<host:port>[,...] [tag=<filter>] [balance-alg=rr|hash-agent|hash-crc32|hash-tag] [src_port=<port>]`; reloaded on SIGUSR2." },
    KeyDef { name: "tee_source_ip", field: "nfprobe_source_ip", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_TEE, cli: None, implemented: true, doc: "Local address the tee plugin's (non-transparent) sockets send from." },
    KeyDef { name: "tee_transparent", field: "tee_transparent", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_TEE, cli: None, implemented: true, doc: "Send replicated datagrams with the exporter's address and port (raw IPPROTO_RAW socket: needs CAP_NET_RAW, e.g. root)." },
    KeyDef { name: "tee_max_receivers", field: "tee_max_receivers", kind: Kind::Int { min: 1, max: i64::MAX }, default: Some("32"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_TEE, cli: None, implemented: true, doc: "Receivers per tee_receivers pool; extra receivers on a line are ignored with a warning." },
    KeyDef { name: "tee_max_receiver_pools", field: "tee_max_receiver_pools", kind: Kind::Int { min: 1, max: i64::MAX }, default: Some("128"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_TEE, cli: None, implemented: true, doc: "Pools (lines) of the tee_receivers map; extra lines are ignored with a warning." },
    KeyDef { name: "tee_ipprec", field: "nfprobe_ipprec", kind: Kind::Int { min: 0, max: 7 }, default: Some("0"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_TEE, cli: None, implemented: true, doc: "IP precedence of transparent IPv4 datagrams sent by the tee plugin." },
    KeyDef { name: "tee_pipe_size", field: "tee_pipe_size", kind: Kind::Int { min: i64::MIN, max: i64::MAX }, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_TEE, cli: None, implemented: true, doc: "SO_SNDBUF of each tee receiver socket (obtained size logged)." },
    KeyDef { name: "tee_kafka_config_file", field: "tee_kafka_config_file", kind: Kind::Str, default: None, scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_TEE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "bgp_daemon", field: "bgp_daemon", kind: Kind::Enum(&["false", "true"]), default: Some("false"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_daemon_ip", field: "bgp_daemon_ip", kind: Kind::Str, default: Some("0.0.0.0"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: Some('L'), implemented: true, doc: "" },
    KeyDef { name: "bgp_daemon_ipv6_only", field: "bgp_daemon_ipv6_only", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Global, daemons: D_NF | D_SF, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_daemon_id", field: "bgp_daemon_id", kind: Kind::Str, default: Some("1.2.3.4"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_daemon_as", field: "bgp_daemon_as", kind: Kind::Int { min: i64::MIN, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_daemon_port", field: "bgp_daemon_port", kind: Kind::Int { min: 1, max: 65535 }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: Some('l'), implemented: true, doc: "" },
    KeyDef { name: "bgp_daemon_pipe_size", field: "bgp_daemon_pipe_size", kind: Kind::Int { min: i64::MIN, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_daemon_max_peers", field: "bgp_daemon_max_peers", kind: Kind::Int { min: 1, max: i64::MAX }, default: Some("10"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_daemon_msglog_output", field: "bgp_daemon_msglog_output", kind: Kind::Enum(&["json", "avro", "avro_bin", "avro_json"]), default: Some("json"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_daemon_msglog_file", field: "bgp_daemon_msglog_file", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: Some('o'), implemented: true, doc: "" },
    KeyDef { name: "bgp_daemon_msglog_avro_schema_file", field: "bgp_daemon_msglog_avro_schema_file", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "bgp_daemon_msglog_amqp_host", field: "bgp_daemon_msglog_amqp_host", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_daemon_msglog_amqp_vhost", field: "bgp_daemon_msglog_amqp_vhost", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_daemon_msglog_amqp_user", field: "bgp_daemon_msglog_amqp_user", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_daemon_msglog_amqp_passwd", field: "bgp_daemon_msglog_amqp_passwd", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_daemon_msglog_amqp_exchange", field: "bgp_daemon_msglog_amqp_exchange", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_daemon_msglog_amqp_exchange_type", field: "bgp_daemon_msglog_amqp_exchange_type", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_daemon_msglog_amqp_routing_key", field: "bgp_daemon_msglog_amqp_routing_key", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_daemon_msglog_amqp_routing_key_rr", field: "bgp_daemon_msglog_amqp_routing_key_rr", kind: Kind::Int { min: 0, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_daemon_msglog_amqp_persistent_msg", field: "bgp_daemon_msglog_amqp_persistent_msg", kind: Kind::Bool, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_daemon_msglog_amqp_frame_max", field: "bgp_daemon_msglog_amqp_frame_max", kind: Kind::Int { min: 1, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_daemon_msglog_amqp_heartbeat_interval", field: "bgp_daemon_msglog_amqp_heartbeat_interval", kind: Kind::Int { min: i64::MIN, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_daemon_msglog_amqp_retry", field: "bgp_daemon_msglog_amqp_retry", kind: Kind::Int { min: 1, max: i64::MAX }, default: Some("60"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_daemon_msglog_kafka_broker_host", field: "bgp_daemon_msglog_kafka_broker_host", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_daemon_msglog_kafka_broker_port", field: "bgp_daemon_msglog_kafka_broker_port", kind: Kind::Int { min: 1, max: 65535 }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_daemon_msglog_kafka_topic", field: "bgp_daemon_msglog_kafka_topic", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_daemon_msglog_kafka_topic_rr", field: "bgp_daemon_msglog_kafka_topic_rr", kind: Kind::Int { min: 0, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_daemon_msglog_kafka_partition", field: "bgp_daemon_msglog_kafka_partition", kind: Kind::Int { min: i64::MIN, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_daemon_msglog_kafka_partition_key", field: "bgp_daemon_msglog_kafka_partition_key", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_daemon_msglog_kafka_retry", field: "bgp_daemon_msglog_kafka_retry", kind: Kind::Int { min: 1, max: i64::MAX }, default: Some("60"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_daemon_msglog_kafka_config_file", field: "bgp_daemon_msglog_kafka_config_file", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_daemon_msglog_kafka_avro_schema_registry", field: "bgp_daemon_msglog_kafka_avro_schema_registry", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "bgp_daemon_allow_file", field: "bgp_daemon_allow_file", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_daemon_ipprec", field: "bgp_daemon_ipprec", kind: Kind::Int { min: 0, max: 7 }, default: Some("0"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_daemon_md5_file", field: "bgp_daemon_md5_file", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_daemon_batch", field: "bgp_daemon_batch", kind: Kind::Int { min: 0, max: i64::MAX }, default: Some("0"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_daemon_batch_interval", field: "bgp_daemon_batch_interval", kind: Kind::Int { min: 0, max: i64::MAX }, default: Some("0"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_aspath_radius", field: "bgp_aspath_radius", kind: Kind::Int { min: 1, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_stdcomm_pattern", field: "bgp_stdcomm_pattern", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_extcomm_pattern", field: "bgp_extcomm_pattern", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_lrgcomm_pattern", field: "bgp_lrgcomm_pattern", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_stdcomm_pattern_to_asn", field: "bgp_stdcomm_pattern_to_asn", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "Standard communities kept by these patterns give `src_as`/`dst_as` (after the `:`) and `peer_*_as` (before it) of routes whose AS path yields 0, as 1.7.7." },
    KeyDef { name: "bgp_lrgcomm_pattern_to_asn", field: "bgp_lrgcomm_pattern_to_asn", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "As `bgp_stdcomm_pattern_to_asn`, for large communities (both keys at once: refused as 1.7.7 does)." },
    KeyDef { name: "bgp_blackhole_stdcomm_list", field: "bgp_blackhole_stdcomm_list", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "bgp_peer_as_skip_subas", field: "bgp_peer_as_skip_subas", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "`peer_src_as`/`peer_dst_as` skip a leading confederation sequence as 1.7.7's `evaluate_first_asn()` walks it." },
    KeyDef { name: "bgp_peer_src_as_map", field: "bgp_peer_src_as_map", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "pre_tag_map-syntax map (`id` a number or `bgp`, `ip`, `in`, `out`, `bgp_nexthop`, `peer_dst_as`, `src_net`, `dst_net`) used with `bgp_peer_src_as_type: map`; reloaded on SIGUSR2." },
    KeyDef { name: "bgp_src_local_pref_map", field: "bgp_src_local_pref_map", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "As `bgp_peer_src_as_map`, for `src_local_pref` with `bgp_src_local_pref_type: map`." },
    KeyDef { name: "bgp_src_med_map", field: "bgp_src_med_map", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "As `bgp_peer_src_as_map`, for `src_med` with `bgp_src_med_type: map`." },
    KeyDef { name: "bgp_peer_src_as_type", field: "bgp_peer_src_as_type", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "`netflow`/`sflow`, `bgp`, `longest` or `map` (`bgp_peer_src_as_map`)." },
    KeyDef { name: "bgp_src_std_comm_type", field: "bgp_src_std_comm_type", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "`bgp` (1.7.7 has no map for it: `map` is ignored with its warning)." },
    KeyDef { name: "bgp_src_ext_comm_type", field: "bgp_src_ext_comm_type", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "`bgp` (1.7.7 has no map for it: `map` is ignored with its warning)." },
    KeyDef { name: "bgp_src_lrg_comm_type", field: "bgp_src_lrg_comm_type", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "`bgp` (1.7.7 has no map for it: `map` is ignored with its warning)." },
    KeyDef { name: "bgp_src_as_path_type", field: "bgp_src_as_path_type", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "`bgp` (1.7.7 has no map for it: `map` is ignored with its warning)." },
    KeyDef { name: "bgp_src_local_pref_type", field: "bgp_src_local_pref_type", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "`bgp` or `map` (`bgp_src_local_pref_map`)." },
    KeyDef { name: "bgp_src_med_type", field: "bgp_src_med_type", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "`bgp` or `map` (`bgp_src_med_map`)." },
    KeyDef { name: "bgp_src_roa_type", field: "bgp_src_roa_type", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "bgp_agent_map", field: "bgp_agent_map", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "Exporter -> BGP peer: `bgp_ip`, `ip`, `in`, `out` (nfacctd/sfacctd: `filter` lines skipped with a warning; `bgp_port` ignored). Required by pmacctd/uacctd, where the first entry with an IPv4 `ip` (not compared) whose `in`/`out`/`filter` match the packet names the peer." },
    KeyDef { name: "bgp_follow_default", field: "bgp_follow_default", kind: Kind::Int { min: i64::MIN, max: i64::MAX }, default: Some("0"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "Default routes (/0) met in a flow's BGP lookup are followed: the sides they matched are looked up again in the RIB of the peer their next hop names, at most this many times (BGP and BMP lookups)." },
    KeyDef { name: "bgp_follow_nexthop", field: "bgp_follow_nexthop", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "Up to 32 comma-separated prefixes: the destination route's next hop is followed from peer to peer while inside them; peer_dst_ip takes the last one inside (bgp_daemon only)." },
    KeyDef { name: "bgp_follow_nexthop_external", field: "bgp_follow_nexthop_external", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "With bgp_follow_nexthop, peer_dst_ip takes the first next hop outside the prefixes instead of the last one inside." },
    KeyDef { name: "bgp_disable_router_id_check", field: "bgp_disable_router_id_check", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_neighbors_file", field: "bgp_neighbors_file", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "Rewritten with the connected BGP peers' addresses (one per line, 1.7.7's slot order) at each accepted connection and closed session (nfacctd, sfacctd, pmbgpd)." },
    KeyDef { name: "bgp_table_peer_buckets", field: "bgp_table_peer_buckets", kind: Kind::Int { min: 1, max: 1000 }, default: Some("13"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "bgp_table_per_peer_buckets", field: "bgp_table_per_peer_buckets", kind: Kind::Int { min: 1, max: 128 }, default: Some("1"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "bgp_table_attr_hash_buckets", field: "bgp_table_attr_hash_buckets", kind: Kind::Int { min: 1, max: 1000000 }, default: Some("65535"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "bgp_table_per_peer_hash", field: "bgp_table_per_peer_hash", kind: Kind::Str, default: Some("path_id"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "bgp_table_dump_output", field: "bgp_table_dump_output", kind: Kind::Enum(&["json", "avro", "avro_bin", "avro_json"]), default: Some("json"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_table_dump_file", field: "bgp_table_dump_file", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: Some('O'), implemented: true, doc: "" },
    KeyDef { name: "bgp_table_dump_latest_file", field: "bgp_table_dump_latest_file", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_table_dump_avro_schema_file", field: "bgp_table_dump_avro_schema_file", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "bgp_table_dump_refresh_time", field: "bgp_table_dump_refresh_time", kind: Kind::Int { min: 60, max: 86400 }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: Some('i'), implemented: true, doc: "" },
    KeyDef { name: "bgp_table_dump_amqp_host", field: "bgp_table_dump_amqp_host", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_table_dump_amqp_vhost", field: "bgp_table_dump_amqp_vhost", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_table_dump_amqp_user", field: "bgp_table_dump_amqp_user", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_table_dump_amqp_passwd", field: "bgp_table_dump_amqp_passwd", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_table_dump_amqp_exchange", field: "bgp_table_dump_amqp_exchange", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_table_dump_amqp_exchange_type", field: "bgp_table_dump_amqp_exchange_type", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_table_dump_amqp_routing_key", field: "bgp_table_dump_amqp_routing_key", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_table_dump_amqp_routing_key_rr", field: "bgp_table_dump_amqp_routing_key_rr", kind: Kind::Int { min: 0, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_table_dump_amqp_persistent_msg", field: "bgp_table_dump_amqp_persistent_msg", kind: Kind::Bool, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_table_dump_amqp_frame_max", field: "bgp_table_dump_amqp_frame_max", kind: Kind::Int { min: 1, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_table_dump_amqp_heartbeat_interval", field: "bgp_table_dump_amqp_heartbeat_interval", kind: Kind::Int { min: i64::MIN, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_table_dump_kafka_broker_host", field: "bgp_table_dump_kafka_broker_host", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_table_dump_kafka_broker_port", field: "bgp_table_dump_kafka_broker_port", kind: Kind::Int { min: 1, max: 65535 }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_table_dump_kafka_topic", field: "bgp_table_dump_kafka_topic", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_table_dump_kafka_topic_rr", field: "bgp_table_dump_kafka_topic_rr", kind: Kind::Int { min: 0, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_table_dump_kafka_partition", field: "bgp_table_dump_kafka_partition", kind: Kind::Int { min: i64::MIN, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_table_dump_kafka_partition_key", field: "bgp_table_dump_kafka_partition_key", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_table_dump_kafka_config_file", field: "bgp_table_dump_kafka_config_file", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bgp_table_dump_kafka_avro_schema_registry", field: "bgp_table_dump_kafka_avro_schema_registry", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "bgp_table_dump_workers", field: "bgp_table_dump_workers", kind: Kind::Int { min: 1, max: i64::MAX }, default: Some("1"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "bgp_daemon_lg", field: "bgp_daemon_lg", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: Some('g'), implemented: false, doc: "" },
    KeyDef { name: "bgp_daemon_lg_ip", field: "bgp_daemon_lg_ip", kind: Kind::Str, default: Some("0.0.0.0"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "bgp_daemon_lg_port", field: "bgp_daemon_lg_port", kind: Kind::Int { min: 1, max: 65535 }, default: Some("17900"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "bgp_daemon_lg_threads", field: "bgp_daemon_lg_threads", kind: Kind::Int { min: 1, max: i64::MAX }, default: Some("8"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "bgp_daemon_lg_user", field: "bgp_daemon_lg_user", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "bgp_daemon_lg_passwd", field: "bgp_daemon_lg_passwd", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "bgp_daemon_xconnect_map", field: "bgp_daemon_xconnect_map", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: Some('m'), implemented: false, doc: "" },
    KeyDef { name: "bmp_daemon", field: "bmp_daemon", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_daemon_ip", field: "bmp_daemon_ip", kind: Kind::Str, default: Some("0.0.0.0"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_daemon_ipv6_only", field: "bmp_daemon_ipv6_only", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Global, daemons: D_NF | D_SF, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_daemon_port", field: "bmp_daemon_port", kind: Kind::Int { min: 1, max: 65535 }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_daemon_pipe_size", field: "bmp_daemon_pipe_size", kind: Kind::Int { min: i64::MIN, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_daemon_max_peers", field: "bmp_daemon_max_peers", kind: Kind::Int { min: 1, max: i64::MAX }, default: Some("10"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_daemon_allow_file", field: "bmp_daemon_allow_file", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_daemon_ipprec", field: "bmp_daemon_ipprec", kind: Kind::Int { min: 0, max: 7 }, default: Some("0"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_daemon_batch", field: "bmp_daemon_batch", kind: Kind::Int { min: 0, max: i64::MAX }, default: Some("0"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_daemon_batch_interval", field: "bmp_daemon_batch_interval", kind: Kind::Int { min: 0, max: i64::MAX }, default: Some("0"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_agent_map", field: "bgp_agent_map", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_daemon_msglog_output", field: "bmp_daemon_msglog_output", kind: Kind::Enum(&["json", "avro", "avro_bin", "avro_json"]), default: Some("json"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_daemon_msglog_file", field: "bmp_daemon_msglog_file", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_daemon_msglog_avro_schema_file", field: "bmp_daemon_msglog_avro_schema_file", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "bmp_daemon_msglog_amqp_host", field: "bmp_daemon_msglog_amqp_host", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_daemon_msglog_amqp_vhost", field: "bmp_daemon_msglog_amqp_vhost", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_daemon_msglog_amqp_user", field: "bmp_daemon_msglog_amqp_user", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_daemon_msglog_amqp_passwd", field: "bmp_daemon_msglog_amqp_passwd", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_daemon_msglog_amqp_exchange", field: "bmp_daemon_msglog_amqp_exchange", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_daemon_msglog_amqp_exchange_type", field: "bmp_daemon_msglog_amqp_exchange_type", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_daemon_msglog_amqp_routing_key", field: "bmp_daemon_msglog_amqp_routing_key", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_daemon_msglog_amqp_routing_key_rr", field: "bmp_daemon_msglog_amqp_routing_key_rr", kind: Kind::Int { min: 0, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_daemon_msglog_amqp_persistent_msg", field: "bmp_daemon_msglog_amqp_persistent_msg", kind: Kind::Bool, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_daemon_msglog_amqp_frame_max", field: "bmp_daemon_msglog_amqp_frame_max", kind: Kind::Int { min: 1, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_daemon_msglog_amqp_heartbeat_interval", field: "bmp_daemon_msglog_amqp_heartbeat_interval", kind: Kind::Int { min: i64::MIN, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_daemon_msglog_amqp_retry", field: "bmp_daemon_msglog_amqp_retry", kind: Kind::Int { min: 1, max: i64::MAX }, default: Some("60"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_daemon_msglog_kafka_broker_host", field: "bmp_daemon_msglog_kafka_broker_host", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_daemon_msglog_kafka_broker_port", field: "bmp_daemon_msglog_kafka_broker_port", kind: Kind::Int { min: 1, max: 65535 }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_daemon_msglog_kafka_topic", field: "bmp_daemon_msglog_kafka_topic", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_daemon_msglog_kafka_topic_rr", field: "bmp_daemon_msglog_kafka_topic_rr", kind: Kind::Int { min: 0, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_daemon_msglog_kafka_partition", field: "bmp_daemon_msglog_kafka_partition", kind: Kind::Int { min: i64::MIN, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_daemon_msglog_kafka_partition_key", field: "bmp_daemon_msglog_kafka_partition_key", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_daemon_msglog_kafka_retry", field: "bmp_daemon_msglog_kafka_retry", kind: Kind::Int { min: 1, max: i64::MAX }, default: Some("60"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_daemon_msglog_kafka_config_file", field: "bmp_daemon_msglog_kafka_config_file", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_daemon_msglog_kafka_avro_schema_registry", field: "bmp_daemon_msglog_kafka_avro_schema_registry", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "bmp_table_peer_buckets", field: "bmp_table_peer_buckets", kind: Kind::Int { min: 1, max: 1000 }, default: Some("13"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "bmp_table_per_peer_buckets", field: "bmp_table_per_peer_buckets", kind: Kind::Int { min: 1, max: 128 }, default: Some("1"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "bmp_table_attr_hash_buckets", field: "bmp_table_attr_hash_buckets", kind: Kind::Int { min: 1, max: 1000000 }, default: Some("65535"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "bmp_table_per_peer_hash", field: "bmp_table_per_peer_hash", kind: Kind::Str, default: Some("path_id"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "bmp_dump_output", field: "bmp_dump_output", kind: Kind::Enum(&["json", "avro", "avro_bin", "avro_json"]), default: Some("json"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_dump_file", field: "bmp_dump_file", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_dump_latest_file", field: "bmp_dump_latest_file", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_dump_workers", field: "bmp_dump_workers", kind: Kind::Int { min: 1, max: i64::MAX }, default: Some("1"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "bmp_dump_avro_schema_file", field: "bmp_dump_avro_schema_file", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "bmp_dump_refresh_time", field: "bmp_dump_refresh_time", kind: Kind::Secs, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_dump_amqp_host", field: "bmp_dump_amqp_host", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_dump_amqp_vhost", field: "bmp_dump_amqp_vhost", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_dump_amqp_user", field: "bmp_dump_amqp_user", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_dump_amqp_passwd", field: "bmp_dump_amqp_passwd", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_dump_amqp_exchange", field: "bmp_dump_amqp_exchange", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_dump_amqp_exchange_type", field: "bmp_dump_amqp_exchange_type", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_dump_amqp_routing_key", field: "bmp_dump_amqp_routing_key", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_dump_amqp_routing_key_rr", field: "bmp_dump_amqp_routing_key_rr", kind: Kind::Int { min: 0, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_dump_amqp_persistent_msg", field: "bmp_dump_amqp_persistent_msg", kind: Kind::Bool, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_dump_amqp_frame_max", field: "bmp_dump_amqp_frame_max", kind: Kind::Int { min: 1, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_dump_amqp_heartbeat_interval", field: "bmp_dump_amqp_heartbeat_interval", kind: Kind::Int { min: i64::MIN, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_dump_kafka_broker_host", field: "bmp_dump_kafka_broker_host", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_dump_kafka_broker_port", field: "bmp_dump_kafka_broker_port", kind: Kind::Int { min: 1, max: 65535 }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_dump_kafka_topic", field: "bmp_dump_kafka_topic", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_dump_kafka_topic_rr", field: "bmp_dump_kafka_topic_rr", kind: Kind::Int { min: 0, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_dump_kafka_partition", field: "bmp_dump_kafka_partition", kind: Kind::Int { min: i64::MIN, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_dump_kafka_partition_key", field: "bmp_dump_kafka_partition_key", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_dump_kafka_config_file", field: "bmp_dump_kafka_config_file", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "bmp_dump_kafka_avro_schema_registry", field: "bmp_dump_kafka_avro_schema_registry", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "bmp_daemon_parse_proxy_header", field: "bmp_daemon_parse_proxy_header", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "rpki_roas_file", field: "rpki_roas_file", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "rpki_rtr_cache", field: "rpki_rtr_cache", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "rpki_rtr_cache_version", field: "rpki_rtr_cache_version", kind: Kind::Int { min: i64::MIN, max: i64::MAX }, default: Some("0"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "rpki_rtr_cache_pipe_size", field: "rpki_rtr_cache_pipe_size", kind: Kind::Int { min: i64::MIN, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "rpki_rtr_cache_ipprec", field: "rpki_rtr_cache_ipprec", kind: Kind::Int { min: 0, max: 7 }, default: Some("0"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "flow_to_rd_map", field: "flow_to_rd_map", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "isis_daemon", field: "isis_daemon", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "isis_daemon_ip", field: "isis_daemon_ip", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "isis_daemon_net", field: "isis_daemon_net", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "isis_daemon_iface", field: "isis_daemon_iface", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "isis_daemon_mtu", field: "isis_daemon_mtu", kind: Kind::Int { min: i64::MIN, max: i64::MAX }, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "isis_daemon_msglog", field: "isis_daemon_msglog", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "igp_daemon", field: "isis_daemon", kind: Kind::Bool, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "igp_daemon_map", field: "igp_daemon_map", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "igp_daemon_map_msglog", field: "igp_daemon_map_msglog", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "geoip_ipv4_file", field: "geoip_ipv4_file", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "geoip_ipv6_file", field: "geoip_ipv6_file", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "geoipv2_file", field: "geoipv2_file", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "uacctd_group", field: "uacctd_group", kind: Kind::Int { min: 0, max: 65535 }, default: Some("0"), scope: KeyScope::Plugin, daemons: D_UA, plugins: P_ALL, cli: Some('g'), implemented: true, doc: "NFLOG group uacctd binds to (0-65535; `-g`); one socket per group, a group bound elsewhere fails at start-up." },
    KeyDef { name: "uacctd_nl_size", field: "uacctd_nl_size", kind: Kind::Int { min: 0, max: 2147483647 }, default: Some("131072"), scope: KeyScope::Plugin, daemons: D_UA, plugins: P_ALL, cli: None, implemented: true, doc: "Bytes the kernel batches per NFLOG message (NFULA_CFG_NLBUFSIZ, the kernel keeps its own default outside 4 KB-128 KB) and of the receive buffer; SO_RCVBUF asks for 10 times it, as libnetfilter_log (0: 131072)." },
    KeyDef { name: "uacctd_threshold", field: "uacctd_threshold", kind: Kind::Int { min: 0, max: 2147483647 }, default: Some("1"), scope: KeyScope::Plugin, daemons: D_UA, plugins: P_ALL, cli: None, implemented: true, doc: "Packets the kernel queues before sending a batch (NFULA_CFG_QTHRESH; 0: 1)." },
    KeyDef { name: "tunnel_0", field: "tunnel_0", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "tmp_asa_bi_flow", field: "tmp_asa_bi_flow", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_ALL, cli: None, implemented: false, doc: "" },
    KeyDef { name: "tmp_bgp_lookup_compare_ports", field: "tmp_bgp_lookup_compare_ports", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: false, doc: "" },
    KeyDef { name: "tmp_bgp_daemon_route_refresh", field: "tmp_bgp_daemon_route_refresh", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    KeyDef { name: "tmp_bgp_daemon_origin_type_int", field: "tmp_bgp_daemon_origin_type_int", kind: Kind::Bool, default: Some("false"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "" },
    // pmacct-rs extensions (pmacct 1.7.7 logs "Unknown key" for them; see registry::EXTENSIONS).
    KeyDef { name: "kafka_retry_buffer_size", field: "kafka_retry_buffer_size", kind: Kind::Int { min: 0, max: i64::MAX }, default: Some("268435456"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_KAFKA, cli: None, implemented: true, doc: "pmacct-rs extension: bytes of undelivered Kafka messages held for retry." },
    KeyDef { name: "kafka_flush_timeout", field: "kafka_flush_timeout", kind: Kind::Int { min: 0, max: i64::MAX }, default: Some("10"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_KAFKA, cli: None, implemented: true, doc: "pmacct-rs extension: seconds to wait for Kafka delivery at shutdown." },
    KeyDef { name: "amqp_retry_buffer_size", field: "amqp_retry_buffer_size", kind: Kind::Int { min: 0, max: i64::MAX }, default: Some("268435456"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_AMQP, cli: None, implemented: true, doc: "pmacct-rs extension: bytes of AMQP messages not yet confirmed by the broker held for (re)publishing." },
    KeyDef { name: "amqp_flush_timeout", field: "amqp_flush_timeout", kind: Kind::Int { min: 0, max: i64::MAX }, default: Some("10"), scope: KeyScope::Plugin, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_AMQP, cli: None, implemented: true, doc: "pmacct-rs extension: seconds to wait for the broker's confirms at shutdown." },
    KeyDef { name: "metrics_http_listen", field: "metrics_http_listen", kind: Kind::Str, default: None, scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "pmacct-rs extension: ip:port of the Prometheus metrics endpoint (HTTP GET /metrics), e.g. 127.0.0.1:9955; off when unset." },
    KeyDef { name: "nfacctd_templates_per_exporter", field: "nfacctd_templates_per_exporter", kind: Kind::Int { min: 1, max: i64::MAX }, default: Some("65536"), scope: KeyScope::Global, daemons: D_NF, plugins: P_CORE, cli: None, implemented: true, doc: "pmacct-rs extension: NetFlow v9/IPFIX templates kept per exporter address (pmacct: no cap); past it the least recently announced is evicted and counted (SIGUSR1, metrics)." },
    KeyDef { name: "exporter_stats_entries", field: "exporter_stats_entries", kind: Kind::Int { min: 1, max: i64::MAX }, default: Some("65536"), scope: KeyScope::Global, daemons: D_NF | D_SF | D_PM | D_UA, plugins: P_CORE, cli: None, implemented: true, doc: "pmacct-rs extension: (exporter address, source id / observation domain) pairs the core keeps stats for (SIGUSR1, metrics); past it the least recently seen are evicted and counted." },
];

/// Key names as constants, so a typo in calling code does not compile.
pub mod key {
    use crate::registry::Key;
    pub const PLUGINS: Key = Key("plugins");
    pub const DEBUG: Key = Key("debug");
    pub const DEBUG_INTERNAL_MSG: Key = Key("debug_internal_msg");
    pub const SYSLOG: Key = Key("syslog");
    pub const LOGFILE: Key = Key("logfile");
    pub const PIDFILE: Key = Key("pidfile");
    pub const DAEMONIZE: Key = Key("daemonize");
    pub const AGGREGATE: Key = Key("aggregate");
    pub const AGGREGATE_PRIMITIVES: Key = Key("aggregate_primitives");
    pub const CLUSTER_NAME: Key = Key("cluster_name");
    pub const CLUSTER_ID: Key = Key("cluster_id");
    pub const REDIS_HOST: Key = Key("redis_host");
    pub const REDIS_DB: Key = Key("redis_db");
    pub const SNAPLEN: Key = Key("snaplen");
    pub const PROPAGATE_SIGNALS: Key = Key("propagate_signals");
    pub const AGGREGATE_FILTER: Key = Key("aggregate_filter");
    pub const DTLS_PATH: Key = Key("dtls_path");
    pub const PROMISC: Key = Key("promisc");
    pub const PCAP_FILTER: Key = Key("pcap_filter");
    pub const PCAP_PROTOCOL: Key = Key("pcap_protocol");
    pub const PCAP_SAVEFILE: Key = Key("pcap_savefile");
    pub const PCAP_SAVEFILE_WAIT: Key = Key("pcap_savefile_wait");
    pub const PCAP_SAVEFILE_DELAY: Key = Key("pcap_savefile_delay");
    pub const PCAP_SAVEFILE_REPLAY: Key = Key("pcap_savefile_replay");
    pub const PCAP_INTERFACE: Key = Key("pcap_interface");
    pub const PCAP_INTERFACE_WAIT: Key = Key("pcap_interface_wait");
    pub const PCAP_DIRECTION: Key = Key("pcap_direction");
    pub const PCAP_IFINDEX: Key = Key("pcap_ifindex");
    pub const PCAP_INTERFACES_MAP: Key = Key("pcap_interfaces_map");
    pub const PCAP_ARISTA_TRAILER_OFFSET: Key = Key("pcap_arista_trailer_offset");
    pub const PCAP_ARISTA_TRAILER_FLAG_VALUE: Key = Key("pcap_arista_trailer_flag_value");
    pub const CORE_PROC_NAME: Key = Key("core_proc_name");
    pub const PROC_PRIORITY: Key = Key("proc_priority");
    pub const PMACCTD_AS: Key = Key("pmacctd_as");
    pub const UACCTD_AS: Key = Key("uacctd_as");
    pub const PMACCTD_NET: Key = Key("pmacctd_net");
    pub const UACCTD_NET: Key = Key("uacctd_net");
    pub const USE_IP_NEXT_HOP: Key = Key("use_ip_next_hop");
    pub const THREAD_STACK: Key = Key("thread_stack");
    pub const PLUGIN_PIPE_SIZE: Key = Key("plugin_pipe_size");
    pub const PLUGIN_BUFFER_SIZE: Key = Key("plugin_buffer_size");
    pub const PLUGIN_PIPE_ZMQ: Key = Key("plugin_pipe_zmq");
    pub const PLUGIN_PIPE_ZMQ_RETRY: Key = Key("plugin_pipe_zmq_retry");
    pub const PLUGIN_PIPE_ZMQ_PROFILE: Key = Key("plugin_pipe_zmq_profile");
    pub const PLUGIN_PIPE_ZMQ_HWM: Key = Key("plugin_pipe_zmq_hwm");
    pub const PLUGIN_EXIT_ANY: Key = Key("plugin_exit_any");
    pub const FILES_UMASK: Key = Key("files_umask");
    pub const FILES_UID: Key = Key("files_uid");
    pub const FILES_GID: Key = Key("files_gid");
    pub const NETWORKS_MASK: Key = Key("networks_mask");
    pub const NETWORKS_FILE: Key = Key("networks_file");
    pub const NETWORKS_FILE_FILTER: Key = Key("networks_file_filter");
    pub const NETWORKS_FILE_NO_LPM: Key = Key("networks_file_no_lpm");
    pub const NETWORKS_NO_MASK_IF_ZERO: Key = Key("networks_no_mask_if_zero");
    pub const NETWORKS_CACHE_ENTRIES: Key = Key("networks_cache_entries");
    pub const PORTS_FILE: Key = Key("ports_file");
    pub const TIMESTAMPS_RFC3339: Key = Key("timestamps_rfc3339");
    pub const TIMESTAMPS_UTC: Key = Key("timestamps_utc");
    pub const WRITER_ID_STRING: Key = Key("writer_id_string");
    pub const TCPFLAGS_ENCODE_AS_ARRAY: Key = Key("tcpflags_encode_as_array");
    pub const FWD_STATUS_ENCODE_AS_STRING: Key = Key("fwd_status_encode_as_string");
    pub const MPLS_LABEL_STACK_ENCODE_AS_ARRAY: Key = Key("mpls_label_stack_encode_as_array");
    pub const AS_PATH_ENCODE_AS_ARRAY: Key = Key("as_path_encode_as_array");
    pub const BGP_COMMS_ENCODE_AS_ARRAY: Key = Key("bgp_comms_encode_as_array");
    pub const PRE_TAG_LABEL_ENCODE_AS_MAP: Key = Key("pre_tag_label_encode_as_map");
    pub const NFACCTD_PRE_PROCESSING_CHECKS: Key = Key("nfacctd_pre_processing_checks");
    pub const TOS_ENCODE_AS_DSCP: Key = Key("tos_encode_as_dscp");
    pub const TIMESTAMPS_SECS: Key = Key("timestamps_secs");
    pub const TIMESTAMPS_SINCE_EPOCH: Key = Key("timestamps_since_epoch");
    pub const IMT_PATH: Key = Key("imt_path");
    pub const IMT_PASSWD: Key = Key("imt_passwd");
    pub const IMT_BUCKETS: Key = Key("imt_buckets");
    pub const IMT_MEM_POOLS_NUMBER: Key = Key("imt_mem_pools_number");
    pub const IMT_MEM_POOLS_SIZE: Key = Key("imt_mem_pools_size");
    pub const SQL_DB: Key = Key("sql_db");
    pub const SQL_TABLE: Key = Key("sql_table");
    pub const SQL_TABLE_SCHEMA: Key = Key("sql_table_schema");
    pub const SQL_TABLE_VERSION: Key = Key("sql_table_version");
    pub const SQL_TABLE_TYPE: Key = Key("sql_table_type");
    pub const SQL_CONN_CA_FILE: Key = Key("sql_conn_ca_file");
    pub const SQL_HOST: Key = Key("sql_host");
    pub const SQL_PORT: Key = Key("sql_port");
    pub const SQL_DATA: Key = Key("sql_data");
    pub const SQL_USER: Key = Key("sql_user");
    pub const SQL_PASSWD: Key = Key("sql_passwd");
    pub const SQL_REFRESH_TIME: Key = Key("sql_refresh_time");
    pub const SQL_STARTUP_DELAY: Key = Key("sql_startup_delay");
    pub const SQL_OPTIMIZE_CLAUSES: Key = Key("sql_optimize_clauses");
    pub const SQL_HISTORY: Key = Key("sql_history");
    pub const SQL_HISTORY_OFFSET: Key = Key("sql_history_offset");
    pub const SQL_HISTORY_ROUNDOFF: Key = Key("sql_history_roundoff");
    pub const SQL_BACKUP_HOST: Key = Key("sql_backup_host");
    pub const SQL_RECOVERY_BACKUP_HOST: Key = Key("sql_recovery_backup_host");
    pub const SQL_DELIMITER: Key = Key("sql_delimiter");
    pub const SQL_MAX_WRITERS: Key = Key("sql_max_writers");
    pub const SQL_TRIGGER_EXEC: Key = Key("sql_trigger_exec");
    pub const SQL_TRIGGER_TIME: Key = Key("sql_trigger_time");
    pub const SQL_CACHE_ENTRIES: Key = Key("sql_cache_entries");
    pub const SQL_DONT_TRY_UPDATE: Key = Key("sql_dont_try_update");
    pub const SQL_PREPROCESS: Key = Key("sql_preprocess");
    pub const SQL_PREPROCESS_TYPE: Key = Key("sql_preprocess_type");
    pub const SQL_MULTI_VALUES: Key = Key("sql_multi_values");
    pub const SQL_LOCKING_STYLE: Key = Key("sql_locking_style");
    pub const SQL_USE_COPY: Key = Key("sql_use_copy");
    pub const SQL_NUM_PROTOS: Key = Key("sql_num_protos");
    pub const SQL_NUM_HOSTS: Key = Key("sql_num_hosts");
    pub const PRINT_REFRESH_TIME: Key = Key("print_refresh_time");
    pub const PRINT_CACHE_ENTRIES: Key = Key("print_cache_entries");
    pub const PRINT_MARKERS: Key = Key("print_markers");
    pub const PRINT_OUTPUT: Key = Key("print_output");
    pub const PRINT_OUTPUT_FILE: Key = Key("print_output_file");
    pub const PRINT_OUTPUT_FILE_APPEND: Key = Key("print_output_file_append");
    pub const PRINT_OUTPUT_LOCK_FILE: Key = Key("print_output_lock_file");
    pub const PRINT_OUTPUT_SEPARATOR: Key = Key("print_output_separator");
    pub const PRINT_OUTPUT_CUSTOM_LIB: Key = Key("print_output_custom_lib");
    pub const PRINT_OUTPUT_CUSTOM_CFG_FILE: Key = Key("print_output_custom_cfg_file");
    pub const PRINT_WRITE_EMPTY_FILE: Key = Key("print_write_empty_file");
    pub const PRINT_LATEST_FILE: Key = Key("print_latest_file");
    pub const PRINT_NUM_PROTOS: Key = Key("print_num_protos");
    pub const PRINT_TRIGGER_EXEC: Key = Key("print_trigger_exec");
    pub const PRINT_HISTORY: Key = Key("print_history");
    pub const PRINT_HISTORY_OFFSET: Key = Key("print_history_offset");
    pub const PRINT_HISTORY_ROUNDOFF: Key = Key("print_history_roundoff");
    pub const PRINT_MAX_WRITERS: Key = Key("print_max_writers");
    pub const PRINT_PREPROCESS: Key = Key("print_preprocess");
    pub const PRINT_PREPROCESS_TYPE: Key = Key("print_preprocess_type");
    pub const PRINT_STARTUP_DELAY: Key = Key("print_startup_delay");
    pub const MONGO_HOST: Key = Key("mongo_host");
    pub const MONGO_TABLE: Key = Key("mongo_table");
    pub const MONGO_USER: Key = Key("mongo_user");
    pub const MONGO_PASSWD: Key = Key("mongo_passwd");
    pub const MONGO_REFRESH_TIME: Key = Key("mongo_refresh_time");
    pub const MONGO_CACHE_ENTRIES: Key = Key("mongo_cache_entries");
    pub const MONGO_HISTORY: Key = Key("mongo_history");
    pub const MONGO_HISTORY_OFFSET: Key = Key("mongo_history_offset");
    pub const MONGO_HISTORY_ROUNDOFF: Key = Key("mongo_history_roundoff");
    pub const MONGO_TIME_ROUNDOFF: Key = Key("mongo_time_roundoff");
    pub const MONGO_TRIGGER_EXEC: Key = Key("mongo_trigger_exec");
    pub const MONGO_INSERT_BATCH: Key = Key("mongo_insert_batch");
    pub const MONGO_INDEXES_FILE: Key = Key("mongo_indexes_file");
    pub const MONGO_MAX_WRITERS: Key = Key("mongo_max_writers");
    pub const MONGO_PREPROCESS: Key = Key("mongo_preprocess");
    pub const MONGO_PREPROCESS_TYPE: Key = Key("mongo_preprocess_type");
    pub const MONGO_STARTUP_DELAY: Key = Key("mongo_startup_delay");
    pub const MONGO_NUM_PROTOS: Key = Key("mongo_num_protos");
    pub const AVRO_BUFFER_SIZE: Key = Key("avro_buffer_size");
    pub const AVRO_SCHEMA_OUTPUT_FILE: Key = Key("avro_schema_output_file");
    pub const AVRO_SCHEMA_FILE: Key = Key("avro_schema_file");
    pub const AMQP_REFRESH_TIME: Key = Key("amqp_refresh_time");
    pub const AMQP_HISTORY: Key = Key("amqp_history");
    pub const AMQP_HISTORY_OFFSET: Key = Key("amqp_history_offset");
    pub const AMQP_HISTORY_ROUNDOFF: Key = Key("amqp_history_roundoff");
    pub const AMQP_TIME_ROUNDOFF: Key = Key("amqp_time_roundoff");
    pub const AMQP_HOST: Key = Key("amqp_host");
    pub const AMQP_USER: Key = Key("amqp_user");
    pub const AMQP_PASSWD: Key = Key("amqp_passwd");
    pub const AMQP_EXCHANGE: Key = Key("amqp_exchange");
    pub const AMQP_EXCHANGE_TYPE: Key = Key("amqp_exchange_type");
    pub const AMQP_ROUTING_KEY: Key = Key("amqp_routing_key");
    pub const AMQP_ROUTING_KEY_RR: Key = Key("amqp_routing_key_rr");
    pub const AMQP_PERSISTENT_MSG: Key = Key("amqp_persistent_msg");
    pub const AMQP_FRAME_MAX: Key = Key("amqp_frame_max");
    pub const AMQP_CACHE_ENTRIES: Key = Key("amqp_cache_entries");
    pub const AMQP_MAX_WRITERS: Key = Key("amqp_max_writers");
    pub const AMQP_PREPROCESS: Key = Key("amqp_preprocess");
    pub const AMQP_PREPROCESS_TYPE: Key = Key("amqp_preprocess_type");
    pub const AMQP_STARTUP_DELAY: Key = Key("amqp_startup_delay");
    pub const AMQP_HEARTBEAT_INTERVAL: Key = Key("amqp_heartbeat_interval");
    pub const AMQP_MULTI_VALUES: Key = Key("amqp_multi_values");
    pub const AMQP_NUM_PROTOS: Key = Key("amqp_num_protos");
    pub const AMQP_VHOST: Key = Key("amqp_vhost");
    pub const AMQP_MARKERS: Key = Key("amqp_markers");
    pub const AMQP_OUTPUT: Key = Key("amqp_output");
    pub const AMQP_AVRO_SCHEMA_ROUTING_KEY: Key = Key("amqp_avro_schema_routing_key");
    pub const AMQP_AVRO_SCHEMA_REFRESH_TIME: Key = Key("amqp_avro_schema_refresh_time");
    pub const AMQP_TRIGGER_EXEC: Key = Key("amqp_trigger_exec");
    pub const KAFKA_REFRESH_TIME: Key = Key("kafka_refresh_time");
    pub const KAFKA_HISTORY: Key = Key("kafka_history");
    pub const KAFKA_HISTORY_OFFSET: Key = Key("kafka_history_offset");
    pub const KAFKA_HISTORY_ROUNDOFF: Key = Key("kafka_history_roundoff");
    pub const KAFKA_BROKER_HOST: Key = Key("kafka_broker_host");
    pub const KAFKA_BROKER_PORT: Key = Key("kafka_broker_port");
    pub const KAFKA_TOPIC: Key = Key("kafka_topic");
    pub const KAFKA_TOPIC_RR: Key = Key("kafka_topic_rr");
    pub const KAFKA_PARTITION: Key = Key("kafka_partition");
    pub const KAFKA_PARTITION_DYNAMIC: Key = Key("kafka_partition_dynamic");
    pub const KAFKA_PARTITION_KEY: Key = Key("kafka_partition_key");
    pub const KAFKA_CACHE_ENTRIES: Key = Key("kafka_cache_entries");
    pub const KAFKA_MAX_WRITERS: Key = Key("kafka_max_writers");
    pub const KAFKA_PREPROCESS: Key = Key("kafka_preprocess");
    pub const KAFKA_PREPROCESS_TYPE: Key = Key("kafka_preprocess_type");
    pub const KAFKA_STARTUP_DELAY: Key = Key("kafka_startup_delay");
    pub const KAFKA_MULTI_VALUES: Key = Key("kafka_multi_values");
    pub const KAFKA_NUM_PROTOS: Key = Key("kafka_num_protos");
    pub const KAFKA_MARKERS: Key = Key("kafka_markers");
    pub const KAFKA_OUTPUT: Key = Key("kafka_output");
    pub const KAFKA_AVRO_SCHEMA_REGISTRY: Key = Key("kafka_avro_schema_registry");
    pub const KAFKA_CONFIG_FILE: Key = Key("kafka_config_file");
    pub const KAFKA_TRIGGER_EXEC: Key = Key("kafka_trigger_exec");
    pub const NFACCTD_PROC_NAME: Key = Key("nfacctd_proc_name");
    pub const NFACCTD_PORT: Key = Key("nfacctd_port");
    pub const NFACCTD_IP: Key = Key("nfacctd_ip");
    pub const NFACCTD_IPV6_ONLY: Key = Key("nfacctd_ipv6_only");
    pub const NFACCTD_ALLOW_FILE: Key = Key("nfacctd_allow_file");
    pub const NFACCTD_TIME_SECS: Key = Key("nfacctd_time_secs");
    pub const NFACCTD_TIME_NEW: Key = Key("nfacctd_time_new");
    pub const NFACCTD_AS_NEW: Key = Key("nfacctd_as_new");
    pub const NFACCTD_AS: Key = Key("nfacctd_as");
    pub const NFACCTD_NET: Key = Key("nfacctd_net");
    pub const NFACCTD_MCAST_GROUPS: Key = Key("nfacctd_mcast_groups");
    pub const NFACCTD_PEER_AS: Key = Key("nfacctd_peer_as");
    pub const NFACCTD_PIPE_SIZE: Key = Key("nfacctd_pipe_size");
    pub const NFACCTD_PRO_RATING: Key = Key("nfacctd_pro_rating");
    pub const NFACCTD_TEMPLATES_FILE: Key = Key("nfacctd_templates_file");
    pub const NFACCTD_TEMPLATES_RECEIVER: Key = Key("nfacctd_templates_receiver");
    pub const NFACCTD_TEMPLATES_PORT: Key = Key("nfacctd_templates_port");
    pub const NFACCTD_ACCOUNT_OPTIONS: Key = Key("nfacctd_account_options");
    pub const NFACCTD_STITCHING: Key = Key("nfacctd_stitching");
    pub const NFACCTD_EXT_SAMPLING_RATE: Key = Key("nfacctd_ext_sampling_rate");
    pub const NFACCTD_RENORMALIZE: Key = Key("nfacctd_renormalize");
    pub const NFACCTD_DISABLE_CHECKS: Key = Key("nfacctd_disable_checks");
    pub const NFACCTD_DISABLE_OPT_SCOPE_CHECK: Key = Key("nfacctd_disable_opt_scope_check");
    pub const NFACCTD_KAFKA_BROKER_HOST: Key = Key("nfacctd_kafka_broker_host");
    pub const NFACCTD_KAFKA_BROKER_PORT: Key = Key("nfacctd_kafka_broker_port");
    pub const NFACCTD_KAFKA_TOPIC: Key = Key("nfacctd_kafka_topic");
    pub const NFACCTD_KAFKA_CONFIG_FILE: Key = Key("nfacctd_kafka_config_file");
    pub const NFACCTD_ZMQ_ADDRESS: Key = Key("nfacctd_zmq_address");
    pub const NFACCTD_DTLS_PORT: Key = Key("nfacctd_dtls_port");
    pub const PMACCTD_PROC_NAME: Key = Key("pmacctd_proc_name");
    pub const PMACCTD_FORCE_FRAG_HANDLING: Key = Key("pmacctd_force_frag_handling");
    pub const PMACCTD_FRAG_BUFFER_SIZE: Key = Key("pmacctd_frag_buffer_size");
    pub const PMACCTD_FLOW_BUFFER_SIZE: Key = Key("pmacctd_flow_buffer_size");
    pub const PMACCTD_FLOW_BUFFER_BUCKETS: Key = Key("pmacctd_flow_buffer_buckets");
    pub const PMACCTD_CONNTRACK_BUFFER_SIZE: Key = Key("pmacctd_conntrack_buffer_size");
    pub const PMACCTD_FLOW_LIFETIME: Key = Key("pmacctd_flow_lifetime");
    pub const PMACCTD_FLOW_TCP_LIFETIME: Key = Key("pmacctd_flow_tcp_lifetime");
    pub const PMACCTD_EXT_SAMPLING_RATE: Key = Key("pmacctd_ext_sampling_rate");
    pub const PMACCTD_PIPE_SIZE: Key = Key("pmacctd_pipe_size");
    pub const PMACCTD_STITCHING: Key = Key("pmacctd_stitching");
    pub const PMACCTD_RENORMALIZE: Key = Key("pmacctd_renormalize");
    pub const PMACCTD_NONROOT: Key = Key("pmacctd_nonroot");
    pub const PMACCTD_TIME_NEW: Key = Key("pmacctd_time_new");
    pub const UACCTD_PROC_NAME: Key = Key("uacctd_proc_name");
    pub const UACCTD_FORCE_FRAG_HANDLING: Key = Key("uacctd_force_frag_handling");
    pub const UACCTD_FRAG_BUFFER_SIZE: Key = Key("uacctd_frag_buffer_size");
    pub const UACCTD_FLOW_BUFFER_SIZE: Key = Key("uacctd_flow_buffer_size");
    pub const UACCTD_FLOW_BUFFER_BUCKETS: Key = Key("uacctd_flow_buffer_buckets");
    pub const UACCTD_CONNTRACK_BUFFER_SIZE: Key = Key("uacctd_conntrack_buffer_size");
    pub const UACCTD_FLOW_LIFETIME: Key = Key("uacctd_flow_lifetime");
    pub const UACCTD_FLOW_TCP_LIFETIME: Key = Key("uacctd_flow_tcp_lifetime");
    pub const UACCTD_EXT_SAMPLING_RATE: Key = Key("uacctd_ext_sampling_rate");
    pub const UACCTD_STITCHING: Key = Key("uacctd_stitching");
    pub const UACCTD_RENORMALIZE: Key = Key("uacctd_renormalize");
    pub const UACCTD_DIRECTION: Key = Key("uacctd_direction");
    pub const TELEMETRY_DAEMON: Key = Key("telemetry_daemon");
    pub const TELEMETRY_DAEMON_PORT_TCP: Key = Key("telemetry_daemon_port_tcp");
    pub const TELEMETRY_DAEMON_PORT_UDP: Key = Key("telemetry_daemon_port_udp");
    pub const TELEMETRY_DAEMON_IP: Key = Key("telemetry_daemon_ip");
    pub const TELEMETRY_DAEMON_UDP_NOTIF_PORT: Key = Key("telemetry_daemon_udp_notif_port");
    pub const TELEMETRY_DAEMON_UDP_NOTIF_IP: Key = Key("telemetry_daemon_udp_notif_ip");
    pub const TELEMETRY_DAEMON_UDP_NOTIF_NMSGS: Key = Key("telemetry_daemon_udp_notif_nmsgs");
    pub const TELEMETRY_DAEMON_IPV6_ONLY: Key = Key("telemetry_daemon_ipv6_only");
    pub const TELEMETRY_DAEMON_ZMQ_ADDRESS: Key = Key("telemetry_daemon_zmq_address");
    pub const TELEMETRY_DAEMON_KAFKA_BROKER_HOST: Key = Key("telemetry_daemon_kafka_broker_host");
    pub const TELEMETRY_DAEMON_KAFKA_BROKER_PORT: Key = Key("telemetry_daemon_kafka_broker_port");
    pub const TELEMETRY_DAEMON_KAFKA_TOPIC: Key = Key("telemetry_daemon_kafka_topic");
    pub const TELEMETRY_DAEMON_KAFKA_CONFIG_FILE: Key = Key("telemetry_daemon_kafka_config_file");
    pub const TELEMETRY_DAEMON_DECODER: Key = Key("telemetry_daemon_decoder");
    pub const TELEMETRY_DAEMON_MAX_PEERS: Key = Key("telemetry_daemon_max_peers");
    pub const TELEMETRY_DAEMON_PEER_TIMEOUT: Key = Key("telemetry_daemon_peer_timeout");
    pub const TELEMETRY_DAEMON_ALLOW_FILE: Key = Key("telemetry_daemon_allow_file");
    pub const TELEMETRY_DAEMON_PIPE_SIZE: Key = Key("telemetry_daemon_pipe_size");
    pub const TELEMETRY_DAEMON_IPPREC: Key = Key("telemetry_daemon_ipprec");
    pub const TELEMETRY_DAEMON_MSGLOG_OUTPUT: Key = Key("telemetry_daemon_msglog_output");
    pub const TELEMETRY_DAEMON_MSGLOG_FILE: Key = Key("telemetry_daemon_msglog_file");
    pub const TELEMETRY_DAEMON_MSGLOG_AMQP_HOST: Key = Key("telemetry_daemon_msglog_amqp_host");
    pub const TELEMETRY_DAEMON_MSGLOG_AMQP_VHOST: Key = Key("telemetry_daemon_msglog_amqp_vhost");
    pub const TELEMETRY_DAEMON_MSGLOG_AMQP_USER: Key = Key("telemetry_daemon_msglog_amqp_user");
    pub const TELEMETRY_DAEMON_MSGLOG_AMQP_PASSWD: Key = Key("telemetry_daemon_msglog_amqp_passwd");
    pub const TELEMETRY_DAEMON_MSGLOG_AMQP_EXCHANGE: Key =
        Key("telemetry_daemon_msglog_amqp_exchange");
    pub const TELEMETRY_DAEMON_MSGLOG_AMQP_EXCHANGE_TYPE: Key =
        Key("telemetry_daemon_msglog_amqp_exchange_type");
    pub const TELEMETRY_DAEMON_MSGLOG_AMQP_ROUTING_KEY: Key =
        Key("telemetry_daemon_msglog_amqp_routing_key");
    pub const TELEMETRY_DAEMON_MSGLOG_AMQP_ROUTING_KEY_RR: Key =
        Key("telemetry_daemon_msglog_amqp_routing_key_rr");
    pub const TELEMETRY_DAEMON_MSGLOG_AMQP_PERSISTENT_MSG: Key =
        Key("telemetry_daemon_msglog_amqp_persistent_msg");
    pub const TELEMETRY_DAEMON_MSGLOG_AMQP_FRAME_MAX: Key =
        Key("telemetry_daemon_msglog_amqp_frame_max");
    pub const TELEMETRY_DAEMON_MSGLOG_AMQP_HEARTBEAT_INTERVAL: Key =
        Key("telemetry_daemon_msglog_amqp_heartbeat_interval");
    pub const TELEMETRY_DAEMON_MSGLOG_AMQP_RETRY: Key = Key("telemetry_daemon_msglog_amqp_retry");
    pub const TELEMETRY_DAEMON_MSGLOG_KAFKA_BROKER_HOST: Key =
        Key("telemetry_daemon_msglog_kafka_broker_host");
    pub const TELEMETRY_DAEMON_MSGLOG_KAFKA_BROKER_PORT: Key =
        Key("telemetry_daemon_msglog_kafka_broker_port");
    pub const TELEMETRY_DAEMON_MSGLOG_KAFKA_TOPIC: Key = Key("telemetry_daemon_msglog_kafka_topic");
    pub const TELEMETRY_DAEMON_MSGLOG_KAFKA_TOPIC_RR: Key =
        Key("telemetry_daemon_msglog_kafka_topic_rr");
    pub const TELEMETRY_DAEMON_MSGLOG_KAFKA_PARTITION: Key =
        Key("telemetry_daemon_msglog_kafka_partition");
    pub const TELEMETRY_DAEMON_MSGLOG_KAFKA_PARTITION_KEY: Key =
        Key("telemetry_daemon_msglog_kafka_partition_key");
    pub const TELEMETRY_DAEMON_MSGLOG_KAFKA_RETRY: Key = Key("telemetry_daemon_msglog_kafka_retry");
    pub const TELEMETRY_DAEMON_MSGLOG_KAFKA_CONFIG_FILE: Key =
        Key("telemetry_daemon_msglog_kafka_config_file");
    pub const TELEMETRY_DUMP_OUTPUT: Key = Key("telemetry_dump_output");
    pub const TELEMETRY_DUMP_FILE: Key = Key("telemetry_dump_file");
    pub const TELEMETRY_DUMP_LATEST_FILE: Key = Key("telemetry_dump_latest_file");
    pub const TELEMETRY_DUMP_REFRESH_TIME: Key = Key("telemetry_dump_refresh_time");
    pub const TELEMETRY_DUMP_AMQP_HOST: Key = Key("telemetry_dump_amqp_host");
    pub const TELEMETRY_DUMP_AMQP_VHOST: Key = Key("telemetry_dump_amqp_vhost");
    pub const TELEMETRY_DUMP_AMQP_USER: Key = Key("telemetry_dump_amqp_user");
    pub const TELEMETRY_DUMP_AMQP_PASSWD: Key = Key("telemetry_dump_amqp_passwd");
    pub const TELEMETRY_DUMP_AMQP_EXCHANGE: Key = Key("telemetry_dump_amqp_exchange");
    pub const TELEMETRY_DUMP_AMQP_EXCHANGE_TYPE: Key = Key("telemetry_dump_amqp_exchange_type");
    pub const TELEMETRY_DUMP_AMQP_ROUTING_KEY: Key = Key("telemetry_dump_amqp_routing_key");
    pub const TELEMETRY_DUMP_AMQP_ROUTING_KEY_RR: Key = Key("telemetry_dump_amqp_routing_key_rr");
    pub const TELEMETRY_DUMP_AMQP_PERSISTENT_MSG: Key = Key("telemetry_dump_amqp_persistent_msg");
    pub const TELEMETRY_DUMP_AMQP_FRAME_MAX: Key = Key("telemetry_dump_amqp_frame_max");
    pub const TELEMETRY_DUMP_AMQP_HEARTBEAT_INTERVAL: Key =
        Key("telemetry_dump_amqp_heartbeat_interval");
    pub const TELEMETRY_DUMP_KAFKA_BROKER_HOST: Key = Key("telemetry_dump_kafka_broker_host");
    pub const TELEMETRY_DUMP_KAFKA_BROKER_PORT: Key = Key("telemetry_dump_kafka_broker_port");
    pub const TELEMETRY_DUMP_KAFKA_TOPIC: Key = Key("telemetry_dump_kafka_topic");
    pub const TELEMETRY_DUMP_KAFKA_TOPIC_RR: Key = Key("telemetry_dump_kafka_topic_rr");
    pub const TELEMETRY_DUMP_KAFKA_PARTITION: Key = Key("telemetry_dump_kafka_partition");
    pub const TELEMETRY_DUMP_KAFKA_PARTITION_KEY: Key = Key("telemetry_dump_kafka_partition_key");
    pub const TELEMETRY_DUMP_KAFKA_CONFIG_FILE: Key = Key("telemetry_dump_kafka_config_file");
    pub const TELEMETRY_DUMP_WORKERS: Key = Key("telemetry_dump_workers");
    pub const MAPS_REFRESH: Key = Key("maps_refresh");
    pub const MAPS_INDEX: Key = Key("maps_index");
    pub const MAPS_ENTRIES: Key = Key("maps_entries");
    pub const MAPS_ROW_LEN: Key = Key("maps_row_len");
    pub const PRE_TAG_MAP: Key = Key("pre_tag_map");
    pub const PRE_TAG_FILTER: Key = Key("pre_tag_filter");
    pub const PRE_TAG2_FILTER: Key = Key("pre_tag2_filter");
    pub const PRE_TAG_LABEL_FILTER: Key = Key("pre_tag_label_filter");
    pub const POST_TAG: Key = Key("post_tag");
    pub const POST_TAG2: Key = Key("post_tag2");
    pub const SAMPLING_RATE: Key = Key("sampling_rate");
    pub const SAMPLING_MAP: Key = Key("sampling_map");
    pub const SFACCTD_PROC_NAME: Key = Key("sfacctd_proc_name");
    pub const SFACCTD_PORT: Key = Key("sfacctd_port");
    pub const SFACCTD_IP: Key = Key("sfacctd_ip");
    pub const SFACCTD_ALLOW_FILE: Key = Key("sfacctd_allow_file");
    pub const SFACCTD_AS_NEW: Key = Key("sfacctd_as_new");
    pub const SFACCTD_AS: Key = Key("sfacctd_as");
    pub const SFACCTD_NET: Key = Key("sfacctd_net");
    pub const SFACCTD_PEER_AS: Key = Key("sfacctd_peer_as");
    pub const SFACCTD_TIME_NEW: Key = Key("sfacctd_time_new");
    pub const SFACCTD_PIPE_SIZE: Key = Key("sfacctd_pipe_size");
    pub const SFACCTD_RENORMALIZE: Key = Key("sfacctd_renormalize");
    pub const SFACCTD_DISABLE_CHECKS: Key = Key("sfacctd_disable_checks");
    pub const SFACCTD_MCAST_GROUPS: Key = Key("sfacctd_mcast_groups");
    pub const SFACCTD_STITCHING: Key = Key("sfacctd_stitching");
    pub const SFACCTD_EXT_SAMPLING_RATE: Key = Key("sfacctd_ext_sampling_rate");
    pub const SFACCTD_COUNTER_OUTPUT: Key = Key("sfacctd_counter_output");
    pub const SFACCTD_COUNTER_FILE: Key = Key("sfacctd_counter_file");
    pub const SFACCTD_COUNTER_AMQP_HOST: Key = Key("sfacctd_counter_amqp_host");
    pub const SFACCTD_COUNTER_AMQP_VHOST: Key = Key("sfacctd_counter_amqp_vhost");
    pub const SFACCTD_COUNTER_AMQP_USER: Key = Key("sfacctd_counter_amqp_user");
    pub const SFACCTD_COUNTER_AMQP_PASSWD: Key = Key("sfacctd_counter_amqp_passwd");
    pub const SFACCTD_COUNTER_AMQP_EXCHANGE: Key = Key("sfacctd_counter_amqp_exchange");
    pub const SFACCTD_COUNTER_AMQP_EXCHANGE_TYPE: Key = Key("sfacctd_counter_amqp_exchange_type");
    pub const SFACCTD_COUNTER_AMQP_ROUTING_KEY: Key = Key("sfacctd_counter_amqp_routing_key");
    pub const SFACCTD_COUNTER_AMQP_PERSISTENT_MSG: Key = Key("sfacctd_counter_amqp_persistent_msg");
    pub const SFACCTD_COUNTER_AMQP_FRAME_MAX: Key = Key("sfacctd_counter_amqp_frame_max");
    pub const SFACCTD_COUNTER_AMQP_HEARTBEAT_INTERVAL: Key =
        Key("sfacctd_counter_amqp_heartbeat_interval");
    pub const SFACCTD_COUNTER_AMQP_RETRY: Key = Key("sfacctd_counter_amqp_retry");
    pub const SFACCTD_COUNTER_KAFKA_BROKER_HOST: Key = Key("sfacctd_counter_kafka_broker_host");
    pub const SFACCTD_COUNTER_KAFKA_BROKER_PORT: Key = Key("sfacctd_counter_kafka_broker_port");
    pub const SFACCTD_COUNTER_KAFKA_TOPIC: Key = Key("sfacctd_counter_kafka_topic");
    pub const SFACCTD_COUNTER_KAFKA_PARTITION: Key = Key("sfacctd_counter_kafka_partition");
    pub const SFACCTD_COUNTER_KAFKA_PARTITION_KEY: Key = Key("sfacctd_counter_kafka_partition_key");
    pub const SFACCTD_COUNTER_KAFKA_RETRY: Key = Key("sfacctd_counter_kafka_retry");
    pub const SFACCTD_COUNTER_KAFKA_CONFIG_FILE: Key = Key("sfacctd_counter_kafka_config_file");
    pub const SFACCTD_KAFKA_BROKER_HOST: Key = Key("sfacctd_kafka_broker_host");
    pub const SFACCTD_KAFKA_BROKER_PORT: Key = Key("sfacctd_kafka_broker_port");
    pub const SFACCTD_KAFKA_TOPIC: Key = Key("sfacctd_kafka_topic");
    pub const SFACCTD_KAFKA_CONFIG_FILE: Key = Key("sfacctd_kafka_config_file");
    pub const SFACCTD_ZMQ_ADDRESS: Key = Key("sfacctd_zmq_address");
    pub const CLASSIFIERS: Key = Key("classifiers");
    pub const CLASSIFIER_TENTATIVES: Key = Key("classifier_tentatives");
    pub const CLASSIFIER_TABLE_NUM: Key = Key("classifier_table_num");
    pub const CLASSIFIER_NUM_ROOTS: Key = Key("classifier_num_roots");
    pub const CLASSIFIER_MAX_FLOWS: Key = Key("classifier_max_flows");
    pub const CLASSIFIER_PROTO_GUESS: Key = Key("classifier_proto_guess");
    pub const CLASSIFIER_IDLE_SCAN_PERIOD: Key = Key("classifier_idle_scan_period");
    pub const CLASSIFIER_IDLE_MAX_TIME: Key = Key("classifier_idle_max_time");
    pub const CLASSIFIER_IDLE_SCAN_BUDGET: Key = Key("classifier_idle_scan_budget");
    pub const CLASSIFIER_GIVEUP_PROTO_TCP: Key = Key("classifier_giveup_proto_tcp");
    pub const CLASSIFIER_GIVEUP_PROTO_UDP: Key = Key("classifier_giveup_proto_udp");
    pub const CLASSIFIER_GIVEUP_PROTO_OTHER: Key = Key("classifier_giveup_proto_other");
    pub const NFPROBE_TIMEOUTS: Key = Key("nfprobe_timeouts");
    pub const NFPROBE_HOPLIMIT: Key = Key("nfprobe_hoplimit");
    pub const NFPROBE_MAXFLOWS: Key = Key("nfprobe_maxflows");
    pub const NFPROBE_RECEIVER: Key = Key("nfprobe_receiver");
    pub const NFPROBE_DTLS: Key = Key("nfprobe_dtls");
    pub const NFPROBE_DTLS_VERIFY_CERT: Key = Key("nfprobe_dtls_verify_cert");
    pub const NFPROBE_ENGINE: Key = Key("nfprobe_engine");
    pub const NFPROBE_VERSION: Key = Key("nfprobe_version");
    pub const NFPROBE_PEER_AS: Key = Key("nfprobe_peer_as");
    pub const NFPROBE_SOURCE_IP: Key = Key("nfprobe_source_ip");
    pub const NFPROBE_IPPREC: Key = Key("nfprobe_ipprec");
    pub const NFPROBE_DIRECTION: Key = Key("nfprobe_direction");
    pub const NFPROBE_IFINDEX: Key = Key("nfprobe_ifindex");
    pub const NFPROBE_DONT_CACHE: Key = Key("nfprobe_dont_cache");
    pub const NFPROBE_IFINDEX_OVERRIDE: Key = Key("nfprobe_ifindex_override");
    pub const NFPROBE_TSTAMP_USEC: Key = Key("nfprobe_tstamp_usec");
    pub const SFPROBE_RECEIVER: Key = Key("sfprobe_receiver");
    pub const SFPROBE_AGENTIP: Key = Key("sfprobe_agentip");
    pub const SFPROBE_AGENTSUBID: Key = Key("sfprobe_agentsubid");
    pub const SFPROBE_PEER_AS: Key = Key("sfprobe_peer_as");
    pub const SFPROBE_SOURCE_IP: Key = Key("sfprobe_source_ip");
    pub const SFPROBE_IPPREC: Key = Key("sfprobe_ipprec");
    pub const SFPROBE_DIRECTION: Key = Key("sfprobe_direction");
    pub const SFPROBE_IFINDEX: Key = Key("sfprobe_ifindex");
    pub const SFPROBE_IFSPEED: Key = Key("sfprobe_ifspeed");
    pub const SFPROBE_IFINDEX_OVERRIDE: Key = Key("sfprobe_ifindex_override");
    pub const TEE_RECEIVERS: Key = Key("tee_receivers");
    pub const TEE_SOURCE_IP: Key = Key("tee_source_ip");
    pub const TEE_TRANSPARENT: Key = Key("tee_transparent");
    pub const TEE_MAX_RECEIVERS: Key = Key("tee_max_receivers");
    pub const TEE_MAX_RECEIVER_POOLS: Key = Key("tee_max_receiver_pools");
    pub const TEE_IPPREC: Key = Key("tee_ipprec");
    pub const TEE_PIPE_SIZE: Key = Key("tee_pipe_size");
    pub const TEE_KAFKA_CONFIG_FILE: Key = Key("tee_kafka_config_file");
    pub const BGP_DAEMON: Key = Key("bgp_daemon");
    pub const BGP_DAEMON_IP: Key = Key("bgp_daemon_ip");
    pub const BGP_DAEMON_IPV6_ONLY: Key = Key("bgp_daemon_ipv6_only");
    pub const BGP_DAEMON_ID: Key = Key("bgp_daemon_id");
    pub const BGP_DAEMON_AS: Key = Key("bgp_daemon_as");
    pub const BGP_DAEMON_PORT: Key = Key("bgp_daemon_port");
    pub const BGP_DAEMON_PIPE_SIZE: Key = Key("bgp_daemon_pipe_size");
    pub const BGP_DAEMON_MAX_PEERS: Key = Key("bgp_daemon_max_peers");
    pub const BGP_DAEMON_MSGLOG_OUTPUT: Key = Key("bgp_daemon_msglog_output");
    pub const BGP_DAEMON_MSGLOG_FILE: Key = Key("bgp_daemon_msglog_file");
    pub const BGP_DAEMON_MSGLOG_AVRO_SCHEMA_FILE: Key = Key("bgp_daemon_msglog_avro_schema_file");
    pub const BGP_DAEMON_MSGLOG_AMQP_HOST: Key = Key("bgp_daemon_msglog_amqp_host");
    pub const BGP_DAEMON_MSGLOG_AMQP_VHOST: Key = Key("bgp_daemon_msglog_amqp_vhost");
    pub const BGP_DAEMON_MSGLOG_AMQP_USER: Key = Key("bgp_daemon_msglog_amqp_user");
    pub const BGP_DAEMON_MSGLOG_AMQP_PASSWD: Key = Key("bgp_daemon_msglog_amqp_passwd");
    pub const BGP_DAEMON_MSGLOG_AMQP_EXCHANGE: Key = Key("bgp_daemon_msglog_amqp_exchange");
    pub const BGP_DAEMON_MSGLOG_AMQP_EXCHANGE_TYPE: Key =
        Key("bgp_daemon_msglog_amqp_exchange_type");
    pub const BGP_DAEMON_MSGLOG_AMQP_ROUTING_KEY: Key = Key("bgp_daemon_msglog_amqp_routing_key");
    pub const BGP_DAEMON_MSGLOG_AMQP_ROUTING_KEY_RR: Key =
        Key("bgp_daemon_msglog_amqp_routing_key_rr");
    pub const BGP_DAEMON_MSGLOG_AMQP_PERSISTENT_MSG: Key =
        Key("bgp_daemon_msglog_amqp_persistent_msg");
    pub const BGP_DAEMON_MSGLOG_AMQP_FRAME_MAX: Key = Key("bgp_daemon_msglog_amqp_frame_max");
    pub const BGP_DAEMON_MSGLOG_AMQP_HEARTBEAT_INTERVAL: Key =
        Key("bgp_daemon_msglog_amqp_heartbeat_interval");
    pub const BGP_DAEMON_MSGLOG_AMQP_RETRY: Key = Key("bgp_daemon_msglog_amqp_retry");
    pub const BGP_DAEMON_MSGLOG_KAFKA_BROKER_HOST: Key = Key("bgp_daemon_msglog_kafka_broker_host");
    pub const BGP_DAEMON_MSGLOG_KAFKA_BROKER_PORT: Key = Key("bgp_daemon_msglog_kafka_broker_port");
    pub const BGP_DAEMON_MSGLOG_KAFKA_TOPIC: Key = Key("bgp_daemon_msglog_kafka_topic");
    pub const BGP_DAEMON_MSGLOG_KAFKA_TOPIC_RR: Key = Key("bgp_daemon_msglog_kafka_topic_rr");
    pub const BGP_DAEMON_MSGLOG_KAFKA_PARTITION: Key = Key("bgp_daemon_msglog_kafka_partition");
    pub const BGP_DAEMON_MSGLOG_KAFKA_PARTITION_KEY: Key =
        Key("bgp_daemon_msglog_kafka_partition_key");
    pub const BGP_DAEMON_MSGLOG_KAFKA_RETRY: Key = Key("bgp_daemon_msglog_kafka_retry");
    pub const BGP_DAEMON_MSGLOG_KAFKA_CONFIG_FILE: Key = Key("bgp_daemon_msglog_kafka_config_file");
    pub const BGP_DAEMON_MSGLOG_KAFKA_AVRO_SCHEMA_REGISTRY: Key =
        Key("bgp_daemon_msglog_kafka_avro_schema_registry");
    pub const BGP_DAEMON_ALLOW_FILE: Key = Key("bgp_daemon_allow_file");
    pub const BGP_DAEMON_IPPREC: Key = Key("bgp_daemon_ipprec");
    pub const BGP_DAEMON_MD5_FILE: Key = Key("bgp_daemon_md5_file");
    pub const BGP_DAEMON_BATCH: Key = Key("bgp_daemon_batch");
    pub const BGP_DAEMON_BATCH_INTERVAL: Key = Key("bgp_daemon_batch_interval");
    pub const BGP_ASPATH_RADIUS: Key = Key("bgp_aspath_radius");
    pub const BGP_STDCOMM_PATTERN: Key = Key("bgp_stdcomm_pattern");
    pub const BGP_EXTCOMM_PATTERN: Key = Key("bgp_extcomm_pattern");
    pub const BGP_LRGCOMM_PATTERN: Key = Key("bgp_lrgcomm_pattern");
    pub const BGP_STDCOMM_PATTERN_TO_ASN: Key = Key("bgp_stdcomm_pattern_to_asn");
    pub const BGP_LRGCOMM_PATTERN_TO_ASN: Key = Key("bgp_lrgcomm_pattern_to_asn");
    pub const BGP_BLACKHOLE_STDCOMM_LIST: Key = Key("bgp_blackhole_stdcomm_list");
    pub const BGP_PEER_AS_SKIP_SUBAS: Key = Key("bgp_peer_as_skip_subas");
    pub const BGP_PEER_SRC_AS_MAP: Key = Key("bgp_peer_src_as_map");
    pub const BGP_SRC_LOCAL_PREF_MAP: Key = Key("bgp_src_local_pref_map");
    pub const BGP_SRC_MED_MAP: Key = Key("bgp_src_med_map");
    pub const BGP_PEER_SRC_AS_TYPE: Key = Key("bgp_peer_src_as_type");
    pub const BGP_SRC_STD_COMM_TYPE: Key = Key("bgp_src_std_comm_type");
    pub const BGP_SRC_EXT_COMM_TYPE: Key = Key("bgp_src_ext_comm_type");
    pub const BGP_SRC_LRG_COMM_TYPE: Key = Key("bgp_src_lrg_comm_type");
    pub const BGP_SRC_AS_PATH_TYPE: Key = Key("bgp_src_as_path_type");
    pub const BGP_SRC_LOCAL_PREF_TYPE: Key = Key("bgp_src_local_pref_type");
    pub const BGP_SRC_MED_TYPE: Key = Key("bgp_src_med_type");
    pub const BGP_SRC_ROA_TYPE: Key = Key("bgp_src_roa_type");
    pub const BGP_AGENT_MAP: Key = Key("bgp_agent_map");
    pub const BGP_FOLLOW_DEFAULT: Key = Key("bgp_follow_default");
    pub const BGP_FOLLOW_NEXTHOP: Key = Key("bgp_follow_nexthop");
    pub const BGP_FOLLOW_NEXTHOP_EXTERNAL: Key = Key("bgp_follow_nexthop_external");
    pub const BGP_DISABLE_ROUTER_ID_CHECK: Key = Key("bgp_disable_router_id_check");
    pub const BGP_NEIGHBORS_FILE: Key = Key("bgp_neighbors_file");
    pub const BGP_TABLE_PEER_BUCKETS: Key = Key("bgp_table_peer_buckets");
    pub const BGP_TABLE_PER_PEER_BUCKETS: Key = Key("bgp_table_per_peer_buckets");
    pub const BGP_TABLE_ATTR_HASH_BUCKETS: Key = Key("bgp_table_attr_hash_buckets");
    pub const BGP_TABLE_PER_PEER_HASH: Key = Key("bgp_table_per_peer_hash");
    pub const BGP_TABLE_DUMP_OUTPUT: Key = Key("bgp_table_dump_output");
    pub const BGP_TABLE_DUMP_FILE: Key = Key("bgp_table_dump_file");
    pub const BGP_TABLE_DUMP_LATEST_FILE: Key = Key("bgp_table_dump_latest_file");
    pub const BGP_TABLE_DUMP_AVRO_SCHEMA_FILE: Key = Key("bgp_table_dump_avro_schema_file");
    pub const BGP_TABLE_DUMP_REFRESH_TIME: Key = Key("bgp_table_dump_refresh_time");
    pub const BGP_TABLE_DUMP_AMQP_HOST: Key = Key("bgp_table_dump_amqp_host");
    pub const BGP_TABLE_DUMP_AMQP_VHOST: Key = Key("bgp_table_dump_amqp_vhost");
    pub const BGP_TABLE_DUMP_AMQP_USER: Key = Key("bgp_table_dump_amqp_user");
    pub const BGP_TABLE_DUMP_AMQP_PASSWD: Key = Key("bgp_table_dump_amqp_passwd");
    pub const BGP_TABLE_DUMP_AMQP_EXCHANGE: Key = Key("bgp_table_dump_amqp_exchange");
    pub const BGP_TABLE_DUMP_AMQP_EXCHANGE_TYPE: Key = Key("bgp_table_dump_amqp_exchange_type");
    pub const BGP_TABLE_DUMP_AMQP_ROUTING_KEY: Key = Key("bgp_table_dump_amqp_routing_key");
    pub const BGP_TABLE_DUMP_AMQP_ROUTING_KEY_RR: Key = Key("bgp_table_dump_amqp_routing_key_rr");
    pub const BGP_TABLE_DUMP_AMQP_PERSISTENT_MSG: Key = Key("bgp_table_dump_amqp_persistent_msg");
    pub const BGP_TABLE_DUMP_AMQP_FRAME_MAX: Key = Key("bgp_table_dump_amqp_frame_max");
    pub const BGP_TABLE_DUMP_AMQP_HEARTBEAT_INTERVAL: Key =
        Key("bgp_table_dump_amqp_heartbeat_interval");
    pub const BGP_TABLE_DUMP_KAFKA_BROKER_HOST: Key = Key("bgp_table_dump_kafka_broker_host");
    pub const BGP_TABLE_DUMP_KAFKA_BROKER_PORT: Key = Key("bgp_table_dump_kafka_broker_port");
    pub const BGP_TABLE_DUMP_KAFKA_TOPIC: Key = Key("bgp_table_dump_kafka_topic");
    pub const BGP_TABLE_DUMP_KAFKA_TOPIC_RR: Key = Key("bgp_table_dump_kafka_topic_rr");
    pub const BGP_TABLE_DUMP_KAFKA_PARTITION: Key = Key("bgp_table_dump_kafka_partition");
    pub const BGP_TABLE_DUMP_KAFKA_PARTITION_KEY: Key = Key("bgp_table_dump_kafka_partition_key");
    pub const BGP_TABLE_DUMP_KAFKA_CONFIG_FILE: Key = Key("bgp_table_dump_kafka_config_file");
    pub const BGP_TABLE_DUMP_KAFKA_AVRO_SCHEMA_REGISTRY: Key =
        Key("bgp_table_dump_kafka_avro_schema_registry");
    pub const BGP_TABLE_DUMP_WORKERS: Key = Key("bgp_table_dump_workers");
    pub const BGP_DAEMON_LG: Key = Key("bgp_daemon_lg");
    pub const BGP_DAEMON_LG_IP: Key = Key("bgp_daemon_lg_ip");
    pub const BGP_DAEMON_LG_PORT: Key = Key("bgp_daemon_lg_port");
    pub const BGP_DAEMON_LG_THREADS: Key = Key("bgp_daemon_lg_threads");
    pub const BGP_DAEMON_LG_USER: Key = Key("bgp_daemon_lg_user");
    pub const BGP_DAEMON_LG_PASSWD: Key = Key("bgp_daemon_lg_passwd");
    pub const BGP_DAEMON_XCONNECT_MAP: Key = Key("bgp_daemon_xconnect_map");
    pub const BMP_DAEMON: Key = Key("bmp_daemon");
    pub const BMP_DAEMON_IP: Key = Key("bmp_daemon_ip");
    pub const BMP_DAEMON_IPV6_ONLY: Key = Key("bmp_daemon_ipv6_only");
    pub const BMP_DAEMON_PORT: Key = Key("bmp_daemon_port");
    pub const BMP_DAEMON_PIPE_SIZE: Key = Key("bmp_daemon_pipe_size");
    pub const BMP_DAEMON_MAX_PEERS: Key = Key("bmp_daemon_max_peers");
    pub const BMP_DAEMON_ALLOW_FILE: Key = Key("bmp_daemon_allow_file");
    pub const BMP_DAEMON_IPPREC: Key = Key("bmp_daemon_ipprec");
    pub const BMP_DAEMON_BATCH: Key = Key("bmp_daemon_batch");
    pub const BMP_DAEMON_BATCH_INTERVAL: Key = Key("bmp_daemon_batch_interval");
    pub const BMP_AGENT_MAP: Key = Key("bmp_agent_map");
    pub const BMP_DAEMON_MSGLOG_OUTPUT: Key = Key("bmp_daemon_msglog_output");
    pub const BMP_DAEMON_MSGLOG_FILE: Key = Key("bmp_daemon_msglog_file");
    pub const BMP_DAEMON_MSGLOG_AVRO_SCHEMA_FILE: Key = Key("bmp_daemon_msglog_avro_schema_file");
    pub const BMP_DAEMON_MSGLOG_AMQP_HOST: Key = Key("bmp_daemon_msglog_amqp_host");
    pub const BMP_DAEMON_MSGLOG_AMQP_VHOST: Key = Key("bmp_daemon_msglog_amqp_vhost");
    pub const BMP_DAEMON_MSGLOG_AMQP_USER: Key = Key("bmp_daemon_msglog_amqp_user");
    pub const BMP_DAEMON_MSGLOG_AMQP_PASSWD: Key = Key("bmp_daemon_msglog_amqp_passwd");
    pub const BMP_DAEMON_MSGLOG_AMQP_EXCHANGE: Key = Key("bmp_daemon_msglog_amqp_exchange");
    pub const BMP_DAEMON_MSGLOG_AMQP_EXCHANGE_TYPE: Key =
        Key("bmp_daemon_msglog_amqp_exchange_type");
    pub const BMP_DAEMON_MSGLOG_AMQP_ROUTING_KEY: Key = Key("bmp_daemon_msglog_amqp_routing_key");
    pub const BMP_DAEMON_MSGLOG_AMQP_ROUTING_KEY_RR: Key =
        Key("bmp_daemon_msglog_amqp_routing_key_rr");
    pub const BMP_DAEMON_MSGLOG_AMQP_PERSISTENT_MSG: Key =
        Key("bmp_daemon_msglog_amqp_persistent_msg");
    pub const BMP_DAEMON_MSGLOG_AMQP_FRAME_MAX: Key = Key("bmp_daemon_msglog_amqp_frame_max");
    pub const BMP_DAEMON_MSGLOG_AMQP_HEARTBEAT_INTERVAL: Key =
        Key("bmp_daemon_msglog_amqp_heartbeat_interval");
    pub const BMP_DAEMON_MSGLOG_AMQP_RETRY: Key = Key("bmp_daemon_msglog_amqp_retry");
    pub const BMP_DAEMON_MSGLOG_KAFKA_BROKER_HOST: Key = Key("bmp_daemon_msglog_kafka_broker_host");
    pub const BMP_DAEMON_MSGLOG_KAFKA_BROKER_PORT: Key = Key("bmp_daemon_msglog_kafka_broker_port");
    pub const BMP_DAEMON_MSGLOG_KAFKA_TOPIC: Key = Key("bmp_daemon_msglog_kafka_topic");
    pub const BMP_DAEMON_MSGLOG_KAFKA_TOPIC_RR: Key = Key("bmp_daemon_msglog_kafka_topic_rr");
    pub const BMP_DAEMON_MSGLOG_KAFKA_PARTITION: Key = Key("bmp_daemon_msglog_kafka_partition");
    pub const BMP_DAEMON_MSGLOG_KAFKA_PARTITION_KEY: Key =
        Key("bmp_daemon_msglog_kafka_partition_key");
    pub const BMP_DAEMON_MSGLOG_KAFKA_RETRY: Key = Key("bmp_daemon_msglog_kafka_retry");
    pub const BMP_DAEMON_MSGLOG_KAFKA_CONFIG_FILE: Key = Key("bmp_daemon_msglog_kafka_config_file");
    pub const BMP_DAEMON_MSGLOG_KAFKA_AVRO_SCHEMA_REGISTRY: Key =
        Key("bmp_daemon_msglog_kafka_avro_schema_registry");
    pub const BMP_TABLE_PEER_BUCKETS: Key = Key("bmp_table_peer_buckets");
    pub const BMP_TABLE_PER_PEER_BUCKETS: Key = Key("bmp_table_per_peer_buckets");
    pub const BMP_TABLE_ATTR_HASH_BUCKETS: Key = Key("bmp_table_attr_hash_buckets");
    pub const BMP_TABLE_PER_PEER_HASH: Key = Key("bmp_table_per_peer_hash");
    pub const BMP_DUMP_OUTPUT: Key = Key("bmp_dump_output");
    pub const BMP_DUMP_FILE: Key = Key("bmp_dump_file");
    pub const BMP_DUMP_LATEST_FILE: Key = Key("bmp_dump_latest_file");
    pub const BMP_DUMP_WORKERS: Key = Key("bmp_dump_workers");
    pub const BMP_DUMP_AVRO_SCHEMA_FILE: Key = Key("bmp_dump_avro_schema_file");
    pub const BMP_DUMP_REFRESH_TIME: Key = Key("bmp_dump_refresh_time");
    pub const BMP_DUMP_AMQP_HOST: Key = Key("bmp_dump_amqp_host");
    pub const BMP_DUMP_AMQP_VHOST: Key = Key("bmp_dump_amqp_vhost");
    pub const BMP_DUMP_AMQP_USER: Key = Key("bmp_dump_amqp_user");
    pub const BMP_DUMP_AMQP_PASSWD: Key = Key("bmp_dump_amqp_passwd");
    pub const BMP_DUMP_AMQP_EXCHANGE: Key = Key("bmp_dump_amqp_exchange");
    pub const BMP_DUMP_AMQP_EXCHANGE_TYPE: Key = Key("bmp_dump_amqp_exchange_type");
    pub const BMP_DUMP_AMQP_ROUTING_KEY: Key = Key("bmp_dump_amqp_routing_key");
    pub const BMP_DUMP_AMQP_ROUTING_KEY_RR: Key = Key("bmp_dump_amqp_routing_key_rr");
    pub const BMP_DUMP_AMQP_PERSISTENT_MSG: Key = Key("bmp_dump_amqp_persistent_msg");
    pub const BMP_DUMP_AMQP_FRAME_MAX: Key = Key("bmp_dump_amqp_frame_max");
    pub const BMP_DUMP_AMQP_HEARTBEAT_INTERVAL: Key = Key("bmp_dump_amqp_heartbeat_interval");
    pub const BMP_DUMP_KAFKA_BROKER_HOST: Key = Key("bmp_dump_kafka_broker_host");
    pub const BMP_DUMP_KAFKA_BROKER_PORT: Key = Key("bmp_dump_kafka_broker_port");
    pub const BMP_DUMP_KAFKA_TOPIC: Key = Key("bmp_dump_kafka_topic");
    pub const BMP_DUMP_KAFKA_TOPIC_RR: Key = Key("bmp_dump_kafka_topic_rr");
    pub const BMP_DUMP_KAFKA_PARTITION: Key = Key("bmp_dump_kafka_partition");
    pub const BMP_DUMP_KAFKA_PARTITION_KEY: Key = Key("bmp_dump_kafka_partition_key");
    pub const BMP_DUMP_KAFKA_CONFIG_FILE: Key = Key("bmp_dump_kafka_config_file");
    pub const BMP_DUMP_KAFKA_AVRO_SCHEMA_REGISTRY: Key = Key("bmp_dump_kafka_avro_schema_registry");
    pub const BMP_DAEMON_PARSE_PROXY_HEADER: Key = Key("bmp_daemon_parse_proxy_header");
    pub const RPKI_ROAS_FILE: Key = Key("rpki_roas_file");
    pub const RPKI_RTR_CACHE: Key = Key("rpki_rtr_cache");
    pub const RPKI_RTR_CACHE_VERSION: Key = Key("rpki_rtr_cache_version");
    pub const RPKI_RTR_CACHE_PIPE_SIZE: Key = Key("rpki_rtr_cache_pipe_size");
    pub const RPKI_RTR_CACHE_IPPREC: Key = Key("rpki_rtr_cache_ipprec");
    pub const FLOW_TO_RD_MAP: Key = Key("flow_to_rd_map");
    pub const ISIS_DAEMON: Key = Key("isis_daemon");
    pub const ISIS_DAEMON_IP: Key = Key("isis_daemon_ip");
    pub const ISIS_DAEMON_NET: Key = Key("isis_daemon_net");
    pub const ISIS_DAEMON_IFACE: Key = Key("isis_daemon_iface");
    pub const ISIS_DAEMON_MTU: Key = Key("isis_daemon_mtu");
    pub const ISIS_DAEMON_MSGLOG: Key = Key("isis_daemon_msglog");
    pub const IGP_DAEMON: Key = Key("igp_daemon");
    pub const IGP_DAEMON_MAP: Key = Key("igp_daemon_map");
    pub const IGP_DAEMON_MAP_MSGLOG: Key = Key("igp_daemon_map_msglog");
    pub const GEOIP_IPV4_FILE: Key = Key("geoip_ipv4_file");
    pub const GEOIP_IPV6_FILE: Key = Key("geoip_ipv6_file");
    pub const GEOIPV2_FILE: Key = Key("geoipv2_file");
    pub const UACCTD_GROUP: Key = Key("uacctd_group");
    pub const UACCTD_NL_SIZE: Key = Key("uacctd_nl_size");
    pub const UACCTD_THRESHOLD: Key = Key("uacctd_threshold");
    pub const TUNNEL_0: Key = Key("tunnel_0");
    pub const TMP_ASA_BI_FLOW: Key = Key("tmp_asa_bi_flow");
    pub const TMP_BGP_LOOKUP_COMPARE_PORTS: Key = Key("tmp_bgp_lookup_compare_ports");
    pub const TMP_BGP_DAEMON_ROUTE_REFRESH: Key = Key("tmp_bgp_daemon_route_refresh");
    pub const KAFKA_RETRY_BUFFER_SIZE: Key = Key("kafka_retry_buffer_size");
    pub const KAFKA_FLUSH_TIMEOUT: Key = Key("kafka_flush_timeout");
    pub const AMQP_RETRY_BUFFER_SIZE: Key = Key("amqp_retry_buffer_size");
    pub const AMQP_FLUSH_TIMEOUT: Key = Key("amqp_flush_timeout");
    pub const METRICS_HTTP_LISTEN: Key = Key("metrics_http_listen");
    pub const NFACCTD_TEMPLATES_PER_EXPORTER: Key = Key("nfacctd_templates_per_exporter");
    pub const EXPORTER_STATS_ENTRIES: Key = Key("exporter_stats_entries");
    pub const TMP_BGP_DAEMON_ORIGIN_TYPE_INT: Key = Key("tmp_bgp_daemon_origin_type_int");
}

/// Every constant of `key`, for the test that checks them against `KEYS`.
#[cfg(test)]
pub(crate) static ALL_KEY_CONSTS: &[crate::registry::Key] = &[
    key::PLUGINS,
    key::DEBUG,
    key::DEBUG_INTERNAL_MSG,
    key::SYSLOG,
    key::LOGFILE,
    key::PIDFILE,
    key::DAEMONIZE,
    key::AGGREGATE,
    key::AGGREGATE_PRIMITIVES,
    key::CLUSTER_NAME,
    key::CLUSTER_ID,
    key::REDIS_HOST,
    key::REDIS_DB,
    key::SNAPLEN,
    key::PROPAGATE_SIGNALS,
    key::AGGREGATE_FILTER,
    key::DTLS_PATH,
    key::PROMISC,
    key::PCAP_FILTER,
    key::PCAP_PROTOCOL,
    key::PCAP_SAVEFILE,
    key::PCAP_SAVEFILE_WAIT,
    key::PCAP_SAVEFILE_DELAY,
    key::PCAP_SAVEFILE_REPLAY,
    key::PCAP_INTERFACE,
    key::PCAP_INTERFACE_WAIT,
    key::PCAP_DIRECTION,
    key::PCAP_IFINDEX,
    key::PCAP_INTERFACES_MAP,
    key::PCAP_ARISTA_TRAILER_OFFSET,
    key::PCAP_ARISTA_TRAILER_FLAG_VALUE,
    key::CORE_PROC_NAME,
    key::PROC_PRIORITY,
    key::PMACCTD_AS,
    key::UACCTD_AS,
    key::PMACCTD_NET,
    key::UACCTD_NET,
    key::USE_IP_NEXT_HOP,
    key::THREAD_STACK,
    key::PLUGIN_PIPE_SIZE,
    key::PLUGIN_BUFFER_SIZE,
    key::PLUGIN_PIPE_ZMQ,
    key::PLUGIN_PIPE_ZMQ_RETRY,
    key::PLUGIN_PIPE_ZMQ_PROFILE,
    key::PLUGIN_PIPE_ZMQ_HWM,
    key::PLUGIN_EXIT_ANY,
    key::FILES_UMASK,
    key::FILES_UID,
    key::FILES_GID,
    key::NETWORKS_MASK,
    key::NETWORKS_FILE,
    key::NETWORKS_FILE_FILTER,
    key::NETWORKS_FILE_NO_LPM,
    key::NETWORKS_NO_MASK_IF_ZERO,
    key::NETWORKS_CACHE_ENTRIES,
    key::PORTS_FILE,
    key::TIMESTAMPS_RFC3339,
    key::TIMESTAMPS_UTC,
    key::WRITER_ID_STRING,
    key::TCPFLAGS_ENCODE_AS_ARRAY,
    key::FWD_STATUS_ENCODE_AS_STRING,
    key::MPLS_LABEL_STACK_ENCODE_AS_ARRAY,
    key::AS_PATH_ENCODE_AS_ARRAY,
    key::BGP_COMMS_ENCODE_AS_ARRAY,
    key::PRE_TAG_LABEL_ENCODE_AS_MAP,
    key::NFACCTD_PRE_PROCESSING_CHECKS,
    key::TOS_ENCODE_AS_DSCP,
    key::TIMESTAMPS_SECS,
    key::TIMESTAMPS_SINCE_EPOCH,
    key::IMT_PATH,
    key::IMT_PASSWD,
    key::IMT_BUCKETS,
    key::IMT_MEM_POOLS_NUMBER,
    key::IMT_MEM_POOLS_SIZE,
    key::SQL_DB,
    key::SQL_TABLE,
    key::SQL_TABLE_SCHEMA,
    key::SQL_TABLE_VERSION,
    key::SQL_TABLE_TYPE,
    key::SQL_CONN_CA_FILE,
    key::SQL_HOST,
    key::SQL_PORT,
    key::SQL_DATA,
    key::SQL_USER,
    key::SQL_PASSWD,
    key::SQL_REFRESH_TIME,
    key::SQL_STARTUP_DELAY,
    key::SQL_OPTIMIZE_CLAUSES,
    key::SQL_HISTORY,
    key::SQL_HISTORY_OFFSET,
    key::SQL_HISTORY_ROUNDOFF,
    key::SQL_BACKUP_HOST,
    key::SQL_RECOVERY_BACKUP_HOST,
    key::SQL_DELIMITER,
    key::SQL_MAX_WRITERS,
    key::SQL_TRIGGER_EXEC,
    key::SQL_TRIGGER_TIME,
    key::SQL_CACHE_ENTRIES,
    key::SQL_DONT_TRY_UPDATE,
    key::SQL_PREPROCESS,
    key::SQL_PREPROCESS_TYPE,
    key::SQL_MULTI_VALUES,
    key::SQL_LOCKING_STYLE,
    key::SQL_USE_COPY,
    key::SQL_NUM_PROTOS,
    key::SQL_NUM_HOSTS,
    key::PRINT_REFRESH_TIME,
    key::PRINT_CACHE_ENTRIES,
    key::PRINT_MARKERS,
    key::PRINT_OUTPUT,
    key::PRINT_OUTPUT_FILE,
    key::PRINT_OUTPUT_FILE_APPEND,
    key::PRINT_OUTPUT_LOCK_FILE,
    key::PRINT_OUTPUT_SEPARATOR,
    key::PRINT_OUTPUT_CUSTOM_LIB,
    key::PRINT_OUTPUT_CUSTOM_CFG_FILE,
    key::PRINT_WRITE_EMPTY_FILE,
    key::PRINT_LATEST_FILE,
    key::PRINT_NUM_PROTOS,
    key::PRINT_TRIGGER_EXEC,
    key::PRINT_HISTORY,
    key::PRINT_HISTORY_OFFSET,
    key::PRINT_HISTORY_ROUNDOFF,
    key::PRINT_MAX_WRITERS,
    key::PRINT_PREPROCESS,
    key::PRINT_PREPROCESS_TYPE,
    key::PRINT_STARTUP_DELAY,
    key::MONGO_HOST,
    key::MONGO_TABLE,
    key::MONGO_USER,
    key::MONGO_PASSWD,
    key::MONGO_REFRESH_TIME,
    key::MONGO_CACHE_ENTRIES,
    key::MONGO_HISTORY,
    key::MONGO_HISTORY_OFFSET,
    key::MONGO_HISTORY_ROUNDOFF,
    key::MONGO_TIME_ROUNDOFF,
    key::MONGO_TRIGGER_EXEC,
    key::MONGO_INSERT_BATCH,
    key::MONGO_INDEXES_FILE,
    key::MONGO_MAX_WRITERS,
    key::MONGO_PREPROCESS,
    key::MONGO_PREPROCESS_TYPE,
    key::MONGO_STARTUP_DELAY,
    key::MONGO_NUM_PROTOS,
    key::AVRO_BUFFER_SIZE,
    key::AVRO_SCHEMA_OUTPUT_FILE,
    key::AVRO_SCHEMA_FILE,
    key::AMQP_REFRESH_TIME,
    key::AMQP_HISTORY,
    key::AMQP_HISTORY_OFFSET,
    key::AMQP_HISTORY_ROUNDOFF,
    key::AMQP_TIME_ROUNDOFF,
    key::AMQP_HOST,
    key::AMQP_USER,
    key::AMQP_PASSWD,
    key::AMQP_EXCHANGE,
    key::AMQP_EXCHANGE_TYPE,
    key::AMQP_ROUTING_KEY,
    key::AMQP_ROUTING_KEY_RR,
    key::AMQP_PERSISTENT_MSG,
    key::AMQP_FRAME_MAX,
    key::AMQP_CACHE_ENTRIES,
    key::AMQP_MAX_WRITERS,
    key::AMQP_PREPROCESS,
    key::AMQP_PREPROCESS_TYPE,
    key::AMQP_STARTUP_DELAY,
    key::AMQP_HEARTBEAT_INTERVAL,
    key::AMQP_MULTI_VALUES,
    key::AMQP_NUM_PROTOS,
    key::AMQP_VHOST,
    key::AMQP_MARKERS,
    key::AMQP_OUTPUT,
    key::AMQP_AVRO_SCHEMA_ROUTING_KEY,
    key::AMQP_AVRO_SCHEMA_REFRESH_TIME,
    key::AMQP_TRIGGER_EXEC,
    key::KAFKA_REFRESH_TIME,
    key::KAFKA_HISTORY,
    key::KAFKA_HISTORY_OFFSET,
    key::KAFKA_HISTORY_ROUNDOFF,
    key::KAFKA_BROKER_HOST,
    key::KAFKA_BROKER_PORT,
    key::KAFKA_TOPIC,
    key::KAFKA_TOPIC_RR,
    key::KAFKA_PARTITION,
    key::KAFKA_PARTITION_DYNAMIC,
    key::KAFKA_PARTITION_KEY,
    key::KAFKA_CACHE_ENTRIES,
    key::KAFKA_MAX_WRITERS,
    key::KAFKA_PREPROCESS,
    key::KAFKA_PREPROCESS_TYPE,
    key::KAFKA_STARTUP_DELAY,
    key::KAFKA_MULTI_VALUES,
    key::KAFKA_NUM_PROTOS,
    key::KAFKA_MARKERS,
    key::KAFKA_OUTPUT,
    key::KAFKA_AVRO_SCHEMA_REGISTRY,
    key::KAFKA_CONFIG_FILE,
    key::KAFKA_TRIGGER_EXEC,
    key::NFACCTD_PROC_NAME,
    key::NFACCTD_PORT,
    key::NFACCTD_IP,
    key::NFACCTD_IPV6_ONLY,
    key::NFACCTD_ALLOW_FILE,
    key::NFACCTD_TIME_SECS,
    key::NFACCTD_TIME_NEW,
    key::NFACCTD_AS_NEW,
    key::NFACCTD_AS,
    key::NFACCTD_NET,
    key::NFACCTD_MCAST_GROUPS,
    key::NFACCTD_PEER_AS,
    key::NFACCTD_PIPE_SIZE,
    key::NFACCTD_PRO_RATING,
    key::NFACCTD_TEMPLATES_FILE,
    key::NFACCTD_TEMPLATES_RECEIVER,
    key::NFACCTD_TEMPLATES_PORT,
    key::NFACCTD_ACCOUNT_OPTIONS,
    key::NFACCTD_STITCHING,
    key::NFACCTD_EXT_SAMPLING_RATE,
    key::NFACCTD_RENORMALIZE,
    key::NFACCTD_DISABLE_CHECKS,
    key::NFACCTD_DISABLE_OPT_SCOPE_CHECK,
    key::NFACCTD_KAFKA_BROKER_HOST,
    key::NFACCTD_KAFKA_BROKER_PORT,
    key::NFACCTD_KAFKA_TOPIC,
    key::NFACCTD_KAFKA_CONFIG_FILE,
    key::NFACCTD_ZMQ_ADDRESS,
    key::NFACCTD_DTLS_PORT,
    key::PMACCTD_PROC_NAME,
    key::PMACCTD_FORCE_FRAG_HANDLING,
    key::PMACCTD_FRAG_BUFFER_SIZE,
    key::PMACCTD_FLOW_BUFFER_SIZE,
    key::PMACCTD_FLOW_BUFFER_BUCKETS,
    key::PMACCTD_CONNTRACK_BUFFER_SIZE,
    key::PMACCTD_FLOW_LIFETIME,
    key::PMACCTD_FLOW_TCP_LIFETIME,
    key::PMACCTD_EXT_SAMPLING_RATE,
    key::PMACCTD_PIPE_SIZE,
    key::PMACCTD_STITCHING,
    key::PMACCTD_RENORMALIZE,
    key::PMACCTD_NONROOT,
    key::PMACCTD_TIME_NEW,
    key::UACCTD_PROC_NAME,
    key::UACCTD_FORCE_FRAG_HANDLING,
    key::UACCTD_FRAG_BUFFER_SIZE,
    key::UACCTD_FLOW_BUFFER_SIZE,
    key::UACCTD_FLOW_BUFFER_BUCKETS,
    key::UACCTD_CONNTRACK_BUFFER_SIZE,
    key::UACCTD_FLOW_LIFETIME,
    key::UACCTD_FLOW_TCP_LIFETIME,
    key::UACCTD_EXT_SAMPLING_RATE,
    key::UACCTD_STITCHING,
    key::UACCTD_RENORMALIZE,
    key::UACCTD_DIRECTION,
    key::TELEMETRY_DAEMON,
    key::TELEMETRY_DAEMON_PORT_TCP,
    key::TELEMETRY_DAEMON_PORT_UDP,
    key::TELEMETRY_DAEMON_IP,
    key::TELEMETRY_DAEMON_UDP_NOTIF_PORT,
    key::TELEMETRY_DAEMON_UDP_NOTIF_IP,
    key::TELEMETRY_DAEMON_UDP_NOTIF_NMSGS,
    key::TELEMETRY_DAEMON_IPV6_ONLY,
    key::TELEMETRY_DAEMON_ZMQ_ADDRESS,
    key::TELEMETRY_DAEMON_KAFKA_BROKER_HOST,
    key::TELEMETRY_DAEMON_KAFKA_BROKER_PORT,
    key::TELEMETRY_DAEMON_KAFKA_TOPIC,
    key::TELEMETRY_DAEMON_KAFKA_CONFIG_FILE,
    key::TELEMETRY_DAEMON_DECODER,
    key::TELEMETRY_DAEMON_MAX_PEERS,
    key::TELEMETRY_DAEMON_PEER_TIMEOUT,
    key::TELEMETRY_DAEMON_ALLOW_FILE,
    key::TELEMETRY_DAEMON_PIPE_SIZE,
    key::TELEMETRY_DAEMON_IPPREC,
    key::TELEMETRY_DAEMON_MSGLOG_OUTPUT,
    key::TELEMETRY_DAEMON_MSGLOG_FILE,
    key::TELEMETRY_DAEMON_MSGLOG_AMQP_HOST,
    key::TELEMETRY_DAEMON_MSGLOG_AMQP_VHOST,
    key::TELEMETRY_DAEMON_MSGLOG_AMQP_USER,
    key::TELEMETRY_DAEMON_MSGLOG_AMQP_PASSWD,
    key::TELEMETRY_DAEMON_MSGLOG_AMQP_EXCHANGE,
    key::TELEMETRY_DAEMON_MSGLOG_AMQP_EXCHANGE_TYPE,
    key::TELEMETRY_DAEMON_MSGLOG_AMQP_ROUTING_KEY,
    key::TELEMETRY_DAEMON_MSGLOG_AMQP_ROUTING_KEY_RR,
    key::TELEMETRY_DAEMON_MSGLOG_AMQP_PERSISTENT_MSG,
    key::TELEMETRY_DAEMON_MSGLOG_AMQP_FRAME_MAX,
    key::TELEMETRY_DAEMON_MSGLOG_AMQP_HEARTBEAT_INTERVAL,
    key::TELEMETRY_DAEMON_MSGLOG_AMQP_RETRY,
    key::TELEMETRY_DAEMON_MSGLOG_KAFKA_BROKER_HOST,
    key::TELEMETRY_DAEMON_MSGLOG_KAFKA_BROKER_PORT,
    key::TELEMETRY_DAEMON_MSGLOG_KAFKA_TOPIC,
    key::TELEMETRY_DAEMON_MSGLOG_KAFKA_TOPIC_RR,
    key::TELEMETRY_DAEMON_MSGLOG_KAFKA_PARTITION,
    key::TELEMETRY_DAEMON_MSGLOG_KAFKA_PARTITION_KEY,
    key::TELEMETRY_DAEMON_MSGLOG_KAFKA_RETRY,
    key::TELEMETRY_DAEMON_MSGLOG_KAFKA_CONFIG_FILE,
    key::TELEMETRY_DUMP_OUTPUT,
    key::TELEMETRY_DUMP_FILE,
    key::TELEMETRY_DUMP_LATEST_FILE,
    key::TELEMETRY_DUMP_REFRESH_TIME,
    key::TELEMETRY_DUMP_AMQP_HOST,
    key::TELEMETRY_DUMP_AMQP_VHOST,
    key::TELEMETRY_DUMP_AMQP_USER,
    key::TELEMETRY_DUMP_AMQP_PASSWD,
    key::TELEMETRY_DUMP_AMQP_EXCHANGE,
    key::TELEMETRY_DUMP_AMQP_EXCHANGE_TYPE,
    key::TELEMETRY_DUMP_AMQP_ROUTING_KEY,
    key::TELEMETRY_DUMP_AMQP_ROUTING_KEY_RR,
    key::TELEMETRY_DUMP_AMQP_PERSISTENT_MSG,
    key::TELEMETRY_DUMP_AMQP_FRAME_MAX,
    key::TELEMETRY_DUMP_AMQP_HEARTBEAT_INTERVAL,
    key::TELEMETRY_DUMP_KAFKA_BROKER_HOST,
    key::TELEMETRY_DUMP_KAFKA_BROKER_PORT,
    key::TELEMETRY_DUMP_KAFKA_TOPIC,
    key::TELEMETRY_DUMP_KAFKA_TOPIC_RR,
    key::TELEMETRY_DUMP_KAFKA_PARTITION,
    key::TELEMETRY_DUMP_KAFKA_PARTITION_KEY,
    key::TELEMETRY_DUMP_KAFKA_CONFIG_FILE,
    key::TELEMETRY_DUMP_WORKERS,
    key::MAPS_REFRESH,
    key::MAPS_INDEX,
    key::MAPS_ENTRIES,
    key::MAPS_ROW_LEN,
    key::PRE_TAG_MAP,
    key::PRE_TAG_FILTER,
    key::PRE_TAG2_FILTER,
    key::PRE_TAG_LABEL_FILTER,
    key::POST_TAG,
    key::POST_TAG2,
    key::SAMPLING_RATE,
    key::SAMPLING_MAP,
    key::SFACCTD_PROC_NAME,
    key::SFACCTD_PORT,
    key::SFACCTD_IP,
    key::SFACCTD_ALLOW_FILE,
    key::SFACCTD_AS_NEW,
    key::SFACCTD_AS,
    key::SFACCTD_NET,
    key::SFACCTD_PEER_AS,
    key::SFACCTD_TIME_NEW,
    key::SFACCTD_PIPE_SIZE,
    key::SFACCTD_RENORMALIZE,
    key::SFACCTD_DISABLE_CHECKS,
    key::SFACCTD_MCAST_GROUPS,
    key::SFACCTD_STITCHING,
    key::SFACCTD_EXT_SAMPLING_RATE,
    key::SFACCTD_COUNTER_OUTPUT,
    key::SFACCTD_COUNTER_FILE,
    key::SFACCTD_COUNTER_AMQP_HOST,
    key::SFACCTD_COUNTER_AMQP_VHOST,
    key::SFACCTD_COUNTER_AMQP_USER,
    key::SFACCTD_COUNTER_AMQP_PASSWD,
    key::SFACCTD_COUNTER_AMQP_EXCHANGE,
    key::SFACCTD_COUNTER_AMQP_EXCHANGE_TYPE,
    key::SFACCTD_COUNTER_AMQP_ROUTING_KEY,
    key::SFACCTD_COUNTER_AMQP_PERSISTENT_MSG,
    key::SFACCTD_COUNTER_AMQP_FRAME_MAX,
    key::SFACCTD_COUNTER_AMQP_HEARTBEAT_INTERVAL,
    key::SFACCTD_COUNTER_AMQP_RETRY,
    key::SFACCTD_COUNTER_KAFKA_BROKER_HOST,
    key::SFACCTD_COUNTER_KAFKA_BROKER_PORT,
    key::SFACCTD_COUNTER_KAFKA_TOPIC,
    key::SFACCTD_COUNTER_KAFKA_PARTITION,
    key::SFACCTD_COUNTER_KAFKA_PARTITION_KEY,
    key::SFACCTD_COUNTER_KAFKA_RETRY,
    key::SFACCTD_COUNTER_KAFKA_CONFIG_FILE,
    key::SFACCTD_KAFKA_BROKER_HOST,
    key::SFACCTD_KAFKA_BROKER_PORT,
    key::SFACCTD_KAFKA_TOPIC,
    key::SFACCTD_KAFKA_CONFIG_FILE,
    key::SFACCTD_ZMQ_ADDRESS,
    key::CLASSIFIERS,
    key::CLASSIFIER_TENTATIVES,
    key::CLASSIFIER_TABLE_NUM,
    key::CLASSIFIER_NUM_ROOTS,
    key::CLASSIFIER_MAX_FLOWS,
    key::CLASSIFIER_PROTO_GUESS,
    key::CLASSIFIER_IDLE_SCAN_PERIOD,
    key::CLASSIFIER_IDLE_MAX_TIME,
    key::CLASSIFIER_IDLE_SCAN_BUDGET,
    key::CLASSIFIER_GIVEUP_PROTO_TCP,
    key::CLASSIFIER_GIVEUP_PROTO_UDP,
    key::CLASSIFIER_GIVEUP_PROTO_OTHER,
    key::NFPROBE_TIMEOUTS,
    key::NFPROBE_HOPLIMIT,
    key::NFPROBE_MAXFLOWS,
    key::NFPROBE_RECEIVER,
    key::NFPROBE_DTLS,
    key::NFPROBE_DTLS_VERIFY_CERT,
    key::NFPROBE_ENGINE,
    key::NFPROBE_VERSION,
    key::NFPROBE_PEER_AS,
    key::NFPROBE_SOURCE_IP,
    key::NFPROBE_IPPREC,
    key::NFPROBE_DIRECTION,
    key::NFPROBE_IFINDEX,
    key::NFPROBE_DONT_CACHE,
    key::NFPROBE_IFINDEX_OVERRIDE,
    key::NFPROBE_TSTAMP_USEC,
    key::SFPROBE_RECEIVER,
    key::SFPROBE_AGENTIP,
    key::SFPROBE_AGENTSUBID,
    key::SFPROBE_PEER_AS,
    key::SFPROBE_SOURCE_IP,
    key::SFPROBE_IPPREC,
    key::SFPROBE_DIRECTION,
    key::SFPROBE_IFINDEX,
    key::SFPROBE_IFSPEED,
    key::SFPROBE_IFINDEX_OVERRIDE,
    key::TEE_RECEIVERS,
    key::TEE_SOURCE_IP,
    key::TEE_TRANSPARENT,
    key::TEE_MAX_RECEIVERS,
    key::TEE_MAX_RECEIVER_POOLS,
    key::TEE_IPPREC,
    key::TEE_PIPE_SIZE,
    key::TEE_KAFKA_CONFIG_FILE,
    key::BGP_DAEMON,
    key::BGP_DAEMON_IP,
    key::BGP_DAEMON_IPV6_ONLY,
    key::BGP_DAEMON_ID,
    key::BGP_DAEMON_AS,
    key::BGP_DAEMON_PORT,
    key::BGP_DAEMON_PIPE_SIZE,
    key::BGP_DAEMON_MAX_PEERS,
    key::BGP_DAEMON_MSGLOG_OUTPUT,
    key::BGP_DAEMON_MSGLOG_FILE,
    key::BGP_DAEMON_MSGLOG_AVRO_SCHEMA_FILE,
    key::BGP_DAEMON_MSGLOG_AMQP_HOST,
    key::BGP_DAEMON_MSGLOG_AMQP_VHOST,
    key::BGP_DAEMON_MSGLOG_AMQP_USER,
    key::BGP_DAEMON_MSGLOG_AMQP_PASSWD,
    key::BGP_DAEMON_MSGLOG_AMQP_EXCHANGE,
    key::BGP_DAEMON_MSGLOG_AMQP_EXCHANGE_TYPE,
    key::BGP_DAEMON_MSGLOG_AMQP_ROUTING_KEY,
    key::BGP_DAEMON_MSGLOG_AMQP_ROUTING_KEY_RR,
    key::BGP_DAEMON_MSGLOG_AMQP_PERSISTENT_MSG,
    key::BGP_DAEMON_MSGLOG_AMQP_FRAME_MAX,
    key::BGP_DAEMON_MSGLOG_AMQP_HEARTBEAT_INTERVAL,
    key::BGP_DAEMON_MSGLOG_AMQP_RETRY,
    key::BGP_DAEMON_MSGLOG_KAFKA_BROKER_HOST,
    key::BGP_DAEMON_MSGLOG_KAFKA_BROKER_PORT,
    key::BGP_DAEMON_MSGLOG_KAFKA_TOPIC,
    key::BGP_DAEMON_MSGLOG_KAFKA_TOPIC_RR,
    key::BGP_DAEMON_MSGLOG_KAFKA_PARTITION,
    key::BGP_DAEMON_MSGLOG_KAFKA_PARTITION_KEY,
    key::BGP_DAEMON_MSGLOG_KAFKA_RETRY,
    key::BGP_DAEMON_MSGLOG_KAFKA_CONFIG_FILE,
    key::BGP_DAEMON_MSGLOG_KAFKA_AVRO_SCHEMA_REGISTRY,
    key::BGP_DAEMON_ALLOW_FILE,
    key::BGP_DAEMON_IPPREC,
    key::BGP_DAEMON_MD5_FILE,
    key::BGP_DAEMON_BATCH,
    key::BGP_DAEMON_BATCH_INTERVAL,
    key::BGP_ASPATH_RADIUS,
    key::BGP_STDCOMM_PATTERN,
    key::BGP_EXTCOMM_PATTERN,
    key::BGP_LRGCOMM_PATTERN,
    key::BGP_STDCOMM_PATTERN_TO_ASN,
    key::BGP_LRGCOMM_PATTERN_TO_ASN,
    key::BGP_BLACKHOLE_STDCOMM_LIST,
    key::BGP_PEER_AS_SKIP_SUBAS,
    key::BGP_PEER_SRC_AS_MAP,
    key::BGP_SRC_LOCAL_PREF_MAP,
    key::BGP_SRC_MED_MAP,
    key::BGP_PEER_SRC_AS_TYPE,
    key::BGP_SRC_STD_COMM_TYPE,
    key::BGP_SRC_EXT_COMM_TYPE,
    key::BGP_SRC_LRG_COMM_TYPE,
    key::BGP_SRC_AS_PATH_TYPE,
    key::BGP_SRC_LOCAL_PREF_TYPE,
    key::BGP_SRC_MED_TYPE,
    key::BGP_SRC_ROA_TYPE,
    key::BGP_AGENT_MAP,
    key::BGP_FOLLOW_DEFAULT,
    key::BGP_FOLLOW_NEXTHOP,
    key::BGP_FOLLOW_NEXTHOP_EXTERNAL,
    key::BGP_DISABLE_ROUTER_ID_CHECK,
    key::BGP_NEIGHBORS_FILE,
    key::BGP_TABLE_PEER_BUCKETS,
    key::BGP_TABLE_PER_PEER_BUCKETS,
    key::BGP_TABLE_ATTR_HASH_BUCKETS,
    key::BGP_TABLE_PER_PEER_HASH,
    key::BGP_TABLE_DUMP_OUTPUT,
    key::BGP_TABLE_DUMP_FILE,
    key::BGP_TABLE_DUMP_LATEST_FILE,
    key::BGP_TABLE_DUMP_AVRO_SCHEMA_FILE,
    key::BGP_TABLE_DUMP_REFRESH_TIME,
    key::BGP_TABLE_DUMP_AMQP_HOST,
    key::BGP_TABLE_DUMP_AMQP_VHOST,
    key::BGP_TABLE_DUMP_AMQP_USER,
    key::BGP_TABLE_DUMP_AMQP_PASSWD,
    key::BGP_TABLE_DUMP_AMQP_EXCHANGE,
    key::BGP_TABLE_DUMP_AMQP_EXCHANGE_TYPE,
    key::BGP_TABLE_DUMP_AMQP_ROUTING_KEY,
    key::BGP_TABLE_DUMP_AMQP_ROUTING_KEY_RR,
    key::BGP_TABLE_DUMP_AMQP_PERSISTENT_MSG,
    key::BGP_TABLE_DUMP_AMQP_FRAME_MAX,
    key::BGP_TABLE_DUMP_AMQP_HEARTBEAT_INTERVAL,
    key::BGP_TABLE_DUMP_KAFKA_BROKER_HOST,
    key::BGP_TABLE_DUMP_KAFKA_BROKER_PORT,
    key::BGP_TABLE_DUMP_KAFKA_TOPIC,
    key::BGP_TABLE_DUMP_KAFKA_TOPIC_RR,
    key::BGP_TABLE_DUMP_KAFKA_PARTITION,
    key::BGP_TABLE_DUMP_KAFKA_PARTITION_KEY,
    key::BGP_TABLE_DUMP_KAFKA_CONFIG_FILE,
    key::BGP_TABLE_DUMP_KAFKA_AVRO_SCHEMA_REGISTRY,
    key::BGP_TABLE_DUMP_WORKERS,
    key::BGP_DAEMON_LG,
    key::BGP_DAEMON_LG_IP,
    key::BGP_DAEMON_LG_PORT,
    key::BGP_DAEMON_LG_THREADS,
    key::BGP_DAEMON_LG_USER,
    key::BGP_DAEMON_LG_PASSWD,
    key::BGP_DAEMON_XCONNECT_MAP,
    key::BMP_DAEMON,
    key::BMP_DAEMON_IP,
    key::BMP_DAEMON_IPV6_ONLY,
    key::BMP_DAEMON_PORT,
    key::BMP_DAEMON_PIPE_SIZE,
    key::BMP_DAEMON_MAX_PEERS,
    key::BMP_DAEMON_ALLOW_FILE,
    key::BMP_DAEMON_IPPREC,
    key::BMP_DAEMON_BATCH,
    key::BMP_DAEMON_BATCH_INTERVAL,
    key::BMP_AGENT_MAP,
    key::BMP_DAEMON_MSGLOG_OUTPUT,
    key::BMP_DAEMON_MSGLOG_FILE,
    key::BMP_DAEMON_MSGLOG_AVRO_SCHEMA_FILE,
    key::BMP_DAEMON_MSGLOG_AMQP_HOST,
    key::BMP_DAEMON_MSGLOG_AMQP_VHOST,
    key::BMP_DAEMON_MSGLOG_AMQP_USER,
    key::BMP_DAEMON_MSGLOG_AMQP_PASSWD,
    key::BMP_DAEMON_MSGLOG_AMQP_EXCHANGE,
    key::BMP_DAEMON_MSGLOG_AMQP_EXCHANGE_TYPE,
    key::BMP_DAEMON_MSGLOG_AMQP_ROUTING_KEY,
    key::BMP_DAEMON_MSGLOG_AMQP_ROUTING_KEY_RR,
    key::BMP_DAEMON_MSGLOG_AMQP_PERSISTENT_MSG,
    key::BMP_DAEMON_MSGLOG_AMQP_FRAME_MAX,
    key::BMP_DAEMON_MSGLOG_AMQP_HEARTBEAT_INTERVAL,
    key::BMP_DAEMON_MSGLOG_AMQP_RETRY,
    key::BMP_DAEMON_MSGLOG_KAFKA_BROKER_HOST,
    key::BMP_DAEMON_MSGLOG_KAFKA_BROKER_PORT,
    key::BMP_DAEMON_MSGLOG_KAFKA_TOPIC,
    key::BMP_DAEMON_MSGLOG_KAFKA_TOPIC_RR,
    key::BMP_DAEMON_MSGLOG_KAFKA_PARTITION,
    key::BMP_DAEMON_MSGLOG_KAFKA_PARTITION_KEY,
    key::BMP_DAEMON_MSGLOG_KAFKA_RETRY,
    key::BMP_DAEMON_MSGLOG_KAFKA_CONFIG_FILE,
    key::BMP_DAEMON_MSGLOG_KAFKA_AVRO_SCHEMA_REGISTRY,
    key::BMP_TABLE_PEER_BUCKETS,
    key::BMP_TABLE_PER_PEER_BUCKETS,
    key::BMP_TABLE_ATTR_HASH_BUCKETS,
    key::BMP_TABLE_PER_PEER_HASH,
    key::BMP_DUMP_OUTPUT,
    key::BMP_DUMP_FILE,
    key::BMP_DUMP_LATEST_FILE,
    key::BMP_DUMP_WORKERS,
    key::BMP_DUMP_AVRO_SCHEMA_FILE,
    key::BMP_DUMP_REFRESH_TIME,
    key::BMP_DUMP_AMQP_HOST,
    key::BMP_DUMP_AMQP_VHOST,
    key::BMP_DUMP_AMQP_USER,
    key::BMP_DUMP_AMQP_PASSWD,
    key::BMP_DUMP_AMQP_EXCHANGE,
    key::BMP_DUMP_AMQP_EXCHANGE_TYPE,
    key::BMP_DUMP_AMQP_ROUTING_KEY,
    key::BMP_DUMP_AMQP_ROUTING_KEY_RR,
    key::BMP_DUMP_AMQP_PERSISTENT_MSG,
    key::BMP_DUMP_AMQP_FRAME_MAX,
    key::BMP_DUMP_AMQP_HEARTBEAT_INTERVAL,
    key::BMP_DUMP_KAFKA_BROKER_HOST,
    key::BMP_DUMP_KAFKA_BROKER_PORT,
    key::BMP_DUMP_KAFKA_TOPIC,
    key::BMP_DUMP_KAFKA_TOPIC_RR,
    key::BMP_DUMP_KAFKA_PARTITION,
    key::BMP_DUMP_KAFKA_PARTITION_KEY,
    key::BMP_DUMP_KAFKA_CONFIG_FILE,
    key::BMP_DUMP_KAFKA_AVRO_SCHEMA_REGISTRY,
    key::BMP_DAEMON_PARSE_PROXY_HEADER,
    key::RPKI_ROAS_FILE,
    key::RPKI_RTR_CACHE,
    key::RPKI_RTR_CACHE_VERSION,
    key::RPKI_RTR_CACHE_PIPE_SIZE,
    key::RPKI_RTR_CACHE_IPPREC,
    key::FLOW_TO_RD_MAP,
    key::ISIS_DAEMON,
    key::ISIS_DAEMON_IP,
    key::ISIS_DAEMON_NET,
    key::ISIS_DAEMON_IFACE,
    key::ISIS_DAEMON_MTU,
    key::ISIS_DAEMON_MSGLOG,
    key::IGP_DAEMON,
    key::IGP_DAEMON_MAP,
    key::IGP_DAEMON_MAP_MSGLOG,
    key::GEOIP_IPV4_FILE,
    key::GEOIP_IPV6_FILE,
    key::GEOIPV2_FILE,
    key::UACCTD_GROUP,
    key::UACCTD_NL_SIZE,
    key::UACCTD_THRESHOLD,
    key::TUNNEL_0,
    key::TMP_ASA_BI_FLOW,
    key::TMP_BGP_LOOKUP_COMPARE_PORTS,
    key::TMP_BGP_DAEMON_ROUTE_REFRESH,
    key::TMP_BGP_DAEMON_ORIGIN_TYPE_INT,
    key::KAFKA_RETRY_BUFFER_SIZE,
    key::KAFKA_FLUSH_TIMEOUT,
    key::AMQP_RETRY_BUFFER_SIZE,
    key::AMQP_FLUSH_TIMEOUT,
    key::METRICS_HTTP_LISTEN,
    key::NFACCTD_TEMPLATES_PER_EXPORTER,
    key::EXPORTER_STATS_ENTRIES,
];
