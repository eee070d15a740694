//! The matcher as a service: vulnerability reports for indexed manifests.

use std::sync::Arc;

use futures::future::BoxFuture;
use scry_model::{IndexReport, VulnerabilityReport};
use scry_store::{IndexStore, VulnStore};

use crate::cache::{DEFAULT_CAPACITY, VerdictCache};
use crate::enrich;
use crate::live::LiveMatchers;
use crate::matching::{ByName, Matchers, build_report};
use crate::records::index_records;

/// Where the matcher reads index reports: the local indexer store in combo mode, the
/// indexer's HTTP API in matcher mode.
pub trait IndexReports: Send + Sync {
    /// The stored report of `digest` (whatever its state), or `None`.
    fn index_report<'a>(
        &'a self,
        digest: &'a str,
    ) -> BoxFuture<'a, Result<Option<IndexReport>, String>>;
}

impl IndexReports for IndexStore {
    fn index_report<'a>(
        &'a self,
        digest: &'a str,
    ) -> BoxFuture<'a, Result<Option<IndexReport>, String>> {
        Box::pin(async move {
            IndexStore::index_report(self, digest)
                .await
                .map(|found| found.map(|(report, _state)| report))
                .map_err(|err| format!("reading the index report of {digest}: {err}"))
        })
    }
}

pub enum ReportOutcome {
    /// No update has stored a vulnerability yet (Clair answers 202).
    NotInitialized,
    /// No finished index report for the manifest (404).
    NotIndexed,
    Report(Box<VulnerabilityReport>),
}

pub struct MatcherService {
    store: VulnStore,
    matchers: Arc<LiveMatchers>,
    index: Arc<dyn IndexReports>,
    enrichment: bool,
    /// `None`: every report judges every record afresh (benchmarks of the cold path).
    verdicts: Option<Arc<VerdictCache>>,
}

impl MatcherService {
    pub fn new(
        store: VulnStore,
        matchers: Matchers,
        index: Arc<dyn IndexReports>,
        enrichment: bool,
    ) -> MatcherService {
        MatcherService {
            store,
            matchers: LiveMatchers::new(matchers),
            index,
            enrichment,
            verdicts: Some(Arc::new(VerdictCache::new(DEFAULT_CAPACITY))),
        }
    }

    /// Keeps at most `capacity` verdicts; 0 turns the verdict cache off.
    pub fn with_verdict_cache(mut self, capacity: usize) -> MatcherService {
        self.verdicts = (capacity > 0).then(|| Arc::new(VerdictCache::new(capacity)));
        self
    }

    pub(crate) fn store(&self) -> &VulnStore {
        &self.store
    }

    /// The verdict cache, unless turned off.
    pub fn verdict_cache(&self) -> Option<&VerdictCache> {
        self.verdicts.as_deref()
    }

    /// The matcher set new reports run with.
    pub fn matchers(&self) -> Arc<Matchers> {
        self.matchers.current()
    }

    /// The replaceable set itself (for plugin hot-swap).
    pub fn live_matchers(&self) -> &Arc<LiveMatchers> {
        &self.matchers
    }

    /// The vulnerability report of `digest`, computed afresh from the latest data.
    pub async fn vulnerability_report(&self, digest: &str) -> Result<ReportOutcome, String> {
        if !self
            .store
            .initialized()
            .await
            .map_err(|err| format!("reading the vulnerability store: {err}"))?
        {
            return Ok(ReportOutcome::NotInitialized);
        }
        let Some(index) = self.index.index_report(digest).await? else {
            return Ok(ReportOutcome::NotIndexed);
        };
        if index.state != IndexReport::FINISHED {
            return Ok(ReportOutcome::NotIndexed);
        }
        self.report_for(&index)
            .await
            .map(|report| ReportOutcome::Report(Box::new(report)))
    }

    async fn generation(&self) -> Result<u64, String> {
        self.store
            .generation()
            .await
            .map_err(|err| format!("reading the vulnerability store: {err}"))
    }

    /// Stored vulnerabilities naming any of `names`.
    async fn candidates(&self, names: &[String]) -> Result<ByName, String> {
        if names.is_empty() {
            return Ok(ByName::new());
        }
        self.store
            .vulnerabilities_for_packages(names)
            .await
            .map_err(|err| format!("reading candidate vulnerabilities: {err}"))
    }

    /// Matches one index report.
    pub async fn report_for(&self, index: &IndexReport) -> Result<VulnerabilityReport, String> {
        let records = index_records(index);
        let matchers = self.matchers.current();
        let mut plan = match &self.verdicts {
            Some(cache) => Some(matchers.plan(cache, self.generation().await?, &records)),
            None => None,
        };
        let names = matchers.lookup_names(&records, plan.as_ref());
        let mut stored = self.candidates(&names).await?;
        // An update landing between the generation read and the lookup would put its
        // data under the old generation: judge afresh, uncached, instead.
        if let Some(planned) = &plan
            && !names.is_empty()
            && self.generation().await? != planned.generation()
        {
            plan = None;
            stored = self
                .candidates(&matchers.lookup_names(&records, None))
                .await?;
        }
        let cache = self.verdicts.clone();
        let (hits, run, records) = tokio::task::spawn_blocking(move || {
            let (hits, run) = match (&cache, &plan) {
                (Some(cache), Some(plan)) => matchers.run_cached(&records, &stored, cache, plan),
                _ => matchers.run(&records, &stored),
            };
            (hits, run, records)
        })
        .await
        .map_err(|err| format!("matching: {err}"))?;
        let mut report = build_report(index, &records, hits, run);
        if self.enrichment {
            match enrich::cvss(&self.store, &report.vulnerabilities).await {
                Ok(enrichments) => report.enrichments = enrichments,
                // Enrichment is best effort, as in Clair.
                Err(err) => tracing::warn!(error = %err, "CVSS enrichment"),
            }
        }
        Ok(report)
    }
}
