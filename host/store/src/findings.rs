//! What one scanner found in one layer: the unit stored per (layer, scanner), so a
//! layer's [`LayerArtifacts`] for any set of scanners can be put back together.

use scry_model::{Distribution, FoundPackage, LayerArtifacts, Repository, ScannerId};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct ScannerFindings {
    #[serde(default)]
    pub packages: Vec<FoundPackage>,
    #[serde(default)]
    pub distributions: Vec<Distribution>,
    #[serde(default)]
    pub repositories: Vec<Repository>,
}

impl ScannerFindings {
    pub fn is_empty(&self) -> bool {
        self.packages.is_empty() && self.distributions.is_empty() && self.repositories.is_empty()
    }

    /// Splits a layer's artifacts by scanner. Every scanner in `scanners` gets an entry,
    /// empty when it found nothing, so storing them marks each one as having scanned
    /// the layer; scanners that found something but are not listed come after.
    pub fn split(
        artifacts: &LayerArtifacts,
        scanners: &[ScannerId],
    ) -> Vec<(ScannerId, ScannerFindings)> {
        let mut out: Vec<(ScannerId, ScannerFindings)> = scanners
            .iter()
            .map(|id| (id.clone(), ScannerFindings::default()))
            .collect();
        fn entry<'a>(
            out: &'a mut Vec<(ScannerId, ScannerFindings)>,
            id: &ScannerId,
        ) -> &'a mut ScannerFindings {
            let index = match out.iter().position(|(seen, _)| seen == id) {
                Some(index) => index,
                None => {
                    out.push((id.clone(), ScannerFindings::default()));
                    out.len() - 1
                }
            };
            &mut out[index].1
        }
        for (id, package) in &artifacts.packages {
            entry(&mut out, id).packages.push(package.clone());
        }
        for (id, distribution) in &artifacts.distributions {
            entry(&mut out, id).distributions.push(distribution.clone());
        }
        for (id, repository) in &artifacts.repositories {
            entry(&mut out, id).repositories.push(repository.clone());
        }
        out
    }

    /// The inverse of [`ScannerFindings::split`]: scanner order is kept, so the
    /// artifacts come out in the order the indexer produced them.
    pub fn join(
        layer: &str,
        whiteouts: Vec<String>,
        results: Vec<(ScannerId, ScannerFindings)>,
    ) -> LayerArtifacts {
        let mut artifacts = LayerArtifacts {
            layer: layer.to_string(),
            whiteouts,
            ..Default::default()
        };
        for (id, findings) in results {
            artifacts
                .packages
                .extend(findings.packages.into_iter().map(|p| (id.clone(), p)));
            artifacts
                .distributions
                .extend(findings.distributions.into_iter().map(|d| (id.clone(), d)));
            artifacts
                .repositories
                .extend(findings.repositories.into_iter().map(|r| (id.clone(), r)));
        }
        artifacts
    }
}
