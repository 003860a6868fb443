//! RabbitMQ side of the broker tests (compat_pmbgpd, compat_bmp_bus): the test node started
//! once per process, an exchange bound to a queue as the daemons declare it, and draining it.
//! Included with `#[path]` by each test file (lapin is a dev-dependency of pmacct-bin only).

use std::time::Duration;

use futures_lite::future::block_on;
use lapin::options::{
    BasicGetOptions, ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions,
};
use lapin::types::FieldTable;
use lapin::{Channel, Connection, ConnectionProperties, ExchangeKind};

/// Started once per test process: two tests starting the node at once make one of the
/// Erlang VMs fail (an erl_crash.dump in the working directory).
static START: std::sync::Once = std::sync::Once::new();

fn channel() -> (Connection, Channel) {
    START.call_once(|| {
        let st = std::process::Command::new("bash")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/../.ci/rabbitmq.sh"))
            .arg("start")
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(st.success(), ".ci/rabbitmq.sh start");
    });
    block_on(async {
        let c = Connection::connect(
            "amqp://guest:guest@127.0.0.1:5672/%2f",
            ConnectionProperties::default(),
        )
        .await
        .expect("RabbitMQ on 127.0.0.1:5672 (.ci/rabbitmq.sh start)");
        let ch = c.create_channel().await.unwrap();
        (c, ch)
    })
}

/// The exchange as the daemons declare it (direct, not durable) and a queue of the same
/// name bound to it with `key`.
pub fn bind(exchange: &str, key: &str) {
    let (_c, ch) = channel();
    block_on(async {
        ch.exchange_declare(
            exchange,
            ExchangeKind::Direct,
            ExchangeDeclareOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();
        ch.queue_declare(
            exchange,
            QueueDeclareOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();
        ch.queue_bind(
            exchange,
            exchange,
            key,
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();
    });
}

/// What the queue holds now (until it is empty for 300 ms); each message's routing key
/// must be `key`.
pub fn drain(queue: &str, key: &str) -> Vec<String> {
    let (_c, ch) = channel();
    let mut out = Vec::new();
    let mut idle = 0;
    while idle < 15 {
        match block_on(ch.basic_get(queue, BasicGetOptions { no_ack: true })).unwrap() {
            Some(m) => {
                assert_eq!(m.delivery.routing_key.as_str(), key);
                out.push(String::from_utf8(m.delivery.data).unwrap());
                idle = 0;
            }
            None => {
                idle += 1;
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
    out
}
