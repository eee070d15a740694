//! Timed runs over the big layer: baseline walk, routed read, full pipeline, and each
//! plugin's scan on its own.

use std::{sync::Arc, time::Instant};

use anyhow::{Context as _, bail};
use scry_indexer::Scanners;
use scry_layers::{
    CapturedFile, FileData, FileWants, LayerStats, Router, SpooledFile, read_layer, walk_only,
};
use scry_runtime::{FileSource, PluginContents, PluginFile};
use tokio::runtime::Runtime;

use crate::fixtures::{BigLayer, BigLayers};

/// Seconds per repetition of each mode, for one compressed form of the layer.
pub struct LayerFigures {
    pub compression: &'static str,
    /// Uncompressed tar bytes the baseline read (the MB/s numerator for every mode).
    pub tar_bytes: u64,
    /// `walk_only`: hash, decompress, walk, read every body.
    pub baseline: Vec<f64>,
    /// `read_layer` with the plugins' router: the baseline plus routing and capture.
    pub routed: Vec<f64>,
    /// `Scanners::scan_layer`: the routed read plus every plugin's scan.
    pub full: Vec<f64>,
    /// What the routed read captured (from its last run).
    pub routed_stats: LayerStats,
    /// Found by the full pipeline: proof that the plugins did their work.
    pub packages: usize,
    pub distributions: usize,
}

#[derive(Clone, Copy)]
enum Mode {
    Baseline,
    Routed,
    Full,
}

const MODES: [Mode; 3] = [Mode::Baseline, Mode::Routed, Mode::Full];

/// One untimed warm-up round (page cache, allocator, spool directory), then `reps`
/// rounds. Each round runs every mode on every layer; the mode order rotates from
/// round to round so that no mode always runs first (or right after the decoder of
/// the other format has warmed the caches).
pub fn measure(
    runtime: &Runtime,
    scanners: &Arc<Scanners>,
    big: &BigLayers,
    reps: usize,
) -> anyhow::Result<Vec<LayerFigures>> {
    let router = router(scanners)?;
    let mut figures: Vec<LayerFigures> = big.layers.iter().map(empty_figures).collect();
    for round in 0..=reps {
        let timed = round > 0;
        eprintln!(
            "layer-throughput: {} round {round}/{reps}",
            if timed { "timed" } else { "warm-up" }
        );
        for (layer, figures) in big.layers.iter().zip(&mut figures) {
            for step in 0..MODES.len() {
                let mode = MODES[(round + step) % MODES.len()];
                let secs = run(runtime, scanners, &router, layer, mode, figures)?;
                if timed {
                    match mode {
                        Mode::Baseline => figures.baseline.push(secs),
                        Mode::Routed => figures.routed.push(secs),
                        Mode::Full => figures.full.push(secs),
                    }
                }
            }
        }
    }
    for figures in &figures {
        if figures.tar_bytes != big.tar_bytes {
            bail!(
                "{}: read {} tar bytes, big/layer.tar.size says {}",
                figures.compression,
                figures.tar_bytes,
                big.tar_bytes
            );
        }
    }
    Ok(figures)
}

fn empty_figures(layer: &BigLayer) -> LayerFigures {
    LayerFigures {
        compression: layer.compression,
        tar_bytes: 0,
        baseline: Vec::new(),
        routed: Vec::new(),
        full: Vec::new(),
        routed_stats: LayerStats::default(),
        packages: 0,
        distributions: 0,
    }
}

/// Runs one mode once and returns its wall time, noting what it saw in `figures`.
fn run(
    runtime: &Runtime,
    scanners: &Arc<Scanners>,
    router: &Router,
    big: &BigLayer,
    mode: Mode,
    figures: &mut LayerFigures,
) -> anyhow::Result<f64> {
    let layer = &big.layer;
    let (limits, http) = (&scanners.limits, &scanners.http);
    let start = Instant::now();
    match mode {
        Mode::Baseline => {
            let stats = runtime.block_on(walk_only(layer, limits, http))?;
            figures.tar_bytes = stats.uncompressed_bytes;
        }
        Mode::Routed => {
            let files = runtime.block_on(read_layer(layer, router, limits, http, &|_| {}))?;
            figures.routed_stats = files.stats;
        }
        Mode::Full => {
            let artifacts = runtime.block_on(scanners.scan_layer(layer, None))?;
            figures.packages = artifacts.packages.len();
            figures.distributions = artifacts.distributions.len();
        }
    }
    Ok(start.elapsed().as_secs_f64())
}

