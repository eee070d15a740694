//! A webhook receiver as Quay runs one (checks the notifier's JWT: HS256 with the PSK,
//! `iss` clair-notifier, `iat`/`nbf`/`exp` present and current), the notifier's config
//! block, and reading a whole notification set page by page.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;

use crate::serve_common::*;

/// The callback base the notifier is configured with (a `/` is appended to it).
pub const CALLBACK: &str = "http://scry.test/notifier/api/v1/notification";

/// One webhook POST as received.
#[derive(Clone, Debug)]
pub struct Received {
    pub notification_id: String,
    pub callback: String,
    /// Why the JWT was not acceptable to Quay, if it was not.
    pub token_problem: Option<String>,
    pub user_agent: String,
}

#[derive(Default)]
struct HookState {
    received: Mutex<Vec<Received>>,
    /// Answer the next request only after this long (to kill the sender meanwhile).
    stall_next: Mutex<Option<Duration>>,
}

pub struct Hook {
    pub url: String,
    state: Arc<HookState>,
    server: tokio::task::JoinHandle<()>,
}

impl Hook {
    /// Listens on 127.0.0.1:`port` (0: any).
    pub async fn start(port: u16) -> Hook {
        let state = Arc::new(HookState::default());
        let app = axum::Router::new()
            .route("/secscan/notification", axum::routing::post(receive))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap();
        let url = format!(
            "http://{}/secscan/notification",
            listener.local_addr().unwrap()
        );
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Hook { url, state, server }
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.received.lock().unwrap().clone()
    }

    pub fn stall_next(&self, wait: Duration) {
        *self.state.stall_next.lock().unwrap() = Some(wait);
    }

