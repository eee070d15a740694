//! Which services a process runs, and where its configuration comes from: command-line
//! options first, then Clair's environment variables `CLAIR_CONF` and `CLAIR_MODE`.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::ConfigError;
use crate::{Config, Lint};

/// Environment variable naming the configuration file (Clair's).
pub const CONF_ENV: &str = "CLAIR_CONF";
/// Environment variable naming the mode (Clair's).
pub const MODE_ENV: &str = "CLAIR_MODE";

/// The services one process runs. Parsed case-insensitively, as Clair does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Indexer, matcher and (if a delivery mechanism is configured) notifier together.
    #[default]
    Combo,
    /// Only the indexer API.
    Indexer,
    /// Only the matcher API and the updaters; needs `matcher.indexer_addr`.
    Matcher,
    /// Only the notifier; needs `notifier.indexer_addr`, `notifier.matcher_addr` and a
    /// delivery mechanism.
    Notifier,
}

impl Mode {
    /// Every mode, in Clair's order.
    pub const ALL: [Mode; 4] = [Mode::Combo, Mode::Indexer, Mode::Matcher, Mode::Notifier];

    /// The lower-case name (`combo`, `indexer`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Combo => "combo",
            Mode::Indexer => "indexer",
            Mode::Matcher => "matcher",
            Mode::Notifier => "notifier",
        }
    }

    /// Whether this process serves the indexer API.
    pub fn runs_indexer(self) -> bool {
        matches!(self, Mode::Combo | Mode::Indexer)
    }

    /// Whether this process serves the matcher API and runs updaters.
    pub fn runs_matcher(self) -> bool {
        matches!(self, Mode::Combo | Mode::Matcher)
    }

    /// Whether this process may run the notifier (in combo mode only if a delivery
    /// mechanism is configured).
    pub fn runs_notifier(self) -> bool {
        matches!(self, Mode::Combo | Mode::Notifier)
    }
}

/// A mode name that is not `combo`, `indexer`, `matcher` or `notifier`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown mode {0:?} (expected combo, indexer, matcher or notifier)")]
pub struct ParseModeError(pub String);

impl FromStr for Mode {
    type Err = ParseModeError;

    fn from_str(text: &str) -> Result<Self, ParseModeError> {
        Mode::ALL
            .into_iter()
            .find(|mode| mode.as_str().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| ParseModeError(text.to_owned()))
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where the configuration comes from and which mode to run, after the command line
/// and the environment have been consulted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invocation {
    /// The configuration file; `None` runs on the embedded defaults.
    pub config_path: Option<PathBuf>,
    /// The mode; `combo` unless given.
    pub mode: Mode,
}

impl Invocation {
    /// Resolves from the command-line values, falling back to `CLAIR_CONF` and
    /// `CLAIR_MODE` (an empty variable counts as unset).
    pub fn resolve(cli_config: Option<&Path>, cli_mode: Option<Mode>) -> Result<Self, ConfigError> {
        Self::resolve_with(cli_config, cli_mode, |name| std::env::var_os(name))
    }

    /// [`Invocation::resolve`] with the environment supplied by the caller (for tests).
    pub fn resolve_with(
        cli_config: Option<&Path>,
        cli_mode: Option<Mode>,
        env: impl Fn(&str) -> Option<OsString>,
    ) -> Result<Self, ConfigError> {
        let env = |name: &str| env(name).filter(|value| !value.is_empty());
        let config_path = match cli_config {
            Some(path) => Some(path.to_path_buf()),
            None => env(CONF_ENV).map(PathBuf::from),
        };
        let mode = match cli_mode {
            Some(mode) => mode,
            None => match env(MODE_ENV) {
                Some(value) => {
                    let text = value.to_str().ok_or_else(|| ConfigError::Env {
                        var: MODE_ENV,
                        message: "not valid UTF-8".into(),
                    })?;
                    text.parse()
                        .map_err(|err: ParseModeError| ConfigError::Env {
                            var: MODE_ENV,
                            message: err.to_string(),
                        })?
                }
                None => Mode::Combo,
            },
        };
        Ok(Invocation { config_path, mode })
    }

    /// Loads the configuration (or the embedded defaults) and validates it for the mode.
    /// Returns the warnings that should be logged at startup.
    pub fn load(&self) -> Result<(Config, Vec<Lint>), ConfigError> {
        let config = Config::load(self.config_path.as_deref())?;
        let lints = config.validate(self.mode)?;
        Ok((config, lints))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn modes_parse_case_insensitively() {
        assert_eq!("COMBO".parse(), Ok(Mode::Combo));
        assert_eq!("Indexer".parse(), Ok(Mode::Indexer));
        assert_eq!("matcher".parse(), Ok(Mode::Matcher));
        assert_eq!("notifier".parse(), Ok(Mode::Notifier));
        assert!(
            "all"
                .parse::<Mode>()
                .unwrap_err()
                .to_string()
                .starts_with("unknown mode \"all\"")
        );
        assert_eq!(Mode::default(), Mode::Combo);
    }

    #[test]
    fn command_line_wins_over_environment() {
        let vars = [(CONF_ENV, "/env/config.yaml"), (MODE_ENV, "matcher")];
        let got = Invocation::resolve_with(
            Some(Path::new("/cli/config.yaml")),
            Some(Mode::Indexer),
            env(&vars),
        )
        .unwrap();
        assert_eq!(got.config_path, Some(PathBuf::from("/cli/config.yaml")));
        assert_eq!(got.mode, Mode::Indexer);
    }

    #[test]
    fn environment_is_the_fallback() {
        let vars = [(CONF_ENV, "/env/config.yaml"), (MODE_ENV, "Notifier")];
        let got = Invocation::resolve_with(None, None, env(&vars)).unwrap();
        assert_eq!(got.config_path, Some(PathBuf::from("/env/config.yaml")));
        assert_eq!(got.mode, Mode::Notifier);
    }

    #[test]
    fn nothing_given_means_defaults_in_combo_mode() {
        let vars = [(CONF_ENV, ""), (MODE_ENV, "")];
        let got = Invocation::resolve_with(None, None, env(&vars)).unwrap();
        assert_eq!(got.config_path, None);
        assert_eq!(got.mode, Mode::Combo);
    }

    #[test]
    fn a_bad_mode_in_the_environment_names_the_variable() {
        let vars = [(MODE_ENV, "everything")];
        let err = Invocation::resolve_with(None, None, env(&vars)).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("environment variable CLAIR_MODE: unknown mode"),
            "{err}"
        );
    }
}
