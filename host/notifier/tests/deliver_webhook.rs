//! Webhook delivery against a real HTTP receiver on loopback, checked the way Quay's
//! `/secscan/notification` checks it: body keys, headers, and the PSK-signed JWT.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use scry_config::{Notifier, Psk, Webhook};
use scry_notifier::deliver::{Deliverer, DeliveryError, from_config};
use uuid::Uuid;

const CALLBACK: &str = "http://scry.test:6060/notifier/api/v1/notification";

#[derive(Clone)]
struct Receiver {
    status: StatusCode,
    seen: Arc<Mutex<Vec<(HeaderMap, Bytes)>>>,
}

async fn record(State(receiver): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    receiver.seen.lock().unwrap().push((headers, body));
    receiver.status
}

/// A receiver answering `status`; returns its target URL and what it saw.
async fn receiver(status: StatusCode) -> (String, Arc<Mutex<Vec<(HeaderMap, Bytes)>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let app = Router::new()
        .route("/secscan/notification", post(record))
        .with_state(Receiver {
            status,
            seen: seen.clone(),
        });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/secscan/notification"), seen)
}

fn deliverer(target: &str, psk: Option<Psk>) -> Arc<dyn Deliverer> {
    let notifier = Notifier {
        webhook: Some(Webhook {
            target: target.to_owned(),
            callback: CALLBACK.to_owned(),
            headers: BTreeMap::from([("X-Scry-Test".to_owned(), vec!["one".into(), "two".into()])]),
            signed: false,
        }),
        ..Notifier::default()
    };
    from_config(&notifier, psk)
        .unwrap()
        .expect("a webhook is configured")
}

async fn deliver(deliverer: &dyn Deliverer, id: Uuid) -> Result<(), DeliveryError> {
    tokio::time::timeout(Duration::from_secs(40), deliverer.deliver(id, &[]))
        .await
        .expect("delivery must not hang")
}

fn psk() -> Psk {
    Psk::from_key_bytes(b"scry webhook test key", ["clair-notifier"]).unwrap()
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[tokio::test]
async fn posts_the_callback_signed_with_the_psk() {
    let (target, seen) = receiver(StatusCode::OK).await;
    let webhook = deliverer(&target, Some(psk()));
    assert_eq!(webhook.name(), "webhook");
    assert!(!webhook.direct());
    let id = Uuid::new_v4();
    let before = now();
    deliver(webhook.as_ref(), id).await.unwrap();

    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    let (headers, body) = &seen[0];
    let body: serde_json::Value = serde_json::from_slice(body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({
            "notification_id": id.to_string(),
            "callback": format!("{CALLBACK}/{id}"),
        })
    );
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(
        headers["user-agent"],
        format!("scry/{}", env!("CARGO_PKG_VERSION")).as_str()
    );
    let extra: Vec<_> = headers.get_all("x-scry-test").iter().collect();
    assert_eq!(extra, ["one", "two"]);

    // What Quay's strict PyJWT needs: HS256 with the PSK, and iat, nbf and exp present.
    let authorization = headers["authorization"].to_str().unwrap();
    let claims = psk().verify(Some(authorization)).unwrap();
    let after = now();
    assert_eq!(claims.iss, "clair-notifier");
    let iat = claims.iat.expect("iat is set");
    assert!(
        before <= iat && iat <= after,
        "iat {iat} not in [{before}, {after}]"
    );
    assert_eq!(claims.nbf, Some(iat - 60));
    assert!(claims.nbf.unwrap() < now());
    assert_eq!(claims.exp, iat + 60);
    assert!(claims.exp > now());
    // And a receiver with another key refuses it.
    let other = Psk::from_key_bytes(b"another key", ["clair-notifier"]).unwrap();
    assert!(other.verify(Some(authorization)).is_err());
}

#[tokio::test]
async fn without_a_psk_nothing_is_signed() {
    let (target, seen) = receiver(StatusCode::OK).await;
    deliver(deliverer(&target, None).as_ref(), Uuid::new_v4())
        .await
        .unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].0.get("authorization").is_none());
}

#[tokio::test]
async fn only_200_counts_as_delivered() {
    for (status, shown) in [
        (StatusCode::INTERNAL_SERVER_ERROR, "500"),
        (StatusCode::CREATED, "201"),
    ] {
        let (target, seen) = receiver(status).await;
        let err = deliver(deliverer(&target, None).as_ref(), Uuid::new_v4())
            .await
            .unwrap_err()
            .to_string();
        assert!(err.contains(&target), "{err}");
        assert!(err.contains(shown), "{err}");
        assert_eq!(seen.lock().unwrap().len(), 1, "the receiver was asked once");
    }
}

#[tokio::test]
async fn an_unreachable_receiver_is_named() {
    // A port that was just free: nothing listens there now.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let target = format!(
        "http://{}/secscan/notification",
        listener.local_addr().unwrap()
    );
    drop(listener);
    let err = deliver(deliverer(&target, Some(psk())).as_ref(), Uuid::new_v4())
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains(&target), "{err}");
    assert!(err.to_lowercase().contains("connect"), "{err}");
}
