//! The Kafka transport: librdkafka's producer queue plus a bounded retry buffer, so a broker
//! that is down, slow or restarting neither blocks the plugin nor loses records silently.
//!
//! Life of a message: [`KafkaWriter`] hands it to librdkafka (which batches, retries
//! internally and reports delivery). If librdkafka refuses it (`QueueFull`) or reports a
//! failed delivery (timeout, broker gone), the message is copied into the retry buffer
//! (bounded in bytes by `kafka_retry_buffer_size`) and a service thread re-produces it with
//! exponential backoff. A message is dropped only when the buffer is full, the error is
//! permanent (message too large, authorization), or shutdown's flush timeout passes; every
//! drop is counted and logged (aggregated, at most one line per 10 s, and always at close).

use std::collections::{HashMap, VecDeque};
use std::ffi::CString;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rdkafka::bindings as rdsys;
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{DeliveryResult, Message};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer, ProducerContext, PurgeConfig};
use rdkafka::ClientContext;

use super::config::KafkaConfig;
use super::log::{LogLevel, LogSink, PluginLog, RateLimit};
use super::template::{RecordVars, Template, TemplateKind};

const BACKOFF_MIN: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(5);
/// librdkafka's queue is full (flow control, not a failure): try again this soon. Its queue
/// empties at the broker's speed, so the retry buffer drains at that speed too.
const QUEUE_FULL_WAIT: Duration = Duration::from_millis(5);
/// Messages moved from the retry buffer per lock hold: the plugin thread appending new
/// messages behind them waits for at most one chunk.
const SERVICE_CHUNK: usize = 2048;
/// librdkafka's queue is full while the plugin produces: wait for it to make room as long as
/// deliveries progress (flow control at speed); after this long without a delivery the broker
/// is in trouble and the message goes to the retry buffer instead.
const QUEUE_FULL_PATIENCE: Duration = Duration::from_secs(1);
/// Topic handles kept (a dynamic `kafka_topic` renders one per value): beyond it the cache is
/// emptied and refilled.
const MAX_TOPIC_HANDLES: usize = 1024;
const DROP_REPORT_EVERY: Duration = Duration::from_secs(10);
/// Per-message bookkeeping added to payload+key+topic when charging the retry buffer.
const PENDING_OVERHEAD: usize = 64;

/// Counter snapshot (SIGUSR1, metrics). Record counters count flow records (a multi-values
/// message carries several); markers count as messages only.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KafkaStats {
    /// Records handed to the writer.
    pub produced: u64,
    /// Records whose delivery the broker acknowledged.
    pub delivered: u64,
    /// Records in failed delivery reports or refused by librdkafka (each attempt counts).
    pub failed: u64,
    /// Records re-produced from the retry buffer.
    pub retried: u64,
    /// Records finally dropped (buffer full, permanent error, shutdown timeout).
    pub dropped: u64,
    /// Bytes and records currently in the retry buffer.
    pub buffered_bytes: u64,
    pub buffered_records: u64,
    pub messages_produced: u64,
    pub messages_delivered: u64,
    pub messages_dropped: u64,
    /// Messages librdkafka holds (queued or awaiting acknowledgement).
    pub in_flight_messages: u64,
}

/// One line for SIGUSR1 / logs: `key=value` pairs.
impl std::fmt::Display for KafkaStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "records produced={} delivered={} failed={} retried={} dropped={} buffered={} ({} bytes); messages produced={} delivered={} dropped={} in_flight={}",
            self.produced,
            self.delivered,
            self.failed,
            self.retried,
            self.dropped,
            self.buffered_records,
            self.buffered_bytes,
            self.messages_produced,
            self.messages_delivered,
            self.messages_dropped,
            self.in_flight_messages
        )
    }
}

/// What a shutdown flush achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlushReport {
    pub stats: KafkaStats,
    /// Records (messages) still undelivered when the flush timeout passed: now dropped.
    pub undelivered_records: u64,
    pub undelivered_messages: u64,
    pub elapsed: Duration,
}

#[derive(Default)]
struct Counters {
    produced: AtomicU64,
    delivered: AtomicU64,
    failed: AtomicU64,
    retried: AtomicU64,
    dropped: AtomicU64,
    messages_produced: AtomicU64,
    messages_delivered: AtomicU64,
    messages_dropped: AtomicU64,
}

fn add(c: &AtomicU64, n: u64) {
    c.fetch_add(n, Ordering::Relaxed);
}

/// A message kept for another attempt. Owned copies: the failure path may allocate.
struct Pending {
    topic: String,
    key: Option<Vec<u8>>,
    payload: Vec<u8>,
    records: usize,
}

impl Pending {
    fn size(&self) -> usize {
        self.payload.len()
            + self.key.as_ref().map_or(0, Vec::len)
            + self.topic.len()
            + PENDING_OVERHEAD
    }
}

