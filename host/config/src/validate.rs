//! Checks that a loaded configuration can run in a given mode, and warnings (lints)
//! about settings that are allowed but probably not meant.

use std::fmt;

use crate::config::{Config, Tls};
use crate::database::parse_connstring;
use crate::error::ConfigError;
use crate::mode::Mode;

mod notifier;

/// A warning about a setting that is allowed but probably not what was meant. The
/// server logs these at startup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lint {
    /// The key the warning is about.
    pub key: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Lint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

#[derive(Default)]
pub(crate) struct Lints(Vec<Lint>);

impl Lints {
    pub(crate) fn add(&mut self, key: impl Into<String>, message: impl Into<String>) {
        self.0.push(Lint {
            key: key.into(),
            message: message.into(),
        });
    }
}

pub(crate) type Checked = Result<(), ConfigError>;

impl Config {
    /// Checks that the configuration can run in `mode`. Returns the first error, which
    /// names its key, or the warnings to log.
    pub fn validate(&self, mode: Mode) -> Result<Vec<Lint>, ConfigError> {
        let mut lints = Lints::default();
        self.check_listeners(&mut lints)?;
        if let Some(tls) = &self.tls {
            check_tls("tls", tls)?;
            if tls.root_ca.is_some() {
                lints.add("tls.root_ca", "deprecated and ignored for serving; use SSL_CERT_FILE or SSL_CERT_DIR for outgoing connections");
            }
        }
        self.check_auth(&mut lints)?;
        self.check_databases(mode)?;
        self.check_indexer(&mut lints);
        self.check_matcher(mode, &mut lints)?;
        self.check_notifier(mode, &mut lints)?;
        self.check_telemetry(&mut lints)?;
        self.check_limits()?;
        Ok(lints.0)
    }

    fn check_listeners(&self, lints: &mut Lints) -> Checked {
        if self.introspection_addr == self.http_listen_addr {
            return Err(ConfigError::invalid(
                "introspection_addr",
                format!(
                    "same address as http_listen_addr ({})",
                    self.http_listen_addr
                ),
            ));
        }
        if self.auth.psk.is_none() && !self.http_listen_addr.is_loopback() {
            lints.add(
                "auth.psk",
                format!(
                    "not set: the API on {} accepts requests from anyone who can reach it",
                    self.http_listen_addr
                ),
            );
        }
        Ok(())
    }

    fn check_auth(&self, lints: &mut Lints) -> Checked {
        if self.auth.keyserver.is_some() {
            return Err(ConfigError::invalid(
                "auth.keyserver",
                "Quay keyserver authentication is not supported (Clair removed it); use auth.psk",
            ));
        }
        if let Some(psk) = &self.auth.psk {
            psk.psk()?;
            if psk.iss.is_empty() {
                lints.add(
                    "auth.psk.iss",
                    "empty: only the issuers quay and clair-intraservice are accepted",
                );
            }
        }
        Ok(())
    }

    fn check_databases(&self, mode: Mode) -> Checked {
        let services = [
            (
                "indexer.connstring",
                &self.indexer.connstring,
                mode.runs_indexer(),
            ),
            (
                "matcher.connstring",
                &self.matcher.connstring,
                mode.runs_matcher(),
            ),
            (
                "notifier.connstring",
                &self.notifier.connstring,
                mode == Mode::Notifier
                    || (mode.runs_notifier() && self.notifier.delivery().is_some()),
            ),
        ];
        let mut needs_data_dir = false;
        for (key, connstring, used) in services {
            let database = parse_connstring(connstring)
                .map_err(|message| ConfigError::invalid(key, message))?;
            needs_data_dir |= used && database.is_none();
        }
        if needs_data_dir {
            self.data_dir()?;
        }
        Ok(())
    }

    fn check_indexer(&self, lints: &mut Lints) {
        let indexer = &self.indexer;
        match indexer.layer_scan_concurrency {
            0 => {}
            n if n < 4 => lints.add(
                "indexer.layer_scan_concurrency",
                format!("{n} is low: manifests with many layers will index slowly"),
            ),
            n if n > 32 => lints.add(
                "indexer.layer_scan_concurrency",
                format!("{n} is high: fetching that many layers at once may exhaust memory or connections"),
            ),
            _ => {}
        }
        if indexer.scanlock_retry > 10 {
            lints.add("indexer.scanlock_retry", "values over 10 only add latency");
        }
    }

    fn check_matcher(&self, mode: Mode, lints: &mut Lints) -> Checked {
        let matcher = &self.matcher;
        if let Some(addr) = &matcher.indexer_addr {
            check_http_url("matcher.indexer_addr", addr)?;
        } else if mode == Mode::Matcher {
            return Err(ConfigError::invalid(
                "matcher.indexer_addr",
                "required in matcher mode (the indexer's URL, e.g. http://scry-indexer:6060/)",
            ));
        }
        if matcher.max_conn_pool != 0 {
            lints.add(
                "matcher.max_conn_pool",
                "deprecated and ignored; set the pool size in the connection string",
            );
        }
        if matcher.period.is_some_and(|p| p.as_secs() < 60) {
            lints.add(
                "matcher.period",
                "under one minute: the default of 6h is used",
            );
        }
        if matcher.update_retention < 0 {
            lints.add(
                "matcher.update_retention",
                "negative: old vulnerability data is never garbage-collected",
            );
        }
        Ok(())
    }

