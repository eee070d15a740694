//! A plugin's configuration: the block Clair's config holds for it
//! (`indexer.scanner.<kind>.<name>` for a scanner, `matchers.config.<name>` for a
//! matcher), flattened by the host into settings: nested maps as dotted keys (`a.b`),
//! list items as `key.0`, `key.1`, …, scalars as their text.
//!
//! The host hands the settings to every instance before any call but `identify` /
//! `info`; the export macros keep them here, so `scan`, `filter` and `vulnerable` read
//! them with [`current`]. Each instance is a fresh memory: nothing is kept between calls.

use std::sync::OnceLock;

use crate::types::Setting;

/// The settings of one plugin, in the order the host gave them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    settings: Vec<Setting>,
}

impl Config {
    pub fn new(settings: Vec<Setting>) -> Config {
        Config { settings }
    }

    /// A configuration from `(key, value)` pairs (tests, examples).
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Config {
        Config::new(
            pairs
                .into_iter()
                .map(|(key, value)| Setting::new(key, value))
                .collect(),
        )
    }

    /// The value of `key`, if the block sets it.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.settings
            .iter()
            .find(|setting| setting.key == key)
            .map(|setting| setting.value.as_str())
    }

    /// The items of the list `key` (`key.0`, `key.1`, … up to the first gap); empty
    /// when the block has no such list.
    pub fn list(&self, key: &str) -> Vec<&str> {
        (0..)
            .map_while(|index| self.get(&format!("{key}.{index}")))
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.settings.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Setting> {
        self.settings.iter()
    }
}

impl Setting {
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Setting {
        Setting {
            key: key.into(),
            value: value.into(),
        }
    }
}

static CURRENT: OnceLock<Config> = OnceLock::new();
static EMPTY: Config = Config {
    settings: Vec::new(),
};

/// The settings the host gave this instance; empty before `configure` (in `identify`
/// and `info`) and for a plugin the host runs without a block.
pub fn current() -> &'static Config {
    CURRENT.get().unwrap_or(&EMPTY)
}

/// Keeps the settings `configure` received for the rest of this instance; called by the
/// export macros. The host configures an instance once: a second call keeps the first.
#[doc(hidden)]
pub fn __keep(settings: Vec<Setting>) -> &'static Config {
    CURRENT.get_or_init(|| Config::new(settings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_lists_and_absence() {
        let config = Config::from_pairs([
            ("name", "gem"),
            ("paths.0", "a"),
            ("paths.1", "b"),
            ("paths.3", "after a gap"),
            ("nested.depth", "5"),
        ]);
        assert_eq!(config.get("name"), Some("gem"));
        assert_eq!(config.get("nested.depth"), Some("5"));
        assert_eq!(config.get("missing"), None);
        assert_eq!(config.list("paths"), ["a", "b"]);
        assert!(config.list("name").is_empty());
        assert_eq!(config.iter().count(), 5);
        assert!(!config.is_empty());
        assert!(Config::default().is_empty());
    }

    #[test]
    fn current_is_empty_until_kept_then_keeps_the_first() {
        assert!(current().is_empty());
        __keep(vec![Setting::new("name", "first")]);
        __keep(vec![Setting::new("name", "second")]);
        assert_eq!(current().get("name"), Some("first"));
    }
}
