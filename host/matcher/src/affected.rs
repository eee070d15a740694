//! The reverse lookup the notifier needs: which indexed manifests a list of
//! vulnerabilities affects, decided by the same matcher plugins as reports.

use std::collections::{BTreeMap, BTreeSet};

use scry_model::{AffectedManifests, Vulnerability};
use scry_runtime::matcher::{Candidate, IndexRecord};
use scry_store::{IndexRow, IndexStore};

use crate::constraints::{applies_to, is_candidate};
use crate::matching::{Matchers, sort_by_severity};

#[derive(Debug, thiserror::Error)]
pub enum AffectedError {
    #[error("reading the index for package {package:?}: {source}")]
    Store {
        package: String,
        #[source]
        source: scry_store::StoreError,
    },
    #[error("matcher {matcher} on vulnerability {vulnerability:?}: {reason}")]
    Matcher {
        matcher: String,
        vulnerability: String,
        reason: String,
    },
}

/// For each vulnerability, the manifests with a package some matcher finds vulnerable
/// to it. Manifest ids lists are sorted highest severity first.
pub async fn affected_manifests(
    index: &IndexStore,
    matchers: &Matchers,
    vulnerabilities: Vec<Vulnerability>,
) -> Result<AffectedManifests, AffectedError> {
    let mut out = AffectedManifests::default();
    let mut per_manifest: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for vulnerability in vulnerabilities {
        let Some(package) = vulnerability
            .package
            .as_ref()
            .filter(|p| !p.name.is_empty())
        else {
            continue;
        };
        let rows = index
            .affected_manifests(&package.name)
            .await
            .map_err(|source| AffectedError::Store {
                package: package.name.clone(),
                source,
            })?;
        if rows.is_empty() {
            continue;
        }
        let matchers = matchers.clone();
        let judged = vulnerability.clone();
        let manifests = tokio::task::spawn_blocking(move || affected_by(&matchers, &rows, &judged))
            .await
            .expect("matching does not panic")?;
        if manifests.is_empty() {
            continue;
        }
        for manifest in manifests {
            per_manifest
                .entry(manifest)
                .or_default()
                .insert(vulnerability.id.clone());
        }
        out.vulnerabilities
            .insert(vulnerability.id.clone(), vulnerability);
    }
    for (manifest, ids) in per_manifest {
        let mut ids: Vec<String> = ids.into_iter().collect();
        sort_by_severity(&mut ids, &out.vulnerabilities);
        out.vulnerable_manifests.insert(manifest, ids);
    }
    Ok(out)
}

/// Manifests among `rows` that some matcher judges vulnerable to `vulnerability`.
fn affected_by(
    matchers: &Matchers,
    rows: &[IndexRow],
    vulnerability: &Vulnerability,
) -> Result<BTreeSet<String>, AffectedError> {
    let records: Vec<IndexRecord> = rows
        .iter()
        .map(|row| IndexRecord {
            package: row.package.clone(),
            distribution: row.distribution.clone(),
            repository: row.repository.clone(),
        })
        .collect();
    let mut manifests = BTreeSet::new();
    for plugin in matchers.plugins() {
        let constraints = plugin.query();
        if !applies_to(vulnerability, constraints) {
            continue;
        }
        let error = |reason: String| AffectedError::Matcher {
            matcher: plugin.name().to_string(),
            vulnerability: vulnerability.name.clone(),
            reason,
        };
        let accepted = plugin.filter(&records).map_err(|e| error(e.to_string()))?;
        let mine: Vec<usize> = (0..records.len())
            .filter(|&i| accepted[i] && is_candidate(&records[i], vulnerability, constraints))
            .filter(|&i| !manifests.contains(&rows[i].manifest))
            .collect();
        if mine.is_empty() {
            continue;
        }
        let subset: Vec<IndexRecord> = mine.iter().map(|&i| records[i].clone()).collect();
        let candidates: Vec<Candidate> = (0..subset.len())
            .map(|local| Candidate {
                record: local as u32,
                vulnerability: vulnerability.clone(),
            })
            .collect();
        let verdicts = plugin
            .vulnerable(&subset, &candidates)
            .map_err(|e| error(e.to_string()))?;
        for (&i, vulnerable) in mine.iter().zip(verdicts) {
            if vulnerable {
                manifests.insert(rows[i].manifest.clone());
            }
        }
    }
    Ok(manifests)
}
