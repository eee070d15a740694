//! The live scanner set as operators change it: a plugin is compiled and checked off
//! the request path (size, declared content hash, a valid component of the supported
//! WIT version that names itself, a smoke scan), recorded in the indexer's database so
//! every process on it follows, then the whole set is rebuilt and swapped into the
//! indexer. A rejected plugin leaves the running set as it was.

use std::sync::Arc;

use scry_runtime::{Runtime, ScannerPlugin};
use serde::Serialize;
use sha2::{Digest, Sha256};
use tokio::sync::Mutex;

use crate::scanners::Scanners;
use crate::service::{IndexerService, Swapped};

/// Components larger than this are refused unless configured otherwise.
pub const DEFAULT_MAX_COMPONENT: usize = 64 << 20;

/// One plugin of the live set, as listed.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct PluginInfo {
    pub name: String,
    pub version: String,
    pub kind: String,
    /// `sha256:<hex>` of the component.
    pub content_hash: String,
    /// `embedded`, `directory` or `api`.
    pub origin: String,
}

/// Why a plugin was refused; the message names the plugin or the check.
#[derive(Debug, thiserror::Error)]
pub enum Rejection {
    #[error("the component is {size} bytes, over the limit of {max}")]
    TooLarge { size: usize, max: usize },
    #[error("content hash mismatch: declared {declared}, the upload is {actual}")]
    HashMismatch { declared: String, actual: String },
    #[error("not a usable scanner plugin: {0}")]
    Invalid(String),
    #[error("plugin {0} failed its smoke scan: {1}")]
    SmokeFailed(String, String),
    #[error("no plugin named {0:?}")]
    Unknown(String),
    #[error("the indexer store refused the new set: {0}")]
    Store(String),
}

#[derive(Clone)]
struct Entry {
    info: PluginInfo,
    wasm: Arc<[u8]>,
}

/// The result of a change: the plugin concerned and what the swap did to `index_state`.
#[derive(Clone, Debug)]
pub struct Change {
    pub plugin: PluginInfo,
    pub swapped: Swapped,
}

/// The live set and the override version it reflects; the lock serialises changes.
struct Live {
    version: i64,
    entries: Vec<Entry>,
}

/// The scanner set every process on one indexer database shares: built-in (and
/// plugin-directory) plugins, with the overrides stored in the database applied. A
/// change is written to the database and applied here at once; other processes follow
/// within their polling interval.
pub struct Registry {
    runtime: Runtime,
    indexer: Arc<IndexerService>,
    max_component: usize,
    /// What this process started with, before overrides.
    base: Vec<Entry>,
    live: Mutex<Live>,
}

/// `sha256:<hex>` of `wasm`.
pub fn content_hash(wasm: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(wasm)))
}

impl Registry {
    /// `sources` are (origin, bytes) of the plugins `indexer` runs now, in load order.
    pub fn new(
        runtime: Runtime,
        indexer: Arc<IndexerService>,
        sources: Vec<(String, Arc<[u8]>)>,
        max_component: usize,
    ) -> Registry {
        let scanners = indexer.scanners();
        let base: Vec<Entry> = scanners
            .plugins()
            .iter()
            .zip(sources)
            .map(|(plugin, (origin, wasm))| Entry {
                info: info(plugin, &origin, &wasm),
                wasm,
            })
            .collect();
        Registry {
            runtime,
            indexer,
            max_component,
            live: Mutex::new(Live {
                version: 0,
                entries: base.clone(),
            }),
            base,
        }
    }

    /// The indexer's current `index_state`.
    pub fn index_state(&self) -> String {
        self.indexer.index_state()
    }

    pub async fn list(&self) -> Vec<PluginInfo> {
        self.live
            .lock()
            .await
            .entries
            .iter()
            .map(|e| e.info.clone())
            .collect()
    }

    /// Checks `wasm` and, if it passes, makes it the plugin of its name on every process
    /// (adding or replacing). `declared` is the uploader's `sha256:<hex>` (or bare hex).
    pub async fn add(
        &self,
        wasm: Vec<u8>,
        declared: &str,
        origin: &str,
    ) -> Result<Change, Rejection> {
        if wasm.len() > self.max_component {
            return Err(Rejection::TooLarge {
                size: wasm.len(),
                max: self.max_component,
            });
        }
        let actual = content_hash(&wasm);
        let declared = declared.trim();
        if declared != actual && format!("sha256:{declared}") != actual {
            return Err(Rejection::HashMismatch {
                declared: declared.to_string(),
                actual,
            });
        }
        let wasm: Arc<[u8]> = wasm.into();
        let runtime = self.runtime.clone();
        let checked = wasm.clone();
        let plugin = tokio::task::spawn_blocking(move || check(&runtime, &checked))
            .await
            .map_err(|err| Rejection::Invalid(err.to_string()))??;
        let plugin = info(&plugin, origin, &wasm);
        let mut live = self.live.lock().await;
        self.indexer
            .store()
            .put_plugin(&plugin.name, &actual, &wasm, origin)
            .await
            .map_err(|err| Rejection::Store(err.to_string()))?;
        let swapped = self.apply(&mut live).await?;
        Ok(Change { plugin, swapped })
    }

    /// Takes the plugin named `name` out of the set on every process.
    pub async fn remove(&self, name: &str, origin: &str) -> Result<Change, Rejection> {
        let mut live = self.live.lock().await;
        let Some(entry) = live.entries.iter().find(|e| e.info.name == name).cloned() else {
            return Err(Rejection::Unknown(name.to_string()));
        };
        self.indexer
            .store()
            .remove_plugin(name, origin)
            .await
            .map_err(|err| Rejection::Store(err.to_string()))?;
        let swapped = self.apply(&mut live).await?;
        Ok(Change {
            plugin: entry.info,
            swapped,
        })
    }