struct RetryState {
    queue: VecDeque<Pending>,
    bytes: usize,
    records: usize,
    next_attempt: Instant,
    backoff: Duration,
    /// Messages to produce no earlier than a given time (the purge_close marker).
    delayed: VecDeque<(Instant, Pending)>,
}

struct DropReport {
    unreported_records: u64,
    unreported_messages: u64,
    last_reason: String,
    last_report: Option<Instant>,
}

struct Shared {
    log: PluginLog,
    counters: Counters,
    retry: Mutex<RetryState>,
    /// Mirrors `retry.queue.len() > 0` so the hot path checks it without the lock.
    retry_nonempty: AtomicBool,
    /// A "holding messages" warning was logged and no "drained" notice yet.
    buffering: AtomicBool,
    /// A delivery failed since the last successful one: the retry path is backing off.
    failing: AtomicBool,
    drops: Mutex<DropReport>,
    capacity: usize,
    partition: i32,
    /// Set at the end of shutdown: failed deliveries are then final.
    closing: AtomicBool,
    stop: AtomicBool,
    rd_log: RateLimit,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Errors where trying again cannot help.
fn is_permanent(code: Option<RDKafkaErrorCode>) -> bool {
    use RDKafkaErrorCode as E;
    matches!(
        code,
        Some(
            E::MessageSizeTooLarge
                | E::InvalidMessage
                | E::InvalidMessageSize
                | E::MessageBatchTooLarge
                | E::InvalidRecord
                | E::TopicAuthorizationFailed
                | E::ClusterAuthorizationFailed
                | E::InvalidArgument
                | E::UnknownPartition
                | E::InvalidTopic
                | E::Fatal
        )
    )
}

/// Hand one message to librdkafka (which copies it) on a topic handle; `records` rides along
/// as the delivery opaque (what [`Ctx::delivery`] receives, as rdkafka's `send` would pass).
fn produce(
    rkt: *mut rdsys::rd_kafka_topic_t,
    partition: i32,
    payload: &[u8],
    key: Option<&[u8]>,
    records: usize,
) -> Result<(), RDKafkaErrorCode> {
    let (key_ptr, key_len) = key.map_or((std::ptr::null(), 0), |k| (k.as_ptr(), k.len()));
    // SAFETY: rkt is a live handle of our producer; RD_KAFKA_MSG_F_COPY makes librdkafka copy
    // payload and key before returning, so the borrowed slices only need to live for the
    // call; the opaque is a plain integer, never dereferenced.
    let r = unsafe {
        rdsys::rd_kafka_produce(
            rkt,
            partition,
            rdsys::RD_KAFKA_MSG_F_COPY,
            payload.as_ptr() as *mut std::ffi::c_void,
            payload.len(),
            key_ptr as *const std::ffi::c_void,
            key_len,
            records as *mut std::ffi::c_void,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        // SAFETY: reads librdkafka's thread-local last error, set by the call above.
        Err(unsafe { rdsys::rd_kafka_last_error() }.into())
    }
}

impl Shared {
    fn drop_msg(&self, records: usize, reason: &str) {
        add(&self.counters.dropped, records as u64);
        add(&self.counters.messages_dropped, 1);
        let mut d = lock(&self.drops);
        d.unreported_records += records as u64;
        d.unreported_messages += 1;
        if d.last_reason != reason {
            d.last_reason.clear();
            d.last_reason.push_str(reason);
        }
        let first = d.last_report.is_none();
        drop(d);
        if first {
            self.report_drops(true);
        }
    }

    /// Log what was dropped since the last report (at most every 10 s unless forced).
    fn report_drops(&self, force: bool) {
        let mut d = lock(&self.drops);
        if d.unreported_messages == 0 {
            return;
        }
        if !force
            && d.last_report
                .is_some_and(|t| t.elapsed() < DROP_REPORT_EVERY)
        {
            return;
        }
        let msg = format!(
            "dropped {} records in {} messages ({}); {} records dropped in total",
            d.unreported_records,
            d.unreported_messages,
            d.last_reason,
            self.counters.dropped.load(Ordering::Relaxed)
        );
        d.unreported_records = 0;
        d.unreported_messages = 0;
        d.last_report = Some(Instant::now());
        drop(d);
        self.log.log(LogLevel::Error, &msg);
    }

    /// Keep a message for a later attempt, or drop it when the buffer is full.
    fn buffer(&self, p: Pending, reason: &str) {
        let size = p.size();
        let mut r = lock(&self.retry);
        if r.bytes + size > self.capacity {
            drop(r);
            self.drop_msg(
                p.records,
                &format!(
                    "retry buffer full ({} bytes) after: {reason}",
                    self.capacity
                ),
            );
            return;
        }
        let was_empty = r.queue.is_empty();
        r.bytes += size;
        r.records += p.records;
        r.queue.push_back(p);
        self.retry_nonempty.store(true, Ordering::Release);
        drop(r);
        if was_empty && !self.buffering.swap(true, Ordering::AcqRel) {
            self.log.log(
                LogLevel::Warn,
                &format!(
                    "Kafka delivery failing ({reason}): holding messages for retry (kafka_retry_buffer_size: {} bytes)",
                    self.capacity
                ),
            );
        }
    }

    /// Delivery failed (broker unreachable, timeout): wait before the next attempt, longer
    /// each time, until a delivery succeeds again ([`Shared::delivered_ok`]).
    fn back_off(&self, r: &mut RetryState) {
        self.failing.store(true, Ordering::Release);
        r.next_attempt = Instant::now() + r.backoff;
        r.backoff = (r.backoff * 2).min(BACKOFF_MAX);
    }

    /// librdkafka refused a message because its queue is full: not a broker failure, so no
    /// exponential back-off; try again as soon as it has made room.
    fn queue_full(r: &mut RetryState) {
        r.next_attempt = r.next_attempt.max(Instant::now() + QUEUE_FULL_WAIT);
    }

    /// A delivery succeeded: the broker is back, retry at once (cheap when not failing).
    fn delivered_ok(&self) {
        if self.failing.swap(false, Ordering::AcqRel) {
            let mut r = lock(&self.retry);
            r.backoff = BACKOFF_MIN;
            r.next_attempt = Instant::now();
        }
    }

    /// Buffer a message librdkafka refused with a retriable error.
    fn refused(&self, p: Pending, e: &KafkaError) {
        let full = e.rdkafka_error_code() == Some(RDKafkaErrorCode::QueueFull);
        self.buffer(p, &e.to_string());
        let mut r = lock(&self.retry);
        if full {
            Self::queue_full(&mut r);
        } else {
            self.back_off(&mut r);
        }
    }

    /// Move due messages from the retry buffer (and due delayed ones) back into librdkafka,
    /// a chunk per lock hold, until it is empty or librdkafka's queue is full.
    fn service(&self, producer: &BaseProducer<Ctx>, force: bool) {
        let now = Instant::now();
        let mut r = lock(&self.retry);
        while r.delayed.front().is_some_and(|(t, _)| force || *t <= now) {
            if let Some((_, p)) = r.delayed.pop_front() {
                if let Err((e, p)) = self.send_pending(producer, p) {
                    drop(r);
                    self.refused(p, &e);
                    r = lock(&self.retry);
                }
            }
        }
        if r.queue.is_empty() || (!force && now < r.next_attempt) {
            return;
        }
        let mut chunk: Vec<Pending> = Vec::with_capacity(SERVICE_CHUNK.min(r.queue.len()));
        loop {
            // Taken out under the lock, sent without it: `emit` keeps appending behind (the
            // queue stays non-empty for it until the chunk is in librdkafka, so order holds).
            let n = SERVICE_CHUNK.min(r.queue.len());
            chunk.extend(r.queue.drain(..n));
            let (bytes, records) = chunk
                .iter()
                .fold((0, 0), |(b, n), p| (b + p.size(), n + p.records));
            r.bytes -= bytes;
            r.records -= records;
            drop(r);
            let mut rest: Option<(KafkaError, Pending, std::vec::Drain<'_, Pending>)> = None;
            let mut it = chunk.drain(..);
            for p in it.by_ref() {
                let records = p.records;
                match self.send_pending(producer, p) {
                    Ok(()) => add(&self.counters.retried, records as u64),
                    Err((e, p)) if !is_permanent(e.rdkafka_error_code()) => {
                        add(&self.counters.failed, records as u64);
                        rest = Some((e, p, it));
                        break;
                    }
                    Err((e, _)) => self.drop_msg(records, &format!("permanent error: {e}")),
                }
            }
            r = lock(&self.retry);
            if let Some((e, refused, it)) = rest {
                // Put the refused message and the unsent remainder back in front, in order,
                // and wait.
                let mut left: Vec<Pending> = Vec::with_capacity(it.len() + 1);
                left.push(refused);
                left.extend(it);
                for p in left.into_iter().rev() {
                    r.bytes += p.size();
                    r.records += p.records;
                    r.queue.push_front(p);
                }
                if e.rdkafka_error_code() == Some(RDKafkaErrorCode::QueueFull) {
                    Self::queue_full(&mut r);
                } else {
                    self.back_off(&mut r);
                }
                return;
            }
            if r.queue.is_empty() {
                break;
            }
        }
        r.backoff = BACKOFF_MIN;
        self.retry_nonempty.store(false, Ordering::Release);
        drop(r);
        if self.buffering.swap(false, Ordering::AcqRel) {
            self.log.log(
                LogLevel::Info,
                "Kafka retry buffer drained: held messages handed back to librdkafka",
            );
        }
    }

    // The failure path hands the message back for buffering; size does not matter there.
    #[allow(clippy::result_large_err)]
    fn send_pending(
        &self,
        producer: &BaseProducer<Ctx>,
        p: Pending,
    ) -> Result<(), (KafkaError, Pending)> {
        let mut rec = BaseRecord::<[u8], [u8], usize>::with_opaque_to(&p.topic, p.records)
            .payload(&p.payload[..])
            .partition(self.partition);
        if let Some(k) = &p.key {
            rec = rec.key(&k[..]);
        }
        match producer.send(rec) {
            Ok(()) => Ok(()),
            Err((e, _)) => Err((e, p)),
        }
    }
}

/// librdkafka callbacks: delivery reports and its own log lines, into our counters and log.
pub struct Ctx {
    shared: Arc<Shared>,
}

impl ClientContext for Ctx {
    fn log(&self, level: RDKafkaLogLevel, fac: &str, log_message: &str) {
        let lvl = match level {
            RDKafkaLogLevel::Emerg
            | RDKafkaLogLevel::Alert
            | RDKafkaLogLevel::Critical
            | RDKafkaLogLevel::Error => LogLevel::Error,
            RDKafkaLogLevel::Warning => LogLevel::Warn,
            _ => LogLevel::Debug,
        };
        // Connection failures also arrive through `error()`: log them there only.
        if lvl == LogLevel::Debug || fac == "FAIL" {
            crate::log::plugin_log!(self.shared.log, Debug, "librdkafka {fac}: {log_message}");
        } else {
            let msg = format!("librdkafka {fac}: {log_message}");
            self.shared.rd_log.log(&self.shared.log, lvl, &msg);
        }
    }

    fn error(&self, error: KafkaError, reason: &str) {
        let msg = format!("librdkafka: {error}: {reason}");
        self.shared
            .rd_log
            .log(&self.shared.log, LogLevel::Warn, &msg);
    }
}

impl ProducerContext for Ctx {
    /// Number of flow records in the message.
    type DeliveryOpaque = usize;

    fn delivery(&self, result: &DeliveryResult<'_>, records: usize) {
        let s = &self.shared;
        match result {
            Ok(_) => {
                add(&s.counters.delivered, records as u64);
                add(&s.counters.messages_delivered, 1);
                s.delivered_ok();
            }
            Err((e, msg)) => {
                add(&s.counters.failed, records as u64);
                if s.closing.load(Ordering::Acquire) {
                    s.drop_msg(records, &format!("not delivered before shutdown: {e}"));
                } else if is_permanent(e.rdkafka_error_code()) {
                    s.drop_msg(records, &format!("permanent error: {e}"));
                } else {
                    let p = Pending {
                        topic: msg.topic().to_string(),
                        key: msg.key().map(<[u8]>::to_vec),
                        payload: msg.payload().map(<[u8]>::to_vec).unwrap_or_default(),
                        records,
                    };
                    s.buffer(p, &e.to_string());
                    s.back_off(&mut lock(&s.retry));
                }
            }
        }
    }
}

/// Error for a record the writer cannot take at all (it is counted as dropped and logged).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordTooLarge {
    pub len: usize,
    pub multi_values: usize,
}

impl std::fmt::Display for RecordTooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "kafka_multi_values not large enough to store JSON elements ({} bytes + newline, budget {})",
            self.len, self.multi_values
        )
    }
}

