//! BGP (and BMP) message logs and table dumps on a message bus: `bgp_daemon_msglog_kafka_*`,
//! `bgp_table_dump_kafka_*`, `bgp_daemon_msglog_amqp_*`, `bgp_table_dump_amqp_*` (and the
//! `bmp_*` equivalents' key sets). The transports are the kafka and amqp plugins' writers
//! (librdkafka with the bounded retry buffer, lapin with its confirm buffer): while a broker
//! is down messages wait there, and what does not fit is dropped, counted and logged by them.
//! pmacct-bgp formats the records ([`logdump::Bus`]); this module only picks the transport.

use pmacct_bgp::logdump::{Bus, BusOutput};
use pmacct_config::{key, Key, Scope};
use pmacct_plugins::amqp::config::{host_port, AmqpConfig};
use pmacct_plugins::amqp::writer::AmqpWriter;
use pmacct_plugins::kafka::{default_sink, KafkaConfig, KafkaWriter};

/// One output's `*_kafka_*` keys.
pub struct KafkaKeys {
    pub broker_host: Key,
    pub broker_port: Key,
    pub topic: Key,
    pub topic_rr: Key,
    pub partition: Key,
    pub partition_key: Key,
    /// 1.7.7's reconnect interval: librdkafka reconnects by itself (with backoff) and
    /// messages wait in the retry buffer meanwhile; read to be validated.
    pub retry: Option<Key>,
    pub config_file: Key,
}

/// One output's `*_amqp_*` keys.
pub struct AmqpKeys {
    pub host: Key,
    pub vhost: Key,
    pub user: Key,
    pub passwd: Key,
    pub exchange: Key,
    pub exchange_type: Key,
    pub routing_key: Key,
    pub routing_key_rr: Key,
    pub persistent_msg: Key,
    pub frame_max: Key,
    pub heartbeat_interval: Key,
    /// As [`KafkaKeys::retry`]: the publisher reconnects by itself.
    pub retry: Option<Key>,
}

/// A message log or dump output: its Kafka and AMQP keys.
pub struct Output {
    /// `bgp_daemon_msglog`, ... (log lines, thread names).
    pub name: &'static str,
    /// The output's file key (`bgp_daemon_msglog_file`, ...).
    pub file: Key,
    pub kafka: KafkaKeys,
    pub amqp: AmqpKeys,
    /// Keys of this output's Avro encodings, which pmacct-rs refuses.
    pub avro: &'static [Key],
}

pub const BGP_MSGLOG: Output = Output {
    name: "bgp_daemon_msglog",
    file: key::BGP_DAEMON_MSGLOG_FILE,
    kafka: KafkaKeys {
        broker_host: key::BGP_DAEMON_MSGLOG_KAFKA_BROKER_HOST,
        broker_port: key::BGP_DAEMON_MSGLOG_KAFKA_BROKER_PORT,
        topic: key::BGP_DAEMON_MSGLOG_KAFKA_TOPIC,
        topic_rr: key::BGP_DAEMON_MSGLOG_KAFKA_TOPIC_RR,
        partition: key::BGP_DAEMON_MSGLOG_KAFKA_PARTITION,
        partition_key: key::BGP_DAEMON_MSGLOG_KAFKA_PARTITION_KEY,
        retry: Some(key::BGP_DAEMON_MSGLOG_KAFKA_RETRY),
        config_file: key::BGP_DAEMON_MSGLOG_KAFKA_CONFIG_FILE,
    },
    amqp: AmqpKeys {
        host: key::BGP_DAEMON_MSGLOG_AMQP_HOST,
        vhost: key::BGP_DAEMON_MSGLOG_AMQP_VHOST,
        user: key::BGP_DAEMON_MSGLOG_AMQP_USER,
        passwd: key::BGP_DAEMON_MSGLOG_AMQP_PASSWD,
        exchange: key::BGP_DAEMON_MSGLOG_AMQP_EXCHANGE,
        exchange_type: key::BGP_DAEMON_MSGLOG_AMQP_EXCHANGE_TYPE,
        routing_key: key::BGP_DAEMON_MSGLOG_AMQP_ROUTING_KEY,
        routing_key_rr: key::BGP_DAEMON_MSGLOG_AMQP_ROUTING_KEY_RR,
        persistent_msg: key::BGP_DAEMON_MSGLOG_AMQP_PERSISTENT_MSG,
        frame_max: key::BGP_DAEMON_MSGLOG_AMQP_FRAME_MAX,
        heartbeat_interval: key::BGP_DAEMON_MSGLOG_AMQP_HEARTBEAT_INTERVAL,
        retry: Some(key::BGP_DAEMON_MSGLOG_AMQP_RETRY),
    },
    avro: AVRO_KEYS,
};

