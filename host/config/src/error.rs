//! Errors from loading and validating a configuration.

use std::path::PathBuf;

/// Why a configuration could not be used. Every error about a value names its key
/// path, written the way it appears in the file (`indexer.connstring`,
/// `notifier.amqp.uris[0]`).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file (or a drop-in) could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The text is not well-formed YAML or JSON.
    #[error("{origin}: {message}")]
    Syntax { origin: String, message: String },
    /// A key that neither Clair nor Scry knows.
    #[error("unknown key {key}{}", hint(suggestion.as_deref()))]
    UnknownKey {
        /// Full key path, e.g. `indexer.conn_string`.
        key: String,
        /// A known key at the same level with a similar spelling, if any.
        suggestion: Option<String>,
    },
    /// A key whose value has the wrong type or fails validation.
    #[error("{key}: {message}")]
    Invalid { key: String, message: String },
    /// A drop-in file could not be applied.
    #[error("drop-in {}: {message}", path.display())]
    DropIn { path: PathBuf, message: String },
    /// An environment variable (`CLAIR_MODE`, `CLAIR_CONF`) has an unusable value.
    #[error("environment variable {var}: {message}")]
    Env { var: &'static str, message: String },
    /// An error inside a configuration file, with the file named.
    #[error("{}: {source}", path.display())]
    File {
        path: PathBuf,
        #[source]
        source: Box<ConfigError>,
    },
}

fn hint(suggestion: Option<&str>) -> String {
    match suggestion {
        Some(s) => format!(" (did you mean {s}?)"),
        None => String::new(),
    }
}

impl ConfigError {
    /// Shorthand for [`ConfigError::Invalid`].
    pub fn invalid(key: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigError::Invalid {
            key: key.into(),
            message: message.into(),
        }
    }

    /// The key path this error is about, looking through [`ConfigError::File`].
    pub fn key(&self) -> Option<&str> {
        match self {
            ConfigError::UnknownKey { key, .. } | ConfigError::Invalid { key, .. } => Some(key),
            ConfigError::File { source, .. } => source.key(),
            _ => None,
        }
    }

    pub(crate) fn in_file(self, path: PathBuf) -> Self {
        match self {
            // These already name their file.
            ConfigError::Read { .. } | ConfigError::DropIn { .. } | ConfigError::File { .. } => {
                self
            }
            other => ConfigError::File {
                path,
                source: Box::new(other),
            },
        }
    }
}
