//! AMQP 0.9.1 delivery (RabbitMQ and the like), as Clair's notifier does it: the first
//! broker of `uris` that answers, a passive declare of the exchange, then either the
//! callback message or, `direct`, the notifications themselves in one transaction.

use std::sync::Arc;

use futures::future::BoxFuture;
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions, ExchangeDeclareOptions};
use lapin::tcp::{OwnedIdentity, OwnedTLSConfig};
use lapin::types::FieldTable;
use lapin::uri::AMQPUri;
use lapin::{
    BasicProperties, Channel, Confirmation, Connection, ConnectionProperties, ExchangeKind,
};
use scry_config::{Amqp, Exchange, Tls};
use scry_model::Notification;
use tokio::sync::Mutex;
use tokio::time::timeout;
use uuid::Uuid;

use super::{
    Deliverer, DeliveryError, STEP_TIMEOUT, callback_body, check_callback, error_chain,
    rollup_bodies,
};

/// Receivers may filter on it: Clair's value, kept.
pub const APP_ID: &str = "clairV4-notifier";

/// Publishes to an AMQP exchange. One connection is kept and reused while it stays
/// open; each delivery gets its own channel, so concurrent transactions never mix.
pub struct AmqpDeliverer {
    uris: Vec<String>,
    tls: OwnedTLSConfig,
    exchange: Exchange,
    routing_key: String,
    callback: String,
    direct: bool,
    rollup: i64,
    connection: Mutex<Option<Broker>>,
}

/// An open connection and the URI (password hidden) it went to, for messages.
#[derive(Clone)]
struct Broker {
    connection: Arc<Connection>,
    uri: String,
}

impl AmqpDeliverer {
    /// Checks `notifier.amqp` and reads its TLS files; connects on first delivery.
    pub fn new(amqp: &Amqp) -> Result<AmqpDeliverer, String> {
        if amqp.routing_key.is_empty() {
            return Err("notifier.amqp.routing_key: required".into());
        }
        if amqp.uris.is_empty() {
            return Err("notifier.amqp.uris: at least one broker URI is required".into());
        }
        for uri in &amqp.uris {
            uri.parse::<AMQPUri>()
                .map_err(|err| format!("notifier.amqp.uris: {:?}: {err}", redact(uri)))?;
        }
        check_callback("notifier.amqp.callback", &amqp.callback, amqp.direct)?;
        let tls = match &amqp.tls {
            Some(tls) => tls_config("notifier.amqp.tls", tls)?,
            None => OwnedTLSConfig::default(),
        };
        Ok(AmqpDeliverer {
            uris: amqp.uris.clone(),
            tls,
            exchange: amqp.exchange.clone(),
            routing_key: amqp.routing_key.clone(),
            callback: amqp.callback.clone(),
            direct: amqp.direct,
            rollup: amqp.rollup,
            connection: Mutex::new(None),
        })
    }

    /// The kept connection if it is still open (and is not `stale`), else a new one to
    /// the first broker of `uris` that answers.
    async fn broker(&self, stale: Option<&Arc<Connection>>) -> Result<Broker, DeliveryError> {
        let mut kept = self.connection.lock().await;
        if let Some(broker) = kept.as_ref()
            && broker.connection.status().connected()
            && !stale.is_some_and(|stale| Arc::ptr_eq(stale, &broker.connection))
        {
            return Ok(broker.clone());
        }
        if let Some(old) = kept.take() {
            let _ = timeout(
                STEP_TIMEOUT,
                old.connection.close(200, "reconnecting".into()),
            )
            .await;
        }
        let mut failures = Vec::new();
        for uri in &self.uris {
            let properties =
                ConnectionProperties::default().with_connection_name("scry-notifier".into());
            let connect = async {
                Connection::connect_with_config(
                    uri,
                    properties,
                    self.tls.clone(),
                    lapin::runtime::default_runtime()?,
                )
                .await
            };
            match timeout(STEP_TIMEOUT, connect).await {
                Ok(Ok(connection)) => {
                    let broker = Broker {
                        connection: Arc::new(connection),
                        uri: redact(uri),
                    };
                    *kept = Some(broker.clone());
                    return Ok(broker);
                }
                Ok(Err(err)) => failures.push(format!("{}: {}", redact(uri), error_chain(&err))),
                Err(_) => failures.push(format!("{}: no answer in {STEP_TIMEOUT:?}", redact(uri))),
            }
        }
        Err(DeliveryError(format!(
            "amqp: no broker reachable: {}",
            failures.join("; ")
        )))
    }