pub const BGP_TABLE_DUMP: Output = Output {
    name: "bgp_table_dump",
    file: key::BGP_TABLE_DUMP_FILE,
    kafka: KafkaKeys {
        broker_host: key::BGP_TABLE_DUMP_KAFKA_BROKER_HOST,
        broker_port: key::BGP_TABLE_DUMP_KAFKA_BROKER_PORT,
        topic: key::BGP_TABLE_DUMP_KAFKA_TOPIC,
        topic_rr: key::BGP_TABLE_DUMP_KAFKA_TOPIC_RR,
        partition: key::BGP_TABLE_DUMP_KAFKA_PARTITION,
        partition_key: key::BGP_TABLE_DUMP_KAFKA_PARTITION_KEY,
        retry: None,
        config_file: key::BGP_TABLE_DUMP_KAFKA_CONFIG_FILE,
    },
    amqp: AmqpKeys {
        host: key::BGP_TABLE_DUMP_AMQP_HOST,
        vhost: key::BGP_TABLE_DUMP_AMQP_VHOST,
        user: key::BGP_TABLE_DUMP_AMQP_USER,
        passwd: key::BGP_TABLE_DUMP_AMQP_PASSWD,
        exchange: key::BGP_TABLE_DUMP_AMQP_EXCHANGE,
        exchange_type: key::BGP_TABLE_DUMP_AMQP_EXCHANGE_TYPE,
        routing_key: key::BGP_TABLE_DUMP_AMQP_ROUTING_KEY,
        routing_key_rr: key::BGP_TABLE_DUMP_AMQP_ROUTING_KEY_RR,
        persistent_msg: key::BGP_TABLE_DUMP_AMQP_PERSISTENT_MSG,
        frame_max: key::BGP_TABLE_DUMP_AMQP_FRAME_MAX,
        heartbeat_interval: key::BGP_TABLE_DUMP_AMQP_HEARTBEAT_INTERVAL,
        retry: None,
    },
    avro: AVRO_KEYS,
};

/// Keys of these outputs that 1.7.7 has and pmacct-rs refuses (Avro encodings of the logs).
pub const AVRO_KEYS: &[Key] = &[
    key::BGP_DAEMON_MSGLOG_AVRO_SCHEMA_FILE,
    key::BGP_DAEMON_MSGLOG_KAFKA_AVRO_SCHEMA_REGISTRY,
    key::BGP_TABLE_DUMP_AVRO_SCHEMA_FILE,
    key::BGP_TABLE_DUMP_KAFKA_AVRO_SCHEMA_REGISTRY,
];

