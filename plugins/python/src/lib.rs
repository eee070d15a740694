//! Package scanner for Python distributions installed from PyPI-style archives: the
//! `Name`/`Version` headers of each `*.dist-info/METADATA` and egg-info `PKG-INFO`.
//!
//! Unreadable metadata (no name, no version, not a header block) is skipped rather than
//! failing the layer: site-packages directories are full of vendored and test copies.
//! Distributions whose `INSTALLER` is a system package manager are left to the
//! package manager's own scanner.

mod location;

use std::collections::HashSet;
use std::io::Read;

use scry_sdk::rfc822;
use scry_sdk::scanner::{
    Findings, Identity, LayerFile, Package, Repository, ScanError, Scanner, ScannerKind, Wants,
};

/// Bump whenever the same files would yield different packages.
const VERSION: &str = "1";

const GLOBS: [&str; 5] = [
    "**/*.dist-info/METADATA",
    "**/*.egg-info/PKG-INFO",
    "**/*.egg-info",
    "**/EGG-INFO/PKG-INFO",
    "**/*.dist-info/INSTALLER",
];

/// `INSTALLER` values of distributions that an OS package owns.
const SYSTEM_INSTALLERS: [&str; 3] = ["rpm", "dpkg", "apk"];

/// The headers come first; a description longer than this is never needed.
const MAX_METADATA: u64 = 1 << 20;

pub struct PythonScanner;

impl Scanner for PythonScanner {
    fn identify() -> Identity {
        Identity {
            name: "python".to_string(),
            version: VERSION.to_string(),
            kind: ScannerKind::Package,
        }
    }

    fn wanted() -> Wants {
        Wants {
            globs: GLOBS.iter().map(|g| g.to_string()).collect(),
            executables: false,
            magic: Vec::new(),
        }
    }

    fn scan(files: Vec<LayerFile>) -> Result<Findings, ScanError> {
        let system_owned = system_owned_dist_infos(&files);
        let mut packages: Vec<Package> = files
            .iter()
            .filter_map(|file| {
                let at = location::of(&file.path)?;
                if system_owned.contains(at.package_path) {
                    return None;
                }
                let (name, version) = name_and_version(&read_prefix(file, MAX_METADATA))?;
                Some(package(name, version, at))
            })
            .collect();
        packages.sort_by(|a, b| {
            (&a.package_db, &a.name, &a.version, &a.file_path).cmp(&(
                &b.package_db,
                &b.name,
                &b.version,
                &b.file_path,
            ))
        });
        let mut findings = Findings::empty();
        if !packages.is_empty() {
            findings.repositories.push(pypi());
        }
        findings.packages = packages;
        Ok(findings)
    }
}

scry_sdk::export_scanner!(PythonScanner);

fn system_owned_dist_infos(files: &[LayerFile]) -> HashSet<&str> {
    files
        .iter()
        .filter_map(|file| {
            let dist_info = location::installer_dist_info(&file.path)?;
            let installer = read_prefix(file, 64);
            SYSTEM_INSTALLERS
                .contains(&installer.trim())
                .then_some(dist_info)
        })
        .collect()
}

/// `Name` lower-cased and `Version` as written, from the headers before the first line
/// that is not a header (some hand-written files break the format further down).
fn name_and_version(text: &str) -> Option<(String, String)> {
    let headers = rfc822::headers_until_error(text);
    let field = |key| headers.get(key).map(str::trim).filter(|v| !v.is_empty());
    Some((field("Name")?.to_lowercase(), field("Version")?.to_string()))
}

fn package(name: String, version: String, at: location::Location<'_>) -> Package {
    Package::binary(name, version)
        .with_package_db(format!("python:{}", at.site_dir))
        .with_file_path(at.package_path)
}

fn pypi() -> Repository {
    Repository {
        name: "pypi".to_string(),
        key: String::new(),
        uri: "https://pypi.org/simple".to_string(),
        cpe: String::new(),
    }
}

fn read_prefix(file: &LayerFile, limit: u64) -> String {
    let mut bytes = Vec::new();
    // A failed read leaves what was read: the headers, if anything, are at the start.
    let _ = file.reader().take(limit).read_to_end(&mut bytes);
    String::from_utf8_lossy(&bytes).into_owned()
}
