//! Delivery mechanisms. Each sends one notification set; the caller retries a set
//! until a delivery succeeds, so receivers see it at least once.

mod amqp;
mod stomp;
pub mod stomp_frame;
mod webhook;

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use scry_config::{Delivery, Notifier, Psk};
use scry_model::Notification;
use uuid::Uuid;

pub use amqp::AmqpDeliverer;
pub use stomp::StompDeliverer;
pub use webhook::WebhookDeliverer;

/// Why a delivery failed, for the set's `last_error` and the logs; names the target.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct DeliveryError(pub String);

/// One configured delivery mechanism.
pub trait Deliverer: Send + Sync {
    /// `webhook`, `amqp` or `stomp` (metrics label).
    fn name(&self) -> &'static str;
    /// Whether the messages carry the notifications themselves (`direct`) rather than a
    /// callback URL; the caller then passes every notification of the set.
    fn direct(&self) -> bool;
    /// Delivers set `id`. `notifications` is the whole set when [`Deliverer::direct`],
    /// else empty.
    fn deliver<'a>(
        &'a self,
        id: Uuid,
        notifications: &'a [Notification],
    ) -> BoxFuture<'a, Result<(), DeliveryError>>;
}

/// How long one network step of a delivery (a connect, a request, a broker's answer) may
/// take: Clair's dial timeout, and what keeps a stuck receiver from holding a worker.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(30);

/// The deliverer for the configured mechanism (`webhook`, else `amqp`, else `stomp`), or
/// `None` when there is none. `psk` signs webhook deliveries. Errors name the config key.
pub fn from_config(
    notifier: &Notifier,
    psk: Option<Psk>,
) -> Result<Option<Arc<dyn Deliverer>>, String> {
    let deliverer: Arc<dyn Deliverer> = match notifier.delivery() {
        None => return Ok(None),
        Some(Delivery::Webhook(webhook)) => Arc::new(WebhookDeliverer::new(webhook, psk)?),
        Some(Delivery::Amqp(amqp)) => Arc::new(AmqpDeliverer::new(amqp)?),
        Some(Delivery::Stomp(stomp)) => Arc::new(StompDeliverer::new(stomp)?),
    };
    Ok(Some(deliverer))
}

/// Where set `id` can be read: `base` with a trailing `/`, then the id (as Clair builds it).
fn callback_url(base: &str, id: Uuid) -> String {
    if base.ends_with('/') {
        format!("{base}{id}")
    } else {
        format!("{base}/{id}")
    }
}

/// The non-direct message body: `{"notification_id", "callback"}`.
fn callback_body(callback_base: &str, id: Uuid) -> Vec<u8> {
    let callback = scry_model::Callback {
        notification_id: id.to_string(),
        callback: callback_url(callback_base, id),
    };
    serde_json::to_vec(&callback).expect("a Callback always serialises")
}

/// Direct message bodies: JSON arrays of at most `rollup` notifications (0 or less: one).
fn rollup_bodies(notifications: &[Notification], rollup: i64) -> Vec<Vec<u8>> {
    let size = usize::try_from(rollup).unwrap_or(0).max(1);
    notifications
        .chunks(size)
        .map(|chunk| serde_json::to_vec(chunk).expect("notifications always serialise"))
        .collect()
}

/// A non-direct mechanism's `callback` (`key`): required, and an http(s) URL.
fn check_callback(key: &str, callback: &str, direct: bool) -> Result<(), String> {
    if direct {
        return Ok(());
    }
    if callback.is_empty() {
        return Err(format!("{key}: required unless direct is set"));
    }
    match reqwest::Url::parse(callback) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => Ok(()),
        Ok(_) => Err(format!("{key}: {callback:?} is not an http(s) URL")),
        Err(err) => Err(format!("{key}: {callback:?}: {err}")),
    }
}

/// An error with its causes, `outer: inner: …`, for messages that must say what failed.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_urls_get_one_slash() {
        let id = Uuid::nil();
        let want = format!("http://c/n/{id}");
        assert_eq!(callback_url("http://c/n", id), want);
        assert_eq!(callback_url("http://c/n/", id), want);
    }

    #[test]
    fn rollup_below_one_means_one_each() {
        let notification = Notification {
            id: "n".into(),
            manifest: "sha256:00".into(),
            reason: scry_model::Reason::Added,
            vulnerability: scry_model::VulnSummary::default(),
        };
        let set = vec![notification; 3];
        for rollup in [-5, 0, 1] {
            assert_eq!(rollup_bodies(&set, rollup).len(), 3);
        }
        assert_eq!(rollup_bodies(&set, 2).len(), 2);
        assert_eq!(rollup_bodies(&set, 10).len(), 1);
        assert!(rollup_bodies(&[], 2).is_empty());
    }
}
