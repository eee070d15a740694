//! Running updaters into the vulnerability store: fetch against the stored
//! fingerprint, parse on a blocking thread, and write batches as they come through a
//! bounded channel, so a feed of any size passes in bounded memory. One operation is
//! one transaction: a failed parse leaves nothing.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use futures::StreamExt;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use scry_model::{EnrichmentRecord, UpdateOperation, Vulnerability};
use scry_store::{UpdaterStatus, VulnStore};
use scry_updaters::{FetchContext, Fetched, Sink, SinkError, Updater, UpdaterSet};
use tokio::sync::mpsc;

/// Batches in flight between the parser and the writer.
const CHANNEL_DEPTH: usize = 4;
/// Updaters run at once, as Clair.
const CONCURRENT_UPDATERS: usize = 10;

pub enum Batch {
    Vulnerabilities(Vec<Vulnerability>),
    Enrichments(Vec<EnrichmentRecord>),
    Deleted(Vec<String>),
}

/// A sink that hands batches to an async receiver, blocking while it is behind.
pub struct ChannelSink(pub mpsc::Sender<Batch>);

impl ChannelSink {
    fn send(&mut self, batch: Batch) -> Result<(), SinkError> {
        self.0
            .blocking_send(batch)
            .map_err(|_| SinkError("the writer stopped".into()))
    }
}

impl Sink for ChannelSink {
    fn vulnerabilities(&mut self, batch: Vec<Vulnerability>) -> Result<(), SinkError> {
        self.send(Batch::Vulnerabilities(batch))
    }
    fn enrichments(&mut self, batch: Vec<EnrichmentRecord>) -> Result<(), SinkError> {
        self.send(Batch::Enrichments(batch))
    }
    fn deleted(&mut self, names: Vec<String>) -> Result<(), SinkError> {
        self.send(Batch::Deleted(names))
    }
}

/// What one updater run did.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Unchanged,
    /// Another process is running this updater now (the lock is per updater name).
    Busy,
    Updated(UpdateOperation),
}

/// Per-updater results of the latest runs, for metrics and logs.
#[derive(Default)]
pub struct StatusBoard {
    runs: Mutex<BTreeMap<String, RunRecord>>,
    runs_total: Family<RunLabels, Counter>,
    last_succeeded: Family<UpdaterLabel, Gauge>,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RunLabels {
    updater: String,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct UpdaterLabel {
    updater: String,
}

#[derive(Clone, Debug, Default)]
pub struct RunRecord {
    pub successes: u64,
    pub failures: u64,
    pub last_succeeded: bool,
    pub last_error: Option<String>,
}

impl StatusBoard {
    /// `updater_runs_total{updater,outcome}` and `updater_last_run_succeeded{updater}`.
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "updater_runs",
            "Updater runs by outcome (updated, unchanged, failed)",
            self.runs_total.clone(),
        );
        registry.register(
            "updater_last_run_succeeded",
            "1 if the updater's latest run succeeded",
            self.last_succeeded.clone(),
        );
    }

    fn record(&self, updater: &str, result: &Result<Outcome, String>) {
        let outcome = match result {
            Ok(Outcome::Updated(_)) => "updated",
            Ok(Outcome::Unchanged) => "unchanged",
            Ok(Outcome::Busy) => "busy",
            Err(_) => "failed",
        };
        self.runs_total
            .get_or_create(&RunLabels {
                updater: updater.to_string(),
                outcome,
            })
            .inc();
        self.last_succeeded
            .get_or_create(&UpdaterLabel {
                updater: updater.to_string(),
            })
            .set(result.is_ok() as i64);
        let mut runs = self.runs.lock().expect("status board lock");
        let entry = runs.entry(updater.to_string()).or_default();
        match result {
            Ok(_) => {
                entry.successes += 1;
                entry.last_succeeded = true;
                entry.last_error = None;
            }
            Err(err) => {
                entry.failures += 1;
                entry.last_succeeded = false;
                entry.last_error = Some(err.clone());
            }
        }
    }

    pub fn snapshot(&self) -> BTreeMap<String, RunRecord> {
        self.runs.lock().expect("status board lock").clone()
    }
}