/// The router `Scanners` builds from the same plugins, in the same order.
fn router(scanners: &Scanners) -> anyhow::Result<Router> {
    let wants: Vec<FileWants> = scanners
        .plugins()
        .iter()
        .map(|plugin| FileWants {
            globs: plugin.wants.globs.clone(),
            executables: plugin.wants.executables,
            magic: plugin.wants.magic.clone(),
        })
        .collect();
    Router::new(&wants).context("building the router")
}

/// One plugin's share of the full pipeline.
pub struct PluginFigures {
    pub name: String,
    pub version: String,
    pub files: usize,
    pub bytes: u64,
    /// Files handed over as `blob` handles on spooled temp files.
    pub spooled: usize,
    pub packages: usize,
    /// Seconds per `scan` call (fresh store, copy in, parse, copy out).
    pub secs: Vec<f64>,
}

/// Reads `big` once with the plugins' router, then times each plugin's `scan` over the
/// files it asked for, `reps` times: the part of the full pipeline after the read.
pub fn per_plugin(
    runtime: &Runtime,
    scanners: &Arc<Scanners>,
    big: &BigLayer,
    reps: usize,
) -> anyhow::Result<Vec<PluginFigures>> {
    eprintln!("layer-throughput: timing each plugin's scan");
    let router = router(scanners)?;
    let files = runtime.block_on(read_layer(
        &big.layer,
        &router,
        &scanners.limits,
        &scanners.http,
        &|_| {},
    ))?;
    let mut figures = Vec::new();
    for (index, plugin) in scanners.plugins().iter().enumerate() {
        let wanted: Vec<&CapturedFile> = files
            .files
            .iter()
            .filter(|file| file.wanted_by.contains(&index))
            .collect();
        let mut entry = PluginFigures {
            name: plugin.name.clone(),
            version: plugin.version.clone(),
            files: wanted.len(),
            bytes: wanted.iter().map(|file| file.size).sum(),
            spooled: wanted
                .iter()
                .filter(|file| matches!(file.data, FileData::Spooled(_)))
                .count(),
            packages: 0,
            secs: Vec::new(),
        };
        // As in `Scanners::run_plugins`: a plugin with no files is not called.
        if !wanted.is_empty() {
            for _ in 0..reps {
                let input = wanted.iter().map(|file| plugin_file(file)).collect();
                let start = Instant::now();
                let found = plugin
                    .scan(input)
                    .with_context(|| format!("plugin {}", plugin.name))?;
                entry.secs.push(start.elapsed().as_secs_f64());
                entry.packages = found.packages.len();
            }
        }
        figures.push(entry);
    }
    Ok(figures)
}

/// The indexer's conversion (private to it): inline bytes as they are, spooled files
/// behind a `blob` handle.
fn plugin_file(file: &CapturedFile) -> PluginFile {
    let contents = match &file.data {
        FileData::Inline(bytes) => PluginContents::Inline(bytes.clone()),
        FileData::Spooled(spool) => PluginContents::Handle(Arc::new(Spool(spool.clone()))),
    };
    PluginFile {
        path: file.path.clone(),
        mode: file.mode,
        size: file.size,
        contents,
    }
}

struct Spool(Arc<SpooledFile>);

impl FileSource for Spool {
    fn size(&self) -> u64 {
        self.0.len()
    }

    fn read_at(&self, offset: u64, len: usize) -> std::io::Result<Vec<u8>> {
        self.0.read_at(offset, len)
    }
}
