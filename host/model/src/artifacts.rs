//! What the scanners found in one layer, before coalescing. These are stored per
//! (layer, scanner) so a layer is never scanned twice by the same scanner version.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum ScannerKind {
    Package,
    Distribution,
    Repository,
}

impl ScannerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ScannerKind::Package => "package",
            ScannerKind::Distribution => "distribution",
            ScannerKind::Repository => "repository",
        }
    }
}

/// A scanner's identity; a new version means new results.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ScannerId {
    pub name: String,
    pub version: String,
    pub kind: ScannerKind,
}

/// A package as a scanner reports it: the report's fields plus where it was found.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FoundPackage {
    pub name: String,
    pub version: String,
    pub kind: String,
    pub source: Option<(String, String)>,
    pub arch: String,
    pub module: String,
    pub cpe: String,
    pub normalized_version: String,
    pub package_db: String,
    /// Set for language packages: a whiteout of this path removes the package.
    pub file_path: String,
    pub repository_hint: String,
}

/// Everything the loaded scanners found in one layer.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct LayerArtifacts {
    pub layer: String,
    pub packages: Vec<(ScannerId, FoundPackage)>,
    pub distributions: Vec<(ScannerId, crate::Distribution)>,
    pub repositories: Vec<(ScannerId, crate::Repository)>,
    /// Paths of `.wh.` entries in this layer.
    pub whiteouts: Vec<String>,
}
