//! AMQP delivery against the machine's RabbitMQ (127.0.0.1:5672, guest/guest). Each test
//! declares its own exchange and exclusive queue, so runs never see each other's messages.

mod common;

use std::sync::Arc;

use common::deliver;
use lapin::options::{
    BasicGetOptions, ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions,
};
use lapin::types::FieldTable;
use lapin::{Channel, Connection, ConnectionProperties, ExchangeKind};
use scry_config::{Amqp, Exchange, Notifier};
use scry_model::{Callback, Notification, Reason, VulnSummary};
use scry_notifier::deliver::{Deliverer, from_config};
use uuid::Uuid;

const BROKER: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";
/// Refused at once: nothing listens on port 1.
const DEAD: &str = "amqp://guest:guest@127.0.0.1:1/%2f";
const CALLBACK: &str = "http://scry.test:6060/notifier/api/v1/notification/";

/// A test's own exchange and queue, bound by `routing_key`; both go when `_connection`
/// closes (exclusive queue, auto-delete exchange).
struct Bound {
    _connection: Connection,
    channel: Channel,
    exchange: String,
    queue: String,
    routing_key: String,
}

async fn bound() -> Bound {
    let connection = Connection::connect(BROKER, ConnectionProperties::default())
        .await
        .expect("RabbitMQ answers on 127.0.0.1:5672");
    let channel = connection.create_channel().await.unwrap();
    let tag = Uuid::new_v4().simple().to_string();
    let (exchange, queue, routing_key) = (
        format!("scry-test-x-{tag}"),
        format!("scry-test-q-{tag}"),
        format!("scry.test.{tag}"),
    );
    let transient = ExchangeDeclareOptions {
        durable: false,
        auto_delete: true,
        ..ExchangeDeclareOptions::default()
    };
    channel
        .exchange_declare(
            exchange.as_str().into(),
            ExchangeKind::Direct,
            transient,
            FieldTable::default(),
        )
        .await
        .unwrap();
    let exclusive = QueueDeclareOptions {
        exclusive: true,
        ..QueueDeclareOptions::default()
    };
    channel
        .queue_declare(queue.as_str().into(), exclusive, FieldTable::default())
        .await
        .unwrap();
    channel
        .queue_bind(
            queue.as_str().into(),
            exchange.as_str().into(),
            routing_key.as_str().into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();
    Bound {
        _connection: connection,
        channel,
        exchange,
        queue,
        routing_key,
    }
}

impl Bound {
    fn config(&self) -> Amqp {
        Amqp {
            exchange: Exchange {
                name: self.exchange.clone(),
                kind: "direct".into(),
                ..Exchange::default()
            },
            routing_key: self.routing_key.clone(),
            callback: CALLBACK.into(),
            uris: vec![BROKER.into()],
            ..Amqp::default()
        }
    }

    /// Every message in the queue now (the deliverer waited for the broker, so they are
    /// there when it returns).
    async fn drain(&self) -> Vec<lapin::message::BasicGetMessage> {
        let mut messages = Vec::new();
        while let Some(message) = self
            .channel
            .basic_get(self.queue.as_str().into(), BasicGetOptions { no_ack: true })
            .await
            .unwrap()
        {
            messages.push(message);
        }
        messages
    }
}

fn deliverer(amqp: Amqp) -> Arc<dyn Deliverer> {
    let notifier = Notifier {
        amqp: Some(amqp),
        ..Notifier::default()
    };
    from_config(&notifier, None)
        .unwrap()
        .expect("amqp is configured")
}

fn notifications(count: usize) -> Vec<Notification> {
    (0..count)
        .map(|i| Notification {
            id: Uuid::new_v4().to_string(),
            manifest: format!("sha256:{i:064x}"),
            reason: if i % 2 == 0 {
                Reason::Added
            } else {
                Reason::Removed
            },
            vulnerability: VulnSummary {
                name: format!("CVE-2024-{i:04}"),
                severity: "High".into(),
                fixed_in_version: "1.2.3".into(),
                ..VulnSummary::default()
            },
        })
        .collect()
}

fn assert_properties(message: &lapin::message::BasicGetMessage) {
    let properties = &message.delivery.properties;
    assert_eq!(
        properties.content_type().as_ref().map(|s| s.as_str()),
        Some("application/json")
    );
    assert_eq!(
        properties.app_id().as_ref().map(|s| s.as_str()),
        Some("clairV4-notifier")
    );
    // Persistent (Scry's choice; Clair leaves it unset).
    assert_eq!(*properties.delivery_mode(), Some(2));
}

#[tokio::test]
async fn publishes_the_callback_and_reuses_the_connection() {
    let bound = bound().await;
    let amqp = deliverer(bound.config());
    assert_eq!(amqp.name(), "amqp");
    assert!(!amqp.direct());
    let ids = [Uuid::new_v4(), Uuid::new_v4()];
    for id in ids {
        deliver(amqp.as_ref(), id, &[]).await.unwrap();
    }
    let messages = bound.drain().await;
    assert_eq!(messages.len(), 2);
    for (message, id) in messages.iter().zip(ids) {
        let callback: Callback = serde_json::from_slice(&message.delivery.data).unwrap();
        assert_eq!(
            callback,
            Callback {
                notification_id: id.to_string(),
                callback: format!("{CALLBACK}{id}"),
            }
        );
        assert_eq!(message.delivery.routing_key.as_str(), bound.routing_key);
        assert_properties(message);
    }
}

/// A loopback TCP relay to RabbitMQ whose connections the test can cut, as a broker
/// restart or a network failure would.
struct Relay {
    address: String,
    connections: Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Relay {
    async fn start() -> Relay {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let connections = Arc::new(std::sync::Mutex::new(Vec::new()));
        let accepted = connections.clone();
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let relay = tokio::spawn(async move {
                    let mut broker = tokio::net::TcpStream::connect("127.0.0.1:5672")
                        .await
                        .unwrap();
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut broker).await;
                });
                accepted.lock().unwrap().push(relay);
            }
        });
        Relay {
            address,
            connections,
        }
    }

    /// Drops every relayed connection; returns how many there were.
    fn cut(&self) -> usize {
        let connections = std::mem::take(&mut *self.connections.lock().unwrap());
        connections.iter().for_each(|c| c.abort());
        connections.len()
    }
}

