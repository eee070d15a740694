//! The indexer API over real HTTP on loopback, in one process: index throughput of N
//! distinct manifests that share a real Debian base layer (each adds one small layer of
//! its own), then the latency of re-POSTing an already-indexed manifest, which must be
//! answered from the store. On SQLite and PostgreSQL.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use scry_benches::{machine::Machine, results, stats};
use scry_indexer::{IndexerService, Scanners};
use scry_runtime::{Runtime, RuntimeConfig, ScannerPlugin};
use scry_server::{Metrics, Services};
use sha2::{Digest as _, Sha256};

#[derive(Parser)]
struct Args {
    /// Distinct manifests to index.
    #[arg(long, default_value_t = 50)]
    manifests: usize,
    /// Re-POSTs of an indexed manifest to time.
    #[arg(long, default_value_t = 500)]
    repeats: usize,
    /// Record the figures in benches/RESULTS.md.
    #[arg(long)]
    write_results: bool,
}

type Blobs = Arc<HashMap<String, Vec<u8>>>;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let fixtures =
        std::env::var("SCRY_FIXTURES").unwrap_or_else(|_| "/var/tmp/scry-fixtures".into());
    let base = std::fs::read(format!("{fixtures}/bookworm/layer.tar.gz"))?;
    let base_digest = format!("sha256:{}", hex::encode(Sha256::digest(&base)));
    let mut blobs = HashMap::from([(base_digest.clone(), base)]);
    let mut manifests = Vec::new();
    for n in 0..args.manifests {
        let (digest, bytes) = app_layer(n)?;
        blobs.insert(digest.clone(), bytes);
        let hash = format!(
            "sha256:{}",
            hex::encode(Sha256::digest(format!("manifest-{n}")))
        );
        manifests.push((hash, vec![base_digest.clone(), digest]));
    }
    let layer_addr = serve_blobs(Arc::new(blobs)).await?;

    let mut rows = Vec::new();
    for backend in ["sqlite", "postgres"] {
        let db = match backend {
            "sqlite" => scry_store::testing::TestDb::sqlite(),
            _ => scry_store::testing::TestDb::postgres().await,
        };
        let api = start_api(db.store().await).await?;
        let client = reqwest::Client::new();
        let body = |(hash, layers): &(String, Vec<String>)| {
            serde_json::json!({"hash": hash, "layers": layers.iter().map(|d| serde_json::json!({
                "hash": d, "uri": format!("http://{layer_addr}/{d}"), "headers": {}
            })).collect::<Vec<_>>()})
        };
        let started = Instant::now();
        for manifest in &manifests {
            let resp = client
                .post(format!("{api}/indexer/api/v1/index_report"))
                .json(&body(manifest))
                .send()
                .await?;
            anyhow::ensure!(resp.status() == 201, "index failed: {}", resp.text().await?);
        }
        let index_secs = started.elapsed().as_secs_f64();
        let mut latencies = Vec::with_capacity(args.repeats);
        for i in 0..args.repeats {
            let manifest = &manifests[i % manifests.len()];
            let started = Instant::now();
            let resp = client
                .post(format!("{api}/indexer/api/v1/index_report"))
                .json(&body(manifest))
                .send()
                .await?;
            anyhow::ensure!(resp.status() == 201);
            resp.bytes().await?;
            latencies.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        latencies.sort_by(f64::total_cmp);
        let p99 = latencies[(latencies.len() * 99 / 100).min(latencies.len() - 1)];
        rows.push(format!(
            "| {backend} | {} | {:.1} s | {:.1} | {:.2} ms | {:.2} ms |",
            manifests.len(),
            index_secs,
            manifests.len() as f64 / index_secs,
            stats::median(&latencies),
            p99
        ));
    }
    let machine = Machine::detect();
    let command = results::shell_line(std::env::args());
    let mut body = String::new();
    writeln!(body, "## indexer-api @ {}\n", machine.key())?;
    writeln!(
        body,
        "- Date: {}\n- Commit: `{}`\n- Machine: {}\n- Command: `{command}`",
        results::utc_now(),
        results::git_commit().unwrap_or_default(),
        machine.describe()
    )?;
    writeln!(
        body,
        "- In one process: `scry serve`'s router on loopback, layers from a loopback HTTP server; first-party plugins. Each manifest = the debootstrap bookworm layer (shared) + one small layer of its own.\n"
    )?;
    writeln!(
        body,
        "| Store | Manifests | Index all | Manifests/s | Re-POST p50 | Re-POST p99 |\n|---|--:|--:|--:|--:|--:|"
    )?;
    for row in &rows {
        writeln!(body, "{row}")?;
    }
    writeln!(body, "\nTarget: re-POST of an indexed manifest p50 < 5 ms.")?;
    println!("{body}");
    if args.write_results {
        results::record(
            &results::results_file(),
            &format!("indexer-api @ {}", machine.key()),
            &body,
        )?;
    }
    Ok(())
}

/// A small real gzip layer holding one file unique to manifest `n`.
fn app_layer(n: usize) -> anyhow::Result<(String, Vec<u8>)> {
    let mut tar = tar::Builder::new(Vec::new());
    let content = format!("application build {n}\n");
    let mut header = tar::Header::new_gnu();
    header.set_size(content.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    tar.append_data(
        &mut header,
        format!("srv/app-{n}/VERSION"),
        content.as_bytes(),
    )?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&tar.into_inner()?)?;
    let bytes = gz.finish()?;
    Ok((
        format!("sha256:{}", hex::encode(Sha256::digest(&bytes))),
        bytes,
    ))
}

async fn serve_blobs(blobs: Blobs) -> anyhow::Result<std::net::SocketAddr> {
    use axum::extract::{Path, State};
    let app = axum::Router::new()
        .route(
            "/{digest}",
            axum::routing::get(
                |State(blobs): State<Blobs>, Path(digest): Path<String>| async move {
                    blobs
                        .get(&digest)
                        .cloned()
                        .ok_or(axum::http::StatusCode::NOT_FOUND)
                },
            ),
        )
        .with_state(blobs);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(addr)
}

async fn start_api(store: scry_store::IndexStore) -> anyhow::Result<String> {
    let runtime = Runtime::new(RuntimeConfig::default())?;
    let plugins = scry_bundled::FIRST_PARTY
        .iter()
        .map(|b| ScannerPlugin::load(&runtime, b.name, b.wasm))
        .collect::<Result<Vec<_>, _>>()?;
    let indexer = Arc::new(IndexerService::new(Scanners::new(plugins)?, store).await?);
    let services = Services {
        indexer: Some(indexer),
        affected: None,
        matcher: None,
        notifier: None,
        admin: None,
        psk: None,
        index_concurrency: None,
        metrics: Metrics::new(),
    };
    let api = scry_benches::loopback::serve_api(&services).await?;
    tokio::time::sleep(Duration::from_millis(50)).await;
    Ok(api)
}
