//! A well-behaved scanner built against `scry:plugin@0.3.0`, a WIT version this host
//! does not implement: loading it must fail with a message naming the versions, not
//! a linker error about a missing import.

wit_bindgen::generate!({
    world: "scanner-plugin",
    path: "wit",
});

use exports::scry::plugin::scanner::{Findings, Guest, LayerFile, ScanError, Wants};
use scry::plugin::types::{Identity, ScannerKind};

struct WrongWit;

impl Guest for WrongWit {
    fn identify() -> Identity {
        Identity {
            name: "hostile-wrong-wit".into(),
            version: "1".into(),
            kind: ScannerKind::Package,
        }
    }

    fn wanted() -> Wants {
        Wants {
            globs: vec!["**/hostile-trigger".into()],
            executables: false,
            magic: Vec::new(),
        }
    }

    fn scan(_files: Vec<LayerFile>) -> Result<Findings, ScanError> {
        Ok(Findings {
            packages: Vec::new(),
            distributions: Vec::new(),
            repositories: Vec::new(),
        })
    }
}

export!(WrongWit);