    /// A new channel, reconnecting once if the kept connection turns out to be dead.
    async fn channel(&self) -> Result<(Broker, Channel), DeliveryError> {
        let broker = self.broker(None).await?;
        match timeout(STEP_TIMEOUT, broker.connection.create_channel()).await {
            Ok(Ok(channel)) => return Ok((broker, channel)),
            Ok(Err(err)) => {
                tracing::debug!(broker = %broker.uri, error = %err, "amqp: reconnecting")
            }
            Err(_) => {
                tracing::debug!(broker = %broker.uri, "amqp: channel timed out; reconnecting")
            }
        }
        // Another delivery may have reconnected meanwhile: then its connection is used.
        let broker = self.broker(Some(&broker.connection)).await?;
        let channel = timeout(STEP_TIMEOUT, broker.connection.create_channel())
            .await
            .map_err(|_| {
                DeliveryError(format!(
                    "amqp {}: no channel in {STEP_TIMEOUT:?}",
                    broker.uri
                ))
            })?
            .map_err(|err| {
                DeliveryError(format!(
                    "amqp {}: channel: {}",
                    broker.uri,
                    error_chain(&err)
                ))
            })?;
        Ok((broker, channel))
    }

    async fn deliver_set(
        &self,
        id: Uuid,
        notifications: &[Notification],
    ) -> Result<(), DeliveryError> {
        let (broker, channel) = self.channel().await?;
        let published = timeout(2 * STEP_TIMEOUT, self.publish(&channel, id, notifications)).await;
        // Closing the channel also rolls back a transaction left open by an error.
        let _ = timeout(STEP_TIMEOUT, channel.close(200, "done".into())).await;
        match published {
            Ok(Ok(())) => Ok(()),
            Ok(Err(message)) => Err(DeliveryError(format!("amqp {}: {message}", broker.uri))),
            Err(_) => {
                // A broker this slow may be wedged: the next delivery starts afresh.
                let mut kept = self.connection.lock().await;
                if kept
                    .as_ref()
                    .is_some_and(|k| Arc::ptr_eq(&k.connection, &broker.connection))
                {
                    kept.take();
                }
                Err(DeliveryError(format!(
                    "amqp {}: no answer from the broker in {:?}",
                    broker.uri,
                    2 * STEP_TIMEOUT
                )))
            }
        }
    }

    /// The deliveries themselves; errors say which step failed.
    async fn publish(
        &self,
        channel: &Channel,
        id: Uuid,
        notifications: &[Notification],
    ) -> Result<(), String> {
        let name = &self.exchange.name;
        if !name.is_empty() {
            // Passive: Scry never creates the exchange, it only checks that it exists.
            let options = ExchangeDeclareOptions {
                passive: true,
                durable: self.exchange.durability,
                auto_delete: self.exchange.auto_delete,
                ..ExchangeDeclareOptions::default()
            };
            channel
                .exchange_declare(
                    name.as_str().into(),
                    exchange_kind(&self.exchange.kind),
                    options,
                    FieldTable::default(),
                )
                .await
                .map_err(|err| format!("exchange {name:?}: {}", error_chain(&err)))?;
        }
        let target = format!("exchange {name:?} routing key {:?}", self.routing_key);
        if !self.direct {
            // Publisher confirms: success means the broker has taken the message.
            channel
                .confirm_select(ConfirmSelectOptions::default())
                .await
                .map_err(|err| format!("confirm.select: {}", error_chain(&err)))?;
            let confirmation = self
                .send(channel, callback_body(&self.callback, id))
                .await
                .map_err(|err| format!("publish to {target}: {err}"))?;
            return match confirmation {
                Confirmation::Ack(_) => Ok(()),
                Confirmation::Nack(_) => Err(format!(
                    "publish to {target}: the broker refused the message (nack)"
                )),
                Confirmation::NotRequested => Err(format!(
                    "publish to {target}: the broker did not confirm the message"
                )),
            };
        }
        channel
            .tx_select()
            .await
            .map_err(|err| format!("tx.select: {}", error_chain(&err)))?;
        let sent = async {
            for body in rollup_bodies(notifications, self.rollup) {
                self.send(channel, body).await?;
            }
            channel.tx_commit().await.map_err(|err| error_chain(&err))
        }
        .await;
        if let Err(err) = sent {
            let _ = channel.tx_rollback().await;
            return Err(format!("publish to {target} (rolled back): {err}"));
        }
        Ok(())
    }

