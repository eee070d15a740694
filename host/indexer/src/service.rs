//! Indexing as a service: stored per-layer results are reused, a manifest already indexed
//! under the current scanner set is answered from the store, and locks make sure two
//! requests (or two processes on one PostgreSQL) never scan the same manifest or layer
//! at once.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

use arc_swap::ArcSwap;
use futures::{StreamExt, TryStreamExt};
use scry_layers::{Layer, LayerError, LayerSource};
use scry_model::{Digest, IndexReport, Manifest, ScannerId};
use scry_store::{IndexStore, StoreError};

use crate::convert;
use crate::metrics::OutcomeLabel;
use crate::scanners::{IndexError, Scanners};

/// Why an index request failed, in the terms the HTTP layer needs.
#[derive(Debug)]
pub enum IndexFailure {
    /// The manifest itself is malformed (400; nothing was stored).
    BadManifest(String),
    /// A layer is not a valid (or acceptable) tar stream (400; an IndexError report was stored).
    BadLayer(String),
    /// Fetch, plugin or database failure (500; an IndexError report was stored when possible).
    Failed(String),
}

/// The scanner set an index request runs with from start to end: swapped whole, so
/// a request never sees half of an old set and half of a new one.
pub struct PluginSnapshot {
    pub scanners: Arc<Scanners>,
    scanner_ids: Vec<ScannerId>,
    /// Hex hash of the scanners' (name, version, kind).
    pub state: String,
}

/// What a swap changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Swapped {
    pub previous_state: String,
    pub index_state: String,
}

impl Swapped {
    /// Whether clients must re-index (a scanner's name, version or kind changed).
    pub fn state_changed(&self) -> bool {
        self.previous_state != self.index_state
    }
}

pub struct IndexerService {
    current: ArcSwap<PluginSnapshot>,
    store: IndexStore,
}

impl IndexerService {
    pub async fn new(
        scanners: Arc<Scanners>,
        store: IndexStore,
    ) -> Result<IndexerService, StoreError> {
        let snapshot = snapshot(scanners, &store).await?;
        Ok(IndexerService {
            current: ArcSwap::from_pointee(snapshot),
            store,
        })
    }

    /// Makes `scanners` the set new requests run with; requests under way finish with
    /// the set they started with. Limits, HTTP client, concurrency and metrics carry
    /// over from the current set.
    pub async fn swap(&self, mut scanners: Arc<Scanners>) -> Result<Swapped, StoreError> {
        let previous = self.current.load_full();
        if let Some(fresh) = Arc::get_mut(&mut scanners) {
            let old = &previous.scanners;
            fresh.metrics = old.metrics.clone();
            fresh.limits = old.limits.clone();
            fresh.http = old.http.clone();
            fresh.layer_concurrency = old.layer_concurrency;
        }
        let next = snapshot(scanners, &self.store).await?;
        let swapped = Swapped {
            previous_state: previous.state.clone(),
            index_state: next.state.clone(),
        };
        self.current.store(Arc::new(next));
        Ok(swapped)
    }

    /// The set new requests run with.
    pub fn snapshot(&self) -> Arc<PluginSnapshot> {
        self.current.load_full()
    }

    /// Hex hash of the loaded scanners' (name, version, kind): clients re-index when it changes.
    pub fn index_state(&self) -> String {
        self.current.load().state.clone()
    }

    pub fn store(&self) -> &IndexStore {
        &self.store
    }

    pub fn scanners(&self) -> Arc<Scanners> {
        self.current.load().scanners.clone()
    }

    pub async fn report(&self, manifest: &Digest) -> Result<Option<IndexReport>, StoreError> {
        Ok(self
            .store
            .index_report(&manifest.to_string())
            .await?
            .map(|(report, _)| report))
    }

    pub async fn delete(&self, manifests: &[Digest]) -> Result<Vec<String>, StoreError> {
        let digests: Vec<String> = manifests.iter().map(Digest::to_string).collect();
        self.store.delete_manifests(&digests).await
    }

    pub async fn index(&self, manifest: Manifest) -> Result<IndexReport, IndexFailure> {
        let started = Instant::now();
        let snap = self.current.load_full();
        let result = self.index_inner(&snap, manifest).await;
        let outcome = match &result {
            Ok(_) => "finished",
            Err(IndexFailure::BadManifest(_)) => "bad_manifest",
            Err(_) => "error",
        };
        snap.scanners
            .metrics
            .index_seconds
            .get_or_create(&OutcomeLabel {
                outcome: outcome.into(),
            })
            .observe(started.elapsed().as_secs_f64());
        result
    }

