//! Returns a package with no name: the runtime must reject the output as invalid.
use scry_sdk::scanner::Package;
use scry_sdk::scanner::{Findings, Identity, LayerFile, ScanError, Scanner, Wants};

struct Hostile;

fn identity(name: &str) -> Identity {
    Identity::package(name, "1")
}

fn wants() -> Wants {
    Wants::globs(["**/hostile-trigger"])
}

impl Scanner for Hostile {
    fn identify() -> Identity {
        identity("hostile-garbage")
    }
    fn wanted() -> Wants {
        wants()
    }
    fn scan(_files: Vec<LayerFile>) -> Result<Findings, ScanError> {
        let nameless = Package::source("  ", "\u{0}");
        Ok(Findings {
            packages: vec![nameless],
            distributions: Vec::new(),
            repositories: Vec::new(),
        })
    }
}

scry_sdk::export_scanner!(Hostile);
