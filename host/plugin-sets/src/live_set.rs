//! One plugin world's live set on one service: the plugins this process started with,
//! with the overrides stored in the service's database applied on top.

use std::sync::Arc;

use scry_runtime::Runtime;
use scry_store::{PluginOverride, PluginSet};
use serde::Serialize;
use tokio::sync::{Mutex, Notify};
use tokio::task::JoinHandle;

use crate::check::{Rejection, check_size, check_upload, content_hash, load_checked};
use crate::initial::Loaded;
use crate::kinds::{Installed, PluginKind, Target};

/// One plugin of a live set, as listed.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct PluginInfo {
    pub name: String,
    pub version: String,
    /// `scanner` or `matcher`.
    pub world: &'static str,
    /// `package`, `distribution`, `repository` or `matcher`.
    pub kind: String,
    /// `sha256:<hex>` of the component.
    pub content_hash: String,
    /// `embedded`, `directory`, `api` (or whatever wrote the database row).
    pub origin: String,
}

/// What installing a new set did to the state clients see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Swapped {
    pub previous_state: String,
    pub state: String,
}

impl Swapped {
    /// For scanners: whether Quay will re-index every manifest.
    pub fn state_changed(&self) -> bool {
        self.previous_state != self.state
    }
}

/// The result of a change: the plugin concerned and what the swap did.
#[derive(Clone, Debug)]
pub struct Change {
    pub plugin: PluginInfo,
    pub swapped: Swapped,
}

struct Entry<K: PluginKind> {
    info: PluginInfo,
    wasm: Arc<[u8]>,
    plugin: K::Plugin,
}

impl<K: PluginKind> Clone for Entry<K> {
    fn clone(&self) -> Self {
        Entry {
            info: self.info.clone(),
            wasm: self.wasm.clone(),
            plugin: self.plugin.clone(),
        }
    }
}

/// The live set and the override version it reflects; the lock serialises changes.
struct Live<K: PluginKind> {
    version: i64,
    entries: Vec<Entry<K>>,
}

/// The set every process on one service database shares. A change is written to the
/// database and applied here at once; other processes follow within their polling
/// interval.
pub struct LivePluginSet<K: PluginKind> {
    runtime: Runtime,
    target: Arc<dyn Target<K>>,
    set: PluginSet,
    max_component: usize,
    /// What this process started with, before overrides.
    base: Vec<Entry<K>>,
    live: Mutex<Live<K>>,
}

/// How `plugin` is listed; `content_hash` is its component's `sha256:<hex>`.
pub(crate) fn info<K: PluginKind>(
    plugin: &K::Plugin,
    origin: &str,
    content_hash: String,
) -> PluginInfo {
    let identity = K::identity(plugin);
    PluginInfo {
        name: identity.name,
        version: identity.version,
        world: K::WORLD.as_str(),
        kind: identity.kind,
        content_hash,
        origin: origin.to_string(),
    }
}

impl<K: PluginKind> LivePluginSet<K> {
    /// `base`: the plugins `target` runs now.
    pub fn new(
        runtime: Runtime,
        target: Arc<dyn Target<K>>,
        set: PluginSet,
        base: &[Loaded<K::Plugin>],
        max_component: usize,
    ) -> LivePluginSet<K> {
        let base: Vec<Entry<K>> = base
            .iter()
            .map(|loaded| Entry {
                info: info::<K>(&loaded.plugin, loaded.origin, content_hash(&loaded.wasm)),
                wasm: loaded.wasm.clone(),
                plugin: loaded.plugin.clone(),
            })
            .collect();
        LivePluginSet {
            runtime,
            target,
            set,
            max_component,
            live: Mutex::new(Live {
                version: 0,
                entries: base.clone(),
            }),
            base,
        }
    }

