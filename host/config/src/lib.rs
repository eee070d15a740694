//! Scry's configuration and API authentication.
//!
//! **Configuration.** [`Config`] reads Clair v4's own keys from YAML or JSON, so an
//! existing Clair config works unchanged, plus Scry's additions under the top-level key
//! `scry` ([`Scry`]). Unknown keys are errors that name the key path
//! (`unknown key indexer.conn_string`); so are invalid values, once
//! [`Config::validate`] has checked the configuration for a [`Mode`]. Durations are Go
//! duration strings (`30s`, `1h30m`). With no file at all, [`Config::default`] gives
//! loopback listeners, SQLite in the data directory and no authentication.
//! [`Invocation`] resolves the file and mode from the command line with `CLAIR_CONF` /
//! `CLAIR_MODE` as fallbacks.
//!
//! **Authentication.** [`Psk`] checks Clair/Quay PSK JWTs on incoming requests and
//! signs outgoing ones.
//!
//! ```
//! use scry_config::{Config, Format, Mode};
//!
//! let config = Config::from_text("indexer: {connstring: 'host=db dbname=clair'}", Format::Yaml)?;
//! let warnings = config.validate(Mode::Indexer)?;
//! # let _ = warnings;
//! # Ok::<(), scry_config::ConfigError>(())
//! ```

mod addr;
mod bytesize;
mod config;
mod database;
pub mod duration;
mod error;
mod level;
mod load;
mod mode;
mod plugin_blocks;
pub mod psk;
mod serde_util;
mod validate;

pub use addr::HostPort;
pub use bytesize::ByteSize;
pub use config::*;
pub use database::{Database, PgConnString, parse_connstring};
pub use error::ConfigError;
pub use level::LogLevel;
pub use load::Format;
pub use mode::{CONF_ENV, Invocation, MODE_ENV, Mode, ParseModeError};
pub use plugin_blocks::{PluginBlock, ScannerBlockKind, flatten};
pub use psk::{AuthError, Claims, Psk, PskError};
pub use validate::Lint;
