//! The configuration blocks Clair's config gives plugins — `indexer.scanner.{package,
//! dist,repo}.<name>` and `matchers.config.<name>` — as the flat settings the plugin
//! contract (`scry:plugin@0.2.0`'s `configure`) carries.

use serde_json::Value;

use crate::Config;

/// One plugin's block: where it is in the config file, and its settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PluginBlock {
    /// The key path, e.g. `indexer.scanner.package.gemspec`, for messages.
    pub key: String,
    /// The block flattened: nested maps as dotted keys, list items as `key.0`, scalars
    /// as their text (`true`, `5`, `x`); `null` as an empty string.
    pub settings: Vec<(String, String)>,
}

/// Which of Clair's three scanner kinds a block is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScannerBlockKind {
    Package,
    Distribution,
    Repository,
}

impl Config {
    /// The block for the scanner `name` of `kind`, if the config has one.
    pub fn scanner_block(&self, name: &str, kind: ScannerBlockKind) -> Option<PluginBlock> {
        let scanners = &self.indexer.scanner;
        let (section, blocks) = match kind {
            ScannerBlockKind::Package => ("package", &scanners.package),
            ScannerBlockKind::Distribution => ("dist", &scanners.dist),
            ScannerBlockKind::Repository => ("repo", &scanners.repo),
        };
        blocks.get(name).map(|value| PluginBlock {
            key: format!("indexer.scanner.{section}.{name}"),
            settings: flatten(value),
        })
    }

    /// The block for the matcher `name`, if the config has one.
    pub fn matcher_block(&self, name: &str) -> Option<PluginBlock> {
        self.matchers.config.get(name).map(|value| PluginBlock {
            key: format!("matchers.config.{name}"),
            settings: flatten(value),
        })
    }
}

/// `value` as `(key, text)` pairs, map keys in sorted order and list items in order (a
/// scalar block is one pair with an empty key).
pub fn flatten(value: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    walk(value, String::new(), &mut out);
    out
}

fn walk(value: &Value, path: String, out: &mut Vec<(String, String)>) {
    let child = |key: &str| {
        if path.is_empty() {
            key.to_string()
        } else {
            format!("{path}.{key}")
        }
    };
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                walk(value, child(key), out);
            }
        }
        Value::Array(items) => {
            for (index, value) in items.iter().enumerate() {
                walk(value, child(&index.to_string()), out);
            }
        }
        Value::String(text) => out.push((path, text.clone())),
        Value::Null => out.push((path, String::new())),
        other => out.push((path, other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Format;

    #[test]
    fn blocks_flatten_to_dotted_keys() {
        let yaml = "indexer:\n  scanner:\n    package:\n      gemspec:\n        repository_uri: https://gems.internal/\n        skip: [a, b]\n        deep: {on: true, n: 5, none: null}\nmatchers:\n  config:\n    rhel:\n      ignore_unpatched: true\n";
        let config = Config::from_text(yaml, Format::Yaml).unwrap();
        let block = config
            .scanner_block("gemspec", ScannerBlockKind::Package)
            .unwrap();
        assert_eq!(block.key, "indexer.scanner.package.gemspec");
        let pairs: Vec<(&str, &str)> = block
            .settings
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert!(
            pairs.contains(&("repository_uri", "https://gems.internal/")),
            "{pairs:?}"
        );
        assert!(
            pairs.contains(&("skip.1", "b")) && pairs.contains(&("deep.n", "5")),
            "{pairs:?}"
        );
        assert!(
            pairs.contains(&("deep.on", "true")) && pairs.contains(&("deep.none", "")),
            "{pairs:?}"
        );
        assert_eq!(
            config.scanner_block("gemspec", ScannerBlockKind::Distribution),
            None
        );
        let rhel = config.matcher_block("rhel").unwrap();
        assert_eq!(
            (rhel.key.as_str(), rhel.settings.len()),
            ("matchers.config.rhel", 1)
        );
    }
}
