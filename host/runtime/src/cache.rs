//! Precompiled components on disk, keyed by the component's content hash and the
//! engine's compatibility hash, so a wasmtime upgrade or a config change never loads
//! stale machine code.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

#[derive(Clone)]
pub(crate) struct ComponentCache {
    dir: Option<PathBuf>,
    engine_key: String,
}

impl ComponentCache {
    pub fn new(engine: &Engine, dir: Option<PathBuf>) -> Self {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        ComponentCache {
            dir,
            engine_key: format!("{:016x}", hasher.finish()),
        }
    }

    /// Compiles `wasm`, or loads it precompiled from the cache.
    pub fn load(&self, engine: &Engine, wasm: &[u8]) -> wasmtime::Result<Component> {
        let Some(dir) = &self.dir else {
            return Component::new(engine, wasm);
        };
        let path = dir.join(format!("{}-{}.cwasm", content_hash(wasm), self.engine_key));
        if path.exists() {
            match deserialize(engine, &path) {
                Ok(component) => return Ok(component),
                Err(err) => {
                    tracing::warn!(path = %path.display(), error = %err, "discarding unreadable cached component")
                }
            }
        }
        let compiled = engine.precompile_component(wasm)?;
        if let Err(err) = store(dir, &path, &compiled) {
            // A read-only cache directory costs start-up time, not correctness.
            tracing::warn!(path = %path.display(), error = %err, "cannot cache compiled component");
            return Component::new(engine, wasm);
        }
        deserialize(engine, &path)
    }
}

/// `sha256:<hex>` of a component's bytes: the identity shown by `scry plugins list`.
pub(crate) fn content_hash(wasm: &[u8]) -> String {
    hex::encode(Sha256::digest(wasm))
}

fn store(dir: &Path, path: &Path, compiled: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    std::io::Write::write_all(&mut tmp, compiled)?;
    tmp.persist(path).map_err(|err| err.error)?;
    Ok(())
}

#[allow(unsafe_code)]
fn deserialize(engine: &Engine, path: &Path) -> wasmtime::Result<Component> {
    // SAFETY: wasmtime trusts a precompiled artifact to be its own output. Files in this
    // directory are written only by `store` above, from `precompile_component` of the
    // same engine configuration (the engine key is part of the file name), and are
    // renamed into place atomically, so a reader never sees a partial file.
    unsafe { Component::deserialize_file(engine, path) }
}
