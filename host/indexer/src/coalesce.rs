//! Merging per-layer artifacts into one index report.
//!
//! Rules (the image as a container would see it):
//! - OS packages: for each package database path, only the top-most layer holding that
//!   database counts; an upper layer that rewrites `var/lib/dpkg/status` replaces the list.
//!   A package is introduced in the lowest layer with the same name, version and database.
//! - Language packages (those with a file path): every layer contributes; a package whose
//!   path is covered by a whiteout in a layer above the highest one it appears in is gone.
//! - Distribution of a package: its layer's, else the nearest lower layer's, else the
//!   nearest upper layer's.

use std::collections::{BTreeMap, HashMap};

use scry_model::{
    Distribution, Environment, FoundPackage, IndexReport, LayerArtifacts, Package, Repository,
    SourcePackage,
};

use crate::whiteout::Whiteouts;

/// Builds the report for `manifest_hash` from its layers' artifacts, bottom layer first.
pub fn coalesce(manifest_hash: &str, layers: &[LayerArtifacts]) -> IndexReport {
    let mut ids = Ids::default();
    let layer_dists = layer_distributions(layers, &mut ids);
    let whiteouts = Whiteouts::new(layers);

    let mut survivors: BTreeMap<PackageKey, Survivor> = BTreeMap::new();
    collect_os_packages(layers, &mut survivors);
    collect_language_packages(layers, &whiteouts, &mut survivors);

    let mut report = IndexReport {
        manifest_hash: manifest_hash.to_string(),
        state: IndexReport::FINISHED.into(),
        packages: BTreeMap::new(),
        distributions: BTreeMap::new(),
        repository: BTreeMap::new(),
        environments: BTreeMap::new(),
        success: true,
        err: String::new(),
        scry_scanners: Vec::new(),
    };
    for (id, dist) in ids.distributions.values() {
        report.distributions.insert(
            id.clone(),
            Distribution {
                id: id.clone(),
                ..dist.clone()
            },
        );
    }
    for (key, survivor) in survivors {
        let found = &survivor.found;
        let package_id = ids.package(&key);
        let repository_ids = survivor
            .repositories
            .iter()
            .map(|repo| {
                let id = ids.repository(repo);
                report.repository.insert(
                    id.clone(),
                    Repository {
                        id: id.clone(),
                        ..repo.clone()
                    },
                );
                id
            })
            .collect();
        let environment = Environment {
            package_db: found.package_db.clone(),
            introduced_in: layers[survivor.introduced].layer.clone(),
            distribution_id: nearest_distribution(&layer_dists, survivor.introduced),
            repository_ids,
        };
        report
            .packages
            .insert(package_id.clone(), to_package(&package_id, found, &mut ids));
        report
            .environments
            .entry(package_id)
            .or_default()
            .push(environment);
    }
    report
}

/// A package's identity in the report: two layers reporting the same one merge.
type PackageKey = (String, String, String, String, String, String, String);

fn key_of(found: &FoundPackage) -> PackageKey {
    (
        found.name.clone(),
        found.version.clone(),
        found.kind.clone(),
        found.arch.clone(),
        found.module.clone(),
        found.package_db.clone(),
        found.file_path.clone(),
    )
}

struct Survivor {
    found: FoundPackage,
    introduced: usize,
    repositories: Vec<Repository>,
}

fn collect_os_packages(layers: &[LayerArtifacts], out: &mut BTreeMap<PackageKey, Survivor>) {
    let mut top_layer_of_db: HashMap<&str, usize> = HashMap::new();
    for (index, layer) in layers.iter().enumerate() {
        for (_, found) in layer
            .packages
            .iter()
            .filter(|(_, p)| p.file_path.is_empty())
        {
            top_layer_of_db.insert(&found.package_db, index);
        }
    }
    for (db, top) in top_layer_of_db {
        for (_, found) in layers[top]
            .packages
            .iter()
            .filter(|(_, p)| p.package_db == db && p.file_path.is_empty())
        {
            let introduced = (0..=top)
                .find(|&index| {
                    layers[index].packages.iter().any(|(_, p)| {
                        p.package_db == db && p.name == found.name && p.version == found.version
                    })
                })
                .unwrap_or(top);
            out.insert(
                key_of(found),
                Survivor {
                    found: found.clone(),
                    introduced,
                    repositories: Vec::new(),
                },
            );
        }
    }
}

