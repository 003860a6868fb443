//! The AMQP transport: messages of a purge go into a bounded buffer that a publisher thread
//! owns; it keeps one connection and channel (in confirm mode) to the broker, publishes a
//! window of messages, waits for the broker's confirms, and only then forgets them. A broker
//! that is down, restarting or refusing keeps the messages in the buffer (bounded in bytes
//! by `amqp_retry_buffer_size`) while the thread reconnects with backoff and republishes them
//! in order. A message is dropped only when the buffer is full or shutdown's flush timeout
//! passes; every drop is counted and logged (at most one line per 10 s, and always at close).
//!
//! The plugin thread never waits for the network: records of a purge are collected locally
//! and handed over in batches (one lock per batch), and spent message buffers come back
//! to it for reuse, so steady state allocates nothing per record.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use futures_lite::future::{block_on, poll_once};
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions, ExchangeDeclareOptions};
use lapin::types::FieldTable;
use lapin::uri::{AMQPAuthority, AMQPQueryString, AMQPScheme, AMQPUri, AMQPUserInfo};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties, ExchangeKind};

use super::config::AmqpConfig;
use crate::kafka::log::RateLimit;
use crate::kafka::template::{RecordVars, Template, TemplateKind};
use crate::log::{Level, LogSink, PluginLog};

const BACKOFF_MIN: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(5);
const DROP_REPORT_EVERY: Duration = Duration::from_secs(10);
/// Messages published before waiting for their confirms.
const WINDOW: usize = 8192;
/// Messages the plugin thread collects before handing them over.
const HANDOVER: usize = 512;
/// Spent messages kept for reuse at most (their buffers stay allocated).
const FREE_MAX: usize = 4 * WINDOW;
/// Bookkeeping charged per message beside payload and routing key.
const MSG_OVERHEAD: usize = 64;

/// Counter snapshot (SIGUSR1, metrics). Record counters count flow records (a multi-values
/// message carries several); markers count as messages only.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AmqpStats {
    /// Records handed to the writer.
    pub produced: u64,
    /// Records whose messages the broker confirmed.
    pub delivered: u64,
    /// Records in messages the broker nacked or that were in flight when the connection
    /// failed (each attempt counts); they are republished.
    pub failed: u64,
    /// Records republished after a failure.
    pub retried: u64,
    /// Records finally dropped (buffer full, shutdown timeout).
    pub dropped: u64,
    /// Records waiting in the buffer now (not yet confirmed).
    pub buffered_records: u64,
    pub buffered_bytes: u64,
    pub messages_produced: u64,
    pub messages_delivered: u64,
    pub messages_dropped: u64,
    /// Connections opened to the broker (the first one included).
    pub connects: u64,
}

/// What [`AmqpWriter::close`] achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlushReport {
    pub stats: AmqpStats,
    pub undelivered_records: u64,
    pub undelivered_messages: u64,
    pub elapsed: Duration,
}

/// A record larger than `amqp_multi_values`: pmacct exits; we drop it (counted, logged).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordTooLarge {
    pub len: usize,
    pub multi_values: usize,
}

impl std::fmt::Display for RecordTooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "amqp_multi_values not large enough to store JSON elements ({} bytes, amqp_multi_values {}): record dropped.",
            self.len, self.multi_values
        )
    }
}

/// One message: routing key, body, and how many records it carries.
#[derive(Default)]
struct Msg {
    routing_key: String,
    payload: Vec<u8>,
    records: usize,
    /// Published (and failed) before: counts as a retry when published again.
    attempts: u32,
}

impl Msg {
    fn cost(&self) -> usize {
        self.payload.len() + self.routing_key.len() + MSG_OVERHEAD
    }
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
    connects: AtomicU64,
}

fn add(c: &AtomicU64, n: u64) {
    c.fetch_add(n, Ordering::Relaxed);
}

/// The buffer between the plugin thread and the publisher thread.
#[derive(Default)]
struct Queue {
    msgs: VecDeque<Msg>,
    bytes: usize,
    records: usize,
    /// Spent messages, for the plugin thread to reuse.
    free: Vec<Msg>,
    /// Messages taken by the publisher thread and not yet confirmed.
    in_flight_records: usize,
    in_flight_bytes: usize,
}

