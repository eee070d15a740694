//! The plugin sandbox.
//!
//! Plugins are WebAssembly components compiled once per [`Runtime`] (and cached on disk,
//! precompiled): scanners ([`ScannerPlugin`]) and matchers ([`MatcherPlugin`]).
//! Each scan or match call gets a fresh `Store` from an `InstancePre`, an epoch deadline,
//! a memory cap and an empty WASI context: no files, no network, no environment, no
//! clocks. Whatever a plugin does, the worst outcome is a [`PluginError`] naming it.
//!
//! Components built for WIT `scry:plugin@0.1.0` and `@0.2.0` load side by side. A 0.2.0
//! plugin takes its configuration block ([`Settings`]) at load
//! (`ScannerPlugin::load_configured`, `MatcherPlugin::load_configured`), and every call
//! instance is configured before anything else runs in it.

mod cache;
#[macro_use]
mod call;
mod config;
mod engine;
mod error;
mod limits;
pub mod matcher;
pub mod scanner;
mod state;
mod types;
pub mod world;

pub use config::{Block, PluginBlocks, Settings};
pub use engine::{Runtime, RuntimeConfig};
pub use error::{PluginError, PluginFailure, RuntimeError};
pub use limits::PluginLimits;
pub use matcher::MatcherPlugin;
pub use scanner::{
    FileSource, PluginContents, PluginFile, ScanFindings, ScannerKind, ScannerPlugin,
};
pub use world::{WIT_VERSION, WIT_VERSIONS, WitVersion, World, world_and_version_of, world_of};
