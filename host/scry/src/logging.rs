//! Logging to stderr: `SCRY_LOG` (an env-filter such as `info,scry_layers=debug`) when
//! set; otherwise errors only, until `scry serve` loads a config and applies its
//! `log_level`, as Clair does.

use std::io::IsTerminal;
use std::sync::OnceLock;

use scry_config::LogLevel;
use tracing_subscriber::prelude::*;
use tracing_subscriber::{EnvFilter, Registry, reload};

static CONFIG_LEVEL: OnceLock<reload::Handle<EnvFilter, Registry>> = OnceLock::new();

pub fn init() {
    let from_env = std::env::var("SCRY_LOG").ok().filter(|v| !v.is_empty());
    let (filter, handle) =
        reload::Layer::new(EnvFilter::new(from_env.as_deref().unwrap_or("error")));
    tracing_subscriber::registry()
        .with(filter)
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                // Colour codes only for a terminal, not in log files.
                .with_ansi(std::io::stderr().is_terminal()),
        )
        .init();
    if from_env.is_none() {
        let _ = CONFIG_LEVEL.set(handle);
    }
}

/// The config's `log_level`, unless `SCRY_LOG` said otherwise.
pub fn apply_config_level(level: LogLevel) {
    if let Some(handle) = CONFIG_LEVEL.get() {
        let _ = handle.reload(EnvFilter::new(level.filter_directive()));
    }
}