/// A librdkafka topic handle, looked up once per topic name: producing with it costs no topic
/// lookup by name and no C string per message (rdkafka's `BaseProducer::send` does both).
struct NativeTopic(*mut rdsys::rd_kafka_topic_t);

// SAFETY: librdkafka topic handles are reference counted and may be used from any thread.
unsafe impl Send for NativeTopic {}

impl Drop for NativeTopic {
    fn drop(&mut self) {
        // SAFETY: the handle came from rd_kafka_topic_new and is destroyed once, here; the
        // writer drops its handles before its producer (see `Drop for KafkaWriter`).
        unsafe { rdsys::rd_kafka_topic_destroy(self.0) }
    }
}

/// The Kafka writer of one plugin: topic/key/partition selection, multi-values framing,
/// topic round robin, and the no-loss transport. Produce calls never block.
pub struct KafkaWriter {
    producer: Arc<BaseProducer<Ctx>>,
    shared: Arc<Shared>,
    service: Option<JoinHandle<()>>,
    flush_timeout: Duration,
    topic: Template,
    topic_static: Option<String>,
    key: Option<Template>,
    key_static: Option<Vec<u8>>,
    multi_values: usize,
    topic_rr: u32,
    rr_next: u32,
    writer_id: String,
    // Reused per message: no allocation per record on the hot path.
    topic_buf: String,
    key_buf: String,
    mv_buf: Vec<u8>,
    mv_records: usize,
    mv_vars: RecordVars,
    /// The key or the topic depends on the record: multi-values keep the last one's vars.
    vars_used: bool,
    topics: HashMap<String, NativeTopic>,
    /// The topic of the last message and its handle (one of `topics`): a static topic costs
    /// a string compare per message, not a hash lookup.
    last_topic: String,
    last_rkt: Option<TopicRef>,
}

