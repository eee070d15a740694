//! A plugin's configuration block as the host hands it over.

use crate::types::Setting;

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