    fn check_telemetry(&self, lints: &mut Lints) -> Checked {
        match self.trace.name.as_str() {
            "" | "otlp" | "sentry" | "stdout" => {}
            "jaeger" => lints.add("trace.name", "jaeger is deprecated; use otlp"),
            other => lints.add(
                "trace.name",
                format!("unknown trace exporter {other:?}; tracing is off"),
            ),
        }
        if let Some(p) = self.trace.probability
            && !(0.0..=1.0).contains(&p)
        {
            return Err(ConfigError::invalid(
                "trace.probability",
                format!("{p} is not between 0 and 1"),
            ));
        }
        match self.metrics.name.as_str() {
            "" | "prometheus" | "otlp" | "stdout" => {}
            other => lints.add(
                "metrics.name",
                format!("unknown metrics exporter {other:?}"),
            ),
        }
        if let Some(path) = &self.metrics.prometheus.endpoint
            && !path.is_empty()
            && !path.starts_with('/')
        {
            return Err(ConfigError::invalid(
                "metrics.prometheus.endpoint",
                format!("{path:?} must be a path starting with \"/\""),
            ));
        }
        for (prefix, otlp) in [
            ("trace.otlp", &self.trace.otlp),
            ("metrics.otlp", &self.metrics.otlp),
        ] {
            let Some(otlp) = otlp else { continue };
            if let Some(http) = &otlp.http {
                check_compression(&format!("{prefix}.http.compression"), &http.compression)?;
                if !http.url_path.is_empty() && !http.url_path.starts_with('/') {
                    return Err(ConfigError::invalid(
                        format!("{prefix}.http.url_path"),
                        "must be an absolute path",
                    ));
                }
            }
            if let Some(grpc) = &otlp.grpc {
                check_compression(&format!("{prefix}.grpc.compression"), &grpc.compression)?;
            }
            if otlp.http.is_some() && otlp.grpc.is_some() {
                lints.add(prefix, "both http and grpc are set: data may be sent twice");
            }
        }
        Ok(())
    }

    fn check_limits(&self) -> Checked {
        let layer = &self.scry.limits.layer;
        let plugin = &self.scry.limits.plugin;
        let positive = [
            ("layer.max_file_size", layer.max_file_size.map(|s| s.0)),
            (
                "layer.max_uncompressed",
                layer.max_uncompressed.map(|s| s.0),
            ),
            ("layer.max_ratio", layer.max_ratio),
            ("layer.max_entries", layer.max_entries),
            (
                "layer.max_header_bytes",
                layer.max_header_bytes.map(|s| s.0),
            ),
            (
                "plugin.scan_deadline",
                plugin.scan_deadline.map(|d| d.as_nanos() as u64),
            ),
            (
                "plugin.load_deadline",
                plugin.load_deadline.map(|d| d.as_nanos() as u64),
            ),
            ("plugin.memory", plugin.memory.map(|s| s.0)),
            ("plugin.max_records", plugin.max_records),
            ("plugin.max_output", plugin.max_output.map(|s| s.0)),
            ("plugin.max_read_chunk", plugin.max_read_chunk.map(|s| s.0)),
            ("plugin.max_instances", plugin.max_instances.map(u64::from)),
        ];
        for (key, value) in positive {
            if value == Some(0) {
                return Err(ConfigError::invalid(
                    format!("scry.limits.{key}"),
                    "must be greater than 0",
                ));
            }
        }
        if let Some(chunk) = plugin.max_read_chunk
            && chunk.0 > u64::from(u32::MAX)
        {
            return Err(ConfigError::invalid(
                "scry.limits.plugin.max_read_chunk",
                "must be under 4GiB",
            ));
        }
        Ok(())
    }
}

pub(crate) fn check_tls(prefix: &str, tls: &Tls) -> Checked {
    match (&tls.cert, &tls.key) {
        (Some(_), Some(_)) => Ok(()),
        (None, _) => Err(ConfigError::invalid(
            format!("{prefix}.cert"),
            "required together with key",
        )),
        (_, None) => Err(ConfigError::invalid(
            format!("{prefix}.key"),
            "required together with cert",
        )),
    }
}

fn check_compression(key: &str, value: &str) -> Checked {
    match value {
        "" | "gzip" | "none" => Ok(()),
        other => Err(ConfigError::invalid(
            key,
            format!("{other:?} is not gzip or none"),
        )),
    }
}

/// An absolute `http://` or `https://` URL with a host.
pub(crate) fn check_http_url(key: &str, value: &str) -> Checked {
    let url = url::Url::parse(value)
        .map_err(|e| ConfigError::invalid(key, format!("{value:?} is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || !url.has_host() {
        return Err(ConfigError::invalid(
            key,
            format!("{value:?} is not an http:// or https:// URL"),
        ));
    }
    Ok(())
}