/// A borrowed topic handle (owned by a [`NativeTopic`] in `KafkaWriter::topics`).
#[derive(Clone, Copy)]
struct TopicRef(*mut rdsys::rd_kafka_topic_t);

// SAFETY: as for NativeTopic; the writer clears it whenever the handle it points to is
// destroyed (`topics.clear()`).
unsafe impl Send for TopicRef {}

impl KafkaWriter {
    /// Validate `cfg`, build the librdkafka producer and start the service thread (delivery
    /// reports, retries). Connecting happens in the background: a broker that is down now
    /// is not an error.
    pub fn new(cfg: &KafkaConfig, sink: LogSink) -> Result<KafkaWriter, String> {
        cfg.validate()?;
        let client_config = cfg.client_config()?;
        let log = PluginLog::new(&cfg.plugin_name, "kafka", sink);
        if let Some(path) = cfg.unopenable_config_file() {
            let path = path.display();
            for what in ["global config", "topic configuration"] {
                crate::log::plugin_log!(
                    log,
                    Warn,
                    "[{path}] file not found. librdkafka {what} not loaded."
                );
            }
        }
        let shared = Arc::new(Shared {
            log: log.clone(),
            counters: Counters::default(),
            retry: Mutex::new(RetryState {
                queue: VecDeque::new(),
                bytes: 0,
                records: 0,
                next_attempt: Instant::now(),
                backoff: BACKOFF_MIN,
                delayed: VecDeque::new(),
            }),
            retry_nonempty: AtomicBool::new(false),
            buffering: AtomicBool::new(false),
            failing: AtomicBool::new(false),
            drops: Mutex::new(DropReport {
                unreported_records: 0,
                unreported_messages: 0,
                last_reason: String::new(),
                last_report: None,
            }),
            capacity: cfg.retry_buffer_size,
            partition: cfg.effective_partition(),
            closing: AtomicBool::new(false),
            stop: AtomicBool::new(false),
            rd_log: RateLimit::new(Duration::from_secs(10), 5),
        });
        let producer: BaseProducer<Ctx> = client_config
            .create_with_context(Ctx {
                shared: shared.clone(),
            })
            .map_err(|e| format!("cannot create the Kafka producer: {e}"))?;
        let producer = Arc::new(producer);
        let service = {
            let (producer, shared) = (producer.clone(), shared.clone());
            std::thread::Builder::new()
                .name(format!("kafka-{}", cfg.plugin_name))
                .spawn(move || {
                    while !shared.stop.load(Ordering::Acquire) {
                        producer.poll(Duration::from_millis(100));
                        shared.service(&producer, false);
                        shared.report_drops(false);
                    }
                })
                .map_err(|e| format!("cannot start the Kafka service thread: {e}"))?
        };
        let topic = Template::parse(&cfg.topic, TemplateKind::Topic, cfg.post_tag, cfg.post_tag2);
        let topic_static = (!Template::is_dynamic_str(&cfg.topic)).then(|| cfg.topic.clone());
        let (key, key_static) = match &cfg.partition_key {
            Some(k) if Template::is_dynamic_str(k) => (
                Some(Template::parse(
                    k,
                    TemplateKind::PartitionKey,
                    cfg.post_tag,
                    cfg.post_tag2,
                )),
                None,
            ),
            Some(k) => (None, Some(k.as_bytes().to_vec())),
            None => (None, None),
        };
        Ok(KafkaWriter {
            producer,
            shared,
            service: Some(service),
            flush_timeout: cfg.flush_timeout,
            topic,
            topic_static,
            key,
            key_static,
            multi_values: cfg.multi_values,
            topic_rr: cfg.topic_rr,
            rr_next: 0,
            writer_id: format!("{}/{}", cfg.plugin_name, std::process::id()),
            topic_buf: String::new(),
            key_buf: String::new(),
            mv_buf: Vec::with_capacity(cfg.multi_values),
            mv_records: 0,
            mv_vars: RecordVars::default(),
            vars_used: Template::is_dynamic_str(&cfg.topic)
                || cfg
                    .partition_key
                    .as_deref()
                    .is_some_and(Template::is_dynamic_str),
            topics: HashMap::new(),
            last_topic: String::new(),
            last_rkt: None,
        })
    }

