//! The matcher as a service: vulnerability reports for indexed manifests.

use std::sync::Arc;

use futures::future::BoxFuture;
use scry_model::{IndexReport, VulnerabilityReport};
use scry_store::{Store, VulnStore};

use crate::enrich;
use crate::matching::{Matchers, build_report};
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

impl IndexReports for Store {
    fn index_report<'a>(
        &'a self,
        digest: &'a str,
    ) -> BoxFuture<'a, Result<Option<IndexReport>, String>> {
        Box::pin(async move {
            Store::index_report(self, digest)
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
    matchers: Matchers,
    index: Arc<dyn IndexReports>,
    enrichment: bool,
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
            matchers,
            index,
            enrichment,
        }
    }

    pub fn store(&self) -> &VulnStore {
        &self.store
    }

    pub fn matchers(&self) -> &Matchers {
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

    /// Matches one index report.
    pub async fn report_for(&self, index: &IndexReport) -> Result<VulnerabilityReport, String> {
        let records = index_records(index);
        let names = self.matchers.lookup_names(&records);
        let stored = self
            .store
            .vulnerabilities_for_packages(&names)
            .await
            .map_err(|err| format!("reading candidate vulnerabilities: {err}"))?;
        let matchers = self.matchers.clone();
        let (hits, run, records) = tokio::task::spawn_blocking(move || {
            let (hits, run) = matchers.run(&records, &stored);
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