fn collect_language_packages(
    layers: &[LayerArtifacts],
    whiteouts: &Whiteouts,
    out: &mut BTreeMap<PackageKey, Survivor>,
) {
    // Highest layer each language package appears in, and the lowest (its introduction).
    let mut seen: BTreeMap<PackageKey, (usize, usize, FoundPackage, Vec<Repository>)> =
        BTreeMap::new();
    for (index, layer) in layers.iter().enumerate() {
        for (scanner, found) in layer
            .packages
            .iter()
            .filter(|(_, p)| !p.file_path.is_empty())
        {
            // The repositories the same scanner reported in the same layer (e.g. pypi).
            let repos: Vec<Repository> = layer
                .repositories
                .iter()
                .filter(|(by, _)| by == scanner)
                .map(|(_, repo)| repo.clone())
                .collect();
            seen.entry(key_of(found))
                .and_modify(|entry| entry.1 = index)
                .or_insert((index, index, found.clone(), repos));
        }
    }
    for (key, (lowest, highest, found, repositories)) in seen {
        if whiteouts.removes(&found.file_path, highest) {
            continue;
        }
        out.insert(
            key,
            Survivor {
                found,
                introduced: lowest,
                repositories,
            },
        );
    }
}

/// The first distribution each layer reports, registered with an id.
fn layer_distributions(layers: &[LayerArtifacts], ids: &mut Ids) -> Vec<Option<String>> {
    layers
        .iter()
        .map(|layer| {
            let mut first = None;
            for (_, dist) in &layer.distributions {
                let id = ids.distribution(dist);
                first.get_or_insert(id);
            }
            first
        })
        .collect()
}

fn nearest_distribution(layer_dists: &[Option<String>], layer: usize) -> String {
    let below = layer_dists[..=layer].iter().rev().flatten().next();
    let above = || layer_dists[layer..].iter().flatten().next();
    below.or_else(above).cloned().unwrap_or_default()
}

fn to_package(id: &str, found: &FoundPackage, ids: &mut Ids) -> Package {
    let source = found.source.as_ref().map(|(name, version)| SourcePackage {
        id: ids.source(name, version),
        name: name.clone(),
        version: version.clone(),
        kind: "source".into(),
        normalized_version: String::new(),
        cpe: String::new(),
    });
    Package {
        id: id.to_string(),
        name: found.name.clone(),
        version: found.version.clone(),
        kind: found.kind.clone(),
        source,
        normalized_version: found.normalized_version.clone(),
        module: found.module.clone(),
        arch: found.arch.clone(),
        cpe: found.cpe.clone(),
    }
}

/// Report-local ids: one sequence shared by packages and source packages, one for
/// distributions, one for repositories; equal things get equal ids.
#[derive(Default)]
struct Ids {
    packages: BTreeMap<PackageKey, String>,
    sources: BTreeMap<(String, String), String>,
    next_package: u64,
    distributions: BTreeMap<Distribution, (String, Distribution)>,
    repositories: BTreeMap<Repository, String>,
}

impl Ids {
    fn package(&mut self, key: &PackageKey) -> String {
        if let Some(id) = self.packages.get(key) {
            return id.clone();
        }
        self.next_package += 1;
        let id = self.next_package.to_string();
        self.packages.insert(key.clone(), id.clone());
        id
    }

    fn source(&mut self, name: &str, version: &str) -> String {
        let key = (name.to_string(), version.to_string());
        if let Some(id) = self.sources.get(&key) {
            return id.clone();
        }
        self.next_package += 1;
        let id = self.next_package.to_string();
        self.sources.insert(key, id.clone());
        id
    }

    fn distribution(&mut self, dist: &Distribution) -> String {
        let next = (self.distributions.len() + 1).to_string();
        self.distributions
            .entry(dist.clone())
            .or_insert_with(|| (next, dist.clone()))
            .0
            .clone()
    }

    fn repository(&mut self, repo: &Repository) -> String {
        let next = (self.repositories.len() + 1).to_string();
        self.repositories
            .entry(repo.clone())
            .or_insert(next)
            .clone()
    }
}