    /// `<plugin name>/<pid>`: pmacct's `writer_id`. We have no forked writer, so the PID is
    /// the daemon's and stays the same across purges.
    pub fn writer_id(&self) -> &str {
        &self.writer_id
    }

    pub fn log(&self, level: LogLevel, msg: &str) {
        self.shared.log.log(level, msg)
    }

    pub fn stats(&self) -> KafkaStats {
        let c = &self.shared.counters;
        let r = lock(&self.shared.retry);
        let (bytes, records) = (r.bytes as u64, r.records as u64);
        drop(r);
        KafkaStats {
            produced: c.produced.load(Ordering::Relaxed),
            delivered: c.delivered.load(Ordering::Relaxed),
            failed: c.failed.load(Ordering::Relaxed),
            retried: c.retried.load(Ordering::Relaxed),
            dropped: c.dropped.load(Ordering::Relaxed),
            buffered_bytes: bytes,
            buffered_records: records,
            messages_produced: c.messages_produced.load(Ordering::Relaxed),
            messages_delivered: c.messages_delivered.load(Ordering::Relaxed),
            messages_dropped: c.messages_dropped.load(Ordering::Relaxed),
            in_flight_messages: self.producer.in_flight_count().max(0) as u64,
        }
    }

    /// One record (a JSON object; a trailing newline is ignored). Without multi-values it
    /// becomes one message now; with them it joins the current batch.
    pub fn write_record(&mut self, obj: &[u8], vars: &RecordVars) -> Result<(), RecordTooLarge> {
        let obj = obj.strip_suffix(b"\n").unwrap_or(obj);
        if self.multi_values == 0 {
            self.emit(obj, vars, 1, None);
            return Ok(());
        }
        // pmacct's arithmetic: the object plus its newline must be strictly smaller than
        // the room left (its buffer also holds a terminating NUL).
        let need = obj.len() + 1;
        if need >= self.multi_values {
            add(&self.shared.counters.produced, 1);
            let e = RecordTooLarge {
                len: obj.len(),
                multi_values: self.multi_values,
            };
            self.shared.drop_msg(1, &e.to_string());
            return Err(e);
        }
        if need >= self.multi_values - self.mv_buf.len() {
            self.flush_batch();
        }
        self.mv_buf.extend_from_slice(obj);
        self.mv_buf.push(b'\n');
        self.mv_records += 1;
        if self.vars_used {
            self.mv_vars = *vars;
        }
        Ok(())
    }