pub const BMP_MSGLOG: Output = Output {
    name: "bmp_daemon_msglog",
    file: key::BMP_DAEMON_MSGLOG_FILE,
    kafka: KafkaKeys {
        broker_host: key::BMP_DAEMON_MSGLOG_KAFKA_BROKER_HOST,
        broker_port: key::BMP_DAEMON_MSGLOG_KAFKA_BROKER_PORT,
        topic: key::BMP_DAEMON_MSGLOG_KAFKA_TOPIC,
        topic_rr: key::BMP_DAEMON_MSGLOG_KAFKA_TOPIC_RR,
        partition: key::BMP_DAEMON_MSGLOG_KAFKA_PARTITION,
        partition_key: key::BMP_DAEMON_MSGLOG_KAFKA_PARTITION_KEY,
        retry: Some(key::BMP_DAEMON_MSGLOG_KAFKA_RETRY),
        config_file: key::BMP_DAEMON_MSGLOG_KAFKA_CONFIG_FILE,
    },
    amqp: AmqpKeys {
        host: key::BMP_DAEMON_MSGLOG_AMQP_HOST,
        vhost: key::BMP_DAEMON_MSGLOG_AMQP_VHOST,
        user: key::BMP_DAEMON_MSGLOG_AMQP_USER,
        passwd: key::BMP_DAEMON_MSGLOG_AMQP_PASSWD,
        exchange: key::BMP_DAEMON_MSGLOG_AMQP_EXCHANGE,
        exchange_type: key::BMP_DAEMON_MSGLOG_AMQP_EXCHANGE_TYPE,
        routing_key: key::BMP_DAEMON_MSGLOG_AMQP_ROUTING_KEY,
        routing_key_rr: key::BMP_DAEMON_MSGLOG_AMQP_ROUTING_KEY_RR,
        persistent_msg: key::BMP_DAEMON_MSGLOG_AMQP_PERSISTENT_MSG,
        frame_max: key::BMP_DAEMON_MSGLOG_AMQP_FRAME_MAX,
        heartbeat_interval: key::BMP_DAEMON_MSGLOG_AMQP_HEARTBEAT_INTERVAL,
        retry: Some(key::BMP_DAEMON_MSGLOG_AMQP_RETRY),
    },
    avro: BMP_AVRO_KEYS,
};

/// 1.7.7 has no `bmp_dump_kafka_retry` / `bmp_dump_amqp_retry` (each dump connects anew).
pub const BMP_DUMP: Output = Output {
    name: "bmp_dump",
    file: key::BMP_DUMP_FILE,
    kafka: KafkaKeys {
        broker_host: key::BMP_DUMP_KAFKA_BROKER_HOST,
        broker_port: key::BMP_DUMP_KAFKA_BROKER_PORT,
        topic: key::BMP_DUMP_KAFKA_TOPIC,
        topic_rr: key::BMP_DUMP_KAFKA_TOPIC_RR,
        partition: key::BMP_DUMP_KAFKA_PARTITION,
        partition_key: key::BMP_DUMP_KAFKA_PARTITION_KEY,
        retry: None,
        config_file: key::BMP_DUMP_KAFKA_CONFIG_FILE,
    },
    amqp: AmqpKeys {
        host: key::BMP_DUMP_AMQP_HOST,
        vhost: key::BMP_DUMP_AMQP_VHOST,
        user: key::BMP_DUMP_AMQP_USER,
        passwd: key::BMP_DUMP_AMQP_PASSWD,
        exchange: key::BMP_DUMP_AMQP_EXCHANGE,
        exchange_type: key::BMP_DUMP_AMQP_EXCHANGE_TYPE,
        routing_key: key::BMP_DUMP_AMQP_ROUTING_KEY,
        routing_key_rr: key::BMP_DUMP_AMQP_ROUTING_KEY_RR,
        persistent_msg: key::BMP_DUMP_AMQP_PERSISTENT_MSG,
        frame_max: key::BMP_DUMP_AMQP_FRAME_MAX,
        heartbeat_interval: key::BMP_DUMP_AMQP_HEARTBEAT_INTERVAL,
        retry: None,
    },
    avro: BMP_AVRO_KEYS,
};

/// The BMP outputs' Avro keys, refused as the BGP ones.
pub const BMP_AVRO_KEYS: &[Key] = &[
    key::BMP_DAEMON_MSGLOG_AVRO_SCHEMA_FILE,
    key::BMP_DAEMON_MSGLOG_KAFKA_AVRO_SCHEMA_REGISTRY,
    key::BMP_DUMP_AVRO_SCHEMA_FILE,
    key::BMP_DUMP_KAFKA_AVRO_SCHEMA_REGISTRY,
];

