//! The plugin sandbox.
//!
//! Plugins are WebAssembly components compiled once per [`Runtime`] (and cached on disk,
//! precompiled): scanners ([`ScannerPlugin`]) and matchers ([`MatcherPlugin`]).
//! Each scan or match call gets a fresh `Store` from an `InstancePre`, an epoch deadline,
//! a memory cap and an empty WASI context: no files, no network, no environment, no
//! clocks. Whatever a plugin does, the worst outcome is a [`PluginError`] naming it.

mod cache;
mod engine;
mod error;
mod limits;
pub mod matcher;
pub mod scanner;
mod state;
pub mod world;

pub use engine::{Runtime, RuntimeConfig};
pub use error::{PluginError, PluginFailure, RuntimeError};
pub use limits::PluginLimits;
pub use matcher::MatcherPlugin;
pub use scanner::{
    FileSource, PluginContents, PluginFile, ScanFindings, ScannerKind, ScannerPlugin,
};
pub use world::{WIT_VERSION, World, world_of};
