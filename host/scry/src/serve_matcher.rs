//! The matcher half of `scry serve`: the vulnerability store, matcher plugins, the
//! updater schedule, and where index reports come from.

use std::collections::BTreeSet;
use std::sync::Arc;

use anyhow::{Context, bail};
use scry_config::{Config, Database};
use scry_matcher::updates::{StatusBoard, schedule};
use scry_matcher::{AffectedLookup, IndexReports, MatcherService, Matchers, RemoteIndexer};
use scry_plugin_sets::{
    DEFAULT_MAX_COMPONENT, InitialPlugins, LivePluginSet, MatcherTarget, MatcherWorld,
    follow_database,
};
use scry_runtime::{MatcherPlugin, Runtime};
use scry_server::{MatcherApi, Metrics};
use scry_store::{IndexStore, VulnStore};
use scry_updaters::FetchContext;

use crate::serve_wiring::Background;

/// The built-in matchers `matchers.names` enables (`None`: all); an unknown name is
/// an error. Plugins added from the plugin directory or the admin API always run.
pub fn enabled_names(
    config: &Config,
    all: &[Arc<MatcherPlugin>],
) -> anyhow::Result<Option<BTreeSet<String>>> {
    let Some(names) = &config.matchers.names else {
        return Ok(None);
    };
    for name in names {
        if !all.iter().any(|plugin| plugin.name() == name) {
            let known: Vec<&str> = all.iter().map(|p| p.name()).collect();
            bail!(
                "matchers.names: unknown matcher {name:?} (known: {})",
                known.join(", ")
            );
        }
    }
    Ok(Some(names.iter().cloned().collect()))
}

/// Opens a service's database: the embedded SQLite file is always migrated;
/// PostgreSQL when `migrations` says so, as in Clair.
pub fn connstring(
    database: Database,
    key: &str,
    migrations: bool,
) -> anyhow::Result<(String, bool)> {
    Ok(match database {
        Database::Sqlite(path) => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("creating {}", dir.display()))?;
            }
            (format!("sqlite://{}", path.display()), true)
        }
        Database::Postgres(pg) => (
            pg.to_url().map_err(|err| anyhow::anyhow!("{key}: {err}"))?,
            migrations,
        ),
    })
}

pub async fn open_vuln_store(config: &Config) -> anyhow::Result<VulnStore> {
    let (conn, migrate) = connstring(
        config.matcher_database()?,
        "matcher.connstring",
        config.matcher.migrations,
    )?;
    VulnStore::connect(&conn, migrate)
        .await
        .context("opening the matcher database (matcher.connstring)")
}

/// The updater sets to run, from `updaters.sets` and `matcher.disable_updaters`.
pub fn updater_sets(config: &Config) -> anyhow::Result<Vec<Arc<dyn scry_updaters::UpdaterSet>>> {
    scry_updaters::registry::sets(config.effective_updater_sets())
        .map_err(|err| anyhow::anyhow!("updaters.sets: {err}"))
}

/// The matcher service and the live set that swaps its plugins; its updater schedule
/// goes to `background`. `local_indexer`: in combo mode, the indexer's store (index
/// reports are read from it) and its affected-manifest lookup (swapped along).
pub async fn start_matcher(
    config: &Config,
    runtime: &Runtime,
    plugins: &InitialPlugins,
    local_indexer: Option<(IndexStore, Arc<AffectedLookup>)>,
    metrics: &Arc<Metrics>,
    background: &mut Background,
) -> anyhow::Result<(Arc<MatcherApi>, Arc<LivePluginSet<MatcherWorld>>)> {
    let store = open_vuln_store(config).await?;
    let all = plugins.matcher_plugins();
    let enabled = enabled_names(config, &all)?;
    let enabled_plugins = plugins
        .matchers
        .iter()
        .filter(|l| scry_plugin_sets::runs(enabled.as_ref(), l.origin, l.plugin.name()))
        .map(|l| l.plugin.clone())
        .collect();
    let (index, affected): (Arc<dyn IndexReports>, _) = match local_indexer {
        Some((store, affected)) => (Arc::new(store) as Arc<dyn IndexReports>, Some(affected)),
        None => {
            let addr = config
                .matcher
                .indexer_addr
                .as_ref()
                .context("matcher.indexer_addr is required when the indexer runs elsewhere")?;
            let remote = RemoteIndexer::new(addr, config.psk()?);
            (Arc::new(remote) as Arc<dyn IndexReports>, None)
        }
    };
    let service = Arc::new(MatcherService::new(
        store.clone(),
        Matchers::new(enabled_plugins),
        index,
        !config.matcher.disable_enrichment,
    ));
    let mut target = MatcherTarget::new(&all).view(service.live_matchers().clone(), enabled);
    if let Some(affected) = affected {
        target = target.view(affected.live_matchers().clone(), None);
    }
    let live = Arc::new(LivePluginSet::new(
        runtime.clone(),
        Arc::new(target),
        store.plugin_set(),
        &plugins.matchers,
        DEFAULT_MAX_COMPONENT,
    ));
    background.add(follow_database(&live).await);
    let board = Arc::new(StatusBoard::default());
    metrics.register(|registry| board.register(registry));
    let sets = updater_sets(config)?;
    let retention = config.matcher.effective_update_retention().unwrap_or(0);
    let ctx = FetchContext::new(config.updaters.config.clone());
    background.add(schedule(
        store,
        ctx,
        board,
        sets,
        config.matcher.effective_period(),
        retention,
    ));
    let api = Arc::new(MatcherApi {
        service,
        cache_age: config.matcher.effective_cache_age(),
    });
    Ok((api, live))
}
