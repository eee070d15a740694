//! `tls`: serve HTTPS, and the TLS client settings nested in other blocks.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Certificate files. At the top level (`tls`) they make the API serve HTTPS; inside
/// `notifier.amqp.tls`, `notifier.stomp.tls` and `*.otlp.*.client_tls` they are the
/// client certificate presented to the broker or collector.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Tls {
    /// PEM certificate (chain) file. Required together with `key`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cert: Option<PathBuf>,
    /// PEM private key file for `cert`. Required together with `cert`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<PathBuf>,
    /// Extra CA certificates (PEM) to trust. Deprecated in Clair for the server; prefer
    /// `SSL_CERT_FILE` / `SSL_CERT_DIR`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root_ca: Option<PathBuf>,
}
