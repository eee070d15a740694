//! Which of Scry's plugin worlds a component implements, and for which WIT version,
//! read from its exports before anything is linked: a plugin built for an unsupported
//! WIT version, or for the other world, then gets a message that says so instead of a
//! linker error about some import.

use std::fmt;

use wasmtime::Engine;
use wasmtime::component::Component;

use crate::engine::Runtime;
use crate::error::{PluginError, PluginFailure};

/// The newest WIT package version this host implements, the one the SDK builds for.
pub const WIT_VERSION: &str = "0.2.0";

/// Every WIT package version this host loads, oldest first.
pub const WIT_VERSIONS: [&str; 2] = ["0.1.0", "0.2.0"];

const PACKAGE: &str = "scry:plugin";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum World {
    Scanner,
    Matcher,
}

/// A WIT package version this host loads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WitVersion {
    /// The first edition: no `configure`, so such a plugin takes no configuration.
    V0_1,
    /// Adds `configure`: the host hands the plugin its configuration block.
    V0_2,
}

impl WitVersion {
    const ALL: [WitVersion; 2] = [WitVersion::V0_1, WitVersion::V0_2];

    /// `"0.1.0"`, `"0.2.0"`.
    pub fn as_str(self) -> &'static str {
        match self {
            WitVersion::V0_1 => WIT_VERSIONS[0],
            WitVersion::V0_2 => WIT_VERSIONS[1],
        }
    }
}

impl fmt::Display for WitVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{PACKAGE}@{}", self.as_str())
    }
}

impl World {
    pub fn as_str(self) -> &'static str {
        match self {
            World::Scanner => "scanner",
            World::Matcher => "matcher",
        }
    }

    fn other(self) -> World {
        match self {
            World::Scanner => World::Matcher,
            World::Matcher => World::Scanner,
        }
    }

    /// The interface a plugin of this world exports at `version`, e.g.
    /// `scry:plugin/scanner@0.2.0`.
    fn export(self, version: WitVersion) -> String {
        format!("{PACKAGE}/{}@{}", self.as_str(), version.as_str())
    }
}

/// Which of Scry's plugin worlds `wasm` implements, read from the component's exports
/// (compiled through the runtime's component cache, so a later load is free).
pub fn world_of(runtime: &Runtime, label: &str, wasm: &[u8]) -> Result<World, PluginError> {
    world_and_version_of(runtime, label, wasm).map(|(world, _)| world)
}

/// [`world_of`], with the WIT version the component was built for.
pub fn world_and_version_of(
    runtime: &Runtime,
    label: &str,
    wasm: &[u8],
) -> Result<(World, WitVersion), PluginError> {
    let component = compile(runtime, label, wasm)?;
    let exports = export_names(&runtime.engine, &component);
    identify(&exports, None).map_err(|why| invalid(label, why))
}

/// Compiles `wasm` for a loader that needs `world`, refusing anything else by name.
pub(crate) fn component_for(
    runtime: &Runtime,
    label: &str,
    wasm: &[u8],
    world: World,
) -> Result<(Component, WitVersion), PluginError> {
    let component = compile(runtime, label, wasm)?;
    let exports = export_names(&runtime.engine, &component);
    let (_, version) = identify(&exports, Some(world)).map_err(|why| invalid(label, why))?;
    Ok((component, version))
}

fn compile(runtime: &Runtime, label: &str, wasm: &[u8]) -> Result<Component, PluginError> {
    runtime
        .cache
        .load(&runtime.engine, wasm)
        .map_err(|err| invalid(label, unloadable(wasm, &err)))
}

fn invalid(label: &str, why: String) -> PluginError {
    PluginError::new(label, PluginFailure::Invalid(why))
}

/// Why `wasm` did not compile. wasmtime's parser errors ("unknown binary version")
/// do not tell a plugin author what to change; the header does.
fn unloadable(wasm: &[u8], err: &wasmtime::Error) -> String {
    const HOW: &str = "a plugin must be a component, built for wasm32-wasip2";
    let Some(version) = wasm.strip_prefix(b"\0asm") else {
        return format!("not a WebAssembly component (no WebAssembly header); {HOW}");
    };
    // A core module's version/layer field is 1, 0, 0, 0; a component's is 0x0d, 0, 1, 0.
    if version.starts_with(&[1, 0, 0, 0]) {
        return format!("a core WebAssembly module, not a WebAssembly component; {HOW}");
    }
    format!("not a valid WebAssembly component: {err:#}")
}

fn export_names(engine: &Engine, component: &Component) -> Vec<String> {
    let ty = component.component_type();
    ty.exports(engine)
        .map(|(name, _)| name.to_string())
        .collect()
}

/// The world and version `exports` implement, `want` if given; otherwise a reason for
/// the user.
fn identify(exports: &[String], want: Option<World>) -> Result<(World, WitVersion), String> {
    let found = |world: World| {
        WitVersion::ALL
            .into_iter()
            .rev()
            .find(|version| exports.contains(&world.export(*version)))
    };
    match want {
        Some(world) => {
            if let Some(version) = found(world) {
                return Ok((world, version));
            }
            if let Some(version) = found(world.other()) {
                return Err(format!(
                    "a {} plugin (exports {}), not a {}",
                    world.other().as_str(),
                    world.other().export(version),
                    world.as_str()
                ));
            }
        }
        None => match (found(World::Scanner), found(World::Matcher)) {
            (Some(version), None) => return Ok((World::Scanner, version)),
            (None, Some(version)) => return Ok((World::Matcher, version)),
            (Some(scanner), Some(matcher)) => {
                return Err(format!(
                    "exports both {} and {}; a plugin implements one world",
                    World::Scanner.export(scanner),
                    World::Matcher.export(matcher)
                ));
            }
            (None, None) => {}
        },
    }
    let supported = supported();
    if let Some((name, version)) = exports.iter().find_map(|name| other_version(name)) {
        let built_for = match version {
            Some(version) => format!("WIT {PACKAGE}@{version}"),
            None => format!("an unversioned WIT {PACKAGE}"),
        };
        return Err(format!(
            "built for {built_for} (exports {name}); this host supports {supported}"
        ));
    }
    let listed = if exports.is_empty() {
        "nothing".to_string()
    } else {
        exports.join(", ")
    };
    Err(format!(
        "exports neither {PACKAGE}/scanner nor {PACKAGE}/matcher of {supported} \
         (it exports {listed})"
    ))
}

/// `scry:plugin@0.1.0 and scry:plugin@0.2.0`.
fn supported() -> String {
    let versions: Vec<String> = WitVersion::ALL.iter().map(|v| v.to_string()).collect();
    versions.join(" and ")
}

/// `(name, version)` if `name` is a Scry world's interface at some version (or none).
fn other_version(name: &str) -> Option<(&str, Option<&str>)> {
    let (interface, version) = match name.split_once('@') {
        Some((interface, version)) => (interface, Some(version)),
        None => (name, None),
    };
    let world = interface.strip_prefix(PACKAGE)?.strip_prefix('/')?;
    [World::Scanner, World::Matcher]
        .iter()
        .any(|w| w.as_str() == world)
        .then_some((name, version))
}
