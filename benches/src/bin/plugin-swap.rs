//! Hot-swap: two indexers on one PostgreSQL (each with its own store connection,
//! live plugin set and follower, as two `scry serve --mode indexer` processes have), in one
//! process. Uploads a plugin to the first (`--plugin`, e.g. the SDK template built
//! with `cargo build --release --target wasm32-wasip2 --manifest-path
//! sdk/templates/scanner/Cargo.toml`) and removes it again, `--reps` times: time until the first
//! serves the new index_state (the upload's answer) and until the second does
//! (woken by NOTIFY, polling every second besides). Then request latency on the first indexer's API
//! (`GET index_state`, open loop) before a swap and across one.

#[path = "matcher-report/load.rs"]
mod load;

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use scry_benches::stats::{median, range};
use scry_benches::{machine, results};
use scry_indexer::{IndexerService, Scanners};
use scry_plugin_sets::{DEFAULT_MAX_COMPONENT, LivePluginSet, Loaded, ScannerWorld, content_hash};
use scry_runtime::{Runtime, RuntimeConfig, ScannerPlugin};
use scry_server::{Metrics, Services};
use scry_store::testing::TestDb;

#[derive(Parser)]
struct Args {
    /// The plugin to upload (a scanner component).
    #[arg(long)]
    plugin: PathBuf,
    #[arg(long, default_value_t = 5)]
    reps: usize,
    #[arg(long, default_value_t = 100.0)]
    rate: f64,
    #[arg(long)]
    write_results: bool,
}

const FOLLOW: Duration = Duration::from_secs(1);

async fn indexer(
    runtime: &Runtime,
    db: &TestDb,
) -> anyhow::Result<(Arc<IndexerService>, Arc<LivePluginSet<ScannerWorld>>)> {
    let plugins = scry_bundled::FIRST_PARTY
        .iter()
        .map(|b| ScannerPlugin::load(runtime, b.name, b.wasm))
        .collect::<Result<Vec<_>, _>>()?;
    let sources: Vec<Loaded<ScannerPlugin>> = plugins
        .iter()
        .zip(scry_bundled::FIRST_PARTY)
        .map(|(plugin, b)| Loaded {
            plugin: plugin.clone(),
            origin: "embedded",
            wasm: Arc::from(b.wasm),
        })
        .collect();
    let store = db.store().await;
    let service = Arc::new(IndexerService::new(Scanners::new(plugins)?, store.clone()).await?);
    let live = Arc::new(LivePluginSet::new(
        runtime.clone(),
        service.clone(),
        store.plugin_set(),
        &sources,
        DEFAULT_MAX_COMPONENT,
    ));
    tokio::spawn(live.clone().follow(FOLLOW));
    Ok((service, live))
}

/// Waits until `service` serves `state`; how long that took.
async fn live(service: &IndexerService, state: &str, since: Instant) -> anyhow::Result<f64> {
    while service.index_state() != state {
        anyhow::ensure!(
            since.elapsed() < Duration::from_secs(30),
            "not followed in 30 s"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(since.elapsed().as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    results::release_only(args.write_results)?;
    let load_before = machine::load_average();
    let wasm = std::fs::read(&args.plugin)?;
    let hash = content_hash(&wasm);
    let runtime = Runtime::new(RuntimeConfig::default())?;
    let db = TestDb::postgres().await;
    let (first, first_set) = indexer(&runtime, &db).await?;
    let (second, _second_set) = indexer(&runtime, &db).await?;
    let base = first.index_state();

    let (mut on_first, mut on_second) = (Vec::new(), Vec::new());
    let mut name = String::new();
    for rep in 0..args.reps {
        for adding in [true, false] {
            let started = Instant::now();
            let change = if adding {
                first_set.add(wasm.clone(), &hash, "api").await?
            } else {
                first_set.remove(&name, "api").await?
            };
            name = change.plugin.name.clone();
            let state = change.swapped.state.clone();
            on_first.push(live(&first, &state, started).await?);
            on_second.push(live(&second, &state, started).await?);
            eprintln!(
                "rep {rep} {}: {:.0} ms / {:.0} ms",
                if adding { "add" } else { "remove" },
                on_first.last().unwrap(),
                on_second.last().unwrap()
            );
        }
    }
    anyhow::ensure!(first.index_state() == base);

    // Latency on the first indexer's API, before and across a swap.
    let services = Services {
        indexer: Some(first.clone()),
        affected: None,
        matcher: None,
        notifier: None,
        admin: None,
        psk: None,
        index_concurrency: None,
        metrics: Metrics::new(),
    };
    let url = format!(
        "{}/indexer/api/v1/index_state",
        scry_benches::loopback::serve_api(&services).await?
    );
    let client = reqwest::Client::new();
    let before = load::open_loop(&client, &url, args.rate, 5.0).await;
    let swapping = {
        let set = first_set.clone();
        let wasm = wasm.clone();
        let hash = hash.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(1500)).await;
            set.add(wasm, &hash, "api").await
        })
    };
    let during = load::open_loop(&client, &url, args.rate, 5.0).await;
    swapping.await??;

    let body = markdown(&args, &on_first, &on_second, &before, &during, load_before)?;
    println!("{body}");
    if args.write_results {
        let key = format!("plugin-swap @ {}", machine::Machine::detect().key());
        results::record(&results::results_file(), &key, &body)?;
    }
    Ok(())
}

fn markdown(
    args: &Args,
    first: &[f64],
    second: &[f64],
    before: &load::Load,
    during: &load::Load,
    load_before: Option<f64>,
) -> anyhow::Result<String> {
    let mut out = results::header("plugin-swap", load_before);
    writeln!(
        out,
        "- Two indexers (own store pools, plugin sets and followers that hear PostgreSQL's NOTIFY and poll every {} s besides) on one PostgreSQL database, in one process; the plugin is added to and removed from the first through its live plugin set (the admin API's path), {} times each. Latency: open loop, {} req/s of `GET /indexer/api/v1/index_state` on the first indexer's routes for 5 s, then 5 s during which a swap lands (at 1.5 s).\n",
        FOLLOW.as_secs(),
        args.reps,
        args.rate
    )?;
    writeln!(out, "| Upload (or removal) → live | median | range |")?;
    writeln!(out, "|---|--:|--:|")?;
    for (label, samples) in [
        ("on the indexer that took it", first),
        ("on the second indexer", second),
    ] {
        let (low, high) = range(samples);
        writeln!(
            out,
            "| {label} | **{:.0} ms** | {low:.0}–{high:.0} ms |",
            median(samples)
        )?;
    }
    writeln!(
        out,
        "\n| Requests | sent | achieved req/s | errors | p50 | p99 | max |"
    )?;
    writeln!(out, "|---|--:|--:|--:|--:|--:|--:|")?;
    for (label, l) in [("before a swap", before), ("across a swap", during)] {
        writeln!(
            out,
            "| {label} | {} | {:.1} | {} {:?} | {:.2} ms | {:.2} ms | {:.2} ms |",
            l.sent,
            l.achieved_rate,
            l.errors,
            l.error_kinds,
            l.percentile(50.0),
            l.percentile(99.0),
            l.percentile(100.0)
        )?;
    }
    Ok(out)
}