/// Runs one updater into `store`. Errors name the updater and the cause.
pub async fn run_updater(
    store: &VulnStore,
    ctx: &FetchContext,
    updater: Arc<dyn Updater>,
) -> Result<Outcome, String> {
    let name = updater.name().to_string();
    let kind = updater.kind();
    // Replicas on one PostgreSQL share the work: a busy updater is skipped this round.
    let Some(_lock) = store
        .try_lock(&format!("updater:{name}"))
        .await
        .map_err(|err| format!("updater {name}: {err}"))?
    else {
        return Ok(Outcome::Busy);
    };
    let prev = store
        .latest_fingerprint(&name, kind)
        .await
        .map_err(|err| format!("updater {name}: {err}"))?;
    let download = match updater.fetch(ctx, prev.as_deref()).await {
        Ok(Fetched::Unchanged) => return Ok(Outcome::Unchanged),
        Ok(Fetched::Changed(download)) => download,
        Err(err) => return Err(format!("updater {name}: {err}")),
    };
    let mut writer = store
        .begin_update(&name, &download.fingerprint, kind, updater.delta())
        .await
        .map_err(|err| format!("updater {name}: {err}"))?;
    let (tx, mut rx) = mpsc::channel(CHANNEL_DEPTH);
    let parser = {
        let updater = updater.clone();
        tokio::task::spawn_blocking(move || {
            let mut sink = ChannelSink(tx);
            updater.parse(&download, &mut sink)
        })
    };
    let mut write_error = None;
    while let Some(batch) = rx.recv().await {
        let written = match batch {
            Batch::Vulnerabilities(batch) => writer.add_vulnerabilities(&batch).await.map(drop),
            Batch::Enrichments(batch) => writer.add_enrichments(&batch).await.map(drop),
            Batch::Deleted(names) => writer.delete_names(&names).await.map(drop),
        };
        if let Err(err) = written {
            write_error = Some(format!("updater {name}: {err}"));
            break;
        }
    }
    drop(rx);
    let parsed = parser.await.expect("parsers do not panic");
    if let Some(err) = write_error {
        return Err(err);
    }
    parsed.map_err(|err| format!("updater {name}: {err}"))?;
    let operation = writer
        .commit()
        .await
        .map_err(|err| format!("updater {name}: {err}"))?;
    Ok(Outcome::Updated(operation))
}

/// Runs one updater and records its status in the store and on the board.
pub async fn run_and_record(
    store: &VulnStore,
    ctx: &FetchContext,
    board: &StatusBoard,
    updater: Arc<dyn Updater>,
) -> Result<Outcome, String> {
    let name = updater.name().to_string();
    let started = SystemTime::now();
    let result = run_updater(store, ctx, updater).await;
    board.record(&name, &result);
    match &result {
        Ok(Outcome::Unchanged) => tracing::info!(updater = %name, "unchanged"),
        Ok(Outcome::Busy) => tracing::info!(updater = %name, "running elsewhere; skipped"),
        Ok(Outcome::Updated(op)) => {
            tracing::info!(updater = %name, reference = %op.reference, "updated")
        }
        Err(err) => tracing::error!(updater = %name, error = %err, "update failed"),
    }
    let fingerprint = match &result {
        Ok(Outcome::Updated(op)) => op.fingerprint.clone(),
        _ => String::new(),
    };
    let status = UpdaterStatus {
        last_attempt: started,
        last_success: result.is_ok().then(SystemTime::now),
        last_run_succeeded: result.is_ok(),
        last_attempt_fingerprint: fingerprint,
        last_error: result.as_ref().err().cloned().unwrap_or_default(),
    };
    if let Err(err) = store.record_updater_status(&name, status).await {
        tracing::warn!(updater = %name, error = %err, "recording updater status");
    }
    result
}

/// The updaters of every set; a set that fails to list its updaters is logged and
/// skipped this round.
pub async fn discover(
    sets: &[Arc<dyn UpdaterSet>],
    ctx: &FetchContext,
    board: &StatusBoard,
) -> Vec<Arc<dyn Updater>> {
    let mut updaters = Vec::new();
    for set in sets {
        match set.updaters(ctx).await {
            Ok(found) => updaters.extend(found.into_iter().map(Arc::from)),
            Err(err) => {
                let err = format!("updater set {}: {err}", set.name());
                tracing::error!(set = set.name(), error = %err, "listing updaters failed");
                board.record(set.name(), &Err(err));
            }
        }
    }
    updaters
}

/// One round: every updater of every set (at most ten at once), then garbage
/// collection of operations beyond `retention` per updater.
pub async fn run_round(
    store: &VulnStore,
    ctx: &FetchContext,
    board: &StatusBoard,
    sets: &[Arc<dyn UpdaterSet>],
    retention: usize,
) {
    let updaters = discover(sets, ctx, board).await;
    futures::stream::iter(updaters)
        .for_each_concurrent(CONCURRENT_UPDATERS, |updater| async move {
            let _ = run_and_record(store, ctx, board, updater).await;
        })
        .await;
    if retention > 0 {
        collect_garbage(store, retention).await;
    }
}

/// Deletes old operations in bounded batches until none are left beyond retention.
pub async fn collect_garbage(store: &VulnStore, retention: usize) {
    const BATCH: usize = 50;
    loop {
        match store.gc(retention, BATCH).await {
            Ok(outcome) if outcome.remaining > 0 => continue,
            Ok(_) => break,
            Err(err) => {
                tracing::warn!(error = %err, "vulnerability garbage collection");
                break;
            }
        }
    }
}

/// Runs a round now and then every `period`, forever.
pub async fn schedule(
    store: VulnStore,
    ctx: FetchContext,
    board: Arc<StatusBoard>,
    sets: Vec<Arc<dyn UpdaterSet>>,
    period: Duration,
    retention: usize,
) {
    loop {
        run_round(&store, &ctx, &board, &sets, retention).await;
        tokio::time::sleep(period).await;
    }
}
