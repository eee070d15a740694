//! The plugin sets one process runs (scanners on an indexer, matchers on a matcher,
//! both in combo mode): a plugin goes to the set of the world it implements. The admin
//! API and the followed plugin directory both come in here.

use std::sync::Arc;

use scry_runtime::{Runtime, World};

use crate::check::{Rejection, check_upload, world};
use crate::kinds::{MatcherWorld, PluginKind, ScannerWorld};
use crate::live_set::{Change, LivePluginSet, PluginInfo};

/// The name `world`'s set reports its state under (`index_state`, `matcher_state`).
pub fn state_name(world: World) -> &'static str {
    match world {
        World::Scanner => ScannerWorld::STATE,
        World::Matcher => MatcherWorld::STATE,
    }
}

/// `scanner` or `matcher` (as [`PluginInfo::world`] and the admin API say it).
pub fn parse_world(name: &str) -> Option<World> {
    [World::Scanner, World::Matcher]
        .into_iter()
        .find(|world| world.as_str() == name)
}

#[derive(Clone)]
pub struct LivePluginSets {
    pub runtime: Runtime,
    pub scanners: Option<Arc<LivePluginSet<ScannerWorld>>>,
    pub matchers: Option<Arc<LivePluginSet<MatcherWorld>>>,
    /// Uploads larger than this are refused before anything else.
    pub max_component: usize,
}

impl LivePluginSets {
    /// Every plugin of both sets.
    pub async fn list(&self) -> Vec<PluginInfo> {
        let mut plugins = Vec::new();
        if let Some(scanners) = &self.scanners {
            plugins.extend(scanners.list().await);
        }
        if let Some(matchers) = &self.matchers {
            plugins.extend(matchers.list().await);
        }
        plugins
    }

    /// Each set's state under its own name (`index_state`, `matcher_state`).
    pub fn states(&self) -> Vec<(&'static str, String)> {
        let scanners = self
            .scanners
            .iter()
            .map(|s| (ScannerWorld::STATE, s.state()));
        let matchers = self
            .matchers
            .iter()
            .map(|m| (MatcherWorld::STATE, m.state()));
        scanners.chain(matchers).collect()
    }

    /// Checks the upload's size and declared hash, reads its world (compiling it off
    /// the async threads) and adds it to that world's set. A world this process does
    /// not run is [`Rejection::NotServed`].
    pub async fn add(
        &self,
        wasm: Vec<u8>,
        declared: &str,
        origin: &str,
    ) -> Result<(World, Change), Rejection> {
        let hash = check_upload(&wasm, declared, self.max_component)?;
        let wasm: Arc<[u8]> = wasm.into();
        let (runtime, label, bytes) =
            (self.runtime.clone(), format!("upload {hash}"), wasm.clone());
        let world = tokio::task::spawn_blocking(move || world(&runtime, &label, &bytes))
            .await
            .map_err(|err| Rejection::Invalid {
                world: "scry",
                why: err.to_string(),
            })??;
        let change = match world {
            World::Scanner => {
                let set = self.scanners.as_ref().ok_or(Rejection::NotServed(world))?;
                set.add_checked(wasm, hash, origin).await?
            }
            World::Matcher => {
                let set = self.matchers.as_ref().ok_or(Rejection::NotServed(world))?;
                set.add_checked(wasm, hash, origin).await?
            }
        };
        Ok((world, change))
    }

    /// Removes the plugin named `name` from the set that has it, or from `world`'s
    /// only; a name both sets have needs `world` ([`Rejection::Ambiguous`]).
    pub async fn remove(
        &self,
        name: &str,
        world: Option<World>,
        origin: &str,
    ) -> Result<(World, Change), Rejection> {
        let wanted = |w: World| world.is_none_or(|world| world == w);
        let scanner = match &self.scanners {
            Some(r) if wanted(World::Scanner) && r.has(name).await => Some(r),
            _ => None,
        };
        let matcher = match &self.matchers {
            Some(r) if wanted(World::Matcher) && r.has(name).await => Some(r),
            _ => None,
        };
        match (scanner, matcher) {
            (Some(_), Some(_)) => Err(Rejection::Ambiguous(name.to_string())),
            (Some(r), None) => Ok((World::Scanner, r.remove(name, origin).await?)),
            (None, Some(r)) => Ok((World::Matcher, r.remove(name, origin).await?)),
            (None, None) => Err(Rejection::Unknown(name.to_string())),
        }
    }
}
