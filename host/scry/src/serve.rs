//! `scry serve`: Clair's services from one binary. Today the indexer; `combo` runs
//! every service that exists.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use scry_config::{Config, Database, Invocation, Mode};
use scry_indexer::{IndexerService, Scanners};
use scry_runtime::{Runtime, RuntimeConfig};
use scry_server::{Metrics, Readiness, Services};
use scry_store::Store;

pub async fn serve(
    config_path: Option<PathBuf>,
    mode: Option<String>,
    plugin_dir: Option<PathBuf>,
) -> anyhow::Result<()> {
    let mode: Option<Mode> = mode
        .map(|m| m.parse())
        .transpose()
        .map_err(|err: scry_config::ParseModeError| anyhow::anyhow!("{err}"))?;
    let invocation = Invocation::resolve(config_path.as_deref(), mode)?;
    let mode = invocation.mode;
    let (config, lints) = invocation.load()?;
    for lint in lints {
        tracing::warn!("config: {lint}");
    }
    let metrics = Metrics::new();
    let ready = Readiness::default();

    let indexer = match mode {
        Mode::Combo | Mode::Indexer => Some(start_indexer(&config, plugin_dir, &metrics).await?),
        Mode::Matcher | Mode::Notifier => {
            bail!(
                "mode {mode} is not available yet: this build serves the indexer (modes indexer and combo)"
            )
        }
    };
    let psk = config.psk()?;
    let services = Services {
        indexer,
        psk,
        index_concurrency: config.indexer.effective_index_report_request_concurrency(),
        metrics: metrics.clone(),
    };
    let api = tokio::net::TcpListener::bind(config.http_listen_addr.bind_address())
        .await
        .with_context(|| format!("listening on http_listen_addr {}", config.http_listen_addr))?;
    let introspection = tokio::net::TcpListener::bind(config.introspection_addr.bind_address())
        .await
        .with_context(|| {
            format!(
                "listening on introspection_addr {}",
                config.introspection_addr
            )
        })?;
    tracing::info!(mode = %mode, api = %api.local_addr()?, introspection = %introspection.local_addr()?, "serving");
    ready.set(true);
    scry_server::serve(api, introspection, services, ready, shutdown_signal()).await?;
    Ok(())
}

async fn start_indexer(
    config: &Config,
    plugin_dir: Option<PathBuf>,
    metrics: &Arc<Metrics>,
) -> anyhow::Result<Arc<IndexerService>> {
    let runtime_config = RuntimeConfig {
        cache_dir: config
            .scry
            .resolved_cache_dir()
            .map(|dir| dir.join("components")),
        ..RuntimeConfig::default()
    };
    let runtime = Runtime::new(runtime_config)?;
    let plugin_dir = plugin_dir.or_else(|| config.scry.plugin_dir.clone());
    let plugins = crate::plugins::load(&runtime, plugin_dir.as_deref())?;
    let mut scanners = Scanners::new(plugins)?;
    Arc::get_mut(&mut scanners)
        .expect("not shared yet")
        .layer_concurrency = config.indexer.effective_layer_scan_concurrency();
    metrics.register(|registry| scanners.metrics.register(registry));

    // The embedded SQLite database is Scry's own: always brought up to date. PostgreSQL
    // migrations run when `indexer.migrations` says so, as in Clair.
    let (connstring, migrate) = match config.indexer_database()? {
        Database::Sqlite(path) => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("creating {}", dir.display()))?;
            }
            (format!("sqlite://{}", path.display()), true)
        }
        Database::Postgres(pg) => (
            pg.to_url()
                .map_err(|err| anyhow::anyhow!("indexer.connstring: {err}"))?,
            config.indexer.migrations,
        ),
    };
    let store = Store::connect(&connstring, migrate)
        .await
        .with_context(|| "opening the indexer database (indexer.connstring)")?;
    let sampled = store.clone();
    metrics.sample(move || {
        let (size, idle) = sampled.pool_stats();
        vec![
            ("indexer_db_pool_size", size as i64),
            ("indexer_db_pool_idle", idle as i64),
        ]
    });
    Ok(Arc::new(IndexerService::new(scanners, store).await?))
}

/// SIGINT or SIGTERM: stop accepting, let in-flight requests finish.
async fn shutdown_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    tracing::info!("shutting down");
}
