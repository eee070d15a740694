//! One real Debian updater run into a store, as the matcher's schedule runs it
//! (`scry_matcher::updates::run_updater`), with the feed fetched from `json_url` and the
//! records it emitted counted on their way to the writer.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use futures::FutureExt as _;
use futures::future::BoxFuture;
use scry_matcher::updates::{Outcome, run_updater};
use scry_model::{EnrichmentRecord, Vulnerability};
use scry_store::VulnStore;
use scry_updaters::debian::DebianSet;
use scry_updaters::{
    Download, FetchContext, Fetched, Sink, SinkError, Updater, UpdaterError, UpdaterSet,
};

use crate::tracker_feed::RELEASES;

#[derive(Debug, Clone, Copy)]
pub struct Import {
    /// Vulnerabilities the parser handed to the store writer.
    pub records: u64,
    /// Download of the feed to the updater's temporary file.
    pub fetch: Duration,
    /// The whole run: fetch, parse, write, commit.
    pub total: Duration,
}

/// Runs the `debian` set's updater against the tracker JSON at `json_url`.
pub async fn debian(store: &VulnStore, json_url: &str) -> anyhow::Result<Import> {
    let releases: serde_json::Map<String, serde_json::Value> = RELEASES
        .iter()
        .map(|(codename, version)| (codename.to_string(), (*version).into()))
        .collect();
    let config = BTreeMap::from([(
        "debian".to_string(),
        serde_json::json!({"json_url": json_url, "releases": releases}),
    )]);
    let ctx = FetchContext::new(config);
    let mut found = DebianSet.updaters(&ctx).await?;
    anyhow::ensure!(found.len() == 1, "the debian set has one updater");
    let counted = Arc::new(Counted {
        inner: found.remove(0),
        records: AtomicU64::new(0),
        fetch: std::sync::Mutex::new(Duration::ZERO),
    });
    let started = Instant::now();
    let outcome = run_updater(store, &ctx, counted.clone())
        .await
        .map_err(anyhow::Error::msg)
        .context("debian updater")?;
    let total = started.elapsed();
    anyhow::ensure!(
        matches!(outcome, Outcome::Updated(_)),
        "expected an update, got {outcome:?}"
    );
    let fetch = *counted.fetch.lock().expect("fetch time");
    Ok(Import {
        records: counted.records.load(Ordering::Relaxed),
        fetch,
        total,
    })
}

/// The real updater, timing its fetch and counting what its parser emits.
struct Counted {
    inner: Box<dyn Updater>,
    records: AtomicU64,
    fetch: std::sync::Mutex<Duration>,
}

impl Updater for Counted {
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn kind(&self) -> scry_model::UpdateKind {
        self.inner.kind()
    }
    fn delta(&self) -> bool {
        self.inner.delta()
    }

    fn fetch<'a>(
        &'a self,
        ctx: &'a FetchContext,
        prev_fingerprint: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Fetched, UpdaterError>> {
        async move {
            let started = Instant::now();
            let fetched = self.inner.fetch(ctx, prev_fingerprint).await;
            *self.fetch.lock().expect("fetch time") = started.elapsed();
            fetched
        }
        .boxed()
    }

    fn parse(&self, download: &Download, sink: &mut dyn Sink) -> Result<(), UpdaterError> {
        let mut counting = CountingSink {
            inner: sink,
            records: &self.records,
        };
        self.inner.parse(download, &mut counting)
    }
}

struct CountingSink<'a> {
    inner: &'a mut dyn Sink,
    records: &'a AtomicU64,
}

impl Sink for CountingSink<'_> {
    fn vulnerabilities(&mut self, batch: Vec<Vulnerability>) -> Result<(), SinkError> {
        self.records
            .fetch_add(batch.len() as u64, Ordering::Relaxed);
        self.inner.vulnerabilities(batch)
    }
    fn enrichments(&mut self, batch: Vec<EnrichmentRecord>) -> Result<(), SinkError> {
        self.inner.enrichments(batch)
    }
    fn deleted(&mut self, names: Vec<String>) -> Result<(), SinkError> {
        self.inner.deleted(names)
    }
}
