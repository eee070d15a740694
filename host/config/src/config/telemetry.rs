//! `trace` and `metrics`: where traces and metrics go.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::tls::Tls;
use crate::serde_util::{is_false, is_zero};

/// `trace`: distributed tracing. Off unless `name` is set.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Trace {
    /// Trace exporter: empty (off), `otlp`, `sentry`, `stdout`, or the deprecated
    /// `jaeger`.
    pub name: String,
    /// Fraction of requests to sample, 0 to 1. Debug log levels sample everything.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    /// OTLP exporter settings, for `name: otlp`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub otlp: Option<Otlp>,
    /// Sentry settings, for `name: sentry`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sentry: Option<Sentry>,
    /// Jaeger settings, for the deprecated `name: jaeger`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jaeger: Option<Jaeger>,
}

/// `metrics`: how metrics are exported.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Metrics {
    /// Metrics exporter: empty or `prometheus` (scrape endpoint on `introspection_addr`),
    /// `otlp`, or `stdout`.
    pub name: String,
    /// Prometheus settings.
    #[serde(skip_serializing_if = "Prometheus::is_default")]
    pub prometheus: Prometheus,
    /// OTLP exporter settings, for `name: otlp`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub otlp: Option<Otlp>,
}

impl Metrics {
    /// Whether the introspection server serves a Prometheus scrape endpoint.
    pub fn serves_prometheus(&self) -> bool {
        matches!(self.name.as_str(), "" | "prometheus")
    }
}

/// `metrics.prometheus`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Prometheus {
    /// Path of the scrape endpoint on the introspection server. Default `/metrics`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
}

impl Prometheus {
    fn is_default(&self) -> bool {
        self == &Prometheus::default()
    }

    /// The scrape path with its default applied.
    pub fn effective_endpoint(&self) -> &str {
        match self.endpoint.as_deref() {
            Some(path) if !path.is_empty() => path,
            _ => "/metrics",
        }
    }
}

/// `trace.otlp` / `metrics.otlp`: an OTLP collector over HTTP or gRPC.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Otlp {
    /// Export over HTTP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http: Option<OtlpHttp>,
    /// Export over gRPC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grpc: Option<OtlpGrpc>,
}

/// `*.otlp.http`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OtlpHttp {
    /// Collector `host:port` (no scheme). Default `localhost:4318`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub endpoint: String,
    /// Use plain HTTP instead of HTTPS.
    #[serde(skip_serializing_if = "is_false")]
    pub insecure: bool,
    /// Extra request headers.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// Payload compression: `gzip` or `none`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub compression: String,
    /// Longest one export may take (a Go duration). Default 10s.
    #[serde(
        with = "crate::duration::go_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub timeout: Option<Duration>,
    /// Client certificate presented to the collector.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_tls: Option<Tls>,
    /// URL path to post to, overriding the signal's standard path (e.g. `/v1/traces`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub url_path: String,
}

/// `*.otlp.grpc`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OtlpGrpc {
    /// Collector `host:port` (no scheme). Default `localhost:4317`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub endpoint: String,
    /// Skip certificate verification of the collector.
    #[serde(skip_serializing_if = "is_false")]
    pub insecure: bool,
    /// Extra request metadata.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// Payload compression: `gzip` or `none`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub compression: String,
    /// Longest one export may take (a Go duration). Default 10s.
    #[serde(
        with = "crate::duration::go_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub timeout: Option<Duration>,
    /// Client certificate presented to the collector.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_tls: Option<Tls>,
    /// Least time between reconnection attempts (a Go duration).
    #[serde(
        with = "crate::duration::go_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub reconnect: Option<Duration>,
    /// A gRPC service config, as a JSON string.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub service_config: String,
}

/// `trace.sentry`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Sentry {
    /// The Sentry DSN to report to.
    pub dsn: String,
    /// Environment name attached to events.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub environment: String,
}

/// `trace.jaeger` (deprecated in Clair; accepted so old configs load).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Jaeger {
    /// Jaeger agent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent: Option<JaegerAgent>,
    /// Jaeger collector.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collector: Option<JaegerCollector>,
    /// Service name reported.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub service_name: String,
    /// Tags added to every span.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// Spans buffered before sending.
    #[serde(skip_serializing_if = "is_zero")]
    pub buffer_max: i64,
}

/// `trace.jaeger.agent`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JaegerAgent {
    /// Agent `host:port`.
    pub endpoint: String,
}

/// `trace.jaeger.collector`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JaegerCollector {
    /// Collector URL.
    pub endpoint: String,
    /// Basic-auth user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Basic-auth password.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}
