//! Which scanner plugins a command runs with: the embedded first-party set, with any
//! `*.wasm` in the plugin directory added (a plugin of the same name replaces one).

use std::path::Path;

use anyhow::Context;
use scry_runtime::{Runtime, ScannerPlugin};

pub fn load(runtime: &Runtime, dir: Option<&Path>) -> anyhow::Result<Vec<ScannerPlugin>> {
    let mut plugins = Vec::new();
    for bundled in scry_plugins::FIRST_PARTY {
        plugins.push(ScannerPlugin::load(runtime, bundled.name, bundled.wasm)?);
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
        plugins.retain(|loaded| loaded.name != plugin.name);
        plugins.push(plugin);
    }
    Ok(plugins)
}
