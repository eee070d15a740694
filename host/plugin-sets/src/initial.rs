//! The plugins a process starts with: the embedded first-party scanners and matchers,
//! with any `*.wasm` in the plugin directory added (sorted by the world it implements;
//! a plugin of the same name replaces one). The same rule the directory follower
//! applies while serving.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use scry_runtime::{MatcherPlugin, PluginError, Runtime, ScannerPlugin, World, world_of};

/// A loaded plugin with where it came from and its bytes (a live set's base).
pub struct Loaded<P> {
    pub plugin: P,
    /// `embedded` or `directory`.
    pub origin: &'static str,
    pub wasm: Arc<[u8]>,
}

/// Why the starting set could not be loaded; names the directory, file or plugin.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("reading {what} {}: {source}", .path.display())]
    Read {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Plugin(#[from] PluginError),
}

#[derive(Default)]
pub struct InitialPlugins {
    pub scanners: Vec<Loaded<ScannerPlugin>>,
    pub matchers: Vec<Loaded<Arc<MatcherPlugin>>>,
}

impl InitialPlugins {
    /// The embedded plugins, then `dir`'s `*.wasm` (in name order) on top. Blocking
    /// (compiles).
    pub fn load(runtime: &Runtime, dir: Option<&Path>) -> Result<InitialPlugins, LoadError> {
        let mut sets = InitialPlugins::default();
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
        if let Some(dir) = dir {
            for path in wasm_paths(dir)? {
                sets.add_file(runtime, &path)?;
            }
        }
        Ok(sets)
    }

    pub fn scanner_plugins(&self) -> Vec<ScannerPlugin> {
        self.scanners.iter().map(|l| l.plugin.clone()).collect()
    }

    pub fn matcher_plugins(&self) -> Vec<Arc<MatcherPlugin>> {
        self.matchers.iter().map(|l| l.plugin.clone()).collect()
    }

    /// Adds the plugin in `path` to the set of its world, replacing one of its name.
    fn add_file(&mut self, runtime: &Runtime, path: &Path) -> Result<(), LoadError> {
        let wasm: Arc<[u8]> = std::fs::read(path)
            .map_err(|source| LoadError::Read {
                what: "plugin",
                path: path.to_path_buf(),
                source,
            })?
            .into();
        let label = path.display().to_string();
        match world_of(runtime, &label, &wasm)? {
            World::Scanner => {
                let plugin = ScannerPlugin::load(runtime, &label, &wasm)?;
                self.scanners.retain(|l| l.plugin.name != plugin.name);
                self.scanners.push(Loaded {
                    plugin,
                    origin: "directory",
                    wasm,
                });
            }
            World::Matcher => {
                let plugin = Arc::new(MatcherPlugin::load(runtime, &label, &wasm)?);
                self.matchers.retain(|l| l.plugin.name() != plugin.name());
                self.matchers.push(Loaded {
                    plugin,
                    origin: "directory",
                    wasm,
                });
            }
        }
        Ok(())
    }
}

/// `dir`'s `*.wasm`, in name order.
fn wasm_paths(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let entries = std::fs::read_dir(dir).map_err(|source| LoadError::Read {
        what: "plugin directory",
        path: dir.to_path_buf(),
        source,
    })?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| is_wasm(path))
        .collect();
    paths.sort();
    Ok(paths)
}

pub(crate) fn is_wasm(path: &Path) -> bool {
    path.extension().is_some_and(|ext| ext == "wasm")
}
