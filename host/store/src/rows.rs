//! The reverse index: one row per (manifest, package, package db, distribution,
//! repository), the shape an index record has, so the notifier can find the manifests
//! a vulnerability affects and then filter them as the matchers do.

use std::collections::BTreeSet;

use scry_model::{Distribution, IndexReport, Package, Repository, SourcePackage};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct IndexRow {
    /// The manifest digest.
    pub manifest: String,
    pub package: Package,
    pub package_db: String,
    pub distribution: Option<Distribution>,
    pub repository: Option<Repository>,
}

/// The `manifest_index` columns after `manifest_id`, in the order of
/// [`IndexRow::values`].
pub(crate) const COLUMNS: [&str; 29] = [
    "package_id",
    "package_name",
    "package_version",
    "package_kind",
    "package_normalized_version",
    "package_module",
    "package_arch",
    "package_cpe",
    "source_id",
    "source_name",
    "source_version",
    "source_kind",
    "source_normalized_version",
    "source_cpe",
    "package_db",
    "dist_id",
    "dist_did",
    "dist_name",
    "dist_version",
    "dist_version_code_name",
    "dist_version_id",
    "dist_arch",
    "dist_cpe",
    "dist_pretty_name",
    "repo_id",
    "repo_name",
    "repo_key",
    "repo_uri",
    "repo_cpe",
];

impl IndexRow {
    /// Column values, empty strings standing for absent parts.
    pub(crate) fn values(&self) -> [&str; 29] {
        let p = &self.package;
        let s = p.source.as_ref();
        let src = |f: fn(&SourcePackage) -> &str| s.map_or("", f);
        let d = self.distribution.as_ref();
        let dist = |f: fn(&Distribution) -> &str| d.map_or("", f);
        let r = self.repository.as_ref();
        let repo = |f: fn(&Repository) -> &str| r.map_or("", f);
        [
            &p.id,
            &p.name,
            &p.version,
            &p.kind,
            &p.normalized_version,
            &p.module,
            &p.arch,
            &p.cpe,
            src(|s| &s.id),
            src(|s| &s.name),
            src(|s| &s.version),
            src(|s| &s.kind),
            src(|s| &s.normalized_version),
            src(|s| &s.cpe),
            &self.package_db,
            dist(|d| &d.id),
            dist(|d| &d.did),
            dist(|d| &d.name),
            dist(|d| &d.version),
            dist(|d| &d.version_code_name),
            dist(|d| &d.version_id),
            dist(|d| &d.arch),
            dist(|d| &d.cpe),
            dist(|d| &d.pretty_name),
            repo(|r| &r.id),
            repo(|r| &r.name),
            repo(|r| &r.key),
            repo(|r| &r.uri),
            repo(|r| &r.cpe),
        ]
    }

    /// The inverse of [`IndexRow::values`].
    pub(crate) fn from_values(manifest: String, values: [String; 29]) -> IndexRow {
        let [
            package_id,
            name,
            version,
            kind,
            normalized_version,
            module,
            arch,
            cpe,
            source_id,
            source_name,
            source_version,
            source_kind,
            source_normalized_version,
            source_cpe,
            package_db,
            dist_id,
            did,
            dist_name,
            dist_version,
            version_code_name,
            version_id,
            dist_arch,
            dist_cpe,
            pretty_name,
            repo_id,
            repo_name,
            key,
            uri,
            repo_cpe,
        ] = values;
        // A part is present when any of its columns is set.
        let any = |fields: &[&String]| fields.iter().any(|f| !f.is_empty());
        let has_source = any(&[&source_id, &source_name, &source_version, &source_kind]);
        let has_dist = any(&[
            &dist_id,
            &did,
            &dist_name,
            &dist_version,
            &version_id,
            &pretty_name,
        ]);
        let has_repo = any(&[&repo_id, &repo_name, &key, &uri, &repo_cpe]);
        let source = has_source.then_some(SourcePackage {
            id: source_id,
            name: source_name,
            version: source_version,
            kind: source_kind,
            normalized_version: source_normalized_version,
            cpe: source_cpe,
        });
        let distribution = has_dist.then_some(Distribution {
            id: dist_id,
            did,
            name: dist_name,
            version: dist_version,
            version_code_name,
            version_id,
            arch: dist_arch,
            cpe: dist_cpe,
            pretty_name,
        });
        let repository = has_repo.then_some(Repository {
            id: repo_id,
            name: repo_name,
            key,
            uri,
            cpe: repo_cpe,
        });
        IndexRow {
            manifest,
            package: Package {
                id: package_id,
                name,
                version,
                kind,
                source,
                normalized_version,
                module,
                arch,
                cpe,
            },
            package_db,
            distribution,
            repository,
        }
    }
}

/// Expands a report into its index rows: one per package environment and, within it,
/// per repository (none when the environment lists no repository). A package with no
/// environment still gets a row, so it can be found.
pub fn index_rows(manifest: &str, report: &IndexReport) -> Vec<IndexRow> {
    let mut rows = BTreeSet::new();
    for (id, package) in &report.packages {
        let row =
            |package_db: &str, dist: Option<&Distribution>, repo: Option<&Repository>| IndexRow {
                manifest: manifest.to_string(),
                package: package.clone(),
                package_db: package_db.to_string(),
                distribution: dist.cloned(),
                repository: repo.cloned(),
            };
        let environments = report.environments.get(id).map_or(&[][..], Vec::as_slice);
        if environments.is_empty() {
            rows.insert(row("", None, None));
        }
        for env in environments {
            let dist = report.distributions.get(&env.distribution_id);
            let repos: Vec<&Repository> = env
                .repository_ids
                .iter()
                .filter_map(|id| report.repository.get(id))
                .collect();
            if repos.is_empty() {
                rows.insert(row(&env.package_db, dist, None));
            }
            for repo in repos {
                rows.insert(row(&env.package_db, dist, Some(repo)));
            }
        }
    }
    rows.into_iter().collect()
}
