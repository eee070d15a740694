//! Which scanner plugins a command runs with: the embedded first-party set, with any
//! `*.wasm` in the plugin directory added (a plugin of the same name replaces one).

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use scry_runtime::{Runtime, ScannerPlugin};

/// A loaded plugin with where it came from and its bytes (for the live registry).
pub struct Loaded {
    pub plugin: ScannerPlugin,
    /// `embedded` or `directory`.
    pub origin: &'static str,
    pub wasm: Arc<[u8]>,
}

pub fn load(runtime: &Runtime, dir: Option<&Path>) -> anyhow::Result<Vec<ScannerPlugin>> {
    Ok(load_with_sources(runtime, dir)?
        .into_iter()
        .map(|loaded| loaded.plugin)
        .collect())
}

pub fn load_with_sources(runtime: &Runtime, dir: Option<&Path>) -> anyhow::Result<Vec<Loaded>> {
    let mut plugins = Vec::new();
    for bundled in scry_plugins::FIRST_PARTY {
        plugins.push(Loaded {
            plugin: ScannerPlugin::load(runtime, bundled.name, bundled.wasm)?,
            origin: "embedded",
            wasm: Arc::from(bundled.wasm),
        });
    }
    let Some(dir) = dir else { return Ok(plugins) };
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("reading plugin directory {}", dir.display()))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "wasm"))
        .collect();
    paths.sort();
    for path in paths {
        let wasm =
            std::fs::read(&path).with_context(|| format!("reading plugin {}", path.display()))?;
        let plugin = ScannerPlugin::load(runtime, &path.display().to_string(), &wasm)?;
        plugins.retain(|loaded| loaded.plugin.name != plugin.name);
        plugins.push(Loaded {
            plugin,
            origin: "directory",
            wasm: wasm.into(),
        });
    }
    Ok(plugins)
}
