//! Webhook delivery: POST `{"notification_id", "callback"}` to `notifier.webhook.target`
//! (Quay's `/secscan/notification`), signed with the PSK when there is one.

use futures::StreamExt as _;
use futures::future::BoxFuture;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use reqwest::{StatusCode, Url};
use scry_config::{Psk, Webhook};
use scry_model::Notification;
use uuid::Uuid;

use super::{Deliverer, DeliveryError, STEP_TIMEOUT, callback_body, error_chain};

/// The issuer of webhook JWTs: Clair's notifier's, which Quay does not check but
/// Clair-style receivers may.
const ISSUER: &str = scry_config::psk::NOTIFIER_ISSUER;
/// How much of a refusing receiver's body goes into the error.
const BODY_EXCERPT: usize = 256;

/// Delivers by HTTP POST. Only `200 OK` counts as delivered, as in Clair.
pub struct WebhookDeliverer {
    client: reqwest::Client,
    target: Url,
    callback: String,
    /// The configured headers, checked once.
    headers: HeaderMap,
    psk: Option<Psk>,
}

impl WebhookDeliverer {
    /// Checks `notifier.webhook` and builds the HTTP client.
    pub fn new(webhook: &Webhook, psk: Option<Psk>) -> Result<WebhookDeliverer, String> {
        if webhook.target.is_empty() {
            return Err("notifier.webhook.target: required".into());
        }
        let target = Url::parse(&webhook.target)
            .map_err(|err| format!("notifier.webhook.target: {:?}: {err}", webhook.target))?;
        if !matches!(target.scheme(), "http" | "https") {
            return Err(format!(
                "notifier.webhook.target: {:?} is not an http(s) URL",
                webhook.target
            ));
        }
        let mut headers = HeaderMap::new();
        for (name, values) in &webhook.headers {
            let header = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| format!("notifier.webhook.headers: {name:?} is not a header name"))?;
            for value in values {
                let value = HeaderValue::from_str(value).map_err(|_| {
                    format!("notifier.webhook.headers.{name}: {value:?} is not a header value")
                })?;
                headers.append(header.clone(), value);
            }
        }
        let client = reqwest::Client::builder()
            .user_agent(concat!("scry/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(STEP_TIMEOUT)
            .timeout(STEP_TIMEOUT)
            .build()
            .map_err(|err| format!("notifier.webhook: HTTP client: {}", error_chain(&err)))?;
        Ok(WebhookDeliverer {
            client,
            target,
            callback: webhook.callback_url(),
            headers,
            psk,
        })
    }

    async fn post(&self, id: Uuid) -> Result<(), DeliveryError> {
        // Configured headers first; ours replace any of the same name.
        let mut headers = self.headers.clone();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if let Some(psk) = &self.psk {
            let bearer = format!("Bearer {}", psk.sign(ISSUER));
            let value = HeaderValue::from_str(&bearer).expect("a JWT is a valid header value");
            headers.insert(AUTHORIZATION, value);
        }
        let response = self
            .client
            .post(self.target.clone())
            .headers(headers)
            .body(callback_body(&self.callback, id))
            .send()
            .await
            .map_err(|err| {
                DeliveryError(format!("webhook {}: {}", self.target, error_chain(&err)))
            })?;
        let status = response.status();
        if status == StatusCode::OK {
            return Ok(());
        }
        let excerpt = body_excerpt(response).await;
        Err(DeliveryError(format!(
            "webhook {}: HTTP {status} (only 200 counts as delivered){excerpt}",
            self.target
        )))
    }
}

/// The start of a refusal's body, for the error (`: <text>`), or nothing.
async fn body_excerpt(response: reqwest::Response) -> String {
    let mut body = Vec::new();
    let mut stream = response.bytes_stream();
    while body.len() < BODY_EXCERPT {
        match stream.next().await {
            Some(Ok(chunk)) => body.extend_from_slice(&chunk),
            _ => break,
        }
    }
    body.truncate(BODY_EXCERPT);
    let text = String::from_utf8_lossy(&body);
    let text = text.trim();
    if text.is_empty() {
        String::new()
    } else {
        format!(": {text}")
    }
}

impl Deliverer for WebhookDeliverer {
    fn name(&self) -> &'static str {
        "webhook"
    }

    fn direct(&self) -> bool {
        false
    }

    fn deliver<'a>(
        &'a self,
        id: Uuid,
        _notifications: &'a [Notification],
    ) -> BoxFuture<'a, Result<(), DeliveryError>> {
        Box::pin(self.post(id))
    }
}
