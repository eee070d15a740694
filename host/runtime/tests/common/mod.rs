//! What the runtime's test files share: a runtime and the test plugins' bytes.

use scry_runtime::{PluginLimits, Runtime, RuntimeConfig};

/// A runtime with default limits, compiling into `cache_dir` (none: in memory).
pub fn runtime(cache_dir: Option<std::path::PathBuf>) -> Runtime {
    Runtime::new(RuntimeConfig {
        limits: PluginLimits::default(),
        cache_dir,
        max_instances: 16,
        ..RuntimeConfig::default()
    })
    .expect("runtime")
}

/// The component built from `plugins/hostile/<name>`.
pub fn hostile(name: &str) -> Vec<u8> {
    let (_, path) = scry_bundled::HOSTILE
        .iter()
        .find(|(short, _)| *short == name)
        .unwrap_or_else(|| panic!("hostile plugin {name} was not built"));
    std::fs::read(path).expect("reading hostile plugin")
}
