//! The notifier in `scry serve`: its store, its sources (in-process in combo mode, the
//! indexer's and matcher's APIs in notifier mode) and its delivery mechanism.

use std::sync::Arc;

use anyhow::{Context, bail};
use scry_config::{Config, Mode};
use scry_matcher::{AffectedLookup, MatcherService};
use scry_notifier::local::LocalUpdates;
use scry_notifier::remote::Remote;
use scry_notifier::sources::{AffectedSource, UpdateSource};
use scry_notifier::{NotifierMetrics, NotifierService};
use scry_server::Metrics;
use scry_store::NotificationStore;

use crate::serve_matcher::connstring;

/// What combo mode already runs.
pub struct Local {
    pub matcher: Arc<MatcherService>,
    pub affected: Arc<AffectedLookup>,
}

/// The notifier service (its loops are `run()`, for the caller to start), or `None`
/// when no delivery mechanism is configured (as in Clair, the notifier then does not
/// run and its routes are absent).
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
            Arc::new(LocalUpdates(local.matcher)) as Arc<dyn UpdateSource>,
            local.affected as Arc<dyn AffectedSource>,
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
    Ok(Some(service))
}
