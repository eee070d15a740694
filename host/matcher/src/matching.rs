//! Matching one index report: records → candidates from the store → each matcher
//! plugin's verdicts → a vulnerability report.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use scry_model::{IndexReport, MatcherRun, Vulnerability, VulnerabilityReport, severity_rank};
use scry_runtime::matcher::{Candidate, IndexRecord, MatcherPlugin};

use crate::cache::{Verdict, VerdictCache};
use crate::constraints::{is_candidate, lookup_names};
use crate::records::Record;

/// The enabled matcher plugins, in `matchers.names` order.
#[derive(Clone, Default)]
pub struct Matchers {
    plugins: Vec<Arc<MatcherPlugin>>,
    /// Per plugin, its key in the verdict cache (name and content hash).
    cache_ids: Vec<Arc<str>>,
}

/// Stored vulnerabilities by package name, as the store answers a lookup.
pub type ByName = HashMap<String, Vec<Arc<Vulnerability>>>;

/// One matcher's verdicts: (index of the record in the report's records, vulnerability).
type Hits = Vec<(usize, Arc<Vulnerability>)>;

impl Matchers {
    pub fn new(plugins: Vec<Arc<MatcherPlugin>>) -> Matchers {
        let cache_ids = plugins
            .iter()
            .map(|plugin| Arc::from(format!("{}@{}", plugin.name(), plugin.content_hash)))
            .collect();
        Matchers { plugins, cache_ids }
    }

    pub fn plugins(&self) -> &[Arc<MatcherPlugin>] {
        &self.plugins
    }

    /// What `cache` already knows for `records` at `generation`, per matcher.
    pub fn plan(&self, cache: &VerdictCache, generation: u64, records: &[Record]) -> Plan {
        let known = self
            .cache_ids
            .iter()
            .map(|id| {
                records
                    .iter()
                    .map(|record| cache.get(generation, id, &record.record))
                    .collect()
            })
            .collect();
        Plan { generation, known }
    }

    /// Every package name (and source name) some matcher may look records up by,
    /// leaving out records whose verdict `plan` already holds.
    pub fn lookup_names(&self, records: &[Record], plan: Option<&Plan>) -> Vec<String> {
        let mut names = BTreeSet::new();
        for (at, plugin) in self.plugins.iter().enumerate() {
            for (index, record) in records.iter().enumerate() {
                if plan.is_none_or(|plan| plan.known[at][index].is_none()) {
                    names.extend(lookup_names(&record.record, plugin.query()));
                }
            }
        }
        names.into_iter().collect()
    }

    /// Runs every matcher over `records` with the candidates in `stored`. Blocking
    /// (plugin calls); a failing matcher is reported in the run, not fatal.
    pub fn run(&self, records: &[Record], stored: &ByName) -> (Vec<Hits>, MatcherRun) {
        self.run_with(records, stored, None)
    }

    /// As [`Matchers::run`], judging only what `plan` does not hold and storing the
    /// new verdicts in `cache`. `stored` must hold the names
    /// [`Matchers::lookup_names`] gave for the same plan.
    pub fn run_cached(
        &self,
        records: &[Record],
        stored: &ByName,
        cache: &VerdictCache,
        plan: &Plan,
    ) -> (Vec<Hits>, MatcherRun) {
        self.run_with(records, stored, Some((cache, plan)))
    }

    fn run_with(
        &self,
        records: &[Record],
        stored: &ByName,
        cached: Option<(&VerdictCache, &Plan)>,
    ) -> (Vec<Hits>, MatcherRun) {
        let mut run = MatcherRun::default();
        let mut all = Vec::new();
        for (at, plugin) in self.plugins.iter().enumerate() {
            let name = plugin.name().to_string();
            run.versions
                .insert(name.clone(), plugin.version().to_string());
            let known = cached.map(|(_, plan)| plan.known[at].as_slice());
            let todo: Vec<usize> = (0..records.len())
                .filter(|&i| known.is_none_or(|known| known[i].is_none()))
                .collect();
            match judge(plugin, records, &todo, stored) {
                Ok(fresh) => {
                    let mut verdicts: Vec<Verdict> = match known {
                        Some(known) => known.iter().map(|v| v.clone().flatten()).collect(),
                        None => vec![None; records.len()],
                    };
                    for (&index, verdict) in todo.iter().zip(fresh) {
                        if let Some((cache, plan)) = cached {
                            let record = records[index].record.clone();
                            cache.insert(
                                plan.generation,
                                &self.cache_ids[at],
                                record,
                                verdict.clone(),
                            );
                        }
                        verdicts[index] = verdict;
                    }
                    run.ran.push(name);
                    all.push(hits_of(&verdicts));
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

/// Per matcher and record, the verdict a cache held at `generation` (outer `None`:
/// not cached, to be judged).
pub struct Plan {
    generation: u64,
    known: Vec<Vec<Option<Verdict>>>,
}

impl Plan {
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// How many (matcher, record) verdicts came from the cache.
    pub fn cached(&self) -> usize {
        self.known.iter().flatten().filter(|v| v.is_some()).count()
    }
}

fn hits_of(verdicts: &[Verdict]) -> Hits {
    verdicts
        .iter()
        .enumerate()
        .flat_map(|(index, verdict)| {
            verdict
                .iter()
                .flat_map(|found| found.iter())
                .map(move |vulnerability| (index, vulnerability.clone()))
        })
        .collect()
}

/// One matcher over `records[todo]`: which it accepts, candidates by its constraints,
/// then its own verdict on each. One verdict per `todo` entry.
fn judge(
    plugin: &MatcherPlugin,
    records: &[Record],
    todo: &[usize],
    stored: &ByName,
) -> Result<Vec<Verdict>, String> {
    if todo.is_empty() {
        return Ok(Vec::new());
    }
    let subset: Vec<IndexRecord> = todo.iter().map(|&i| records[i].record.clone()).collect();
    let accepted = plugin.filter(&subset).map_err(|err| err.to_string())?;
    let constraints = plugin.query();
    let mine: Vec<usize> = (0..subset.len()).filter(|&i| accepted[i]).collect();
    let mut found: Vec<Vec<Arc<Vulnerability>>> = vec![Vec::new(); subset.len()];
    let mut candidates = Vec::new();
    let mut sources = Vec::new();
    for (local, &index) in mine.iter().enumerate() {
        let record = &subset[index];
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
    if !candidates.is_empty() {
        let mine_records: Vec<IndexRecord> = mine.iter().map(|&i| subset[i].clone()).collect();
        let verdicts = plugin
            .vulnerable(&mine_records, &candidates)
            .map_err(|err| err.to_string())?;
        for ((index, vulnerability), vulnerable) in sources.into_iter().zip(verdicts) {
            if vulnerable {
                found[index].push(vulnerability);
            }
        }
    }
    Ok(found
        .into_iter()
        .enumerate()
        .map(|(index, hits)| accepted[index].then(|| Arc::from(hits)))
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
