//! The checks every plugin passes before it can be installed.

use scry_runtime::{Runtime, World, world_of};
use sha2::{Digest, Sha256};

use crate::kinds::{MatcherWorld, PluginKind, ScannerWorld};
use crate::live_set::{PluginInfo, info};

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
    #[error(
        "the upload is a {w} plugin and this process runs no {w}s; send it to {to}",
        w = .0.as_str(),
        to = serving(*.0)
    )]
    NotServed(World),
    #[error("{0:?} names a scanner and a matcher; say which (world=scanner or world=matcher)")]
    Ambiguous(String),
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

/// The service that runs plugins of `world`.
fn serving(world: World) -> &'static str {
    match world {
        World::Scanner => "an indexer",
        World::Matcher => "a matcher",
    }
}

/// An upload's size, then its declared content hash (`sha256:<hex>` or bare hex);
/// returns the actual `sha256:<hex>`. Cheap checks, before anything is compiled.
pub(crate) fn check_upload(wasm: &[u8], declared: &str, max: usize) -> Result<String, Rejection> {
    check_size("the component", wasm, max)?;
    let actual = content_hash(wasm);
    let declared = declared.trim();
    if declared != actual && format!("sha256:{declared}") != actual {
        return Err(Rejection::HashMismatch {
            declared: declared.to_string(),
            actual,
        });
    }
    Ok(actual)
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

/// Which of the worlds `wasm` implements. Blocking (compiles).
pub(crate) fn world(runtime: &Runtime, label: &str, wasm: &[u8]) -> Result<World, Rejection> {
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
    check_size("the component", wasm, max_component)?;
    Ok(match world(runtime, "the component", wasm)? {
        World::Scanner => {
            let plugin = load_checked::<ScannerWorld>(runtime, "the component", wasm)?;
            info::<ScannerWorld>(&plugin, "file", content_hash(wasm))
        }
        World::Matcher => {
            let plugin = load_checked::<MatcherWorld>(runtime, "the component", wasm)?;
            info::<MatcherWorld>(&plugin, "file", content_hash(wasm))
        }
    })
}
