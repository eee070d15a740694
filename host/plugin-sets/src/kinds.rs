//! The two plugin worlds a live set can hold, and where each installs its sets: the
//! indexer's scanner snapshot, the matcher's live matcher sets.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, PoisonError};

use futures::future::BoxFuture;
use scry_indexer::{IndexerService, Scanners};
use scry_matcher::{LiveMatchers, Matchers};
use scry_runtime::matcher::IndexRecord;
use scry_runtime::{MatcherPlugin, PluginError, Runtime, ScannerKind, ScannerPlugin, World};
use sha2::{Digest, Sha256};

use crate::live_set::{PluginInfo, Swapped};

/// Who a plugin says it is.
pub struct Identity {
    pub name: String,
    pub version: String,
    /// `package`, `distribution`, `repository` (scanners) or `matcher`.
    pub kind: String,
}

/// One plugin world: how its plugins load, what their smoke call is, who they are.
pub trait PluginKind: Send + Sync + 'static {
    type Plugin: Clone + Send + Sync + 'static;
    const WORLD: World;
    /// What a change reports the set's state as (`index_state`, `matcher_state`).
    const STATE: &'static str;
    /// Compiles (or takes precompiled) and identifies. Blocking.
    fn load(runtime: &Runtime, label: &str, wasm: &[u8]) -> Result<Self::Plugin, PluginError>;
    /// A harmless call the plugin must answer. Blocking.
    fn smoke(plugin: &Self::Plugin) -> Result<(), PluginError>;
    fn identity(plugin: &Self::Plugin) -> Identity;
}

/// A plugin of the set being installed, with how it is listed.
pub struct Installed<K: PluginKind> {
    pub plugin: K::Plugin,
    pub info: PluginInfo,
}

/// Where a live set installs its plugins.
pub trait Target<K: PluginKind>: Send + Sync + 'static {
    /// The state clients see now.
    fn state(&self) -> String;
    /// Makes `plugins` the set new work runs with.
    fn install(&self, plugins: Vec<Installed<K>>) -> BoxFuture<'_, Result<Swapped, String>>;
}

pub struct ScannerWorld;

impl PluginKind for ScannerWorld {
    type Plugin = ScannerPlugin;
    const WORLD: World = World::Scanner;
    const STATE: &'static str = "index_state";

    fn load(runtime: &Runtime, label: &str, wasm: &[u8]) -> Result<ScannerPlugin, PluginError> {
        ScannerPlugin::load(runtime, label, wasm)
    }

    /// A scan of no files.
    fn smoke(plugin: &ScannerPlugin) -> Result<(), PluginError> {
        plugin.scan(Vec::new()).map(drop)
    }

    fn identity(plugin: &ScannerPlugin) -> Identity {
        let kind = match plugin.kind {
            ScannerKind::Package => "package",
            ScannerKind::Distribution => "distribution",
            ScannerKind::Repository => "repository",
        };
        Identity {
            name: plugin.name.clone(),
            version: plugin.version.clone(),
            kind: kind.to_string(),
        }
    }
}

/// The indexer's snapshot: `index_state` moves when a (name, version, kind) does.
impl Target<ScannerWorld> for IndexerService {
    fn state(&self) -> String {
        self.index_state()
    }

    fn install(
        &self,
        plugins: Vec<Installed<ScannerWorld>>,
    ) -> BoxFuture<'_, Result<Swapped, String>> {
        Box::pin(async move {
            let scanners = Scanners::new(plugins.into_iter().map(|p| p.plugin).collect())
                .map_err(|err| err.to_string())?;
            let swapped = self.swap(scanners).await.map_err(|err| err.to_string())?;
            Ok(Swapped {
                previous_state: swapped.previous_state,
                state: swapped.index_state,
            })
        })
    }
}

pub struct MatcherWorld;

impl PluginKind for MatcherWorld {
    type Plugin = Arc<MatcherPlugin>;
    const WORLD: World = World::Matcher;
    const STATE: &'static str = "matcher_state";

    fn load(
        runtime: &Runtime,
        label: &str,
        wasm: &[u8],
    ) -> Result<Arc<MatcherPlugin>, PluginError> {
        MatcherPlugin::load(runtime, label, wasm).map(Arc::new)
    }

    /// A filter over one made-up package.
    fn smoke(plugin: &Arc<MatcherPlugin>) -> Result<(), PluginError> {
        let record = IndexRecord {
            package: scry_model::Package {
                id: "0".into(),
                name: "scry-smoke-test".into(),
                version: "1.0".into(),
                ..Default::default()
            },
            distribution: None,
            repository: None,
        };
        plugin.filter(&[record]).map(drop)
    }

    fn identity(plugin: &Arc<MatcherPlugin>) -> Identity {
        Identity {
            name: plugin.name().to_string(),
            version: plugin.version().to_string(),
            kind: "matcher".to_string(),
        }
    }
}

/// The matcher sets one process serves from: the matcher service's (the enabled
/// built-ins and every added plugin) and, in combo mode, the affected-manifest
/// lookup's (every plugin). Its state moves when a matcher's name or version does.
pub struct MatcherTarget {
    views: Vec<(Arc<LiveMatchers>, Option<BTreeSet<String>>)>,
    state: Mutex<String>,
}

impl MatcherTarget {
    /// `plugins`: the set the views hold now.
    pub fn new(plugins: &[Arc<MatcherPlugin>]) -> MatcherTarget {
        MatcherTarget {
            views: Vec::new(),
            state: Mutex::new(matcher_state(plugins)),
        }
    }

    /// Also replaces `live` on every change, keeping only the built-in plugins named in
    /// `enabled` (all when `None`) and every plugin added on top.
    pub fn view(mut self, live: Arc<LiveMatchers>, enabled: Option<BTreeSet<String>>) -> Self {
        self.views.push((live, enabled));
        self
    }
}

impl Target<MatcherWorld> for MatcherTarget {
    fn state(&self) -> String {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn install(
        &self,
        plugins: Vec<Installed<MatcherWorld>>,
    ) -> BoxFuture<'_, Result<Swapped, String>> {
        let all: Vec<Arc<MatcherPlugin>> = plugins.iter().map(|p| p.plugin.clone()).collect();
        for (live, enabled) in &self.views {
            let kept = plugins
                .iter()
                .filter(|p| runs(enabled.as_ref(), &p.info.origin, &p.info.name))
                .map(|p| p.plugin.clone())
                .collect();
            live.replace(Matchers::new(kept));
        }
        let state = matcher_state(&all);
        let previous_state = std::mem::replace(
            &mut *self.state.lock().unwrap_or_else(PoisonError::into_inner),
            state.clone(),
        );
        Box::pin(async move {
            Ok(Swapped {
                previous_state,
                state,
            })
        })
    }
}

/// Whether a matcher runs in a service that enables the built-in matchers `enabled`
/// (all when `None`): plugins added on top (any origin but `embedded`) always do.
pub fn runs(enabled: Option<&BTreeSet<String>>, origin: &str, name: &str) -> bool {
    origin != "embedded" || enabled.is_none_or(|names| names.contains(name))
}

/// A digest of the set's (name, version) pairs.
fn matcher_state(plugins: &[Arc<MatcherPlugin>]) -> String {
    let mut pairs: Vec<String> = plugins
        .iter()
        .map(|p| format!("{}\0{}\n", p.name(), p.version()))
        .collect();
    pairs.sort();
    let digest = Sha256::digest(pairs.concat().as_bytes());
    hex::encode(&digest[..16])
}
