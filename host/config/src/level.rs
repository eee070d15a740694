//! `log_level`: Clair's names, case-insensitive.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

/// How much to log. `debug-color` is `debug` in a human-readable, coloured format
/// instead of JSON lines.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum LogLevel {
    DebugColor,
    Debug,
    #[default]
    Info,
    Warn,
    Error,
    /// Accepted for compatibility; logs errors only.
    Fatal,
    /// Accepted for compatibility; logs errors only.
    Panic,
}

impl LogLevel {
    const ALL: [LogLevel; 7] = [
        LogLevel::DebugColor,
        LogLevel::Debug,
        LogLevel::Info,
        LogLevel::Warn,
        LogLevel::Error,
        LogLevel::Fatal,
        LogLevel::Panic,
    ];

    /// Clair's name for the level.
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::DebugColor => "debug-color",
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
            LogLevel::Fatal => "fatal",
            LogLevel::Panic => "panic",
        }
    }

    /// The nearest `tracing` filter directive (`debug`, `info`, `warn`, `error`).
    pub fn filter_directive(self) -> &'static str {
        match self {
            LogLevel::DebugColor | LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error | LogLevel::Fatal | LogLevel::Panic => "error",
        }
    }
}

impl FromStr for LogLevel {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        if text.is_empty() {
            return Ok(LogLevel::Info);
        }
        LogLevel::ALL
            .into_iter()
            .find(|level| level.as_str().eq_ignore_ascii_case(text))
            .ok_or_else(|| {
                format!(
                    "unknown log level {text:?} (expected debug-color, debug, info, warn, error, fatal or panic)"
                )
            })
    }
}

impl fmt::Display for LogLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for LogLevel {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for LogLevel {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(de::Error::custom)
    }
}