struct DropReport {
    records: u64,
    messages: u64,
    last_reason: String,
    last_report: Option<Instant>,
}

struct Shared {
    log: PluginLog,
    counters: Counters,
    queue: Mutex<Queue>,
    wake: Condvar,
    capacity: usize,
    drops: Mutex<DropReport>,
    conn_log: RateLimit,
    /// Set by close: deliver what is left, then stop.
    closing: AtomicBool,
    /// Give up now: whatever is still buffered is dropped.
    abort: AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    fn drop_msgs(&self, records: u64, messages: u64, reason: &str) {
        add(&self.counters.dropped, records);
        add(&self.counters.messages_dropped, messages);
        let mut d = lock(&self.drops);
        d.records += records;
        d.messages += messages;
        if d.last_reason != reason {
            d.last_reason.clear();
            d.last_reason.push_str(reason);
        }
    }

    /// Log what was dropped since the last report: at most every 10 s, or now if `force`.
    fn report_drops(&self, force: bool) {
        let mut d = lock(&self.drops);
        if d.messages == 0 {
            return;
        }
        let due = d
            .last_report
            .is_none_or(|t| t.elapsed() >= DROP_REPORT_EVERY);
        if !force && !due {
            return;
        }
        self.log.log(
            Level::Error,
            &format!(
                "dropped {} records ({} messages) not delivered to RabbitMQ: {}",
                d.records, d.messages, d.last_reason
            ),
        );
        d.records = 0;
        d.messages = 0;
        d.last_report = Some(Instant::now());
    }

    /// Take the messages of a batch into the buffer; what does not fit is dropped.
    fn enqueue(&self, batch: &mut Vec<Msg>) {
        if batch.is_empty() {
            return;
        }
        let (mut over_r, mut over_m) = (0u64, 0u64);
        {
            let mut q = lock(&self.queue);
            for m in batch.drain(..) {
                let cost = m.cost();
                if q.bytes + q.in_flight_bytes + cost > self.capacity {
                    over_r += m.records as u64;
                    over_m += 1;
                    if q.free.len() < FREE_MAX {
                        q.free.push(m);
                    }
                    continue;
                }
                q.bytes += cost;
                q.records += m.records;
                q.msgs.push_back(m);
            }
        }
        self.wake.notify_one();
        if over_m > 0 {
            self.drop_msgs(over_r, over_m, "amqp_retry_buffer_size full");
            self.report_drops(false);
        }
    }
}

/// Connection parameters the publisher thread needs.
struct Target {
    uri: AMQPUri,
    exchange: String,
    kind: ExchangeKind,
    durable: bool,
    props: BasicProperties,
}

/// The plugin thread's handle on the transport.
pub struct AmqpWriter {
    shared: Arc<Shared>,
    publisher: Option<JoinHandle<()>>,
    flush_timeout: Duration,
    routing_key: Template,
    routing_key_static: Option<String>,
    routing_key_rr: u32,
    rr_next: u32,
    /// Routing key of the last record message of the purge (markers and the final
    /// multi-values batch reuse it, as 1.7.7 does).
    last_key: String,
    multi_values: usize,
    mv_buf: Vec<u8>,
    mv_records: usize,
    writer_id: String,
    /// Messages collected for the next handover.
    batch: Vec<Msg>,
    /// Spent messages to refill.
    spare: Vec<Msg>,
}

