//! Panics during a scan, which traps the instance.
use scry_sdk::scanner::{Findings, Identity, LayerFile, ScanError, Scanner, ScannerKind, Wants};

struct Hostile;

fn identity(name: &str) -> Identity {
    Identity {
        name: name.into(),
        version: "1".into(),
        kind: ScannerKind::Package,
    }
}

fn wants() -> Wants {
    Wants {
        globs: vec!["**/hostile-trigger".into()],
        executables: false,
        magic: Vec::new(),
    }
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
