//! Returns far more packages than any layer holds: the output cap must reject it.
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
        identity("hostile-flood")
    }
    fn wanted() -> Wants {
        wants()
    }
    fn scan(_files: Vec<LayerFile>) -> Result<Findings, ScanError> {
        let packages = (0..200_000)
            .map(|n| Package {
                name: format!("flood-{n}"),
                version: "1".into(),
                kind: PackageKind::Binary,
                source: None,
                arch: String::new(),
                package_db: "flood".into(),
                file_path: String::new(),
                module: String::new(),
                cpe: String::new(),
                repository_hint: String::new(),
            })
            .collect();
        Ok(Findings {
            packages,
            distributions: Vec::new(),
            repositories: Vec::new(),
        })
    }
}

scry_sdk::export_scanner!(Hostile);