impl AmqpWriter {
    /// Start the publisher thread. Connecting happens there: a broker that is down now is
    /// not an error (messages wait in the buffer).
    pub fn new(cfg: &AmqpConfig, sink: LogSink) -> Result<AmqpWriter, String> {
        cfg.validate()?;
        let log = PluginLog::new(&cfg.plugin_name, "amqp", sink);
        let shared = Arc::new(Shared {
            log,
            counters: Counters::default(),
            queue: Mutex::new(Queue::default()),
            wake: Condvar::new(),
            capacity: cfg.retry_buffer_size,
            drops: Mutex::new(DropReport {
                records: 0,
                messages: 0,
                last_reason: String::new(),
                last_report: None,
            }),
            conn_log: RateLimit::new(Duration::from_secs(10), 3),
            closing: AtomicBool::new(false),
            abort: AtomicBool::new(false),
        });
        let target = Target {
            uri: AMQPUri {
                scheme: AMQPScheme::AMQP,
                authority: AMQPAuthority {
                    userinfo: AMQPUserInfo {
                        username: cfg.user.clone(),
                        password: cfg.passwd.clone(),
                    },
                    host: cfg.host.clone(),
                    port: cfg.port,
                },
                vhost: cfg.vhost.clone(),
                query: AMQPQueryString {
                    frame_max: Some(cfg.frame_max),
                    heartbeat: Some(cfg.heartbeat_interval),
                    connection_timeout: Some(10_000),
                    ..Default::default()
                },
            },
            exchange: cfg.exchange.clone(),
            kind: match cfg.exchange_type.as_str() {
                "direct" => ExchangeKind::Direct,
                "fanout" => ExchangeKind::Fanout,
                "topic" => ExchangeKind::Topic,
                "headers" => ExchangeKind::Headers,
                other => ExchangeKind::Custom(other.to_string()),
            },
            durable: cfg.persistent_msg,
            props: {
                // 1.7.7: content type always, delivery mode 2 with amqp_persistent_msg.
                let p = BasicProperties::default().with_content_type("application/json".into());
                if cfg.persistent_msg {
                    p.with_delivery_mode(2)
                } else {
                    p
                }
            },
        };
        let publisher = {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name(format!("amqp-{}", cfg.plugin_name))
                .spawn(move || publisher(&shared, &target))
                .map_err(|e| format!("cannot start the AMQP publisher thread: {e}"))?
        };
        let routing_key_static =
            (!Template::is_dynamic_str(&cfg.routing_key)).then(|| cfg.routing_key.clone());
        Ok(AmqpWriter {
            shared,
            publisher: Some(publisher),
            flush_timeout: cfg.flush_timeout,
            routing_key: Template::parse(
                &cfg.routing_key,
                TemplateKind::Topic,
                cfg.post_tag,
                cfg.post_tag2,
            ),
            routing_key_static,
            routing_key_rr: cfg.routing_key_rr,
            rr_next: 0,
            last_key: String::new(),
            multi_values: cfg.multi_values,
            mv_buf: Vec::with_capacity(cfg.multi_values),
            mv_records: 0,
            writer_id: format!("{}/{}", cfg.plugin_name, std::process::id()),
            batch: Vec::with_capacity(HANDOVER),
            spare: Vec::new(),
        })
    }

    /// `<plugin name>/<pid>`: pmacct's `writer_id` (our PID stays the daemon's).
    pub fn writer_id(&self) -> &str {
        &self.writer_id
    }

    pub fn stats(&self) -> AmqpStats {
        let c = &self.shared.counters;
        let q = lock(&self.shared.queue);
        let (records, bytes) = (
            (q.records + q.in_flight_records) as u64,
            (q.bytes + q.in_flight_bytes) as u64,
        );
        drop(q);
        AmqpStats {
            produced: c.produced.load(Ordering::Relaxed),
            delivered: c.delivered.load(Ordering::Relaxed),
            failed: c.failed.load(Ordering::Relaxed),
            retried: c.retried.load(Ordering::Relaxed),
            dropped: c.dropped.load(Ordering::Relaxed),
            buffered_records: records,
            buffered_bytes: bytes,
            messages_produced: c.messages_produced.load(Ordering::Relaxed),
            messages_delivered: c.messages_delivered.load(Ordering::Relaxed),
            messages_dropped: c.messages_dropped.load(Ordering::Relaxed),
            connects: c.connects.load(Ordering::Relaxed),
        }
    }

    /// A new purge: 1.7.7's writer starts its round robin over at `<key>_0`.
    pub fn begin_purge(&mut self) {
        self.rr_next = 0;
        if self.routing_key_rr > 0 {
            self.last_key.clear();
            let _ = write!(
                self.last_key,
                "{}_0",
                self.routing_key_static.as_deref().unwrap_or("")
            );
        } else if let Some(k) = &self.routing_key_static {
            self.last_key.clone_from(k);
        }
    }