    /// The state clients see (`index_state` for scanners).
    pub fn state(&self) -> String {
        self.target.state()
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

    /// Whether a plugin named `name` is in the set.
    pub async fn has(&self, name: &str) -> bool {
        self.live
            .lock()
            .await
            .entries
            .iter()
            .any(|e| e.info.name == name)
    }

    /// Checks `wasm` and, if it passes, makes it the plugin of its name on every process
    /// (adding or replacing). `declared` is the uploader's `sha256:<hex>` (or bare hex).
    pub async fn add(
        &self,
        wasm: Vec<u8>,
        declared: &str,
        origin: &str,
    ) -> Result<Change, Rejection> {
        let hash = check_upload(&wasm, declared, self.max_component)?;
        self.add_checked(wasm.into(), hash, origin).await
    }

    /// [`LivePluginSet::add`] of an upload whose size and content `hash` were checked.
    pub(crate) async fn add_checked(
        &self,
        wasm: Arc<[u8]>,
        hash: String,
        origin: &str,
    ) -> Result<Change, Rejection> {
        let plugin = self.load(format!("upload {hash}"), wasm.clone()).await?;
        let plugin_info = info::<K>(&plugin, origin, hash.clone());
        let mut live = self.live.lock().await;
        self.set
            .put(&plugin_info.name, &hash, &wasm, origin)
            .await
            .map_err(|err| Rejection::Store(err.to_string()))?;
        let swapped = self.apply(&mut live).await?;
        Ok(Change {
            plugin: plugin_info,
            swapped,
        })
    }

    /// Takes the plugin named `name` out of the set on every process.
    pub async fn remove(&self, name: &str, origin: &str) -> Result<Change, Rejection> {
        let mut live = self.live.lock().await;
        let Some(entry) = live.entries.iter().find(|e| e.info.name == name).cloned() else {
            return Err(Rejection::Unknown(name.to_string()));
        };
        self.set
            .remove(name, origin)
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

    /// Follows other processes' changes until the task is dropped: at once when the
    /// database announces one (PostgreSQL), and every `every` regardless, in case an
    /// announcement was missed or the database cannot make them.
    pub async fn follow(self: Arc<Self>, every: std::time::Duration) {
        let world = K::WORLD.as_str();
        let wake = Arc::new(Notify::new());
        let listener = {
            let (set, wake) = (self.set.clone(), wake.clone());
            tokio::spawn(async move {
                if let Err(err) = set.listen(wake).await {
                    tracing::warn!(world, error = %err, "not hearing plugin changes; polling only");
                }
            })
        };
        let _stop_listening = AbortOnDrop(listener);
        loop {
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(every) => {}
            }
            match self.sync().await {
                Ok(None) => {}
                Ok(Some(swapped)) => tracing::info!(
                    world,
                    state = swapped.state,
                    state_changed = swapped.state_changed(),
                    "plugin set changed by another process"
                ),
                Err(err) => tracing::warn!(
                    world,
                    error = %err,
                    "stored plugin set refused; the running set is unchanged"
                ),
            }
        }
    }

    async fn overrides(&self) -> Result<(i64, Vec<PluginOverride>), Rejection> {
        self.set
            .overrides()
            .await
            .map_err(|err| Rejection::Store(err.to_string()))
    }

    /// Compiles and checks off the async threads.
    async fn load(&self, label: String, wasm: Arc<[u8]>) -> Result<K::Plugin, Rejection> {
        let runtime = self.runtime.clone();
        tokio::task::spawn_blocking(move || load_checked::<K>(&runtime, &label, &wasm))
            .await
            .map_err(|err| Rejection::Invalid {
                world: K::WORLD.as_str(),
                why: err.to_string(),
            })?
    }

    /// The entry for an override: one already loaded with that hash, else the stored
    /// component, checked like an upload.
    async fn entry(
        &self,
        live: &Live<K>,
        change: &PluginOverride,
        hash: &str,
    ) -> Result<Entry<K>, Rejection> {
        let known = live
            .entries
            .iter()
            .chain(&self.base)
            .find(|e| e.info.content_hash == hash);
        if let Some(known) = known {
            let mut entry = known.clone();
            entry.info.origin = change.origin.clone();
            return Ok(entry);
        }
        let label = format!("{} ({hash})", change.name);
        let wasm: Arc<[u8]> = self
            .set
            .blob(hash)
            .await
            .map_err(|err| Rejection::Store(err.to_string()))?
            .ok_or_else(|| Rejection::Store(format!("plugin {label} has no stored component")))?
            .into();
        check_size(&format!("stored plugin {label}"), &wasm, self.max_component)?;
        let plugin = self.load(label, wasm.clone()).await?;
        Ok(Entry {
            info: info::<K>(&plugin, &change.origin, content_hash(&wasm)),
            wasm,
            plugin,
        })
    }

    /// Rebuilds the set from the base and the stored overrides and installs it.
    async fn apply(&self, live: &mut Live<K>) -> Result<Swapped, Rejection> {
        let (version, overrides) = self.overrides().await?;
        let mut entries = self.base.clone();
        for change in &overrides {
            entries.retain(|e| e.info.name != change.name);
            let Some(hash) = &change.hash else { continue };
            let entry = self.entry(live, change, hash).await?;
            if entry.info.name != change.name {
                return Err(Rejection::Renamed {
                    name: change.name.clone(),
                    claimed: entry.info.name,
                });
            }
            entries.push(entry);
        }
        let installed = entries
            .iter()
            .map(|e| Installed {
                plugin: e.plugin.clone(),
                info: e.info.clone(),
            })
            .collect();
        let swapped = self
            .target
            .install(installed)
            .await
            .map_err(Rejection::Store)?;
        live.entries = entries;
        live.version = version;
        Ok(swapped)
    }
}

/// Stops the listening task when the follower stops.
struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
