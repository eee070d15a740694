//! The plugin directory, followed while serving: a `.wasm` added or replaced there is
//! checked and swapped in, one removed is taken out, through the same registry as the
//! admin API. Polled (every two seconds), so it works on any file system.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use scry_indexer::Registry;
use scry_indexer::registry::content_hash;

const POLL: Duration = Duration::from_secs(2);

/// Path → (content hash, plugin name once accepted).
type Seen = BTreeMap<PathBuf, (String, Option<String>)>;

/// Follows `dir` until the task is dropped. Files present at start are taken as loaded.
pub async fn watch(dir: PathBuf, registry: Arc<Registry>) {
    let mut seen: Seen = wasm_files(&dir)
        .into_iter()
        .map(|(path, hash)| (path, (hash, None)))
        .collect();
    let names: BTreeMap<String, String> = registry
        .list()
        .await
        .into_iter()
        .filter(|p| p.origin == "directory")
        .map(|p| (p.content_hash, p.name))
        .collect();
    for (hash, name) in seen.values_mut() {
        *name = names.get(hash).cloned();
    }
    loop {
        tokio::time::sleep(POLL).await;
        follow(&dir, &registry, &mut seen).await;
    }
}

async fn follow(dir: &Path, registry: &Registry, seen: &mut Seen) {
    let now = wasm_files(dir);
    let gone: Vec<PathBuf> = seen
        .keys()
        .filter(|p| !now.contains_key(*p))
        .cloned()
        .collect();
    for path in gone {
        if let Some((_, Some(name))) = seen.remove(&path) {
            match registry.remove(&name, "directory").await {
                Ok(change) => {
                    tracing::info!(plugin = name, path = %path.display(), index_state_changed = change.swapped.state_changed(), "plugin removed (file deleted)")
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
        let name = match tokio::fs::read(&path).await {
            Err(err) => {
                tracing::warn!(path = %path.display(), error = %err, "reading plugin");
                None
            }
            Ok(wasm) => match registry.add(wasm, &hash, "directory").await {
                Ok(change) => {
                    tracing::info!(plugin = change.plugin.name, version = change.plugin.version, path = %path.display(), index_state_changed = change.swapped.state_changed(), "plugin added from the plugin directory");
                    Some(change.plugin.name)
                }
                Err(err) => {
                    tracing::warn!(path = %path.display(), error = %err, "plugin rejected; the running set is unchanged");
                    None
                }
            },
        };
        seen.insert(path, (hash, name));
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
        .filter(|path| path.extension().is_some_and(|ext| ext == "wasm"))
        .filter_map(|path| {
            let bytes = std::fs::read(&path).ok()?;
            Some((path, content_hash(&bytes)))
        })
        .collect()
}
