//! The checks every plugin passes before it can be installed.

use scry_runtime::{Runtime, World, world_of};
use sha2::{Digest, Sha256};

use crate::kinds::{MatcherWorld, PluginKind, ScannerWorld};
use crate::registry::{PluginInfo, info};

/// Components larger than this are refused unless configured otherwise.
pub const DEFAULT_MAX_COMPONENT: usize = 64 << 20;

/// Why a plugin was refused; the message names the plugin or the check.
#[derive(Debug, thiserror::Error)]
pub enum Rejection {
    #[error("{what} is {size} bytes, over the limit of {max}")]
    TooLarge {
        what: String,
        size: usize,
        max: usize,
    },
    #[error("content hash mismatch: declared {declared}, the upload is {actual}")]
    HashMismatch { declared: String, actual: String },
    #[error("not a usable {world} plugin: {why}")]
    Invalid { world: &'static str, why: String },
    #[error("{0}")]
    NotServed(String),
    #[error("plugin {0} failed its smoke call: {1}")]
    SmokeFailed(String, String),
    #[error("plugin {name} identifies itself as {claimed:?}")]
    Renamed { name: String, claimed: String },
    #[error("no plugin named {0:?}")]
    Unknown(String),
    #[error("the plugin store refused the new set: {0}")]
    Store(String),
}

/// `sha256:<hex>` of `wasm`.
pub fn content_hash(wasm: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(wasm)))
}

pub(crate) fn check_size(what: &str, wasm: &[u8], max: usize) -> Result<(), Rejection> {
    if wasm.len() > max {
        return Err(Rejection::TooLarge {
            what: what.to_string(),
            size: wasm.len(),
            max,
        });
    }
    Ok(())
}

/// Compiles and identifies the plugin, then makes its smoke call: it must answer.
/// Blocking (compiles).
pub(crate) fn load_checked<K: PluginKind>(
    runtime: &Runtime,
    label: &str,
    wasm: &[u8],
) -> Result<K::Plugin, Rejection> {
    let plugin = K::load(runtime, label, wasm).map_err(|err| Rejection::Invalid {
        world: K::WORLD.as_str(),
        why: err.to_string(),
    })?;
    K::smoke(&plugin).map_err(|err| {
        Rejection::SmokeFailed(K::identity(&plugin).name, err.failure.to_string())
    })?;
    Ok(plugin)
}

/// Which world an upload implements, after its size: the admin API and the plugin
/// directory route each plugin to the registry of its world with this. Blocking
/// (compiles).
pub fn world_of_upload(
    runtime: &Runtime,
    label: &str,
    wasm: &[u8],
    max_component: usize,
) -> Result<World, Rejection> {
    check_size("the component", wasm, max_component)?;
    world_of(runtime, label, wasm).map_err(|err| Rejection::Invalid {
        world: "scry",
        why: err.failure.to_string(),
    })
}

/// The checks an upload gets, without installing it, whichever world it implements:
/// size, then the world, then load and smoke call. For `scry plugins verify`.
/// Blocking (compiles).
pub fn verify(
    runtime: &Runtime,
    wasm: &[u8],
    max_component: usize,
) -> Result<PluginInfo, Rejection> {
    Ok(
        match world_of_upload(runtime, "the component", wasm, max_component)? {
            World::Scanner => {
                let plugin = load_checked::<ScannerWorld>(runtime, "the component", wasm)?;
                info::<ScannerWorld>(&plugin, "file", wasm)
            }
            World::Matcher => {
                let plugin = load_checked::<MatcherWorld>(runtime, "the component", wasm)?;
                info::<MatcherWorld>(&plugin, "file", wasm)
            }
        },
    )
}