/// pmbmpd and `bmp_daemon: true`: the message log's and the dumps' buses (`dumps`: dumps
/// are on; without them the dump keys are only checked, as 1.7.7 then writes no dump).
pub fn bmp_buses(
    core: &Scope,
    proc_name: &str,
    dumps: bool,
) -> Result<pmacct_bmp::server::Buses, String> {
    BMP_MSGLOG.check(core)?;
    BMP_DUMP.check(core)?;
    Ok(pmacct_bmp::server::Buses {
        msglog: BMP_MSGLOG.bus(core, proc_name)?,
        dump: if dumps {
            BMP_DUMP.bus(core, proc_name)?
        } else {
            None
        },
    })
}

struct KafkaBus(KafkaWriter);

impl Bus for KafkaBus {
    fn send(&mut self, route: &str, key: Option<&str>, obj: &[u8]) {
        self.0.write_to(route, key.map(str::as_bytes), obj);
    }
}

struct AmqpBus(AmqpWriter);

impl Bus for AmqpBus {
    fn send(&mut self, route: &str, _key: Option<&str>, obj: &[u8]) {
        self.0.write_to(route, obj);
    }
    fn flush(&mut self) {
        self.0.hand_over();
    }
}

/// The name in the `writer_id` of what a BGP/BMP writer sends: 1.7.7's `proc_name`, which
/// `core_proc_name` and the daemons' `*_proc_name` keys (one value here) all set, while only
/// `core_proc_name` names the core in log lines. With both set, the daemon's key wins here
/// (1.7.7: the one written last).
pub fn writer_name<'a>(core: &'a Scope, core_name: &'a str) -> &'a str {
    core.str(key::NFACCTD_PROC_NAME).unwrap_or(core_name)
}

impl Output {
    /// Whether a bus is configured (its topic or routing key is set).
    pub fn enabled(&self, core: &Scope) -> bool {
        core.is_set(self.kafka.topic) || core.is_set(self.amqp.routing_key)
    }

    /// The bus of this output, if its topic or routing key is set. `proc_name`:
    /// `core_proc_name` (the writer's name in log lines, and in `writer_id` unless a
    /// daemon's `*_proc_name` is set: [`writer_name`]).
    pub fn bus(&self, core: &Scope, proc_name: &str) -> Result<Option<BusOutput>, String> {
        self.check(core)?;
        let writer = writer_name(core, proc_name);
        let kafka = core.str(self.kafka.topic);
        let amqp = core.str(self.amqp.routing_key);
        if let Some(topic) = kafka {
            let cfg = self.kafka_config(core, proc_name, topic)?;
            let w = KafkaWriter::new(&cfg, default_sink())
                .map_err(|e| format!("{}: {e}. Exiting.", self.kafka.topic.name()))?;
            let key = core.str(self.kafka.partition_key);
            return Ok(Some(BusOutput::new(
                Box::new(KafkaBus(w)),
                topic,
                key,
                writer,
            )));
        }
        if let Some(rk) = amqp {
            let cfg = self.amqp_config(core, proc_name, rk)?;
            let w = AmqpWriter::new(&cfg, default_sink())
                .map_err(|e| format!("{}: {e}. Exiting.", self.amqp.routing_key.name()))?;
            return Ok(Some(BusOutput::new(Box::new(AmqpBus(w)), rk, None, writer)));
        }
        Ok(None)
    }

    /// The configuration refusals of [`Output::bus`], without making a transport: Avro
    /// keys, and more than one of file, routing key and topic.
    pub fn check(&self, core: &Scope) -> Result<(), String> {
        for k in self.avro {
            if core.is_set(*k) {
                return Err(format!(
                    "'{}' is not supported by pmacct-rs (the BGP/BMP logs and dumps are JSON only). Exiting.",
                    k.name()
                ));
            }
        }
        let set = [
            core.is_set(self.file),
            core.is_set(self.amqp.routing_key),
            core.is_set(self.kafka.topic),
        ];
        if set.iter().filter(|&&b| b).count() > 1 {
            // 1.7.7's words; it then ends its BGP/BMP thread (or pmbgpd/pmbmpd): refusing
            // to start says it where it is seen.
            return Err(format!(
                "{}, {} and {} are mutually exclusive. Exiting.",
                self.file.name(),
                self.amqp.routing_key.name(),
                self.kafka.topic.name()
            ));
        }
        Ok(())
    }

