//! The scanner set the CLI runs by default: every embedded first-party plugin.

use std::sync::Arc;

use anyhow::Context as _;
use scry_indexer::Scanners;
use scry_runtime::{Runtime, RuntimeConfig, ScannerPlugin};

pub fn first_party() -> anyhow::Result<Arc<Scanners>> {
    let runtime = Runtime::new(RuntimeConfig::default()).context("starting the plugin runtime")?;
    let plugins = scry_bundled::FIRST_PARTY
        .iter()
        .map(|bundled| ScannerPlugin::load(&runtime, bundled.name, bundled.wasm))
        .collect::<Result<Vec<_>, _>>()
        .context("loading the first-party plugins")?;
    Ok(Scanners::new(plugins)?)
}
