//! A well-behaved scanner built for `scry:plugin@0.1.0` (the archived WIT, which has no
//! `configure`): the host must keep loading and running it unchanged. It reports one
//! package per `etc/compat-release` file, named `compat`, versioned by the file's first
//! line.

wit_bindgen::generate!({
    world: "scanner-plugin",
    path: "../../../sdk/wit-archive/0.1.0",
});

use exports::scry::plugin::scanner::{Contents, Findings, Guest, LayerFile, ScanError, Wants};
use scry::plugin::types::{FileError, Identity, Package, PackageKind, ScannerKind};

struct CompatScanner;

impl Guest for CompatScanner {
    fn identify() -> Identity {
        Identity {
            name: "compat-0-1".into(),
            version: "1".into(),
            kind: ScannerKind::Package,
        }
    }

    fn wanted() -> Wants {
        Wants {
            globs: vec!["**/etc/compat-release".into()],
            executables: false,
            magic: Vec::new(),
        }
    }

    fn scan(files: Vec<LayerFile>) -> Result<Findings, ScanError> {
        let mut packages = Vec::new();
        for file in files {
            let Contents::Bytes(bytes) = file.contents else {
                return Err(ScanError::Unsupported(FileError {
                    path: file.path,
                    reason: "larger than a release file can be".into(),
                }));
            };
            let text = String::from_utf8_lossy(&bytes);
            let version = text.lines().next().unwrap_or("").trim().to_string();
            packages.push(Package {
                name: "compat".into(),
                version,
                kind: PackageKind::Binary,
                source: None,
                arch: String::new(),
                package_db: file.path.clone(),
                file_path: String::new(),
                module: String::new(),
                cpe: String::new(),
                repository_hint: String::new(),
            });
        }
        Ok(Findings {
            packages,
            distributions: Vec::new(),
            repositories: Vec::new(),
        })
    }
}

export!(CompatScanner);
