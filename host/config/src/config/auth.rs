//! `auth`: how API requests are authenticated.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::ConfigError;
use crate::psk::Psk;

/// Authentication settings. With no `psk`, the API is open.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Auth {
    /// Pre-shared-key JWT authentication (what Quay uses).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub psk: Option<PskConfig>,
    /// Quay's old keyserver authentication. Clair removed it; Scry rejects a config
    /// that sets it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keyserver: Option<Value>,
}

/// `auth.psk`: every API request must carry `Authorization: Bearer <JWT>` signed with
/// HS256 and this key.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PskConfig {
    /// The shared secret, standard base64 (Quay's `SECURITY_SCANNER_V4_PSK`). The decoded
    /// bytes are the HMAC key.
    pub key: String,
    /// Issuers (`iss` claims) accepted besides `quay` and `clair-intraservice`, e.g.
    /// `clairctl`.
    pub iss: Vec<String>,
}

impl std::fmt::Debug for PskConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PskConfig")
            .field("key", &"REDACTED")
            .field("iss", &self.iss)
            .finish()
    }
}

impl PskConfig {
    /// The verifier and signer for this key; a bad key is an error naming `auth.psk.key`.
    pub fn psk(&self) -> Result<Psk, ConfigError> {
        Psk::new(&self.key, self.iss.iter().cloned())
            .map_err(|err| ConfigError::invalid("auth.psk.key", err.to_string()))
    }
}
