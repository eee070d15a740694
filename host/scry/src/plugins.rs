//! Which plugins a command runs with: the embedded first-party scanners and matchers,
//! with any `*.wasm` in the plugin directory added (sorted by the world it implements;
//! a plugin of the same name replaces one).

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use scry_runtime::{MatcherPlugin, Runtime, ScannerPlugin, World, world_of};

/// A loaded plugin with where it came from and its bytes (for the live plugin sets).
pub struct Loaded<P> {
    pub plugin: P,
    /// `embedded` or `directory`.
    pub origin: &'static str,
    pub wasm: Arc<[u8]>,
}

#[derive(Default)]
pub struct PluginSets {
    pub scanners: Vec<Loaded<ScannerPlugin>>,
    pub matchers: Vec<Loaded<Arc<MatcherPlugin>>>,
}

impl PluginSets {
    pub fn scanner_plugins(&self) -> Vec<ScannerPlugin> {
        self.scanners.iter().map(|l| l.plugin.clone()).collect()
    }

    pub fn matcher_plugins(&self) -> Vec<Arc<MatcherPlugin>> {
        self.matchers.iter().map(|l| l.plugin.clone()).collect()
    }

    /// (plugin, origin, bytes) of each, as a live set's base.
    pub fn sources<P: Clone>(loaded: &[Loaded<P>]) -> Vec<(P, String, Arc<[u8]>)> {
        loaded
            .iter()
            .map(|l| (l.plugin.clone(), l.origin.to_string(), l.wasm.clone()))
            .collect()
    }
}

pub fn load(runtime: &Runtime, dir: Option<&Path>) -> anyhow::Result<PluginSets> {
    let mut sets = PluginSets {
        scanners: Vec::new(),
        matchers: Vec::new(),
    };
    for bundled in scry_bundled::FIRST_PARTY {
        sets.scanners.push(Loaded {
            plugin: ScannerPlugin::load(runtime, bundled.name, bundled.wasm)?,
            origin: "embedded",
            wasm: Arc::from(bundled.wasm),
        });
    }
    for bundled in scry_bundled::FIRST_PARTY_MATCHERS {
        sets.matchers.push(Loaded {
            plugin: Arc::new(MatcherPlugin::load(runtime, bundled.name, bundled.wasm)?),
            origin: "embedded",
            wasm: Arc::from(bundled.wasm),
        });
    }
    let Some(dir) = dir else { return Ok(sets) };
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("reading plugin directory {}", dir.display()))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "wasm"))
        .collect();
    paths.sort();
    for path in paths {
        let wasm: Arc<[u8]> = std::fs::read(&path)
            .with_context(|| format!("reading plugin {}", path.display()))?
            .into();
        let label = path.display().to_string();
        match world_of(runtime, &label, &wasm)? {
            World::Scanner => {
                let plugin = ScannerPlugin::load(runtime, &label, &wasm)?;
                sets.scanners.retain(|l| l.plugin.name != plugin.name);
                sets.scanners.push(Loaded {
                    plugin,
                    origin: "directory",
                    wasm,
                });
            }
            World::Matcher => {
                let plugin = Arc::new(MatcherPlugin::load(runtime, &label, &wasm)?);
                sets.matchers.retain(|l| l.plugin.name() != plugin.name());
                sets.matchers.push(Loaded {
                    plugin,
                    origin: "directory",
                    wasm,
                });
            }
        }
    }
    Ok(sets)
}