    /// One JSON record that `encode` appends to the buffer it is given: without multi-values
    /// `buf` (cleared first), then [`KafkaWriter::write_record`]; with them the batch message
    /// itself, so the record is encoded straight into the message and never copied (only
    /// when it does not fit any more is it moved to the front of the next message).
    pub fn write_record_with(
        &mut self,
        buf: &mut Vec<u8>,
        vars: &RecordVars,
        encode: impl FnOnce(&mut Vec<u8>),
    ) -> Result<(), RecordTooLarge> {
        if self.multi_values == 0 {
            buf.clear();
            encode(buf);
            return self.write_record(buf, vars);
        }
        let start = self.mv_buf.len();
        encode(&mut self.mv_buf);
        if self.mv_buf.last() == Some(&b'\n') {
            self.mv_buf.pop();
        }
        let len = self.mv_buf.len() - start;
        // pmacct's arithmetic, as in write_record: object + newline strictly smaller than the
        // room left before it.
        if len + 1 >= self.multi_values {
            self.mv_buf.truncate(start);
            add(&self.shared.counters.produced, 1);
            let e = RecordTooLarge {
                len,
                multi_values: self.multi_values,
            };
            self.shared.drop_msg(1, &e.to_string());
            return Err(e);
        }
        self.mv_buf.push(b'\n');
        if start > 0 && len + 1 >= self.multi_values - start {
            // The batch before this record goes out; the record starts the next one.
            let mut full = std::mem::take(&mut self.mv_buf);
            let batch_vars = self.mv_vars;
            self.emit(&full[..start], &batch_vars, self.mv_records, None);
            full.copy_within(start.., 0);
            full.truncate(len + 1);
            self.mv_buf = full;
            self.mv_records = 0;
        }
        self.mv_records += 1;
        if self.vars_used {
            self.mv_vars = *vars;
        }
        Ok(())
    }

    /// One binary record (Avro) as its own message: unlike [`KafkaWriter::write_record`]
    /// nothing is stripped (a datum may end in a newline byte) and it is never batched.
    pub fn write_binary_record(&mut self, obj: &[u8], vars: &RecordVars) {
        self.emit(obj, vars, 1, None);
    }