    fn kafka_config(&self, core: &Scope, name: &str, topic: &str) -> Result<KafkaConfig, String> {
        let k = &self.kafka;
        if let Some(r) = k.retry {
            core.num::<u32>(r)?;
        }
        let mut c = KafkaConfig {
            plugin_name: format!("{name}/{}", self.name),
            topic: topic.to_string(),
            ..KafkaConfig::default()
        };
        if let Some(h) = core.str(k.broker_host) {
            c.broker_host = h.to_string();
        }
        if let Some(p) = core.num::<u16>(k.broker_port)? {
            c.broker_port = p;
        }
        c.topic_rr = core.num::<u32>(k.topic_rr)?.unwrap_or(0);
        c.partition = core.num::<i32>(k.partition)?;
        c.partition_key = core.str(k.partition_key).map(str::to_string);
        c.config_file = core.path(k.config_file).map(std::path::Path::to_path_buf);
        // Topics and keys are expanded per peer here, not by the plugin's templates: the
        // writer's own checks of dynamic topics do not apply.
        c.validate().or_else(|e| {
            if e.contains("dynamic") {
                Ok(())
            } else {
                Err(e)
            }
        })?;
        Ok(c)
    }

    fn amqp_config(&self, core: &Scope, name: &str, rk: &str) -> Result<AmqpConfig, String> {
        let k = &self.amqp;
        if let Some(r) = k.retry {
            core.num::<u32>(r)?;
        }
        let mut c = AmqpConfig {
            plugin_name: format!("{name}/{}", self.name),
            routing_key: rk.to_string(),
            ..AmqpConfig::default()
        };
        if let Some(h) = core.str(k.host) {
            (c.host, c.port) = host_port(h)?;
        }
        let text = |key: Key, f: &mut String| {
            if let Some(v) = core.str(key) {
                *f = v.to_string();
            }
        };
        text(k.vhost, &mut c.vhost);
        text(k.user, &mut c.user);
        text(k.passwd, &mut c.passwd);
        text(k.exchange, &mut c.exchange);
        if let Some(t) = core.str(k.exchange_type) {
            c.exchange_type = t.to_ascii_lowercase();
        }
        c.routing_key_rr = core.num::<u32>(k.routing_key_rr)?.unwrap_or(0);
        c.persistent_msg = core.bool(k.persistent_msg);
        if let Some(f) = core.num::<u32>(k.frame_max)? {
            // 1.7.7 ignores values up to 4096 (the plugin's rule).
            if f > 4096 {
                c.frame_max = f.min(i32::MAX as u32);
            }
        }
        if let Some(h) = core.num::<i64>(k.heartbeat_interval)? {
            c.heartbeat_interval = u16::try_from(h.max(0)).unwrap_or(u16::MAX);
        }
        Ok(c)
    }
}

/// `bgp_daemon_msglog_output` / `bgp_table_dump_output` other than JSON are refused at
/// start-up (never silently written as JSON).
pub fn json_only(core: &Scope) -> Result<(), String> {
    for k in [key::BGP_DAEMON_MSGLOG_OUTPUT, key::BGP_TABLE_DUMP_OUTPUT] {
        if let Some(v) = core.str(k) {
            if !v.eq_ignore_ascii_case("json") {
                return Err(format!(
                    "'{}: {v}' is not supported by pmacct-rs yet (json only). Exiting.",
                    k.name()
                ));
            }
        }
    }
    Ok(())
}

