//! `scry export-updaters` / `scry import-updaters`: Clair's airgap workflow.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use scry_config::{Config, Invocation};
use scry_matcher::airgap;
use scry_updaters::FetchContext;

use crate::serve_matcher::{open_vuln_store, updater_sets};

fn load_config(config: Option<&Path>) -> anyhow::Result<Config> {
    let (config, lints) = Invocation::resolve(config, None)?.load()?;
    for lint in lints {
        tracing::warn!("config: {lint}");
    }
    Ok(config)
}

/// Runs the configured updaters from scratch (ignoring `matcher.disable_updaters`,
/// which is meant for the importing side) and writes the bundle.
pub async fn export(config: Option<PathBuf>, file: &Path, strict: bool) -> anyhow::Result<()> {
    let mut config = load_config(config.as_deref())?;
    config.matcher.disable_updaters = false;
    let ctx = FetchContext::new(config.updaters.config.clone());
    let board = scry_matcher::updates::StatusBoard::default();
    let sets = updater_sets(&config)?;
    let mut updaters = scry_matcher::updates::discover(&sets, &ctx, &board).await;
    if let Some(filter) = &config.updaters.filter {
        let pattern = regex::Regex::new(filter)
            .with_context(|| format!("updaters.filter {filter:?} is not a regular expression"))?;
        updaters.retain(|updater| pattern.is_match(updater.name()));
    }
    let failed_sets: Vec<String> = board
        .snapshot()
        .into_iter()
        .filter_map(|(name, run)| run.last_error.map(|err| format!("{name}: {err}")))
        .collect();
    let summary = airgap::export(updaters, &ctx, file)
        .await
        .with_context(|| format!("exporting to {}", file.display()))?;
    for (updater, records) in &summary.records {
        eprintln!("exported {records} records from {updater}");
    }
    let failures: Vec<String> = failed_sets
        .into_iter()
        .chain(summary.failed.iter().map(|(u, e)| format!("{u}: {e}")))
        .collect();
    for failure in &failures {
        eprintln!("failed: {failure}");
    }
    if strict && !failures.is_empty() {
        bail!("{} updater(s) failed (--strict)", failures.len());
    }
    Ok(())
}

pub async fn import(config: Option<PathBuf>, file: &Path) -> anyhow::Result<()> {
    let config = load_config(config.as_deref())?;
    let store = open_vuln_store(&config).await?;
    let summary = airgap::import(&store, file)
        .await
        .with_context(|| format!("importing {}", file.display()))?;
    for (updater, reference, records) in &summary.imported {
        eprintln!("imported {records} records from {updater} as operation {reference}");
    }
    for updater in &summary.skipped {
        eprintln!("skipped {updater}: this operation is already stored");
    }
    Ok(())
}