    /// A marker (purge_init / purge_close): its own message, never batched, not a record.
    /// `delay` holds it back without blocking the caller (pmacct sleeps 1 s before
    /// purge_close so it lands after the records).
    pub fn write_marker(&mut self, obj: &[u8], vars: &RecordVars, delay: Duration) {
        let obj = obj.strip_suffix(b"\n").unwrap_or(obj);
        if delay.is_zero() {
            self.emit(obj, vars, 0, None);
        } else {
            self.emit(obj, vars, 0, Some(Instant::now() + delay));
        }
    }

    /// Produce what a multi-values batch holds (end of purge).
    pub fn flush_batch(&mut self) {
        if self.mv_buf.is_empty() {
            return;
        }
        let buf = std::mem::take(&mut self.mv_buf);
        let vars = self.mv_vars;
        self.emit(&buf, &vars, self.mv_records, None);
        self.mv_buf = buf;
        self.mv_buf.clear();
        self.mv_records = 0;
    }

    fn next_topic(&mut self, vars: &RecordVars) {
        self.topic_buf.clear();
        if self.topic_rr > 0 {
            use std::fmt::Write;
            let _ = write!(
                self.topic_buf,
                "{}_{}",
                self.topic_static.as_deref().unwrap_or(""),
                self.rr_next
            );
            self.rr_next = (self.rr_next + 1) % self.topic_rr;
        } else if let Some(t) = &self.topic_static {
            self.topic_buf.push_str(t);
        } else {
            self.topic.render(vars, &mut self.topic_buf);
        }
    }

    fn emit(
        &mut self,
        payload: &[u8],
        vars: &RecordVars,
        records: usize,
        not_before: Option<Instant>,
    ) {
        self.next_topic(vars);
        let rkt = self.topic_handle();
        let key: Option<&[u8]> = if let Some(t) = &self.key {
            t.render(vars, &mut self.key_buf);
            Some(self.key_buf.as_bytes())
        } else {
            self.key_static.as_deref()
        };
        self.produce(rkt, payload, key, records, not_before);
    }

    /// One JSON object to `topic` with partition key `key`, for callers that choose both per
    /// message (the BGP/BMP message logs and dumps, whose topics expand the peer's address);
    /// `kafka_topic_rr` still rotates. Never batched, never blocks.
    pub fn write_to(&mut self, topic: &str, key: Option<&[u8]>, obj: &[u8]) {
        let obj = obj.strip_suffix(b"\n").unwrap_or(obj);
        self.topic_buf.clear();
        self.topic_buf.push_str(topic);
        if self.topic_rr > 0 {
            use std::fmt::Write;
            let _ = write!(self.topic_buf, "_{}", self.rr_next);
            self.rr_next = (self.rr_next + 1) % self.topic_rr;
        }
        let rkt = self.topic_handle();
        self.produce(rkt, obj, key, 1, None);
    }

    /// Produce `payload` to the topic in `topic_buf`, whose handle is `rkt` (or hold it in
    /// the retry buffer).
    fn produce(
        &self,
        rkt: Option<*mut rdsys::rd_kafka_topic_t>,
        payload: &[u8],
        key: Option<&[u8]>,
        records: usize,
        not_before: Option<Instant>,
    ) {
        let s = &self.shared;
        add(&s.counters.produced, records as u64);
        add(&s.counters.messages_produced, 1);
        let own = || Pending {
            topic: self.topic_buf.clone(),
            key: key.map(<[u8]>::to_vec),
            payload: payload.to_vec(),
            records,
        };
        if let Some(t) = not_before {
            lock(&s.retry).delayed.push_back((t, own()));
            return;
        }
        // Keep rough order during an outage: while older messages wait, new ones queue
        // behind them instead of overtaking them into librdkafka.
        if s.retry_nonempty.load(Ordering::Acquire) {
            s.buffer(own(), "earlier messages still waiting");
            return;
        }
        let Some(rkt) = rkt else {
            // librdkafka refused the topic name (it cannot be produced to at all).
            s.drop_msg(records, &format!("invalid topic {:?}", self.topic_buf));
            return;
        };
        let mut result = produce(rkt, s.partition, payload, key, records);
        if result == Err(RDKafkaErrorCode::QueueFull) {
            // Flow control, not a failure: librdkafka makes room as the broker acknowledges.
            // Wait for it while deliveries progress (serving delivery reports here too).
            let mut seen = s.counters.messages_delivered.load(Ordering::Relaxed);
            let mut progress = Instant::now();
            while result == Err(RDKafkaErrorCode::QueueFull)
                && progress.elapsed() < QUEUE_FULL_PATIENCE
            {
                self.producer.poll(Duration::from_millis(1));
                let now = s.counters.messages_delivered.load(Ordering::Relaxed);
                if now != seen {
                    seen = now;
                    progress = Instant::now();
                }
                result = produce(rkt, s.partition, payload, key, records);
            }
        }
        if let Err(code) = result {
            let e = KafkaError::MessageProduction(code);
            add(&s.counters.failed, records as u64);
            if is_permanent(Some(code)) {
                s.drop_msg(records, &format!("permanent error: {e}"));
            } else {
                s.refused(own(), &e);
            }
        }
    }

