//! A plugin's configuration block as the host hands it over.

use std::collections::BTreeMap;

use crate::error::{PluginError, PluginFailure};
use crate::types::{ScannerKind, Setting};

/// A plugin's configuration block, flattened into `(key, value)` pairs in order: nested
/// maps as dotted keys (`a.b`), list items as `key.0`, `key.1`, …, scalars as their
/// text (`true`, `5`, `x`). Empty when the plugin has no block.
pub type Settings = Vec<(String, String)>;

pub(crate) fn to_wit(settings: &Settings) -> Vec<Setting> {
    settings
        .iter()
        .map(|(key, value)| Setting {
            key: key.clone(),
            value: value.clone(),
        })
        .collect()
}

/// Why a plugin built for a WIT version without `configure` cannot take `settings`
/// (none when there are none).
pub(crate) fn unconfigurable(version: &str, settings: &Settings) -> Option<String> {
    if settings.is_empty() {
        return None;
    }
    let keys: Vec<&str> = settings.iter().map(|(key, _)| key.as_str()).collect();
    Some(format!(
        "it was built for WIT scry:plugin@{version}, which takes no configuration \
         (given {})",
        keys.join(", ")
    ))
}

/// One plugin's block and where it came from in the operator's configuration (e.g.
/// `indexer.scanner.package.gemspec`), which a rejection names.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Block {
    pub key: String,
    pub settings: Settings,
}

/// The configuration blocks of every plugin a process may load: scanners by kind and
/// name, matchers by name. [`crate::ScannerPlugin::load`] and
/// [`crate::MatcherPlugin::load`] apply the runtime's, whatever the plugin's origin
/// (embedded, plugin directory, upload, database).
#[derive(Clone, Debug, Default)]
pub struct PluginBlocks {
    scanners: BTreeMap<(&'static str, String), Block>,
    matchers: BTreeMap<String, Block>,
}

impl PluginBlocks {
    pub fn add_scanner(&mut self, kind: ScannerKind, name: &str, block: Block) {
        self.scanners
            .insert((kind_key(kind), name.to_string()), block);
    }

    pub fn add_matcher(&mut self, name: &str, block: Block) {
        self.matchers.insert(name.to_string(), block);
    }

    pub fn scanner(&self, name: &str, kind: ScannerKind) -> Option<&Block> {
        self.scanners.get(&(kind_key(kind), name.to_string()))
    }

    pub fn matcher(&self, name: &str) -> Option<&Block> {
        self.matchers.get(name)
    }
}

fn kind_key(kind: ScannerKind) -> &'static str {
    match kind {
        ScannerKind::Package => "package",
        ScannerKind::Distribution => "distribution",
        ScannerKind::Repository => "repository",
    }
}

/// Runs a load that picks its block through `pick`, and names the block's key in a
/// configuration rejection.
pub(crate) fn naming_key<T>(
    load: impl FnOnce(&mut dyn FnMut(Option<&Block>) -> Settings) -> Result<T, PluginError>,
) -> Result<T, PluginError> {
    let mut key: Option<String> = None;
    let mut pick = |block: Option<&Block>| {
        key = block.map(|b| b.key.clone());
        block.map(|b| b.settings.clone()).unwrap_or_default()
    };
    let loaded = load(&mut pick);
    loaded.map_err(|mut err| {
        if let (PluginFailure::Config(why), Some(key)) = (&mut err.failure, key) {
            *why = format!("{why} (from {key})");
        }
        err
    })
}
