//! Panics during a scan, which traps the instance.
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
        identity("hostile-trap")
    }
    fn wanted() -> Wants {
        wants()
    }
    fn scan(files: Vec<LayerFile>) -> Result<Findings, ScanError> {
        panic!("hostile plugin refuses {} files", files.len())
    }
}

scry_sdk::export_scanner!(Hostile);
