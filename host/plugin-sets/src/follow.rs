//! Following plugin changes while serving: the plugin directory (a `.wasm` added or
//! replaced there is checked and swapped in, one removed is taken out, through the
//! same live sets as the admin API) and the service database, where other processes
//! record theirs. The directory is polled, so it works on any file system.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use scry_runtime::World;

use crate::check::{Rejection, content_hash};
use crate::initial::is_wasm;
use crate::kinds::PluginKind;
use crate::live_set::{Change, LivePluginSet};
use crate::live_sets::{LivePluginSets, parse_world};

const POLL_DIR: Duration = Duration::from_secs(2);

/// How often a process looks for plugin changes made by other processes.
const POLL_DATABASE: Duration = Duration::from_secs(1);

/// Applies the set other processes on this database recorded; the returned future
/// follows it from then on (run it beside the service).
pub async fn follow_database<K: PluginKind>(
    plugin_set: &Arc<LivePluginSet<K>>,
) -> impl Future<Output = ()> + Send + use<K> {
    let world = K::WORLD.as_str();
    match plugin_set.sync().await {
        Ok(Some(swapped)) => {
            tracing::info!(world, state = swapped.state, "stored plugin set applied")
        }
        Ok(None) => {}
        Err(err) => {
            tracing::warn!(world, error = %err, "stored plugin set refused; serving the built-in set")
        }
    }
    plugin_set.clone().follow(POLL_DATABASE)
}

/// Path → (content hash, the plugin's world and name once accepted).
type Seen = BTreeMap<PathBuf, (String, Option<(World, String)>)>;

/// Follows `dir` until the task is dropped. Files present at start are taken as loaded
/// (as [`crate::InitialPlugins::load`] loaded them).
pub async fn follow_directory(dir: PathBuf, plugin_sets: LivePluginSets) {
    let loaded: BTreeMap<String, (World, String)> = plugin_sets
        .list()
        .await
        .into_iter()
        .filter_map(|p| Some((p.content_hash, (parse_world(p.world)?, p.name))))
        .collect();
    let mut seen: Seen = wasm_files(&dir)
        .into_iter()
        .map(|(path, hash)| {
            let known = loaded.get(&hash).cloned();
            (path, (hash, known))
        })
        .collect();
    loop {
        tokio::time::sleep(POLL_DIR).await;
        follow(&dir, &plugin_sets, &mut seen).await;
    }
}

async fn follow(dir: &Path, plugin_sets: &LivePluginSets, seen: &mut Seen) {
    let now = wasm_files(dir);
    let gone: Vec<PathBuf> = seen
        .keys()
        .filter(|p| !now.contains_key(*p))
        .cloned()
        .collect();
    for path in gone {
        if let Some((_, Some((world, name)))) = seen.remove(&path) {
            match plugin_sets.remove(&name, Some(world), "directory").await {
                Ok((_, change)) => {
                    tracing::info!(plugin = name, path = %path.display(), state_changed = change.swapped.state_changed(), "plugin removed (file deleted)")
                }
                Err(err) => {
                    tracing::warn!(plugin = name, path = %path.display(), error = %err, "plugin not removed")
                }
            }
        }
    }
    for (path, hash) in now {
        if seen.get(&path).is_some_and(|(known, _)| *known == hash) {
            continue;
        }
        let accepted = match add(plugin_sets, &path, &hash).await {
            Ok(None) => None,
            Ok(Some((world, change))) => {
                tracing::info!(world = world.as_str(), plugin = change.plugin.name, version = change.plugin.version, path = %path.display(), state_changed = change.swapped.state_changed(), "plugin added from the plugin directory");
                Some((world, change.plugin.name))
            }
            Err(err) => {
                tracing::warn!(path = %path.display(), error = %err, "plugin rejected; the running set is unchanged");
                None
            }
        };
        seen.insert(path, (hash, accepted));
    }
}

/// Adds the file to the set of its world; `None` when this process does not run that
/// world (another process on the same directory does).
async fn add(
    plugin_sets: &LivePluginSets,
    path: &Path,
    hash: &str,
) -> Result<Option<(World, Change)>, String> {
    let wasm = tokio::fs::read(path).await.map_err(|err| err.to_string())?;
    match plugin_sets.add(wasm, hash, "directory").await {
        Ok(added) => Ok(Some(added)),
        Err(Rejection::NotServed(_)) => Ok(None),
        Err(err) => Err(err.to_string()),
    }
}

/// `*.wasm` in `dir` with their content hashes (unreadable files are skipped).
fn wasm_files(dir: &Path) -> BTreeMap<PathBuf, String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return BTreeMap::new();
    };
    entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| is_wasm(path))
        .filter_map(|path| {
            let bytes = std::fs::read(&path).ok()?;
            Some((path, content_hash(&bytes)))
        })
        .collect()
}