    async fn index_inner(
        &self,
        snap: &PluginSnapshot,
        manifest: Manifest,
    ) -> Result<IndexReport, IndexFailure> {
        let (hash, layers) = validate(&manifest)?;
        if let Some(report) = self.finished_report(snap, &hash).await? {
            return Ok(report);
        }
        let manifest_lock = self.store.lock(&hash).await.map_err(failed)?;
        let result = self.index_locked(snap, &hash, &layers).await;
        // Released explicitly so PostgreSQL keeps the connection pooled; on an early
        // return or a cancelled request the guard's drop still releases it.
        if let Err(err) = manifest_lock.release().await {
            tracing::warn!(manifest = %hash, error = %err, "releasing the manifest lock");
        }
        result
    }

    async fn index_locked(
        &self,
        snap: &PluginSnapshot,
        hash: &str,
        layers: &[Layer],
    ) -> Result<IndexReport, IndexFailure> {
        // Whoever held the lock before us may have just indexed it.
        if let Some(report) = self.finished_report(snap, hash).await? {
            return Ok(report);
        }
        let digests: Vec<String> = layers.iter().map(|layer| layer.digest.clone()).collect();
        let outcome = self.scan_missing(snap, layers).await;
        let report = match outcome {
            Ok(()) => self.coalesce(snap, hash, &digests).await,
            Err(err) => Err(err),
        };
        match report {
            Ok(mut report) => {
                report.scry_scanners = snap.scanner_ids.clone();
                self.store
                    .put_index_report(hash, &digests, &report, &snap.state)
                    .await
                    .map_err(failed)?;
                Ok(report)
            }
            Err((failure, message)) => {
                let mut report = IndexReport::failed(hash, message);
                report.scry_scanners = snap.scanner_ids.clone();
                if let Err(err) = self
                    .store
                    .put_index_report(hash, &digests, &report, &snap.state)
                    .await
                {
                    tracing::warn!(manifest = %hash, error = %err, "could not store the failed report");
                }
                Err(failure)
            }
        }
    }

    async fn finished_report(
        &self,
        snap: &PluginSnapshot,
        hash: &str,
    ) -> Result<Option<IndexReport>, IndexFailure> {
        let stored = self.store.index_report(hash).await.map_err(failed)?;
        Ok(stored.and_then(|(report, state)| {
            (state == snap.state && report.state == IndexReport::FINISHED).then_some(report)
        }))
    }

    /// Scans each distinct layer with the scanners that have no stored result for it yet,
    /// a few layers at once, under a per-layer lock.
    async fn scan_missing(
        &self,
        snap: &PluginSnapshot,
        layers: &[Layer],
    ) -> Result<(), (IndexFailure, String)> {
        let distinct: Vec<Layer> = crate::scanners::distinct(layers)
            .into_iter()
            .cloned()
            .collect();
        let concurrency = snap.scanners.layer_concurrency.max(1);
        // Owned layers: a stream of futures borrowing from a slice is not `Send` enough
        // for axum's handlers.
        futures::stream::iter(distinct)
            .map(|layer| async move { self.scan_layer_once(snap, &layer).await })
            .buffer_unordered(concurrency)
            .try_collect::<Vec<()>>()
            .await?;
        Ok(())
    }

    async fn scan_layer_once(
        &self,
        snap: &PluginSnapshot,
        layer: &Layer,
    ) -> Result<(), (IndexFailure, String)> {
        if self.missing_scanners(snap, &layer.digest).await?.is_empty() {
            snap.scanners.metrics.layers_reused.inc();
            return Ok(());
        }
        let layer_lock = self
            .store
            .lock(&format!("layer:{}", layer.digest))
            .await
            .map_err(|err| (failed(&err), err.to_string()))?;
        let result = self.scan_layer_locked(snap, layer).await;
        if let Err(err) = layer_lock.release().await {
            tracing::warn!(layer = %layer.digest, error = %err, "releasing the layer lock");
        }
        result
    }

    async fn scan_layer_locked(
        &self,
        snap: &PluginSnapshot,
        layer: &Layer,
    ) -> Result<(), (IndexFailure, String)> {
        let missing = self.missing_scanners(snap, &layer.digest).await?;
        if missing.is_empty() {
            snap.scanners.metrics.layers_reused.inc();
            return Ok(());
        }
        let only: Vec<usize> = missing.iter().copied().collect();
        let artifacts = snap
            .scanners
            .scan_layer_with(layer, Some(only.clone()), None)
            .await
            .map_err(classify)?;
        // Every scanner that ran gets an entry, so one that found nothing is marked too.
        let ran: Vec<ScannerId> = only
            .iter()
            .map(|&index| snap.scanner_ids[index].clone())
            .collect();
        let results = scry_store::ScannerFindings::split(&artifacts, &ran);
        self.store
            .put_layer_results(&layer.digest, &results, &artifacts.whiteouts)
            .await
            .map_err(|err| (IndexFailure::Failed(err.to_string()), err.to_string()))
    }