    /// One record (a JSON object; a trailing newline is ignored): its own message, or
    /// joined to the current multi-values batch.
    pub fn write_record(&mut self, obj: &[u8], vars: &RecordVars) -> Result<(), RecordTooLarge> {
        let obj = obj.strip_suffix(b"\n").unwrap_or(obj);
        if self.multi_values == 0 {
            self.next_key(vars);
            self.emit(obj, 1);
            return Ok(());
        }
        // 1.7.7: the object plus newline must be strictly smaller than the room left.
        let need = obj.len() + 1;
        if need >= self.multi_values {
            add(&self.shared.counters.produced, 1);
            let e = RecordTooLarge {
                len: obj.len(),
                multi_values: self.multi_values,
            };
            self.shared.drop_msgs(1, 1, &e.to_string());
            return Err(e);
        }
        if need >= self.multi_values - self.mv_buf.len() {
            // A full batch goes out under the next round-robin key, as in 1.7.7.
            self.next_key(vars);
            self.emit_batch();
        }
        self.mv_buf.extend_from_slice(obj);
        self.mv_buf.push(b'\n');
        self.mv_records += 1;
        Ok(())
    }

    /// One JSON object under `routing_key`, for callers that choose it per message (the
    /// BGP/BMP message logs and dumps, whose keys expand the peer's address);
    /// `amqp_routing_key_rr` still rotates. Collected until [`AmqpWriter::hand_over`].
    pub fn write_to(&mut self, routing_key: &str, obj: &[u8]) {
        let obj = obj.strip_suffix(b"\n").unwrap_or(obj);
        self.last_key.clear();
        self.last_key.push_str(routing_key);
        if self.routing_key_rr > 0 {
            let _ = write!(self.last_key, "_{}", self.rr_next);
            self.rr_next = (self.rr_next + 1) % self.routing_key_rr;
        }
        self.emit(obj, 1);
    }

    /// A marker (purge_init / purge_close): its own message under the purge's current key.
    pub fn write_marker(&mut self, obj: &[u8], vars: &RecordVars) {
        let obj = obj.strip_suffix(b"\n").unwrap_or(obj);
        if self.routing_key_static.is_none() && self.routing_key_rr == 0 {
            self.routing_key.render(vars, &mut self.last_key);
        }
        self.emit(obj, 0);
    }

    /// End of the purge's records: the last multi-values batch (under the current key, no
    /// round-robin step: 1.7.7 does the same), then everything goes to the publisher.
    pub fn end_records(&mut self) {
        self.emit_batch();
        self.hand_over();
    }

    /// Hand what was collected to the publisher thread.
    pub fn hand_over(&mut self) {
        self.shared.enqueue(&mut self.batch);
        if self.spare.is_empty() {
            let mut q = lock(&self.shared.queue);
            std::mem::swap(&mut self.spare, &mut q.free);
        }
    }

    fn emit_batch(&mut self) {
        if self.mv_buf.is_empty() {
            return;
        }
        let buf = std::mem::take(&mut self.mv_buf);
        self.emit(&buf, self.mv_records);
        self.mv_buf = buf;
        self.mv_buf.clear();
        self.mv_records = 0;
    }

    fn next_key(&mut self, vars: &RecordVars) {
        if self.routing_key_rr > 0 {
            self.last_key.clear();
            let _ = write!(
                self.last_key,
                "{}_{}",
                self.routing_key_static.as_deref().unwrap_or(""),
                self.rr_next
            );
            self.rr_next = (self.rr_next + 1) % self.routing_key_rr;
        } else if self.routing_key_static.is_none() {
            self.routing_key.render(vars, &mut self.last_key);
        }
    }

    fn emit(&mut self, payload: &[u8], records: usize) {
        let mut m = self.spare.pop().unwrap_or_default();
        m.routing_key.clear();
        m.routing_key.push_str(&self.last_key);
        m.payload.clear();
        m.payload.extend_from_slice(payload);
        m.records = records;
        m.attempts = 0;
        let c = &self.shared.counters;
        add(&c.produced, records as u64);
        add(&c.messages_produced, 1);
        self.batch.push(m);
        if self.batch.len() >= HANDOVER {
            self.hand_over();
        }
    }

    /// Shutdown: hand over what is collected, wait up to `amqp_flush_timeout` for the
    /// broker's confirms, then drop (count and log) what is still unconfirmed.
    pub fn close(mut self) -> FlushReport {
        self.shutdown()
    }

