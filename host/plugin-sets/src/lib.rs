//! The plugin lifecycle, for both plugin worlds: scanners (the indexer's) and
//! matchers (the matcher's). The set a process starts with, the live sets as
//! operators change them, and following the plugin directory and the database.
//!
//! A plugin is compiled and checked off the request path (size, declared content hash,
//! a component of the supported WIT version and the right world that names itself, a
//! smoke call), recorded in the service's database so every process on it follows,
//! then the whole set is rebuilt and swapped in at once. A rejected plugin leaves the
//! running set as it was.
//!
//! Invariants: a set is only ever installed whole (no request sees half a change);
//! every component installed passed the checks in this process, whether it came from
//! an upload, the plugin directory or the database.
#![forbid(unsafe_code)]

mod check;
mod follow;
mod initial;
mod kinds;
mod live_set;
mod live_sets;

pub use check::{DEFAULT_MAX_COMPONENT, Rejection, content_hash, verify};
pub use follow::{follow_database, follow_directory};
pub use initial::{InitialPlugins, LoadError, Loaded};
pub use kinds::{Installed, MatcherTarget, MatcherWorld, PluginKind, ScannerWorld, Target, runs};
pub use live_set::{Change, LivePluginSet, PluginInfo, Swapped};
pub use live_sets::{LivePluginSets, parse_world, state_name};