/// nfacctd/sfacctd with `bgp_daemon: true`: the message log (files and/or bus) as the
/// speaker's observer, and the periodic table dumps, as 1.7.7's BGP thread writes them (the
/// flow daemons always keep RIBs, so withdrawals carry attributes and session ends log
/// `delete`s).
pub struct FlowDaemonLogs {
    observer: Option<Box<dyn pmacct_bgp::speaker::Observer>>,
    dump: Option<(pmacct_bgp::logdump::DumpConfig, Option<BusOutput>)>,
    seq: pmacct_bgp::logdump::Seq,
    log: pmacct_bgp::speaker::LogFn,
}

/// The dump thread's stop flag (the flow daemons' BGP thread lives as long as the process).
static DUMP_STOP: std::sync::OnceLock<std::sync::Arc<std::sync::atomic::AtomicBool>> =
    std::sync::OnceLock::new();

impl FlowDaemonLogs {
    pub fn new(
        core: &Scope,
        proc_name: &str,
        log: pmacct_bgp::speaker::LogFn,
    ) -> Result<FlowDaemonLogs, String> {
        use pmacct_bgp::logdump::{DumpConfig, MsgLog};
        json_only(core)?;
        let ts = pmacct_flow::time::TimestampOptions {
            secs: false,
            since_epoch: core.bool(key::TIMESTAMPS_SINCE_EPOCH),
            utc: core.bool(key::TIMESTAMPS_UTC),
            rfc3339: core.bool(key::TIMESTAMPS_RFC3339),
        };
        let seq: pmacct_bgp::logdump::Seq =
            std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let msglog_file = core.str(key::BGP_DAEMON_MSGLOG_FILE);
        let msglog_bus = BGP_MSGLOG.bus(core, proc_name)?;
        let observer = (msglog_file.is_some() || msglog_bus.is_some()).then(|| {
            let mut m = MsgLog::new(msglog_file, ts, seq.clone(), proc_name, log.clone())
                .origin_as_int(core.bool(key::TMP_BGP_DAEMON_ORIGIN_TYPE_INT));
            if let Some(b) = msglog_bus {
                m = m.with_bus(b);
            }
            Box::new(m) as Box<dyn pmacct_bgp::speaker::Observer>
        });
        let dump_file = core.str(key::BGP_TABLE_DUMP_FILE);
        let dump_bus = BGP_TABLE_DUMP.bus(core, proc_name)?;
        let dump = match (dump_file.is_some() || dump_bus.is_some()).then(|| {
            core.u64(key::BGP_TABLE_DUMP_REFRESH_TIME)
                .filter(|&t| t > 0)
        }) {
            None => None,
            // 1.7.7: without a valid refresh time there are no dumps.
            Some(None) => {
                crate::plog!(
                    Warn,
                    proc_name,
                    "core/BGP",
                    "Invalid 'bgp_table_dump_refresh_time'."
                );
                None
            }
            Some(Some(refresh_time)) => Some((
                DumpConfig {
                    file: dump_file.map(String::from),
                    latest_file: core.str(key::BGP_TABLE_DUMP_LATEST_FILE).map(String::from),
                    refresh_time,
                    ts,
                    name: proc_name.to_string(),
                    origin_int: core.bool(key::TMP_BGP_DAEMON_ORIGIN_TYPE_INT),
                },
                dump_bus,
            )),
        };
        Ok(FlowDaemonLogs {
            observer,
            dump,
            seq,
            log,
        })
    }

    /// The speaker's observer (the message log), taken once.
    pub fn observer(&mut self) -> Option<Box<dyn pmacct_bgp::speaker::Observer>> {
        self.observer.take()
    }

    /// Start the dump thread on the speaker's RIBs, if dumps are configured.
    pub fn start_dumps(self, peers: std::sync::Arc<pmacct_bgp::Peers>) -> Result<(), String> {
        let Some((cfg, bus)) = self.dump else {
            return Ok(());
        };
        let stop = DUMP_STOP
            .get_or_init(|| std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false)))
            .clone();
        pmacct_bgp::logdump::spawn_dumper(peers, cfg, self.seq, self.log, stop, bus)
            .map(drop)
            .map_err(|e| format!("cannot start the BGP dump thread: {e}. Exiting."))
    }
}
