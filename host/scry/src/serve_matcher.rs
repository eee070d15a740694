//! The matcher half of `scry serve`: the vulnerability store, matcher plugins, the
//! updater schedule, and where index reports come from.

use std::sync::Arc;

use anyhow::{Context, bail};
use scry_config::{Config, Database, Mode};
use scry_matcher::updates::{StatusBoard, schedule};
use scry_matcher::{IndexReports, MatcherService, Matchers};
use scry_runtime::Runtime;
use scry_runtime::matcher::MatcherPlugin;
use scry_server::{MatcherApi, Metrics, RemoteIndexer};
use scry_store::{Store, VulnStore};
use scry_updaters::FetchContext;

/// Every first-party matcher, as the indexer's affected-manifest lookup uses them
/// (Clair uses all registered matchers there, whatever `matchers.names` says).
pub fn all_matchers(runtime: &Runtime) -> anyhow::Result<Matchers> {
    let mut plugins = Vec::new();
    for bundled in scry_plugins::FIRST_PARTY_MATCHERS {
        plugins.push(Arc::new(MatcherPlugin::load(
            runtime,
            bundled.name,
            bundled.wasm,
        )?));
    }
    Ok(Matchers::new(plugins))
}

/// The matchers `matchers.names` enables (all when unset); an unknown name is an error.
pub fn enabled_matchers(runtime: &Runtime, config: &Config) -> anyhow::Result<Matchers> {
    let all = all_matchers(runtime)?;
    let Some(names) = &config.matchers.names else {
        return Ok(all);
    };
    let mut enabled = Vec::new();
    for name in names {
        let plugin = all
            .plugins()
            .iter()
            .find(|plugin| plugin.name() == name)
            .with_context(|| {
                let known: Vec<&str> = all.plugins().iter().map(|p| p.name()).collect();
                format!(
                    "matchers.names: unknown matcher {name:?} (known: {})",
                    known.join(", ")
                )
            })?;
        enabled.push(plugin.clone());
    }
    Ok(Matchers::new(enabled))
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

pub async fn start_matcher(
    config: &Config,
    mode: Mode,
    runtime: &Runtime,
    indexer_store: Option<Store>,
    metrics: &Arc<Metrics>,
) -> anyhow::Result<Arc<MatcherApi>> {
    let store = open_vuln_store(config).await?;
    let matchers = enabled_matchers(runtime, config)?;
    let index: Arc<dyn IndexReports> = match (mode, indexer_store) {
        (Mode::Combo, Some(store)) => Arc::new(store),
        _ => {
            let Some(addr) = &config.matcher.indexer_addr else {
                bail!("matcher.indexer_addr is required in {mode} mode");
            };
            Arc::new(RemoteIndexer::new(addr, config.psk()?))
        }
    };
    let service = Arc::new(MatcherService::new(
        store.clone(),
        matchers,
        index,
        !config.matcher.disable_enrichment,
    ));
    let board = Arc::new(StatusBoard::default());
    metrics.register(|registry| board.register(registry));
    let sets = updater_sets(config)?;
    let retention = config.matcher.effective_update_retention().unwrap_or(0);
    let ctx = FetchContext::new(config.updaters.config.clone());
    tokio::spawn(schedule(
        store,
        ctx,
        board,
        sets,
        config.matcher.effective_period(),
        retention,
    ));
    Ok(Arc::new(MatcherApi {
        service,
        cache_age: config.matcher.effective_cache_age(),
    }))
}
