//! Returns a package with no name: the runtime must reject the output as invalid.
use scry_sdk::scanner::{Findings, Identity, LayerFile, ScanError, Scanner, Wants};
use scry_sdk::scanner::{Package, PackageKind};

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
        let nameless = Package {
            name: "  ".into(),
            version: "\u{0}".into(),
            kind: PackageKind::Source,
            source: None,
            arch: String::new(),
            package_db: String::new(),
            file_path: String::new(),
            module: String::new(),
            cpe: String::new(),
            repository_hint: String::new(),
        };
        Ok(Findings {
            packages: vec![nameless],
            distributions: Vec::new(),
            repositories: Vec::new(),
        })
    }
}

scry_sdk::export_scanner!(Hostile);
