//! `scry serve`: Clair's services from one binary: indexer, matcher, notifier, or all
//! three (`combo`).

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use scry_config::{Config, Invocation, Mode};
use scry_indexer::{IndexerService, Scanners};
use scry_matcher::{LiveMatchers, Matchers};
use scry_registry::{DEFAULT_MAX_COMPONENT, Registries, Registry, ScannerWorld};
use scry_runtime::{Runtime, RuntimeConfig};
use scry_server::{AdminApi, AffectedApi, Metrics, Readiness, Services};

use crate::plugins::PluginSets;
use crate::{serve_matcher, serve_notifier};
use scry_store::IndexStore;

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
    crate::logging::apply_config_level(config.log_level);
    for lint in lints {
        tracing::warn!("config: {lint}");
    }
    let metrics = Metrics::new();
    let ready = Readiness::default();

    let runtime = Runtime::new(RuntimeConfig {
        cache_dir: config
            .scry
            .resolved_cache_dir()
            .map(|dir| dir.join("components")),
        ..RuntimeConfig::default()
    })?;
    let plugin_dir = plugin_dir.or_else(|| config.scry.plugin_dir.clone());
    let plugins = match mode {
        Mode::Notifier => PluginSets::default(),
        _ => crate::plugins::load(&runtime, plugin_dir.as_deref())?,
    };
    let (indexer, affected, scanners) = match mode {
        Mode::Combo | Mode::Indexer => {
            let (indexer, registry) = start_indexer(&config, &runtime, &plugins, &metrics).await?;
            let affected = Arc::new(AffectedApi {
                store: indexer.store().clone(),
                matchers: LiveMatchers::new(Matchers::new(plugins.matcher_plugins())),
            });
            (Some(indexer), Some(affected), Some(registry))
        }
        Mode::Matcher | Mode::Notifier => (None, None, None),
    };
    let (matcher, matchers) = match mode {
        Mode::Combo | Mode::Matcher => {
            let (api, registry) = serve_matcher::start_matcher(
                &config,
                mode,
                &runtime,
                &plugins,
                indexer.as_ref().map(|i| i.store().clone()),
                affected.as_ref().map(|a| a.matchers.clone()),
                &metrics,
            )
            .await?;
            (Some(api), Some(registry))
        }
        _ => (None, None),
    };
    let registries = Registries {
        runtime: runtime.clone(),
        scanners,
        matchers,
        max_component: DEFAULT_MAX_COMPONENT,
    };
    if let Some(dir) = plugin_dir
        && mode != Mode::Notifier
    {
        tokio::spawn(crate::plugin_watch::watch(dir, registries.clone()));
    }
    let admin = (registries.scanners.is_some() || registries.matchers.is_some())
        .then(|| Arc::new(AdminApi { registries }));
    let local = match (&affected, &matcher) {
        (Some(affected), Some(matcher)) => Some(serve_notifier::Local {
            indexer: affected.store.clone(),
            matchers: affected.matchers.clone(),
            vulns: matcher.service.store().clone(),
        }),
        _ => None,
    };
    let notifier = match mode {
        Mode::Combo | Mode::Notifier => {
            serve_notifier::start_notifier(&config, mode, local, &metrics).await?
        }
        _ => None,
    };
    let psk = config.psk()?;
    let services = Services {
        indexer,
        affected,
        matcher,
        notifier,
        admin,
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
    runtime: &Runtime,
    plugins: &PluginSets,
    metrics: &Arc<Metrics>,
) -> anyhow::Result<(Arc<IndexerService>, Arc<Registry<ScannerWorld>>)> {
    let mut scanners = Scanners::new(plugins.scanner_plugins())?;
    Arc::get_mut(&mut scanners)
        .expect("not shared yet")
        .layer_concurrency = config.indexer.effective_layer_scan_concurrency();
    metrics.register(|registry| scanners.metrics.register(registry));

    let (connstring, migrate) = serve_matcher::connstring(
        config.indexer_database()?,
        "indexer.connstring",
        config.indexer.migrations,
    )?;
    let store = IndexStore::connect(&connstring, migrate)
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
    let indexer = Arc::new(IndexerService::new(scanners, store.clone()).await?);
    let registry = Arc::new(Registry::new(
        runtime.clone(),
        indexer.clone(),
        store.plugin_set(),
        PluginSets::sources(&plugins.scanners),
        DEFAULT_MAX_COMPONENT,
    ));
    crate::plugin_watch::follow_database(&registry).await;
    Ok((indexer, registry))
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