    /// Waits until some POST satisfies `found`.
    pub async fn wait_for(&self, what: &str, found: impl Fn(&[Received]) -> bool, server: &Server) {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(90) {
            if found(&self.received()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "webhook: {what} never arrived; got {:?}\n{}",
            self.received(),
            server.log()
        );
    }
}

impl Drop for Hook {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn receive(
    State(state): State<Arc<HookState>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> impl IntoResponse {
    let stall = state.stall_next.lock().unwrap().take();
    let Ok(body) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    state.received.lock().unwrap().push(Received {
        notification_id: body["notification_id"].as_str().unwrap_or_default().into(),
        callback: body["callback"].as_str().unwrap_or_default().into(),
        token_problem: token_problem(&header("authorization")),
        user_agent: header("user-agent"),
    });
    if let Some(wait) = stall {
        tokio::time::sleep(wait).await;
    }
    StatusCode::OK
}

/// Quay's check of the notifier's token.
fn token_problem(authorization: &str) -> Option<String> {
    let Some(token) = authorization.strip_prefix("Bearer ") else {
        return Some(format!("no bearer token: {authorization:?}"));
    };
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.set_issuer(&["clair-notifier"]);
    validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss"]);
    validation.validate_nbf = true;
    validation.leeway = 0;
    let decoded = jsonwebtoken::decode::<serde_json::Value>(
        token,
        &jsonwebtoken::DecodingKey::from_secret(&psk_bytes()),
        &validation,
    );
    match decoded {
        Err(err) => Some(err.to_string()),
        Ok(data) => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs() as i64;
            let iat = data.claims["iat"].as_i64().unwrap_or(i64::MAX);
            (iat > now + 1).then(|| format!("iat {iat} is in the future (now {now})"))
        }
    }
}

/// The `notifier:` block (and the `scry.min_interval` that lets it tick each second);
/// `extra` are more two-space indented lines for the block.
pub fn notifier_config(delivery: &str, summary: bool, extra: &str) -> String {
    format!(
        "  min_interval: 1s\nnotifier:\n  poll_interval: 1s\n  delivery_interval: 1s\n  disable_summary: {}\n{extra}{delivery}",
        !summary
    )
}

pub fn webhook_block(target: &str) -> String {
    format!(
        "  webhook:\n    target: {target}\n    callback: {CALLBACK}\n    headers: {{X-Scry-Test: [scry]}}\n"
    )
}

/// Every notification of a set as (manifest, reason, vulnerability name), read page by
/// page as Quay does (following `page.next` until it is absent), `page_size` at a time.
pub async fn read_set(
    server: &Server,
    id: &str,
    page_size: usize,
) -> (BTreeSet<(String, String, String)>, serde_json::Value) {
    let client = reqwest::Client::new();
    let mut all = BTreeSet::new();
    let mut next: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut url = format!(
            "{}/notifier/api/v1/notification/{id}?page_size={page_size}",
            server.api
        );
        if let Some(next) = &next {
            url.push_str(&format!("&next={next}"));
        }
        let resp = client
            .get(url)
            .bearer_auth(quay_token())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{}", server.log());
        assert_eq!(
            resp.headers()["content-type"],
            "application/vnd.clair.notification_page.v1+json"
        );
        let page: serde_json::Value = resp.json().await.unwrap();
        pages += 1;
        let notifications = page["notifications"].as_array().unwrap();
        assert!(notifications.len() <= page_size);
        assert_eq!(page["page"]["size"], page_size);
        for n in notifications {
            assert!(n["vulnerability"]["severity"].is_string(), "{n}");
            assert!(n["vulnerability"].get("normalized_severity").is_none());
            all.insert((
                n["manifest"].as_str().unwrap().to_string(),
                n["reason"].as_str().unwrap().to_string(),
                n["vulnerability"]["name"].as_str().unwrap().to_string(),
            ));
        }
        match page["page"].get("next") {
            None => return (all, page),
            Some(n) => {
                assert_ne!(n, "-1", "Quay cannot follow -1");
                assert!(pages < 1000, "paging does not end");
                next = Some(n.as_str().unwrap().to_string());
            }
        }
    }
}

/// A RabbitMQ queue bound to a fresh exchange by a fresh routing key; the exchange goes
/// with the connection (auto-delete), the queue too (exclusive).
pub struct AmqpQueue {
    _connection: lapin::Connection,
    pub channel: lapin::Channel,
    pub exchange: String,
    pub queue: String,
    pub routing_key: String,
}

impl AmqpQueue {
    pub async fn start() -> AmqpQueue {
        use lapin::options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
        use lapin::types::FieldTable;
        let connection = lapin::Connection::connect(
            "amqp://guest:guest@127.0.0.1:5672/%2f",
            lapin::ConnectionProperties::default(),
        )
        .await
        .expect("RabbitMQ on 127.0.0.1:5672");
        let channel = connection.create_channel().await.unwrap();
        let tag = uuid::Uuid::new_v4().simple().to_string();
        let (exchange, queue, routing_key) = (
            format!("scry-e2e-x-{tag}"),
            format!("scry-e2e-q-{tag}"),
            format!("scry.e2e.{tag}"),
        );
        let transient = ExchangeDeclareOptions {
            auto_delete: true,
            ..Default::default()
        };
        channel
            .exchange_declare(
                exchange.as_str().into(),
                lapin::ExchangeKind::Direct,
                transient,
                FieldTable::default(),
            )
            .await
            .unwrap();
        let exclusive = QueueDeclareOptions {
            exclusive: true,
            ..Default::default()
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
        AmqpQueue {
            _connection: connection,
            channel,
            exchange,
            queue,
            routing_key,
        }
    }

    /// The `amqp:` block delivering callbacks here.
    pub fn block(&self) -> String {
        format!(
            "  amqp:\n    exchange: {{name: {}, type: direct}}\n    routing_key: {}\n    callback: {CALLBACK}\n    uris: [\"amqp://guest:guest@127.0.0.1:5672/%2f\"]\n",
            self.exchange, self.routing_key
        )
    }

    /// The next message, waiting up to a minute.
    pub async fn next(&self, server: &Server) -> lapin::message::BasicGetMessage {
        let started = Instant::now();
        loop {
            let got = self
                .channel
                .basic_get(
                    self.queue.as_str().into(),
                    lapin::options::BasicGetOptions { no_ack: true },
                )
                .await
                .unwrap();
            if let Some(message) = got {
                return message;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "no AMQP message\n{}",
                server.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// A STOMP subscription to a fresh `/queue/…` on RabbitMQ's STOMP plugin.
pub struct StompQueue {
    pub stream: scry_notifier::deliver::stomp_frame::StompStream<tokio::net::TcpStream>,
    pub destination: String,
}

impl StompQueue {
    pub async fn start() -> StompQueue {
        use scry_notifier::deliver::stomp_frame::{Frame, StompStream};
        let wait = Duration::from_secs(10);
        let tcp = tokio::net::TcpStream::connect("127.0.0.1:61613")
            .await
            .expect("RabbitMQ's STOMP plugin (scripts/deps/rabbitmq-stomp.sh)");
        let mut stream = StompStream::new(tcp);
        let connect = Frame::new("CONNECT")
            .header("accept-version", "1.2")
            .header("host", "127.0.0.1")
            .header("login", "guest")
            .header("passcode", "guest");
        stream.send(&connect, wait).await.unwrap();
        assert_eq!(stream.receive(wait).await.unwrap().command, "CONNECTED");
        let destination = format!("/queue/scry-e2e-{}", uuid::Uuid::new_v4().simple());
        let subscribe = Frame::new("SUBSCRIBE")
            .header("id", "0")
            .header("destination", destination.clone())
            .header("ack", "auto")
            .header("receipt", "subscribed");
        stream.send(&subscribe, wait).await.unwrap();
        assert_eq!(
            stream.receive(wait).await.unwrap().get("receipt-id"),
            Some("subscribed")
        );
        StompQueue {
            stream,
            destination,
        }
    }

    /// The `stomp:` block sending here; `direct` with one notification per message.
    pub fn block(&self, direct: bool) -> String {
        let mode = if direct {
            "    direct: true\n    rollup: 1\n".to_string()
        } else {
            format!("    callback: {CALLBACK}\n")
        };
        format!(
            "  stomp:\n    destination: {}\n    uris: [\"127.0.0.1:61613\"]\n{mode}    user: {{login: guest, passcode: guest}}\n",
            self.destination
        )
    }

    /// The next MESSAGE body, waiting up to a minute.
    pub async fn next(&mut self, server: &Server) -> Vec<u8> {
        let frame = self
            .stream
            .receive(Duration::from_secs(60))
            .await
            .unwrap_or_else(|err| panic!("no STOMP message: {err}\n{}", server.log()));
        assert_eq!(frame.command, "MESSAGE", "{}", frame.error_text());
        frame.body
    }

    /// Unsubscribes and deletes the queue (RabbitMQ keeps `/queue/…` queues).
    pub async fn done(mut self) {
        self.stream.shutdown().await;
        let amqp = lapin::Connection::connect(
            "amqp://guest:guest@127.0.0.1:5672/127.0.0.1",
            lapin::ConnectionProperties::default(),
        )
        .await
        .unwrap();
        amqp.create_channel()
            .await
            .unwrap()
            .queue_delete(
                self.destination.trim_start_matches("/queue/").into(),
                lapin::options::QueueDeleteOptions::default(),
            )
            .await
            .unwrap();
    }
}
