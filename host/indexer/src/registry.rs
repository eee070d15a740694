//! The live scanner set as operators change it: a plugin is compiled and checked off
//! the request path (size, declared content hash, a valid component of the supported
//! WIT version that names itself, a smoke scan), then the whole set is rebuilt and
//! swapped into the indexer. A rejected plugin leaves the running set as it was.

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

pub struct Registry {
    runtime: Runtime,
    indexer: Arc<IndexerService>,
    max_component: usize,
    /// The live set's sources, in load order; the lock serialises changes.
    entries: Mutex<Vec<Entry>>,
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
        let entries = scanners
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
            entries: Mutex::new(entries),
        }
    }

    /// The indexer's current `index_state`.
    pub fn index_state(&self) -> String {
        self.indexer.index_state()
    }

    pub async fn list(&self) -> Vec<PluginInfo> {
        self.entries
            .lock()
            .await
            .iter()
            .map(|e| e.info.clone())
            .collect()
    }

    /// Checks `wasm` and, if it passes, adds it to the live set (replacing a plugin of
    /// the same name). `declared` is the uploader's `sha256:<hex>` (or bare hex).
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
        let entry = Entry {
            info: info(&plugin, origin, &wasm),
            wasm,
        };
        let mut entries = self.entries.lock().await;
        let mut next: Vec<&Entry> = entries
            .iter()
            .filter(|e| e.info.name != entry.info.name)
            .collect();
        next.push(&entry);
        let swapped = self.swap_to(&next).await?;
        let plugin = entry.info.clone();
        entries.retain(|e| e.info.name != entry.info.name);
        entries.push(entry);
        Ok(Change { plugin, swapped })
    }

    /// Takes the plugin named `name` out of the live set.
    pub async fn remove(&self, name: &str) -> Result<Change, Rejection> {
        let mut entries = self.entries.lock().await;
        let Some(at) = entries.iter().position(|e| e.info.name == name) else {
            return Err(Rejection::Unknown(name.to_string()));
        };
        let next: Vec<&Entry> = entries.iter().filter(|e| e.info.name != name).collect();
        let swapped = self.swap_to(&next).await?;
        let removed = entries.remove(at);
        Ok(Change {
            plugin: removed.info,
            swapped,
        })
    }

    /// Builds the set from `entries` (compiled plugins come from the runtime's cache)
    /// and swaps it in.
    async fn swap_to(&self, entries: &[&Entry]) -> Result<Swapped, Rejection> {
        let sources: Vec<(String, Arc<[u8]>)> = entries
            .iter()
            .map(|e| (e.info.name.clone(), e.wasm.clone()))
            .collect();
        let runtime = self.runtime.clone();
        let scanners = tokio::task::spawn_blocking(move || {
            let plugins = sources
                .iter()
                .map(|(label, wasm)| ScannerPlugin::load(&runtime, label, wasm))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|err| Rejection::Invalid(err.to_string()))?;
            Scanners::new(plugins).map_err(|err| Rejection::Invalid(err.to_string()))
        })
        .await
        .map_err(|err| Rejection::Invalid(err.to_string()))??;
        self.indexer
            .swap(scanners)
            .await
            .map_err(|err| Rejection::Store(err.to_string()))
    }
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
