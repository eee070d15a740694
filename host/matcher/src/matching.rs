//! Matching one index report: records → candidates from the store → each matcher
//! plugin's verdicts → a vulnerability report.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use scry_model::{IndexReport, MatcherRun, Vulnerability, VulnerabilityReport, severity_rank};
use scry_runtime::matcher::{Candidate, IndexRecord, MatcherPlugin};

use crate::constraints::{is_candidate, lookup_names};
use crate::records::Record;

/// The enabled matcher plugins, in `matchers.names` order.
#[derive(Clone, Default)]
pub struct Matchers {
    plugins: Vec<Arc<MatcherPlugin>>,
}

/// Stored vulnerabilities by package name, as the store answers a lookup.
pub type ByName = HashMap<String, Vec<Arc<Vulnerability>>>;

/// One matcher's verdicts: (index of the record in the report's records, vulnerability).
type Hits = Vec<(usize, Arc<Vulnerability>)>;

impl Matchers {
    pub fn new(plugins: Vec<Arc<MatcherPlugin>>) -> Matchers {
        Matchers { plugins }
    }

    pub fn plugins(&self) -> &[Arc<MatcherPlugin>] {
        &self.plugins
    }

    /// Every package name (and source name) some matcher may look records up by.
    pub fn lookup_names(&self, records: &[Record]) -> Vec<String> {
        let mut names = BTreeSet::new();
        for plugin in &self.plugins {
            for record in records {
                names.extend(lookup_names(&record.record, plugin.query()));
            }
        }
        names.into_iter().collect()
    }

    /// Runs every matcher over `records` with the candidates in `stored`. Blocking
    /// (plugin calls); a failing matcher is reported in the run, not fatal.
    pub fn run(&self, records: &[Record], stored: &ByName) -> (Vec<Hits>, MatcherRun) {
        let mut run = MatcherRun::default();
        let mut all = Vec::new();
        for plugin in &self.plugins {
            let name = plugin.name().to_string();
            match judge(plugin, records, stored) {
                Ok(hits) => {
                    run.ran.push(name);
                    all.push(hits);
                }
                Err(err) => {
                    tracing::warn!(matcher = %name, error = %err, "matcher failed");
                    run.failed.insert(name, err);
                }
            }
        }
        (all, run)
    }
}

/// One matcher over the records it accepts: candidates by its constraints, then its
/// own verdict on each.
fn judge(plugin: &MatcherPlugin, records: &[Record], stored: &ByName) -> Result<Hits, String> {
    let all: Vec<IndexRecord> = records.iter().map(|r| r.record.clone()).collect();
    let accepted = plugin.filter(&all).map_err(|err| err.to_string())?;
    let constraints = plugin.query();
    let mine: Vec<usize> = (0..records.len()).filter(|&i| accepted[i]).collect();
    if mine.is_empty() {
        return Ok(Vec::new());
    }
    let mut candidates = Vec::new();
    let mut sources = Vec::new();
    for (local, &index) in mine.iter().enumerate() {
        let record = &records[index].record;
        let mut seen = HashSet::new();
        for name in lookup_names(record, constraints) {
            for vulnerability in stored.get(&name).into_iter().flatten() {
                if seen.insert(vulnerability.id.clone())
                    && is_candidate(record, vulnerability, constraints)
                {
                    candidates.push(Candidate {
                        record: local as u32,
                        vulnerability: Vulnerability::clone(vulnerability),
                    });
                    sources.push((index, vulnerability.clone()));
                }
            }
        }
    }
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let subset: Vec<IndexRecord> = mine.iter().map(|&i| all[i].clone()).collect();
    let verdicts = plugin
        .vulnerable(&subset, &candidates)
        .map_err(|err| err.to_string())?;
    Ok(sources
        .into_iter()
        .zip(verdicts)
        .filter_map(|(hit, vulnerable)| vulnerable.then_some(hit))
        .collect())
}

/// The report: the index report's parts plus every vulnerability found, listed per
/// package, highest severity first.
pub fn build_report(
    index: &IndexReport,
    records: &[Record],
    hits: Vec<Hits>,
    run: MatcherRun,
) -> VulnerabilityReport {
    let mut vulnerabilities = BTreeMap::new();
    let mut per_package: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (index_of_record, vulnerability) in hits.into_iter().flatten() {
        per_package
            .entry(records[index_of_record].package_id.clone())
            .or_default()
            .insert(vulnerability.id.clone());
        vulnerabilities
            .entry(vulnerability.id.clone())
            .or_insert_with(|| Vulnerability::clone(&vulnerability));
    }
    let package_vulnerabilities = per_package
        .into_iter()
        .map(|(package, ids)| {
            let mut ids: Vec<String> = ids.into_iter().collect();
            sort_by_severity(&mut ids, &vulnerabilities);
            (package, ids)
        })
        .collect();
    VulnerabilityReport {
        manifest_hash: index.manifest_hash.clone(),
        packages: index.packages.clone(),
        distributions: index.distributions.clone(),
        repository: index.repository.clone(),
        environments: index.environments.clone(),
        vulnerabilities,
        package_vulnerabilities,
        enrichments: BTreeMap::new(),
        matchers: run,
    }
}

/// Highest normalized severity first, then by name, for a stable order.
pub fn sort_by_severity(ids: &mut [String], vulnerabilities: &BTreeMap<String, Vulnerability>) {
    ids.sort_by_cached_key(|id| {
        let vulnerability = &vulnerabilities[id];
        (
            std::cmp::Reverse(severity_rank(&vulnerability.normalized_severity)),
            vulnerability.name.clone(),
            id.clone(),
        )
    });
}
