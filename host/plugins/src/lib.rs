//! First-party scanner plugins, embedded in the binary so `cargo build` gives a scanner
//! that works with no files beside it.

/// One embedded plugin component.
pub struct Bundled {
    /// The plugin crate's directory name under `plugins/`.
    pub name: &'static str,
    pub wasm: &'static [u8],
}

include!(concat!(env!("OUT_DIR"), "/bundled.rs"));
