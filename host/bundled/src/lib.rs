//! First-party plugins, embedded in the binary so `cargo build` gives a scanner and a
//! matcher that work with no files beside them: [`FIRST_PARTY`] holds the scanners,
//! [`FIRST_PARTY_MATCHERS`] the matchers.

/// One embedded plugin component.
pub struct Bundled {
    /// The plugin crate's directory name under `plugins/` (scanners) or
    /// `plugins/matchers/` (matchers).
    pub name: &'static str,
    pub wasm: &'static [u8],
}

include!(concat!(env!("OUT_DIR"), "/bundled.rs"));
