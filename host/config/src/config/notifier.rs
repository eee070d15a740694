//! `notifier`: tells subscribers (Quay, via a webhook) which manifests a vulnerability
//! update affects.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::tls::Tls;
use crate::serde_util::{empty_is_none, is_false, is_zero};

/// How often the notifier looks for new update operations unless told otherwise.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(6 * 3600);
/// How often the notifier retries delivery unless told otherwise.
pub const DEFAULT_DELIVERY_INTERVAL: Duration = Duration::from_secs(3600);

/// Notifier settings. Only one delivery mechanism is used: `webhook`, else `amqp`,
/// else `stomp`. With none, the notifier does not run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Notifier {
    /// Database for notifications and their delivery state; forms as for
    /// `indexer.connstring`. Empty: a SQLite file `notifier.db` in `scry.data_dir`.
    pub connstring: String,
    /// Create or upgrade the notifier's database tables at startup.
    #[serde(skip_serializing_if = "is_false")]
    pub migrations: bool,
    /// URL of the indexer (for affected manifests). Required in `notifier` mode.
    #[serde(
        deserialize_with = "empty_is_none",
        skip_serializing_if = "Option::is_none"
    )]
    pub indexer_addr: Option<String>,
    /// URL of the matcher (for update operations and diffs). Required in `notifier` mode.
    #[serde(
        deserialize_with = "empty_is_none",
        skip_serializing_if = "Option::is_none"
    )]
    pub matcher_addr: Option<String>,
    /// How often to look for new update operations (a Go duration). Unset, or under one
    /// minute: 6 hours.
    #[serde(
        with = "crate::duration::go_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub poll_interval: Option<Duration>,
    /// How often to attempt delivery of pending or failed notifications (a Go duration).
    /// Unset, or under one minute: 1 hour.
    #[serde(
        with = "crate::duration::go_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub delivery_interval: Option<Duration>,
    /// Send one notification per affected manifest and vulnerability, instead of one
    /// per manifest and reason naming the most severe vulnerability.
    #[serde(skip_serializing_if = "is_false")]
    pub disable_summary: bool,
    /// Deliver by HTTP POST (what Quay uses).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook: Option<Webhook>,
    /// Deliver to an AMQP exchange.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amqp: Option<Amqp>,
    /// Deliver to a STOMP destination.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stomp: Option<Stomp>,
}

/// The configured delivery mechanism, by Clair's precedence.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Delivery<'a> {
    Webhook(&'a Webhook),
    Amqp(&'a Amqp),
    Stomp(&'a Stomp),
}

impl Notifier {
    /// The delivery mechanism in use: `webhook`, else `amqp`, else `stomp`.
    pub fn delivery(&self) -> Option<Delivery<'_>> {
        if let Some(webhook) = &self.webhook {
            Some(Delivery::Webhook(webhook))
        } else if let Some(amqp) = &self.amqp {
            Some(Delivery::Amqp(amqp))
        } else {
            self.stomp.as_ref().map(Delivery::Stomp)
        }
    }

    /// `poll_interval` with its default applied.
    pub fn effective_poll_interval(&self) -> Duration {
        self.poll_interval_with_floor(MIN_INTERVAL)
    }

    /// `delivery_interval` with its default applied.
    pub fn effective_delivery_interval(&self) -> Duration {
        self.delivery_interval_with_floor(MIN_INTERVAL)
    }

    /// `poll_interval`, or its default when unset or under `floor`
    /// (`scry.min_interval`; Clair's floor is one minute).
    pub fn poll_interval_with_floor(&self, floor: Duration) -> Duration {
        at_least(self.poll_interval, floor).unwrap_or(DEFAULT_POLL_INTERVAL)
    }

    /// `delivery_interval`, or its default when unset or under `floor`.
    pub fn delivery_interval_with_floor(&self, floor: Duration) -> Duration {
        at_least(self.delivery_interval, floor).unwrap_or(DEFAULT_DELIVERY_INTERVAL)
    }
}

/// Intervals under this fall back to their defaults, as in Clair.
pub const MIN_INTERVAL: Duration = Duration::from_secs(60);

fn at_least(value: Option<Duration>, floor: Duration) -> Option<Duration> {
    value.filter(|d| *d >= floor && !d.is_zero())
}

/// `notifier.webhook`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Webhook {
    /// URL the notification is POSTed to, e.g. `https://quay/secscan/notification`.
    pub target: String,
    /// Base URL of this notifier's notification API, sent in the webhook body so the
    /// receiver can page through the notification (a `/` is appended if missing), e.g.
    /// `http://clair:6060/notifier/api/v1/notification/`.
    pub callback: String,
    /// Extra HTTP headers sent with every delivery (name → values).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, Vec<String>>,
    /// Deprecated and ignored: deliveries are signed whenever `auth.psk` is set.
    #[serde(skip_serializing_if = "is_false")]
    pub signed: bool,
}

impl Webhook {
    /// `callback` with the trailing `/` Clair adds.
    pub fn callback_url(&self) -> String {
        with_trailing_slash(&self.callback)
    }
}

pub(crate) fn with_trailing_slash(url: &str) -> String {
    if url.ends_with('/') {
        url.to_owned()
    } else {
        format!("{url}/")
    }
}

/// `notifier.amqp`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Amqp {
    /// The exchange notifications go to (checked with a passive declare).
    pub exchange: Exchange,
    /// Routing key for published messages. Required.
    pub routing_key: String,
    /// Base URL of this notifier's notification API, sent in each message unless
    /// `direct` is set. Required unless `direct`.
    pub callback: String,
    /// Broker URIs (`amqp://user:pass@host:5672/vhost` or `amqps://…`); the first that
    /// connects is used. At least one is required.
    pub uris: Vec<String>,
    /// With `direct`, how many notifications go in one message (0 or 1: one each).
    #[serde(skip_serializing_if = "is_zero")]
    pub rollup: i64,
    /// Put the notifications themselves in the messages, instead of a callback URL.
    #[serde(skip_serializing_if = "is_false")]
    pub direct: bool,
    /// Client certificate for `amqps://` brokers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<Tls>,
}

/// `notifier.amqp.exchange`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Exchange {
    /// Exchange name; empty is the default exchange.
    pub name: String,
    /// Exchange type: `direct`, `fanout`, `topic` or `headers`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Whether the exchange survives broker restarts.
    #[serde(skip_serializing_if = "is_false")]
    pub durability: bool,
    /// Whether the exchange is deleted when its last queue is unbound.
    #[serde(skip_serializing_if = "is_false")]
    pub auto_delete: bool,
}

/// `notifier.stomp`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Stomp {
    /// Destination (queue or topic) messages are sent to.
    pub destination: String,
    /// Base URL of this notifier's notification API, sent in each message unless
    /// `direct` is set.
    pub callback: String,
    /// Brokers as `host:port` (not URLs); tried in order. At least one is required.
    pub uris: Vec<String>,
    /// With `direct`, how many notifications go in one message (0 or 1: one each).
    #[serde(skip_serializing_if = "is_zero")]
    pub rollup: i64,
    /// Put the notifications themselves in the messages, instead of a callback URL.
    #[serde(skip_serializing_if = "is_false")]
    pub direct: bool,
    /// Broker login.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<StompLogin>,
    /// Client certificate for TLS connections to the broker.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<Tls>,
}

/// `notifier.stomp.user`.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StompLogin {
    /// User name.
    pub login: String,
    /// Password.
    pub passcode: String,
}

impl std::fmt::Debug for StompLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StompLogin")
            .field("login", &self.login)
            .field("passcode", &"REDACTED")
            .finish()
    }
}