    /// Positions of the scanners with no stored result for `layer`.
    async fn missing_scanners(
        &self,
        snap: &PluginSnapshot,
        layer: &str,
    ) -> Result<HashSet<usize>, (IndexFailure, String)> {
        let done = self
            .store
            .scanned(&[layer.to_string()], &snap.scanner_ids)
            .await
            .map_err(|err| (IndexFailure::Failed(err.to_string()), err.to_string()))?;
        Ok((0..snap.scanner_ids.len())
            .filter(|&index| !done.contains(&(layer.to_string(), snap.scanner_ids[index].clone())))
            .collect())
    }

    async fn coalesce(
        &self,
        snap: &PluginSnapshot,
        hash: &str,
        digests: &[String],
    ) -> Result<IndexReport, (IndexFailure, String)> {
        let mut artifacts = Vec::with_capacity(digests.len());
        for digest in digests {
            let layer = self
                .store
                .layer_artifacts(digest, &snap.scanner_ids)
                .await
                .map_err(|err| (IndexFailure::Failed(err.to_string()), err.to_string()))?;
            artifacts.push(layer);
        }
        let started = Instant::now();
        let report = crate::coalesce(hash, &artifacts);
        snap.scanners
            .metrics
            .coalesce_seconds
            .observe(started.elapsed().as_secs_f64());
        Ok(report)
    }
}

fn failed(err: impl std::fmt::Display) -> IndexFailure {
    IndexFailure::Failed(err.to_string())
}

/// Layers whose bytes are not an acceptable tar stream are the client's problem (400);
/// everything else may succeed on a retry (500).
fn classify(err: IndexError) -> (IndexFailure, String) {
    let message = err.to_string();
    let bad_layer = matches!(
        &err,
        IndexError::Layer(
            LayerError::Tar { .. }
                | LayerError::PathTraversal { .. }
                | LayerError::Decompress { .. }
                | LayerError::EntryTooLarge { .. }
                | LayerError::HeaderTooLarge { .. }
                | LayerError::TooManyEntries { .. }
                | LayerError::RatioExceeded { .. }
                | LayerError::TooMuchData { .. }
                | LayerError::FileTooLarge { .. }
        )
    );
    if bad_layer {
        (IndexFailure::BadLayer(message.clone()), message)
    } else {
        (IndexFailure::Failed(message.clone()), message)
    }
}

/// Checks the manifest and turns it into layers to fetch; every problem names the field.
fn validate(manifest: &Manifest) -> Result<(String, Vec<Layer>), IndexFailure> {
    let bad = |why: String| IndexFailure::BadManifest(why);
    let hash: Digest = manifest
        .hash
        .parse()
        .map_err(|err| bad(format!("manifest hash: {err}")))?;
    if manifest.layers.is_empty() {
        return Err(bad(format!("manifest {hash} has no layers")));
    }
    let mut layers = Vec::with_capacity(manifest.layers.len());
    for (index, layer) in manifest.layers.iter().enumerate() {
        let digest: Digest = layer
            .hash
            .parse()
            .map_err(|err| bad(format!("layer {index} of {hash}: {err}")))?;
        if !(layer.uri.starts_with("http://") || layer.uri.starts_with("https://")) {
            return Err(bad(format!(
                "layer {digest}: uri {:?} is not an absolute http(s) URL",
                layer.uri
            )));
        }
        let headers = layer
            .headers
            .iter()
            .flat_map(|(name, values)| {
                values
                    .iter()
                    .map(move |value| (name.clone(), value.clone()))
            })
            .collect();
        layers.push(Layer {
            digest: digest.to_string(),
            source: LayerSource::Http {
                uri: layer.uri.clone(),
                headers,
            },
        });
    }
    Ok((hash.to_string(), layers))
}

async fn snapshot(
    scanners: Arc<Scanners>,
    store: &IndexStore,
) -> Result<PluginSnapshot, StoreError> {
    let scanner_ids: Vec<ScannerId> = scanners.plugins().iter().map(convert::scanner_id).collect();
    store.register_scanners(&scanner_ids).await?;
    let state = scanners.index_state();
    Ok(PluginSnapshot {
        scanners,
        scanner_ids,
        state,
    })
}
