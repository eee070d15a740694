//! Following plugin changes while serving: the plugin directory (a `.wasm` added or
//! replaced there is checked and swapped in, one removed is taken out, through the
//! same registries as the admin API) and the service database, where other processes
//! record theirs. Both polled, so they work on any file system and any database.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use scry_registry::{
    Change, DEFAULT_MAX_COMPONENT, MatcherWorld, PluginKind, Registry, Rejection, ScannerWorld,
    content_hash, world_of_upload,
};
use scry_runtime::{Runtime, World};

const POLL_DIR: Duration = Duration::from_secs(2);

/// How often a process looks for plugin changes made by other processes.
const POLL_DATABASE: Duration = Duration::from_secs(1);

/// Applies the set other processes on this database recorded, then follows it.
pub async fn follow_database<K: PluginKind>(registry: &Arc<Registry<K>>) {
    let world = K::WORLD.as_str();
    match registry.sync().await {
        Ok(Some(swapped)) => {
            tracing::info!(world, state = swapped.state, "stored plugin set applied")
        }
        Ok(None) => {}
        Err(err) => {
            tracing::warn!(world, error = %err, "stored plugin set refused; serving the built-in set")
        }
    }
    tokio::spawn(registry.clone().follow(POLL_DATABASE));
}

/// The registries a process serves.
#[derive(Clone)]
pub struct Registries {
    pub runtime: Runtime,
    pub scanners: Option<Arc<Registry<ScannerWorld>>>,
    pub matchers: Option<Arc<Registry<MatcherWorld>>>,
}

/// Path → (content hash, the plugin's world and name once accepted).
type Seen = BTreeMap<PathBuf, (String, Option<(World, String)>)>;

/// Follows `dir` until the task is dropped. Files present at start are taken as loaded.
pub async fn watch(dir: PathBuf, registries: Registries) {
    let mut loaded: BTreeMap<String, (World, String)> = BTreeMap::new();
    if let Some(scanners) = &registries.scanners {
        for p in scanners.list().await {
            loaded.insert(p.content_hash, (World::Scanner, p.name));
        }
    }
    if let Some(matchers) = &registries.matchers {
        for p in matchers.list().await {
            loaded.insert(p.content_hash, (World::Matcher, p.name));
        }
    }
    let mut seen: Seen = wasm_files(&dir)
        .into_iter()
        .map(|(path, hash)| {
            let known = loaded.get(&hash).cloned();
            (path, (hash, known))
        })
        .collect();
    loop {
        tokio::time::sleep(POLL_DIR).await;
        follow(&dir, &registries, &mut seen).await;
    }
}

async fn follow(dir: &Path, registries: &Registries, seen: &mut Seen) {
    let now = wasm_files(dir);
    let gone: Vec<PathBuf> = seen
        .keys()
        .filter(|p| !now.contains_key(*p))
        .cloned()
        .collect();
    for path in gone {
        if let Some((_, Some((world, name)))) = seen.remove(&path) {
            let removed = match world {
                World::Scanner => remove(&registries.scanners, &name).await,
                World::Matcher => remove(&registries.matchers, &name).await,
            };
            match removed {
                Some(Ok(change)) => {
                    tracing::info!(plugin = name, path = %path.display(), state_changed = change.swapped.state_changed(), "plugin removed (file deleted)")
                }
                Some(Err(err)) => {
                    tracing::warn!(plugin = name, path = %path.display(), error = %err, "plugin not removed")
                }
                None => {}
            }
        }
    }
    for (path, hash) in now {
        if seen.get(&path).is_some_and(|(known, _)| *known == hash) {
            continue;
        }
        let accepted = match add(registries, &path, &hash).await {
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

/// Adds the file to the registry of its world; `None` when this process does not run
/// that world (another process on the same directory does).
async fn add(
    registries: &Registries,
    path: &Path,
    hash: &str,
) -> Result<Option<(World, Change)>, String> {
    let wasm = tokio::fs::read(path).await.map_err(|err| err.to_string())?;
    let runtime = registries.runtime.clone();
    let (label, bytes) = (path.display().to_string(), wasm.clone());
    let world = tokio::task::spawn_blocking(move || {
        world_of_upload(&runtime, &label, &bytes, DEFAULT_MAX_COMPONENT)
    })
    .await
    .map_err(|err| err.to_string())?
    .map_err(|err| err.to_string())?;
    let change = match world {
        World::Scanner => match &registries.scanners {
            Some(r) => r.add(wasm, hash, "directory").await,
            None => return Ok(None),
        },
        World::Matcher => match &registries.matchers {
            Some(r) => r.add(wasm, hash, "directory").await,
            None => return Ok(None),
        },
    };
    change
        .map(|change| Some((world, change)))
        .map_err(|err| err.to_string())
}

async fn remove<K: PluginKind>(
    registry: &Option<Arc<Registry<K>>>,
    name: &str,
) -> Option<Result<Change, Rejection>> {
    Some(registry.as_ref()?.remove(name, "directory").await)
}

/// `*.wasm` in `dir` with their content hashes (unreadable files are skipped).
fn wasm_files(dir: &Path) -> BTreeMap<PathBuf, String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return BTreeMap::new();
    };
    entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "wasm"))
        .filter_map(|path| {
            let bytes = std::fs::read(&path).ok()?;
            Some((path, content_hash(&bytes)))
        })
        .collect()
}
