//! The configuration file's shape: Clair's keys, plus Scry's under `scry`.

mod auth;
mod indexer;
mod limits;
mod matcher;
mod matchers;
mod notifier;
mod scry;
mod telemetry;
mod tls;

use std::path::PathBuf;

use serde::{Deserialize, Deserializer, Serialize};

pub use auth::{Auth, PskConfig};
pub use indexer::{Indexer, ScannerConfig};
pub use limits::{LayerLimits, Limits, PluginLimits};
pub use matcher::{DEFAULT_PERIOD, DEFAULT_UPDATE_RETENTION, Matcher};
pub use matchers::{Matchers, Updaters};
pub use notifier::{
    Amqp, DEFAULT_DELIVERY_INTERVAL, DEFAULT_POLL_INTERVAL, Delivery, Exchange, MIN_INTERVAL,
    Notifier, Stomp, StompLogin, Webhook,
};
pub use scry::Scry;
pub use telemetry::{
    Jaeger, JaegerAgent, JaegerCollector, Metrics, Otlp, OtlpGrpc, OtlpHttp, Prometheus, Sentry,
    Trace,
};
pub use tls::Tls;

use crate::addr::HostPort;
use crate::database::{Database, parse_connstring};
use crate::error::ConfigError;
use crate::level::LogLevel;
use crate::psk::Psk;

/// API port used when `http_listen_addr` is absent.
pub const DEFAULT_HTTP_PORT: u16 = 6060;
/// Introspection port used when `introspection_addr` is absent.
pub const DEFAULT_INTROSPECTION_PORT: u16 = 8089;

/// A whole configuration. Every key is optional.
///
/// Two sets of defaults apply. A *file* that leaves out `http_listen_addr` or
/// `introspection_addr` gets Clair's (`:6060`, `:8089`: every interface), so a Clair
/// config behaves as it did under Clair. With *no file at all*
/// ([`Config::default`]), Scry listens on loopback only: `127.0.0.1:6060` and
/// `127.0.0.1:8089`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the API (indexer, matcher, notifier routes) listens, as `host:port`; an
    /// empty host means every interface. Default `:6060`.
    #[serde(
        default = "clair_http_listen_addr",
        deserialize_with = "http_listen_addr"
    )]
    pub http_listen_addr: HostPort,
    /// Where `/metrics`, `/healthz` and `/readyz` are served, as `host:port`. Default
    /// `:8089`.
    #[serde(
        default = "clair_introspection_addr",
        deserialize_with = "introspection_addr"
    )]
    pub introspection_addr: HostPort,
    /// How much to log: `debug-color`, `debug`, `info` (default), `warn`, `error`
    /// (`fatal` and `panic` are accepted and log errors only).
    #[serde(default)]
    pub log_level: LogLevel,
    /// Serve the API over HTTPS with this certificate and key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<Tls>,
    /// The indexer service.
    #[serde(default)]
    pub indexer: Indexer,
    /// The matcher service.
    #[serde(default)]
    pub matcher: Matcher,
    /// Which matchers run, and their settings.
    #[serde(default)]
    pub matchers: Matchers,
    /// Which vulnerability sources are fetched, and their settings.
    #[serde(default)]
    pub updaters: Updaters,
    /// The notifier service.
    #[serde(default)]
    pub notifier: Notifier,
    /// API authentication; none unless `auth.psk` is set.
    #[serde(default)]
    pub auth: Auth,
    /// Distributed tracing.
    #[serde(default)]
    pub trace: Trace,
    /// Metrics export.
    #[serde(default)]
    pub metrics: Metrics,
    /// Scry's own settings (not in Clair).
    #[serde(default)]
    pub scry: Scry,
}

fn clair_http_listen_addr() -> HostPort {
    HostPort::new("", DEFAULT_HTTP_PORT)
}

fn clair_introspection_addr() -> HostPort {
    HostPort::new("", DEFAULT_INTROSPECTION_PORT)
}

/// `""` is Go's zero value, which Clair replaces with the default.
fn addr_or<'de, D: Deserializer<'de>>(
    deserializer: D,
    default: HostPort,
) -> Result<HostPort, D::Error> {
    let text = String::deserialize(deserializer)?;
    if text.is_empty() {
        return Ok(default);
    }
    text.parse().map_err(serde::de::Error::custom)
}

fn http_listen_addr<'de, D: Deserializer<'de>>(deserializer: D) -> Result<HostPort, D::Error> {
    addr_or(deserializer, clair_http_listen_addr())
}

fn introspection_addr<'de, D: Deserializer<'de>>(deserializer: D) -> Result<HostPort, D::Error> {
    addr_or(deserializer, clair_introspection_addr())
}

impl Default for Config {
    /// The embedded defaults used when there is no configuration file: loopback
    /// listeners, SQLite in the data directory, no authentication.
    fn default() -> Self {
        Config {
            http_listen_addr: HostPort::new("127.0.0.1", DEFAULT_HTTP_PORT),
            introspection_addr: HostPort::new("127.0.0.1", DEFAULT_INTROSPECTION_PORT),
            log_level: LogLevel::default(),
            tls: None,
            indexer: Indexer::default(),
            matcher: Matcher::default(),
            matchers: Matchers::default(),
            updaters: Updaters::default(),
            notifier: Notifier::default(),
            auth: Auth::default(),
            trace: Trace::default(),
            metrics: Metrics::default(),
            scry: Scry::default(),
        }
    }
}

impl Config {
    /// The indexer's database: `indexer.connstring`, else `<data_dir>/indexer.db`.
    pub fn indexer_database(&self) -> Result<Database, ConfigError> {
        self.database("indexer.connstring", &self.indexer.connstring, "indexer.db")
    }

    /// The matcher's database: `matcher.connstring`, else `<data_dir>/matcher.db`.
    pub fn matcher_database(&self) -> Result<Database, ConfigError> {
        self.database("matcher.connstring", &self.matcher.connstring, "matcher.db")
    }

    /// The notifier's database: `notifier.connstring`, else `<data_dir>/notifier.db`.
    pub fn notifier_database(&self) -> Result<Database, ConfigError> {
        self.database(
            "notifier.connstring",
            &self.notifier.connstring,
            "notifier.db",
        )
    }

    fn database(&self, key: &str, connstring: &str, file: &str) -> Result<Database, ConfigError> {
        match parse_connstring(connstring).map_err(|message| ConfigError::invalid(key, message))? {
            Some(database) => Ok(database),
            None => Ok(Database::Sqlite(self.data_dir()?.join(file))),
        }
    }

    /// [`Scry::resolved_data_dir`] of `scry`.
    pub fn data_dir(&self) -> Result<PathBuf, ConfigError> {
        self.scry.resolved_data_dir()
    }

    /// The PSK verifier/signer, if `auth.psk` is set.
    pub fn psk(&self) -> Result<Option<Psk>, ConfigError> {
        self.auth.psk.as_ref().map(PskConfig::psk).transpose()
    }

    /// The updater sets to run: `None` means every default set. `matcher.disable_updaters`
    /// makes it `Some([])`.
    pub fn effective_updater_sets(&self) -> Option<&[String]> {
        if self.matcher.disable_updaters {
            Some(&[])
        } else {
            self.updaters.sets.as_deref()
        }
    }
}
