//! Vulnerability report latency under open-loop load, on SQLite and PostgreSQL, in one
//! process: a real Debian image (≥ 100 packages) indexed through the indexer API, a
//! generated Debian tracker feed (≥ 100,000 records) imported by the real updater, and
//! `GET /matcher/api/v1/vulnerability_report/{digest}` at a fixed rate. See
//! benches/README.md.

mod image;
mod load;
mod phases;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use scry_benches::tracker_feed::{FeedPlan, FeedStats, Stop, write_feed};
use scry_benches::{import, loopback, machine, results};
use scry_indexer::{IndexerService, Scanners};
use scry_matcher::{MatcherService, Matchers};
use scry_runtime::matcher::MatcherPlugin;
use scry_runtime::{Runtime, RuntimeConfig, ScannerPlugin};
use scry_server::{MatcherApi, Metrics, Services};
use scry_store::testing::TestDb;
use sha2::Digest as _;

#[derive(Parser)]
struct Args {
    /// Report requests per second, sent on schedule whatever the answers do.
    #[arg(long, default_value_t = 200.0)]
    rate: f64,
    /// Seconds of load per backend.
    #[arg(long, default_value_t = 20.0)]
    seconds: f64,
    /// Vulnerability records in the generated feed (at least).
    #[arg(long, default_value_t = 100_000)]
    records: u64,
    /// CVEs per source package of the image.
    #[arg(long, default_value_t = 10)]
    cves_per_source: usize,
    /// Sequential repetitions for the where-the-time-goes table.
    #[arg(long, default_value_t = 50)]
    reps: usize,
    /// Only this backend (sqlite or postgres); both by default.
    #[arg(long)]
    backend: Option<String>,
    /// Record the figures in benches/RESULTS.md.
    #[arg(long)]
    write_results: bool,
}

const TARGET_P50_MS: f64 = 10.0;
const TARGET_P99_MS: f64 = 50.0;

struct Row {
    backend: &'static str,
    packages: usize,
    feed: FeedStats,
    import: import::Import,
    vulnerabilities: usize,
    /// (rate, what happened): the target rate, then half of one sequential client's.
    loads: Vec<(f64, load::Load)>,
    phases: phases::Phases,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    results::release_only(args.write_results)?;
    let load_before = machine::load_average();
    let fixtures =
        std::env::var("SCRY_FIXTURES").unwrap_or_else(|_| "/var/tmp/scry-fixtures".into());
    let work = tempfile::tempdir()?;
    let base = image::Layer::from_file(format!("{fixtures}/bookworm/layer.tar.gz").into())?;
    let python = image::python_layer(work.path())?;
    let feed_path = work.path().join("tracker.json");
    let server = loopback::serve_files(HashMap::from([
        (base.digest.clone(), base.path.clone()),
        (python.digest.clone(), python.path.clone()),
        ("tracker/data/json".to_string(), feed_path.clone()),
    ]))
    .await?;
    let feed_url = format!("http://{server}/tracker/data/json");