    async fn send(&self, channel: &Channel, body: Vec<u8>) -> Result<Confirmation, String> {
        let properties = BasicProperties::default()
            .with_content_type("application/json".into())
            .with_app_id(APP_ID.into())
            // Persistent, so a durable queue keeps it across a broker restart (Clair leaves
            // it transient; receivers do not see the difference).
            .with_delivery_mode(2);
        let confirm = channel
            .basic_publish(
                self.exchange.name.as_str().into(),
                self.routing_key.as_str().into(),
                BasicPublishOptions::default(),
                &body,
                properties,
            )
            .await
            .map_err(|err| error_chain(&err))?;
        confirm.await.map_err(|err| error_chain(&err))
    }
}

impl Deliverer for AmqpDeliverer {
    fn name(&self) -> &'static str {
        "amqp"
    }

    fn direct(&self) -> bool {
        self.direct
    }

    fn deliver<'a>(
        &'a self,
        id: Uuid,
        notifications: &'a [Notification],
    ) -> BoxFuture<'a, Result<(), DeliveryError>> {
        Box::pin(self.deliver_set(id, notifications))
    }
}

fn exchange_kind(kind: &str) -> ExchangeKind {
    match kind {
        "" | "direct" => ExchangeKind::Direct,
        "fanout" => ExchangeKind::Fanout,
        "topic" => ExchangeKind::Topic,
        "headers" => ExchangeKind::Headers,
        other => ExchangeKind::Custom(other.to_owned()),
    }
}

/// `tls`: the client certificate and key (PEM) and extra CAs, read now so a missing file
/// is a config error, not a failed delivery.
fn tls_config(key: &str, tls: &Tls) -> Result<OwnedTLSConfig, String> {
    let read = |name: &str, path: &std::path::Path| {
        std::fs::read(path).map_err(|err| format!("{key}.{name}: {}: {err}", path.display()))
    };
    let identity = match (&tls.cert, &tls.key) {
        (Some(cert), Some(private)) => Some(OwnedIdentity::PKCS8 {
            pem: read("cert", cert)?,
            key: read("key", private)?,
        }),
        (None, None) => None,
        _ => return Err(format!("{key}: cert and key go together")),
    };
    let cert_chain = match &tls.root_ca {
        Some(path) => Some(
            String::from_utf8(read("root_ca", path)?)
                .map_err(|_| format!("{key}.root_ca: {}: not PEM text", path.display()))?,
        ),
        None => None,
    };
    Ok(OwnedTLSConfig {
        identity,
        cert_chain,
    })
}

/// `uri` with its password replaced by `***`, for messages and logs.
pub(crate) fn redact(uri: &str) -> String {
    let Some((scheme, rest)) = uri.split_once("://") else {
        return uri.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) if userinfo.contains(':') => {
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}{tail}")
        }
        _ => uri.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn redact_hides_passwords_only() {
        assert_eq!(
            redact("amqp://guest:secret@127.0.0.1:5672/%2f"),
            "amqp://guest:***@127.0.0.1:5672/%2f"
        );
        assert_eq!(redact("amqp://user@host/vh"), "amqp://user@host/vh");
        assert_eq!(redact("amqp://host:5672"), "amqp://host:5672");
        assert_eq!(redact("not a uri"), "not a uri");
    }
}