    /// The librdkafka handle of the topic in `topic_buf`, created on first use.
    fn topic_handle(&mut self) -> Option<*mut rdsys::rd_kafka_topic_t> {
        if let Some(t) = self.last_rkt {
            if self.last_topic == self.topic_buf {
                return Some(t.0);
            }
        }
        let rkt = self.lookup_topic();
        self.last_topic.clear();
        self.last_topic.push_str(&self.topic_buf);
        self.last_rkt = rkt.map(TopicRef);
        rkt
    }

    fn lookup_topic(&mut self) -> Option<*mut rdsys::rd_kafka_topic_t> {
        if let Some(t) = self.topics.get(self.topic_buf.as_str()) {
            return Some(t.0);
        }
        if self.topics.len() >= MAX_TOPIC_HANDLES {
            // `last_rkt` is one of them: it is replaced by this lookup's result.
            self.topics.clear();
        }
        let name = CString::new(self.topic_buf.as_bytes()).ok()?;
        // SAFETY: the producer outlives its topic handles (dropped first, see `Drop for
        // KafkaWriter`); a null configuration means the default topic configuration
        // (kafka_config_file's topic lines); librdkafka copies the name.
        let rkt = unsafe {
            rdsys::rd_kafka_topic_new(
                self.producer.client().native_ptr(),
                name.as_ptr(),
                std::ptr::null_mut(),
            )
        };
        if rkt.is_null() {
            return None;
        }
        self.topics.insert(self.topic_buf.clone(), NativeTopic(rkt));
        Some(rkt)
    }

    /// Wait up to `timeout` for everything produced so far (retry buffer included) to be
    /// acknowledged. Returns true when nothing is left in flight.
    pub fn flush(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            self.shared.service(&self.producer, true);
            let idle = !self.shared.retry_nonempty.load(Ordering::Acquire)
                && lock(&self.shared.retry).delayed.is_empty()
                && self.producer.in_flight_count() == 0;
            if idle {
                return true;
            }
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            let _ = self
                .producer
                .flush((deadline - now).min(Duration::from_millis(100)));
        }
    }

    /// Shutdown: send the pending batch, wait up to `kafka_flush_timeout` for delivery, then
    /// drop (count and log) whatever is still undelivered.
    pub fn close(mut self) -> FlushReport {
        self.shutdown()
    }

    fn shutdown(&mut self) -> FlushReport {
        let started = Instant::now();
        self.flush_batch();
        self.shared.stop.store(true, Ordering::Release);
        if let Some(h) = self.service.take() {
            let _ = h.join();
        }
        let done = self.flush(self.flush_timeout);
        let before = self.stats();
        let mut undelivered_records = 0;
        let mut undelivered_messages = 0;
        if !done {
            // Everything still held now is final: purge librdkafka's queues (their delivery
            // reports count as drops) and empty the retry buffer.
            self.shared.closing.store(true, Ordering::Release);
            self.producer
                .purge(PurgeConfig::default().queue().inflight());
            let _ = self.producer.flush(Duration::from_millis(500));
            let pending: Vec<Pending> = {
                let mut guard = lock(&self.shared.retry);
                let r = &mut *guard;
                r.bytes = 0;
                r.records = 0;
                r.queue
                    .drain(..)
                    .chain(r.delayed.drain(..).map(|(_, p)| p))
                    .collect()
            };
            self.shared.retry_nonempty.store(false, Ordering::Release);
            for p in pending {
                self.shared
                    .drop_msg(p.records, "not delivered before shutdown");
            }
            let after = self.stats();
            undelivered_records = after.dropped - before.dropped;
            undelivered_messages = after.messages_dropped - before.messages_dropped;
        }
        self.shared.report_drops(true);
        let stats = self.stats();
        let level = if undelivered_messages > 0 {
            LogLevel::Error
        } else {
            LogLevel::Info
        };
        self.shared.log.log(
            level,
            &format!(
                "Kafka writer closed: produced {} delivered {} dropped {} retried {} records; {} records ({} messages) undelivered at shutdown after {:.1} s",
                stats.produced,
                stats.delivered,
                stats.dropped,
                stats.retried,
                undelivered_records,
                undelivered_messages,
                started.elapsed().as_secs_f64()
            ),
        );
        FlushReport {
            stats,
            undelivered_records,
            undelivered_messages,
            elapsed: started.elapsed(),
        }
    }
}

impl Drop for KafkaWriter {
    fn drop(&mut self) {
        if self.service.is_some() {
            self.shutdown();
        }
        // Topic handles go before the producer (the `producer` field is dropped after this).
        self.last_rkt = None;
        self.topics.clear();
    }
}
