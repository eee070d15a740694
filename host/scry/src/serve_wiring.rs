//! The one place `scry serve` decides what runs: [`Wiring::build`] reads the config and
//! the mode once and starts each service the mode runs; the API router, the admin API
//! and the background tasks all take their parts from the result.

use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;

use anyhow::Context;
use scry_config::ScannerBlockKind;
use scry_config::{Config, Mode};
use scry_indexer::{IndexerService, Scanners};
use scry_matcher::{AffectedLookup, Matchers};
use scry_notifier::NotifierService;
use scry_plugin_sets::{
    DEFAULT_MAX_COMPONENT, InitialPlugins, LivePluginSet, LivePluginSets, ScannerWorld,
    follow_database, follow_directory,
};
use scry_runtime::{Block, PluginBlocks, Runtime, RuntimeConfig, ScannerKind};
use scry_server::{AdminApi, MatcherApi, Metrics};
use scry_store::IndexStore;

use crate::serve_matcher::{self, connstring};
use crate::serve_notifier::{self, Local};

/// Tasks that run beside the listeners until the process stops.
#[derive(Default)]
pub struct Background(Vec<Pin<Box<dyn Future<Output = ()> + Send>>>);

impl Background {
    pub fn add(&mut self, task: impl Future<Output = ()> + Send + 'static) {
        self.0.push(Box::pin(task));
    }

    pub fn spawn(self) {
        for task in self.0 {
            tokio::spawn(task);
        }
    }
}

/// The indexer's part: the service, the affected-manifest lookup over its store.
struct Indexer {
    service: Arc<IndexerService>,
    affected: Arc<AffectedLookup>,
}

/// The services one process runs, each present when the mode runs it.
pub struct Wiring {
    indexer: Option<Indexer>,
    matcher: Option<Arc<MatcherApi>>,
    notifier: Option<Arc<NotifierService>>,
    /// The live scanner and matcher sets (of the services above).
    plugin_sets: LivePluginSets,
    pub metrics: Arc<Metrics>,
    pub background: Background,
}

impl Wiring {
    /// Opens the databases and starts what `mode` runs; nothing is served yet, and the
    /// background tasks are only collected.
    pub async fn build(
        config: &Config,
        mode: Mode,
        plugin_dir: Option<PathBuf>,
    ) -> anyhow::Result<Wiring> {
        let metrics = Metrics::new();
        let mut background = Background::default();
        let runtime = Runtime::new(RuntimeConfig {
            cache_dir: config
                .scry
                .resolved_cache_dir()
                .map(|dir| dir.join("components")),
            plugin_blocks: plugin_blocks(config),
            ..RuntimeConfig::default()
        })?;
        let plugin_dir = plugin_dir.or_else(|| config.scry.plugin_dir.clone());
        let runs_plugins = mode.runs_indexer() || mode.runs_matcher();
        let plugins = if runs_plugins {
            InitialPlugins::load(&runtime, plugin_dir.as_deref())?
        } else {
            InitialPlugins::default()
        };
        let mut plugin_sets = LivePluginSets {
            runtime: runtime.clone(),
            scanners: None,
            matchers: None,
            max_component: DEFAULT_MAX_COMPONENT,
        };

        let mut indexer = None;
        if mode.runs_indexer() {
            let (service, scanners) =
                start_indexer(config, &runtime, &plugins, &metrics, &mut background).await?;
            let affected = Arc::new(AffectedLookup::new(
                service.store().clone(),
                Matchers::new(plugins.matcher_plugins()),
            ));
            plugin_sets.scanners = Some(scanners);
            indexer = Some(Indexer { service, affected });
        }
        let mut matcher = None;
        if mode.runs_matcher() {
            let (api, matchers) = serve_matcher::start_matcher(
                config,
                &runtime,
                &plugins,
                indexer
                    .as_ref()
                    .map(|i| (i.service.store().clone(), i.affected.clone())),
                &metrics,
                &mut background,
            )
            .await?;
            plugin_sets.matchers = Some(matchers);
            matcher = Some(api);
        }
        let mut notifier = None;
        if mode.runs_notifier() {
            // In combo mode the notifier asks this process's services directly.
            let local = match (&indexer, &matcher) {
                (Some(indexer), Some(matcher)) => Some(Local {
                    matcher: matcher.service.clone(),
                    affected: indexer.affected.clone(),
                }),
                _ => None,
            };
            notifier = serve_notifier::start_notifier(config, mode, local, &metrics).await?;
            if let Some(service) = &notifier {
                background.add(service.clone().run());
            }
        }
        if let Some(dir) = plugin_dir
            && runs_plugins
        {
            background.add(follow_directory(dir, plugin_sets.clone()));
        }
        Ok(Wiring {
            indexer,
            matcher,
            notifier,
            plugin_sets,
            metrics,
            background,
        })
    }

