//! The loaded scanner set and what it does to one layer or one manifest.

use std::sync::Arc;

use futures::{StreamExt, TryStreamExt};
use scry_layers::{FileWants, Layer, LayerFiles, Limits, Router};
use scry_model::{IndexReport, LayerArtifacts};
use scry_runtime::{PluginError, ScannerPlugin};
use sha2::{Digest as _, Sha256};

use crate::convert;
use crate::metrics::{IndexMetrics, PluginLabel};

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error(transparent)]
    Layer(#[from] scry_layers::LayerError),
    #[error("layer {layer}: {source}")]
    Plugin { layer: String, source: PluginError },
    #[error("scanner set: {0}")]
    Router(String),
    #[error("layer {layer}: scan task failed: {reason}")]
    Task { layer: String, reason: String },
}

/// Reports raw bytes read so far for a layer (digest, bytes).
pub type LayerProgress = Arc<dyn Fn(&str, u64) + Send + Sync>;

/// An immutable set of scanner plugins and the file router built from their wants.
pub struct Scanners {
    plugins: Vec<ScannerPlugin>,
    router: Router,
    pub limits: Limits,
    pub http: reqwest::Client,
    /// Layers read at once while indexing one manifest.
    pub layer_concurrency: usize,
    pub metrics: IndexMetrics,
}

impl Scanners {
    pub fn new(plugins: Vec<ScannerPlugin>) -> Result<Arc<Scanners>, IndexError> {
        let wants: Vec<FileWants> = plugins
            .iter()
            .map(|plugin| FileWants {
                globs: plugin.wants.globs.clone(),
                executables: plugin.wants.executables,
                magic: plugin.wants.magic.clone(),
            })
            .collect();
        let router = Router::new(&wants).map_err(|err| IndexError::Router(err.to_string()))?;
        Ok(Arc::new(Scanners {
            plugins,
            router,
            limits: Limits::default(),
            http: reqwest::Client::new(),
            layer_concurrency: 2,
            metrics: IndexMetrics::default(),
        }))
    }

    pub fn plugins(&self) -> &[ScannerPlugin] {
        &self.plugins
    }

    /// Changes only when the set of (name, version, kind) changes: clients re-index
    /// every manifest when it does.
    pub fn index_state(&self) -> String {
        let mut ids: Vec<String> = self
            .plugins
            .iter()
            .map(|plugin| {
                let id = convert::scanner_id(plugin);
                format!("{}{}{}\n", id.name, id.version, id.kind.as_str())
            })
            .collect();
        ids.sort();
        let mut hasher = Sha256::new();
        hasher.update(b"scry index state 1\n");
        for id in ids {
            hasher.update(id.as_bytes());
        }
        hex::encode(&hasher.finalize()[..16])
    }

    /// Reads one layer once and runs every plugin over the files it asked for.
    pub async fn scan_layer(
        self: &Arc<Self>,
        layer: &Layer,
        progress: Option<LayerProgress>,
    ) -> Result<LayerArtifacts, IndexError> {
        self.scan_layer_with(layer, None, progress).await
    }

    /// Like [`Scanners::scan_layer`], running only the plugins at `only` (positions in
    /// [`Scanners::plugins`]) when given: the others' results for this layer are stored.
    pub async fn scan_layer_with(
        self: &Arc<Self>,
        layer: &Layer,
        only: Option<Vec<usize>>,
        progress: Option<LayerProgress>,
    ) -> Result<LayerArtifacts, IndexError> {
        let digest = layer.digest.clone();
        let report = move |bytes: u64| {
            if let Some(progress) = &progress {
                progress(&digest, bytes)
            }
        };
        let started = std::time::Instant::now();
        let files =
            scry_layers::read_layer(layer, &self.router, &self.limits, &self.http, &report).await?;
        self.metrics
            .layer_read_seconds
            .observe(started.elapsed().as_secs_f64());
        self.metrics
            .compressed_bytes
            .inc_by(files.stats.compressed_bytes);
        self.metrics
            .uncompressed_bytes
            .inc_by(files.stats.uncompressed_bytes);
        self.metrics.layers_scanned.inc();
        let this = self.clone();
        let digest = layer.digest.clone();
        tokio::task::spawn_blocking(move || this.run_plugins(&digest, files, only.as_deref()))
            .await
            .map_err(|err| IndexError::Task {
                layer: layer.digest.clone(),
                reason: err.to_string(),
            })?
    }

    fn run_plugins(
        &self,
        digest: &str,
        files: LayerFiles,
        only: Option<&[usize]>,
    ) -> Result<LayerArtifacts, IndexError> {
        let mut artifacts = LayerArtifacts {
            layer: digest.to_string(),
            whiteouts: files.whiteouts.clone(),
            ..Default::default()
        };
        for (index, plugin) in self.plugins.iter().enumerate() {
            if only.is_some_and(|only| !only.contains(&index)) {
                continue;
            }
            let wanted: Vec<_> = files
                .files
                .iter()
                .filter(|file| file.wanted_by.contains(&index))
                .map(convert::plugin_file)
                .collect();
            if wanted.is_empty() {
                continue;
            }
            let started = std::time::Instant::now();
            let findings = plugin.scan(wanted);
            self.metrics
                .plugin_scan_seconds
                .get_or_create(&PluginLabel {
                    plugin: plugin.name.clone(),
                })
                .observe(started.elapsed().as_secs_f64());
            let findings = findings.map_err(|source| IndexError::Plugin {
                layer: digest.to_string(),
                source,
            })?;
            let id = convert::scanner_id(plugin);
            artifacts.packages.extend(
                findings
                    .packages
                    .into_iter()
                    .map(|p| (id.clone(), convert::package(p))),
            );
            artifacts.distributions.extend(
                findings
                    .distributions
                    .into_iter()
                    .map(|d| (id.clone(), convert::distribution(d))),
            );
            artifacts.repositories.extend(
                findings
                    .repositories
                    .into_iter()
                    .map(|r| (id.clone(), convert::repository(r))),
            );
        }
        Ok(artifacts)
    }

    /// Scans every distinct layer (a few at a time, each read once) and coalesces the
    /// results. A failure becomes an `IndexError` report whose `err` names the layer and
    /// the cause.
    pub async fn index(
        self: &Arc<Self>,
        manifest_hash: &str,
        layers: &[Layer],
        progress: Option<LayerProgress>,
    ) -> IndexReport {
        // A layer listed twice in one manifest is read and scanned once.
        let scans = futures::stream::iter(
            distinct(layers)
                .into_iter()
                .map(|layer| self.scan_layer(layer, progress.clone())),
        )
        .buffered(self.layer_concurrency.max(1))
        .try_collect::<Vec<_>>()
        .await;
        let mut report = match scans {
            Ok(scanned) => {
                let in_order: Vec<LayerArtifacts> = layers
                    .iter()
                    .filter_map(|layer| scanned.iter().find(|a| a.layer == layer.digest).cloned())
                    .collect();
                crate::coalesce(manifest_hash, &in_order)
            }
            Err(err) => IndexReport::failed(manifest_hash, err.to_string()),
        };
        report.scry_scanners = self.plugins.iter().map(convert::scanner_id).collect();
        report
    }
}

/// The layers of a manifest with repeats removed, first occurrence kept: a layer listed
/// twice is read and scanned once.
pub(crate) fn distinct(layers: &[Layer]) -> Vec<&Layer> {
    let mut seen: Vec<&Layer> = Vec::new();
    for layer in layers {
        if !seen.iter().any(|kept| kept.digest == layer.digest) {
            seen.push(layer);
        }
    }
    seen
}