#[tokio::test]
async fn reconnects_when_the_connection_is_gone() {
    let bound = bound().await;
    let relay = Relay::start().await;
    let amqp = deliverer(Amqp {
        uris: vec![format!("amqp://guest:guest@{}/%2f", relay.address)],
        ..bound.config()
    });
    deliver(amqp.as_ref(), Uuid::new_v4(), &[]).await.unwrap();
    deliver(amqp.as_ref(), Uuid::new_v4(), &[]).await.unwrap();
    assert_eq!(relay.cut(), 1, "both deliveries used one connection");
    deliver(amqp.as_ref(), Uuid::new_v4(), &[]).await.unwrap();
    assert_eq!(relay.cut(), 1, "a new connection replaced the cut one");
    assert_eq!(bound.drain().await.len(), 3);
}

#[tokio::test]
async fn direct_sends_rollups_in_one_transaction() {
    let bound = bound().await;
    let amqp = deliverer(Amqp {
        direct: true,
        rollup: 2,
        callback: String::new(),
        ..bound.config()
    });
    assert!(amqp.direct());
    let set = notifications(5);
    deliver(amqp.as_ref(), Uuid::new_v4(), &set).await.unwrap();
    let messages = bound.drain().await;
    let batches: Vec<Vec<Notification>> = messages
        .iter()
        .map(|m| serde_json::from_slice(&m.delivery.data).unwrap())
        .collect();
    assert_eq!(batches.iter().map(Vec::len).collect::<Vec<_>>(), [2, 2, 1]);
    assert_eq!(batches.concat(), set);
    messages.iter().for_each(assert_properties);
}

#[tokio::test]
async fn direct_without_rollup_sends_one_notification_each() {
    let bound = bound().await;
    let amqp = deliverer(Amqp {
        direct: true,
        ..bound.config()
    });
    let set = notifications(3);
    deliver(amqp.as_ref(), Uuid::new_v4(), &set).await.unwrap();
    let batches: Vec<Vec<Notification>> = bound
        .drain()
        .await
        .iter()
        .map(|m| serde_json::from_slice(&m.delivery.data).unwrap())
        .collect();
    assert_eq!(
        batches,
        set.iter().map(|n| vec![n.clone()]).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn the_default_exchange_routes_by_queue_name() {
    let bound = bound().await;
    let amqp = deliverer(Amqp {
        exchange: Exchange::default(),
        routing_key: bound.queue.clone(),
        ..bound.config()
    });
    let id = Uuid::new_v4();
    deliver(amqp.as_ref(), id, &[]).await.unwrap();
    let messages = bound.drain().await;
    assert_eq!(messages.len(), 1);
    let callback: Callback = serde_json::from_slice(&messages[0].delivery.data).unwrap();
    assert_eq!(callback.notification_id, id.to_string());
}

#[tokio::test]
async fn a_missing_exchange_is_named() {
    let bound = bound().await;
    let missing = format!("scry-test-missing-{}", Uuid::new_v4().simple());
    let mut config = bound.config();
    config.exchange.name = missing.clone();
    let amqp = deliverer(config);
    let err = deliver(amqp.as_ref(), Uuid::new_v4(), &[])
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains(&missing), "{err}");
    assert!(err.contains("127.0.0.1:5672"), "{err}");
    assert!(bound.drain().await.is_empty());

    // The kept connection survives the channel error: once the exchange exists, the same
    // deliverer delivers.
    bound
        .channel
        .exchange_declare(
            missing.as_str().into(),
            ExchangeKind::Direct,
            ExchangeDeclareOptions {
                auto_delete: true,
                ..ExchangeDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .unwrap();
    bound
        .channel
        .queue_bind(
            bound.queue.as_str().into(),
            missing.as_str().into(),
            bound.routing_key.as_str().into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();
    deliver(amqp.as_ref(), Uuid::new_v4(), &[]).await.unwrap();
    assert_eq!(bound.drain().await.len(), 1);
}

#[tokio::test]
async fn an_unreachable_broker_is_skipped() {
    let bound = bound().await;
    let amqp = deliverer(Amqp {
        uris: vec![DEAD.into(), BROKER.into()],
        ..bound.config()
    });
    deliver(amqp.as_ref(), Uuid::new_v4(), &[]).await.unwrap();
    assert_eq!(bound.drain().await.len(), 1);
}

#[tokio::test]
async fn no_reachable_broker_is_an_error_without_passwords() {
    let bound = bound().await;
    let amqp = deliverer(Amqp {
        uris: vec![DEAD.into(), "amqp://guest:guest@127.0.0.1:2/%2f".into()],
        ..bound.config()
    });
    let err = deliver(amqp.as_ref(), Uuid::new_v4(), &[])
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("amqp://guest:***@127.0.0.1:1/%2f"), "{err}");
    assert!(err.contains("amqp://guest:***@127.0.0.1:2/%2f"), "{err}");
    assert!(!err.contains("guest:guest"), "{err}");
}
