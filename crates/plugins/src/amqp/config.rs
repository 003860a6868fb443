//! `amqp_*` keys with pmacct 1.7.7's defaults and start-up checks.

use std::time::Duration;

use pmacct_config::{key, Key, Scope};

use crate::kafka::template::Template;
use crate::keys::need;

/// pmacct 1.7.7 connects to this port (its amqp plugin has no port key); `amqp_host` may
/// name another as `host:port` (a pmacct-rs extension).
pub const AMQP_PORT: u16 = 5672;
/// rabbitmq-c's (and so 1.7.7's) lower bound: smaller `amqp_frame_max` values are ignored.
const MIN_FRAME_MAX: u32 = 4096;
const DEFAULT_FRAME_MAX: u32 = 131072;

/// The amqp plugin's transport settings, one field per pmacct key (plus two extensions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmqpConfig {
    /// Plugin name (`amqp[name]`), used in log lines and `writer_id`.
    pub plugin_name: String,
    /// `amqp_host`: `127.0.0.1`; `host` or `host:port` / `[v6]:port`.
    pub host: String,
    pub port: u16,
    /// `amqp_vhost`: `/`.
    pub vhost: String,
    /// `amqp_user` / `amqp_passwd`: guest / guest.
    pub user: String,
    pub passwd: String,
    /// `amqp_exchange`: `pmacct`.
    pub exchange: String,
    /// `amqp_exchange_type`: `direct` (lower-cased as 1.7.7 does).
    pub exchange_type: String,
    /// `amqp_routing_key`: `acct`; `$peer_src_ip $tag $tag2 $post_tag $post_tag2`.
    pub routing_key: String,
    /// `amqp_routing_key_rr`: 0 = off; N = round robin over `<key>_0..N-1`.
    pub routing_key_rr: u32,
    /// `amqp_persistent_msg`: delivery mode 2 and a durable exchange.
    pub persistent_msg: bool,
    /// `amqp_frame_max` (bytes), values <= 4096 ignored as 1.7.7 does.
    pub frame_max: u32,
    /// `amqp_heartbeat_interval` (seconds, 0 = none).
    pub heartbeat_interval: u16,
    /// `amqp_multi_values`: 0 = one object per message; N = byte budget per message.
    pub multi_values: usize,
    /// `amqp_markers`.
    pub markers: bool,
    /// `amqp_startup_delay` (seconds).
    pub startup_delay: u64,
    /// `amqp_max_writers`: accepted; no forked writers (see docs/COMPATIBILITY.md).
    pub max_writers: u32,
    /// `post_tag` / `post_tag2` configured values, for `$post_tag[2]`.
    pub post_tag: u64,
    pub post_tag2: u64,
    /// Extension `amqp_retry_buffer_size` (bytes): messages not yet confirmed by the broker
    /// are held here (through outages); beyond it new messages are dropped, counted, logged.
    pub retry_buffer_size: usize,
    /// Extension `amqp_flush_timeout` (seconds): how long shutdown waits for confirms.
    pub flush_timeout: Duration,
}

impl Default for AmqpConfig {
    fn default() -> Self {
        AmqpConfig::from_scope("default", &Scope::default())
            .expect("the registry's amqp defaults are valid")
    }
}

