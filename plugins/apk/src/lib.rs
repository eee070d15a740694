//! Package scanner for Alpine layers: the packages in apk's installed database,
//! `lib/apk/db/installed`, one blank-line separated record per package with one-letter
//! keys (`P` name, `V` version, `A` arch, `o` origin, `c` aports commit, …).

use scry_sdk::rfc822::{self, Paragraph};
use scry_sdk::scanner::{
    Findings, Identity, LayerFile, Package, ScanError, Scanner, ScannerKind, Wants,
};

/// Bump whenever the same files would yield different packages.
const VERSION: &str = "1";

const DATABASE: &str = "lib/apk/db/installed";

pub struct ApkScanner;

impl Scanner for ApkScanner {
    fn identify() -> Identity {
        Identity {
            name: "apk".to_string(),
            version: VERSION.to_string(),
            kind: ScannerKind::Package,
        }
    }

    fn wanted() -> Wants {
        Wants::globs([DATABASE.to_string()])
    }

    fn scan(files: Vec<LayerFile>) -> Result<Findings, ScanError> {
        let mut packages = Vec::new();
        for file in files.iter().filter(|f| f.path == DATABASE) {
            packages.extend(read_database(file)?);
        }
        packages.sort_by(|a, b| (&a.name, &a.version).cmp(&(&b.name, &b.version)));
        let mut findings = Findings::empty();
        findings.packages = packages;
        Ok(findings)
    }
}

scry_sdk::export_scanner!(ApkScanner);

fn read_database(file: &LayerFile) -> Result<Vec<Package>, ScanError> {
    let bytes = file.read_all();
    let text = String::from_utf8_lossy(&bytes);
    let malformed = |reason: String| ScanError::malformed(&file.path, reason);
    rfc822::paragraphs(&text)
        .map(|record| {
            let record = record.map_err(|err| malformed(err.to_string()))?;
            package(&record, &file.path).map_err(malformed)
        })
        .collect()
}

/// apk's keys are case-sensitive: `c` is the commit, `C` the checksum.
fn package(record: &Paragraph<'_>, database: &str) -> Result<Package, String> {
    let required = |key: &str| {
        record
            .get_exact(key)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
            .ok_or_else(|| format!("record at line {} has no {key}: field", record.line()))
    };
    let name = required("P")?;
    let version = required("V")?;
    // The origin is the aport the package was built from; apk always writes it, but a
    // package without one is its own origin.
    let origin = record
        .get_exact("o")
        .filter(|o| !o.is_empty())
        .unwrap_or(&name)
        .to_string();
    let field = |key: &str| record.get_exact(key).unwrap_or_default().to_string();
    Ok(Package::binary(name, version.clone())
        .with_source(origin, version)
        .with_arch(field("A"))
        .with_repository_hint(field("c"))
        .with_package_db(database))
}
