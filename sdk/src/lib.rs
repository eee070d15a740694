//! The Scry plugin SDK.
//!
//! A scanner plugin implements [`scanner::Scanner`] and calls [`export_scanner!`];
//! a matcher plugin implements [`matcher::Matcher`] and calls [`export_matcher!`].
//! Enable the matching cargo feature (`scanner` or `matcher`; they are additive) and
//! build with `cargo build --target wasm32-wasip2`. An OSV-ecosystem or distribution
//! matcher is a declaration: [`matcher::OsvMatcher`], [`matcher::DistroMatcher`].
//!
//! The shared records ([`types`]: `Package`, `Distribution`, `Repository`, …) are one
//! type each in both worlds, with constructors such as `Package::binary(name, version)`.
//! The WIT contract ships inside this crate (`wit/`). A plugin's configuration block
//! (from Clair's config) reaches it as [`config::Config`]: check it in the trait's
//! `configure`, read it anywhere with [`config::current`].
//!
//! The parsing helpers ([`rfc822`], [`dpkg`], [`osrelease`], [`cpe`]), the version
//! orderings in [`version`] and the matchers' verdict rules in [`matching`] are plain
//! Rust and work without either feature.
#![deny(unsafe_code)]

pub mod config;
pub mod cpe;
pub mod dpkg;
pub mod matching;
pub mod osrelease;
mod pattern;
pub mod rfc822;
pub mod types;
pub mod version;

#[cfg(feature = "matcher")]
pub mod matcher;
#[cfg(feature = "scanner")]
pub mod scanner;
