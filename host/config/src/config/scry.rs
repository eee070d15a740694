//! `scry`: settings Clair does not have. Everything here is optional.

use std::ffi::OsString;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::limits::Limits;
use crate::error::ConfigError;

/// Scry's own settings, under the top-level key `scry`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Scry {
    /// Directory holding the SQLite databases (`indexer.db`, `matcher.db`,
    /// `notifier.db`) of services whose `connstring` is empty; created if missing.
    /// Default: `$XDG_DATA_HOME/scry`, else `~/.local/share/scry`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    /// Directory of extra scanner and matcher plugins (`*.wasm`), loaded after the
    /// embedded ones; a plugin with the same name as an embedded one replaces it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plugin_dir: Option<PathBuf>,
    /// Directory for caches that can be deleted at any time (compiled plugins live in
    /// its `components/`). Default: `$XDG_CACHE_HOME/scry`, else `~/.cache/scry`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_dir: Option<PathBuf>,
    /// Resource limits for layers and plugins.
    #[serde(skip_serializing_if = "Limits::is_default")]
    pub limits: Limits,
    /// The shortest notifier `poll_interval` / `delivery_interval` honoured (a Go
    /// duration); shorter ones fall back to their defaults. Unset: one minute, as in
    /// Clair. Lower it for demos and tests.
    #[serde(
        with = "crate::duration::go_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub min_interval: Option<std::time::Duration>,
}

impl Scry {
    /// `min_interval` with its default applied.
    pub fn effective_min_interval(&self) -> std::time::Duration {
        self.min_interval.unwrap_or(super::notifier::MIN_INTERVAL)
    }

    /// `data_dir` with its default applied, from the process environment.
    pub fn resolved_data_dir(&self) -> Result<PathBuf, ConfigError> {
        self.resolved_data_dir_with(|name| std::env::var_os(name))
    }

    /// [`Scry::resolved_data_dir`] with the environment supplied by the caller.
    pub fn resolved_data_dir_with(
        &self,
        env: impl Fn(&str) -> Option<OsString>,
    ) -> Result<PathBuf, ConfigError> {
        if let Some(dir) = &self.data_dir {
            return Ok(dir.clone());
        }
        xdg_dir(&env, "XDG_DATA_HOME", ".local/share").ok_or_else(|| {
            ConfigError::invalid(
                "scry.data_dir",
                "not set, and neither XDG_DATA_HOME nor HOME is set to derive it from",
            )
        })
    }

    /// `cache_dir` with its default applied, from the process environment; `None` if
    /// neither `XDG_CACHE_HOME` nor `HOME` is set (then nothing is cached on disk).
    pub fn resolved_cache_dir(&self) -> Option<PathBuf> {
        self.resolved_cache_dir_with(|name| std::env::var_os(name))
    }

    /// [`Scry::resolved_cache_dir`] with the environment supplied by the caller.
    pub fn resolved_cache_dir_with(
        &self,
        env: impl Fn(&str) -> Option<OsString>,
    ) -> Option<PathBuf> {
        self.cache_dir
            .clone()
            .or_else(|| xdg_dir(&env, "XDG_CACHE_HOME", ".cache"))
    }
}

/// `$XDG_VAR/scry` if that is an absolute path (as the XDG spec requires), else
/// `$HOME/<fallback>/scry`.
fn xdg_dir(env: &impl Fn(&str) -> Option<OsString>, var: &str, fallback: &str) -> Option<PathBuf> {
    let set = |name: &str| env(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    set(var)
        .filter(|dir| dir.is_absolute())
        .or_else(|| set("HOME").map(|home| home.join(fallback)))
        .map(|base| base.join("scry"))
}
