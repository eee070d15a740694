//! `scry plugins test PLUGIN.wasm IMAGE`: one plugin, alone, on one image — the plugin
//! author's edit, build, look loop. A scanner runs on every layer of the image and
//! shows what it found per layer; a matcher judges the image's index report (made by
//! the built-in scanners) against the local vulnerability database. Timings and errors
//! are shown, never hidden.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures::future::BoxFuture;
use scry_config::{Config, Invocation};
use scry_indexer::Scanners;
use scry_matcher::{IndexReports, MatcherService, Matchers};
use scry_model::{IndexReport, LayerArtifacts, VulnerabilityReport};
use scry_runtime::{MatcherPlugin, Runtime, RuntimeConfig, ScannerPlugin, World, world_of};
use serde::Serialize;

use crate::Format;

/// What the command was asked to run.
pub struct Request<'a> {
    pub plugin: &'a Path,
    pub image: &'a Path,
    pub format: Format,
    /// Scanners added to the built-in ones when a matcher needs an index report.
    pub plugin_dir: Option<&'a Path>,
    /// The Clair config: its plugin blocks, and for a matcher the database
    /// (`matcher.connstring`).
    pub config: Option<&'a Path>,
}

#[derive(Serialize)]
struct PluginInfo {
    name: String,
    version: String,
    world: &'static str,
    content_hash: String,
}

#[derive(Serialize)]
struct LayerRun {
    layer: String,
    millis: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    packages: Vec<scry_model::FoundPackage>,
    distributions: Vec<scry_model::Distribution>,
    repositories: Vec<scry_model::Repository>,
}

#[derive(Serialize)]
struct ScannerTest {
    plugin: PluginInfo,
    kind: &'static str,
    layers: Vec<LayerRun>,
}

#[derive(Serialize)]
struct MatcherTest {
    plugin: PluginInfo,
    /// Records of the index report this matcher said it handles, of `records`.
    handled: usize,
    records: usize,
    index_millis: f64,
    match_millis: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    /// `(package, version, vulnerability name, fixed-in version)`, sorted.
    findings: Vec<(String, String, String, String)>,
}

/// Runs the test and prints it; the exit code is 1 when the plugin failed anywhere.
pub async fn run(request: Request<'_>) -> anyhow::Result<std::process::ExitCode> {
    let wasm = std::fs::read(request.plugin)
        .with_context(|| format!("reading {}", request.plugin.display()))?;
    let name = request
        .plugin
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "plugin".into());
    // The config's plugin blocks apply here as under `scry serve`.
    let config = load_config(request.config)?;
    let runtime = Runtime::new(RuntimeConfig {
        plugin_blocks: crate::serve_wiring::plugin_blocks(&config),
        ..RuntimeConfig::default()
    })
    .context("starting the plugin runtime")?;
    let image = crate::image::open(request.image)?;
    let world = world_of(&runtime, &name, &wasm)
        .map_err(|err| anyhow::anyhow!("{}: {err}", request.plugin.display()))?;
    let failed = match world {
        World::Scanner => {
            let plugin = ScannerPlugin::load(&runtime, &name, &wasm)
                .map_err(|err| anyhow::anyhow!("{}: {err}", request.plugin.display()))?;
            let test = test_scanner(plugin, &image).await?;
            let failed = test.layers.iter().any(|l| l.error.is_some());
            print(request.format, &test, render_scanner)?;
            failed
        }
        World::Matcher => {
            let plugin = MatcherPlugin::load(&runtime, &name, &wasm)
                .map_err(|err| anyhow::anyhow!("{}: {err}", request.plugin.display()))?;
            let test = test_matcher(&runtime, plugin, &image, &request, &config).await?;
            let failed = test.error.is_some();
            print(request.format, &test, render_matcher)?;
            failed
        }
    };
    Ok(if failed {
        std::process::ExitCode::from(1)
    } else {
        std::process::ExitCode::SUCCESS
    })
}

async fn test_scanner(
    plugin: ScannerPlugin,
    image: &crate::image::Image,
) -> anyhow::Result<ScannerTest> {
    let info = PluginInfo {
        name: plugin.name.clone(),
        version: plugin.version.clone(),
        world: "scanner",
        content_hash: format!("sha256:{}", plugin.content_hash),
    };
    let kind = crate::scry_indexer_kind(&plugin);
    let scanners = Scanners::new(vec![plugin])?;
    let mut layers = Vec::new();
    for layer in &image.layers {
        let started = Instant::now();
        let outcome = scanners.scan_layer(layer, None).await;
        let millis = millis(started.elapsed());
        layers.push(match outcome {
            Ok(found) => layer_run(found, millis),
            Err(err) => LayerRun {
                layer: layer.digest.clone(),
                millis,
                error: Some(err.to_string()),
                packages: Vec::new(),
                distributions: Vec::new(),
                repositories: Vec::new(),
            },
        });
    }
    Ok(ScannerTest {
        plugin: info,
        kind,
        layers,
    })
}

fn layer_run(found: LayerArtifacts, millis: f64) -> LayerRun {
    LayerRun {
        layer: found.layer,
        millis,
        error: None,
        packages: found.packages.into_iter().map(|(_, p)| p).collect(),
        distributions: found.distributions.into_iter().map(|(_, d)| d).collect(),
        repositories: found.repositories.into_iter().map(|(_, r)| r).collect(),
    }
}