    /// What the API router serves: Clair's routes of the services running here, and
    /// the admin API over their plugin sets.
    pub fn routes(&self, config: &Config) -> anyhow::Result<scry_server::Services> {
        let serves_plugins =
            self.plugin_sets.scanners.is_some() || self.plugin_sets.matchers.is_some();
        Ok(scry_server::Services {
            indexer: self.indexer.as_ref().map(|i| i.service.clone()),
            affected: self.indexer.as_ref().map(|i| i.affected.clone()),
            matcher: self.matcher.clone(),
            notifier: self.notifier.clone(),
            admin: serves_plugins.then(|| {
                Arc::new(AdminApi {
                    plugin_sets: self.plugin_sets.clone(),
                })
            }),
            psk: config.psk()?,
            index_concurrency: config.indexer.effective_index_report_request_concurrency(),
            metrics: self.metrics.clone(),
        })
    }
}

/// The indexer service and the live set that swaps its scanners.
async fn start_indexer(
    config: &Config,
    runtime: &Runtime,
    plugins: &InitialPlugins,
    metrics: &Arc<Metrics>,
    background: &mut Background,
) -> anyhow::Result<(Arc<IndexerService>, Arc<LivePluginSet<ScannerWorld>>)> {
    let mut scanners = Scanners::new(plugins.scanner_plugins())?;
    Arc::get_mut(&mut scanners)
        .expect("not shared yet")
        .layer_concurrency = config.indexer.effective_layer_scan_concurrency();
    metrics.register(|registry| scanners.metrics.register(registry));

    let (connstring, migrate) = connstring(
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
    let live = Arc::new(LivePluginSet::new(
        runtime.clone(),
        indexer.clone(),
        store.plugin_set(),
        &plugins.scanners,
        DEFAULT_MAX_COMPONENT,
    ));
    background.add(follow_database(&live).await);
    Ok((indexer, live))
}

/// Clair's plugin blocks (`indexer.scanner.{package,dist,repo}.<name>`,
/// `matchers.config.<name>`), which the runtime hands each plugin it loads.
pub fn plugin_blocks(config: &Config) -> PluginBlocks {
    let mut blocks = PluginBlocks::default();
    let scanners = &config.indexer.scanner;
    let kinds = [
        (
            ScannerKind::Package,
            ScannerBlockKind::Package,
            &scanners.package,
        ),
        (
            ScannerKind::Distribution,
            ScannerBlockKind::Distribution,
            &scanners.dist,
        ),
        (
            ScannerKind::Repository,
            ScannerBlockKind::Repository,
            &scanners.repo,
        ),
    ];
    for (kind, block_kind, named) in kinds {
        for name in named.keys() {
            if let Some(block) = config.scanner_block(name, block_kind) {
                let block = Block {
                    key: block.key,
                    settings: block.settings,
                };
                blocks.add_scanner(kind, name, block);
            }
        }
    }
    for name in config.matchers.config.keys() {
        if let Some(block) = config.matcher_block(name) {
            let block = Block {
                key: block.key,
                settings: block.settings,
            };
            blocks.add_matcher(name, block);
        }
    }
    blocks
}