    /// Applies the stored overrides if another process changed them since; `None` when
    /// nothing changed. A set that cannot be built is reported once and not retried
    /// until the overrides change again; the running set stays.
    pub async fn sync(&self) -> Result<Option<Swapped>, Rejection> {
        let mut live = self.live.lock().await;
        let (version, _) = self.overrides().await?;
        if version == live.version {
            return Ok(None);
        }
        match self.apply(&mut live).await {
            Ok(swapped) => Ok(Some(swapped)),
            Err(err) => {
                live.version = version;
                Err(err)
            }
        }
    }

    /// Follows other processes' changes every `every`, until the task is dropped.
    pub async fn follow(self: Arc<Self>, every: std::time::Duration) {
        loop {
            tokio::time::sleep(every).await;
            match self.sync().await {
                Ok(None) => {}
                Ok(Some(swapped)) => tracing::info!(
                    index_state = swapped.index_state,
                    index_state_changed = swapped.state_changed(),
                    "plugin set changed by another process"
                ),
                Err(err) => {
                    tracing::warn!(error = %err, "stored plugin set refused; the running set is unchanged")
                }
            }
        }
    }

    async fn overrides(&self) -> Result<(i64, Vec<scry_store::PluginOverride>), Rejection> {
        self.indexer
            .store()
            .plugin_overrides()
            .await
            .map_err(|err| Rejection::Store(err.to_string()))
    }

    /// Rebuilds the set from the base and the stored overrides and swaps it in.
    async fn apply(&self, live: &mut Live) -> Result<Swapped, Rejection> {
        let (version, overrides) = self.overrides().await?;
        let mut sources: Vec<(String, String, Arc<[u8]>)> = self
            .base
            .iter()
            .map(|e| (e.info.name.clone(), e.info.origin.clone(), e.wasm.clone()))
            .collect();
        for change in overrides {
            sources.retain(|(name, _, _)| *name != change.name);
            let Some(hash) = change.hash else { continue };
            let known = live
                .entries
                .iter()
                .find(|e| e.info.content_hash == hash)
                .map(|e| e.wasm.clone());
            let wasm = match known {
                Some(wasm) => wasm,
                None => self
                    .indexer
                    .store()
                    .plugin_blob(&hash)
                    .await
                    .map_err(|err| Rejection::Store(err.to_string()))?
                    .ok_or_else(|| {
                        Rejection::Store(format!(
                            "plugin {} ({hash}) has no stored component",
                            change.name
                        ))
                    })?
                    .into(),
            };
            sources.push((change.name, change.origin, wasm));
        }
        let runtime = self.runtime.clone();
        let (scanners, entries) = tokio::task::spawn_blocking(move || build(&runtime, sources))
            .await
            .map_err(|err| Rejection::Invalid(err.to_string()))??;
        let swapped = self
            .indexer
            .swap(scanners)
            .await
            .map_err(|err| Rejection::Store(err.to_string()))?;
        live.entries = entries;
        live.version = version;
        Ok(swapped)
    }
}

/// Loads every plugin (compiled ones come from the runtime's cache) into a new set.
fn build(
    runtime: &Runtime,
    sources: Vec<(String, String, Arc<[u8]>)>,
) -> Result<(Arc<Scanners>, Vec<Entry>), Rejection> {
    let mut plugins = Vec::with_capacity(sources.len());
    let mut entries = Vec::with_capacity(sources.len());
    for (label, origin, wasm) in sources {
        let plugin = ScannerPlugin::load(runtime, &label, &wasm)
            .map_err(|err| Rejection::Invalid(err.to_string()))?;
        entries.push(Entry {
            info: info(&plugin, &origin, &wasm),
            wasm,
        });
        plugins.push(plugin);
    }
    let scanners = Scanners::new(plugins).map_err(|err| Rejection::Invalid(err.to_string()))?;
    Ok((scanners, entries))
}

/// The checks an upload gets, without installing it: size, then [`check`]. For
/// `scry plugins verify`.
pub fn verify(
    runtime: &Runtime,
    wasm: &[u8],
    max_component: usize,
) -> Result<PluginInfo, Rejection> {
    if wasm.len() > max_component {
        return Err(Rejection::TooLarge {
            size: wasm.len(),
            max: max_component,
        });
    }
    let plugin = check(runtime, wasm)?;
    Ok(info(&plugin, "file", wasm))
}

/// Compiles and identifies the plugin, then runs a scan of no files: it must answer.
fn check(runtime: &Runtime, wasm: &[u8]) -> Result<ScannerPlugin, Rejection> {
    let plugin = ScannerPlugin::load(runtime, "uploaded plugin", wasm)
        .map_err(|err| Rejection::Invalid(err.to_string()))?;
    plugin
        .scan(Vec::new())
        .map_err(|err| Rejection::SmokeFailed(plugin.name.clone(), err.to_string()))?;
    Ok(plugin)
}

fn info(plugin: &ScannerPlugin, origin: &str, wasm: &[u8]) -> PluginInfo {
    PluginInfo {
        name: plugin.name.clone(),
        version: plugin.version.clone(),
        kind: crate::convert::scanner_id(plugin).kind.as_str().to_string(),
        content_hash: content_hash(wasm),
        origin: origin.to_string(),
    }
}
