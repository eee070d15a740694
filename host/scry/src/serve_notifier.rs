//! The notifier in `scry serve`: its store, its sources (in-process in combo mode, the
//! indexer's and matcher's APIs in notifier mode) and its delivery mechanism.

use std::sync::Arc;

use anyhow::{Context, bail};
use scry_config::{Config, Mode};
use scry_matcher::LiveMatchers;
use scry_notifier::remote::Remote;
use scry_notifier::sources::{AffectedSource, UpdateSource};
use scry_notifier::{NotifierMetrics, NotifierService};
use scry_server::{LocalAffected, LocalUpdates, Metrics};
use scry_store::{IndexStore, NotificationStore, VulnStore};

use crate::serve_matcher::connstring;

/// What combo mode already has open.
pub struct Local {
    pub indexer: IndexStore,
    pub matchers: Arc<LiveMatchers>,
    pub vulns: VulnStore,
}

/// Starts the notifier's loops, or `None` when no delivery mechanism is configured
/// (as in Clair, the notifier then does not run and its routes are absent).
pub async fn start_notifier(
    config: &Config,
    mode: Mode,
    local: Option<Local>,
    metrics: &Arc<Metrics>,
) -> anyhow::Result<Option<Arc<NotifierService>>> {
    let psk = config.psk()?;
    let Some(deliverer) = scry_notifier::deliver::from_config(&config.notifier, psk.clone())
        .map_err(|err| anyhow::anyhow!("{err}"))?
    else {
        if mode == Mode::Notifier {
            bail!(
                "notifier mode needs a delivery mechanism: notifier.webhook, notifier.amqp or notifier.stomp"
            );
        }
        return Ok(None);
    };
    let (updates, affected): (Arc<dyn UpdateSource>, Arc<dyn AffectedSource>) = match local {
        Some(local) => (
            Arc::new(LocalUpdates(local.vulns)),
            Arc::new(LocalAffected {
                store: local.indexer,
                matchers: local.matchers,
            }),
        ),
        None => {
            let required = |value: &Option<String>, key: &str| {
                value
                    .clone()
                    .ok_or_else(|| anyhow::anyhow!("{key} is required in {mode} mode"))
            };
            let matcher = required(&config.notifier.matcher_addr, "notifier.matcher_addr")?;
            let indexer = required(&config.notifier.indexer_addr, "notifier.indexer_addr")?;
            (
                Arc::new(Remote::new(&matcher, psk.clone())),
                Arc::new(Remote::new(&indexer, psk)),
            )
        }
    };
    let (conn, migrate) = connstring(
        config.notifier_database()?,
        "notifier.connstring",
        config.notifier.migrations,
    )?;
    let store = NotificationStore::connect(&conn, migrate)
        .await
        .context("opening the notifier database (notifier.connstring)")?;
    let notifier_metrics = Arc::new(NotifierMetrics::default());
    metrics.register(|registry| notifier_metrics.register(registry));
    let floor = config.scry.effective_min_interval();
    let service = Arc::new(NotifierService::new(
        store,
        updates,
        affected,
        deliverer,
        !config.notifier.disable_summary,
        config.notifier.poll_interval_with_floor(floor),
        config.notifier.delivery_interval_with_floor(floor),
        notifier_metrics,
    ));
    tracing::info!(
        mechanism = service.deliverer.name(),
        poll_interval = ?service.poll_interval,
        delivery_interval = ?service.delivery_interval,
        "notifier started"
    );
    tokio::spawn(service.clone().run());
    Ok(Some(service))
}
