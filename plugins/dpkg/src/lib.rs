//! Package scanner for Debian-family layers: the installed packages listed in dpkg's
//! `status` database, and in the per-package `status.d/*` files that distroless images
//! carry instead.

use scry_sdk::dpkg::{self, Database, DpkgPackage};
use scry_sdk::scanner::{
    Findings, Identity, LayerFile, Package, ScanError, Scanner, ScannerKind, Wants,
};

/// Bump whenever the same files would yield different packages.
const VERSION: &str = "1";

const GLOBS: [&str; 2] = ["**/var/lib/dpkg/status", "**/var/lib/dpkg/status.d/*"];

pub struct DpkgScanner;

impl Scanner for DpkgScanner {
    fn identify() -> Identity {
        Identity {
            name: "dpkg".to_string(),
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
        let mut packages = Vec::new();
        for file in &files {
            let installed_only = match database_kind(file) {
                Some(DatabaseKind::Status) => true,
                Some(DatabaseKind::Distroless) => false,
                None => continue,
            };
            packages.extend(read_database(file, installed_only)?);
        }
        packages.sort_by(|a, b| {
            (&a.name, &a.version, &a.arch, &a.package_db).cmp(&(
                &b.name,
                &b.version,
                &b.arch,
                &b.package_db,
            ))
        });
        let mut findings = Findings::empty();
        findings.packages = packages;
        Ok(findings)
    }
}

scry_sdk::export_scanner!(DpkgScanner);

enum DatabaseKind {
    /// `status`: every package dpkg knows of, installed or not.
    Status,
    /// A distroless `status.d/<name>` file: records of installed packages, without
    /// `Status:` fields.
    Distroless,
}

fn database_kind(file: &LayerFile) -> Option<DatabaseKind> {
    let dir = file.dir();
    if dir == "status.d" || dir.ends_with("/status.d") {
        // Distroless puts each package's file list beside its record.
        return (!file.name().ends_with(".md5sums")).then_some(DatabaseKind::Distroless);
    }
    (file.name() == "status").then_some(DatabaseKind::Status)
}

fn read_database(file: &LayerFile, installed_only: bool) -> Result<Vec<Package>, ScanError> {
    let bytes = file.read_all();
    let text = String::from_utf8_lossy(&bytes);
    let records = match dpkg::parse_database(&text) {
        Ok(Database::Packages(records)) => records,
        // A vcpkg `status` file lists C++ ports, not Debian packages.
        Ok(Database::Vcpkg) => return Ok(Vec::new()),
        Err(err) => return Err(ScanError::malformed(&file.path, err.to_string())),
    };
    Ok(records
        .into_iter()
        .filter(|record| !installed_only || record.is_installed())
        .map(|record| package(record, &file.path))
        .collect())
}

fn package(record: DpkgPackage<'_>, database: &str) -> Package {
    Package::binary(record.name, record.version)
        .with_source(record.source_name, record.source_version)
        .with_arch(record.arch)
        .with_package_db(database)
}
