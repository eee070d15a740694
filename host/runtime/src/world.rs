//! Which of Scry's plugin worlds a component implements, read from its exports before
//! anything is linked: a plugin built for another WIT version, or for the other world,
//! then gets a message that says so instead of a linker error about some import.

use wasmtime::Engine;
use wasmtime::component::Component;

use crate::engine::Runtime;
use crate::error::{PluginError, PluginFailure};

/// The WIT package version this host implements, "0.1.0".
pub const WIT_VERSION: &str = "0.1.0";

const PACKAGE: &str = "scry:plugin";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum World {
    Scanner,
    Matcher,
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

    /// The interface a plugin of this world exports, e.g. `scry:plugin/scanner@0.1.0`.
    fn export(self) -> String {
        format!("{PACKAGE}/{}@{WIT_VERSION}", self.as_str())
    }
}

/// Which of Scry's plugin worlds `wasm` implements, read from the component's exports
/// (compiled through the runtime's component cache, so a later load is free).
pub fn world_of(runtime: &Runtime, label: &str, wasm: &[u8]) -> Result<World, PluginError> {
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
) -> Result<Component, PluginError> {
    let component = compile(runtime, label, wasm)?;
    let exports = export_names(&runtime.engine, &component);
    identify(&exports, Some(world)).map_err(|why| invalid(label, why))?;
    Ok(component)
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

/// The world `exports` implement, `want` if given; otherwise a reason for the user.
fn identify(exports: &[String], want: Option<World>) -> Result<World, String> {
    let has = |world: World| exports.iter().any(|name| *name == world.export());
    match want {
        Some(world) if has(world) => return Ok(world),
        Some(world) if has(world.other()) => {
            let other = world.other();
            return Err(format!(
                "a {} plugin (exports {}), not a {}",
                other.as_str(),
                other.export(),
                world.as_str()
            ));
        }
        Some(_) => {}
        None => match (has(World::Scanner), has(World::Matcher)) {
            (true, false) => return Ok(World::Scanner),
            (false, true) => return Ok(World::Matcher),
            (true, true) => {
                return Err(format!(
                    "exports both {} and {}; a plugin implements one world",
                    World::Scanner.export(),
                    World::Matcher.export()
                ));
            }
            (false, false) => {}
        },
    }
    if let Some((name, version)) = exports.iter().find_map(|name| other_version(name)) {
        let built_for = match version {
            Some(version) => format!("WIT {PACKAGE}@{version}"),
            None => format!("an unversioned WIT {PACKAGE}"),
        };
        return Err(format!(
            "built for {built_for} (exports {name}); this host supports {PACKAGE}@{WIT_VERSION}"
        ));
    }
    let listed = if exports.is_empty() {
        "nothing".to_string()
    } else {
        exports.join(", ")
    };
    Err(format!(
        "exports neither {} nor {} (it exports {listed})",
        World::Scanner.export(),
        World::Matcher.export()
    ))
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