    let manifest = format!(
        "sha256:{}",
        hex::encode(sha2::Sha256::digest(b"matcher-report"))
    );
    let runtime = Runtime::new(RuntimeConfig::default())?;
    let mut feed: Option<FeedStats> = None;
    let mut rows = Vec::new();
    for backend in ["sqlite", "postgres"] {
        if args.backend.as_deref().is_some_and(|only| only != backend) {
            continue;
        }
        eprintln!("{backend}: indexing");
        let (index_db, vuln_db) = match backend {
            "sqlite" => (TestDb::sqlite(), TestDb::sqlite()),
            _ => (TestDb::postgres().await, TestDb::postgres().await),
        };
        let index_store = index_db.store().await;
        let vuln_store = vuln_db.vuln_store().await;
        let service = Arc::new(MatcherService::new(
            vuln_store.clone(),
            matchers(&runtime)?,
            Arc::new(index_store.clone()),
            true,
        ));
        let api = start_api(&runtime, index_store.clone(), service.clone()).await?;
        let client = reqwest::Client::new();
        let report = image::index(&client, &api, &manifest, &[&base, &python], server).await?;
        let packages = report.packages.len();
        anyhow::ensure!(packages >= 100, "the image has only {packages} packages");
        let feed = match feed {
            Some(stats) => stats,
            None => {
                let sources = image::debian_sources(&report);
                eprintln!("writing the feed ({} image source packages)", sources.len());
                let plan = FeedPlan {
                    image_sources: sources,
                    image_release: "bookworm",
                    cves_per_image_source: args.cves_per_source,
                    cves_per_other_package: 8,
                    description_len: 240,
                    stop: Stop::Records(args.records),
                };
                let out = std::io::BufWriter::new(std::fs::File::create(&feed_path)?);
                *feed.insert(write_feed(out, &plan)?)
            }
        };
        eprintln!("{backend}: importing {} records", feed.records);
        let imported = import::debian(&vuln_store, &feed_url).await?;

        let url = format!("{api}/matcher/api/v1/vulnerability_report/{manifest}");
        let vulnerabilities = check_report(&client, &url).await?;
        eprintln!("{backend}: {vulnerabilities} vulnerabilities per report; timing steps");
        let phases = phases::measure(
            &service,
            &index_store,
            &vuln_store,
            &client,
            &url,
            &manifest,
            args.reps,
        )
        .await?;
        // Half of what one sequential client gets: a load the server should sustain.
        let sustainable = (500.0 / phases.steps[0].1).max(1.0).round();
        let mut loads = Vec::new();
        for (rate, seconds) in [
            (args.rate, args.seconds),
            (sustainable, args.seconds.min(10.0)),
        ] {
            eprintln!("{backend}: {rate} req/s for {seconds} s");
            let load = load::open_loop(&client, &url, rate, seconds).await;
            eprintln!(
                "{backend}: p50 {:.2} ms, p99 {:.2} ms, errors {:?}",
                load.percentile(50.0),
                load.percentile(99.0),
                load.error_kinds
            );
            loads.push((rate, load));
        }
        rows.push(Row {
            backend,
            packages,
            feed,
            import: imported,
            vulnerabilities,
            loads,
            phases,
        });
    }
    let body = markdown(&args, &rows, load_before)?;
    println!("{body}");
    if args.write_results {
        let key = format!("matcher-report @ {}", machine::Machine::detect().key());
        results::record(&results::results_file(), &key, &body)?;
    }
    Ok(())
}

/// Every first-party matcher, as `scry serve` enables them by default.
fn matchers(runtime: &Runtime) -> anyhow::Result<Matchers> {
    let plugins = scry_bundled::FIRST_PARTY_MATCHERS
        .iter()
        .map(|b| MatcherPlugin::load(runtime, b.name, b.wasm).map(Arc::new))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Matchers::new(plugins))
}

/// Combo mode's routes (indexer and matcher on one listener) on loopback.
async fn start_api(
    runtime: &Runtime,
    store: scry_store::IndexStore,
    service: Arc<MatcherService>,
) -> anyhow::Result<String> {
    let plugins = scry_bundled::FIRST_PARTY
        .iter()
        .map(|b| ScannerPlugin::load(runtime, b.name, b.wasm))
        .collect::<Result<Vec<_>, _>>()?;
    let indexer = Arc::new(IndexerService::new(Scanners::new(plugins)?, store).await?);
    let services = Services {
        indexer: Some(indexer),
        affected: None,
        matcher: Some(Arc::new(MatcherApi {
            service,
            cache_age: Duration::from_secs(300),
        })),
        notifier: None,
        admin: None,
        psk: None,
        index_concurrency: None,
        metrics: Metrics::new(),
    };
    Ok(loopback::serve_api(&services).await?)
}

/// One report, checked: 200, no matcher failed, and something found.
async fn check_report(client: &reqwest::Client, url: &str) -> anyhow::Result<usize> {
    let resp = client.get(url).send().await?;
    anyhow::ensure!(resp.status() == 200, "report: {}", resp.status());
    let report: serde_json::Value = resp.json().await?;
    let failed = &report["scry_matchers"]["failed"];
    anyhow::ensure!(
        failed == &serde_json::json!({}),
        "matchers failed: {failed}"
    );
    let vulnerabilities = report["vulnerabilities"].as_object().map_or(0, |v| v.len());
    assert!(vulnerabilities > 0, "the report lists no vulnerabilities");
    Ok(vulnerabilities)
}