async fn test_matcher(
    runtime: &Runtime,
    plugin: MatcherPlugin,
    image: &crate::image::Image,
    request: &Request<'_>,
    config: &Config,
) -> anyhow::Result<MatcherTest> {
    let info = PluginInfo {
        name: plugin.name().to_string(),
        version: plugin.version().to_string(),
        world: "matcher",
        content_hash: format!("sha256:{}", plugin.content_hash),
    };
    let store = crate::serve_matcher::open_vuln_store(config).await?;
    if !store
        .initialized()
        .await
        .context("reading the vulnerability database")?
    {
        bail!(
            "the vulnerability database (matcher.connstring) is empty: load one with \
             `scry import-updaters` or run `scry serve` until its updaters have run"
        );
    }
    let scanners = scry_plugin_sets::InitialPlugins::load(runtime, request.plugin_dir)?;
    let scanners = Scanners::new(scanners.scanner_plugins())?;
    let started = Instant::now();
    let index = scanners
        .index(&image.manifest_hash, &image.layers, None)
        .await;
    let index_millis = millis(started.elapsed());
    if !index.success {
        bail!("indexing {} failed: {}", request.image.display(), index.err);
    }
    let records = scry_matcher::index_records(&index);
    let plugin = Arc::new(plugin);
    let handled = plugin
        .filter(&records.iter().map(|r| r.record.clone()).collect::<Vec<_>>())
        .map(|flags| flags.into_iter().filter(|f| *f).count())
        .unwrap_or(0);
    let service = MatcherService::new(
        store,
        Matchers::new(vec![plugin]),
        Arc::new(NoStoredReports),
        false,
    )
    .with_verdict_cache(0);
    let started = Instant::now();
    let report = service
        .report_for(&index)
        .await
        .map_err(|err| anyhow::anyhow!("matching: {err}"))?;
    let match_millis = millis(started.elapsed());
    Ok(MatcherTest {
        plugin: info,
        handled,
        records: records.len(),
        index_millis,
        match_millis,
        error: report.matchers.failed.values().next().cloned(),
        findings: findings(&report),
    })
}

fn findings(report: &VulnerabilityReport) -> Vec<(String, String, String, String)> {
    let mut found: Vec<_> = report
        .package_vulnerabilities
        .iter()
        .flat_map(|(package_id, ids)| {
            let package = report.packages.get(package_id);
            ids.iter().filter_map(move |id| {
                let vulnerability = report.vulnerabilities.get(id)?;
                let package = package?;
                Some((
                    package.name.clone(),
                    package.version.clone(),
                    vulnerability.name.clone(),
                    vulnerability.fixed_in_version.clone(),
                ))
            })
        })
        .collect();
    found.sort();
    found
}

/// The command matches an image it indexed itself: nothing is stored to look up.
struct NoStoredReports;

impl IndexReports for NoStoredReports {
    fn index_report<'a>(
        &'a self,
        _digest: &'a str,
    ) -> BoxFuture<'a, Result<Option<IndexReport>, String>> {
        Box::pin(async { Ok(None) })
    }
}

fn load_config(config: Option<&Path>) -> anyhow::Result<Config> {
    let (config, lints) = Invocation::resolve(config, None)?.load()?;
    for lint in lints {
        tracing::warn!("config: {lint}");
    }
    Ok(config)
}

fn millis(elapsed: Duration) -> f64 {
    (elapsed.as_secs_f64() * 1e5).round() / 100.0
}

fn print<T: Serialize>(format: Format, test: &T, table: fn(&T) -> String) -> anyhow::Result<()> {
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(test)?),
        Format::Table => print!("{}", table(test)),
    }
    Ok(())
}

fn render_scanner(test: &ScannerTest) -> String {
    let p = &test.plugin;
    let mut out = format!(
        "{} {} ({} scanner) {}\n",
        p.name, p.version, test.kind, p.content_hash
    );
    for layer in &test.layers {
        let found = layer.packages.len() + layer.distributions.len() + layer.repositories.len();
        out += &format!(
            "layer {} {:.2} ms, {found} found\n",
            layer.layer, layer.millis
        );
        if let Some(err) = &layer.error {
            out += &format!("  error: {err}\n");
        }
        for pkg in &layer.packages {
            let at = if pkg.file_path.is_empty() {
                &pkg.package_db
            } else {
                &pkg.file_path
            };
            out += &format!("  package {} {} {at}\n", pkg.name, pkg.version);
        }
        for dist in &layer.distributions {
            out += &format!(
                "  distribution {} {} {}\n",
                dist.did, dist.version_id, dist.pretty_name
            );
        }
        for repo in &layer.repositories {
            out += &format!("  repository {} {}\n", repo.name, repo.uri);
        }
    }
    let total: f64 = test.layers.iter().map(|l| l.millis).sum();
    let packages: usize = test.layers.iter().map(|l| l.packages.len()).sum();
    let errors = test.layers.iter().filter(|l| l.error.is_some()).count();
    out += &format!(
        "{} layers, {packages} packages, {errors} errors, {total:.2} ms\n",
        test.layers.len()
    );
    out
}

fn render_matcher(test: &MatcherTest) -> String {
    let p = &test.plugin;
    let mut out = format!("{} {} (matcher) {}\n", p.name, p.version, p.content_hash);
    out += &format!(
        "handles {} of {} records; indexing {:.2} ms, matching {:.2} ms\n",
        test.handled, test.records, test.index_millis, test.match_millis
    );
    if let Some(err) = &test.error {
        out += &format!("error: {err}\n");
    }
    for (package, version, vulnerability, fixed) in &test.findings {
        let fixed = if fixed.is_empty() { "(no fix)" } else { fixed };
        out += &format!("  {package} {version} {vulnerability} fixed in {fixed}\n");
    }
    out += &format!("{} vulnerable pairs\n", test.findings.len());
    out
}
