//! Distribution scanner: reads `os-release`, `lsb-release` and the distributions' own
//! release files and reports the layer's distribution with Clair's nine fields, filled
//! the way Clair's per-distribution scanners fill them.

mod alpine;
mod cpe;
mod debian;
mod detect;
mod generic;
mod redhat;
mod release_files;
mod suse;

use scry_sdk::scanner::{Findings, Identity, LayerFile, ScanError, Scanner, ScannerKind, Wants};

pub use release_files::ReleaseFiles;

/// Bump whenever the same files would yield a different distribution.
const VERSION: &str = "1";

const GLOBS: [&str; 7] = [
    "etc/os-release",
    "usr/lib/os-release",
    "etc/lsb-release",
    "etc/*-release",
    "etc/issue",
    "etc/alpine-release",
    "etc/debian_version",
];

pub struct OsReleaseScanner;

impl Scanner for OsReleaseScanner {
    fn identify() -> Identity {
        Identity {
            name: "os-release".to_string(),
            version: VERSION.to_string(),
            kind: ScannerKind::Distribution,
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
        let release = ReleaseFiles::from_layer(&files);
        let mut findings = Findings::empty();
        findings
            .distributions
            .extend(detect::distribution(&release));
        Ok(findings)
    }
}

scry_sdk::export_scanner!(OsReleaseScanner);