fn markdown(args: &Args, rows: &[Row], load_before: Option<f64>) -> anyhow::Result<String> {
    let mut out = results::header("matcher-report", load_before);
    if let Some(row) = rows.first() {
        writeln!(
            out,
            "- In one process: combo mode's routes on loopback (indexer + matcher, every first-party scanner and matcher, CVSS enrichment on). Image: the debootstrap bookworm layer + a layer of 24 Python distributions = {} packages. Feed: generated Debian tracker JSON, {:.1} MB, {} source packages, {} CVE entries, {} records (bullseye, bookworm, trixie; `sid` entries skipped by the updater as in the real feed), imported by `run_updater` from a loopback URL. Load: open loop, {} req/s for {} s, one task per request, latency from the scheduled send time; client and server share the 2 CPUs.\n",
            row.packages,
            row.feed.bytes as f64 / 1e6,
            row.feed.packages,
            row.feed.cves,
            row.feed.records,
            args.rate,
            args.seconds,
        )?;
    }
    writeln!(
        out,
        "| Store | Import records/s | Report vulns | Rate | Sent | Errors | Achieved req/s | p50 | p90 | p99 | max |\n|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
    )?;
    for row in rows {
        for (rate, l) in &row.loads {
            writeln!(
                out,
                "| {} | {:.0} ({} in {:.1} s) | {} | {rate:.0}/s | {} | {} | {:.1} | **{:.2} ms** | {:.2} ms | **{:.2} ms** | {:.2} ms |",
                row.backend,
                row.import.records as f64 / row.import.total.as_secs_f64(),
                row.import.records,
                row.import.total.as_secs_f64(),
                row.vulnerabilities,
                l.sent,
                l.errors,
                l.achieved_rate,
                l.percentile(50.0),
                l.percentile(90.0),
                l.percentile(99.0),
                l.latencies.last().copied().unwrap_or(f64::NAN),
            )?;
        }
    }
    writeln!(out)?;
    for row in rows {
        let Some((_, target)) = row.loads.first() else {
            continue;
        };
        let (p50, p99) = (target.percentile(50.0), target.percentile(99.0));
        let met = |ok: bool| if ok { "met" } else { "not met" };
        writeln!(
            out,
            "Target at {:.0} req/s on {}: p50 < {TARGET_P50_MS} ms **{}** ({p50:.2} ms), p99 < {TARGET_P99_MS} ms **{}** ({p99:.2} ms).",
            args.rate,
            row.backend,
            met(p50 < TARGET_P50_MS),
            met(p99 < TARGET_P99_MS),
        )?;
        for (rate, l) in &row.loads {
            for (kind, count) in &l.error_kinds {
                writeln!(out, "- {} at {rate:.0}/s: {count} × {kind}", row.backend)?;
            }
        }
    }
    writeln!(
        out,
        "\nThe second rate of each store is half what one sequential client gets (1 / the sequential GET time below): a load the server can carry."
    )?;
    writeln!(
        out,
        "\n### Where a report's time goes (sequential, no load; medians of {} runs)\n",
        args.reps
    )?;
    let header: Vec<&str> = rows.iter().map(|row| row.backend).collect();
    writeln!(
        out,
        "| Step | {} |\n|---|{}",
        header.join(" | "),
        "--:|".repeat(rows.len())
    )?;
    if let Some(first) = rows.first() {
        for (i, (label, _)) in first.phases.steps.iter().enumerate() {
            let cells: Vec<String> = rows
                .iter()
                .map(|row| format!("{:.2} ms", row.phases.steps[i].1))
                .collect();
            writeln!(out, "| {label} | {} |", cells.join(" | "))?;
        }
        for (i, (name, _)) in first.phases.per_matcher.iter().enumerate() {
            let cells: Vec<String> = rows
                .iter()
                .map(|row| format!("{:.2} ms", row.phases.per_matcher[i].1))
                .collect();
            writeln!(out, "| — matcher `{name}` alone | {} |", cells.join(" | "))?;
        }
        writeln!(
            out,
            "\nThe store lookup returns {} candidate rows per report (every release of the image's source packages); the steps after the first two re-run `report_for`'s parts one by one.",
            first.phases.candidates
        )?;
    }
    Ok(out)
}
