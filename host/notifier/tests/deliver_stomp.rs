//! STOMP delivery against RabbitMQ's STOMP plugin on 127.0.0.1:61613 (enabled by
//! scripts/deps/rabbitmq-stomp.sh, with the vhost `127.0.0.1` that Clair's `host` header
//! selects). A raw STOMP subscriber reads what was sent; each test has its own queue.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::deliver;
use lapin::options::QueueDeleteOptions;
use lapin::{Connection, ConnectionProperties};
use scry_config::{Notifier, Stomp, StompLogin};
use scry_model::{Callback, Notification, Reason, VulnSummary};
use scry_notifier::deliver::stomp_frame::{Frame, StompStream};
use scry_notifier::deliver::{Deliverer, from_config};
use tokio::net::TcpStream;
use uuid::Uuid;

const BROKER: &str = "127.0.0.1:61613";
const CALLBACK: &str = "http://scry.test:6060/notifier/api/v1/notification/";
const WAIT: Duration = Duration::from_secs(10);

/// A subscriber on its own `/queue/<unique>`; the queue is deleted on [`Subscriber::done`].
struct Subscriber {
    stream: StompStream<TcpStream>,
    queue: String,
}

impl Subscriber {
    async fn new() -> Subscriber {
        let tcp = TcpStream::connect(BROKER)
            .await
            .expect("RabbitMQ's STOMP plugin answers (scripts/deps/rabbitmq-stomp.sh)");
        let mut stream = StompStream::new(tcp);
        let connect = Frame::new("CONNECT")
            .header("accept-version", "1.2")
            .header("host", "127.0.0.1")
            .header("login", "guest")
            .header("passcode", "guest");
        stream.send(&connect, WAIT).await.unwrap();
        let connected = stream.receive(WAIT).await.unwrap();
        assert_eq!(connected.command, "CONNECTED", "{}", connected.error_text());
        let queue = format!("scry-test-{}", Uuid::new_v4().simple());
        let subscribe = Frame::new("SUBSCRIBE")
            .header("id", "0")
            .header("destination", format!("/queue/{queue}"))
            .header("ack", "auto")
            .header("receipt", "subscribed");
        stream.send(&subscribe, WAIT).await.unwrap();
        // The receipt means the queue exists before anything is sent to it.
        let receipt = stream.receive(WAIT).await.unwrap();
        assert_eq!(receipt.get("receipt-id"), Some("subscribed"), "{receipt:?}");
        Subscriber { stream, queue }
    }

    fn destination(&self) -> String {
        format!("/queue/{}", self.queue)
    }

    /// The next `count` MESSAGE frames.
    async fn messages(&mut self, count: usize) -> Vec<Frame> {
        let mut messages = Vec::new();
        while messages.len() < count {
            let frame = self.stream.receive(WAIT).await.unwrap();
            assert_eq!(frame.command, "MESSAGE", "{}", frame.error_text());
            messages.push(frame);
        }
        messages
    }

    /// Nothing else arrives for a short while.
    async fn assert_quiet(&mut self) {
        let extra = self.stream.receive(Duration::from_millis(300)).await;
        assert!(extra.is_err(), "unexpected frame: {extra:?}");
    }

    /// Deletes the queue (RabbitMQ keeps `/queue/…` queues after the subscriber leaves).
    async fn done(mut self) {
        self.stream.shutdown().await;
        let amqp = "amqp://guest:guest@127.0.0.1:5672/127.0.0.1";
        let connection = Connection::connect(amqp, ConnectionProperties::default())
            .await
            .unwrap();
        let channel = connection.create_channel().await.unwrap();
        channel
            .queue_delete(self.queue.as_str().into(), QueueDeleteOptions::default())
            .await
            .unwrap();
        connection.close(200, "done".into()).await.unwrap();
    }
}

fn config(destination: String) -> Stomp {
    Stomp {
        destination,
        callback: CALLBACK.into(),
        uris: vec![BROKER.into()],
        user: Some(StompLogin {
            login: "guest".into(),
            passcode: "guest".into(),
        }),
        ..Stomp::default()
    }
}