impl AmqpConfig {
    /// The keys the transport reads.
    pub(crate) const KEYS: &'static [Key] = &[
        key::AMQP_HOST,
        key::AMQP_VHOST,
        key::AMQP_USER,
        key::AMQP_PASSWD,
        key::AMQP_EXCHANGE,
        key::AMQP_EXCHANGE_TYPE,
        key::AMQP_ROUTING_KEY,
        key::AMQP_ROUTING_KEY_RR,
        key::AMQP_PERSISTENT_MSG,
        key::AMQP_FRAME_MAX,
        key::AMQP_HEARTBEAT_INTERVAL,
        key::AMQP_MULTI_VALUES,
        key::AMQP_MARKERS,
        key::AMQP_STARTUP_DELAY,
        key::AMQP_MAX_WRITERS,
        key::AMQP_RETRY_BUFFER_SIZE,
        key::AMQP_FLUSH_TIMEOUT,
    ];

    /// The transport settings of instance `plugin_name` from its scope (`post_tag`s are the
    /// plugin's: left 0 here).
    pub fn from_scope(plugin_name: &str, scope: &Scope) -> Result<AmqpConfig, String> {
        let text = |k: Key| scope.str(k).map(str::to_string);
        let host_spec = need(text(key::AMQP_HOST), key::AMQP_HOST)?;
        let (host, port) = host_port(&host_spec)?;
        let frame_max: i64 = need(scope.num(key::AMQP_FRAME_MAX)?, key::AMQP_FRAME_MAX)?;
        let frame_max = match u32::try_from(frame_max) {
            Ok(f) if f > MIN_FRAME_MAX => f.min(i32::MAX as u32),
            _ => DEFAULT_FRAME_MAX,
        };
        let heartbeat: i64 = need(
            scope.num(key::AMQP_HEARTBEAT_INTERVAL)?,
            key::AMQP_HEARTBEAT_INTERVAL,
        )?;
        let heartbeat_interval = u16::try_from(heartbeat).map_err(|_| {
            format!("'amqp_heartbeat_interval' must be 0..=65535 seconds, not {heartbeat}.")
        })?;
        Ok(AmqpConfig {
            plugin_name: plugin_name.to_string(),
            host,
            port,
            vhost: text(key::AMQP_VHOST).unwrap_or_else(|| "/".into()),
            user: need(text(key::AMQP_USER), key::AMQP_USER)?,
            passwd: need(text(key::AMQP_PASSWD), key::AMQP_PASSWD)?,
            exchange: need(text(key::AMQP_EXCHANGE), key::AMQP_EXCHANGE)?,
            exchange_type: need(text(key::AMQP_EXCHANGE_TYPE), key::AMQP_EXCHANGE_TYPE)?
                .to_ascii_lowercase(),
            routing_key: need(text(key::AMQP_ROUTING_KEY), key::AMQP_ROUTING_KEY)?,
            routing_key_rr: need(
                scope.num(key::AMQP_ROUTING_KEY_RR)?,
                key::AMQP_ROUTING_KEY_RR,
            )?,
            persistent_msg: scope.bool(key::AMQP_PERSISTENT_MSG),
            frame_max,
            heartbeat_interval,
            multi_values: need(scope.num(key::AMQP_MULTI_VALUES)?, key::AMQP_MULTI_VALUES)?,
            markers: scope.bool(key::AMQP_MARKERS),
            startup_delay: need(scope.u64(key::AMQP_STARTUP_DELAY), key::AMQP_STARTUP_DELAY)?,
            max_writers: need(scope.num(key::AMQP_MAX_WRITERS)?, key::AMQP_MAX_WRITERS)?,
            post_tag: 0,
            post_tag2: 0,
            retry_buffer_size: need(
                scope.num(key::AMQP_RETRY_BUFFER_SIZE)?,
                key::AMQP_RETRY_BUFFER_SIZE,
            )?,
            flush_timeout: need(scope.secs(key::AMQP_FLUSH_TIMEOUT), key::AMQP_FLUSH_TIMEOUT)?,
        })
    }

    /// pmacct's start-up checks (same conditions and wording).
    pub fn validate(&self) -> Result<(), String> {
        let dyn_key = Template::is_dynamic_str(&self.routing_key);
        if dyn_key && self.multi_values > 0 {
            return Err(
                "dynamic 'amqp_routing_key' is not compatible with 'amqp_multi_values'.".into(),
            );
        }
        if dyn_key && self.routing_key_rr > 0 {
            return Err(
                "dynamic 'amqp_routing_key' is not compatible with 'amqp_routing_key_rr'.".into(),
            );
        }
        match self.exchange_type.as_str() {
            "direct" | "fanout" | "topic" | "headers" => Ok(()),
            t => Err(format!(
                "'amqp_exchange_type' {t}: expected direct, fanout, topic or headers."
            )),
        }
    }
}

/// `amqp_host` as `host`, `host:port`, an IPv6 literal or `[v6]:port`.
pub fn host_port(spec: &str) -> Result<(String, u16), String> {
    let s = spec.trim();
    let bad = || format!("Invalid 'amqp_host' specified ({spec}).");
    if s.is_empty() {
        return Err(bad());
    }
    if let Some(rest) = s.strip_prefix('[') {
        let (h, tail) = rest.split_once(']').ok_or_else(bad)?;
        let port = match tail.strip_prefix(':') {
            Some(p) => p.parse().map_err(|_| bad())?,
            None if tail.is_empty() => AMQP_PORT,
            None => return Err(bad()),
        };
        return Ok((h.to_string(), port));
    }
    if s.parse::<std::net::Ipv6Addr>().is_ok() {
        return Ok((s.to_string(), AMQP_PORT));
    }
    match s.rsplit_once(':') {
        Some((h, p)) if !h.is_empty() => Ok((h.to_string(), p.parse().map_err(|_| bad())?)),
        Some(_) => Err(bad()),
        None => Ok((s.to_string(), AMQP_PORT)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_forms() {
        assert_eq!(host_port("127.0.0.1").unwrap(), ("127.0.0.1".into(), 5672));
        assert_eq!(host_port("rmq:5673").unwrap(), ("rmq".into(), 5673));
        assert_eq!(host_port("::1").unwrap(), ("::1".into(), 5672));
        assert_eq!(host_port("[::1]:1").unwrap(), ("::1".into(), 1));
        assert!(host_port("h:x").is_err() && host_port("").is_err() && host_port("[::1").is_err());
    }

    #[test]
    fn pmacct_defaults_and_checks() {
        let c = AmqpConfig::default();
        assert_eq!(
            (c.host.as_str(), c.port, c.vhost.as_str(), c.user.as_str()),
            ("127.0.0.1", 5672, "/", "guest")
        );
        assert_eq!(
            (
                c.exchange.as_str(),
                c.exchange_type.as_str(),
                c.routing_key.as_str()
            ),
            ("pmacct", "direct", "acct")
        );
        assert_eq!((c.frame_max, c.heartbeat_interval), (131072, 0));
        assert!(c.validate().is_ok());
        let c = AmqpConfig {
            routing_key: "r.$peer_src_ip".into(),
            multi_values: 100,
            ..Default::default()
        };
        assert!(c.validate().unwrap_err().contains("amqp_multi_values"));
        let c = AmqpConfig {
            routing_key: "r.$tag".into(),
            routing_key_rr: 2,
            ..Default::default()
        };
        assert!(c.validate().unwrap_err().contains("amqp_routing_key_rr"));
        let c = AmqpConfig {
            exchange_type: "bogus".into(),
            ..Default::default()
        };
        assert!(c.validate().is_err());
    }
}