    fn shutdown(&mut self) -> FlushReport {
        let started = Instant::now();
        self.end_records();
        let s = &self.shared;
        s.closing.store(true, Ordering::Release);
        s.wake.notify_all();
        let deadline = started + self.flush_timeout;
        while self.publisher.as_ref().is_some_and(|h| !h.is_finished()) {
            if Instant::now() >= deadline {
                s.abort.store(true, Ordering::Release);
                s.wake.notify_all();
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        if let Some(h) = self.publisher.take() {
            let _ = h.join();
        }
        let before = self.stats();
        let left: Vec<Msg> = lock(&s.queue).msgs.drain(..).collect();
        {
            let mut q = lock(&s.queue);
            q.bytes = 0;
            q.records = 0;
        }
        let records: u64 = left.iter().map(|m| m.records as u64).sum();
        if !left.is_empty() {
            s.drop_msgs(records, left.len() as u64, "not confirmed before shutdown");
        }
        s.report_drops(true);
        let stats = self.stats();
        let undelivered_records = stats.dropped - before.dropped;
        let undelivered_messages = stats.messages_dropped - before.messages_dropped;
        let level = if undelivered_messages > 0 {
            Level::Error
        } else {
            Level::Info
        };
        s.log.log(
            level,
            &format!(
                "AMQP writer closed: produced {} delivered {} dropped {} retried {} records; {} records ({} messages) undelivered at shutdown after {:.1} s",
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

impl Drop for AmqpWriter {
    fn drop(&mut self) {
        if self.publisher.is_some() {
            self.shutdown();
        }
    }
}

/// The publisher thread: connect, publish windows of messages, wait for their confirms,
/// reconnect and republish after failures, until closed and drained (or aborted).
fn publisher(s: &Shared, t: &Target) {
    let mut link: Option<(Connection, Channel)> = None;
    let mut backoff = BACKOFF_MIN;
    let mut window: Vec<Msg> = Vec::with_capacity(WINDOW);
    loop {
        if s.abort.load(Ordering::Acquire) {
            break;
        }
        // Wait for work.
        {
            let mut q = lock(&s.queue);
            while q.msgs.is_empty() {
                if s.closing.load(Ordering::Acquire) || s.abort.load(Ordering::Acquire) {
                    drop(q);
                    close_link(link.take());
                    return;
                }
                q = s
                    .wake
                    .wait_timeout(q, Duration::from_millis(200))
                    .map(|(g, _)| g)
                    .unwrap_or_else(|e| e.into_inner().0);
                drop(q);
                s.report_drops(false);
                q = lock(&s.queue);
            }
        }
        if link
            .as_ref()
            .is_none_or(|(c, ch)| !c.status().connected() || !ch.status().connected())
        {
            close_link(link.take());
            match block_on(connect(t)) {
                Ok(l) => {
                    add(&s.counters.connects, 1);
                    if s.counters.connects.load(Ordering::Relaxed) > 1 {
                        s.log
                            .log(Level::Info, "Connection to RabbitMQ re-established.");
                    }
                    backoff = BACKOFF_MIN;
                    link = Some(l);
                }
                Err(e) => {
                    s.conn_log.log(
                        &s.log,
                        Level::Error,
                        &format!(
                            "Connection failed to RabbitMQ ({}:{}): {e}; messages kept for retry",
                            t.uri.authority.host, t.uri.authority.port
                        ),
                    );
                    sleep_unless_abort(s, backoff);
                    backoff = (backoff * 2).min(BACKOFF_MAX);
                    continue;
                }
            }
        }
        // Take a window.
        {
            let mut q = lock(&s.queue);
            while window.len() < WINDOW {
                let Some(m) = q.msgs.pop_front() else { break };
                let cost = m.cost();
                q.bytes -= cost;
                q.records -= m.records;
                q.in_flight_bytes += cost;
                q.in_flight_records += m.records;
                window.push(m);
            }
        }
        let Some((_, ch)) = link.as_ref() else {
            continue;
        };
        let acked = block_on(publish_window(ch, t, &window));
        let ok = acked.iter().all(|a| *a);
        // Back to the buffer's front, in order: what was not confirmed.
        let mut q = lock(&s.queue);
        q.in_flight_bytes = 0;
        q.in_flight_records = 0;
        let (mut failed_r, mut retry) = (0u64, Vec::new());
        for (m, a) in window
            .drain(..)
            .zip(acked.iter().copied().chain(std::iter::repeat(false)))
        {
            if a {
                add(&s.counters.delivered, m.records as u64);
                add(&s.counters.messages_delivered, 1);
                if m.attempts > 0 {
                    add(&s.counters.retried, m.records as u64);
                }
                if q.free.len() < FREE_MAX {
                    q.free.push(m);
                }
            } else {
                failed_r += m.records as u64;
                retry.push(m);
            }
        }
        for mut m in retry.into_iter().rev() {
            m.attempts += 1;
            q.bytes += m.cost();
            q.records += m.records;
            q.msgs.push_front(m);
        }
        drop(q);
        if !ok {
            add(&s.counters.failed, failed_r);
            s.conn_log.log(
                &s.log,
                Level::Error,
                "Publishing to RabbitMQ failed (connection lost or message nacked); messages kept for retry",
            );
            close_link(link.take());
            sleep_unless_abort(s, backoff);
            backoff = (backoff * 2).min(BACKOFF_MAX);
        }
    }
    close_link(link.take());
}

fn sleep_unless_abort(s: &Shared, d: Duration) {
    let end = Instant::now() + d;
    while Instant::now() < end && !s.abort.load(Ordering::Acquire) {
        std::thread::sleep(Duration::from_millis(20).min(end - Instant::now()));
    }
}

fn close_link(link: Option<(Connection, Channel)>) {
    if let Some((c, _)) = link {
        if c.status().connected() {
            let _ = block_on(c.close(200, "pmacct-rs amqp plugin closing"));
        }
    }
}

/// Connect, open a channel in confirm mode, declare the exchange as 1.7.7 does (durable
/// with `amqp_persistent_msg`).
async fn connect(t: &Target) -> Result<(Connection, Channel), lapin::Error> {
    let conn = Connection::connect_uri(t.uri.clone(), ConnectionProperties::default()).await?;
    let ch = conn.create_channel().await?;
    ch.exchange_declare(
        &t.exchange,
        t.kind.clone(),
        ExchangeDeclareOptions {
            durable: t.durable,
            ..Default::default()
        },
        FieldTable::default(),
    )
    .await?;
    ch.confirm_select(ConfirmSelectOptions::default()).await?;
    Ok((conn, ch))
}

/// Publish every message of `window`, then wait for the confirms: one flag per message
/// (shorter than the window when publishing stopped at an error). Each publish is polled
/// once right away, which queues its frames (in window order) for lapin's I/O thread; only
/// then are the publishes and their confirms awaited, so the window costs a few wake-ups
/// instead of one round trip to the I/O thread per message.
async fn publish_window(ch: &Channel, t: &Target, window: &[Msg]) -> Vec<bool> {
    let mut sent = Vec::with_capacity(window.len());
    for m in window {
        let mut f = Box::pin(ch.basic_publish(
            &t.exchange,
            &m.routing_key,
            BasicPublishOptions::default(),
            &m.payload,
            t.props.clone(),
        ));
        let early = poll_once(&mut f).await;
        sent.push((f, early));
    }
    let mut confirms = Vec::with_capacity(sent.len());
    for (f, early) in sent {
        let published = match early {
            Some(r) => r,
            None => f.await,
        };
        match published {
            Ok(c) => confirms.push(c),
            Err(_) => break,
        }
    }
    let mut acked = Vec::with_capacity(confirms.len());
    for c in confirms {
        acked.push(matches!(c.await, Ok(conf) if conf.is_ack()));
    }
    acked
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::MemoryLog;

    /// A port nothing listens on: the broker is "down".
    fn dead_cfg() -> AmqpConfig {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        AmqpConfig {
            port,
            flush_timeout: Duration::from_millis(300),
            ..Default::default()
        }
    }

    fn queued(w: &AmqpWriter) -> Vec<(String, String, usize)> {
        lock(&w.shared.queue)
            .msgs
            .iter()
            .map(|m| {
                (
                    m.routing_key.clone(),
                    String::from_utf8(m.payload.clone()).unwrap(),
                    m.records,
                )
            })
            .collect()
    }

    #[test]
    fn broker_down_buffers_then_counts_drops_at_close() {
        let log = MemoryLog::default();
        let mut w = AmqpWriter::new(&dead_cfg(), log.sink()).unwrap();
        w.begin_purge();
        for _ in 0..10 {
            w.write_record(b"{\"a\": 1}\n", &RecordVars::default())
                .unwrap();
        }
        w.end_records();
        std::thread::sleep(Duration::from_millis(300));
        let st = w.stats();
        assert_eq!(
            (st.produced, st.delivered, st.buffered_records),
            (10, 0, 10)
        );
        let rep = w.close();
        assert_eq!(
            (rep.undelivered_records, rep.undelivered_messages),
            (10, 10)
        );
        assert_eq!(rep.stats.dropped, 10);
        let lines = log.lines().join("\n");
        assert!(lines.contains("Connection failed to RabbitMQ"), "{lines}");
        assert!(
            lines.contains("dropped 10 records (10 messages) not delivered to RabbitMQ: not confirmed before shutdown"),
            "{lines}"
        );
    }

    #[test]
    fn a_full_buffer_drops_and_counts() {
        let log = MemoryLog::default();
        // Two messages of 8 bytes under key "acct" fit: (8 + 4 + 64) * 2 = 152.
        let cfg = AmqpConfig {
            retry_buffer_size: 160,
            ..dead_cfg()
        };
        let mut w = AmqpWriter::new(&cfg, log.sink()).unwrap();
        w.begin_purge();
        for _ in 0..5 {
            w.write_record(b"{\"a\": 1}", &RecordVars::default())
                .unwrap();
        }
        w.end_records();
        let st = w.stats();
        assert_eq!((st.produced, st.dropped, st.buffered_records), (5, 3, 2));
        assert!(log.lines().iter().any(
            |l| l.contains("dropped 3 records (3 messages)") && l.contains("buffer_size full")
        ));
        let rep = w.close();
        assert_eq!(rep.stats.dropped, 5);
    }

    #[test]
    fn multi_values_batches_and_round_robin_keys() {
        let cfg = AmqpConfig {
            multi_values: 20,
            routing_key: "rk".into(),
            routing_key_rr: 2,
            ..dead_cfg()
        };
        let mut w = AmqpWriter::new(&cfg, MemoryLog::default().sink()).unwrap();
        let v = RecordVars::default();
        w.begin_purge();
        w.write_marker(b"{\"m\": 0}\n", &v);
        for r in [&b"{\"a\": 1}"[..], b"{\"b\": 2}", b"{\"c\": 3}"] {
            w.write_record(r, &v).unwrap();
        }
        // 20 bytes: an object of 19 + newline does not fit (1.7.7's strict <).
        assert!(w.write_record(&[b'x'; 19], &v).is_err());
        w.end_records();
        w.write_marker(b"{\"m\": 1}\n", &v);
        w.hand_over();
        assert_eq!(
            queued(&w),
            vec![
                ("rk_0".into(), "{\"m\": 0}".into(), 0),
                // Two objects fit in 20 bytes; the full batch goes under the next rr key.
                ("rk_0".into(), "{\"a\": 1}\n{\"b\": 2}\n".into(), 2),
                // The last batch and the close marker under the purge's current key.
                ("rk_0".into(), "{\"c\": 3}\n".into(), 1),
                ("rk_0".into(), "{\"m\": 1}".into(), 0),
            ]
        );
        assert_eq!(w.stats().dropped, 1);
    }

    #[test]
    fn dynamic_routing_key_per_record() {
        let cfg = AmqpConfig {
            routing_key: "acct.$tag.$post_tag".into(),
            post_tag: 9,
            ..dead_cfg()
        };
        let mut w = AmqpWriter::new(&cfg, MemoryLog::default().sink()).unwrap();
        w.begin_purge();
        for tag in [1, 2] {
            let v = RecordVars {
                tag,
                ..Default::default()
            };
            w.write_record(b"{}", &v).unwrap();
        }
        w.end_records();
        let keys: Vec<String> = queued(&w).into_iter().map(|m| m.0).collect();
        assert_eq!(keys, ["acct.1.9", "acct.2.9"]);
    }
}