fn deliverer(stomp: Stomp) -> Arc<dyn Deliverer> {
    let notifier = Notifier {
        stomp: Some(stomp),
        ..Notifier::default()
    };
    from_config(&notifier, None)
        .unwrap()
        .expect("stomp is configured")
}

fn notifications(count: usize) -> Vec<Notification> {
    (0..count)
        .map(|i| Notification {
            id: Uuid::new_v4().to_string(),
            manifest: format!("sha256:{i:064x}"),
            reason: Reason::Added,
            vulnerability: VulnSummary {
                name: format!("CVE-2025-{i:04}"),
                description: "a \"quoted\"\nline: with colon".into(),
                severity: "Critical".into(),
                ..VulnSummary::default()
            },
        })
        .collect()
}

#[tokio::test]
async fn sends_the_callback_to_the_first_reachable_broker() {
    let mut subscriber = Subscriber::new().await;
    let stomp = deliverer(Stomp {
        // Port 1 refuses at once; the second broker takes the message.
        uris: vec!["127.0.0.1:1".into(), BROKER.into()],
        ..config(subscriber.destination())
    });
    assert_eq!(stomp.name(), "stomp");
    assert!(!stomp.direct());
    let id = Uuid::new_v4();
    deliver(stomp.as_ref(), id, &[]).await.unwrap();

    let messages = subscriber.messages(1).await;
    let callback: Callback = serde_json::from_slice(&messages[0].body).unwrap();
    assert_eq!(
        callback,
        Callback {
            notification_id: id.to_string(),
            callback: format!("{CALLBACK}{id}"),
        }
    );
    assert_eq!(messages[0].get("content-type"), Some("application/json"));
    assert_eq!(
        messages[0].get("destination"),
        Some(subscriber.destination().as_str())
    );
    subscriber.assert_quiet().await;
    subscriber.done().await;
}

#[tokio::test]
async fn direct_sends_rollups_in_one_transaction() {
    let mut subscriber = Subscriber::new().await;
    let stomp = deliverer(Stomp {
        direct: true,
        rollup: 2,
        callback: String::new(),
        ..config(subscriber.destination())
    });
    assert!(stomp.direct());
    let set = notifications(5);
    deliver(stomp.as_ref(), Uuid::new_v4(), &set).await.unwrap();

    let batches: Vec<Vec<Notification>> = subscriber
        .messages(3)
        .await
        .iter()
        .map(|m| serde_json::from_slice(&m.body).unwrap())
        .collect();
    assert_eq!(batches.iter().map(Vec::len).collect::<Vec<_>>(), [2, 2, 1]);
    assert_eq!(batches.concat(), set);
    subscriber.assert_quiet().await;
    subscriber.done().await;
}

#[tokio::test]
async fn an_unreachable_broker_is_named() {
    let stomp = deliverer(Stomp {
        uris: vec!["127.0.0.1:1".into()],
        ..config("/queue/scry-never".into())
    });
    let err = deliver(stomp.as_ref(), Uuid::new_v4(), &[])
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("127.0.0.1:1"), "{err}");
    assert!(err.contains("refused"), "{err}");
}

#[tokio::test]
async fn broker_errors_are_reported() {
    // The login is sent (Clair ignores it): a wrong passcode is refused at CONNECT.
    let stomp = deliverer(Stomp {
        user: Some(StompLogin {
            login: "guest".into(),
            passcode: "wrong".into(),
        }),
        ..config("/queue/scry-never".into())
    });
    let err = deliver(stomp.as_ref(), Uuid::new_v4(), &[])
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("stomp 127.0.0.1:61613: CONNECT refused"),
        "{err}"
    );
    assert!(err.contains("Access refused"), "{err}");

    // A destination RabbitMQ does not know: the ERROR arrives instead of the RECEIPT.
    let stomp = deliverer(config("/nowhere/scry".into()));
    let err = deliver(stomp.as_ref(), Uuid::new_v4(), &[])
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("stomp 127.0.0.1:61613: broker ERROR"),
        "{err}"
    );
    assert!(err.contains("/nowhere/scry"), "{err}");
}
